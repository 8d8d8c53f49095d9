package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/bbplan/bbplan/data/dbtest"

	"github.com/paulmach/orb/encoding/mvt"
)

// Fixture points (CRS84) inside each municipality's premise lattice.
const (
	umeLon, umeLat   = 20.02, 63.77
	nordLon, nordLat = 19.36, 63.525
)

// tileOf returns the tile at zoom z holding the CRS84 point (lon, lat), for
// tests and the load tool.
func tileOf(lon, lat float64, z int) (x, y int) {
	n := float64(int(1) << z)
	x = int((lon + 180) / 360 * n)
	rad := lat * math.Pi / 180
	y = int((1 - math.Log(math.Tan(rad)+1/math.Cos(rad))/math.Pi) / 2 * n)
	return x, y
}

func tilePath(layer string, z int, lon, lat float64) string {
	x, y := tileOf(lon, lat, z)
	return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layer, z, x, y)
}

// roles are the columns of the role matrix; "" is a request without a token.
var roles = []string{"admin", "planner", "committee", "municipality", "anonymous"}

// matrixRow is one endpoint and the status each role gets.
type matrixRow struct {
	name, method, path, body string
	want                     map[string]int // by role; anonymous = anonymous enabled
}

func all(status int) map[string]int {
	return map[string]int{"admin": status, "planner": status, "committee": status, "municipality": status, "anonymous": status}
}

func statuses(admin, planner, committee, municipality, anonymous int) map[string]int {
	return map[string]int{"admin": admin, "planner": planner, "committee": committee, "municipality": municipality, "anonymous": anonymous}
}

func matrix() []matrixRow {
	const ok, no, nf = http.StatusOK, http.StatusForbidden, http.StatusNotFound
	return []matrixRow{
		{"me", "GET", "/api/v1/me", "", all(ok)},
		{"runs", "GET", "/api/v1/runs", "", all(ok)},
		{"datasets", "GET", "/api/v1/datasets", "", statuses(ok, ok, ok, ok, no)},
		{"municipalities", "GET", "/api/v1/municipalities", "", all(ok)},
		{"municipalities with scenario", "GET", "/api/v1/municipalities?scenario=1", "", statuses(ok, ok, ok, ok, no)},
		{"municipality", "GET", "/api/v1/municipalities/2401", "", all(ok)},
		{"own gaps", "GET", "/api/v1/municipalities/2480/gaps", "", statuses(ok, ok, no, ok, no)},
		{"other gaps", "GET", "/api/v1/municipalities/2401/gaps", "", statuses(ok, ok, no, no, no)},
		{"areas", "GET", "/api/v1/areas", "", statuses(ok, ok, ok, ok, no)},
		{"areas of other municipality", "GET", "/api/v1/areas?municipality=2401&scenario=2", "", statuses(ok, ok, ok, ok, no)},
		{"area", "GET", "/api/v1/areas/1?scenario=1", "", statuses(ok, ok, ok, ok, no)},
		{"scenarios", "GET", "/api/v1/scenarios", "", statuses(ok, ok, ok, ok, no)},
		{"scenario", "GET", "/api/v1/scenarios/2", "", statuses(ok, ok, ok, ok, no)},
		{"compare", "GET", "/api/v1/scenarios/1/compare/2", "", statuses(ok, ok, ok, ok, no)},
		{"create scenario", "POST", "/api/v1/scenarios", `{"run": 1, "budget": 1000000, "strategy": "pts", "name": "m"}`,
			statuses(http.StatusCreated, http.StatusCreated, no, no, no)},
		{"ogc landing", "GET", "/ogc/", "", all(ok)},
		{"ogc collections", "GET", "/ogc/collections", "", all(ok)},
		{"ogc premises collection", "GET", "/ogc/collections/premises", "", statuses(ok, ok, no, ok, no)},
		{"ogc premises", "GET", "/ogc/collections/premises/items?limit=1000", "", statuses(ok, ok, no, ok, no)},
		{"ogc premises bbox other", "GET", fmt.Sprintf("/ogc/collections/premises/items?bbox=%g,%g,%g,%g", nordLon-0.1, nordLat-0.1, nordLon+0.1, nordLat+0.1), "", statuses(ok, ok, no, ok, no)},
		{"ogc premises page 2", "GET", "/ogc/collections/premises/items?limit=7&offset=7", "", statuses(ok, ok, no, ok, no)},
		{"ogc own premise", "GET", "/ogc/collections/premises/items/P2480-3", "", statuses(ok, ok, no, ok, no)},
		{"ogc other premise", "GET", "/ogc/collections/premises/items/P2401-3", "", statuses(ok, ok, no, nf, no)},
		{"ogc areas", "GET", "/ogc/collections/areas/items", "", statuses(ok, ok, ok, ok, no)},
		{"ogc cells", "GET", "/ogc/collections/cells/items?limit=100", "", all(ok)},
		{"ogc municipalities", "GET", "/ogc/collections/municipalities/items", "", all(ok)},
		{"ogc scenario", "GET", "/ogc/collections/scenario-1/items", "", statuses(ok, ok, ok, ok, no)},
		{"tile municipalities", "GET", tilePath("municipalities", 8, umeLon, umeLat), "", all(ok)},
		{"tile cells", "GET", tilePath("cells", 10, umeLon, umeLat), "", all(ok)},
		{"tile areas", "GET", tilePath("areas", 10, umeLon, umeLat) + "?scenario=1", "", statuses(ok, ok, ok, ok, no)},
		{"tile premises own z12", "GET", tilePath("premises", 12, umeLon, umeLat), "", statuses(ok, ok, no, ok, no)},
		{"tile premises other z12", "GET", tilePath("premises", 12, nordLon, nordLat), "", statuses(ok, ok, no, ok, no)},
		{"tile premises z7 region", "GET", tilePath("premises", 7, umeLon, umeLat), "", all(ok)},
		{"tile premises z11 region", "GET", tilePath("premises", 11, 19.7, 63.65), "", statuses(ok, ok, no, ok, no)},
	}
}

