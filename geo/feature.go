// Package geo holds geometry and formats without a database: feature readers
// and writers (GeoJSON, GeoJSONSeq, CSV, GeoPackage, Shapefile), CRS handling,
// SCB and INSPIRE grid ids, tile math and EWKB.
package geo

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb"
)

// Feature is one record read from a file: a geometry and its attributes.
type Feature struct {
	// Index is the 1-based feature number in the file.
	Index int
	// Line is the 1-based line the feature starts on, when the format has lines (0 otherwise).
	Line int
	// Geometry in the reader's SRID; nil when the record has none.
	Geometry orb.Geometry
	// Properties holds attribute values as string, float64, int64, bool or nil.
	Properties map[string]any
}

// Reader streams features from a file. Next returns io.EOF after the last one.
type Reader interface {
	Next() (*Feature, error)
	// SRID is the CRS of the geometries, from the file or the caller's override; 0 if unknown.
	SRID() int
	// BytesRead and Size give progress through the input (Size 0 when unknown).
	BytesRead() int64
	Size() int64
	Close() error
}

// InputError is bad input, located so that a user can find and fix it: file,
// line or feature, field and reason.
type InputError struct {
	File    string
	Line    int // 0 when unknown
	Feature int // 0 when unknown
	Field   string
	Reason  string
}

// Error formats e as file:line: feature N: field: reason, leaving out the
// parts that are unknown.
func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Feature > 0 {
		fmt.Fprintf(&b, ": feature %d", e.Feature)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}
