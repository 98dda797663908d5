package pdu

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var updateSeeds = flag.Bool("update", false, "rewrite testdata/*.pdu seeds from the samples")

// samples covers every PDU type and every sub-item.
func samples() map[string]PDU {
	return map[string]PDU{
		"associate-rq": &AssociateRQ{
			ProtocolVersion:    1,
			CalledAE:           "ANY-SCP",
			CallingAE:          "PACSGUARD",
			ApplicationContext: DICOMApplicationContext,
			PresentationContexts: []PresentationContext{
				{ID: 1, AbstractSyntax: "1.2.840.10008.1.1", TransferSyntaxes: []string{"1.2.840.10008.1.2"}},
				{ID: 3, AbstractSyntax: "1.2.840.10008.5.1.4.1.1.2", TransferSyntaxes: []string{"1.2.840.10008.1.2.1", "1.2.840.10008.1.2"}},
			},
			UserInfo: UserInfo{
				MaxLength: 16384, HasMaxLength: true,
				ImplementationClassUID:    "1.2.276.0.7230010.3.0.3.6.7",
				ImplementationVersionName: "OFFIS_DCMTK_367",
				AsyncOps:                  &AsyncOps{MaxInvoked: 1, MaxPerformed: 1},
				RoleSelections:            []RoleSelection{{SOPClassUID: "1.2.840.10008.5.1.4.1.1.2", SCURole: 0, SCPRole: 1}},
				SOPClassExtended:          []SOPClassExtended{{SOPClassUID: "1.2.840.10008.5.1.4.1.2.2.1", Info: []byte{1, 1, 0}}},
				SOPClassCommonExtended: []SOPClassCommonExtended{{
					SOPClassUID: "1.2.840.10008.5.1.4.1.1.2", ServiceClassUID: "1.2.840.10008.4.2",
					RelatedGeneralUIDs: []string{"1.2.840.10008.5.1.4.1.1.2.1", "1.2.3"},
				}},
				UserIdentityRQ: &UserIdentityRQ{IdentityType: UserIdentityUsernamePasscode, PositiveResponseRequested: true, Primary: []byte("tech"), Secondary: []byte("secret")},
				Unknown:        []RawItem{{Type: 0x5F, Data: []byte{9}}},
			},
			Unknown: []RawItem{{Type: 0x77, Reserved: 3, Data: []byte("x")}},
		},
		"associate-ac": &AssociateAC{
			ProtocolVersion:    1,
			CalledAE:           "ANY-SCP",
			CallingAE:          "PACSGUARD",
			ApplicationContext: DICOMApplicationContext,
			PresentationContexts: []PresentationContextResult{
				{ID: 1, Result: ContextAccepted, TransferSyntax: "1.2.840.10008.1.2"},
				{ID: 3, Result: ContextAbstractSyntaxNotSupported},
			},
			UserInfo: UserInfo{
				MaxLength: 0, HasMaxLength: true,
				ImplementationClassUID: "1.2.3.4",
				RoleSelections:         []RoleSelection{{SOPClassUID: "1.2.840.10008.5.1.4.1.1.2", SCURole: 0, SCPRole: 1}},
				UserIdentityAC:         &UserIdentityAC{ServerResponse: []byte("ticket")},
			},
		},
		"associate-rj": &AssociateRJ{Result: RejectPermanent, Source: RejectSourceServiceUser, Reason: RejectReasonCalledAENotRecognized},
		"p-data-tf": &PDataTF{Items: []PDV{
			{ContextID: 1, Control: ControlCommand | ControlLast, Data: []byte{1, 2, 3}},
			{ContextID: 1, Control: 0, Data: []byte{}},
		}},
		"release-rq": &ReleaseRQ{},
		"release-rp": &ReleaseRP{},
		"abort":      &Abort{Source: AbortServiceProvider, Reason: AbortUnexpectedPDU},
	}
}

func cmpOpts() cmp.Options { return cmp.Options{cmpopts.EquateEmpty()} }

