package osi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"mixerd/osi/presentation"
	"mixerd/osi/rtse"
	"mixerd/osi/session"
)

// maxSerial is the largest session serial number (X.225 §8.3.20: six
// decimal digits).
const maxSerial = 999999

// nextSerial returns the serial number after s.
func nextSerial(s uint32) uint32 { return s%maxSerial + 1 }

// ExceptionReason is the Reason Code of the S-U-EXCEPTION-REPORT (the ED
// SPDU, X.225 §8.3.28) by which a receiver refuses a transfer (X.228
// §7.3), as ISODE and PP send it.
type ExceptionReason byte

// The reasons a receiver gives. Only ExceptionJeopardized makes the sender
// interrupt the activity (which RTSE recovery could resume); on every
// other reason the sender discards it.
const (
	ExceptionNotSpecified ExceptionReason = 0 // no specific reason stated
	ExceptionJeopardized  ExceptionReason = 1 // receiving ability jeopardized: try again later
	ExceptionLocalError   ExceptionReason = 5 // local SS-user error: the APDU cannot be taken
)

// TransferRefusedError is a transfer the receiver refused (X.228 §7.3): it
// answered with an S-U-EXCEPTION-REPORT and we interrupted (Interrupted)
// or discarded the activity. The APDU was not taken, and the association
// is still up: the next Transfer may follow.
type TransferRefusedError struct {
	Reason      ExceptionReason
	Interrupted bool // S-ACTIVITY-INTERRUPT rather than S-ACTIVITY-DISCARD
	Octets      int  // size of the APDU
}

func (e *TransferRefusedError) Error() string {
	how := "discarded"
	if e.Interrupted {
		how = "interrupted"
	}
	return fmt.Sprintf("osi: transfer of %d octets refused by the receiver (reason %d), activity %s", e.Octets, e.Reason, how)
}

// errPending is the error of an operation while the APDU last received
// is neither confirmed nor refused.
var errPending = errors.New("osi: the APDU received is neither confirmed nor refused")

// transferState is the RTSE transfer state of an association (X.228 §7.3,
// on the session activity and synchronization services of X.225 §7.13,
// §7.17-7.20). It lives in the conn, one per association, and moves to the
// new conn when RTSE recovery (X.228 §7.8, recover.go) replaces the
// connection: it holds what S-ACTIVITY-RESUME needs (the activity
// identifiers, the serial numbers, what the receiver acknowledged and, on
// the receiver, the offset of each acknowledged sync point).
type transferState struct {
	// Both directions.
	inActivity bool   // an activity (one APDU) is open
	activityID []byte // Activity Identifier (PI 41) of the current or last activity
	activities int    // activities we started (their identifiers count them)
	serial     uint32 // serial number of the next synchronization point: AS sets 1

	// Sender.
	acked       uint32 // serial number of the last minor sync point acknowledged (0: none) in the activity
	chunk       int    // octets of the transferred stream (the EXTERNAL, or the APDU in X.410 mode) per checkpoint: serial s ends at s*chunk
	total       int    // octets of that stream in the activity
	interrupted bool   // the last activity was interrupted (AI/AIA) after an ExceptionJeopardized: recovery could resume it after acked*chunk octets
	// knownID is the identifier of the current activity the receiver is
	// known to have (the AS's, or an AR's once an acknowledgement came
	// after it): a resume names it as the old activity identifier.
	knownID, sentID []byte

	// Receiver.
	received   int             // octets of the stream received up to our last MIA
	discarding bool            // we sent an ED: the activity's DT, MIP and AE are dropped until the sender's AI or AD
	pending    *Received       // the APDU returned by ReceiveTransfer, neither confirmed nor refused yet
	refusal    ExceptionReason // the reason of our exception report, while discarding

	// Receiver, for RTSE recovery (X.228 §7.8).
	ids       [][]byte   // identifiers the current activity had (AS, then each AR), for a resume
	doneIDs   [][]byte   // those of the last activity completed and confirmed
	marks     []syncMark // the acknowledged minor sync points of the current activity
	resumable bool       // the connection was recovered: the sender's AR (or an AS) comes next
	replaying bool       // the activity resumed was already complete and confirmed: drop its data, acknowledge its end again

	// Turn (two-way alternate).
	turnRequested bool // the peer asked for the turn (PT with the data token) since we last gave or got it
	turnPriority  int  // the priority of its RTTP

	// Buffers reused by the sender.
	tsdu []byte // the TSDU of each S-DATA, built in place
	hdr  []byte // the EXTERNAL's header of the APDU being sent (normal mode)
}

// syncMark is a minor sync point the receiver acknowledged and the
// offset of the stream it ends.
type syncMark struct {
	serial uint32
	off    int
}

// maxMarks and maxIDs bound what a receiver keeps for a resume: the
// sender resumes from a sync point it saw acknowledged, at most its window
// behind our last, and an activity is resumed at most a few times.
const (
	maxMarks = 256
	maxIDs   = 16
)

// bigBuffer is the capacity above which a transfer's buffers are dropped
// after it rather than kept for the next.
const bigBuffer = 4 << 20

// usable returns the error of an operation on a that cannot start now.
func (a *Association) usable() error {
	if a.released {
		return ErrReleased
	}
	if a.c.rt.pending != nil {
		return errPending
	}
	return nil
}

