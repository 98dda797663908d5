package store

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

// Node is a host that scans have seen, over time: when it was first and
// last seen, by how many scan runs, and each service as the newest scan
// that saw that service found it (a scan of one port does not hide the
// others), with that scan's findings on it.
type Node struct {
	Host      string    `json:"host"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	Scans     int       `json:"scans"`    // scan runs that saw it
	LastRun   int64     `json:"last_run"` // the newest of them
	// InLatestScan says the newest scan run saw it. A node it did not see
	// may be gone, switched off, or outside that scan's targets.
	InLatestScan bool          `json:"in_latest_scan"`
	Services     []NodeService `json:"services"`
	// Findings counts, by severity, each service's findings from the
	// newest scan that saw it and the host-wide ones from LastRun.
	Findings map[string]int `json:"findings"`
}

// NodeService is a service with the newest scan run that saw it.
type NodeService struct {
	inventory.Service
	LastSeen time.Time `json:"last_seen"`
	LastRun  int64     `json:"last_run"`
}

// Nodes lists every host recorded by scan runs, in address order.
func (s *Store) Nodes(ctx context.Context) ([]Node, error) {
	var latest int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM runs WHERE kind = 'scan'`).Scan(&latest); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT sv.host, MIN(r.started), MAX(r.started), COUNT(DISTINCT r.id), MAX(r.id)
		FROM services sv JOIN runs r ON r.id = sv.run_id WHERE r.kind = 'scan' GROUP BY sv.host`)
	if err != nil {
		return nil, err
	}
	var nodes []Node
	for rows.Next() {
		var n Node
		var first, last string
		if err := rows.Scan(&n.Host, &first, &last, &n.Scans, &n.LastRun); err != nil {
			rows.Close()
			return nil, err
		}
		n.FirstSeen, _ = time.Parse(time.RFC3339Nano, first)
		n.LastSeen, _ = time.Parse(time.RFC3339Nano, last)
		n.InLatestScan = n.LastRun == latest
		nodes = append(nodes, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range nodes {
		if err := s.fillNode(ctx, &nodes[i]); err != nil {
			return nil, fmt.Errorf("node %s: %w", nodes[i].Host, err)
		}
	}
	slices.SortFunc(nodes, func(a, b Node) int { return compareHosts(a.Host, b.Host) })
	return nodes, nil
}

// compareHosts orders addresses numerically (127.0.0.2 before 127.0.0.10),
// IPv4 before IPv6, and names after addresses.
func compareHosts(a, b string) int {
	pa, ea := netip.ParseAddr(a)
	pb, eb := netip.ParseAddr(b)
	switch {
	case ea == nil && eb == nil:
		return pa.Compare(pb)
	case ea == nil:
		return -1
	case eb == nil:
		return 1
	}
	return strings.Compare(a, b)
}

// fillNode adds each service's newest record and the findings to n.
func (s *Store) fillNode(ctx context.Context, n *Node) error {
	rows, err := s.db.QueryContext(ctx, `SELECT sv.doc, sv.run_id, r.started FROM services sv JOIN runs r ON r.id = sv.run_id
		WHERE sv.host = ? AND sv.run_id = (SELECT MAX(s2.run_id) FROM services s2 JOIN runs r2 ON r2.id = s2.run_id
			WHERE r2.kind = 'scan' AND s2.host = sv.host AND s2.port = sv.port AND s2.transport = sv.transport)
		ORDER BY sv.port, sv.transport`, n.Host)
	if err != nil {
		return err
	}
	for rows.Next() {
		var doc, started string
		var ns NodeService
		if err := rows.Scan(&doc, &ns.LastRun, &started); err != nil {
			rows.Close()
			return err
		}
		if err := json.Unmarshal([]byte(doc), &ns.Service); err != nil {
			rows.Close()
			return err
		}
		ns.LastSeen, _ = time.Parse(time.RFC3339Nano, started)
		n.Services = append(n.Services, ns)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	n.Findings = map[string]int{}
	count := func(q string, args ...any) error {
		fr, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer fr.Close()
		for fr.Next() {
			var sev, c int
			if err := fr.Scan(&sev, &c); err != nil {
				return err
			}
			n.Findings[inventory.Severity(sev).String()] += c
		}
		return fr.Err()
	}
	done := map[[2]int64]bool{}
	for _, sv := range n.Services {
		k := [2]int64{int64(sv.Port), sv.LastRun}
		if done[k] {
			continue
		}
		done[k] = true
		if err := count(`SELECT severity, COUNT(*) FROM findings WHERE run_id = ? AND host = ? AND port = ? GROUP BY severity`, sv.LastRun, n.Host, sv.Port); err != nil {
			return err
		}
	}
	return count(`SELECT severity, COUNT(*) FROM findings WHERE run_id = ? AND host = ? AND port = 0 GROUP BY severity`, n.LastRun, n.Host)
}
