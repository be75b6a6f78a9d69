package mixer

// The military header fields of RFC 6477 (MMHS-*, the RFC 5322 form of
// the P772 heading extensions of ACP 123 Annex A.1 / STANAG 4406 Annex A)
// and the MT-PRIORITY policies of RFC 6710 Appendices A and B. Each
// MMHS-* field has a Format function (x400 value -> header field value)
// and a Parse function (header field value -> x400 value); the heading
// as a whole is assembled by the caller.

import (
	"math"
	"strconv"
	"strings"
	"time"

	"mixerd/x400"
)

// The header field names of RFC 6477 §3 (registered in §3's table), in
// the order of that section. RFC 6477 defines exactly these fourteen.
const (
	FieldMMHSExemptedAddress            = "MMHS-Exempted-Address"              // §3.1, id-mm 4
	FieldMMHSExtendedAuthorisationInfo  = "MMHS-Extended-Authorisation-Info"   // §3.2, id-mm 5
	FieldMMHSSubjectIndicatorCodes      = "MMHS-Subject-Indicator-Codes"       // §3.3, id-mm 6 (SICs only)
	FieldMMHSHandlingInstructions       = "MMHS-Handling-Instructions"         // §3.4, id-mm 7
	FieldMMHSMessageInstructions        = "MMHS-Message-Instructions"          // §3.5, id-mm 8
	FieldMMHSCodressMessageIndicator    = "MMHS-Codress-Message-Indicator"     // §3.6, id-mm 9
	FieldMMHSOriginatorReference        = "MMHS-Originator-Reference"          // §3.7, id-mm 10
	FieldMMHSPrimaryPrecedence          = "MMHS-Primary-Precedence"            // §3.8, id-mm 0
	FieldMMHSCopyPrecedence             = "MMHS-Copy-Precedence"               // §3.9, id-mm 1
	FieldMMHSMessageType                = "MMHS-Message-Type"                  // §3.10, id-mm 2
	FieldMMHSOtherRecipientsIndicatorTo = "MMHS-Other-Recipients-Indicator-To" // §3.11, id-mm 11, primary
	FieldMMHSOtherRecipientsIndicatorCC = "MMHS-Other-Recipients-Indicator-CC" // §3.12, id-mm 11, copy
	FieldMMHSAcp127MessageIdentifier    = "MMHS-Acp127-Message-Identifier"     // §3.13, id-mm 13
	FieldMMHSOriginatorPLAD             = "MMHS-Originator-PLAD"               // §3.14, id-mm 14
)

// MMHSFieldNames lists the header fields of RFC 6477 §3 in the order of
// that section.
var MMHSFieldNames = [...]string{
	FieldMMHSExemptedAddress, FieldMMHSExtendedAuthorisationInfo,
	FieldMMHSSubjectIndicatorCodes, FieldMMHSHandlingInstructions,
	FieldMMHSMessageInstructions, FieldMMHSCodressMessageIndicator,
	FieldMMHSOriginatorReference, FieldMMHSPrimaryPrecedence,
	FieldMMHSCopyPrecedence, FieldMMHSMessageType,
	FieldMMHSOtherRecipientsIndicatorTo, FieldMMHSOtherRecipientsIndicatorCC,
	FieldMMHSAcp127MessageIdentifier, FieldMMHSOriginatorPLAD,
}

// MMHSFieldName returns the canonical spelling of the RFC 6477 header
// field name (header field names are case-insensitive, RFC 5322 §1.2.2)
// and whether name is one of them. A message with any of them "MUST be
// encoded as P772" when gatewayed to X.400 (RFC 6477 §6).
func MMHSFieldName(name string) (string, bool) {
	for _, n := range MMHSFieldNames {
		if strings.EqualFold(n, name) {
			return n, true
		}
	}
	return "", false
}

// MMHSError is a malformed MMHS-* header field value (from a Parse
// function), or an x400 value that has no RFC 6477 form (from a Format
// function). Offset is the byte offset in the unfolded field value (RFC
// 5322 §2.2.3: CRLF before a space or tab removed) of a Parse error, and
// -1 for a Format error.
type MMHSError struct {
	Field  string // the header field name, e.g. "MMHS-Copy-Precedence"
	Offset int
	Msg    string
}

func (e *MMHSError) Error() string {
	if e.Offset < 0 {
		return "mixer: " + e.Field + ": " + e.Msg
	}
	return "mixer: " + e.Field + ": offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// mmhsScan is a cursor over an unfolded field value.
type mmhsScan struct {
	field string
	s     string
	i     int
}

func (sc *mmhsScan) errorf(off int, msg string) error {
	return &MMHSError{Field: sc.field, Offset: off, Msg: msg}
}

func mmhsFormatError(field, msg string) error {
	return &MMHSError{Field: field, Offset: -1, Msg: msg}
}

// mmhsStart unfolds value (RFC 5322 §2.2.3) and returns a scanner on it.
// A CR or LF that is not part of a fold (CRLF followed by a space or a
// tab) is an error.
func mmhsStart(field, value string) (*mmhsScan, error) {
	sc := &mmhsScan{field: field}
	if !strings.ContainsAny(value, "\r\n") {
		sc.s = value
		return sc, nil
	}
	var b strings.Builder
	b.Grow(len(value))
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c == '\r' || c == '\n' {
			if c == '\r' && i+2 < len(value) && value[i+1] == '\n' && (value[i+2] == ' ' || value[i+2] == '\t') {
				i++
				continue
			}
			return nil, &MMHSError{Field: field, Offset: b.Len(), Msg: "line break that is not a fold (CRLF followed by a space or tab)"}
		}
		b.WriteByte(c)
	}
	sc.s = b.String()
	return sc, nil
}