// premiseLeak returns a description of premise-level data in body that
// role must not see, or "".
func premiseLeak(t *testing.T, role, path string, body []byte) string {
	t.Helper()
	if strings.HasSuffix(strings.SplitN(path, "?", 2)[0], ".mvt") && !strings.HasPrefix(string(body), `{"error"`) {
		layers, err := mvt.Unmarshal(body)
		if err != nil {
			t.Fatalf("%s: decoding tile: %v", path, err)
		}
		for _, l := range layers {
			for _, f := range l.Features {
				p := f.Properties
				if l.Name == "premises" && p["aggregated"] != true {
					if role == "committee" || role == "anonymous" {
						return fmt.Sprintf("premise point %v in a tile", p["id"])
					}
					if role == "municipality" && p["kommun_code"] != "2480" {
						return fmt.Sprintf("premise %v of %v", p["id"], p["kommun_code"])
					}
				}
				if role != "admin" && role != "planner" && p["best_planned"] != nil {
					return "best_planned in a tile"
				}
			}
		}
		return ""
	}
	s := string(body)
	switch role {
	case "municipality":
		if strings.Contains(s, "P2401-") {
			return "a premise of 2401"
		}
	case "committee", "anonymous":
		if strings.Contains(s, `"P24`) {
			return "a premise id"
		}
	}
	if role != "admin" && role != "planner" && (strings.Contains(s, "best_planned") || strings.Contains(s, "networks_planned")) {
		return "operator plans"
	}
	return ""
}

