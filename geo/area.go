package geo

import (
	"fmt"

	"github.com/paulmach/orb"
)

// ValidArea returns the area of use of a CRS in its own coordinates, with a
// margin, for the CRSs bbplan knows: coordinates outside it are wrong for
// that CRS. The second result is false for an unknown SRID.
func ValidArea(srid int) (orb.Bound, bool) {
	switch srid {
	case SRIDWGS84, SRIDETRS89:
		return orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, true
	case SRIDSWEREF99TM:
		// EPSG's area of use (Sweden and its sea, E 181,896..1,086,313,
		// N 6,101,648..7,689,478) widened by about 50 km.
		return orb.Bound{Min: orb.Point{130000, 6050000}, Max: orb.Point{1140000, 7740000}}, true
	case SRIDETRS89LAEA:
		// Europe, EPSG's area of use widened: E 1.9..7.0 Mm, N 1.0..6.9 Mm.
		return orb.Bound{Min: orb.Point{1000000, 500000}, Max: orb.Point{8000000, 7000000}}, true
	case SRIDWebMercator:
		const m = 20037508.342789244
		return orb.Bound{Min: orb.Point{-m, -m}, Max: orb.Point{m, m}}, true
	case SRIDRT90:
		// RT 90 2.5 gon V over Sweden with a margin.
		return orb.Bound{Min: orb.Point{1150000, 6050000}, Max: orb.Point{1950000, 7750000}}, true
	}
	return orb.Bound{}, false
}

// europeBound is where a Sweden-focused load plausibly has data, in lon/lat:
// Europe from the Azores to the Urals, the Canaries to Svalbard.
func europeBound() orb.Bound {
	return orb.Bound{Min: orb.Point{-32, 27}, Max: orb.Point{45, 82}}
}

// PlausibleArea returns the region where data for a Sweden-focused plan is
// expected, in srid's coordinates: Europe for geographic and European CRSs,
// the valid area for the national ones. False for an unknown SRID.
func PlausibleArea(srid int) (orb.Bound, bool) {
	switch srid {
	case SRIDWGS84, SRIDETRS89:
		return europeBound(), true
	case SRIDETRS89LAEA, SRIDWebMercator:
		europe := europeBound()
		f, err := Transformer(SRIDWGS84, srid)
		if err != nil {
			return orb.Bound{}, false
		}
		// Projected Europe is not a rectangle: bound the projected edge points.
		var pts orb.MultiPoint
		for i := 0; i <= 20; i++ {
			t := float64(i) / 20
			lon := europe.Min[0] + t*(europe.Max[0]-europe.Min[0])
			lat := europe.Min[1] + t*(europe.Max[1]-europe.Min[1])
			pts = append(pts, f(orb.Point{lon, europe.Min[1]}), f(orb.Point{lon, europe.Max[1]}),
				f(orb.Point{europe.Min[0], lat}), f(orb.Point{europe.Max[0], lat}))
		}
		return pts.Bound(), true
	}
	return ValidArea(srid)
}

// CheckPlausible returns nil when p (in srid) lies in PlausibleArea(srid),
// else an error whose text says what is likely wrong: x and y (lon and lat)
// swapped, metres given as degrees, degrees given as metres, or simply
// outside the area. An unknown SRID is not checked.
func CheckPlausible(p orb.Point, srid int) error {
	area, ok := PlausibleArea(srid)
	if !ok || area.Contains(p) {
		return nil
	}
	swapped := orb.Point{p[1], p[0]}
	geographic := srid == SRIDWGS84 || srid == SRIDETRS89
	looksDegrees := p[0] >= -180 && p[0] <= 180 && p[1] >= -90 && p[1] <= 90
	switch {
	case area.Contains(swapped) && geographic:
		return fmt.Errorf("point (%g %g) is outside Europe but inside with longitude and latitude swapped: coordinates must be longitude first", p[0], p[1])
	case area.Contains(swapped):
		return fmt.Errorf("point (%g %g) is outside the area of EPSG:%d but inside with x and y swapped: x is the easting", p[0], p[1], srid)
	case geographic && !looksDegrees:
		if sw, _ := ValidArea(SRIDSWEREF99TM); sw.Contains(p) {
			return fmt.Errorf("point (%g %g) is not longitude/latitude in degrees but looks like SWEREF99 TM metres: give the SRID 3006", p[0], p[1])
		}
		return fmt.Errorf("point (%g %g) is not longitude/latitude in degrees: metres given as degrees? give the file's SRID", p[0], p[1])
	case !geographic && looksDegrees:
		return fmt.Errorf("point (%g %g) looks like degrees, not EPSG:%d metres: give the SRID 4326", p[0], p[1], srid)
	case geographic:
		return fmt.Errorf("point (%g %g) is outside Europe (longitude %g..%g, latitude %g..%g)", p[0], p[1], area.Min[0], area.Max[0], area.Min[1], area.Max[1])
	}
	return fmt.Errorf("point (%g %g) is outside the area of EPSG:%d (x %.0f..%.0f, y %.0f..%.0f)", p[0], p[1], srid, area.Min[0], area.Max[0], area.Min[1], area.Max[1])
}
