package x400

import (
	"errors"
	"strings"
	"time"

	"mixerd/ber"
)

// Body parts, X.420 "Body part types" (§7.3 in the 1988 edition, whose
// numbering the clause citations below follow), and the extended body part
// types of the modules IPMSExtendedBodyPartTypes, IPMSExtendedBodyPartTypes2
// and IPMSFileTransferBodyPartType (X.420 (06/1999) Annex A).

// The object identifiers of the extended body part types (id-et-*) and of
// their parameters (id-ep-*), X.420 Annex A, module IPMSObjectIdentifiers:
// id-et ::= {joint-iso-itu-t mhs(6) ipms(1) 4}, id-ep ::= {... ipms(1) 11}.
var (
	IDEtIA5Text            = ber.MustOID("2.6.1.4.0")
	IDEtG3Facsimile        = ber.MustOID("2.6.1.4.2")
	IDEtG4Class1           = ber.MustOID("2.6.1.4.3")
	IDEtTeletex            = ber.MustOID("2.6.1.4.4")
	IDEtVideotex           = ber.MustOID("2.6.1.4.5")
	IDEtEncrypted          = ber.MustOID("2.6.1.4.6")
	IDEtMessage            = ber.MustOID("2.6.1.4.7")
	IDEtMixedMode          = ber.MustOID("2.6.1.4.8")
	IDEtBilaterallyDefined = ber.MustOID("2.6.1.4.9")
	IDEtNationallyDefined  = ber.MustOID("2.6.1.4.10")
	IDEtGeneralText        = ber.MustOID("2.6.1.4.11")
	IDEtFileTransfer       = ber.MustOID("2.6.1.4.12")
	IDEtReport             = ber.MustOID("2.6.1.4.14")
	IDEtNotification       = ber.MustOID("2.6.1.4.15")
	IDEtVoice              = ber.MustOID("2.6.1.4.16")
	IDEtContent            = ber.MustOID("2.6.1.4.17") // a prefix: {id-et-content content-type}
	IDEtPKCS7              = ber.MustOID("2.6.1.4.18")

	IDEpIA5Text      = ber.MustOID("2.6.1.11.0")
	IDEpG3Facsimile  = ber.MustOID("2.6.1.11.2")
	IDEpTeletex      = ber.MustOID("2.6.1.11.4")
	IDEpVideotex     = ber.MustOID("2.6.1.11.5")
	IDEpEncrypted    = ber.MustOID("2.6.1.11.6")
	IDEpMessage      = ber.MustOID("2.6.1.11.7")
	IDEpGeneralText  = ber.MustOID("2.6.1.11.11")
	IDEpFileTransfer = ber.MustOID("2.6.1.11.12")
	IDEpNotification = ber.MustOID("2.6.1.11.15")
	IDEpVoice        = ber.MustOID("2.6.1.11.16")
	IDEpContent      = ber.MustOID("2.6.1.11.17")
)

// BodyPartKind tells which alternative of BodyPart is in use.
type BodyPartKind uint8

// The body part kinds. Kinds without a Go type of their own (G4 class 1,
// encrypted, mixed-mode, nationally defined, unknown basic tags, and
// extended types other than those listed) are kept as Raw.
const (
	BodyPartUnknown            BodyPartKind = iota // a basic alternative of an unknown tag; Raw
	BodyPartIA5Text                                // [0], id-et-ia5-text
	BodyPartG3Facsimile                            // [3], id-et-g3-facsimile
	BodyPartG4Class1                               // [4]; Raw
	BodyPartTeletex                                // [5], id-et-teletex
	BodyPartVideotex                               // [6], id-et-videotex
	BodyPartEncrypted                              // [8]; Raw
	BodyPartMessage                                // [9], id-et-message
	BodyPartMixedMode                              // [11]; Raw
	BodyPartBilaterallyDefined                     // [14], id-et-bilaterally-defined
	BodyPartNationallyDefined                      // [7]; Raw
	BodyPartGeneralText                            // id-et-general-text
	BodyPartFileTransfer                           // id-et-file-transfer
	BodyPartExtended                               // another extended body part; Raw, with Other
)

var bodyPartKindNames = [...]string{
	"unknown", "ia5-text", "g3-facsimile", "g4-class1", "teletex", "videotex",
	"encrypted", "message", "mixed-mode", "bilaterally-defined",
	"nationally-defined", "general-text", "file-transfer", "extended",
}

func (k BodyPartKind) String() string {
	if int(k) < len(bodyPartKindNames) {
		return bodyPartKindNames[k]
	}
	return "body-part-kind(?)"
}

// BodyPart is one part of an IPM body, X.420 body part types (§7.3 in
// the 1988 edition):
//
//	BodyPart ::= CHOICE {
//	  basic CHOICE {
//	    ia5-text             [0]  IA5TextBodyPart,
//	    g3-facsimile         [3]  G3FacsimileBodyPart,
//	    g4-class1            [4]  G4Class1BodyPart,
//	    teletex              [5]  TeletexBodyPart,
//	    videotex             [6]  VideotexBodyPart,
//	    encrypted            [8]  EncryptedBodyPart,
//	    message              [9]  MessageBodyPart,
//	    mixed-mode           [11]  MixedModeBodyPart,
//	    bilaterally-defined  [14]  BilaterallyDefinedBodyPart,
//	    nationally-defined   [7]  NationallyDefinedBodyPart },
//	  extended  [15]  ExtendedBodyPart }
//
// Kind says which field holds the value: IA5Text, G3Facsimile, Teletex,
// Videotex, Message, BilaterallyDefined, GeneralText, FileTransfer; for
// the other kinds Raw holds the whole encoding, written back as it is.
// Extended says that a part of a basic kind is (to be) encoded as the
// equivalent extended body part (X.420 Annex A); general text and
// file transfer parts are always extended.
type BodyPart struct {
	Kind     BodyPartKind
	Extended bool

	IA5Text            *IA5TextBodyPart
	G3Facsimile        *G3FacsimileBodyPart
	Teletex            *TeletexBodyPart
	Videotex           *VideotexBodyPart
	Message            *MessageBodyPart
	BilaterallyDefined []byte
	GeneralText        *GeneralTextBodyPart
	FileTransfer       *FileTransferBodyPart

	// Other is the decoded view of an extended body part of a type the
	// package does not know (Kind BodyPartExtended); Raw is what is
	// written back. When Raw is nil, Other is encoded.
	Other *ExtendedBodyPart
	// Raw is the whole encoding of a body part kept as it is.
	Raw Raw
}

