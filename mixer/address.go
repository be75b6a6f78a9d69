package mixer

import (
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"mixerd/ber"
	"mixerd/x400"
)

// This file holds the address mappings of RFC 2156 chapter 4:
//
//   - §3.4, the encoding of ASCII in PrintableString ("(a)" for "@");
//   - §4.3.4, RFC 822 -> X.400 (stage I: X.400 encoded in RFC 822, with
//     the DomainToOR MCGAMs; stage II: the "RFC-822" domain defined
//     attribute, RFC822C1..RFC822C3 beyond 128 characters);
//   - §4.3.5, X.400 -> RFC 822 (mapping A: the "RFC-822" domain defined
//     attribute decoded; mapping B: the ORToDomain MCGAMs, encoded-pn or
//     std-or-address on the left hand side, the ORToGateway table or the
//     gateway's own domain);
//   - §4.4, repeated mappings (recursion at one gateway, source routes);
//   - §4.5, directory names (not mapped);
//   - §4.7.1 and §4.7.2, O/R descriptors <-> RFC 822 addresses;
//   - §4.6.3, 822.msg-id -> MTS identifier.
//
// Reversibility (RFC 2156 §1.4 goal 5, §4.4.2): every O/R address that
// ORAddressToRFC822 maps is mapped back by RFC822ToORAddress to an Equal
// address, and every RFC 822 address that RFC822ToORAddress maps comes back
// the same from ORAddressToRFC822, given the same tables. The exceptions
// are the RFC's own: an O/R address whose values hold two adjacent spaces
// or universal (UTF-8) attributes cannot be written in a local part that
// stage I accepts (§4.3.4 steps 2 and 3), so it comes back RFC-822
// encapsulated.

// Limits of the "RFC-822" encapsulation, RFC 2156 §4.3.2.
const (
	// addrDDAMax is the length of one domain defined attribute value
	// (ub-domain-defined-attribute-value-length).
	addrDDAMax = 128
	// AddrMaxEncapsulated is the longest RFC 822 address, in its
	// PrintableString encoding, that RFC-822, RFC822C1, RFC822C2 and
	// RFC822C3 can hold: "Longer addresses cannot be encoded".
	AddrMaxEncapsulated = 4 * addrDDAMax
	// addrMaxDepth bounds the §4.4.1 recursion.
	addrMaxDepth = 4
	// addrMaxInput bounds the text of an address that is looked at.
	addrMaxInput = 4096
)

// The domain defined types of RFC 2156 §4.3.2.
var addrRFC822Types = [4]string{"RFC-822", "RFC822C1", "RFC822C2", "RFC822C3"}

// ---------------------------------------------------------------------------
// RFC 2156 §3.4: ASCII in PrintableString.

// addrPSRestricted reports whether c is a ps-restricted-char (§3.3.3):
// mapped as itself by §3.4.
func addrPSRestricted(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte(" '+,-./:=?", c) >= 0
}

// EncodePrintable encodes ASCII as PrintableString, RFC 2156 §3.4: every
// ps-restricted-char as itself, "@" "%" "!" `"` "_" "(" ")" as "(a)" "(p)"
// "(b)" "(q)" "(u)" "(l)" "(r)", any other ASCII character as "(ddd)" in
// decimal. It fails on a byte above 127 (§3.4 encodes 822.CHAR only).
func EncodePrintable(s string) (string, error) { return psEncode(s, false) }

// DecodePrintable decodes a PrintableString made by EncodePrintable back
// to ASCII, RFC 2156 §3.4: the ps-encoded-chars are read case
// independently ("(A)" -> "@"), "(ddd)" with ddd in 0..127; a "(" that
// does not start one is taken as itself (the RFC's "( -> (" example).
func DecodePrintable(s string) string { return psDecode(s, false) }

// psCodes are the ps-encoded-chars of RFC 2156 §3.4 other than "(ddd)".
var psCodes = [...]struct {
	c    byte
	code string
}{{'@', "(a)"}, {'%', "(p)"}, {'!', "(b)"}, {'"', "(q)"}, {'_', "(u)"}, {'(', "(l)"}, {')', "(r)"}}

// psEncode is the §3.4 encoding; with eightBit, octets above 127 (RFC 6532
// UTF-8 message ids) are written "(ddd)" too, beyond §3.4's 0..127, so that
// nothing is lost; without, they are an error.
func psEncode(s string, eightBit bool) (string, error) {
	var sb strings.Builder
	sb.Grow(len(s) + 8)
next:
	for i := 0; i < len(s); i++ {
		c := s[i]
		if addrPSRestricted(c) {
			sb.WriteByte(c)
			continue
		}
		for _, pc := range psCodes {
			if pc.c == c {
				sb.WriteString(pc.code)
				continue next
			}
		}
		if c > 127 && !eightBit {
			return "", fmt.Errorf("byte 0x%02x at offset %d is not ASCII and cannot be encoded in a PrintableString (RFC 2156 §3.4)", c, i)
		}
		sb.WriteByte('(')
		sb.WriteByte('0' + c/100)
		sb.WriteByte('0' + c/10%10)
		sb.WriteByte('0' + c%10)
		sb.WriteByte(')')
	}
	return sb.String(), nil
}

