package funding

import (
	"math"
)

// Option names, as stored in area_cost.option and scenario_area.cost_option.
const (
	OptionFiber     = "fiber"
	OptionFWA       = "fwa"
	OptionSatellite = "satellite"
)

// Point is a premise location in the working (metric) CRS.
type Point struct{ X, Y float64 }

// MSTLength returns the total length of the Euclidean minimum spanning tree
// over pts, by Prim's algorithm on the complete graph. It is O(n²) in time and
// O(n) in memory, which suits areas of a few thousand premises better than a
// triangulation would.
func MSTLength(pts []Point) float64 {
	n := len(pts)
	if n < 2 {
		return 0
	}
	// best[i] is the squared distance from point i to the tree; points already
	// in the tree are swapped to the front so the inner loop stays dense.
	xs := make([]float64, n)
	ys := make([]float64, n)
	best := make([]float64, n)
	for i, p := range pts {
		xs[i], ys[i] = p.X, p.Y
		best[i] = math.Inf(1)
	}
	total := 0.0
	cx, cy := xs[0], ys[0]
	for k := 1; k < n; k++ {
		// The tree holds positions 0..k-1; update the rest against the last added point.
		next, nextD := k, math.Inf(1)
		for i := k; i < n; i++ {
			dx, dy := xs[i]-cx, ys[i]-cy
			d := dx*dx + dy*dy
			if d < best[i] {
				best[i] = d
			}
			if best[i] < nextD {
				next, nextD = i, best[i]
			}
		}
		total += math.Sqrt(nextD)
		xs[k], xs[next] = xs[next], xs[k]
		ys[k], ys[next] = ys[next], ys[k]
		best[k], best[next] = best[next], best[k]
		cx, cy = xs[k], ys[k]
	}
	return total
}

// AreaInput is what the cost model needs to know about one candidate area.
type AreaInput struct {
	// Premises is the number of premises to connect.
	Premises int
	// Points are the premise locations, for the distribution network.
	Points []Point
	// DistanceToFiber is the straight-line feeder distance in metres; negative
	// or NaN when unknown (no fibre nodes and no fibre-served premises).
	DistanceToFiber float64
	// AreaM2 is the area of the area's polygon, for the number of radio sites.
	AreaM2 float64
	// Stranded areas are below the minimum size for a fibre project: fibre is
	// costed for reference, but the choice is among the alternatives.
	Stranded bool
}

// Target is a profile's fixed-broadband target in Mbit/s.
type Target struct {
	DownMbps float64
	UpMbps   float64
}

// Option is one way of closing an area's gap, costed.
type Option struct {
	Option      string         `json:"option"`
	Low         float64        `json:"low"`
	Expected    float64        `json:"expected"`
	High        float64        `json:"high"`
	Subsidy     float64        `json:"subsidy"`
	MeetsTarget bool           `json:"meets_target"`
	Chosen      bool           `json:"chosen"`
	Details     map[string]any `json:"details"`
}

// RequestedSubsidy is what an area asks of the budget for an expected cost:
// the cost less the expected connection fees and the co-funding, at most the
// aid intensity's share of the cost and never negative.
func RequestedSubsidy(cost float64, premises int, p CostParams) float64 {
	s := cost - p.ConnectionFee*p.TakeUp*float64(premises) - p.CoFundingShare*cost
	s = math.Min(s, p.AidIntensity*cost)
	return math.Max(s, 0)
}

// CostArea costs the fibre, fixed-wireless and satellite options of one area
// and marks the chosen one: the cheapest expected cost among the options that
// meet target, or the cheapest of all when none does; for a stranded area only
// the alternatives to fibre are candidates. Options come in the order fiber,
// fwa, satellite, which also breaks ties.
func CostArea(in AreaInput, p CostParams, target Target) []Option {
	n := float64(in.Premises)
	spread := func(o *Option) {
		o.Low = o.Expected * (1 - p.LowSpread)
		o.High = o.Expected * (1 + p.HighSpread)
		o.Subsidy = RequestedSubsidy(o.Expected, in.Premises, p)
	}

	mst := MSTLength(in.Points)
	feeder := in.DistanceToFiber
	feederKnown := !(math.IsNaN(feeder) || feeder < 0)
	if !feederKnown {
		feeder = 0
	}
	distM := mst * p.RouteFactor
	feedM := feeder * p.RouteFactor
	fiber := Option{Option: OptionFiber, MeetsTarget: true, Details: map[string]any{
		"mst_m":            mst,
		"distribution_m":   distM,
		"feeder_m":         feedM,
		"feeder_known":     feederKnown,
		"route_factor":     p.RouteFactor,
		"route_cost":       (distM + feedM) * p.FiberPerMetre,
		"drop_cost":        n * p.DropPerPremise,
		"project_fixed":    p.ProjectFixed,
		"fiber_per_metre":  p.FiberPerMetre,
		"drop_per_premise": p.DropPerPremise,
	}}
	fiber.Expected = (distM+feedM)*p.FiberPerMetre + n*p.DropPerPremise + p.ProjectFixed
	spread(&fiber)

	sites := 1.0
	if cover := math.Pi * p.FWASiteRadiusM * p.FWASiteRadiusM; cover > 0 && in.AreaM2 > 0 {
		sites = math.Max(1, math.Ceil(in.AreaM2/cover))
	}
	fwa := Option{Option: OptionFWA,
		MeetsTarget: p.FWADownMbps >= target.DownMbps && p.FWAUpMbps >= target.UpMbps,
		Details: map[string]any{
			"sites":     sites,
			"site_cost": p.FWASiteCost,
			"cpe":       p.FWACPE,
			"area_m2":   in.AreaM2,
			"down_mbps": p.FWADownMbps,
			"up_mbps":   p.FWAUpMbps,
		}}
	fwa.Expected = sites*p.FWASiteCost + n*p.FWACPE
	spread(&fwa)

	sat := Option{Option: OptionSatellite,
		MeetsTarget: p.SatelliteDownMbps >= target.DownMbps && p.SatelliteUpMbps >= target.UpMbps,
		Details: map[string]any{
			"per_premise": p.SatellitePerPremise,
			"down_mbps":   p.SatelliteDownMbps,
			"up_mbps":     p.SatelliteUpMbps,
		}}
	sat.Expected = n * p.SatellitePerPremise
	spread(&sat)

	opts := []Option{fiber, fwa, sat}
	if in.Stranded {
		opts[1+chooseOption(opts[1:])].Chosen = true
	} else {
		opts[chooseOption(opts)].Chosen = true
	}
	return opts
}

// chooseOption returns the index of the cheapest option meeting the target,
// or of the cheapest of all when none meets it; earlier options win ties.
func chooseOption(opts []Option) int {
	best := -1
	for i, o := range opts {
		if o.MeetsTarget && (best < 0 || o.Expected < opts[best].Expected) {
			best = i
		}
	}
	if best >= 0 {
		return best
	}
	best = 0
	for i, o := range opts {
		if o.Expected < opts[best].Expected {
			best = i
		}
	}
	return best
}
