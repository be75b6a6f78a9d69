// Package rtse encodes and decodes the APDUs of the Reliable Transfer
// Service Element, ITU-T X.228 (1988) / ISO 9066-2 (module
// Reliable-Transfer-APDU, clause 9 of X.228): RTORQ, RTOAC, RTORJ, RTTP,
// RTTR and RTAB, in normal mode (the RTSE-apdus CHOICE, carried in ACSE
// user information and presentation PDVs) and in X.410-1984 mode (the bare
// APDU types, carried as presentation x410-mode-parameters or directly in
// session user data).
//
// The package has no state. RTSE user data (the MTA bind argument, result
// or error, the MTS-APDU of a transfer) is kept as raw encodings. Decoded
// values alias the input. Every decoding error is an *Error naming the
// APDU, the field and the byte offset, with the RTAB abort reason a peer
// should receive.
package rtse

import (
	"errors"
	"fmt"

	"mixerd/ber"
)

// AbortReason is AbortReason, carried by RTABapdu.
type AbortReason int

// AbortReason values (X.228 §9).
const (
	LocalSystemProblem   AbortReason = 0
	InvalidParameter     AbortReason = 1 // reflectedParameter supplied
	UnrecognizedActivity AbortReason = 2
	TemporaryProblem     AbortReason = 3
	ProtocolError        AbortReason = 4
	PermanentProblem     AbortReason = 5 // normal mode only
	UserError            AbortReason = 6 // normal mode only
	TransferCompleted    AbortReason = 7
)

// RefuseReason is RefuseReason, carried by RTORJapdu (X.410-1984 mode).
type RefuseReason int

// RefuseReason values.
const (
	RTSBusy                  RefuseReason = 0
	CannotRecover            RefuseReason = 1
	ValidationFailure        RefuseReason = 2
	UnacceptableDialogueMode RefuseReason = 3
)

// DialogueMode is the dialogueMode of RTORQapdu.
type DialogueMode int

// Dialogue modes.
const (
	Monologue       DialogueMode = 0
	TwoWayAlternate DialogueMode = 1 // twa
)

// Application protocols of RTORQapdu (X.410-1984 mode only).
const (
	MTSTransferProtocol     = 12 // mts-transfer-protocol
	MTSTransferProtocol1984 = 1  // mts-transfer-protocol-1984
)

// Tags of the APDUs: the RTSE-apdus alternatives in normal mode, and the
// tags they take in X.410-1984 mode.
var (
	TagRTORQ = ber.Context(16)
	TagRTOAC = ber.Context(17)
	TagRTORJ = ber.Context(18)
	TagRTAB  = ber.Context(22)
	// TagX410Params is the tag of CP-type's and CPA-PPDU's
	// x410-mode-parameters ([1] IMPLICIT RTORQapdu / RTOACapdu).
	TagX410Params = ber.Context(1)
	// TagSet is the tag of the untagged RTORJapdu of CPR-PPDU and RTABapdu
	// of ARU-PPDU in X.410-1984 mode.
	TagSet = ber.Set
)

// Error is an APDU that could not be decoded, or a value that cannot be
// encoded. Reason is the abortReason of the RTAB that answers it.
type Error struct {
	APDU   string // "RTORQ", "RTOAC", "RTORJ", "RTTP", "RTTR", "RTAB", "RTSE-apdus", "EXTERNAL"
	Field  string
	Offset int
	Reason AbortReason
	Msg    string
	Err    error // the underlying *ber.Error, if any
}

func (e *Error) Error() string {
	s := "rtse: " + e.APDU
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
	var re *Error
	if errors.As(err, &re) {
		return err
	}
	e := &Error{APDU: apdu, Field: field, Reason: ProtocolError, Err: err}
	var be *ber.Error
	if errors.As(err, &be) {
		e.Offset, e.Msg = be.Offset, be.Msg
	}
	return e
}

func fail(apdu, field string, off int, format string, args ...any) error {
	return &Error{APDU: apdu, Field: field, Offset: off, Reason: ProtocolError, Msg: fmt.Sprintf(format, args...)}
}

// NewRTAB returns the RTAB that answers err: the reason err carries
// (protocolError for a decoding error), localSystemProblem otherwise.
func NewRTAB(err error) *RTAB {
	r := LocalSystemProblem
	var e *Error
	if errors.As(err, &e) {
		r = e.Reason
	}
	return &RTAB{AbortReason: &r}
}

// Explicit records which DEFAULT components an encoding carries although
// their value is the default (PP sends dialogueMode monologue explicitly).
// Decoders set the bit of every component present; encoders write a
// component when its bit is set or its value is not the default.
type Explicit uint8

// Explicit bits.
const (
	ExplicitCheckpointSize Explicit = 1 << iota
	ExplicitWindowSize
	ExplicitDialogueMode
)

