package osi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"mixerd/osi/session"
)

// WaitIdle watches an idle association, between transfers, on the side
// that holds the turn (the initiator, in monologue): it waits for what the
// peer does while we send nothing, so that an association kept open (a
// pool's, a permanent one for FLASH traffic) is known dead as soon as it
// dies, not at the next Transfer.
//
// It is for RTSE associations (P1, P3 over RTSE): on one without RTSE the
// peer may send P-DATA at any time and WaitIdle returns ErrNoRTSE.
//
// It returns nil when ctx ends (cancelled or past its deadline) and the
// peer sent nothing: nothing was read from the connection, and the
// association can be used at once (Transfer, Close, another WaitIdle). The
// wait has no timeout of its own: ctx bounds it.
//
// When the peer sends something, that PDU is read whole (with the read
// timeout, whatever ctx does meanwhile) and answered:
//
//   - the peer's orderly release (a session FN, X.225 §7.6, with an ACSE
//     RLRQ in normal mode, X.227 §7.2) is answered as Close's responder
//     does, with a DN (and an RLRE); WaitIdle returns ErrReleased;
//   - an abort (session AB, X.225 §7.10, with its ARP, ABRT or RTAB) is
//     returned as the *AbortError of the other paths (Peer set);
//   - a transport disconnect (DR, X.224 §6.8) or error (ER), the end of
//     the TCP stream or a reset are returned as an *AbortError of the
//     transport layer, or the network error: the association is gone.
//     With RTSE recovery on (DialConfig.Recovery) nothing is recovered:
//     no activity was in progress, there is nothing to resume (X.228
//     §7.8); and a responder's association is dropped from the
//     listener's recovery table;
//   - in two-way alternate dialogue mode, the peer's turn please
//     (RT-TURN-PLEASE, X.228 §7.5: a PT SPDU with the RTTP) is recorded
//     (TurnRequested) and WaitIdle returns ErrTurnRequested: the
//     association is still usable, and the caller decides whether to
//     GiveTurn or WaitIdle again;
//   - anything else is out of state: the association is aborted with the
//     abort of its layer and a log line, as elsewhere, and the
//     *AbortError returned.
//
// Any error but ErrTurnRequested leaves the association ended (Transfer
// then returns ErrReleased). Without the turn, WaitIdle returns ErrNoTurn
// (the peer may transfer: use ReceiveTransfer); with an APDU received and
// neither confirmed nor refused, the error of the other operations.
//
// As for every operation, one goroutine at a time: WaitIdle may run in a
// goroutine of its own, but the caller must not use the association until
// it returned (cancel ctx, then wait for it).
//
// How nothing is consumed: the wait is a read of a single octet whose
// deadline ctx drives (its end sets a deadline in the past, and the read
// returns a timeout without data). An octet that comes is pushed back, so
// that the TPKT it starts is read as usual (RFC 1006 §6).
func (a *Association) WaitIdle(ctx context.Context) error {
	if err := a.usable(); err != nil {
		return err
	}
	if !a.RTSE {
		// Without RTSE the peer may send P-DATA at any time: there is
		// no idle state to watch.
		return ErrNoRTSE
	}
	if !a.turn {
		return ErrNoTurn
	}
	if ctx.Err() != nil {
		return nil
	}
	c := a.c
	got, err := c.peekIdle(ctx)
	if err != nil {
		return a.idleEnded(err)
	}
	if !got {
		return nil
	}
	// The peer sent something: read it whole, even if ctx ends now (a
	// TPKT read in part would leave the stream without its framing).
	rctx := context.WithoutCancel(ctx)
	spdus, err := c.readSPDUs(rctx, c.to.Read)
	if err != nil {
		return a.idleEnded(err)
	}
	s := &spdus[0]
	one := len(spdus) == 1
	switch {
	case one && s.Kind == session.KindPT:
		// turnPlease aborts in monologue, without the data token, or
		// on user data that is not an RTTP.
		if err := a.turnPlease(rctx, s); err != nil {
			return a.idleEnded(err)
		}
		return ErrTurnRequested
	case one && (s.Kind == session.KindFN || s.Kind == session.KindAB):
		_, err := a.handleOther(rctx, spdus)
		if err == nil {
			err = ErrReleased
		}
		return a.idleEnded(err)
	default:
		return a.idleEnded(a.outOfState(rctx, "unexpected "+describe(spdus)+" while idle"))
	}
}

// idleEnded ends a after WaitIdle's err: the connection is closed (if
// not yet) and, on the responder, its recovery slot dropped (there is no
// activity to resume). It logs and returns err.
func (a *Association) idleEnded(err error) error {
	a.released = true
	a.c.close()
	a.endRecovery()
	if errors.Is(err, ErrReleased) {
		return err
	}
	a.c.log.Info("osi association ended while idle", "err", err)
	return err
}

// connReader reads the TCP connection of a conn, the octet WaitIdle read
// ahead first (readTPDU reads through it).
type connReader conn

func (r *connReader) Read(p []byte) (int, error) {
	c := (*conn)(r)
	if c.peeked && len(p) > 0 {
		p[0], c.peeked = c.peek, false
		return 1, nil
	}
	return c.nc.Read(p)
}

// peekIdle waits for the peer's next octet until ctx ends. It returns
// true once an octet came (pushed back: the next readTPDU starts with
// it), false when ctx ended first (nothing was read), or the error that
// ended the connection (closed: the end of the stream is an *AbortError
// of the transport layer, as in readTPDU).
//
// The read has no deadline until ctx ends; then a deadline in the past
// makes it return at once. A deadline another goroutine left in the past
// (a late interrupt of an earlier operation whose ctx ended as it
// returned) is cleared and the wait goes on.
func (c *conn) peekIdle(ctx context.Context) (bool, error) {
	if c.closed {
		return false, net.ErrClosed
	}
	if c.peeked {
		return true, nil
	}
	var mu sync.Mutex // orders the interrupt and the clearing of the deadline
	fired := false
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		fired = true
		c.nc.SetReadDeadline(time.Unix(1, 0))
		mu.Unlock()
		close(done)
	})
	var b [1]byte
	var n int
	var err error
	for {
		mu.Lock()
		if !fired {
			c.nc.SetReadDeadline(time.Time{})
		}
		mu.Unlock()
		n, err = c.nc.Read(b[:])
		if n > 0 || (err != nil && !(errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() == nil)) {
			break
		}
	}
	// Wait for the interrupt, if it started (stop is false): it must not
	// move the deadline of the next operation.
	if !stop() {
		<-done
	}
	switch {
	case n > 0:
		c.peek, c.peeked = b[0], true
		return true, nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return false, nil // ctx ended
	case errors.Is(err, io.EOF):
		c.close()
		return false, &AbortError{Layer: LayerTransport, Peer: true, Msg: "connection closed by peer while idle", Err: err}
	}
	c.close()
	return false, fmt.Errorf("osi: read while idle: %w", err)
}
