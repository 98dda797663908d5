package scp_test

import (
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/dicom/scp"
	"github.com/pacsguard/pacsguard/internal/dicom/scu"
	"github.com/pacsguard/pacsguard/internal/dicom/testpeer"
)

// tool runs a DCMTK client and fails the test with its output on error.
func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	testpeer.Require(t, name)
	out, err := testpeer.RunTool(context.Background(), name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func hostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	return addr[:i], addr[i+1:]
}

// TestInteropDCMTKClients drives our SCP with echoscu, storescu, findscu,
// movescu and getscu.
func TestInteropDCMTKClients(t *testing.T) {
	dest := testpeer.StoreSCPForTest(t, testpeer.StoreSCPOptions{AE: "DEST", NoDelay: true})
	archive, err := scp.NewArchive(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, scp.Config{
		Policy: scp.Policy{AE: "PACS", CheckCalledAE: true, Peers: []scp.Peer{{AE: "WS1", Hosts: []string{"127.0.0.1"}, Allow: scp.AllServices}}},
		Store:  archive, Find: archive, Retrieve: archive,
		Destinations: map[string]string{"DEST": dest.Addr()},
	})
	host, port := hostPort(t, addr)
	dir := t.TempDir()
	files, err := testpeer.WriteSyntheticFiles(dir, 4, 100<<10)
	if err != nil {
		t.Fatal(err)
	}
	study := testpeer.Synthetic{Patient: 1, Study: 1}.StudyUID()
	common := []string{"-aet", "WS1", "-aec", "PACS"}

	t.Run("echoscu", func(t *testing.T) {
		tool(t, "echoscu", append(common, host, port)...)
	})
	t.Run("echoscu unknown calling AE rejected", func(t *testing.T) {
		testpeer.Require(t, "echoscu")
		out, err := testpeer.RunTool(context.Background(), "echoscu", "-aet", "NOBODY", "-aec", "PACS", host, port)
		if err == nil || !strings.Contains(out, "Calling AE Title Not Recognized") {
			t.Errorf("echoscu as NOBODY: %v\n%s", err, out)
		}
	})
	t.Run("storescu", func(t *testing.T) {
		tool(t, "storescu", append(append(common, host, port), files...)...)
		if got := archive.Len(); got != 4 {
			t.Errorf("archive holds %d, want 4", got)
		}
	})
	t.Run("findscu", func(t *testing.T) {
		out := tool(t, "findscu", append(common, "-v", "-P", "-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientName", "-k", "PatientID", host, port)...)
		if got := len(regexp.MustCompile(`Find Response: \d+ \(Pending\)`).FindAllString(out, -1)); got != 3 {
			t.Errorf("findscu got %d pending responses, want 3\n%s", got, out)
		}
	})
	t.Run("movescu", func(t *testing.T) {
		tool(t, "movescu", append(common, "-v", "-aem", "DEST", "-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID="+study, host, port)...)
		got, _ := os.ReadDir(dest.StorageDir)
		if len(got) != 2 { // instances 1 and 4 are patient 1's
			t.Errorf("destination received %d objects, want 2\n%s", len(got), dest.Log())
		}
	})
	t.Run("getscu", func(t *testing.T) {
		od := t.TempDir()
		tool(t, "getscu", append(common, "-v", "-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID="+study, "-od", od, host, port)...)
		got, _ := os.ReadDir(od)
		if len(got) != 2 {
			t.Errorf("getscu received %d objects, want 2", len(got))
		}
		for _, e := range got {
			if _, err := dicom.ReadFile(filepath.Join(od, e.Name()), dicom.ReadOptions{}); err != nil {
				t.Errorf("%s: %v", e.Name(), err)
			}
		}
	})
}

// TestInteropTLS: DCMTK clients against our TLS SCP, our SCU against a
// DCMTK TLS SCP; client certificates required on both sides.
func TestInteropTLS(t *testing.T) {
	pki, err := testpeer.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	archive, _ := scp.NewArchive("")
	addr := serve(t, scp.Config{Policy: scp.Policy{Unknown: scp.AllServices}, Store: archive, TLS: &tls.Config{
		Certificates: []tls.Certificate{pki.Server}, ClientCAs: pki.Pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}})
	host, port := hostPort(t, addr)
	files, err := testpeer.WriteSyntheticFiles(t.TempDir(), 2, 10<<10)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("echoscu and storescu over TLS", func(t *testing.T) {
		tool(t, "echoscu", append(pki.DCMTKClientTLSArgs(), host, port)...)
		tool(t, "storescu", append(append(pki.DCMTKClientTLSArgs(), host, port), files...)...)
		if archive.Len() != 2 {
			t.Errorf("archive holds %d, want 2", archive.Len())
		}
	})
	t.Run("echoscu without TLS is refused", func(t *testing.T) {
		testpeer.Require(t, "echoscu")
		if out, err := testpeer.RunTool(context.Background(), "echoscu", host, port); err == nil {
			t.Errorf("plain echoscu succeeded against a TLS port\n%s", out)
		}
	})
	t.Run("our SCU against storescp +tls", func(t *testing.T) {
		p := testpeer.StoreSCPForTest(t, testpeer.StoreSCPOptions{NoDelay: true, Args: pki.DCMTKServerTLSArgs(true)})
		ctx := ctxT(t)
		cfg := scu.Config{Addr: p.Addr(), TLS: &tls.Config{RootCAs: pki.Pool, Certificates: []tls.Certificate{pki.Client}, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12},
			Contexts: []scu.Proposal{{AbstractSyntax: scu.VerificationSOPClass}, {AbstractSyntax: testpeer.CTImageStorage}}}
		a, out, err := scu.Associate(ctx, cfg)
		if err != nil {
			t.Fatalf("%v\n%s", err, p.Log())
		}
		if out.TLS == nil || out.TLS.Version < tls.VersionTLS12 {
			t.Errorf("TLS state %+v", out.TLS)
		}
		if st, err := a.Echo(ctx); err != nil || st != 0 {
			t.Fatalf("echo: %v", err)
		}
		if st, err := a.StoreFile(ctx, files[0]); err != nil || st != 0 {
			t.Fatalf("store: 0x%04X %v", st, err)
		}
		if err := a.Release(ctx); err != nil {
			t.Error(err)
		}
		// Without a client certificate storescp refuses the handshake.
		cfg.TLS = &tls.Config{RootCAs: pki.Pool, ServerName: "127.0.0.1"}
		if a, _, err := scu.Associate(ctx, cfg); err == nil {
			a.Release(ctx)
			t.Error("association without a client certificate succeeded")
		}
	})
}
