package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
)

// Fixture municipalities: Umeå and Nordmaling, as boxes at their real
// SWEREF 99 TM positions. Premise ids start with P and the code so that a
// leak is visible as a substring.
var fixtureMunicipalities = []struct {
	code, name string
	x0, y0     float64
}{
	{"2480", "Umeå", 745000, 7080000},
	{"2401", "Nordmaling", 715000, 7050000},
}

const premisesPerMunicipality = 60

// fixtureDatasets and fixtureResults fill one finished run: premises on a 500 m lattice in each
// municipality (every third eligible, every fifth with a planned best offer),
// statistics, 1 km cells, two candidate areas per municipality with costs,
// and two scenarios that select different areas.
const fixtureDatasets = `
INSERT INTO dataset (id, kind, name, source_file, sha256, rows) VALUES
	(1, 'municipalities', 'kommuner', 'vasterbotten.gpkg', 'aa', 2),
	(2, 'premises', 'premises', 'premises.csv', 'bb', 120);`

// fixtureResults is the run itself (see fixtureDatasets).
const fixtureResults = `
INSERT INTO analysis_run (id, name, profile, params, as_of, dataset_ids, status, finished_at)
	VALUES (1, 'fixture', 'pts-2025', '{"target_down": 1000}', '2026-11-01', '{"premises": 2}', 'done', now());

INSERT INTO premise_status (run_id, premise_id, kommun_code, geom, households, workplaces, kind, class,
	eligible, best_planned, best_down, best_up, best_tech, best_provider, networks_now, networks_planned,
	tier, double_gap, mobile_ok, reason)
SELECT 1, 'P' || m.code || '-' || g, m.code,
	ST_SetSRID(ST_MakePoint(m.x0 + 1000 + (g % 10) * 500, m.y0 + 1000 + (g / 10) * 500), 3006),
	1 + g % 2, (g % 4 = 0)::int, 'permanent',
	CASE WHEN g % 3 = 0 THEN 'white' ELSE 'served' END, g % 3 = 0, g % 5 = 0,
	CASE WHEN g % 3 = 0 THEN 10 ELSE 1000 END, 10, 'fiber', 'Operator AB', (g % 3 <> 0)::int, (g % 5 = 0)::int,
	CASE WHEN g % 3 = 0 THEN 0 ELSE 1000 END, g % 6 = 0, g % 2 = 0,
	CASE WHEN g % 3 = 0 THEN 'below target' ELSE 'meets target' END
FROM (VALUES ('2480', 745000, 7080000), ('2401', 715000, 7050000)) AS m(code, x0, y0),
	generate_series(0, 59) g;

INSERT INTO municipality_stat (run_id, kommun_code, premises, households, workplaces, premises_target,
	households_target, workplaces_target, eligible_premises, eligible_households, eligible_workplaces,
	mobile_ok, double_gaps, disputed, tiers, classes)
SELECT 1, kommun_code, count(*), sum(households), sum(workplaces), count(*) FILTER (WHERE NOT eligible),
	sum(households) FILTER (WHERE NOT eligible), sum(workplaces) FILTER (WHERE NOT eligible),
	count(*) FILTER (WHERE eligible), sum(households) FILTER (WHERE eligible), sum(workplaces) FILTER (WHERE eligible),
	count(*) FILTER (WHERE mobile_ok), count(*) FILTER (WHERE double_gap), 0,
	jsonb_build_object('1000', jsonb_build_object('premises', count(*) FILTER (WHERE tier = 1000))),
	jsonb_build_object('white', jsonb_build_object('premises', count(*) FILTER (WHERE class = 'white')))
FROM premise_status WHERE run_id = 1 GROUP BY kommun_code;

INSERT INTO cell_stat (run_id, grid, cell_id, geom, premises, households, workplaces, premises_target,
	eligible, double_gaps, share_target)
SELECT 1, 'scb1km', (floor(ST_X(geom) / 1000) * 1000)::bigint::text || (floor(ST_Y(geom) / 1000) * 1000)::bigint::text,
	ST_MakeEnvelope(floor(ST_X(geom) / 1000) * 1000, floor(ST_Y(geom) / 1000) * 1000,
		floor(ST_X(geom) / 1000) * 1000 + 1000, floor(ST_Y(geom) / 1000) * 1000 + 1000, 3006),
	count(*), sum(households), sum(workplaces), count(*) FILTER (WHERE NOT eligible),
	count(*) FILTER (WHERE eligible), count(*) FILTER (WHERE double_gap),
	count(*) FILTER (WHERE NOT eligible)::float8 / count(*)
FROM premise_status WHERE run_id = 1
GROUP BY floor(ST_X(geom) / 1000), floor(ST_Y(geom) / 1000), 2, 3, 4;

-- Two areas per municipality: eligible premises in the south half and the north half.
INSERT INTO candidate_area (run_id, kommun_code, premises, households, workplaces, anchors, double_gaps,
	class, distance_to_fiber, geom)
SELECT 1, kommun_code, count(*), sum(households), sum(workplaces), 0, count(*) FILTER (WHERE double_gap),
	'white', 1500 * (1 + half), ST_Multi(ST_Buffer(ST_ConvexHull(ST_Collect(geom)), 200))
FROM (SELECT *, (substring(premise_id from 7)::int >= 30)::int AS half FROM premise_status WHERE eligible) p
GROUP BY kommun_code, half ORDER BY kommun_code, half;
UPDATE premise_status ps SET area_id = ca.id FROM candidate_area ca
	WHERE ps.eligible AND ca.kommun_code = ps.kommun_code AND ST_Intersects(ca.geom, ps.geom);

INSERT INTO area_cost (area_id, option, low, expected, high, subsidy, meets_target, chosen, details)
SELECT id, o.option, o.f * premises * 80000, o.f * premises * 100000, o.f * premises * 135000,
	o.f * premises * 70000, o.option = 'fiber', o.option = 'fiber', jsonb_build_object('premises', premises)
FROM candidate_area, (VALUES ('fiber', 1.0), ('fwa', 0.6)) AS o(option, f);

INSERT INTO scenario (id, run_id, name, strategy, params, summary) VALUES
	(1, 1, 'pts 3M', 'pts', '{"budget": 3000000}', '{"selected": 2}'),
	(2, 1, 'score 3M', 'score', '{"budget": 3000000}', '{"selected": 2}');
INSERT INTO scenario_area (scenario_id, area_id, rank, score, ranking_amount, subsidy, cost_option,
	selected, rule, running_budget, explanation)
SELECT s, ca.id, row_number() OVER (PARTITION BY s ORDER BY CASE WHEN s = 1 THEN ca.id ELSE -ca.id END),
	1.0 / ca.id, ac.subsidy, ac.subsidy, 'fiber',
	row_number() OVER (PARTITION BY s ORDER BY CASE WHEN s = 1 THEN ca.id ELSE -ca.id END) <= 2,
	CASE WHEN row_number() OVER (PARTITION BY s ORDER BY CASE WHEN s = 1 THEN ca.id ELSE -ca.id END) <= 2
		THEN 'selected' ELSE 'budget exhausted' END, ac.subsidy,
	jsonb_build_object('criteria', jsonb_build_array(jsonb_build_object('name', 'premises', 'value', ca.premises)))
FROM candidate_area ca JOIN area_cost ac ON ac.area_id = ca.id AND ac.chosen, generate_series(1, 2) s;
SELECT setval('dataset_id_seq', 2), setval('analysis_run_id_seq', 1), setval('scenario_id_seq', 2);
`

