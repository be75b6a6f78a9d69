package osi

import (
	"context"
	"errors"
	"fmt"

	"mixerd/ber"
	"mixerd/osi/presentation"
	"mixerd/osi/rtse"
	"mixerd/osi/session"
)

// maxSerial is the largest session serial number (X.225 §8.3.20: six
// decimal digits).
const maxSerial = 999999

// Transfer sends one APDU (the complete encoding of an MTS-APDU) with
// RT-TRANSFER (X.228 §7.3) in 1988 normal mode, as PP does: an
// S-ACTIVITY-START; the RTTR (an OCTET STRING holding the EXTERNAL with
// the APDU in the id-as-mtse context) in S-DATA, cut every checkpoint size
// octets with a minor synchronization point between the pieces (waiting
// for the acknowledgements when the window is full); S-ACTIVITY-END; then
// it waits for the activity end acknowledgement, which is the peer's
// confirmation that the APDU is secured. Each SPDU goes in its own TSDU
// after an empty GT (PP: GT+AS, GT+DT, GT+MIP, GT+AE).
//
// Only the side that holds the turn transfers. An error leaves the
// association aborted (or released by the peer): the APDU was not
// confirmed and must be sent again on a new association.
func (a *Association) Transfer(ctx context.Context, apdu []byte) error {
	if a.released {
		return ErrReleased
	}
	if a.Mode.x410() {
		return errors.New("osi: transfer in X.410-1984 mode is not supported yet")
	}
	if !a.turn {
		return errors.New("osi: transfer without the turn")
	}
	c := a.c
	if len(apdu) > c.lim.MaxAPDU {
		return fmt.Errorf("osi: APDU of %d octets is more than the limit %d", len(apdu), c.lim.MaxAPDU)
	}
	mtse := a.ctxMTSE
	ext, err := rtse.AppendTransfer(nil, &rtse.Transfer{IndirectReference: &mtse, Value: apdu})
	if err != nil {
		return err
	}
	gt := session.SPDU{Kind: session.KindGT}
	a.activity++
	id := ber.NewBuilder(8)
	id.AddInt(ber.Universal(ber.TagInteger), int64(a.activity%0x7fff))
	if err := c.writeSPDUs(ctx, gt, session.SPDU{Kind: session.KindAS, ActivityID: id.Bytes()}); err != nil {
		return a.fail(ctx, err)
	}
	a.serial = 1
	chunk := a.CheckpointSize * 1024
	if chunk <= 0 {
		chunk = len(ext)
	}
	outstanding := 0
	for off := 0; off < len(ext); off += chunk {
		end := min(off+chunk, len(ext))
		rttr := rtse.AppendRTTR(nil, ext[off:end])
		td, err := presentation.AppendUserData(nil, presentation.Fully(a.c.ctxRTSE, rttr))
		if err != nil {
			return a.fail(ctx, err)
		}
		if err := c.writeSPDUs(ctx, gt, session.SPDU{Kind: session.KindDT, Info: td}); err != nil {
			return a.fail(ctx, err)
		}
		if end == len(ext) {
			break
		}
		if err := c.writeSPDUs(ctx, gt, session.SPDU{Kind: session.KindMIP, Serial: session.Some(a.serial)}); err != nil {
			return a.fail(ctx, err)
		}
		a.serial = a.serial%maxSerial + 1
		outstanding++
		for a.WindowSize > 0 && outstanding >= a.WindowSize {
			if err := a.awaitAck(ctx, session.KindMIA); err != nil {
				return err
			}
			outstanding--
		}
	}
	if err := c.writeSPDUs(ctx, gt, session.SPDU{Kind: session.KindAE, Serial: session.Some(a.serial)}); err != nil {
		return a.fail(ctx, err)
	}
	// The acknowledgements of the minor sync points still due, then the
	// activity end acknowledgement (PT+MAA from PP).
	for {
		kind, err := a.readAck(ctx)
		if err != nil {
			return err
		}
		if kind == session.KindMAA {
			a.serial = a.serial%maxSerial + 1
			c.log.Info("osi transfer confirmed", "octets", len(apdu))
			return nil
		}
	}
}

// fail aborts the association after a local failure during a transfer.
func (a *Association) fail(ctx context.Context, err error) error {
	a.released = true
	a.c.protocolError(ctx, LayerRTSE, err)
	return &AbortError{Layer: LayerRTSE, Err: err}
}

// awaitAck reads until an acknowledgement of kind want arrives.
func (a *Association) awaitAck(ctx context.Context, want session.Kind) error {
	for {
		kind, err := a.readAck(ctx)
		if err != nil {
			return err
		}
		if kind == want {
			return nil
		}
		err = &stateError{LayerSession, fmt.Sprintf("%v while waiting for %v", kind, want)}
		a.released = true
		a.c.protocolError(ctx, LayerSession, err)
		return &AbortError{Layer: LayerSession, Err: err}
	}
}

// readAck reads one TSDU of the receiver during a transfer: an MIA or
// MAA (alone or after a PT). An AB is the peer's abort; anything else
// aborts.
func (a *Association) readAck(ctx context.Context) (session.Kind, error) {
	c := a.c
	spdus, err := c.readSPDUs(ctx, c.to.Read)
	if err != nil {
		a.released = true
		return 0, err
	}
	last := &spdus[len(spdus)-1]
	if len(spdus) <= 2 && (spdus[0].Kind == session.KindPT || len(spdus) == 1) {
		switch last.Kind {
		case session.KindMIA, session.KindMAA:
			return last.Kind, nil
		case session.KindAB:
			a.released = true
			c.close()
			return 0, a.peerAbort(last)
		}
	}
	err = &stateError{LayerSession, fmt.Sprintf("%v during a transfer", last.Kind)}
	a.released = true
	c.protocolError(ctx, LayerSession, err)
	return 0, &AbortError{Layer: LayerSession, Err: err}
}

