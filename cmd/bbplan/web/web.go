// Package web holds the web map that `bbplan serve` serves at /. The sources
// are built into dist/, which is committed, so that `go build` works on a
// machine without Node.
package web

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

// Assets returns the built web application, rooted at its index.html.
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded at build time; a failure here is a build bug
	}
	return sub
}
