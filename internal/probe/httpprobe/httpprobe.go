// Package httpprobe looks at the web face of imaging systems: Orthanc's REST
// API (/system), DICOMweb QIDO-RS bases and the HTTP Basic realm. It sends
// read-only requests only (GET), never follows redirects, caps every body,
// and keeps counts instead of content: a QIDO answer is counted, never
// stored or printed.
package httpprobe

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// OrthancRealm is the Basic realm Orthanc answers 401 with (a fingerprint).
const OrthancRealm = "Orthanc Secure Area"

// maxBody caps what is read of any answer.
const maxBody = 1 << 20

// Dialer opens connections (netx.Dialer).
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// Config shapes a probe.
type Config struct {
	Dialer Dialer
	// Timeout bounds each request (default 5 s).
	Timeout time.Duration
	// DefaultCredentials tries documented default credentials (intrusive).
	DefaultCredentials bool
	// UserAgent names the scanner honestly.
	UserAgent string
}

// Answer is what one GET returned.
type Answer struct {
	Path        string `json:"path"`
	Status      int    `json:"status"`
	Realm       string `json:"realm,omitempty"`
	Server      string `json:"server,omitempty"`
	Location    string `json:"location,omitempty"`
	ContentType string `json:"content_type,omitempty"`
}

// OrthancSystem is the part of Orthanc's /system answer pacsguard keeps.
type OrthancSystem struct {
	Version            string `json:"Version"`
	APIVersion         int    `json:"ApiVersion"`
	Name               string `json:"Name"`
	DicomAet           string `json:"DicomAet"`
	DicomPort          int    `json:"DicomPort"`
	HTTPPort           int    `json:"HttpPort"`
	IsHTTPServerSecure *bool  `json:"IsHttpServerSecure"`
}

// QIDO is the answer of one DICOMweb base to studies?limit=1.
type QIDO struct {
	Base   string `json:"base"`
	Status int    `json:"status"`
	// Count of results in the answer (at most 1 by the limit); content is discarded.
	Count int `json:"count"`
}

// Result is everything the probe learned.
type Result struct {
	Scheme  string         `json:"scheme"` // http or https
	Root    *Answer        `json:"root,omitempty"`
	System  *Answer        `json:"system,omitempty"`
	Orthanc *OrthancSystem `json:"orthanc,omitempty"`
	// OrthancRealm: a 401 carried Orthanc's realm.
	OrthancRealm bool   `json:"orthanc_realm,omitempty"`
	QIDO         []QIDO `json:"qido,omitempty"`
	// Dcm4cheeAETs is the status of /dcm4chee-arc/aets (0 = not tried or absent).
	Dcm4cheeAETs int `json:"dcm4chee_aets,omitempty"`
	// DefaultCredentials names the user whose default password worked.
	DefaultCredentials string `json:"default_credentials,omitempty"`
}

// IsWeb reports whether anything answered HTTP.
func (r *Result) IsWeb() bool { return r != nil && r.Root != nil }

// qidoBases are the DICOMweb roots tried (dicom-security.md §10).
func qidoBases() []string {
	return []string{"/dicom-web", "/dcm4chee-arc/rs", "/dcm4chee-arc/aets/DCM4CHEE/rs"}
}

// defaultCredentials are documented product defaults (dicom-security.md §4.3).
var defaultCredentials = []struct{ user, pass string }{{"orthanc", "orthanc"}}

// ErrNotHTTP means the port did not answer HTTP.
var ErrNotHTTP = errors.New("not an HTTP server")