// Text returns the text of an IA5 text, teletex or general text body
// part as UTF-8. ok is false for other kinds, and for text that cannot be
// converted (8-bit octets in an IA5 part, T.61 that T61ToUTF8 refuses, a
// general text part in character sets other than ISO-IR 6 / 100 and UTF-8).
// IA5 text and ASCII general text are returned without copying.
func (p *BodyPart) Text() (string, bool) {
	switch p.Kind {
	case BodyPartIA5Text:
		if p.IA5Text == nil {
			return "", false
		}
		return p.IA5Text.Data, IsIA5String(p.IA5Text.Data)
	case BodyPartTeletex:
		if p.Teletex == nil {
			return "", false
		}
		return p.Teletex.Text()
	case BodyPartGeneralText:
		if p.GeneralText == nil {
			return "", false
		}
		return p.GeneralText.Text()
	}
	return "", false
}

// NewIA5TextBodyPart returns a basic IA5 text body part holding s, which
// should be 7-bit (IA5): the encoder writes it as it is. Lines end in CR LF.
func NewIA5TextBodyPart(s string) BodyPart {
	return BodyPart{Kind: BodyPartIA5Text, IA5Text: &IA5TextBodyPart{Data: s}}
}

// ipmTextSlot holds the value of a text body part, the usual kinds: the
// text parts of a body share one block of slots (one allocation), each
// part taking at most one. cs holds the character sets of a general text
// part that has few.
type ipmTextSlot struct {
	ia5 IA5TextBodyPart
	gt  GeneralTextBodyPart
	cs  [4]int
}

func (p *BodyPart) decode(e *ber.Element) error { return p.decodeIn(e, nil) }

// decodeIn is decode taking the value of a text part from text.
func (p *BodyPart) decodeIn(e *ber.Element, text *ipmSlab[ipmTextSlot]) error {
	*p = BodyPart{}
	if e.Tag.Class != ber.ClassContext {
		p.Raw = Raw(e.Raw)
		return nil
	}
	var err error
	switch e.Tag.Number {
	case 0, 3, 5, 6, 9:
		return p.decodeBasic(e, text)
	case 14:
		p.Kind = BodyPartBilaterallyDefined
		p.BilaterallyDefined, err = e.Bytes()
		err = ber.Annotate(err, "bilaterally-defined")
	case 15:
		err = ber.Annotate(p.decodeExtended(e, text), "extended")
	case 4:
		p.Kind, p.Raw = BodyPartG4Class1, Raw(e.Raw)
	case 7:
		p.Kind, p.Raw = BodyPartNationallyDefined, Raw(e.Raw)
	case 8:
		p.Kind, p.Raw = BodyPartEncrypted, Raw(e.Raw)
	case 11:
		p.Kind, p.Raw = BodyPartMixedMode, Raw(e.Raw)
	default:
		p.Raw = Raw(e.Raw)
	}
	return err
}

// decodeBasic reads the SEQUENCE { parameters, data } of a basic body
// part of a kind that has a Go type.
func (p *BodyPart) decodeBasic(e *ber.Element, text *ipmSlab[ipmTextSlot]) error {
	var name string
	switch e.Tag.Number {
	case 0:
		p.Kind, p.IA5Text, name = BodyPartIA5Text, &text.next().ia5, "ia5-text"
	case 3:
		p.Kind, p.G3Facsimile, name = BodyPartG3Facsimile, new(G3FacsimileBodyPart), "g3-facsimile"
	case 5:
		p.Kind, p.Teletex, name = BodyPartTeletex, new(TeletexBodyPart), "teletex"
	case 6:
		p.Kind, p.Videotex, name = BodyPartVideotex, new(VideotexBodyPart), "videotex"
	case 9:
		p.Kind, p.Message, name = BodyPartMessage, new(MessageBodyPart), "message"
	}
	r, err := e.Children()
	if err != nil {
		return ber.Annotate(err, name)
	}
	pe, err := r.Next()
	if err == nil {
		switch p.Kind {
		case BodyPartIA5Text:
			err = p.IA5Text.decodeParameters(&pe)
		case BodyPartG3Facsimile:
			err = p.G3Facsimile.decodeParameters(&pe)
		case BodyPartTeletex:
			err = p.Teletex.decodeParameters(&pe)
		case BodyPartVideotex:
			err = p.Videotex.decodeParameters(&pe)
		case BodyPartMessage:
			err = p.Message.decodeParameters(&pe)
		}
	}
	if err != nil {
		return ber.Annotate(ber.Annotate(err, "parameters"), name)
	}
	de, err := r.Next()
	if err == nil {
		switch p.Kind {
		case BodyPartIA5Text:
			err = p.IA5Text.decodeData(&de)
		case BodyPartG3Facsimile:
			err = p.G3Facsimile.decodeData(&de)
		case BodyPartTeletex:
			err = p.Teletex.decodeData(&de)
		case BodyPartVideotex:
			err = p.Videotex.decodeData(&de)
		case BodyPartMessage:
			err = p.Message.decodeData(&de)
		}
	}
	if err != nil {
		return ber.Annotate(ber.Annotate(err, "data"), name)
	}
	return ber.Annotate(r.End("body part"), name)
}

