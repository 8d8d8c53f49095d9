// Placeholder commands until the serve work lands; delete this file then.

package main

import "github.com/spf13/cobra"

func (a *app) serveCmd() *cobra.Command { return notYet("serve", "Serve the API and web map") }
func (a *app) tokenCmd() *cobra.Command { return notYet("token", "Manage API tokens") }
