//go:build unix

package ul

import (
	"io"
	"net"
	"syscall"
	"time"
)

// dataSpin is how long a read in the data phase keeps polling an empty
// socket before it parks in the netpoller. On a fast link the next PDU of
// a message is a few microseconds away; parking and being woken for every
// one costs the peer more than the poll costs us (bench/store.sh: DCMTK
// storescu sent 5-7% faster into this SCP with the poll than without,
// because its blocking writes stopped waking a parked goroutine per PDU).
// The poll is bounded, so an idle association still parks at once.
const dataSpin = 20 * time.Microsecond

// spinBackoff is how many waits park at once after two polls in a row
// found nothing: on a slow link (segments 100 µs or more apart) polling
// would burn CPU for nothing, so it is tried only every few waits there.
// A single miss (the sender paused between two messages) costs nothing.
const spinBackoff = 4

// spinReader reads a TCP connection directly, polling up to spin after
// EAGAIN before it waits through the netpoller, which also keeps the
// connection's deadlines in force.
type spinReader struct {
	rc    syscall.RawConn
	spin  time.Duration
	skip  int // waits left to park without polling (spinBackoff)
	fails int // polls in a row that found nothing
}

// newDataReader returns the reader for the data phase: a spinReader when
// conn exposes its descriptor (plain TCP), else conn itself (TLS, pipes).
func newDataReader(conn net.Conn) io.Reader {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return conn
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return conn
	}
	return &spinReader{rc: rc, spin: dataSpin}
}

func (r *spinReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var rerr error
	var start time.Time
	err := r.rc.Read(func(fd uintptr) bool {
		for first := true; ; first = false {
			n, rerr = syscall.Read(int(fd), p)
			for rerr == syscall.EINTR {
				n, rerr = syscall.Read(int(fd), p)
			}
			if rerr != syscall.EAGAIN {
				if !first {
					r.fails = 0 // the poll paid off
				}
				return true
			}
			if first {
				if r.skip > 0 {
					r.skip--
					return false
				}
				start = time.Now()
			} else if time.Since(start) > r.spin {
				if r.fails++; r.fails >= 2 {
					r.skip = spinBackoff
				}
				return false // park until readable (or the deadline)
			}
		}
	})
	if err != nil {
		return 0, err
	}
	if rerr != nil {
		return 0, &net.OpError{Op: "read", Net: "tcp", Err: rerr}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}
