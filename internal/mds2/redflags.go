package mds2

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// RedFlag is a finding that stands out whatever the weights: each is one of
// the procurement requirements HICP 9.L.C names, or a condition it warns of.
type RedFlag struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	// Questions cite the answers behind the flag, e.g. "PAUT-5=No".
	Questions  []string `json:"questions,omitempty"`
	References []string `json:"references,omitempty"`
}

// Red flag IDs, stable in JSON output.
const (
	FlagDefaultPasswords   = "default-passwords"
	FlagNoTransportCrypto  = "no-transport-encryption"
	FlagUnsupportedOS      = "unsupported-os"
	FlagNoSBOM             = "no-sbom"
	FlagNoMalwareDefence   = "no-malware-protection"
	FlagRemoteWithoutMFA   = "remote-access-without-mfa"
	FlagEndOfSupportNotice = "end-of-support"
)

// supportNotice is the notice HICP 9.L.C asks manufacturers to give before
// end of life or end of support.
const supportNotice = 3 * 365 * 24 * time.Hour

var passwordNote = regexp.MustCompile(`(?i)(hard[- ]?coded|fixed|built[- ]?in|factory|default|cannot be changed|not changeable|shared)\s*(service\s*)?(password|credential|account|login)|(password|credential)s?\s*(is|are)?\s*(hard[- ]?coded|fixed|not changeable|cannot be changed)`)

func cite(p *Profile, ids ...string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, id+"="+p.Value(id).Label())
	}
	return out
}

func notAnswered(v Value) bool { return v == ValueMissing || v == ValueUnreadable }

