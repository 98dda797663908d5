package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pacsguard/pacsguard/internal/store"
	"github.com/pacsguard/pacsguard/internal/vulndb"
)

const vulndbLong = `The advisory database for imaging software: DCMTK, Orthanc, pydicom, GDCM,
Sante, MicroDicom, RadiAnt, OsiriX, MedDream, PacsOne, Dicoogle, Philips, GE,
the DICOM standard itself and more. It ships inside pacsguard and works
offline; scans use it to turn a fingerprinted version into findings.

Refresh it from the official offline files, downloaded elsewhere and carried
in: an NVD CVE API 2.0 answer, the CISA Known Exploited Vulnerabilities
catalogue, or CSAF 2.0 advisories (CISA ICS, vendors). Only records about
products pacsguard knows are kept; they are merged over the embedded data in
the local database, which they never overwrite.

  pacsguard vulndb status
  pacsguard vulndb list --product dcmtk
  pacsguard vulndb show CVE-2022-2119
  pacsguard vulndb import nvd-dcmtk.json known_exploited_vulnerabilities.json icsma-25-037-02.json

Exit codes: 0 done; 2 bad flag, unknown ID or malformed import file (nothing
imported); 3 database or I/O failure.`

// vulndbSchema names the JSON output of the vulndb commands.
const vulndbSchema = "pacsguard.vulndb.output/v1"

type vulndbFlags struct {
	db     string
	noDB   bool
	format string
}

func (f *vulndbFlags) register(cmd *cobra.Command, withFormat bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "", "database holding imported advisories (default $PACSGUARD_DB or ~/.local/share/pacsguard/pacsguard.db)")
	if withFormat {
		fl.BoolVar(&f.noDB, "no-db", false, "use the embedded advisories only")
		fl.StringVar(&f.format, "format", "text", "output format: text or json")
	}
}

func (f *vulndbFlags) json() (bool, error) {
	switch f.format {
	case "text", "":
		return false, nil
	case "json":
		return true, nil
	}
	return false, usageErrorf("unknown --format %q (want text or json)", f.format)
}

func newVulndbCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vulndb",
		Short: "Query and update the imaging advisory database",
		Long:  vulndbLong,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown vulndb command %q (want status, list, show, match or import)", args[0])
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(newVulndbStatusCmd(env), newVulndbListCmd(env), newVulndbShowCmd(env), newVulndbMatchCmd(env), newVulndbImportCmd(env))
	return cmd
}

// vulndbEffective is the embedded database with the store's imported records
// merged on top. Read-only commands do not create a database that does not
// exist yet; a stored record that no longer validates is skipped with a
// warning, so the embedded data is always there.
func vulndbEffective(ctx context.Context, env *Env, f vulndbFlags) (*vulndb.DB, *store.Store, int, error) {
	db, err := vulndb.LoadEmbedded()
	if err != nil {
		return nil, nil, 0, err
	}
	if f.noDB {
		return db, nil, 0, nil
	}
	path := f.db
	if path == "" {
		p, err := store.DefaultPath(env.Getenv)
		if err != nil {
			return db, nil, 0, nil
		}
		if _, err := os.Stat(p); err != nil {
			return db, nil, 0, nil // nothing imported yet
		}
		path = p
	}
	st, err := openStore(ctx, env, path, false)
	if err != nil {
		return nil, nil, 0, err
	}
	recs, err := st.VulnRecords(ctx)
	if err != nil {
		st.Close()
		return nil, nil, 0, fmt.Errorf("read imported advisories from %s: %w", st.Path(), err)
	}
	docs := make([][]byte, len(recs))
	for i, r := range recs {
		docs[i] = r.Doc
	}
	merged, problems, err := vulndb.Effective(docs)
	if err != nil {
		st.Close()
		return nil, nil, 0, err
	}
	if len(problems) > 0 {
		fmt.Fprintf(env.Stderr, "pacsguard: warning: skipped %d imported advisory record(s) in %s that no longer validate (first: %s); re-import the source files\n",
			len(problems), st.Path(), oneLine(problems[0].Error()))
	}
	return merged, st, len(recs), nil
}

// --- status ---------------------------------------------------------------------

