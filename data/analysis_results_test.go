package data_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/bbplan/bbplan/coverage"
	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
)

// resultsWorld is a hand-built region: a cluster of gap premises in 2480
// whose neighbour across the border lies in 2482, lone gap premises, one
// premise on a settlement border and one just outside it, and one fibre
// premise that serves as the feeder point when no fibre nodes are loaded.
func resultsWorld() world {
	w := world{municipalities: map[string]rect{
		"2480": {x0, y0, x0 + 5000, y0 + 5000},
		"2482": {x0 + 5000, y0, x0 + 10000, y0 + 5000},
	}}
	add := func(id string, x, y float64, kommun string) {
		w.premises = append(w.premises, fxPremise{id: id, x: x, y: y, kommun: kommun, households: 1, workplaces: 1})
	}
	for i := range 6 {
		add(fmt.Sprint("a", i), x0+4700+50*float64(i), y0+100, "2480")
	}
	add("border-west", x0+4990, y0+100, "") // municipality assigned spatially
	add("border-east", x0+5010, y0+100, "2482")
	add("lone", x0+1000, y0+4000, "2480")
	add("on-settlement-border", x0+2000, y0+2050, "2480")
	add("outside-settlement", x0+1999.5, y0+2050, "2480")
	add("fibre", x0+100, y0+100, "2480")
	w.premises[0].anchor, w.premises[1].priority = "school", true
	w.offers = []fxOffer{{premise: "fibre", offer: coverage.Offer{Provider: "Net", Technology: "fiber", DownMbps: 1000, UpMbps: 1000}}}
	w.settlements = []fxSettlement{{code: "T1", area: &rect{x0 + 2000, y0 + 2000, x0 + 2100, y0 + 2100}}}
	// A mobile polygon whose edge runs through the border premises' x.
	w.mobile = []fxMobile{{area: rect{x0 + 4990, y0, x0 + 6000, y0 + 1000}, m: coverage.MobileOffer{Operator: "T", Technology: "4g", DownMbps: 50}}}
	return w
}