// TestRoleMatrix checks every role against every endpoint, tiles and OGC
// collections included, for the status and for premise-level leaks.
func TestRoleMatrix(t *testing.T) {
	f := newFixture(t, nil)
	anon := newFixture(t, func(c *Config) { c.Anonymous = true })
	for _, row := range matrix() {
		for _, role := range roles {
			t.Run(row.name+"/"+role, func(t *testing.T) {
				fx, tok := f, role
				if role == "anonymous" {
					fx, tok = anon, ""
				}
				resp, body := fx.do(t, row.method, tok, row.path, row.body)
				if want := row.want[role]; resp.StatusCode != want {
					t.Fatalf("%s %s as %s: status %d, want %d: %s", row.method, row.path, role, resp.StatusCode, want, body)
				}
				if leak := premiseLeak(t, role, row.path, body); leak != "" {
					t.Errorf("%s %s as %s leaks %s", row.method, row.path, role, leak)
				}
			})
		}
		if strings.HasPrefix(row.path, "/ogc/") && !strings.HasPrefix(row.path, "/ogc/collections") {
			continue // the landing page is public, as OGC clients expect
		}
		t.Run(row.name+"/no token", func(t *testing.T) {
			resp, body := f.do(t, row.method, "", row.path, row.body)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("without a token (anonymous off): status %d, want 401: %s", resp.StatusCode, body)
			}
		})
		t.Run(row.name+"/bad token", func(t *testing.T) {
			resp, body := anon.do(t, row.method, "bad", row.path, row.body)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("bad token: status %d, want 401: %s", resp.StatusCode, body)
			}
		})
	}
	// Denied requests are audited.
	var n int
	if err := f.db.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'http.denied'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no denied request in the audit log")
	}
	if err := f.db.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'scenario.create' AND actor LIKE 'http:%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d scenario creations by HTTP in the audit log, want 2 (admin, planner)", n)
	}
}

// TestMunicipalityPaging follows OGC and API paging links as a municipality
// token: every page is its own municipality's, and the counts agree.
func TestMunicipalityPaging(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name, role, start string
		wantMatched       int
	}{
		{"municipality sees own premises", "municipality", "/ogc/collections/premises/items?limit=7", premisesPerMunicipality},
		{"municipality with a bbox over both", "municipality", "/ogc/collections/premises/items?limit=9&bbox=19,63,21,64.5", premisesPerMunicipality},
		{"planner sees all premises", "planner", "/ogc/collections/premises/items?limit=50", 2 * premisesPerMunicipality},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next, seen := tc.start, map[string]bool{}
			for pages := 0; next != ""; pages++ {
				if pages > 50 {
					t.Fatal("paging does not end")
				}
				resp, body := f.get(t, tc.role, next)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d %s", next, resp.StatusCode, body)
				}
				var page struct {
					Features []struct {
						ID         string         `json:"id"`
						Properties map[string]any `json:"properties"`
					} `json:"features"`
					NumberMatched  int `json:"numberMatched"`
					NumberReturned int `json:"numberReturned"`
					Links          []link
				}
				if err := json.Unmarshal(body, &page); err != nil {
					t.Fatal(err)
				}
				if page.NumberMatched != tc.wantMatched || page.NumberReturned != len(page.Features) {
					t.Fatalf("numberMatched %d (want %d), numberReturned %d for %d features", page.NumberMatched,
						tc.wantMatched, page.NumberReturned, len(page.Features))
				}
				for _, ft := range page.Features {
					if tc.role == "municipality" && ft.Properties["kommun_code"] != "2480" {
						t.Fatalf("page %s leaks premise %s", next, ft.ID)
					}
					if seen[ft.ID] {
						t.Fatalf("premise %s on two pages", ft.ID)
					}
					seen[ft.ID] = true
				}
				next = ""
				for _, l := range page.Links {
					if l.Rel == "next" {
						u, err := url.Parse(l.Href)
						if err != nil {
							t.Fatal(err)
						}
						next = u.RequestURI()
					}
				}
			}
			if len(seen) != tc.wantMatched {
				t.Errorf("paged through %d premises, want %d", len(seen), tc.wantMatched)
			}
		})
	}
}

