-- Core tables loaded by `bbplan load`. {{SRID}} is the working SRID, fixed when
-- the database is first migrated (see bbplan_setting).
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE bbplan_setting (
    key   text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO bbplan_setting (key, value) VALUES ('srid', '{{SRID}}');

-- One row per load. Every loaded row carries the id of the dataset it came from.
CREATE TABLE dataset (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('municipalities', 'premises', 'fixed', 'mobile',
                    'fiber-nodes', 'settlements', 'measurements', 'priorities')),
    name        text NOT NULL,
    source_file text NOT NULL,
    sha256      text NOT NULL,
    options     jsonb NOT NULL DEFAULT '{}',
    input_srid  integer,
    rows        bigint NOT NULL DEFAULT 0,
    rejected    bigint NOT NULL DEFAULT 0,
    repaired    bigint NOT NULL DEFAULT 0,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    loaded_by   text NOT NULL DEFAULT current_user,
    status      text NOT NULL DEFAULT 'current' CHECK (status IN ('current', 'replaced'))
);
CREATE INDEX dataset_kind_status ON dataset (kind, status);

CREATE TABLE municipality (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    county_code text NOT NULL,
    dataset_id  bigint NOT NULL,
    geom        geometry(MultiPolygon, {{SRID}}) NOT NULL
);
CREATE INDEX municipality_geom ON municipality USING gist (geom);

CREATE TABLE premise (
    id          text PRIMARY KEY,
    dataset_id  bigint NOT NULL,
    geom        geometry(Point, {{SRID}}) NOT NULL,
    kommun_code text,
    households  integer NOT NULL DEFAULT 0 CHECK (households >= 0),
    workplaces  integer NOT NULL DEFAULT 0 CHECK (workplaces >= 0),
    kind        text NOT NULL DEFAULT 'permanent' CHECK (kind IN ('permanent', 'holiday')),
    anchor      text CHECK (anchor IN ('school', 'health', 'library', 'public_safety'))
);
CREATE INDEX premise_geom ON premise USING gist (geom);

-- Premises marked by the region (DESIGN §6). Kept apart from premise so that
-- either can be reloaded without losing the other.
CREATE TABLE premise_priority (
    premise_id text PRIMARY KEY,
    dataset_id bigint NOT NULL
);

-- A fixed offer is tied to a premise (premise_id) or covers a polygon (geom).
CREATE TABLE fixed_offer (
    id           bigserial PRIMARY KEY,
    dataset_id   bigint NOT NULL,
    premise_id   text,
    geom         geometry(MultiPolygon, {{SRID}}),
    provider     text NOT NULL,
    technology   text NOT NULL CHECK (technology IN ('fiber', 'cable', 'dsl', 'fwa_licensed',
                     'fwa_unlicensed', 'satellite_geo', 'satellite_leo', 'other')),
    down_mbps    double precision NOT NULL CHECK (down_mbps >= 0),
    up_mbps      double precision NOT NULL CHECK (up_mbps >= 0),
    latency_ms   double precision CHECK (latency_ms >= 0),
    status       text NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'planned')),
    planned_year integer,
    -- Operator plans are business secrets (DESIGN §8).
    confidential boolean NOT NULL DEFAULT false,
    CHECK (premise_id IS NOT NULL OR geom IS NOT NULL)
);
CREATE INDEX fixed_offer_premise ON fixed_offer (premise_id);
CREATE INDEX fixed_offer_geom ON fixed_offer USING gist (geom);

CREATE TABLE mobile_coverage (
    id         bigserial PRIMARY KEY,
    dataset_id bigint NOT NULL,
    operator   text NOT NULL,
    technology text NOT NULL CHECK (technology IN ('4g', '5g')),
    down_mbps  double precision NOT NULL CHECK (down_mbps >= 0),
    indoor     boolean NOT NULL DEFAULT false,
    geom       geometry(MultiPolygon, {{SRID}}) NOT NULL
);
CREATE INDEX mobile_coverage_geom ON mobile_coverage USING gist (geom);

CREATE TABLE fiber_node (
    id         text PRIMARY KEY,
    dataset_id bigint NOT NULL,
    kind       text NOT NULL DEFAULT 'node',
    geom       geometry(Point, {{SRID}}) NOT NULL
);
CREATE INDEX fiber_node_geom ON fiber_node USING gist (geom);

CREATE TABLE fiber_route (
    id         bigserial PRIMARY KEY,
    dataset_id bigint NOT NULL,
    geom       geometry(MultiLineString, {{SRID}}) NOT NULL
);
CREATE INDEX fiber_route_geom ON fiber_route USING gist (geom);

-- Statistical urban settlements (tätorter): points or polygons.
CREATE TABLE settlement (
    code        text PRIMARY KEY,
    dataset_id  bigint NOT NULL,
    name        text NOT NULL,
    kommun_code text,
    pop         integer,
    geom        geometry(Geometry, {{SRID}}) NOT NULL
        CHECK (GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON'))
);
CREATE INDEX settlement_geom ON settlement USING gist (geom);

CREATE TABLE measurement (
    id          bigserial PRIMARY KEY,
    dataset_id  bigint NOT NULL,
    premise_id  text,
    geom        geometry(Point, {{SRID}}) NOT NULL,
    down_mbps   double precision NOT NULL CHECK (down_mbps >= 0),
    up_mbps     double precision CHECK (up_mbps >= 0),
    latency_ms  double precision CHECK (latency_ms >= 0),
    tests       integer NOT NULL DEFAULT 1 CHECK (tests > 0),
    measured_on date
);
CREATE INDEX measurement_premise ON measurement (premise_id);
CREATE INDEX measurement_geom ON measurement USING gist (geom);

-- Every load, run, scenario and token change (DESIGN §8).
CREATE TABLE audit_log (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    actor   text NOT NULL,
    action  text NOT NULL,
    object  text NOT NULL DEFAULT '',
    details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
