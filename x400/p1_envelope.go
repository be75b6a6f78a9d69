package x400

import (
	"errors"
	"math"
	"strconv"
	"time"

	"mixerd/ber"
)

// ContentType is the type of a message's content, X.411 §8.2.1.1.1
// (MTSAbstractService):
//
//	ContentType ::= CHOICE {
//	  built-in  BuiltInContentType,
//	  extended  ExtendedContentType }
//	BuiltInContentType ::= [APPLICATION 6] INTEGER {
//	  unidentified (0), external (1), interpersonal-messaging-1984 (2),
//	  interpersonal-messaging-1988 (22), edi-messaging (35),
//	  voice-messaging (40) } (0..ub-built-in-content-type)
//	ExtendedContentType ::= OBJECT IDENTIFIER
//
// Extended is the OID of an extended content type; when it is nil the
// type is the built-in one BuiltIn.
type ContentType struct {
	BuiltIn  int
	Extended ber.OID
}

// The built-in content types (BuiltInContentType).
const (
	BuiltInUnidentified = 0
	BuiltInExternal     = 1
	BuiltInIPM84        = 2  // interpersonal-messaging-1984 (P2)
	BuiltInIPM88        = 22 // interpersonal-messaging-1988 (P22)
	BuiltInEDI          = 35
	BuiltInVoice        = 40
)

// OIDs of extended content types.
var (
	// OIDContentTypeP772 is id-mct-p772 (1.3.26.0.4406.0.4.1), the
	// military message content type of STANAG 4406 Annex A / ACP 123
	// (MMSObjectIdentifiers; MM and MN are alternatives inside it).
	OIDContentTypeP772 = ber.MustOID("1.3.26.0.4406.0.4.1")
	// OIDContentTypeCDT is id-mmhs-CDT (1.3.26.0.4406.0.4.2), the
	// compressed data content type of STANAG 4406 Annex E (RFC 8494).
	OIDContentTypeCDT = ber.MustOID("1.3.26.0.4406.0.4.2")
)

// Common content types.
var (
	ContentTypeP2   = ContentType{BuiltIn: BuiltInIPM84}
	ContentTypeP22  = ContentType{BuiltIn: BuiltInIPM88}
	ContentTypeP772 = ContentType{Extended: OIDContentTypeP772}
)

// Is reports whether c and o are the same content type.
func (c ContentType) Is(o ContentType) bool {
	if c.Extended != nil || o.Extended != nil {
		return c.Extended.Equal(o.Extended) && c.Extended != nil && o.Extended != nil
	}
	return c.BuiltIn == o.BuiltIn
}

// String returns "P22"-style names for the interpersonal types (RFC 2156
// §5.3.6 mts-content-type uses "P2" and labelled integers), the number of
// other built-in types, and the dotted OID of extended ones.
func (c ContentType) String() string {
	if c.Extended != nil {
		return c.Extended.String()
	}
	switch c.BuiltIn {
	case BuiltInIPM84:
		return "P2"
	case BuiltInIPM88:
		return "P22"
	}
	return strconv.Itoa(c.BuiltIn)
}

// p1IsContentType reports whether tag t starts a ContentType.
func p1IsContentType(t ber.Tag) bool { return t == p1TagBuiltInCT || t == ber.ObjectID }

func (c *ContentType) decode(e *ber.Element) error {
	switch e.Tag {
	case p1TagBuiltInCT:
		v, err := p1Int(e, 0, math.MaxInt32)
		c.BuiltIn = v
		return err
	case ber.ObjectID:
		o, err := e.OID()
		c.Extended = o
		return err
	}
	return e.Errorf("%s is not a ContentType", e.Tag)
}

func (c *ContentType) encode(b *ber.Builder) {
	if c.Extended != nil {
		b.AddOID(ber.ObjectID, c.Extended)
		return
	}
	b.AddInt(p1TagBuiltInCT, int64(c.BuiltIn))
}

