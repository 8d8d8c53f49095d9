package sample

import (
	"github.com/bbplan/bbplan/geo"
	"github.com/paulmach/orb"
)

// tmParams projects between lon/lat and SWEREF99 TM (EPSG:3006), the CRS the
// generator works in.
type tmParams struct {
	toSweref, toLonLat geo.PointFunc
}

func sweref99TM() tmParams {
	fwd, err1 := geo.Transformer(4326, 3006)
	inv, err2 := geo.Transformer(3006, 4326)
	if err1 != nil || err2 != nil {
		// Both are built into geo; failing here is a programming error.
		panic("geo lacks EPSG:4326 <-> EPSG:3006")
	}
	return tmParams{toSweref: fwd, toLonLat: inv}
}

// project applies fn to every point of g, returning a new geometry.
func project(g orb.Geometry, fn geo.PointFunc) orb.Geometry { return geo.MapPoints(g, fn) }
