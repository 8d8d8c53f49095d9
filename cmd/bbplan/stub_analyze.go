// Placeholder commands until the analyze work lands; delete this file then.

package main

import "github.com/spf13/cobra"

func (a *app) analyzeCmd() *cobra.Command { return notYet("analyze", "Run a coverage analysis") }
func (a *app) runsCmd() *cobra.Command    { return notYet("runs", "List analysis runs") }
