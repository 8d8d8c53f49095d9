// Package sample generates synthetic but realistic input sets for bbplan: a
// region's municipalities, settlements, premises, fixed offers, mobile
// coverage, fibre nodes, measurements and priorities, in the mixed formats
// `bbplan load` reads. With SCB's 1 km population grid the premises follow the
// real population; without it a built-in model of Västerbotten is used.
package sample

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/bbplan/bbplan/geo"
	"github.com/paulmach/orb"
)

// HouseholdSize is the average number of people per household, by which the
// population grid turns into households (Västerbotten: about 2.1).
const HouseholdSize = 2.1

// DefaultBuiltinPremises is the size of the built-in model when no count is given.
const DefaultBuiltinPremises = 20000

// Options configure Generate.
type Options struct {
	// Out is the directory written to (created when missing).
	Out string
	// Seed makes the output: the same seed and options give identical bytes.
	Seed uint64
	// Premises is the approximate number of premises; 0 means the grid's
	// natural count (households from the population) or DefaultBuiltinPremises.
	Premises int
	// Grid, Municipalities and Settlements are SCB reference files (the 1 km
	// population grid as CSV; GeoJSON polygons and points). With Grid empty the
	// built-in model is used.
	Grid, Municipalities, Settlements string
	// PremisesCSV writes premises as CSV (x/y in EPSG:3006) instead of GeoPackage.
	PremisesCSV bool
}

// ManifestFile is one generated file and the load kind it is for.
type ManifestFile struct {
	Kind string `json:"kind"`
	File string `json:"file"`
	Rows int    `json:"rows"`
	// SRID of the coordinates in the file.
	SRID int `json:"srid"`
}

// Manifest describes a generated set; bbplan demo loads Files in order.
type Manifest struct {
	Generator string         `json:"generator"`
	Seed      uint64         `json:"seed"`
	Model     string         `json:"model"` // "scb-grid" or "builtin"
	Files     []ManifestFile `json:"files"`
	// Households and Premises per municipality code, as written.
	Households map[string]int `json:"households_by_kommun"`
	Premises   map[string]int `json:"premises_by_kommun"`
	// Population per municipality code from the grid (scb-grid only).
	Population    map[string]int `json:"population_by_kommun,omitempty"`
	HouseholdSize float64        `json:"household_size"`
	// Scale multiplies the grid population when Premises asks for more or fewer.
	Scale float64 `json:"scale"`
}

// ManifestName is the manifest's file name inside the output directory.
const ManifestName = "manifest.json"

// modified is the change time recorded in generated files, fixed so that the
// output depends on the seed only.
func modified() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

// context of a premise for its coverage.
type context int

const (
	rural context = iota
	village
	town
)

// place is one unit of generation: a town, a village, a stretch of farms or
// a grid square, with the households it holds.
type place struct {
	id         int
	kommun     string
	households int
	// settlement the place belongs to or lies beside, nil for none.
	settlement *Settlement
	townShare  float64 // share of premises drawn around the settlement point
	hamlets    []orb.Point
	spread     float64
	clip       *orb.Bound // grid square: premises stay inside it
	village    bool       // a village (not a tätort)
	fibre      bool       // the village has a fibre network
	planned    int        // year of a planned village network, 0 none
}

// region is everything known before premises are generated.
type region struct {
	tm          tmParams
	munis       []Municipality
	settlements []Settlement
	places      []place
	model       string
	population  map[string]int
	scale       float64
	hull        orb.Polygon // built-in model extent, nil with real borders
	seats       []orb.Point // SWEREF99 TM seats, for nearest-seat municipality
}

// Generate writes a complete input set and its manifest to o.Out.
func Generate(o Options) (*Manifest, error) {
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	r, err := buildRegion(o)
	if err != nil {
		return nil, err
	}
	m := &Manifest{Generator: "bbplan gen", Seed: o.Seed, Model: r.model, HouseholdSize: HouseholdSize,
		Households: map[string]int{}, Premises: map[string]int{}, Population: r.population, Scale: r.scale}
	steps := []func(*region, Options, *Manifest) error{writeMunicipalities, writeSettlements, writePremises, writeMobile, writeFiberNodes}
	for _, step := range steps {
		if err := step(r, o, m); err != nil {
			return nil, err
		}
	}
	// Load order: borders and settlements first, offers after the premises they name.
	order := map[string]int{"municipalities": 0, "settlements": 1, "premises": 2, "fixed": 3, "mobile": 4, "fiber-nodes": 5, "measurements": 6, "priorities": 7}
	sortFiles(m.Files, order)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.Out, ManifestName), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	return m, nil
}

func sortFiles(fs []ManifestFile, order map[string]int) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && order[fs[j].Kind] < order[fs[j-1].Kind]; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// ReadManifest reads the manifest of a generated directory.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ManifestName), err)
	}
	return &m, nil
}