// RedFlags evaluates the red-flag rules on a profile as of now.
func RedFlags(p *Profile, m *Model, now time.Time) []RedFlag {
	var flags []RedFlag
	add := func(f RedFlag) { flags = append(flags, f) }

	// Default or hard-coded passwords.
	{
		var why []string
		var ids []string
		if p.Is("PAUT-5", ValueNo) {
			why, ids = append(why, "not all passwords can be changed (a fixed password is a hard-coded one)"), append(ids, "PAUT-5")
		} else if notAnswered(p.Value("PAUT-5")) {
			why, ids = append(why, "the form does not say whether all passwords can be changed"), append(ids, "PAUT-5")
		}
		if p.Is("PAUT-4", ValueNo) {
			why, ids = append(why, "default accounts are not all documented"), append(ids, "PAUT-4")
		}
		if p.Is("SGUD-3.1", ValueNo) {
			why, ids = append(why, "the owner cannot control the passwords of all accounts"), append(ids, "SGUD-3.1")
		}
		for _, id := range []string{"PAUT-1", "PAUT-4", "PAUT-5", "PAUT-14", "SGUD-3", "SGUD-3.1", "SAHD-6", "SAHD-6.1", "SAHD-6.2", "AUTH-3"} {
			a := p.Answers[id]
			if txt := a.Note + " " + a.NoteRef + " " + a.Text; passwordNote.MatchString(txt) && !strings.Contains(strings.ToLower(txt), "no default") {
				why, ids = append(why, fmt.Sprintf("%s note mentions %q", id, oneLine(clip(passwordNote.FindString(txt), 60)))), append(ids, id)
			}
		}
		if len(why) > 0 {
			add(RedFlag{ID: FlagDefaultPasswords, Title: "Default or hard-coded passwords", Detail: strings.Join(why, "; "),
				Questions: cite(p, dedupe(ids)...), References: []string{"HICP:9.L.C", "HICP:9.M.B"}})
		}
	}

	// No transport encryption for DICOM/HL7.
	{
		var why []string
		var ids []string
		for _, c := range []struct{ id, msg string }{
			{"TXCF-2", "PII is not encrypted before it is sent"},
			{"TXCF-5", "no secure DICOM/HL7 transmission method"},
			{"CONN-7", "TLS is not supported"},
		} {
			switch v := p.Value(c.id); {
			case v == ValueNo:
				why, ids = append(why, c.msg), append(ids, c.id)
			case c.id == "TXCF-2" && (notAnswered(v) || v == ValueNA) && !p.Is("MPII-1", ValueNo):
				why, ids = append(why, "the form does not say PII is encrypted in transit"), append(ids, c.id)
			}
		}
		if len(why) > 0 {
			add(RedFlag{ID: FlagNoTransportCrypto, Title: "No transport encryption for DICOM/HL7", Detail: strings.Join(why, "; "),
				Questions: cite(p, ids...), References: []string{"HICP:9.M.B", "CSF:PR.DS-02"}})
		}
	}

	// Operating systems named in the form, and their support.
	osFound := DetectOS(p, m.Lifecycle)
	var unsupported, ending []string
	for _, o := range osFound {
		switch {
		case o.End.IsZero():
			// Support cannot be told from the name.
		case !o.End.After(now):
			unsupported = append(unsupported, fmt.Sprintf("%s (support ended %s)", o.Name, o.End.Format("2006-01-02")))
		case o.End.Sub(now) < supportNotice:
			ending = append(ending, fmt.Sprintf("%s (support ends %s)", o.Name, o.End.Format("2006-01-02")))
		}
	}
	if len(unsupported) > 0 {
		add(RedFlag{ID: FlagUnsupportedOS, Title: "Unsupported operating system",
			Detail:     "the form names " + strings.Join(unsupported, ", "),
			Questions:  cite(p, "CSUP-2"),
			References: []string{"HICP:9.L.C"}})
	}

	// No SBOM.
	if v := p.Value("SBOM-1"); v != ValueYes {
		detail := "no software bill of materials is available"
		if notAnswered(v) {
			detail = "the form does not say an SBOM is available"
		}
		add(RedFlag{ID: FlagNoSBOM, Title: "No SBOM", Detail: detail, Questions: cite(p, "SBOM-1"), References: []string{"HICP:9.M.D", "HICP:9.L.C"}})
	}

	// No malware protection or allow-listing.
	if p.Value("MLDP-2") != ValueYes && p.Value("MLDP-4") != ValueYes && !p.Is("MLDP-1", ValueNo) {
		add(RedFlag{ID: FlagNoMalwareDefence, Title: "No malware protection or allow-listing",
			Detail:     "neither anti-malware nor application allow-listing is supported",
			Questions:  cite(p, "MLDP-2", "MLDP-4"),
			References: []string{"HICP:9.M.B", "HICP:9.L.C"}})
	}

	// Vendor remote access without MFA.
	if p.Is("RMOT-1", ValueYes) && p.Value("PAUT-8") != ValueYes {
		add(RedFlag{ID: FlagRemoteWithoutMFA, Title: "Vendor remote access without multi-factor authentication",
			Detail:     "remote service connections are permitted and multi-factor authentication is not supported",
			Questions:  cite(p, "RMOT-1", "PAUT-8"),
			References: []string{"HICP:9.M.C"}})
	}

	// End of support: a stated date with less than three years' notice, or
	// no date at all.
	{
		var why []string
		ids := []string{"RDMP-3"}
		if t, ok := ParseDate(p.Device.EndOfSupport); ok {
			if t.Sub(now) < supportNotice {
				why = append(why, fmt.Sprintf("end of support %s is less than three years away", t.Format("2006-01-02")))
			}
		} else if p.Value("RDMP-3") != ValueYes {
			why = append(why, "the form gives no end-of-support date and the manufacturer publishes no support dates")
		}
		why = append(why, ending...)
		if len(why) > 0 {
			if p.Is("RDMP-4", ValueNo) {
				why = append(why, "no plan for third-party components reaching end of life")
				ids = append(ids, "RDMP-4")
			}
			add(RedFlag{ID: FlagEndOfSupportNotice, Title: "No end-of-support date or less than three years' notice",
				Detail: strings.Join(why, "; "), Questions: cite(p, ids...), References: []string{"HICP:9.L.C"}})
		}
	}
	return flags
}

// FoundOS is an operating system named in a form.
type FoundOS struct {
	Name string    `json:"name"`
	End  time.Time `json:"end_of_support,omitzero"` // zero: unknown
}

// DetectOS finds operating systems named in the form's notes and free text.
func DetectOS(p *Profile, lc []OSLifecycle) []FoundOS {
	var texts []string
	ids := make([]string, 0, len(p.Answers))
	for id := range p.Answers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a := p.Answers[id]
		texts = append(texts, a.Note, a.NoteRef, a.Text)
	}
	texts = append(texts, p.Device.Description, p.Device.Model, p.Device.Version)
	seen := map[string]bool{}
	var out []FoundOS
	for _, t := range texts {
		if t == "" {
			continue
		}
		for _, o := range lc {
			if o.re == nil {
				continue
			}
			for _, loc := range o.re.FindAllStringIndex(t, 8) {
				// Blank out the match so "Windows 10 LTSC 2019" does not
				// also count as plain "Windows 10".
				t = t[:loc[0]] + strings.Repeat(" ", loc[1]-loc[0]) + t[loc[1]:]
				if !seen[o.Name] {
					seen[o.Name] = true
					out = append(out, FoundOS{Name: o.Name, End: o.end})
				}
			}
		}
	}
	return out
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
