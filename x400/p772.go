package x400

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"time"

	"mixerd/ber"
)

// The object identifiers of military messaging, module MMSObjectIdentifiers
// (STANAG 4406 Annex A, ACP 123 Annex A): id-mmhs is {iso(1)
// identified-organization(3) nato(26) stanags(0) mmhs(4406)
// object-identifiers(0)}, id-mm (heading extensions) is {id-mmhs 2} and
// id-mcont (content types) {id-mmhs 4}.
var (
	OIDMMHS = ber.MustOID("1.3.26.0.4406.0")
	// OIDMM is id-mm, the arc of the P772 heading extensions.
	OIDMM = ber.MustOID("1.3.26.0.4406.0.2")
	// OIDContentP772 is id-mct-p772 {id-mcont 1}, the MTS content type of
	// military messages and notifications (InformationObject ::= CHOICE
	// { mm [0] MM, mn [1] MN }). The module defines no other content type.
	OIDContentP772 = ber.MustOID("1.3.26.0.4406.0.4.1")

	OIDMMPrimaryPrecedence          = ber.MustOID("1.3.26.0.4406.0.2.0")
	OIDMMCopyPrecedence             = ber.MustOID("1.3.26.0.4406.0.2.1")
	OIDMMMessageType                = ber.MustOID("1.3.26.0.4406.0.2.2")
	OIDMMAddressListIndicator       = ber.MustOID("1.3.26.0.4406.0.2.3")
	OIDMMExemptedAddress            = ber.MustOID("1.3.26.0.4406.0.2.4")
	OIDMMExtendedAuthorisationInfo  = ber.MustOID("1.3.26.0.4406.0.2.5")
	OIDMMDistributionCodes          = ber.MustOID("1.3.26.0.4406.0.2.6")
	OIDMMHandlingInstructions       = ber.MustOID("1.3.26.0.4406.0.2.7")
	OIDMMMessageInstructions        = ber.MustOID("1.3.26.0.4406.0.2.8")
	OIDMMCodressMessage             = ber.MustOID("1.3.26.0.4406.0.2.9")
	OIDMMOriginatorReference        = ber.MustOID("1.3.26.0.4406.0.2.10")
	OIDMMOtherRecipientsIndicator   = ber.MustOID("1.3.26.0.4406.0.2.11")
	OIDMMPilotForwardingInfo        = ber.MustOID("1.3.26.0.4406.0.2.12")
	OIDMMACP127MessageIdentifier    = ber.MustOID("1.3.26.0.4406.0.2.13")
	OIDMMOriginatorPLAD             = ber.MustOID("1.3.26.0.4406.0.2.14")
	OIDMMACP127NotificationRequest  = ber.MustOID("1.3.26.0.4406.0.2.15")
	OIDMMACP127NotificationResponse = ber.MustOID("1.3.26.0.4406.0.2.16")
	OIDMMInformationLabels          = ber.MustOID("1.3.26.0.4406.0.2.17")
)

// The upper bounds of module MMSUpperBounds.
const (
	UBMilitaryString       = 69  // ub-military-string
	UBMilitaryNumberOfSICs = 8   // ub-military-number-of-sics
	LBMilitarySIC          = 3   // lb-military-sic
	UBMilitarySIC          = 8   // ub-military-sic
	UBMilitaryBigString    = 128 // ub-military-bigstring
)

// The arcs under id-mm of the heading extensions, in the order in which
// MilitaryHeading.Extensions writes them.
const (
	p772PrimaryPrecedence          = 0
	p772CopyPrecedence             = 1
	p772MessageType                = 2
	p772AddressListIndicator       = 3
	p772ExemptedAddress            = 4
	p772ExtendedAuthorisationInfo  = 5
	p772DistributionCodes          = 6
	p772HandlingInstructions       = 7
	p772MessageInstructions        = 8
	p772CodressMessage             = 9
	p772OriginatorReference        = 10
	p772OtherRecipientsIndicator   = 11
	p772PilotForwardingInfo        = 12
	p772ACP127MessageIdentifier    = 13
	p772OriginatorPLAD             = 14
	p772ACP127NotificationRequest  = 15
	p772ACP127NotificationResponse = 16
	p772InformationLabels          = 17
)

// p772Names are the ASN.1 names of the extensions (information object
// names of MMSHeadingExtensions and friends), indexed by arc.
var p772Names = [...]string{
	"primary-precedence", "copy-precedence", "message-type",
	"address-list-indicator", "exempted-address", "extended-authorisation-info",
	"distribution-codes", "handling-instructions", "message-instructions",
	"codress-message", "originator-reference", "other-recipients-indicator",
	"pilot-forwarding-info", "acp127-message-identifier", "originator-plad",
	"acp127-notification-request", "acp127-notification-response",
	"security-information-labels",
}

// p772Arc returns the arc under id-mm of the extension type o, or -1 if o
// is not 1.3.26.0.4406.0.2.n with n < 128.
func p772Arc(o ber.OID) int {
	if len(o) != len(OIDMM)+1 || !o.HasPrefix(OIDMM) {
		return -1
	}
	c := o[len(o)-1]
	if c&0x80 != 0 {
		return -1
	}
	return int(c)
}

// isP772HeadingExtension reports whether o is one of the heading
// extensions that MilitaryHeading holds.
func isP772HeadingExtension(o ber.OID) bool {
	a := p772Arc(o)
	return a >= 0 && a <= p772InformationLabels &&
		a != p772ACP127NotificationRequest && a != p772ACP127NotificationResponse
}

