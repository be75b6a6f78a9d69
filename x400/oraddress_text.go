package x400

import (
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"mixerd/ber"
)

// The text form of O/R addresses: RFC 2156 §4.1 (EBNF.std-or-address and
// std-or-address-input, the key table of §4.1.1 and its alternatives) and
// the RFC 1685 way of writing them that X.400 products show:
//
//	/C=GB/ADMD=BT/PRMD=DERA/O=MOD/OU=HQ/S=Smith/G=John/I=J/
//	G=John; S=Smith; O=MOD; C=GB
//
// Printing (ORAddress.String) uses the "/" form, one attribute per key, in
// the order C, ADMD, PRMD, O, OU..., S, G, I, GQ, CN, X121, T-ID, UA-ID,
// DD..., PD-*, NET-*, T-TY, U-*, most significant first. A value is
// written "printable*teletex" where an attribute has both a printable and a
// teletex form (RFC 2156 §3.3.4 teletex-and-or-ps), the teletex form as
// UTF-8 (control characters as {ddd}); "/", ";", "=", "$", "*", "{", "}"
// and "|" in a value are quoted with "$" (RFC 2156 §4.1.3 std-pair).
// Unlike RFC 2156's output rule, a teletex-only value keeps its "*" even
// when it is printable, so that ParseORAddress(a.String()) gives a back.
//
// The universal attributes (X.411 1996 onwards), which RFC 2156 predates,
// are written with the keys U-CN, U-O, U-OU, U-S, U-G, U-I, U-GQ,
// U-DD.type, U-PD-OFFICE ... U-PD-LOCAL (the P/T key prefixed by "U-"); a
// value is UTF-8, optionally preceded by its ISO 639 language in brackets:
// "/U-CN=[fr]Clément/". NET-PSAP is written as the hexadecimal encoding of
// the PresentationAddress prefixed by "#" (RFC 1278 strings are not
// supported).

// ParseError is an error in the text form of an O/R address. Offset is the
// byte offset in the input of the attribute, value or character at fault.
type ParseError struct {
	Offset int
	Msg    string
}

