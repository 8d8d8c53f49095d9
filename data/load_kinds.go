package data

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/bbplan/bbplan/geo"
	"github.com/lib/pq"
	"github.com/paulmach/orb"
)

// kindOrder lists the dataset kinds `bbplan load` accepts, in the order a region
// usually loads them.
var kindOrder = [...]string{"municipalities", "premises", "fixed", "mobile", "fiber-nodes",
	"settlements", "measurements", "priorities"}

// Kinds returns the dataset kinds that Load accepts.
func Kinds() []string { return append([]string(nil), kindOrder[:]...) }

// geomRule says which geometries a kind takes.
type geomRule int

const (
	geomPoint        geomRule = iota // a Point (a one-point MultiPoint is accepted)
	geomPolygonal                    // a Polygon or MultiPolygon
	geomPointOrArea                  // a Point, Polygon or MultiPolygon
	geomOptionalArea                 // none, or a Polygon or MultiPolygon (a Point is ignored)
	geomNone                         // ignored
)

// field is one attribute a kind reads: its name in the table, the column names
// it is found under by default, and whether it must be present.
type field struct {
	name     string
	aliases  []string
	required bool
}

// kindSpec describes how one kind goes from features to its table.
type kindSpec struct {
	kind   string
	table  string
	fields []field
	geom   geomRule
	// stage is the column list of the staging table after fidx, line and geom,
	// in the order convert fills them.
	stage string
	// convert turns the feature's mapped attributes into the staging values
	// (strings, or nil for NULL) and reports the first bad value.
	convert func(v *values) ([]any, error)
	// key is the staging column that becomes the table's primary key:
	// duplicates are looked for only when building the key fails.
	key string
	// checks are set-based validations on load_stage. Each returns rows of
	// (fidx, line, field, reason) for bad rows; $1 is the limit.
	checks []string
	// direct kinds may be copied straight into their table (loadDirect): the
	// staging columns are table columns. afterCopy, if any, completes the
	// rows in the table before its indexes are rebuilt, in either path.
	direct    bool
	afterCopy string
	// insert fills the target table from load_stage (geometries already in
	// the working SRID) in spatial order; $1 is the dataset id.
	insert string
}

// checkDuplicates finds rows whose key column repeats an earlier row's; col
// comes from the kind specs, never from input.
func checkDuplicates(col string) string {
	return strings.ReplaceAll(`
SELECT s.fidx, s.line, 'COL', format('duplicate COL %s (first at feature %s)', s.COL, d.first)
FROM load_stage s
JOIN (SELECT COL, min(fidx) AS first FROM load_stage GROUP BY COL HAVING count(*) > 1) d
  ON d.COL = s.COL AND s.fidx <> d.first
ORDER BY s.fidx LIMIT $1`, "COL", col)
}

const checkUnknownPremise = `
SELECT s.fidx, s.line, 'premise_id', format('unknown premise %s (load the premises first)', s.premise_id)
FROM load_stage s
WHERE s.geom IS NULL AND NOT EXISTS (SELECT 1 FROM premise p WHERE p.id = s.premise_id)
ORDER BY s.fidx LIMIT $1`

// assignKommun gives premises without a municipality code the municipality
// that covers them or, for points just outside the coarse borders, the
// nearest one within nearestKommun metres: both are the nearest polygon, and
// one index lookup per premise measured faster than an ST_Covers join first.
const assignKommun = `
UPDATE premise p SET kommun_code = (SELECT m.code FROM municipality m
    WHERE ST_DWithin(m.geom, p.geom, ` + nearestKommun + `) ORDER BY m.geom <-> p.geom LIMIT 1)
WHERE p.kommun_code IS NULL AND EXISTS (SELECT 1 FROM municipality)`

// nearestKommun is how far (in metres of the working SRID) a premise may lie
// outside the coarse municipality borders and still be given the nearest one.
const nearestKommun = "5000"

