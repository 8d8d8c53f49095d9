package data_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/bbplan/bbplan/coverage"
	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
	"github.com/lib/pq"
)

// regionDir holds SCB's open data for Västerbotten when the shared data is present.
const regionDir = "../../shared/data/vasterbotten"

// loadRegion inserts Västerbotten's municipalities and settlement points and
// synthetic premises (one per eight residents of each populated SCB 1 km
// square, at seeded random places in it) with synthetic offers and mobile
// coverage. It returns the SCB ids of the populated squares.
func loadRegion(t *testing.T, db *data.DB) map[string]bool {
	t.Helper()
	type fc struct {
		Features []struct {
			Properties map[string]any  `json:"properties"`
			Geometry   json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	read := func(name string) fc {
		b, err := os.ReadFile(filepath.Join(regionDir, name))
		if err != nil {
			t.Fatal(err)
		}
		var c fc
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return c
	}
	ds := dataset(t, db, "municipalities")
	for _, f := range read("kommuner.geojson").Features {
		exec(t, db, `INSERT INTO municipality (code, name, county_code, dataset_id, geom)
			VALUES ($1, $2, '24', $3, ST_Multi(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($4), 4326), 3006)))`,
			f.Properties["kommun_code"], f.Properties["name"], ds, string(f.Geometry))
	}
	ds = dataset(t, db, "settlements")
	for _, f := range read("tatorter.geojson").Features {
		exec(t, db, `INSERT INTO settlement (code, dataset_id, name, kommun_code, pop, geom)
			VALUES ($1, $2, $3, $4, $5, ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($6), 4326), 3006))`,
			f.Properties["tatort_code"], ds, f.Properties["name"], f.Properties["kommun_code"], f.Properties["pop"], string(f.Geometry))
	}
	fh, err := os.Open(filepath.Join(regionDir, "pop_1km_2024.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	squares := map[string]bool{}
	exec(t, db, `CREATE TABLE pop_grid (rutid text, x double precision, y double precision, pop integer)`)
	var ids, xs, ys, pops []string
	for _, r := range recs[1:] {
		squares[r[0]] = true
		ids, xs, ys, pops = append(ids, r[0]), append(xs, r[1]), append(ys, r[2]), append(pops, r[3])
	}
	exec(t, db, `INSERT INTO pop_grid SELECT * FROM unnest($1::text[], $2::float8[], $3::float8[], $4::int[])`,
		pq.Array(ids), pq.Array(xs), pq.Array(ys), pq.Array(pops))
	exec(t, db, `SELECT setseed(0.24)`)
	exec(t, db, `INSERT INTO premise (id, dataset_id, geom, households, workplaces)
		SELECT rutid || '-' || i, $1, ST_SetSRID(ST_MakePoint(x + 1 + random() * 998, y + 1 + random() * 998), 3006), 2, (random() < 0.1)::int
		FROM pop_grid, generate_series(1, greatest(pop / 8, 1)) i`, dataset(t, db, "premises"))
	exec(t, db, `UPDATE premise p SET kommun_code = m.code FROM municipality m WHERE ST_Intersects(m.geom, p.geom)`)
	// Fibre near settlements, slow DSL elsewhere, some plans; mobile around settlements.
	exec(t, db, `INSERT INTO fixed_offer (dataset_id, premise_id, provider, technology, down_mbps, up_mbps, status, planned_year)
		SELECT $1::bigint, p.id, 'Net' || (random() * 2)::int, 'fiber', 1000, 1000,
			CASE WHEN random() < 0.2 THEN 'planned' ELSE 'available' END, 2027
		FROM premise p WHERE EXISTS (SELECT 1 FROM settlement s WHERE ST_DWithin(s.geom, p.geom, 3000))
		UNION ALL
		SELECT $1::bigint, p.id, 'Tele', 'dsl', 20, 2, 'available', NULL FROM premise p WHERE random() < 0.5`, dataset(t, db, "fixed"))
	exec(t, db, `INSERT INTO mobile_coverage (dataset_id, operator, technology, down_mbps, geom)
		SELECT $1, op, '4g', 30, ST_Multi(ST_Buffer(s.geom, 8000)) FROM settlement s, unnest(ARRAY['Telia', 'Tele2']) op`, dataset(t, db, "mobile"))
	return squares
}

// TestAnalyzeRegion runs the presets and a custom profile over Västerbotten
// (SCB borders and settlements, premises generated from the 1 km population
// grid) and checks that the results add up and that the SCB cell ids the
// analysis writes are the ids SCB uses for the same squares.
func TestAnalyzeRegion(t *testing.T) {
	custom := profile(t, "bead")
	custom.Name, custom.Target.DownMbps, custom.Target.UpMbps, custom.Tiers = "custom", 500, 50, []int{500, 25}
	db, _ := dbtest.New(t)
	var squares map[string]bool
	if _, err := os.Stat(regionDir); err == nil {
		squares = loadRegion(t, db)
	} else {
		// Without the shared data the synthetic world stands in.
		t.Logf("%s absent: using a synthetic region", regionDir)
		randomWorld(11, 500, true).insert(t, db)
	}
	// The generalised borders leave some premises outside every municipality:
	// they are classified but belong to no municipality and no area.
	var total, inMunicipality, inSettlement int64
	db.QueryRow(`SELECT count(*), count(kommun_code) FROM premise`).Scan(&total, &inMunicipality)
	for _, p := range []coverage.Profile{profile(t, "pts-2025"), profile(t, "eu-2023"), profile(t, "bead"), custom} {
		t.Run(p.Name, func(t *testing.T) {
			run := analyze(t, db, p, coverage.DefaultAnalysisParams())
			var sum, byClass, areaPremises, eligible, cells1km int64
			var badCells []string
			db.QueryRow(`SELECT sum(premises), sum(eligible_premises) FROM municipality_stat WHERE run_id = $1`, run.ID).Scan(&sum, &eligible)
			db.QueryRow(`SELECT coalesce(sum(premises), 0) FROM candidate_area WHERE run_id = $1`, run.ID).Scan(&areaPremises)
			db.QueryRow(`SELECT count(*) FILTER (WHERE in_settlement) FROM premise_status WHERE run_id = $1`, run.ID).Scan(&inSettlement)
			for _, c := range run.Summary.Classes {
				byClass += c.Premises
			}
			rows, err := db.Query(`SELECT cell_id FROM cell_stat WHERE run_id = $1 AND grid = 'scb1km'`, run.ID)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id string
				rows.Scan(&id)
				cells1km++
				if squares != nil && !squares[id] {
					badCells = append(badCells, id)
				}
			}
			rows.Close()
			if run.Summary.Premises != total || byClass != total || sum != inMunicipality || eligible > run.Summary.Eligible ||
				areaPremises != eligible || run.Summary.Eligible == 0 || cells1km == 0 || len(badCells) > 0 {
				t.Fatalf("premises %d; summary %+v; municipalities sum %d (eligible %d); in areas %d; %d 1 km cells, not SCB's: %v",
					total, run.Summary, sum, eligible, areaPremises, cells1km, badCells)
			}
			if squares != nil && int(cells1km) != len(squares) {
				t.Errorf("%d 1 km cells, want the %d populated SCB squares", cells1km, len(squares))
			}
		})
	}
	if inSettlement == 0 {
		t.Error("no premise near a settlement point")
	}
}
