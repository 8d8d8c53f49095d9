package data_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"testing"

	"github.com/bbplan/bbplan/coverage"
	"github.com/bbplan/bbplan/data"
	"github.com/lib/pq"
)

// rect is an axis-aligned rectangle in SWEREF99 TM metres.
type rect struct{ x0, y0, x1, y1 float64 }

func (r rect) covers(x, y float64) bool { return x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1 }

func (r rect) wkt() string {
	return fmt.Sprintf("MULTIPOLYGON(((%[1]v %[2]v,%[3]v %[2]v,%[3]v %[4]v,%[1]v %[4]v,%[1]v %[2]v)))", r.x0, r.y0, r.x1, r.y1)
}

type fxPremise struct {
	id         string
	x, y       float64
	kommun     string // empty: assigned spatially
	households int
	workplaces int
	anchor     string
	priority   bool
}

// fxOffer is a fixed offer tied to premise, or covering area when premise is empty.
type fxOffer struct {
	premise string
	area    *rect
	offer   coverage.Offer
}

type fxMobile struct {
	area rect
	m    coverage.MobileOffer
}

type fxSettlement struct {
	code   string
	area   *rect // polygon, or a point at (x, y)
	x, y   float64
	kommun string
}

type fxMeasurement struct {
	premise string // linked, or unlinked at (x, y)
	x, y    float64
	m       coverage.Measurement
}

// world is a test fixture inserted straight into the core tables, and the
// per-premise inputs that coverage.Rules.Classify needs, computed in Go.
type world struct {
	municipalities map[string]rect
	premises       []fxPremise
	offers         []fxOffer
	mobile         []fxMobile
	settlements    []fxSettlement
	measurements   []fxMeasurement
	fiberNodes     [][2]float64
}

func exec(t testing.TB, db *data.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
}

