package osi

// ROS over presentation (X.880 §11, X.881 §9.1: an application context
// "ESTABLISHED BY acse, INFORMATION TRANSFER BY pData", such as P3's
// mts-access-88/94, X.419 §A.2): the bind is the A-ASSOCIATE, its
// argument a ROS bind-invoke [16] that is the user information of the
// AARQ (the result a bind-result [17], the error a bind-error [18], in
// the AARE), in the presentation context of the bind's abstract syntax
// (id-as-mts); each ROS PDU (invoke, returnResult, returnError, reject)
// is then one P-DATA: a session DT SPDU (after an empty GT, X.225 §6.3.7)
// whose user information is a TD-PPDU, fully encoded, with one PDV-list
// in the presentation context of the operation's abstract syntax (X.226
// §8.4, id-as-msse, id-as-mdse-88, ...). The session runs with the
// duplex functional unit alone (no token: either side sends whenever it
// likes, so the responder invokes too); the unbind is the A-RELEASE
// (RLRQ in FN, RLRE in DN), which only the initiator requests.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"mixerd/ber"
	"mixerd/osi/acse"
	"mixerd/osi/presentation"
	"mixerd/osi/rose"
	"mixerd/osi/session"
)

// rosFUs are the session functional units of ROS over presentation: duplex
// alone (X.881 §9.1.2, X.225 §7.2: no token is then available).
const rosFUs = session.FUDuplex

// Errors of the data transfer services used on the wrong association.
var (
	// ErrRTSE is the error of SendData and ReceiveData on an
	// association that transfers by RTSE.
	ErrRTSE = errors.New("osi: the association transfers by RTSE (Transfer, ReceiveTransfer), not by P-DATA")
	// ErrNoRTSE is the error of Transfer, TransferIn and ReceiveTransfer
	// on an association without RTSE.
	ErrNoRTSE = errors.New("osi: the association transfers by P-DATA (SendData, ReceiveData), not by RTSE")
)

// ContextID returns the identifier of the presentation context agreed
// for the abstract syntax as (normal mode), false when there is none.
func (a *Association) ContextID(as ber.OID) (int, bool) {
	for _, pc := range a.Contexts {
		if pc.AbstractSyntax.Equal(as) {
			return pc.ID, true
		}
	}
	return 0, false
}

// dataContext reports whether id is a context agreed that may carry
// data: neither ACSE's nor the bind's (the RTSE APDUs', or without RTSE
// the ROS bind and unbind PDUs', which travel in ACSE's APDUs).
func (a *Association) dataContext(id int) bool {
	if id == a.c.ctxACSE || id == a.c.ctxRTSE {
		return false
	}
	for _, pc := range a.Contexts {
		if pc.ID == id {
			return true
		}
	}
	return false
}

// bindPDU returns the ROS bind PDU that is the user information of an
// AARQ or AARE without RTSE (X.881 §9.1): the single-ASN1-type of the
// EXTERNAL of presentation context id (or without a context identifier).
func bindPDU(ui []acse.External, id int, apdu string) (*rose.Bind, error) {
	for i := range ui {
		x := &ui[i]
		if (x.IndirectReference == nil || *x.IndirectReference == id) && x.Encoding == acse.SingleASN1Type {
			p, err := rose.Decode(x.Value)
			if err != nil {
				return nil, &acse.Error{APDU: apdu, Field: "user-information", Source: acse.SourceServiceProvider, Diagnostic: acse.ProtocolError, Msg: err.Error(), Err: err}
			}
			if p.Bind == nil {
				return nil, &acse.Error{APDU: apdu, Field: "user-information", Source: acse.SourceServiceProvider, Diagnostic: acse.ProtocolError, Msg: "a ROS PDU that is not a bind PDU"}
			}
			return p.Bind, nil
		}
	}
	return nil, &acse.Error{APDU: apdu, Field: "user-information", Source: acse.SourceServiceProvider, Diagnostic: acse.ProtocolError,
		Msg: fmt.Sprintf("no ROS bind PDU in presentation context %d", id)}
}

