package geo

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

func TestReadGeoPackage(t *testing.T) {
	tests := []struct {
		name  string
		opt   OpenOptions
		srid  int
		geoms []orb.Geometry
		props []map[string]any
	}{
		{
			name: "first layer", srid: 3006,
			geoms: []orb.Geometry{orb.Point{612345.5, 7198765.25}, orb.Point{781000, 7189000}, nil},
			props: []map[string]any{
				{"fid": int64(1), "name": "Övre Älvdalen", "pop": int64(120), "area": 2.5, "fiber": true, "surveyed": "2024-05-17"},
				{"fid": int64(2), "name": "Skellefteå", "pop": int64(36000), "area": 1.25, "fiber": false, "surveyed": nil},
				{"fid": int64(3), "name": "Åsele", "pop": nil, "area": nil, "fiber": nil, "surveyed": "2023-01-02"},
			},
		},
		{
			name: "named layer with holes and multipolygons", opt: OpenOptions{Layer: "AREAS", SRID: 3021}, srid: 3021,
			geoms: []orb.Geometry{
				orb.MultiPolygon{{
					{{757000, 7087000}, {760000, 7087000}, {760000, 7090000}, {757000, 7090000}, {757000, 7087000}},
					{{758000, 7088000}, {758000, 7089000}, {759000, 7089000}, {758000, 7088000}},
				}},
				orb.MultiPolygon{
					{{{780000, 7180000}, {782000, 7180000}, {782000, 7182000}, {780000, 7180000}}},
					{{{790000, 7190000}, {792000, 7190000}, {792000, 7192000}, {790000, 7190000}}},
				},
			},
			props: []map[string]any{{"fid": int64(1), "code": "2480", "name": "Umeå"}, {"fid": int64(2), "code": "2482", "name": "Skellefteå"}},
		},
		{
			name: "Z dropped", opt: OpenOptions{Layer: "lines_z"}, srid: 3006,
			geoms: []orb.Geometry{
				orb.MultiLineString{{{757000, 7087000}, {758000, 7088000}, {759000, 7088500}}},
				orb.MultiLineString{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}},
			},
			// ogr2ogr made the integer property id the table's primary key.
			props: []map[string]any{{"id": int64(1), "kind": "feeder"}, {"id": int64(2), "kind": "drop"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, r, err := readAll(t, filepath.Join("testdata", "places.gpkg"), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			checkRead(t, fs, r, want{tt.srid, tt.geoms, tt.props, nil})
		})
	}
}

func TestGeoPackageErrors(t *testing.T) {
	notGPKG := filepath.Join(t.TempDir(), "x.gpkg")
	if err := os.WriteFile(notGPKG, []byte("SQLite format 3\x00garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		path   string
		opt    OpenOptions
		field  string
		reason string
	}{
		{"unknown layer", filepath.Join("testdata", "places.gpkg"), OpenOptions{Layer: "roads"}, "layer", `no feature table "roads"; the file has places, areas, lines_z`},
		{"not a geopackage", notGPKG, OpenOptions{}, "", "not a GeoPackage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(t, tt.path, tt.opt)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != tt.field || !strings.Contains(ie.Reason, tt.reason) {
				t.Errorf("error = %v, want an InputError on %q with %q", err, tt.field, tt.reason)
			}
		})
	}
}

// gpkgBlob builds a GeoPackage geometry: header with flags and an envelope of
// envDoubles values, then the WKB of g.
func gpkgBlob(flags byte, envDoubles int, g orb.Geometry) []byte {
	b := []byte{'G', 'P', 0, flags, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(b[4:], 3006)
	for range envDoubles {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(1))
	}
	if g != nil {
		w, _ := wkb.Marshal(g, binary.BigEndian)
		b = append(b, w...)
	}
	return b
}

