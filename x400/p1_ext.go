package x400

import (
	"errors"
	"time"

	"mixerd/ber"
)

// ExtensionType identifies an extension, X.411 §9 (MTSAbstractService):
//
//	ExtensionType ::= CHOICE {
//	  standard-extension  [0] INTEGER (0..ub-extension-types),
//	  private-extension   [3] OBJECT IDENTIFIER }
//
// Private is the OID of a private extension; when it is nil the type is
// the standard extension Standard.
//
// The module's IMPLICIT TAGS make the standard form [0] INTEGER (80 01 17
// for content-correlator), which is how Wireshark reads it; PP (ISODE)
// writes the tag explicitly, [0] { INTEGER } (a0 03 02 01 17), and
// Wireshark then shows "Unknown standard-extension 131351". The decoder
// accepts both forms (and both for the private OID) and Explicit records
// which one was received, so that a relayed extension is written back in
// its own form; new extensions use the implicit form unless Explicit is
// set.
type ExtensionType struct {
	Standard StandardExtension
	Private  ber.OID
	Explicit bool
}

// Is reports whether t is the standard extension s.
func (t ExtensionType) Is(s StandardExtension) bool { return t.Private == nil && t.Standard == s }

// String returns the name or number of a standard extension, or the dotted
// OID of a private one.
func (t ExtensionType) String() string {
	if t.Private != nil {
		return t.Private.String()
	}
	return t.Standard.String()
}

// Criticality says for which steps an extension is critical, X.411 §9 (MTSAbstractService):
//
//	Criticality ::= BIT STRING { for-submission (0), for-transfer (1),
//	  for-delivery (2) } (SIZE (0..ub-bit-options)) -- critical 'one', non-critical 'zero'
type Criticality uint32

// The criticality bits.
const (
	CriticalForSubmission Criticality = 1 << iota
	CriticalForTransfer
	CriticalForDelivery
)

// Extension is one extension field of an envelope, report or bind,
// X.411 §9 (MTSAbstractService):
//
//	ExtensionField {EXTENSION:ChosenFrom} ::= SEQUENCE {
//	  type         EXTENSION.&id ({ChosenFrom}),
//	  criticality  [1] Criticality DEFAULT {},
//	  value        [2] EXTENSION.&Type ({ChosenFrom}{@type}) DEFAULT NULL:NULL }
//
// Value is the encoding of the value (inside the explicit [2] tag of the
// open type), kept byte for byte whether or not this package knows the
// extension; nil means the default NULL. The typed accessors of
// Extensions decode the values of the standard extensions a gateway uses.
type Extension struct {
	Type     ExtensionType
	Critical Criticality
	Value    Raw
}

// Known reports whether t is one of the standard extensions X.411 and its
// companions define (1 to 46), which this package names and relays, and
// whose transfer semantics the P1 layer is expected to honour (such as
// latest-delivery-time). Private extensions are never known.
func (t ExtensionType) Known() bool {
	return t.Private == nil && t.Standard >= 1 && int(t.Standard) < len(p1StandardExtensionNames) &&
		p1StandardExtensionNames[t.Standard] != ""
}

// Unsupported reports whether x is critical for transfer and unknown
// (ExtensionType.Known): an MTA may not transfer the object that carries
// it, and non-delivers it with the diagnostic unsupported-critical-function
// (X.411 §9, the criticality mechanism).
func (x Extension) Unsupported() bool {
	return x.Critical&CriticalForTransfer != 0 && !x.Type.Known()
}

// Extensions is a SET OF ExtensionField. Its methods find and decode the
// standard extensions; an absent extension gives the zero value and a nil
// error, a malformed one an error.
type Extensions []Extension

var p1TagValue = ber.Context(2)

func (xs *Extensions) decode(e *ber.Element) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	for !r.Empty() {
		c, err := r.Expect(ber.Sequence)
		if err != nil {
			return err
		}
		*xs = p1Grow(*xs, &r)
		if err := (*xs)[len(*xs)-1].decode(&c); err != nil {
			return err
		}
	}
	return nil
}

