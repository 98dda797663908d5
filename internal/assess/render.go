package assess

import (
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/pacsguard/pacsguard/internal/report"
)

// Format is a report format.
type Format string

const (
	FormatTerminal Format = "terminal"
	FormatMarkdown Format = "markdown"
	FormatJSON     Format = "json"
	FormatHTML     Format = "html"
)

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case FormatTerminal, FormatMarkdown, FormatJSON, FormatHTML:
		return f, nil
	case "md":
		return FormatMarkdown, nil
	case "text", "table":
		return FormatTerminal, nil
	}
	return "", fmt.Errorf("unknown format %q (want terminal, markdown, json or html)", s)
}

// Write renders r in format f.
func Write(w io.Writer, f Format, c *Content, r *Result) error {
	switch f {
	case FormatJSON:
		return report.WriteJSON(w, r)
	case FormatMarkdown:
		return writeMarkdown(w, c, r)
	case FormatHTML:
		return writeHTML(w, c, r)
	default:
		return writeTerminal(w, c, r)
	}
}

func fmtScore(v *float64) string {
	if v == nil {
		return "  n/a"
	}
	return fmt.Sprintf("%5.1f", *v)
}

func fmtChange(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%+.1f", *v)
}

// bar draws a score as a 20-cell text bar.
func bar(v *float64) string {
	if v == nil {
		return strings.Repeat("·", 20)
	}
	n := int(*v/5 + 0.5)
	n = max(0, min(20, n))
	return strings.Repeat("█", n) + strings.Repeat("░", 20-n)
}

// clean strips control characters and bidirectional overrides from text
// that came from the user (names, notes), so a report cannot carry terminal
// escapes or read differently from what it says.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if (unicode.IsControl(r) && r != '\n') || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return -1
		}
		return r
	}, s)
}

// orgName is the organisation's name on one line: it heads every report.
func orgName(r *Result) string {
	if r.Organisation.Name != "" {
		return strings.Join(strings.Fields(clean(r.Organisation.Name)), " ")
	}
	return "Your organisation"
}

func tierLine(r *Result) string {
	t := r.Tier
	s := fmt.Sprintf("indicated Tier %d (%s)", t.Indicated, t.Name)
	if t.Declared > 0 {
		s = fmt.Sprintf("declared Tier %d (%s), ", t.Declared, TierName(t.Declared)) + s
	}
	if t.Target > 0 {
		s += fmt.Sprintf(", target Tier %d (%s)", t.Target, TierName(t.Target))
	}
	return s
}

func imagingLine(p Profile) string {
	var parts []string
	if len(p.Imaging.Modalities) > 0 {
		parts = append(parts, "modalities "+clean(strings.Join(p.Imaging.Modalities, ", ")))
	}
	for _, x := range []struct {
		on   bool
		name string
	}{{p.Imaging.PACS, "PACS"}, {p.Imaging.VNA, "VNA"}, {p.Imaging.Cloud, "cloud imaging"}, {p.Imaging.RemoteReading, "remote reading"}, {p.Imaging.VendorRemoteAccess, "vendor remote access"}} {
		if x.on {
			parts = append(parts, x.name)
		}
	}
	if len(parts) == 0 {
		return "not described"
	}
	return strings.Join(parts, "; ")
}

// summary is the executive summary in plain sentences, shared by all formats.
func summary(c *Content, r *Result) []string {
	var out []string
	out = append(out, fmt.Sprintf("%s was assessed as a %s organisation against %d HICP sub-practices; overall score %s out of 100.",
		orgName(r), r.Size.Size, len(r.SubPractices), strings.TrimSpace(fmtScore(r.Overall))))
	for _, s := range r.CPGSets {
		if s.ID == string(CPGEssential) {
			out = append(out, fmt.Sprintf("The HHS essential cybersecurity goals score %s: these are the floor every provider should reach first.", strings.TrimSpace(fmtScore(s.Score))))
		}
	}
	var weakest *GroupScore
	for i := range r.Practices {
		p := &r.Practices[i]
		if p.Score != nil && (weakest == nil || *p.Score < *weakest.Score) {
			weakest = p
		}
	}
	if weakest != nil {
		out = append(out, fmt.Sprintf("The weakest practice is %s (%s).", weakest.Title, strings.TrimSpace(fmtScore(weakest.Score))))
	}
	var ransomware, devices *float64
	for _, t := range r.Threats {
		switch t.ID {
		case "ransomware":
			ransomware = t.Score
		case "medical-devices":
			devices = t.Score
		}
	}
	out = append(out, fmt.Sprintf("Defences against the two largest imaging risks score %s (ransomware) and %s (attacks on connected medical devices).",
		strings.TrimSpace(fmtScore(ransomware)), strings.TrimSpace(fmtScore(devices))))
	lowered := 0
	for _, s := range r.SubPractices {
		if len(s.Adjustments) > 0 {
			lowered++
		}
	}
	if len(r.Evidence) > 0 {
		out = append(out, fmt.Sprintf("Scanner evidence from the store was used: %d rule(s) fired and changed %d answer(s).", len(r.Evidence), lowered))
	} else {
		out = append(out, "No scanner evidence was used (no recent scan in the store); scores rest on the answers alone.")
	}
	n30 := 0
	for _, a := range r.Roadmap {
		if a.Phase == Phase30 {
			n30++
		}
	}
	capacity := phaseCapacity[r.Size.Size]
	out = append(out, fmt.Sprintf("The roadmap has %d action(s), paced for a %s organisation: up to %d in the next 30 days and %d more in the next 90 days; %d are planned for the next 30 days.",
		len(r.Roadmap), r.Size.Size, capacity[0], capacity[1], n30))
	var first []string
	for _, a := range r.Roadmap {
		if len(first) == 3 {
			break
		}
		first = append(first, fmt.Sprintf("%s (%s)", a.Title, a.SubPractice))
	}
	if len(first) > 0 {
		out = append(out, "Start with: "+strings.Join(first, "; ")+".")
	}
	out = append(out, r.Tier.Note)
	if r.Comparison != nil && r.Comparison.OverallDelta != nil {
		out = append(out, fmt.Sprintf("Since the previous assessment (%s) the overall score changed by %s.", r.Comparison.PreviousGenerated.Format("2006-01-02"), fmtChange(r.Comparison.OverallDelta)))
	}
	return out
}