// rng returns the random source of one generation unit, so that every unit's
// output depends only on the seed and its own id.
func rng(seed uint64, stream, id int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(stream)<<40^uint64(id)))
}

// Streams of randomness.
const (
	streamRegion = iota + 1
	streamPlace
	streamMobile
)

func buildRegion(o Options) (*region, error) {
	r := &region{tm: sweref99TM(), munis: vasterbotten(), scale: 1}
	var err error
	if o.Municipalities != "" {
		if r.munis, err = readMunicipalities(o.Municipalities, r.tm); err != nil {
			return nil, err
		}
	}
	if o.Settlements != "" {
		if r.settlements, err = readSettlements(o.Settlements); err != nil {
			return nil, err
		}
	}
	if o.Grid == "" {
		r.builtin(o)
		return r, nil
	}
	if o.Municipalities == "" {
		r.voronoiMunicipalities()
	}
	if o.Settlements == "" {
		r.builtinSettlements()
	}
	cells, err := readGrid(o.Grid, r.munis)
	if err != nil {
		return nil, err
	}
	r.gridPlaces(o, cells)
	return r, nil
}

// voronoiMunicipalities gives the built-in municipalities polygons: the county
// outline split among the seats.
func (r *region) voronoiMunicipalities() {
	var outline []orb.Point
	for _, p := range countyOutline() {
		outline = append(outline, r.tm.toSweref(p))
	}
	hull := convexHull(outline)
	r.seats = r.seats[:0]
	for _, m := range r.munis {
		r.seats = append(r.seats, r.tm.toSweref(m.Seat))
	}
	for i, c := range voronoiCells(hull, r.seats) {
		r.munis[i].Geom = orb.MultiPolygon{c}
	}
	r.hull = orb.Polygon{orb.Ring(append(hull, hull[0]))}
}

func (r *region) builtinSettlements() {
	for i, t := range builtinTowns() {
		r.settlements = append(r.settlements, Settlement{Code: fmt.Sprintf("%sT%03d", t.kommun, i+1), Name: t.name,
			Kommun: t.kommun, Pop: t.pop, AreaHa: t.areaHa, At: r.tm.toSweref(t.at)})
	}
}

// gridPlaces makes one place per populated grid square: households from its
// population, premises clustered near a settlement point when one is near.
func (r *region) gridPlaces(o Options, cells []GridCell) {
	r.model = "scb-grid"
	r.population = map[string]int{}
	total := 0
	for _, c := range cells {
		r.population[c.Kommun] += c.Pop
		total += c.Pop
	}
	if o.Premises > 0 && total > 0 {
		// Premises per household is about 1.3 with holiday homes and workplaces.
		r.scale = float64(o.Premises) / (float64(total) / HouseholdSize * 1.3)
	}
	for i, c := range cells {
		pl := place{id: i, kommun: c.Kommun, households: gridHouseholds(c.Pop, r.scale)}
		b := orb.Bound{Min: c.LL, Max: orb.Point{c.LL[0] + 1000, c.LL[1] + 1000}}
		pl.clip = &b
		centre := b.Center()
		best := 2500.0
		for k := range r.settlements {
			if d := dist(r.settlements[k].At, centre); d < best && d < r.settlements[k].radius()+800 {
				best, pl.settlement = d, &r.settlements[k]
			}
		}
		g := rng(o.Seed, streamPlace, i)
		if pl.settlement != nil {
			pl.townShare = 0.85
		}
		pl.village = c.Pop >= 30
		nh := 1 + g.IntN(3)
		pl.spread = 250
		if pl.village {
			nh, pl.spread = 1+g.IntN(2), 150
			pl.fibre = g.Float64() < 0.8
			if !pl.fibre && g.Float64() < 0.4 {
				pl.planned = 2026 + g.IntN(5)
			}
		}
		for range nh {
			pl.hamlets = append(pl.hamlets, orb.Point{b.Min[0] + 100 + 800*g.Float64(), b.Min[1] + 100 + 800*g.Float64()})
		}
		r.places = append(r.places, pl)
	}
}

// gridHouseholds is the households of a square of pop people: the rule the
// conservation test checks against.
func gridHouseholds(pop int, scale float64) int {
	return int(math.Round(float64(pop) * scale / HouseholdSize))
}