func TestAnalyzeResults(t *testing.T) {
	tests := []struct {
		name  string
		nodes [][2]float64
		// feeder is where the lone premise's area measures its distance to fibre from.
		feeder [2]float64
	}{
		{"feeder from the nearest fibre premise", nil, [2]float64{x0 + 100, y0 + 100}},
		{"feeder from the nearest fibre node", [][2]float64{{x0 + 1000, y0 + 4300}, {x0 + 9000, y0 + 4900}}, [2]float64{x0 + 1000, y0 + 4300}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := dbtest.New(t)
			w := resultsWorld()
			w.fiberNodes = tt.nodes
			w.insert(t, db)
			params := coverage.DefaultAnalysisParams()
			run := analyze(t, db, profile(t, "pts-2025"), params)
			st := readStatus(t, db, run.ID)

			for _, c := range []struct {
				id           string
				kommun       string
				eligible     bool
				inSettlement bool
				mobileOK     bool
				hasArea      bool
			}{
				{"a0", "2480", true, false, false, true},
				{"border-west", "2480", true, false, true, true},
				{"border-east", "2482", true, false, true, true},
				{"on-settlement-border", "2480", false, true, false, false},
				{"outside-settlement", "2480", true, false, false, true},
				{"fibre", "2480", false, false, false, false},
			} {
				s := st[c.id]
				if s.kommun.String != c.kommun || s.eligible != c.eligible || s.inSettlement != c.inSettlement ||
					s.mobileOK != c.mobileOK || s.areaID.Valid != c.hasArea {
					t.Errorf("premise %s: %+v", c.id, s)
				}
			}
			if st["a0"].areaID != st["border-west"].areaID || st["border-west"].areaID == st["border-east"].areaID {
				t.Errorf("clusters: a0 %v, border-west %v, border-east %v; want the first two together and never across the border",
					st["a0"].areaID, st["border-west"].areaID, st["border-east"].areaID)
			}

			type area struct {
				kommun                  string
				stranded                bool
				premises, households    int
				anchors, priority, gaps int
				class                   string
				dist                    float64
			}
			areas := map[int64]area{}
			rows, err := db.Query(`SELECT id, kommun_code, stranded, premises, households, anchors, priority_premises,
				double_gaps, class, distance_to_fiber FROM candidate_area WHERE run_id = $1
				AND GeometryType(geom) = 'MULTIPOLYGON' AND ST_IsValid(geom)`, run.ID)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id int64
				var a area
				if err := rows.Scan(&id, &a.kommun, &a.stranded, &a.premises, &a.households, &a.anchors, &a.priority, &a.gaps, &a.class, &a.dist); err != nil {
					t.Fatal(err)
				}
				areas[id] = a
			}
			rows.Close()
			if len(areas) != 4 {
				t.Fatalf("%d valid multipolygon areas, want 4: %+v", len(areas), areas)
			}
			big := areas[st["a0"].areaID.Int64]
			if big.kommun != "2480" || big.stranded || big.premises != 7 || big.households != 7 || big.anchors != 1 ||
				big.priority != 1 || big.gaps != 6 || big.class != "unserved" {
				t.Errorf("cluster area: %+v", big)
			}
			lone := areas[st["lone"].areaID.Int64]
			want := math.Hypot(tt.feeder[0]-(x0+1000), tt.feeder[1]-(y0+4000))
			if !lone.stranded || lone.premises != 1 || math.Abs(lone.dist-want) > 1e-6 {
				t.Errorf("lone area: %+v, want stranded with distance to fibre %.1f", lone, want)
			}
			if run.Summary.Areas != 1 || run.Summary.Stranded != 3 || run.Summary.Premises != int64(len(w.premises)) {
				t.Errorf("summary: %+v", run.Summary)
			}

			var tiers, classes []byte
			var premises, eligible, mobileOK int
			if err := db.QueryRow(`SELECT premises, eligible_premises, mobile_ok, tiers, classes FROM municipality_stat
				WHERE run_id = $1 AND kommun_code = '2480'`, run.ID).Scan(&premises, &eligible, &mobileOK, &tiers, &classes); err != nil {
				t.Fatal(err)
			}
			var tj, cj map[string]map[string]int
			if err := json.Unmarshal(tiers, &tj); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(classes, &cj); err != nil {
				t.Fatal(err)
			}
			if premises != 11 || eligible != 9 || mobileOK != 1 || len(tj) != 3 || tj["1000"]["premises"] != 1 || tj["30"]["households"] != 1 ||
				cj["served"]["premises"] != 1 || cj["unserved"]["workplaces"] != 10 || cj["planned"]["premises"] != 0 {
				t.Errorf("municipality 2480: premises %d eligible %d mobile %d tiers %s classes %s", premises, eligible, mobileOK, tiers, classes)
			}
		})
	}
}

