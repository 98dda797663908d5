package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pacsguard/pacsguard/internal/vulndb"
)

var updateVulndb = flag.Bool("update-vulndb", false, "rewrite the vulndb golden files under testdata/vulndb")

const vulndbFeeds = "../vulndb/testdata/feeds/"

func vulndbEnv() (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Now:    func() time.Time { return time.Date(2026, 11, 29, 5, 0, 0, 0, time.UTC) },
		Getenv: func(string) string { return "" },
	}, &out, &errb
}

func vulndbGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	checkGolden(t, *updateVulndb, "vulndb", name, string(got), "go test ./internal/cli -run Vulndb -update-vulndb")
}

func embeddedCount(t *testing.T) int {
	t.Helper()
	db, err := vulndb.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	return db.Info().Embedded
}

func TestVulndbShowGolden(t *testing.T) {
	for _, tc := range []struct{ golden, id, format string }{
		{"show-CVE-2022-2119.txt", "CVE-2022-2119", "text"},
		{"show-CVE-2022-2119.json", "cve-2022-2119", "json"},
		{"show-ICSMA-25-037-02.txt", "ICSMA-25-037-02", "text"}, // found by alias
		{"show-CVE-2024-22100.txt", "CVE-2024-22100", "text"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			env, out, errb := vulndbEnv()
			code := RunEnv(context.Background(), env, []string{"vulndb", "show", "--no-db", "--format", tc.format, tc.id})
			if code != ExitOK {
				t.Fatalf("exit %d, stderr %s", code, errb)
			}
			vulndbGolden(t, tc.golden, out.Bytes())
		})
	}
}

func TestVulndbListAndStatus(t *testing.T) {
	env, out, errb := vulndbEnv()
	if code := RunEnv(context.Background(), env, []string{"vulndb", "list", "--no-db", "--product", "dcmtk"}); code != ExitOK {
		t.Fatalf("list: exit %d, stderr %s", code, errb)
	}
	if !strings.Contains(out.String(), "CVE-2022-2119") || strings.Contains(out.String(), "CVE-2025-0896") {
		t.Errorf("list --product dcmtk:\n%s", out)
	}
	env, out, errb = vulndbEnv()
	if code := RunEnv(context.Background(), env, []string{"vulndb", "status", "--no-db"}); code != ExitOK {
		t.Fatalf("status: exit %d, stderr %s", code, errb)
	}
	if !strings.Contains(out.String(), "Embedded:") || !strings.Contains(out.String(), "none (no local database)") {
		t.Errorf("status:\n%s", out)
	}
}

func TestVulndbUsageErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"unknown product", []string{"vulndb", "list", "--no-db", "--product", "nope"}},
		{"unknown id", []string{"vulndb", "show", "--no-db", "CVE-1999-0001"}},
		{"bad format", []string{"vulndb", "show", "--no-db", "--format", "xml", "CVE-2022-2119"}},
		{"no files", []string{"vulndb", "import", "--db", db}},
		{"missing file", []string{"vulndb", "import", "--db", db, filepath.Join(dir, "none.json")}},
		{"directory", []string{"vulndb", "import", "--db", db, dir}},
		{"malformed truncated", []string{"vulndb", "import", "--db", db, vulndbFeeds + "kev.json", vulndbFeeds + "malformed-truncated.json"}},
		{"malformed csaf", []string{"vulndb", "import", "--db", db, vulndbFeeds + "malformed-csaf-version.json"}},
		{"unknown format", []string{"vulndb", "import", "--db", db, vulndbFeeds + "malformed-unknown-format.json"}},
		{"unknown subcommand", []string{"vulndb", "frobnicate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, _, errb := vulndbEnv()
			if code := RunEnv(context.Background(), env, tc.args); code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr %s", code, ExitUsage, errb)
			}
			if first := strings.SplitN(errb.String(), "\n", 2)[0]; !strings.HasPrefix(first, "pacsguard: ") {
				t.Errorf("stderr %q should start with one pacsguard: line", errb)
			}
		})
	}
	// Nothing was imported by the malformed runs: the database, if created,
	// holds no records and the embedded data is intact.
	env, out, errb := vulndbEnv()
	if code := RunEnv(context.Background(), env, []string{"vulndb", "status", "--db", db}); code != ExitOK {
		t.Fatalf("status: exit %d, stderr %s", code, errb)
	}
	if strings.Contains(out.String(), "records in") || !strings.Contains(out.String(), fmt.Sprintf("Effective:         %d advisories", embeddedCount(t))) {
		t.Errorf("after rejected imports:\n%s", out)
	}
}

