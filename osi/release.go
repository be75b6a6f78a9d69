package osi

import (
	"context"
	"errors"
	"fmt"

	"mixerd/osi/acse"
	"mixerd/osi/presentation"
	"mixerd/osi/rtse"
	"mixerd/osi/session"
	"mixerd/osi/transport"
)

// Close releases the association in order.
//
// The side that holds the turn (the initiator, in PP's token setting)
// sends the release: in normal mode an ACSE RLRQ in the user data of a
// session FN (X.227 §7.2, X.225 §7.6), answered by an RLRE in a DN; in
// X.410-1984 mode a FN and a DN without user data. It then sends a DR
// (RFC 1006, as PP does) and closes the TCP connection.
//
// Only the initiator releases (X.228 §7.1), and only with the turn. In
// two-way alternate dialogue mode an initiator without the turn asks for
// it first (refusing, with ExceptionJeopardized, the transfers the peer
// still makes), and a responder that holds it gives it back. The
// responder's Close then waits for the peer's FN, answers it with a DN
// (and RLRE) and closes. Any other PDU, or ctx's deadline, aborts. An
// APDU received but neither confirmed nor refused is refused first
// (ExceptionJeopardized: the sender keeps it).
//
// Without RTSE (ROS over presentation, duplex) there is no turn: the
// initiator sends the FN with the RLRQ at once, and the responder's Close
// waits for it. The P-DATA the peer still sends meanwhile (X.225 §7.6: data
// may cross the FN) are dropped, each with a log line: operations
// outstanding are the caller's to finish before Close.
func (a *Association) Close(ctx context.Context) error {
	if a.released {
		return nil
	}
	c := a.c
	defer c.close()
	ctx, cancel := context.WithTimeout(ctx, c.to.Release)
	defer cancel()
	if r := c.rt.pending; r != nil {
		// Neither confirmed nor refused: the sender keeps it.
		if err := r.Refuse(ExceptionJeopardized); err != nil {
			return err
		}
	}
	if !a.Initiator && a.turn {
		// Two-way alternate: the initiator needs the turn to release.
		if err := a.GiveTurn(ctx); err != nil {
			return err
		}
	}
	if a.Initiator && !a.turn {
		if err := a.takeTurn(ctx); err != nil {
			return err
		}
	}
	if !a.turn {
		for {
			spdus, err := c.readSPDUs(ctx, c.to.Release)
			if err != nil {
				a.released = true
				if errors.Is(err, ErrReleased) {
					return nil
				}
				return err
			}
			if !a.RTSE && isData(spdus) {
				c.log.Info("osi P-DATA dropped: waiting for the release", "octets", len(spdus[1].Info))
				continue
			}
			done, err := a.handleOther(ctx, spdus)
			if err != nil {
				return err
			}
			if done {
				return nil
			}
			c.log.Debug("osi close: PDU ignored while waiting for the release", "spdu", spdus[len(spdus)-1].Kind.String())
		}
	}
	fn := session.SPDU{Kind: session.KindFN, Disconnect: session.Some(session.TDRelease)}
	if !a.Mode.x410() {
		reason := acse.ReleaseNormal
		ud, err := a.acseUserData(func(b []byte) ([]byte, error) { return acse.AppendRLRQ(b, &acse.Release{Reason: &reason}) })
		if err != nil {
			return err
		}
		fn.UserData = ud
	}
	if err := c.writeSPDUs(ctx, fn); err != nil {
		a.released = true
		return err
	}
	spdus, err := c.readSPDUs(ctx, c.to.Release)
	for err == nil && !a.RTSE && isData(spdus) {
		c.log.Info("osi P-DATA dropped: the association is being released", "octets", len(spdus[1].Info))
		spdus, err = c.readSPDUs(ctx, c.to.Release)
	}
	a.released = true
	if err != nil {
		return err
	}
	s := &spdus[0]
	switch {
	case len(spdus) == 1 && s.Kind == session.KindDN:
		if !a.Mode.x410() {
			ap, err := decodeACSE(userData(s.UserData), c.ctxACSE, "RLRE")
			if err == nil && ap.RLRE == nil {
				err = &acse.Error{APDU: "ACSE-apdu", Source: acse.SourceServiceProvider, Diagnostic: acse.ProtocolError, Msg: "not an RLRE in the DN"}
			}
			if err != nil {
				// The release is done at the session layer; report it.
				c.log.Warn("osi protocol error", "layer", LayerACSE, "cause", err)
			}
		}
		c.disconnect(ctx, transport.ReasonNormal)
		c.log.Info("osi association released")
		return nil
	case len(spdus) == 1 && s.Kind == session.KindAB:
		c.close()
		return a.peerAbort(s)
	case len(spdus) == 1 && s.Kind == session.KindNF:
		err := &stateError{LayerSession, "release refused (NF), but negotiated release was not agreed"}
		c.protocolError(ctx, LayerSession, err)
		return &AbortError{Layer: LayerSession, Err: err}
	default:
		err := &stateError{LayerSession, s.Kind.String() + " in answer to a FN"}
		c.protocolError(ctx, LayerSession, err)
		return &AbortError{Layer: LayerSession, Err: err}
	}
}