// Transfer sends one APDU (the complete encoding of an MTS-APDU) with
// RT-TRANSFER (X.228 §7.3), as PP does: an S-ACTIVITY-START; the APDU in
// S-DATA, cut every checkpoint size octets with a minor synchronization
// point between the pieces (waiting for the acknowledgements when the
// window is full); S-ACTIVITY-END; then it waits for the activity end
// acknowledgement, which is the peer's confirmation that the APDU is
// secured. Each SPDU goes in its own TSDU after an empty GT (PP: GT+AS,
// GT+DT, GT+MIP, GT+AE).
//
// In 1988 normal mode each S-DATA is a TD-PPDU in the id-as-mta-rtse
// context holding an RTTR, an OCTET STRING of the EXTERNAL whose
// single-ASN1-type, in the id-as-mtse context, is the APDU. In X.410-1984
// mode there is no presentation context: the S-DATA user data are the
// octets of the APDU itself, as ISODE's RTS (and so PP) sends them.
//
// Only the side that holds the turn transfers (ErrNoTurn otherwise). A
// receiver that refuses the APDU gives a *TransferRefusedError: the APDU
// was not taken and the association is still usable. Any other error
// leaves the association aborted (or released by the peer): the APDU was
// not confirmed and must be sent again on a new association. A peer's
// request for the turn that comes meanwhile is kept (TurnRequested).
//
// With DialConfig.Recovery on, the initiator recovers a transfer whose
// connection is lost (EOF, reset, timeout, transport disconnect; not an
// abort or a refusal by the peer, not ctx): it re-establishes the
// connection with connectionDataRQ recover (X.228 §7.8, see
// RecoveryConfig), resumes the activity (S-ACTIVITY-RESUME, X.225 §7.24)
// from the last minor sync point the receiver acknowledged, sends the
// rest and waits for the activity end acknowledgement, at most
// Recovery.Attempts times per transfer. The association stays the same
// value. When the peer cannot recover (it refuses the recovering
// connection, as PP does) or the attempts fail, Transfer returns the error
// of the loss (joined with the recovery's): the APDU was not confirmed.
func (a *Association) Transfer(ctx context.Context, apdu []byte) error {
	if a.RTSE && !a.Mode.x410() && !a.app.isP1() {
		return a.TransferIn(ctx, a.ctxMTSE, apdu)
	}
	return a.transfer(ctx, a.ctxMTSE, apdu)
}

// TransferIn is Transfer of an APDU of the presentation context contextID
// (normal mode; one agreed, Contexts, other than ACSE's and the RTSE
// APDUs'): the EXTERNAL of the RTTRs names it as its indirect-reference
// (X.228 §7.3, X.881 §9.2: ROS over RTSE sends each ROS PDU so, in the
// context of its operation's abstract syntax). Transfer is TransferIn of
// id-as-mtse's context (P1's MTS-APDUs; with another application context,
// the first abstract syntax that is not the bind's). In X.410-1984 mode
// there is no context and contextID is ignored. Without RTSE it returns
// ErrNoRTSE.
func (a *Association) TransferIn(ctx context.Context, contextID int, apdu []byte) error {
	if !a.Mode.x410() && a.RTSE && !a.dataContext(contextID) {
		return fmt.Errorf("osi: presentation context %d is not one agreed for data", contextID)
	}
	return a.transfer(ctx, contextID, apdu)
}

// transfer is Transfer in context contextID.
func (a *Association) transfer(ctx context.Context, contextID int, apdu []byte) error {
	if !a.RTSE {
		return ErrNoRTSE
	}
	if err := a.usable(); err != nil {
		return err
	}
	if !a.turn {
		return ErrNoTurn
	}
	c := a.c
	st := &c.rt
	if len(apdu) > c.lim.MaxAPDU {
		return fmt.Errorf("osi: APDU of %d octets is more than the limit %d", len(apdu), c.lim.MaxAPDU)
	}
	if len(apdu) == 0 {
		return errors.New("osi: empty APDU")
	}
	// The stream cut into S-DATA is hdr followed by apdu.
	hdr := st.hdr[:0]
	if !a.Mode.x410() {
		mtse := contextID
		var err error
		if hdr, err = rtse.AppendTransferHeader(hdr, &rtse.Transfer{IndirectReference: &mtse, Value: apdu}); err != nil {
			return err
		}
		st.hdr = hdr
	}
	total := len(hdr) + len(apdu)
	chunk := a.CheckpointSize * 1024
	if chunk <= 0 {
		chunk = total
	}
	st.activities++
	st.activityID = appendActivityID(st.activityID[:0], st.activities)
	st.inActivity, st.serial, st.acked, st.chunk, st.total, st.interrupted = true, 1, 0, chunk, total, false
	st.knownID, st.sentID = nil, nil
	defer func() { a.c.rt.trim(a.c) }()
	rc := a.rec.cfg.Recovery
	for recoveries := 0; ; recoveries++ {
		err := a.sendActivity(ctx, hdr, apdu, recoveries > 0)
		if err == nil || !a.Initiator || !a.c.lost || ctx.Err() != nil || rc.Attempts <= 0 {
			return err
		}
		if recoveries >= rc.Attempts {
			a.c.log.Warn("osi transfer not recovered: too many losses", "recoveries", recoveries, "err", err)
			return err
		}
		// X.228 §7.8: re-establish the connection, then resume the
		// activity from the last sync point the receiver acknowledged.
		if rerr := a.reconnect(ctx, rc, err); rerr != nil {
			a.released = true
			return rerr
		}
	}
}

