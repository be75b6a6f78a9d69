package x400

import (
	"errors"
	"strings"

	"mixerd/ber"
)

// GlobalDomainIdentifier identifies a management domain, X.411 §8.5.2
// (MTSAbstractService):
//
//	GlobalDomainIdentifier ::= [APPLICATION 3] SEQUENCE {
//	  country-name                CountryName,
//	  administration-domain-name  AdministrationDomainName,
//	  private-domain-identifier   PrivateDomainIdentifier OPTIONAL }
//	CountryName ::= [APPLICATION 1] CHOICE {
//	  x121-dcc-code NumericString, iso-3166-alpha2-code PrintableString }
//	AdministrationDomainName ::= [APPLICATION 2] CHOICE {
//	  numeric NumericString, printable PrintableString }
//	PrivateDomainIdentifier ::= CHOICE {
//	  numeric NumericString, printable PrintableString }
//
// Each name is a NumericOrPrintable (the type the O/R address uses for
// the same CHOICEs), which keeps the alternative received so that a
// relayed identifier is written back as it came. Country is the ISO 3166
// alpha-2 code ("GB") or an X.121 DCC code (Numeric); ADMD is usually a
// single space for "no ADMD" (RFC 2156 §4.1.3); PRMD is absent when zero.
type GlobalDomainIdentifier struct {
	Country NumericOrPrintable
	ADMD    NumericOrPrintable
	PRMD    NumericOrPrintable
}

// MTSIdentifier identifies a message, probe or report in the MTS,
// X.411 §8.5.1; it is the key that correlates a report to its subject:
//
//	MTSIdentifier ::= [APPLICATION 4] SEQUENCE {
//	  global-domain-identifier  GlobalDomainIdentifier,
//	  local-identifier          LocalIdentifier }
//	LocalIdentifier ::= IA5String (SIZE (1..ub-local-id-length))
type MTSIdentifier struct {
	GlobalDomainIdentifier GlobalDomainIdentifier
	LocalIdentifier        string
}

// Tags of the MTS common types.
var (
	p1TagORName    = ber.Application(0)
	p1TagCountry   = ber.Application(1)
	p1TagADMD      = ber.Application(2)
	p1TagGDI       = ber.Application(3)
	p1TagMTSID     = ber.Application(4)
	p1TagEIT       = ber.Application(5)
	p1TagBuiltInCT = ber.Application(6)
	p1TagPriority  = ber.Application(7)
	p1TagPMI       = ber.Application(8)
	p1TagTrace     = ber.Application(9)
	p1TagContentID = ber.Application(10)
	p1TagIA5       = ber.IA5String
	p1TagOctets    = ber.OctetString
)

func (g *GlobalDomainIdentifier) decode(e *ber.Element) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	c, err := r.Expect(p1TagCountry)
	if err == nil {
		err = p1DecodeExplicitNP(&c, &g.Country)
	}
	if err != nil {
		return ber.Annotate(err, "country-name")
	}
	c, err = r.Expect(p1TagADMD)
	if err == nil {
		err = p1DecodeExplicitNP(&c, &g.ADMD)
	}
	if err != nil {
		return ber.Annotate(err, "administration-domain-name")
	}
	if !r.Empty() {
		c, err = r.Next()
		if err == nil {
			err = g.PRMD.decode(&c)
		}
		if err == nil && g.PRMD.IsZero() {
			err = c.Errorf("empty private-domain-identifier")
		}
		if err != nil {
			return ber.Annotate(err, "private-domain-identifier")
		}
	}
	return r.End("GlobalDomainIdentifier")
}

// p1DecodeExplicitNP reads an explicitly tagged CHOICE { NumericString,
// PrintableString } (without the allocation of the error name that
// NumericOrPrintable.decodeExplicit makes on every call).
func p1DecodeExplicitNP(e *ber.Element, v *NumericOrPrintable) error {
	in, err := explicit(e)
	if err != nil {
		return err
	}
	return v.decode(&in)
}

