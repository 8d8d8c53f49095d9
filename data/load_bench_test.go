package data_test

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
)

var (
	benchRows    = flag.Int("load.n", 100000, "premise points in the load benchmark's generated files")
	benchOgr2ogr = flag.Bool("load.ogr2ogr", false, "also time ogr2ogr (PG_USE_COPY, GiST index) on the same files")
	benchDir     = flag.String("load.dir", "", "keep the load benchmark's generated files here (default: a temporary directory)")
)

// benchFile writes n premise points in format ext (geojsonl, geojson, csv or gpkg)
// spread over Västerbotten, unless the file already exists.
func benchFile(b *testing.B, dir, ext string, n int) string {
	b.Helper()
	path := filepath.Join(dir, fmt.Sprintf("premises-%d.%s", n, ext))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if ext == "gpkg" {
		// GDAL writes the GeoPackage (bbplan only reads them).
		if _, err := osexec.LookPath("ogr2ogr"); err != nil {
			b.Skip("ogr2ogr is needed to write the GeoPackage")
		}
		csv := benchFile(b, dir, "csv", n)
		out, err := osexec.Command("ogr2ogr", "-f", "GPKG", path, csv, "-nln", "premises", "-a_srs", "EPSG:4326",
			"-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat", "-oo", "KEEP_GEOM_COLUMNS=NO").CombinedOutput()
		if err != nil {
			b.Fatalf("ogr2ogr: %v\n%s", err, out)
		}
		return path
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	// A fixed pseudo-random walk: deterministic files, not a regular grid.
	x, y := uint64(12345), uint64(67890)
	if ext == "csv" {
		fmt.Fprintln(w, "id,lon,lat,households,workplaces")
	}
	if ext == "geojson" {
		fmt.Fprintln(w, `{"type":"FeatureCollection","features":[`)
	}
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		y = y*6364136223846793005 + 1442695040888963407
		lon := 14.5 + float64(x>>40)/float64(1<<24)*6.5
		lat := 63.5 + float64(y>>40)/float64(1<<24)*2.5
		switch ext {
		case "csv":
			fmt.Fprintf(w, "P%d,%.6f,%.6f,%d,%d\n", i, lon, lat, i%4, i%7/6)
		default:
			if ext == "geojson" && i > 0 {
				w.WriteString(",\n")
			}
			fmt.Fprintf(w, `{"type":"Feature","properties":{"id":"P%d","households":%d,"workplaces":%d},"geometry":{"type":"Point","coordinates":[%.6f,%.6f]}}`,
				i, i%4, i%7/6, lon, lat)
			if ext == "geojsonl" {
				w.WriteByte('\n')
			}
		}
	}
	if ext == "geojson" {
		fmt.Fprintln(w, "\n]}")
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkLoadPremises loads -load.n premise points end to end (COPY,
// validation, spatially ordered table, primary key, GiST index, ANALYZE) per
// format and reports rows/s; with -load.ogr2ogr it times ogr2ogr on the same
// file into the same database and reports how many times faster the load is.
func BenchmarkLoadPremises(b *testing.B) {
	dir := *benchDir
	if dir == "" {
		dir = b.TempDir()
	}
	db, dsn := dbtest.New(b)
	// One connection, so that the server process doing the load is known and
	// its CPU time can be read: wall time on a machine shared with other work
	// says little, CPU time says what the load costs.
	db.SetMaxOpenConns(1)
	var backend int
	if err := db.QueryRowContext(context.Background(), `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		b.Fatal(err)
	}
	for _, ext := range []string{"geojsonl", "geojson", "csv", "gpkg"} {
		b.Run(ext, func(b *testing.B) {
			path := benchFile(b, dir, ext, *benchRows)
			ctx := context.Background()
			b.ResetTimer()
			var elapsed time.Duration
			server0, client0 := procCPU(backend), selfCPU()
			for i := 0; i < b.N; i++ {
				res, err := data.Load(ctx, db, data.LoadOptions{Kind: "premises", File: path, Force: true})
				if err != nil {
					b.Fatal(err)
				}
				if res.Rows != int64(*benchRows) {
					b.Fatalf("loaded %d rows, want %d", res.Rows, *benchRows)
				}
				elapsed += res.Elapsed
			}
			b.StopTimer()
			if server0 >= 0 {
				b.ReportMetric((procCPU(backend)-server0)/float64(b.N), "server-cpu-s")
			}
			b.ReportMetric((selfCPU()-client0)/float64(b.N), "client-cpu-s")
			secs := elapsed.Seconds() / float64(b.N)
			b.ReportMetric(float64(*benchRows)/secs, "rows/s")
			var ru syscall.Rusage
			if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
				// Peak resident memory of the whole benchmark process so far (KiB on Linux).
				b.ReportMetric(float64(ru.Maxrss)/1024, "peak-MiB")
			}
			if *benchOgr2ogr {
				ogr := ogr2ogrSeconds(b, dsn, path)
				b.ReportMetric(ogr, "ogr2ogr-s")
				b.ReportMetric(ogr/secs, "x-ogr2ogr")
			}
		})
	}
}

// ogr2ogrSeconds times GDAL's loader on path into the benchmark's database,
// with COPY and a GiST index, as the reference figures were taken.
func ogr2ogrSeconds(b *testing.B, dsn, path string) float64 {
	b.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	pg := fmt.Sprintf("PG:dbname=%s host=%s port=%s user=%s", u.Path[1:], q.Get("host"), q.Get("port"), q.Get("user"))
	if u.Host != "" {
		pg = fmt.Sprintf("PG:dbname=%s host=%s port=%s user=%s password=%s", u.Path[1:], u.Hostname(), u.Port(), u.User.Username(), func() string { p, _ := u.User.Password(); return p }())
	}
	args := []string{"-f", "PostgreSQL", pg, path, "-nln", "ogr_premise", "-overwrite",
		"-t_srs", "EPSG:3006", "-lco", "SPATIAL_INDEX=GIST", "--config", "PG_USE_COPY", "YES"}
	if filepath.Ext(path) == ".csv" {
		args = append(args, "-s_srs", "EPSG:4326", "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat")
	}
	cmd := osexec.Command("ogr2ogr", args...)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("ogr2ogr: %v\n%s", err, out)
	}
	return time.Since(start).Seconds()
}

// procCPU is the user and system CPU seconds process pid has used, from
// /proc (-1 when unreadable).
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th of them, in clock ticks (100 per second).
	rest := string(b[bytes.LastIndexByte(b, ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return -1
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

// selfCPU is the user and system CPU seconds this process has used.
func selfCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
