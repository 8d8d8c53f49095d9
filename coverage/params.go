// Package coverage is the domain of broadband coverage: premises, fixed offers,
// mobile coverage, technologies, policy profiles and the classification rules,
// as pure functions over plain values.
package coverage

// AnalysisParams are the analysis settings that are not part of a policy
// profile: how gaps are clustered into candidate areas and when measurements
// dispute an offer. They come from the `analysis` section of the configuration.
type AnalysisParams struct {
	// ClusterDistanceM is the DBSCAN distance (metres) between eligible premises of one area.
	ClusterDistanceM float64 `mapstructure:"cluster_distance_m" json:"cluster_distance_m"`
	// MinAreaPremises is the smallest cluster kept as a candidate area; smaller
	// clusters become stranded premises, costed for alternatives.
	MinAreaPremises int `mapstructure:"min_area_premises" json:"min_area_premises"`
	// SettlementDistanceM is how far from a settlement point a premise must lie to
	// count as outside it, when only settlement points are loaded.
	SettlementDistanceM float64 `mapstructure:"settlement_distance_m" json:"settlement_distance_m"`
	// DisputedFraction: a premise is disputed when the median measured download
	// is below this fraction of the best advertised download ...
	DisputedFraction float64 `mapstructure:"disputed_fraction" json:"disputed_fraction"`
	// DisputedMinTests ... over at least this many tests.
	DisputedMinTests int `mapstructure:"disputed_min_tests" json:"disputed_min_tests"`
}

// DefaultAnalysisParams returns the documented defaults.
func DefaultAnalysisParams() AnalysisParams {
	return AnalysisParams{
		ClusterDistanceM:    500,
		MinAreaPremises:     5,
		SettlementDistanceM: 1000,
		DisputedFraction:    0.5,
		DisputedMinTests:    5,
	}
}
