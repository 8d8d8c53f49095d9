package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/bbplan/bbplan/data/dbtest"
	"github.com/bbplan/bbplan/data/sample"
	"github.com/bbplan/bbplan/internal/ogrtest"
)

// runJSON runs bbplan with args and --json and decodes the output into v.
func runJSON(t *testing.T, ctx context.Context, v any, args ...string) {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(ctx, append(args, "--json"), &out, &errb); err != nil {
		t.Fatalf("bbplan %v: %v\n%s", args, err, errb.String())
	}
	if err := json.Unmarshal(out.Bytes(), v); err != nil {
		t.Fatalf("bbplan %v: output is not one JSON object: %v\n%s", args, err, out.String())
	}
}

// runOn runs bbplan with args against the database at dsn and returns what
// it wrote to stdout and stderr.
func runOn(ctx context.Context, dsn string, args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	err = run(ctx, append(args, "--database-url", dsn), &out, &errb)
	return out.String(), errb.String(), err
}

func TestGenCommand(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		args []string
	}{
		{"builtin gpkg", []string{"--builtin", "--premises", "600"}},
		{"builtin csv", []string{"--builtin", "--premises", "400", "--premises-csv", "--seed", "9"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var m sample.Manifest
			runJSON(t, ctx, &m, append([]string{"gen", "--out", dir}, tc.args...)...)
			onDisk, err := sample.ReadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(onDisk.Files) != fmt.Sprint(m.Files) || len(m.Files) != 8 {
				t.Errorf("printed manifest %v, written %v", m.Files, onDisk.Files)
			}
			total := 0
			for _, n := range m.Premises {
				total += n
			}
			for _, f := range m.Files {
				if f.Kind == "premises" && f.Rows != total {
					t.Errorf("%s has %d rows, manifest counts %d premises", f.File, f.Rows, total)
				}
			}
		})
	}
}

// TestDemo runs the demo without serving on a fresh database, checks its
// summary against the database and the API, and that a second run reuses
// everything.
func TestDemo(t *testing.T) {
	db, dsn := dbtest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "demo")
	args := []string{"demo", "--no-serve", "--database-url", dsn, "--builtin", "--premises", "1500", "--out", dir}
	var res demoResult
	runJSON(t, ctx, &res, args...)
	if res.RunID == 0 || len(res.Scenarios) != 2 || res.Token == "" || len(res.Loads) != 8 {
		t.Fatalf("demo result incomplete: run %d, scenarios %v, token %q, %d loads", res.RunID, res.Scenarios, res.Token, len(res.Loads))
	}

	// The summary agrees with the database.
	var premises, households, selected int64
	var subsidy float64
	t.Logf("demo result: run %d, scenarios %v, %d municipalities", res.RunID, res.Scenarios, len(res.Municipalities))
	if err := db.QueryRowContext(ctx, `SELECT count(*), sum(households) FROM premise_status WHERE run_id = $1`, res.RunID).Scan(&premises, &households); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(subsidy), 0) FROM scenario_area WHERE scenario_id = $1 AND selected`,
		res.Scenarios[0].ID).Scan(&selected, &subsidy); err != nil {
		t.Fatal(err)
	}
	var sum data0
	for _, m := range res.Municipalities {
		sum.premises += m.Premises
		sum.households += m.Households
		sum.funded += m.FundedA
		sum.subsidy += m.SubsidyA
	}
	if sum.premises != premises || sum.households != households || sum.funded != selected || math.Abs(sum.subsidy-subsidy) > 1 {
		t.Errorf("summary premises %d, households %d, funded %d, subsidy %.0f; database %d, %d, %d, %.0f",
			sum.premises, sum.households, sum.funded, sum.subsidy, premises, households, selected, subsidy)
	}
	m, err := sample.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		if f.Kind == "premises" && int64(f.Rows) != premises {
			t.Errorf("generated %d premises, the run classified %d", f.Rows, premises)
		}
	}

	// The summary agrees with the API.
	checkDemoAPI(t, ctx, dsn, &res)

	// bbplan export writes every layer of the demo run in every format.
	for _, layer := range []string{"premises", "areas", "cells", "municipalities", "scenario"} {
		for _, ext := range []string{"csv", "geojson", "gpkg"} {
			path := filepath.Join(t.TempDir(), layer+"."+ext)
			var out struct {
				Features int   `json:"features"`
				ID       int64 `json:"id"`
			}
			runJSON(t, ctx, &out, "export", layer, "-o", path, "--database-url", dsn)
			want := map[string]int64{"scenario": res.Scenarios[1].ID}[layer]
			if want == 0 {
				want = res.RunID
			}
			if out.Features == 0 || out.ID != want {
				t.Errorf("export %s: %d features of id %d, want some of %d", path, out.Features, out.ID, want)
			}
			ogrtest.Check(t, path, out.Features)
		}
	}

	// A second run reuses the data, the run and the scenarios.
	var again demoResult
	runJSON(t, ctx, &again, args...)
	if again.Generated || !again.RunReused || again.RunID != res.RunID {
		t.Errorf("second run: generated %v, run %d reused %v; want run %d reused", again.Generated, again.RunID, again.RunReused, res.RunID)
	}
	for i, s := range again.Scenarios {
		if !s.Reused || s.ID != res.Scenarios[i].ID {
			t.Errorf("second run: scenario %+v, want %d reused", s, res.Scenarios[i].ID)
		}
	}
	for _, l := range again.Loads {
		if !l.Unchanged {
			t.Errorf("second run loaded %s again", l.File)
		}
	}
}

type data0 struct {
	premises, households, funded int64
	subsidy                      float64
}

// checkDemoAPI serves the demo database and compares the per-municipality
// numbers of the summary with /api/v1/municipalities for scenario A.
func checkDemoAPI(t *testing.T, ctx context.Context, dsn string, res *demoResult) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	var errb bytes.Buffer
	go func() {
		done <- run(sctx, []string{"serve", "--addr", addr, "--database-url", dsn}, &bytes.Buffer{}, &errb)
	}()
	defer func() {
		stop()
		<-done
	}()
	base := "http://" + addr
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if i > 100 {
			t.Fatalf("server did not come up: %v\n%s", err, errb.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/municipalities?scenario=%d", base, res.Scenarios[0].ID), nil)
	req.Header.Set("Authorization", "Bearer "+res.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Municipalities []struct {
			Code  string
			Stats struct {
				Premises, Households, PremisesTarget, EligiblePremises, DoubleGaps int64
			}
			Budget struct {
				Allocated     float64
				AreasSelected int64 `json:"areas_selected"`
			}
		}
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET municipalities: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	api := map[string]int{}
	for i, m := range body.Municipalities {
		api[m.Code] = i
	}
	for _, m := range res.Municipalities {
		i, ok := api[m.Code]
		if !ok {
			t.Errorf("API lacks municipality %s", m.Code)
			continue
		}
		a := body.Municipalities[i]
		got := [5]int64{a.Stats.Premises, a.Stats.Households, a.Budget.AreasSelected, int64(math.Round(a.Budget.Allocated)), 0}
		want := [5]int64{m.Premises, m.Households, m.FundedA, int64(math.Round(m.SubsidyA)), 0}
		if got != want {
			t.Errorf("%s: API premises, households, funded areas, allocated %v; demo summary %v", m.Code, got[:4], want[:4])
		}
	}
}
