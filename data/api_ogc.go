package data

import (
	"context"
	"encoding/json"
	"fmt"
)

// Feature collections served by OGC API - Features. Each is a fixed set of
// SQL fragments; request text only selects one by name.
type collectionSQL struct {
	from  string // FROM ... WHERE ... over the bound parameters listed at FeatureQuery
	id    string // the feature id expression (text)
	geom  string // the geometry expression in the working SRID
	props string // the properties as JSON text
	order string // stable order for paging
}

// Parameters of every collection query: $1 run, $2 scenario, $3..$6 bbox
// (CRS84, null for none), $7 working SRID, $8 municipality filter for
// premise-level rows (” for none), $9 operator plans allowed, $10 feature id
// (” for all), then limit and offset.
const bboxFilter = `($3::float8 IS NULL OR ST_Intersects(%s,
	ST_Transform(ST_MakeEnvelope($3::float8, $4::float8, $5::float8, $6::float8, 4326), $7::int)))`

// allParams makes every query reference every parameter with its type, as
// PostgreSQL must infer each; with bound values these fold to true.
const allParams = ` AND $1::bigint = $1 AND $2::bigint = $2 AND $8::text = $8 AND $9::boolean = $9`

var collections = map[string]collectionSQL{
	"municipalities": {
		from: `FROM municipality m LEFT JOIN municipality_stat s ON s.run_id = $1 AND s.kommun_code = m.code
			WHERE ` + fmt.Sprintf(bboxFilter, "m.geom") + ` AND ($10 = '' OR m.code = $10)`,
		id: "m.code", geom: "m.geom", order: "m.code",
		props: `json_build_object('code', m.code, 'name', m.name, 'county_code', m.county_code, 'run', $1::bigint,
			'premises', s.premises, 'households', s.households, 'workplaces', s.workplaces,
			'premises_target', s.premises_target, 'eligible_premises', s.eligible_premises,
			'mobile_ok', s.mobile_ok, 'double_gaps', s.double_gaps, 'disputed', s.disputed,
			'share_target', round((s.premises_target::numeric / NULLIF(s.premises, 0)), 4))::text`,
	},
	"areas": {
		from: `FROM candidate_area ca LEFT JOIN area_cost ac ON ac.area_id = ca.id AND ac.chosen
			WHERE ca.run_id = $1 AND ` + fmt.Sprintf(bboxFilter, "ca.geom") +
			` AND ($10 = '' OR ca.id::text = $10)`,
		id: "ca.id::text", geom: "ca.geom", order: "ca.id", props: "bbplan_area_props_text(ca, ac)",
	},
	"cells": {
		from: `FROM cell_stat c WHERE c.run_id = $1 AND ` + fmt.Sprintf(bboxFilter, "c.geom") +
			` AND ($10 = '' OR c.grid || ':' || c.cell_id = $10)`,
		id: "c.grid || ':' || c.cell_id", geom: "c.geom", order: "c.grid, c.cell_id",
		props: `json_build_object('grid', c.grid, 'cell_id', c.cell_id, 'premises', c.premises,
			'households', c.households, 'workplaces', c.workplaces, 'premises_target', c.premises_target,
			'eligible', c.eligible, 'double_gaps', c.double_gaps, 'share_target', c.share_target)::text`,
	},
	"premises": {
		from: `FROM premise_status ps WHERE ps.run_id = $1 AND ` + fmt.Sprintf(bboxFilter, "ps.geom") +
			` AND ($8 = '' OR ps.kommun_code = $8) AND ($10 = '' OR ps.premise_id = $10)`,
		id: "ps.premise_id", geom: "ps.geom", order: "ps.premise_id",
		props: "bbplan_premise_props_text(ps, $9)",
	},
	"scenario": {
		from: `FROM scenario_area sa JOIN candidate_area ca ON ca.id = sa.area_id
			LEFT JOIN area_cost ac ON ac.area_id = ca.id AND ac.chosen
			WHERE sa.scenario_id = $2 AND ` + fmt.Sprintf(bboxFilter, "ca.geom") +
			` AND ($10 = '' OR ca.id::text = $10)`,
		id: "ca.id::text", geom: "ca.geom", order: "sa.rank, ca.id",
		props: `(bbplan_area_props(ca, ac) || jsonb_build_object('scenario', sa.scenario_id, 'rank', sa.rank,
			'score', sa.score, 'ranking_amount', sa.ranking_amount, 'scenario_subsidy', sa.subsidy,
			'cost_option', sa.cost_option, 'selected', sa.selected, 'rule', sa.rule,
			'running_budget', sa.running_budget))::text`,
	},
}

