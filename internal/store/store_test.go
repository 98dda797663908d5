package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

func TestSaveAndReadRun(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "db", "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	run := inventory.Run{Kind: "scan", Mode: "safe", Started: now, Finished: now.Add(time.Second), Targets: []string{"127.0.0.1"}}
	svc := []inventory.Service{{Host: "127.0.0.1", Port: 104, Transport: "dicom", Product: "dcmtk"}}
	fs := []inventory.Finding{{CheckID: "dicom.no-tls", Severity: inventory.SeverityHigh, Host: "127.0.0.1", Port: 104}}
	id, err := s.SaveRun(ctx, run, svc, fs)
	if err != nil {
		t.Fatal(err)
	}
	gotRun, gotF, ok, err := s.LatestFindings(ctx, "scan")
	if err != nil || !ok {
		t.Fatalf("LatestFindings: ok=%v err=%v", ok, err)
	}
	if gotRun.ID != id || !gotRun.Started.Equal(now) || len(gotF) != 1 || gotF[0].CheckID != "dicom.no-tls" {
		t.Errorf("got %+v %+v", gotRun, gotF)
	}
	gotS, err := s.RunServices(ctx, id)
	if err != nil || len(gotS) != 1 || gotS[0].Product != "dcmtk" {
		t.Errorf("RunServices = %+v, %v", gotS, err)
	}
}
