package data_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
)

func TestMigrateIdempotent(t *testing.T) {
	db, _ := dbtest.NewEmpty(t)
	ctx := context.Background()
	first, err := data.Migrate(ctx, db, 3006)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := data.Migrations()
	if len(first) != len(all) {
		t.Fatalf("first migrate applied %v, want all %d", first, len(all))
	}
	second, err := data.Migrate(ctx, db, 3006)
	if err != nil {
		t.Fatal(err)
	}
	if len(second) != 0 {
		t.Fatalf("second migrate applied %v, want nothing", second)
	}
	applied, err := data.AppliedMigrations(ctx, db)
	if err != nil || len(applied) != len(all) {
		t.Fatalf("applied = %v, %v", applied, err)
	}
	var srid int
	if err := db.QueryRowContext(ctx, `SELECT Find_SRID('public', 'premise', 'geom')`).Scan(&srid); err != nil || srid != 3006 {
		t.Fatalf("premise srid = %d, %v", srid, err)
	}
	var gist int
	db.QueryRowContext(ctx, `SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%USING gist%'`).Scan(&gist)
	if gist < 8 {
		t.Errorf("only %d GiST indexes", gist)
	}
}

func TestMigrateOtherSRIDRefused(t *testing.T) {
	db, _ := dbtest.NewEmpty(t)
	ctx := context.Background()
	if _, err := data.Migrate(ctx, db, 3006); err != nil {
		t.Fatal(err)
	}
	_, err := data.Migrate(ctx, db, 3035)
	if err == nil || !strings.Contains(err.Error(), "database.srid") {
		t.Fatalf("err = %v, want a database.srid error", err)
	}
}

func TestFailedMigrationRollsBack(t *testing.T) {
	db, _ := dbtest.NewEmpty(t)
	ctx := context.Background()
	fsys := fstest.MapFS{
		"m/0001_ok.sql":  {Data: []byte(`CREATE TABLE a (x int);`)},
		"m/0002_bad.sql": {Data: []byte(`CREATE TABLE b (x int); INSERT INTO a VALUES (1); SELECT no_such_function();`)},
	}
	ms, err := data.ReadMigrations(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	applied, err := data.ApplyMigrations(ctx, db, ms, 3006)
	if err == nil || !strings.Contains(err.Error(), "0002_bad.sql") {
		t.Fatalf("err = %v, want one naming 0002_bad.sql", err)
	}
	if len(applied) != 1 || applied[0] != 1 {
		t.Fatalf("applied = %v, want [1]", applied)
	}
	var tables, rows int
	db.QueryRowContext(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 'b'`).Scan(&tables)
	db.QueryRowContext(ctx, `SELECT count(*) FROM a`).Scan(&rows)
	if tables != 0 || rows != 0 {
		t.Fatalf("failed migration left table b (%d) or rows in a (%d)", tables, rows)
	}
	var recorded int
	db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&recorded)
	if recorded != 1 {
		t.Fatalf("schema_migrations has %d rows, want 1", recorded)
	}
}

func TestMigrationNames(t *testing.T) {
	tests := []struct {
		name string
		fs   fstest.MapFS
		want string
	}{
		{"no number", fstest.MapFS{"m/core.sql": {Data: []byte(";")}}, "must start with a number"},
		{"duplicate", fstest.MapFS{"m/0001_a.sql": {Data: []byte(";")}, "m/0001_b.sql": {Data: []byte(";")}}, "share version 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := data.ReadMigrations(tt.fs, "m")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
