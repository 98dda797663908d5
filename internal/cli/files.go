package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/pacsguard/pacsguard/internal/check"
	"github.com/pacsguard/pacsguard/internal/filescan"
	"github.com/pacsguard/pacsguard/internal/inventory"
	outreport "github.com/pacsguard/pacsguard/internal/report"
	"github.com/pacsguard/pacsguard/internal/store"
)

// FilesSchema versions the JSON documents of pacsguard files scan and verify.
const FilesSchema = "pacsguard.files/v1"

const filesLong = `Files sweeps archives, shares and media for malicious, tampered and encrypted
DICOM files. See 'pacsguard files scan --help' for the detectors, and
docs/files.md for the checks and what to do about each.

  files scan PATH...       look for polyglots, payloads, active content, damage
  files baseline DIR...    record size, time and SHA-256 of every file
  files verify DIR...      compare with the baseline: changes, ransomware
  files restore MANIFEST   put quarantined files back`

func newFilesCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "files",
		Short: "Sweep archives for malicious, tampered or encrypted DICOM files",
		Long:  filesLong,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown files command %q (want scan, baseline, verify or restore)", args[0])
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(newFilesScanCmd(env), newFilesBaselineCmd(env), newFilesVerifyCmd(env), newFilesRestoreCmd(env))
	return cmd
}

const filesScanLong = `Scan walks every PATH (files or directories, recursively) and checks each file:

  preamble        the 128 bytes before DICM: zeros or TIFF are normal; a DOS/PE
                  (MZ), ELF, Mach-O (thin or fat), #! script, ZIP/JAR or PDF
                  header is reported, anything else non-zero graded low. A
                  confirmed PE-DICOM (CVE-2019-11687) is reported when e_lfanew
                  points past DICM to "PE\0\0" inside a data element, naming it.
  payloads        executable, script or archive signatures at the start of
                  private, UN and other binary values (large values are sampled,
                  never loaded whole) and of data after the data set
  damage          truncation, lengths beyond the file, structures known to crash
                  readers; with --conformance also tolerated encoding errors
  documents       an Encapsulated Document (0042,0011) that is a PDF with
                  /JavaScript, /JS, /OpenAction, /AA, /Launch or /EmbeddedFile,
                  HTML or XML with script, or XML declaring external entities
  DICOMDIR        Referenced File IDs that use .., absolute paths or drives
  names           files named like DICOM (.dcm, .dicom, DICOMDIR) that are not,
                  known ransomware extensions and ransom-note names

Symbolic links are not followed (except a PATH itself) unless --follow-symlinks.
Files are read in parallel (--workers, default the number of CPUs); only headers
and samples are read, so memory stays small whatever the file sizes. A progress
line is shown on stderr when it is a terminal. Reports never include patient
data: archives often name folders or files after patients, so a path component
with a "^" or containing the file's own patient name or ID shows as [redacted]
(--show-phi shows it; the quarantine manifest keeps real paths to restore).

Nothing is changed unless asked: --sanitize DIR writes cleaned copies of flagged
files under DIR (preamble zeroed, payload elements and trailing data left out,
every other byte as in the original) with DIR/sanitize-report.json saying what
changed; --quarantine DIR moves flagged files (at or above --quarantine-severity)
into DIR, read-only, with DIR/manifest.json; 'pacsguard files restore
DIR/manifest.json' puts them back. Originals are never modified in place.

The findings are also recorded in the database (--db, or --no-db).

Exit codes: 0 no findings; 1 findings present, or some files could not be read;
2 usage error; 3 failure (database, output, sanitize or quarantine directory).`

type filesScanOptions struct {
	format, output       string
	follow, conformance  bool
	workers              int
	sanitize, quarantine string
	quarantineSeverity   string
	db                   string
	noDB, verbose        bool
	showPHI              bool
}

