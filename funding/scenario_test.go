package funding

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand"
	"strings"
	"testing"
)

// area makes a costed area with one fibre option of the given subsidy.
func area(id int64, kommun string, premises int, subsidy float64) Area {
	return Area{ID: id, Kommun: kommun, Premises: premises, Households: premises, Buildings: premises,
		DistanceToFiber: 100, Options: []Option{{Option: OptionFiber, Expected: subsidy / 0.7, Subsidy: subsidy,
			MeetsTarget: true, Chosen: true}}}
}

func TestValidate(t *testing.T) {
	known := []string{"2401", "2403", "2480"}
	good := ScenarioRequest{RunID: 1, Budget: 1e6, Strategy: StrategyScore}
	tests := []struct {
		name  string
		edit  func(*ScenarioRequest)
		param string // "" = valid
	}{
		{"valid", func(*ScenarioRequest) {}, ""},
		{"valid shares", func(r *ScenarioRequest) {
			r.MinShare = map[string]float64{"2401": 0.3, "2403": 0.7}
			r.MaxShare = map[string]float64{"2401": 0.5}
		}, ""},
		{"zero budget", func(r *ScenarioRequest) { r.Budget = 0 }, "budget"},
		{"negative budget", func(r *ScenarioRequest) { r.Budget = -5 }, "budget"},
		{"NaN budget", func(r *ScenarioRequest) { r.Budget = math.NaN() }, "budget"},
		{"no run", func(r *ScenarioRequest) { r.RunID = 0 }, "run"},
		{"unknown strategy", func(r *ScenarioRequest) { r.Strategy = "best" }, "strategy"},
		{"min shares above 1", func(r *ScenarioRequest) { r.MinShare = map[string]float64{"2401": 0.6, "2403": 0.5} }, "min-share"},
		{"min above max", func(r *ScenarioRequest) {
			r.MinShare = map[string]float64{"2401": 0.4}
			r.MaxShare = map[string]float64{"2401": 0.3}
		}, "min-share"},
		{"unknown code in min", func(r *ScenarioRequest) { r.MinShare = map[string]float64{"9999": 0.1} }, "min-share"},
		{"unknown code in max", func(r *ScenarioRequest) { r.MaxShare = map[string]float64{"0180": 0.1} }, "max-share"},
		{"share above 1", func(r *ScenarioRequest) { r.MaxShare = map[string]float64{"2401": 1.5} }, "max-share"},
		{"unknown weight", func(r *ScenarioRequest) { r.Weights = map[string]float64{"beauty": 1} }, "weights"},
		{"negative weight", func(r *ScenarioRequest) { r.Weights = map[string]float64{CritPremises: -1} }, "weights"},
		{"negative cap", func(r *ScenarioRequest) { r.MaxPerPremise = -1 }, "max-per-premise"},
		{"negative min premises", func(r *ScenarioRequest) { r.MinPremises = -1 }, "min-premises"},
		{"time limit too long", func(r *ScenarioRequest) { r.TimeLimitSeconds = 3600 }, "time-limit"},
		{"negative time limit", func(r *ScenarioRequest) { r.TimeLimitSeconds = -1 }, "time-limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := good
			tc.edit(&r)
			err := r.Validate(known)
			if tc.param == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var pe *ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("Validate = %v, want a *ParamError", err)
			}
			if pe.Param != tc.param || !strings.HasPrefix(err.Error(), tc.param+": ") {
				t.Errorf("error %q names %q, want %q", err, pe.Param, tc.param)
			}
		})
	}
}

func TestPTSReduction(t *testing.T) {
	tests := []struct {
		priority int
		want     float64
	}{{0, 0}, {1, 0.02}, {10, 0.2}, {24, 0.48}, {25, 0.5}, {40, 0.5}}
	for _, tc := range tests {
		if got := PTSReduction(tc.priority); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("PTSReduction(%d) = %v, want %v", tc.priority, got, tc.want)
		}
	}
}

