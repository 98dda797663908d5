package assess

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pacsguard/pacsguard/internal/store"
)

// The documented effect of store evidence, end to end through SQLite: the
// scan and the file sweep saved with SaveRun lower exactly the answers the
// rules name, and cite the runs.
func TestGatherFromStore(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	snap := scanSnapshot(testNow.Add(-2 * time.Hour))
	for _, kind := range []string{"scan", "files"} {
		re := snap.Runs[kind]
		if _, err := st.SaveRun(ctx, re.Run, re.Services, re.Findings); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Gather(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Runs) != 2 || len(got.Runs["scan"].Services) != 2 || len(got.Runs["files"].Findings) != 1 {
		t.Fatalf("gathered %+v", got.Runs)
	}
	c := mustLoad(t)
	ev := c.Evidence.Evaluate(got, testNow)
	var rules []string
	for _, e := range ev {
		rules = append(rules, e.Rule)
	}
	want := []string{"dicom-cleartext", "weak-tls", "any-ae-title", "known-exploited-on-imaging", "serious-cve-on-imaging",
		"ransomware-alarm", "cited-by-file-finding", "scan-inventory"}
	if diff := cmp.Diff(rules, want); diff != "" {
		t.Errorf("rules fired (-got +want):\n%s", diff)
	}
	a := readAnswers(t, "small-imaging-centre.yaml")
	a.Answers["4.S.A"] = Answer{Grade: GradeFully}   // DICOM without TLS says otherwise
	a.Answers["4.S.B"] = Answer{Grade: GradeLargely} // the ransomware alarm says otherwise
	a.Answers["7.S.A"] = Answer{Grade: GradeFully}   // a known-exploited CVE on the archive
	r := Score(c, a, ev, testNow)
	changed := map[string]Grade{}
	for _, s := range r.SubPractices {
		if s.Answered != s.Effective {
			changed[s.ID] = s.Effective
		}
	}
	// Answers already at or below a cap stay as answered (3.S.A, 9.S.A
	// partial; 6.S.A, 8.S.A not started).
	if diff := cmp.Diff(changed, map[string]Grade{"4.S.A": GradePartial, "4.S.B": GradePartial, "7.S.A": GradePartial}); diff != "" {
		t.Errorf("small centre grades changed (-got +want):\n%s", diff)
	}
	for _, s := range r.SubPractices {
		if s.ID == "9.S.A" && len(s.Evidence) == 0 {
			t.Error("9.S.A cites no evidence although the scan found an any-AE node with a known-exploited CVE")
		}
	}
}

func TestGatherEmptyStore(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	snap, err := Gather(ctx, st)
	if err != nil || len(snap.Runs) != 0 {
		t.Fatalf("Gather on an empty store = %+v, %v", snap, err)
	}
	if ev := mustLoad(t).Evidence.Evaluate(snap, testNow); len(ev) != 0 {
		t.Errorf("evidence from an empty store: %+v", ev)
	}
}
