package pdu

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Decode decodes one complete PDU (header included) with the default limits.
// The whole of b must be the PDU: trailing bytes are an error.
func Decode(b []byte) (PDU, error) { return DecodeWithLimits(b, Limits{}) }

// DecodeWithLimits decodes one complete PDU (header included).
func DecodeWithLimits(b []byte, lim Limits) (PDU, error) {
	if len(b) < HeaderLen {
		return nil, fmt.Errorf("%w: %d bytes, shorter than a PDU header", ErrMalformed, len(b))
	}
	t := Type(b[0])
	n := binary.BigEndian.Uint32(b[2:6])
	if uint64(n) != uint64(len(b)-HeaderLen) {
		return nil, fmt.Errorf("%w: %s length field %d, %d bytes present", ErrMalformed, t, n, len(b)-HeaderLen)
	}
	return DecodeBody(t, b[HeaderLen:], lim)
}

// DecodeBody decodes the body of a PDU of type t (the bytes after the header).
func DecodeBody(t Type, body []byte, lim Limits) (PDU, error) {
	switch t {
	case TypeAssociateRQ:
		return decodeAssociateRQ(body, lim)
	case TypeAssociateAC:
		return decodeAssociateAC(body, lim)
	case TypeAssociateRJ:
		if len(body) != 4 {
			return nil, fmt.Errorf("%w: A-ASSOCIATE-RJ body of %d bytes, want 4", ErrMalformed, len(body))
		}
		return &AssociateRJ{Result: RejectResult(body[1]), Source: RejectSource(body[2]), Reason: body[3]}, nil
	case TypePDataTF:
		return decodePData(body, lim)
	case TypeReleaseRQ, TypeReleaseRP:
		if len(body) != 4 {
			return nil, fmt.Errorf("%w: %s body of %d bytes, want 4", ErrMalformed, t, len(body))
		}
		if t == TypeReleaseRQ {
			return &ReleaseRQ{}, nil
		}
		return &ReleaseRP{}, nil
	case TypeAbort:
		if len(body) != 4 {
			return nil, fmt.Errorf("%w: A-ABORT body of %d bytes, want 4", ErrMalformed, len(body))
		}
		return &Abort{Source: AbortSource(body[2]), Reason: AbortReason(body[3])}, nil
	}
	return nil, fmt.Errorf("%w 0x%02X", ErrUnknownType, uint8(t))
}

func decodePData(body []byte, lim Limits) (*PDataTF, error) {
	p := &PDataTF{}
	if err := DecodePDataInto(p, body, lim); err != nil {
		return nil, err
	}
	return p, nil
}

// DecodePDataInto decodes a P-DATA-TF body into p, reusing p.Items' array,
// so that a receiver need not allocate per PDU.
func DecodePDataInto(p *PDataTF, body []byte, lim Limits) error {
	p.Items = p.Items[:0]
	for off := 0; off < len(body); {
		if len(p.Items) >= lim.maxPDVs() {
			return fmt.Errorf("%w: more than %d PDVs", ErrTooManyItems, lim.maxPDVs())
		}
		if len(body)-off < 4 {
			return fmt.Errorf("%w: truncated PDV length at offset %d", ErrMalformed, off)
		}
		n := uint64(binary.BigEndian.Uint32(body[off:]))
		off += 4
		// A PDV holds at least its context ID and control header.
		if n < 2 || n > uint64(len(body)-off) {
			return fmt.Errorf("%w: PDV length %d with %d bytes left", ErrMalformed, n, len(body)-off)
		}
		end := off + int(n)
		p.Items = append(p.Items, PDV{ContextID: body[off], Control: body[off+1], Data: body[off+2 : end : end]})
		off = end
	}
	if len(p.Items) == 0 {
		return fmt.Errorf("%w: P-DATA-TF without PDV items", ErrMalformed)
	}
	return nil
}

