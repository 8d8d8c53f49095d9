package geo

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"golang.org/x/text/encoding/charmap"
)

// Shapefile shape types (ESRI Shapefile Technical Description, 1998).
const (
	shpNull        = 0
	shpPoint       = 1
	shpPolyLine    = 3
	shpPolygon     = 5
	shpMultiPoint  = 8
	shpPointZ      = 11
	shpPolyLineZ   = 13
	shpPolygonZ    = 15
	shpMultiPointZ = 18
	shpPointM      = 21
	shpPolyLineM   = 23
	shpPolygonM    = 25
	shpMultiPointM = 28
)

// shpReader reads an ESRI Shapefile: geometry from .shp, attributes from
// .dbf (optional), the CRS from .prj and the text encoding from .cpg. Z and M
// values are dropped. Records deleted in the .dbf are skipped.
type shpReader struct {
	name     string
	shp, dbf *os.File
	sr, dr   *bufio.Reader
	size     int64
	shpRead  int64
	dbfRead  int64
	shpLen   int64 // from the .shp header, in bytes
	srid     int
	buf      []byte
	index    int
	dbfRows  int
	fields   []dbfField
	recLen   int
	rec      []byte
	decode   func([]byte) string
	encName  string
	finished bool
}

type dbfField struct {
	name     string
	typ      byte
	offset   int
	length   int
	decimals int
}

// sidecar finds base+ext next to the .shp, matching the extension in any case.
func sidecar(path, ext string) (string, bool) {
	base := strings.TrimSuffix(path, filepath.Ext(path))
	for _, e := range []string{ext, strings.ToUpper(ext)} {
		if _, err := os.Stat(base + e); err == nil {
			return base + e, true
		}
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return "", false
	}
	want := strings.ToLower(filepath.Base(base) + ext)
	for _, e := range entries {
		if strings.ToLower(e.Name()) == want {
			return filepath.Join(filepath.Dir(path), e.Name()), true
		}
	}
	return "", false
}

func openShapefile(path, name string, opt OpenOptions) (*shpReader, error) {
	r := &shpReader{name: name, decode: latin1String, encName: "ISO-8859-1"}
	if err := r.open(path, opt); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *shpReader) open(path string, opt OpenOptions) error {
	name := r.name
	var err error
	if r.shp, err = os.Open(path); err != nil {
		return err
	}
	st, err := r.shp.Stat()
	if err != nil {
		return err
	}
	r.size = st.Size()
	r.sr = bufio.NewReaderSize(r.shp, 256<<10)
	var hdr [100]byte
	if _, err := io.ReadFull(r.sr, hdr[:]); err != nil {
		return &InputError{File: name, Reason: "not a shapefile: shorter than its 100-byte header"}
	}
	r.shpRead = 100
	if binary.BigEndian.Uint32(hdr[0:]) != 9994 || binary.LittleEndian.Uint32(hdr[28:]) != 1000 {
		return &InputError{File: name, Reason: "not a shapefile: bad file code or version"}
	}
	r.shpLen = int64(binary.BigEndian.Uint32(hdr[24:])) * 2
	if cpg, ok := sidecar(path, ".cpg"); ok {
		text, err := os.ReadFile(cpg)
		if err != nil {
			return err
		}
		if r.decode, r.encName, err = decoderFor(strings.TrimSpace(string(text))); err != nil {
			return &InputError{File: cpg, Reason: err.Error()}
		}
	}
	r.srid = opt.SRID
	if prj, ok := sidecar(path, ".prj"); ok && r.srid == 0 {
		text, err := os.ReadFile(prj)
		if err != nil {
			return err
		}
		r.srid, _ = SRIDFromWKT(string(text))
	}
	if dbf, ok := sidecar(path, ".dbf"); ok {
		if err := r.openDBF(dbf); err != nil {
			return err
		}
	}
	return nil
}

