package x400

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"mixerd/ber"
)

// ---------------------------------------------------------------------------
// X.680 restricted string types.

func TestCharsetRestrictedStringsExhaustive(t *testing.T) {
	const printable = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?"
	const numeric = "0123456789 "
	for c := 0; c < 256; c++ {
		s := string([]byte{byte(c)}) // possibly invalid UTF-8
		wantP := c < 0x80 && strings.IndexByte(printable, byte(c)) >= 0
		wantN := c < 0x80 && strings.IndexByte(numeric, byte(c)) >= 0
		wantI := c <= 0x7F
		wantV := c >= 0x20 && c <= 0x7E
		if got := IsPrintableString(s); got != wantP {
			t.Errorf("IsPrintableString(%q) = %v, want %v", s, got, wantP)
		}
		if got := IsNumericString(s); got != wantN {
			t.Errorf("IsNumericString(%q) = %v, want %v", s, got, wantN)
		}
		if got := IsIA5String(s); got != wantI {
			t.Errorf("IsIA5String(%q) = %v, want %v", s, got, wantI)
		}
		if got := IsVisibleString(s); got != wantV {
			t.Errorf("IsVisibleString(%q) = %v, want %v", s, got, wantV)
		}
	}
}

func TestCharsetRestrictedStrings(t *testing.T) {
	tests := []struct {
		s                                string
		printable, numeric, ia5, visible bool
	}{
		{"", true, true, true, true},
		{"GB", true, false, true, true},
		{"Isode Ltd.", true, false, true, true},
		{"O'Brien (Sales) +44 1-2/3:4=5?", true, false, true, true},
		{"0123 456", true, true, true, true},
		{"12345", true, true, true, true},
		{"a@b", false, false, true, true},
		{"x_y", false, false, true, true},
		{"a;b", false, false, true, true},
		{"tab\there", false, false, true, false},
		{"del\x7f", false, false, true, false},
		{"caf\u00e9", false, false, false, false},
		{"1\xff", false, false, false, false},
		{"12a", true, false, true, true},
		{"*", false, false, true, true},
	}
	for _, tt := range tests {
		if got := IsPrintableString(tt.s); got != tt.printable {
			t.Errorf("IsPrintableString(%q) = %v", tt.s, got)
		}
		if got := IsNumericString(tt.s); got != tt.numeric {
			t.Errorf("IsNumericString(%q) = %v", tt.s, got)
		}
		if got := IsIA5String(tt.s); got != tt.ia5 {
			t.Errorf("IsIA5String(%q) = %v", tt.s, got)
		}
		if got := IsVisibleString(tt.s); got != tt.visible {
			t.Errorf("IsVisibleString(%q) = %v", tt.s, got)
		}
	}
}

func TestCharsetRestrictedStringsNoAlloc(t *testing.T) {
	s := strings.Repeat("C=GB; ADMD=BT; PRMD=Isode; O=Example ", 10)
	n := testing.AllocsPerRun(100, func() {
		_ = IsPrintableString(s)
		_ = IsNumericString(s)
		_ = IsIA5String(s)
		_ = IsVisibleString(s)
	})
	if n != 0 {
		t.Errorf("restricted string checks allocate %v times, want 0", n)
	}
}

// ---------------------------------------------------------------------------
// T.61 decoding.

// charsetT61Supplementary is an independent transcription of the T.61
// supplementary set's spacing characters (ITU-T T.61 (1988)).
var charsetT61Supplementary = []struct {
	b byte
	s string
}{
	{0xA1, "¡"}, {0xA2, "¢"}, {0xA3, "£"}, {0xA4, "$"}, {0xA5, "¥"}, {0xA6, "#"},
	{0xA7, "§"}, {0xA8, "¤"}, {0xAB, "«"},
	{0xB0, "°"}, {0xB1, "±"}, {0xB2, "²"}, {0xB3, "³"}, {0xB4, "×"}, {0xB5, "µ"},
	{0xB6, "¶"}, {0xB7, "·"}, {0xB8, "÷"}, {0xBB, "»"}, {0xBC, "¼"}, {0xBD, "½"},
	{0xBE, "¾"}, {0xBF, "¿"},
	{0xE0, "\u2126"}, {0xE1, "Æ"}, {0xE2, "Đ"}, {0xE3, "ª"}, {0xE4, "Ħ"}, {0xE6, "Ĳ"},
	{0xE7, "Ŀ"}, {0xE8, "Ł"}, {0xE9, "Ø"}, {0xEA, "Œ"}, {0xEB, "º"}, {0xEC, "Þ"},
	{0xED, "Ŧ"}, {0xEE, "Ŋ"}, {0xEF, "ŉ"},
	{0xF0, "ĸ"}, {0xF1, "æ"}, {0xF2, "đ"}, {0xF3, "ð"}, {0xF4, "ħ"}, {0xF5, "ı"},
	{0xF6, "ĳ"}, {0xF7, "ŀ"}, {0xF8, "ł"}, {0xF9, "ø"}, {0xFA, "œ"}, {0xFB, "ß"},
	{0xFC, "þ"}, {0xFD, "ŧ"}, {0xFE, "ŋ"},
}

