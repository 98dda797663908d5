// Package lab runs a simulated imaging network on loopback from the
// project's own SCP: archives open to anyone or hardened with TLS and AE
// checks, modalities with old toolkit identities, a worklist server and web
// faces imitating Orthanc's REST API and DICOMweb. It powers `pacsguard
// demo`, `pacsguard lab`, the scanner's tests and training. Every patient in
// it is synthetic.
package lab

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/dicom/scp"
)

// Schema of lab descriptions.
const Schema = "pacsguard.lab/v1"

//go:embed demo.yaml
var demoYAML []byte

// Config describes a network.
type Config struct {
	Schema string `yaml:"schema" json:"schema"`
	Nodes  []Node `yaml:"nodes" json:"nodes"`
}

// Node is one simulated device.
type Node struct {
	Name string `yaml:"name" json:"name"`
	// Role is shown to people: archive, ct, ultrasound, worklist, web-viewer...
	Role string `yaml:"role" json:"role"`
	// Kind is dicom (default) or web.
	Kind    string `yaml:"kind,omitempty" json:"kind,omitempty"`
	Address string `yaml:"address,omitempty" json:"address,omitempty"` // default 127.0.0.1
	Port    int    `yaml:"port,omitempty" json:"port,omitempty"`       // 0 = any free port
	AE      string `yaml:"ae,omitempty" json:"ae,omitempty"`
	// CheckCalledAE rejects other called titles.
	CheckCalledAE bool `yaml:"check_called_ae,omitempty" json:"check_called_ae,omitempty"`
	// Unknown lists what unknown calling AEs may do: echo, store, find, move, get.
	Unknown []string `yaml:"unknown,omitempty" json:"unknown,omitempty"`
	Peers   []Peer   `yaml:"peers,omitempty" json:"peers,omitempty"`
	// Refusal is how refused services look: reject (default), abort, status.
	Refusal  string   `yaml:"refusal,omitempty" json:"refusal,omitempty"`
	Identity Identity `yaml:"identity,omitempty" json:"identity,omitempty"`
	TLS      *TLS     `yaml:"tls,omitempty" json:"tls,omitempty"`
	// Studies seeds the archive with synthetic studies (0 = storage only).
	Studies int  `yaml:"studies,omitempty" json:"studies,omitempty"`
	Web     *Web `yaml:"web,omitempty" json:"web,omitempty"`
}

// Peer is a known calling AE.
type Peer struct {
	AE    string   `yaml:"ae" json:"ae"`
	Hosts []string `yaml:"hosts,omitempty" json:"hosts,omitempty"`
	Allow []string `yaml:"allow" json:"allow"`
}

// Identity is the implementation identity the node announces.
type Identity struct {
	ClassUID    string `yaml:"class_uid,omitempty" json:"class_uid,omitempty"`
	VersionName string `yaml:"version_name,omitempty" json:"version_name,omitempty"`
}

// TLS configures DICOM over TLS with a throw-away self-signed certificate.
type TLS struct {
	RequireClientCert bool   `yaml:"require_client_cert,omitempty" json:"require_client_cert,omitempty"`
	MinVersion        string `yaml:"min_version,omitempty" json:"min_version,omitempty"` // 1.0, 1.1, 1.2 (default), 1.3
}

// Web configures a web face imitating Orthanc's REST API and DICOMweb.
type Web struct {
	OrthancVersion string `yaml:"orthanc_version,omitempty" json:"orthanc_version,omitempty"`
	// Auth: none (default), default-credentials (orthanc:orthanc), strong.
	Auth    string `yaml:"auth,omitempty" json:"auth,omitempty"`
	Studies int    `yaml:"studies,omitempty" json:"studies,omitempty"`
	// DicomAET and DicomPort are what /system reports.
	DicomAET  string `yaml:"dicom_aet,omitempty" json:"dicom_aet,omitempty"`
	DicomPort int    `yaml:"dicom_port,omitempty" json:"dicom_port,omitempty"`
}

// Default is the demo network.
func Default() Config {
	c, err := Load(bytes.NewReader(demoYAML))
	if err != nil {
		panic("embedded demo lab is invalid: " + err.Error()) // proved valid by the tests
	}
	return c
}

