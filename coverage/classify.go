package coverage

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Offer is one fixed offer that reaches a premise, tied to it or covering it.
type Offer struct {
	Provider   string
	Technology string
	DownMbps   float64
	UpMbps     float64
	// LatencyMs is the advertised latency; HasLatency is false when unknown,
	// and an unknown latency never fails a latency limit.
	LatencyMs  float64
	HasLatency bool
	// Planned offers are operator plans for PlannedYear (0 = no year given,
	// which never counts as credible).
	Planned     bool
	PlannedYear int
}

// MobileOffer is one mobile coverage polygon that covers a premise.
type MobileOffer struct {
	Operator   string
	Technology string
	DownMbps   float64
	Indoor     bool
}

// Measurement is one speed measurement (or tile of them) that applies to a
// premise: linked to it, or unlinked and within AnalysisParams.MeasurementRadiusM.
type Measurement struct {
	DownMbps float64
	Tests    int
}

// PremiseInput is everything the rules look at for one premise.
type PremiseInput struct {
	Offers       []Offer
	Mobile       []MobileOffer
	Measurements []Measurement
	// InSettlement is true inside (or on the border of) a settlement polygon,
	// or, when only settlement points are loaded, within
	// AnalysisParams.SettlementDistanceM of one.
	InSettlement bool
}

// Result is the classification of one premise under a profile.
type Result struct {
	Class           string
	Tier            int
	Eligible        bool
	NetworksNow     int
	NetworksPlanned int
	// Best is the best counted offer (nil when none counts).
	Best *Offer
	// BestMobileDown is the fastest counted mobile coverage; HasMobile is false when none covers the premise.
	BestMobileDown float64
	HasMobile      bool
	MobileOK       bool
	DoubleGap      bool
	Disputed       bool
	InSettlement   bool
	Reason         string
}

// Rules apply one profile at one analysis date with the analysis parameters.
// Classify is the specification; the set-based SQL in package data follows it.
type Rules struct {
	Profile Profile
	AsOf    time.Time
	Params  AnalysisParams
}

// HorizonYear is the last planned year that still counts.
func (r Rules) HorizonYear() int { return r.AsOf.Year() + r.Profile.Planned.Years }

// Counted reports whether the profile counts offers of o's technology.
func (r Rules) Counted(o Offer) bool { return contains(r.Profile.Technologies, o.Technology) }

// Meets reports whether o delivers service level s. Thresholds are inclusive.
func Meets(o Offer, s Speed) bool {
	return o.DownMbps >= s.DownMbps && o.UpMbps >= s.UpMbps &&
		(s.MaxLatencyMs <= 0 || !o.HasLatency || o.LatencyMs <= s.MaxLatencyMs)
}

// InHorizon reports whether o is available, or a plan the profile counts:
// planned for a known year no later than HorizonYear.
func (r Rules) InHorizon(o Offer) bool {
	if !o.Planned {
		return true
	}
	return r.Profile.Planned.Count && o.PlannedYear > 0 && o.PlannedYear <= r.HorizonYear()
}

// better orders offers for "best offer": meeting the target first, then
// faster down, faster up, available before planned, provider and technology
// names, so that the choice is the same however the offers are listed.
func (r Rules) better(a, b Offer) bool {
	am, bm := Meets(a, r.Profile.Target), Meets(b, r.Profile.Target)
	switch {
	case am != bm:
		return am
	case a.DownMbps != b.DownMbps:
		return a.DownMbps > b.DownMbps
	case a.UpMbps != b.UpMbps:
		return a.UpMbps > b.UpMbps
	case a.Planned != b.Planned:
		return !a.Planned
	case a.Provider != b.Provider:
		return a.Provider < b.Provider
	}
	return a.Technology < b.Technology
}

// Classify applies the profile's rule to one premise.
func (r Rules) Classify(in PremiseInput) Result {
	p := r.Profile
	res := Result{InSettlement: in.InSettlement}
	now, planned := map[string]bool{}, map[string]bool{}
	bestAvail, lowerOK := -1.0, false
	for _, o := range in.Offers {
		if !r.Counted(o) || !r.InHorizon(o) {
			continue
		}
		if res.Best == nil || r.better(o, *res.Best) {
			c := o
			res.Best = &c
		}
		if Meets(o, p.Target) {
			planned[o.Provider] = true
			if !o.Planned {
				now[o.Provider] = true
			}
		}
		if !o.Planned {
			bestAvail = math.Max(bestAvail, o.DownMbps)
			lowerOK = lowerOK || Meets(o, p.Unserved)
		}
	}
	res.NetworksNow, res.NetworksPlanned = len(now), len(planned)
	for _, t := range p.Tiers {
		if bestAvail >= float64(t) {
			res.Tier = t
			break
		}
	}
	for _, m := range in.Mobile {
		if p.Mobile.IndoorOnly && !m.Indoor {
			continue
		}
		if !res.HasMobile || m.DownMbps > res.BestMobileDown {
			res.BestMobileDown, res.HasMobile = m.DownMbps, true
		}
	}
	res.MobileOK = res.HasMobile && res.BestMobileDown >= p.Mobile.DownMbps
	res.DoubleGap = res.NetworksNow == 0 && !res.MobileOK

	switch p.Rule {
	case RuleProviders:
		switch res.NetworksPlanned {
		case 0:
			res.Class = "white"
		case 1:
			res.Class = "grey"
		default:
			res.Class = "black"
		}
	case RuleUnderserved:
		switch {
		case res.NetworksNow > 0:
			res.Class = "served"
		case lowerOK:
			res.Class = "underserved"
		default:
			res.Class = "unserved"
		}
	default:
		switch {
		case res.NetworksNow > 0:
			res.Class = "served"
		case res.NetworksPlanned > 0:
			res.Class = "planned"
		default:
			res.Class = "unserved"
		}
	}
	res.Eligible = contains(p.EligibleClasses(), res.Class) && !(p.ExcludeSettlements && in.InSettlement)
	res.Disputed = r.disputed(in.Measurements, bestAvail)
	res.Reason = r.reason(res)
	return res
}

