package geo

import (
	"encoding/hex"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
)

// swedenGrid returns lon/lat points covering Sweden and its surroundings.
func swedenGrid() []orb.Point {
	var ps []orb.Point
	for lon := 10.0; lon <= 25; lon += 1.5 {
		for lat := 55.0; lat <= 69.5; lat += 1.45 {
			ps = append(ps, orb.Point{lon, lat})
		}
	}
	return ps
}

func TestTransformRoundTrip(t *testing.T) {
	for _, srid := range []int{SRIDSWEREF99TM, SRIDETRS89LAEA, SRIDWebMercator} {
		t.Run(fmt.Sprint(srid), func(t *testing.T) {
			fwd, err := Transformer(SRIDWGS84, srid)
			if err != nil {
				t.Fatal(err)
			}
			inv, err := Transformer(srid, SRIDETRS89)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range swedenGrid() {
				q := inv(fwd(p))
				// 1e-9 degrees is about 0.1 mm.
				if math.Abs(q[0]-p[0]) > 1e-9 || math.Abs(q[1]-p[1]) > 1e-9 {
					t.Errorf("%v -> %v -> %v", p, fwd(p), q)
				}
			}
		})
	}
}

func TestTransformErrors(t *testing.T) {
	tests := []struct{ from, to int }{{SRIDRT90, SRIDSWEREF99TM}, {SRIDWGS84, 32633}, {0, SRIDWGS84}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d-%d", tt.from, tt.to), func(t *testing.T) {
			if _, err := Transform(orb.Point{1, 2}, tt.from, tt.to); err == nil || !strings.Contains(err.Error(), "no built-in transformation") {
				t.Errorf("error = %v, want no built-in transformation", err)
			}
		})
	}
}

func TestTransformGeometryTypes(t *testing.T) {
	fwd, _ := Transformer(SRIDWGS84, SRIDSWEREF99TM)
	ring := orb.Ring{{18, 64}, {19, 64}, {19, 65}, {18, 64}}
	tests := []struct {
		name string
		g    orb.Geometry
	}{
		{"point", orb.Point{18, 64}},
		{"multipoint", orb.MultiPoint{{18, 64}, {19, 65}}},
		{"linestring", orb.LineString{{18, 64}, {19, 65}}},
		{"multilinestring", orb.MultiLineString{{{18, 64}, {19, 65}}}},
		{"polygon", orb.Polygon{ring}},
		{"multipolygon", orb.MultiPolygon{{ring}, {ring}}},
		{"collection", orb.Collection{orb.Point{18, 64}, orb.Polygon{ring}}},
		{"ring", ring},
		{"nil", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := orb.Clone(tt.g)
			got, err := Transform(tt.g, SRIDWGS84, SRIDSWEREF99TM)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tt.g, before) {
				t.Error("Transform modified its input")
			}
			if tt.g == nil {
				if got != nil {
					t.Errorf("got %v for nil", got)
				}
				return
			}
			if got.GeoJSONType() != tt.g.GeoJSONType() {
				t.Errorf("type %s, want %s", got.GeoJSONType(), tt.g.GeoJSONType())
			}
			want := fwd(orb.Point{18, 64})
			if got.Bound().Min != want {
				t.Errorf("first point %v, want %v", got.Bound().Min, want)
			}
		})
	}
}

func TestValidArea(t *testing.T) {
	tests := []struct {
		srid int
		in   orb.Point
		ok   bool
	}{
		{SRIDWGS84, orb.Point{20.26, 63.83}, true},
		{SRIDSWEREF99TM, orb.Point{757000, 7087000}, true},
		{SRIDETRS89LAEA, orb.Point{4800000, 4700000}, true},
		{SRIDWebMercator, orb.Point{2255000, 9340000}, true},
		{SRIDRT90, orb.Point{1720000, 7085000}, true},
		{32633, orb.Point{}, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.srid), func(t *testing.T) {
			b, ok := ValidArea(tt.srid)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if ok && !b.Contains(tt.in) {
				t.Errorf("%v not in %v", tt.in, b)
			}
		})
	}
}

func TestValidAreaSweden(t *testing.T) {
	// Every point of the Swedish grid that lies in Sweden's lon/lat box maps
	// into the SWEREF99 TM valid area.
	area, _ := ValidArea(SRIDSWEREF99TM)
	fwd, _ := Transformer(SRIDWGS84, SRIDSWEREF99TM)
	for _, p := range swedenGrid() {
		if p[0] < 11 || p[0] > 24 || p[1] < 55.3 || p[1] > 69 {
			continue
		}
		if q := fwd(p); !area.Contains(q) {
			t.Errorf("%v -> %v outside %v", p, q, area)
		}
	}
}