// BuiltInEITs is the built-in encoded information types bit list:
//
//	BuiltInEncodedInformationTypes ::= BIT STRING { unknown (0), telex (1),
//	  ia5-text (2), g3-facsimile (3), g4-class-1 (4), teletex (5),
//	  videotex (6), voice (7), sfd (8), mixed-mode (9) }
type BuiltInEITs uint32

// The built-in encoded information types.
const (
	EITUnknown BuiltInEITs = 1 << iota
	EITTelex
	EITIA5Text
	EITG3Facsimile
	EITG4Class1
	EITTeletex
	EITVideotex
	EITVoice
	EITSFD
	EITMixedMode
)

// EncodedInformationTypes lists the kinds of information in a content,
// X.411 §8.5.6:
//
//	EncodedInformationTypes ::= [APPLICATION 5] SET {
//	  built-in-encoded-information-types [0] BuiltInEncodedInformationTypes,
//	  -- non-basic-parameters -- COMPONENTS OF NonBasicParameters,
//	  extended-encoded-information-types [4] ExtendedEncodedInformationTypes OPTIONAL }
//	NonBasicParameters ::= SET {
//	  g3-facsimile [1] G3FacsimileNonBasicParameters DEFAULT {},
//	  teletex      [2] TeletexNonBasicParameters DEFAULT {} }
type EncodedInformationTypes struct {
	BuiltIn BuiltInEITs
	// G3Facsimile is the G3 facsimile non-basic parameters bit list (T.30
	// bits; empty when default).
	G3Facsimile ber.BitString
	// Teletex is the [2] TeletexNonBasicParameters element kept as its
	// encoding; nil when default.
	Teletex Raw
	// Extended are the extended encoded information types.
	Extended []ber.OID
}

func (x *EncodedInformationTypes) decode(e *ber.Element) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	var seen seenSet
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		switch c.Tag {
		case ber.Context(0):
			if err := seen.add(&c, 0, "built-in-encoded-information-types"); err != nil {
				return err
			}
			v, err := p1Bits(&c)
			if err != nil {
				return ber.Annotate(err, "built-in-encoded-information-types")
			}
			x.BuiltIn = BuiltInEITs(v)
		case ber.Context(1):
			if err := seen.add(&c, 1, "g3-facsimile"); err != nil {
				return err
			}
			s, err := c.BitString()
			if err != nil {
				return ber.Annotate(err, "g3-facsimile")
			}
			x.G3Facsimile = s
		case ber.Context(2):
			if err := seen.add(&c, 2, "teletex"); err != nil {
				return err
			}
			if !c.Constructed {
				return ber.Annotate(c.Errorf("%s: expected a constructed encoding", c.Tag), "teletex")
			}
			if len(c.Content) > 0 {
				x.Teletex = Raw(c.Raw)
			}
		case ber.Context(4):
			if err := seen.add(&c, 4, "extended-encoded-information-types"); err != nil {
				return err
			}
			cr, err := c.Children()
			if err != nil {
				return ber.Annotate(err, "extended-encoded-information-types")
			}
			if x.Extended == nil {
				x.Extended = p1Make[ber.OID](&cr)
			}
			for !cr.Empty() {
				o, err := cr.Expect(ber.ObjectID)
				if err != nil {
					return ber.Annotate(err, "extended-encoded-information-types")
				}
				oid, err := o.OID()
				if err != nil {
					return ber.Annotate(err, "extended-encoded-information-types")
				}
				x.Extended = append(x.Extended, oid)
			}
		default:
			return p1Unexpected(&c, "EncodedInformationTypes")
		}
	}
	if !seen.has(0) {
		return p1Missing(e, "built-in-encoded-information-types")
	}
	return nil
}

