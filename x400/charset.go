package x400

// Character-set layer for the ASN.1 string types used by X.400:
//
//   - the restricted character string types of ITU-T X.680 §41
//     (PrintableString, NumericString, IA5String, VisibleString);
//   - TeletexString, i.e. ITU-T T.61 (1988) as profiled by X.400: the T.61
//     primary graphic set (ISO-IR 102) plus the supplementary set
//     (ISO-IR 103) with its non-spacing diacritical marks;
//   - BMPString and UniversalString, the two alternatives of the X.411
//     UniversalOrBMPString used by the "universal" O/R address attributes.
//
// Everything here is table driven and dependency free (no golang.org/x/text).

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// CharsetError reports a string that cannot be converted or is not valid for
// its ASN.1 string type.
//
// Offset is the byte offset of the offending unit in the input: an offset
// into the encoded bytes for the decoders (T61ToUTF8, BMPStringToUTF8,
// UniversalStringToUTF8) and a byte index into the UTF-8 string for the
// encoders (UTF8ToT61, UTF8ToBMPString, UTF8ToUniversalString). Msg is the
// complete human-readable description (it repeats the offset), for example
// "T.61 byte 0xCC at offset 3: undefined diacritic".
type CharsetError struct {
	Offset int
	Msg    string
}

func (e *CharsetError) Error() string { return "x400: " + e.Msg }

func charsetErrorf(off int, format string, args ...any) error {
	return &CharsetError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// ---------------------------------------------------------------------------
// X.680 §41 restricted character string types.

const (
	charsetClsPrintable uint8 = 1 << iota
	charsetClsNumeric
	charsetClsIA5
	charsetClsVisible
)

// charsetClass classifies every byte value; bytes >= 0x80 belong to no class.
var charsetClass = func() (t [256]uint8) {
	for c := 0; c < 0x80; c++ {
		t[c] |= charsetClsIA5
		if c >= 0x20 && c <= 0x7E {
			t[c] |= charsetClsVisible
		}
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			t[c] |= charsetClsPrintable
		}
	}
	for _, c := range []byte(" '()+,-./:=?") {
		t[c] |= charsetClsPrintable
	}
	for _, c := range []byte(" 0123456789") {
		t[c] |= charsetClsNumeric
	}
	return t
}()

func charsetAll(s string, cls uint8) bool {
	for i := 0; i < len(s); i++ {
		if charsetClass[s[i]]&cls == 0 {
			return false
		}
	}
	return true
}

// IsPrintableString reports whether s is a valid ASN.1 PrintableString
// (X.680 §41, PrintableString table): the characters A-Z a-z 0-9, space and
// ' ( ) + , - . / : = ?. The empty string is valid. It does not allocate.
func IsPrintableString(s string) bool { return charsetAll(s, charsetClsPrintable) }

// IsNumericString reports whether s is a valid ASN.1 NumericString
// (X.680 §41, NumericString table): the digits 0-9 and space. The empty
// string is valid. It does not allocate.
func IsNumericString(s string) bool { return charsetAll(s, charsetClsNumeric) }

// IsIA5String reports whether s is a valid ASN.1 IA5String (X.680 §41:
// ISO-IR 1 C0 controls + ISO-IR 6 graphics + SPACE + DELETE), i.e. every
// byte is in 0x00-0x7F. The empty string is valid. It does not allocate.
func IsIA5String(s string) bool { return charsetAll(s, charsetClsIA5) }

// IsVisibleString reports whether s is a valid ASN.1 VisibleString
// (ISO646String, X.680 §41: ISO-IR 6 graphics + SPACE), i.e. every byte is in
// 0x20-0x7E. The empty string is valid. It does not allocate.
func IsVisibleString(s string) bool { return charsetAll(s, charsetClsVisible) }

// ---------------------------------------------------------------------------
// TeletexString (ITU-T T.61).