// sendActivity sends the activity of one transfer: an S-ACTIVITY-START,
// or with resume an S-ACTIVITY-RESUME (X.225 §7.24) from the last minor
// sync point acknowledged; the S-DATA from there with a minor sync point
// every chunk; the S-ACTIVITY-END; then it waits for its acknowledgement.
func (a *Association) sendActivity(ctx context.Context, hdr, apdu []byte, resume bool) error {
	c := a.c
	st := &c.rt
	defer c.watch(ctx)()
	// The AS, the data and the AE go in one write where they can (a
	// syscall and a wake-up of the peer each saved); what is collected is
	// written before every wait for an answer.
	c.cork()
	defer func() { c.corked, c.pend = false, c.pend[:0] }()
	// A failure drops what was collected and not written: what the
	// failure handling writes (an abort) goes out at once.
	failed := func(err error) error {
		c.corked, c.pend = false, c.pend[:0]
		return a.sendFailed(ctx, err)
	}
	gt := session.SPDU{Kind: session.KindGT}
	off := 0
	if resume {
		ar := a.resumeSPDU()
		if err := c.writeSPDUs(ctx, gt, ar); err != nil {
			return failed(err)
		}
		st.sentID, st.activityID = ar.ActivityID, ar.ActivityID
		st.serial = nextSerial(st.acked)
		off = int(st.acked) * st.chunk
		c.log.Info("osi transfer resumed", "serial", st.acked, "offset", off, "octets", len(apdu))
	} else {
		if err := c.writeSPDUs(ctx, gt, session.SPDU{Kind: session.KindAS, ActivityID: st.activityID}); err != nil {
			return failed(err)
		}
		st.knownID = bytes.Clone(st.activityID)
	}
	outstanding := 0
	for {
		end := min(off+st.chunk, st.total)
		if err := a.writeData(ctx, hdr, apdu, off, end); err != nil {
			return failed(err)
		}
		if off = end; off == st.total {
			break
		}
		if err := c.writeSPDUs(ctx, gt, session.SPDU{Kind: session.KindMIP, Serial: session.Some(st.serial)}); err != nil {
			return failed(err)
		}
		st.serial = nextSerial(st.serial)
		outstanding++
		for a.WindowSize > 0 && outstanding >= a.WindowSize {
			if err := c.uncork(ctx); err != nil {
				return failed(err)
			}
			if _, err := a.senderRead(ctx, false, len(apdu)); err != nil {
				return err
			}
			outstanding--
			c.cork()
		}
	}
	if err := c.writeSPDUs(ctx, gt, session.SPDU{Kind: session.KindAE, Serial: session.Some(st.serial)}); err != nil {
		return failed(err)
	}
	if err := c.uncork(ctx); err != nil {
		return failed(err)
	}
	// The acknowledgements of the minor sync points still due, then the
	// activity end acknowledgement (PT+MAA from PP).
	for {
		kind, err := a.senderRead(ctx, true, len(apdu))
		if err != nil {
			return err
		}
		if kind == session.KindMAA {
			st.inActivity, st.acked = false, st.serial
			st.serial = nextSerial(st.serial)
			c.log.Debug("osi transfer confirmed", "octets", len(apdu))
			return nil
		}
	}
}

// resumeSPDU returns the AR that resumes the current activity on a
// recovered connection (X.225 §8.3.30): its Linking Information names the
// connection lost (its Connection Identifier), the activity (the
// identifier the receiver knows) and the serial number of the last minor
// sync point the receiver acknowledged (0: none, the activity starts
// again); the activity takes a new identifier.
func (a *Association) resumeSPDU() session.SPDU {
	st := &a.c.rt
	p := &a.rec.prev
	st.activities++
	old := st.knownID
	if old == nil {
		old = st.activityID // the AS may not have arrived: serial 0 starts it again
	}
	return session.SPDU{Kind: session.KindAR, ActivityID: appendActivityID(nil, st.activities), Linking: &session.LinkingInfo{
		CalledRef: p.CalledRef, CallingRef: p.CallingRef, CommonRef: p.CommonRef, AdditionalRef: p.AdditionalRef,
		OldActivityID: old, Serial: session.Some(st.acked)}}
}

// sendFailed is the sender's answer to a write that failed: on a lost
// connection nothing can be sent (and the association may be recovered),
// otherwise the association is aborted.
func (a *Association) sendFailed(ctx context.Context, err error) error {
	if a.c.lost {
		a.released = true
		a.c.close()
		return err
	}
	return a.fail(ctx, err)
}

// appendActivityID appends the Activity Identifier of activity n: a BER
// INTEGER, as ISODE's RTS sends it.
func appendActivityID(dst []byte, n int) []byte {
	n %= 0x7fff
	if n < 0x80 {
		return append(dst, 0x02, 1, byte(n))
	}
	return append(dst, 0x02, 2, byte(n>>8), byte(n))
}

// trim drops the buffers of a big transfer rather than keeping them for
// the association's life.
func (st *transferState) trim(c *conn) {
	if cap(st.tsdu) > bigBuffer {
		st.tsdu = nil
	}
	if cap(c.wbuf) > bigBuffer {
		c.wbuf = nil
	}
}

