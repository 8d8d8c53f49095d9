package data

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bbplan/bbplan/geo"
	"github.com/lib/pq"
	"github.com/paulmach/orb"
)

// OpenFunc opens a feature file: layer selects a GeoPackage layer ("" for the
// only or first one) and srid overrides the file's CRS (0 keeps it).
type OpenFunc func(path, layer string, srid int) (geo.Reader, error)

// LoadOptions say what to load and how.
type LoadOptions struct {
	// Kind is one of Kinds().
	Kind string
	// File is the path of the input file.
	File string
	// Name of the dataset; the file's base name when empty.
	Name string
	// SRID overrides the input CRS given by the file (0: from the file).
	SRID int
	// Layer selects a GeoPackage layer.
	Layer string
	// Map maps a kind's field names to the file's column names.
	Map map[string]string
	// Force reloads a file even when the same file with the same options is current.
	Force bool
	// MaxErrors is how many bad rows are tolerated; each is written to Rejects.
	MaxErrors int
	// Rejects receives each rejected row as one JSON object per line; nil discards them.
	Rejects io.Writer
	// RepairInvalid repairs invalid polygons with ST_MakeValid and counts them;
	// false rejects them.
	RepairInvalid bool
	// Actor is who loads, for the dataset row and the audit log.
	Actor string
	// Open opens the file; nil means geo.Open.
	Open OpenFunc
	// Progress, when set, is called now and then while the file is read and
	// at each later phase. It is called from one goroutine at a time.
	Progress func(Progress)
}

// Progress reports how far a load has come.
type Progress struct {
	Phase     string        `json:"phase"` // reading, validating, replacing, done
	Rows      int64         `json:"rows"`
	Rejected  int64         `json:"rejected"`
	BytesRead int64         `json:"bytes_read"`
	Size      int64         `json:"size"` // 0 when unknown
	Elapsed   time.Duration `json:"elapsed"`
}

// LoadResult is what a load did.
type LoadResult struct {
	// ID of the new dataset, or of the current one when Unchanged.
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	File      string `json:"file"`
	SHA256    string `json:"sha256"`
	InputSRID int    `json:"input_srid"`
	Rows      int64  `json:"rows"`
	Rejected  int64  `json:"rejected"`
	Repaired  int64  `json:"repaired"`
	// Unchanged is true when the same file with the same options was already
	// current and nothing was loaded.
	Unchanged bool          `json:"unchanged"`
	Elapsed   time.Duration `json:"elapsed_ns"`
}

// Reject is one bad row, as written to the rejects file.
type Reject struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Feature int    `json:"feature,omitempty"`
	Field   string `json:"field,omitempty"`
	Reason  string `json:"reason"`
}

// loadOptionsKey is what, besides the checksum, makes two loads the same.
type loadOptionsKey struct {
	SRID  int               `json:"srid"`
	Layer string            `json:"layer"`
	Map   map[string]string `json:"map"`
}

