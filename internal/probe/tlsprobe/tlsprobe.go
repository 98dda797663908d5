// Package tlsprobe judges a TLS listener: which protocol versions and
// retired cipher suites it accepts, its certificate (validity, self-signed,
// key), and whether it asks for and requires a client certificate. Each
// handshake is its own connection through the scan's dialer; no
// application data is sent.
package tlsprobe

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"time"
)

// Dialer opens connections (netx.Dialer).
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// Cert is what the probe keeps of the leaf certificate.
type Cert struct {
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	SelfSigned bool      `json:"self_signed"`
	KeyType    string    `json:"key_type"`
	KeyBits    int       `json:"key_bits,omitempty"`
}

// Result of a probe.
type Result struct {
	// TLS: a TLS handshake got as far as the server's certificate.
	TLS         bool   `json:"tls"`
	Version     string `json:"version,omitempty"`
	CipherSuite string `json:"cipher_suite,omitempty"`
	// WeakVersions lists accepted versions below TLS 1.2.
	WeakVersions []string `json:"weak_versions,omitempty"`
	// WeakCiphers lists accepted retired suites.
	WeakCiphers []string `json:"weak_ciphers,omitempty"`
	Cert        *Cert    `json:"cert,omitempty"`
	// ClientCertRequested: the server sent a CertificateRequest.
	ClientCertRequested bool `json:"client_cert_requested"`
	// ClientCertRequired: the handshake (or the first read) failed
	// because we sent no certificate.
	ClientCertRequired bool `json:"client_cert_required"`
}

// Expired reports whether the certificate is outside its validity at now.
func (r *Result) Expired(now time.Time) bool {
	return r.Cert != nil && (now.After(r.Cert.NotAfter) || now.Before(r.Cert.NotBefore))
}

// weakSuites are suites of the retired DICOM TLS profiles (dicom-security.md §7).
var weakSuites = []uint16{
	tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
	tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA,
	tls.TLS_RSA_WITH_AES_128_CBC_SHA,
	tls.TLS_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
}

// Config shapes a probe.
type Config struct {
	Dialer Dialer
	// Timeout bounds each handshake (default 5 s).
	Timeout time.Duration
	// Quick stops after the first handshake (discovery).
	Quick bool
}

// ErrNotTLS means the port did not complete a TLS server hello.
var ErrNotTLS = errors.New("not a TLS listener")

// Probe examines the TLS listener at addr.
func Probe(ctx context.Context, cfg Config, addr string) (*Result, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	res := &Result{}
	var leaf *x509.Certificate
	base := &tls.Config{
		InsecureSkipVerify: true, // the certificate is judged here, not trusted
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) > 0 && leaf == nil {
				if c, err := x509.ParseCertificate(raw[0]); err == nil {
					leaf = c
				}
			}
			return nil
		},
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			res.ClientCertRequested = true
			return &tls.Certificate{}, nil
		},
	}
	if sn, _, err := net.SplitHostPort(addr); err == nil && net.ParseIP(sn) == nil {
		base.ServerName = sn
	}
	st, err := handshake(ctx, cfg, addr, base, func() bool { return res.ClientCertRequested })
	if leaf != nil {
		res.TLS = true
		res.Cert = certOf(leaf)
	}
	switch {
	case err == nil:
		res.TLS = true
		res.Version = tls.VersionName(st.Version)
		res.CipherSuite = tls.CipherSuiteName(st.CipherSuite)
		if st.requiredAfter {
			res.ClientCertRequired = true
		}
	case leaf != nil && res.ClientCertRequested:
		res.ClientCertRequired = true
	case leaf == nil:
		return res, ErrNotTLS
	}
	if cfg.Quick {
		return res, nil
	}
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		c := base.Clone()
		c.MinVersion, c.MaxVersion = v, v
		c.CipherSuites = append(append([]uint16(nil), weakSuites...), tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA)
		if ok := accepted(ctx, cfg, addr, c, res.ClientCertRequired); ok {
			res.WeakVersions = append(res.WeakVersions, tls.VersionName(v))
		}
	}
	for _, s := range weakSuites {
		if ctx.Err() != nil {
			break
		}
		c := base.Clone()
		c.MinVersion, c.MaxVersion = tls.VersionTLS10, tls.VersionTLS12
		c.CipherSuites = []uint16{s}
		if ok := accepted(ctx, cfg, addr, c, res.ClientCertRequired); ok {
			res.WeakCiphers = append(res.WeakCiphers, tls.CipherSuiteName(s))
		}
	}
	return res, nil
}

type state struct {
	tls.ConnectionState
	requiredAfter bool
}

// handshake runs one handshake. With checkRequired, it then waits briefly
// for the server: TLS 1.3 servers that require a client certificate send
// their alert after the handshake.
func handshake(ctx context.Context, cfg Config, addr string, c *tls.Config, requested func() bool) (state, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	raw, err := cfg.Dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return state{}, err
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(cfg.Timeout))
	tc := tls.Client(raw, c)
	if err := tc.HandshakeContext(ctx); err != nil {
		return state{}, err
	}
	st := state{ConnectionState: tc.ConnectionState()}
	if requested != nil && st.Version == tls.VersionTLS13 {
		tc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		_, err := tc.Read(make([]byte, 1))
		var ne net.Error
		// A server that asked for a certificate and hangs up (alert or
		// close) as soon as it has none requires one; one that waits for
		// data (the timeout) does not.
		if err != nil && !(errors.As(err, &ne) && ne.Timeout()) && requested() {
			st.requiredAfter = true
		}
	}
	return st, nil
}

// accepted reports whether the configuration completes a handshake (a
// server that then demands a certificate still accepted version and suite).
func accepted(ctx context.Context, cfg Config, addr string, c *tls.Config, certRequired bool) bool {
	st, err := handshake(ctx, cfg, addr, c, nil)
	if err == nil {
		return st.Version != 0
	}
	return false
}

func certOf(c *x509.Certificate) *Cert {
	out := &Cert{Subject: bound(c.Subject.String()), Issuer: bound(c.Issuer.String()), NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC()}
	out.SelfSigned = c.Subject.String() == c.Issuer.String() && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		out.KeyType, out.KeyBits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		out.KeyType, out.KeyBits = "ECDSA", k.Curve.Params().BitSize
	default:
		out.KeyType = c.PublicKeyAlgorithm.String()
	}
	return out
}

func bound(s string) string {
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
