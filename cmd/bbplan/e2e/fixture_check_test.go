package e2e

import (
	"context"
	"testing"

	"github.com/bbplan/bbplan/data/dbtest"
)

// TestFixture checks the properties the browser test relies on: areas in
// every municipality, costs for every area, and two scenarios that select
// different areas.
func TestFixture(t *testing.T) {
	db, _ := dbtest.New(t)
	loadFixture(t, db)
	checks := []struct {
		name  string
		query string
		min   int
	}{
		{"municipalities", `SELECT count(*) FROM municipality`, 3},
		{"areas with premises", `SELECT count(*) FROM candidate_area WHERE premises > 0`, 12},
		{"areas without premises", `SELECT -count(*) FROM candidate_area WHERE premises = 0`, 0},
		{"chosen costs per area", `SELECT -count(*) FROM candidate_area a WHERE (SELECT count(*) FROM area_cost c WHERE c.area_id = a.id AND c.chosen) <> 1`, 0},
		{"premises outside their municipality", `SELECT -count(*) FROM premise_status p JOIN municipality m ON m.code = p.kommun_code WHERE NOT ST_Intersects(p.geom, m.geom)`, 0},
		{"selected only in scenario 1", `SELECT count(*) FROM scenario_area a JOIN scenario_area b ON b.area_id = a.area_id AND b.scenario_id = 2 WHERE a.scenario_id = 1 AND a.selected AND NOT b.selected`, 1},
		{"selected only in scenario 2", `SELECT count(*) FROM scenario_area a JOIN scenario_area b ON b.area_id = a.area_id AND b.scenario_id = 1 WHERE a.scenario_id = 2 AND a.selected AND NOT b.selected`, 1},
		{"cells", `SELECT count(*) FROM cell_stat`, 10},
		{"municipality stats", `SELECT count(*) FROM municipality_stat`, 3},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			var n int
			if err := db.QueryRowContext(context.Background(), c.query).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n < c.min {
				t.Errorf("%s: got %d, want at least %d", c.name, n, c.min)
			}
		})
	}
}
