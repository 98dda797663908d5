package vulndb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Feed formats the importer reads: the official offline files.
const (
	FeedNVD  = "nvd"  // NVD CVE API 2.0 JSON (a saved API answer)
	FeedKEV  = "kev"  // CISA Known Exploited Vulnerabilities catalogue JSON
	FeedCSAF = "csaf" // CSAF 2.0 advisory JSON (CISA ICS advisories, vendors)
)

// ErrMalformedFeed is wrapped by every error about an import file's content:
// the file is rejected whole.
var ErrMalformedFeed = errors.New("malformed feed")

// Bounds for feed files: an NVD API page holds at most 2,000 CVEs (tens of
// MiB); nothing legitimate is near these.
const (
	maxFeedSize      = 256 << 20
	maxFeedRecords   = 100_000
	maxTreeDepth     = 32
	maxSummaryLength = 240
	maxReferences    = 20
	maxAliases       = 20
	// maxAffected bounds the ranges and versions of one record; real
	// records of imaging products list a few dozen at most.
	maxAffected = 1000
)

var errTooManyAffected = fmt.Errorf("more than %d affected versions and ranges", maxAffected)

// Feed is one parsed import file: the records about products pacsguard
// knows, and the records about products it does not know yet (Product
// empty) that matter only if the database already has their ID (a KEV entry
// for a known CVE, say).
type Feed struct {
	File    string
	Format  string
	Records []Advisory
	// Total counts the records in the file.
	Total int
}

func malformed(file, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformedFeed, file, fmt.Sprintf(format, args...))
}

// ParseFeed reads one import file, detecting its format. Any structural
// problem rejects the whole file.
func ParseFeed(file string, r io.Reader) (*Feed, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxFeedSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if len(b) > maxFeedSize {
		return nil, malformed(file, "larger than %d MiB", maxFeedSize>>20)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, malformed(file, "not JSON: %v", err)
	}
	switch {
	case top["document"] != nil:
		return parseCSAF(file, b)
	case top["catalogVersion"] != nil || looksLike(top["vulnerabilities"], "cveID"):
		return parseKEV(file, b)
	case top["format"] != nil || looksLike(top["vulnerabilities"], "cve"):
		return parseNVD(file, b)
	}
	return nil, malformed(file, "not an NVD CVE API 2.0, CISA KEV or CSAF 2.0 file (no document, catalogVersion or vulnerabilities[].cve)")
}

// looksLike reports whether raw is an array whose first element has key.
func looksLike(raw json.RawMessage, key string) bool {
	var arr []map[string]json.RawMessage
	if json.Unmarshal(raw, &arr) != nil || len(arr) == 0 {
		return false
	}
	_, ok := arr[0][key]
	return ok
}

// decodeFeed decodes b into v with numbers and types checked; unknown fields
// are allowed because the official schemas grow.
func decodeFeed(file string, b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return malformed(file, "%v", err)
	}
	if dec.More() {
		return malformed(file, "data after the JSON document")
	}
	return nil
}

// --- NVD CVE API 2.0 ---------------------------------------------------------

type nvdFile struct {
	Format          string `json:"format"`
	Version         string `json:"version"`
	Vulnerabilities []struct {
		CVE *nvdCVE `json:"cve"`
	} `json:"vulnerabilities"`
}

type nvdCVE struct {
	ID           string `json:"id"`
	Published    string `json:"published"`
	LastModified string `json:"lastModified"`
	VulnStatus   string `json:"vulnStatus"`
	Descriptions []struct {
		Lang  string `json:"lang"`
		Value string `json:"value"`
	} `json:"descriptions"`
	Metrics struct {
		V40 []nvdMetric `json:"cvssMetricV40"`
		V31 []nvdMetric `json:"cvssMetricV31"`
		V30 []nvdMetric `json:"cvssMetricV30"`
	} `json:"metrics"`
	Configurations []struct {
		Nodes []struct {
			Operator string `json:"operator"`
			Negate   bool   `json:"negate"`
			CPEMatch []struct {
				Vulnerable            bool   `json:"vulnerable"`
				Criteria              string `json:"criteria"`
				VersionStartIncluding string `json:"versionStartIncluding"`
				VersionStartExcluding string `json:"versionStartExcluding"`
				VersionEndIncluding   string `json:"versionEndIncluding"`
				VersionEndExcluding   string `json:"versionEndExcluding"`
			} `json:"cpeMatch"`
		} `json:"nodes"`
	} `json:"configurations"`
	References []struct {
		URL string `json:"url"`
	} `json:"references"`
	CISAExploitAdd        string `json:"cisaExploitAdd"`
	CISAActionDue         string `json:"cisaActionDue"`
	CISARequiredAction    string `json:"cisaRequiredAction"`
	CISAVulnerabilityName string `json:"cisaVulnerabilityName"`
}