func (xs Extensions) encode(b *ber.Builder, t ber.Tag) {
	if len(xs) == 0 {
		return // DEFAULT {}
	}
	m := b.Begin(t)
	for i := range xs {
		xs[i].encode(b)
	}
	b.EndSetOf(m)
}

func (x *Extension) decode(e *ber.Element) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	c, err := r.Next()
	if err != nil {
		return ber.Annotate(err, "type")
	}
	if err := x.Type.decode(&c); err != nil {
		return ber.Annotate(err, "type")
	}
	if c, ok, err := r.Optional(ber.Context(1)); err != nil {
		return ber.Annotate(err, "criticality")
	} else if ok {
		v, err := p1Bits(&c)
		if err != nil {
			return ber.Annotate(err, "criticality")
		}
		x.Critical = Criticality(v)
	}
	if c, ok, err := r.Optional(p1TagValue); err != nil {
		return ber.Annotate(err, "value")
	} else if ok {
		v, err := explicit(&c)
		if err != nil {
			return ber.Annotate(err, "value")
		}
		if !p1IsNull(v.Raw) {
			x.Value = Raw(v.Raw)
		}
	}
	return r.End("ExtensionField")
}

func p1IsNull(raw []byte) bool { return len(raw) == 2 && raw[0] == 0x05 && raw[1] == 0 }

func (t *ExtensionType) decode(e *ber.Element) error {
	el := *e
	if e.Constructed {
		v, err := explicit(e)
		if err != nil {
			return err
		}
		el = v
		t.Explicit = true
	}
	switch e.Tag {
	case ber.Context(0):
		if t.Explicit && el.Tag != ber.Integer {
			return el.Errorf("expected INTEGER, found %s", el.Tag)
		}
		v, err := p1Int(&el, 0, 1<<31-1)
		if err != nil {
			return err
		}
		t.Standard = StandardExtension(v)
	case ber.Context(3):
		if t.Explicit && el.Tag != ber.ObjectID {
			return el.Errorf("expected OBJECT IDENTIFIER, found %s", el.Tag)
		}
		o, err := el.OID()
		if err != nil {
			return err
		}
		t.Private = o
	default:
		return e.Errorf("%s is not an ExtensionType (standard [0], private [3])", e.Tag)
	}
	return nil
}

func (t *ExtensionType) encode(b *ber.Builder) {
	switch {
	case t.Private != nil && t.Explicit:
		m := b.Begin(ber.Context(3))
		b.AddOID(ber.ObjectID, t.Private)
		b.End(m)
	case t.Private != nil:
		b.AddOID(ber.Context(3), t.Private)
	case t.Explicit:
		m := b.Begin(ber.Context(0))
		b.AddInt(ber.Integer, int64(t.Standard))
		b.End(m)
	default:
		b.AddInt(ber.Context(0), int64(t.Standard))
	}
}

func (x *Extension) encode(b *ber.Builder) {
	m := b.Begin(ber.Sequence)
	x.Type.encode(b)
	if x.Critical != 0 {
		p1AddBits(b, ber.Context(1), uint32(x.Critical), 0)
	}
	if x.Value != nil && !p1IsNull(x.Value) {
		v := b.Begin(p1TagValue)
		addKept(b, x.Value, "extension value", ber.Tag{}, false)
		b.End(v)
	}
	b.End(m)
}

// Find returns the first extension of standard type s, or nil.
func (xs Extensions) Find(s StandardExtension) *Extension {
	for i := range xs {
		if xs[i].Type.Is(s) {
			return &xs[i]
		}
	}
	return nil
}

// FindPrivate returns the first private extension with OID o, or nil.
func (xs Extensions) FindPrivate(o ber.OID) *Extension {
	for i := range xs {
		if xs[i].Type.Private != nil && xs[i].Type.Private.Equal(o) {
			return &xs[i]
		}
	}
	return nil
}

