package charset

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		scs     []string
		vr      string
		value   string
		want    string
		wantErr error
	}{
		// Default repertoire.
		{"default ascii", nil, "PN", "Doe^John", "Doe^John", nil},
		{"default latin1 leniency", nil, "PN", "Buc^J\xe9r\xf4me", "Buc^Jérôme", ErrNonASCII},
		{"ISO_IR 6", []string{"ISO_IR 6"}, "LO", "abc", "abc", nil},
		{"empty first value only", []string{""}, "LO", "abc", "abc", nil},

		// Single-byte sets without code extensions (PS3.5 Annex, and the
		// byte strings of David Clunie's sample files shipped by pydicom).
		{"ISO_IR 100 French", []string{"ISO_IR 100"}, "PN", "Buc^J\xe9r\xf4me", "Buc^Jérôme", nil},
		{"ISO_IR 100 German", []string{"ISO_IR 100"}, "PN", "\xc4neas^R\xfcdiger", "Äneas^Rüdiger", nil},
		{"ISO_IR 101", []string{"ISO_IR 101"}, "PN", "Wa\xb3\xeasa", "Wałęsa", nil},
		{"ISO_IR 109", []string{"ISO_IR 109"}, "PN", "anta\xfdnomo", "antaŭnomo", nil},
		{"ISO_IR 110", []string{"ISO_IR 110"}, "PN", "v\xe0rds", "vārds", nil},
		{"ISO_IR 144 Russian", []string{"ISO_IR 144"}, "PN", "\xbb\xee\xdace\xdc\xd1yp\xd3", "Люкceмбypг", nil},
		{"ISO_IR 127 Arabic", []string{"ISO_IR 127"}, "PN", "\xe2\xc8\xc7\xe6\xea^\xe4\xe6\xd2\xc7\xd1", "قباني^لنزار", nil},
		{"ISO_IR 126 Greek", []string{"ISO_IR 126"}, "PN", "\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2", "Διονυσιος", nil},
		{"ISO_IR 138 Hebrew", []string{"ISO_IR 138"}, "PN", "\xf9\xf8\xe5\xef^\xe3\xe1\xe5\xf8\xe4", "שרון^דבורה", nil},
		{"ISO_IR 148 Turkish", []string{"ISO_IR 148"}, "PN", "\xc7avu\xfeo\xf0lu", "Çavuşoğlu", nil},
		{"ISO_IR 166 Thai", []string{"ISO_IR 166"}, "PN", "\xb9\xd2\xc1\xca\xa1\xd8\xc5", "นามสกุล", nil},
		{"ISO_IR 13 katakana", []string{"ISO_IR 13"}, "PN", "\xd4\xcf\xc0\xde^\xc0\xdb\xb3", "ﾔﾏﾀﾞ^ﾀﾛｳ", nil},
		{"ISO_IR 3 undefined byte", []string{"ISO_IR 109"}, "LO", "a\xa5b", "a\uFFFDb", ErrInvalidBytes},
		{"Thai C1 range kept as control", []string{"ISO_IR 166"}, "LO", "a\x80", "a\u0080", nil},

		// Unicode and Chinese (PS3.5 Annex J).
		{"ISO_IR 192 Chinese", []string{"ISO_IR 192"}, "PN", "Wang^XiaoDong=\xe7\x8e\x8b^\xe5\xb0\x8f\xe6\x9d\xb1=", "Wang^XiaoDong=王^小東=", nil},
		{"ISO_IR 192 invalid", []string{"ISO_IR 192"}, "LO", "ab\xffc", "ab\uFFFDc", ErrInvalidBytes},
		{"GB18030 Annex J", []string{"GB18030"}, "PN", "Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab=", "Wang^XiaoDong=王^小东=", nil},
		{"GB18030 trail byte 0x5C is not a delimiter", []string{"GB18030"}, "LO", "\x81\x5c", "乗", nil},
		{"GB18030 four-byte", []string{"GB18030"}, "LO", "\x81\x30\x81\x30", "\u0080", nil},
		{"GBK", []string{"GBK"}, "PN", "\xcd\xf5^\xd0\xa1\xb6\xab", "王^小东", nil},
		{"GB18030 truncated", []string{"GB18030"}, "LO", "ab\xcd", "ab\uFFFD", ErrInvalidBytes},
		{"J.4 GB18030 long text", []string{"GB18030"}, "LT",
			"1.\xb5\xda\xd2\xbb\xd0\xd0\xce\xc4\xd7\xd6\xa1\xa3\r\n2.\xb5\xda\xb6\xfe\xd0\xd0\xce\xc4\xd7\xd6\xa1\xa3\r\n",
			"1.第一行文字。\r\n2.第二行文字。\r\n", nil},

		// Chinese with code extensions (PS3.5 Annex K, byte for byte).
		{"K.2 ISO 2022 IR 58 person name", []string{"", "ISO 2022 IR 58"}, "PN",
			"Zhang^XiaoDong=\x1b$)A\xd5\xc5^\x1b$)A\xd0\xa1\xb6\xab= ", "Zhang^XiaoDong=张^小东= ", nil},
		{"K.3 ISO 2022 IR 58 long text", []string{"", "ISO 2022 IR 58"}, "LT",
			"1.\x1b$)A\xb5\xda\xd2\xbb\xd0\xd0\xce\xc4\xd7\xd6\xa1\xa3\r\n" +
				"2.\x1b$)A\xb5\xda\xb6\xfe\xd0\xd0\xce\xc4\xd7\xd6\xa1\xa3\r\n" +
				"3.\x1b$)A\xb5\xda\xc8\xfd\xd0\xd0\xce\xc4\xd7\xd6\xa1\xa3\r\n",
			"1.第一行文字。\r\n2.第二行文字。\r\n3.第三行文字。\r\n", nil},
		{"K.3 G1 is reset at CR LF", []string{"", "ISO 2022 IR 58", "ISO 2022 IR 149"}, "LT",
			"\x1b$)A\xb5\xda\r\n\xb5\xda", "第\r\n\u00b5\u00da", ErrNonASCII},

		// Japanese (PS3.5 Annex H).
		{"H.3.1 ISO 2022 IR 87", []string{"", "ISO 2022 IR 87"}, "PN",
			"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B",
			"Yamada^Tarou=山田^太郎=やまだ^たろう", nil},
		{"H.3.2 ISO 2022 IR 13 and 87", []string{"ISO 2022 IR 13", "ISO 2022 IR 87"}, "PN",
			"\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(J^\x1b$BB@O:\x1b(J=\x1b$B$d$^$@\x1b(J^\x1b$B$?$m$&\x1b(J",
			"ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう", nil},
		{"IR 6 explicit and IR 87", []string{"ISO 2022 IR 6", "ISO 2022 IR 87"}, "PN",
			"\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B", "やまだ^たろう", nil},
		{"IR 87 without return to ASCII swallows ^", []string{"", "ISO 2022 IR 87"}, "PN",
			"\x1b$B;3ED^\x1b$BB@O:", "山田\uFFFD太郎", ErrInvalidBytes},
		{"IR 87 byte 0x5E inside a character is not a delimiter", []string{"", "ISO 2022 IR 87"}, "PN",
			"\x1b$B$^\x1b(B", "ま", nil},
		{"IR 87 odd run", []string{"", "ISO 2022 IR 87"}, "LO", "\x1b$B;3E\x1b(B", "山\uFFFD", ErrInvalidBytes},
		{"IR 87 reset at CR LF in LT", []string{"", "ISO 2022 IR 87"}, "LT", "\x1b$B;3\r\nab", "山\r\nab", nil},
		{"IR 87 backslash in LT is no reset", []string{"", "ISO 2022 IR 13", "ISO 2022 IR 87"}, "LT", "\x1b)I\\\xb1", "\\ｱ", nil},
		{"IR 159 JIS X 0212", []string{"", "ISO 2022 IR 87", "ISO 2022 IR 159"}, "LO", "\x1b$(D\x30\x21\x1b(B", "丂", nil},
		{"IR 13 katakana in multi-valued", []string{"ISO 2022 IR 13"}, "SH", "\xb1\\\xb2", "ｱ\\ｲ", nil},

		// Korean (PS3.5 Annex I).
		{"I.2 ISO 2022 IR 149", []string{"", "ISO 2022 IR 149"}, "PN",
			"Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf",
			"Hong^Gildong=洪^吉洞=홍^길동", nil},
		{"Korean multi", []string{"", "ISO 2022 IR 149"}, "PN", "\x1b$)C\xb1\xe8\xc8\xf1\xc1\xdf\x1b(B", "김희중", nil},
		{"Korean odd run", []string{"", "ISO 2022 IR 149"}, "LO", "\x1b$)C\xb1\xe8\xc8", "김\uFFFD", ErrInvalidBytes},
		{"IR 149 as first value needs no escape", []string{"ISO 2022 IR 149"}, "PN", "\xb1\xe8\xc8\xf1\xc1\xdf", "김희중", nil},
		{"Korean with space", []string{"", "ISO 2022 IR 149"}, "LO", "\x1b$)C\xb1\xe8 \xc8\xf1", "김 희", nil},

		// Single-byte code extensions (the byte strings pydicom tests with).
		{"2022 IR 13", []string{"ISO 2022 IR 13"}, "PN", "\x1b)I\xd4\xcf\xc0\xde^\x1b)I\xc0\xdb\xb3", "ﾔﾏﾀﾞ^ﾀﾛｳ", nil},
		{"2022 IR 100", []string{"ISO 2022 IR 100"}, "PN", "\x1b-ABuc^\x1b-AJ\xe9r\xf4me", "Buc^Jérôme", nil},
		{"2022 IR 101", []string{"ISO 2022 IR 101"}, "PN", "\x1b-BWa\xb3\xeasa", "Wałęsa", nil},
		{"2022 IR 109", []string{"ISO 2022 IR 109"}, "PN", "\x1b-Canta\xfdnomo", "antaŭnomo", nil},
		{"2022 IR 110", []string{"ISO 2022 IR 110"}, "PN", "\x1b-Dv\xe0rds", "vārds", nil},
		{"2022 IR 127", []string{"ISO 2022 IR 127"}, "PN", "\x1b-G\xe2\xc8\xc7\xe6\xea^\x1b-G\xe4\xe6\xd2\xc7\xd1", "قباني^لنزار", nil},
		{"2022 IR 126", []string{"ISO 2022 IR 126"}, "PN", "\x1b-F\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2", "Διονυσιος", nil},
		{"2022 IR 138", []string{"ISO 2022 IR 138"}, "PN", "\x1b-H\xf9\xf8\xe5\xef^\x1b-H\xe3\xe1\xe5\xf8\xe4", "שרון^דבורה", nil},
		{"2022 IR 144", []string{"ISO 2022 IR 144"}, "PN", "\x1b-L\xbb\xee\xdace\xdc\xd1yp\xd3", "Люкceмбypг", nil},
		{"2022 IR 148", []string{"ISO 2022 IR 148"}, "PN", "\x1b-M\xc7avu\xfeo\xf0lu", "Çavuşoğlu", nil},
		{"2022 IR 166", []string{"ISO 2022 IR 166"}, "PN", "\x1b-T\xb9\xd2\xc1\xca\xa1\xd8\xc5", "นามสกุล", nil},
		{"Latin1 and Greek switch within a value", []string{"ISO 2022 IR 100", "ISO 2022 IR 126"}, "LO", "\xe9\x1b-F\xc4\x1b-A\xe9", "éΔé", nil},
		{"G1 resets at backslash", []string{"ISO 2022 IR 100", "ISO 2022 IR 126"}, "LO", "\x1b-F\xc4\\\xc4", "Δ\\Ä", nil},

		// Hostile and broken input.
		{"unknown escape", []string{"", "ISO 2022 IR 87"}, "LO", "a\x1b%Gb", "a\uFFFD%Gb", ErrUnknownEscape},
		{"truncated escape", []string{"", "ISO 2022 IR 87"}, "LO", "a\x1b$", "a\uFFFD$", ErrUnknownEscape},
		{"undeclared escape", []string{"", "ISO 2022 IR 87"}, "LO", "\x1b$)C\xb1\xe8", "김", ErrUndeclaredEscape},
		{"escape without extensions", []string{"ISO_IR 100"}, "LO", "\x1b-F\xc4", "Δ", ErrUndeclaredEscape},
		{"high byte with no G1", []string{"", "ISO 2022 IR 87"}, "LO", "\xe9", "é", ErrNonASCII},
		{"missing escape, one G1 declared", []string{"", "ISO 2022 IR 58"}, "PN", "Zhang^\xd5\xc5", "Zhang^张", ErrMissingEscape},
		{"missing escape, Korean", []string{"", "ISO 2022 IR 149"}, "PN", "\xb1\xe8", "김", ErrMissingEscape},
		{"missing escape, Latin-1 and Greek: no single choice", []string{"", "ISO 2022 IR 100", "ISO 2022 IR 126"}, "LO", "\xe9", "é", ErrNonASCII},
		{"katakana range check", []string{"ISO_IR 13"}, "LO", "\xe0", "\uFFFD", ErrInvalidBytes},
		{"empty", []string{"ISO 2022 IR 149"}, "PN", "", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(tc.scs)
			if err != nil {
				t.Fatalf("New(%q): %v", tc.scs, err)
			}
			got, err := d.Decode([]byte(tc.value), tc.vr)
			if got != tc.want {
				t.Errorf("Decode = %q, want %q", got, tc.want)
			}
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Errorf("Decode error = %v, want %v", err, tc.wantErr)
			}
			var de *DecodeError
			if err != nil && !errors.As(err, &de) {
				t.Errorf("Decode error %T is not a *DecodeError", err)
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		scs     []string
		value   string
		want    string
		wantErr error
	}{
		{"nil", nil, "abc", "abc", nil},
		{"padded term", []string{"ISO_IR 100 "}, "\xe9", "é", nil},
		{"unknown term falls back to default", []string{"ISO_IR 999"}, "a\xe9", "aé", ErrUnknownTerm},
		{"unknown second term ignored", []string{"ISO_IR 100", "KLINGON"}, "\xe9", "é", ErrUnknownTerm},
		{"lenient spelling", []string{"ISO-IR 100"}, "\xe9", "é", ErrUnknownTerm},
		{"lenient UTF-8", []string{"utf-8"}, "\xc3\xa9", "é", ErrUnknownTerm},
		{"UTF-8 with others", []string{"ISO_IR 192", "ISO 2022 IR 87"}, "\xc3\xa9", "é", ErrInvalidTerms},
		{"non-2022 terms mixed", []string{"ISO_IR 100", "ISO_IR 126"}, "\x1b-F\xc4", "Δ", ErrInvalidTerms},
		{"too many terms", append([]string{"ISO_IR 100"}, make([]string, 1000)...), "\xe9", "é", ErrInvalidTerms},
		{"two problems", []string{"ISO_IR 999", "ISO_IR 100"}, "a", "a", ErrInvalidTerms},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := New(tc.scs)
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Errorf("New error = %v, want %v", err, tc.wantErr)
			}
			if d == nil {
				t.Fatal("New returned a nil decoder")
			}
			got, _ := d.Decode([]byte(tc.value), "LO")
			if got != tc.want {
				t.Errorf("Decode = %q, want %q", got, tc.want)
			}
			if err != nil && strings.ContainsAny(err.Error(), "\n\r\x1b") {
				t.Errorf("New error %q is not one printable line", err)
			}
		})
	}
}