func (x *EncodedInformationTypes) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	p1AddBits(b, ber.Context(0), uint32(x.BuiltIn), 0)
	g3 := x.G3Facsimile
	for g3.Len > 0 && !g3.At(g3.Len-1) {
		g3.Len--
	}
	if g3.Len > 0 {
		b.AddNamedBits(ber.Context(1), g3)
	}
	if x.Teletex != nil {
		addKept(b, x.Teletex, "teletex non-basic parameters", ber.Tag{}, false)
	}
	if len(x.Extended) > 0 {
		s := b.Begin(ber.Context(4))
		for _, o := range x.Extended {
			b.AddOID(ber.ObjectID, o)
		}
		b.EndSetOf(s)
	}
	if x.Teletex != nil {
		b.EndSet(m) // a kept element: sort to be safe
	} else {
		p1EndSet(b, m)
	}
}

// PerMessageIndicators are the per-message flags of an envelope,
// X.411 §8.2.1.1.1:
//
//	PerMessageIndicators ::= [APPLICATION 8] BIT STRING {
//	  disclosure-of-other-recipients (0), implicit-conversion-prohibited (1),
//	  alternate-recipient-allowed (2), content-return-request (3),
//	  reserved (4), bit-5 (5), bit-6 (6), service-message (7) }
//
// Bits 5 and 6 carry the notification type (type-1: bit 6; type-2: bit
// 5; type-3: both).
type PerMessageIndicators uint32

// The per-message indicators.
const (
	PerMessageDisclosureOfOtherRecipients PerMessageIndicators = 1 << iota
	PerMessageImplicitConversionProhibited
	PerMessageAlternateRecipientAllowed
	PerMessageContentReturnRequest
	PerMessageReserved
	PerMessageBit5
	PerMessageBit6
	PerMessageServiceMessage
)

// PerRecipientIndicators are the per-recipient flags of a transfer
// envelope, X.411 §12.2.1.1.1 (MTAAbstractService):
//
//	PerRecipientIndicators ::= BIT STRING {
//	  responsibility (0), originating-MTA-report (1),
//	  originating-MTA-non-delivery-report (2), originator-report (3),
//	  originator-non-delivery-report (4), reserved-5 (5), reserved-6 (6),
//	  reserved-7 (7) } (SIZE (8..ub-bit-options))
//
// originating-MTA-report asks for a report, originating-MTA-non-delivery-
// report for a non-delivery report, both for an audited report; the
// originator bits likewise for the originator (neither: no report). The
// encoder writes at least the 8 bits the SIZE constraint requires.
type PerRecipientIndicators uint32

// The per-recipient indicators.
const (
	PerRecipientResponsibility PerRecipientIndicators = 1 << iota
	PerRecipientOriginatingMTAReport
	PerRecipientOriginatingMTANonDeliveryReport
	PerRecipientOriginatorReport
	PerRecipientOriginatorNonDeliveryReport
)

// ExplicitConversion is a conversion the originator asked for,
// X.411 §8.2.1.1.1:
//
//	ExplicitConversion ::= INTEGER { ia5-text-to-teletex (0),
//	  ia5-text-to-g3-facsimile (8), ia5-text-to-g4-class-1 (9),
//	  ia5-text-to-videotex (10), teletex-to-ia5-text (11),
//	  teletex-to-g3-facsimile (12), teletex-to-g4-class-1 (13),
//	  teletex-to-videotex (14), videotex-to-ia5-text (16),
//	  videotex-to-teletex (17) } (0..ub-integer-options)
type ExplicitConversion int