func (sc *mmhsScan) atEnd() bool { return sc.i >= len(sc.s) }

func (sc *mmhsScan) skipWS() {
	for sc.i < len(sc.s) && (sc.s[sc.i] == ' ' || sc.s[sc.i] == '\t') {
		sc.i++
	}
}

// skipCFWS skips white space and RFC 5322 §3.2.2 comments (nested, with
// quoted-pairs).
func (sc *mmhsScan) skipCFWS() error {
	for {
		sc.skipWS()
		if sc.i >= len(sc.s) || sc.s[sc.i] != '(' {
			return nil
		}
		start, depth := sc.i, 0
		for {
			if sc.i >= len(sc.s) {
				return sc.errorf(start, "comment not closed")
			}
			switch sc.s[sc.i] {
			case '\\':
				sc.i++
			case '(':
				depth++
			case ')':
				depth--
			}
			sc.i++
			if depth == 0 {
				break
			}
		}
	}
}

// end requires that nothing but white space is left.
func (sc *mmhsScan) end() error {
	sc.skipWS()
	if !sc.atEnd() {
		return sc.errorf(sc.i, "unexpected "+strconv.QuoteRune(rune(sc.s[sc.i])))
	}
	return nil
}

// mmhsIsPSChar reports whether c is an RFC 2156 §3.3.3 ps-char.
func mmhsIsPSChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte(" '+,-./:=?()", c) >= 0
}

// militaryString reads military-string = 1*69( ps-char ) (RFC 6477 §4),
// with what it calls the element (for messages) and its bounds. Trailing
// spaces are taken as the [FWS] that may follow.
func (sc *mmhsScan) militaryString(what string, lo, hi int) (string, error) {
	start := sc.i
	for sc.i < len(sc.s) && mmhsIsPSChar(sc.s[sc.i]) {
		sc.i++
	}
	v := strings.TrimRight(sc.s[start:sc.i], " ")
	switch {
	case v == "":
		if sc.i < len(sc.s) {
			return "", sc.errorf(sc.i, what+" expected, found "+strconv.QuoteRune(rune(sc.s[sc.i]))+" (not a PrintableString character)")
		}
		return "", sc.errorf(sc.i, what+" expected")
	case len(v) < lo:
		return "", sc.errorf(start, what+" "+strconv.Quote(v)+" shorter than "+strconv.Itoa(lo)+" characters")
	case len(v) > hi:
		return "", sc.errorf(start, what+" longer than "+strconv.Itoa(hi)+" characters")
	}
	return v, nil
}

// sequence reads elements separated by [FWS] ";" [FWS] up to the end of
// the value (RFC 6477 §4 military-string-sequence, sic-sequence and the
// Designator lists).
func (sc *mmhsScan) sequence(what string, lo, hi int) ([]string, error) {
	var out []string
	for {
		sc.skipWS()
		v, err := sc.militaryString(what, lo, hi)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		sc.skipWS()
		if sc.atEnd() {
			return out, nil
		}
		if sc.s[sc.i] != ';' {
			return nil, sc.errorf(sc.i, "\";\" or end expected, found "+strconv.QuoteRune(rune(sc.s[sc.i]))+" (not a PrintableString character)")
		}
		sc.i++
	}
}

// nonnegInteger reads nonneg-integer = "0" / (NZ-DIGIT *DIGIT) (RFC 6477
// §4), bounded by max.
func (sc *mmhsScan) nonnegInteger(max int) (int, bool, error) {
	start := sc.i
	for sc.i < len(sc.s) && sc.s[sc.i] >= '0' && sc.s[sc.i] <= '9' {
		sc.i++
	}
	d := sc.s[start:sc.i]
	if d == "" {
		return 0, false, nil
	}
	if len(d) > 1 && d[0] == '0' {
		return 0, true, sc.errorf(start, "number "+strconv.Quote(d)+" with a leading zero")
	}
	v, err := strconv.ParseInt(d, 10, 64)
	if err != nil || v > int64(max) {
		return 0, true, sc.errorf(start, "number "+d+" out of range (0 to "+strconv.Itoa(max)+")")
	}
	return int(v), true, nil
}

// word reads a run of ASCII letters.
func (sc *mmhsScan) word() string {
	start := sc.i
	for sc.i < len(sc.s) && (sc.s[sc.i]|0x20 >= 'a' && sc.s[sc.i]|0x20 <= 'z') {
		sc.i++
	}
	return sc.s[start:sc.i]
}