func TestRunPTS(t *testing.T) {
	// Per building: area 1 = 100, area 2 = 150 but 25 priority buildings halve
	// its ranking amount to 75, area 3 = 120 with 5 priority buildings: 108.
	a1 := area(1, "2401", 10, 1000)
	a2 := area(2, "2401", 10, 1500)
	a2.PriorityPremises = 25
	a3 := area(3, "2401", 10, 1200)
	a3.PriorityPremises = 5
	a4 := area(4, "2401", 10, 900)
	a4.Buildings = 0
	res := Run(ScenarioRequest{RunID: 1, Budget: 2600, Strategy: StrategyPTS}, []Area{a1, a2, a3, a4})
	wantOrder := []int64{2, 1, 3, 4}
	wantAmount := []float64{75, 100, 108}
	wantSel := []bool{true, true, false, false}
	wantRule := []string{RuleSelected, RuleSelected, RuleBudgetExhausted, RuleNoBuildings}
	for i, r := range res.Areas {
		if r.AreaID != wantOrder[i] || r.Rank != i+1 || r.Selected != wantSel[i] || r.Rule != wantRule[i] {
			t.Errorf("rank %d: area %d selected %v rule %q, want area %d %v %q", r.Rank, r.AreaID, r.Selected, r.Rule,
				wantOrder[i], wantSel[i], wantRule[i])
		}
		if i < len(wantAmount) && (r.RankingAmount == nil || math.Abs(*r.RankingAmount-wantAmount[i]) > 1e-9) {
			t.Errorf("area %d ranking amount %v, want %v", r.AreaID, r.RankingAmount, wantAmount[i])
		}
	}
	// The granted amount is not reduced.
	if res.Areas[0].Subsidy != 1500 || res.Summary.Allocated != 2500 || res.Areas[1].RunningBudget != 100 {
		t.Errorf("granted %v, allocated %v, running %v", res.Areas[0].Subsidy, res.Summary.Allocated, res.Areas[1].RunningBudget)
	}
}

func TestRunShares(t *testing.T) {
	// Areas of 2401 score higher (more premises) than those of 2403.
	areas := []Area{area(1, "2401", 50, 100), area(2, "2401", 40, 100), area(3, "2401", 30, 100),
		area(4, "2403", 5, 100), area(5, "2403", 4, 100)}
	w := map[string]float64{CritPremises: 1, CritHouseholds: 0, CritWorkplaces: 0, CritAnchors: 0,
		CritDoubleGaps: 0, CritSubsidyPerPremise: 0, CritDistanceToFiber: 0}
	tests := []struct {
		name     string
		min, max map[string]float64
		selected []int64
		rules    map[int64]string
	}{
		{"no constraints", nil, nil, []int64{1, 2, 3}, map[int64]string{4: RuleBudgetExhausted}},
		{"min share reserves", map[string]float64{"2403": 0.6}, nil, []int64{1, 4, 5},
			map[int64]string{2: RuleReserved, 3: RuleReserved}},
		{"max share caps", nil, map[string]float64{"2401": 0.4}, []int64{1, 4, 5},
			map[int64]string{2: RuleCapReached, 3: RuleCapReached}},
		// The reserve for 2403 is at most its demand (200), so it does not idle budget.
		{"reserve limited to demand", map[string]float64{"2403": 1}, nil, []int64{4, 5, 1},
			map[int64]string{2: RuleReserved}},
	}
	for _, strategy := range []string{StrategyScore, StrategyOptimal} {
		for _, tc := range tests {
			t.Run(strategy+"/"+tc.name, func(t *testing.T) {
				res := Run(ScenarioRequest{RunID: 1, Budget: 300, Strategy: strategy, Weights: w,
					MinShare: tc.min, MaxShare: tc.max}, areas)
				got := map[int64]AreaResult{}
				n := 0
				for _, r := range res.Areas {
					got[r.AreaID] = r
					if r.Selected {
						n++
					}
				}
				for _, id := range tc.selected {
					if !got[id].Selected {
						t.Errorf("area %d not selected (%s)", id, got[id].Rule)
					}
				}
				if n != len(tc.selected) {
					t.Errorf("%d areas selected, want %d", n, len(tc.selected))
				}
				if strategy == StrategyScore {
					for id, rule := range tc.rules {
						if got[id].Rule != rule {
							t.Errorf("area %d rule %q, want %q", id, got[id].Rule, rule)
						}
					}
				}
				for _, m := range res.Summary.Municipalities {
					if mx, ok := tc.max[m.Code]; ok && m.Allocated > mx*300+1e-6 {
						t.Errorf("%s allocated %v above its cap", m.Code, m.Allocated)
					}
				}
			})
		}
	}
}

