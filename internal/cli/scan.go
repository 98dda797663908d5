package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/pacsguard/pacsguard/internal/check"
	"github.com/pacsguard/pacsguard/internal/fingerprint"
	"github.com/pacsguard/pacsguard/internal/inventory"
	"github.com/pacsguard/pacsguard/internal/netx"
	"github.com/pacsguard/pacsguard/internal/probe/dicomprobe"
	outreport "github.com/pacsguard/pacsguard/internal/report"
	"github.com/pacsguard/pacsguard/internal/scan"
	"github.com/pacsguard/pacsguard/internal/store"
	"github.com/pacsguard/pacsguard/internal/vulndb"
)

const scanLong = `Scan finds DICOM nodes and their web faces, fingerprints them and audits which
doors are open. TARGET is an address, a CIDR network (at most a /16), a range
(10.0.0.1-10.0.0.20 or 10.0.0.1-20), a host name, host:port or @FILE (one
target per line).

Safe by default: at most one connection per host at a time, --concurrency
connections overall and --rate new connections per second, every association
released, the connection closed at once after a reject or abort. The safe mode
negotiates associations, sends C-ECHO and enumerates AE titles; it sends no
C-FIND, C-MOVE, C-GET or C-STORE. --intrusive adds C-FIND (count only, C-CANCEL
after the first match), C-GET and C-MOVE for a study that exists nowhere, and
default web credentials; --intrusive=store also stores one synthetic, clearly
labelled test object. --discovery makes one association per DICOM port and
nothing else (like nmap's dicom-ping, but released and verdict-aware).

Addresses on --exclude (a file or a comma-separated list of addresses and
CIDR networks) never receive a packet; with --scope nothing outside it is
contacted; public addresses need --allow-public.

--alt-source ADDR (another address of this host) asks a node that accepts only
known calling AE titles once more from that address, to test whether it ties
the titles to host addresses.

Results are saved in the database (--db, --no-db); --diff shows what appeared,
disappeared or changed since the previous scan; 'pacsguard inventory' lists every
node found so far.

Exit codes: 0 no findings above info, 1 findings, 2 usage, 3 failure, 130 interrupted.`

type scanFlags struct {
	dicomPorts, webPorts string
	exclude, scope       string
	allowPublic          bool
	concurrency          int
	rate                 float64
	timeout              time.Duration
	intrusive            string
	discovery            bool
	wordlist             string
	format, output       string
	verbose              bool
	db                   string
	noDB, diff           bool
	noAdvisories         bool
	noBuiltinAETs        bool
	altSource            string
}

func newScanCmd(env *Env) *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan [flags] TARGET...",
		Short: "Find, fingerprint and audit DICOM nodes and their web faces",
		Long:  scanLong,
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd.Context(), env, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.dicomPorts, "dicom-ports", joinPorts(scan.DefaultDICOMPorts()), "DICOM ports to probe (comma-separated, ranges allowed)")
	fl.StringVar(&f.webPorts, "web-ports", joinPorts(scan.DefaultWebPorts()), "web ports to probe")
	fl.StringVar(&f.exclude, "exclude", "", "never-touch list: FILE or comma-separated addresses/CIDRs that receive no packet")
	fl.StringVar(&f.scope, "scope", "", "only contact addresses inside this FILE or comma-separated list of CIDRs")
	fl.BoolVar(&f.allowPublic, "allow-public", false, "allow scanning public (non-private) addresses")
	fl.IntVar(&f.concurrency, "concurrency", 16, "connections open at once across all hosts")
	fl.Float64Var(&f.rate, "rate", 50, "new connections per second across all hosts")
	fl.DurationVar(&f.timeout, "timeout", 5*time.Second, "timeout of each protocol step")
	fl.StringVar(&f.intrusive, "intrusive", "", "enable data-touching probes (C-FIND count, C-GET/C-MOVE of a missing study, default web credentials); =store also stores a synthetic test object")
	fl.Lookup("intrusive").NoOptDefVal = "on"
	fl.BoolVar(&f.discovery, "discovery", false, "one association per DICOM port, nothing else")
	fl.StringVar(&f.wordlist, "aet-wordlist", "", "FILE of extra AE titles (one per line) to try as called and calling titles")
	fl.StringVar(&f.format, "format", "table", "output format: table, json, sarif, csv or html")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to FILE instead of standard output")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "show evidence and remediation in the table")
	fl.StringVar(&f.db, "db", "", "database path (default: $PACSGUARD_DB or the user data directory)")
	fl.BoolVar(&f.noDB, "no-db", false, "do not save the results")
	fl.BoolVar(&f.diff, "diff", false, "show what changed since the previous scan in the database")
	fl.BoolVar(&f.noAdvisories, "no-advisories", false, "do not match services against the advisory database")
	fl.BoolVar(&f.noBuiltinAETs, "no-builtin-aets", false, "enumerate only the titles of --aet-wordlist, not the built-in list")
	fl.StringVar(&f.altSource, "alt-source", "", "another address of this host: nodes that accept only known calling AE titles are asked again from it, to test that titles are tied to host addresses")
	return cmd
}

