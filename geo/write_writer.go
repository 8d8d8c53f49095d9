package geo

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/paulmach/orb"
)

// FieldKind is the type of an attribute column in a written file.
type FieldKind int

// The attribute types writers know. A nil value is written as null (or an
// empty CSV cell) whatever the kind.
const (
	FieldString FieldKind = iota
	FieldInt
	FieldFloat
	FieldBool
)

// FieldDef names one attribute column of a written layer.
type FieldDef struct {
	Name string
	Kind FieldKind
}

// LayerSchema describes the features a Writer receives: the attribute columns
// in output order, the geometry type and the CRS of the geometries.
type LayerSchema struct {
	// Name is the layer (GeoPackage table, GeoJSON "name").
	Name string
	// GeometryType is the OGC type name (POINT, MULTIPOLYGON, ... or GEOMETRY);
	// empty means the layer has no geometry (an attribute table).
	GeometryType string
	// SRID of the geometries given to Write.
	SRID int
	// Fields are written in this order; feature properties not listed are ignored.
	Fields []FieldDef
	// Precision is the number of decimals of written coordinates; 0 picks 7 for
	// degrees (SRID 4326) and 3 for projected CRSs.
	Precision int
	// Modified is the change time a format records (GeoPackage last_change);
	// zero means now. Generators fix it so that output is byte-identical.
	Modified time.Time
}

// Writer streams features to a file in one format. Memory stays flat whatever
// the number of features.
type Writer interface {
	Write(f *Feature) error
	// Close finishes the file (closing brackets, indexes, metadata). It does
	// not close an io.Writer given by the caller.
	Close() error
}

// precision returns the number of coordinate decimals for s.
func (s LayerSchema) precision() int {
	switch {
	case s.Precision > 0:
		return s.Precision
	case s.SRID == 4326 || s.SRID == 0:
		return 7
	default:
		return 3
	}
}

// appendCoord appends a coordinate with prec decimals and no trailing zeros,
// so that equal input always gives equal bytes.
func appendCoord(b []byte, v float64, prec int) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, '0')
	}
	n := len(b)
	b = strconv.AppendFloat(b, v, 'f', prec, 64)
	// Trim trailing zeros of the fraction (and a bare dot).
	if prec > 0 {
		for len(b) > n && b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
		if b[len(b)-1] == '.' {
			b = b[:len(b)-1]
		}
	}
	if string(b[n:]) == "-0" {
		b = append(b[:n], '0')
	}
	return b
}

// fieldValue converts v to the kind of column it is written to, so that a
// column holds one type in every row. It reports an error naming the field.
func fieldValue(fd FieldDef, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch fd.Kind {
	case FieldString:
		switch x := v.(type) {
		case string:
			return x, nil
		case fmt.Stringer:
			return x.String(), nil
		default:
			return fmt.Sprint(x), nil
		}
	case FieldInt:
		switch x := v.(type) {
		case int:
			return int64(x), nil
		case int32:
			return int64(x), nil
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) {
				return int64(x), nil
			}
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case FieldFloat:
		switch x := v.(type) {
		case float64:
			return x, nil
		case float32:
			return float64(x), nil
		case int:
			return float64(x), nil
		case int64:
			return float64(x), nil
		}
	case FieldBool:
		if x, ok := v.(bool); ok {
			return x, nil
		}
	}
	return nil, fmt.Errorf("field %s: %v (%T) does not fit the column type", fd.Name, v, v)
}

// bound returns the envelope of g, or false when g is nil or empty.
func bound(g orb.Geometry) (orb.Bound, bool) {
	if g == nil {
		return orb.Bound{}, false
	}
	b := g.Bound()
	if b.IsEmpty() {
		return orb.Bound{}, false
	}
	return b, true
}