// Set replaces the first extension of x's type, or appends x.
func (xs *Extensions) Set(x Extension) {
	for i := range *xs {
		t := (*xs)[i].Type
		if (x.Type.Private == nil && t.Is(x.Type.Standard)) ||
			(x.Type.Private != nil && t.Private != nil && t.Private.Equal(x.Type.Private)) {
			(*xs)[i] = x
			return
		}
	}
	*xs = append(*xs, x)
}

// Remove deletes every extension of standard type s.
func (xs *Extensions) Remove(s StandardExtension) {
	out := (*xs)[:0]
	for _, x := range *xs {
		if !x.Type.Is(s) {
			out = append(out, x)
		}
	}
	*xs = out
}

// CriticalUnsupported returns the extensions for which Unsupported is true.
func (xs Extensions) CriticalUnsupported() []Extension {
	var out []Extension
	for _, x := range xs {
		if x.Unsupported() {
			out = append(out, x)
		}
	}
	return out
}

// Critical returns the extensions marked critical for any of the steps in
// c (a gateway converting to another world checks CriticalForDelivery
// against the extensions it can map, RFC 2156 §5.3.6).
func (xs Extensions) Critical(c Criticality) []Extension {
	var out []Extension
	for _, x := range xs {
		if x.Critical&c != 0 {
			out = append(out, x)
		}
	}
	return out
}

// p1Value returns a reader over the value of extension s and whether it is
// present (a value that is absent, NULL, means the extension's default).
func (xs Extensions) p1Value(s StandardExtension) (ber.Element, bool, error) {
	x := xs.Find(s)
	if x == nil || x.Value == nil {
		return ber.Element{}, false, nil
	}
	r := ber.NewReader(x.Value, nil)
	e, err := r.Next()
	if err == nil && !r.Empty() {
		err = r.End(s.String())
	}
	if err != nil {
		return ber.Element{}, false, ber.Annotate(err, s.String())
	}
	return e, true, nil
}

// p1Prohibited decodes the ENUMERATED { allowed (0), prohibited (1) }
// extensions.
func (xs Extensions) p1Prohibited(s StandardExtension) (bool, error) {
	e, ok, err := xs.p1Value(s)
	if !ok {
		return false, err
	}
	if e.Tag != ber.Enumerated {
		return false, ber.Annotate(e.Errorf("expected ENUMERATED, found %s", e.Tag), s.String())
	}
	v, err := p1Int(&e, 0, 1)
	return v == 1, ber.Annotate(err, s.String())
}

// RecipientReassignmentProhibited decodes extension 1
// (RecipientReassignmentProhibited ::= ENUMERATED { recipient-reassignment-allowed (0),
// recipient-reassignment-prohibited (1) }).
func (xs Extensions) RecipientReassignmentProhibited() (bool, error) {
	return xs.p1Prohibited(ExtRecipientReassignmentProhibited)
}

// DLExpansionProhibited decodes extension 3 (DLExpansionProhibited).
func (xs Extensions) DLExpansionProhibited() (bool, error) {
	return xs.p1Prohibited(ExtDLExpansionProhibited)
}

// ConversionWithLossProhibited decodes extension 4
// (ConversionWithLossProhibited).
func (xs Extensions) ConversionWithLossProhibited() (bool, error) {
	return xs.p1Prohibited(ExtConversionWithLossProhibited)
}