// assocHeader is the fixed part shared by A-ASSOCIATE-RQ and -AC.
type assocHeader struct {
	version         uint16
	called, calling string
}

const assocFixedLen = 2 + 2 + 16 + 16 + 32

func decodeAssocFixed(body []byte) (assocHeader, []byte, error) {
	if len(body) < assocFixedLen {
		return assocHeader{}, nil, fmt.Errorf("%w: associate PDU body of %d bytes, shorter than its fixed part", ErrMalformed, len(body))
	}
	h := assocHeader{
		version: binary.BigEndian.Uint16(body[0:2]),
		called:  trimAE(body[4:20]),
		calling: trimAE(body[20:36]),
	}
	return h, body[assocFixedLen:], nil
}

// trimAE drops the space padding PS3.8 says is not significant. Some
// implementations pad with NULs; those go too.
func trimAE(b []byte) string {
	return strings.Trim(string(b), " \x00")
}

// trimUID drops trailing NUL or space padding some implementations add to UIDs.
func trimUID(b []byte) string {
	return strings.TrimRight(string(b), "\x00 ")
}

// item is one variable item: type, reserved byte, 16-bit length, value.
type item struct {
	typ      uint8
	reserved uint8
	value    []byte
}

// splitItems splits b into items, counting them against *budget.
func splitItems(b []byte, budget *int, where string) ([]item, error) {
	var items []item
	for off := 0; off < len(b); {
		if *budget <= 0 {
			return nil, fmt.Errorf("%w in %s", ErrTooManyItems, where)
		}
		*budget--
		if len(b)-off < 4 {
			return nil, fmt.Errorf("%w: truncated item header in %s at offset %d", ErrMalformed, where, off)
		}
		n := int(binary.BigEndian.Uint16(b[off+2:]))
		if n > len(b)-off-4 {
			return nil, fmt.Errorf("%w: item 0x%02X in %s claims %d bytes, %d left", ErrMalformed, b[off], where, n, len(b)-off-4)
		}
		items = append(items, item{typ: b[off], reserved: b[off+1], value: b[off+4 : off+4+n : off+4+n]})
		off += 4 + n
	}
	return items, nil
}

func decodeAssociateRQ(body []byte, lim Limits) (*AssociateRQ, error) {
	h, rest, err := decodeAssocFixed(body)
	if err != nil {
		return nil, err
	}
	rq := &AssociateRQ{ProtocolVersion: h.version, CalledAE: h.called, CallingAE: h.calling}
	budget := lim.maxItems()
	items, err := splitItems(rest, &budget, "A-ASSOCIATE-RQ")
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		switch it.typ {
		case ItemApplicationContext:
			rq.ApplicationContext = trimUID(it.value)
		case ItemPresentationContextRQ:
			pc, err := decodePresentationContextRQ(it.value, &budget)
			if err != nil {
				return nil, err
			}
			rq.PresentationContexts = append(rq.PresentationContexts, pc)
		case ItemUserInformation:
			if err := decodeUserInfo(it.value, &budget, &rq.UserInfo); err != nil {
				return nil, err
			}
		default:
			rq.Unknown = append(rq.Unknown, RawItem{Type: it.typ, Reserved: it.reserved, Data: it.value})
		}
	}
	return rq, nil
}

func decodeAssociateAC(body []byte, lim Limits) (*AssociateAC, error) {
	h, rest, err := decodeAssocFixed(body)
	if err != nil {
		return nil, err
	}
	ac := &AssociateAC{ProtocolVersion: h.version, CalledAE: h.called, CallingAE: h.calling}
	budget := lim.maxItems()
	items, err := splitItems(rest, &budget, "A-ASSOCIATE-AC")
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		switch it.typ {
		case ItemApplicationContext:
			ac.ApplicationContext = trimUID(it.value)
		case ItemPresentationContextAC:
			pc, err := decodePresentationContextAC(it.value, &budget)
			if err != nil {
				return nil, err
			}
			ac.PresentationContexts = append(ac.PresentationContexts, pc)
		case ItemUserInformation:
			if err := decodeUserInfo(it.value, &budget, &ac.UserInfo); err != nil {
				return nil, err
			}
		default:
			ac.Unknown = append(ac.Unknown, RawItem{Type: it.typ, Reserved: it.reserved, Data: it.value})
		}
	}
	return ac, nil
}

