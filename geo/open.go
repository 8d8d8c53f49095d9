package geo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Format names a file format Open can read.
type Format string

// The formats Open reads.
const (
	FormatGeoJSON    Format = "geojson"   // GeoJSON and GeoJSONSeq (RFC 7946, RFC 8142)
	FormatCSV        Format = "csv"       // delimited text with coordinate or WKT columns
	FormatGeoPackage Format = "gpkg"      // OGC GeoPackage feature table
	FormatShapefile  Format = "shapefile" // ESRI Shapefile (.shp with .shx, .dbf, .prj, .cpg)
	formatUnknown    Format = ""
)

// OpenOptions tune how Open reads a file. The zero value detects everything.
type OpenOptions struct {
	// Format forces a format instead of detecting it from content and extension.
	Format Format
	// Layer selects a GeoPackage feature table; empty means the only (or first) one.
	Layer string
	// SRID overrides the CRS of the file; 0 takes it from the file (or guesses, for CSV).
	SRID int
	// X, Y and WKT name CSV columns holding the geometry, overriding detection.
	X, Y, WKT string
	// Name is the file name used in error messages; empty means the path.
	Name string
}

// Open opens a feature file and returns a streaming reader for it. The
// format comes from opt.Format, else from the content (SQLite header, JSON
// object or RS byte), else from the extension (.shp, .gpkg, .csv/.tsv/.txt,
// .geojson/.json/.geojsonl/.geojsons/.ndjson/.jsonl).
func Open(path string, opt OpenOptions) (Reader, error) {
	name := opt.Name
	if name == "" {
		name = path
	}
	format := opt.Format
	if format == formatUnknown {
		var err error
		if format, err = detectFormat(path, name); err != nil {
			return nil, err
		}
	}
	switch format {
	case FormatShapefile:
		return openShapefile(path, name, opt)
	case FormatGeoPackage:
		st, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		return openGeoPackage(path, name, st.Size(), opt)
	case FormatGeoJSON, FormatCSV:
	default:
		return nil, fmt.Errorf("%s: format %q is not supported", name, format)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	var r Reader
	switch format {
	case FormatGeoJSON:
		var g *geojsonReader
		if g, err = openGeoJSON(f, name, st.Size(), opt); err == nil {
			r, err = withHeader(g)
		}
	case FormatCSV:
		r, err = openCSV(f, name, st.Size(), opt)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// withHeader reads a GeoJSON file up to its first feature, so that SRID
// reports a crs member before the first Next. A feature or error met on the
// way is handed out by the first Next.
func withHeader(g *geojsonReader) (Reader, error) {
	f, err := g.header()
	if f == nil && err == nil {
		return g, nil
	}
	return &pendingReader{Reader: g, f: f, err: err}, nil
}

// pendingReader hands out one feature (or error) read ahead before the rest.
type pendingReader struct {
	Reader
	f    *Feature
	err  error
	done bool
}

func (p *pendingReader) Next() (*Feature, error) {
	if !p.done {
		p.done = true
		if p.f != nil || p.err != nil {
			return p.f, p.err
		}
	}
	return p.Reader.Next()
}

// DetectFormat returns the format Open would read path as: from the first
// bytes (SQLite header, a JSON object or RS byte), then the extension.
func DetectFormat(path string) (Format, error) {
	return detectFormat(path, path)
}

// detectFormat is DetectFormat naming the file as name in errors.
func detectFormat(path, name string) (Format, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".shp" {
		return FormatShapefile, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return formatUnknown, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return formatUnknown, err
	}
	head = head[:n]
	if bytes.HasPrefix(head, []byte("SQLite format 3\x00")) {
		return FormatGeoPackage, nil
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, utf8BOM), " \t\r\n")
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == 0x1e) {
		return FormatGeoJSON, nil
	}
	switch ext {
	case ".gpkg":
		return FormatGeoPackage, nil
	case ".geojson", ".json", ".geojsonl", ".geojsons", ".geojsonseq", ".ndjson", ".jsonl":
		return FormatGeoJSON, nil
	case ".csv", ".tsv", ".txt":
		return FormatCSV, nil
	}
	if n == 0 {
		return formatUnknown, &InputError{File: name, Reason: "empty file"}
	}
	return formatUnknown, &InputError{File: name, Reason: "unknown format: expected GeoJSON, GeoJSONSeq, CSV, GeoPackage or Shapefile"}
}

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// SRIDFromName returns the EPSG code named by a CRS identifier as found in
// GeoJSON crs members and OGC APIs: "EPSG:3006", "urn:ogc:def:crs:EPSG::3006",
// "urn:ogc:def:crs:EPSG:6.3:3006", "http://www.opengis.net/def/crs/EPSG/0/3006";
// the OGC CRS84 names (lon/lat WGS 84) give 4326.
func SRIDFromName(name string) (int, bool) {
	n := strings.TrimSpace(name)
	u := strings.ToUpper(n)
	if strings.HasSuffix(u, "CRS84") {
		return 4326, true
	}
	i := strings.LastIndexAny(n, ":/")
	if i < 0 || !strings.Contains(u, "EPSG") {
		return 0, false
	}
	code, err := strconv.Atoi(n[i+1:])
	if err != nil || code <= 0 {
		return 0, false
	}
	return code, true
}
