package pdu

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Encode encodes p into a new buffer, header included.
func Encode(p PDU) ([]byte, error) { return Append(nil, p) }

// Append appends the encoding of p (header included) to dst.
func Append(dst []byte, p PDU) ([]byte, error) {
	start := len(dst)
	dst = append(dst, byte(p.Type()), 0, 0, 0, 0, 0)
	var err error
	switch p := p.(type) {
	case *AssociateRQ:
		dst, err = appendAssocFixed(dst, p.ProtocolVersion, p.CalledAE, p.CallingAE)
		if err == nil {
			dst, err = appendAssociateRQItems(dst, p)
		}
	case *AssociateAC:
		dst, err = appendAssocFixed(dst, p.ProtocolVersion, p.CalledAE, p.CallingAE)
		if err == nil {
			dst, err = appendAssociateACItems(dst, p)
		}
	case *AssociateRJ:
		dst = append(dst, 0, byte(p.Result), byte(p.Source), p.Reason)
	case *PDataTF:
		for _, v := range p.Items {
			if uint64(len(v.Data))+2 > math.MaxUint32 {
				return dst[:start], fmt.Errorf("%w: PDV of %d bytes", ErrValueTooLong, len(v.Data))
			}
			dst = binary.BigEndian.AppendUint32(dst, uint32(len(v.Data)+2))
			dst = append(dst, v.ContextID, v.Control)
			dst = append(dst, v.Data...)
		}
	case *ReleaseRQ, *ReleaseRP:
		dst = append(dst, 0, 0, 0, 0)
	case *Abort:
		dst = append(dst, 0, 0, byte(p.Source), byte(p.Reason))
	default:
		return dst[:start], fmt.Errorf("encode: unsupported PDU %T", p)
	}
	if err != nil {
		return dst[:start], err
	}
	n := uint64(len(dst) - start - HeaderLen)
	if n > math.MaxUint32 {
		return dst[:start], fmt.Errorf("%w: PDU body of %d bytes", ErrValueTooLong, n)
	}
	binary.BigEndian.PutUint32(dst[start+2:], uint32(n))
	return dst, nil
}

// AppendPDataHeader appends the PDU and PDV headers of a P-DATA-TF carrying
// one PDV of dataLen bytes, so that senders can write the fragment itself
// without copying it into a PDataTF first.
func AppendPDataHeader(dst []byte, contextID, control uint8, dataLen int) []byte {
	dst = append(dst, byte(TypePDataTF), 0)
	dst = binary.BigEndian.AppendUint32(dst, uint32(dataLen+PDVHeaderLen))
	dst = binary.BigEndian.AppendUint32(dst, uint32(dataLen+2))
	return append(dst, contextID, control)
}

func appendAE(dst []byte, ae string) ([]byte, error) {
	if len(ae) > 16 {
		return dst, fmt.Errorf("%w: AE title %q longer than 16 bytes", ErrValueTooLong, ae)
	}
	dst = append(dst, ae...)
	for i := len(ae); i < 16; i++ {
		dst = append(dst, ' ')
	}
	return dst, nil
}

func appendAssocFixed(dst []byte, version uint16, called, calling string) ([]byte, error) {
	dst = binary.BigEndian.AppendUint16(dst, version)
	dst = append(dst, 0, 0)
	var err error
	if dst, err = appendAE(dst, called); err != nil {
		return dst, err
	}
	if dst, err = appendAE(dst, calling); err != nil {
		return dst, err
	}
	return append(dst, make([]byte, 32)...), nil
}

// beginItem appends an item header with a placeholder length and returns
// the offset to patch with endItem.
func beginItem(dst []byte, typ, reserved uint8) ([]byte, int) {
	return append(dst, typ, reserved, 0, 0), len(dst)
}

func endItem(dst []byte, at int) ([]byte, error) {
	n := len(dst) - at - 4
	if n > math.MaxUint16 {
		return dst, fmt.Errorf("%w: item 0x%02X of %d bytes", ErrValueTooLong, dst[at], n)
	}
	binary.BigEndian.PutUint16(dst[at+2:], uint16(n))
	return dst, nil
}

func appendItem(dst []byte, typ uint8, value []byte) ([]byte, error) {
	return appendItemReserved(dst, typ, 0, value)
}

func appendItemReserved(dst []byte, typ, reserved uint8, value []byte) ([]byte, error) {
	if len(value) > math.MaxUint16 {
		return dst, fmt.Errorf("%w: item 0x%02X of %d bytes", ErrValueTooLong, typ, len(value))
	}
	dst = append(dst, typ, reserved)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(value)))
	return append(dst, value...), nil
}

func appendPrefixed(dst []byte, value []byte) ([]byte, error) {
	if len(value) > math.MaxUint16 {
		return dst, fmt.Errorf("%w: field of %d bytes", ErrValueTooLong, len(value))
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(value)))
	return append(dst, value...), nil
}

