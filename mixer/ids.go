package mixer

import (
	"errors"
	"strconv"
	"strings"

	"mixerd/x400"
)

// IP message identifiers, RFC 2156 §4.7.3: the reversible, symmetrical and
// purely algorithmic mapping between 822.msg-id and IPMS.IPMIdentifier
// (no mapping table is consulted: the O/R name of an IPM identifier is
// written in std-or form, §4.1, most significant attribute last as §4.3.3
// requires for message ids).
//
//	<"147*/S=Dietrich/O=Siemens/ADMD=DBP/C=DE/"@MHS>   X.400 generated
//	<1234.5678@host.example>                          RFC 822 generated
//
// RFC 987 message ids (§4.7.3.6) are not recognised: the RFC recommends
// against it, and recognising "[ps] * [std-or]" under a domain other than
// "MHS" would change genuine RFC 822 ids that contain a "*".

// MHSDomain is the 822.domain of the msg-id of an X.400 generated IPM
// identifier, RFC 2156 §4.7.3.2.
const MHSDomain = "MHS"

// UBLocalIPMIdentifier is ub-local-ipm-identifier, the upper bound of
// IPMIdentifier.user-relative-identifier (X.420 §7.1.1, RFC 2156 §4.7.3.1).
const UBLocalIPMIdentifier = 64

// MsgIDError is a message identifier that cannot be mapped.
type MsgIDError struct {
	ID  string // the msg-id or IPM identifier as written
	Msg string
}

func (e *MsgIDError) Error() string {
	return "message id " + strconv.Quote(e.ID) + ": " + e.Msg
}

// MsgIDToIPMIdentifier maps an 822.msg-id ("<local@domain>", surrounding
// white space and comments allowed) to an IPM identifier, RFC 2156
// §4.7.3.3: an id whose domain is "MHS" and whose local part parses as
// id-loc ([printablestring] "*" [std-or-address]) was X.400 generated and
// gives back its user-relative-identifier and user; any other id is RFC 822
// generated and becomes the user-relative-identifier, §3.4 printable
// string encoded, with no user (§4.7.3.1). That identifier is truncated to
// ub-local-ipm-identifier (64) as §5.1.3 says, never inside an encoded
// character; truncated reports it.
func MsgIDToIPMIdentifier(msgID string) (id x400.IPMIdentifier, truncated bool, err error) {
	inner, err := idsMsgIDInner(msgID)
	if err != nil {
		return x400.IPMIdentifier{}, false, err
	}
	if id, ok := idsX400Generated(inner); ok {
		return id, false, nil
	}
	local, err := idsEncodePS(inner)
	if err != nil {
		return x400.IPMIdentifier{}, false, &MsgIDError{ID: msgID, Msg: err.Error()}
	}
	local, truncated = idsTruncatePS(local, UBLocalIPMIdentifier)
	return x400.IPMIdentifier{LocalID: local}, truncated, nil
}

// IPMIdentifierToMsgID maps an IPM identifier to an 822.msg-id with its
// angle brackets, RFC 2156 §4.7.3.4: with no user, a user-relative-
// identifier that decodes (§3.4) to an 822.msg-id is given back as that
// id (RFC 822 generated); otherwise the id is X.400 generated,
// <[printablestring]*[std-or-address]@MHS>, the local part quoted when it
// is not a dot-atom.
func IPMIdentifierToMsgID(id *x400.IPMIdentifier) (string, error) {
	if s, ok := idsRFC822Generated(id); ok {
		return "<" + s + ">", nil
	}
	return idsX400MsgID(id)
}

// IPMIdentifierToReference maps an IPM identifier for In-Reply-To: and
// References:, RFC 2156 §4.7.3.5: as IPMIdentifierToMsgID, except that an
// identifier with no user whose user-relative-identifier is not an
// 822.msg-id becomes an 822.phrase rather than an id in domain MHS.
func IPMIdentifierToReference(id *x400.IPMIdentifier) (string, error) {
	if s, ok := idsRFC822Generated(id); ok {
		return "<" + s + ">", nil
	}
	if id.User != nil {
		return idsX400MsgID(id)
	}
	text, err := idsDecodePS(id.LocalID)
	if err != nil {
		text = id.LocalID
	}
	var b strings.Builder
	if text == "" {
		return `""`, nil
	}
	rfc822WritePhrase(&b, text)
	return b.String(), nil
}

// FormatReferences writes the value of an In-Reply-To: or References:
// field for ids (§4.7.3.5), the elements separated by a space.
func FormatReferences(ids []x400.IPMIdentifier) (string, error) {
	parts := make([]string, 0, len(ids))
	for i := range ids {
		s, err := IPMIdentifierToReference(&ids[i])
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " "), nil
}

// ReferenceError is a bad In-Reply-To: or References: value; Offset is
// the byte offset of the fault.
type ReferenceError struct {
	Offset int
	Msg    string
}