func TestDecodeErrorOffset(t *testing.T) {
	long := strings.Repeat("\xcd\xf5", 5000) // 10,000 bytes of 王
	tests := []struct {
		name  string
		scs   []string
		value string
		want  int
	}{
		{"GB18030 after ASCII", []string{"GB18030"}, "abcd\xff\xff", 4},
		{"GB18030 after two-byte character", []string{"GB18030"}, "\xcd\xf5\xff", 2},
		{"GB18030 after four-byte character", []string{"GB18030"}, "\x81\x30\x81\x30\xff", 4},
		{"GB18030 truncated at the end", []string{"GB18030"}, "ab\xcd", 2},
		{"GB18030 beyond the first chunk", []string{"GB18030"}, long + "\xff", len(long)},
		{"GBK bad trail byte", []string{"GBK"}, "\xcd\xf5\xcd\x20", 2},
		{"UTF-8", []string{"ISO_IR 192"}, "\xe7\x8e\x8b\xe7\x8e", 3},
		{"Latin-3 undefined", []string{"ISO_IR 109"}, "ab\xa5", 2},
		{"Korean odd run", []string{"", "ISO 2022 IR 149"}, "\x1b$)C\xb1\xe8\xc8", 6},
		{"unknown escape", []string{"", "ISO 2022 IR 87"}, "ab\x1b%G", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := New(tc.scs)
			_, err := d.Decode([]byte(tc.value), "LO")
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error = %v, want a *DecodeError", err)
			}
			if got := de.Offset; got != tc.want {
				t.Errorf("offset = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestDecodeLinear guards against quadratic work on hostile values: a
// large invalid GB18030 value must decode, offset included, quickly.
func TestDecodeLinear(t *testing.T) {
	value := []byte(strings.Repeat("\xcd\xf5", 1<<20) + "\xff")
	d, _ := New([]string{"GB18030"})
	got, err := d.Decode(value, "UT")
	var de *DecodeError
	if !errors.As(err, &de) || de.Offset != len(value)-1 {
		t.Fatalf("error = %v, want a *DecodeError at %d", err, len(value)-1)
	}
	if !strings.HasSuffix(got, "王\uFFFD") {
		t.Errorf("decoded text ends %q", got[len(got)-8:])
	}
}

func TestNilDecoderIsDefault(t *testing.T) {
	var d *Decoder
	got, err := d.Decode([]byte("ab"), "LO")
	if got != "ab" || err != nil {
		t.Errorf("nil Decoder: %q, %v", got, err)
	}
}

func FuzzDecode(f *testing.F) {
	seeds := []struct {
		scs   string
		vr    string
		value string
	}{
		{"\\ISO 2022 IR 87", "PN", "Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B"},
		{"ISO 2022 IR 13\\ISO 2022 IR 87", "PN", "\xd4\xcf\xc0\xde^\xc0\xdb\xb3=\x1b$B;3ED\x1b(J"},
		{"\\ISO 2022 IR 149", "PN", "Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7"},
		{"\\ISO 2022 IR 58", "PN", "\x1b$)A\xd5\xc5"},
		{"\\ISO 2022 IR 87\\ISO 2022 IR 159", "LO", "\x1b$(D\x30\x21"},
		{"GB18030", "PN", "Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab="},
		{"GBK", "LO", "\xcd\xf5"},
		{"ISO_IR 192", "LT", "\xe7\x8e\x8b\r\n\xff"},
		{"ISO_IR 100", "PN", "Buc^J\xe9r\xf4me"},
		{"ISO 2022 IR 100\\ISO 2022 IR 126\\ISO 2022 IR 144", "LO", "\x1b-F\xc4\x1b-L\xbb\\\xe9"},
		{"ISO_IR 166", "ST", "\xb9\xd2\x80"},
		{"", "CS", "\x1b\x1b$"},
	}
	for _, s := range seeds {
		f.Add(s.scs, s.vr, []byte(s.value))
	}
	f.Fuzz(func(t *testing.T, scs, vr string, value []byte) {
		d, _ := New(splitBackslash(scs))
		got, err := d.Decode(value, vr)
		if !utf8.ValidString(got) {
			t.Fatalf("Decode returned invalid UTF-8 %q", got)
		}
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset > len(value) {
				t.Fatalf("Decode error %v is not a *DecodeError with an offset in the value", err)
			}
			// The error is the first problem: everything before it decodes
			// cleanly.
			if _, err := d.Decode(value[:de.Offset], vr); err != nil {
				t.Fatalf("Decode reported its first problem at %d, but the prefix before it fails: %v", de.Offset, err)
			}
		}
		// Decoding is deterministic and the decoder has no hidden state.
		again, err2 := d.Decode(value, vr)
		if again != got || (err == nil) != (err2 == nil) {
			t.Fatalf("second Decode differs: %q, %v then %q, %v", got, err, again, err2)
		}
		// Plain ASCII needs no decoding in every character set whose G0
		// starts as ASCII (all but GB18030/GBK/UTF-8 keep ASCII too).
		if isPlainASCII(value) && string(got) != string(value) {
			t.Fatalf("plain ASCII %q decoded to %q", value, got)
		}
		// Output is bounded by the input: at most 4 bytes per input byte.
		if len(got) > 4*len(value)+4 {
			t.Fatalf("output of %d bytes for %d input bytes", len(got), len(value))
		}
	})
}

func splitBackslash(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func BenchmarkDecode(b *testing.B) {
	cases := []struct {
		name, vr, value string
		scs             []string
	}{
		{"ascii", "PN", "Doe^John^^^", nil},
		{"latin1", "PN", "Buc^J\xe9r\xf4me", []string{"ISO_IR 100"}},
		{"japanese", "PN", "Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B", []string{"", "ISO 2022 IR 87"}},
		{"gb18030", "PN", "Wang^XiaoDong=\xcd\xf5^\xd0\xa1\xb6\xab=", []string{"GB18030"}},
	}
	for _, c := range cases {
		d, _ := New(c.scs)
		v := []byte(c.value)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d.Decode(v, c.vr)
			}
		})
	}
}
