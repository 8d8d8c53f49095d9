package sample

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
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

// readGrid reads SCB's 1 km grid as CSV (columns rutid, x_ll, y_ll, pop,
// kommun; kommun is a name or a code), mapping names to codes with munis.
func readGrid(path string, munis []Municipality) ([]GridCell, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("grid: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("grid %s: header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range []string{"rutid", "x_ll", "y_ll", "pop", "kommun"} {
		if _, ok := col[need]; !ok {
			return nil, &geo.InputError{File: path, Line: 1, Field: need, Reason: "column missing"}
		}
	}
	code := map[string]string{}
	for _, m := range munis {
		code[m.Name], code[m.Code] = m.Code, m.Code
	}
	var cells []GridCell
	for line := 2; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("grid %s: %w", path, err)
		}
		num := func(field string) (float64, error) {
			v, err := strconv.ParseFloat(strings.TrimSpace(rec[col[field]]), 64)
			if err != nil {
				return 0, &geo.InputError{File: path, Line: line, Field: field, Reason: fmt.Sprintf("%q is not a number", rec[col[field]])}
			}
			return v, nil
		}
		x, err := num("x_ll")
		if err != nil {
			return nil, err
		}
		y, err := num("y_ll")
		if err != nil {
			return nil, err
		}
		pop, err := num("pop")
		if err != nil {
			return nil, err
		}
		k, ok := code[strings.TrimSpace(rec[col["kommun"]])]
		if !ok {
			return nil, &geo.InputError{File: path, Line: line, Field: "kommun", Reason: fmt.Sprintf("%q is not a municipality of the region", rec[col["kommun"]])}
		}
		cells = append(cells, GridCell{ID: rec[col["rutid"]], LL: orb.Point{x, y}, Pop: int(pop), Kommun: k})
	}
	return cells, nil
}

// jsonFeature is a GeoJSON feature as the small reference files have them.
type jsonFeature struct {
	Properties map[string]any
	Geometry   struct {
		Type        string
		Coordinates json.RawMessage
	}
}

// readGeoJSON reads a small GeoJSON FeatureCollection whole and returns its
// features with geometries in SWEREF99 TM (input in EPSG:4326/CRS84 unless a
// "crs" member names EPSG:3006).
func readGeoJSON(path string, tm tmParams) ([]map[string]any, []orb.Geometry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var fc struct {
		CRS *struct {
			Properties struct{ Name string }
		}
		Features []jsonFeature
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, nil, &geo.InputError{File: path, Reason: "not GeoJSON: " + err.Error()}
	}
	sweref := fc.CRS != nil && strings.HasSuffix(fc.CRS.Properties.Name, "3006")
	var props []map[string]any
	var geoms []orb.Geometry
	for i, f := range fc.Features {
		g, err := decodeCoords(f.Geometry.Type, f.Geometry.Coordinates)
		if err != nil {
			return nil, nil, &geo.InputError{File: path, Feature: i + 1, Field: "geometry", Reason: err.Error()}
		}
		if !sweref {
			g = project(g, tm.toSweref)
		}
		props = append(props, f.Properties)
		geoms = append(geoms, g)
	}
	return props, geoms, nil
}

func decodeCoords(typ string, raw json.RawMessage) (orb.Geometry, error) {
	switch typ {
	case "Point":
		var p orb.Point
		return p, json.Unmarshal(raw, &p)
	case "Polygon":
		var p orb.Polygon
		return p, json.Unmarshal(raw, &p)
	case "MultiPolygon":
		var p orb.MultiPolygon
		return p, json.Unmarshal(raw, &p)
	}
	return nil, fmt.Errorf("%q geometries are not read here (Point, Polygon, MultiPolygon)", typ)
}

// propString returns a property as text ("" when absent).
func propString(m map[string]any, key string) string {
	switch v := m[key].(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// readMunicipalities reads municipality polygons (kommun_code or code, name).
func readMunicipalities(path string, tm tmParams) ([]Municipality, error) {
	props, geoms, err := readGeoJSON(path, tm)
	if err != nil {
		return nil, fmt.Errorf("municipalities: %w", err)
	}
	var out []Municipality
	for i, p := range props {
		code := propString(p, "kommun_code")
		if code == "" {
			code = propString(p, "code")
		}
		if code == "" {
			return nil, &geo.InputError{File: path, Feature: i + 1, Field: "kommun_code", Reason: "missing"}
		}
		m := Municipality{Code: code, Name: propString(p, "name")}
		switch g := geoms[i].(type) {
		case orb.Polygon:
			m.Geom = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			m.Geom = g
		default:
			return nil, &geo.InputError{File: path, Feature: i + 1, Field: "geometry", Reason: "not a polygon"}
		}
		m.Seat = tm.toLonLat(m.Geom.Bound().Center())
		out = append(out, m)
	}
	return out, nil
}

// readSettlements reads settlement points (tatort_code, name, kommun_code,
// pop, area_ha); polygons are reduced to their centre.
func readSettlements(path string, tm tmParams) ([]Settlement, error) {
	props, geoms, err := readGeoJSON(path, tm)
	if err != nil {
		return nil, fmt.Errorf("settlements: %w", err)
	}
	var out []Settlement
	for i, p := range props {
		s := Settlement{Code: propString(p, "tatort_code"), Name: propString(p, "name"), Kommun: propString(p, "kommun_code")}
		if s.Code == "" {
			return nil, &geo.InputError{File: path, Feature: i + 1, Field: "tatort_code", Reason: "missing"}
		}
		pop, _ := strconv.ParseFloat(propString(p, "pop"), 64)
		s.Pop = int(pop)
		s.AreaHa, _ = strconv.ParseFloat(propString(p, "area_ha"), 64)
		if pt, ok := geoms[i].(orb.Point); ok {
			s.At = pt
		} else {
			s.At = geoms[i].Bound().Center()
		}
		out = append(out, s)
	}
	return out, nil
}
