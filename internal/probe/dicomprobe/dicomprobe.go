// Package dicomprobe audits one DICOM listener through the SCU: it
// negotiates with a random called and a random calling AE title, proposes
// every service class in one request and records each context's result,
// tells a called-AE check from a calling-AE check by changing one variable at
// a time (reason codes are recorded, never trusted: dcmqrscp always says
// "called AE title not recognized"), enumerates AE titles from a word list
// (called, calling and pairs, closing at once after every reject), and, when
// asked, tries the services themselves (C-FIND, C-GET, C-MOVE, C-STORE) as
// an unknown AE, because an accepted association is not a granted service.
//
// It keeps counts and statuses only: no data set a peer returns is decoded
// or stored.
package dicomprobe

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/dicom/dimse"
	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
	"github.com/pacsguard/pacsguard/internal/dicom/scu"
	"github.com/pacsguard/pacsguard/internal/dicom/ul"
)

// SOP classes proposed (PS3.4).
const (
	Verification         = "1.2.840.10008.1.1"
	PatientRootFind      = "1.2.840.10008.5.1.4.1.2.1.1"
	PatientRootMove      = "1.2.840.10008.5.1.4.1.2.1.2"
	PatientRootGet       = "1.2.840.10008.5.1.4.1.2.1.3"
	StudyRootFind        = "1.2.840.10008.5.1.4.1.2.2.1"
	StudyRootMove        = "1.2.840.10008.5.1.4.1.2.2.2"
	StudyRootGet         = "1.2.840.10008.5.1.4.1.2.2.3"
	ModalityWorklistFind = "1.2.840.10008.5.1.4.31"
	CTImageStorage       = "1.2.840.10008.5.1.4.1.1.2"
	MRImageStorage       = "1.2.840.10008.5.1.4.1.1.4"
	USImageStorage       = "1.2.840.10008.5.1.4.1.1.6.1"
	CRImageStorage       = "1.2.840.10008.5.1.4.1.1.1"
	DXImageStorage       = "1.2.840.10008.5.1.4.1.1.1.1"
	SCImageStorage       = "1.2.840.10008.5.1.4.1.1.7"
)

// Service classes a context belongs to.
const (
	ServiceEcho     = "echo"
	ServiceStore    = "store"
	ServiceFind     = "find"
	ServiceMove     = "move"
	ServiceGet      = "get"
	ServiceWorklist = "worklist"
)

type proposal struct {
	uid, name, service string
}

var proposals = []proposal{
	{Verification, "Verification", ServiceEcho},
	{PatientRootFind, "Patient Root Q/R FIND", ServiceFind},
	{StudyRootFind, "Study Root Q/R FIND", ServiceFind},
	{PatientRootMove, "Patient Root Q/R MOVE", ServiceMove},
	{StudyRootMove, "Study Root Q/R MOVE", ServiceMove},
	{PatientRootGet, "Patient Root Q/R GET", ServiceGet},
	{StudyRootGet, "Study Root Q/R GET", ServiceGet},
	{ModalityWorklistFind, "Modality Worklist FIND", ServiceWorklist},
	{CTImageStorage, "CT Image Storage", ServiceStore},
	{MRImageStorage, "MR Image Storage", ServiceStore},
	{USImageStorage, "US Image Storage", ServiceStore},
	{CRImageStorage, "CR Image Storage", ServiceStore},
	{DXImageStorage, "DX Image Storage", ServiceStore},
	{SCImageStorage, "Secondary Capture Image Storage", ServiceStore},
}

// DefaultAETitles are out-of-box AE titles of products (dicom-security.md §4.2).
func DefaultAETitles() []string {
	return []string{"ANY-SCP", "ORTHANC", "DCM4CHEE", "CONQUESTSRV1", "STORESCP", "DCMQRSCP", "DICOOGLE-STORAGE", "PYNETDICOM"}
}

// BuiltinWordlist is tried as called and calling titles: the product
// defaults, DCMTK's client titles and common generic names.
func BuiltinWordlist() []string {
	return append(DefaultAETitles(),
		"STORESCU", "ECHOSCU", "FINDSCU", "MOVESCU", "GETSCU", "PACS", "ARCHIVE", "DICOM", "MODALITY", "WORKSTATION", "VIEWER", "CT", "MR", "US", "WS1", "SERVER", "QR", "QRSCP", "AE_TITLE", "OSIRIX", "HOROS")
}

// Mode says how far the probe goes.
type Mode struct {
	// Discovery: one association, no enumeration, no DIMSE.
	Discovery bool
	// Intrusive: C-FIND, C-GET and C-MOVE as an unknown AE.
	Intrusive bool
	// Store: also C-STORE a synthetic test object (needs Intrusive).
	Store bool
}

