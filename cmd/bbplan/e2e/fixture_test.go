package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/bbplan/bbplan/data"
)

// kommunerFile holds the real SCB municipality outlines; the fixture uses
// three synthetic squares when the shared data is not there.
const kommunerFile = "../../../../shared/data/vasterbotten/kommuner.geojson"

// fixtureDataset is the dataset row the fixture's municipalities come from.
const fixtureDataset = `INSERT INTO dataset (kind, name, source_file, sha256, input_srid, rows)
VALUES ('municipalities', 'kommuner', 'kommuner.geojson', 'e2e', 4326, 0) RETURNING id`

const fixtureMunicipality = `INSERT INTO municipality (code, name, county_code, dataset_id, geom)
VALUES ($1, $2, '24', $3, ST_Multi(ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($4), 4326), 3006)))`

// syntheticMunicipalities are squares in SWEREF99 TM near Umeå, used when
// the real outlines are absent.
const syntheticMunicipalities = `INSERT INTO municipality (code, name, county_code, dataset_id, geom) VALUES
 ('2480', 'Umeå', '24', $1, ST_Multi(ST_MakeEnvelope(730000, 7060000, 790000, 7120000, 3006))),
 ('2460', 'Vännäs', '24', $1, ST_Multi(ST_MakeEnvelope(690000, 7060000, 730000, 7100000, 3006))),
 ('2403', 'Bjurholm', '24', $1, ST_Multi(ST_MakeEnvelope(650000, 7060000, 690000, 7110000, 3006)))`

