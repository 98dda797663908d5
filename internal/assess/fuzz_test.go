package assess

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func seedFiles(f *testing.F, pattern string) {
	names, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzParseAnswers: whatever parses survives a JSON round trip unchanged and
// scores without panicking.
func FuzzParseAnswers(f *testing.F) {
	seedFiles(f, "small-*.yaml")
	seedFiles(f, "*.json")
	f.Add([]byte(`{"schema":"pacsguard.assess.answers/v1","answers":{"1.S.A":"p"}}`))
	c, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseAnswers(bytes.NewReader(b))
		if err != nil {
			return
		}
		j, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseAnswers(bytes.NewReader(j))
		if err != nil {
			t.Fatalf("re-parse of %s: %v", j, err)
		}
		if diff := cmp.Diff(again, a); diff != "" {
			t.Fatalf("round trip changed the answers (-again +first):\n%s", diff)
		}
		r := Score(c, a, nil, testNow)
		if err := Write(io.Discard, FormatMarkdown, c, r); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzParseCSF: a catalogue that parses has every current subcategory
// reachable by ID and never lists a withdrawn one as current.
func FuzzParseCSF(f *testing.F) {
	f.Add([]byte(`{"catalog":{"metadata":{"title":"t"},"groups":[{"id":"PR","class":"function","title":"PROTECT","controls":[{"id":"PR.DS","class":"category","controls":[{"id":"PR.DS-01","class":"subcategory","parts":[{"name":"statement","prose":"x"},{"name":"example","prose":"e"}]},{"id":"PR.DS-03","class":"subcategory","props":[{"name":"status","value":"withdrawn"}],"links":[{"rel":"incorporated_into","href":"PR.DS-01"}]}]}]}]}}`))
	b, _ := embedded.ReadFile("data/NIST_CSF_v2.0_catalog-min.json")
	f.Add(b[:4096])
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCSF(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, s := range c.Subcategories {
			e, ok := c.Element(s.ID)
			if !ok || e.Withdrawn {
				t.Fatalf("current subcategory %s: element %+v, %v", s.ID, e, ok)
			}
			ResolveCSF11(c, s.ID)
		}
	})
}

// A cancelled context ends the interview without waiting for input.
func TestInterviewCancel(t *testing.T) {
	c := mustLoad(t)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	defer pw.Close()
	errc := make(chan error, 1)
	go func() {
		_, err := Interview(ctx, c, pr, io.Discard, nil, nil)
		errc <- err
	}()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("Interview after cancel = %v, want context.Canceled", err)
	}
}

// FuzzInterview: any typed input ends the interview without panicking and
// keeps only valid grades for questions that apply to the chosen size.
func FuzzInterview(f *testing.F) {
	f.Add("Clinic\n3\n0\n20\nnone\n\n1\n2\nCT\ny\nn\nn\ny\ny\np: note\n?\nf\nq\n")
	f.Add("\n\n\n\nmedium\n\n\n\n\n\n\n\n\nl\nx\nna\n")
	c, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, _ := Interview(context.Background(), c, strings.NewReader(in), io.Discard, nil, nil)
		size := DecideSize(a.Organisation).Size
		for id, ans := range a.Answers {
			sp, ok := c.SubPractice(id)
			if !ok || !sp.AppliesTo(size) {
				t.Fatalf("answer for %s, not asked of a %s organisation", id, size)
			}
			if _, err := ParseGrade(string(ans.Grade)); err != nil {
				t.Fatalf("invalid grade %q", ans.Grade)
			}
		}
	})
}