func newFilesScanCmd(env *Env) *cobra.Command {
	var o filesScanOptions
	cmd := &cobra.Command{
		Use:   "scan [flags] PATH...",
		Short: "Look for polyglots, payloads, active content and damaged files",
		Long:  filesScanLong,
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFilesScan(cmd.Context(), env, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "table", "output format: table, json, sarif or csv")
	f.StringVarP(&o.output, "output", "o", "", "write the report to this file instead of stdout")
	f.BoolVar(&o.follow, "follow-symlinks", false, "follow symbolic links, also out of the given paths")
	f.BoolVar(&o.conformance, "conformance", false, "also report tolerated departures from the encoding rules (info)")
	f.IntVar(&o.workers, "workers", 0, "files read in parallel (default: number of CPUs)")
	f.StringVar(&o.sanitize, "sanitize", "", "write cleaned copies of flagged files under this directory")
	f.StringVar(&o.quarantine, "quarantine", "", "move flagged files into this directory (with a manifest to restore them)")
	f.StringVar(&o.quarantineSeverity, "quarantine-severity", "high", "quarantine files with a finding at least this severe")
	f.StringVar(&o.db, "db", "", "database file (default $PACSGUARD_DB or ~/.local/share/pacsguard/pacsguard.db)")
	f.BoolVar(&o.noDB, "no-db", false, "do not record the findings")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "table: show evidence and remediation under each finding")
	f.BoolVar(&o.showPHI, "show-phi", false, "show path components that name a patient (hidden as [redacted] by default)")
	return cmd
}

// filesSummary counts what a scan saw.
type filesSummary struct {
	Files           int64          `json:"files"`
	DICOM           int64          `json:"dicom"`
	Bytes           int64          `json:"bytes"`
	Unreadable      int64          `json:"unreadable"`
	SymlinksSkipped int64          `json:"symlinks_skipped"`
	FlaggedFiles    int64          `json:"flagged_files"`
	Findings        map[string]int `json:"findings"`
	// RedactedPaths counts flagged files whose path named a patient and
	// was redacted (--show-phi shows them).
	RedactedPaths int64 `json:"redacted_paths,omitempty"`
}

type filesScanDoc struct {
	Schema      string                     `json:"schema"`
	Command     string                     `json:"command"`
	Tool        toolInfo                   `json:"tool"`
	Started     time.Time                  `json:"started"`
	Finished    time.Time                  `json:"finished"`
	Roots       []string                   `json:"roots"`
	Summary     filesSummary               `json:"summary"`
	Findings    []inventory.Finding        `json:"findings"`
	Sanitized   []filescan.SanitizeRecord  `json:"sanitized,omitempty"`
	Quarantined []filescan.QuarantineEntry `json:"quarantined,omitempty"`
}

type toolInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

var filesFormats = []outreport.Format{outreport.FormatTable, outreport.FormatJSON, outreport.FormatSARIF, outreport.FormatCSV}

