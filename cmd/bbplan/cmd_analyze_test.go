package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bbplan/bbplan/data/dbtest"
)

// analyzeFixture is a small region: two municipalities, premises with fibre,
// with slow DSL only, and with nothing, and one settlement polygon.
const analyzeFixture = `
INSERT INTO dataset (id, kind, name, source_file, sha256) VALUES
	(1, 'municipalities', 'm', 'm.geojson', 'a'), (2, 'premises', 'p', 'p.csv', 'b'), (3, 'fixed', 'f', 'f.csv', 'c');
INSERT INTO municipality (code, name, county_code, dataset_id, geom) VALUES
	('2480', 'Umeå', '24', 1, ST_Multi(ST_MakeEnvelope(700000, 7100000, 705000, 7105000, 3006))),
	('2482', 'Skellefteå', '24', 1, ST_Multi(ST_MakeEnvelope(705000, 7100000, 710000, 7105000, 3006)));
INSERT INTO premise (id, dataset_id, geom, kommun_code, households, workplaces)
SELECT 'p' || i, 2, ST_SetSRID(ST_MakePoint(700100 + i * 97, 7100100 + (i % 7) * 113), 3006),
	CASE WHEN i < 50 THEN '2480' ELSE '2482' END, 1 + i % 2, i % 3
FROM generate_series(0, 99) i;
INSERT INTO fixed_offer (dataset_id, premise_id, provider, technology, down_mbps, up_mbps)
SELECT 3, 'p' || i, 'Fibra', CASE WHEN i % 3 = 0 THEN 'fiber' ELSE 'dsl' END,
	CASE WHEN i % 3 = 0 THEN 1000 ELSE 20 END, CASE WHEN i % 3 = 0 THEN 1000 ELSE 2 END
FROM generate_series(0, 79) i;`

func TestAnalyzeAndRunsCommands(t *testing.T) {
	db, dsn := dbtest.New(t)
	if _, err := db.Exec(analyzeFixture); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	t.Setenv("BBPLAN_DATABASE_URL", dsn)
	profile := writeFile(t, "strict.yaml", "name: strict\ntarget: {down_mbps: 2000, up_mbps: 2000}\n"+
		"technologies: [fiber]\nplanned: {count: false}\ntiers: [2000, 1000]\nmobile: {down_mbps: 30}\nrule: target\n")
	tests := []struct {
		name, profile, wantClass string
		wantEligible             int64
	}{
		{"pts preset", "pts-2025", "served", 73},
		{"bead preset", "bead", "served", 73},
		{"custom profile file", profile, "unserved", 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := []string{"analyze", "--profile", tt.profile, "--as-of", "2026-06-01", "--name", tt.name, "--json"}
			if err := run(context.Background(), args, &out, &errb); err != nil {
				t.Fatalf("%v\n%s", err, errb.String())
			}
			var got struct {
				ID      int64  `json:"id"`
				Status  string `json:"status"`
				Summary struct {
					Premises int64                       `json:"premises"`
					Eligible int64                       `json:"eligible"`
					Classes  map[string]map[string]int64 `json:"classes"`
				} `json:"summary"`
				Municipalities []struct {
					Code string `json:"code"`
				} `json:"municipalities"`
			}
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("not one JSON object: %v\n%s", err, out.String())
			}
			if got.ID == 0 || got.Status != "done" || got.Summary.Premises != 100 || got.Summary.Eligible != tt.wantEligible ||
				len(got.Municipalities) != 2 || got.Summary.Classes[tt.wantClass]["premises"] == 0 {
				t.Fatalf("unexpected run: %s", out.String())
			}
		})
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"analyze", "--as-of", "2026-06-01"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"100 premises", "CLASS", "served", "Umeå", "Skellefteå"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"runs", "--json"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var runs struct {
		Runs []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out.Bytes(), &runs); err != nil || len(runs.Runs) != 4 || runs.Runs[0].ID <= runs.Runs[3].ID {
		t.Fatalf("runs --json: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"runs"}, &out, &bytes.Buffer{}); err != nil || !strings.Contains(out.String(), "custom profile file") {
		t.Fatalf("runs: %v\n%s", err, out.String())
	}
}

func TestAnalyzeCommandErrors(t *testing.T) {
	_, dsn := dbtest.New(t)
	t.Chdir(t.TempDir())
	t.Setenv("BBPLAN_DATABASE_URL", dsn)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown profile", []string{"--profile", "pts-2024"}, "bead, eu-2023, pts-2025"},
		{"unknown key", []string{"--profile", writeFile(t, "a.yaml", "name: a\ntarget: {down_mbps: 10, up_mbps: 1, speed: 3}\n")}, "speed"},
		{"bad date", []string{"--as-of", "1 June"}, "--as-of"},
		{"nothing loaded", nil, "bbplan load municipalities"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"analyze"}, tt.args...), &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