func (p *BodyPart) decodeExtended(e *ber.Element, text *ipmSlab[ipmTextSlot]) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	// px and dx stay on the stack unless the part is of an unknown type.
	var px, dx External
	var pval, dval ber.Element
	hasParams := false
	if r.PeekIs(ber.Context(0)) {
		pe, _ := r.Next()
		if pval, err = px.decodeValue(&pe); err != nil {
			return ber.Annotate(err, "parameters")
		}
		hasParams = true
	}
	de, err := r.Expect(ber.External)
	if err != nil {
		return ber.Annotate(err, "data")
	}
	if dval, err = dx.decodeValue(&de); err != nil {
		return ber.Annotate(err, "data")
	}
	if err := r.End("ExtendedBodyPart"); err != nil {
		return err
	}
	// A known type whose values are single ASN.1 types is decoded into
	// its Go type; anything else is kept.
	if dx.plain() && (!hasParams || px.plain()) {
		var pt ber.OID
		if hasParams {
			pt = px.DirectReference
		}
		known, err := p.decodeExtendedKnown(dx.DirectReference, pt, hasParams, &pval, &dval, text)
		if known {
			return err
		}
	}
	y := new(struct {
		x ExtendedBodyPart
		p External
	})
	x := &y.x
	x.Data = dx
	if hasParams {
		y.p = px
		x.Parameters = &y.p
	}
	p.Kind, p.Extended, p.Other, p.Raw = BodyPartExtended, true, x, Raw(e.Raw)
	return nil
}

// decodeExtendedKnown decodes an extended body part of data type dt and
// parameters type pt (nil when absent) into its Go type; known is false
// when the types are not ones it knows.
func (p *BodyPart) decodeExtendedKnown(dt, pt ber.OID, hasParams bool, pval, dval *ber.Element, text *ipmSlab[ipmTextSlot]) (known bool, err error) {
	p.Extended = true
	switch {
	case dt.Equal(IDEtIA5Text) && ipmParamsOK(pt, IDEpIA5Text):
		p.Kind, p.IA5Text = BodyPartIA5Text, &text.next().ia5
		if hasParams {
			err = ber.Annotate(p.IA5Text.decodeParameters(pval), "parameters")
		}
		if err == nil {
			err = ber.Annotate(p.IA5Text.decodeData(dval), "data")
		}
	case dt.Equal(IDEtGeneralText) && ipmParamsOK(pt, IDEpGeneralText):
		slot := text.next()
		p.Kind, p.GeneralText = BodyPartGeneralText, &slot.gt
		if hasParams {
			err = ber.Annotate(p.GeneralText.decodeParameters(pval, slot.cs[:]), "parameters")
		}
		if err == nil {
			err = ber.Annotate(p.GeneralText.decodeData(dval), "data")
		}
	case dt.Equal(IDEtFileTransfer) && ipmParamsOK(pt, IDEpFileTransfer):
		sp := new(ftamSpare)
		p.Kind, p.FileTransfer = BodyPartFileTransfer, &sp.ft
		if hasParams {
			err = ber.Annotate(sp.ft.decodeParameters(pval, sp), "parameters")
		}
		if err == nil {
			err = ber.Annotate(sp.ft.decodeData(dval, sp), "data")
		}
	case dt.Equal(IDEtTeletex) && ipmParamsOK(pt, IDEpTeletex):
		p.Kind, p.Teletex = BodyPartTeletex, new(TeletexBodyPart)
		if hasParams {
			err = ber.Annotate(p.Teletex.decodeParameters(pval), "parameters")
		}
		if err == nil {
			err = ber.Annotate(p.Teletex.decodeData(dval), "data")
		}
	case dt.Equal(IDEtG3Facsimile) && ipmParamsOK(pt, IDEpG3Facsimile):
		p.Kind, p.G3Facsimile = BodyPartG3Facsimile, new(G3FacsimileBodyPart)
		if hasParams {
			err = ber.Annotate(p.G3Facsimile.decodeParameters(pval), "parameters")
		}
		if err == nil {
			err = ber.Annotate(p.G3Facsimile.decodeData(dval), "data")
		}
	case dt.Equal(IDEtVideotex) && ipmParamsOK(pt, IDEpVideotex):
		p.Kind, p.Videotex = BodyPartVideotex, new(VideotexBodyPart)
		if hasParams {
			err = ber.Annotate(p.Videotex.decodeParameters(pval), "parameters")
		}
		if err == nil {
			err = ber.Annotate(p.Videotex.decodeData(dval), "data")
		}
	case dt.Equal(IDEtMessage) && ipmParamsOK(pt, IDEpMessage):
		p.Kind, p.Message = BodyPartMessage, new(MessageBodyPart)
		if hasParams {
			err = ber.Annotate(p.Message.decodeParameters(pval), "parameters")
		}
		if err == nil {
			err = ber.Annotate(p.Message.decodeData(dval), "data")
		}
	case dt.Equal(IDEtBilaterallyDefined) && !hasParams:
		p.Kind = BodyPartBilaterallyDefined
		if dval.Tag != ber.OctetString {
			err = dval.Errorf("expected OCTET STRING, found %s", dval.Tag)
		} else {
			p.BilaterallyDefined, err = dval.Bytes()
		}
		err = ber.Annotate(err, "data")
	default:
		p.Extended = false
		return false, nil
	}
	return true, err
}

