package data_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
)

func fixture(name string) string { return filepath.Join("testdata", "load", name) }

func loadFile(t *testing.T, db *data.DB, kind, file string) *data.LoadResult {
	t.Helper()
	return mustLoad(t, db, data.LoadOptions{Kind: kind, File: file, RepairInvalid: true, Actor: "test"})
}

func TestLoadFixtureOfEveryKind(t *testing.T) {
	db, _ := dbtest.New(t)
	ctx := context.Background()
	steps := []struct {
		kind, file string
		rows       int64
		srid       int
		check      string // must return true
	}{
		{"municipalities", "municipalities.geojson", 3, 4326,
			`SELECT bool_and(county_code = '24' AND GeometryType(geom) = 'MULTIPOLYGON' AND ST_IsValid(geom) AND ST_SRID(geom) = 3006)
			   AND bool_or(name = 'Vännäs') FROM municipality`},
		{"premises", "premises.geojsonl", 21, 4326,
			`SELECT count(*) FILTER (WHERE kommun_code IS NULL) = 0 AND sum(households) = 31
			   AND (SELECT kommun_code FROM premise WHERE id = 'P021') = '2480'
			   AND (SELECT anchor FROM premise WHERE id = 'P003') = 'school'
			   AND count(*) FILTER (WHERE kind = 'holiday') = 2 FROM premise`},
		{"fixed", "fixed.csv", 4, 0,
			`SELECT count(*) FILTER (WHERE technology = 'fiber') = 2 AND count(*) FILTER (WHERE technology = 'fwa_licensed') = 1
			   AND count(*) FILTER (WHERE confidential AND planned_year = 2027 AND provider = 'Skekraft, AB') = 1
			   AND count(*) FILTER (WHERE latency_ms IS NULL) = 2 FROM fixed_offer`},
		{"mobile", "mobile.geojson", 2, 4326,
			`SELECT count(*) FILTER (WHERE technology = '5g' AND indoor AND ST_NumGeometries(geom) = 2) = 1 FROM mobile_coverage`},
		{"fiber-nodes", "fiber-nodes.csv", 2, 3006,
			`SELECT count(*) FILTER (WHERE kind = 'node') = 1 AND bool_and(ST_X(geom) >= 740000) FROM fiber_node`},
		{"settlements", "settlements.geojson", 2, 4326,
			`SELECT count(*) FILTER (WHERE GeometryType(geom) = 'POLYGON') = 1 AND sum(pop) = 93500 FROM settlement`},
		{"measurements", "measurements.csv", 2, 4326,
			`SELECT count(*) FILTER (WHERE premise_id IS NULL AND latency_ms IS NULL AND measured_on IS NULL) = 1 FROM measurement`},
		{"priorities", "priorities.csv", 2, 0, `SELECT count(*) = 2 FROM premise_priority`},
	}
	for _, s := range steps {
		res := loadFile(t, db, s.kind, fixture(s.file))
		if res.Rows != s.rows || res.InputSRID != s.srid {
			t.Errorf("%s %s: rows %d srid %d, want %d and %d", s.kind, s.file, res.Rows, res.InputSRID, s.rows, s.srid)
		}
		var ok bool
		if err := db.QueryRowContext(ctx, s.check).Scan(&ok); err != nil || !ok {
			t.Errorf("%s: check failed (%v): %s", s.kind, err, s.check)
		}
	}
	if res := loadFile(t, db, "municipalities", fixture("municipalities.geojson")); !res.Unchanged {
		t.Errorf("reloading municipalities.geojson: %+v, want unchanged", res)
	}
}

// TestLoadPremisesEveryFormat loads the same premises from each format and
// expects the same rows at the same places.
func TestLoadPremisesEveryFormat(t *testing.T) {
	db, _ := dbtest.New(t)
	ctx := context.Background()
	const rowsQ = `SELECT string_agg(format('%s %s %s %s %s %s', id, households, workplaces, kind, anchor,
		ST_AsText(ST_SnapToGrid(geom, 0.01))), ',' ORDER BY id) FROM premise`
	var want string
	for i, file := range []string{"premises.geojson", "premises.geojsonl", "premises.csv", "premises.gpkg", "shp/premises.shp"} {
		opt := data.LoadOptions{Kind: "premises", File: fixture(file), Force: true, RepairInvalid: true}
		res, err := data.Load(ctx, db, opt)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var got string
		if err := db.QueryRowContext(ctx, rowsQ).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if res.Rows != 21 || got == "" {
			t.Errorf("%s: %d rows", file, res.Rows)
		}
		if i == 0 {
			want = got
		} else if got != want {
			t.Errorf("%s loads differently from premises.geojson:\n%s\nwant\n%s", file, got, want)
		}
	}
}

