package data_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbplan/bbplan/coverage"
	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
	"github.com/bbplan/bbplan/funding"
)

var asOf = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

const (
	x0 = 700000.0
	y0 = 7100000.0
)

// randomWorld builds n premises over two municipalities with random offers
// (tied and polygon, available and planned with years, several providers,
// unreliable technologies at high speed, two offers from one provider),
// mobile polygons, settlements and measurements. Coordinates of premises are
// off the integer grid of every polygon edge, so no premise lies on a border
// by accident.
func randomWorld(seed uint64, n int, settlementPoints bool) world {
	r := rand.New(rand.NewPCG(seed, 7))
	w := world{municipalities: map[string]rect{
		"2480": {x0, y0, x0 + 5000, y0 + 5000},
		"2482": {x0 + 5000, y0, x0 + 10000, y0 + 5000},
	}}
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	pickF := func(xs ...float64) float64 { return xs[r.IntN(len(xs))] }
	randRect := func(max float64) rect {
		x, y := x0+float64(r.IntN(10000)), y0+float64(r.IntN(5000))
		return rect{x, y, x + 1 + float64(r.IntN(int(max))), y + 1 + float64(r.IntN(int(max)))}
	}
	offer := func() coverage.Offer {
		o := coverage.Offer{
			Provider:   pick("Alfa", "Beta", "Gamma", "Delta"),
			Technology: pick(coverage.Technologies()...),
			DownMbps:   pickF(10, 25, 30, 99.5, 100, 250, 999.5, 1000, 1000.5, 2500),
			UpMbps:     pickF(2.5, 3, 20, 100, 149.5, 150, 1000),
		}
		if r.IntN(3) == 0 {
			o.LatencyMs, o.HasLatency = pickF(20, 100, 100.5, 600), true
		}
		if r.IntN(3) == 0 {
			o.Planned = true
			o.PlannedYear = []int{0, 2025, 2026, 2028, 2029, 2030, 2031}[r.IntN(7)]
		}
		return o
	}
	for i := range n {
		p := fxPremise{id: fmt.Sprintf("p%04d", i), x: x0 + float64(r.IntN(10000)) + 0.5, y: y0 + float64(r.IntN(5000)) + 0.5,
			households: r.IntN(4), workplaces: r.IntN(3), priority: r.IntN(10) == 0}
		if p.x < x0+5000 {
			p.kommun = "2480"
		} else if r.IntN(2) == 0 {
			p.kommun = "2482"
		}
		if r.IntN(20) == 0 {
			p.anchor = pick("school", "health", "library", "public_safety")
		}
		w.premises = append(w.premises, p)
		for range r.IntN(4) {
			w.offers = append(w.offers, fxOffer{premise: p.id, offer: offer()})
		}
		if r.IntN(8) == 0 {
			// Two offers from one provider.
			o := offer()
			w.offers = append(w.offers, fxOffer{premise: p.id, offer: o})
			o.Technology, o.DownMbps = "fiber", 1000
			w.offers = append(w.offers, fxOffer{premise: p.id, offer: o})
		}
		switch r.IntN(6) {
		case 0:
			w.measurements = append(w.measurements, fxMeasurement{premise: p.id, m: coverage.Measurement{DownMbps: pickF(5, 50, 400, 900), Tests: 1 + r.IntN(4)}})
		case 1:
			d := pickF(20, 49.5, 50.5, 80)
			w.measurements = append(w.measurements, fxMeasurement{x: p.x + d, y: p.y, m: coverage.Measurement{DownMbps: pickF(5, 50, 400), Tests: 1 + r.IntN(6)}})
		}
	}
	for range n / 10 {
		a := randRect(3000)
		w.offers = append(w.offers, fxOffer{area: &a, offer: offer()})
	}
	for range 12 {
		w.mobile = append(w.mobile, fxMobile{area: randRect(6000), m: coverage.MobileOffer{
			Operator: pick("Telia", "Tele2", "Telenor"), Technology: pick("4g", "5g"),
			DownMbps: pickF(5, 9.5, 10, 30, 100), Indoor: r.IntN(2) == 0}})
	}
	for i := range 4 {
		a := randRect(1500)
		s := fxSettlement{code: fmt.Sprint("T", i), area: &a}
		if settlementPoints {
			s = fxSettlement{code: s.code, x: a.x0 + 0.25, y: a.y0 + 0.25}
		}
		w.settlements = append(w.settlements, s)
	}
	return w
}

