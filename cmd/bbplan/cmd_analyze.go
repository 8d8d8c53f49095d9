package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bbplan/bbplan/coverage"
	"github.com/bbplan/bbplan/data"
	"github.com/spf13/cobra"
)

// analyzeCmd runs a coverage analysis (issue 4).
func (a *app) analyzeCmd() *cobra.Command {
	var profile, asOf, name string
	cmd := &cobra.Command{
		Use:   "analyze",
		Short: "Classify every premise under a policy profile, aggregate and find candidate areas",
		Long: "analyze classifies every loaded premise under a policy profile (a preset: " +
			joinPresets() + "; or a YAML file with the same keys), aggregates the results to\n" +
			"municipalities and SCB grid cells, clusters the eligible premises into candidate areas and\n" +
			"costs them. The run is recorded with its profile, parameters and datasets.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			p, err := coverage.LoadProfile(profile)
			if err != nil {
				return err
			}
			date := time.Now()
			if asOf != "" {
				if date, err = time.Parse(time.DateOnly, asOf); err != nil {
					return fmt.Errorf("--as-of: %q is not a date (YYYY-MM-DD)", asOf)
				}
			}
			db, err := a.db(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			start := time.Now()
			run, err := data.Analyze(ctx, db, data.AnalyzeOptions{Name: name, Profile: p, AsOf: date,
				Params: a.cfg.Analysis, Cost: a.cfg.Cost, Actor: actor(), Log: a.log})
			if err != nil {
				return err
			}
			a.log.Info("analysis done", "run", run.ID, "premises", run.Summary.Premises, "elapsed", time.Since(start).Round(time.Millisecond))
			munis, err := data.MunicipalitySummaries(ctx, db, run.ID)
			if err != nil {
				return err
			}
			out := struct {
				data.Run
				Municipalities []data.MunicipalitySummary `json:"municipalities"`
			}{run, munis}
			return a.emit(out, func(w io.Writer) { printRun(w, run, p.Classes(), munis) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&profile, "profile", "pts-2025", "policy profile: "+joinPresets()+" or FILE.yaml")
	f.StringVar(&asOf, "as-of", "", "analysis date YYYY-MM-DD from which planned years count (default today)")
	f.StringVar(&name, "name", "", "name of the run (default: profile and date)")
	return cmd
}

// runsCmd lists analysis runs.
func (a *app) runsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "runs",
		Short: "List analysis runs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.db(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			runs, err := data.Runs(cmd.Context(), db)
			if err != nil {
				return err
			}
			if runs == nil {
				runs = []data.Run{}
			}
			return a.emit(map[string]any{"runs": runs}, func(w io.Writer) {
				rows := make([][]string, 0, len(runs))
				for _, r := range runs {
					took := ""
					if r.FinishedAt != nil {
						took = r.FinishedAt.Sub(r.StartedAt).Round(100 * time.Millisecond).String()
					}
					rows = append(rows, []string{strconv.FormatInt(r.ID, 10), r.Name, r.Profile, r.AsOf, r.Status,
						strconv.FormatInt(r.Summary.Premises, 10), strconv.FormatInt(r.Summary.Eligible, 10),
						strconv.FormatInt(r.Summary.Areas, 10), r.StartedAt.Local().Format(time.DateTime), took})
				}
				table(w, []string{"ID", "NAME", "PROFILE", "AS OF", "STATUS", "PREMISES", "ELIGIBLE", "AREAS", "STARTED", "TOOK"}, rows)
			})
		},
	}
}

// printRun writes the readable summary of a run: totals per class, then per municipality.
func printRun(w io.Writer, run data.Run, classes []string, munis []data.MunicipalitySummary) {
	s := run.Summary
	fmt.Fprintf(w, "Run %d %q (%s, as of %s): %d premises, %d eligible, %d double gaps, %d disputed; %d candidate areas, %d stranded\n\n",
		run.ID, run.Name, run.Profile, run.AsOf, s.Premises, s.Eligible, s.DoubleGaps, s.Disputed, s.Areas, s.Stranded)
	rows := make([][]string, 0, len(classes))
	for _, c := range classes {
		n := s.Classes[c]
		rows = append(rows, []string{c, strconv.FormatInt(n.Premises, 10), strconv.FormatInt(n.Households, 10), strconv.FormatInt(n.Workplaces, 10)})
	}
	table(w, []string{"CLASS", "PREMISES", "HOUSEHOLDS", "WORKPLACES"}, rows)
	fmt.Fprintln(w)
	header := append([]string{"MUNICIPALITY", "NAME", "PREMISES", "ELIGIBLE"}, classes...)
	rows = rows[:0]
	for _, m := range munis {
		row := []string{m.Code, m.Name, strconv.FormatInt(m.Premises, 10), strconv.FormatInt(m.Eligible, 10)}
		for _, c := range classes {
			n := m.Classes[c]
			row = append(row, fmt.Sprintf("%d (%d hh, %d wp)", n.Premises, n.Households, n.Workplaces))
		}
		rows = append(rows, row)
	}
	table(w, header, rows)
}

func joinPresets() string { return strings.Join(coverage.Presets(), ", ") }
