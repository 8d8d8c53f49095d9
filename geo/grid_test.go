package geo

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestSCBCellID(t *testing.T) {
	tests := []struct {
		name   string
		x, y   float64
		size   int
		want   string
		reason string
	}{
		{"corner", 478000, 7258000, 1000, "4780007258000", ""},
		{"inside", 478999.9, 7258999.9, 1000, "4780007258000", ""},
		{"next cell", 479000, 7259000, 1000, "4790007259000", ""},
		{"250 m", 478260, 7258740, 250, "4782507258500", ""},
		{"small easting padded", 98000, 6500000, 1000, "0980006500000", ""},
		{"negative size", 1, 1, -5, "", "positive size"},
		{"too far east", 1000000, 7000000, 1000, "", "outside"},
		{"negative", -1, 7000000, 1000, "", "outside"},
		{"nan", math.NaN(), 7000000, 1000, "", "outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SCBCellID(tt.x, tt.y, tt.size)
			if tt.reason != "" {
				if err == nil || !strings.Contains(err.Error(), tt.reason) {
					t.Errorf("error = %v, want %q", err, tt.reason)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("SCBCellID = %q, %v, want %q", got, err, tt.want)
			}
			b, err := SCBCellBounds(got, tt.size)
			if err != nil {
				t.Fatal(err)
			}
			if !b.Contains(orb.Point{tt.x, tt.y}) || b.Max[0]-b.Min[0] != float64(tt.size) {
				t.Errorf("bounds %v do not hold (%g %g) or are not %d m wide", b, tt.x, tt.y, tt.size)
			}
		})
	}
}

func TestSCBCellBoundsErrors(t *testing.T) {
	tests := []struct {
		id   string
		size int
	}{{"478000725800", 1000}, {"47800072580x0", 1000}, {"4780507258000", 1000}, {"4780007258000", 0}}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if _, err := SCBCellBounds(tt.id, tt.size); err == nil {
				t.Error("no error")
			}
		})
	}
}

// TestSCBCellIDRealGrid checks every row of SCB's 1 km population grid for
// Västerbotten, when present: rutid equals the id computed from the corner
// and from the centre of the cell.
func TestSCBCellIDRealGrid(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "data", "vasterbotten", "pop_1km_2024.csv")
	if _, err := os.Stat(path); err != nil {
		t.Logf("no reference grid at %s; TestSCBCellID covers the ids", path)
		return
	}
	r, err := Open(path, OpenOptions{X: "x_ll", Y: "y_ll"})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows := 0
	for {
		f, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows++
		p := f.Geometry.(orb.Point)
		want := f.Properties["rutid"]
		for _, q := range []orb.Point{p, {p[0] + 500, p[1] + 500}} {
			got, err := SCBCellID(q[0], q[1], 1000)
			if err != nil || got != want {
				t.Fatalf("line %d: SCBCellID(%v) = %q, %v; rutid %v", f.Line, q, got, err, want)
			}
		}
	}
	if rows != 5158 {
		t.Errorf("checked %d rows, want 5158", rows)
	}
}

func TestINSPIRECellID(t *testing.T) {
	tests := []struct {
		name string
		x, y float64
		size int
		want string
	}{
		{"1 km", 4334567.8, 2684123.4, 1000, "CRS3035RES1000mN2684000E4334000"},
		{"100 m", 4334567.8, 2684123.4, 100, "CRS3035RES100mN2684100E4334500"},
		{"10 km", 4795000, 4745000, 10000, "CRS3035RES10000mN4740000E4790000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := INSPIRECellID(tt.x, tt.y, tt.size)
			if err != nil || got != tt.want {
				t.Fatalf("INSPIRECellID = %q, %v, want %q", got, err, tt.want)
			}
			b, err := INSPIRECellBounds(got)
			if err != nil {
				t.Fatal(err)
			}
			if !b.Contains(orb.Point{tt.x, tt.y}) || b.Max[1]-b.Min[1] != float64(tt.size) {
				t.Errorf("bounds %v do not hold the point or are not %d m high", b, tt.size)
			}
		})
	}
	for _, bad := range []string{"", "CRS3006RES1000mN1E1", "CRS3035RES1000mN2684000", "CRS3035RES1000mN2684500E4334000", "CRS3035RESxmN1E1"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if _, err := INSPIRECellBounds(bad); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, err := INSPIRECellID(-1, 5, 1000); err == nil {
		t.Error("no error for a negative coordinate")
	}
}

func TestTile(t *testing.T) {
	tests := []struct {
		name    string
		z, x, y int
		reason  string
	}{
		{"world", 0, 0, 0, ""},
		{"umea z10", 10, 569, 270, ""},
		{"max zoom corner", MaxZoom, 1<<MaxZoom - 1, 1<<MaxZoom - 1, ""},
		{"zoom too deep", MaxZoom + 1, 0, 0, "zoom"},
		{"negative zoom", -1, 0, 0, "zoom"},
		{"x too big", 3, 8, 0, "0..7"},
		{"negative y", 3, 0, -1, "0..7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tile, err := NewTile(tt.z, tt.x, tt.y)
			if tt.reason != "" {
				if err == nil || !strings.Contains(err.Error(), tt.reason) {
					t.Errorf("error = %v, want %q", err, tt.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ll := tile.BoundLonLat()
			c := ll.Center()
			back, err := TileAt(c[0], c[1], tt.z)
			if err != nil || back != tile {
				t.Errorf("TileAt(centre %v) = %v, %v, want %v", c, back, err, tile)
			}
			m := tile.Bound3857()
			if got := webMercatorForward(ll.Min); math.Abs(got[0]-m.Min[0]) > 1e-6 || math.Abs(got[1]-m.Min[1]) > 1e-6 {
				t.Errorf("lon/lat bounds %v do not project to %v", ll, m)
			}
		})
	}
}

func TestTileAt(t *testing.T) {
	tests := []struct {
		name     string
		lon, lat float64
		z        int
		want     string
		reason   string
	}{
		{"origin z1", 0, 0, 1, "1/1/1", ""},
		{"north west z1", -179.9, 85, 1, "1/0/0", ""},
		{"beyond web mercator", 10, 89.9, 3, "3/4/0", ""},
		{"east edge", 180, -89, 2, "2/3/3", ""},
		{"not degrees", 757000, 7087000, 3, "", "not longitude/latitude"},
		{"bad zoom", 0, 0, 30, "", "zoom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TileAt(tt.lon, tt.lat, tt.z)
			if tt.reason != "" {
				if err == nil || !strings.Contains(err.Error(), tt.reason) {
					t.Errorf("error = %v, want %q", err, tt.reason)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Errorf("TileAt = %v, %v, want %s", got, err, tt.want)
			}
		})
	}
}

func BenchmarkSCBCellID(b *testing.B) {
	b.ReportAllocs()
	for i := range b.N {
		if _, err := SCBCellID(600000+float64(i%100000), 7100000, 1000); err != nil {
			b.Fatal(err)
		}
	}
}