// Probe talks to host:port with the scheme ("http" or "https").
func Probe(ctx context.Context, cfg Config, host string, port int, scheme string) (*Result, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "pacsguard-scan"
	}
	tr := &http.Transport{
		DialContext:            cfg.Dialer.DialContext,
		DisableKeepAlives:      true,                                  // one connection per request: netx's per-host slot is freed at once
		TLSClientConfig:        &tls.Config{InsecureSkipVerify: true}, // the TLS probe judges the certificate
		ResponseHeaderTimeout:  cfg.Timeout,
		TLSHandshakeTimeout:    cfg.Timeout,
		MaxResponseHeaderBytes: 64 << 10,
		Proxy:                  nil,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport:     tr,
		Timeout:       cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	base := scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port))
	res := &Result{Scheme: scheme}
	get := func(path, user, pass string) (*Answer, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("User-Agent", cfg.UserAgent)
		req.Header.Set("Accept", "application/json, application/dicom+json, text/html;q=0.5")
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		a := &Answer{Path: path, Status: resp.StatusCode, Realm: realmOf(resp.Header.Get("WWW-Authenticate")),
			Server: oneLine(resp.Header.Get("Server"), 80), Location: oneLine(resp.Header.Get("Location"), 200), ContentType: oneLine(resp.Header.Get("Content-Type"), 80)}
		return a, body, nil
	}
	root, _, err := get("/", "", "")
	if err != nil {
		return res, fmt.Errorf("%w: %v", ErrNotHTTP, err)
	}
	res.Root = root
	res.OrthancRealm = root.Realm == OrthancRealm
	sys, body, err := get("/system", "", "")
	if err == nil {
		res.System = sys
		res.OrthancRealm = res.OrthancRealm || sys.Realm == OrthancRealm
		if sys.Status == http.StatusOK {
			res.Orthanc = parseOrthancSystem(body)
		}
		if sys.Status == http.StatusUnauthorized && cfg.DefaultCredentials && ctx.Err() == nil {
			for _, c := range defaultCredentials {
				a, body, err := get("/system", c.user, c.pass)
				if err == nil && a.Status == http.StatusOK {
					res.DefaultCredentials = c.user
					if res.Orthanc == nil {
						res.Orthanc = parseOrthancSystem(body)
					}
					break
				}
			}
		}
	}
	for _, b := range qidoBases() {
		if ctx.Err() != nil {
			break
		}
		a, body, err := get(b+"/studies?limit=1", "", "")
		if err != nil || a.Status == http.StatusNotFound {
			continue
		}
		q := QIDO{Base: b, Status: a.Status}
		if a.Status == http.StatusOK {
			var items []json.RawMessage
			if json.Unmarshal(body, &items) == nil {
				q.Count = len(items)
			}
		}
		res.QIDO = append(res.QIDO, q)
	}
	if a, _, err := get("/dcm4chee-arc/aets", "", ""); err == nil && a.Status != http.StatusNotFound {
		res.Dcm4cheeAETs = a.Status
	}
	return res, nil
}

// parseOrthancSystem keeps the identity fields of an Orthanc /system
// answer; anything else (or not Orthanc) gives nil.
func parseOrthancSystem(body []byte) *OrthancSystem {
	var s OrthancSystem
	if json.Unmarshal(body, &s) != nil || s.Version == "" || s.APIVersion == 0 {
		return nil
	}
	s.Version = oneLine(s.Version, 32)
	s.Name = oneLine(s.Name, 64)
	s.DicomAet = oneLine(s.DicomAet, 16)
	return &s
}

// realmOf extracts the realm of a Basic challenge.
func realmOf(h string) string {
	i := strings.Index(strings.ToLower(h), "realm=")
	if i < 0 {
		return ""
	}
	v := h[i+len("realm="):]
	if strings.HasPrefix(v, `"`) {
		v = v[1:]
		if j := strings.IndexByte(v, '"'); j >= 0 {
			v = v[:j]
		}
	} else if j := strings.IndexAny(v, ", "); j >= 0 {
		v = v[:j]
	}
	return oneLine(v, 80)
}

// oneLine bounds a device-chosen string and removes control characters.
func oneLine(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > max {
		s = s[:max]
	}
	return s
}