// builtin builds the model region: towns, villages along the valleys and
// farms along and away from them.
func (r *region) builtin(o Options) {
	r.model = "builtin"
	if r.munis[0].Geom == nil {
		r.voronoiMunicipalities()
	} else {
		for _, m := range r.munis {
			r.seats = append(r.seats, r.tm.toSweref(m.Seat))
		}
	}
	if len(r.settlements) == 0 {
		r.builtinSettlements()
		for k := range r.settlements {
			// The model's borders are the seats' Voronoi cells: keep each town in its cell.
			r.settlements[k].Kommun = r.munis[r.nearestSeat(r.settlements[k].At)].Code
		}
	}
	n := o.Premises
	if n <= 0 {
		n = DefaultBuiltinPremises
	}
	households := float64(n) * 1.35 // flats make fewer premises than households
	g := rng(o.Seed, streamRegion, 0)
	townPop := 0
	for _, s := range r.settlements {
		townPop += s.Pop
	}
	for k := range r.settlements {
		s := &r.settlements[k]
		r.places = append(r.places, place{id: len(r.places), kommun: s.Kommun, settlement: s, townShare: 1,
			households: int(math.Round(households * 0.6 * float64(s.Pop) / float64(townPop)))})
	}
	// Villages and farm stretches along the valleys, weighted, then scaled to their share.
	type site struct {
		at      orb.Point
		weight  float64
		village bool
	}
	var sites []site
	for _, v := range valleys() {
		var line []orb.Point
		for _, p := range v {
			line = append(line, r.tm.toSweref(p))
		}
		for along := 0.0; ; along += 4000 + 6000*g.Float64() {
			at, dir, ok := pointAlong(line, along)
			if !ok {
				break
			}
			nearTown := false
			for _, s := range r.settlements {
				if dist(s.At, at) < s.radius()+2500 {
					nearTown = true
				}
			}
			off := (g.Float64()*2 - 1) * 1500
			vAt := orb.Point{at[0] - dir[1]*off, at[1] + dir[0]*off}
			if !nearTown && g.Float64() < 0.7 {
				sites = append(sites, site{vAt, 0.5 + 1.5*g.Float64(), true})
			}
			off = (g.Float64()*2 - 1) * 6000
			sites = append(sites, site{orb.Point{at[0] - dir[1]*off, at[1] + dir[0]*off}, 0.5 + g.Float64(), false})
		}
	}
	// Remote farms and hamlets away from the valleys.
	b := r.hull.Bound()
	for range 300 {
		p := orb.Point{b.Min[0] + g.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + g.Float64()*(b.Max[1]-b.Min[1])}
		if inPolygon(orb.MultiPolygon{r.hull}, p) {
			sites = append(sites, site{p, 0.2 + 0.3*g.Float64(), false})
		}
	}
	var wv, wr float64
	for _, s := range sites {
		if s.village {
			wv += s.weight
		} else {
			wr += s.weight
		}
	}
	for _, s := range sites {
		pl := place{id: len(r.places), kommun: r.munis[r.nearestSeat(s.at)].Code, village: s.village}
		if s.village {
			pl.households = int(math.Round(households * 0.25 * s.weight / wv))
			pl.hamlets, pl.spread = []orb.Point{s.at}, 350
			pl.fibre = g.Float64() < 0.75
			if !pl.fibre && g.Float64() < 0.4 {
				pl.planned = 2026 + g.IntN(5)
			}
		} else {
			pl.households = int(math.Round(households * 0.15 * s.weight / wr))
			for range 1 + g.IntN(4) {
				pl.hamlets = append(pl.hamlets, orb.Point{s.at[0] + g.NormFloat64()*2000, s.at[1] + g.NormFloat64()*2000})
			}
			pl.spread = 300
		}
		if pl.households > 0 {
			r.places = append(r.places, pl)
		}
	}
}

// pointAlong returns the point at distance d along line and the unit direction there.
func pointAlong(line []orb.Point, d float64) (orb.Point, orb.Point, bool) {
	for i := 0; i+1 < len(line); i++ {
		seg := dist(line[i], line[i+1])
		if d <= seg {
			t := d / seg
			dir := orb.Point{(line[i+1][0] - line[i][0]) / seg, (line[i+1][1] - line[i][1]) / seg}
			return orb.Point{line[i][0] + t*(line[i+1][0]-line[i][0]), line[i][1] + t*(line[i+1][1]-line[i][1])}, dir, true
		}
		d -= seg
	}
	return orb.Point{}, orb.Point{}, false
}

