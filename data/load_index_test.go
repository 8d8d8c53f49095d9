package data_test

import (
	"context"
	"slices"
	"testing"

	"github.com/bbplan/bbplan/data/dbtest"
)

// TestLoadRebuildsPremiseIndexes checks that a reload, directly or through
// staging, leaves premise with its primary key and GiST index usable.
func TestLoadRebuildsPremiseIndexes(t *testing.T) {
	tests := []struct {
		name      string
		maxErrors int // 0 takes the direct way, more goes through staging
	}{
		{name: "direct", maxErrors: 0},
		{name: "staged", maxErrors: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := dbtest.New(t)
			ctx := context.Background()
			for _, prefix := range []string{"a", "b"} {
				opt := memFile(t, "premises", 4326, premises(300, prefix), nil)
				opt.MaxErrors = tt.maxErrors
				if res := mustLoad(t, db, opt); res.Rows != 300 {
					t.Fatalf("load %s: %d rows, want 300", prefix, res.Rows)
				}
			}
			rows, err := db.QueryContext(ctx, `SELECT indexname FROM pg_indexes WHERE tablename = 'premise' ORDER BY 1`)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for rows.Next() {
				var n string
				if err := rows.Scan(&n); err != nil {
					t.Fatal(err)
				}
				names = append(names, n)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if want := []string{"premise_geom", "premise_pkey"}; !slices.Equal(names, want) {
				t.Errorf("indexes of premise after two loads: %v, want %v", names, want)
			}
			// The key still rejects a duplicate of a loaded id.
			_, err = db.ExecContext(ctx, `INSERT INTO premise (id, dataset_id, geom)
				SELECT id, dataset_id, geom FROM premise LIMIT 1`)
			if err == nil {
				t.Error("premise accepted a duplicate id after the reload")
			}
			var old int
			if err := db.QueryRowContext(ctx, `SELECT count(*) FROM premise WHERE id LIKE 'a%'`).Scan(&old); err != nil || old != 0 {
				t.Errorf("%d premises of the first load left (err %v)", old, err)
			}
		})
	}
}
