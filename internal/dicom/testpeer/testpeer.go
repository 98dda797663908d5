// Package testpeer starts and stops real third-party DICOM peers (DCMTK
// storescp and dcmqrscp, Orthanc) on free loopback ports with temporary
// directories and configuration, for integration tests. Peers are stopped
// by PID (SIGTERM, then SIGKILL after a grace period); readiness is
// detected by watching the kernel's listening sockets, which sends no
// packets to the peer.
//
// DCMTK servers always run with -dhl (no reverse DNS). Tests call Require
// first: a missing binary skips the test unless PACSGUARD_REQUIRE_PEERS=1,
// which turns it into a failure.
package testpeer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Binary names of the peers.
const (
	StoreSCP = "storescp"
	DcmQRSCP = "dcmqrscp"
	Orthanc  = "Orthanc"
)

// RequirePeersEnv makes missing peers fail tests instead of skipping them.
const RequirePeersEnv = "PACSGUARD_REQUIRE_PEERS"

// Require skips the test (or fails it, when PACSGUARD_REQUIRE_PEERS=1) if
// any of the binaries is not on PATH.
func Require(tb testing.TB, binaries ...string) {
	tb.Helper()
	for _, b := range binaries {
		if _, err := exec.LookPath(b); err != nil {
			if os.Getenv(RequirePeersEnv) == "1" {
				tb.Fatalf("%s not found on PATH and %s=1: install it (scripts/install-deps.sh)", b, RequirePeersEnv)
			}
			tb.Skipf("%s not found on PATH (set %s=1 to make this a failure)", b, RequirePeersEnv)
		}
	}
}

// Available reports whether all binaries are on PATH (for TestMain, which
// has no testing.TB).
func Available(binaries ...string) bool {
	for _, b := range binaries {
		if _, err := exec.LookPath(b); err != nil {
			return false
		}
	}
	return true
}

// Peer is a running peer process.
type Peer struct {
	Name string
	AE   string
	Host string // always 127.0.0.1
	Port int
	// HTTPPort is Orthanc's REST port (0 for DCMTK peers).
	HTTPPort int
	// Dir is the peer's private temporary directory; StorageDir where it
	// stores received objects (for storescp, dcmqrscp's first AE, Orthanc).
	Dir        string
	StorageDir string
	logPath    string
	cmd        *exec.Cmd
	done       chan struct{}
	waitErr    error
}

// Addr is host:port of the DICOM port.
func (p *Peer) Addr() string { return net.JoinHostPort(p.Host, strconv.Itoa(p.Port)) }

// Log returns what the peer wrote to stdout and stderr so far.
func (p *Peer) Log() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

// PID is the peer's process ID.
func (p *Peer) PID() int { return p.cmd.Process.Pid }

