package server

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
)

// loadSQL generates a synthetic region for the load benchmark: 15
// municipalities (40 km squares over Västerbotten's SWEREF 99 TM range),
// bbplan.bench_premises premises clustered around each centre (70 %) or spread (30 %), about
// 4 % eligible, grouped into 2 km candidate areas, and 1 km cells.
const loadSQL = `
SELECT setseed(0.24);
INSERT INTO dataset (id, kind, name, source_file, sha256) VALUES (1, 'premises', 'bench', 'bench', 'x');
INSERT INTO municipality (code, name, county_code, dataset_id, geom)
SELECT (2401 + i)::text, 'Kommun ' || i, '24', 1,
	ST_Multi(ST_MakeEnvelope(600000 + (i % 5) * 40000, 7050000 + (i / 5) * 40000,
		640000 + (i % 5) * 40000, 7090000 + (i / 5) * 40000, 3006))
FROM generate_series(0, 14) i;
INSERT INTO analysis_run (id, name, profile, params, as_of, dataset_ids, status)
	VALUES (1, 'bench', 'pts-2025', '{}', '2026-11-01', '{}', 'done');
INSERT INTO premise_status (run_id, premise_id, kommun_code, geom, households, workplaces, kind, class,
	eligible, best_down, best_planned, tier, double_gap, mobile_ok, reason)
SELECT 1, 'B' || g, (2401 + m)::text,
	ST_SetSRID(ST_MakePoint(
		CASE WHEN c THEN 620000 + (m % 5) * 40000 + (random() + random() + random() - 1.5) * 8000
			ELSE 600000 + (m % 5) * 40000 + random() * 39999 END,
		CASE WHEN c THEN 7070000 + (m / 5) * 40000 + (random() + random() + random() - 1.5) * 8000
			ELSE 7050000 + (m / 5) * 40000 + random() * 39999 END), 3006),
	1, (random() < 0.1)::int, 'permanent', CASE WHEN e THEN 'white' ELSE 'served' END, e,
	CASE WHEN e THEN 10 ELSE 1000 END, random() < 0.05, CASE WHEN e THEN 0 ELSE 1000 END,
	e AND random() < 0.3, random() < 0.8, 'bench'
FROM (SELECT g, (g % 15) AS m, random() < 0.7 AS c, random() < 0.04 AS e FROM generate_series(1, current_setting('bbplan.bench_premises')::int) g) p;
INSERT INTO municipality_stat (run_id, kommun_code, premises, households, workplaces, premises_target,
	households_target, workplaces_target, eligible_premises, eligible_households, eligible_workplaces,
	mobile_ok, double_gaps, disputed, tiers, classes)
SELECT 1, kommun_code, count(*), sum(households), sum(workplaces), count(*) FILTER (WHERE NOT eligible), 0, 0,
	count(*) FILTER (WHERE eligible), 0, 0, count(*) FILTER (WHERE mobile_ok), count(*) FILTER (WHERE double_gap), 0, '{}', '{}'
FROM premise_status GROUP BY kommun_code;
INSERT INTO cell_stat (run_id, grid, cell_id, geom, premises, households, workplaces, premises_target,
	eligible, double_gaps, share_target)
SELECT 1, 'scb1km', (x * 1000)::text || (y * 1000)::text,
	ST_MakeEnvelope(x * 1000, y * 1000, x * 1000 + 1000, y * 1000 + 1000, 3006),
	n, n, 0, n - e, e, 0, (n - e)::float8 / n
FROM (SELECT floor(ST_X(geom) / 1000)::bigint AS x, floor(ST_Y(geom) / 1000)::bigint AS y, count(*) AS n,
	count(*) FILTER (WHERE eligible) AS e FROM premise_status GROUP BY 1, 2) c;
INSERT INTO candidate_area (run_id, kommun_code, premises, households, workplaces, anchors, double_gaps, class, geom)
SELECT 1, min(kommun_code), count(*), count(*), 0, 0, 0, 'white',
	ST_Multi(ST_Buffer(ST_ConvexHull(ST_Collect(geom)), 150))
FROM premise_status WHERE eligible
GROUP BY kommun_code, floor(ST_X(geom) / 2000), floor(ST_Y(geom) / 2000);
UPDATE premise_status ps SET area_id = ca.id FROM candidate_area ca
	WHERE ps.eligible AND ps.kommun_code = ca.kommun_code AND ST_Intersects(ca.geom, ps.geom);
INSERT INTO area_cost (area_id, option, low, expected, high, subsidy, meets_target, chosen)
SELECT id, 'fiber', premises * 80000, premises * 100000, premises * 130000, premises * 70000, true, true FROM candidate_area;
ANALYZE;
`

