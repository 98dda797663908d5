// Package dimse is the DICOM message service element of PS3.7: command
// sets (always implicit VR little endian, PS3.7 §6.3.1), message
// reassembly from PDV fragments with caps, and a message connection over
// an upper-layer association.
//
// Command sets are a fixed, small schema (group 0000), so they are a typed
// struct with their own encoder and decoder here rather than a generic
// data set: the fields are what DIMSE code reads, unknown elements are
// kept verbatim, and the decoder bounds everything it reads.
package dimse

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// CommandField values (PS3.7 Annex E).
const (
	CStoreRQ  uint16 = 0x0001
	CStoreRSP uint16 = 0x8001
	CGetRQ    uint16 = 0x0010
	CGetRSP   uint16 = 0x8010
	CFindRQ   uint16 = 0x0020
	CFindRSP  uint16 = 0x8020
	CMoveRQ   uint16 = 0x0021
	CMoveRSP  uint16 = 0x8021
	CEchoRQ   uint16 = 0x0030
	CEchoRSP  uint16 = 0x8030
	CCancelRQ uint16 = 0x0FFF
)

// CommandName names a command field, e.g. "C-FIND-RQ".
func CommandName(f uint16) string {
	switch f {
	case CStoreRQ:
		return "C-STORE-RQ"
	case CStoreRSP:
		return "C-STORE-RSP"
	case CGetRQ:
		return "C-GET-RQ"
	case CGetRSP:
		return "C-GET-RSP"
	case CFindRQ:
		return "C-FIND-RQ"
	case CFindRSP:
		return "C-FIND-RSP"
	case CMoveRQ:
		return "C-MOVE-RQ"
	case CMoveRSP:
		return "C-MOVE-RSP"
	case CEchoRQ:
		return "C-ECHO-RQ"
	case CEchoRSP:
		return "C-ECHO-RSP"
	case CCancelRQ:
		return "C-CANCEL-RQ"
	}
	return fmt.Sprintf("command-0x%04X", f)
}

// Status values that carry verdicts (PS3.7 Annex C and the service classes).
const (
	StatusSuccess                 uint16 = 0x0000
	StatusPending                 uint16 = 0xFF00
	StatusPendingWarning          uint16 = 0xFF01
	StatusCancel                  uint16 = 0xFE00
	StatusSOPClassNotSupported    uint16 = 0x0122
	StatusNotAuthorized           uint16 = 0x0124
	StatusDuplicateInvocation     uint16 = 0x0210
	StatusUnrecognizedOperation   uint16 = 0x0211
	StatusOutOfResources          uint16 = 0xA700
	StatusOutOfResourcesSubOps    uint16 = 0xA702
	StatusMoveDestinationUnknown  uint16 = 0xA801
	StatusIdentifierDoesNotMatch  uint16 = 0xA900
	StatusUnableToProcess         uint16 = 0xC000
	StatusSubOpsCompleteFailures  uint16 = 0xB000
	StatusCannotUnderstand        uint16 = 0xC000
	StatusDataSetDoesNotMatchSOP  uint16 = 0xA900
	StatusProcessingFailure       uint16 = 0x0110
	StatusNoSuchSOPClass          uint16 = 0x0118
	StatusInvalidArgumentValue    uint16 = 0x0115
	StatusElementCoercion         uint16 = 0xB000
	StatusMissingAttributeWarning uint16 = 0xB007
)

// IsPending reports whether a status is a pending status (0xFF00, 0xFF01).
func IsPending(s uint16) bool { return s == StatusPending || s == StatusPendingWarning }

// Priority values (0000,0700).
const (
	PriorityMedium uint16 = 0x0000
	PriorityHigh   uint16 = 0x0001
	PriorityLow    uint16 = 0x0002
)

// NoDataSet is the CommandDataSetType value that means no data set follows.
// Any other value means one does (PS3.7 §E.1); we send 0x0000.
const (
	NoDataSet  uint16 = 0x0101
	HasDataSet uint16 = 0x0000
)

// Command element tags (group 0000).
const (
	tagGroupLength          uint32 = 0x00000000
	tagAffectedSOPClass     uint32 = 0x00000002
	tagRequestedSOPClass    uint32 = 0x00000003
	tagCommandField         uint32 = 0x00000100
	tagMessageID            uint32 = 0x00000110
	tagMessageIDRespondedTo uint32 = 0x00000120
	tagMoveDestination      uint32 = 0x00000600
	tagPriority             uint32 = 0x00000700
	tagCommandDataSetType   uint32 = 0x00000800
	tagStatus               uint32 = 0x00000900
	tagOffendingElement     uint32 = 0x00000901
	tagErrorComment         uint32 = 0x00000902
	tagErrorID              uint32 = 0x00000903
	tagAffectedSOPInstance  uint32 = 0x00001000
	tagRequestedSOPInstance uint32 = 0x00001001
	tagRemainingSubOps      uint32 = 0x00001020
	tagCompletedSubOps      uint32 = 0x00001021
	tagFailedSubOps         uint32 = 0x00001022
	tagWarningSubOps        uint32 = 0x00001023
	tagMoveOriginatorAE     uint32 = 0x00001030
	tagMoveOriginatorMsgID  uint32 = 0x00001031
)