func dist(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

// nearestSeat is the municipality whose seat is nearest: with Voronoi
// borders, the one whose polygon holds p.
func (r *region) nearestSeat(p orb.Point) int {
	best, bi := math.Inf(1), 0
	for i, s := range r.seats {
		if d := dist(s, p); d < best {
			best, bi = d, i
		}
	}
	return bi
}

// output opens one output file and records it in the manifest when done.
type output struct {
	f    *os.File
	w    geo.Writer
	file ManifestFile
	feat geo.Feature
}

func create(o Options, kind, name string, s geo.LayerSchema, csvGeom geo.CSVGeometry) (*output, error) {
	s.Modified = modified()
	path := filepath.Join(o.Out, name)
	out := &output{file: ManifestFile{Kind: kind, File: name, SRID: s.SRID}, feat: geo.Feature{Properties: map[string]any{}}}
	var err error
	switch filepath.Ext(name) {
	case ".gpkg":
		out.w, err = geo.CreateGeoPackage(path, s)
	default:
		if out.f, err = os.Create(path); err != nil {
			return nil, fmt.Errorf("gen: %w", err)
		}
		switch filepath.Ext(name) {
		case ".geojson":
			out.w, err = geo.NewGeoJSONWriter(out.f, s)
		case ".geojsonseq":
			out.w, err = geo.NewGeoJSONSeqWriter(out.f, s)
		default:
			out.w, err = geo.NewCSVWriter(out.f, s, csvGeom)
		}
	}
	if err != nil {
		if out.f != nil {
			out.f.Close()
		}
		return nil, fmt.Errorf("gen %s: %w", name, err)
	}
	return out, nil
}

// write writes one feature; props alternate names and values.
func (out *output) write(g orb.Geometry, props ...any) error {
	clear(out.feat.Properties)
	for i := 0; i+1 < len(props); i += 2 {
		out.feat.Properties[props[i].(string)] = props[i+1]
	}
	out.feat.Geometry = g
	out.file.Rows++
	if err := out.w.Write(&out.feat); err != nil {
		return fmt.Errorf("gen %s: %w", out.file.File, err)
	}
	return nil
}

func (out *output) close(m *Manifest) error {
	err := out.w.Close()
	if out.f != nil {
		if cerr := out.f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("gen %s: %w", out.file.File, err)
	}
	m.Files = append(m.Files, out.file)
	return nil
}

// closeAll closes outs, keeping the first error.
func closeAll(m *Manifest, err error, outs ...*output) error {
	for _, out := range outs {
		if out == nil {
			continue
		}
		if cerr := out.close(m); err == nil {
			err = cerr
		}
	}
	return err
}

func writeMunicipalities(r *region, o Options, m *Manifest) error {
	out, err := create(o, "municipalities", "municipalities.geojson", geo.LayerSchema{Name: "municipalities",
		GeometryType: "MULTIPOLYGON", SRID: 4326, Precision: 6,
		Fields: []geo.FieldDef{{Name: "kommun_code", Kind: geo.FieldString}, {Name: "name", Kind: geo.FieldString}}}, 0)
	if err != nil {
		return err
	}
	for _, mu := range r.munis {
		if err = out.write(project(mu.Geom, r.tm.toLonLat), "kommun_code", mu.Code, "name", mu.Name); err != nil {
			break
		}
	}
	return closeAll(m, err, out)
}

func writeSettlements(r *region, o Options, m *Manifest) error {
	out, err := create(o, "settlements", "settlements.geojson", geo.LayerSchema{Name: "settlements",
		GeometryType: "POINT", SRID: 4326, Precision: 6,
		Fields: []geo.FieldDef{{Name: "tatort_code", Kind: geo.FieldString}, {Name: "name", Kind: geo.FieldString},
			{Name: "kommun_code", Kind: geo.FieldString}, {Name: "pop", Kind: geo.FieldInt}}}, 0)
	if err != nil {
		return err
	}
	for _, s := range r.settlements {
		if err = out.write(r.tm.toLonLat(s.At), "tatort_code", s.Code, "name", s.Name, "kommun_code", s.Kommun, "pop", s.Pop); err != nil {
			break
		}
	}
	return closeAll(m, err, out)
}

// SCB file names inside a reference directory (see the shared data README).
const (
	SCBGrid           = "pop_1km_2024.csv"
	SCBMunicipalities = "kommuner.geojson"
	SCBSettlements    = "tatorter.geojson"
)

// FindSCB returns the first of dirs that holds the SCB reference files, or ""
// when none does.
func FindSCB(dirs ...string) string {
	for _, d := range dirs {
		ok := true
		for _, f := range []string{SCBGrid, SCBMunicipalities, SCBSettlements} {
			if _, err := os.Stat(filepath.Join(d, f)); err != nil {
				ok = false
				break
			}
		}
		if ok {
			return d
		}
	}
	return ""
}

// SCBDefaultDirs are where the shared reference data is looked for, relative
// to the working directory (a clone or a worktree beside "shared").
func SCBDefaultDirs() []string {
	return []string{"../shared/data/vasterbotten", "shared/data/vasterbotten", "../../shared/data/vasterbotten"}
}

// UseSCB sets the grid, municipality and settlement files of dir where o has none.
func (o *Options) UseSCB(dir string) {
	if o.Grid == "" {
		o.Grid = filepath.Join(dir, SCBGrid)
	}
	if o.Municipalities == "" {
		o.Municipalities = filepath.Join(dir, SCBMunicipalities)
	}
	if o.Settlements == "" {
		o.Settlements = filepath.Join(dir, SCBSettlements)
	}
}
