package assess

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"
)

// ResultSchema identifies the JSON report.
const ResultSchema = "pacsguard.assess/v1"

// Result is a scored assessment; the JSON report is this structure.
type Result struct {
	Schema       string          `json:"schema"`
	Generated    time.Time       `json:"generated"`
	Name         string          `json:"name,omitempty"` // saved-assessment name
	Content      ContentInfo     `json:"content"`
	Organisation Profile         `json:"organisation"`
	Size         SizeDecision    `json:"size"`
	Tier         TierResult      `json:"tier"`
	Overall      *float64        `json:"overall"`
	SubPractices []SubResult     `json:"sub_practices"`
	Practices    []GroupScore    `json:"practices"`
	Threats      []GroupScore    `json:"threats"`
	Functions    []GroupScore    `json:"functions"`
	CPGGoals     []GroupScore    `json:"cpg_goals"`
	CPGSets      []GroupScore    `json:"cpg_sets"`
	Evidence     []EvidenceItem  `json:"evidence"`
	Unanswered   []string        `json:"unanswered,omitempty"`
	Ignored      []string        `json:"ignored,omitempty"` // answered but not asked of this size
	Unverified   UnverifiedCount `json:"unverified"`
	Roadmap      []Action        `json:"roadmap"`
	Comparison   *Comparison     `json:"comparison,omitempty"`
}

// ContentInfo records which content versions produced the result.
type ContentInfo struct {
	HICP           string `json:"hicp"`
	HICPVersion    int    `json:"hicp_version"`
	CPGVersion     int    `json:"cpg_version"`
	CSFCatalogue   string `json:"csf_catalogue"`
	EvidenceRules  int    `json:"evidence_rules_version"`
	QuestionsCount int    `json:"questions_asked"`
}

// UnverifiedCount says how much of what was scored rests on content not yet
// checked against the primary documents.
type UnverifiedCount struct {
	SubPractices int `json:"sub_practices"`
	CSFRefs      int `json:"csf_refs"`
	CPGMappings  int `json:"cpg_mappings"`
	// SizeThresholds is true when the size came from thresholds that only
	// secondary sources report (everything but "10 or fewer physicians").
	SizeThresholds bool `json:"size_thresholds"`
}

// TierResult compares the declared CSF tier with the score and the target.
type TierResult struct {
	Declared  int    `json:"declared,omitempty"`
	Target    int    `json:"target,omitempty"`
	Indicated int    `json:"indicated"`
	Name      string `json:"indicated_name"`
	Note      string `json:"note"`
}

// SubResult is one asked sub-practice.
type SubResult struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Practice     int      `json:"practice"`
	Answered     Grade    `json:"answered"` // "" when unanswered
	Notes        string   `json:"notes,omitempty"`
	Effective    Grade    `json:"effective"`
	Score        *float64 `json:"score"` // nil when not applicable
	Evidence     []string `json:"evidence,omitempty"`
	Adjustments  []string `json:"adjustments,omitempty"` // why evidence changed the grade
	CSF          []string `json:"csf"`
	CPG          []string `json:"cpg,omitempty"`
	Verified     bool     `json:"verified"`
	RefsVerified bool     `json:"refs_verified"`
}

// GroupScore is a score over a group of sub-practices.
type GroupScore struct {
	ID    string   `json:"id"`
	Title string   `json:"title"`
	Score *float64 `json:"score"` // nil: nothing applicable
	Count int      `json:"count"`
	Set   string   `json:"set,omitempty"` // CPG goals: essential or enhanced
}

var tierNames = map[int]string{1: "Partial", 2: "Risk Informed", 3: "Repeatable", 4: "Adaptive"}

// TierName is the CSF 2.0 name of a tier.
func TierName(t int) string { return tierNames[t] }

// indicatedTier maps an overall score to the CSF tier it suggests. CSF tiers
// describe governance rigour, not a score; this is an indication to compare
// with the declared tier, and the report says so.
func indicatedTier(score float64) int {
	switch {
	case score >= 85:
		return 4
	case score >= 65:
		return 3
	case score >= 40:
		return 2
	default:
		return 1
	}
}

func round1(v float64) *float64 {
	r := math.Round(v*10) / 10
	return &r
}

