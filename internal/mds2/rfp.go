package mds2

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// requirement is one clause of the RFP security annex, in the project's own
// words. Basis cites the guidance it is derived from; Questions are the MDS2
// answers a bidder's form must back it with.
type requirement struct {
	text      string
	basis     []string
	questions []string
}

type requirementGroup struct {
	title string
	reqs  []requirement
}

// rfpGroups are the requirements every imaging purchase gets. They follow
// HICP Technical Volume 2 (sub-practice IDs of the 2019 text), sub-practice 9.L.C (procurement), the other
// Practice 9 sub-practices it relies on, and the principles of the Health
// Sector Coordinating Council's Model Contract-Language for Medtech
// Cybersecurity (MC2, 2022): shared responsibility, transparency about
// components and vulnerabilities, patching through the product's life, and
// standard security controls.
func rfpGroups() []requirementGroup {
	return []requirementGroup{
		{"Disclosure and documentation", []requirement{
			{"The bidder shall supply a complete MDS2 form (ANSI/NEMA HN 1-2019) for the offered device and for every component it needs to operate (consoles, workstations, servers, software), answering every question Yes, No or N/A with notes where asked.", []string{"HICP 9.L.C"}, []string{"DOC-1"}},
			{"The bidder shall supply a network and data-flow diagram and a list of every network port and protocol the device uses, with direction and purpose.", []string{"HICP 9.M.E", "HICP 9.L.C"}, []string{"DOC-10", "CONN-2"}},
			{"The bidder shall operate a coordinated vulnerability disclosure programme and name a security contact for the hospital.", []string{"MC2", "FD&C Act 524B"}, []string{"DOC-8"}},
			{"The bidder shall provide security documentation for administrators, including recommended compensating controls.", []string{"HICP 9.L.C"}, []string{"SGUD-1", "SGUD-4"}},
		}},
		{"Software bill of materials", []requirement{
			{"The bidder shall deliver a machine-readable SBOM (SPDX or CycloneDX) at delivery and with every update, naming each component's supplier, version and end-of-support date.", []string{"HICP 9.M.D", "HICP 9.L.C", "FDA premarket cybersecurity guidance (2023)"}, []string{"SBOM-1", "SBOM-2", "SBOM-4"}},
		}},
		{"Support life and end of support", []requirement{
			{"The device shall run an operating system that is supported and patchable by its maker at delivery; the bidder shall state that operating system and its end-of-support date.", []string{"HICP 9.L.C"}, []string{"CSUP-2", "RDMP-3"}},
			{"The bidder shall state the device's end-of-life and end-of-support dates in the contract, and give at least three years' written notice before either.", []string{"HICP 9.L.C"}, []string{"RDMP-3"}},
			{"The bidder shall keep a plan for third-party components that reach end of life before the device does.", []string{"HICP 9.L.C", "MC2"}, []string{"RDMP-4"}},
		}},
		{"Patching and vulnerability management", []requirement{
			{"The bidder shall assess new vulnerabilities in the device and its components, tell the hospital of those that affect it within a stated time, and provide validated updates or compensating controls for the whole support period.", []string{"HICP 9.L.A", "MC2"}, []string{"CSUP-11", "CSUP-11.1", "CSUP-7"}},
			{"Operating-system security updates shall either be allowed without waiting for the bidder's approval, or be validated within a stated number of days of their release.", []string{"HICP 9.L.C", "HICP 9.M.B"}, []string{"CSUP-2.4", "CSUP-2.2"}},
			{"Updates shall be signed, and the device shall refuse updates that are not the manufacturer's.", []string{"HICP 9.M.B"}, []string{"SAHD-3.2"}},
		}},
		{"Accounts and passwords", []requirement{
			{"The device shall have no hard-coded passwords and no default password that stays usable after installation; every password shall be changeable by the hospital.", []string{"HICP 9.L.C", "HICP 9.M.B"}, []string{"PAUT-5", "SGUD-3.1"}},
			{"Every account, including service and administrator accounts, shall be documented.", []string{"HICP 9.L.C"}, []string{"PAUT-4", "SGUD-3"}},
			{"Users shall log in with individual accounts, preferably from the hospital's directory (LDAP/Active Directory), with role-based privileges and minimal use of administrative rights.", []string{"HICP 9.M.C", "HICP 9.L.C"}, []string{"PAUT-1", "AUTH-1.1", "AUTH-2"}},
		}},
		{"Remote service", []requirement{
			{"Remote service shall use only connections the hospital approves and can start and stop, with an individual account for each vendor engineer (not shared across the vendor's customers) and multi-factor authentication.", []string{"HICP 9.M.C"}, []string{"RMOT-1", "RMOT-1.1", "PAUT-8"}},
			{"The device shall show when a remote session is active and log remote and on-site service sessions.", []string{"HICP 9.M.C"}, []string{"RMOT-1.2", "AUDT-2.8.1"}},
		}},
		{"Malware protection and hardening", []requirement{
			{"The device shall support manufacturer-validated anti-malware software or application allow-listing.", []string{"HICP 9.L.C", "HICP 9.M.B"}, []string{"MLDP-2", "MLDP-4"}},
			{"Ports, services, shares and applications not needed for the intended use shall be disabled at delivery, and booting from removable media shall be preventable.", []string{"HICP 9.M.B"}, []string{"SAHD-7", "SAHD-8", "SAHD-9", "SAHD-10", "SAHD-11"}},
			{"The bidder shall document how the hospital can scan the device for vulnerabilities safely (before go-live or during maintenance).", []string{"HICP 9.L.A"}, []string{"SAHD-13"}},
		}},
		{"Network and encryption", []requirement{
			{"Personal data shall be encrypted in transit: DICOM over TLS, HL7 over TLS, HTTPS for web interfaces and DICOMweb, with TLS 1.2 or later.", []string{"HICP 9.M.B", "CSF PR.DS-02"}, []string{"TXCF-2", "TXCF-5", "CONN-7"}},
			{"The device shall accept connections only from configured peers and support certificate-based authentication of them.", []string{"HICP 9.M.E"}, []string{"TXCF-4", "NAUT-1", "NAUT-3"}},
			{"The device shall work on a segmented network restricted to the traffic it needs, with its firewall rules documented.", []string{"HICP 9.M.E"}, []string{"NAUT-2", "NAUT-2.1"}},
		}},
		{"Data at rest, logging and disposal", []requirement{
			{"Personal data stored on the device shall be encrypted at rest, on by default.", []string{"HICP 9.M.B"}, []string{"STCF-1", "STCF-1.2"}},
			{"The device shall log security events with synchronised time and send them to the hospital's log collection (syslog or IHE ATNA).", []string{"HICP 9.L.B"}, []string{"AUDT-2", "AUDT-4.1.1", "AUDT-5.2"}},
			{"The bidder shall provide a documented way to wipe all data before the device is returned, repaired off-site or decommissioned.", []string{"HICP 9.M.D"}, []string{"SGUD-2"}},
		}},
		{"Acceptance and shared responsibility", []requirement{
			{"Before acceptance, the hospital may check the installed device against its MDS2 (for example with pacsguard mds2 verify, in a maintenance window agreed with clinical engineering); each contradiction is a defect the bidder shall correct or answer with a compensating control.", []string{"HICP 9.L.A", "MC2"}, nil},
			{"The contract shall set out which security tasks fall to the bidder and which to the hospital, and the bidder's response times to security incidents affecting the device.", []string{"MC2"}, nil},
		}},
	}
}