// psDecode is the §3.4 decoding; with eightBit, "(ddd)" up to 255 is
// decoded (see psEncode).
func psDecode(s string, eightBit bool) string {
	if strings.IndexByte(s, '(') < 0 {
		return s
	}
	max := 127
	if eightBit {
		max = 255
	}
	var sb strings.Builder
	sb.Grow(len(s))
next:
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '(' {
			sb.WriteByte(c)
			continue
		}
		if i+2 < len(s) && s[i+2] == ')' {
			l := s[i+1] | 0x20
			for _, pc := range psCodes {
				if pc.code[1] == l {
					sb.WriteByte(pc.c)
					i += 2
					continue next
				}
			}
		}
		if i+4 < len(s) && s[i+4] == ')' && addrDigits(s[i+1:i+4]) {
			if n, _ := strconv.Atoi(s[i+1 : i+4]); n <= max {
				sb.WriteByte(byte(n))
				i += 4
				continue
			}
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

func addrDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ---------------------------------------------------------------------------
// The 822-address text: [route] addr-spec (RFC 2156 §4, RFC 822 §6.2.7).

// addrText writes m's EBNF.822-address: "@r1,@r2:local@domain".
func addrText(m Mailbox) string {
	var sb strings.Builder
	for i, r := range m.Route {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('@')
		sb.WriteString(r)
	}
	if len(m.Route) > 0 {
		sb.WriteByte(':')
	}
	sb.WriteString(m.AddrSpec.String())
	return sb.String()
}

// addrParse822 parses an EBNF.822-address ("[route] addr-spec") as found in
// an "RFC-822" domain defined attribute.
func addrParse822(s string) (Mailbox, error) {
	if len(s) > addrMaxInput {
		return Mailbox{}, errors.New("address too long")
	}
	if strings.HasPrefix(strings.TrimLeft(s, " \t"), "@") {
		// A route-addr without its angle brackets: parse it with them.
		return ParseMailbox("<" + s + ">")
	}
	as, err := ParseAddrSpec(s)
	if err != nil {
		return Mailbox{}, err
	}
	return Mailbox{AddrSpec: as}, nil
}

// ---------------------------------------------------------------------------
// RFC 822 -> X.400, RFC 2156 §4.3.4.

// RFC822ToORAddress maps an RFC 822 address (with its source route,
// §4.4.2) to an O/R address, RFC 2156 §4.3.4. Only m's route and
// addr-spec are used (its display name and comments belong to the O/R
// descriptor, §4.7.1).
//
// Stage I takes the address as X.400 encoded in RFC 822 (§4.3.1): an
// unquoted local part that parses as std-or-address-input (§4.1.3) or,
// failing that, as encoded-pn (§4.1.2), completed from the domain by the
// DomainToOR MCGAMs (step 8: the labels below the match allocated to the
// levels C, ADMD, PRMD, O, OU after the table's prefix, skipping the
// levels it omits, within the upper bounds ADMD 16, PRMD 16, O 64, OU 32
// and at most four OUs, then merged with the local part's attributes as
// step 8 says). A local part that alone is a valid address (C, ADMD, ...)
// needs no table, which is how addresses at the gateway's own domain
// (g.Domain, "/C=GB/ADMD= /PRMD=MOD/S=Smith/"@gw.example.mil) come back.
// A country without ADMD gets the single-space ADMD (§4.1.3).
//
// Stage II encapsulates everything else in the "RFC-822" domain defined
// attribute (§4.3.2), the 822-address encoded by §3.4 ("(a)" for "@"),
// its route kept ("(a)relay.co.uk:userb(a)host2", §4.3.4 example 1); past
// 128 characters RFC822C1, RFC822C2, RFC822C3 follow, each filled
// completely before the next; past 512 it is an addressError. The other
// attributes give the context (§4.3.4 stage II): those step 8 derives
// from the domain routed on (the first route domain, or the address's
// domain), else the O/R address of the preferred gateway from the
// DomainToGateway table (longest match), else g.ORAddress.
//
// §4.4.1: an address whose X.400 form is the gateway's own context plus an
// "RFC-822" attribute (a doubly encoded address) is unwrapped and the
// inner RFC 822 address is mapped instead.
func (g *Gateway) RFC822ToORAddress(m Mailbox) (x400.ORAddress, error) {
	return g.addrToOR(m, 0)
}

func (g *Gateway) addrToOR(m Mailbox, depth int) (x400.ORAddress, error) {
	text := addrText(m)
	fail := func(err error) (x400.ORAddress, error) {
		return x400.ORAddress{}, addressError("address "+strconv.Quote(addrClip(text)), err)
	}
	if len(m.LocalPart)+len(m.Domain) > addrMaxInput || len(m.Route) > 64 {
		return fail(errors.New("address too long"))
	}
	if m.Domain == "" {
		return fail(errors.New("no domain"))
	}
	// The address must be one that RFC 822 can carry (and so that the
	// reverse mapping can read back).
	if _, err := addrParse822(text); err != nil {
		return fail(err)
	}
	if len(m.Route) == 0 {
		if a, ok := g.addrStageI(m); ok {
			if inner, ok := g.addrUnwrap(&a); ok && depth < addrMaxDepth {
				return g.addrToOR(inner, depth+1)
			}
			return a, nil
		}
	}
	a, err := g.addrStageII(m)
	if err != nil {
		return fail(err)
	}
	return a, nil
}

func addrClip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// addrStageI is §4.3.4 stage I; false means "go to stage II".
func (g *Gateway) addrStageI(m Mailbox) (x400.ORAddress, bool) {
	lp := m.LocalPart
	// Step 2: the quoting is already removed (AddrSpec.LocalPart).
	if lp == "" || lp[0] == ' ' || lp[len(lp)-1] == ' ' || strings.Contains(lp, "  ") {
		return x400.ORAddress{}, false
	}
	// Step 3.
	for i := 0; i < len(lp); i++ {
		c := lp[i]
		if !x400.IsPrintableString(lp[i:i+1]) && c != '{' && c != '}' && c != '*' && c != '$' {
			return x400.ORAddress{}, false
		}
	}
	// Steps 4 and 5.
	lhs, stdOr := addrParseLHS(lp)
	if !stdOr {
		var ok bool
		if lhs, ok = addrParseEncodedPN(lp); !ok {
			return x400.ORAddress{}, false
		}
	}
	// Step 6: the local part alone is a valid address.
	if lhs.Country.Value != "" {
		addrDefaultADMD(&lhs)
		if addrValidForm(&lhs) {
			return lhs, true
		}
		// Step 7: C is never completed from the domain.
		return x400.ORAddress{}, false
	}
	// Step 7: the address must become mnemonic with C, ADMD, PRMD, O,
	// OU from the domain: no X121, T-ID, UA-ID, postal or network
	// attributes.
	if addrNonMnemonic(&lhs) {
		return x400.ORAddress{}, false
	}
	// Step 8.
	rhs, ok, partial := g.addrDomainAttrs(m.Domain)
	if !ok || partial {
		return x400.ORAddress{}, false
	}
	a := lhs
	lo := addrLevelsPresent(&lhs)
	switch {
	case lo&(1<<1) != 0: // ADMD on the LHS: only C from the RHS.
		a.Country = rhs.Country
	case lo&(1<<2) != 0: // PRMD: C and ADMD.
		a.Country, a.ADMD = rhs.Country, rhs.ADMD
		a.ZeroLength |= rhs.ZeroLength & x400.AttrADMD
	case lo&(1<<3) != 0: // O: C, ADMD and PRMD.
		a.Country, a.ADMD, a.PRMD = rhs.Country, rhs.ADMD, rhs.PRMD
		a.ZeroLength |= rhs.ZeroLength & (x400.AttrADMD | x400.AttrPRMD)
	default:
		a.Country, a.ADMD, a.PRMD, a.Organization = rhs.Country, rhs.ADMD, rhs.PRMD, rhs.Organization
		a.ZeroLength |= rhs.ZeroLength & (x400.AttrADMD | x400.AttrPRMD | x400.AttrOrganization)
		if len(rhs.OrganizationalUnits) > 0 {
			a.OrganizationalUnits = append(append([]string(nil), rhs.OrganizationalUnits...), lhs.OrganizationalUnits...)
		}
	}
	addrDefaultADMD(&a)
	// Step 9.
	if !addrValidForm(&a) {
		return x400.ORAddress{}, false
	}
	return a, true
}

// addrLevelsPresent returns a bit set of the hierarchy levels (0 C, 1 ADMD,
// 2 PRMD, 3 O, 4 OU) present in a, zero-length ones included.
func addrLevelsPresent(a *x400.ORAddress) uint8 {
	var b uint8
	if a.Country.Value != "" || a.ZeroLength&x400.AttrCountry != 0 {
		b |= 1 << 0
	}
	if a.ADMD.Value != "" || a.ZeroLength&x400.AttrADMD != 0 {
		b |= 1 << 1
	}
	if a.PRMD.Value != "" || a.ZeroLength&x400.AttrPRMD != 0 {
		b |= 1 << 2
	}
	if a.Organization != "" || a.TeletexOrganization != "" || a.ZeroLength&x400.AttrOrganization != 0 {
		b |= 1 << 3
	}
	if len(a.OrganizationalUnits) > 0 || len(a.TeletexOrganizationalUnits) > 0 {
		b |= 1 << 4
	}
	return b
}

// addrDefaultADMD applies §4.1.3: "If ... a country value is present, but
// no ADMD, the string shall be interpreted as if an ADMD value of single
// space had been specified."
func addrDefaultADMD(a *x400.ORAddress) {
	if (a.Country.Value != "" || a.ZeroLength&x400.AttrCountry != 0) && a.ADMD.Value == "" && a.ZeroLength&x400.AttrADMD == 0 {
		a.ADMD = x400.NumericOrPrintable{Value: " "}
	}
}

// addrNonMnemonic reports attributes that have no place in the mnemonic
// form (X.402 §18.5.1): those that make §4.3.5 step 5 put the whole
// address on the left hand side.
func addrNonMnemonic(a *x400.ORAddress) bool {
	return a.NetworkAddress != "" || a.TerminalIdentifier != "" || a.NumericUserIdentifier != "" ||
		a.ZeroLength&(x400.AttrNetworkAddress|x400.AttrTerminalIdentifier|x400.AttrNumericUserIdentifier) != 0 ||
		(a.Postal != nil && !a.Postal.IsZero()) || a.ExtendedNetworkAddress != nil || a.TerminalType != nil ||
		len(a.UnknownExtensions) > 0
}

// addrValidForm is §4.3.4 step 9 (and step 6): the attributes make an
// O/R address that X.411 accepts (Validate: bounds, character sets) with a
// country and an ADMD. An address of a management domain alone (C and
// ADMD, or with a PRMD: the originator of an MTA's reports) is accepted,
// so that X.400 -> RFC 822 -> X.400 gives it back.
func addrValidForm(a *x400.ORAddress) bool {
	if a.Country.Value == "" || (a.ADMD.Value == "" && a.ZeroLength&x400.AttrADMD == 0) {
		return false
	}
	// Zero-length attributes other than the ADMD break X.411's lower
	// bounds, yet "a few systems send attributes of zero length and rely
	// on them" (x400.ORAddress): they are given back as they came.
	v := *a
	v.ZeroLength &= x400.AttrADMD
	return v.Validate() == nil
}

// addrParseLHS parses a local part as std-or-address-input (§4.1.3). The
// generated form has the most significant component on the right (§4.3.3);
// x400.ParseORAddress sees that when C, ADMD, PRMD or O follows the OUs
// and DDAs, and otherwise reads them left to right, so with none of those
// keys present the OU and DDA lists are reversed here (unless numbered
// keys, OU1..OU4 or DD1..DD4, gave the order).
func addrParseLHS(lp string) (x400.ORAddress, bool) {
	if strings.IndexByte(lp, '=') < 0 {
		return x400.ORAddress{}, false
	}
	a, err := x400.ParseORAddress(lp)
	if err != nil {
		return x400.ORAddress{}, false
	}
	if addrLevelsPresent(&a)&0x0f == 0 {
		up := strings.ToUpper(lp)
		numbered := func(k string) bool {
			for n := '1'; n <= '4'; n++ {
				if strings.Contains(up, k+string(n)+"=") || strings.Contains(up, k+string(n)+".") {
					return true
				}
			}
			return false
		}
		if !numbered("OU") {
			addrReverse(a.OrganizationalUnits)
			addrReverse(a.TeletexOrganizationalUnits)
		}
		if !numbered("DD") {
			addrReverseDD(a.DomainDefined)
			addrReverseDD(a.TeletexDomainDefined)
		}
	}
	return a, true
}

func addrReverse(s []string) {
	for l, r := 0, len(s)-1; l < r; l, r = l+1, r-1 {
		s[l], s[r] = s[r], s[l]
	}
}

func addrReverseDD(s []x400.DomainDefinedAttribute) {
	for l, r := 0, len(s)-1; l < r; l, r = l+1, r-1 {
		s[l], s[r] = s[r], s[l]
	}
}

// addrParseEncodedPN parses a local part as encoded-pn (§4.1.2):
// [given "."] *(initial ".") surname, a printablestring.
func addrParseEncodedPN(lp string) (x400.ORAddress, bool) {
	if !x400.IsPrintableString(lp) || strings.ContainsAny(lp, "/=") {
		return x400.ORAddress{}, false
	}
	a, err := x400.ParseORAddress("/PN=" + lp + "/")
	if err != nil || a.PersonalName.Surname == "" {
		return x400.ORAddress{}, false
	}
	return a, true
}

// addrDomainAttrs is §4.3.4 stage I step 8: the attributes the DomainToOR
// MCGAMs give the domain. ok is false when no MCGAM matches or a label
// below the match is not domain-syntax; partial is true when allocation
// stopped at an upper bound or a fifth OU (the attributes derived so far
// are returned, for stage II).
func (g *Gateway) addrDomainAttrs(domain string) (a x400.ORAddress, ok, partial bool) {
	dm, found := g.DomainToOR.LookupDomain(domain)
	if !found {
		return a, false, false
	}
	prefix := dm.Entry.OR.Complete()
	for _, l := range dm.Below {
		if l == "" || strings.IndexByte(l, '.') >= 0 || !ValidDomainSyntax(l) {
			return a, false, false
		}
	}
	levels := make([]DmnAttribute, 0, len(tableHierarchy))
	levels = append(levels, prefix...)
	for _, l := range dm.Below {
		i := len(levels)
		if i >= len(tableHierarchy) || len(l) > tableHierarchy[i].max {
			partial = true
			break
		}
		levels = append(levels, DmnAttribute{Type: tableHierarchy[i].typ, Value: l})
	}
	for _, at := range levels {
		if at.Omitted {
			continue
		}
		v := at.Value
		num := addrDigits(v)
		switch at.Type {
		case "C":
			a.Country = x400.NumericOrPrintable{Value: v, Numeric: num}
		case "ADMD":
			a.ADMD = x400.NumericOrPrintable{Value: v, Numeric: num}
			if v == "" {
				a.ZeroLength |= x400.AttrADMD
			}
		case "PRMD":
			a.PRMD = x400.NumericOrPrintable{Value: v, Numeric: num}
			if v == "" {
				a.ZeroLength |= x400.AttrPRMD
			}
		case "O":
			a.Organization = v
			if v == "" {
				a.ZeroLength |= x400.AttrOrganization
			}
		case "OU":
			a.OrganizationalUnits = append(a.OrganizationalUnits, v)
		}
	}
	return a, true, partial
}

// addrUnwrap finds the §4.4.1 recursion: a, less its RFC-822 attributes,
// is the gateway's own O/R address, or the context stage II would give the
// encapsulated address anyway, so that X.400 would route it straight back
// to a gateway. It returns the inner address.
func (g *Gateway) addrUnwrap(a *x400.ORAddress) (Mailbox, bool) {
	inner, rest, found, err := addrSplitRFC822(a)
	if !found || err != nil {
		return Mailbox{}, false
	}
	if rest.Equal(&g.ORAddress) {
		return inner, true
	}
	ctx, err := g.addrContext(inner)
	if err != nil || !ctx.Equal(&rest) {
		return Mailbox{}, false
	}
	return inner, true
}

// addrStageII is §4.3.4 stage II.
func (g *Gateway) addrStageII(m Mailbox) (x400.ORAddress, error) {
	text := addrText(m)
	ps, err := EncodePrintable(text)
	if err != nil {
		return x400.ORAddress{}, err
	}
	if len(ps) > AddrMaxEncapsulated {
		return x400.ORAddress{}, fmt.Errorf("encoded address is %d characters, more than the %d that RFC-822 and RFC822C1..RFC822C3 hold (RFC 2156 §4.3.2)", len(ps), AddrMaxEncapsulated)
	}
	a, err := g.addrContext(m)
	if err != nil {
		return x400.ORAddress{}, err
	}
	var dd []x400.DomainDefinedAttribute
	for i := 0; len(ps) > 0; i++ {
		n := min(len(ps), addrDDAMax)
		dd = append(dd, x400.DomainDefinedAttribute{Type: addrRFC822Types[i], Value: ps[:n]})
		ps = ps[n:]
	}
	if len(a.DomainDefined)+len(a.TeletexDomainDefined)+len(dd) > 4 {
		return x400.ORAddress{}, fmt.Errorf("the gateway O/R address has %d domain defined attributes and the encoded address needs %d: more than 4 (RFC 2156 §4.3.2)", len(a.DomainDefined)+len(a.TeletexDomainDefined), len(dd))
	}
	a.DomainDefined = append(a.DomainDefined, dd...)
	return a, nil
}

// addrContext returns the attributes that give an encapsulated address its
// context (§4.3.4 stage II): from the MCGAMs (step 8) for the domain
// routed on, else the preferred gateway from the DomainToGateway table,
// else the gateway's own O/R address. The result shares no memory with
// the tables or g.
func (g *Gateway) addrContext(m Mailbox) (x400.ORAddress, error) {
	routed := m.Domain
	if len(m.Route) > 0 {
		routed = m.Route[0]
	}
	if a, ok, _ := g.addrDomainAttrs(routed); ok {
		addrDefaultADMD(&a)
		if a.Country.Value != "" && a.Validate() == nil {
			return a, nil
		}
	}
	if dm, ok := g.DomainToGateway.LookupDomain(routed); ok {
		a, err := dm.Entry.OR.ORAddress()
		if err != nil {
			return x400.ORAddress{}, fmt.Errorf("preferred gateway for %s (%s:%d): %w", routed, g.DomainToGateway.Name, dm.Entry.Line, err)
		}
		addrDefaultADMD(&a)
		return a, nil
	}
	if g.ORAddress.IsEmpty() {
		return x400.ORAddress{}, errors.New("the gateway has no O/R address to encapsulate the address in")
	}
	return addrCopy(&g.ORAddress), nil
}

// addrCopy copies the slices of a that appending could share.
func addrCopy(a *x400.ORAddress) x400.ORAddress {
	c := *a
	c.OrganizationalUnits = append([]string(nil), a.OrganizationalUnits...)
	c.TeletexOrganizationalUnits = append([]string(nil), a.TeletexOrganizationalUnits...)
	c.DomainDefined = append([]x400.DomainDefinedAttribute(nil), a.DomainDefined...)
	c.TeletexDomainDefined = append([]x400.DomainDefinedAttribute(nil), a.TeletexDomainDefined...)
	if len(c.OrganizationalUnits) == 0 {
		c.OrganizationalUnits = nil
	}
	if len(c.TeletexOrganizationalUnits) == 0 {
		c.TeletexOrganizationalUnits = nil
	}
	if len(c.DomainDefined) == 0 {
		c.DomainDefined = nil
	}
	if len(c.TeletexDomainDefined) == 0 {
		c.TeletexDomainDefined = nil
	}
	return c
}

// ---------------------------------------------------------------------------
// X.400 -> RFC 822, RFC 2156 §4.3.5.

// addrSplitRFC822 finds the §4.3.2 encapsulation in a: the "RFC-822",
// RFC822C1..RFC822C3 domain defined attributes (printable and/or teletex,
// types compared case independently). It returns the decoded RFC 822
// address and a without them; found is false when a has no "RFC-822"
// attribute. "If both teletex and printable string attributes are
// present, this is valid if and only if they represent exactly the same
// RFC 822 address"; a teletex value made only of PrintableString
// characters is decoded like a printable one, another is taken as it is.
func addrSplitRFC822(a *x400.ORAddress) (m Mailbox, rest x400.ORAddress, found bool, err error) {
	var pv, tv [4]*string
	rest = addrCopy(a)
	collect := func(list []x400.DomainDefinedAttribute, into *[4]*string) ([]x400.DomainDefinedAttribute, error) {
		var keep []x400.DomainDefinedAttribute
		for i := range list {
			d := &list[i]
			k := -1
			for j, t := range addrRFC822Types {
				if strings.EqualFold(strings.TrimSpace(d.Type), t) {
					k = j
				}
			}
			if k < 0 {
				keep = append(keep, *d)
				continue
			}
			if into[k] != nil {
				return nil, fmt.Errorf("domain defined attribute %s appears twice", addrRFC822Types[k])
			}
			into[k] = &d.Value
		}
		return keep, nil
	}
	if rest.DomainDefined, err = collect(a.DomainDefined, &pv); err != nil {
		return m, rest, true, err
	}
	if rest.TeletexDomainDefined, err = collect(a.TeletexDomainDefined, &tv); err != nil {
		return m, rest, true, err
	}
	join := func(v [4]*string, teletex bool) (string, bool, error) {
		if v[0] == nil {
			for _, p := range v[1:] {
				if p != nil {
					return "", false, errors.New("RFC822C1..RFC822C3 without RFC-822")
				}
			}
			return "", false, nil
		}
		var sb strings.Builder
		for i, p := range v {
			if p == nil {
				for _, q := range v[i:] {
					if q != nil {
						return "", true, fmt.Errorf("%s without %s", addrRFC822Types[i+1], addrRFC822Types[i])
					}
				}
				break
			}
			sb.WriteString(*p)
		}
		s := sb.String()
		if !teletex || x400.IsPrintableString(s) {
			s = DecodePrintable(s)
		}
		return s, true, nil
	}
	ps, hasP, err := join(pv, false)
	if err != nil {
		return m, rest, true, err
	}
	ts, hasT, err := join(tv, true)
	if err != nil {
		return m, rest, true, err
	}
	if !hasP && !hasT {
		return m, rest, false, nil
	}
	text := ps
	if !hasP {
		text = ts
	}
	m, err = addrParse822(text)
	if err != nil {
		return m, rest, true, fmt.Errorf("RFC-822 attribute %q: %w", addrClip(text), err)
	}
	if hasP && hasT {
		mt, err := addrParse822(ts)
		if err != nil || !addrSameMailbox(m, mt) {
			return m, rest, true, fmt.Errorf("printable and teletex RFC-822 attributes differ: %q and %q (RFC 2156 §4.3.2)", addrClip(ps), addrClip(ts))
		}
	}
	return m, rest, true, nil
}

func addrSameMailbox(a, b Mailbox) bool {
	if len(a.Route) != len(b.Route) || a.LocalPart != b.LocalPart || !strings.EqualFold(a.Domain, b.Domain) {
		return false
	}
	for i := range a.Route {
		if !strings.EqualFold(a.Route[i], b.Route[i]) {
			return false
		}
	}
	return true
}

// ORAddressToRFC822 maps an O/R address to an RFC 822 address, RFC 2156
// §4.3.5; the result has no display name or comments.
//
// Mapping A: an address with an "RFC-822" domain defined attribute (and
// RFC822C1..RFC822C3, §4.3.2) is that RFC 822 address, decoded by §3.4
// with its route (§4.4.2); the other attributes are dropped.
//
// Mapping B, for the other addresses: when the address has only mnemonic
// attributes (no X121, T-ID, UA-ID, postal, network or terminal type) and
// no teletex O or OU, the ORToDomain MCGAMs give the domain of the
// longest prefix of its C, ADMD, PRMD, O, OU hierarchy (omitted levels
// included, values compared without case and with spaces normalised, an
// empty ADMD as a single space: steps 1 to 3); each following level whose
// value is domain-syntax becomes the next subdomain (step 4), stopping at
// the first that is not or that is absent ("Where there is an attribute
// omitted below the prefix, all attributes remaining ... shall be encoded
// on the LHS"), and always leaving one attribute for the local part. A
// domain of a single label is not used (step 3). The remaining attributes
// make the local part (step 5): encoded-pn ("J.Linnimouth") when they are
// a printable personal name that §4.1.2 can write reversibly, else
// std-or-address ("/I=J/S=Linnimouth/GQ=5/"), most significant on the
// right (§4.3.3), quoted when it is not a dot-atom ("/S=a b/"@x). Without
// a match the domain is the preferred gateway's from the ORToGateway table,
// else g.Domain, and the whole address is in the local part in
// std-or-address form. The values are written as they are (step 1's
// normalisation is for the lookup only); zero-length attributes are kept
// ("/O=/"), teletex values are written as {ddd} T.61 octets.
func (g *Gateway) ORAddressToRFC822(a *x400.ORAddress) (Mailbox, error) {
	if a == nil || a.IsEmpty() {
		return Mailbox{}, addressError("address", errors.New("empty O/R address"))
	}
	// field names a in an error (written only then).
	field := func() string { return "address " + strconv.Quote(addrClip(a.String())) }
	// Mapping A.
	m, _, found, err := addrSplitRFC822(a)
	if err != nil {
		return Mailbox{}, addressError(field(), err)
	}
	if found {
		return m, nil
	}
	// Mapping B.
	if m, ok := g.addrMCGAM(a); ok {
		return m, nil
	}
	domain := g.Domain
	if om, ok := g.ORToGateway.LookupORAddress(a); ok {
		domain = om.Entry.Domain
	}
	if domain == "" {
		return Mailbox{}, addressError(field(), errors.New("the gateway has no domain"))
	}
	lp, err := addrStdOr(a)
	if err != nil {
		return Mailbox{}, addressError(field(), err)
	}
	return Mailbox{AddrSpec: AddrSpec{LocalPart: lp, Domain: domain}}, nil
}

// addrMCGAM is §4.3.5 mapping B steps 3 to 5 with an MCGAM.
func (g *Gateway) addrMCGAM(a *x400.ORAddress) (Mailbox, bool) {
	if addrNonMnemonic(a) || a.TeletexOrganization != "" || len(a.TeletexOrganizationalUnits) > 0 || a.Universal != nil {
		return Mailbox{}, false
	}
	om, ok := g.ORToDomain.LookupORAddress(a)
	if !ok {
		return Mailbox{}, false
	}
	n := om.Entry.OR.completeLen() // levels in the prefix
	var labels []string
	for _, at := range om.Below {
		if at.Omitted || strings.IndexByte(at.Value, '.') >= 0 || !ValidDomainSyntax(at.Value) {
			break
		}
		labels = append(labels, at.Value)
	}
	for {
		rest := addrStrip(a, n+len(labels))
		if !rest.IsEmpty() || rest.ZeroLength != 0 {
			break
		}
		if len(labels) == 0 {
			// The prefix is the whole address: keep its lowest level
			// on the left.
			rest = addrStrip(a, n-1)
			if rest.IsEmpty() && rest.ZeroLength == 0 {
				return Mailbox{}, false
			}
			return g.addrMCGAMResult(&rest, om.Entry.Domain, nil)
		}
		labels = labels[:len(labels)-1]
	}
	rest := addrStrip(a, n+len(labels))
	return g.addrMCGAMResult(&rest, om.Entry.Domain, labels)
}

func (g *Gateway) addrMCGAMResult(rest *x400.ORAddress, domain string, labels []string) (Mailbox, bool) {
	var sb strings.Builder
	for i := len(labels) - 1; i >= 0; i-- {
		sb.WriteString(labels[i])
		sb.WriteByte('.')
	}
	sb.WriteString(domain)
	d := sb.String()
	if strings.IndexByte(strings.TrimSuffix(d, "."), '.') < 0 || !ValidDomainSyntax(d) {
		return Mailbox{}, false // step 3: a single label does not route
	}
	lp, ok := addrEncodedPN(rest)
	if !ok {
		var err error
		if lp, err = addrStdOr(rest); err != nil {
			return Mailbox{}, false
		}
	}
	return Mailbox{AddrSpec: AddrSpec{LocalPart: lp, Domain: d}}, true
}

// addrStrip returns a copy of a without its first k hierarchy levels
// (0 C, 1 ADMD, 2 PRMD, 3 O, 4.. the OUs), as the domain now holds them.
func addrStrip(a *x400.ORAddress, k int) x400.ORAddress {
	r := addrCopy(a)
	if k > 0 {
		r.Country = x400.NumericOrPrintable{}
		r.ZeroLength &^= x400.AttrCountry
	}
	if k > 1 {
		r.ADMD = x400.NumericOrPrintable{}
		r.ZeroLength &^= x400.AttrADMD
	}
	if k > 2 {
		r.PRMD = x400.NumericOrPrintable{}
		r.ZeroLength &^= x400.AttrPRMD
	}
	if k > 3 {
		r.Organization = ""
		r.ZeroLength &^= x400.AttrOrganization
	}
	if k > 4 {
		r.OrganizationalUnits = r.OrganizationalUnits[min(k-4, len(r.OrganizationalUnits)):]
		if len(r.OrganizationalUnits) == 0 {
			r.OrganizationalUnits = nil
		}
	}
	return r
}

// addrEncodedPN writes a as encoded-pn (§4.1.2) when a is only a printable
// personal name within the restrictions that make the mapping reversible:
// no generation qualifier, initials of letters only, a given name of at
// least two characters without ".", no "." in the surname's first two
// characters (none at all when it stands alone), and nothing that would
// read as std-or-address ("/", "=") or need quoting.
func addrEncodedPN(a *x400.ORAddress) (string, bool) {
	pn := a.PersonalName
	b := *a
	b.PersonalName = x400.PersonalName{}
	if !b.IsEmpty() || a.ZeroLength != 0 || pn.Surname == "" || pn.GenerationQualifier != "" {
		return "", false
	}
	if !x400.IsPrintableString(pn.Surname+pn.GivenName+pn.Initials) || strings.ContainsAny(pn.Surname+pn.GivenName, "/= ") {
		return "", false
	}
	var sb strings.Builder
	if pn.GivenName != "" {
		if len(pn.GivenName) < 2 || strings.IndexByte(pn.GivenName, '.') >= 0 {
			return "", false
		}
		sb.WriteString(pn.GivenName)
		sb.WriteByte('.')
	}
	for i := 0; i < len(pn.Initials); i++ {
		c := pn.Initials[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return "", false
		}
		sb.WriteByte(c)
		sb.WriteByte('.')
	}
	s := pn.Surname
	if sb.Len() == 0 && strings.IndexByte(s, '.') >= 0 || strings.IndexByte(s[:min(2, len(s))], '.') >= 0 {
		return "", false
	}
	sb.WriteString(s)
	out := sb.String()
	// Check that it reads back the same (§4.1.2: "the mapping will be
	// reversible").
	back, ok := addrParseEncodedPN(out)
	if !ok || back.PersonalName != pn || !rfc822IsDotAtom(out) {
		return "", false
	}
	return out, true
}

// addrStdOr writes a in std-or-address form (§4.1.3) for a local part:
// the attributes in the reverse of x400.ORAddress.String's order, so that
// the most significant is on the right (§4.3.3); teletex characters that
// are not PrintableString written as {ddd} T.61 octets (§3.3.4), so that
// stage I step 3 accepts the local part.
// stdOrSegments splits the "/" form of an O/R address (ORAddress.String,
// RFC 2156 §4.1) into its attributes, at each "/" that "$" does not quote.
func stdOrSegments(s string) []string {
	var segs []string
	start := 1
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '$':
			i++
		case '/':
			segs = append(segs, s[start:i])
			start = i + 1
		}
	}
	if start < len(s) {
		segs = append(segs, s[start:])
	}
	return segs
}