func (e *ParseError) Error() string {
	return "x400: O/R address: offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

func oraddrErr(off int, msg string) error { return &ParseError{Offset: off, Msg: msg} }

// Kinds of keys.
const (
	okC = iota + 1
	okADMD
	okPRMD
	okO
	okOU // n: 0 for OU, 1..4 for OU1..OU4
	okPN // n: 0 PN; 1..4 S, G, I, GQ
	okCN
	okX121
	okTID
	okUAID
	okDD // n: 0 for DD/DDA, 1..4 for DD1..DD4
	okRFC822
	okPDSName
	okPDC
	okPDCode
	okPDS // n: extension type 10..21 (not 16)
	okUPA // n: 0 for PD-ADDRESS, 1..6 for PD-A1..PD-A6
	okNetNum
	okNetSub
	okNetPSAP
	okTTY
	okU   // n: extension type 24, 25, 29..40
	okUPN // n: 0..3 U-S, U-G, U-I, U-GQ
	okUOU
	okUDD
)

type oraddrKey struct {
	kind uint8
	n    uint8
}

var oraddrKeys = map[string]oraddrKey{
	"C": {okC, 0}, "ADMD": {okADMD, 0}, "A": {okADMD, 0}, "PRMD": {okPRMD, 0}, "P": {okPRMD, 0},
	"O": {okO, 0}, "OU": {okOU, 0}, "OU1": {okOU, 1}, "OU2": {okOU, 2}, "OU3": {okOU, 3}, "OU4": {okOU, 4},
	"PN": {okPN, 0}, "S": {okPN, 1}, "G": {okPN, 2}, "I": {okPN, 3}, "GQ": {okPN, 4}, "Q": {okPN, 4},
	"CN": {okCN, 0}, "X121": {okX121, 0}, "X.121": {okX121, 0}, "T-ID": {okTID, 0},
	"UA-ID": {okUAID, 0}, "N-ID": {okUAID, 0}, "RFC-822": {okRFC822, 0},
	"PD-SERVICE": {okPDSName, 0}, "PD-SN": {okPDSName, 0}, "PD-C": {okPDC, 0},
	"PD-CODE": {okPDCode, 0}, "PD-PC": {okPDCode, 0},
	"PD-OFFICE": {okPDS, extPDOfficeName}, "PD-OF": {okPDS, extPDOfficeName},
	"PD-OFFICE-NUM": {okPDS, extPDOfficeNumber}, "PD-OFFICE NUMBER": {okPDS, extPDOfficeNumber}, "PD-OFN": {okPDS, extPDOfficeNumber},
	"PD-EXT-ADDRESS": {okPDS, extExtensionORAddressComponents}, "PD-EA": {okPDS, extExtensionORAddressComponents},
	"PD-PN":           {okPDS, extPDPersonalName},
	"PD-O":            {okPDS, extPDOrganizationName},
	"PD-EXT-DELIVERY": {okPDS, extExtensionPDAddressComponents}, "PD-ED": {okPDS, extExtensionPDAddressComponents},
	"PD-ADDRESS": {okUPA, 0}, "PD-A": {okUPA, 0},
	"PD-A1": {okUPA, 1}, "PD-A2": {okUPA, 2}, "PD-A3": {okUPA, 3}, "PD-A4": {okUPA, 4}, "PD-A5": {okUPA, 5}, "PD-A6": {okUPA, 6},
	"PD-STREET": {okPDS, extStreetAddress}, "PD-S": {okPDS, extStreetAddress},
	"PD-BOX": {okPDS, extPostOfficeBoxAddress}, "PD-B": {okPDS, extPostOfficeBoxAddress},
	"PD-RESTANTE": {okPDS, extPosteRestanteAddress}, "PD-R": {okPDS, extPosteRestanteAddress},
	"PD-UNIQUE": {okPDS, extUniquePostalName}, "PD-U": {okPDS, extUniquePostalName},
	"PD-LOCAL": {okPDS, extLocalPostalAttributes}, "PD-L": {okPDS, extLocalPostalAttributes},
	"NET-NUM": {okNetNum, 0}, "E.164": {okNetNum, 0}, "NET-SUB": {okNetSub, 0},
	"NET-PSAP": {okNetPSAP, 0}, "PSAP": {okNetPSAP, 0}, "T-TY": {okTTY, 0},
	"U-CN": {okU, extUniversalCommonName}, "U-O": {okU, extUniversalOrganizationName},
	"U-S": {okUPN, 0}, "U-G": {okUPN, 1}, "U-I": {okUPN, 2}, "U-GQ": {okUPN, 3}, "U-OU": {okUOU, 0},
	"U-PD-OFFICE":       {okU, extUniversalPDOfficeName},
	"U-PD-OFFICE-NUM":   {okU, extUniversalPDOfficeNumber},
	"U-PD-EXT-ADDRESS":  {okU, extUniversalExtensionORAddressComponents},
	"U-PD-PN":           {okU, extUniversalPDPersonalName},
	"U-PD-O":            {okU, extUniversalPDOrganizationName},
	"U-PD-EXT-DELIVERY": {okU, extUniversalExtensionPDAddressComponents},
	"U-PD-ADDRESS":      {okU, extUniversalUnformattedPostalAddress},
	"U-PD-STREET":       {okU, extUniversalStreetAddress},
	"U-PD-BOX":          {okU, extUniversalPostOfficeBoxAddress},
	"U-PD-RESTANTE":     {okU, extUniversalPosteRestanteAddress},
	"U-PD-UNIQUE":       {okU, extUniversalUniquePostalName},
	"U-PD-LOCAL":        {okU, extUniversalLocalPostalAttributes},
}

// oraddrDDKeys are the dd-key prefixes (before "." or ":").
var oraddrDDKeys = map[string]oraddrKey{
	"DD": {okDD, 0}, "DDA": {okDD, 0}, "DD1": {okDD, 1}, "DD2": {okDD, 2}, "DD3": {okDD, 3}, "DD4": {okDD, 4},
	"U-DD": {okUDD, 0},
}

// oraddrPrintKeys are the keys written by String for the extension types
// 10..21 and 29..40.
var oraddrPrintKeys = [extLast + 1]string{
	extPDOfficeName: "PD-OFFICE", extPDOfficeNumber: "PD-OFFICE-NUM",
	extExtensionORAddressComponents: "PD-EXT-ADDRESS", extPDPersonalName: "PD-PN",
	extPDOrganizationName: "PD-O", extExtensionPDAddressComponents: "PD-EXT-DELIVERY",
	extUnformattedPostalAddress: "PD-ADDRESS", extStreetAddress: "PD-STREET",
	extPostOfficeBoxAddress: "PD-BOX", extPosteRestanteAddress: "PD-RESTANTE",
	extUniquePostalName: "PD-UNIQUE", extLocalPostalAttributes: "PD-LOCAL",
	extUniversalCommonName: "U-CN", extUniversalOrganizationName: "U-O",
	extUniversalPDOfficeName: "U-PD-OFFICE", extUniversalPDOfficeNumber: "U-PD-OFFICE-NUM",
	extUniversalExtensionORAddressComponents: "U-PD-EXT-ADDRESS", extUniversalPDPersonalName: "U-PD-PN",
	extUniversalPDOrganizationName: "U-PD-O", extUniversalExtensionPDAddressComponents: "U-PD-EXT-DELIVERY",
	extUniversalUnformattedPostalAddress: "U-PD-ADDRESS", extUniversalStreetAddress: "U-PD-STREET",
	extUniversalPostOfficeBoxAddress: "U-PD-BOX", extUniversalPosteRestanteAddress: "U-PD-RESTANTE",
	extUniversalUniquePostalName: "U-PD-UNIQUE", extUniversalLocalPostalAttributes: "U-PD-LOCAL",
}

// The labels of RFC 2156 §4.1.1 for terminal types (T-TY).
var oraddrTTYNames = [...]string{3: "tlx", 4: "ttx", 5: "g3fax", 6: "g4fax", 7: "ia5", 8: "vtx"}

// ---------------------------------------------------------------------------
// Parsing.

// oraddrPT is one value of an attribute with a printable and a teletex form.
type oraddrPT struct {
	p, t       string
	hasP, hasT bool
}

type oraddrDD struct {
	typ, val string
	teletex  bool
}

type oraddrUDD struct{ typ, val UniversalOrBMPString }

type oraddrParser struct {
	s    string
	a    ORAddress
	seen map[oraddrKey]int // key -> segment index

	ous      []oraddrPT
	ouSlots  [5]*oraddrPT
	dds      []oraddrDD
	ddSlots  [5]*oraddrDD
	uous     []UniversalOrBMPString
	udds     []oraddrUDD
	upaLines [7]*string
	pn       [5]*oraddrPT // 1..4: S, G, I, GQ

	top   int // segment index of the most significant of C, ADMD, PRMD, O; -1
	topRk int
	multi int // segment index of the first unnumbered OU or DD; -1
}

// ParseORAddress parses the text form of an O/R address: RFC 2156 §4.1.3
// EBNF.std-or-address-input, that is attribute=value pairs separated by
// "/" or ";" (or a mixture), with an optional leading and trailing
// separator: "/C=GB/ADMD=BT/PRMD=DERA/O=MOD/OU=HQ/S=Smith/G=John/" or
// "G=John; S=Smith; O=MOD; C=GB". Keys are matched without regard to case;
// every key of RFC 2156 §4.1.1 and its alternatives is recognised (C, ADMD
// or A, PRMD or P, O, OU, OU1..OU4, PN, S, G, I, GQ or Q, CN, X121 or
// X.121, T-ID, UA-ID or N-ID, DD.type or DDA:type and DD1..DD4, RFC-822,
// PD-*, NET-NUM or E.164, NET-SUB, NET-PSAP or PSAP, T-TY), and the U-*
// keys of the universal attributes (see String).
//
// A value is taken as written, spaces included; "$" quotes the next
// character. A printable/teletex attribute takes "printable*teletex" (either
// part may be absent); a value that is not a PrintableString and has no "*"
// is taken as the teletex form. In a teletex value {ddd} is a T.61 octet.
// Country, ADMD, PRMD, PD-C and PD-CODE values made of digits only are
// NumericStrings (RFC 2156 §4.1.1). An empty value is an attribute of zero
// length (RFC 2156 §4.3.5, "/O=/").
//
// Organizational units and domain-defined attributes are in the order of
// the text, most significant first, unless the country (or, without one,
// ADMD, PRMD or O) is written after them, as in RFC 2156's "most
// significant on the right" local parts ("S=Smith; OU=Sales; OU=Europe;
// O=Acme; C=GB"), in which case their order is reversed. The numbered keys
// OU1..OU4 and DD1..DD4 give the order explicitly.
//
// ParseORAddress does not add the single-space ADMD that RFC 2156 §4.1.3
// implies when a country is given without one, and it checks character
// sets but not the ub-* bounds (see ORAddress.Validate).
func ParseORAddress(s string) (ORAddress, error) {
	p := oraddrParser{s: s, seen: make(map[oraddrKey]int), top: -1, multi: -1}
	if err := p.parse(); err != nil {
		return ORAddress{}, err
	}
	return p.a, nil
}

func oraddrIsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func (p *oraddrParser) parse() error {
	s := p.s
	end := len(s)
	for end > 0 && (s[end-1] == '\r' || s[end-1] == '\n' || s[end-1] == '\t') {
		end--
	}
	// Split at the unescaped separators.
	type seg struct{ start, end int }
	var segs []seg
	start := 0
	for i := 0; i < end; i++ {
		switch s[i] {
		case '$':
			if i+1 >= end {
				return oraddrErr(i, "\"$\" at the end of the address")
			}
			_, n := utf8.DecodeRuneInString(s[i+1 : end])
			i += n
		case '/', ';':
			segs = append(segs, seg{start, i})
			start = i + 1
		}
	}
	segs = append(segs, seg{start, end})
	blank := func(g seg) bool {
		for i := g.start; i < g.end; i++ {
			if !oraddrIsSpace(s[i]) {
				return false
			}
		}
		return true
	}
	if blank(segs[0]) {
		segs = segs[1:]
	}
	if len(segs) > 0 && blank(segs[len(segs)-1]) {
		segs = segs[:len(segs)-1]
	}
	if len(segs) == 0 {
		return oraddrErr(0, "no attribute")
	}
	for idx, g := range segs {
		k := g.start
		for k < g.end && oraddrIsSpace(s[k]) {
			k++
		}
		if k == g.end {
			return oraddrErr(g.start, "empty attribute between separators")
		}
		eq := oraddrFind(s[k:g.end], '=')
		if eq < 0 {
			return oraddrErr(k, "attribute without \"=\"")
		}
		key := s[k : k+eq]
		key = key[:oraddrTrimEnd(key)]
		if key == "" {
			return oraddrErr(k, "missing attribute type before \"=\"")
		}
		if err := p.pair(idx, key, k, s[k+eq+1:g.end], k+eq+1); err != nil {
			return err
		}
	}
	return p.finish()
}

// oraddrFind returns the index of the first unescaped c in s, or -1.
func oraddrFind(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '$':
			i++
		case c:
			return i
		}
	}
	return -1
}

