package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bbplan/bbplan/data/dbtest"
)

// TestTokenAndServeCommands creates a token, serves with it, lists and
// revokes it.
func TestTokenAndServeCommands(t *testing.T) {
	db, dsn := dbtest.New(t)
	t.Chdir(t.TempDir())
	if _, err := db.Exec(`INSERT INTO municipality (code, name, county_code, dataset_id, geom)
		VALUES ('2480', 'Umeå', '24', 1, ST_Multi(ST_MakeEnvelope(745000, 7080000, 765000, 7100000, 3006)))`); err != nil {
		t.Fatal(err)
	}
	exec := func(ctx context.Context, args ...string) (string, error) {
		out, _, err := runOn(ctx, dsn, args...)
		return out, err
	}
	bad := [][]string{
		{"token", "create", "--role", "root"},
		{"token", "create", "--role", "municipality"},
		{"token", "revoke", "x"},
		{"token", "revoke", "999"},
	}
	for _, args := range bad {
		if _, err := exec(context.Background(), args...); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
	out, err := exec(context.Background(), "token", "create", "--role", "municipality", "--municipality", "2480", "--name", "ume", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.ID == 0 || created.Token == "" {
		t.Fatalf("token create --json: %v\n%s", err, out)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var served string
	go func() {
		out, err := exec(ctx, "serve", "--addr", addr, "--json")
		served = out
		done <- err
	}()
	var me map[string]any
	for i := 0; ; i++ {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+created.Token)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err := json.Unmarshal(b, &me); err != nil {
				t.Fatalf("/api/v1/me: %s", b)
			}
			break
		}
		if i > 100 {
			t.Fatalf("server did not come up: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if me["role"] != "municipality" || me["municipality"] != "2480" || me["premises"] != "own" {
		t.Errorf("/api/v1/me: %v", me)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	var listening struct{ Addr, URL string }
	if err := json.Unmarshal([]byte(served), &listening); err != nil || listening.Addr != addr || listening.URL != "http://"+addr+"/" {
		t.Errorf("serve --json: %v\n%s", err, served)
	}

	out, err = exec(context.Background(), "token", "list")
	if err != nil || !strings.Contains(out, "municipality:2480") || strings.Contains(out, created.Token) {
		t.Fatalf("token list: %v\n%s", err, out)
	}
	out, err = exec(context.Background(), "token", "revoke", strconv.FormatInt(created.ID, 10), "--json")
	if err != nil {
		t.Fatal(err)
	}
	var revoked struct {
		ID      int64 `json:"id"`
		Revoked bool  `json:"revoked"`
	}
	if err := json.Unmarshal([]byte(out), &revoked); err != nil || revoked.ID != created.ID || !revoked.Revoked {
		t.Fatalf("token revoke --json: %v\n%s", err, out)
	}
	out, err = exec(context.Background(), "token", "list", "--json")
	if err != nil || !strings.Contains(out, `"revoked_at"`) {
		t.Fatalf("token list --json after revoke: %v\n%s", err, out)
	}
}
