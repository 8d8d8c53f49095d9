package sample

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/bbplan/bbplan/geo"
	"github.com/paulmach/orb"
)

// premiseSets are the outputs written while premises are generated, so that
// no premise is held after it is written.
type premiseSets struct {
	premises, fixed, measurements, priorities *output
}

var anchors = [...]string{"school", "health", "library", "public_safety"}

func writePremises(r *region, o Options, m *Manifest) (err error) {
	var s premiseSets
	defer func() { err = closeAll(m, err, s.premises, s.fixed, s.measurements, s.priorities) }()
	premSchema := geo.LayerSchema{Name: "premises", GeometryType: "POINT", SRID: 3006, Precision: 2, Fields: []geo.FieldDef{
		{Name: "id", Kind: geo.FieldString}, {Name: "households", Kind: geo.FieldInt}, {Name: "workplaces", Kind: geo.FieldInt},
		{Name: "kind", Kind: geo.FieldString}, {Name: "anchor", Kind: geo.FieldString}, {Name: "kommun_code", Kind: geo.FieldString}}}
	name := "premises.gpkg"
	if o.PremisesCSV {
		name = "premises.csv"
	}
	if s.premises, err = create(o, "premises", name, premSchema, geo.CSVXY); err != nil {
		return err
	}
	if s.fixed, err = create(o, "fixed", "fixed.csv", geo.LayerSchema{Fields: []geo.FieldDef{
		{Name: "premise_id", Kind: geo.FieldString}, {Name: "provider", Kind: geo.FieldString}, {Name: "technology", Kind: geo.FieldString},
		{Name: "down_mbps", Kind: geo.FieldFloat}, {Name: "up_mbps", Kind: geo.FieldFloat}, {Name: "latency_ms", Kind: geo.FieldFloat},
		{Name: "status", Kind: geo.FieldString}, {Name: "planned_year", Kind: geo.FieldInt}}}, geo.CSVNoGeometry); err != nil {
		return err
	}
	if s.measurements, err = create(o, "measurements", "measurements.csv", geo.LayerSchema{SRID: 4326, Precision: 6, Fields: []geo.FieldDef{
		{Name: "premise_id", Kind: geo.FieldString}, {Name: "down_mbps", Kind: geo.FieldFloat}, {Name: "up_mbps", Kind: geo.FieldFloat},
		{Name: "latency_ms", Kind: geo.FieldFloat}, {Name: "tests", Kind: geo.FieldInt}, {Name: "measured_on", Kind: geo.FieldString}}}, geo.CSVLonLat); err != nil {
		return err
	}
	// The municipality column is for readers: GDAL takes a one-column file for no CSV at all.
	if s.priorities, err = create(o, "priorities", "priorities.csv", geo.LayerSchema{Fields: []geo.FieldDef{
		{Name: "premise_id", Kind: geo.FieldString}, {Name: "kommun_code", Kind: geo.FieldString}}}, geo.CSVNoGeometry); err != nil {
		return err
	}
	names := map[string]string{}
	for _, mu := range r.munis {
		names[mu.Code] = mu.Name
	}
	seq := 0
	for i := range r.places {
		pl := &r.places[i]
		g := rng(o.Seed, streamPlace, pl.id)
		if err := r.placePremises(pl, g, names, &seq, &s, m); err != nil {
			return err
		}
	}
	return nil
}

// premise is one generated building, written at once.
type premise struct {
	id                     string
	at                     orb.Point
	kommun                 string
	households, workplaces int
	holiday                bool
	anchor                 string
	ctx                    context
}