// userData decodes a presentation User-data, nil if it cannot.
func userData(b []byte) *presentation.UserData {
	if len(b) == 0 {
		return nil
	}
	u, err := presentation.DecodeUserData(b)
	if err != nil {
		return nil
	}
	return u
}

// acseUserData encodes the fully encoded user data carrying the ACSE APDU
// that f appends.
func (a *Association) acseUserData(f func([]byte) ([]byte, error)) ([]byte, error) {
	b, err := f(nil)
	if err != nil {
		return nil, err
	}
	return presentation.AppendUserData(nil, presentation.Fully(a.c.ctxACSE, b))
}

// handleOther handles the SPDUs that may come at any time in the data
// phase: the peer's FN (answered with DN, and done is true), an AB (the
// peer's abort), and returns an *AbortError for anything that is not
// allowed. It returns done false and no error for the SPDUs the caller
// handles itself (none here: the caller checks first).
func (a *Association) handleOther(ctx context.Context, spdus []session.SPDU) (done bool, err error) {
	c := a.c
	s := &spdus[0]
	switch {
	case len(spdus) == 1 && s.Kind == session.KindFN:
		return true, a.answerRelease(ctx, s)
	case len(spdus) == 1 && s.Kind == session.KindAB:
		return true, a.abortedByPeer(s)
	}
	err = &stateError{LayerSession, fmt.Sprintf("unexpected %s", s.Kind)}
	c.protocolError(ctx, LayerSession, err)
	a.released = true
	return true, &AbortError{Layer: LayerSession, Err: err}
}

// answerRelease answers the peer's FN with a DN (with an RLRE in normal
// mode), waits for the peer to disconnect and closes.
func (a *Association) answerRelease(ctx context.Context, fn *session.SPDU) error {
	c := a.c
	a.released = true
	dn := session.SPDU{Kind: session.KindDN}
	if !a.Mode.x410() {
		ap, err := decodeACSE(userData(fn.UserData), c.ctxACSE, "RLRQ")
		if err == nil && ap.RLRQ == nil {
			err = &acse.Error{APDU: "ACSE-apdu", Source: acse.SourceServiceProvider, Diagnostic: acse.ProtocolError, Msg: "not an RLRQ in the FN"}
		}
		if err != nil {
			c.protocolError(ctx, LayerACSE, err)
			return &AbortError{Layer: LayerACSE, Err: err}
		}
		reason := acse.ReleaseNormal
		ud, err := a.acseUserData(func(b []byte) ([]byte, error) { return acse.AppendRLRE(b, &acse.Release{Reason: &reason}) })
		if err != nil {
			return err
		}
		dn.UserData = ud
	}
	if err := c.writeSPDUs(ctx, dn); err != nil {
		c.close()
		return err
	}
	c.log.Info("osi association released by peer")
	c.waitClose(ctx)
	return nil
}

// Abort aborts the association with the RTSE abort reason: an RTAB in an
// ACSE ABRT (normal mode) or the RTAB as ARU-PPDU (X.410-1984 mode), in a
// session AB, then a DR. Without RTSE the reason does not apply: the AB
// carries an ABRT, source acse-service-user (X.227 §7.3). It never waits
// for an answer.
func (a *Association) Abort(ctx context.Context, reason rtse.AbortReason) error {
	if a.released {
		return nil
	}
	a.released = true
	c := a.c
	defer c.close()
	ab := c.abortSPDU(LayerRTSE, &rtse.Error{APDU: "RTAB", Reason: reason, Msg: "user abort"})
	if !a.RTSE {
		ab = c.rosAbort()
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.to.Write)
	defer cancel()
	err := c.writeSPDUs(actx, *ab)
	c.disconnect(actx, transport.ReasonNormal)
	c.log.Info("osi association aborted", "reason", int(reason))
	return err
}