// t61SupplementaryChars is the spacing part of the T.61 supplementary set
// (ITU-T T.61 (1988), supplementary set of graphic characters, ISO-IR 103)
// in its 8-bit position. Positions not listed (0xA0, 0xA9, 0xAA, 0xAC-0xAF,
// 0xB9, 0xBA, 0xC0, 0xD0-0xDF, 0xE5, 0xFF) are not defined by T.61;
// 0xC1-0xCF are the non-spacing diacritical marks (t61DiacriticMarks).
var t61SupplementaryChars = [...]struct {
	b byte
	r rune
}{
	{0xA1, '\u00A1'}, // ¡ INVERTED EXCLAMATION MARK
	{0xA2, '\u00A2'}, // ¢ CENT SIGN
	{0xA3, '\u00A3'}, // £ POUND SIGN
	{0xA4, '$'},      // $ DOLLAR SIGN (output as 0x24, see UTF8ToT61)
	{0xA5, '\u00A5'}, // ¥ YEN SIGN
	{0xA6, '#'},      // # NUMBER SIGN (output as 0x23, see UTF8ToT61)
	{0xA7, '\u00A7'}, // § SECTION SIGN
	{0xA8, '\u00A4'}, // ¤ CURRENCY SIGN
	{0xAB, '\u00AB'}, // « LEFT-POINTING DOUBLE ANGLE QUOTATION MARK
	{0xB0, '\u00B0'}, // ° DEGREE SIGN
	{0xB1, '\u00B1'}, // ± PLUS-MINUS SIGN
	{0xB2, '\u00B2'}, // ² SUPERSCRIPT TWO
	{0xB3, '\u00B3'}, // ³ SUPERSCRIPT THREE
	{0xB4, '\u00D7'}, // × MULTIPLICATION SIGN
	{0xB5, '\u00B5'}, // µ MICRO SIGN
	{0xB6, '\u00B6'}, // ¶ PILCROW SIGN
	{0xB7, '\u00B7'}, // · MIDDLE DOT
	{0xB8, '\u00F7'}, // ÷ DIVISION SIGN
	{0xBB, '\u00BB'}, // » RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK
	{0xBC, '\u00BC'}, // ¼ VULGAR FRACTION ONE QUARTER
	{0xBD, '\u00BD'}, // ½ VULGAR FRACTION ONE HALF
	{0xBE, '\u00BE'}, // ¾ VULGAR FRACTION THREE QUARTERS
	{0xBF, '\u00BF'}, // ¿ INVERTED QUESTION MARK
	{0xE0, '\u2126'}, // Ω OHM SIGN (RFC 1345 / ISO 6937 mapping; U+03A9 also encodes here)
	{0xE1, '\u00C6'}, // Æ LATIN CAPITAL LETTER AE
	{0xE2, '\u0110'}, // Đ LATIN CAPITAL LETTER D WITH STROKE (U+00D0 Ð also encodes here)
	{0xE3, '\u00AA'}, // ª FEMININE ORDINAL INDICATOR
	{0xE4, '\u0126'}, // Ħ LATIN CAPITAL LETTER H WITH STROKE
	{0xE6, '\u0132'}, // Ĳ LATIN CAPITAL LIGATURE IJ
	{0xE7, '\u013F'}, // Ŀ LATIN CAPITAL LETTER L WITH MIDDLE DOT
	{0xE8, '\u0141'}, // Ł LATIN CAPITAL LETTER L WITH STROKE
	{0xE9, '\u00D8'}, // Ø LATIN CAPITAL LETTER O WITH STROKE
	{0xEA, '\u0152'}, // Œ LATIN CAPITAL LIGATURE OE
	{0xEB, '\u00BA'}, // º MASCULINE ORDINAL INDICATOR
	{0xEC, '\u00DE'}, // Þ LATIN CAPITAL LETTER THORN
	{0xED, '\u0166'}, // Ŧ LATIN CAPITAL LETTER T WITH STROKE
	{0xEE, '\u014A'}, // Ŋ LATIN CAPITAL LETTER ENG
	{0xEF, '\u0149'}, // ŉ LATIN SMALL LETTER N PRECEDED BY APOSTROPHE
	{0xF0, '\u0138'}, // ĸ LATIN SMALL LETTER KRA
	{0xF1, '\u00E6'}, // æ LATIN SMALL LETTER AE
	{0xF2, '\u0111'}, // đ LATIN SMALL LETTER D WITH STROKE
	{0xF3, '\u00F0'}, // ð LATIN SMALL LETTER ETH
	{0xF4, '\u0127'}, // ħ LATIN SMALL LETTER H WITH STROKE
	{0xF5, '\u0131'}, // ı LATIN SMALL LETTER DOTLESS I
	{0xF6, '\u0133'}, // ĳ LATIN SMALL LIGATURE IJ
	{0xF7, '\u0140'}, // ŀ LATIN SMALL LETTER L WITH MIDDLE DOT
	{0xF8, '\u0142'}, // ł LATIN SMALL LETTER L WITH STROKE
	{0xF9, '\u00F8'}, // ø LATIN SMALL LETTER O WITH STROKE
	{0xFA, '\u0153'}, // œ LATIN SMALL LIGATURE OE
	{0xFB, '\u00DF'}, // ß LATIN SMALL LETTER SHARP S
	{0xFC, '\u00FE'}, // þ LATIN SMALL LETTER THORN
	{0xFD, '\u0167'}, // ŧ LATIN SMALL LETTER T WITH STROKE
	{0xFE, '\u014B'}, // ŋ LATIN SMALL LETTER ENG
}