// Load reads a file of one kind into its table, replacing the current dataset
// of that kind, in one transaction: a failed or interrupted load leaves the
// previous data and dataset list as they were. The rows stream through COPY
// into a staging table while the file is parsed on another goroutine, are
// validated there set-based, and then replace the table's rows in spatial
// order, with its indexes rebuilt after the data is in. Premises take a
// shorter way when they can (loadDirect).
func Load(ctx context.Context, db *DB, opt LoadOptions) (*LoadResult, error) {
	start := time.Now()
	spec, ok := kindSpecs[opt.Kind]
	if !ok {
		return nil, fmt.Errorf("load: unknown kind %q (kinds: %s)", opt.Kind, strings.Join(Kinds(), ", "))
	}
	if opt.Open == nil {
		opt.Open = openFile
	}
	m, err := newMapping(spec, opt.Map)
	if err != nil {
		return nil, err
	}
	sum, err := fileSHA256(opt.File)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err) // the error names the file
	}
	abs, err := filepath.Abs(opt.File)
	if err != nil {
		return nil, err
	}
	key, err := json.Marshal(loadOptionsKey{SRID: opt.SRID, Layer: opt.Layer, Map: opt.Map})
	if err != nil {
		return nil, err
	}
	res := &LoadResult{Kind: opt.Kind, Name: opt.Name, File: abs, SHA256: sum}
	if res.Name == "" {
		res.Name = filepath.Base(opt.File)
	}

	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	defer tx.Rollback()

	// JIT costs more than it saves on these one-pass statements, and the
	// spatial sort of a million rows fits in memory with more work_mem; so
	// do the index builds' sorts with more maintenance_work_mem on servers
	// other than the managed one. ANALYZE of the rebuilt table samples 9,000
	// rows instead of 30,000, a third of its time for a million premises,
	// and still a fine histogram for the planner.
	const tune = `SET LOCAL jit = off; SET LOCAL work_mem = '256MB'; SET LOCAL maintenance_work_mem = '512MB';
		SET LOCAL default_statistics_target = 30`
	if _, err := tx.ExecContext(ctx, tune); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	const lockKind = `SELECT pg_advisory_xact_lock(7240003, hashtext($1))`
	if _, err := tx.ExecContext(ctx, lockKind, spec.kind); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if !opt.Force {
		const findSame = `SELECT id, rows, rejected, repaired, COALESCE(input_srid, 0) FROM dataset
			WHERE kind = $1 AND status = 'current' AND sha256 = $2 AND options = $3::jsonb`
		err := tx.QueryRowContext(ctx, findSame, spec.kind, sum, string(key)).Scan(&res.ID, &res.Rows, &res.Rejected, &res.Repaired, &res.InputSRID)
		if err == nil {
			res.Unchanged = true
			res.Elapsed = time.Since(start)
			return res, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("load: %w", err)
		}
	}

	r, err := opt.Open(opt.File, opt.Layer, opt.SRID)
	if err != nil {
		return nil, err
	}
	defer func() { r.Close() }()
	// Files without geometries (offers by premise id, priorities) need no CRS;
	// a geometry in a file of unknown CRS is rejected in convert.
	res.InputSRID = r.SRID()
	l := &loader{opt: opt, spec: spec, res: res, start: start, srid: db.SRID}
	if res.InputSRID != 0 && res.InputSRID != db.SRID {
		// Projecting on the parsing goroutine spares the server the work;
		// pairs geo does not know go to PostGIS.
		l.project, _ = geo.Transformer(res.InputSRID, db.SRID)
	}
	l.insertDataset = func() error {
		const insertDataset = `INSERT INTO dataset (kind, name, source_file, sha256, options, input_srid, loaded_by)
			VALUES ($1, $2, $3, $4, $5::jsonb, NULLIF($6, 0), COALESCE(NULLIF($7, ''), current_user)) RETURNING id`
		if err := tx.QueryRowContext(ctx, insertDataset, spec.kind, res.Name, abs, sum, string(key), res.InputSRID, opt.Actor).Scan(&res.ID); err != nil {
			return fmt.Errorf("load: dataset: %w", err)
		}
		return nil
	}
	done := false
	if spec.direct && opt.MaxErrors == 0 && res.InputSRID != 0 && (res.InputSRID == db.SRID || l.project != nil) {
		if done, err = l.loadDirect(ctx, conn, tx, r, m); err != nil {
			return nil, err
		}
		if !done {
			// Start over through staging, which finds and reports the duplicates.
			again, err := opt.Open(opt.File, opt.Layer, opt.SRID)
			if err != nil {
				return nil, err
			}
			r.Close()
			r = again
			l.rows, l.lastErr = 0, ""
		}
	}
	if !done {
		if err := l.loadStaged(ctx, conn, tx, r, m); err != nil {
			return nil, err
		}
	}
	const finish = `UPDATE dataset SET status = CASE WHEN id = $2 THEN 'current' ELSE 'replaced' END,
		rows = CASE WHEN id = $2 THEN $3 ELSE rows END,
		rejected = CASE WHEN id = $2 THEN $4 ELSE rejected END,
		repaired = CASE WHEN id = $2 THEN $5 ELSE repaired END
		WHERE kind = $1 AND (status = 'current' OR id = $2)`
	if _, err := tx.ExecContext(ctx, finish, spec.kind, res.ID, res.Rows, res.Rejected, res.Repaired); err != nil {
		return nil, fmt.Errorf("load: dataset: %w", err)
	}
	actor := opt.Actor
	if actor == "" {
		actor = "bbplan"
	}
	details := map[string]any{"dataset_id": res.ID, "file": abs, "sha256": sum, "rows": res.Rows,
		"rejected": res.Rejected, "repaired": res.Repaired, "input_srid": res.InputSRID, "force": opt.Force}
	if err := Audit(ctx, tx, actor, "load", spec.kind, details); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("load: commit: %w", err)
	}
	res.Elapsed = time.Since(start)
	l.progress("done", r.BytesRead(), r.Size())
	return res, nil
}

