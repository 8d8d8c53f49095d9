package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/bbplan/bbplan/data/sample"
	"github.com/spf13/cobra"
)

// genOptions are the generator flags shared by gen and demo.
type genOptions struct {
	sample.Options
	scb     string
	builtin bool
}

// flags defines the generator flags on cmd.
func (g *genOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.Uint64Var(&g.Seed, "seed", 1, "random seed: the same seed gives identical files")
	f.IntVar(&g.Premises, "premises", 0, "about this many premises (default: from the population grid, or 20000 for the built-in model)")
	f.StringVar(&g.Grid, "grid", "", "SCB 1 km population grid (CSV: rutid, x_ll, y_ll, pop, kommun)")
	f.StringVar(&g.Municipalities, "municipalities", "", "municipality polygons, any format bbplan load reads (kommun_code, name)")
	f.StringVar(&g.Settlements, "settlements", "", "settlement points or polygons, any format bbplan load reads (tatort_code, name, kommun_code, pop, area_ha)")
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
