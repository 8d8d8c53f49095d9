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