// Receive waits for the next APDU transferred by the peer (X.228 §7.3, as
// the receiver): the activity's RTTRs are put together (at most
// Limits.MaxAPDU octets) and the EXTERNAL they make is decoded; minor
// synchronization points are acknowledged as they come. The activity end
// is acknowledged only when the caller calls confirm, after it made the
// APDU durable: that acknowledgement is the sender's confirmation. To
// refuse the APDU, do not call confirm and call Abort (the sender keeps
// the APDU and sends it again).
//
// When the peer releases the association, Receive answers the release and
// returns ErrReleased.
func (a *Association) Receive(ctx context.Context) (apdu []byte, confirm func() error, err error) {
	if a.released {
		return nil, nil, ErrReleased
	}
	if a.Mode.x410() {
		return nil, nil, errors.New("osi: transfer in X.410-1984 mode is not supported yet")
	}
	c := a.c
	var buf []byte
	inActivity := false
	for {
		spdus, err := c.readSPDUs(ctx, c.to.Read)
		if err != nil {
			a.released = true
			return nil, nil, err
		}
		s := &spdus[len(spdus)-1]
		prefixed := len(spdus) == 2 && spdus[0].Kind == session.KindGT && !spdus[0].Tokens.Ok
		switch {
		case prefixed && s.Kind == session.KindAS && !inActivity:
			inActivity, buf, a.serial = true, buf[:0], 1
		case prefixed && s.Kind == session.KindDT && inActivity:
			rttr, perr := a.rttr(ctx, s.Info)
			if perr != nil {
				return nil, nil, perr
			}
			if len(buf)+len(rttr) > c.lim.MaxAPDU {
				err := &rtse.Error{APDU: "RTTR", Reason: rtse.PermanentProblem, Msg: fmt.Sprintf("APDU larger than %d octets", c.lim.MaxAPDU)}
				return nil, nil, a.fail(ctx, err)
			}
			buf = append(buf, rttr...)
		case prefixed && s.Kind == session.KindMIP && inActivity:
			if !s.Serial.Ok {
				return nil, nil, a.outOfState(ctx, "MIP without a serial number")
			}
			a.serial = s.Serial.V%maxSerial + 1
			if err := c.writeSPDUs(ctx, session.SPDU{Kind: session.KindPT}, session.SPDU{Kind: session.KindMIA, Serial: s.Serial}); err != nil {
				a.released = true
				return nil, nil, err
			}
		case prefixed && (s.Kind == session.KindAE || s.Kind == session.KindMAP) && inActivity:
			x, err := rtse.DecodeTransfer(buf)
			if err != nil {
				return nil, nil, a.fail(ctx, err)
			}
			if x.IndirectReference != nil && *x.IndirectReference != a.ctxMTSE {
				c.log.Warn("osi transfer in an unexpected context", "context", *x.IndirectReference)
			}
			serial := s.Serial
			apdu := append([]byte(nil), x.Value...)
			confirmed := false
			confirm := func() error {
				if confirmed || a.released {
					return errors.New("osi: transfer already confirmed or association ended")
				}
				confirmed = true
				cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.to.Write)
				defer cancel()
				err := c.writeSPDUs(cctx, session.SPDU{Kind: session.KindPT}, session.SPDU{Kind: session.KindMAA, Serial: serial})
				if err != nil {
					a.released = true
					c.close()
				}
				c.log.Info("osi transfer received and confirmed", "octets", len(apdu))
				return err
			}
			return apdu, confirm, nil
		case prefixed && (s.Kind == session.KindAI || s.Kind == session.KindAD) && inActivity:
			ack := session.KindAIA
			if s.Kind == session.KindAD {
				ack = session.KindADA
			}
			inActivity, buf = false, buf[:0]
			if err := c.writeSPDUs(ctx, session.SPDU{Kind: session.KindPT}, session.SPDU{Kind: ack}); err != nil {
				a.released = true
				return nil, nil, err
			}
			c.log.Info("osi transfer abandoned by the sender", "spdu", s.Kind.String())
		case len(spdus) == 1 && s.Kind == session.KindFN && !inActivity:
			_, err := a.handleOther(ctx, spdus)
			if err == nil {
				err = ErrReleased
			}
			return nil, nil, err
		case len(spdus) == 1 && s.Kind == session.KindAB:
			_, err := a.handleOther(ctx, spdus)
			return nil, nil, err
		default:
			return nil, nil, a.outOfState(ctx, fmt.Sprintf("unexpected %v", s.Kind))
		}
	}
}

// rttr returns the octets of the RTTR in the TD-PPDU info.
func (a *Association) rttr(ctx context.Context, info []byte) ([]byte, error) {
	ud, err := presentation.DecodeUserData(info)
	if err != nil {
		a.released = true
		a.c.protocolError(ctx, LayerPresentation, err)
		return nil, &AbortError{Layer: LayerPresentation, Err: err}
	}
	pdv := ud.PDV(a.c.ctxRTSE)
	if pdv == nil || len(ud.PDVs) != 1 || pdv.Encoding != presentation.SingleASN1Type {
		return nil, a.fail(ctx, &rtse.Error{APDU: "RTSE-apdus", Reason: rtse.ProtocolError, Msg: "S-DATA without one RTSE PDV"})
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

// outOfState aborts on an SPDU not allowed where it came.
func (a *Association) outOfState(ctx context.Context, msg string) error {
	err := &stateError{LayerSession, msg}
	a.released = true
	a.c.protocolError(ctx, LayerSession, err)
	return &AbortError{Layer: LayerSession, Err: err}
}
