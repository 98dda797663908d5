// Package pdu encodes and decodes the DICOM upper-layer protocol data units
// of PS3.8 §9.3: the seven PDU types and every item and sub-item they carry.
//
// Everything here is a pure function over bytes with no state, so that the
// network stack and the traffic analyser share one decoder and one set of
// fuzz tests. The decoder reads hostile input: every length is checked
// against the bytes actually present before it is used, item counts are
// capped, and nothing is allocated from a length read off the wire.
package pdu

import (
	"errors"
	"fmt"
)

// Type is the PDU-type byte of the PDU header.
type Type uint8

// The seven PDU types of PS3.8 Table 9-11 and following.
const (
	TypeAssociateRQ Type = 0x01
	TypeAssociateAC Type = 0x02
	TypeAssociateRJ Type = 0x03
	TypePDataTF     Type = 0x04
	TypeReleaseRQ   Type = 0x05
	TypeReleaseRP   Type = 0x06
	TypeAbort       Type = 0x07
)

var typeNames = map[Type]string{
	TypeAssociateRQ: "A-ASSOCIATE-RQ",
	TypeAssociateAC: "A-ASSOCIATE-AC",
	TypeAssociateRJ: "A-ASSOCIATE-RJ",
	TypePDataTF:     "P-DATA-TF",
	TypeReleaseRQ:   "A-RELEASE-RQ",
	TypeReleaseRP:   "A-RELEASE-RP",
	TypeAbort:       "A-ABORT",
}

func (t Type) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("PDU-type-0x%02X", uint8(t))
}

// Valid reports whether t is one of the seven PDU types.
func (t Type) Valid() bool { return t >= TypeAssociateRQ && t <= TypeAbort }

// Item types of the variable part of A-ASSOCIATE-RQ/AC (PS3.8 §9.3.2, §9.3.3)
// and of the user information item (PS3.7 Annex D.3.3, PS3.8 Annex D).
const (
	ItemApplicationContext     uint8 = 0x10
	ItemPresentationContextRQ  uint8 = 0x20
	ItemPresentationContextAC  uint8 = 0x21
	ItemAbstractSyntax         uint8 = 0x30
	ItemTransferSyntax         uint8 = 0x40
	ItemUserInformation        uint8 = 0x50
	ItemMaxLength              uint8 = 0x51
	ItemImplementationClassUID uint8 = 0x52
	ItemAsyncOpsWindow         uint8 = 0x53
	ItemRoleSelection          uint8 = 0x54
	ItemImplementationVersion  uint8 = 0x55
	ItemSOPClassExtended       uint8 = 0x56
	ItemSOPClassCommonExtended uint8 = 0x57
	ItemUserIdentityRQ         uint8 = 0x58
	ItemUserIdentityAC         uint8 = 0x59
)

// HeaderLen is the size of the PDU header: type, reserved, 32-bit length.
const HeaderLen = 6

// PDVHeaderLen is what each presentation data value item costs inside a
// P-DATA-TF on top of its fragment: 4-byte length, context ID, control header.
const PDVHeaderLen = 6

// DICOMApplicationContext is the only application context name PS3.7 Annex A defines.
const DICOMApplicationContext = "1.2.840.10008.3.1.1.1"

// PDU is one decoded protocol data unit: *AssociateRQ, *AssociateAC,
// *AssociateRJ, *PDataTF, *ReleaseRQ, *ReleaseRP or *Abort.
type PDU interface {
	Type() Type
}

// AssociateRQ is the A-ASSOCIATE-RQ PDU (PS3.8 §9.3.2).
type AssociateRQ struct {
	ProtocolVersion      uint16 // bit 0 set = version 1, the only one defined
	CalledAE             string // trimmed of leading and trailing spaces
	CallingAE            string
	ApplicationContext   string
	PresentationContexts []PresentationContext
	UserInfo             UserInfo
	// Unknown holds variable items of types PS3.8 does not define, kept for
	// analysis and so that a decode/encode round trip loses nothing.
	Unknown []RawItem
}