// p1NameValue decodes an extension whose value is an ORName.
func (xs Extensions) p1NameValue(s StandardExtension) (*ORName, error) {
	e, ok, err := xs.p1Value(s)
	if !ok {
		return nil, err
	}
	if e.Tag != p1TagORName {
		return nil, ber.Annotate(e.Errorf("expected ORName, found %s", e.Tag), s.String())
	}
	n, err := p1Name(&e, s.String())
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// OriginatorRequestedAlternateRecipient decodes extension 2
// (MTAOriginatorRequestedAlternateRecipient ::= ORAddressAndOptionalDirectoryName),
// a per-recipient extension; nil when absent.
func (xs Extensions) OriginatorRequestedAlternateRecipient() (*ORName, error) {
	return xs.p1NameValue(ExtOriginatorRequestedAlternateRecipient)
}

// PhysicalForwardingAddress decodes extension 27 (PhysicalForwardingAddress ::=
// ORAddressAndOptionalDirectoryName); nil when absent.
func (xs Extensions) PhysicalForwardingAddress() (*ORName, error) {
	return xs.p1NameValue(ExtPhysicalForwardingAddress)
}

// ReportingDLName decodes extension 31 (ReportingDLName ::=
// ORAddressAndOptionalDirectoryName); nil when absent.
func (xs Extensions) ReportingDLName() (*ORName, error) {
	return xs.p1NameValue(ExtReportingDLName)
}

// OriginatorReturnAddress decodes extension 13 (OriginatorReturnAddress ::=
// ORAddress, an untagged SEQUENCE); nil when absent.
func (xs Extensions) OriginatorReturnAddress() (*ORAddress, error) {
	e, ok, err := xs.p1Value(ExtOriginatorReturnAddress)
	if !ok {
		return nil, err
	}
	if e.Tag != ber.Sequence {
		return nil, ber.Annotate(e.Errorf("expected ORAddress, found %s", e.Tag), "originator-return-address")
	}
	// An ORName holds the ORAddress components; the directory name, which
	// an ORAddress cannot have, must then be absent.
	n, err := p1Name(&e, "originator-return-address")
	if err != nil {
		return nil, err
	}
	if n.DirectoryName != nil {
		return nil, ber.Annotate(e.Errorf("directory name inside an ORAddress"), "originator-return-address")
	}
	return &n.ORAddress, nil
}

// LatestDeliveryTime decodes extension 5 (LatestDeliveryTime ::= Time); the
// zero time when absent.
func (xs Extensions) LatestDeliveryTime() (time.Time, error) {
	e, ok, err := xs.p1Value(ExtLatestDeliveryTime)
	if !ok {
		return time.Time{}, err
	}
	if e.Tag != ber.UTCTimeTag {
		return time.Time{}, ber.Annotate(e.Errorf("expected UTCTime, found %s", e.Tag), "latest-delivery-time")
	}
	t, err := p1Time(&e)
	return t, ber.Annotate(err, "latest-delivery-time")
}

// RequestedDeliveryMethod decodes extension 6 (RequestedDeliveryMethod ::=
// SEQUENCE OF INTEGER { any-delivery-method (0), mhs-delivery (1), ... },
// most preferred first); nil when absent.
func (xs Extensions) RequestedDeliveryMethod() ([]int, error) {
	e, ok, err := xs.p1Value(ExtRequestedDeliveryMethod)
	if !ok {
		return nil, err
	}
	if e.Tag != ber.Sequence {
		return nil, ber.Annotate(e.Errorf("expected SEQUENCE OF INTEGER, found %s", e.Tag), "requested-delivery-method")
	}
	r, err := e.Children()
	if err != nil {
		return nil, ber.Annotate(err, "requested-delivery-method")
	}
	out := p1Make[int](&r)
	for !r.Empty() {
		c, err := r.Expect(ber.Integer)
		if err != nil {
			return nil, ber.Annotate(err, "requested-delivery-method")
		}
		v, err := p1Int(&c, 0, 1<<31-1)
		if err != nil {
			return nil, ber.Annotate(err, "requested-delivery-method")
		}
		out = append(out, v)
	}
	return out, nil
}

// ContentCorrelator is the value of extension 23, which a report carries
// back to correlate it with its subject, X.411 §8.2.1.1.1:
//
//	ContentCorrelator ::= CHOICE { ia5text IA5String, octets OCTET STRING }
//
// Octets is the octets alternative when non-nil; otherwise IA5Text is.
type ContentCorrelator struct {
	IA5Text string
	Octets  []byte
}

// ContentCorrelator decodes extension 23; nil when absent.
func (xs Extensions) ContentCorrelator() (*ContentCorrelator, error) {
	e, ok, err := xs.p1Value(ExtContentCorrelator)
	if !ok {
		return nil, err
	}
	var c ContentCorrelator
	switch e.Tag {
	case p1TagIA5:
		c.IA5Text, err = ia5Str(&e)
	case p1TagOctets:
		c.Octets, err = e.Bytes()
	default:
		err = e.Errorf("expected IA5String or OCTET STRING, found %s", e.Tag)
	}
	if err != nil {
		return nil, ber.Annotate(err, "content-correlator")
	}
	return &c, nil
}

// RedirectionReason says why a message was redirected:
//
//	RedirectionReason ::= ENUMERATED {
//	  recipient-assigned-alternate-recipient (0),
//	  originator-requested-alternate-recipient (1),
//	  recipient-MD-assigned-alternate-recipient (2),
//	  directory-look-up (3), alias (4), ... }
type RedirectionReason int

// The redirection reasons.
const (
	RedirectionRecipientAssigned   RedirectionReason = 0
	RedirectionOriginatorRequested RedirectionReason = 1
	RedirectionRecipientMDAssigned RedirectionReason = 2
	RedirectionDirectoryLookUp     RedirectionReason = 3
	RedirectionAlias               RedirectionReason = 4
)

// Redirection is one entry of the redirection-history extension (25),
// X.411 §8.3.1.1.1:
//
//	Redirection ::= SEQUENCE {
//	  intended-recipient-name  IntendedRecipientName,
//	  redirection-reason       RedirectionReason }
//	IntendedRecipientName ::= SEQUENCE {
//	  intended-recipient  ORAddressAndOptionalDirectoryName,
//	  redirection-time    Time }
type Redirection struct {
	IntendedRecipient ORName
	RedirectionTime   time.Time
	Reason            RedirectionReason
}

// DLExpansion is one entry of the dl-expansion-history extension (26) and,
// with the originator first, of originator-and-DL-expansion-history (30):
//
//	DLExpansion ::= SEQUENCE {
//	  dl                 ORAddressAndOptionalDirectoryName,
//	  dl-expansion-time  Time }
type DLExpansion struct {
	DL   ORName
	Time time.Time
}

// RedirectionHistory decodes extension 25 (RedirectionHistory ::= SEQUENCE
// SIZE (1..ub-redirections) OF Redirection); nil when absent.
func (xs Extensions) RedirectionHistory() ([]Redirection, error) {
	e, ok, err := xs.p1Value(ExtRedirectionHistory)
	if !ok {
		return nil, err
	}
	out, err := p1DecodeRedirections(&e)
	return out, ber.Annotate(err, "redirection-history")
}

func p1DecodeRedirections(e *ber.Element) ([]Redirection, error) {
	if e.Tag != ber.Sequence {
		return nil, e.Errorf("expected SEQUENCE OF Redirection, found %s", e.Tag)
	}
	r, err := e.Children()
	if err != nil {
		return nil, err
	}
	out := p1Make[Redirection](&r)
	for !r.Empty() {
		c, err := r.Expect(ber.Sequence)
		if err != nil {
			return nil, err
		}
		cr, err := c.Children()
		if err != nil {
			return nil, err
		}
		n, err := cr.Expect(ber.Sequence)
		if err != nil {
			return nil, ber.Annotate(err, "intended-recipient-name")
		}
		var rd Redirection
		nr, err := n.Children()
		if err != nil {
			return nil, ber.Annotate(err, "intended-recipient-name")
		}
		if err := p1NameAndTime(&nr, &rd.IntendedRecipient, &rd.RedirectionTime); err != nil {
			return nil, ber.Annotate(err, "intended-recipient-name")
		}
		if err := nr.End("IntendedRecipientName"); err != nil {
			return nil, ber.Annotate(err, "intended-recipient-name")
		}
		rc, err := cr.Expect(ber.Enumerated)
		if err != nil {
			return nil, ber.Annotate(err, "redirection-reason")
		}
		v, err := p1Int(&rc, 0, 1<<31-1)
		if err != nil {
			return nil, ber.Annotate(err, "redirection-reason")
		}
		rd.Reason = RedirectionReason(v)
		if err := cr.End("Redirection"); err != nil {
			return nil, err
		}
		out = append(out, rd)
	}
	return out, nil
}

// p1NameAndTime reads an ORName followed by a Time.
func p1NameAndTime(r *ber.Reader, n *ORName, t *time.Time) error {
	c, err := r.Expect(p1TagORName)
	if err != nil {
		return err
	}
	if *n, err = p1Name(&c, "name"); err != nil {
		return err
	}
	c, err = r.Expect(ber.UTCTimeTag)
	if err != nil {
		return ber.Annotate(err, "time")
	}
	*t, err = p1Time(&c)
	return ber.Annotate(err, "time")
}

// DLExpansionHistory decodes extension 26 (DLExpansionHistory ::= SEQUENCE
// SIZE (1..ub-dl-expansions) OF DLExpansion); nil when absent.
func (xs Extensions) DLExpansionHistory() ([]DLExpansion, error) {
	return xs.p1Expansions(ExtDLExpansionHistory)
}

// OriginatorAndDLExpansionHistory decodes extension 30
// (OriginatorAndDLExpansionHistory ::= SEQUENCE SIZE (2..ub-orig-and-dl-expansions)
// OF OriginatorAndDLExpansion, the same shape as DLExpansion: the
// originator and origination time first); nil when absent.
func (xs Extensions) OriginatorAndDLExpansionHistory() ([]DLExpansion, error) {
	return xs.p1Expansions(ExtOriginatorAndDLExpansionHistory)
}

func (xs Extensions) p1Expansions(s StandardExtension) ([]DLExpansion, error) {
	e, ok, err := xs.p1Value(s)
	if !ok {
		return nil, err
	}
	if e.Tag != ber.Sequence {
		return nil, ber.Annotate(e.Errorf("expected SEQUENCE OF, found %s", e.Tag), s.String())
	}
	r, err := e.Children()
	if err != nil {
		return nil, ber.Annotate(err, s.String())
	}
	out := p1Make[DLExpansion](&r)
	for !r.Empty() {
		c, err := r.Expect(ber.Sequence)
		if err != nil {
			return nil, ber.Annotate(err, s.String())
		}
		cr, err := c.Children()
		if err != nil {
			return nil, ber.Annotate(err, s.String())
		}
		var d DLExpansion
		if err := p1NameAndTime(&cr, &d.DL, &d.Time); err != nil {
			return nil, ber.Annotate(err, s.String())
		}
		if err := cr.End("DLExpansion"); err != nil {
			return nil, ber.Annotate(err, s.String())
		}
		out = append(out, d)
	}
	return out, nil
}

// InternalTraceInformation decodes extension 38; nil when absent.
func (xs Extensions) InternalTraceInformation() (InternalTraceInformation, error) {
	e, ok, err := xs.p1Value(ExtInternalTraceInformation)
	if !ok {
		return nil, err
	}
	if e.Tag != ber.Sequence {
		return nil, ber.Annotate(e.Errorf("expected SEQUENCE OF, found %s", e.Tag), "internal-trace-information")
	}
	var t InternalTraceInformation
	return t, ber.Annotate(t.decode(&e), "internal-trace-information")
}

// ReportingMTAName is the value of extension 39, X.411 §8.3.1.2.1:
//
//	ReportingMTAName ::= SEQUENCE {
//	  domain              GlobalDomainIdentifier,
//	  mta-name            MTAName,
//	  mta-directory-name  [0] Name OPTIONAL }
type ReportingMTAName struct {
	Domain  GlobalDomainIdentifier
	MTAName string
	// DirectoryName is the X.501 Name (inside the explicit [0]) kept as
	// its encoding; nil when absent.
	DirectoryName Raw
}

// ReportingMTAName decodes extension 39; nil when absent.
func (xs Extensions) ReportingMTAName() (*ReportingMTAName, error) {
	e, ok, err := xs.p1Value(ExtReportingMTAName)
	if !ok {
		return nil, err
	}
	if e.Tag != ber.Sequence {
		return nil, ber.Annotate(e.Errorf("expected SEQUENCE, found %s", e.Tag), "reporting-MTA-name")
	}
	var n ReportingMTAName
	if err := n.decode(&e); err != nil {
		return nil, ber.Annotate(err, "reporting-MTA-name")
	}
	return &n, nil
}

func (n *ReportingMTAName) decode(e *ber.Element) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	if err := p1DecodeDomainString(&r, &n.Domain, "domain", &n.MTAName, "mta-name"); err != nil {
		return err
	}
	if c, ok, err := r.Optional(ber.Context(0)); err != nil {
		return ber.Annotate(err, "mta-directory-name")
	} else if ok {
		v, err := explicit(&c)
		if err != nil {
			return ber.Annotate(err, "mta-directory-name")
		}
		n.DirectoryName = Raw(v.Raw)
	}
	return r.End("ReportingMTAName")
}

