-- Serving support for `bbplan serve`: indexes for the API's access paths and
-- the JSON property builders shared by the JSON API and OGC API - Features,
-- so that premise-level output (and the hiding of operator plans) is defined
-- in one place.

CREATE INDEX IF NOT EXISTS premise_status_run_area ON premise_status (run_id, area_id);
-- A municipality's gaps are its eligible premises, a few per cent of all.
CREATE INDEX IF NOT EXISTS premise_status_eligible ON premise_status (run_id, kommun_code) WHERE eligible;
CREATE INDEX IF NOT EXISTS scenario_area_area ON scenario_area (area_id);
CREATE INDEX IF NOT EXISTS scenario_run ON scenario (run_id);

-- Both are STABLE, as json_build_object is: an IMMUTABLE wrapper around a
-- STABLE body is not inlined, and inlining is what makes them cheap per row.

-- bbplan_premise_props is the public property set of one premise status row
-- (json, with "kind": "premise"). Without plans (below planner) the best
-- offer is withheld when it is an operator plan, and the keys that reveal
-- plans are left out: they are appended as text only with plans, which keeps
-- this one json_build_object (json is a third cheaper to build than jsonb,
-- and premises are served by the thousand).
CREATE FUNCTION bbplan_premise_props(ps premise_status, plans boolean) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (rtrim(json_build_object(
        'kind', 'premise', 'id', ps.premise_id, 'kommun_code', ps.kommun_code, 'class', ps.class,
        'eligible', ps.eligible, 'tier', ps.tier, 'households', ps.households,
        'workplaces', ps.workplaces, 'premise_kind', ps.kind, 'anchor', ps.anchor,
        'priority', ps.priority, 'area_id', ps.area_id, 'double_gap', ps.double_gap,
        'mobile_ok', ps.mobile_ok, 'disputed', ps.disputed, 'in_settlement', ps.in_settlement,
        'reason', ps.reason, 'networks_now', ps.networks_now,
        'best_mobile_down', ps.best_mobile_down,
        'best_down', CASE WHEN plans OR NOT ps.best_planned THEN ps.best_down END,
        'best_up', CASE WHEN plans OR NOT ps.best_planned THEN ps.best_up END,
        'best_tech', CASE WHEN plans OR NOT ps.best_planned THEN ps.best_tech END,
        'best_provider', CASE WHEN plans OR NOT ps.best_planned THEN ps.best_provider END)::text, '}')
    || CASE WHEN plans THEN ', "best_planned" : ' || ps.best_planned::text
        || ', "networks_planned" : ' || ps.networks_planned::text ELSE '' END || '}')::json
$$;

-- bbplan_area_props is the public property set of one candidate area with its
-- chosen cost option ac (a null row when the area is not costed). Callers
-- LEFT JOIN area_cost ac ON ac.area_id = ca.id AND ac.chosen; taking the row
-- keeps the function a plain expression that the planner can inline.
CREATE FUNCTION bbplan_area_props(ca candidate_area, ac area_cost) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object(
        'kind', 'area', 'id', ca.id, 'run', ca.run_id, 'kommun_code', ca.kommun_code, 'class', ca.class,
        'stranded', ca.stranded, 'premises', ca.premises, 'households', ca.households,
        'workplaces', ca.workplaces, 'anchors', ca.anchors, 'double_gaps', ca.double_gaps,
        'priority_premises', ca.priority_premises, 'distance_to_fiber', ca.distance_to_fiber,
        'option', ac.option, 'low', ac.low, 'expected', ac.expected, 'high', ac.high,
        'subsidy', ac.subsidy)
$$;
