package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// EPSG codes geo projects in pure Go. ETRS89 (4258) and WGS 84 (4326) are
// treated as the same datum, as PostGIS does without a grid shift: the
// difference (well under a metre) is below the precision of coverage data.
const (
	SRIDWGS84        = 4326
	SRIDETRS89       = 4258
	SRIDSWEREF99TM   = 3006
	SRIDETRS89LAEA   = 3035
	SRIDWebMercator  = 3857
	SRIDRT90         = 3021
	webMercatorLimit = 85.05112877980659
)

// GRS80, the ellipsoid of SWEREF 99 and ETRS89.
const (
	grs80A = 6378137.0
	grs80F = 1 / 298.257222101
)

// PointFunc maps one point to another.
type PointFunc func(orb.Point) orb.Point

// Transformer returns a function projecting points from one EPSG code to
// another, for the pairs among 4326 (and 4258), 3006, 3035 and 3857. Other
// pairs give an error: callers then fall back to PostGIS ST_Transform.
func Transformer(from, to int) (PointFunc, error) {
	from, to = canonicalSRID(from), canonicalSRID(to)
	if from == to {
		return func(p orb.Point) orb.Point { return p }, nil
	}
	_, toGeo, ok1 := projection(from)
	fromGeo, _, ok2 := projection(to)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("no built-in transformation from EPSG:%d to EPSG:%d", from, to)
	}
	switch {
	case from == SRIDWGS84:
		return fromGeo, nil
	case to == SRIDWGS84:
		return toGeo, nil
	}
	return func(p orb.Point) orb.Point { return fromGeo(toGeo(p)) }, nil
}

func canonicalSRID(srid int) int {
	if srid == SRIDETRS89 {
		return SRIDWGS84
	}
	return srid
}

// projection returns the functions from lon/lat to srid (forward) and back.
func projection(srid int) (forward, inverse PointFunc, ok bool) {
	switch srid {
	case SRIDWGS84:
		id := func(p orb.Point) orb.Point { return p }
		return id, id, true
	case SRIDSWEREF99TM:
		t := newSWEREF99TM()
		return t.forward, t.inverse, true
	case SRIDETRS89LAEA:
		l := newLAEA3035()
		return l.forward, l.inverse, true
	case SRIDWebMercator:
		return webMercatorForward, webMercatorInverse, true
	}
	return nil, nil, false
}

// newSWEREF99TM is EPSG:3006: central meridian 15°E, scale 0.9996, false easting 500 km.
func newSWEREF99TM() *tmerc { return newTmerc(grs80A, grs80F, 15, 0.9996, 500000, 0) }

// newLAEA3035 is EPSG:3035: centre 52°N 10°E, false origin 4321 km E, 3210 km N.
func newLAEA3035() *laea { return newLAEA(grs80A, grs80F, 52, 10, 4321000, 3210000) }

// Transform returns g projected from one EPSG code to another (see
// Transformer for the supported pairs). The input is not modified.
func Transform(g orb.Geometry, from, to int) (orb.Geometry, error) {
	f, err := Transformer(from, to)
	if err != nil {
		return nil, err
	}
	return MapPoints(g, f), nil
}

// MapPoints returns a copy of g with f applied to every point.
func MapPoints(g orb.Geometry, f PointFunc) orb.Geometry {
	switch g := g.(type) {
	case nil:
		return nil
	case orb.Point:
		return f(g)
	case orb.MultiPoint:
		return mapPts(g, f)
	case orb.LineString:
		return mapPts(g, f)
	case orb.Ring:
		return mapPts(g, f)
	case orb.MultiLineString:
		return mapEach(g, func(l orb.LineString) orb.LineString { return mapPts(l, f) })
	case orb.Polygon:
		return mapPolygon(g, f)
	case orb.MultiPolygon:
		return mapEach(g, func(p orb.Polygon) orb.Polygon { return mapPolygon(p, f) })
	case orb.Collection:
		return mapEach(g, func(c orb.Geometry) orb.Geometry { return MapPoints(c, f) })
	case orb.Bound:
		return orb.MultiPoint{f(g.Min), f(g.Max)}.Bound()
	}
	panic(fmt.Sprintf("geo: unknown geometry type %T", g))
}

