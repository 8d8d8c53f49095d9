package data

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bbplan/bbplan/coverage"
	"github.com/bbplan/bbplan/funding"
)

// DemoRun returns the newest finished run of profile made from exactly the
// datasets that are current now and the same analysis and cost settings, or 0
// when there is none: `bbplan demo` reuses it instead of analysing the same
// data again.
func DemoRun(ctx context.Context, db *DB, profile string, analysis coverage.AnalysisParams, cost funding.CostParams) (int64, error) {
	const q = `SELECT r.id FROM analysis_run r
WHERE r.status = 'done' AND r.profile = $1 AND r.dataset_ids = ` + currentDatasetIDs + `
  AND r.params->'analysis' = $2::jsonb AND r.params->'cost' = $3::jsonb
ORDER BY r.id DESC LIMIT 1`
	a, err := jsonValue(analysis)
	if err != nil {
		return 0, err
	}
	c, err := jsonValue(cost)
	if err != nil {
		return 0, err
	}
	return optionalID(ctx, db, q, profile, a, c)
}

// DemoScenario returns the newest scenario of run named name, or 0.
func DemoScenario(ctx context.Context, db *DB, runID int64, name string) (int64, error) {
	const q = `SELECT id FROM scenario WHERE run_id = $1 AND name = $2 ORDER BY id DESC LIMIT 1`
	return optionalID(ctx, db, q, runID, name)
}

func optionalID(ctx context.Context, db *DB, q string, args ...any) (int64, error) {
	var id int64
	err := db.QueryRowContext(ctx, q, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("demo: %w", err)
	}
	return id, nil
}

// DemoMunicipality is one row of the demo's summary table.
type DemoMunicipality struct {
	Code           string  `json:"code"`
	Name           string  `json:"name"`
	Premises       int64   `json:"premises"`
	Households     int64   `json:"households"`
	PremisesTarget int64   `json:"premises_target"`
	Eligible       int64   `json:"eligible_premises"`
	DoubleGaps     int64   `json:"double_gaps"`
	FundedA        int64   `json:"funded_areas_a"`
	SubsidyA       float64 `json:"subsidy_a"`
	FundedB        int64   `json:"funded_areas_b"`
	SubsidyB       float64 `json:"subsidy_b"`
}

// DemoArea is one of the top-ranked areas of a scenario.
type DemoArea struct {
	Rank       int     `json:"rank"`
	AreaID     int64   `json:"area_id"`
	Kommun     string  `json:"kommun_code"`
	Name       string  `json:"kommun_name"`
	Premises   int64   `json:"premises"`
	Households int64   `json:"households"`
	Option     string  `json:"cost_option"`
	Subsidy    float64 `json:"subsidy"`
	Selected   bool    `json:"selected"`
}

// DemoMunicipalities summarises run per municipality with the areas funded
// and the subsidy granted in scenarios a and b (0: none).
func DemoMunicipalities(ctx context.Context, db *DB, runID, a, b int64) ([]DemoMunicipality, error) {
	const q = `
WITH funded AS (
  SELECT sa.scenario_id, ca.kommun_code, count(*) AS areas, sum(sa.subsidy) AS subsidy
  FROM scenario_area sa JOIN candidate_area ca ON ca.id = sa.area_id
  WHERE sa.scenario_id IN ($2, $3) AND sa.selected GROUP BY 1, 2)
SELECT s.kommun_code, coalesce(m.name, ''), s.premises, s.households, s.premises_target, s.eligible_premises, s.double_gaps,
       coalesce(fa.areas, 0), coalesce(fa.subsidy, 0), coalesce(fb.areas, 0), coalesce(fb.subsidy, 0)
FROM municipality_stat s
LEFT JOIN municipality m ON m.code = s.kommun_code
LEFT JOIN funded fa ON fa.scenario_id = $2 AND fa.kommun_code = s.kommun_code
LEFT JOIN funded fb ON fb.scenario_id = $3 AND fb.kommun_code = s.kommun_code
WHERE s.run_id = $1 ORDER BY s.kommun_code`
	rows, err := db.QueryContext(ctx, q, runID, a, b)
	if err != nil {
		return nil, fmt.Errorf("demo summary of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []DemoMunicipality
	for rows.Next() {
		var m DemoMunicipality
		if err := rows.Scan(&m.Code, &m.Name, &m.Premises, &m.Households, &m.PremisesTarget, &m.Eligible, &m.DoubleGaps,
			&m.FundedA, &m.SubsidyA, &m.FundedB, &m.SubsidyB); err != nil {
			return nil, fmt.Errorf("demo summary of run %d: %w", runID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// DemoTopAreas returns the first n areas of scenario in rank order.
func DemoTopAreas(ctx context.Context, db *DB, scenario int64, n int) ([]DemoArea, error) {
	const q = `
SELECT sa.rank, sa.area_id, ca.kommun_code, coalesce(m.name, ''), ca.premises, ca.households, sa.cost_option, sa.subsidy, sa.selected
FROM scenario_area sa JOIN candidate_area ca ON ca.id = sa.area_id LEFT JOIN municipality m ON m.code = ca.kommun_code
WHERE sa.scenario_id = $1 ORDER BY sa.rank, sa.area_id LIMIT $2`
	rows, err := db.QueryContext(ctx, q, scenario, n)
	if err != nil {
		return nil, fmt.Errorf("top areas of scenario %d: %w", scenario, err)
	}
	defer rows.Close()
	var out []DemoArea
	for rows.Next() {
		var a DemoArea
		if err := rows.Scan(&a.Rank, &a.AreaID, &a.Kommun, &a.Name, &a.Premises, &a.Households, &a.Option, &a.Subsidy, &a.Selected); err != nil {
			return nil, fmt.Errorf("top areas of scenario %d: %w", scenario, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// DemoShareCodes lists the municipalities of run that have candidate areas,
// for the demo's minimum-share scenario.
func DemoShareCodes(ctx context.Context, db *DB, runID int64) ([]string, error) {
	const q = `SELECT DISTINCT kommun_code FROM candidate_area WHERE run_id = $1 AND NOT stranded ORDER BY 1`
	codes, err := queryStrings(ctx, db, q, runID)
	if err != nil {
		return nil, fmt.Errorf("areas of run %d: %w", runID, err)
	}
	return codes, nil
}
