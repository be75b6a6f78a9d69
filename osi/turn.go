package osi

import (
	"context"
	"errors"
	"fmt"
	"os"

	"mixerd/osi/presentation"
	"mixerd/osi/rtse"
	"mixerd/osi/session"
)

// The turn (X.228 §7.4, §7.5) is the right to transfer. The initiator
// starts with it (it holds the session data, minor and major/activity
// tokens: PP's token setting). In monologue it never moves; in two-way
// alternate dialogue mode the holder gives it between transfers
// (RT-TURN-GIVE: S-CONTROL-GIVE, a GTC SPDU answered with GTA, which
// passes every token) and the other side asks for it (RT-TURN-PLEASE:
// S-TOKEN-PLEASE of the data token, a PT SPDU whose user data is the
// RTTP with a priority), as ISODE's RTS (and so PP) does.

// Errors of the turn.
var (
	// ErrTurnGiven is returned by ReceiveTransfer (and Receive) when the
	// peer gives this side the turn: it may now Transfer.
	ErrTurnGiven = errors.New("osi: the peer gave the turn")
	// ErrTurnRequested is returned by ReceiveTransfer on the side that
	// holds the turn when the peer asks for it (see TurnRequested).
	ErrTurnRequested = errors.New("osi: the peer asks for the turn")
	// ErrNoTurn is the error of Transfer and GiveTurn without the turn.
	ErrNoTurn = errors.New("osi: the turn is the peer's")
	// ErrMonologue is the error of GiveTurn and PleaseTurn in monologue,
	// where the turn stays with the initiator.
	ErrMonologue = errors.New("osi: the turn does not move in monologue")
)

// HasTurn reports whether this side holds the turn, and so may Transfer.
func (a *Association) HasTurn() bool { return a.turn }

// TurnRequested reports whether the peer asked for the turn (a turn
// please read by Transfer, ReceiveTransfer or GiveTurn since the turn
// last moved) and with what priority. The holder decides whether and
// when to GiveTurn.
func (a *Association) TurnRequested() (priority int, ok bool) {
	return a.c.rt.turnPriority, a.c.rt.turnRequested
}

// GiveTurn gives the turn to the peer (RT-TURN-GIVE, X.228 §7.4), between
// transfers only: S-CONTROL-GIVE (GTC) then the wait for its GTA.
func (a *Association) GiveTurn(ctx context.Context) error {
	if err := a.usable(); err != nil {
		return err
	}
	if !a.RTSE {
		return ErrNoRTSE
	}
	if a.DialogueMode != TwoWayAlternate {
		return ErrMonologue
	}
	if !a.turn {
		return ErrNoTurn
	}
	c := a.c
	if err := c.writeSPDUs(ctx, session.SPDU{Kind: session.KindGTC}); err != nil {
		a.released = true
		c.close()
		return err
	}
	for {
		spdus, err := c.readSPDUs(ctx, c.to.Read)
		if err != nil {
			a.released = true
			return err
		}
		s := &spdus[0]
		switch {
		case len(spdus) == 1 && s.Kind == session.KindGTA:
			a.turn, c.rt.turnRequested = false, false
			c.log.Info("osi turn given to peer")
			return nil
		case len(spdus) == 1 && s.Kind == session.KindPT:
			// A please sent before our GTC reached the peer.
			if err := a.turnPlease(ctx, s); err != nil {
				return err
			}
		case len(spdus) == 1 && s.Kind == session.KindAB:
			return a.abortedByPeer(s)
		default:
			return a.outOfState(ctx, fmt.Sprintf("%s while waiting for GTA", describe(spdus)))
		}
	}
}

