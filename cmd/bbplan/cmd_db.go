package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/bbplan/bbplan/data"
	"github.com/spf13/cobra"
)

func (a *app) dbCmd() *cobra.Command {
	db := &cobra.Command{Use: "db", Short: "Manage the database: up, status, down"}
	db.AddCommand(
		&cobra.Command{
			Use:   "up",
			Short: "Start the managed cluster (if used) and apply migrations; idempotent",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				conn, applied, err := data.Up(cmd.Context(), a.dataOptions())
				if err != nil {
					return err
				}
				defer conn.Close()
				st, err := a.status(cmd.Context(), conn)
				if err != nil {
					return err
				}
				st.Applied = applied
				return a.emit(st, func(w io.Writer) {
					if len(applied) == 0 {
						fmt.Fprintln(w, "database is up; no pending migrations")
					} else {
						fmt.Fprintf(w, "database is up; applied migrations %v\n", applied)
					}
				})
			},
		},
		&cobra.Command{
			Use:   "status",
			Short: "Show the server, PostGIS version, data directory and applied migrations",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				st, err := a.status(cmd.Context(), nil)
				if err != nil {
					return err
				}
				return a.emit(st, func(w io.Writer) { st.print(w) })
			},
		},
		&cobra.Command{
			Use:   "down",
			Short: "Stop the managed cluster",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				_, cl, err := a.dataOptions().DSN()
				if err != nil {
					return err
				}
				if cl == nil {
					return errors.New("database.url is set: bbplan does not manage that server, so it will not stop it")
				}
				if err := cl.Stop(cmd.Context()); err != nil {
					return err
				}
				return a.emit(map[string]any{"data_dir": cl.Dir, "running": false}, func(w io.Writer) {
					fmt.Fprintf(w, "stopped PostgreSQL in %s\n", cl.Dir)
				})
			},
		},
	)
	return db
}

// dbStatus is what `bbplan db status` reports.
type dbStatus struct {
	Managed    bool                    `json:"managed"`
	URL        string                  `json:"url"`
	Cluster    *data.ClusterStatus     `json:"cluster,omitempty"`
	Reachable  bool                    `json:"reachable"`
	Postgres   string                  `json:"postgres_version,omitempty"`
	PostGIS    string                  `json:"postgis_version,omitempty"`
	SRID       int                     `json:"srid,omitempty"`
	Migrations []data.AppliedMigration `json:"migrations"`
	Pending    int                     `json:"pending_migrations"`
	Applied    []int                   `json:"applied_now,omitempty"`
	Error      string                  `json:"error,omitempty"`
}

// status inspects the database without starting anything. conn may be an
// already open connection.
func (a *app) status(ctx context.Context, conn *data.DB) (dbStatus, error) {
	dsn, cl, err := a.dataOptions().DSN()
	if err != nil {
		return dbStatus{}, err
	}
	st := dbStatus{Managed: cl != nil, URL: data.RedactDSN(dsn), Migrations: []data.AppliedMigration{}}
	if cl != nil {
		cs, err := cl.Status(ctx)
		if err != nil {
			return st, err
		}
		st.Cluster = &cs
		if !cs.Running && conn == nil {
			st.Error = "the managed cluster is not running: start it with `bbplan db up`"
			return st, nil
		}
	}
	if conn == nil {
		conn, err = data.Open(ctx, dsn)
		if err != nil {
			st.Error = err.Error()
			return st, nil
		}
		defer conn.Close()
	}
	st.Reachable = true
	if st.Postgres, st.PostGIS, err = conn.Versions(ctx); err != nil {
		return st, err
	}
	st.SRID = conn.SRID
	if applied, err := data.AppliedMigrations(ctx, conn); err == nil {
		st.Migrations = applied
	}
	all, err := data.Migrations()
	if err != nil {
		return st, err
	}
	st.Pending = len(all) - len(st.Migrations)
	return st, nil
}

func (st dbStatus) print(w io.Writer) {
	if st.Cluster != nil {
		state := "stopped"
		if st.Cluster.Running {
			state = fmt.Sprintf("running (pid %d, as user %s)", st.Cluster.PID, st.Cluster.RunAs)
		}
		fmt.Fprintf(w, "cluster:     managed, %s\n", state)
		fmt.Fprintf(w, "data dir:    %s\n", st.Cluster.Dir)
		fmt.Fprintf(w, "binaries:    %s\n", st.Cluster.Binaries)
	} else {
		fmt.Fprintf(w, "server:      %s (external)\n", st.URL)
	}
	if st.Error != "" {
		fmt.Fprintf(w, "status:      %s\n", st.Error)
		return
	}
	fmt.Fprintf(w, "PostgreSQL:  %s\n", st.Postgres)
	pg := st.PostGIS
	if pg == "" {
		pg = "not installed in this database (run `bbplan db up`)"
	}
	fmt.Fprintf(w, "PostGIS:     %s\n", pg)
	fmt.Fprintf(w, "SRID:        %d\n", st.SRID)
	fmt.Fprintf(w, "migrations:  %d applied, %d pending\n", len(st.Migrations), st.Pending)
	for _, m := range st.Migrations {
		fmt.Fprintf(w, "  %04d  %-28s %s\n", m.Version, m.Name, m.AppliedAt.Format("2006-01-02 15:04:05Z07:00"))
	}
}
