package sample

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/bbplan/bbplan/geo"
	"github.com/paulmach/orb"
)

// GridCell is one populated 1 km square of SCB's population grid.
type GridCell struct {
	ID     string
	LL     orb.Point // lower-left corner, SWEREF99 TM
	Pop    int
	Kommun string // municipality code
}

// readFeatures reads a small reference file whole with the geo readers and
// returns its features with geometries in SWEREF99 TM.
func readFeatures(path string, opt geo.OpenOptions) ([]*geo.Feature, error) {
	r, err := geo.Open(path, opt)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	to3006, err := geo.Transformer(r.SRID(), 3006)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []*geo.Feature
	for {
		f, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if f.Geometry != nil {
			f.Geometry = geo.MapPoints(f.Geometry, to3006)
		}
		out = append(out, f)
	}
}

// propString returns a property as text ("" when absent).
func propString(m map[string]any, key string) string {
	switch v := m[key].(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

// propNumber returns a numeric property; ok is false when it is absent or not a number.
func propNumber(m map[string]any, key string) (float64, bool) {
	v, err := strconv.ParseFloat(propString(m, key), 64)
	return v, err == nil
}

// readGrid reads SCB's 1 km grid as CSV (columns rutid, x_ll, y_ll, pop,
// kommun; kommun is a name or a code), mapping names to codes with munis.
func readGrid(path string, munis []Municipality) ([]GridCell, error) {
	fs, err := readFeatures(path, geo.OpenOptions{Format: geo.FormatCSV, X: "x_ll", Y: "y_ll", SRID: 3006})
	if err != nil {
		return nil, fmt.Errorf("grid: %w", err)
	}
	code := map[string]string{}
	for _, m := range munis {
		code[m.Name], code[m.Code] = m.Code, m.Code
	}
	cells := make([]GridCell, 0, len(fs))
	for _, f := range fs {
		pop, ok := propNumber(f.Properties, "pop")
		if !ok {
			return nil, &geo.InputError{File: path, Line: f.Line, Field: "pop", Reason: fmt.Sprintf("%q is not a number", propString(f.Properties, "pop"))}
		}
		k, ok := code[propString(f.Properties, "kommun")]
		if !ok {
			return nil, &geo.InputError{File: path, Line: f.Line, Field: "kommun", Reason: fmt.Sprintf("%q is not a municipality of the region", propString(f.Properties, "kommun"))}
		}
		ll, ok := f.Geometry.(orb.Point)
		if !ok {
			return nil, &geo.InputError{File: path, Line: f.Line, Field: "x_ll", Reason: "no corner coordinates"}
		}
		cells = append(cells, GridCell{ID: propString(f.Properties, "rutid"), LL: ll, Pop: int(pop), Kommun: k})
	}
	return cells, nil
}

// readMunicipalities reads municipality polygons (kommun_code or code, name).
func readMunicipalities(path string, tm tmParams) ([]Municipality, error) {
	fs, err := readFeatures(path, geo.OpenOptions{})
	if err != nil {
		return nil, fmt.Errorf("municipalities: %w", err)
	}
	var out []Municipality
	for _, f := range fs {
		code := propString(f.Properties, "kommun_code")
		if code == "" {
			code = propString(f.Properties, "code")
		}
		if code == "" {
			return nil, &geo.InputError{File: path, Feature: f.Index, Field: "kommun_code", Reason: "missing"}
		}
		m := Municipality{Code: code, Name: propString(f.Properties, "name")}
		switch g := f.Geometry.(type) {
		case orb.Polygon:
			m.Geom = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			m.Geom = g
		default:
			return nil, &geo.InputError{File: path, Feature: f.Index, Field: "geometry", Reason: "not a polygon"}
		}
		m.Seat = tm.toLonLat(m.Geom.Bound().Center())
		out = append(out, m)
	}
	return out, nil
}

// readSettlements reads settlement points (tatort_code, name, kommun_code,
// pop, area_ha); polygons are reduced to their centre.
func readSettlements(path string) ([]Settlement, error) {
	fs, err := readFeatures(path, geo.OpenOptions{})
	if err != nil {
		return nil, fmt.Errorf("settlements: %w", err)
	}
	var out []Settlement
	for _, f := range fs {
		p := f.Properties
		s := Settlement{Code: propString(p, "tatort_code"), Name: propString(p, "name"), Kommun: propString(p, "kommun_code")}
		if s.Code == "" {
			return nil, &geo.InputError{File: path, Feature: f.Index, Field: "tatort_code", Reason: "missing"}
		}
		pop, _ := propNumber(p, "pop")
		s.Pop = int(pop)
		s.AreaHa, _ = propNumber(p, "area_ha")
		switch g := f.Geometry.(type) {
		case orb.Point:
			s.At = g
		case nil:
			return nil, &geo.InputError{File: path, Feature: f.Index, Field: "geometry", Reason: "missing"}
		default:
			s.At = g.Bound().Center()
		}
		out = append(out, s)
	}
	return out, nil
}