func TestVulndbImport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	env, out, errb := vulndbEnv()
	args := []string{"vulndb", "import", "--db", db, vulndbFeeds + "nvd-api-2.0.json", vulndbFeeds + "kev.json", vulndbFeeds + "csaf-2.0.json"}
	if code := RunEnv(context.Background(), env, args); code != ExitOK {
		t.Fatalf("import: exit %d, stderr %s", code, errb)
	}
	for _, want := range []string{"3 added, 1 updated, 0 unchanged, 3 ignored", "updated  CVE-2022-2119", "added    CVE-2099-0004"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	// The imported data is in the effective database: KEV marked the
	// embedded CVE-2022-2119 known-exploited and kept its disputed range.
	env, out, errb = vulndbEnv()
	if code := RunEnv(context.Background(), env, []string{"vulndb", "show", "--db", db, "CVE-2022-2119"}); code != ExitOK {
		t.Fatalf("show: exit %d, stderr %s", code, errb)
	}
	for _, want := range []string{"Exploited:   yes, CISA KEV since 2099-01-05", "(disputed)", "Sources:     embedded, nvd, kev", "critical (CVSS 7.5, raised one level"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("show after import lacks %q:\n%s", want, out)
		}
	}
	// Importing again changes nothing.
	env, out, errb = vulndbEnv()
	if code := RunEnv(context.Background(), env, args); code != ExitOK {
		t.Fatalf("re-import: exit %d, stderr %s", code, errb)
	}
	if !strings.Contains(out.String(), "0 added, 0 updated, 4 unchanged, 3 ignored") {
		t.Errorf("re-import:\n%s", out)
	}
	// A later malformed import leaves the earlier one in place.
	env, _, _ = vulndbEnv()
	if code := RunEnv(context.Background(), env, []string{"vulndb", "import", "--db", db, vulndbFeeds + "malformed-nvd-id.json"}); code != ExitUsage {
		t.Errorf("malformed import: exit %d, want %d", code, ExitUsage)
	}
	env, out, _ = vulndbEnv()
	RunEnv(context.Background(), env, []string{"vulndb", "status", "--db", db})
	if !strings.Contains(out.String(), fmt.Sprintf("Effective:         %d advisories", embeddedCount(t)+3)) {
		t.Errorf("status after rejected import:\n%s", out)
	}
}

func TestVulndbMatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"dcmtk wire strings", []string{"--impl-uid", "1.2.276.0.7230010.3.0.3.6.6", "--version-name", "OFFIS_DCMTK_366"},
			[]string{"dcmtk 3.6.6 (confidence inferred", "CVE-2022-2119", "CVE-2021-41690"}},
		{"disputed", []string{"--version-name", "OFFIS_DCMTK_367"}, []string{"CVE-2022-2119 high possible"}},
		{"orthanc exact", []string{"--product", "orthanc", "--version", "1.5.7"}, []string{"CVE-2025-0896 critical exact"}},
		{"conquest", []string{"--impl-uid", "1.2.826.0.1.3680043.2.135.1066.101", "--version-name", "1.5.0/WIN32"},
			[]string{"0 advisories apply; 1 may apply, version unknown: CVE-2020-35308"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, out, errb := vulndbEnv()
			args := append([]string{"vulndb", "match", "--no-db"}, tc.args...)
			if code := RunEnv(context.Background(), env, args); code != ExitOK {
				t.Fatalf("exit %d, stderr %s", code, errb)
			}
			// Compare with runs of spaces folded: columns are aligned.
			text := strings.Join(strings.Fields(out.String()), " ")
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	for _, bad := range [][]string{{}, {"--product", "nope"}, {"--product", "dcmtk", "--version-name", "OFFIS_DCMTK_367"}, {"--version-name", "X", "--version", "1"}} {
		env, _, _ := vulndbEnv()
		if code := RunEnv(context.Background(), env, append([]string{"vulndb", "match", "--no-db"}, bad...)); code != ExitUsage {
			t.Errorf("match %v: exit %d, want %d", bad, code, ExitUsage)
		}
	}
}

// TestVulndbImportKEVForCVEAddedInSameRun: a KEV entry whose vendor text
// names no known product is kept when another file of the same run adds its
// CVE, whatever the order of the files.
func TestVulndbImportKEVForCVEAddedInSameRun(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	kev := filepath.Join(dir, "kev.json")
	doc := `{"catalogVersion":"2099.01.01","vulnerabilities":[{"cveID":"CVE-2099-0001","vendorProject":"Unlisted Vendor","product":"Imaging Suite",
		"vulnerabilityName":"x","dateAdded":"2099-01-06","shortDescription":"x","requiredAction":"Apply updates.","dueDate":"2099-01-27"}]}`
	if err := os.WriteFile(kev, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	env, out, errb := vulndbEnv()
	if code := RunEnv(context.Background(), env, []string{"vulndb", "import", "--db", db, kev, vulndbFeeds + "nvd-api-2.0.json"}); code != ExitOK {
		t.Fatalf("import: exit %d, stderr %s", code, errb)
	}
	env, out, errb = vulndbEnv()
	if code := RunEnv(context.Background(), env, []string{"vulndb", "show", "--db", db, "CVE-2099-0001"}); code != ExitOK {
		t.Fatalf("show: exit %d, stderr %s", code, errb)
	}
	if !strings.Contains(out.String(), "Exploited:   yes, CISA KEV since 2099-01-06") {
		t.Errorf("CVE-2099-0001 not marked known-exploited:\n%s", out)
	}
}
