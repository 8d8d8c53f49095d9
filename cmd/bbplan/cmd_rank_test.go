package main

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
	"github.com/bbplan/bbplan/funding"
)

// seedRun makes a finished run with four areas of 2401 and 2480, each with a
// row of premises, and costs them. It returns the run id.
func seedRun(t *testing.T, db *data.DB) int64 {
	t.Helper()
	ctx := context.Background()
	run := dbtest.DoneRun(t, db, "cli")
	const seed = `
WITH a AS (
    INSERT INTO candidate_area (run_id, kommun_code, premises, households, workplaces, anchors, double_gaps,
                                priority_premises, distance_to_fiber, geom)
    SELECT $1, CASE WHEN i % 2 = 0 THEN '2401' ELSE '2480' END, 4 * i, 4 * i, i, i % 2, i, i, 2000 * i,
           ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(650000 + 20000 * i, 7150000), 3006), 800))
    FROM generate_series(1, 4) AS i
    RETURNING id, kommun_code, premises, ST_X(ST_Centroid(geom)) AS x)
INSERT INTO premise_status (run_id, premise_id, kommun_code, geom, households, workplaces, kind, class, eligible, area_id, reason)
SELECT $1, a.id || ':' || k, a.kommun_code, ST_SetSRID(ST_MakePoint(a.x + 50 * k, 7150000 + 30 * k), 3006), 1, 0,
       'house', 'unserved', true, a.id, 'seed'
FROM a, generate_series(1, a.premises) AS k`
	if _, err := db.ExecContext(ctx, seed, run); err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := data.CostAreas(ctx, tx, run, funding.DefaultCostParams(), 1000, 100); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return run
}

func TestRankAndCompareCommands(t *testing.T) {
	db, dsn := dbtest.New(t)
	t.Chdir(t.TempDir())
	runID := strconv.FormatInt(seedRun(t, db), 10)
	exec := func(args ...string) (string, error) {
		out, _, err := runOn(context.Background(), dsn, args...)
		return out, err
	}
	ids := map[string]string{}
	for _, strategy := range []string{"pts", "score", "optimal"} {
		out, err := exec("rank", "--run", runID, "--budget", "3000000", "--strategy", strategy,
			"--min-share", "2480=0.25", "--weights", "anchors=2", "--json")
		if err != nil {
			t.Fatalf("rank %s: %v", strategy, err)
		}
		var s funding.Scenario
		if err := json.Unmarshal([]byte(out), &s); err != nil || s.ID == 0 || len(s.Areas) != 4 || s.Strategy != strategy {
			t.Fatalf("rank %s --json: %v\n%s", strategy, err, out)
		}
		if (s.Summary.Optimal != nil) != (strategy == "optimal") {
			t.Errorf("%s: optimal summary %v", strategy, s.Summary.Optimal)
		}
		ids[strategy] = strconv.FormatInt(s.ID, 10)
	}
	out, err := exec("rank", "--run", runID, "--budget", "3000000", "--strategy", "pts")
	if err != nil || !strings.Contains(out, "RANKING SEK") || !strings.Contains(out, "funded ") {
		t.Errorf("rank table: %v\n%s", err, out)
	}
	out, err = exec("compare", ids["pts"], ids["optimal"])
	if err != nil || !strings.Contains(out, "changed strategy: pts → optimal") || !strings.Contains(out, "budget per municipality") {
		t.Errorf("compare: %v\n%s", err, out)
	}
	out, err = exec("compare", ids["pts"], ids["score"], "--json")
	var c funding.Comparison
	if err != nil || json.Unmarshal([]byte(out), &c) != nil || c.A.Strategy != "pts" || c.B.Strategy != "score" {
		t.Errorf("compare --json: %v\n%s", err, out)
	}

	bad := []struct {
		name string
		args []string
		want string
	}{
		{"zero budget", []string{"--budget", "0"}, "budget"},
		{"unknown run", []string{"--run", "987654"}, "run"},
		{"unknown weight", []string{"--weights", "beauty=1"}, "weights"},
		{"bad weight syntax", []string{"--weights", "anchors"}, "--weights"},
		{"share of unknown municipality", []string{"--max-share", "0180=0.5"}, "max-share"},
		{"min shares above one", []string{"--min-share", "2401=0.6,2480=0.5"}, "min-share"},
		{"min above max", []string{"--min-share", "2401=0.5", "--max-share", "2401=0.1"}, "min-share"},
	}
	var before int
	db.QueryRowContext(context.Background(), `SELECT count(*) FROM scenario`).Scan(&before)
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"rank", "--run", runID, "--budget", "1000000"}, tc.args...)
			if _, err := exec(args...); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("err = %v, want one starting with %q", err, tc.want)
			}
		})
	}
	var after int
	db.QueryRowContext(context.Background(), `SELECT count(*) FROM scenario`).Scan(&after)
	if after != before {
		t.Errorf("bad requests stored %d scenarios", after-before)
	}
}
