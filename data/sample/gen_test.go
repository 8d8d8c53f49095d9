package sample

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bbplan/bbplan/internal/ogrtest"
	"github.com/paulmach/orb"
)

// scbDir is the shared SCB reference data, relative to this package.
const scbDir = "../../../shared/data/vasterbotten"

func scbOptions(t *testing.T) (Options, bool) {
	t.Helper()
	o := Options{Grid: filepath.Join(scbDir, "pop_1km_2024.csv"), Municipalities: filepath.Join(scbDir, "kommuner.geojson"),
		Settlements: filepath.Join(scbDir, "tatorter.geojson")}
	for _, f := range []string{o.Grid, o.Municipalities, o.Settlements} {
		if _, err := os.Stat(f); err != nil {
			t.Logf("SCB reference data not present (%v): the grid case is left out", err)
			return o, false
		}
	}
	return o, true
}

// readDir reads every file of a generated directory.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func TestGenerateDeterministic(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		grid bool
	}{
		{name: "builtin", opts: Options{Premises: 1500}},
		{name: "builtin csv", opts: Options{Premises: 800, PremisesCSV: true}},
		{name: "scb grid", opts: Options{Premises: 3000}, grid: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.opts
			if tc.grid {
				scb, ok := scbOptions(t)
				if !ok {
					return
				}
				o.Grid, o.Municipalities, o.Settlements = scb.Grid, scb.Municipalities, scb.Settlements
			}
			gen := func(seed uint64) map[string][]byte {
				o := o
				o.Seed, o.Out = seed, t.TempDir()
				m, err := Generate(o)
				if err != nil {
					t.Fatal(err)
				}
				if len(m.Files) != 8 {
					t.Errorf("manifest lists %d files, want one per kind (8)", len(m.Files))
				}
				for _, f := range m.Files {
					if f.Rows == 0 {
						t.Errorf("%s (%s) is empty", f.File, f.Kind)
					}
				}
				return readDir(t, o.Out)
			}
			a, b, c := gen(7), gen(7), gen(8)
			for name, content := range a {
				if !bytes.Equal(content, b[name]) {
					t.Errorf("%s differs between two runs with seed 7", name)
				}
			}
			if len(a) != len(b) {
				t.Errorf("runs wrote %d and %d files", len(a), len(b))
			}
			for _, name := range []string{"premises.gpkg", "premises.csv", "fixed.csv", "mobile.geojsonseq"} {
				if _, ok := a[name]; ok && bytes.Equal(a[name], c[name]) {
					t.Errorf("%s is the same for seeds 7 and 8", name)
				}
			}
		})
	}
}

// TestGeneratedFilesOpenInGDAL opens every generated file with ogrinfo (when
// GDAL is installed) and checks the row counts of the manifest.
func TestGeneratedFilesOpenInGDAL(t *testing.T) {
	o := Options{Out: t.TempDir(), Seed: 2, Premises: 500}
	m, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		t.Run(f.Kind, func(t *testing.T) {
			ogrtest.Check(t, filepath.Join(o.Out, f.File), f.Rows)
		})
	}
}

// csvRows reads a generated CSV as maps by header.
func csvRows(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		out = append(out, m)
	}
	return out
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestGridConservation checks the premises against SCB's grid itself: every
// municipality's households are its squares' people over the household size,
// and every premise lies in a populated square of its own municipality.
func TestGridConservation(t *testing.T) {
	o, ok := scbOptions(t)
	if !ok {
		return
	}
	o.Out, o.Seed, o.PremisesCSV = t.TempDir(), 3, true
	m, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, mu := range vasterbotten() {
		names[mu.Name] = mu.Code
	}
	wantHouseholds, wantPop := map[string]int{}, map[string]int{}
	square := map[[2]int]string{}
	for _, c := range csvRows(t, o.Grid) {
		code := names[c["kommun"]]
		pop := atoi(t, c["pop"])
		wantPop[code] += pop
		wantHouseholds[code] += int(math.Round(float64(pop) / HouseholdSize))
		square[[2]int{atoi(t, c["x_ll"]), atoi(t, c["y_ll"])}] = code
	}
	gotHouseholds := map[string]int{}
	var kinds = map[string]int{}
	for i, p := range csvRows(t, filepath.Join(o.Out, "premises.csv")) {
		gotHouseholds[p["kommun_code"]] += atoi(t, p["households"])
		kinds[p["kind"]]++
		x, y := atof(t, p["x"]), atof(t, p["y"])
		key := [2]int{int(math.Floor(x/1000)) * 1000, int(math.Floor(y/1000)) * 1000}
		if code, ok := square[key]; !ok || code != p["kommun_code"] {
			t.Errorf("premise %d (%s) at %.0f %.0f is not in a populated square of %s", i+1, p["id"], x, y, p["kommun_code"])
			if i > 20 {
				t.FailNow()
			}
		}
	}
	if len(gotHouseholds) != 15 {
		t.Errorf("households in %d municipalities, want 15", len(gotHouseholds))
	}
	for code, want := range wantHouseholds {
		if gotHouseholds[code] != want || m.Households[code] != want {
			t.Errorf("%s: %d households written (manifest %d), grid gives %d", code, gotHouseholds[code], m.Households[code], want)
		}
		if m.Population[code] != wantPop[code] {
			t.Errorf("%s: manifest population %d, grid %d", code, m.Population[code], wantPop[code])
		}
	}
	if kinds["holiday"] == 0 || kinds["permanent"] == 0 {
		t.Errorf("premise kinds %v: want permanent and holiday", kinds)
	}
}

