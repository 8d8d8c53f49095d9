package geo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// decodeWKB parses ISO WKB or PostGIS EWKB, either byte order, dropping Z and
// M values (ISO type codes 1000+, 2000+, 3000+ or the EWKB flags) and any
// EWKB SRID. It works on the byte slice directly, which is several times
// faster than orb's io.Reader-based decoder for millions of points.
func decodeWKB(b []byte) (orb.Geometry, error) {
	d := wkbDecoder{b: b}
	g := d.geometry(0)
	if d.err != nil {
		return nil, d.err
	}
	return g, nil
}

type wkbDecoder struct {
	b   []byte
	pos int
	err error
}

var errWKBShort = errors.New("WKB ends early")

func (d *wkbDecoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *wkbDecoder) u32(order binary.ByteOrder) uint32 {
	if d.err != nil || d.pos+4 > len(d.b) {
		d.fail(errWKBShort)
		return 0
	}
	v := order.Uint32(d.b[d.pos:])
	d.pos += 4
	return v
}

// count reads an element count, bounded by the bytes left so that a corrupt
// count cannot make us allocate gigabytes.
func (d *wkbDecoder) count(order binary.ByteOrder, minSize int) int {
	n := int(d.u32(order))
	if d.err == nil && n*minSize > len(d.b)-d.pos {
		d.fail(fmt.Errorf("WKB count %d exceeds the data", n))
		return 0
	}
	return n
}

func (d *wkbDecoder) points(order binary.ByteOrder, dims int) []orb.Point {
	n := d.count(order, 8*dims)
	if d.err != nil {
		return nil
	}
	ps := make([]orb.Point, n)
	for i := range ps {
		ps[i] = d.point(order, dims)
	}
	return ps
}

func (d *wkbDecoder) point(order binary.ByteOrder, dims int) orb.Point {
	if d.err != nil || d.pos+8*dims > len(d.b) {
		d.fail(errWKBShort)
		return orb.Point{}
	}
	p := orb.Point{
		math.Float64frombits(order.Uint64(d.b[d.pos:])),
		math.Float64frombits(order.Uint64(d.b[d.pos+8:])),
	}
	d.pos += 8 * dims
	return p
}

func (d *wkbDecoder) geometry(depth int) orb.Geometry {
	if depth > 32 {
		d.fail(errors.New("WKB nested too deeply"))
		return nil
	}
	if d.pos >= len(d.b) {
		d.fail(errWKBShort)
		return nil
	}
	var order binary.ByteOrder = binary.LittleEndian
	switch d.b[d.pos] {
	case 0:
		order = binary.BigEndian
	case 1:
	default:
		d.fail(fmt.Errorf("bad WKB byte order %d", d.b[d.pos]))
		return nil
	}
	d.pos++
	t := d.u32(order)
	dims := 2
	if t&0x80000000 != 0 {
		dims++
	}
	if t&0x40000000 != 0 {
		dims++
	}
	if t&0x20000000 != 0 {
		d.u32(order) // EWKB SRID
	}
	t &= 0x0fffffff
	switch t / 1000 {
	case 1, 2:
		dims++
	case 3:
		dims += 2
	}
	t %= 1000
	switch t {
	case wkbPoint:
		return d.point(order, dims)
	case wkbLineString:
		return orb.LineString(d.points(order, dims))
	case wkbPolygon:
		n := d.count(order, 4)
		pg := make(orb.Polygon, 0, n)
		for range n {
			pg = append(pg, d.points(order, dims))
		}
		return pg
	case wkbMultiPoint, wkbMultiLineString, wkbMultiPolygon, wkbGeometryCollection:
		n := d.count(order, 5)
		parts := make([]orb.Geometry, 0, n)
		for range n {
			parts = append(parts, d.geometry(depth+1))
		}
		if d.err != nil {
			return nil
		}
		return d.multi(t, parts)
	}
	d.fail(fmt.Errorf("unsupported WKB geometry type %d", t))
	return nil
}

// multi builds a typed multi-geometry from its parts.
func (d *wkbDecoder) multi(t uint32, parts []orb.Geometry) orb.Geometry {
	switch t {
	case wkbMultiPoint:
		return orb.MultiPoint(partsOf[orb.Point](d, "MultiPoint", parts))
	case wkbMultiLineString:
		return orb.MultiLineString(partsOf[orb.LineString](d, "MultiLineString", parts))
	case wkbMultiPolygon:
		return orb.MultiPolygon(partsOf[orb.Polygon](d, "MultiPolygon", parts))
	}
	return orb.Collection(parts)
}

// partsOf converts the parts of a multi-geometry to their one allowed type.
func partsOf[T orb.Geometry](d *wkbDecoder, kind string, parts []orb.Geometry) []T {
	out := make([]T, len(parts))
	for i, p := range parts {
		v, ok := p.(T)
		if !ok {
			d.fail(fmt.Errorf("%s holds a %s", kind, p.GeoJSONType()))
			return nil
		}
		out[i] = v
	}
	return out
}
