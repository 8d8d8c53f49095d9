package e2e

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/bbplan/bbplan/cmd/bbplan/server"
	"github.com/bbplan/bbplan/cmd/bbplan/web"
	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
)

// TestWebMap starts a server over the fixture and runs e2e/e2e.mjs in
// headless Chromium: the map renders, a municipality can be chosen, an
// area's explanation shows, two scenarios compare, a municipality token
// sees no other municipality's premises; any console error or request to
// another host fails it. Screenshots go to cmd/bbplan/web/screenshots/.
func TestWebMap(t *testing.T) {
	node := browserTools(t)
	db, dsn := dbtest.New(t)
	loadFixture(t, db)
	ctx := context.Background()

	tokens := map[string]string{}
	for _, tk := range []struct{ env, role, kommun string }{
		{"BBPLAN_PLANNER_TOKEN", data.RolePlanner, ""},
		{"BBPLAN_COMMITTEE_TOKEN", data.RoleCommittee, ""},
		{"BBPLAN_MUNICIPALITY_TOKEN", data.RoleMunicipality, "2480"},
	} {
		_, secret, err := db.CreateToken(ctx, tk.role, tk.kommun, "e2e-"+tk.role, "e2e")
		if err != nil {
			t.Fatal(err)
		}
		tokens[tk.env] = secret
	}

	read, err := data.OpenServing(ctx, dsn, data.ServingOptions{ReadOnly: true, StatementTimeout: 30 * time.Second, MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	write, err := data.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second,
		IdleTimeout: time.Minute, ShutdownTimeout: 5 * time.Second,
		DefaultLimit: 100, MaxLimit: 1000, MaxBodyBytes: 1 << 20, MaxBBoxKm2: 1e6,
		MinZoom: 0, MaxZoom: 18, PremiseMinZoom: 11, Anonymous: true,
	}, server.Deps{Read: read, Write: write, Assets: web.Assets()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()

	shots, err := filepath.Abs(filepath.Join(webDir, "screenshots"))
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, node, "e2e/e2e.mjs")
	cmd.Dir = webDir
	cmd.Env = append(os.Environ(), "BBPLAN_URL="+ts.URL, "BBPLAN_SCREENSHOTS="+shots, "BBPLAN_CHROMIUM="+chromium)
	for k, v := range tokens {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err = cmd.Run()
	t.Logf("e2e.mjs output:\n%s", out.String())
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
}
