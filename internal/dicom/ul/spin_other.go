//go:build !unix

package ul

import (
	"io"
	"net"
)

// newDataReader returns conn: the polling read (spin_unix.go) needs a Unix
// descriptor.
func newDataReader(conn net.Conn) io.Reader { return conn }
