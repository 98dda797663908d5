// Command sweep is pacsguard's metadata sweep for bench/parse.sh: it parses
// every file named on stdin (one path a line) up to its pixel data, with
// one worker per CPU, and prints how many files it read and how fast.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pacsguard/pacsguard/internal/dicom"
)

func main() {
	// A sweep's live heap is tiny and its garbage short-lived: collect less
	// often, under a memory ceiling that keeps RSS well below 100 MB.
	noStop := flag.Bool("no-stop", false, "read past pixel data (values over 64 KiB skipped, not read)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(48 << 20)
	var paths []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() != "" {
			paths = append(paths, sc.Text())
		}
	}
	opts := dicom.ReadOptions{StopBeforePixelData: !*noStop, SkipLargerThan: 64 << 10}
	var next, failed, elements atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(paths)) {
					return
				}
				f, err := dicom.ReadFile(paths[i], opts)
				if err != nil {
					failed.Add(1)
					continue
				}
				elements.Add(int64(len(f.DataSet.Elements)))
			}
		})
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	fmt.Printf("files=%d failed=%d elements=%d seconds=%.3f files_per_s=%.0f\n",
		len(paths), failed.Load(), elements.Load(), secs, float64(len(paths))/secs)
}
