// Package ber reads and writes ASN.1 values in the Basic Encoding Rules and
// writes them in the Distinguished Encoding Rules, see ITU-T X.690 (08/2015).
//
// Reading accepts BER as real peers send it (X.690 §8): definite and
// indefinite lengths (§8.1.3), primitive and constructed string forms, nested
// and concatenated (§8.7.3, §8.23.6), all four tag classes and high tag
// numbers (§8.1.2.4), long-form and non-minimal lengths. Reading is bounded:
// a length that claims more bytes than are present, nesting deeper than
// Limits.MaxDepth, or more elements than Limits.MaxElements are errors that
// name the byte offset; no claim in the input causes an allocation larger
// than the input itself.
//
// Reading does not copy: a Reader is a cursor over the caller's bytes, in the
// style of golang.org/x/crypto/cryptobyte, and an Element's Content and Raw
// are sub-slices of them. Only constructed strings, which must be
// concatenated, allocate.
//
// Writing (Builder) produces DER (X.690 §10, §11): definite lengths in the
// minimal number of octets, minimal integers, BOOLEAN TRUE as 0xFF, SET
// components in tag order (§10.3) and SET OF components in the order of
// their encodings (§11.6).
package ber

import (
	"fmt"
	"strconv"
	"strings"
)

// Class is the class of a tag, X.690 §8.1.2.2 Table 1.
type Class uint8

// The four tag classes.
const (
	ClassUniversal   Class = 0
	ClassApplication Class = 1
	ClassContext     Class = 2
	ClassPrivate     Class = 3
)

func (c Class) String() string {
	switch c {
	case ClassUniversal:
		return "UNIVERSAL"
	case ClassApplication:
		return "APPLICATION"
	case ClassContext:
		return "CONTEXT"
	default:
		return "PRIVATE"
	}
}

// Tag is an ASN.1 tag: a class and a number.
type Tag struct {
	Class  Class
	Number uint32
}

// Universal, Application, Context and Private make tags of each class.
func Universal(n uint32) Tag   { return Tag{ClassUniversal, n} }
func Application(n uint32) Tag { return Tag{ClassApplication, n} }
func Context(n uint32) Tag     { return Tag{ClassContext, n} }
func Private(n uint32) Tag     { return Tag{ClassPrivate, n} }

// Universal tag numbers, X.680 §8.4 Table 1.
const (
	TagBoolean          = 1
	TagInteger          = 2
	TagBitString        = 3
	TagOctetString      = 4
	TagNull             = 5
	TagOID              = 6
	TagObjectDescriptor = 7
	TagExternal         = 8
	TagReal             = 9
	TagEnumerated       = 10
	TagUTF8String       = 12
	TagRelativeOID      = 13
	TagSequence         = 16
	TagSet              = 17
	TagNumericString    = 18
	TagPrintableString  = 19
	TagTeletexString    = 20
	TagVideotexString   = 21
	TagIA5String        = 22
	TagUTCTime          = 23
	TagGeneralizedTime  = 24
	TagGraphicString    = 25
	TagVisibleString    = 26
	TagGeneralString    = 27
	TagUniversalString  = 28
	TagBMPString        = 30
)

// Frequently used universal tags.
var (
	Boolean         = Universal(TagBoolean)
	Integer         = Universal(TagInteger)
	BitStringTag    = Universal(TagBitString)
	OctetString     = Universal(TagOctetString)
	Null            = Universal(TagNull)
	ObjectID        = Universal(TagOID)
	External        = Universal(TagExternal)
	Enumerated      = Universal(TagEnumerated)
	UTF8String      = Universal(TagUTF8String)
	Sequence        = Universal(TagSequence)
	Set             = Universal(TagSet)
	NumericString   = Universal(TagNumericString)
	PrintableString = Universal(TagPrintableString)
	TeletexString   = Universal(TagTeletexString)
	IA5String       = Universal(TagIA5String)
	UTCTimeTag      = Universal(TagUTCTime)
	GeneralizedTag  = Universal(TagGeneralizedTime)
	VisibleString   = Universal(TagVisibleString)
	GeneralString   = Universal(TagGeneralString)
	UniversalString = Universal(TagUniversalString)
	BMPString       = Universal(TagBMPString)
)

