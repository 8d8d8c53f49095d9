package data_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
	"github.com/bbplan/bbplan/funding"
)

// fundingFixture makes a finished run with six candidate areas in two
// municipalities. Area i has i+2 premises on an east-west line 100 m apart
// (so its MST is (i+1)×100 m), a feeder distance of i km, and i%3 priority
// premises. It returns the run id and the area ids in order.
func fundingFixture(t *testing.T, db *data.DB) (int64, []int64) {
	t.Helper()
	ctx := context.Background()
	run := dbtest.DoneRun(t, db, "fixture")
	var ids []int64
	for i := 1; i <= 6; i++ {
		kommun := []string{"2401", "2403"}[i%2]
		n := i + 2
		x0, y := 700000.0+float64(i)*10000, 7100000.0
		var id int64
		if err := db.QueryRowContext(ctx, `INSERT INTO candidate_area (run_id, kommun_code, premises, households, workplaces,
			anchors, double_gaps, priority_premises, distance_to_fiber, geom)
			VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint($9, $10), 3006), 500)))
			RETURNING id`, run, kommun, n, i%2, i%2, i%3, i%3, float64(i)*1000, x0, y).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		// The last premise of each area has neither households nor workplaces.
		if _, err := db.ExecContext(ctx, `INSERT INTO premise_status (run_id, premise_id, kommun_code, geom, households,
			workplaces, kind, class, eligible, area_id, reason)
			SELECT $1, $2 || '-' || k, $3, ST_SetSRID(ST_MakePoint($4 + 100 * k, $5), 3006), CASE WHEN k < $6 - 1 THEN 1 ELSE 0 END,
				0, 'house', 'unserved', true, $2::bigint, 'fixture'
			FROM generate_series(0, $6 - 1) AS k`, run, id, kommun, x0, y, n); err != nil {
			t.Fatal(err)
		}
	}
	return run, ids
}

