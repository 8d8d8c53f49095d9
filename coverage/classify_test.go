package coverage_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bbplan/bbplan/coverage"
)

var asOf = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func rules(t *testing.T, name string) coverage.Rules {
	t.Helper()
	p, err := coverage.LoadProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return coverage.Rules{Profile: p, AsOf: asOf, Params: coverage.DefaultAnalysisParams()}
}

func avail(provider, tech string, down, up float64) coverage.Offer {
	return coverage.Offer{Provider: provider, Technology: tech, DownMbps: down, UpMbps: up}
}

func planned(o coverage.Offer, year int) coverage.Offer {
	o.Planned, o.PlannedYear = true, year
	return o
}

func latency(o coverage.Offer, ms float64) coverage.Offer {
	o.LatencyMs, o.HasLatency = ms, true
	return o
}

var mobile10 = []coverage.MobileOffer{{Operator: "Telia", Technology: "4g", DownMbps: 10}}

func TestClassifyEdgeCases(t *testing.T) {
	tests := []struct {
		name, profile string
		in            coverage.PremiseInput
		class         string
		eligible      bool
		now, planned  int
		tier          int
		doubleGap     bool
		reason        string // a phrase the reason must hold
	}{
		{name: "pts exactly at 1000/100", profile: "pts-2025", in: coverage.PremiseInput{Offers: []coverage.Offer{avail("A", "fiber", 1000, 100)}, Mobile: mobile10},
			class: "served", now: 1, planned: 1, tier: 1000, reason: "served: 1 network(s)"},
		{name: "pts just below 1000", profile: "pts-2025", in: coverage.PremiseInput{Offers: []coverage.Offer{avail("A", "fiber", 999.9, 1000)}},
			class: "unserved", eligible: true, tier: 100, doubleGap: true, reason: "best offer A fiber 999.9/1000 Mbit/s"},
		{name: "pts planned in year 3 counts", profile: "pts-2025", in: coverage.PremiseInput{Offers: []coverage.Offer{planned(avail("A", "fiber", 1000, 1000), 2029)}, Mobile: mobile10},
			class: "planned", planned: 1, reason: "(planned)"},
		{name: "pts planned in year 4 does not", profile: "pts-2025", in: coverage.PremiseInput{Offers: []coverage.Offer{planned(avail("A", "fiber", 1000, 1000), 2030)}, Mobile: mobile10},
			class: "unserved", eligible: true, reason: "no counted fixed offer"},
		{name: "pts plan without a year does not count", profile: "pts-2025", in: coverage.PremiseInput{Offers: []coverage.Offer{planned(avail("A", "fiber", 1000, 1000), 0)}, Mobile: mobile10},
			class: "unserved", eligible: true},
		{name: "pts counts any technology at speed", profile: "pts-2025", in: coverage.PremiseInput{Offers: []coverage.Offer{avail("Sat", "satellite_leo", 1000, 100)}, Mobile: mobile10},
			class: "served", now: 1, planned: 1, tier: 1000},
		{name: "pts inside a settlement is not eligible", profile: "pts-2025", in: coverage.PremiseInput{InSettlement: true, Mobile: mobile10},
			class: "unserved", reason: "inside an urban settlement"},
		{name: "pts mobile just below target is a double gap", profile: "pts-2025", in: coverage.PremiseInput{Mobile: []coverage.MobileOffer{{DownMbps: 9.9}}},
			class: "unserved", eligible: true, doubleGap: true, reason: "double gap"},
		{name: "eu unreliable technology at high speed is white", profile: "eu-2023", in: coverage.PremiseInput{Offers: []coverage.Offer{avail("Sat", "satellite_leo", 2000, 1000), avail("W", "fwa_unlicensed", 1000, 1000)}, Mobile: mobile10},
			class: "white", eligible: true},
		{name: "eu two offers from one provider are grey", profile: "eu-2023", in: coverage.PremiseInput{Offers: []coverage.Offer{avail("A", "fiber", 1000, 1000), avail("A", "cable", 1000, 150)}, Mobile: mobile10},
			class: "grey", now: 1, planned: 1, tier: 1000, reason: "step-change review"},
		{name: "eu up 149.9 does not count", profile: "eu-2023", in: coverage.PremiseInput{Offers: []coverage.Offer{avail("A", "fiber", 1000, 149.9)}, Mobile: mobile10},
			class: "white", eligible: true, tier: 1000},
		{name: "eu available plus planned provider is black", profile: "eu-2023", in: coverage.PremiseInput{Offers: []coverage.Offer{avail("A", "fiber", 1000, 1000), planned(avail("B", "fiber", 1000, 1000), 2029)}, Mobile: mobile10},
			class: "black", now: 1, planned: 2, tier: 1000, reason: "black: 2 providers"},
		{name: "eu plan in year 4 leaves grey", profile: "eu-2023", in: coverage.PremiseInput{Offers: []coverage.Offer{avail("A", "fiber", 1000, 1000), planned(avail("B", "fiber", 1000, 1000), 2030)}, Mobile: mobile10},
			class: "grey", now: 1, planned: 1, tier: 1000},
		{name: "bead exactly 100/20 within 100 ms is served", profile: "bead", in: coverage.PremiseInput{Offers: []coverage.Offer{latency(avail("A", "dsl", 100, 20), 100)}, Mobile: mobile10},
			class: "served", now: 1, planned: 1, tier: 100},
		{name: "bead latency above 100 ms is unserved", profile: "bead", in: coverage.PremiseInput{Offers: []coverage.Offer{latency(avail("A", "fiber", 1000, 1000), 100.1)}, Mobile: mobile10},
			class: "unserved", eligible: true, tier: 100},
		{name: "bead 25/3 is underserved", profile: "bead", in: coverage.PremiseInput{Offers: []coverage.Offer{avail("A", "dsl", 25, 3)}, Mobile: mobile10},
			class: "underserved", eligible: true, tier: 25, reason: "underserved"},
		{name: "bead 25/2.9 is unserved", profile: "bead", in: coverage.PremiseInput{Offers: []coverage.Offer{avail("A", "dsl", 25, 2.9)}, Mobile: mobile10},
			class: "unserved", eligible: true, tier: 25},
		{name: "bead unlicensed wireless is not reliable", profile: "bead", in: coverage.PremiseInput{Offers: []coverage.Offer{avail("W", "fwa_unlicensed", 1000, 1000)}, Mobile: mobile10},
			class: "unserved", eligible: true},
		{name: "bead plans never count", profile: "bead", in: coverage.PremiseInput{Offers: []coverage.Offer{planned(avail("A", "fiber", 1000, 1000), 2026)}, Mobile: mobile10},
			class: "unserved", eligible: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rules(t, tt.profile).Classify(tt.in)
			if r.Class != tt.class || r.Eligible != tt.eligible || r.NetworksNow != tt.now || r.NetworksPlanned != tt.planned ||
				r.Tier != tt.tier || r.DoubleGap != tt.doubleGap {
				t.Fatalf("got class %s eligible %v networks %d/%d tier %d double gap %v (%s)",
					r.Class, r.Eligible, r.NetworksNow, r.NetworksPlanned, r.Tier, r.DoubleGap, r.Reason)
			}
			if !strings.Contains(r.Reason, tt.reason) {
				t.Fatalf("reason %q lacks %q", r.Reason, tt.reason)
			}
		})
	}
}