func runFilesScan(ctx context.Context, env *Env, o filesScanOptions, paths []string) error {
	format, err := outreport.ParseFormat(o.format, filesFormats...)
	if err != nil {
		return usageErrorf("--format: %v", err)
	}
	if o.workers < 0 {
		return usageErrorf("--workers must be 0 (automatic) or more, got %d", o.workers)
	}
	qsev, err := inventory.ParseSeverity(o.quarantineSeverity)
	if err != nil {
		return usageErrorf("--quarantine-severity: %v", err)
	}
	roots, err := checkRoots(paths)
	if err != nil {
		return err
	}
	for _, d := range []struct{ flag, dir string }{{"--sanitize", o.sanitize}, {"--quarantine", o.quarantine}} {
		if d.dir == "" {
			continue
		}
		if err := outsideRoots(d.flag, d.dir, roots); err != nil {
			return err
		}
	}
	cat, err := check.Load()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, env, o.db, o.noDB)
	if err != nil {
		return err
	}
	if st != nil {
		defer st.Close()
	}
	var q *filescan.Quarantine
	if o.quarantine != "" {
		if q, err = filescan.OpenQuarantine(o.quarantine); err != nil {
			return fmt.Errorf("--quarantine %s: %w", o.quarantine, err)
		}
	}
	w, commit, discard, err := createOutput(env, o.output)
	if err != nil {
		return err
	}
	defer discard()

	// A sweep's live heap is small and its garbage short-lived; collecting
	// less often buys a third of the CPU time (the GC also rescans the
	// dictionary tables each cycle), under a ceiling that keeps RSS low.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(128 << 20))
	started := env.Now()
	scanner := filescan.NewScanner(cat, filescan.Options{Conformance: o.conformance})
	doc := filesScanDoc{Schema: FilesSchema, Command: "scan", Tool: toolInfo{"pacsguard", version()}, Started: started, Roots: roots,
		Summary: filesSummary{Findings: map[string]int{}}}
	bar := newFilesProgress(env, "scanning")
	var actionErr error
	stats, err := filescan.Sweep(ctx, scanner, roots, filescan.WalkOptions{FollowSymlinks: o.follow, Workers: o.workers}, func(it filescan.Item) {
		bar.Add(1)
		doc.Summary.Files++
		if it.Err != nil {
			doc.Summary.Unreadable++
			f := cat.Finding("files.unreadable", inventory.Evidence{Probe: filescan.Probe, Observed: "could not be read: " + readErrText(it.Err), Artifact: it.Path})
			f.Path = it.Path
			if !o.showPHI && filescan.RedactFinding(&f, it.Root, nil) {
				doc.Summary.RedactedPaths++
			}
			doc.Findings = append(doc.Findings, f)
			return
		}
		doc.Summary.Bytes += it.Size
		if it.DICOM {
			doc.Summary.DICOM++
		}
		if len(it.Findings) == 0 {
			return
		}
		doc.Summary.FlaggedFiles++
		now := env.Now()
		for i := range it.Findings {
			for j := range it.Findings[i].Evidence {
				it.Findings[i].Evidence[j].At = now
			}
		}
		// Reports name files by path, and archives often name folders
		// after patients: hide those components unless asked.
		redact := func(p string) string { return p }
		if !o.showPHI {
			if it.Redact(it.Root) > 0 {
				doc.Summary.RedactedPaths++
			}
			redact = it.PathRedactor(it.Root)
		}
		doc.Findings = append(doc.Findings, it.Findings...)
		if actionErr != nil {
			return
		}
		if o.sanitize != "" && it.Plan != nil {
			rec, err := scanner.Sanitize(it.Result, o.sanitize)
			if err != nil {
				actionErr = fmt.Errorf("--sanitize: %w", err)
				return
			}
			rec.Source, rec.Copy = redact(rec.Source), redact(rec.Copy)
			doc.Sanitized = append(doc.Sanitized, rec)
		}
		if q != nil && worst(it.Findings) >= qsev {
			e, err := q.Move(it.Path, checkIDsOf(it.Findings), env.Now())
			if err != nil {
				actionErr = fmt.Errorf("--quarantine: %w", err)
				return
			}
			// The manifest in the quarantine directory keeps the real
			// paths, to restore from; the report does not need them.
			e.Original, e.Stored = redact(e.Original), redact(e.Stored)
			doc.Quarantined = append(doc.Quarantined, e)
		}
	})
	bar.Finish()
	if err != nil {
		return err
	}
	if actionErr != nil {
		return actionErr
	}
	doc.Summary.SymlinksSkipped = stats.SymlinksSkipped
	doc.Finished = env.Now()
	outreport.SortFindings(doc.Findings)
	for _, f := range doc.Findings {
		doc.Summary.Findings[f.Severity.String()]++
	}
	if doc.Findings == nil {
		doc.Findings = []inventory.Finding{}
	}
	if o.sanitize != "" {
		if err := writeSanitizeReport(o.sanitize, doc); err != nil {
			return err
		}
	}
	if err := writeFilesReport(w, format, doc.Findings, cat, o.verbose, doc); err != nil {
		return err
	}
	if err := commit(); err != nil {
		return err
	}
	if st != nil {
		run := inventory.Run{Kind: "files", Mode: "scan", Started: started, Finished: doc.Finished, Targets: roots}
		if _, err := st.SaveRun(ctx, run, nil, doc.Findings); err != nil {
			return fmt.Errorf("record the findings in %s: %w", st.Path(), err)
		}
	}
	fmt.Fprintf(env.Stderr, "pacsguard: files: %d files (%d DICOM), %d flagged; %s\n", doc.Summary.Files, doc.Summary.DICOM, doc.Summary.FlaggedFiles, outreport.SeveritySummary(doc.Findings))
	if doc.Summary.RedactedPaths > 0 {
		fmt.Fprintf(env.Stderr, "pacsguard: files: %d flagged paths name a patient and show [redacted]; --show-phi shows them\n", doc.Summary.RedactedPaths)
	}
	if len(doc.Findings) > 0 {
		return ErrFindings
	}
	return nil
}