// openFile opens a file with geo's readers.
func openFile(path, layer string, srid int) (geo.Reader, error) {
	return geo.Open(path, geo.OpenOptions{Layer: layer, SRID: srid})
}

// loadStaged loads through a staging table: COPY, set-based checks and
// repairs there, then the kind's table is replaced from it.
func (l *loader) loadStaged(ctx context.Context, conn *sql.Conn, tx *sql.Tx, r geo.Reader, m *mapping) error {
	if err := l.stage(ctx, conn, tx, r, m); err != nil {
		return err
	}
	if l.project == nil && l.res.InputSRID != 0 && l.res.InputSRID != l.srid {
		const transform = `UPDATE load_stage SET geom = ST_Transform(geom, $1::int) WHERE geom IS NOT NULL`
		if _, err := tx.ExecContext(ctx, l.sql(transform), l.srid); err != nil {
			return fmt.Errorf("load %s: from EPSG:%d to EPSG:%d: %w", l.opt.File, l.res.InputSRID, l.srid, err)
		}
	}
	if err := l.validate(ctx, tx); err != nil {
		return err
	}
	l.progress("replacing", 0, 0)
	if err := l.insertDataset(); err != nil {
		return err
	}
	n, err := l.replace(ctx, tx)
	if err != nil {
		var ie *geo.InputError
		if errors.As(err, &ie) {
			return err
		}
		return fmt.Errorf("load %s: %w", l.opt.File, err)
	}
	l.res.Rows = n
	if _, err := tx.ExecContext(ctx, l.sql(`DROP TABLE load_stage`)); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	return nil
}

// loadDirect copies the rows straight into the kind's emptied table, in
// blockwise spatial order, and rebuilds its indexes: one write of the data
// instead of two. It serves kinds whose only set-based check is the primary
// key, in strict mode (no tolerated errors). When the key cannot be built the
// work is undone to a savepoint and done reports false: the caller then loads
// through staging, which names the duplicates.
func (l *loader) loadDirect(ctx context.Context, conn *sql.Conn, tx *sql.Tx, r geo.Reader, m *mapping) (done bool, err error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT load_direct`); err != nil {
		return false, err
	}
	if err := l.insertDataset(); err != nil {
		return false, err
	}
	t, err := clearTable(ctx, tx, l.spec.table)
	if err != nil {
		return false, fmt.Errorf("load %s: %w", l.opt.File, err)
	}
	l.direct = true
	defer func() { l.direct = false }()
	if err := l.copyIn(ctx, conn, r, m, l.spec.table, append([]string{"dataset_id", "geom"}, l.spec.columns()...)); err != nil {
		return false, err
	}
	l.progress("replacing", 0, 0)
	if l.spec.afterCopy != "" {
		if _, err := tx.ExecContext(ctx, l.spec.afterCopy); err != nil {
			return false, fmt.Errorf("load %s: %w", l.opt.File, err)
		}
	}
	err = t.rebuild(ctx, tx)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT load_direct`); err != nil {
			return false, err
		}
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load %s: %w", l.opt.File, err)
	}
	l.res.Rows = l.rows
	return true, nil
}

// loader carries one load's state between its phases.
type loader struct {
	opt   LoadOptions
	spec  *kindSpec
	res   *LoadResult
	start time.Time
	srid  int // working SRID
	rows  int64
	// direct loads copy straight into the kind's table (see loadDirect).
	direct bool
	// read and size are the last progress through the file.
	read, size int64
	// insertDataset adds the dataset row and sets res.ID.
	insertDataset func() error
	// project maps input coordinates to the working SRID in Go; nil leaves
	// it to ST_Transform in the final insert.
	project geo.PointFunc
	// lastErr is the previous reader error, to stop on a reader that cannot
	// get past a broken spot.
	lastErr string
}

