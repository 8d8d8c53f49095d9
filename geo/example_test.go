package geo_test

import (
	"errors"
	"fmt"
	"io"
	"log"

	"github.com/bbplan/bbplan/geo"
	"github.com/paulmach/orb"
)

func ExampleOpen() {
	r, err := geo.Open("testdata/points.csv", geo.OpenOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	fmt.Println("EPSG:", r.SRID())
	for {
		f, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(f.Line, f.Properties["id"], f.Geometry, f.Properties["name"])
	}
	// Output:
	// EPSG: 4326
	// 2 p1 [20.26 63.83] Umeå
	// 3 p2 [17.94 64.6] Övre "Lilla" Älvdalen
	// 4 p3 <nil> <nil>
}

func ExampleTransform() {
	// Umeå city hall, longitude first.
	g, err := geo.Transform(orb.Point{20.2630, 63.8258}, geo.SRIDWGS84, geo.SRIDSWEREF99TM)
	if err != nil {
		log.Fatal(err)
	}
	p := g.(orb.Point)
	fmt.Printf("E %.0f N %.0f\n", p[0], p[1])
	// Output:
	// E 758803 N 7088281
}

func ExampleCheckPlausible() {
	fmt.Println(geo.CheckPlausible(orb.Point{63.8258, 20.2630}, geo.SRIDWGS84))
	// Output:
	// point (63.8258 20.263) is outside Europe but inside with longitude and latitude swapped: coordinates must be longitude first
}

func ExampleAppendEWKBHex() {
	fmt.Println(string(geo.AppendEWKBHex(nil, orb.Point{1, 2}, 3006)))
	// Output:
	// 0101000020BE0B0000000000000000F03F0000000000000040
}

func ExampleSCBCellID() {
	// A point in Vilhelmina municipality, SWEREF99 TM metres.
	id, err := geo.SCBCellID(478512.5, 7258901, 1000)
	if err != nil {
		log.Fatal(err)
	}
	b, _ := geo.SCBCellBounds(id, 1000)
	fmt.Printf("%s: E %.0f..%.0f N %.0f..%.0f\n", id, b.Min[0], b.Max[0], b.Min[1], b.Max[1])
	// Output:
	// 4780007258000: E 478000..479000 N 7258000..7259000
}

func ExampleTileAt() {
	t, err := geo.TileAt(20.2630, 63.8258, 10)
	if err != nil {
		log.Fatal(err)
	}
	b := t.BoundLonLat()
	fmt.Printf("%s: lon %.4f..%.4f lat %.4f..%.4f\n", t, b.Min[0], b.Max[0], b.Min[1], b.Max[1])
	// Output:
	// 10/569/274: lon 20.0391..20.3906 lat 63.7047..63.8600
}
