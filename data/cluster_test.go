package data_test

import (
	"context"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bbplan/bbplan/data"
)

// clusterDir returns a data directory that the cluster's OS user can reach
// even when the tests run as root (t.TempDir is private to root).
func clusterDir(t *testing.T) string {
	t.Helper()
	base, err := os.MkdirTemp("", "bbplan-cluster-test-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(base, 0o755)
	t.Cleanup(func() { os.RemoveAll(base) })
	return filepath.Join(base, "pg")
}

func TestClusterLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := clusterDir(t)
	o := data.Options{DataDir: dir, SRID: 3006}

	db, applied, err := data.Up(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := data.Migrations()
	if len(applied) != len(all) {
		t.Fatalf("first up applied %v", applied)
	}
	pgv, gisv, err := db.Versions(ctx)
	if err != nil || pgv == "" || gisv == "" {
		t.Fatalf("versions %q %q %v", pgv, gisv, err)
	}
	db.Close()
	_, cl, _ := o.DSN()
	t.Cleanup(func() { cl.Stop(context.Background()) })
	if _, err := os.Stat(filepath.Join(dir, ".s.PGSQL.5432")); err != nil {
		t.Fatalf("no unix socket in the data directory: %v", err)
	}

	// A second up (as by a second process) finds the running cluster and changes nothing.
	_, pid1 := cl.Running(ctx)
	db, applied, err = data.Up(ctx, o)
	if err != nil || len(applied) != 0 {
		t.Fatalf("second up: applied %v, err %v", applied, err)
	}
	db.Close()
	if _, pid2 := cl.Running(ctx); pid2 != pid1 {
		t.Fatalf("second up restarted the server: pid %d -> %d", pid1, pid2)
	}

	// An immediate stop is a crash; up recovers.
	st, err := cl.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	crash := osexec.Command(filepath.Join(st.Binaries, "pg_ctl"), "stop", "-D", dir, "-m", "immediate")
	if os.Geteuid() == 0 {
		crash = osexec.Command("runuser", "-u", st.RunAs, "--", filepath.Join(st.Binaries, "pg_ctl"), "stop", "-D", dir, "-m", "immediate")
	}
	if out, err := crash.CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl stop -m immediate: %v\n%s", err, out)
	}
	if ok, _ := cl.Running(ctx); ok {
		t.Fatal("cluster still running after immediate stop")
	}
	db, _, err = data.Up(ctx, o)
	if err != nil {
		t.Fatalf("up after crash: %v", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(all) {
		t.Fatalf("after recovery: %d migrations, %v", n, err)
	}
	db.Close()

	if err := cl.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, _ := cl.Running(ctx); ok {
		t.Fatal("cluster running after Stop")
	}
}

func TestMissingPostgresNamesPackage(t *testing.T) {
	tests := []struct {
		name  string
		setup func(lib, share string)
		want  string
	}{
		{"no server", func(lib, share string) {}, "postgresql-15-postgis-3"},
		{"no postgis", func(lib, share string) {
			os.MkdirAll(filepath.Join(lib, "16", "bin"), 0o755)
			os.WriteFile(filepath.Join(lib, "16", "bin", "initdb"), nil, 0o755)
		}, "apt-get install postgresql-16-postgis-3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lib, share := t.TempDir(), t.TempDir()
			tt.setup(lib, share)
			_, _, err := data.FindPostgresIn(lib, share)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to name %q", err, tt.want)
			}
		})
	}
	lib, share := t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(lib, "15", "bin"), 0o755)
	os.WriteFile(filepath.Join(lib, "15", "bin", "initdb"), nil, 0o755)
	os.MkdirAll(filepath.Join(share, "15", "extension"), 0o755)
	os.WriteFile(filepath.Join(share, "15", "extension", "postgis.control"), nil, 0o644)
	bin, major, err := data.FindPostgresIn(lib, share)
	if err != nil || major != 15 || bin != filepath.Join(lib, "15", "bin") {
		t.Fatalf("found %q %d %v", bin, major, err)
	}
}