// mapEach returns a new slice of f applied to each element of s.
func mapEach[S ~[]E, E any](s S, f func(E) E) S {
	out := make(S, len(s))
	for i, e := range s {
		out[i] = f(e)
	}
	return out
}

func mapPts[S ~[]orb.Point](ps S, f PointFunc) S {
	return mapEach(ps, func(p orb.Point) orb.Point { return f(p) })
}

func mapPolygon(pg orb.Polygon, f PointFunc) orb.Polygon {
	return mapEach(pg, func(r orb.Ring) orb.Ring { return mapPts(r, f) })
}

// tmerc is a transverse Mercator projection computed with Krüger's series to
// the fourth order in n, as Lantmäteriet publishes them for SWEREF 99 ("Gauss
// conformal projection (Transverse Mercator), Krüger's formulas"): accurate
// to well under a millimetre across Sweden.
type tmerc struct {
	lon0, k0, fe, fn float64
	ahat             float64 // rectifying radius
	a, b, c, d       float64 // geodetic to conformal latitude
	as, bs, cs, ds   float64 // conformal to geodetic latitude
	beta             [4]float64
	delta            [4]float64
}

func newTmerc(a, f, lon0deg, k0, fe, fn float64) *tmerc {
	e2 := f * (2 - f)
	n := f / (2 - f)
	n2, n3, n4 := n*n, n*n*n, n*n*n*n
	e4, e6, e8 := e2*e2, e2*e2*e2, e2*e2*e2*e2
	return &tmerc{
		lon0: lon0deg * math.Pi / 180, k0: k0, fe: fe, fn: fn,
		ahat: a / (1 + n) * (1 + n2/4 + n4/64),
		a:    e2,
		b:    (5*e4 - e6) / 6,
		c:    (104*e6 - 45*e8) / 120,
		d:    1237 * e8 / 1260,
		as:   e2 + e4 + e6 + e8,
		bs:   -(7*e4 + 17*e6 + 30*e8) / 6,
		cs:   (224*e6 + 889*e8) / 120,
		ds:   -4279 * e8 / 1260,
		beta: [4]float64{
			n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180,
			13*n2/48 - 3*n3/5 + 557*n4/1440,
			61*n3/240 - 103*n4/140,
			49561 * n4 / 161280,
		},
		delta: [4]float64{
			n/2 - 2*n2/3 + 37*n3/96 - n4/360,
			n2/48 + n3/15 - 437*n4/1440,
			17*n3/480 - 37*n4/840,
			4397 * n4 / 161280,
		},
	}
}

// forward maps lon/lat degrees to easting/northing metres.
func (t *tmerc) forward(p orb.Point) orb.Point {
	phi := p[1] * math.Pi / 180
	lam := p[0]*math.Pi/180 - t.lon0
	s := math.Sin(phi)
	s2 := s * s
	phiC := phi - s*math.Cos(phi)*(t.a+s2*(t.b+s2*(t.c+s2*t.d)))
	xi := math.Atan2(math.Tan(phiC), math.Cos(lam))
	eta := math.Atanh(math.Cos(phiC) * math.Sin(lam))
	x, y := xi, eta
	for j, b := range t.beta {
		k := float64(2 * (j + 1))
		x += b * math.Sin(k*xi) * math.Cosh(k*eta)
		y += b * math.Cos(k*xi) * math.Sinh(k*eta)
	}
	return orb.Point{t.k0*t.ahat*y + t.fe, t.k0*t.ahat*x + t.fn}
}

// inverse maps easting/northing metres to lon/lat degrees.
func (t *tmerc) inverse(p orb.Point) orb.Point {
	xi := (p[1] - t.fn) / (t.k0 * t.ahat)
	eta := (p[0] - t.fe) / (t.k0 * t.ahat)
	x, y := xi, eta
	for j, d := range t.delta {
		k := float64(2 * (j + 1))
		x -= d * math.Sin(k*xi) * math.Cosh(k*eta)
		y -= d * math.Cos(k*xi) * math.Sinh(k*eta)
	}
	phiC := math.Asin(math.Sin(x) / math.Cosh(y))
	lam := math.Atan2(math.Sinh(y), math.Cos(x))
	s := math.Sin(phiC)
	s2 := s * s
	phi := phiC + s*math.Cos(phiC)*(t.as+s2*(t.bs+s2*(t.cs+s2*t.ds)))
	return orb.Point{(t.lon0 + lam) * 180 / math.Pi, phi * 180 / math.Pi}
}