func dataset(t testing.TB, db *data.DB, kind string) int64 {
	t.Helper()
	var id int64
	if err := db.QueryRow(`INSERT INTO dataset (kind, name, source_file, sha256) VALUES ($1, $1, 'fixture', 'x') RETURNING id`, kind).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func nullable(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// insert writes the world into db.
func (w world) insert(t testing.TB, db *data.DB) {
	t.Helper()
	if len(w.municipalities) > 0 {
		ds := dataset(t, db, "municipalities")
		for code, r := range w.municipalities {
			exec(t, db, `INSERT INTO municipality (code, name, county_code, dataset_id, geom) VALUES ($1, $2, '24', $3, ST_GeomFromText($4, 3006))`,
				code, "Kommun "+code, ds, r.wkt())
		}
	}
	if len(w.premises) > 0 {
		ds := dataset(t, db, "premises")
		var prio []string
		for _, p := range w.premises {
			exec(t, db, `INSERT INTO premise (id, dataset_id, geom, kommun_code, households, workplaces, anchor)
				VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 3006), $5, $6, $7, $8)`,
				p.id, ds, p.x, p.y, nullable(p.kommun), p.households, p.workplaces, nullable(p.anchor))
			if p.priority {
				prio = append(prio, p.id)
			}
		}
		if len(prio) > 0 {
			ds := dataset(t, db, "priorities")
			exec(t, db, `INSERT INTO premise_priority (premise_id, dataset_id) SELECT unnest($1::text[]), $2`, pq.Array(prio), ds)
		}
	}
	if len(w.offers) > 0 {
		ds := dataset(t, db, "fixed")
		for _, o := range w.offers {
			var geom sql.NullString
			if o.area != nil {
				geom = sql.NullString{String: o.area.wkt(), Valid: true}
			}
			status, year := "available", sql.NullInt64{}
			if o.offer.Planned {
				status = "planned"
				year = sql.NullInt64{Int64: int64(o.offer.PlannedYear), Valid: o.offer.PlannedYear > 0}
			}
			lat := sql.NullFloat64{Float64: o.offer.LatencyMs, Valid: o.offer.HasLatency}
			exec(t, db, `INSERT INTO fixed_offer (dataset_id, premise_id, geom, provider, technology, down_mbps, up_mbps,
				latency_ms, status, planned_year) VALUES ($1, $2, ST_GeomFromText($3, 3006), $4, $5, $6, $7, $8, $9, $10)`,
				ds, nullable(o.premise), geom, o.offer.Provider, o.offer.Technology, o.offer.DownMbps, o.offer.UpMbps, lat, status, year)
		}
	}
	if len(w.mobile) > 0 {
		ds := dataset(t, db, "mobile")
		for _, m := range w.mobile {
			exec(t, db, `INSERT INTO mobile_coverage (dataset_id, operator, technology, down_mbps, indoor, geom)
				VALUES ($1, $2, $3, $4, $5, ST_GeomFromText($6, 3006))`, ds, m.m.Operator, m.m.Technology, m.m.DownMbps, m.m.Indoor, m.area.wkt())
		}
	}
	if len(w.settlements) > 0 {
		ds := dataset(t, db, "settlements")
		for _, s := range w.settlements {
			wkt := fmt.Sprintf("POINT(%v %v)", s.x, s.y)
			if s.area != nil {
				wkt = s.area.wkt()
			}
			exec(t, db, `INSERT INTO settlement (code, dataset_id, name, kommun_code, geom) VALUES ($1, $2, $1, $3, ST_GeomFromText($4, 3006))`,
				s.code, ds, nullable(s.kommun), wkt)
		}
	}
	if len(w.measurements) > 0 {
		ds := dataset(t, db, "measurements")
		for _, m := range w.measurements {
			x, y := m.x, m.y
			if m.premise != "" {
				p := w.premise(m.premise)
				x, y = p.x, p.y
			}
			exec(t, db, `INSERT INTO measurement (dataset_id, premise_id, geom, down_mbps, tests)
				VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 3006), $5, $6)`, ds, nullable(m.premise), x, y, m.m.DownMbps, m.m.Tests)
		}
	}
	if len(w.fiberNodes) > 0 {
		ds := dataset(t, db, "fiber-nodes")
		for i, n := range w.fiberNodes {
			exec(t, db, `INSERT INTO fiber_node (id, dataset_id, geom) VALUES ($1, $2, ST_SetSRID(ST_MakePoint($3, $4), 3006))`,
				fmt.Sprint("node", i), ds, n[0], n[1])
		}
	}
}

func (w world) premise(id string) fxPremise {
	for _, p := range w.premises {
		if p.id == id {
			return p
		}
	}
	panic("no premise " + id)
}

// input gathers what the rules see for premise p, the way the analysis
// defines it: tied and covering offers, covering mobile polygons, settlement
// polygons (or points when no polygons exist), linked and nearby measurements.
func (w world) input(p fxPremise, params coverage.AnalysisParams) coverage.PremiseInput {
	var in coverage.PremiseInput
	for _, o := range w.offers {
		if o.premise == p.id || (o.area != nil && o.area.covers(p.x, p.y)) {
			in.Offers = append(in.Offers, o.offer)
		}
	}
	for _, m := range w.mobile {
		if m.area.covers(p.x, p.y) {
			in.Mobile = append(in.Mobile, m.m)
		}
	}
	polygons := false
	for _, s := range w.settlements {
		polygons = polygons || s.area != nil
	}
	for _, s := range w.settlements {
		if polygons && s.area != nil && s.area.covers(p.x, p.y) {
			in.InSettlement = true
		}
		if !polygons && math.Hypot(s.x-p.x, s.y-p.y) <= params.SettlementDistanceM {
			in.InSettlement = true
		}
	}
	for _, m := range w.measurements {
		if m.premise == p.id || (m.premise == "" && math.Hypot(m.x-p.x, m.y-p.y) <= params.MeasurementRadiusM) {
			in.Measurements = append(in.Measurements, m.m)
		}
	}
	return in
}

// status is one premise_status row as read back.
type status struct {
	bestDown, bestUp, bestMobile sql.NullFloat64
	bestTech, bestProvider       sql.NullString
	bestPlanned                  bool
	networksNow, networksPlanned int
	tier                         int
	class                        string
	eligible, mobileOK           bool
	doubleGap, disputed          bool
	inSettlement                 bool
	areaID                       sql.NullInt64
	kommun                       sql.NullString
	reason                       string
}

func readStatus(t testing.TB, db *data.DB, runID int64) map[string]status {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT premise_id, best_down, best_up, best_mobile_down, best_tech,
		best_provider, best_planned, networks_now, networks_planned, tier, class, eligible, mobile_ok, double_gap,
		disputed, in_settlement, area_id, kommun_code, reason FROM premise_status WHERE run_id = $1`, runID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]status{}
	for rows.Next() {
		var id string
		var s status
		if err := rows.Scan(&id, &s.bestDown, &s.bestUp, &s.bestMobile, &s.bestTech, &s.bestProvider, &s.bestPlanned,
			&s.networksNow, &s.networksPlanned, &s.tier, &s.class, &s.eligible, &s.mobileOK, &s.doubleGap,
			&s.disputed, &s.inSettlement, &s.areaID, &s.kommun, &s.reason); err != nil {
			t.Fatal(err)
		}
		out[id] = s
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fromResult is the row the analysis should write for a Go result.
func fromResult(r coverage.Result) status {
	s := status{networksNow: r.NetworksNow, networksPlanned: r.NetworksPlanned, tier: r.Tier, class: r.Class,
		eligible: r.Eligible, mobileOK: r.MobileOK, doubleGap: r.DoubleGap, disputed: r.Disputed,
		inSettlement: r.InSettlement, reason: r.Reason}
	if b := r.Best; b != nil {
		s.bestDown = sql.NullFloat64{Float64: b.DownMbps, Valid: true}
		s.bestUp = sql.NullFloat64{Float64: b.UpMbps, Valid: true}
		s.bestTech = sql.NullString{String: b.Technology, Valid: true}
		s.bestProvider = sql.NullString{String: b.Provider, Valid: true}
		s.bestPlanned = b.Planned
	}
	if r.HasMobile {
		s.bestMobile = sql.NullFloat64{Float64: r.BestMobileDown, Valid: true}
	}
	return s
}

// classification keeps only what Classify decides, for comparison.
func (s status) classification() status {
	s.areaID, s.kommun = sql.NullInt64{}, sql.NullString{}
	return s
}