// SendData sends pdu, one complete BER encoding (a ROS PDU: rose.Append),
// as a P-DATA in the presentation context contextID (X.226 §7.6): an
// empty GT and a DT SPDU whose user information is the TD-PPDU, fully
// encoded, with one PDV-list of that context; with a TSDU maximum size
// agreed for what we send, in segments (X.225 §7.11). The context must be
// one agreed (Contexts, ContextID) other than ACSE's. It does not wait for
// anything: the peer's answers come from ReceiveData.
//
// A pdu over Limits.MaxAPDU, empty or not one BER element is an error
// and nothing is sent; a write that fails ends the association. On an
// association with RTSE it returns ErrRTSE.
func (a *Association) SendData(ctx context.Context, contextID int, pdu []byte) error {
	if a.RTSE {
		return ErrRTSE
	}
	if err := a.usable(); err != nil {
		return err
	}
	c := a.c
	switch {
	case !a.dataContext(contextID):
		return fmt.Errorf("osi: presentation context %d is not one agreed for data", contextID)
	case len(pdu) == 0:
		return errors.New("osi: empty PDU")
	case len(pdu) > c.lim.MaxAPDU:
		return fmt.Errorf("osi: PDU of %d octets is more than the limit %d", len(pdu), c.lim.MaxAPDU)
	}
	if err := oneElement(pdu); err != nil {
		return fmt.Errorf("osi: PDU is not one BER element: %w", err)
	}
	b := session.AppendDataHeader(a.dbuf[:0])
	hl := len(b)
	b = presentation.AppendOnePDVHeader(b, contextID, len(pdu))
	b = append(b, pdu...)
	a.dbuf = b
	if cap(a.dbuf) > bigBuffer {
		a.dbuf = nil
	}
	var err error
	if c.tsduOut > 0 {
		err = c.writeSegments(ctx, b[hl:])
	} else {
		err = c.writeTSDU(ctx, b)
	}
	if err != nil {
		a.released = true
		c.close()
		return err
	}
	if c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.Debug("osi P-DATA sent", "context", contextID, "octets", len(pdu))
	}
	return nil
}

// oneElement reports whether b is one BER element (X.226 §8.4: the
// single-ASN1-type of a PDV-list).
func oneElement(b []byte) error {
	r := ber.NewReader(b, nil)
	if _, err := r.Next(); err != nil {
		return err
	}
	if !r.Empty() {
		return fmt.Errorf("%d octets after the first element", len(b)-r.Offset())
	}
	return nil
}

