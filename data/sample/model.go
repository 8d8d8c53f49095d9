package sample

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Municipality is one kommun of the region.
type Municipality struct {
	Code, Name string
	// Seat is the main town, lon/lat.
	Seat orb.Point
	// Geom in SWEREF99 TM; nil until read or built.
	Geom orb.MultiPolygon
}

// vasterbotten lists Västerbotten's 15 municipalities (codes and names are
// SCB's; seats are the central towns' approximate positions).
func vasterbotten() []Municipality {
	return []Municipality{
		{Code: "2401", Name: "Nordmaling", Seat: orb.Point{19.503, 63.568}},
		{Code: "2403", Name: "Bjurholm", Seat: orb.Point{19.216, 63.933}},
		{Code: "2404", Name: "Vindeln", Seat: orb.Point{19.717, 64.203}},
		{Code: "2409", Name: "Robertsfors", Seat: orb.Point{20.850, 64.192}},
		{Code: "2417", Name: "Norsjö", Seat: orb.Point{19.484, 64.913}},
		{Code: "2418", Name: "Malå", Seat: orb.Point{18.742, 65.184}},
		{Code: "2421", Name: "Storuman", Seat: orb.Point{17.113, 65.096}},
		{Code: "2422", Name: "Sorsele", Seat: orb.Point{17.533, 65.535}},
		{Code: "2425", Name: "Dorotea", Seat: orb.Point{16.411, 64.261}},
		{Code: "2460", Name: "Vännäs", Seat: orb.Point{19.757, 63.908}},
		{Code: "2462", Name: "Vilhelmina", Seat: orb.Point{16.655, 64.625}},
		{Code: "2463", Name: "Åsele", Seat: orb.Point{17.351, 64.160}},
		{Code: "2480", Name: "Umeå", Seat: orb.Point{20.263, 63.826}},
		{Code: "2481", Name: "Lycksele", Seat: orb.Point{18.674, 64.596}},
		{Code: "2482", Name: "Skellefteå", Seat: orb.Point{20.950, 64.750}},
	}
}

// Settlement is a statistical urban settlement (tätort): a point with its
// population and area.
type Settlement struct {
	Code, Name, Kommun string
	Pop                int
	AreaHa             float64
	// At in SWEREF99 TM.
	At orb.Point
}

// radius is how far from the settlement point its built-up area reaches.
func (s Settlement) radius() float64 {
	area := s.AreaHa
	if area <= 0 {
		area = float64(s.Pop) / 15 // about 15 people per hectare in Swedish tätorter
	}
	return math.Sqrt(area*1e4/math.Pi) + 250
}

// outline is the settlement's polygon: a disc of its radius, which is what
// decides town or not for the premises the generator places.
func (s Settlement) outline() orb.Polygon {
	const n = 32
	rad := s.radius()
	ring := make(orb.Ring, 0, n+1)
	for k := range n {
		a := 2 * math.Pi * float64(k) / n
		ring = append(ring, orb.Point{math.Round(s.At[0] + rad*math.Cos(a)), math.Round(s.At[1] + rad*math.Sin(a))})
	}
	return orb.Polygon{append(ring, ring[0])}
}

// builtinTowns are the model's settlements: every seat plus the larger other
// tätorter of the county, lon/lat, population and area (ha), roughly as SCB
// counts them.
func builtinTowns() []struct {
	kommun, name string
	at           orb.Point
	pop          int
	areaHa       float64
} {
	type town = struct {
		kommun, name string
		at           orb.Point
		pop          int
		areaHa       float64
	}
	return []town{
		{"2480", "Umeå", orb.Point{20.263, 63.826}, 89000, 5200},
		{"2482", "Skellefteå", orb.Point{20.950, 64.750}, 35000, 2700},
		{"2481", "Lycksele", orb.Point{18.674, 64.596}, 8500, 900},
		{"2480", "Holmsund", orb.Point{20.366, 63.706}, 5600, 500},
		{"2460", "Vännäs", orb.Point{19.757, 63.908}, 4500, 450},
		{"2482", "Ursviken", orb.Point{21.180, 64.700}, 3900, 380},
		{"2462", "Vilhelmina", orb.Point{16.655, 64.625}, 3800, 420},
		{"2480", "Sävar", orb.Point{20.554, 63.898}, 2900, 300},
		{"2482", "Skelleftehamn", orb.Point{21.230, 64.680}, 2900, 300},
		{"2401", "Nordmaling", orb.Point{19.503, 63.568}, 2300, 280},
		{"2480", "Hörnefors", orb.Point{19.907, 63.627}, 2400, 280},
		{"2404", "Vindeln", orb.Point{19.717, 64.203}, 2400, 270},
		{"2482", "Kåge", orb.Point{20.980, 64.830}, 2300, 260},
		{"2409", "Robertsfors", orb.Point{20.850, 64.192}, 2100, 250},
		{"2482", "Byske", orb.Point{21.210, 64.950}, 2100, 240},
		{"2421", "Storuman", orb.Point{17.113, 65.096}, 2000, 250},
		{"2417", "Norsjö", orb.Point{19.484, 64.913}, 2000, 230},
		{"2418", "Malå", orb.Point{18.742, 65.184}, 2000, 240},
		{"2463", "Åsele", orb.Point{17.351, 64.160}, 1800, 220},
		{"2482", "Burträsk", orb.Point{20.650, 64.520}, 1700, 210},
		{"2403", "Bjurholm", orb.Point{19.216, 63.933}, 1300, 170},
		{"2425", "Dorotea", orb.Point{16.411, 64.261}, 1300, 222},
		{"2422", "Sorsele", orb.Point{17.533, 65.535}, 1200, 180},
		{"2482", "Jörn", orb.Point{20.030, 65.060}, 900, 140},
		{"2421", "Tärnaby", orb.Point{15.283, 65.714}, 468, 158},
		{"2421", "Hemavan", orb.Point{15.090, 65.821}, 273, 214},
	}
}

