package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// TestItemsCounts checks numberMatched and numberReturned of premise pages
// at and past the end of the matches, with and without a bbox (which take
// different counting paths), against counts made directly in the database.
func TestItemsCounts(t *testing.T) {
	f := newFixture(t, nil)
	var total int
	if err := f.db.QueryRowContext(context.Background(), `SELECT count(*) FROM premise_status WHERE run_id = 1`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total < 4 {
		t.Fatalf("fixture has %d premises, want at least 4", total)
	}
	tests := []struct {
		name          string
		limit, offset int
		wantReturned  int
	}{
		{"first page", 3, 0, 3},
		{"whole match in one page", total, 0, total},
		{"larger page than the match", total + 5, 0, total},
		{"last partial page", 3, total - 2, 2},
		{"page ending at the end", 2, total - 2, 2},
		{"offset at the end", 3, total, 0},
		{"offset past the end", 3, total + 10, 0},
	}
	for _, bbox := range []string{"", "&bbox=19,63,21,64.5"} {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s bbox=%t", tc.name, bbox != ""), func(t *testing.T) {
				path := fmt.Sprintf("/ogc/collections/premises/items?limit=%d&offset=%d%s", tc.limit, tc.offset, bbox)
				resp, body := f.get(t, "planner", path)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
				}
				var page struct {
					Features       []json.RawMessage `json:"features"`
					NumberMatched  int               `json:"numberMatched"`
					NumberReturned int               `json:"numberReturned"`
				}
				if err := json.Unmarshal(body, &page); err != nil {
					t.Fatal(err)
				}
				if page.NumberMatched != total || page.NumberReturned != tc.wantReturned || len(page.Features) != tc.wantReturned {
					t.Errorf("numberMatched %d, numberReturned %d, %d features; want %d, %d", page.NumberMatched,
						page.NumberReturned, len(page.Features), total, tc.wantReturned)
				}
			})
		}
	}
}