// t61DiacriticMarks maps the low nibble of a T.61 non-spacing diacritical
// mark (0xC1-0xCF) to the Unicode combining character. 0 means undefined
// (0xC0 and 0xCC). 0xC9 is undefined in T.61 (1988) but was the umlaut in
// older practice; it is accepted as a synonym for 0xC8 on input.
var t61DiacriticMarks = [16]rune{
	0x1: '\u0300', // grave
	0x2: '\u0301', // acute
	0x3: '\u0302', // circumflex
	0x4: '\u0303', // tilde
	0x5: '\u0304', // macron
	0x6: '\u0306', // breve
	0x7: '\u0307', // dot above
	0x8: '\u0308', // diaeresis / umlaut
	0x9: '\u0308', // (legacy umlaut, normalised to 0xC8)
	0xA: '\u030A', // ring above
	0xB: '\u0327', // cedilla
	0xD: '\u030B', // double acute
	0xE: '\u0328', // ogonek
	0xF: '\u030C', // caron
}

// t61Compositions lists, for every T.61 diacritic, the base characters (as
// T.61 bytes) for which Unicode has a precomposed character, and those
// characters (UTF-8), in the same order. The list is the complete set of
// canonical compositions (Unicode NFC) of a T.61 graphic character with the
// diacritic's combining mark; it was generated from the Unicode Character
// Database. Bases are primary-set letters plus the supplementary letters
// Æ (0xE1), æ (0xF1), Ø (0xE9) and ø (0xF9). Compositions with Ω (0xE0)
// yielding Greek letters are deliberately omitted.
var t61Compositions = [...]struct {
	diacritic byte
	bases     string
	composed  string
}{
	{0xC1, "AEINOUWYaeinouwy", "ÀÈÌǸÒÙẀỲàèìǹòùẁỳ"},
	{0xC2, "ACEGIKLMNOPRSUWYZacegiklmnoprsuwyz\xE1\xF1\xE9\xF9", "ÁĆÉǴÍḰĹḾŃÓṔŔŚÚẂÝŹáćéǵíḱĺḿńóṕŕśúẃýźǼǽǾǿ"},
	{0xC3, "ACEGHIJOSUWYZaceghijosuwyz", "ÂĈÊĜĤÎĴÔŜÛŴŶẐâĉêĝĥîĵôŝûŵŷẑ"},
	{0xC4, "AEINOUVYaeinouvy", "ÃẼĨÑÕŨṼỸãẽĩñõũṽỹ"},
	{0xC5, "AEGIOUYaegiouy\xE1\xF1", "ĀĒḠĪŌŪȲāēḡīōūȳǢǣ"},
	{0xC6, "AEGIOUaegiou", "ĂĔĞĬŎŬăĕğĭŏŭ"},
	{0xC7, "ABCDEFGHIMNOPRSTWXYZabcdefghmnoprstwxyz", "ȦḂĊḊĖḞĠḢİṀṄȮṖṘṠṪẆẊẎŻȧḃċḋėḟġḣṁṅȯṗṙṡṫẇẋẏż"},
	{0xC8, "AEHIOUWXYaehiotuwxy", "ÄËḦÏÖÜẄẌŸäëḧïöẗüẅẍÿ"},
	{0xCA, "AUauwy", "ÅŮåůẘẙ"},
	{0xCB, "CDEGHKLNRSTcdeghklnrst", "ÇḐȨĢḨĶĻŅŖŞŢçḑȩģḩķļņŗşţ"},
	{0xCD, "OUou", "ŐŰőű"},
	{0xCE, "AEIOUaeiou", "ĄĘĮǪŲąęįǫų"},
	{0xCF, "ACDEGHIKLNORSTUZacdeghijklnorstuz", "ǍČĎĚǦȞǏǨĽŇǑŘŠŤǓŽǎčďěǧȟǐǰǩľňǒřšťǔž"},
}