func addrStdOr(a *x400.ORAddress) (string, error) {
	s := a.String()
	if s == "/" {
		return "", errors.New("no attribute to encode")
	}
	segs := stdOrSegments(s)
	addrReverse(segs)
	addrOrderPN(segs)
	var sb strings.Builder
	sb.Grow(len(s) + 16)
	sb.WriteByte('/')
	for i := range segs {
		if up := strings.ToUpper(segs[i]); strings.HasPrefix(up, "PD-ADDRESS=") || strings.HasPrefix(up, "NET-PSAP=") || strings.HasPrefix(up, "U-") {
			// upa-string's "|", the PSAP's "#" and universal UTF-8
			// have no PrintableString form: written as they are.
			sb.WriteString(segs[i])
			sb.WriteByte('/')
			continue
		}
		if err := addrWriteT61(&sb, segs[i]); err != nil {
			return "", err
		}
		sb.WriteByte('/')
	}
	return sb.String(), nil
}

// addrOrderPN puts the personal name's attributes, a contiguous run in
// segs, in reading order G, I, S, GQ, as RFC 2156's examples write them
// ("/I=J/S=Linnimouth/GQ=5/" §4.3.1, "/G=Andy/S=Wharol/" §4.3.5).
func addrOrderPN(segs []string) {
	rank := func(seg string) int {
		k, _, _ := strings.Cut(seg, "=")
		switch strings.ToUpper(k) {
		case "G":
			return 1
		case "I":
			return 2
		case "S":
			return 3
		case "GQ":
			return 4
		}
		return 0
	}
	for i := 0; i < len(segs); i++ {
		if rank(segs[i]) == 0 {
			continue
		}
		j := i
		for j < len(segs) && rank(segs[j]) != 0 {
			j++
		}
		run := segs[i:j]
		for a := 1; a < len(run); a++ {
			for b := a; b > 0 && rank(run[b]) < rank(run[b-1]); b-- {
				run[b], run[b-1] = run[b-1], run[b]
			}
		}
		i = j
	}
}

