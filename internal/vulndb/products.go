package vulndb

import (
	"sort"
	"strings"
)

// Product is a piece of imaging software pacsguard knows by a normalised ID.
// CPE pairs ("vendor:product" of a CPE 2.3 name) and name keywords decide
// which records of an imported feed are about it.
type Product struct {
	ID     string
	Name   string
	Vendor string
	// CPE lists "vendor:product" pairs as NVD writes them.
	CPE []string
	// Keywords are lower-case phrases; a feed record whose vendor and product
	// text contains one of them (after lower-casing) is about this product.
	Keywords []string
	// Toolkit is true for libraries other products embed (DCMTK, pynetdicom...):
	// a version read from their wire string names the toolkit, not the product.
	Toolkit bool
}

// products is the table of known products. It is a function so that no
// package-level mutable state exists; the table is small.
func products() []Product {
	return []Product{
		{ID: "dicom-standard", Name: "DICOM standard (PS3.10 file format)", Vendor: "NEMA", CPE: []string{"nema:dicom_standard", "nema:digital_imaging_and_communications_in_medicine"}, Keywords: []string{"dicom standard"}},
		{ID: "dcmtk", Name: "DCMTK", Vendor: "OFFIS", CPE: []string{"offis:dcmtk", "dcmtk:dcmtk"}, Keywords: []string{"dcmtk"}, Toolkit: true},
		{ID: "orthanc", Name: "Orthanc", Vendor: "Orthanc Team / Osimis", CPE: []string{"orthanc-server:orthanc", "osimis:orthanc", "orthanc_project:orthanc"}, Keywords: []string{"orthanc server", "orthanc"}},
		{ID: "orthanc-osimis-webviewer", Name: "Osimis Web Viewer for Orthanc", Vendor: "Osimis", CPE: []string{"osimis:osimis_web_viewer", "orthanc-server:osimis_web_viewer"}, Keywords: []string{"osimis web viewer", "osimis webviewer"}},
		{ID: "pydicom", Name: "pydicom", Vendor: "pydicom", CPE: []string{"pydicom:pydicom"}, Keywords: []string{"pydicom"}, Toolkit: true},
		{ID: "pynetdicom", Name: "pynetdicom", Vendor: "pydicom", CPE: []string{"pydicom:pynetdicom"}, Keywords: []string{"pynetdicom"}, Toolkit: true},
		{ID: "gdcm", Name: "Grassroots DICOM (GDCM)", Vendor: "Mathieu Malaterre", CPE: []string{"malaterre:grassroots_dicom", "gdcm_project:gdcm", "grassroots_dicom_project:grassroots_dicom"}, Keywords: []string{"grassroots dicom", "gdcm"}, Toolkit: true},
		{ID: "fo-dicom", Name: "fo-dicom", Vendor: "fo-dicom", CPE: []string{"fo-dicom:fo-dicom"}, Keywords: []string{"fo-dicom"}, Toolkit: true},
		{ID: "dcm4che", Name: "dcm4che toolkit", Vendor: "dcm4che.org", CPE: []string{"dcm4che:dcm4che"}, Keywords: []string{"dcm4che toolkit"}, Toolkit: true},
		{ID: "dcm4chee", Name: "dcm4chee archive", Vendor: "dcm4che.org", CPE: []string{"dcm4che:dcm4chee", "dcm4che:dcm4chee-arc-light", "dcm4che:dcm4chee_arc_light"}, Keywords: []string{"dcm4chee"}},
		{ID: "conquest", Name: "Conquest DICOM server", Vendor: "Marcel van Herk", CPE: []string{"conquest_dicom_server_project:conquest_dicom_server"}, Keywords: []string{"conquest dicom"}},
		{ID: "sante-pacs-server", Name: "Sante PACS Server", Vendor: "Santesoft", CPE: []string{"santesoft:sante_pacs_server", "santesoft:pacs_server"}, Keywords: []string{"sante pacs server", "santesoft pacs server"}},
		{ID: "sante-dicom-viewer", Name: "Sante DICOM Viewer Pro", Vendor: "Santesoft", CPE: []string{"santesoft:sante_dicom_viewer_pro", "santesoft:dicom_viewer_pro"}, Keywords: []string{"sante dicom viewer", "dicom viewer pro"}},
		{ID: "microdicom", Name: "MicroDicom DICOM Viewer", Vendor: "MicroDicom", CPE: []string{"microdicom:dicom_viewer"}, Keywords: []string{"microdicom"}},
		{ID: "radiant", Name: "RadiAnt DICOM Viewer", Vendor: "Medixant", CPE: []string{"medixant:radiant_dicom_viewer", "radiantviewer:radiant_dicom_viewer"}, Keywords: []string{"radiant dicom viewer", "medixant"}},
		{ID: "osirix", Name: "OsiriX MD", Vendor: "Pixmeo", CPE: []string{"pixmeo:osirix_md", "pixmeo:osirix"}, Keywords: []string{"osirix"}},
		{ID: "horos", Name: "Horos", Vendor: "Horos Project", CPE: []string{"horosproject:horos"}, Keywords: []string{"horos dicom viewer"}},
		{ID: "meddream", Name: "MedDream PACS", Vendor: "Softneta", CPE: []string{"softneta:meddream_pacs_server", "softneta:meddream_pacs_premium", "softneta:meddream_pacs"}, Keywords: []string{"meddream"}},
		{ID: "pacsone", Name: "PacsOne Server", Vendor: "RainbowFish Software", CPE: []string{"rainbowfishsoftware:pacsone_server", "pacsone:pacsone_server"}, Keywords: []string{"pacsone"}},
		{ID: "dicoogle", Name: "Dicoogle", Vendor: "BMD Software / University of Aveiro", CPE: []string{"ua:dicoogle", "bmd-software:dicoogle", "dicoogle:dicoogle"}, Keywords: []string{"dicoogle"}},
		{ID: "philips-intellispace-pacs", Name: "Philips IntelliSpace PACS (iSite)", Vendor: "Philips", CPE: []string{"philips:intellispace_pacs", "philips:isite_pacs"}, Keywords: []string{"intellispace pacs", "isite pacs"}},
		{ID: "philips-vue-pacs", Name: "Philips Vue PACS", Vendor: "Philips", CPE: []string{"philips:vue_pacs"}, Keywords: []string{"vue pacs"}},
		{ID: "ge-healthcare-imaging", Name: "GE HealthCare imaging and ultrasound products", Vendor: "GE HealthCare", CPE: []string{"gehealthcare:signa", "gehealthcare:logiq", "gehealthcare:vivid", "gehealthcare:voluson"}, Keywords: []string{"ge healthcare imaging", "ge healthcare ultrasound"}},
	}
}