// MilitaryHeading holds the military heading extensions of an MM, the
// IPMS-EXTENSIONs of module MMSHeadingExtensions (STANAG 4406 Annex A,
// ACP 123 Annex A.1), each carried in Heading.Extensions with the object
// identifier named at its field. Absent extensions are nil pointers, nil
// slices, empty strings and zero times. A slice that is non-nil but empty
// is an extension present with an empty SEQUENCE OF, kept so that what
// was read is written back.
//
// The codecs check the character set of every string; the size bounds of
// MMSUpperBounds are checked by Validate, so that a relayed heading is not
// refused for a string one character too long.
type MilitaryHeading struct {
	// PrimaryPrecedence (id-mm 0): PrimaryPrecedence ::= MMHSPrecedence.
	PrimaryPrecedence *Precedence
	// CopyPrecedence (id-mm 1): CopyPrecedence ::= MMHSPrecedence.
	CopyPrecedence *Precedence
	// MessageType (id-mm 2).
	MessageType *MessageType
	// AddressListIndicator (id-mm 3): SEQUENCE OF AddressListDesignator.
	// Deprecated in ACP 123 (RFC 6477 §5) but still read and written.
	AddressListIndicator []AddressListDesignator
	// ExemptedAddresses (id-mm 4): SEQUENCE OF ExemptedAddress.
	ExemptedAddresses []ExemptedAddress
	// ExtendedAuthorisationInfo (id-mm 5): ExtendedAuthorisationInfo ::=
	// UTCTime, the date and time the message was authorised for release.
	// The module has no GeneralizedTime alternative; one is accepted on
	// input all the same, and a UTCTime is always written.
	ExtendedAuthorisationInfo time.Time
	// DistributionCodes (id-mm 6).
	DistributionCodes *DistributionCodes
	// HandlingInstructions (id-mm 7): HandlingInstructions ::= SEQUENCE
	// OF MilitaryString.
	HandlingInstructions []string
	// MessageInstructions (id-mm 8): MessageInstructions ::= SEQUENCE OF
	// MilitaryString (operating signals).
	MessageInstructions []string
	// CodressMessage (id-mm 9): CodressMessage ::= INTEGER.
	CodressMessage *int
	// OriginatorReference (id-mm 10): OriginatorReference ::=
	// MilitaryString.
	OriginatorReference string
	// OtherRecipients (id-mm 11): SEQUENCE OF OtherRecipientDesignator.
	OtherRecipients []OtherRecipient
	// PilotForwardingInfo (id-mm 12): SEQUENCE OF PilotInformation.
	PilotForwardingInfo []PilotInformation
	// ACP127MessageIdentifier (id-mm 13): Acp127MessageIdentifier ::=
	// MilitaryString (routing indicator, station serial number and filing
	// time separated by spaces).
	ACP127MessageIdentifier string
	// OriginatorPLAD (id-mm 14): OriginatorPlad ::= MilitaryString.
	OriginatorPLAD string
	// InformationLabels (id-mm 17) is the value of the deprecated
	// security-information-labels extension (SecurityInformationLabels
	// ::= SEQUENCE { content-security-label [0] SecurityLabel, ... }),
	// kept as its encoding.
	InformationLabels Raw
}

// MilitaryString ::= PrintableString (SIZE (1..ub-military-string)),
// MMSHeadingExtensions; a Go string here.

// TypeMessage is the type of a message, MMSHeadingExtensions:
//
//	TypeMessage ::= INTEGER { exercise (0), operation (1), project (2), drill (3) }
//	-- 0 to 127 are NATO defined; 128 to 255 national or bilateral.
type TypeMessage int

// The NATO message types.
const (
	MessageTypeExercise  TypeMessage = 0
	MessageTypeOperation TypeMessage = 1
	MessageTypeProject   TypeMessage = 2
	MessageTypeDrill     TypeMessage = 3
)

var typeMessageNames = [...]string{"exercise", "operation", "project", "drill"}

// String returns the RFC 6477 §3.10 name ("exercise") of a named message
// type, and the decimal value of any other.
func (t TypeMessage) String() string {
	if t >= 0 && int(t) < len(typeMessageNames) {
		return typeMessageNames[t]
	}
	return strconv.Itoa(int(t))
}

// MessageType is the message-type heading extension (id-mm 2),
// MMSHeadingExtensions:
//
//	MessageType ::= SET {
//	    type        [0] TypeMessage,
//	    identifier  [1] MessageIdentifier OPTIONAL }
//	MessageIdentifier ::= MilitaryString
type MessageType struct {
	Type TypeMessage
	// Identifier names the exercise or operation; "" when absent.
	Identifier string
}

// ExemptedAddress is one address the originator exempts from the
// distribution of the message (id-mm 4), MMSHeadingExtensions:
// ExemptedAddress ::= ORDescriptor.
type ExemptedAddress = ORDescriptor

// DistributionCodes is the distribution-codes heading extension (id-mm 6),
// MMSHeadingExtensions:
//
//	DistributionCodes ::= SET {
//	    sics             [0] SEQUENCE SIZE (1..ub-military-number-of-sics) OF Sic OPTIONAL,
//	    dist-Extensions  [1] SEQUENCE OF DistributionExtensionField OPTIONAL }
//	Sic ::= PrintableString (SIZE (lb-military-sic..ub-military-sic))
type DistributionCodes struct {
	// SICs are the subject indicator codes; nil when absent.
	SICs []string
	// Extensions are the distribution extensions; nil when absent.
	Extensions []DistributionExtensionField
}

// DistributionExtensionField is one distribution extension,
// MMSHeadingExtensions:
//
//	DistributionExtensionField ::= SEQUENCE {
//	    dist-type   OBJECT IDENTIFIER,
//	    dist-value  ANY DEFINED BY dist-type }
type DistributionExtensionField struct {
	Type ber.OID
	// Value is the encoding of dist-value.
	Value Raw
}

// OtherRecipientType says whether an other recipient is an action or an
// information addressee: INTEGER { primary (0), copy (1) }.
type OtherRecipientType int

// The other recipient types.
const (
	OtherRecipientPrimary OtherRecipientType = 0
	OtherRecipientCopy    OtherRecipientType = 1
)

// OtherRecipient is a recipient of the message that is not an X.400
// recipient of it (id-mm 11), MMSHeadingExtensions:
//
//	OtherRecipientDesignator ::= SET {
//	    type        [0] INTEGER { primary (0), copy (1) },
//	    designator  [1] MilitaryString }
type OtherRecipient struct {
	Type       OtherRecipientType
	Designator string
}

// AddressListType says whether an address list holds action or
// information addressees: INTEGER { primaryAddressList (0),
// copyAddressList (1) }.
type AddressListType int

// The address list types.
const (
	AddressListPrimary AddressListType = 0
	AddressListCopy    AddressListType = 1
)

// AddressListRequest is what the originator asks of the members of an
// address list, MMSHeadingExtensions: AddressListRequest ::= INTEGER
// { action (0), info (1), both (2) }.
type AddressListRequest int

// The address list requests.
const (
	AddressListRequestAction AddressListRequest = 0
	AddressListRequestInfo   AddressListRequest = 1
	AddressListRequestBoth   AddressListRequest = 2
)

