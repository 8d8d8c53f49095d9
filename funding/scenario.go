package funding

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// Area is a costed candidate area as a scenario sees it.
type Area struct {
	ID               int64
	Kommun           string
	Premises         int
	Households       int
	Workplaces       int
	Anchors          int
	DoubleGaps       int
	PriorityPremises int
	// Buildings counts the area's premises with households or workplaces (the PTS denominator).
	Buildings int
	// DistanceToFiber is the feeder distance in metres; negative when unknown.
	DistanceToFiber float64
	// Options are the area's cost options; none when the area was not costed.
	Options []Option
}

// Criterion is one score criterion of one area: its value, the value
// normalised to 0..1 (1 best), the weight and the weighted contribution.
type Criterion struct {
	Name         string  `json:"name"`
	Value        float64 `json:"value"`
	Normalised   float64 `json:"normalised"`
	Weight       float64 `json:"weight"`
	Contribution float64 `json:"contribution"`
}

// PTSRanking explains the pts ranking amount.
type PTSRanking struct {
	Buildings          int     `json:"buildings"`
	PriorityBuildings  int     `json:"priority_buildings"`
	SubsidyPerBuilding float64 `json:"subsidy_per_building"`
	Reduction          float64 `json:"reduction"`
	RankingAmount      float64 `json:"ranking_amount"`
}

// Explanation says why an area got its rank and whether it was funded.
type Explanation struct {
	Criteria          []Criterion `json:"criteria"`
	Score             float64     `json:"score"`
	PTS               *PTSRanking `json:"pts,omitempty"`
	CostOption        string      `json:"cost_option"`
	CostedOption      string      `json:"costed_option"`
	SubsidyPerPremise float64     `json:"subsidy_per_premise"`
	Rule              string      `json:"rule"`
	RunningBudget     float64     `json:"running_budget"`
}

// AreaResult is one area's row of a scenario (scenario_area).
type AreaResult struct {
	AreaID        int64       `json:"area_id"`
	Kommun        string      `json:"kommun_code"`
	Premises      int         `json:"premises"`
	Rank          int         `json:"rank"`
	Score         float64     `json:"score"`
	RankingAmount *float64    `json:"ranking_amount"`
	Subsidy       float64     `json:"subsidy"`
	CostOption    string      `json:"cost_option"`
	Selected      bool        `json:"selected"`
	Rule          string      `json:"rule"`
	RunningBudget float64     `json:"running_budget"`
	Explanation   Explanation `json:"explanation"`
}

// MunicipalitySummary is one municipality's part of a scenario.
type MunicipalitySummary struct {
	Code      string   `json:"kommun_code"`
	Areas     int      `json:"areas"`
	Selected  int      `json:"selected"`
	Premises  int      `json:"premises"`
	Allocated float64  `json:"allocated"`
	Share     float64  `json:"share"`
	MinShare  *float64 `json:"min_share,omitempty"`
	MaxShare  *float64 `json:"max_share,omitempty"`
	// Reserve is the budget held for the municipality: its minimum share, at
	// most what its eligible areas could use.
	Reserve float64 `json:"reserve"`
}

// OptimalSummary reports the exact search beside the greedy order.
type OptimalSummary struct {
	Benefit       float64 `json:"benefit"`
	GreedyBenefit float64 `json:"greedy_benefit"`
	Difference    float64 `json:"difference"`
	Proven        bool    `json:"proven_optimal"`
	Bound         float64 `json:"bound"`
	Nodes         int64   `json:"nodes"`  // branch-and-bound nodes, when the programme gave up
	States        int     `json:"states"` // dynamic-programming states built
	Core          int     `json:"core"`
	Note          string  `json:"note"`
}

// Summary is a scenario's totals.
type Summary struct {
	Budget            float64               `json:"budget"`
	Allocated         float64               `json:"allocated"`
	Remaining         float64               `json:"remaining"`
	Areas             int                   `json:"areas"`
	Selected          int                   `json:"selected"`
	SelectedPremises  int                   `json:"selected_premises"`
	SelectedHousehold int                   `json:"selected_households"`
	Benefit           float64               `json:"benefit"`
	Municipalities    []MunicipalitySummary `json:"municipalities"`
	Optimal           *OptimalSummary       `json:"optimal,omitempty"`
}

