package sample

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestSweref99TM(t *testing.T) {
	tm := sweref99TM()
	// Reference coordinates from PROJ (gdaltransform -s_srs EPSG:4326 -t_srs EPSG:3006).
	tests := []struct {
		name     string
		lonlat   orb.Point
		easting  float64
		northing float64
	}{
		{"central meridian", orb.Point{15, 66}, 500000, 7319910.044},
		{"Umeå", orb.Point{20.263, 63.8258}, 758803.435, 7088280.798},
		{"Malå area", orb.Point{18, 65}, 641428.430, 7211811.307},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tm.toSweref(tc.lonlat)
			if math.Abs(p[0]-tc.easting) > 0.005 || math.Abs(p[1]-tc.northing) > 0.005 {
				t.Errorf("toSweref(%v) = %.3f, want %.3f %.3f", tc.lonlat, p, tc.easting, tc.northing)
			}
			back := tm.toLonLat(p)
			if math.Abs(back[0]-tc.lonlat[0]) > 1e-8 || math.Abs(back[1]-tc.lonlat[1]) > 1e-8 {
				t.Errorf("toLonLat(%v) = %v, want %v", p, back, tc.lonlat)
			}
		})
	}
}
