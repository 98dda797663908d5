package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pacsguard/pacsguard/internal/check"
	"github.com/pacsguard/pacsguard/internal/inventory"
	"github.com/pacsguard/pacsguard/internal/mds2"
	outreport "github.com/pacsguard/pacsguard/internal/report"
	"github.com/pacsguard/pacsguard/internal/store"
)

const mds2Long = `Read Manufacturer Disclosure Statements for Medical Device Security (MDS2,
ANSI/NEMA HN 1-2019) to compare imaging devices before purchase, write the
security requirements of a request for proposal, and check a delivered
device's claims against what pacsguard's scans observed.

  pacsguard mds2 import ct-vendor-a.xlsx ct-vendor-b.xlsx
  pacsguard mds2 list
  pacsguard mds2 compare acme-imaging/ct-9000 borealis-medical/scanline-7 --equipment ct
  pacsguard mds2 compare form-a.xlsx form-b.xlsx --equipment ultrasound --format html -o cmp.html
  pacsguard mds2 rfp --equipment pet-ct -o rfp-security.md
  pacsguard mds2 verify acme-imaging/ct-9000 --host 10.1.2.3

Devices are named by the key import prints (manufacturer/model/version, or a
prefix naming one device) or by a file. Spreadsheets are untrusted: files over
20 MiB and zip archives that expand too far are refused; answers that cannot
be read are reported per question and never guessed. See docs/mds2.md.`

const equipmentHelp = "ct, mr, pet-ct, ultrasound, xray, mammography, workstation or pacs"

type mds2Common struct {
	format string
	output string
	db     string
	noDB   bool
}

func (c *mds2Common) addOutput(cmd *cobra.Command) {
	cmd.Flags().StringVar(&c.format, "format", "terminal", "report format: terminal, markdown, json or html")
	cmd.Flags().StringVarP(&c.output, "output", "o", "", "write the report to this file instead of stdout")
}

func (c *mds2Common) addDB(cmd *cobra.Command, noDB bool) {
	cmd.Flags().StringVar(&c.db, "db", "", "database (default $PACSGUARD_DB or ~/.local/share/pacsguard/pacsguard.db)")
	if noDB {
		cmd.Flags().BoolVar(&c.noDB, "no-db", false, "use no database: read files only, store nothing")
	}
}

func newMds2Cmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mds2",
		Short: "Read, compare and verify MDS2 device security disclosures",
		Long:  mds2Long,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown mds2 command %q (want import, list, compare, rfp or verify)", args[0])
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(newMds2ImportCmd(env), newMds2ListCmd(env), newMds2CompareCmd(env), newMds2RFPCmd(env), newMds2VerifyCmd(env))
	return cmd
}

// writeReport renders into --output (atomically) or stdout.
func writeReport(env *Env, path string, render func(io.Writer) error) error {
	w, commit, discard, err := createOutput(env, path)
	if err != nil {
		return err
	}
	if err := render(w); err != nil {
		discard()
		return err
	}
	return commit()
}

func parseMds2Format(s string) (mds2.Format, error) {
	f, err := mds2.ParseFormat(s)
	if err != nil {
		return "", usageErrorf("%v", err)
	}
	return f, nil
}

// readForm reads one spreadsheet; errors about the file itself are usage
// errors (exit 2), because the input is what has to be fixed.
func readForm(path string, m *mds2.Model) (*mds2.Profile, error) {
	p, err := mds2.ReadFile(path, m.Catalogue, mds2.DefaultLimits())
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission),
		errors.Is(err, mds2.ErrTooLarge), errors.Is(err, mds2.ErrNotXLSX), errors.Is(err, mds2.ErrZipBomb),
		errors.Is(err, mds2.ErrNoForm), errors.Is(err, mds2.ErrBroken):
		return nil, usageErrorf("%v", err)
	default:
		return nil, err
	}
}

