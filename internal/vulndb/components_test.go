package vulndb

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

func TestApplicability(t *testing.T) {
	storescp := inventory.Service{Product: "dcmtk", Roles: []string{"storage"}}
	dcmqrscp := inventory.Service{Product: "dcmtk", Roles: []string{"archive", "storage", "query-retrieve"}}
	wlmscpfs := inventory.Service{Product: "dcmtk", Roles: []string{"worklist"}}
	echoOnly := inventory.Service{Product: "dcmtk", Roles: []string{"verification-only"}}
	noRoles := inventory.Service{Product: "dcmtk"}
	orthanc := inventory.Service{Product: "orthanc", Roles: []string{"archive", "storage", "query-retrieve", "worklist"}}
	adv := func(product, component string) Advisory { return Advisory{Product: product, Component: component} }
	tests := []struct {
		name string
		svc  inventory.Service
		a    Advisory
		want Applicability
	}{
		{"dcmnet on storescp", storescp, adv("dcmtk", "dcmnet"), Applies},
		{"dcmdata on echo-only", echoOnly, adv("dcmtk", "dcmdata"), Applies},
		{"dcmtls on orthanc", orthanc, adv("dcmtk", "dcmtls"), Applies},
		{"no component", noRoles, adv("dcmtk", ""), Applies},
		{"unknown component", noRoles, adv("dcmtk", "dcmfuture"), Applies},
		{"known only by the wire identity", inventory.Service{Roles: []string{"storage"}}, adv("dcmtk", "storescp"), Applies},
		{"product without table", orthanc, adv("orthanc", "anything at all"), Applies},
		{"storescp on storescp", storescp, adv("dcmtk", "storescp"), Applies},
		{"storescp on dcmqrscp", dcmqrscp, adv("dcmtk", "storescp, dcmrecv"), NotObserved},
		{"dcmqrscp on dcmqrscp", dcmqrscp, adv("dcmtk", "dcmqrdb, dcmqrscp"), Applies},
		{"dcmqrscp on storescp", storescp, adv("dcmtk", "dcmqrdb, dcmqrscp"), NotObserved},
		{"wlmscpfs on worklist", wlmscpfs, adv("dcmtk", "wlmscpfs"), Applies},
		{"wlmscpfs on storescp", storescp, adv("dcmtk", "wlmscpfs"), NotObserved},
		{"server tool, roles unknown", noRoles, adv("dcmtk", "storescp"), NotObserved},
		{"server tool on echo-only", echoOnly, adv("dcmtk", "dcmqrscp"), NotObserved},
		{"server tool on orthanc", orthanc, adv("dcmtk", "dcmqrscp"), NotObserved},
		{"client tool", dcmqrscp, adv("dcmtk", "getscu, movescu"), NotObserved},
		{"image processing", dcmqrscp, adv("dcmtk", "dcmimgle"), NotObserved},
		{"codec", orthanc, adv("dcmtk", "dcmjpls"), NotObserved},
		{"file tool", storescp, adv("dcmtk", "img2dcm"), NotObserved},
		{"one applying component is enough", storescp, adv("dcmtk", "dcmimgle, dcmdata"), Applies},
		{"case and spaces", storescp, adv("dcmtk", " StoreSCP "), Applies},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why := Applicable(tt.svc, tt.a)
			if got != tt.want {
				t.Errorf("Applicable = %v (%s), want %v", got, why, tt.want)
			}
			if got == NotObserved && why == "" {
				t.Error("a not-observed verdict gives no reason")
			}
		})
	}
}

func TestComponents(t *testing.T) {
	got := Advisory{Component: "storescp, DCMRECV,, "}.Components()
	if diff := cmp.Diff([]string{"storescp", "dcmrecv"}, got); diff != "" {
		t.Errorf("Components() (-want +got):\n%s", diff)
	}
}

func TestValidateDCMTKComponent(t *testing.T) {
	base := Advisory{ID: "CVE-2099-0001", Product: "dcmtk", Summary: "s", Fix: "f", Surface: []string{SurfaceNetwork},
		References: []string{"https://example.org/x"}, Verified: true}
	for _, c := range []string{"", "dcmnet", "storescp, dcmrecv", "dcmimgle"} {
		a := base
		a.Component = c
		if err := a.Validate(); err != nil {
			t.Errorf("component %q: %v", c, err)
		}
	}
	for _, c := range []string{"storescp (SCP)", "dcmnet DcmSCU", "stroescp"} {
		a := base
		a.Component = c
		if err := a.Validate(); !errors.Is(err, ErrFormat) {
			t.Errorf("component %q: error %v, want ErrFormat", c, err)
		}
	}
	// Other products keep free-text components.
	other := base
	other.Product, other.Component = "philips-vue-pacs", "FasterXML jackson-databind"
	if err := other.Validate(); err != nil {
		t.Errorf("free-text component of another product: %v", err)
	}
}

