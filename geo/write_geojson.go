package geo

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/paulmach/orb"
)

// jsonWriter writes features as GeoJSON objects, either inside one
// FeatureCollection or one per line (GeoJSONSeq).
type jsonWriter struct {
	w      *bufio.Writer
	s      LayerSchema
	prec   int
	seq    bool
	n      int
	buf    []byte
	closed bool
}

// NewGeoJSONWriter writes a GeoJSON FeatureCollection to w, one feature per
// line. RFC 7946 wants EPSG:4326; for any other SRID a "crs" member names it,
// as GDAL writes and reads it.
func NewGeoJSONWriter(w io.Writer, s LayerSchema) (Writer, error) {
	jw := &jsonWriter{w: bufio.NewWriterSize(w, 1<<16), s: s, prec: s.precision()}
	head := []byte(`{"type":"FeatureCollection"`)
	if s.Name != "" {
		head = append(head, `,"name":`...)
		head = appendJSONString(head, s.Name)
	}
	if s.SRID != 0 && s.SRID != 4326 {
		head = fmt.Appendf(head, `,"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::%d"}}`, s.SRID)
	}
	head = append(head, ",\n\"features\":[\n"...)
	if _, err := jw.w.Write(head); err != nil {
		return nil, fmt.Errorf("geojson: %w", err)
	}
	return jw, nil
}

// NewGeoJSONSeqWriter writes newline-delimited GeoJSON (one Feature per line,
// RFC 8142 without the record separator) to w, in EPSG:4326 by convention.
func NewGeoJSONSeqWriter(w io.Writer, s LayerSchema) (Writer, error) {
	return &jsonWriter{w: bufio.NewWriterSize(w, 1<<16), s: s, prec: s.precision(), seq: true}, nil
}

func (jw *jsonWriter) Write(f *Feature) error {
	b := jw.buf[:0]
	if !jw.seq && jw.n > 0 {
		b = append(b, ",\n"...)
	}
	b = append(b, `{"type":"Feature","properties":{`...)
	for i, fd := range jw.s.Fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, fd.Name)
		b = append(b, ':')
		v, err := fieldValue(fd, f.Properties[fd.Name])
		if err != nil {
			return fmt.Errorf("feature %d: %w", jw.n+1, err)
		}
		b = appendJSONValue(b, v)
	}
	b = append(b, `},"geometry":`...)
	var err error
	if b, err = appendGeoJSONGeometry(b, f.Geometry, jw.prec); err != nil {
		return fmt.Errorf("feature %d: %w", jw.n+1, err)
	}
	b = append(b, '}')
	if jw.seq {
		b = append(b, '\n')
	}
	jw.buf = b
	jw.n++
	if _, err := jw.w.Write(b); err != nil {
		return fmt.Errorf("geojson: %w", err)
	}
	return nil
}

func (jw *jsonWriter) Close() error {
	if jw.closed {
		return nil
	}
	jw.closed = true
	if !jw.seq {
		if _, err := jw.w.WriteString("\n]}\n"); err != nil {
			return fmt.Errorf("geojson: %w", err)
		}
	}
	if err := jw.w.Flush(); err != nil {
		return fmt.Errorf("geojson: %w", err)
	}
	return nil
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	simple := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			simple = false
			break
		}
	}
	if simple {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	js, _ := json.Marshal(s) // a string always marshals
	return append(b, js...)
}

// appendJSONValue appends a value already converted by fieldValue.
func appendJSONValue(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, x)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case bool:
		return strconv.AppendBool(b, x)
	}
	return append(b, "null"...)
}

// appendArray appends xs as a JSON array, each element written by elem.
func appendArray[T any](b []byte, xs []T, elem func([]byte, T) []byte) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, x)
	}
	return append(b, ']')
}

// appendGeoJSONGeometry appends g as a GeoJSON geometry object (null for nil).
func appendGeoJSONGeometry(b []byte, g orb.Geometry, prec int) ([]byte, error) {
	if g == nil {
		return append(b, "null"...), nil
	}
	point := func(b []byte, p orb.Point) []byte {
		b = append(b, '[')
		b = appendCoord(b, p[0], prec)
		b = append(b, ',')
		b = appendCoord(b, p[1], prec)
		return append(b, ']')
	}
	points := func(b []byte, ps []orb.Point) []byte { return appendArray(b, ps, point) }
	ring := func(b []byte, r orb.Ring) []byte { return points(b, r) }
	line := func(b []byte, l orb.LineString) []byte { return points(b, l) }
	polygon := func(b []byte, p orb.Polygon) []byte { return appendArray(b, p, ring) }
	typed := func(b []byte, name string) []byte {
		b = append(b, `{"type":"`...)
		b = append(b, name...)
		return append(b, `","coordinates":`...)
	}
	switch g := g.(type) {
	case orb.Point:
		b = point(typed(b, "Point"), g)
	case orb.MultiPoint:
		b = points(typed(b, "MultiPoint"), g)
	case orb.LineString:
		b = points(typed(b, "LineString"), g)
	case orb.MultiLineString:
		b = appendArray(typed(b, "MultiLineString"), g, line)
	case orb.Ring:
		b = polygon(typed(b, "Polygon"), orb.Polygon{g})
	case orb.Polygon:
		b = polygon(typed(b, "Polygon"), g)
	case orb.MultiPolygon:
		b = appendArray(typed(b, "MultiPolygon"), g, polygon)
	case orb.Collection:
		b = append(b, `{"type":"GeometryCollection","geometries":[`...)
		for i, c := range g {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendGeoJSONGeometry(b, c, prec); err != nil {
				return b, err
			}
		}
		return append(b, "]}"...), nil
	default:
		return b, fmt.Errorf("geometry type %T cannot be written", g)
	}
	return append(b, '}'), nil
}
