package geo

import (
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/ewkbhex"
)

// TestAppendEWKBHexMatchesGoGeom checks the allocation-free encoder against an
// independent one, go-geom's, for every geometry type the loader writes.
func TestAppendEWKBHexMatchesGoGeom(t *testing.T) {
	tests := []struct {
		name string
		orb  orb.Geometry
		geom geom.T
	}{
		{"point", orb.Point{730000.5, 7090000.25},
			geom.NewPointFlat(geom.XY, []float64{730000.5, 7090000.25}).SetSRID(3006)},
		{"multipoint", orb.MultiPoint{{1, 2}, {3, 4}},
			geom.NewMultiPointFlat(geom.XY, []float64{1, 2, 3, 4}).SetSRID(3006)},
		{"linestring", orb.LineString{{0, 0}, {10, 5}, {20, 0}},
			geom.NewLineStringFlat(geom.XY, []float64{0, 0, 10, 5, 20, 0}).SetSRID(3006)},
		{"polygon with hole", orb.Polygon{{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}, {{2, 2}, {2, 4}, {4, 4}, {2, 2}}},
			geom.NewPolygonFlat(geom.XY, []float64{0, 0, 10, 0, 10, 10, 0, 10, 0, 0, 2, 2, 2, 4, 4, 4, 2, 2}, []int{10, 18}).SetSRID(3006)},
		{"multipolygon", orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, {{{5, 5}, {6, 5}, {6, 6}, {5, 5}}}},
			geom.NewMultiPolygonFlat(geom.XY, []float64{0, 0, 1, 0, 1, 1, 0, 0, 5, 5, 6, 5, 6, 6, 5, 5}, [][]int{{8}, {16}}).SetSRID(3006)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := ewkbhex.Encode(tt.geom, ewkbhex.NDR)
			if err != nil {
				t.Fatal(err)
			}
			got := string(AppendEWKBHex(nil, tt.orb, 3006))
			if !strings.EqualFold(got, want) {
				t.Fatalf("AppendEWKBHex = %s\n go-geom      = %s", got, want)
			}
		})
	}
}
