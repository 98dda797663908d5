package lab

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestDefaultIsValidAndStarts(t *testing.T) {
	before := runtime.NumGoroutine()
	l, err := Start(context.Background(), Default(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(l.Nodes()), len(Default().Nodes); got != want {
		t.Errorf("%d nodes running, want %d", got, want)
	}
	for _, n := range l.Nodes() {
		if !strings.HasPrefix(n.Addr, "127.") {
			t.Errorf("node %s listens on %s, outside loopback", n.Name, n.Addr)
		}
	}
	if err := l.Stop(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		t.Errorf("%d goroutines after Stop, %d before", n, before)
	}
}

func TestLoadRejects(t *testing.T) {
	head := "schema: pacsguard.lab/v1\nnodes:\n"
	for name, body := range map[string]string{
		"unknown field":    "  - {name: a, role: x, ae: A, colour: red}\n",
		"no nodes":         "",
		"public address":   "  - {name: a, role: x, ae: A, address: 10.0.0.1}\n",
		"bad service":      "  - {name: a, role: x, ae: A, unknown: [fly]}\n",
		"long AE":          "  - {name: a, role: x, ae: ABCDEFGHIJKLMNOPQ}\n",
		"duplicate name":   "  - {name: a, role: x, ae: A}\n  - {name: a, role: x, ae: B}\n",
		"web without web":  "  - {name: a, role: x, kind: web}\n",
		"bad refusal":      "  - {name: a, role: x, ae: A, refusal: shrug}\n",
		"bad tls version":  "  - {name: a, role: x, ae: A, tls: {min_version: '0.9'}}\n",
		"too many studies": "  - {name: a, role: x, ae: A, studies: 5000}\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Load(strings.NewReader(head + body)); err == nil {
				t.Error("Load succeeded, want an error")
			}
		})
	}
	if _, err := Load(strings.NewReader(`{"schema":"pacsguard.lab/v1","nodes":[{"name":"a","role":"archive","ae":"A","unknown":["echo"]}]}`)); err != nil {
		t.Errorf("JSON description: %v", err)
	}
}