type nvdMetric struct {
	Source   string `json:"source"`
	Type     string `json:"type"`
	CVSSData struct {
		Version      string  `json:"version"`
		VectorString string  `json:"vectorString"`
		BaseScore    float64 `json:"baseScore"`
	} `json:"cvssData"`
}

func parseNVD(file string, b []byte) (*Feed, error) {
	var f nvdFile
	if err := decodeFeed(file, b, &f); err != nil {
		return nil, err
	}
	if f.Format != "" && f.Format != "NVD_CVE" {
		return nil, malformed(file, "format %q, want NVD_CVE", f.Format)
	}
	if f.Version != "" && f.Version != "2.0" {
		return nil, malformed(file, "NVD API version %q, want 2.0", f.Version)
	}
	if len(f.Vulnerabilities) > maxFeedRecords {
		return nil, malformed(file, "more than %d records", maxFeedRecords)
	}
	feed := &Feed{File: file, Format: FeedNVD, Total: len(f.Vulnerabilities)}
	for i, v := range f.Vulnerabilities {
		if v.CVE == nil || !cvePattern.MatchString(v.CVE.ID) {
			return nil, malformed(file, "vulnerabilities[%d] has no valid cve.id", i)
		}
		a, err := nvdAdvisory(v.CVE)
		if err != nil {
			return nil, malformed(file, "%s: %v", v.CVE.ID, err)
		}
		feed.Records = append(feed.Records, a)
	}
	return feed, nil
}

func nvdAdvisory(c *nvdCVE) (Advisory, error) {
	a := Advisory{ID: c.ID, Sources: []string{FeedNVD}, Verified: true, Published: datePart(c.Published)}
	desc, skipped := "", 0
	for _, d := range c.Descriptions {
		if d.Lang == "en" {
			desc = d.Value
			break
		}
	}
	// The product and ranges come from the vulnerable CPE matches.
	for _, cfg := range c.Configurations {
		for _, n := range cfg.Nodes {
			if n.Negate {
				continue
			}
			for _, m := range n.CPEMatch {
				if !m.Vulnerable {
					continue
				}
				p, ok := productForCPE(m.Criteria)
				if !ok || (a.Product != "" && p != a.Product) {
					continue
				}
				a.Product = p
				r, version, err := cpeRange(m.Criteria, m.VersionStartIncluding, m.VersionStartExcluding, m.VersionEndIncluding, m.VersionEndExcluding)
				if err != nil {
					// One odd version string does not make the file
					// malformed; the range is left out and the notes say so.
					skipped++
					continue
				}
				if len(a.Versions)+len(a.Affected) >= maxAffected {
					return Advisory{}, errTooManyAffected
				}
				switch {
				case version != "":
					a.Versions = appendUnique(a.Versions, version)
				case r != nil:
					a.Affected = append(a.Affected, *r)
				}
			}
		}
	}
	if a.Product == "" {
		// Records still awaiting analysis have no configurations yet.
		if p, ok := productForText(desc); ok {
			a.Product = p
		}
	}
	a.CVSSv3 = pickMetric("CVSS:3.", c.Metrics.V31, c.Metrics.V30)
	a.CVSSv4 = pickMetric("CVSS:4.0/", c.Metrics.V40, nil)
	if c.CISAExploitAdd != "" {
		if !datePattern.MatchString(c.CISAExploitAdd) {
			return Advisory{}, fmt.Errorf("cisaExploitAdd %q is not a date", c.CISAExploitAdd)
		}
		a.KnownExploited = true
		a.ExploitedBy = "CISA KEV"
		a.KEV = &KEVEntry{DateAdded: c.CISAExploitAdd, DueDate: dateOrEmpty(c.CISAActionDue)}
	}
	a.Summary = oneLineSummary(desc, c.CISAVulnerabilityName, c.ID)
	a.Surface = guessSurface(desc, a.CVSSv3)
	a.Fix = fixText(a, c.CISARequiredAction)
	a.References = []string{"https://nvd.nist.gov/vuln/detail/" + c.ID}
	for _, r := range c.References {
		if len(a.References) >= maxReferences {
			break
		}
		if isURL(r.URL) {
			a.References = appendUnique(a.References, r.URL)
		}
	}
	a.Notes = fmt.Sprintf("Imported from NVD (status %s, last modified %s).", nameOr(truncateLine(oneLine(c.VulnStatus), 40), "unknown"), nameOr(datePart(c.LastModified), "unknown"))
	if skipped > 0 {
		a.Notes += fmt.Sprintf(" %d CPE version range(s) could not be read and were left out.", skipped)
	}
	return a, nil
}

