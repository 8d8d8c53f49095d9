package funding

import (
	"math"
	"sort"
	"time"
)

// The core of a knapsack is solved exactly by dynamic programming over
// Pareto-optimal (cost, benefit) states (Nemhauser and Ullmann), with states
// that cannot beat the incumbent dropped by an LP bound, as in Pisinger's
// minknap. Unlike a dynamic programme over budget units it is exact for
// amounts in SEK. Municipalities with a reserve or a cap are solved first as
// groups: each group's frontier, with its cost as the budget it really uses
// (max(spent, reserve)), is one multiple-choice item.

// dpNode records how a state was built: from parent by adding item, or by
// joining parent with the group state other.
type dpNode struct{ parent, other, item int32 }

// dpState is a Pareto-optimal partial solution.
type dpState struct {
	w, v float64
	node int32
}

// paretoDP holds the node arena shared by all states.
type paretoDP struct {
	nodes    []dpNode
	limit    int
	deadline time.Time
	failed   bool // out of time or memory: the caller falls back
	eps      float64
}

// newNode adds a node to the arena, or fails the programme when it is full.
func (d *paretoDP) newNode(parent, other, item int32) int32 {
	if len(d.nodes) >= d.limit {
		d.failed = true
		return -1
	}
	d.nodes = append(d.nodes, dpNode{parent, other, item})
	return int32(len(d.nodes) - 1)
}

// addItem merges states with states plus item (w, v), keeping the states
// within capacity whose benefit is strictly above that of every lighter state.
func (d *paretoDP) addItem(states []dpState, w, v float64, item int32, capacity float64, out []dpState) []dpState {
	out = out[:0]
	best := math.Inf(-1)
	i, j := 0, 0
	n := len(states)
	for i < n || j < n {
		takeB := false
		if j < n && states[j].w+w <= capacity {
			if i >= n {
				takeB = true
			} else {
				bw, bv := states[j].w+w, states[j].v+v
				aw, av := states[i].w, states[i].v
				takeB = bw < aw || (bw == aw && bv > av)
			}
		} else if i >= n {
			break
		}
		if takeB {
			s := states[j]
			j++
			if s.v+v > best {
				node := d.newNode(s.node, -1, item)
				out = append(out, dpState{s.w + w, s.v + v, node})
				best = s.v + v
			}
		} else {
			s := states[i]
			i++
			if s.v > best {
				out = append(out, s)
				best = s.v
			}
		}
	}
	return out
}

// frontier is the Pareto frontier of items (indices into all) within capacity.
func (d *paretoDP) frontier(all []kItem, idx []int, capacity float64, root int32) []dpState {
	states := []dpState{{0, 0, root}}
	var buf []dpState
	for _, k := range idx {
		buf = d.addItem(states, all[k].w, all[k].v, int32(k), capacity, buf)
		states, buf = buf, states
		if d.failed || time.Now().After(d.deadline) {
			d.failed = true
			return nil
		}
	}
	return states
}

// lpCurve is the LP bound of a set of items as a function of the shared
// budget left: base is what the municipalities' reserves hold for free, and
// the paid pieces (by ratio, within the caps) fill the rest.
type lpCurve struct {
	base   float64
	pw, pv []float64 // prefix sums of the paid pieces
	ratio  []float64
}

// newLPCurve builds the curve of core[idx] (idx ascending, so by ratio) given st.
func newLPCurve(core []kItem, idx []int, st *budgetState) lpCurve {
	resid := make([]float64, len(st.spent))
	capLeft := make([]float64, len(st.spent))
	for m := range st.spent {
		resid[m] = math.Max(0, st.reserve[m]-st.spent[m])
		capLeft[m] = st.cap[m] - st.spent[m]
	}
	c := lpCurve{pw: []float64{0}, pv: []float64{0}}
	for _, k := range idx {
		it := core[k]
		t := math.Min(it.w, capLeft[it.m])
		if t <= 0 {
			continue
		}
		free := math.Min(t, resid[it.m])
		c.base += it.v * free / it.w
		resid[it.m] -= free
		capLeft[it.m] -= t
		if paid := t - free; paid > 0 {
			n := len(c.pw)
			c.pw = append(c.pw, c.pw[n-1]+paid)
			c.pv = append(c.pv, c.pv[n-1]+it.v*paid/it.w)
			c.ratio = append(c.ratio, it.v/it.w)
		}
	}
	return c
}

