package data

import (
	"context"
	"database/sql"

	"github.com/bbplan/bbplan/funding"
)

// CostAreas costs every candidate area of run runID with the cost model p and
// writes the options to area_cost, one of them chosen per area. targetDown and
// targetUp are the profile's fixed target, against which the alternative
// technologies are tested. The analysis calls it inside its transaction.
func CostAreas(ctx context.Context, tx *sql.Tx, runID int64, p funding.CostParams, targetDown, targetUp float64) error {
	// Filled in by the funding work; until then areas are left uncosted.
	return nil
}