// addrWriteT61 copies one attribute=value segment, writing the characters
// that are not PrintableString (nor the "{", "}", "*", "$" of the std-or
// syntax) as {ddd} T.61 octets: they can only come from teletex values
// (printable values hold printable characters). A "$"-quoted such
// character loses its "$".
func addrWriteT61(sb *strings.Builder, seg string) error {
	ok := func(c byte) bool {
		return c < 0x80 && (x400.IsPrintableString(string(rune(c))) || c == '{' || c == '}' || c == '*' || c == '$')
	}
	for i := 0; i < len(seg); {
		c := seg[i]
		if c == '$' && i+1 < len(seg) && !ok(seg[i+1]) {
			i++
			continue
		}
		if ok(c) {
			sb.WriteByte(c)
			if c == '$' && i+1 < len(seg) {
				sb.WriteByte(seg[i+1])
				i += 2
				continue
			}
			i++
			continue
		}
		j := i
		for j < len(seg) && !ok(seg[j]) {
			_, n := utf8.DecodeRuneInString(seg[j:])
			j += n
		}
		t61, err := x400.UTF8ToT61(seg[i:j])
		if err != nil {
			return fmt.Errorf("%q cannot be written in T.61: %w", seg[i:j], err)
		}
		for _, b := range t61 {
			if b < 0x80 && x400.IsPrintableString(string(rune(b))) && b != '/' && b != '=' {
				sb.WriteByte(b)
				continue
			}
			sb.WriteByte('{')
			sb.WriteString(strconv.Itoa(int(b)))
			sb.WriteByte('}')
		}
		i = j
	}
	return nil
}