func newMds2ImportCmd(env *Env) *cobra.Command {
	var c mds2Common
	var strict bool
	cmd := &cobra.Command{
		Use:   "import FILE.xlsx...",
		Short: "Read MDS2 spreadsheets and store each device's security profile",
		Long: `Read MDS2 spreadsheets (HN 1-2019 form) by question ID, print what was read
and every answer that could not be read, and store each device's profile
(unless --no-db) so that compare and verify can name it by its key.

Exit codes: 0 every file read; 1 some files could not be read (one line each),
or --strict and some answers could not be read; 2 no file could be read or a
bad flag; 3 store failure.`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMds2Import(cmd.Context(), env, c, strict, args)
		},
	}
	c.addOutput(cmd)
	c.addDB(cmd, true)
	cmd.Flags().BoolVar(&strict, "strict", false, "exit 1 when any answer could not be read")
	return cmd
}

func runMds2Import(ctx context.Context, env *Env, c mds2Common, strict bool, files []string) error {
	format, err := parseMds2Format(c.format)
	if err != nil {
		return err
	}
	m, err := mds2.LoadModel()
	if err != nil {
		return err
	}
	var profiles []*mds2.Profile
	var failed []error
	for _, f := range files {
		p, err := readForm(f, m)
		if err != nil {
			var ue *usageError
			if !errors.As(err, &ue) {
				return err
			}
			failed = append(failed, err)
			continue
		}
		profiles = append(profiles, p)
	}
	if len(files) == 1 && len(failed) == 1 {
		return failed[0]
	}
	for _, err := range failed {
		fmt.Fprintf(env.Stderr, "pacsguard: %s\n", oneLine(err.Error()))
	}
	if len(profiles) == 0 {
		return usageErrorf("none of the %d files could be read as MDS2 forms", len(files))
	}
	st, err := openStore(ctx, env, c.db, c.noDB)
	if err != nil {
		return err
	}
	if st != nil {
		defer st.Close()
		for _, p := range profiles {
			doc, err := json.Marshal(p)
			if err != nil {
				return err
			}
			if _, err := st.SaveMDS2Profile(ctx, store.MDS2Profile{
				Key: p.Device.Key(), Manufacturer: p.Device.Manufacturer, Model: p.Device.Model, Version: p.Device.Version,
				DocumentDate: p.Device.DocumentDate, SourceName: p.Source.Name, SourceSHA256: p.Source.SHA256,
				Imported: env.Now(), Doc: doc,
			}); err != nil {
				return err
			}
		}
	}
	if err := writeReport(env, c.output, func(w io.Writer) error { return mds2.WriteProfiles(w, m.Catalogue, profiles, format) }); err != nil {
		return err
	}
	if st != nil && format == mds2.FormatTable && c.output == "" {
		fmt.Fprintf(env.Stdout, "\nStored %d profile(s) in %s.\n", len(profiles), st.Path())
	}
	if len(failed) > 0 {
		return partialErrorf("%d of %d files could not be read", len(failed), len(files))
	}
	if strict {
		n := 0
		for _, p := range profiles {
			n += len(p.Problems)
		}
		if n > 0 {
			return partialErrorf("%d answers could not be read (--strict)", n)
		}
	}
	return nil
}

func newMds2ListCmd(env *Env) *cobra.Command {
	var c mds2Common
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stored device profiles and their keys",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseMds2Format(c.format)
			if err != nil {
				return err
			}
			if format != mds2.FormatTable && format != mds2.FormatJSON {
				return usageErrorf("mds2 list writes terminal or json, not %q", c.format)
			}
			st, err := openStore(cmd.Context(), env, c.db, false)
			if err != nil {
				return err
			}
			defer st.Close()
			ps, err := st.MDS2Profiles(cmd.Context())
			if err != nil {
				return err
			}
			if format == mds2.FormatJSON {
				type item struct {
					ID           int64     `json:"id"`
					Key          string    `json:"key"`
					Manufacturer string    `json:"manufacturer"`
					Model        string    `json:"model"`
					Version      string    `json:"version,omitempty"`
					DocumentDate string    `json:"document_date,omitempty"`
					Source       string    `json:"source"`
					Imported     time.Time `json:"imported"`
				}
				items := []item{}
				for _, p := range ps {
					items = append(items, item{p.ID, p.Key, p.Manufacturer, p.Model, p.Version, p.DocumentDate, p.SourceName, p.Imported})
				}
				return outreport.WriteJSON(env.Stdout, struct {
					Schema   string `json:"schema"`
					Kind     string `json:"kind"`
					Profiles []item `json:"profiles"`
				}{mds2.Schema, "list", items})
			}
			if len(ps) == 0 {
				fmt.Fprintln(env.Stdout, "No MDS2 profiles stored; add some with pacsguard mds2 import FILE.xlsx.")
				return nil
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tKEY\tDOCUMENT DATE\tSOURCE\tIMPORTED")
			for _, p := range ps {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", p.ID, p.Key, dashIfEmpty(p.DocumentDate), safeText(p.SourceName), p.Imported.UTC().Format("2006-01-02 15:04"))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&c.format, "format", "terminal", "terminal or json")
	c.addDB(cmd, false)
	return cmd
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return safeText(s)
}

// safeText keeps stored, vendor-chosen text from carrying terminal escapes
// or bidirectional overrides.
func safeText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return ' '
		}
		return r
	}, s)
}