// writeData sends octets [off, end) of the stream hdr+apdu in one S-DATA,
// building its TSDU in place (GT, DT, then the TD-PPDU with the RTTR in
// normal mode); with a TSDU maximum size agreed for what we send, in
// segments (X.225 §7.11, writeSegments).
func (a *Association) writeData(ctx context.Context, hdr, apdu []byte, off, end int) error {
	c := a.c
	st := &c.rt
	b := session.AppendDataHeader(st.tsdu[:0])
	hl := len(b)
	if !a.Mode.x410() {
		var rh [8]byte
		rttr := rtse.AppendRTTRHeader(rh[:0], end-off)
		b = presentation.AppendOnePDVHeader(b, c.ctxRTSE, len(rttr)+end-off)
		b = append(b, rttr...)
	}
	if off < len(hdr) {
		b = append(b, hdr[off:min(end, len(hdr))]...)
	}
	if end > len(hdr) {
		b = append(b, apdu[max(off-len(hdr), 0):end-len(hdr)]...)
	}
	st.tsdu = b
	if c.tsduOut > 0 {
		return c.writeSegments(ctx, b[hl:])
	}
	return c.writeTSDU(ctx, b)
}

// fail aborts the association after a local failure during a transfer.
func (a *Association) fail(ctx context.Context, err error) error {
	a.released = true
	a.c.protocolError(ctx, LayerRTSE, err)
	return &AbortError{Layer: LayerRTSE, Err: err}
}

// senderRead reads the receiver's answers during a transfer until an
// acknowledgement comes: an MIA (PT+MIA) of a minor sync point we sent,
// or, afterAE, the MAA (PT+MAA) of the activity end. A turn please is
// kept and reading goes on; an exception report (PT+ED) is the refusal:
// the activity is interrupted or discarded and the *TransferRefusedError
// returned. An AB is the peer's abort; anything else aborts.
func (a *Association) senderRead(ctx context.Context, afterAE bool, octets int) (session.Kind, error) {
	c := a.c
	st := &c.rt
	for {
		spdus, err := c.readSPDUs(ctx, c.to.Read)
		if err != nil {
			a.released = true
			return 0, err
		}
		s := &spdus[len(spdus)-1]
		pt := len(spdus) == 2 && spdus[0].Kind == session.KindPT
		switch {
		case pt && s.Kind == session.KindMIA && s.Serial.Ok && s.Serial.V > st.acked && s.Serial.V < st.serial:
			st.acked = s.Serial.V
			st.resumeKnown()
			return session.KindMIA, nil
		case pt && s.Kind == session.KindMAA && afterAE && (!s.Serial.Ok || s.Serial.V == st.serial):
			st.resumeKnown()
			return session.KindMAA, nil
		case pt && s.Kind == session.KindED:
			return 0, a.refusedByPeer(ctx, s, octets)
		case len(spdus) == 1 && s.Kind == session.KindPT:
			if err := a.turnPlease(ctx, s); err != nil {
				return 0, err
			}
		case len(spdus) == 1 && s.Kind == session.KindAB:
			return 0, a.abortedByPeer(s)
		default:
			return 0, a.outOfState(ctx, fmt.Sprintf("%s during a transfer", describe(spdus)))
		}
	}
}

// resumeKnown records that the receiver acknowledged something after our
// AR: it knows the activity by the AR's identifier.
func (st *transferState) resumeKnown() {
	if st.sentID != nil {
		st.knownID, st.sentID = st.sentID, nil
	}
}

// describe names the SPDUs of a TSDU for a log line, with the serial
// number of the last when it has one.
func describe(spdus []session.SPDU) string {
	s := ""
	for i := range spdus {
		if i > 0 {
			s += "+"
		}
		s += spdus[i].Kind.String()
	}
	if last := spdus[len(spdus)-1]; last.Serial.Ok {
		s += fmt.Sprintf(" (serial %d)", last.Serial.V)
	}
	return s
}

// refusedByPeer answers the receiver's exception report ed during a
// transfer (X.228 §7.3, as ISODE's RTS does): an S-ACTIVITY-INTERRUPT when
// the receiver's ability is jeopardized, else an S-ACTIVITY-DISCARD; it
// waits for the acknowledgement and returns the *TransferRefusedError.
func (a *Association) refusedByPeer(ctx context.Context, ed *session.SPDU, octets int) error {
	c := a.c
	st := &c.rt
	reason := ExceptionNotSpecified
	if ed.Reason.Ok {
		reason = ExceptionReason(ed.Reason.V)
	}
	kind, ack, code := session.KindAD, session.KindADA, byte(ExceptionNotSpecified)
	if reason == ExceptionJeopardized {
		kind, ack, code = session.KindAI, session.KindAIA, byte(ExceptionJeopardized)
	}
	if err := c.writeSPDUs(ctx, session.SPDU{Kind: session.KindGT}, session.SPDU{Kind: kind, Reason: session.Some(code)}); err != nil {
		return a.fail(ctx, err)
	}
	for {
		spdus, err := c.readSPDUs(ctx, c.to.Read)
		if err != nil {
			a.released = true
			return err
		}
		s := &spdus[len(spdus)-1]
		pt := len(spdus) == 2 && spdus[0].Kind == session.KindPT
		switch {
		case pt && s.Kind == ack:
			st.inActivity, st.interrupted = false, kind == session.KindAI
			c.log.Warn("osi transfer refused by peer", "reason", int(reason), "octets", octets, "answer", kind.String())
			return &TransferRefusedError{Reason: reason, Interrupted: st.interrupted, Octets: octets}
		case len(spdus) == 1 && s.Kind == session.KindPT:
			if err := a.turnPlease(ctx, s); err != nil {
				return err
			}
		case len(spdus) == 1 && s.Kind == session.KindAB:
			return a.abortedByPeer(s)
		default:
			return a.outOfState(ctx, fmt.Sprintf("%s while waiting for %v", describe(spdus), ack))
		}
	}
}