// TestBuiltinPremisesInTheirMunicipality checks that the built-in model's
// premises lie inside the polygon of their municipality and carry its code.
func TestBuiltinPremisesInTheirMunicipality(t *testing.T) {
	o := Options{Out: t.TempDir(), Seed: 5, Premises: 3000, PremisesCSV: true}
	m, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	r, err := buildRegion(o)
	if err != nil {
		t.Fatal(err)
	}
	polys := map[string]orb.MultiPolygon{}
	for _, mu := range r.munis {
		polys[mu.Code] = mu.Geom
	}
	rows := csvRows(t, filepath.Join(o.Out, "premises.csv"))
	if n := len(rows); n < 3000*7/10 || n > 3000*13/10 {
		t.Errorf("%d premises for a request of about 3000", n)
	}
	bad := 0
	for _, p := range rows {
		pt := orb.Point{atof(t, p["x"]), atof(t, p["y"])}
		if !inPolygon(polys[p["kommun_code"]], pt) {
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d premises lie outside their municipality's polygon", bad, len(rows))
	}
	if len(m.Households) != 15 {
		t.Errorf("households in %d municipalities, want all 15", len(m.Households))
	}
}

// TestFixedOffersShape checks the coverage the generator draws: fibre to
// nearly all town premises, gaps in the countryside, planned fibre with years.
func TestFixedOffersShape(t *testing.T) {
	o := Options{Out: t.TempDir(), Seed: 11, Premises: 4000, PremisesCSV: true}
	if _, err := Generate(o); err != nil {
		t.Fatal(err)
	}
	premises := csvRows(t, filepath.Join(o.Out, "premises.csv"))
	fibre, planned, techs := map[string]bool{}, 0, map[string]int{}
	for _, f := range csvRows(t, filepath.Join(o.Out, "fixed.csv")) {
		techs[f["technology"]]++
		if f["technology"] == "fiber" && f["status"] == "available" {
			fibre[f["premise_id"]] = true
		}
		if f["status"] == "planned" {
			planned++
			if y := atoi(t, f["planned_year"]); y < 2026 || y > 2030 {
				t.Errorf("planned year %d", y)
			}
		}
	}
	with := 0
	for _, p := range premises {
		if fibre[p["id"]] {
			with++
		}
	}
	share := float64(with) / float64(len(premises))
	if share < 0.5 || share > 0.97 {
		t.Errorf("fibre share %.2f: want most but not all premises", share)
	}
	for _, tech := range []string{"fiber", "dsl", "cable", "fwa_licensed"} {
		if techs[tech] == 0 {
			t.Errorf("no %s offers", tech)
		}
	}
	if planned == 0 {
		t.Error("no planned offers")
	}
}

// BenchmarkGenerate measures generation speed per premise (built-in model,
// premises as CSV and as GeoPackage).
func BenchmarkGenerate(b *testing.B) {
	for _, tc := range []struct {
		name string
		csv  bool
	}{{"csv", true}, {"gpkg", false}} {
		b.Run(tc.name, func(b *testing.B) {
			o := Options{Out: b.TempDir(), Seed: 1, Premises: 50000, PremisesCSV: tc.csv}
			var n int
			for b.Loop() {
				m, err := Generate(o)
				if err != nil {
					b.Fatal(err)
				}
				n = 0
				for _, c := range m.Premises {
					n += c
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "premises/s")
		})
	}
}

func TestReadGridErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"unknown municipality", "rutid,x_ll,y_ll,pop,kommun\n\"7590007086000\",759000,7086000,12,Atlantis\n", "kommun"},
		{"population not a number", "rutid,x_ll,y_ll,pop,kommun\n\"7590007086000\",759000,7086000,tolv,Umeå\n", "pop"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "grid.csv")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Generate(Options{Out: t.TempDir(), Grid: path})
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %s and %s", err, path, tc.want)
			}
		})
	}
}