// stageTable names the staging table of this kind. Loads of one kind are
// serialised by an advisory lock, so the name is free within the transaction.
func (l *loader) stageTable() string { return "load_stage_" + l.spec.table }

// sql points a statement written against load_stage at this load's staging
// table; the name comes from the kind specs, never from input.
func (l *loader) sql(q string) string { return strings.ReplaceAll(q, "load_stage", l.stageTable()) }

// progress reports a phase; read and size 0 repeat the last known position.
func (l *loader) progress(phase string, read, size int64) {
	if l.opt.Progress == nil {
		return
	}
	if read == 0 && size == 0 {
		read, size = l.read, l.size
	}
	l.read, l.size = read, size
	l.opt.Progress(Progress{Phase: phase, Rows: l.rows, Rejected: l.res.Rejected, BytesRead: read,
		Size: size, Elapsed: time.Since(l.start)})
}

// reject counts a bad row and writes it to the rejects file, or returns the
// error when it is one too many.
func (l *loader) reject(err error) error {
	var ie *geo.InputError
	if !errors.As(err, &ie) {
		return err
	}
	if l.res.Rejected >= int64(l.opt.MaxErrors) {
		if l.opt.MaxErrors > 0 {
			return fmt.Errorf("%w (more than --max-errors %d bad rows)", err, l.opt.MaxErrors)
		}
		return err
	}
	l.res.Rejected++
	if l.opt.Rejects != nil {
		b, _ := json.Marshal(Reject{File: ie.File, Line: ie.Line, Feature: ie.Feature, Field: ie.Field, Reason: ie.Reason})
		if _, werr := l.opt.Rejects.Write(append(b, '\n')); werr != nil {
			return fmt.Errorf("rejects file: %w", werr)
		}
	}
	return nil
}

// copyChunk is about how much COPY text the parser hands over at a time.
const copyChunk = 256 << 10

// stage creates load_stage and streams the file into it.
func (l *loader) stage(ctx context.Context, conn *sql.Conn, tx *sql.Tx, r geo.Reader, m *mapping) error {
	// An unlogged table created in the transaction is written without WAL
	// and vanishes with a rollback; temporary tables would go through the
	// session's small local buffers, which is slow for millions of rows.
	create := `CREATE UNLOGGED TABLE load_stage (fidx int, line int, geom geometry, ` + l.spec.stage + `)`
	if _, err := tx.ExecContext(ctx, l.sql(create)); err != nil {
		return fmt.Errorf("load: staging table: %w", err)
	}
	return l.copyIn(ctx, conn, r, m, l.stageTable(), append([]string{"fidx", "line", "geom"}, l.spec.columns()...))
}

// copyFrom is the COPY statement for table and cols, both from the kind
// specs (never from input), quoted all the same.
func copyFrom(table string, cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = pq.QuoteIdentifier(c)
	}
	return "COPY " + pq.QuoteIdentifier(table) + " (" + strings.Join(q, ", ") + ") FROM STDIN"
}