// AddressListDesignator is one address list of the address-list-indicator
// heading extension (id-mm 3) and of the ACP 127 notification response,
// MMSHeadingExtensions:
//
//	AddressListDesignator ::= SET {
//	    type                 [0] INTEGER { primaryAddressList (0), copyAddressList (1) },
//	    listName             [1] ORDescriptor,
//	    notificationRequest  [2] AddressListRequest OPTIONAL,
//	    replyRequest         [3] AddressListRequest OPTIONAL }
type AddressListDesignator struct {
	Type                AddressListType
	ListName            ORDescriptor
	NotificationRequest *AddressListRequest
	ReplyRequest        *AddressListRequest
}

// PilotInformation is one entry of the pilot-forwarding-info heading
// extension (id-mm 12), MMSHeadingExtensions:
//
//	PilotInformation ::= SEQUENCE {
//	    pilotPrecedence  [0] MMHSPrecedence OPTIONAL,
//	    pilotRecipient   [1] SEQUENCE OF ORDescriptor OPTIONAL,
//	    pilotSecurity    [2] SecurityLabel OPTIONAL,
//	    pilotHandling    [3] SEQUENCE OF MilitaryString OPTIONAL }
type PilotInformation struct {
	Precedence *Precedence
	// Recipients is nil when absent.
	Recipients []ORDescriptor
	// Security is the whole [2] element (an X.411 §8.5.9 SecurityLabel,
	// implicitly tagged), kept as its encoding; nil when absent.
	Security Raw
	// Handling is nil when absent.
	Handling []string
}

// ParseMilitaryHeading reads the P772 heading extensions among exts (the
// heading extensions of an IPM); other extensions are ignored. It returns
// an empty MilitaryHeading when there is none. An extension present twice
// or whose value is malformed is an error that names the extension; its
// offset counts from the first octet of the extension's value.
//
// The extension values are read with one ber.Reader state (limits and
// element budget shared by all of them), and the heading, its precedences,
// message type, distribution codes and codress number share one
// allocation.
func ParseMilitaryHeading(exts []IPMSExtension) (*MilitaryHeading, error) {
	x := new(p772HeadingBlock)
	x.freeStrs, x.freeOther, x.freeExemp = x.strs[:], x.others[:], x.exempted[:]
	x.nameSlab.block = x.names[:]
	root := x.bu.Reader(nil, 0, nil)
	var seen uint32
	for i := range exts {
		if !isP772HeadingExtension(exts[i].Type) {
			continue
		}
		a := p772Arc(exts[i].Type)
		name := p772Names[a]
		if seen&(1<<a) != 0 {
			return nil, ber.Annotate(ber.Errorf(0, "extension present twice"), name)
		}
		seen |= 1 << a
		if err := x.decodeExtension(&root, a, exts[i].Value); err != nil {
			return nil, ber.Annotate(err, name)
		}
	}
	return &x.m, nil
}

// p772HeadingBlock groups a decoded MilitaryHeading with the single
// objects its pointers refer to, so that decoding allocates them at once.
type p772HeadingBlock struct {
	m       MilitaryHeading
	mt      MessageType
	dc      DistributionCodes
	primary Precedence
	copy    Precedence
	codress int
	// bu is the budget shared by the readers of every extension value.
	bu ber.Budget
	// The elements of the short lists of a typical heading (SICs,
	// handling and message instructions, other recipients, exempted
	// addresses) are taken from these arrays while they have room (see
	// p772Take); the free parts are below.
	strs     [8]string
	others   [4]OtherRecipient
	exempted [2]ExemptedAddress
	// names holds the O/R names of the first exempted addresses, handed
	// out by nameSlab.
	names     [2]ORName
	nameSlab  ipmSlab[ORName]
	freeStrs  []string
	freeOther []OtherRecipient
	freeExemp []ExemptedAddress
}

// p772Take returns an empty slice of capacity n taken from the front of
// *free when it has room (capacity capped, so that appending to it never
// overwrites its neighbours), or else a new one.
func p772Take[T any](free *[]T, n int) []T {
	if free != nil && n <= len(*free) {
		s := (*free)[:0:n]
		*free = (*free)[n:]
		return s
	}
	return make([]T, 0, n)
}

// p772Value reads the single element of an extension value, with a Reader
// derived from root (whose state is allocated on first use and shared).
func p772Value(root *ber.Reader, v []byte) (ber.Element, error) {
	if v == nil {
		return ber.Element{}, ber.Errorf(0, "extension without a value")
	}
	r := root.Sub(v, 0)
	e, err := r.Next()
	if err != nil {
		return e, err
	}
	if err := r.End("the extension value"); err != nil {
		return e, err
	}
	return e, nil
}

// p772Tag checks the tag of an element.
func p772Tag(e *ber.Element, t ber.Tag) error {
	if e.Tag != t {
		return e.Errorf("expected %s, found %s", t, e.Tag)
	}
	return nil
}