// MessageTransferEnvelope is the envelope of a message in transfer,
// X.411 §12.2.1.1.1 (MTAAbstractService):
//
//	MessageTransferEnvelope ::= SET {
//	  COMPONENTS OF PerMessageTransferFields,
//	  per-recipient-fields [2] SEQUENCE SIZE (1..ub-recipients) OF
//	                             PerRecipientMessageTransferFields }
//	PerMessageTransferFields ::= SET {
//	  message-identifier                  MessageIdentifier,
//	  originator-name                     MTAOriginatorName,
//	  original-encoded-information-types  OriginalEncodedInformationTypes OPTIONAL,
//	  content-type                        ContentType,
//	  content-identifier                  ContentIdentifier OPTIONAL,
//	  priority                            Priority DEFAULT normal,
//	  per-message-indicators              PerMessageIndicators DEFAULT {},
//	  deferred-delivery-time          [0] DeferredDeliveryTime OPTIONAL,
//	  per-domain-bilateral-information [1] SEQUENCE SIZE (1..ub-transfers) OF
//	                                     PerDomainBilateralInformation OPTIONAL,
//	  trace-information                   TraceInformation,
//	  extensions [3] SET OF ExtensionField {{MessageTransferExtensions}} DEFAULT {} }
//
// Optional components are absent when nil, "" or the zero time; priority
// and per-message-indicators when at their default. SIZE constraints are
// not enforced by the decoder: the P1 layer checks what it relies on.
type MessageTransferEnvelope struct {
	MessageIdentifier MTSIdentifier
	OriginatorName    ORName
	// OriginalEITs is original-encoded-information-types.
	OriginalEITs         *EncodedInformationTypes
	ContentType          ContentType
	ContentIdentifier    string // [APPLICATION 10] PrintableString
	Priority             Priority
	PerMessageIndicators PerMessageIndicators
	DeferredDeliveryTime time.Time
	// PerDomainBilateralInformation are the elements of
	// per-domain-bilateral-information, each kept as its encoding.
	PerDomainBilateralInformation []Raw
	TraceInformation              TraceInformation
	Extensions                    Extensions
	PerRecipientFields            []PerRecipientTransferFields
}

// PerRecipientTransferFields are the per-recipient fields of a message or
// probe in transfer, X.411 §12.2.1.1.1 and §12.2.1.2.1:
//
//	PerRecipientMessageTransferFields ::= SET {
//	  recipient-name                         MTARecipientName,
//	  originally-specified-recipient-number  [0] OriginallySpecifiedRecipientNumber,
//	  per-recipient-indicators               [1] PerRecipientIndicators,
//	  explicit-conversion                    [2] ExplicitConversion OPTIONAL,
//	  extensions [3] SET OF ExtensionField {{PerRecipientMessageTransferExtensions}} DEFAULT {} }
//
// PerRecipientProbeTransferFields has the same components.
type PerRecipientTransferFields struct {
	RecipientName                      ORName
	OriginallySpecifiedRecipientNumber int
	PerRecipientIndicators             PerRecipientIndicators
	// ExplicitConversion is nil when absent.
	ExplicitConversion *ExplicitConversion
	Extensions         Extensions
}

// ProbeTransferEnvelope is a probe in transfer (Probe ::=
// ProbeTransferEnvelope), X.411 §12.2.1.2.1:
//
//	ProbeTransferEnvelope ::= SET {
//	  COMPONENTS OF PerProbeTransferFields,
//	  per-recipient-fields [2] SEQUENCE SIZE (1..ub-recipients) OF
//	                             PerRecipientProbeTransferFields }
//	PerProbeTransferFields ::= SET {
//	  probe-identifier                    ProbeIdentifier,
//	  originator-name                     MTAOriginatorName,
//	  original-encoded-information-types  OriginalEncodedInformationTypes OPTIONAL,
//	  content-type                        ContentType,
//	  content-identifier                  ContentIdentifier OPTIONAL,
//	  content-length                  [0] ContentLength OPTIONAL,
//	  per-message-indicators              PerMessageIndicators DEFAULT {},
//	  per-domain-bilateral-information [1] SEQUENCE ... OPTIONAL,
//	  trace-information                   TraceInformation,
//	  extensions [3] SET OF ExtensionField {{ProbeTransferExtensions}} DEFAULT {} }
type ProbeTransferEnvelope struct {
	ProbeIdentifier   MTSIdentifier
	OriginatorName    ORName
	OriginalEITs      *EncodedInformationTypes
	ContentType       ContentType
	ContentIdentifier string
	// ContentLength is the length in octets of the content of the
	// messages probed, nil when absent.
	ContentLength                 *int64
	PerMessageIndicators          PerMessageIndicators
	PerDomainBilateralInformation []Raw
	TraceInformation              TraceInformation
	Extensions                    Extensions
	PerRecipientFields            []PerRecipientTransferFields
}