func (n *ReportingMTAName) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	n.Domain.encode(b, p1TagGDI)
	p1AddString(b, p1TagIA5, n.MTAName, IsIA5String, "mta-name", "IA5String")
	if n.DirectoryName != nil {
		d := b.Begin(ber.Context(0))
		addKept(b, n.DirectoryName, "mta-directory-name", ber.Tag{}, false)
		b.End(d)
	}
	b.End(m)
}

// Constructors of the standard extensions. Each returns the extension
// with the criticality X.411 recommends for it (RECOMMENDED CRITICALITY in
// its EXTENSION definition); change Critical to mark it otherwise.

// p1NewExtension encodes a value with fn into a new extension.
func p1NewExtension(s StandardExtension, crit Criticality, fn func(b *ber.Builder)) (Extension, error) {
	b := ber.NewBuilder(64)
	fn(b)
	if err := b.Err(); err != nil {
		return Extension{}, err
	}
	return Extension{Type: ExtensionType{Standard: s}, Critical: crit, Value: Raw(b.Bytes())}, nil
}

func p1ProhibitedExtension(s StandardExtension) Extension {
	x, _ := p1NewExtension(s, CriticalForDelivery, func(b *ber.Builder) { b.AddInt(ber.Enumerated, 1) })
	return x
}

