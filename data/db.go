// Package data is bbplan's PostGIS layer: the managed local cluster, embedded
// migrations, loaders, analysis SQL and the stores behind the domain packages.
package data

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// DB is an open bbplan database.
type DB struct {
	*sql.DB
	// SRID is the working SRID recorded in the database.
	SRID int
}

// Open connects to dsn and checks that the server answers.
func Open(ctx context.Context, dsn string) (*DB, error) {
	conn, err := sql.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	conn.SetMaxOpenConns(16)
	conn.SetMaxIdleConns(8)
	conn.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := conn.PingContext(pctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("database %s: %w", RedactDSN(dsn), err)
	}
	db := &DB{DB: conn}
	// The SRID is known once migrations have run; before that it stays 0.
	_ = conn.QueryRowContext(ctx, `SELECT value::int FROM bbplan_setting WHERE key = 'srid'`).Scan(&db.SRID)
	return db, nil
}

// CreateDatabase creates database name on the server behind adminDSN unless it exists.
func CreateDatabase(ctx context.Context, adminDSN, name string) error {
	conn, err := sql.Open("postgres", adminDSN)
	if err != nil {
		return err
	}
	defer conn.Close()
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		return fmt.Errorf("creating database %s: %w", name, err)
	}
	return nil
}

// Versions reports the server's PostgreSQL and PostGIS versions.
func (db *DB) Versions(ctx context.Context) (postgres, postgis string, err error) {
	err = db.QueryRowContext(ctx, `SELECT current_setting('server_version'),
		COALESCE((SELECT extversion FROM pg_extension WHERE extname = 'postgis'), '')`).Scan(&postgres, &postgis)
	return postgres, postgis, err
}

// Querier is what the read functions need: a *DB, or a *sql.Tx when they
// must see the caller's transaction.
type Querier interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// Audit writes one audit-log row.
func Audit(ctx context.Context, q interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, actor, action, object string, details any) error {
	const insertAudit = `INSERT INTO audit_log (actor, action, object, details) VALUES ($1, $2, $3, $4)`
	js, err := jsonValue(details)
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, insertAudit, actor, action, object, js); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}
