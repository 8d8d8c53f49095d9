package data_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
)

func TestTokens(t *testing.T) {
	db, _ := dbtest.New(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `INSERT INTO municipality (code, name, county_code, dataset_id, geom)
		VALUES ('2480', 'Umeå', '24', 1, ST_Multi(ST_MakeEnvelope(745000, 7080000, 765000, 7100000, 3006)))`); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name, role, kommun, param string
	}{
		{"unknown role", "root", "", "role"},
		{"municipality without code", data.RoleMunicipality, "", "municipality"},
		{"municipality not loaded", data.RoleMunicipality, "9999", "municipality"},
		{"code on a planner", data.RolePlanner, "2480", "municipality"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := db.CreateToken(ctx, tc.role, tc.kommun, "", "test")
			if err == nil || !strings.HasPrefix(err.Error(), tc.param+":") {
				t.Fatalf("error %v, want one naming %s", err, tc.param)
			}
		})
	}
	good := []struct {
		name, role, kommun string
	}{
		{"admin", data.RoleAdmin, ""},
		{"municipality", data.RoleMunicipality, "2480"},
	}
	for _, tc := range good {
		t.Run(tc.name, func(t *testing.T) {
			tok, secret, err := db.CreateToken(ctx, tc.role, tc.kommun, "", "test")
			if err != nil {
				t.Fatal(err)
			}
			var stored int
			if err := db.QueryRowContext(ctx, `SELECT count(*) FROM api_token WHERE hash = $1 OR name = $1`, secret).Scan(&stored); err != nil || stored != 0 {
				t.Fatalf("the secret is stored (%d rows, %v)", stored, err)
			}
			got, err := db.LookupToken(ctx, secret)
			if err != nil || got.ID != tok.ID || got.Role != tc.role || got.Kommun != tc.kommun {
				t.Fatalf("lookup: %+v, %v; want %+v", got, err, tok)
			}
			if err := db.TouchToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
			if err := db.RevokeToken(ctx, tok.ID, "test"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.LookupToken(ctx, secret); !errors.Is(err, data.ErrBadToken) {
				t.Fatalf("revoked token: %v", err)
			}
			if err := db.RevokeToken(ctx, tok.ID, "test"); err == nil {
				t.Fatal("revoking twice succeeded")
			}
		})
	}
	list, err := db.ListTokens(ctx)
	if err != nil || len(list) != len(good) {
		t.Fatalf("list: %d tokens, %v", len(list), err)
	}
	var audited int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action IN ('token.create', 'token.revoke')`).Scan(&audited); err != nil || audited != 2*len(good) {
		t.Errorf("audit rows %d, want %d (%v)", audited, 2*len(good), err)
	}
	if _, err := db.LookupToken(ctx, "not-a-token"); !errors.Is(err, data.ErrBadToken) {
		t.Errorf("garbage token: %v", err)
	}
}

func TestServingDSN(t *testing.T) {
	tests := []struct {
		name, dsn string
		want      []string
	}{
		{"url", "postgres://u@localhost:5432/bbplan?sslmode=disable", []string{"default_transaction_read_only=on", "statement_timeout=1500", "jit=off", "max_parallel_workers_per_gather=0", "sslmode=disable"}},
		{"key value", "host=/tmp dbname=bbplan", []string{"host=/tmp dbname=bbplan", " default_transaction_read_only=on", " statement_timeout=1500", " jit=off"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := data.ServingDSN(tc.dsn, data.ServingOptions{ReadOnly: true, StatementTimeout: 1500e6})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s lacks %s", got, w)
				}
			}
		})
	}
}

// TestServingPoolIsReadOnly checks the session settings reach the server.
func TestServingPoolIsReadOnly(t *testing.T) {
	_, dsn := dbtest.New(t)
	ctx := context.Background()
	db, err := data.OpenServing(ctx, dsn, data.ServingOptions{ReadOnly: true, StatementTimeout: 1500e6, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ro, timeout, jit, workers string
	if err := db.QueryRowContext(ctx, `SELECT current_setting('default_transaction_read_only'), current_setting('statement_timeout'),
		current_setting('jit'), current_setting('max_parallel_workers_per_gather')`).Scan(&ro, &timeout, &jit, &workers); err != nil {
		t.Fatal(err)
	}
	if ro != "on" || timeout != "1500ms" || jit != "off" || workers != "0" {
		t.Errorf("settings: read_only %s, statement_timeout %s, jit %s, workers %s", ro, timeout, jit, workers)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO audit_log (actor, action) VALUES ('x', 'y')`); err == nil {
		t.Error("the serving pool wrote")
	}
}