// checkRoots makes every path absolute and checks that it exists.
func checkRoots(paths []string) ([]string, error) {
	var roots []string
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, usageErrorf("%s: %v", p, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, usageErrorf("%s: %v", p, readErrText(err))
		}
		roots = append(roots, abs)
	}
	return roots, nil
}

// outsideRoots refuses an output directory inside a scanned tree: the sweep
// would find its own copies, or quarantine into the archive it cleans.
func outsideRoots(flag, dir string, roots []string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return usageErrorf("%s %s: %v", flag, dir, err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	for _, r := range roots {
		rr := r
		if real, err := filepath.EvalSymlinks(r); err == nil {
			rr = real
		}
		if abs == rr || strings.HasPrefix(abs, rr+string(filepath.Separator)) || strings.HasPrefix(rr, abs+string(filepath.Separator)) {
			return usageErrorf("%s %s overlaps the scanned path %s; choose a directory outside it", flag, dir, r)
		}
	}
	return nil
}

func worst(fs []inventory.Finding) inventory.Severity {
	w := inventory.SeverityInfo
	for _, f := range fs {
		w = max(w, f.Severity)
	}
	return w
}

func checkIDsOf(fs []inventory.Finding) []string {
	var ids []string
	for _, f := range fs {
		if !slices.Contains(ids, f.CheckID) {
			ids = append(ids, f.CheckID)
		}
	}
	slices.Sort(ids)
	return ids
}

func readErrText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return oneLine(err.Error())
}

func writeSanitizeReport(dir string, doc filesScanDoc) error {
	rep := struct {
		Schema  string                    `json:"schema"`
		Written time.Time                 `json:"written"`
		Files   []filescan.SanitizeRecord `json:"files"`
	}{filescan.SanitizeSchema, doc.Finished, doc.Sanitized}
	if rep.Files == nil {
		rep.Files = []filescan.SanitizeRecord{}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("--sanitize: %w", err)
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "sanitize-report.json"), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("--sanitize: %w", err)
	}
	return nil
}

func writeFilesReport(w io.Writer, format outreport.Format, findings []inventory.Finding, cat *check.Catalogue, verbose bool, doc any) error {
	var err error
	switch format {
	case outreport.FormatJSON:
		err = outreport.WriteJSON(w, doc)
	case outreport.FormatSARIF:
		err = outreport.WriteSARIF(w, outreport.Tool{Name: "pacsguard", Version: version(), URI: "https://github.com/pacsguard/pacsguard"}, findings, cat)
	case outreport.FormatCSV:
		err = outreport.WriteCSV(w, findings)
	default:
		err = outreport.WriteFindingsTable(w, findings, outreport.TableOptions{Verbose: verbose})
	}
	if err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	return nil
}

// filesProgress is a progress line on stderr, or nothing when stderr is
// not a terminal.
type filesProgress struct{ bar *progressbar.ProgressBar }