// Every DCMTK advisory in the embedded data names a component, so that the
// matcher can decide it; a new one without a component would silently apply
// to every DCMTK service.
func TestEmbeddedDCMTKAdvisoriesHaveComponents(t *testing.T) {
	db := mustLoad(t)
	for _, a := range db.All("dcmtk") {
		if len(a.Components()) == 0 {
			t.Errorf("%s has no component", a.ID)
		}
	}
}

// The not-observed summary lists every advisory it holds back, once, and
// nothing the service is charged with.
func TestNotObservedFinding(t *testing.T) {
	db := mustLoad(t)
	svc := inventory.Service{Host: "192.0.2.70", Port: 104, Product: "dcmtk", Version: "3.6.6", Confidence: ConfidenceInferred,
		ImplementationClassUID: "1.2.276.0.7230010.3.0.3.6.6", ImplementationVersionName: "OFFIS_DCMTK_366",
		Roles: []string{"verification-only"}}
	got := db.FindingsFor(svc)
	claimed, listed := findingIDs(got)
	var summaries int
	for _, f := range got {
		if f.CheckID != CheckNotObserved {
			continue
		}
		summaries++
		if f.Severity != inventory.SeverityInfo {
			t.Errorf("severity %v, want info", f.Severity)
		}
		if len(f.Evidence) != len(f.References)+1 {
			t.Errorf("%d evidence lines for %d advisories, want one summary and one reason each", len(f.Evidence), len(f.References))
		}
	}
	if summaries != 1 {
		t.Fatalf("%d not-observed findings, want 1", summaries)
	}
	for _, id := range listed {
		if slices.Contains(claimed, "vuln."+id) {
			t.Errorf("%s both claimed and listed", id)
		}
	}
	// Everything the product-level match finds is either claimed or listed.
	res := db.Match(Identity{Product: "dcmtk", Version: "3.6.6", Confidence: ConfidenceInferred})
	for _, m := range res.Matches {
		if !slices.Contains(claimed, "vuln."+m.Advisory.ID) && !slices.Contains(listed, m.Advisory.ID) {
			t.Errorf("%s matched the version but is neither claimed nor listed", m.Advisory.ID)
		}
	}
	for _, id := range []string{"CVE-2021-41687", "CVE-2022-2119", "CVE-2022-2120", "CVE-2024-28130"} {
		if !slices.Contains(listed, id) {
			t.Errorf("%s not listed for an echo-only DCMTK service", id)
		}
	}
}

// Whatever the roles, product and version, every advisory the version
// matches is either claimed or listed as not observed, exactly once: the
// component rules make findings precise without dropping any.
func TestFindingsForAccountsForEveryMatch(t *testing.T) {
	db := mustLoad(t)
	roleSets := [][]string{nil, {"storage"}, {"archive", "storage", "query-retrieve"}, {"worklist"}, {"verification-only"},
		{"archive", "storage", "query-retrieve", "worklist"}}
	for _, product := range []string{"", "dcmtk", "orthanc"} {
		for _, v := range []string{"360", "366", "367", "368", "369", "370"} {
			for _, roles := range roleSets {
				svc := inventory.Service{Host: "192.0.2.80", Port: 104, Product: product, Roles: roles,
					ImplementationVersionName: "OFFIS_DCMTK_" + v}
				if product == "orthanc" {
					svc.Version, svc.Confidence = "1.12.10", ConfidenceExact
				}
				got := db.FindingsFor(svc)
				claimed, listed := findingIDs(got)
				count := map[string]int{}
				for _, id := range claimed {
					count[id]++
				}
				for _, id := range listed {
					count["vuln."+id]++
				}
				res := db.Match(IdentifyFromAssociation("", svc.ImplementationVersionName))
				for _, m := range res.Matches {
					if n := count["vuln."+m.Advisory.ID]; n != 1 {
						t.Errorf("%s %s %v: %s accounted for %d times, want once", nameOr(product, "-"), v, roles, m.Advisory.ID, n)
					}
				}
			}
		}
	}
}
