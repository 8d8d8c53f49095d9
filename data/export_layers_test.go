package data_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
	"github.com/bbplan/bbplan/geo"
	"github.com/bbplan/bbplan/internal/ogrtest"
)

// exportFixture is one analysis run with premises, cells, a municipality,
// costed areas and a scenario, inserted with SQL.
const exportFixture = `
INSERT INTO municipality (code, name, county_code, dataset_id, geom) VALUES
  ('2480', 'Umeå', '24', 1, ST_Multi(ST_MakeEnvelope(740000, 7070000, 780000, 7110000, 3006)));
INSERT INTO analysis_run (id, name, profile, params, as_of, dataset_ids, status)
  VALUES (7, 'fixture', 'pts-2025', '{}', '2026-01-01', '{}', 'done');
INSERT INTO premise_status (run_id, premise_id, kommun_code, geom, households, workplaces, kind, anchor,
    best_down, best_tech, class, eligible, double_gap, area_id, reason) VALUES
  (7, 'p1', '2480', ST_Point(759000, 7086000, 3006), 1, 0, 'permanent', NULL, 1000, 'fiber', 'served', false, false, NULL, 'fibre 1000/1000 available'),
  (7, 'p2', '2480', ST_Point(761000, 7090000, 3006), 2, 0, 'permanent', 'school', 10, 'dsl', 'unserved', true, true, 101, 'no 1000 Mbit/s network, "quoted", outside settlement'),
  (7, 'p3', '2480', ST_Point(761200, 7090100, 3006), 0, 3, 'holiday', NULL, NULL, NULL, 'unserved', true, false, 101, 'no fixed offer');
INSERT INTO cell_stat (run_id, grid, cell_id, geom, premises, households, workplaces, premises_target, eligible, double_gaps, share_target) VALUES
  (7, 'scb1km', '7590007086000', ST_MakeEnvelope(759000, 7086000, 760000, 7087000, 3006), 1, 1, 0, 1, 0, 0, 1),
  (7, 'scb1km', '7610007090000', ST_MakeEnvelope(761000, 7090000, 762000, 7091000, 3006), 2, 2, 3, 0, 2, 1, 0);
INSERT INTO municipality_stat (run_id, kommun_code, premises, households, workplaces, premises_target, households_target,
    workplaces_target, eligible_premises, eligible_households, eligible_workplaces, mobile_ok, double_gaps, disputed, tiers, classes) VALUES
  (7, '2480', 3, 3, 3, 1, 1, 0, 2, 2, 3, 1, 1, 0, '{"1000": {"premises": 1}}', '{"served": {"premises": 1}}');
INSERT INTO candidate_area (id, run_id, kommun_code, premises, households, workplaces, anchors, double_gaps, class, distance_to_fiber, geom) VALUES
  (101, 7, '2480', 2, 2, 3, 1, 1, 'unserved', 1800, ST_Multi(ST_Buffer(ST_Point(761100, 7090050, 3006), 150))),
  (102, 7, '2480', 5, 5, 0, 0, 0, 'unserved', 4200, ST_Multi(ST_Buffer(ST_Point(770000, 7100000, 3006), 300)));
INSERT INTO area_cost (area_id, option, low, expected, high, subsidy, meets_target, chosen) VALUES
  (101, 'fiber', 400000, 500000, 600000, 350000, true, true),
  (101, 'satellite', 20000, 25000, 30000, 10000, false, false),
  (102, 'fiber', 900000, 1000000, 1100000, 700000, true, true);
INSERT INTO scenario (id, run_id, name, strategy, params) VALUES (3, 7, 'fixture', 'pts', '{"budget": 1000000}');
INSERT INTO scenario_area (scenario_id, area_id, rank, score, ranking_amount, subsidy, cost_option, selected, rule, running_budget, explanation) VALUES
  (3, 101, 1, 175000, 175000, 350000, 'fiber', true, 'selected', 650000, '{"rule": "selected"}'),
  (3, 102, 2, 140000, 140000, 700000, 'fiber', false, 'budget exhausted', 650000, '{"rule": "budget exhausted"}');
`