func decodePresentationContextRQ(b []byte, budget *int) (PresentationContext, error) {
	if len(b) < 4 {
		return PresentationContext{}, fmt.Errorf("%w: presentation context item of %d bytes", ErrMalformed, len(b))
	}
	pc := PresentationContext{ID: b[0]}
	subs, err := splitItems(b[4:], budget, "presentation context")
	if err != nil {
		return pc, err
	}
	seenAbstract := false
	for _, s := range subs {
		switch s.typ {
		case ItemAbstractSyntax:
			if seenAbstract {
				return pc, fmt.Errorf("%w: presentation context %d has two abstract syntaxes", ErrMalformed, pc.ID)
			}
			seenAbstract = true
			pc.AbstractSyntax = trimUID(s.value)
		case ItemTransferSyntax:
			pc.TransferSyntaxes = append(pc.TransferSyntaxes, trimUID(s.value))
		default:
			return pc, fmt.Errorf("%w: sub-item 0x%02X in presentation context %d", ErrMalformed, s.typ, pc.ID)
		}
	}
	if !seenAbstract {
		return pc, fmt.Errorf("%w: presentation context %d without abstract syntax", ErrMalformed, pc.ID)
	}
	return pc, nil
}

func decodePresentationContextAC(b []byte, budget *int) (PresentationContextResult, error) {
	if len(b) < 4 {
		return PresentationContextResult{}, fmt.Errorf("%w: presentation context item of %d bytes", ErrMalformed, len(b))
	}
	pc := PresentationContextResult{ID: b[0], Result: ContextResult(b[2])}
	subs, err := splitItems(b[4:], budget, "presentation context")
	if err != nil {
		return pc, err
	}
	seen := false
	for _, s := range subs {
		if s.typ != ItemTransferSyntax || seen {
			return pc, fmt.Errorf("%w: unexpected sub-item 0x%02X in accepted presentation context %d", ErrMalformed, s.typ, pc.ID)
		}
		seen = true
		pc.TransferSyntax = trimUID(s.value)
	}
	return pc, nil
}

