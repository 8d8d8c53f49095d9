package geo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// readAll reads every feature of a file, stopping at the first error.
func readAll(t *testing.T, path string, opt OpenOptions) ([]*Feature, Reader, error) {
	t.Helper()
	r, err := Open(path, opt)
	if err != nil {
		return nil, nil, err
	}
	t.Cleanup(func() { r.Close() })
	var fs []*Feature
	for {
		f, err := r.Next()
		if errors.Is(err, io.EOF) {
			return fs, r, nil
		}
		if err != nil {
			return fs, r, err
		}
		fs = append(fs, f)
	}
}

// writeTemp writes content to a file named name in a temporary directory.
func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// want is what a test expects from reading a file.
type want struct {
	srid  int
	geoms []orb.Geometry
	props []map[string]any
	lines []int // nil for formats without lines
}

// checkRead compares the features read from r with w, and checks that the
// progress counters reached the end.
func checkRead(t *testing.T, fs []*Feature, r Reader, w want) {
	t.Helper()
	if r.SRID() != w.srid {
		t.Errorf("SRID = %d, want %d", r.SRID(), w.srid)
	}
	if len(fs) != len(w.geoms) {
		t.Fatalf("read %d features, want %d", len(fs), len(w.geoms))
	}
	for i, f := range fs {
		if f.Index != i+1 {
			t.Errorf("feature %d: Index = %d", i+1, f.Index)
		}
		if w.lines != nil && f.Line != w.lines[i] {
			t.Errorf("feature %d: Line = %d, want %d", i+1, f.Line, w.lines[i])
		}
		if !reflect.DeepEqual(f.Geometry, w.geoms[i]) {
			t.Errorf("feature %d: geometry = %#v, want %#v", i+1, f.Geometry, w.geoms[i])
		}
		if !reflect.DeepEqual(f.Properties, w.props[i]) {
			t.Errorf("feature %d: properties = %#v, want %#v", i+1, f.Properties, w.props[i])
		}
	}
	if r.Size() == 0 || r.BytesRead() != r.Size() {
		t.Errorf("BytesRead = %d, Size = %d after the last feature", r.BytesRead(), r.Size())
	}
}

// checkResult checks a result against a want, or the error against a reason
// when the reason is not empty.
func checkResult(t *testing.T, got any, err error, want any, reason string) {
	t.Helper()
	if reason != "" {
		if err == nil || !strings.Contains(err.Error(), reason) {
			t.Errorf("error = %v, want one containing %q", err, reason)
		}
		return
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, %v, want %#v", got, err, want)
	}
}

