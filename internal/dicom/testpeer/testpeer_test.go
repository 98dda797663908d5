package testpeer

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pacsguard/pacsguard/internal/dicom"
)

func TestStoreSCPStartStop(t *testing.T) {
	p := StoreSCPForTest(t, StoreSCPOptions{AE: "SINK", Ignore: true})
	if !listening(p.Port) {
		t.Fatalf("storescp not listening on %d", p.Port)
	}
	if err := p.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if !p.Exited() {
		t.Error("storescp still running after Stop")
	}
}

func TestDcmQRSCPStartStop(t *testing.T) {
	p := DcmQRSCPForTest(t, DcmQRSCPOptions{Hosts: []HostEntry{{Name: "dest", AE: "DEST", Host: "127.0.0.1", Port: 11114}}})
	if !listening(p.Port) {
		t.Fatalf("dcmqrscp not listening on %d", p.Port)
	}
	cfg, err := os.ReadFile(filepath.Join(p.Dir, "dcmqrscp.cfg"))
	if err != nil || len(cfg) == 0 {
		t.Fatalf("config: %v", err)
	}
}

func TestStartFailsCleanly(t *testing.T) {
	Require(t, StoreSCP)
	// An invalid option makes storescp exit: start must report it, not hang.
	_, err := StartStoreSCP(context.Background(), t.TempDir(), StoreSCPOptions{Args: []string{"--no-such-option"}})
	if err == nil {
		t.Fatal("start succeeded with an invalid option")
	}
}

func TestSyntheticFiles(t *testing.T) {
	dir := t.TempDir()
	paths, err := WriteSyntheticFiles(dir, 2, 4096)
	if err != nil {
		t.Fatal(err)
	}
	f, err := dicom.ReadFile(paths[1], dicom.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.DataSet.String(dicom.TagPatientName); got != "PG^SYNTHETIC2" {
		t.Errorf("patient name %q", got)
	}
	if got, _ := f.Meta.String(dicom.TagMediaStorageSOPInst); got != (Synthetic{Patient: 2, Study: 1, Series: 1, Instance: 2}).InstanceUID() {
		t.Errorf("instance UID %q", got)
	}
}
