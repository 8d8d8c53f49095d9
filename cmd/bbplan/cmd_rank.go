package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/bbplan/bbplan/funding"
	"github.com/spf13/cobra"
)

// rankCmd is `bbplan rank`: compute, store and print a funding scenario.
func (a *app) rankCmd() *cobra.Command {
	var (
		req                         funding.ScenarioRequest
		weights, minShare, maxShare string
	)
	cmd := &cobra.Command{
		Use:   "rank",
		Short: "Rank a run's candidate areas in a funding scenario and store it",
		Long: `Rank a run's costed candidate areas for a subsidy budget and store the scenario.

Strategies: pts (lowest requested subsidy per building with households or
workplaces; each priority building cuts the ranking amount 2 %, at most 50 %),
score (weighted normalised criteria), optimal (exact 0/1 knapsack maximising
the total score, reported beside the greedy order).

Weights (score and optimal; defaults in brackets): premises [1], households [1],
workplaces [0.5], anchors [1], double_gaps [1], subsidy_per_premise [2, lower is
better], distance_to_fiber [0.5, lower is better].`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if req.Weights, err = parseKV("weights", weights); err != nil {
				return err
			}
			if req.MinShare, err = parseKV("min-share", minShare); err != nil {
				return err
			}
			if req.MaxShare, err = parseKV("max-share", maxShare); err != nil {
				return err
			}
			ctx := cmd.Context()
			db, err := a.db(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			id, err := db.CreateScenario(ctx, req, "")
			if err != nil {
				return err
			}
			s, err := db.Scenario(ctx, id)
			if err != nil {
				return err
			}
			return a.emit(s, func(w io.Writer) { printScenario(w, s) })
		},
	}
	f := cmd.Flags()
	f.Int64Var(&req.RunID, "run", 0, "analysis run id (required)")
	f.Float64Var(&req.Budget, "budget", 0, "subsidy budget in SEK (required)")
	f.StringVar(&req.Strategy, "strategy", funding.StrategyPTS, "pts, score or optimal")
	f.StringVar(&weights, "weights", "", "score weights, e.g. premises=1,anchors=2")
	f.StringVar(&minShare, "min-share", "", "budget share reserved per municipality, e.g. 2401=0.03,2480=0.2")
	f.StringVar(&maxShare, "max-share", "", "largest budget share per municipality, e.g. 2480=0.3")
	f.Float64Var(&req.MaxPerPremise, "max-per-premise", 0, "largest subsidy per premise in SEK; above it the cheapest alternative (0 = no cap)")
	f.IntVar(&req.MinPremises, "min-premises", 0, "smallest area funded, in premises")
	f.StringVar(&req.Name, "name", "", "scenario name (default: strategy and budget)")
	f.Float64Var(&req.TimeLimitSeconds, "time-limit", funding.DefaultTimeLimitSeconds, "seconds for the optimal strategy's exact search")
	return cmd
}

// parseKV parses "k=v,k=v" into numbers; errors name the flag.
func parseKV(flag, s string) (map[string]float64, error) {
	out := map[string]float64{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--%s: %q is not key=value", flag, part)
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("--%s: %s: %q is not a number", flag, k, v)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("--%s: %s given twice", flag, k)
		}
		out[k] = x
	}
	return out, nil
}

// sek formats an amount in whole kronor.
func sek(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }

// printScenario writes the ranked table and the summary.
func printScenario(w io.Writer, s funding.Scenario) {
	fmt.Fprintf(w, "scenario %d %q: run %d, strategy %s, budget %s SEK\n", s.ID, s.Name, s.RunID, s.Strategy, sek(s.Summary.Budget))
	rows := make([][]string, 0, len(s.Areas))
	for _, r := range s.Areas {
		order := strconv.FormatFloat(r.Score, 'f', 3, 64)
		if r.RankingAmount != nil {
			order = sek(*r.RankingAmount)
		}
		sel := ""
		if r.Selected {
			sel = "yes"
		}
		rows = append(rows, []string{strconv.Itoa(r.Rank), strconv.FormatInt(r.AreaID, 10), r.Kommun,
			strconv.Itoa(r.Premises), r.CostOption, sek(r.Subsidy), order, sel, sek(r.RunningBudget), r.Rule})
	}
	key := "SCORE"
	if s.Strategy == funding.StrategyPTS {
		key = "RANKING SEK"
	}
	table(w, []string{"RANK", "AREA", "KOMMUN", "PREMISES", "OPTION", "SUBSIDY", key, "FUNDED", "REMAINING", "RULE"}, rows)
	sum := s.Summary
	fmt.Fprintf(w, "funded %d of %d areas, %d premises; allocated %s SEK, remaining %s SEK\n",
		sum.Selected, sum.Areas, sum.SelectedPremises, sek(sum.Allocated), sek(sum.Remaining))
	mrows := make([][]string, 0, len(sum.Municipalities))
	for _, m := range sum.Municipalities {
		mrows = append(mrows, []string{m.Code, strconv.Itoa(m.Selected) + "/" + strconv.Itoa(m.Areas), sek(m.Allocated),
			strconv.FormatFloat(100*m.Share, 'f', 1, 64) + " %", sek(m.Reserve)})
	}
	table(w, []string{"KOMMUN", "FUNDED", "ALLOCATED", "SHARE", "RESERVE"}, mrows)
	if o := sum.Optimal; o != nil {
		fmt.Fprintf(w, "benefit %.4f, greedy order %.4f, difference %+.4f (%s)\n", o.Benefit, o.GreedyBenefit, o.Difference, o.Note)
	}
}