// copyIn streams the file into table: the features are parsed, checked and
// formatted as COPY text on one goroutine while this one sends the text to
// the server.
func (l *loader) copyIn(ctx context.Context, conn *sql.Conn, r geo.Reader, m *mapping, table string, cols []string) error {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// One block queued: with one being filled and one being sent, a direct
	// load holds three sort blocks at most.
	chunks := make(chan *copyBlock, 1)
	free := make(chan *copyBlock, 2)
	done := make(chan struct{})
	var parseErr error
	go func() {
		defer close(done)
		defer close(chunks)
		parseErr = l.parse(ctx, r, m, chunks, free)
	}()
	copyErr := conn.Raw(func(dc any) error {
		prep, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return errors.New("driver cannot prepare COPY")
		}
		q := copyFrom(table, cols)
		if l.direct {
			// The table was emptied in this subtransaction, so its rows can
			// be written frozen and all-visible: later reads and VACUUM
			// need not set hint bits on a million rows again.
			q += " WITH (FREEZE)"
		}
		st, err := prep.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		defer st.Close()
		cd, ok := st.(interface {
			CopyData(context.Context, string) (driver.Result, error)
		})
		if !ok {
			return errors.New("driver has no raw COPY")
		}
		var scratch []byte
		send := func(text []byte) error {
			// CopyData adds the last line's newline itself.
			_, err := cd.CopyData(ctx, string(text[:len(text)-1]))
			return err
		}
		for blk := range chunks {
			if blk.rows == nil {
				if err := send(blk.data); err != nil {
					return err
				}
			}
			for i, row := range blk.rows {
				scratch = append(scratch, blk.data[row.off:row.end]...)
				if len(scratch) >= copyChunk || i == len(blk.rows)-1 {
					if err := send(scratch); err != nil {
						return err
					}
					scratch = scratch[:0]
				}
			}
			blk.data, blk.rows = blk.data[:0], blk.rows[:0]
			select {
			case free <- blk:
			default:
			}
		}
		<-done
		if parseErr != nil {
			return nil // the transaction is rolled back
		}
		// Exec with no values ends the COPY and reports its errors.
		_, err = st.Exec(nil) //nolint:staticcheck // copyin has no ExecContext
		return err
	})
	cancel()
	for range chunks {
	}
	<-done
	if parseErr != nil && (copyErr == nil || !errors.Is(parseErr, context.Canceled)) {
		return parseErr
	}
	if parent.Err() != nil {
		return fmt.Errorf("load %s: %w", l.opt.File, parent.Err())
	}
	if copyErr != nil {
		return fmt.Errorf("load %s: copy: %w", l.opt.File, copyErr)
	}
	return nil
}

// copyBlock is COPY text handed from the parser to the sender: sent as it
// is, or, with rows, line by line in the order of rows.
type copyBlock struct {
	data []byte
	rows []sortRow
}

// sortRow is one line of a copyBlock and its place on the Hilbert curve.
type sortRow struct {
	key      uint64
	off, end int
}

// sortBlock is how much COPY text a direct load sorts in spatial order at a
// time: the memory a load holds is a few of these, whatever the file size.
const sortBlock = 8 << 20

// parse reads every feature, turns the good ones into COPY text lines and
// hands them over in blocks; bad ones are rejected or end the load. A direct
// load writes the table's own columns and sorts each block along a Hilbert
// curve, so that the rows land in (blockwise) spatial order.
func (l *loader) parse(ctx context.Context, r geo.Reader, m *mapping, out chan<- *copyBlock, free chan *copyBlock) error {
	v := &values{m: m, file: l.opt.File}
	limit := copyChunk
	if l.direct {
		limit = sortBlock
	}
	area, sortable := geo.ValidArea(l.srid)
	blk := &copyBlock{data: make([]byte, 0, limit+4096)}
	datasetID := strconv.AppendInt(nil, l.res.ID, 10)
	every := time.Now()
	var scratch []sortRow
	send := func() bool {
		if l.direct {
			scratch = sortRows(blk.rows, scratch)
		}
		select {
		case out <- blk:
		case <-ctx.Done():
			return false
		}
		select {
		case blk = <-free:
		default:
			blk = &copyBlock{data: make([]byte, 0, limit+4096)}
		}
		return true
	}
	ahead := startReadAhead(ctx, r)
	defer ahead.close()
	for {
		f, err := ahead.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			msg := err.Error()
			if msg == l.lastErr {
				return err
			}
			l.lastErr = msg
			if err := l.reject(err); err != nil {
				return err
			}
			continue
		}
		vals, g, err := l.convert(v, f)
		if err != nil {
			if err := l.reject(err); err != nil {
				return err
			}
			continue
		}
		srid := l.res.InputSRID
		if g != nil && l.project != nil {
			g, srid = geo.MapPoints(g, l.project), l.srid
		}
		start := len(blk.data)
		buf := blk.data
		if l.direct {
			buf = append(buf, datasetID...)
		} else {
			buf = strconv.AppendInt(buf, int64(f.Index), 10)
			buf = append(buf, '\t')
			if f.Line > 0 {
				buf = strconv.AppendInt(buf, int64(f.Line), 10)
			} else {
				buf = append(buf, `\N`...)
			}
		}
		buf = append(buf, '\t')
		if g == nil {
			buf = append(buf, `\N`...)
		} else {
			buf = geo.AppendEWKBHex(buf, g, srid)
		}
		for _, x := range vals {
			buf = append(buf, '\t')
			if x == nil {
				buf = append(buf, `\N`...)
			} else {
				buf = appendCopyText(buf, x.(string))
			}
		}
		blk.data = append(buf, '\n')
		if l.direct {
			var key uint64
			if g != nil && sortable {
				key = hilbertKey(g.Bound().Center(), area)
			}
			blk.rows = append(blk.rows, sortRow{key: key, off: start, end: len(blk.data)})
		}
		l.rows++
		if len(blk.data) >= limit {
			if !send() {
				return ctx.Err()
			}
		}
		if l.rows&8191 == 0 && l.opt.Progress != nil && time.Since(every) > 100*time.Millisecond {
			every = time.Now()
			l.progress("reading", ahead.read, r.Size())
		}
	}
	if len(blk.data) > 0 && !send() {
		return ctx.Err()
	}
	l.progress("validating", r.BytesRead(), r.Size())
	return nil
}