// t61SpacingDiacritics are the Unicode spacing forms of diacritics that are
// not ASCII; T.61 represents them as the non-spacing mark followed by SPACE.
// They are accepted by UTF8ToT61 only (the decoder produces SPACE followed by
// the combining mark). Grave, circumflex and tilde are ASCII (` ^ ~) and stay
// ASCII.
var t61SpacingDiacritics = [...]struct {
	r         rune
	diacritic byte
}{
	{'\u00B4', 0xC2}, // ´ ACUTE ACCENT
	{'\u00AF', 0xC5}, // ¯ MACRON
	{'\u02D8', 0xC6}, // ˘ BREVE
	{'\u02D9', 0xC7}, // ˙ DOT ABOVE
	{'\u00A8', 0xC8}, // ¨ DIAERESIS
	{'\u02DA', 0xCA}, // ˚ RING ABOVE
	{'\u00B8', 0xCB}, // ¸ CEDILLA
	{'\u02DD', 0xCD}, // ˝ DOUBLE ACUTE ACCENT
	{'\u02DB', 0xCE}, // ˛ OGONEK
	{'\u02C7', 0xCF}, // ˇ CARON
}

var (
	// t61Supp maps a byte 0xA0-0xFF to its supplementary-set character (0:
	// undefined or a diacritic).
	t61Supp [0x60]rune
	// t61Compose maps (diacritic low nibble, base byte) to the precomposed
	// character (0: none). All compositions are in the BMP.
	t61Compose [16][256]uint16
	// t61Encode maps a non-ASCII rune to its T.61 encoding: diacritic<<8 |
	// byte, or just the byte for a single-byte character.
	t61Encode map[rune]uint16
)

func init() {
	t61Encode = make(map[rune]uint16, 400)
	for _, e := range t61SupplementaryChars {
		t61Supp[e.b-0xA0] = e.r
		if e.r >= utf8.RuneSelf { // '$' and '#' stay ASCII on output
			t61Encode[e.r] = uint16(e.b)
		}
	}
	// Aliases accepted on output only.
	t61Encode['\u03A9'] = 0xE0          // GREEK CAPITAL LETTER OMEGA, canonical equivalent of OHM SIGN
	t61Encode['\u00D0'] = 0xE2          // Ð LATIN CAPITAL LETTER ETH, same glyph as Đ
	t61Encode['\u212B'] = 0xCA<<8 | 'A' // ANGSTROM SIGN, canonical equivalent of Å
	for _, e := range t61Compositions {
		i := 0
		for _, r := range e.composed {
			if i >= len(e.bases) || r > 0xFFFF {
				panic("x400: bad T.61 composition table")
			}
			base := e.bases[i]
			t61Compose[e.diacritic&0x0F][base] = uint16(r)
			t61Encode[r] = uint16(e.diacritic)<<8 | uint16(base)
			i++
		}
		if i != len(e.bases) {
			panic("x400: bad T.61 composition table")
		}
	}
	for _, e := range t61SpacingDiacritics {
		t61Encode[e.r] = uint16(e.diacritic)<<8 | ' '
	}
}

// t61Base returns the character of b if b is a T.61 graphic character that
// can carry a diacritic (primary-set graphic or SPACE 0x20-0x7E, or a
// supplementary-set spacing character), else -1.
func t61Base(b byte) rune {
	switch {
	case b >= 0x20 && b <= 0x7E:
		return rune(b)
	case b >= 0xA0:
		if r := t61Supp[b-0xA0]; r != 0 {
			return r
		}
	}
	return -1
}

