package data

import (
	"context"
	"fmt"
)

// Tile layers. Each query takes $1 z, $2 x, $3 y, $4 working SRID, $5 run,
// $6 scenario (0: none), $7 municipality filter for premise-level rows (” for
// none), $8 operator plans allowed, $9 grid, and returns one MVT layer.
//
// Rows are filtered in the working SRID against the tile envelope (segmented,
// transformed once, expanded by the tile buffer) so that the GiST index is
// used; only the rows inside are transformed to Web Mercator.
const tileEnvelope = `WITH t AS (SELECT ST_TileEnvelope($1::int, $2::int, $3::int) AS e),
	b AS (SELECT t.e, ST_Transform(ST_Segmentize(ST_Expand(t.e, (ST_XMax(t.e) - ST_XMin(t.e)) / 64),
		(ST_XMax(t.e) - ST_XMin(t.e)) / 8), $4::int) AS w,
		(ST_XMax(t.e) - ST_XMin(t.e)) / 8192 AS px FROM t) `

// Every layer's inner query ends in OFFSET 0 so that the outer "geometry
// is not null" test is not pushed into it, which would compute
// ST_AsMVTGeom twice per row.

// tileParams references every parameter with its type (see allParams).
const tileParams = ` AND $5::bigint = $5 AND $6::bigint = $6 AND $7::text = $7 AND $8::boolean = $8 AND $9::text = $9`

var tileLayers = map[string]string{
	"municipalities": tileEnvelope + `SELECT ST_AsMVT(q, 'municipalities', 4096, 'geom') FROM (
		SELECT ST_AsMVTGeom(ST_Transform(ST_Simplify(m.geom, b.px), 3857), b.e, 4096, 64, true) AS geom,
			m.code, m.name, s.premises, s.eligible_premises, s.double_gaps,
			round((s.premises_target::numeric / NULLIF(s.premises, 0)), 4)::float8 AS share_target
		FROM b, municipality m LEFT JOIN municipality_stat s ON s.run_id = $5 AND s.kommun_code = m.code
		WHERE m.geom && b.w` + tileParams + ` OFFSET 0) q WHERE q.geom IS NOT NULL`,
	"cells": tileEnvelope + `SELECT ST_AsMVT(q, 'cells', 4096, 'geom') FROM (
		SELECT ST_AsMVTGeom(ST_Transform(c.geom, 3857), b.e, 4096, 64, true) AS geom,
			c.grid, c.cell_id, c.premises, c.premises_target, c.eligible, c.double_gaps, c.share_target
		FROM b, cell_stat c WHERE c.run_id = $5 AND c.grid = $9 AND c.geom && b.w` + tileParams + ` OFFSET 0) q
		WHERE q.geom IS NOT NULL`,
	"areas": tileEnvelope + `SELECT ST_AsMVT(q, 'areas', 4096, 'geom') FROM (
		SELECT ST_AsMVTGeom(ST_Transform(ST_Simplify(ca.geom, b.px), 3857), b.e, 4096, 64, true) AS geom,
			ca.id, ca.kommun_code, ca.class, ca.stranded, ca.premises, ca.households, ca.double_gaps,
			ac.option, ac.subsidy, sa.rank, sa.selected
		FROM b, candidate_area ca
		LEFT JOIN area_cost ac ON ac.area_id = ca.id AND ac.chosen
		LEFT JOIN scenario_area sa ON sa.scenario_id = $6 AND sa.area_id = ca.id
		WHERE ca.run_id = $5 AND ca.geom && b.w AND ($6 = 0 OR sa.scenario_id IS NOT NULL)` + tileParams + ` OFFSET 0) q
		WHERE q.geom IS NOT NULL`,
	"premises": tileEnvelope + `SELECT ST_AsMVT(q, 'premises', 4096, 'geom') FROM (
		SELECT ST_AsMVTGeom(ST_Transform(ps.geom, 3857), b.e, 4096, 64, true) AS geom,
			false AS aggregated, ps.premise_id AS id, ps.kommun_code, ps.class, ps.eligible, ps.tier,
			ps.households, ps.workplaces, ps.area_id, ps.double_gap, ps.mobile_ok,
			CASE WHEN $8 THEN ps.best_down END AS best_down,
			CASE WHEN $8 THEN ps.best_planned END AS best_planned
		FROM b, premise_status ps
		WHERE ps.run_id = $5 AND ps.geom && b.w AND ($7 = '' OR ps.kommun_code = $7)` + tileParams + ` OFFSET 0) q
		WHERE q.geom IS NOT NULL`,
	// Premises too dense for one tile are binned on a grid of about 32
	// pixels (132 bins across the buffered envelope) in the working SRID.
	// The bins are keyed by integers and their centres averaged from the
	// coordinates, which halves the cost of grouping by snapped geometries
	// and of collecting them; only the centres are transformed.
	"premises-binned": tileEnvelope + `SELECT ST_AsMVT(q, 'premises', 4096, 'geom') FROM (
		SELECT ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(g.x, g.y), $4::int), 3857), b.e, 4096, 64, true) AS geom,
			true AS aggregated, g.premises, g.eligible
		FROM b, (SELECT avg(ST_X(ps.geom)) AS x, avg(ST_Y(ps.geom)) AS y, count(*)::int AS premises,
				count(*) FILTER (WHERE ps.eligible)::int AS eligible
			FROM b, premise_status ps
			WHERE ps.run_id = $5 AND ps.geom && b.w AND ($7 = '' OR ps.kommun_code = $7)` + tileParams + `
			GROUP BY floor(ST_X(ps.geom) / ((ST_XMax(b.w) - ST_XMin(b.w)) / 132)),
				floor(ST_Y(ps.geom) / ((ST_XMax(b.w) - ST_XMin(b.w)) / 132))) g OFFSET 0) q
		WHERE q.geom IS NOT NULL`,
	// Below the premise zoom the premise layer carries the grid cells.
	"premises-cells": tileEnvelope + `SELECT ST_AsMVT(q, 'premises', 4096, 'geom') FROM (
		SELECT ST_AsMVTGeom(ST_Transform(c.geom, 3857), b.e, 4096, 64, true) AS geom,
			true AS aggregated, c.cell_id, c.premises, c.eligible, c.share_target
		FROM b, cell_stat c WHERE c.run_id = $5 AND c.grid = $9 AND c.geom && b.w` + tileParams + ` OFFSET 0) q
		WHERE q.geom IS NOT NULL`,
}

