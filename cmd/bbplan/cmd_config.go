package main

import (
	"fmt"
	"io"
	"sort"

	"github.com/spf13/cobra"
)

func (a *app) configCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Print the effective configuration (secrets masked)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m := a.cfg.masked()
			return a.emit(m, func(w io.Writer) {
				keys := make([]string, 0, len(m))
				for k := range m {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					fmt.Fprintf(w, "%s: %v\n", k, m[k])
				}
			})
		},
	}
}
