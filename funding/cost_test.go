package funding

import (
	"math"
	"testing"
)

func TestMSTLength(t *testing.T) {
	tests := []struct {
		name string
		pts  []Point
		want float64
	}{
		{"empty", nil, 0},
		{"single", []Point{{5, 5}}, 0},
		{"pair 3-4-5", []Point{{0, 0}, {3, 4}}, 5},
		{"unit square", []Point{{0, 0}, {1, 0}, {1, 1}, {0, 1}}, 3},
		{"collinear shuffled", []Point{{6, 0}, {0, 0}, {3, 0}, {1, 0}}, 6},
		{"right triangle 3-4-5", []Point{{0, 0}, {3, 0}, {0, 4}}, 7},
		{"plus", []Point{{0, 0}, {1, 0}, {-1, 0}, {0, 1}, {0, -1}}, 4},
		{"duplicates", []Point{{2, 2}, {2, 2}, {2, 5}}, 3},
		{"two clusters", []Point{{0, 0}, {0, 1}, {100, 0}, {100, 1}}, 102},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := MSTLength(tc.pts); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("MSTLength = %v, want %v", got, tc.want)
			}
		})
	}
}

// testCostParams are round unit costs that make hand computation easy.
func testCostParams() CostParams {
	return CostParams{RouteFactor: 2, FiberPerMetre: 10, DropPerPremise: 100, ProjectFixed: 1000,
		LowSpread: 0.1, HighSpread: 0.2, FWASiteCost: 500, FWASiteRadiusM: 1000, FWACPE: 50,
		FWADownMbps: 300, FWAUpMbps: 50, SatellitePerPremise: 300, SatelliteDownMbps: 200, SatelliteUpMbps: 20,
		ConnectionFee: 100, TakeUp: 0.5, CoFundingShare: 0.1, AidIntensity: 0.7}
}

func TestCostArea(t *testing.T) {
	p := testCostParams()
	in := AreaInput{Premises: 2, Points: []Point{{0, 0}, {3, 4}}, DistanceToFiber: 50, AreaM2: 5e6}
	tests := []struct {
		name   string
		target Target
		in     AreaInput
		// option -> expected cost, meets
		want   map[string]float64
		meets  map[string]bool
		chosen string
	}{
		// fibre: MST 5 ×2 = 10 m distribution + 50×2 = 100 m feeder; 110 m × 10 + 2×100 + 1000 = 2300.
		// fwa: ceil(5e6 / (π·1000²)) = 2 sites × 500 + 2 × 50 = 1100. satellite: 2 × 300 = 600.
		{"100/10 target: satellite cheapest meeting", Target{100, 10}, in,
			map[string]float64{OptionFiber: 2300, OptionFWA: 1100, OptionSatellite: 600},
			map[string]bool{OptionFiber: true, OptionFWA: true, OptionSatellite: true}, OptionSatellite},
		{"250/30 target: fwa", Target{250, 30}, in,
			map[string]float64{OptionFiber: 2300, OptionFWA: 1100, OptionSatellite: 600},
			map[string]bool{OptionFiber: true, OptionFWA: true, OptionSatellite: false}, OptionFWA},
		{"gigabit target: only fibre", Target{1000, 100}, in,
			map[string]float64{OptionFiber: 2300, OptionFWA: 1100, OptionSatellite: 600},
			map[string]bool{OptionFiber: true, OptionFWA: false, OptionSatellite: false}, OptionFiber},
		{"stranded: alternatives only, fwa meets", Target{250, 30},
			AreaInput{Premises: 2, Points: in.Points, DistanceToFiber: 50, AreaM2: 5e6, Stranded: true},
			map[string]float64{OptionFiber: 2300, OptionFWA: 1100, OptionSatellite: 600},
			map[string]bool{OptionFiber: true, OptionFWA: true, OptionSatellite: false}, OptionFWA},
		{"stranded: no alternative meets, cheapest alternative", Target{1000, 100},
			AreaInput{Premises: 2, Points: in.Points, DistanceToFiber: 50, AreaM2: 5e6, Stranded: true},
			map[string]float64{OptionFiber: 2300, OptionFWA: 1100, OptionSatellite: 600},
			map[string]bool{OptionFiber: true, OptionFWA: false, OptionSatellite: false}, OptionSatellite},
		// Unknown feeder: 10 m × 10 + 200 + 1000 = 1300; tiny area: one site, 500 + 100 = 600.
		{"unknown feeder, one site", Target{1000, 100},
			AreaInput{Premises: 2, Points: []Point{{0, 0}, {3, 4}}, DistanceToFiber: -1, AreaM2: 10},
			map[string]float64{OptionFiber: 1300, OptionFWA: 600, OptionSatellite: 600},
			map[string]bool{OptionFiber: true, OptionFWA: false, OptionSatellite: false}, OptionFiber},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := CostArea(tc.in, p, tc.target)
			if len(opts) != 3 {
				t.Fatalf("got %d options, want 3", len(opts))
			}
			nChosen := 0
			for _, o := range opts {
				if math.Abs(o.Expected-tc.want[o.Option]) > 1e-6 {
					t.Errorf("%s expected = %v, want %v", o.Option, o.Expected, tc.want[o.Option])
				}
				if math.Abs(o.Low-o.Expected*0.9) > 1e-6 || math.Abs(o.High-o.Expected*1.2) > 1e-6 {
					t.Errorf("%s low/high = %v/%v for expected %v", o.Option, o.Low, o.High, o.Expected)
				}
				if o.MeetsTarget != tc.meets[o.Option] {
					t.Errorf("%s meets = %v, want %v", o.Option, o.MeetsTarget, tc.meets[o.Option])
				}
				if o.Subsidy != RequestedSubsidy(o.Expected, tc.in.Premises, p) {
					t.Errorf("%s subsidy = %v, want RequestedSubsidy", o.Option, o.Subsidy)
				}
				if o.Chosen {
					nChosen++
					if o.Option != tc.chosen {
						t.Errorf("chosen %s, want %s", o.Option, tc.chosen)
					}
				}
			}
			if nChosen != 1 {
				t.Errorf("%d options chosen, want 1", nChosen)
			}
		})
	}
}

func TestRequestedSubsidy(t *testing.T) {
	p := testCostParams()
	tests := []struct {
		name     string
		cost     float64
		premises int
		co, aid  float64
		want     float64
	}{
		// 2300 − 100×0.5×2 − 0.1×2300 = 1970, above 0.7×2300 = 1610.
		{"bounded by aid intensity", 2300, 2, 0.1, 0.7, 1610},
		// 2300 − 100 − 230 = 1970, below 0.9×2300 = 2070.
		{"fees and co-funding", 2300, 2, 0.1, 0.9, 1970},
		// 2300 − 100 = 2200 with no co-funding, at most 2300.
		{"fees only", 2300, 2, 0, 1, 2200},
		// 100 − 100×0.5×10 < 0.
		{"never negative", 100, 10, 0, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := p
			q.CoFundingShare, q.AidIntensity = tc.co, tc.aid
			if got := RequestedSubsidy(tc.cost, tc.premises, q); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("RequestedSubsidy = %v, want %v", got, tc.want)
			}
		})
	}
}
