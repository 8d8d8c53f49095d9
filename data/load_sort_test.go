package data

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortRows checks the radix sort against a stable comparison sort.
func TestSortRows(t *testing.T) {
	tests := []struct {
		name string
		n    int
		max  uint64 // keys are below max
	}{
		{name: "empty", n: 0, max: 1},
		{name: "one", n: 1, max: 1 << 32},
		{name: "all zero", n: 100, max: 1},
		{name: "few distinct", n: 1000, max: 3},
		{name: "one byte", n: 1000, max: 1 << 8},
		{name: "hilbert range", n: 20000, max: 1 << 32},
		{name: "odd byte count", n: 5000, max: 1 << 40},
		{name: "full width", n: 5000, max: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tt.n)))
			rows := make([]sortRow, tt.n)
			for i := range rows {
				k := rng.Uint64()
				if tt.max != 0 {
					k %= tt.max
				}
				rows[i] = sortRow{key: k, off: i, end: i + 1}
			}
			want := slices.Clone(rows)
			slices.SortStableFunc(want, func(a, b sortRow) int { return cmp.Compare(a.key, b.key) })
			// A too small scratch slice from an earlier call must be grown.
			tmp := sortRows(rows, make([]sortRow, 0, tt.n/2))
			if !slices.Equal(rows, want) {
				t.Errorf("sortRows(%d rows) is not the stable order by key", tt.n)
			}
			if tt.n > 1 && len(tmp) != tt.n {
				t.Errorf("scratch has %d rows, want %d", len(tmp), tt.n)
			}
		})
	}
}
