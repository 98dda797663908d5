package ul

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
)

var updateSeeds = flag.Bool("update", false, "rewrite testdata/*.session seeds")

// scriptConn is a net.Conn that reads a fixed byte stream (then EOF) and
// discards writes: a peer that says exactly the fuzzer's bytes.
type scriptConn struct {
	r *bytes.Reader
}

func (c *scriptConn) Read(b []byte) (int, error)       { return c.r.Read(b) }
func (c *scriptConn) Write(b []byte) (int, error)      { return len(b), nil }
func (c *scriptConn) Close() error                     { return nil }
func (c *scriptConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *scriptConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *scriptConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptConn) SetWriteDeadline(time.Time) error { return nil }

// sessionSeeds are whole acceptor-side sessions: RQ, P-DATA, release.
func sessionSeeds() map[string][]byte {
	rq := mustEncode(testRQ())
	pd := mustEncode(&pdu.PDataTF{Items: []pdu.PDV{{ContextID: 1, Control: 3, Data: []byte{1, 2, 3, 4}}}})
	rel := mustEncode(&pdu.ReleaseRQ{})
	ab := mustEncode(&pdu.Abort{Source: 0})
	return map[string][]byte{
		"release": append(append(append([]byte(nil), rq...), pd...), rel...),
		"abort":   append(append(append([]byte(nil), rq...), pd...), ab...),
		"rq-only": rq,
	}
}

// FuzzAcceptSession plays arbitrary bytes as the requestor of an
// association: negotiation, data transfer and release must end (the
// stream is finite) without a panic, and every P-DATA handed up must
// respect the data cap.
func FuzzAcceptSession(f *testing.F) {
	if *updateSeeds {
		for name, b := range sessionSeeds() {
			if err := os.WriteFile(filepath.Join("testdata", name+".session"), b, 0o644); err != nil {
				f.Fatal(err)
			}
		}
	}
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.session"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	cfg := Config{MaxPDU: 4096, MaxAssociatePDU: 1 << 16, MaxItems: 64, ARTIM: time.Second, ReadTimeout: time.Second}
	f.Fuzz(func(t *testing.T, b []byte) {
		ctx := context.Background()
		a, _, err := Accept(ctx, &scriptConn{r: bytes.NewReader(b)}, cfg, acceptAll)
		if err != nil {
			return
		}
		defer a.Close()
		// Every PDU takes at least 6 bytes of the stream.
		for i := 0; i <= len(b)/pdu.HeaderLen; i++ {
			p, err := a.ReadPData(ctx)
			if errors.Is(err, ErrReleaseRequested) {
				a.ReplyRelease(ctx)
				return
			}
			if err != nil {
				return
			}
			size := 0
			for _, v := range p.Items {
				size += len(v.Data) + pdu.PDVHeaderLen
			}
			if size > int(cfg.MaxPDU) {
				t.Fatalf("P-DATA of %d bytes passed a %d-byte cap", size, cfg.MaxPDU)
			}
		}
		t.Fatal("the stream produced more PDUs than it has bytes for")
	})
}

// FuzzRequestAnswer plays arbitrary bytes as the acceptor answering our
// A-ASSOCIATE-RQ: whatever comes back, Request ends without a panic and
// reports a typed outcome; after an AC, reads end when the stream does.
func FuzzRequestAnswer(f *testing.F) {
	ac, _ := acceptAll(testRQ())
	seeds, _ := filepath.Glob(filepath.Join("..", "pdu", "testdata", "*.pdu"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(append(mustEncode(ac), mustEncode(&pdu.PDataTF{Items: []pdu.PDV{{ContextID: 1, Control: 3, Data: []byte{0}}}})...))
	cfg := Config{MaxPDU: 4096, MaxAssociatePDU: 1 << 16, MaxItems: 64, ARTIM: time.Second, ReadTimeout: time.Second}
	f.Fuzz(func(t *testing.T, b []byte) {
		ctx := context.Background()
		a, gotAC, rj, err := Request(ctx, &scriptConn{r: bytes.NewReader(b)}, testRQ(), cfg)
		if err != nil {
			if rj != nil && !errors.Is(err, ErrRejected) {
				t.Fatalf("RJ returned with error %v", err)
			}
			return
		}
		if gotAC == nil {
			t.Fatal("no error and no AC")
		}
		defer a.Close()
		for i := 0; i <= len(b)/pdu.HeaderLen; i++ {
			if _, err := a.ReadPData(ctx); err != nil {
				return
			}
		}
		t.Fatal("the stream produced more PDUs than it has bytes for")
	})
}