// placePremises generates the place's permanent homes (exactly its
// households), workplaces and holiday homes, with their offers.
func (r *region) placePremises(pl *place, g *rand.Rand, names map[string]string, seq *int, s *premiseSets, m *Manifest) error {
	emit := func(p premise) error {
		*seq++
		p.id = fmt.Sprintf("%s-%07d", p.kommun, *seq)
		return r.writePremise(pl, p, g, names[p.kommun], s, m)
	}
	for left := pl.households; left > 0; {
		at := r.position(pl, g)
		p := premise{at: at, kommun: r.kommunAt(pl, at), ctx: r.contextAt(pl, at), households: 1}
		switch {
		case p.ctx == town && pl.settlement.Pop >= 3000 && g.Float64() < 0.45:
			p.households = 4 + g.IntN(37) // flats
		case g.Float64() < 0.05:
			p.households = 2
		}
		p.households = min(p.households, left)
		left -= p.households
		if err := emit(p); err != nil {
			return err
		}
	}
	for range int(math.Round(float64(pl.households) * 0.09)) {
		at := r.position(pl, g)
		p := premise{at: at, kommun: r.kommunAt(pl, at), ctx: r.contextAt(pl, at), workplaces: 1 + int(g.ExpFloat64()*6)}
		if g.Float64() < 0.07 {
			p.anchor = anchors[g.IntN(len(anchors))]
		}
		if err := emit(p); err != nil {
			return err
		}
	}
	holiday := map[bool]float64{true: 0.15, false: 0.4}[pl.village]
	if pl.settlement != nil && pl.townShare >= 1 {
		holiday = 0.02
	}
	for range int(math.Round(float64(pl.households) * holiday)) {
		at := r.position(pl, g)
		p := premise{at: at, kommun: r.kommunAt(pl, at), ctx: r.contextAt(pl, at), holiday: true}
		if err := emit(p); err != nil {
			return err
		}
	}
	return nil
}

// position draws a premise position: around the settlement point for the
// town share, otherwise around one of the place's hamlets; inside the grid
// square when the place is one.
func (r *region) position(pl *place, g *rand.Rand) orb.Point {
	var p orb.Point
	for try := 0; try < 30; try++ {
		if pl.settlement != nil && g.Float64() < pl.townShare {
			sd := pl.settlement.radius() / 2
			p = orb.Point{pl.settlement.At[0] + g.NormFloat64()*sd, pl.settlement.At[1] + g.NormFloat64()*sd}
		} else {
			h := pl.hamlets[g.IntN(len(pl.hamlets))]
			p = orb.Point{h[0] + g.NormFloat64()*pl.spread, h[1] + g.NormFloat64()*pl.spread}
		}
		switch {
		case pl.clip != nil && pl.clip.Contains(p):
			return round(p)
		case pl.clip == nil && (r.hull == nil || inPolygon(orb.MultiPolygon{r.hull}, p)):
			return round(p)
		}
	}
	if pl.clip == nil {
		if pl.settlement != nil {
			return round(pl.settlement.At)
		}
		return round(pl.hamlets[0])
	}
	b := pl.clip
	return round(orb.Point{b.Min[0] + g.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + g.Float64()*(b.Max[1]-b.Min[1])})
}

// round keeps positions to the centimetre, as written.
func round(p orb.Point) orb.Point {
	return orb.Point{math.Round(p[0]*100) / 100, math.Round(p[1]*100) / 100}
}

// kommunAt is the municipality of a premise: the grid square's, or the
// nearest seat's in the built-in model.
func (r *region) kommunAt(pl *place, p orb.Point) string {
	if pl.clip != nil {
		return pl.kommun
	}
	return r.munis[r.nearestSeat(p)].Code
}

func (r *region) contextAt(pl *place, p orb.Point) context {
	switch {
	case pl.settlement != nil && dist(p, pl.settlement.At) <= pl.settlement.radius()-50:
		return town
	case pl.settlement != nil:
		return suburb
	case pl.village:
		return village
	}
	return rural
}

// offer is one fixed broadband offer.
type offer struct {
	provider, tech string
	down, up       float64
	latency        float64 // 0: not reported
	planned        int
}