// Result is a computed scenario: its summary and its areas in rank order.
type Result struct {
	Summary Summary      `json:"summary"`
	Areas   []AreaResult `json:"areas"`
}

// Scenario is a stored scenario.
type Scenario struct {
	ID        int64           `json:"id"`
	RunID     int64           `json:"run_id"`
	Name      string          `json:"name"`
	Strategy  string          `json:"strategy"`
	Params    ScenarioRequest `json:"params"`
	Summary   Summary         `json:"summary"`
	CreatedAt time.Time       `json:"created_at"`
	CreatedBy string          `json:"created_by"`
	Areas     []AreaResult    `json:"areas,omitempty"`
}

// Rules that select or exclude an area.
const (
	RuleSelected        = "selected"
	RuleSelectedOptimal = "selected (optimal set)"
	RuleBudgetExhausted = "budget exhausted"
	RuleCapReached      = "municipality cap reached"
	RuleReserved        = "budget reserved for other municipalities"
	RuleNotOptimal      = "not in the optimal set: the budget gives more benefit elsewhere"
	RuleMinPremises     = "below minimum premises"
	RuleNotCosted       = "not costed"
	RuleNoBuildings     = "no building with households or workplaces"
	RuleAboveCapNoAlt   = "cost per premise above cap, no alternative within it"
)

// work is an area during a scenario computation.
type work struct {
	a        Area
	m        int // municipality index
	opt      Option
	costed   string // the option the cost model chose
	excluded string // rule when excluded before selection
	subsidy  float64
	score    float64
	crit     []Criterion
	pts      *PTSRanking
}

// Run computes the scenario req over areas. req must be valid; it is
// normalised here. The result depends only on its inputs (ties by area id),
// except when the optimal search hits its time limit.
func Run(req ScenarioRequest, areas []Area) Result {
	req = req.Normalized()
	store := make([]work, len(areas))
	ws := make([]*work, len(areas))
	for i := range areas {
		store[i].a = areas[i]
		ws[i] = &store[i]
	}
	slices.SortFunc(ws, func(x, y *work) int { return cmp.Compare(x.a.ID, y.a.ID) })

	codes := map[string]int{}
	var names []string
	for _, w := range ws {
		if _, ok := codes[w.a.Kommun]; !ok {
			codes[w.a.Kommun] = 0
			names = append(names, w.a.Kommun)
		}
	}
	sort.Strings(names)
	for i, c := range names {
		codes[c] = i
	}
	for _, w := range ws {
		w.m = codes[w.a.Kommun]
		pickOption(w, req)
	}
	scoreAreas(ws, req.Weights)
	if req.Strategy == StrategyPTS {
		ptsAmounts(ws)
	}
	order := rankOrder(ws, req.Strategy)

	st := newBudgetState(req, names, ws)
	var opt *OptimalSummary
	var selected []bool
	var rules []string
	switch req.Strategy {
	case StrategyOptimal:
		greedySel, _ := greedySelect(order, st.clone())
		rules = make([]string, len(order))
		opt, selected = optimalSelect(order, st.clone(), greedySel, time.Duration(req.TimeLimitSeconds*float64(time.Second)))
		final := st.clone()
		for i, w := range order {
			if selected[i] {
				final.add(w.m, w.subsidy)
				rules[i] = RuleSelectedOptimal
			}
		}
		for i, w := range order {
			switch {
			case w.excluded != "":
				rules[i] = w.excluded
			case !selected[i]:
				if ok, why := final.fits(w.m, w.subsidy); ok {
					rules[i] = RuleNotOptimal
				} else {
					rules[i] = why
				}
			}
		}
	default:
		selected, rules = greedySelect(order, st.clone())
	}
	return assemble(req, names, st, order, selected, rules, opt)
}

