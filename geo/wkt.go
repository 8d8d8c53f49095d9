package geo

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ParseGeometryText parses a geometry as text exports write it: WKT (OGC and
// ISO, with Z, M or ZM coordinates, which are dropped, and EMPTY, which gives
// nil), EWKT with a "SRID=n;" prefix (the SRID is returned, else 0) and hex
// WKB or EWKB as PostgreSQL prints a geometry column.
func ParseGeometryText(s string) (orb.Geometry, int, error) {
	s = strings.TrimSpace(s)
	if isHexWKB(s) {
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, 0, err
		}
		g, err := decodeWKB(b)
		return g, ewkbSRID(b), err
	}
	srid := 0
	if len(s) > 5 && strings.EqualFold(s[:5], "SRID=") {
		head, rest, ok := strings.Cut(s[5:], ";")
		n, err := strconv.Atoi(strings.TrimSpace(head))
		if !ok || err != nil {
			return nil, 0, fmt.Errorf("bad EWKT SRID prefix")
		}
		srid, s = n, rest
	}
	p := wktParser{s: s}
	g := p.geometry()
	if p.err == nil {
		p.space()
		if p.i < len(p.s) {
			p.fail("unexpected text after the geometry")
		}
	}
	if p.err != nil {
		return nil, 0, p.err
	}
	return g, srid, nil
}

// isHexWKB reports whether s looks like hex (E)WKB: hex digits only, an even
// count, a byte order byte of 00 or 01 and room for a type.
func isHexWKB(s string) bool {
	if len(s) < 10 || len(s)%2 != 0 || (s[:2] != "00" && s[:2] != "01") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// ewkbSRID returns the SRID of EWKB with the SRID flag, else 0.
func ewkbSRID(b []byte) int {
	if len(b) < 9 {
		return 0
	}
	var t, srid uint32
	if b[0] == 1 {
		t = uint32(b[1]) | uint32(b[2])<<8 | uint32(b[3])<<16 | uint32(b[4])<<24
		srid = uint32(b[5]) | uint32(b[6])<<8 | uint32(b[7])<<16 | uint32(b[8])<<24
	} else {
		t = uint32(b[4]) | uint32(b[3])<<8 | uint32(b[2])<<16 | uint32(b[1])<<24
		srid = uint32(b[8]) | uint32(b[7])<<8 | uint32(b[6])<<16 | uint32(b[5])<<24
	}
	if t&ewkbSRIDFlag == 0 {
		return 0
	}
	return int(srid)
}

// isWKTType reports whether s is a geometry type name ParseGeometryText knows.
func isWKTType(s string) bool {
	switch s {
	case "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION":
		return true
	}
	return false
}

// wktParser is a recursive-descent parser over one WKT string.
type wktParser struct {
	s     string
	i     int
	err   error
	depth int // nested geometry collections
}

func (p *wktParser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("at character %d: %s", p.i+1, fmt.Sprintf(format, args...))
	}
}

func (p *wktParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

// word reads letters, upper-cased.
func (p *wktParser) word() string {
	p.space()
	start := p.i
	for p.i < len(p.s) && (p.s[p.i]|0x20 >= 'a' && p.s[p.i]|0x20 <= 'z') {
		p.i++
	}
	return strings.ToUpper(p.s[start:p.i])
}

// peekByte returns the next non-space byte, 0 at the end.
func (p *wktParser) peekByte() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *wktParser) expect(c byte) {
	if p.peekByte() != c {
		p.fail("expected %q", c)
		return
	}
	p.i++
}

// open reads "(" and reports true, or EMPTY and reports false.
func (p *wktParser) open() bool {
	if p.peekByte() == '(' {
		p.i++
		return true
	}
	if w := p.word(); w != "EMPTY" {
		p.fail("expected ( or EMPTY")
	}
	return false
}

// list reads comma-separated items up to ")".
func (p *wktParser) list(item func()) {
	for p.err == nil {
		item()
		switch p.peekByte() {
		case ',':
			p.i++
		case ')':
			p.i++
			return
		default:
			p.fail("expected , or )")
		}
	}
}

// position reads 2 to 4 numbers, keeping x and y.
func (p *wktParser) position() orb.Point {
	var pt orb.Point
	n := 0
	for p.err == nil {
		c := p.peekByte()
		if c != '-' && c != '+' && c != '.' && (c < '0' || c > '9') {
			break
		}
		start := p.i
		for p.i < len(p.s) && isNumByte(p.s[p.i]) {
			p.i++
		}
		v, err := strconv.ParseFloat(p.s[start:p.i], 64)
		if err != nil {
			p.i = start
			p.fail("bad number %q", p.s[start:min(p.i+12, len(p.s))])
			break
		}
		if n < 2 {
			pt[n] = v
		}
		n++
	}
	if p.err == nil && (n < 2 || n > 4) {
		p.fail("a position needs 2 to 4 numbers, found %d", n)
	}
	return pt
}

func (p *wktParser) points() []orb.Point {
	var ps []orb.Point
	if p.open() {
		p.list(func() { ps = append(ps, p.position()) })
	}
	return ps
}

func (p *wktParser) rings() orb.Polygon {
	var pg orb.Polygon
	if p.open() {
		p.list(func() { pg = append(pg, p.points()) })
	}
	return pg
}

// geometry reads one tagged geometry; EMPTY gives nil.
func (p *wktParser) geometry() orb.Geometry {
	tag := p.word()
	// Some writers glue the dimension to the type: POINTZ, LINESTRINGM.
	for _, dim := range []string{"ZM", "Z", "M"} {
		if base, ok := strings.CutSuffix(tag, dim); ok && isWKTType(base) {
			tag = base
			break
		}
	}
	switch dim := p.word(); dim {
	case "", "Z", "M", "ZM":
	case "EMPTY":
		return nil
	default:
		p.fail("unexpected %q after %s", dim, tag)
		return nil
	}
	// A trailing EMPTY after the dimension ("POINT Z EMPTY") is read by open.
	var g orb.Geometry
	switch tag {
	case "POINT":
		if p.open() {
			pt := p.position()
			p.expect(')')
			g = pt
		}
	case "LINESTRING":
		if ps := p.points(); ps != nil {
			g = orb.LineString(ps)
		}
	case "POLYGON":
		if pg := p.rings(); pg != nil {
			g = pg
		}
	case "MULTIPOINT":
		var mp orb.MultiPoint
		if p.open() {
			// Both MULTIPOINT ((1 2), (3 4)) and MULTIPOINT (1 2, 3 4).
			p.list(func() {
				if p.peekByte() == '(' {
					p.i++
					mp = append(mp, p.position())
					p.expect(')')
				} else {
					mp = append(mp, p.position())
				}
			})
			g = mp
		}
	case "MULTILINESTRING":
		var ml orb.MultiLineString
		if p.open() {
			p.list(func() { ml = append(ml, p.points()) })
			g = ml
		}
	case "MULTIPOLYGON":
		var mp orb.MultiPolygon
		if p.open() {
			p.list(func() { mp = append(mp, p.rings()) })
			g = mp
		}
	case "GEOMETRYCOLLECTION":
		var c orb.Collection
		if p.depth++; p.depth > 32 {
			p.fail("geometry collections nested more than 32 deep")
			return nil
		}
		if p.open() {
			p.list(func() {
				if part := p.geometry(); part != nil {
					c = append(c, part)
				}
			})
			g = c
		}
	case "":
		p.fail("expected a geometry type")
	default:
		p.fail("unknown geometry type %s", tag)
	}
	if p.err != nil {
		return nil
	}
	return g
}
