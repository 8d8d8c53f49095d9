package main

import (
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/bbplan/bbplan/data"
	"github.com/spf13/cobra"
)

func (a *app) loadCmd() *cobra.Command {
	var (
		opt     data.LoadOptions
		maps    []string
		rejects string
	)
	cmd := &cobra.Command{
		Use:   "load KIND FILE",
		Short: "Load a coverage dataset (" + strings.Join(data.Kinds(), ", ") + ")",
		Long: `Load reads a GeoJSON, GeoJSONSeq, CSV, GeoPackage or Shapefile file of one kind into
PostGIS, replacing the current dataset of that kind in one transaction. Loading
the same file with the same options again does nothing unless --force is given.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opt.Kind, opt.File = args[0], args[1]
			m, err := parseMaps(maps)
			if err != nil {
				return err
			}
			opt.Map = m
			opt.MaxErrors = a.cfg.Load.MaxErrors
			opt.RepairInvalid = a.cfg.Load.RepairInvalid
			opt.Actor = actor()
			if rejects != "" {
				f, err := os.Create(rejects)
				if err != nil {
					return fmt.Errorf("--rejects: %w", err)
				}
				defer f.Close()
				opt.Rejects = f
			} else if opt.MaxErrors > 0 {
				opt.Rejects = a.stderr
			}
			p := a.progress(opt.Kind, a.cfg.Load.ProgressInterval)
			opt.Progress = p.report
			db, err := a.db(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			res, err := data.Load(cmd.Context(), db, opt)
			p.end()
			if err != nil {
				return err
			}
			return a.emit(res, func(w io.Writer) {
				if res.Unchanged {
					fmt.Fprintf(w, "%s: %s is already loaded as dataset %d (same sha256 and options); nothing to do (--force reloads)\n",
						res.Kind, opt.File, res.ID)
					return
				}
				fmt.Fprintf(w, "%s: dataset %d loaded from %s: %d rows, %d rejected, %d repaired, input EPSG:%d, %.1fs\n",
					res.Kind, res.ID, opt.File, res.Rows, res.Rejected, res.Repaired, res.InputSRID, res.Elapsed.Seconds())
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&opt.SRID, "srid", 0, "EPSG code of the input coordinates (default: from the file)")
	f.StringVar(&opt.Layer, "layer", "", "GeoPackage layer (default: the only or first one)")
	f.StringVar(&opt.Name, "name", "", "dataset name (default: the file name)")
	f.StringArrayVar(&maps, "map", nil, "field=column: read a field from another column (repeatable)")
	f.BoolVar(&opt.Force, "force", false, "load even if the same file is already current")
	f.Int("max-errors", 0, "tolerate up to N bad rows (written to --rejects)")
	f.StringVar(&rejects, "rejects", "", "write rejected rows to FILE as JSON lines (default: stderr)")
	a.bindFlag("max-errors", "load.max_errors")
	return cmd
}

// parseMaps reads --map field=column values.
func parseMaps(maps []string) (map[string]string, error) {
	if len(maps) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, m := range maps {
		field, col, ok := strings.Cut(m, "=")
		if !ok || field == "" || col == "" {
			return nil, fmt.Errorf("--map %q: want field=column", m)
		}
		out[strings.TrimSpace(field)] = strings.TrimSpace(col)
	}
	return out, nil
}

// actor names who runs bbplan, for the dataset and audit rows.
func actor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return os.Getenv("USER")
}

// loadProgress shows a load's progress: a line redrawn in place on a
// terminal, periodic log lines otherwise.
type loadProgress struct {
	a        *app
	kind     string
	tty      bool
	every    time.Duration
	last     time.Time
	drawn    bool
	lastSeen data.Progress
}

func (a *app) progress(kind string, every time.Duration) *loadProgress {
	tty := isTerminal(a.stderr)
	if tty {
		every = 200 * time.Millisecond
	}
	return &loadProgress{a: a, kind: kind, tty: tty, every: every, last: time.Now()}
}

func (p *loadProgress) report(pr data.Progress) {
	p.lastSeen = pr
	if pr.Phase == "reading" && time.Since(p.last) < p.every {
		return
	}
	p.last = time.Now()
	rate := 0.0
	if s := pr.Elapsed.Seconds(); s > 0 {
		rate = float64(pr.Rows) / s
	}
	pct := ""
	if pr.Size > 0 {
		pct = strconv.Itoa(int(100*pr.BytesRead/pr.Size)) + "%"
	}
	if p.tty {
		fmt.Fprintf(p.a.stderr, "\r%s: %s %d rows, %.0f rows/s, %s read, %d rejected   ", p.kind, pr.Phase, pr.Rows, rate, pct, pr.Rejected)
		p.drawn = true
		return
	}
	if pr.Phase == "done" || p.every <= 0 {
		return
	}
	p.a.log.Info("load progress", "kind", p.kind, "phase", pr.Phase, "rows", pr.Rows,
		"rows_per_s", int(rate), "read", pct, "rejected", pr.Rejected)
}

// end finishes the terminal line.
func (p *loadProgress) end() {
	if p.drawn {
		fmt.Fprintln(p.a.stderr)
	}
}

func (a *app) datasetsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "datasets",
		Short: "List loaded datasets, current ones first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.db(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			ds, err := data.Datasets(cmd.Context(), db)
			if err != nil {
				return err
			}
			return a.emit(map[string]any{"datasets": ds}, func(w io.Writer) { printDatasets(w, ds) })
		},
	}
}

func printDatasets(w io.Writer, ds []data.Dataset) {
	if len(ds) == 0 {
		fmt.Fprintln(w, "no datasets loaded (see bbplan load)")
		return
	}
	rows := make([][]string, 0, len(ds))
	for _, d := range ds {
		srid := ""
		if d.InputSRID != nil {
			srid = strconv.Itoa(*d.InputSRID)
		}
		rows = append(rows, []string{strconv.FormatInt(d.ID, 10), d.Kind, d.Name, d.File, d.SHA256[:12],
			strconv.FormatInt(d.Rows, 10), strconv.FormatInt(d.Rejected, 10),
			d.LoadedAt.UTC().Format(time.DateTime), srid, d.Status})
	}
	table(w, []string{"ID", "KIND", "NAME", "FILE", "SHA256", "ROWS", "REJECTED", "LOADED_AT", "SRID", "STATUS"}, rows)
}
