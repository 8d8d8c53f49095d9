package geo

import (
	"bufio"
	"context"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"modernc.org/sqlite"
	"os"
	"path/filepath"
	"testing"
)

// benchPoints is the number of features in generated benchmark files: large
// enough to measure throughput, small enough for a shared machine.
const benchPoints = 200_000

// benchPoint returns a deterministic point in Västerbotten for feature i.
func benchPoint(i int) (lon, lat float64) {
	return 14.5 + float64(i%9973)*0.0007, 63.5 + float64(i%7919)*0.0003
}

// writeBenchFile generates a file of benchPoints features with write and
// returns its path and size.
func writeBenchFile(b *testing.B, name string, write func(w *bufio.Writer, i int)) (string, int64) {
	b.Helper()
	path := filepath.Join(b.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range benchPoints {
		write(w, i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	return path, st.Size()
}

// benchRead reads the whole file b.N times and reports features/s.
func benchRead(b *testing.B, path string, size int64, opt OpenOptions) {
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		r, err := Open(path, opt)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		r.Close()
		if n != benchPoints {
			b.Fatalf("read %d features, want %d", n, benchPoints)
		}
	}
	b.ReportMetric(float64(benchPoints)*float64(b.N)/b.Elapsed().Seconds(), "features/s")
}

func writeFeatureJSON(w *bufio.Writer, i int) {
	lon, lat := benchPoint(i)
	fmt.Fprintf(w, `{"type":"Feature","properties":{"id":"p%d","households":%d,"kind":"permanent"},"geometry":{"type":"Point","coordinates":[%.6f,%.6f]}}`, i, i%5, lon, lat)
}

func BenchmarkReadGeoJSONSeq(b *testing.B) {
	path, size := writeBenchFile(b, "p.geojsonl", func(w *bufio.Writer, i int) {
		writeFeatureJSON(w, i)
		w.WriteByte('\n')
	})
	benchRead(b, path, size, OpenOptions{})
}

func BenchmarkReadGeoJSON(b *testing.B) {
	path, size := writeBenchFile(b, "p.geojson", func(w *bufio.Writer, i int) {
		if i == 0 {
			w.WriteString(`{"type":"FeatureCollection","features":[` + "\n")
		} else {
			w.WriteString(",\n")
		}
		writeFeatureJSON(w, i)
		if i == benchPoints-1 {
			w.WriteString("\n]}\n")
		}
	})
	benchRead(b, path, size, OpenOptions{})
}

func BenchmarkReadCSV(b *testing.B) {
	path, size := writeBenchFile(b, "p.csv", func(w *bufio.Writer, i int) {
		if i == 0 {
			w.WriteString("id,lon,lat,households,kind\n")
		}
		lon, lat := benchPoint(i)
		fmt.Fprintf(w, "p%d,%.6f,%.6f,%d,permanent\n", i, lon, lat, i%5)
	})
	benchRead(b, path, size, OpenOptions{})
}

// writeBenchGeoPackage creates a minimal GeoPackage with benchPoints point
// features through the SQLite driver's low-level API.
func writeBenchGeoPackage(b *testing.B) (string, int64) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "p.gpkg")
	connector, err := sqlite.NewConnector(path)
	if err != nil {
		b.Fatal(err)
	}
	conn, err := connector.Connect(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	exec := func(q string, args ...driver.Value) {
		stmt, err := conn.Prepare(q)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := stmt.Exec(args); err != nil { //nolint:staticcheck // driver-level API on purpose
			b.Fatal(err)
		}
		stmt.Close()
	}
	for _, q := range []string{
		`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT, organization_coordsys_id INTEGER, definition TEXT, description TEXT)`,
		`INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, '', '')`,
		`CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT, srs_id INTEGER)`,
		`INSERT INTO gpkg_contents VALUES ('premises', 'features', 'premises', 4326)`,
		`CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT, srs_id INTEGER, z INTEGER, m INTEGER)`,
		`INSERT INTO gpkg_geometry_columns VALUES ('premises', 'geom', 'POINT', 4326, 0, 0)`,
		`CREATE TABLE premises (fid INTEGER PRIMARY KEY, geom BLOB, id TEXT, households INTEGER, kind TEXT)`,
		`BEGIN`,
	} {
		exec(q)
	}
	stmt, err := conn.Prepare(`INSERT INTO premises (geom, id, households, kind) VALUES (?, ?, ?, 'permanent')`)
	if err != nil {
		b.Fatal(err)
	}
	for i := range benchPoints {
		lon, lat := benchPoint(i)
		blob := []byte{'G', 'P', 0, 1, 0xe6, 0x10, 0, 0, 1, 1, 0, 0, 0}
		blob = binary.LittleEndian.AppendUint64(blob, math.Float64bits(lon))
		blob = binary.LittleEndian.AppendUint64(blob, math.Float64bits(lat))
		if _, err := stmt.Exec([]driver.Value{blob, fmt.Sprintf("p%d", i), int64(i % 5)}); err != nil { //nolint:staticcheck // driver-level API on purpose
			b.Fatal(err)
		}
	}
	stmt.Close()
	exec(`COMMIT`)
	conn.Close()
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return path, st.Size()
}

func BenchmarkReadGeoPackage(b *testing.B) {
	path, size := writeBenchGeoPackage(b)
	benchRead(b, path, size, OpenOptions{})
}

// writeBenchShapefile writes a point shapefile (.shp and .dbf with a
// character and a numeric field) of benchPoints records.
func writeBenchShapefile(b *testing.B) (string, int64) {
	b.Helper()
	dir := b.TempDir()
	le, be := binary.LittleEndian, binary.BigEndian
	shp := make([]byte, 100, 100+benchPoints*28)
	be.PutUint32(shp[0:], 9994)
	be.PutUint32(shp[24:], uint32((100+benchPoints*28)/2))
	le.PutUint32(shp[28:], 1000)
	le.PutUint32(shp[32:], 1)
	dbf := make([]byte, 32, 32+2*32+1+benchPoints*15+1)
	dbf[0] = 3
	le.PutUint32(dbf[4:], benchPoints)
	le.PutUint16(dbf[8:], 32+2*32+1)
	le.PutUint16(dbf[10:], 1+10+4)
	field := func(name string, typ byte, length byte) {
		d := make([]byte, 32)
		copy(d, name)
		d[11], d[16] = typ, length
		dbf = append(dbf, d...)
	}
	field("id", 'C', 10)
	field("households", 'N', 4)
	dbf = append(dbf, 0x0d)
	for i := range benchPoints {
		lon, lat := benchPoint(i)
		shp = be.AppendUint32(shp, uint32(i+1))
		shp = be.AppendUint32(shp, 10)
		shp = le.AppendUint32(shp, 1)
		shp = le.AppendUint64(shp, math.Float64bits(lon))
		shp = le.AppendUint64(shp, math.Float64bits(lat))
		dbf = append(dbf, ' ')
		dbf = fmt.Appendf(dbf, "%-10s%4d", fmt.Sprintf("p%d", i), i%5)
	}
	dbf = append(dbf, 0x1a)
	path := filepath.Join(dir, "p.shp")
	if err := os.WriteFile(path, shp, 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p.dbf"), dbf, 0o644); err != nil {
		b.Fatal(err)
	}
	return path, int64(len(shp) + len(dbf))
}

func BenchmarkReadShapefile(b *testing.B) {
	path, size := writeBenchShapefile(b)
	benchRead(b, path, size, OpenOptions{})
}
