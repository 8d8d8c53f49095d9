package funding

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestRunGolden pins the whole output of each strategy on a fixed instance,
// so that any change in ranking, rules or explanations shows up in review.
func TestRunGolden(t *testing.T) {
	areas, total := benchAreas(20, 5)
	for _, strategy := range []string{StrategyPTS, StrategyScore, StrategyOptimal} {
		t.Run(strategy, func(t *testing.T) {
			req := ScenarioRequest{RunID: 1, Budget: 0.3 * total, Strategy: strategy, MaxPerPremise: 150000,
				MinPremises: 8, MinShare: map[string]float64{"2421": 0.1}, MaxShare: map[string]float64{"2480": 0.2}}
			got, err := json.MarshalIndent(Run(req, areas), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "run_"+strategy+".golden.json")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("%s differs from the golden file; rerun with -update if the change is intended", strategy)
			}
		})
	}
}
