-- Serving support for `bbplan serve`: indexes for the API's access paths and
-- the JSON property builders shared by the JSON API and OGC API - Features,
-- so that premise-level output (and the hiding of operator plans) is defined
-- in one place.

CREATE INDEX IF NOT EXISTS premise_status_run_area ON premise_status (run_id, area_id);
CREATE INDEX IF NOT EXISTS scenario_area_area ON scenario_area (area_id);
CREATE INDEX IF NOT EXISTS scenario_run ON scenario (run_id);

-- bbplan_premise_props is the public property set of one premise status row.
-- Without plans (below planner), the flags that reveal operator plans are
-- dropped and the best offer is withheld when it is a plan.
CREATE FUNCTION bbplan_premise_props(ps premise_status, plans boolean) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object(
        'id', ps.premise_id, 'kommun_code', ps.kommun_code, 'class', ps.class,
        'eligible', ps.eligible, 'tier', ps.tier, 'households', ps.households,
        'workplaces', ps.workplaces, 'premise_kind', ps.kind, 'anchor', ps.anchor,
        'priority', ps.priority, 'area_id', ps.area_id, 'double_gap', ps.double_gap,
        'mobile_ok', ps.mobile_ok, 'disputed', ps.disputed, 'in_settlement', ps.in_settlement,
        'reason', ps.reason, 'networks_now', ps.networks_now,
        'best_mobile_down', ps.best_mobile_down,
        'best_down', CASE WHEN plans OR NOT ps.best_planned THEN ps.best_down END,
        'best_up', CASE WHEN plans OR NOT ps.best_planned THEN ps.best_up END,
        'best_tech', CASE WHEN plans OR NOT ps.best_planned THEN ps.best_tech END,
        'best_provider', CASE WHEN plans OR NOT ps.best_planned THEN ps.best_provider END)
    || CASE WHEN plans THEN jsonb_build_object('best_planned', ps.best_planned,
        'networks_planned', ps.networks_planned) ELSE '{}'::jsonb END
$$;

-- bbplan_area_props is the public property set of one candidate area with its
-- chosen cost option (null fields when the area is not costed).
CREATE FUNCTION bbplan_area_props(ca candidate_area) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT jsonb_build_object(
        'id', ca.id, 'run', ca.run_id, 'kommun_code', ca.kommun_code, 'class', ca.class,
        'stranded', ca.stranded, 'premises', ca.premises, 'households', ca.households,
        'workplaces', ca.workplaces, 'anchors', ca.anchors, 'double_gaps', ca.double_gaps,
        'priority_premises', ca.priority_premises, 'distance_to_fiber', ca.distance_to_fiber,
        'option', ac.option, 'low', ac.low, 'expected', ac.expected, 'high', ac.high,
        'subsidy', ac.subsidy)
    FROM (SELECT 1) one
    LEFT JOIN area_cost ac ON ac.area_id = ca.id AND ac.chosen
$$;