// TestAreasPaging follows the JSON API's next links.
func TestAreasPaging(t *testing.T) {
	f := newFixture(t, nil)
	var total int
	if err := f.db.QueryRow(`SELECT count(*) FROM candidate_area`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, start string }{
		{"by id", "/api/v1/areas?limit=1"},
		{"by rank in a scenario", "/api/v1/areas?limit=3&scenario=2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next, ids := tc.start, []int{}
			for next != "" {
				resp, body := f.get(t, "committee", next)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d %s", next, resp.StatusCode, body)
				}
				var page struct {
					Total int     `json:"total"`
					Next  *string `json:"next"`
					Areas []struct {
						ID       int `json:"id"`
						Scenario *struct {
							Rank int `json:"rank"`
						} `json:"scenario"`
					} `json:"areas"`
				}
				if err := json.Unmarshal(body, &page); err != nil {
					t.Fatal(err)
				}
				if page.Total != total {
					t.Fatalf("total %d, want %d", page.Total, total)
				}
				for _, a := range page.Areas {
					ids = append(ids, a.ID)
					if strings.Contains(tc.start, "scenario") && (a.Scenario == nil || a.Scenario.Rank != len(ids)) {
						t.Fatalf("area %d out of rank order", a.ID)
					}
				}
				next = ""
				if page.Next != nil {
					next = *page.Next
				}
			}
			if len(ids) != total {
				t.Errorf("paged through %d areas, want %d", len(ids), total)
			}
		})
	}
}

// TestBadParameters checks that malformed or out-of-range parameters get 400
// naming the parameter.
func TestBadParameters(t *testing.T) {
	f := newFixture(t, nil)
	big := `{"run": 1, "budget": 1, "strategy": "pts", "name": "` + strings.Repeat("x", 5000) + `"}`
	tests := []struct {
		name, method, path, body string
		status                   int
		param                    string
	}{
		{"limit not a number", "GET", "/api/v1/areas?limit=abc", "", 400, "limit"},
		{"limit zero", "GET", "/api/v1/areas?limit=0", "", 400, "limit"},
		{"limit above the ceiling", "GET", "/ogc/collections/cells/items?limit=1000000", "", 400, "limit"},
		{"negative offset", "GET", "/ogc/collections/cells/items?offset=-1", "", 400, "offset"},
		{"bbox three numbers", "GET", "/ogc/collections/cells/items?bbox=1,2,3", "", 400, "bbox"},
		{"bbox not numbers", "GET", "/api/v1/areas?bbox=a,b,c,d", "", 400, "bbox"},
		{"bbox inverted", "GET", "/api/v1/areas?bbox=21,64,20,63", "", 400, "bbox"},
		{"bbox too large", "GET", "/ogc/collections/cells/items?bbox=-170,-80,170,80", "", 400, "bbox"},
		{"bbox-crs", "GET", "/ogc/collections/cells/items?bbox=19,63,20,64&bbox-crs=EPSG:3006", "", 400, "bbox-crs"},
		{"run not a number", "GET", "/api/v1/municipalities?run=x", "", 400, "run"},
		{"run missing", "GET", "/api/v1/municipalities?run=999", "", 404, "run"},
		{"scenario missing", "GET", "/api/v1/areas?scenario=999", "", 404, "scenario"},
		{"scenario of another run", "GET", "/api/v1/areas?scenario=1&run=2", "", 404, "run"},
		{"sort unknown", "GET", "/api/v1/areas?sort=name", "", 400, "sort"},
		{"rank without scenario", "GET", "/api/v1/areas?sort=rank", "", 400, "sort"},
		{"selected without scenario", "GET", "/api/v1/areas?selected=true", "", 400, "selected"},
		{"selected not a bool", "GET", "/api/v1/areas?selected=maybe&scenario=1", "", 400, "selected"},
		{"municipality code", "GET", "/api/v1/areas?municipality=%27%3Bdrop", "", 400, "municipality"},
		{"area id", "GET", "/api/v1/areas/abc", "", 400, "id"},
		{"area missing", "GET", "/api/v1/areas/99999", "", 404, ""},
		{"compare missing", "GET", "/api/v1/scenarios/1/compare/999", "", 404, "b"},
		{"run of scenario missing", "POST", "/api/v1/scenarios", `{"run": 7, "budget": 1000, "strategy": "pts"}`, 400, "run"},
		{"strategy unknown", "POST", "/api/v1/scenarios", `{"run": 1, "budget": 1000, "strategy": "best"}`, 400, "strategy"},
		{"compare id", "GET", "/api/v1/scenarios/1/compare/x", "", 400, "b"},
		{"zoom too deep", "GET", "/tiles/cells/25/0/0.mvt", "", 400, "z"},
		{"x out of range", "GET", "/tiles/cells/2/4/0.mvt", "", 400, "x"},
		{"y not a number", "GET", "/tiles/cells/2/0/a.mvt", "", 400, "y"},
		{"layer unknown", "GET", "/tiles/premise_status/2/0/0.mvt", "", 404, "layer"},
		{"grid unknown", "GET", "/tiles/cells/2/0/0.mvt?grid=x", "", 400, "grid"},
		{"collection unknown", "GET", "/ogc/collections/api_token/items", "", 404, "collectionId"},
		{"format unknown", "GET", "/ogc/collections/cells/items?f=html", "", 400, "f"},
		{"body unknown field", "POST", "/api/v1/scenarios", `{"run": 1, "budget": 1, "strategy": "pts", "bogus": 1}`, 400, "bogus"},
		{"body wrong type", "POST", "/api/v1/scenarios", `{"run": "one"}`, 400, "run"},
		{"body invalid", "POST", "/api/v1/scenarios", `{"run": `, 400, "body"},
		{"budget refused by the ranking", "POST", "/api/v1/scenarios", `{"run": 1, "budget": -5, "strategy": "pts"}`, 400, "budget"},
		{"body too large", "POST", "/api/v1/scenarios", big, 413, ""},
		{"unknown api path", "GET", "/api/v1/nothing", "", 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.do(t, tc.method, "planner", tc.path, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			var e errorBody
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("not an error body: %s", body)
			}
			if e.Error.Parameter != tc.param {
				t.Errorf("parameter %q, want %q (%s)", e.Error.Parameter, tc.param, e.Error.Message)
			}
		})
	}
}

