package filescan

import (
	"bytes"
	"compress/zlib"
	"io"
	"regexp"
	"sort"
)

// Active content in encapsulated documents (0042,0011). The content is
// streamed through a bounded window: a document of any size costs one chunk
// of memory, and tokens that straddle two chunks are seen thanks to an
// overlap between consecutive windows.

const (
	docChunk   = 64 << 10
	docOverlap = 256
)

// DocContent is what the scan of a document found. Indicators are sorted
// and unique, and are names of constructs, never document text.
type DocContent struct {
	Format string // pdf, html, xml, text or binary (by content, not by the declared MIME type)
	// PDF names that make a PDF act on its own: JavaScript, JS, OpenAction, Launch, EmbeddedFile, AA.
	PDFActive []string
	// HTML or script constructs: <script>, javascript: URLs, event handler attributes, <iframe>...
	Script []string
	// XML entity declarations that reference external resources.
	ExternalEntities []string
	// Scanned is how many bytes were looked at; Truncated says the cap was reached.
	Scanned   int64
	Truncated bool
	// Inflated is how many bytes of FlateDecode streams were decompressed
	// and scanned (PDFs of at most 8 MiB).
	Inflated int64
}

const (
	// PDFs up to this size also have their FlateDecode streams scanned:
	// object streams (PDF 1.5) hide action dictionaries from a byte scan.
	maxInflatePDF = 8 << 20
	// maxInflated bounds the decompressed bytes per document (zip bombs).
	maxInflated = 32 << 20
)

// pdfActiveNames are the PDF dictionary keys and types that run code or act
// without the reader's consent (ISO 32000-1 §12.6, §7.11.4).
var pdfActiveNames = map[string]bool{
	"JavaScript": true, "JS": true, "OpenAction": true, "Launch": true, "EmbeddedFile": true, "AA": true,
}

var (
	scriptPatterns = []struct {
		name string
		re   *regexp.Regexp
	}{
		{"<script>", regexp.MustCompile(`(?i)<script[\s>/]`)},
		{"javascript: URL", regexp.MustCompile(`(?i)javascript\s{0,20}:`)},
		{"vbscript: URL", regexp.MustCompile(`(?i)vbscript\s{0,20}:`)},
		{"event handler attribute", regexp.MustCompile(`(?i)<[a-z][^>]{0,160}\son[a-z]{3,24}\s{0,20}=`)},
		{"<iframe>", regexp.MustCompile(`(?i)<iframe[\s>/]`)},
		{"<object>", regexp.MustCompile(`(?i)<object[\s>/]`)},
		{"<embed>", regexp.MustCompile(`(?i)<embed[\s>/]`)},
	}
	// <!ENTITY name SYSTEM "uri"> and the PUBLIC form, parameter entities
	// included. Every pattern is bounded so that a match fits in the
	// overlap between windows.
	externalEntity = regexp.MustCompile(`<!ENTITY\s{1,20}(%\s{0,20})?[^\s>]{1,100}\s{1,20}(SYSTEM|PUBLIC)[\s"']`)
)

// ScanDocument looks for active content in the n bytes of r at off, at most
// limit bytes of them.
func ScanDocument(r io.ReaderAt, off, n, limit int64) (DocContent, error) {
	return scanDocument(r, off, n, limit, docChunk)
}

// scanDocument reads windows of chunk bytes plus the overlap; what it finds
// does not depend on chunk (the fuzz test holds it to that).
func scanDocument(r io.ReaderAt, off, n, limit int64, chunk int) (DocContent, error) {
	var dc DocContent
	if n > limit {
		n, dc.Truncated = limit, true
	}
	pdfNames := map[string]bool{}
	scripts := map[string]bool{}
	entities := map[string]bool{}
	if n <= 0 {
		return dc, nil
	}
	buf := make([]byte, min(n, int64(chunk+docOverlap)))
	var pos int64 // bytes of the document consumed
	keep := 0     // bytes at the start of buf carried over from the last window
	for {
		want := int(min(int64(len(buf)-keep), n-pos))
		got, err := r.ReadAt(buf[keep:keep+want], off+pos)
		if got < want {
			// The input ends early (a truncated file): scan what is there.
			if got == 0 && err != nil && err != io.EOF {
				return dc, err
			}
			n = pos + int64(got)
		}
		pos += int64(got)
		win := buf[:keep+got]
		final := pos >= n
		if dc.Format == "" {
			dc.Format = sniffDocument(win)
		}
		switch dc.Format {
		case "pdf":
			pdfScan(win, final, pdfNames)
		default:
			for _, p := range scriptPatterns {
				if !scripts[p.name] && p.re.Match(win) {
					scripts[p.name] = true
				}
			}
			for _, m := range externalEntity.FindAllSubmatch(win, -1) {
				entities["ENTITY "+string(m[2])] = true
			}
		}
		if final {
			break
		}
		keep = min(docOverlap, len(win))
		copy(buf, win[len(win)-keep:])
	}
	dc.Scanned = pos
	if dc.Format == "pdf" && n <= maxInflatePDF {
		doc := make([]byte, n)
		if got, _ := r.ReadAt(doc, off); int64(got) == n {
			dc.Inflated = pdfInflateScan(doc, pdfNames)
		}
	}
	dc.PDFActive = sortedKeys(pdfNames)
	dc.Script = sortedKeys(scripts)
	dc.ExternalEntities = sortedKeys(entities)
	return dc, nil
}

