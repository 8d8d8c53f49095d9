package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/sample"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// demoResult is what bbplan demo did and found, printed as a summary (or as
// one JSON object with --json).
type demoResult struct {
	Dir            string                  `json:"dir"`
	Model          string                  `json:"model"`
	Generated      bool                    `json:"generated"`
	Loads          []demoLoad              `json:"loads"`
	RunID          int64                   `json:"run_id"`
	RunReused      bool                    `json:"run_reused"`
	Scenarios      []demoScenario          `json:"scenarios"`
	Municipalities []data.DemoMunicipality `json:"municipalities"`
	TopAreas       []data.DemoArea         `json:"top_areas"`
	URL            string                  `json:"url,omitempty"`
	Token          string                  `json:"token,omitempty"`
}

// demoLoad is one file the demo loaded (or found loaded).
type demoLoad struct {
	Kind      string `json:"kind"`
	File      string `json:"file"`
	ID        int64  `json:"id"`
	Rows      int64  `json:"rows"`
	Unchanged bool   `json:"unchanged"`
}

// demoScenario is one scenario the demo ran (or found).
type demoScenario struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Strategy string `json:"strategy"`
	Reused   bool   `json:"reused"`
}

// Demo constants: the profile and the two scenarios of the README's demo.
const (
	demoProfile = "pts-2025"
	demoBudget  = 100e6 // SEK
	demoMaxMin  = 0.03  // minimum budget share per municipality in the balanced scenario
)