// AssociateAC is the A-ASSOCIATE-AC PDU (PS3.8 §9.3.3). Its AE title fields
// are reserved: senders echo the request, receivers must not test them.
type AssociateAC struct {
	ProtocolVersion      uint16
	CalledAE             string
	CallingAE            string
	ApplicationContext   string
	PresentationContexts []PresentationContextResult
	UserInfo             UserInfo
	Unknown              []RawItem
}

// AssociateRJ is the A-ASSOCIATE-RJ PDU (PS3.8 §9.3.4).
type AssociateRJ struct {
	Result RejectResult
	Source RejectSource
	Reason uint8 // meaning depends on Source; see RejectReasonString
}

// PDataTF is the P-DATA-TF PDU (PS3.8 §9.3.5). Decoded PDV data alias the
// input buffer.
type PDataTF struct {
	Items []PDV
}

// PDV is one presentation data value item: a fragment of a command set or
// data set for one presentation context.
type PDV struct {
	ContextID uint8
	// Control is the message control header (PS3.8 Annex E.2): bit 0 set =
	// command, bit 1 set = last fragment. Other bits are kept as received.
	Control uint8
	Data    []byte
}

// Message control header bits.
const (
	ControlCommand uint8 = 0x01
	ControlLast    uint8 = 0x02
)

// IsCommand reports whether the fragment belongs to a command set.
func (p PDV) IsCommand() bool { return p.Control&ControlCommand != 0 }

// IsLast reports whether the fragment is the last of its message part.
func (p PDV) IsLast() bool { return p.Control&ControlLast != 0 }

// ReleaseRQ is the A-RELEASE-RQ PDU.
type ReleaseRQ struct{}

// ReleaseRP is the A-RELEASE-RP PDU.
type ReleaseRP struct{}

// Abort is the A-ABORT PDU (PS3.8 §9.3.8).
type Abort struct {
	Source AbortSource
	Reason AbortReason // meaningful only when Source is AbortServiceProvider
}

func (*AssociateRQ) Type() Type { return TypeAssociateRQ }
func (*AssociateAC) Type() Type { return TypeAssociateAC }
func (*AssociateRJ) Type() Type { return TypeAssociateRJ }
func (*PDataTF) Type() Type     { return TypePDataTF }
func (*ReleaseRQ) Type() Type   { return TypeReleaseRQ }
func (*ReleaseRP) Type() Type   { return TypeReleaseRP }
func (*Abort) Type() Type       { return TypeAbort }

// PresentationContext is a presentation context item of an A-ASSOCIATE-RQ.
type PresentationContext struct {
	ID               uint8 // odd, 1-255
	AbstractSyntax   string
	TransferSyntaxes []string
}

// PresentationContextResult is a presentation context item of an A-ASSOCIATE-AC.
type PresentationContextResult struct {
	ID             uint8
	Result         ContextResult
	TransferSyntax string // meaningful only when Result is ContextAccepted
}

// ContextResult is the result/reason field of an A-ASSOCIATE-AC presentation context.
type ContextResult uint8

// Presentation context results (PS3.8 Table 9-18).
const (
	ContextAccepted                     ContextResult = 0
	ContextUserRejection                ContextResult = 1
	ContextNoReason                     ContextResult = 2
	ContextAbstractSyntaxNotSupported   ContextResult = 3
	ContextTransferSyntaxesNotSupported ContextResult = 4
)

func (r ContextResult) String() string {
	switch r {
	case ContextAccepted:
		return "acceptance"
	case ContextUserRejection:
		return "user-rejection"
	case ContextNoReason:
		return "no-reason (provider rejection)"
	case ContextAbstractSyntaxNotSupported:
		return "abstract-syntax-not-supported (provider rejection)"
	case ContextTransferSyntaxesNotSupported:
		return "transfer-syntaxes-not-supported (provider rejection)"
	}
	return fmt.Sprintf("result-%d", uint8(r))
}