// TestAnalyzeCells checks the SCB cell ids (x and y of the lower-left corner)
// and that every premise is counted once per grid.
func TestAnalyzeCells(t *testing.T) {
	db, _ := dbtest.New(t)
	w := resultsWorld()
	w.insert(t, db)
	run := analyze(t, db, profile(t, "pts-2025"), coverage.DefaultAnalysisParams())
	tests := []struct {
		grid, cell string
		premises   int
		target     int
	}{
		{"scb1km", "7000007100000", 1, 1},
		{"scb250m", "7000007100000", 1, 1},
		{"scb1km", "7040007100000", 7, 0}, // a0..a5 and border-west
		{"scb250m", "7047507100000", 6, 0},
		{"scb1km", "7050007100000", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.grid+" "+tt.cell, func(t *testing.T) {
			var premises, target int
			var share float64
			var x, y float64
			err := db.QueryRow(`SELECT premises, premises_target, share_target, ST_XMin(geom), ST_YMin(geom) FROM cell_stat
				WHERE run_id = $1 AND grid = $2 AND cell_id = $3`, run.ID, tt.grid, tt.cell).Scan(&premises, &target, &share, &x, &y)
			if err != nil {
				t.Fatal(err)
			}
			if premises != tt.premises || target != tt.target || share != float64(tt.target)/float64(tt.premises) ||
				fmt.Sprintf("%06.0f%07.0f", x, y) != tt.cell {
				t.Fatalf("cell: premises %d target %d share %v corner %v %v", premises, target, share, x, y)
			}
		})
	}
	var counted, inspire int
	db.QueryRow(`SELECT coalesce(sum(premises) FILTER (WHERE grid = 'scb250m'), 0), count(*) FILTER (WHERE grid = 'inspire1km')
		FROM cell_stat WHERE run_id = $1`, run.ID).Scan(&counted, &inspire)
	if counted != len(w.premises) || inspire != 0 {
		t.Fatalf("250 m cells count %d premises, want %d; %d INSPIRE cells in SWEREF99 TM, want 0", counted, len(w.premises), inspire)
	}
}

// TestAnalyzeINSPIRECells analyses in a database whose working SRID is
// EPSG:3035: the SCB cells are still written (computed in SWEREF99 TM) and
// the INSPIRE 1 km grid is added with INSPIRE's ids.
func TestAnalyzeINSPIRECells(t *testing.T) {
	db, _ := dbtest.NewEmpty(t)
	if _, err := data.Migrate(context.Background(), db, 3035); err != nil {
		t.Fatal(err)
	}
	exec(t, db, `INSERT INTO dataset (id, kind, name, source_file, sha256) VALUES (1, 'municipalities', 'm', 'm', 'm'), (2, 'premises', 'p', 'p', 'p');
		INSERT INTO municipality (code, name, county_code, dataset_id, geom)
		VALUES ('2480', 'Umeå', '24', 1, ST_Transform(ST_Multi(ST_MakeEnvelope(755000, 7085000, 765000, 7095000, 3006)), 3035));
		INSERT INTO premise (id, dataset_id, geom, kommun_code, households)
		VALUES ('a', 2, ST_Transform(ST_SetSRID(ST_MakePoint(759100.5, 7087300.5), 3006), 3035), '2480', 1),
			('b', 2, ST_Transform(ST_SetSRID(ST_MakePoint(759800.5, 7087900.5), 3006), 3035), '2480', 1)`)
	run := analyze(t, db, profile(t, "pts-2025"), coverage.DefaultAnalysisParams())
	var inspireX, inspireY float64
	if err := db.QueryRow(`SELECT floor(ST_X(geom) / 1000) * 1000, floor(ST_Y(geom) / 1000) * 1000 FROM premise WHERE id = 'a'`).Scan(&inspireX, &inspireY); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		grid, cell string
		premises   int
	}{
		{"scb1km", "7590007087000", 2},
		{"scb250m", "7590007087250", 1},
		{"scb250m", "7597507087750", 1},
		{"inspire1km", fmt.Sprintf("CRS3035RES1000mN%.0fE%.0f", inspireY, inspireX), -1},
	}
	for _, tt := range tests {
		t.Run(tt.grid+" "+tt.cell, func(t *testing.T) {
			var premises int
			var srid int
			var contains bool
			err := db.QueryRow(`SELECT premises, ST_SRID(geom), ST_Contains(geom, (SELECT geom FROM premise WHERE id = 'a'))
				FROM cell_stat WHERE run_id = $1 AND grid = $2 AND cell_id = $3`, run.ID, tt.grid, tt.cell).Scan(&premises, &srid, &contains)
			if err != nil {
				t.Fatal(err)
			}
			if (tt.premises >= 0 && premises != tt.premises) || srid != 3035 || (tt.grid != "scb250m" || tt.cell == "7590007087250") && !contains {
				t.Fatalf("premises %d srid %d contains a %v", premises, srid, contains)
			}
		})
	}
}