// TestTiles decodes tiles and checks layers, features and attributes.
func TestTiles(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name, role, path string
		layer            string
		minFeatures      int
		attrs            []string
		absent           []string
	}{
		{"municipalities", "committee", tilePath("municipalities", 6, umeLon, umeLat), "municipalities", 2,
			[]string{"code", "name", "premises", "eligible_premises", "share_target"}, nil},
		{"cells", "committee", tilePath("cells", 10, umeLon, umeLat), "cells", 1,
			[]string{"cell_id", "grid", "premises", "eligible", "share_target"}, nil},
		{"areas in a scenario", "committee", tilePath("areas", 10, umeLon, umeLat) + "?scenario=1", "areas", 1,
			[]string{"id", "kommun_code", "class", "premises", "option", "subsidy", "rank", "selected"}, nil},
		{"premises for a planner", "planner", tilePath("premises", 12, umeLon, umeLat), "premises", 10,
			[]string{"id", "kommun_code", "class", "eligible", "tier", "households", "best_down", "best_planned"}, nil},
		{"premises for a municipality", "municipality", tilePath("premises", 12, umeLon, umeLat), "premises", 10,
			[]string{"id", "kommun_code", "class", "eligible"}, []string{"best_down", "best_planned"}},
		{"premises aggregated below the premise zoom", "committee", tilePath("premises", 8, umeLon, umeLat), "premises", 1,
			[]string{"aggregated", "cell_id", "premises", "eligible", "share_target"}, []string{"id", "kommun_code"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := f.get(t, tc.role, tc.path)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != mvtType {
				t.Fatalf("status %d, type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if len(body) > MaxTileBytes {
				t.Errorf("tile of %d bytes", len(body))
			}
			layers, err := mvt.Unmarshal(body)
			if err != nil {
				t.Fatal(err)
			}
			if len(layers) != 1 || layers[0].Name != tc.layer {
				t.Fatalf("layers %v, want only %s", layers, tc.layer)
			}
			fs := layers[0].Features
			if len(fs) < tc.minFeatures {
				t.Fatalf("%d features, want at least %d", len(fs), tc.minFeatures)
			}
			for _, a := range tc.attrs {
				if _, ok := fs[0].Properties[a]; !ok {
					t.Errorf("attribute %s missing: %v", a, fs[0].Properties)
				}
			}
			for _, ft := range fs {
				for _, a := range tc.absent {
					if _, ok := ft.Properties[a]; ok {
						t.Fatalf("attribute %s present: %v", a, ft.Properties)
					}
				}
			}
			// The same tile again is not modified.
			again, _ := f.get(t, tc.role, tc.path, "If-None-Match", resp.Header.Get("ETag"))
			if again.StatusCode != http.StatusNotModified || !strings.HasPrefix(resp.Header.Get("ETag"), `"r1-`) {
				t.Errorf("ETag %s: revalidation got %d", resp.Header.Get("ETag"), again.StatusCode)
			}
		})
	}
}

