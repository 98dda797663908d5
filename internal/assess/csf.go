package assess

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// CSF is NIST Cybersecurity Framework 2.0 as read from NIST's OSCAL catalogue:
// the current functions, categories and subcategories, and the withdrawn CSF
// 1.1 elements kept only to route old references to their successors.
type CSF struct {
	Title     string // catalogue metadata title
	Version   string // catalogue version, e.g. 1.2.0
	Published string

	Functions     []CSFFunction
	Categories    []CSFCategory // current only, catalogue order
	Subcategories []CSFSubcategory

	// byID holds every element, current and withdrawn, by its ID.
	byID map[string]CSFElement
}

// CSFFunction is one of GV, ID, PR, DE, RS, RC.
type CSFFunction struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Overview string `json:"overview,omitempty"`
}

// CSFCategory is a current category such as PR.DS.
type CSFCategory struct {
	ID        string `json:"id"`
	Function  string `json:"function"`
	Title     string `json:"title"`
	Statement string `json:"statement,omitempty"`
}

// CSFSubcategory is a current subcategory such as PR.DS-02.
type CSFSubcategory struct {
	ID        string   `json:"id"`
	Category  string   `json:"category"`
	Function  string   `json:"function"`
	Statement string   `json:"statement"`
	Examples  []string `json:"examples,omitempty"`
}

// CSFElement is any element of the catalogue, current or withdrawn.
type CSFElement struct {
	ID        string
	Class     string // function, category, subcategory
	Title     string
	Statement string
	Withdrawn bool
	// Links of a withdrawn element: where its content went in CSF 2.0.
	Links []CSFLink
	// Children are the subcategory IDs of a category, current and withdrawn.
	Children []string
}

// CSFLink is an `incorporated_into` or `moved_to` link of a withdrawn element.
type CSFLink struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

// OSCAL shapes. The structure NIST's catalogue uses (groups, controls,
// parts, props, links) is decoded strictly, so a refreshed catalogue with a
// new kind of field fails the tests instead of being half read; metadata and
// back-matter are OSCAL's descriptive blocks and only their titles are read.
type oscalFile struct {
	Catalog oscalCatalog `json:"catalog"`
}

type oscalCatalog struct {
	UUID       string          `json:"uuid"`
	Metadata   json.RawMessage `json:"metadata"`
	Groups     []oscalNode     `json:"groups"`
	BackMatter json.RawMessage `json:"back-matter"`
}

type oscalMetadata struct {
	Title     string `json:"title"`
	Version   string `json:"version"`
	Published string `json:"published"`
}

type oscalNode struct {
	ID       string      `json:"id"`
	Class    string      `json:"class"`
	Title    string      `json:"title"`
	Props    []oscalProp `json:"props"`
	Links    []CSFLink   `json:"links"`
	Parts    []oscalPart `json:"parts"`
	Controls []oscalNode `json:"controls"`
}

type oscalProp struct {
	Name    string `json:"name"`
	NS      string `json:"ns"`
	Value   string `json:"value"`
	Remarks string `json:"remarks"`
}

type oscalPart struct {
	ID    string `json:"id"`
	NS    string `json:"ns"`
	Name  string `json:"name"`
	Prose string `json:"prose"`
}

// maxCSFDepth bounds recursion: functions > categories > subcategories.
const maxCSFDepth = 4

// ParseCSF reads an OSCAL CSF 2.0 catalogue.
func ParseCSF(r io.Reader) (*CSF, error) {
	var f oscalFile
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("CSF catalogue: %w", err)
	}
	var md oscalMetadata
	if len(f.Catalog.Metadata) > 0 {
		if err := json.Unmarshal(f.Catalog.Metadata, &md); err != nil {
			return nil, fmt.Errorf("CSF catalogue metadata: %w", err)
		}
	}
	c := &CSF{
		Title:     md.Title,
		Version:   md.Version,
		Published: md.Published,
		byID:      map[string]CSFElement{},
	}
	for _, g := range f.Catalog.Groups {
		if g.Class != "function" {
			return nil, fmt.Errorf("CSF catalogue: top-level group %q has class %q, want function", g.ID, g.Class)
		}
		fn := CSFFunction{ID: g.ID, Title: g.Title, Overview: partProse(g.Parts, "overview")}
		c.Functions = append(c.Functions, fn)
		c.byID[g.ID] = CSFElement{ID: g.ID, Class: "function", Title: g.Title, Statement: fn.Overview}
		if err := c.walk(g.Controls, g.ID, "", 2); err != nil {
			return nil, err
		}
	}
	if len(c.Functions) == 0 {
		return nil, errors.New("CSF catalogue: no functions")
	}
	return c, nil
}

