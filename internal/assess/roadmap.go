package assess

import (
	"cmp"
	"slices"
	"strings"
)

// Phase is when a roadmap action should be done.
type Phase string

const (
	Phase30   Phase = "30-days"
	Phase90   Phase = "90-days"
	PhaseYear Phase = "year"
)

// PhaseTitle is a phase in words.
func PhaseTitle(p Phase) string {
	return map[Phase]string{Phase30: "Next 30 days", Phase90: "Next 90 days", PhaseYear: "This year"}[p]
}

// Action is one roadmap step.
type Action struct {
	Rank        int      `json:"rank"`
	Phase       Phase    `json:"phase"`
	SubPractice string   `json:"sub_practice"`
	Title       string   `json:"title"`
	Current     Grade    `json:"current"`
	HICP        []string `json:"hicp"`
	CSF         []string `json:"csf"`
	CPG         []string `json:"cpg,omitempty"`
	Why         string   `json:"why"`
	Do          string   `json:"do"`
	DoneWhen    string   `json:"done_when"`
	// Metrics are HICP's suggested metrics for the action's practice, to
	// track it as a KPI.
	Metrics []string `json:"metrics,omitempty"`
	// Examples are NIST's implementation examples for the action's CSF
	// subcategories (at most maxExamples), straight from the catalogue.
	Examples []string `json:"csf_examples,omitempty"`
	Priority int      `json:"priority"`
	Because  []string `json:"because"` // why it is ranked where it is
}

// phaseCapacity is how many actions an organisation of each size can
// reasonably take on in the first two phases; the rest go to the year.
var phaseCapacity = map[Size][2]int{
	SizeSmall:  {3, 5},
	SizeMedium: {5, 8},
	SizeLarge:  {8, 12},
}

// Priority weights. Essential CPGs and the largest imaging risks
// (ransomware, attacks on connected medical devices) come first; what the
// scanners proved wrong comes before what was only self-reported.
const (
	weightEssential      = 100
	weightEnhanced       = 40
	weightEvidence       = 60
	weightRansomware     = 30
	weightDevices        = 30
	weightDevicePractice = 20
	weightLargeOnly      = -30
	weightFootprint      = 15
	weightImagingCore    = 30
)

// imagingCore are the sub-practices that most directly limit the two largest
// imaging risks, ransomware reaching the archive and attacks on modalities:
// segmenting devices, restorable backups, a rehearsed response, device
// hardening and patching. pacsguard's judgement, documented in docs/assess.md.
var imagingCore = []string{
	"6.S.A", "6.M.B", "9.S.A", "9.M.E", "9.M.B",
	"4.S.B", "4.M.D", "8.S.A", "8.M.B", "7.S.A", "7.M.D",
}

// footprint raises sub-practices that the organisation's imaging footprint
// makes more pressing; the reason is shown with the action.
var footprint = []struct {
	has  func(Imaging) bool
	why  string
	subs []string
}{
	{func(i Imaging) bool { return i.VendorRemoteAccess }, "vendors connect remotely to imaging systems", []string{"3.S.A", "9.S.A", "3.M.D", "9.M.A", "9.M.C"}},
	{func(i Imaging) bool { return i.RemoteReading }, "studies are read remotely", []string{"1.S.A", "4.S.A", "1.M.B", "3.M.D", "4.M.C"}},
	{func(i Imaging) bool { return i.Cloud }, "images are stored or viewed in the cloud", []string{"4.S.A", "4.M.C", "5.M.B", "3.L.A"}},
	{func(i Imaging) bool { return i.PACS || i.VNA }, "the image archive is run in house", []string{"4.S.B", "4.M.D"}},
}

// BuildRoadmap ranks the gaps of a scored result and places them in phases.
func BuildRoadmap(c *Content, r *Result) []Action {
	var acts []Action
	order := map[string]int{}
	for i, sr := range r.SubPractices {
		order[sr.ID] = i
		if sr.Score == nil || sr.Effective == GradeFully {
			continue
		}
		sp, _ := c.SubPractice(sr.ID)
		p := c.Practice(sp.Practice)
		a := Action{
			SubPractice: sr.ID, Title: sp.Title, Current: sr.Effective,
			HICP: []string{sr.ID}, CSF: sr.CSF, CPG: sr.CPG,
			Do: sp.Do, DoneWhen: sp.DoneWhen,
		}
		why := []string{p.Why}
		var because []string
		prio := int((100 - *sr.Score) / 2)
		because = append(because, "gap: currently "+string(sr.Effective))
		ess, enh := false, false
		for _, id := range sr.CPG {
			g, _ := c.CPGGoal(id)
			if g.Set == CPGEssential {
				ess = true
			} else {
				enh = true
			}
		}
		switch {
		case ess:
			prio += weightEssential
			because = append(because, "essential CPG "+strings.Join(sr.CPG, ", "))
		case enh:
			prio += weightEnhanced
			because = append(because, "enhanced CPG "+strings.Join(sr.CPG, ", "))
		}
		// Evidence that caps the grade confirms the gap even when the answer
		// was already at or below the cap.
		var observed []string
		for _, e := range r.Evidence {
			if e.Cap != GradeNone && slices.Contains(e.Affects, sr.ID) {
				observed = append(observed, e.Rule)
				why = append(why, "Observed: "+e.Why)
			}
		}
		if len(observed) > 0 {
			prio += weightEvidence
			because = append(because, "scanner evidence: "+strings.Join(dedupe(observed), ", "))
		}
		if slices.Contains(p.Threats, 2) {
			prio += weightRansomware
			because = append(because, "mitigates ransomware")
		}
		if slices.Contains(p.Threats, 5) {
			prio += weightDevices
			because = append(because, "mitigates attacks on connected medical devices")
		}
		if p.ID == 9 {
			prio += weightDevicePractice
		}
		if slices.Contains(imagingCore, sr.ID) {
			prio += weightImagingCore
			because = append(because, "core protection for imaging against ransomware and device attacks")
		}
		for _, fp := range footprint {
			if fp.has(r.Organisation.Imaging) && slices.Contains(fp.subs, sr.ID) {
				prio += weightFootprint
				because = append(because, fp.why)
			}
		}
		if strings.Contains(sr.ID, ".L.") {
			prio += weightLargeOnly
		}
		a.Examples = csfExamples(c.CSF, sr.CSF)
		for _, m := range p.Metrics {
			a.Metrics = append(a.Metrics, m.Text)
		}
		a.Priority = prio
		a.Because = because
		a.Why = strings.Join(dedupe(why), " ")
		acts = append(acts, a)
	}
	slices.SortStableFunc(acts, func(x, y Action) int {
		return cmp.Or(cmp.Compare(y.Priority, x.Priority), cmp.Compare(order[x.SubPractice], order[y.SubPractice]))
	})
	capacity := phaseCapacity[r.Size.Size]
	for i := range acts {
		acts[i].Rank = i + 1
		switch {
		case i < capacity[0]:
			acts[i].Phase = Phase30
		case i < capacity[0]+capacity[1]:
			acts[i].Phase = Phase90
		default:
			acts[i].Phase = PhaseYear
		}
	}
	return acts
}

func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

const maxExamples = 3

// csfExamples picks the first implementation example of each subcategory.
func csfExamples(csf *CSF, ids []string) []string {
	var out []string
	for _, id := range ids {
		if sc, ok := csf.Subcategory(id); ok && len(sc.Examples) > 0 {
			out = append(out, id+": "+sc.Examples[0])
			if len(out) == maxExamples {
				break
			}
		}
	}
	return out
}