// firstColumn is the layer's first field in export order, per layer.
var firstColumn = map[string]string{
	"premises":       `SELECT premise_id FROM premise_status WHERE run_id = $1 ORDER BY premise_id`,
	"areas":          `SELECT id::text FROM candidate_area WHERE run_id = $1 ORDER BY id`,
	"cells":          `SELECT grid FROM cell_stat WHERE run_id = $1 ORDER BY grid, cell_id`,
	"municipalities": `SELECT kommun_code FROM municipality_stat WHERE run_id = $1 ORDER BY kommun_code`,
	"scenario":       `SELECT sa.rank::text FROM scenario_area sa WHERE scenario_id = $1 ORDER BY rank, area_id`,
}

func TestExport(t *testing.T) {
	db, _ := dbtest.New(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, exportFixture); err != nil {
		t.Fatal(err)
	}
	formats := []struct {
		name, ext string
		srid      int
		open      func(path string, s geo.LayerSchema) (geo.Writer, func() error, error)
	}{
		{"geojson", "geojson", 4326, func(path string, s geo.LayerSchema) (geo.Writer, func() error, error) {
			f, err := os.Create(path)
			if err != nil {
				return nil, nil, err
			}
			w, err := geo.NewGeoJSONWriter(f, s)
			return w, f.Close, err
		}},
		{"csv", "csv", 4326, func(path string, s geo.LayerSchema) (geo.Writer, func() error, error) {
			f, err := os.Create(path)
			if err != nil {
				return nil, nil, err
			}
			w, err := geo.NewCSVWriter(f, s, geo.CSVWKT)
			return w, f.Close, err
		}},
		{"gpkg", "gpkg", 3006, func(path string, s geo.LayerSchema) (geo.Writer, func() error, error) {
			w, err := geo.CreateGeoPackage(path, s)
			return w, func() error { return nil }, err
		}},
	}
	for _, layer := range data.ExportLayers() {
		for _, format := range formats {
			t.Run(layer+"/"+format.name, func(t *testing.T) {
				id, err := data.ExportDefaultID(ctx, db, layer)
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				rows, err := db.QueryContext(ctx, firstColumn[layer], id)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var v string
					rows.Scan(&v)
					want = append(want, v)
				}
				rows.Close()
				s, err := data.ExportSchema(layer, format.srid)
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(t.TempDir(), layer+"."+format.ext)
				w, done, err := format.open(path, s)
				if err != nil {
					t.Fatal(err)
				}
				n, err := data.Export(ctx, db, layer, id, format.srid, w)
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				if err := done(); err != nil {
					t.Fatal(err)
				}
				if n != len(want) {
					t.Errorf("exported %d features, the tables hold %d", n, len(want))
				}
				if format.ext != "gpkg" {
					if got := firstValues(t, path, s.Fields[0].Name); fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("%s column %v, want %v", s.Fields[0].Name, got, want)
					}
				}
				ogrtest.Check(t, path, len(want))
			})
		}
	}
}

// firstValues reads one column of an exported CSV or GeoJSON file as text.
func firstValues(t *testing.T, path, field string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if strings.HasSuffix(path, ".csv") {
		recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := -1
		for i, h := range recs[0] {
			if h == field {
				col = i
			}
		}
		for _, r := range recs[1:] {
			out = append(out, r[col])
		}
		return out
	}
	var fc struct {
		Features []struct{ Properties map[string]any }
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, f := range fc.Features {
		out = append(out, fmt.Sprint(f.Properties[field]))
	}
	return out
}

func TestExportBadInput(t *testing.T) {
	db, _ := dbtest.New(t)
	ctx := context.Background()
	tests := []struct {
		name, layer string
		id          int64
		want        string
	}{
		{"unknown layer", "roads", 1, "unknown layer"},
		{"missing run", "premises", 99, "analysis run 99"},
		{"missing scenario", "scenario", 42, "scenario 42"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := geo.NewCSVWriter(&strings.Builder{}, geo.LayerSchema{}, geo.CSVNoGeometry)
			_, err := data.Export(ctx, db, tc.layer, tc.id, 4326, w)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
	if _, err := data.ExportDefaultID(ctx, db, "areas"); err == nil || !strings.Contains(err.Error(), "no analysis run") {
		t.Errorf("default id on an empty database: %v", err)
	}
}
