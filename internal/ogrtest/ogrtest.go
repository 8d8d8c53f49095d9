// Package ogrtest checks written files with GDAL's ogrinfo in tests.
package ogrtest

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// Check opens path with ogrinfo, when GDAL is installed, and fails t unless
// it reports n features without errors or warnings.
func Check(t testing.TB, path string, n int) {
	t.Helper()
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		t.Log("ogrinfo not installed: GDAL check left out")
		return
	}
	out, err := exec.Command("ogrinfo", "-ro", "-al", "-so", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %s: %v\n%s", path, err, out)
	}
	if !strings.Contains(string(out), fmt.Sprintf("Feature Count: %d", n)) {
		t.Errorf("ogrinfo does not report %d features for %s:\n%s", n, path, out)
	}
	if strings.Contains(string(out), "ERROR") || strings.Contains(string(out), "Warning") {
		t.Errorf("ogrinfo complains about %s:\n%s", path, out)
	}
}
