package scu_test

import (
	"context"
	"errors"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
	"github.com/pacsguard/pacsguard/internal/dicom/scp"
	"github.com/pacsguard/pacsguard/internal/dicom/scu"
	"github.com/pacsguard/pacsguard/internal/testsupport/loopback"
)

// recordingDialer is an injected dialer that records what it was asked.
type recordingDialer struct {
	d     net.Dialer
	addrs []string
}

func (r *recordingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	r.addrs = append(r.addrs, addr)
	return r.d.DialContext(ctx, network, addr)
}

// fakeServer answers every connection with reply (after reading a little)
// and then holds the connection open until the client closes it.
func fakeServer(t *testing.T, reply []byte) string {
	t.Helper()
	return loopback.Serve(t, 5*time.Second, func(c net.Conn) {
		c.Read(make([]byte, 64<<10))
		c.Write(reply)
		loopback.Drain(c)
	})
}

func TestAssociateNotDICOM(t *testing.T) {
	addr := fakeServer(t, []byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
	before := runtime.NumGoroutine()
	d := &recordingDialer{}
	_, out, err := scu.Associate(tctx(t), scu.Config{Dialer: d, Addr: addr})
	if !errors.Is(err, scu.ErrNotDICOM) {
		t.Fatalf("err = %v, want ErrNotDICOM", err)
	}
	if !out.NotDICOM || string(out.Prefix[:8]) != "HTTP/1.1" {
		t.Errorf("outcome %+v", out)
	}
	if len(d.addrs) != 1 || d.addrs[0] != addr {
		t.Errorf("dialer asked for %v", d.addrs)
	}
	loopback.Settle(t, before)
}

func TestAssociateSilentPeerTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			time.Sleep(2 * time.Second)
			c.Close()
		}
	}()
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err = scu.Associate(ctx, scu.Config{Addr: ln.Addr().String()})
	if err == nil || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %s", err, time.Since(start))
	}
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, scu.ErrTimeout) {
		t.Errorf("err = %v, want a timeout", err)
	}
	loopback.Settle(t, before)
}

func TestAssociateNoAcceptableContext(t *testing.T) {
	srv, err := scp.New(scp.Config{Policy: scp.Policy{Unknown: scp.AllServices}})
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	defer func() { cancel(); <-done }()
	_, out, err := scu.Associate(tctx(t), scu.Config{Addr: ln.Addr().String(), Contexts: []scu.Proposal{{AbstractSyntax: "1.2.3.4"}}})
	if !errors.Is(err, scu.ErrNoAcceptableContext) {
		t.Fatalf("err = %v", err)
	}
	if !out.Accepted || len(out.Contexts) != 1 || out.Contexts[0].Result != pdu.ContextAbstractSyntaxNotSupported {
		t.Errorf("outcome %+v", out)
	}
}

func TestAssociateConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  scu.Config
	}{
		{"AE too long", scu.Config{Addr: "127.0.0.1:1", CalledAE: "ABCDEFGHIJKLMNOPQ"}},
		{"too many contexts", scu.Config{Addr: "127.0.0.1:1", Contexts: make([]scu.Proposal, 129)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := scu.Associate(tctx(t), tt.cfg); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestReleaseAfterContextDone(t *testing.T) {
	srv, err := scp.New(scp.Config{Policy: scp.Policy{Unknown: scp.AllServices}})
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	sctx, scancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(sctx, ln); close(done) }()
	defer func() { scancel(); <-done }()
	ctx, cancel := context.WithCancel(context.Background())
	a, _, err := scu.Associate(ctx, scu.Config{Addr: ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := a.Release(ctx); err != nil {
		t.Errorf("release with a done context: %v (want a real A-RELEASE)", err)
	}
}
