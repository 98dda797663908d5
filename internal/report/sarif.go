package report

import (
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pacsguard/pacsguard/internal/check"
	"github.com/pacsguard/pacsguard/internal/inventory"
)

// SARIF 2.1.0 (OASIS). Only the parts pacsguard fills are modelled; the test
// validates the output against the official schema.
const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name,omitempty"`
	ShortDescription sarifText      `json:"shortDescription"`
	FullDescription  *sarifText     `json:"fullDescription,omitempty"`
	Help             *sarifText     `json:"help,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

// WriteSARIF writes findings as one SARIF 2.1.0 run. Rules come from the
// catalogue where the check is catalogued, else from the finding itself
// (dynamic checks such as vuln.<ID>).
func WriteSARIF(w io.Writer, tool Tool, findings []inventory.Finding, cat *check.Catalogue) error {
	fs := append([]inventory.Finding(nil), findings...)
	SortFindings(fs)
	run := sarifRun{
		Tool:    sarifTool{Driver: sarifDriver{Name: tool.Name, Version: tool.Version, InformationURI: tool.URI, Rules: []sarifRule{}}},
		Results: []sarifResult{},
	}
	ruleIndex := map[string]int{}
	for _, f := range fs {
		idx, ok := ruleIndex[f.CheckID]
		if !ok {
			idx = len(run.Tool.Driver.Rules)
			ruleIndex[f.CheckID] = idx
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleFor(f, cat))
		}
		msg := f.Title
		if ev := evidenceText(f); ev != "" {
			msg += ": " + ev
		}
		res := sarifResult{
			RuleID:              f.CheckID,
			RuleIndex:           idx,
			Level:               sarifLevel(f.Severity),
			Message:             sarifText{Text: msg},
			Locations:           []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: locationURI(f)}}}},
			PartialFingerprints: map[string]string{"pacsguardFinding/v1": f.CheckID + "|" + f.Location()},
			Properties:          map[string]any{"severity": f.Severity.String()},
		}
		if f.Confidence != "" {
			res.Properties["confidence"] = f.Confidence
		}
		run.Results = append(run.Results, res)
	}
	return WriteJSON(w, sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

func sarifRuleFor(f inventory.Finding, cat *check.Catalogue) sarifRule {
	r := sarifRule{ID: f.CheckID, Name: ruleName(f.CheckID), ShortDescription: sarifText{Text: f.Title}}
	sev := f.Severity
	refs := f.References
	help := f.Remediation
	if cat != nil {
		if ch, ok := cat.Get(f.CheckID); ok {
			r.ShortDescription = sarifText{Text: ch.Title}
			if d := strings.TrimSpace(ch.Description); d != "" {
				r.FullDescription = &sarifText{Text: d}
			}
			help = strings.TrimSpace(ch.Remediation)
			sev = ch.Severity
			refs = ch.References.All()
		}
	}
	if help != "" {
		r.Help = &sarifText{Text: help}
	}
	r.Properties = map[string]any{
		"security-severity": securitySeverity(sev),
		"tags":              append([]string{"security"}, refs...),
	}
	return r
}

// ruleName turns "dicom.any-called-ae" into "DicomAnyCalledAe" as SARIF suggests.
func ruleName(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		if r == '.' || r == '-' || r == '_' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}

func sarifLevel(s inventory.Severity) string {
	switch {
	case s >= inventory.SeverityHigh:
		return "error"
	case s == inventory.SeverityMedium:
		return "warning"
	default:
		return "note"
	}
}

// securitySeverity is the numeric score code-scanning tools read from rules.
func securitySeverity(s inventory.Severity) string {
	switch s {
	case inventory.SeverityCritical:
		return "9.5"
	case inventory.SeverityHigh:
		return "8.0"
	case inventory.SeverityMedium:
		return "5.5"
	case inventory.SeverityLow:
		return "3.0"
	default:
		return "0.0"
	}
}

// locationURI names where a finding is: a file URI for files, a scheme://host:port
// for network services.
func locationURI(f inventory.Finding) string {
	switch {
	case f.Path != "":
		p := filepath.ToSlash(f.Path)
		if filepath.IsAbs(f.Path) {
			return (&url.URL{Scheme: "file", Path: p}).String()
		}
		return (&url.URL{Path: p}).String()
	case f.Host != "":
		scheme := "tcp"
		if strings.HasPrefix(f.CheckID, "dicom") {
			scheme = "dicom"
		} else if strings.HasPrefix(f.CheckID, "http") || strings.HasPrefix(f.CheckID, "dicomweb") {
			scheme = "http"
		}
		host := f.Host
		if f.Port != 0 {
			host = net.JoinHostPort(f.Host, strconv.Itoa(f.Port))
		} else if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		return fmt.Sprintf("%s://%s", scheme, host)
	default:
		return "unknown:"
	}
}
