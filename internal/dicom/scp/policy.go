package scp

import (
	"net"
	"strings"

	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
)

// Services is a set of DIMSE services a peer may use.
type Services uint8

// The services an AE policy grants.
const (
	Echo Services = 1 << iota
	Store
	Find
	Move
	Get

	AllServices = Echo | Store | Find | Move | Get
)

// Has reports whether s includes all of t.
func (s Services) Has(t Services) bool { return s&t == t }

func (s Services) String() string {
	var names []string
	for _, n := range []struct {
		s Services
		n string
	}{{Echo, "echo"}, {Store, "store"}, {Find, "find"}, {Move, "move"}, {Get, "get"}} {
		if s.Has(n.s) {
			names = append(names, n.n)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// Refusal says how a refused service is expressed to the peer.
type Refusal uint8

const (
	// RefuseReject rejects the presentation contexts of refused services
	// (result 1, user rejection). DCMTK-like.
	RefuseReject Refusal = iota
	// RefuseAbort accepts the contexts and sends an A-ABORT when the DIMSE
	// request arrives, as Orthanc does for C-FIND/MOVE/GET from unknown AEs.
	RefuseAbort
	// RefuseStatus accepts the contexts and answers the request with status
	// 0x0124 (refused: not authorized).
	RefuseStatus
)

// Peer is a known calling AE.
type Peer struct {
	AE string
	// Hosts the AE may connect from (IP addresses); empty = any host.
	Hosts []string
	Allow Services
}

// Policy is the SCP's access policy. In every refusal mode, a peer
// allowed nothing at all is rejected at association time with reason
// "calling AE title not recognized" (1/1/3), as Orthanc and dcmqrscp do.
type Policy struct {
	// AE is our own AE title.
	AE string
	// CheckCalledAE rejects (1/1/7) an RQ whose called AE is not AE.
	CheckCalledAE bool
	// Peers are the known calling AEs (compared trimmed, case-sensitive).
	Peers []Peer
	// Unknown is what any other calling AE (or a known AE from another
	// host) may do.
	Unknown Services
	// Refusal is how a refused service is expressed.
	Refusal Refusal
}

// allowed returns what the calling AE from remote may do.
func (p *Policy) allowed(callingAE string, remote net.Addr) Services {
	callingAE = strings.TrimSpace(callingAE)
	host := hostOf(remote)
	for _, peer := range p.Peers {
		if strings.TrimSpace(peer.AE) != callingAE {
			continue
		}
		if len(peer.Hosts) == 0 {
			return peer.Allow
		}
		for _, h := range peer.Hosts {
			if ip := net.ParseIP(h); ip != nil && host != nil && ip.Equal(host) {
				return peer.Allow
			}
		}
	}
	return p.Unknown
}

func hostOf(a net.Addr) net.IP {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP
	case nil:
		return nil
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return nil
	}
	return net.ParseIP(h)
}

// associationCheck applies the AE checks; a non-nil RJ refuses the association.
func (p *Policy) associationCheck(rq *pdu.AssociateRQ, remote net.Addr) (Services, *pdu.AssociateRJ) {
	if p.CheckCalledAE && strings.TrimSpace(rq.CalledAE) != strings.TrimSpace(p.AE) {
		return 0, &pdu.AssociateRJ{Result: pdu.RejectPermanent, Source: pdu.RejectSourceServiceUser, Reason: pdu.RejectReasonCalledAENotRecognized}
	}
	allow := p.allowed(rq.CallingAE, remote)
	if allow == 0 {
		return 0, &pdu.AssociateRJ{Result: pdu.RejectPermanent, Source: pdu.RejectSourceServiceUser, Reason: pdu.RejectReasonCallingAENotRecognized}
	}
	return allow, nil
}
