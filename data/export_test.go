package data

// Test hooks for the migrator over other migration sets.
var (
	ReadMigrations  = readMigrations
	ApplyMigrations = migrate
)

// FindPostgresIn exposes the installation check over a fake layout.
func FindPostgresIn(lib, share string) (string, int, error) {
	pg, err := findPostgresIn(lib, share)
	return pg.bin, pg.major, err
}
