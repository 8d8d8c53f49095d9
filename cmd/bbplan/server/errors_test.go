package server

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bbplan/bbplan/funding"
	"github.com/lib/pq"
)

// TestClassify checks the one table from errors to what a client sees: the
// status, the code, and that the cause of a 5xx never reaches the body.
func TestClassify(t *testing.T) {
	secret := "relation premise_status_secret does not exist"
	tests := []struct {
		name    string
		err     error
		status  int
		code    errorKind
		message string
	}{
		{"own api error", badParam("limit", "%d is above %d", 20000, 10000), 400, kindBadParameter, "limit: 20000 is above 10000"},
		{"scenario parameter", fmt.Errorf("creating scenario: %w", &funding.ParamError{Param: "budget", Reason: "must be positive"}),
			400, kindBadParameter, "budget: must be positive"},
		{"body too large", fmt.Errorf("decoding: %w", &http.MaxBytesError{Limit: 4096}), 413, kindTooLarge, "request body over 4096 bytes"},
		{"no rows", fmt.Errorf("area 7: %w", sql.ErrNoRows), 404, kindNotFound, "not found"},
		{"deadline", fmt.Errorf("tile: %w", context.DeadlineExceeded), 503, kindUnavailable, "query timed out"},
		{"statement timeout", fmt.Errorf("items: %w", &pq.Error{Code: "57014", Message: secret}), 503, kindUnavailable, "query timed out"},
		{"connection lost", fmt.Errorf("items: %w", &pq.Error{Code: "08006", Message: secret}), 503, kindUnavailable, "database unavailable"},
		{"sql error", fmt.Errorf("items: %w", &pq.Error{Code: "42P01", Message: secret}), 500, kindInternal, "internal error"},
		{"anything else", errors.New(secret), 500, kindInternal, "internal error"},
	}
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			s.writeError(rec, httptest.NewRequest("GET", "/api/v1/areas", nil), classify(tc.err))
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if rec.Code != tc.status || body.Error.Code != tc.code || body.Error.Message != tc.message {
				t.Errorf("got %d %s %q, want %d %s %q", rec.Code, body.Error.Code, body.Error.Message, tc.status, tc.code, tc.message)
			}
			if strings.Contains(rec.Body.String(), "premise_status_secret") {
				t.Errorf("the cause reached the client: %s", rec.Body)
			}
		})
	}
}

// TestStatusOfEveryKind keeps the status table complete: a kind without a
// status would be sent as 200.
func TestStatusOfEveryKind(t *testing.T) {
	kinds := []errorKind{kindBadParameter, kindUnauthorized, kindForbidden, kindNotFound, kindMethodNotAllowed,
		kindTooLarge, kindUnavailable, kindInternal}
	for _, k := range kinds {
		if st := statusOf[k]; st < 400 {
			t.Errorf("%s: status %d", k, st)
		}
	}
	if len(statusOf) != len(kinds) {
		t.Errorf("statusOf has %d kinds, the test knows %d", len(statusOf), len(kinds))
	}
}
