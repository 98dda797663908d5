package vulndb

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

// ComponentKind says where in a product a flaw lives, which decides whether a
// fingerprinted network service can be said to run the flawed code.
type ComponentKind int

const (
	// ComponentUnknown is a component the table does not name (or none):
	// the advisory is treated as reachable, since nothing says otherwise.
	ComponentUnknown ComponentKind = iota
	// ComponentNetworkPath is code every network service of the toolkit runs:
	// association and DIMSE handling, data set parsing, TLS.
	ComponentNetworkPath
	// ComponentServerTool is one of the toolkit's own servers (storescp,
	// dcmqrscp, wlmscpfs); the roles a service shows decide whether it is one.
	ComponentServerTool
	// ComponentClientTool is a client (SCU) tool: it never listens, so a
	// scanned service is not it.
	ComponentClientTool
	// ComponentProcessing is image processing, codecs of compressed pixel
	// data, structured documents and the file conversion tools: a network
	// service that stores and forwards data sets need not run them.
	ComponentProcessing
)

// dcmtkComponents names DCMTK's modules and tools by kind. The module and tool
// names are DCMTK's own (its source tree has one directory per module; tools
// live in the module's apps directory).
func dcmtkComponents() map[string]ComponentKind {
	return map[string]ComponentKind{
		"dcmnet": ComponentNetworkPath, "dcmdata": ComponentNetworkPath, "dcmtls": ComponentNetworkPath, "ofstd": ComponentNetworkPath, "oflog": ComponentNetworkPath,
		"storescp": ComponentServerTool, "dcmrecv": ComponentServerTool, "dcmqrdb": ComponentServerTool, "dcmqrscp": ComponentServerTool, "dcmwlm": ComponentServerTool, "wlmscpfs": ComponentServerTool,
		// dcmscu is dcmnet's DcmSCU class, the client side that getscu and
		// applications embedding it use to retrieve; a flaw there is reached
		// by a malicious SCP the host connects to, not through a listening port.
		"dcmscu":   ComponentClientTool,
		"storescu": ComponentClientTool, "getscu": ComponentClientTool, "movescu": ComponentClientTool, "findscu": ComponentClientTool, "echoscu": ComponentClientTool, "dcmsend": ComponentClientTool,
		"dcmimgle": ComponentProcessing, "dcmimage": ComponentProcessing, "dcmjpeg": ComponentProcessing, "dcmjpls": ComponentProcessing, "dcmrt": ComponentProcessing,
		"dcmsr": ComponentProcessing, "dcmpstat": ComponentProcessing, "dcmect": ComponentProcessing, "dcmseg": ComponentProcessing, "dcmiod": ComponentProcessing,
		"dcmfg": ComponentProcessing, "dcmtract": ComponentProcessing, "dcmpmap": ComponentProcessing, "dcmsign": ComponentProcessing,
		"img2dcm": ComponentProcessing, "dcm2pnm": ComponentProcessing, "dcm2img": ComponentProcessing, "dcmj2pnm": ComponentProcessing, "dcmdjpeg": ComponentProcessing,
		"dcmcjpeg": ComponentProcessing, "dcmdjpls": ComponentProcessing, "dcmcjpls": ComponentProcessing, "dcmdrle": ComponentProcessing, "dcmcrle": ComponentProcessing,
		"dcmdump": ComponentProcessing, "dcmconv": ComponentProcessing, "dcmodify": ComponentProcessing, "dcm2xml": ComponentProcessing, "dcm2json": ComponentProcessing,
		"xml2dcm": ComponentProcessing, "json2dcm": ComponentProcessing, "pdf2dcm": ComponentProcessing, "dcmpsprt": ComponentProcessing,
	}
}

// componentTable returns the component table of a product, nil when the
// product has none (its component field is free text).
func componentTable(product string) map[string]ComponentKind {
	if product == "dcmtk" {
		return dcmtkComponents()
	}
	return nil
}

