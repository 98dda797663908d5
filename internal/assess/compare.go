package assess

import (
	"time"
)

// Comparison is the progress since a previous saved assessment.
type Comparison struct {
	PreviousGenerated time.Time   `json:"previous_generated"`
	PreviousOverall   *float64    `json:"previous_overall"`
	OverallDelta      *float64    `json:"overall_delta"`
	Practices         []Delta     `json:"practices"`
	Functions         []Delta     `json:"functions"`
	CPGSets           []Delta     `json:"cpg_sets"`
	Improved          []GradeMove `json:"improved,omitempty"`
	Regressed         []GradeMove `json:"regressed,omitempty"`
	Closed            []string    `json:"closed_actions,omitempty"` // roadmap items of the previous run now fully done
}

// Delta is one score then and now.
type Delta struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Previous *float64 `json:"previous"`
	Current  *float64 `json:"current"`
	Change   *float64 `json:"change"`
}

// GradeMove is a sub-practice whose effective grade changed.
type GradeMove struct {
	ID   string `json:"id"`
	From Grade  `json:"from"`
	To   Grade  `json:"to"`
}

func diff(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	return round1(*b - *a)
}

func deltas(prev, cur []GroupScore) []Delta {
	pm := map[string]GroupScore{}
	for _, g := range prev {
		pm[g.ID] = g
	}
	var out []Delta
	for _, g := range cur {
		p := pm[g.ID]
		out = append(out, Delta{ID: g.ID, Title: g.Title, Previous: p.Score, Current: g.Score, Change: diff(p.Score, g.Score)})
	}
	return out
}

// Compare sets r.Comparison against a previous result.
func (r *Result) Compare(prev *Result) {
	if prev == nil {
		return
	}
	c := &Comparison{
		PreviousGenerated: prev.Generated,
		PreviousOverall:   prev.Overall,
		OverallDelta:      diff(prev.Overall, r.Overall),
		Practices:         deltas(prev.Practices, r.Practices),
		Functions:         deltas(prev.Functions, r.Functions),
		CPGSets:           deltas(prev.CPGSets, r.CPGSets),
	}
	pm := map[string]SubResult{}
	for _, s := range prev.SubPractices {
		pm[s.ID] = s
	}
	for _, s := range r.SubPractices {
		p, ok := pm[s.ID]
		if !ok || p.Effective == s.Effective {
			continue
		}
		mv := GradeMove{ID: s.ID, From: p.Effective, To: s.Effective}
		if gradeValue[s.Effective] > gradeValue[p.Effective] {
			c.Improved = append(c.Improved, mv)
		} else if gradeValue[s.Effective] < gradeValue[p.Effective] {
			c.Regressed = append(c.Regressed, mv)
		}
	}
	done := map[string]bool{}
	for _, s := range r.SubPractices {
		if s.Effective == GradeFully {
			done[s.ID] = true
		}
	}
	for _, a := range prev.Roadmap {
		if done[a.SubPractice] {
			c.Closed = append(c.Closed, a.SubPractice)
		}
	}
	r.Comparison = c
}