func appendAssociateRQItems(dst []byte, p *AssociateRQ) ([]byte, error) {
	var err error
	if dst, err = appendItem(dst, ItemApplicationContext, []byte(p.ApplicationContext)); err != nil {
		return dst, err
	}
	for _, pc := range p.PresentationContexts {
		var at int
		dst, at = beginItem(dst, ItemPresentationContextRQ, 0)
		dst = append(dst, pc.ID, 0, 0, 0)
		if dst, err = appendItem(dst, ItemAbstractSyntax, []byte(pc.AbstractSyntax)); err != nil {
			return dst, err
		}
		for _, ts := range pc.TransferSyntaxes {
			if dst, err = appendItem(dst, ItemTransferSyntax, []byte(ts)); err != nil {
				return dst, err
			}
		}
		if dst, err = endItem(dst, at); err != nil {
			return dst, err
		}
	}
	if dst, err = appendUserInfo(dst, &p.UserInfo); err != nil {
		return dst, err
	}
	return appendRawItems(dst, p.Unknown)
}

func appendAssociateACItems(dst []byte, p *AssociateAC) ([]byte, error) {
	var err error
	if dst, err = appendItem(dst, ItemApplicationContext, []byte(p.ApplicationContext)); err != nil {
		return dst, err
	}
	for _, pc := range p.PresentationContexts {
		var at int
		dst, at = beginItem(dst, ItemPresentationContextAC, 0)
		dst = append(dst, pc.ID, 0, byte(pc.Result), 0)
		// PS3.8 §9.3.3.2: the transfer syntax sub-item is always present;
		// its value is not significant when the context was rejected.
		if dst, err = appendItem(dst, ItemTransferSyntax, []byte(pc.TransferSyntax)); err != nil {
			return dst, err
		}
		if dst, err = endItem(dst, at); err != nil {
			return dst, err
		}
	}
	if dst, err = appendUserInfo(dst, &p.UserInfo); err != nil {
		return dst, err
	}
	return appendRawItems(dst, p.Unknown)
}

func appendRawItems(dst []byte, items []RawItem) ([]byte, error) {
	var err error
	for _, it := range items {
		if dst, err = appendItemReserved(dst, it.Type, it.Reserved, it.Data); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func appendUserInfo(dst []byte, ui *UserInfo) ([]byte, error) {
	var at int
	var err error
	dst, at = beginItem(dst, ItemUserInformation, 0)
	if ui.HasMaxLength {
		dst, _ = appendItem(dst, ItemMaxLength, binary.BigEndian.AppendUint32(nil, ui.MaxLength))
	}
	if ui.ImplementationClassUID != "" {
		if dst, err = appendItem(dst, ItemImplementationClassUID, []byte(ui.ImplementationClassUID)); err != nil {
			return dst, err
		}
	}
	if ui.AsyncOps != nil {
		v := binary.BigEndian.AppendUint16(nil, ui.AsyncOps.MaxInvoked)
		v = binary.BigEndian.AppendUint16(v, ui.AsyncOps.MaxPerformed)
		dst, _ = appendItem(dst, ItemAsyncOpsWindow, v)
	}
	for _, r := range ui.RoleSelections {
		v, err := appendPrefixed(nil, []byte(r.SOPClassUID))
		if err != nil {
			return dst, err
		}
		if dst, err = appendItem(dst, ItemRoleSelection, append(v, r.SCURole, r.SCPRole)); err != nil {
			return dst, err
		}
	}
	if ui.ImplementationVersionName != "" {
		if dst, err = appendItem(dst, ItemImplementationVersion, []byte(ui.ImplementationVersionName)); err != nil {
			return dst, err
		}
	}
	for _, e := range ui.SOPClassExtended {
		v, err := appendPrefixed(nil, []byte(e.SOPClassUID))
		if err != nil {
			return dst, err
		}
		if dst, err = appendItem(dst, ItemSOPClassExtended, append(v, e.Info...)); err != nil {
			return dst, err
		}
	}
	for _, e := range ui.SOPClassCommonExtended {
		v, err := appendPrefixed(nil, []byte(e.SOPClassUID))
		if err != nil {
			return dst, err
		}
		if v, err = appendPrefixed(v, []byte(e.ServiceClassUID)); err != nil {
			return dst, err
		}
		var related []byte
		for _, r := range e.RelatedGeneralUIDs {
			if related, err = appendPrefixed(related, []byte(r)); err != nil {
				return dst, err
			}
		}
		if v, err = appendPrefixed(v, related); err != nil {
			return dst, err
		}
		if dst, err = appendItemReserved(dst, ItemSOPClassCommonExtended, e.Version, v); err != nil {
			return dst, err
		}
	}
	if id := ui.UserIdentityRQ; id != nil {
		v := []byte{byte(id.IdentityType), 0}
		if id.PositiveResponseRequested {
			v[1] = 1
		}
		if v, err = appendPrefixed(v, id.Primary); err != nil {
			return dst, err
		}
		if v, err = appendPrefixed(v, id.Secondary); err != nil {
			return dst, err
		}
		if dst, err = appendItem(dst, ItemUserIdentityRQ, v); err != nil {
			return dst, err
		}
	}
	if id := ui.UserIdentityAC; id != nil {
		v, err := appendPrefixed(nil, id.ServerResponse)
		if err != nil {
			return dst, err
		}
		if dst, err = appendItem(dst, ItemUserIdentityAC, v); err != nil {
			return dst, err
		}
	}
	if dst, err = appendRawItems(dst, ui.Unknown); err != nil {
		return dst, err
	}
	return endItem(dst, at)
}
