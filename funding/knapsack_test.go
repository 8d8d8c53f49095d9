package funding

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"testing"
	"time"
)

// onlyPremises weighs the premises criterion alone, so the score is premises / max premises.
func onlyPremises() map[string]float64 {
	w := map[string]float64{}
	for _, c := range CriterionNames() {
		w[c] = 0
	}
	w[CritPremises] = 1
	return w
}

func TestOptimalBeatsGreedy(t *testing.T) {
	// Scores 1, 5/7, 5/7 for subsidies 6, 5, 5 and a budget of 10: greedy takes
	// area 1 (1.0) and nothing else fits; the optimum is areas 2 and 3 (10/7).
	areas := []Area{area(1, "2401", 7, 6), area(2, "2401", 5, 5), area(3, "2401", 5, 5)}
	greedy := Run(ScenarioRequest{RunID: 1, Budget: 10, Strategy: StrategyScore, Weights: onlyPremises()}, areas)
	opt := Run(ScenarioRequest{RunID: 1, Budget: 10, Strategy: StrategyOptimal, Weights: onlyPremises()}, areas)
	if greedy.Summary.Selected != 1 || !greedy.Areas[0].Selected || greedy.Areas[0].AreaID != 1 {
		t.Errorf("greedy selected %d areas, first %d", greedy.Summary.Selected, greedy.Areas[0].AreaID)
	}
	o := opt.Summary.Optimal
	if o == nil || !o.Proven {
		t.Fatalf("optimal summary %+v", o)
	}
	if math.Abs(o.Benefit-10.0/7) > 1e-9 || math.Abs(o.GreedyBenefit-1) > 1e-9 || math.Abs(o.Difference-3.0/7) > 1e-9 {
		t.Errorf("benefit %v greedy %v difference %v", o.Benefit, o.GreedyBenefit, o.Difference)
	}
	for _, r := range opt.Areas {
		if r.Selected != (r.AreaID != 1) {
			t.Errorf("area %d selected %v (%s)", r.AreaID, r.Selected, r.Rule)
		}
	}
	if opt.Areas[0].Rule != RuleBudgetExhausted {
		t.Errorf("area 1 rule %q", opt.Areas[0].Rule)
	}
}

// randomInstance builds n items over up to five municipalities with random
// shares, as rank-ordered work items and their budget state.
func randomInstance(rng *rand.Rand, n int) ([]*work, *budgetState) {
	names := []string{"a", "b", "c", "d", "e"}[:1+rng.Intn(5)]
	ws := make([]*work, n)
	total := 0.0
	for i := range ws {
		w := &work{a: Area{ID: int64(i + 1)}, m: rng.Intn(len(names))}
		w.subsidy = float64(1 + rng.Intn(100))
		if rng.Intn(4) == 0 {
			// Correlated values make greedy and bounds work harder.
			w.score = w.subsidy + 10
		} else {
			w.score = float64(rng.Intn(100))
		}
		total += w.subsidy
		ws[i] = w
	}
	req := ScenarioRequest{Budget: total * (0.2 + 0.6*rng.Float64()), MinShare: map[string]float64{}, MaxShare: map[string]float64{}}
	left := 1.0
	for _, c := range names {
		if rng.Intn(2) == 0 {
			v := left * rng.Float64() * 0.6
			req.MinShare[c] = v
			left -= v
		}
		if rng.Intn(2) == 0 {
			req.MaxShare[c] = req.MinShare[c] + (1-req.MinShare[c])*rng.Float64()
		}
	}
	return ws, newBudgetState(req, names, ws)
}

// bruteForce is the best total score over all subsets that fit st.
func bruteForce(ws []*work, st *budgetState) float64 {
	best := 0.0
	for mask := 0; mask < 1<<len(ws); mask++ {
		s := st.clone()
		v := 0.0
		ok := true
		for i, w := range ws {
			if mask&(1<<i) == 0 {
				continue
			}
			if fit, _ := s.fits(w.m, w.subsidy); !fit {
				ok = false
				break
			}
			s.add(w.m, w.subsidy)
			v += w.score
		}
		if ok && v > best {
			best = v
		}
	}
	return best
}