var kindSpecs = map[string]*kindSpec{
	"municipalities": {
		kind: "municipalities", table: "municipality", geom: geomPolygonal,
		fields: []field{{name: "kommun_code", aliases: []string{"code", "kommun_cod", "kommunkod", "kn_kod"}, required: true},
			{name: "name", aliases: []string{"kommunnamn", "kn_namn"}, required: true}},
		stage: "code text, name text",
		convert: func(v *values) ([]any, error) {
			code := v.text(0)
			if len(code) < 2 {
				return nil, v.errf(0, "%q is not a municipality code", code)
			}
			return []any{code, v.text(1)}, nil
		},
		key: "code",
		insert: `
INSERT INTO municipality (code, name, county_code, dataset_id, geom)
SELECT code, name, left(code, 2), $1, ST_Multi(ST_CollectionExtract(geom, 3))
FROM load_stage ORDER BY geom`,
	},
	"premises": {
		kind: "premises", table: "premise", geom: geomPoint, direct: true,
		afterCopy: assignKommun,
		fields: []field{{name: "id", aliases: []string{"premise_id"}, required: true},
			{name: "households"}, {name: "workplaces"}, {name: "kind"}, {name: "anchor"},
			{name: "kommun_code", aliases: []string{"kommun_cod", "kommun"}}},
		stage: "id text, households int, workplaces int, kind text, anchor text, kommun_code text",
		convert: func(v *values) ([]any, error) {
			hh, err := v.count(1, 0)
			if err != nil {
				return nil, err
			}
			wp, err := v.count(2, 0)
			if err != nil {
				return nil, err
			}
			kind, err := v.oneOf(3, "permanent", "permanent", "holiday")
			if err != nil {
				return nil, err
			}
			anchor, err := v.oneOf(4, "", "school", "health", "library", "public_safety")
			if err != nil {
				return nil, err
			}
			return []any{v.text(0), hh, wp, kind, nullIfEmpty(anchor), v.optText(5)}, nil
		},
		key: "id",
		insert: `
INSERT INTO premise (id, dataset_id, geom, kommun_code, households, workplaces, kind, anchor)
SELECT id, $1, geom, kommun_code, households, workplaces, kind, anchor
FROM load_stage ORDER BY geom`,
	},
	"fixed": {
		kind: "fixed", table: "fixed_offer", geom: geomOptionalArea,
		fields: []field{{name: "premise_id"}, {name: "provider", aliases: []string{"operator"}, required: true},
			{name: "technology", aliases: []string{"tech", "techcode"}, required: true},
			{name: "down_mbps", aliases: []string{"down"}, required: true},
			{name: "up_mbps", aliases: []string{"up"}, required: true},
			{name: "latency_ms", aliases: []string{"latency"}}, {name: "status"}, {name: "planned_year", aliases: []string{"planned_ye"}}},
		stage: "premise_id text, provider text, technology text, down_mbps float8, up_mbps float8, " +
			"latency_ms float8, status text, planned_year int, confidential bool",
		convert: func(v *values) ([]any, error) {
			tech, err := v.technology(2)
			if err != nil {
				return nil, err
			}
			down, up, lat, err := v.speeds(3, true)
			if err != nil {
				return nil, err
			}
			status, err := v.oneOf(6, "available", "available", "planned")
			if err != nil {
				return nil, err
			}
			year, err := v.optInt(7)
			if err != nil {
				return nil, err
			}
			pid := v.optText(0)
			if pid == nil && v.f.Geometry == nil {
				return nil, v.errf(0, "missing: an offer needs a premise_id or a polygon")
			}
			return []any{pid, v.text(1), tech, down, up, lat, status, year,
				strconv.FormatBool(status == "planned")}, nil
		},
		checks: []string{checkUnknownPremise},
		insert: `
INSERT INTO fixed_offer (dataset_id, premise_id, geom, provider, technology, down_mbps, up_mbps,
    latency_ms, status, planned_year, confidential)
SELECT $1, premise_id, ST_Multi(ST_CollectionExtract(geom, 3)), provider,
    technology, down_mbps, up_mbps, latency_ms, status, planned_year, confidential
FROM load_stage ORDER BY premise_id, geom`,
	},
	"mobile": {
		kind: "mobile", table: "mobile_coverage", geom: geomPolygonal,
		fields: []field{{name: "operator", aliases: []string{"provider"}, required: true},
			{name: "technology", aliases: []string{"tech"}, required: true},
			{name: "down_mbps", aliases: []string{"down"}, required: true}, {name: "indoor"}},
		stage: "operator text, technology text, down_mbps float8, indoor bool",
		convert: func(v *values) ([]any, error) {
			tech, err := v.oneOf(1, "", "4g", "5g", "lte", "nr")
			if err != nil {
				return nil, err
			}
			switch tech {
			case "lte":
				tech = "4g"
			case "nr":
				tech = "5g"
			}
			down, err := v.speed(2, true)
			if err != nil {
				return nil, err
			}
			indoor, err := v.boolean(3)
			if err != nil {
				return nil, err
			}
			return []any{v.text(0), tech, down, indoor}, nil
		},
		insert: `
INSERT INTO mobile_coverage (dataset_id, operator, technology, down_mbps, indoor, geom)
SELECT $1, operator, technology, down_mbps, indoor,
    ST_Multi(ST_CollectionExtract(geom, 3))
FROM load_stage ORDER BY geom`,
	},
	"fiber-nodes": {
		kind: "fiber-nodes", table: "fiber_node", geom: geomPoint,
		fields: []field{{name: "id", aliases: []string{"node_id"}, required: true}, {name: "kind"}},
		stage:  "id text, kind text",
		convert: func(v *values) ([]any, error) {
			kind := v.text(1)
			if kind == "" {
				kind = "node"
			}
			return []any{v.text(0), kind}, nil
		},
		key: "id",
		insert: `
INSERT INTO fiber_node (id, dataset_id, kind, geom)
SELECT id, $1, kind, geom FROM load_stage ORDER BY geom`,
	},
	"settlements": {
		kind: "settlements", table: "settlement", geom: geomPointOrArea,
		fields: []field{{name: "tatort_code", aliases: []string{"code", "tatort_cod", "tatortskod"}, required: true},
			{name: "name", aliases: []string{"tatort"}, required: true},
			{name: "kommun_code", aliases: []string{"kommun_cod", "kommun"}}, {name: "pop", aliases: []string{"population", "bef"}}},
		stage: "id text, name text, kommun_code text, pop int",
		convert: func(v *values) ([]any, error) {
			pop, err := v.optInt(3)
			if err != nil {
				return nil, err
			}
			return []any{v.text(0), v.text(1), v.optText(2), pop}, nil
		},
		key: "id",
		insert: `
INSERT INTO settlement (code, dataset_id, name, kommun_code, pop, geom)
SELECT id, $1, name, kommun_code, pop,
    CASE WHEN GeometryType(geom) = 'POINT' THEN geom
         ELSE ST_CollectionExtract(geom, 3) END
FROM load_stage ORDER BY geom`,
	},
	"measurements": {
		kind: "measurements", table: "measurement", geom: geomPoint,
		fields: []field{{name: "premise_id"}, {name: "down_mbps", aliases: []string{"down"}, required: true},
			{name: "up_mbps", aliases: []string{"up"}}, {name: "latency_ms", aliases: []string{"latency"}},
			{name: "tests"}, {name: "measured_on", aliases: []string{"measured_o", "date"}}},
		stage: "premise_id text, down_mbps float8, up_mbps float8, latency_ms float8, tests int, measured_on date",
		convert: func(v *values) ([]any, error) {
			down, up, lat, err := v.speeds(1, false)
			if err != nil {
				return nil, err
			}
			tests, err := v.count(4, 1)
			if err != nil {
				return nil, err
			}
			if tests == "0" {
				return nil, v.errf(4, "must be at least 1")
			}
			on, err := v.date(5)
			if err != nil {
				return nil, err
			}
			return []any{v.optText(0), down, up, lat, tests, on}, nil
		},
		insert: `
INSERT INTO measurement (dataset_id, premise_id, geom, down_mbps, up_mbps, latency_ms, tests, measured_on)
SELECT $1, premise_id, geom, down_mbps, up_mbps, latency_ms, tests, measured_on
FROM load_stage ORDER BY geom`,
	},
	"priorities": {
		kind: "priorities", table: "premise_priority", geom: geomNone,
		fields: []field{{name: "premise_id", aliases: []string{"id"}, required: true}},
		stage:  "premise_id text",
		convert: func(v *values) ([]any, error) {
			return []any{v.text(0)}, nil
		},
		key:    "premise_id",
		checks: []string{checkUnknownPremise},
		insert: `
INSERT INTO premise_priority (premise_id, dataset_id)
SELECT premise_id, $1 FROM load_stage ORDER BY premise_id`,
	},
}

