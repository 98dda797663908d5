package vulndb

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func TestEmbeddedDatabaseLoads(t *testing.T) {
	db, err := LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	if got := db.Info().Embedded; got < 60 {
		t.Errorf("embedded advisories = %d, want the whole reference table (60 or more)", got)
	}
}

func TestLoadRejects(t *testing.T) {
	const head = "schema: pacsguard.vulndb/v1\nrevision: 1\nupdated: \"2026-11-29\"\nadvisories:\n"
	const ok = "  - id: CVE-2022-2121\n    product: dcmtk\n    affected: [{fixed: \"3.6.7\"}]\n    summary: s\n    surface: [file]\n    fix: f\n    references: [https://example.org/x]\n    verified: true\n"
	tests := []struct{ name, yaml string }{
		{"unknown field", head + ok + "    colour: red\n"},
		{"bad schema", strings.Replace(head, "pacsguard.vulndb/v1", "other/v9", 1) + ok},
		{"no revision", strings.Replace(head, "revision: 1", "revision: 0", 1) + ok},
		{"unknown product", head + strings.Replace(ok, "dcmtk", "dcmtkk", 1)},
		{"bad id", head + strings.Replace(ok, "CVE-2022-2121", "CVE-22-1", 1)},
		{"bad version", head + strings.Replace(ok, `"3.6.7"`, `"x.y"`, 1)},
		{"empty range", head + strings.Replace(ok, `{fixed: "3.6.7"}`, `{}`, 1)},
		{"inverted range", head + strings.Replace(ok, `{fixed: "3.6.7"}`, `{introduced: "3.6.8", fixed: "3.6.7"}`, 1)},
		{"two lines summary", head + strings.Replace(ok, "summary: s", "summary: \"a\\nb\"", 1)},
		{"bad surface", head + strings.Replace(ok, "[file]", "[email]", 1)},
		{"reference not URL", head + strings.Replace(ok, "https://example.org/x", "see NVD", 1)},
		{"unverified without notes", head + strings.Replace(ok, "verified: true", "verified: false", 1)},
		{"disputed range without flag", head + strings.Replace(ok, `{fixed: "3.6.7"}`, `{fixed: "3.6.7", disputed: true}`, 1)},
		{"duplicate", head + ok + ok},
		{"cvss out of range", head + ok + "    cvss_v3: {score: 11}\n"},
		{"cvss v4 vector in v3", head + ok + "    cvss_v3: {vector: \"CVSS:4.0/AV:N\", score: 5}\n"},
		{"two documents", head + ok + "---\n" + head},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"d/x.yaml": {Data: []byte(tt.yaml)}}
			_, err := LoadFS(fsys, "d")
			if !errors.Is(err, ErrFormat) {
				t.Errorf("LoadFS error = %v, want ErrFormat", err)
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		fsys := fstest.MapFS{"d/x.yaml": {Data: []byte(head + ok)}}
		if _, err := LoadFS(fsys, "d"); err != nil {
			t.Fatal(err)
		}
	})
}