// loadDevice resolves FILE|DEVICE: an existing file is read, anything else is
// looked up in the store.
func loadDevice(ctx context.Context, ref string, m *mds2.Model, st *store.Store) (*mds2.Profile, error) {
	if fi, err := os.Stat(ref); err == nil && !fi.IsDir() {
		return readForm(ref, m)
	}
	if st == nil {
		return nil, usageErrorf("%s: no such file (stored devices need the database; drop --no-db)", ref)
	}
	rec, ok, err := st.FindMDS2Profile(ctx, ref)
	switch {
	case errors.Is(err, store.ErrAmbiguous):
		return nil, usageErrorf("%v", err)
	case err != nil:
		return nil, err
	case !ok:
		return nil, usageErrorf("%s: no such file or stored device (see pacsguard mds2 list)", ref)
	}
	var p mds2.Profile
	if err := json.Unmarshal(rec.Doc, &p); err != nil {
		return nil, fmt.Errorf("stored profile %d (%s) is unreadable: %w; import the form again", rec.ID, rec.Key, err)
	}
	return &p, nil
}

func equipmentFor(m *mds2.Model, typ string) (mds2.Equipment, error) {
	if typ == "" {
		return mds2.Equipment{}, usageErrorf("--equipment is required: %s", equipmentHelp)
	}
	e, ok := m.Weights.For(typ)
	if !ok {
		return mds2.Equipment{}, usageErrorf("unknown --equipment %q (want %s)", typ, strings.Join(m.Weights.EquipmentTypes(), ", "))
	}
	return e, nil
}

// needsStore reports whether any reference is not an existing file.
func needsStore(refs []string) bool {
	for _, r := range refs {
		if fi, err := os.Stat(r); err != nil || fi.IsDir() {
			return true
		}
	}
	return false
}

func newMds2CompareCmd(env *Env) *cobra.Command {
	var c mds2Common
	var equipment string
	cmd := &cobra.Command{
		Use:   "compare FILE|DEVICE... --equipment TYPE",
		Short: "Compare devices side by side with a weighted score and red flags",
		Long: `Compare devices' MDS2 answers side by side with a score from 0 to 100
weighted for the kind of equipment (` + equipmentHelp + `).
The weights and the reason for each are in docs/mds2.md. Red flags (default
or hard-coded passwords, no transport encryption, unsupported OS, no SBOM, no
malware protection, remote access without MFA, no end-of-support date or less
than three years' notice) are listed whatever the weights.

Exit codes: 0 report written; 2 bad flag, file or device name; 3 failure.`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			format, err := parseMds2Format(c.format)
			if err != nil {
				return err
			}
			m, err := mds2.LoadModel()
			if err != nil {
				return err
			}
			e, err := equipmentFor(m, equipment)
			if err != nil {
				return err
			}
			var st *store.Store
			if needsStore(args) {
				if st, err = openStore(ctx, env, c.db, c.noDB); err != nil {
					return err
				}
				if st != nil {
					defer st.Close()
				}
			}
			var ps []*mds2.Profile
			for _, ref := range args {
				p, err := loadDevice(ctx, ref, m, st)
				if err != nil {
					return err
				}
				ps = append(ps, p)
			}
			cmp := mds2.Compare(m, e, ps, env.Now())
			return writeReport(env, c.output, func(w io.Writer) error { return mds2.WriteComparison(w, cmp, format) })
		},
	}
	c.addOutput(cmd)
	c.addDB(cmd, true)
	cmd.Flags().StringVar(&equipment, "equipment", "", "equipment type: "+equipmentHelp)
	return cmd
}