func unverifiedNote(r *Result) string {
	u := r.Unverified
	var parts []string
	if u.SubPractices+u.CSFRefs > 0 {
		parts = append(parts, fmt.Sprintf("%d of the %d sub-practices asked are not yet verified against the HICP PDFs, and %d carry CSF references proposed by pacsguard rather than transcribed from HICP.",
			u.SubPractices, len(r.SubPractices), u.CSFRefs))
	}
	if u.SizeThresholds {
		parts = append(parts, "The size thresholds other than \"10 or fewer physicians\" come from secondary reports of HICP's size chart; set organisation.size to override.")
	}
	if u.CPGMappings > 0 {
		parts = append(parts, "The CPG goal titles are confirmed through secondary sources only, and their mapping to HICP sub-practices is pacsguard's own.")
	}
	if len(parts) == 0 {
		return ""
	}
	return "Content note: " + strings.Join(parts, " ") + " See internal/assess/data/PROVENANCE.md."
}

func evidenceLine(e EvidenceItem) string {
	s := fmt.Sprintf("%s: %s (%s run %d, %s; %d item(s)", e.Rule, e.Why, e.RunKind, e.RunID, e.RunFinished.Format("2006-01-02"), e.Count)
	if e.Hosts > 0 {
		s += fmt.Sprintf(" on %d host(s)", e.Hosts)
	}
	if len(e.Samples) > 0 {
		s += ", e.g. " + strings.Join(e.Samples, ", ")
	}
	s += ") → " + strings.Join(e.Affects, ", ")
	switch {
	case e.Cap != GradeNone:
		s += " capped at " + string(e.Cap)
	case e.Floor != GradeNone:
		s += " supported to " + string(e.Floor)
	}
	return s
}