// readItem is one result of Reader.Next.
type readItem struct {
	f   *geo.Feature
	err error
}

// readBatch is a run of read results and how far into the file they reach.
type readBatch struct {
	items []readItem
	read  int64
}

// readAhead reads features on a goroutine of its own, in batches, so that
// decoding the file and converting the features use both cores.
type readAhead struct {
	ch   chan readBatch
	cur  []readItem
	read int64 // bytes read up to the current batch
	stop context.CancelFunc
}

// startReadAhead starts reading r. The goroutine ends after io.EOF, after an
// error that repeats (a reader that cannot get past a broken spot), or on close.
func startReadAhead(ctx context.Context, r geo.Reader) *readAhead {
	const batch = 512
	ctx, stop := context.WithCancel(ctx)
	a := &readAhead{ch: make(chan readBatch, 8), stop: stop}
	go func() {
		defer close(a.ch)
		b := readBatch{items: make([]readItem, 0, batch)}
		last := ""
		for {
			f, err := r.Next()
			b.items = append(b.items, readItem{f, err})
			end := err == io.EOF
			if err != nil && !end {
				end = err.Error() == last
				last = err.Error()
			}
			if len(b.items) == batch || end {
				b.read = r.BytesRead()
				select {
				case a.ch <- b:
				case <-ctx.Done():
					return
				}
				b = readBatch{items: make([]readItem, 0, batch)}
			}
			if end {
				return
			}
		}
	}()
	return a
}

// next returns the features in file order.
func (a *readAhead) next() (*geo.Feature, error) {
	for len(a.cur) == 0 {
		b, ok := <-a.ch
		if !ok {
			return nil, io.EOF
		}
		a.cur, a.read = b.items, b.read
	}
	it := a.cur[0]
	a.cur = a.cur[1:]
	return it.f, it.err
}

// close stops the goroutine and waits for it, so that the reader can be closed.
func (a *readAhead) close() {
	a.stop()
	for range a.ch {
	}
}

