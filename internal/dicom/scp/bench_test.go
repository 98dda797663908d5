package scp_test

import (
	"context"
	"net"
	"testing"

	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/dicom/scp"
	"github.com/pacsguard/pacsguard/internal/dicom/scu"
	"github.com/pacsguard/pacsguard/internal/dicom/testpeer"
	"github.com/pacsguard/pacsguard/internal/dicom/ul"
)

// BenchmarkStore measures C-STORE through our SCU into our SCP over
// loopback with 16 KiB PDUs (profiling aid; bench/store.sh is the
// side-by-side comparison with DCMTK).
func BenchmarkStore(b *testing.B) {
	srv, err := scp.New(scp.Config{Policy: scp.Policy{Unknown: scp.AllServices}, Store: scp.Discard{}, UL: ul.Config{MaxPDU: 16384}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan struct{})
	go func() {
		srv.ListenAndServe(ctx, "127.0.0.1:0", ready)
		close(done)
	}()
	defer func() { cancel(); <-done }()
	addr := (<-ready).String()
	obj := testpeer.Synthetic{Patient: 1, Study: 1, Series: 1, Instance: 1, PixelBytes: 2 << 20}
	data, err := obj.Encode(dicom.ExplicitVRLittleEndian)
	if err != nil {
		b.Fatal(err)
	}
	a, _, err := scu.Associate(ctx, scu.Config{Addr: addr, MaxPDU: 16384, Contexts: []scu.Proposal{{AbstractSyntax: testpeer.CTImageStorage}}})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Release(ctx)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if st, err := a.Store(ctx, testpeer.CTImageStorage, obj.InstanceUID(), dicom.ExplicitVRLittleEndian, data); err != nil || st != 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssociation measures connect, negotiate, C-ECHO, release.
func BenchmarkAssociation(b *testing.B) {
	srv, err := scp.New(scp.Config{Policy: scp.Policy{Unknown: scp.AllServices}, UL: ul.Config{MaxPDU: 16384}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan struct{})
	go func() {
		srv.ListenAndServe(ctx, "127.0.0.1:0", ready)
		close(done)
	}()
	defer func() { cancel(); <-done }()
	addr := (<-ready).String()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a, _, err := scu.Associate(ctx, scu.Config{Addr: addr, MaxPDU: 16384})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.Echo(ctx); err != nil {
			b.Fatal(err)
		}
		if err := a.Release(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
