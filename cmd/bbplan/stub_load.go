// Placeholder commands until the load work lands; delete this file then.

package main

import "github.com/spf13/cobra"

func (a *app) loadCmd() *cobra.Command     { return notYet("load", "Load a coverage dataset") }
func (a *app) datasetsCmd() *cobra.Command { return notYet("datasets", "List loaded datasets") }