// mmhsCheckMilitary checks that v can be written as a military-string of
// lo to hi characters (RFC 6477 §4) that survives the [FWS] around it.
// A quoted one (the identifier of MMHS-Message-Type) may begin or end
// with a space.
func mmhsCheckMilitary(field, what, v string, lo, hi int, quoted bool) error {
	switch {
	case v == "":
		return mmhsFormatError(field, "empty "+what)
	case len(v) < lo:
		return mmhsFormatError(field, what+" "+strconv.Quote(v)+" shorter than "+strconv.Itoa(lo)+" characters")
	case len(v) > hi:
		return mmhsFormatError(field, what+" "+strconv.Quote(v)+" longer than "+strconv.Itoa(hi)+" characters")
	case !quoted && (v[0] == ' ' || v[len(v)-1] == ' '):
		return mmhsFormatError(field, what+" "+strconv.Quote(v)+" with a leading or trailing space (RFC 6477 §3.7)")
	}
	for i := 0; i < len(v); i++ {
		if !mmhsIsPSChar(v[i]) {
			return mmhsFormatError(field, what+" "+strconv.Quote(v)+": "+strconv.QuoteRune(rune(v[i]))+" at "+strconv.Itoa(i)+" is not a PrintableString character")
		}
	}
	return nil
}

func mmhsFormatSequence(field, what string, vs []string, lo, hi int) (string, error) {
	if len(vs) == 0 {
		return "", mmhsFormatError(field, "no "+what)
	}
	for _, v := range vs {
		if err := mmhsCheckMilitary(field, what, v, lo, hi, false); err != nil {
			return "", err
		}
	}
	return strings.Join(vs, "; "), nil
}

func mmhsParseSequence(field, what, value string, lo, hi int) ([]string, error) {
	sc, err := mmhsStart(field, value)
	if err != nil {
		return nil, err
	}
	return sc.sequence(what, lo, hi)
}

func mmhsParseSingle(field, what, value string) (string, error) {
	sc, err := mmhsStart(field, value)
	if err != nil {
		return "", err
	}
	sc.skipWS()
	v, err := sc.militaryString(what, 1, x400.UBMilitaryString)
	if err != nil {
		return "", err
	}
	if err := sc.end(); err != nil {
		return "", err
	}
	return v, nil
}

// --- MMHS-Exempted-Address (RFC 6477 §3.1) ---

// FormatMMHSExemptedAddress returns the MMHS-Exempted-Address value
// (RFC 6477 §3.1: "[FWS] address-list [FWS]", the address-list of RFC
// 5322 §3.4) for the exempted addresses (P772 id-mm 4,
// MilitaryHeading.ExemptedAddresses). For now the addresses are RFC 5322
// address texts ("UK SHL Duty Officer <duty@shl.example.com>"): the
// mapping of each x400.ORDescriptor to an RFC 822 address (RFC 2156 §4,
// as RFC 6477 §6 asks) is the caller's. Each must be one address (a
// mailbox or a group) with no line break; they are joined with ", ".
func FormatMMHSExemptedAddress(addrs []string) (string, error) {
	const f = FieldMMHSExemptedAddress
	if len(addrs) == 0 {
		return "", mmhsFormatError(f, "no address")
	}
	for _, a := range addrs {
		if strings.ContainsAny(a, "\r\n") {
			return "", mmhsFormatError(f, "address "+strconv.Quote(a)+" with a line break")
		}
		got, err := mmhsSplitAddressList(f, a)
		if err != nil || len(got) != 1 || got[0] != a {
			return "", mmhsFormatError(f, strconv.Quote(a)+" is not one address of an address-list")
		}
	}
	return strings.Join(addrs, ", "), nil
}

// ParseMMHSExemptedAddress splits an MMHS-Exempted-Address value (RFC
// 6477 §3.1, an RFC 5322 §3.4 address-list) into its addresses, each an
// RFC 5322 address text with the white space around it removed; a group
// ("Name: a, b;") is one address. Commas inside quoted strings, comments,
// angle brackets and domain literals do not separate addresses; empty
// list elements (obs-addr-list, RFC 5322 §4.4) are skipped. The syntax
// of each address is not checked here: that, and the mapping to an O/R
// descriptor (RFC 2156 §4), are the address mapper's.
func ParseMMHSExemptedAddress(value string) ([]string, error) {
	const f = FieldMMHSExemptedAddress
	sc, err := mmhsStart(f, value)
	if err != nil {
		return nil, err
	}
	out, err := mmhsSplitAddressList(f, sc.s)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, sc.errorf(0, "no address")
	}
	return out, nil
}