func newMds2RFPCmd(env *Env) *cobra.Command {
	var equipment, output string
	cmd := &cobra.Command{
		Use:   "rfp --equipment TYPE",
		Short: "Write the security requirements of a request for proposal (Markdown)",
		Long: `Write security requirements for a request for proposal as Markdown, derived
from HICP sub-practice 9.L.C and the principles of the Health Sector
Coordinating Council's Model Contract-Language for Medtech Cybersecurity (MC2,
2022), with the controls that weigh most for the equipment type.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := mds2.LoadModel()
			if err != nil {
				return err
			}
			e, err := equipmentFor(m, equipment)
			if err != nil {
				return err
			}
			return writeReport(env, output, func(w io.Writer) error { return mds2.WriteRFP(w, m, e) })
		},
	}
	cmd.Flags().StringVar(&equipment, "equipment", "", "equipment type: "+equipmentHelp)
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the requirements to this file instead of stdout")
	return cmd
}

func newMds2VerifyCmd(env *Env) *cobra.Command {
	var c mds2Common
	var host string
	cmd := &cobra.Command{
		Use:   "verify FILE|DEVICE --host HOST",
		Short: "Check a device's MDS2 claims against what pacsguard observed of it",
		Long: `Compare the MDS2 claims of a device with the newest scan in the database
that saw HOST: TLS offered or not, AE title checks, web logins, open services
and known CVEs of the software found. Each contradiction is listed with the
claim and the observation, and recorded as an mds2-verify run.

Exit codes: 0 no contradiction; 1 contradictions found; 2 bad flag, file,
device or a host no scan has seen; 3 failure.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			sarif := strings.EqualFold(c.format, "sarif")
			var format mds2.Format
			if !sarif {
				var err error
				if format, err = parseMds2Format(c.format); err != nil {
					return err
				}
			}
			if host == "" {
				return usageErrorf("--host is required: the address the device was scanned at")
			}
			m, err := mds2.LoadModel()
			if err != nil {
				return err
			}
			checks, err := check.Load()
			if err != nil {
				return err
			}
			st, err := openStore(ctx, env, c.db, false)
			if err != nil {
				return err
			}
			defer st.Close()
			p, err := loadDevice(ctx, args[0], m, st)
			if err != nil {
				return err
			}
			run, ok, err := st.LatestRunForHost(ctx, "scan", host)
			if err != nil {
				return err
			}
			if !ok {
				return usageErrorf("no scan in %s has seen %s; run pacsguard scan %s first", st.Path(), host, host)
			}
			services, err := st.RunServices(ctx, run.ID)
			if err != nil {
				return err
			}
			findings, err := st.RunFindings(ctx, run.ID)
			if err != nil {
				return err
			}
			v := mds2.Verify(m, checks, p, host, mds2.ForHost(run, services, findings, host), env.Now())
			render := func(w io.Writer) error { return mds2.WriteVerification(w, v, format) }
			if sarif {
				// For code-scanning dashboards and CI: the contradictions as SARIF results.
				render = func(w io.Writer) error {
					return outreport.WriteSARIF(w, outreport.Tool{Name: "pacsguard", Version: version(), URI: "https://github.com/pacsguard/pacsguard"}, v.Contradictions, checks)
				}
			}
			if err := writeReport(env, c.output, render); err != nil {
				return err
			}
			now := env.Now()
			if _, err := st.SaveRun(ctx, verifyRun(host, now), nil, v.Contradictions); err != nil {
				return err
			}
			if len(v.Contradictions) > 0 {
				return ErrFindings
			}
			return nil
		},
	}
	c.addOutput(cmd)
	cmd.Flags().Lookup("format").Usage = "report format: terminal, markdown, json, html or sarif"
	c.addDB(cmd, false)
	cmd.Flags().StringVar(&host, "host", "", "address of the device as scanned (required)")
	return cmd
}

func verifyRun(host string, now time.Time) inventory.Run {
	return inventory.Run{Kind: "mds2-verify", Mode: "offline", Started: now, Finished: now, Targets: []string{host}}
}
