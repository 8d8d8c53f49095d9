package geo

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestParseGeometryText(t *testing.T) {
	ring := orb.Ring{{0, 0}, {10, 0}, {10, 10}, {0, 0}}
	hole := orb.Ring{{1, 1}, {2, 1}, {2, 2}, {1, 1}}
	tests := []struct {
		name   string
		text   string
		want   orb.Geometry
		srid   int
		reason string
	}{
		{"point", "POINT (1 2)", orb.Point{1, 2}, 0, ""},
		{"lower case no space", "point(1.5 -2e3)", orb.Point{1.5, -2000}, 0, ""},
		{"point z", "POINT Z (1 2 3)", orb.Point{1, 2}, 0, ""},
		{"point zm glued", "POINTZM(1 2 3 4)", orb.Point{1, 2}, 0, ""},
		{"point m", "POINT M (1 2 4)", orb.Point{1, 2}, 0, ""},
		{"empty", "POINT EMPTY", nil, 0, ""},
		{"empty z", "LINESTRING Z EMPTY", nil, 0, ""},
		{"linestring zm", "LINESTRING ZM (1 2 3 4, 5 6 7 8)", orb.LineString{{1, 2}, {5, 6}}, 0, ""},
		{"polygon with hole", "POLYGON ((0 0, 10 0, 10 10, 0 0), (1 1, 2 1, 2 2, 1 1))", orb.Polygon{ring, hole}, 0, ""},
		{"multipoint parenthesised", "MULTIPOINT ((1 2), (3 4))", orb.MultiPoint{{1, 2}, {3, 4}}, 0, ""},
		{"multipoint bare", "MULTIPOINT (1 2, 3 4)", orb.MultiPoint{{1, 2}, {3, 4}}, 0, ""},
		{"multilinestring", "MULTILINESTRING ((1 2, 3 4), (5 6, 7 8))", orb.MultiLineString{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}, 0, ""},
		{"multipolygon", "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 0)), ((0 0, 10 0, 10 10, 0 0), (1 1, 2 1, 2 2, 1 1)))", orb.MultiPolygon{{ring}, {ring, hole}}, 0, ""},
		{"collection", "GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (1 2, 3 4))", orb.Collection{orb.Point{1, 2}, orb.LineString{{1, 2}, {3, 4}}}, 0, ""},
		{"ewkt", "SRID=3006;POINT(757000 7087000)", orb.Point{757000, 7087000}, 3006, ""},
		{"hex ewkb", string(AppendEWKBHex(nil, orb.Point{757000, 7087000}, 3006)), orb.Point{757000, 7087000}, 3006, ""},
		{"hex wkb", string(AppendEWKBHex(nil, orb.LineString{{1, 2}, {3, 4}}, 0)), orb.LineString{{1, 2}, {3, 4}}, 0, ""},
		{"big endian hex ewkb", "0020000001000003E840000000000000004010000000000000", orb.Point{2, 4}, 1000, ""},
		{"unclosed", "POINT (1 2", nil, 0, "expected ')'"},
		{"one number", "POINT (1)", nil, 0, "needs 2 to 4 numbers, found 1"},
		{"five numbers", "POINT (1 2 3 4 5)", nil, 0, "found 5"},
		{"unknown type", "CIRCLE (1 2)", nil, 0, "unknown geometry type CIRCLE"},
		{"trailing text", "POINT (1 2) x", nil, 0, "unexpected text after the geometry"},
		{"bad dimension", "POINT Q (1 2)", nil, 0, `unexpected "Q"`},
		{"bad srid", "SRID=x;POINT(1 2)", nil, 0, "bad EWKT SRID prefix"},
		{"empty text", "", nil, 0, "expected a geometry type"},
		{"missing comma", "LINESTRING (1 2 3 4 5 6)", nil, 0, "found 6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, srid, err := ParseGeometryText(tt.text)
			checkResult(t, g, err, tt.want, tt.reason)
			if tt.reason == "" && srid != tt.srid {
				t.Errorf("SRID = %d, want %d", srid, tt.srid)
			}
		})
	}
}

func TestCSVWKTSRID(t *testing.T) {
	tests := []struct {
		name, content string
		want          int
	}{
		{"ewkt", "id;geom\n1;\"SRID=3035;POINT(4800000 4700000)\"\n", 3035},
		{"hex ewkb", "id,geom\n1," + string(AppendEWKBHex(nil, orb.Point{1, 2}, 3021)) + "\n", 3021},
		{"plain wkt degrees", "id,wkt\n1,POINT Z (20 63 5)\n", 4326},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, r, err := readAll(t, writeTemp(t, "a.csv", tt.content), OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if r.SRID() != tt.want || len(fs) != 1 || fs[0].Geometry == nil {
				t.Errorf("SRID %d, %d features; want SRID %d and one feature with a geometry", r.SRID(), len(fs), tt.want)
			}
		})
	}
}

func TestNestingLimits(t *testing.T) {
	deep := func(open, close string, n int) string {
		var b []byte
		for range n {
			b = append(b, open...)
		}
		for range n {
			b = append(b, close...)
		}
		return string(b)
	}
	if _, _, err := ParseGeometryText(deep("GEOMETRYCOLLECTION(", ")", 100)); err == nil {
		t.Error("no error for collections nested 100 deep")
	}
	tests := []struct{ name, content string }{
		{"coordinates", `{"type":"Point","coordinates":` + deep("[", "]", 100000) + "}"},
		{"properties", `{"type":"Feature","geometry":null,"properties":{"a":` + deep("[", "]", 100000) + "}}"},
		{"collections", `{"type":"Feature","properties":{},"geometry":` + deep(`{"type":"GeometryCollection","geometries":[`, "]}", 1000) + "}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(t, writeTemp(t, "a.geojsonl", tt.content), OpenOptions{})
			if err == nil || !strings.Contains(err.Error(), "nested more than") {
				t.Errorf("error = %v, want a nesting error", err)
			}
		})
	}
}