// fcc maps FCC Form 477 / BDC technology codes to bbplan technologies (DESIGN §3).
var fcc = map[string]string{"0": "other", "10": "dsl", "40": "cable", "50": "fiber",
	"60": "satellite_geo", "61": "satellite_leo", "70": "fwa_unlicensed", "71": "fwa_licensed", "72": "fwa_licensed"}

// technologies are the names fixed offers may use.
var technologies = []string{"fiber", "cable", "dsl", "fwa_licensed", "fwa_unlicensed",
	"satellite_geo", "satellite_leo", "other"}

// columns are the names of the staging columns after fidx, line and geom.
func (s *kindSpec) columns() []string {
	var cols []string
	for _, c := range strings.Split(s.stage, ",") {
		cols = append(cols, strings.Fields(c)[0])
	}
	return cols
}

// mapping resolves a kind's fields to the columns of one file: --map
// overrides first, then the field name and its aliases, case-insensitively.
type mapping struct {
	spec    *kindSpec
	columns [][]string // candidate column names per field
}

// newMapping checks the --map entries against spec's fields.
func newMapping(spec *kindSpec, overrides map[string]string) (*mapping, error) {
	m := &mapping{spec: spec, columns: make([][]string, len(spec.fields))}
	known := map[string]int{}
	for i, f := range spec.fields {
		known[f.name] = i
		m.columns[i] = append([]string{f.name}, f.aliases...)
	}
	for name, col := range overrides {
		i, ok := known[name]
		if !ok {
			var names []string
			for _, f := range spec.fields {
				names = append(names, f.name)
			}
			return nil, fmt.Errorf("--map %s=%s: %s has no field %s (fields: %s)", name, col, spec.kind, name, strings.Join(names, ", "))
		}
		m.columns[i] = []string{col}
		if l := strings.ToLower(col); l != col {
			m.columns[i] = append(m.columns[i], l)
		}
	}
	return m, nil
}