func TestReadFixtures(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		opt   OpenOptions
		srid  int
		geoms []orb.Geometry
		props []map[string]any
		lines []int
	}{
		{
			name: "geojson collection", file: "collection.geojson", srid: 4326,
			geoms: []orb.Geometry{
				orb.Point{18.5, 64.25},
				orb.Polygon{
					{{20, 63}, {21, 63}, {21, 64}, {20, 64}, {20, 63}},
					{{20.2, 63.2}, {20.4, 63.2}, {20.4, 63.4}, {20.2, 63.2}},
				},
				nil,
				orb.MultiLineString{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}},
				orb.Collection{orb.Point{1, 2}, orb.LineString{{1, 2}, {3, 4}}},
			},
			props: []map[string]any{
				{"name": "Övre Älvdalen", "pop": int64(120), "area": 2.5, "fiber": true, "note": nil, "tags": `["a","b"]`, "id": int64(17)},
				{"name": `Åsele "centrum"`},
				{"name": "Skellefteå"},
				{},
				nil,
			},
			lines: []int{5, 7, 10, 11, 12},
		},
		{
			name: "geojson crs member", file: "crs3006.geojson", srid: 3006,
			geoms: []orb.Geometry{orb.MultiPolygon{{{{757000, 7087000}, {760000, 7087000}, {760000, 7090000}, {757000, 7087000}}}}},
			props: []map[string]any{{"kommun_code": "2480", "name": "Umeå"}},
			lines: []int{2},
		},
		{
			name: "geojson srid override", file: "crs3006.geojson", opt: OpenOptions{SRID: 3021}, srid: 3021,
			geoms: []orb.Geometry{orb.MultiPolygon{{{{757000, 7087000}, {760000, 7087000}, {760000, 7090000}, {757000, 7087000}}}}},
			props: []map[string]any{{"kommun_code": "2480", "name": "Umeå"}},
			lines: []int{2},
		},
		{
			name: "geojsonseq with and without RS", file: "points.geojsonl", srid: 4326,
			geoms: []orb.Geometry{orb.Point{20.26, 63.83}, orb.Point{17.94, 64.60}, orb.Point{16.1, 65.0}},
			props: []map[string]any{{"id": "p1", "households": int64(2)}, {"id": "p2", "households": int64(0)}, nil},
			lines: []int{1, 2, 4},
		},
		{
			name: "csv lon lat", file: "points.csv", srid: 4326,
			geoms: []orb.Geometry{orb.Point{20.26, 63.83}, orb.Point{17.94, 64.60}, nil},
			props: []map[string]any{{"id": "p1", "name": "Umeå"}, {"id": "p2", "name": `Övre "Lilla" Älvdalen`}, {"id": "p3", "name": nil}},
			lines: []int{2, 3, 4},
		},
		{
			name: "csv quoted semicolon BOM decimal comma", file: "scb_semicolon.csv", srid: 3006,
			geoms: []orb.Geometry{orb.Point{478500, 7258500}, orb.Point{481500, 7287500}},
			props: []map[string]any{{"rutid": "4780007258000", "pop": "4"}, {"rutid": "4810007287000", "pop": nil}},
			lines: []int{2, 3},
		},
		{
			name: "csv column override", file: "scb_semicolon.csv", opt: OpenOptions{X: "y", Y: "x", SRID: 3006}, srid: 3006,
			geoms: []orb.Geometry{orb.Point{7258500, 478500}, orb.Point{7287500, 481500}},
			props: []map[string]any{{"rutid": "4780007258000", "pop": "4"}, {"rutid": "4810007287000", "pop": nil}},
			lines: []int{2, 3},
		},
		{
			name: "tsv wkt", file: "wkt.tsv", srid: 3006,
			geoms: []orb.Geometry{orb.LineString{{757000, 7087000}, {758000, 7088000}}, orb.Point{750000, 7100000}},
			props: []map[string]any{{"id": "l1", "kind": "feeder"}, {"id": "l2", "kind": nil}},
			lines: []int{2, 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, r, err := readAll(t, filepath.Join("testdata", tt.file), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			checkRead(t, fs, r, want{tt.srid, tt.geoms, tt.props, tt.lines})
		})
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		content string
		opt     OpenOptions
		line    int
		feature int
		field   string
		reason  string
	}{
		{name: "broken json", file: "a.geojson", content: "{\"type\":\"FeatureCollection\",\"features\":[\n{\"type\":\"Feature\" \"geometry\":null}]}",
			line: 2, feature: 1, reason: "expected ',' or '}'"},
		{name: "truncated collection", file: "a.geojson", content: "{\"type\":\"FeatureCollection\",\"features\":[\n{\"type\":\"Feature\",\"properties\":{},\"geometry\":null},\n",
			line: 3, feature: 2, field: "features", reason: "unexpected end of file inside the FeatureCollection"},
		{name: "truncated feature", file: "a.geojson", content: "{\"type\":\"FeatureCollection\",\"features\":[\n{\"type\":\"Feature\",\"properties\":{\"a\":",
			line: 2, feature: 1, field: "properties.a", reason: "unexpected end of file"},
		{name: "one coordinate", file: "a.geojsonl", content: "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1]}}\n",
			line: 1, feature: 1, field: "geometry.coordinates", reason: "needs 2 or more numbers, found 1"},
		{name: "wrong nesting", file: "a.geojsonl", content: "{\"type\":\"Feature\",\"geometry\":null}\n{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[1,2],[3,4]]}}\n",
			line: 2, feature: 2, field: "geometry", reason: "Polygon coordinates nested 2 deep, want 3"},
		{name: "mixed nesting", file: "a.geojsonl", content: "{\"type\":\"Feature\",\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[1,2],[[3,4]]]}}",
			line: 1, feature: 1, field: "geometry.coordinates", reason: "mixed nesting depths"},
		{name: "unknown geometry type", file: "a.geojsonl", content: "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Circle\",\"coordinates\":[1,2]}}",
			line: 1, feature: 1, field: "geometry", reason: `unknown geometry type "Circle"`},
		{name: "number as string", file: "a.geojsonl", content: "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[\"1\",2]}}",
			line: 1, feature: 1, field: "geometry.coordinates", reason: "expected a number"},
		{name: "missing type", file: "a.geojsonl", content: "{\"geometry\":null,\"properties\":{}}",
			line: 1, feature: 1, field: "type", reason: "missing type member"},
		{name: "not json", file: "a.geojson", content: "[1,2]",
			line: 1, reason: "expected a GeoJSON object"},
		{name: "empty geojson", file: "a.geojson", content: "", reason: "empty file"},
		{name: "unknown crs", file: "a.geojson", content: `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"local"}},"features":[]}`,
			line: 1, field: "crs", reason: `unknown CRS name "local"`},
		{name: "csv bad number", file: "a.csv", content: "lon,lat\n1,2\n3,x\n",
			line: 3, feature: 2, field: "lat", reason: `not a number: "x"`},
		{name: "csv one coordinate empty", file: "a.csv", content: "x,y\n500000,\n",
			line: 2, feature: 1, field: "y", reason: "empty coordinate"},
		{name: "csv field count", file: "a.csv", content: "lon,lat,name\n1,2,a\n3,4\n",
			line: 3, feature: 2, reason: "wrong number of fields (header has 3)"},
		{name: "csv bad quote", file: "a.csv", content: "lon,lat,name\n1,2,\"a\"b\n",
			line: 2, feature: 1, reason: "extraneous or missing"},
		{name: "csv bad wkt", file: "a.csv", content: "id,wkt\n1,\"POINT (1 2)\"\n2,\"POINT (1 2\"\n",
			line: 3, feature: 2, field: "wkt", reason: `bad WKT "POINT (1 2"`},
		{name: "csv missing override column", file: "a.csv", content: "a,b\n1,2\n", opt: OpenOptions{WKT: "shape"},
			line: 1, field: "shape", reason: `no WKT column named "shape"`},
		{name: "csv empty", file: "a.csv", content: "", reason: "empty file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, tt.file, tt.content)
			_, _, err := readAll(t, path, tt.opt)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error = %v (%T), want an *InputError", err, err)
			}
			if ie.File != path || ie.Line != tt.line || ie.Feature != tt.feature || ie.Field != tt.field || !strings.Contains(ie.Reason, tt.reason) {
				t.Errorf("error = %#v\nwant line %d, feature %d, field %q, reason containing %q", ie, tt.line, tt.feature, tt.field, tt.reason)
			}
		})
	}
}