func TestRoundTrip(t *testing.T) {
	for name, p := range samples() {
		t.Run(name, func(t *testing.T) {
			b, err := Encode(p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(got, p, cmpOpts()); diff != "" {
				t.Errorf("round trip (-got +want):\n%s", diff)
			}
			if *updateSeeds {
				if err := os.WriteFile(filepath.Join("testdata", name+".pdu"), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestKnownBytes pins the wire format against bytes written by hand from
// PS3.8, so that encoder and decoder cannot agree on a shared mistake.
func TestKnownBytes(t *testing.T) {
	tests := []struct {
		name string
		p    PDU
		want []byte
	}{
		{"rj", &AssociateRJ{Result: 1, Source: 1, Reason: 7}, []byte{3, 0, 0, 0, 0, 4, 0, 1, 1, 7}},
		{"abort", &Abort{Source: 2, Reason: 6}, []byte{7, 0, 0, 0, 0, 4, 0, 0, 2, 6}},
		{"release-rq", &ReleaseRQ{}, []byte{5, 0, 0, 0, 0, 4, 0, 0, 0, 0}},
		{"pdata", &PDataTF{Items: []PDV{{ContextID: 3, Control: 3, Data: []byte{0xAA}}}}, []byte{4, 0, 0, 0, 0, 7, 0, 0, 0, 3, 3, 3, 0xAA}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Encode(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("Encode = % x, want % x", got, tt.want)
			}
		})
	}
	// The fixed part of an RQ: version, reserved, AE titles padded with spaces.
	b, err := Encode(&AssociateRQ{ProtocolVersion: 1, CalledAE: "SCP", CallingAE: "SCU", ApplicationContext: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b[10:26]), "SCP             "; got != want {
		t.Errorf("called AE field = %q, want %q", got, want)
	}
	if got := AppendPDataHeader(nil, 3, 3, 1); !bytes.Equal(got, []byte{4, 0, 0, 0, 0, 7, 0, 0, 0, 3, 3, 3}) {
		t.Errorf("AppendPDataHeader = % x", got)
	}
}

func TestDecodeMalformed(t *testing.T) {
	rq, _ := Encode(samples()["associate-rq"].(*AssociateRQ))
	withLen := func(b []byte) []byte {
		binary.BigEndian.PutUint32(b[2:], uint32(len(b)-6))
		return b
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"short header", []byte{1, 0, 0}},
		{"unknown type", []byte{0x48, 0x54, 0x54, 0x50, 0x2F, 0x31}},
		{"length mismatch", []byte{5, 0, 0, 0, 0, 9, 0, 0, 0, 0}},
		{"rj too short", withLen([]byte{3, 0, 0, 0, 0, 0, 1, 1})},
		{"pdata empty", withLen([]byte{4, 0, 0, 0, 0, 0})},
		{"pdv length 1", withLen([]byte{4, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1})},
		{"pdv length past end", withLen([]byte{4, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 3})},
		{"assoc truncated fixed", withLen(append([]byte(nil), rq[:40]...))},
		{"assoc truncated item", withLen(append([]byte(nil), rq[:len(rq)-3]...))},
		{"pc without abstract", withLen(append(append([]byte(nil), rq[:74]...), 0x20, 0, 0, 4, 1, 0, 0, 0))},
		{"max length wrong size", withLen(append(append([]byte(nil), rq[:74]...), 0x50, 0, 0, 6, 0x51, 0, 0, 2, 0, 0))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.in)
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("Decode error = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestDecodeItemCap(t *testing.T) {
	rq := &AssociateRQ{ProtocolVersion: 1, ApplicationContext: DICOMApplicationContext}
	for i := 0; i < 100; i++ {
		rq.PresentationContexts = append(rq.PresentationContexts, PresentationContext{ID: 1, AbstractSyntax: "1", TransferSyntaxes: []string{"1"}})
	}
	b, err := Encode(rq)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeWithLimits(b, Limits{MaxItems: 50}); !errors.Is(err, ErrTooManyItems) {
		t.Errorf("error = %v, want ErrTooManyItems", err)
	}
	if _, err := DecodeWithLimits(b, Limits{MaxItems: 400}); err != nil {
		t.Errorf("error = %v with a sufficient cap", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name string
		p    PDU
	}{
		{"long AE", &AssociateRQ{CalledAE: strings.Repeat("A", 17)}},
		{"long UID", &AssociateRQ{ApplicationContext: strings.Repeat("1", 70000)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Encode(tt.p); !errors.Is(err, ErrValueTooLong) {
				t.Errorf("error = %v, want ErrValueTooLong", err)
			}
		})
	}
}

// slowReader returns at most one byte per Read, like a trickling peer.
type slowReader struct{ r io.Reader }

func (s slowReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return s.r.Read(p)
}

func TestReadFrame(t *testing.T) {
	big := make([]byte, 300<<10)
	pdata, _ := Encode(&PDataTF{Items: []PDV{{ContextID: 1, Control: 2, Data: big}}})
	rq, _ := Encode(samples()["associate-rq"])
	tests := []struct {
		name    string
		in      []byte
		lim     FrameLimits
		wantErr error
		wantLen int
	}{
		{"rq", rq, FrameLimits{}, nil, len(rq) - 6},
		{"big pdata", pdata, FrameLimits{MaxData: 1 << 20}, nil, len(pdata) - 6},
		{"pdata over cap", pdata, FrameLimits{MaxData: 16384}, ErrTooLong, 0},
		{"4 GiB length", []byte{4, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}, FrameLimits{}, ErrTooLong, 0},
		{"associate over cap", []byte{1, 0, 0, 0x20, 0, 0}, FrameLimits{}, ErrTooLong, 0},
		{"http", []byte("GET / HTTP/1.1\r\n\r\n"), FrameLimits{}, ErrUnknownType, 0},
		{"truncated body", []byte{4, 0, 0, 0, 0x10, 0, 1, 2}, FrameLimits{}, io.ErrUnexpectedEOF, 0},
		{"abort wrong length", []byte{7, 0, 0, 0, 0, 9}, FrameLimits{}, ErrTooLong, 0},
		{"eof", nil, FrameLimits{}, io.EOF, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body, err := ReadFrame(slowReader{bytes.NewReader(tt.in)}, tt.lim, nil)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if got := len(body); got != tt.wantLen {
				t.Errorf("body length = %d, want %d", got, tt.wantLen)
			}
		})
	}
}

func TestStrings(t *testing.T) {
	if got, want := RejectReasonString(RejectSourceServiceUser, 3), "calling-AE-title-not-recognized"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := RejectReasonString(RejectSourceServiceProviderPresentation, 2), "local-limit-exceeded"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := TypeAssociateRJ.String(), "A-ASSOCIATE-RJ"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
