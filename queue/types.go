// Package queue is mixerd's durable spool: every message the gateway accepts
// is written here, fsynced, before its sender is told it was accepted (the
// two-phase acceptance of RFC 5321 §6.1: "the receiver-SMTP MUST NOT lose
// the message"; X.411 §12.2.1.1 for the P1 MTA's transfer responsibility).
//
// Messages wait in lanes by military precedence (STANAG 4406 Annex A,
// RFC 6477 §3.8: OVERRIDE, FLASH, IMMEDIATE, PRIORITY, ROUTINE, DEFERRED);
// workers lease work with [Queue.Next], the highest non-empty lane first and
// FIFO within a lane, one lease carrying the recipients of one message for
// one next hop, and report each recipient's [Attempt] with [Queue.Report].
//
// On disk the spool is a log of segment files in DIR/seg (segment.go):
// many messages share a segment, each a framed record (length, CRC-32C,
// payload) holding its header and its body as received, followed later by
// journal records of its state changes and a finished record. A Put, a
// journal append and a finish return only when their record is durable;
// concurrent ones share one fdatasync (group commit), and no inode is
// allocated per message. A segment is removed, oldest first, when none of
// its messages is live; a few long-lived messages are copied forward so
// that they cannot pin old segments (the log stays under about twice the
// live bytes plus two segments). Finished messages are remembered in
// DIR/seen for duplicate detection. [Open] recovers a spool after a crash
// at any instant by replaying the segments.
package queue

import (
	"errors"
	"fmt"
	"time"

	"mixerd/x400"
)

// Kind says what the opaque message bytes are.
type Kind string

// The kinds of spooled message.
const (
	// KindP1 is a BER-encoded P1 MTS-APDU (X.411 §12.2.1).
	KindP1 Kind = "p1"
	// KindSMTP is an RFC 5322 message; its SMTP envelope is in the
	// Message's Envelope field (opaque to the queue).
	KindSMTP Kind = "smtp"
)

// Source says where a message came from.
type Source struct {
	Protocol string `json:"proto,omitempty"` // "p1", "smtp", ...
	Peer     string `json:"peer,omitempty"`  // peer MTA name or address
}

// State is the state of one recipient of a queued message.
type State int

// The recipient states.
const (
	// StatePending: waiting for its first attempt (or its deferred
	// delivery time).
	StatePending State = iota
	// StateInTransfer: leased to a worker. Not durable: after a crash it
	// is pending again.
	StateInTransfer
	// StateDelivered: the next hop accepted responsibility (delivered or
	// relayed; RFC 3464 §2.3.3 action "delivered"/"relayed").
	StateDelivered
	// StateTransient: the last attempt failed transiently; retried at
	// NextTry on the lane's schedule.
	StateTransient
	// StateFailed: failed permanently; the caller must build a
	// non-delivery report and then call [Queue.Reported].
	StateFailed
	// StateDead: failed and no report can be built; kept for operators
	// until deleted.
	StateDead
)

var stateNames = [...]string{"pending", "in-transfer", "delivered", "transient", "failed", "dead"}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// final reports whether no further attempt will be made.
func (s State) final() bool { return s == StateDelivered || s == StateFailed || s == StateDead }

// Stage is the protocol stage an attempt reached.
type Stage string

// The protocol stages of an attempt.
const (
	StageConnect   Stage = "connect"
	StageBind      Stage = "bind" // P1 bind or SMTP greeting/EHLO
	StageEnvelope  Stage = "envelope"
	StageRecipient Stage = "recipient"
	StageData      Stage = "data"
	StageTransfer  Stage = "transfer"
)

// Result is the outcome of an attempt as seen on the wire.
type Result string

// The attempt results.
const (
	ResultAccepted Result = "accepted"
	ResultTimeout  Result = "timeout"
	ResultLost     Result = "lost" // connection lost
	ResultInvalid  Result = "invalid"
	ResultError    Result = "error" // refused by the peer
	// ResultExpired is recorded by the queue itself when a recipient
	// passes its lane's maximum age or its latest delivery time.
	ResultExpired Result = "expired"
)

// X411 is an X.411 non-delivery reason and diagnostic (X.411 §8.3.1.2.1.10
// NonDeliveryReasonCode, §8.3.1.2.1.11 NonDeliveryDiagnosticCode).
type X411 struct {
	Reason     int  `json:"reason"`
	Diagnostic int  `json:"diag,omitempty"`
	HasDiag    bool `json:"hasdiag,omitempty"`
}

// The X.411 codes the queue itself uses on expiry: unable-to-transfer (1),
// maximum-time-expired (5) (X.411 §8.3.1.2.1.10-11).
const (
	x411UnableToTransfer   = 1
	x411MaximumTimeExpired = 5
)