func TestOpenName(t *testing.T) {
	path := writeTemp(t, "a.csv", "lon,lat\n1,x\n")
	_, _, err := readAll(t, path, OpenOptions{Name: "upload.csv"})
	var ie *InputError
	if !errors.As(err, &ie) || ie.File != "upload.csv" {
		t.Fatalf("error = %v, want an InputError naming upload.csv", err)
	}
}

func TestSRIDFromName(t *testing.T) {
	tests := []struct {
		name string
		want int
		ok   bool
	}{
		{"urn:ogc:def:crs:EPSG::3006", 3006, true},
		{"urn:ogc:def:crs:EPSG:6.3:3035", 3035, true},
		{"EPSG:3006", 3006, true},
		{"http://www.opengis.net/def/crs/EPSG/0/3021", 3021, true},
		{"urn:ogc:def:crs:OGC:1.3:CRS84", 4326, true},
		{"OGC:CRS84", 4326, true},
		{"local", 0, false},
		{"EPSG:abc", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := SRIDFromName(tt.name)
			if got != tt.want || ok != tt.ok {
				t.Errorf("SRIDFromName(%q) = %d, %v, want %d, %v", tt.name, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCSVGuessSRID(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    int
	}{
		{"degrees", "x,y\n20.2,63.8\n-5,40\n", 4326},
		{"sweref metres", "x,y\n757000,7087000\n500000,6500000\n", 3006},
		{"neither", "x,y\n1e7,1e7\n", 0},
		{"no geometry", "a,b\n1,2\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(writeTemp(t, "a.csv", tt.content), OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.SRID() != tt.want {
				t.Errorf("SRID = %d, want %d", r.SRID(), tt.want)
			}
		})
	}
}

// TestReadRealData reads the Västerbotten reference files when present.
func TestReadRealData(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "data", "vasterbotten")
	if _, err := os.Stat(dir); err != nil {
		t.Logf("no reference data in %s; checking the fixtures only", dir)
		return
	}
	tests := []struct {
		file  string
		opt   OpenOptions
		srid  int
		count int
	}{
		{"kommuner.geojson", OpenOptions{}, 4326, 15},
		{"tatorter.geojson", OpenOptions{}, 4326, 71},
		{"pop_1km_2024.csv", OpenOptions{X: "x_ll", Y: "y_ll"}, 3006, 5158},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			fs, r, err := readAll(t, filepath.Join(dir, tt.file), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != tt.count || r.SRID() != tt.srid {
				t.Errorf("read %d features in EPSG:%d, want %d in EPSG:%d", len(fs), r.SRID(), tt.count, tt.srid)
			}
			for _, f := range fs {
				if f.Geometry == nil {
					t.Fatalf("feature %d has no geometry", f.Index)
				}
			}
		})
	}
}