// Score grades the answers against the content, applies the evidence and
// builds the roadmap.
func Score(c *Content, ans *Answers, evidence []EvidenceItem, now time.Time) *Result {
	if ans == nil {
		ans = &Answers{Schema: AnswersSchema}
	}
	size := DecideSize(ans.Organisation)
	applicable := c.Applicable(size.Size)
	r := &Result{
		Schema:       ResultSchema,
		Generated:    now.UTC(),
		Organisation: ans.Organisation,
		Size:         size,
		Content: ContentInfo{
			HICP: c.HICP.Edition, HICPVersion: c.HICP.Version, CPGVersion: c.CPG.Version,
			CSFCatalogue: c.CSF.Title + " " + c.CSF.Version, EvidenceRules: c.Evidence.Version,
			QuestionsCount: len(applicable),
		},
	}
	asked := map[string]bool{}
	for _, sp := range applicable {
		asked[sp.ID] = true
	}
	for id := range ans.Answers {
		if !asked[id] {
			r.Ignored = append(r.Ignored, id)
		}
	}
	r.Ignored = c.SortedIDs(r.Ignored)
	// Evidence per sub-practice; only what was asked of this size is cited.
	evBySub := map[string][]EvidenceItem{}
	for _, e := range evidence {
		var affects []string
		for _, id := range e.Affects {
			if asked[id] {
				affects = append(affects, id)
			}
		}
		if len(affects) == 0 {
			continue
		}
		e.Affects = affects
		r.Evidence = append(r.Evidence, e)
		for _, id := range affects {
			evBySub[id] = append(evBySub[id], e)
		}
	}
	for _, sp := range applicable {
		a, answered := ans.Answers[sp.ID]
		sr := SubResult{ID: sp.ID, Title: sp.Title, Practice: sp.Practice, Answered: a.Grade, Notes: a.Notes,
			CSF: c.Crosswalk.CSF20(sp.ID), Verified: sp.Verified, RefsVerified: sp.RefsVerified}
		for _, g := range c.GoalsFor(sp.ID) {
			sr.CPG = append(sr.CPG, g.ID)
			if !g.MappingVerified {
				r.Unverified.CPGMappings++
			}
		}
		if !sp.Verified {
			r.Unverified.SubPractices++
		}
		if !sp.RefsVerified {
			r.Unverified.CSFRefs++
		}
		g := a.Grade
		if !answered {
			r.Unanswered = append(r.Unanswered, sp.ID)
			g = GradeNotStarted
		}
		g, sr.Adjustments = applyEvidence(g, evBySub[sp.ID])
		for _, e := range evBySub[sp.ID] {
			if !slices.Contains(sr.Evidence, e.Rule) {
				sr.Evidence = append(sr.Evidence, e.Rule)
			}
		}
		sr.Effective = g
		if v, ok := gradeValue[g]; ok {
			sr.Score = round1(v * 100)
		}
		r.SubPractices = append(r.SubPractices, sr)
	}
	r.Unverified.SizeThresholds = !c.HICP.Sizes.Verified && ans.Organisation.Size == ""
	r.score(c)
	r.Tier = tier(ans.Organisation, r.Overall)
	r.Roadmap = BuildRoadmap(c, r)
	return r
}

// applyEvidence lowers a grade to the caps of the evidence and lets an
// inventory floor support an unanswered or not-started one. It returns the
// new grade and a sentence per change.
func applyEvidence(g Grade, ev []EvidenceItem) (Grade, []string) {
	var why []string
	for _, e := range ev {
		if e.Floor != GradeNone && g == GradeNotStarted {
			why = append(why, fmt.Sprintf("supported to %s by evidence %s (run %d)", e.Floor, e.Rule, e.RunID))
			g = e.Floor
		}
	}
	for _, e := range ev {
		if e.Cap == GradeNone {
			continue
		}
		if g == GradeNotApplicable {
			why = append(why, fmt.Sprintf("answered not applicable, but evidence %s (run %d) shows it applies: counted as %s", e.Rule, e.RunID, e.Cap))
			g = e.Cap
			continue
		}
		if gradeRank[e.Cap] < gradeRank[g] {
			why = append(why, fmt.Sprintf("lowered from %s to %s by evidence %s (run %d): %s", g, e.Cap, e.Rule, e.RunID, e.Why))
			g = minGrade(g, e.Cap)
		}
	}
	return g, why
}

