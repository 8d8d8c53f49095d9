package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/bbplan/bbplan/funding"
	"github.com/lib/pq"
)

// errorKind classifies every error a client can see.
type errorKind string

const (
	kindBadParameter     errorKind = "bad_parameter"
	kindUnauthorized     errorKind = "unauthorized"
	kindForbidden        errorKind = "forbidden"
	kindNotFound         errorKind = "not_found"
	kindMethodNotAllowed errorKind = "method_not_allowed"
	kindTooLarge         errorKind = "too_large"
	kindUnavailable      errorKind = "unavailable"
	kindInternal         errorKind = "internal"
)

// statusOf is the one table from error kinds to HTTP statuses.
var statusOf = map[errorKind]int{
	kindBadParameter:     http.StatusBadRequest,
	kindUnauthorized:     http.StatusUnauthorized,
	kindForbidden:        http.StatusForbidden,
	kindNotFound:         http.StatusNotFound,
	kindMethodNotAllowed: http.StatusMethodNotAllowed,
	kindTooLarge:         http.StatusRequestEntityTooLarge,
	kindUnavailable:      http.StatusServiceUnavailable,
	kindInternal:         http.StatusInternalServerError,
}

// apiError is an error with the kind, message and parameter a client sees.
type apiError struct {
	kind  errorKind
	msg   string
	param string
	err   error // the cause, logged but never shown
}

func (e *apiError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *apiError) Unwrap() error { return e.err }

// badParam is a 400 naming param.
func badParam(param, format string, args ...any) *apiError {
	return &apiError{kind: kindBadParameter, param: param, msg: param + ": " + fmt.Sprintf(format, args...)}
}

func forbidden(msg string) *apiError { return &apiError{kind: kindForbidden, msg: msg} }

// classify turns any handler error into what the client sees.
func classify(err error) *apiError {
	var ae *apiError
	var pe *funding.ParamError
	var mbe *http.MaxBytesError
	var pqe *pq.Error
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &pe):
		return &apiError{kind: kindBadParameter, param: pe.Param, msg: pe.Error(), err: err}
	case errors.As(err, &mbe):
		return &apiError{kind: kindTooLarge, msg: fmt.Sprintf("request body over %d bytes", mbe.Limit), err: err}
	case errors.Is(err, sql.ErrNoRows):
		return &apiError{kind: kindNotFound, msg: "not found", err: err}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &pqe) && pqe.Code == "57014":
		return &apiError{kind: kindUnavailable, msg: "query timed out", err: err}
	case errors.Is(err, sql.ErrConnDone), errors.As(err, &pqe) && pqe.Code.Class() == "08":
		return &apiError{kind: kindUnavailable, msg: "database unavailable", err: err}
	}
	return &apiError{kind: kindInternal, msg: "internal error", err: err}
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error struct {
		Code      errorKind `json:"code"`
		Message   string    `json:"message"`
		Parameter string    `json:"parameter,omitempty"`
	} `json:"error"`
}

// writeError sends e as JSON; internal details only go to the log.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	status := statusOf[e.kind]
	if status >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", e.Error())
	} else if e.err != nil {
		s.log.Debug("request rejected", "method", r.Method, "path", r.URL.Path, "error", e.Error())
	}
	var b errorBody
	b.Error.Code, b.Error.Message, b.Error.Parameter = e.kind, e.msg, e.param
	writeJSON(w, status, b)
}

// writeJSON sends v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	w.Write(body)
}
