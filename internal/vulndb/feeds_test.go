package vulndb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func parseFixture(t *testing.T, name string) *Feed {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "feeds", name))
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseFeed(name, bytes.NewReader(b))
	if err != nil {
		t.Fatalf("ParseFeed(%s): %v", name, err)
	}
	return f
}

func recordIDs(f *Feed) map[string]string {
	out := map[string]string{}
	for _, r := range f.Records {
		out[r.ID] = r.Product
	}
	return out
}

func TestParseNVD(t *testing.T) {
	f := parseFixture(t, "nvd-api-2.0.json")
	if f.Format != FeedNVD || f.Total != 3 {
		t.Fatalf("format %q total %d, want nvd 3", f.Format, f.Total)
	}
	want := map[string]string{"CVE-2022-2119": "dcmtk", "CVE-2099-0001": "dcmtk", "CVE-2099-0002": ""}
	if diff := cmp.Diff(want, recordIDs(f)); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	r := f.Records[1]
	if diff := cmp.Diff([]Range{{Introduced: "3.6.0", Fixed: "3.6.9"}}, r.Affected); diff != "" {
		t.Errorf("CVE-2099-0001 ranges (-want +got):\n%s", diff)
	}
	if r.CVSSv3 == nil || r.CVSSv3.Score != 7.5 || r.CVSSv4 == nil || r.CVSSv4.Score != 8.7 {
		t.Errorf("CVE-2099-0001 scores v3 %+v v4 %+v", r.CVSSv3, r.CVSSv4)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("imported record does not validate: %v", err)
	}
}

func TestParseKEV(t *testing.T) {
	f := parseFixture(t, "kev.json")
	want := map[string]string{"CVE-2022-2119": "dcmtk", "CVE-2023-43208": "", "CVE-2099-0003": "orthanc"}
	if diff := cmp.Diff(want, recordIDs(f)); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	for _, r := range f.Records {
		if !r.KnownExploited || r.KEV == nil {
			t.Errorf("%s: not marked known-exploited", r.ID)
		}
	}
}

func TestParseCSAF(t *testing.T) {
	f := parseFixture(t, "csaf-2.0.json")
	want := map[string]string{"CVE-2099-0004": "orthanc", "CVE-2099-0005": ""}
	if diff := cmp.Diff(want, recordIDs(f)); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	r := f.Records[0]
	if diff := cmp.Diff([]Range{{Fixed: "1.13.0"}}, r.Affected); diff != "" {
		t.Errorf("ranges (-want +got):\n%s", diff)
	}
	if !slices.Contains(r.Aliases, "ICSMA-99-001-01") {
		t.Errorf("aliases %v lack the advisory ID", r.Aliases)
	}
	if r.Fix != "Upgrade Orthanc Server to 1.13.0 or later." || r.CVSSv3.Score != 9.8 || r.CVSSv4.Score != 9.3 {
		t.Errorf("fix %q v3 %v v4 %v", r.Fix, r.CVSSv3, r.CVSSv4)
	}
	if err := r.Validate(); err != nil {
		t.Errorf("imported record does not validate: %v", err)
	}
}

func TestParseFeedRejectsMalformed(t *testing.T) {
	for _, name := range []string{"malformed-truncated.json", "malformed-nvd-id.json", "malformed-kev-date.json", "malformed-csaf-version.json", "malformed-unknown-format.json"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "feeds", name))
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseFeed(name, bytes.NewReader(b))
			if !errors.Is(err, ErrMalformedFeed) {
				t.Fatalf("error = %v, want ErrMalformedFeed", err)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, name) {
				t.Errorf("error %q should be one line naming the file", msg)
			}
		})
	}
}