// Bits of the per-message SET components, for seenSet.
const (
	p1BitID = iota
	p1BitOriginator
	p1BitEIT
	p1BitContentType
	p1BitContentID
	p1BitPriority
	p1BitPMI
	p1BitDeferred
	p1BitBilateral
	p1BitTrace
	p1BitExtensions
	p1BitRecipients
	p1BitContentLength
)

// p1PerMessage holds the per-message fields shared by the message and probe
// envelopes while one of them is decoded or encoded.
type p1PerMessage struct {
	id           *MTSIdentifier
	originator   *ORName
	eits         **EncodedInformationTypes
	contentType  *ContentType
	contentID    *string
	priority     *Priority // nil for a probe
	pmi          *PerMessageIndicators
	deferred     *time.Time // nil for a probe
	length       **int64    // nil for a message
	bilateral    *[]Raw
	trace        *TraceInformation
	extensions   *Extensions
	recipients   *[]PerRecipientTransferFields
	idName, what string
	pool         *p1Pool // spare storage for decode; may be nil
}

func (env *MessageTransferEnvelope) fields() p1PerMessage {
	return p1PerMessage{
		id: &env.MessageIdentifier, originator: &env.OriginatorName, eits: &env.OriginalEITs,
		contentType: &env.ContentType, contentID: &env.ContentIdentifier, priority: &env.Priority,
		pmi: &env.PerMessageIndicators, deferred: &env.DeferredDeliveryTime,
		bilateral: &env.PerDomainBilateralInformation, trace: &env.TraceInformation,
		extensions: &env.Extensions, recipients: &env.PerRecipientFields,
		idName: "message-identifier", what: "MessageTransferEnvelope",
	}
}

func (p *ProbeTransferEnvelope) fields() p1PerMessage {
	return p1PerMessage{
		id: &p.ProbeIdentifier, originator: &p.OriginatorName, eits: &p.OriginalEITs,
		contentType: &p.ContentType, contentID: &p.ContentIdentifier, length: &p.ContentLength,
		pmi:       &p.PerMessageIndicators,
		bilateral: &p.PerDomainBilateralInformation, trace: &p.TraceInformation,
		extensions: &p.Extensions, recipients: &p.PerRecipientFields,
		idName: "probe-identifier", what: "ProbeTransferEnvelope",
	}
}

func (env *MessageTransferEnvelope) decode(e *ber.Element) error { return env.decodeIn(e, nil) }

// decodeIn is decode taking spare storage from pool (nil: allocate).
func (env *MessageTransferEnvelope) decodeIn(e *ber.Element, pool *p1Pool) error {
	f := env.fields()
	f.pool = pool
	return f.decode(e)
}

func (env *MessageTransferEnvelope) encode(b *ber.Builder, t ber.Tag) {
	f := env.fields()
	f.encode(b, t)
}

func (p *ProbeTransferEnvelope) decode(e *ber.Element) error { return p.decodeIn(e, nil) }

// decodeIn is decode taking spare storage from pool (nil: allocate).
func (p *ProbeTransferEnvelope) decodeIn(e *ber.Element, pool *p1Pool) error {
	f := p.fields()
	f.pool = pool
	return f.decode(e)
}

func (p *ProbeTransferEnvelope) encode(b *ber.Builder, t ber.Tag) {
	f := p.fields()
	f.encode(b, t)
}