// ProductByID returns the product with the normalised ID.
func ProductByID(id string) (Product, bool) {
	for _, p := range products() {
		if p.ID == id {
			return p, true
		}
	}
	return Product{}, false
}

// ProductIDs lists the known product IDs, sorted.
func ProductIDs() []string {
	var out []string
	for _, p := range products() {
		out = append(out, p.ID)
	}
	sort.Strings(out)
	return out
}

// productForCPE returns the product a CPE 2.3 name
// (cpe:2.3:a:vendor:product:version:...) is about.
func productForCPE(cpe string) (string, bool) {
	parts := strings.Split(cpe, ":")
	if len(parts) < 5 || parts[0] != "cpe" {
		return "", false
	}
	pair := strings.ToLower(parts[3] + ":" + parts[4])
	for _, p := range products() {
		for _, c := range p.CPE {
			if c == pair {
				return p.ID, true
			}
		}
	}
	return "", false
}

// productForText returns the product named by free text from a feed
// (KEV vendorProject + product, CSAF product names). Longer keywords win, so
// "osimis web viewer" is not read as "orthanc".
func productForText(text string) (string, bool) {
	t := strings.ToLower(text)
	best, bestLen := "", 0
	for _, p := range products() {
		for _, k := range p.Keywords {
			if len(k) > bestLen && strings.Contains(t, k) {
				best, bestLen = p.ID, len(k)
			}
		}
	}
	return best, best != ""
}