// sortRows sorts rows by key, stably, with a least-significant-digit radix
// sort: a few passes over the rows instead of a comparison sort's many. It
// returns tmp grown to hold them, for the next call.
func sortRows(rows, tmp []sortRow) []sortRow {
	if len(rows) < 2 {
		return tmp
	}
	var hi uint64
	for _, r := range rows {
		hi |= r.key
	}
	if cap(tmp) < len(rows) {
		tmp = make([]sortRow, len(rows))
	}
	tmp = tmp[:len(rows)]
	src, dst := rows, tmp
	for shift := 0; shift < 64 && hi>>shift != 0; shift += 8 {
		var count [257]int
		for _, r := range src {
			count[(r.key>>shift)&0xff+1]++
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, r := range src {
			d := (r.key >> shift) & 0xff
			dst[count[d]] = r
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &rows[0] {
		copy(rows, src)
	}
	return tmp
}

// hilbertKey is p's distance along a Hilbert curve of 2^16 x 2^16 cells over area.
func hilbertKey(p orb.Point, area orb.Bound) uint64 {
	const n = 1 << 16
	cell := func(v, lo, hi float64) uint32 {
		c := (v - lo) / (hi - lo) * n
		switch {
		case c < 0 || c != c:
			return 0
		case c >= n:
			return n - 1
		}
		return uint32(c)
	}
	x, y := cell(p[0], area.Min[0], area.Max[0]), cell(p[1], area.Min[1], area.Max[1])
	var d uint64
	for s := uint32(n / 2); s > 0; s /= 2 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += uint64(s) * uint64(s) * uint64((3*rx)^ry)
		if ry == 0 {
			if rx == 1 {
				x, y = n-1-x, n-1-y
			}
			x, y = y, x
		}
	}
	return d
}

// convert checks one feature and returns its staging values and geometry.
func (l *loader) convert(v *values, f *geo.Feature) ([]any, orb.Geometry, error) {
	if err := v.reset(f); err != nil {
		return nil, nil, err
	}
	g, err := checkGeometry(l.spec, v, l.res.InputSRID)
	if err != nil {
		return nil, nil, err
	}
	if g != nil && l.res.InputSRID == 0 {
		return nil, nil, &geo.InputError{File: l.opt.File, Line: f.Line, Feature: f.Index, Field: "geometry",
			Reason: "the file does not say its coordinate reference system: pass --srid"}
	}
	vals, err := l.spec.convert(v)
	return vals, g, err
}

// appendCopyText appends s escaped for PostgreSQL's COPY text format.
func appendCopyText(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

const repairInvalid = `UPDATE load_stage SET geom = ST_MakeValid(geom)
WHERE geom IS NOT NULL AND GeometryType(geom) <> 'POINT' AND NOT ST_IsValid(geom)`

const checkRepaired = `
SELECT fidx, line, 'geometry', 'invalid polygon: nothing is left after ST_MakeValid'
FROM load_stage
WHERE geom IS NOT NULL AND GeometryType(geom) <> 'POINT' AND ST_IsEmpty(ST_CollectionExtract(geom, 3))
ORDER BY fidx LIMIT $1`

const checkInvalid = `
SELECT fidx, line, 'geometry', 'invalid polygon: ' || ST_IsValidReason(geom)
FROM load_stage
WHERE geom IS NOT NULL AND GeometryType(geom) <> 'POINT' AND NOT ST_IsValid(geom)
ORDER BY fidx LIMIT $1`

// validate runs the set-based checks on load_stage, repairs invalid polygons
// when asked, and removes rejected rows.
func (l *loader) validate(ctx context.Context, tx *sql.Tx) error {
	checks := append([]string(nil), l.spec.checks...)
	if l.spec.geom != geomPoint && l.spec.geom != geomNone {
		if l.opt.RepairInvalid {
			res, err := tx.ExecContext(ctx, l.sql(repairInvalid))
			if err != nil {
				return fmt.Errorf("load %s: repairing geometries: %w", l.opt.File, err)
			}
			l.res.Repaired, _ = res.RowsAffected()
			checks = append(checks, checkRepaired)
		} else {
			checks = append(checks, checkInvalid)
		}
	}
	for _, q := range checks {
		if err := l.check(ctx, tx, q); err != nil {
			return err
		}
	}
	return nil
}

// check runs one validation query on the staging table: its rows are
// rejected (and deleted from staging) or the first one ends the load.
func (l *loader) check(ctx context.Context, tx *sql.Tx, q string) error {
	limit := int64(l.opt.MaxErrors) - l.res.Rejected + 1
	rows, err := tx.QueryContext(ctx, l.sql(q), limit)
	if err != nil {
		return fmt.Errorf("load %s: validating: %w", l.opt.File, err)
	}
	var bad []int64
	var errs []error
	for rows.Next() {
		var fidx int64
		var line sql.NullInt64
		ie := &geo.InputError{File: l.opt.File}
		if err := rows.Scan(&fidx, &line, &ie.Field, &ie.Reason); err != nil {
			rows.Close()
			return fmt.Errorf("load %s: validating: %w", l.opt.File, err)
		}
		ie.Feature, ie.Line = int(fidx), int(line.Int64)
		bad = append(bad, fidx)
		errs = append(errs, ie)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("load %s: validating: %w", l.opt.File, err)
	}
	for _, e := range errs {
		if err := l.reject(e); err != nil {
			return err
		}
	}
	if len(bad) > 0 {
		const drop = `DELETE FROM load_stage WHERE fidx = ANY($1)`
		if _, err := tx.ExecContext(ctx, l.sql(drop), pq.Array(bad)); err != nil {
			return fmt.Errorf("load %s: %w", l.opt.File, err)
		}
		l.rows -= int64(len(bad))
	}
	return nil
}

// replace fills the kind's table from staging. Duplicate keys are rare, so
// they are looked for only when the primary key cannot be built: then the
// replacement is undone to a savepoint, the duplicates are rejected (or end
// the load) and it runs again.
func (l *loader) replace(ctx context.Context, tx *sql.Tx) (int64, error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT load_replace`); err != nil {
		return 0, err
	}
	n, err := replaceTable(ctx, tx, l.spec, l.sql(l.spec.insert), l.res.ID)
	var pqErr *pq.Error
	if err == nil || l.spec.key == "" || !errors.As(err, &pqErr) || pqErr.Code != "23505" {
		return n, err
	}
	if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT load_replace`); err != nil {
		return 0, err
	}
	if err := l.check(ctx, tx, checkDuplicates(l.spec.key)); err != nil {
		return 0, err
	}
	return replaceTable(ctx, tx, l.spec, l.sql(l.spec.insert), l.res.ID)
}

// replaceTable swaps the rows of the kind's table for those insert produces,
// completed by the kind's afterCopy statements (see clearTable).
func replaceTable(ctx context.Context, tx *sql.Tx, spec *kindSpec, insert string, args ...any) (int64, error) {
	t, err := clearTable(ctx, tx, spec.table)
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, insert, args...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if spec.afterCopy != "" {
		if _, err := tx.ExecContext(ctx, spec.afterCopy); err != nil {
			return 0, err
		}
	}
	return n, t.rebuild(ctx, tx)
}

// tableIndexes are a table's indexes and key constraints, dropped while the
// table is refilled.
type tableIndexes struct {
	table string
	idx   []tableIndex
}

type tableIndex struct{ name, def, con, condef string }

// clearTable empties table for new rows: the indexes and key constraints are
// dropped, to be rebuilt by rebuild after the data is in under the same
// names, which is much faster than maintaining them row by row; TRUNCATE
// inside the transaction keeps the old rows for a rollback.
func clearTable(ctx context.Context, tx *sql.Tx, table string) (*tableIndexes, error) {
	const indexes = `
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),
       COALESCE(c.conname, ''), COALESCE(pg_get_constraintdef(c.oid), '')
FROM pg_index i
LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
WHERE i.indrelid = $1::regclass`
	t := &tableIndexes{table: table}
	qt := pq.QuoteIdentifier(table)
	if _, err := tx.ExecContext(ctx, `LOCK TABLE `+qt+` IN ACCESS EXCLUSIVE MODE`); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, indexes, table)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var i tableIndex
		if err := rows.Scan(&i.name, &i.def, &i.con, &i.condef); err != nil {
			rows.Close()
			return nil, err
		}
		t.idx = append(t.idx, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Keys first so that they are in place when the other indexes build.
	sort.SliceStable(t.idx, func(a, b int) bool { return t.idx[a].con != "" && t.idx[b].con == "" })
	if _, err := tx.ExecContext(ctx, `TRUNCATE `+qt); err != nil {
		return nil, err
	}
	for _, i := range t.idx {
		drop := `DROP INDEX ` + i.name
		if i.con != "" {
			drop = `ALTER TABLE ` + qt + ` DROP CONSTRAINT ` + pq.QuoteIdentifier(i.con)
		}
		if _, err := tx.ExecContext(ctx, drop); err != nil {
			return nil, fmt.Errorf("dropping %s: %w", i.name, err)
		}
	}
	return t, nil
}

// rebuild recreates the dropped indexes and constraints and analyses the table.
func (t *tableIndexes) rebuild(ctx context.Context, tx *sql.Tx) error {
	qt := pq.QuoteIdentifier(t.table)
	for _, i := range t.idx {
		build := i.def
		if i.con != "" {
			build = `ALTER TABLE ` + qt + ` ADD CONSTRAINT ` + pq.QuoteIdentifier(i.con) + ` ` + i.condef
		}
		if _, err := tx.ExecContext(ctx, build); err != nil {
			return fmt.Errorf("building %s: %w", i.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `ANALYZE `+qt); err != nil {
		return err
	}
	return nil
}

// fileSHA256 is the hex SHA-256 of a file's content.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
