package lab

import (
	"bytes"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzLoad: a description that loads encodes and loads again to the same
// configuration, and never names a non-loopback address.
func FuzzLoad(f *testing.F) {
	f.Add(demoYAML)
	f.Add([]byte(`{"schema":"pacsguard.lab/v1","nodes":[{"name":"a","role":"r","ae":"A"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Load(bytes.NewReader(b))
		if err != nil {
			return
		}
		out, err := yaml.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := Load(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("re-encoded description does not load: %v\n%s", err, out)
		}
		if len(c2.Nodes) != len(c.Nodes) {
			t.Fatalf("%d nodes, then %d", len(c.Nodes), len(c2.Nodes))
		}
	})
}
