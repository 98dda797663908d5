package assess

import (
	"slices"
	"sort"
)

// Route says how a CSF 1.1 reference reached CSF 2.0.
type Route string

const (
	// RouteSameID: the identifier is still current in CSF 2.0.
	RouteSameID Route = "same-id"
	// RouteLinks: the 1.1 element is withdrawn and its catalogue links
	// (incorporated_into / moved_to) name the 2.0 successors.
	RouteLinks Route = "withdrawn-links"
	// RouteMembers: a withdrawn 1.1 category that has no link of its own
	// (PR.IP, PR.PT, DE.DP, RS.RP) is the sum of its withdrawn
	// subcategories, so their links are followed instead.
	RouteMembers Route = "withdrawn-category-members"
)

// Mapping is where one HICP CSF 1.1 reference lands in CSF 2.0.
type Mapping struct {
	HICP   string   `json:"hicp"`
	Ref11  string   `json:"csf_1_1"`
	Route  Route    `json:"route,omitempty"`
	Rels   []string `json:"rels,omitempty"` // link relations followed
	CSF20  []string `json:"csf_2_0,omitempty"`
	Reason string   `json:"unmapped_reason,omitempty"`
}

// Crosswalk ties HICP sub-practices to CSF 2.0 (through NIST's withdrawn-ID
// links) and to the CPG goals that cite them.
type Crosswalk struct {
	Mappings []Mapping `json:"mappings"`
	Unmapped []Mapping `json:"unmapped"`

	bySub map[string][]string // sub-practice -> current CSF 2.0 IDs
}

// maxLinkHops bounds how far withdrawn-to-withdrawn links are followed.
const maxLinkHops = 4

// BuildCrosswalk resolves every HICP CSF reference against the catalogue.
func BuildCrosswalk(c *Content) *Crosswalk {
	x := &Crosswalk{bySub: map[string][]string{}}
	for _, p := range c.HICP.Practices {
		for _, sp := range p.SubPractices {
			for _, ref := range sp.CSF {
				m := ResolveCSF11(c.CSF, ref)
				m.HICP = sp.ID
				if len(m.CSF20) == 0 {
					x.Unmapped = append(x.Unmapped, m)
					continue
				}
				x.Mappings = append(x.Mappings, m)
				for _, id := range m.CSF20 {
					if !slices.Contains(x.bySub[sp.ID], id) {
						x.bySub[sp.ID] = append(x.bySub[sp.ID], id)
					}
				}
			}
			sort.Strings(x.bySub[sp.ID])
		}
	}
	return x
}

// CSF20 returns the current CSF 2.0 IDs a sub-practice maps to.
func (x *Crosswalk) CSF20(subPractice string) []string { return x.bySub[subPractice] }

// ResolveCSF11 turns one CSF 1.1 reference into CSF 2.0 IDs, or says why not.
func ResolveCSF11(csf *CSF, ref string) Mapping {
	m := Mapping{Ref11: ref}
	id, ok := NormalizeCSFID(ref)
	if !ok {
		m.Reason = "HICP gives no CSF reference for this sub-practice (" + ref + ")"
		return m
	}
	el, ok := csf.Element(id)
	if !ok {
		m.Reason = id + " is not in NIST's CSF 2.0 catalogue, current or withdrawn"
		return m
	}
	if !el.Withdrawn {
		m.Route = RouteSameID
		m.CSF20 = []string{id}
		return m
	}
	m.Route = RouteLinks
	seen := map[string]bool{id: true}
	var walk func(e CSFElement, hops int)
	walk = func(e CSFElement, hops int) {
		for _, l := range e.Links {
			if seen[l.Href] || hops > maxLinkHops {
				continue
			}
			seen[l.Href] = true
			if !slices.Contains(m.Rels, l.Rel) {
				m.Rels = append(m.Rels, l.Rel)
			}
			t, ok := csf.Element(l.Href)
			if !ok {
				continue
			}
			if t.Withdrawn {
				walk(t, hops+1)
				continue
			}
			m.CSF20 = append(m.CSF20, t.ID)
		}
	}
	walk(el, 0)
	if len(el.Links) == 0 && el.Class == "category" {
		m.Route = RouteMembers
		for _, child := range el.Children {
			if ce, ok := csf.Element(child); ok && ce.Withdrawn {
				walk(ce, 1)
			}
		}
	}
	sort.Strings(m.CSF20)
	if len(m.CSF20) == 0 {
		m.Route = ""
		m.Reason = id + " was withdrawn in CSF 2.0 and NIST's catalogue gives neither it nor its subcategories an incorporated_into or moved_to link"
	}
	return m
}
