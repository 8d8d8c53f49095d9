package data

import (
	"context"
	"log/slog"
)

// Options say where the database is. With URL empty, bbplan runs its own
// cluster in DataDir.
type Options struct {
	URL             string
	DataDir         string
	Port            int
	ListenAddresses string
	Database        string // database name on the managed cluster
	SRID            int
	Log             *slog.Logger
}

// DSN returns the connection string the options lead to, and the managed
// cluster behind it (nil when URL names an external server).
func (o Options) DSN() (string, *Cluster, error) {
	if o.URL != "" {
		return o.URL, nil, nil
	}
	c, err := NewCluster(o.DataDir, o.Port)
	if err != nil {
		return "", nil, err
	}
	c.ListenAddresses, c.Log = o.ListenAddresses, o.Log
	return c.URL(o.dbName()), c, nil
}

func (o Options) dbName() string {
	if o.Database == "" {
		return "bbplan"
	}
	return o.Database
}

// Up makes the database ready for work: with a managed cluster it initialises
// and starts it (or finds it already running) and creates the database; then it
// applies pending migrations. It returns the open database and the versions it
// applied. Calling it again is a no-op.
func Up(ctx context.Context, o Options) (*DB, []int, error) {
	dsn, cl, err := o.DSN()
	if err != nil {
		return nil, nil, err
	}
	if cl != nil {
		if err := cl.Start(ctx); err != nil {
			return nil, nil, err
		}
		if err := CreateDatabase(ctx, cl.URL("postgres"), o.dbName()); err != nil {
			return nil, nil, err
		}
	}
	db, err := Open(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	applied, err := Migrate(ctx, db, o.SRID)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, applied, nil
}
