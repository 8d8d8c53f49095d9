-- Results of `bbplan analyze` and `bbplan rank`, and API tokens. Every result row
-- carries the run (or scenario) that produced it, so any map can be traced to
-- its data and rules.

CREATE TABLE analysis_run (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    profile     text NOT NULL,              -- preset or file name
    params      jsonb NOT NULL,             -- the whole profile and analysis parameters
    as_of       date NOT NULL,
    dataset_ids jsonb NOT NULL,             -- {"premises": 3, "fixed": 4, ...}
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    created_by  text NOT NULL DEFAULT current_user,
    summary     jsonb NOT NULL DEFAULT '{}'
);

-- One row per run and premise. Geometry and counts are copied from premise so
-- that a run stays readable after the premises are reloaded. Partitioned by
-- run: `bbplan analyze` fills a fresh table without indexes, indexes it once
-- and attaches it (index upkeep row by row costs several times the insert).
-- The default partition takes rows written directly to the parent.
CREATE TABLE premise_status (
    run_id           bigint NOT NULL REFERENCES analysis_run (id) ON DELETE CASCADE,
    premise_id       text NOT NULL,
    kommun_code      text,
    geom             geometry(Point, {{SRID}}) NOT NULL,
    households       integer NOT NULL,
    workplaces       integer NOT NULL,
    kind             text NOT NULL,
    anchor           text,
    priority         boolean NOT NULL DEFAULT false,
    best_down        double precision,
    best_up          double precision,
    best_tech        text,
    best_provider    text,
    best_planned     boolean NOT NULL DEFAULT false, -- best offer is an operator plan (confidential)
    networks_now     integer NOT NULL DEFAULT 0,     -- networks meeting the target today
    networks_planned integer NOT NULL DEFAULT 0,     -- networks meeting it within the planning horizon
    best_mobile_down double precision,
    tier             integer NOT NULL DEFAULT 0,     -- highest profile tier met (Mbit/s), 0 = none
    class            text NOT NULL,                  -- profile class, e.g. served|unserved|white|grey|black
    eligible         boolean NOT NULL,
    mobile_ok        boolean NOT NULL DEFAULT false,
    double_gap       boolean NOT NULL DEFAULT false,
    disputed         boolean NOT NULL DEFAULT false,
    in_settlement    boolean NOT NULL DEFAULT false,
    area_id          bigint,                         -- candidate_area.id, null when not eligible
    reason           text NOT NULL,
    PRIMARY KEY (run_id, premise_id)
) PARTITION BY LIST (run_id);
CREATE TABLE premise_status_default PARTITION OF premise_status DEFAULT;
CREATE INDEX premise_status_geom ON premise_status USING gist (geom);
-- No (run_id, kommun_code) or (area_id) index: within a run's partition a
-- municipality is a large share of the rows, 0005 indexes the eligible ones
-- and (run_id, area_id), and every index costs each run a build.

CREATE TABLE municipality_stat (
    run_id              bigint NOT NULL REFERENCES analysis_run (id) ON DELETE CASCADE,
    kommun_code         text NOT NULL,
    premises            integer NOT NULL,
    households          integer NOT NULL,
    workplaces          integer NOT NULL,
    premises_target     integer NOT NULL,   -- meeting the profile's fixed target
    households_target   integer NOT NULL,
    workplaces_target   integer NOT NULL,
    eligible_premises   integer NOT NULL,
    eligible_households integer NOT NULL,
    eligible_workplaces integer NOT NULL,
    mobile_ok           integer NOT NULL,
    double_gaps         integer NOT NULL,
    disputed            integer NOT NULL,
    tiers               jsonb NOT NULL,     -- {"1000": {"premises": n, "households": n, "workplaces": n}, ...}
    classes             jsonb NOT NULL,     -- {"served": {...}, "unserved": {...}}
    PRIMARY KEY (run_id, kommun_code)
);