func (g *GlobalDomainIdentifier) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	g.Country.encodeExplicit(b, p1TagCountry)
	g.ADMD.encodeExplicit(b, p1TagADMD)
	if !g.PRMD.IsZero() {
		g.PRMD.encode(b)
	}
	b.End(m)
}

// String returns the identifier in the RFC 2156 §5.3.3.2 form
// (EBNF.global-id = std-or-address), most significant attribute last:
// "/PRMD=HMG/ADMD=GOLD 400/C=GB/".
func (g GlobalDomainIdentifier) String() string {
	var sb strings.Builder
	g.appendTo(&sb)
	return sb.String()
}

func (g *GlobalDomainIdentifier) appendTo(sb *strings.Builder) {
	sb.Grow(len(g.PRMD.Value) + len(g.ADMD.Value) + len(g.Country.Value) + 18)
	if !g.PRMD.IsZero() {
		sb.WriteString("/PRMD=")
		p1WriteStdValue(sb, g.PRMD.Value)
	}
	sb.WriteString("/ADMD=")
	p1WriteStdValue(sb, g.ADMD.Value)
	sb.WriteString("/C=")
	p1WriteStdValue(sb, g.Country.Value)
	sb.WriteByte('/')
}

// p1WriteStdValue writes s as an RFC 2156 std-printablestring: "/" and
// "=" are quoted with "$" (RFC 2156 §4.1.3, std-pair).
func p1WriteStdValue(sb *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '/' || c == '=' || c == '$' {
			sb.WriteByte('$')
		}
		sb.WriteByte(c)
	}
}

func (id *MTSIdentifier) decode(e *ber.Element) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	if err := p1DecodeDomainString(&r, &id.GlobalDomainIdentifier, "global-domain-identifier", &id.LocalIdentifier, "local-identifier"); err != nil {
		return err
	}
	return r.End("MTSIdentifier")
}

// p1DecodeDomainString reads from r the GlobalDomainIdentifier and the
// IA5String that begin an MTSIdentifier (X.411 §8.5.1:
// global-domain-identifier, local-identifier), an
// InternalTraceInformationElement (§12.2.1.1.1: global-domain-identifier,
// mta-name) and a ReportingMTAName (§8.3.1.2.1: domain, mta-name), into
// gdi and s, annotating errors with the names gdiName and sName.
func p1DecodeDomainString(r *ber.Reader, gdi *GlobalDomainIdentifier, gdiName string, s *string, sName string) error {
	c, err := r.Expect(p1TagGDI)
	if err != nil {
		return ber.Annotate(err, gdiName)
	}
	if err := gdi.decode(&c); err != nil {
		return ber.Annotate(err, gdiName)
	}
	c, err = r.Expect(p1TagIA5)
	if err != nil {
		return ber.Annotate(err, sName)
	}
	if *s, err = ia5Str(&c); err != nil {
		return ber.Annotate(err, sName)
	}
	return nil
}

func (id *MTSIdentifier) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	id.GlobalDomainIdentifier.encode(b, p1TagGDI)
	p1AddString(b, p1TagIA5, id.LocalIdentifier, IsIA5String, "local-identifier", "IA5String")
	b.End(m)
}

// String returns the identifier in the RFC 2156 §5.3.6 form
// (EBNF.mts-msg-id = "[" global-id ";" *text "]"):
// "[/PRMD=HMG/ADMD=GOLD 400/C=GB/;PC1000-910530172027-57D8]".
func (id MTSIdentifier) String() string {
	var sb strings.Builder
	sb.Grow(len(id.LocalIdentifier) + 3)
	sb.WriteByte('[')
	id.GlobalDomainIdentifier.appendTo(&sb)
	sb.WriteByte(';')
	sb.WriteString(id.LocalIdentifier)
	sb.WriteByte(']')
	return sb.String()
}