// valleys are the model's river valleys and the coast road (lon/lat), where
// villages and farms lie: Ume, Vindel, Skellefte, Ångerman and Öre rivers.
func valleys() []orb.LineString {
	return []orb.LineString{
		{{20.263, 63.826}, {19.757, 63.908}, {19.30, 64.20}, {18.674, 64.596}, {17.80, 64.85}, {17.113, 65.096}, {16.20, 65.40}, {15.283, 65.714}, {15.090, 65.821}},
		{{20.05, 63.86}, {19.717, 64.203}, {19.30, 64.55}, {18.50, 65.05}, {17.533, 65.535}, {16.80, 65.80}},
		{{20.950, 64.750}, {20.40, 64.80}, {20.030, 65.060}, {19.484, 64.913}, {18.742, 65.184}, {17.90, 65.45}},
		{{17.351, 64.160}, {16.655, 64.625}, {16.10, 64.90}, {15.40, 65.20}},
		{{17.351, 64.160}, {16.411, 64.261}, {15.90, 64.40}},
		{{19.503, 63.568}, {19.216, 63.933}, {18.90, 64.25}, {18.40, 64.45}},
		{{19.30, 63.50}, {19.503, 63.568}, {19.907, 63.627}, {20.263, 63.826}, {20.554, 63.898}, {20.850, 64.192}, {20.650, 64.520}, {20.950, 64.750}, {21.210, 64.950}, {21.30, 65.15}},
	}
}

// countyOutline is a coarse convex outline of the county (lon/lat), the
// extent of the built-in model.
func countyOutline() []orb.Point {
	return []orb.Point{{14.4, 65.3}, {14.9, 65.95}, {15.6, 66.25}, {17.0, 66.2}, {19.2, 65.6}, {21.45, 65.25},
		{21.55, 64.75}, {20.9, 63.75}, {20.0, 63.45}, {19.2, 63.35}, {17.5, 63.75}, {16.0, 64.0}}
}

// convexHull returns the convex hull of ps, counter-clockwise (monotone chain).
func convexHull(ps []orb.Point) []orb.Point {
	pts := append([]orb.Point(nil), ps...)
	sort.Slice(pts, func(i, j int) bool {
		if pts[i][0] != pts[j][0] {
			return pts[i][0] < pts[j][0]
		}
		return pts[i][1] < pts[j][1]
	})
	cross := func(o, a, b orb.Point) float64 {
		return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
	}
	var h []orb.Point
	for pass := 0; pass < 2; pass++ {
		start := len(h)
		for _, p := range pts {
			for len(h) >= start+2 && cross(h[len(h)-2], h[len(h)-1], p) <= 0 {
				h = h[:len(h)-1]
			}
			h = append(h, p)
		}
		h = h[:len(h)-1]
		for i, j := 0, len(pts)-1; i < j; i, j = i+1, j-1 {
			pts[i], pts[j] = pts[j], pts[i]
		}
	}
	return h
}

// voronoiCells splits the convex polygon hull among seeds: cell i holds the
// points nearer seed i than any other (clipping by perpendicular bisectors),
// so the cells tile the hull without overlap.
func voronoiCells(hull []orb.Point, seeds []orb.Point) []orb.Polygon {
	out := make([]orb.Polygon, len(seeds))
	for i, si := range seeds {
		cell := append([]orb.Point(nil), hull...)
		for j, sj := range seeds {
			if i == j || len(cell) == 0 {
				continue
			}
			n := orb.Point{sj[0] - si[0], sj[1] - si[1]}
			m := orb.Point{(si[0] + sj[0]) / 2, (si[1] + sj[1]) / 2}
			side := func(p orb.Point) float64 { return (p[0]-m[0])*n[0] + (p[1]-m[1])*n[1] }
			var next []orb.Point
			for k, p := range cell {
				q := cell[(k+1)%len(cell)]
				sp, sq := side(p), side(q)
				if sp <= 0 {
					next = append(next, p)
				}
				if (sp < 0 && sq > 0) || (sp > 0 && sq < 0) {
					t := sp / (sp - sq)
					next = append(next, orb.Point{p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])})
				}
			}
			cell = next
		}
		ring := orb.Ring(append(cell, cell[0]))
		out[i] = orb.Polygon{ring}
	}
	return out
}

// inPolygon reports whether p lies in any polygon of mp.
func inPolygon(mp orb.MultiPolygon, p orb.Point) bool {
	return planar.MultiPolygonContains(mp, p)
}
