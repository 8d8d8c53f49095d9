package geo_test

import (
	"errors"
	"fmt"
	"io"
	"log"

	"github.com/bbplan/bbplan/geo"
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
