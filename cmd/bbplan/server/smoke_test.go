package server

import "testing"

func TestSmoke(t *testing.T) {
	f := newFixture(t, nil)
	for _, p := range []string{"/api/v1/me", "/api/v1/runs", "/api/v1/datasets", "/api/v1/municipalities?scenario=1",
		"/api/v1/municipalities/2480", "/api/v1/municipalities/2480/gaps", "/api/v1/areas?scenario=1&limit=2",
		"/api/v1/areas/1?scenario=1", "/api/v1/scenarios", "/api/v1/scenarios/1", "/api/v1/scenarios/1/compare/2",
		"/ogc/", "/ogc/collections", "/ogc/collections/premises/items?limit=2", "/ogc/collections/areas/items?limit=1",
		"/ogc/collections/cells/items?limit=1", "/ogc/collections/municipalities/items?limit=1", "/ogc/collections/scenario-1/items?limit=1",
		"/ogc/collections/premises/items/P2480-3", "/tiles/premises/12/2230/1098.mvt", "/readyz", "/metrics"} {
		resp, b := f.get(t, "admin", p)
		s := string(b)
		if len(s) > 600 {
			s = s[:600]
		}
		t.Logf("%s %d %s", p, resp.StatusCode, s)
	}
}
