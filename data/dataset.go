package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Dataset is one load, as listed by `bbplan datasets`.
type Dataset struct {
	ID        int64           `json:"id"`
	Kind      string          `json:"kind"`
	Name      string          `json:"name"`
	File      string          `json:"file"`
	SHA256    string          `json:"sha256"`
	Options   json.RawMessage `json:"options"`
	InputSRID *int            `json:"input_srid"`
	Rows      int64           `json:"rows"`
	Rejected  int64           `json:"rejected"`
	Repaired  int64           `json:"repaired"`
	LoadedAt  time.Time       `json:"loaded_at"`
	LoadedBy  string          `json:"loaded_by"`
	Status    string          `json:"status"`
}

// Datasets lists every load: the current dataset of each kind first (in the
// usual loading order of kinds), then the replaced ones, newest first.
func Datasets(ctx context.Context, q Querier) ([]Dataset, error) {
	const list = `
SELECT id, kind, name, source_file, sha256, options, input_srid, rows, rejected, repaired,
       loaded_at, loaded_by, status
FROM dataset
ORDER BY status = 'current' DESC,
         array_position($1::text[], kind), id DESC`
	rows, err := q.QueryContext(ctx, list, kindArray())
	if err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	defer rows.Close()
	var out []Dataset
	for rows.Next() {
		var d Dataset
		var srid sql.NullInt64
		var opts []byte
		if err := rows.Scan(&d.ID, &d.Kind, &d.Name, &d.File, &d.SHA256, &opts, &srid, &d.Rows,
			&d.Rejected, &d.Repaired, &d.LoadedAt, &d.LoadedBy, &d.Status); err != nil {
			return nil, fmt.Errorf("datasets: %w", err)
		}
		d.Options = json.RawMessage(opts)
		if srid.Valid {
			n := int(srid.Int64)
			d.InputSRID = &n
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("datasets: %w", err)
	}
	return out, nil
}
