package geo

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bbplan/bbplan/internal/ogrtest"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// testLayer is a small layer with every field kind, a null and a non-ASCII name.
func testLayer() (LayerSchema, []*Feature) {
	s := LayerSchema{Name: "premises", GeometryType: "POINT", SRID: 3006, Fields: []FieldDef{
		{"id", FieldString}, {"households", FieldInt}, {"down_mbps", FieldFloat}, {"indoor", FieldBool}, {"name", FieldString},
	}, Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	fs := []*Feature{
		{Geometry: orb.Point{760000.5, 7090000.25}, Properties: map[string]any{"id": "p1", "households": 3, "down_mbps": 1000.0, "indoor": true, "name": "Övre Älvdalen"}},
		{Geometry: orb.Point{761000, 7091000}, Properties: map[string]any{"id": "p2", "households": int64(0), "down_mbps": nil, "indoor": false, "name": `a "quoted", name`}},
		{Geometry: orb.Point{-1.5, 2}, Properties: map[string]any{"id": "p3", "households": 1.0, "down_mbps": 30.5, "indoor": nil, "name": ""}},
	}
	return s, fs
}

func writeAll(t *testing.T, w Writer, fs []*Feature) {
	t.Helper()
	for _, f := range fs {
		if err := w.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkFeatures compares read-back features with the written ones.
func checkFeatures(t *testing.T, s LayerSchema, want []*Feature, got []map[string]any, geoms []orb.Geometry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d features, wrote %d", len(got), len(want))
	}
	for i, f := range want {
		if !orb.Equal(geoms[i], f.Geometry) {
			t.Errorf("feature %d geometry %v, want %v", i+1, geoms[i], f.Geometry)
		}
		for _, fd := range s.Fields {
			w, _ := fieldValue(fd, f.Properties[fd.Name])
			if g := got[i][fd.Name]; fmt.Sprint(g) != fmt.Sprint(w) {
				t.Errorf("feature %d %s = %v (%T), want %v", i+1, fd.Name, g, g, w)
			}
		}
	}
}

func TestWriters(t *testing.T) {
	s, fs := testLayer()
	tests := []struct {
		name string
		ext  string
		open func(path string) (Writer, func() error, error)
		read func(t *testing.T, path string) ([]map[string]any, []orb.Geometry)
	}{
		{"geojson", "geojson", streamWriter(func(f *os.File) (Writer, error) { return NewGeoJSONWriter(f, s) }), readGeoJSON},
		{"geojsonseq", "geojsonseq", streamWriter(func(f *os.File) (Writer, error) { return NewGeoJSONSeqWriter(f, s) }), readGeoJSONSeq},
		{"csv xy", "csv", streamWriter(func(f *os.File) (Writer, error) { return NewCSVWriter(f, s, CSVXY) }), readCSV(s, "x", "y")},
		{"csv wkt", "csv", streamWriter(func(f *os.File) (Writer, error) { return NewCSVWriter(f, s, CSVWKT) }), readCSV(s, "wkt", "")},
		{"gpkg", "gpkg", func(path string) (Writer, func() error, error) {
			w, err := CreateGeoPackage(path, s)
			return w, func() error { return nil }, err
		}, readGPKG(s)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out."+tc.ext)
			w, done, err := tc.open(path)
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, w, fs)
			if err := done(); err != nil {
				t.Fatal(err)
			}
			props, geoms := tc.read(t, path)
			checkFeatures(t, s, fs, props, geoms)
			ogrtest.Check(t, path, len(fs))
		})
	}
}

// streamWriter adapts a writer over an io.Writer to a file path.
func streamWriter(mk func(f *os.File) (Writer, error)) func(string) (Writer, func() error, error) {
	return func(path string) (Writer, func() error, error) {
		f, err := os.Create(path)
		if err != nil {
			return nil, nil, err
		}
		w, err := mk(f)
		return w, f.Close, err
	}
}

func readGeoJSON(t *testing.T, path string) ([]map[string]any, []orb.Geometry) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct{ Features []json.RawMessage }
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var props []map[string]any
	var geoms []orb.Geometry
	for _, raw := range fc.Features {
		p, g := decodeFeature(t, raw)
		props = append(props, p)
		geoms = append(geoms, g)
	}
	return props, geoms
}

func readGeoJSONSeq(t *testing.T, path string) ([]map[string]any, []orb.Geometry) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var props []map[string]any
	var geoms []orb.Geometry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p, g := decodeFeature(t, sc.Bytes())
		props = append(props, p)
		geoms = append(geoms, g)
	}
	return props, geoms
}

