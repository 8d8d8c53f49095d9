package data

// Test hooks for the migrator over other migration sets.
var (
	ReadMigrations  = readMigrations
	ApplyMigrations = migrate
)
