package data

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// AppliedMigration is a migration recorded in schema_migrations.
type AppliedMigration struct {
	Version   int       `json:"version"`
	Name      string    `json:"name"`
	AppliedAt time.Time `json:"applied_at"`
}

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) { return readMigrations(migrationFS, "migrations") }

func readMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", prev, name, v)
		}
		seen[v] = name
		b, err := fs.ReadFile(fsys, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// MigrationsHash identifies the embedded schema; test templates are keyed by it.
func MigrationsHash() string {
	ms, _ := Migrations()
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%s\n%s\n", m.Name, m.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Migrate applies the embedded migrations that are not yet recorded, each in
// its own transaction with the working srid substituted. It returns the
// versions it applied. A database first migrated with another SRID is refused.
func Migrate(ctx context.Context, db *DB, srid int) ([]int, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	return migrate(ctx, db, ms, srid)
}

func migrate(ctx context.Context, db *DB, ms []Migration, srid int) ([]int, error) {
	const createTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`
	if _, err := db.ExecContext(ctx, createTable); err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var applied []int
	for _, m := range ms {
		done, err := applyMigration(ctx, db.DB, m, srid)
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, m.Version)
		}
	}
	var have int
	if err := db.QueryRowContext(ctx, `SELECT value::int FROM bbplan_setting WHERE key = 'srid'`).Scan(&have); err == nil {
		if have != srid {
			return applied, fmt.Errorf("database.srid: the database was created with SRID %d, the configuration asks for %d", have, srid)
		}
		db.SRID = have
	}
	return applied, nil
}

// applyMigration applies m unless it is recorded. An advisory lock held for the
// transaction keeps two processes from applying the same migration.
func applyMigration(ctx context.Context, conn *sql.DB, m Migration, srid int) (bool, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7240001)`); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.Version).Scan(&exists); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if exists {
		return false, nil
	}
	body := strings.ReplaceAll(m.SQL, "{{SRID}}", strconv.Itoa(srid))
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	return true, tx.Commit()
}

// AppliedMigrations lists the migrations recorded in the database.
func AppliedMigrations(ctx context.Context, db *DB) ([]AppliedMigration, error) {
	rows, err := db.QueryContext(ctx, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, fmt.Errorf("schema_migrations: %w", err)
	}
	defer rows.Close()
	var out []AppliedMigration
	for rows.Next() {
		var a AppliedMigration
		if err := rows.Scan(&a.Version, &a.Name, &a.AppliedAt); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
