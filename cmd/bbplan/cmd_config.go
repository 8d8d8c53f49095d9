package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"

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
					v := m[k]
					if f, ok := v.(float64); ok {
						v = strconv.FormatFloat(f, 'f', -1, 64) // 1500000, not 1.5e+06
					}
					fmt.Fprintf(w, "%s: %v\n", k, v)
				}
			})
		},
	}
}