func TestDecodeGPKGGeometry(t *testing.T) {
	pt := orb.Point{757000, 7087000}
	pg := orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}
	tests := []struct {
		name   string
		blob   []byte
		want   orb.Geometry
		reason string
	}{
		{"no envelope", gpkgBlob(1, 0, pt), pt, ""},
		{"xy envelope", gpkgBlob(1|1<<1, 4, pg), pg, ""},
		{"xyz envelope", gpkgBlob(1|2<<1, 6, pg), pg, ""},
		{"xyzm envelope", gpkgBlob(1|4<<1, 8, pg), pg, ""},
		{"empty flag", gpkgBlob(1|0x10, 0, nil), nil, ""},
		{"empty point as NaN", gpkgBlob(1, 0, orb.Point{math.NaN(), math.NaN()}), nil, ""},
		{"no magic", []byte("XX\x00\x01\x00\x00\x00\x00"), nil, "no GP header"},
		{"extended type", gpkgBlob(0x21, 0, pt), nil, "extended"},
		{"bad envelope code", gpkgBlob(1|5<<1, 0, pt), nil, "bad envelope code 5"},
		{"truncated header", gpkgBlob(1|1<<1, 1, nil), nil, "ends inside its header"},
		{"truncated wkb", gpkgBlob(1, 0, pg)[:30], nil, "exceeds the data"},
		{"truncated point", gpkgBlob(1, 0, pt)[:20], nil, "WKB ends early"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := decodeGPKGGeometry(tt.blob)
			checkResult(t, g, err, tt.want, tt.reason)
		})
	}
}

func TestDecodeWKB(t *testing.T) {
	ring := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}
	geoms := []orb.Geometry{
		orb.Point{1, 2},
		orb.MultiPoint{{1, 2}, {3, 4}},
		orb.LineString{{1, 2}, {3, 4}},
		orb.MultiLineString{{{1, 2}, {3, 4}}},
		orb.Polygon{ring, ring},
		orb.MultiPolygon{{ring}, {ring}},
		orb.Collection{orb.Point{1, 2}, orb.Polygon{ring}},
	}
	for _, g := range geoms {
		for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			t.Run(g.GeoJSONType()+" "+order.String(), func(t *testing.T) {
				b, err := wkb.Marshal(g, order)
				if err != nil {
					t.Fatal(err)
				}
				got, err := decodeWKB(b)
				if err != nil || !reflect.DeepEqual(got, g) {
					t.Errorf("got %#v, %v, want %#v", got, err, g)
				}
			})
		}
	}
	// ISO PointZ (1001), PointM (2001), PointZM (3001) and EWKB Z with SRID.
	le := binary.LittleEndian
	pointWith := func(typ uint32, srid bool, extra int) []byte {
		b := le.AppendUint32([]byte{1}, typ)
		if srid {
			b = le.AppendUint32(b, 3006)
		}
		for _, v := range []float64{5, 6, 7, 8}[:2+extra] {
			b = le.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	tests := []struct {
		name string
		b    []byte
	}{
		{"iso z", pointWith(1001, false, 1)},
		{"iso m", pointWith(2001, false, 1)},
		{"iso zm", pointWith(3001, false, 2)},
		{"ewkb z srid", pointWith(1|0x80000000|0x20000000, true, 1)},
		{"ewkb zm", pointWith(1|0x80000000|0x40000000, false, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeWKB(tt.b)
			if err != nil || got != (orb.Point{5, 6}) {
				t.Errorf("got %v, %v, want POINT (5 6)", got, err)
			}
		})
	}
	bad := []struct {
		name   string
		b      []byte
		reason string
	}{
		{"empty", nil, "ends early"},
		{"byte order", []byte{7, 1, 0, 0, 0}, "byte order"},
		{"type", le.AppendUint32([]byte{1}, 17), "unsupported WKB geometry type 17"},
		{"huge count", le.AppendUint32(le.AppendUint32([]byte{1}, 2), 1<<30), "exceeds the data"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeWKB(tt.b); err == nil || !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error = %v, want %q", err, tt.reason)
			}
		})
	}
}

func TestReadRealGeoPackage(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "data", "vasterbotten", "vasterbotten.gpkg")
	if _, err := os.Stat(path); err != nil {
		t.Logf("no reference data at %s; the fixtures cover GeoPackage", path)
		return
	}
	tests := []struct {
		layer string
		count int
	}{{"kommuner", 15}, {"tatorter", 71}, {"pop_1km_2024", 5158}}
	for _, tt := range tests {
		t.Run(tt.layer, func(t *testing.T) {
			fs, r, err := readAll(t, path, OpenOptions{Layer: tt.layer})
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != tt.count || r.SRID() != 3006 {
				t.Errorf("read %d features in EPSG:%d, want %d in EPSG:3006", len(fs), r.SRID(), tt.count)
			}
			area, _ := ValidArea(3006)
			for _, f := range fs {
				if f.Geometry == nil || !area.Contains(f.Geometry.Bound().Center()) {
					t.Fatalf("feature %d: geometry %v outside Sweden", f.Index, f.Geometry)
				}
			}
		})
	}
}