// mmhsSplitAddressList splits an unfolded address-list at its top-level
// commas.
func mmhsSplitAddressList(field, s string) ([]string, error) {
	var out []string
	start := 0
	angle, group := -1, -1 // offsets of the open '<' and ':' (or -1)
	add := func(end int) {
		if a := strings.Trim(s[start:end], " \t"); a != "" {
			out = append(out, a)
		}
		start = end + 1
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			open := i
			for i++; ; i++ {
				if i >= len(s) {
					return nil, &MMHSError{Field: field, Offset: open, Msg: "quoted string not closed"}
				}
				if s[i] == '\\' {
					i++
				} else if s[i] == '"' {
					break
				}
			}
		case '(':
			open, depth := i, 0
			for ; ; i++ {
				if i >= len(s) {
					return nil, &MMHSError{Field: field, Offset: open, Msg: "comment not closed"}
				}
				if s[i] == '\\' {
					i++
					continue
				}
				if s[i] == '(' {
					depth++
				} else if s[i] == ')' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
		case '[':
			open := i
			for ; ; i++ {
				if i >= len(s) {
					return nil, &MMHSError{Field: field, Offset: open, Msg: "domain literal not closed"}
				}
				if s[i] == '\\' {
					i++
				} else if s[i] == ']' {
					break
				}
			}
		case ')', ']', '>':
			if c != '>' || angle < 0 {
				return nil, &MMHSError{Field: field, Offset: i, Msg: "unbalanced " + strconv.QuoteRune(rune(c))}
			}
			angle = -1
		case '<':
			if angle >= 0 {
				return nil, &MMHSError{Field: field, Offset: i, Msg: "\"<\" inside an angle address"}
			}
			angle = i
		case ':':
			if angle < 0 {
				if group >= 0 {
					return nil, &MMHSError{Field: field, Offset: i, Msg: "\":\" inside a group"}
				}
				group = i
			}
		case ';':
			if angle < 0 {
				if group < 0 {
					return nil, &MMHSError{Field: field, Offset: i, Msg: "\";\" outside a group"}
				}
				group = -1
			}
		case ',':
			if angle < 0 && group < 0 {
				add(i)
			}
		default:
			if c < ' ' && c != '\t' || c == 0x7f {
				return nil, &MMHSError{Field: field, Offset: i, Msg: "control character " + strconv.QuoteRune(rune(c))}
			}
		}
	}
	switch {
	case angle >= 0:
		return nil, &MMHSError{Field: field, Offset: angle, Msg: "angle address not closed"}
	case group >= 0:
		return nil, &MMHSError{Field: field, Offset: group, Msg: "group not closed by \";\""}
	}
	add(len(s))
	return out, nil
}

// --- MMHS-Extended-Authorisation-Info (RFC 6477 §3.2) ---

// mmhsDateLayout is the RFC 5322 §3.3 date-time written.
const mmhsDateLayout = "Mon, 02 Jan 2006 15:04:05 -0700"

// FormatMMHSExtendedAuthorisationInfo returns the
// MMHS-Extended-Authorisation-Info value (RFC 6477 §3.2, an RFC 5322
// §3.3 date-time) of the release time t (P772 id-mm 5, a UTCTime,
// MilitaryHeading.ExtendedAuthorisationInfo), in t's zone, e.g. "Mon, 09
// Aug 2010 15:27:40 +0100". A zero time (extension absent) is an error.
func FormatMMHSExtendedAuthorisationInfo(t time.Time) (string, error) {
	if t.IsZero() {
		return "", mmhsFormatError(FieldMMHSExtendedAuthorisationInfo, "no time")
	}
	if y := t.Year(); y < 1900 || y > 9999 {
		return "", mmhsFormatError(FieldMMHSExtendedAuthorisationInfo, "year "+strconv.Itoa(y)+" outside 1900 to 9999 (RFC 5322 §3.3)")
	}
	return t.Format(mmhsDateLayout), nil
}

// ParseMMHSExtendedAuthorisationInfo reads an
// MMHS-Extended-Authorisation-Info value (RFC 6477 §3.2, an RFC 5322
// §3.3 date-time, with the obsolete forms of §4.3) with net/mail's date
// parser. The error's offset is 0: that parser does not say where. When
// the field is absent, the P772 extension (which ACP 123 requires) takes
// the Date field's value (RFC 6477 §6 a.); that is the caller's.
func ParseMMHSExtendedAuthorisationInfo(value string) (time.Time, error) {
	sc, err := mmhsStart(FieldMMHSExtendedAuthorisationInfo, value)
	if err != nil {
		return time.Time{}, err
	}
	t, err := parseDate(sc.s)
	if err != nil {
		return time.Time{}, sc.errorf(0, "not an RFC 5322 date-time: "+strings.TrimPrefix(err.Error(), "mail: "))
	}
	if y := t.Year(); y < 1900 || y > 9999 {
		return time.Time{}, sc.errorf(0, "year "+strconv.Itoa(y)+" outside 1900 to 9999 (RFC 5322 §3.3)")
	}
	return t, nil
}

// --- MMHS-Subject-Indicator-Codes (RFC 6477 §3.3) ---

// FormatMMHSSubjectIndicatorCodes returns the MMHS-Subject-Indicator-Codes
// value (RFC 6477 §3.3, "sic *( [FWS] ";" [FWS] sic )", sic = 3*8
// ps-char) of the SICs of the distribution codes (P772 id-mm 6,
// DistributionCodes.SICs), e.g. "SDM; KKZ; BRL". The distribution
// extensions have no header field (RFC 6477 §5): the caller reports them
// as not mapped.
func FormatMMHSSubjectIndicatorCodes(sics []string) (string, error) {
	return mmhsFormatSequence(FieldMMHSSubjectIndicatorCodes, "SIC", sics, x400.LBMilitarySIC, x400.UBMilitarySIC)
}