// at is the bound with budget r left.
func (c lpCurve) at(r float64) float64 {
	if r <= 0 {
		return c.base
	}
	j := sort.SearchFloat64s(c.pw, r) // first prefix ≥ r
	if j >= len(c.pw) {
		return c.base + c.pv[len(c.pv)-1]
	}
	return c.base + c.pv[j-1] + (r-c.pw[j-1])*c.ratio[j-1]
}

// join combines the states with a group's options within capacity, keeping
// the Pareto-optimal results that can still beat the incumbent: incl bounds
// what the group and everything after it can add, after what comes after it.
// The pairs are merged in cost order with a heap, one stream per state.
func (d *paretoDP) join(states, opts []dpState, capacity float64, incl, after lpCurve, incumbent float64) []dpState {
	limit := incumbent + d.eps
	type head struct {
		w, v float64
		s, o int32
	}
	var h []head
	less := func(a, b head) bool { return a.w < b.w || (a.w == b.w && a.v > b.v) }
	push := func(x head) {
		h = append(h, x)
		for i := len(h) - 1; i > 0; {
			p := (i - 1) / 2
			if !less(h[i], h[p]) {
				break
			}
			h[i], h[p] = h[p], h[i]
			i = p
		}
	}
	pop := func() head {
		top := h[0]
		n := len(h) - 1
		h[0] = h[n]
		h = h[:n]
		for i := 0; ; {
			l, r, m := 2*i+1, 2*i+2, i
			if l < n && less(h[l], h[m]) {
				m = l
			}
			if r < n && less(h[r], h[m]) {
				m = r
			}
			if m == i {
				break
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
		return top
	}
	// A stream from option o on is dead when even the most valuable option at
	// o's (lowest) cost cannot beat the incumbent.
	maxV := opts[len(opts)-1].v
	next := func(si, o int32) {
		s := states[si]
		if w := s.w + opts[o].w; w <= capacity && s.v+maxV+after.at(capacity-w) > limit {
			push(head{w, s.v + opts[o].v, si, o})
		}
	}
	for si, s := range states {
		if s.v+incl.at(capacity-s.w) > limit {
			next(int32(si), 0)
		}
	}
	out := make([]dpState, 0, len(states))
	best := math.Inf(-1)
	pops := 0
	for len(h) > 0 {
		c := pop()
		if pops++; pops&4095 == 0 && time.Now().After(d.deadline) {
			d.failed = true
			return nil
		}
		if c.v > best && c.v+after.at(capacity-c.w) > limit {
			out = append(out, dpState{c.w, c.v, d.newNode(states[c.s].node, opts[c.o].node, -1)})
			best = c.v
			if d.failed {
				return nil
			}
		}
		if o := c.o + 1; int(o) < len(opts) {
			next(c.s, o)
		}
	}
	return out
}

// items returns the items of the state built at node.
func (d *paretoDP) items(node int32) []int {
	var out []int
	stack := []int32{node}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n < 0 {
			continue
		}
		nd := d.nodes[n]
		if nd.item >= 0 {
			out = append(out, int(nd.item))
		}
		stack = append(stack, nd.parent, nd.other)
	}
	return out
}

// solveCoreDP finds the best subset of core (by value/weight descending)
// given the state st after the fixed items, if it beats incumbent (the
// incumbent's value on the core). It returns the chosen core indices and
// their value, ok=false when it ran out of time or memory, found=false
// when nothing beats the incumbent, and the number of states built.
func solveCoreDP(core []kItem, st *budgetState, incumbent float64, deadline time.Time, eps float64) (sel []int, value float64, found, ok bool, states int) {
	d := &paretoDP{limit: 2_000_000, deadline: deadline, eps: eps}
	sel, value, found, ok = d.solve(core, st, incumbent)
	return sel, value, found, ok, len(d.nodes)
}

// solve is solveCoreDP with the programme's arena and limits in d.
func (d *paretoDP) solve(core []kItem, st *budgetState, incumbent float64) (sel []int, value float64, found, ok bool) {
	deadline, eps := d.deadline, d.eps
	root := d.newNode(-1, -1, -1)
	// The same tolerance as budgetState.fits, so both agree on what fits.
	g := st.budget - st.used + st.tol
	if g < 0 {
		g = 0
	}
	// Municipalities with a reserve or a cap left are groups.
	groups := map[int][]int{}
	var free []int
	for k, it := range core {
		if st.reserve[it.m] > st.spent[it.m] || !math.IsInf(st.cap[it.m], 1) {
			groups[it.m] = append(groups[it.m], k)
		} else {
			free = append(free, k)
		}
	}
	states := []dpState{{0, 0, root}}
	ms := make([]int, 0, len(groups))
	for m := range groups {
		ms = append(ms, m)
	}
	sort.Ints(ms)
	// curves[i] bounds groups ms[i:] and the free items.
	curves := make([]lpCurve, len(ms)+1)
	rest := append([]int(nil), free...)
	curves[len(ms)] = newLPCurve(core, rest, st)
	for i := len(ms) - 1; i >= 0; i-- {
		rest = append(rest, groups[ms[i]]...)
		sort.Ints(rest)
		curves[i] = newLPCurve(core, rest, st)
	}
	for i, m := range ms {
		capM := math.Min(st.cap[m]-st.spent[m]+st.tol, g+math.Max(0, st.reserve[m]-st.spent[m]))
		f := d.frontier(core, groups[m], capM, root)
		if d.failed {
			return nil, 0, false, false
		}
		// Cost is the budget the group really uses: spending inside the reserve is already counted.
		base := math.Max(st.spent[m], st.reserve[m])
		opts := make([]dpState, 0, len(f))
		for _, s := range f {
			c := math.Max(st.spent[m]+s.w, st.reserve[m]) - base
			if n := len(opts); n > 0 && opts[n-1].w == c {
				if s.v > opts[n-1].v {
					opts[n-1] = dpState{c, s.v, s.node}
				}
				continue
			}
			opts = append(opts, dpState{c, s.v, s.node})
		}
		states = d.join(states, opts, g, curves[i], curves[i+1], incumbent)
		if d.failed {
			return nil, 0, false, false
		}
	}
	// Free items in ratio order, with a Dantzig bound over the ones still to come.
	pw := make([]float64, len(free)+1)
	pv := make([]float64, len(free)+1)
	for i, k := range free {
		pw[i+1] = pw[i] + core[k].w
		pv[i+1] = pv[i] + core[k].v
	}
	ub := func(from int, r float64) float64 {
		// Items free[from:] fill r greedily; the first that does not fit goes in fractionally.
		j := sort.Search(len(free)-from, func(x int) bool { return pw[from+x+1]-pw[from] > r }) + from
		val := pv[j] - pv[from]
		if j < len(free) {
			val += (r - (pw[j] - pw[from])) * core[free[j]].v / core[free[j]].w
		}
		return val
	}
	best := incumbent
	for _, s := range states {
		best = math.Max(best, s.v)
	}
	var buf []dpState
	for i, k := range free {
		buf = d.addItem(states, core[k].w, core[k].v, int32(k), g, buf)
		states, buf = buf, states
		if d.failed || time.Now().After(deadline) {
			return nil, 0, false, false
		}
		kept := states[:0]
		for _, s := range states {
			best = math.Max(best, s.v)
			if s.v+ub(i+1, g-s.w) > best+eps || s.v >= best {
				kept = append(kept, s)
			}
		}
		states = kept
	}
	top := -1
	for i, s := range states {
		if top < 0 || s.v > states[top].v {
			top = i
		}
	}
	if top < 0 || states[top].v <= incumbent+eps {
		return nil, 0, false, true
	}
	return d.items(states[top].node), states[top].v, true, true
}