// ---------------------------------------------------------------------------
// O/R names, RFC 2156 §4.5.

// ORNameToMailbox maps an O/R name by its O/R address (ORAddressToRFC822).
// RFC 2156 §4.5: "As there is no functional mapping for the Directory Name
// on the RFC 822 side" the directory name is not carried in the address;
// a name with only a directory name cannot be mapped (addressError).
// ORDescriptorToAddress puts a directory name in a comment (§4.7.2 step
// 4); for the X400-Originator: and X400-Recipients: fields (§4.6.2.2) add
// DirectoryNameComment(n.DirectoryName) to the mailbox's Comments.
func (g *Gateway) ORNameToMailbox(n *x400.ORName) (Mailbox, error) {
	return g.orNameToMailbox(n, nil)
}

// orNameToMailbox is ORNameToMailbox through memo (nil: none).
func (g *Gateway) orNameToMailbox(n *x400.ORName, memo mailboxMemo) (Mailbox, error) {
	if n == nil {
		return Mailbox{}, addressError("O/R name", errors.New("absent"))
	}
	if n.ORAddress.IsEmpty() {
		if len(n.DirectoryName) > 0 {
			return Mailbox{}, addressError("O/R name", errors.New("a directory name alone has no RFC 822 address (RFC 2156 §4.5)"))
		}
		return Mailbox{}, addressError("O/R name", errors.New("empty O/R name"))
	}
	return g.orAddressToRFC822(&n.ORAddress, memo)
}

