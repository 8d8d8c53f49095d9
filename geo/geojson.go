package geo

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/paulmach/orb"
)

// geojsonReader reads GeoJSON (RFC 7946) and GeoJSONSeq (RFC 8142) with one
// streaming parser: the input is a sequence of top-level objects separated by
// whitespace or RS (0x1E), each a FeatureCollection (its features are streamed
// one at a time), a Feature or a bare geometry. A FeatureCollection file is
// therefore never read into memory as a whole.
type geojsonReader struct {
	f    *os.File
	s    *jsonScanner
	name string
	size int64

	srid     int // from the caller, else from a crs member, else 4326
	fixed    bool
	state    int
	first    bool // before the first member or element of the current object or array
	top      featureParts
	topLine  int
	index    int
	finished bool
	objects  int // top-level objects started

	// A problem in well-formed JSON (a bad coordinate count, an unknown
	// geometry type) is noted here and reported once the feature has been
	// read to its end, so that the next feature can still be read.
	deferField, deferReason string
	deferLine               int
	// dirty is set when parsing stopped inside malformed JSON.
	dirty bool
	// sticky is the error repeated by every later Next once reading cannot go on.
	sticky error
}

const (
	stTop        = iota // between top-level values
	stTopMembers        // inside a top-level object
	stFeatures          // inside a FeatureCollection's features array
)

// featureParts collects the members of a Feature or geometry object, which may
// come in any order.
type featureParts struct {
	typ        string
	geom       orb.Geometry
	hasGeom    bool
	props      map[string]any
	id         any
	hasID      bool
	coords     cnode
	hasCoords  bool
	geometries []orb.Geometry
	hasGeoms   bool
	collection bool
}

func openGeoJSON(f *os.File, name string, size int64, opt OpenOptions) (*geojsonReader, error) {
	r := &geojsonReader{f: f, s: newJSONScanner(f, 256<<10), name: name, size: size, srid: 4326}
	if opt.SRID != 0 {
		r.srid, r.fixed = opt.SRID, true
	}
	return r, nil
}

func (r *geojsonReader) SRID() int        { return r.srid }
func (r *geojsonReader) BytesRead() int64 { return r.s.offset() }
func (r *geojsonReader) Size() int64      { return r.size }
func (r *geojsonReader) Close() error     { return r.f.Close() }

// header reads up to the first feature so that SRID reflects a crs member
// before the caller asks for it. A top-level Feature found on the way is
// returned so that Next can hand it out first.
func (r *geojsonReader) header() (*Feature, error) {
	return r.advance(true)
}

// Next returns the next feature. After an error in one feature it goes on
// with the next one where it can: after a bad but well-formed feature, and in
// GeoJSONSeq after a malformed line (it skips to the next line). Malformed
// JSON inside a FeatureCollection ends the reading: every later call returns
// the same error.
func (r *geojsonReader) Next() (*Feature, error) {
	return r.advance(false)
}

// advance is Next, stopping on entering a features array with stopAtFeatures.
func (r *geojsonReader) advance(stopAtFeatures bool) (*Feature, error) {
	if r.sticky != nil {
		return nil, r.sticky
	}
	r.dirty = false
	f, err := r.next(stopAtFeatures)
	if err == nil || !r.dirty {
		return f, err
	}
	if r.state == stFeatures || r.state == stTopMembers && r.top.collection {
		r.sticky = err
		return nil, err
	}
	// A malformed top-level object: resynchronise at the next line.
	r.index++
	r.state = stTop
	r.s.skipLine()
	return nil, err
}

// deferErr notes a problem with the current feature, reported when the
// feature ends. Only the first is kept.
func (r *geojsonReader) deferErr(field, reason string) {
	if r.deferReason == "" {
		r.deferField, r.deferReason, r.deferLine = field, reason, r.s.line
	}
}

// takeDeferred returns and clears the noted problem as an InputError.
func (r *geojsonReader) takeDeferred(index int) error {
	if r.deferReason == "" {
		return nil
	}
	err := &InputError{File: r.name, Line: r.deferLine, Feature: index, Field: r.deferField, Reason: r.deferReason}
	r.deferField, r.deferReason = "", ""
	return err
}

