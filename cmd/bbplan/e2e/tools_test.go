package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// webDir is the web map's source folder, relative to this package.
const webDir = "../web"

// chromium is Debian's browser, which playwright-core drives; the test never
// downloads a browser.
const chromium = "/usr/bin/chromium"

// browserTools returns the node binary, failing (never skipping) with the
// command that installs what is missing.
func browserTools(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not installed: run scripts/install-deps --with-browser")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s is missing: run scripts/install-deps --with-browser", chromium)
	}
	if _, err := os.Stat(filepath.Join(webDir, "node_modules", "playwright-core")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Fatalf("npm is not installed: run scripts/install-deps --with-browser")
		}
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = webDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", webDir, err, out)
		}
	}
	return node
}