func (x *p772HeadingBlock) decodeExtension(root *ber.Reader, a int, v []byte) error {
	m := &x.m
	e, err := p772Value(root, v)
	if err != nil {
		return err
	}
	switch a {
	case p772PrimaryPrecedence, p772CopyPrecedence:
		if err := p772Tag(&e, ber.Integer); err != nil {
			return err
		}
		p, err := p772Precedence(&e)
		if err != nil {
			return err
		}
		if a == p772PrimaryPrecedence {
			x.primary = p
			m.PrimaryPrecedence = &x.primary
		} else {
			x.copy = p
			m.CopyPrecedence = &x.copy
		}
	case p772MessageType:
		if err := p772Tag(&e, ber.Set); err != nil {
			return err
		}
		m.MessageType = &x.mt
		return x.mt.decode(&e)
	case p772AddressListIndicator:
		if err := p772Tag(&e, ber.Sequence); err != nil {
			return err
		}
		m.AddressListIndicator, err = p772AddressListDesignators(&e)
		return err
	case p772ExemptedAddress:
		if err := p772Tag(&e, ber.Sequence); err != nil {
			return err
		}
		m.ExemptedAddresses, err = p772ORDescriptors(&e, &x.freeExemp, &x.nameSlab)
		return err
	case p772ExtendedAuthorisationInfo:
		m.ExtendedAuthorisationInfo, err = p772Time(&e)
		return err
	case p772DistributionCodes:
		if err := p772Tag(&e, ber.Set); err != nil {
			return err
		}
		m.DistributionCodes = &x.dc
		return x.dc.decodeIn(&e, &x.freeStrs)
	case p772HandlingInstructions, p772MessageInstructions:
		if err := p772Tag(&e, ber.Sequence); err != nil {
			return err
		}
		s, err := p772Strings(&e, &x.freeStrs)
		if err != nil {
			return err
		}
		if a == p772HandlingInstructions {
			m.HandlingInstructions = s
		} else {
			m.MessageInstructions = s
		}
	case p772CodressMessage:
		if err := p772Tag(&e, ber.Integer); err != nil {
			return err
		}
		n, err := e.Int()
		if err != nil {
			return err
		}
		x.codress = n
		m.CodressMessage = &x.codress
	case p772OriginatorReference, p772ACP127MessageIdentifier, p772OriginatorPLAD:
		if err := p772Tag(&e, ber.PrintableString); err != nil {
			return err
		}
		s, err := p772MilitaryString(&e)
		if err != nil {
			return err
		}
		switch a {
		case p772OriginatorReference:
			m.OriginatorReference = s
		case p772ACP127MessageIdentifier:
			m.ACP127MessageIdentifier = s
		default:
			m.OriginatorPLAD = s
		}
	case p772OtherRecipientsIndicator:
		if err := p772Tag(&e, ber.Sequence); err != nil {
			return err
		}
		m.OtherRecipients, err = p772OtherRecipients(&e, &x.freeOther)
		return err
	case p772PilotForwardingInfo:
		if err := p772Tag(&e, ber.Sequence); err != nil {
			return err
		}
		m.PilotForwardingInfo, err = p772Pilots(&e)
		return err
	case p772InformationLabels:
		if err := p772Tag(&e, ber.Sequence); err != nil {
			return err
		}
		if !e.Constructed {
			return e.Errorf("SEQUENCE: expected a constructed encoding")
		}
		m.InformationLabels = Raw(e.Raw)
	}
	return nil
}

// Extensions encodes the extensions present in m, one IPMSExtension each
// with its object identifier, in DER SET OF order (sorted by the encoding
// of each IPMSExtension, X.690 §11.6), the order in which a Heading writes
// them. The values share one buffer.
func (m *MilitaryHeading) Extensions() ([]IPMSExtension, error) {
	var enc p772Encoded
	b := ber.NewBuilder(m.sizeHint())
	if err := m.encodeValues(b, &enc); err != nil {
		return nil, err
	}
	if enc.n == 0 {
		return nil, nil
	}
	out := enc.appendTo(make([]IPMSExtension, 0, enc.n), b.Bytes())
	p772SortExtensions(out)
	return out, nil
}

// p772Encoded records where encodeValues wrote each extension value.
type p772Encoded struct {
	n    int
	arcs [p772InformationLabels + 1]int8
	ends [p772InformationLabels + 2]int
}

func (x *p772Encoded) add(b *ber.Builder, a int) {
	x.arcs[x.n] = int8(a)
	x.n++
	x.ends[x.n] = b.Len()
}

// appendTo appends the extensions recorded in x, whose values are in buf,
// to dst.
func (x *p772Encoded) appendTo(dst []IPMSExtension, buf []byte) []IPMSExtension {
	for i := 0; i < x.n; i++ {
		dst = append(dst, IPMSExtension{
			Type:  p772OIDs[x.arcs[i]],
			Value: Raw(buf[x.ends[i]:x.ends[i+1]:x.ends[i+1]]),
		})
	}
	return dst
}

// sizeHint estimates the size of the encoded values of m, so that one
// buffer holds them.
func (m *MilitaryHeading) sizeHint() int {
	n := 64 + len(m.OriginatorReference) + len(m.ACP127MessageIdentifier) +
		len(m.OriginatorPLAD) + len(m.InformationLabels)
	if m.MessageType != nil {
		n += 8 + len(m.MessageType.Identifier)
	}
	if d := m.DistributionCodes; d != nil {
		for _, s := range d.SICs {
			n += 2 + len(s)
		}
		for _, f := range d.Extensions {
			n += 6 + len(f.Type) + len(f.Value)
		}
	}
	for _, s := range m.HandlingInstructions {
		n += 2 + len(s)
	}
	for _, s := range m.MessageInstructions {
		n += 2 + len(s)
	}
	for _, o := range m.OtherRecipients {
		n += 10 + len(o.Designator)
	}
	n += 160 * (len(m.ExemptedAddresses) + len(m.AddressListIndicator))
	for _, p := range m.PilotForwardingInfo {
		n += 16 + 160*len(p.Recipients) + len(p.Security)
		for _, s := range p.Handling {
			n += 2 + len(s)
		}
	}
	return n
}

// p772SortExtensions puts xs in DER SET OF order: by the encoding of each
// IPMSExtension as IPMSExtension.encode writes it, stably (as
// ber.Builder.EndSetOf does), so that EndSetOf finds them sorted.
func p772SortExtensions(xs []IPMSExtension) {
	if !slices.IsSortedFunc(xs, p772CompareExtensions) {
		slices.SortStableFunc(xs, p772CompareExtensions)
	}
}

// p772CompareExtensions compares the DER encodings of x and y (SEQUENCE
// { type OBJECT IDENTIFIER, value ANY DEFAULT NULL }, a NULL value being
// omitted) without building them.
func p772CompareExtensions(x, y IPMSExtension) int {
	var hx, hy [16]byte
	ex := p772ExtensionParts(hx[:0], &x)
	ey := p772ExtensionParts(hy[:0], &y)
	// Compare the concatenations ex[0]+ex[1]+ex[2] and ey[0]+ey[1]+ey[2].
	i, j := 0, 0
	for {
		for i < len(ex) && len(ex[i]) == 0 {
			i++
		}
		for j < len(ey) && len(ey[j]) == 0 {
			j++
		}
		if i == len(ex) || j == len(ey) {
			switch {
			case i == len(ex) && j == len(ey):
				return 0
			case i == len(ex):
				return -1
			}
			return 1
		}
		k := min(len(ex[i]), len(ey[j]))
		if c := bytes.Compare(ex[i][:k], ey[j][:k]); c != 0 {
			return c
		}
		ex[i], ey[j] = ex[i][k:], ey[j][k:]
	}
}