// values reads one feature's attributes through a mapping and converts them,
// producing errors that name the file, feature, field and reason.
type values struct {
	m    *mapping
	file string
	f    *geo.Feature
	raw  []any // per field, the property value (nil when absent)
}

func (v *values) reset(f *geo.Feature) error {
	v.f = f
	if cap(v.raw) < len(v.m.columns) {
		v.raw = make([]any, len(v.m.columns))
	}
	v.raw = v.raw[:len(v.m.columns)]
	// Column names are nearly always lower case: then the exact lookups of
	// the lower-cased candidates are enough, and absent fields cost no scan.
	lower := true
	for k := range f.Properties {
		if hasUpper(k) {
			lower = false
			break
		}
	}
	for i, cols := range v.m.columns {
		v.raw[i] = lookup(f.Properties, cols, lower)
		if v.m.spec.fields[i].required && isBlank(v.raw[i]) {
			return v.errf(i, "missing required value")
		}
	}
	return nil
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return true
		}
	}
	return false
}

// lookup finds the first of cols among props, exactly, then ignoring case
// unless every key of props is known to be lower case.
func lookup(props map[string]any, cols []string, lower bool) any {
	for _, c := range cols {
		if val, ok := props[c]; ok {
			return val
		}
	}
	if lower {
		return nil
	}
	for k, val := range props {
		for _, c := range cols {
			if strings.EqualFold(k, c) {
				return val
			}
		}
	}
	return nil
}