// Command is a DIMSE command set. Zero-valued optional fields are absent
// on the wire, except those with a Has flag.
type Command struct {
	CommandField              uint16
	MessageID                 uint16
	MessageIDBeingRespondedTo uint16
	AffectedSOPClassUID       string
	RequestedSOPClassUID      string
	AffectedSOPInstanceUID    string
	RequestedSOPInstanceUID   string
	MoveDestination           string
	MoveOriginatorAE          string
	MoveOriginatorMessageID   uint16
	Priority                  uint16
	CommandDataSetType        uint16
	Status                    uint16
	ErrorComment              string
	ErrorID                   uint16
	// SubOps are the C-MOVE/C-GET sub-operation counts; nil when none of
	// (0000,1020)–(0000,1023) was present.
	SubOps *SubOps
	// Extra holds elements this type has no field for, in order.
	Extra []RawElement
}

// SubOps are the sub-operation counts of a C-MOVE or C-GET response.
type SubOps struct {
	Remaining, Completed, Failed, Warning uint16
	HasRemaining                          bool // Remaining is absent from final responses
}

// RawElement is a command element kept verbatim.
type RawElement struct {
	Tag   uint32
	Value []byte
}

// HasData reports whether a data set follows the command.
func (c *Command) HasData() bool { return c.CommandDataSetType != NoDataSet }

// IsResponse reports whether the command field is a response.
func (c *Command) IsResponse() bool { return c.CommandField&0x8000 != 0 }

// Errors from DecodeCommand; all wrap ErrMalformedCommand.
var (
	ErrMalformedCommand = errors.New("malformed DIMSE command set")
)

// maxCommandElements bounds a command set: PS3.7 defines about thirty
// command elements; a few hundred is generous.
const maxCommandElements = 256

// EncodeCommand encodes c as implicit VR little endian, group length first.
func EncodeCommand(c *Command) ([]byte, error) {
	b := make([]byte, 12, 256) // (0000,0000) UL, patched below
	var err error
	putUID := func(tag uint32, v string) {
		if v != "" && err == nil {
			b, err = appendElem(b, tag, padded(v, 0))
		}
	}
	putAE := func(tag uint32, v string) {
		if v != "" && err == nil {
			b, err = appendElem(b, tag, padded(v, ' '))
		}
	}
	putUS := func(tag uint32, v uint16) {
		b, _ = appendElem(b, tag, binary.LittleEndian.AppendUint16(nil, v))
	}
	// Ascending tag order, as PS3.5 §7.1 requires.
	putUID(tagAffectedSOPClass, c.AffectedSOPClassUID)
	putUID(tagRequestedSOPClass, c.RequestedSOPClassUID)
	putUS(tagCommandField, c.CommandField)
	if !c.IsResponse() && c.CommandField != CCancelRQ {
		putUS(tagMessageID, c.MessageID)
	} else { // responses and C-CANCEL-RQ name the request they refer to
		putUS(tagMessageIDRespondedTo, c.MessageIDBeingRespondedTo)
	}
	putAE(tagMoveDestination, c.MoveDestination)
	if !c.IsResponse() && c.CommandField != CCancelRQ {
		putUS(tagPriority, c.Priority)
	}
	putUS(tagCommandDataSetType, c.CommandDataSetType)
	if c.IsResponse() {
		putUS(tagStatus, c.Status)
	}
	if c.ErrorComment != "" && err == nil {
		b, err = appendElem(b, tagErrorComment, padded(c.ErrorComment, ' '))
	}
	if c.ErrorID != 0 {
		putUS(tagErrorID, c.ErrorID)
	}
	putUID(tagAffectedSOPInstance, c.AffectedSOPInstanceUID)
	putUID(tagRequestedSOPInstance, c.RequestedSOPInstanceUID)
	if s := c.SubOps; s != nil {
		if s.HasRemaining {
			putUS(tagRemainingSubOps, s.Remaining)
		}
		putUS(tagCompletedSubOps, s.Completed)
		putUS(tagFailedSubOps, s.Failed)
		putUS(tagWarningSubOps, s.Warning)
	}
	putAE(tagMoveOriginatorAE, c.MoveOriginatorAE)
	if c.MoveOriginatorMessageID != 0 {
		putUS(tagMoveOriginatorMsgID, c.MoveOriginatorMessageID)
	}
	for _, e := range c.Extra {
		if err == nil {
			b, err = appendElem(b, e.Tag, e.Value)
		}
	}
	if err != nil {
		return nil, err
	}
	binary.LittleEndian.PutUint32(b[0:], tagGroupLength)
	binary.LittleEndian.PutUint32(b[4:], 4)
	binary.LittleEndian.PutUint32(b[8:], uint32(len(b)-12))
	return b, nil
}