// PleaseTurn asks the peer for the turn (RT-TURN-PLEASE, X.228 §7.5) with
// priority (the RTTP; 0 is the highest): a PT SPDU asking for the data
// token. It does not wait: the turn comes, when the peer gives it, as
// ErrTurnGiven from ReceiveTransfer, after the transfers the peer still
// makes.
func (a *Association) PleaseTurn(ctx context.Context, priority int) error {
	if err := a.usable(); err != nil {
		return err
	}
	if !a.RTSE {
		return ErrNoRTSE
	}
	if a.DialogueMode != TwoWayAlternate {
		return ErrMonologue
	}
	if a.turn {
		return errors.New("osi: turn please while holding the turn")
	}
	c := a.c
	ud, err := rtse.Append(nil, &rtse.APDU{RTTP: &priority})
	if err != nil {
		return err
	}
	if !a.Mode.x410() {
		if ud, err = presentation.AppendUserData(nil, presentation.Fully(c.ctxRTSE, ud)); err != nil {
			return err
		}
	}
	if err := c.writeSPDUs(ctx, session.SPDU{Kind: session.KindPT, Tokens: session.Some(session.TokenData), UserData: ud}); err != nil {
		a.released = true
		c.close()
		return err
	}
	c.log.Info("osi turn requested", "priority", priority)
	return nil
}

// turnPlease takes the peer's PT SPDU s (a turn please) on the side that
// holds the turn: kept for TurnRequested. A PT in monologue, without the
// data token or whose user data is not an RTTP aborts.
func (a *Association) turnPlease(ctx context.Context, s *session.SPDU) error {
	c := a.c
	switch {
	case a.DialogueMode != TwoWayAlternate:
		return a.outOfStateRTSE(ctx, "turn please (PT) in monologue")
	case !a.turn:
		return a.outOfStateRTSE(ctx, "turn please from the side that holds the turn")
	case !s.Tokens.Ok || s.Tokens.V&session.TokenData == 0:
		return a.outOfState(ctx, "PT without the data token")
	}
	prio := 0
	if len(s.UserData) > 0 {
		b := s.UserData
		if !a.Mode.x410() {
			pdv, err := presentation.DecodeOnePDV(b)
			if err != nil {
				a.released = true
				c.protocolError(ctx, LayerPresentation, err)
				return &AbortError{Layer: LayerPresentation, Err: err}
			}
			if pdv.ContextID != c.ctxRTSE || pdv.Encoding != presentation.SingleASN1Type {
				return a.fail(ctx, &rtse.Error{APDU: "RTTP", Reason: rtse.ProtocolError, Msg: "turn please without an RTSE PDV"})
			}
			b = pdv.Value
		}
		ap, err := rtse.Decode(b)
		if err == nil && ap.RTTP == nil {
			err = &rtse.Error{APDU: "RTTP", Reason: rtse.ProtocolError, Msg: "not an RTTP in the turn please"}
		}
		if err != nil {
			return a.fail(ctx, err)
		}
		prio = *ap.RTTP
	}
	c.rt.turnRequested, c.rt.turnPriority = true, prio
	c.log.Info("osi turn requested by peer", "priority", prio)
	return nil
}

// awaitPlease is ReceiveTransfer on the side that holds the turn: it
// waits for the peer's turn please (two-way alternate only).
func (a *Association) awaitPlease(ctx context.Context) error {
	if a.DialogueMode != TwoWayAlternate {
		return ErrMonologue
	}
	c := a.c
	for !c.rt.turnRequested {
		spdus, err := c.readSPDUs(ctx, c.to.Idle)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() == nil {
				return a.idleTimeout(err)
			}
			a.released = true
			return err
		}
		s := &spdus[0]
		switch {
		case len(spdus) == 1 && s.Kind == session.KindPT:
			if err := a.turnPlease(ctx, s); err != nil {
				return err
			}
		case len(spdus) == 1 && s.Kind == session.KindAB:
			return a.abortedByPeer(s)
		default:
			return a.outOfState(ctx, "unexpected "+describe(spdus)+" while holding the turn")
		}
	}
	return ErrTurnRequested
}

// takeTurn gets the turn back for the initiator's release (two-way
// alternate): a turn please, then the transfers the peer still makes are
// refused (ExceptionJeopardized: the peer interrupts and keeps them) until
// it gives the turn.
func (a *Association) takeTurn(ctx context.Context) error {
	if err := a.PleaseTurn(ctx, 0); err != nil {
		return err
	}
	for {
		r, err := a.ReceiveTransfer(ctx)
		if errors.Is(err, ErrTurnGiven) {
			return nil
		}
		if err != nil {
			return err
		}
		a.c.log.Info("osi transfer refused: the association is being released", "octets", len(r.APDU))
		if err := r.Refuse(ExceptionJeopardized); err != nil {
			return err
		}
	}
}
