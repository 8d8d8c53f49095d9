package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestDistCurrent rebuilds the web map into a temporary folder and checks
// that the committed dist/ matches, so a source change cannot ship without
// its build.
func TestDistCurrent(t *testing.T) {
	node := browserTools(t)
	out := t.TempDir()
	cmd := exec.Command(node, "build.mjs")
	cmd.Dir = webDir
	cmd.Env = append(os.Environ(), "BBPLAN_WEB_OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node build.mjs: %v\n%s", err, b)
	}
	built, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadDir(filepath.Join(webDir, "dist"))
	if err != nil {
		t.Fatal(err)
	}
	if len(built) != len(committed) {
		t.Errorf("dist/ has %d files, a fresh build %d: run `npm run build` in cmd/bbplan/web", len(committed), len(built))
	}
	for _, e := range built {
		t.Run(e.Name(), func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(out, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(webDir, "dist", e.Name()))
			if err != nil {
				t.Fatalf("dist/%s: %v (run `npm run build` in cmd/bbplan/web)", e.Name(), err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("dist/%s differs from a fresh build: run `npm run build` in cmd/bbplan/web", e.Name())
			}
		})
	}
}