// ReceiveData waits for the peer's next P-DATA (X.226 §7.6) and returns
// its presentation context and its PDU (the single-ASN1-type value of its
// one PDV-list, a ROS PDU for ROSE: rose.Decode), which is the caller's
// to keep. Segmented SSDUs are reassembled (X.225 §7.11).
//
// A TD-PPDU that cannot be decoded, with more than one PDV-list, in a
// context not agreed (or ACSE's), not a single-ASN1-type, or whose PDU is
// over Limits.MaxAPDU, is answered with an abort (an ARP; a session AB
// with "implementation restriction" for the size) and a log line, as is
// any SPDU other than data, release or abort (no token or
// synchronization service exists in duplex): ReceiveData returns an
// *AbortError. When the initiator releases the association (A-RELEASE,
// the responder's side), ReceiveData answers the RLRQ with an RLRE and
// returns ErrReleased; an initiator never receives a release (only it
// unbinds, X.881 §9.1). A peer that sends nothing for Timeouts.Idle makes
// it close the connection and return ErrIdleTimeout. On an association
// with RTSE it returns ErrRTSE.
func (a *Association) ReceiveData(ctx context.Context) (contextID int, pdu []byte, err error) {
	if a.RTSE {
		return 0, nil, ErrRTSE
	}
	if err := a.usable(); err != nil {
		return 0, nil, err
	}
	defer a.c.watch(ctx)()
	c := a.c
	for {
		spdus, err := c.readSPDUs(ctx, c.to.Idle)
		if err != nil {
			a.released = true
			if errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() == nil {
				return 0, nil, a.idleTimeout(err)
			}
			return 0, nil, err
		}
		s := &spdus[len(spdus)-1]
		switch {
		case isData(spdus):
			id, v, err := a.takeData(ctx, s.Info)
			if err != nil {
				return 0, nil, err
			}
			if c.log.Enabled(ctx, slog.LevelDebug) {
				c.log.Debug("osi P-DATA received", "context", id, "octets", len(v))
			}
			return id, bytes.Clone(v), nil
		case len(spdus) == 1 && s.Kind == session.KindFN && !a.Initiator:
			_, err := a.handleOther(ctx, spdus)
			if err == nil {
				err = ErrReleased
			}
			return 0, nil, err
		case len(spdus) == 1 && s.Kind == session.KindAB:
			_, err := a.handleOther(ctx, spdus)
			return 0, nil, err
		case len(spdus) == 1 && s.Kind == session.KindFN:
			return 0, nil, a.outOfState(ctx, "release (FN) from the responder: only the initiator releases (X.881 §9.1)")
		default:
			return 0, nil, a.outOfState(ctx, "unexpected "+describe(spdus)+" on a duplex association (X.225 §7.2)")
		}
	}
}

// isData reports whether spdus is an S-DATA: an empty GT (no Token Item)
// and a DT.
func isData(spdus []session.SPDU) bool {
	return len(spdus) == 2 && spdus[0].Kind == session.KindGT && !spdus[0].Tokens.Ok && spdus[1].Kind == session.KindDT
}

// takeData decodes the TD-PPDU info of a P-DATA: its context and PDU, or
// the abort of what is wrong with it.
func (a *Association) takeData(ctx context.Context, info []byte) (int, []byte, error) {
	c := a.c
	pdv, err := presentation.DecodeOnePDV(info)
	if err == nil {
		switch {
		case !a.dataContext(pdv.ContextID):
			err = &presentation.Error{PDU: "TD", Field: "presentation-context-identifier", Reason: presentation.InvalidPPDUParameterValue,
				Msg: fmt.Sprintf("context %d is not one agreed for data", pdv.ContextID)}
		case pdv.Encoding != presentation.SingleASN1Type:
			err = &presentation.Error{PDU: "TD", Field: "presentation-data-values", Reason: presentation.InvalidPPDUParameterValue,
				Msg: "not a single-ASN1-type"}
		}
	}
	if err != nil {
		a.released = true
		c.protocolError(ctx, LayerPresentation, err)
		return 0, nil, &AbortError{Layer: LayerPresentation, Err: err}
	}
	if len(pdv.Value) > c.lim.MaxAPDU {
		err := &session.Error{SPDU: session.KindDT, SI: session.KindDT.SI(),
			Msg:        fmt.Sprintf("P-DATA of %d octets, more than the limit %d", len(pdv.Value), c.lim.MaxAPDU),
			Disconnect: session.TDRelease | session.TDImplementationRestriction}
		a.released = true
		c.protocolError(ctx, LayerSession, err)
		return 0, nil, &AbortError{Layer: LayerSession, Err: err}
	}
	return pdv.ContextID, pdv.Value, nil
}

// rosAbort is the A-ABORT of an association without RTSE (X.227 §7.3,
// X.881 §9.1): an ABRT, source acse-service-user, in an ARU-PPDU in a
// session AB.
func (c *conn) rosAbort() *session.SPDU {
	ab := &session.SPDU{Kind: session.KindAB, Disconnect: session.Some(session.TDRelease | session.TDUserAbort)}
	ud, err := c.appendARU(&acse.ABRT{Source: acse.SourceServiceUser})
	if err != nil {
		c.log.Debug("osi abort user data not encoded", "cause", err)
		return ab
	}
	ab.UserData = ud
	return ab
}