func (e *ReferenceError) Error() string {
	return "offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// maxReferences bounds the elements of one In-Reply-To: or References:
// field.
const maxReferences = 1000

// ParseReferences parses the value of an In-Reply-To: or References:
// field, a sequence of 822.msg-id and 822.phrase (RFC 822 §4.1; comments
// skipped), into IPM identifiers, RFC 2156 §4.7.3.5: a msg-id as
// MsgIDToIPMIdentifier, a phrase (consecutive words) as the user-relative-
// identifier, §3.4 encoded. truncated reports an identifier cut to 64.
func ParseReferences(value string) (ids []x400.IPMIdentifier, truncated bool, err error) {
	p := &rfc822Parser{s: value}
	for {
		if err := p.skipCFWS(); err != nil {
			return nil, false, err
		}
		if p.eof() {
			return ids, truncated, nil
		}
		if len(ids) >= maxReferences {
			return nil, false, &ReferenceError{Offset: p.i, Msg: "more than " + strconv.Itoa(maxReferences) + " elements"}
		}
		var id x400.IPMIdentifier
		var cut bool
		if p.s[p.i] == '<' {
			end := idsFindAngleEnd(p.s, p.i)
			if end < 0 {
				return nil, false, &ReferenceError{Offset: p.i, Msg: "msg-id without its closing '>'"}
			}
			if id, cut, err = MsgIDToIPMIdentifier(p.s[p.i : end+1]); err != nil {
				return nil, false, &ReferenceError{Offset: p.i, Msg: err.Error()}
			}
			p.i = end + 1
		} else {
			start := p.i
			toks, err := p.words()
			if err != nil {
				return nil, false, err
			}
			if len(toks) == 0 {
				return nil, false, &ReferenceError{Offset: start, Msg: "unexpected " + rfc822Quote(p.s[p.i])}
			}
			phrase, err := rfc822Phrase(toks)
			if err != nil {
				return nil, false, err
			}
			local, err := idsEncodePS(phrase)
			if err != nil {
				return nil, false, &ReferenceError{Offset: start, Msg: err.Error()}
			}
			local, cut = idsTruncatePS(local, UBLocalIPMIdentifier)
			id = x400.IPMIdentifier{LocalID: local}
		}
		truncated = truncated || cut
		ids = append(ids, id)
	}
}

// idsFindAngleEnd returns the index of the '>' that closes the msg-id
// starting at s[i] == '<', skipping quoted strings and domain literals.
func idsFindAngleEnd(s string, i int) int {
	inQuote, inLit := false, false
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case inQuote && c == '\\':
			j++
		case c == '"' && !inLit:
			inQuote = !inQuote
		case inQuote:
		case c == '[':
			inLit = true
		case c == ']':
			inLit = false
		case c == '>' && !inLit:
			return j
		}
	}
	return -1
}

// idsMsgIDInner returns the text between the angle brackets of msgID,
// checked to be local "@" domain.
func idsMsgIDInner(msgID string) (string, error) {
	s := strings.TrimSpace(msgID)
	// Surrounding comments are allowed (RFC 5322 §3.6.4 CFWS).
	p := &rfc822Parser{s: s}
	if err := p.skipCFWS(); err != nil {
		return "", &MsgIDError{ID: msgID, Msg: err.Error()}
	}
	if p.eof() || p.s[p.i] != '<' {
		return "", &MsgIDError{ID: msgID, Msg: "not in angle brackets"}
	}
	end := idsFindAngleEnd(p.s, p.i)
	if end < 0 {
		return "", &MsgIDError{ID: msgID, Msg: "no closing '>'"}
	}
	inner := p.s[p.i+1 : end]
	p.i = end + 1
	if err := p.skipCFWS(); err != nil {
		return "", &MsgIDError{ID: msgID, Msg: err.Error()}
	}
	if !p.eof() {
		return "", &MsgIDError{ID: msgID, Msg: "text after the msg-id"}
	}
	if _, err := idsParseInner(inner); err != nil {
		return "", &MsgIDError{ID: msgID, Msg: err.Error()}
	}
	return inner, nil
}

// idsParseInner parses id-left "@" id-right, the inside of a msg-id (RFC
// 5322 §3.6.4 with the obsolete forms), with no white space at its ends.
func idsParseInner(inner string) (AddrSpec, error) {
	if inner == "" || strings.ContainsAny(inner[:1]+inner[len(inner)-1:], " \t\r\n") {
		return AddrSpec{}, errors.New("not local-part@domain")
	}
	a, err := ParseAddrSpec(inner)
	if err != nil {
		return AddrSpec{}, err
	}
	return a, nil
}