func mean(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return round1(s / float64(len(xs)))
}

func (r *Result) score(c *Content) {
	byPractice := map[int][]float64{}
	byFunction := map[string][]float64{}
	bySub := map[string]float64{}
	for _, sr := range r.SubPractices {
		if sr.Score == nil {
			continue
		}
		bySub[sr.ID] = *sr.Score
		byPractice[sr.Practice] = append(byPractice[sr.Practice], *sr.Score)
		fns := map[string]bool{}
		for _, id := range sr.CSF {
			fns[FunctionOf(id)] = true
		}
		for f := range fns {
			byFunction[f] = append(byFunction[f], *sr.Score)
		}
	}
	var practiceScores []float64
	for _, p := range c.HICP.Practices {
		g := GroupScore{ID: fmt.Sprint(p.ID), Title: p.Title, Score: mean(byPractice[p.ID]), Count: len(byPractice[p.ID])}
		if g.Score != nil {
			practiceScores = append(practiceScores, *g.Score)
		}
		r.Practices = append(r.Practices, g)
	}
	r.Overall = mean(practiceScores)
	for _, t := range c.HICP.Threats {
		var xs []float64
		for _, p := range c.HICP.Practices {
			if slices.Contains(p.Threats, t.ID) {
				xs = append(xs, byPractice[p.ID]...)
			}
		}
		r.Threats = append(r.Threats, GroupScore{ID: t.Slug, Title: t.Name, Score: mean(xs), Count: len(xs)})
	}
	for _, f := range c.CSF.Functions {
		r.Functions = append(r.Functions, GroupScore{ID: f.ID, Title: f.Title, Score: mean(byFunction[f.ID]), Count: len(byFunction[f.ID])})
	}
	setScores := map[CPGSet][]float64{}
	for _, g := range c.CPG.Goals {
		var xs []float64
		for _, id := range g.HICP {
			if v, ok := bySub[id]; ok {
				xs = append(xs, v)
			}
		}
		gs := GroupScore{ID: g.ID, Title: g.Title, Score: mean(xs), Count: len(xs), Set: string(g.Set)}
		if gs.Score != nil {
			setScores[g.Set] = append(setScores[g.Set], *gs.Score)
		}
		r.CPGGoals = append(r.CPGGoals, gs)
	}
	for _, s := range []CPGSet{CPGEssential, CPGEnhanced} {
		r.CPGSets = append(r.CPGSets, GroupScore{ID: string(s), Title: map[CPGSet]string{CPGEssential: "Essential goals", CPGEnhanced: "Enhanced goals"}[s], Score: mean(setScores[s]), Count: len(setScores[s])})
	}
	sort.Strings(r.Unanswered)
	r.Unanswered = c.SortedIDs(r.Unanswered)
}

func tier(p Profile, overall *float64) TierResult {
	t := TierResult{Declared: p.CurrentTier, Target: p.TargetTier}
	score := 0.0
	if overall != nil {
		score = *overall
	}
	t.Indicated = indicatedTier(score)
	t.Name = TierName(t.Indicated)
	switch {
	case t.Declared == 0:
		t.Note = "No current tier declared; the indicated tier comes from the practice scores."
	case t.Declared > t.Indicated:
		t.Note = fmt.Sprintf("Declared Tier %d (%s) is above what the scores indicate (Tier %d, %s): check the self-assessment against evidence.", t.Declared, TierName(t.Declared), t.Indicated, t.Name)
	case t.Declared < t.Indicated:
		t.Note = fmt.Sprintf("Scores indicate Tier %d (%s), above the declared Tier %d: governance may lag practice.", t.Indicated, t.Name, t.Declared)
	default:
		t.Note = fmt.Sprintf("Scores agree with the declared Tier %d (%s).", t.Declared, TierName(t.Declared))
	}
	if t.Target > 0 {
		if t.Target > t.Indicated {
			t.Note += fmt.Sprintf(" Target Tier %d (%s) is %d step(s) away.", t.Target, TierName(t.Target), t.Target-t.Indicated)
		} else {
			t.Note += fmt.Sprintf(" Target Tier %d (%s) is met on scores.", t.Target, TierName(t.Target))
		}
	}
	return t
}
