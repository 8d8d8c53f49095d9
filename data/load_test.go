package data_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
	"github.com/bbplan/bbplan/geo"
	"github.com/paulmach/orb"
)

// memReader serves features from memory; hook runs before each feature.
type memReader struct {
	file  string
	feats []*geo.Feature
	srid  int
	i     int
	hook  func(i int) error
}

func (r *memReader) Next() (*geo.Feature, error) {
	if r.hook != nil {
		if err := r.hook(r.i); err != nil {
			return nil, err
		}
	}
	if r.i >= len(r.feats) {
		return nil, io.EOF
	}
	r.i++
	return r.feats[r.i-1], nil
}
func (r *memReader) SRID() int        { return r.srid }
func (r *memReader) BytesRead() int64 { return int64(r.i) }
func (r *memReader) Size() int64      { return int64(len(r.feats)) }
func (r *memReader) Close() error     { return nil }

// memFile writes feats to a file (so that the load has a checksum) and
// returns load options reading them back from memory.
func memFile(t *testing.T, kind string, srid int, feats []*geo.Feature, hook func(int) error) data.LoadOptions {
	t.Helper()
	for i, f := range feats {
		f.Index, f.Line = i+1, i+1
	}
	b, err := json.Marshal(struct {
		Kind  string
		Feats []*geo.Feature
	}{kind, feats})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), kind+".json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return data.LoadOptions{Kind: kind, File: path, RepairInvalid: true, Actor: "test",
		Open: func(p, layer string, override int) (geo.Reader, error) {
			s := srid
			if override != 0 {
				s = override
			}
			return &memReader{file: p, feats: feats, srid: s, hook: hook}, nil
		}}
}

func feat(g orb.Geometry, kv ...any) *geo.Feature {
	p := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i].(string)] = kv[i+1]
	}
	return &geo.Feature{Geometry: g, Properties: p}
}

// premises makes n premises on a grid around Umeå (EPSG:4326).
func premises(n int, prefix string) []*geo.Feature {
	out := make([]*geo.Feature, n)
	for i := range out {
		out[i] = feat(orb.Point{20.0 + float64(i%100)*0.005, 63.8 + float64(i/100)*0.005},
			"id", fmt.Sprintf("%s%d", prefix, i), "households", float64(i%3), "workplaces", "1")
	}
	return out
}

// state is what a failed load must leave untouched.
type state struct {
	Counts   map[string]int64
	Datasets []data.Dataset
}

func snapshot(t *testing.T, db *data.DB) state {
	t.Helper()
	ctx := context.Background()
	s := state{Counts: map[string]int64{}}
	for _, tbl := range []string{"municipality", "premise", "fixed_offer", "mobile_coverage", "fiber_node",
		"settlement", "measurement", "premise_priority", "audit_log"} {
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+tbl).Scan(&n); err != nil {
			t.Fatal(err)
		}
		s.Counts[tbl] = n
	}
	ds, err := data.Datasets(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	s.Datasets = ds
	return s
}

func mustLoad(t *testing.T, db *data.DB, opt data.LoadOptions) *data.LoadResult {
	t.Helper()
	res, err := data.Load(context.Background(), db, opt)
	if err != nil {
		t.Fatalf("load %s: %v", opt.Kind, err)
	}
	return res
}

