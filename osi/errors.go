package osi

import (
	"errors"
	"fmt"
)

// Layer names used in errors and log lines.
const (
	LayerTransport    = "transport"
	LayerSession      = "session"
	LayerPresentation = "presentation"
	LayerACSE         = "acse"
	LayerRTSE         = "rtse"
)

// RefusedError is a refused association: the peer answered the connection
// or the bind with a refusal at Layer.
//
//   - transport: a DR answering the CR (Reason is the DR reason, X.224 §13.5.3)
//   - session: an RF SPDU (Reason is the refuse reason code, X.225 §8.3.5)
//   - presentation: a CPR-PPDU (Reason is the provider-reason, -1 if none)
//   - acse: an AARE with result rejected (Reason is the diagnostic value)
//   - rtse: an RTORJ (Reason is the X.410 refuseReason, -1 if none)
//
// BindError holds the MTABindError encoding when the peer sent one (the
// userDataRJ of the RTORJ, taken out of its ROS bind-error in normal mode).
type RefusedError struct {
	Layer     string
	Reason    int
	BindError []byte
	Msg       string
}

func (e *RefusedError) Error() string {
	s := fmt.Sprintf("osi: association refused by peer (%s, reason %d)", e.Layer, e.Reason)
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.BindError != nil {
		s += fmt.Sprintf(" with bind error %x", e.BindError)
	}
	return s
}

// AbortError is an association that ended abnormally: the peer aborted it
// (Peer is true), or we aborted it because of a protocol error found at
// Layer (Err is the codec's error or the state violation).
type AbortError struct {
	Layer string
	Peer  bool
	Msg   string
	Err   error
}

func (e *AbortError) Error() string {
	who := "local"
	if e.Peer {
		who = "peer"
	}
	s := fmt.Sprintf("osi: association aborted (%s, %s)", e.Layer, who)
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *AbortError) Unwrap() error { return e.Err }

// ErrReleased is returned by Receive and Transfer once the association was
// released (by the peer's orderly release or our Close).
var ErrReleased = errors.New("osi: association released")

// errState is an out-of-state PDU.
type stateError struct {
	layer string
	msg   string
}

func (e *stateError) Error() string { return e.layer + ": " + e.msg }