// decoderFor returns the text decoder for a .cpg code page name.
func decoderFor(cpg string) (func([]byte) string, string, error) {
	n := strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToUpper(cpg))
	switch n {
	case "UTF8", "65001":
		return utf8String, "UTF-8", nil
	case "88591", "ISO88591", "LATIN1", "28591", "":
		return latin1String, "ISO-8859-1", nil
	}
	var cm *charmap.Charmap
	switch strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(n, "ANSI"), "WINDOWS"), "CP") {
	case "1252":
		cm = charmap.Windows1252
	case "1257":
		cm = charmap.Windows1257
	case "1250":
		cm = charmap.Windows1250
	case "437", "OEM":
		cm = charmap.CodePage437
	case "850":
		cm = charmap.CodePage850
	case "865":
		cm = charmap.CodePage865
	}
	switch n {
	case "885915", "ISO885915", "LATIN9", "28605":
		cm = charmap.ISO8859_15
	case "88592", "ISO88592", "28592":
		cm = charmap.ISO8859_2
	}
	if cm == nil {
		return nil, "", fmt.Errorf("unknown code page %q", cpg)
	}
	return charmapString(cm), cm.String(), nil
}

func utf8String(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func latin1String(b []byte) string {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return string(out)
}

func charmapString(cm *charmap.Charmap) func([]byte) string {
	return func(b []byte) string {
		out := make([]byte, 0, len(b)+8)
		for _, c := range b {
			if c < 0x80 {
				out = append(out, c)
			} else {
				out = utf8.AppendRune(out, cm.DecodeByte(c))
			}
		}
		return string(out)
	}
}

func (r *shpReader) openDBF(path string) error {
	var err error
	if r.dbf, err = os.Open(path); err != nil {
		return err
	}
	st, err := r.dbf.Stat()
	if err != nil {
		return err
	}
	r.size += st.Size()
	r.dr = bufio.NewReaderSize(r.dbf, 256<<10)
	var hdr [32]byte
	if _, err := io.ReadFull(r.dr, hdr[:]); err != nil {
		return &InputError{File: path, Reason: "dBASE header is truncated"}
	}
	r.dbfRows = int(binary.LittleEndian.Uint32(hdr[4:]))
	headerLen := int(binary.LittleEndian.Uint16(hdr[8:]))
	r.recLen = int(binary.LittleEndian.Uint16(hdr[10:]))
	if headerLen < 33 || r.recLen < 1 {
		return &InputError{File: path, Reason: fmt.Sprintf("bad dBASE header (header %d bytes, records %d bytes)", headerLen, r.recLen)}
	}
	rest := make([]byte, headerLen-32)
	if _, err := io.ReadFull(r.dr, rest); err != nil {
		return &InputError{File: path, Reason: "dBASE field list is truncated"}
	}
	r.dbfRead = int64(headerLen)
	offset := 1 // the deletion flag
	for i := 0; i+32 <= len(rest) && rest[i] != 0x0d; i += 32 {
		d := rest[i : i+32]
		nameBytes := d[:11]
		if j := strings.IndexByte(string(nameBytes), 0); j >= 0 {
			nameBytes = nameBytes[:j]
		}
		f := dbfField{
			name: strings.TrimSpace(r.decode(nameBytes)), typ: d[11],
			offset: offset, length: int(d[16]), decimals: int(d[17]),
		}
		if f.typ == 'C' {
			// Long character fields keep the high byte of the length in the decimals.
			f.length += int(d[17]) << 8
			f.decimals = 0
		}
		offset += f.length
		r.fields = append(r.fields, f)
	}
	if offset > r.recLen {
		return &InputError{File: path, Reason: fmt.Sprintf("fields take %d bytes, more than the record length %d", offset, r.recLen)}
	}
	r.rec = make([]byte, r.recLen)
	return nil
}

func (r *shpReader) SRID() int { return r.srid }
func (r *shpReader) BytesRead() int64 {
	if r.finished {
		return r.size // the .dbf's end-of-file marker included
	}
	return r.shpRead + r.dbfRead
}
func (r *shpReader) Size() int64 { return r.size }

// Encoding names the character set used for the .dbf text.
func (r *shpReader) Encoding() string { return r.encName }

func (r *shpReader) Close() error {
	var err error
	if r.shp != nil {
		err = r.shp.Close()
	}
	if r.dbf != nil {
		if e := r.dbf.Close(); err == nil {
			err = e
		}
	}
	return err
}

func (r *shpReader) fail(field, reason string) error {
	return &InputError{File: r.name, Feature: r.index, Field: field, Reason: reason}
}

func (r *shpReader) Next() (*Feature, error) {
	for {
		if r.finished {
			return nil, io.EOF
		}
		f, deleted, err := r.record()
		if err != nil || !deleted {
			return f, err
		}
	}
}

// record reads the next .shp record and its .dbf row.
func (r *shpReader) record() (*Feature, bool, error) {
	var hdr [8]byte
	n, err := io.ReadFull(r.sr, hdr[:])
	if n == 0 && errors.Is(err, io.EOF) || r.shpLen > 0 && r.shpRead >= r.shpLen {
		r.finished = true
		if r.dbf != nil && r.index < r.dbfRows {
			return nil, false, &InputError{File: r.name, Reason: fmt.Sprintf("the .shp has %d records but the .dbf has %d", r.index, r.dbfRows)}
		}
		return nil, false, io.EOF
	}
	r.index++
	if err != nil {
		return nil, false, r.fail("", "file ends inside a record header (truncated file?)")
	}
	size := int(binary.BigEndian.Uint32(hdr[4:])) * 2
	if size < 4 || size > 256<<20 {
		return nil, false, r.fail("", fmt.Sprintf("bad record length %d", size))
	}
	if cap(r.buf) < size {
		r.buf = make([]byte, size)
	}
	r.buf = r.buf[:size]
	if _, err := io.ReadFull(r.sr, r.buf); err != nil {
		return nil, false, r.fail("", "file ends inside a record (truncated file?)")
	}
	r.shpRead += int64(8 + size)
	// The .dbf row is read even when the shape is bad, to stay aligned
	// with the .shp for the next record.
	if r.dbf != nil {
		if r.index > r.dbfRows {
			return nil, false, r.fail("", fmt.Sprintf("the .dbf has only %d records", r.dbfRows))
		}
		if _, err := io.ReadFull(r.dr, r.rec); err != nil {
			return nil, false, r.fail("", "the .dbf ends early (truncated file?)")
		}
		r.dbfRead += int64(r.recLen)
	}
	deleted := r.dbf != nil && r.rec[0] == '*'
	g, err := parseShape(r.buf)
	if err != nil && !deleted {
		return nil, false, r.fail("geometry", err.Error())
	}
	f := &Feature{Index: r.index, Geometry: g}
	if r.dbf == nil {
		return f, false, nil
	}
	if deleted {
		return nil, true, nil
	}
	f.Properties = make(map[string]any, len(r.fields))
	for _, fd := range r.fields {
		v, err := r.value(fd, r.rec[fd.offset:fd.offset+fd.length])
		if err != nil {
			return nil, false, r.fail(fd.name, err.Error())
		}
		f.Properties[fd.name] = v
	}
	return f, false, nil
}

// value converts a dBASE field: C to a string, N and F to int64 (no
// decimals) or float64, L to bool, D (YYYYMMDD) to "YYYY-MM-DD"; blanks are
// nil. Other types are kept as trimmed text.
func (r *shpReader) value(fd dbfField, raw []byte) (any, error) {
	switch fd.typ {
	case 'C':
		s := strings.TrimRight(r.decode(raw), " \x00")
		if s == "" {
			return nil, nil
		}
		return s, nil
	case 'N', 'F':
		s := strings.TrimSpace(strings.Trim(string(raw), "\x00"))
		if s == "" || strings.Trim(s, "*") == "" {
			return nil, nil
		}
		if fd.decimals == 0 {
			if v, err := strconv.ParseInt(s, 10, 64); err == nil {
				return v, nil
			}
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("not a number: %s", abbreviate(s))
		}
		return v, nil
	case 'L':
		switch raw[0] {
		case 'T', 't', 'Y', 'y':
			return true, nil
		case 'F', 'f', 'N', 'n':
			return false, nil
		}
		return nil, nil
	case 'D':
		s := strings.TrimSpace(string(raw))
		if s == "" || strings.Trim(s, "0") == "" {
			return nil, nil
		}
		if len(s) != 8 {
			return nil, fmt.Errorf("bad date %s, want YYYYMMDD", abbreviate(s))
		}
		return s[:4] + "-" + s[4:6] + "-" + s[6:], nil
	}
	s := strings.TrimSpace(r.decode(raw))
	if s == "" {
		return nil, nil
	}
	return s, nil
}

// parseShape decodes one record's content, dropping Z and M.
func parseShape(b []byte) (orb.Geometry, error) {
	le := binary.LittleEndian
	typ := le.Uint32(b)
	need := func(n int) error {
		if len(b) < n {
			return fmt.Errorf("shape type %d record is %d bytes, needs %d", typ, len(b), n)
		}
		return nil
	}
	pt := func(off int) orb.Point {
		return orb.Point{math.Float64frombits(le.Uint64(b[off:])), math.Float64frombits(le.Uint64(b[off+8:]))}
	}
	switch typ {
	case shpNull:
		return nil, nil
	case shpPoint, shpPointZ, shpPointM:
		if err := need(20); err != nil {
			return nil, err
		}
		return pt(4), nil
	case shpMultiPoint, shpMultiPointZ, shpMultiPointM:
		if err := need(40); err != nil {
			return nil, err
		}
		n := int(le.Uint32(b[36:]))
		if err := need(40 + 16*n); err != nil {
			return nil, err
		}
		mp := make(orb.MultiPoint, n)
		for i := range mp {
			mp[i] = pt(40 + 16*i)
		}
		return mp, nil
	case shpPolyLine, shpPolyLineZ, shpPolyLineM, shpPolygon, shpPolygonZ, shpPolygonM:
		if err := need(44); err != nil {
			return nil, err
		}
		parts, points := int(le.Uint32(b[36:])), int(le.Uint32(b[40:]))
		if parts < 0 || points < 0 || parts > len(b) || points > len(b) {
			return nil, fmt.Errorf("bad part or point count (%d, %d)", parts, points)
		}
		base := 44 + 4*parts
		if err := need(base + 16*points); err != nil {
			return nil, err
		}
		lines := make([][]orb.Point, parts)
		for i := range parts {
			start := int(le.Uint32(b[44+4*i:]))
			end := points
			if i+1 < parts {
				end = int(le.Uint32(b[44+4*(i+1):]))
			}
			if start < 0 || start > end || end > points {
				return nil, fmt.Errorf("part %d has bad point indexes %d..%d of %d", i+1, start, end, points)
			}
			ps := make([]orb.Point, end-start)
			for j := range ps {
				ps[j] = pt(base + 16*(start+j))
			}
			lines[i] = ps
		}
		if typ%10 == shpPolyLine {
			if len(lines) == 1 {
				return orb.LineString(lines[0]), nil
			}
			ml := make(orb.MultiLineString, len(lines))
			for i, l := range lines {
				ml[i] = l
			}
			return ml, nil
		}
		return assemblePolygons(lines), nil
	}
	return nil, fmt.Errorf("unsupported shape type %d", typ)
}

// assemblePolygons groups shapefile rings into polygons. The format's rule is
// that outer rings run clockwise and holes counter-clockwise; each hole goes
// to the smallest outer ring containing it, and a hole inside no outer ring
// (a writer that got the orientation wrong) becomes an outer ring itself. One
// polygon gives an orb.Polygon, several an orb.MultiPolygon.
func assemblePolygons(rings [][]orb.Point) orb.Geometry {
	var outers []orb.Polygon
	var holes []orb.Ring
	for _, r := range rings {
		ring := orb.Ring(r)
		if ring.Orientation() == orb.CW {
			outers = append(outers, orb.Polygon{ring})
		} else {
			holes = append(holes, ring)
		}
	}
	for _, h := range holes {
		best, bestArea := -1, math.Inf(1)
		if len(h) > 0 {
			for i, o := range outers {
				if a := math.Abs(ringArea(o[0])); a < bestArea && ringContains(o[0], h[0]) {
					best, bestArea = i, a
				}
			}
		}
		if best < 0 {
			outers = append(outers, orb.Polygon{h})
		} else {
			outers[best] = append(outers[best], h)
		}
	}
	if len(outers) == 1 {
		return outers[0]
	}
	return orb.MultiPolygon(outers)
}

func ringArea(r orb.Ring) float64 {
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

// ringContains tests p against r by ray casting; points on the boundary may
// go either way, which is fine for a hole's vertex.
func ringContains(r orb.Ring, p orb.Point) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}
