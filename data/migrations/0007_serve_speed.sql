-- Faster GeoJSON for `bbplan serve`: the premise and area property sets of
-- 0005 are rebuilt as text by concatenation. On PostgreSQL 15
-- json_build_object looks up the output function of every argument on every
-- call, which made the properties two thirds of the cost of an items page;
-- concatenating to_json texts gives the same JSON values at a third of the
-- cost, and the text is spliced into the response without being parsed.
-- to_json keeps the escaping of strings and the quoting of non-finite floats
-- exactly as json_build_object does; integers and booleans print as JSON.

-- bbplan_premise_props_text is bbplan_premise_props as text: the public
-- properties of one premise status row; without plans the best offer is
-- withheld when it is an operator plan and the keys that reveal plans are
-- left out.
CREATE FUNCTION bbplan_premise_props_text(ps premise_status, plans boolean) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT '{"kind":"premise","id":' || to_json(ps.premise_id)::text
        || ',"kommun_code":' || COALESCE(to_json(ps.kommun_code)::text, 'null')
        || ',"class":' || to_json(ps.class)::text
        || ',"eligible":' || ps.eligible::text
        || ',"tier":' || ps.tier::text
        || ',"households":' || ps.households::text
        || ',"workplaces":' || ps.workplaces::text
        || ',"premise_kind":' || to_json(ps.kind)::text
        || ',"anchor":' || COALESCE(to_json(ps.anchor)::text, 'null')
        || ',"priority":' || ps.priority::text
        || ',"area_id":' || COALESCE(ps.area_id::text, 'null')
        || ',"double_gap":' || ps.double_gap::text
        || ',"mobile_ok":' || ps.mobile_ok::text
        || ',"disputed":' || ps.disputed::text
        || ',"in_settlement":' || ps.in_settlement::text
        || ',"reason":' || to_json(ps.reason)::text
        || ',"networks_now":' || ps.networks_now::text
        || ',"best_mobile_down":' || COALESCE(to_json(ps.best_mobile_down)::text, 'null')
        || CASE WHEN plans OR NOT ps.best_planned THEN
            ',"best_down":' || COALESCE(to_json(ps.best_down)::text, 'null')
            || ',"best_up":' || COALESCE(to_json(ps.best_up)::text, 'null')
            || ',"best_tech":' || COALESCE(to_json(ps.best_tech)::text, 'null')
            || ',"best_provider":' || COALESCE(to_json(ps.best_provider)::text, 'null')
        ELSE ',"best_down":null,"best_up":null,"best_tech":null,"best_provider":null' END
        || CASE WHEN plans THEN ',"best_planned":' || ps.best_planned::text
            || ',"networks_planned":' || ps.networks_planned::text ELSE '' END
        || '}'
$$;

CREATE OR REPLACE FUNCTION bbplan_premise_props(ps premise_status, plans boolean) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT bbplan_premise_props_text(ps, plans)::json
$$;

-- bbplan_area_props_text is bbplan_area_props as text: one candidate area
-- with its chosen cost option ac (a null row when the area is not costed).
CREATE FUNCTION bbplan_area_props_text(ca candidate_area, ac area_cost) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT '{"kind":"area","id":' || ca.id::text
        || ',"run":' || ca.run_id::text
        || ',"kommun_code":' || to_json(ca.kommun_code)::text
        || ',"class":' || to_json(ca.class)::text
        || ',"stranded":' || ca.stranded::text
        || ',"premises":' || ca.premises::text
        || ',"households":' || ca.households::text
        || ',"workplaces":' || ca.workplaces::text
        || ',"anchors":' || ca.anchors::text
        || ',"double_gaps":' || ca.double_gaps::text
        || ',"priority_premises":' || ca.priority_premises::text
        || ',"distance_to_fiber":' || COALESCE(to_json(ca.distance_to_fiber)::text, 'null')
        || ',"option":' || COALESCE(to_json(ac.option)::text, 'null')
        || ',"low":' || COALESCE(to_json(ac.low)::text, 'null')
        || ',"expected":' || COALESCE(to_json(ac.expected)::text, 'null')
        || ',"high":' || COALESCE(to_json(ac.high)::text, 'null')
        || ',"subsidy":' || COALESCE(to_json(ac.subsidy)::text, 'null')
        || '}'
$$;

CREATE OR REPLACE FUNCTION bbplan_area_props(ca candidate_area, ac area_cost) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT bbplan_area_props_text(ca, ac)::jsonb
$$;