// Config shapes a probe.
type Config struct {
	Dialer scu.Dialer
	// TLS, when set, runs the association over TLS.
	TLS  *tls.Config
	Mode Mode
	// Wordlist of AE titles (default BuiltinWordlist()).
	Wordlist []string
	// MaxAttempts caps associations for enumeration (default 2000).
	MaxAttempts int
	// Timeout bounds each association step (default 5 s).
	Timeout time.Duration
	// RandomAE returns a fresh random AE title (tests inject one).
	RandomAE func() string
	// AltDialer, when set, connects from another address of the scanning
	// host (AltSource, for the evidence). A node that accepts only known
	// calling AE titles is asked once more, from there, with the pair it
	// accepted: accepting it again means the titles are not tied to host
	// addresses, so anyone who learns one gets in.
	AltDialer scu.Dialer
	AltSource string
}

// Reject is an A-ASSOCIATE-RJ as received.
type Reject struct {
	Result uint8  `json:"result"`
	Source uint8  `json:"source"`
	Reason uint8  `json:"reason"`
	Text   string `json:"text"`
}

// Attempt is one association request and its answer.
type Attempt struct {
	CalledAE  string  `json:"called_ae"`
	CallingAE string  `json:"calling_ae"`
	Answer    string  `json:"answer"` // accepted, rejected, aborted, not-dicom, error
	Reject    *Reject `json:"reject,omitempty"`
}

// Context is one proposed presentation context and its result.
type Context struct {
	Name    string `json:"name"`
	UID     string `json:"uid"`
	Service string `json:"service"`
	Result  string `json:"result"`
}