// RecipientReassignmentProhibitedExtension returns extension 1 with the
// value recipient-reassignment-prohibited.
func RecipientReassignmentProhibitedExtension() Extension {
	return p1ProhibitedExtension(ExtRecipientReassignmentProhibited)
}

// DLExpansionProhibitedExtension returns extension 3 with the value
// dl-expansion-prohibited.
func DLExpansionProhibitedExtension() Extension {
	return p1ProhibitedExtension(ExtDLExpansionProhibited)
}

// ConversionWithLossProhibitedExtension returns extension 4 with the value
// conversion-with-loss-prohibited.
func ConversionWithLossProhibitedExtension() Extension {
	return p1ProhibitedExtension(ExtConversionWithLossProhibited)
}

// LatestDeliveryTimeExtension returns extension 5 (critical for delivery).
func LatestDeliveryTimeExtension(t time.Time) (Extension, error) {
	return p1NewExtension(ExtLatestDeliveryTime, CriticalForDelivery, func(b *ber.Builder) {
		p1AddTime(b, ber.UTCTimeTag, t, "latest-delivery-time")
	})
}

// OriginatorRequestedAlternateRecipientExtension returns extension 2 for a
// per-recipient extension list (recommended critical for submission).
func OriginatorRequestedAlternateRecipientExtension(n ORName) (Extension, error) {
	return p1NewExtension(ExtOriginatorRequestedAlternateRecipient, CriticalForSubmission, func(b *ber.Builder) {
		n.encode(b, p1TagORName)
	})
}