// TestDensePremiseTilesAreBinned checks that a tile with more premises than
// allowed carries counted bins instead.
func TestDensePremiseTilesAreBinned(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MaxTileFeatures = 10 })
	resp, body := f.get(t, "planner", tilePath("premises", 12, umeLon, umeLat))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	layers, err := mvt.Unmarshal(body)
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers %v, err %v", layers, err)
	}
	var total float64
	for _, ft := range layers[0].Features {
		if ft.Properties["aggregated"] != true {
			t.Fatalf("not binned: %v", ft.Properties)
		}
		total += ft.Properties["premises"].(float64)
	}
	var want float64
	x, y := tileOf(umeLon, umeLat, 12)
	if err := f.db.QueryRow(`SELECT count(*) FROM premise_status WHERE ST_Intersects(ST_Transform(geom, 3857), ST_TileEnvelope(12, $1, $2))`, x, y).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if total < want || want == 0 {
		t.Errorf("bins count %v premises, the tile holds %v", total, want)
	}
}

// TestLargeCellTilesAreBinned checks that a cell tile over the size limit
// is served as summed bins.
func TestLargeCellTilesAreBinned(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MaxTileBytes = 300 })
	for _, layer := range []string{"cells", "premises"} {
		t.Run(layer, func(t *testing.T) {
			resp, body := f.get(t, "committee", tilePath(layer, 9, umeLon, umeLat))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			layers, err := mvt.Unmarshal(body)
			if err != nil || len(layers) != 1 || layers[0].Name != layer {
				t.Fatalf("layers %v, err %v", layers, err)
			}
			var premises float64
			for _, ft := range layers[0].Features {
				if ft.Properties["aggregated"] != true || ft.Properties["cells"] == nil {
					t.Fatalf("not binned: %v", ft.Properties)
				}
				premises += ft.Properties["premises"].(float64)
			}
			if premises != premisesPerMunicipality {
				t.Errorf("bins hold %v premises, want %d", premises, premisesPerMunicipality)
			}
		})
	}
}

// TestServiceEndpoints checks health, readiness, metrics, OpenAPI and the
// OGC landing documents.
func TestServiceEndpoints(t *testing.T) {
	f := newFixture(t, nil)
	f.get(t, "admin", "/api/v1/runs")
	tests := []struct {
		path, contains string
	}{
		{"/healthz", `"ok"`},
		{"/readyz", `"ready"`},
		{"/metrics", `bbplan_http_requests_total{route="GET /api/v1/runs",method="GET",status="200"} 1`},
		{"/metrics", `bbplan_db_open_connections{pool="read"}`},
		{"/metrics", `bbplan_http_request_duration_seconds_bucket{route="GET /api/v1/runs",le="+Inf"} 1`},
		{"/openapi.json", `"/api/v1/areas"`},
		{"/ogc/api", `"/ogc/collections/{collectionId}/items"`},
		{"/ogc/conformance", "ogcapi-features-1/1.0/conf/geojson"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := f.get(t, "", tc.path)
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), tc.contains) {
				t.Errorf("%s: status %d, want 200 with %s: %.500s", tc.path, resp.StatusCode, tc.contains, body)
			}
		})
	}
}