// costFixture costs the fixture's areas under a gigabit target (fibre only).
func costFixture(t *testing.T, db *data.DB, run int64, p funding.CostParams) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := data.CostAreas(ctx, tx, run, p, 1000, 100); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestCostAreas(t *testing.T) {
	db, _ := dbtest.New(t)
	ctx := context.Background()
	run, ids := fundingFixture(t, db)
	p := funding.DefaultCostParams()
	// The last area is stranded: costed for the alternatives, here satellite
	// (no alternative meets the gigabit target, and it is the cheaper one).
	if _, err := db.ExecContext(ctx, `UPDATE candidate_area SET stranded = true WHERE id = $1`, ids[5]); err != nil {
		t.Fatal(err)
	}
	costFixture(t, db, run, p)
	costFixture(t, db, run, p) // a rerun replaces the costs
	for i, id := range ids {
		n := i + 3
		var rows, chosen int
		var mst, expected, subsidy float64
		var chosenOpt string
		if err := db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE chosen),
			max((details->>'mst_m')::float8) FILTER (WHERE option = 'fiber'),
			max(expected) FILTER (WHERE option = 'fiber'), max(subsidy) FILTER (WHERE option = 'fiber'),
			max(option) FILTER (WHERE chosen)
			FROM area_cost WHERE area_id = $1`, id).Scan(&rows, &chosen, &mst, &expected, &subsidy, &chosenOpt); err != nil {
			t.Fatal(err)
		}
		wantOpt := funding.OptionFiber
		if i == 5 {
			wantOpt = funding.OptionSatellite
		}
		if rows != 3 || chosen != 1 || chosenOpt != wantOpt {
			t.Errorf("area %d: %d options, %d chosen (%s), want 3, 1 (%s)", id, rows, chosen, chosenOpt, wantOpt)
		}
		wantMST := float64(n-1) * 100
		feeder := float64(i+1) * 1000
		wantCost := (wantMST+feeder)*p.RouteFactor*p.FiberPerMetre + float64(n)*p.DropPerPremise + p.ProjectFixed
		if math.Abs(mst-wantMST) > 1e-6 || math.Abs(expected-wantCost) > 1e-3 {
			t.Errorf("area %d: mst %v cost %v, want %v and %v", id, mst, expected, wantMST, wantCost)
		}
		if want := funding.RequestedSubsidy(wantCost, n, p); math.Abs(subsidy-want) > 1e-3 {
			t.Errorf("area %d: subsidy %v, want %v", id, subsidy, want)
		}
	}
}

// totalSubsidy is the sum of the chosen options' subsidies of run.
func totalSubsidy(t *testing.T, db *data.DB, run int64) float64 {
	t.Helper()
	var s float64
	if err := db.QueryRowContext(context.Background(), `SELECT sum(ac.subsidy) FROM area_cost ac
		JOIN candidate_area ca ON ca.id = ac.area_id WHERE ca.run_id = $1 AND ac.chosen`, run).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// createScenario stores req as "tester" and reads the scenario back.
func createScenario(t *testing.T, db *data.DB, req funding.ScenarioRequest) funding.Scenario {
	t.Helper()
	ctx := context.Background()
	id, err := db.CreateScenario(ctx, req, "tester")
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.Scenario(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// costedRun is a fresh database with the fixture run costed by the default model.
func costedRun(t *testing.T) (*data.DB, int64, []int64) {
	t.Helper()
	db, _ := dbtest.New(t)
	run, ids := fundingFixture(t, db)
	costFixture(t, db, run, funding.DefaultCostParams())
	return db, run, ids
}

func TestCreateScenario(t *testing.T) {
	db, run, ids := costedRun(t)
	ctx := context.Background()
	budget := totalSubsidy(t, db, run) / 2
	for _, strategy := range []string{funding.StrategyPTS, funding.StrategyScore, funding.StrategyOptimal} {
		t.Run(strategy, func(t *testing.T) {
			req := funding.ScenarioRequest{RunID: run, Budget: budget, Strategy: strategy,
				MinShare: map[string]float64{"2403": 0.2}, Weights: map[string]float64{funding.CritAnchors: 3}}
			s := createScenario(t, db, req)
			if s.RunID != run || s.Strategy != strategy || s.CreatedBy != "tester" || len(s.Areas) != len(ids) {
				t.Fatalf("scenario %+v", s)
			}
			if s.Params.Weights[funding.CritAnchors] != 3 || len(s.Params.Weights) != len(funding.CriterionNames()) {
				t.Errorf("stored weights %v", s.Params.Weights)
			}
			// What is stored is exactly what the strategy computes.
			areas, err := db.ScenarioAreas(ctx, run)
			if err != nil {
				t.Fatal(err)
			}
			want := funding.Run(req, areas)
			gotJS, _ := json.Marshal(s.Areas)
			wantJS, _ := json.Marshal(want.Areas)
			if string(gotJS) != string(wantJS) {
				t.Errorf("stored areas differ from the computed ones:\n%s\n%s", gotJS, wantJS)
			}
			sumJS, _ := json.Marshal(s.Summary)
			wantSum, _ := json.Marshal(want.Summary)
			if string(sumJS) != string(wantSum) {
				t.Errorf("summary %s, want %s", sumJS, wantSum)
			}
			spent := 0.0
			for i, r := range s.Areas {
				if r.Rank != i+1 {
					t.Errorf("rank %d at position %d", r.Rank, i)
				}
				if r.Selected {
					spent += r.Subsidy
				}
				if math.Abs(r.RunningBudget-(budget-spent)) > 1e-6 || r.Rule == "" {
					t.Errorf("area %d: running budget %v rule %q", r.AreaID, r.RunningBudget, r.Rule)
				}
				if (r.RankingAmount != nil) != (strategy == funding.StrategyPTS) {
					t.Errorf("area %d: ranking amount %v under %s", r.AreaID, r.RankingAmount, strategy)
				}
			}
			if spent > budget+1e-6 || spent == 0 {
				t.Errorf("spent %v of %v", spent, budget)
			}
			// Same inputs, same output.
			s2 := createScenario(t, db, req)
			again, _ := json.Marshal(s2.Areas)
			if string(again) != string(gotJS) {
				t.Errorf("a second identical scenario differs")
			}
		})
	}
	list, err := db.ListScenarios(ctx, run)
	if err != nil || len(list) != 6 {
		t.Fatalf("ListScenarios = %d, %v; want 6", len(list), err)
	}
	if other, err := db.ListScenarios(ctx, run+1); err != nil || len(other) != 0 {
		t.Errorf("ListScenarios(other run) = %d, %v", len(other), err)
	}
	if _, err := db.Scenario(ctx, 999999); !errors.Is(err, data.ErrNoScenario) {
		t.Errorf("Scenario(999999) = %v, want ErrNoScenario", err)
	}
}

func TestCreateScenarioBadInput(t *testing.T) {
	db, run, _ := costedRun(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		req   funding.ScenarioRequest
		param string
	}{
		{"zero budget", funding.ScenarioRequest{RunID: run, Strategy: "pts"}, "budget"},
		{"negative budget", funding.ScenarioRequest{RunID: run, Budget: -1, Strategy: "pts"}, "budget"},
		{"min shares above 1", funding.ScenarioRequest{RunID: run, Budget: 1e6, Strategy: "pts",
			MinShare: map[string]float64{"2401": 0.7, "2403": 0.4}}, "min-share"},
		{"min above max", funding.ScenarioRequest{RunID: run, Budget: 1e6, Strategy: "pts",
			MinShare: map[string]float64{"2401": 0.5}, MaxShare: map[string]float64{"2401": 0.2}}, "min-share"},
		{"unknown municipality", funding.ScenarioRequest{RunID: run, Budget: 1e6, Strategy: "pts",
			MaxShare: map[string]float64{"0180": 0.5}}, "max-share"},
		{"unknown weight", funding.ScenarioRequest{RunID: run, Budget: 1e6, Strategy: "score",
			Weights: map[string]float64{"views": 1}}, "weights"},
		{"no such run", funding.ScenarioRequest{RunID: run + 100, Budget: 1e6, Strategy: "pts"}, "run"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.CreateScenario(ctx, tc.req, "tester")
			var pe *funding.ParamError
			if !errors.As(err, &pe) || pe.Param != tc.param {
				t.Fatalf("err = %v, want a %s parameter error", err, tc.param)
			}
			var n int
			if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM scenario) + (SELECT count(*) FROM scenario_area)`).Scan(&n); err != nil || n != 0 {
				t.Errorf("%d rows stored after a bad request (%v)", n, err)
			}
		})
	}
}

