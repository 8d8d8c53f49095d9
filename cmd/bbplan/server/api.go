package server

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bbplan/bbplan/data"
)

// writeRaw sends a JSON document built by the database.
func writeRaw(w http.ResponseWriter, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Write(body)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz answers 200 when the database answers and every embedded migration
// is applied.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	notReady := func(reason string) error {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": reason})
		return nil
	}
	if err := s.read.PingContext(r.Context()); err != nil {
		s.log.Warn("readiness: database", "error", err)
		return notReady("database unreachable")
	}
	applied, err := data.AppliedMigrations(r.Context(), s.read)
	if err != nil {
		s.log.Warn("readiness: migrations", "error", err)
		return notReady("schema unreadable")
	}
	want, err := data.Migrations()
	if err != nil {
		return err
	}
	have := map[int]bool{}
	for _, a := range applied {
		have[a.Version] = true
	}
	top := 0
	for _, m := range want {
		if !have[m.Version] {
			return notReady(fmt.Sprintf("migration %d not applied", m.Version))
		}
		top = max(top, m.Version)
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "schema": top})
	return nil
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p := who(r)
	premises := "none"
	if sc := p.scope(); sc.Premises && sc.Kommun == "" {
		premises = "all"
	} else if sc.Premises {
		premises = "own"
	}
	out := map[string]any{"role": p.role, "municipality": nil, "name": p.name, "premises": premises,
		"operator_plans": p.planner(), "create_scenarios": p.planner()}
	if p.kommun != "" {
		out["municipality"] = p.kommun
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) runs(w http.ResponseWriter, r *http.Request) error {
	js, err := s.read.RunsJSON(r.Context(), who(r).planner())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]json.RawMessage{"runs": js})
	return nil
}

func (s *Server) datasets(w http.ResponseWriter, r *http.Request) error {
	js, err := s.read.DatasetsJSON(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]json.RawMessage{"datasets": js})
	return nil
}

// scenarioVisible refuses scenario-level data to roles without area access
// (anonymous); the route access already does, this guards ?scenario= on
// aggregate routes.
func scenarioVisible(r *http.Request, scenario int64) error {
	if scenario != 0 && !who(r).allows(areas) {
		return forbidden("scenarios are not visible to the " + who(r).role + " role")
	}
	return nil
}

func (s *Server) municipalities(w http.ResponseWriter, r *http.Request) error {
	run, scenario, err := s.runScenarioParams(r)
	if err != nil {
		return err
	}
	if err := scenarioVisible(r, scenario); err != nil {
		return err
	}
	js, err := s.read.MunicipalitiesJSON(r.Context(), run, scenario, "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"run": run, "municipalities": js})
	return nil
}

func (s *Server) municipality(w http.ResponseWriter, r *http.Request) error {
	code, err := municipalityParam("code", r.PathValue("code"))
	if err != nil {
		return err
	}
	run, scenario, err := s.runScenarioParams(r)
	if err != nil {
		return err
	}
	if err := scenarioVisible(r, scenario); err != nil {
		return err
	}
	js, err := s.read.MunicipalitiesJSON(r.Context(), run, scenario, code)
	if err != nil {
		return err
	}
	var list []map[string]any
	if err := json.Unmarshal(js, &list); err != nil {
		return err
	}
	if len(list) == 0 {
		return &apiError{kind: kindNotFound, param: "code", msg: "code: no municipality " + code}
	}
	list[0]["run"] = run
	writeJSON(w, http.StatusOK, list[0])
	return nil
}

// gaps is premise-level: a municipality token only for its own municipality.
func (s *Server) gaps(w http.ResponseWriter, r *http.Request) error {
	code, err := municipalityParam("code", r.PathValue("code"))
	if err != nil {
		return err
	}
	p := who(r)
	if !p.premisesIn(code) {
		return forbidden("premise-level data of municipality " + code + " is not visible to this token")
	}
	run, err := s.runParam(r)
	if err != nil {
		return err
	}
	// The fingerprint is read before the document, so a document rendered
	// after a concurrent change is stored under the older fingerprint and
	// never served once the change is seen.
	version, err := s.read.GapsVersion(r.Context(), run, code)
	if errors.Is(err, sql.ErrNoRows) {
		return &apiError{kind: kindNotFound, param: "code", msg: "code: no municipality " + code, err: err}
	}
	if err != nil {
		return err
	}
	key := gapsKey{run: run, code: code, plans: p.planner()}
	js, err := s.gapsDocs.load(r.Context(), key, version, func() ([]byte, error) {
		return s.read.GapsJSON(r.Context(), run, code, key.plans)
	})
	if err != nil {
		return err
	}
	writeRaw(w, "application/geo+json", js)
	return nil
}

// pageLinks builds relative next/prev links keeping every other parameter.
func pageLinks(u *url.URL, limit, offset int, total int64) (next, prev *string) {
	link := func(off int) *string {
		q := u.Query()
		q.Set("limit", strconv.Itoa(limit))
		q.Set("offset", strconv.Itoa(off))
		s := u.Path + "?" + q.Encode()
		return &s
	}
	if int64(offset+limit) < total {
		next = link(offset + limit)
	}
	if offset > 0 {
		prev = link(max(0, offset-limit))
	}
	return next, prev
}

func (s *Server) areas(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	run, scenario, err := s.runScenarioParams(r)
	if err != nil {
		return err
	}
	f := data.AreaFilter{Run: run, Scenario: scenario, Class: q.Get("class"), Sort: q.Get("sort")}
	if f.Kommun, err = municipalityParam("municipality", q.Get("municipality")); err != nil {
		return err
	}
	if len(f.Class) > 64 {
		return badParam("class", "too long")
	}
	if f.BBox, err = s.bboxParam(q); err != nil {
		return err
	}
	if f.Selected, err = boolParam(q, "selected"); err != nil {
		return err
	}
	if f.Selected != nil && scenario == 0 {
		return badParam("selected", "needs scenario")
	}
	if f.Sort == "" {
		f.Sort = "id"
		if scenario != 0 {
			f.Sort = "rank"
		}
	}
	if !data.AreaSortValid(f.Sort) {
		return badParam("sort", "%q is not id, rank, premises or subsidy", f.Sort)
	}
	if f.Sort == "rank" && scenario == 0 {
		return badParam("sort", "rank needs scenario")
	}
	if f.Limit, f.Offset, err = s.pageParams(q); err != nil {
		return err
	}
	total, js, err := s.read.AreasJSON(r.Context(), f, s.read.SRID)
	if err != nil {
		return err
	}
	next, prev := pageLinks(r.URL, f.Limit, f.Offset, total)
	var sc any
	if scenario != 0 {
		sc = scenario
	}
	writeJSON(w, http.StatusOK, map[string]any{"run": run, "scenario": sc, "total": total,
		"limit": f.Limit, "offset": f.Offset, "next": next, "prev": prev, "areas": js})
	return nil
}

func (s *Server) area(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam("id", r.PathValue("id"))
	if err != nil {
		return err
	}
	scenario, err := intParam(r.URL.Query(), "scenario", 0, 1, math.MaxInt64)
	if err != nil {
		return err
	}
	js, err := s.read.AreaJSON(r.Context(), id, scenario)
	if err != nil {
		return err
	}
	writeRaw(w, "application/json", js)
	return nil
}

func (s *Server) scenarios(w http.ResponseWriter, r *http.Request) error {
	var run int64
	if r.URL.Query().Get("run") != "" {
		var err error
		if run, err = s.runParam(r); err != nil {
			return err
		}
	}
	js, err := s.read.ScenariosJSON(r.Context(), run)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]json.RawMessage{"scenarios": js})
	return nil
}

