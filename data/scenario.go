package data

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/bbplan/bbplan/funding"
	"github.com/lib/pq"
)

// ErrNoScenario is returned (wrapped) for a scenario id that does not exist.
var ErrNoScenario = errors.New("no such scenario")

// scenarioMunicipalities returns the municipality codes a scenario of run
// runID may name: the loaded municipalities and those of the run's premises.
func scenarioMunicipalities(ctx context.Context, q Querier, runID int64) ([]string, error) {
	const selectCodes = `
SELECT code FROM municipality
UNION SELECT kommun_code FROM candidate_area WHERE run_id = $1
UNION SELECT DISTINCT kommun_code FROM premise_status WHERE run_id = $1 AND kommun_code IS NOT NULL
ORDER BY 1`
	return queryStrings(ctx, q, selectCodes, runID)
}

// ScenarioAreas reads run runID's candidate areas with their cost options,
// as the scenario strategies take them.
func (db *DB) ScenarioAreas(ctx context.Context, runID int64) ([]funding.Area, error) {
	return scenarioAreas(ctx, db, runID)
}

// scenarioAreas is ScenarioAreas on q, so CreateScenario reads inside its transaction.
func scenarioAreas(ctx context.Context, q Querier, runID int64) ([]funding.Area, error) {
	const selectAreas = `
WITH b AS (
    SELECT area_id, count(*) AS n FROM premise_status
    WHERE run_id = $1 AND area_id IS NOT NULL AND (households > 0 OR workplaces > 0)
    GROUP BY area_id),
c AS (
    SELECT ac.area_id, json_agg(json_build_object('option', ac.option, 'low', ac.low, 'expected', ac.expected,
        'high', ac.high, 'subsidy', ac.subsidy, 'meets_target', ac.meets_target, 'chosen', ac.chosen)
        ORDER BY ac.option) AS opts
    FROM area_cost ac JOIN candidate_area x ON x.id = ac.area_id
    WHERE x.run_id = $1
    GROUP BY ac.area_id)
SELECT ca.id, ca.kommun_code, ca.premises, ca.households, ca.workplaces, ca.anchors, ca.double_gaps,
       ca.priority_premises, COALESCE(ca.distance_to_fiber, -1), COALESCE(b.n, 0), COALESCE(c.opts, '[]')
FROM candidate_area ca
LEFT JOIN b ON b.area_id = ca.id
LEFT JOIN c ON c.area_id = ca.id
WHERE ca.run_id = $1
ORDER BY ca.id`
	rows, err := q.QueryContext(ctx, selectAreas, runID)
	if err != nil {
		return nil, fmt.Errorf("areas of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []funding.Area
	for rows.Next() {
		var a funding.Area
		var opts []byte
		if err := rows.Scan(&a.ID, &a.Kommun, &a.Premises, &a.Households, &a.Workplaces, &a.Anchors, &a.DoubleGaps,
			&a.PriorityPremises, &a.DistanceToFiber, &a.Buildings, &opts); err != nil {
			return nil, fmt.Errorf("areas of run %d: %w", runID, err)
		}
		if err := json.Unmarshal(opts, &a.Options); err != nil {
			return nil, fmt.Errorf("area %d cost options: %w", a.ID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CreateScenario validates req, computes the scenario over the run's costed
// areas and stores it with its areas, all or nothing. Bad parameters come back
// as *funding.ParamError. actor is recorded as the creator ("" = the database user).
func (db *DB) CreateScenario(ctx context.Context, req funding.ScenarioRequest, actor string) (int64, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("scenario: %w", err)
	}
	defer tx.Rollback()
	var status string
	err = tx.QueryRowContext(ctx, `SELECT status FROM analysis_run WHERE id = $1`, req.RunID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, &funding.ParamError{Param: "run", Reason: fmt.Sprintf("analysis run %d does not exist", req.RunID)}
	}
	if err != nil {
		return 0, fmt.Errorf("scenario: run %d: %w", req.RunID, err)
	}
	if status != "done" {
		return 0, &funding.ParamError{Param: "run", Reason: fmt.Sprintf("analysis run %d is %s, not done", req.RunID, status)}
	}
	known, err := scenarioMunicipalities(ctx, tx, req.RunID)
	if err != nil {
		return 0, fmt.Errorf("scenario: municipalities of run %d: %w", req.RunID, err)
	}
	if err := req.Validate(known); err != nil {
		return 0, err
	}
	req = req.Normalized()
	// The exact search must finish before the caller gives up (an HTTP
	// request's deadline): keep a fifth of the time for reading and storing.
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl).Seconds() * 0.8; left < req.TimeLimitSeconds {
			req.TimeLimitSeconds = math.Max(left, 0.001)
		}
	}
	areas, err := scenarioAreas(ctx, tx, req.RunID)
	if err != nil {
		return 0, fmt.Errorf("scenario: %w", err)
	}
	res := funding.Run(req, areas)

	params, err := jsonValue(req)
	if err != nil {
		return 0, fmt.Errorf("scenario params: %w", err)
	}
	summary, err := jsonValue(res.Summary)
	if err != nil {
		return 0, fmt.Errorf("scenario summary: %w", err)
	}
	const insertScenario = `
INSERT INTO scenario (run_id, name, strategy, params, summary, created_by)
VALUES ($1, $2, $3, $4, $5, COALESCE(NULLIF($6, ''), current_user))
RETURNING id`
	var id int64
	if err := tx.QueryRowContext(ctx, insertScenario, req.RunID, req.Name, req.Strategy, params, summary, actor).Scan(&id); err != nil {
		return 0, fmt.Errorf("storing scenario: %w", err)
	}
	n := len(res.Areas)
	var (
		areaIDs                      = make([]int64, n)
		ranks                        = make([]int64, n)
		scores, amounts, subs, runs  = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		options, rules, explanations = make([]string, n), make([]string, n), make([]string, n)
		selected                     = make([]bool, n)
	)
	for i, r := range res.Areas {
		areaIDs[i], ranks[i], scores[i], subs[i], runs[i] = r.AreaID, int64(r.Rank), r.Score, r.Subsidy, r.RunningBudget
		amounts[i] = math.NaN()
		if r.RankingAmount != nil {
			amounts[i] = *r.RankingAmount
		}
		options[i], rules[i], selected[i] = r.CostOption, r.Rule, r.Selected
		ex, err := json.Marshal(r.Explanation)
		if err != nil {
			return 0, fmt.Errorf("area %d explanation: %w", r.AreaID, err)
		}
		explanations[i] = string(ex)
	}
	// NaN marks a missing ranking amount: arrays of float8 carry no NULLs through lib/pq.
	const insertAreas = `
INSERT INTO scenario_area (scenario_id, area_id, rank, score, ranking_amount, subsidy, cost_option, selected,
                           rule, running_budget, explanation)
SELECT $1, u.area_id, u.rank, u.score, NULLIF(u.amount, 'NaN'::float8), u.subsidy, u.option, u.selected,
       u.rule, u.running, u.explanation::jsonb
FROM unnest($2::bigint[], $3::int[], $4::float8[], $5::float8[], $6::float8[], $7::text[], $8::bool[],
            $9::text[], $10::float8[], $11::text[])
     AS u(area_id, rank, score, amount, subsidy, option, selected, rule, running, explanation)`
	if _, err := tx.ExecContext(ctx, insertAreas, id, pq.Array(areaIDs), pq.Array(ranks), pq.Array(scores),
		pq.Array(amounts), pq.Array(subs), pq.Array(options), pq.Array(selected), pq.Array(rules),
		pq.Array(runs), pq.Array(explanations)); err != nil {
		return 0, fmt.Errorf("storing scenario %d areas: %w", id, err)
	}
	if err := Audit(ctx, tx, actorOr(actor), "scenario.create", fmt.Sprintf("scenario/%d", id),
		map[string]any{"run_id": req.RunID, "strategy": req.Strategy, "budget": req.Budget}); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("storing scenario: %w", err)
	}
	return id, nil
}

// actorOr names the actor for the audit log: the CLI when none is given.
func actorOr(actor string) string {
	if actor == "" {
		return "cli"
	}
	return actor
}

// scenarioHeaders reads the scenarios (without areas) of run runID, or all
// runs when 0, restricted to scenario id unless it is 0, oldest first.
func (db *DB) scenarioHeaders(ctx context.Context, runID, id int64) ([]funding.Scenario, error) {
	const selectScenarios = `
SELECT id, run_id, name, strategy, params, summary, created_at, created_by FROM scenario
WHERE ($1 = 0 OR run_id = $1) AND ($2 = 0 OR id = $2)
ORDER BY id`
	rows, err := db.QueryContext(ctx, selectScenarios, runID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []funding.Scenario{}
	for rows.Next() {
		var s funding.Scenario
		var params, summary []byte
		if err := rows.Scan(&s.ID, &s.RunID, &s.Name, &s.Strategy, &params, &summary, &s.CreatedAt, &s.CreatedBy); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(params, &s.Params); err != nil {
			return nil, fmt.Errorf("scenario %d params: %w", s.ID, err)
		}
		if err := json.Unmarshal(summary, &s.Summary); err != nil {
			return nil, fmt.Errorf("scenario %d summary: %w", s.ID, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Scenario reads scenario id with its areas in rank order. An unknown id
// gives an error wrapping ErrNoScenario.
func (db *DB) Scenario(ctx context.Context, id int64) (funding.Scenario, error) {
	if id <= 0 {
		return funding.Scenario{}, fmt.Errorf("scenario %d: %w", id, ErrNoScenario)
	}
	found, err := db.scenarioHeaders(ctx, 0, id)
	if err != nil {
		return funding.Scenario{}, fmt.Errorf("scenario %d: %w", id, err)
	}
	if len(found) == 0 {
		return funding.Scenario{}, fmt.Errorf("scenario %d: %w", id, ErrNoScenario)
	}
	s := found[0]
	const selectAreas = `
SELECT sa.area_id, ca.kommun_code, ca.premises, sa.rank, sa.score, sa.ranking_amount, sa.subsidy, sa.cost_option,
       sa.selected, sa.rule, sa.running_budget, sa.explanation
FROM scenario_area sa JOIN candidate_area ca ON ca.id = sa.area_id
WHERE sa.scenario_id = $1
ORDER BY sa.rank, sa.area_id`
	rows, err := db.QueryContext(ctx, selectAreas, id)
	if err != nil {
		return s, fmt.Errorf("scenario %d areas: %w", id, err)
	}
	defer rows.Close()
	s.Areas = []funding.AreaResult{}
	for rows.Next() {
		var r funding.AreaResult
		var amount sql.NullFloat64
		var ex []byte
		if err := rows.Scan(&r.AreaID, &r.Kommun, &r.Premises, &r.Rank, &r.Score, &amount, &r.Subsidy, &r.CostOption,
			&r.Selected, &r.Rule, &r.RunningBudget, &ex); err != nil {
			return s, fmt.Errorf("scenario %d areas: %w", id, err)
		}
		if amount.Valid {
			r.RankingAmount = &amount.Float64
		}
		if err := json.Unmarshal(ex, &r.Explanation); err != nil {
			return s, fmt.Errorf("scenario %d area %d explanation: %w", id, r.AreaID, err)
		}
		s.Areas = append(s.Areas, r)
	}
	return s, rows.Err()
}

// ListScenarios lists the scenarios of run runID (all runs when 0), without
// their areas, oldest first.
func (db *DB) ListScenarios(ctx context.Context, runID int64) ([]funding.Scenario, error) {
	out, err := db.scenarioHeaders(ctx, runID, 0)
	if err != nil {
		return nil, fmt.Errorf("listing scenarios: %w", err)
	}
	return out, nil
}

// CompareScenarios compares scenarios a and b (see funding.Compare).
func (db *DB) CompareScenarios(ctx context.Context, a, b int64) (funding.Comparison, error) {
	sa, err := db.Scenario(ctx, a)
	if err != nil {
		return funding.Comparison{}, err
	}
	sb, err := db.Scenario(ctx, b)
	if err != nil {
		return funding.Comparison{}, err
	}
	return funding.Compare(sa, sb), nil
}