// benchServer returns a served synthetic region of BBPLAN_BENCH_PREMISES
// premises (default 200,000; the target size is 1,000,000).
func benchServer(b *testing.B) (*httptest.Server, string, [][2]float64) {
	b.Helper()
	n := 200000
	if v := os.Getenv("BBPLAN_BENCH_PREMISES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("BBPLAN_BENCH_PREMISES: %v", err)
		}
	}
	db, dsn := dbtest.New(b)
	start := time.Now()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT set_config('bbplan.bench_premises', $1, false)`, strconv.Itoa(n)); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, loadSQL); err != nil {
		b.Fatalf("generating %d premises: %v", n, err)
	}
	conn.Close()
	b.Logf("generated %d premises in %s", n, time.Since(start).Round(time.Second))
	_, secret, err := db.CreateToken(ctx, data.RolePlanner, "", "bench", "bench")
	if err != nil {
		b.Fatal(err)
	}
	// Centres of the premise clusters, in CRS84.
	rows, err := db.Query(`SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(
		620000 + (m % 5) * 40000, 7070000 + (m / 5) * 40000), 3006), 4326) AS p FROM generate_series(0, 14) m) x`)
	if err != nil {
		b.Fatal(err)
	}
	var centres [][2]float64
	for rows.Next() {
		var c [2]float64
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			b.Fatal(err)
		}
		centres = append(centres, c)
	}
	read, write := openPools(b, dsn)
	cfg := testConfig()
	cfg.MaxLimit = 10000
	cfg.TokenCacheTTL = 10 * time.Second // as bbplan serve
	srv, err := New(cfg, Deps{Read: read, Write: write})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(func() { ts.Close(); srv.Close() })
	return ts, secret, centres
}

// load runs requests from 8 concurrent clients for b.N requests in all and
// reports requests per second and the 99th percentile latency.
func load(b *testing.B, ts *httptest.Server, token string, path func(r *rand.Rand) string) {
	const clients = 8
	var mu sync.Mutex
	var lat []time.Duration
	var bytes, largest int64
	next := make(chan int)
	go func() {
		for i := 0; i < b.N; i++ {
			next <- i
		}
		close(next)
	}()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 7))
			client := ts.Client()
			for range next {
				req, _ := http.NewRequest("GET", ts.URL+path(rng), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				nb, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				if resp.StatusCode != http.StatusOK {
					b.Errorf("%s: status %d", req.URL, resp.StatusCode)
					return
				}
				if strings.HasSuffix(req.URL.Path, ".mvt") && nb > MaxTileBytes {
					b.Errorf("%s: tile of %d bytes", req.URL, nb)
				}
				mu.Lock()
				lat = append(lat, d)
				bytes += nb
				largest = max(largest, nb)
				mu.Unlock()
			}
		}(uint64(c))
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(bytes)/float64(len(lat)), "B/resp")
	b.ReportMetric(float64(largest), "max-B")
}

// jitter is a point near a random cluster centre (about ±10 km).
func jitter(r *rand.Rand, centres [][2]float64) (lon, lat float64) {
	c := centres[r.IntN(len(centres))]
	return c[0] + (r.Float64()-0.5)*0.4, c[1] + (r.Float64()-0.5)*0.18
}

// BenchmarkServe measures the speed targets: mixed z8–12 tiles, z12
// premise tiles, items (limit 1000, 4×4 km bbox) and gaps, 8 clients each.
// Run: go test ./cmd/bbplan/server -run '^$' -bench Serve -benchtime 400x
func BenchmarkServe(b *testing.B) {
	ts, token, centres := benchServer(b)
	layers := []string{"municipalities", "cells", "areas", "premises"}
	b.Run("tiles-mixed-z8-12", func(b *testing.B) {
		load(b, ts, token, func(r *rand.Rand) string {
			lon, lat := jitter(r, centres)
			return tilePath(layers[r.IntN(len(layers))], 8+r.IntN(5), lon, lat)
		})
	})
	b.Run("tiles-premises-z12", func(b *testing.B) {
		load(b, ts, token, func(r *rand.Rand) string {
			lon, lat := jitter(r, centres)
			return tilePath("premises", 12, lon, lat)
		})
	})
	b.Run("items-limit1000-4km", func(b *testing.B) {
		load(b, ts, token, func(r *rand.Rand) string {
			c := centres[r.IntN(len(centres))]
			lon, lat := c[0]+(r.Float64()-0.5)*0.1, c[1]+(r.Float64()-0.5)*0.04
			// 4 km is about 0.081° of longitude and 0.036° of latitude at 64° N.
			return fmt.Sprintf("/ogc/collections/premises/items?limit=1000&bbox=%.5f,%.5f,%.5f,%.5f",
				lon-0.0405, lat-0.018, lon+0.0405, lat+0.018)
		})
	})
	b.Run("gaps", func(b *testing.B) {
		load(b, ts, token, func(r *rand.Rand) string {
			return fmt.Sprintf("/api/v1/municipalities/%d/gaps", 2401+r.IntN(15))
		})
	})
}
