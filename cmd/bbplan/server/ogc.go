package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bbplan/bbplan/data"
)

const (
	crs84       = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	geojsonType = "application/geo+json"
)

// link is an OGC API link.
type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// baseURL is the absolute URL of the server as the client addressed it;
// GDAL and QGIS follow absolute links most reliably.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) ogcLanding(w http.ResponseWriter, r *http.Request) error {
	b := baseURL(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"title":       "bbplan",
		"description": "Broadband coverage planning results: municipalities, candidate areas, grid cells, premises and scenarios.",
		"links": []link{
			{Href: b + "/ogc/", Rel: "self", Type: "application/json", Title: "This document"},
			{Href: b + "/ogc/api", Rel: "service-desc", Type: "application/vnd.oai.openapi+json;version=3.0", Title: "The API definition"},
			{Href: b + "/ogc/conformance", Rel: "conformance", Type: "application/json", Title: "Conformance classes"},
			{Href: b + "/ogc/collections", Rel: "data", Type: "application/json", Title: "Feature collections"},
		},
	})
	return nil
}

var conformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
}

func (s *Server) ogcConformance(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{"conformsTo": conformance})
	return nil
}

// collectionInfo describes one served collection.
type collectionInfo struct {
	id, title, desc string
	source          string // data collection name
	scenario        int64
}

var staticCollections = []collectionInfo{
	{id: "municipalities", title: "Municipalities", desc: "Municipality borders with the statistics of the analysis run.", source: "municipalities"},
	{id: "areas", title: "Candidate areas", desc: "Clustered gaps of the analysis run with the chosen cost option.", source: "areas"},
	{id: "cells", title: "Grid cells", desc: "Statistics per grid cell of the analysis run.", source: "cells"},
	{id: "premises", title: "Premise status", desc: "Classification of every premise in the analysis run.", source: "premises"},
}

// collectionFor resolves a collection id and checks that p may read it.
func (s *Server) collectionFor(r *http.Request, id string) (collectionInfo, error) {
	p := who(r)
	var c collectionInfo
	if rest, ok := strings.CutPrefix(id, "scenario-"); ok {
		sc, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || sc <= 0 {
			return c, &apiError{kind: kindNotFound, param: "collectionId", msg: "no collection " + id}
		}
		if _, err := s.read.ScenarioRun(r.Context(), sc); err != nil {
			if classify(err).kind == kindNotFound {
				return c, &apiError{kind: kindNotFound, param: "collectionId", msg: "no collection " + id, err: err}
			}
			return c, err
		}
		c = collectionInfo{id: id, title: "Scenario " + rest, desc: "Candidate areas ranked in scenario " + rest + ".",
			source: "scenario", scenario: sc}
	} else {
		found := false
		for _, sc := range staticCollections {
			if sc.id == id {
				c, found = sc, true
			}
		}
		if !found {
			return c, &apiError{kind: kindNotFound, param: "collectionId", msg: "no collection " + id}
		}
	}
	if !s.collectionAllowed(p, c) {
		return c, forbidden("collection " + id + " is not visible to the " + p.role + " role")
	}
	return c, nil
}

func (s *Server) collectionAllowed(p principal, c collectionInfo) bool {
	switch c.source {
	case "premises":
		return p.scope().Premises
	case "areas", "scenario":
		return p.allows(areas)
	}
	return true
}

// collectionJSON is the metadata of c.
func (s *Server) collectionJSON(r *http.Request, c collectionInfo, extent data.BBox) map[string]any {
	b := baseURL(r) + "/ogc/collections/" + c.id
	return map[string]any{
		"id": c.id, "title": c.title, "description": c.desc, "itemType": "feature",
		"crs":    []string{crs84},
		"extent": map[string]any{"spatial": map[string]any{"bbox": [][]float64{extent[:]}, "crs": crs84}},
		"links": []link{
			{Href: b, Rel: "self", Type: "application/json", Title: c.title},
			{Href: b + "/items", Rel: "items", Type: geojsonType, Title: c.title + " (GeoJSON)"},
		},
	}
}

// regionExtent is the extent reported for every collection: the loaded
// municipalities, which cover every result (cheaper than each table's extent).
func (s *Server) regionExtent(r *http.Request) (data.BBox, error) {
	return s.read.CollectionExtent(r.Context(), "municipalities", 0, 0)
}