func isBlank(x any) bool {
	if x == nil {
		return true
	}
	s, ok := x.(string)
	return ok && strings.TrimSpace(s) == ""
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// errf is an input error about field i of the current feature.
func (v *values) errf(i int, format string, args ...any) error {
	return &geo.InputError{File: v.file, Line: v.f.Line, Feature: v.f.Index, Field: v.m.spec.fields[i].name,
		Reason: fmt.Sprintf(format, args...)}
}

// text is the value as a string ("" when absent); integral numbers print without a fraction.
func (v *values) text(i int) string {
	switch x := v.raw[i].(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	default:
		return fmt.Sprint(x)
	}
}

// optText is the value as a string, or nil when absent or empty.
func (v *values) optText(i int) any { return nullIfEmpty(v.text(i)) }

// quoted shows a raw value in a message the way the user wrote it.
func (v *values) quoted(i int) string { return "'" + v.text(i) + "'" }

// optInt is an integer, or nil when absent or empty.
func (v *values) optInt(i int) (any, error) {
	switch x := v.raw[i].(type) {
	case nil:
		return nil, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > math.MaxInt32 {
			return nil, v.errf(i, "%s is not an integer", v.quoted(i))
		}
		return strconv.FormatInt(int64(x), 10), nil
	}
	s := v.text(i)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		// Exports often write integers as 3.0.
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f == math.Trunc(f) && math.Abs(f) <= math.MaxInt32 {
			return strconv.FormatInt(int64(f), 10), nil
		}
		return nil, v.errf(i, "%s is not an integer", v.quoted(i))
	}
	return strconv.FormatInt(n, 10), nil
}

// count is a non-negative integer with a default for absent values.
func (v *values) count(i int, def int) (string, error) {
	n, err := v.optInt(i)
	if err != nil {
		return "", err
	}
	if n == nil {
		return strconv.Itoa(def), nil
	}
	s := n.(string)
	if strings.HasPrefix(s, "-") {
		return "", v.errf(i, "%s is negative", v.quoted(i))
	}
	return s, nil
}

// speed is a non-negative number (Mbit/s or ms); required ones may not be empty.
func (v *values) speed(i int, required bool) (any, error) {
	var f float64
	switch x := v.raw[i].(type) {
	case nil:
		if required {
			return nil, v.errf(i, "missing required value")
		}
		return nil, nil
	case float64:
		f = x
	case int64:
		f = float64(x)
	default:
		s := v.text(i)
		if s == "" {
			if required {
				return nil, v.errf(i, "missing required value")
			}
			return nil, nil
		}
		var err error
		if f, err = strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64); err != nil {
			return nil, v.errf(i, "%s is not a number", v.quoted(i))
		}
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, v.errf(i, "%s is not a number", v.quoted(i))
	}
	if f < 0 {
		return nil, v.errf(i, "%s is negative", v.quoted(i))
	}
	return strconv.FormatFloat(f, 'g', -1, 64), nil
}

// speeds reads the fields down_mbps, up_mbps and latency_ms, which follow
// each other from field first: down is required, up when upRequired.
func (v *values) speeds(first int, upRequired bool) (down, up, latency any, err error) {
	if down, err = v.speed(first, true); err != nil {
		return nil, nil, nil, err
	}
	if up, err = v.speed(first+1, upRequired); err != nil {
		return nil, nil, nil, err
	}
	if latency, err = v.speed(first+2, false); err != nil {
		return nil, nil, nil, err
	}
	return down, up, latency, nil
}

