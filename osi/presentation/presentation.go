// Package presentation encodes and decodes the PPDUs of the OSI connection
// oriented presentation protocol, ISO 8823-1 / ITU-T X.226 (1994), in normal
// mode and in X.410-1984 mode (clause 8 and the ASN.1 of clause 8.2,
// module ISO8823-PRESENTATION): CP-type, CPA-PPDU, CPR-PPDU, ARU-PPDU,
// ARP-PPDU, the User-data of the data PPDUs (TD, TTD, and CPC-type),
// Typed-data-type with AC-PPDU / ACA-PPDU, and RS-PPDU / RSA-PPDU. The
// capability data and expedited data PPDUs (TC, TCC, TE) carry a User-data
// as well and are read with DecodeUserData.
//
// The package has no state: the association layer decodes each PPDU that
// the session layer delivers (the user data of an S-CONNECT, S-DATA, ...)
// with one of the Decode functions and encodes with the Append functions.
// Presentation data values are kept as raw encodings with their
// presentation context identifier; X.410-1984 mode parameters (the RTSE
// RTORQ/RTOAC/RTORJ/RTAB APDUs) are kept as raw encodings for package rtse.
//
// Decoded values alias the input slice. Every decoding error is an *Error
// that names the PPDU, the field, the byte offset and the ARP-PPDU abort
// reason a peer should receive.
package presentation

import (
	"errors"
	"fmt"

	"mixerd/ber"
)

// Limits on the number of repeated components a decoder accepts.
const (
	MaxContexts         = 128 // presentation contexts in a definition or result list
	MaxTransferSyntaxes = 16  // transfer syntax names proposed for one context
	MaxPDVs             = 64  // PDV-lists in one Fully-encoded-data
)

// Mode is the mode-value of Mode-selector (X.226 §8.2).
type Mode int

// Presentation modes.
const (
	ModeX410   Mode = 0 // x410-1984-mode
	ModeNormal Mode = 1 // normal-mode
)

// AbortReason is Abort-reason, the provider-reason of an ARP-PPDU.
type AbortReason int

// Abort-reason values (X.226 §8.2).
const (
	ReasonNotSpecified                AbortReason = 0
	UnrecognizedPPDU                  AbortReason = 1
	UnexpectedPPDU                    AbortReason = 2
	UnexpectedSessionServicePrimitive AbortReason = 3
	UnrecognizedPPDUParameter         AbortReason = 4
	UnexpectedPPDUParameter           AbortReason = 5
	InvalidPPDUParameterValue         AbortReason = 6
)

// ProviderReason is Provider-reason, carried by a CPR-PPDU.
type ProviderReason int

// Provider-reason values (X.226 §8.2).
const (
	ProviderReasonNotSpecified       ProviderReason = 0
	TemporaryCongestion              ProviderReason = 1
	LocalLimitExceeded               ProviderReason = 2
	CalledPresentationAddressUnknown ProviderReason = 3
	ProtocolVersionNotSupported      ProviderReason = 4
	DefaultContextNotSupported       ProviderReason = 5
	UserDataNotReadable              ProviderReason = 6
	NoPSAPAvailable                  ProviderReason = 7
)

// Result is Result: the outcome for one presentation context.
type Result int

// Result values.
const (
	Acceptance        Result = 0
	UserRejection     Result = 1
	ProviderRejection Result = 2
)

// Error is a PPDU that could not be decoded (or a value that cannot be
// encoded).
type Error struct {
	PDU    string      // "CP", "CPA", "CPR", "ARU", "ARP", "User-data", ...
	Field  string      // the component, e.g. "presentation-context-definition-list"
	Offset int         // byte offset in the decoded input
	Reason AbortReason // the provider-reason of the ARP-PPDU to answer with
	Msg    string
	Err    error // the underlying *ber.Error, if any
}

func (e *Error) Error() string {
	s := "presentation: " + e.PDU
	if e.Field != "" {
		s += ": " + e.Field
	}
	s += fmt.Sprintf(": offset %d: ", e.Offset)
	if e.Msg != "" {
		s += e.Msg
	} else if e.Err != nil {
		s += e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func wrap(pdu, field string, reason AbortReason, err error) error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		return err
	}
	e := &Error{PDU: pdu, Field: field, Reason: reason, Err: err}
	var be *ber.Error
	if errors.As(err, &be) {
		e.Offset = be.Offset
		e.Msg = be.Msg
	}
	return e
}

func fail(pdu, field string, off int, reason AbortReason, format string, args ...any) error {
	return &Error{PDU: pdu, Field: field, Offset: off, Reason: reason, Msg: fmt.Sprintf(format, args...)}
}