func TestCompareScenarios(t *testing.T) {
	db, run, _ := costedRun(t)
	ctx := context.Background()
	budget := totalSubsidy(t, db, run) / 3
	a, err := db.CreateScenario(ctx, funding.ScenarioRequest{RunID: run, Budget: budget, Strategy: "pts"}, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateScenario(ctx, funding.ScenarioRequest{RunID: run, Budget: budget, Strategy: "score",
		MaxShare: map[string]float64{"2401": 0.3}}, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.CompareScenarios(ctx, a, b)
	if err != nil {
		t.Fatal(err)
	}
	sa, _ := db.Scenario(ctx, a)
	sb, _ := db.Scenario(ctx, b)
	selA, selB := map[int64]bool{}, map[int64]bool{}
	for _, r := range sa.Areas {
		selA[r.AreaID] = r.Selected
	}
	for _, r := range sb.Areas {
		selB[r.AreaID] = r.Selected
	}
	wantOnlyA, wantOnlyB := 0, 0
	for id := range selA {
		if selA[id] && !selB[id] {
			wantOnlyA++
		}
		if selB[id] && !selA[id] {
			wantOnlyB++
		}
	}
	if len(c.OnlyA) != wantOnlyA || len(c.OnlyB) != wantOnlyB {
		t.Errorf("only A %d, only B %d; want %d, %d", len(c.OnlyA), len(c.OnlyB), wantOnlyA, wantOnlyB)
	}
	for _, d := range append(c.OnlyA, c.OnlyB...) {
		if d.Reason == "" || d.RuleA == "" || d.RuleB == "" {
			t.Errorf("difference without reason: %+v", d)
		}
	}
	if len(c.ParamChanges) < 2 {
		t.Errorf("param changes %v: strategy and max-share differ", c.ParamChanges)
	}
	for _, m := range c.Municipalities {
		if m.Difference != m.BudgetB-m.BudgetA {
			t.Errorf("%+v", m)
		}
	}
	if _, err := db.CompareScenarios(ctx, a, 424242); !errors.Is(err, data.ErrNoScenario) {
		t.Errorf("compare with a missing scenario: %v", err)
	}
}

func TestCreateScenarioWithinDeadline(t *testing.T) {
	db, run, _ := costedRun(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	id, err := db.CreateScenario(ctx, funding.ScenarioRequest{RunID: run, Budget: 1e7, Strategy: "optimal",
		TimeLimitSeconds: 60}, "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.Scenario(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if lim := s.Params.TimeLimitSeconds; lim <= 0 || lim > 4 {
		t.Errorf("time limit %v s, want it within the 5 s deadline", lim)
	}
}
