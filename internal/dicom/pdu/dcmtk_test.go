package pdu

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDCMTKCaptures decodes PDUs captured from real DCMTK tools and checks
// what a scanner reads from them.
func TestDCMTKCaptures(t *testing.T) {
	read := func(name string) PDU {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Re-encoding keeps the meaning, not every reserved byte: DCMTK
		// sends 0xFF in the reserved result byte of RQ presentation
		// context items, which we write as 0.
		enc, err := Encode(p)
		if err != nil {
			t.Fatalf("%s: re-encode: %v", name, err)
		}
		if len(enc) != len(b) {
			t.Errorf("%s: re-encoding is %d bytes, DCMTK's %d", name, len(enc), len(b))
		}
		p2, err := Decode(enc)
		if err != nil {
			t.Fatalf("%s: decode of re-encoding: %v", name, err)
		}
		if diff := cmp.Diff(p2, p, cmpOpts()); diff != "" {
			t.Errorf("%s: round trip differs:\n%s", name, diff)
		}
		return p
	}
	rq := read("dcmtk-getscu-rq.pdu").(*AssociateRQ)
	if got := len(rq.PresentationContexts); got < 100 {
		t.Errorf("getscu proposes %d contexts", got)
	}
	if got := len(rq.UserInfo.RoleSelections); got < 50 {
		t.Errorf("getscu proposes %d role selections", got)
	}
	if !strings.HasPrefix(rq.UserInfo.ImplementationVersionName, "OFFIS_DCMTK_") || rq.CalledAE != "PUBLICQR" || rq.CallingAE != "WS1" {
		t.Errorf("getscu RQ: %q %q→%q", rq.UserInfo.ImplementationVersionName, rq.CallingAE, rq.CalledAE)
	}
	ac := read("dcmtk-storescp-ac.pdu").(*AssociateAC)
	if !ac.UserInfo.HasMaxLength || ac.UserInfo.MaxLength != 16384 || ac.UserInfo.ImplementationClassUID != "1.2.276.0.7230010.3.0.3.6.7" {
		t.Errorf("storescp AC user info %+v", ac.UserInfo)
	}
	rj := read("dcmtk-dcmqrscp-rj.pdu").(*AssociateRJ)
	if *rj != (AssociateRJ{Result: RejectPermanent, Source: RejectSourceServiceUser, Reason: RejectReasonCalledAENotRecognized}) {
		t.Errorf("dcmqrscp RJ %+v", *rj)
	}
	read("dcmtk-findscu-rq.pdu")
	read("dcmtk-echoscu-rq.pdu")
	read("dcmtk-release-rp.pdu")
}