// disputed reports whether the median measured download over enough tests
// is below the disputed fraction of the best advertised available download.
func (r Rules) disputed(ms []Measurement, bestAvail float64) bool {
	if len(ms) == 0 || bestAvail <= 0 {
		return false
	}
	tests := 0
	downs := make([]float64, len(ms))
	for i, m := range ms {
		tests += m.Tests
		downs[i] = m.DownMbps
	}
	if tests < r.Params.DisputedMinTests {
		return false
	}
	return Median(downs) < r.Params.DisputedFraction*bestAvail
}

// Median is the continuous median of xs, computed as PostgreSQL's
// percentile_cont(0.5) does so that both give the same float.
func Median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	pos := 0.5 * float64(len(s)-1)
	lo := math.Floor(pos)
	i := int(lo)
	if pos == lo {
		return s[i]
	}
	return s[i] + (pos-lo)*(s[i+1]-s[i])
}

// ReasonText holds the wording of reasons. Class sentences may hold {now}
// and {planned} (network counts); Best holds {provider}, {technology},
// {down} and {up}. The SQL in package data fills the same templates.
type ReasonText struct {
	Class      map[string]string
	Best       string
	Planned    string // appended to Best for an operator plan
	NoBest     string
	Settlement string
	DoubleGap  string
	Disputed   string
}

// FormatMbps writes a speed with at most one decimal, as the reasons show it.
func FormatMbps(x float64) string {
	return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64)
}

// Reasons returns the reason wording for the rules' profile and date.
func (r Rules) Reasons() ReasonText {
	p := r.Profile
	target := FormatMbps(p.Target.DownMbps) + "/" + FormatMbps(p.Target.UpMbps) + " Mbit/s"
	if p.Target.MaxLatencyMs > 0 {
		target += " within " + FormatMbps(p.Target.MaxLatencyMs) + " ms"
	}
	horizon := "today"
	if p.Planned.Count {
		horizon = "today or planned by " + strconv.Itoa(r.HorizonYear())
	}
	t := ReasonText{
		Best:       "best offer {provider} {technology} {down}/{up} Mbit/s",
		Planned:    " (planned)",
		NoBest:     "no counted fixed offer",
		Settlement: "inside an urban settlement, not eligible",
		DoubleGap:  "double gap: mobile below " + FormatMbps(p.Mobile.DownMbps) + " Mbit/s too",
		Disputed:   "disputed: median measured download below " + strconv.FormatFloat(r.Params.DisputedFraction*100, 'f', -1, 64) + "% of the advertised",
	}
	switch p.Rule {
	case RuleProviders:
		t.Class = map[string]string{
			"white": "white: no provider meets " + target + " " + horizon,
			"grey":  "grey: one provider meets " + target + " " + horizon + "; eligible only after a step-change review",
			"black": "black: {planned} providers meet " + target + " " + horizon,
		}
	case RuleUnderserved:
		lower := FormatMbps(p.Unserved.DownMbps) + "/" + FormatMbps(p.Unserved.UpMbps) + " Mbit/s"
		if p.Unserved.MaxLatencyMs > 0 {
			lower += " within " + FormatMbps(p.Unserved.MaxLatencyMs) + " ms"
		}
		t.Class = map[string]string{
			"served":      "served: {now} reliable network(s) meet " + target + " today",
			"underserved": "underserved: reliable service meets " + lower + " but not " + target + " today",
			"unserved":    "unserved: no reliable service meets " + lower + " today",
		}
	default:
		t.Class = map[string]string{
			"served":   "served: {now} network(s) meet " + target + " today",
			"planned":  "planned: {planned} network(s) meet " + target + " by " + strconv.Itoa(r.HorizonYear()) + ", none today",
			"unserved": "unserved: no network meets " + target + " " + horizon,
		}
	}
	return t
}

// reason writes the words for a result.
func (r Rules) reason(res Result) string {
	t := r.Reasons()
	parts := []string{strings.NewReplacer("{now}", strconv.Itoa(res.NetworksNow), "{planned}", strconv.Itoa(res.NetworksPlanned)).Replace(t.Class[res.Class])}
	if b := res.Best; b != nil {
		s := strings.NewReplacer("{provider}", b.Provider, "{technology}", b.Technology,
			"{down}", FormatMbps(b.DownMbps), "{up}", FormatMbps(b.UpMbps)).Replace(t.Best)
		if b.Planned {
			s += t.Planned
		}
		parts = append(parts, s)
	} else {
		parts = append(parts, t.NoBest)
	}
	if r.Profile.ExcludeSettlements && res.InSettlement {
		parts = append(parts, t.Settlement)
	}
	if res.DoubleGap {
		parts = append(parts, t.DoubleGap)
	}
	if res.Disputed {
		parts = append(parts, t.Disputed)
	}
	return strings.Join(parts, "; ")
}
