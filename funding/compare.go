package funding

import (
	"fmt"
	"sort"
)

// ScenarioRef identifies one side of a comparison.
type ScenarioRef struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	Strategy  string  `json:"strategy"`
	Budget    float64 `json:"budget"`
	Allocated float64 `json:"allocated"`
	Selected  int     `json:"selected"`
}

// AreaDiff is an area funded in one scenario and not in the other, with the
// rule each scenario applied to it.
type AreaDiff struct {
	AreaID   int64   `json:"area_id"`
	Kommun   string  `json:"kommun_code"`
	RankA    int     `json:"rank_a"`
	RankB    int     `json:"rank_b"`
	SubsidyA float64 `json:"subsidy_a"`
	SubsidyB float64 `json:"subsidy_b"`
	RuleA    string  `json:"rule_a"`
	RuleB    string  `json:"rule_b"`
	Reason   string  `json:"reason"`
}

// RankChange is an area ranked differently by the two scenarios.
type RankChange struct {
	AreaID    int64  `json:"area_id"`
	Kommun    string `json:"kommun_code"`
	RankA     int    `json:"rank_a"`
	RankB     int    `json:"rank_b"`
	Delta     int    `json:"delta"`
	SelectedA bool   `json:"selected_a"`
	SelectedB bool   `json:"selected_b"`
}

// MunicipalityDiff is a municipality's budget in each scenario.
type MunicipalityDiff struct {
	Code       string  `json:"kommun_code"`
	BudgetA    float64 `json:"budget_a"`
	BudgetB    float64 `json:"budget_b"`
	Difference float64 `json:"difference"`
	SelectedA  int     `json:"selected_a"`
	SelectedB  int     `json:"selected_b"`
}

// Comparison is what changes from scenario A to scenario B and why.
type Comparison struct {
	A              ScenarioRef        `json:"a"`
	B              ScenarioRef        `json:"b"`
	ParamChanges   []string           `json:"param_changes"`
	OnlyA          []AreaDiff         `json:"only_a"`
	OnlyB          []AreaDiff         `json:"only_b"`
	RankChanges    []RankChange       `json:"rank_changes"`
	Municipalities []MunicipalityDiff `json:"municipalities"`
}

// refOf is the reference to s in a comparison.
func refOf(s Scenario) ScenarioRef {
	return ScenarioRef{ID: s.ID, Name: s.Name, Strategy: s.Strategy, Budget: s.Summary.Budget,
		Allocated: s.Summary.Allocated, Selected: s.Summary.Selected}
}

