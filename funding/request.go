package funding

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Strategies of a funding scenario.
const (
	StrategyPTS     = "pts"
	StrategyScore   = "score"
	StrategyOptimal = "optimal"
)

// DefaultTimeLimitSeconds bounds the exact search of the optimal strategy.
const DefaultTimeLimitSeconds = 10

// MaxTimeLimitSeconds is the longest exact search a request may ask for.
const MaxTimeLimitSeconds = 300

// ScenarioRequest is everything that defines a funding scenario. Stored as
// scenario.params after Normalized, so a scenario can be rerun exactly.
type ScenarioRequest struct {
	RunID    int64   `json:"run_id"`
	Name     string  `json:"name"`
	Budget   float64 `json:"budget"`
	Strategy string  `json:"strategy"`
	// Weights of the score criteria (CriterionNames); missing ones take DefaultWeights.
	Weights map[string]float64 `json:"weights"`
	// MinShare reserves a share of the budget for a municipality (by code).
	MinShare map[string]float64 `json:"min_share"`
	// MaxShare caps a municipality's share of the budget.
	MaxShare map[string]float64 `json:"max_share"`
	// MaxPerPremise is the largest subsidy per premise (SEK); above it the area
	// takes the cheapest alternative technology instead. 0 means no cap.
	MaxPerPremise float64 `json:"max_per_premise"`
	// MinPremises excludes smaller areas; 0 means no minimum.
	MinPremises int `json:"min_premises"`
	// TimeLimitSeconds bounds the optimal strategy's exact search; 0 means the default.
	TimeLimitSeconds float64 `json:"time_limit_s"`
}

// ParamError is a bad scenario parameter; Param names it as the CLI and the
// API spell it.
type ParamError struct {
	Param  string
	Reason string
}

// Error reads "param: reason".
func (e *ParamError) Error() string { return e.Param + ": " + e.Reason }

// paramErr makes a *ParamError with a formatted reason.
func paramErr(param, format string, args ...any) error {
	return &ParamError{Param: param, Reason: fmt.Sprintf(format, args...)}
}

// Criterion names of the score strategy.
const (
	CritPremises          = "premises"
	CritHouseholds        = "households"
	CritWorkplaces        = "workplaces"
	CritAnchors           = "anchors"
	CritDoubleGaps        = "double_gaps"
	CritSubsidyPerPremise = "subsidy_per_premise"
	CritDistanceToFiber   = "distance_to_fiber"
)

// CriterionNames lists the score criteria in explanation order.
func CriterionNames() []string {
	return []string{CritPremises, CritHouseholds, CritWorkplaces, CritAnchors, CritDoubleGaps,
		CritSubsidyPerPremise, CritDistanceToFiber}
}

// lowerIsBetter reports the criteria where a smaller value scores higher.
func lowerIsBetter(name string) bool {
	return name == CritSubsidyPerPremise || name == CritDistanceToFiber
}

// DefaultWeights are the documented score weights: people reached count most,
// value for money as much as two of them, workplaces and feeder distance half.
func DefaultWeights() map[string]float64 {
	return map[string]float64{
		CritPremises:          1,
		CritHouseholds:        1,
		CritWorkplaces:        0.5,
		CritAnchors:           1,
		CritDoubleGaps:        1,
		CritSubsidyPerPremise: 2,
		CritDistanceToFiber:   0.5,
	}
}

// Normalized returns r with every weight present (defaults for missing ones),
// empty maps instead of nil, a name and a time limit, as stored.
func (r ScenarioRequest) Normalized() ScenarioRequest {
	w := DefaultWeights()
	for k, v := range r.Weights {
		w[k] = v
	}
	r.Weights = w
	if r.MinShare == nil {
		r.MinShare = map[string]float64{}
	}
	if r.MaxShare == nil {
		r.MaxShare = map[string]float64{}
	}
	if r.Name == "" {
		r.Name = fmt.Sprintf("%s %.0f SEK", r.Strategy, r.Budget)
	}
	if r.TimeLimitSeconds == 0 {
		r.TimeLimitSeconds = DefaultTimeLimitSeconds
	}
	return r
}

// Validate checks r against the municipality codes that exist (known) and
// returns a *ParamError naming the first bad parameter.
func (r ScenarioRequest) Validate(known []string) error {
	if r.RunID <= 0 {
		return paramErr("run", "must be a positive run id, got %d", r.RunID)
	}
	if !(r.Budget > 0) || math.IsInf(r.Budget, 0) {
		return paramErr("budget", "must be a positive amount in SEK, got %v", r.Budget)
	}
	switch r.Strategy {
	case StrategyPTS, StrategyScore, StrategyOptimal:
	default:
		return paramErr("strategy", "%q is not pts, score or optimal", r.Strategy)
	}
	valid := map[string]bool{}
	for _, c := range CriterionNames() {
		valid[c] = true
	}
	for _, k := range sortedKeys(r.Weights) {
		v := r.Weights[k]
		if !valid[k] {
			return paramErr("weights", "unknown weight %q (known: %s)", k, strings.Join(CriterionNames(), ", "))
		}
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return paramErr("weights", "%s must be a finite number ≥ 0, got %v", k, v)
		}
	}
	isKnown := map[string]bool{}
	for _, k := range known {
		isKnown[k] = true
	}
	sum := 0.0
	for _, sh := range []struct {
		name string
		m    map[string]float64
	}{{"min-share", r.MinShare}, {"max-share", r.MaxShare}} {
		for _, code := range sortedKeys(sh.m) {
			v := sh.m[code]
			if !isKnown[code] {
				return paramErr(sh.name, "municipality %q does not exist in this run", code)
			}
			if !(v >= 0 && v <= 1) {
				return paramErr(sh.name, "%s must be a share between 0 and 1, got %v", code, v)
			}
			if sh.name == "min-share" {
				sum += v
			}
		}
	}
	if sum > 1+1e-9 {
		return paramErr("min-share", "shares add up to %.4g, more than 1", sum)
	}
	for _, code := range sortedKeys(r.MinShare) {
		if mx, ok := r.MaxShare[code]; ok && r.MinShare[code] > mx {
			return paramErr("min-share", "%s: minimum %v is above the maximum %v", code, r.MinShare[code], mx)
		}
	}
	if r.MaxPerPremise < 0 || math.IsNaN(r.MaxPerPremise) {
		return paramErr("max-per-premise", "must be ≥ 0 SEK (0 = no cap), got %v", r.MaxPerPremise)
	}
	if r.MinPremises < 0 {
		return paramErr("min-premises", "must be ≥ 0, got %d", r.MinPremises)
	}
	if !(r.TimeLimitSeconds >= 0 && r.TimeLimitSeconds <= MaxTimeLimitSeconds) {
		return paramErr("time-limit", "must be between 0 and %d seconds, got %v", MaxTimeLimitSeconds, r.TimeLimitSeconds)
	}
	return nil
}

// sortedKeys returns m's keys in order, so checks and output are deterministic.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