// p772ExtensionParts returns the encoding of x as three parts: the
// identifier and length octets of the SEQUENCE and of the OBJECT
// IDENTIFIER (written into hdr), the OID's contents and the value.
func p772ExtensionParts(hdr []byte, x *IPMSExtension) [3][]byte {
	v := []byte(x.Value)
	if len(v) == 2 && v[0] == 0x05 && v[1] == 0 {
		v = nil
	}
	oidLen := p772LengthOctets(nil, len(x.Type))
	total := 1 + len(oidLen) + len(x.Type) + len(v)
	hdr = append(hdr, 0x30)
	hdr = p772LengthOctets(hdr, total)
	hdr = append(hdr, 0x06)
	hdr = p772LengthOctets(hdr, len(x.Type))
	return [3][]byte{hdr, x.Type, v}
}

// p772LengthOctets appends the DER length octets of n to b (up to 2^32).
func p772LengthOctets(b []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(b, byte(n))
	case n <= 0xff:
		return append(b, 0x81, byte(n))
	case n <= 0xffff:
		return append(b, 0x82, byte(n>>8), byte(n))
	case n <= 0xffffff:
		return append(b, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(b, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// encodeValues writes the value of every extension present in m, in arc
// order, recording them in enc, and returns the Builder's error.
func (m *MilitaryHeading) encodeValues(b *ber.Builder, enc *p772Encoded) error {
	add := func(a int) { enc.add(b, a) }
	if m.PrimaryPrecedence != nil {
		p772EncodePrecedence(b, ber.Integer, *m.PrimaryPrecedence)
		add(p772PrimaryPrecedence)
	}
	if m.CopyPrecedence != nil {
		p772EncodePrecedence(b, ber.Integer, *m.CopyPrecedence)
		add(p772CopyPrecedence)
	}
	if m.MessageType != nil {
		m.MessageType.encode(b, ber.Set)
		add(p772MessageType)
	}
	if m.AddressListIndicator != nil {
		p772EncodeAddressLists(b, ber.Sequence, m.AddressListIndicator)
		add(p772AddressListIndicator)
	}
	if m.ExemptedAddresses != nil {
		s := b.Begin(ber.Sequence)
		for i := range m.ExemptedAddresses {
			m.ExemptedAddresses[i].encode(b, ber.Set)
		}
		b.End(s)
		add(p772ExemptedAddress)
	}
	if !m.ExtendedAuthorisationInfo.IsZero() {
		p772AddTime(b, ber.UTCTimeTag, m.ExtendedAuthorisationInfo)
		add(p772ExtendedAuthorisationInfo)
	}
	if m.DistributionCodes != nil {
		m.DistributionCodes.encode(b, ber.Set)
		add(p772DistributionCodes)
	}
	if m.HandlingInstructions != nil {
		p772EncodeStrings(b, ber.Sequence, m.HandlingInstructions)
		add(p772HandlingInstructions)
	}
	if m.MessageInstructions != nil {
		p772EncodeStrings(b, ber.Sequence, m.MessageInstructions)
		add(p772MessageInstructions)
	}
	if m.CodressMessage != nil {
		p772AddInt32(b, ber.Integer, int64(*m.CodressMessage))
		add(p772CodressMessage)
	}
	if m.OriginatorReference != "" {
		p772AddMilitaryString(b, ber.PrintableString, m.OriginatorReference)
		add(p772OriginatorReference)
	}
	if m.OtherRecipients != nil {
		s := b.Begin(ber.Sequence)
		for i := range m.OtherRecipients {
			m.OtherRecipients[i].encode(b, ber.Set)
		}
		b.End(s)
		add(p772OtherRecipientsIndicator)
	}
	if m.PilotForwardingInfo != nil {
		s := b.Begin(ber.Sequence)
		for i := range m.PilotForwardingInfo {
			m.PilotForwardingInfo[i].encode(b, ber.Sequence)
		}
		b.End(s)
		add(p772PilotForwardingInfo)
	}
	if m.ACP127MessageIdentifier != "" {
		p772AddMilitaryString(b, ber.PrintableString, m.ACP127MessageIdentifier)
		add(p772ACP127MessageIdentifier)
	}
	if m.OriginatorPLAD != "" {
		p772AddMilitaryString(b, ber.PrintableString, m.OriginatorPLAD)
		add(p772OriginatorPLAD)
	}
	if m.InformationLabels != nil {
		addKept(b, m.InformationLabels, "p772: security-information-labels", ber.Sequence, false)
		add(p772InformationLabels)
	}
	return b.Err()
}

// p772OIDs are the extension types, indexed by arc.
var p772OIDs = [...]ber.OID{
	OIDMMPrimaryPrecedence, OIDMMCopyPrecedence, OIDMMMessageType,
	OIDMMAddressListIndicator, OIDMMExemptedAddress, OIDMMExtendedAuthorisationInfo,
	OIDMMDistributionCodes, OIDMMHandlingInstructions, OIDMMMessageInstructions,
	OIDMMCodressMessage, OIDMMOriginatorReference, OIDMMOtherRecipientsIndicator,
	OIDMMPilotForwardingInfo, OIDMMACP127MessageIdentifier, OIDMMOriginatorPLAD,
	OIDMMACP127NotificationRequest, OIDMMACP127NotificationResponse, OIDMMInformationLabels,
}

// Military returns the P772 military heading extensions of h, or nil
// (and no error) when h has none. See ParseMilitaryHeading.
func (h *Heading) Military() (*MilitaryHeading, error) {
	found := false
	for i := range h.Extensions {
		if isP772HeadingExtension(h.Extensions[i].Type) {
			found = true
			break
		}
	}
	if !found {
		return nil, nil
	}
	return ParseMilitaryHeading(h.Extensions)
}

// SetMilitary replaces the P772 heading extensions of h (those that
// MilitaryHeading holds) with the encoding of m, keeping every other
// extension; the whole list is left in DER SET OF order (see Extensions),
// the order in which the heading is written. h.Extensions is filtered in
// place, its capacity reused. A nil m removes the military extensions. On
// error h is unchanged.
func (h *Heading) SetMilitary(m *MilitaryHeading) error {
	var enc p772Encoded
	var buf []byte
	if m != nil {
		b := ber.NewBuilder(m.sizeHint())
		if err := m.encodeValues(b, &enc); err != nil {
			return err
		}
		buf = b.Bytes()
	}
	out := h.Extensions[:0]
	for i := range h.Extensions {
		if !isP772HeadingExtension(h.Extensions[i].Type) {
			out = append(out, h.Extensions[i])
		}
	}
	clear(h.Extensions[len(out):])
	if len(out)+enc.n == 0 {
		h.Extensions = nil
		return nil
	}
	out = enc.appendTo(out, buf)
	p772SortExtensions(out)
	h.Extensions = out
	return nil
}

// Validate checks m against the bounds of MMSUpperBounds and the value
// ranges of MMSHeadingExtensions, which the codecs leave to it: precedences
// 0 to 31, message types 0 to 255, MilitaryStrings of 1 to 69 characters,
// 1 to 8 SICs of 3 to 8 characters each. It returns the first problem
// found.
func (m *MilitaryHeading) Validate() error {
	prec := func(name string, p *Precedence) error {
		if p != nil && !p.Valid() {
			return errors.New("x400: p772: " + name + " " + strconv.Itoa(int(*p)) + " outside 0..31")
		}
		return nil
	}
	if err := prec("primary-precedence", m.PrimaryPrecedence); err != nil {
		return err
	}
	if err := prec("copy-precedence", m.CopyPrecedence); err != nil {
		return err
	}
	if t := m.MessageType; t != nil {
		if t.Type < 0 || t.Type > 255 {
			return errors.New("x400: p772: message-type " + strconv.Itoa(int(t.Type)) + " outside 0..255")
		}
		if t.Identifier != "" {
			if err := p772CheckString("message-type.identifier", t.Identifier, UBMilitaryString); err != nil {
				return err
			}
		}
	}
	if d := m.DistributionCodes; d != nil && d.SICs != nil {
		if len(d.SICs) < 1 || len(d.SICs) > UBMilitaryNumberOfSICs {
			return errors.New("x400: p772: distribution-codes: " + strconv.Itoa(len(d.SICs)) + " SICs, not 1 to 8")
		}
		for _, s := range d.SICs {
			if len(s) < LBMilitarySIC || len(s) > UBMilitarySIC {
				return errors.New("x400: p772: distribution-codes: SIC " + strconv.Quote(s) + " not 3 to 8 characters")
			}
		}
	}
	lists := []struct {
		name string
		s    []string
	}{{"handling-instructions", m.HandlingInstructions}, {"message-instructions", m.MessageInstructions}}
	for _, l := range lists {
		for _, s := range l.s {
			if err := p772CheckString(l.name, s, UBMilitaryString); err != nil {
				return err
			}
		}
	}
	for _, f := range []struct{ name, s string }{
		{"originator-reference", m.OriginatorReference},
		{"acp127-message-identifier", m.ACP127MessageIdentifier},
		{"originator-plad", m.OriginatorPLAD},
	} {
		if f.s != "" {
			if err := p772CheckString(f.name, f.s, UBMilitaryString); err != nil {
				return err
			}
		}
	}
	for _, o := range m.OtherRecipients {
		if err := p772CheckString("other-recipients-indicator", o.Designator, UBMilitaryString); err != nil {
			return err
		}
	}
	for _, p := range m.PilotForwardingInfo {
		if err := prec("pilot-forwarding-info.pilotPrecedence", p.Precedence); err != nil {
			return err
		}
		for _, s := range p.Handling {
			if err := p772CheckString("pilot-forwarding-info.pilotHandling", s, UBMilitaryString); err != nil {
				return err
			}
		}
	}
	return nil
}

func p772CheckString(name, s string, ub int) error {
	if len(s) < 1 || len(s) > ub {
		return errors.New("x400: p772: " + name + ": " + strconv.Quote(s) + " is not 1 to " + strconv.Itoa(ub) + " characters")
	}
	if !IsPrintableString(s) {
		return errors.New("x400: p772: " + name + ": character outside PrintableString in " + strconv.Quote(s))
	}
	return nil
}

// ---- component codecs ----

// p772Precedence reads an MMHSPrecedence: any non-negative INTEGER that
// fits in 31 bits.
func p772Precedence(e *ber.Element) (Precedence, error) {
	v, err := e.Int()
	if err != nil {
		return 0, err
	}
	if v < 0 {
		return 0, e.Errorf("negative precedence %d", v)
	}
	return Precedence(v), nil
}

func p772EncodePrecedence(b *ber.Builder, t ber.Tag, p Precedence) {
	if p < 0 {
		b.Fail(errors.New("x400: p772: negative precedence " + strconv.Itoa(int(p))))
		return
	}
	p772AddInt32(b, t, int64(p))
}

// p772AddInt32 writes an INTEGER that the decoders can read back (they
// take values of 32 bits, as ber.Element.Int does).
func p772AddInt32(b *ber.Builder, t ber.Tag, v int64) {
	if v < -1<<31 || v > 1<<31-1 {
		b.Fail(errors.New("x400: p772: INTEGER " + strconv.FormatInt(v, 10) + " outside 32 bits"))
		return
	}
	b.AddInt(t, v)
}

// p772MilitaryString reads a MilitaryString (a PrintableString of at least
// one character; the upper bound is left to Validate).
func p772MilitaryString(e *ber.Element) (string, error) {
	s, err := printableStr(e)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", e.Errorf("empty MilitaryString")
	}
	return s, nil
}

func p772AddMilitaryString(b *ber.Builder, t ber.Tag, s string) {
	if s == "" {
		b.Fail(errors.New("x400: p772: empty MilitaryString"))
		return
	}
	if !IsPrintableString(s) {
		b.Fail(errors.New("x400: p772: character outside PrintableString in " + strconv.Quote(s)))
		return
	}
	b.AddString(t, s)
}

// p772Strings reads a SEQUENCE OF MilitaryString. An empty sequence gives
// a non-nil empty slice. The list is taken from *free when it has room
// (free may be nil).
func p772Strings(e *ber.Element, free *[]string) ([]string, error) {
	r, err := e.Children()
	if err != nil {
		return nil, err
	}
	out := p772Take(free, listCap(&r))
	for !r.Empty() {
		c, err := r.Expect(ber.PrintableString)
		if err != nil {
			return nil, err
		}
		s, err := p772MilitaryString(&c)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func p772EncodeStrings(b *ber.Builder, t ber.Tag, ss []string) {
	m := b.Begin(t)
	for _, s := range ss {
		p772AddMilitaryString(b, ber.PrintableString, s)
	}
	b.End(m)
}

// p772Time reads a UTCTime (ExtendedAuthorisationInfo). A GeneralizedTime
// is accepted too. A time that cannot be written back as a UTCTime
// (outside 1950 to 2049 in UTC) is refused.
func p772Time(e *ber.Element) (time.Time, error) {
	switch e.Tag {
	case ber.UTCTimeTag:
		return p772UTCTime(e)
	case ber.GeneralizedTag:
		t, err := e.GeneralizedTime()
		if err != nil {
			return t, err
		}
		return p772TimeRange(e, t)
	}
	return time.Time{}, e.Errorf("expected UTCTime, found %s", e.Tag)
}

// p772UTCTime reads a UTCTime whatever the element's tag (an implicitly
// tagged ReceiptTimeField).
func p772UTCTime(e *ber.Element) (time.Time, error) {
	t, err := e.UTCTime()
	if err != nil {
		return t, err
	}
	return p772TimeRange(e, t)
}

func p772TimeRange(e *ber.Element, t time.Time) (time.Time, error) {
	if y := t.UTC().Year(); y < 1950 || y > 2049 {
		return time.Time{}, e.Errorf("time in %d, outside the years of a UTCTime", y)
	}
	return t, nil
}

func p772AddTime(b *ber.Builder, tag ber.Tag, t time.Time) {
	if y := t.UTC().Year(); y < 1950 || y > 2049 {
		b.Fail(errors.New("x400: p772: time outside the years of a UTCTime (1950-2049)"))
		return
	}
	b.AddUTCTime(tag, t)
}

func (x *MessageType) decode(e *ber.Element) error {
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
			if err := seen.add(&c, 0, "type"); err != nil {
				return err
			}
			v, err := c.Int()
			if err != nil {
				return ber.Annotate(err, "type")
			}
			if v < 0 {
				return ber.Annotate(c.Errorf("negative message type %d", v), "type")
			}
			x.Type = TypeMessage(v)
		case ber.Context(1):
			if err := seen.add(&c, 1, "identifier"); err != nil {
				return err
			}
			if x.Identifier, err = p772MilitaryString(&c); err != nil {
				return ber.Annotate(err, "identifier")
			}
		default:
			return c.Errorf("unexpected %s in MessageType", c.Tag)
		}
	}
	if !seen.has(0) {
		return e.Errorf("MessageType without type")
	}
	return nil
}

func (x *MessageType) encode(b *ber.Builder, t ber.Tag) {
	if x.Type < 0 {
		b.Fail(errors.New("x400: p772: negative message type " + strconv.Itoa(int(x.Type))))
		return
	}
	m := b.Begin(t)
	p772AddInt32(b, ber.Context(0), int64(x.Type))
	if x.Identifier != "" {
		p772AddMilitaryString(b, ber.Context(1), x.Identifier)
	}
	b.EndSet(m)
}

func (x *DistributionCodes) decode(e *ber.Element) error { return x.decodeIn(e, nil) }

// decodeIn is decode taking the SIC list from *free when it has room.
func (x *DistributionCodes) decodeIn(e *ber.Element, free *[]string) error {
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
			if err := seen.add(&c, 0, "sics"); err != nil {
				return err
			}
			if x.SICs, err = p772SICs(&c, free); err != nil {
				return ber.Annotate(err, "sics")
			}
		case ber.Context(1):
			if err := seen.add(&c, 1, "dist-Extensions"); err != nil {
				return err
			}
			if x.Extensions, err = p772DistExtensions(&c); err != nil {
				return ber.Annotate(err, "dist-Extensions")
			}
		default:
			return c.Errorf("unexpected %s in DistributionCodes", c.Tag)
		}
	}
	return nil
}