// OriginatorReturnAddressExtension returns extension 13.
func OriginatorReturnAddressExtension(a ORAddress) (Extension, error) {
	return p1NewExtension(ExtOriginatorReturnAddress, 0, func(b *ber.Builder) {
		n := ORName{ORAddress: a}
		n.encode(b, ber.Sequence)
	})
}

// RequestedDeliveryMethodExtension returns extension 6.
func RequestedDeliveryMethodExtension(methods []int) (Extension, error) {
	return p1NewExtension(ExtRequestedDeliveryMethod, 0, func(b *ber.Builder) {
		m := b.Begin(ber.Sequence)
		for _, v := range methods {
			b.AddInt(ber.Integer, int64(v))
		}
		b.End(m)
	})
}

// ContentCorrelatorExtension returns extension 23.
func ContentCorrelatorExtension(c ContentCorrelator) (Extension, error) {
	return p1NewExtension(ExtContentCorrelator, 0, func(b *ber.Builder) {
		if c.Octets != nil {
			b.AddPrimitive(p1TagOctets, c.Octets)
			return
		}
		p1AddString(b, p1TagIA5, c.IA5Text, IsIA5String, "content-correlator", "IA5String")
	})
}

// RedirectionHistoryExtension returns extension 25.
func RedirectionHistoryExtension(h []Redirection) (Extension, error) {
	if len(h) == 0 {
		return Extension{}, errors.New("x400: empty redirection-history")
	}
	return p1NewExtension(ExtRedirectionHistory, 0, func(b *ber.Builder) {
		m := b.Begin(ber.Sequence)
		for i := range h {
			r := b.Begin(ber.Sequence)
			n := b.Begin(ber.Sequence)
			h[i].IntendedRecipient.encode(b, p1TagORName)
			p1AddTime(b, ber.UTCTimeTag, h[i].RedirectionTime, "redirection-time")
			b.End(n)
			b.AddInt(ber.Enumerated, int64(h[i].Reason))
			b.End(r)
		}
		b.End(m)
	})
}

