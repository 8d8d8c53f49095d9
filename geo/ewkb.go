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
// polygon.
func AppendEWKBHex(dst []byte, g orb.Geometry, srid int) []byte {
	if g == nil {
		return dst
	}
	return appendGeom(dst, g, uint32(srid), true)
}

func appendGeom(dst []byte, g orb.Geometry, srid uint32, top bool) []byte {
	header := func(dst []byte, typ uint32) []byte {
		dst = append(dst, '0', '1')
		if top && srid != 0 {
			dst = appendHexU32(dst, typ|ewkbSRIDFlag)
			return appendHexU32(dst, srid)
		}
		return appendHexU32(dst, typ)
	}
	switch g := g.(type) {
	case orb.Point:
		dst = header(dst, wkbPoint)
		return appendHexPoint(dst, g)
	case orb.MultiPoint:
		dst = header(dst, wkbMultiPoint)
		dst = appendHexU32(dst, uint32(len(g)))
		for _, p := range g {
			dst = appendGeom(dst, p, 0, false)
		}
		return dst
	case orb.LineString:
		dst = header(dst, wkbLineString)
		return appendHexPoints(dst, g)
	case orb.MultiLineString:
		dst = header(dst, wkbMultiLineString)
		dst = appendHexU32(dst, uint32(len(g)))
		for _, l := range g {
			dst = appendGeom(dst, l, 0, false)
		}
		return dst
	case orb.Ring:
		dst = header(dst, wkbPolygon)
		dst = appendHexU32(dst, 1)
		return appendHexPoints(dst, g)
	case orb.Polygon:
		dst = header(dst, wkbPolygon)
		return appendHexRings(dst, g)
	case orb.MultiPolygon:
		dst = header(dst, wkbMultiPolygon)
		dst = appendHexU32(dst, uint32(len(g)))
		for _, p := range g {
			dst = appendGeom(dst, p, 0, false)
		}
		return dst
	case orb.Collection:
		dst = header(dst, wkbGeometryCollection)
		dst = appendHexU32(dst, uint32(len(g)))
		for _, c := range g {
			dst = appendGeom(dst, c, 0, false)
		}
		return dst
	case orb.Bound:
		return appendGeom(dst, g.ToPolygon(), srid, top)
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
