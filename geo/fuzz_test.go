package geo

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzGeoJSON checks that no input makes the GeoJSON reader panic or loop,
// and that every failure is an InputError.
func FuzzGeoJSON(f *testing.F) {
	for _, name := range []string{"collection.geojson", "crs3006.geojson", "points.geojsonl"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := &geojsonReader{s: newJSONScanner(bytes.NewReader(data), 7), name: "fuzz", srid: 4326}
		// Read on after errors, as a load tolerating bad rows does, until the
		// end or the same error twice.
		last := ""
		for i := 0; ; i++ {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var ie *InputError
				if !errors.As(err, &ie) {
					t.Fatalf("error %v (%T) is not an InputError", err, err)
				}
				if err.Error() == last {
					return
				}
				last = err.Error()
			}
			if i > len(data)+1 {
				t.Fatalf("%d results from %d input bytes", i, len(data))
			}
		}
	})
}

// FuzzShape checks that no shapefile record content makes parseShape panic.
func FuzzShape(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "areas.shp"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b[108:])
	f.Add([]byte{1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		_, _ = parseShape(data)
	})
}

// FuzzWKB checks that no input makes decodeWKB panic.
func FuzzWKB(f *testing.F) {
	f.Add(gpkgBlobForFuzz())
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = decodeWKB(data)
		_, _ = decodeGPKGGeometry(data)
	})
}

func gpkgBlobForFuzz() []byte {
	return []byte{1, 3, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
}

// FuzzParseGeometryText checks that no text makes the WKT parser panic.
func FuzzParseGeometryText(f *testing.F) {
	for _, s := range []string{"POINT (1 2)", "SRID=3006;MULTIPOLYGON Z (((0 0 1, 1 0 1, 1 1 1, 0 0 1)))",
		"GEOMETRYCOLLECTION (POINT EMPTY, MULTIPOINT (1 2, (3 4)))", "0101000020BE0B0000000000000000F03F0000000000000040"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _, _ = ParseGeometryText(s)
	})
}
