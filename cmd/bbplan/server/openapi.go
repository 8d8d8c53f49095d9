package server

import (
	"net/http"
	"strings"
)

// op is one documented operation.
type op struct {
	method, path, summary string
	params                []string // names in the params table
	body                  bool
}

// openAPIParams are the parameters operations refer to by name.
func (s *Server) openAPIParams() map[string]map[string]any {
	q := func(name, desc string, schema map[string]any) map[string]any {
		return map[string]any{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
	}
	path := func(name, desc string) map[string]any {
		return map[string]any{"name": name, "in": "path", "required": true, "description": desc, "schema": map[string]any{"type": "string"}}
	}
	integer := map[string]any{"type": "integer", "minimum": 1}
	return map[string]map[string]any{
		"run":          q("run", "Analysis run id (default: latest finished run).", integer),
		"scenario":     q("scenario", "Scenario id.", integer),
		"municipality": q("municipality", "Municipality code.", map[string]any{"type": "string"}),
		"class":        q("class", "Premise class of the area.", map[string]any{"type": "string"}),
		"selected":     q("selected", "Only areas (not) selected in the scenario.", map[string]any{"type": "boolean"}),
		"sort":         q("sort", "Order.", map[string]any{"type": "string", "enum": []string{"id", "rank", "premises", "subsidy"}}),
		"bbox": q("bbox", "minLon,minLat,maxLon,maxLat in CRS84.", map[string]any{"type": "array", "minItems": 4, "maxItems": 6,
			"items": map[string]any{"type": "number"}}),
		"limit":  q("limit", "Page size.", map[string]any{"type": "integer", "minimum": 1, "maximum": s.cfg.MaxLimit, "default": s.cfg.DefaultLimit}),
		"offset": q("offset", "Items to skip.", map[string]any{"type": "integer", "minimum": 0, "default": 0}),
		"datetime": q("datetime", "Accepted and ignored: results have no time dimension.",
			map[string]any{"type": "string"}),
		"grid":         q("grid", "Cell grid.", map[string]any{"type": "string", "enum": []string{"scb1km", "scb250m", "inspire1km"}}),
		"code":         path("code", "Municipality code."),
		"id":           path("id", "Id."),
		"a":            path("a", "Scenario id."),
		"b":            path("b", "Scenario id."),
		"collectionId": path("collectionId", "Collection id."),
		"featureId":    path("featureId", "Feature id."),
		"layer":        path("layer", "municipalities, cells, areas or premises."),
		"z":            path("z", "Zoom."),
		"x":            path("x", "Column."),
		"y":            path("y", "Row, followed by .mvt."),
	}
}

var apiOps = []op{
	{"get", "/api/v1/me", "The caller's role and scope.", nil, false},
	{"get", "/api/v1/runs", "Analysis runs, newest first.", nil, false},
	{"get", "/api/v1/datasets", "Loaded datasets.", nil, false},
	{"get", "/api/v1/municipalities", "Municipalities with statistics (and a scenario's budget).", []string{"run", "scenario"}, false},
	{"get", "/api/v1/municipalities/{code}", "One municipality with statistics.", []string{"code", "run", "scenario"}, false},
	{"get", "/api/v1/municipalities/{code}/gaps", "Eligible premises and candidate areas (GeoJSON).", []string{"code", "run"}, false},
	{"get", "/api/v1/areas", "Candidate areas, filtered and paged.", []string{"run", "scenario", "municipality", "bbox", "class", "selected", "sort", "limit", "offset"}, false},
	{"get", "/api/v1/areas/{id}", "One area with cost options and the scenario's explanation.", []string{"id", "scenario"}, false},
	{"get", "/api/v1/scenarios", "Scenarios, newest first.", []string{"run"}, false},
	{"post", "/api/v1/scenarios", "Rank a new scenario (planners).", nil, true},
	{"get", "/api/v1/scenarios/{id}", "One scenario with its ranked areas.", []string{"id"}, false},
	{"get", "/api/v1/scenarios/{a}/compare/{b}", "Compare two scenarios.", []string{"a", "b"}, false},
	{"get", "/tiles/{layer}/{z}/{x}/{y}", "Mapbox Vector Tile.", []string{"layer", "z", "x", "y", "run", "scenario", "grid"}, false},
}

var ogcOps = []op{
	{"get", "/ogc/", "Landing page.", nil, false},
	{"get", "/ogc/conformance", "Conformance classes.", nil, false},
	{"get", "/ogc/api", "This API definition.", nil, false},
	{"get", "/ogc/collections", "Feature collections.", nil, false},
	{"get", "/ogc/collections/{collectionId}", "One feature collection.", []string{"collectionId"}, false},
	{"get", "/ogc/collections/{collectionId}/items", "Features (GeoJSON, CRS84).", []string{"collectionId", "bbox", "limit", "offset", "datetime", "run"}, false},
	{"get", "/ogc/collections/{collectionId}/items/{featureId}", "One feature.", []string{"collectionId", "featureId", "run"}, false},
}

// openAPIDoc builds an OpenAPI 3.0 document of ops.
func (s *Server) openAPIDoc(title string, ops []op) map[string]any {
	params := s.openAPIParams()
	errResp := map[string]any{"description": "Error: {\"error\": {\"code\", \"message\", \"parameter\"}}",
		"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	paths := map[string]map[string]any{}
	for _, o := range ops {
		var ps []map[string]any
		for _, n := range o.params {
			ps = append(ps, params[n])
		}
		ct := "application/json"
		switch {
		case strings.HasPrefix(o.path, "/tiles/"):
			ct = mvtType
		case strings.Contains(o.path, "/items") || strings.HasSuffix(o.path, "/gaps"):
			ct = geojsonType
		}
		oper := map[string]any{"summary": o.summary, "parameters": ps, "responses": map[string]any{
			"200":     map[string]any{"description": "OK", "content": map[string]any{ct: map[string]any{}}},
			"default": errResp,
		}}
		if o.body {
			oper["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/ScenarioRequest"}}}}
			oper["responses"].(map[string]any)["201"] = map[string]any{"description": "Created"}
		}
		if paths[o.path] == nil {
			paths[o.path] = map[string]any{}
		}
		paths[o.path][o.method] = oper
	}
	num := map[string]any{"type": "number"}
	shares := map[string]any{"type": "object", "additionalProperties": num}
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": title, "version": "1"},
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas": map[string]any{
				"Error": map[string]any{"type": "object", "properties": map[string]any{"error": map[string]any{
					"type": "object", "properties": map[string]any{"code": map[string]any{"type": "string"},
						"message": map[string]any{"type": "string"}, "parameter": map[string]any{"type": "string"}}}}},
				"ScenarioRequest": map[string]any{"type": "object", "required": []string{"run", "budget", "strategy"},
					"properties": map[string]any{"run": map[string]any{"type": "integer"}, "budget": num,
						"strategy": map[string]any{"type": "string", "enum": []string{"pts", "score", "optimal"}},
						"name":     map[string]any{"type": "string"}, "weights": shares, "min_share": shares, "max_share": shares,
						"max_per_premise": num, "min_premises": map[string]any{"type": "integer"}, "time_limit_s": num}},
			},
		},
		"security": []map[string]any{{"bearer": []string{}}},
		"paths":    paths,
	}
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, s.openAPIDoc("bbplan API", apiOps))
	return nil
}

func (s *Server) ogcAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/vnd.oai.openapi+json;version=3.0")
	writeJSON(w, http.StatusOK, s.openAPIDoc("bbplan OGC API - Features", ogcOps))
	return nil
}
