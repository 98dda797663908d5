package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacsguard/pacsguard/internal/lab"
	outreport "github.com/pacsguard/pacsguard/internal/report"
	"github.com/pacsguard/pacsguard/internal/scan"
)

const demoLong = `Demo starts a simulated imaging network on loopback (the one 'pacsguard lab'
runs), scans it in intrusive mode (including the synthetic store test: the lab
is ours), prints the report, writes an HTML and a JSON report and says where,
then stops the network. It needs nothing but pacsguard and touches nothing
beyond 127.0.0.1. Results are not saved in your database unless --db is given.`

func newDemoCmd(env *Env) *cobra.Command {
	var output, db string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start a simulated imaging network, scan it and show the report",
		Long:  demoLong,
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd.Context(), env, output, db, verbose)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the HTML report to FILE (default: a new temporary directory)")
	cmd.Flags().StringVar(&db, "db", "", "also save the scan in this database (default: not saved)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show evidence and remediation in the table")
	return cmd
}

func runDemo(ctx context.Context, env *Env, output, db string, verbose bool) error {
	start := time.Now()
	l, err := lab.Start(ctx, lab.Default(), lab.Options{})
	if err != nil {
		return fmt.Errorf("start the demo network: %w", err)
	}
	defer l.Stop()
	fmt.Fprintln(env.Stdout, "Simulated imaging network on loopback:")
	printLab(env, l)
	fmt.Fprintln(env.Stdout)
	var targets []string
	var webPorts []int
	for _, n := range l.Nodes() {
		targets = append(targets, n.Addr)
		if n.Kind == "web" {
			if _, p, err := net.SplitHostPort(n.Addr); err == nil {
				if port, err := strconv.Atoi(p); err == nil {
					webPorts = append(webPorts, port)
				}
			}
		}
	}
	// The web nodes' ports are web ports, so they are asked HTTP first.
	f := scanFlags{dicomPorts: joinPorts(scan.DefaultDICOMPorts()), webPorts: joinPorts(append(scan.DefaultWebPorts(), webPorts...)), concurrency: 16,
		rate: 2000, timeout: 3 * time.Second, intrusive: "store", format: "table", noDB: db == "", db: db}
	// Where all of 127.0.0.0/8 is local (Linux), call from a second address
	// too, to show whether nodes tie calling AE titles to host addresses.
	if _, err := localAddress("127.0.0.2"); err == nil {
		f.altSource = "127.0.0.2"
	}
	setup, err := prepareScan(env, f, targets)
	if err != nil {
		return err
	}
	// host:port targets on the lab's own ports: every node is scanned,
	// nothing else.
	doc, err := setup.scanner.Run(ctx, setup.targets)
	if err != nil {
		return err
	}
	if db != "" {
		st, err := openStore(ctx, env, db, false)
		if err != nil {
			return err
		}
		defer st.Close()
		if err := saveScan(ctx, st, doc, false); err != nil {
			return err
		}
	}
	if err := scan.WriteTableOptions(env.Stdout, doc, scan.TableOptions{Verbose: verbose, SummariseAdvisories: true}); err != nil {
		return err
	}
	htmlPath := output
	if htmlPath == "" {
		dir, err := os.MkdirTemp("", "pacsguard-demo-")
		if err != nil {
			return err
		}
		htmlPath = filepath.Join(dir, "pacsguard-demo-report.html")
	}
	jsonPath := htmlPath[:len(htmlPath)-len(filepath.Ext(htmlPath))] + ".json"
	if err := writeFileAtomic(env, htmlPath, func(w *os.File) error {
		return outreport.WriteHTML(w, scan.HTMLDocument(doc, "pacsguard demo: simulated imaging network"))
	}); err != nil {
		return err
	}
	if err := writeFileAtomic(env, jsonPath, func(w *os.File) error { return outreport.WriteJSON(w, doc) }); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "\nHTML report: %s\nJSON report: %s\n", htmlPath, jsonPath)
	fmt.Fprintf(env.Stdout, "Demo finished in %s; the simulated network is stopped. Scan your own network with: pacsguard scan --help\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// writeFileAtomic writes path through a temporary file renamed into place.
func writeFileAtomic(env *Env, path string, fn func(*os.File) error) error {
	w, commit, discard, err := createOutput(env, path)
	if err != nil {
		return err
	}
	f, ok := w.(*os.File)
	if !ok {
		discard()
		return fmt.Errorf("cannot write %s", path)
	}
	if err := fn(f); err != nil {
		discard()
		return err
	}
	return commit()
}