// offersFor draws the fixed offers of a premise as a well-built Swedish county
// has them: fibre nearly everywhere in towns and fibred villages, several
// providers in towns, copper and radio in the countryside, some plans.
func offersFor(pl *place, p premise, g *rand.Rand, kommunName string, buf []offer) []offer {
	out := buf[:0]
	fibre := func(provider string) offer {
		return offer{provider: provider, tech: "fiber", down: 1000, up: 1000, latency: 4 + float64(g.IntN(6))}
	}
	stadsnat := kommunName + " Stadsnät"
	holiday := 1.0
	if p.holiday {
		holiday = 0.5
	}
	switch p.ctx {
	case town:
		if g.Float64() < 0.97 {
			out = append(out, fibre(stadsnat))
			if g.Float64() < 0.35 {
				out = append(out, fibre("IP-Only"))
			}
			if g.Float64() < 0.2 {
				out = append(out, fibre("Telia"))
			}
		}
		if pl.settlement.Pop >= 5000 && g.Float64() < 0.15 {
			out = append(out, offer{provider: "Tele2", tech: "cable", down: 1000, up: 100, latency: 12})
		}
		if g.Float64() < 0.12 {
			out = append(out, offer{provider: "Telia", tech: "dsl", down: float64(30 + 10*g.IntN(7)), up: 10, latency: 18})
		}
	case suburb:
		if g.Float64() < 0.9*holiday {
			out = append(out, fibre(stadsnat))
		} else if g.Float64() < 0.5 {
			o := fibre(stadsnat)
			o.planned = 2026 + g.IntN(3)
			out = append(out, o)
		}
		if g.Float64() < 0.2 {
			out = append(out, offer{provider: "Telia", tech: "dsl", down: float64(20 + 10*g.IntN(5)), up: 5, latency: 20})
		}
	case village:
		switch {
		case pl.fibre && g.Float64() < 0.93*holiday:
			out = append(out, fibre(map[bool]string{true: stadsnat, false: "IP-Only"}[pl.id%3 != 0]))
		case pl.planned > 0 && g.Float64() < 0.9:
			o := fibre("IP-Only")
			o.planned = pl.planned
			out = append(out, o)
		}
		if g.Float64() < 0.35 {
			out = append(out, offer{provider: "Telia", tech: "dsl", down: float64(8 + 4*g.IntN(5)), up: 1, latency: 25})
		}
		if g.Float64() < 0.15 {
			out = append(out, offer{provider: "Telenor", tech: "fwa_licensed", down: float64(50 + 25*g.IntN(5)), up: 20, latency: 35})
		}
	default:
		switch x := g.Float64(); {
		case x < 0.55*holiday:
			out = append(out, fibre("Fiberförening "+kommunName))
		case x < 0.65*holiday:
			o := fibre("IP-Only")
			o.planned = 2026 + g.IntN(5)
			out = append(out, o)
		}
		if g.Float64() < 0.3 {
			out = append(out, offer{provider: "Telia", tech: "dsl", down: float64(2 + 2*g.IntN(8)), up: 1, latency: 30})
		}
		if g.Float64() < 0.25 {
			out = append(out, offer{provider: "Telenor", tech: "fwa_licensed", down: float64(30 + 20*g.IntN(6)), up: 10, latency: 40})
		}
		if g.Float64() < 0.04 {
			out = append(out, offer{provider: "Orbitnät", tech: "satellite_leo", down: 200, up: 20, latency: 45})
		}
	}
	return out
}

func (r *region) writePremise(pl *place, p premise, g *rand.Rand, kommunName string, s *premiseSets, m *Manifest) error {
	kind := "permanent"
	if p.holiday {
		kind = "holiday"
	}
	var anchor any
	if p.anchor != "" {
		anchor = p.anchor
	}
	if err := s.premises.write(p.at, "id", p.id, "households", p.households, "workplaces", p.workplaces,
		"kind", kind, "anchor", anchor, "kommun_code", p.kommun); err != nil {
		return err
	}
	m.Households[p.kommun] += p.households
	m.Premises[p.kommun]++
	var best *offer
	offers := offersFor(pl, p, g, kommunName, make([]offer, 0, 4))
	for i := range offers {
		o := &offers[i]
		var latency, year any
		status := "available"
		if o.latency > 0 && g.Float64() > 0.1 {
			latency = o.latency
		}
		if o.planned > 0 {
			status, year = "planned", o.planned
		} else if best == nil || o.down > best.down {
			best = o
		}
		if err := s.fixed.write(nil, "premise_id", p.id, "provider", o.provider, "technology", o.tech, "down_mbps", o.down,
			"up_mbps", o.up, "latency_ms", latency, "status", status, "planned_year", year); err != nil {
			return err
		}
	}
	if best != nil && g.Float64() < 0.012 {
		factor := 0.6 + 0.4*g.Float64()
		if best.tech == "dsl" && g.Float64() < 0.5 {
			factor = 0.3 * g.Float64()
		}
		day := modified().AddDate(-1, 0, g.IntN(365))
		if err := s.measurements.write(r.tm.toLonLat(p.at), "premise_id", p.id,
			"down_mbps", math.Max(0.1, math.Round(best.down*factor*10)/10), "up_mbps", math.Max(0.1, math.Round(best.up*factor*10)/10),
			"latency_ms", best.latency+float64(g.IntN(15)), "tests", 1+g.IntN(14), "measured_on", day.Format("2006-01-02")); err != nil {
			return err
		}
	}
	if p.ctx != town && p.households > 0 && g.Float64() < 0.015 {
		if err := s.priorities.write(nil, "premise_id", p.id, "kommun_code", p.kommun); err != nil {
			return err
		}
	}
	return nil
}
