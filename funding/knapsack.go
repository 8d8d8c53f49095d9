package funding

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// budgetState tracks spending against the budget and the municipality shares.
// A minimum share is a reserve: budget held for the municipality that others
// cannot use, so the budget constraint reads Σ_m max(spent_m, reserve_m) ≤
// budget; a maximum share caps spent_m. Both greedy and optimal selection
// obey exactly these constraints.
type budgetState struct {
	budget  float64
	tol     float64
	reserve []float64
	cap     []float64
	spent   []float64
	used    float64 // Σ_m max(spent_m, reserve_m)
	total   float64 // Σ_m spent_m
}

// newBudgetState sets up the constraints of req over municipalities names.
// A reserve is at most the cap and at most what the municipality's eligible
// areas could use, so that unusable reserves do not idle the budget.
func newBudgetState(req ScenarioRequest, names []string, ws []*work) *budgetState {
	n := len(names)
	st := &budgetState{budget: req.Budget, tol: 1e-9 * req.Budget,
		reserve: make([]float64, n), cap: make([]float64, n), spent: make([]float64, n)}
	demand := make([]float64, n)
	for _, w := range ws {
		if w.excluded == "" {
			demand[w.m] += w.subsidy
		}
	}
	for i, c := range names {
		st.cap[i] = math.Inf(1)
		if v, ok := req.MaxShare[c]; ok {
			st.cap[i] = v * req.Budget
		}
		st.reserve[i] = math.Min(req.MinShare[c]*req.Budget, math.Min(st.cap[i], demand[i]))
		st.used += st.reserve[i]
	}
	return st
}

// clone returns an independent copy of s.
func (s *budgetState) clone() *budgetState {
	c := *s
	c.spent = append([]float64(nil), s.spent...)
	return &c
}

// fits reports whether amount w can go to municipality m, and if not, the rule that stops it.
func (s *budgetState) fits(m int, w float64) (bool, string) {
	if s.spent[m]+w > s.cap[m]+s.tol {
		return false, RuleCapReached
	}
	used := s.used - math.Max(s.spent[m], s.reserve[m]) + math.Max(s.spent[m]+w, s.reserve[m])
	if used > s.budget+s.tol {
		if s.total+w <= s.budget+s.tol {
			return false, RuleReserved
		}
		return false, RuleBudgetExhausted
	}
	return true, ""
}

// add spends w (which may be negative, to undo) in municipality m.
func (s *budgetState) add(m int, w float64) {
	old := s.spent[m]
	s.spent[m] += w
	s.total += w
	s.used += math.Max(s.spent[m], s.reserve[m]) - math.Max(old, s.reserve[m])
}

// kItem is an area in the knapsack: its municipality, weight (subsidy) and value (benefit).
type kItem struct {
	pos  int // position in the rank order
	m    int
	w, v float64
}

// ksolver is an exact branch and bound for the 0/1 knapsack with reserves
// and caps per municipality. Its bound is the LP relaxation, which the ratio
// order solves greedily because the constraints form a polymatroid.
type ksolver struct {
	items          []kItem // by value/weight descending
	capRes, resRes []float64
	nodes          int64
	deadline       time.Time
	timedOut       bool
	best           float64
	bestSel        []bool
	cur            []bool
	eps            float64
	byM            [][]int // item positions per municipality
}

// setItems makes items the solver's items and indexes them by municipality.
func (k *ksolver) setItems(items []kItem, municipalities int) {
	k.items = items
	k.byM = make([][]int, municipalities)
	for i, it := range items {
		k.byM[it.m] = append(k.byM[it.m], i)
	}
}

// lpBound is the LP relaxation's value over items[from:] (except skip)
// given st. With frac non-nil it records each item's fractional level.
func (k *ksolver) lpBound(st *budgetState, from, skip int, frac []float64) float64 {
	g := st.budget - st.used
	totRes := 0.0
	for m := range st.spent {
		k.capRes[m] = st.cap[m] - st.spent[m]
		k.resRes[m] = math.Max(0, st.reserve[m]-st.spent[m])
		totRes += k.resRes[m]
	}
	val := 0.0
	// take puts as much of item i in as the constraints allow.
	take := func(i int) {
		it := &k.items[i]
		room := k.resRes[it.m]
		if g > 0 {
			room += g
		}
		if c := k.capRes[it.m]; c < room {
			room = c
		}
		t := it.w
		if room < t {
			t = room
		}
		if t <= 0 {
			return
		}
		val += it.v * t / it.w
		if frac != nil {
			frac[i] = t / it.w
		}
		k.capRes[it.m] -= t
		r := k.resRes[it.m]
		if t < r {
			r = t
		}
		k.resRes[it.m] -= r
		totRes -= r
		g -= t - r
	}
	i := from
	for ; i < len(k.items) && g > 0; i++ {
		if i != skip {
			take(i)
		}
	}
	// The shared budget is spent: only the reserves left can still take items,
	// so walk just their municipalities' items.
	for m, r := range k.resRes {
		if r <= 0 || totRes <= 0 {
			continue
		}
		list := k.byM[m]
		for _, j := range list[sort.SearchInts(list, i):] {
			if k.resRes[m] <= 0 {
				break
			}
			if j != skip {
				take(j)
			}
		}
	}
	return val
}