// TestRunShutsDownGracefully runs the server on port 0 and cancels it.
func TestRunShutsDownGracefully(t *testing.T) {
	f := newFixture(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	addrc := make(chan string, 1)
	go func() {
		done <- f.srv.Run(ctx, func(a net.Addr) { addrc <- a.String() })
	}()
	addr := <-addrc
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz on %s: %v %v", addr, resp, err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

// TestWebAssets serves the web map at / with index.html for unknown paths.
func TestWebAssets(t *testing.T) {
	db, dsn := dbtest.New(t)
	loadFixture(t, db)
	read, write := openPools(t, dsn)
	assets := fstest.MapFS{
		"index.html": {Data: []byte("<!doctype html><title>bbplan</title>")},
		"app.js":     {Data: []byte("console.log(1)")},
	}
	srv, err := New(testConfig(), Deps{Read: read, Write: write, Assets: assets})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	tests := []struct {
		method, path string
		status       int
		contains     string
	}{
		{"GET", "/", 200, "<title>bbplan</title>"},
		{"GET", "/app.js", 200, "console.log"},
		{"GET", "/municipality/2480", 200, "<title>bbplan</title>"},
		{"POST", "/", 405, "method_not_allowed"},
		{"GET", "/api/v1/unknown", 404, "not_found"},
		{"GET", "/healthz", 200, "ok"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, ts.URL+tc.path, nil)
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(b), tc.contains) {
				t.Errorf("status %d body %.200s, want %d with %s", resp.StatusCode, b, tc.status, tc.contains)
			}
		})
	}
}

// TestRevokedToken checks that a revoked token is refused: at once without
// a token cache, after the cache period with one.
func TestRevokedToken(t *testing.T) {
	tests := []struct {
		name      string
		ttl       time.Duration
		afterWant int
	}{
		{"no cache", 0, http.StatusUnauthorized},
		{"cached for an hour", time.Hour, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(c *Config) { c.TokenCacheTTL = tc.ttl })
			if resp, body := f.get(t, "committee", "/api/v1/me"); resp.StatusCode != http.StatusOK {
				t.Fatalf("before revoking: %d %s", resp.StatusCode, body)
			}
			if _, err := f.db.Exec(`UPDATE api_token SET revoked_at = now() WHERE name = 'test-committee'`); err != nil {
				t.Fatal(err)
			}
			if resp, body := f.get(t, "committee", "/api/v1/me"); resp.StatusCode != tc.afterWant {
				t.Fatalf("after revoking: %d, want %d: %s", resp.StatusCode, tc.afterWant, body)
			}
		})
	}
}

// TestOperatorPlans checks that plan flags reach planners only, and that a
// best offer that is a plan is withheld below planner.
func TestOperatorPlans(t *testing.T) {
	f := newFixture(t, nil)
	// P2480-5 has a planned best offer (every fifth premise).
	tests := []struct {
		role, path string
		plans      bool
	}{
		{"planner", "/ogc/collections/premises/items/P2480-5", true},
		{"admin", "/api/v1/municipalities/2480/gaps", true},
		{"municipality", "/ogc/collections/premises/items/P2480-5", false},
		{"municipality", "/api/v1/municipalities/2480/gaps", false},
	}
	for _, tc := range tests {
		t.Run(tc.role+" "+tc.path, func(t *testing.T) {
			resp, body := f.get(t, tc.role, tc.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			var doc struct {
				Properties map[string]any `json:"properties"`
				Features   []struct {
					Properties map[string]any `json:"properties"`
				} `json:"features"`
			}
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			props := doc.Properties
			for _, ft := range doc.Features {
				if ft.Properties["id"] == "P2480-15" { // eligible and planned
					props = ft.Properties
				}
			}
			if props == nil {
				t.Fatal("premise not found")
			}
			_, hasFlag := props["best_planned"]
			if hasFlag != tc.plans || (props["best_provider"] != nil) != tc.plans {
				t.Errorf("plans %v: best_planned present %v, best_provider %v", tc.plans, hasFlag, props["best_provider"])
			}
			if props["kind"] != "premise" {
				t.Errorf("kind %v", props["kind"])
			}
		})
	}
}
