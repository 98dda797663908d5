package testpeer_test

import (
	"context"
	"testing"

	"github.com/pacsguard/pacsguard/internal/dicom/scu"
	"github.com/pacsguard/pacsguard/internal/dicom/testpeer"
)

// A test that needs a real storescp: started on a free loopback port with
// a temporary directory, stopped when the test ends, skipped (or failed
// under PACSGUARD_REQUIRE_PEERS=1) when DCMTK is missing.
func ExampleStoreSCPForTest() {
	t := &testing.T{} // in a real test, the test's *testing.T
	p := testpeer.StoreSCPForTest(t, testpeer.StoreSCPOptions{AE: "STORESCP", NoDelay: true})
	a, out, err := scu.Associate(context.Background(), scu.Config{Addr: p.Addr(), CalledAE: p.AE})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(context.Background())
	_ = out.ImplementationVersionName // "OFFIS_DCMTK_367" on Debian 12
}

// One Orthanc for a whole test binary, from TestMain (it takes seconds to
// start): StartOrthanc and Stop, with configuration keys overriding
// Debian's packaged defaults.
func ExampleStartOrthanc() {
	dir := "/tmp/example" // in TestMain, os.MkdirTemp
	o, err := testpeer.StartOrthanc(context.Background(), dir, testpeer.OrthancOptions{
		AE:     "SECUREPACS",
		Config: map[string]any{"DicomCheckCalledAet": true, "DicomAlwaysAllowEcho": false},
	})
	if err != nil {
		return
	}
	defer o.Stop(0)
}
