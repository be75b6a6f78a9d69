// Package acse encodes and decodes the APDUs of the Association Control
// Service Element, ISO 8650-1 / ITU-T X.227 (module ACSE-1, clause 9 of
// X.227 (1994)): AARQ, AARE, RLRQ, RLRE and ABRT, with their EXTERNAL user
// information.
//
// The package has no state: the association layer decodes each APDU found
// in a presentation PDV of the ACSE context (abstract syntax 2.2.1.0.1)
// with Decode and encodes with the Append functions. User information is
// kept as EXTERNALs whose values are raw encodings (for P1: the RTSE
// RTORQ/RTOAC/RTORJ APDU, package rtse). Decoded values alias the input.
//
// Every decoding error is an *Error naming the APDU, the field and the
// byte offset, with the ABRT source and diagnostic to answer it with.
package acse

import (
	"errors"
	"fmt"

	"mixerd/ber"
)

// Limits on repeated components.
const (
	MaxExternals = 16 // EXTERNALs in one user-information
)

// Well-known object identifiers.
var (
	AbstractSyntax = ber.MustOID("2.2.1.0.1") // acse-as-id: the ACSE abstract syntax
	MTSTransfer    = ber.MustOID("2.6.0.1.6") // id-ac-mts-transfer, PP's P1 application context
	BER            = ber.MustOID("2.1.1")     // basic-encoding
)

// AbortSource is ABRT-source.
type AbortSource int

// ABRT-source values.
const (
	SourceServiceUser     AbortSource = 0
	SourceServiceProvider AbortSource = 1
)

// AbortDiagnostic is ABRT-diagnostic.
type AbortDiagnostic int

// ABRT-diagnostic values (X.227 §9.1).
const (
	NoReasonGiven                            AbortDiagnostic = 1
	ProtocolError                            AbortDiagnostic = 2
	AuthenticationMechanismNameNotRecognized AbortDiagnostic = 3
	AuthenticationMechanismNameRequired      AbortDiagnostic = 4
	AuthenticationFailure                    AbortDiagnostic = 5
	AuthenticationRequired                   AbortDiagnostic = 6
)

// Error is an APDU that could not be decoded or a value that cannot be
// encoded. Source and Diagnostic are what an ABRT answering it carries
// (service-provider, protocol-error).
type Error struct {
	APDU       string // "AARQ", "AARE", "RLRQ", "RLRE", "ABRT", "EXTERNAL", "ACSE-apdu"
	Field      string
	Offset     int
	Source     AbortSource
	Diagnostic AbortDiagnostic
	Msg        string
	Err        error // the underlying *ber.Error, if any
}

func (e *Error) Error() string {
	s := "acse: " + e.APDU
	if e.Field != "" {
		s += ": " + e.Field
	}
	s += fmt.Sprintf(": offset %d: ", e.Offset)
	if e.Msg != "" {
		return s + e.Msg
	}
	if e.Err != nil {
		return s + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func wrap(apdu, field string, err error) error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return err
	}
	e := &Error{APDU: apdu, Field: field, Source: SourceServiceProvider, Diagnostic: ProtocolError, Err: err}
	var be *ber.Error
	if errors.As(err, &be) {
		e.Offset, e.Msg = be.Offset, be.Msg
	}
	return e
}

func fail(apdu, field string, off int, format string, args ...any) error {
	return &Error{APDU: apdu, Field: field, Offset: off, Source: SourceServiceProvider, Diagnostic: ProtocolError, Msg: fmt.Sprintf(format, args...)}
}

// NewABRT returns the ABRT that answers err: service-provider and
// protocol-error for a decoding error.
func NewABRT(err error) *ABRT {
	d := ProtocolError
	a := &ABRT{Source: SourceServiceProvider, Diagnostic: &d}
	var e *Error
	if errors.As(err, &e) {
		a.Source, d = e.Source, e.Diagnostic
	}
	return a
}

// Encoding selects the encoding alternative of an EXTERNAL.
type Encoding int

// EXTERNAL encoding alternatives.
const (
	SingleASN1Type Encoding = 0 // [0] ANY: Value is the complete encoding of one value
	OctetAligned   Encoding = 1 // [1] IMPLICIT OCTET STRING
	Arbitrary      Encoding = 2 // [2] IMPLICIT BIT STRING: Value with BitLen bits
)

// External is an EXTERNAL (X.208 §34 / X.690 §8.18), an item of
// Association-data.
//
//	EXTERNAL ::= [UNIVERSAL 8] IMPLICIT SEQUENCE {
//	  direct-reference OBJECT IDENTIFIER OPTIONAL,
//	  indirect-reference INTEGER OPTIONAL,
//	  data-value-descriptor ObjectDescriptor OPTIONAL,
//	  encoding CHOICE {single-ASN1-type [0] ANY, octet-aligned [1] IMPLICIT OCTET STRING,
//	                   arbitrary [2] IMPLICIT BIT STRING}}
//
// PP sends direct-reference 2.1.1 (the transfer syntax) and
// indirect-reference 3 (the presentation context of id-as-mta-rtse).
type External struct {
	DirectReference     ber.OID // nil when absent
	IndirectReference   *int    // the presentation context identifier
	DataValueDescriptor []byte  // nil when absent
	Encoding            Encoding
	Value               []byte
	BitLen              int // Arbitrary only
}

