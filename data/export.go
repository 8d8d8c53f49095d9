package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"github.com/bbplan/bbplan/geo"
	"github.com/paulmach/orb/encoding/wkb"
)

// exportLayer is one result layer that bbplan export writes: its query
// (geometry as WKB first, then the fields in order; $1 the run or scenario
// id, $2 the output SRID) and its columns.
type exportLayer struct {
	geometry string
	scenario bool // keyed by scenario id rather than run id
	query    string
	fields   []geo.FieldDef
}

// exportFields defines columns of one kind.
func exportFields(kind geo.FieldKind, names ...string) []geo.FieldDef {
	out := make([]geo.FieldDef, len(names))
	for i, n := range names {
		out[i] = geo.FieldDef{Name: n, Kind: kind}
	}
	return out
}

// exportJoin concatenates column lists in order.
func exportJoin(parts ...[]geo.FieldDef) []geo.FieldDef {
	var out []geo.FieldDef
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

const exportPremises = `
SELECT ST_AsBinary(ST_Transform(geom, $2::int)), premise_id, kommun_code, kind, anchor, best_tech, best_provider,
       class, reason, households, workplaces, networks_now, networks_planned, tier, area_id,
       best_down, best_up, best_mobile_down,
       priority, best_planned, eligible, mobile_ok, double_gap, disputed, in_settlement
FROM premise_status WHERE run_id = $1 ORDER BY premise_id`

const exportAreas = `
SELECT ST_AsBinary(ST_Transform(a.geom, $2::int)), a.id, a.kommun_code, a.class, c.option,
       a.premises, a.households, a.workplaces, a.anchors, a.double_gaps, a.priority_premises,
       a.distance_to_fiber, c.low, c.expected, c.high, c.subsidy, a.stranded
FROM candidate_area a LEFT JOIN area_cost c ON c.area_id = a.id AND c.chosen
WHERE a.run_id = $1 ORDER BY a.id`

const exportCells = `
SELECT ST_AsBinary(ST_Transform(geom, $2::int)), grid, cell_id, premises, households, workplaces,
       premises_target, eligible, double_gaps, share_target
FROM cell_stat WHERE run_id = $1 ORDER BY grid, cell_id`

const exportMunicipalities = `
SELECT ST_AsBinary(ST_Transform(m.geom, $2::int)), s.kommun_code, m.name, s.tiers::text, s.classes::text,
       s.premises, s.households, s.workplaces, s.premises_target, s.households_target, s.workplaces_target,
       s.eligible_premises, s.eligible_households, s.eligible_workplaces, s.mobile_ok, s.double_gaps, s.disputed,
       s.premises_target::float8 / NULLIF(s.premises, 0)
FROM municipality_stat s LEFT JOIN municipality m ON m.code = s.kommun_code
WHERE s.run_id = $1 ORDER BY s.kommun_code`

const exportScenario = `
SELECT ST_AsBinary(ST_Transform(a.geom, $2::int)), sa.rank, sa.area_id, a.premises, a.households, a.workplaces,
       a.kommun_code, sa.cost_option, sa.rule, sa.explanation::text,
       sa.score, sa.ranking_amount, sa.subsidy, sa.running_budget, sa.selected
FROM scenario_area sa JOIN candidate_area a ON a.id = sa.area_id
WHERE sa.scenario_id = $1 ORDER BY sa.rank, sa.area_id`

// exportLayers are the layers by name (the allow-list of bbplan export).
func exportLayers() map[string]exportLayer {
	return map[string]exportLayer{
		"premises": {geometry: "POINT", query: exportPremises, fields: exportJoin(
			exportFields(geo.FieldString, "premise_id", "kommun_code", "kind", "anchor", "best_tech", "best_provider", "class", "reason"),
			exportFields(geo.FieldInt, "households", "workplaces", "networks_now", "networks_planned", "tier", "area_id"),
			exportFields(geo.FieldFloat, "best_down", "best_up", "best_mobile_down"),
			exportFields(geo.FieldBool, "priority", "best_planned", "eligible", "mobile_ok", "double_gap", "disputed", "in_settlement"))},
		"areas": {geometry: "MULTIPOLYGON", query: exportAreas, fields: exportJoin(
			exportFields(geo.FieldInt, "area_id"),
			exportFields(geo.FieldString, "kommun_code", "class", "cost_option"),
			exportFields(geo.FieldInt, "premises", "households", "workplaces", "anchors", "double_gaps", "priority_premises"),
			exportFields(geo.FieldFloat, "distance_to_fiber", "cost_low", "cost_expected", "cost_high", "subsidy"),
			exportFields(geo.FieldBool, "stranded"))},
		"cells": {geometry: "POLYGON", query: exportCells, fields: exportJoin(
			exportFields(geo.FieldString, "grid", "cell_id"),
			exportFields(geo.FieldInt, "premises", "households", "workplaces", "premises_target", "eligible", "double_gaps"),
			exportFields(geo.FieldFloat, "share_target"))},
		"municipalities": {geometry: "MULTIPOLYGON", query: exportMunicipalities, fields: exportJoin(
			exportFields(geo.FieldString, "kommun_code", "name", "tiers", "classes"),
			exportFields(geo.FieldInt, "premises", "households", "workplaces", "premises_target", "households_target", "workplaces_target",
				"eligible_premises", "eligible_households", "eligible_workplaces", "mobile_ok", "double_gaps", "disputed"),
			exportFields(geo.FieldFloat, "share_target"))},
		"scenario": {geometry: "MULTIPOLYGON", scenario: true, query: exportScenario, fields: exportJoin(
			exportFields(geo.FieldInt, "rank", "area_id", "premises", "households", "workplaces"),
			exportFields(geo.FieldString, "kommun_code", "cost_option", "rule", "explanation"),
			exportFields(geo.FieldFloat, "score", "ranking_amount", "subsidy", "running_budget"),
			exportFields(geo.FieldBool, "selected"))},
	}
}

// ExportLayers lists the layer names Export accepts.
func ExportLayers() []string {
	var out []string
	for name := range exportLayers() {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// ExportUsesScenario reports whether layer is keyed by a scenario id (the
// others by an analysis run id).
func ExportUsesScenario(layer string) bool { return exportLayers()[layer].scenario }

// ExportSchema is the schema of layer with geometries in srid.
func ExportSchema(layer string, srid int) (geo.LayerSchema, error) {
	l, ok := exportLayers()[layer]
	if !ok {
		return geo.LayerSchema{}, fmt.Errorf("export: unknown layer %q (one of %v)", layer, ExportLayers())
	}
	return geo.LayerSchema{Name: layer, GeometryType: l.geometry, SRID: srid, Fields: l.fields}, nil
}

// errNoResult is returned for a run or scenario that does not exist.
var errNoResult = errors.New("not found")

// ExportDefaultID returns the id Export uses for layer when none is given:
// the newest scenario for the scenario layer, the newest finished analysis
// run for the others.
func ExportDefaultID(ctx context.Context, db *DB, layer string) (int64, error) {
	const latestRun = `SELECT id FROM analysis_run WHERE status = 'done' ORDER BY id DESC LIMIT 1`
	const latestScenario = `SELECT id FROM scenario ORDER BY id DESC LIMIT 1`
	q, what := latestRun, "analysis run"
	if ExportUsesScenario(layer) {
		q, what = latestScenario, "scenario"
	}
	var id int64
	err := db.QueryRowContext(ctx, q).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("export %s: no %s yet: %w", layer, what, errNoResult)
	}
	if err != nil {
		return 0, fmt.Errorf("export %s: latest %s: %w", layer, what, err)
	}
	return id, nil
}

// checkExportID checks that the run or scenario id exists.
func checkExportID(ctx context.Context, db *DB, scenario bool, id int64) error {
	const runExists = `SELECT EXISTS (SELECT 1 FROM analysis_run WHERE id = $1)`
	const scenarioExists = `SELECT EXISTS (SELECT 1 FROM scenario WHERE id = $1)`
	q, what := runExists, "analysis run"
	if scenario {
		q, what = scenarioExists, "scenario"
	}
	var ok bool
	if err := db.QueryRowContext(ctx, q, id).Scan(&ok); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if !ok {
		return fmt.Errorf("export: %s %d: %w", what, id, errNoResult)
	}
	return nil
}

// Export streams layer of the run (or scenario) id to w with geometries in
// srid, and returns the number of features written. Memory stays flat: rows
// are written as they arrive.
func Export(ctx context.Context, db *DB, layer string, id int64, srid int, w geo.Writer) (int, error) {
	l, ok := exportLayers()[layer]
	if !ok {
		return 0, fmt.Errorf("export: unknown layer %q (one of %v)", layer, ExportLayers())
	}
	if err := checkExportID(ctx, db, l.scenario, id); err != nil {
		return 0, err
	}
	rows, err := db.QueryContext(ctx, l.query, id, srid)
	if err != nil {
		return 0, fmt.Errorf("export %s: %w", layer, err)
	}
	defer rows.Close()
	vals := make([]any, len(l.fields)+1)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	f := &geo.Feature{Properties: make(map[string]any, len(l.fields))}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("export %s: %w", layer, err)
		}
		f.Geometry = nil
		if b, ok := vals[0].([]byte); ok {
			if f.Geometry, err = wkb.Unmarshal(b); err != nil {
				return n, fmt.Errorf("export %s: row %d: %w", layer, n+1, err)
			}
		}
		for i, fd := range l.fields {
			v := vals[i+1]
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			f.Properties[fd.Name] = v
		}
		n++
		f.Index = n
		if err := w.Write(f); err != nil {
			return n, fmt.Errorf("export %s: %w", layer, err)
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export %s: %w", layer, err)
	}
	return n, nil
}
