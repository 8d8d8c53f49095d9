package data_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/bbplan/bbplan/coverage"
	"github.com/bbplan/bbplan/data/dbtest"
)

// TestAnalyzeSplitsLargeClusters checks analysis.max_area_premises: a dense
// unserved village that distance alone makes one cluster is split into
// pieces of about the maximum, the same pieces on every run, and never
// across a municipality border.
func TestAnalyzeSplitsLargeClusters(t *testing.T) {
	db, _ := dbtest.New(t)
	w := world{municipalities: map[string]rect{
		"2480": {700000, 7080000, 710000, 7090000},
		"2401": {710000, 7080000, 720000, 7090000},
	}}
	// 30 × 30 premises 100 m apart in 2480, and a column of 10 in 2401 right
	// across the border: within DBSCAN's reach of each other, but two municipalities.
	for i := 0; i < 30; i++ {
		for j := 0; j < 30; j++ {
			w.premises = append(w.premises, fxPremise{id: fmt.Sprintf("a%02d%02d", i, j),
				x: 707050 + float64(i)*100, y: 7081050 + float64(j)*100, households: 1})
		}
	}
	for j := 0; j < 10; j++ {
		w.premises = append(w.premises, fxPremise{id: fmt.Sprintf("b%02d", j), x: 710050, y: 7081050 + float64(j)*100, households: 1})
	}
	w.insert(t, db)
	pts := profile(t, "pts-2025")

	// pieces returns each area's municipality and sorted premise ids, sorted.
	pieces := func(runID int64) []string {
		rows, err := db.QueryContext(context.Background(), `SELECT ca.kommun_code, string_agg(ps.premise_id, ',' ORDER BY ps.premise_id)
			FROM candidate_area ca JOIN premise_status ps ON ps.run_id = ca.run_id AND ps.area_id = ca.id
			WHERE ca.run_id = $1 GROUP BY ca.id, ca.kommun_code`, runID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var k, ids string
			if err := rows.Scan(&k, &ids); err != nil {
				t.Fatal(err)
			}
			out = append(out, k+":"+ids)
		}
		sort.Strings(out)
		return out
	}

	tests := []struct {
		name           string
		max            int
		wantAreas2480  int
		wantMaxPremise int
	}{
		{"no limit", 0, 1, 900},
		{"limit 200", 200, 5, 200}, // at least ceil(900/200) pieces
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := coverage.DefaultAnalysisParams()
			params.MaxAreaPremises = tt.max
			first := pieces(analyze(t, db, pts, params).ID)
			second := pieces(analyze(t, db, pts, params).ID)
			if strings.Join(first, "|") != strings.Join(second, "|") {
				t.Fatal("two runs over the same data split the areas differently")
			}
			n2480, total := 0, 0
			for _, p := range first {
				k, ids, _ := strings.Cut(p, ":")
				n := len(strings.Split(ids, ","))
				total += n
				switch {
				case k == "2480" && strings.Contains(ids, "b"), k == "2401" && strings.Contains(ids, "a"):
					t.Fatalf("area of %s holds another municipality's premises: %s", k, ids)
				case k == "2480":
					n2480++
					if n > tt.wantMaxPremise {
						t.Errorf("an area has %d premises, want at most %d", n, tt.wantMaxPremise)
					}
				}
			}
			if n2480 < tt.wantAreas2480 || (tt.max == 0 && n2480 != 1) || total != 910 {
				t.Fatalf("%d areas in 2480 (want at least %d), %d premises in areas (want 910)", n2480, tt.wantAreas2480, total)
			}
		})
	}
}