func ipmParamsOK(got, want ber.OID) bool { return got == nil || got.Equal(want) }

// Marshal encodes the body part alone (the BodyPart CHOICE as it stands
// in an IPM's body), for those that keep or carry one part, such as a
// MIXER gateway encapsulating it (RFC 2157 §3.2).
func (p *BodyPart) Marshal() ([]byte, error) {
	b := ber.NewBuilder(256)
	p.encode(b)
	if err := b.Err(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// DecodeBodyPart decodes one body part encoded as Marshal writes it. b
// must hold exactly that element; the part refers to b as decoded IPMs
// do. lim bounds the decoding (nil: ber.DefaultLimits).
func DecodeBodyPart(b []byte, lim *ber.Limits) (BodyPart, error) {
	r := ber.NewReader(b, lim)
	e, err := r.Next()
	if err != nil {
		return BodyPart{}, err
	}
	if !r.Empty() {
		return BodyPart{}, e.Errorf("data after the body part")
	}
	var p BodyPart
	if err := p.decode(&e); err != nil {
		return BodyPart{}, err
	}
	return p, nil
}

func (p *BodyPart) encode(b *ber.Builder) {
	switch p.Kind {
	case BodyPartIA5Text:
		if p.IA5Text == nil {
			break
		}
		p.encodePart(b, p.Extended, 0, IDEpIA5Text, IDEtIA5Text, true)
		return
	case BodyPartG3Facsimile:
		if p.G3Facsimile == nil {
			break
		}
		p.encodePart(b, p.Extended, 3, IDEpG3Facsimile, IDEtG3Facsimile, true)
		return
	case BodyPartTeletex:
		if p.Teletex == nil {
			break
		}
		p.encodePart(b, p.Extended, 5, IDEpTeletex, IDEtTeletex, true)
		return
	case BodyPartVideotex:
		if p.Videotex == nil {
			break
		}
		p.encodePart(b, p.Extended, 6, IDEpVideotex, IDEtVideotex, true)
		return
	case BodyPartMessage:
		if p.Message == nil {
			break
		}
		p.encodePart(b, p.Extended, 9, IDEpMessage, IDEtMessage, true)
		return
	case BodyPartGeneralText:
		if p.GeneralText == nil {
			break
		}
		p.encodePart(b, true, 0, IDEpGeneralText, IDEtGeneralText, p.GeneralText.CharacterSets != nil)
		return
	case BodyPartFileTransfer:
		if p.FileTransfer == nil {
			break
		}
		p.encodePart(b, true, 0, IDEpFileTransfer, IDEtFileTransfer, true)
		return
	case BodyPartBilaterallyDefined:
		if p.Extended {
			p.encodePart(b, true, 0, nil, IDEtBilaterallyDefined, false)
			return
		}
		b.AddPrimitive(ber.Context(14), p.BilaterallyDefined)
		return
	case BodyPartExtended:
		if p.Raw == nil && p.Other != nil {
			p.Other.encode(b, ber.Context(15))
			return
		}
	}
	if len(p.Raw) == 0 {
		b.Fail(errors.New("x400: body part of kind " + p.Kind.String() + " has no value"))
		return
	}
	b.AddRaw(p.Raw)
}

// encodePart writes a body part of a kind with a Go type (whose field is
// set) in its basic form (SEQUENCE { parameters, data } tagged [tag]) or
// its extended form, with parameters of type ep when params is true.
// Calls are dispatched on the kind rather than through function values, so
// that the Builder does not escape.
func (p *BodyPart) encodePart(b *ber.Builder, extended bool, tag uint32, ep, et ber.OID, params bool) {
	if !extended {
		m := b.Begin(ber.Context(tag))
		p.encodeParameters(b)
		p.encodeData(b)
		b.End(m)
		return
	}
	m := b.Begin(ber.Context(15))
	if params {
		pm := b.Begin(ber.Context(0))
		b.AddOID(ber.ObjectID, ep)
		pv := b.Begin(ber.Context(0))
		p.encodeParameters(b)
		b.End(pv)
		b.End(pm)
	}
	dm := b.Begin(ber.External)
	b.AddOID(ber.ObjectID, et)
	dv := b.Begin(ber.Context(0))
	p.encodeData(b)
	b.End(dv)
	b.End(dm)
	b.End(m)
}

func (p *BodyPart) encodeParameters(b *ber.Builder) {
	switch p.Kind {
	case BodyPartIA5Text:
		p.IA5Text.encodeParameters(b)
	case BodyPartG3Facsimile:
		p.G3Facsimile.encodeParameters(b)
	case BodyPartTeletex:
		p.Teletex.encodeParameters(b)
	case BodyPartVideotex:
		p.Videotex.encodeParameters(b)
	case BodyPartMessage:
		p.Message.encodeParameters(b)
	case BodyPartGeneralText:
		p.GeneralText.encodeParameters(b)
	case BodyPartFileTransfer:
		p.FileTransfer.encodeParameters(b)
	}
}

func (p *BodyPart) encodeData(b *ber.Builder) {
	switch p.Kind {
	case BodyPartIA5Text:
		p.IA5Text.encodeData(b)
	case BodyPartG3Facsimile:
		p.G3Facsimile.encodeData(b)
	case BodyPartTeletex:
		p.Teletex.encodeData(b)
	case BodyPartVideotex:
		p.Videotex.encodeData(b)
	case BodyPartMessage:
		p.Message.encodeData(b)
	case BodyPartGeneralText:
		p.GeneralText.encodeData(b)
	case BodyPartFileTransfer:
		p.FileTransfer.encodeData(b)
	case BodyPartBilaterallyDefined:
		b.AddPrimitive(ber.OctetString, p.BilaterallyDefined)
	}
}

// ExtendedBodyPart is the extended body part of X.420 (externally
// defined, §7.3.12 in the 1988 edition):
//
//	ExtendedBodyPart ::= SEQUENCE {
//	  parameters  [0]  INSTANCE OF TYPE-IDENTIFIER OPTIONAL,
//	  data        INSTANCE OF TYPE-IDENTIFIER }
//
// INSTANCE OF TYPE-IDENTIFIER is encoded as EXTERNAL (X.681 Annex C);
// the parameters' [0] replaces the EXTERNAL tag.
type ExtendedBodyPart struct {
	Parameters *External // nil when absent
	Data       External
}

func (x *ExtendedBodyPart) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	if x.Parameters != nil {
		x.Parameters.encode(b, ber.Context(0))
	}
	x.Data.encode(b, ber.External)
	b.End(m)
}

// ExternalEncoding tells which alternative of EXTERNAL's encoding is used.
type ExternalEncoding uint8

// The EXTERNAL encodings, X.690 §8.18.
const (
	ExternalSingleASN1Type ExternalEncoding = iota // [0] the value's encoding
	ExternalOctetAligned                           // [1] IMPLICIT OCTET STRING
	ExternalArbitrary                              // [2] IMPLICIT BIT STRING
)

// External is a value of the EXTERNAL type, X.680 §37.5, X.690 §8.18
// (the 1988 form, which is also the encoding of INSTANCE OF):
//
//	EXTERNAL ::= [UNIVERSAL 8] IMPLICIT SEQUENCE {
//	  direct-reference       OBJECT IDENTIFIER OPTIONAL,
//	  indirect-reference     INTEGER OPTIONAL,
//	  data-value-descriptor  ObjectDescriptor OPTIONAL,
//	  encoding  CHOICE {
//	    single-ASN1-type  [0] ANY,
//	    octet-aligned     [1] IMPLICIT OCTET STRING,
//	    arbitrary         [2] IMPLICIT BIT STRING } }
type External struct {
	DirectReference      ber.OID // nil when absent
	HasIndirectReference bool
	IndirectReference    int64
	DataValueDescriptor  string // "" when absent
	Encoding             ExternalEncoding
	// Value is the encoding of a single-ASN1-type value.
	Value Raw
	// Octets is the octet-aligned value.
	Octets []byte
	// Bits is the arbitrary value.
	Bits ber.BitString
}

// plain reports whether x is a direct reference with a single ASN.1 value
// and nothing else, the form of INSTANCE OF.
func (x *External) plain() bool {
	return x.DirectReference != nil && !x.HasIndirectReference && x.DataValueDescriptor == "" &&
		x.Encoding == ExternalSingleASN1Type
}

func (x *External) decode(e *ber.Element) error {
	_, err := x.decodeValue(e)
	return err
}

// decodeValue decodes x from e and returns the element of the
// single-ASN1-type value (zero when another encoding is used).
func (x *External) decodeValue(e *ber.Element) (ber.Element, error) {
	var val ber.Element
	r, err := e.Children()
	if err != nil {
		return val, err
	}
	if r.PeekIs(ber.ObjectID) {
		c, _ := r.Next()
		if x.DirectReference, err = c.OID(); err != nil {
			return val, ber.Annotate(err, "direct-reference")
		}
	}
	if r.PeekIs(ber.Integer) {
		c, _ := r.Next()
		if x.IndirectReference, err = c.Int64(); err != nil {
			return val, ber.Annotate(err, "indirect-reference")
		}
		x.HasIndirectReference = true
	}
	if r.PeekIs(ber.Universal(ber.TagObjectDescriptor)) {
		c, _ := r.Next()
		if x.DataValueDescriptor, err = str(&c); err != nil {
			return val, ber.Annotate(err, "data-value-descriptor")
		}
	}
	c, err := r.Next()
	if err != nil {
		return val, ber.Annotate(err, "encoding")
	}
	switch c.Tag {
	case ber.Context(0):
		x.Encoding = ExternalSingleASN1Type
		vr, err := c.Children()
		if err != nil {
			return val, ber.Annotate(err, "single-ASN1-type")
		}
		if val, err = vr.Next(); err != nil {
			return val, ber.Annotate(err, "single-ASN1-type")
		}
		if err := vr.End("single-ASN1-type"); err != nil {
			return val, err
		}
		x.Value = Raw(val.Raw)
	case ber.Context(1):
		x.Encoding = ExternalOctetAligned
		if x.Octets, err = c.Bytes(); err != nil {
			return val, ber.Annotate(err, "octet-aligned")
		}
	case ber.Context(2):
		x.Encoding = ExternalArbitrary
		if x.Bits, err = c.BitString(); err != nil {
			return val, ber.Annotate(err, "arbitrary")
		}
	default:
		return val, c.Errorf("unexpected %s in EXTERNAL", c.Tag)
	}
	return val, r.End("EXTERNAL")
}

func (x *External) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	if x.DirectReference != nil {
		b.AddOID(ber.ObjectID, x.DirectReference)
	}
	if x.HasIndirectReference {
		b.AddInt(ber.Integer, x.IndirectReference)
	}
	if x.DataValueDescriptor != "" {
		b.AddString(ber.Universal(ber.TagObjectDescriptor), x.DataValueDescriptor)
	}
	switch x.Encoding {
	case ExternalSingleASN1Type:
		if len(x.Value) == 0 {
			b.Fail(errors.New("x400: EXTERNAL single-ASN1-type without a value"))
		}
		v := b.Begin(ber.Context(0))
		b.AddRaw(x.Value)
		b.End(v)
	case ExternalOctetAligned:
		b.AddPrimitive(ber.Context(1), x.Octets)
	case ExternalArbitrary:
		if (x.Bits.Len+7)/8 > len(x.Bits.Bytes) || x.Bits.Len < 0 {
			b.Fail(errors.New("x400: EXTERNAL arbitrary: bad BIT STRING length"))
			break
		}
		b.AddBitString(ber.Context(2), x.Bits)
	default:
		b.Fail(errors.New("x400: EXTERNAL with an unknown encoding"))
	}
	b.End(m)
}

