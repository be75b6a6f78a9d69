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
	var b ber.Builder
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
	if x.OctetAligned {
		b.AddPrimitive(ber.Context(1), x.Value)
	} else {
		explicitRaw(&b, ber.Context(0), x.Value, "EXTERNAL", "single-ASN1-type")
	}
	b.End(m)
	return finish(dst, &b)
}