// insertMunicipalities stores the fixture municipalities as 20 km boxes.
const insertMunicipality = `INSERT INTO municipality (code, name, county_code, dataset_id, geom)
	VALUES ($1, $2, '24', 1, ST_Multi(ST_MakeEnvelope($3::float8, $4::float8, $3::float8 + 20000, $4::float8 + 20000, 3006)))`

// fixture is a migrated database with fixture data, served over HTTP.
type fixture struct {
	db     *data.DB
	dsn    string
	srv    *Server
	ts     *httptest.Server
	tokens map[string]string // role label -> secret
}

// testConfig is a server configuration for tests.
func testConfig() Config {
	return Config{Addr: "127.0.0.1:0", ReadHeaderTimeout: 5e9, ReadTimeout: 30e9, WriteTimeout: 30e9,
		IdleTimeout: 30e9, ShutdownTimeout: 5e9, DefaultLimit: 10, MaxLimit: 1000, MaxBodyBytes: 4096,
		MaxBBoxKm2: 250000, MinZoom: 0, MaxZoom: 18, PremiseMinZoom: 11}
}

// loadFixture fills db with the fixture run.
func loadFixture(t testing.TB, db *data.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, fixtureDatasets); err != nil {
		t.Fatalf("fixture datasets: %v", err)
	}
	for _, m := range fixtureMunicipalities {
		if _, err := db.ExecContext(ctx, insertMunicipality, m.code, m.name, m.x0, m.y0); err != nil {
			t.Fatalf("fixture municipality %s: %v", m.code, err)
		}
	}
	if _, err := db.ExecContext(ctx, fixtureResults); err != nil {
		t.Fatalf("fixture: %v", err)
	}
}

// openPools opens the serving pools on dsn as `bbplan serve` does.
func openPools(t testing.TB, dsn string) (read, write *data.DB) {
	t.Helper()
	ctx := context.Background()
	read, err := data.OpenServing(ctx, dsn, data.ServingOptions{ReadOnly: true, StatementTimeout: 10e9, MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	write, err = data.OpenServing(ctx, dsn, data.ServingOptions{StatementTimeout: 10e9, MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	return read, write
}

// newFixture starts a server over a fresh fixture database with one token
// per role.
func newFixture(t *testing.T, mutate func(*Config)) *fixture {
	t.Helper()
	db, dsn := dbtest.New(t)
	loadFixture(t, db)
	f := &fixture{db: db, dsn: dsn, tokens: map[string]string{}}
	for _, r := range []struct{ label, role, kommun string }{
		{"admin", data.RoleAdmin, ""}, {"planner", data.RolePlanner, ""}, {"committee", data.RoleCommittee, ""},
		{"municipality", data.RoleMunicipality, "2480"},
	} {
		_, secret, err := db.CreateToken(context.Background(), r.role, r.kommun, "test-"+r.label, "test")
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[r.label] = secret
	}
	cfg := testConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	read, write := openPools(t, dsn)
	srv, err := New(cfg, Deps{Read: read, Write: write,
		Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = srv
	f.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		f.ts.Close()
		srv.Close()
	})
	return f
}

// get requests path as role ("" for no token).
func (f *fixture) get(t testing.TB, role, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	return f.do(t, http.MethodGet, role, path, "", hdr...)
}

// do sends one request; hdr are header name/value pairs.
func (f *fixture) do(t testing.TB, method, role, path, body string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.ts.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	switch role {
	case "":
	case "bad":
		req.Header.Set("Authorization", "Bearer bbp_not-a-real-token")
	default:
		secret, ok := f.tokens[role]
		if !ok {
			t.Fatalf("no token for role %q", role)
		}
		req.Header.Set("Authorization", "Bearer "+secret)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := f.ts.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp, b
}