// oraddrTrimEnd returns the length of s without its trailing unescaped
// white space.
func oraddrTrimEnd(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) {
			i++
			n = i + 1
		} else if !oraddrIsSpace(s[i]) {
			n = i + 1
		}
	}
	return n
}

func oraddrUpper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			return strings.ToUpper(s)
		}
	}
	return s
}

func (p *oraddrParser) pair(idx int, key string, koff int, v string, voff int) error {
	k, ok := oraddrKeys[oraddrUpper(key)]
	var ddType string
	ddOff := 0
	if !ok {
		if i := strings.IndexAny(key, ".:"); i > 0 {
			if dk, ok2 := oraddrDDKeys[oraddrUpper(key[:i])]; ok2 {
				k, ok = dk, true
				ddType, ddOff = key[i+1:], koff+i+1
			}
		}
	}
	if !ok {
		return oraddrErr(koff, "unknown attribute type \""+key+"\"")
	}
	multi := k.kind == okRFC822 || k.kind == okUDD || k.kind == okUOU || ((k.kind == okOU || k.kind == okDD) && k.n == 0)
	if !multi {
		if _, dup := p.seen[k]; dup {
			return oraddrErr(koff, "attribute \""+key+"\" repeated")
		}
	}
	if _, ok := p.seen[k]; !ok {
		p.seen[k] = idx
	}
	a := &p.a
	switch k.kind {
	case okC, okADMD, okPRMD:
		x, err := p.numOrPrint(v, voff)
		if err != nil {
			return err
		}
		dst, bit := &a.Country, AttrCountry
		if k.kind == okADMD {
			dst, bit = &a.ADMD, AttrADMD
		} else if k.kind == okPRMD {
			dst, bit = &a.PRMD, AttrPRMD
		}
		*dst = x
		if x.Value == "" {
			a.ZeroLength |= bit
		}
		p.noteTop(idx, int(k.kind))
	case okO, okCN:
		x, err := p.pt(v, voff)
		if err != nil {
			return err
		}
		if k.kind == okO {
			a.Organization, a.TeletexOrganization = x.p, x.t
			p.zero(x, AttrOrganization)
			p.noteTop(idx, okO)
		} else {
			a.CommonName, a.TeletexCommonName = x.p, x.t
			p.zero(x, AttrCommonName)
		}
	case okOU:
		if err := p.exclusive(k, koff, "OU", "OU1..OU4"); err != nil {
			return err
		}
		x, err := p.pt(v, voff)
		if err != nil {
			return err
		}
		if k.n == 0 {
			p.ous = append(p.ous, x)
			p.noteMulti(idx)
		} else {
			p.ouSlots[k.n] = &x
		}
	case okPN:
		if k.n == 0 {
			for i := 1; i <= 4; i++ {
				if _, dup := p.seen[oraddrKey{okPN, uint8(i)}]; dup {
					return oraddrErr(koff, "PN together with S, G, I or GQ")
				}
			}
			return p.encodedPN(v, voff)
		}
		if _, dup := p.seen[oraddrKey{okPN, 0}]; dup {
			return oraddrErr(koff, "PN together with S, G, I or GQ")
		}
		x, err := p.pt(v, voff)
		if err != nil {
			return err
		}
		p.pn[k.n] = &x
	case okX121, okUAID:
		s, err := oraddrUnescape(v, voff, oraddrNumeric)
		if err != nil {
			return err
		}
		if k.kind == okX121 {
			a.NetworkAddress = s
			p.zero(oraddrPT{p: s, hasP: true}, AttrNetworkAddress)
		} else {
			a.NumericUserIdentifier = s
			p.zero(oraddrPT{p: s, hasP: true}, AttrNumericUserIdentifier)
		}
	case okTID:
		s, err := oraddrUnescape(v, voff, oraddrPrintable)
		if err != nil {
			return err
		}
		a.TerminalIdentifier = s
		p.zero(oraddrPT{p: s, hasP: true}, AttrTerminalIdentifier)
	case okDD, okRFC822:
		if err := p.exclusive(k, koff, "DD", "DD1..DD4"); err != nil {
			return err
		}
		var d oraddrDD
		if k.kind == okRFC822 {
			d.typ = "RFC-822"
			s, err := oraddrUnescape(v, voff, oraddrPrintable)
			if err != nil {
				return err
			}
			d.val = s
		} else {
			t := ddType[:oraddrTrimEnd(ddType)]
			if strings.HasPrefix(t, "*") {
				if !strings.HasPrefix(v, "*") {
					return oraddrErr(voff, "teletex domain-defined attribute type with a value that is not teletex (no \"*\")")
				}
				d.teletex = true
				var err error
				if d.typ, err = oraddrTeletexText(t[1:], ddOff+1); err != nil {
					return err
				}
				if d.val, err = oraddrTeletexText(v[1:], voff+1); err != nil {
					return err
				}
			} else {
				var err error
				if d.typ, err = oraddrUnescape(t, ddOff, oraddrPrintable); err != nil {
					return err
				}
				if d.val, err = oraddrUnescape(v, voff, oraddrPrintable); err != nil {
					return err
				}
			}
		}
		if k.kind == okRFC822 || k.n == 0 {
			p.dds = append(p.dds, d)
			p.noteMulti(idx)
		} else {
			p.ddSlots[k.n] = &d
		}
	case okPDSName:
		s, err := oraddrUnescape(v, voff, oraddrPrintable)
		if err != nil {
			return err
		}
		if s == "" {
			return oraddrErr(voff, "empty value")
		}
		a.postal().PDSName = s
	case okPDC, okPDCode:
		x, err := p.numOrPrint(v, voff)
		if err != nil {
			return err
		}
		if x.Value == "" {
			return oraddrErr(voff, "empty value")
		}
		if k.kind == okPDC {
			a.postal().CountryName = x
		} else {
			a.postal().PostalCode = x
		}
	case okPDS:
		x, err := p.pt(v, voff)
		if err != nil {
			return err
		}
		if x.p == "" && x.t == "" {
			return oraddrErr(voff, "empty value")
		}
		*a.postal().pds(int(k.n)) = PDSParameter{Printable: x.p, Teletex: x.t}
	case okUPA:
		if err := p.exclusive(k, koff, "PD-ADDRESS", "PD-A1..PD-A6"); err != nil {
			return err
		}
		if k.n > 0 {
			s, err := oraddrUnescape(v, voff, oraddrPrintable)
			if err != nil {
				return err
			}
			if s == "" {
				return oraddrErr(voff, "empty value")
			}
			p.upaLines[k.n] = &s
			return nil
		}
		return p.upa(v, voff)
	case okNetNum, okNetSub:
		s, err := oraddrUnescape(v, voff, oraddrNumeric)
		if err != nil {
			return err
		}
		if _, psap := p.seen[oraddrKey{okNetPSAP, 0}]; psap {
			return oraddrErr(koff, "NET-NUM or NET-SUB together with NET-PSAP")
		}
		x := a.ExtendedNetworkAddress
		if x == nil {
			x = new(ExtendedNetworkAddress)
			a.ExtendedNetworkAddress = x
		}
		if k.kind == okNetNum {
			x.Number = s
		} else {
			x.SubAddress = s
		}
	case okNetPSAP:
		if a.ExtendedNetworkAddress != nil {
			return oraddrErr(koff, "NET-PSAP together with NET-NUM or NET-SUB")
		}
		raw, err := oraddrParsePSAP(v, voff)
		if err != nil {
			return err
		}
		a.ExtendedNetworkAddress = &ExtendedNetworkAddress{PSAPAddress: raw}
	case okTTY:
		n, err := oraddrParseTTY(v, voff)
		if err != nil {
			return err
		}
		a.TerminalType = &n
	case okU:
		x, err := oraddrParseU(v, voff)
		if err != nil {
			return err
		}
		*a.universal().single(int(k.n)) = x
	case okUPN:
		x, err := oraddrParseU(v, voff)
		if err != nil {
			return err
		}
		pn := &a.universal().PersonalName
		*[4]*UniversalOrBMPString{&pn.Surname, &pn.GivenName, &pn.Initials, &pn.GenerationQualifier}[k.n] = x
	case okUOU:
		x, err := oraddrParseU(v, voff)
		if err != nil {
			return err
		}
		p.uous = append(p.uous, x)
		p.noteMulti(idx)
	case okUDD:
		t, err := oraddrParseU(ddType[:oraddrTrimEnd(ddType)], ddOff)
		if err != nil {
			return err
		}
		x, err := oraddrParseU(v, voff)
		if err != nil {
			return err
		}
		p.udds = append(p.udds, oraddrUDD{t, x})
		p.noteMulti(idx)
	}
	return nil
}

