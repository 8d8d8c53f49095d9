package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// notYet marks commands whose issues have not landed yet.
func notYet(use, short string) *cobra.Command {
	return &cobra.Command{Use: use, Short: short + " (not yet available)", RunE: func(*cobra.Command, []string) error {
		return errors.New(use + ": not yet available in this build")
	}}
}

func (a *app) loadCmd() *cobra.Command     { return notYet("load", "Load a coverage dataset") }
func (a *app) datasetsCmd() *cobra.Command { return notYet("datasets", "List loaded datasets") }
func (a *app) analyzeCmd() *cobra.Command  { return notYet("analyze", "Run a coverage analysis") }
func (a *app) runsCmd() *cobra.Command     { return notYet("runs", "List analysis runs") }
func (a *app) exportCmd() *cobra.Command   { return notYet("export", "Export results") }
func (a *app) rankCmd() *cobra.Command     { return notYet("rank", "Rank areas in a funding scenario") }
func (a *app) compareCmd() *cobra.Command  { return notYet("compare", "Compare two scenarios") }
func (a *app) serveCmd() *cobra.Command    { return notYet("serve", "Serve the API and web map") }
func (a *app) tokenCmd() *cobra.Command    { return notYet("token", "Manage API tokens") }
func (a *app) genCmd() *cobra.Command      { return notYet("gen", "Generate a synthetic region") }
func (a *app) demoCmd() *cobra.Command     { return notYet("demo", "Run the demo region") }