func TestLoadBadFileCorpus(t *testing.T) {
	db, _ := dbtest.New(t)
	loadFile(t, db, "premises", fixture("premises.geojson"))
	cases := []struct {
		kind, file string
		repair     bool
		want       string
	}{
		{"premises", "broken.geojson", true, "broken.geojson:3"},
		{"premises", "broken_line.geojsonl", true, "broken_line.geojsonl:2: feature 2"},
		{"premises", "truncated.geojson", true, "truncated.geojson"},
		{"premises", "missing_id.csv", true, "missing_id.csv:2: feature 1: id: missing required value"},
		{"premises", "households_tre.csv", true, "households_tre.csv:3: feature 2: households: 'tre' is not an integer"},
		{"fixed", "unknown_tech.csv", true, "technology: unknown technology 'carrier pigeon'"},
		{"fixed", "negative_speed.csv", true, "up_mbps: '-1' is negative"},
		{"mobile", "point_as_mobile.geojson", true, "geometry: Point is the wrong geometry type for mobile"},
		{"municipalities", "empty_polygon.geojson", true, "geometry: empty Polygon"},
		{"premises", "swapped.csv", true, "with longitude and latitude swapped"},
		{"premises", "metres_as_degrees.geojson", true, "looks like SWEREF99 TM metres: give the SRID 3006"},
		{"premises", "duplicate_ids.geojsonl", true, "duplicate_ids.geojsonl:3: feature 3: id: duplicate id a (first at feature 1)"},
		{"fixed", "unknown_premise.csv", true, "unknown_premise.csv:3: feature 2: premise_id: unknown premise NOPE"},
		{"mobile", "bowtie.geojson", false, "geometry: invalid polygon: Self-intersection"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			before := snapshot(t, db)
			_, err := data.Load(context.Background(), db, data.LoadOptions{Kind: tc.kind, File: fixture("bad/" + tc.file), RepairInvalid: tc.repair})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if after := snapshot(t, db); !reflect.DeepEqual(before, after) {
				t.Errorf("database changed:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}

// TestLoadSCB loads the real SCB borders and settlements of Västerbotten when
// they are present.
func TestLoadSCB(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "data", "vasterbotten")
	if _, err := os.Stat(filepath.Join(dir, "kommuner.geojson")); err != nil {
		t.Logf("no SCB data in %s: loading the fixtures only", dir)
		dir = ""
	}
	if dir == "" {
		return
	}
	db, _ := dbtest.New(t)
	ctx := context.Background()
	m := loadFile(t, db, "municipalities", filepath.Join(dir, "kommuner.geojson"))
	s := loadFile(t, db, "settlements", filepath.Join(dir, "tatorter.geojson"))
	if m.Rows != 15 || s.Rows != 71 || m.InputSRID != 4326 {
		t.Errorf("municipalities %d (EPSG:%d), settlements %d: want 15 (EPSG:4326) and 71", m.Rows, m.InputSRID, s.Rows)
	}
	// The same layers from the GeoPackage (EPSG:3006) land in the same places.
	var fromJSON float64
	if err := db.QueryRowContext(ctx, `SELECT sum(ST_Area(geom)) FROM municipality`).Scan(&fromJSON); err != nil {
		t.Fatal(err)
	}
	g := mustLoad(t, db, data.LoadOptions{Kind: "municipalities", File: filepath.Join(dir, "vasterbotten.gpkg"), Layer: "kommuner", RepairInvalid: true})
	var fromGPKG float64
	if err := db.QueryRowContext(ctx, `SELECT sum(ST_Area(geom)) FROM municipality`).Scan(&fromGPKG); err != nil {
		t.Fatal(err)
	}
	if g.Rows != 15 || g.InputSRID != 3006 || fromGPKG < fromJSON*0.999 || fromGPKG > fromJSON*1.001 {
		t.Errorf("kommuner from the GeoPackage: %d rows EPSG:%d, area %.0f m², from GeoJSON %.0f m²", g.Rows, g.InputSRID, fromGPKG, fromJSON)
	}
	mustLoad(t, db, data.LoadOptions{Kind: "settlements", File: filepath.Join(dir, "vasterbotten.gpkg"), Layer: "tatorter"})
	// Every settlement lies in (or, the borders being coarse, next to) its municipality.
	var far int
	var pop int64
	err := db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE NOT ST_DWithin(m.geom, s.geom, 2000)), sum(s.pop)
		FROM settlement s JOIN municipality m ON m.code = s.kommun_code`).Scan(&far, &pop)
	if err != nil {
		t.Fatal(err)
	}
	if far != 0 || pop != 218555 {
		t.Errorf("%d settlements away from their municipality, population %d (README: 218,555)", far, pop)
	}
}

// TestLoadShapefileLatin1 loads municipality shapefiles whose names are
// ISO-8859-1, declared in a .cpg or (the dBASE default) not at all.
func TestLoadShapefileLatin1(t *testing.T) {
	db, _ := dbtest.New(t)
	for _, file := range []string{"shp/municipalities.shp", "shp/municipalities_nocpg.shp"} {
		res := mustLoad(t, db, data.LoadOptions{Kind: "municipalities", File: fixture(file), RepairInvalid: true})
		var names string
		if err := db.QueryRowContext(context.Background(), `SELECT string_agg(name, ',' ORDER BY code) FROM municipality`).Scan(&names); err != nil {
			t.Fatal(err)
		}
		if res.Rows != 3 || res.InputSRID != 3006 || names != "Nordmaling,Vännäs,Umeå" {
			t.Errorf("%s: %d rows, EPSG:%d, names %q", file, res.Rows, res.InputSRID, names)
		}
	}
}

// TestLoadSRIDOverride loads the GeoJSON whose metres were refused as degrees,
// telling the loader its CRS.
func TestLoadSRIDOverride(t *testing.T) {
	db, _ := dbtest.New(t)
	res := mustLoad(t, db, data.LoadOptions{Kind: "premises", File: fixture("bad/metres_as_degrees.geojson"), SRID: 3006})
	var x, y float64
	if err := db.QueryRowContext(context.Background(), `SELECT ST_X(geom), ST_Y(geom) FROM premise`).Scan(&x, &y); err != nil {
		t.Fatal(err)
	}
	if res.Rows != 1 || res.InputSRID != 3006 || x != 757000 || y != 7085000 {
		t.Errorf("%d rows, EPSG:%d, stored at (%g %g)", res.Rows, res.InputSRID, x, y)
	}
}

// TestLoadToleratesBrokenFeatures loads past broken features with
// --max-errors, and still stops on a file that cannot be read further.
func TestLoadToleratesBrokenFeatures(t *testing.T) {
	db, _ := dbtest.New(t)
	cases := []struct {
		file     string
		rows     int64
		rejected int64
		err      string
	}{
		{"broken_line.geojsonl", 2, 1, ""},
		{"duplicate_ids.geojsonl", 2, 1, ""},
		// A FeatureCollection cannot be resynchronised after broken JSON.
		{"broken.geojson", 0, 0, "broken.geojson:3"},
		{"truncated.geojson", 0, 0, "truncated.geojson"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			var rejects strings.Builder
			res, err := data.Load(context.Background(), db, data.LoadOptions{Kind: "premises",
				File: fixture("bad/" + tc.file), MaxErrors: 5, Rejects: &rejects, Force: true})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one naming %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != tc.rows || res.Rejected != tc.rejected || strings.Count(rejects.String(), "\n") != int(tc.rejected) {
				t.Errorf("rows %d rejected %d, want %d and %d; rejects:\n%s", res.Rows, res.Rejected, tc.rows, tc.rejected, rejects.String())
			}
		})
	}
}
