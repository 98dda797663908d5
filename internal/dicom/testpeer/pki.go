package testpeer

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// PKI is a throw-away certificate authority with one server and one client
// certificate for 127.0.0.1/localhost, generated in memory (RSA 2048, so
// that every DCMTK TLS profile can use it) and written as PEM files for
// peers that read files.
type PKI struct {
	Pool   *x509.CertPool
	Server tls.Certificate
	Client tls.Certificate
	// PEM file paths.
	CAFile, ServerCertFile, ServerKeyFile, ClientCertFile, ClientKeyFile string
}

// NewPKI generates the PKI and writes its PEM files into dir.
func NewPKI(dir string) (*PKI, error) {
	now := time.Now()
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pacsguard test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	p := &PKI{Pool: x509.NewCertPool()}
	p.Pool.AddCert(ca)
	p.CAFile = filepath.Join(dir, "ca.pem")
	if err := writePEM(p.CAFile, "CERTIFICATE", caDER); err != nil {
		return nil, err
	}
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage, certFile, keyFile *string) (tls.Certificate, error) {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return tls.Certificate{}, err
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return tls.Certificate{}, err
		}
		*certFile, *keyFile = filepath.Join(dir, cn+".pem"), filepath.Join(dir, cn+".key")
		if err := writePEM(*certFile, "CERTIFICATE", der); err != nil {
			return tls.Certificate{}, err
		}
		if err := writePEM(*keyFile, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(key)); err != nil {
			return tls.Certificate{}, err
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
	}
	if p.Server, err = leaf(2, "server", x509.ExtKeyUsageServerAuth, &p.ServerCertFile, &p.ServerKeyFile); err != nil {
		return nil, fmt.Errorf("server certificate: %w", err)
	}
	if p.Client, err = leaf(3, "client", x509.ExtKeyUsageClientAuth, &p.ClientCertFile, &p.ClientKeyFile); err != nil {
		return nil, fmt.Errorf("client certificate: %w", err)
	}
	return p, nil
}

func writePEM(path, typ string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600)
}

// DCMTKServerTLSArgs are the storescp/dcmqrscp options for TLS with the
// PKI's server certificate; requireClient asks for client certificates.
func (p *PKI) DCMTKServerTLSArgs(requireClient bool) []string {
	args := []string{"+tls", p.ServerKeyFile, p.ServerCertFile, "-pw", "+cf", p.CAFile}
	if requireClient {
		args = append(args, "-rc")
	} else {
		args = append(args, "-ic")
	}
	return args
}

// DCMTKClientTLSArgs are the echoscu/storescu options for TLS with the
// PKI's client certificate, verifying the server against the CA.
func (p *PKI) DCMTKClientTLSArgs() []string {
	return []string{"+tls", p.ClientKeyFile, p.ClientCertFile, "-pw", "+cf", p.CAFile, "-rc"}
}