func padded(v string, pad byte) []byte {
	b := []byte(v)
	if len(b)%2 == 1 {
		b = append(b, pad)
	}
	return b
}

func appendElem(b []byte, tag uint32, v []byte) ([]byte, error) {
	if uint64(len(v)) > 0xFFFFFFFE {
		return b, fmt.Errorf("command element %08X too long", tag)
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(tag>>16))
	b = binary.LittleEndian.AppendUint16(b, uint16(tag))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
	return append(b, v...), nil
}

// DecodeCommand decodes an implicit VR little endian command set. Only
// group 0000 is allowed; values are checked against the bytes present.
func DecodeCommand(b []byte) (*Command, error) {
	c := &Command{CommandDataSetType: NoDataSet}
	seenField, seenType := false, false
	for n := 0; len(b) > 0; n++ {
		if n >= maxCommandElements {
			return nil, fmt.Errorf("%w: more than %d elements", ErrMalformedCommand, maxCommandElements)
		}
		if len(b) < 8 {
			return nil, fmt.Errorf("%w: truncated element header", ErrMalformedCommand)
		}
		tag := uint32(binary.LittleEndian.Uint16(b))<<16 | uint32(binary.LittleEndian.Uint16(b[2:]))
		l := uint64(binary.LittleEndian.Uint32(b[4:]))
		if l > uint64(len(b)-8) {
			return nil, fmt.Errorf("%w: element %08X claims %d bytes, %d left", ErrMalformedCommand, tag, l, len(b)-8)
		}
		v := b[8 : 8+l : 8+l]
		b = b[8+l:]
		if tag>>16 != 0 {
			return nil, fmt.Errorf("%w: element %08X outside group 0000", ErrMalformedCommand, tag)
		}
		us := func() (uint16, error) {
			if len(v) != 2 {
				return 0, fmt.Errorf("%w: element %08X (US) of %d bytes", ErrMalformedCommand, tag, len(v))
			}
			return binary.LittleEndian.Uint16(v), nil
		}
		var err error
		switch tag {
		case tagGroupLength:
			// Recomputed on encode; its value is not trusted.
		case tagAffectedSOPClass:
			c.AffectedSOPClassUID = trimUID(v)
		case tagRequestedSOPClass:
			c.RequestedSOPClassUID = trimUID(v)
		case tagCommandField:
			c.CommandField, err = us()
			seenField = true
		case tagMessageID:
			c.MessageID, err = us()
		case tagMessageIDRespondedTo:
			c.MessageIDBeingRespondedTo, err = us()
		case tagMoveDestination:
			c.MoveDestination = strings.TrimSpace(string(v))
		case tagPriority:
			c.Priority, err = us()
		case tagCommandDataSetType:
			c.CommandDataSetType, err = us()
			seenType = true
		case tagStatus:
			c.Status, err = us()
		case tagErrorComment:
			c.ErrorComment = strings.TrimRight(string(v), " \x00")
		case tagErrorID:
			c.ErrorID, err = us()
		case tagAffectedSOPInstance:
			c.AffectedSOPInstanceUID = trimUID(v)
		case tagRequestedSOPInstance:
			c.RequestedSOPInstanceUID = trimUID(v)
		case tagRemainingSubOps, tagCompletedSubOps, tagFailedSubOps, tagWarningSubOps:
			var n uint16
			if n, err = us(); err == nil {
				if c.SubOps == nil {
					c.SubOps = &SubOps{}
				}
				switch tag {
				case tagRemainingSubOps:
					c.SubOps.Remaining, c.SubOps.HasRemaining = n, true
				case tagCompletedSubOps:
					c.SubOps.Completed = n
				case tagFailedSubOps:
					c.SubOps.Failed = n
				case tagWarningSubOps:
					c.SubOps.Warning = n
				}
			}
		case tagMoveOriginatorAE:
			c.MoveOriginatorAE = strings.TrimSpace(string(v))
		case tagMoveOriginatorMsgID:
			c.MoveOriginatorMessageID, err = us()
		default:
			c.Extra = append(c.Extra, RawElement{Tag: tag, Value: v})
		}
		if err != nil {
			return nil, err
		}
	}
	if !seenField || !seenType {
		return nil, fmt.Errorf("%w: no command field or command data set type", ErrMalformedCommand)
	}
	return c, nil
}

func trimUID(v []byte) string { return strings.TrimRight(string(v), "\x00 ") }