// Well-known object identifiers.
var (
	BER          = ber.MustOID("2.1.1")     // basic-encoding transfer syntax
	ACSEAbstract = ber.MustOID("2.2.1.0.1") // id-as-acse
)

// Context is one item of a Context-list (the presentation context
// definition list of CP, or an addition list).
//
//	SEQUENCE {presentation-context-identifier Presentation-context-identifier,
//	          abstract-syntax-name Abstract-syntax-name,
//	          transfer-syntax-name-list SEQUENCE OF Transfer-syntax-name}
type Context struct {
	ID               int
	AbstractSyntax   ber.OID
	TransferSyntaxes []ber.OID
}

// ContextResult is one item of a Result-list.
//
//	SEQUENCE {result [0] IMPLICIT Result,
//	          transfer-syntax-name [1] IMPLICIT Transfer-syntax-name OPTIONAL,
//	          provider-reason [2] IMPLICIT INTEGER {...} OPTIONAL}
type ContextResult struct {
	Result         Result
	TransferSyntax ber.OID // nil when absent
	ProviderReason *int    // reason-not-specified(0), abstract-syntax-not-supported(1), proposed-transfer-syntaxes-not-supported(2), local-limit-on-DCS-exceeded(3)
}

// DefaultContext is Default-context-name.
type DefaultContext struct {
	AbstractSyntax ber.OID
	TransferSyntax ber.OID
}

// Encoding selects the presentation-data-values alternative of a PDV-list.
type Encoding int

// presentation-data-values alternatives.
const (
	SingleASN1Type Encoding = 0 // [0] ANY: Value is the complete encoding of one value
	OctetAligned   Encoding = 1 // [1] IMPLICIT OCTET STRING: Value is the octets
	Arbitrary      Encoding = 2 // [2] IMPLICIT BIT STRING: Value holds the bits, BitLen their number
)

// PDV is a PDV-list: the presentation data values of one context.
//
//	PDV-list ::= SEQUENCE {
//	  transfer-syntax-name Transfer-syntax-name OPTIONAL,
//	  presentation-context-identifier Presentation-context-identifier,
//	  presentation-data-values CHOICE {single-ASN1-type [0] ANY,
//	    octet-aligned [1] IMPLICIT OCTET STRING, arbitrary [2] IMPLICIT BIT STRING}}
type PDV struct {
	TransferSyntax ber.OID // nil when absent
	ContextID      int
	Encoding       Encoding
	Value          []byte
	BitLen         int // for Arbitrary only
}

// UserData is User-data (X.226 §8.2): either simply encoded octets or a
// list of PDVs (fully encoded), the form PP uses.
//
//	User-data ::= CHOICE {simply-encoded-data [APPLICATION 0] IMPLICIT OCTET STRING,
//	                      fully-encoded-data [APPLICATION 1] IMPLICIT SEQUENCE OF PDV-list}
type UserData struct {
	Simple bool   // simply-encoded-data
	Octets []byte // simply-encoded-data contents
	PDVs   []PDV  // fully-encoded-data
}

// PDV returns the first PDV of the presentation context id, or nil.
func (u *UserData) PDV(id int) *PDV {
	if u == nil {
		return nil
	}
	for i := range u.PDVs {
		if u.PDVs[i].ContextID == id {
			return &u.PDVs[i]
		}
	}
	return nil
}

// Fully returns fully-encoded user data of one single-ASN1-type value in
// presentation context id: what a TD-PPDU carries for one APDU.
func Fully(id int, value []byte) *UserData {
	return &UserData{PDVs: []PDV{{ContextID: id, Encoding: SingleASN1Type, Value: value}}}
}

// Tags.
var (
	tagSimple = ber.Application(0)
	tagFully  = ber.Application(1)
)

func isUserData(r *ber.Reader) bool { return r.PeekIs(tagFully) || r.PeekIs(tagSimple) }

// DecodeUserData decodes a User-data: the whole of a TD-PPDU or
// TTD-PPDU, or a CPC-type, as it arrives in S-DATA / S-TYPED-DATA /
// S-CAPABILITY-DATA user data.
func DecodeUserData(b []byte) (*UserData, error) {
	r := ber.NewReader(b, nil)
	u, err := readUserData(&r, "User-data")
	if err != nil {
		return nil, err
	}
	if err := r.End("User-data"); err != nil {
		return nil, wrap("User-data", "", UnexpectedPPDUParameter, err)
	}
	return u, nil
}