// Load reads a YAML or JSON description strictly.
func Load(r io.Reader) (Config, error) {
	dec := yaml.NewDecoder(io.LimitReader(r, 1<<20))
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("lab description: %w", err)
	}
	if c.Schema != Schema {
		return Config{}, fmt.Errorf("lab description: schema %q, want %q", c.Schema, Schema)
	}
	return c, c.Validate()
}

// Names are printed in terminal tables: no control characters or spaces.
var (
	namePattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	aePattern   = regexp.MustCompile(`^[\x21-\x5b\x5d-\x7e]([\x20-\x5b\x5d-\x7e]{0,15})$`)
)

var serviceNames = map[string]scp.Services{"echo": scp.Echo, "store": scp.Store, "find": scp.Find, "move": scp.Move, "get": scp.Get, "all": scp.AllServices}

func services(list []string) (scp.Services, error) {
	var s scp.Services
	for _, n := range list {
		v, ok := serviceNames[strings.ToLower(n)]
		if !ok {
			return 0, fmt.Errorf("unknown service %q (want echo, store, find, move, get or all)", n)
		}
		s |= v
	}
	return s, nil
}

// Validate checks a description.
func (c Config) Validate() error {
	if len(c.Nodes) == 0 {
		return errors.New("lab description has no nodes")
	}
	names := map[string]bool{}
	if len(c.Nodes) > 64 {
		return errors.New("lab description has more than 64 nodes")
	}
	for _, n := range c.Nodes {
		if !namePattern.MatchString(n.Name) || names[n.Name] {
			return fmt.Errorf("node name %q: want 1-64 letters, digits, '.', '_' or '-', unique", n.Name)
		}
		if n.Role != "" && !namePattern.MatchString(n.Role) {
			return fmt.Errorf("node %s: role %q: want letters, digits, '.', '_' or '-'", n.Name, n.Role)
		}
		names[n.Name] = true
		if n.Address != "" {
			ip := net.ParseIP(n.Address)
			if ip == nil || !ip.IsLoopback() {
				return fmt.Errorf("node %s: address %q must be a loopback address (the lab never listens beyond this machine)", n.Name, n.Address)
			}
		}
		if n.Port < 0 || n.Port > 65535 {
			return fmt.Errorf("node %s: port %d out of range", n.Name, n.Port)
		}
		switch n.Kind {
		case "", "dicom":
			if !aePattern.MatchString(n.AE) {
				return fmt.Errorf("node %s: AE title %q must be 1-16 printable characters without backslash", n.Name, n.AE)
			}
			for _, p := range n.Peers {
				if !aePattern.MatchString(p.AE) {
					return fmt.Errorf("node %s: peer AE title %q must be 1-16 printable characters without backslash", n.Name, p.AE)
				}
			}
			if _, err := services(n.Unknown); err != nil {
				return fmt.Errorf("node %s: %w", n.Name, err)
			}
			for _, p := range n.Peers {
				if _, err := services(p.Allow); err != nil {
					return fmt.Errorf("node %s peer %s: %w", n.Name, p.AE, err)
				}
			}
			switch n.Refusal {
			case "", "reject", "abort", "status":
			default:
				return fmt.Errorf("node %s: refusal %q (want reject, abort or status)", n.Name, n.Refusal)
			}
			if n.TLS != nil {
				if _, err := tlsVersion(n.TLS.MinVersion); err != nil {
					return fmt.Errorf("node %s: %w", n.Name, err)
				}
			}
			if n.Studies < 0 || n.Studies > 1000 {
				return fmt.Errorf("node %s: studies must be 0-1000", n.Name)
			}
		case "web":
			if n.Web == nil {
				return fmt.Errorf("node %s: kind web needs a web section", n.Name)
			}
			switch n.Web.Auth {
			case "", "none", "default-credentials", "strong":
			default:
				return fmt.Errorf("node %s: auth %q (want none, default-credentials or strong)", n.Name, n.Web.Auth)
			}
		default:
			return fmt.Errorf("node %s: kind %q (want dicom or web)", n.Name, n.Kind)
		}
	}
	return nil
}

