package assess

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func readAnswers(t *testing.T, name string) *Answers {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, err := ParseAnswers(f)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(got), string(want)); diff != "" {
		t.Errorf("%s differs (-got +want):\n%s", name, diff)
	}
}

func render(t *testing.T, c *Content, r *Result, f Format) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, f, c, r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFixtures(t *testing.T) {
	c := mustLoad(t)
	for _, tc := range []struct {
		file string
		size Size
		base string
	}{
		{"small-imaging-centre.yaml", SizeSmall, "small"},
		{"medium-community-hospital.yaml", SizeMedium, "medium"},
		{"large-health-system.json", SizeLarge, "large"},
	} {
		t.Run(tc.base, func(t *testing.T) {
			a := readAnswers(t, tc.file)
			r := Score(c, a, nil, testNow)
			if r.Size.Size != tc.size {
				t.Fatalf("size = %s (%v), want %s", r.Size.Size, r.Size.Reasons, tc.size)
			}
			for _, s := range r.SubPractices {
				if tc.size != SizeLarge && strings.Contains(s.ID, ".L.") {
					t.Errorf("%s organisation asked large-only %s", tc.size, s.ID)
				}
				if tc.size == SizeSmall && !strings.Contains(s.ID, ".S.") {
					t.Errorf("small organisation asked %s", s.ID)
				}
			}
			golden(t, tc.base+".terminal.golden", render(t, c, r, FormatTerminal))
			golden(t, tc.base+".md.golden", render(t, c, r, FormatMarkdown))
		})
	}
}

func TestSmallIgnoresLargeAnswer(t *testing.T) {
	c := mustLoad(t)
	r := Score(c, readAnswers(t, "small-imaging-centre.yaml"), nil, testNow)
	if diff := cmp.Diff(r.Ignored, []string{"7.L.A"}); diff != "" {
		t.Errorf("ignored (-got +want):\n%s", diff)
	}
	if len(r.SubPractices) != 20 {
		t.Errorf("small organisation asked %d sub-practices, want 20", len(r.SubPractices))
	}
}

func TestFormatsMedium(t *testing.T) {
	c := mustLoad(t)
	r := Score(c, readAnswers(t, "medium-community-hospital.yaml"), nil, testNow)
	golden(t, "medium.json.golden", render(t, c, r, FormatJSON))
	html := render(t, c, r, FormatHTML)
	golden(t, "medium.html.golden", html)
	for _, bad := range []string{"<script", "src=\"http", "href=\"http", "<link", "@import", "url("} {
		if bytes.Contains(html, []byte(bad)) {
			t.Errorf("HTML report contains %q: it must be self-contained", bad)
		}
	}
	if !bytes.Contains(html, []byte("<svg")) {
		t.Error("HTML report has no inline SVG chart")
	}
	if !bytes.Contains(render(t, c, r, FormatJSON), []byte(`"schema": "pacsguard.assess/v1"`)) {
		t.Error("JSON report lacks its schema")
	}
}

func TestCheckAnswersUnknownID(t *testing.T) {
	c := mustLoad(t)
	a := &Answers{Schema: AnswersSchema, Answers: map[string]Answer{"1.S.A": {Grade: GradeFully}, "1.S.Z": {Grade: GradeFully}}}
	if err := c.CheckAnswers(a); !errors.Is(err, ErrAnswers) {
		t.Errorf("CheckAnswers = %v, want ErrAnswers", err)
	}
	delete(a.Answers, "1.S.Z")
	if err := c.CheckAnswers(a); err != nil {
		t.Errorf("CheckAnswers on known IDs = %v", err)
	}
}