func p1ExpansionsExtension(s StandardExtension, h []DLExpansion) (Extension, error) {
	if len(h) == 0 {
		return Extension{}, errors.New("x400: empty " + s.String())
	}
	return p1NewExtension(s, 0, func(b *ber.Builder) {
		m := b.Begin(ber.Sequence)
		for i := range h {
			d := b.Begin(ber.Sequence)
			h[i].DL.encode(b, p1TagORName)
			p1AddTime(b, ber.UTCTimeTag, h[i].Time, s.String())
			b.End(d)
		}
		b.End(m)
	})
}

// DLExpansionHistoryExtension returns extension 26.
func DLExpansionHistoryExtension(h []DLExpansion) (Extension, error) {
	return p1ExpansionsExtension(ExtDLExpansionHistory, h)
}

// OriginatorAndDLExpansionHistoryExtension returns extension 30.
func OriginatorAndDLExpansionHistoryExtension(h []DLExpansion) (Extension, error) {
	return p1ExpansionsExtension(ExtOriginatorAndDLExpansionHistory, h)
}

// PhysicalForwardingAddressExtension returns extension 27.
func PhysicalForwardingAddressExtension(n ORName) (Extension, error) {
	return p1NewExtension(ExtPhysicalForwardingAddress, 0, func(b *ber.Builder) { n.encode(b, p1TagORName) })
}

// ReportingDLNameExtension returns extension 31.
func ReportingDLNameExtension(n ORName) (Extension, error) {
	return p1NewExtension(ExtReportingDLName, 0, func(b *ber.Builder) { n.encode(b, p1TagORName) })
}

// InternalTraceInformationExtension returns extension 38.
func InternalTraceInformationExtension(t InternalTraceInformation) (Extension, error) {
	if len(t) == 0 {
		return Extension{}, errors.New("x400: empty internal-trace-information")
	}
	return p1NewExtension(ExtInternalTraceInformation, 0, func(b *ber.Builder) { t.encode(b, ber.Sequence) })
}

// ReportingMTANameExtension returns extension 39.
func ReportingMTANameExtension(n ReportingMTAName) (Extension, error) {
	return p1NewExtension(ExtReportingMTAName, 0, func(b *ber.Builder) { n.encode(b, ber.Sequence) })
}