func tlsVersion(s string) (uint16, error) {
	switch s {
	case "", "1.2":
		return tls.VersionTLS12, nil
	case "1.0":
		return tls.VersionTLS10, nil
	case "1.1":
		return tls.VersionTLS11, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("TLS min_version %q (want 1.0, 1.1, 1.2 or 1.3)", s)
}

// DistinctAddresses reports whether this system lets the lab listen on
// loopback addresses other than 127.0.0.1 (Linux routes all of 127/8).
func DistinctAddresses() bool {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// Running is a started node.
type Running struct {
	Name string
	Role string
	Kind string
	AE   string
	Addr string // host:port
	TLS  bool
}

// Lab is a running network.
type Lab struct {
	nodes  []Running
	cancel context.CancelFunc
	wg     sync.WaitGroup
	errMu  sync.Mutex
	errs   []error
}

// Options for Start.
type Options struct {
	// Logger receives one line per association of every node; nil = discard.
	Logger *slog.Logger
}

// Start runs every node of c until Stop or ctx ends.
func Start(ctx context.Context, c Config, o Options) (*Lab, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	l := &Lab{cancel: cancel}
	for _, n := range c.Nodes {
		r, err := l.start(ctx, n, o)
		if err != nil {
			l.Stop()
			return nil, fmt.Errorf("lab node %s: %w", n.Name, err)
		}
		l.nodes = append(l.nodes, r)
	}
	return l, nil
}

// Nodes lists the running nodes in description order.
func (l *Lab) Nodes() []Running { return append([]Running(nil), l.nodes...) }

// Node returns the running node with the name.
func (l *Lab) Node(name string) (Running, bool) {
	for _, n := range l.nodes {
		if n.Name == name {
			return n, true
		}
	}
	return Running{}, false
}

// Stop stops every node and waits for them.
func (l *Lab) Stop() error {
	l.cancel()
	l.wg.Wait()
	l.errMu.Lock()
	defer l.errMu.Unlock()
	return errors.Join(l.errs...)
}

func (l *Lab) fail(err error) {
	l.errMu.Lock()
	l.errs = append(l.errs, err)
	l.errMu.Unlock()
}

func (l *Lab) listen(ctx context.Context, n Node) (net.Listener, error) {
	addr := n.Address
	if addr == "" {
		addr = "127.0.0.1"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(addr, strconv.Itoa(n.Port)))
	if err != nil && addr != "127.0.0.1" && errors.Is(err, syscall.EADDRNOTAVAIL) {
		// Only Linux routes all of 127.0.0.0/8 to loopback; elsewhere the
		// node shares 127.0.0.1 (and the scan sees one host).
		return lc.Listen(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(n.Port)))
	}
	return ln, err
}

func (l *Lab) start(ctx context.Context, n Node, o Options) (Running, error) {
	ln, err := l.listen(ctx, n)
	if err != nil {
		return Running{}, err
	}
	r := Running{Name: n.Name, Role: n.Role, Kind: n.Kind, AE: n.AE, Addr: ln.Addr().String()}
	if r.Kind == "" {
		r.Kind = "dicom"
	}
	if n.Kind == "web" {
		srv := &http.Server{Handler: webHandler(*n.Web), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
		l.wg.Add(2)
		go func() {
			defer l.wg.Done()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				l.fail(err)
			}
		}()
		go func() {
			defer l.wg.Done()
			<-ctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			srv.Shutdown(sctx)
		}()
		return r, nil
	}
	cfg, err := scpConfig(n, o)
	if err != nil {
		ln.Close()
		return Running{}, err
	}
	r.TLS = cfg.TLS != nil
	srv, err := scp.New(cfg)
	if err != nil {
		ln.Close()
		return Running{}, err
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		if err := srv.Serve(ctx, ln); err != nil {
			l.fail(fmt.Errorf("%s: %w", n.Name, err))
		}
	}()
	return r, nil
}

func scpConfig(n Node, o Options) (scp.Config, error) {
	unknown, _ := services(n.Unknown)
	pol := scp.Policy{AE: n.AE, CheckCalledAE: n.CheckCalledAE, Unknown: unknown}
	switch n.Refusal {
	case "abort":
		pol.Refusal = scp.RefuseAbort
	case "status":
		pol.Refusal = scp.RefuseStatus
	}
	for _, p := range n.Peers {
		allow, _ := services(p.Allow)
		pol.Peers = append(pol.Peers, scp.Peer{AE: p.AE, Hosts: p.Hosts, Allow: allow})
	}
	cfg := scp.Config{Policy: pol, ImplementationClassUID: n.Identity.ClassUID, ImplementationVersionName: n.Identity.VersionName,
		MaxAssociations: 16, MaxAssociationTime: 2 * time.Minute, Logger: o.Logger}
	arc, err := scp.NewArchive("")
	if err != nil {
		return cfg, err
	}
	arc.AE = n.AE
	arc.MaxInstances, arc.MaxBytes = 10000, 256<<20
	for i := 1; i <= n.Studies; i++ {
		inst, err := Synthetic(n.Name, i)
		if err != nil {
			return cfg, err
		}
		if err := arc.Add(inst); err != nil {
			return cfg, err
		}
	}
	cfg.Store = arc
	if n.Studies > 0 || has(n, scp.Find) {
		cfg.Find, cfg.Retrieve = arc, arc
	}
	if n.TLS != nil {
		t, err := selfSignedTLS(n.Name, n.TLS)
		if err != nil {
			return cfg, err
		}
		cfg.TLS = t
	}
	return cfg, nil
}

func has(n Node, s scp.Services) bool {
	u, _ := services(n.Unknown)
	if u.Has(s) {
		return true
	}
	for _, p := range n.Peers {
		a, _ := services(p.Allow)
		if a.Has(s) {
			return true
		}
	}
	return false
}

// Synthetic returns synthetic study i of a node: one small CT instance with
// a made-up patient. The names exist only to prove reports never print them.
func Synthetic(node string, i int) (scp.Instance, error) {
	root := dicom.UIDRoot + ".6." + strconv.Itoa(len(node)) + "." + strconv.Itoa(i)
	ds := &dicom.DataSet{}
	ds.Set(dicom.NewString(dicom.TagSpecificCharacterSet, dicom.VRCS, "ISO_IR 100"))
	ds.Set(dicom.NewString(dicom.TagSOPClassUID, dicom.VRUI, "1.2.840.10008.5.1.4.1.1.2"))
	ds.Set(dicom.NewString(dicom.TagSOPInstanceUID, dicom.VRUI, root+".1.1"))
	ds.Set(dicom.NewString(0x00080020, dicom.VRDA, "20260101"))
	ds.Set(dicom.NewString(0x00080060, dicom.VRCS, "CT"))
	ds.Set(dicom.NewString(dicom.TagPatientName, dicom.VRPN, fmt.Sprintf("LABPATIENT^SYNTHETIC%d", i)))
	ds.Set(dicom.NewString(dicom.TagPatientID, dicom.VRLO, fmt.Sprintf("LABID%04d", i)))
	ds.Set(dicom.NewString(0x00100030, dicom.VRDA, "19700101"))
	ds.Set(dicom.NewString(0x0020000D, dicom.VRUI, root))
	ds.Set(dicom.NewString(0x0020000E, dicom.VRUI, root+".1"))
	b, err := dicom.EncodeDataSet(ds, dicom.ExplicitVRLittleEndian)
	if err != nil {
		return scp.Instance{}, err
	}
	return scp.Instance{SOPClassUID: "1.2.840.10008.5.1.4.1.1.2", SOPInstanceUID: root + ".1.1", TransferSyntax: dicom.ExplicitVRLittleEndian, DataSet: b}, nil
}

// selfSignedTLS makes a throw-away certificate for a lab node.
func selfSignedTLS(name string, t *TLS) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name + ".lab.pacsguard.invalid", Organization: []string{"pacsguard lab"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(30 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, DNSNames: []string{name + ".lab.pacsguard.invalid"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	minV, _ := tlsVersion(t.MinVersion)
	c := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: minV}
	if t.RequireClientCert {
		c.ClientAuth = tls.RequireAnyClientCert
	}
	return c, nil
}
