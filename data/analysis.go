package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/bbplan/bbplan/coverage"
	"github.com/bbplan/bbplan/funding"
	"github.com/lib/pq"
)

// AnalyzeOptions say what an analysis run applies.
type AnalyzeOptions struct {
	// Name of the run; empty gives "<profile> <as-of>".
	Name    string
	Profile coverage.Profile
	// AsOf is the analysis date from which planned years count.
	AsOf   time.Time
	Params coverage.AnalysisParams
	Cost   funding.CostParams
	// Actor is written to the audit log.
	Actor string
	// Log receives each step's duration at debug level; nil logs nothing.
	Log *slog.Logger
}

// ClassCount is what a class (or tier) holds.
type ClassCount struct {
	Premises   int64 `json:"premises"`
	Households int64 `json:"households"`
	Workplaces int64 `json:"workplaces"`
}

// RunSummary is the overall result of a run, kept in analysis_run.summary.
type RunSummary struct {
	Premises   int64                 `json:"premises"`
	Households int64                 `json:"households"`
	Workplaces int64                 `json:"workplaces"`
	Eligible   int64                 `json:"eligible"`
	DoubleGaps int64                 `json:"double_gaps"`
	Disputed   int64                 `json:"disputed"`
	Areas      int64                 `json:"areas"`
	Stranded   int64                 `json:"stranded"`
	Classes    map[string]ClassCount `json:"classes"`
	Error      string                `json:"error,omitempty"`
}

