// Command variants writes the malicious and damaged DICOM variants of
// filescantest into a directory, for bench/files.sh to inject into its corpus.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/pacsguard/pacsguard/internal/filescan/filescantest"
)

func main() {
	out := flag.String("out", "", "directory to write into (created)")
	copies := flag.Int("copies", 1, "copies of each variant")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "variants: -out DIR is required")
		os.Exit(2)
	}
	n, err := filescantest.WriteVariants(*out, *copies)
	if err != nil {
		fmt.Fprintf(os.Stderr, "variants: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(n)
}
