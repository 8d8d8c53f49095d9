package server

import (
	"bytes"
	"context"
	"net/http"
	"testing"
)

// TestGapsCacheFollowsChanges changes the rows behind a municipality's gaps
// between requests and checks that every response is the document the
// database renders at that moment, for both forms of the document.
func TestGapsCacheFollowsChanges(t *testing.T) {
	f := newFixture(t, nil)
	const path = "/api/v1/municipalities/2480/gaps"
	const eligible = `SELECT min(premise_id) FROM premise_status WHERE run_id = 1 AND kommun_code = '2480' AND eligible`
	const area = `SELECT min(id) FROM candidate_area WHERE run_id = 1 AND kommun_code = '2480'`
	tests := []struct {
		name, change string
	}{
		{"unchanged", ``},
		{"area re-costed", `UPDATE area_cost SET subsidy = subsidy + 1000 WHERE chosen AND area_id = (` + area + `)`},
		{"cost removed", `DELETE FROM area_cost WHERE area_id = (` + area + `)`},
		{"area reclassified", `UPDATE candidate_area SET class = 'grey' WHERE id = (` + area + `)`},
		{"premise no longer eligible", `UPDATE premise_status SET eligible = false WHERE run_id = 1 AND premise_id = (` + eligible + `)`},
		{"premise best offer changed", `UPDATE premise_status SET best_down = best_down + 1 WHERE run_id = 1 AND premise_id = (` + eligible + `)`},
	}
	roles := []struct {
		role  string
		plans bool
	}{{"planner", true}, {"municipality", false}}
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before [2][]byte
			for i, r := range roles {
				_, before[i] = f.get(t, r.role, path)
			}
			if tc.change != "" {
				res, err := f.db.ExecContext(ctx, tc.change)
				if err != nil {
					t.Fatal(err)
				}
				if n, _ := res.RowsAffected(); n == 0 {
					t.Fatalf("%s changed no row", tc.change)
				}
			}
			for i, r := range roles {
				resp, body := f.get(t, r.role, path)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d %s", r.role, resp.StatusCode, body)
				}
				want, err := f.db.GapsJSON(ctx, 1, "2480", r.plans)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(body, want) {
					t.Errorf("%s: served gaps differ from the database's", r.role)
				}
				if changed := !bytes.Equal(body, before[i]); changed != (tc.change != "") {
					t.Errorf("%s: document changed %v, want %v", r.role, changed, tc.change != "")
				}
			}
		})
	}
}

// TestGapsStatus checks the status of gaps requests for loaded and unknown
// municipalities.
func TestGapsStatus(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name, path string
		want       int
	}{
		{"loaded", "/api/v1/municipalities/2480/gaps", http.StatusOK},
		{"unknown", "/api/v1/municipalities/2499/gaps", http.StatusNotFound},
		{"unknown run", "/api/v1/municipalities/2480/gaps?run=99", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.get(t, "planner", tc.path)
			if resp.StatusCode != tc.want {
				t.Errorf("%s: %d %s, want %d", tc.path, resp.StatusCode, body, tc.want)
			}
		})
	}
}