// ParseMMHSSubjectIndicatorCodes reads an MMHS-Subject-Indicator-Codes
// value (RFC 6477 §3.3, §4 sic-sequence). More than eight SICs are
// accepted (RFC 6477 §4 permits them); ACP 123 carries at most
// x400.UBMilitaryNumberOfSICs, and dropping the rest is the caller's
// decision to report.
func ParseMMHSSubjectIndicatorCodes(value string) ([]string, error) {
	return mmhsParseSequence(FieldMMHSSubjectIndicatorCodes, "SIC", value, x400.LBMilitarySIC, x400.UBMilitarySIC)
}

// --- MMHS-Handling-Instructions, MMHS-Message-Instructions (§3.4, §3.5) ---

// FormatMMHSHandlingInstructions returns the MMHS-Handling-Instructions
// value (RFC 6477 §3.4, a military-string-sequence) of the handling
// instructions (P772 id-mm 7, MilitaryHeading.HandlingInstructions).
func FormatMMHSHandlingInstructions(instr []string) (string, error) {
	return mmhsFormatSequence(FieldMMHSHandlingInstructions, "handling instruction", instr, 1, x400.UBMilitaryString)
}

// ParseMMHSHandlingInstructions reads an MMHS-Handling-Instructions value
// (RFC 6477 §3.4, §4 military-string-sequence).
func ParseMMHSHandlingInstructions(value string) ([]string, error) {
	return mmhsParseSequence(FieldMMHSHandlingInstructions, "handling instruction", value, 1, x400.UBMilitaryString)
}

// FormatMMHSMessageInstructions returns the MMHS-Message-Instructions
// value (RFC 6477 §3.5, a military-string-sequence) of the message
// instructions (P772 id-mm 8, MilitaryHeading.MessageInstructions), e.g.
// "MINIMIZE CONSIDERED; NO DISTRIBUTION".
func FormatMMHSMessageInstructions(instr []string) (string, error) {
	return mmhsFormatSequence(FieldMMHSMessageInstructions, "message instruction", instr, 1, x400.UBMilitaryString)
}

// ParseMMHSMessageInstructions reads an MMHS-Message-Instructions value
// (RFC 6477 §3.5, §4 military-string-sequence).
func ParseMMHSMessageInstructions(value string) ([]string, error) {
	return mmhsParseSequence(FieldMMHSMessageInstructions, "message instruction", value, 1, x400.UBMilitaryString)
}

// --- MMHS-Codress-Message-Indicator (RFC 6477 §3.6) ---

// FormatMMHSCodressMessageIndicator returns the
// MMHS-Codress-Message-Indicator value (RFC 6477 §3.6, a nonneg-integer)
// of the codress message number (P772 id-mm 9,
// MilitaryHeading.CodressMessage). A negative number, which the ASN.1
// INTEGER allows but the header field cannot carry, is an error.
func FormatMMHSCodressMessageIndicator(n int) (string, error) {
	if n < 0 {
		return "", mmhsFormatError(FieldMMHSCodressMessageIndicator, "negative number "+strconv.Itoa(n))
	}
	return strconv.Itoa(n), nil
}

// ParseMMHSCodressMessageIndicator reads an MMHS-Codress-Message-Indicator
// value (RFC 6477 §3.6, "[FWS] nonneg-integer [FWS]"), at most
// 2147483647.
func ParseMMHSCodressMessageIndicator(value string) (int, error) {
	sc, err := mmhsStart(FieldMMHSCodressMessageIndicator, value)
	if err != nil {
		return 0, err
	}
	sc.skipWS()
	n, ok, err := sc.nonnegInteger(math.MaxInt32)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, sc.errorf(sc.i, "number expected")
	}
	if err := sc.end(); err != nil {
		return 0, err
	}
	return n, nil
}

// --- single military strings (§3.7, §3.13, §3.14) ---

// FormatMMHSOriginatorReference returns the MMHS-Originator-Reference
// value (RFC 6477 §3.7, a military-string) of the originator reference
// (P772 id-mm 10, MilitaryHeading.OriginatorReference). A reference with
// a leading or trailing space, which the field cannot carry (§3.7 Note),
// is an error.
func FormatMMHSOriginatorReference(ref string) (string, error) {
	if err := mmhsCheckMilitary(FieldMMHSOriginatorReference, "originator reference", ref, 1, x400.UBMilitaryString, false); err != nil {
		return "", err
	}
	return ref, nil
}

// ParseMMHSOriginatorReference reads an MMHS-Originator-Reference value
// (RFC 6477 §3.7, "[FWS] military-string [FWS]").
func ParseMMHSOriginatorReference(value string) (string, error) {
	return mmhsParseSingle(FieldMMHSOriginatorReference, "originator reference", value)
}

// FormatMMHSAcp127MessageIdentifier returns the
// MMHS-Acp127-Message-Identifier value (RFC 6477 §3.13, a
// military-string: ACP 127 format line 3, e.g. "RPDLE 1234 0341215") of
// P772 id-mm 13 (MilitaryHeading.ACP127MessageIdentifier). It is opaque
// here.
func FormatMMHSAcp127MessageIdentifier(id string) (string, error) {
	if err := mmhsCheckMilitary(FieldMMHSAcp127MessageIdentifier, "ACP 127 message identifier", id, 1, x400.UBMilitaryString, false); err != nil {
		return "", err
	}
	return id, nil
}

