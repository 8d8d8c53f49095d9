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
