package geo

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestReadShapefile(t *testing.T) {
	places := []map[string]any{
		{"name": "Övre Älvdalen", "pop": int64(120), "area": 2.5, "fiber": int64(1), "surveyed": "2024-05-17"},
		{"name": "Skellefteå", "pop": int64(36000), "area": 1.25, "fiber": int64(0), "surveyed": nil},
		{"name": "Åsele", "pop": nil, "area": nil, "fiber": nil, "surveyed": "2023-01-02"},
	}
	placeGeoms := []orb.Geometry{orb.Point{612345.5, 7198765.25}, orb.Point{781000, 7189000}, nil}
	tests := []struct {
		name     string
		file     string
		opt      OpenOptions
		srid     int
		encoding string
		geoms    []orb.Geometry
		props    []map[string]any
	}{
		{name: "latin1 cpg", file: "places_latin1.shp", srid: 3006, encoding: "ISO-8859-1", geoms: placeGeoms, props: places},
		{name: "no cpg defaults to latin1", file: "places_nocpg.shp", srid: 3006, encoding: "ISO-8859-1", geoms: placeGeoms, props: places},
		{name: "utf8 cpg", file: "places_utf8.shp", srid: 3006, encoding: "UTF-8", geoms: placeGeoms, props: places},
		{name: "point m", file: "places_m.shp", srid: 3006, encoding: "UTF-8", geoms: placeGeoms, props: places},
		{name: "srid override", file: "places_utf8.shp", opt: OpenOptions{SRID: 3021}, srid: 3021, encoding: "UTF-8", geoms: placeGeoms, props: places},
		{
			name: "polygons with holes", file: "areas.shp", srid: 3006, encoding: "ISO-8859-1",
			geoms: []orb.Geometry{
				orb.Polygon{
					{{757000, 7087000}, {757000, 7090000}, {760000, 7090000}, {760000, 7087000}, {757000, 7087000}},
					{{758000, 7088000}, {759000, 7089000}, {758000, 7089000}, {758000, 7088000}},
				},
				orb.MultiPolygon{
					{{{780000, 7180000}, {782000, 7182000}, {782000, 7180000}, {780000, 7180000}}},
					{{{790000, 7190000}, {792000, 7192000}, {792000, 7190000}, {790000, 7190000}}},
				},
			},
			props: []map[string]any{{"code": "2480", "name": "Umeå"}, {"code": "2482", "name": "Skellefteå"}},
		},
		{
			name: "polyline z", file: "lines_z.shp", srid: 3006, encoding: "ISO-8859-1",
			geoms: []orb.Geometry{
				orb.LineString{{757000, 7087000}, {758000, 7088000}, {759000, 7088500}},
				orb.MultiLineString{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}},
			},
			props: []map[string]any{{"id": int64(1), "kind": "feeder"}, {"id": int64(2), "kind": "drop"}},
		},
		{
			name: "multipoint wgs84", file: "mpoints.shp", srid: 4326, encoding: "ISO-8859-1",
			geoms: []orb.Geometry{orb.MultiPoint{{20.26, 63.83}, {17.94, 64.6}}},
			props: []map[string]any{{"n": int64(2)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, r, err := readAll(t, filepath.Join("testdata", tt.file), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if enc := r.(*shpReader).Encoding(); !strings.EqualFold(enc, tt.encoding) {
				t.Errorf("encoding %q, want %q", enc, tt.encoding)
			}
			checkRead(t, fs, r, want{tt.srid, tt.geoms, tt.props, nil})
		})
	}
}

// copyShapefile copies a fixture's files into a temporary directory and
// returns the new .shp path.
func copyShapefile(t *testing.T, base string, exts ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, ext := range exts {
		b, err := os.ReadFile(filepath.Join("testdata", base+ext))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, base+ext), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, base+".shp")
}