// ParseMMHSAcp127MessageIdentifier reads an MMHS-Acp127-Message-Identifier
// value (RFC 6477 §3.13, "[FWS] military-string [FWS]").
func ParseMMHSAcp127MessageIdentifier(value string) (string, error) {
	return mmhsParseSingle(FieldMMHSAcp127MessageIdentifier, "ACP 127 message identifier", value)
}

// FormatMMHSOriginatorPLAD returns the MMHS-Originator-PLAD value (RFC
// 6477 §3.14, a military-string) of the originator's plain language
// address designator (P772 id-mm 14, MilitaryHeading.OriginatorPLAD).
func FormatMMHSOriginatorPLAD(plad string) (string, error) {
	if err := mmhsCheckMilitary(FieldMMHSOriginatorPLAD, "PLAD", plad, 1, x400.UBMilitaryString, false); err != nil {
		return "", err
	}
	return plad, nil
}

// ParseMMHSOriginatorPLAD reads an MMHS-Originator-PLAD value (RFC 6477
// §3.14, "[FWS] military-string [FWS]").
func ParseMMHSOriginatorPLAD(value string) (string, error) {
	return mmhsParseSingle(FieldMMHSOriginatorPLAD, "PLAD", value)
}

// --- MMHS-Primary-Precedence, MMHS-Copy-Precedence (§3.8, §3.9) ---

// FormatMMHSPrecedence returns the MMHS-Primary-Precedence or
// MMHS-Copy-Precedence value (RFC 6477 §3.8, §3.9) of a precedence (P772
// id-mm 0 and 1): the upper-case label of a named one ("FLASH", as in
// §3.8 Example 2), the decimal value of any other ("7", Example 3). A
// negative value, which the field cannot carry, is an error naming
// field.
func FormatMMHSPrecedence(field string, p x400.Precedence) (string, error) {
	if p < 0 {
		return "", mmhsFormatError(field, "negative precedence "+strconv.Itoa(int(p)))
	}
	return p.String(), nil
}

// ParseMMHSPrecedence reads an MMHS-Primary-Precedence or
// MMHS-Copy-Precedence value (RFC 6477 §4: "[FWS] (nonneg-integer /
// std-precedence) [CFWS]"), field naming which in errors: a label of
// §3.8 in any case ("flash") or a number without leading zeros up to
// 2147483647 ("0 (Deferred)"). Unlike x400.ParsePrecedence, ACP 127
// prosigns are not accepted: RFC 6477 has none. Values above 31, outside
// the ACP 123 ranges (x400.Precedence.Valid), are returned as they are.
// RFC 6477 §6 b. and c. say when the P772 message needs the primary and
// copy precedence extensions; that is the caller's.
func ParseMMHSPrecedence(field, value string) (x400.Precedence, error) {
	sc, err := mmhsStart(field, value)
	if err != nil {
		return 0, err
	}
	sc.skipWS()
	p, err := mmhsNumberOrLabel(sc, "precedence", int(x400.PrecedenceOverride), func(i int) string { return x400.Precedence(i).String() })
	if err != nil {
		return 0, err
	}
	if err := sc.skipCFWS(); err != nil {
		return 0, err
	}
	if !sc.atEnd() {
		return 0, sc.errorf(sc.i, "unexpected "+strconv.QuoteRune(rune(sc.s[sc.i]))+" after the precedence")
	}
	return x400.Precedence(p), nil
}

// mmhsNumberOrLabel reads nonneg-integer or one of the labels name(0) ..
// name(last), compared without regard to case.
func mmhsNumberOrLabel(sc *mmhsScan, what string, last int, name func(int) string) (int, error) {
	start := sc.i
	n, ok, err := sc.nonnegInteger(math.MaxInt32)
	if err != nil || ok {
		return n, err
	}
	w := sc.word()
	for i := 0; i <= last; i++ {
		if w != "" && strings.EqualFold(w, name(i)) {
			return i, nil
		}
	}
	if w == "" {
		return 0, sc.errorf(start, what+" expected")
	}
	return 0, sc.errorf(start, "unknown "+what+" "+strconv.Quote(w))
}

// --- MMHS-Message-Type (RFC 6477 §3.10) ---

// FormatMMHSMessageType returns the MMHS-Message-Type value (RFC 6477
// §3.10) of the message type (P772 id-mm 2, MilitaryHeading.MessageType):
// the lower-case label of a named type ("exercise") or the decimal value
// of another, then `; identifier="..."` when it has an identifier
// (§3.10 Example 1).
func FormatMMHSMessageType(mt x400.MessageType) (string, error) {
	const f = FieldMMHSMessageType
	if mt.Type < 0 {
		return "", mmhsFormatError(f, "negative message type "+strconv.Itoa(int(mt.Type)))
	}
	v := mt.Type.String()
	if mt.Identifier != "" {
		if err := mmhsCheckMilitary(f, "identifier", mt.Identifier, 1, x400.UBMilitaryString, true); err != nil {
			return "", err
		}
		v += `; identifier="` + mt.Identifier + `"`
	}
	return v, nil
}

