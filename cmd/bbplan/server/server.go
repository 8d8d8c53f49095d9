// Package server is `bbplan serve`: the JSON API under /api/v1/, OGC API -
// Features under /ogc/, Mapbox Vector Tiles under /tiles/, health, metrics and
// the embedded web map. It reads through a read-only pool and writes (audit,
// scenarios, token use) through a separate small one.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/funding"
)

// Config holds the server settings; limits are ceilings.
type Config struct {
	Addr              string
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	DefaultLimit      int
	MaxLimit          int
	MaxBodyBytes      int64
	MaxBBoxKm2        float64
	MinZoom           int
	MaxZoom           int
	PremiseMinZoom    int
	// MaxTileFeatures is how many premise points one tile may carry before
	// they are binned (keeps every tile under 500 KB).
	MaxTileFeatures int
	// MaxTileBytes is the size above which cell tiles are binned (default
	// and ceiling MaxTileBytes, 500 KB).
	MaxTileBytes int
	// Anonymous lets requests without a token read aggregates.
	Anonymous bool
	// TokenCacheTTL is how long a verified token is trusted without asking
	// the database (so also how long a revoked token keeps working); 0 asks
	// every time.
	TokenCacheTTL time.Duration
}

// scenarioBody is the body of POST /api/v1/scenarios: the parameters of
// `bbplan rank`, with the run as "run" (as everywhere in the API; "run_id"
// is accepted too).
type scenarioBody struct {
	funding.ScenarioRequest
	Run int64 `json:"run"`
}

// Deps are what the server serves from. The server owns the pools: Close
// closes them.
type Deps struct {
	// Read is the serving pool (read-only sessions, statement timeout).
	Read *data.DB
	// Write is the small pool for the audit log, scenarios and token use.
	Write *data.DB
	Log   *slog.Logger
	// Assets is the web map served at /; nil serves none.
	Assets fs.FS
}

// Server is one bbplan HTTP service.
type Server struct {
	cfg      Config
	read     *data.DB
	write    *data.DB
	log      *slog.Logger
	assets   fs.FS
	handler  http.Handler
	metrics  *metrics
	tokens   *tokenCache
	gapsDocs *gapsCache

	mu   sync.Mutex
	addr net.Addr
}

// New checks cfg and builds the server.
func New(cfg Config, deps Deps) (*Server, error) {
	switch {
	case deps.Read == nil || deps.Write == nil:
		return nil, errors.New("server: read and write pools are required")
	case cfg.DefaultLimit <= 0 || cfg.MaxLimit < cfg.DefaultLimit:
		return nil, fmt.Errorf("server: default_limit %d must be positive and at most max_limit %d", cfg.DefaultLimit, cfg.MaxLimit)
	case cfg.MinZoom < 0 || cfg.MaxZoom > 24 || cfg.MinZoom > cfg.MaxZoom:
		return nil, fmt.Errorf("server: zoom range %d..%d is not within 0..24", cfg.MinZoom, cfg.MaxZoom)
	case cfg.MaxBodyBytes <= 0 || cfg.MaxBBoxKm2 <= 0:
		return nil, errors.New("server: max_body_bytes and max_bbox_km2 must be positive")
	}
	if cfg.MaxTileFeatures <= 0 {
		cfg.MaxTileFeatures = 6000
	}
	if cfg.MaxTileBytes <= 0 || cfg.MaxTileBytes > MaxTileBytes {
		cfg.MaxTileBytes = MaxTileBytes
	}
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, read: deps.Read, write: deps.Write, log: log, assets: deps.Assets,
		metrics: newMetrics(), tokens: newTokenCache(cfg.TokenCacheTTL, 10000),
		gapsDocs: newGapsCache(gapsCacheBytes)}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the server's HTTP handler (for httptest).
func (s *Server) Handler() http.Handler { return s.handler }

// Addr returns the address Run listens on, once it does.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Run serves on cfg.Addr until ctx is cancelled, then shuts down gracefully:
// it stops accepting, lets in-flight requests finish (up to the shutdown
// timeout) and returns. ready, when not nil, is called with the bound address.
func (s *Server) Run(ctx context.Context, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.Addr, err)
	}
	s.mu.Lock()
	s.addr = ln.Addr()
	s.mu.Unlock()
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout)
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close closes the database pools.
func (s *Server) Close() error {
	return errors.Join(s.read.Close(), s.write.Close())
}

// routes builds the handler tree. Every data route names the least role it
// needs; finer scope checks are in the handlers.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	h := func(pattern string, need access, fn handlerFunc) { mux.Handle(pattern, s.wrap(need, fn)) }

	h("GET /healthz", public, s.healthz)
	h("GET /readyz", public, s.readyz)
	h("GET /metrics", public, s.serveMetrics)
	h("GET /openapi.json", public, s.openAPI)

	h("GET /api/v1/me", aggregates, s.me)
	h("GET /api/v1/runs", aggregates, s.runs)
	h("GET /api/v1/datasets", areas, s.datasets)
	h("GET /api/v1/municipalities", aggregates, s.municipalities)
	h("GET /api/v1/municipalities/{code}", aggregates, s.municipality)
	h("GET /api/v1/municipalities/{code}/gaps", areas, s.gaps)
	h("GET /api/v1/areas", areas, s.areas)
	h("GET /api/v1/areas/{id}", areas, s.area)
	h("GET /api/v1/scenarios", areas, s.scenarios)
	h("POST /api/v1/scenarios", planners, s.createScenario)
	h("GET /api/v1/scenarios/{id}", areas, s.scenario)
	h("GET /api/v1/scenarios/{a}/compare/{b}", areas, s.compare)

	h("GET /ogc", public, s.ogcLanding)
	h("GET /ogc/{$}", public, s.ogcLanding)
	h("GET /ogc/conformance", public, s.ogcConformance)
	h("GET /ogc/api", public, s.ogcAPI)
	h("GET /ogc/collections", aggregates, s.ogcCollections)
	h("GET /ogc/collections/{id}", aggregates, s.ogcCollection)
	h("GET /ogc/collections/{id}/items", aggregates, s.ogcItems)
	h("GET /ogc/collections/{id}/items/{fid}", aggregates, s.ogcItem)

	h("GET /tiles/{layer}/{z}/{x}/{y}", aggregates, s.tile)

	notFound := func(w http.ResponseWriter, r *http.Request) error {
		return &apiError{kind: kindNotFound, msg: "no such resource: " + r.URL.Path}
	}
	h("/api/", public, notFound)
	h("/ogc/", public, notFound)
	h("/tiles/", public, notFound)
	if s.assets != nil {
		h("/", public, s.web)
	} else {
		h("/", public, notFound)
	}
	return s.observe(mux)
}