// t61DecodeOne decodes the T.61 unit at b[i] (a single byte, or a diacritic
// and its base). It returns one or two runes (r2 < 0 when there is only one)
// and the number of bytes consumed.
func t61DecodeOne(b []byte, i int) (r1, r2 rune, n int, err error) {
	c := b[i]
	switch {
	case c < 0x80:
		return rune(c), -1, 1, nil
	case c < 0xA0:
		return 0, 0, 0, charsetErrorf(i, "T.61 byte 0x%02X at offset %d: C1 control not supported in TeletexString", c, i)
	case c >= 0xC1 && c <= 0xCF:
		mark := t61DiacriticMarks[c&0x0F]
		if mark == 0 {
			return 0, 0, 0, charsetErrorf(i, "T.61 byte 0x%02X at offset %d: undefined diacritic", c, i)
		}
		if c == 0xC9 {
			c = 0xC8
		}
		if i+1 < len(b) {
			if base := t61Base(b[i+1]); base >= 0 {
				if p := t61Compose[c&0x0F][b[i+1]]; p != 0 {
					return rune(p), -1, 2, nil
				}
				return base, mark, 2, nil
			}
		}
		// No base character follows: the mark on a space, which is how
		// Unicode writes a diacritic standing alone (a bare combining mark
		// would attach to the character before it, changing that
		// character when the text is written back).
		return ' ', mark, 1, nil
	default:
		if r := t61Supp[c-0xA0]; r != 0 {
			return r, -1, 1, nil
		}
		return 0, 0, 0, charsetErrorf(i, "T.61 byte 0x%02X at offset %d: undefined in T.61", c, i)
	}
}

// T61ToUTF8 decodes a TeletexString (ITU-T T.61 (1988): primary graphic set,
// ISO-IR 102, and supplementary set, ISO-IR 103, in 8-bit form) to UTF-8.
//
// Bytes 0x00-0x7F are passed through unchanged: C0 controls (CR, LF, FF...),
// DEL, and all of 0x20-0x7E, including the positions T.61 leaves unused in
// its primary set (0x23 '#', 0x24 '$', 0x5C, 0x5E, 0x60, 0x7B, 0x7D, 0x7E),
// because real peers send them as ASCII. 0xA4 and 0xA6 decode to '$' and '#'.
//
// A non-spacing diacritic (0xC1-0xCF) applies to the graphic character that
// follows it. If Unicode has a precomposed character for the pair it is
// produced (0xC2 'e' -> "é"); otherwise the base character is followed by
// the Unicode combining mark (0xC2 'x' -> "x\u0301", 0xC2 ' ' -> " \u0301").
// A diacritic not followed by a graphic character (at the end, or before a
// control or another diacritic) decodes to a space carrying the combining
// mark, as if a space followed it: a bare mark would combine with the
// character before it. 0xC9,
// undefined in T.61 (1988), is accepted as the old umlaut (same as 0xC8).
//
// A *CharsetError giving the byte offset is returned for bytes T.61 does not
// define: C1 controls 0x80-0x9F (rejected, not passed through), 0xCC (the
// undefined diacritic position), and the unused supplementary positions
// 0xA0, 0xA9, 0xAA, 0xAC-0xAF, 0xB9, 0xBA, 0xC0, 0xD0-0xDF, 0xE5, 0xFF.
//
// Input that is pure 7-bit costs exactly one allocation (the result), and
// any other successful decode also allocates only the result.
func T61ToUTF8(b []byte) (string, error) {
	n := 0
	for n < len(b) && b[n] < 0x80 {
		n++
	}
	if n == len(b) {
		return string(b), nil
	}
	// First pass: validate and size the result exactly.
	size := n
	for i := n; i < len(b); {
		if b[i] < 0x80 {
			size++
			i++
			continue
		}
		r1, r2, k, err := t61DecodeOne(b, i)
		if err != nil {
			return "", err
		}
		size += utf8.RuneLen(r1)
		if r2 >= 0 {
			size += utf8.RuneLen(r2)
		}
		i += k
	}
	var sb strings.Builder
	sb.Grow(size)
	sb.Write(b[:n])
	for i := n; i < len(b); {
		if b[i] < 0x80 {
			sb.WriteByte(b[i])
			i++
			continue
		}
		r1, r2, k, _ := t61DecodeOne(b, i)
		sb.WriteRune(r1)
		if r2 >= 0 {
			sb.WriteRune(r2)
		}
		i += k
	}
	return sb.String(), nil
}

// t61MarkDiacritic returns the T.61 diacritic byte for a Unicode combining
// mark, or 0.
func t61MarkDiacritic(r rune) byte {
	switch r {
	case '\u0300':
		return 0xC1
	case '\u0301':
		return 0xC2
	case '\u0302':
		return 0xC3
	case '\u0303':
		return 0xC4
	case '\u0304':
		return 0xC5
	case '\u0306':
		return 0xC6
	case '\u0307':
		return 0xC7
	case '\u0308':
		return 0xC8
	case '\u030A':
		return 0xCA
	case '\u0327':
		return 0xCB
	case '\u030B':
		return 0xCD
	case '\u0328':
		return 0xCE
	case '\u030C':
		return 0xCF
	}
	return 0
}

