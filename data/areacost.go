package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/bbplan/bbplan/funding"
	"github.com/lib/pq"
)

// CostAreas costs every candidate area of run runID with the cost model p and
// writes the options to area_cost, one of them chosen per area. targetDown and
// targetUp are the profile's fixed target, against which the alternative
// technologies are tested. The analysis calls it inside its transaction.
// Running it again replaces the run's costs.
func CostAreas(ctx context.Context, tx *sql.Tx, runID int64, p funding.CostParams, targetDown, targetUp float64) error {
	const selectAreas = `
SELECT ca.id, ca.premises, ca.stranded, COALESCE(ca.distance_to_fiber, -1), ST_Area(ca.geom),
       COALESCE(array_agg(ST_X(ps.geom) ORDER BY ps.premise_id) FILTER (WHERE ps.premise_id IS NOT NULL), '{}'),
       COALESCE(array_agg(ST_Y(ps.geom) ORDER BY ps.premise_id) FILTER (WHERE ps.premise_id IS NOT NULL), '{}')
FROM candidate_area ca
LEFT JOIN premise_status ps ON ps.run_id = ca.run_id AND ps.area_id = ca.id
WHERE ca.run_id = $1
GROUP BY ca.id
ORDER BY ca.id`
	rows, err := tx.QueryContext(ctx, selectAreas, runID)
	if err != nil {
		return fmt.Errorf("costing areas of run %d: %w", runID, err)
	}
	defer rows.Close()
	target := funding.Target{DownMbps: targetDown, UpMbps: targetUp}
	var (
		ids                 []int64
		opts, details       []string
		low, exp, high, sub []float64
		meets, chosen       []bool
	)
	for rows.Next() {
		var (
			id     int64
			in     funding.AreaInput
			xs, ys pq.Float64Array
		)
		if err := rows.Scan(&id, &in.Premises, &in.Stranded, &in.DistanceToFiber, &in.AreaM2, &xs, &ys); err != nil {
			return fmt.Errorf("costing areas of run %d: %w", runID, err)
		}
		in.Points = make([]funding.Point, len(xs))
		for i := range xs {
			in.Points[i] = funding.Point{X: xs[i], Y: ys[i]}
		}
		for _, o := range funding.CostArea(in, p, target) {
			d, err := json.Marshal(o.Details)
			if err != nil {
				return fmt.Errorf("area %d: %s details: %w", id, o.Option, err)
			}
			ids = append(ids, id)
			opts = append(opts, o.Option)
			low, exp, high, sub = append(low, o.Low), append(exp, o.Expected), append(high, o.High), append(sub, o.Subsidy)
			meets, chosen = append(meets, o.MeetsTarget), append(chosen, o.Chosen)
			details = append(details, string(d))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("costing areas of run %d: %w", runID, err)
	}
	rows.Close()

	const deleteCosts = `DELETE FROM area_cost WHERE area_id IN (SELECT id FROM candidate_area WHERE run_id = $1)`
	if _, err := tx.ExecContext(ctx, deleteCosts, runID); err != nil {
		return fmt.Errorf("costing areas of run %d: %w", runID, err)
	}
	const insertCosts = `
INSERT INTO area_cost (area_id, option, low, expected, high, subsidy, meets_target, chosen, details)
SELECT u.area_id, u.option, u.low, u.expected, u.high, u.subsidy, u.meets, u.chosen, u.details::jsonb
FROM unnest($1::bigint[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::bool[], $8::bool[], $9::text[])
     AS u(area_id, option, low, expected, high, subsidy, meets, chosen, details)`
	if _, err := tx.ExecContext(ctx, insertCosts, pq.Array(ids), pq.Array(opts), pq.Array(low), pq.Array(exp),
		pq.Array(high), pq.Array(sub), pq.Array(meets), pq.Array(chosen), pq.Array(details)); err != nil {
		return fmt.Errorf("storing area costs of run %d: %w", runID, err)
	}
	return nil
}