func newFilesProgress(env *Env, what string) filesProgress {
	if !env.StderrIsTerminal {
		return filesProgress{}
	}
	return filesProgress{progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(env.Stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("files"),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

func (p filesProgress) Add(n int) {
	if p.bar != nil {
		p.bar.Add(n)
	}
}

func (p filesProgress) Finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}

const filesBaselineLong = `Baseline records every regular file under each DIR in the database: its path,
size, modification time, SHA-256 (read in one streaming pass; memory does not
grow with file size) and whether it reads as DICOM. Recording a DIR again
replaces its baseline. 'pacsguard files verify DIR' compares with it later.

Exit codes: 0 recorded; 1 recorded, but some files could not be read; 2 usage
error; 3 failure (database).`

type filesBaselineOptions struct {
	db      string
	follow  bool
	workers int
	showPHI bool
}

func newFilesBaselineCmd(env *Env) *cobra.Command {
	var o filesBaselineOptions
	cmd := &cobra.Command{
		Use:   "baseline [flags] DIR...",
		Short: "Record size, time and SHA-256 of every file, to verify later",
		Long:  filesBaselineLong,
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFilesBaseline(cmd.Context(), env, o, args)
		},
	}
	cmd.Flags().StringVar(&o.db, "db", "", "database file (default $PACSGUARD_DB or ~/.local/share/pacsguard/pacsguard.db)")
	cmd.Flags().BoolVar(&o.follow, "follow-symlinks", false, "follow symbolic links, also out of the given directories")
	cmd.Flags().IntVar(&o.workers, "workers", 0, "files hashed in parallel (default: number of CPUs)")
	cmd.Flags().BoolVar(&o.showPHI, "show-phi", false, "name unreadable files in full (components with a ^ are hidden as [redacted] by default)")
	return cmd
}

// resolveDirs makes every DIR absolute with links resolved, and checks it is a directory.
func resolveDirs(paths []string) ([]string, error) {
	var dirs []string
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err == nil {
			abs, err = filepath.EvalSymlinks(abs)
		}
		if err != nil {
			return nil, usageErrorf("%s: %v", p, readErrText(err))
		}
		st, err := os.Stat(abs)
		if err != nil {
			return nil, usageErrorf("%s: %v", p, readErrText(err))
		}
		if !st.IsDir() {
			return nil, usageErrorf("%s is not a directory (baselines cover directories)", p)
		}
		dirs = append(dirs, abs)
	}
	return dirs, nil
}

func runFilesBaseline(ctx context.Context, env *Env, o filesBaselineOptions, paths []string) error {
	if o.workers < 0 {
		return usageErrorf("--workers must be 0 (automatic) or more, got %d", o.workers)
	}
	dirs, err := resolveDirs(paths)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, env, o.db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	unread := 0
	for _, dir := range dirs {
		bw, err := st.BeginFileBaseline(ctx, dir, env.Now())
		if err != nil {
			return err
		}
		bar := newFilesProgress(env, "hashing")
		var files, dicomFiles, bytes int64
		var addErr error
		_, err = filescan.FingerprintTree(ctx, dir, filescan.WalkOptions{FollowSymlinks: o.follow, Workers: o.workers}, func(fp filescan.Fingerprint, err error) {
			bar.Add(1)
			if err != nil {
				unread++
				p := filepath.Join(dir, fp.Path)
				if !o.showPHI {
					p = filescan.RedactPath(dir, p, nil)
				}
				fmt.Fprintf(env.Stderr, "pacsguard: files baseline: %s: %s\n", p, readErrText(err))
				return
			}
			if addErr == nil {
				addErr = bw.Add(ctx, store.FileBaselineEntry{Path: fp.Path, Size: fp.Size, ModTime: fp.ModTime, SHA256: fp.SHA256, IsDICOM: fp.IsDICOM})
			}
			files++
			bytes += fp.Size
			if fp.IsDICOM {
				dicomFiles++
			}
		})
		bar.Finish()
		if err == nil {
			err = addErr
		}
		if err != nil {
			bw.Rollback()
			return err
		}
		if err := bw.Commit(ctx); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "baseline of %s: %d files (%d DICOM), %d bytes, recorded in %s\n", dir, files, dicomFiles, bytes, st.Path())
	}
	if unread > 0 {
		return partialErrorf("%d files could not be read and are not in the baseline", unread)
	}
	return nil
}