// dfs explores include-first from item i with the current value.
func (k *ksolver) dfs(st *budgetState, i int, value float64) {
	k.nodes++
	if k.nodes&1023 == 0 && time.Now().After(k.deadline) {
		k.timedOut = true
	}
	if k.timedOut {
		return
	}
	if value > k.best+k.eps {
		k.best = value
		copy(k.bestSel, k.cur)
	}
	if i == len(k.items) || value+k.lpBound(st, i, -1, nil) <= k.best+k.eps {
		return
	}
	it := k.items[i]
	if ok, _ := st.fits(it.m, it.w); ok {
		st.add(it.m, it.w)
		k.cur[i] = true
		k.dfs(st, i+1, value+it.v)
		k.cur[i] = false
		st.add(it.m, -it.w)
	}
	k.dfs(st, i+1, value)
}

// optimalSelect chooses the areas of order that maximise the total score
// within st's constraints. greedy is the greedy selection in rank order,
// reported beside the optimum and used as the first incumbent.
func optimalSelect(order []*work, st *budgetState, greedy []bool, limit time.Duration) (*OptimalSummary, []bool) {
	start := time.Now()
	greedyVal := 0.0
	for i, w := range order {
		if greedy[i] {
			greedyVal += w.score
		}
	}
	sel := make([]bool, len(order))
	var items []kItem
	base := 0.0
	for i, w := range order {
		if w.excluded != "" {
			continue
		}
		if w.subsidy <= 0 {
			// Free areas are always worth taking and constrain nothing.
			sel[i] = true
			base += w.score
			continue
		}
		items = append(items, kItem{pos: i, m: w.m, w: w.subsidy, v: w.score})
	}
	slices.SortFunc(items, func(a, b kItem) int {
		if c := cmp.Compare(b.v/b.w, a.v/a.w); c != 0 {
			return c
		}
		return cmp.Compare(a.pos, b.pos)
	})

	// Incumbent: the better of the rank-order greedy and the ratio-order greedy.
	inc := make([]bool, len(items))
	incVal := 0.0
	for j, it := range items {
		if greedy[it.pos] {
			inc[j] = true
			incVal += it.v
		}
	}
	{
		rs := st.clone()
		rsel := make([]bool, len(items))
		rval := 0.0
		for j, it := range items {
			if ok, _ := rs.fits(it.m, it.w); ok {
				rs.add(it.m, it.w)
				rsel[j] = true
				rval += it.v
			}
		}
		if rval > incVal {
			inc, incVal = rsel, rval
		}
	}

	k := &ksolver{capRes: make([]float64, len(st.spent)), resRes: make([]float64, len(st.spent)),
		deadline: start.Add(limit)}
	k.setItems(items, len(st.spent))
	k.eps = 1e-9 * math.Max(1, incVal)
	frac := make([]float64, len(items))
	rootBound := k.lpBound(st, 0, -1, frac)

	// Reduction: an item whose opposite decision cannot beat the incumbent is fixed.
	fixed := make([]int8, len(items)) // 0 free, 1 in, -1 out
	for j, it := range items {
		if j&255 == 255 && time.Now().After(k.deadline) {
			// Out of time: leave the rest free; the search below stops at once.
			k.timedOut = true
			break
		}
		switch {
		case frac[j] >= 1:
			if k.lpBound(st, 0, j, nil) <= incVal+k.eps {
				fixed[j] = 1
			}
		case frac[j] <= 0:
			if ok, _ := st.fits(it.m, it.w); !ok {
				fixed[j] = -1
				continue
			}
			st.add(it.m, it.w)
			if it.v+k.lpBound(st, 0, j, nil) <= incVal+k.eps {
				fixed[j] = -1
			}
			st.add(it.m, -it.w)
		}
	}
	var core []kItem
	var coreJ []int
	fixedVal := 0.0
	feasible := true
	cs := st.clone()
	for j, it := range items {
		switch fixed[j] {
		case 1:
			if ok, _ := cs.fits(it.m, it.w); !ok {
				feasible = false
			}
			cs.add(it.m, it.w)
			fixedVal += it.v
		case 0:
			core = append(core, it)
			coreJ = append(coreJ, j)
		}
	}
	k.best = incVal
	dpStates := 0
	if feasible {
		// Only solutions better than the incumbent satisfy the fixings.
		k.setItems(core, len(st.spent))
		k.cur = make([]bool, len(core))
		k.bestSel = make([]bool, len(core))
		k.best = incVal - fixedVal
		before := k.best
		dpSel, dpVal, found, ok, states := solveCoreDP(core, cs, before, k.deadline, k.eps)
		dpStates = states
		switch {
		case ok && found:
			k.best = dpVal
			for _, c := range dpSel {
				k.bestSel[c] = true
			}
		case !ok:
			// The programme ran out of time or memory: branch and bound for what is left.
			k.dfs(cs, 0, 0)
		}
		if k.best > before+k.eps {
			for j := range inc {
				inc[j] = fixed[j] == 1
			}
			for c, j := range coreJ {
				if k.bestSel[c] {
					inc[j] = true
				}
			}
			incVal = k.best + fixedVal
		}
	}
	for j, it := range items {
		if inc[j] {
			sel[it.pos] = true
		}
	}
	total := base + incVal
	diff := total - greedyVal
	if math.Abs(diff) <= 1e-9*math.Max(1, greedyVal) {
		// The same set summed in another order.
		total, diff = greedyVal, 0
	}
	sum := &OptimalSummary{Benefit: total, GreedyBenefit: greedyVal, Difference: diff,
		Proven: !k.timedOut, Bound: total, Nodes: k.nodes, States: dpStates, Core: len(core)}
	if k.timedOut {
		sum.Bound = math.Max(total, base+rootBound)
		sum.Note = fmt.Sprintf("time limit of %s reached: best solution found, optimum at most %.6g", limit, sum.Bound)
	} else {
		sum.Note = "proven optimal"
	}
	return sum, sel
}
