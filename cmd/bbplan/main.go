// Command bbplan plans broadband coverage and infrastructure: it loads coverage
// geodata into PostGIS, finds the premises and areas a policy counts as
// underserved, costs the gaps, ranks them for a subsidy budget and serves the
// results. See README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bbplan:", err)
		os.Exit(1)
	}
}