// mailboxMemo remembers the RFC 822 addresses that O/R addresses mapped
// to during one conversion (ToSMTP), so that an address named in the
// envelope and in the heading (originator-name and the originator,
// recipient-name and the recipients, and again in
// Disposition-Notification-To and the keep check of the RFC 822 heading
// extension) is mapped once. It lives for one call only: the tables may
// change between conversions (SIGHUP), and its size is that of the
// message's addresses. It is keyed by the address's text
// (x400.ORAddress.String); a remembered mapping is used only for an
// address identical to the one it was made from, field by field (the
// mapping writes values as they are, so x400.ORAddress.Equal, which
// ignores case, would not do). Failed mappings are not remembered. A nil
// mailboxMemo remembers nothing.
type mailboxMemo map[string]*mailboxMemoEntry

// mailboxMemoEntry is one remembered mapping: addr is the mapped address
// itself, in the message being converted, which does not change during
// the conversion.
type mailboxMemoEntry struct {
	addr *x400.ORAddress
	mb   Mailbox
}

// orAddressToRFC822 is ORAddressToRFC822 through memo. A remembered
// mailbox is returned with its slices copied, so that no two results
// share them.
func (g *Gateway) orAddressToRFC822(a *x400.ORAddress, memo mailboxMemo) (Mailbox, error) {
	if memo == nil || a == nil {
		return g.ORAddressToRFC822(a)
	}
	k := a.String()
	e, seen := memo[k]
	if seen && (e.addr == a || reflect.DeepEqual(e.addr, a)) {
		m := e.mb
		m.Route = slices.Clone(m.Route)
		m.Comments = slices.Clone(m.Comments)
		return m, nil
	}
	m, err := g.ORAddressToRFC822(a)
	if err == nil && !seen {
		e := &mailboxMemoEntry{addr: a, mb: m}
		e.mb.Route = slices.Clone(m.Route)
		e.mb.Comments = slices.Clone(m.Comments)
		memo[k] = e
	}
	return m, err
}