// TestGeoJSONBufferBoundaries reads the fixtures with tiny buffers, so that
// every token is split across refills somewhere, and compares with a normal read.
func TestGeoJSONBufferBoundaries(t *testing.T) {
	files := []string{"collection.geojson", "crs3006.geojson", "points.geojsonl"}
	for _, file := range files {
		path := filepath.Join("testdata", file)
		want, _, err := readAll(t, path, OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for size := 1; size <= 19; size++ {
			t.Run(fmt.Sprintf("%s/%d", file, size), func(t *testing.T) {
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				g, err := openGeoJSON(f, path, 0, OpenOptions{})
				if err != nil {
					t.Fatal(err)
				}
				defer g.Close()
				g.s = newJSONScanner(f, size)
				r, err := withHeader(g)
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; ; i++ {
					got, err := r.Next()
					if errors.Is(err, io.EOF) {
						if i != len(want) {
							t.Fatalf("read %d features, want %d", i, len(want))
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want[i]) {
						t.Fatalf("feature %d = %#v, want %#v", i+1, got, want[i])
					}
				}
			})
		}
	}
}

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name, file, content string
		want                Format
		reason              string
	}{
		{"geojson by content", "data.txt", `  {"type":"FeatureCollection"}`, FormatGeoJSON, ""},
		{"geojsonseq with RS", "data", "\x1e{\"type\":\"Feature\"}", FormatGeoJSON, ""},
		{"geojson with BOM", "data", "\xef\xbb\xbf{}", FormatGeoJSON, ""},
		{"sqlite header", "data.bin", "SQLite format 3\x00", FormatGeoPackage, ""},
		{"shapefile by extension", "data.SHP", "", FormatShapefile, ""},
		{"csv by extension", "data.CSV", "a,b\n", FormatCSV, ""},
		{"tsv by extension", "data.tsv", "a\tb\n", FormatCSV, ""},
		{"empty geojson by extension", "data.geojson", "", FormatGeoJSON, ""},
		{"empty unknown", "data.bin", "", "", "empty file"},
		{"unknown", "data.bin", "PK\x03\x04", "", "unknown format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DetectFormat(writeTemp(t, tt.file, tt.content))
			checkResult(t, got, err, tt.want, tt.reason)
		})
	}
}

