package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/bbplan/bbplan/data"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// app is what every subcommand shares: the loaded configuration, the output
// streams and the --json switch.
type app struct {
	cfg    Config
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
	json   bool

	configFile string
	bind       flagKeys
}

// run builds the command tree and executes args. It is main without the
// process: tests call it with their own streams.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a := &app{stdout: stdout, stderr: stderr, bind: flagKeys{}}
	root := &cobra.Command{
		Use:           "bbplan",
		Short:         "Broadband coverage and infrastructure planning",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.init(cmd)
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&a.configFile, "config", "", "configuration file (default bbplan.yaml if present)")
	pf.BoolVar(&a.json, "json", false, "print one JSON object on stdout")
	pf.String("database-url", "", "PostgreSQL URL of an existing server (default: the managed cluster)")
	pf.String("data-dir", "", "data directory of the managed cluster")
	a.bindFlag("database-url", "database.url")
	a.bindFlag("data-dir", "database.data_dir")

	root.AddCommand(
		a.configCmd(),
		a.dbCmd(),
		a.loadCmd(),
		a.datasetsCmd(),
		a.analyzeCmd(),
		a.runsCmd(),
		a.rankCmd(),
		a.compareCmd(),
		a.exportCmd(),
		a.serveCmd(),
		a.tokenCmd(),
		a.genCmd(),
		a.demoCmd(),
	)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

// bindFlag ties a flag, wherever it is defined, to a configuration key, so the
// flag wins over environment, file and default.
func (a *app) bindFlag(flag, key string) { a.bind[flag] = key }

// init loads the configuration and sets up logging before any subcommand runs.
func (a *app) init(cmd *cobra.Command) error {
	cfg, _, err := loadConfig(a.configFile, cmd.Flags(), a.bind)
	if err != nil {
		return err
	}
	a.cfg = cfg
	level := slog.LevelInfo
	if err := level.UnmarshalText([]byte(cfg.Log.Level)); err != nil {
		return fmt.Errorf("log.level: %q is not debug, info, warn or error", cfg.Log.Level)
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		a.log = slog.New(slog.NewJSONHandler(a.stderr, opts))
	} else {
		a.log = slog.New(slog.NewTextHandler(a.stderr, opts))
	}
	return nil
}

// dataOptions are the database options with this app's logger.
func (a *app) dataOptions() data.Options {
	o := a.cfg.DataOptions()
	o.Log = a.log
	return o
}

// db brings the database up (starting the managed cluster if needed, applying
// pending migrations) and opens it.
func (a *app) db(ctx context.Context) (*data.DB, error) {
	db, applied, err := data.Up(ctx, a.dataOptions())
	if err != nil {
		return nil, err
	}
	if len(applied) > 0 {
		a.log.Info("applied migrations", "versions", applied)
	}
	return db, nil
}

// emit prints v as one JSON object with --json, otherwise calls human to
// write the readable form.
func (a *app) emit(v any, human func(w io.Writer)) error {
	if a.json {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	human(a.stdout)
	return nil
}

// isTerminal reports whether w is an interactive terminal (progress bars go
// there; plain log lines go elsewhere).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// table writes rows as aligned columns.
func table(w io.Writer, header []string, rows [][]string) {
	width := make([]int, len(header))
	for i, h := range header {
		width[i] = len([]rune(h))
	}
	for _, r := range rows {
		for i, c := range r {
			if i < len(width) && len([]rune(c)) > width[i] {
				width[i] = len([]rune(c))
			}
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		for i, c := range cells {
			if i > 0 {
				b.WriteString("  ")
			}
			pad := width[i] - len([]rune(c))
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", pad))
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(header)
	for _, r := range rows {
		line(r)
	}
}