// fixtureResults writes one analysis run with premises, cells, statistics,
// candidate areas with three cost options each, and two scenarios that rank
// the areas differently. Every value derives from the municipality outlines
// with seeded ST_GeneratePoints, so the fixture is the same on every run.
var fixtureResults = []string{
	`INSERT INTO analysis_run (id, name, profile, params, as_of, dataset_ids, status, finished_at)
	 VALUES (1, 'e2e-pts-2025', 'pts-2025', '{"target_down": 1000}', '2026-11-01', '{"premises": 2}', 'done', now())`,
	// Four candidate areas per municipality: 1.5 km discs around seeded points.
	`INSERT INTO candidate_area (run_id, kommun_code, premises, households, workplaces, anchors, double_gaps,
	   priority_premises, class, distance_to_fiber, geom)
	 SELECT 1, m.code, 0, 0, 0, 0, 0, 0, 'unserved', 800 + 700 * p.path[1],
	        ST_Multi(ST_Intersection(ST_Buffer(p.geom, 1500, 16), m.geom))
	 FROM municipality m,
	      ST_Dump(ST_GeneratePoints(ST_Buffer(m.geom, -2500), 4, 1000 + m.code::int)) p
	 ORDER BY m.code, p.path[1]`,
	// Eligible premises inside the areas.
	`INSERT INTO premise_status (run_id, premise_id, kommun_code, geom, households, workplaces, kind, anchor,
	   priority, best_down, best_up, best_tech, best_provider, best_planned, networks_now, networks_planned,
	   best_mobile_down, tier, class, eligible, mobile_ok, double_gap, area_id, reason)
	 SELECT 1, 'A' || a.id || '-' || p.path[1], a.kommun_code, p.geom,
	        1 + p.path[1] % 3, CASE WHEN p.path[1] % 4 = 0 THEN 2 ELSE 0 END,
	        CASE WHEN p.path[1] % 5 = 0 THEN 'holiday' ELSE 'permanent' END,
	        CASE WHEN p.path[1] = 7 AND a.id % 3 = 0 THEN 'school' END,
	        p.path[1] = 2, 10 + p.path[1], 1, 'dsl', 'Telia', p.path[1] = 8, 0, CASE WHEN p.path[1] = 8 THEN 1 ELSE 0 END,
	        CASE WHEN p.path[1] % 3 = 0 THEN 4 ELSE 25 END, 0, 'unserved', true,
	        p.path[1] % 3 <> 0, p.path[1] % 3 = 0, a.id, 'no 1000 Mbit/s network available or planned'
	 FROM candidate_area a, ST_Dump(ST_GeneratePoints(a.geom, 6 + (a.id % 5)::int, a.id::int)) p`,
	// Served premises anywhere in the municipality.
	`INSERT INTO premise_status (run_id, premise_id, kommun_code, geom, households, workplaces, kind,
	   best_down, best_up, best_tech, best_provider, networks_now, best_mobile_down, tier, class, eligible,
	   mobile_ok, in_settlement, reason)
	 SELECT 1, 'S' || m.code || '-' || p.path[1], m.code, p.geom, 1 + p.path[1] % 2, p.path[1] % 7 / 6,
	        'permanent', CASE WHEN p.path[1] % 4 = 0 THEN 100 ELSE 1000 END, 100,
	        CASE WHEN p.path[1] % 4 = 0 THEN 'cable' ELSE 'fiber' END, 'Stadsnät',
	        CASE WHEN p.path[1] % 4 = 0 THEN 0 ELSE 1 END, 50,
	        CASE WHEN p.path[1] % 4 = 0 THEN 100 ELSE 1000 END,
	        CASE WHEN p.path[1] % 4 = 0 THEN 'underserved' ELSE 'served' END, false, true, p.path[1] % 2 = 0,
	        'fixed target met'
	 FROM municipality m, ST_Dump(ST_GeneratePoints(m.geom, 40, 7 + m.code::int)) p`,
	`UPDATE candidate_area a SET premises = s.n, households = s.hh, workplaces = s.wp, anchors = s.anchors,
	   double_gaps = s.dg, priority_premises = s.prio
	 FROM (SELECT area_id, count(*) AS n, sum(households) AS hh, sum(workplaces) AS wp,
	         count(anchor) AS anchors, count(*) FILTER (WHERE double_gap) AS dg, count(*) FILTER (WHERE priority) AS prio
	       FROM premise_status WHERE run_id = 1 AND area_id IS NOT NULL GROUP BY area_id) s
	 WHERE s.area_id = a.id`,
	`INSERT INTO area_cost (area_id, option, low, expected, high, subsidy, meets_target, chosen, details)
	 SELECT a.id, o.option, o.f * c.base * 0.8, o.f * c.base, o.f * c.base * 1.35,
	        greatest(0, o.f * c.base - a.premises * 20000), o.option <> 'satellite', o.option = c.pick,
	        jsonb_build_object('per_premise', round((o.f * c.base / a.premises)::numeric))
	 FROM candidate_area a
	 CROSS JOIN LATERAL (SELECT 400000 + a.premises * 60000 + a.distance_to_fiber * 350 AS base,
	        CASE WHEN a.distance_to_fiber > 2500 THEN 'fwa' ELSE 'fiber' END AS pick) c
	 CROSS JOIN (VALUES ('fiber', 1.0), ('fwa', 0.55), ('satellite', 0.35)) o(option, f)`,
	// Scenario 1 ranks by subsidy per premise (PTS); scenario 2 by premises
	// per krona with a smaller budget, so the two select different areas.
	`INSERT INTO scenario (id, run_id, name, strategy, params, summary) VALUES
	 (1, 1, 'PTS 30 Mkr', 'pts', '{"budget": 30000000}', '{"selected": 0}'),
	 (2, 1, 'Score 20 Mkr', 'score', '{"budget": 20000000, "weights": {"premises": 1, "double_gaps": 2}}', '{"selected": 0}')`,
	`WITH costed AS (
	   SELECT a.id, a.premises, a.double_gaps, c.subsidy, c.option,
	          c.subsidy / a.premises AS per_premise, (a.premises + 2.0 * a.double_gaps) / (c.subsidy / 1e6 + 1) AS benefit
	   FROM candidate_area a JOIN area_cost c ON c.area_id = a.id AND c.chosen),
	 ranked AS (
	   SELECT s.id AS scenario_id, s.budget, x.*,
	          row_number() OVER (PARTITION BY s.id ORDER BY CASE WHEN s.id = 1 THEN x.per_premise ELSE -x.benefit END, x.id) AS rank
	   FROM costed x CROSS JOIN (VALUES (1, 30000000.0), (2, 20000000.0)) s(id, budget)),
	 running AS (
	   SELECT r.*, sum(subsidy) OVER (PARTITION BY scenario_id ORDER BY rank) AS cum FROM ranked r)
	 INSERT INTO scenario_area (scenario_id, area_id, rank, score, ranking_amount, subsidy, cost_option,
	   selected, rule, running_budget, explanation)
	 SELECT scenario_id, id, rank, round(benefit::numeric, 3), per_premise, subsidy, option, cum <= budget,
	        CASE WHEN cum <= budget THEN 'selected: within budget' ELSE 'excluded: budget exhausted' END,
	        least(cum, budget),
	        -- The shape of funding.Explanation, as bbplan rank stores it.
	        jsonb_build_object(
	          'criteria', jsonb_build_array(
	            jsonb_build_object('name', 'premises', 'value', premises, 'normalised', premises / 10.0, 'weight', 1, 'contribution', premises / 10.0),
	            jsonb_build_object('name', 'double_gaps', 'value', double_gaps, 'normalised', double_gaps / 5.0, 'weight', 2, 'contribution', 2 * double_gaps / 5.0),
	            jsonb_build_object('name', 'cost_per_premise', 'value', round(per_premise::numeric), 'normalised', round((per_premise / 2e5)::numeric, 3),
	              'weight', -1, 'contribution', -round((per_premise / 2e5)::numeric, 3))),
	          'score', round(benefit::numeric, 3), 'cost_option', option, 'costed_option', option,
	          'subsidy_per_premise', round(per_premise::numeric),
	          'rule', CASE WHEN cum <= budget THEN 'selected: within budget' ELSE 'excluded: budget exhausted' END,
	          'running_budget', least(cum, budget))
	        || CASE WHEN scenario_id = 1 THEN jsonb_build_object('pts', jsonb_build_object('buildings', premises,
	             'priority_buildings', 0, 'subsidy_per_building', round(per_premise::numeric), 'reduction', 0,
	             'ranking_amount', round(per_premise::numeric))) ELSE '{}'::jsonb END
	 FROM running`,
	// The scenario summary in the shape of funding.Summary, which the
	// comparison reads for the budget per municipality.
	`WITH per_muni AS (
	   SELECT sa.scenario_id, a.kommun_code, count(*) AS areas, count(*) FILTER (WHERE sa.selected) AS selected,
	          coalesce(sum(a.premises) FILTER (WHERE sa.selected), 0) AS premises,
	          coalesce(sum(a.households) FILTER (WHERE sa.selected), 0) AS households,
	          coalesce(sum(sa.subsidy) FILTER (WHERE sa.selected), 0) AS allocated
	   FROM scenario_area sa JOIN candidate_area a ON a.id = sa.area_id GROUP BY sa.scenario_id, a.kommun_code),
	 totals AS (
	   SELECT scenario_id, sum(areas) AS areas, sum(selected) AS selected, sum(premises) AS premises,
	          sum(households) AS households, sum(allocated) AS allocated,
	          jsonb_agg(jsonb_build_object('kommun_code', kommun_code, 'areas', areas, 'selected', selected,
	            'premises', premises, 'allocated', allocated, 'share', 0, 'reserve', 0) ORDER BY kommun_code) AS municipalities
	   FROM per_muni GROUP BY scenario_id)
	 UPDATE scenario s SET summary = jsonb_build_object('budget', (s.params->>'budget')::float8,
	   'allocated', t.allocated, 'remaining', (s.params->>'budget')::float8 - t.allocated, 'areas', t.areas,
	   'selected', t.selected, 'selected_premises', t.premises, 'selected_households', t.households,
	   'benefit', 0, 'municipalities', t.municipalities)
	 FROM totals t WHERE t.scenario_id = s.id`,
	`INSERT INTO cell_stat (run_id, grid, cell_id, geom, premises, households, workplaces, premises_target,
	   eligible, double_gaps, share_target)
	 SELECT 1, 'scb1km', lpad((floor(ST_X(geom) / 1000) * 1000)::bigint::text, 6, '0') || (floor(ST_Y(geom) / 1000) * 1000)::bigint::text,
	        ST_MakeEnvelope(floor(ST_X(geom) / 1000) * 1000, floor(ST_Y(geom) / 1000) * 1000,
	                        floor(ST_X(geom) / 1000) * 1000 + 1000, floor(ST_Y(geom) / 1000) * 1000 + 1000, 3006),
	        count(*), sum(households), sum(workplaces), count(*) FILTER (WHERE tier >= 1000),
	        count(*) FILTER (WHERE eligible), count(*) FILTER (WHERE double_gap),
	        (count(*) FILTER (WHERE tier >= 1000))::float / count(*)
	 FROM premise_status WHERE run_id = 1
	 GROUP BY floor(ST_X(geom) / 1000), floor(ST_Y(geom) / 1000)`,
	`INSERT INTO municipality_stat (run_id, kommun_code, premises, households, workplaces, premises_target,
	   households_target, workplaces_target, eligible_premises, eligible_households, eligible_workplaces,
	   mobile_ok, double_gaps, disputed, tiers, classes)
	 SELECT 1, kommun_code, count(*), sum(households), sum(workplaces), count(*) FILTER (WHERE tier >= 1000),
	        coalesce(sum(households) FILTER (WHERE tier >= 1000), 0), coalesce(sum(workplaces) FILTER (WHERE tier >= 1000), 0),
	        count(*) FILTER (WHERE eligible), coalesce(sum(households) FILTER (WHERE eligible), 0),
	        coalesce(sum(workplaces) FILTER (WHERE eligible), 0), count(*) FILTER (WHERE mobile_ok),
	        count(*) FILTER (WHERE double_gap), 0,
	        -- As the analysis writes them: premises reaching at least each tier.
	        (SELECT jsonb_object_agg(tt, jsonb_build_object('premises', n, 'households', hh, 'workplaces', wp))
	         FROM (SELECT tt, count(t.*) AS n, coalesce(sum(t.households), 0) AS hh, coalesce(sum(t.workplaces), 0) AS wp
	               FROM unnest(ARRAY[1000, 100, 30]) tt
	               LEFT JOIN premise_status t ON t.run_id = 1 AND t.kommun_code = ps.kommun_code AND t.tier >= tt
	               GROUP BY tt) x),
	        (SELECT jsonb_object_agg(class, jsonb_build_object('premises', n))
	         FROM (SELECT class, count(*) AS n FROM premise_status t
	               WHERE t.run_id = 1 AND t.kommun_code = ps.kommun_code GROUP BY class) y)
	 FROM premise_status ps WHERE run_id = 1 GROUP BY kommun_code`,
	`SELECT setval('analysis_run_id_seq', 1), setval('scenario_id_seq', 2)`,
}

