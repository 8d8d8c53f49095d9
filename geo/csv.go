package geo

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Column names recognised (case-insensitively) when OpenOptions does not name
// the geometry columns.
var (
	csvXNames   = []string{"lon", "lng", "long", "longitude", "x", "easting"}
	csvYNames   = []string{"lat", "latitude", "y", "northing"}
	csvWKTNames = []string{"wkt", "geom", "geometry", "the_geom", "wkt_geom"}
)

// csvGuessRows is how many rows are read ahead to guess the CRS.
const csvGuessRows = 1000

// csvReader reads delimited text. Values stay strings (an empty value is
// nil); the geometry columns are not repeated in Properties. A file without
// geometry columns yields features without geometry.
type csvReader struct {
	f     *os.File
	cr    *csv.Reader
	count *countingReader
	name  string
	size  int64
	delim rune

	header     []string
	xCol, yCol int // -1 when absent
	wktCol     int
	srid       int
	index      int
	textSRID   int      // the first SRID given by EWKT or EWKB values
	ahead      []csvRow // rows read ahead to guess the CRS
	atEOF      bool     // the read-ahead reached the end of the file
}

// csvRow is one read-ahead result: a feature or the error for its row.
type csvRow struct {
	f   *Feature
	err error
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func openCSV(f *os.File, name string, size int64, opt OpenOptions) (*csvReader, error) {
	count := &countingReader{r: f}
	br := bufio.NewReaderSize(count, 256<<10)
	if b, _ := br.Peek(3); bytes.Equal(b, utf8BOM) {
		br.Discard(3)
	}
	head, _ := br.Peek(64 << 10)
	r := &csvReader{f: f, count: count, name: name, size: size, delim: sniffDelimiter(head), xCol: -1, yCol: -1, wktCol: -1}
	r.cr = csv.NewReader(br)
	r.cr.Comma = r.delim
	r.cr.ReuseRecord = true
	hdr, err := r.cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &InputError{File: name, Reason: "empty file: expected a header row"}
		}
		return nil, r.csvError(err)
	}
	r.header = make([]string, len(hdr))
	for i, h := range hdr {
		r.header[i] = strings.TrimSpace(h)
	}
	if err := r.pickColumns(opt); err != nil {
		return nil, err
	}
	r.srid = opt.SRID
	if r.srid == 0 {
		r.srid = r.guessSRID()
	}
	return r, nil
}

// sniffDelimiter picks the delimiter among , ; tab | that occurs most often
// outside quotes in the header line.
func sniffDelimiter(head []byte) rune {
	counts := map[byte]int{}
	quoted := false
	for _, c := range head {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if c == '\n' {
			break
		}
		switch c {
		case ',', ';', '\t', '|':
			counts[c]++
		}
	}
	best, n := byte(','), 0
	for _, c := range []byte{',', ';', '\t', '|'} {
		if counts[c] > n {
			best, n = c, counts[c]
		}
	}
	return rune(best)
}

func (r *csvReader) column(name string) int {
	for i, h := range r.header {
		if strings.EqualFold(h, name) {
			return i
		}
	}
	return -1
}

func (r *csvReader) firstColumn(names []string) int {
	for _, n := range names {
		if i := r.column(n); i >= 0 {
			return i
		}
	}
	return -1
}

func (r *csvReader) pickColumns(opt OpenOptions) error {
	need := func(field, what string) (int, error) {
		i := r.column(field)
		if i < 0 {
			return -1, &InputError{File: r.name, Line: 1, Field: field, Reason: fmt.Sprintf("no %s column named %q in the header", what, field)}
		}
		return i, nil
	}
	var err error
	switch {
	case opt.WKT != "":
		r.wktCol, err = need(opt.WKT, "WKT")
		return err
	case opt.X != "" || opt.Y != "":
		if opt.X == "" || opt.Y == "" {
			return &InputError{File: r.name, Field: "x/y", Reason: "name both the x and the y column"}
		}
		if r.xCol, err = need(opt.X, "x"); err != nil {
			return err
		}
		r.yCol, err = need(opt.Y, "y")
		return err
	}
	r.xCol, r.yCol = r.firstColumn(csvXNames), r.firstColumn(csvYNames)
	if r.xCol >= 0 && r.yCol >= 0 {
		return nil
	}
	r.xCol, r.yCol = -1, -1
	r.wktCol = r.firstColumn(csvWKTNames)
	return nil
}