-- Partitioned by run like premise_status.
CREATE TABLE cell_stat (
    run_id          bigint NOT NULL REFERENCES analysis_run (id) ON DELETE CASCADE,
    grid            text NOT NULL,          -- 'scb1km', 'scb250m', 'inspire1km'
    cell_id         text NOT NULL,          -- as SCB (or INSPIRE) writes it
    geom            geometry(Polygon, {{SRID}}) NOT NULL,
    premises        integer NOT NULL,
    households      integer NOT NULL,
    workplaces      integer NOT NULL,
    premises_target integer NOT NULL,
    eligible        integer NOT NULL,
    double_gaps     integer NOT NULL,
    share_target    double precision NOT NULL,
    PRIMARY KEY (run_id, grid, cell_id)
) PARTITION BY LIST (run_id);
CREATE TABLE cell_stat_default PARTITION OF cell_stat DEFAULT;
CREATE INDEX cell_stat_geom ON cell_stat USING gist (geom);

CREATE TABLE candidate_area (
    id                bigserial PRIMARY KEY,
    run_id            bigint NOT NULL REFERENCES analysis_run (id) ON DELETE CASCADE,
    kommun_code       text NOT NULL,
    stranded          boolean NOT NULL DEFAULT false, -- below the minimum size: costed for alternatives
    premises          integer NOT NULL,
    households        integer NOT NULL,
    workplaces        integer NOT NULL,
    anchors           integer NOT NULL,
    double_gaps       integer NOT NULL,
    priority_premises integer NOT NULL DEFAULT 0,
    class             text NOT NULL DEFAULT '',       -- dominant premise class
    distance_to_fiber double precision,               -- metres, feeder distance before route factor
    geom              geometry(MultiPolygon, {{SRID}}) NOT NULL
);
CREATE INDEX candidate_area_run ON candidate_area (run_id, kommun_code);
CREATE INDEX candidate_area_geom ON candidate_area USING gist (geom);

-- Cost options per area (fiber, fwa, satellite); exactly one is chosen.
CREATE TABLE area_cost (
    area_id     bigint NOT NULL REFERENCES candidate_area (id) ON DELETE CASCADE,
    option      text NOT NULL CHECK (option IN ('fiber', 'fwa', 'satellite')),
    low         double precision NOT NULL,
    expected    double precision NOT NULL,
    high        double precision NOT NULL,
    subsidy     double precision NOT NULL,  -- requested subsidy for the expected cost
    meets_target boolean NOT NULL,
    chosen      boolean NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (area_id, option)
);

CREATE TABLE scenario (
    id         bigserial PRIMARY KEY,
    run_id     bigint NOT NULL REFERENCES analysis_run (id) ON DELETE CASCADE,
    name       text NOT NULL,
    strategy   text NOT NULL CHECK (strategy IN ('pts', 'score', 'optimal')),
    params     jsonb NOT NULL,
    summary    jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT current_user
);

CREATE TABLE scenario_area (
    scenario_id    bigint NOT NULL REFERENCES scenario (id) ON DELETE CASCADE,
    area_id        bigint NOT NULL REFERENCES candidate_area (id) ON DELETE CASCADE,
    rank           integer NOT NULL,
    score          double precision NOT NULL,
    ranking_amount double precision,
    subsidy        double precision NOT NULL,
    cost_option    text NOT NULL,
    selected       boolean NOT NULL,
    rule           text NOT NULL,
    running_budget double precision NOT NULL,
    explanation    jsonb NOT NULL,
    PRIMARY KEY (scenario_id, area_id)
);
CREATE INDEX scenario_area_rank ON scenario_area (scenario_id, rank);

CREATE TABLE api_token (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('admin', 'planner', 'committee', 'municipality')),
    kommun_code  text,
    hash         text NOT NULL UNIQUE,      -- sha256 of the token; the token itself is never stored
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz,
    CHECK ((role = 'municipality') = (kommun_code IS NOT NULL))
);
