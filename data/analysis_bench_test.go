package data_test

import (
	"context"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bbplan/bbplan/coverage"
	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
	"github.com/bbplan/bbplan/funding"
)

// benchWorld fills db with n premises over a square region (300 km wide at
// 1 M, same density at any n) split into 15 municipalities, 70 % of them in
// villages of ~200 (Gaussian, sigma 400 m) and 30 % scattered, n/5 premise offers plus polygon
// offers, n/200 mobile polygons (3 operators, 4G/5G) sized so every premise
// lies inside ~23 of them, settlement polygons, measurements and fibre nodes.
// At n = 1,000,000 this is the reference: 200 k offers, 5,000 mobile polygons.
const benchWorld = `
INSERT INTO dataset (id, kind, name, source_file, sha256) VALUES
	(1, 'municipalities', 'b', 'b', 'b'), (2, 'premises', 'b', 'b', 'b'), (3, 'fixed', 'b', 'b', 'b'),
	(4, 'mobile', 'b', 'b', 'b'), (5, 'settlements', 'b', 'b', 'b'), (6, 'measurements', 'b', 'b', 'b'),
	(7, 'fiber-nodes', 'b', 'b', 'b');
SELECT setseed(0.42);
CREATE TEMP TABLE bw AS SELECT $1::int AS n, 300000 * sqrt($1::float8 / 1e6) AS side, 600000.0 AS x0, 7000000.0 AS y0;
INSERT INTO municipality (code, name, county_code, dataset_id, geom)
SELECT (2400 + i * 5 + j)::text, 'K' || i || j, '24', 1,
	ST_Multi(ST_MakeEnvelope(x0 + side * i / 3, y0 + side * j / 5, x0 + side * (i + 1) / 3, y0 + side * (j + 1) / 5, 3006))
FROM bw, generate_series(0, 2) i, generate_series(0, 4) j;
CREATE TEMP TABLE village AS
SELECT v, x0 + random() * side AS cx, y0 + random() * side AS cy FROM bw, generate_series(0, n / 300) v;
INSERT INTO premise (id, dataset_id, geom, households, workplaces, kind, anchor)
SELECT 'p' || g, 2, ST_SetSRID(ST_MakePoint(
		CASE WHEN g % 10 < 7 THEN least(greatest(cx + 400 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()), x0), x0 + side) ELSE x0 + random() * side END,
		CASE WHEN g % 10 < 7 THEN least(greatest(cy + 400 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()), y0), y0 + side) ELSE y0 + random() * side END), 3006),
	(random() * 3)::int, (random() < 0.1)::int * (random() * 5)::int,
	CASE WHEN random() < 0.2 THEN 'holiday' ELSE 'permanent' END,
	CASE WHEN random() < 0.002 THEN 'school' END
FROM bw CROSS JOIN LATERAL generate_series(1, n) g JOIN village ON v = g % (n / 300 + 1);
UPDATE premise p SET kommun_code = m.code FROM municipality m WHERE ST_Intersects(m.geom, p.geom);
INSERT INTO fixed_offer (dataset_id, premise_id, provider, technology, down_mbps, up_mbps, latency_ms, status, planned_year)
SELECT 3, 'p' || (1 + (random() * (n - 1))::int), 'op' || (random() * 5)::int,
	(ARRAY['fiber', 'fiber', 'cable', 'dsl', 'fwa_licensed', 'fwa_unlicensed', 'satellite_leo'])[1 + (random() * 6)::int],
	(ARRAY[10, 30, 100, 250, 1000, 1000])[1 + (random() * 5)::int], (ARRAY[2, 10, 100, 1000])[1 + (random() * 3)::int],
	CASE WHEN random() < 0.3 THEN 20 + random() * 100 END,
	CASE WHEN random() < 0.15 THEN 'planned' ELSE 'available' END, 2026 + (random() * 5)::int
FROM bw, generate_series(1, n / 5) g;
INSERT INTO fixed_offer (dataset_id, geom, provider, technology, down_mbps, up_mbps)
SELECT 3, ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(x0 + random() * side, y0 + random() * side), 3006), 1000)),
	'cable' || (random() * 3)::int, 'cable', 1000, 100
FROM bw, generate_series(1, greatest(n / 2000, 1)) g;
INSERT INTO mobile_coverage (dataset_id, operator, technology, down_mbps, indoor, geom)
SELECT 4, (ARRAY['telia', 'tele2', 'telenor'])[1 + g % 3], CASE WHEN g % 5 < 2 THEN '5g' ELSE '4g' END,
	CASE WHEN g % 5 < 2 THEN (ARRAY[100, 300])[1 + g % 2] ELSE (ARRAY[10, 30, 50])[1 + g % 3] END, g % 2 = 0,
	ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(x0 + random() * side, y0 + random() * side), 3006), 11500))
FROM bw, generate_series(1, greatest(n / 200, 3)) g;
INSERT INTO settlement (code, dataset_id, name, geom)
SELECT 'T' || g, 5, 'T' || g, ST_Buffer(ST_SetSRID(ST_MakePoint(x0 + random() * side, y0 + random() * side), 3006), 800)
FROM bw, generate_series(1, greatest(n / 2000, 1)) g;
INSERT INTO measurement (dataset_id, premise_id, geom, down_mbps, tests)
SELECT 6, p.id, p.geom, random() * 500, 1 + (random() * 9)::int
FROM premise p TABLESAMPLE BERNOULLI (1);
INSERT INTO fiber_node (id, dataset_id, geom)
SELECT 'n' || g, 7, ST_SetSRID(ST_MakePoint(x0 + random() * side, y0 + random() * side), 3006)
FROM bw, generate_series(1, greatest(n / 5000, 1)) g;
ANALYZE;`

// BenchmarkAnalyze measures one analysis run over generated data of
// BBPLAN_BENCH_PREMISES premises (default 100,000).
func BenchmarkAnalyze(b *testing.B) {
	n := 100000
	if s := os.Getenv("BBPLAN_BENCH_PREMISES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("BBPLAN_BENCH_PREMISES=%q is not a positive number", s)
		}
		n = v
	}
	db, _ := dbtest.New(b)
	start := time.Now()
	// The multi-statement text cannot take parameters; n is an int, formatted.
	if _, err := db.Exec(strings.ReplaceAll(benchWorld, "$1", strconv.Itoa(n))); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d premises in %v", n, time.Since(start).Round(time.Millisecond))
	p, err := coverage.LoadProfile("pts-2025")
	if err != nil {
		b.Fatal(err)
	}
	// With -v each step's time is logged.
	log := slog.New(slog.DiscardHandler)
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	var total time.Duration
	runs := 0
	for b.Loop() {
		t0 := time.Now()
		if _, err := data.Analyze(context.Background(), db, data.AnalyzeOptions{Profile: p, AsOf: asOf,
			Params: coverage.DefaultAnalysisParams(), Cost: funding.DefaultCostParams(), Actor: "bench",
			Log: log}); err != nil {
			b.Fatal(err)
		}
		total += time.Since(t0)
		runs++
	}
	b.ReportMetric(math.Round(total.Seconds()/float64(runs)*1000)/1000, "s/analyze")
	b.ReportMetric(float64(n), "premises")
}
