//go:build unix

package ul

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

func TestDataReaderPollsThenParks(t *testing.T) {
	client, server := tcpPair(t)
	defer client.Close()
	defer server.Close()
	r := newDataReader(server)
	if _, ok := r.(*spinReader); !ok {
		t.Fatalf("a TCP connection should get the polling reader, got %T", r)
	}
	// Data sent after the poll gave up still arrives (the read parked).
	go func() {
		time.Sleep(50 * time.Millisecond)
		client.Write([]byte("late"))
	}()
	buf := make([]byte, 16)
	n, err := r.Read(buf)
	if err != nil || string(buf[:n]) != "late" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	// The read deadline still holds while idle.
	server.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	start := time.Now()
	if _, err := r.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("idle read: %v, want a deadline error", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("deadline took %v", el)
	}
	// A deadline in the past (how a cancelled context interrupts) wakes a
	// parked read.
	server.SetReadDeadline(time.Time{})
	go func() {
		time.Sleep(30 * time.Millisecond)
		server.SetReadDeadline(time.Unix(1, 0))
	}()
	if _, err := r.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("interrupted read: %v, want a deadline error", err)
	}
	// The peer closing is EOF.
	server.SetReadDeadline(time.Time{})
	client.Close()
	if _, err := r.Read(buf); err != io.EOF {
		t.Fatalf("after close: %v, want EOF", err)
	}
}

func TestDataReaderFallsBack(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if r := newDataReader(a); r != io.Reader(a) {
		t.Fatalf("a pipe should be read directly, got %T", r)
	}
}

// On a slow link polls keep missing: after two misses in a row the reader
// parks at once for the next few waits instead of burning CPU.
func TestDataReaderBacksOffOnSlowLinks(t *testing.T) {
	client, server := tcpPair(t)
	defer client.Close()
	defer server.Close()
	r := newDataReader(server).(*spinReader)
	go func() {
		for range 3 {
			time.Sleep(5 * time.Millisecond)
			client.Write([]byte("x"))
		}
	}()
	buf := make([]byte, 8)
	for range 3 {
		if _, err := r.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	if r.fails < 2 || r.skip == 0 {
		t.Errorf("after three slow reads: fails %d, skip %d; want a back-off", r.fails, r.skip)
	}
}
