// Package rose encodes and decodes the PDUs of the Remote Operations
// Service Element: ITU-T X.880 (1994) §9.1 (module
// Remote-Operations-Generic-ROS-PDUs, IMPLICIT TAGS), which keeps the
// encodings of X.229 / X.219 (1988): ROS invoke, returnResult, returnError
// and reject, and the bind / unbind PDUs of the RO-notation ([16] to [21])
// that the X.400 1988 MTA bind uses inside RTSE.
//
// The package has no state. Arguments, results and error parameters are
// kept as raw encodings. Decoded values alias the input. Every decoding
// error is an *Error naming the PDU, the field and the byte offset, with
// the reject problem a peer should receive.
package rose

import (
	"errors"
	"fmt"

	"mixerd/ber"
)

// Code is Code, an operation or error code.
//
//	Code ::= CHOICE {local INTEGER, global OBJECT IDENTIFIER}
type Code struct {
	Local  int
	Global ber.OID // when non-nil, the global alternative
}

// InvokeID is InvokeId.
//
//	InvokeId ::= CHOICE {present INTEGER, absent NULL}
type InvokeID struct {
	ID     int
	Absent bool
}

// Invoke is Invoke (X.880 §9.1).
//
//	Invoke ::= SEQUENCE {
//	  invokeId InvokeId,
//	  linkedId CHOICE {present [0] IMPLICIT INTEGER, absent [1] IMPLICIT NULL} OPTIONAL,
//	  opcode Code,
//	  argument ANY OPTIONAL}
//
// X.219 has linked-ID [0] IMPLICIT INTEGER OPTIONAL: the same encoding.
type Invoke struct {
	InvokeID InvokeID
	LinkedID *InvokeID // Absent: the [1] NULL alternative
	Opcode   Code
	Argument []byte // complete encoding; nil when absent
}

// Result is the result component of ReturnResult.
type Result struct {
	Opcode Code
	Value  []byte // complete encoding
}

// ReturnResult is ReturnResult (X.880 §9.1).
//
//	ReturnResult ::= SEQUENCE {invokeId InvokeId,
//	  result SEQUENCE {opcode Code, result ANY} OPTIONAL}
type ReturnResult struct {
	InvokeID InvokeID
	Result   *Result
}

// ReturnError is ReturnError (X.880 §9.1).
//
//	ReturnError ::= SEQUENCE {invokeId InvokeId, errcode Code, parameter ANY OPTIONAL}
type ReturnError struct {
	InvokeID  InvokeID
	Errcode   Code
	Parameter []byte // complete encoding; nil when absent
}

// ProblemKind selects the problem alternative of a Reject.
type ProblemKind int

// Reject problem alternatives (their tags).
const (
	GeneralProblem      ProblemKind = 0
	InvokeProblem       ProblemKind = 1
	ReturnResultProblem ProblemKind = 2
	ReturnErrorProblem  ProblemKind = 3
)

// GeneralProblem values.
const (
	UnrecognizedPDU    = 0
	MistypedPDU        = 1
	BadlyStructuredPDU = 2
)

// InvokeProblem values.
const (
	DuplicateInvocation       = 0
	UnrecognizedOperation     = 1
	MistypedArgument          = 2
	ResourceLimitation        = 3
	ReleaseInProgress         = 4
	UnrecognizedLinkedID      = 5
	LinkedResponseUnexpected  = 6
	UnexpectedLinkedOperation = 7
)

// ReturnResultProblem and ReturnErrorProblem values.
const (
	UnrecognizedInvocation   = 0
	ResultResponseUnexpected = 1 // returnResult
	MistypedResult           = 2 // returnResult
	ErrorResponseUnexpected  = 1 // returnError
	UnrecognizedError        = 2 // returnError
	UnexpectedError          = 3 // returnError
	MistypedParameter        = 4 // returnError
)

// Reject is Reject (X.880 §9.1).
//
//	Reject ::= SEQUENCE {invokeId InvokeId,
//	  problem CHOICE {general [0] GeneralProblem, invoke [1] InvokeProblem,
//	    returnResult [2] ReturnResultProblem, returnError [3] ReturnErrorProblem}}
type Reject struct {
	InvokeID InvokeID
	Kind     ProblemKind
	Problem  int
}

// Bind is one of the RO-notation bind and unbind PDUs: the argument,
// result or error of the bind / unbind operation under an explicit tag.
//
//	bind-invoke [16] ANY, bind-result [17] ANY, bind-error [18] ANY,
//	unbind-invoke [19] ANY, unbind-result [20] ANY, unbind-error [21] ANY
//
// In 1988 normal mode PP carries the MTABindArgument in bind-invoke and
// the MTABindResult in bind-result, inside the RTORQ / RTOAC.
type Bind struct {
	Kind  BindKind
	Value []byte // complete encoding
}

// BindKind is the tag number of a bind or unbind PDU.
type BindKind int

// Bind kinds.
const (
	BindInvoke   BindKind = 16
	BindResult   BindKind = 17
	BindError    BindKind = 18
	UnbindInvoke BindKind = 19
	UnbindResult BindKind = 20
	UnbindError  BindKind = 21
)

// PDU is ROS (with the bind PDUs): exactly one field is set.
//
//	ROS ::= CHOICE {invoke [1] Invoke, returnResult [2] ReturnResult,
//	  returnError [3] ReturnError, reject [4] Reject, bind-invoke [16] ANY, ...}
type PDU struct {
	Invoke       *Invoke
	ReturnResult *ReturnResult
	ReturnError  *ReturnError
	Reject       *Reject
	Bind         *Bind
}

// Error is a PDU that could not be decoded, or a value that cannot be
// encoded. Kind and Problem are the reject problem to answer it with;
// InvokeID is the invocation it concerns, when it could be read.
type Error struct {
	PDU      string // "ROS", "Invoke", "ReturnResult", "ReturnError", "Reject", "Bind"
	Field    string
	Offset   int
	Kind     ProblemKind
	Problem  int
	InvokeID *InvokeID
	Msg      string
	Err      error // the underlying *ber.Error, if any
}

func (e *Error) Error() string {
	s := "rose: " + e.PDU
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

// NewReject returns the Reject that answers err: the problem it carries
// (general badlyStructuredPDU for a malformed PDU) and its invocation, or
// the absent invoke id.
func NewReject(err error) *Reject {
	r := &Reject{InvokeID: InvokeID{Absent: true}, Kind: GeneralProblem, Problem: BadlyStructuredPDU}
	var e *Error
	if errors.As(err, &e) {
		r.Kind, r.Problem = e.Kind, e.Problem
		if e.InvokeID != nil {
			r.InvokeID = *e.InvokeID
		}
	}
	return r
}

func wrap(pdu, field string, id *InvokeID, err error) error {
	if err == nil {
		return nil
	}
	var re *Error
	if errors.As(err, &re) {
		if re.InvokeID == nil {
			re.InvokeID = id
		}
		return err
	}
	e := &Error{PDU: pdu, Field: field, Kind: GeneralProblem, Problem: BadlyStructuredPDU, InvokeID: id, Err: err}
	var be *ber.Error
	if errors.As(err, &be) {
		e.Offset, e.Msg = be.Offset, be.Msg
	}
	return e
}

func fail(pdu, field string, off int, problem int, format string, args ...any) error {
	return &Error{PDU: pdu, Field: field, Offset: off, Kind: GeneralProblem, Problem: problem, Msg: fmt.Sprintf(format, args...)}
}
