package tlsprobe

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/pacsguard/pacsguard/internal/testsupport/loopback"
)

func selfSigned(t *testing.T, notAfter time.Time, useRSA bool) tls.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lab-archive"},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	var key any
	var pub any
	if useRSA {
		k, _ := rsa.GenerateKey(rand.Reader, 2048)
		key, pub = k, &k.PublicKey
	} else {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		key, pub = k, &k.PublicKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// serve runs a TLS server that keeps each connection open until the client closes.
func serve(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return loopback.ServeListener(t, ln, 3*time.Second, func(c net.Conn) { c.Read(make([]byte, 1)) })
}

func TestModernServerWithClientCertRequired(t *testing.T) {
	addr := serve(t, &tls.Config{Certificates: []tls.Certificate{selfSigned(t, time.Now().Add(time.Hour), false)}, MinVersion: tls.VersionTLS12, ClientAuth: tls.RequireAnyClientCert})
	res, err := Probe(context.Background(), Config{Dialer: &net.Dialer{}, Timeout: 2 * time.Second}, addr)
	if err != nil {
		t.Fatal(err)
	}
	if !res.TLS || !res.ClientCertRequested || !res.ClientCertRequired {
		t.Errorf("got %+v, want TLS with a required client certificate", res)
	}
	if len(res.WeakVersions) != 0 || len(res.WeakCiphers) != 0 {
		t.Errorf("weak = %v %v, want none", res.WeakVersions, res.WeakCiphers)
	}
	if res.Cert == nil || !res.Cert.SelfSigned || res.Expired(time.Now()) {
		t.Errorf("cert = %+v", res.Cert)
	}
}

func TestWeakServer(t *testing.T) {
	addr := serve(t, &tls.Config{Certificates: []tls.Certificate{selfSigned(t, time.Now().Add(-time.Hour), true)}, MinVersion: tls.VersionTLS10,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}})
	res, err := Probe(context.Background(), Config{Dialer: &net.Dialer{}, Timeout: 2 * time.Second}, addr)
	if err != nil {
		t.Fatal(err)
	}
	if res.ClientCertRequested || res.ClientCertRequired {
		t.Errorf("client cert requested/required = %v/%v, want no", res.ClientCertRequested, res.ClientCertRequired)
	}
	if len(res.WeakVersions) == 0 {
		t.Errorf("weak versions not found")
	}
	if len(res.WeakCiphers) == 0 {
		t.Errorf("weak cipher TLS_RSA_WITH_AES_128_CBC_SHA not found")
	}
	if !res.Expired(time.Now()) {
		t.Errorf("expired certificate not noticed: %+v", res.Cert)
	}
	t.Logf("%+v", res)
}

func TestNotTLS(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
			c.Close()
		}
	}()
	if _, err := Probe(context.Background(), Config{Dialer: &net.Dialer{}, Timeout: time.Second}, ln.Addr().String()); !errors.Is(err, ErrNotTLS) {
		t.Errorf("err = %v, want ErrNotTLS", err)
	}
}
