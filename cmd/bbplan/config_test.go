package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// writeFile writes content to name in a new temporary directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigPrecedence(t *testing.T) {
	file := writeFile(t, "bbplan.yaml", "server:\n  addr: file:1\n  max_limit: 500\n  read_timeout: 7s\ndatabase:\n  srid: 3035\n")
	tests := []struct {
		name    string
		env     map[string]string
		flag    string
		want    string
		wantMax int
	}{
		{name: "default", want: "127.0.0.1:8080", wantMax: 10000},
		{name: "file beats default", flag: "", env: nil, want: "file:1", wantMax: 500},
		{name: "env beats file", env: map[string]string{"BBPLAN_SERVER_ADDR": "env:1", "BBPLAN_SERVER_MAX_LIMIT": "600"}, want: "env:1", wantMax: 600},
		{name: "flag beats env", env: map[string]string{"BBPLAN_SERVER_ADDR": "env:1"}, flag: "flag:1", want: "flag:1", wantMax: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
			fs.String("addr", "", "")
			if tt.flag != "" {
				fs.Parse([]string{"--addr", tt.flag})
			}
			cfgFile := file
			if tt.name == "default" {
				cfgFile = ""
				t.Chdir(t.TempDir())
			}
			cfg, _, err := loadConfig(cfgFile, fs, flagKeys{"addr": "server.addr"})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Server.Addr != tt.want || cfg.Server.MaxLimit != tt.wantMax {
				t.Fatalf("addr, max_limit = %q, %d; want %q, %d", cfg.Server.Addr, cfg.Server.MaxLimit, tt.want, tt.wantMax)
			}
		})
	}
}

// TestConfigEnvOnlyKey guards against viper's trap: a key set only in the
// environment must reach Unmarshal.
func TestConfigEnvOnlyKey(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("BBPLAN_DATABASE_URL", "postgres://u:secret@db.example/bb")
	t.Setenv("BBPLAN_COST_FIBER_PER_METRE", "512.5")
	t.Setenv("BBPLAN_SERVER_STATEMENT_TIMEOUT", "3s")
	cfg, _, err := loadConfig("", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database.URL != "postgres://u:secret@db.example/bb" || cfg.Cost.FiberPerMetre != 512.5 || cfg.Server.StatementTimeout != 3*time.Second {
		t.Fatalf("env not applied: %+v %+v %v", cfg.Database, cfg.Cost.FiberPerMetre, cfg.Server.StatementTimeout)
	}
	m := cfg.masked()
	if s := m["database.url"].(string); strings.Contains(s, "secret") {
		t.Fatalf("masked url still shows the password: %s", s)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "server:\n  adress: x\n", "server.adress"},
		{"unknown section", "cache:\n  size: 1\n", "cache.size"},
		{"wrong type", "server:\n  max_limit: many\n", "max_limit"},
		{"bad duration", "server:\n  read_timeout: soon\n", "read_timeout"},
		{"impossible value", "database:\n  srid: -1\n", "database.srid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := loadConfig(writeFile(t, "c.yaml", tt.yaml), nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one naming %q", err, tt.want)
			}
		})
	}
	if _, _, err := loadConfig(filepath.Join(t.TempDir(), "missing.yaml"), nil, nil); err == nil {
		t.Fatal("a missing --config file must be an error")
	}
}

func TestConfigCommandJSON(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("BBPLAN_DATABASE_URL", "postgres://u:hunter2@h/db")
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"config", "--json"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out.String())
	}
	if m["server.addr"] != "127.0.0.1:8080" || strings.Contains(out.String(), "hunter2") {
		t.Fatalf("config output wrong or unmasked: %s", out.String())
	}
}