func readCSV(s LayerSchema, gx, gy string) func(t *testing.T, path string) ([]map[string]any, []orb.Geometry) {
	return func(t *testing.T, path string) ([]map[string]any, []orb.Geometry) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		var props []map[string]any
		var geoms []orb.Geometry
		for _, r := range recs[1:] {
			m := map[string]any{}
			for _, fd := range s.Fields {
				if v := r[col[fd.Name]]; v != "" || fd.Kind == FieldString {
					m[fd.Name] = v
				}
			}
			props = append(props, m)
			var p orb.Point
			if gy == "" {
				fmt.Sscanf(r[col[gx]], "POINT(%g %g)", &p[0], &p[1])
			} else {
				fmt.Sscan(r[col[gx]], &p[0])
				fmt.Sscan(r[col[gy]], &p[1])
			}
			geoms = append(geoms, p)
		}
		return props, geoms
	}
}

func readGPKG(s LayerSchema) func(t *testing.T, path string) ([]map[string]any, []orb.Geometry) {
	return func(t *testing.T, path string) ([]map[string]any, []orb.Geometry) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var srid int
		if err := db.QueryRow(`SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?`, s.Name).Scan(&srid); err != nil || srid != s.SRID {
			t.Fatalf("gpkg_geometry_columns srs_id %d, %v; want %d", srid, err, s.SRID)
		}
		rows, err := db.Query(`SELECT geom, id, households, down_mbps, indoor, name FROM "` + s.Name + `" ORDER BY fid`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var props []map[string]any
		var geoms []orb.Geometry
		for rows.Next() {
			var blob []byte
			v := make([]any, 5)
			ptrs := []any{&blob, &v[0], &v[1], &v[2], &v[3], &v[4]}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			m := map[string]any{}
			for i, fd := range s.Fields {
				if b, ok := v[i].(int64); ok && fd.Kind == FieldBool {
					m[fd.Name] = b != 0
				} else if v[i] != nil {
					m[fd.Name] = v[i]
				}
			}
			props = append(props, m)
			g, err := decodeGP(blob)
			if err != nil {
				t.Fatal(err)
			}
			geoms = append(geoms, g)
		}
		return props, geoms
	}
}

// decodeFeature decodes a GeoJSON Feature with a Point or MultiPolygon
// geometry (test helper: the readers live elsewhere).
func decodeFeature(t *testing.T, raw []byte) (map[string]any, orb.Geometry) {
	t.Helper()
	var f struct {
		Type       string
		Properties map[string]any
		Geometry   struct {
			Type        string
			Coordinates json.RawMessage
		}
	}
	if err := json.Unmarshal(raw, &f); err != nil || f.Type != "Feature" {
		t.Fatalf("not a GeoJSON feature (%v): %s", err, raw)
	}
	var g orb.Geometry
	var err error
	switch f.Geometry.Type {
	case "Point":
		var p orb.Point
		err = json.Unmarshal(f.Geometry.Coordinates, &p)
		g = p
	case "MultiPolygon":
		var c [][][][2]float64
		err = json.Unmarshal(f.Geometry.Coordinates, &c)
		mp := orb.MultiPolygon{}
		for _, poly := range c {
			var pg orb.Polygon
			for _, ring := range poly {
				var r orb.Ring
				for _, pt := range ring {
					r = append(r, orb.Point(pt))
				}
				pg = append(pg, r)
			}
			mp = append(mp, pg)
		}
		g = mp
	default:
		t.Fatalf("unexpected geometry %s", f.Geometry.Type)
	}
	if err != nil {
		t.Fatal(err)
	}
	return f.Properties, g
}

// decodeGP decodes a GeoPackage binary geometry (test helper: the readers
// live elsewhere).
func decodeGP(b []byte) (orb.Geometry, error) {
	if len(b) < 8 || b[0] != 'G' || b[1] != 'P' {
		return nil, fmt.Errorf("not a GeoPackage geometry")
	}
	envLen := map[byte]int{0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(b[3]>>1)&7]
	return wkb.Unmarshal(b[8+envLen:])
}

func TestGeoJSONPolygonAndCRS(t *testing.T) {
	s := LayerSchema{Name: "areas", GeometryType: "MULTIPOLYGON", SRID: 3006, Fields: []FieldDef{{"code", FieldString}}}
	mp := orb.MultiPolygon{{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}}, {{{20, 20}, {30, 20}, {30, 30}, {20, 20}}}}
	tests := []struct {
		name string
		srid int
		crs  bool
	}{{"sweref", 3006, true}, {"wgs84", 4326, false}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.SRID = tc.srid
			var buf bytes.Buffer
			w, err := NewGeoJSONWriter(&buf, s)
			if err != nil {
				t.Fatal(err)
			}
			writeAll(t, w, []*Feature{{Geometry: mp, Properties: map[string]any{"code": "2480"}}})
			var doc struct {
				CRS      json.RawMessage `json:"crs"`
				Features []json.RawMessage
			}
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatalf("%v\n%s", err, buf.String())
			}
			if (doc.CRS != nil) != tc.crs {
				t.Errorf("crs member present %v, want %v", doc.CRS != nil, tc.crs)
			}
			if _, g := decodeFeature(t, doc.Features[0]); !orb.Equal(g, mp) {
				t.Errorf("geometry %v, want %v", g, mp)
			}
		})
	}
}