// Test is the outcome of trying a service as an unknown AE.
type Test struct {
	Service string `json:"service"`
	// Outcome: served, served-empty, refused-abort, refused-status,
	// not-offered, inconclusive, error.
	Outcome string `json:"outcome"`
	Status  string `json:"status,omitempty"` // 0xA801 etc.
	Matches int    `json:"matches,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// Served reports whether the service was actually granted.
func (t *Test) Served() bool {
	return t != nil && (t.Outcome == "served" || t.Outcome == "served-empty")
}

// Check states of an AE-title check.
const (
	CheckNone     = "none"     // not enforced: random title accepted
	CheckEnforced = "enforced" // random rejected, a listed title accepted
	CheckUnknown  = "unknown"  // not decided
)

// Result is what the probe learned.
type Result struct {
	Addr string `json:"addr"`
	TLS  bool   `json:"tls"`
	// DICOM: the peer answered with a valid A-ASSOCIATE-AC or -RJ.
	DICOM    bool   `json:"dicom"`
	NotDICOM bool   `json:"not_dicom,omitempty"`
	Prefix   string `json:"prefix,omitempty"` // hex of the first bytes of a non-DICOM answer
	// First is the association with a random called and calling AE.
	First Attempt `json:"first"`
	// Attempts counts associations made.
	Attempts int `json:"attempts"`
	// Transient: a rejected-transient answer made the verdict inconclusive.
	Transient bool `json:"transient,omitempty"`

	ImplementationClassUID    string    `json:"implementation_class_uid,omitempty"`
	ImplementationVersionName string    `json:"implementation_version_name,omitempty"`
	MaxPDU                    uint32    `json:"max_pdu,omitempty"`
	Contexts                  []Context `json:"contexts,omitempty"`
	// AcceptedWith is the (called, calling) pair the contexts come from.
	AcceptedWith *Attempt `json:"accepted_with,omitempty"`

	CalledAECheck  string `json:"called_ae_check"`
	CallingAECheck string `json:"calling_ae_check"`
	// UnknownCallingAccepted: an association with a random calling AE was accepted.
	UnknownCallingAccepted bool `json:"unknown_calling_accepted"`
	// AnyCalledAccepted: a random called AE was accepted with a random calling AE.
	AnyCalledAccepted bool `json:"any_called_accepted"`
	// AETitles are called titles found accepted; KnownCallingAEs calling
	// titles accepted where random ones were not.
	AETitles        []string `json:"ae_titles,omitempty"`
	KnownCallingAEs []string `json:"known_calling_aes,omitempty"`
	// ReasonMisreported: the reject reason named another cause than the
	// one the variations proved.
	ReasonMisreported string `json:"reason_misreported,omitempty"`
	// CallingHostCheck says whether a known calling AE is tied to host
	// addresses (none: accepted from AltSource too; enforced: rejected
	// there), decided only with Config.AltDialer; AltSourceAttempt is that
	// association.
	CallingHostCheck string   `json:"calling_host_check,omitempty"`
	AltSourceAttempt *Attempt `json:"alt_source_attempt,omitempty"`

	Echo  *Test  `json:"echo,omitempty"`
	Tests []Test `json:"tests,omitempty"`
	// Behaviours for fingerprinting (abort-on-query, storage-only).
	Behaviours []string `json:"behaviours,omitempty"`
	Notes      []string `json:"notes,omitempty"`
}

// Test returns the test of a service, or nil.
func (r *Result) Test(service string) *Test {
	for i := range r.Tests {
		if r.Tests[i].Service == service {
			return &r.Tests[i]
		}
	}
	return nil
}

// Accepted lists the services whose contexts were accepted.
func (r *Result) Accepted() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range r.Contexts {
		if c.Result == "accepted" && !seen[c.Service] {
			seen[c.Service] = true
			out = append(out, c.Service)
		}
	}
	return out
}

// HasAccepted reports whether a service's context was accepted.
func (r *Result) HasAccepted(service string) bool {
	for _, s := range r.Accepted() {
		if s == service {
			return true
		}
	}
	return false
}

// Roles derives device roles from the accepted contexts.
func (r *Result) Roles() []string {
	var roles []string
	st, fi, mv, gt, wl := r.HasAccepted(ServiceStore), r.HasAccepted(ServiceFind), r.HasAccepted(ServiceMove), r.HasAccepted(ServiceGet), r.HasAccepted(ServiceWorklist)
	if st && (fi || mv || gt) {
		roles = append(roles, "archive")
	}
	if st {
		roles = append(roles, "storage")
	}
	if fi || mv || gt {
		roles = append(roles, "query-retrieve")
	}
	if wl {
		roles = append(roles, "worklist")
	}
	if len(roles) == 0 && r.HasAccepted(ServiceEcho) {
		roles = append(roles, "verification-only")
	}
	return roles
}

// maxSilentAttempts ends an enumeration after this many attempts in a row
// without an answer.
const maxSilentAttempts = 3

// ErrNotDICOM is returned when the peer's answer was not a DICOM PDU.
var ErrNotDICOM = errors.New("not DICOM")

// Probe audits the DICOM listener at addr. A dial failure is returned as
// the error with an empty result (the port is closed or filtered).
func Probe(ctx context.Context, cfg Config, addr string) (*Result, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 2000
	}
	if len(cfg.Wordlist) == 0 {
		cfg.Wordlist = BuiltinWordlist()
	}
	if cfg.RandomAE == nil {
		cfg.RandomAE = RandomAE
	}
	p := &prober{cfg: cfg, addr: addr, res: &Result{Addr: addr, TLS: cfg.TLS != nil, CalledAECheck: CheckUnknown, CallingAECheck: CheckUnknown}}
	return p.run(ctx)
}

type prober struct {
	cfg  Config
	addr string
	res  *Result
	// unknownCalling is the random calling AE used throughout.
	unknownCalling string
	// restricted is a (called, calling) pair accepted where the called
	// title refuses unknown calling AEs, on a node that also has open
	// titles (dcmqrscp's PRIVQR beside PUBLICQR).
	restricted *Attempt
}

func (p *prober) run(ctx context.Context) (*Result, error) {
	r := p.res
	called := p.cfg.RandomAE()
	p.unknownCalling = p.cfg.RandomAE()
	a, out, err := p.associate(ctx, called, p.unknownCalling, allProposals())
	r.First = attemptOf(called, p.unknownCalling, out, err)
	switch {
	case out == nil || (!out.Accepted && out.Reject == nil && out.Abort == nil && !out.NotDICOM):
		if a != nil {
			a.Abort()
		}
		return r, err
	case out.NotDICOM:
		r.NotDICOM, r.Prefix = true, fmt.Sprintf("%x", out.Prefix)
		return r, ErrNotDICOM
	}
	r.DICOM = true
	if out.Accepted {
		r.AnyCalledAccepted, r.UnknownCallingAccepted = true, true
		r.CalledAECheck, r.CallingAECheck = CheckNone, CheckNone
		p.record(out, r.First)
		p.echo(ctx, a)
		r.Notes = append(r.Notes, "any called AE title is accepted, so the node's own AE title cannot be learned from the handshake")
		if !p.cfg.Mode.Discovery {
			p.serviceTests(ctx, called, p.unknownCalling)
		}
		return r, nil
	}
	if out.Reject != nil && out.Reject.Result == pdu.RejectTransient {
		r.Transient = true
		return r, nil
	}
	if p.cfg.Mode.Discovery {
		return r, nil
	}
	p.enumerate(ctx, out.Reject)
	if p.cfg.AltDialer != nil {
		switch {
		case r.CallingAECheck == CheckEnforced && r.AcceptedWith != nil:
			p.hostCheck(ctx, *r.AcceptedWith)
		case p.restricted != nil:
			p.hostCheck(ctx, *p.restricted)
		}
	}
	return r, nil
}

// hostCheck repeats an accepted (called, calling) pair whose calling title
// is checked from the other source address: one more association,
// released at once.
func (p *prober) hostCheck(ctx context.Context, with Attempt) {
	r := p.res
	a, out, err := p.associateVia(ctx, p.cfg.AltDialer, with.CalledAE, with.CallingAE, allProposals())
	at := attemptOf(with.CalledAE, with.CallingAE, out, err)
	r.AltSourceAttempt = &at
	switch {
	case out != nil && out.Accepted:
		r.CallingHostCheck = CheckNone
		if a != nil {
			p.release(ctx, a)
		}
	case out != nil && out.Reject != nil && out.Reject.Result != pdu.RejectTransient:
		r.CallingHostCheck = CheckEnforced
	default:
		if a != nil {
			a.Abort()
		}
		r.CallingHostCheck = CheckUnknown
		what := "no answer"
		if err != nil {
			what = err.Error()
		}
		r.Notes = append(r.Notes, fmt.Sprintf("the host-address check from %s was inconclusive: %s", p.cfg.AltSource, what))
	}
}

// associate opens one association; on reject or abort the SCU has already
// closed the connection.
func (p *prober) associate(ctx context.Context, called, calling string, props []scu.Proposal) (*scu.Association, *scu.Outcome, error) {
	return p.associateVia(ctx, p.cfg.Dialer, called, calling, props)
}

// associateVia is associate through another dialer (the host check's).
func (p *prober) associateVia(ctx context.Context, dialer scu.Dialer, called, calling string, props []scu.Proposal) (*scu.Association, *scu.Outcome, error) {
	p.res.Attempts++
	actx, cancel := context.WithTimeout(ctx, 3*p.cfg.Timeout)
	defer cancel()
	cfg := scu.Config{
		Dialer: dialer, Addr: p.addr, CalledAE: called, CallingAE: calling, Contexts: props, TLS: p.cfg.TLS,
		UL: ul.Config{ARTIM: p.cfg.Timeout, ReadTimeout: 2 * p.cfg.Timeout, WriteTimeout: p.cfg.Timeout},
	}
	a, out, err := scu.Associate(actx, cfg)
	if errors.Is(err, scu.ErrNoAcceptableContext) {
		// Accepted, nothing usable; the SCU released it already.
		return nil, out, nil
	}
	return a, out, err
}

func attemptOf(called, calling string, out *scu.Outcome, err error) Attempt {
	at := Attempt{CalledAE: called, CallingAE: calling, Answer: "error"}
	switch {
	case out == nil:
	case out.Accepted:
		at.Answer = "accepted"
	case out.Reject != nil:
		at.Answer = "rejected"
		at.Reject = &Reject{Result: uint8(out.Reject.Result), Source: uint8(out.Reject.Source), Reason: out.Reject.Reason,
			Text: fmt.Sprintf("%s, source %s, reason %s", out.Reject.Result, out.Reject.Source, pdu.RejectReasonString(out.Reject.Source, out.Reject.Reason))}
	case out.Abort != nil:
		at.Answer = "aborted"
	case out.NotDICOM:
		at.Answer = "not-dicom"
	}
	return at
}

func allProposals() []scu.Proposal {
	out := make([]scu.Proposal, len(proposals))
	for i, pr := range proposals {
		out[i] = scu.Proposal{AbstractSyntax: pr.uid}
	}
	return out
}

// record keeps the identity and context results of an accepted association.
func (p *prober) record(out *scu.Outcome, with Attempt) {
	r := p.res
	r.ImplementationClassUID = bound(out.ImplementationClassUID, 64)
	r.ImplementationVersionName = bound(out.ImplementationVersionName, 16)
	r.MaxPDU = out.MaxPDU
	w := with
	r.AcceptedWith = &w
	r.Contexts = nil
	byUID := map[string]proposal{}
	for _, pr := range proposals {
		byUID[pr.uid] = pr
	}
	for _, c := range out.Contexts {
		pr := byUID[c.AbstractSyntax]
		res := "no answer"
		if c.Answered {
			res = contextResult(c.Result)
		}
		r.Contexts = append(r.Contexts, Context{Name: pr.name, UID: c.AbstractSyntax, Service: pr.service, Result: res})
	}
	if r.HasAccepted(ServiceStore) && !r.HasAccepted(ServiceFind) && !r.HasAccepted(ServiceMove) && !r.HasAccepted(ServiceGet) {
		r.Behaviours = appendOnce(r.Behaviours, "storage-only")
	}
}

func contextResult(c pdu.ContextResult) string {
	switch c {
	case pdu.ContextAccepted:
		return "accepted"
	case pdu.ContextUserRejection:
		return "user-rejection"
	case pdu.ContextNoReason:
		return "no-reason"
	case pdu.ContextAbstractSyntaxNotSupported:
		return "abstract-syntax-not-supported"
	case pdu.ContextTransferSyntaxesNotSupported:
		return "transfer-syntaxes-not-supported"
	}
	return fmt.Sprintf("result-%d", uint8(c))
}

// echo sends a C-ECHO on an accepted association and releases it.
func (p *prober) echo(ctx context.Context, a *scu.Association) {
	if a == nil {
		p.res.Echo = &Test{Service: ServiceEcho, Outcome: "not-offered", Detail: "no proposed context was accepted"}
		return
	}
	defer p.release(ctx, a)
	if !p.res.HasAccepted(ServiceEcho) || p.cfg.Mode.Discovery {
		if !p.res.HasAccepted(ServiceEcho) {
			p.res.Echo = &Test{Service: ServiceEcho, Outcome: "not-offered"}
		}
		return
	}
	ectx, cancel := context.WithTimeout(ctx, 2*p.cfg.Timeout)
	defer cancel()
	st, err := a.Echo(ectx)
	p.res.Echo = classify(ServiceEcho, st, err)
}

func (p *prober) release(ctx context.Context, a *scu.Association) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.Timeout)
	defer cancel()
	a.Release(rctx)
}

// enumerate varies one thing at a time after the first reject: listed
// called titles with the random calling title, then listed calling titles
// with the random called title, then pairs.
func (p *prober) enumerate(ctx context.Context, first *pdu.AssociateRJ) {
	r := p.res
	words := dedupe(p.cfg.Wordlist)
	randomCalled := p.cfg.RandomAE()
	var accepted *Attempt
	// lastReject is the reject of the latest attempt (nil when accepted or
	// no reject came back).
	var lastReject *pdu.AssociateRJ
	// failures counts attempts in a row that got no answer at all (timeout,
	// reset): a node that stops answering is left alone.
	failures := 0
	tryPair := func(called, calling string) bool {
		lastReject = nil
		if ctx.Err() != nil || r.Attempts >= p.cfg.MaxAttempts || failures >= maxSilentAttempts {
			return false
		}
		a, out, err := p.associate(ctx, called, calling, allProposals())
		at := attemptOf(called, calling, out, err)
		if out == nil || (!out.Accepted && out.Reject == nil) {
			failures++
			if failures == maxSilentAttempts {
				r.Notes = append(r.Notes, fmt.Sprintf("AE-title enumeration stopped: %d attempts in a row got no answer (%s)", failures, errText(err)))
			}
		} else {
			failures = 0
		}
		if out == nil || !out.Accepted {
			if a != nil {
				a.Abort()
			}
			if out != nil && out.Reject != nil {
				lastReject = out.Reject
				if out.Reject.Result == pdu.RejectTransient {
					r.Transient = true
				}
			}
			return false
		}
		if accepted == nil {
			p.record(out, at)
			accepted = &at
			p.echo(ctx, a)
		} else if a != nil {
			p.release(ctx, a)
		}
		return true
	}
	// A reject whose reason differs from the first one's is a hint that the
	// changed title got past one check. Hints only order the pairs tried
	// below; they never decide a verdict (reason codes can be misreported).
	differs := func() bool {
		return first != nil && lastReject != nil && (lastReject.Source != first.Source || lastReject.Reason != first.Reason)
	}
	var calledHints, callingHints []string
	// 1. Called titles, unknown calling title.
	for _, w := range words {
		if tryPair(w, p.unknownCalling) {
			r.AETitles = appendOnce(r.AETitles, w)
		} else if differs() {
			calledHints = append(calledHints, w)
		}
	}
	openTitles := len(r.AETitles)
	if openTitles > 0 {
		r.CalledAECheck, r.CallingAECheck = CheckEnforced, CheckNone
		r.UnknownCallingAccepted = true
		p.noteMisreport(first, pdu.RejectReasonCalledAENotRecognized)
		if !p.cfg.Mode.Discovery {
			p.serviceTests(ctx, r.AETitles[0], p.unknownCalling)
		}
	} else {
		// 2. Calling titles, random called title.
		for _, w := range words {
			if tryPair(randomCalled, w) {
				r.KnownCallingAEs = appendOnce(r.KnownCallingAEs, w)
			} else if differs() {
				callingHints = append(callingHints, w)
			}
		}
		if len(r.KnownCallingAEs) > 0 {
			r.CalledAECheck, r.CallingAECheck = CheckNone, CheckEnforced
			p.noteMisreport(first, pdu.RejectReasonCallingAENotRecognized)
			r.Notes = append(r.Notes, "any called AE title is accepted from a known calling AE; unknown calling AEs are rejected")
			return
		}
	}
	// 3. Pairs, for the called titles not accepted yet (a node may host
	// open and restricted AEs side by side, as dcmqrscp does): for each,
	// the first calling title accepted. Once one calling title is known to
	// work, the remaining called titles are tried with it alone.
	calledOrder := hintedFirst(calledHints, words)
	callingOrder := hintedFirst(callingHints, words)
	for _, called := range calledOrder {
		if slices.Contains(r.AETitles, called) {
			continue
		}
		callers := callingOrder
		if len(r.KnownCallingAEs) > 0 {
			callers = r.KnownCallingAEs[:1]
		}
		for _, calling := range callers {
			if tryPair(called, calling) {
				r.AETitles = appendOnce(r.AETitles, called)
				r.KnownCallingAEs = appendOnce(r.KnownCallingAEs, calling)
				if p.restricted == nil {
					p.restricted = &Attempt{CalledAE: called, CallingAE: calling}
				}
				break
			}
		}
	}
	if len(r.AETitles) > openTitles {
		if openTitles == 0 {
			r.CalledAECheck, r.CallingAECheck = CheckEnforced, CheckEnforced
		} else {
			r.Notes = append(r.Notes, fmt.Sprintf("AE titles %s accept only known calling AEs (%s)", strings.Join(r.AETitles[openTitles:], ", "), strings.Join(r.KnownCallingAEs, ", ")))
		}
		return
	}
	if openTitles > 0 {
		return
	}
	if r.Attempts >= p.cfg.MaxAttempts {
		r.Notes = append(r.Notes, fmt.Sprintf("AE-title enumeration stopped at %d associations", p.cfg.MaxAttempts))
	}
	r.Notes = append(r.Notes, fmt.Sprintf("rejected every combination of %d listed AE titles as called and calling title; extend with --aet-wordlist", len(words)))
}

// hintedFirst returns words with the hinted ones moved to the front.
func hintedFirst(hints, words []string) []string {
	out := append([]string(nil), hints...)
	for _, w := range words {
		if !slices.Contains(hints, w) {
			out = append(out, w)
		}
	}
	return out
}

// noteMisreport records when the first reject's reason named another
// cause than the one the variations proved.
func (p *prober) noteMisreport(first *pdu.AssociateRJ, proved uint8) {
	if first == nil || first.Source != pdu.RejectSourceServiceUser {
		return
	}
	said := first.Reason
	if (said == pdu.RejectReasonCalledAENotRecognized || said == pdu.RejectReasonCallingAENotRecognized) && said != proved {
		p.res.ReasonMisreported = fmt.Sprintf("the peer said %q but the %s was the cause (found by changing one title at a time)",
			pdu.RejectReasonString(first.Source, said), map[uint8]string{pdu.RejectReasonCalledAENotRecognized: "called AE title", pdu.RejectReasonCallingAENotRecognized: "calling AE title"}[proved])
	}
}

// serviceTests tries the services as the unknown calling AE (intrusive).
func (p *prober) serviceTests(ctx context.Context, called, calling string) {
	r := p.res
	if !p.cfg.Mode.Intrusive {
		return
	}
	r.Tests = append(r.Tests, p.testFind(ctx, called, calling))
	if r.Test(ServiceFind).Outcome == "refused-abort" {
		r.Behaviours = appendOnce(r.Behaviours, "abort-on-query")
	}
	r.Tests = append(r.Tests, p.testGet(ctx, called, calling))
	r.Tests = append(r.Tests, p.testMove(ctx, called, calling))
	if p.cfg.Mode.Store {
		r.Tests = append(r.Tests, p.testStore(ctx, called, calling))
	}
}

func (p *prober) open(ctx context.Context, service, called, calling string, props ...scu.Proposal) (*scu.Association, *Test) {
	a, out, err := p.associate(ctx, called, calling, props)
	if a == nil {
		t := &Test{Service: service, Outcome: "not-offered"}
		switch {
		case out != nil && out.Accepted:
			t.Detail = "context not accepted"
		case out != nil && out.Reject != nil:
			t.Outcome, t.Detail = "refused-status", "association rejected"
		case err != nil:
			t.Outcome, t.Detail = "error", errText(err)
		}
		return nil, t
	}
	return a, nil
}

// queryIdentifier asks for study UIDs only: the least a C-FIND can return.
func queryIdentifier() *dicom.DataSet {
	ds := &dicom.DataSet{}
	ds.Set(dicom.NewString(0x00080052, dicom.VRCS, "STUDY"))
	ds.Set(dicom.NewString(0x0020000D, dicom.VRUI))
	return ds
}

func (p *prober) testFind(ctx context.Context, called, calling string) Test {
	a, t := p.open(ctx, ServiceFind, called, calling, scu.Proposal{AbstractSyntax: StudyRootFind}, scu.Proposal{AbstractSyntax: PatientRootFind})
	if t != nil {
		return *t
	}
	// Always end the association: released when usable, already closed
	// after an abort (Release is then a no-op).
	defer p.release(ctx, a)
	tctx, cancel := context.WithTimeout(ctx, 4*p.cfg.Timeout)
	defer cancel()
	sop := StudyRootFind
	if _, err := a.ContextTransferSyntax(sop); err != nil {
		sop = PatientRootFind
	}
	ident := queryIdentifier()
	if sop == PatientRootFind {
		ident = &dicom.DataSet{}
		ident.Set(dicom.NewString(0x00080052, dicom.VRCS, "PATIENT"))
		ident.Set(dicom.NewString(dicom.TagPatientID, dicom.VRLO))
	}
	ts, _ := a.ContextTransferSyntax(sop)
	b, err := dicom.EncodeDataSet(ident, ts)
	if err != nil {
		return Test{Service: ServiceFind, Outcome: "error", Detail: errText(err)}
	}
	// Cancel at the first match; the match itself is never looked at.
	res, err := a.FindRaw(tctx, sop, b, func([]byte) bool { return false })
	t2 := classify(ServiceFind, res.Status, err)
	t2.Matches = res.Pending
	if err == nil && dimse.IsPending(res.Status) || err == nil && (res.Status == dimse.StatusSuccess || res.Status == dimse.StatusCancel) {
		t2.Outcome = "served"
		if res.Pending == 0 {
			t2.Outcome = "served-empty"
		}
	}
	return *t2
}

// missingStudy is a study UID that exists nowhere.
func missingStudy() *dicom.DataSet {
	ds := &dicom.DataSet{}
	ds.Set(dicom.NewString(0x00080052, dicom.VRCS, "STUDY"))
	ds.Set(dicom.NewString(0x0020000D, dicom.VRUI, dicom.NewUID()))
	return ds
}

func (p *prober) testGet(ctx context.Context, called, calling string) Test {
	a, t := p.open(ctx, ServiceGet, called, calling, scu.Proposal{AbstractSyntax: StudyRootGet}, scu.Proposal{AbstractSyntax: SCImageStorage, SCPRole: true})
	if t != nil {
		return *t
	}
	// Always end the association: released when usable, already closed
	// after an abort (Release is then a no-op).
	defer p.release(ctx, a)
	tctx, cancel := context.WithTimeout(ctx, 4*p.cfg.Timeout)
	defer cancel()
	// Any object sent despite the missing UID is counted and dropped.
	res, err := a.Get(tctx, StudyRootGet, missingStudy(), func(context.Context, string, string, string, []byte) uint16 { return dimse.StatusSuccess })
	t2 := retrieveVerdict(ServiceGet, res, err)
	return t2
}

func (p *prober) testMove(ctx context.Context, called, calling string) Test {
	a, t := p.open(ctx, ServiceMove, called, calling, scu.Proposal{AbstractSyntax: StudyRootMove})
	if t != nil {
		return *t
	}
	// Always end the association: released when usable, already closed
	// after an abort (Release is then a no-op).
	defer p.release(ctx, a)
	tctx, cancel := context.WithTimeout(ctx, 4*p.cfg.Timeout)
	defer cancel()
	dest := "PGNODEST" + randomDigits(8)
	res, err := a.Move(tctx, StudyRootMove, dest, missingStudy())
	t2 := retrieveVerdict(ServiceMove, res, err)
	t2.Detail = strings.TrimSpace(t2.Detail + " destination " + dest + " (unregistered), study UID that exists nowhere")
	return t2
}

// retrieveVerdict: success, warning or pending = served; 0xA801 = destination
// refused (the move service itself ran); 0xCxxx = refused or nothing to do.
func retrieveVerdict(service string, res scu.RetrieveResult, err error) Test {
	t := classify(service, res.Status, err)
	if err != nil {
		return *t
	}
	subOps := int(res.SubOps.Completed) + int(res.SubOps.Failed) + int(res.SubOps.Warning) + int(res.SubOps.Remaining) + res.Stored
	switch {
	case (res.Status == dimse.StatusSuccess || res.Status&0xF000 == 0xB000) && (subOps > 0 || res.Pending > 0):
		t.Outcome = "served"
		t.Matches = subOps
	case res.Status == dimse.StatusSuccess || res.Status&0xF000 == 0xB000:
		t.Outcome, t.Detail = "served-empty", "processed: nothing matched, no sub-operations"
	case res.Status == dimse.StatusMoveDestinationUnknown:
		t.Outcome, t.Detail = "refused-destination", "destination unknown (0xA801): the request was processed, the destination refused"
	case res.Status&0xF000 == 0xC000:
		t.Outcome, t.Detail = "failed-processing", "failed: unable to process (a refusal, or nothing to retrieve)"
	}
	return *t
}

func (p *prober) testStore(ctx context.Context, called, calling string) Test {
	a, t := p.open(ctx, ServiceStore, called, calling, scu.Proposal{AbstractSyntax: SCImageStorage}, scu.Proposal{AbstractSyntax: CTImageStorage})
	if t != nil {
		return *t
	}
	// Always end the association: released when usable, already closed
	// after an abort (Release is then a no-op).
	defer p.release(ctx, a)
	tctx, cancel := context.WithTimeout(ctx, 4*p.cfg.Timeout)
	defer cancel()
	sop := SCImageStorage
	ts, err := a.ContextTransferSyntax(sop)
	if err != nil {
		sop = CTImageStorage
		ts, _ = a.ContextTransferSyntax(sop)
	}
	ds, uid := TestObject(sop)
	b, err := dicom.EncodeDataSet(ds, ts)
	if err != nil {
		return Test{Service: ServiceStore, Outcome: "error", Detail: errText(err)}
	}
	st, err := a.Store(tctx, sop, uid, ts, b)
	t2 := classify(ServiceStore, st, err)
	if err == nil && (st == dimse.StatusSuccess || st&0xF000 == 0xB000) {
		t2.Outcome = "served"
		t2.Detail = "stored test object SOP instance " + uid + " (patient PACSGUARD^TEST OBJECT); delete it"
	}
	return *t2
}

// TestObject builds the synthetic, clearly labelled object the store test
// sends, and returns it with its SOP instance UID.
func TestObject(sopClass string) (*dicom.DataSet, string) {
	uid := dicom.NewUID()
	ds := &dicom.DataSet{}
	ds.Set(dicom.NewString(dicom.TagSpecificCharacterSet, dicom.VRCS, "ISO_IR 100"))
	ds.Set(dicom.NewString(dicom.TagSOPClassUID, dicom.VRUI, sopClass))
	ds.Set(dicom.NewString(dicom.TagSOPInstanceUID, dicom.VRUI, uid))
	ds.Set(dicom.NewString(0x00080060, dicom.VRCS, "OT"))
	ds.Set(dicom.NewString(0x00080064, dicom.VRCS, "WSD"))
	ds.Set(dicom.NewString(0x00081030, dicom.VRLO, "PACSGUARD SECURITY TEST OBJECT - SAFE TO DELETE"))
	ds.Set(dicom.NewString(dicom.TagPatientName, dicom.VRPN, "PACSGUARD^TEST OBJECT"))
	ds.Set(dicom.NewString(dicom.TagPatientID, dicom.VRLO, "PACSGUARD-TEST"))
	ds.Set(dicom.NewString(0x0020000D, dicom.VRUI, dicom.NewUID()))
	ds.Set(dicom.NewString(0x0020000E, dicom.VRUI, dicom.NewUID()))
	return ds, uid
}

// classify turns a DIMSE status or error into a test outcome.
func classify(service string, status uint16, err error) *Test {
	t := &Test{Service: service}
	var ab *ul.AbortError
	switch {
	case errors.As(err, &ab) || errors.Is(err, scu.ErrAborted):
		t.Outcome, t.Detail = "refused-abort", "the peer sent A-ABORT when the request arrived"
	case errors.Is(err, scu.ErrConnectionClosed):
		t.Outcome, t.Detail = "refused-abort", "the peer closed the connection when the request arrived"
	case errors.Is(err, scu.ErrNoContext):
		t.Outcome = "not-offered"
	case err != nil:
		t.Outcome, t.Detail = "error", errText(err)
	default:
		t.Status = fmt.Sprintf("0x%04X", status)
		switch {
		case status == dimse.StatusSuccess:
			t.Outcome = "served"
		case status == dimse.StatusNotAuthorized || status == dimse.StatusSOPClassNotSupported || status&0xF000 == 0xA000:
			t.Outcome = "refused-status"
		case status&0xF000 == 0xC000:
			t.Outcome = "refused-status"
		default:
			t.Outcome = "inconclusive"
		}
	}
	return t
}

func errText(err error) string { return bound(strings.Join(strings.Fields(err.Error()), " "), 200) }

// RandomAE returns a 16-character AE title no node can have configured.
func RandomAE() string { return "PG" + randomDigits(14) }

func randomDigits(n int) string {
	b := make([]byte, n)
	for i := range b {
		v, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			b[i] = '7'
			continue
		}
		b[i] = byte('0' + v.Int64())
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}

func dedupe(words []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range words {
		w = strings.TrimSpace(w)
		if w == "" || len(w) > 16 || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

func appendOnce(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}

// bound caps a device-chosen string and strips control characters.
func bound(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > max {
		s = s[:max]
	}
	return s
}