func (a *app) demoCmd() *cobra.Command {
	var g genOptions
	var noServe bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Generate, load, analyse and rank the demo region, then serve it",
		Long: `demo brings the database up, generates the demo region (from SCB's data in
../shared/data/vasterbotten when present, else the built-in model), loads it
(files already loaded are skipped), analyses it with pts-2025, runs two
scenarios (pts with a 100 MSEK budget; optimal with minimum municipality
shares), prints a summary and serves the API and web map with a planner token.
Steps already done for the same data are reused, so a second run starts in
seconds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var forward []string
			// VisitAll with Changed: Visit on the inherited set sees nothing.
			cmd.InheritedFlags().VisitAll(func(f *pflag.Flag) {
				if f.Changed && f.Name != "json" {
					forward = append(forward, "--"+f.Name+"="+f.Value.String())
				}
			})
			res, err := a.demo(cmd.Context(), &g, forward)
			if err != nil {
				return err
			}
			addr := a.cfg.Server.Addr
			if !noServe {
				res.URL = "http://" + addr + "/"
			}
			if err := a.emit(res, func(w io.Writer) { printDemo(w, res) }); err != nil {
				return err
			}
			if noServe || res.URL == "" {
				return nil
			}
			return run(cmd.Context(), append([]string{"serve", "--addr", addr}, forward...), a.stdout, a.stderr)
		},
	}
	cmd.Flags().StringVarP(&g.Out, "out", "o", "", "directory of the generated demo files (default: demo beside the database directory)")
	cmd.Flags().BoolVar(&noServe, "no-serve", false, "stop after the summary instead of serving")
	cmd.Flags().String("addr", "", "listen address (default server.addr, 127.0.0.1:8080)")
	a.bindFlag("addr", "server.addr")
	g.flags(cmd)
	cmd.Flags().MarkHidden("premises-csv") // the demo always loads premises from CSV
	return cmd
}

// sub runs one bbplan subcommand in-process with --json and decodes its
// output into v. Logs go to stderr as usual.
func (a *app) sub(ctx context.Context, forward []string, v any, args ...string) error {
	var out bytes.Buffer
	args = append(append(args, "--json"), forward...)
	if err := run(ctx, args, &out, a.stderr); err != nil {
		return err
	}
	if v == nil {
		return nil
	}
	if err := json.Unmarshal(out.Bytes(), v); err != nil {
		return fmt.Errorf("bbplan %s: reading its output: %w", args[0], err)
	}
	return nil
}

// demo does every step up to serving.
func (a *app) demo(ctx context.Context, g *genOptions, forward []string) (*demoResult, error) {
	db, err := a.db(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if g.Out == "" {
		g.Out = filepath.Join(filepath.Dir(filepath.Clean(a.cfg.Database.DataDir)), "demo")
	}
	res := &demoResult{Dir: g.Out}
	// CSV is the loader's fastest format for points.
	g.PremisesCSV = true
	source, err := g.resolve()
	if err != nil {
		return nil, err
	}
	m, err := sample.ReadManifest(g.Out)
	model := map[bool]string{true: "builtin", false: "scb-grid"}[g.Grid == ""]
	if err != nil || m.Seed != g.Seed || m.Model != model || m.Requested != g.Premises || m.Version != sample.Version || !slices.ContainsFunc(m.Files, func(f sample.ManifestFile) bool { return f.File == "premises.csv" }) {
		a.log.Info("demo: generating the region", "dir", g.Out, "from", source)
		if m, err = sample.Generate(g.Options); err != nil {
			return nil, err
		}
		res.Generated = true
	}
	res.Model = m.Model
	for _, f := range m.Files {
		var l demoLoad
		if err := a.sub(ctx, forward, &l, "load", f.Kind, filepath.Join(g.Out, f.File)); err != nil {
			return nil, fmt.Errorf("demo: loading %s: %w", f.File, err)
		}
		l.Kind, l.File = f.Kind, f.File
		res.Loads = append(res.Loads, l)
	}
	if res.RunID, err = data.DemoRun(ctx, db, demoProfile, a.cfg.Analysis, a.cfg.Cost); err != nil {
		return nil, err
	}
	res.RunReused = res.RunID != 0
	if !res.RunReused {
		var run struct {
			ID int64 `json:"id"`
		}
		if err := a.sub(ctx, forward, &run, "analyze", "--profile", demoProfile, "--name", "demo "+demoProfile); err != nil {
			return nil, fmt.Errorf("demo: analysing: %w", err)
		}
		res.RunID = run.ID
	}
	if err := a.demoScenarios(ctx, db, res, forward); err != nil {
		return nil, err
	}
	var ids [2]int64
	for i, s := range res.Scenarios {
		ids[i] = s.ID
	}
	if res.Municipalities, err = data.DemoMunicipalities(ctx, db, res.RunID, ids[0], ids[1]); err != nil {
		return nil, err
	}
	if ids[0] != 0 {
		if res.TopAreas, err = data.DemoTopAreas(ctx, db, ids[0], 10); err != nil {
			return nil, err
		}
	}
	return a.demoServe(ctx, res, forward)
}

// demoScenarios runs (or finds) the two demo scenarios of the run.
func (a *app) demoScenarios(ctx context.Context, db *data.DB, res *demoResult, forward []string) error {
	codes, err := data.DemoShareCodes(ctx, db, res.RunID)
	if err != nil {
		return err
	}
	var shares []string
	for _, c := range codes {
		share := min(demoMaxMin, 0.6/float64(len(codes)))
		shares = append(shares, c+"="+strconv.FormatFloat(share, 'f', 4, 64))
	}
	budget := strconv.FormatFloat(demoBudget, 'f', 0, 64)
	specs := []struct {
		name, strategy string
		extra          []string
	}{
		{"demo: pts, 100 MSEK", "pts", nil},
		{"demo: optimal, 100 MSEK, minimum municipality shares", "optimal", []string{"--min-share", strings.Join(shares, ",")}},
	}
	for _, s := range specs {
		sc := demoScenario{Name: s.name, Strategy: s.strategy}
		if sc.ID, err = data.DemoScenario(ctx, db, res.RunID, s.name); err != nil {
			return err
		}
		sc.Reused = sc.ID != 0
		if !sc.Reused {
			if len(s.extra) > 0 && len(codes) == 0 {
				s.extra = nil
			}
			args := append([]string{"rank", "--run", strconv.FormatInt(res.RunID, 10), "--budget", budget,
				"--strategy", s.strategy, "--name", s.name}, s.extra...)
			if err := a.sub(ctx, forward, &sc, args...); err != nil {
				return fmt.Errorf("demo: scenario %q: %w", s.name, err)
			}
			sc.Name, sc.Strategy = s.name, s.strategy
		}
		res.Scenarios = append(res.Scenarios, sc)
	}
	return nil
}

// demoServe creates the planner token the printed URL is used with.
func (a *app) demoServe(ctx context.Context, res *demoResult, forward []string) (*demoResult, error) {
	var tok struct {
		Token string `json:"token"`
	}
	if err := a.sub(ctx, forward, &tok, "token", "create", "--role", "planner", "--name", "demo"); err != nil {
		return nil, fmt.Errorf("demo: planner token: %w", err)
	}
	res.Token = tok.Token
	return res, nil
}

// printDemo writes the demo's summary.
func printDemo(w io.Writer, res *demoResult) {
	how := "reused"
	if res.Generated {
		how = "generated"
	}
	fmt.Fprintf(w, "Demo region (%s model) %s in %s\n", res.Model, how, res.Dir)
	for _, l := range res.Loads {
		state := fmt.Sprintf("loaded %d rows", l.Rows)
		if l.Unchanged {
			state = "already loaded"
		}
		fmt.Fprintf(w, "  %-15s %-24s dataset %d, %s\n", l.Kind, l.File, l.ID, state)
	}
	if res.RunID != 0 {
		fmt.Fprintf(w, "Analysis run %d (%s%s)\n", res.RunID, demoProfile, map[bool]string{true: ", reused", false: ""}[res.RunReused])
	}
	for i, s := range res.Scenarios {
		fmt.Fprintf(w, "Scenario %c: %d %q%s\n", 'A'+i, s.ID, s.Name, map[bool]string{true: " (reused)", false: ""}[s.Reused])
	}
	if len(res.Municipalities) > 0 {
		fmt.Fprintln(w)
		rows := make([][]string, 0, len(res.Municipalities)+1)
		var tot data.DemoMunicipality
		for _, m := range res.Municipalities {
			rows = append(rows, demoRow(m.Code, m.Name, m))
			tot.Premises += m.Premises
			tot.Households += m.Households
			tot.PremisesTarget += m.PremisesTarget
			tot.Eligible += m.Eligible
			tot.DoubleGaps += m.DoubleGaps
			tot.FundedA += m.FundedA
			tot.SubsidyA += m.SubsidyA
			tot.FundedB += m.FundedB
			tot.SubsidyB += m.SubsidyB
		}
		rows = append(rows, demoRow("", "total", tot))
		table(w, []string{"KOMMUN", "NAME", "PREMISES", "HOUSEHOLDS", "1000 MBIT/S", "ELIGIBLE", "DOUBLE GAPS",
			"AREAS A", "MSEK A", "AREAS B", "MSEK B"}, rows)
	}
	if len(res.TopAreas) > 0 {
		fmt.Fprintln(w, "\nTop areas of scenario A:")
		rows := make([][]string, 0, len(res.TopAreas))
		for _, t := range res.TopAreas {
			perPremise := 0.0
			if t.Premises > 0 {
				perPremise = t.Subsidy / float64(t.Premises)
			}
			rows = append(rows, []string{strconv.Itoa(t.Rank), strconv.FormatInt(t.AreaID, 10), t.Name,
				strconv.FormatInt(t.Premises, 10), t.Option, sek(t.Subsidy), sek(perPremise),
				map[bool]string{true: "yes", false: ""}[t.Selected]})
		}
		table(w, []string{"RANK", "AREA", "KOMMUN", "PREMISES", "OPTION", "SUBSIDY SEK", "SEK/PREMISE", "FUNDED"}, rows)
	}
	if res.URL != "" {
		fmt.Fprintf(w, "\nWeb map and API: %s\nPlanner token:   %s\n", res.URL, res.Token)
	}
}

func demoRow(code, name string, m data.DemoMunicipality) []string {
	share := ""
	if m.Premises > 0 {
		share = strconv.FormatFloat(100*float64(m.PremisesTarget)/float64(m.Premises), 'f', 1, 64) + " %"
	}
	return []string{code, name, strconv.FormatInt(m.Premises, 10), strconv.FormatInt(m.Households, 10), share,
		strconv.FormatInt(m.Eligible, 10), strconv.FormatInt(m.DoubleGaps, 10),
		strconv.FormatInt(m.FundedA, 10), strconv.FormatFloat(m.SubsidyA/1e6, 'f', 1, 64),
		strconv.FormatInt(m.FundedB, 10), strconv.FormatFloat(m.SubsidyB/1e6, 'f', 1, 64)}
}