func newVulndbStatusCmd(env *Env) *cobra.Command {
	var f vulndbFlags
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Say what the advisory database holds and when it was last refreshed",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := f.json()
			if err != nil {
				return err
			}
			db, st, stored, err := vulndbEffective(cmd.Context(), env, f)
			if err != nil {
				return err
			}
			var last *store.VulnImport
			dbPath := ""
			if st != nil {
				defer st.Close()
				dbPath = st.Path()
				if sum, ok, err := st.LastVulnImport(cmd.Context()); err != nil {
					return err
				} else if ok {
					last = &sum
				}
			}
			return writeVulndbStatus(env.Stdout, db, stored, dbPath, last, asJSON)
		},
	}
	f.register(cmd, true)
	return cmd
}

type vulndbStatus struct {
	Schema         string            `json:"schema"`
	Data           vulndb.Info       `json:"data"`
	StoredRecords  int               `json:"stored_records"`
	Database       string            `json:"database,omitempty"`
	LastImport     *store.VulnImport `json:"last_import,omitempty"`
	Products       map[string]int    `json:"products"`
	KnownExploited int               `json:"known_exploited"`
	Unverified     int               `json:"unverified"`
	Disputed       int               `json:"disputed"`
}

func writeVulndbStatus(w io.Writer, db *vulndb.DB, stored int, dbPath string, last *store.VulnImport, asJSON bool) error {
	s := vulndbStatus{Schema: vulndbSchema, Data: db.Info(), StoredRecords: stored, Database: dbPath, LastImport: last, Products: map[string]int{}}
	for _, a := range db.All("") {
		s.Products[a.Product]++
		if a.KnownExploited {
			s.KnownExploited++
		}
		if !a.Verified {
			s.Unverified++
		}
		if a.Disputed {
			s.Disputed++
		}
	}
	if asJSON {
		return vulndbJSON(w, s)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Advisory data:     %s, revision %d, reviewed %s\n", s.Data.Schema, s.Data.Revision, s.Data.Updated)
	fmt.Fprintf(&b, "Embedded:          %d advisories\n", s.Data.Embedded)
	switch {
	case dbPath == "":
		fmt.Fprintf(&b, "Imported:          none (no local database)\n")
	case last == nil:
		fmt.Fprintf(&b, "Imported:          none yet in %s\n", dbPath)
	default:
		fmt.Fprintf(&b, "Imported:          %d records in %s\n", stored, dbPath)
		fmt.Fprintf(&b, "Last import:       %s, %d file(s): %d added, %d updated, %d unchanged, %d ignored\n",
			last.Imported.UTC().Format("2006-01-02 15:04 MST"), len(last.Files), last.Added, last.Updated, last.Unchanged, last.Ignored)
	}
	fmt.Fprintf(&b, "Effective:         %d advisories for %d products (%d known exploited, %d disputed, %d not fully verified)\n",
		s.Data.Total, len(s.Products), s.KnownExploited, s.Disputed, s.Unverified)
	var names []string
	for p := range s.Products {
		names = append(names, p)
	}
	sort.Strings(names)
	var parts []string
	for _, p := range names {
		parts = append(parts, fmt.Sprintf("%s:%d", p, s.Products[p]))
	}
	b.WriteString(vulndbLabelledWidth("Products:", strings.Join(parts, " "), 19))
	_, err := io.WriteString(w, b.String())
	return err
}

// --- list -------------------------------------------------------------------------

func newVulndbListCmd(env *Env) *cobra.Command {
	var f vulndbFlags
	var product string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List advisories, optionally of one product",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := f.json()
			if err != nil {
				return err
			}
			if product != "" {
				if _, ok := vulndb.ProductByID(product); !ok {
					return usageErrorf("unknown --product %q (known: %s)", product, strings.Join(vulndb.ProductIDs(), ", "))
				}
			}
			db, st, _, err := vulndbEffective(cmd.Context(), env, f)
			if err != nil {
				return err
			}
			if st != nil {
				st.Close()
			}
			return writeVulndbList(env.Stdout, db.All(product), asJSON)
		},
	}
	f.register(cmd, true)
	cmd.Flags().StringVar(&product, "product", "", "only this product ID (e.g. dcmtk, orthanc, microdicom)")
	return cmd
}