func p772SICs(e *ber.Element, free *[]string) ([]string, error) {
	r, err := e.Children()
	if err != nil {
		return nil, err
	}
	out := p772Take(free, listCap(&r))
	for !r.Empty() {
		c, err := r.Expect(ber.PrintableString)
		if err != nil {
			return nil, err
		}
		s, err := printableStr(&c)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func p772DistExtensions(e *ber.Element) ([]DistributionExtensionField, error) {
	r, err := e.Children()
	if err != nil {
		return nil, err
	}
	out := make([]DistributionExtensionField, 0, listCap(&r))
	for !r.Empty() {
		c, err := r.Expect(ber.Sequence)
		if err != nil {
			return nil, err
		}
		cr, err := c.Children()
		if err != nil {
			return nil, err
		}
		o, err := cr.Expect(ber.ObjectID)
		if err != nil {
			return nil, ber.Annotate(err, "dist-type")
		}
		var f DistributionExtensionField
		if f.Type, err = o.OID(); err != nil {
			return nil, ber.Annotate(err, "dist-type")
		}
		v, err := cr.Next()
		if err != nil {
			return nil, ber.Annotate(err, "dist-value")
		}
		f.Value = Raw(v.Raw)
		if err := cr.End("DistributionExtensionField"); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func (x *DistributionCodes) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	if x.SICs != nil {
		s := b.Begin(ber.Context(0))
		for _, sic := range x.SICs {
			if !IsPrintableString(sic) {
				b.Fail(errors.New("x400: p772: character outside PrintableString in SIC " + strconv.Quote(sic)))
				return
			}
			b.AddString(ber.PrintableString, sic)
		}
		b.End(s)
	}
	if x.Extensions != nil {
		s := b.Begin(ber.Context(1))
		for _, f := range x.Extensions {
			if len(f.Type) == 0 || len(f.Value) == 0 {
				b.Fail(errors.New("x400: p772: distribution extension without type or value"))
				return
			}
			fm := b.Begin(ber.Sequence)
			b.AddOID(ber.ObjectID, f.Type)
			addKept(b, f.Value, "p772: dist-Extensions value", ber.Tag{}, false)
			b.End(fm)
		}
		b.End(s)
	}
	b.EndSet(m)
}

func (x *OtherRecipient) decode(e *ber.Element) error {
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
			if err := seen.add(&c, 0, "type"); err != nil {
				return err
			}
			v, err := c.Int()
			if err != nil {
				return ber.Annotate(err, "type")
			}
			x.Type = OtherRecipientType(v)
		case ber.Context(1):
			if err := seen.add(&c, 1, "designator"); err != nil {
				return err
			}
			if x.Designator, err = p772MilitaryString(&c); err != nil {
				return ber.Annotate(err, "designator")
			}
		default:
			return c.Errorf("unexpected %s in OtherRecipientDesignator", c.Tag)
		}
	}
	if !seen.has(0) || !seen.has(1) {
		return e.Errorf("OtherRecipientDesignator without type or designator")
	}
	return nil
}

func (x *OtherRecipient) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	p772AddInt32(b, ber.Context(0), int64(x.Type))
	p772AddMilitaryString(b, ber.Context(1), x.Designator)
	b.EndSet(m)
}