const filesVerifyLong = `Verify compares the files under each DIR with the baseline recorded by
'pacsguard files baseline' (for DIR or a directory that contains it) and
reports: modified files; files that no longer read as DICOM; files whose
content now looks encrypted (the Shannon entropy of sampled blocks close to 8
bits/byte where DICOM structure used to be); missing and new files; renames
the way ransomware renames (a known extension such as .locked or .encrypted,
or an unknown one appended to a baselined name with the same size); ransom
notes (README, DECRYPT, HOW_TO_RECOVER... .txt/.html). When the share of
baselined files modified, missing or renamed reaches --alarm-threshold percent
a ransomware alarm is raised.

Every file is hashed again (SHA-256, streaming): a change that keeps size and
time is still found.

Exit codes: 0 nothing changed; 1 changes found (or files unreadable); 2 usage
error, or no baseline for DIR; 3 failure (database).`

type filesVerifyOptions struct {
	format, output string
	db             string
	follow         bool
	workers        int
	threshold      float64
	verbose        bool
	showPHI        bool
}

func newFilesVerifyCmd(env *Env) *cobra.Command {
	var o filesVerifyOptions
	cmd := &cobra.Command{
		Use:   "verify [flags] DIR...",
		Short: "Compare files with their baseline: changes, encryption, ransomware",
		Long:  filesVerifyLong,
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFilesVerify(cmd.Context(), env, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "table", "output format: table, json, sarif or csv")
	f.StringVarP(&o.output, "output", "o", "", "write the report to this file instead of stdout")
	f.StringVar(&o.db, "db", "", "database file (default $PACSGUARD_DB or ~/.local/share/pacsguard/pacsguard.db)")
	f.BoolVar(&o.follow, "follow-symlinks", false, "follow symbolic links, also out of the given directories")
	f.IntVar(&o.workers, "workers", 0, "files hashed in parallel (default: number of CPUs)")
	f.Float64Var(&o.threshold, "alarm-threshold", 20, "percentage of baselined files changed in one run that raises the ransomware alarm")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "table: show evidence and remediation under each finding")
	f.BoolVar(&o.showPHI, "show-phi", false, "show path components that name a patient (those with a ^, hidden as [redacted] by default)")
	return cmd
}

type filesVerifyDoc struct {
	Schema   string                            `json:"schema"`
	Command  string                            `json:"command"`
	Tool     toolInfo                          `json:"tool"`
	Started  time.Time                         `json:"started"`
	Finished time.Time                         `json:"finished"`
	Dirs     []verifiedDir                     `json:"dirs"`
	Findings []inventory.Finding               `json:"findings"`
	Summary  map[string]filescan.VerifySummary `json:"-"`
}

type verifiedDir struct {
	Dir              string                 `json:"dir"`
	BaselineRoot     string                 `json:"baseline_root"`
	BaselineRecorded time.Time              `json:"baseline_recorded"`
	Summary          filescan.VerifySummary `json:"summary"`
}