func decodeUserInfo(b []byte, budget *int, ui *UserInfo) error {
	subs, err := splitItems(b, budget, "user information")
	if err != nil {
		return err
	}
	for _, s := range subs {
		v := s.value
		switch s.typ {
		case ItemMaxLength:
			if len(v) != 4 {
				return fmt.Errorf("%w: maximum length sub-item of %d bytes", ErrMalformed, len(v))
			}
			ui.MaxLength = binary.BigEndian.Uint32(v)
			ui.HasMaxLength = true
		case ItemImplementationClassUID:
			ui.ImplementationClassUID = trimUID(v)
		case ItemImplementationVersion:
			ui.ImplementationVersionName = string(v)
		case ItemAsyncOpsWindow:
			if len(v) != 4 {
				return fmt.Errorf("%w: asynchronous operations window sub-item of %d bytes", ErrMalformed, len(v))
			}
			ui.AsyncOps = &AsyncOps{MaxInvoked: binary.BigEndian.Uint16(v), MaxPerformed: binary.BigEndian.Uint16(v[2:])}
		case ItemRoleSelection:
			uid, rest, err := lengthPrefixed(v, "role selection")
			if err != nil {
				return err
			}
			if len(rest) != 2 {
				return fmt.Errorf("%w: role selection sub-item has %d bytes after the UID, want 2", ErrMalformed, len(rest))
			}
			ui.RoleSelections = append(ui.RoleSelections, RoleSelection{SOPClassUID: trimUID(uid), SCURole: rest[0], SCPRole: rest[1]})
		case ItemSOPClassExtended:
			uid, rest, err := lengthPrefixed(v, "SOP class extended negotiation")
			if err != nil {
				return err
			}
			ui.SOPClassExtended = append(ui.SOPClassExtended, SOPClassExtended{SOPClassUID: trimUID(uid), Info: rest})
		case ItemSOPClassCommonExtended:
			ce, err := decodeCommonExtended(s.reserved, v, budget)
			if err != nil {
				return err
			}
			ui.SOPClassCommonExtended = append(ui.SOPClassCommonExtended, ce)
		case ItemUserIdentityRQ:
			if len(v) < 2 {
				return fmt.Errorf("%w: user identity sub-item of %d bytes", ErrMalformed, len(v))
			}
			id := &UserIdentityRQ{IdentityType: UserIdentityType(v[0]), PositiveResponseRequested: v[1] == 1}
			primary, rest, err := lengthPrefixed(v[2:], "user identity primary field")
			if err != nil {
				return err
			}
			secondary, rest, err := lengthPrefixed(rest, "user identity secondary field")
			if err != nil {
				return err
			}
			if len(rest) != 0 {
				return fmt.Errorf("%w: %d bytes after the user identity secondary field", ErrMalformed, len(rest))
			}
			id.Primary, id.Secondary = primary, secondary
			ui.UserIdentityRQ = id
		case ItemUserIdentityAC:
			resp, rest, err := lengthPrefixed(v, "user identity server response")
			if err != nil {
				return err
			}
			if len(rest) != 0 {
				return fmt.Errorf("%w: %d bytes after the user identity server response", ErrMalformed, len(rest))
			}
			ui.UserIdentityAC = &UserIdentityAC{ServerResponse: resp}
		default:
			ui.Unknown = append(ui.Unknown, RawItem{Type: s.typ, Reserved: s.reserved, Data: v})
		}
	}
	return nil
}

func decodeCommonExtended(version uint8, v []byte, budget *int) (SOPClassCommonExtended, error) {
	ce := SOPClassCommonExtended{Version: version}
	sop, rest, err := lengthPrefixed(v, "SOP class common extended negotiation")
	if err != nil {
		return ce, err
	}
	svc, rest, err := lengthPrefixed(rest, "SOP class common extended negotiation")
	if err != nil {
		return ce, err
	}
	related, rest, err := lengthPrefixed(rest, "related general SOP classes")
	if err != nil {
		return ce, err
	}
	if len(rest) != 0 {
		return ce, fmt.Errorf("%w: %d bytes after the related general SOP classes", ErrMalformed, len(rest))
	}
	ce.SOPClassUID, ce.ServiceClassUID = trimUID(sop), trimUID(svc)
	for len(related) > 0 {
		if *budget <= 0 {
			return ce, fmt.Errorf("%w in related general SOP classes", ErrTooManyItems)
		}
		*budget--
		var uid []byte
		uid, related, err = lengthPrefixed(related, "related general SOP class")
		if err != nil {
			return ce, err
		}
		ce.RelatedGeneralUIDs = append(ce.RelatedGeneralUIDs, trimUID(uid))
	}
	return ce, nil
}

// lengthPrefixed splits a 16-bit-length-prefixed field off b.
func lengthPrefixed(b []byte, what string) (field, rest []byte, err error) {
	if len(b) < 2 {
		return nil, nil, fmt.Errorf("%w: truncated length of %s", ErrMalformed, what)
	}
	n := int(binary.BigEndian.Uint16(b))
	if n > len(b)-2 {
		return nil, nil, fmt.Errorf("%w: %s claims %d bytes, %d left", ErrMalformed, what, n, len(b)-2)
	}
	return b[2 : 2+n : 2+n], b[2+n:], nil
}