// exclusive checks that the unnumbered key and the numbered ones of a
// family are not mixed.
func (p *oraddrParser) exclusive(k oraddrKey, koff int, plain, numbered string) error {
	var other bool
	if k.n == 0 {
		for i := uint8(1); i <= 6; i++ {
			if _, ok := p.seen[oraddrKey{k.kind, i}]; ok {
				other = true
			}
		}
	} else {
		_, other = p.seen[oraddrKey{k.kind, 0}]
		if k.kind == okDD {
			_, rfc := p.seen[oraddrKey{okRFC822, 0}]
			other = other || rfc
		}
	}
	if k.kind == okRFC822 {
		for i := uint8(1); i <= 4; i++ {
			if _, ok := p.seen[oraddrKey{okDD, i}]; ok {
				other = true
			}
		}
	}
	if other {
		return oraddrErr(koff, plain+" mixed with "+numbered)
	}
	return nil
}

func (p *oraddrParser) noteTop(idx, rank int) {
	if p.top < 0 || rank < p.topRk {
		p.top, p.topRk = idx, rank
	}
}

func (p *oraddrParser) noteMulti(idx int) {
	if p.multi < 0 {
		p.multi = idx
	}
}

func (p *oraddrParser) zero(x oraddrPT, bit ORAttr) {
	if x.hasP && x.p == "" {
		p.a.ZeroLength |= bit
	}
}