func TestGeoPackagePolygonEnvelope(t *testing.T) {
	s := LayerSchema{Name: "areas", GeometryType: "MULTIPOLYGON", SRID: 3006, Fields: []FieldDef{{"premises", FieldInt}}}
	path := filepath.Join(t.TempDir(), "areas.gpkg")
	w, err := CreateGeoPackage(path, s)
	if err != nil {
		t.Fatal(err)
	}
	polys := []orb.MultiPolygon{
		{{{{700000, 7000000}, {701000, 7000000}, {701000, 7001000}, {700000, 7000000}}}},
		{{{{705000, 7002000}, {706000, 7002000}, {706000, 7004000}, {705000, 7002000}}}},
	}
	for i, p := range polys {
		if err := w.Write(&Feature{Geometry: p, Properties: map[string]any{"premises": i}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var minX, minY, maxX, maxY float64
	if err := db.QueryRow(`SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = 'areas'`).Scan(&minX, &minY, &maxX, &maxY); err != nil {
		t.Fatal(err)
	}
	want := polys[0].Bound().Union(polys[1].Bound())
	if got := (orb.Bound{Min: orb.Point{minX, minY}, Max: orb.Point{maxX, maxY}}); !got.Equal(want) {
		t.Errorf("contents extent %v, want %v", got, want)
	}
	var indexed int
	var rmin, rmax float64
	if err := db.QueryRow(`SELECT count(*), min(minx), max(maxy) FROM rtree_areas_geom`).Scan(&indexed, &rmin, &rmax); err != nil {
		t.Fatal(err)
	}
	// The R*Tree stores 32-bit floats rounded outwards.
	if indexed != len(polys) || rmin > want.Min[0] || rmin < want.Min[0]-1 || rmax < want.Max[1] || rmax > want.Max[1]+1 {
		t.Errorf("spatial index holds %d rows from x %v to y %v, want %d within %v", indexed, rmin, rmax, len(polys), want)
	}
	var blob []byte
	if err := db.QueryRow(`SELECT geom FROM areas WHERE fid = 2`).Scan(&blob); err != nil {
		t.Fatal(err)
	}
	if srid := int32(binary.LittleEndian.Uint32(blob[4:8])); srid != 3006 {
		t.Errorf("header srid %d", srid)
	}
	env := [4]float64{}
	for i := range env {
		env[i] = math.Float64frombits(binary.LittleEndian.Uint64(blob[8+8*i:]))
	}
	b := polys[1].Bound()
	if env != [4]float64{b.Min[0], b.Max[0], b.Min[1], b.Max[1]} {
		t.Errorf("header envelope %v, want %v", env, b)
	}
	ogrtest.Check(t, path, 2)
}

func TestWriterRejectsWrongType(t *testing.T) {
	s := LayerSchema{Name: "x", Fields: []FieldDef{{"n", FieldInt}}}
	tests := []struct {
		name  string
		value any
	}{{"string as int", "tre"}, {"fraction as int", 2.5}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := NewCSVWriter(&bytes.Buffer{}, s, CSVNoGeometry)
			if err != nil {
				t.Fatal(err)
			}
			err = w.Write(&Feature{Properties: map[string]any{"n": tc.value}})
			if err == nil || !strings.Contains(err.Error(), "field n") {
				t.Errorf("error %v, want one naming field n", err)
			}
		})
	}
}

func TestAppendCoord(t *testing.T) {
	tests := []struct {
		v    float64
		prec int
		want string
	}{{1.5, 3, "1.5"}, {2, 3, "2"}, {-0.0000001, 3, "0"}, {20.2626262, 7, "20.2626262"}, {760000.123456, 3, "760000.123"}}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := string(appendCoord(nil, tc.v, tc.prec)); got != tc.want {
				t.Errorf("appendCoord(%v, %d) = %s, want %s", tc.v, tc.prec, got, tc.want)
			}
		})
	}
}

func ExampleNewGeoJSONSeqWriter() {
	w, _ := NewGeoJSONSeqWriter(os.Stdout, LayerSchema{SRID: 4326, Fields: []FieldDef{{"operator", FieldString}, {"down_mbps", FieldFloat}}})
	w.Write(&Feature{Geometry: orb.Point{20.2630, 63.8258}, Properties: map[string]any{"operator": "Nordtel", "down_mbps": 100.0}})
	w.Close()
	// Output:
	// {"type":"Feature","properties":{"operator":"Nordtel","down_mbps":100},"geometry":{"type":"Point","coordinates":[20.263,63.8258]}}
}

func ExampleNewCSVWriter() {
	w, _ := NewCSVWriter(os.Stdout, LayerSchema{SRID: 3006, Fields: []FieldDef{{"id", FieldString}, {"households", FieldInt}}}, CSVXY)
	w.Write(&Feature{Geometry: orb.Point{759000, 7086000.5}, Properties: map[string]any{"id": "u1", "households": 2}})
	w.Close()
	// Output:
	// id,households,x,y
	// u1,2,759000,7086000.5
}
