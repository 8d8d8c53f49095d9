package sample

import (
	"math"

	"github.com/paulmach/orb"
)

// tmParams are the constants of SWEREF99 TM (EPSG:3006): the Gauss–Krüger
// transverse Mercator on GRS 80, central meridian 15°E, scale 0.9996, false
// easting 500 km. The formulas are Lantmäteriet's ("Gauss konforma
// projektion"), accurate to the millimetre over Sweden.
type tmParams struct {
	aRoof, k0, fe, lon0 float64
	a, b, c, d          float64 // latitude to conformal latitude
	as, bs, cs, ds      float64 // conformal latitude back to latitude
	beta, delta         [4]float64
}

func sweref99TM() tmParams {
	const a, f = 6378137.0, 1 / 298.257222101
	e2 := f * (2 - f)
	n := f / (2 - f)
	n2, n3, n4 := n*n, n*n*n, n*n*n*n
	e4, e6, e8 := e2*e2, e2*e2*e2, e2*e2*e2*e2
	return tmParams{
		aRoof: a / (1 + n) * (1 + n2/4 + n4/64),
		k0:    0.9996, fe: 500000, lon0: 15 * math.Pi / 180,
		a: e2, b: (5*e4 - e6) / 6, c: (104*e6 - 45*e8) / 120, d: 1237 * e8 / 1260,
		as: e2 + e4 + e6 + e8, bs: -(7*e4 + 17*e6 + 30*e8) / 6, cs: (224*e6 + 889*e8) / 120, ds: -4279 * e8 / 1260,
		beta: [4]float64{n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180, 13*n2/48 - 3*n3/5 + 557*n4/1440,
			61*n3/240 - 103*n4/140, 49561 * n4 / 161280},
		delta: [4]float64{n/2 - 2*n2/3 + 37*n3/96 - n4/360, n2/48 + n3/15 - 437*n4/1440,
			17*n3/480 - 37*n4/840, 4397 * n4 / 161280},
	}
}

// toSweref projects a lon/lat point (degrees) to SWEREF99 TM easting/northing.
func (t tmParams) toSweref(p orb.Point) orb.Point {
	lat, dlon := p[1]*math.Pi/180, p[0]*math.Pi/180-t.lon0
	s := math.Sin(lat)
	s2 := s * s
	conf := lat - s*math.Cos(lat)*(t.a+s2*(t.b+s2*(t.c+s2*t.d)))
	xi := math.Atan(math.Tan(conf) / math.Cos(dlon))
	eta := math.Atanh(math.Cos(conf) * math.Sin(dlon))
	x, y := xi, eta
	for i, b := range t.beta {
		k := float64(2 * (i + 1))
		x += b * math.Sin(k*xi) * math.Cosh(k*eta)
		y += b * math.Cos(k*xi) * math.Sinh(k*eta)
	}
	return orb.Point{t.k0*t.aRoof*y + t.fe, t.k0 * t.aRoof * x}
}

// toLonLat is the inverse of toSweref.
func (t tmParams) toLonLat(p orb.Point) orb.Point {
	xi := p[1] / (t.k0 * t.aRoof)
	eta := (p[0] - t.fe) / (t.k0 * t.aRoof)
	x, y := xi, eta
	for i, d := range t.delta {
		k := float64(2 * (i + 1))
		x -= d * math.Sin(k*xi) * math.Cosh(k*eta)
		y -= d * math.Cos(k*xi) * math.Sinh(k*eta)
	}
	conf := math.Asin(math.Sin(x) / math.Cosh(y))
	dlon := math.Atan(math.Sinh(y) / math.Cos(x))
	s := math.Sin(conf)
	s2 := s * s
	lat := conf + s*math.Cos(conf)*(t.as+s2*(t.bs+s2*(t.cs+s2*t.ds)))
	return orb.Point{(t.lon0 + dlon) * 180 / math.Pi, lat * 180 / math.Pi}
}

// project applies fn to every point of g, returning a new geometry.
func project(g orb.Geometry, fn func(orb.Point) orb.Point) orb.Geometry {
	ring := func(r orb.Ring) orb.Ring {
		out := make(orb.Ring, len(r))
		for i, p := range r {
			out[i] = fn(p)
		}
		return out
	}
	poly := func(p orb.Polygon) orb.Polygon {
		out := make(orb.Polygon, len(p))
		for i, r := range p {
			out[i] = ring(r)
		}
		return out
	}
	switch g := g.(type) {
	case orb.Point:
		return fn(g)
	case orb.Polygon:
		return poly(g)
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = poly(p)
		}
		return out
	}
	return g
}