// Stop sends SIGTERM, waits up to grace (15 s if 0), then SIGKILL, and
// removes nothing (the directory belongs to whoever created it).
func (p *Peer) Stop(grace time.Duration) error {
	if grace <= 0 {
		grace = 15 * time.Second
	}
	select {
	case <-p.done:
		return nil
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	p.cmd.Process.Kill()
	<-p.done
	return fmt.Errorf("%s (pid %d) did not exit within %s of SIGTERM; killed", p.Name, p.PID(), grace)
}

// Exited reports whether the process has ended.
func (p *Peer) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// FreePort returns a TCP port that was free on 127.0.0.1 a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start runs argv in dir with env added, logs to dir/peer.log, and waits
// until something listens on port (or the process exits, or ctx ends).
func start(ctx context.Context, name string, dir string, port int, env []string, argv ...string) (*Peer, error) {
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Peer{Name: name, Host: "127.0.0.1", Port: port, Dir: dir, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	if err := waitListening(ctx, port, p.done); err != nil {
		p.Stop(5 * time.Second)
		return nil, fmt.Errorf("%s did not start listening on port %d: %w\n%s", name, port, err, p.Log())
	}
	return p, nil
}

// waitListening polls /proc/net/tcp{,6} for a listening socket on port.
func waitListening(ctx context.Context, port int, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		if listening(port) {
			return nil
		}
		select {
		case <-exited:
			return errors.New("process exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// listening reports whether a socket listens on port, from the kernel's
// table (state 0A = LISTEN); no packet is sent.
func listening(port int) bool {
	want := fmt.Sprintf(":%04X", port)
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) > 3 && strings.HasSuffix(fields[1], want) && fields[3] == "0A" {
				fh.Close()
				return true
			}
		}
		fh.Close()
	}
	return false
}

// StoreSCPOptions configures storescp.
type StoreSCPOptions struct {
	AE     string // default STORESCP
	Ignore bool   // --ignore: receive but store nothing
	// NoDelay sets TCP_NODELAY=1 (Debian's DCMTK leaves Nagle on otherwise).
	NoDelay bool
	Args    []string // extra arguments (e.g. TLS options)
}

// StartStoreSCP starts `storescp -dhl` on a free port with a temp dir.
func StartStoreSCP(ctx context.Context, dir string, o StoreSCPOptions) (*Peer, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	if o.AE == "" {
		o.AE = "STORESCP"
	}
	store := filepath.Join(dir, "received")
	if err := os.MkdirAll(store, 0o750); err != nil {
		return nil, err
	}
	args := []string{StoreSCP, "-dhl", "-aet", o.AE}
	if o.Ignore {
		args = append(args, "--ignore")
	} else {
		args = append(args, "-od", store)
	}
	args = append(args, o.Args...)
	args = append(args, strconv.Itoa(port))
	var env []string
	if o.NoDelay {
		env = append(env, "TCP_NODELAY=1")
	}
	p, err := start(ctx, StoreSCP, dir, port, env, args...)
	if err != nil {
		return nil, err
	}
	p.AE, p.StorageDir = o.AE, store
	return p, nil
}

// QRAE is an AE of dcmqrscp's AETable.
type QRAE struct {
	AE string
	// Peers is "ANY" or the name of a HostTable group/entry.
	Peers string
}

// HostEntry is a HostTable entry: also dcmqrscp's C-MOVE destinations.
type HostEntry struct {
	Name string // symbolic name
	AE   string
	Host string // an IP address: with -dhl names do not match
	Port int
}

// DcmQRSCPOptions configures dcmqrscp.
type DcmQRSCPOptions struct {
	AEs   []QRAE      // default: PUBLICQR open to ANY
	Hosts []HostEntry // HostTable entries
	// Groups maps a group name to entry names (e.g. "radiology": ws1, movedest).
	Groups  map[string][]string
	NoDelay bool
	Args    []string
}

// StartDcmQRSCP writes a dcmqrscp.cfg (test-peers.md §3.4 shape) with
// storage under dir and starts `dcmqrscp -dhl -c cfg` on a free port.
// StorageDir is the first AE's directory.
func StartDcmQRSCP(ctx context.Context, dir string, o DcmQRSCPOptions) (*Peer, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	if len(o.AEs) == 0 {
		o.AEs = []QRAE{{AE: "PUBLICQR", Peers: "ANY"}}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "NetworkTCPPort  = %d\nMaxPDUSize      = 16384\nMaxAssociations = 16\n\nHostTable BEGIN\n", port)
	for _, h := range o.Hosts {
		fmt.Fprintf(&b, "%s = (%s, %s, %d)\n", h.Name, h.AE, h.Host, h.Port)
	}
	for g, members := range o.Groups {
		fmt.Fprintf(&b, "%s = %s\n", g, strings.Join(members, ", "))
	}
	b.WriteString("HostTable END\n\nVendorTable BEGIN\nVendorTable END\n\nAETable BEGIN\n")
	var first string
	for _, ae := range o.AEs {
		d := filepath.Join(dir, "db", ae.AE)
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, err
		}
		if first == "" {
			first = d
		}
		fmt.Fprintf(&b, "%s %s RW (200, 1024mb) %s\n", ae.AE, d, ae.Peers)
	}
	b.WriteString("AETable END\n")
	cfg := filepath.Join(dir, "dcmqrscp.cfg")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o640); err != nil {
		return nil, err
	}
	args := append([]string{DcmQRSCP, "-dhl", "-c", cfg}, o.Args...)
	args = append(args, strconv.Itoa(port))
	var env []string
	if o.NoDelay {
		env = append(env, "TCP_NODELAY=1")
	}
	p, err := start(ctx, DcmQRSCP, dir, port, env, args...)
	if err != nil {
		return nil, err
	}
	p.AE, p.StorageDir = o.AEs[0].AE, first
	return p, nil
}

// DicomWebPlugin is where Debian's orthanc-dicomweb installs the plugin.
const DicomWebPlugin = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"

