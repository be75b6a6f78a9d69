package x400

import (
	"bytes"
	"encoding/asn1"
	"testing"
	"time"
)

// The reference for the typical-message benchmarks of bench_test.go: the
// same message decoded and encoded with encoding/asn1, through Go structs
// that mirror the DER structure as faithfully as encoding/asn1 can, used as
// a real user of encoding/asn1 would use them. What encoding/asn1 cannot
// express (an untagged CHOICE inside a SET, an open type, a TeletexString
// or GeneralString, EXTERNAL, the value of an O/R address extension
// attribute, the P772 extension values) is read as asn1.RawValue and
// decoded with a second Unmarshal, or written by marshalling the chosen
// alternative into a RawValue. The mirror decodes to the depth our
// decoder does: every O/R address attribute string, the recipients, the
// trace, the subject and free-form names (T.61 to UTF-8), the body texts
// and every P772 field; the values of the envelope's extensions stay raw,
// as Extension.Value does.
//
// Where encoding/asn1 departs from DER, and how the mirror copes:
//   - it writes SET components in field order and does not sort them
//     (X.690 §10.3): the fields of each *Set struct are declared in
//     canonical tag order (universal, application, context, each by
//     number), so that its output is DER for these values; it reads SET
//     components in that fixed order only, so it would refuse a BER peer
//     that orders them differently;
//   - a struct is a SEQUENCE unless its field (or Unmarshal call) has the
//     "set" parameter (the "SET" name suffix works for slice types only),
//     and the elements of a slice get no parameters: a SEQUENCE OF SET
//     (recipients, per-recipient fields, exempted addresses, other
//     recipients) cannot be a []struct, so it is a []asn1.RawValue whose
//     elements are unmarshalled and marshalled one by one with "set";
//   - it sorts SET OF (the slices tagged "set") as DER wants;
//   - it reads a TeletexString or GeneralString into a string as if it
//     were Latin-1, which garbles T.61 diacritics and ISO 2022 escapes:
//     the subject and the general text are read as RawValues, the
//     free-form names as []byte, and T.61 is converted with T61ToUTF8;
//   - a CHOICE of NumericString and PrintableString (country, ADMD, PRMD)
//     is read into a string whichever alternative came, and written as a
//     PrintableString whenever the value is printable (digits are): the
//     NumericString alternative is lost on re-encoding;
//   - a string with non-printable characters is written as a UTF8String,
//     never as the TeletexString or GeneralString X.400 uses: those are
//     written from bytes through RawValue (and []byte for the implicitly
//     tagged free-form-name);
//   - a BIT STRING is written as given (asn1.BitString), so the mirror
//     sets the DER length of named bit lists itself;
//   - DEFAULT values other than integers (DEFAULT {} for a BIT STRING,
//     DEFAULT FALSE) are omitted only through "optional" with the Go zero
//     value, which coincides with DER's rule here;
//   - EXTERNAL ([UNIVERSAL 8]) has no Go mapping: it is a RawValue whose
//     components are unmarshalled one by one; data-value-descriptor
//     (ObjectDescriptor) is not supported.
//
// Decoded strings are copies (encoding/asn1 copies every string and
// []byte), RawValues alias the input.

// ---- MTS (X.411) ----

// a1Message is Message ::= SEQUENCE { envelope, content }, read and
// written with the parameters "tag:0" (message [0] of MTS-APDU).
type a1Message struct {
	Envelope a1EnvelopeSet `asn1:"set"`
	Content  []byte
}

// a1EnvelopeSet is MessageTransferEnvelope, its components in DER order.
// ContentType ::= CHOICE { built-in [APPLICATION 6] INTEGER, extended
// OBJECT IDENTIFIER } is two optional fields, each in its place.
// PerRecipient holds the SETs of per-recipient-fields, which
// encoding/asn1 cannot read as a SEQUENCE OF struct (it maps a struct to
// a SEQUENCE only): each is unmarshalled on its own with "set".
type a1EnvelopeSet struct {
	ContentTypeExtended  asn1.ObjectIdentifier `asn1:"optional"`
	Originator           a1ORName              `asn1:"application,tag:0"`
	MessageIdentifier    a1MTSIdentifier       `asn1:"application,tag:4"`
	OriginalEITs         a1EITsSet             `asn1:"optional,application,tag:5,set"`
	ContentTypeBuiltIn   int                   `asn1:"optional,application,tag:6"`
	Priority             asn1.Enumerated       `asn1:"optional,application,tag:7"`
	PerMessageIndicators asn1.BitString        `asn1:"optional,application,tag:8"`
	Trace                []a1TraceElement      `asn1:"application,tag:9"`
	ContentIdentifier    string                `asn1:"optional,application,tag:10,printable"`
	DeferredDeliveryTime time.Time             `asn1:"optional,tag:0,utc"`
	PerDomainBilateral   []asn1.RawValue       `asn1:"optional,tag:1"`
	PerRecipient         []asn1.RawValue       `asn1:"tag:2"` // of a1PerRecipientSet
	Extensions           []a1Extension         `asn1:"optional,tag:3,set"`
}

// a1ORName is ORName ::= [APPLICATION 0] SEQUENCE { COMPONENTS OF
// ORAddress, directory-name [0] Name OPTIONAL }.
type a1ORName struct {
	BuiltIn             a1BuiltInStandardAttributes
	DomainDefined       []a1DomainDefinedAttribute `asn1:"optional"`
	ExtensionAttributes []a1ExtensionAttribute     `asn1:"optional,set"`
	DirectoryName       asn1.RawValue              `asn1:"optional,explicit,tag:0"`
}

// a1BuiltInStandardAttributes: the tagged CHOICEs (country, ADMD, PRMD)
// are explicit, as X.680 §31.2.7 makes them.
type a1BuiltInStandardAttributes struct {
	Country               string            `asn1:"optional,explicit,application,tag:1"`
	ADMD                  string            `asn1:"optional,explicit,application,tag:2"`
	NetworkAddress        string            `asn1:"optional,tag:0,numeric"`
	TerminalIdentifier    string            `asn1:"optional,tag:1,printable"`
	PRMD                  string            `asn1:"optional,explicit,tag:2"`
	Organization          string            `asn1:"optional,tag:3,printable"`
	NumericUserIdentifier string            `asn1:"optional,tag:4,numeric"`
	PersonalName          a1PersonalNameSet `asn1:"optional,tag:5,set"`
	OrganizationalUnits   []string          `asn1:"optional,tag:6"`
}

