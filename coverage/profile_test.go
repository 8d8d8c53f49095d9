package coverage_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bbplan/bbplan/coverage"
)

func TestPresetsLoad(t *testing.T) {
	for _, name := range coverage.Presets() {
		t.Run(name, func(t *testing.T) {
			p, err := coverage.LoadProfile(name)
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != name || p.Source != name || len(p.Classes()) != 3 {
				t.Fatalf("preset %s: %+v", name, p)
			}
		})
	}
	if got := strings.Join(coverage.Presets(), ","); got != "bead,eu-2023,pts-2025" {
		t.Fatalf("presets = %s", got)
	}
}

func TestProfileErrors(t *testing.T) {
	valid := "name: x\ntarget: {down_mbps: 100, up_mbps: 10}\ntechnologies: [fiber]\ntiers: [100]\nmobile: {down_mbps: 10}\nrule: target\n"
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", valid + "speed: 3\n", "speed"},
		{"unknown nested key", strings.Replace(valid, "up_mbps: 10", "up_mbps: 10, upload: 3", 1), "upload"},
		{"wrong type", strings.Replace(valid, "down_mbps: 100", "down_mbps: fast", 1), "fast"},
		{"negative speed", strings.Replace(valid, "down_mbps: 100", "down_mbps: -1", 1), "target.down_mbps"},
		{"zero target", strings.Replace(valid, "up_mbps: 10", "up_mbps: 0", 1), "target.up_mbps"},
		{"unknown technology", strings.Replace(valid, "[fiber]", "[fibre]", 1), "technologies"},
		{"unknown rule", strings.Replace(valid, "rule: target", "rule: pts", 1), "rule"},
		{"tiers not descending", strings.Replace(valid, "[100]", "[30, 100]", 1), "tiers[1]"},
		{"underserved without lower level", strings.Replace(valid, "rule: target", "rule: underserved", 1), "unserved.down_mbps"},
		{"negative planned years", valid + "planned: {count: true, years: -1}\n", "planned.years"},
		{"zero mobile target", strings.Replace(valid, "mobile: {down_mbps: 10}", "mobile: {down_mbps: 0}", 1), "mobile.down_mbps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := coverage.ParseProfile(strings.NewReader(tt.yaml), "p.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "p.yaml") {
				t.Fatalf("err = %v, want one naming p.yaml and %q", err, tt.want)
			}
		})
	}
	up := strings.Replace(valid, "up_mbps: 10", "up_mbps: 500", 1)
	if _, err := coverage.ParseProfile(strings.NewReader(up), "p.yaml"); err != nil {
		t.Fatalf("an up target above the down target is allowed: %v", err)
	}
	if _, err := coverage.LoadProfile("pts-2024"); err == nil || !strings.Contains(err.Error(), "bead, eu-2023, pts-2025") {
		t.Fatalf("unknown preset: %v", err)
	}
	file := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(file, []byte(valid), 0o644); err != nil {
		t.Fatal(err)
	}
	if p, err := coverage.LoadProfile(file); err != nil || p.Source != file || p.Name != "x" {
		t.Fatalf("file profile: %+v, %v", p, err)
	}
}

func TestAnalysisParamsValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*coverage.AnalysisParams)
		want   string
	}{
		{"zero cluster distance", func(p *coverage.AnalysisParams) { p.ClusterDistanceM = 0 }, "analysis.cluster_distance_m"},
		{"zero min area", func(p *coverage.AnalysisParams) { p.MinAreaPremises = 0 }, "analysis.min_area_premises"},
		{"fraction above 1", func(p *coverage.AnalysisParams) { p.DisputedFraction = 1.5 }, "analysis.disputed_fraction"},
		{"zero tests", func(p *coverage.AnalysisParams) { p.DisputedMinTests = 0 }, "analysis.disputed_min_tests"},
		{"max below min", func(p *coverage.AnalysisParams) { p.MaxAreaPremises = 3 }, "analysis.max_area_premises"},
		{"negative radius", func(p *coverage.AnalysisParams) { p.MeasurementRadiusM = -1 }, "analysis.measurement_radius_m"},
		{"zero buffer", func(p *coverage.AnalysisParams) { p.AreaBufferM = 0 }, "analysis.area_buffer_m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := coverage.DefaultAnalysisParams()
			tt.modify(&p)
			if err := p.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if err := coverage.DefaultAnalysisParams().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
}