// t61IsGraphicOut reports whether an output byte produced by UTF8ToT61 is a
// graphic character, i.e. one a preceding diacritic would attach to.
func t61IsGraphicOut(c byte) bool {
	return (c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && (c < 0xC0 || c > 0xCF))
}

// UTF8ToT61 encodes a UTF-8 string as a TeletexString (ITU-T T.61 (1988)
// primary and supplementary sets); it is the inverse of T61ToUTF8.
//
// 7-bit characters (0x00-0x7F) are kept as they are. In particular '#' and
// '$' are sent as 0x23 and 0x24, not as the T.61 supplementary positions
// 0xA6 and 0xA4: that is what deployed X.400 implementations (ISODE/PP,
// Isode M-Switch) send and expect. Precomposed letters become diacritic +
// base letter (é -> 0xC2 'e'); a graphic character followed by a combining
// mark that T.61 has (U+0300 family) becomes the diacritic followed by the
// character; the non-ASCII spacing accents (´ ¨ ¯ ¸ ˘ ˙ ˚ ˝ ˛ ˇ) become the
// diacritic followed by SPACE. U+03A9 Ω, U+00D0 Ð and U+212B Å are accepted
// as aliases of 0xE0, 0xE2 and 0xCA 'A'.
//
// A combining mark that cannot be attached to a preceding graphic character
// (after a control, or a second mark on one letter), invalid UTF-8 and
// characters T.61 cannot represent give a *CharsetError naming the rune and
// its byte index in s.
//
// Round trip: for canonical T.61 (every diacritic followed by a graphic
// character, no 0xC9, no 0xA4/0xA6), UTF8ToT61(T61ToUTF8(b)) == b; 0xC9 comes
// back as 0xC8, 0xA4/0xA6 as 0x24/0x23, and a diacritic with no graphic
// character after it as the diacritic followed by SPACE. For any T.61 that
// decodes, T61ToUTF8(UTF8ToT61(T61ToUTF8(b))) == T61ToUTF8(b).
//
// Pure 7-bit input costs exactly one allocation (the result); otherwise the
// result is the only allocation (its capacity is at most len(s)).
func UTF8ToT61(s string) ([]byte, error) {
	// Every rune's encoding is no longer than its UTF-8 form, so len(s)
	// bytes always suffice.
	out, err := AppendUTF8ToT61(make([]byte, 0, len(s)), s)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AppendUTF8ToT61 appends the TeletexString encoding of s (see UTF8ToT61)
// to dst and returns the extended buffer. It allocates only when dst lacks
// room (len(s) bytes of spare capacity always suffice). On error it
// returns dst unchanged (its length as given) and the *CharsetError of
// UTF8ToT61.
func AppendUTF8ToT61(dst []byte, s string) ([]byte, error) {
	n := 0
	for n < len(s) && s[n] < utf8.RuneSelf {
		n++
	}
	if n == len(s) {
		return append(dst, s...), nil
	}
	// s[n] may be a combining mark applying to s[n-1]: let the general loop
	// handle s[n-1].
	if n > 0 {
		n--
	}
	dst0 := len(dst)
	out := append(dst, s[:n]...)
	for i := n; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var d, c byte // diacritic (0: none) and character byte
		switch {
		case r < utf8.RuneSelf:
			c = byte(r)
		case r == utf8.RuneError && size == 1:
			return dst[:dst0], charsetErrorf(i, "invalid UTF-8 byte 0x%02X at index %d", s[i], i)
		default:
			if code, ok := t61Encode[r]; ok {
				d, c = byte(code>>8), byte(code)
			} else if t61MarkDiacritic(r) != 0 {
				// A mark with no character of its own to sit on (after a
				// control, or a second mark on one letter): T.61 has no
				// way to write it that reads back as the same text.
				return dst[:dst0], charsetErrorf(i, "rune %U at index %d: combining mark without a base character T.61 can carry it on", r, i)
			} else {
				return dst[:dst0], charsetErrorf(i, "rune %#U at index %d: not representable in T.61", r, i)
			}
		}
		i += size
		if d == 0 && t61IsGraphicOut(c) && i < len(s) {
			// A following combining mark attaches to this character.
			if r2, size2 := utf8.DecodeRuneInString(s[i:]); r2 >= 0x300 {
				if md := t61MarkDiacritic(r2); md != 0 {
					d = md
					i += size2
				}
			}
		}
		if d != 0 {
			out = append(out, d)
		}
		out = append(out, c)
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// BMPString and UniversalString (X.411 UniversalOrBMPString).

// BMPStringToUTF8 decodes an ASN.1 BMPString (X.680 §41: UCS-2, ISO/IEC
// 10646 Basic Multilingual Plane, two octets per character, big endian), the
// "two-octets" alternative of the X.411 UniversalOrBMPString used by the
// universal O/R address attributes. An odd length and surrogate code units
// (0xD800-0xDFFF, which UCS-2 does not have) give a *CharsetError.
func BMPStringToUTF8(b []byte) (string, error) {
	if len(b)%2 != 0 {
		return "", charsetErrorf(len(b)-1, "BMPString trailing byte at offset %d: odd length %d", len(b)-1, len(b))
	}
	size := 0
	for i := 0; i < len(b); i += 2 {
		u := rune(b[i])<<8 | rune(b[i+1])
		if u >= 0xD800 && u <= 0xDFFF {
			return "", charsetErrorf(i, "BMPString code unit 0x%04X at offset %d: surrogate not allowed in UCS-2", u, i)
		}
		size += utf8.RuneLen(u)
	}
	var sb strings.Builder
	sb.Grow(size)
	for i := 0; i < len(b); i += 2 {
		sb.WriteRune(rune(b[i])<<8 | rune(b[i+1]))
	}
	return sb.String(), nil
}

// UTF8ToBMPString encodes s as an ASN.1 BMPString (UCS-2 big endian, see
// BMPStringToUTF8). Runes above U+FFFF and invalid UTF-8 give a
// *CharsetError with the byte index in s.
func UTF8ToBMPString(s string) ([]byte, error) {
	out := make([]byte, 0, 2*utf8.RuneCountInString(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return nil, charsetErrorf(i, "invalid UTF-8 byte 0x%02X at index %d", s[i], i)
		}
		if r > 0xFFFF {
			return nil, charsetErrorf(i, "rune %#U at index %d: outside the Basic Multilingual Plane, not representable in BMPString", r, i)
		}
		out = append(out, byte(r>>8), byte(r))
		i += size
	}
	return out, nil
}

// UniversalStringToUTF8 decodes an ASN.1 UniversalString (X.680 §41: UCS-4,
// four octets per character, big endian), the "four-octets" alternative of
// the X.411 UniversalOrBMPString. A length that is not a multiple of 4 and
// values that are not Unicode scalar values (surrogates, above U+10FFFF)
// give a *CharsetError.
func UniversalStringToUTF8(b []byte) (string, error) {
	if rem := len(b) % 4; rem != 0 {
		off := len(b) - rem
		return "", charsetErrorf(off, "UniversalString trailing bytes at offset %d: length %d is not a multiple of 4", off, len(b))
	}
	size := 0
	for i := 0; i < len(b); i += 4 {
		u := uint32(b[i])<<24 | uint32(b[i+1])<<16 | uint32(b[i+2])<<8 | uint32(b[i+3])
		if u > utf8.MaxRune || !utf8.ValidRune(rune(u)) {
			return "", charsetErrorf(i, "UniversalString character 0x%08X at offset %d: not a Unicode scalar value", u, i)
		}
		size += utf8.RuneLen(rune(u))
	}
	var sb strings.Builder
	sb.Grow(size)
	for i := 0; i < len(b); i += 4 {
		sb.WriteRune(rune(uint32(b[i])<<24 | uint32(b[i+1])<<16 | uint32(b[i+2])<<8 | uint32(b[i+3])))
	}
	return sb.String(), nil
}

// UTF8ToUniversalString encodes s as an ASN.1 UniversalString (UCS-4 big
// endian, see UniversalStringToUTF8). Invalid UTF-8 gives a *CharsetError
// with the byte index in s.
func UTF8ToUniversalString(s string) ([]byte, error) {
	out := make([]byte, 0, 4*utf8.RuneCountInString(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return nil, charsetErrorf(i, "invalid UTF-8 byte 0x%02X at index %d", s[i], i)
		}
		out = append(out, byte(r>>24), byte(r>>16), byte(r>>8), byte(r))
		i += size
	}
	return out, nil
}