// pickOption takes the cost model's chosen option, or the cheapest
// alternative when its subsidy per premise is above the cap, and marks areas
// the scenario excludes.
func pickOption(w *work, req ScenarioRequest) {
	if len(w.a.Options) == 0 {
		w.excluded = RuleNotCosted
		return
	}
	ci := 0
	for i, o := range w.a.Options {
		if o.Chosen {
			ci = i
		}
	}
	w.opt = w.a.Options[ci]
	w.costed = w.opt.Option
	perPremise := func(o Option) float64 { return o.Subsidy / math.Max(1, float64(w.a.Premises)) }
	if req.MaxPerPremise > 0 && perPremise(w.opt) > req.MaxPerPremise {
		alt := -1
		for i, o := range w.a.Options {
			if i != ci && perPremise(o) <= req.MaxPerPremise && (alt < 0 || o.Expected < w.a.Options[alt].Expected) {
				alt = i
			}
		}
		if alt < 0 {
			w.excluded = RuleAboveCapNoAlt
		} else {
			w.opt = w.a.Options[alt]
		}
	}
	w.subsidy = w.opt.Subsidy
	if w.a.Premises < req.MinPremises {
		w.excluded = RuleMinPremises
	}
}

// criterionValue is the raw value of criterion name for w.
func criterionValue(w *work, name string) float64 {
	switch name {
	case CritPremises:
		return float64(w.a.Premises)
	case CritHouseholds:
		return float64(w.a.Households)
	case CritWorkplaces:
		return float64(w.a.Workplaces)
	case CritAnchors:
		return float64(w.a.Anchors)
	case CritDoubleGaps:
		return float64(w.a.DoubleGaps)
	case CritSubsidyPerPremise:
		return w.subsidy / math.Max(1, float64(w.a.Premises))
	case CritDistanceToFiber:
		return w.a.DistanceToFiber
	}
	return 0
}

// scoreAreas gives every area its criteria and weighted score. Counts are
// normalised by the largest value among the eligible areas (v / max);
// lower-is-better criteria by their range (1 at the minimum, 0 at the
// maximum, 1 for all when the range is empty); an unknown distance scores 0.
func scoreAreas(ws []*work, weights map[string]float64) {
	names := CriterionNames()
	lo := make([]float64, len(names))
	hi := make([]float64, len(names))
	for k := range names {
		lo[k], hi[k] = math.Inf(1), math.Inf(-1)
	}
	for _, w := range ws {
		if w.excluded != "" {
			continue
		}
		for k, n := range names {
			v := criterionValue(w, n)
			if n == CritDistanceToFiber && v < 0 {
				continue
			}
			lo[k], hi[k] = math.Min(lo[k], v), math.Max(hi[k], v)
		}
	}
	all := make([]Criterion, len(ws)*len(names))
	for i, w := range ws {
		w.crit = all[i*len(names) : (i+1)*len(names) : (i+1)*len(names)]
		w.score = 0
		for k, n := range names {
			v := criterionValue(w, n)
			var norm float64
			switch {
			case n == CritDistanceToFiber && v < 0:
				norm = 0
			case lowerIsBetter(n):
				if hi[k] > lo[k] {
					norm = (hi[k] - v) / (hi[k] - lo[k])
				} else {
					norm = 1
				}
			case hi[k] > 0:
				norm = v / hi[k]
			}
			norm = math.Max(0, math.Min(1, norm))
			c := Criterion{Name: n, Value: v, Normalised: norm, Weight: weights[n], Contribution: weights[n] * norm}
			w.crit[k] = c
			w.score += c.Contribution
		}
	}
}

// PTSReduction is the ranking reduction for priority buildings: 2 % each, at most 50 %.
func PTSReduction(priority int) float64 {
	return math.Min(0.5, 0.02*float64(max(priority, 0)))
}

// ptsAmounts computes the pts ranking amount: requested subsidy per building
// with households or workplaces, reduced for priority buildings. The granted
// subsidy is not reduced.
func ptsAmounts(ws []*work) {
	for _, w := range ws {
		r := &PTSRanking{Buildings: w.a.Buildings, PriorityBuildings: w.a.PriorityPremises}
		if w.a.Buildings > 0 {
			r.SubsidyPerBuilding = w.subsidy / float64(w.a.Buildings)
			r.Reduction = PTSReduction(w.a.PriorityPremises)
			r.RankingAmount = r.SubsidyPerBuilding * (1 - r.Reduction)
		} else if w.excluded == "" {
			w.excluded = RuleNoBuildings
		}
		w.pts = r
	}
}

