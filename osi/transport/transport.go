// Package transport encodes and decodes the ISO transport layer as mixerd
// runs it over TCP: the RFC 1006 packet (TPKT, RFC 1006 §6 "Packet Format")
// and the ISO 8073 / ITU-T X.224 class 0 TPDUs carried in it (X.224 §13),
// with the RFC 2126 §6.3 class negotiation and §6.4 TPDU size rule.
//
// The package holds pure codecs: no sockets, no goroutines, no state. One
// in-order reader per connection reads a TPKT with [ReadTPKT], looks at its
// TPDU with [Type] and decodes it with [ParseCR], [ParseCC], [ParseDR],
// [ParseDT] or [ParseER]; the data of DT TPDUs is put back together with a
// [Reassembler]. A writer appends TPDUs to a []byte with the Append methods,
// wraps them with [AppendTPKT] (or [BeginTPKT]/[EndTPKT]), and cuts a TSDU
// into DT TPDUs with a [Segmenter]. [NegotiateCC] and [CheckCC] apply the
// connection establishment rules of X.224 §6.5 for class 0.
//
// Supported: CR, CC, DR, DT and ER in class 0 (X.224 §13.3, §13.4, §13.5,
// §13.7, §13.12). DC, ED, AK, EA and RJ belong to classes 1 to 4 (and to the
// RFC 1006 experimental expedited service, which mixerd never negotiates):
// they are recognised by [Type] and refused by [Decode] with the ER reject
// cause "invalid TPDU type" (X.224 §13.12.3).
//
// Every decoder is bounded by the TPDU it is given (a TPKT is at most 65535
// octets and a TPDU header at most 255) and returns an [*Error] naming the
// TPDU, the field, the octet offset and the ER reject cause the peer should
// receive. Decoded CR, CC, DR and ER values own their byte slices; the data
// of a DT aliases the TPDU it was parsed from (the hot path copies nothing).
package transport

// TPDUType is the TPDU code, the high four bits of the second octet of a
// TPDU (X.224 §13.1, table 8). Codes whose low four bits carry a credit (CR,
// CC, AK, RJ) are reported with those bits cleared.
type TPDUType uint8

// TPDU codes, X.224 §13.1 table 8.
const (
	TypeCR TPDUType = 0xE0 // connection request, §13.3
	TypeCC TPDUType = 0xD0 // connection confirm, §13.4
	TypeDR TPDUType = 0x80 // disconnect request, §13.5
	TypeDC TPDUType = 0xC0 // disconnect confirm, §13.6 (not class 0)
	TypeDT TPDUType = 0xF0 // data, §13.7
	TypeED TPDUType = 0x10 // expedited data, §13.8 (not class 0)
	TypeAK TPDUType = 0x60 // data acknowledgement, §13.9 (not class 0)
	TypeEA TPDUType = 0x20 // expedited data acknowledgement, §13.10 (not class 0)
	TypeRJ TPDUType = 0x50 // reject, §13.11 (not class 0)
	TypeER TPDUType = 0x70 // TPDU error, §13.12
)

func (t TPDUType) String() string {
	switch t {
	case TypeCR:
		return "CR"
	case TypeCC:
		return "CC"
	case TypeDR:
		return "DR"
	case TypeDC:
		return "DC"
	case TypeDT:
		return "DT"
	case TypeED:
		return "ED"
	case TypeAK:
		return "AK"
	case TypeEA:
		return "EA"
	case TypeRJ:
		return "RJ"
	case TypeER:
		return "ER"
	}
	return "TPDU"
}

// RejectCause is the reject cause of an ER TPDU (X.224 §13.12.3 b).
type RejectCause uint8

// Reject causes, X.224 §13.12.3.
const (
	CauseUnspecified       RejectCause = 0 // reason not specified
	CauseInvalidParamCode  RejectCause = 1 // invalid parameter code
	CauseInvalidTPDUType   RejectCause = 2 // invalid TPDU type
	CauseInvalidParamValue RejectCause = 3 // invalid parameter value
)

func (c RejectCause) String() string {
	switch c {
	case CauseUnspecified:
		return "reason not specified"
	case CauseInvalidParamCode:
		return "invalid parameter code"
	case CauseInvalidTPDUType:
		return "invalid TPDU type"
	case CauseInvalidParamValue:
		return "invalid parameter value"
	}
	return "unknown reject cause"
}

// DRReason is the reason of a DR TPDU (X.224 §13.5.3 d).
type DRReason uint8

// Disconnect reasons, X.224 §13.5.3 d. The first four are the ones class 0
// may use; the others apply to all classes.
const (
	ReasonNotSpecified       DRReason = 0   // reason not specified
	ReasonCongestionAtTSAP   DRReason = 1   // congestion at TSAP
	ReasonNotAttached        DRReason = 2   // session entity not attached to TSAP
	ReasonAddressUnknown     DRReason = 3   // address unknown
	ReasonNormal             DRReason = 128 // normal disconnect initiated by the session entity
	ReasonRemoteCongestion   DRReason = 129 // remote transport entity congestion at connect request time
	ReasonNegotiationFailed  DRReason = 130 // connection negotiation failed
	ReasonDuplicateSourceRef DRReason = 131 // duplicate source reference
	ReasonMismatchedRefs     DRReason = 132 // mismatched references
	ReasonProtocolError      DRReason = 133 // protocol error
	ReasonReferenceOverflow  DRReason = 135 // reference overflow
	ReasonRefusedOnNC        DRReason = 136 // connection request refused on this network connection
	ReasonHeaderLength       DRReason = 138 // header or parameter length invalid
)

// Parameter codes of the variable part (X.224 §13.2.3 and the clauses of
// each TPDU).
const (
	ParamTPDUSize          = 0xC0 // TPDU size, CR/CC, §13.3.4 b
	ParamCallingTSAP       = 0xC1 // calling transport selector, CR/CC, §13.3.4 a
	ParamCalledTSAP        = 0xC2 // called/responding transport selector, CR/CC, §13.3.4 a
	ParamChecksum          = 0xC3 // checksum, class 4 only, §13.2.3.1
	ParamVersion           = 0xC4 // version number, CR/CC, §13.3.4 c
	ParamProtection        = 0xC5 // protection parameters, CR/CC
	ParamAdditionalOptions = 0xC6 // additional option selection, CR/CC
	ParamAlternativeClass  = 0xC7 // alternative protocol class(es), CR
	ParamPreferredTPDUSize = 0xF0 // preferred maximum TPDU size, CR/CC, §13.3.4 b
	ParamAdditionalInfo    = 0xE0 // additional information, DR, §13.5.3
	ParamInvalidTPDU       = 0xC1 // invalid TPDU, ER, §13.12.3
)

// Param is one parameter of a TPDU's variable part (X.224 §13.2.3): a code,
// a one-octet length and a value. Parameters this package does not interpret
// are kept as Params so that they can be looked at and sent again.
type Param struct {
	Code  byte
	Value []byte
}

// MaxTPKTLen is the largest TPKT RFC 1006 §6 allows (its length field is
// 16 bits), and MinTPKTLen the smallest.
const (
	MaxTPKTLen = 65535
	MinTPKTLen = 7
	// TPKTHeaderLen is the length of the TPKT packet-header.
	TPKTHeaderLen = 4
	// MaxTPDULen is the largest TPDU a TPKT carries (RFC 1006 §6).
	MaxTPDULen = MaxTPKTLen - TPKTHeaderLen
	// DTHeaderLen is the length of a class 0 DT TPDU header (X.224 §13.7.1).
	DTHeaderLen = 3
)
