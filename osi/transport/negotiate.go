package transport

import "fmt"

// DefaultTPDUSize is the maximum TPDU size when a CR or CC carries no TPDU
// size parameter (X.224 §13.3.4 b). RFC 1006 §5 made it 65531 for its own
// peers, and RFC 2126 §6.4 notes the conflict and recommends that a CC
// always carry the size: [NegotiateCC] always does, and mixerd assumes the
// X.224 value, which is always safe to send.
const DefaultTPDUSize = 128

// NegotiateCC returns the CC that accepts the connection request cr in
// class 0 (X.224 §6.5; RFC 2126 §6.3): the CR must propose class 0, or
// class 0 as an alternative to another class; the TPDU size is the smaller
// of the proposed one ([DefaultTPDUSize] when the CR proposes none) and
// ours, maxTPDUSize (a power of two from 128 to 8192), and the CC always
// carries it (RFC 2126 §6.4). localRef is our reference for the connection,
// not zero. The CC carries no TSAP selectors and no user data, as PP's
// does. A CR that cannot be accepted gives an [*Error] whose Reason is the
// DR reason to refuse it with (see [Refuse]).
//
// A preferred maximum TPDU size (0xF0) in the CR is not taken up: the CC
// answers with the standard TPDU size parameter only, which X.224 allows.
func NegotiateCC(cr *CR, localRef uint16, maxTPDUSize int) (CC, error) {
	if _, ok := tpduSizeCode(maxTPDUSize); !ok {
		return CC{}, fmt.Errorf("transport: NegotiateCC: local TPDU size %d is not a power of two from 128 to 8192", maxTPDUSize)
	}
	if localRef == 0 {
		return CC{}, fmt.Errorf("transport: NegotiateCC: local reference must not be zero")
	}
	if !acceptsClass0(cr) {
		e := errorf("CR", "class", 6, CauseInvalidParamValue, "class %d proposed without class 0 as an alternative", cr.Class)
		e.Reason = ReasonNegotiationFailed
		return CC{}, e
	}
	size := cr.TPDUSize
	if size == 0 {
		size = DefaultTPDUSize
	}
	return CC{
		DstRef:   cr.SrcRef,
		SrcRef:   localRef,
		Class:    0,
		TPDUSize: min(size, maxTPDUSize),
	}, nil
}

func acceptsClass0(cr *CR) bool {
	if cr.Class == 0 {
		return true
	}
	for _, c := range cr.AlternativeClasses {
		if c>>4 == 0 {
			return true
		}
	}
	return false
}

// Refuse returns the DR that refuses the connection request cr with reason
// (X.224 §6.6): DST-REF is the CR's SRC-REF and SRC-REF is zero, as no
// connection was made. Class 0 may only use the reasons 0 to 3, but real
// peers (PP) also send and understand the 128+ reasons.
func Refuse(cr *CR, reason DRReason) DR {
	return DR{DstRef: cr.SrcRef, SrcRef: 0, Reason: reason}
}

// CheckCC checks the CC that answers our CR in class 0 and returns the
// maximum TPDU size to send with: the CC must select class 0 and carry our
// SRC-REF as its DST-REF. The size is the CC's (DefaultTPDUSize when it has
// none), but never more than the CR proposed (RFC 2126 §6.4 warns that
// RFC 1006 peers may answer with more). An unacceptable CC gives an
// [*Error] whose Reason is the DR reason to disconnect with.
func CheckCC(cr *CR, cc *CC) (tpduSize int, err error) {
	if cc.Class != 0 {
		e := errorf("CC", "class", 6, CauseInvalidParamValue, "class %d selected, class 0 proposed", cc.Class)
		e.Reason = ReasonNegotiationFailed
		return 0, e
	}
	if cc.DstRef != cr.SrcRef {
		e := errorf("CC", "DST-REF", 2, CauseInvalidParamValue, "DST-REF 0x%04x, our SRC-REF is 0x%04x", cc.DstRef, cr.SrcRef)
		e.Reason = ReasonMismatchedRefs
		return 0, e
	}
	proposed := cr.TPDUSize
	if proposed == 0 {
		proposed = DefaultTPDUSize
	}
	size := cc.TPDUSize
	if size == 0 {
		size = DefaultTPDUSize
	}
	return min(size, proposed), nil
}
