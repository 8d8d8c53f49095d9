package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ServingOptions tune a connection pool for `bbplan serve`.
type ServingOptions struct {
	// ReadOnly makes every transaction read-only (the serving pool).
	ReadOnly bool
	// StatementTimeout cancels any statement running longer (0: none).
	StatementTimeout time.Duration
	// MaxConns caps the pool.
	MaxConns int
}

// ServingDSN adds the session settings of a serving pool to dsn (a URL or a
// key=value string) as run-time parameters, which lib/pq sends at connection
// start. JIT compilation and parallel workers are off because they cost more
// than they save on the many small indexed queries of tiles and items.
func ServingDSN(dsn string, o ServingOptions) (string, error) {
	params := [][2]string{{"jit", "off"}, {"max_parallel_workers_per_gather", "0"}}
	if o.ReadOnly {
		params = append(params, [2]string{"default_transaction_read_only", "on"})
	}
	if o.StatementTimeout > 0 {
		params = append(params, [2]string{"statement_timeout", strconv.FormatInt(o.StatementTimeout.Milliseconds(), 10)})
	}
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		for _, p := range params {
			q.Set(p[0], p[1])
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	if strings.Contains(dsn, "://") {
		return "", fmt.Errorf("database url %s: not a postgres:// URL", RedactDSN(dsn))
	}
	var b strings.Builder
	b.WriteString(dsn)
	for _, p := range params {
		fmt.Fprintf(&b, " %s=%s", p[0], p[1])
	}
	return strings.TrimSpace(b.String()), nil
}

// OpenServing opens a pool on dsn with the serving session settings.
func OpenServing(ctx context.Context, dsn string, o ServingOptions) (*DB, error) {
	sdsn, err := ServingDSN(dsn, o)
	if err != nil {
		return nil, err
	}
	db, err := Open(ctx, sdsn)
	if err != nil {
		return nil, err
	}
	if o.MaxConns > 0 {
		db.SetMaxOpenConns(o.MaxConns)
		db.SetMaxIdleConns(o.MaxConns)
		// Warmed sessions are worth keeping: see warm.
		db.SetConnMaxIdleTime(time.Hour)
		if err := db.warm(ctx, o.MaxConns); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// warm opens n sessions and runs in each the work that a session does
// once: loading PostGIS, setting up the coordinate transformations from the
// working SRID (about 80 ms) and caching the property functions. Without it
// the first requests served by each session take that much longer.
func (db *DB) warm(ctx context.Context, n int) error {
	if db.SRID == 0 {
		return nil // not migrated yet: nothing to serve
	}
	const warmSession = `SELECT length(ST_AsGeoJSON(ST_Transform(g, 4326), 6)) + length(ST_AsMVTGeom(ST_Transform(g, 3857),
		ST_TileEnvelope(0, 0, 0))::text) + length(ST_AsText(ST_Transform(ST_TileEnvelope(0, 0, 0), $1::int)))
		+ COALESCE((SELECT length(bbplan_premise_props_text(ps, false)) FROM premise_status ps LIMIT 1), 0)
		+ COALESCE((SELECT length(bbplan_area_props_text(ca, NULL)) FROM candidate_area ca LIMIT 1), 0)
		FROM (SELECT ST_SetSRID(ST_MakePoint(0, 0), $1::int) AS g) p`
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	// Every session is held until all are warm, so that each is a new one.
	for range n {
		c, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("warming the pool: %w", err)
		}
		conns = append(conns, c)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			var l sql.NullInt64
			errs[i] = c.QueryRowContext(ctx, warmSession, db.SRID).Scan(&l)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("warming the pool: %w", err)
	}
	return nil
}

// Scope is what a caller may see below the aggregates.
type Scope struct {
	// Premises allows premise-level data.
	Premises bool
	// Kommun, when set, limits premise-level data to this municipality.
	Kommun string
	// Plans allows operator plans (best offers that are plans, planned networks).
	Plans bool
}

// ResolveRun returns run when it exists, or with run 0 the latest finished
// run. A missing run is an error wrapping sql.ErrNoRows.
func (db *DB) ResolveRun(ctx context.Context, run int64) (int64, error) {
	const latestRun = `SELECT id FROM analysis_run WHERE status = 'done' ORDER BY id DESC LIMIT 1`
	const oneRun = `SELECT id FROM analysis_run WHERE id = $1`
	var err error
	var id int64
	if run == 0 {
		err = db.QueryRowContext(ctx, latestRun).Scan(&id)
	} else {
		err = db.QueryRowContext(ctx, oneRun, run).Scan(&id)
	}
	if errors.Is(err, sql.ErrNoRows) {
		if run == 0 {
			return 0, fmt.Errorf("no finished analysis run: %w", err)
		}
		return 0, fmt.Errorf("run %d: %w", run, err)
	}
	return id, err
}

// ScenarioRun returns the run of scenario id (an error wrapping sql.ErrNoRows
// when there is no such scenario).
func (db *DB) ScenarioRun(ctx context.Context, id int64) (int64, error) {
	const scenarioRun = `SELECT run_id FROM scenario WHERE id = $1`
	var run int64
	err := db.QueryRowContext(ctx, scenarioRun, id).Scan(&run)
	if err != nil {
		return 0, fmt.Errorf("scenario %d: %w", id, err)
	}
	return run, nil
}

// queryJSON runs a query returning one JSON value.
func (db *DB) queryJSON(ctx context.Context, what, query string, args ...any) (json.RawMessage, error) {
	var b []byte
	err := db.QueryRowContext(ctx, query, args...).Scan(&b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if b == nil {
		return nil, fmt.Errorf("%s: %w", what, sql.ErrNoRows)
	}
	return json.RawMessage(b), nil
}

// RunsJSON lists the analysis runs, newest first; params only with plans
// (the profile parameters name operator-plan settings).
func (db *DB) RunsJSON(ctx context.Context, withParams bool) (json.RawMessage, error) {
	const runsJSON = `SELECT COALESCE(json_agg(json_build_object(
		'id', id, 'name', name, 'profile', profile, 'as_of', as_of, 'status', status,
		'started_at', started_at, 'finished_at', finished_at, 'created_by', created_by,
		'dataset_ids', dataset_ids, 'summary', summary, 'params', CASE WHEN $1 THEN params END)
		ORDER BY id DESC), '[]') FROM analysis_run`
	return db.queryJSON(ctx, "runs", runsJSON, withParams)
}

// DatasetsJSON lists the loaded datasets, newest first.
func (db *DB) DatasetsJSON(ctx context.Context) (json.RawMessage, error) {
	const datasetsJSON = `SELECT COALESCE(json_agg(json_build_object(
		'id', id, 'kind', kind, 'name', name, 'source_file', source_file, 'sha256', sha256,
		'input_srid', input_srid, 'rows', rows, 'rejected', rejected, 'repaired', repaired,
		'loaded_at', loaded_at, 'loaded_by', loaded_by, 'status', status) ORDER BY id DESC), '[]')
		FROM dataset`
	return db.queryJSON(ctx, "datasets", datasetsJSON)
}

// MunicipalitiesJSON returns the municipalities (all, or the one with code)
// with the statistics of run and, when scenario is not 0, the budget the
// scenario allocates to each.
func (db *DB) MunicipalitiesJSON(ctx context.Context, run, scenario int64, code string) (json.RawMessage, error) {
	const municipalitiesJSON = `SELECT COALESCE(json_agg(json_build_object(
		'code', m.code, 'name', m.name, 'county_code', m.county_code,
		'bbox', json_build_array(round(ST_XMin(t.b)::numeric, 6), round(ST_YMin(t.b)::numeric, 6),
			round(ST_XMax(t.b)::numeric, 6), round(ST_YMax(t.b)::numeric, 6)),
		'centroid', json_build_array(round(ST_X(t.c)::numeric, 6), round(ST_Y(t.c)::numeric, 6)),
		'stats', CASE WHEN s.kommun_code IS NOT NULL THEN json_build_object(
			'premises', s.premises, 'households', s.households, 'workplaces', s.workplaces,
			'premises_target', s.premises_target, 'households_target', s.households_target,
			'workplaces_target', s.workplaces_target, 'eligible_premises', s.eligible_premises,
			'eligible_households', s.eligible_households, 'eligible_workplaces', s.eligible_workplaces,
			'mobile_ok', s.mobile_ok, 'double_gaps', s.double_gaps, 'disputed', s.disputed,
			'share_target', round((s.premises_target::numeric / NULLIF(s.premises, 0)), 4),
			'tiers', s.tiers, 'classes', s.classes) END,
		'budget', CASE WHEN $2::bigint <> 0 THEN (
			SELECT json_build_object('scenario', $2::bigint,
				'allocated', COALESCE(sum(sa.subsidy) FILTER (WHERE sa.selected), 0),
				'areas_selected', count(*) FILTER (WHERE sa.selected), 'areas', count(*))
			FROM scenario_area sa JOIN candidate_area ca ON ca.id = sa.area_id
			WHERE sa.scenario_id = $2 AND ca.kommun_code = m.code) END)
		ORDER BY m.code), '[]')
		FROM municipality m
		CROSS JOIN LATERAL (SELECT Box2D(ST_Transform(m.geom, 4326)) AS b,
			ST_Transform(ST_PointOnSurface(m.geom), 4326) AS c) t
		LEFT JOIN municipality_stat s ON s.run_id = $1 AND s.kommun_code = m.code
		WHERE $3 = '' OR m.code = $3`
	return db.queryJSON(ctx, "municipalities", municipalitiesJSON, run, scenario, code)
}

// GapsJSON returns a GeoJSON FeatureCollection (CRS84) of the candidate areas
// and eligible premises of municipality code in run, areas first. The
// document is written by PostgreSQL as text (see bbplan_premise_props_text)
// and each half is ordered by its own key, so no sort compares mixed keys.
func (db *DB) GapsJSON(ctx context.Context, run int64, code string, plans bool) (json.RawMessage, error) {
	const gapsJSON = `SELECT '{"type":"FeatureCollection","run":' || $1::bigint || ',"municipality":' || to_json($2::text)
		|| ',"features":[' || concat_ws(',',
			(SELECT string_agg('{"type":"Feature","id":"area-' || ca.id || '","geometry":'
				|| ST_AsGeoJSON(ST_Transform(ca.geom, 4326), 6) || ',"properties":' || bbplan_area_props_text(ca, ac) || '}',
				',' ORDER BY ca.id)
			FROM candidate_area ca LEFT JOIN area_cost ac ON ac.area_id = ca.id AND ac.chosen
			WHERE ca.run_id = $1 AND ca.kommun_code = $2),
			(SELECT string_agg('{"type":"Feature","id":' || to_json('premise-' || ps.premise_id)::text || ',"geometry":'
				|| ST_AsGeoJSON(ST_Transform(ps.geom, 4326), 6) || ',"properties":' || bbplan_premise_props_text(ps, $3) || '}',
				',' ORDER BY ps.premise_id)
			FROM premise_status ps WHERE ps.run_id = $1 AND ps.kommun_code = $2 AND ps.eligible)) || ']}'`
	return db.queryJSON(ctx, "gaps of "+code, gapsJSON, run, code, plans)
}

// GapsVersion returns a fingerprint of the rows behind GapsJSON(run, code):
// the number, greatest and sum of the row versions (xmin) of the eligible
// premises, the candidate areas and their chosen costs. Any insert, update
// or delete of those rows changes it (freezing may too, which only costs a
// cache miss). It reads a few thousand index-selected rows without
// formatting them, a tenth of the cost of the document. An unknown
// municipality is an error wrapping sql.ErrNoRows.
func (db *DB) GapsVersion(ctx context.Context, run int64, code string) (string, error) {
	const gapsVersion = `SELECT concat_ws('/',
		(SELECT count(*) || ':' || COALESCE(max(ps.xmin::text::bigint), 0) || ':' || COALESCE(sum(ps.xmin::text::bigint), 0)
			FROM premise_status ps WHERE ps.run_id = $1 AND ps.kommun_code = $2 AND ps.eligible),
		(SELECT count(*) || ':' || COALESCE(max(ca.xmin::text::bigint), 0) || ':' || COALESCE(sum(ca.xmin::text::bigint), 0)
			|| ':' || count(ac.area_id) || ':' || COALESCE(max(ac.xmin::text::bigint), 0) || ':' || COALESCE(sum(ac.xmin::text::bigint), 0)
			FROM candidate_area ca LEFT JOIN area_cost ac ON ac.area_id = ca.id AND ac.chosen
			WHERE ca.run_id = $1 AND ca.kommun_code = $2))
		WHERE EXISTS (SELECT 1 FROM municipality WHERE code = $2)`
	var v string
	if err := db.QueryRowContext(ctx, gapsVersion, run, code).Scan(&v); err != nil {
		return "", fmt.Errorf("gaps of %s: %w", code, err)
	}
	return v, nil
}

// BBox is a CRS84 bounding box: min lon, min lat, max lon, max lat.
type BBox [4]float64

// AreaFilter selects candidate areas for AreasJSON.
type AreaFilter struct {
	Run      int64
	Scenario int64 // 0: none
	Kommun   string
	Class    string
	BBox     *BBox
	Selected *bool // needs Scenario
	Sort     string
	Limit    int
	Offset   int
}

// areaSorts is the allow-list of area orderings; request text never reaches
// SQL except as a key of this map.
var areaSorts = map[string]string{
	"id":       "ca.id",
	"rank":     "sa.rank NULLS LAST, ca.id",
	"premises": "ca.premises DESC, ca.id",
	"subsidy":  "ac.subsidy DESC NULLS LAST, ca.id",
}

// AreaSortValid reports whether s is a known area ordering.
func AreaSortValid(s string) bool { _, ok := areaSorts[s]; return ok }

// areaObject is the JSON API form of one candidate area (aliases ca, m, ac, sa).
const areaObject = `json_build_object('id', ca.id, 'run', ca.run_id, 'kommun_code', ca.kommun_code,
	'municipality', m.name, 'class', ca.class, 'stranded', ca.stranded, 'premises', ca.premises,
	'households', ca.households, 'workplaces', ca.workplaces, 'anchors', ca.anchors,
	'double_gaps', ca.double_gaps, 'priority_premises', ca.priority_premises,
	'distance_to_fiber', ca.distance_to_fiber,
	'bbox', (SELECT json_build_array(round(ST_XMin(b)::numeric, 6), round(ST_YMin(b)::numeric, 6),
		round(ST_XMax(b)::numeric, 6), round(ST_YMax(b)::numeric, 6)) FROM Box2D(ST_Transform(ca.geom, 4326)) b),
	'centroid', (SELECT json_build_array(round(ST_X(c)::numeric, 6), round(ST_Y(c)::numeric, 6))
		FROM ST_Transform(ST_PointOnSurface(ca.geom), 4326) c),
	'chosen', CASE WHEN ac.option IS NOT NULL THEN json_build_object('option', ac.option, 'low', ac.low,
		'expected', ac.expected, 'high', ac.high, 'subsidy', ac.subsidy) END,
	'scenario', CASE WHEN sa.scenario_id IS NOT NULL THEN json_build_object('id', sa.scenario_id,
		'rank', sa.rank, 'score', sa.score, 'ranking_amount', sa.ranking_amount, 'subsidy', sa.subsidy,
		'cost_option', sa.cost_option, 'selected', sa.selected, 'rule', sa.rule,
		'running_budget', sa.running_budget) END)`

// AreasJSON returns the number of areas matching f and one page of them.
func (db *DB) AreasJSON(ctx context.Context, f AreaFilter, srid int) (int64, json.RawMessage, error) {
	order, ok := areaSorts[f.Sort]
	if !ok {
		return 0, nil, fmt.Errorf("sort: %q is not id, rank, premises or subsidy", f.Sort)
	}
	var bb []any = []any{nil, nil, nil, nil}
	if f.BBox != nil {
		bb = []any{f.BBox[0], f.BBox[1], f.BBox[2], f.BBox[3]}
	}
	var sel any
	if f.Selected != nil {
		sel = *f.Selected
	}
	const areasFrom = `FROM candidate_area ca
		JOIN municipality m ON m.code = ca.kommun_code
		LEFT JOIN area_cost ac ON ac.area_id = ca.id AND ac.chosen
		LEFT JOIN scenario_area sa ON sa.scenario_id = $2 AND sa.area_id = ca.id
		WHERE ca.run_id = $1
		AND ($3 = '' OR ca.kommun_code = $3)
		AND ($4 = '' OR ca.class = $4)
		AND ($5::float8 IS NULL OR ST_Intersects(ca.geom,
			ST_Transform(ST_MakeEnvelope($5::float8, $6::float8, $7::float8, $8::float8, 4326), $9::int)))
		AND ($10::boolean IS NULL OR sa.selected = $10)
		AND ($2 = 0 OR sa.scenario_id IS NOT NULL)`
	args := []any{f.Run, f.Scenario, f.Kommun, f.Class, bb[0], bb[1], bb[2], bb[3], srid, sel}
	var total int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) `+areasFrom, args...).Scan(&total); err != nil {
		return 0, nil, fmt.Errorf("counting areas: %w", err)
	}
	// order comes from the areaSorts allow-list.
	page := `SELECT COALESCE(json_agg(j ORDER BY n), '[]') FROM (
		SELECT ` + areaObject + ` AS j, row_number() OVER (ORDER BY ` + order + `) AS n ` + areasFrom +
		` ORDER BY ` + order + ` LIMIT $11 OFFSET $12) p`
	js, err := db.queryJSON(ctx, "areas", page, append(args, f.Limit, f.Offset)...)
	return total, js, err
}

// AreaJSON returns one candidate area with its geometry, cost options and,
// with scenario not 0, the scenario's decision and explanation.
func (db *DB) AreaJSON(ctx context.Context, id, scenario int64) (json.RawMessage, error) {
	const areaJSON = `SELECT (` + areaObject + `::jsonb || jsonb_build_object(
		'geometry', ST_AsGeoJSON(ST_Transform(ca.geom, 4326), 6)::jsonb,
		'costs', (SELECT COALESCE(jsonb_agg(jsonb_build_object('option', c.option, 'low', c.low,
			'expected', c.expected, 'high', c.high, 'subsidy', c.subsidy, 'meets_target', c.meets_target,
			'chosen', c.chosen, 'details', c.details) ORDER BY c.option), '[]') FROM area_cost c WHERE c.area_id = ca.id))
		|| CASE WHEN sa.scenario_id IS NOT NULL THEN jsonb_build_object('scenario', jsonb_build_object(
			'id', sa.scenario_id, 'rank', sa.rank, 'score', sa.score, 'ranking_amount', sa.ranking_amount,
			'subsidy', sa.subsidy, 'cost_option', sa.cost_option, 'selected', sa.selected, 'rule', sa.rule,
			'running_budget', sa.running_budget, 'explanation', sa.explanation)) ELSE '{}' END)::json
		FROM candidate_area ca
		JOIN municipality m ON m.code = ca.kommun_code
		LEFT JOIN area_cost ac ON ac.area_id = ca.id AND ac.chosen
		LEFT JOIN scenario_area sa ON sa.scenario_id = $2 AND sa.area_id = ca.id
		WHERE ca.id = $1`
	return db.queryJSON(ctx, fmt.Sprintf("area %d", id), areaJSON, id, scenario)
}

// scenarioObject is the JSON form of one scenario (alias s).
const scenarioObject = `json_build_object('id', s.id, 'run', s.run_id, 'name', s.name,
	'strategy', s.strategy, 'params', s.params, 'summary', s.summary, 'created_at', s.created_at,
	'created_by', s.created_by)`

// ScenariosJSON lists scenarios (of run, or all with run 0), newest first.
func (db *DB) ScenariosJSON(ctx context.Context, run int64) (json.RawMessage, error) {
	const scenariosJSON = `SELECT COALESCE(json_agg(` + scenarioObject + ` ORDER BY s.id DESC), '[]')
		FROM scenario s WHERE $1 = 0 OR s.run_id = $1`
	return db.queryJSON(ctx, "scenarios", scenariosJSON, run)
}

// ScenarioJSON returns scenario id with its areas in rank order.
func (db *DB) ScenarioJSON(ctx context.Context, id int64) (json.RawMessage, error) {
	const scenarioJSON = `SELECT (` + scenarioObject + `::jsonb || jsonb_build_object('areas',
		(SELECT COALESCE(jsonb_agg(jsonb_build_object('area_id', sa.area_id, 'kommun_code', ca.kommun_code,
			'rank', sa.rank, 'score', sa.score, 'ranking_amount', sa.ranking_amount, 'subsidy', sa.subsidy,
			'cost_option', sa.cost_option, 'selected', sa.selected, 'rule', sa.rule,
			'running_budget', sa.running_budget) ORDER BY sa.rank, sa.area_id), '[]')
		FROM scenario_area sa JOIN candidate_area ca ON ca.id = sa.area_id WHERE sa.scenario_id = s.id)))::json
		FROM scenario s WHERE s.id = $1`
	return db.queryJSON(ctx, fmt.Sprintf("scenario %d", id), scenarioJSON, id)
}
