package geo

import (
	"bufio"
	"errors"
	"fmt"
	"io"
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