// ConnectionData is ConnectionData.
//
//	ConnectionData ::= CHOICE {
//	  open [0] ANY, -- RTSE user data; [0] IMPLICIT NULL when there is none
//	  recover [1] IMPLICIT SessionConnectionIdentifier}
type ConnectionData struct {
	// Open is the complete encoding of the RTSE user data: in 1988 normal
	// mode PP sends the ROS bind-invoke [16] / bind-result [17] holding the
	// MTABindArgument / MTABindResult; in X.410-1984 mode the bare
	// MTABindArgument / MTABindResult. Nil (with Recover nil) is the open
	// alternative without user data.
	Open    []byte
	Recover *SessionConnectionID
}

// SessionConnectionID is SessionConnectionIdentifier.
//
//	SessionConnectionIdentifier ::= SEQUENCE {
//	  callingSSuserReference CallingSSuserReference, -- CHOICE {t61String T61String, octetString OCTET STRING}
//	  commonReference CommonReference, -- UTCTime
//	  additionalReferenceInformation [0] IMPLICIT T61String OPTIONAL}
type SessionConnectionID struct {
	CallingT61     bool   // callingSSuserReference is the t61String (X.410-1984 mode)
	CallingRef     []byte // callingSSuserReference
	CommonRef      []byte // the UTCTime text as sent (PP sends a three-digit year)
	AdditionalInfo []byte // nil when absent
}

// RTORQ is RTORQapdu (X.228 §9).
//
//	RTORQapdu ::= SET {
//	  checkpointSize [0] IMPLICIT INTEGER DEFAULT 0,
//	  windowSize [1] IMPLICIT INTEGER DEFAULT 3,
//	  dialogueMode [2] IMPLICIT INTEGER {monologue(0), twa(1)} DEFAULT monologue,
//	  connectionDataRQ [3] ConnectionData,
//	  applicationProtocol [4] IMPLICIT INTEGER {mts-transfer-protocol(12),
//	    mts-transfer-protocol-1984(1)} OPTIONAL -- solely in X.410-1984 mode}
type RTORQ struct {
	CheckpointSize int // in units of 1024 octets; 0: no checkpointing
	WindowSize     int
	DialogueMode   DialogueMode
	Explicit       Explicit
	ConnectionData ConnectionData
	// ApplicationProtocol is the value as decoded. PP (ISODE) sends it as
	// a two-octet INTEGER with a trailing zero octet: 0x0C00 for
	// mts-transfer-protocol, 0x0100 for mts-transfer-protocol-1984; see
	// Protocol.
	ApplicationProtocol *int
}

// Protocol returns the application protocol, reading PP's form (the value
// shifted left by 8 bits) as the value, and -1 when it is absent.
func (r *RTORQ) Protocol() int {
	if r.ApplicationProtocol == nil {
		return -1
	}
	v := *r.ApplicationProtocol
	if v == MTSTransferProtocol<<8 || v == MTSTransferProtocol1984<<8 {
		return v >> 8
	}
	return v
}

// RTOAC is RTOACapdu (X.228 §9).
//
//	RTOACapdu ::= SET {
//	  checkpointSize [0] IMPLICIT INTEGER DEFAULT 0,
//	  windowSize [1] IMPLICIT INTEGER DEFAULT 3,
//	  connectionDataAC [2] ConnectionData}
type RTOAC struct {
	CheckpointSize int
	WindowSize     int
	Explicit       Explicit
	ConnectionData ConnectionData
}

// RTORJ is RTORJapdu (X.228 §9).
//
//	RTORJapdu ::= SET {
//	  refuseReason [0] IMPLICIT RefuseReason OPTIONAL, -- only in X.410-1984 mode
//	  userDataRJ [1] ANY OPTIONAL -- only in normal mode (the MTABindError)}
type RTORJ struct {
	RefuseReason *RefuseReason
	UserData     []byte // complete encoding; nil when absent
}

// RTAB is RTABapdu (X.228 §9).
//
//	RTABapdu ::= SET {
//	  abortReason [0] IMPLICIT AbortReason OPTIONAL,
//	  reflectedParameter [1] IMPLICIT BIT STRING OPTIONAL, -- 8 bits maximum
//	  userdataAB [2] ANY OPTIONAL -- only in normal mode, if abortReason is userError}
type RTAB struct {
	AbortReason        *AbortReason
	ReflectedParameter *ber.BitString
	UserData           []byte
}

// APDU is RTSE-apdus, the normal mode CHOICE: exactly one field is set.
//
//	RTSE-apdus ::= CHOICE {
//	  rtorq-apdu [16] IMPLICIT RTORQapdu, rtoac-apdu [17] IMPLICIT RTOACapdu,
//	  rtorj-apdu [18] IMPLICIT RTORJapdu, rttp-apdu RTTPapdu, -- INTEGER
//	  rttr-apdu RTTRapdu, -- OCTET STRING
//	  rtab-apdu [22] IMPLICIT RTABapdu}
type APDU struct {
	RTORQ *RTORQ
	RTOAC *RTOAC
	RTORJ *RTORJ
	RTTP  *int   // RTTPapdu: the priority of the turn requested
	RTTR  []byte // RTTRapdu: the octets transferred (see DecodeTransfer); non-nil when set
	RTAB  *RTAB
}
