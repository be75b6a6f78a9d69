package transport

import (
	"fmt"
)

// Error is a transport layer decoding or encoding error: which packet or
// TPDU, which field, the octet offset, and what the peer should be told.
//
// For a TPDU received in an established connection, the class 0 protocol
// error procedure (X.224 §6.22) answers with an ER TPDU carrying Cause and
// the header of the offending TPDU (see [Error.ER]) and then closes the
// connection. For a CR that cannot be accepted, the connection is refused
// with a DR TPDU carrying Reason (X.224 §6.5.4). An error in the TPKT
// packet-header (PDU "TPKT") leaves the stream without framing: the only
// answer is to close the TCP connection.
type Error struct {
	// PDU is "TPKT", the TPDU name (CR, CC, DR, DT, ER, ...), "TPDU" when
	// the type is not yet known, or "TSDU" for reassembly and segmentation.
	PDU string
	// Field names the field in error ("length indicator", "TPDU size", ...).
	Field string
	// Offset is the offset of the octet in error from the start of the
	// TPDU (from the start of the packet-header for PDU "TPKT"; for PDU
	// "TSDU", the octets of the TSDU already held).
	Offset int
	// Cause is the ER reject cause for the peer (X.224 §13.12.3).
	Cause RejectCause
	// Reason is the DR reason for refusing a connection because of this
	// error (meaningful for CR TPDUs and for negotiation).
	Reason DRReason
	// Msg says what is wrong, for the log.
	Msg string
}

func (e *Error) Error() string {
	return fmt.Sprintf("transport: %s %s at offset %d: %s (reject cause %d, %s)",
		e.PDU, e.Field, e.Offset, e.Msg, e.Cause, e.Cause)
}

// ER returns the ER TPDU that answers the TPDU in error (X.224 §13.12):
// dstRef is the peer's reference (the SRC-REF of its CR or CC) and tpdu the
// offending TPDU; the invalid TPDU parameter holds its header up to and
// including the octet that caused the rejection. The returned value does not
// alias tpdu.
func (e *Error) ER(dstRef uint16, tpdu []byte) ER {
	er := ER{DstRef: dstRef, Cause: e.Cause}
	n := e.Offset + 1
	if len(tpdu) > 0 {
		if hl := int(tpdu[0]) + 1; n > hl {
			n = hl
		}
	}
	if n > len(tpdu) {
		n = len(tpdu)
	}
	// The ER header is at most 254 octets: 4 fixed, 2 for the parameter
	// code and length.
	if n > 248 {
		n = 248
	}
	if n > 0 {
		er.InvalidTPDU = append([]byte(nil), tpdu[:n]...)
	}
	return er
}

func errorf(pdu, field string, off int, cause RejectCause, format string, args ...any) *Error {
	return &Error{PDU: pdu, Field: field, Offset: off, Cause: cause, Reason: ReasonProtocolError, Msg: fmt.Sprintf(format, args...)}
}
