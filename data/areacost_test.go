package data_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/bbplan/bbplan/coverage"
	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
	"github.com/bbplan/bbplan/funding"
	"github.com/lib/pq"
)

// storedCost is one area_cost row.
type storedCost struct {
	low, expected, high, subsidy float64
	meets, chosen                bool
	details                      map[string]any
}

// readCosts reads a run's area_cost rows by area and option.
func readCosts(t *testing.T, db *data.DB, runID int64) map[int64]map[string]storedCost {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT c.area_id, c.option, c.low, c.expected, c.high,
		c.subsidy, c.meets_target, c.chosen, c.details FROM area_cost c JOIN candidate_area a ON a.id = c.area_id
		WHERE a.run_id = $1`, runID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]map[string]storedCost{}
	for rows.Next() {
		var (
			id     int64
			option string
			c      storedCost
			d      []byte
		)
		if err := rows.Scan(&id, &option, &c.low, &c.expected, &c.high, &c.subsidy, &c.meets, &c.chosen, &d); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(d, &c.details); err != nil {
			t.Fatal(err)
		}
		if out[id] == nil {
			out[id] = map[string]storedCost{}
		}
		out[id][option] = c
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCostAreasAgreesWithCostArea requires every stored option to be what
// funding.CostArea gives for the area's premises in premise id order, read
// here by a query of its own, also after costing the run a second time.
func TestCostAreasAgreesWithCostArea(t *testing.T) {
	tests := []struct {
		name   string
		seed   uint64
		params func(*coverage.AnalysisParams)
		recost bool
	}{
		{"default parameters", 11, func(*coverage.AnalysisParams) {}, false},
		{"small pieces, many single-premise areas", 12, func(p *coverage.AnalysisParams) {
			p.ClusterDistanceM, p.MinAreaPremises, p.MaxAreaPremises = 60, 1, 7
		}, false},
		{"costed again", 13, func(*coverage.AnalysisParams) {}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := dbtest.New(t)
			randomWorld(tt.seed, 600, false).insert(t, db)
			params := coverage.DefaultAnalysisParams()
			tt.params(&params)
			p := profile(t, "pts-2025")
			run := analyze(t, db, p, params)
			cp := funding.DefaultCostParams()
			if tt.recost {
				tx, err := db.BeginTx(context.Background(), nil)
				if err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback()
				if err := data.CostAreas(context.Background(), tx, run.ID, cp, p.Target.DownMbps, p.Target.UpMbps); err != nil {
					t.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
			}
			got := readCosts(t, db, run.ID)
			rows, err := db.QueryContext(context.Background(), `SELECT ca.id, ca.premises, ca.stranded,
				COALESCE(ca.distance_to_fiber, -1), ST_Area(ca.geom),
				array_agg(ST_X(ps.geom) ORDER BY ps.premise_id), array_agg(ST_Y(ps.geom) ORDER BY ps.premise_id)
				FROM candidate_area ca JOIN premise_status ps ON ps.run_id = ca.run_id AND ps.area_id = ca.id
				WHERE ca.run_id = $1 GROUP BY ca.id`, run.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			areas, single := 0, 0
			for rows.Next() {
				var (
					id     int64
					in     funding.AreaInput
					xs, ys pq.Float64Array
				)
				if err := rows.Scan(&id, &in.Premises, &in.Stranded, &in.DistanceToFiber, &in.AreaM2, &xs, &ys); err != nil {
					t.Fatal(err)
				}
				for i := range xs {
					in.Points = append(in.Points, funding.Point{X: xs[i], Y: ys[i]})
				}
				areas++
				if len(xs) == 1 {
					single++
				}
				want := funding.CostArea(in, cp, funding.Target{DownMbps: p.Target.DownMbps, UpMbps: p.Target.UpMbps})
				if len(got[id]) != len(want) {
					t.Fatalf("area %d has %d options, want %d", id, len(got[id]), len(want))
				}
				for _, o := range want {
					g := got[id][o.Option]
					// Details compare as JSON reads them back: numbers as float64.
					var wd map[string]any
					b, _ := json.Marshal(o.Details)
					if err := json.Unmarshal(b, &wd); err != nil {
						t.Fatal(err)
					}
					w := storedCost{o.Low, o.Expected, o.High, o.Subsidy, o.MeetsTarget, o.Chosen, wd}
					if !reflect.DeepEqual(g, w) {
						t.Errorf("area %d option %s:\n got  %+v\n want %+v", id, o.Option, g, w)
					}
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if areas == 0 || areas != len(got) {
				t.Fatalf("%d areas with premises, %d costed", areas, len(got))
			}
			if params.MinAreaPremises == 1 && single == 0 {
				t.Errorf("no single-premise area among %d", areas)
			}
		})
	}
}
