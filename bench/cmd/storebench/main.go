// Command storebench is the pacsguard side of bench/store.sh: it generates
// the synthetic file set, runs the pacsguard SCP as a sink, and runs the
// pacsguard SCU (C-STORE throughput, association rate) against any SCP.
// It prints one machine-readable line per measurement.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"syscall"
	"time"

	"github.com/pacsguard/pacsguard/internal/dicom/scp"
	"github.com/pacsguard/pacsguard/internal/dicom/scu"
	"github.com/pacsguard/pacsguard/internal/dicom/testpeer"
	"github.com/pacsguard/pacsguard/internal/dicom/ul"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: storebench gen|scp|store|assoc [flags]")
		return 2
	}
	// STOREBENCH_CPUPROFILE=file profiles any sub-command (a diagnosis aid).
	if path := os.Getenv("STOREBENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(stderr, "storebench:", err)
			return 1
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	var err error
	switch args[0] {
	case "gen":
		err = gen(args[1:], stdout)
	case "scp":
		err = serve(ctx, args[1:], stdout)
	case "store":
		err = store(ctx, args[1:], stdout)
	case "assoc":
		err = assoc(ctx, args[1:], stdout)
	default:
		fmt.Fprintf(stderr, "unknown sub-command %q\n", args[0])
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "storebench:", err)
		return 1
	}
	return 0
}

func gen(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	dir := fs.String("dir", "", "output directory")
	n := fs.Int("n", 120, "number of files")
	size := fs.Int("size", 1750<<10, "pixel bytes per file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		return errors.New("gen: -dir is required")
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	paths, err := testpeer.WriteSyntheticFiles(*dir, *n, *size)
	if err != nil {
		return err
	}
	var total int64
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		total += st.Size()
	}
	fmt.Fprintf(stdout, "files=%d bytes=%d\n", len(paths), total)
	return nil
}

func serve(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("scp", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	ae := fs.String("aet", "PGSINK", "AE title")
	maxPDU := fs.Uint("maxpdu", 16384, "maximum PDU length we receive")
	dir := fs.String("od", "", "store received objects here (default: discard, like storescp --ignore)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var st scp.StoreHandler = scp.Discard{}
	if *dir != "" {
		st = scp.DirStore{Dir: *dir}
	}
	srv, err := scp.New(scp.Config{Policy: scp.Policy{AE: *ae, Unknown: scp.AllServices}, Store: st, UL: ul.Config{MaxPDU: uint32(*maxPDU)}})
	if err != nil {
		return err
	}
	ready := make(chan net.Addr, 1)
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe(ctx, *addr, ready) }()
	select {
	case a := <-ready:
		fmt.Fprintf(stdout, "listening=%s\n", a)
	case err := <-errc:
		return err
	}
	return <-errc
}

func store(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("store", flag.ContinueOnError)
	addr := fs.String("addr", "", "SCP host:port")
	aec := fs.String("aec", "ANY-SCP", "called AE")
	dir := fs.String("dir", "", "directory of Part 10 files")
	maxPDU := fs.Uint("maxpdu", 16384, "maximum PDU length we receive")
	if err := fs.Parse(args); err != nil {
		return err
	}
	paths, err := filepath.Glob(filepath.Join(*dir, "*.dcm"))
	if err != nil || len(paths) == 0 {
		return fmt.Errorf("no .dcm files in %q", *dir)
	}
	sort.Strings(paths)
	// Propose each SOP class / transfer syntax pair of the set, as storescu does.
	first, err := scu.ReadPart10(paths[0])
	if err != nil {
		return err
	}
	start := time.Now()
	a, _, err := scu.Associate(ctx, scu.Config{Addr: *addr, CalledAE: *aec, MaxPDU: uint32(*maxPDU),
		Contexts: []scu.Proposal{{AbstractSyntax: first.SOPClassUID, TransferSyntaxes: []string{first.TransferSyntax}}}})
	if err != nil {
		return err
	}
	var bytes int64
	var buf []byte // reused: one file in memory at a time, as storescu does
	for _, p := range paths {
		buf, err = readInto(buf, p)
		if err != nil {
			a.Abort()
			return err
		}
		f, err := scu.SplitPart10(buf)
		if err != nil {
			a.Abort()
			return err
		}
		st, err := a.Store(ctx, f.SOPClassUID, f.SOPInstanceUID, f.TransferSyntax, f.DataSet)
		if err != nil {
			return err
		}
		if st != 0 {
			a.Release(ctx)
			return fmt.Errorf("%s: status 0x%04X", p, st)
		}
		bytes += int64(len(buf))
	}
	if err := a.Release(ctx); err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "files=%d bytes=%d seconds=%.3f mbps=%.1f\n", len(paths), bytes, el.Seconds(), float64(bytes)/1e6/el.Seconds())
	return nil
}

func assoc(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("assoc", flag.ContinueOnError)
	addr := fs.String("addr", "", "SCP host:port")
	aec := fs.String("aec", "ANY-SCP", "called AE")
	n := fs.Int("n", 500, "associations")
	if err := fs.Parse(args); err != nil {
		return err
	}
	start := time.Now()
	for i := 0; i < *n; i++ {
		a, _, err := scu.Associate(ctx, scu.Config{Addr: *addr, CalledAE: *aec})
		if err != nil {
			return err
		}
		if st, err := a.Echo(ctx); err != nil || st != 0 {
			a.Abort()
			return fmt.Errorf("echo: 0x%04X %v", st, err)
		}
		if err := a.Release(ctx); err != nil {
			return err
		}
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "associations=%d seconds=%.3f per_second=%.1f\n", *n, el.Seconds(), float64(*n)/el.Seconds())
	return nil
}

// readInto reads a whole file into buf, growing it when needed.
func readInto(buf []byte, path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return buf, err
	}
	n := int(st.Size())
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	_, err = io.ReadFull(f, buf)
	return buf, err
}