func (s *Server) scenario(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam("id", r.PathValue("id"))
	if err != nil {
		return err
	}
	js, err := s.read.ScenarioJSON(r.Context(), id)
	if err != nil {
		return err
	}
	writeRaw(w, "application/json", js)
	return nil
}

func (s *Server) compare(w http.ResponseWriter, r *http.Request) error {
	a, err := idParam("a", r.PathValue("a"))
	if err != nil {
		return err
	}
	b, err := idParam("b", r.PathValue("b"))
	if err != nil {
		return err
	}
	for _, id := range []struct {
		name string
		id   int64
	}{{"a", a}, {"b", b}} {
		if _, err := s.read.ScenarioRun(r.Context(), id.id); err != nil {
			if classify(err).kind == kindNotFound {
				return &apiError{kind: kindNotFound, param: id.name, msg: fmt.Sprintf("%s: no scenario %d", id.name, id.id), err: err}
			}
			return err
		}
	}
	c, err := s.read.CompareScenarios(r.Context(), a, b)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// createScenario ranks a new scenario (planners only) through the write path.
func (s *Server) createScenario(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return badParam("Content-Type", "%q is not application/json", ct)
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	var req scenarioBody
	if err := dec.Decode(&req); err != nil {
		return bodyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return bodyError(err)
		}
		return badParam("body", "more than one JSON value")
	}
	// CreateScenario validates, ranks, stores and audits in one transaction.
	if req.Run != 0 {
		req.RunID = req.Run
	}
	id, err := s.write.CreateScenario(r.Context(), req.ScenarioRequest, who(r).actor())
	if err != nil {
		return err
	}
	js, err := s.write.ScenarioJSON(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/scenarios/%d", id))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	w.Write(js)
	return nil
}

// bodyError names the field of a JSON decoding error.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &te):
		return badParam(te.Field, "must be %s, not %s", te.Type, te.Value)
	case errors.As(err, &se):
		return badParam("body", "invalid JSON at byte %d", se.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badParam(f, "unknown field")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return badParam("body", "empty or truncated JSON")
	}
	return badParam("body", "%v", err)
}

// web serves the embedded web map; paths that are not files get index.html
// so that the map's own routes work on reload.
func (s *Server) web(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return &apiError{kind: kindMethodNotAllowed, msg: r.Method + " is not allowed here"}
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" {
		name = "index.html"
	}
	if f, err := s.assets.Open(name); err == nil {
		f.Close()
		http.ServeFileFS(w, r, s.assets, name)
		return nil
	}
	http.ServeFileFS(w, r, s.assets, "index.html")
	return nil
}