// sniffDocument classifies a document by its first bytes.
func sniffDocument(b []byte) string {
	head := b[:min(len(b), 1024)]
	if bytes.Contains(head, []byte("%PDF-")) {
		return "pdf" // readers accept junk before the header
	}
	t := bytes.TrimLeft(head, "\xef\xbb\xbf \t\r\n")
	lower := bytes.ToLower(t[:min(len(t), 256)])
	switch {
	case bytes.HasPrefix(lower, []byte("<!doctype html")), bytes.HasPrefix(lower, []byte("<html")), bytes.Contains(lower, []byte("<html")):
		return "html"
	case bytes.HasPrefix(t, []byte("<?xml")), bytes.HasPrefix(t, []byte("<!DOCTYPE")), bytes.HasPrefix(t, []byte("<")):
		return "xml"
	}
	for _, c := range head {
		if c < 0x09 || (c > 0x0d && c < 0x20) {
			return "binary"
		}
	}
	return "text"
}

// pdfScan records the active PDF names in win. A name that runs to the end
// of a window that is not the last may be cut short; the next window sees
// it whole thanks to the overlap.
func pdfScan(win []byte, final bool, found map[string]bool) {
	for i := 0; i < len(win); i++ {
		if win[i] != '/' {
			continue
		}
		j := i + 1
		for j < len(win) && pdfRegular(win[j]) {
			j++
		}
		if j == len(win) && !final {
			return
		}
		if name := pdfName(win[i+1 : j]); pdfActiveNames[name] {
			found[name] = true
		}
		i = j - 1
	}
}

// pdfRegular is a PDF regular character (ISO 32000-1 §7.2.2).
func pdfRegular(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ', '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return false
	}
	return true
}

// pdfName decodes #xx escapes, which hide "/J#61vaScript" from naive scanners.
func pdfName(b []byte) string {
	if bytes.IndexByte(b, '#') < 0 {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '#' && i+2 < len(b) {
			if h, ok := unhex(b[i+1], b[i+2]); ok {
				out = append(out, h)
				i += 2
				continue
			}
		}
		out = append(out, b[i])
	}
	return string(out)
}

func unhex(a, b byte) (byte, bool) {
	x, ok1 := hexVal(a)
	y, ok2 := hexVal(b)
	return x<<4 | y, ok1 && ok2
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func sortedKeys(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// pdfInflateScan decompresses every FlateDecode stream of doc (within
// maxInflated in all) and records the active names inside.
func pdfInflateScan(doc []byte, found map[string]bool) int64 {
	var total int64
	buf := make([]byte, docChunk)
	for i := 0; i < len(doc) && total < maxInflated; {
		j := bytes.Index(doc[i:], []byte("stream"))
		if j < 0 {
			break
		}
		k := i + j + len("stream")
		i = k
		if k >= len(doc) || (doc[k] != '\r' && doc[k] != '\n') || (i-len("stream") >= 3 && string(doc[i-len("stream")-3:i-len("stream")]) == "end") {
			continue
		}
		if doc[k] == '\r' {
			k++
		}
		if k < len(doc) && doc[k] == '\n' {
			k++
		}
		// The stream's dictionary is just before the keyword.
		dictStart := max(0, i-len("stream")-1024)
		if d := bytes.LastIndex(doc[dictStart:i], []byte("obj")); d >= 0 {
			dictStart += d
		}
		names := map[string]bool{}
		pdfScanAll(doc[dictStart:i-len("stream")], names)
		if !names["FlateDecode"] && !names["Fl"] {
			continue
		}
		zr, err := zlib.NewReader(bytes.NewReader(doc[k:]))
		if err != nil {
			continue
		}
		lr := io.LimitReader(zr, maxInflated-total)
		carry := 0
		for {
			got, err := io.ReadFull(lr, buf[carry:])
			win := buf[:carry+got]
			total += int64(got)
			final := err != nil
			pdfScan(win, final, found)
			if final {
				break
			}
			carry = min(docOverlap, len(win))
			copy(buf, win[len(win)-carry:])
		}
		zr.Close()
	}
	return total
}

// pdfScanAll collects every name in b (not only the active ones).
func pdfScanAll(b []byte, names map[string]bool) {
	for i := 0; i < len(b); i++ {
		if b[i] != '/' {
			continue
		}
		j := i + 1
		for j < len(b) && pdfRegular(b[j]) {
			j++
		}
		names[pdfName(b[i+1:j])] = true
		i = j - 1
	}
}