func analyze(t testing.TB, db *data.DB, p coverage.Profile, params coverage.AnalysisParams) data.Run {
	t.Helper()
	run, err := data.Analyze(context.Background(), db, data.AnalyzeOptions{Profile: p, AsOf: asOf, Params: params,
		Cost: funding.DefaultCostParams(), Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func profile(t testing.TB, name string) coverage.Profile {
	t.Helper()
	p, err := coverage.LoadProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAnalyzeAgreesWithRules runs the set-based SQL and coverage.Rules.Classify
// over the same random worlds and requires the same result for every premise.
func TestAnalyzeAgreesWithRules(t *testing.T) {
	indoor := profile(t, "pts-2025")
	indoor.Name, indoor.Mobile.IndoorOnly, indoor.Planned.Years = "indoor", true, 4
	noTiers := profile(t, "bead")
	noTiers.Name, noTiers.Tiers, noTiers.Target.MaxLatencyMs = "no tiers", nil, 0
	tests := []struct {
		name    string
		seed    uint64
		points  bool
		profile coverage.Profile
	}{
		{"pts-2025", 1, false, profile(t, "pts-2025")},
		{"pts-2025 settlement points", 2, true, profile(t, "pts-2025")},
		{"eu-2023", 3, false, profile(t, "eu-2023")},
		{"bead", 4, false, profile(t, "bead")},
		{"custom indoor mobile, 4 year horizon", 5, false, indoor},
		{"custom without tiers or latency limit", 6, false, noTiers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := dbtest.New(t)
			w := randomWorld(tt.seed, 600, tt.points)
			w.insert(t, db)
			params := coverage.DefaultAnalysisParams()
			run := analyze(t, db, tt.profile, params)
			got := readStatus(t, db, run.ID)
			if len(got) != len(w.premises) {
				t.Fatalf("premise_status has %d rows, want %d", len(got), len(w.premises))
			}
			rules := coverage.Rules{Profile: tt.profile, AsOf: asOf, Params: params}
			classes := map[string]int{}
			for _, p := range w.premises {
				want := fromResult(rules.Classify(w.input(p, params)))
				if g := got[p.id].classification(); g != want {
					t.Errorf("premise %s:\n sql %+v\n go  %+v", p.id, g, want)
				}
				classes[want.class]++
			}
			// The random world must exercise every class of the profile.
			for _, c := range tt.profile.Classes() {
				if classes[c] == 0 {
					t.Errorf("no premise of class %s in the random world (%v)", c, classes)
				}
			}
		})
	}
}

func TestAnalyzeNothingLoaded(t *testing.T) {
	tests := []struct {
		name string
		w    world
		want string
	}{
		{"no municipalities", world{premises: []fxPremise{{id: "a", x: x0, y: y0}}}, "load municipalities"},
		{"no premises", world{municipalities: map[string]rect{"2480": {x0, y0, x0 + 10, y0 + 10}}}, "load premises"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := dbtest.New(t)
			tt.w.insert(t, db)
			_, err := data.Analyze(context.Background(), db, data.AnalyzeOptions{Profile: profile(t, "pts-2025"),
				AsOf: asOf, Params: coverage.DefaultAnalysisParams(), Actor: "test"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
			var runs int
			db.QueryRow(`SELECT count(*) FROM analysis_run`).Scan(&runs)
			if runs != 0 {
				t.Fatalf("%d runs recorded for nothing to analyse", runs)
			}
		})
	}
}

// TestAnalyzeFailedRunLeavesNoResults breaks the run half-way (a municipality
// statistic that already exists makes the insert fail after premise_status is
// written) and checks that nothing but the failed run row remains.
func TestAnalyzeFailedRunLeavesNoResults(t *testing.T) {
	db, _ := dbtest.New(t)
	randomWorld(9, 50, false).insert(t, db)
	// The next run id will be 1; a trigger makes its municipality statistics fail.
	exec(t, db, `CREATE FUNCTION fail_ms() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'injected failure'; END $$`)
	exec(t, db, `CREATE TRIGGER fail_ms BEFORE INSERT ON municipality_stat FOR EACH ROW EXECUTE FUNCTION fail_ms()`)
	_, err := data.Analyze(context.Background(), db, data.AnalyzeOptions{Profile: profile(t, "pts-2025"),
		AsOf: asOf, Params: coverage.DefaultAnalysisParams(), Actor: "test"})
	if err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("err = %v, want the injected failure", err)
	}
	var status string
	var results int
	if err := db.QueryRow(`SELECT status FROM analysis_run`).Scan(&status); err != nil {
		t.Fatal(err)
	}
	db.QueryRow(`SELECT (SELECT count(*) FROM premise_status) + (SELECT count(*) FROM candidate_area) +
		(SELECT count(*) FROM cell_stat) + (SELECT count(*) FROM municipality_stat)`).Scan(&results)
	if status != "failed" || results != 0 {
		t.Fatalf("status %s with %d result rows; want failed with none", status, results)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal("unexpected cancel")
	}
}

// TestAnalyzeConcurrentRuns starts runs at once: each writes its own
// partition of premise_status and cell_stat, indexed once attached, and a
// later run waits for the staging table instead of failing.
func TestAnalyzeConcurrentRuns(t *testing.T) {
	db, _ := dbtest.New(t)
	w := randomWorld(11, 80, false)
	w.insert(t, db)
	profiles := []string{"pts-2025", "eu-2023", "bead"}
	ids := make([]int64, len(profiles))
	errs := make([]error, len(profiles))
	var wg sync.WaitGroup
	for i, name := range profiles {
		p := profile(t, name)
		wg.Go(func() {
			run, err := data.Analyze(context.Background(), db, data.AnalyzeOptions{Profile: p, AsOf: asOf,
				Params: coverage.DefaultAnalysisParams(), Actor: "test"})
			ids[i], errs[i] = run.ID, err
		})
	}
	wg.Wait()
	for i, name := range profiles {
		t.Run(name, func(t *testing.T) {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			var rows, cells int
			var part string
			if err := db.QueryRow(`SELECT count(*), min(tableoid::regclass::text) FROM premise_status WHERE run_id = $1`,
				ids[i]).Scan(&rows, &part); err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("premise_status_r%d", ids[i]); rows != len(w.premises) || part != want {
				t.Errorf("%d premise_status rows in %s, want %d in %s", rows, part, len(w.premises), want)
			}
			db.QueryRow(`SELECT count(*) FROM cell_stat WHERE run_id = $1 AND tableoid = $2::regclass`,
				ids[i], fmt.Sprintf("cell_stat_r%d", ids[i])).Scan(&cells)
			if cells == 0 {
				t.Errorf("no cells in the run's partition")
			}
			// Every index of the parent exists on the partition.
			var indexes, parent int
			db.QueryRow(`SELECT count(*) FROM pg_index WHERE indrelid = $1::regclass`, part).Scan(&indexes)
			db.QueryRow(`SELECT count(*) FROM pg_index WHERE indrelid = 'premise_status'::regclass`).Scan(&parent)
			if indexes != parent || parent == 0 {
				t.Errorf("%s has %d indexes, want the parent's %d", part, indexes, parent)
			}
		})
	}
}
