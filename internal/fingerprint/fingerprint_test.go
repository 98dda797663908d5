package fingerprint

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestIdentify(t *testing.T) {
	rs, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	dcmtk := Observation{ImplementationClassUID: "1.2.276.0.7230010.3.0.3.6.7", ImplementationVersionName: "OFFIS_DCMTK_367"}
	withB := func(o Observation, b ...string) Observation { o.Behaviours = b; return o }
	tests := []struct {
		name string
		obs  Observation
		want Identity
	}{
		{"dcmtk alone", dcmtk, Identity{Product: "dcmtk", Version: "3.6.7", Confidence: "inferred", Rules: []string{"dcmtk.class-uid"}}},
		{"dcmtk name only", Observation{ImplementationVersionName: "OFFIS_DCMTK_362"}, Identity{Product: "dcmtk", Version: "3.6.2", Confidence: "inferred", Rules: []string{"dcmtk.version-name"}}},
		{"orthanc by behaviour", withB(dcmtk, BehaviourAbortOnQuery), Identity{Product: "orthanc", Confidence: "product-only", Toolkit: "dcmtk 3.6.7", Rules: []string{"orthanc.abort-on-query", "dcmtk.class-uid"}}},
		{"orthanc by system", Observation{ImplementationClassUID: dcmtk.ImplementationClassUID, OrthancVersion: "1.10.1"}, Identity{Product: "orthanc", Version: "1.10.1", Confidence: "exact", Toolkit: "dcmtk 3.6.7", Rules: []string{"orthanc.system", "dcmtk.class-uid"}}},
		{"orthanc realm", Observation{HTTPRealm: "Orthanc Secure Area"}, Identity{Product: "orthanc", Confidence: "product-only", Rules: []string{"orthanc.realm"}}},
		{"storescp", withB(dcmtk, BehaviourStorageOnly), Identity{Product: "dcmtk", Version: "3.6.7", Confidence: "inferred", Rules: []string{"dcmtk.storescp", "dcmtk.class-uid"}}},
		{"pynetdicom", Observation{ImplementationClassUID: "1.2.826.0.1.3680043.9.3811.2.0.0", ImplementationVersionName: "PYNETDICOM_200"}, Identity{Product: "pynetdicom", Version: "2.0.0", Confidence: "inferred", Rules: []string{"pynetdicom.class-uid"}}},
		{"dcm4che", Observation{ImplementationClassUID: "1.2.40.0.13.1.3", ImplementationVersionName: "dcm4che-5.25.1"}, Identity{Product: "dcm4che", Version: "5.25.1", Confidence: "inferred", Rules: []string{"dcm4che.version-name"}}},
		{"conquest", Observation{ImplementationClassUID: "1.2.826.0.1.3680043.2.135.1066.101", ImplementationVersionName: "1.5.0/WIN32"}, Identity{Product: "conquest", Confidence: "product-only", Rules: []string{"conquest.class-uid"}}},
		{"unknown", Observation{ImplementationClassUID: "1.2.3.4"}, Identity{Confidence: "unknown"}},
		{"padded", Observation{ImplementationClassUID: "1.2.276.0.7230010.3.0.3.6.8\x00"}, Identity{Product: "dcmtk", Version: "3.6.8", Confidence: "inferred", Rules: []string{"dcmtk.class-uid"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rs.Identify(tt.obs)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Identity{}, "Notes"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	got := rs.Identify(dcmtk)
	if len(got.Notes) == 0 || !strings.Contains(got.Notes[0], "Orthanc sends the same") {
		t.Errorf("DCMTK identity alone should say Orthanc looks the same; notes %q", got.Notes)
	}
}

func TestParseRejects(t *testing.T) {
	head := "schema: pacsguard.fingerprints/v1\nversion: 1\nrules:\n"
	for name, body := range map[string]string{
		"unknown key":     "  - {id: a, layer: toolkit, when: {implementation_class_uid: x}, product: p, confidence: exact, colour: red}\n",
		"unknown field":   "  - {id: a, layer: toolkit, when: {serial: x}, product: p, confidence: exact}\n",
		"bad regexp":      "  - {id: a, layer: toolkit, when: {implementation_class_uid: '('}, product: p, confidence: exact}\n",
		"bad layer":       "  - {id: a, layer: x, when: {implementation_class_uid: x}, product: p, confidence: exact}\n",
		"bad confidence":  "  - {id: a, layer: toolkit, when: {implementation_class_uid: x}, product: p, confidence: sure}\n",
		"version no from": "  - {id: a, layer: toolkit, when: {implementation_class_uid: x}, product: p, confidence: exact, version: $1}\n",
		"duplicate":       "  - {id: a, layer: toolkit, when: {implementation_class_uid: x}, product: p, confidence: exact}\n  - {id: a, layer: toolkit, when: {implementation_class_uid: x}, product: p, confidence: exact}\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(head + body)); err == nil {
				t.Error("Parse succeeded, want an error")
			}
		})
	}
	if _, err := Parse([]byte("schema: other\nversion: 1\nrules: []\n")); err == nil {
		t.Error("wrong schema accepted")
	}
}

func FuzzIdentify(f *testing.F) {
	rs, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Add("1.2.276.0.7230010.3.0.3.6.7", "OFFIS_DCMTK_367", "")
	f.Add("1.2.40.0.13.1.3", "dcm4che-5.25.1", "1.10.1")
	f.Fuzz(func(t *testing.T, uid, name, orthanc string) {
		id := rs.Identify(Observation{ImplementationClassUID: uid, ImplementationVersionName: name, OrthancVersion: orthanc})
		// Property: a product is named exactly when a confidence other than unknown is given.
		if (id.Product == "") != (id.Confidence == "unknown") {
			t.Fatalf("product %q with confidence %q", id.Product, id.Confidence)
		}
		if len(id.Version) > len(uid)+len(name)+len(orthanc)+4 {
			t.Fatalf("version %q longer than its sources", id.Version)
		}
	})
}
