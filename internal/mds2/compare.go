package mds2

import (
	"math"
	"time"
)

// Schema identifies every JSON document the mds2 command writes.
const Schema = "pacsguard.mds2/v1"

// Credit says how one answer counted towards the score.
type Credit string

const (
	CreditFull     Credit = "full"     // answered the good way
	CreditNone     Credit = "none"     // answered the other way, N/A where it always applies, or not readable
	CreditExcluded Credit = "excluded" // N/A where the capability does not exist
)

// Cell is one device's answer to one control.
type Cell struct {
	Value  Value  `json:"value"`
	Note   string `json:"note,omitempty"`
	Credit Credit `json:"credit"`
}

// ControlRow is one scored control across the compared devices.
type ControlRow struct {
	WeightedControl
	Label   string `json:"label"`
	Section string `json:"section"`
	Answers []Cell `json:"answers"` // parallel to Comparison.Devices
}

// DeviceResult is one compared device.
type DeviceResult struct {
	Device Device `json:"device"`
	Key    string `json:"key"`
	Source Source `json:"source"`
	// Score is 0-100: the share of the weight of applicable controls that the
	// device's answers earn.
	Score    int `json:"score"`
	Earned   int `json:"earned"`
	Possible int `json:"possible"`
	// RedFlags is never null in JSON: an empty list means none.
	RedFlags         []RedFlag `json:"red_flags"`
	OperatingSystems []FoundOS `json:"operating_systems,omitempty"`
	Problems         []Problem `json:"problems,omitempty"`
}

// EquipmentInfo names the equipment type the weights were chosen for.
type EquipmentInfo struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	Why   string `json:"why"`
}

// Comparison is the side-by-side result of compare.
type Comparison struct {
	Schema    string         `json:"schema"`
	Kind      string         `json:"kind"` // "compare"
	Generated time.Time      `json:"generated"`
	Equipment EquipmentInfo  `json:"equipment"`
	Devices   []DeviceResult `json:"devices"`
	Controls  []ControlRow   `json:"controls"`
}

// Compare scores the profiles for the equipment type as of now.
func Compare(m *Model, e Equipment, profiles []*Profile, now time.Time) *Comparison {
	controls := m.Weights.Effective(e)
	c := &Comparison{
		Schema: Schema, Kind: "compare", Generated: now.UTC(),
		Equipment: EquipmentInfo{Type: e.Type, Title: e.Title, Why: e.Why},
	}
	for _, wc := range controls {
		q, _ := m.Catalogue.Question(wc.ID)
		c.Controls = append(c.Controls, ControlRow{WeightedControl: wc, Label: q.Label, Section: m.Catalogue.SectionTitle(q.Section)})
	}
	for _, p := range profiles {
		d := DeviceResult{Device: p.Device, Key: p.Device.Key(), Source: p.Source, Problems: p.Problems}
		for i, wc := range controls {
			a := p.Answers[wc.ID]
			v := p.Value(wc.ID)
			cell := Cell{Value: v, Note: a.Note, Credit: credit(wc.Control, v)}
			switch cell.Credit {
			case CreditFull:
				d.Earned += wc.Weight
				d.Possible += wc.Weight
			case CreditNone:
				d.Possible += wc.Weight
			}
			c.Controls[i].Answers = append(c.Controls[i].Answers, cell)
		}
		if d.Possible > 0 {
			d.Score = int(math.Round(100 * float64(d.Earned) / float64(d.Possible)))
		}
		d.RedFlags = RedFlags(p, m, now)
		if d.RedFlags == nil {
			d.RedFlags = []RedFlag{}
		}
		d.OperatingSystems = DetectOS(p, m.Lifecycle)
		c.Devices = append(c.Devices, d)
	}
	return c
}

func credit(c Control, v Value) Credit {
	switch {
	case v == c.Good:
		return CreditFull
	case v == ValueNA && c.NA == "exclude":
		return CreditExcluded
	default:
		return CreditNone
	}
}