// OrthancOptions configures Orthanc. Config keys override the defaults
// written (Debian's packaged security values, test-peers.md §3.3, with
// storage in dir and free ports).
type OrthancOptions struct {
	AE      string // default ORTHANC
	Config  map[string]any
	NoDelay bool
}

// StartOrthanc writes config.json and starts `Orthanc config.json`.
func StartOrthanc(ctx context.Context, dir string, o OrthancOptions) (*Peer, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	httpPort, err := FreePort()
	if err != nil {
		return nil, err
	}
	for httpPort == port {
		if httpPort, err = FreePort(); err != nil {
			return nil, err
		}
	}
	if o.AE == "" {
		o.AE = "ORTHANC"
	}
	store := filepath.Join(dir, "storage")
	cfg := map[string]any{
		"Name":                         "PACSGUARD-TEST",
		"StorageDirectory":             store,
		"IndexDirectory":               store,
		"DicomAet":                     o.AE,
		"DicomPort":                    port,
		"HttpPort":                     httpPort,
		"RemoteAccessAllowed":          false,
		"RegisteredUsers":              map[string]any{},
		"DicomCheckCalledAet":          false,
		"DicomCheckModalityHost":       false,
		"DicomAlwaysAllowEcho":         true,
		"DicomAlwaysAllowStore":        true,
		"DicomAlwaysAllowFind":         false,
		"DicomAlwaysAllowFindWorklist": false,
		"DicomAlwaysAllowGet":          false,
		"DicomAlwaysAllowMove":         false,
		"UnknownSopClassAccepted":      false,
		"DicomModalities":              map[string]any{},
		"Plugins":                      []string{},
	}
	if _, err := os.Stat(DicomWebPlugin); err == nil {
		cfg["Plugins"] = []string{DicomWebPlugin}
		cfg["DicomWeb"] = map[string]any{"Enable": true, "Root": "/dicom-web/", "EnableWado": true, "WadoRoot": "/wado"}
	}
	for k, v := range o.Config {
		cfg[k] = v
	}
	path := filepath.Join(dir, "config.json")
	if err := writeJSON(path, cfg); err != nil {
		return nil, err
	}
	var env []string
	if o.NoDelay {
		env = append(env, "TCP_NODELAY=1")
	}
	p, err := start(ctx, Orthanc, dir, port, env, Orthanc, path)
	if err != nil {
		return nil, err
	}
	p.AE, p.HTTPPort, p.StorageDir = o.AE, httpPort, store
	// Orthanc opens the DICOM port before the HTTP one; wait for both.
	if err := waitListening(ctx, httpPort, p.done); err != nil {
		p.Stop(0)
		return nil, fmt.Errorf("Orthanc HTTP port %d: %w", httpPort, err)
	}
	return p, nil
}

// TB-bound helpers: start in t.TempDir(), stop in t.Cleanup, fail on error.

// StoreSCPForTest starts storescp for one test.
func StoreSCPForTest(tb testing.TB, o StoreSCPOptions) *Peer {
	tb.Helper()
	Require(tb, StoreSCP)
	p, err := StartStoreSCP(context.Background(), tb.TempDir(), o)
	return cleanupOrFail(tb, p, err)
}

// DcmQRSCPForTest starts dcmqrscp for one test.
func DcmQRSCPForTest(tb testing.TB, o DcmQRSCPOptions) *Peer {
	tb.Helper()
	Require(tb, DcmQRSCP)
	p, err := StartDcmQRSCP(context.Background(), tb.TempDir(), o)
	return cleanupOrFail(tb, p, err)
}

// OrthancForTest starts Orthanc for one test (2–5 s; prefer one per
// package via TestMain and StartOrthanc).
func OrthancForTest(tb testing.TB, o OrthancOptions) *Peer {
	tb.Helper()
	Require(tb, Orthanc)
	p, err := StartOrthanc(context.Background(), tb.TempDir(), o)
	return cleanupOrFail(tb, p, err)
}

func cleanupOrFail(tb testing.TB, p *Peer, err error) *Peer {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := p.Stop(0); err != nil {
			tb.Log(err)
		}
		if tb.Failed() {
			tb.Logf("%s log:\n%s", p.Name, p.Log())
		}
	})
	return p
}

// RunTool runs a DCMTK client (echoscu, storescu, ...) with TCP_NODELAY=1
// and a timeout, returning its combined output.
func RunTool(ctx context.Context, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "TCP_NODELAY=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}