func TestClassifyDisputed(t *testing.T) {
	offer := []coverage.Offer{avail("A", "fiber", 1000, 1000)}
	ms := func(tests int, downs ...float64) []coverage.Measurement {
		var out []coverage.Measurement
		for _, d := range downs {
			out = append(out, coverage.Measurement{DownMbps: d, Tests: tests})
		}
		return out
	}
	tests := []struct {
		name string
		in   coverage.PremiseInput
		want bool
	}{
		{"median far below advertised", coverage.PremiseInput{Offers: offer, Measurements: ms(2, 100, 200, 300)}, true},
		{"median exactly at the fraction", coverage.PremiseInput{Offers: offer, Measurements: ms(5, 500)}, false},
		{"too few tests", coverage.PremiseInput{Offers: offer, Measurements: ms(1, 10, 10, 10, 10)}, false},
		{"no offer to dispute", coverage.PremiseInput{Measurements: ms(9, 1)}, false},
		{"even count takes the mean of the middle two", coverage.PremiseInput{Offers: offer, Measurements: ms(3, 400, 598, 602, 900)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rules(t, "pts-2025").Classify(tt.in).Disputed; got != tt.want {
				t.Fatalf("disputed = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBestOfferIgnoresOrder(t *testing.T) {
	offers := []coverage.Offer{avail("B", "fiber", 1000, 100), avail("A", "cable", 1000, 100), planned(avail("C", "fiber", 1000, 100), 2027), avail("D", "dsl", 2000, 50)}
	r := rules(t, "pts-2025")
	first := r.Classify(coverage.PremiseInput{Offers: offers}).Best
	for i := range offers {
		rot := append(append([]coverage.Offer{}, offers[i:]...), offers[:i]...)
		if b := r.Classify(coverage.PremiseInput{Offers: rot}).Best; *b != *first {
			t.Fatalf("rotation %d: best %+v, want %+v", i, *b, *first)
		}
	}
	if first.Provider != "A" {
		t.Fatalf("best %+v: want the meeting offer of provider A (meets target, then name)", *first)
	}
}

func ExampleRules_Classify() {
	p, _ := coverage.LoadProfile("eu-2023")
	r := coverage.Rules{Profile: p, AsOf: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Params: coverage.DefaultAnalysisParams()}
	res := r.Classify(coverage.PremiseInput{
		Offers: []coverage.Offer{{Provider: "Stadsnät", Technology: "fiber", DownMbps: 1000, UpMbps: 1000, Planned: true, PlannedYear: 2028}},
		Mobile: []coverage.MobileOffer{{Operator: "Telia", Technology: "4g", DownMbps: 30}},
	})
	fmt.Println(res.Class, res.Eligible)
	fmt.Println(res.Reason)
	// Output:
	// grey false
	// grey: one provider meets 1000/150 Mbit/s today or planned by 2029; eligible only after a step-change review; best offer Stadsnät fiber 1000/1000 Mbit/s (planned)
}