func (r *geojsonReader) fail(field string, err error) error {
	r.dirty = true
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	reason := err.Error()
	if errors.Is(err, errJSONEOF) {
		switch r.state {
		case stFeatures:
			reason = "unexpected end of file inside the FeatureCollection (truncated file?)"
		default:
			reason = "unexpected end of file inside a GeoJSON object (truncated file?)"
		}
	}
	feature := 0
	if r.state == stFeatures || r.state == stTopMembers && !r.top.collection {
		feature = r.index + 1
	}
	return &InputError{File: r.name, Line: r.s.line, Feature: feature, Field: field, Reason: reason}
}

// next advances the state machine to the next feature. With stopAtFeatures it
// returns (nil, nil) on entering a features array.
func (r *geojsonReader) next(stopAtFeatures bool) (*Feature, error) {
	if r.finished {
		return nil, io.EOF
	}
	s := r.s
	for {
		switch r.state {
		case stTop:
			c, err := s.peek()
			if errors.Is(err, errJSONEOF) {
				r.finished = true
				if r.objects == 0 {
					return nil, &InputError{File: r.name, Reason: "empty file"}
				}
				return nil, io.EOF
			}
			if err != nil {
				return nil, r.fail("", err)
			}
			if c == 0x1e {
				s.pos++
				continue
			}
			if c != '{' {
				return nil, r.fail("", fmt.Errorf("expected a GeoJSON object, found %s", describeByte(c)))
			}
			s.pos++
			s.nest = 0
			r.objects++
			r.topLine = s.line
			r.top = featureParts{}
			r.state, r.first = stTopMembers, true
		case stTopMembers:
			ok, err := s.more('}', r.first)
			if err != nil {
				return nil, r.fail("", err)
			}
			r.first = false
			if !ok {
				r.state = stTop
				if r.top.collection || r.top.typ == "FeatureCollection" {
					continue
				}
				r.index++
				return r.top.feature(r, r.index, r.topLine)
			}
			k, err := s.key()
			if err != nil {
				return nil, r.fail("", err)
			}
			if string(k) == "features" {
				if err := s.expect('['); err != nil {
					return nil, r.fail("features", err)
				}
				r.top.collection = true
				r.state, r.first = stFeatures, true
				if stopAtFeatures {
					return nil, nil
				}
				continue
			}
			if string(k) == "crs" {
				if err := r.crs(); err != nil {
					return nil, err
				}
				continue
			}
			if err := r.top.member(r, k); err != nil {
				return nil, err
			}
		case stFeatures:
			ok, err := s.more(']', r.first)
			if err != nil {
				return nil, r.fail("features", err)
			}
			r.first = false
			if !ok {
				r.state = stTopMembers
				continue
			}
			c, err := s.peek()
			if err != nil {
				return nil, r.fail("features", err)
			}
			if c != '{' {
				return nil, r.fail("features", fmt.Errorf("expected a Feature object, found %s", describeByte(c)))
			}
			line := s.line
			s.pos++
			s.nest = 0
			var p featureParts
			for first := true; ; first = false {
				ok, err := s.more('}', first)
				if err != nil {
					return nil, r.fail("", err)
				}
				if !ok {
					break
				}
				k, err := s.key()
				if err != nil {
					return nil, r.fail("", err)
				}
				if err := p.member(r, k); err != nil {
					return nil, err
				}
			}
			r.index++
			return p.feature(r, r.index, line)
		}
	}
}

// crs reads a legacy (2008 GeoJSON) crs member naming the CRS. Its errors
// name no feature: the member belongs to the collection.
func (r *geojsonReader) crs() error {
	err := r.readCRS()
	var ie *InputError
	if errors.As(err, &ie) && r.top.typ != "Feature" {
		ie.Feature = 0
	}
	return err
}

