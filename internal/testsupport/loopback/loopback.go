// Package loopback holds what tests need to play a fake peer on 127.0.0.1:
// a listener whose connections each get a handler, a bounded wait for
// goroutines to end, and a reader that drains a connection until the other
// side closes it. Only tests import it.
package loopback

import (
	"net"
	"runtime"
	"testing"
	"time"
)

// Serve listens on 127.0.0.1 and runs handle for every connection in its own
// goroutine, with a deadline of d on the connection and the connection
// closed when handle returns. The listener closes when the test ends. It
// returns the listening address.
func Serve(t testing.TB, d time.Duration, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ServeListener(t, ln, d, handle)
}

// ServeListener is Serve on a listener the caller made (a TLS one, say).
func ServeListener(t testing.TB, ln net.Listener, d time.Duration, handle func(net.Conn)) string {
	t.Helper()
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(d))
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// Drain reads c until it fails: the peer closed it or the deadline passed.
func Drain(c net.Conn) {
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

// Settle waits up to two seconds for the number of goroutines to fall back
// to before, and fails the test with every goroutine's stack if it does not.
func Settle(t testing.TB, before int) {
	t.Helper()
	for range 200 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<16)
	t.Errorf("goroutines: %d, before %d\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
}