// Repertoire is the repertoire of an IA5 text body part (X.420 IA5 text,
// §7.3.1 in the 1988 edition):
//
//	Repertoire ::= ENUMERATED { ita2(2), ia5(5) }  -- DEFAULT ia5
//
// The Go zero value is the default, IA5; the constants are not the ASN.1
// values.
type Repertoire uint8

// The repertoires.
const (
	RepertoireIA5  Repertoire = iota // ia5(5), the default
	RepertoireITA2                   // ita2(2)
)

// IA5TextBodyPart is the IA5 text body part (X.420, §7.3.1 in the 1988
// edition):
//
//	IA5TextBodyPart ::= SEQUENCE { parameters IA5TextParameters, data IA5TextData }
//	IA5TextParameters ::= SET { repertoire [0] Repertoire DEFAULT ia5 }
//	IA5TextData ::= IA5String
//
// Data aliases the input. It is not checked to be 7-bit when decoded,
// since peers do send 8-bit text in IA5 body parts (BodyPart.Text then
// reports ok=false), and it is written back as it is.
type IA5TextBodyPart struct {
	Repertoire Repertoire
	Data       string
}

func (x *IA5TextBodyPart) decodeParameters(e *ber.Element) error {
	if e.Tag != ber.Set {
		return e.Errorf("expected SET, found %s", e.Tag)
	}
	r, err := e.Children()
	if err != nil {
		return err
	}
	if c, ok, err := r.Optional(ber.Context(0)); err != nil {
		return err
	} else if ok {
		v, err := c.Int64()
		if err != nil {
			return ber.Annotate(err, "repertoire")
		}
		switch v {
		case 5:
			x.Repertoire = RepertoireIA5
		case 2:
			x.Repertoire = RepertoireITA2
		default:
			return ber.Annotate(c.Errorf("repertoire %d not in ita2(2), ia5(5)", v), "repertoire")
		}
	}
	return r.End("IA5TextParameters")
}