// compareCmd is `bbplan compare`: what differs between two scenarios, and why.
func (a *app) compareCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "compare SCENARIO_A SCENARIO_B",
		Short: "Compare two scenarios: areas only in one, rank changes, budget per municipality",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ids [2]int64
			for i, s := range args {
				v, err := strconv.ParseInt(s, 10, 64)
				if err != nil || v <= 0 {
					return fmt.Errorf("scenario %s: %q is not a scenario id", []string{"A", "B"}[i], s)
				}
				ids[i] = v
			}
			ctx := cmd.Context()
			db, err := a.db(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			c, err := db.CompareScenarios(ctx, ids[0], ids[1])
			if err != nil {
				return err
			}
			return a.emit(c, func(w io.Writer) { printComparison(w, c) })
		},
	}
}

// printComparison writes a comparison as sections of tables.
func printComparison(w io.Writer, c funding.Comparison) {
	fmt.Fprintf(w, "A: scenario %d %q (%s, %s SEK, %d funded)\n", c.A.ID, c.A.Name, c.A.Strategy, sek(c.A.Budget), c.A.Selected)
	fmt.Fprintf(w, "B: scenario %d %q (%s, %s SEK, %d funded)\n", c.B.ID, c.B.Name, c.B.Strategy, sek(c.B.Budget), c.B.Selected)
	for _, p := range c.ParamChanges {
		fmt.Fprintf(w, "  changed %s\n", p)
	}
	for _, sec := range []struct {
		title string
		d     []funding.AreaDiff
	}{{"funded only in A", c.OnlyA}, {"funded only in B", c.OnlyB}} {
		fmt.Fprintf(w, "\n%s: %d\n", sec.title, len(sec.d))
		rows := make([][]string, 0, len(sec.d))
		for _, d := range sec.d {
			rows = append(rows, []string{strconv.FormatInt(d.AreaID, 10), d.Kommun, strconv.Itoa(d.RankA),
				strconv.Itoa(d.RankB), sek(d.SubsidyA), sek(d.SubsidyB), d.Reason})
		}
		if len(rows) > 0 {
			table(w, []string{"AREA", "KOMMUN", "RANK A", "RANK B", "SUBSIDY A", "SUBSIDY B", "REASON"}, rows)
		}
	}
	fmt.Fprintf(w, "\nrank changes: %d\n", len(c.RankChanges))
	rows := make([][]string, 0, len(c.RankChanges))
	for _, r := range c.RankChanges {
		rows = append(rows, []string{strconv.FormatInt(r.AreaID, 10), r.Kommun, strconv.Itoa(r.RankA), strconv.Itoa(r.RankB),
			fmt.Sprintf("%+d", r.Delta)})
	}
	if len(rows) > 0 {
		table(w, []string{"AREA", "KOMMUN", "RANK A", "RANK B", "CHANGE"}, rows)
	}
	fmt.Fprintln(w, "\nbudget per municipality:")
	rows = rows[:0]
	for _, m := range c.Municipalities {
		rows = append(rows, []string{m.Code, sek(m.BudgetA), sek(m.BudgetB), sek(m.Difference),
			strconv.Itoa(m.SelectedA), strconv.Itoa(m.SelectedB)})
	}
	table(w, []string{"KOMMUN", "BUDGET A", "BUDGET B", "CHANGE", "AREAS A", "AREAS B"}, rows)
}