func p772OtherRecipients(e *ber.Element, free *[]OtherRecipient) ([]OtherRecipient, error) {
	r, err := e.Children()
	if err != nil {
		return nil, err
	}
	out := p772Take(free, listCap(&r))
	for !r.Empty() {
		c, err := r.Expect(ber.Set)
		if err != nil {
			return nil, err
		}
		var o OtherRecipient
		if err := o.decode(&c); err != nil {
			return nil, ber.Annotate(err, "OtherRecipientDesignator")
		}
		out = append(out, o)
	}
	return out, nil
}

// p772ORDescriptors reads a SEQUENCE OF ORDescriptor, taking the list
// from *free when it has room (free may be nil).
func p772ORDescriptors(e *ber.Element, free *[]ORDescriptor, names *ipmSlab[ORName]) ([]ORDescriptor, error) {
	r, err := e.Children()
	if err != nil {
		return nil, err
	}
	out := p772Take(free, listCap(&r))
	for !r.Empty() {
		c, err := r.Expect(ber.Set)
		if err != nil {
			return nil, err
		}
		var d ORDescriptor
		if err := d.decodeIn(&c, names); err != nil {
			return nil, ber.Annotate(err, "ORDescriptor")
		}
		out = append(out, d)
	}
	return out, nil
}