func TestImportMergesIntoEmbedded(t *testing.T) {
	db := mustLoad(t)
	feeds := []*Feed{parseFixture(t, "nvd-api-2.0.json"), parseFixture(t, "kev.json"), parseFixture(t, "csaf-2.0.json")}
	records, ignored := db.Resolve(feeds)
	if ignored != 3 { // CVE-2099-0002, CVE-2023-43208, CVE-2099-0005
		t.Errorf("ignored %d, want 3", ignored)
	}
	after, changes, err := db.Apply(records)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]ChangeKind{}
	for _, c := range changes {
		if kinds[c.ID] != ChangeAdded { // the first outcome of an ID wins for added
			kinds[c.ID] = c.Kind
		}
	}
	want := map[string]ChangeKind{
		"CVE-2022-2119": ChangeUpdated, // NVD vector, then KEV listing
		"CVE-2099-0001": ChangeAdded,
		"CVE-2099-0003": ChangeAdded,
		"CVE-2099-0004": ChangeAdded,
	}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	a, ok := after.Get("CVE-2022-2119")
	if !ok || !a.KnownExploited || a.KEV == nil || a.KEV.DateAdded != "2099-01-05" {
		t.Fatalf("CVE-2022-2119 after KEV import: %+v", a)
	}
	// The curated, disputed range survives the NVD record's "< 3.6.7".
	if !a.Disputed || len(a.Affected) != 2 || a.CVSSv3.Vector == "" {
		t.Errorf("CVE-2022-2119 lost curated data or missed the NVD vector: %+v", a)
	}
	if got := a.Severity(); got.String() != "critical" {
		t.Errorf("severity after KEV = %v, want critical (7.5 raised one level)", got)
	}
	// The embedded database itself is unchanged.
	if b, _ := db.Get("CVE-2022-2119"); b.KnownExploited {
		t.Error("Apply changed the original DB")
	}
	if after.Info().Total != db.Info().Total+3 {
		t.Errorf("total %d, want %d", after.Info().Total, db.Info().Total+3)
	}
	// Applying the same records again changes nothing.
	_, again, err := after.Apply(records)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range again {
		if c.Kind != ChangeUnchanged {
			t.Errorf("re-import: %s %s, want unchanged", c.ID, c.Kind)
		}
	}
}

func TestParseVers(t *testing.T) {
	tests := []struct {
		in   string
		want []Range
	}{
		{"vers:generic/<1.5.8", []Range{{Fixed: "1.5.8"}}},
		{"vers:generic/>=1.0|<1.5.8", []Range{{Introduced: "1.0", Fixed: "1.5.8"}}},
		{"vers:all/*", []Range{{Introduced: "0"}}},
		{"<=7.2.8.810", []Range{{LastAffected: "7.2.8.810"}}},
		{"vers:generic/>=2.0|<=2.4.4|>=3.0.0|<3.0.2", []Range{{Introduced: "2.0", LastAffected: "2.4.4"}, {Introduced: "3.0.0", Fixed: "3.0.2"}}},
		{"vers:generic/1.4.2", []Range{{Introduced: "1.4.2", LastAffected: "1.4.2"}}},
		{"vers:generic/>=3.6.0", []Range{{Introduced: "3.6.0"}}},
	}
	for _, tt := range tests {
		got, err := parseVers(tt.in)
		if err != nil {
			t.Errorf("parseVers(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseVers(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []string{"vers:generic/<x y", "vers:generic", "vers:generic/>=2|<1"} {
		if _, err := parseVers(bad); err == nil {
			t.Errorf("parseVers(%q) succeeded", bad)
		}
	}
}

// FuzzParseFeed checks that no input panics and that every record the
// importer keeps for a known product is a valid advisory.
func FuzzParseFeed(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "feeds", "*.json"))
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		feed, err := ParseFeed("fuzz.json", bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, r := range feed.Records {
			if r.Product == "" {
				continue
			}
			if err := r.Validate(); err != nil {
				t.Fatalf("kept record %s does not validate: %v", r.ID, err)
			}
		}
	})
}