// guessSRID reads up to csvGuessRows rows ahead and takes the SRID of the
// first EWKT or EWKB value, else guesses the CRS from the coordinate ranges: 4326 when every x is within ±180 and every y within ±90
// (degrees), 3006 when they fit SWEREF99 TM metres over Sweden (x 0..1,200,000,
// y 6,000,000..7,800,000), else 0 (unknown: the caller must give the SRID).
func (r *csvReader) guessSRID() int {
	var b orb.Bound
	seen := false
	for len(r.ahead) < csvGuessRows {
		f, err := r.read()
		if errors.Is(err, io.EOF) {
			r.atEOF = true
			break
		}
		r.ahead = append(r.ahead, csvRow{f, err})
		var ie *InputError
		if err != nil && !errors.As(err, &ie) {
			break // a read error: nothing more to guess from
		}
		if err != nil || f.Geometry == nil {
			continue
		}
		if !seen {
			b, seen = f.Geometry.Bound(), true
		} else {
			b = b.Union(f.Geometry.Bound())
		}
	}
	if r.textSRID != 0 {
		return r.textSRID
	}
	if !seen {
		return 0
	}
	switch {
	case b.Min[0] >= -180 && b.Max[0] <= 180 && b.Min[1] >= -90 && b.Max[1] <= 90:
		return 4326
	case b.Min[0] >= 0 && b.Max[0] <= 1200000 && b.Min[1] >= 6000000 && b.Max[1] <= 7800000:
		return 3006
	}
	return 0
}

func (r *csvReader) SRID() int        { return r.srid }
func (r *csvReader) BytesRead() int64 { return r.count.n }
func (r *csvReader) Size() int64      { return r.size }
func (r *csvReader) Close() error     { return r.f.Close() }

func (r *csvReader) Next() (*Feature, error) {
	if len(r.ahead) > 0 {
		row := r.ahead[0]
		r.ahead[0] = csvRow{}
		r.ahead = r.ahead[1:]
		return row.f, row.err
	}
	if r.atEOF {
		return nil, io.EOF
	}
	return r.read()
}

func (r *csvReader) csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		reason := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			reason = fmt.Sprintf("wrong number of fields (header has %d)", len(r.header))
		}
		return &InputError{File: r.name, Line: pe.Line, Feature: r.index, Reason: reason}
	}
	return fmt.Errorf("%s: %w", r.name, err)
}

func (r *csvReader) read() (*Feature, error) {
	rec, err := r.cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		r.index++
		return nil, r.csvError(err)
	}
	r.index++
	line, _ := r.cr.FieldPos(0)
	f := &Feature{Index: r.index, Line: line, Properties: make(map[string]any, len(rec))}
	for i, v := range rec {
		if i == r.xCol || i == r.yCol || i == r.wktCol {
			continue
		}
		if v == "" {
			f.Properties[r.header[i]] = nil
		} else {
			f.Properties[r.header[i]] = v
		}
	}
	switch {
	case r.wktCol >= 0:
		s := strings.TrimSpace(rec[r.wktCol])
		if s == "" {
			break
		}
		g, srid, err := ParseGeometryText(s)
		if err != nil {
			return nil, &InputError{File: r.name, Line: line, Feature: r.index, Field: r.header[r.wktCol], Reason: fmt.Sprintf("bad WKT %s: %v", abbreviate(s), err)}
		}
		if r.textSRID == 0 {
			r.textSRID = srid
		}
		f.Geometry = g
	case r.xCol >= 0:
		xs, ys := strings.TrimSpace(rec[r.xCol]), strings.TrimSpace(rec[r.yCol])
		if xs == "" && ys == "" {
			break
		}
		x, err := r.number(xs, line, r.xCol)
		if err != nil {
			return nil, err
		}
		y, err := r.number(ys, line, r.yCol)
		if err != nil {
			return nil, err
		}
		f.Geometry = orb.Point{x, y}
	}
	return f, nil
}

// number parses a coordinate, accepting a decimal comma when the delimiter
// is not a comma (Swedish spreadsheets write 63,8 with ; between fields).
func (r *csvReader) number(s string, line, col int) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && r.delim != ',' && strings.Count(s, ",") == 1 {
		v, err = strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	}
	if err != nil {
		reason := fmt.Sprintf("not a number: %s", abbreviate(s))
		if s == "" {
			reason = "empty coordinate"
		}
		return 0, &InputError{File: r.name, Line: line, Feature: r.index, Field: r.header[col], Reason: reason}
	}
	return v, nil
}

// abbreviate quotes a value for an error message, shortening long ones.
func abbreviate(s string) string {
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return strconv.Quote(s)
}