func readExternal(r *ber.Reader, apdu string) (External, error) {
	var x External
	e, err := r.Expect(ber.External)
	if err != nil {
		return x, wrap(apdu, "EXTERNAL", err)
	}
	c, err := e.Children()
	if err != nil {
		return x, wrap(apdu, "EXTERNAL", err)
	}
	if f, ok, err := c.Optional(ber.ObjectID); err != nil {
		return x, wrap(apdu, "direct-reference", err)
	} else if ok {
		if x.DirectReference, err = f.OID(); err != nil {
			return x, wrap(apdu, "direct-reference", err)
		}
	}
	if f, ok, err := c.Optional(ber.Integer); err != nil {
		return x, wrap(apdu, "indirect-reference", err)
	} else if ok {
		v, err := f.Int()
		if err != nil {
			return x, wrap(apdu, "indirect-reference", err)
		}
		x.IndirectReference = &v
	}
	if f, ok, err := c.Optional(ber.Universal(ber.TagObjectDescriptor)); err != nil {
		return x, wrap(apdu, "data-value-descriptor", err)
	} else if ok {
		if x.DataValueDescriptor, err = f.Bytes(); err != nil {
			return x, wrap(apdu, "data-value-descriptor", err)
		}
	}
	v, err := c.Next()
	if err != nil {
		return x, wrap(apdu, "encoding", err)
	}
	switch v.Tag {
	case ber.Context(0):
		x.Encoding = SingleASN1Type
		in, err := v.Children()
		var one ber.Element
		if err == nil {
			one, err = in.Next()
		}
		if err == nil {
			err = in.End("single-ASN1-type")
		}
		if err != nil {
			return x, wrap(apdu, "single-ASN1-type", err)
		}
		x.Value = one.Raw
	case ber.Context(1):
		x.Encoding = OctetAligned
		if x.Value, err = v.Bytes(); err != nil {
			return x, wrap(apdu, "octet-aligned", err)
		}
	case ber.Context(2):
		x.Encoding = Arbitrary
		bs, err := v.BitString()
		if err != nil {
			return x, wrap(apdu, "arbitrary", err)
		}
		bs = cleanBits(bs)
		x.Value, x.BitLen = bs.Bytes, bs.Len
	default:
		return x, fail(apdu, "encoding", v.Offset, "unexpected %s", v.Tag)
	}
	if err := c.End("EXTERNAL"); err != nil {
		return x, wrap(apdu, "EXTERNAL", err)
	}
	return x, nil
}

func addExternal(b *ber.Builder, x *External, apdu string) {
	m := b.Begin(ber.External)
	if x.DirectReference != nil {
		b.AddOID(ber.ObjectID, x.DirectReference)
	}
	if x.IndirectReference != nil {
		b.AddInt(ber.Integer, int64(*x.IndirectReference))
	}
	if x.DataValueDescriptor != nil {
		b.AddPrimitive(ber.Universal(ber.TagObjectDescriptor), x.DataValueDescriptor)
	}
	switch x.Encoding {
	case SingleASN1Type:
		if err := checkOne(x.Value, apdu, "single-ASN1-type"); err != nil {
			b.Fail(err)
			return
		}
		v := b.Begin(ber.Context(0))
		b.AddRaw(x.Value)
		b.End(v)
	case OctetAligned:
		b.AddPrimitive(ber.Context(1), x.Value)
	case Arbitrary:
		if x.BitLen < 0 || (x.BitLen+7)/8 > len(x.Value) {
			b.Fail(fail(apdu, "arbitrary", 0, "BitLen %d does not fit %d octets", x.BitLen, len(x.Value)))
			return
		}
		b.AddBitString(ber.Context(2), ber.BitString{Bytes: x.Value, Len: x.BitLen})
	default:
		b.Fail(fail(apdu, "encoding", 0, "unknown encoding %d", x.Encoding))
		return
	}
	b.End(m)
}

// checkOne reports whether raw is exactly one well-formed BER element.
func checkOne(raw []byte, apdu, field string) error {
	r := ber.NewReader(raw, nil)
	if _, err := r.Next(); err != nil {
		return wrap(apdu, field, err)
	}
	if !r.Empty() {
		return fail(apdu, field, r.Offset(), "more than one element")
	}
	return nil
}

// DecodeExternal decodes one EXTERNAL (for instance a user-information
// item kept elsewhere).
func DecodeExternal(b []byte) (*External, error) {
	r := ber.NewReader(b, nil)
	x, err := readExternal(&r, "EXTERNAL")
	if err != nil {
		return nil, err
	}
	if err := r.End("EXTERNAL"); err != nil {
		return nil, wrap("EXTERNAL", "", err)
	}
	return &x, nil
}

// AppendExternal appends the encoding of x.
func AppendExternal(dst []byte, x *External) ([]byte, error) {
	var b ber.Builder
	addExternal(&b, x, "EXTERNAL")
	if err := b.Err(); err != nil {
		return dst, err
	}
	return append(dst, b.Bytes()...), nil
}

// cleanBits returns bs with its unused trailing bits zero, as the encoders
// write them.
func cleanBits(bs ber.BitString) ber.BitString {
	n := (bs.Len + 7) / 8
	if bs.Bytes == nil {
		bs.Bytes = []byte{}
	}
	bs.Bytes = bs.Bytes[:n:n]
	if r := bs.Len % 8; r != 0 {
		last := bs.Bytes[n-1] & (0xff << (8 - r))
		if last != bs.Bytes[n-1] {
			c := make([]byte, n)
			copy(c, bs.Bytes)
			c[n-1] = last
			bs.Bytes = c
		}
	}
	return bs
}