func TestRunMaxPerPremise(t *testing.T) {
	a := area(1, "2401", 10, 5000)
	a.Options = append(a.Options, Option{Option: OptionFWA, Expected: 3000, Subsidy: 2100},
		Option{Option: OptionSatellite, Expected: 2000, Subsidy: 1400})
	b := area(2, "2401", 10, 5000)
	b.Options = append(b.Options, Option{Option: OptionSatellite, Expected: 9000, Subsidy: 6300})
	c := area(3, "2401", 2, 100)
	res := Run(ScenarioRequest{RunID: 1, Budget: 1e6, Strategy: StrategyScore, MaxPerPremise: 300, MinPremises: 3},
		[]Area{a, b, c})
	got := map[int64]AreaResult{}
	for _, r := range res.Areas {
		got[r.AreaID] = r
	}
	if r := got[1]; r.CostOption != OptionSatellite || r.Subsidy != 1400 || !r.Selected ||
		!strings.HasPrefix(r.Rule, "cost per premise above cap: satellite instead") || r.Explanation.CostedOption != OptionFiber {
		t.Errorf("area 1: %+v", r)
	}
	if r := got[2]; r.Selected || r.Rule != RuleAboveCapNoAlt {
		t.Errorf("area 2: selected %v rule %q", r.Selected, r.Rule)
	}
	if r := got[3]; r.Selected || r.Rule != RuleMinPremises {
		t.Errorf("area 3: selected %v rule %q", r.Selected, r.Rule)
	}
}

func TestRunScoreExplanation(t *testing.T) {
	areas := []Area{area(1, "2401", 10, 1000), area(2, "2401", 20, 1000)}
	res := Run(ScenarioRequest{RunID: 1, Budget: 1e6, Strategy: StrategyScore}, areas)
	w := DefaultWeights()
	for _, r := range res.Areas {
		sum := 0.0
		if len(r.Explanation.Criteria) != len(CriterionNames()) {
			t.Fatalf("area %d has %d criteria", r.AreaID, len(r.Explanation.Criteria))
		}
		for _, c := range r.Explanation.Criteria {
			if c.Weight != w[c.Name] || math.Abs(c.Contribution-c.Weight*c.Normalised) > 1e-12 {
				t.Errorf("area %d %s: %+v", r.AreaID, c.Name, c)
			}
			sum += c.Contribution
		}
		if math.Abs(sum-r.Score) > 1e-9 {
			t.Errorf("area %d score %v, contributions add to %v", r.AreaID, r.Score, sum)
		}
	}
	if res.Areas[0].AreaID != 2 {
		t.Errorf("area 2 (twice the premises, half the subsidy per premise) should rank first, got %d", res.Areas[0].AreaID)
	}
}

func TestRunDeterministic(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	areas := make([]Area, 200)
	for i := range areas {
		// Many equal scores, so ties must be broken by id.
		areas[i] = area(int64(i+1), []string{"2401", "2403", "2480"}[i%3], 5+i%4, float64(1000*(1+i%5)))
	}
	for _, strategy := range []string{StrategyPTS, StrategyScore, StrategyOptimal} {
		req := ScenarioRequest{RunID: 1, Budget: 150000, Strategy: strategy, MinShare: map[string]float64{"2480": 0.2}}
		first, _ := json.Marshal(Run(req, areas))
		for k := 0; k < 3; k++ {
			shuffled := append([]Area(nil), areas...)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			again, _ := json.Marshal(Run(req, shuffled))
			if string(again) != string(first) {
				t.Fatalf("%s: output differs for shuffled input", strategy)
			}
		}
	}
}

func TestRunEmpty(t *testing.T) {
	uncosted := Area{ID: 9, Kommun: "2401", Premises: 3}
	tests := []struct {
		name  string
		areas []Area
	}{
		{"no areas", nil},
		{"only an uncosted area", []Area{uncosted}},
	}
	for _, tc := range tests {
		for _, strategy := range []string{StrategyPTS, StrategyScore, StrategyOptimal} {
			t.Run(tc.name+"/"+strategy, func(t *testing.T) {
				res := Run(ScenarioRequest{RunID: 1, Budget: 1000, Strategy: strategy}, tc.areas)
				if res.Summary.Selected != 0 || res.Summary.Remaining != 1000 || len(res.Areas) != len(tc.areas) {
					t.Errorf("summary %+v", res.Summary)
				}
				for _, r := range res.Areas {
					if r.Selected || r.Rule != RuleNotCosted {
						t.Errorf("area %d: selected %v rule %q", r.AreaID, r.Selected, r.Rule)
					}
				}
				if _, err := json.Marshal(res); err != nil {
					t.Errorf("result does not encode: %v", err)
				}
			})
		}
	}
}