func (f *p1PerMessage) decode(e *ber.Element) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	var seen seenSet
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		switch {
		case c.Tag == p1TagMTSID:
			if err := seen.add(&c, p1BitID, f.idName); err != nil {
				return err
			}
			if err := f.id.decode(&c); err != nil {
				return ber.Annotate(err, f.idName)
			}
		case c.Tag == p1TagORName:
			if err := seen.add(&c, p1BitOriginator, "originator-name"); err != nil {
				return err
			}
			if *f.originator, err = p1NameIn(&c, "originator-name", f.pool); err != nil {
				return err
			}
		case c.Tag == p1TagEIT:
			if err := seen.add(&c, p1BitEIT, "original-encoded-information-types"); err != nil {
				return err
			}
			x := f.pool.eit()
			if err := x.decode(&c); err != nil {
				return ber.Annotate(err, "original-encoded-information-types")
			}
			*f.eits = x
		case p1IsContentType(c.Tag):
			if err := seen.add(&c, p1BitContentType, "content-type"); err != nil {
				return err
			}
			if err := f.contentType.decode(&c); err != nil {
				return ber.Annotate(err, "content-type")
			}
		case c.Tag == p1TagContentID:
			if err := seen.add(&c, p1BitContentID, "content-identifier"); err != nil {
				return err
			}
			if *f.contentID, err = printableStr(&c); err != nil {
				return ber.Annotate(err, "content-identifier")
			}
		case c.Tag == p1TagPriority && f.priority != nil:
			if err := seen.add(&c, p1BitPriority, "priority"); err != nil {
				return err
			}
			v, err := p1Int(&c, 0, 2)
			if err != nil {
				return ber.Annotate(err, "priority")
			}
			*f.priority = Priority(v)
		case c.Tag == p1TagPMI:
			if err := seen.add(&c, p1BitPMI, "per-message-indicators"); err != nil {
				return err
			}
			v, err := p1Bits(&c)
			if err != nil {
				return ber.Annotate(err, "per-message-indicators")
			}
			*f.pmi = PerMessageIndicators(v)
		case c.Tag == ber.Context(0) && f.deferred != nil:
			if err := seen.add(&c, p1BitDeferred, "deferred-delivery-time"); err != nil {
				return err
			}
			if *f.deferred, err = p1Time(&c); err != nil {
				return ber.Annotate(err, "deferred-delivery-time")
			}
		case c.Tag == ber.Context(0) && f.length != nil:
			if err := seen.add(&c, p1BitContentLength, "content-length"); err != nil {
				return err
			}
			v, err := c.Int64()
			if err != nil {
				return ber.Annotate(err, "content-length")
			}
			if v < 0 {
				return ber.Annotate(c.Errorf("negative content-length %d", v), "content-length")
			}
			*f.length = f.pool.int64(v)
		case c.Tag == ber.Context(1):
			if err := seen.add(&c, p1BitBilateral, "per-domain-bilateral-information"); err != nil {
				return err
			}
			if *f.bilateral, err = p1RawList(&c); err != nil {
				return ber.Annotate(err, "per-domain-bilateral-information")
			}
		case c.Tag == p1TagTrace:
			if err := seen.add(&c, p1BitTrace, "trace-information"); err != nil {
				return err
			}
			if err := f.trace.decodeIn(&c, f.pool); err != nil {
				return ber.Annotate(err, "trace-information")
			}
		case c.Tag == ber.Context(3):
			if err := seen.add(&c, p1BitExtensions, "extensions"); err != nil {
				return err
			}
			if err := f.extensions.decode(&c); err != nil {
				return ber.Annotate(err, "extensions")
			}
		case c.Tag == ber.Context(2):
			if err := seen.add(&c, p1BitRecipients, "per-recipient-fields"); err != nil {
				return err
			}
			cr, err := c.Children()
			if err != nil {
				return ber.Annotate(err, "per-recipient-fields")
			}
			for i := 0; !cr.Empty(); i++ {
				s, err := cr.Expect(ber.Set)
				if err != nil {
					return ber.Annotate(err, "per-recipient-fields")
				}
				*f.recipients = p1Grow(*f.recipients, &cr)
				rf := &(*f.recipients)[len(*f.recipients)-1]
				if err := rf.decodeIn(&s, f.pool); err != nil {
					return ber.Annotate(err, "per-recipient-fields")
				}
			}
		default:
			return p1Unexpected(&c, f.what)
		}
	}
	for _, m := range [...]struct {
		bit  uint
		name string
	}{
		{p1BitID, f.idName}, {p1BitOriginator, "originator-name"}, {p1BitContentType, "content-type"},
		{p1BitTrace, "trace-information"}, {p1BitRecipients, "per-recipient-fields"},
	} {
		if !seen.has(m.bit) {
			return p1Missing(e, m.name)
		}
	}
	return nil
}

