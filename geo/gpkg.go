package geo

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"modernc.org/sqlite"
)

// gpkgReader reads one feature table of a GeoPackage. It talks to the SQLite
// driver through database/sql/driver directly: geo stays free of database/sql,
// and rows arrive without database/sql's per-value conversions.
type gpkgReader struct {
	conn  driver.Conn
	rows  driver.Rows
	name  string
	size  int64
	layer string
	srid  int

	cols    []string // property names, in row order after the geometry
	types   []string // declared column types, upper case
	geomCol string
	dest    []driver.Value
	index   int
	total   int64 // rows in the layer
	done    bool
}

func openGeoPackage(path, name string, size int64, opt OpenOptions) (*gpkgReader, error) {
	// mode=ro keeps a damaged or foreign file untouched; immutable=1 skips
	// locking, as nothing else writes the file while we load it.
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	dsn := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "mode=ro&immutable=1"}).String()
	connector, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	conn, err := connector.Connect(context.Background())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	r := &gpkgReader{conn: conn, name: name, size: size}
	if err := r.open(opt); err != nil {
		conn.Close()
		return nil, err
	}
	return r, nil
}

// query runs a statement with arguments and returns every row.
func (r *gpkgReader) query(q string, args ...driver.Value) ([][]driver.Value, error) {
	stmt, err := r.conn.Prepare(q)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	rows, err := stmt.Query(args) //nolint:staticcheck // driver-level API on purpose
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]driver.Value
	for {
		row := make([]driver.Value, len(rows.Columns()))
		if err := rows.Next(row); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		out = append(out, row)
	}
}

const gpkgLayersSQL = `SELECT c.table_name, g.column_name, g.srs_id,
       coalesce((SELECT CASE WHEN upper(s.organization) = 'EPSG' THEN s.organization_coordsys_id END
                 FROM gpkg_spatial_ref_sys s WHERE s.srs_id = g.srs_id), g.srs_id)
FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
WHERE c.data_type = 'features'
ORDER BY c.rowid`