type a1PersonalNameSet struct {
	Surname             string `asn1:"tag:0,printable"`
	GivenName           string `asn1:"optional,tag:1,printable"`
	Initials            string `asn1:"optional,tag:2,printable"`
	GenerationQualifier string `asn1:"optional,tag:3,printable"`
}

type a1DomainDefinedAttribute struct {
	Type  string `asn1:"printable"`
	Value string `asn1:"printable"`
}

// a1ExtensionAttribute is ExtensionAttribute ::= SEQUENCE { type [0]
// INTEGER, value [1] EXTENSION-ATTRIBUTE.&Type } (the open type is
// explicit). The mirror decodes common-name (1), the only one the
// typical message has.
type a1ExtensionAttribute struct {
	Type  int           `asn1:"tag:0"`
	Value asn1.RawValue `asn1:"explicit,tag:1"`
}

const a1CommonNameAttribute = 1

type a1GDI struct {
	Country string `asn1:"explicit,application,tag:1"`
	ADMD    string `asn1:"explicit,application,tag:2"`
	PRMD    string `asn1:"optional"` // CHOICE { NumericString, PrintableString }
}

type a1MTSIdentifier struct {
	GDI             a1GDI  `asn1:"application,tag:3"`
	LocalIdentifier string `asn1:"ia5"`
}

// a1EITsSet is EncodedInformationTypes (without the APPLICATION 5 tag).
type a1EITsSet struct {
	BuiltIn     asn1.BitString          `asn1:"tag:0"`
	G3Facsimile asn1.BitString          `asn1:"optional,tag:1"`
	Teletex     asn1.RawValue           `asn1:"optional,tag:2"`
	Extended    []asn1.ObjectIdentifier `asn1:"optional,tag:4,set"`
}

type a1TraceElement struct {
	GDI  a1GDI                          `asn1:"application,tag:3"`
	Info a1DomainSuppliedInformationSet `asn1:"set"`
}

type a1DomainSuppliedInformationSet struct {
	AttemptedDomain a1GDI           `asn1:"optional,application,tag:3"`
	ConvertedEITs   a1EITsSet       `asn1:"optional,application,tag:5,set"`
	ArrivalTime     time.Time       `asn1:"tag:0,utc"`
	DeferredTime    time.Time       `asn1:"optional,tag:1,utc"`
	RoutingAction   asn1.Enumerated `asn1:"tag:2"`
	OtherActions    asn1.BitString  `asn1:"optional,tag:3"`
}

type a1PerRecipientSet struct {
	RecipientName                      a1ORName       `asn1:"application,tag:0"`
	OriginallySpecifiedRecipientNumber int            `asn1:"tag:0"`
	PerRecipientIndicators             asn1.BitString `asn1:"tag:1"`
	ExplicitConversion                 int            `asn1:"optional,tag:2"`
	Extensions                         []a1Extension  `asn1:"optional,tag:3,set"`
}

// a1Extension is ExtensionField; ExtensionType ::= CHOICE {
// standard-extension [0] INTEGER, private-extension [3] OBJECT IDENTIFIER }
// is two optional fields. The value stays raw (its [2] wrapper included).
type a1Extension struct {
	Standard    int                   `asn1:"optional,tag:0"`
	Private     asn1.ObjectIdentifier `asn1:"optional,tag:3"`
	Criticality asn1.BitString        `asn1:"optional,tag:1"`
	Value       asn1.RawValue         `asn1:"optional,explicit,tag:2"`
}

// ---- IPM (X.420) ----

// a1IPM is IPM ::= SEQUENCE { heading, body }, read and written with
// "tag:0" (ipm [0] of InformationObject). A body part is a CHOICE.
type a1IPM struct {
	Heading a1HeadingSet `asn1:"set"`
	Body    []asn1.RawValue
}

// a1HeadingSet is Heading. The SEQUENCE OF SET fields are RawValues, one
// a1RecipientSpecifierSet or a1ORDescriptorSet each.
type a1HeadingSet struct {
	ThisIPM             a1IPMIdentifierSet `asn1:"application,tag:11,set"`
	Originator          a1ORDescriptorSet  `asn1:"optional,tag:0,set"`
	AuthorizingUsers    []asn1.RawValue    `asn1:"optional,tag:1"`
	PrimaryRecipients   []asn1.RawValue    `asn1:"optional,tag:2"`
	CopyRecipients      []asn1.RawValue    `asn1:"optional,tag:3"`
	BlindCopyRecipients []asn1.RawValue    `asn1:"optional,tag:4"`
	RepliedToIPM        a1IPMIdentifierSet `asn1:"optional,tag:5,set"`
	ObsoletedIPMs       []asn1.RawValue    `asn1:"optional,tag:6"` // of [APPLICATION 11]
	RelatedIPMs         []asn1.RawValue    `asn1:"optional,tag:7"`
	Subject             asn1.RawValue      `asn1:"optional,explicit,tag:8"` // TeletexString
	ExpiryTime          time.Time          `asn1:"optional,tag:9,utc"`
	ReplyTime           time.Time          `asn1:"optional,tag:10,utc"`
	ReplyRecipients     []asn1.RawValue    `asn1:"optional,tag:11"`
	Importance          asn1.Enumerated    `asn1:"optional,default:1,tag:12"`
	Sensitivity         asn1.Enumerated    `asn1:"optional,tag:13"`
	AutoForwarded       bool               `asn1:"optional,tag:14"`
	Extensions          []a1IPMSExtension  `asn1:"optional,tag:15,set"`
}

type a1IPMIdentifierSet struct {
	LocalID string   `asn1:"printable"`
	User    a1ORName `asn1:"optional,application,tag:0"`
}