// ParseMMHSMessageType reads an MMHS-Message-Type value (RFC 6477 §4:
// "[FWS] message-type [CFWS] [";" [FWS] MessageTypeParam [FWS]]", with
// MessageTypeParam = "identifier" [FWS] "=" [FWS] quoted-military-string):
// a label in any case or a number up to 2147483647, and the identifier.
func ParseMMHSMessageType(value string) (x400.MessageType, error) {
	var mt x400.MessageType
	sc, err := mmhsStart(FieldMMHSMessageType, value)
	if err != nil {
		return mt, err
	}
	sc.skipWS()
	t, err := mmhsNumberOrLabel(sc, "message type", int(x400.MessageTypeDrill), func(i int) string { return x400.TypeMessage(i).String() })
	if err != nil {
		return mt, err
	}
	mt.Type = x400.TypeMessage(t)
	if err := sc.skipCFWS(); err != nil {
		return mt, err
	}
	if sc.atEnd() {
		return mt, nil
	}
	if sc.s[sc.i] != ';' {
		return mt, sc.errorf(sc.i, "\";\" or end expected after the message type")
	}
	sc.i++
	sc.skipWS()
	if w := sc.word(); !strings.EqualFold(w, "identifier") {
		return mt, sc.errorf(sc.i-len(w), "\"identifier\" expected")
	}
	sc.skipWS()
	if sc.atEnd() || sc.s[sc.i] != '=' {
		return mt, sc.errorf(sc.i, "\"=\" expected after \"identifier\"")
	}
	sc.i++
	sc.skipWS()
	if sc.atEnd() || sc.s[sc.i] != '"' {
		return mt, sc.errorf(sc.i, "quoted identifier expected")
	}
	sc.i++
	start := sc.i
	for sc.i < len(sc.s) && mmhsIsPSChar(sc.s[sc.i]) {
		sc.i++
	}
	id := sc.s[start:sc.i]
	switch {
	case sc.atEnd() || sc.s[sc.i] != '"':
		if sc.atEnd() {
			return mt, sc.errorf(start-1, "identifier not closed by '\"'")
		}
		return mt, sc.errorf(sc.i, strconv.QuoteRune(rune(sc.s[sc.i]))+" in the identifier is not a PrintableString character")
	case id == "":
		return mt, sc.errorf(start, "empty identifier")
	case len(id) > x400.UBMilitaryString:
		return mt, sc.errorf(start, "identifier longer than "+strconv.Itoa(x400.UBMilitaryString)+" characters")
	}
	sc.i++
	mt.Identifier = id
	if err := sc.end(); err != nil {
		return mt, err
	}
	return mt, nil
}

// --- MMHS-Other-Recipients-Indicator-To / -CC (§3.11, §3.12) ---

// mmhsOtherRecipientsField returns the header field of other recipients
// of type t.
func mmhsOtherRecipientsField(t x400.OtherRecipientType) (string, bool) {
	switch t {
	case x400.OtherRecipientPrimary:
		return FieldMMHSOtherRecipientsIndicatorTo, true
	case x400.OtherRecipientCopy:
		return FieldMMHSOtherRecipientsIndicatorCC, true
	}
	return "", false
}

// FormatMMHSOtherRecipients returns the value of
// MMHS-Other-Recipients-Indicator-To (t primary, RFC 6477 §3.11) or
// MMHS-Other-Recipients-Indicator-CC (t copy, §3.12): the designators of
// the other recipients of type t (P772 id-mm 11,
// MilitaryHeading.OtherRecipients), joined with "; ". It returns "" when
// rs has none of type t: the field is then left out. The designators are
// military strings (plain names such as "UK SHL COS"), not addresses. A
// recipient of a type other than primary or copy is an error, as is a t
// other than those two.
func FormatMMHSOtherRecipients(t x400.OtherRecipientType, rs []x400.OtherRecipient) (string, error) {
	field, ok := mmhsOtherRecipientsField(t)
	if !ok {
		return "", mmhsFormatError(FieldMMHSOtherRecipientsIndicatorTo, "other recipient type "+strconv.Itoa(int(t))+" is neither primary nor copy")
	}
	var ds []string
	for _, r := range rs {
		if _, ok := mmhsOtherRecipientsField(r.Type); !ok {
			return "", mmhsFormatError(field, "other recipient "+strconv.Quote(r.Designator)+" of type "+strconv.Itoa(int(r.Type))+", neither primary nor copy")
		}
		if r.Type == t {
			ds = append(ds, r.Designator)
		}
	}
	if ds == nil {
		return "", nil
	}
	return mmhsFormatSequence(field, "designator", ds, 1, x400.UBMilitaryString)
}

