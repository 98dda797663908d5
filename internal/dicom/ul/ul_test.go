package ul

import (
	"bytes"
	"context"
	"errors"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
	"github.com/pacsguard/pacsguard/internal/testsupport/loopback"
)

func TestTableMatchesStandard(t *testing.T) {
	// Spot checks of PS3.8 Table 9-10, including both collision paths.
	tests := []struct {
		s    State
		e    Event
		want Action
		next State
	}{
		{Sta1, Evt1, AE1, Sta4},
		{Sta4, Evt2, AE2, Sta5},
		{Sta5, Evt3, AE3, Sta6},
		{Sta5, Evt4, AE4, Sta1},
		{Sta1, Evt5, AE5, Sta2},
		{Sta2, Evt6, AE6, Sta3},
		{Sta3, Evt7, AE7, Sta6},
		{Sta3, Evt8, AE8, Sta13},
		{Sta6, Evt9, DT1, Sta6},
		{Sta6, Evt10, DT2, Sta6},
		{Sta6, Evt11, AR1, Sta7},
		{Sta6, Evt12, AR2, Sta8},
		{Sta7, Evt13, AR3, Sta1},
		{Sta8, Evt14, AR4, Sta13},
		{Sta13, Evt17, AR5, Sta1},
		{Sta7, Evt10, AR6, Sta7},
		{Sta8, Evt9, AR7, Sta8},
		{Sta9, Evt14, AR9, Sta11},
		{Sta10, Evt13, AR10, Sta12},
		{Sta11, Evt13, AR3, Sta1},
		{Sta12, Evt14, AR4, Sta13},
		{Sta2, Evt3, AA1, Sta13},
		{Sta2, Evt18, AA2, Sta1},
		{Sta6, Evt16, AA3, Sta1},
		{Sta6, Evt17, AA4, Sta1},
		{Sta2, Evt17, AA5, Sta1},
		{Sta13, Evt10, AA6, Sta13},
		{Sta13, Evt6, AA7, Sta13},
		{Sta6, Evt19, AA8, Sta13},
		{Sta4, Evt15, AA2, Sta1},
	}
	for _, tt := range tests {
		got, ok := Lookup(tt.s, tt.e)
		if !ok || got != tt.want {
			t.Errorf("Lookup(%s, %s) = %s, %v; want %s", tt.s, tt.e, got, ok, tt.want)
		}
		if n := got.next(true); n != tt.next {
			t.Errorf("%s next = %s, want %s", got, n, tt.next)
		}
	}
	if _, ok := Lookup(Sta1, Evt10); ok {
		t.Error("Sta1/Evt10 has an entry; the table has none")
	}
	m := NewMachine(false)
	if _, err := m.Fire(Evt9); !errors.Is(err, ErrInvalidTransition) {
		t.Errorf("Fire(Evt9) in Sta1: err = %v", err)
	}
	// AR-8 goes to Sta9 for the requestor and Sta10 for the acceptor.
	if AR8.next(true) != Sta9 || AR8.next(false) != Sta10 {
		t.Error("AR-8 next states wrong")
	}
}

func testRQ() *pdu.AssociateRQ {
	return &pdu.AssociateRQ{ProtocolVersion: 1, CalledAE: "SCP", CallingAE: "SCU", ApplicationContext: pdu.DICOMApplicationContext,
		PresentationContexts: []pdu.PresentationContext{{ID: 1, AbstractSyntax: "1.2.840.10008.1.1", TransferSyntaxes: []string{"1.2.840.10008.1.2"}}}}
}

func acceptAll(rq *pdu.AssociateRQ) (*pdu.AssociateAC, *pdu.AssociateRJ) {
	return &pdu.AssociateAC{ProtocolVersion: 1, CalledAE: rq.CalledAE, CallingAE: rq.CallingAE, ApplicationContext: rq.ApplicationContext,
		PresentationContexts: []pdu.PresentationContextResult{{ID: 1, TransferSyntax: "1.2.840.10008.1.2"}}}, nil
}

func pair(t *testing.T, scuCfg, scpCfg Config) (*Association, *Association) {
	t.Helper()
	c1, c2 := tcpPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var acc *Association
	var accErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Not ctx: an accepted association stays bound to its context.
		acc, _, accErr = Accept(context.Background(), c2, scpCfg, acceptAll)
	}()
	req, ac, _, err := Request(ctx, c1, testRQ(), scuCfg)
	wg.Wait()
	if err != nil || accErr != nil {
		t.Fatalf("Request: %v, Accept: %v", err, accErr)
	}
	if got, want := ac.UserInfo.MaxLength, scpCfg.WithDefaults().MaxPDU; got != want {
		t.Errorf("AC max length = %d, want %d", got, want)
	}
	return req, acc
}