func readUserData(r *ber.Reader, pdu string) (*UserData, error) {
	e, err := r.Next()
	if err != nil {
		return nil, wrap(pdu, "user-data", UnrecognizedPPDU, err)
	}
	switch e.Tag {
	case tagSimple:
		v, err := e.Bytes()
		if err != nil {
			return nil, wrap(pdu, "simply-encoded-data", InvalidPPDUParameterValue, err)
		}
		return &UserData{Simple: true, Octets: v}, nil
	case tagFully:
	default:
		return nil, fail(pdu, "user-data", e.Offset, UnrecognizedPPDUParameter, "unexpected %s", e.Tag)
	}
	c, err := e.Children()
	if err != nil {
		return nil, wrap(pdu, "fully-encoded-data", InvalidPPDUParameterValue, err)
	}
	u := &UserData{}
	for !c.Empty() {
		if len(u.PDVs) == MaxPDVs {
			return nil, fail(pdu, "fully-encoded-data", c.Offset(), InvalidPPDUParameterValue, "more than %d PDV-lists", MaxPDVs)
		}
		p, err := readPDV(&c, pdu)
		if err != nil {
			return nil, err
		}
		u.PDVs = append(u.PDVs, p)
	}
	return u, nil
}

func readPDV(r *ber.Reader, pdu string) (PDV, error) {
	var p PDV
	const f = "PDV-list"
	e, err := r.Expect(ber.Sequence)
	if err != nil {
		return p, wrap(pdu, f, InvalidPPDUParameterValue, err)
	}
	c, err := e.Children()
	if err != nil {
		return p, wrap(pdu, f, InvalidPPDUParameterValue, err)
	}
	if ts, ok, err := c.Optional(ber.ObjectID); err != nil {
		return p, wrap(pdu, "transfer-syntax-name", InvalidPPDUParameterValue, err)
	} else if ok {
		if p.TransferSyntax, err = ts.OID(); err != nil {
			return p, wrap(pdu, "transfer-syntax-name", InvalidPPDUParameterValue, err)
		}
	}
	id, err := c.Expect(ber.Integer)
	if err == nil {
		p.ContextID, err = id.Int()
	}
	if err != nil {
		return p, wrap(pdu, "presentation-context-identifier", InvalidPPDUParameterValue, err)
	}
	v, err := c.Next()
	if err != nil {
		return p, wrap(pdu, "presentation-data-values", InvalidPPDUParameterValue, err)
	}
	switch v.Tag {
	case ber.Context(0):
		p.Encoding = SingleASN1Type
		in, err := v.Children()
		var one ber.Element
		if err == nil {
			one, err = in.Next()
		}
		if err == nil {
			err = in.End("single-ASN1-type")
		}
		if err != nil {
			return p, wrap(pdu, "single-ASN1-type", InvalidPPDUParameterValue, err)
		}
		p.Value = one.Raw
	case ber.Context(1):
		p.Encoding = OctetAligned
		if p.Value, err = v.Bytes(); err != nil {
			return p, wrap(pdu, "octet-aligned", InvalidPPDUParameterValue, err)
		}
	case ber.Context(2):
		p.Encoding = Arbitrary
		bs, err := v.BitString()
		if err != nil {
			return p, wrap(pdu, "arbitrary", InvalidPPDUParameterValue, err)
		}
		bs = cleanBits(bs)
		p.Value, p.BitLen = bs.Bytes, bs.Len
	default:
		return p, fail(pdu, "presentation-data-values", v.Offset, InvalidPPDUParameterValue, "unexpected %s", v.Tag)
	}
	if err := c.End(f); err != nil {
		return p, wrap(pdu, f, UnexpectedPPDUParameter, err)
	}
	return p, nil
}

// DecodeOnePDV decodes a User-data that must be fully encoded with
// exactly one PDV-list, as the TD-PPDU of every S-DATA of an RTSE
// transfer is (X.226 §8.2, X.228 §7.3). It is DecodeUserData without its
// allocations: the PDV is returned by value and its Value aliases b.
func DecodeOnePDV(b []byte) (PDV, error) {
	const pdu = "User-data"
	r := ber.NewReader(b, nil)
	e, err := r.Expect(tagFully)
	if err != nil {
		return PDV{}, wrap(pdu, "fully-encoded-data", UnrecognizedPPDUParameter, err)
	}
	if err := r.End(pdu); err != nil {
		return PDV{}, wrap(pdu, "", UnexpectedPPDUParameter, err)
	}
	c, err := e.Children()
	if err != nil {
		return PDV{}, wrap(pdu, "fully-encoded-data", InvalidPPDUParameterValue, err)
	}
	p, err := readPDV(&c, pdu)
	if err != nil {
		return PDV{}, err
	}
	if !c.Empty() {
		return PDV{}, fail(pdu, "fully-encoded-data", c.Offset(), InvalidPPDUParameterValue, "more than one PDV-list")
	}
	return p, nil
}