func (r *geojsonReader) readCRS() error {
	v, err := r.s.generic()
	if err != nil {
		return r.fail("crs", err)
	}
	m, _ := v.(map[string]any)
	props, _ := m["properties"].(map[string]any)
	name, _ := props["name"].(string)
	if name == "" {
		return r.fail("crs", errors.New(`expected {"type":"name","properties":{"name":"EPSG:..."}}`))
	}
	srid, ok := SRIDFromName(name)
	if !ok {
		return r.fail("crs", fmt.Errorf("unknown CRS name %q", name))
	}
	if r.fixed {
		return nil
	}
	if r.index > 0 && srid != r.srid {
		return r.fail("crs", fmt.Errorf("crs EPSG:%d comes after features already read as EPSG:%d: put crs before features or give the SRID explicitly", srid, r.srid))
	}
	r.srid = srid
	return nil
}

// member reads one member of a Feature or geometry object.
func (p *featureParts) member(r *geojsonReader, k []byte) error {
	s := r.s
	var err error
	switch string(k) {
	case "type":
		if p.typ, err = r.typeMember("type"); err != nil {
			return err
		}
	case "geometry":
		p.hasGeom = true
		if p.geom, err = r.geometry("geometry"); err != nil {
			return err
		}
	case "properties":
		if p.props, err = r.properties(); err != nil {
			return err
		}
	case "id":
		p.hasID = true
		if p.id, err = s.value(); err != nil {
			return r.fail("id", err)
		}
	case "coordinates":
		p.hasCoords = true
		if p.coords, err = r.coords(""); err != nil {
			return r.fail("coordinates", err)
		}
	case "geometries":
		p.hasGeoms = true
		if p.geometries, err = r.geometryList("geometries"); err != nil {
			return err
		}
	default:
		if _, err = s.generic(); err != nil {
			return r.fail(string(k), err)
		}
	}
	return nil
}

// typeMember reads a type member; a value that is not a string is noted as
// a problem of the feature.
func (r *geojsonReader) typeMember(field string) (string, error) {
	s := r.s
	c, err := s.peek()
	if err != nil {
		return "", r.fail(field, err)
	}
	if c != '"' {
		if _, err := s.generic(); err != nil {
			return "", r.fail(field, err)
		}
		r.deferErr(field, "expected a string")
		return "", nil
	}
	b, err := s.stringBytes()
	if err != nil {
		return "", r.fail(field, err)
	}
	return typeName(b), nil
}

// typeName returns the GeoJSON type names as constants, to avoid allocating.
func typeName(b []byte) string {
	switch string(b) {
	case "Feature":
		return "Feature"
	case "FeatureCollection":
		return "FeatureCollection"
	case "Point":
		return "Point"
	case "MultiPoint":
		return "MultiPoint"
	case "LineString":
		return "LineString"
	case "MultiLineString":
		return "MultiLineString"
	case "Polygon":
		return "Polygon"
	case "MultiPolygon":
		return "MultiPolygon"
	case "GeometryCollection":
		return "GeometryCollection"
	}
	return string(b)
}

// feature turns the collected members into a Feature. The id becomes the
// property "id" unless the properties already have one.
func (p *featureParts) feature(r *geojsonReader, index, line int) (*Feature, error) {
	if err := r.takeDeferred(index); err != nil {
		return nil, err
	}
	f := &Feature{Index: index, Line: line, Properties: p.props}
	switch p.typ {
	case "Feature":
		f.Geometry = p.geom
	case "":
		return nil, &InputError{File: r.name, Line: line, Feature: index, Field: "type", Reason: "missing type member"}
	default:
		g, err := p.build()
		if err != nil {
			return nil, &InputError{File: r.name, Line: line, Feature: index, Field: "coordinates", Reason: err.Error()}
		}
		f.Geometry = g
	}
	if p.hasID {
		if _, ok := f.Properties["id"]; !ok {
			if f.Properties == nil {
				f.Properties = map[string]any{}
			}
			f.Properties["id"] = p.id
		}
	}
	return f, nil
}

