package rtse

import (
	"mixerd/ber"
)

// Transfer is the content of the RTTRapdu octets as PP sends them in
// normal mode: an EXTERNAL whose indirect-reference is the presentation
// context of the transferred APDU (5, id-as-mtse, for the P1 MTS-APDU) and
// whose single-ASN1-type is the APDU. Wireshark decodes the RTTR octets the
// same way. An APDU larger than the checkpoint size is sent as several
// RTTRapdus (one per S-DATA, with minor synchronization points between
// them) inside one activity: the EXTERNAL is the concatenation of their
// octets, complete at the major synchronization point, and DecodeTransfer
// is applied to that concatenation.
//
//	EXTERNAL ::= [UNIVERSAL 8] IMPLICIT SEQUENCE {
//	  direct-reference OBJECT IDENTIFIER OPTIONAL,
//	  indirect-reference INTEGER OPTIONAL,
//	  data-value-descriptor ObjectDescriptor OPTIONAL,
//	  encoding CHOICE {single-ASN1-type [0] ANY, octet-aligned [1] IMPLICIT OCTET STRING,
//	                   arbitrary [2] IMPLICIT BIT STRING}}
//
// Only the single-ASN1-type and octet-aligned encodings are accepted.
type Transfer struct {
	DirectReference     ber.OID // nil when absent
	IndirectReference   *int    // presentation context identifier
	DataValueDescriptor []byte  // nil when absent
	OctetAligned        bool    // octet-aligned rather than single-ASN1-type
	Value               []byte  // the complete encoding of the APDU (or the octets)
}

// DecodeTransfer decodes the octets of an RTTRapdu (APDU.RTTR).
func DecodeTransfer(b []byte) (*Transfer, error) {
	const apdu = "EXTERNAL"
	e, err := one(b, ber.External, apdu)
	if err != nil {
		return nil, err
	}
	c, err := e.Children()
	if err != nil {
		return nil, wrap(apdu, "", err)
	}
	x := &Transfer{}
	if f, ok, err := c.Optional(ber.ObjectID); err != nil {
		return nil, wrap(apdu, "direct-reference", err)
	} else if ok {
		if x.DirectReference, err = f.OID(); err != nil {
			return nil, wrap(apdu, "direct-reference", err)
		}
	}
	if f, ok, err := c.Optional(ber.Integer); err != nil {
		return nil, wrap(apdu, "indirect-reference", err)
	} else if ok {
		v, err := f.Int()
		if err != nil {
			return nil, wrap(apdu, "indirect-reference", err)
		}
		x.IndirectReference = &v
	}
	if f, ok, err := c.Optional(ber.Universal(ber.TagObjectDescriptor)); err != nil {
		return nil, wrap(apdu, "data-value-descriptor", err)
	} else if ok {
		if x.DataValueDescriptor, err = f.Bytes(); err != nil {
			return nil, wrap(apdu, "data-value-descriptor", err)
		}
	}
	v, err := c.Next()
	if err != nil {
		return nil, wrap(apdu, "encoding", err)
	}
	switch v.Tag {
	case ber.Context(0):
		if x.Value, err = explicitAny(&v, apdu, "single-ASN1-type"); err != nil {
			return nil, err
		}
	case ber.Context(1):
		x.OctetAligned = true
		if x.Value, err = v.Bytes(); err != nil {
			return nil, wrap(apdu, "octet-aligned", err)
		}
	default:
		return nil, fail(apdu, "encoding", v.Offset, "unexpected %s", v.Tag)
	}
	if err := c.End(apdu); err != nil {
		return nil, wrap(apdu, "", err)
	}
	return x, nil
}

// AppendTransfer appends the encoding of x: the octets to put in an
// RTTRapdu.
func AppendTransfer(dst []byte, x *Transfer) ([]byte, error) {
	dst, err := AppendTransferHeader(dst, x)
	if err != nil {
		return dst, err
	}
	return append(dst, x.Value...), nil
}

// AppendTransferHeader appends the encoding of x up to its value: the
// EXTERNAL's identifier and length, its references and descriptor, and the
// header of its encoding (the [0] of single-ASN1-type, the [1] of
// octet-aligned), all with definite lengths. The encoding of x is that
// header followed by x.Value, which the caller sends without copying it
// into one buffer (Association.Transfer cuts the two, as one stream, into
// RTTRs). A single-ASN1-type value must be one BER element.
func AppendTransferHeader(dst []byte, x *Transfer) ([]byte, error) {
	var b ber.Builder // the small components only
	if x.DirectReference != nil {
		b.AddOID(ber.ObjectID, x.DirectReference)
	}
	if x.IndirectReference != nil {
		b.AddInt(ber.Integer, int64(*x.IndirectReference))
	}
	if x.DataValueDescriptor != nil {
		b.AddPrimitive(ber.Universal(ber.TagObjectDescriptor), x.DataValueDescriptor)
	}
	var enc []byte // identifier and length of the encoding CHOICE
	if x.OctetAligned {
		enc = appendLen(append(enc, 0x81), len(x.Value)) // [1] IMPLICIT OCTET STRING
	} else {
		if err := checkOne(x.Value, "EXTERNAL", "single-ASN1-type"); err != nil {
			return dst, err
		}
		enc = appendLen(append(enc, 0xa0), len(x.Value)) // [0] EXPLICIT, constructed
	}
	n := b.Len() + len(enc) + len(x.Value)
	dst = appendLen(append(dst, 0x28), n) // [UNIVERSAL 8] IMPLICIT SEQUENCE, constructed
	dst = append(dst, b.Bytes()...)
	return append(dst, enc...), nil
}

// AppendRTTR appends an RTTRapdu carrying the octets v.
func AppendRTTR(dst []byte, v []byte) []byte {
	return append(AppendRTTRHeader(dst, len(v)), v...)
}

// AppendRTTRHeader appends the identifier and length of an RTTRapdu
// (OCTET STRING) of n octets: the caller appends the n octets.
func AppendRTTRHeader(dst []byte, n int) []byte {
	return appendLen(append(dst, 0x04), n)
}

// appendLen appends a BER definite length in its shortest form (X.690
// §8.1.3), as ber.Builder writes it.
func appendLen(dst []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n <= 0xff:
		return append(dst, 0x81, byte(n))
	case n <= 0xffff:
		return append(dst, 0x82, byte(n>>8), byte(n))
	case n <= 0xffffff:
		return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}
