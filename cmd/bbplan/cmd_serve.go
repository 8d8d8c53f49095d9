package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/bbplan/bbplan/cmd/bbplan/server"
	"github.com/bbplan/bbplan/cmd/bbplan/web"
	"github.com/bbplan/bbplan/data"
	"github.com/spf13/cobra"
)

// tokenCacheTTL bounds how long a revoked token keeps working on a running
// server.
const tokenCacheTTL = 10 * time.Second

// serverConfig is the server package's view of the configuration.
func (c ServerConfig) serverConfig() server.Config {
	return server.Config{
		Addr: c.Addr, ReadHeaderTimeout: c.ReadHeaderTimeout, ReadTimeout: c.ReadTimeout,
		WriteTimeout: c.WriteTimeout, IdleTimeout: c.IdleTimeout, ShutdownTimeout: c.ShutdownTimeout,
		DefaultLimit: c.DefaultLimit, MaxLimit: c.MaxLimit, MaxBodyBytes: c.MaxBodyBytes,
		MaxBBoxKm2: c.MaxBBoxKm2, MinZoom: c.MinZoom, MaxZoom: c.MaxZoom,
		PremiseMinZoom: c.PremiseMinZoom, Anonymous: c.Anonymous, TokenCacheTTL: tokenCacheTTL,
	}
}

func (a *app) serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the JSON API, OGC API - Features, vector tiles and the web map",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			// The bound address goes to stdout (the --json object), so that a
			// script that asked for port 0 learns the port.
			return a.serve(ctx, func(addr net.Addr) {
				url := "http://" + addr.String() + "/"
				if err := a.emit(map[string]string{"addr": addr.String(), "url": url},
					func(w io.Writer) { fmt.Fprintf(w, "serving on %s\n", url) }); err != nil {
					a.log.Warn("writing the address", "error", err)
				}
			})
		},
	}
	cmd.Flags().String("addr", "", "listen address (default server.addr, 127.0.0.1:8080)")
	cmd.Flags().Bool("anonymous", false, "let requests without a token read aggregates")
	a.bindFlag("addr", "server.addr")
	a.bindFlag("anonymous", "server.anonymous")
	return cmd
}

// serve migrates the database, opens the serving pools and runs the server
// until ctx ends. ready, when not nil, gets the bound address.
func (a *app) serve(ctx context.Context, ready func(net.Addr)) error {
	db, err := a.db(ctx) // starts the managed cluster and applies pending migrations
	if err != nil {
		return err
	}
	db.Close()
	dsn, _, err := a.dataOptions().DSN()
	if err != nil {
		return err
	}
	sc := a.cfg.Server
	read, err := data.OpenServing(ctx, dsn, data.ServingOptions{ReadOnly: true,
		StatementTimeout: sc.StatementTimeout, MaxConns: sc.MaxConns})
	if err != nil {
		return err
	}
	write, err := data.OpenServing(ctx, dsn, data.ServingOptions{StatementTimeout: sc.StatementTimeout, MaxConns: 4})
	if err != nil {
		read.Close()
		return err
	}
	srv, err := server.New(sc.serverConfig(), server.Deps{Read: read, Write: write, Log: a.log,
		Assets: web.Assets()})
	if err != nil {
		read.Close()
		write.Close()
		return err
	}
	defer srv.Close()
	return srv.Run(ctx, func(addr net.Addr) {
		a.log.Info("serving", "addr", addr.String(), "anonymous", sc.Anonymous)
		if ready != nil {
			ready(addr)
		}
	})
}

// withDB runs fn with the database open.
func (a *app) withDB(ctx context.Context, fn func(*data.DB) error) error {
	db, err := a.db(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

func (a *app) tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens (create, list, revoke)"}
	var role, kommun, name string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a token and print it once (only its hash is stored)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withDB(cmd.Context(), func(db *data.DB) error {
				t, secret, err := db.CreateToken(cmd.Context(), role, kommun, name, "cli")
				if err != nil {
					return err
				}
				return a.emit(map[string]any{"id": t.ID, "token": secret, "name": t.Name, "role": t.Role,
					"municipality": t.Kommun}, func(w io.Writer) {
					fmt.Fprintf(w, "token %d (%s, %s) created; it is shown only now:\n%s\n", t.ID, t.Name, roleLabel(t), secret)
				})
			})
		},
	}
	create.Flags().StringVar(&role, "role", "", "admin, planner, committee or municipality")
	create.Flags().StringVar(&kommun, "municipality", "", "municipality code (municipality role only)")
	create.Flags().StringVar(&name, "name", "", "a name to recognise the token by")
	create.MarkFlagRequired("role")

	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ts []data.Token
			err := a.withDB(cmd.Context(), func(db *data.DB) (err error) {
				ts, err = db.ListTokens(cmd.Context())
				return err
			})
			if err != nil {
				return err
			}
			if ts == nil {
				ts = []data.Token{}
			}
			return a.emit(map[string]any{"tokens": ts}, func(w io.Writer) {
				rows := [][]string{}
				for _, t := range ts {
					state, used := "active", ""
					if t.RevokedAt != nil {
						state = "revoked " + t.RevokedAt.UTC().Format("2006-01-02 15:04")
					}
					if t.LastUsedAt != nil {
						used = t.LastUsedAt.UTC().Format("2006-01-02 15:04")
					}
					rows = append(rows, []string{strconv.FormatInt(t.ID, 10), t.Name, roleLabel(t),
						t.CreatedAt.UTC().Format("2006-01-02 15:04"), used, state})
				}
				table(w, []string{"ID", "NAME", "ROLE", "CREATED", "LAST USED", "STATE"}, rows)
			})
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("token id: %q is not a positive integer", args[0])
			}
			if err := a.withDB(cmd.Context(), func(db *data.DB) error { return db.RevokeToken(cmd.Context(), id, "cli") }); err != nil {
				return err
			}
			return a.emit(map[string]any{"id": id, "revoked": true}, func(w io.Writer) {
				fmt.Fprintf(w, "token %d revoked\n", id)
			})
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

// roleLabel is a token's role as the CLI shows it (municipality:CODE).
func roleLabel(t data.Token) string {
	if t.Kommun != "" {
		return t.Role + ":" + t.Kommun
	}
	return t.Role
}