func (x *IA5TextBodyPart) decodeData(e *ber.Element) error {
	if e.Tag != ber.IA5String {
		return e.Errorf("expected IA5String, found %s", e.Tag)
	}
	var err error
	x.Data, err = str(e)
	return err
}

func (x *IA5TextBodyPart) encodeParameters(b *ber.Builder) {
	m := b.Begin(ber.Set)
	switch x.Repertoire {
	case RepertoireIA5:
	case RepertoireITA2:
		b.AddInt(ber.Context(0), 2)
	default:
		b.Fail(errors.New("x400: invalid IA5 text repertoire"))
	}
	b.End(m)
}

func (x *IA5TextBodyPart) encodeData(b *ber.Builder) { b.AddString(ber.IA5String, x.Data) }

// TeletexBodyPart is the teletex body part (X.420, §7.3.5 in the 1988
// edition):
//
//	TeletexBodyPart ::= SEQUENCE { parameters TeletexParameters, data TeletexData }
//	TeletexParameters ::= SET {
//	  number-of-pages       [0]  INTEGER OPTIONAL,
//	  telex-compatible      [1]  BOOLEAN DEFAULT FALSE,
//	  non-basic-parameters  [2]  TeletexNonBasicParameters OPTIONAL }
//	TeletexData ::= SEQUENCE OF TeletexString
//
// Data holds the T.61 octets of each string as received (aliasing the
// input), so that text with escape sequences the T.61 converter does not
// know is still carried; Text converts them.
type TeletexBodyPart struct {
	NumberOfPages   int // 0 when absent
	TelexCompatible bool
	// NonBasicParameters is the whole [2] element, kept as it is; nil when
	// absent.
	NonBasicParameters Raw
	Data               [][]byte
}

// Text returns the concatenated strings as UTF-8; ok is false if one of
// them is not T.61 that T61ToUTF8 accepts.
func (x *TeletexBodyPart) Text() (string, bool) {
	if len(x.Data) == 1 {
		s, err := T61ToUTF8(x.Data[0])
		return s, err == nil
	}
	var sb strings.Builder
	for _, d := range x.Data {
		s, err := T61ToUTF8(d)
		if err != nil {
			return "", false
		}
		sb.WriteString(s)
	}
	return sb.String(), true
}

func (x *TeletexBodyPart) decodeParameters(e *ber.Element) error {
	if e.Tag != ber.Set {
		return e.Errorf("expected SET, found %s", e.Tag)
	}
	r, err := e.Children()
	if err != nil {
		return err
	}
	if c, ok, err := r.Optional(ber.Context(0)); err != nil {
		return err
	} else if ok {
		if x.NumberOfPages, err = c.Int(); err != nil {
			return ber.Annotate(err, "number-of-pages")
		}
	}
	if c, ok, err := r.Optional(ber.Context(1)); err != nil {
		return err
	} else if ok {
		if x.TelexCompatible, err = c.Bool(); err != nil {
			return ber.Annotate(err, "telex-compatible")
		}
	}
	if c, ok, err := r.Optional(ber.Context(2)); err != nil {
		return err
	} else if ok {
		if !c.Constructed {
			return ber.Annotate(c.Errorf("%s: expected a constructed SET", c.Tag), "non-basic-parameters")
		}
		x.NonBasicParameters = Raw(c.Raw)
	}
	return r.End("TeletexParameters")
}