func (c *CSF) walk(nodes []oscalNode, function, category string, depth int) error {
	if depth > maxCSFDepth {
		return errors.New("CSF catalogue: controls nested too deep")
	}
	for _, n := range nodes {
		if n.ID == "" {
			return errors.New("CSF catalogue: control without id")
		}
		if _, dup := c.byID[n.ID]; dup {
			return fmt.Errorf("CSF catalogue: %s defined twice", n.ID)
		}
		withdrawn := false
		for _, p := range n.Props {
			if p.Name == "status" && p.Value == "withdrawn" {
				withdrawn = true
			}
		}
		el := CSFElement{ID: n.ID, Class: n.Class, Title: n.Title, Statement: partProse(n.Parts, "statement"), Withdrawn: withdrawn, Links: n.Links}
		for _, ch := range n.Controls {
			el.Children = append(el.Children, ch.ID)
		}
		c.byID[n.ID] = el
		switch n.Class {
		case "category":
			if !withdrawn {
				c.Categories = append(c.Categories, CSFCategory{ID: n.ID, Function: function, Title: n.Title, Statement: el.Statement})
			}
			if err := c.walk(n.Controls, function, n.ID, depth+1); err != nil {
				return err
			}
		case "subcategory":
			if !withdrawn {
				sc := CSFSubcategory{ID: n.ID, Category: category, Function: function, Statement: el.Statement}
				for _, p := range n.Parts {
					if p.Name == "example" {
						sc.Examples = append(sc.Examples, p.Prose)
					}
				}
				c.Subcategories = append(c.Subcategories, sc)
			}
			if len(n.Controls) > 0 {
				return fmt.Errorf("CSF catalogue: subcategory %s has children", n.ID)
			}
		default:
			return fmt.Errorf("CSF catalogue: %s has unknown class %q", n.ID, n.Class)
		}
	}
	return nil
}

func partProse(parts []oscalPart, name string) string {
	for _, p := range parts {
		if p.Name == name {
			return p.Prose
		}
	}
	return ""
}

// Element returns any element, current or withdrawn, by its CSF 2.0 form ID.
func (c *CSF) Element(id string) (CSFElement, bool) {
	e, ok := c.byID[id]
	return e, ok
}

// Subcategory returns a current subcategory.
func (c *CSF) Subcategory(id string) (CSFSubcategory, bool) {
	e, ok := c.byID[id]
	if !ok || e.Withdrawn || e.Class != "subcategory" {
		return CSFSubcategory{}, false
	}
	for _, s := range c.Subcategories {
		if s.ID == id {
			return s, true
		}
	}
	return CSFSubcategory{}, false
}

// FunctionOf returns the function ID ("PR") of any CSF ID ("PR.DS-02", "PR.DS", "PR").
func FunctionOf(id string) string {
	f, _, _ := strings.Cut(id, ".")
	return f
}

var csf11Pattern = regexp.MustCompile(`^(GV|ID|PR|DE|RS|RC)(\.[A-Z]{2}(-(\d{1,2}))?)?$`)

// NormalizeCSFID turns a CSF 1.1 style ID as HICP prints it ("PR.AC-1",
// "PR.DS- 2", "PR.AC") into the catalogue's form ("PR.AC-01"). It reports
// false when the text is not a CSF ID at all.
func NormalizeCSFID(s string) (string, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	m := csf11Pattern.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	if m[4] == "" {
		return s, true
	}
	n, err := strconv.Atoi(m[4])
	if err != nil || n == 0 {
		return "", false
	}
	return fmt.Sprintf("%s-%02d", s[:strings.IndexByte(s, '-')], n), true
}

// csfFromBytes parses the embedded catalogue.
func csfFromBytes(b []byte) (*CSF, error) { return ParseCSF(bytes.NewReader(b)) }