func (s *Server) ogcCollections(w http.ResponseWriter, r *http.Request) error {
	p := who(r)
	ext, err := s.regionExtent(r)
	if err != nil {
		return err
	}
	var out []map[string]any
	for _, c := range staticCollections {
		if s.collectionAllowed(p, c) {
			out = append(out, s.collectionJSON(r, c, ext))
		}
	}
	if p.allows(areas) {
		js, err := s.read.ScenariosJSON(r.Context(), 0)
		if err != nil {
			return err
		}
		var list []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		}
		if err := json.Unmarshal(js, &list); err != nil {
			return err
		}
		for _, sc := range list {
			id := strconv.FormatInt(sc.ID, 10)
			out = append(out, s.collectionJSON(r, collectionInfo{id: "scenario-" + id, title: "Scenario " + id + ": " + sc.Name,
				desc: "Candidate areas ranked in scenario " + id + ".", source: "scenario", scenario: sc.ID}, ext))
		}
	}
	b := baseURL(r)
	writeJSON(w, http.StatusOK, map[string]any{
		"links":       []link{{Href: b + "/ogc/collections", Rel: "self", Type: "application/json"}},
		"collections": out,
	})
	return nil
}

func (s *Server) ogcCollection(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collectionFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	ext, err := s.regionExtent(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.collectionJSON(r, c, ext))
	return nil
}

// formatParam accepts the GeoJSON/JSON output formats only.
func formatParam(q url.Values) error {
	switch q.Get("f") {
	case "", "json", "geojson":
		return nil
	}
	return badParam("f", "%q is not json or geojson", q.Get("f"))
}

// featureQuery builds the data query of a collection request: run,
// scenario, the caller's scope.
func (s *Server) featureQuery(r *http.Request, c collectionInfo) (data.FeatureQuery, error) {
	fq := data.FeatureQuery{Collection: c.source, Scenario: c.scenario, Scope: who(r).scope()}
	if c.source != "scenario" {
		run, err := s.runParam(r)
		if err != nil {
			return fq, err
		}
		fq.Run = run
	}
	return fq, formatParam(r.URL.Query())
}

func (s *Server) ogcItems(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collectionFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	fq, err := s.featureQuery(r, c)
	if err != nil {
		return err
	}
	// datetime is accepted and ignored: results have no time dimension.
	if fq.BBox, err = s.bboxParam(q); err != nil {
		return err
	}
	if fq.Limit, fq.Offset, err = s.pageParams(q); err != nil {
		return err
	}
	matched, returned, features, err := s.read.Features(r.Context(), fq, s.read.SRID)
	if err != nil {
		return err
	}
	self := *r.URL
	links := []link{{Href: baseURL(r) + self.RequestURI(), Rel: "self", Type: geojsonType}}
	next, prev := pageLinks(r.URL, fq.Limit, fq.Offset, matched)
	if next != nil {
		links = append(links, link{Href: baseURL(r) + *next, Rel: "next", Type: geojsonType})
	}
	if prev != nil {
		links = append(links, link{Href: baseURL(r) + *prev, Rel: "prev", Type: geojsonType})
	}
	head, err := json.Marshal(map[string]any{
		"type": "FeatureCollection", "numberMatched": matched, "numberReturned": returned,
		"timeStamp": time.Now().UTC().Format(time.RFC3339), "links": links,
	})
	if err != nil {
		return err
	}
	// The features come from the database as one JSON array; splicing them in
	// saves decoding and re-encoding large pages.
	w.Header().Set("Content-Type", geojsonType)
	w.Write(head[:len(head)-1])
	w.Write([]byte(`,"features":`))
	w.Write(features)
	w.Write([]byte("}"))
	return nil
}

func (s *Server) ogcItem(w http.ResponseWriter, r *http.Request) error {
	c, err := s.collectionFor(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	fq, err := s.featureQuery(r, c)
	if err != nil {
		return err
	}
	fq.ID, fq.Limit = r.PathValue("fid"), 1
	_, _, features, err := s.read.Features(r.Context(), fq, s.read.SRID)
	if err != nil {
		return err
	}
	var list []map[string]any
	if err := json.Unmarshal(features, &list); err != nil {
		return err
	}
	if len(list) == 0 {
		// Also for a premise outside a municipality token's scope: filtered, not revealed.
		return &apiError{kind: kindNotFound, param: "featureId", msg: "featureId: no such feature in " + c.id}
	}
	b := baseURL(r) + "/ogc/collections/" + c.id
	list[0]["links"] = []link{
		{Href: b + "/items/" + url.PathEscape(fq.ID), Rel: "self", Type: geojsonType},
		{Href: b, Rel: "collection", Type: "application/json"},
	}
	body, err := json.Marshal(list[0])
	if err != nil {
		return err
	}
	writeRaw(w, geojsonType, body)
	return nil
}