// TestGeoJSONRecovery checks what Next does after an error: it goes on after
// a bad but well-formed feature and after a malformed GeoJSONSeq line, and
// repeats the error after malformed JSON inside a FeatureCollection.
func TestGeoJSONRecovery(t *testing.T) {
	good := `{"type":"Feature","properties":{"n":%d},"geometry":{"type":"Point","coordinates":[1,2]}}`
	feature := func(n int) string { return fmt.Sprintf(good, n) }
	tests := []struct {
		name    string
		file    string
		content string
		// results lists, per call of Next, the property n of the feature or
		// the start of the error's reason.
		results []string
	}{
		{"seq malformed line", "a.geojsonl", feature(1) + "\n{\"type\":\"Feature\" \"x\"}\n" + feature(3) + "\n",
			[]string{"1", "expected ',' or '}'", "3", "EOF"}},
		{"seq malformed first line", "a.geojsonl", "{\"type\":\"Feature\",]\n" + feature(2) + "\n",
			[]string{"expected a string key", "2", "EOF"}},
		{"seq garbage line", "a.geojsonl", feature(1) + "\nhello\n\x1e" + feature(3) + "\n",
			[]string{"1", "expected a GeoJSON object", "3", "EOF"}},
		{"seq truncated last line", "a.geojsonl", feature(1) + "\n{\"type\":\"Feat",
			[]string{"1", "unexpected end of file", "EOF"}},
		{"collection semantic errors", "a.geojson", `{"type":"FeatureCollection","features":[` + feature(1) +
			`,{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1]}}` +
			`,{"type":"Feature","properties":[],"geometry":null}` +
			`,{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[1,2]]}}` +
			`,{"type":"Feature","properties":{},"geometry":{"type":7,"coordinates":[1,2]}}` +
			`,{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,[2]]}}` +
			`,` + feature(7) + `]}`,
			[]string{"1", "a position needs 2", "expected an object or null", "Polygon coordinates nested 2 deep", "expected a string", "expected a number, found '['", "7", "EOF"}},
		{"collection malformed", "a.geojson", `{"type":"FeatureCollection","features":[` + feature(1) + `,{"type":"Feature",,}` + feature(3) + `]}`,
			[]string{"1", "expected a string key", "expected a string key", "expected a string key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(writeTemp(t, tt.file, tt.content), OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for i, want := range tt.results {
				f, err := r.Next()
				var got string
				switch {
				case errors.Is(err, io.EOF):
					got = "EOF"
				case err != nil:
					var ie *InputError
					if !errors.As(err, &ie) {
						t.Fatalf("call %d: error %v is not an InputError", i+1, err)
					}
					got = ie.Reason
				default:
					got = fmt.Sprint(f.Properties["n"])
					if f.Index != i+1 {
						t.Errorf("call %d: Index %d", i+1, f.Index)
					}
				}
				if !strings.HasPrefix(got, want) {
					t.Errorf("call %d: got %q, want %q", i+1, got, want)
				}
			}
		})
	}
}

// TestCSVGoesOnAfterErrors checks that a bad row, inside or after the rows
// read ahead to guess the CRS, does not end the reading.
func TestCSVGoesOnAfterErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,lon,lat\n")
	for i := 1; i <= csvGuessRows+10; i++ {
		switch i {
		case 3, csvGuessRows + 5:
			fmt.Fprintf(&b, "%d,x,63\n", i)
		case 7:
			fmt.Fprintf(&b, "%d,20\n", i)
		default:
			fmt.Fprintf(&b, "%d,20.%d,63.5\n", i, i)
		}
	}
	r, err := Open(writeTemp(t, "a.csv", b.String()), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.SRID() != 4326 {
		t.Errorf("SRID %d, want 4326", r.SRID())
	}
	var rows, bad []int
	for {
		f, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var ie *InputError
		if errors.As(err, &ie) {
			bad = append(bad, ie.Feature)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, f.Index)
	}
	if len(rows) != csvGuessRows+7 || !reflect.DeepEqual(bad, []int{3, 7, csvGuessRows + 5}) {
		t.Errorf("read %d rows, errors in rows %v; want %d rows, errors in 3, 7 and %d", len(rows), bad, csvGuessRows+7, csvGuessRows+5)
	}
}