// FeatureQuery selects features of one collection.
type FeatureQuery struct {
	// Collection is one of municipalities, areas, cells, premises, scenario.
	Collection string
	Run        int64
	Scenario   int64 // for the scenario collection
	BBox       *BBox
	Scope      Scope
	ID         string // one feature; empty for a page
	Limit      int
	Offset     int
}

// Features returns the number of features matching q (ignoring paging), the
// number in this page, and the page as a JSON array of GeoJSON features in
// CRS84.
func (db *DB) Features(ctx context.Context, q FeatureQuery, srid int) (matched, returned int64, features json.RawMessage, err error) {
	c, ok := collections[q.Collection]
	if !ok {
		return 0, 0, nil, fmt.Errorf("collection %q is not served", q.Collection)
	}
	c.from += allParams
	bb := []any{nil, nil, nil, nil}
	if q.BBox != nil {
		bb = []any{q.BBox[0], q.BBox[1], q.BBox[2], q.BBox[3]}
	}
	args := []any{q.Run, q.Scenario, bb[0], bb[1], bb[2], bb[3], srid, q.Scope.Kommun, q.Scope.Plans, q.ID, q.Limit, q.Offset}
	// The SQL is assembled from the constant fragments of the collections
	// table. PostgreSQL writes the page as one JSON array text that is spliced
	// into the response unparsed. The properties are computed after the sort
	// and limit (the planner postpones costly output columns past them), so
	// only for the rows of the page.
	feature := `'{"type":"Feature","id":' || to_json(p.fid)::text || ',"geometry":' ||
		ST_AsGeoJSON(ST_Transform(p.g, 4326), 6) || ',"properties":' || p.pr || '}'`
	inner := func(window string) string {
		return `SELECT ` + c.id + ` AS fid, ` + c.geom + ` AS g, ` + c.props + ` AS pr, ` + window +
			` row_number() OVER (ORDER BY ` + c.order + `) AS o ` + c.from + ` ORDER BY ` + c.order + ` LIMIT $11 OFFSET $12`
	}
	var page string
	var counted bool
	if q.BBox != nil && q.ID == "" {
		// A bbox bounds the matches (server.max_bbox_km2): they are read once,
		// counted by a window and sorted for the page in the same pass.
		page = `SELECT '[' || COALESCE(string_agg(` + feature + `, ',' ORDER BY p.o), '') || ']', count(*), COALESCE(max(p.n), 0)
			FROM (` + inner("count(*) OVER () AS n,") + `) p`
		counted = true
	} else {
		// Unbounded: the page may come in index order, and the matches are
		// counted only when the page does not tell their number.
		page = `SELECT '[' || COALESCE(string_agg(` + feature + `, ',' ORDER BY p.o), '') || ']', count(*), 0::bigint
			FROM (` + inner("") + `) p`
	}
	var b []byte
	if err := db.QueryRowContext(ctx, page, args...).Scan(&b, &returned, &matched); err != nil {
		return 0, 0, nil, fmt.Errorf("%s: %w", q.Collection, err)
	}
	switch {
	case q.ID != "":
		matched = returned
	case returned > 0 && returned < int64(q.Limit):
		matched = int64(q.Offset) + returned
	case q.Offset == 0 && returned == 0:
		matched = 0
	case returned > 0 && counted:
	default:
		// Past the end of a bounded match, or an unbounded one.
		count := `SELECT count(*) ` + c.from
		if err := db.QueryRowContext(ctx, count, args[:10]...).Scan(&matched); err != nil {
			return 0, 0, nil, fmt.Errorf("counting %s: %w", q.Collection, err)
		}
	}
	return matched, returned, b, nil
}

// CollectionExtent returns the CRS84 extent of a collection's features in run
// (all zeros when it is empty).
func (db *DB) CollectionExtent(ctx context.Context, collection string, run, scenario int64) (BBox, error) {
	var b BBox
	c, ok := collections[collection]
	if !ok {
		return b, fmt.Errorf("collection %q is not served", collection)
	}
	c.from += allParams
	q := `SELECT COALESCE(ST_XMin(e), 0), COALESCE(ST_YMin(e), 0), COALESCE(ST_XMax(e), 0), COALESCE(ST_YMax(e), 0)
		FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(` + c.geom + `)::geometry, $7), 4326) AS e ` + c.from + `) x`
	err := db.QueryRowContext(ctx, q, run, scenario, nil, nil, nil, nil, db.SRID, "", false, "").Scan(&b[0], &b[1], &b[2], &b[3])
	if err != nil {
		return b, fmt.Errorf("extent of %s: %w", collection, err)
	}
	return b, nil
}
