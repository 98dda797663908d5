package check

import (
	"testing"
	"testing/fstest"
)

func TestEmbeddedCatalogueLoads(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.All()) == 0 {
		t.Fatal("empty catalogue")
	}
}

func TestLoadRejects(t *testing.T) {
	tests := []struct{ name, yaml string }{
		{"unknown field", "schema: pacsguard.checks/v1\nversion: 1\nchecks:\n  - id: a.b\n    title: t\n    severity: low\n    engine: x\n    remediation: r\n    colour: red\n"},
		{"bad schema", "schema: other\nversion: 1\nchecks: []\n"},
		{"bad severity", "schema: pacsguard.checks/v1\nversion: 1\nchecks:\n  - id: a.b\n    title: t\n    severity: dire\n    engine: x\n    remediation: r\n"},
		{"bad HICP ref", "schema: pacsguard.checks/v1\nversion: 1\nchecks:\n  - id: a.b\n    title: t\n    severity: low\n    engine: x\n    remediation: r\n    references: {hicp: [\"11.S.A\"]}\n"},
		{"duplicate", "schema: pacsguard.checks/v1\nversion: 1\nchecks:\n  - {id: a.b, title: t, severity: low, engine: x, remediation: r}\n  - {id: a.b, title: t, severity: low, engine: x, remediation: r}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"c/x.yaml": {Data: []byte(tt.yaml)}}
			if _, err := LoadFS(fsys, "c"); err == nil {
				t.Error("LoadFS succeeded, want an error")
			}
		})
	}
}