// encode writes the SET with its components in DER order (X.690 §10.3:
// universal, application, then context tags, by number), so that no
// sorting is needed.
func (f *p1PerMessage) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	if f.contentType.Extended != nil {
		f.contentType.encode(b) // OBJECT IDENTIFIER
	}
	f.originator.encode(b, p1TagORName)
	f.id.encode(b, p1TagMTSID)
	if *f.eits != nil {
		(*f.eits).encode(b, p1TagEIT)
	}
	if f.contentType.Extended == nil {
		f.contentType.encode(b) // [APPLICATION 6]
	}
	if f.priority != nil && *f.priority != PriorityNormal {
		b.AddInt(p1TagPriority, int64(*f.priority))
	}
	if *f.pmi != 0 {
		p1AddBits(b, p1TagPMI, uint32(*f.pmi), 0)
	}
	f.trace.encode(b, p1TagTrace)
	if *f.contentID != "" {
		p1AddString(b, p1TagContentID, *f.contentID, IsPrintableString, "content-identifier", "PrintableString")
	}
	if f.length != nil && *f.length != nil {
		b.AddInt(ber.Context(0), **f.length)
	}
	if f.deferred != nil && !f.deferred.IsZero() {
		p1AddTime(b, ber.Context(0), *f.deferred, "deferred-delivery-time")
	}
	if len(*f.bilateral) > 0 {
		s := b.Begin(ber.Context(1))
		for _, r := range *f.bilateral {
			addKept(b, r, "per-domain-bilateral-information", ber.Tag{}, false)
		}
		b.End(s)
	}
	s := b.Begin(ber.Context(2))
	for i := range *f.recipients {
		(*f.recipients)[i].encode(b, ber.Set)
	}
	b.End(s)
	f.extensions.encode(b, ber.Context(3))
	p1EndSet(b, m)
}

// p1RawList reads a SEQUENCE OF whose elements are kept as encodings.
func p1RawList(e *ber.Element) ([]Raw, error) {
	r, err := e.Children()
	if err != nil {
		return nil, err
	}
	out := p1Make[Raw](&r)
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return nil, err
		}
		out = append(out, Raw(c.Raw))
	}
	return out, nil
}

func (rf *PerRecipientTransferFields) decode(e *ber.Element) error { return rf.decodeIn(e, nil) }

// decodeIn is decode taking spare storage from pool (nil: allocate).
func (rf *PerRecipientTransferFields) decodeIn(e *ber.Element, pool *p1Pool) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	var seen seenSet
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		switch c.Tag {
		case p1TagORName:
			if err := seen.add(&c, 0, "recipient-name"); err != nil {
				return err
			}
			if rf.RecipientName, err = p1NameIn(&c, "recipient-name", pool); err != nil {
				return err
			}
		case ber.Context(0):
			if err := seen.add(&c, 1, "originally-specified-recipient-number"); err != nil {
				return err
			}
			if rf.OriginallySpecifiedRecipientNumber, err = p1Int(&c, 0, math.MaxInt32); err != nil {
				return ber.Annotate(err, "originally-specified-recipient-number")
			}
		case ber.Context(1):
			if err := seen.add(&c, 2, "per-recipient-indicators"); err != nil {
				return err
			}
			v, err := p1Bits(&c)
			if err != nil {
				return ber.Annotate(err, "per-recipient-indicators")
			}
			rf.PerRecipientIndicators = PerRecipientIndicators(v)
		case ber.Context(2):
			if err := seen.add(&c, 3, "explicit-conversion"); err != nil {
				return err
			}
			v, err := p1Int(&c, 0, math.MaxInt32)
			if err != nil {
				return ber.Annotate(err, "explicit-conversion")
			}
			x := ExplicitConversion(v)
			rf.ExplicitConversion = &x
		case ber.Context(3):
			if err := seen.add(&c, 4, "extensions"); err != nil {
				return err
			}
			if err := rf.Extensions.decode(&c); err != nil {
				return ber.Annotate(err, "extensions")
			}
		default:
			return p1Unexpected(&c, "PerRecipientTransferFields")
		}
	}
	switch {
	case !seen.has(0):
		return p1Missing(e, "recipient-name")
	case !seen.has(1):
		return p1Missing(e, "originally-specified-recipient-number")
	case !seen.has(2):
		return p1Missing(e, "per-recipient-indicators")
	}
	return nil
}

