package mds2_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pacsguard/pacsguard/internal/mds2"
	"github.com/pacsguard/pacsguard/internal/mds2/mds2test"
)

var testNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func model(t testing.TB) *mds2.Model {
	t.Helper()
	m, err := mds2.LoadModel()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func fixture(t testing.TB, m *mds2.Model, name string) *mds2.Profile {
	t.Helper()
	d, ok := mds2test.Fixtures()[name]
	if !ok {
		t.Fatalf("no fixture %s", name)
	}
	p, err := mds2.Read(formBytes(t, mds2test.Standard(m.Catalogue, d, mds2test.Good(m))), name+".xlsx", m.Catalogue, mds2.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(got), string(want)); diff != "" {
		t.Errorf("%s differs (-got +want; go test -update rewrites it):\n%s", name, diff)
	}
}

func TestCompareGolden(t *testing.T) {
	m := model(t)
	for _, tc := range []struct {
		equipment string
		devices   []string
	}{
		{"ct", []string{"ct-strong", "ct-weak"}},
		{"ultrasound", []string{"us-strong", "us-weak"}},
	} {
		e, ok := m.Weights.For(tc.equipment)
		if !ok {
			t.Fatalf("no equipment %s", tc.equipment)
		}
		var ps []*mds2.Profile
		for _, d := range tc.devices {
			ps = append(ps, fixture(t, m, d))
		}
		c := mds2.Compare(m, e, ps, testNow)
		for _, f := range []struct {
			format mds2.Format
			ext    string
		}{{mds2.FormatTable, "txt"}, {mds2.FormatMarkdown, "md"}, {mds2.FormatJSON, "json"}, {mds2.FormatHTML, "html"}} {
			t.Run(tc.equipment+"/"+string(f.format), func(t *testing.T) {
				var buf bytes.Buffer
				if err := mds2.WriteComparison(&buf, c, f.format); err != nil {
					t.Fatal(err)
				}
				golden(t, "compare-"+tc.equipment+"."+f.ext, buf.Bytes())
			})
		}
	}
}

func flagIDs(fs []mds2.RedFlag) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func TestRedFlags(t *testing.T) {
	m := model(t)
	tests := []struct {
		name string
		want []string
	}{
		{"ct-strong", []string{}},
		{"ct-weak", []string{mds2.FlagDefaultPasswords, mds2.FlagNoTransportCrypto, mds2.FlagUnsupportedOS, mds2.FlagNoSBOM, mds2.FlagNoMalwareDefence, mds2.FlagRemoteWithoutMFA, mds2.FlagEndOfSupportNotice}},
		{"us-weak", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := flagIDs(mds2.RedFlags(fixture(t, m, tt.name), m, testNow))
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("red flags (-got +want):\n%s", diff)
			}
		})
	}
}

// TestRedFlagsIgnoreWeights: a device that answers every weighted control well
// still shows its red flags, and a stated end of support inside three years
// raises one.
func TestRedFlagsIgnoreWeights(t *testing.T) {
	m := model(t)
	p := fixture(t, m, "ct-strong")
	p.Device.EndOfSupport = "2028-01-31"
	a := p.Answers["CSUP-2"]
	a.Note = "Windows XP Embedded"
	p.Answers["CSUP-2"] = a
	e, _ := m.Weights.For("ct")
	c := mds2.Compare(m, e, []*mds2.Profile{p}, testNow)
	if diff := cmp.Diff(flagIDs(c.Devices[0].RedFlags), []string{mds2.FlagUnsupportedOS, mds2.FlagEndOfSupportNotice}); diff != "" {
		t.Errorf("red flags (-got +want):\n%s", diff)
	}
	if c.Devices[0].Score < 90 {
		t.Errorf("score %d: weights should be unaffected by the red flags", c.Devices[0].Score)
	}
}

func TestWeightsData(t *testing.T) {
	m := model(t)
	want := []string{"ct", "mr", "pet-ct", "ultrasound", "xray", "mammography", "workstation", "pacs"}
	if diff := cmp.Diff(m.Weights.EquipmentTypes(), want); diff != "" {
		t.Errorf("equipment types (-got +want):\n%s", diff)
	}
	for _, e := range m.Weights.Equipment {
		for _, wc := range m.Weights.Effective(e) {
			if wc.Reason == "" {
				t.Errorf("%s/%s has no reason", e.Type, wc.ID)
			}
		}
	}
	// The design notes: encryption at rest weighs more for portable
	// ultrasound, remote service and the support lifecycle for PET/CT.
	weight := func(typ, id string) int {
		e, _ := m.Weights.For(typ)
		for _, wc := range m.Weights.Effective(e) {
			if wc.ID == id {
				return wc.Weight
			}
		}
		return 0
	}
	if weight("ultrasound", "STCF-1") <= weight("ct", "STCF-1") {
		t.Error("STCF-1 should weigh more for ultrasound than for CT")
	}
	if weight("pet-ct", "RMOT-1.1") <= weight("ultrasound", "RMOT-1.1") || weight("pet-ct", "RDMP-4") <= weight("pacs", "RDMP-4") {
		t.Error("remote service and component end of life should weigh more for PET/CT")
	}
}