// cellsBinned is the fallback of a cell layer whose tile would be too
// large: cells summed on a 32-pixel grid, as points.
func cellsBinned(layer string) string {
	return tileEnvelope + `SELECT ST_AsMVT(q, '` + layer + `', 4096, 'geom') FROM (
		SELECT ST_AsMVTGeom(ST_Centroid(ST_Collect(p.g)), b.e, 4096, 64, true) AS geom,
			true AS aggregated, count(*)::int AS cells, sum(p.premises)::int AS premises,
			sum(p.eligible)::int AS eligible,
			round(sum(p.premises_target)::numeric / NULLIF(sum(p.premises), 0), 4)::float8 AS share_target
		FROM b, (SELECT ST_Transform(ST_Centroid(c.geom), 3857) AS g, c.premises, c.eligible, c.premises_target
			FROM b, cell_stat c WHERE c.run_id = $5 AND c.grid = $9 AND c.geom && b.w` + tileParams + `) p
		GROUP BY b.e, ST_SnapToGrid(p.g, b.px * 64)) q
		WHERE q.geom IS NOT NULL`
}

// binnedCells are the fallbacks of the layers that carry cells.
var binnedCells = map[string]string{
	"cells":          cellsBinned("cells"),
	"premises-cells": cellsBinned("premises"),
}

// TileRequest is one vector tile of one layer.
type TileRequest struct {
	// Layer is municipalities, cells, areas or premises.
	Layer   string
	Z, X, Y int
	Run     int64
	// Scenario, when not 0, restricts areas to the scenario and adds rank and selection.
	Scenario int64
	// Grid of the cell layers (scb1km, scb250m, inspire1km).
	Grid  string
	Scope Scope
	// PremiseMinZoom is the lowest zoom with premise points.
	PremiseMinZoom int
	// MaxFeatures is how many premise points a tile may carry before they are binned.
	MaxFeatures int
	// MaxBytes is the size above which a cell tile is served binned (0: no limit).
	MaxBytes int
}

// TileLayerKnown reports whether name is a served tile layer.
func TileLayerKnown(name string) bool {
	switch name {
	case "municipalities", "cells", "areas", "premises":
		return true
	}
	return false
}

// PremiseTileAggregated reports whether premise tiles at zoom z carry grid
// cells rather than premises.
func (r TileRequest) PremiseTileAggregated() bool {
	return r.Layer == "premises" && r.Z < r.PremiseMinZoom
}

// Tile renders one Mapbox Vector Tile (possibly empty).
func (db *DB) Tile(ctx context.Context, r TileRequest) ([]byte, error) {
	if !TileLayerKnown(r.Layer) {
		return nil, fmt.Errorf("tile layer %q is not served", r.Layer)
	}
	key := r.Layer
	args := []any{r.Z, r.X, r.Y, db.SRID, r.Run, r.Scenario, r.Scope.Kommun, r.Scope.Plans, r.Grid}
	if r.PremiseTileAggregated() {
		key = "premises-cells"
	} else if r.Layer == "premises" && r.MaxFeatures > 0 {
		const countPremises = tileEnvelope + `SELECT count(*) FROM (SELECT 1 FROM b, premise_status ps
			WHERE ps.run_id = $5 AND ps.geom && b.w AND ($7 = '' OR ps.kommun_code = $7)` + tileParams + ` LIMIT $10) x`
		var n int
		if err := db.QueryRowContext(ctx, countPremises, append(args, r.MaxFeatures+1)...).Scan(&n); err != nil {
			return nil, fmt.Errorf("tile %s/%d/%d/%d: %w", r.Layer, r.Z, r.X, r.Y, err)
		}
		if n > r.MaxFeatures {
			key = "premises-binned"
		}
	}
	var b []byte
	if err := db.QueryRowContext(ctx, tileLayers[key], args...).Scan(&b); err != nil {
		return nil, fmt.Errorf("tile %s/%d/%d/%d: %w", r.Layer, r.Z, r.X, r.Y, err)
	}
	if fallback, ok := binnedCells[key]; ok && r.MaxBytes > 0 && len(b) > r.MaxBytes {
		if err := db.QueryRowContext(ctx, fallback, args...).Scan(&b); err != nil {
			return nil, fmt.Errorf("tile %s/%d/%d/%d binned: %w", r.Layer, r.Z, r.X, r.Y, err)
		}
	}
	return b, nil
}
