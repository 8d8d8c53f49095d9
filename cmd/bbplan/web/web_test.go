package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// TestAssets checks that the embedded page and every file it links exist,
// and that it loads nothing from another host.
func TestAssets(t *testing.T) {
	assets := Assets()
	page, err := fs.ReadFile(assets, "index.html")
	if err != nil {
		t.Fatal(err)
	}
	links := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(string(page), -1)
	if len(links) < 2 {
		t.Fatalf("index.html links %d files, want the script and the style sheet", len(links))
	}
	for _, l := range links {
		if strings.HasPrefix(l[1], "data:") {
			continue // inline, e.g. the empty favicon that saves a request
		}
		t.Run(l[1], func(t *testing.T) {
			if strings.Contains(l[1], "//") {
				t.Fatalf("index.html links %s on another host", l[1])
			}
			info, err := fs.Stat(assets, strings.TrimPrefix(l[1], "/"))
			if err != nil {
				t.Fatal(err)
			}
			if info.Size() == 0 {
				t.Errorf("%s is empty", l[1])
			}
		})
	}
}

// TestNoExternalURLs checks that the bundle asks for no fonts, glyphs or
// tiles from the internet: every URL it could fetch comes from the server.
func TestNoExternalURLs(t *testing.T) {
	for _, name := range []string{"app.js", "style.css"} {
		t.Run(name, func(t *testing.T) {
			b, err := fs.ReadFile(Assets(), name)
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"fonts.googleapis", "api.maptiler", "demotiles.maplibre.org", "tile.openstreetmap", "unpkg.com", "cdn."} {
				if strings.Contains(string(b), bad) {
					t.Errorf("%s mentions %s", name, bad)
				}
			}
		})
	}
}