func (r *gpkgReader) open(opt OpenOptions) error {
	layers, err := r.query(gpkgLayersSQL)
	if err != nil {
		return &InputError{File: r.name, Reason: fmt.Sprintf("not a GeoPackage with feature tables: %v", err)}
	}
	if len(layers) == 0 {
		return &InputError{File: r.name, Reason: "the GeoPackage has no feature table"}
	}
	var names []string
	var layer []driver.Value
	for _, l := range layers {
		n := fmt.Sprint(l[0])
		names = append(names, n)
		if layer == nil && (opt.Layer == "" || strings.EqualFold(n, opt.Layer)) {
			layer = l
		}
	}
	if layer == nil {
		return &InputError{File: r.name, Field: "layer", Reason: fmt.Sprintf("no feature table %q; the file has %s", opt.Layer, strings.Join(names, ", "))}
	}
	// The table and column names come from the file's own catalogue, never
	// from the caller, and are quoted as identifiers.
	r.layer, r.geomCol = fmt.Sprint(layer[0]), fmt.Sprint(layer[1])
	if srid, ok := layer[3].(int64); ok && srid > 0 {
		r.srid = int(srid)
	}
	if opt.SRID != 0 {
		r.srid = opt.SRID
	}
	info, err := r.query(`SELECT name, upper(type) FROM pragma_table_info(?)`, r.layer)
	if err != nil {
		return fmt.Errorf("%s: layer %s: %w", r.name, r.layer, err)
	}
	sel := []string{quoteIdent(r.geomCol)}
	for _, c := range info {
		col := fmt.Sprint(c[0])
		if strings.EqualFold(col, r.geomCol) {
			continue
		}
		r.cols = append(r.cols, col)
		r.types = append(r.types, fmt.Sprint(c[1]))
		sel = append(sel, quoteIdent(col))
	}
	count, err := r.query("SELECT count(*) FROM " + quoteIdent(r.layer))
	if err != nil {
		return fmt.Errorf("%s: layer %s: %w", r.name, r.layer, err)
	}
	r.total, _ = count[0][0].(int64)
	stmt, err := r.conn.Prepare("SELECT " + strings.Join(sel, ", ") + " FROM " + quoteIdent(r.layer))
	if err != nil {
		return fmt.Errorf("%s: layer %s: %w", r.name, r.layer, err)
	}
	// The statement stays open with the rows; closing the connection frees both.
	rows, err := stmt.Query(nil) //nolint:staticcheck // driver-level API on purpose
	if err != nil {
		return fmt.Errorf("%s: layer %s: %w", r.name, r.layer, err)
	}
	r.rows = rows
	r.dest = make([]driver.Value, len(sel))
	return nil
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func (r *gpkgReader) SRID() int { return r.srid }

// BytesRead estimates progress from the share of rows read: SQLite pages
// are not read in file order.
func (r *gpkgReader) BytesRead() int64 {
	if r.total == 0 {
		return r.size
	}
	return r.size * int64(r.index) / r.total
}
func (r *gpkgReader) Size() int64 { return r.size }

// Layer is the feature table being read.
func (r *gpkgReader) Layer() string { return r.layer }

func (r *gpkgReader) Close() error {
	if r.rows != nil {
		r.rows.Close()
	}
	return r.conn.Close()
}

func (r *gpkgReader) Next() (*Feature, error) {
	if r.done {
		return nil, io.EOF
	}
	if err := r.rows.Next(r.dest); err != nil {
		if errors.Is(err, io.EOF) {
			r.done = true
			return nil, io.EOF
		}
		return nil, fmt.Errorf("%s: layer %s: row %d: %w", r.name, r.layer, r.index+1, err)
	}
	r.index++
	f := &Feature{Index: r.index, Properties: make(map[string]any, len(r.cols))}
	if blob, ok := r.dest[0].([]byte); ok {
		g, err := decodeGPKGGeometry(blob)
		if err != nil {
			return nil, &InputError{File: r.name, Feature: r.index, Field: r.geomCol, Reason: err.Error()}
		}
		f.Geometry = g
	} else if r.dest[0] != nil {
		return nil, &InputError{File: r.name, Feature: r.index, Field: r.geomCol, Reason: fmt.Sprintf("geometry is a %T, not a GeoPackage blob", r.dest[0])}
	}
	for i, col := range r.cols {
		f.Properties[col] = gpkgValue(r.dest[i+1], r.types[i])
	}
	return f, nil
}

// gpkgValue converts a column value to a property value: BOOLEAN columns to
// bool, DATE and DATETIME to their ISO text, BLOBs to strings.
func gpkgValue(v driver.Value, typ string) any {
	switch v := v.(type) {
	case int64:
		if typ == "BOOLEAN" {
			return v != 0
		}
		return v
	case time.Time:
		if typ == "DATE" {
			return v.Format(time.DateOnly)
		}
		return v.Format(time.RFC3339Nano)
	case []byte:
		return string(v)
	}
	return v
}

// decodeGPKGGeometry parses GeoPackage binary: the "GP" header (version,
// flags, SRS id, optional envelope), then WKB. Empty geometries give nil.
func decodeGPKGGeometry(b []byte) (orb.Geometry, error) {
	if len(b) < 8 || b[0] != 'G' || b[1] != 'P' {
		return nil, errors.New("not a GeoPackage geometry (no GP header)")
	}
	flags := b[3]
	if flags&0x20 != 0 {
		return nil, errors.New("extended GeoPackage geometry types are not supported")
	}
	envelope := [...]int{0, 32, 48, 48, 64}
	e := int(flags>>1) & 7
	if e >= len(envelope) {
		return nil, fmt.Errorf("bad envelope code %d in the GeoPackage header", e)
	}
	start := 8 + envelope[e]
	if len(b) < start {
		return nil, errors.New("GeoPackage geometry ends inside its header")
	}
	if flags&0x10 != 0 {
		return nil, nil
	}
	g, err := decodeWKB(b[start:])
	if err != nil {
		return nil, err
	}
	if p, ok := g.(orb.Point); ok && math.IsNaN(p[0]) {
		return nil, nil
	}
	return g, nil
}
