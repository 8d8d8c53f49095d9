// Placeholder commands until the rank work lands; delete this file then.

package main

import "github.com/spf13/cobra"

func (a *app) rankCmd() *cobra.Command    { return notYet("rank", "Rank areas in a funding scenario") }
func (a *app) compareCmd() *cobra.Command { return notYet("compare", "Compare two scenarios") }