func (x *TeletexBodyPart) decodeData(e *ber.Element) error {
	if e.Tag != ber.Sequence {
		return e.Errorf("expected SEQUENCE, found %s", e.Tag)
	}
	r, err := e.Children()
	if err != nil {
		return err
	}
	x.Data = make([][]byte, 0, listCap(&r))
	for !r.Empty() {
		c, err := r.Expect(ber.TeletexString)
		if err != nil {
			return err
		}
		s, err := c.Bytes()
		if err != nil {
			return err
		}
		x.Data = append(x.Data, s)
	}
	return nil
}

func (x *TeletexBodyPart) encodeParameters(b *ber.Builder) {
	m := b.Begin(ber.Set)
	if x.NumberOfPages != 0 {
		b.AddInt(ber.Context(0), int64(x.NumberOfPages))
	}
	if x.TelexCompatible {
		b.AddBool(ber.Context(1), true)
	}
	if x.NonBasicParameters != nil {
		b.AddRaw(x.NonBasicParameters)
	}
	b.End(m)
}

func (x *TeletexBodyPart) encodeData(b *ber.Builder) {
	m := b.Begin(ber.Sequence)
	for _, d := range x.Data {
		b.AddPrimitive(ber.TeletexString, d)
	}
	b.End(m)
}

// G3FacsimileBodyPart is the G3 facsimile body part (X.420, §7.3.3 in
// the 1988 edition):
//
//	G3FacsimileBodyPart ::= SEQUENCE { parameters G3FacsimileParameters, data G3FacsimileData }
//	G3FacsimileParameters ::= SET {
//	  number-of-pages       [0]  INTEGER OPTIONAL,
//	  non-basic-parameters  [1]  G3FacsimileNonBasicParameters OPTIONAL }
//	G3FacsimileData ::= SEQUENCE OF BIT STRING
type G3FacsimileBodyPart struct {
	NumberOfPages int // 0 when absent
	// NonBasicParameters is the whole [1] element (a BIT STRING of T.30
	// options), kept as it is; nil when absent.
	NonBasicParameters Raw
	// Pages are the T.4 encoded pages.
	Pages []ber.BitString
}

func (x *G3FacsimileBodyPart) decodeParameters(e *ber.Element) error {
	if e.Tag != ber.Set {
		return e.Errorf("expected SET, found %s", e.Tag)
	}
	r, err := e.Children()
	if err != nil {
		return err
	}
	if c, ok, err := r.Optional(ber.Context(0)); err != nil {
		return err
	} else if ok {
		if x.NumberOfPages, err = c.Int(); err != nil {
			return ber.Annotate(err, "number-of-pages")
		}
	}
	if c, ok, err := r.Optional(ber.Context(1)); err != nil {
		return err
	} else if ok {
		if _, err := c.BitString(); err != nil {
			return ber.Annotate(err, "non-basic-parameters")
		}
		x.NonBasicParameters = Raw(c.Raw)
	}
	return r.End("G3FacsimileParameters")
}

func (x *G3FacsimileBodyPart) decodeData(e *ber.Element) error {
	if e.Tag != ber.Sequence {
		return e.Errorf("expected SEQUENCE, found %s", e.Tag)
	}
	r, err := e.Children()
	if err != nil {
		return err
	}
	x.Pages = make([]ber.BitString, 0, listCap(&r))
	for !r.Empty() {
		c, err := r.Expect(ber.BitStringTag)
		if err != nil {
			return err
		}
		bs, err := c.BitString()
		if err != nil {
			return err
		}
		x.Pages = append(x.Pages, bs)
	}
	return nil
}

func (x *G3FacsimileBodyPart) encodeParameters(b *ber.Builder) {
	m := b.Begin(ber.Set)
	if x.NumberOfPages != 0 {
		b.AddInt(ber.Context(0), int64(x.NumberOfPages))
	}
	if x.NonBasicParameters != nil {
		b.AddRaw(x.NonBasicParameters)
	}
	b.End(m)
}

func (x *G3FacsimileBodyPart) encodeData(b *ber.Builder) {
	m := b.Begin(ber.Sequence)
	for _, p := range x.Pages {
		if p.Len < 0 || (p.Len+7)/8 > len(p.Bytes) {
			b.Fail(errors.New("x400: g3-facsimile page with a bad BIT STRING length"))
			continue
		}
		b.AddBitString(ber.BitStringTag, p)
	}
	b.End(m)
}

// VideotexBodyPart is the videotex body part (X.420, §7.3.6 in the 1988
// edition):
//
//	VideotexBodyPart ::= SEQUENCE { parameters VideotexParameters, data VideotexData }
//	VideotexParameters ::= SET { syntax [0] VideotexSyntax OPTIONAL }
//	VideotexSyntax ::= INTEGER { ids(0), data-syntax1(1), data-syntax2(2), data-syntax3(3) }
//	VideotexData ::= VideotexString
type VideotexBodyPart struct {
	Syntax *int // nil when absent
	Data   []byte
}

func (x *VideotexBodyPart) decodeParameters(e *ber.Element) error {
	if e.Tag != ber.Set {
		return e.Errorf("expected SET, found %s", e.Tag)
	}
	r, err := e.Children()
	if err != nil {
		return err
	}
	if c, ok, err := r.Optional(ber.Context(0)); err != nil {
		return err
	} else if ok {
		v, err := c.Int()
		if err != nil {
			return ber.Annotate(err, "syntax")
		}
		x.Syntax = &v
	}
	return r.End("VideotexParameters")
}

