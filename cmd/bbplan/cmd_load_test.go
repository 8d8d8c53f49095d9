package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bbplan/bbplan/data/dbtest"
)

func TestLoadAndDatasetsCommands(t *testing.T) {
	_, dsn := dbtest.New(t)
	fixtures, err := filepath.Abs(filepath.Join("..", "..", "data", "testdata", "load"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	cli := func(args ...string) (string, string, error) { return runOn(context.Background(), dsn, args...) }

	out, _, err := cli("load", "municipalities", filepath.Join(fixtures, "municipalities.geojson"), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		ID        int64 `json:"id"`
		Rows      int64 `json:"rows"`
		Repaired  int64 `json:"repaired"`
		Unchanged bool  `json:"unchanged"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.ID == 0 || res.Rows != 3 || res.Repaired != 1 {
		t.Fatalf("load --json: %+v %v\n%s", res, err, out)
	}

	out, _, err = cli("load", "municipalities", filepath.Join(fixtures, "municipalities.geojson"))
	if err != nil || !strings.Contains(out, "nothing to do") {
		t.Errorf("same file again: %v\n%s", err, out)
	}

	// A CSV whose columns have other names, mapped with --map; one bad row
	// tolerated and written to --rejects.
	csv := "nr;lon;lat;hushall\nA1;20,1;63,8;2\nA2;20,2;63,8;tre\nA3;20,3;63,8;1\n"
	if err := os.WriteFile("p.csv", []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = cli("load", "premises", "p.csv", "--map", "id=nr", "--map", "households=hushall",
		"--max-errors", "1", "--rejects", "rejects.jsonl", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Rows != 2 {
		t.Errorf("premises: %+v %v", res, err)
	}
	rej, err := os.ReadFile("rejects.jsonl")
	if err != nil || !strings.Contains(string(rej), `"reason":"'tre' is not an integer"`) || !strings.Contains(string(rej), `"line":3`) {
		t.Errorf("rejects file: %v\n%s", err, rej)
	}

	if _, _, err := cli("load", "premises", "p.csv", "--map", "nosuch=x"); err == nil || !strings.Contains(err.Error(), "premises has no field nosuch") {
		t.Errorf("--map of an unknown field: %v", err)
	}
	if _, _, err := cli("load", "roads", "p.csv"); err == nil || !strings.Contains(err.Error(), `unknown kind "roads"`) {
		t.Errorf("unknown kind: %v", err)
	}

	if _, _, err := cli("load", "premises", "p.csv", "--map", "id=nr", "--max-errors", "1", "--force"); err != nil {
		t.Errorf("--force reload: %v", err)
	}

	out, _, err = cli("datasets", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var ds struct {
		Datasets []struct {
			ID     int64  `json:"id"`
			Kind   string `json:"kind"`
			Status string `json:"status"`
			Rows   int64  `json:"rows"`
		} `json:"datasets"`
	}
	if err := json.Unmarshal([]byte(out), &ds); err != nil || len(ds.Datasets) != 3 {
		t.Fatalf("datasets --json: %v\n%s", err, out)
	}
	if ds.Datasets[0].Kind != "municipalities" || ds.Datasets[0].Status != "current" || ds.Datasets[2].Status != "replaced" {
		t.Errorf("datasets order: %+v", ds.Datasets)
	}
	out, _, err = cli("datasets")
	if err != nil || !strings.Contains(out, "SHA256") || !strings.Contains(out, "municipalities.geojson") {
		t.Errorf("datasets: %v\n%s", err, out)
	}
}

// TestLoadProgressLines checks that a load not on a terminal logs plain
// progress lines to stderr and keeps stdout for the result.
func TestLoadProgressLines(t *testing.T) {
	_, dsn := dbtest.New(t)
	file, err := filepath.Abs(filepath.Join("..", "..", "data", "testdata", "load", "premises.geojsonl"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	t.Setenv("BBPLAN_LOAD_PROGRESS_INTERVAL", "1ms")
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"load", "premises", file, "--database-url", dsn}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), `msg="load progress" kind=premises phase=replacing rows=21`) {
		t.Errorf("stderr has no progress line:\n%s", errb.String())
	}
	if !strings.HasPrefix(out.String(), "premises: dataset ") || strings.Contains(out.String(), "progress") {
		t.Errorf("stdout: %s", out.String())
	}
}
