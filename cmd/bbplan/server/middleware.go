package server

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// handlerFunc is a handler that returns its error for the one error path.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// wrap authenticates (unless need is public), checks need, runs fn and
// turns its error into a JSON error. Denied requests are audited.
func (s *Server) wrap(need access, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p principal
		if need != public {
			var err error
			p, err = s.authenticate(r)
			if err != nil {
				e := classify(err)
				if e.kind == kindUnauthorized {
					w.Header().Set("WWW-Authenticate", `Bearer realm="bbplan"`)
				}
				if e.kind == kindUnauthorized && r.Header.Get("Authorization") != "" {
					s.audit(r, principal{role: roleAnonymous}, "http.denied", r.URL.Path,
						map[string]any{"status": statusOf[e.kind], "reason": e.msg})
				}
				s.writeError(w, r, e)
				return
			}
			if !p.allows(need) {
				s.deny(w, r, p, forbidden("the "+p.role+" role may not read this"))
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
		}
		if err := fn(w, r); err != nil {
			e := classify(err)
			if e.kind == kindForbidden {
				s.deny(w, r, p, e)
				return
			}
			if r.Context().Err() != nil && e.kind != kindBadParameter {
				// The client went away and cancelled the query; nobody reads the answer.
				s.log.Debug("request cancelled", "path", r.URL.Path)
				w.WriteHeader(499)
				return
			}
			s.writeError(w, r, e)
		}
	})
}

// deny answers 403 and audits it.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, p principal, e *apiError) {
	s.audit(r, p, "http.denied", r.URL.Path, map[string]any{"status": http.StatusForbidden,
		"query": r.URL.RawQuery, "reason": e.msg})
	s.writeError(w, r, e)
}

// statusWriter remembers the status for metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// observe counts and times every request by route pattern and status, and
// turns panics into 500s.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
				if sw.status == 0 {
					s.writeError(sw, r, &apiError{kind: kindInternal, msg: "internal error"})
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			s.metrics.observe(route, r.Method, status, time.Since(start))
		}()
		next.ServeHTTP(sw, r)
	})
}