// Received is an APDU received by ReceiveTransfer: the activity has
// ended and the sender waits for Confirm or Refuse, one of which must be
// called before the association is used again.
type Received struct {
	APDU []byte // the complete encoding of the MTS-APDU; the caller's to keep
	// Context is the presentation context of the APDU (normal mode): the
	// indirect-reference of its EXTERNAL, or, when it has none, that of
	// Transfer's (id-as-mtse for P1); 0 in X.410-1984 mode.
	Context int

	a      *Association
	serial session.Opt[uint32] // the AE's serial number, which the MAA repeats
	done   bool
}

// Confirm acknowledges the activity end (S-ACTIVITY-END response, PT+MAA):
// the sender's confirmation that the APDU is secured. Call it only once
// the APDU is durable.
//
// Its error never means the APDU is lost: the caller has it, durable. An
// error means the confirmation could not be sent and the association has
// ended; the sender, which did not get it, will send the APDU again on
// another association, and the caller sees it twice (it tells the copies
// apart by MTS identifier). When the connection is lost but the
// association can be recovered (ListenConfig.Recovery), Confirm returns
// nil: the confirmation goes when the initiator recovers the association
// and resumes the activity (X.228 §7.8), which the next ReceiveTransfer
// answers without returning the APDU again; if no recovery comes in time,
// that ReceiveTransfer returns the error, and the sender may send the APDU
// again on another association as above.
func (r *Received) Confirm() error {
	a := r.a
	if r.done || a.released {
		return errors.New("osi: transfer already confirmed or refused, or association ended")
	}
	r.done = true
	c := a.c
	st := &c.rt
	st.pending = nil
	ctx, cancel := context.WithTimeout(context.Background(), c.to.Write)
	defer cancel()
	err := c.writeSPDUs(ctx, session.SPDU{Kind: session.KindPT}, session.SPDU{Kind: session.KindMAA, Serial: r.serial})
	st.inActivity, st.discarding = false, false
	st.serial = nextSerial(st.serial)
	st.doneIDs, st.ids, st.marks = st.ids, nil, st.marks[:0]
	if err != nil {
		if a.mayAwaitRecovery(ctx) {
			// The APDU is secured; the initiator will resume the
			// activity, whose end the next ReceiveTransfer acknowledges
			// again without returning the APDU (X.228 §7.8).
			c.close()
			c.log.Warn("osi transfer confirmation not sent: connection lost, it goes to the recovered connection", "octets", len(r.APDU), "err", err)
			return nil
		}
		a.released = true
		c.close()
		return err
	}
	c.log.Info("osi transfer received and confirmed", "octets", len(r.APDU))
	return nil
}