// UserInfo is the content of the user information item (0x50). Zero or
// empty fields were absent (or empty) on the wire.
type UserInfo struct {
	// MaxLength is the maximum PDU length the sender can receive (0x51);
	// 0 means unlimited. HasMaxLength says whether the sub-item was present.
	MaxLength                 uint32
	HasMaxLength              bool
	ImplementationClassUID    string
	ImplementationVersionName string
	AsyncOps                  *AsyncOps
	RoleSelections            []RoleSelection
	SOPClassExtended          []SOPClassExtended
	SOPClassCommonExtended    []SOPClassCommonExtended
	UserIdentityRQ            *UserIdentityRQ
	UserIdentityAC            *UserIdentityAC
	Unknown                   []RawItem
}

// AsyncOps is the asynchronous operations window sub-item (0x53); 0 = unlimited.
type AsyncOps struct {
	MaxInvoked   uint16
	MaxPerformed uint16
}

// RoleSelection is the SCP/SCU role selection sub-item (0x54). In an RQ
// 1 proposes the role; in an AC 1 accepts it.
type RoleSelection struct {
	SOPClassUID string
	SCURole     uint8
	SCPRole     uint8
}

// SOPClassExtended is the SOP class extended negotiation sub-item (0x56).
type SOPClassExtended struct {
	SOPClassUID string
	Info        []byte // service-class-application-information, opaque here
}

// SOPClassCommonExtended is the SOP class common extended negotiation sub-item (0x57).
type SOPClassCommonExtended struct {
	Version            uint8 // sub-item version, byte 2 of the item
	SOPClassUID        string
	ServiceClassUID    string
	RelatedGeneralUIDs []string
}

// UserIdentityRQ is the user identity negotiation sub-item of an RQ (0x58).
type UserIdentityRQ struct {
	IdentityType              UserIdentityType
	PositiveResponseRequested bool
	Primary                   []byte // user name, Kerberos ticket, SAML assertion or JWT
	Secondary                 []byte // passcode, only for UserIdentityUsernamePasscode
}

// UserIdentityAC is the user identity negotiation sub-item of an AC (0x59).
type UserIdentityAC struct {
	ServerResponse []byte
}

// UserIdentityType is the user-identity-type field of sub-item 0x58.
type UserIdentityType uint8

// User identity types (PS3.7 Table D.3-14).
const (
	UserIdentityUsername         UserIdentityType = 1
	UserIdentityUsernamePasscode UserIdentityType = 2
	UserIdentityKerberos         UserIdentityType = 3
	UserIdentitySAML             UserIdentityType = 4
	UserIdentityJWT              UserIdentityType = 5
)

// RawItem is an item of a type this package does not know, kept verbatim.
type RawItem struct {
	Type     uint8
	Reserved uint8
	Data     []byte
}

// RejectResult is the result field of an A-ASSOCIATE-RJ.
type RejectResult uint8

// RejectSource is the source field of an A-ASSOCIATE-RJ.
type RejectSource uint8

// A-ASSOCIATE-RJ results and sources (PS3.8 Table 9-21).
const (
	RejectPermanent RejectResult = 1
	RejectTransient RejectResult = 2

	RejectSourceServiceUser                 RejectSource = 1
	RejectSourceServiceProviderACSE         RejectSource = 2
	RejectSourceServiceProviderPresentation RejectSource = 3
)

// A-ASSOCIATE-RJ reasons, by source.
const (
	// Source 1, service user.
	RejectReasonNoReason                       uint8 = 1
	RejectReasonApplicationContextNotSupported uint8 = 2
	RejectReasonCallingAENotRecognized         uint8 = 3
	RejectReasonCalledAENotRecognized          uint8 = 7
	// Source 2, service provider (ACSE).
	RejectReasonProtocolVersionNotSupported uint8 = 2
	// Source 3, service provider (presentation).
	RejectReasonTemporaryCongestion uint8 = 1
	RejectReasonLocalLimitExceeded  uint8 = 2
)

func (r RejectResult) String() string {
	switch r {
	case RejectPermanent:
		return "rejected-permanent"
	case RejectTransient:
		return "rejected-transient"
	}
	return fmt.Sprintf("result-%d", uint8(r))
}