var universalNames = map[uint32]string{
	TagBoolean: "BOOLEAN", TagInteger: "INTEGER", TagBitString: "BIT STRING",
	TagOctetString: "OCTET STRING", TagNull: "NULL", TagOID: "OBJECT IDENTIFIER",
	TagObjectDescriptor: "ObjectDescriptor", TagExternal: "EXTERNAL", TagReal: "REAL",
	TagEnumerated: "ENUMERATED", TagUTF8String: "UTF8String", TagRelativeOID: "RELATIVE-OID",
	TagSequence: "SEQUENCE", TagSet: "SET", TagNumericString: "NumericString",
	TagPrintableString: "PrintableString", TagTeletexString: "TeletexString",
	TagVideotexString: "VideotexString", TagIA5String: "IA5String", TagUTCTime: "UTCTime",
	TagGeneralizedTime: "GeneralizedTime", TagGraphicString: "GraphicString",
	TagVisibleString: "VisibleString", TagGeneralString: "GeneralString",
	TagUniversalString: "UniversalString", TagBMPString: "BMPString",
}

// String returns the tag in ASN.1 notation: "[2]", "[APPLICATION 3]", or the
// name of a universal type ("SEQUENCE").
func (t Tag) String() string {
	switch t.Class {
	case ClassUniversal:
		if n, ok := universalNames[t.Number]; ok {
			return n
		}
		return "[UNIVERSAL " + strconv.FormatUint(uint64(t.Number), 10) + "]"
	case ClassContext:
		return "[" + strconv.FormatUint(uint64(t.Number), 10) + "]"
	default:
		return "[" + t.Class.String() + " " + strconv.FormatUint(uint64(t.Number), 10) + "]"
	}
}

// IsString reports whether t is the universal tag of a string type whose
// constructed form is a concatenation of segments (X.690 §8.7.3, §8.23.6).
func (t Tag) IsString() bool {
	if t.Class != ClassUniversal {
		return false
	}
	switch t.Number {
	case TagBitString, TagOctetString, TagObjectDescriptor, TagUTF8String, TagUTCTime, TagGeneralizedTime:
		return true
	}
	return t.Number >= TagNumericString && t.Number <= TagBMPString && t.Number != 29
}

// Limits bound what a Reader accepts. The zero value of a field means its
// default.
type Limits struct {
	// MaxDepth is the deepest nesting of constructed elements (default 64).
	MaxDepth int
	// MaxElements is the most elements one Reader tree may return from
	// Next, counting every level (default 1,000,000).
	MaxElements int
}

// DefaultLimits are the limits used when nil is passed to NewReader.
var DefaultLimits = Limits{MaxDepth: 64, MaxElements: 1_000_000}

// Error is a decoding error. It names the byte offset in the input where
// the problem was found and, when the caller annotated it, the path of
// elements being read.
type Error struct {
	Offset int
	// Path is the chain of element names, outermost last (Annotate appends).
	Path []string
	Msg  string
}

func (e *Error) Error() string {
	var sb strings.Builder
	sb.WriteString("ber: ")
	if len(e.Path) > 0 {
		for i := len(e.Path) - 1; i >= 0; i-- {
			sb.WriteString(e.Path[i])
			if i > 0 {
				sb.WriteByte('.')
			}
		}
		sb.WriteString(": ")
	}
	sb.WriteString("offset ")
	sb.WriteString(strconv.Itoa(e.Offset))
	sb.WriteString(": ")
	sb.WriteString(e.Msg)
	return sb.String()
}

// ElementPath returns the path as a dotted string, outermost first.
func (e *Error) ElementPath() string {
	p := make([]string, len(e.Path))
	for i := range e.Path {
		p[len(p)-1-i] = e.Path[i]
	}
	return strings.Join(p, ".")
}

func errorf(off int, format string, args ...any) *Error {
	return &Error{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// Annotate adds name as the next outer element to the path of err if err
// is an *Error, and returns err. Decoders call it on the way out so that an
// error reads "MTS-APDU.message.envelope.originator: offset 57: ...".
func Annotate(err error, name string) error {
	if e, ok := err.(*Error); ok {
		e.Path = append(e.Path, name)
	}
	return err
}

// Errorf makes an *Error at the given offset, for decoders above this
// package that find a value they cannot accept.
func Errorf(off int, format string, args ...any) error {
	return errorf(off, format, args...)
}
