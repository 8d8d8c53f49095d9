package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/geo"
	"github.com/spf13/cobra"
)

// exportAliases are the longer layer names, accepted beside the short ones.
var exportAliases = map[string]string{"premise-status": "premises", "municipality-stats": "municipalities", "scenarios": "scenario"}

func (a *app) exportCmd() *cobra.Command {
	var runID, scenarioID int64
	var format, out string
	cmd := &cobra.Command{
		Use:   "export premises|areas|cells|municipalities|scenario -o FILE",
		Short: "Export analysis or scenario results as CSV, GeoJSON or GeoPackage",
		Long: `export writes one result layer: premises (premise status), areas (candidate
areas with their chosen cost), cells (grid statistics), municipalities
(municipality statistics) of an analysis run (--run, default the newest), or
scenario (ranked areas) of a scenario (--scenario, default the newest).
GeoJSON and CSV are in EPSG:4326 (CSV: lon/lat for points, wkt otherwise);
GeoPackage keeps the working SRID.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			layer := args[0]
			if l, ok := exportAliases[layer]; ok {
				layer = l
			}
			if format == "" {
				format = strings.TrimPrefix(filepath.Ext(out), ".")
			}
			ctx := cmd.Context()
			db, err := a.db(ctx)
			if err != nil {
				return err
			}
			defer db.Close()
			srid := 4326
			if format == "gpkg" {
				srid = db.SRID
			}
			schema, err := data.ExportSchema(layer, srid)
			if err != nil {
				return err
			}
			id := runID
			if data.ExportUsesScenario(layer) {
				id = scenarioID
			} else if scenarioID != 0 {
				return fmt.Errorf("export %s: takes --run, not --scenario", layer)
			}
			if id == 0 {
				if id, err = data.ExportDefaultID(ctx, db, layer); err != nil {
					return err
				}
			}
			w, done, err := createWriter(out, format, schema)
			if err != nil {
				return err
			}
			n, err := data.Export(ctx, db, layer, id, srid, w)
			if cerr := done(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(out)
				return err
			}
			res := map[string]any{"layer": layer, "id": id, "format": format, "file": out, "features": n}
			return a.emit(res, func(w io.Writer) { fmt.Fprintf(w, "%s: %d %s features (id %d)\n", out, n, layer, id) })
		},
	}
	f := cmd.Flags()
	f.Int64Var(&runID, "run", 0, "analysis run id (default: the newest finished run)")
	f.Int64Var(&scenarioID, "scenario", 0, "scenario id for the scenario layer (default: the newest)")
	f.StringVar(&format, "format", "", "csv, geojson, geojsonseq or gpkg (default: from the file extension)")
	f.StringVarP(&out, "output", "o", "", "output file")
	cmd.MarkFlagRequired("output")
	return cmd
}

// createWriter opens a feature writer for format at path; done finishes
// the writer and closes the file.
func createWriter(path, format string, s geo.LayerSchema) (geo.Writer, func() error, error) {
	if format == "gpkg" {
		w, err := geo.CreateGeoPackage(path, s)
		if err != nil {
			return nil, nil, err
		}
		return w, w.Close, nil
	}
	var mk func(io.Writer) (geo.Writer, error)
	switch format {
	case "geojson":
		mk = func(f io.Writer) (geo.Writer, error) { return geo.NewGeoJSONWriter(f, s) }
	case "geojsonseq", "geojsonl":
		mk = func(f io.Writer) (geo.Writer, error) { return geo.NewGeoJSONSeqWriter(f, s) }
	case "csv":
		g := geo.CSVWKT
		if s.GeometryType == "POINT" {
			g = geo.CSVLonLat
		}
		mk = func(f io.Writer) (geo.Writer, error) { return geo.NewCSVWriter(f, s, g) }
	default:
		return nil, nil, fmt.Errorf("--format %q: use csv, geojson, geojsonseq or gpkg", format)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, err
	}
	w, err := mk(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return w, func() error { return errors.Join(w.Close(), f.Close()) }, nil
}
