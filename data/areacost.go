package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"

	"github.com/bbplan/bbplan/funding"
	"github.com/lib/pq"
)

// costedArea is one candidate area's input and, once costed, its options
// with their details as JSON.
type costedArea struct {
	id      int64
	in      funding.AreaInput
	opts    []funding.Option
	details []string
	err     error
}

// CostAreas costs every candidate area of run runID with the cost model p and
// writes the options to area_cost, one of them chosen per area. targetDown and
// targetUp are the profile's fixed target, against which the alternative
// technologies are tested. The analysis calls it inside its transaction.
// Running it again replaces the run's costs.
func CostAreas(ctx context.Context, tx *sql.Tx, runID int64, p funding.CostParams, targetDown, targetUp float64) error {
	areas, err := readCostAreas(ctx, tx, runID)
	if err != nil {
		return fmt.Errorf("costing areas of run %d: %w", runID, err)
	}
	costAll(areas, p, funding.Target{DownMbps: targetDown, UpMbps: targetUp})
	var (
		ids                 []int64
		opts, details       []string
		low, exp, high, sub []float64
		meets, chosen       []bool
	)
	for _, a := range areas {
		if a.err != nil {
			return a.err
		}
		for i, o := range a.opts {
			ids = append(ids, a.id)
			opts = append(opts, o.Option)
			low, exp, high, sub = append(low, o.Low), append(exp, o.Expected), append(high, o.High), append(sub, o.Subsidy)
			meets, chosen = append(meets, o.MeetsTarget), append(chosen, o.Chosen)
			details = append(details, a.details[i])
		}
	}

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

// readCostAreas reads the run's areas in id order with their premise
// locations in premise id order (the order fixes the MST's float sum). The
// points come as one stream of rows sorted by area: aggregating them into
// arrays per area sorts each small group on its own, which costs more than
// one sort of all rows. The points of all areas share one slice.
func readCostAreas(ctx context.Context, tx *sql.Tx, runID int64) ([]costedArea, error) {
	const selectAreas = `SELECT id, premises, stranded, COALESCE(distance_to_fiber, -1), ST_Area(geom)
		FROM candidate_area WHERE run_id = $1 ORDER BY id`
	rows, err := tx.QueryContext(ctx, selectAreas, runID)
	if err != nil {
		return nil, err
	}
	var areas []costedArea
	total := 0
	for rows.Next() {
		var a costedArea
		if err := rows.Scan(&a.id, &a.in.Premises, &a.in.Stranded, &a.in.DistanceToFiber, &a.in.AreaM2); err != nil {
			rows.Close()
			return nil, err
		}
		total += a.in.Premises
		areas = append(areas, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	const selectPoints = `SELECT area_id, ST_X(geom), ST_Y(geom) FROM premise_status
		WHERE run_id = $1 AND area_id IS NOT NULL ORDER BY area_id, premise_id`
	rows, err = tx.QueryContext(ctx, selectPoints, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	pts := make([]funding.Point, 0, total)
	starts := make([]int, len(areas)+1)
	k := 0 // areas[k] is the area the rows are at; areas before it are complete
	for rows.Next() {
		var (
			area int64
			pt   funding.Point
		)
		if err := rows.Scan(&area, &pt.X, &pt.Y); err != nil {
			return nil, err
		}
		for k < len(areas) && areas[k].id < area {
			k++
			starts[k] = len(pts)
		}
		if k == len(areas) || areas[k].id != area {
			return nil, fmt.Errorf("premise of area %d, which run %d lacks", area, runID)
		}
		pts = append(pts, pt)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for k < len(areas) {
		k++
		starts[k] = len(pts)
	}
	for i := range areas {
		areas[i].in.Points = pts[starts[i]:starts[i+1]:starts[i+1]]
	}
	return areas, nil
}

// costAll costs the areas on all processors: the MSTs are quadratic in the
// premises of an area and dominate. Each area keeps its own result, so the
// output order does not depend on scheduling.
func costAll(areas []costedArea, p funding.CostParams, target funding.Target) {
	workers := min(runtime.GOMAXPROCS(0), max(len(areas), 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Striding balances the work: big areas are not numbered together.
			for i := w; i < len(areas); i += workers {
				a := &areas[i]
				a.opts = funding.CostArea(a.in, p, target)
				a.details = make([]string, len(a.opts))
				for j, o := range a.opts {
					d, err := json.Marshal(o.Details)
					if err != nil {
						a.err = fmt.Errorf("area %d: %s details: %w", a.id, o.Option, err)
						break
					}
					a.details[j] = string(d)
				}
			}
		})
	}
	wg.Wait()
}