// cpeRange turns one NVD cpeMatch into a range or a single version.
func cpeRange(criteria, startInc, startExc, endInc, endExc string) (*Range, string, error) {
	parts := strings.Split(criteria, ":")
	ver := ""
	if len(parts) > 5 {
		ver = parts[5]
	}
	if startInc == "" && startExc == "" && endInc == "" && endExc == "" {
		switch ver {
		case "*", "":
			return &Range{Introduced: "0"}, "", nil
		case "-":
			return nil, "", nil // "not applicable": no version information
		}
		ver = strings.ReplaceAll(ver, `\`, "")
		if _, err := ParseVersion(ver); err != nil {
			return nil, "", fmt.Errorf("CPE version %q: %w", ver, err)
		}
		return nil, ver, nil
	}
	r := &Range{Introduced: startInc, Fixed: endExc, LastAffected: endInc}
	if startExc != "" {
		// An exclusive start is rare; the range then begins just after it,
		// which the format cannot say, so the start is dropped (wider range).
		r.Introduced = ""
	}
	if err := r.validate(); err != nil {
		return nil, "", err
	}
	return r, "", nil
}

func pickMetric(prefix string, primary, fallback []nvdMetric) *CVSS {
	for _, set := range [][]nvdMetric{primary, fallback} {
		// The Primary (NVD) score first, else the CNA's.
		for _, want := range []string{"Primary", "Secondary", ""} {
			for _, m := range set {
				if want != "" && m.Type != want {
					continue
				}
				if m.CVSSData.BaseScore <= 0 || m.CVSSData.BaseScore > 10 {
					continue
				}
				c := cleanCVSS(prefix, m.CVSSData.VectorString, m.CVSSData.BaseScore)
				if m.Type == "Secondary" {
					c.Source = m.Source
				}
				return c
			}
		}
	}
	return nil
}

// cleanCVSS keeps a feed's vector only when it names its CVSS version the
// way the format requires; the score stands on its own.
func cleanCVSS(prefix, vector string, score float64) *CVSS {
	v := strings.TrimSpace(vector)
	if !strings.HasPrefix(v, prefix) || len(v) > 200 || strings.ContainsAny(v, " \n") {
		v = ""
	}
	return &CVSS{Vector: v, Score: score}
}

// --- CISA KEV ----------------------------------------------------------------

type kevFile struct {
	CatalogVersion  string `json:"catalogVersion"`
	Vulnerabilities []struct {
		CVEID              string `json:"cveID"`
		VendorProject      string `json:"vendorProject"`
		Product            string `json:"product"`
		VulnerabilityName  string `json:"vulnerabilityName"`
		DateAdded          string `json:"dateAdded"`
		ShortDescription   string `json:"shortDescription"`
		RequiredAction     string `json:"requiredAction"`
		DueDate            string `json:"dueDate"`
		KnownRansomwareUse string `json:"knownRansomwareCampaignUse"`
		Notes              string `json:"notes"`
	} `json:"vulnerabilities"`
}

func parseKEV(file string, b []byte) (*Feed, error) {
	var f kevFile
	if err := decodeFeed(file, b, &f); err != nil {
		return nil, err
	}
	if f.Vulnerabilities == nil {
		return nil, malformed(file, "no vulnerabilities array")
	}
	if len(f.Vulnerabilities) > maxFeedRecords {
		return nil, malformed(file, "more than %d records", maxFeedRecords)
	}
	feed := &Feed{File: file, Format: FeedKEV, Total: len(f.Vulnerabilities)}
	for i, v := range f.Vulnerabilities {
		if !cvePattern.MatchString(v.CVEID) {
			return nil, malformed(file, "vulnerabilities[%d].cveID %q is not a CVE ID", i, v.CVEID)
		}
		if !datePattern.MatchString(v.DateAdded) {
			return nil, malformed(file, "%s: dateAdded %q is not YYYY-MM-DD", v.CVEID, v.DateAdded)
		}
		product, _ := productForText(v.VendorProject + " " + v.Product)
		a := Advisory{
			ID:             v.CVEID,
			Product:        product,
			KnownExploited: true,
			ExploitedBy:    "CISA KEV",
			KEV:            &KEVEntry{DateAdded: v.DateAdded, DueDate: dateOrEmpty(v.DueDate), Ransomware: truncateLine(oneLine(v.KnownRansomwareUse), 40)},
			Summary:        oneLineSummary(v.ShortDescription, v.VulnerabilityName, v.CVEID),
			Surface:        guessSurface(v.ShortDescription, nil),
			Fix:            nameOr(oneLine(v.RequiredAction), "Apply the vendor's update as CISA KEV requires."),
			References:     []string{"https://nvd.nist.gov/vuln/detail/" + v.CVEID, "https://www.cisa.gov/known-exploited-vulnerabilities-catalog"},
			Published:      v.DateAdded,
			Verified:       true,
			Sources:        []string{FeedKEV},
			Notes:          fmt.Sprintf("Imported from CISA KEV catalogue %s (%s %s); affected versions are not in KEV.", truncateLine(nameOr(oneLine(f.CatalogVersion), "of unknown version"), 40), truncateLine(oneLine(v.VendorProject), 80), truncateLine(oneLine(v.Product), 80)),
		}
		feed.Records = append(feed.Records, a)
	}
	return feed, nil
}

// --- CSAF 2.0 ------------------------------------------------------------------

type csafFile struct {
	Document *struct {
		CSAFVersion string `json:"csaf_version"`
		Category    string `json:"category"`
		Title       string `json:"title"`
		Tracking    struct {
			ID                 string `json:"id"`
			InitialReleaseDate string `json:"initial_release_date"`
		} `json:"tracking"`
		References []csafRef `json:"references"`
	} `json:"document"`
	ProductTree *struct {
		Branches         []csafBranch  `json:"branches"`
		FullProductNames []csafProduct `json:"full_product_names"`
		Relationships    []struct {
			FullProductName csafProduct `json:"full_product_name"`
		} `json:"relationships"`
	} `json:"product_tree"`
	Vulnerabilities []struct {
		CVE   string `json:"cve"`
		Title string `json:"title"`
		IDs   []struct {
			SystemName string `json:"system_name"`
			Text       string `json:"text"`
		} `json:"ids"`
		Notes []struct {
			Category string `json:"category"`
			Text     string `json:"text"`
		} `json:"notes"`
		ProductStatus struct {
			KnownAffected []string `json:"known_affected"`
			FirstAffected []string `json:"first_affected"`
			LastAffected  []string `json:"last_affected"`
			Fixed         []string `json:"fixed"`
			FirstFixed    []string `json:"first_fixed"`
		} `json:"product_status"`
		Remediations []struct {
			Category string `json:"category"`
			Details  string `json:"details"`
			URL      string `json:"url"`
		} `json:"remediations"`
		Scores []struct {
			CVSSv3 *struct {
				VectorString string  `json:"vectorString"`
				BaseScore    float64 `json:"baseScore"`
			} `json:"cvss_v3"`
			CVSSv4 *struct {
				VectorString string  `json:"vectorString"`
				BaseScore    float64 `json:"baseScore"`
			} `json:"cvss_v4"`
		} `json:"scores"`
		References []csafRef `json:"references"`
	} `json:"vulnerabilities"`
}

type csafRef struct {
	URL string `json:"url"`
}

type csafBranch struct {
	Category string       `json:"category"`
	Name     string       `json:"name"`
	Product  *csafProduct `json:"product"`
	Branches []csafBranch `json:"branches"`
}

type csafProduct struct {
	ProductID string `json:"product_id"`
	Name      string `json:"name"`
}

// csafLeaf is what the product tree says about one product ID.
type csafLeaf struct {
	name    string // vendor, product and version names joined
	version string // product_version
	vers    string // product_version_range (a vers: string)
}

func parseCSAF(file string, b []byte) (*Feed, error) {
	var f csafFile
	if err := decodeFeed(file, b, &f); err != nil {
		return nil, err
	}
	if f.Document == nil || f.Document.CSAFVersion != "2.0" {
		return nil, malformed(file, "document.csaf_version is not 2.0")
	}
	trackingID := strings.TrimSpace(f.Document.Tracking.ID)
	if trackingID == "" {
		return nil, malformed(file, "document.tracking.id is empty")
	}
	if len(f.Vulnerabilities) > maxFeedRecords {
		return nil, malformed(file, "more than %d records", maxFeedRecords)
	}
	leaves := map[string]csafLeaf{}
	if f.ProductTree != nil {
		if err := walkBranches(f.ProductTree.Branches, csafLeaf{}, 0, leaves); err != nil {
			return nil, malformed(file, "%v", err)
		}
		for _, p := range f.ProductTree.FullProductNames {
			leaves[p.ProductID] = csafLeaf{name: clipName(p.Name)}
		}
		for _, r := range f.ProductTree.Relationships {
			leaves[r.FullProductName.ProductID] = csafLeaf{name: clipName(r.FullProductName.Name)}
		}
	}
	// Which product a leaf names is decided once per product ID: a
	// vulnerability may list the same ID many times, and every vulnerability
	// of the advisory names the same leaves.
	products := map[string]string{}
	leafProduct := func(pid string, leaf csafLeaf) (string, bool) {
		p, done := products[pid]
		if !done {
			p, _ = productForText(leaf.name)
			products[pid] = p
		}
		return p, p != ""
	}
	feed := &Feed{File: file, Format: FeedCSAF, Total: len(f.Vulnerabilities)}
	for i, v := range f.Vulnerabilities {
		id := strings.TrimSpace(v.CVE)
		var aliases []string
		switch {
		case id != "" && !cvePattern.MatchString(id):
			return nil, malformed(file, "vulnerabilities[%d].cve %q is not a CVE ID", i, id)
		case id == "" && len(f.Vulnerabilities) == 1 && ValidID(trackingID):
			id = trackingID
		case id == "":
			return nil, malformed(file, "vulnerabilities[%d] has no CVE and the advisory ID %q cannot stand for several", i, trackingID)
		default:
			if aliasPattern.MatchString(trackingID) {
				aliases = append(aliases, trackingID)
			}
		}
		for _, x := range v.IDs {
			if aliasPattern.MatchString(x.Text) && x.Text != id && len(aliases) < maxAliases {
				aliases = appendUnique(aliases, x.Text)
			}
		}
		a := Advisory{ID: id, Aliases: aliases, Sources: []string{FeedCSAF}, Verified: true, Published: datePart(f.Document.Tracking.InitialReleaseDate)}
		affectedIDs := append(append(append([]string{}, v.ProductStatus.KnownAffected...), v.ProductStatus.FirstAffected...), v.ProductStatus.LastAffected...)
		seenPID := map[string]bool{}
		for _, pid := range affectedIDs {
			if seenPID[pid] {
				continue
			}
			seenPID[pid] = true
			leaf, ok := leaves[pid]
			if !ok {
				return nil, malformed(file, "%s: product %q is not in the product tree", id, truncateLine(pid, 80))
			}
			p, ok := leafProduct(pid, leaf)
			if !ok || (a.Product != "" && p != a.Product) {
				continue
			}
			a.Product = p
			if len(a.Versions)+len(a.Affected) >= maxAffected {
				return nil, malformed(file, "%s: %v", id, errTooManyAffected)
			}
			switch {
			case leaf.vers != "":
				// A range pacsguard cannot read is left out rather than
				// guessed; the advisory then only "may apply".
				if rs, err := parseVers(leaf.vers); err == nil {
					a.Affected = append(a.Affected, rs...)
				}
			case leaf.version != "":
				v := NormalizeVersion(p, leaf.version)
				if _, err := ParseVersion(v); err == nil {
					a.Versions = appendUnique(a.Versions, v)
				}
			}
		}
		if len(a.Affected) == 0 && len(a.Versions) == 0 {
			for _, pid := range append(append([]string{}, v.ProductStatus.FirstFixed...), v.ProductStatus.Fixed...) {
				if leaf, ok := leaves[pid]; ok && leaf.version != "" {
					fv := NormalizeVersion(a.Product, leaf.version)
					if _, err := ParseVersion(fv); err == nil {
						a.Affected = []Range{{Fixed: fv}}
						break
					}
				}
			}
		}
		desc := v.Title
		for _, n := range v.Notes {
			if n.Category == "description" || n.Category == "summary" {
				desc = n.Text
				break
			}
		}
		a.Summary = oneLineSummary(desc, v.Title, id)
		for _, s := range v.Scores {
			if s.CVSSv3 != nil && a.CVSSv3 == nil && s.CVSSv3.BaseScore > 0 && s.CVSSv3.BaseScore <= 10 {
				a.CVSSv3 = cleanCVSS("CVSS:3.", s.CVSSv3.VectorString, s.CVSSv3.BaseScore)
			}
			if s.CVSSv4 != nil && a.CVSSv4 == nil && s.CVSSv4.BaseScore > 0 && s.CVSSv4.BaseScore <= 10 {
				a.CVSSv4 = cleanCVSS("CVSS:4.0/", s.CVSSv4.VectorString, s.CVSSv4.BaseScore)
			}
		}
		a.Surface = guessSurface(desc, a.CVSSv3)
		for _, r := range v.Remediations {
			if r.Category == "vendor_fix" && strings.TrimSpace(r.Details) != "" {
				a.Fix = truncateLine(oneLine(r.Details), 600)
				break
			}
		}
		if a.Fix == "" {
			for _, r := range v.Remediations {
				if strings.TrimSpace(r.Details) != "" {
					a.Fix = truncateLine(oneLine(r.Details), 600)
					break
				}
			}
		}
		if a.Fix == "" {
			a.Fix = fixText(a, "")
		}
		if cvePattern.MatchString(id) {
			a.References = []string{"https://nvd.nist.gov/vuln/detail/" + id}
		}
		for _, r := range append(append([]csafRef{}, f.Document.References...), v.References...) {
			if len(a.References) >= maxReferences {
				break
			}
			if isURL(r.URL) {
				a.References = appendUnique(a.References, r.URL)
			}
		}
		for _, r := range v.Remediations {
			if isURL(r.URL) && len(a.References) < maxReferences {
				a.References = appendUnique(a.References, r.URL)
			}
		}
		if len(a.References) == 0 {
			return nil, malformed(file, "%s has no reference URL", id)
		}
		a.Notes = fmt.Sprintf("Imported from CSAF advisory %s.", truncateLine(oneLine(trackingID), 80))
		feed.Records = append(feed.Records, a)
	}
	return feed, nil
}

func walkBranches(bs []csafBranch, parent csafLeaf, depth int, out map[string]csafLeaf) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("product tree deeper than %d levels", maxTreeDepth)
	}
	for _, b := range bs {
		leaf := parent
		if strings.TrimSpace(b.Name) != "" {
			leaf.name = clipName(leaf.name + " " + b.Name)
		}
		switch b.Category {
		case "product_version":
			leaf.version = clipName(b.Name)
		case "product_version_range":
			leaf.vers = clipName(b.Name)
		}
		if b.Product != nil && b.Product.ProductID != "" {
			if len(out) >= maxFeedRecords {
				return fmt.Errorf("more than %d products", maxFeedRecords)
			}
			l := leaf
			l.name = clipName(l.name + " " + b.Product.Name)
			out[b.Product.ProductID] = l
		}
		if err := walkBranches(b.Branches, leaf, depth+1, out); err != nil {
			return err
		}
	}
	return nil
}

// maxProductName bounds a CSAF product name (vendor, product and version
// joined): real ones are a few dozen bytes, and each is searched for every
// product keyword.
const maxProductName = 512

func clipName(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= maxProductName {
		return s
	}
	n := maxProductName
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

var versConstraint = regexp.MustCompile(`^(>=|<=|!=|<|>|=)?(.+)$`)

// parseVers reads a vers: range ("vers:generic/>=1.0|<1.5.8", "vers:all/*")
// into ranges. Constraints are sorted ascending by the vers specification;
// each lower bound opens a range and the next upper bound closes it.
func parseVers(s string) ([]Range, error) {
	rest, ok := strings.CutPrefix(s, "vers:")
	if !ok {
		// CISA writes plain ranges such as "<=7.2.8.810" too.
		rest = "generic/" + s
	}
	_, cons, ok := strings.Cut(rest, "/")
	if !ok {
		return nil, fmt.Errorf("version range %q has no scheme", s)
	}
	cons = strings.ReplaceAll(cons, " ", "")
	if cons == "*" {
		return []Range{{Introduced: "0"}}, nil
	}
	var out []Range
	var cur Range
	open := false
	for _, c := range strings.Split(cons, "|") {
		m := versConstraint.FindStringSubmatch(c)
		if m == nil {
			return nil, fmt.Errorf("version range %q", s)
		}
		op, v := m[1], m[2]
		if _, err := ParseVersion(v); err != nil {
			return nil, fmt.Errorf("version range %q: %w", s, err)
		}
		switch op {
		case ">=", ">":
			cur, open = Range{Introduced: v}, true
		case "<":
			cur.Fixed = v
			out, cur, open = append(out, cur), Range{}, false
		case "<=":
			cur.LastAffected = v
			out, cur, open = append(out, cur), Range{}, false
		case "", "=":
			out = append(out, Range{Introduced: v, LastAffected: v})
		case "!=":
			// An excluded version inside a range cannot be written; the
			// range stays wider.
		}
	}
	if open {
		out = append(out, cur)
	}
	for _, r := range out {
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("version range %q: %w", s, err)
		}
	}
	return out, nil
}

// --- shared helpers --------------------------------------------------------------

func oneLineSummary(desc, title, id string) string {
	s := oneLine(desc)
	if s == "" {
		s = oneLine(title)
	}
	if s == "" {
		s = id
	}
	return truncateLine(s, maxSummaryLength)
}

func truncateLine(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut < n/2 {
		// No space near the end: cut at a rune boundary so that the
		// stored text stays valid UTF-8.
		cut = n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
	}
	return strings.TrimRight(s[:cut], " ,;:") + "…"
}

// guessSurface reads how a flaw is reached from its description, else from
// the CVSS attack vector.
func guessSurface(desc string, v3 *CVSS) []string {
	d := strings.ToLower(desc)
	var out []string
	if containsAny(d, "http", "web ", "web-", "rest api", "cross-site", "xss", "portal", "url", "browser") {
		out = append(out, SurfaceWeb)
	}
	if containsAny(d, "file", "dcm ", "crafted dicom", "image", "parsing", "pixel") {
		out = append(out, SurfaceFile)
	}
	if containsAny(d, "remote", "network", "association", "dimse", "c-store", "c-find", "c-move", "c-get", "request", "port") && !containsAny(d, "http") {
		out = append(out, SurfaceNetwork)
	}
	if len(out) == 0 {
		if v3 != nil && strings.Contains(v3.Vector, "AV:L") {
			out = append(out, SurfaceLocal)
		} else {
			out = append(out, SurfaceNetwork)
		}
	}
	return out
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

func fixText(a Advisory, required string) string {
	if r := oneLine(required); r != "" {
		return truncateLine(r, 600)
	}
	name := productName(a.Product)
	for _, r := range a.Affected {
		if r.Fixed != "" {
			return fmt.Sprintf("Upgrade %s to %s or later.", name, r.Fixed)
		}
	}
	return fmt.Sprintf("Upgrade %s to a release that fixes %s (see the references).", name, a.ID)
}

func datePart(ts string) string {
	if len(ts) >= 10 && datePattern.MatchString(ts[:10]) {
		return ts[:10]
	}
	return ""
}

func dateOrEmpty(s string) string {
	if datePattern.MatchString(s) {
		return s
	}
	return ""
}

func isURL(s string) bool {
	return (strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) && len(s) < 2048 && !strings.ContainsAny(s, " \n\t")
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
