package assess

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pacsguard/pacsguard/internal/check"
	"github.com/pacsguard/pacsguard/internal/strictyaml"
)

func mustLoad(t *testing.T) *Content {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCSFCatalogueIntegrity(t *testing.T) {
	b, err := embedded.ReadFile("data/NIST_CSF_v2.0_catalog-min.json")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got, want := hex.EncodeToString(sum[:]), "87d31e856ab2d2b5fb78d66233cc257a2e1a6c3c51b367ab73c10124b25adc3b"; got != want {
		t.Errorf("catalogue SHA-256 = %s, want %s (it must stay NIST's file byte for byte)", got, want)
	}
}

func TestCSFCounts(t *testing.T) {
	c := mustLoad(t).CSF
	var fns []string
	for _, f := range c.Functions {
		fns = append(fns, f.ID)
	}
	if diff := cmp.Diff(fns, []string{"GV", "ID", "PR", "DE", "RS", "RC"}); diff != "" {
		t.Errorf("functions (-got +want):\n%s", diff)
	}
	if got := len(c.Categories); got != 22 {
		t.Errorf("current categories = %d, want 22", got)
	}
	if got := len(c.Subcategories); got != 106 {
		t.Errorf("current subcategories = %d, want 106", got)
	}
	perFunction := map[string]int{}
	examples := 0
	withdrawnSub, withdrawnCat := 0, 0
	for _, s := range c.Subcategories {
		perFunction[s.Function]++
		examples += len(s.Examples)
	}
	for _, e := range c.byID {
		if e.Withdrawn && e.Class == "subcategory" {
			withdrawnSub++
		}
		if e.Withdrawn && e.Class == "category" {
			withdrawnCat++
		}
	}
	if diff := cmp.Diff(perFunction, map[string]int{"GV": 31, "ID": 21, "PR": 22, "DE": 11, "RS": 13, "RC": 8}); diff != "" {
		t.Errorf("subcategories per function (-got +want):\n%s", diff)
	}
	perCategory := map[string]int{}
	for _, sc := range c.Subcategories {
		perCategory[sc.Category]++
	}
	wantPerCategory := map[string]int{
		"GV.OC": 5, "GV.OV": 3, "GV.PO": 2, "GV.RM": 7, "GV.RR": 4, "GV.SC": 10,
		"ID.AM": 7, "ID.IM": 4, "ID.RA": 10,
		"PR.AA": 6, "PR.AT": 2, "PR.DS": 4, "PR.IR": 4, "PR.PS": 6,
		"DE.AE": 6, "DE.CM": 5,
		"RS.AN": 4, "RS.CO": 2, "RS.MA": 5, "RS.MI": 2,
		"RC.CO": 2, "RC.RP": 6,
	}
	if diff := cmp.Diff(perCategory, wantPerCategory); diff != "" {
		t.Errorf("subcategories per category (-got +want):\n%s", diff)
	}
	if examples != 363 {
		t.Errorf("implementation examples = %d, want 363", examples)
	}
	if withdrawnSub != 79 || withdrawnCat != 12 {
		t.Errorf("withdrawn: %d subcategories, %d categories; want 79 and 12", withdrawnSub, withdrawnCat)
	}
	if _, ok := c.Subcategory("ID.AM-06"); ok {
		t.Error("withdrawn ID.AM-06 is listed as current")
	}
	if s, ok := c.Subcategory("PR.DS-02"); !ok || s.Category != "PR.DS" || s.Function != "PR" || s.Statement == "" {
		t.Errorf("PR.DS-02 = %+v, %v", s, ok)
	}
}

func TestParseCSFStrict(t *testing.T) {
	for _, doc := range []string{
		`{"catalog":{"groups":[{"id":"PR","class":"function","title":"PROTECT","weight":1}]}}`,
		`{"catalog":{"groups":[{"id":"PR","class":"function","controls":[{"id":"PR.DS","class":"category","params":[]}]}]}}`,
		`{"catalog":{"groups":[{"id":"PR","class":"team"}]}}`,
		`{"catalog":{"groups":[]}}`,
	} {
		if _, err := ParseCSF(strings.NewReader(doc)); err == nil {
			t.Errorf("ParseCSF accepted %s", doc)
		}
	}
}

func TestNormalizeCSFID(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"PR.AC-1", "PR.AC-01", true},
		{"PR.DS- 2", "PR.DS-02", true},
		{"PR.IP-12", "PR.IP-12", true},
		{"ID.AM", "ID.AM", true},
		{"GV", "GV", true},
		{"N/A", "", false},
		{"PR.AC-0", "", false},
		{"XX.YY-1", "", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := NormalizeCSFID(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("NormalizeCSFID(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestResolveCSF11(t *testing.T) {
	c := mustLoad(t).CSF
	for _, tc := range []struct {
		ref    string
		route  Route
		want   []string
		reason bool
	}{
		{"PR.DS-2", RouteSameID, []string{"PR.DS-02"}, false},
		{"PR.AC-7", RouteLinks, []string{"PR.AA-03"}, false}, // moved_to
		{"PR.AC-5", RouteLinks, []string{"PR.IR-01"}, false}, // incorporated_into
		{"PR.IP-12", RouteLinks, []string{"ID.RA-01", "PR.PS-02"}, false},
		{"PR.AC", RouteLinks, []string{"PR.AA"}, false}, // category moved_to
		{"ID.GV-1", RouteLinks, []string{"GV.PO", "GV.PO-01", "GV.PO-02"}, false},
		{"RS.RP", RouteMembers, []string{"RS.MA-01"}, false}, // withdrawn category without links: through RS.RP-01
		{"PR.PT", RouteMembers, []string{"PR.AA-06", "PR.DS-01", "PR.IR-01", "PR.IR-03", "PR.PS-01", "PR.PS-04"}, false},
		{"N/A", "", nil, true},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			m := ResolveCSF11(c, tc.ref)
			if m.Route != tc.route {
				t.Errorf("route = %q, want %q", m.Route, tc.route)
			}
			if diff := cmp.Diff(m.CSF20, tc.want); diff != "" {
				t.Errorf("CSF 2.0 (-got +want):\n%s", diff)
			}
			if (m.Reason != "") != tc.reason {
				t.Errorf("reason = %q", m.Reason)
			}
		})
	}
}

// Every CSF reference of every sub-practice resolves to current CSF 2.0
// elements, or is listed as unmapped with a reason.
func TestEveryHICPReferenceAccountedFor(t *testing.T) {
	c := mustLoad(t)
	mapped := map[string]bool{}
	for _, m := range c.Crosswalk.Mappings {
		mapped[m.HICP+"|"+m.Ref11] = true
		for _, id := range m.CSF20 {
			e, ok := c.CSF.Element(id)
			if !ok || e.Withdrawn {
				t.Errorf("%s %s maps to %s, not a current element", m.HICP, m.Ref11, id)
			}
		}
	}
	for _, m := range c.Crosswalk.Unmapped {
		if strings.TrimSpace(m.Reason) == "" {
			t.Errorf("%s %s unmapped without a reason", m.HICP, m.Ref11)
		}
		mapped[m.HICP+"|"+m.Ref11] = true
	}
	for _, p := range c.HICP.Practices {
		for _, sp := range p.SubPractices {
			for _, ref := range sp.CSF {
				if !mapped[sp.ID+"|"+ref] {
					t.Errorf("%s reference %s is neither mapped nor listed as unmapped", sp.ID, ref)
				}
			}
			if len(c.Crosswalk.CSF20(sp.ID)) == 0 && sp.ID != "8.L.F" && sp.ID != "8.L.A" {
				t.Errorf("%s maps to no CSF 2.0 element at all", sp.ID)
			}
		}
	}
	var unmapped []string
	for _, m := range c.Crosswalk.Unmapped {
		unmapped = append(unmapped, m.HICP+" "+m.Ref11)
	}
	// HICP itself gives "N/A" for these two.
	if diff := cmp.Diff(unmapped, []string{"8.L.A N/A", "8.L.F N/A"}); diff != "" {
		t.Errorf("unmapped references (-got +want):\n%s", diff)
	}
}

func TestHICPCatalogue(t *testing.T) {
	c := mustLoad(t)
	count := map[string]int{}
	for _, p := range c.HICP.Practices {
		for _, sp := range p.SubPractices {
			count[strings.Split(sp.ID, ".")[1]]++
		}
	}
	// 36 M + 34 L from the 2019 TV2 charts; 20 S from TV1.
	if diff := cmp.Diff(count, map[string]int{"S": 20, "M": 36, "L": 34}); diff != "" {
		t.Errorf("sub-practices per size letter (-got +want):\n%s", diff)
	}
	for _, id := range []string{"1.S.A", "9.M.E", "7.L.B"} {
		if _, ok := c.SubPractice(id); !ok {
			t.Errorf("%s missing", id)
		}
	}
	for _, s := range []Size{SizeSmall, SizeMedium, SizeLarge} {
		for _, sp := range c.Applicable(s) {
			if s != SizeLarge && strings.Contains(sp.ID, ".L.") {
				t.Errorf("%s asked of a %s organisation", sp.ID, s)
			}
		}
	}
	if got := len(c.HICP.Timeframes.Patching.Rows); got != 4 {
		t.Errorf("patching table rows = %d", got)
	}
	if got := c.HICP.Timeframes.MedicalDevices.Rows[0].Within; got != "30 days" {
		t.Errorf("device table first row = %q", got)
	}
}

func TestStrictContentDecoding(t *testing.T) {
	var h HICP
	err := strictyaml.Decode([]byte("schema: pacsguard.hicp/v1\nversoin: 1\n"), &h)
	if err == nil {
		t.Fatal("unknown field accepted")
	}
}

// Evidence rules for engines whose catalogues exist must name real checks,
// so a renamed check does not silently stop feeding the assessment.
func TestEvidenceRulesMatchCatalogue(t *testing.T) {
	cat, err := check.Load()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ch := range cat.All() {
		ids = append(ids, ch.ID)
	}
	c := mustLoad(t)
	for _, r := range c.Evidence.Rules {
		for _, pat := range r.Checks {
			engine, _, _ := strings.Cut(pat, ".")
			engineKnown, matched := false, false
			for _, id := range ids {
				if strings.HasPrefix(id, engine+".") {
					engineKnown = true
				}
				if matchCheck([]string{pat}, id) {
					matched = true
				}
			}
			switch {
			case matched:
			case !engineKnown || strings.HasSuffix(pat, "*"):
				t.Logf("rule %s: %s not catalogued yet (engine %s has no catalogue file or uses dynamic IDs)", r.ID, pat, engine)
			default:
				t.Errorf("rule %s: check %s is not in the findings catalogue", r.ID, pat)
			}
		}
	}
}
