package lab

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/pacsguard/pacsguard/internal/dicom"
)

// webHandler imitates the parts of Orthanc's REST API and DICOMweb that
// scanners look at: /system, the explorer redirect, the Basic realm and a
// QIDO-RS studies endpoint with synthetic studies. Write methods are
// refused: the lab is read-only on the web too.
func webHandler(w Web) http.Handler {
	version := w.OrthancVersion
	if version == "" {
		version = "1.10.1"
	}
	aet := w.DicomAET
	if aet == "" {
		aet = "ORTHANC"
	}
	mux := http.NewServeMux()
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(rw http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				http.Error(rw, "the lab is read-only", http.StatusMethodNotAllowed)
				return
			}
			switch w.Auth {
			case "default-credentials", "strong":
				u, p, ok := r.BasicAuth()
				want := "orthanc"
				if w.Auth == "strong" {
					want = "a-long-random-lab-password"
				}
				if !ok || u != "orthanc" || p != want {
					rw.Header().Set("WWW-Authenticate", `Basic realm="Orthanc Secure Area"`)
					http.Error(rw, "", http.StatusUnauthorized)
					return
				}
			}
			h(rw, r)
		}
	}
	mux.HandleFunc("/", auth(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(rw, r)
			return
		}
		rw.Header().Set("Location", "app/explorer.html")
		rw.WriteHeader(http.StatusMovedPermanently)
	}))
	mux.HandleFunc("/app/explorer.html", auth(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(rw, "<!doctype html><title>Orthanc Explorer (pacsguard lab)</title><p>Simulated web viewer.")
	}))
	mux.HandleFunc("/system", auth(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		json.NewEncoder(rw).Encode(map[string]any{
			"ApiVersion": 16, "DicomAet": aet, "DicomPort": w.DicomPort, "HttpPort": 8042,
			"IsHttpServerSecure": w.Auth == "default-credentials" || w.Auth == "strong",
			"Name":               "pacsguard-lab", "Version": version,
		})
	}))
	mux.HandleFunc("/dicom-web/studies", auth(func(rw http.ResponseWriter, r *http.Request) {
		n := w.Studies
		if l, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && l >= 0 && l < n {
			n = l
		}
		studies := make([]map[string]any, 0, n)
		for i := 1; i <= n; i++ {
			studies = append(studies, map[string]any{
				"0020000D": map[string]any{"vr": "UI", "Value": []string{fmt.Sprintf("%s.6.0.%d", dicom.UIDRoot, i)}},
				"00100010": map[string]any{"vr": "PN", "Value": []map[string]string{{"Alphabetic": fmt.Sprintf("LABPATIENT^SYNTHETIC%d", i)}}},
			})
		}
		rw.Header().Set("Content-Type", "application/dicom+json")
		json.NewEncoder(rw).Encode(studies)
	}))
	return mux
}