func (r *geojsonReader) properties() (map[string]any, error) {
	s := r.s
	c, err := s.peek()
	if err != nil {
		return nil, r.fail("properties", err)
	}
	if c == 'n' {
		if err := s.literal("null"); err != nil {
			return nil, r.fail("properties", err)
		}
		return nil, nil
	}
	if c != '{' {
		if _, err := s.generic(); err != nil {
			return nil, r.fail("properties", err)
		}
		r.deferErr("properties", "expected an object or null")
		return nil, nil
	}
	s.pos++
	m := make(map[string]any, 8)
	for first := true; ; first = false {
		ok, err := s.more('}', first)
		if err != nil {
			return nil, r.fail("properties", err)
		}
		if !ok {
			return m, nil
		}
		k, err := s.key()
		if err != nil {
			return nil, r.fail("properties", err)
		}
		name := s.internKey(k)
		v, err := s.value()
		if err != nil {
			return nil, r.fail("properties."+name, err)
		}
		m[name] = v
	}
}

// geometry reads a geometry object or null.
func (r *geojsonReader) geometry(field string) (orb.Geometry, error) {
	s := r.s
	if err := s.enter(); err != nil {
		return nil, r.fail(field, err)
	}
	defer s.leave()
	c, err := s.peek()
	if err != nil {
		return nil, r.fail(field, err)
	}
	if c == 'n' {
		if err := s.literal("null"); err != nil {
			return nil, r.fail(field, err)
		}
		return nil, nil
	}
	if c != '{' {
		if _, err := s.generic(); err != nil {
			return nil, r.fail(field, err)
		}
		r.deferErr(field, "expected a geometry object or null")
		return nil, nil
	}
	s.pos++
	var p featureParts
	for first := true; ; first = false {
		ok, err := s.more('}', first)
		if err != nil {
			return nil, r.fail(field, err)
		}
		if !ok {
			break
		}
		k, err := s.key()
		if err != nil {
			return nil, r.fail(field, err)
		}
		switch string(k) {
		case "type":
			if p.typ, err = r.typeMember(field); err != nil {
				return nil, err
			}
		case "coordinates":
			p.hasCoords = true
			if p.coords, err = r.coords(field); err != nil {
				return nil, r.fail(field+".coordinates", err)
			}
		case "geometries":
			p.hasGeoms = true
			if p.geometries, err = r.geometryList(field + ".geometries"); err != nil {
				return nil, err
			}
		default:
			if _, err := s.generic(); err != nil {
				return nil, r.fail(field, err)
			}
		}
	}
	g, err := p.build()
	if err != nil {
		r.deferErr(field, err.Error())
		return nil, nil
	}
	return g, nil
}

func (r *geojsonReader) geometryList(field string) ([]orb.Geometry, error) {
	if err := r.s.expect('['); err != nil {
		return nil, r.fail(field, err)
	}
	var gs []orb.Geometry
	for first := true; ; first = false {
		ok, err := r.s.more(']', first)
		if err != nil {
			return nil, r.fail(field, err)
		}
		if !ok {
			return gs, nil
		}
		g, err := r.geometry(field)
		if err != nil {
			return nil, err
		}
		gs = append(gs, g)
	}
}

// cnode is a parsed coordinates array: depth 0 is a position, 1 a list of
// positions, 2 a list of lists, and so on; -1 is an empty array.
type cnode struct {
	depth int
	pt    orb.Point
	pts   []orb.Point
	kids  []cnode
}