// laea is the ellipsoidal Lambert azimuthal equal-area projection (EPSG
// method 9820, as in IOGP Guidance Note 7-2), with the inverse latitude found
// by Newton iteration so that it round-trips to well under a millimetre.
type laea struct {
	a, e, e2     float64
	lon0, fe, fn float64
	qp, rq, d    float64
	sinB0, cosB0 float64
}

func newLAEA(a, f, lat0deg, lon0deg, fe, fn float64) *laea {
	e2 := f * (2 - f)
	l := &laea{a: a, e: math.Sqrt(e2), e2: e2, lon0: lon0deg * math.Pi / 180, fe: fe, fn: fn}
	phi0 := lat0deg * math.Pi / 180
	l.qp = l.q(math.Pi / 2)
	b0 := math.Asin(l.q(phi0) / l.qp)
	l.sinB0, l.cosB0 = math.Sincos(b0)
	l.rq = a * math.Sqrt(l.qp/2)
	l.d = a * (math.Cos(phi0) / math.Sqrt(1-e2*math.Sin(phi0)*math.Sin(phi0))) / (l.rq * l.cosB0)
	return l
}

// q is the authalic function of latitude.
func (l *laea) q(phi float64) float64 {
	s := math.Sin(phi)
	es := l.e * s
	return (1 - l.e2) * (s/(1-es*es) - math.Log((1-es)/(1+es))/(2*l.e))
}

func (l *laea) forward(p orb.Point) orb.Point {
	phi := p[1] * math.Pi / 180
	dl := p[0]*math.Pi/180 - l.lon0
	sinB := l.q(phi) / l.qp
	sinB = math.Max(-1, math.Min(1, sinB))
	cosB := math.Sqrt(1 - sinB*sinB)
	sinL, cosL := math.Sincos(dl)
	b := l.rq * math.Sqrt(2/(1+l.sinB0*sinB+l.cosB0*cosB*cosL))
	return orb.Point{
		l.fe + b*l.d*cosB*sinL,
		l.fn + (b/l.d)*(l.cosB0*sinB-l.sinB0*cosB*cosL),
	}
}

func (l *laea) inverse(p orb.Point) orb.Point {
	x, y := (p[0]-l.fe)/l.d, l.d*(p[1]-l.fn)
	rho := math.Hypot(x, y)
	if rho == 0 {
		return orb.Point{l.lon0 * 180 / math.Pi, math.Asin(l.sinB0) * 180 / math.Pi}
	}
	c := 2 * math.Asin(rho/(2*l.rq))
	sinC, cosC := math.Sincos(c)
	sinB := cosC*l.sinB0 + y*sinC*l.cosB0/rho
	lam := l.lon0 + math.Atan2(x*sinC, rho*l.cosB0*cosC-y*l.sinB0*sinC)
	q := l.qp * sinB
	// Newton iteration on q(phi) = q, starting from the authalic latitude.
	phi := math.Asin(sinB)
	for range 8 {
		s := math.Sin(phi)
		es := l.e * s
		one := 1 - es*es
		next := phi + one*one/(2*math.Cos(phi))*(q/(1-l.e2)-s/one+math.Log((1-es)/(1+es))/(2*l.e))
		done := math.Abs(next-phi) < 1e-14
		phi = next
		if done {
			break
		}
	}
	return orb.Point{lam * 180 / math.Pi, phi * 180 / math.Pi}
}

// webMercatorForward maps lon/lat degrees to EPSG:3857 metres, clamping the
// latitude to the square world of web maps.
func webMercatorForward(p orb.Point) orb.Point {
	lat := math.Max(-webMercatorLimit, math.Min(webMercatorLimit, p[1]))
	return orb.Point{
		grs80A * p[0] * math.Pi / 180,
		grs80A * math.Log(math.Tan(math.Pi/4+lat*math.Pi/360)),
	}
}

func webMercatorInverse(p orb.Point) orb.Point {
	return orb.Point{
		p[0] / grs80A * 180 / math.Pi,
		(2*math.Atan(math.Exp(p[1]/grs80A)) - math.Pi/2) * 180 / math.Pi,
	}
}