func (x *VideotexBodyPart) decodeData(e *ber.Element) error {
	if e.Tag != ber.Universal(ber.TagVideotexString) {
		return e.Errorf("expected VideotexString, found %s", e.Tag)
	}
	var err error
	x.Data, err = e.Bytes()
	return err
}

func (x *VideotexBodyPart) encodeParameters(b *ber.Builder) {
	m := b.Begin(ber.Set)
	if x.Syntax != nil {
		b.AddInt(ber.Context(0), int64(*x.Syntax))
	}
	b.End(m)
}

func (x *VideotexBodyPart) encodeData(b *ber.Builder) {
	b.AddPrimitive(ber.Universal(ber.TagVideotexString), x.Data)
}

// MessageBodyPart is a forwarded IPM, the message body part (X.420,
// §7.3.8 in the 1988 edition):
//
//	MessageBodyPart ::= SEQUENCE { parameters MessageParameters, data MessageData }
//	MessageParameters ::= SET {
//	  delivery-time      [0]  MessageDeliveryTime OPTIONAL,
//	  delivery-envelope  [1]  OtherMessageDeliveryFields OPTIONAL }
//	MessageData ::= IPM
type MessageBodyPart struct {
	DeliveryTime time.Time // zero when absent
	// DeliveryEnvelope is the whole [1] element (X.411
	// OtherMessageDeliveryFields), kept as it is; nil when absent.
	DeliveryEnvelope Raw
	IPM              IPM
}

func (x *MessageBodyPart) decodeParameters(e *ber.Element) error {
	if e.Tag != ber.Set {
		return e.Errorf("expected SET, found %s", e.Tag)
	}
	r, err := e.Children()
	if err != nil {
		return err
	}
	if c, ok, err := r.Optional(ber.Context(0)); err != nil {
		return err
	} else if ok {
		if x.DeliveryTime, err = c.UTCTime(); err != nil {
			return ber.Annotate(err, "delivery-time")
		}
	}
	if c, ok, err := r.Optional(ber.Context(1)); err != nil {
		return err
	} else if ok {
		if !c.Constructed {
			return ber.Annotate(c.Errorf("%s: expected a constructed SET", c.Tag), "delivery-envelope")
		}
		x.DeliveryEnvelope = Raw(c.Raw)
	}
	return r.End("MessageParameters")
}

func (x *MessageBodyPart) decodeData(e *ber.Element) error {
	if e.Tag != ber.Sequence {
		return e.Errorf("expected SEQUENCE (IPM), found %s", e.Tag)
	}
	return x.IPM.decode(e)
}

func (x *MessageBodyPart) encodeParameters(b *ber.Builder) {
	m := b.Begin(ber.Set)
	if !x.DeliveryTime.IsZero() {
		b.AddUTCTime(ber.Context(0), x.DeliveryTime)
	}
	if x.DeliveryEnvelope != nil {
		b.AddRaw(x.DeliveryEnvelope)
	}
	b.End(m)
}

func (x *MessageBodyPart) encodeData(b *ber.Builder) { x.IPM.encode(b, ber.Sequence) }

// GeneralTextBodyPart is the general text extended body part, X.420
// Annex A (IPMSExtendedBodyPartTypes2), identified by id-et-general-text
// with parameters id-ep-general-text:
//
//	GeneralTextParameters ::= SET OF CharacterSetRegistration
//	GeneralTextData ::= GeneralString
//	CharacterSetRegistration ::= INTEGER (1..32767)
//
// CharacterSets are ISO International Register (ISO-IR) numbers: 1 (C0),
// 6 (ASCII), 77 (C1), 100 (ISO 8859-1 right half), 196 (UTF-8) ...; nil
// when the parameters are absent. Data is the GeneralString's octets (ISO
// 2022 coded), aliasing the input.
type GeneralTextBodyPart struct {
	CharacterSets []int
	Data          []byte
}

// decodeParameters reads the character sets, into buf when they fit.
func (x *GeneralTextBodyPart) decodeParameters(e *ber.Element, buf []int) error {
	if e.Tag != ber.Set {
		return e.Errorf("expected SET OF, found %s", e.Tag)
	}
	r, err := e.Children()
	if err != nil {
		return err
	}
	if n := listCap(&r); n <= len(buf) {
		x.CharacterSets = buf[:0:n]
	} else {
		x.CharacterSets = make([]int, 0, n)
	}
	for !r.Empty() {
		c, err := r.Expect(ber.Integer)
		if err != nil {
			return err
		}
		v, err := c.Int()
		if err != nil {
			return err
		}
		if v < 1 || v > 32767 {
			return c.Errorf("character set registration %d not in 1..32767", v)
		}
		x.CharacterSets = append(x.CharacterSets, v)
	}
	return nil
}

func (x *GeneralTextBodyPart) decodeData(e *ber.Element) error {
	if e.Tag != ber.GeneralString {
		return e.Errorf("expected GeneralString, found %s", e.Tag)
	}
	var err error
	x.Data, err = e.Bytes()
	return err
}

func (x *GeneralTextBodyPart) encodeParameters(b *ber.Builder) {
	m := b.Begin(ber.Set)
	sorted := true
	for i, v := range x.CharacterSets {
		if v < 1 || v > 32767 {
			b.Fail(errors.New("x400: general text: character set registration out of range"))
		}
		if i > 0 && v < x.CharacterSets[i-1] {
			sorted = false
		}
		b.AddInt(ber.Integer, int64(v))
	}
	// For INTEGERs in 1..32767 the DER order of the encodings (X.690
	// §11.6) is the numeric order.
	if sorted {
		b.End(m)
	} else {
		b.EndSetOf(m)
	}
}

func (x *GeneralTextBodyPart) encodeData(b *ber.Builder) { b.AddPrimitive(ber.GeneralString, x.Data) }