func (rf *PerRecipientTransferFields) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	rf.RecipientName.encode(b, p1TagORName)
	b.AddInt(ber.Context(0), int64(rf.OriginallySpecifiedRecipientNumber))
	p1AddBits(b, ber.Context(1), uint32(rf.PerRecipientIndicators), 8)
	if rf.ExplicitConversion != nil {
		b.AddInt(ber.Context(2), int64(*rf.ExplicitConversion))
	}
	rf.Extensions.encode(b, ber.Context(3))
	p1EndSet(b, m)
}

// CriticalUnsupported returns the per-message extensions of the envelope
// that are marked critical for transfer and that this package does not
// know (see Extension.Unsupported). An MTA must not relay such a message:
// it non-delivers it with reason unable-to-transfer and diagnostic
// unsupported-critical-function (X.411 §9). Per-recipient
// extensions are checked per recipient with
// PerRecipientTransferFields.CriticalUnsupported, since they fail only
// that recipient.
func (env *MessageTransferEnvelope) CriticalUnsupported() []Extension {
	return env.Extensions.CriticalUnsupported()
}

// CriticalUnsupported is MessageTransferEnvelope.CriticalUnsupported for a
// probe.
func (p *ProbeTransferEnvelope) CriticalUnsupported() []Extension {
	return p.Extensions.CriticalUnsupported()
}

// CriticalUnsupported returns the recipient's extensions that are critical
// for transfer and unknown to this package.
func (rf *PerRecipientTransferFields) CriticalUnsupported() []Extension {
	return rf.Extensions.CriticalUnsupported()
}

var errNoRecipients = errors.New("x400: envelope without recipients")

// Validate checks what the decoder leaves to the caller: at least one
// recipient, a trace, and recipient numbers that are unique and in range.
func (env *MessageTransferEnvelope) Validate() error {
	return p1Validate(len(env.TraceInformation), env.PerRecipientFields)
}

// Validate is MessageTransferEnvelope.Validate for a probe.
func (p *ProbeTransferEnvelope) Validate() error {
	return p1Validate(len(p.TraceInformation), p.PerRecipientFields)
}

func p1Validate(trace int, rs []PerRecipientTransferFields) error {
	if len(rs) == 0 {
		return errNoRecipients
	}
	if trace == 0 {
		return errors.New("x400: envelope without trace-information")
	}
	seen := make(map[int]bool, len(rs))
	for _, r := range rs {
		n := r.OriginallySpecifiedRecipientNumber
		if n < 1 || n > p1UbRecipients {
			return errors.New("x400: originally-specified-recipient-number " + strconv.Itoa(n) + " out of range")
		}
		if seen[n] {
			return errors.New("x400: originally-specified-recipient-number " + strconv.Itoa(n) + " used twice")
		}
		seen[n] = true
	}
	return nil
}

// p1UbRecipients is ub-recipients (MTSUpperBounds).
const p1UbRecipients = 32767
