package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// WKB geometry type codes and the EWKB flag that says an SRID follows.
const (
	wkbPoint              = 1
	wkbLineString         = 2
	wkbPolygon            = 3
	wkbMultiPoint         = 4
	wkbMultiLineString    = 5
	wkbMultiPolygon       = 6
	wkbGeometryCollection = 7
	ewkbSRIDFlag          = 0x20000000
)

const hexDigits = "0123456789ABCDEF"

// AppendEWKBHex appends g as little-endian EWKB with srid, in upper-case hex,
// the text form PostGIS accepts for a geometry column in COPY and as a
// ::geometry literal. It allocates nothing beyond growing dst. A nil g appends
// nothing (the caller writes NULL); an orb.Ring or orb.Bound is written as a
// polygon; srid 0 writes plain WKB.
func AppendEWKBHex(dst []byte, g orb.Geometry, srid int) []byte {
	if g == nil {
		return dst
	}
	return appendGeom(dst, g, uint32(srid))
}

// appendGeom writes one geometry; parts of a multi-geometry carry no SRID.
func appendGeom(dst []byte, g orb.Geometry, srid uint32) []byte {
	switch g := g.(type) {
	case orb.Point:
		return appendHexPoint(appendHeader(dst, wkbPoint, srid), g)
	case orb.MultiPoint:
		dst = appendHexU32(appendHeader(dst, wkbMultiPoint, srid), uint32(len(g)))
		for _, p := range g {
			dst = appendHexPoint(appendHeader(dst, wkbPoint, 0), p)
		}
		return dst
	case orb.LineString:
		return appendHexPoints(appendHeader(dst, wkbLineString, srid), g)
	case orb.MultiLineString:
		return appendParts(appendHeader(dst, wkbMultiLineString, srid), g)
	case orb.Ring:
		return appendHexPoints(appendHexU32(appendHeader(dst, wkbPolygon, srid), 1), g)
	case orb.Polygon:
		return appendHexRings(appendHeader(dst, wkbPolygon, srid), g)
	case orb.MultiPolygon:
		return appendParts(appendHeader(dst, wkbMultiPolygon, srid), g)
	case orb.Collection:
		return appendParts(appendHeader(dst, wkbGeometryCollection, srid), g)
	case orb.Bound:
		return appendGeom(dst, g.ToPolygon(), srid)
	}
	return dst
}

// appendHeader writes the byte order, the type and, when srid is not 0, the SRID.
func appendHeader(dst []byte, typ, srid uint32) []byte {
	dst = append(dst, '0', '1')
	if srid == 0 {
		return appendHexU32(dst, typ)
	}
	return appendHexU32(appendHexU32(dst, typ|ewkbSRIDFlag), srid)
}

// appendParts writes the count and the parts of a multi-geometry.
func appendParts[S ~[]E, E orb.Geometry](dst []byte, parts S) []byte {
	dst = appendHexU32(dst, uint32(len(parts)))
	for _, p := range parts {
		dst = appendGeom(dst, p, 0)
	}
	return dst
}

func appendHexRings(dst []byte, pg orb.Polygon) []byte {
	dst = appendHexU32(dst, uint32(len(pg)))
	for _, r := range pg {
		dst = appendHexPoints(dst, r)
	}
	return dst
}

func appendHexPoints[T ~[]orb.Point](dst []byte, ps T) []byte {
	dst = appendHexU32(dst, uint32(len(ps)))
	for _, p := range ps {
		dst = appendHexPoint(dst, p)
	}
	return dst
}

func appendHexPoint(dst []byte, p orb.Point) []byte {
	dst = appendHexU64(dst, math.Float64bits(p[0]))
	return appendHexU64(dst, math.Float64bits(p[1]))
}

// appendHexU32 writes v little-endian: least significant byte first.
func appendHexU32(dst []byte, v uint32) []byte {
	for range 4 {
		dst = append(dst, hexDigits[v>>4&0xf], hexDigits[v&0xf])
		v >>= 8
	}
	return dst
}

func appendHexU64(dst []byte, v uint64) []byte {
	for range 8 {
		dst = append(dst, hexDigits[v>>4&0xf], hexDigits[v&0xf])
		v >>= 8
	}
	return dst
}