func writeVulndbList(w io.Writer, advs []vulndb.Advisory, asJSON bool) error {
	if asJSON {
		out := struct {
			Schema     string            `json:"schema"`
			Advisories []vulndb.Advisory `json:"advisories"`
		}{vulndbSchema, advs}
		if out.Advisories == nil {
			out.Advisories = []vulndb.Advisory{}
		}
		return vulndbJSON(w, out)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPRODUCT\tSEVERITY\tAFFECTED\tSUMMARY")
	for _, a := range advs {
		sev := a.Severity().String()
		if a.KnownExploited {
			sev += " (exploited)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.ID, a.Product, sev, vulndbAffected(a, "; "), vulndbClip(a.Summary, 70))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d advisories\n", len(advs))
	return err
}

// --- show -----------------------------------------------------------------------

func newVulndbShowCmd(env *Env) *cobra.Command {
	var f vulndbFlags
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one advisory by CVE, ICSMA or other ID",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := f.json()
			if err != nil {
				return err
			}
			db, st, _, err := vulndbEffective(cmd.Context(), env, f)
			if err != nil {
				return err
			}
			if st != nil {
				st.Close()
			}
			a, ok := db.Get(args[0])
			if !ok {
				return usageErrorf("no advisory %q in the database (see pacsguard vulndb list, or import it)", args[0])
			}
			embedded, err := vulndb.LoadEmbedded()
			if err != nil {
				return err
			}
			_, curated := embedded.Get(a.ID)
			return writeVulndbShow(env.Stdout, a, curated, asJSON)
		},
	}
	f.register(cmd, true)
	return cmd
}

func writeVulndbShow(w io.Writer, a vulndb.Advisory, curated, asJSON bool) error {
	if asJSON {
		return vulndbJSON(w, struct {
			Schema   string          `json:"schema"`
			Severity string          `json:"severity"`
			Advisory vulndb.Advisory `json:"advisory"`
		}{vulndbSchema, a.Severity().String(), a})
	}
	var b strings.Builder
	b.WriteString(a.ID)
	if len(a.Aliases) > 0 {
		b.WriteString(" (" + strings.Join(a.Aliases, ", ") + ")")
	}
	b.WriteString("\n")
	product := a.Product
	if p, ok := vulndb.ProductByID(a.Product); ok {
		product = fmt.Sprintf("%s (%s, %s)", p.Name, p.ID, p.Vendor)
	}
	b.WriteString(vulndbLabelled("Product:", product))
	if a.Component != "" {
		b.WriteString(vulndbLabelled("Component:", a.Component))
	}
	b.WriteString(vulndbLabelled("Summary:", a.Summary))
	sev := a.Severity().String()
	if score, _, ok := a.Score(); ok {
		sev += fmt.Sprintf(" (CVSS %.1f", score)
		if a.KnownExploited {
			sev += ", raised one level: known exploited"
		}
		sev += ")"
	} else {
		sev += " (no CVSS score known)"
	}
	b.WriteString(vulndbLabelled("Severity:", sev))
	for _, c := range []struct {
		label string
		v     *vulndb.CVSS
	}{{"CVSS v3:", a.CVSSv3}, {"CVSS v4:", a.CVSSv4}} {
		if c.v == nil {
			continue
		}
		s := fmt.Sprintf("%.1f", c.v.Score)
		if c.v.Vector != "" {
			s += " " + c.v.Vector
		}
		if c.v.Source != "" {
			s += " (" + c.v.Source + ")"
		}
		b.WriteString(vulndbLabelled(c.label, s))
	}
	switch {
	case a.KEV != nil:
		b.WriteString(vulndbLabelled("Exploited:", fmt.Sprintf("yes, CISA KEV since %s", a.KEV.DateAdded)))
	case a.KnownExploited:
		b.WriteString(vulndbLabelled("Exploited:", "yes: "+a.ExploitedBy))
	default:
		b.WriteString(vulndbLabelled("Exploited:", "not known"))
	}
	b.WriteString(vulndbLabelled("Affected:", vulndbAffected(a, "\n")))
	b.WriteString(vulndbLabelled("Surface:", strings.Join(a.Surface, ", ")))
	b.WriteString(vulndbLabelled("Fix:", a.Fix))
	if a.Published != "" {
		b.WriteString(vulndbLabelled("Published:", a.Published))
	}
	status := "verified against its public record"
	if !a.Verified {
		status = "not fully verified (see notes)"
	}
	if a.Disputed {
		status += "; affected range disputed"
	}
	b.WriteString(vulndbLabelled("Status:", status))
	var sources []string
	if curated {
		sources = append(sources, "embedded")
	}
	sources = append(sources, a.Sources...)
	b.WriteString(vulndbLabelled("Sources:", strings.Join(sources, ", ")))
	if a.Notes != "" {
		b.WriteString(vulndbLabelled("Notes:", a.Notes))
	}
	b.WriteString(vulndbLabelled("References:", strings.Join(a.References, "\n")))
	_, err := io.WriteString(w, b.String())
	return err
}