// Refuse refuses the APDU without ending the association (X.228 §7.3):
// an S-U-EXCEPTION-REPORT (PT+ED) with reason instead of the activity end
// acknowledgement; the sender then interrupts (ExceptionJeopardized) or
// discards the activity, which Refuse waits for and acknowledges. The
// sender keeps the APDU; its Transfer returns a *TransferRefusedError.
func (r *Received) Refuse(reason ExceptionReason) error {
	a := r.a
	if r.done || a.released {
		return errors.New("osi: transfer already confirmed or refused, or association ended")
	}
	r.done = true
	c := a.c
	c.rt.pending = nil
	wait := c.to.Read
	if a.recoverable() {
		wait += a.rec.store.waitTime()
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.refuseActivity(ctx, reason, len(r.APDU)); err != nil {
		return err
	}
	_, err := a.receive(ctx, true)
	return err
}

// refuseActivity sends the exception report that refuses the current
// activity and drops what the sender still sends of it.
func (a *Association) refuseActivity(ctx context.Context, reason ExceptionReason, octets int) error {
	c := a.c
	c.rt.discarding, c.rt.refusal = true, reason
	if err := c.writeSPDUs(ctx, session.SPDU{Kind: session.KindPT}, session.SPDU{Kind: session.KindED, Reason: session.Some(byte(reason))}); err != nil {
		// Lost: the sender's AR brings the refusal again (receive).
		return a.recvLost(ctx, err)
	}
	c.log.Warn("osi transfer refused", "reason", int(reason), "octets", octets)
	return nil
}

// Receive waits for the next APDU transferred by the peer and returns it
// with the function that confirms it: ReceiveTransfer, for callers that
// refuse by aborting (see ReceiveTransfer for the rest).
func (a *Association) Receive(ctx context.Context) (apdu []byte, confirm func() error, err error) {
	r, err := a.ReceiveTransfer(ctx)
	if err != nil {
		return nil, nil, err
	}
	return r.APDU, r.Confirm, nil
}

// ReceiveTransfer waits for the next APDU transferred by the peer (X.228
// §7.3, as the receiver): the activity's S-DATA are put together (at most
// Limits.MaxAPDU octets, the buffer sized once from the length the first
// one announces) and, in normal mode, the EXTERNAL they make is decoded;
// minor synchronization points are acknowledged as they come. The
// activity end is acknowledged only by Received.Confirm, which the caller
// calls after it made the APDU durable; Received.Refuse refuses it
// instead. An APDU above the limit is refused (ExceptionLocalError) as
// soon as its size is known, and ReceiveTransfer waits for the next.
//
// When the peer gives the turn (two-way alternate: S-CONTROL-GIVE, a GTC
// SPDU, answered with GTA) it returns ErrTurnGiven: this side may then
// Transfer. On the side that holds the turn it waits for the peer's
// turn please and returns ErrTurnRequested (ErrMonologue in monologue,
// where the peer never transfers). When the peer releases the association, it
// answers the release and returns ErrReleased.
//
// With ListenConfig.Recovery on (the responder), a lost connection (EOF,
// reset, timeout, transport disconnect) does not end the association at
// once: ReceiveTransfer waits, at most Recovery.Timeout, for the initiator
// to recover it (X.228 §7.8), then goes on on the new connection: a
// resumed activity (S-ACTIVITY-RESUME) is cut back to the sync point it
// resumes from and completed, and one already confirmed is acknowledged
// again without being returned twice. Only if no recovery comes does it
// return the loss (joined with why).
func (a *Association) ReceiveTransfer(ctx context.Context) (*Received, error) {
	if !a.RTSE {
		return nil, ErrNoRTSE
	}
	if err := a.usable(); err != nil {
		return nil, err
	}
	defer a.c.watch(ctx)()
	if a.turn {
		return nil, a.awaitPlease(ctx)
	}
	return a.receive(ctx, false)
}

// receive reads the transfers of the peer. With draining (after our
// exception report) it returns nil, nil once the sender's activity
// interrupt or discard is acknowledged. A lost connection is waited on
// when the association may be recovered (recvLost).
func (a *Association) receive(ctx context.Context, draining bool) (*Received, error) {
	c := a.c
	st := &c.rt
	limit := c.lim.MaxAPDU
	if !a.Mode.x410() {
		limit += 32 // the EXTERNAL's header
	}
	var buf []byte
	// lost handles an I/O failure: the association waits for its
	// recovery (the loop goes on on the new connection) or ends.
	lost := func(err error) error {
		if err := a.recvLost(ctx, err); err != nil {
			return err
		}
		c, st = a.c, &a.c.rt
		return nil
	}
	for {
		wait, idle := c.to.Read, !st.inActivity && !draining
		if idle {
			wait = c.to.Idle
		}
		spdus, err := c.readSPDUs(ctx, wait)
		if err != nil {
			if idle && errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() == nil {
				return nil, a.idleTimeout(err)
			}
			if err := lost(err); err != nil {
				return nil, err
			}
			continue
		}
		s := &spdus[len(spdus)-1]
		gt := len(spdus) == 2 && spdus[0].Kind == session.KindGT && !spdus[0].Tokens.Ok
		one := len(spdus) == 1
		switch {
		case gt && s.Kind == session.KindAR && st.resumable:
			if buf, err = a.resumeActivity(ctx, s, buf); err != nil {
				return nil, err
			}
			if st.discarding {
				// We had refused it: refuse it again, our exception
				// report may not have arrived.
				if err := a.refuseActivity(ctx, st.refusal, 0); err != nil {
					return nil, err
				}
			}
		case gt && s.Kind == session.KindAS && (!st.inActivity || st.resumable) && !draining:
			// After a recovery the sender may start again rather than
			// resume: the activity interrupted is then abandoned.
			st.inActivity, st.discarding, st.serial, st.received = true, false, 1, 0
			st.activityID = append(st.activityID[:0], s.ActivityID...)
			st.ids, st.marks, st.resumable, st.replaying = [][]byte{bytes.Clone(s.ActivityID)}, st.marks[:0], false, false
			buf = nil
		case gt && s.Kind == session.KindDT && st.inActivity:
			if st.discarding || st.replaying {
				continue
			}
			b, err := a.userData(ctx, s.Info)
			if err != nil {
				return nil, err
			}
			if buf == nil {
				if n, ok := berSize(b); ok && n <= limit {
					buf = make([]byte, 0, n)
				} else if ok {
					if err := a.refuseActivity(ctx, ExceptionLocalError, n); err != nil {
						return nil, err
					}
					continue
				}
			}
			if len(buf)+len(b) > limit {
				if err := a.refuseActivity(ctx, ExceptionLocalError, len(buf)+len(b)); err != nil {
					return nil, err
				}
				buf = nil
				continue
			}
			buf = append(buf, b...)
		case gt && s.Kind == session.KindMIP && st.inActivity:
			if st.discarding {
				continue
			}
			if !s.Serial.Ok || s.Serial.V != st.serial {
				return nil, a.outOfState(ctx, fmt.Sprintf("MIP with serial number %v, expected %d", serialString(s.Serial), st.serial))
			}
			if !st.replaying {
				st.mark(s.Serial.V, len(buf))
			}
			if err := c.writeSPDUs(ctx, session.SPDU{Kind: session.KindPT}, session.SPDU{Kind: session.KindMIA, Serial: s.Serial}); err != nil {
				if err := lost(err); err != nil {
					return nil, err
				}
				continue
			}
			st.serial = nextSerial(st.serial)
			st.received = len(buf)
		case gt && (s.Kind == session.KindAE || s.Kind == session.KindMAP) && st.inActivity:
			if st.discarding {
				continue
			}
			if s.Serial.Ok && s.Serial.V != st.serial {
				return nil, a.outOfState(ctx, fmt.Sprintf("%v with serial number %d, expected %d", s.Kind, s.Serial.V, st.serial))
			}
			if st.replaying {
				// Resumed after we confirmed it: acknowledge its end
				// again; the APDU was returned once already.
				if err := c.writeSPDUs(ctx, session.SPDU{Kind: session.KindPT}, session.SPDU{Kind: session.KindMAA, Serial: s.Serial}); err != nil {
					if err := lost(err); err != nil {
						return nil, err
					}
					continue
				}
				st.inActivity, st.replaying = false, false
				st.serial = nextSerial(st.serial)
				st.doneIDs, st.ids = st.ids, nil
				c.log.Info("osi transfer already secured: its confirmation sent again after recovery")
				continue
			}
			apdu, pc, err := a.transferValue(ctx, buf)
			if err != nil {
				return nil, err
			}
			r := &Received{APDU: apdu, Context: pc, a: a, serial: s.Serial}
			st.pending = r
			return r, nil
		case gt && (s.Kind == session.KindAI || s.Kind == session.KindAD) && st.inActivity:
			ack := session.KindAIA
			if s.Kind == session.KindAD {
				ack = session.KindADA
			}
			if err := c.writeSPDUs(ctx, session.SPDU{Kind: session.KindPT}, session.SPDU{Kind: ack}); err != nil {
				a.released = true
				return nil, err
			}
			st.inActivity, st.discarding, st.replaying, buf = false, false, false, nil
			st.ids, st.marks = nil, st.marks[:0]
			c.log.Info("osi transfer abandoned by the sender", "spdu", s.Kind.String(), "reason", int(s.Reason.V))
			if draining {
				return nil, nil
			}
		case one && s.Kind == session.KindGTC && !st.inActivity && !draining:
			if a.DialogueMode != TwoWayAlternate {
				return nil, a.outOfStateRTSE(ctx, "turn given (GTC) in monologue")
			}
			if err := c.writeSPDUs(ctx, session.SPDU{Kind: session.KindGTA}); err != nil {
				a.released = true
				return nil, err
			}
			a.turn, st.turnRequested = true, false
			c.log.Info("osi turn given by peer")
			return nil, ErrTurnGiven
		case one && s.Kind == session.KindFN && !st.inActivity && !draining && !a.Initiator:
			_, err := a.handleOther(ctx, spdus)
			if err == nil {
				err = ErrReleased
			}
			return nil, err
		case one && s.Kind == session.KindAB:
			_, err := a.handleOther(ctx, spdus)
			return nil, err
		case one && s.Kind == session.KindPT && a.DialogueMode != TwoWayAlternate:
			return nil, a.outOfStateRTSE(ctx, "turn please (PT) in monologue")
		case one && s.Kind == session.KindPT:
			return nil, a.outOfStateRTSE(ctx, "turn please from the side that holds the turn")
		default:
			return nil, a.outOfState(ctx, "unexpected "+describe(spdus))
		}
	}
}

// mark records the offset off of the stream at the minor sync point
// serial, which we acknowledge.
func (st *transferState) mark(serial uint32, off int) {
	if len(st.marks) == maxMarks {
		st.marks = append(st.marks[:0], st.marks[maxMarks/2:]...)
	}
	st.marks = append(st.marks, syncMark{serial, off})
}

// recvLost is the receiver's answer to an I/O failure err: when the
// connection is lost and the association recoverable (the responder, with
// recovery on), it waits for the initiator to recover it and returns nil
// (the sender's AR comes next); otherwise the association ends with err.
func (a *Association) recvLost(ctx context.Context, err error) error {
	if !a.mayAwaitRecovery(ctx) {
		a.released = true
		a.c.close()
		return err
	}
	if err := a.awaitRecovery(ctx, err); err != nil {
		a.released = true
		return err
	}
	a.c.rt.resumable = true
	return nil
}

// ErrIdleTimeout is the error of ReceiveTransfer when the peer sent nothing
// between transfers for Timeouts.Idle: the connection is closed.
var ErrIdleTimeout = errors.New("osi: nothing from the peer within the idle timeout")

// idleTimeout ends a after the peer stayed silent between transfers for
// the idle timeout: nothing to recover (no activity), so the recovery slot
// goes too.
func (a *Association) idleTimeout(err error) error {
	a.released = true
	a.c.close()
	a.endRecovery()
	a.c.log.Info("osi association idle too long, closed", "idle", a.c.to.Idle.String())
	return fmt.Errorf("%w (%v): %w", ErrIdleTimeout, a.c.to.Idle, err)
}

// mayAwaitRecovery reports whether a, whose connection failed, may wait
// for its initiator to recover it: the responder, with recovery on, when
// the connection was lost (not aborted) and ctx is not done.
func (a *Association) mayAwaitRecovery(ctx context.Context) bool {
	return !a.Initiator && a.recoverable() && a.c.lost && ctx.Err() == nil
}

// resumeActivity takes the sender's S-ACTIVITY-RESUME (AR, X.225 §7.24,
// §8.3.30) on a recovered connection (X.228 §7.8). The activity it names
// by its old identifier is the current one (the stream received is cut
// back to the sync point the AR gives, which we acknowledged, and goes on
// from there), the last one completed and confirmed (its data are
// dropped and its end acknowledged again: the APDU is not returned twice),
// or, from serial number 0, one whose start never arrived. Anything else
// aborts. It returns the stream received.
func (a *Association) resumeActivity(ctx context.Context, s *session.SPDU, buf []byte) ([]byte, error) {
	c := a.c
	st := &c.rt
	l := s.Linking
	if l == nil || !l.Serial.Ok || l.OldActivityID == nil || len(s.ActivityID) == 0 {
		return buf, a.outOfState(ctx, "AR without linking information, serial number or activity identifiers")
	}
	n := l.Serial.V
	how := ""
	switch {
	case st.inActivity && hasID(st.ids, l.OldActivityID):
		off, ok := 0, n == 0
		for _, m := range st.marks {
			if m.serial == n {
				off, ok = m.off, true
			}
		}
		if !ok || off > len(buf) {
			return buf, a.outOfState(ctx, fmt.Sprintf("AR from serial number %d, not a sync point we acknowledged", n))
		}
		if !st.discarding {
			buf = buf[:off]
		}
		st.received = off
		i := 0
		for i < len(st.marks) && st.marks[i].serial <= n && n != 0 {
			i++
		}
		st.marks = st.marks[:i]
		how = "resumed"
	case !st.inActivity && hasID(st.doneIDs, l.OldActivityID):
		st.inActivity, st.replaying, st.discarding = true, true, false
		st.ids, st.marks = st.doneIDs, st.marks[:0]
		how = "resumed after its confirmation: it will be confirmed again, not delivered again"
	case !st.inActivity && n == 0:
		st.inActivity, st.discarding, st.replaying, st.received = true, false, false, 0
		st.ids, st.marks = nil, st.marks[:0]
		buf = nil
		how = "started by a resume"
	default:
		return buf, a.outOfState(ctx, fmt.Sprintf("AR of an unknown activity (serial number %d)", n))
	}
	st.serial = nextSerial(n)
	st.activityID = append(st.activityID[:0], s.ActivityID...)
	if len(st.ids) == maxIDs {
		st.ids = st.ids[1:]
	}
	st.ids = append(st.ids, bytes.Clone(s.ActivityID))
	st.resumable = false
	c.log.Info("osi transfer "+how, "serial", n, "offset", st.received)
	return buf, nil
}

// hasID reports whether id is one of ids.
func hasID(ids [][]byte, id []byte) bool {
	for _, x := range ids {
		if bytes.Equal(x, id) {
			return true
		}
	}
	return false
}

func serialString(o session.Opt[uint32]) string {
	if !o.Ok {
		return "absent"
	}
	return fmt.Sprint(o.V)
}

// userData returns the octets of the stream an S-DATA carries: the
// contents of the RTTR in the TD-PPDU (normal mode), the user data itself
// (X.410-1984 mode).
func (a *Association) userData(ctx context.Context, info []byte) ([]byte, error) {
	if a.Mode.x410() {
		return info, nil
	}
	pdv, err := presentation.DecodeOnePDV(info)
	if err != nil {
		a.released = true
		a.c.protocolError(ctx, LayerPresentation, err)
		return nil, &AbortError{Layer: LayerPresentation, Err: err}
	}
	if pdv.ContextID != a.c.ctxRTSE || pdv.Encoding != presentation.SingleASN1Type {
		return nil, a.fail(ctx, &rtse.Error{APDU: "RTSE-apdus", Reason: rtse.ProtocolError, Msg: fmt.Sprintf("S-DATA in context %d, not one RTSE PDV", pdv.ContextID)})
	}
	ap, err := rtse.Decode(pdv.Value)
	if err != nil {
		return nil, a.fail(ctx, err)
	}
	if ap.RTTR == nil {
		return nil, a.fail(ctx, &rtse.Error{APDU: "RTSE-apdus", Reason: rtse.ProtocolError, Msg: "not an RTTR in S-DATA"})
	}
	return ap.RTTR, nil
}

// transferValue returns the APDU of the stream buf of an activity and
// its presentation context: the single-ASN1-type of the EXTERNAL and its
// indirect-reference in normal mode (aliasing buf, which is the
// caller's), buf itself in X.410-1984 mode.
func (a *Association) transferValue(ctx context.Context, buf []byte) ([]byte, int, error) {
	if len(buf) == 0 {
		return nil, 0, a.fail(ctx, &rtse.Error{APDU: "RTTR", Reason: rtse.ProtocolError, Msg: "activity ended without data"})
	}
	if a.Mode.x410() {
		return buf, 0, nil
	}
	x, err := rtse.DecodeTransfer(buf)
	if err != nil {
		return nil, 0, a.fail(ctx, err)
	}
	pc := a.ctxMTSE
	if x.IndirectReference != nil {
		pc = *x.IndirectReference
		if !a.dataContext(pc) {
			a.c.log.Warn("osi transfer in an unexpected context", "context", pc)
		}
	}
	return x.Value, pc, nil
}

// berSize returns the size of the BER element that b starts with, from its
// identifier and definite length; ok is false when b does not start with
// a complete header of a definite length.
func berSize(b []byte) (n int, ok bool) {
	i := 1
	if len(b) < 2 {
		return 0, false
	}
	if b[0]&0x1f == 0x1f {
		for i < len(b) && b[i]&0x80 != 0 && i < 6 {
			i++
		}
		i++
	}
	if i >= len(b) {
		return 0, false
	}
	l := int(b[i])
	i++
	switch {
	case l < 0x80:
		return i + l, true
	case l == 0x80 || l > 0x84:
		return 0, false
	}
	k := l & 0x7f
	if i+k > len(b) {
		return 0, false
	}
	l = 0
	for _, c := range b[i : i+k] {
		l = l<<8 | int(c)
	}
	return i + k + l, true
}

// outOfState aborts on an SPDU not allowed where it came.
func (a *Association) outOfState(ctx context.Context, msg string) error {
	err := &stateError{LayerSession, msg}
	a.released = true
	a.c.protocolError(ctx, LayerSession, err)
	return &AbortError{Layer: LayerSession, Err: err}
}

// outOfStateRTSE aborts on a session service RTSE does not allow where it
// came (an RTAB protocolError).
func (a *Association) outOfStateRTSE(ctx context.Context, msg string) error {
	err := &stateError{LayerRTSE, msg}
	a.released = true
	a.c.protocolError(ctx, LayerRTSE, err)
	return &AbortError{Layer: LayerRTSE, Err: err}
}