// numOrPrint parses a value of CHOICE { NumericString, PrintableString }:
// numeric when it is made of digits only.
func (p *oraddrParser) numOrPrint(v string, off int) (NumericOrPrintable, error) {
	s, err := oraddrUnescape(v, off, oraddrPrintable)
	if err != nil {
		return NumericOrPrintable{}, err
	}
	num := s != ""
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			num = false
			break
		}
	}
	return NumericOrPrintable{Value: s, Numeric: num}, nil
}

// pt parses a teletex-and-or-ps value "printable*teletex". A value without
// "*" that is not printable is the teletex form.
func (p *oraddrParser) pt(v string, off int) (oraddrPT, error) {
	var x oraddrPT
	star := oraddrFind(v, '*')
	if star < 0 {
		s, err := oraddrUnescape(v, off, oraddrPrintable)
		if err == nil {
			x.p, x.hasP = s, true
			return x, nil
		}
		t, err2 := oraddrTeletexText(v, off)
		if err2 != nil {
			return x, err
		}
		x.t, x.hasT = t, true
		return x, nil
	}
	if star > 0 {
		s, err := oraddrUnescape(v[:star], off, oraddrPrintable)
		if err != nil {
			return x, err
		}
		x.p, x.hasP = s, true
	}
	t, err := oraddrTeletexText(v[star+1:], off+star+1)
	if err != nil {
		return x, err
	}
	if t == "" {
		return x, oraddrErr(off+star, "empty teletex form after \"*\"")
	}
	x.t, x.hasT = t, true
	return x, nil
}

// oraddrUnescape removes the "$" quoting of v and checks its characters
// (oraddrPrintable or oraddrNumeric). off is the offset of v in the input.
func oraddrUnescape(v string, off int, set int) (string, error) {
	ok := func(c byte, i int) bool {
		if set == oraddrNumeric {
			return c == ' ' || (c >= '0' && c <= '9')
		}
		return IsPrintableString(v[i : i+1])
	}
	var sb *strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '$' {
			if i+1 >= len(v) {
				return "", oraddrErr(off+i, "\"$\" at the end of a value")
			}
			if sb == nil {
				sb = new(strings.Builder)
				sb.WriteString(v[:i])
			}
			i++
			c = v[i]
		}
		if !ok(c, i) {
			what := "PrintableString"
			if set == oraddrNumeric {
				what = "NumericString"
			}
			r, _ := utf8.DecodeRuneInString(v[i:])
			if r == utf8.RuneError {
				return "", oraddrErr(off+i, "byte 0x"+strconv.FormatUint(uint64(c), 16)+" not allowed in a "+what)
			}
			return "", oraddrErr(off+i, "character "+strconv.QuoteRune(r)+" not allowed in a "+what)
		}
		if sb != nil {
			sb.WriteByte(c)
		}
	}
	if sb == nil {
		return v, nil
	}
	return sb.String(), nil
}

// oraddrTeletexText parses a teletex-string (RFC 2156 §3.3.4): UTF-8
// characters, "$" quoting, and {ddd...} T.61 octets. The result is UTF-8
// that T.61 represents, normalised so that T61ToUTF8(UTF8ToT61(result)) is
// the result: the form in which a TeletexString decodes.
//
// Runs of characters and of 7-bit octets (the T.61 primary set is ASCII's,
// so {010} is a line feed) are converted together, so that a combining
// mark applies across a quoted character; octets 128 to 255 are taken as
// they are (a diacritic, {194}e for é, or a supplementary character).
func oraddrTeletexText(v string, off int) (string, error) {
	var t61 []byte
	var where []int // input offset of each byte of t61
	var run []byte  // pending UTF-8 characters
	var runAt []int // input offset of each byte of run
	flush := func() error {
		if len(run) == 0 {
			return nil
		}
		enc, err := UTF8ToT61(string(run))
		if err != nil {
			o := off
			var ce *CharsetError
			if errors.As(err, &ce) && ce.Offset >= 0 && ce.Offset < len(runAt) {
				o = runAt[ce.Offset]
			}
			return oraddrErr(o, "not representable in a TeletexString: "+err.Error())
		}
		t61 = append(t61, enc...)
		at := runAt[0]
		for range enc {
			where = append(where, at)
		}
		run, runAt = run[:0], runAt[:0]
		return nil
	}
	for i := 0; i < len(v); {
		c := v[i]
		switch c {
		case '$':
			if i+1 >= len(v) {
				return "", oraddrErr(off+i, "\"$\" at the end of a value")
			}
			_, n := utf8.DecodeRuneInString(v[i+1:])
			run = append(run, v[i+1:i+1+n]...)
			for k := 0; k < n; k++ {
				runAt = append(runAt, off+i+1+k)
			}
			i += 1 + n
		case '{':
			j := i + 1
			for j < len(v) && v[j] != '}' {
				j++
			}
			if j >= len(v) {
				return "", oraddrErr(off+i, "\"{\" without \"}\"")
			}
			ds := v[i+1 : j]
			if ds == "" || len(ds)%3 != 0 {
				return "", oraddrErr(off+i, "T.61 octets in {} must be groups of three decimal digits")
			}
			for g := 0; g < len(ds); g += 3 {
				n, err := strconv.Atoi(ds[g : g+3])
				if err != nil || n > 255 || ds[g] == '+' || ds[g] == '-' {
					return "", oraddrErr(off+i+1+g, "bad T.61 octet \""+ds[g:g+3]+"\"")
				}
				if n < 0x80 {
					run = append(run, byte(n))
					runAt = append(runAt, off+i+1+g)
					continue
				}
				if err := flush(); err != nil {
					return "", err
				}
				t61 = append(t61, byte(n))
				where = append(where, off+i+1+g)
			}
			i = j + 1
		default:
			run = append(run, c)
			runAt = append(runAt, off+i)
			i++
		}
	}
	if err := flush(); err != nil {
		return "", err
	}
	s, err := T61ToUTF8(t61)
	if err != nil {
		o := off
		var ce *CharsetError
		if errors.As(err, &ce) && ce.Offset >= 0 && ce.Offset < len(where) {
			o = where[ce.Offset]
		}
		return "", oraddrErr(o, "bad TeletexString: "+err.Error())
	}
	// Normalise to the form a TeletexString decodes to.
	for range 3 {
		enc, err := UTF8ToT61(s)
		if err != nil {
			return "", oraddrErr(off, "TeletexString does not survive T.61: "+err.Error())
		}
		s2, err := T61ToUTF8(enc)
		if err != nil {
			return "", oraddrErr(off, "TeletexString does not survive T.61: "+err.Error())
		}
		if s2 == s {
			return s, nil
		}
		s = s2
	}
	return "", oraddrErr(off, "TeletexString has no stable T.61 form")
}