// MailboxToORName maps an RFC 822 mailbox to an O/R name without a
// directory name (RFC 2156 §4.6.1, §4.7.1 step 1) by RFC822ToORAddress.
func (g *Gateway) MailboxToORName(m Mailbox) (x400.ORName, error) {
	a, err := g.RFC822ToORAddress(m)
	if err != nil {
		return x400.ORName{}, err
	}
	return x400.ORName{ORAddress: a}, nil
}

// addrMemo remembers the O/R addresses that mailboxes mapped to during
// one conversion (ToX400), so that an address named in the SMTP envelope
// and in the heading (MAIL FROM and From:, RCPT TO and To:) is mapped
// once. It lives for one call only: the tables may change between
// conversions (SIGHUP), and its size is that of the message's address
// lists. Failed mappings are not remembered. A nil addrMemo remembers
// nothing.
type addrMemo map[addrMemoKey]x400.ORAddress

// addrMemoKey is what RFC822ToORAddress reads of a mailbox: its route
// (joined by ",", which a domain cannot hold) and addr-spec.
type addrMemoKey struct {
	route, local, domain string
	quoted               bool // stage II encodes the local part quoted (§4.3.4 step 2)
}

// mailboxToORName is MailboxToORName through memo. A remembered address
// is returned with its slices copied, so that no two results share them
// (the pointer fields, which nothing writes through, are shared as
// addrCopy shares them).
func (g *Gateway) mailboxToORName(m Mailbox, memo addrMemo) (x400.ORName, error) {
	if memo == nil {
		return g.MailboxToORName(m)
	}
	k := addrMemoKey{local: m.LocalPart, domain: m.Domain, quoted: m.Quoted}
	if len(m.Route) > 0 {
		k.route = strings.Join(m.Route, ",")
	}
	if a, ok := memo[k]; ok {
		a.OrganizationalUnits = slices.Clone(a.OrganizationalUnits)
		a.TeletexOrganizationalUnits = slices.Clone(a.TeletexOrganizationalUnits)
		a.DomainDefined = slices.Clone(a.DomainDefined)
		a.TeletexDomainDefined = slices.Clone(a.TeletexDomainDefined)
		a.UnknownExtensions = slices.Clone(a.UnknownExtensions)
		return x400.ORName{ORAddress: a}, nil
	}
	n, err := g.MailboxToORName(m)
	if err == nil {
		memo[k] = n.ORAddress
	}
	return n, err
}

// ---------------------------------------------------------------------------
// O/R descriptors, RFC 2156 §4.7.1 and §4.7.2.

// ORDescriptorToAddress maps an O/R descriptor, RFC 2156 §4.7.2. With a
// formal name: its RFC 822 address (step 1); the free form name as the
// display phrase (step 2a), or, without one, the local part as phrase when
// the address has a route (step 2b); the telephone number as the comment
// "(Tel ...)" (step 3); a directory name as a trailing comment in the
// RFC 1485 string form (step 4, DirectoryNameComment). Without a formal name, the free form name becomes an
// empty group "Free Form Name: ;", followed by the same comments. Steps 5
// and 6 (RecipientSpecifier) are the heading's. A descriptor with neither
// formal nor free form name is an addressError.
func (g *Gateway) ORDescriptorToAddress(d *x400.ORDescriptor) (Address, error) {
	return g.orDescriptorToAddress(d, nil)
}

// orDescriptorToAddress is ORDescriptorToAddress through memo (nil:
// none).
func (g *Gateway) orDescriptorToAddress(d *x400.ORDescriptor, memo mailboxMemo) (Address, error) {
	if d == nil {
		return Address{}, addressError("O/R descriptor", errors.New("absent"))
	}
	var comments []string
	if d.TelephoneNumber != "" {
		comments = append(comments, FormatComment("Tel "+d.TelephoneNumber))
	}
	if d.FormalName == nil {
		if d.FreeFormName == "" {
			return Address{}, addressError("O/R descriptor", errors.New("neither formal name nor free form name"))
		}
		return Address{Group: &Group{Name: d.FreeFormName, Comments: comments}}, nil
	}
	m, err := g.orNameToMailbox(d.FormalName, memo)
	if err != nil {
		return Address{}, err
	}
	switch {
	case d.FreeFormName != "":
		m.Name = d.FreeFormName
	case len(m.Route) > 0:
		m.Name = m.LocalPart
	}
	if len(d.FormalName.DirectoryName) > 0 {
		comments = append(comments, DirectoryNameComment(d.FormalName.DirectoryName))
	}
	m.Comments = comments
	return Address{Mailbox: &m}, nil
}

// AddressToORDescriptors maps an RFC 822 address (a mailbox or a group),
// RFC 2156 §4.7.1. A mailbox gives one descriptor: its address without
// the source route as formal name (step 1); its display phrase and its
// comments, in order and with their parentheses, joined by spaces, as free
// form name (step 2); no telephone number (step 3). A group gives a
// descriptor with only its phrase as free form name, then one descriptor
// per member.
func (g *Gateway) AddressToORDescriptors(a Address) ([]x400.ORDescriptor, error) {
	return g.addressToORDescriptors(a, nil)
}