func TestMessageFragmentationAndRelease(t *testing.T) {
	before := runtime.NumGoroutine()
	req, acc := pair(t, Config{MaxPDU: 1000}, Config{MaxPDU: 100})
	if got, want := req.SendPDU(), uint32(100); got != want {
		t.Errorf("requestor send PDU = %d, want the acceptor's max %d", got, want)
	}
	if got, want := acc.SendPDU(), uint32(1000); got != want {
		t.Errorf("acceptor send PDU = %d, want %d", got, want)
	}
	ctx := context.Background()
	data := bytes.Repeat([]byte{7}, 1000)
	errc := make(chan error, 1)
	go func() { errc <- req.SendMessage(ctx, 1, []byte("cmd"), data) }()
	var got []byte
	var pdvs int
	for {
		p, err := acc.ReadPData(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range p.Items {
			pdvs++
			if len(v.Data) > 94 {
				t.Errorf("PDV of %d bytes exceeds max PDU 100 - 6", len(v.Data))
			}
			if !v.IsCommand() {
				got = append(got, v.Data...)
			}
			if !v.IsCommand() && v.IsLast() {
				goto done
			}
		}
	}
done:
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("reassembled %d bytes, want %d", len(got), len(data))
	}
	if want := 1 + 11; pdvs != want {
		t.Errorf("%d PDVs, want %d", pdvs, want)
	}
	go func() { errc <- req.Release(ctx) }()
	if _, err := acc.ReadPData(ctx); !errors.Is(err, ErrReleaseRequested) {
		t.Fatalf("acceptor ReadPData = %v, want ErrReleaseRequested", err)
	}
	if err := acc.ReplyRelease(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Release: %v", err)
	}
	req.Close()
	acc.Close()
	loopback.Settle(t, before)
}

func TestReleaseCollision(t *testing.T) {
	before := runtime.NumGoroutine()
	req, acc := pair(t, Config{}, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- req.Release(ctx) }()
	go func() { errs <- acc.Release(ctx) }()
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Errorf("Release in collision: %v", err)
		}
	}
	req.Close()
	acc.Close()
	loopback.Settle(t, before)
}

func TestPeerAbort(t *testing.T) {
	req, acc := pair(t, Config{}, Config{})
	go acc.Abort()
	_, err := req.ReadPData(context.Background())
	var ab *AbortError
	if !errors.As(err, &ab) || !errors.Is(err, ErrAborted) {
		t.Fatalf("err = %v, want *AbortError", err)
	}
	if got, want := ab.Source, pdu.AbortServiceUser; got != want {
		t.Errorf("source = %v, want %v", got, want)
	}
	req.Close()
	acc.Close()
}

// scriptedServer listens on loopback and answers each connection with the
// script's bytes, then keeps reading until the peer closes.
func scriptedServer(t *testing.T, reply []byte, closeAfter bool) string {
	t.Helper()
	return loopback.Serve(t, 5*time.Second, func(c net.Conn) {
		if _, _, err := pdu.ReadFrame(c, pdu.FrameLimits{}, nil); err != nil {
			return
		}
		c.Write(reply)
		if !closeAfter {
			loopback.Drain(c)
		}
	})
}

func TestRequestAnswers(t *testing.T) {
	rj, _ := pdu.Encode(&pdu.AssociateRJ{Result: 1, Source: 1, Reason: 7})
	ab, _ := pdu.Encode(&pdu.Abort{Source: 2, Reason: 1})
	tests := []struct {
		name  string
		reply []byte
		close bool
		want  error
	}{
		{"reject", rj, false, ErrRejected},
		{"abort", ab, false, ErrAborted},
		{"http", []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), false, ErrNotDICOM},
		{"4 GiB associate", []byte{2, 0, 0xFF, 0xFF, 0xFF, 0xFF}, false, ErrNotDICOM},
		{"garbage AC", []byte{2, 0, 0, 0, 0, 3, 1, 2, 3}, false, ErrNotDICOM},
		{"closed", nil, true, ErrConnectionClosed},
		{"silent", nil, false, ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			addr := scriptedServer(t, tt.reply, tt.close)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			_, _, _, err = Request(context.Background(), c, testRQ(), Config{ARTIM: 300 * time.Millisecond})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			// The connection must already be closed.
			if _, werr := c.Write([]byte{0}); !errors.Is(werr, net.ErrClosed) {
				t.Errorf("connection still open after %v", err)
			}
			var rje *RejectError
			if errors.As(err, &rje) {
				if diff := cmp.Diff(*rje, RejectError{Result: 1, Source: 1, Reason: 7}); diff != "" {
					t.Error(diff)
				}
			}
			var nd *NotDICOMError
			if tt.name == "http" && (!errors.As(err, &nd) || string(nd.Prefix) != "HTTP/1.1 400 Bad") {
				t.Errorf("NotDICOM prefix = %q", nd.Prefix)
			}
			loopback.Settle(t, before+2) // listener goroutines live until cleanup
		})
	}
}