func TestLoadPremisesReprojectsAndReplaces(t *testing.T) {
	db, _ := dbtest.New(t)
	ctx := context.Background()
	feats := premises(500, "p")
	res := mustLoad(t, db, memFile(t, "premises", 4326, feats, nil))
	if res.Rows != 500 || res.InputSRID != 4326 || res.Unchanged {
		t.Fatalf("first load: %+v", res)
	}
	// The stored point is the input point projected by PostGIS, in the working SRID.
	var srid int
	var dist float64
	var hh int
	err := db.QueryRowContext(ctx, `SELECT ST_SRID(geom), households,
		ST_Distance(geom, ST_Transform(ST_SetSRID(ST_MakePoint($2, $3), 4326), 3006))
		FROM premise WHERE id = $1`, "p7", feats[7].Geometry.(orb.Point)[0], feats[7].Geometry.(orb.Point)[1]).Scan(&srid, &hh, &dist)
	if err != nil {
		t.Fatal(err)
	}
	if srid != dbtest.SRID || dist > 0.001 || hh != int(feats[7].Properties["households"].(float64)) {
		t.Errorf("p7: srid %d, %.4f m from its place, households %d", srid, dist, hh)
	}

	again := mustLoad(t, db, memFile(t, "premises", 4326, feats, nil))
	if !again.Unchanged || again.ID != res.ID {
		t.Errorf("same file again: %+v, want unchanged dataset %d", again, res.ID)
	}

	opt := memFile(t, "premises", 4326, premises(300, "q"), nil)
	opt.Force = true
	next := mustLoad(t, db, opt)
	ds, err := data.Datasets(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].ID != next.ID || ds[0].Status != "current" || ds[1].Status != "replaced" || ds[0].Rows != 300 {
		t.Errorf("datasets after replace: %+v", ds)
	}
	var n, fromOld int
	if err := db.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE dataset_id <> $1) FROM premise`, next.ID).Scan(&n, &fromOld); err != nil {
		t.Fatal(err)
	}
	if n != 300 || fromOld != 0 {
		t.Errorf("premise rows %d (from old datasets %d), want 300 (0)", n, fromOld)
	}
	var audits int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action = 'load' AND object = 'premises'`).Scan(&audits); err != nil {
		t.Fatal(err)
	}
	if audits != 2 {
		t.Errorf("audit rows %d, want 2", audits)
	}
}

