package data

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Cluster is a private PostgreSQL + PostGIS cluster that bbplan runs from the
// machine's PostgreSQL binaries. It listens on a unix socket inside its own
// data directory, so several clusters (a demo, the tests) never collide on a port.
type Cluster struct {
	// Dir is the data directory. It is made absolute by NewCluster.
	Dir string
	// Port names the socket file (.s.PGSQL.<Port>); it is a TCP port only when
	// ListenAddresses is set.
	Port int
	// ListenAddresses is PostgreSQL's listen_addresses; empty means no TCP.
	ListenAddresses string
	// Durable keeps fsync on. Test clusters turn it off: their data is disposable.
	Durable bool
	// Log receives progress lines; nil discards them.
	Log *slog.Logger
}

// superuser is the name initdb gives the cluster's superuser. It is not the OS
// user the server runs as, so that bbplan connects the same way as root or not.
const superuser = "bbplan"

// NewCluster returns a cluster rooted at dir, made absolute, with bbplan's defaults.
func NewCluster(dir string, port int) (*Cluster, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("data directory %q: %w", dir, err)
	}
	if port == 0 {
		port = 5432
	}
	return &Cluster{Dir: abs, Port: port, Durable: true}, nil
}

// ClusterStatus describes a managed cluster.
type ClusterStatus struct {
	Dir       string `json:"data_dir"`
	Running   bool   `json:"running"`
	PID       int    `json:"pid,omitempty"`
	Binaries  string `json:"binaries"`
	Major     int    `json:"postgres_major"`
	RunAs     string `json:"run_as"`
	Socket    string `json:"socket"`
	Initiated bool   `json:"initialised"`
}

// pgInstall is a located PostgreSQL installation.
type pgInstall struct {
	bin   string
	major int
}

// findPostgres locates the newest PostgreSQL server binaries and checks that
// PostGIS is installed for that version, naming the Debian package that is
// missing when it is not.
func findPostgres() (pgInstall, error) {
	return findPostgresIn("/usr/lib/postgresql", "/usr/share/postgresql")
}

// findPostgresIn is findPostgres over Debian's layout rooted at lib and share.
func findPostgresIn(lib, share string) (pgInstall, error) {
	dirs, _ := filepath.Glob(filepath.Join(lib, "*", "bin", "initdb"))
	var found []pgInstall
	for _, d := range dirs {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(d))))
		if err == nil {
			found = append(found, pgInstall{bin: filepath.Dir(d), major: v})
		}
	}
	if len(found) == 0 {
		return pgInstall{}, errors.New("PostgreSQL server binaries not found (no initdb): install them with " +
			"`apt-get install postgresql postgresql-15-postgis-3` (or scripts/install-deps), or set BBPLAN_DATABASE_URL to use an existing server")
	}
	sort.Slice(found, func(i, j int) bool { return found[i].major > found[j].major })
	pg := found[0]
	control := filepath.Join(share, strconv.Itoa(pg.major), "extension", "postgis.control")
	if _, err := os.Stat(control); err != nil {
		return pg, fmt.Errorf("PostGIS is not installed for PostgreSQL %d (%s missing): install it with `apt-get install postgresql-%d-postgis-3`",
			pg.major, control, pg.major)
	}
	return pg, nil
}

// tools locates PostgreSQL and the OS user its processes run as.
func tools() (pgInstall, runAs, error) {
	pg, err := findPostgres()
	if err != nil {
		return pg, runAs{}, err
	}
	ru, err := clusterUser()
	return pg, ru, err
}

// runAs is the OS identity the cluster's processes run under.
type runAs struct {
	name     string
	uid, gid uint32
	root     bool // bbplan runs as root and must drop privileges
}

// clusterUser picks the OS user for the server. initdb refuses to run as root,
// so as root the cluster runs as Debian's postgres user, or a bbplan system user
// created for the purpose; otherwise it runs as the current user.
func clusterUser() (runAs, error) {
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return runAs{}, fmt.Errorf("current user: %w", err)
		}
		return runAs{name: u.Username, uid: uint32(os.Geteuid()), gid: uint32(os.Getegid())}, nil
	}
	for _, name := range []string{"postgres", "bbplan"} {
		if u, err := user.Lookup(name); err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			return runAs{name: name, uid: uint32(uid), gid: uint32(gid), root: true}, nil
		}
	}
	if out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "bbplan").CombinedOutput(); err != nil {
		return runAs{}, fmt.Errorf("running as root needs an unprivileged user for PostgreSQL; creating user bbplan: %v: %s", err, out)
	}
	return clusterUser()
}

// command builds a PostgreSQL command that runs as the cluster's user.
func (c *Cluster) command(ctx context.Context, ru runAs, pg pgInstall, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(pg.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	if ru.root {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: ru.uid, Gid: ru.gid}}
		cmd.Dir = "/"
		cmd.Env = append(cmd.Env, "HOME="+c.Dir)
	}
	return cmd
}

func (c *Cluster) logf(msg string, args ...any) {
	if c.Log != nil {
		c.Log.Info(msg, args...)
	}
}

// prepareDir creates the data directory's parent and the directory itself,
// owned by the cluster user, and checks that this user can reach it.
func (c *Cluster) prepareDir(ru runAs) error {
	if err := os.MkdirAll(filepath.Dir(c.Dir), 0o755); err != nil {
		return fmt.Errorf("data directory %s: %w", c.Dir, err)
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return fmt.Errorf("data directory %s: %w", c.Dir, err)
	}
	if !ru.root {
		return nil
	}
	if err := os.Chown(c.Dir, int(ru.uid), int(ru.gid)); err != nil {
		return fmt.Errorf("data directory %s: giving it to user %s: %w", c.Dir, ru.name, err)
	}
	// The server runs as another user: every ancestor must be searchable by it.
	for d := filepath.Dir(c.Dir); d != "/"; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("data directory %s: user %s cannot reach it because %s is not searchable by others; "+
				"choose another directory with --data-dir or BBPLAN_DATABASE_DATA_DIR (for example under /var/tmp)", c.Dir, ru.name, d)
		}
	}
	return nil
}