func TestCheckPlausible(t *testing.T) {
	tests := []struct {
		name   string
		p      orb.Point
		srid   int
		reason string // "" = plausible
	}{
		{"umea lon lat", orb.Point{20.26, 63.83}, SRIDWGS84, ""},
		{"umea lat lon", orb.Point{63.83, 20.26}, SRIDWGS84, "longitude and latitude swapped"},
		{"sweref as degrees", orb.Point{757000, 7087000}, SRIDWGS84, "looks like SWEREF99 TM metres"},
		{"other metres as degrees", orb.Point{4800000, 4700000}, SRIDWGS84, "metres given as degrees"},
		{"outside europe", orb.Point{-100, 40}, SRIDWGS84, "outside Europe"},
		{"sweref", orb.Point{757000, 7087000}, SRIDSWEREF99TM, ""},
		{"sweref swapped", orb.Point{7087000, 757000}, SRIDSWEREF99TM, "x and y swapped"},
		{"degrees as sweref", orb.Point{20.26, 63.83}, SRIDSWEREF99TM, "looks like degrees"},
		{"far sweref", orb.Point{3000000, 7087000}, SRIDSWEREF99TM, "outside the area of EPSG:3006"},
		{"laea", orb.Point{4800000, 4700000}, SRIDETRS89LAEA, ""},
		{"unknown srid", orb.Point{1, 2}, 32633, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPlausible(tt.p, tt.srid)
			switch {
			case tt.reason == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.reason != "" && (err == nil || !strings.Contains(err.Error(), tt.reason)):
				t.Errorf("error %v, want one containing %q", err, tt.reason)
			}
		})
	}
}

func TestAppendEWKBHex(t *testing.T) {
	ring := orb.Ring{{0, 0}, {10, 0}, {10, 10}, {0, 0}}
	hole := orb.Ring{{1, 1}, {2, 1}, {2, 2}, {1, 1}}
	tests := []struct {
		name string
		g    orb.Geometry
		srid int
		want orb.Geometry // when it differs from g
	}{
		{"point", orb.Point{757000.25, 7087000.5}, 3006, nil},
		{"point no srid", orb.Point{1, 2}, 0, nil},
		{"multipoint", orb.MultiPoint{{1, 2}, {3, 4}}, 4326, nil},
		{"linestring", orb.LineString{{1, 2}, {3, 4}}, 3006, nil},
		{"multilinestring", orb.MultiLineString{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}, 3006, nil},
		{"polygon with hole", orb.Polygon{ring, hole}, 3006, nil},
		{"multipolygon", orb.MultiPolygon{{ring, hole}, {ring}}, 3035, nil},
		{"collection", orb.Collection{orb.Point{1, 2}, orb.LineString{{1, 2}, {3, 4}}}, 3006, nil},
		{"ring", ring, 3006, orb.Polygon{ring}},
		{"bound", orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}, 3006, orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}.ToPolygon()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AppendEWKBHex([]byte("prefix"), tt.g, tt.srid)
			if !strings.HasPrefix(string(got), "prefix") {
				t.Fatalf("lost the prefix: %s", got)
			}
			b, err := hex.DecodeString(string(got[len("prefix"):]))
			if err != nil {
				t.Fatal(err)
			}
			g, srid, err := ewkb.Unmarshal(b)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == nil {
				want = tt.g
			}
			if srid != tt.srid || !reflect.DeepEqual(g, want) {
				t.Errorf("decoded %#v SRID %d, want %#v SRID %d", g, srid, want, tt.srid)
			}
			if ref := ewkb.MustMarshalToHex(want, tt.srid); !strings.EqualFold(ref, string(got[len("prefix"):])) {
				t.Errorf("hex differs from orb's encoder:\n%s\n%s", got[len("prefix"):], ref)
			}
		})
	}
	if got := AppendEWKBHex(nil, nil, 3006); len(got) != 0 {
		t.Errorf("nil geometry appended %q", got)
	}
}

func TestAppendEWKBHexAllocs(t *testing.T) {
	buf := make([]byte, 0, 1024)
	allocs := testing.AllocsPerRun(100, func() {
		buf = AppendEWKBHex(buf[:0], orb.Point{757000, 7087000}, 3006)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per point, want 0", allocs)
	}
}

func BenchmarkAppendEWKBHex(b *testing.B) {
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for i := range b.N {
		buf = AppendEWKBHex(buf[:0], orb.Point{757000 + float64(i), 7087000}, 3006)
	}
}

func BenchmarkTransform4326To3006(b *testing.B) {
	f, _ := Transformer(SRIDWGS84, SRIDSWEREF99TM)
	var sink orb.Point
	for i := range b.N {
		sink = f(orb.Point{15 + float64(i%1000)*0.01, 64})
	}
	_ = sink
}