// Components splits the component field ("storescp, dcmrecv") into
// lower-case names.
func (a Advisory) Components() []string {
	var out []string
	for _, c := range strings.Split(a.Component, ",") {
		if c = strings.ToLower(strings.TrimSpace(c)); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// serverToolSeen reports whether the roles a scan recorded are those of a
// DCMTK server tool: storescp and dcmrecv accept storage and reject every
// query/retrieve context; dcmqrscp offers query/retrieve; wlmscpfs offers
// the worklist. The worklist test is any worklist offer, not worklist only:
// a DCMTK-based product offering it may embed dcmwlm, and hiding a real
// flaw is worse than claiming one the service may have.
func serverToolSeen(tool string, roles []string) bool {
	has := func(r string) bool { return slices.Contains(roles, r) }
	switch tool {
	case "storescp", "dcmrecv":
		return has("storage") && !has("query-retrieve")
	case "dcmqrdb", "dcmqrscp":
		return has("query-retrieve")
	case "dcmwlm", "wlmscpfs":
		return has("worklist")
	}
	return false
}

// Applicability is the verdict on one matched advisory for one service.
type Applicability int

const (
	// Applies: the flawed code is in the path the service is known to run.
	Applies Applicability = iota
	// NotObserved: the flaw is in a component the service was not seen to
	// run; it is listed in one info finding, not claimed.
	NotObserved
)

// Applicable decides whether advisory a, matched by version, concerns what
// svc is known to run, and says why in words. The service is the product its
// fingerprint names, else (known only by its wire identity) the advisory's
// toolkit itself. Advisories without a component, of products without a
// component table, or naming a component the table does not know apply: only
// a known component that the service is known not to run, or cannot be shown
// to run, moves an advisory out of the findings. One applying component is
// enough.
func Applicable(svc inventory.Service, a Advisory) (Applicability, string) {
	runs := nameOr(svc.Product, a.Product)
	table := componentTable(a.Product)
	comps := a.Components()
	if table == nil || len(comps) == 0 {
		return Applies, ""
	}
	name := productName(a.Product)
	// Components that do not apply are grouped by reason, so that
	// "dcmqrdb, dcmqrscp" get one sentence.
	var order []string
	groups := map[string][]string{}
	add := func(reason, c string) {
		if _, ok := groups[reason]; !ok {
			order = append(order, reason)
		}
		groups[reason] = append(groups[reason], c)
	}
	for _, c := range comps {
		switch table[c] {
		case ComponentUnknown:
			return Applies, ""
		case ComponentNetworkPath:
			return Applies, c + " is in the network and data set path of every " + name + " service"
		case ComponentServerTool:
			switch {
			case runs != a.Product:
				add(fmt.Sprintf("%s server tools, and this service is %s, which links %s but does not run its tools", name, productName(runs), name), c)
			case serverToolSeen(c, svc.Roles):
				// Products built on the toolkit answer with the same identity; the
				// roles make the tool likely, not certain.
				return Applies, "the service's roles (" + strings.Join(svc.Roles, ", ") + ") are those of " + c +
					" (a " + name + "-based product with the same roles may not run the tool)"
			case len(svc.Roles) == 0:
				add(name+" server tools, and no roles of this service were observed to tell which tool it is", c)
			default:
				add(name+" server tools whose roles differ from this service's ("+strings.Join(svc.Roles, ", ")+")", c)
			}
		case ComponentClientTool:
			add("client (SCU) code, which does not listen: it is reached when the host connects to a malicious peer", c)
		case ComponentProcessing:
			if runs != a.Product {
				// Orthanc, for one, decodes and transcodes images with the
				// DCMTK it links: not seen from the network, but not ruled out.
				add(fmt.Sprintf("image processing or file tools, not observed from the network; %s links %s and may use its image code when it renders or transcodes, so ask its vendor", productName(runs), name), c)
				continue
			}
			add("image processing or file tools, which a network service need not run", c)
		}
	}
	why := make([]string, 0, len(order))
	for _, reason := range order {
		why = append(why, strings.Join(groups[reason], ", ")+": "+reason)
	}
	return NotObserved, strings.Join(why, "; ")
}