// coords reads a coordinates array, dropping Z and M values. Problems in
// well-formed JSON are noted against field (the geometry's) and parsing goes on.
func (r *geojsonReader) coords(field string) (cnode, error) {
	s := r.s
	if err := s.enter(); err != nil {
		return cnode{}, err
	}
	defer s.leave()
	if err := s.expect('['); err != nil {
		return cnode{}, err
	}
	c, err := s.peek()
	if err != nil {
		return cnode{}, err
	}
	if c == ']' {
		s.pos++
		return cnode{depth: -1}, nil
	}
	if c != '[' {
		// A position: two or more numbers.
		var n cnode
		count := 0
		for first := true; ; first = false {
			ok, err := s.more(']', first)
			if err != nil {
				return cnode{}, err
			}
			if !ok {
				break
			}
			if c, err := s.peek(); err != nil {
				return cnode{}, err
			} else if c != '-' && (c < '0' || c > '9') {
				if _, err := s.generic(); err != nil {
					return cnode{}, err
				}
				r.deferErr(subField(field, "coordinates"), fmt.Sprintf("expected a number, found %s", describeByte(c)))
				count++
				continue
			}
			v, err := s.float()
			if err != nil {
				return cnode{}, err
			}
			if count < 2 {
				n.pt[count] = v
			}
			count++
		}
		if count < 2 {
			r.deferErr(subField(field, "coordinates"), fmt.Sprintf("a position needs 2 or more numbers, found %d", count))
		}
		return n, nil
	}
	n := cnode{depth: -1}
	for first := true; ; first = false {
		ok, err := s.more(']', first)
		if err != nil {
			return cnode{}, err
		}
		if !ok {
			return n, nil
		}
		k, err := r.coords(field)
		if err != nil {
			return cnode{}, err
		}
		if k.depth < 0 {
			r.deferErr(subField(field, "coordinates"), "empty array inside coordinates")
			continue
		}
		if d := k.depth + 1; n.depth < 0 {
			n.depth = d
		} else if d != n.depth {
			r.deferErr(subField(field, "coordinates"), "mixed nesting depths in coordinates")
			continue
		}
		if k.depth == 0 {
			n.pts = append(n.pts, k.pt)
		} else {
			n.kids = append(n.kids, k)
		}
	}
}

// subField names a member of field ("geometry.coordinates"), or the member
// alone for a top-level object.
func subField(field, name string) string {
	if field == "" {
		return name
	}
	return field + "." + name
}

// build makes the geometry named by typ from the collected coordinates.
func (p *featureParts) build() (orb.Geometry, error) {
	if p.typ == "GeometryCollection" {
		if !p.hasGeoms {
			return nil, errors.New("GeometryCollection without geometries")
		}
		return orb.Collection(p.geometries), nil
	}
	d, ok := coordDepth(p.typ)
	if !ok {
		if p.typ == "" {
			return nil, errors.New("geometry without type")
		}
		return nil, fmt.Errorf("unknown geometry type %q", p.typ)
	}
	if !p.hasCoords {
		return nil, fmt.Errorf("%s without coordinates", p.typ)
	}
	c := p.coords
	if c.depth >= 0 && c.depth != d || c.depth < 0 && d == 0 {
		return nil, fmt.Errorf("%s coordinates nested %d deep, want %d", p.typ, c.depth+1, d+1)
	}
	switch p.typ {
	case "Point":
		return c.pt, nil
	case "MultiPoint":
		return orb.MultiPoint(c.pts), nil
	case "LineString":
		return orb.LineString(c.pts), nil
	case "Polygon":
		return polygonOf(c), nil
	case "MultiLineString":
		ml := make(orb.MultiLineString, len(c.kids))
		for i, k := range c.kids {
			ml[i] = k.pts
		}
		return ml, nil
	default:
		mp := make(orb.MultiPolygon, len(c.kids))
		for i, k := range c.kids {
			mp[i] = polygonOf(k)
		}
		return mp, nil
	}
}

// coordDepth is the nesting depth of a geometry type's coordinates (0 = one position).
func coordDepth(typ string) (int, bool) {
	switch typ {
	case "Point":
		return 0, true
	case "MultiPoint", "LineString":
		return 1, true
	case "Polygon", "MultiLineString":
		return 2, true
	case "MultiPolygon":
		return 3, true
	}
	return 0, false
}

func polygonOf(c cnode) orb.Polygon {
	pg := make(orb.Polygon, len(c.kids))
	for i, k := range c.kids {
		pg[i] = k.pts
	}
	return pg
}