// AppendOnePDVHeader appends the encoding of a fully encoded User-data
// with one PDV-list of context id whose single-ASN1-type value is n
// octets long, up to that value: the caller appends the n octets, which
// must be one BER element (X.226 §8.2). With the value, the result is
// what AppendUserData(dst, Fully(id, value)) writes.
func AppendOnePDVHeader(dst []byte, id, n int) []byte {
	var idb [10]byte
	ib := appendInt(idb[:0], int64(id))
	v := 1 + lenLen(n) + n                 // [0] value
	l := 1 + lenLen(len(ib)) + len(ib) + v // PDV-list contents
	dst = appendDefLen(append(dst, 0x61), 1+lenLen(l)+l)
	dst = appendDefLen(append(dst, 0x30), l)
	dst = append(appendDefLen(append(dst, 0x02), len(ib)), ib...)
	return appendDefLen(append(dst, 0xa0), n)
}

// appendInt appends the contents octets of a BER INTEGER v (X.690
// §8.3: the shortest two's complement form).
func appendInt(dst []byte, v int64) []byte {
	n := 1
	for w := v; w > 127 || w < -128; w >>= 8 {
		n++
	}
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}

// lenLen is the number of octets of the BER definite length n.
func lenLen(n int) int {
	switch {
	case n < 0x80:
		return 1
	case n <= 0xff:
		return 2
	case n <= 0xffff:
		return 3
	case n <= 0xffffff:
		return 4
	}
	return 5
}

// appendDefLen appends the BER definite length n in its shortest form.
func appendDefLen(dst []byte, n int) []byte {
	switch lenLen(n) {
	case 1:
		return append(dst, byte(n))
	case 2:
		return append(dst, 0x81, byte(n))
	case 3:
		return append(dst, 0x82, byte(n>>8), byte(n))
	case 4:
		return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// AppendUserData appends the encoding of u (a TD-PPDU, TTD-PPDU or CPC-type).
func AppendUserData(dst []byte, u *UserData) ([]byte, error) {
	var b ber.Builder
	addUserData(&b, u)
	if err := b.Err(); err != nil {
		return dst, err
	}
	return append(dst, b.Bytes()...), nil
}

// checkOne reports whether raw is exactly one well-formed BER element.
func checkOne(raw []byte, pdu, field string) error {
	r := ber.NewReader(raw, nil)
	if _, err := r.Next(); err != nil {
		return wrap(pdu, field, InvalidPPDUParameterValue, err)
	}
	if !r.Empty() {
		return fail(pdu, field, r.Offset(), InvalidPPDUParameterValue, "more than one element")
	}
	return nil
}

func addUserData(b *ber.Builder, u *UserData) {
	if u.Simple {
		b.AddPrimitive(tagSimple, u.Octets)
		return
	}
	m := b.Begin(tagFully)
	for i := range u.PDVs {
		p := &u.PDVs[i]
		s := b.Begin(ber.Sequence)
		if p.TransferSyntax != nil {
			b.AddOID(ber.ObjectID, p.TransferSyntax)
		}
		b.AddInt(ber.Integer, int64(p.ContextID))
		switch p.Encoding {
		case SingleASN1Type:
			if err := checkOne(p.Value, "User-data", "single-ASN1-type"); err != nil {
				b.Fail(err)
				return
			}
			v := b.Begin(ber.Context(0))
			b.AddRaw(p.Value)
			b.End(v)
		case OctetAligned:
			b.AddPrimitive(ber.Context(1), p.Value)
		case Arbitrary:
			if p.BitLen < 0 || (p.BitLen+7)/8 > len(p.Value) {
				b.Fail(fail("User-data", "arbitrary", 0, InvalidPPDUParameterValue, "BitLen %d does not fit %d octets", p.BitLen, len(p.Value)))
				return
			}
			b.AddBitString(ber.Context(2), ber.BitString{Bytes: p.Value, Len: p.BitLen})
		default:
			b.Fail(fail("User-data", "presentation-data-values", 0, InvalidPPDUParameterValue, "unknown encoding %d", p.Encoding))
			return
		}
		b.End(s)
	}
	b.End(m)
}

// cleanBits returns bs with its unused trailing bits zero (BER lets a
// sender put anything there; DER, which the encoders write, zeroes them).
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
