package mds2

import "testing"

func TestNormalizeAnswer(t *testing.T) {
	tests := []struct {
		in       string
		want     Value
		wantNote string
		wantOK   bool
	}{
		{"Yes", ValueYes, "", true},
		{"yes.", ValueYes, "", true},
		{"Y", ValueYes, "", true},
		{"  YES  ", ValueYes, "", true},
		{"True", ValueYes, "", true},
		{"NO", ValueNo, "", true},
		{"no", ValueNo, "", true},
		{"N", ValueNo, "", true},
		{"n/a", ValueNA, "", true},
		{"N/A", ValueNA, "", true},
		{"NA", ValueNA, "", true},
		{"N.A.", ValueNA, "", true},
		{"Not applicable", ValueNA, "", true},
		{"N / A", ValueNA, "", true},
		{"n /a - software only", ValueNA, "software only", true},
		{"N\\A", ValueNA, "", true},
		{"Y / N", "", "", false},
		{"No default accounts", "", "", false},
		{"No remote access", "", "", false},
		{"No - remote access is disabled", ValueNo, "remote access is disabled", true},
		{"Yes LDAP", ValueYes, "LDAP", true},
		{"Not Applicable - software only", ValueNA, "software only", true},
		{"Yes - see note 3", ValueYes, "see note 3", true},
		{"Yes, LDAP", ValueYes, "LDAP", true},
		{"Yes,optional", ValueYes, "optional", true},
		{"No: No end-of-life components", ValueNo, "No end-of-life components", true},
		{"N/A: No default accounts", ValueNA, "No default accounts", true},
		{"Yes (optional)", ValueYes, "optional", true},
		{"Yes*", ValueYes, "", true},
		{"Yes – see IFU", ValueYes, "see IFU", true},
		{"Yes\nsee note 3", ValueYes, "see note 3", true},
		{"", "", "", false},
		{"   ", "", "", false},
		{"Yesterday", "", "", false},
		{"None", "", "", false},
		{"Nope", "", "", false},
		{"Yes/No", "", "", false},
		{"Yes - no", "", "", false},
		{"TBD", "", "", false},
		{"?", "", "", false},
		{"Optional", "", "", false},
		{"Don't know", "", "", false},
		{"N#", "", "", false},
		{"\xff\xfe", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, note, ok := NormalizeAnswer(tt.in)
			if got != tt.want || note != tt.wantNote || ok != tt.wantOK {
				t.Errorf("NormalizeAnswer(%q) = %q, %q, %v; want %q, %q, %v", tt.in, got, note, ok, tt.want, tt.wantNote, tt.wantOK)
			}
		})
	}
}

// FuzzNormalizeAnswer checks that whatever the normaliser accepts survives a
// round trip through the canonical spelling: the value and note read back
// from FormatAnswer are the ones it produced.
func FuzzNormalizeAnswer(f *testing.F) {
	for _, s := range []string{"Yes", "No - see note 3", "N/A: none", "Not applicable", "Yes (optional))", "y", "yes/no", "Yes, LDAP", "nope"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, note, ok := NormalizeAnswer(s)
		if !ok {
			return
		}
		if !v.Answered() {
			t.Fatalf("NormalizeAnswer(%q) accepted value %q", s, v)
		}
		v2, note2, ok2 := NormalizeAnswer(FormatAnswer(v, note))
		if !ok2 || v2 != v || note2 != note {
			t.Fatalf("round trip of %q: got %q %q %v, want %q %q", s, v2, note2, ok2, v, note)
		}
	})
}

func TestCanonicalID(t *testing.T) {
	cat, err := LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"AUTH-1", "AUTH-1", true},
		{"auth-1", "AUTH-1", true},
		{" AUTH 1 ", "AUTH-1", true},
		{"AUTH–1.", "AUTH-1", true},
		{"MLDP-2.1", "MLDP-2.1", true},
		{"AUDT-2.8.1", "AUDT-2.8.1", true},
		{"SHAD-15", "SAHD-15", true},
		{"TXCF2", "TXCF-2", true},
		{"Question ID", "", false},
		{"AUTHORIZATION (AUTH)", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := cat.CanonicalID(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("CanonicalID(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestCatalogue(t *testing.T) {
	cat, err := LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	// The filled HN 1-2019 form the catalogue was checked against has 240
	// rows; CNFS-1 is the one unverified addition.
	verified := 0
	for _, q := range cat.Questions {
		if q.IsVerified() {
			verified++
		}
	}
	if verified != 240 {
		t.Errorf("verified questions = %d, want 240", verified)
	}
	for _, id := range []string{"AUTH-1", "MLDP-2.1", "TXCF-2", "SBOM-1", "RMOT-1", "MPII-2.1", "DIDT-1", "CSUP-2.4", "PLOK-4", "PAUT-8", "EMRG-1", "IGAU-1", "CNFS-1", "DTBK-1", "ALOF-1", "NAUT-3", "SAHD-15"} {
		if _, ok := cat.Question(id); !ok {
			t.Errorf("%s missing from the catalogue", id)
		}
	}
	if _, err := parseCatalogue([]byte("schema: pacsguard.mds2-questions/v1\nversion: 1\nsurprise: true\n")); err == nil {
		t.Error("unknown field accepted")
	}
}
