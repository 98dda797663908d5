// Package inventory holds the domain objects every engine produces and the
// store keeps: nodes, their services, findings and the evidence behind them.
// It has no SQL and no I/O. Nothing here may hold patient data: evidence
// records what was observed (counts, statuses, identifiers of software), never
// names, IDs or dates of patients.
package inventory

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Severity orders findings. The JSON form is the lower-case name.
type Severity int

const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s >= 0 && int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// ParseSeverity reads a severity name.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want info, low, medium, high or critical)", s)
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Transport of a service.
const (
	TransportDICOM    = "dicom"
	TransportDICOMTLS = "dicom-tls"
	TransportHTTP     = "http"
	TransportHTTPS    = "https"
)

// Node is one host on the network.
type Node struct {
	Host     string    `json:"host"` // IP address as scanned
	Name     string    `json:"name,omitempty"`
	Services []Service `json:"services,omitempty"`
}

// Service is one listening service on a node and what was learned about it.
type Service struct {
	Host      string `json:"host"`
	Port      int    `json:"port"`
	Transport string `json:"transport"` // dicom, dicom-tls, http, https
	// AETitles are called AE titles the node was found to answer to.
	AETitles                  []string `json:"ae_titles,omitempty"`
	ImplementationClassUID    string   `json:"implementation_class_uid,omitempty"`
	ImplementationVersionName string   `json:"implementation_version_name,omitempty"`
	MaxPDULength              uint32   `json:"max_pdu_length,omitempty"`
	Product                   string   `json:"product,omitempty"` // normalised product ID, e.g. "dcmtk", "orthanc"
	Version                   string   `json:"version,omitempty"`
	// Confidence in product and version: "exact", "inferred", "product-only", "unknown".
	Confidence string   `json:"confidence,omitempty"`
	Roles      []string `json:"roles,omitempty"` // archive, storage, worklist, query-retrieve, viewer...
	// Notes explain the fingerprint, e.g. that the association looks identical
	// for Orthanc and DCMTK tools.
	Notes []string `json:"notes,omitempty"`
}

// Key identifies a service across scans.
func (s Service) Key() string { return fmt.Sprintf("%s:%d/%s", s.Host, s.Port, s.Transport) }

// Evidence is one observation behind a finding.
type Evidence struct {
	Probe    string    `json:"probe"`              // which probe observed it
	Observed string    `json:"observed"`           // what was seen, in words; never patient data
	At       time.Time `json:"at,omitzero"`        // when
	Data     string    `json:"data,omitempty"`     // machine-readable detail (status codes, counts)
	Artifact string    `json:"artifact,omitempty"` // file path or similar locator
}

// Finding is one problem found, keyed by a check in the catalogue.
type Finding struct {
	CheckID     string     `json:"check_id"`
	Severity    Severity   `json:"severity"`
	Title       string     `json:"title"`
	Host        string     `json:"host,omitempty"`
	Port        int        `json:"port,omitempty"`
	Path        string     `json:"path,omitempty"` // for file findings
	Evidence    []Evidence `json:"evidence,omitempty"`
	Remediation string     `json:"remediation,omitempty"`
	References  []string   `json:"references,omitempty"` // CVE-…, HICP:1.S.A, CSF:PR.DS-02, URLs
	// Confidence of the finding where it is not certain (e.g. version inferred).
	Confidence string `json:"confidence,omitempty"`
}

// Location is where the finding is: host:port or a path.
func (f Finding) Location() string {
	switch {
	case f.Path != "":
		return f.Path
	case f.Port != 0:
		return net.JoinHostPort(f.Host, strconv.Itoa(f.Port))
	default:
		return f.Host
	}
}

// Run describes one execution of an engine.
type Run struct {
	ID       int64     `json:"id,omitempty"`
	Kind     string    `json:"kind"` // scan, files, verify...
	Mode     string    `json:"mode"` // safe, intrusive, intrusive+store, discovery...
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Targets  []string  `json:"targets,omitempty"`
}
