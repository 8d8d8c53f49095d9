package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestDBCommands(t *testing.T) {
	t.Chdir(t.TempDir())
	base, err := os.MkdirTemp("", "bbplan-cli-test-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(base, 0o755)
	defer os.RemoveAll(base)
	dir := filepath.Join(base, "pg")
	t.Setenv("BBPLAN_DATABASE_DATA_DIR", dir)
	defer run(context.Background(), []string{"db", "down"}, &bytes.Buffer{}, &bytes.Buffer{})
	cli := func(t *testing.T, args ...string) map[string]any {
		t.Helper()
		var m map[string]any
		runJSON(t, context.Background(), &m, args...)
		return m
	}

	up := cli(t, "db", "up")
	if up["reachable"] != true || len(up["applied_now"].([]any)) == 0 {
		t.Fatalf("first db up: %v", up)
	}
	again := cli(t, "db", "up")
	if _, ok := again["applied_now"]; ok {
		t.Fatalf("second db up applied migrations: %v", again["applied_now"])
	}
	st := cli(t, "db", "status")
	cluster := st["cluster"].(map[string]any)
	if cluster["data_dir"] != dir || cluster["running"] != true || st["postgis_version"] == "" || st["pending_migrations"].(float64) != 0 {
		t.Fatalf("db status: %v", st)
	}
	if n := len(st["migrations"].([]any)); n < 2 {
		t.Fatalf("db status lists %d migrations", n)
	}
	down := cli(t, "db", "down")
	if down["running"] != false {
		t.Fatalf("db down: %v", down)
	}
	st = cli(t, "db", "status")
	if st["cluster"].(map[string]any)["running"] != false || st["reachable"] != false {
		t.Fatalf("status after down: %v", st)
	}
}