func joinPorts(ps []int) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = fmt.Sprint(p)
	}
	return strings.Join(s, ",")
}

// scanSetup is a ready scanner and its targets.
type scanSetup struct {
	scanner *scan.Scanner
	targets []scan.Target
	format  outreport.Format
	cat     *check.Catalogue
}

func prepareScan(env *Env, f scanFlags, args []string) (*scanSetup, error) {
	format, err := outreport.ParseFormat(f.format, outreport.FormatTable, outreport.FormatJSON, outreport.FormatSARIF, outreport.FormatCSV, outreport.FormatHTML)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	var mode dicomprobe.Mode
	switch strings.ToLower(f.intrusive) {
	case "", "off", "false":
	case "on", "true", "yes":
		mode.Intrusive = true
	case "store":
		mode.Intrusive, mode.Store = true, true
	default:
		return nil, usageErrorf("--intrusive=%q: use --intrusive or --intrusive=store", f.intrusive)
	}
	if f.discovery && mode.Intrusive {
		return nil, usageErrorf("--discovery and --intrusive exclude each other")
	}
	mode.Discovery = f.discovery
	dp, err := scan.ParsePorts(f.dicomPorts)
	if err != nil {
		return nil, usageErrorf("--dicom-ports: %v", err)
	}
	wp, err := scan.ParsePorts(f.webPorts)
	if err != nil {
		return nil, usageErrorf("--web-ports: %v", err)
	}
	// An empty list means none (the engine reads nil as the defaults).
	dp, wp = append([]int{}, dp...), append([]int{}, wp...)
	if len(dp)+len(wp) == 0 {
		return nil, usageErrorf("--dicom-ports and --web-ports are both empty: nothing to scan")
	}
	excl, err := netx.LoadPrefixes(f.exclude)
	if err != nil {
		return nil, usageErrorf("--exclude: %v", err)
	}
	scope, err := netx.LoadPrefixes(f.scope)
	if err != nil {
		return nil, usageErrorf("--scope: %v", err)
	}
	if f.concurrency < 1 || f.concurrency > 1024 {
		return nil, usageErrorf("--concurrency must be 1-1024")
	}
	if f.rate <= 0 {
		return nil, usageErrorf("--rate must be above 0 connections per second")
	}
	if f.timeout < 50*time.Millisecond {
		return nil, usageErrorf("--timeout must be at least 50ms")
	}
	var words []string
	if !f.noBuiltinAETs {
		words = append(words, dicomprobe.BuiltinWordlist()...)
	} else if f.wordlist == "" {
		return nil, usageErrorf("--no-builtin-aets needs --aet-wordlist FILE")
	}
	if f.wordlist != "" {
		extra, err := readWordlist(f.wordlist)
		if err != nil {
			return nil, usageErrorf("--aet-wordlist: %v", err)
		}
		words = append(words, extra...)
	}
	var alt netip.Addr
	if f.altSource != "" {
		if alt, err = localAddress(f.altSource); err != nil {
			return nil, usageErrorf("--alt-source: %v", err)
		}
	}
	targets, err := scan.ParseTargets(args, nil)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	cat, err := check.Load()
	if err != nil {
		return nil, err
	}
	rules, err := fingerprint.Load()
	if err != nil {
		return nil, err
	}
	d := netx.New(netx.Config{Policy: netx.Policy{Scope: scope, Exclude: excl, AllowPublic: f.allowPublic},
		Concurrency: f.concurrency, Rate: f.rate, DialTimeout: f.timeout})
	opts := scan.Options{DICOMPorts: dp, WebPorts: wp, Mode: mode, Wordlist: words, Timeout: f.timeout, Workers: f.concurrency,
		Now: env.Now, Tool: scan.Tool{Name: "pacsguard", Version: version()}, AltSource: alt}
	if !f.noAdvisories {
		if db, err := vulndb.LoadEmbedded(); err == nil {
			opts.Advisories = db
		}
	}
	return &scanSetup{scanner: &scan.Scanner{Dialer: d, Catalogue: cat, Rules: rules, Options: opts}, targets: targets, format: format, cat: cat}, nil
}

// localAddress parses s and checks that it is an address of this machine,
// by binding a TCP socket to it (and closing it at once): nothing is sent.
func localAddress(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%q is not an IP address", s)
	}
	a = a.Unmap()
	ln, err := net.Listen("tcp", net.JoinHostPort(a.String(), "0"))
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%s is not an address of this machine (add it to an interface first): %v", a, err)
	}
	ln.Close()
	return a, nil
}