// initialised reports whether the data directory holds a cluster.
func (c *Cluster) initialised() bool {
	_, err := os.Stat(filepath.Join(c.Dir, "PG_VERSION"))
	return err == nil
}

// Init creates the cluster with initdb if the data directory holds none.
func (c *Cluster) Init(ctx context.Context) error {
	pg, ru, err := tools()
	if err != nil {
		return err
	}
	if c.initialised() {
		return nil
	}
	if err := c.prepareDir(ru); err != nil {
		return err
	}
	c.logf("creating PostgreSQL cluster", "dir", c.Dir, "version", pg.major, "run_as", ru.name)
	out, err := c.command(ctx, ru, pg, "initdb", "-D", c.Dir, "-U", superuser, "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-instructions").CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb %s: %w\n%s", c.Dir, err, out)
	}
	return c.writeConf()
}

// writeConf appends bbplan's settings to postgresql.conf: a socket in the data
// directory, TCP only when asked, and memory sized for analysis work.
func (c *Cluster) writeConf() error {
	conf := fmt.Sprintf(`
# bbplan managed cluster
listen_addresses = '%s'
port = %d
unix_socket_directories = '%s'
shared_buffers = 512MB
work_mem = 64MB
maintenance_work_mem = 512MB
max_wal_size = 4GB
wal_level = minimal
max_wal_senders = 0
synchronous_commit = off
max_connections = 200
timezone = 'UTC'
`, c.ListenAddresses, c.Port, c.Dir)
	if !c.Durable {
		conf += "fsync = off\nfull_page_writes = off\n"
	}
	f, err := os.OpenFile(filepath.Join(c.Dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("configuring cluster: %w", err)
	}
	defer f.Close()
	if _, err := io.WriteString(f, conf); err != nil {
		return fmt.Errorf("configuring cluster: %w", err)
	}
	return nil
}

// Running reports whether the cluster's server is up, and its PID.
func (c *Cluster) Running(ctx context.Context) (bool, int) {
	if !c.initialised() {
		return false, 0
	}
	b, err := os.ReadFile(filepath.Join(c.Dir, "postmaster.pid"))
	if err != nil {
		return false, 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil || pid <= 0 {
		return false, 0
	}
	// Signal 0 checks that the process exists; a stale pid file after a crash
	// names a process that is gone.
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false, 0
	}
	if _, err := os.Stat(c.socketPath()); err != nil {
		return false, pid
	}
	return true, pid
}

func (c *Cluster) socketPath() string {
	return filepath.Join(c.Dir, fmt.Sprintf(".s.PGSQL.%d", c.Port))
}

// Start initialises the cluster if needed and starts its server unless it is
// already running, for instance started by another bbplan process. A lock file
// beside the data directory serialises concurrent starts.
func (c *Cluster) Start(ctx context.Context) error {
	unlock, err := lockFile(c.Dir + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	if err := c.Init(ctx); err != nil {
		return err
	}
	if ok, _ := c.Running(ctx); ok {
		return nil
	}
	pg, ru, err := tools()
	if err != nil {
		return err
	}
	c.logf("starting PostgreSQL", "dir", c.Dir)
	logFile := filepath.Join(c.Dir, "server.log")
	out, err := c.command(ctx, ru, pg, "pg_ctl", "start", "-D", c.Dir, "-w", "-t", "120", "-l", logFile).CombinedOutput()
	if err != nil {
		tail, _ := os.ReadFile(logFile)
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return fmt.Errorf("starting PostgreSQL in %s: %w\n%s\n%s", c.Dir, err, out, tail)
	}
	return nil
}

// Stop stops the cluster's server (fast shutdown) if it is running.
func (c *Cluster) Stop(ctx context.Context) error {
	if ok, _ := c.Running(ctx); !ok {
		return nil
	}
	pg, ru, err := tools()
	if err != nil {
		return err
	}
	out, err := c.command(ctx, ru, pg, "pg_ctl", "stop", "-D", c.Dir, "-m", "fast", "-w").CombinedOutput()
	if err != nil {
		return fmt.Errorf("stopping PostgreSQL in %s: %w\n%s", c.Dir, err, out)
	}
	return nil
}

// Status describes the cluster without changing it.
func (c *Cluster) Status(ctx context.Context) (ClusterStatus, error) {
	st := ClusterStatus{Dir: c.Dir, Socket: c.socketPath(), Initiated: c.initialised()}
	pg, err := findPostgres()
	if err != nil {
		return st, err
	}
	st.Binaries, st.Major = pg.bin, pg.major
	ru, err := clusterUser()
	if err == nil {
		st.RunAs = ru.name
	}
	st.Running, st.PID = c.Running(ctx)
	return st, nil
}

// URL is the connection string for database db on this cluster.
func (c *Cluster) URL(db string) string {
	q := url.Values{"host": {c.Dir}, "port": {strconv.Itoa(c.Port)}, "user": {superuser}, "sslmode": {"disable"}}
	return "postgres:///" + db + "?" + q.Encode()
}

// lockFile takes an exclusive advisory lock on path, creating it, and returns
// the function that releases it. The lock dies with the process.
func lockFile(path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("lock %s: still held by another process after 5 minutes", path)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