// addressToORDescriptors is AddressToORDescriptors through memo.
func (g *Gateway) addressToORDescriptors(a Address, memo addrMemo) ([]x400.ORDescriptor, error) {
	switch {
	case a.Mailbox != nil:
		d, err := g.addrDescriptor(*a.Mailbox, memo)
		if err != nil {
			return nil, err
		}
		return []x400.ORDescriptor{d}, nil
	case a.Group != nil:
		out := make([]x400.ORDescriptor, 0, 1+len(a.Group.Members))
		out = append(out, x400.ORDescriptor{FreeFormName: a.Group.Name})
		for _, m := range a.Group.Members {
			d, err := g.addrDescriptor(m, memo)
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
		return out, nil
	}
	return nil, addressError("address", errors.New("neither mailbox nor group"))
}

func (g *Gateway) addrDescriptor(m Mailbox, memo addrMemo) (x400.ORDescriptor, error) {
	n, err := g.mailboxToORName(Mailbox{AddrSpec: m.AddrSpec}, memo)
	if err != nil {
		return x400.ORDescriptor{}, err
	}
	// The phrase and the comments joined by spaces.
	free := m.Name
	if len(m.Comments) > 0 {
		var sb strings.Builder
		sb.WriteString(m.Name)
		for i, c := range m.Comments {
			if i > 0 || m.Name != "" {
				sb.WriteByte(' ')
			}
			sb.WriteString(c)
		}
		free = sb.String()
	}
	return x400.ORDescriptor{FormalName: &n, FreeFormName: free}, nil
}

// ---------------------------------------------------------------------------
// RFC 2156 §4.6.3.

// MsgIDToMTSIdentifier maps an 822.msg-id to an MTS identifier, RFC 2156
// §4.6.3: the msg-id's addr-spec, mapped as an address (RFC822ToORAddress),
// gives the country, ADMD and PRMD of the global domain identifier; the
// local identifier is the msg-id with its braces, truncated to
// ub-local-id-length (32). msgID may be given with or without the braces.
//
// A msg-id that is not an addr-spec ("<abc>", as some mailers write) or
// whose address cannot be mapped still identifies the message: the
// gateway's own g.GDI is then used, when set; otherwise it is an
// addressError. A msg-id that is empty or not ASCII (local-identifier is
// an IA5String) is always an addressError.
func (g *Gateway) MsgIDToMTSIdentifier(msgID string) (x400.MTSIdentifier, error) {
	field := "Message-ID " + strconv.Quote(addrClip(msgID))
	id := strings.TrimSpace(msgID)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	if id == "" || len(id) > addrMaxInput {
		return x400.MTSIdentifier{}, addressError(field, errors.New("empty or too long msg-id"))
	}
	local := "<" + id + ">"
	if !x400.IsIA5String(local) || strings.ContainsAny(local, "\x00\r\n") {
		return x400.MTSIdentifier{}, addressError(field, errors.New("msg-id is not ASCII text (local-identifier is an IA5String)"))
	}
	if len(local) > 32 {
		local = local[:32]
	}
	gdi, err := g.addrMsgIDDomain(id)
	if err != nil {
		if g.GDI.Country.Value == "" {
			return x400.MTSIdentifier{}, addressError(field, err)
		}
		gdi = g.GDI
	}
	return x400.MTSIdentifier{GlobalDomainIdentifier: gdi, LocalIdentifier: local}, nil
}

func (g *Gateway) addrMsgIDDomain(id string) (x400.GlobalDomainIdentifier, error) {
	as, err := ParseAddrSpec(id)
	if err != nil {
		return x400.GlobalDomainIdentifier{}, err
	}
	a, err := g.RFC822ToORAddress(Mailbox{AddrSpec: as})
	if err != nil {
		return x400.GlobalDomainIdentifier{}, err
	}
	return x400.GlobalDomainIdentifier{Country: a.Country, ADMD: a.ADMD, PRMD: a.PRMD}, nil
}

// ---------------------------------------------------------------------------
// Directory names as text, RFC 2156 §4.5 ("represented within an RFC 822
// comment using the compatible formats of RFC 1484 or RFC 1485. It is
// recommended that the directory string format of RFC 1485 is used").

// addrDNKeys are the RFC 1485 §2.3 keywords (and the common X.520 types
// that RFC 4514 added), by the last arc of id-at (2.5.4).
var addrDNKeys = map[uint64]string{
	3: "CN", 4: "SN", 5: "SERIALNUMBER", 6: "C", 7: "L", 8: "ST", 9: "STREET",
	10: "O", 11: "OU", 12: "T", 42: "GN", 43: "INITIALS", 44: "GENERATION",
}

// addrMaxDN bounds the text of a directory name.
const addrMaxDN = 1024

// DirectoryNameText writes an X.501 Name (x400.ORName.DirectoryName, the
// RDNSequence's encoding) in the string form of RFC 1485: the RDNs most
// significant last, separated by ", ", the values of a multi-valued RDN
// by " + ", the attribute types by their keywords (CN, C, L, ST, O, OU,
// STREET, ...) or "OID.2.5.4.n", string values quoted when RFC 1485 §2.3
// requires it, other values as "#" and their hex encoding.
func DirectoryNameText(dn x400.Raw) (string, error) {
	r := ber.NewReader(dn, nil)
	seq, err := r.Expect(ber.Sequence)
	if err != nil {
		return "", err
	}
	if err := r.End("directory name"); err != nil {
		return "", err
	}
	rdns, err := seq.Children()
	if err != nil {
		return "", err
	}
	var parts []string
	for !rdns.Empty() {
		set, err := rdns.Expect(ber.Set)
		if err != nil {
			return "", err
		}
		avas, err := set.Children()
		if err != nil {
			return "", err
		}
		var rdn []string
		for !avas.Empty() {
			ava, err := avas.Expect(ber.Sequence)
			if err != nil {
				return "", err
			}
			c, err := ava.Children()
			if err != nil {
				return "", err
			}
			te, err := c.Expect(ber.ObjectID)
			if err != nil {
				return "", err
			}
			oid, err := te.OID()
			if err != nil {
				return "", err
			}
			ve, err := c.Next()
			if err != nil {
				return "", err
			}
			key := "OID." + oid.String()
			if oid.HasPrefix(ber.MustOID("2.5.4")) && len(oid.Arcs()) == 4 {
				if k, ok := addrDNKeys[oid.Last()]; ok {
					key = k
				}
			}
			rdn = append(rdn, key+"="+addrDNValue(&ve))
		}
		if len(rdn) == 0 {
			return "", errors.New("empty relative distinguished name")
		}
		parts = append(parts, strings.Join(rdn, " + "))
	}
	addrReverse(parts)
	out := strings.Join(parts, ", ")
	if len(out) > addrMaxDN {
		return out[:addrMaxDN] + "...", nil
	}
	return out, nil
}

// addrDNValue writes one attribute value (RFC 1485 §2.3).
func addrDNValue(e *ber.Element) string {
	var s string
	var err error = errors.New("not a string")
	if e.Tag.Class == ber.ClassUniversal && !e.Constructed {
		switch e.Tag.Number {
		case ber.TagPrintableString, ber.TagIA5String, ber.TagUTF8String, ber.TagNumericString, ber.TagVisibleString:
			s, err = string(e.Content), nil
			if !utf8.ValidString(s) {
				err = errors.New("not UTF-8")
			}
		case ber.TagTeletexString:
			s, err = x400.T61ToUTF8(e.Content)
		case ber.TagBMPString:
			s, err = x400.BMPStringToUTF8(e.Content)
		case ber.TagUniversalString:
			s, err = x400.UniversalStringToUTF8(e.Content)
		}
	}
	if err != nil {
		return "#" + strings.ToUpper(hex.EncodeToString(e.Raw))
	}
	quote := s == "" || s[0] == ' ' || s[len(s)-1] == ' ' || s[0] == '#' || strings.ContainsAny(s, ",+=\"\\<>;\r\n")
	if !quote {
		return s
	}
	var sb strings.Builder
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case '\r', '\n':
			sb.WriteByte(' ')
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// DirectoryNameComment is the RFC 822 comment that RFC 2156 §4.5,
// §4.6.2.2 and §4.7.2 step 4 put after an address whose O/R name has a
// directory name: "(DN: CN=Smith, O=MOD, C=GB)", or "(DN: undecodable)"
// when the encoding is not a Name.
func DirectoryNameComment(dn x400.Raw) string {
	t, err := DirectoryNameText(dn)
	if err != nil {
		return FormatComment("DN: undecodable")
	}
	return FormatComment("DN: " + t)
}
