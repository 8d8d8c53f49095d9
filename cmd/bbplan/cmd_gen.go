package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/sample"
	"github.com/bbplan/bbplan/geo"
	"github.com/spf13/cobra"
)

// genOptions are the generator flags shared by gen and demo.
type genOptions struct {
	sample.Options
	scb     string
	builtin bool
}

func (g *genOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.Uint64Var(&g.Seed, "seed", 1, "random seed: the same seed gives identical files")
	f.IntVar(&g.Premises, "premises", 0, "about this many premises (default: from the population grid, or 20000 for the built-in model)")
	f.StringVar(&g.Grid, "grid", "", "SCB 1 km population grid (CSV: rutid, x_ll, y_ll, pop, kommun)")
	f.StringVar(&g.Municipalities, "municipalities", "", "municipality polygons (GeoJSON: kommun_code, name)")
	f.StringVar(&g.Settlements, "settlements", "", "settlement points (GeoJSON: tatort_code, name, kommun_code, pop, area_ha)")
	f.StringVar(&g.scb, "scb", "", "directory with the three SCB files (default: ../shared/data/vasterbotten when present)")
	f.BoolVar(&g.builtin, "builtin", false, "use the built-in model even when SCB data is present")
	f.BoolVar(&g.PremisesCSV, "premises-csv", false, "write premises as CSV instead of GeoPackage")
}

// resolve fills in the SCB files: given explicitly, from --scb, or found in
// the default places; none means the built-in model.
func (g *genOptions) resolve() (string, error) {
	if g.builtin {
		if g.Grid != "" {
			return "", fmt.Errorf("--builtin and --grid exclude each other")
		}
		return "built-in model", nil
	}
	dir := g.scb
	if dir == "" && g.Grid == "" {
		dir = sample.FindSCB(sample.SCBDefaultDirs()...)
	} else if dir != "" && sample.FindSCB(dir) == "" {
		return "", fmt.Errorf("--scb %s: %s, %s and %s are not all there", dir, sample.SCBGrid, sample.SCBMunicipalities, sample.SCBSettlements)
	}
	if dir != "" {
		g.UseSCB(dir)
		return "SCB data in " + dir, nil
	}
	if g.Grid != "" {
		return "population grid " + g.Grid, nil
	}
	return "built-in model", nil
}

func (a *app) genCmd() *cobra.Command {
	var g genOptions
	cmd := &cobra.Command{
		Use:   "gen --out DIR",
		Short: "Generate a synthetic region's input files (premises, offers, coverage, ...)",
		Long: `gen writes a complete input set for bbplan load: municipalities.geojson,
settlements.geojson, premises.gpkg (or .csv), fixed.csv, mobile.geojsonseq,
fiber_nodes.geojson, measurements.csv, priorities.csv and manifest.json.
With SCB's population grid the premises follow the real population;
without it a built-in model of Västerbotten is used.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			source, err := g.resolve()
			if err != nil {
				return err
			}
			a.log.Info("generating", "out", g.Out, "from", source, "seed", g.Seed)
			m, err := sample.Generate(g.Options)
			if err != nil {
				return err
			}
			return a.emit(m, func(w io.Writer) { printManifest(w, g.Out, m) })
		},
	}
	cmd.Flags().StringVarP(&g.Out, "out", "o", "", "output directory")
	cmd.MarkFlagRequired("out")
	g.flags(cmd)
	return cmd
}

// printManifest writes the generated files and the per-municipality counts.
func printManifest(w io.Writer, dir string, m *sample.Manifest) {
	fmt.Fprintf(w, "%s: %s model, seed %d\n\n", dir, m.Model, m.Seed)
	var rows [][]string
	for _, f := range m.Files {
		rows = append(rows, []string{f.Kind, f.File, strconv.Itoa(f.Rows)})
	}
	table(w, []string{"kind", "file", "rows"}, rows)
	fmt.Fprintln(w)
	codes := make([]string, 0, len(m.Premises))
	for c := range m.Premises {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	rows = rows[:0]
	for _, c := range codes {
		row := []string{c, strconv.Itoa(m.Premises[c]), strconv.Itoa(m.Households[c])}
		if m.Population != nil {
			row = append(row, strconv.Itoa(m.Population[c]))
		}
		rows = append(rows, row)
	}
	head := []string{"kommun", "premises", "households"}
	if m.Population != nil {
		head = append(head, "population")
	}
	table(w, head, rows)
}

// exportAliases are the layer names of issue 4 beside the short ones.
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
	f.StringVar(&format, "format", "", "csv, geojson or gpkg (default: from the file extension)")
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
