package mds2

import (
	_ "embed"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/pacsguard/pacsguard/internal/strictyaml"
)

// WeightsSchema and LifecycleSchema identify the embedded data files.
const (
	WeightsSchema   = "pacsguard.mds2-weights/v1"
	LifecycleSchema = "pacsguard.mds2-lifecycle/v1"
)

//go:embed weights.yaml
var weightsYAML []byte

//go:embed lifecycle.yaml
var lifecycleYAML []byte

// Control is one scored question with the answer that earns credit.
type Control struct {
	ID     string `yaml:"id" json:"id"`
	Good   Value  `yaml:"good" json:"good"`
	Weight int    `yaml:"weight" json:"weight"`
	// NA is "exclude" (N/A leaves the control out) or "fail" (N/A earns nothing).
	NA     string `yaml:"na,omitempty" json:"na,omitempty"`
	Reason string `yaml:"reason" json:"reason"`
}

// WeightChange sets the weight of a control for one equipment type.
type WeightChange struct {
	ID     string `yaml:"id"`
	Weight int    `yaml:"weight"`
	Reason string `yaml:"reason"`
}

// Equipment is one kind of imaging equipment and how it changes the weights.
type Equipment struct {
	Type    string         `yaml:"type" json:"type"`
	Title   string         `yaml:"title" json:"title"`
	Why     string         `yaml:"why" json:"why"`
	Changes []WeightChange `yaml:"weights" json:"-"`
	RFP     []string       `yaml:"rfp" json:"-"`
}

// Weights is the loaded weighting data.
type Weights struct {
	Version   int
	Controls  []Control
	Equipment []Equipment
}

type weightsFile struct {
	Schema    string      `yaml:"schema"`
	Version   int         `yaml:"version"`
	Controls  []Control   `yaml:"controls"`
	Equipment []Equipment `yaml:"equipment"`
}

// LoadWeights decodes the embedded weights and checks every ID against the
// question catalogue.
func LoadWeights(cat *Catalogue) (*Weights, error) { return parseWeights(weightsYAML, cat) }

func parseWeights(b []byte, cat *Catalogue) (*Weights, error) {
	var f weightsFile
	if err := strictyaml.Decode(b, &f); err != nil {
		return nil, fmt.Errorf("mds2 weights: %w", err)
	}
	if f.Schema != WeightsSchema {
		return nil, fmt.Errorf("mds2 weights: schema %q, want %q", f.Schema, WeightsSchema)
	}
	known := map[string]bool{}
	for i, c := range f.Controls {
		q, ok := cat.Question(c.ID)
		switch {
		case !ok || q.Kind != KindYesNo:
			return nil, fmt.Errorf("mds2 weights: control %q is not a Yes/No question of the catalogue", c.ID)
		case known[c.ID]:
			return nil, fmt.Errorf("mds2 weights: control %s listed twice", c.ID)
		case c.Good != ValueYes && c.Good != ValueNo:
			return nil, fmt.Errorf("mds2 weights: control %s: good must be yes or no", c.ID)
		case c.Weight < 0 || c.Weight > 10:
			return nil, fmt.Errorf("mds2 weights: control %s: weight %d outside 0-10", c.ID, c.Weight)
		case strings.TrimSpace(c.Reason) == "":
			return nil, fmt.Errorf("mds2 weights: control %s has no reason", c.ID)
		}
		switch c.NA {
		case "":
			f.Controls[i].NA = "exclude"
		case "exclude", "fail":
		default:
			return nil, fmt.Errorf("mds2 weights: control %s: na must be exclude or fail", c.ID)
		}
		known[c.ID] = true
	}
	types := map[string]bool{}
	for _, e := range f.Equipment {
		if types[e.Type] || e.Type == "" || e.Title == "" || e.Why == "" {
			return nil, fmt.Errorf("mds2 weights: equipment %q is repeated or lacks a title or reason", e.Type)
		}
		types[e.Type] = true
		for _, w := range e.Changes {
			if !known[w.ID] {
				return nil, fmt.Errorf("mds2 weights: %s changes %s, which is not a control", e.Type, w.ID)
			}
			if w.Weight < 0 || w.Weight > 10 || strings.TrimSpace(w.Reason) == "" {
				return nil, fmt.Errorf("mds2 weights: %s/%s: weight outside 0-10 or no reason", e.Type, w.ID)
			}
		}
	}
	return &Weights{Version: f.Version, Controls: f.Controls, Equipment: f.Equipment}, nil
}

