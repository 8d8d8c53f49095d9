// Placeholder commands until the gen work lands; delete this file then.

package main

import "github.com/spf13/cobra"

func (a *app) demoCmd() *cobra.Command { return notYet("demo", "Run the demo region") }