// WriteRFP writes the security requirements of a request for proposal for
// one equipment type, as Markdown.
func WriteRFP(w io.Writer, m *Model, e Equipment) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Security requirements for the purchase of: %s\n\n", e.Title)
	b.WriteString("These requirements are meant for the security annex of a request for information or proposal. ")
	b.WriteString("\"Shall\" marks a requirement a bid must meet or explain. Each requirement names the MDS2 (ANSI/NEMA HN 1-2019) questions whose answers must support it, so bids can be compared with `pacsguard mds2 compare --equipment " + e.Type + "`.\n\n")
	fmt.Fprintf(&b, "Why this equipment differs: %s\n\n", e.Why)
	n := 0
	for _, g := range rfpGroups() {
		fmt.Fprintf(&b, "## %s\n\n", g.title)
		for _, r := range g.reqs {
			n++
			fmt.Fprintf(&b, "%d. %s\n   *Basis: %s.", n, r.text, strings.Join(r.basis, "; "))
			if len(r.questions) > 0 {
				fmt.Fprintf(&b, " MDS2: %s.", strings.Join(r.questions, ", "))
			}
			b.WriteString("*\n")
		}
		b.WriteString("\n")
	}
	if len(e.RFP) > 0 {
		fmt.Fprintf(&b, "## Requirements specific to %s\n\n", e.Title)
		for _, r := range e.RFP {
			n++
			fmt.Fprintf(&b, "%d. %s\n", n, r)
		}
		b.WriteString("\n")
	}
	b.WriteString("## How bids are evaluated\n\n")
	b.WriteString("Any of the following in a bid is a red flag that needs an agreed compensating control before award, whatever the bid's score: default or hard-coded passwords; no transport encryption for DICOM or HL7; an unsupported operating system; no SBOM; neither anti-malware nor allow-listing; vendor remote access without multi-factor authentication; no end-of-support date, or less than three years' notice.\n\n")
	fmt.Fprintf(&b, "Bids are then scored from their MDS2 answers with weights for %s. The controls weighing most:\n\n", e.Title)
	controls := m.Weights.Effective(e)
	sort.SliceStable(controls, func(i, j int) bool { return controls[i].Weight > controls[j].Weight })
	b.WriteString("| MDS2 | Control | Weight | Why |\n|---|---|---:|---|\n")
	for i, c := range controls {
		if i == 12 {
			break
		}
		q, _ := m.Catalogue.Question(c.ID)
		why := c.Reason
		if c.Adjusted != "" {
			why = c.Adjusted
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s |\n", c.ID, md(q.Label), c.Weight, md(why))
	}
	b.WriteString("\n## Sources\n\n")
	b.WriteString("- HHS 405(d) and HSCC, *Health Industry Cybersecurity Practices* (HICP), Technical Volume 2, Practice 9 (medical device security); sub-practice IDs as in the 2019 text, where 9.L.C covers procurement. https://405d.hhs.gov/\n")
	b.WriteString("- Health Sector Coordinating Council, *Model Contract-Language for Medtech Cybersecurity* (MC2), March 2022; a second version was published in November 2025. https://healthsectorcouncil.org/model-contract-language-for-medtech-cybersecurity-mc2/ The requirements above follow its principles in pacsguard's own words; they do not quote it.\n")
	b.WriteString("- NEMA, ANSI/NEMA HN 1-2019, *Manufacturer Disclosure Statement for Medical Device Security* (MDS2).\n")
	b.WriteString("- U.S. FDA, *Cybersecurity in Medical Devices: Quality System Considerations and Content of Premarket Submissions*, September 2023 (SBOM contents).\n\n")
	b.WriteString("Generated by pacsguard. Review with your legal and clinical engineering teams before use; this is not legal advice.\n")
	_, err := io.WriteString(w, b.String())
	return err
}