func TestScoreBounds(t *testing.T) {
	m := model(t)
	cat := m.Catalogue
	e, _ := m.Weights.For("pacs")
	for name, base := range map[string]func(mds2.Question) string{
		"all good": mds2test.Good(m),
		"all no":   func(mds2.Question) string { return "No" },
		"all n/a":  func(mds2.Question) string { return "N/A" },
		"all bad": func(q mds2.Question) string {
			if mds2test.Good(m)(q) == "Yes" {
				return "No"
			}
			return "Yes"
		},
	} {
		p, err := mds2.Read(formBytes(t, mds2test.Standard(cat, mds2test.Device{Manufacturer: "Plain", Model: "P1"}, base)), "x.xlsx", cat, mds2.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		s := mds2.Compare(m, e, []*mds2.Profile{p}, testNow).Devices[0].Score
		if s < 0 || s > 100 {
			t.Errorf("%s: score %d", name, s)
		}
		if name == "all good" && s != 100 || name == "all bad" && s != 0 {
			t.Errorf("%s: score %d", name, s)
		}
	}
}

func TestRFPGolden(t *testing.T) {
	m := model(t)
	for _, typ := range []string{"ct", "ultrasound"} {
		t.Run(typ, func(t *testing.T) {
			e, _ := m.Weights.For(typ)
			var buf bytes.Buffer
			if err := mds2.WriteRFP(&buf, m, e); err != nil {
				t.Fatal(err)
			}
			golden(t, "rfp-"+typ+".md", buf.Bytes())
		})
	}
}

func TestDetectOS(t *testing.T) {
	m := model(t)
	tests := []struct {
		note string
		want []string
	}{
		{"Windows 10 IoT Enterprise LTSC 2021", []string{"Windows 10 IoT Enterprise LTSC 2021"}},
		{"Windows 10 IoT Enterprise 2019 LTSC", []string{"Windows 10 LTSC 2019"}},
		{"Windows 10 Enterprise LTSC", []string{"Windows 10 LTSC/LTSB (release not stated)"}},
		{"Windows 10 Pro 22H2", []string{"Windows 10"}},
		{"Win7 SP1 console, Windows Server 2016 reconstruction server", []string{"Windows 7", "Windows Server 2016"}},
		{"Windows Embedded Standard 7", []string{"Windows Embedded Standard 7"}},
		{"CentOS Linux 7.9", []string{"CentOS 7"}},
		{"Windows 11 IoT Enterprise LTSC 2024", nil},
		{"Linux (Yocto)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.note, func(t *testing.T) {
			p := &mds2.Profile{Answers: map[string]mds2.Answer{"CSUP-2": {Value: mds2.ValueYes, Note: tt.note}}}
			var got []string
			for _, o := range mds2.DetectOS(p, m.Lifecycle) {
				got = append(got, o.Name)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
		})
	}
}

func TestEndOfSupportFromHeader(t *testing.T) {
	m := model(t)
	for _, tc := range []struct {
		eos  string
		want bool
	}{
		{"2027-06-30", true},
		{"06/30/2035", false},
		{"46934", true}, // an Excel serial day number: 2028-07-01
	} {
		t.Run(tc.eos, func(t *testing.T) {
			f := mds2test.Standard(m.Catalogue, mds2test.Fixtures()["ct-strong"], mds2test.Good(m))
			f.DeviceBlock = append(f.DeviceBlock, [2]string{"End of support date:", tc.eos})
			p, err := mds2.Read(formBytes(t, f), "eos.xlsx", m.Catalogue, mds2.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			got := false
			for _, rf := range mds2.RedFlags(p, m, testNow) {
				got = got || rf.ID == mds2.FlagEndOfSupportNotice
			}
			if got != tc.want {
				t.Errorf("end of support %q (read as %q): flag %v, want %v", tc.eos, p.Device.EndOfSupport, got, tc.want)
			}
		})
	}
}

func TestProfilesGolden(t *testing.T) {
	m := model(t)
	ps := []*mds2.Profile{fixture(t, m, "ct-weak")}
	for _, f := range []struct {
		format mds2.Format
		ext    string
	}{{mds2.FormatTable, "txt"}, {mds2.FormatMarkdown, "md"}, {mds2.FormatHTML, "html"}} {
		t.Run(string(f.format), func(t *testing.T) {
			var buf bytes.Buffer
			if err := mds2.WriteProfiles(&buf, m.Catalogue, ps, f.format); err != nil {
				t.Fatal(err)
			}
			golden(t, "import-ct-weak."+f.ext, buf.Bytes())
		})
	}
}