// vulndbAffected writes the ranges and versions of an advisory, joined by sep.
func vulndbAffected(a vulndb.Advisory, sep string) string {
	var parts []string
	for _, r := range a.Affected {
		s := r.String()
		if r.Disputed {
			s += " (disputed)"
		}
		parts = append(parts, s)
	}
	for _, v := range a.Versions {
		parts = append(parts, "= "+v)
	}
	if len(parts) == 0 {
		return "not established"
	}
	return strings.Join(parts, sep)
}

// --- match ------------------------------------------------------------------------

func newVulndbMatchCmd(env *Env) *cobra.Command {
	var f vulndbFlags
	var product, version, uid, versionName string
	cmd := &cobra.Command{
		Use:   "match",
		Short: "Say which advisories apply to a product version or to DICOM wire strings",
		Long: `Lists every advisory whose affected versions include one identity:

  pacsguard vulndb match --product orthanc --version 1.5.7
  pacsguard vulndb match --impl-uid 1.2.276.0.7230010.3.0.3.6.7 --version-name OFFIS_DCMTK_367

A version read from a toolkit string is "inferred"; one given with --version
is taken as exact. With no usable version no advisory is claimed: the ones
that may apply are listed instead. A scan goes one step further: on a
DICOM service it claims only advisories in the components the service was
seen to run, and lists the others in one info finding (docs/vulndb.md).`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			asJSON, err := f.json()
			if err != nil {
				return err
			}
			var id vulndb.Identity
			switch {
			case product != "" && (uid != "" || versionName != ""):
				return usageErrorf("give either --product/--version or --impl-uid/--version-name, not both")
			case product != "":
				if _, ok := vulndb.ProductByID(product); !ok {
					return usageErrorf("unknown --product %q (known: %s)", product, strings.Join(vulndb.ProductIDs(), ", "))
				}
				id = vulndb.Identity{Product: product, Version: version, Confidence: vulndb.ConfidenceExact, Source: "command line"}
				if version == "" {
					id.Confidence = vulndb.ConfidenceProductOnly
				}
			case uid != "" || versionName != "":
				if version != "" {
					return usageErrorf("--version goes with --product; the wire strings carry their own version")
				}
				id = vulndb.IdentifyFromAssociation(uid, versionName)
			default:
				return usageErrorf("give --product (and --version), or --impl-uid and/or --version-name")
			}
			db, st, _, err := vulndbEffective(cmd.Context(), env, f)
			if err != nil {
				return err
			}
			if st != nil {
				st.Close()
			}
			return writeVulndbMatch(env.Stdout, db.Match(id), asJSON)
		},
	}
	f.register(cmd, true)
	fl := cmd.Flags()
	fl.StringVar(&product, "product", "", "product ID (e.g. dcmtk, orthanc, microdicom)")
	fl.StringVar(&version, "version", "", "installed version of --product")
	fl.StringVar(&uid, "impl-uid", "", "Implementation Class UID seen on the wire or in a file's meta header")
	fl.StringVar(&versionName, "version-name", "", "Implementation Version Name seen on the wire or in a file's meta header")
	return cmd
}

