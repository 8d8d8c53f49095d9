package funding

import (
	"fmt"
	"math/rand"
	"testing"
)

// benchAreas makes n costed areas over the 15 municipalities of Västerbotten
// with varied sizes, subsidies per premise and criteria.
func benchAreas(n int, seed int64) ([]Area, float64) {
	rng := rand.New(rand.NewSource(seed))
	codes := []string{"2401", "2403", "2404", "2409", "2417", "2418", "2421", "2422", "2425", "2460",
		"2462", "2463", "2480", "2481", "2482"}
	areas := make([]Area, n)
	total := 0.0
	for i := range areas {
		p := 5 + rng.Intn(120)
		perPremise := 20000 + rng.Float64()*180000
		s := float64(p) * perPremise
		total += s
		areas[i] = Area{ID: int64(i + 1), Kommun: codes[rng.Intn(len(codes))], Premises: p,
			Households: p - rng.Intn(p/2+1), Workplaces: rng.Intn(p/4 + 1), Anchors: rng.Intn(3),
			DoubleGaps: rng.Intn(p + 1), PriorityPremises: rng.Intn(p/5 + 1), Buildings: p - rng.Intn(p/10+1),
			DistanceToFiber: rng.Float64() * 20000,
			Options:         []Option{{Option: OptionFiber, Expected: s / 0.7, Subsidy: s, MeetsTarget: true, Chosen: true}}}
	}
	return areas, total
}

func BenchmarkMSTLength(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		rng := rand.New(rand.NewSource(1))
		pts := make([]Point, n)
		for i := range pts {
			pts[i] = Point{X: rng.Float64() * 5000, Y: rng.Float64() * 5000}
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				MSTLength(pts)
			}
		})
	}
}

func BenchmarkGreedy100k(b *testing.B) {
	areas, total := benchAreas(100000, 1)
	for _, strategy := range []string{StrategyPTS, StrategyScore} {
		req := ScenarioRequest{RunID: 1, Budget: 0.2 * total, Strategy: strategy,
			MinShare: map[string]float64{"2480": 0.05}, MaxShare: map[string]float64{"2401": 0.3}}
		b.Run(strategy, func(b *testing.B) {
			for b.Loop() {
				Run(req, areas)
			}
		})
	}
}

func BenchmarkOptimal10k(b *testing.B) {
	areas, total := benchAreas(10000, 1)
	allMin := map[string]float64{}
	for _, a := range areas {
		allMin[a.Kommun] = 0.04
	}
	for _, tc := range []struct {
		name     string
		min, max map[string]float64
	}{
		{"one reserve one cap", map[string]float64{"2480": 0.05}, map[string]float64{"2401": 0.3}},
		{"reserves everywhere", allMin, nil},
	} {
		req := ScenarioRequest{RunID: 1, Budget: 0.2 * total, Strategy: StrategyOptimal, MinShare: tc.min, MaxShare: tc.max}
		b.Run(tc.name, func(b *testing.B) {
			var last Result
			for b.Loop() {
				last = Run(req, areas)
			}
			o := last.Summary.Optimal
			b.ReportMetric(float64(o.Core), "core")
			b.ReportMetric(float64(o.States), "states")
			b.ReportMetric(o.Difference, "gain")
			if !o.Proven {
				b.Errorf("not proven optimal: %s", o.Note)
			}
		})
	}
}
