// Package funding is the regional subsidy model: the cost of closing each gap,
// the scoring and budget allocation strategies, scenarios and their
// explanations, as pure Go over plain values.
package funding

// CostParams are the unit costs and shares of the cost model (DESIGN §5). All
// amounts are SEK. They come from the `cost` section of the configuration.
type CostParams struct {
	// RouteFactor turns straight-line lengths into route lengths.
	RouteFactor float64 `mapstructure:"route_factor" json:"route_factor"`
	// FiberPerMetre is the cost of one metre of rural fibre route (trench, duct, cable).
	FiberPerMetre float64 `mapstructure:"fiber_per_metre" json:"fiber_per_metre"`
	// DropPerPremise is the cost of connecting one premise to the route.
	DropPerPremise float64 `mapstructure:"drop_per_premise" json:"drop_per_premise"`
	// ProjectFixed is the fixed cost of one project (design, permits, procurement).
	ProjectFixed float64 `mapstructure:"project_fixed" json:"project_fixed"`
	// LowSpread and HighSpread give the low and high estimates as shares below
	// and above the expected cost.
	LowSpread  float64 `mapstructure:"low_spread" json:"low_spread"`
	HighSpread float64 `mapstructure:"high_spread" json:"high_spread"`
	// FWASiteCost is the cost of one fixed-wireless site, covering FWASiteRadiusM.
	FWASiteCost    float64 `mapstructure:"fwa_site_cost" json:"fwa_site_cost"`
	FWASiteRadiusM float64 `mapstructure:"fwa_site_radius_m" json:"fwa_site_radius_m"`
	// FWACPE is the customer equipment per premise for fixed wireless.
	FWACPE float64 `mapstructure:"fwa_cpe" json:"fwa_cpe"`
	// FWADownMbps and FWAUpMbps are what fixed wireless delivers, to test it against a profile's target.
	FWADownMbps float64 `mapstructure:"fwa_down_mbps" json:"fwa_down_mbps"`
	FWAUpMbps   float64 `mapstructure:"fwa_up_mbps" json:"fwa_up_mbps"`
	// SatellitePerPremise is the cost of satellite service per premise (terminal and installation).
	SatellitePerPremise float64 `mapstructure:"satellite_per_premise" json:"satellite_per_premise"`
	SatelliteDownMbps   float64 `mapstructure:"satellite_down_mbps" json:"satellite_down_mbps"`
	SatelliteUpMbps     float64 `mapstructure:"satellite_up_mbps" json:"satellite_up_mbps"`
	// ConnectionFee is what a premise owner pays to connect; TakeUp the expected share who do.
	ConnectionFee float64 `mapstructure:"connection_fee" json:"connection_fee"`
	TakeUp        float64 `mapstructure:"take_up" json:"take_up"`
	// CoFundingShare is the share of the cost met by municipalities or others.
	CoFundingShare float64 `mapstructure:"co_funding_share" json:"co_funding_share"`
	// AidIntensity is the largest share of the cost that the subsidy may cover.
	AidIntensity float64 `mapstructure:"aid_intensity" json:"aid_intensity"`
}

// DefaultCostParams returns the documented defaults: rural Swedish fibre
// building costs of the mid-2020s, rounded.
func DefaultCostParams() CostParams {
	return CostParams{
		RouteFactor:         1.3,
		FiberPerMetre:       400,
		DropPerPremise:      15000,
		ProjectFixed:        500000,
		LowSpread:           0.2,
		HighSpread:          0.35,
		FWASiteCost:         1500000,
		FWASiteRadiusM:      4000,
		FWACPE:              8000,
		FWADownMbps:         300,
		FWAUpMbps:           50,
		SatellitePerPremise: 30000,
		SatelliteDownMbps:   200,
		SatelliteUpMbps:     20,
		ConnectionFee:       20000,
		TakeUp:              0.7,
		CoFundingShare:      0,
		AidIntensity:        0.7,
	}
}