// oneOf is one of allowed (case-insensitive), or def when absent.
func (v *values) oneOf(i int, def string, allowed ...string) (string, error) {
	s := strings.ToLower(v.text(i))
	if s == "" {
		if def == "" && v.m.spec.fields[i].required {
			return "", v.errf(i, "missing required value")
		}
		return def, nil
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", v.errf(i, "%s is not one of %s", v.quoted(i), strings.Join(allowed, ", "))
}

// technology is a fixed technology name or an FCC technology code.
func (v *values) technology(i int) (string, error) {
	s := strings.ToLower(v.text(i))
	if t, ok := fcc[s]; ok {
		return t, nil
	}
	s = strings.NewReplacer("-", "_", " ", "_").Replace(s)
	for _, t := range technologies {
		if s == t {
			return t, nil
		}
	}
	switch s {
	case "fibre", "ftth", "fttb":
		return "fiber", nil
	case "adsl", "vdsl", "xdsl", "copper":
		return "dsl", nil
	}
	return "", v.errf(i, "unknown technology %s (use %s, or an FCC code 0, 10, 40, 50, 60, 61, 70, 71, 72)",
		v.quoted(i), strings.Join(technologies, ", "))
}

// boolean reads true/false, yes/no, 1/0, indoor/outdoor; absent is false.
func (v *values) boolean(i int) (string, error) {
	if b, ok := v.raw[i].(bool); ok {
		return strconv.FormatBool(b), nil
	}
	switch strings.ToLower(v.text(i)) {
	case "", "false", "f", "no", "n", "0", "outdoor":
		return "false", nil
	case "true", "t", "yes", "y", "1", "indoor":
		return "true", nil
	}
	return "", v.errf(i, "%s is not true or false", v.quoted(i))
}

// date reads an ISO date (YYYY-MM-DD), or nil when absent.
func (v *values) date(i int) (any, error) {
	s := v.text(i)
	if s == "" {
		return nil, nil
	}
	if len(s) > 10 {
		s = s[:10]
	}
	if _, err := time.Parse("2006-01-02", s); err != nil {
		return nil, v.errf(i, "%s is not a date (YYYY-MM-DD)", v.quoted(i))
	}
	return s, nil
}

// checkGeometry checks a feature's geometry against the kind's rule and the
// input CRS's valid area. It returns the geometry to store (nil for none).
func checkGeometry(spec *kindSpec, v *values, srid int) (orb.Geometry, error) {
	g := v.f.Geometry
	if spec.geom == geomNone {
		return nil, nil
	}
	if mp, ok := g.(orb.MultiPoint); ok && len(mp) == 1 {
		g = mp[0]
	}
	bad := func(format string, args ...any) error {
		return &geo.InputError{File: v.file, Line: v.f.Line, Feature: v.f.Index, Field: "geometry", Reason: fmt.Sprintf(format, args...)}
	}
	if g == nil {
		if spec.geom == geomOptionalArea {
			return nil, nil
		}
		return nil, bad("missing")
	}
	typ := g.GeoJSONType()
	ok := false
	switch spec.geom {
	case geomPoint:
		ok = typ == "Point"
	case geomPolygonal:
		ok = typ == "Polygon" || typ == "MultiPolygon"
	case geomPointOrArea:
		ok = typ == "Point" || typ == "Polygon" || typ == "MultiPolygon"
	case geomOptionalArea:
		if typ == "Point" {
			return nil, nil
		}
		ok = typ == "Polygon" || typ == "MultiPolygon"
	}
	if !ok {
		return nil, bad("%s is the wrong geometry type for %s (want %s)", typ, spec.kind, spec.geom)
	}
	if isEmpty(g) {
		return nil, bad("empty %s", typ)
	}
	b := g.Bound()
	for _, c := range [...]float64{b.Min[0], b.Min[1], b.Max[0], b.Max[1]} {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return nil, bad("coordinate is not a number")
		}
	}
	if err := plausible(b, srid); err != nil {
		return nil, bad("%v", err)
	}
	return g, nil
}

func (r geomRule) String() string {
	return [...]string{"Point", "Polygon or MultiPolygon", "Point, Polygon or MultiPolygon",
		"Polygon, MultiPolygon or none", "none"}[r]
}

func isEmpty(g orb.Geometry) bool {
	switch x := g.(type) {
	case orb.Polygon:
		return len(x) == 0 || len(x[0]) < 4
	case orb.MultiPolygon:
		for _, p := range x {
			if len(p) > 0 && len(p[0]) >= 4 {
				return false
			}
		}
		return true
	case orb.MultiPoint:
		return len(x) == 0
	}
	return false
}

// plausible checks a geometry's bounding box against where data in srid is
// expected (geo.CheckPlausible): both corners, so that a polygon reaching far
// out is caught as well as a point.
func plausible(b orb.Bound, srid int) error {
	if err := geo.CheckPlausible(b.Min, srid); err != nil {
		return err
	}
	if b.Max != b.Min {
		return geo.CheckPlausible(b.Max, srid)
	}
	return nil
}

// kindArray is the kinds as a PostgreSQL text[] parameter, for ordering.
func kindArray() any { return pq.Array(kindOrder[:]) }
