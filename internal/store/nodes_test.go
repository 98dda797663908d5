package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

func TestNodesOverTime(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	svc := func(host string, port int, transport, product string) inventory.Service {
		return inventory.Service{Host: host, Port: port, Transport: transport, Product: product}
	}
	finding := func(host string, port int, sev inventory.Severity) inventory.Finding {
		return inventory.Finding{CheckID: "x", Severity: sev, Host: host, Port: port}
	}
	// Run 1: two hosts; 10.0.0.10 with DICOM and a web viewer.
	if _, err := s.SaveRun(ctx, inventory.Run{Kind: "scan", Started: t0, Finished: t0},
		[]inventory.Service{svc("10.0.0.10", 104, "dicom", "dcmtk"), svc("10.0.0.10", 8042, "http", "orthanc"), svc("10.0.0.9", 104, "dicom", "")},
		[]inventory.Finding{finding("10.0.0.10", 104, inventory.SeverityHigh), finding("10.0.0.10", 8042, inventory.SeverityCritical), finding("10.0.0.9", 104, inventory.SeverityLow)}); err != nil {
		t.Fatal(err)
	}
	// A files run in between does not count.
	if _, err := s.SaveRun(ctx, inventory.Run{Kind: "files", Started: t0.Add(time.Hour), Finished: t0.Add(time.Hour)}, nil, nil); err != nil {
		t.Fatal(err)
	}
	// Run 3: only port 104 of 10.0.0.10, now clean; a host-wide finding.
	t1 := t0.Add(24 * time.Hour)
	if _, err := s.SaveRun(ctx, inventory.Run{Kind: "scan", Started: t1, Finished: t1},
		[]inventory.Service{svc("10.0.0.10", 104, "dicom", "dcmtk")},
		[]inventory.Finding{finding("10.0.0.10", 0, inventory.SeverityInfo)}); err != nil {
		t.Fatal(err)
	}
	nodes, err := s.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 2 {
		t.Fatalf("got %d nodes, want 2", len(nodes))
	}
	a, b := nodes[0], nodes[1]
	// 10.0.0.9 sorts before 10.0.0.10 (numerically).
	if a.Host != "10.0.0.9" || b.Host != "10.0.0.10" {
		t.Fatalf("order: %s, %s", a.Host, b.Host)
	}
	if a.InLatestScan || a.Scans != 1 || !a.LastSeen.Equal(t0) || a.Findings["low"] != 1 {
		t.Errorf("10.0.0.9 = %+v", a)
	}
	if !b.InLatestScan || b.Scans != 2 || !b.FirstSeen.Equal(t0) || !b.LastSeen.Equal(t1) {
		t.Errorf("10.0.0.10 = %+v", b)
	}
	// The web viewer, not scanned in run 3, keeps its run-1 record and findings;
	// port 104's run-1 finding is superseded by run 3's clean result.
	var ports []int
	for _, sv := range b.Services {
		ports = append(ports, sv.Port)
	}
	if !cmp.Equal(ports, []int{104, 8042}) || !b.Services[0].LastSeen.Equal(t1) || !b.Services[1].LastSeen.Equal(t0) {
		t.Errorf("services = %+v", b.Services)
	}
	if want := map[string]int{"critical": 1, "info": 1}; !cmp.Equal(b.Findings, want) {
		t.Errorf("findings = %v, want %v", b.Findings, want)
	}
}

func TestNodesEmpty(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if nodes, err := s.Nodes(ctx); err != nil || len(nodes) != 0 {
		t.Fatalf("Nodes = %v, %v", nodes, err)
	}
}