// Attempt is the structured result of one transfer attempt for one recipient.
type Attempt struct {
	Time    time.Time `json:"t"`
	NextHop string    `json:"hop,omitempty"`
	Stage   Stage     `json:"stage,omitempty"`
	Result  Result    `json:"res"`
	// Code is the SMTP reply code (RFC 5321 §4.2), 0 if none.
	Code int `json:"code,omitempty"`
	// Enhanced is the RFC 3463 enhanced status code ("5.1.1").
	Enhanced string `json:"enh,omitempty"`
	// X411 is the X.411 non-delivery reason and diagnostic, if any.
	X411 *X411 `json:"x411,omitempty"`
	// Text is the peer's text (bounded to 1,000 bytes when stored).
	Text string `json:"text,omitempty"`
}

// Disposition is what a worker decided about a recipient after an attempt.
type Disposition int

// The dispositions.
const (
	Delivered Disposition = iota + 1 // accepted by the next hop
	Transient                        // retry on the lane's schedule
	Permanent                        // fail now: a non-delivery report is due
)

// RecipientResult reports one recipient of a lease.
type RecipientResult struct {
	Index       int // the recipient's index in the message
	Disposition Disposition
	Attempt     Attempt
}

// Recipient is one recipient of a queued message.
type Recipient struct {
	Address  string    `json:"addr"`
	NextHop  string    `json:"hop"`
	State    State     `json:"-"`
	NextTry  time.Time `json:"-"` // for pending/transient recipients
	Reported bool      `json:"-"` // for failed recipients: report made
	Reason   string    `json:"-"` // why it failed or is dead
	// Attempts holds every attempt in [Queue.Inspect]; the last one only
	// in [Queue.List].
	Attempts []Attempt `json:"-"`
	// NumAttempts counts the attempts made.
	NumAttempts int `json:"-"`
}

// Message is a queued message without its bytes.
type Message struct {
	ID         string          `json:"id"`
	Kind       Kind            `json:"kind"`
	Source     Source          `json:"src"`
	Arrival    time.Time       `json:"arr"`
	Precedence x400.Precedence `json:"prec"`
	// Deferred is the deferred delivery time (X.411 §8.2.1.1.1.11), zero
	// if none: no attempt before it.
	Deferred time.Time `json:"def,omitzero"`
	// Latest is the latest delivery time (X.411 §8.2.1.1.1.13, RFC 2156
	// §5.3.5), zero if none: past it recipients fail.
	Latest time.Time `json:"lat,omitzero"`
	// MTSID is the MTS identifier (X.411 §12.2.1.1.1.1 MTSIdentifier) in
	// a canonical string form; MessageID the RFC 5322 Message-ID. Either
	// identifies the message for duplicate detection.
	MTSID     string `json:"mtsid,omitempty"`
	MessageID string `json:"msgid,omitempty"`
	// Originator is who sent it, for operators: the SMTP reverse-path
	// ("" is <>) or the X.400 originator's O/R address.
	Originator string `json:"from,omitempty"`
	// Tag is the number PutWith's hook gave (the daemon: the sequence
	// number of the message's arrival record in the audit log), 0 if
	// none; kept with the message and recovered with it.
	Tag uint64 `json:"tag,omitempty"`
	// Side is the data of PutWith's Side: written with the message, handed
	// back by Open (Config.OnSide), not kept in memory.
	Side []byte `json:"side,omitempty"`
	// Envelope is opaque to the queue (the SMTP envelope of a KindSMTP
	// message, encoded by the caller); bounded to 64 KiB.
	Envelope   []byte      `json:"env,omitempty"`
	Recipients []Recipient `json:"rcpts"`
	Held       bool        `json:"-"`
	Size       int64       `json:"-"` // body size in bytes
}

// Lane returns the lane of a precedence: the six NATO values are their own
// lanes; any other value (national 16..31, reserved) goes to ROUTINE.
func Lane(p x400.Precedence) x400.Precedence {
	if p >= x400.PrecedenceDeferred && p <= x400.PrecedenceOverride {
		return p
	}
	return x400.PrecedenceRoutine
}

// Errors.
var (
	// ErrFull: the spool is at its message or byte limit. The caller
	// answers with a temporary refusal (SMTP 452 4.3.1, RFC 3463).
	ErrFull = errors.New("queue: spool full")
	// ErrNotFound: no such message (deleted or finished).
	ErrNotFound = errors.New("queue: no such message")
	// ErrInvalid: the message or request is malformed.
	ErrInvalid = errors.New("queue: invalid request")
	// ErrClosed: the queue is closed.
	ErrClosed = errors.New("queue: closed")
)