func readWordlist(path string) ([]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out []string
	sc := bufio.NewScanner(io.LimitReader(fh, 8<<20))
	for sc.Scan() {
		w := strings.TrimSpace(sc.Text())
		if w == "" || strings.HasPrefix(w, "#") {
			continue
		}
		if len(w) > 16 {
			return nil, fmt.Errorf("%q is longer than 16 characters, the AE title limit", w)
		}
		out = append(out, w)
	}
	return out, sc.Err()
}

func runScan(ctx context.Context, env *Env, f scanFlags, args []string) error {
	setup, err := prepareScan(env, f, args)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, env, f.db, f.noDB)
	if err != nil {
		return err
	}
	if st != nil {
		defer st.Close()
	}
	if f.diff && st == nil {
		return usageErrorf("--diff needs the database; drop --no-db")
	}
	bar := newScanProgress(env, len(setup.targets))
	setup.scanner.Options.Progress = bar.set
	doc, scanErr := setup.scanner.Run(ctx, setup.targets)
	bar.finish()
	if scanErr != nil && doc == nil {
		return scanErr
	}
	if st != nil && scanErr == nil {
		if err := saveScan(ctx, st, doc, f.diff); err != nil {
			return err
		}
		if f.diff && doc.Diff == nil {
			fmt.Fprintln(env.Stderr, "pacsguard: no previous scan in the database to compare with; this one is saved for next time")
		}
	}
	if err := writeScanReport(env, setup, doc, f.output, f.verbose); err != nil {
		return err
	}
	if scanErr != nil {
		return scanErr
	}
	if doc.Run.Hosts == 0 && len(doc.Skipped) > 0 {
		// Exit 0 here would read as "scanned and clean" to a script.
		s := doc.Skipped[0]
		return usageErrorf("nothing was scanned: %s: %s", s.Target, s.Reason)
	}
	for _, fd := range doc.Findings {
		if fd.Severity > inventory.SeverityInfo {
			return ErrFindings
		}
	}
	return nil
}

// saveScan stores the run, after computing the diff with the previous one.
func saveScan(ctx context.Context, st *store.Store, doc *scan.Document, diff bool) error {
	if diff {
		prev, err := st.Runs(ctx, "scan", 1)
		if err != nil {
			return fmt.Errorf("read previous scan: %w", err)
		}
		if len(prev) > 0 {
			svcs, err := st.RunServices(ctx, prev[0].ID)
			if err != nil {
				return err
			}
			fs, err := st.RunFindings(ctx, prev[0].ID)
			if err != nil {
				return err
			}
			doc.Diff = scan.Compare(prev[0].ID, prev[0].Started, svcs, fs, doc)
		}
	}
	run := inventory.Run{Kind: "scan", Mode: doc.Run.Mode, Started: doc.Run.Started, Finished: doc.Run.Finished, Targets: doc.Run.Targets}
	if _, err := st.SaveRun(ctx, run, doc.Services, doc.Findings); err != nil {
		return fmt.Errorf("save scan: %w (use --no-db to skip saving)", err)
	}
	return nil
}

func writeScanReport(env *Env, setup *scanSetup, doc *scan.Document, output string, verbose bool) error {
	w, commit, discard, err := createOutput(env, output)
	if err != nil {
		return err
	}
	switch setup.format {
	case outreport.FormatJSON:
		err = outreport.WriteJSON(w, doc)
	case outreport.FormatSARIF:
		err = outreport.WriteSARIF(w, outreport.Tool{Name: "pacsguard", Version: version(), URI: "https://github.com/pacsguard/pacsguard"}, doc.Findings, setup.cat)
	case outreport.FormatCSV:
		err = outreport.WriteCSV(w, doc.Findings)
	case outreport.FormatHTML:
		err = outreport.WriteHTML(w, scan.HTMLDocument(doc, "pacsguard scan report"))
	default:
		err = scan.WriteTable(w, doc, verbose)
	}
	if err != nil {
		discard()
		return err
	}
	return commit()
}

// scanProgress is a bar on stderr, or nothing when stderr is not a terminal.
type scanProgress struct{ bar *progressbar.ProgressBar }

func newScanProgress(env *Env, total int) scanProgress {
	if !env.StderrIsTerminal {
		return scanProgress{}
	}
	return scanProgress{progressbar.NewOptions(total,
		progressbar.OptionSetWriter(env.Stderr),
		progressbar.OptionSetDescription("scanning hosts"),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

func (p scanProgress) set(done, total int) {
	if p.bar != nil {
		p.bar.Set(done)
	}
}

func (p scanProgress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
