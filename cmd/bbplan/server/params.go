package server

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/bbplan/bbplan/data"
)

// intParam parses an optional integer query parameter within [lo, hi];
// absent gives def.
func intParam(q url.Values, name string, def, lo, hi int64) (int64, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, badParam(name, "%q is not an integer", v)
	}
	if n < lo || n > hi {
		return 0, badParam(name, "%d is not within %d..%d", n, lo, hi)
	}
	return n, nil
}

// idParam parses a positive id from a path or query value.
func idParam(name, v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, badParam(name, "%q is not a positive integer id", v)
	}
	return n, nil
}

// boolParam parses an optional true/false parameter.
func boolParam(q url.Values, name string) (*bool, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, badParam(name, "%q is not true or false", v)
	}
	return &b, nil
}

// pageParams parses limit and offset; limit is capped at MaxLimit (a
// ceiling: larger values are refused, not silently cut).
func (s *Server) pageParams(q url.Values) (limit, offset int, err error) {
	l, err := intParam(q, "limit", int64(s.cfg.DefaultLimit), 1, int64(s.cfg.MaxLimit))
	if err != nil {
		return 0, 0, err
	}
	o, err := intParam(q, "offset", 0, 0, math.MaxInt32)
	if err != nil {
		return 0, 0, err
	}
	return int(l), int(o), nil
}

// bboxParam parses a CRS84 bbox (4 numbers, or 6 with heights, which are
// ignored) and checks its area against the ceiling.
func (s *Server) bboxParam(q url.Values) (*data.BBox, error) {
	v := q.Get("bbox")
	if v == "" {
		return nil, nil
	}
	if c := q.Get("bbox-crs"); c != "" && c != crs84 {
		return nil, badParam("bbox-crs", "only %s is supported", crs84)
	}
	parts := strings.Split(v, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return nil, badParam("bbox", "%q must be minLon,minLat,maxLon,maxLat", v)
	}
	var f []float64
	for _, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, badParam("bbox", "%q is not a number", p)
		}
		f = append(f, x)
	}
	if len(f) == 6 {
		f = []float64{f[0], f[1], f[3], f[4]}
	}
	b := data.BBox{f[0], f[1], f[2], f[3]}
	switch {
	case b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90:
		return nil, badParam("bbox", "longitudes must be within -180..180 and latitudes within -90..90")
	case b[0] > b[2] || b[1] > b[3]:
		return nil, badParam("bbox", "minimum above maximum")
	}
	const kmPerDegree = 111.32
	mid := (b[1] + b[3]) / 2 * math.Pi / 180
	km2 := (b[3] - b[1]) * kmPerDegree * (b[2] - b[0]) * kmPerDegree * math.Cos(mid)
	if km2 > s.cfg.MaxBBoxKm2 {
		return nil, badParam("bbox", "covers %.0f km², more than the %.0f km² allowed", km2, s.cfg.MaxBBoxKm2)
	}
	return &b, nil
}

// runParam resolves ?run= (default: the latest finished run).
func (s *Server) runParam(r *http.Request) (int64, error) {
	run, err := intParam(r.URL.Query(), "run", 0, 1, math.MaxInt64)
	if err != nil {
		return 0, err
	}
	id, err := s.read.ResolveRun(r.Context(), run)
	if err != nil {
		if ae := classify(err); ae.kind == kindNotFound {
			return 0, &apiError{kind: kindNotFound, param: "run", msg: "run: no such analysis run", err: err}
		}
		return 0, err
	}
	return id, nil
}

// runScenarioParams resolves ?run= and ?scenario= together: a scenario
// implies its run, and must belong to an explicit one.
func (s *Server) runScenarioParams(r *http.Request) (run, scenario int64, err error) {
	q := r.URL.Query()
	sc, err := intParam(q, "scenario", 0, 1, math.MaxInt64)
	if err != nil {
		return 0, 0, err
	}
	if sc == 0 {
		run, err = s.runParam(r)
		return run, 0, err
	}
	srun, err := s.read.ScenarioRun(r.Context(), sc)
	if err != nil {
		if ae := classify(err); ae.kind == kindNotFound {
			return 0, 0, &apiError{kind: kindNotFound, param: "scenario", msg: "scenario: no such scenario", err: err}
		}
		return 0, 0, err
	}
	if q.Get("run") != "" {
		run, err = s.runParam(r)
		if err != nil {
			return 0, 0, err
		}
		if run != srun {
			return 0, 0, badParam("scenario", "scenario %d belongs to run %d, not run %d", sc, srun, run)
		}
	}
	return srun, sc, nil
}

// municipalityParam checks a municipality code's shape (it is only ever a
// bound parameter; the check gives a clear 400 for garbage).
func municipalityParam(name, v string) (string, error) {
	if v == "" {
		return "", nil
	}
	if len(v) > 16 || strings.ContainsFunc(v, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' || r == '_')
	}) {
		return "", badParam(name, "%q is not a municipality code", v)
	}
	return v, nil
}