// oraddrParseU parses the value of a U-* key: ["[" language "]"] text.
func oraddrParseU(v string, off int) (UniversalOrBMPString, error) {
	var x UniversalOrBMPString
	if strings.HasPrefix(v, "[") {
		j := strings.IndexByte(v, ']')
		if j < 0 {
			return x, oraddrErr(off, "\"[\" without \"]\"")
		}
		x.Language = v[1:j]
		if !IsPrintableString(x.Language) || (len(x.Language) != 2 && len(x.Language) != 5) {
			return x, oraddrErr(off+1, "language code must be 2 or 5 printable characters")
		}
		v, off = v[j+1:], off+j+1
	}
	var sb strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '$' {
			if i+1 >= len(v) {
				return x, oraddrErr(off+i, "\"$\" at the end of a value")
			}
			i++
			c = v[i]
		}
		sb.WriteByte(c)
	}
	x.Text = sb.String()
	if x.Text == "" {
		return x, oraddrErr(off, "empty value")
	}
	if !utf8.ValidString(x.Text) {
		return x, oraddrErr(off, "invalid UTF-8")
	}
	if _, err := UTF8ToUniversalString(x.Text); err != nil {
		return x, oraddrErr(off, err.Error())
	}
	return x, nil
}

// upa parses PD-ADDRESS: [printable *( "|" printable )] ["*" teletex].
func (p *oraddrParser) upa(v string, off int) error {
	u := &p.a.postal().UnformattedAddress
	star := oraddrFind(v, '*')
	pr := v
	if star >= 0 {
		pr = v[:star]
	}
	if pr != "" {
		for start := 0; ; {
			bar := oraddrFind(pr[start:], '|')
			end := len(pr)
			if bar >= 0 {
				end = start + bar
			}
			s, err := oraddrUnescape(pr[start:end], off+start, oraddrPrintable)
			if err != nil {
				return err
			}
			u.Lines = append(u.Lines, s)
			if bar < 0 {
				break
			}
			start = end + 1
		}
	}
	if star >= 0 {
		t, err := oraddrTeletexText(v[star+1:], off+star+1)
		if err != nil {
			return err
		}
		if t == "" {
			return oraddrErr(off+star, "empty teletex form after \"*\"")
		}
		u.Teletex = t
	}
	if u.IsZero() {
		return oraddrErr(off, "empty value")
	}
	return nil
}

// encodedPN parses PN (RFC 2156 §4.1.2): [given "."] *(initial ".") surname.
func (p *oraddrParser) encodedPN(v string, off int) error {
	x, err := p.pt(v, off)
	if err != nil {
		return err
	}
	if x.hasP {
		pn, ok := oraddrSplitPN(x.p)
		if !ok {
			return oraddrErr(off, "PN without a surname")
		}
		p.a.PersonalName = pn
	}
	if x.hasT {
		pn, ok := oraddrSplitPN(x.t)
		if !ok {
			return oraddrErr(off, "PN without a surname")
		}
		p.a.TeletexPersonalName = pn
	}
	return nil
}

func oraddrSplitPN(s string) (PersonalName, bool) {
	var pn PersonalName
	toks := strings.Split(s, ".")
	i := 0
	if len(toks) > 1 && utf8.RuneCountInString(toks[0]) >= 2 {
		pn.GivenName = toks[0]
		i = 1
	}
	var ini strings.Builder
	for i < len(toks)-1 {
		r, n := utf8.DecodeRuneInString(toks[i])
		if n == 0 || n != len(toks[i]) || !unicode.IsLetter(r) {
			break
		}
		ini.WriteString(toks[i])
		i++
	}
	pn.Initials = ini.String()
	pn.Surname = strings.Join(toks[i:], ".")
	return pn, pn.Surname != ""
}

func oraddrParsePSAP(v string, off int) (Raw, error) {
	if !strings.HasPrefix(v, "#") {
		return nil, oraddrErr(off, "NET-PSAP must be \"#\" and the hexadecimal encoding of a PresentationAddress")
	}
	raw, err := hex.DecodeString(v[1:])
	if err != nil {
		return nil, oraddrErr(off+1, "NET-PSAP: bad hexadecimal: "+err.Error())
	}
	r := ber.NewReader(raw, nil)
	e, err := r.Next()
	if err != nil {
		return nil, oraddrErr(off+1, "NET-PSAP: "+err.Error())
	}
	if !r.Empty() || e.Tag != ber.Context(0) || !e.Constructed {
		return nil, oraddrErr(off+1, "NET-PSAP: not one constructed [0] element")
	}
	if err := oraddrCheckTree(&e); err != nil {
		return nil, oraddrErr(off+1, "NET-PSAP: "+err.Error())
	}
	return Raw(raw), nil
}

// oraddrParseTTY parses a labelled-integer (RFC 2156 §3.3.6) or one of
// the T-TY labels of §4.1.1.
func oraddrParseTTY(v string, off int) (int, error) {
	label, num := v, ""
	if i := strings.IndexByte(v, '('); i >= 0 && strings.HasSuffix(v, ")") {
		label, num = v[:i], v[i+1:len(v)-1]
	} else if v != "" && v[0] >= '0' && v[0] <= '9' {
		label, num = "", v
	}
	label = strings.TrimSpace(label)
	num = strings.TrimSpace(num)
	if num != "" {
		n, err := strconv.Atoi(num)
		if err != nil || n < 0 || n > 1<<20 || num[0] == '+' {
			return 0, oraddrErr(off, "T-TY: bad number \""+num+"\"")
		}
		return n, nil
	}
	for n, l := range oraddrTTYNames {
		if l != "" && strings.EqualFold(l, label) {
			return n, nil
		}
	}
	return 0, oraddrErr(off, "T-TY: unknown terminal type \""+v+"\"")
}