func TestAcceptHostile(t *testing.T) {
	tests := []struct {
		name string
		send []byte
		want error
	}{
		{"http", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), ErrNotDICOM},
		{"random", []byte{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6}, ErrNotDICOM},
		{"4 GiB length", []byte{1, 0, 0xFF, 0xFF, 0xFF, 0xFF}, ErrNotDICOM},
		{"never ends", []byte{1, 0, 0, 0, 0x10, 0}, ErrTimeout},
		{"nothing", nil, ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			c1, c2 := net.Pipe()
			go func() {
				c1.Write(tt.send)
				io := make([]byte, 64)
				for {
					if _, err := c1.Read(io); err != nil {
						c1.Close()
						return
					}
				}
			}()
			_, _, err := Accept(context.Background(), c2, Config{ARTIM: 200 * time.Millisecond}, acceptAll)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			loopback.Settle(t, before)
		})
	}
}

func TestHostileDataPDU(t *testing.T) {
	tests := []struct {
		name string
		send []byte
		want error
	}{
		{"4 GiB P-DATA", []byte{4, 0, 0xFF, 0xFF, 0xFF, 0xFF}, ErrProtocol},
		{"unknown type", []byte{9, 0, 0, 0, 0, 0}, ErrProtocol},
		{"associate-rq mid-association", mustEncode(testRQ()), ErrProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			req, acc := pair(t, Config{}, Config{MaxPDU: 16384})
			go func() {
				req.conn.Write(tt.send)
			}()
			_, err := acc.ReadPData(context.Background())
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			// The requestor sees the provider abort.
			_, err = req.ReadPData(context.Background())
			if !errors.Is(err, ErrAborted) && !errors.Is(err, ErrConnectionClosed) {
				t.Errorf("requestor err = %v, want abort or close", err)
			}
			req.Close()
			acc.Close()
			loopback.Settle(t, before)
		})
	}
}

func TestCancelledRead(t *testing.T) {
	before := runtime.NumGoroutine()
	req, acc := pair(t, Config{}, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := req.ReadPData(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if _, err := acc.ReadPData(context.Background()); !errors.Is(err, ErrAborted) {
		t.Errorf("acceptor err = %v, want ErrAborted", err)
	}
	req.Close()
	acc.Close()
	loopback.Settle(t, before)
}

func mustEncode(p pdu.PDU) []byte {
	b, err := pdu.Encode(p)
	if err != nil {
		panic(err)
	}
	return b
}

func TestSendSize(t *testing.T) {
	cfg := Config{}.WithDefaults()
	tests := []struct {
		peer, want uint32
	}{
		{0, DefaultSendPDU},
		{16384, 16384},
		{0xFFFFFFFF, DefaultMaxSendPDU},
		{3, pdu.PDVHeaderLen + 1},
	}
	for _, tt := range tests {
		if got := sendSize(tt.peer, cfg); got != tt.want {
			t.Errorf("sendSize(%d) = %d, want %d", tt.peer, got, tt.want)
		}
	}
}

// tcpPair returns both ends of a loopback TCP connection: unlike net.Pipe,
// TCP buffers, so both sides may write at once (release collisions).
func tcpPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		acc <- c
	}()
	c1, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c2 := <-acc
	if c2 == nil {
		t.Fatal("accept failed")
	}
	return c1, c2
}

func TestAcceptBoundToContext(t *testing.T) {
	before := runtime.NumGoroutine()
	c1, c2 := tcpPair(t)
	srvCtx, cancel := context.WithCancel(context.Background())
	accepted := make(chan *Association, 1)
	go func() {
		a, _, _ := Accept(srvCtx, c2, Config{}, acceptAll)
		accepted <- a
	}()
	req, _, _, err := Request(context.Background(), c1, testRQ(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	acc := <-accepted
	errc := make(chan error, 1)
	go func() {
		_, err := acc.ReadPData(srvCtx)
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel() // the server shuts down
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("acceptor err = %v, want context.Canceled", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("cancelling the server context did not end the read")
	}
	if _, err := req.ReadPData(context.Background()); !errors.Is(err, ErrAborted) && !errors.Is(err, ErrConnectionClosed) {
		t.Errorf("requestor err = %v, want abort or close", err)
	}
	req.Close()
	acc.Close()
	loopback.Settle(t, before)
}
