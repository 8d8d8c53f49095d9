package geo

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
)

// CSVGeometry says how a CSV file carries geometry.
type CSVGeometry int

// The geometry columns a CSV writer can write.
const (
	// CSVNoGeometry writes attributes only.
	CSVNoGeometry CSVGeometry = iota
	// CSVLonLat writes points as lon and lat columns (EPSG:4326).
	CSVLonLat
	// CSVXY writes points as x and y columns (projected CRS).
	CSVXY
	// CSVWKT writes any geometry as a wkt column.
	CSVWKT
)

// csvWriter writes one CSV row per feature.
type csvWriter struct {
	bw   *bufio.Writer
	w    *csv.Writer
	s    LayerSchema
	geom CSVGeometry
	prec int
	rec  []string
	buf  []byte
	n    int
}

// NewCSVWriter writes a CSV file with a header row: the schema's fields, then
// the geometry columns chosen by geom (lon/lat and x/y only take points).
// Values are quoted only where needed; null is an empty cell.
func NewCSVWriter(w io.Writer, s LayerSchema, geom CSVGeometry) (Writer, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := &csvWriter{bw: bw, w: csv.NewWriter(bw), s: s, geom: geom, prec: s.precision()}
	head := make([]string, 0, len(s.Fields)+2)
	for _, f := range s.Fields {
		head = append(head, f.Name)
	}
	switch geom {
	case CSVLonLat:
		head = append(head, "lon", "lat")
	case CSVXY:
		head = append(head, "x", "y")
	case CSVWKT:
		head = append(head, "wkt")
	}
	if err := cw.w.Write(head); err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	cw.rec = make([]string, len(head))
	return cw, nil
}

func (cw *csvWriter) Write(f *Feature) error {
	cw.n++
	for i, fd := range cw.s.Fields {
		v, err := fieldValue(fd, f.Properties[fd.Name])
		if err != nil {
			return fmt.Errorf("row %d: %w", cw.n, err)
		}
		switch x := v.(type) {
		case nil:
			cw.rec[i] = ""
		case string:
			cw.rec[i] = x
		case int64:
			cw.rec[i] = strconv.FormatInt(x, 10)
		case float64:
			cw.rec[i] = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			cw.rec[i] = strconv.FormatBool(x)
		}
	}
	k := len(cw.s.Fields)
	switch cw.geom {
	case CSVLonLat, CSVXY:
		p, ok := f.Geometry.(orb.Point)
		if f.Geometry != nil && !ok {
			return fmt.Errorf("row %d: a %s cannot be written as x/y columns", cw.n, f.Geometry.GeoJSONType())
		}
		if ok {
			cw.buf = appendCoord(cw.buf[:0], p[0], cw.prec)
			cw.rec[k] = string(cw.buf)
			cw.buf = appendCoord(cw.buf[:0], p[1], cw.prec)
			cw.rec[k+1] = string(cw.buf)
		} else {
			cw.rec[k], cw.rec[k+1] = "", ""
		}
	case CSVWKT:
		if f.Geometry == nil {
			cw.rec[k] = ""
		} else {
			cw.rec[k] = wkt.MarshalString(f.Geometry)
		}
	}
	if err := cw.w.Write(cw.rec); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	return nil
}

func (cw *csvWriter) Close() error {
	cw.w.Flush()
	if err := cw.w.Error(); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	if err := cw.bw.Flush(); err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	return nil
}