type kommunFeature struct {
	Properties struct {
		Code string `json:"kommun_code"`
		Name string `json:"name"`
	} `json:"properties"`
	Geometry json.RawMessage `json:"geometry"`
}

// loadFixture fills db with municipalities (real ones when the shared data is
// present) and the results of one run with two scenarios.
func loadFixture(t *testing.T, db *data.DB) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var ds int64
	if err := tx.QueryRowContext(ctx, fixtureDataset).Scan(&ds); err != nil {
		t.Fatalf("fixture dataset: %v", err)
	}
	raw, err := os.ReadFile(kommunerFile)
	switch {
	case errors.Is(err, os.ErrNotExist):
		t.Logf("%s not found: using synthetic municipalities", kommunerFile)
		if _, err := tx.ExecContext(ctx, syntheticMunicipalities, ds); err != nil {
			t.Fatalf("fixture municipalities: %v", err)
		}
	case err != nil:
		t.Fatal(err)
	default:
		var fc struct{ Features []kommunFeature }
		if err := json.Unmarshal(raw, &fc); err != nil {
			t.Fatalf("%s: %v", kommunerFile, err)
		}
		for _, f := range fc.Features {
			if _, err := tx.ExecContext(ctx, fixtureMunicipality, f.Properties.Code, f.Properties.Name, ds, string(f.Geometry)); err != nil {
				t.Fatalf("%s: municipality %s: %v", kommunerFile, f.Properties.Code, err)
			}
		}
	}
	for i, q := range fixtureResults {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatalf("fixture statement %d: %v", i, fmt.Errorf("%w\n%s", err, q))
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
