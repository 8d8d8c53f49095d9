package sample

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bbplan/bbplan/geo"
	"github.com/paulmach/orb"
)

// operators are the model's three mobile networks.
var operators = [...]string{"Norrmobil", "Telnord", "Fjällnät"}

// mast is one operator's site.
type mast struct {
	at   orb.Point
	town bool // in a settlement: 5G too, denser
}

// masts places each operator's sites: one in nearly every settlement, then at
// villages and farms no nearer than a spacing to the operator's other sites,
// and only some of those, so that coverage has real gaps far from people.
func (r *region) masts(seed uint64) [len(operators)][]mast {
	g := rng(seed, streamMobile, 0)
	var out [len(operators)][]mast
	for op := range operators {
		for _, s := range r.settlements {
			if g.Float64() < 0.95 {
				out[op] = append(out[op], mast{at: s.At, town: true})
			}
		}
		for i := range r.places {
			pl := &r.places[i]
			if pl.settlement != nil && pl.townShare >= 1 {
				continue
			}
			at := pl.hamlets[0]
			chance := 0.3
			if pl.village {
				chance = 0.6
			}
			if g.Float64() > chance {
				continue
			}
			near := false
			for _, m := range out[op] {
				if dist(m.at, at) < 9000 {
					near = true
					break
				}
			}
			if !near {
				out[op] = append(out[op], mast{at: at})
			}
		}
	}
	return out
}

// coverageShape is an irregular disc of radius about rad around c.
func coverageShape(c orb.Point, rad float64, g *rand.Rand) orb.Polygon {
	const n = 20
	ring := make(orb.Ring, 0, n+1)
	for k := range n {
		a := 2 * math.Pi * float64(k) / n
		rr := rad * (0.8 + 0.35*g.Float64())
		ring = append(ring, round(orb.Point{c[0] + rr*math.Cos(a), c[1] + rr*math.Sin(a)}))
	}
	return orb.Polygon{append(ring, ring[0])}
}

func writeMobile(r *region, o Options, m *Manifest) error {
	out, err := create(o, "mobile", "mobile.geojsonseq", geo.LayerSchema{Name: "mobile", GeometryType: "MULTIPOLYGON", SRID: 4326, Precision: 6,
		Fields: []geo.FieldDef{{Name: "operator", Kind: geo.FieldString}, {Name: "technology", Kind: geo.FieldString},
			{Name: "down_mbps", Kind: geo.FieldFloat}, {Name: "indoor", Kind: geo.FieldBool}}}, 0)
	if err != nil {
		return err
	}
	g := rng(o.Seed, streamMobile, 1)
	for op, sites := range r.masts(o.Seed) {
		for _, s := range sites {
			type cover struct {
				tech        string
				rad, down   float64
				indoor      bool
				townOnly    bool
				probability float64
			}
			covers := []cover{
				{"4g", 7000 + 5000*g.Float64(), 30, false, false, 1},
				{"4g", 2500 + 2000*g.Float64(), 10, true, false, 1},
				{"5g", 2500 + 1000*g.Float64(), 300, false, true, 0.85},
				{"5g", 1000 + 500*g.Float64(), 100, true, true, 0.85},
			}
			for _, c := range covers {
				if (c.townOnly && !s.town) || g.Float64() > c.probability {
					continue
				}
				shape := project(orb.MultiPolygon{coverageShape(s.at, c.rad, g)}, r.tm.toLonLat)
				if err = out.write(shape, "operator", operators[op], "technology", c.tech, "down_mbps", c.down, "indoor", c.indoor); err != nil {
					return closeAll(m, err, out)
				}
			}
		}
	}
	return closeAll(m, nil, out)
}

// writeFiberNodes writes the access points: one per settlement and one per
// fibred village.
func writeFiberNodes(r *region, o Options, m *Manifest) error {
	out, err := create(o, "fiber-nodes", "fiber_nodes.geojson", geo.LayerSchema{Name: "fiber_nodes", GeometryType: "POINT", SRID: 4326, Precision: 6,
		Fields: []geo.FieldDef{{Name: "id", Kind: geo.FieldString}, {Name: "kind", Kind: geo.FieldString}}}, 0)
	if err != nil {
		return err
	}
	for _, s := range r.settlements {
		if err = out.write(r.tm.toLonLat(s.At), "id", "FN-"+s.Code, "kind", "pop"); err != nil {
			return closeAll(m, err, out)
		}
	}
	for _, pl := range r.places {
		if pl.village && pl.fibre {
			if err = out.write(r.tm.toLonLat(pl.hamlets[0]), "id", fmt.Sprintf("FN-V%05d", pl.id), "kind", "node"); err != nil {
				return closeAll(m, err, out)
			}
		}
	}
	return closeAll(m, nil, out)
}
