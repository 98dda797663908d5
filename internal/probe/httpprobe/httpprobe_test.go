package httpprobe

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type fakeOrthanc struct {
	secure  bool // 401 with the Orthanc realm unless orthanc:orthanc
	mu      sync.Mutex
	methods map[string]int
}

func (f *fakeOrthanc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.methods[r.Method]++
	f.mu.Unlock()
	if f.secure {
		u, p, ok := r.BasicAuth()
		if !ok || u != "orthanc" || p != "orthanc" {
			w.Header().Set("WWW-Authenticate", `Basic realm="Orthanc Secure Area"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	switch r.URL.Path {
	case "/":
		http.Redirect(w, r, "app/explorer.html", http.StatusMovedPermanently)
	case "/system":
		w.Write([]byte(`{"ApiVersion":16,"DicomAet":"ORTHANC","DicomPort":4242,"HttpPort":8042,"IsHttpServerSecure":false,"Name":"X\u001b[31m","Version":"1.10.1"}`))
	case "/dicom-web/studies":
		w.Header().Set("Content-Type", "application/dicom+json")
		w.Write([]byte(`[{"00100010":{"vr":"PN","Value":[{"Alphabetic":"SECRET^PATIENT"}]}}]`))
	default:
		http.NotFound(w, r)
	}
}

func probe(t *testing.T, h http.Handler, creds bool) *Result {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	host, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	p, _ := strconv.Atoi(port)
	res, err := Probe(context.Background(), Config{Dialer: &net.Dialer{}, DefaultCredentials: creds}, host, p, "http")
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestOpenOrthanc(t *testing.T) {
	f := &fakeOrthanc{methods: map[string]int{}}
	res := probe(t, f, false)
	secure := false
	want := &OrthancSystem{Version: "1.10.1", APIVersion: 16, Name: "X [31m", DicomAet: "ORTHANC", DicomPort: 4242, HTTPPort: 8042, IsHTTPServerSecure: &secure}
	if diff := cmp.Diff(want, res.Orthanc); diff != "" {
		t.Errorf("orthanc (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]QIDO{{Base: "/dicom-web", Status: 200, Count: 1}}, res.QIDO); diff != "" {
		t.Errorf("qido (-want +got):\n%s", diff)
	}
	if res.Root.Status != 301 || res.Root.Location != "/app/explorer.html" {
		t.Errorf("root = %+v", res.Root)
	}
	for m := range f.methods {
		if m != http.MethodGet {
			t.Errorf("probe sent %s; only GET is allowed", m)
		}
	}
}

func TestSecureOrthancRealmAndDefaultCredentials(t *testing.T) {
	res := probe(t, &fakeOrthanc{secure: true, methods: map[string]int{}}, false)
	if !res.OrthancRealm || res.Orthanc != nil || res.DefaultCredentials != "" {
		t.Errorf("safe probe of secure Orthanc: realm %v, orthanc %v, creds %q", res.OrthancRealm, res.Orthanc, res.DefaultCredentials)
	}
	if len(res.QIDO) != len(qidoBases()) || res.QIDO[0].Status != 401 || res.QIDO[0].Count != 0 {
		t.Errorf("qido = %+v, want 401 on every base", res.QIDO)
	}
	res = probe(t, &fakeOrthanc{secure: true, methods: map[string]int{}}, true)
	if res.DefaultCredentials != "orthanc" || res.Orthanc == nil {
		t.Errorf("intrusive probe: creds %q, orthanc %v", res.DefaultCredentials, res.Orthanc)
	}
}

func TestNotHTTP(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte{0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0})
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	if _, err := Probe(context.Background(), Config{Dialer: &net.Dialer{}}, "127.0.0.1", p, "http"); err == nil {
		t.Error("a DICOM A-ABORT was taken for HTTP")
	}
}

func TestRealmOf(t *testing.T) {
	for in, want := range map[string]string{`Basic realm="Orthanc Secure Area"`: OrthancRealm, `Basic realm=x, charset="UTF-8"`: "x", `Bearer`: ""} {
		if got := realmOf(in); got != want {
			t.Errorf("realmOf(%q) = %q, want %q", in, got, want)
		}
	}
}