func runFilesVerify(ctx context.Context, env *Env, o filesVerifyOptions, paths []string) error {
	format, err := outreport.ParseFormat(o.format, filesFormats...)
	if err != nil {
		return usageErrorf("--format: %v", err)
	}
	if o.threshold <= 0 || o.threshold > 100 {
		return usageErrorf("--alarm-threshold must be a percentage above 0 and at most 100, got %g", o.threshold)
	}
	if o.workers < 0 {
		return usageErrorf("--workers must be 0 (automatic) or more, got %d", o.workers)
	}
	dirs, err := resolveDirs(paths)
	if err != nil {
		return err
	}
	cat, err := check.Load()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, env, o.db, false)
	if err != nil {
		return err
	}
	defer st.Close()
	w, commit, discard, err := createOutput(env, o.output)
	if err != nil {
		return err
	}
	defer discard()
	doc := filesVerifyDoc{Schema: FilesSchema, Command: "verify", Tool: toolInfo{"pacsguard", version()}, Started: env.Now()}
	redacted := 0
	for _, dir := range dirs {
		bl, err := st.FileBaselineFor(ctx, dir)
		if errors.Is(err, store.ErrNoBaseline) {
			return usageErrorf("no baseline covers %s in %s; record one first with 'pacsguard files baseline %s'", dir, st.Path(), dir)
		}
		if err != nil {
			return err
		}
		prefix, _ := filepath.Rel(bl.Root, dir)
		prefix = filepath.ToSlash(prefix)
		if prefix == "." {
			prefix = ""
		}
		entries := func(fn func(filescan.Fingerprint) error) error {
			return st.FileBaselineEntries(ctx, bl.ID, prefix, func(e store.FileBaselineEntry) error {
				return fn(filescan.Fingerprint{Path: e.Path, Size: e.Size, ModTime: e.ModTime, SHA256: e.SHA256, IsDICOM: e.IsDICOM})
			})
		}
		bar := newFilesProgress(env, "verifying")
		findings, sum, err := filescan.Verify(ctx, cat, bl.Root, dir, entries, filescan.VerifyOptions{
			Walk: filescan.WalkOptions{FollowSymlinks: o.follow, Workers: o.workers}, AlarmThreshold: o.threshold / 100,
			Progress: func() { bar.Add(1) }})
		bar.Finish()
		if err != nil {
			return err
		}
		if !o.showPHI {
			// No header is read here, so only "^" (person name) folders.
			for i := range findings {
				if filescan.RedactFinding(&findings[i], dir, nil) {
					redacted++
				}
			}
		}
		doc.Findings = append(doc.Findings, findings...)
		doc.Dirs = append(doc.Dirs, verifiedDir{Dir: dir, BaselineRoot: bl.Root, BaselineRecorded: bl.Recorded, Summary: sum})
		fmt.Fprintf(env.Stderr, "pacsguard: files verify %s: %d baselined, %d unchanged, %d modified, %d missing, %d renamed, %d new; %.0f%% changed%s\n",
			dir, sum.Baselined, sum.Unchanged, sum.Modified, sum.Missing, sum.Renamed, sum.New, 100*sum.ChangedShare, map[bool]string{true: " — RANSOMWARE ALARM", false: ""}[sum.Alarm])
	}
	doc.Finished = env.Now()
	outreport.SortFindings(doc.Findings)
	if doc.Findings == nil {
		doc.Findings = []inventory.Finding{}
	}
	if err := writeFilesReport(w, format, doc.Findings, cat, o.verbose, doc); err != nil {
		return err
	}
	if err := commit(); err != nil {
		return err
	}
	if redacted > 0 {
		fmt.Fprintf(env.Stderr, "pacsguard: files verify: %d findings name a patient in their path and show [redacted]; --show-phi shows them\n", redacted)
	}
	run := inventory.Run{Kind: "verify", Mode: "baseline", Started: doc.Started, Finished: doc.Finished, Targets: dirs}
	if _, err := st.SaveRun(ctx, run, nil, doc.Findings); err != nil {
		return fmt.Errorf("record the findings in %s: %w", st.Path(), err)
	}
	if len(doc.Findings) > 0 {
		return ErrFindings
	}
	return nil
}

const filesRestoreLong = `Restore moves every file listed in a quarantine manifest (DIR/manifest.json,
written by 'pacsguard files scan --quarantine DIR') back to its original path,
with its permissions and modification time, after checking its SHA-256. It
never overwrites: a file already at the original path is left alone and the
entry reported. Restored entries are marked in the manifest.

Exit codes: 0 all restored; 1 some could not be restored; 2 usage error.`

func newFilesRestoreCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "restore MANIFEST",
		Short: "Put quarantined files back where they were",
		Long:  filesRestoreLong,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if filepath.Base(args[0]) != filescan.ManifestName {
				if st, err := os.Stat(args[0]); err == nil && st.IsDir() {
					args[0] = filepath.Join(args[0], filescan.ManifestName)
				} else {
					return usageErrorf("give the quarantine's %s (or its directory), got %s", filescan.ManifestName, args[0])
				}
			}
			res, err := filescan.Restore(args[0], env.Now())
			if err != nil {
				return usageErrorf("%v", err)
			}
			failed := 0
			for _, r := range res {
				if r.Err != nil {
					failed++
					fmt.Fprintf(env.Stderr, "pacsguard: files restore: %s: %s\n", r.Entry.Original, readErrText(r.Err))
					continue
				}
				fmt.Fprintf(env.Stdout, "restored %s\n", r.Entry.Original)
			}
			if failed > 0 {
				return partialErrorf("%d of %d files could not be restored", failed, len(res))
			}
			return nil
		},
	}
}
