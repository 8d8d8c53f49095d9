// Package coverage is the domain of broadband coverage: premises, fixed offers,
// mobile coverage, technologies, policy profiles and the classification rules,
// as pure functions over plain values.
package coverage

import "fmt"

// AnalysisParams are the analysis settings that are not part of a policy
// profile: how gaps are clustered into candidate areas and when measurements
// dispute an offer. They come from the `analysis` section of the configuration.
type AnalysisParams struct {
	// ClusterDistanceM is the DBSCAN distance (metres) between eligible premises of one area.
	ClusterDistanceM float64 `mapstructure:"cluster_distance_m" json:"cluster_distance_m"`
	// MinAreaPremises is the smallest cluster kept as a candidate area; smaller
	// clusters become stranded premises, costed for alternatives.
	MinAreaPremises int `mapstructure:"min_area_premises" json:"min_area_premises"`
	// MaxAreaPremises cuts larger clusters into pieces of at most this many
	// premises, because distance alone chains a town's fringe into one area
	// that no single project or budget line would take; 0 keeps them whole.
	MaxAreaPremises int `mapstructure:"max_area_premises" json:"max_area_premises"`
	// SettlementDistanceM is how far from a settlement point a premise must lie to
	// count as outside it, when only settlement points are loaded.
	SettlementDistanceM float64 `mapstructure:"settlement_distance_m" json:"settlement_distance_m"`
	// DisputedFraction: a premise is disputed when the median measured download
	// is below this fraction of the best advertised download ...
	DisputedFraction float64 `mapstructure:"disputed_fraction" json:"disputed_fraction"`
	// DisputedMinTests ... over at least this many tests.
	DisputedMinTests int `mapstructure:"disputed_min_tests" json:"disputed_min_tests"`
	// MeasurementRadiusM is how near an unlinked measurement must lie to apply to a premise.
	MeasurementRadiusM float64 `mapstructure:"measurement_radius_m" json:"measurement_radius_m"`
	// AreaBufferM widens the hull of a candidate area's premises for the map.
	AreaBufferM float64 `mapstructure:"area_buffer_m" json:"area_buffer_m"`
}

// DefaultAnalysisParams returns the documented defaults.
func DefaultAnalysisParams() AnalysisParams {
	return AnalysisParams{
		ClusterDistanceM:    500,
		MinAreaPremises:     5,
		MaxAreaPremises:     500,
		SettlementDistanceM: 1000,
		DisputedFraction:    0.5,
		DisputedMinTests:    5,
		MeasurementRadiusM:  50,
		AreaBufferM:         100,
	}
}

// Validate refuses impossible values, naming the configuration key.
func (p AnalysisParams) Validate() error {
	switch {
	case p.ClusterDistanceM <= 0:
		return fmt.Errorf("analysis.cluster_distance_m: %v must be positive", p.ClusterDistanceM)
	case p.MinAreaPremises < 1:
		return fmt.Errorf("analysis.min_area_premises: %d must be at least 1", p.MinAreaPremises)
	case p.MaxAreaPremises != 0 && p.MaxAreaPremises < p.MinAreaPremises:
		return fmt.Errorf("analysis.max_area_premises: %d is below analysis.min_area_premises (%d); 0 means no limit", p.MaxAreaPremises, p.MinAreaPremises)
	case p.SettlementDistanceM < 0:
		return fmt.Errorf("analysis.settlement_distance_m: %v must not be negative", p.SettlementDistanceM)
	case p.DisputedFraction <= 0 || p.DisputedFraction > 1:
		return fmt.Errorf("analysis.disputed_fraction: %v must be above 0 and at most 1", p.DisputedFraction)
	case p.DisputedMinTests < 1:
		return fmt.Errorf("analysis.disputed_min_tests: %d must be at least 1", p.DisputedMinTests)
	case p.MeasurementRadiusM < 0:
		return fmt.Errorf("analysis.measurement_radius_m: %v must not be negative", p.MeasurementRadiusM)
	case p.AreaBufferM <= 0:
		return fmt.Errorf("analysis.area_buffer_m: %v must be positive", p.AreaBufferM)
	}
	return nil
}