// FuzzDecodeFile checks that an advisory file that decodes encodes to one that
// decodes to the same data.
func FuzzDecodeFile(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("data", "advisories.yaml")); err == nil {
		f.Add(b)
	}
	f.Add([]byte("schema: pacsguard.vulndb/v1\nrevision: 1\nupdated: \"2026-11-29\"\nadvisories: []\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := DecodeFile(bytes.NewReader(b))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := EncodeFile(&buf, file); err != nil {
			t.Fatalf("encode: %v", err)
		}
		again, err := DecodeFile(&buf)
		if err != nil {
			t.Fatalf("re-decode of encoded file: %v\n%s", err, buf.Bytes())
		}
		if diff := cmp.Diff(file, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip changed the data (-first +second):\n%s", diff)
		}
	})
}

func TestWithRecords(t *testing.T) {
	db := mustLoad(t)
	kev := parseFixture(t, "kev.json")
	records, _ := db.Resolve([]*Feed{kev})
	var docs [][]byte
	for _, r := range records {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b)
	}
	docs = append(docs, []byte(`{"id":"CVE-2099-0009","colour":"red"}`), []byte(`not json`))
	got, problems := db.WithRecords(docs)
	if len(problems) != 2 {
		t.Errorf("problems %v, want the two bad records", problems)
	}
	if a, ok := got.Get("CVE-2022-2119"); !ok || !a.KnownExploited {
		t.Errorf("stored KEV record not applied: %+v", a)
	}
	if _, ok := got.Get("CVE-2099-0003"); !ok {
		t.Error("stored new advisory missing")
	}
	if got.Info().Embedded != db.Info().Embedded {
		t.Errorf("embedded count changed")
	}
}