func (s RejectSource) String() string {
	switch s {
	case RejectSourceServiceUser:
		return "service-user"
	case RejectSourceServiceProviderACSE:
		return "service-provider (ACSE)"
	case RejectSourceServiceProviderPresentation:
		return "service-provider (presentation)"
	}
	return fmt.Sprintf("source-%d", uint8(s))
}

// RejectReasonString names an A-ASSOCIATE-RJ reason in the context of its source.
func RejectReasonString(s RejectSource, reason uint8) string {
	switch s {
	case RejectSourceServiceUser:
		switch reason {
		case 1:
			return "no-reason-given"
		case 2:
			return "application-context-name-not-supported"
		case 3:
			return "calling-AE-title-not-recognized"
		case 7:
			return "called-AE-title-not-recognized"
		}
	case RejectSourceServiceProviderACSE:
		switch reason {
		case 1:
			return "no-reason-given"
		case 2:
			return "protocol-version-not-supported"
		}
	case RejectSourceServiceProviderPresentation:
		switch reason {
		case 1:
			return "temporary-congestion"
		case 2:
			return "local-limit-exceeded"
		}
	}
	return fmt.Sprintf("reason-%d", reason)
}

// AbortSource is the source field of an A-ABORT.
type AbortSource uint8

// A-ABORT sources (PS3.8 Table 9-26). 1 is reserved.
const (
	AbortServiceUser     AbortSource = 0
	AbortReserved        AbortSource = 1
	AbortServiceProvider AbortSource = 2
)

func (s AbortSource) String() string {
	switch s {
	case AbortServiceUser:
		return "service-user"
	case AbortReserved:
		return "reserved"
	case AbortServiceProvider:
		return "service-provider"
	}
	return fmt.Sprintf("source-%d", uint8(s))
}

// AbortReason is the reason/diag field of an A-ABORT from the service provider.
type AbortReason uint8

// A-ABORT provider reasons (PS3.8 Table 9-26).
const (
	AbortNotSpecified             AbortReason = 0
	AbortUnrecognizedPDU          AbortReason = 1
	AbortUnexpectedPDU            AbortReason = 2
	AbortUnrecognizedPDUParameter AbortReason = 4
	AbortUnexpectedPDUParameter   AbortReason = 5
	AbortInvalidPDUParameterValue AbortReason = 6
)

func (r AbortReason) String() string {
	switch r {
	case AbortNotSpecified:
		return "reason-not-specified"
	case AbortUnrecognizedPDU:
		return "unrecognized-PDU"
	case AbortUnexpectedPDU:
		return "unexpected-PDU"
	case AbortUnrecognizedPDUParameter:
		return "unrecognized-PDU-parameter"
	case AbortUnexpectedPDUParameter:
		return "unexpected-PDU-parameter"
	case AbortInvalidPDUParameterValue:
		return "invalid-PDU-parameter-value"
	}
	return fmt.Sprintf("reason-%d", uint8(r))
}

// Errors returned by the decoder. Every decode error wraps ErrMalformed;
// callers classify with errors.Is.
var (
	ErrMalformed    = errors.New("malformed PDU")
	ErrUnknownType  = fmt.Errorf("%w: unknown PDU type", ErrMalformed)
	ErrTooLong      = errors.New("PDU longer than the cap")
	ErrTooManyItems = fmt.Errorf("%w: too many items", ErrMalformed)
	ErrValueTooLong = errors.New("value too long to encode")
)

// Limits bound what the decoder accepts. Zero fields take the defaults.
type Limits struct {
	// MaxItems caps the number of items and sub-items in one associate PDU
	// (default 4096; a DCMTK getscu RQ has a few hundred).
	MaxItems int
	// MaxPDVs caps the number of PDV items in one P-DATA-TF (default 4096).
	MaxPDVs int
}

const (
	defaultMaxItems = 4096
	defaultMaxPDVs  = 4096
)

func (l Limits) maxItems() int {
	if l.MaxItems > 0 {
		return l.MaxItems
	}
	return defaultMaxItems
}

func (l Limits) maxPDVs() int {
	if l.MaxPDVs > 0 {
		return l.MaxPDVs
	}
	return defaultMaxPDVs
}