// Equal reports whether id and o identify the same object: the strings
// compare as X.411 matching rules do for these attributes (PrintableString
// case-insensitively, leading, trailing and repeated spaces ignored; the
// local identifier exactly), whichever CHOICE alternatives carry them.
func (id MTSIdentifier) Equal(o MTSIdentifier) bool {
	return id.LocalIdentifier == o.LocalIdentifier && id.GlobalDomainIdentifier.Equal(o.GlobalDomainIdentifier)
}

// Equal reports whether g and o name the same domain (see
// MTSIdentifier.Equal).
func (g GlobalDomainIdentifier) Equal(o GlobalDomainIdentifier) bool {
	return p1FoldEqual(g.Country.Value, o.Country.Value) && p1FoldEqual(g.ADMD.Value, o.ADMD.Value) &&
		p1FoldEqual(g.PRMD.Value, o.PRMD.Value)
}

// p1FoldEqual compares two attribute values case-insensitively with spaces
// normalised; a value made only of spaces equals the empty value.
func p1FoldEqual(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// ParseMTSIdentifier parses the RFC 2156 form that MTSIdentifier.String
// writes, "[" global-id ";" local-identifier "]", as found in an
// "X400-MTS-Identifier:" header or a DSN original-envelope-id (RFC 2156
// §5.3.6, §5.3.8). Attribute keys are matched case-insensitively ("C",
// "ADMD" or "A", "PRMD" or "P"), "$" quotes the next character, and the
// first ";" ends the global-id (so ";" cannot separate its attributes, as
// it may in an O/R address, EBNF.std-or-address-input). A three-digit country is
// taken as an X.121 DCC code.
func ParseMTSIdentifier(s string) (MTSIdentifier, error) {
	var id MTSIdentifier
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return id, errors.New("x400: MTS identifier not in [global-id;local] form")
	}
	s = s[1 : len(s)-1]
	// The global-id holds PrintableString values, which cannot contain
	// ";": the first ";" not quoted with "$" ends it.
	end := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '$' {
			i++
			continue
		}
		if s[i] == ';' {
			end = i
			break
		}
	}
	if end < 0 {
		return id, errors.New("x400: MTS identifier without \";\" before its local identifier")
	}
	gdi, local := s[:end], s[end+1:]
	if local == "" {
		return id, errors.New("x400: MTS identifier with an empty local identifier")
	}
	if !IsIA5String(local) {
		return id, errors.New("x400: MTS identifier local identifier is not IA5")
	}
	id.LocalIdentifier = local
	g := &id.GlobalDomainIdentifier
	var haveC, haveA bool
	for gdi != "" {
		if gdi[0] == '/' {
			gdi = gdi[1:]
			continue
		}
		eq := strings.IndexByte(gdi, '=')
		if eq < 0 {
			return id, errors.New("x400: MTS identifier attribute without \"=\"")
		}
		key := strings.TrimSpace(gdi[:eq])
		gdi = gdi[eq+1:]
		var val strings.Builder
		for gdi != "" && gdi[0] != '/' {
			if gdi[0] == '$' && len(gdi) > 1 {
				gdi = gdi[1:]
			}
			val.WriteByte(gdi[0])
			gdi = gdi[1:]
		}
		v := val.String()
		if !IsPrintableString(v) {
			return id, errors.New("x400: MTS identifier attribute " + key + " is not a PrintableString")
		}
		switch strings.ToUpper(key) {
		case "C":
			g.Country, haveC = NumericOrPrintable{Value: v, Numeric: len(v) == 3 && IsNumericString(v)}, true
		case "ADMD", "A":
			g.ADMD, haveA = NumericOrPrintable{Value: v}, true
		case "PRMD", "P":
			g.PRMD = NumericOrPrintable{Value: v}
		default:
			return id, errors.New("x400: MTS identifier with the unknown attribute " + key)
		}
	}
	if !haveC {
		return id, errors.New("x400: MTS identifier without a country")
	}
	if !haveA {
		// RFC 2156 §4.1.3: a country without an ADMD means ADMD " ".
		g.ADMD = NumericOrPrintable{Value: " "}
	}
	return id, nil
}