func TestOptimalMatchesBruteForce(t *testing.T) {
	beaten := 0
	for seed := int64(1); seed <= 300; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			ws, st := randomInstance(rng, 1+rng.Intn(12))
			want := bruteForce(ws, st)
			greedy, _ := greedySelect(ws, st.clone())
			sum, sel := optimalSelect(ws, st.clone(), greedy, time.Minute)
			got := 0.0
			check := st.clone()
			for i, w := range ws {
				if sel[i] {
					if ok, why := check.fits(w.m, w.subsidy); !ok {
						t.Fatalf("selection infeasible at item %d: %s", i, why)
					}
					check.add(w.m, w.subsidy)
					got += w.score
				}
			}
			if math.Abs(got-want) > 1e-6 || math.Abs(sum.Benefit-want) > 1e-6 || !sum.Proven {
				t.Errorf("optimal %v (reported %v, proven %v), brute force %v", got, sum.Benefit, sum.Proven, want)
			}
			if sum.GreedyBenefit > want+1e-6 {
				t.Errorf("greedy %v above the optimum %v", sum.GreedyBenefit, want)
			}
			if sum.GreedyBenefit < want-1e-6 {
				beaten++
			}
		})
	}
	if beaten == 0 {
		t.Errorf("greedy was optimal on every instance: the test instances are too easy")
	}
}

func TestOptimalTimeLimit(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	ws, st := randomInstance(rng, 40)
	greedy, _ := greedySelect(ws, st.clone())
	sum, _ := optimalSelect(ws, st.clone(), greedy, 0)
	if sum.Proven && sum.Nodes > 1024 {
		t.Errorf("a zero time limit explored %d nodes and claims a proof", sum.Nodes)
	}
	if sum.Bound < sum.Benefit-1e-9 || sum.Benefit < sum.GreedyBenefit-1e-9 {
		t.Errorf("bound %v, benefit %v, greedy %v", sum.Bound, sum.Benefit, sum.GreedyBenefit)
	}
	if !sum.Proven && sum.Note == "" {
		t.Errorf("an unproven result must say so")
	}
}

// ratioItems are the knapsack items of ws by value/weight descending.
func ratioItems(ws []*work) []kItem {
	items := make([]kItem, len(ws))
	for i, w := range ws {
		items[i] = kItem{pos: i, m: w.m, w: w.subsidy, v: w.score}
	}
	sort.SliceStable(items, func(a, b int) bool { return items[a].v/items[a].w > items[b].v/items[b].w })
	return items
}

// TestExactSolversMatchBruteForce checks the two exact core solvers on their
// own, without the reduction in front of them.
func TestExactSolversMatchBruteForce(t *testing.T) {
	for seed := int64(1); seed <= 300; seed++ {
		rng := rand.New(rand.NewSource(seed))
		ws, st := randomInstance(rng, 1+rng.Intn(12))
		want := bruteForce(ws, st)
		items := ratioItems(ws)
		valueOf := func(sel []int) float64 {
			check := st.clone()
			v := 0.0
			for _, c := range sel {
				if ok, why := check.fits(items[c].m, items[c].w); !ok {
					t.Fatalf("seed %d: infeasible selection: %s", seed, why)
				}
				check.add(items[c].m, items[c].w)
				v += items[c].v
			}
			return v
		}
		t.Run(fmt.Sprint("dp seed ", seed), func(t *testing.T) {
			sel, v, found, ok, _ := solveCoreDP(items, st.clone(), -1, time.Now().Add(time.Minute), 1e-9)
			if !ok || !found || math.Abs(v-want) > 1e-6 || math.Abs(valueOf(sel)-want) > 1e-6 {
				t.Errorf("dynamic programme %v (ok %v found %v, selection worth %v), brute force %v", v, ok, found, valueOf(sel), want)
			}
		})
		t.Run(fmt.Sprint("branch and bound seed ", seed), func(t *testing.T) {
			k := &ksolver{capRes: make([]float64, len(st.spent)), resRes: make([]float64, len(st.spent)),
				deadline: time.Now().Add(time.Minute), best: -1, eps: 1e-9,
				cur: make([]bool, len(items)), bestSel: make([]bool, len(items))}
			k.setItems(items, len(st.spent))
			k.dfs(st.clone(), 0, 0)
			var sel []int
			for c, in := range k.bestSel {
				if in {
					sel = append(sel, c)
				}
			}
			if k.timedOut || math.Abs(k.best-want) > 1e-6 || math.Abs(valueOf(sel)-want) > 1e-6 {
				t.Errorf("branch and bound %v (selection worth %v), brute force %v", k.best, valueOf(sel), want)
			}
		})
	}
}
