package session

import (
	"fmt"
	"strconv"
)

// Error is a session protocol error found while decoding or encoding a TSDU.
// It names the SPDU, the parameter (0 if none) and the byte offset in the
// TSDU, and carries the Transport Disconnect flags of the ABORT SPDU (X.225
// §8.3.9) that the peer should receive.
type Error struct {
	SPDU   Kind   // the SPDU being decoded (KindUnknown if its SI is unknown)
	SI     byte   // its SI octet as received
	Param  byte   // the PI or PGI code in error, 0 if none
	Offset int    // offset of the offending octet in the TSDU
	Msg    string // what is wrong

	// Disconnect is the value of the Transport Disconnect PI (17) of the AB
	// to send: TDRelease|TDProtocolError, or TDRelease|TDImplementationRestriction
	// when a bound of this package (not of the standard) was passed.
	Disconnect byte
}

func (e *Error) Error() string {
	s := "session: "
	if e.SPDU != KindUnknown {
		s += e.SPDU.String() + " "
	} else {
		s += "SPDU SI " + strconv.Itoa(int(e.SI)) + " "
	}
	if e.Param != 0 {
		s += "parameter " + strconv.Itoa(int(e.Param)) + " "
	}
	return s + "at offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Abort returns the ABORT SPDU (X.225 §8.3.9) that answers this error: the
// transport connection is released and the reason is a protocol error (or an
// implementation restriction). Send it alone in a TSDU, then disconnect.
func (e *Error) Abort() *SPDU {
	td := e.Disconnect
	if td == 0 {
		td = TDRelease | TDProtocolError
	}
	return &SPDU{Kind: KindAB, Disconnect: Some(td)}
}

func errf(k Kind, si, param byte, off int, format string, args ...any) *Error {
	return &Error{SPDU: k, SI: si, Param: param, Offset: off, Msg: fmt.Sprintf(format, args...),
		Disconnect: TDRelease | TDProtocolError}
}

func limitf(k Kind, si, param byte, off int, format string, args ...any) *Error {
	e := errf(k, si, param, off, format, args...)
	e.Disconnect = TDRelease | TDImplementationRestriction
	return e
}