// Compare lists the differences between two scenarios with their areas. The
// output is ordered (areas by rank, municipalities by code) so it is stable.
func Compare(a, b Scenario) Comparison {
	c := Comparison{A: refOf(a), B: refOf(b), ParamChanges: paramChanges(a.Params, b.Params),
		OnlyA: []AreaDiff{}, OnlyB: []AreaDiff{}, RankChanges: []RankChange{}}
	inB := map[int64]AreaResult{}
	for _, r := range b.Areas {
		inB[r.AreaID] = r
	}
	inA := map[int64]AreaResult{}
	for _, r := range a.Areas {
		inA[r.AreaID] = r
	}
	diff := func(x AreaResult, y AreaResult, okY bool, nameX, nameY string) AreaDiff {
		d := AreaDiff{AreaID: x.AreaID, Kommun: x.Kommun, RankA: x.Rank, SubsidyA: x.Subsidy, RuleA: x.Rule}
		if okY {
			d.RankB, d.SubsidyB, d.RuleB = y.Rank, y.Subsidy, y.Rule
			d.Reason = fmt.Sprintf("%s: %s at rank %d; %s: %s at rank %d", nameX, x.Rule, x.Rank, nameY, y.Rule, y.Rank)
		} else {
			d.Reason = fmt.Sprintf("%s: %s at rank %d; %s: area not in the scenario", nameX, x.Rule, x.Rank, nameY)
		}
		return d
	}
	for _, x := range a.Areas {
		y, ok := inB[x.AreaID]
		if x.Selected && (!ok || !y.Selected) {
			c.OnlyA = append(c.OnlyA, diff(x, y, ok, "A", "B"))
		}
		if ok && x.Rank != y.Rank {
			c.RankChanges = append(c.RankChanges, RankChange{AreaID: x.AreaID, Kommun: x.Kommun, RankA: x.Rank,
				RankB: y.Rank, Delta: y.Rank - x.Rank, SelectedA: x.Selected, SelectedB: y.Selected})
		}
	}
	for _, y := range b.Areas {
		x, ok := inA[y.AreaID]
		if y.Selected && (!ok || !x.Selected) {
			d := diff(y, x, ok, "B", "A")
			// Keep the A/B columns meaning scenario A and B.
			d.RankA, d.RankB = d.RankB, d.RankA
			d.SubsidyA, d.SubsidyB = d.SubsidyB, d.SubsidyA
			d.RuleA, d.RuleB = d.RuleB, d.RuleA
			c.OnlyB = append(c.OnlyB, d)
		}
	}
	sort.SliceStable(c.RankChanges, func(i, j int) bool {
		di, dj := abs(c.RankChanges[i].Delta), abs(c.RankChanges[j].Delta)
		if di != dj {
			return di > dj
		}
		return c.RankChanges[i].AreaID < c.RankChanges[j].AreaID
	})
	ms := map[string]*MunicipalityDiff{}
	get := func(code string) *MunicipalityDiff {
		if ms[code] == nil {
			ms[code] = &MunicipalityDiff{Code: code}
		}
		return ms[code]
	}
	for _, m := range a.Summary.Municipalities {
		d := get(m.Code)
		d.BudgetA, d.SelectedA = m.Allocated, m.Selected
	}
	for _, m := range b.Summary.Municipalities {
		d := get(m.Code)
		d.BudgetB, d.SelectedB = m.Allocated, m.Selected
	}
	for _, code := range sortedKeys(ms) {
		d := ms[code]
		d.Difference = d.BudgetB - d.BudgetA
		c.Municipalities = append(c.Municipalities, *d)
	}
	return c
}

// abs is the absolute value of x.
func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// paramChanges describes, in words, the parameters that differ from a to b.
func paramChanges(a, b ScenarioRequest) []string {
	out := []string{}
	if a.RunID != b.RunID {
		out = append(out, fmt.Sprintf("run: %d → %d", a.RunID, b.RunID))
	}
	if a.Strategy != b.Strategy {
		out = append(out, fmt.Sprintf("strategy: %s → %s", a.Strategy, b.Strategy))
	}
	if a.Budget != b.Budget {
		out = append(out, fmt.Sprintf("budget: %.0f → %.0f SEK", a.Budget, b.Budget))
	}
	if a.MaxPerPremise != b.MaxPerPremise {
		out = append(out, fmt.Sprintf("max-per-premise: %.0f → %.0f SEK", a.MaxPerPremise, b.MaxPerPremise))
	}
	if a.MinPremises != b.MinPremises {
		out = append(out, fmt.Sprintf("min-premises: %d → %d", a.MinPremises, b.MinPremises))
	}
	for _, m := range []struct {
		name string
		x, y map[string]float64
	}{{"weights", a.Weights, b.Weights}, {"min-share", a.MinShare, b.MinShare}, {"max-share", a.MaxShare, b.MaxShare}} {
		keys := map[string]bool{}
		for k := range m.x {
			keys[k] = true
		}
		for k := range m.y {
			keys[k] = true
		}
		for _, k := range sortedKeys(keys) {
			vx, okx := m.x[k]
			vy, oky := m.y[k]
			switch {
			case okx && oky && vx != vy:
				out = append(out, fmt.Sprintf("%s %s: %g → %g", m.name, k, vx, vy))
			case okx && !oky:
				out = append(out, fmt.Sprintf("%s %s: %g → none", m.name, k, vx))
			case !okx && oky:
				out = append(out, fmt.Sprintf("%s %s: none → %g", m.name, k, vy))
			}
		}
	}
	return out
}
