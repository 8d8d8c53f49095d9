package data_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bbplan/bbplan/data"
	"github.com/bbplan/bbplan/data/dbtest"
)

// childEnv tells a re-executed test binary to run a load and be killed.
const childEnv = "BBPLAN_LOAD_KILL_CHILD"

// TestLoadKilledKeepsPreviousDataset runs a load in a child process and kills
// it with SIGKILL, once while the rows stream in and once as the table is
// being replaced; the previous dataset must be intact each time.
func TestLoadKilledKeepsPreviousDataset(t *testing.T) {
	if spec := os.Getenv(childEnv); spec != "" {
		killChild(t, spec)
		return
	}
	db, dsn := dbtest.New(t)
	mustLoad(t, db, memFile(t, "premises", 4326, premises(300, "old"), nil))
	for _, phase := range []string{"copying", "replacing"} {
		t.Run(phase, func(t *testing.T) {
			before := snapshot(t, db)
			cmd := osexec.Command(os.Args[0], "-test.run=^TestLoadKilledKeepsPreviousDataset$", "-test.count=1")
			cmd.Env = append(os.Environ(), childEnv+"="+phase+" "+dsn)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			reached := false
			for sc.Scan() {
				if strings.Contains(sc.Text(), "KILL ME "+phase) {
					reached = true
					break
				}
			}
			cmd.Process.Kill()
			cmd.Wait()
			if !reached {
				t.Fatalf("the child never reached %s", phase)
			}
			waitIdle(t, db)
			if after := snapshot(t, db); !reflect.DeepEqual(before, after) {
				t.Errorf("database changed:\nbefore %+v\nafter  %+v", before, after)
			}
			var staging int
			if err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM pg_class WHERE relname LIKE 'load_stage%'`).Scan(&staging); err != nil || staging != 0 {
				t.Errorf("%d staging tables left (%v)", staging, err)
			}
		})
	}
}

// waitIdle waits until the killed child's server process has rolled back.
func waitIdle(t *testing.T, db *data.DB) {
	t.Helper()
	for i := 0; i < 200; i++ {
		var others int
		err := db.QueryRowContext(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&others)
		if err != nil {
			t.Fatal(err)
		}
		if others == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the killed load's connection is still open after 10s")
}

// killChild is the child's side: it loads premises and says when it reaches
// the phase it is to be killed in, then keeps going until the kill.
func killChild(t *testing.T, spec string) {
	phase, dsn, _ := strings.Cut(spec, " ")
	ctx := context.Background()
	db, err := data.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	feats := premises(100000, "new")
	opt := memFile(t, "premises", 4326, feats, func(i int) error {
		if phase == "copying" && i == 60000 {
			fmt.Println("KILL ME copying")
			time.Sleep(time.Minute)
		}
		return nil
	})
	opt.Progress = func(p data.Progress) {
		if phase == "replacing" && p.Phase == "replacing" {
			// Replacing 100,000 rows takes long enough for the kill to land in it.
			fmt.Println("KILL ME replacing")
		}
	}
	data.Load(ctx, db, opt)
	time.Sleep(time.Minute)
}