// rankOrder sorts the areas for the strategy: eligible areas first (pts by
// ranking amount ascending, the others by score descending), excluded ones
// after them; ties by area id.
func rankOrder(ws []*work, strategy string) []*work {
	order := append([]*work(nil), ws...)
	// A total order (the id last), so an unstable sort is deterministic.
	slices.SortFunc(order, func(a, b *work) int {
		if (a.excluded == "") != (b.excluded == "") {
			if a.excluded == "" {
				return -1
			}
			return 1
		}
		if a.excluded == "" {
			if strategy == StrategyPTS {
				if c := cmp.Compare(a.pts.RankingAmount, b.pts.RankingAmount); c != 0 {
					return c
				}
			} else if c := cmp.Compare(b.score, a.score); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.a.ID, b.a.ID)
	})
	return order
}

// greedySelect funds the areas in order while the budget and the share
// constraints allow, skipping those that do not fit.
func greedySelect(order []*work, st *budgetState) ([]bool, []string) {
	sel := make([]bool, len(order))
	rules := make([]string, len(order))
	for i, w := range order {
		if w.excluded != "" {
			rules[i] = w.excluded
			continue
		}
		if ok, why := st.fits(w.m, w.subsidy); !ok {
			rules[i] = why
			continue
		}
		st.add(w.m, w.subsidy)
		sel[i] = true
		rules[i] = RuleSelected
	}
	return sel, rules
}

// assemble builds the result rows and summary in rank order.
func assemble(req ScenarioRequest, names []string, st *budgetState, order []*work, selected []bool, rules []string, opt *OptimalSummary) Result {
	res := Result{Areas: make([]AreaResult, len(order))}
	sum := Summary{Budget: req.Budget, Areas: len(order), Optimal: opt}
	ms := make([]MunicipalitySummary, len(names))
	for i, c := range names {
		ms[i] = MunicipalitySummary{Code: c, Reserve: st.reserve[i]}
		if v, ok := req.MinShare[c]; ok {
			ms[i].MinShare = &v
		}
		if v, ok := req.MaxShare[c]; ok {
			ms[i].MaxShare = &v
		}
	}
	spent := 0.0
	for i, w := range order {
		m := &ms[w.m]
		m.Areas++
		if selected[i] {
			spent += w.subsidy
			sum.Selected++
			sum.SelectedPremises += w.a.Premises
			sum.SelectedHousehold += w.a.Households
			sum.Benefit += w.score
			m.Selected++
			m.Premises += w.a.Premises
			m.Allocated += w.subsidy
		}
		running := req.Budget - spent
		ar := AreaResult{
			AreaID: w.a.ID, Kommun: w.a.Kommun, Premises: w.a.Premises, Rank: i + 1,
			Score: w.score, Subsidy: w.subsidy, CostOption: w.opt.Option,
			Selected: selected[i], Rule: rules[i], RunningBudget: running,
		}
		ex := Explanation{Criteria: w.crit, Score: w.score, CostOption: w.opt.Option, CostedOption: w.costed,
			SubsidyPerPremise: w.subsidy / math.Max(1, float64(w.a.Premises)), Rule: rules[i], RunningBudget: running}
		if w.costed != "" && w.opt.Option != w.costed {
			ex.Rule = fmt.Sprintf("cost per premise above cap: %s instead; %s", w.opt.Option, rules[i])
			ar.Rule = ex.Rule
		}
		if req.Strategy == StrategyPTS && w.pts != nil {
			ex.PTS = w.pts
			if w.a.Buildings > 0 {
				amt := w.pts.RankingAmount
				ar.RankingAmount = &amt
			}
		}
		ar.Explanation = ex
		res.Areas[i] = ar
	}
	for i := range ms {
		ms[i].Share = ms[i].Allocated / req.Budget
	}
	sum.Allocated = spent
	sum.Remaining = req.Budget - spent
	sum.Municipalities = ms
	res.Summary = sum
	return res
}
