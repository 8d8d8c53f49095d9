package geo

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// SCBCellID returns the Statistics Sweden grid id (rutid) of the cell of the
// given size in metres (1000 and 250 in SCB's products) containing the
// SWEREF99 TM point x, y: 13 digits, the lower-left corner's 6-digit easting
// followed by its 7-digit northing. Points on a cell edge belong to the cell
// to their east or north.
func SCBCellID(x, y float64, size int) (string, error) {
	if size <= 0 {
		return "", fmt.Errorf("SCB grid: cell size %d m, want a positive size", size)
	}
	cx, cy := cellCorner(x, size), cellCorner(y, size)
	if cx < 0 || cx > 999999 || cy < 0 || cy > 9999999 || math.IsNaN(x) || math.IsNaN(y) {
		return "", fmt.Errorf("SCB grid: point (%g %g) is outside SWEREF99 TM's 6+7-digit range", x, y)
	}
	var b [13]byte
	writeDigits(b[:6], cx)
	writeDigits(b[6:], cy)
	return string(b[:]), nil
}

// cellCorner is the lower-left coordinate of the cell containing v.
func cellCorner(v float64, size int) int64 {
	return int64(math.Floor(v/float64(size))) * int64(size)
}

// writeDigits writes v as zero-padded decimal filling dst.
func writeDigits(dst []byte, v int64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + v%10)
		v /= 10
	}
}

// SCBCellBounds returns the bounds in SWEREF99 TM of the SCB grid cell with
// the given id and size in metres.
func SCBCellBounds(id string, size int) (orb.Bound, error) {
	if len(id) != 13 || size <= 0 {
		return orb.Bound{}, fmt.Errorf("SCB grid id %q (size %d): want 13 digits and a positive size", id, size)
	}
	x, err1 := strconv.ParseInt(id[:6], 10, 64)
	y, err2 := strconv.ParseInt(id[6:], 10, 64)
	if err1 != nil || err2 != nil || x < 0 || y < 0 {
		return orb.Bound{}, fmt.Errorf("SCB grid id %q: not 13 digits", id)
	}
	if x%int64(size) != 0 || y%int64(size) != 0 {
		return orb.Bound{}, fmt.Errorf("SCB grid id %q is not a corner of the %d m grid", id, size)
	}
	s := float64(size)
	return orb.Bound{Min: orb.Point{float64(x), float64(y)}, Max: orb.Point{float64(x) + s, float64(y) + s}}, nil
}

// INSPIRECellID returns the INSPIRE grid cell id (Data Specification on
// Statistical Units, Annex B) of the cell of the given size in metres
// containing the ETRS89-LAEA (EPSG:3035) point x, y:
// "CRS3035RES{size}mN{northing}E{easting}" with the lower-left corner in
// metres, northing first.
func INSPIRECellID(x, y float64, size int) (string, error) {
	if size <= 0 {
		return "", fmt.Errorf("INSPIRE grid: cell size %d m, want a positive size", size)
	}
	if math.IsNaN(x) || math.IsNaN(y) || x < 0 || y < 0 {
		return "", fmt.Errorf("INSPIRE grid: point (%g %g) is outside EPSG:3035's positive quadrant", x, y)
	}
	b := make([]byte, 0, 40)
	b = append(b, "CRS3035RES"...)
	b = strconv.AppendInt(b, int64(size), 10)
	b = append(b, "mN"...)
	b = strconv.AppendInt(b, cellCorner(y, size), 10)
	b = append(b, 'E')
	b = strconv.AppendInt(b, cellCorner(x, size), 10)
	return string(b), nil
}

// INSPIRECellBounds returns the EPSG:3035 bounds of an INSPIRE grid cell id
// as made by INSPIRECellID.
func INSPIRECellBounds(id string) (orb.Bound, error) {
	bad := func() (orb.Bound, error) {
		return orb.Bound{}, fmt.Errorf("INSPIRE grid id %q: want CRS3035RES{size}mN{northing}E{easting}", id)
	}
	rest, ok := strings.CutPrefix(id, "CRS3035RES")
	if !ok {
		return bad()
	}
	sizeText, rest, ok1 := strings.Cut(rest, "mN")
	nText, eText, ok2 := strings.Cut(rest, "E")
	if !ok1 || !ok2 {
		return bad()
	}
	size, err1 := strconv.ParseInt(sizeText, 10, 64)
	n, err2 := strconv.ParseInt(nText, 10, 64)
	e, err3 := strconv.ParseInt(eText, 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || size <= 0 || n < 0 || e < 0 || n%size != 0 || e%size != 0 {
		return bad()
	}
	s := float64(size)
	return orb.Bound{Min: orb.Point{float64(e), float64(n)}, Max: orb.Point{float64(e) + s, float64(n) + s}}, nil
}