func TestDecideSize(t *testing.T) {
	n := func(i int) *int { return &i }
	for _, tc := range []struct {
		name string
		p    Profile
		want Size
	}{
		{"nothing", Profile{}, SizeSmall},
		{"few providers", Profile{Providers: n(8), ITStaff: ITStaffNone}, SizeSmall},
		{"beds make it medium", Profile{Providers: n(8), Beds: n(80)}, SizeMedium},
		{"assets make it large", Profile{Providers: n(20), ITAssets: n(25000)}, SizeLarge},
		{"explicit wins", Profile{Size: SizeLarge, Providers: n(2)}, SizeLarge},
		{"in-house IT", Profile{Providers: n(5), ITStaff: ITStaffSome}, SizeMedium},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DecideSize(tc.p).Size; got != tc.want {
				t.Errorf("DecideSize = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestParseAnswersStrict(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
	}{
		{"unknown top-level field", "schema: pacsguard.assess.answers/v1\norganisation: {}\nanswer: {}\n"},
		{"unknown profile field", "schema: pacsguard.assess.answers/v1\norganisation: {bedz: 3}\n"},
		{"unknown imaging field", "schema: pacsguard.assess.answers/v1\norganisation: {imaging: {mri: true}}\n"},
		{"unknown answer field", "schema: pacsguard.assess.answers/v1\nanswers: {1.S.A: {grade: partial, note: x}}\n"},
		{"bad grade", "schema: pacsguard.assess.answers/v1\nanswers: {1.S.A: sometimes}\n"},
		{"bad ID", "schema: pacsguard.assess.answers/v1\nanswers: {email: partial}\n"},
		{"wrong schema", "schema: pacsguard.assess.answers/v2\n"},
		{"bad tier", "schema: pacsguard.assess.answers/v1\norganisation: {current_tier: 7}\n"},
		{"json unknown field", `{"schema":"pacsguard.assess.answers/v1","organisation":{},"extra":1}`},
		{"json unknown answer field", `{"schema":"pacsguard.assess.answers/v1","answers":{"1.S.A":{"grade":"partial","why":"x"}}}`},
		{"json bad grade", `{"schema":"pacsguard.assess.answers/v1","answers":{"1.S.A":"maybe"}}`},
		{"anchor and alias", "schema: pacsguard.assess.answers/v1\norganisation: {name: &n Riverside, imaging: {modalities: [*n, *n]}}\n"},
		{"too deep", "schema: pacsguard.assess.answers/v1\nanswers: {1.S.A: {grade: [[[[[[[[1]]]]]]]]}}\n"},
		{"long name", "schema: pacsguard.assess.answers/v1\norganisation: {name: " + strings.Repeat("a", 201) + "}\n"},
		{"too many modalities", "schema: pacsguard.assess.answers/v1\norganisation: {imaging: {modalities: [" + strings.TrimSuffix(strings.Repeat("CT,", 33), ",") + "]}}\n"},
		{"long modality", `{"schema":"pacsguard.assess.answers/v1","organisation":{"imaging":{"modalities":["` + strings.Repeat("M", 17) + `"]}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAnswers(strings.NewReader(tc.doc))
			if !errors.Is(err, ErrAnswers) {
				t.Errorf("ParseAnswers error = %v, want ErrAnswers", err)
			}
		})
	}
	// The decoder lists each unknown field on a line of its own; the error
	// must stay one line.
	_, err := ParseAnswers(strings.NewReader("schema: pacsguard.assess.answers/v1\nfoo: 1\nbar: 2\n"))
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("ParseAnswers error = %q, want one line", err)
	}
	ok := `{"schema":"pacsguard.assess.answers/v1","answers":{"1.S.A":"p","1.S.B":{"grade":"fully","notes":"ok"}}}`
	a, err := ParseAnswers(strings.NewReader(ok))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.Answers, map[string]Answer{"1.S.A": {Grade: GradePartial}, "1.S.B": {Grade: GradeFully, Notes: "ok"}}); diff != "" {
		t.Errorf("answers (-got +want):\n%s", diff)
	}
}

// scanSnapshot is a scan that saw cleartext DICOM, an any-AE PACS and a
// known-exploited CVE on it, and a file sweep with a ransomware alarm.
func scanSnapshot(finished time.Time) *Snapshot {
	run := inventory.Run{ID: 7, Kind: "scan", Mode: "safe", Started: finished.Add(-time.Minute), Finished: finished}
	svcs := []inventory.Service{
		{Host: "10.0.0.5", Port: 104, Transport: inventory.TransportDICOM, Product: "dcmtk"},
		{Host: "10.0.0.6", Port: 443, Transport: inventory.TransportHTTPS},
	}
	fs := []inventory.Finding{
		{CheckID: "dicom.no-tls", Severity: inventory.SeverityHigh, Host: "10.0.0.5", Port: 104},
		{CheckID: "dicom.any-called-ae", Severity: inventory.SeverityHigh, Host: "10.0.0.5", Port: 104},
		{CheckID: "vuln.CVE-2024-0001", Severity: inventory.SeverityCritical, Host: "10.0.0.5", Port: 104, Title: "DCMTK 3.6.7 is affected by CVE-2024-0001",
			Evidence: []inventory.Evidence{{Probe: "vulndb", Observed: "version matched", Data: "product=dcmtk version=3.6.7 known_exploited=true"}}},
		{CheckID: "tls.weak-version", Severity: inventory.SeverityMedium, Host: "10.0.0.6", Port: 443, References: []string{"HICP:4.M.C", "CSF:PR.DS-02"}},
	}
	files := inventory.Run{ID: 8, Kind: "files", Mode: "safe", Started: finished, Finished: finished}
	ffs := []inventory.Finding{{CheckID: "files.ransomware-alarm", Severity: inventory.SeverityCritical, Path: "/archive/DOE^JANE/CT1.dcm", References: []string{"HICP:4.M.D"}}}
	return &Snapshot{Runs: map[string]*RunEvidence{
		"scan":  {Run: run, Services: svcs, Findings: fs},
		"files": {Run: files, Findings: ffs},
	}}
}

func TestEvidenceLowersGrades(t *testing.T) {
	c := mustLoad(t)
	a := readAnswers(t, "medium-community-hospital.yaml")
	ev := c.Evidence.Evaluate(scanSnapshot(testNow.Add(-48*time.Hour)), testNow)
	r := Score(c, a, ev, testNow)
	got := map[string][2]Grade{}
	for _, s := range r.SubPractices {
		if s.Answered != s.Effective {
			got[s.ID] = [2]Grade{s.Answered, s.Effective}
		}
	}
	want := map[string][2]Grade{
		"3.M.C": {GradeLargely, GradePartial}, // any AE title
		"4.M.C": {GradeLargely, GradePartial}, // DICOM without TLS
		"6.M.B": {GradeLargely, GradePartial}, // any AE: segmentation
		"9.M.C": {GradeLargely, GradePartial}, // any AE: device IAM
		"9.M.E": {GradeLargely, GradePartial}, // any AE: device network
		"2.M.A": {GradeLargely, GradePartial}, // ransomware alarm
		"4.M.D": {GradePartial, GradePartial}, // already partial: unchanged
	}
	delete(want, "4.M.D")
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("grades changed by evidence (-got +want):\n%s", diff)
	}
	for _, s := range r.SubPractices {
		if s.ID == "4.M.C" && (len(s.Adjustments) == 0 || !strings.Contains(s.Adjustments[0], "dicom-cleartext")) {
			t.Errorf("4.M.C adjustment does not say why: %q", s.Adjustments)
		}
	}
	// Evidence never raises a grade, and the lowered items lead the roadmap.
	if r.Roadmap[0].Current == GradeFully {
		t.Errorf("roadmap starts with a fully implemented item")
	}
	golden(t, "medium-evidence.terminal.golden", render(t, c, r, FormatTerminal))
}

// A scan that recorded a plain DICOM service but no dicom.no-tls finding
// still counts against data in transit.
func TestEvidenceFromServicesAlone(t *testing.T) {
	c := mustLoad(t)
	run := inventory.Run{ID: 3, Kind: "scan", Finished: testNow.Add(-time.Hour)}
	snap := &Snapshot{Runs: map[string]*RunEvidence{"scan": {Run: run, Services: []inventory.Service{
		{Host: "10.0.0.9", Port: 104, Transport: inventory.TransportDICOM},
		{Host: "10.0.0.9", Port: 2762, Transport: inventory.TransportDICOMTLS},
	}}}}
	var got []EvidenceItem
	for _, e := range c.Evidence.Evaluate(snap, testNow) {
		if e.Rule == "dicom-cleartext" {
			got = append(got, e)
		}
	}
	if len(got) != 1 || got[0].Count != 1 || !slices.Equal(got[0].Samples, []string{"10.0.0.9:104"}) {
		t.Errorf("dicom-cleartext from services = %+v", got)
	}
}

func TestEvidenceInventorySupports(t *testing.T) {
	c := mustLoad(t)
	a := &Answers{Schema: AnswersSchema, Organisation: Profile{Size: SizeMedium}, Answers: map[string]Answer{"5.M.A": {Grade: GradeNotStarted}, "9.M.D": {Grade: GradeLargely}}}
	ev := c.Evidence.Evaluate(scanSnapshot(testNow.Add(-24*time.Hour)), testNow)
	r := Score(c, a, ev, testNow)
	for _, s := range r.SubPractices {
		switch s.ID {
		case "5.M.A":
			if s.Effective != GradePartial {
				t.Errorf("5.M.A = %s, want partial (supported by a recent scan inventory)", s.Effective)
			}
		case "9.M.D":
			if s.Effective != GradeLargely {
				t.Errorf("9.M.D = %s, want largely (inventory must not raise an answer)", s.Effective)
			}
		}
	}
}

// File paths in an archive can name patients: evidence counts file findings
// and never prints their paths.
func TestEvidenceNeverPrintsFilePaths(t *testing.T) {
	c := mustLoad(t)
	ev := c.Evidence.Evaluate(scanSnapshot(testNow), testNow)
	r := Score(c, readAnswers(t, "medium-community-hospital.yaml"), ev, testNow)
	for _, f := range []Format{FormatTerminal, FormatMarkdown, FormatJSON, FormatHTML} {
		if out := render(t, c, r, f); bytes.Contains(out, []byte("DOE")) {
			t.Errorf("%s report contains a file path from the archive", f)
		}
	}
}

func TestKnownExploitedMarker(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    inventory.Finding
		want bool
	}{
		{"vulndb evidence data", inventory.Finding{Evidence: []inventory.Evidence{{Data: "cvss=9.8 known_exploited=true"}}}, true},
		{"title", inventory.Finding{Title: "Known-exploited flaw"}, true},
		{"KEV word", inventory.Finding{Evidence: []inventory.Evidence{{Observed: "listed in CISA KEV"}}}, true},
		{"not a word", inventory.Finding{Title: "skeleton key"}, false},
		{"plain CVE", inventory.Finding{Title: "CVE-2020-1 in DCMTK", Evidence: []inventory.Evidence{{Data: "cvss=5.0"}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := knownExploited(tc.f); got != tc.want {
				t.Errorf("knownExploited = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEvidenceTooOldIgnored(t *testing.T) {
	c := mustLoad(t)
	ev := c.Evidence.Evaluate(scanSnapshot(testNow.AddDate(-1, 0, 0)), testNow)
	if len(ev) != 0 {
		t.Errorf("a year-old scan produced evidence: %+v", ev)
	}
}

func TestEvidenceNotApplicableContradicted(t *testing.T) {
	c := mustLoad(t)
	a := &Answers{Schema: AnswersSchema, Organisation: Profile{Size: SizeMedium}, Answers: map[string]Answer{"4.M.C": {Grade: GradeNotApplicable}}}
	r := Score(c, a, c.Evidence.Evaluate(scanSnapshot(testNow), testNow), testNow)
	for _, s := range r.SubPractices {
		if s.ID == "4.M.C" && s.Effective != GradePartial {
			t.Errorf("4.M.C = %s, want partial: evidence shows it applies", s.Effective)
		}
	}
}

func TestCompare(t *testing.T) {
	c := mustLoad(t)
	a := readAnswers(t, "medium-community-hospital.yaml")
	prev := Score(c, a, nil, testNow.AddDate(0, -3, 0))
	a.Answers["4.M.A"] = Answer{Grade: GradeFully}
	a.Answers["1.M.B"] = Answer{Grade: GradePartial}
	cur := Score(c, a, nil, testNow)
	cur.Compare(prev)
	cp := cur.Comparison
	if cp == nil || cp.OverallDelta == nil {
		t.Fatal("no comparison")
	}
	if diff := cmp.Diff(cp.Improved, []GradeMove{{ID: "4.M.A", From: GradeNotStarted, To: GradeFully}}); diff != "" {
		t.Errorf("improved (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(cp.Regressed, []GradeMove{{ID: "1.M.B", From: GradeFully, To: GradePartial}}); diff != "" {
		t.Errorf("regressed (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(cp.Closed, []string{"4.M.A"}); diff != "" {
		t.Errorf("closed (-got +want):\n%s", diff)
	}
}

func TestAllNotApplicable(t *testing.T) {
	c := mustLoad(t)
	a := &Answers{Schema: AnswersSchema, Organisation: Profile{Size: SizeSmall}, Answers: map[string]Answer{}}
	for _, sp := range c.Applicable(SizeSmall) {
		a.Answers[sp.ID] = Answer{Grade: GradeNotApplicable}
	}
	r := Score(c, a, nil, testNow)
	if r.Overall != nil || len(r.Roadmap) != 0 || r.Tier.Indicated != 1 {
		t.Errorf("overall %v, roadmap %d, tier %d", r.Overall, len(r.Roadmap), r.Tier.Indicated)
	}
	for _, f := range []Format{FormatTerminal, FormatMarkdown, FormatJSON, FormatHTML} {
		render(t, c, r, f)
	}
}

func TestRoadmapActionsCiteFrameworks(t *testing.T) {
	c := mustLoad(t)
	r := Score(c, readAnswers(t, "large-health-system.json"), nil, testNow)
	phases := map[Phase]int{}
	for _, a := range r.Roadmap {
		phases[a.Phase]++
		if len(a.HICP) == 0 || a.Why == "" || a.Do == "" || a.DoneWhen == "" {
			t.Errorf("action %d (%s) lacks HICP, why, do or done-when", a.Rank, a.SubPractice)
		}
		if len(a.CSF) == 0 && a.SubPractice != "8.L.F" {
			t.Errorf("action %s cites no CSF 2.0 ID", a.SubPractice)
		}
	}
	if diff := cmp.Diff(phases, map[Phase]int{Phase30: 8, Phase90: 12, PhaseYear: len(r.Roadmap) - 20}); diff != "" {
		t.Errorf("actions per phase for a large organisation (-got +want):\n%s", diff)
	}
}

// The inline charts must be well-formed SVG (XML), or browsers drop them.
func TestHTMLChartsAreWellFormedSVG(t *testing.T) {
	c := mustLoad(t)
	a := readAnswers(t, "large-health-system.json")
	a.Organisation.Name = `Lakeshore <Health> & "Care"`
	html := string(render(t, c, Score(c, a, nil, testNow), FormatHTML))
	n := 0
	for rest := html; ; n++ {
		start := strings.Index(rest, "<svg")
		if start < 0 {
			break
		}
		end := strings.Index(rest[start:], "</svg>")
		if end < 0 {
			t.Fatal("unterminated <svg>")
		}
		block := rest[start : start+end+len("</svg>")]
		dec := xml.NewDecoder(strings.NewReader(block))
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("chart %d is not well-formed: %v", n, err)
			}
		}
		rest = rest[start+end:]
	}
	if n != 4 {
		t.Errorf("%d charts, want 4 (practices, functions, CPG sets, threats)", n)
	}
	if strings.Contains(html, "<Health>") {
		t.Error("organisation name not escaped in HTML")
	}
}

// TestEvidenceCitationsCountDistinctFindings: a large file sweep whose
// findings cite a sub-practice is counted once per distinct finding (the
// same finding listed twice counts once), without a search per finding.
func TestEvidenceCitationsCountDistinctFindings(t *testing.T) {
	c := mustLoad(t)
	run := inventory.Run{ID: 9, Kind: "files", Started: testNow.Add(-time.Hour), Finished: testNow.Add(-time.Minute)}
	const n = 20000
	var fs []inventory.Finding
	for i := range n {
		f := inventory.Finding{CheckID: "files.test-cited", Severity: inventory.SeverityHigh, Path: fmt.Sprintf("/archive/%d.dcm", i), References: []string{"HICP:2.S.A"}}
		fs = append(fs, f)
		if i%2 == 0 {
			fs = append(fs, f) // listed twice
		}
	}
	snap := &Snapshot{Runs: map[string]*RunEvidence{"files": {Run: run, Findings: fs}}}
	var got *EvidenceItem
	for _, it := range c.Evidence.Evaluate(snap, testNow) {
		if it.Rule == "cited-by-file-finding" && slices.Equal(it.Affects, []string{"2.S.A"}) {
			got = &it
		}
	}
	if got == nil {
		t.Fatal("no cited-by-file-finding evidence for 2.S.A")
	}
	if got.Count != n || len(got.Samples) != 0 {
		t.Errorf("count %d samples %v, want %d and no samples (file paths are never listed)", got.Count, got.Samples, n)
	}
}

// TestNameCannotForgeReportLines: a name with a newline, an escape and a
// bidirectional override heads every report as one plain line.
func TestNameCannotForgeReportLines(t *testing.T) {
	c := mustLoad(t)
	a := readAnswers(t, "small-imaging-centre.yaml")
	a.Organisation.Name = "Riverside\n# Overall: 100/100\x1b[2J \u202eertneC"
	r := Score(c, a, nil, testNow)
	for _, f := range []Format{FormatTerminal, FormatMarkdown, FormatHTML} {
		out := string(render(t, c, r, f))
		for _, bad := range []string{"\n# Overall", "\x1b", "\u202e"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s report contains %q", f, bad)
			}
		}
	}
}