func TestLoadBadInputLeavesDatabaseUnchanged(t *testing.T) {
	db, _ := dbtest.New(t)
	mustLoad(t, db, memFile(t, "premises", 4326, premises(50, "p"), nil))
	umea := orb.Point{20.26, 63.83}
	square := orb.Polygon{{{20, 63}, {21, 63}, {21, 64}, {20, 64}, {20, 63}}}
	cases := []struct {
		name  string
		kind  string
		srid  int
		feats []*geo.Feature
		want  string
	}{
		{"missing required field", "premises", 4326, []*geo.Feature{feat(umea, "households", 1.0)},
			"feature 1: id: missing required value"},
		{"wrong type", "premises", 4326, []*geo.Feature{feat(umea, "id", "a", "households", "tre")},
			"households: 'tre' is not an integer"},
		{"negative count", "premises", 4326, []*geo.Feature{feat(umea, "id", "a", "workplaces", -2.0)},
			"workplaces: '-2' is negative"},
		{"unknown technology", "fixed", 4326, []*geo.Feature{feat(nil, "premise_id", "p1", "provider", "x", "technology", "carrier pigeon", "down_mbps", 1.0, "up_mbps", 1.0)},
			"technology: unknown technology 'carrier pigeon'"},
		{"negative speed", "fixed", 4326, []*geo.Feature{feat(nil, "premise_id", "p1", "provider", "x", "technology", "50", "down_mbps", -100.0, "up_mbps", 1.0)},
			"down_mbps: '-100' is negative"},
		{"wrong geometry type", "mobile", 4326, []*geo.Feature{feat(umea, "operator", "x", "technology", "4g", "down_mbps", 30.0)},
			"geometry: Point is the wrong geometry type for mobile"},
		{"empty geometry", "municipalities", 4326, []*geo.Feature{feat(orb.MultiPolygon{}, "kommun_code", "2480", "name", "Umeå")},
			"geometry: empty MultiPolygon"},
		{"missing geometry", "premises", 4326, []*geo.Feature{feat(nil, "id", "a")},
			"geometry: missing"},
		{"lon/lat swapped", "premises", 4326, []*geo.Feature{feat(orb.Point{63.83, 20.26}, "id", "a")},
			"with longitude and latitude swapped"},
		{"metres as degrees", "premises", 4326, []*geo.Feature{feat(orb.Point{757000, 7085000}, "id", "a")},
			"looks like SWEREF99 TM metres"},
		{"degrees as metres", "premises", 3006, []*geo.Feature{feat(umea, "id", "a")},
			"looks like degrees, not EPSG:3006 metres"},
		{"duplicate ids", "premises", 4326, []*geo.Feature{feat(umea, "id", "a"), feat(umea, "id", "b"), feat(umea, "id", "a")},
			"feature 3: id: duplicate id a (first at feature 1)"},
		{"unknown premise", "fixed", 4326, []*geo.Feature{feat(nil, "premise_id", "nope", "provider", "x", "technology", "fiber", "down_mbps", 1000.0, "up_mbps", 1000.0)},
			"premise_id: unknown premise nope"},
		{"offer without premise or polygon", "fixed", 4326, []*geo.Feature{feat(nil, "provider", "x", "technology", "fiber", "down_mbps", 1.0, "up_mbps", 1.0)},
			"needs a premise_id or a polygon"},
		{"bad mobile technology", "mobile", 4326, []*geo.Feature{feat(square, "operator", "x", "technology", "3g", "down_mbps", 30.0)},
			"technology: '3g' is not one of 4g, 5g"},
		{"broken input from the reader", "premises", 4326, nil, "feature 2: broken JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := snapshot(t, db)
			var hook func(int) error
			if tc.feats == nil {
				tc.feats = premises(3, "z")
				hook = func(i int) error {
					if i == 1 {
						return &geo.InputError{File: "x.geojsonl", Line: 2, Feature: 2, Reason: "broken JSON"}
					}
					return nil
				}
			}
			_, err := data.Load(context.Background(), db, memFile(t, tc.kind, tc.srid, tc.feats, hook))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if after := snapshot(t, db); !reflect.DeepEqual(before, after) {
				t.Errorf("database changed:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}

func TestLoadMaxErrorsWritesRejects(t *testing.T) {
	db, _ := dbtest.New(t)
	feats := premises(20, "p")
	feats[3].Properties["households"] = "tre"
	feats[9].Properties["id"] = "p1" // duplicate of feature 2
	tests := []struct {
		name      string
		maxErrors int
		wantErr   bool
	}{
		{"one too few", 1, true},
		{"enough", 2, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rejects bytes.Buffer
			opt := memFile(t, "premises", 4326, feats, nil)
			opt.MaxErrors, opt.Rejects = tc.maxErrors, &rejects
			res, err := data.Load(context.Background(), db, opt)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "more than --max-errors 1") {
					t.Fatalf("error %v, want too many bad rows", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != 18 || res.Rejected != 2 {
				t.Errorf("rows %d rejected %d, want 18 and 2", res.Rows, res.Rejected)
			}
			var got []data.Reject
			dec := json.NewDecoder(&rejects)
			for dec.More() {
				var r data.Reject
				if err := dec.Decode(&r); err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
			if len(got) != 2 || got[0].Feature != 4 || got[0].Field != "households" || got[1].Feature != 10 || got[1].Field != "id" {
				t.Errorf("rejects %+v", got)
			}
			ds, err := data.Datasets(context.Background(), db)
			if err != nil || ds[0].Rejected != 2 {
				t.Errorf("dataset %+v, %v: want rejected 2", ds, err)
			}
		})
	}
}

func TestLoadCancelledMidCopyKeepsPreviousDataset(t *testing.T) {
	db, _ := dbtest.New(t)
	mustLoad(t, db, memFile(t, "premises", 4326, premises(200, "old"), nil))
	before := snapshot(t, db)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Enough rows for several COPY chunks to reach the server before the cancel.
	feats := premises(60000, "new")
	_, err := data.Load(ctx, db, memFile(t, "premises", 4326, feats, func(i int) error {
		if i == 50000 {
			cancel()
		}
		return nil
	}))
	if err == nil || !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "cancel") {
		t.Fatalf("error %v, want a cancelled load", err)
	}
	if after := snapshot(t, db); !reflect.DeepEqual(before, after) {
		t.Errorf("database changed:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestLoadKinds(t *testing.T) {
	db, _ := dbtest.New(t)
	ctx := context.Background()
	square := func(x, y, d float64) orb.Polygon {
		return orb.Polygon{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}
	}
	bowtie := orb.Polygon{{{20, 64}, {21, 65}, {21, 64}, {20, 65}, {20, 64}}}
	loads := []struct {
		kind  string
		feats []*geo.Feature
		rows  int64
		check string // a query that must return true
	}{
		{"municipalities", []*geo.Feature{
			feat(square(19, 63, 2), "kommun_code", "2480", "name", "Umeå"),
			feat(bowtie, "code", 2481.0, "name", "Lycksele"),
		}, 2, `SELECT count(*) = 2 AND bool_and(county_code = '24') AND bool_and(GeometryType(geom) = 'MULTIPOLYGON') AND bool_and(ST_IsValid(geom)) FROM municipality`},
		{"premises", []*geo.Feature{
			feat(orb.Point{20.5, 63.5}, "id", "a", "households", 2.0, "anchor", "school"),
			feat(orb.Point{20.5, 63.6}, "id", "b", "kommun_code", "2482", "kind", "holiday"),
			feat(orb.Point{20.5, 63.7}, "id", "c", "households", "3", "workplaces", ""),
		}, 3, `SELECT bool_and(kommun_code = CASE id WHEN 'b' THEN '2482' ELSE '2480' END) AND sum(households) = 5 AND count(*) FILTER (WHERE kind = 'holiday') = 1 FROM premise`},
		{"fixed", []*geo.Feature{
			feat(nil, "premise_id", "a", "provider", "IP-Only", "technology", "50", "down_mbps", 1000.0, "up_mbps", 1000.0),
			feat(nil, "premise_id", "b", "provider", "Telia", "technology", "vdsl", "down_mbps", "60", "up_mbps", "10", "latency_ms", "", "status", "planned", "planned_year", "2027"),
			feat(square(20, 63, 1), "provider", "Starlink", "technology", 61.0, "down_mbps", 150.0, "up_mbps", 15.0, "latency_ms", 40.0),
		}, 3, `SELECT count(*) FILTER (WHERE technology = 'fiber' AND premise_id = 'a') = 1 AND count(*) FILTER (WHERE confidential AND planned_year = 2027 AND technology = 'dsl' AND latency_ms IS NULL) = 1 AND count(*) FILTER (WHERE technology = 'satellite_leo' AND geom IS NOT NULL) = 1 FROM fixed_offer`},
		{"mobile", []*geo.Feature{
			feat(square(20, 63, 1), "operator", "Telia", "technology", "4G", "down_mbps", 30.0, "indoor", "yes"),
			feat(orb.MultiPolygon{square(20, 64, 1)}, "operator", "Tele2", "technology", "5g", "down_mbps", 100.0),
		}, 2, `SELECT count(*) FILTER (WHERE indoor AND technology = '4g') = 1 AND bool_and(GeometryType(geom) = 'MULTIPOLYGON') FROM mobile_coverage`},
		{"fiber-nodes", []*geo.Feature{feat(orb.Point{20.3, 63.8}, "id", "n1"), feat(orb.Point{20.4, 63.8}, "id", "n2", "kind", "pop")},
			2, `SELECT count(*) FILTER (WHERE kind = 'node') = 1 FROM fiber_node`},
		{"settlements", []*geo.Feature{feat(orb.Point{20.26, 63.83}, "tatort_code", "T1", "name", "Umeå", "pop", 89000.0), feat(square(20, 64, 0.1), "code", "T2", "name", "Vännäs")},
			2, `SELECT count(*) FILTER (WHERE GeometryType(geom) = 'POLYGON' AND pop IS NULL) = 1 FROM settlement`},
		{"measurements", []*geo.Feature{feat(orb.Point{20.3, 63.8}, "premise_id", "a", "down_mbps", 80.0, "tests", "3", "measured_on", "2025-03-01")},
			1, `SELECT bool_and(tests = 3 AND measured_on = '2025-03-01') FROM measurement`},
		{"priorities", []*geo.Feature{feat(nil, "premise_id", "a"), feat(nil, "id", "c")},
			2, `SELECT count(*) = 2 FROM premise_priority`},
	}
	for _, l := range loads {
		res := mustLoad(t, db, memFile(t, l.kind, 4326, l.feats, nil))
		if res.Rows != l.rows {
			t.Errorf("%s: rows %d, want %d", l.kind, res.Rows, l.rows)
		}
		var ok bool
		if err := db.QueryRowContext(ctx, l.check).Scan(&ok); err != nil || !ok {
			t.Errorf("%s: check %s: %v %v", l.kind, l.check, ok, err)
		}
		if l.kind == "municipalities" && res.Repaired != 1 {
			t.Errorf("municipalities: repaired %d, want 1 (the bow tie)", res.Repaired)
		}
	}
	ds, err := data.Datasets(ctx, db)
	current := map[string]int{}
	for _, d := range ds {
		if d.Status == "current" {
			current[d.Kind]++
		}
	}
	if err != nil || len(current) != len(data.Kinds()) {
		t.Errorf("current datasets %v, %v: want one per kind", current, err)
	}
	for kind, n := range current {
		if n != 1 {
			t.Errorf("%d current datasets of kind %s, want 1", n, kind)
		}
	}
}

// TestLoadProjectsOtherCRSInPostGIS loads points in a CRS geo cannot project
// (UTM 33N), which PostGIS then transforms.
func TestLoadProjectsOtherCRSInPostGIS(t *testing.T) {
	db, _ := dbtest.New(t)
	ctx := context.Background()
	var x, y float64
	if err := db.QueryRowContext(ctx, `SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint(20.26, 63.83), 4326), 32633) p`).Scan(&x, &y); err != nil {
		t.Fatal(err)
	}
	res := mustLoad(t, db, memFile(t, "premises", 32633, []*geo.Feature{feat(orb.Point{x, y}, "id", "utm")}, nil))
	var dist float64
	if err := db.QueryRowContext(ctx, `SELECT ST_Distance(geom, ST_Transform(ST_SetSRID(ST_MakePoint(20.26, 63.83), 4326), 3006))
		FROM premise WHERE id = 'utm'`).Scan(&dist); err != nil {
		t.Fatal(err)
	}
	if res.InputSRID != 32633 || dist > 0.01 {
		t.Errorf("input EPSG:%d, stored %.3f m from its place", res.InputSRID, dist)
	}
}

// TestLoadStoresPremisesInSpatialOrder loads premises given in random order and
// expects neighbours in the table to be neighbours on the map.
func TestLoadStoresPremisesInSpatialOrder(t *testing.T) {
	db, _ := dbtest.New(t)
	feats := make([]*geo.Feature, 5000)
	x := uint64(42)
	for i := range feats {
		x = x*6364136223846793005 + 1442695040888963407
		lon := 15 + float64(x>>40)/float64(1<<24)*5
		lat := 63 + float64(x>>16&0xffffff)/float64(1<<24)*3
		feats[i] = feat(orb.Point{lon, lat}, "id", fmt.Sprint(i))
	}
	mustLoad(t, db, memFile(t, "premises", 4326, feats, nil))
	var stored, given float64
	err := db.QueryRowContext(context.Background(), `SELECT
		(SELECT avg(d) FROM (SELECT ST_Distance(geom, lag(geom) OVER (ORDER BY ctid)) d FROM premise) s),
		(SELECT avg(d) FROM (SELECT ST_Distance(geom, lag(geom) OVER (ORDER BY id::int)) d FROM premise) s)`).Scan(&stored, &given)
	if err != nil {
		t.Fatal(err)
	}
	if stored > given/10 {
		t.Errorf("consecutive premises are %.0f m apart in the table and %.0f m in the file: want the table far closer", stored, given)
	}
}
