// Command pacsguard audits medical imaging networks and archives.
// All behaviour lives in internal/cli so that it can be tested in-process.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/pacsguard/pacsguard/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