// ParseMMHSOtherRecipients reads the value of
// MMHS-Other-Recipients-Indicator-To (t primary) or -CC (t copy) (RFC
// 6477 §4: "Designator *([FWS] ";" [FWS] Designator)") into other
// recipients of type t; the caller appends the two fields' results to
// MilitaryHeading.OtherRecipients.
func ParseMMHSOtherRecipients(t x400.OtherRecipientType, value string) ([]x400.OtherRecipient, error) {
	field, ok := mmhsOtherRecipientsField(t)
	if !ok {
		return nil, &MMHSError{Field: FieldMMHSOtherRecipientsIndicatorTo, Offset: 0, Msg: "other recipient type " + strconv.Itoa(int(t)) + " is neither primary nor copy"}
	}
	ds, err := mmhsParseSequence(field, "designator", value, 1, x400.UBMilitaryString)
	if err != nil {
		return nil, err
	}
	rs := make([]x400.OtherRecipient, len(ds))
	for i, d := range ds {
		rs[i] = x400.OtherRecipient{Type: t, Designator: d}
	}
	return rs, nil
}

// --- MT-PRIORITY (RFC 6710) ---

// MTPriorityPolicy is an RFC 6710 §9.2 Priority Assignment Policy: how
// MT-PRIORITY values map to the priorities of the messaging system.
type MTPriorityPolicy string

// The policies of RFC 6710 §9.2 that a MIXER gateway uses.
const (
	// MTPriorityMIXER is the default policy (RFC 6710 Appendix B, Table
	// 2): non-urgent -4, normal 0, urgent 4.
	MTPriorityMIXER MTPriorityPolicy = "MIXER"
	// MTPrioritySTANAG4406 is the military policy (RFC 6710 Appendix A,
	// Table 1): deferred -4, routine -2, priority 0, immediate 2, flash
	// 4, override 6.
	MTPrioritySTANAG4406 MTPriorityPolicy = "STANAG4406"
)

// Valid reports whether p is one of the two policies above.
func (p MTPriorityPolicy) Valid() bool {
	return p == MTPriorityMIXER || p == MTPrioritySTANAG4406
}

// MTPriorityOfPrecedence returns the MT-PRIORITY value of a military
// message of (primary) precedence prec under policy: the STANAG4406
// policy's Table 1 (x400.Precedence.MTPriority: deferred -4, routine -2,
// priority 0, immediate 2, flash 4, override 6), or under the MIXER
// policy Table 2 applied to the X.411 priority of prec
// (x400.Precedence.Priority: IMMEDIATE and above urgent 4, PRIORITY and
// ROUTINE normal 0, DEFERRED non-urgent -4). The policy "" takes Table 1:
// RFC 6710 Appendix A, "Where SMTP is used to support military messaging,
// the following mappings SHOULD be used"; MIXER (the SMTP default of
// §9.2) is for an environment that knows no other.
func MTPriorityOfPrecedence(policy MTPriorityPolicy, prec x400.Precedence) int {
	if policy != MTPriorityMIXER {
		return prec.MTPriority()
	}
	return x400.MTPriorityFromPriority(prec.Priority())
}

// PrecedenceOfMTPriority returns the precedence to give a message whose
// MT-PRIORITY is v under policy, a value between two rows of the table
// taking the lower row so that no message is promoted: under STANAG4406
// (and the policy "", as for MTPriorityOfPrecedence) Table 1
// (x400.PrecedenceFromMTPriority); under MIXER Table 2 to an X.411
// priority, then that priority's place on the precedence scale
// (x400.PrecedenceFromPriority: non-urgent DEFERRED, normal ROUTINE,
// urgent IMMEDIATE).
func PrecedenceOfMTPriority(policy MTPriorityPolicy, v int) x400.Precedence {
	if policy != MTPriorityMIXER {
		return x400.PrecedenceFromMTPriority(v)
	}
	return x400.PrecedenceFromPriority(x400.PriorityFromMTPriority(v))
}

// FormatMTPriority returns the RFC 6710 §3 priority-value text of v
// ("-4", "0", "6"); v outside -9 to 9 is an error.
func FormatMTPriority(v int) (string, error) {
	if v < -9 || v > 9 {
		return "", mmhsFormatError("MT-PRIORITY", "value "+strconv.Itoa(v)+" outside -9 to 9")
	}
	return strconv.Itoa(v), nil
}

// ParseMTPriority reads an RFC 6710 §3 priority-value,
// (["-"] NZDIGIT) / "0": "-0", "+1", "01" and " 1" are errors (naming
// MT-PRIORITY and the offset).
func ParseMTPriority(s string) (int, error) {
	bad := func(off int, msg string) (int, error) {
		return 0, &MMHSError{Field: "MT-PRIORITY", Offset: off, Msg: msg}
	}
	switch {
	case s == "0":
		return 0, nil
	case len(s) == 1 && s[0] >= '1' && s[0] <= '9':
		return int(s[0] - '0'), nil
	case len(s) == 2 && s[0] == '-' && s[1] >= '1' && s[1] <= '9':
		return -int(s[1] - '0'), nil
	case s == "":
		return bad(0, "empty priority value")
	case s[0] == '-' && len(s) >= 2 && (s[1] < '1' || s[1] > '9'):
		return bad(1, "\"1\" to \"9\" expected after \"-\" in "+strconv.Quote(s))
	}
	return bad(0, "priority value "+strconv.Quote(s)+" is not one of -9 to 9")
}