func writeVulndbMatch(w io.Writer, res vulndb.Result, asJSON bool) error {
	if asJSON {
		type match struct {
			ID         string `json:"id"`
			Severity   string `json:"severity"`
			Confidence string `json:"confidence"`
			Range      string `json:"range"`
			Summary    string `json:"summary"`
		}
		out := struct {
			Schema   string          `json:"schema"`
			Identity vulndb.Identity `json:"identity"`
			Matches  []match         `json:"matches"`
			MayApply []string        `json:"may_apply"`
		}{Schema: vulndbSchema, Identity: res.Identity, Matches: []match{}, MayApply: []string{}}
		for _, m := range res.Matches {
			out.Matches = append(out.Matches, match{m.Advisory.ID, m.Advisory.Severity().String(), m.Confidence, m.Range, m.Advisory.Summary})
		}
		for _, a := range res.MayApply {
			out.MayApply = append(out.MayApply, a.ID)
		}
		return vulndbJSON(w, out)
	}
	var b strings.Builder
	id := res.Identity
	switch {
	case id.Product == "":
		b.WriteString(vulndbLabelled("Identity:", "unknown: no product pacsguard knows ("+nameOrDash(id.Source)+")"))
	default:
		b.WriteString(vulndbLabelled("Identity:", fmt.Sprintf("%s %s (confidence %s, from %s)", id.Product, nameOrDash(id.Version), id.Confidence, nameOrDash(id.Source))))
	}
	for _, n := range id.Notes {
		b.WriteString(vulndbLabelled("Note:", n))
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	if len(res.Matches) > 0 {
		fmt.Fprintln(tw, "ID\tSEVERITY\tCONFIDENCE\tRANGE\tSUMMARY")
		for _, m := range res.Matches {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Advisory.ID, m.Advisory.Severity(), m.Confidence, m.Range, vulndbClip(m.Advisory.Summary, 60))
		}
	}
	tw.Flush()
	fmt.Fprintf(&b, "%d advisories apply", len(res.Matches))
	if n := len(res.MayApply); n > 0 {
		var ids []string
		for _, a := range res.MayApply {
			ids = append(ids, a.ID)
		}
		why := "affected versions not established"
		if res.VersionUnknown {
			why = "version unknown"
		}
		fmt.Fprintf(&b, "; %d may apply, %s: %s", n, why, strings.Join(ids, ", "))
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func nameOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// --- import -----------------------------------------------------------------------

func newVulndbImportCmd(env *Env) *cobra.Command {
	var f vulndbFlags
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Merge NVD CVE API 2.0, CISA KEV or CSAF 2.0 files into the local database",
		Long: `Reads offline files in the official formats (detected from their content):
an NVD CVE API 2.0 answer (vulnerabilities[].cve), the CISA Known Exploited
Vulnerabilities catalogue (vulnerabilities[].cveID), CSAF 2.0 advisories
(document, product_tree, vulnerabilities). Keeps the records about products
pacsguard knows and marks listed advisories known-exploited from KEV. Every
file is checked before anything is written: one malformed file and nothing is
imported (exit code 2).`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVulndbImport(cmd.Context(), env, f, args)
		},
	}
	f.register(cmd, false)
	return cmd
}