// a1ORDescriptorSet: FreeFormName is the TeletexString's octets (T.61).
type a1ORDescriptorSet struct {
	FormalName      a1ORName `asn1:"optional,application,tag:0"`
	FreeFormName    []byte   `asn1:"optional,tag:0"`
	TelephoneNumber string   `asn1:"optional,tag:1,printable"`
}

type a1RecipientSpecifierSet struct {
	Recipient            a1ORDescriptorSet `asn1:"tag:0,set"`
	NotificationRequests asn1.BitString    `asn1:"optional,tag:1"`
	ReplyRequested       bool              `asn1:"optional,tag:2"`
	Extensions           []a1IPMSExtension `asn1:"optional,tag:3,set"`
}

type a1IPMSExtension struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"optional"`
}

// a1IA5TextBodyPart is ia5-text [0] IA5TextBodyPart.
type a1IA5TextBodyPart struct {
	Parameters a1IA5TextParametersSet `asn1:"set"`
	Data       string                 `asn1:"ia5"`
}

type a1IA5TextParametersSet struct {
	Repertoire asn1.Enumerated `asn1:"optional,default:5,tag:0"`
}

// a1ExtendedBodyPart is extended [15] ExtendedBodyPart; Data is the
// EXTERNAL.
type a1ExtendedBodyPart struct {
	Parameters a1External `asn1:"optional,tag:0"`
	Data       asn1.RawValue
}

// a1External is EXTERNAL without data-value-descriptor; Encoding is the
// CHOICE { single-ASN1-type [0], octet-aligned [1], arbitrary [2] }.
type a1External struct {
	DirectReference   asn1.ObjectIdentifier `asn1:"optional"`
	IndirectReference int                   `asn1:"optional"`
	Encoding          asn1.RawValue
}

// a1BodyPart is a body part with its value decoded: IA5 text, general
// text, or (other kinds) kept raw.
type a1BodyPart struct {
	Tag         int // the CHOICE alternative
	IA5Text     a1IA5TextBodyPart
	GeneralText a1GeneralText
	Raw         asn1.RawValue
}

// a1GeneralText: Data is the GeneralString's octets (ISO 2022), read as
// a RawValue: encoding/asn1 would read a GeneralString into a string as
// if it were Latin-1, mangling the escape sequences and other sets.
type a1GeneralText struct {
	CharacterSets []int
	Data          []byte
}

var (
	a1OIDEpGeneralText = asn1.ObjectIdentifier{2, 6, 1, 11, 11}
	a1OIDEtGeneralText = asn1.ObjectIdentifier{2, 6, 1, 4, 11}
	a1OIDP772Content   = asn1.ObjectIdentifier{1, 3, 26, 0, 4406, 0, 4, 1}
	a1OIDMM            = asn1.ObjectIdentifier{1, 3, 26, 0, 4406, 0, 2} // id-mm
	// a1OIDsMM are the OIDs of the P772 heading extensions, id-mm 0 to 17.
	a1OIDsMM = func() (o [18]asn1.ObjectIdentifier) {
		for i := range o {
			o[i] = append(append(asn1.ObjectIdentifier{}, a1OIDMM...), i)
		}
		return o
	}()
)

// ---- P772 (STANAG 4406 Annex A) ----

type a1MessageTypeSet struct {
	Type       int    `asn1:"tag:0"`
	Identifier string `asn1:"optional,tag:1,printable"`
}

type a1DistributionCodesSet struct {
	SICs       []string        `asn1:"optional,tag:0"`
	Extensions []asn1.RawValue `asn1:"optional,tag:1"`
}

type a1OtherRecipientSet struct {
	Type       int    `asn1:"tag:0"`
	Designator string `asn1:"tag:1,printable"`
}

// a1Military holds the P772 heading extensions, decoded.
type a1Military struct {
	HasPrimary, HasCopy, HasMessageType, HasDistributionCodes, HasCodress bool

	PrimaryPrecedence, CopyPrecedence int
	MessageType                       a1MessageTypeSet
	ExemptedAddresses                 []a1Descriptor
	ExtendedAuthorisationInfo         time.Time
	DistributionCodes                 a1DistributionCodesSet
	HandlingInstructions              []string
	MessageInstructions               []string
	CodressMessage                    int
	OriginatorReference               string
	OtherRecipients                   []a1OtherRecipientSet
	ACP127MessageIdentifier           string
	OriginatorPLAD                    string
	// AddressListIndicator (3), PilotForwardingInfo (12) and
	// InformationLabels (17) are kept raw (the typical message has none).
	Raw []a1IPMSExtension
}

// a1DescriptorText is what encoding/asn1 leaves to its user in an
// ORDescriptor: the free-form name as UTF-8 and the common-name extension
// attribute of the formal name.
type a1DescriptorText struct {
	FreeFormName string
	CommonName   string
}

// a1Descriptor is an ORDescriptor element of a SEQUENCE OF, decoded.
type a1Descriptor struct {
	D    a1ORDescriptorSet
	Text a1DescriptorText
}

// a1Recipient is a RecipientSpecifier, decoded.
type a1Recipient struct {
	R    a1RecipientSpecifierSet
	Text a1DescriptorText
}

// a1Typical is the typical message as the encoding/asn1 user has it: the
// structs encoding/asn1 fills, and the values of the elements it leaves
// raw.
type a1Typical struct {
	Message      a1Message
	PerRecipient []a1PerRecipientSet
	OriginatorCN string
	RecipientCNs []string

	IPM              a1IPM
	ThisIPMCN        string
	Subject          string
	Originator       a1DescriptorText
	AuthorizingUsers []a1Descriptor
	Primary          []a1Recipient
	Copy             []a1Recipient
	BlindCopy        []a1Recipient
	ReplyRecipients  []a1Descriptor
	Body             []a1BodyPart
	Military         a1Military
}

type a1Error string

func (e a1Error) Error() string { return "asn1 mirror: " + string(e) }

// a1Unmarshal unmarshals exactly one value from b.
func a1Unmarshal(b []byte, v any, params string) error {
	rest, err := asn1.UnmarshalWithParams(b, v, params)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return a1Error("trailing data")
	}
	return nil
}

// a1CommonName decodes the common-name extension attribute of n.
func a1CommonName(n *a1ORName) (string, error) {
	for i := range n.ExtensionAttributes {
		x := &n.ExtensionAttributes[i]
		if x.Type != a1CommonNameAttribute {
			continue
		}
		var s string
		if err := a1Unmarshal(x.Value.Bytes, &s, "printable"); err != nil {
			return "", err
		}
		return s, nil
	}
	return "", nil
}

func a1DescriptorTexts(d *a1ORDescriptorSet) (a1DescriptorText, error) {
	var t a1DescriptorText
	var err error
	if d.FreeFormName != nil {
		if t.FreeFormName, err = T61ToUTF8(d.FreeFormName); err != nil {
			return t, err
		}
	}
	t.CommonName, err = a1CommonName(&d.FormalName)
	return t, err
}

func a1DecodeDescriptors(raws []asn1.RawValue) ([]a1Descriptor, error) {
	if len(raws) == 0 {
		return nil, nil
	}
	out := make([]a1Descriptor, len(raws))
	for i := range raws {
		if err := a1Unmarshal(raws[i].FullBytes, &out[i].D, "set"); err != nil {
			return nil, err
		}
		var err error
		if out[i].Text, err = a1DescriptorTexts(&out[i].D); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func a1DecodeRecipients(raws []asn1.RawValue) ([]a1Recipient, error) {
	if len(raws) == 0 {
		return nil, nil
	}
	out := make([]a1Recipient, len(raws))
	for i := range raws {
		if err := a1Unmarshal(raws[i].FullBytes, &out[i].R, "set"); err != nil {
			return nil, err
		}
		var err error
		if out[i].Text, err = a1DescriptorTexts(&out[i].R.Recipient); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// a1DecodeTypical decodes the message, the IPM in its content and the P772
// heading extensions, as benchDecodeTypical does.
func a1DecodeTypical(msg []byte) (*a1Typical, error) {
	d := new(a1Typical)
	if err := a1Unmarshal(msg, &d.Message, "tag:0"); err != nil {
		return nil, err
	}
	env := &d.Message.Envelope
	var err error
	if d.OriginatorCN, err = a1CommonName(&env.Originator); err != nil {
		return nil, err
	}
	d.PerRecipient = make([]a1PerRecipientSet, len(env.PerRecipient))
	d.RecipientCNs = make([]string, len(env.PerRecipient))
	for i := range env.PerRecipient {
		if err := a1Unmarshal(env.PerRecipient[i].FullBytes, &d.PerRecipient[i], "set"); err != nil {
			return nil, err
		}
		if d.RecipientCNs[i], err = a1CommonName(&d.PerRecipient[i].RecipientName); err != nil {
			return nil, err
		}
	}

	if err := a1Unmarshal(d.Message.Content, &d.IPM, "tag:0"); err != nil {
		return nil, err
	}
	h := &d.IPM.Heading
	if d.ThisIPMCN, err = a1CommonName(&h.ThisIPM.User); err != nil {
		return nil, err
	}
	if len(h.Subject.Bytes) > 0 {
		var s asn1.RawValue
		if err := a1Unmarshal(h.Subject.Bytes, &s, ""); err != nil {
			return nil, err
		}
		if s.Class != asn1.ClassUniversal || s.Tag != asn1.TagT61String {
			return nil, a1Error("subject is not a TeletexString")
		}
		if d.Subject, err = T61ToUTF8(s.Bytes); err != nil {
			return nil, err
		}
	}
	if d.Originator, err = a1DescriptorTexts(&h.Originator); err != nil {
		return nil, err
	}
	if d.AuthorizingUsers, err = a1DecodeDescriptors(h.AuthorizingUsers); err != nil {
		return nil, err
	}
	if d.Primary, err = a1DecodeRecipients(h.PrimaryRecipients); err != nil {
		return nil, err
	}
	if d.Copy, err = a1DecodeRecipients(h.CopyRecipients); err != nil {
		return nil, err
	}
	if d.BlindCopy, err = a1DecodeRecipients(h.BlindCopyRecipients); err != nil {
		return nil, err
	}
	if d.ReplyRecipients, err = a1DecodeDescriptors(h.ReplyRecipients); err != nil {
		return nil, err
	}
	for _, ids := range [][]asn1.RawValue{h.ObsoletedIPMs, h.RelatedIPMs} {
		for i := range ids {
			var id a1IPMIdentifierSet
			if err := a1Unmarshal(ids[i].FullBytes, &id, "application,tag:11,set"); err != nil {
				return nil, err
			}
		}
	}
	if d.Body, err = a1DecodeBody(d.IPM.Body); err != nil {
		return nil, err
	}
	if err := d.Military.decode(h.Extensions); err != nil {
		return nil, err
	}
	return d, nil
}

func a1DecodeBody(parts []asn1.RawValue) ([]a1BodyPart, error) {
	out := make([]a1BodyPart, len(parts))
	for i := range parts {
		p := &parts[i]
		bp := &out[i]
		bp.Tag = p.Tag
		if p.Class != asn1.ClassContextSpecific {
			return nil, a1Error("body part is not a context-specific alternative")
		}
		switch p.Tag {
		case 0:
			if err := a1Unmarshal(p.FullBytes, &bp.IA5Text, "tag:0"); err != nil {
				return nil, err
			}
		case 15:
			var x a1ExtendedBodyPart
			if err := a1Unmarshal(p.FullBytes, &x, "tag:15"); err != nil {
				return nil, err
			}
			var data a1External
			if err := a1External8(&x.Data, &data); err != nil {
				return nil, err
			}
			if !data.DirectReference.Equal(a1OIDEtGeneralText) || !x.Parameters.DirectReference.Equal(a1OIDEpGeneralText) {
				bp.Raw = *p
				break
			}
			if x.Parameters.Encoding.Class != asn1.ClassContextSpecific || x.Parameters.Encoding.Tag != 0 ||
				data.Encoding.Class != asn1.ClassContextSpecific || data.Encoding.Tag != 0 {
				return nil, a1Error("general text not in the single-ASN1-type encoding")
			}
			if err := a1Unmarshal(x.Parameters.Encoding.Bytes, &bp.GeneralText.CharacterSets, "set"); err != nil {
				return nil, err
			}
			var s asn1.RawValue
			if err := a1Unmarshal(data.Encoding.Bytes, &s, ""); err != nil {
				return nil, err
			}
			if s.Class != asn1.ClassUniversal || s.Tag != asn1.TagGeneralString || s.IsCompound {
				return nil, a1Error("general text data is not a GeneralString")
			}
			bp.GeneralText.Data = s.Bytes
		default:
			bp.Raw = *p
		}
	}
	return out, nil
}

// a1External8 reads an EXTERNAL ([UNIVERSAL 8] IMPLICIT SEQUENCE), which
// encoding/asn1 cannot map to a struct, component by component.
func a1External8(rv *asn1.RawValue, x *a1External) error {
	if rv.Class != asn1.ClassUniversal || rv.Tag != 8 || !rv.IsCompound {
		return a1Error("expected EXTERNAL")
	}
	rest, err := asn1.Unmarshal(rv.Bytes, &x.DirectReference)
	if err != nil {
		return err
	}
	return a1Unmarshal(rest, &x.Encoding, "")
}

func (m *a1Military) decode(exts []a1IPMSExtension) error {
	for i := range exts {
		x := &exts[i]
		if len(x.Type) != len(a1OIDMM)+1 || !x.Type[:len(a1OIDMM)].Equal(a1OIDMM) {
			continue
		}
		v := x.Value.FullBytes
		var err error
		switch x.Type[len(a1OIDMM)] {
		case 0:
			m.HasPrimary = true
			err = a1Unmarshal(v, &m.PrimaryPrecedence, "")
		case 1:
			m.HasCopy = true
			err = a1Unmarshal(v, &m.CopyPrecedence, "")
		case 2:
			m.HasMessageType = true
			err = a1Unmarshal(v, &m.MessageType, "set")
		case 4:
			var raws []asn1.RawValue
			if err = a1Unmarshal(v, &raws, ""); err == nil {
				m.ExemptedAddresses, err = a1DecodeDescriptors(raws)
			}
		case 5:
			err = a1Unmarshal(v, &m.ExtendedAuthorisationInfo, "utc")
		case 6:
			m.HasDistributionCodes = true
			err = a1Unmarshal(v, &m.DistributionCodes, "set")
		case 7:
			err = a1Unmarshal(v, &m.HandlingInstructions, "")
		case 8:
			err = a1Unmarshal(v, &m.MessageInstructions, "")
		case 9:
			m.HasCodress = true
			err = a1Unmarshal(v, &m.CodressMessage, "")
		case 10:
			err = a1Unmarshal(v, &m.OriginatorReference, "printable")
		case 11:
			var raws []asn1.RawValue
			if err = a1Unmarshal(v, &raws, ""); err == nil {
				m.OtherRecipients = make([]a1OtherRecipientSet, len(raws))
				for j := range raws {
					if err = a1Unmarshal(raws[j].FullBytes, &m.OtherRecipients[j], "set"); err != nil {
						break
					}
				}
			}
		case 13:
			err = a1Unmarshal(v, &m.ACP127MessageIdentifier, "printable")
		case 14:
			err = a1Unmarshal(v, &m.OriginatorPLAD, "printable")
		case 3, 12, 17:
			m.Raw = append(m.Raw, *x)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ---- encoding ----

// a1EncodeTypical writes d with encoding/asn1 as benchEncodeTypical writes
// our values: the military extensions, the subject, the recipients,
// free-form names and body parts (the CHOICEs, open types and SEQUENCE OF
// SET) are marshalled from their Go values into the heading, the IPM is
// marshalled and placed in the content, and the message is marshalled.
// The RawValue slices of d are reused.
func a1EncodeTypical(d *a1Typical) ([]byte, error) {
	h := &d.IPM.Heading
	var err error
	if h.Extensions, err = d.Military.extensions(); err != nil {
		return nil, err
	}
	h.Subject = asn1.RawValue{}
	if d.Subject != "" {
		t61, err := UTF8ToT61(d.Subject)
		if err != nil {
			return nil, err
		}
		inner, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagT61String, Bytes: t61})
		if err != nil {
			return nil, err
		}
		h.Subject = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 8, IsCompound: true, Bytes: inner}
	}
	if err := a1SetDescriptor(&h.Originator, &d.Originator); err != nil {
		return nil, err
	}
	if h.AuthorizingUsers, err = a1EncodeDescriptors(h.AuthorizingUsers[:0], d.AuthorizingUsers); err != nil {
		return nil, err
	}
	if h.PrimaryRecipients, err = a1EncodeRecipients(h.PrimaryRecipients[:0], d.Primary); err != nil {
		return nil, err
	}
	if h.CopyRecipients, err = a1EncodeRecipients(h.CopyRecipients[:0], d.Copy); err != nil {
		return nil, err
	}
	if h.BlindCopyRecipients, err = a1EncodeRecipients(h.BlindCopyRecipients[:0], d.BlindCopy); err != nil {
		return nil, err
	}
	if h.ReplyRecipients, err = a1EncodeDescriptors(h.ReplyRecipients[:0], d.ReplyRecipients); err != nil {
		return nil, err
	}
	if d.IPM.Body, err = a1EncodeBody(d.IPM.Body[:0], d.Body); err != nil {
		return nil, err
	}
	content, err := asn1.MarshalWithParams(d.IPM, "tag:0")
	if err != nil {
		return nil, err
	}

	env := &d.Message.Envelope
	env.PerRecipient = env.PerRecipient[:0]
	for i := range d.PerRecipient {
		b, err := asn1.MarshalWithParams(d.PerRecipient[i], "set")
		if err != nil {
			return nil, err
		}
		env.PerRecipient = append(env.PerRecipient, asn1.RawValue{FullBytes: b})
	}
	d.Message.Content = content
	return asn1.MarshalWithParams(d.Message, "tag:0")
}

// a1SetDescriptor writes the free-form name and common name of t into d.
func a1SetDescriptor(d *a1ORDescriptorSet, t *a1DescriptorText) error {
	d.FreeFormName = nil
	if t.FreeFormName != "" {
		var err error
		if d.FreeFormName, err = UTF8ToT61(t.FreeFormName); err != nil {
			return err
		}
	}
	return a1SetCommonName(&d.FormalName, t.CommonName)
}

func a1SetCommonName(n *a1ORName, cn string) error {
	if cn == "" {
		return nil
	}
	v, err := asn1.MarshalWithParams(cn, "printable")
	if err != nil {
		return err
	}
	rv := asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: v}
	for i := range n.ExtensionAttributes {
		if n.ExtensionAttributes[i].Type == a1CommonNameAttribute {
			n.ExtensionAttributes[i].Value = rv
			return nil
		}
	}
	n.ExtensionAttributes = append(n.ExtensionAttributes, a1ExtensionAttribute{Type: a1CommonNameAttribute, Value: rv})
	return nil
}

func a1EncodeDescriptors(out []asn1.RawValue, ds []a1Descriptor) ([]asn1.RawValue, error) {
	for i := range ds {
		if err := a1SetDescriptor(&ds[i].D, &ds[i].Text); err != nil {
			return nil, err
		}
		b, err := asn1.MarshalWithParams(ds[i].D, "set")
		if err != nil {
			return nil, err
		}
		out = append(out, asn1.RawValue{FullBytes: b})
	}
	return out, nil
}

func a1EncodeRecipients(out []asn1.RawValue, rs []a1Recipient) ([]asn1.RawValue, error) {
	for i := range rs {
		if err := a1SetDescriptor(&rs[i].R.Recipient, &rs[i].Text); err != nil {
			return nil, err
		}
		b, err := asn1.MarshalWithParams(rs[i].R, "set")
		if err != nil {
			return nil, err
		}
		out = append(out, asn1.RawValue{FullBytes: b})
	}
	return out, nil
}

func a1EncodeBody(out []asn1.RawValue, parts []a1BodyPart) ([]asn1.RawValue, error) {
	for i := range parts {
		p := &parts[i]
		var b []byte
		var err error
		switch {
		case p.Raw.FullBytes != nil:
			b = p.Raw.FullBytes
		case p.Tag == 0:
			b, err = asn1.MarshalWithParams(p.IA5Text, "tag:0")
		case p.Tag == 15:
			b, err = a1EncodeGeneralText(&p.GeneralText)
		default:
			err = a1Error("body part without a value")
		}
		if err != nil {
			return nil, err
		}
		out = append(out, asn1.RawValue{FullBytes: b})
	}
	return out, nil
}

func a1EncodeGeneralText(g *a1GeneralText) ([]byte, error) {
	params, err := asn1.MarshalWithParams(g.CharacterSets, "set")
	if err != nil {
		return nil, err
	}
	data, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagGeneralString, Bytes: g.Data})
	if err != nil {
		return nil, err
	}
	ext, err := asn1.Marshal(a1OIDEtGeneralText)
	if err != nil {
		return nil, err
	}
	enc, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: data})
	if err != nil {
		return nil, err
	}
	x := a1ExtendedBodyPart{
		Parameters: a1External{
			DirectReference: a1OIDEpGeneralText,
			Encoding:        asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: params},
		},
		Data: asn1.RawValue{Class: asn1.ClassUniversal, Tag: 8, IsCompound: true, Bytes: append(ext, enc...)},
	}
	return asn1.MarshalWithParams(x, "tag:15")
}

// extensions marshals the P772 heading extensions present in m.
func (m *a1Military) extensions() ([]a1IPMSExtension, error) {
	out := make([]a1IPMSExtension, 0, 14+len(m.Raw))
	var firstErr error
	add := func(arc int, v any, params string) {
		if firstErr != nil {
			return
		}
		b, err := asn1.MarshalWithParams(v, params)
		if err != nil {
			firstErr = err
			return
		}
		out = append(out, a1IPMSExtension{Type: a1OIDsMM[arc], Value: asn1.RawValue{FullBytes: b}})
	}
	if m.HasPrimary {
		add(0, m.PrimaryPrecedence, "")
	}
	if m.HasCopy {
		add(1, m.CopyPrecedence, "")
	}
	if m.HasMessageType {
		add(2, m.MessageType, "set")
	}
	if m.ExemptedAddresses != nil {
		raws, err := a1EncodeDescriptors(nil, m.ExemptedAddresses)
		if err != nil {
			return nil, err
		}
		add(4, raws, "")
	}
	if !m.ExtendedAuthorisationInfo.IsZero() {
		add(5, m.ExtendedAuthorisationInfo, "utc")
	}
	if m.HasDistributionCodes {
		add(6, m.DistributionCodes, "set")
	}
	if m.HandlingInstructions != nil {
		add(7, m.HandlingInstructions, "")
	}
	if m.MessageInstructions != nil {
		add(8, m.MessageInstructions, "")
	}
	if m.HasCodress {
		add(9, m.CodressMessage, "")
	}
	if m.OriginatorReference != "" {
		add(10, m.OriginatorReference, "printable")
	}
	if m.OtherRecipients != nil {
		raws := make([]asn1.RawValue, len(m.OtherRecipients))
		for j := range m.OtherRecipients {
			b, err := asn1.MarshalWithParams(m.OtherRecipients[j], "set")
			if err != nil {
				return nil, err
			}
			raws[j] = asn1.RawValue{FullBytes: b}
		}
		add(11, raws, "")
	}
	if m.ACP127MessageIdentifier != "" {
		add(13, m.ACP127MessageIdentifier, "printable")
	}
	if m.OriginatorPLAD != "" {
		add(14, m.OriginatorPLAD, "printable")
	}
	out = append(out, m.Raw...)
	return out, firstErr
}

// ---- benchmarks ----

func BenchmarkTypicalDecodeEncodingASN1(b *testing.B) {
	t := newBenchTypical(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(t.Encoding)))
	for b.Loop() {
		if _, err := a1DecodeTypical(t.Encoding); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTypicalEncodeEncodingASN1(b *testing.B) {
	t := newBenchTypical(b)
	d, err := a1DecodeTypical(t.Encoding)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(t.Encoding)))
	for b.Loop() {
		if _, err := a1EncodeTypical(d); err != nil {
			b.Fatal(err)
		}
	}
}

// ---- agreement ----

// TestASN1MirrorAgrees decodes the typical message with our decoder and
// with the encoding/asn1 mirror and compares the values each produced, so
// that the benchmarks compare the same work; it then checks that the
// mirror's encoder writes the very DER ours writes.
func TestASN1MirrorAgrees(t *testing.T) {
	tv := newBenchTypical(t)
	a, o, mil, err := benchDecodeTypical(tv.Encoding)
	if err != nil {
		t.Fatal(err)
	}
	d, err := a1DecodeTypical(tv.Encoding)
	if err != nil {
		t.Fatal(err)
	}
	eq := func(what string, got, want any) {
		t.Helper()
		switch w := want.(type) {
		case time.Time:
			if !got.(time.Time).Equal(w) {
				t.Errorf("%s: encoding/asn1 %v, ours %v", what, got, want)
			}
			return
		}
		if got != want {
			t.Errorf("%s: encoding/asn1 %#v, ours %#v", what, got, want)
		}
	}
	bits := func(b asn1.BitString) uint32 {
		var v uint32
		for i := 0; i < b.BitLength && i < 32; i++ {
			if b.At(i) == 1 {
				v |= 1 << i
			}
		}
		return v
	}
	name := func(what string, got *a1ORName, gotCN string, want *ORName) {
		t.Helper()
		g := &got.BuiltIn
		eq(what+" C", g.Country, want.Country.Value)
		eq(what+" A", g.ADMD, want.ADMD.Value)
		eq(what+" P", g.PRMD, want.PRMD.Value)
		eq(what+" O", g.Organization, want.Organization)
		eq(what+" S", g.PersonalName.Surname, want.PersonalName.Surname)
		eq(what+" G", g.PersonalName.GivenName, want.PersonalName.GivenName)
		eq(what+" OUs", len(g.OrganizationalUnits), len(want.OrganizationalUnits))
		for i := range min(len(g.OrganizationalUnits), len(want.OrganizationalUnits)) {
			eq(what+" OU", g.OrganizationalUnits[i], want.OrganizationalUnits[i])
		}
		eq(what+" CN", gotCN, want.CommonName)
	}
	gdi := func(what string, got *a1GDI, want *GlobalDomainIdentifier) {
		t.Helper()
		eq(what+" C", got.Country, want.Country.Value)
		eq(what+" A", got.ADMD, want.ADMD.Value)
		eq(what+" P", got.PRMD, want.PRMD.Value)
	}

	// The envelope.
	env, wenv := &d.Message.Envelope, &a.Message.Envelope
	eq("content type", env.ContentTypeExtended.String(), wenv.ContentType.String())
	eq("content type OID", env.ContentTypeExtended.Equal(a1OIDP772Content), true)
	name("originator", &env.Originator, d.OriginatorCN, &wenv.OriginatorName)
	gdi("message-identifier", &env.MessageIdentifier.GDI, &wenv.MessageIdentifier.GlobalDomainIdentifier)
	eq("MTS local identifier", env.MessageIdentifier.LocalIdentifier, wenv.MessageIdentifier.LocalIdentifier)
	eq("original EITs", bits(env.OriginalEITs.BuiltIn), uint32(wenv.OriginalEITs.BuiltIn))
	eq("priority", int(env.Priority), int(wenv.Priority))
	eq("per-message indicators", bits(env.PerMessageIndicators), uint32(wenv.PerMessageIndicators))
	eq("content identifier", env.ContentIdentifier, wenv.ContentIdentifier)
	eq("trace length", len(env.Trace), len(wenv.TraceInformation))
	for i := range min(len(env.Trace), len(wenv.TraceInformation)) {
		g, w := &env.Trace[i], &wenv.TraceInformation[i]
		gdi("trace GDI", &g.GDI, &w.GlobalDomainIdentifier)
		eq("trace arrival", g.Info.ArrivalTime, w.DomainSuppliedInformation.ArrivalTime)
		eq("trace routing", int(g.Info.RoutingAction), int(w.DomainSuppliedInformation.RoutingAction))
		if w.DomainSuppliedInformation.ConvertedEITs != nil {
			eq("trace converted EITs", bits(g.Info.ConvertedEITs.BuiltIn), uint32(w.DomainSuppliedInformation.ConvertedEITs.BuiltIn))
		}
	}
	eq("recipients", len(d.PerRecipient), len(wenv.PerRecipientFields))
	for i := range min(len(d.PerRecipient), len(wenv.PerRecipientFields)) {
		g, w := &d.PerRecipient[i], &wenv.PerRecipientFields[i]
		name("recipient", &g.RecipientName, d.RecipientCNs[i], &w.RecipientName)
		eq("recipient number", g.OriginallySpecifiedRecipientNumber, w.OriginallySpecifiedRecipientNumber)
		eq("per-recipient indicators", bits(g.PerRecipientIndicators), uint32(w.PerRecipientIndicators))
		eq("per-recipient extensions", len(g.Extensions), len(w.Extensions))
		for j := range min(len(g.Extensions), len(w.Extensions)) {
			eq("per-recipient extension type", g.Extensions[j].Standard, int(w.Extensions[j].Type.Standard))
			eq("per-recipient extension value", string(g.Extensions[j].Value.Bytes), string(w.Extensions[j].Value))
		}
	}
	eq("extensions", len(env.Extensions), len(wenv.Extensions))
	for j := range min(len(env.Extensions), len(wenv.Extensions)) {
		g, w := &env.Extensions[j], &wenv.Extensions[j]
		eq("extension type", g.Standard, int(w.Type.Standard))
		eq("extension criticality", bits(g.Criticality), uint32(w.Critical))
		eq("extension value", string(g.Value.Bytes), string(w.Value))
	}

	// The IPM heading.
	h, wh := &d.IPM.Heading, &o.IPM.Heading
	eq("this-IPM", h.ThisIPM.LocalID, wh.ThisIPM.LocalID)
	name("this-IPM user", &h.ThisIPM.User, d.ThisIPMCN, wh.ThisIPM.User)
	eq("subject", d.Subject, wh.Subject)
	eq("originator free-form name", d.Originator.FreeFormName, wh.Originator.FreeFormName)
	name("IPM originator", &h.Originator.FormalName, d.Originator.CommonName, wh.Originator.FormalName)
	recips := func(what string, g []a1Recipient, w []RecipientSpecifier) {
		t.Helper()
		eq(what, len(g), len(w))
		for i := range min(len(g), len(w)) {
			name(what, &g[i].R.Recipient.FormalName, g[i].Text.CommonName, w[i].Recipient.FormalName)
			eq(what+" free-form name", g[i].Text.FreeFormName, w[i].Recipient.FreeFormName)
			eq(what+" telephone", g[i].R.Recipient.TelephoneNumber, w[i].Recipient.TelephoneNumber)
			eq(what+" notification requests", bits(g[i].R.NotificationRequests), uint32(w[i].NotificationRequests))
			eq(what+" reply requested", g[i].R.ReplyRequested, w[i].ReplyRequested)
		}
	}
	recips("primary", d.Primary, wh.PrimaryRecipients)
	recips("copy", d.Copy, wh.CopyRecipients)
	recips("blind copy", d.BlindCopy, wh.BlindCopyRecipients)
	eq("expiry time", h.ExpiryTime, wh.ExpiryTime)
	eq("importance", h.Importance, asn1.Enumerated(importanceWire[wh.Importance]))
	eq("heading extensions", len(h.Extensions), len(wh.Extensions))

	// The body.
	eq("body parts", len(d.Body), len(o.IPM.Body))
	for i := range min(len(d.Body), len(o.IPM.Body)) {
		g, w := &d.Body[i], &o.IPM.Body[i]
		switch w.Kind {
		case BodyPartIA5Text:
			eq("IA5 text", g.IA5Text.Data, w.IA5Text.Data)
		case BodyPartGeneralText:
			eq("general text", string(g.GeneralText.Data), string(w.GeneralText.Data))
			eq("general text character sets", len(g.GeneralText.CharacterSets), len(w.GeneralText.CharacterSets))
			for j := range min(len(g.GeneralText.CharacterSets), len(w.GeneralText.CharacterSets)) {
				eq("character set", g.GeneralText.CharacterSets[j], w.GeneralText.CharacterSets[j])
			}
			text, ok := w.Text()
			eq("general text converts", ok, true)
			eq("general text is the sample's", text, "Ci-joint le rapport détaillé de la réunion préparatoire.\r\n")
		default:
			t.Errorf("body part %d: unexpected kind %v", i, w.Kind)
		}
	}

	// The military heading.
	m := &d.Military
	if mil == nil || mil.PrimaryPrecedence == nil || mil.CopyPrecedence == nil || mil.MessageType == nil || mil.DistributionCodes == nil {
		t.Fatalf("our military heading lacks fields: %+v", mil)
	}
	eq("has primary precedence", m.HasPrimary, true)
	eq("primary precedence", m.PrimaryPrecedence, int(*mil.PrimaryPrecedence))
	eq("copy precedence", m.CopyPrecedence, int(*mil.CopyPrecedence))
	eq("message type", m.MessageType.Type, int(mil.MessageType.Type))
	eq("message identifier", m.MessageType.Identifier, mil.MessageType.Identifier)
	eq("exempted addresses", len(m.ExemptedAddresses), len(mil.ExemptedAddresses))
	for i := range min(len(m.ExemptedAddresses), len(mil.ExemptedAddresses)) {
		g, w := &m.ExemptedAddresses[i], &mil.ExemptedAddresses[i]
		name("exempted", &g.D.FormalName, g.Text.CommonName, w.FormalName)
		eq("exempted free-form name", g.Text.FreeFormName, w.FreeFormName)
		eq("exempted telephone", g.D.TelephoneNumber, w.TelephoneNumber)
	}
	eq("extended authorisation info", m.ExtendedAuthorisationInfo, mil.ExtendedAuthorisationInfo)
	eq("SICs", len(m.DistributionCodes.SICs), len(mil.DistributionCodes.SICs))
	for i := range min(len(m.DistributionCodes.SICs), len(mil.DistributionCodes.SICs)) {
		eq("SIC", m.DistributionCodes.SICs[i], mil.DistributionCodes.SICs[i])
	}
	strs := func(what string, g, w []string) {
		t.Helper()
		eq(what, len(g), len(w))
		for i := range min(len(g), len(w)) {
			eq(what, g[i], w[i])
		}
	}
	strs("handling instructions", m.HandlingInstructions, mil.HandlingInstructions)
	strs("message instructions", m.MessageInstructions, mil.MessageInstructions)
	eq("originator reference", m.OriginatorReference, mil.OriginatorReference)
	eq("other recipients", len(m.OtherRecipients), len(mil.OtherRecipients))
	for i := range min(len(m.OtherRecipients), len(mil.OtherRecipients)) {
		eq("other recipient type", m.OtherRecipients[i].Type, int(mil.OtherRecipients[i].Type))
		eq("other recipient", m.OtherRecipients[i].Designator, mil.OtherRecipients[i].Designator)
	}
	eq("ACP 127 message identifier", m.ACP127MessageIdentifier, mil.ACP127MessageIdentifier)
	eq("originator PLAD", m.OriginatorPLAD, mil.OriginatorPLAD)

	// The mirror's encoder writes our DER, twice (the second time from
	// the values its first encode left behind).
	for i := 0; i < 2; i++ {
		enc, err := a1EncodeTypical(d)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, tv.Encoding) {
			t.Errorf("encode %d: encoding/asn1 writes %d octets that differ from ours (%d) at offset %d",
				i, len(enc), len(tv.Encoding), a1FirstDifference(enc, tv.Encoding))
		}
		if !bytes.Equal(d.Message.Content, tv.Content) {
			t.Errorf("encode %d: the IPM encodings differ at offset %d", i, a1FirstDifference(d.Message.Content, tv.Content))
		}
	}
}

func a1FirstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