// Run is one analysis run.
type Run struct {
	ID         int64           `json:"id"`
	Name       string          `json:"name"`
	Profile    string          `json:"profile"`
	AsOf       string          `json:"as_of"`
	Status     string          `json:"status"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
	CreatedBy  string          `json:"created_by"`
	DatasetIDs json.RawMessage `json:"dataset_ids"`
	Summary    RunSummary      `json:"summary"`
}

// ErrNothingLoaded is returned by Analyze when premises or municipalities are missing.
var ErrNothingLoaded = errors.New("nothing to analyse")

// Analyze classifies every premise under opt.Profile, aggregates the results
// to municipalities and grid cells, clusters the eligible premises into
// candidate areas and costs them. All results are written in one
// transaction: a failed run leaves only its analysis_run row, marked failed.
func Analyze(ctx context.Context, db *DB, opt AnalyzeOptions) (Run, error) {
	if err := opt.Profile.Validate(); err != nil {
		return Run{}, fmt.Errorf("profile %s: %w", opt.Profile.Name, err)
	}
	if err := opt.Params.Validate(); err != nil {
		return Run{}, err
	}
	if err := checkLoaded(ctx, db); err != nil {
		return Run{}, err
	}
	if opt.AsOf.IsZero() {
		opt.AsOf = time.Now()
	}
	if opt.Name == "" {
		opt.Name = opt.Profile.Name + " " + opt.AsOf.Format(time.DateOnly)
	}
	id, err := startRun(ctx, db, opt)
	if err != nil {
		return Run{}, err
	}
	if err := analyzeTx(ctx, db, id, opt); err != nil {
		const failRun = `UPDATE analysis_run SET status = 'failed', finished_at = now(),
			summary = jsonb_build_object('error', $2::text) WHERE id = $1`
		// The caller's context may be what failed; the mark must still land.
		if _, ferr := db.ExecContext(context.WithoutCancel(ctx), failRun, id, err.Error()); ferr != nil {
			return Run{}, fmt.Errorf("analysis run %d: %w (marking it failed: %v)", id, err, ferr)
		}
		return Run{}, fmt.Errorf("analysis run %d: %w", id, err)
	}
	return GetRun(ctx, db, id)
}

// checkLoaded says what to load first when premises or municipalities are missing.
func checkLoaded(ctx context.Context, db *DB) error {
	const loaded = `SELECT EXISTS (SELECT 1 FROM municipality), EXISTS (SELECT 1 FROM premise)`
	var muni, prem bool
	if err := db.QueryRowContext(ctx, loaded).Scan(&muni, &prem); err != nil {
		return fmt.Errorf("checking loaded data: %w", err)
	}
	switch {
	case !muni:
		return fmt.Errorf("%w: no municipalities loaded; run `bbplan load municipalities FILE` first", ErrNothingLoaded)
	case !prem:
		return fmt.Errorf("%w: no premises loaded; run `bbplan load premises FILE` first", ErrNothingLoaded)
	}
	return nil
}

// currentDatasetIDs is the SQL expression of what a run records in
// analysis_run.dataset_ids: per kind, the id of its current dataset (the list
// when more than one is current), so a run can be matched to the data again.
const currentDatasetIDs = `(SELECT coalesce(jsonb_object_agg(kind,
		CASE WHEN cardinality(ids) = 1 THEN to_jsonb(ids[1]) ELSE to_jsonb(ids) END), '{}')
	FROM (SELECT kind, array_agg(id ORDER BY id) AS ids FROM dataset WHERE status = 'current' GROUP BY kind) d)`

// startRun records the run with its profile, parameters and current datasets.
func startRun(ctx context.Context, db *DB, opt AnalyzeOptions) (int64, error) {
	const insertRun = `INSERT INTO analysis_run (name, profile, params, as_of, dataset_ids)
		VALUES ($1, $2, $3::jsonb, $4::date, ` + currentDatasetIDs + `) RETURNING id`
	params, err := jsonValue(map[string]any{"profile": opt.Profile, "analysis": opt.Params, "cost": opt.Cost})
	if err != nil {
		return 0, err
	}
	var id int64
	if err := db.QueryRowContext(ctx, insertRun, opt.Name, opt.Profile.Source, params, opt.AsOf.Format(time.DateOnly)).Scan(&id); err != nil {
		return 0, fmt.Errorf("creating analysis run: %w", err)
	}
	return id, nil
}

// analyzeTx writes all results of run id in one transaction.
func analyzeTx(ctx context.Context, db *DB, id int64, opt AnalyzeOptions) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &analysis{log: log, tx: tx, run: id, opt: opt,
		rules: coverage.Rules{Profile: opt.Profile, AsOf: opt.AsOf, Params: opt.Params}}
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"settings", a.settings},
		{"premises", a.premises},
		{"fixed offers", a.fixedOffers},
		{"mobile coverage", a.mobile},
		{"settlements", a.settlements},
		{"measurements", a.measurements},
		{"clustering", a.cluster},
		{"candidate areas", a.areas},
		{"premise status", a.premiseStatus},
		{"municipality statistics", a.municipalityStats},
		{"grid cells", a.cells},
		{"indexing premise status", func(ctx context.Context) error { return a.attach(ctx, "premise_status") }},
	}
	for _, s := range steps {
		t0 := time.Now()
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		log.Debug("analysis step", "run", id, "step", s.name, "elapsed", time.Since(t0).Round(time.Millisecond))
	}
	t0 := time.Now()
	if err := CostAreas(ctx, tx, id, opt.Cost, opt.Profile.Target.DownMbps, opt.Profile.Target.UpMbps); err != nil {
		return fmt.Errorf("costing areas: %w", err)
	}
	log.Debug("analysis step", "run", id, "step", "costing areas", "elapsed", time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	if err := a.finish(ctx); err != nil {
		return err
	}
	log.Debug("analysis step", "run", id, "step", "summary", "elapsed", time.Since(t0).Round(time.Millisecond))
	if err := Audit(ctx, tx, opt.Actor, "analyze", fmt.Sprintf("analysis_run:%d", id),
		map[string]any{"profile": opt.Profile.Source, "as_of": opt.AsOf.Format(time.DateOnly)}); err != nil {
		return err
	}
	return tx.Commit()
}

// analysis is one run's transaction and settings while its steps execute.
type analysis struct {
	log   *slog.Logger
	tx    *sql.Tx
	run   int64
	srid  int
	opt   AnalyzeOptions
	rules coverage.Rules
}

func (a *analysis) exec(ctx context.Context, query string, args ...any) error {
	t0 := time.Now()
	_, err := a.tx.ExecContext(ctx, query, args...)
	// Slow statements are logged to find what a step spends its time on.
	if d := time.Since(t0); d > 50*time.Millisecond {
		head := strings.Join(strings.Fields(query), " ")
		a.log.Debug("analysis statement", "run", a.run, "sql", head[:min(len(head), 70)], "elapsed", d.Round(time.Millisecond))
	}
	return err
}

// execAll runs statements without parameters in order.
func (a *analysis) execAll(ctx context.Context, queries ...string) error {
	for _, q := range queries {
		if err := a.exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func (a *analysis) settings(ctx context.Context) error {
	// The working SRID as migrated, which a DB opened before migrating lacks.
	if err := a.tx.QueryRowContext(ctx, `SELECT value::int FROM bbplan_setting WHERE key = 'srid'`).Scan(&a.srid); err != nil {
		return fmt.Errorf("working SRID: %w", err)
	}
	// Large sorts and hashes of the per-premise tables stay in memory.
	return a.execAll(ctx, `SET LOCAL work_mem = '256MB'`, `SET LOCAL maintenance_work_mem = '256MB'`,
		// JIT compiles the wide per-premise expressions for seconds and gains nothing here.
		`SET LOCAL jit = off`)
}

// premises copies the premises in spatial order, assigning a municipality
// where the load left none.
func (a *analysis) premises(ctx context.Context) error {
	const createAP = `CREATE TEMP TABLE ap ON COMMIT DROP AS
		SELECT p.id, p.geom, p.households, p.workplaces, p.kind, p.anchor,
			COALESCE(p.kommun_code, (SELECT m.code FROM municipality m
				WHERE ST_Intersects(m.geom, p.geom) ORDER BY m.code LIMIT 1)) AS kommun_code,
			(pp.premise_id IS NOT NULL) AS priority
		FROM premise p LEFT JOIN premise_priority pp ON pp.premise_id = p.id
		ORDER BY p.geom`
	if err := a.analyzeInputs(ctx); err != nil {
		return err
	}
	return a.execAll(ctx, createAP, `ANALYZE ap`)
}

// analyzeInputs gathers planner statistics on input tables changed since
// their last ANALYZE: a freshly loaded table without them gets nested-loop
// plans that take minutes instead of seconds.
func (a *analysis) analyzeInputs(ctx context.Context) error {
	const stale = `SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema()
		AND (n_mod_since_analyze > 0 OR coalesce(last_analyze, last_autoanalyze) IS NULL)`
	inputs := map[string]string{ // allow-list: name -> statement
		"municipality": `ANALYZE municipality`, "premise": `ANALYZE premise`, "premise_priority": `ANALYZE premise_priority`,
		"fixed_offer": `ANALYZE fixed_offer`, "mobile_coverage": `ANALYZE mobile_coverage`, "settlement": `ANALYZE settlement`,
		"measurement": `ANALYZE measurement`, "fiber_node": `ANALYZE fiber_node`,
	}
	rows, err := a.tx.QueryContext(ctx, stale)
	if err != nil {
		return err
	}
	var todo []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		if stmt, ok := inputs[name]; ok {
			todo = append(todo, stmt)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return a.execAll(ctx, todo...)
}

// fixedOffers finds the offers reaching each premise (tied to it, or a
// subdivided coverage polygon over it) and aggregates them by the profile's
// rules, the same as coverage.Rules.Classify.
func (a *analysis) fixedOffers(ctx context.Context) error {
	const createSub = `CREATE TEMP TABLE fo_sub ON COMMIT DROP AS
		SELECT id AS offer_id, ST_Subdivide(geom, 128) AS geom FROM fixed_offer WHERE geom IS NOT NULL`
	const createPO = `CREATE TEMP TABLE po ON COMMIT DROP AS
		SELECT DISTINCT premise_id, offer_id FROM (
			SELECT f.premise_id, f.id AS offer_id FROM fixed_offer f JOIN ap ON ap.id = f.premise_id
			UNION ALL
			SELECT p.id, s.offer_id FROM fo_sub s JOIN premise p ON ST_Intersects(s.geom, p.geom)
		) o`
	// o: every offer with the rule's flags; pb: the best counted offer,
	// ordered as coverage.Rules orders offers; pf: the per-premise aggregates
	// with the best offer, so that classifying joins one table, not two.
	const createPF = `CREATE TEMP TABLE o ON COMMIT DROP AS
		SELECT po.premise_id, f.provider, f.technology, f.down_mbps, f.up_mbps,
			f.status = 'planned' AS planned,
			f.technology = ANY ($1::text[]) AND (f.status = 'available' OR
				($2 AND f.planned_year > 0 AND f.planned_year <= $3)) AS counted,
			(f.down_mbps >= $4 AND f.up_mbps >= $5 AND ($6 <= 0 OR f.latency_ms IS NULL OR f.latency_ms <= $6)) AS meets,
			(f.down_mbps >= $7 AND f.up_mbps >= $8 AND ($9 <= 0 OR f.latency_ms IS NULL OR f.latency_ms <= $9)) AS lower_ok,
			(f.technology = 'fiber' AND f.status = 'available') AS fiber_now
		FROM po JOIN fixed_offer f ON f.id = po.offer_id`
	const aggPF = `CREATE TEMP TABLE pf ON COMMIT DROP AS
		SELECT a.*, pb.provider, pb.technology, pb.down_mbps, pb.up_mbps, pb.planned FROM (
			SELECT premise_id,
				count(DISTINCT provider) FILTER (WHERE counted AND meets AND NOT planned) AS networks_now,
				count(DISTINCT provider) FILTER (WHERE counted AND meets) AS networks_planned,
				max(down_mbps) FILTER (WHERE counted AND NOT planned) AS best_avail,
				coalesce(bool_or(lower_ok) FILTER (WHERE counted AND NOT planned), false) AS lower_ok,
				bool_or(fiber_now) AS fiber_now
			FROM o GROUP BY premise_id
		) a LEFT JOIN pb USING (premise_id)`
	const bestPB = `CREATE TEMP TABLE pb ON COMMIT DROP AS
		SELECT DISTINCT ON (premise_id) premise_id, provider, technology, down_mbps, up_mbps, planned
		FROM o WHERE counted
		ORDER BY premise_id, meets DESC, down_mbps DESC, up_mbps DESC, planned, provider COLLATE "C", technology COLLATE "C"`
	p := a.opt.Profile
	if err := a.execAll(ctx, createSub, createPO); err != nil {
		return err
	}
	if err := a.exec(ctx, createPF, pq.Array(p.Technologies), p.Planned.Count, a.rules.HorizonYear(),
		p.Target.DownMbps, p.Target.UpMbps, p.Target.MaxLatencyMs,
		p.Unserved.DownMbps, p.Unserved.UpMbps, p.Unserved.MaxLatencyMs); err != nil {
		return err
	}
	return a.execAll(ctx, bestPB, aggPF, `ANALYZE pf`)
}

// mobile finds the fastest mobile coverage over each premise. Overlapping
// operator polygons are never joined raw: they are dissolved per speed
// class, each class minus the faster ones, and subdivided, so a premise meets
// about one small piece instead of ~20 large polygons.
func (a *analysis) mobile(ctx context.Context) error {
	const dissolve = `CREATE TEMP TABLE mob ON COMMIT DROP AS
		WITH cls AS MATERIALIZED (
			SELECT down_mbps, ST_Union(geom) AS g FROM mobile_coverage WHERE indoor OR NOT $1 GROUP BY down_mbps
		)
		SELECT c.down_mbps, ST_Subdivide(coalesce(ST_Difference(c.g,
			(SELECT ST_Union(h.g) FROM cls h WHERE h.down_mbps > c.down_mbps)), c.g), 64) AS geom
		FROM cls c`
	// A premise on the border of two pieces meets both; the faster wins.
	const best = `CREATE TEMP TABLE pm ON COMMIT DROP AS
		SELECT p.id AS premise_id, max(m.down_mbps) AS best_mobile
		FROM mob m JOIN premise p ON ST_Intersects(m.geom, p.geom) GROUP BY p.id`
	if err := a.exec(ctx, dissolve, a.opt.Profile.Mobile.IndoorOnly); err != nil {
		return err
	}
	return a.execAll(ctx, `ANALYZE mob`, best, `ANALYZE pm`)
}

// settlements marks premises inside settlement polygons (border included)
// or, when only points are loaded, within the settlement distance of one.
func (a *analysis) settlements(ctx context.Context) error {
	const hasPolygons = `SELECT EXISTS (SELECT 1 FROM settlement WHERE GeometryType(geom) <> 'POINT')`
	const inPolygon = `CREATE TEMP TABLE pset ON COMMIT DROP AS
		SELECT DISTINCT p.id AS premise_id
		FROM (SELECT ST_Subdivide(geom, 128) AS geom FROM settlement WHERE GeometryType(geom) <> 'POINT') s
		JOIN premise p ON ST_Intersects(s.geom, p.geom)`
	const nearPoint = `CREATE TEMP TABLE pset ON COMMIT DROP AS
		SELECT DISTINCT p.id AS premise_id
		FROM settlement s JOIN premise p ON ST_DWithin(s.geom, p.geom, $1)`
	var polygons bool
	if err := a.tx.QueryRowContext(ctx, hasPolygons).Scan(&polygons); err != nil {
		return err
	}
	var err error
	if polygons {
		err = a.exec(ctx, inPolygon)
	} else {
		err = a.exec(ctx, nearPoint, a.opt.Params.SettlementDistanceM)
	}
	if err != nil {
		return err
	}
	return a.exec(ctx, `ANALYZE pset`)
}

// measurements takes the median measured download per premise over the
// measurements linked to it or unlinked and near it.
func (a *analysis) measurements(ctx context.Context) error {
	const median = `CREATE TEMP TABLE pmeas ON COMMIT DROP AS
		SELECT premise_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY down_mbps) AS median_down, sum(tests) AS tests
		FROM (
			SELECT m.premise_id, m.down_mbps, m.tests FROM measurement m JOIN ap ON ap.id = m.premise_id
			UNION ALL
			SELECT p.id, m.down_mbps, m.tests FROM measurement m JOIN premise p ON ST_DWithin(m.geom, p.geom, $1)
			WHERE m.premise_id IS NULL
		) x GROUP BY premise_id`
	if err := a.exec(ctx, median, a.opt.Params.MeasurementRadiusM); err != nil {
		return err
	}
	// The key lets the planner drop the join where disputes are not needed.
	return a.execAll(ctx, `ALTER TABLE pmeas ADD PRIMARY KEY (premise_id)`, `ANALYZE pmeas`)
}

// classified applies the profile's rule to every premise, as
// coverage.Rules.Classify does, with the same reason wording. The
// clustering writes it once to the temporary table cls, from which the
// clustering and the premise_status insert both read: computing it twice
// (its joins and reasons over every premise) costs more than the write.
// Its parameters come from classifyArgs.
const classified = `(
		WITH b AS (
			SELECT ap.*, coalesce(pf.networks_now, 0)::int AS nn, coalesce(pf.networks_planned, 0)::int AS np,
				pf.best_avail, coalesce(pf.lower_ok, false) AS lower_ok, coalesce(pf.fiber_now, false) AS fiber_now,
				pf.provider AS best_provider, pf.technology AS best_tech, pf.down_mbps AS best_down,
				pf.up_mbps AS best_up, coalesce(pf.planned, false) AS best_planned,
				pm.best_mobile, coalesce(pm.best_mobile >= $1, false) AS mobile_ok,
				pset.premise_id IS NOT NULL AS in_settlement,
				coalesce(pmeas.tests >= $2 AND pf.best_avail > 0 AND pmeas.median_down < $3 * pf.best_avail, false) AS disputed
			FROM ap
			LEFT JOIN pf ON pf.premise_id = ap.id
			LEFT JOIN pm ON pm.premise_id = ap.id
			LEFT JOIN pset ON pset.premise_id = ap.id
			LEFT JOIN pmeas ON pmeas.premise_id = ap.id
		), c AS (
			SELECT b.*,
				CASE $4
				WHEN 'providers' THEN CASE WHEN np = 0 THEN 'white' WHEN np = 1 THEN 'grey' ELSE 'black' END
				WHEN 'underserved' THEN CASE WHEN nn > 0 THEN 'served' WHEN lower_ok THEN 'underserved' ELSE 'unserved' END
				ELSE CASE WHEN nn > 0 THEN 'served' WHEN np > 0 THEN 'planned' ELSE 'unserved' END
				END AS class,
				coalesce(($5::float8[])[width_bucket(b.best_avail, $5::float8[])], 0)::int AS tier,
				nn = 0 AND NOT mobile_ok AS double_gap
			FROM b
		), e AS (
			SELECT c.*, class = ANY ($6::text[]) AND NOT ($7 AND in_settlement) AS eligible FROM c
		)
		SELECT e.*, concat_ws('; ',
			replace(replace($8::jsonb ->> class, '{now}', nn::text), '{planned}', np::text),
			CASE WHEN best_provider IS NULL THEN $9
			ELSE replace(replace(replace(replace($10, '{provider}', best_provider), '{technology}', best_tech),
				'{down}', trim_scale(round(best_down::numeric, 1))::text), '{up}', trim_scale(round(best_up::numeric, 1))::text)
				|| CASE WHEN best_planned THEN $11 ELSE '' END
			END,
			CASE WHEN $7 AND in_settlement THEN $12 END,
			CASE WHEN double_gap THEN $13 END,
			CASE WHEN disputed THEN $14 END) AS reason
		FROM e
	)`

// classifyArgs are the parameters $1 to $14 of classified.
func (a *analysis) classifyArgs() ([]any, error) {
	p := a.opt.Profile
	t := a.rules.Reasons()
	// width_bucket counts the ascending thresholds at or below the best
	// download; that count indexes the same array.
	ascending := make([]float64, len(p.Tiers))
	for i, tier := range p.Tiers {
		ascending[len(p.Tiers)-1-i] = float64(tier)
	}
	classes, err := jsonValue(t.Class)
	if err != nil {
		return nil, err
	}
	return []any{p.Mobile.DownMbps, a.opt.Params.DisputedMinTests, a.opt.Params.DisputedFraction,
		p.Rule, pq.Array(ascending), pq.Array(p.EligibleClasses()), p.ExcludeSettlements,
		classes, t.NoBest, t.Best, t.Planned, t.Settlement, t.DoubleGap, t.Disputed}, nil
}

// cluster classifies the premises and clusters the eligible ones per
// municipality. cl carries what the areas sum up, so aggregating needs no
// join back.
func (a *analysis) cluster(ctx context.Context) error {
	const classify = `CREATE TEMP TABLE cls ON COMMIT DROP AS SELECT * FROM ` + classified + ` ps`
	const cluster = `CREATE TEMP TABLE cl ON COMMIT DROP AS
		SELECT id AS premise_id, kommun_code, geom, households, workplaces, anchor, double_gap, priority, class,
			ST_ClusterDBSCAN(geom, eps := $1, minpoints := 1) OVER (PARTITION BY kommun_code) AS cid
		FROM cls WHERE eligible AND kommun_code IS NOT NULL`
	args, err := a.classifyArgs()
	if err != nil {
		return err
	}
	if err := a.exec(ctx, classify, args...); err != nil {
		return err
	}
	if err := a.exec(ctx, cluster, a.opt.Params.ClusterDistanceM); err != nil {
		return err
	}
	if max := a.opt.Params.MaxAreaPremises; max > 0 {
		// A cluster above the maximum is cut into ceil(n / max) runs of
		// consecutive premises along the Hilbert curve (PostGIS orders
		// geometries by it): pieces are compact, never above the maximum and
		// the same for the same data (ties by premise id), in one sort.
		// k-means gave rounder pieces but unbalanced ones, needing repeated
		// passes, at five times the cost. Pieces are numbered after the
		// largest DBSCAN id so they stay distinct within a municipality.
		const split = `WITH big AS (
				SELECT kommun_code, cid, count(*) AS n FROM cl GROUP BY 1, 2 HAVING count(*) > $1
			), piece AS (
				SELECT c.premise_id, c.kommun_code, c.cid,
					ntile(ceil(b.n::float8 / $1)::int) OVER (PARTITION BY c.kommun_code, c.cid ORDER BY c.geom, c.premise_id) AS k
				FROM cl c JOIN big b USING (kommun_code, cid)
			), renumbered AS (
				SELECT premise_id, (SELECT max(cid) FROM cl) + dense_rank() OVER (ORDER BY kommun_code, cid, k) AS cid
				FROM piece
			)
			UPDATE cl SET cid = r.cid FROM renumbered r WHERE cl.premise_id = r.premise_id`
		if err := a.exec(ctx, split, max); err != nil {
			return err
		}
	}
	return a.exec(ctx, `ANALYZE cl`)
}

// areas clusters eligible premises per municipality and writes the candidate
// areas; clusters below the minimum size are kept as stranded areas.
func (a *analysis) areas(ctx context.Context) error {
	// The dominant class is the most frequent, the first by name on a tie
	// (as mode() picks), counted apart: an ordered-set aggregate sorts each
	// of the many small groups on its own and takes seconds.
	const aggregate = `CREATE TEMP TABLE ta ON COMMIT DROP AS
		WITH dom AS (
			SELECT DISTINCT ON (kommun_code, cid) kommun_code, cid, class
			FROM (SELECT kommun_code, cid, class, count(*) AS n FROM cl GROUP BY 1, 2, 3) x
			ORDER BY kommun_code, cid, n DESC, class
		)
		SELECT nextval(pg_get_serial_sequence('candidate_area', 'id')) AS id, x.* FROM (
			SELECT g.kommun_code, g.cid, g.premises, g.households, g.workplaces, g.anchors, g.double_gaps,
				g.priority_premises, dom.class, g.hull
			FROM (SELECT kommun_code, cid, count(*)::int AS premises,
					sum(households)::int AS households, sum(workplaces)::int AS workplaces,
					count(anchor)::int AS anchors, count(*) FILTER (WHERE double_gap)::int AS double_gaps,
					count(*) FILTER (WHERE priority)::int AS priority_premises, ST_ConvexHull(ST_Collect(geom)) AS hull
				FROM cl GROUP BY kommun_code, cid) g
			JOIN dom USING (kommun_code, cid)
			ORDER BY g.kommun_code, g.cid
		) x`
	// The feeder runs from the area's hull (0 when a node lies inside it) to
	// the nearest fibre node or, when none is loaded, to the nearest premise
	// with fibre today (fib is empty when nodes exist). The hull, not the
	// multipoint of premises: a KNN search rechecks every candidate inside the
	// box, and a few hull vertices keep each recheck cheap.
	const fib = `CREATE TEMP TABLE fib ON COMMIT DROP AS
		SELECT ap.geom FROM ap JOIN pf ON pf.premise_id = ap.id WHERE pf.fiber_now AND NOT EXISTS (SELECT 1 FROM fiber_node)`
	const insertAreas = `INSERT INTO candidate_area (id, run_id, kommun_code, stranded, premises, households,
			workplaces, anchors, double_gaps, priority_premises, class, distance_to_fiber, geom)
		SELECT ta.id, $1, ta.kommun_code, ta.premises < $2, ta.premises, ta.households, ta.workplaces,
			ta.anchors, ta.double_gaps, ta.priority_premises, ta.class,
			coalesce((SELECT ST_Distance(n.geom, ta.hull) FROM fiber_node n ORDER BY n.geom <-> ta.hull LIMIT 1),
				(SELECT ST_Distance(f.geom, ta.hull) FROM fib f ORDER BY f.geom <-> ta.hull LIMIT 1)),
			ST_Multi(ST_Buffer(ta.hull, $3))
		FROM ta`
	if err := a.execAll(ctx, aggregate, `ANALYZE ta`,
		fib, `CREATE INDEX ON fib USING gist (geom)`, `ANALYZE fib`); err != nil {
		return err
	}
	return a.exec(ctx, insertAreas, a.run, a.opt.Params.MinAreaPremises, a.opt.Params.AreaBufferM)
}

// premiseStatus writes one row per premise with its area.
func (a *analysis) premiseStatus(ctx context.Context) error {
	const insertPS = `INSERT INTO premise_status_new (run_id, premise_id, kommun_code, geom, households, workplaces,
			kind, anchor, priority, best_down, best_up, best_tech, best_provider, best_planned,
			networks_now, networks_planned, best_mobile_down, tier, class, eligible, mobile_ok,
			double_gap, disputed, in_settlement, area_id, reason)
		SELECT $1, ps.id, ps.kommun_code, ps.geom, ps.households, ps.workplaces, ps.kind, ps.anchor,
			ps.priority, ps.best_down, ps.best_up, ps.best_tech, ps.best_provider, ps.best_planned,
			ps.nn, ps.np, ps.best_mobile, ps.tier, ps.class, ps.eligible, ps.mobile_ok,
			ps.double_gap, ps.disputed, ps.in_settlement, ta.id, ps.reason
		FROM cls ps LEFT JOIN cl ON cl.premise_id = ps.id
		LEFT JOIN ta ON ta.kommun_code = cl.kommun_code AND ta.cid = cl.cid`
	if err := a.stage(ctx, "premise_status"); err != nil {
		return err
	}
	return a.exec(ctx, insertPS, a.run)
}

// stage creates parent_new for the run's rows of a table partitioned by run
// (parent is premise_status or cell_stat). It has no indexes: attach turns
// the filled table into the run's partition, indexed in one pass, since
// index upkeep row by row costs several times the insert. Its CHECK matches
// the partition bound, so attaching need not scan it. Run ids are integers:
// formatting them into DDL, which takes no parameters, is safe.
func (a *analysis) stage(ctx context.Context, parent string) error {
	if err := partitioned(parent); err != nil {
		return err
	}
	return a.exec(ctx, fmt.Sprintf(`CREATE TABLE %s_new (LIKE %s INCLUDING DEFAULTS, CONSTRAINT run CHECK (run_id = %d))`,
		parent, parent, a.run))
}

// attach makes parent_new the run's partition of parent.
func (a *analysis) attach(ctx context.Context, parent string) error {
	if err := partitioned(parent); err != nil {
		return err
	}
	part := pq.QuoteIdentifier(fmt.Sprintf("%s_r%d", parent, a.run))
	return a.execAll(ctx, fmt.Sprintf(`ALTER TABLE %s_new RENAME TO %s`, parent, part),
		fmt.Sprintf(`ALTER TABLE %s ATTACH PARTITION %s FOR VALUES IN (%d)`, parent, part, a.run),
		fmt.Sprintf(`ALTER TABLE %s DROP CONSTRAINT run`, part))
}

// partitioned is the allow-list of tables partitioned by run.
func partitioned(table string) error {
	switch table {
	case "premise_status", "cell_stat":
		return nil
	}
	return fmt.Errorf("%s is not partitioned by run", table)
}

// municipalityStats aggregates per municipality, with every tier and class
// present (zero when empty) so readers need no defaults.
func (a *analysis) municipalityStats(ctx context.Context) error {
	const insertMS = `INSERT INTO municipality_stat (run_id, kommun_code, premises, households, workplaces,
			premises_target, households_target, workplaces_target, eligible_premises, eligible_households,
			eligible_workplaces, mobile_ok, double_gaps, disputed, tiers, classes)
		WITH g AS MATERIALIZED (
			-- One pass over the premises; the rest sums these few groups.
			SELECT kommun_code, tier, class, count(*) AS p, sum(households) AS h, sum(workplaces) AS w,
				count(*) FILTER (WHERE networks_now > 0) AS pt, sum(households) FILTER (WHERE networks_now > 0) AS ht,
				sum(workplaces) FILTER (WHERE networks_now > 0) AS wt,
				count(*) FILTER (WHERE eligible) AS pe, sum(households) FILTER (WHERE eligible) AS he,
				sum(workplaces) FILTER (WHERE eligible) AS we,
				count(*) FILTER (WHERE mobile_ok) AS mob, count(*) FILTER (WHERE double_gap) AS dg,
				count(*) FILTER (WHERE disputed) AS disp
			FROM premise_status_new WHERE kommun_code IS NOT NULL GROUP BY 1, 2, 3
		), base AS (
			SELECT code AS kommun_code FROM municipality
			UNION SELECT kommun_code FROM g
		), agg AS (
			SELECT kommun_code, sum(p) AS premises, sum(h) AS households, sum(w) AS workplaces,
				sum(pt) AS pt, sum(ht) AS ht, sum(wt) AS wt, sum(pe) AS pe, sum(he) AS he, sum(we) AS we,
				sum(mob) AS mob, sum(dg) AS dg, sum(disp) AS disp
			FROM g GROUP BY kommun_code
		), tc AS (
			SELECT g.kommun_code, t, sum(g.p) AS p, sum(g.h) AS h, sum(g.w) AS w
			FROM g JOIN unnest($2::int[]) t ON g.tier >= t GROUP BY 1, 2
		), tj AS (
			SELECT b.kommun_code, jsonb_object_agg(t::text, jsonb_build_object('premises', coalesce(tc.p, 0),
				'households', coalesce(tc.h, 0), 'workplaces', coalesce(tc.w, 0))) AS j
			FROM base b CROSS JOIN unnest($2::int[]) t LEFT JOIN tc USING (kommun_code, t) GROUP BY b.kommun_code
		), cc AS (
			SELECT kommun_code, class AS c, sum(p) AS p, sum(h) AS h, sum(w) AS w FROM g GROUP BY 1, 2
		), cj AS (
			SELECT b.kommun_code, jsonb_object_agg(c, jsonb_build_object('premises', coalesce(cc.p, 0),
				'households', coalesce(cc.h, 0), 'workplaces', coalesce(cc.w, 0))) AS j
			FROM base b CROSS JOIN unnest($3::text[]) c LEFT JOIN cc USING (kommun_code, c) GROUP BY b.kommun_code
		)
		SELECT $1, b.kommun_code, coalesce(premises, 0), coalesce(households, 0), coalesce(workplaces, 0),
			coalesce(pt, 0), coalesce(ht, 0), coalesce(wt, 0), coalesce(pe, 0), coalesce(he, 0), coalesce(we, 0),
			coalesce(mob, 0), coalesce(dg, 0), coalesce(disp, 0), coalesce(tj.j, '{}'), coalesce(cj.j, '{}')
		FROM base b LEFT JOIN agg USING (kommun_code) LEFT JOIN tj USING (kommun_code) LEFT JOIN cj USING (kommun_code)`
	p := a.opt.Profile
	return a.exec(ctx, insertMS, a.run, pq.Array(p.Tiers), pq.Array(p.Classes()))
}

// cells aggregates to the SCB 1 km and 250 m grids in SWEREF99 TM and, when
// the working SRID is another, to the INSPIRE 1 km grid in EPSG:3035. SCB
// writes a cell id as the 6-digit x and 7-digit y of its lower-left corner.
func (a *analysis) cells(ctx context.Context) error {
	// The 250 m cells are counted once from the points and rolled up to 1 km.
	const insertCells = `INSERT INTO cell_stat_new (run_id, grid, cell_id, geom, premises, households, workplaces,
			premises_target, eligible, double_gaps, share_target)
		WITH pt AS (
			SELECT ST_X(g) AS x, ST_Y(g) AS y, households, workplaces, networks_now > 0 AS ok, eligible, double_gap
			FROM (SELECT ST_Transform(geom, 3006) AS g, * FROM premise_status_new ps) s
		), c250 AS (
			SELECT floor(x / 250)::bigint AS ix, floor(y / 250)::bigint AS iy, count(*) AS p, sum(households) AS h,
				sum(workplaces) AS w, count(*) FILTER (WHERE ok) AS t, count(*) FILTER (WHERE eligible) AS e,
				count(*) FILTER (WHERE double_gap) AS d
			FROM pt GROUP BY 1, 2
		), cells AS (
			SELECT 'scb250m' AS grid, 250 AS size, 3006 AS srid, ix * 250 AS cx, iy * 250 AS cy, p, h, w, t, e, d FROM c250
			UNION ALL
			SELECT 'scb1km', 1000, 3006, floor(ix / 4.0)::bigint * 1000, floor(iy / 4.0)::bigint * 1000,
				sum(p), sum(h), sum(w), sum(t), sum(e), sum(d)
			FROM c250 GROUP BY floor(ix / 4.0), floor(iy / 4.0)
			UNION ALL
			SELECT 'inspire1km', 1000, 3035, floor(ST_X(g) / 1000)::bigint * 1000, floor(ST_Y(g) / 1000)::bigint * 1000,
				count(*), sum(households), sum(workplaces), count(*) FILTER (WHERE networks_now > 0),
				count(*) FILTER (WHERE eligible), count(*) FILTER (WHERE double_gap)
			FROM (SELECT ST_Transform(geom, 3035) AS g, * FROM premise_status_new ps WHERE $3) s GROUP BY 4, 5
		)
		SELECT $1, grid,
			CASE WHEN grid = 'inspire1km' THEN 'CRS3035RES1000mN' || cy || 'E' || cx
			ELSE lpad(cx::text, 6, '0') || lpad(cy::text, 7, '0') END,
			ST_Transform(ST_MakeEnvelope(cx, cy, cx + size, cy + size, srid), $2::int),
			p, h, w, t, e, d, t::float8 / p
		FROM cells`
	if err := a.stage(ctx, "cell_stat"); err != nil {
		return err
	}
	if err := a.exec(ctx, insertCells, a.run, a.srid, a.srid != 3006); err != nil {
		return err
	}
	return a.attach(ctx, "cell_stat")
}

// finish stores the summary and marks the run done.
func (a *analysis) finish(ctx context.Context) error {
	const summarize = `UPDATE analysis_run SET status = 'done', finished_at = clock_timestamp(), summary = (
		SELECT jsonb_build_object(
			'premises', count(*), 'households', coalesce(sum(households), 0), 'workplaces', coalesce(sum(workplaces), 0),
			'eligible', count(*) FILTER (WHERE eligible), 'double_gaps', count(*) FILTER (WHERE double_gap),
			'disputed', count(*) FILTER (WHERE disputed),
			'areas', (SELECT count(*) FROM ta WHERE premises >= $2),
			'stranded', (SELECT count(*) FROM ta WHERE premises < $2),
			'classes', (SELECT jsonb_object_agg(c, jsonb_build_object('premises', coalesce(p, 0),
				'households', coalesce(h, 0), 'workplaces', coalesce(w, 0)))
				FROM unnest($3::text[]) c LEFT JOIN (SELECT class AS c, count(*) AS p, sum(households) AS h,
					sum(workplaces) AS w FROM premise_status WHERE run_id = $1 GROUP BY class) x USING (c)))
		FROM premise_status WHERE run_id = $1) WHERE id = $1`
	return a.exec(ctx, summarize, a.run, a.opt.Params.MinAreaPremises, pq.Array(a.opt.Profile.Classes()))
}

const selectRuns = `SELECT id, name, profile, as_of::text, status, started_at, finished_at, created_by, dataset_ids, summary
	FROM analysis_run`

// GetRun reads one analysis run.
func GetRun(ctx context.Context, db *DB, id int64) (Run, error) {
	runs, err := queryRuns(ctx, db, selectRuns+` WHERE id = $1`, id)
	if err != nil {
		return Run{}, err
	}
	if len(runs) == 0 {
		return Run{}, fmt.Errorf("analysis run %d: not found", id)
	}
	return runs[0], nil
}

// Runs lists the analysis runs, newest first.
func Runs(ctx context.Context, db *DB) ([]Run, error) {
	return queryRuns(ctx, db, selectRuns+` ORDER BY id DESC`)
}

func queryRuns(ctx context.Context, db *DB, query string, args ...any) ([]Run, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("analysis runs: %w", err)
	}
	defer rows.Close()
	var runs []Run
	for rows.Next() {
		var r Run
		var summary []byte
		if err := rows.Scan(&r.ID, &r.Name, &r.Profile, &r.AsOf, &r.Status, &r.StartedAt, &r.FinishedAt, &r.CreatedBy, &r.DatasetIDs, &summary); err != nil {
			return nil, fmt.Errorf("analysis runs: %w", err)
		}
		if err := json.Unmarshal(summary, &r.Summary); err != nil {
			return nil, fmt.Errorf("analysis run %d summary: %w", r.ID, err)
		}
		runs = append(runs, r)
	}
	return runs, rows.Err()
}

// MunicipalitySummary is one municipality's counts per class in a run.
type MunicipalitySummary struct {
	Code     string                `json:"code"`
	Name     string                `json:"name"`
	Premises int64                 `json:"premises"`
	Eligible int64                 `json:"eligible"`
	Classes  map[string]ClassCount `json:"classes"`
}

// MunicipalitySummaries reads the per-municipality class counts of a run.
func MunicipalitySummaries(ctx context.Context, db *DB, runID int64) ([]MunicipalitySummary, error) {
	const q = `SELECT s.kommun_code, coalesce(m.name, ''), s.premises, s.eligible_premises, s.classes
		FROM municipality_stat s LEFT JOIN municipality m ON m.code = s.kommun_code
		WHERE s.run_id = $1 ORDER BY s.kommun_code`
	rows, err := db.QueryContext(ctx, q, runID)
	if err != nil {
		return nil, fmt.Errorf("municipality statistics of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []MunicipalitySummary
	for rows.Next() {
		var m MunicipalitySummary
		var classes []byte
		if err := rows.Scan(&m.Code, &m.Name, &m.Premises, &m.Eligible, &classes); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(classes, &m.Classes); err != nil {
			return nil, fmt.Errorf("municipality %s classes: %w", m.Code, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