func (p *oraddrParser) finish() error {
	a := &p.a
	reverse := p.top >= 0 && p.multi >= 0 && p.top > p.multi
	// Organizational units.
	ous := p.ous
	if ous == nil {
		for i := 1; i <= 4; i++ {
			if p.ouSlots[i] != nil {
				ous = append(ous, *p.ouSlots[i])
			}
		}
	} else if reverse {
		slices.Reverse(ous)
	}
	for _, x := range ous {
		if x.hasP {
			a.OrganizationalUnits = append(a.OrganizationalUnits, x.p)
		}
		if x.hasT {
			a.TeletexOrganizationalUnits = append(a.TeletexOrganizationalUnits, x.t)
		}
	}
	// Domain-defined attributes.
	dds := p.dds
	if dds == nil {
		for i := 1; i <= 4; i++ {
			if p.ddSlots[i] != nil {
				dds = append(dds, *p.ddSlots[i])
			}
		}
	} else if reverse {
		slices.Reverse(dds)
	}
	for _, d := range dds {
		if d.teletex {
			a.TeletexDomainDefined = append(a.TeletexDomainDefined, DomainDefinedAttribute{d.typ, d.val})
		} else {
			a.DomainDefined = append(a.DomainDefined, DomainDefinedAttribute{d.typ, d.val})
		}
	}
	if reverse {
		slices.Reverse(p.uous)
		slices.Reverse(p.udds)
	}
	if p.uous != nil {
		a.universal().OrganizationalUnits = p.uous
	}
	for _, d := range p.udds {
		u := a.universal()
		u.DomainDefined = append(u.DomainDefined, UniversalDomainDefinedAttribute{d.typ, d.val})
	}
	// Personal name.
	bits := [5]ORAttr{0, AttrSurname, AttrGivenName, AttrInitials, AttrGenerationQualifier}
	for i := 1; i <= 4; i++ {
		x := p.pn[i]
		if x == nil {
			continue
		}
		pd := [5]*string{nil, &a.PersonalName.Surname, &a.PersonalName.GivenName, &a.PersonalName.Initials, &a.PersonalName.GenerationQualifier}
		td := [5]*string{nil, &a.TeletexPersonalName.Surname, &a.TeletexPersonalName.GivenName, &a.TeletexPersonalName.Initials, &a.TeletexPersonalName.GenerationQualifier}
		*pd[i], *td[i] = x.p, x.t
		p.zero(*x, bits[i])
	}
	// Unformatted postal address lines.
	for i := 1; i <= 6; i++ {
		if l := p.upaLines[i]; l != nil {
			u := &a.postal().UnformattedAddress
			u.Lines = append(u.Lines, *l)
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Printing.

// String returns the text form of the O/R address (see ParseORAddress),
// in the "/" form, attributes in the order C, ADMD, PRMD, O, OU..., S, G,
// I, GQ, CN, X121, T-ID, UA-ID, DD..., PD-*, NET-*, T-TY, U-*:
//
//	/C=GB/ADMD=BT/PRMD=DERA/O=MOD/OU=HQ/S=Smith/G=John/I=J/
//
// Teletex values are written as UTF-8. For every address a that
// ParseORAddress returns, ParseORAddress(a.String()) returns a again.
// Unknown extension attributes have no text form and are left out.
func (a ORAddress) String() string {
	var w oraddrWriter
	w.sb.Grow(64)
	w.sb.WriteByte('/')
	if a.present(a.Country.Value, AttrCountry) {
		w.attr("C", a.Country.Value)
	}
	if a.present(a.ADMD.Value, AttrADMD) {
		w.attr("ADMD", a.ADMD.Value)
	}
	if a.present(a.PRMD.Value, AttrPRMD) {
		w.attr("PRMD", a.PRMD.Value)
	}
	w.pt("O", a.Organization, a.present(a.Organization, AttrOrganization), a.TeletexOrganization)
	w.list("OU", a.OrganizationalUnits, a.TeletexOrganizationalUnits)
	pz := a.ZeroLength
	w.pt("S", a.PersonalName.Surname, a.PersonalName.Surname != "" || pz&AttrSurname != 0, a.TeletexPersonalName.Surname)
	w.pt("G", a.PersonalName.GivenName, a.PersonalName.GivenName != "" || pz&AttrGivenName != 0, a.TeletexPersonalName.GivenName)
	w.pt("I", a.PersonalName.Initials, a.PersonalName.Initials != "" || pz&AttrInitials != 0, a.TeletexPersonalName.Initials)
	w.pt("GQ", a.PersonalName.GenerationQualifier, a.PersonalName.GenerationQualifier != "" || pz&AttrGenerationQualifier != 0, a.TeletexPersonalName.GenerationQualifier)
	w.pt("CN", a.CommonName, a.present(a.CommonName, AttrCommonName), a.TeletexCommonName)
	if a.present(a.NetworkAddress, AttrNetworkAddress) {
		w.attr("X121", a.NetworkAddress)
	}
	if a.present(a.TerminalIdentifier, AttrTerminalIdentifier) {
		w.attr("T-ID", a.TerminalIdentifier)
	}
	if a.present(a.NumericUserIdentifier, AttrNumericUserIdentifier) {
		w.attr("UA-ID", a.NumericUserIdentifier)
	}
	for _, d := range a.DomainDefined {
		if d.Type == "RFC-822" {
			w.attr("RFC-822", d.Value)
			continue
		}
		w.sb.WriteString("DD.")
		w.escKey(d.Type, false)
		w.sb.WriteByte('=')
		w.esc(d.Value, false)
		w.sb.WriteByte('/')
	}
	for _, d := range a.TeletexDomainDefined {
		w.sb.WriteString("DD.*")
		w.escKey(d.Type, true)
		w.sb.WriteString("=*")
		w.esc(d.Value, true)
		w.sb.WriteByte('/')
	}
	if p := a.Postal; p != nil {
		if p.PDSName != "" {
			w.attr("PD-SERVICE", p.PDSName)
		}
		if p.CountryName.Value != "" {
			w.attr("PD-C", p.CountryName.Value)
		}
		if p.PostalCode.Value != "" {
			w.attr("PD-CODE", p.PostalCode.Value)
		}
		for t := extPDOfficeName; t <= extLocalPostalAttributes; t++ {
			if t == extUnformattedPostalAddress {
				u := &p.UnformattedAddress
				if u.IsZero() {
					continue
				}
				w.sb.WriteString("PD-ADDRESS=")
				for i, l := range u.Lines {
					if i > 0 {
						w.sb.WriteByte('|')
					}
					w.esc(l, false)
				}
				if u.Teletex != "" {
					w.sb.WriteByte('*')
					w.esc(u.Teletex, true)
				}
				w.sb.WriteByte('/')
				continue
			}
			d := p.pds(t)
			w.pt(oraddrPrintKeys[t], d.Printable, d.Printable != "", d.Teletex)
		}
	}
	if x := a.ExtendedNetworkAddress; x != nil {
		if x.PSAPAddress != nil {
			w.sb.WriteString("NET-PSAP=#")
			w.sb.WriteString(strings.ToUpper(hex.EncodeToString(x.PSAPAddress)))
			w.sb.WriteByte('/')
		} else {
			if x.Number != "" || x.SubAddress == "" {
				w.attr("NET-NUM", x.Number)
			}
			if x.SubAddress != "" {
				w.attr("NET-SUB", x.SubAddress)
			}
		}
	}
	if a.TerminalType != nil {
		n := *a.TerminalType
		w.sb.WriteString("T-TY=")
		if n >= 0 && n < len(oraddrTTYNames) && oraddrTTYNames[n] != "" {
			w.sb.WriteString(oraddrTTYNames[n])
		}
		w.sb.WriteByte('(')
		w.sb.WriteString(strconv.Itoa(n))
		w.sb.WriteString(")/")
	}
	if u := a.Universal; u != nil {
		w.u("U-CN", &u.CommonName)
		w.u("U-O", &u.OrganizationName)
		for i := range u.OrganizationalUnits {
			w.u("U-OU", &u.OrganizationalUnits[i])
		}
		w.u("U-S", &u.PersonalName.Surname)
		w.u("U-G", &u.PersonalName.GivenName)
		w.u("U-I", &u.PersonalName.Initials)
		w.u("U-GQ", &u.PersonalName.GenerationQualifier)
		for i := range u.DomainDefined {
			d := &u.DomainDefined[i]
			w.sb.WriteString("U-DD.")
			w.uval(&d.Type, true)
			w.sb.WriteByte('=')
			w.uval(&d.Value, false)
			w.sb.WriteByte('/')
		}
		for t := extUniversalPDOfficeName; t <= extUniversalLocalPostalAttributes; t++ {
			w.u(oraddrPrintKeys[t], u.single(t))
		}
	}
	if w.sb.Len() == 1 {
		return "/"
	}
	return w.sb.String()
}

// String returns the text form of the O/R name's address (see
// ORAddress.String); the directory name is not shown.
func (n ORName) String() string { return n.ORAddress.String() }

type oraddrWriter struct{ sb strings.Builder }

func (w *oraddrWriter) attr(key, v string) {
	w.sb.WriteString(key)
	w.sb.WriteByte('=')
	w.esc(v, false)
	w.sb.WriteByte('/')
}

// pt writes a printable/teletex attribute; hasP tells whether the
// printable form is present (it may be of zero length).
func (w *oraddrWriter) pt(key, p string, hasP bool, t string) {
	if !hasP && t == "" {
		return
	}
	w.sb.WriteString(key)
	w.sb.WriteByte('=')
	if hasP {
		w.esc(p, false)
	}
	if t != "" {
		w.sb.WriteByte('*')
		w.esc(t, true)
	}
	w.sb.WriteByte('/')
}

// list writes the values of a multi-valued printable/teletex attribute,
// pairing the printable and teletex values by position, or one list after
// the other when a zero-length printable value stands against a teletex
// one (the pairing could not be read back).
func (w *oraddrWriter) list(key string, ps, ts []string) {
	paired := true
	for i := 0; i < len(ps) && i < len(ts); i++ {
		if ps[i] == "" {
			paired = false
		}
	}
	if !paired {
		for _, p := range ps {
			w.pt(key, p, true, "")
		}
		for _, t := range ts {
			w.pt(key, "", false, t)
		}
		return
	}
	for i := 0; i < len(ps) || i < len(ts); i++ {
		var p, t string
		if i < len(ts) {
			t = ts[i]
		}
		if i < len(ps) {
			p = ps[i]
		}
		w.pt(key, p, i < len(ps), t)
	}
}

// esc writes a value with the special characters quoted; teletex values
// have their control characters written as {ddd}.
func (w *oraddrWriter) esc(s string, teletex bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '/', ';', '=', '$', '*', '{', '}', '|':
			w.sb.WriteByte('$')
			w.sb.WriteByte(c)
			continue
		}
		if teletex && (c < 0x20 || c == 0x7f) {
			w.sb.WriteByte('{')
			w.sb.WriteByte('0' + c/100)
			w.sb.WriteByte('0' + c/10%10)
			w.sb.WriteByte('0' + c%10)
			w.sb.WriteByte('}')
			continue
		}
		w.sb.WriteByte(c)
	}
}

// escKey writes a domain-defined type, which is read as part of the key:
// trailing spaces are quoted too.
func (w *oraddrWriter) escKey(s string, teletex bool) {
	n := len(s)
	for n > 0 && oraddrIsSpace(s[n-1]) {
		n--
	}
	w.esc(s[:n], teletex)
	for i := n; i < len(s); i++ {
		if s[i] == ' ' {
			w.sb.WriteString("$ ")
		} else {
			w.esc(s[i:i+1], teletex)
		}
	}
}

func (w *oraddrWriter) u(key string, s *UniversalOrBMPString) {
	if s.IsZero() {
		return
	}
	w.sb.WriteString(key)
	w.sb.WriteByte('=')
	w.uval(s, false)
	w.sb.WriteByte('/')
}

func (w *oraddrWriter) uval(s *UniversalOrBMPString, key bool) {
	if s.Language != "" {
		w.sb.WriteByte('[')
		w.sb.WriteString(s.Language)
		w.sb.WriteByte(']')
	}
	t := s.Text
	n := len(t)
	if key {
		for n > 0 && oraddrIsSpace(t[n-1]) {
			n--
		}
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '/' || c == ';' || c == '=' || c == '$' || c == '*' || c == '{' || c == '}' || c == '|',
			c == '[' && i == 0, i >= n:
			w.sb.WriteByte('$')
		}
		w.sb.WriteByte(c)
	}
}