// EquipmentTypes lists the type names, for flag help and errors.
func (w *Weights) EquipmentTypes() []string {
	out := make([]string, len(w.Equipment))
	for i, e := range w.Equipment {
		out[i] = e.Type
	}
	return out
}

// For returns the equipment entry for a type name.
func (w *Weights) For(typ string) (Equipment, bool) {
	for _, e := range w.Equipment {
		if strings.EqualFold(e.Type, typ) {
			return e, true
		}
	}
	return Equipment{}, false
}

// WeightedControl is a control with the weight and reason for one equipment type.
type WeightedControl struct {
	Control
	BaseWeight int `json:"base_weight"`
	// Adjusted is the equipment-specific reason when the weight was changed.
	Adjusted string `json:"adjusted,omitempty"`
}

// Effective returns the controls with weights for the equipment type, most
// heavily weighted first, leaving out weight 0.
func (w *Weights) Effective(e Equipment) []WeightedControl {
	change := map[string]WeightChange{}
	for _, c := range e.Changes {
		change[c.ID] = c
	}
	var out []WeightedControl
	for _, c := range w.Controls {
		wc := WeightedControl{Control: c, BaseWeight: c.Weight}
		if ch, ok := change[c.ID]; ok {
			wc.Weight, wc.Adjusted = ch.Weight, ch.Reason
		}
		if wc.Weight > 0 {
			out = append(out, wc)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Weight > out[j].Weight })
	return out
}

// OSLifecycle is one operating system with its end of public security updates.
type OSLifecycle struct {
	Name    string `yaml:"name"`
	Pattern string `yaml:"pattern"`
	End     string `yaml:"end"`
	re      *regexp.Regexp
	end     time.Time
}

type lifecycleFile struct {
	Schema  string        `yaml:"schema"`
	Version int           `yaml:"version"`
	Systems []OSLifecycle `yaml:"systems"`
}

// LoadLifecycle decodes the embedded operating-system lifecycle table.
func LoadLifecycle() ([]OSLifecycle, error) {
	var f lifecycleFile
	if err := strictyaml.Decode(lifecycleYAML, &f); err != nil {
		return nil, fmt.Errorf("mds2 lifecycle: %w", err)
	}
	if f.Schema != LifecycleSchema {
		return nil, fmt.Errorf("mds2 lifecycle: schema %q, want %q", f.Schema, LifecycleSchema)
	}
	for i := range f.Systems {
		s := &f.Systems[i]
		re, err := regexp.Compile("(?i)" + s.Pattern)
		if err != nil {
			return nil, fmt.Errorf("mds2 lifecycle: %s: %w", s.Name, err)
		}
		s.re = re
		if s.End == "unknown" {
			continue
		}
		end, err := time.Parse("2006-01-02", s.End)
		if err != nil {
			return nil, fmt.Errorf("mds2 lifecycle: %s: %w", s.Name, err)
		}
		s.end = end
	}
	return f.Systems, nil
}

// Model bundles the data every comparison needs.
type Model struct {
	Catalogue *Catalogue
	Weights   *Weights
	Lifecycle []OSLifecycle
}

// LoadModel loads the embedded catalogue, weights and lifecycle table.
func LoadModel() (*Model, error) {
	cat, err := LoadCatalogue()
	if err != nil {
		return nil, err
	}
	w, err := LoadWeights(cat)
	if err != nil {
		return nil, err
	}
	lc, err := LoadLifecycle()
	if err != nil {
		return nil, err
	}
	return &Model{Catalogue: cat, Weights: w, Lifecycle: lc}, nil
}