func writeTerminal(w io.Writer, c *Content, r *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "pacsguard assess: %s\n", orgName(r))
	fmt.Fprintf(&b, "Size: %s (%s)\n", r.Size.Size, strings.Join(r.Size.Reasons, "; "))
	fmt.Fprintf(&b, "Imaging: %s\n", imagingLine(r.Organisation))
	fmt.Fprintf(&b, "Overall: %s/100   CSF tier: %s\n\n", strings.TrimSpace(fmtScore(r.Overall)), tierLine(r))
	b.WriteString("Summary\n")
	for _, s := range summary(c, r) {
		fmt.Fprintf(&b, "  - %s\n", s)
	}
	section := func(title string, gs []GroupScore, label func(GroupScore) string) {
		fmt.Fprintf(&b, "\n%s\n", title)
		for _, g := range gs {
			fmt.Fprintf(&b, "  %-48s %s %s  (%d)\n", truncate(label(g), 48), fmtScore(g.Score), bar(g.Score), g.Count)
		}
	}
	section("HICP practices (score out of 100, sub-practices counted)", r.Practices, func(g GroupScore) string { return g.ID + " " + g.Title })
	section("HICP threats", r.Threats, func(g GroupScore) string { return g.Title })
	section("NIST CSF 2.0 functions", r.Functions, func(g GroupScore) string { return g.ID + " " + g.Title })
	section("HHS cybersecurity performance goals", r.CPGSets, func(g GroupScore) string { return g.Title })
	for _, g := range r.CPGGoals {
		fmt.Fprintf(&b, "    %-46s %s\n", truncate(g.ID+" "+g.Title, 46), fmtScore(g.Score))
	}
	b.WriteString("\nSub-practices\n")
	for _, s := range r.SubPractices {
		mark := ""
		if s.Answered == GradeNone {
			mark = " (unanswered)"
		}
		if s.Answered != GradeNone && s.Answered != s.Effective {
			mark = fmt.Sprintf(" (answered %s)", s.Answered)
		}
		fmt.Fprintln(&b, strings.TrimRight(fmt.Sprintf("  %-7s %-44s %-15s%s", s.ID, truncate(s.Title, 44), s.Effective, mark), " "))
	}
	if len(r.Evidence) > 0 {
		b.WriteString("\nEvidence from the store\n")
		for _, e := range r.Evidence {
			fmt.Fprintf(&b, "  - %s\n", evidenceLine(e))
		}
	}
	writeComparisonText(&b, r)
	b.WriteString("\nRoadmap\n")
	phase := Phase("")
	for _, a := range r.Roadmap {
		if a.Phase != phase {
			phase = a.Phase
			fmt.Fprintf(&b, "\n  %s\n", PhaseTitle(phase))
		}
		fmt.Fprintf(&b, "  %2d. [%s] %s (now %s)\n", a.Rank, a.SubPractice, a.Title, a.Current)
		fmt.Fprintf(&b, "      HICP %s · CSF %s", strings.Join(a.HICP, ", "), strings.Join(a.CSF, ", "))
		if len(a.CPG) > 0 {
			fmt.Fprintf(&b, " · CPG %s", strings.Join(a.CPG, ", "))
		}
		fmt.Fprintf(&b, "\n      Why: %s\n      Do: %s\n      Done when: %s\n", a.Why, a.Do, a.DoneWhen)
		if len(a.Metrics) > 0 {
			fmt.Fprintf(&b, "      Measure: %s\n", a.Metrics[0])
		}
		fmt.Fprintf(&b, "      Ranked for: %s\n", strings.Join(a.Because, "; "))
	}
	b.WriteString("\nHICP service levels\n")
	for _, l := range serviceLevels(c) {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	if len(r.Unanswered) > 0 {
		fmt.Fprintf(&b, "\nUnanswered (counted as not started): %s\n", strings.Join(r.Unanswered, ", "))
	}
	if len(r.Ignored) > 0 {
		fmt.Fprintf(&b, "Answered but not asked of a %s organisation (ignored): %s\n", r.Size.Size, strings.Join(r.Ignored, ", "))
	}
	if n := unverifiedNote(r); n != "" {
		fmt.Fprintf(&b, "\n%s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// serviceLevels renders HICP's timeframe tables as lines of text.
func serviceLevels(c *Content) []string {
	tf := c.HICP.Timeframes
	out := []string{fmt.Sprintf("%s (%s):", tf.Patching.Table, tf.Patching.SubPractice)}
	for _, r := range tf.Patching.Rows {
		out = append(out, fmt.Sprintf("  %-9s internet-facing (DMZ) %s; data centre %s", r.Criticality, r.DMZ, r.DataCentre))
	}
	out = append(out, fmt.Sprintf("%s (%s):", tf.MedicalDevices.Table, tf.MedicalDevices.SubPractice))
	for _, r := range tf.MedicalDevices.Rows {
		out = append(out, fmt.Sprintf("  %s risk: %s, within %s", r.Risk, r.Step, r.Within))
	}
	return out
}

func writeComparisonText(b *strings.Builder, r *Result) {
	cp := r.Comparison
	if cp == nil {
		return
	}
	fmt.Fprintf(b, "\nProgress since %s\n", cp.PreviousGenerated.Format("2006-01-02"))
	fmt.Fprintf(b, "  Overall %s → %s (%s)\n", strings.TrimSpace(fmtScore(cp.PreviousOverall)), strings.TrimSpace(fmtScore(r.Overall)), fmtChange(cp.OverallDelta))
	for _, d := range cp.Practices {
		if d.Change != nil && *d.Change != 0 {
			fmt.Fprintf(b, "  %-48s %s\n", d.ID+" "+d.Title, fmtChange(d.Change))
		}
	}
	for _, m := range cp.Improved {
		fmt.Fprintf(b, "  improved  %s: %s → %s\n", m.ID, m.From, m.To)
	}
	for _, m := range cp.Regressed {
		fmt.Fprintf(b, "  regressed %s: %s → %s\n", m.ID, m.From, m.To)
	}
	if len(cp.Closed) > 0 {
		fmt.Fprintf(b, "  roadmap actions closed: %s\n", strings.Join(cp.Closed, ", "))
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// mdEscape keeps user text from breaking Markdown tables or injecting HTML.
func mdEscape(s string) string {
	s = clean(s)
	r := strings.NewReplacer("|", "\\|", "<", "&lt;", ">", "&gt;", "\n", " ", "`", "'")
	return r.Replace(s)
}

func writeMarkdown(w io.Writer, c *Content, r *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Cybersecurity assessment: %s\n\n", mdEscape(orgName(r)))
	fmt.Fprintf(&b, "- **Size:** %s (%s)\n", r.Size.Size, strings.Join(r.Size.Reasons, "; "))
	fmt.Fprintf(&b, "- **Imaging:** %s\n", mdEscape(imagingLine(r.Organisation)))
	fmt.Fprintf(&b, "- **Overall:** %s / 100\n", strings.TrimSpace(fmtScore(r.Overall)))
	fmt.Fprintf(&b, "- **CSF tier:** %s\n\n", tierLine(r))
	b.WriteString("## Executive summary\n\n")
	for _, s := range summary(c, r) {
		fmt.Fprintf(&b, "- %s\n", s)
	}
	table := func(title string, gs []GroupScore, label func(GroupScore) string) {
		fmt.Fprintf(&b, "\n## %s\n\n| | Score | Asked |\n|---|---:|---:|\n", title)
		for _, g := range gs {
			fmt.Fprintf(&b, "| %s | %s | %d |\n", label(g), strings.TrimSpace(fmtScore(g.Score)), g.Count)
		}
	}
	table("HICP practices", r.Practices, func(g GroupScore) string { return g.ID + ". " + g.Title })
	table("HICP threats", r.Threats, func(g GroupScore) string { return g.Title })
	table("NIST CSF 2.0 functions", r.Functions, func(g GroupScore) string { return g.Title + " (" + g.ID + ")" })
	table("HHS cybersecurity performance goals", r.CPGSets, func(g GroupScore) string { return g.Title })
	b.WriteString("\n| Goal | Set | Score |\n|---|---|---:|\n")
	for _, g := range r.CPGGoals {
		fmt.Fprintf(&b, "| %s %s | %s | %s |\n", g.ID, g.Title, g.Set, strings.TrimSpace(fmtScore(g.Score)))
	}
	b.WriteString("\n## Sub-practices\n\n| ID | Sub-practice | Answered | Counted | Evidence | Notes |\n|---|---|---|---|---|---|\n")
	for _, s := range r.SubPractices {
		ans := string(s.Answered)
		if ans == "" {
			ans = "(unanswered)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", s.ID, s.Title, ans, s.Effective, strings.Join(s.Evidence, ", "), mdEscape(s.Notes))
	}
	if len(r.Evidence) > 0 {
		b.WriteString("\n## Evidence from the store\n\n")
		for _, e := range r.Evidence {
			fmt.Fprintf(&b, "- %s\n", mdEscape(evidenceLine(e)))
		}
	}
	if r.Comparison != nil {
		var cb strings.Builder
		writeComparisonText(&cb, r)
		b.WriteString("\n## Progress\n\n```\n" + strings.TrimPrefix(cb.String(), "\n") + "```\n")
	}
	b.WriteString("\n## Roadmap\n")
	phase := Phase("")
	for _, a := range r.Roadmap {
		if a.Phase != phase {
			phase = a.Phase
			fmt.Fprintf(&b, "\n### %s\n\n", PhaseTitle(phase))
		}
		fmt.Fprintf(&b, "%d. **%s %s** (now %s). HICP %s; CSF %s", a.Rank, a.SubPractice, a.Title, a.Current, strings.Join(a.HICP, ", "), strings.Join(a.CSF, ", "))
		if len(a.CPG) > 0 {
			fmt.Fprintf(&b, "; CPG %s", strings.Join(a.CPG, ", "))
		}
		fmt.Fprintf(&b, ".\n   - Why: %s\n   - Do: %s\n   - Done when: %s\n", a.Why, a.Do, a.DoneWhen)
		if len(a.Metrics) > 0 {
			fmt.Fprintf(&b, "   - Measure (HICP metric): %s\n", strings.Join(a.Metrics[:min(2, len(a.Metrics))], "; "))
		}
		fmt.Fprintf(&b, "   - Ranked for: %s\n", strings.Join(a.Because, "; "))
	}
	b.WriteString("\n## HICP service levels\n\n```\n" + strings.Join(serviceLevels(c), "\n") + "\n```\n")
	if len(r.Unanswered) > 0 {
		fmt.Fprintf(&b, "\nUnanswered (counted as not started): %s\n", strings.Join(r.Unanswered, ", "))
	}
	if len(r.Ignored) > 0 {
		fmt.Fprintf(&b, "\nAnswered but not asked of a %s organisation (ignored): %s\n", r.Size.Size, strings.Join(r.Ignored, ", "))
	}
	if n := unverifiedNote(r); n != "" {
		fmt.Fprintf(&b, "\n> %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