func TestEffectiveKeepsEmbeddedOnBadRecords(t *testing.T) {
	db, problems, err := Effective([][]byte{[]byte(`{"id":"CVE-2022-2119"`), []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 2 {
		t.Errorf("problems %v, want 2", problems)
	}
	if _, ok := db.Get("CVE-2022-2119"); !ok || db.Info().Total != db.Info().Embedded {
		t.Errorf("embedded data lost: %+v", db.Info())
	}
}

// TestImportedTextIsInert checks that terminal escapes, bidirectional
// overrides and long names in a feed never reach a kept record, and that a
// record carrying them does not validate.
func TestImportedTextIsInert(t *testing.T) {
	kev := `{"catalogVersion":"2026.11.01","vulnerabilities":[{"cveID":"CVE-2099-0009","vendorProject":"Orthanc` + strings.Repeat("é", 300) + `",
	"product":"Orthanc Server","vulnerabilityName":"x","dateAdded":"2026-01-01",
	"shortDescription":"Orthanc \u001b]8;;http://evil\u0007click\u001b]8;;\u0007 \u001b[2J wipes \u202e reversed","requiredAction":"upgrade\u009b31m"}]}`
	f, err := ParseFeed("kev.json", strings.NewReader(kev))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Records) != 1 {
		t.Fatalf("got %d records, want 1", len(f.Records))
	}
	r := f.Records[0]
	for _, s := range []string{r.Summary, r.Fix, r.Notes} {
		if strings.IndexFunc(s, isUnsafeTextRune) >= 0 || !utf8.ValidString(s) {
			t.Errorf("unsafe text kept: %q", s)
		}
	}
	if len(r.Notes) > 300 {
		t.Errorf("notes are %d bytes long; feed-chosen names should be clipped", len(r.Notes))
	}
	if err := r.Validate(); err != nil {
		t.Errorf("sanitised record does not validate: %v", err)
	}
	r.Summary = "escape \x1b[2J"
	if err := r.Validate(); !errors.Is(err, ErrFormat) {
		t.Errorf("Validate(summary with ESC) = %v, want ErrFormat", err)
	}
}

func TestTruncateLineKeepsUTF8(t *testing.T) {
	for n := 1; n < 12; n++ {
		got := truncateLine(strings.Repeat("é", 10), n)
		if !utf8.ValidString(got) {
			t.Errorf("truncateLine(..., %d) = %q, not valid UTF-8", n, got)
		}
	}
}

// csafDoc builds a CSAF 2.0 advisory around one vulnerability.
func csafDoc(t *testing.T, tree map[string]any, vuln map[string]any) []byte {
	t.Helper()
	doc := map[string]any{
		"document": map[string]any{
			"csaf_version": "2.0", "category": "csaf_security_advisory", "title": "t",
			"tracking":   map[string]any{"id": "ICSMA-99-001-01", "initial_release_date": "2026-01-01T00:00:00Z"},
			"references": []any{map[string]any{"url": "https://example.org/a"}},
		},
		"product_tree":    tree,
		"vulnerabilities": []any{vuln},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseCSAFHostileProductTree: a product named by a huge string and
// listed 200,000 times is matched once (this took a minute per megabyte);
// a vulnerability with thousands of affected versions or aliases is bounded.
func TestParseCSAFHostileProductTree(t *testing.T) {
	t.Run("repeated long product", func(t *testing.T) {
		ids := make([]string, 200_000)
		for i := range ids {
			ids[i] = "P1"
		}
		b := csafDoc(t,
			map[string]any{"full_product_names": []any{map[string]any{"product_id": "P1", "name": "Orthanc " + strings.Repeat("x", 100_000)}}},
			map[string]any{"cve": "CVE-2099-1234", "title": "x", "product_status": map[string]any{"known_affected": ids}})
		f, err := ParseFeed("csaf.json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if got := recordIDs(f); got["CVE-2099-1234"] != "orthanc" {
			t.Errorf("records %v, want CVE-2099-1234 for orthanc", got)
		}
	})
	t.Run("too many affected versions", func(t *testing.T) {
		var branches []any
		var ids []string
		for i := range maxAffected + 1 {
			id := fmt.Sprintf("P%d", i)
			ids = append(ids, id)
			branches = append(branches, map[string]any{"category": "product_version", "name": fmt.Sprintf("1.%d", i),
				"product": map[string]any{"product_id": id, "name": "Orthanc"}})
		}
		b := csafDoc(t, map[string]any{"branches": branches},
			map[string]any{"cve": "CVE-2099-1234", "title": "x", "product_status": map[string]any{"known_affected": ids}})
		if _, err := ParseFeed("csaf.json", bytes.NewReader(b)); !errors.Is(err, ErrMalformedFeed) {
			t.Errorf("ParseFeed = %v, want ErrMalformedFeed", err)
		}
	})
	t.Run("aliases", func(t *testing.T) {
		var xs []any
		for i := range 5000 {
			xs = append(xs, map[string]any{"system_name": "x", "text": fmt.Sprintf("ALIAS-%d", i)})
		}
		b := csafDoc(t,
			map[string]any{"full_product_names": []any{map[string]any{"product_id": "P1", "name": "Orthanc 1.5.7"}}},
			map[string]any{"cve": "CVE-2099-1234", "title": "x", "ids": xs, "product_status": map[string]any{"known_affected": []string{"P1"}}})
		f, err := ParseFeed("csaf.json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if n := len(f.Records[0].Aliases); n > maxAliases {
			t.Errorf("%d aliases kept, want at most %d", n, maxAliases)
		}
	})
}

// TestMergeKeepsCuratedVerified: a feed record about an embedded advisory
// that is not fully verified does not make it "verified"; its notes still say
// what is unconfirmed.
func TestMergeKeepsCuratedVerified(t *testing.T) {
	db := mustLoad(t)
	var base Advisory
	for _, a := range db.All("") {
		if !a.Verified {
			base = a
			break
		}
	}
	if base.ID == "" {
		t.Skip("every embedded advisory is verified")
	}
	rec := Advisory{ID: base.ID, Product: base.Product, Summary: "x", Surface: []string{SurfaceNetwork}, Fix: "upgrade",
		References: []string{"https://nvd.nist.gov/vuln/detail/" + base.ID}, KnownExploited: true, ExploitedBy: "CISA KEV",
		KEV: &KEVEntry{DateAdded: "2026-01-01"}, Verified: true, Sources: []string{FeedKEV}}
	after, _, err := db.Apply([]Advisory{rec})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := after.Get(base.ID)
	if got.Verified || !got.KnownExploited {
		t.Errorf("%s after a KEV record: verified %v known exploited %v, want false and true", base.ID, got.Verified, got.KnownExploited)
	}
}