// idsX400Generated parses the inside of a msg-id as an X.400 generated
// id (§4.7.3.3): domain "MHS", local part id-loc.
func idsX400Generated(inner string) (x400.IPMIdentifier, bool) {
	a, err := idsParseInner(inner)
	if err != nil || !strings.EqualFold(a.Domain, MHSDomain) {
		return x400.IPMIdentifier{}, false
	}
	star := strings.IndexByte(a.LocalPart, '*')
	if star < 0 {
		return x400.IPMIdentifier{}, false
	}
	local, stdor := a.LocalPart[:star], a.LocalPart[star+1:]
	if !x400.IsPrintableString(local) || len(local) > UBLocalIPMIdentifier {
		return x400.IPMIdentifier{}, false
	}
	id := x400.IPMIdentifier{LocalID: local}
	if stdor != "" {
		or, err := x400.ParseORAddress(stdor)
		if err != nil {
			return x400.IPMIdentifier{}, false
		}
		id.User = &x400.ORName{ORAddress: or}
	}
	return id, true
}

// idsRFC822Generated reports whether id is an RFC 822 generated id
// (§4.7.3.4) and returns the inside of its msg-id. The decoding must be
// exact: encoding it again gives the user-relative-identifier back, so
// that the mapping stays reversible.
func idsRFC822Generated(id *x400.IPMIdentifier) (string, bool) {
	if id.User != nil {
		return "", false
	}
	s, err := idsDecodePS(id.LocalID)
	if err != nil {
		return "", false
	}
	if enc, err := idsEncodePS(s); err != nil || enc != id.LocalID {
		return "", false
	}
	if _, err := idsParseInner(s); err != nil {
		return "", false
	}
	if end := idsFindAngleEnd("<"+s+">", 0); end != len(s)+1 {
		return "", false
	}
	if _, ok := idsX400Generated(s); ok {
		// It would read back as X.400 generated.
		return "", false
	}
	return s, true
}

// idsX400MsgID writes <[printablestring]*[std-or-address]@MHS>.
func idsX400MsgID(id *x400.IPMIdentifier) (string, error) {
	if !x400.IsPrintableString(id.LocalID) {
		return "", &MsgIDError{ID: id.String(), Msg: "user-relative-identifier is not a PrintableString"}
	}
	local := id.LocalID + "*"
	if id.User != nil {
		local += IDStdOR(&id.User.ORAddress)
	}
	for i := 0; i < len(local); i++ {
		if c := local[i]; c < 0x20 || c == 0x7f {
			return "", &MsgIDError{ID: id.String(), Msg: "control character in the std-or-address"}
		}
	}
	var b strings.Builder
	b.WriteByte('<')
	rfc822WriteAddrSpec(&b, AddrSpec{LocalPart: local, Domain: MHSDomain})
	b.WriteByte('>')
	return b.String(), nil
}

// IDStdOR writes an O/R address in the std-or-address form of RFC 2156
// §4.1 with the order §4.3.3 requires in a msg-id: the most significant
// attribute on the right ("/S=Dietrich/O=Siemens/ADMD=DBP/C=DE/"), the
// first organizational unit (and domain-defined attribute) rightmost of
// its kind. An empty address gives "".
func IDStdOR(a *x400.ORAddress) string {
	s := a.String()
	if len(s) < 2 || s[0] != '/' {
		return s
	}
	pairs := stdOrSegments(s)
	var b strings.Builder
	b.Grow(len(s))
	b.WriteByte('/')
	for i := len(pairs) - 1; i >= 0; i-- {
		if pairs[i] == "" {
			continue
		}
		b.WriteString(pairs[i])
		b.WriteByte('/')
	}
	return b.String()
}

// idsEncodePS encodes ASCII as PrintableString, RFC 2156 §3.4
// ("foo@bar" -> "foo(a)bar", "~" -> "(126)"). Octets above 127 (RFC 6532
// UTF-8 ids) are written "(ddd)" like the ASCII ones, beyond §3.4's range
// 0-127, so that nothing is lost; decoding accepts them.
func idsEncodePS(s string) (string, error) { return psEncode(s, true) }

// idsDecodePS decodes a §3.4 ps-encoded PrintableString (see idsEncodePS).
// The special encodings are case insensitive; a "(" that starts no
// encoding stands for itself (§3.4: "(" -> "(").
func idsDecodePS(s string) (string, error) {
	if strings.IndexByte(s, '(') < 0 && !x400.IsPrintableString(s) {
		return "", errors.New("not a PrintableString")
	}
	return psDecode(s, true), nil
}

// idsTruncatePS cuts a ps-encoded string to at most n octets without
// splitting an encoded character, and reports whether it cut.
func idsTruncatePS(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	cut := n
	// An encoding is at most 5 octets, "(ddd)": step back over a "(" that
	// opens one that the cut would split.
	for k := 1; k <= 4 && n-k >= 0; k++ {
		if s[n-k] == '(' && strings.IndexByte(s[n-k:], ')') >= k {
			cut = n - k
			break
		}
	}
	return s[:cut], true
}
