package server

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestOGRInfo reads the OGC API - Features endpoint with GDAL's OAPIF
// driver, as QGIS does, when GDAL is installed.
func TestOGRInfo(t *testing.T) {
	ogrinfo, err := exec.LookPath("ogrinfo")
	if err != nil {
		t.Log("ogrinfo not installed; GDAL check not run")
		return
	}
	f := newFixture(t, nil)
	tests := []struct {
		name, role, layer string
		features          int
	}{
		{"municipalities as committee", "committee", "municipalities", len(fixtureMunicipalities)},
		{"cells as committee", "committee", "cells", -1},
		{"premises as municipality (paged, own only)", "municipality", "premises", premisesPerMunicipality},
		{"premises as planner", "planner", "premises", 2 * premisesPerMunicipality},
		{"scenario", "committee", "scenario-1", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(ogrinfo, "-ro", "-al", "-so", "OAPIF:"+f.ts.URL+"/ogc", tc.layer)
			// A page size below the feature count makes GDAL follow next links.
			cmd.Env = append(cmd.Environ(), "GDAL_HTTP_HEADERS=Authorization: Bearer "+f.tokens[tc.role],
				"OGR_OAPIF_PAGE_SIZE=25", "GDAL_HTTP_TIMEOUT=30", "CPL_DEBUG=OFF")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo: %v\n%s", err, out)
			}
			m := regexp.MustCompile(`Feature Count: (\d+)`).FindSubmatch(out)
			if m == nil {
				t.Fatalf("no feature count:\n%s", out)
			}
			n, _ := strconv.Atoi(string(m[1]))
			if (tc.features >= 0 && n != tc.features) || n == 0 {
				t.Errorf("feature count %d, want %d:\n%s", n, tc.features, out)
			}
			if !strings.Contains(string(out), "Geometry:") {
				t.Errorf("no geometry type:\n%s", out)
			}
		})
	}
	// Reading every feature pages through the collection.
	cmd := exec.Command(ogrinfo, "-ro", "-al", "-q", "OAPIF:"+f.ts.URL+"/ogc", "premises")
	cmd.Env = append(cmd.Environ(), "GDAL_HTTP_HEADERS=Authorization: Bearer "+f.tokens["municipality"], "OGR_OAPIF_PAGE_SIZE=25")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	if got := strings.Count(string(out), "OGRFeature(premises)"); got != premisesPerMunicipality || strings.Contains(string(out), "P2401-") {
		t.Errorf("read %d premises (want %d), leak: %v", got, premisesPerMunicipality, strings.Contains(string(out), "P2401-"))
	}
}
