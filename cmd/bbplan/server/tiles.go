package server

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/bbplan/bbplan/data"
)

const mvtType = "application/vnd.mapbox-vector-tile"

// MaxTileBytes is the size no tile may exceed.
const MaxTileBytes = 500 << 10

// grids are the cell grids a tile or item request may name.
var grids = map[string]bool{"scb1km": true, "scb250m": true, "inspire1km": true}

// tile serves /tiles/{layer}/{z}/{x}/{y}.mvt.
func (s *Server) tile(w http.ResponseWriter, r *http.Request) error {
	p := who(r)
	layer := r.PathValue("layer")
	if !data.TileLayerKnown(layer) {
		return &apiError{kind: kindNotFound, param: "layer", msg: "layer: no tile layer " + layer}
	}
	ys, ok := strings.CutSuffix(r.PathValue("y"), ".mvt")
	if !ok {
		return &apiError{kind: kindNotFound, msg: "tiles end in .mvt"}
	}
	z, err := strconv.Atoi(r.PathValue("z"))
	if err != nil || z < s.cfg.MinZoom || z > s.cfg.MaxZoom {
		return badParam("z", "%q is not a zoom within %d..%d", r.PathValue("z"), s.cfg.MinZoom, s.cfg.MaxZoom)
	}
	n := 1 << z
	x, err := strconv.Atoi(r.PathValue("x"))
	if err != nil || x < 0 || x >= n {
		return badParam("x", "%q is not a column within 0..%d", r.PathValue("x"), n-1)
	}
	y, err := strconv.Atoi(ys)
	if err != nil || y < 0 || y >= n {
		return badParam("y", "%q is not a row within 0..%d", ys, n-1)
	}
	q := r.URL.Query()
	grid := q.Get("grid")
	if grid == "" {
		grid = "scb1km"
	}
	if !grids[grid] {
		return badParam("grid", "%q is not scb1km, scb250m or inspire1km", grid)
	}
	tr := data.TileRequest{Layer: layer, Z: z, X: x, Y: y, Grid: grid, Scope: p.scope(),
		PremiseMinZoom: s.cfg.PremiseMinZoom, MaxFeatures: s.cfg.MaxTileFeatures, MaxBytes: s.cfg.MaxTileBytes}
	if layer == "areas" && !p.allows(areas) {
		return forbidden("areas are not visible to the " + p.role + " role")
	}
	if layer == "premises" && !tr.PremiseTileAggregated() && !tr.Scope.Premises {
		return forbidden(fmt.Sprintf("premise tiles at zoom %d and above are not visible to the %s role", s.cfg.PremiseMinZoom, p.role))
	}
	if tr.Run, tr.Scenario, err = s.runScenarioParams(r); err != nil {
		return err
	}
	if err := scenarioVisible(r, tr.Scenario); err != nil {
		return err
	}
	// The tile depends only on the run, scenario, scope and address: the
	// ETag can be checked before the database renders anything.
	etag := tileETag(tr)
	w.Header().Set("ETag", etag)
	w.Header().Set("Vary", "Authorization")
	if q.Get("run") != "" || tr.Scenario != 0 {
		w.Header().Set("Cache-Control", "private, max-age=3600")
	} else {
		w.Header().Set("Cache-Control", "private, max-age=60")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	b, err := s.read.Tile(r.Context(), tr)
	if err != nil {
		return err
	}
	if len(b) > s.cfg.MaxTileBytes {
		s.log.Warn("tile over the size limit", "layer", layer, "z", z, "x", x, "y", y, "bytes", len(b))
	}
	w.Header().Set("Content-Type", mvtType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
	return nil
}

// tileETag identifies a tile's content: run, scenario, what the caller may
// see, and the tile address.
func tileETag(t data.TileRequest) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%d|%d|%d|%d|%d|%s|%t|%s|%t|%d|%d|%d", t.Layer, t.Z, t.X, t.Y, t.Run, t.Scenario, t.Grid,
		t.Scope.Premises, t.Scope.Kommun, t.Scope.Plans, t.PremiseMinZoom, t.MaxFeatures, t.MaxBytes)
	return fmt.Sprintf(`"r%d-%s"`, t.Run, hex.EncodeToString(h.Sum(nil))[:16])
}