func TestShapefileErrors(t *testing.T) {
	all := []string{".shp", ".dbf", ".prj", ".cpg"}
	tests := []struct {
		name    string
		edit    func(t *testing.T, shp string)
		feature int
		field   string
		reason  string
	}{
		{"truncated shp", func(t *testing.T, shp string) { truncate(t, shp, 150) }, 2, "", "file ends inside a record (truncated file?)"},
		{"bad file code", func(t *testing.T, shp string) { patch(t, shp, 0, []byte{0, 0, 0, 1}) }, 0, "", "not a shapefile"},
		{"short header", func(t *testing.T, shp string) { truncate(t, shp, 50) }, 0, "", "100-byte header"},
		{"unknown code page", func(t *testing.T, shp string) { write(t, strings.TrimSuffix(shp, ".shp")+".cpg", "EBCDIC") }, 0, "", `unknown code page "EBCDIC"`},
		{"multipatch", func(t *testing.T, shp string) { patch(t, shp, 108, le32(31)) }, 1, "geometry", "unsupported shape type 31"},
		{"short point", func(t *testing.T, shp string) { patch(t, shp, 104, []byte{0, 0, 0, 4}) }, 1, "geometry", "needs 20"},
		{"fewer dbf records", func(t *testing.T, shp string) { patch(t, strings.TrimSuffix(shp, ".shp")+".dbf", 4, le32(2)) }, 3, "", "the .dbf has only 2 records"},
		{"more dbf records", func(t *testing.T, shp string) { patch(t, strings.TrimSuffix(shp, ".shp")+".dbf", 4, le32(4)) }, 0, "", "the .shp has 3 records but the .dbf has 4"},
		{"bad number", func(t *testing.T, shp string) {
			// pop of the first record: after the flag (1) and name (80 bytes).
			patch(t, strings.TrimSuffix(shp, ".shp")+".dbf", 193+81, []byte("      1x0"))
		}, 1, "pop", `not a number: "1x0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shp := copyShapefile(t, "places_latin1", all...)
			tt.edit(t, shp)
			_, _, err := readAll(t, shp, OpenOptions{})
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error = %v, want an InputError", err)
			}
			if ie.Feature != tt.feature || ie.Field != tt.field || !strings.Contains(ie.Reason, tt.reason) {
				t.Errorf("error = %#v, want feature %d, field %q, reason %q", ie, tt.feature, tt.field, tt.reason)
			}
		})
	}
}

func TestShapefileWithoutDBF(t *testing.T) {
	shp := copyShapefile(t, "places_latin1", ".shp")
	fs, r, err := readAll(t, shp, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 3 || fs[0].Properties != nil || r.SRID() != 0 {
		t.Errorf("read %d features, first properties %v, SRID %d; want 3, nil, 0", len(fs), fs[0].Properties, r.SRID())
	}
}

func TestShapefileDeletedRecord(t *testing.T) {
	shp := copyShapefile(t, "places_latin1", ".shp", ".dbf")
	// The second record's deletion flag: header 193 bytes + one record of 123.
	patch(t, strings.TrimSuffix(shp, ".shp")+".dbf", 193+123, []byte{'*'})
	fs, _, err := readAll(t, shp, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 || fs[0].Index != 1 || fs[1].Index != 3 {
		t.Errorf("read %d features, want records 1 and 3", len(fs))
	}
}

func truncate(t *testing.T, path string, n int64) {
	t.Helper()
	if err := os.Truncate(path, n); err != nil {
		t.Fatal(err)
	}
}

func patch(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func TestDBFValue(t *testing.T) {
	r := &shpReader{decode: latin1String}
	tests := []struct {
		name   string
		field  dbfField
		raw    string
		want   any
		reason string
	}{
		{"char latin1", dbfField{typ: 'C'}, "Skellefte\xe5   ", "Skellefteå", ""},
		{"char blank", dbfField{typ: 'C'}, "     ", nil, ""},
		{"integer", dbfField{typ: 'N'}, "   42", int64(42), ""},
		{"negative", dbfField{typ: 'N'}, "  -42", int64(-42), ""},
		{"decimal", dbfField{typ: 'N', decimals: 2}, " 4.25", 4.25, ""},
		{"float type", dbfField{typ: 'F', decimals: 3}, " 1.5e3", 1500.0, ""},
		{"overflow stars", dbfField{typ: 'N'}, "*****", nil, ""},
		{"numeric blank", dbfField{typ: 'N'}, "     ", nil, ""},
		{"numeric bad", dbfField{typ: 'N'}, "  abc", nil, "not a number"},
		{"logical true", dbfField{typ: 'L'}, "T", true, ""},
		{"logical yes", dbfField{typ: 'L'}, "y", true, ""},
		{"logical false", dbfField{typ: 'L'}, "F", false, ""},
		{"logical unknown", dbfField{typ: 'L'}, "?", nil, ""},
		{"date", dbfField{typ: 'D'}, "20240517", "2024-05-17", ""},
		{"date blank", dbfField{typ: 'D'}, "        ", nil, ""},
		{"date zero", dbfField{typ: 'D'}, "00000000", nil, ""},
		{"date bad", dbfField{typ: 'D'}, "2024517 ", nil, "bad date"},
		{"memo pointer kept as text", dbfField{typ: 'M'}, "        12", "12", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.value(tt.field, []byte(tt.raw))
			checkResult(t, got, err, tt.want, tt.reason)
		})
	}
}

func TestDecoderFor(t *testing.T) {
	tests := []struct {
		cpg  string
		in   string
		want string
	}{
		{"UTF-8", "Ume\xc3\xa5", "Umeå"},
		{"65001", "Ume\xc3\xa5", "Umeå"},
		{"ISO-8859-1", "Ume\xe5", "Umeå"},
		{"88591", "\xd6vre \xc4lvdalen", "Övre Älvdalen"},
		{"latin1", "Ume\xe5", "Umeå"},
		{"1252", "\x80 Ume\xe5", "€ Umeå"},
		{"ANSI 1252", "Ume\xe5", "Umeå"},
		{"CP1252", "Ume\xe5", "Umeå"},
		{"ISO-8859-15", "\xa4", "€"},
		{"CP850", "Ume\x86", "Umeå"},
		{"437", "Ume\x86", "Umeå"},
	}
	for _, tt := range tests {
		t.Run(tt.cpg, func(t *testing.T) {
			dec, _, err := decoderFor(tt.cpg)
			if err != nil {
				t.Fatal(err)
			}
			if got := dec([]byte(tt.in)); got != tt.want {
				t.Errorf("decoded %q, want %q", got, tt.want)
			}
		})
	}
	if _, _, err := decoderFor("KOI8-R"); err == nil {
		t.Error("no error for an unsupported code page")
	}
}

func TestAssemblePolygons(t *testing.T) {
	cw := func(x, y, s float64) []orb.Point { // clockwise square
		return []orb.Point{{x, y}, {x, y + s}, {x + s, y + s}, {x + s, y}, {x, y}}
	}
	ccw := func(x, y, s float64) []orb.Point {
		return []orb.Point{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}, {x, y}}
	}
	tests := []struct {
		name  string
		rings [][]orb.Point
		want  orb.Geometry
	}{
		{"one outer", [][]orb.Point{cw(0, 0, 10)}, orb.Polygon{cw(0, 0, 10)}},
		{"outer and hole", [][]orb.Point{cw(0, 0, 10), ccw(2, 2, 2)}, orb.Polygon{cw(0, 0, 10), ccw(2, 2, 2)}},
		{"hole before its outer", [][]orb.Point{ccw(2, 2, 2), cw(0, 0, 10)}, orb.Polygon{cw(0, 0, 10), ccw(2, 2, 2)}},
		{"two outers, hole in the second", [][]orb.Point{cw(0, 0, 10), cw(20, 0, 10), ccw(22, 2, 2)},
			orb.MultiPolygon{{cw(0, 0, 10)}, {cw(20, 0, 10), ccw(22, 2, 2)}}},
		{"nested: hole goes to the smallest outer", [][]orb.Point{cw(0, 0, 100), ccw(10, 10, 50), cw(20, 20, 20), ccw(25, 25, 5)},
			orb.MultiPolygon{{cw(0, 0, 100), ccw(10, 10, 50)}, {cw(20, 20, 20), ccw(25, 25, 5)}}},
		{"counter-clockwise only (wrong writer)", [][]orb.Point{ccw(0, 0, 10)}, orb.Polygon{ccw(0, 0, 10)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := assemblePolygons(tt.rings)
			if !reflect.DeepEqual(got, toRings(tt.want)) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// toRings converts the []orb.Point literals in test polygons to orb.Ring.
func toRings(g orb.Geometry) orb.Geometry {
	return MapPoints(g, func(p orb.Point) orb.Point { return p })
}

func TestSRIDFromWKT(t *testing.T) {
	esri3006, err := os.ReadFile(filepath.Join("testdata", "places_latin1.prj"))
	if err != nil {
		t.Fatal(err)
	}
	esri4326, err := os.ReadFile(filepath.Join("testdata", "mpoints.prj"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		wkt  string
		want int
	}{
		{"esri sweref99 tm", string(esri3006), 3006},
		{"esri wgs84", string(esri4326), 4326},
		{"ogc authority", `PROJCS["SWEREF99 TM",GEOGCS["SWEREF99",DATUM["SWEREF99",SPHEROID["GRS 1980",6378137,298.257222101,AUTHORITY["EPSG","7019"]],AUTHORITY["EPSG","6619"]],AUTHORITY["EPSG","4619"]],PROJECTION["Transverse_Mercator"],UNIT["metre",1],AUTHORITY["EPSG","3006"]]`, 3006},
		{"wkt2 id", `PROJCRS["ETRS89-extended / LAEA Europe",BASEGEOGCRS["ETRS89",ID["EPSG",4258]],CONVERSION["Europe Equal Area 2001",ID["EPSG",19986]],ID["EPSG",3035]]`, 3035},
		{"esri laea", `PROJCS["ETRS_1989_LAEA",GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]]],PROJECTION["Lambert_Azimuthal_Equal_Area"]]`, 3035},
		{"esri rt90", `PROJCS["RT90_25_gon_V",GEOGCS["GCS_RT_1990",DATUM["D_RT_1990",SPHEROID["Bessel_1841",6377397.155,299.1528128]]],PROJECTION["Transverse_Mercator"]]`, 3021},
		{"ogc rt90", `PROJCS["RT90 2.5 gon V",GEOGCS["RT90",DATUM["Rikets_koordinatsystem_1990",SPHEROID["Bessel 1841",6377397.155,299.1528128]]]]`, 3021},
		{"web mercator", `PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]]]]`, 3857},
		{"etrs89 geographic", `GEOGCS["GCS_ETRS_1989",DATUM["D_ETRS_1989",SPHEROID["GRS_1980",6378137.0,298.257222101]]]`, 4258},
		{"authority only in the datum", `GEOGCS["Unknown",DATUM["D",SPHEROID["GRS 1980",6378137,298.257222101],AUTHORITY["EPSG","6619"]]]`, 0},
		{"unknown", `PROJCS["Local grid",GEOGCS["x"]]`, 0},
		{"empty", ``, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := SRIDFromWKT(tt.wkt)
			if got != tt.want || ok != (tt.want != 0) {
				t.Errorf("SRIDFromWKT = %d, %v, want %d", got, ok, tt.want)
			}
		})
	}
}

func TestLatin1String(t *testing.T) {
	if got := latin1String([]byte("plain")); got != "plain" {
		t.Errorf("ascii: %q", got)
	}
	if got := latin1String([]byte{0xd6, 'v', 'r', 'e'}); got != "Övre" {
		t.Errorf("latin1: %q", got)
	}
}

func TestShapefileGoesOnAfterBadShape(t *testing.T) {
	shp := copyShapefile(t, "places_latin1", ".shp", ".dbf", ".cpg")
	patch(t, shp, 108, le32(31)) // the first record becomes a MultiPatch
	r, err := Open(shp, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(); err == nil || !strings.Contains(err.Error(), "unsupported shape type 31") {
		t.Fatalf("first record: error %v, want unsupported shape type", err)
	}
	f, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if f.Index != 2 || f.Properties["name"] != "Skellefteå" {
		t.Errorf("second record: index %d, name %v; want 2, Skellefteå", f.Index, f.Properties["name"])
	}
}
