package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// MaxZoom is the deepest tile zoom level geo accepts.
const MaxZoom = 24

// webMercatorHalf is half the width of the EPSG:3857 world square in metres.
const webMercatorHalf = math.Pi * grs80A

// Tile is a web map tile in the XYZ scheme (origin top left, y down), as
// used by /tiles/{z}/{x}/{y} URLs.
type Tile struct {
	Z, X, Y int
}

// NewTile returns the tile z/x/y after checking that 0 <= z <= MaxZoom and
// that x and y lie in 0..2^z-1.
func NewTile(z, x, y int) (Tile, error) {
	if z < 0 || z > MaxZoom {
		return Tile{}, fmt.Errorf("tile zoom %d outside 0..%d", z, MaxZoom)
	}
	n := 1 << z
	if x < 0 || x >= n || y < 0 || y >= n {
		return Tile{}, fmt.Errorf("tile %d/%d/%d: x and y must be in 0..%d at zoom %d", z, x, y, n-1, z)
	}
	return Tile{Z: z, X: x, Y: y}, nil
}

// Bound3857 returns the tile's bounds in EPSG:3857 metres.
func (t Tile) Bound3857() orb.Bound {
	size := 2 * webMercatorHalf / float64(int(1)<<t.Z)
	minX := -webMercatorHalf + float64(t.X)*size
	maxY := webMercatorHalf - float64(t.Y)*size
	return orb.Bound{Min: orb.Point{minX, maxY - size}, Max: orb.Point{minX + size, maxY}}
}

// BoundLonLat returns the tile's bounds in longitude and latitude (EPSG:4326).
func (t Tile) BoundLonLat() orb.Bound {
	b := t.Bound3857()
	return orb.Bound{Min: webMercatorInverse(b.Min), Max: webMercatorInverse(b.Max)}
}

// String gives the tile as z/x/y.
func (t Tile) String() string { return fmt.Sprintf("%d/%d/%d", t.Z, t.X, t.Y) }

// TileAt returns the tile at zoom z containing the point lon, lat (degrees;
// latitudes beyond ±85.0511° fall in the edge row). Points on a tile edge
// belong to the tile to their east or south.
func TileAt(lon, lat float64, z int) (Tile, error) {
	if z < 0 || z > MaxZoom {
		return Tile{}, fmt.Errorf("tile zoom %d outside 0..%d", z, MaxZoom)
	}
	if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return Tile{}, fmt.Errorf("point (%g %g) is not longitude/latitude", lon, lat)
	}
	p := webMercatorForward(orb.Point{lon, lat})
	n := 1 << z
	size := 2 * webMercatorHalf / float64(n)
	x := int(math.Floor((p[0] + webMercatorHalf) / size))
	y := int(math.Floor((webMercatorHalf - p[1]) / size))
	return Tile{Z: z, X: min(max(x, 0), n-1), Y: min(max(y, 0), n-1)}, nil
}
