package x400

import (
	"strings"
	"unicode/utf8"
)

// The text of general text body parts: a GeneralString coded by the rules
// of ISO/IEC 2022, whose character sets the parameters list by their ISO
// International Register numbers (X.420 Annex A, IPMSExtendedBodyPartTypes2;
// X.690 §8.23.5 for the initial state of a GeneralString: G0 = ISO-IR 6,
// C0 = ISO-IR 1, everything else designated by escape sequences).

// The ISO-IR registrations the converter knows.
const (
	isoIRC0      = 1   // ISO 646 C0 controls
	isoIRIRV     = 2   // ISO 646 IRV (1973), read as ASCII
	isoIRASCII   = 6   // ASCII graphics
	isoIRC1      = 77  // ISO 6429 C1 controls
	isoIRLatin1  = 100 // ISO 8859-1 right-hand part
	isoIRUTF8L1  = 190 // UTF-8 level 1
	isoIRUTF8L2  = 191 // UTF-8 level 2
	isoIRUTF8L3  = 192 // UTF-8 level 3
	isoIRUTF8Any = 196 // UTF-8 without implementation level
)

// Text returns the text as UTF-8. It knows the character sets ISO-IR 1,
// 2 and 6 (ASCII), 77 (C1 controls), 100 (ISO 8859-1) and 190, 191, 192
// and 196 (UTF-8), the escape sequences that designate them (ESC ( B,
// ESC ( @, ESC - A, ESC % G, ESC % / G|H|I, ESC % @), the locking shifts
// SO / SI / LS1R, and GR invoked G1 as an 8-bit environment does. ISO 8859-1
// in G1 is assumed when 100 is registered, and UTF-8 when a UTF-8
// registration is the only graphic set registered besides ASCII. ok is
// false when another set is registered or designated, or when the octets
// do not fit the sets in use. Pure ASCII text is returned without copying.
func (x *GeneralTextBodyPart) Text() (string, bool) {
	var st generalTextState
	for _, r := range x.CharacterSets {
		switch r {
		case isoIRC0, isoIRIRV, isoIRASCII:
		case isoIRC1:
			st.c1 = true
		case isoIRLatin1:
			st.latin1Reg = true
		case isoIRUTF8L1, isoIRUTF8L2, isoIRUTF8L3, isoIRUTF8Any:
			st.utf8Reg = true
		default:
			return "", false
		}
	}
	d := x.Data
	plain := true
	for _, c := range d {
		if c >= 0x80 || c == 0x1b || c == 0x0e || c == 0x0f {
			plain = false
			break
		}
	}
	if plain {
		return unsafeString(d), true
	}
	st.g1Latin1 = st.latin1Reg
	st.utf8 = st.utf8Reg && !st.latin1Reg
	var sb strings.Builder
	sb.Grow(len(d) + len(d)/2)
	for i := 0; i < len(d); {
		c := d[i]
		if c == 0x1b {
			n, ok := st.escape(d[i:])
			if !ok {
				return "", false
			}
			i += n
			continue
		}
		if st.utf8 {
			r, n := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && n <= 1 {
				return "", false
			}
			sb.Write(d[i : i+n])
			i += n
			continue
		}
		i++
		switch {
		case c == 0x0e: // SO, LS1: G1 into GL
			if !st.g1Latin1 {
				return "", false
			}
			st.shifted = true
		case c == 0x0f: // SI, LS0: G0 into GL
			st.shifted = false
		case c < 0x20:
			sb.WriteByte(c)
		case c < 0x80:
			if st.shifted {
				sb.WriteRune(rune(c) | 0x80)
			} else {
				sb.WriteByte(c)
			}
		case c < 0xa0:
			if !st.c1 {
				return "", false
			}
			sb.WriteRune(rune(c))
		default:
			if !st.g1Latin1 {
				return "", false
			}
			sb.WriteRune(rune(c))
		}
	}
	return sb.String(), true
}

type generalTextState struct {
	c1, latin1Reg, utf8Reg bool
	g1Latin1               bool // G1 holds ISO 8859-1 (ISO-IR 100)
	utf8                   bool // in UTF-8 (ESC % G) mode
	shifted                bool // G1 is invoked into GL (SO)
}

// escape interprets the escape sequence at the start of b (b[0] is ESC)
// and returns its length; ok is false for sequences the converter does
// not know.
func (st *generalTextState) escape(b []byte) (int, bool) {
	n := 1
	for n < len(b) && b[n] >= 0x20 && b[n] <= 0x2f {
		n++
	}
	if n >= len(b) || b[n] < 0x30 || b[n] > 0x7e {
		return 0, false
	}
	seq := string(b[1 : n+1]) // intermediates and final; does not allocate in a switch
	n++
	if st.utf8 {
		// Inside UTF-8 only the return to ISO 2022 and UTF-8 itself are
		// recognised.
		switch seq {
		case "%@":
			st.utf8 = false
			return n, true
		case "%G", "%/G", "%/H", "%/I":
			return n, true
		}
		return 0, false
	}
	switch seq {
	case "(B", "(@": // ASCII / IRV into G0
		st.shifted = false
		return n, true
	case "-A": // ISO 8859-1 right half into G1
		st.g1Latin1 = true
		return n, true
	case "~": // LS1R: G1 into GR (the 8-bit default)
		return n, true
	case "%G", "%/G", "%/H", "%/I": // UTF-8
		st.utf8 = true
		return n, true
	case "%@":
		return n, true
	}
	return 0, false
}

// NewGeneralTextBodyPart returns a general text body part holding s
// (UTF-8), in the smallest coding that holds it: ASCII (registrations 1
// and 6) without escape sequences; ISO 8859-1 (1, 6, 100, and 77 when C1
// controls occur) with ESC - A designating it into G1; or UTF-8 (1, 6,
// 196) after ESC % G. The escape sequences follow X.690 §8.23.5, which
// requires every set other than ASCII to be designated explicitly.
func NewGeneralTextBodyPart(s string) BodyPart {
	x := &GeneralTextBodyPart{}
	ascii, latin1, c1 := true, true, false
	for _, r := range s {
		switch {
		case r < 0x80:
			continue
		case r < 0xa0:
			c1 = true
		case r > 0xff:
			latin1 = false
		}
		ascii = false
	}
	if !utf8.ValidString(s) {
		latin1 = false
	}
	switch {
	case ascii:
		x.CharacterSets = []int{isoIRC0, isoIRASCII}
		x.Data = []byte(s)
	case latin1:
		x.CharacterSets = []int{isoIRC0, isoIRASCII, isoIRLatin1}
		if c1 {
			x.CharacterSets = []int{isoIRC0, isoIRASCII, isoIRC1, isoIRLatin1}
		}
		d := make([]byte, 0, len(s)+3)
		d = append(d, 0x1b, '-', 'A')
		for _, r := range s {
			d = append(d, byte(r))
		}
		x.Data = d
	default:
		x.CharacterSets = []int{isoIRC0, isoIRASCII, isoIRUTF8Any}
		d := make([]byte, 0, len(s)+3)
		d = append(d, 0x1b, '%', 'G')
		x.Data = append(d, strings.ToValidUTF8(s, "\uFFFD")...)
	}
	return BodyPart{Kind: BodyPartGeneralText, Extended: true, GeneralText: x}
}