// addressListNames are the components of AddressListDesignator, by tag.
var addressListNames = [...]string{"type", "listName", "notificationRequest", "replyRequest"}

func (x *AddressListDesignator) decode(e *ber.Element) error {
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
		if c.Tag.Class != ber.ClassContext || c.Tag.Number > 3 {
			return c.Errorf("unexpected %s in AddressListDesignator", c.Tag)
		}
		if err := seen.add(&c, uint(c.Tag.Number), addressListNames[c.Tag.Number]); err != nil {
			return err
		}
		switch c.Tag.Number {
		case 0:
			v, err := c.Int()
			if err != nil {
				return ber.Annotate(err, "type")
			}
			x.Type = AddressListType(v)
		case 1:
			if err := x.ListName.decode(&c); err != nil {
				return ber.Annotate(err, "listName")
			}
		case 2, 3:
			v, err := c.Int()
			name := "notificationRequest"
			if c.Tag.Number == 3 {
				name = "replyRequest"
			}
			if err != nil {
				return ber.Annotate(err, name)
			}
			q := AddressListRequest(v)
			if c.Tag.Number == 2 {
				x.NotificationRequest = &q
			} else {
				x.ReplyRequest = &q
			}
		}
	}
	if !seen.has(0) || !seen.has(1) {
		return e.Errorf("AddressListDesignator without type or listName")
	}
	return nil
}

func (x *AddressListDesignator) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	p772AddInt32(b, ber.Context(0), int64(x.Type))
	x.ListName.encode(b, ber.Context(1))
	if x.NotificationRequest != nil {
		p772AddInt32(b, ber.Context(2), int64(*x.NotificationRequest))
	}
	if x.ReplyRequest != nil {
		p772AddInt32(b, ber.Context(3), int64(*x.ReplyRequest))
	}
	b.EndSet(m)
}

func p772AddressListDesignators(e *ber.Element) ([]AddressListDesignator, error) {
	r, err := e.Children()
	if err != nil {
		return nil, err
	}
	out := make([]AddressListDesignator, 0, listCap(&r))
	for !r.Empty() {
		c, err := r.Expect(ber.Set)
		if err != nil {
			return nil, err
		}
		var d AddressListDesignator
		if err := d.decode(&c); err != nil {
			return nil, ber.Annotate(err, "AddressListDesignator")
		}
		out = append(out, d)
	}
	return out, nil
}

func p772EncodeAddressLists(b *ber.Builder, t ber.Tag, l []AddressListDesignator) {
	m := b.Begin(t)
	for i := range l {
		l[i].encode(b, ber.Set)
	}
	b.End(m)
}

func (x *PilotInformation) decode(e *ber.Element) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	if c, ok, err := r.Optional(ber.Context(0)); err != nil {
		return err
	} else if ok {
		p, err := p772Precedence(&c)
		if err != nil {
			return ber.Annotate(err, "pilotPrecedence")
		}
		x.Precedence = &p
	}
	if c, ok, err := r.Optional(ber.Context(1)); err != nil {
		return err
	} else if ok {
		if x.Recipients, err = p772ORDescriptors(&c, nil, nil); err != nil {
			return ber.Annotate(err, "pilotRecipient")
		}
	}
	if c, ok, err := r.Optional(ber.Context(2)); err != nil {
		return err
	} else if ok {
		if !c.Constructed {
			return ber.Annotate(c.Errorf("[2]: expected a constructed encoding"), "pilotSecurity")
		}
		x.Security = Raw(c.Raw)
	}
	if c, ok, err := r.Optional(ber.Context(3)); err != nil {
		return err
	} else if ok {
		if x.Handling, err = p772Strings(&c, nil); err != nil {
			return ber.Annotate(err, "pilotHandling")
		}
	}
	return r.End("PilotInformation")
}

func (x *PilotInformation) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	if x.Precedence != nil {
		p772EncodePrecedence(b, ber.Context(0), *x.Precedence)
	}
	if x.Recipients != nil {
		s := b.Begin(ber.Context(1))
		for i := range x.Recipients {
			x.Recipients[i].encode(b, ber.Set)
		}
		b.End(s)
	}
	if x.Security != nil {
		addKept(b, x.Security, "p772: pilotSecurity", ber.Context(2), false)
	}
	if x.Handling != nil {
		p772EncodeStrings(b, ber.Context(3), x.Handling)
	}
	b.End(m)
}

func p772Pilots(e *ber.Element) ([]PilotInformation, error) {
	r, err := e.Children()
	if err != nil {
		return nil, err
	}
	out := make([]PilotInformation, 0, listCap(&r))
	for !r.Empty() {
		c, err := r.Expect(ber.Sequence)
		if err != nil {
			return nil, err
		}
		var p PilotInformation
		if err := p.decode(&c); err != nil {
			return nil, ber.Annotate(err, "PilotInformation")
		}
		out = append(out, p)
	}
	return out, nil
}