func runVulndbImport(ctx context.Context, env *Env, f vulndbFlags, files []string) error {
	var feeds []*vulndb.Feed
	for _, name := range files {
		fh, err := os.Open(name)
		if err != nil {
			return usageErrorf("cannot read %s: %v (nothing was imported)", name, vulndbPathError(err))
		}
		if fi, err := fh.Stat(); err == nil && fi.IsDir() {
			fh.Close()
			return usageErrorf("%s is a directory; give the feed files themselves (nothing was imported)", name)
		}
		feed, err := vulndb.ParseFeed(filepath.Base(name), fh)
		fh.Close()
		if errors.Is(err, vulndb.ErrMalformedFeed) {
			return usageErrorf("%v (nothing was imported)", err)
		}
		if err != nil {
			return fmt.Errorf("%v (nothing was imported)", err)
		}
		feeds = append(feeds, feed)
	}
	before, st, _, err := vulndbEffective(ctx, env, vulndbFlags{db: f.db})
	if err != nil {
		return err
	}
	if st == nil {
		// Nothing imported before: create the database now.
		if st, err = openStore(ctx, env, f.db, false); err != nil {
			return err
		}
	}
	defer st.Close()

	now := env.Now().UTC()
	// A record naming no known product (a KEV entry whose vendor text
	// pacsguard does not recognise) is kept when its CVE is known, also when
	// another file of this run adds that CVE: otherwise the order of the
	// files would decide whether a new advisory is marked known-exploited.
	known := before
	var named []vulndb.Advisory
	for _, feed := range feeds {
		for _, r := range feed.Records {
			if r.Product != "" {
				named = append(named, r)
			}
		}
	}
	if k, _, err := before.Apply(named); err == nil {
		known = k // an invalid record is reported by the Apply below
	}
	var recs []vulndb.Advisory
	var stored []store.VulnRecord
	ignored := 0
	for _, feed := range feeds {
		r, ign := known.Resolve([]*vulndb.Feed{feed})
		ignored += ign
		for _, a := range r {
			doc, err := json.Marshal(a)
			if err != nil {
				return err
			}
			stored = append(stored, store.VulnRecord{Source: feed.Format, ID: a.ID, File: feed.File, Imported: now, Doc: doc})
		}
		recs = append(recs, r...)
	}
	after, changes, err := before.Apply(recs)
	if err != nil {
		return usageErrorf("an imported record does not validate: %v (nothing was imported)", err)
	}
	kinds := map[string]vulndb.ChangeKind{}
	var order []string
	for _, c := range changes {
		prev, seen := kinds[c.ID]
		if !seen {
			order = append(order, c.ID)
		}
		if !seen || c.Kind == vulndb.ChangeAdded || (c.Kind == vulndb.ChangeUpdated && prev == vulndb.ChangeUnchanged) {
			kinds[c.ID] = c.Kind
		}
	}
	sum := store.VulnImport{Imported: now, Ignored: ignored}
	for _, feed := range feeds {
		sum.Files = append(sum.Files, feed.File)
	}
	for _, id := range order {
		switch kinds[id] {
		case vulndb.ChangeAdded:
			sum.Added++
		case vulndb.ChangeUpdated:
			sum.Updated++
		default:
			sum.Unchanged++
		}
	}
	if err := st.SaveVulnImport(ctx, stored, sum); err != nil {
		return fmt.Errorf("save imported advisories in %s: %w", st.Path(), err)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "Imported %d file(s) into %s: %d added, %d updated, %d unchanged, %d ignored (not about products pacsguard knows)\n",
		len(feeds), st.Path(), sum.Added, sum.Updated, sum.Unchanged, sum.Ignored)
	for _, feed := range feeds {
		fmt.Fprintf(&b, "  %s: %s, %d record(s)\n", feed.File, vulndbFeedName(feed.Format), feed.Total)
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, id := range order {
		if kinds[id] == vulndb.ChangeUnchanged {
			continue
		}
		a, _ := after.Get(id)
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", kinds[id], id, a.Product, vulndbClip(a.Summary, 60))
	}
	tw.Flush()
	_, err = io.WriteString(env.Stdout, b.String())
	return err
}

func vulndbFeedName(format string) string {
	switch format {
	case vulndb.FeedNVD:
		return "NVD CVE API 2.0"
	case vulndb.FeedKEV:
		return "CISA KEV catalogue"
	case vulndb.FeedCSAF:
		return "CSAF 2.0 advisory"
	}
	return format
}

// --- text helpers ---------------------------------------------------------------

const vulndbLabelWidth = 13

// vulndbLabelled writes "Label:       text" with text wrapped at 80 columns and
// continuation lines indented under it; newlines in text start new lines.
func vulndbLabelled(label, text string) string {
	return vulndbLabelledWidth(label, text, vulndbLabelWidth)
}

func vulndbLabelledWidth(label, text string, width int) string {
	var b strings.Builder
	indent := strings.Repeat(" ", width)
	first := true
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			if line != "" && width+len(line)+1+len(word) > 80 {
				vulndbLabelledLine(&b, label, indent, line, &first)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += word
		}
		vulndbLabelledLine(&b, label, indent, line, &first)
	}
	return b.String()
}

func vulndbLabelledLine(b *strings.Builder, label, indent, line string, first *bool) {
	if *first {
		b.WriteString(fmt.Sprintf("%-*s%s\n", len(indent), label, line))
		*first = false
		return
	}
	b.WriteString(indent + line + "\n")
}

func vulndbClip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimRight(string(r[:n-1]), " ,.;:") + "…"
}

func vulndbJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func vulndbPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
