// Package dbtest gives tests an isolated, migrated PostGIS database.
//
// With BBPLAN_TEST_DATABASE_URL set (a superuser connection to a server with
// PostGIS) it uses that server; otherwise it starts a private cluster under the
// system's temporary directory, shared by all test processes of this user and
// left running for the next run (scripts/test stops it). Each test gets its own
// database, copied in milliseconds from a template migrated once per schema
// version. Tests never skip because a server is missing: they fail.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bbplan/bbplan/data"
	"github.com/lib/pq"
)

// SRID is the working SRID of test databases.
const SRID = 3006

// ServerDSN returns a superuser connection string to the test server's
// maintenance database, starting the private cluster when needed.
func ServerDSN(ctx context.Context) (string, error) {
	if u := os.Getenv("BBPLAN_TEST_DATABASE_URL"); u != "" {
		return u, nil
	}
	dir := os.Getenv("BBPLAN_TEST_DATA_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("bbplan-test-%d", os.Getuid()), "pg")
	}
	c, err := data.NewCluster(dir, 5432)
	if err != nil {
		return "", err
	}
	c.Durable = false
	if err := c.Start(ctx); err != nil {
		return "", fmt.Errorf("test cluster: %w", err)
	}
	return c.URL("postgres"), nil
}

// withDB replaces the database name in a connection string.
func withDB(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "", fmt.Errorf("BBPLAN_TEST_DATABASE_URL must be a postgres:// URL: %q", dsn)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// template returns the name of the migrated template database for the current
// schema, creating it once. An advisory lock on the server makes concurrent test
// processes wait for the one that builds it.
func template(ctx context.Context, server *sql.DB, dsn string) (string, error) {
	name := "bbplan_tpl_" + data.MigrationsHash()
	conn, err := server.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7240002)`); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(7240002)`)
	var ready bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)`, name).Scan(&ready); err != nil {
		return "", err
	}
	if ready {
		return name, nil
	}
	// A half-built template from an interrupted run is not marked; start over.
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		return "", err
	}
	tdsn, err := withDB(dsn, name)
	if err != nil {
		return "", err
	}
	db, err := data.Open(ctx, tdsn)
	if err != nil {
		return "", err
	}
	_, err = data.Migrate(ctx, db, SRID)
	db.Close()
	if err != nil {
		return "", fmt.Errorf("migrating test template: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+pq.QuoteIdentifier(name)+" WITH is_template true"); err != nil {
		return "", err
	}
	return name, nil
}

// New returns a fresh migrated database for t, dropped when the test ends,
// and its connection string.
func New(t testing.TB) (*data.DB, string) {
	t.Helper()
	return create(t, true)
}

// NewEmpty returns a fresh database with no migrations, for tests of the
// migrator itself, and its connection string.
func NewEmpty(t testing.TB) (*data.DB, string) {
	t.Helper()
	return create(t, false)
}

func create(t testing.TB, migrated bool) (*data.DB, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dsn, err := ServerDSN(ctx)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	server, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	defer server.Close()
	b := make([]byte, 6)
	rand.Read(b)
	name := "bbplan_test_" + hex.EncodeToString(b)
	create := "CREATE DATABASE " + pq.QuoteIdentifier(name)
	if migrated {
		tpl, err := template(ctx, server, dsn)
		if err != nil {
			t.Fatalf("dbtest: %v", err)
		}
		create += " TEMPLATE " + pq.QuoteIdentifier(tpl)
	}
	var lastErr error
	for i := 0; i < 50; i++ {
		_, lastErr = server.ExecContext(ctx, create)
		// Another process may be copying the template at this moment.
		if lastErr == nil || !strings.Contains(lastErr.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if lastErr != nil {
		t.Fatalf("dbtest: creating %s: %v", name, lastErr)
	}
	tdsn, err := withDB(dsn, name)
	if err != nil {
		t.Fatal(err)
	}
	db, err := data.Open(ctx, tdsn)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		if s, err := sql.Open("postgres", dsn); err == nil {
			s.Exec("DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(name) + " WITH (FORCE)")
			s.Close()
		}
	})
	return db, tdsn
}

// DoneRun inserts a finished pts-2025 analysis run named name without
// results, for tests that write their own areas and premises, and returns
// its id.
func DoneRun(t testing.TB, db *data.DB, name string) int64 {
	t.Helper()
	const insertRun = `INSERT INTO analysis_run (name, profile, params, as_of, dataset_ids, status)
		VALUES ($1, 'pts-2025', '{}', '2025-06-30', '{}', 'done') RETURNING id`
	var id int64
	if err := db.QueryRowContext(context.Background(), insertRun, name).Scan(&id); err != nil {
		t.Fatalf("run %s: %v", name, err)
	}
	return id
}