func TestT61Supplementary(t *testing.T) {
	if len(charsetT61Supplementary) != 23+30 {
		t.Fatalf("test table has %d entries", len(charsetT61Supplementary))
	}
	for _, tt := range charsetT61Supplementary {
		got, err := T61ToUTF8([]byte{tt.b})
		if err != nil || got != tt.s {
			t.Errorf("T61ToUTF8(%#02x) = %q, %v; want %q", tt.b, got, err, tt.s)
			continue
		}
		// In context.
		got, err = T61ToUTF8([]byte{'<', tt.b, '>'})
		if err != nil || got != "<"+tt.s+">" {
			t.Errorf("T61ToUTF8(<%#02x>) = %q, %v", tt.b, got, err)
		}
		want := []byte{tt.b}
		switch tt.b {
		case 0xA4:
			want = []byte{'$'}
		case 0xA6:
			want = []byte{'#'}
		}
		enc, err := UTF8ToT61(tt.s)
		if err != nil || !bytes.Equal(enc, want) {
			t.Errorf("UTF8ToT61(%q) = % X, %v; want % X", tt.s, enc, err, want)
		}
	}
}

func TestT61Diacritics(t *testing.T) {
	tests := []struct {
		in   []byte
		want string
	}{
		{[]byte{0xC1, 'a'}, "à"}, {[]byte{0xC1, 'E'}, "È"},
		{[]byte{0xC2, 'e'}, "é"}, {[]byte{0xC2, 'E'}, "É"}, {[]byte{0xC2, 'z'}, "ź"},
		{[]byte{0xC3, 'o'}, "ô"}, {[]byte{0xC3, 'J'}, "Ĵ"},
		{[]byte{0xC4, 'n'}, "ñ"}, {[]byte{0xC4, 'A'}, "Ã"},
		{[]byte{0xC5, 'a'}, "ā"}, {[]byte{0xC5, 'U'}, "Ū"},
		{[]byte{0xC6, 'g'}, "ğ"}, {[]byte{0xC6, 'A'}, "Ă"},
		{[]byte{0xC7, 'z'}, "ż"}, {[]byte{0xC7, 'I'}, "İ"},
		{[]byte{0xC8, 'u'}, "ü"}, {[]byte{0xC8, 'Y'}, "Ÿ"},
		{[]byte{0xC9, 'u'}, "ü"}, {[]byte{0xC9, 'O'}, "Ö"}, // legacy umlaut
		{[]byte{0xCA, 'a'}, "å"}, {[]byte{0xCA, 'U'}, "Ů"},
		{[]byte{0xCB, 'c'}, "ç"}, {[]byte{0xCB, 'S'}, "Ş"},
		{[]byte{0xCD, 'o'}, "ő"}, {[]byte{0xCD, 'U'}, "Ű"},
		{[]byte{0xCE, 'e'}, "ę"}, {[]byte{0xCE, 'A'}, "Ą"},
		{[]byte{0xCF, 'c'}, "č"}, {[]byte{0xCF, 'Z'}, "Ž"}, {[]byte{0xCF, 'j'}, "ǰ"},
		// Supplementary letters as bases.
		{[]byte{0xC2, 0xE1}, "Ǽ"}, {[]byte{0xC5, 0xF1}, "ǣ"}, {[]byte{0xC2, 0xF9}, "ǿ"},
		// No precomposed form: base followed by the combining mark.
		{[]byte{0xC2, 'x'}, "x\u0301"},
		{[]byte{0xCF, 'q'}, "q\u030C"},
		{[]byte{0xC8, '#'}, "#\u0308"},
		{[]byte{0xC2, ' '}, " \u0301"},
		{[]byte{0xC2, 0xE8}, "Ł\u0301"},
		{[]byte{0xC1, 0xE0}, "\u2126\u0300"},
		{[]byte{0xC2, 0xA4}, "$\u0301"},
		// Sentences.
		{[]byte("Fran\xCBcois M\xC8uller, \xC2Ecole Polytechnique, Z\xC8urich"), "François Müller, École Polytechnique, Zürich"},
		{[]byte("Du\xCFsan Ba\xCFca, \xCFCesk\xC2y Krumlov"), "Dušan Bača, Český Krumlov"},
		{[]byte("K\xF9benhavn, \xCAAlborg, \xE9resund, stra\xFBe"), "København, Ålborg, Øresund, straße"},
	}
	for _, tt := range tests {
		got, err := T61ToUTF8(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("T61ToUTF8(% X) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestT61LoneDiacritics(t *testing.T) {
	tests := []struct {
		in   []byte
		want string
	}{
		// A diacritic with no graphic character after it sits on a
		// space: a bare combining mark would change the character
		// before it ("a" then a lone acute is not "á").
		{[]byte{0xC2}, " \u0301"},
		{[]byte{'a', 0xC2}, "a \u0301"},
		{[]byte{0xC2, 0xC8, 'u'}, " \u0301ü"},
		{[]byte{0xC2, '\n'}, " \u0301\n"},
		{[]byte{0xC8, 0x7F}, " \u0308\x7f"},
		{[]byte{0xC9}, " \u0308"},
		{[]byte{0xCF, 0xC1}, " \u030C \u0300"},
	}
	for _, tt := range tests {
		got, err := T61ToUTF8(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("T61ToUTF8(% X) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestT61SevenBitPassThrough(t *testing.T) {
	var all []byte
	for c := 0; c < 0x80; c++ {
		all = append(all, byte(c))
	}
	got, err := T61ToUTF8(all)
	if err != nil || got != string(all) {
		t.Fatalf("T61ToUTF8(0x00..0x7F) = %q, %v", got, err)
	}
	enc, err := UTF8ToT61(string(all))
	if err != nil || !bytes.Equal(enc, all) {
		t.Fatalf("UTF8ToT61(0x00..0x7F) = % X, %v", enc, err)
	}
	// Controls among 8-bit text still pass through.
	got, err = T61ToUTF8([]byte("a\r\n\xC2e\x0c#$\xA6\xA4"))
	if want := "a\r\né\x0c#$#$"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}

// charsetT61Defined reports whether the single byte c is defined by T.61
// (as implemented: 7-bit pass-through, supplementary set, diacritics incl.
// the legacy 0xC9).
func charsetT61Defined(c byte) bool {
	if c < 0x80 {
		return true
	}
	if c >= 0xC1 && c <= 0xCF {
		return c != 0xCC
	}
	for _, e := range charsetT61Supplementary {
		if e.b == c {
			return true
		}
	}
	return false
}

func TestT61UndefinedBytes(t *testing.T) {
	var undefined []byte
	for c := 0; c < 256; c++ {
		in := []byte{'a', 'b', byte(c), 'c'}
		got, err := T61ToUTF8(in)
		if charsetT61Defined(byte(c)) {
			if err != nil {
				t.Errorf("T61ToUTF8(% X) unexpected error %v", in, err)
			}
			continue
		}
		undefined = append(undefined, byte(c))
		var ce *CharsetError
		if !errors.As(err, &ce) {
			t.Errorf("T61ToUTF8(% X) = %q, %v; want *CharsetError", in, got, err)
			continue
		}
		if ce.Offset != 2 {
			t.Errorf("T61ToUTF8(% X): offset %d, want 2", in, ce.Offset)
		}
		if want := fmt.Sprintf("x400: T.61 byte 0x%02X at offset 2: ", c); !strings.HasPrefix(err.Error(), want) {
			t.Errorf("error %q does not start with %q", err, want)
		}
	}
	// 0x80-0xA0 (33), A9 AA AC-AF B9 BA (8), C0 CC (2), D0-DF (16), E5 FF (2).
	if len(undefined) != 33+8+2+16+2 {
		t.Errorf("%d undefined bytes: % X", len(undefined), undefined)
	}
}

func TestT61Errors(t *testing.T) {
	tests := []struct {
		in     []byte
		offset int
		msg    string
	}{
		{[]byte("abc\xCC"), 3, "x400: T.61 byte 0xCC at offset 3: undefined diacritic"},
		{[]byte("\xCCa"), 0, "x400: T.61 byte 0xCC at offset 0: undefined diacritic"},
		{[]byte("\xC0"), 0, "x400: T.61 byte 0xC0 at offset 0: undefined in T.61"},
		{[]byte("x\x85y"), 1, "x400: T.61 byte 0x85 at offset 1: C1 control not supported in TeletexString"},
		{[]byte("\xC2e\x9B"), 2, "x400: T.61 byte 0x9B at offset 2: C1 control not supported in TeletexString"},
		{[]byte("\xE5"), 0, "x400: T.61 byte 0xE5 at offset 0: undefined in T.61"},
		{[]byte("ok\xC2\xFF"), 3, "x400: T.61 byte 0xFF at offset 3: undefined in T.61"},
		{[]byte("\xC2\xCC"), 1, "x400: T.61 byte 0xCC at offset 1: undefined diacritic"},
		{[]byte("\xD0"), 0, "x400: T.61 byte 0xD0 at offset 0: undefined in T.61"},
		{[]byte("\xA0"), 0, "x400: T.61 byte 0xA0 at offset 0: undefined in T.61"},
	}
	for _, tt := range tests {
		got, err := T61ToUTF8(tt.in)
		var ce *CharsetError
		if !errors.As(err, &ce) {
			t.Errorf("T61ToUTF8(% X) = %q, %v; want error", tt.in, got, err)
			continue
		}
		if ce.Offset != tt.offset || err.Error() != tt.msg {
			t.Errorf("T61ToUTF8(% X) error = %d %q; want %d %q", tt.in, ce.Offset, err, tt.offset, tt.msg)
		}
		if got != "" {
			t.Errorf("T61ToUTF8(% X) returned %q with error", tt.in, got)
		}
	}
}

// ---------------------------------------------------------------------------
// T.61 encoding.

func TestUTF8ToT61(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
	}{
		{"", []byte{}},
		{"C=GB; O=Isode #1 $5 \\^`{}~", []byte("C=GB; O=Isode #1 $5 \\^`{}~")},
		{"é", []byte{0xC2, 'e'}},
		{"e\u0301", []byte{0xC2, 'e'}},             // decomposed input
		{"ab\u0301c", []byte{'a', 0xC2, 'b', 'c'}}, // mark on the last ASCII byte of the prefix
		{"x\u0301", []byte{0xC2, 'x'}},
		{"Müller", []byte("M\xC8uller")},
		{"François", []byte("Fran\xCBcois")},
		{"Český Krumlov", []byte("\xCFCesk\xC2y Krumlov")},
		{"Łódź", []byte("\xE8\xC2od\xC2z")},
		{"Ǿresund", []byte("\xC2\xE9resund")},
		{"Ø\u0301", []byte{0xC2, 0xE9}},
		{"\u2126", []byte{0xE0}},
		{"\u03A9", []byte{0xE0}}, // alias
		{"Đ", []byte{0xE2}},
		{"\u00D0", []byte{0xE2}}, // Ð alias
		{"\u212B", []byte{0xCA, 'A'}},
		{"´", []byte{0xC2, ' '}},
		{"ˇ¨", []byte{0xCF, ' ', 0xC8, ' '}},
		{" \u0301", []byte{0xC2, ' '}}, // a mark on a space: a lone diacritic
		{"a \u0301\n", []byte{'a', 0xC2, ' ', '\n'}},
		{"\u0301", nil},   // a mark with nothing to sit on: error
		{"é\u0308", nil},  // two marks on one letter: error
		{"\n\u0301", nil}, // a mark after a control: error
		{"1½ × 2 ≠", nil}, // error, checked below
	}
	for _, tt := range tests {
		got, err := UTF8ToT61(tt.in)
		if tt.want == nil {
			if err == nil {
				t.Errorf("UTF8ToT61(%q) = % X, want error", tt.in, got)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("UTF8ToT61(%q) = % X, %v; want % X", tt.in, got, err, tt.want)
		}
	}
}

func TestUTF8ToT61Errors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{"price: 5€", 8, "x400: rune U+20AC '€' at index 8: not representable in T.61"},
		{"é€", 2, "x400: rune U+20AC '€' at index 2: not representable in T.61"},
		{"1½ × 2 ≠", 9, "x400: rune U+2260 '≠' at index 9: not representable in T.61"},
		{"\u0085", 0, "x400: rune U+0085 at index 0: not representable in T.61"},
		{"\u00A0", 0, "x400: rune U+00A0 at index 0: not representable in T.61"},
		{"ǖ", 0, "x400: rune U+01D6 'ǖ' at index 0: not representable in T.61"},
		{"ab\xffcd", 2, "x400: invalid UTF-8 byte 0xFF at index 2"},
		{"é\xc3", 2, "x400: invalid UTF-8 byte 0xC3 at index 2"},
		{"\u0301b", 0, "x400: rune U+0301 at index 0: combining mark without a base character T.61 can carry it on"},
		{"a\u0301\u0308b", 3, "x400: rune U+0308 at index 3: combining mark without a base character T.61 can carry it on"},
		{"\n\u0308£", 1, "x400: rune U+0308 at index 1: combining mark without a base character T.61 can carry it on"},
		{"\u0301\n", 0, "x400: rune U+0301 at index 0: combining mark without a base character T.61 can carry it on"},
	}
	for _, tt := range tests {
		got, err := UTF8ToT61(tt.in)
		var ce *CharsetError
		if !errors.As(err, &ce) {
			t.Errorf("UTF8ToT61(%q) = % X, %v; want error", tt.in, got, err)
			continue
		}
		if ce.Offset != tt.offset || err.Error() != tt.msg {
			t.Errorf("UTF8ToT61(%q) error = %d %q; want %d %q", tt.in, ce.Offset, err, tt.offset, tt.msg)
		}
	}
}

// TestAppendUTF8ToT61 checks that AppendUTF8ToT61 appends exactly what
// UTF8ToT61 returns, leaves dst as it was on error, and allocates nothing
// when dst has room.
func TestAppendUTF8ToT61(t *testing.T) {
	for _, in := range []string{
		"", "C=GB; O=Isode #1 $5", "é", "ab\u0301c", "Český Krumlov", "\u0301", "\n\u0301",
		"price: 5€", "ab\xffcd", "\u0301b", strings.Repeat("Zürich ", 30),
	} {
		want, wantErr := UTF8ToT61(in)
		prefix := []byte("prefix")
		got, err := AppendUTF8ToT61(prefix, in)
		if (err != nil) != (wantErr != nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Errorf("AppendUTF8ToT61(%q) error %v, UTF8ToT61 error %v", in, err, wantErr)
			continue
		}
		if err != nil {
			if string(got) != "prefix" {
				t.Errorf("AppendUTF8ToT61(%q) failed but returned % X", in, got)
			}
			continue
		}
		if !bytes.Equal(got[:6], prefix) || !bytes.Equal(got[6:], want) {
			t.Errorf("AppendUTF8ToT61(%q) = % X, want prefix + % X", in, got, want)
		}
		buf := make([]byte, 0, len(in)+8)
		if n := testing.AllocsPerRun(50, func() { _, _ = AppendUTF8ToT61(buf[:0], in) }); n != 0 {
			t.Errorf("AppendUTF8ToT61(%q) into a large enough buffer: %v allocations, want 0", in, n)
		}
	}
}

// TestTeletexStrFastPath checks that teletexStr gives T61ToUTF8's result
// for every single byte and for mixed strings, that a 7-bit string aliases
// the input (no allocation) and that addTeletex allocates nothing.
func TestTeletexStrFastPath(t *testing.T) {
	elem := func(c []byte) ber.Element {
		var b ber.Builder
		b.AddPrimitive(ber.TeletexString, c)
		r := ber.NewReader(b.Bytes(), nil)
		e, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	var inputs [][]byte
	for c := 0; c < 256; c++ {
		inputs = append(inputs, []byte{byte(c)}, []byte{'a', byte(c), '$', '#', 0x7f, 0, '\n'})
	}
	inputs = append(inputs, []byte("C=GB; O=Isode #1 $5 \\^`{}~"), []byte("12345678\xC2e"), []byte("1234567\x80"), nil)
	for _, in := range inputs {
		e := elem(in)
		want, wantErr := T61ToUTF8(in)
		got, err := teletexStr(&e)
		if (err != nil) != (wantErr != nil) || got != want {
			t.Errorf("teletexStr(% X) = %q, %v; T61ToUTF8 gives %q, %v", in, got, err, want, wantErr)
		}
	}
	in := []byte("C=GB; ADMD= ; PRMD=NATO; O=MARCOM # $ \x7f\r\n")
	e := elem(in)
	s, err := teletexStr(&e)
	if err != nil || s != string(in) {
		t.Fatalf("teletexStr = %q, %v", s, err)
	}
	if unsafe.StringData(s) != &e.Content[0] {
		t.Error("teletexStr copied a 7-bit string")
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = teletexStr(&e) }); n != 0 {
		t.Errorf("teletexStr of a 7-bit string: %v allocations, want 0", n)
	}
	b := ber.NewBuilder(1024)
	for _, s := range []string{"COMMANDER ALLIED MARITIME COMMAND", "Zürich École", strings.Repeat("Müller ", 40)} {
		b.Reset()
		addTeletex(b, ber.TeletexString, s)
		want, _ := UTF8ToT61(s)
		var w ber.Builder
		w.AddPrimitive(ber.TeletexString, want)
		if b.Err() != nil || !bytes.Equal(b.Bytes(), w.Bytes()) {
			t.Errorf("addTeletex(%q) = % X, %v; want % X", s, b.Bytes(), b.Err(), w.Bytes())
		}
		if n := testing.AllocsPerRun(100, func() { b.Reset(); addTeletex(b, ber.TeletexString, s) }); n != 0 {
			t.Errorf("addTeletex(%q): %v allocations, want 0", s, n)
		}
	}
	b.Reset()
	m := b.Begin(ber.Sequence)
	addTeletex(b, ber.TeletexString, "5€")
	b.End(m)
	if b.Err() == nil {
		t.Error("addTeletex of an unrepresentable rune did not fail")
	}
}

// ---------------------------------------------------------------------------
// Round trips.

// charsetT61Canonical reports whether b is canonical T.61 as defined in the
// UTF8ToT61 documentation: no 0xC9, 0xA4 or 0xA6, and every diacritic
// followed by a graphic character.
func charsetT61Canonical(b []byte) bool {
	for i, c := range b {
		switch {
		case c == 0xC9 || c == 0xA4 || c == 0xA6:
			return false
		case c >= 0xC1 && c <= 0xCF:
			if i+1 >= len(b) || t61Base(b[i+1]) < 0 {
				return false
			}
		}
	}
	return true
}

func TestT61CompositionTable(t *testing.T) {
	count := 0
	seen := map[rune]string{}
	for d := 0xC1; d <= 0xCF; d++ {
		for base := 0; base < 256; base++ {
			p := t61Compose[d&0x0F][base]
			if p == 0 {
				continue
			}
			count++
			if d == 0xC9 || d == 0xCC {
				t.Errorf("composition for undefined diacritic %#x", d)
			}
			if t61Base(byte(base)) < 0 {
				t.Errorf("composition with non-graphic base %#x", base)
			}
			if prev, dup := seen[rune(p)]; dup {
				t.Errorf("%c composed twice (%s and %#x %#x)", p, prev, d, base)
			}
			seen[rune(p)] = fmt.Sprintf("%#x %#x", d, base)
		}
	}
	// 251 compositions with primary-set letters (Unicode NFC), plus
	// Ǽ ǽ Ǿ ǿ Ǣ ǣ with supplementary letters.
	if count != 251+6 {
		t.Errorf("%d compositions, want 257", count)
	}
	for _, spot := range []struct {
		d, base byte
		r       rune
	}{
		{0xC1, 'A', 0x00C0}, {0xC2, 'w', 0x1E83}, {0xC3, 'Z', 0x1E90}, {0xC4, 'y', 0x1EF9},
		{0xC5, 'G', 0x1E20}, {0xC6, 'u', 0x016D}, {0xC7, 'o', 0x022F}, {0xC8, 't', 0x1E97},
		{0xCA, 'y', 0x1E99}, {0xCB, 'h', 0x1E29}, {0xCD, 'O', 0x0150}, {0xCE, 'o', 0x01EB},
		{0xCF, 'H', 0x021E}, {0xC2, 0xE9, 0x01FE}, {0xC5, 0xE1, 0x01E2},
	} {
		if got := rune(t61Compose[spot.d&0x0F][spot.base]); got != spot.r {
			t.Errorf("compose(%#x, %q) = %U, want %U", spot.d, spot.base, got, spot.r)
		}
	}
}

// TestT61RoundTripPairs checks every diacritic with every possible base.
func TestT61RoundTripPairs(t *testing.T) {
	for d := 0xC1; d <= 0xCF; d++ {
		for base := 0; base < 256; base++ {
			in := []byte{byte(d), byte(base)}
			u, err := T61ToUTF8(in)
			if err != nil {
				continue
			}
			out, err := UTF8ToT61(u)
			if err != nil {
				t.Errorf("% X -> %q -> error %v", in, u, err)
				continue
			}
			want := append([]byte(nil), in...)
			for i := range want {
				if want[i] == 0xC9 {
					want[i] = 0xC8
				}
			}
			switch want[1] {
			case 0xA4:
				want[1] = '$'
			case 0xA6:
				want[1] = '#'
			}
			if t61Base(in[1]) < 0 {
				// The diacritic has no graphic character after it: it
				// sits on a space, and is written back so.
				want = append([]byte{want[0], ' '}, want[1:]...)
				if want[2] >= 0xC1 && want[2] <= 0xCF {
					want = append(want, ' ')
				}
			}
			if !bytes.Equal(out, want) {
				t.Errorf("% X -> %q -> % X, want % X", in, u, out, want)
			}
		}
	}
}

// TestT61RoundTripExhaustive checks every 1- and 2-byte input and every
// 3-byte input over an alphabet covering all byte classes.
func TestT61RoundTripExhaustive(t *testing.T) {
	check := func(in []byte) {
		t.Helper()
		u, err := T61ToUTF8(in)
		if err != nil {
			return
		}
		out, err := UTF8ToT61(u)
		if err != nil {
			t.Fatalf("% X -> %q -> error %v", in, u, err)
		}
		if charsetT61Canonical(in) && !bytes.Equal(out, in) {
			t.Fatalf("canonical % X -> %q -> % X", in, u, out)
		}
		u2, err := T61ToUTF8(out)
		if err != nil {
			t.Fatalf("% X -> %q -> % X -> error %v", in, u, out, err)
		}
		out2, err := UTF8ToT61(u2)
		if err != nil || !bytes.Equal(out2, out) {
			t.Fatalf("not idempotent: % X -> % X -> % X (%v)", in, out, out2, err)
		}
	}
	for c := 0; c < 256; c++ {
		check([]byte{byte(c)})
		for c2 := 0; c2 < 256; c2++ {
			check([]byte{byte(c), byte(c2)})
		}
	}
	alpha := []byte{0x00, '\n', ' ', '#', '$', 'a', 'e', 'x', 0x7F, 0x85, 0xA4, 0xA6, 0xB4, 0xC1, 0xC2, 0xC8, 0xC9, 0xCC, 0xCF, 0xE0, 0xE1, 0xE9, 0xFF}
	for _, a := range alpha {
		for _, b := range alpha {
			for _, c := range alpha {
				check([]byte{a, b, c})
			}
		}
	}
}

func TestT61RoundTripText(t *testing.T) {
	texts := []string{
		"Ærøskøbing, Ålborg, Þórshöfn, Łódź, Œuvre, straße, İstanbul, Ħamrun, ĳsselmeer",
		"Dvořák: Slovanské tance; Liszt Ferenc: Magyar rapszódiák; Señor Núñez",
		"¡Hola! ¿Qué? 1½ + ¼ × 3 ÷ 2 ± 0,5 ° § ¶ · « » £ ¥ ¢ ¤ µ ² ³ ª º",
		"ŉ ĸ Ŀ ŀ Ŧ ŧ Ŋ ŋ Đ đ ð ı Ø ø Þ þ \u2126",
		"line1\r\nline2\fpage",
	}
	for _, s := range texts {
		b, err := UTF8ToT61(s)
		if err != nil {
			t.Errorf("UTF8ToT61(%q): %v", s, err)
			continue
		}
		if !charsetT61Canonical(b) {
			t.Errorf("UTF8ToT61(%q) = % X is not canonical", s, b)
		}
		u, err := T61ToUTF8(b)
		if err != nil || u != s {
			t.Errorf("T61ToUTF8(UTF8ToT61(%q)) = %q, %v", s, u, err)
		}
	}
}

func TestT61Allocs(t *testing.T) {
	ascii := []byte(strings.Repeat("C=GB; ADMD=BT; PRMD=Isode; O=Example Corp; S=Smith", 4))
	accents := []byte(strings.Repeat("Fran\xCBcois M\xC8uller, \xC2Ecole, Z\xC8urich \xE9resund ", 4))
	asciiS := string(ascii)
	accentsS, err := T61ToUTF8(accents)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"T61ToUTF8 ascii", func() { _, _ = T61ToUTF8(ascii) }},
		{"T61ToUTF8 accents", func() { _, _ = T61ToUTF8(accents) }},
		{"UTF8ToT61 ascii", func() { _, _ = UTF8ToT61(asciiS) }},
		{"UTF8ToT61 accents", func() { _, _ = UTF8ToT61(accentsS) }},
	} {
		if n := testing.AllocsPerRun(100, tc.f); n > 1 {
			t.Errorf("%s: %v allocations, want at most 1", tc.name, n)
		}
	}
}

// ---------------------------------------------------------------------------
// BMPString and UniversalString.

func TestBMPString(t *testing.T) {
	tests := []struct {
		s string
		b []byte
	}{
		{"", []byte{}},
		{"A", []byte{0x00, 0x41}},
		{"Zürich", []byte{0, 'Z', 0, 0xFC, 0, 'r', 0, 'i', 0, 'c', 0, 'h'}},
		{"東京", []byte{0x67, 0x71, 0x4E, 0xAC}},
		{"€\uFFFD\uFFFF", []byte{0x20, 0xAC, 0xFF, 0xFD, 0xFF, 0xFF}},
	}
	for _, tt := range tests {
		b, err := UTF8ToBMPString(tt.s)
		if err != nil || !bytes.Equal(b, tt.b) {
			t.Errorf("UTF8ToBMPString(%q) = % X, %v; want % X", tt.s, b, err, tt.b)
		}
		s, err := BMPStringToUTF8(tt.b)
		if err != nil || s != tt.s {
			t.Errorf("BMPStringToUTF8(% X) = %q, %v; want %q", tt.b, s, err, tt.s)
		}
	}
}

func TestBMPStringErrors(t *testing.T) {
	dec := []struct {
		b      []byte
		offset int
		msg    string
	}{
		{[]byte{0x00}, 0, "x400: BMPString trailing byte at offset 0: odd length 1"},
		{[]byte{0x00, 0x41, 0x00}, 2, "x400: BMPString trailing byte at offset 2: odd length 3"},
		{[]byte{0x00, 0x41, 0xD8, 0x3D, 0xDE, 0x00}, 2, "x400: BMPString code unit 0xD83D at offset 2: surrogate not allowed in UCS-2"},
		{[]byte{0xDF, 0xFF}, 0, "x400: BMPString code unit 0xDFFF at offset 0: surrogate not allowed in UCS-2"},
	}
	for _, tt := range dec {
		_, err := BMPStringToUTF8(tt.b)
		var ce *CharsetError
		if !errors.As(err, &ce) || ce.Offset != tt.offset || err.Error() != tt.msg {
			t.Errorf("BMPStringToUTF8(% X) error = %v; want offset %d %q", tt.b, err, tt.offset, tt.msg)
		}
	}
	enc := []struct {
		s      string
		offset int
		msg    string
	}{
		{"ab😀", 2, "x400: rune U+1F600 '😀' at index 2: outside the Basic Multilingual Plane, not representable in BMPString"},
		{"a\xed\xa0\x80", 1, "x400: invalid UTF-8 byte 0xED at index 1"},
	}
	for _, tt := range enc {
		_, err := UTF8ToBMPString(tt.s)
		var ce *CharsetError
		if !errors.As(err, &ce) || ce.Offset != tt.offset || err.Error() != tt.msg {
			t.Errorf("UTF8ToBMPString(%q) error = %v; want offset %d %q", tt.s, err, tt.offset, tt.msg)
		}
	}
}

func TestUniversalString(t *testing.T) {
	tests := []struct {
		s string
		b []byte
	}{
		{"", []byte{}},
		{"A", []byte{0, 0, 0, 0x41}},
		{"é😀", []byte{0, 0, 0, 0xE9, 0, 0x01, 0xF6, 0x00}},
		{"\U0010FFFF", []byte{0, 0x10, 0xFF, 0xFF}},
	}
	for _, tt := range tests {
		b, err := UTF8ToUniversalString(tt.s)
		if err != nil || !bytes.Equal(b, tt.b) {
			t.Errorf("UTF8ToUniversalString(%q) = % X, %v; want % X", tt.s, b, err, tt.b)
		}
		s, err := UniversalStringToUTF8(tt.b)
		if err != nil || s != tt.s {
			t.Errorf("UniversalStringToUTF8(% X) = %q, %v; want %q", tt.b, s, err, tt.s)
		}
	}
}

func TestUniversalStringErrors(t *testing.T) {
	dec := []struct {
		b      []byte
		offset int
		msg    string
	}{
		{[]byte{0, 0, 0}, 0, "x400: UniversalString trailing bytes at offset 0: length 3 is not a multiple of 4"},
		{[]byte{0, 0, 0, 'a', 0, 0}, 4, "x400: UniversalString trailing bytes at offset 4: length 6 is not a multiple of 4"},
		{[]byte{0, 0, 0, 'a', 0, 0x11, 0, 0}, 4, "x400: UniversalString character 0x00110000 at offset 4: not a Unicode scalar value"},
		{[]byte{0, 0, 0xD8, 0}, 0, "x400: UniversalString character 0x0000D800 at offset 0: not a Unicode scalar value"},
		{[]byte{0x80, 0, 0, 0x41}, 0, "x400: UniversalString character 0x80000041 at offset 0: not a Unicode scalar value"},
	}
	for _, tt := range dec {
		_, err := UniversalStringToUTF8(tt.b)
		var ce *CharsetError
		if !errors.As(err, &ce) || ce.Offset != tt.offset || err.Error() != tt.msg {
			t.Errorf("UniversalStringToUTF8(% X) error = %v; want offset %d %q", tt.b, err, tt.offset, tt.msg)
		}
	}
	_, err := UTF8ToUniversalString("ok\x80")
	var ce *CharsetError
	if !errors.As(err, &ce) || ce.Offset != 2 || err.Error() != "x400: invalid UTF-8 byte 0x80 at index 2" {
		t.Errorf("UTF8ToUniversalString invalid UTF-8: %v", err)
	}
}

// ---------------------------------------------------------------------------
// Fuzzing.

func FuzzT61(f *testing.F) {
	for _, seed := range [][]byte{
		nil, []byte("C=GB; O=Isode"), []byte("Fran\xCBcois M\xC8uller"), []byte{0xC2},
		[]byte{0xC2, 0xC2, 'e'}, []byte{'x', 0xC2, 0xC2, 'e'}, []byte{0xC9, 'u', 0xA4, 0xA6},
		[]byte{0xCC}, []byte{0x85}, []byte{0xC2, 0xE9, 0xE0, 0xC1, 0xE0}, []byte{0xC2, ' ', 0xC8, '\n'},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := T61ToUTF8(b)
		if err != nil {
			var ce *CharsetError
			if !errors.As(err, &ce) || ce.Offset < 0 || ce.Offset >= len(b) || charsetT61Defined(b[ce.Offset]) {
				t.Fatalf("T61ToUTF8(% X): bad error %v", b, err)
			}
			return
		}
		if !utf8.ValidString(u) {
			t.Fatalf("T61ToUTF8(% X) = %q: invalid UTF-8", b, u)
		}
		e, err := UTF8ToT61(u)
		if err != nil {
			t.Fatalf("T61ToUTF8(% X) = %q, but UTF8ToT61 fails: %v", b, u, err)
		}
		if charsetT61Canonical(b) && !bytes.Equal(e, b) {
			t.Fatalf("canonical % X -> %q -> % X", b, u, e)
		}
		u2, err := T61ToUTF8(e)
		if err != nil {
			t.Fatalf("% X -> %q -> % X -> %v", b, u, e, err)
		}
		// The text survives being written back: what a relayed O/R
		// address or subject reads as does not change.
		if u2 != u {
			t.Fatalf("text changed: % X -> %q -> % X -> %q", b, u, e, u2)
		}
		e2, err := UTF8ToT61(u2)
		if err != nil || !bytes.Equal(e2, e) {
			t.Fatalf("not idempotent: % X -> % X -> % X (%v)", b, e, e2, err)
		}
	})
}

// charsetPlainForT61 reports whether s avoids the characters whose T.61
// encoding decodes to a different (equivalent) string: combining marks,
// spacing accents and encoder aliases.
func charsetPlainForT61(s string) bool {
	for _, r := range s {
		switch {
		case r >= 0x300 && r <= 0x36F, r == '\u03A9', r == '\u00D0', r == '\u212B':
			return false
		}
		for _, e := range t61SpacingDiacritics {
			if r == e.r {
				return false
			}
		}
	}
	return true
}

func FuzzUTF8ToT61(f *testing.F) {
	for _, seed := range []string{
		"", "C=GB", "Müller", "e\u0301", "\u0301b", "a\u0301\u0308", "Ǿ\u0301", "€", "\xff",
		"´¨", "\u03A9\u2126", "Łódź\n\u0301", "x\u0301é",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := UTF8ToT61(s)
		if err != nil {
			var ce *CharsetError
			if !errors.As(err, &ce) || ce.Offset < 0 || ce.Offset >= len(s) {
				t.Fatalf("UTF8ToT61(%q): bad error %v", s, err)
			}
			return
		}
		if len(e) > len(s) {
			t.Fatalf("UTF8ToT61(%q) = % X longer than input", s, e)
		}
		u, err := T61ToUTF8(e)
		if err != nil {
			t.Fatalf("UTF8ToT61(%q) = % X, which does not decode: %v", s, e, err)
		}
		if charsetPlainForT61(s) && u != s {
			t.Fatalf("%q -> % X -> %q", s, e, u)
		}
		e2, err := UTF8ToT61(u)
		if err != nil || !bytes.Equal(e2, e) {
			t.Fatalf("not idempotent: %q -> % X -> %q -> % X (%v)", s, e, u, e2, err)
		}
		if a, err := AppendUTF8ToT61([]byte("x"), s); err != nil || string(a[1:]) != string(e) {
			t.Fatalf("AppendUTF8ToT61(%q) = % X, %v; UTF8ToT61 gives % X", s, a, err, e)
		}
	})
}

// ---------------------------------------------------------------------------
// Benchmarks.

func BenchmarkT61ToUTF8ASCII(b *testing.B) {
	in := []byte("C=GB; ADMD=BT; PRMD=Isode; O=Example Corp; OU=Sales; S=Smith; G=John; I=J")
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := T61ToUTF8(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkT61ToUTF8Accents(b *testing.B) {
	in := []byte("Fran\xCBcois M\xC8uller, \xC2Ecole Polytechnique, Z\xC8urich; Du\xCFsan Ba\xCFca, \xE9resund")
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := T61ToUTF8(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUTF8ToT61Accents(b *testing.B) {
	in := "François Müller, École Polytechnique, Zürich; Dušan Bača, Øresund"
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := UTF8ToT61(in); err != nil {
			b.Fatal(err)
		}
	}
}
