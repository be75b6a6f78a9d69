package osi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	"mixerd/ber"
	"mixerd/osi/acse"
	"mixerd/osi/presentation"
	"mixerd/osi/rose"
	"mixerd/osi/rtse"
	"mixerd/osi/session"
	"mixerd/osi/transport"
)

// Functional units we propose and accept (X.225 §8.3.1 PI 20): PP's set,
// half-duplex, minor synchronize, activity management and exceptions, which
// is what RTSE uses (X.228 §8.1).
const ourFUs = session.FUHalfDuplex | session.FUMinorSync | session.FUActivity | session.FUExceptions

// maxCNUserData is the largest user data of a CN in version 2 (X.225
// §8.3.1: the Extended User Data parameter, 10240 octets); more goes in
// CDO SPDUs (overflow.go).
const maxCNUserData = session.MaxCNExtendedUserData

// Association is one association over one TCP connection, established
// by Dial or by Incoming.Accept: P1's, or another application context's
// (AppContext). It is not safe for concurrent use: the goroutine that
// calls its methods reads its PDUs, in order.
type Association struct {
	c *conn // the transport connection, the layers' aborts, the logger

	Initiator bool // we sent the CR (Dial)
	Mode      Mode // the P1 mode agreed (Mode1988Normal for every other application context)
	// RTSE is set when the association transfers by RTSE (X.410-1984
	// mode, and normal mode with an RTSE application context: Transfer,
	// TransferIn, ReceiveTransfer); unset, it carries P-DATA (ROS over
	// presentation: SendData, ReceiveData, ros.go).
	RTSE         bool
	DialogueMode rtse.DialogueMode // RTSE dialogue mode agreed
	// CheckpointSize (in 1024 octets, 0: none) and WindowSize are the
	// RTSE values of the RTOAC.
	CheckpointSize int
	WindowSize     int
	TPDUSize       int                     // maximum TPDU size agreed (X.224)
	SessionVersion byte                    // session.Version1 or session.Version2, agreed
	Requirements   session.FunctionalUnits // session functional units agreed
	Tokens         session.TokenSetting    // initial token setting of the AC
	LocalAddr      net.Addr                // our end of the TCP connection
	RemoteAddr     net.Addr                // the peer's end
	// Contexts are the presentation contexts agreed in normal mode (none
	// in X.410 mode), and ApplicationContext the application context name
	// of the AARE (or of the AARQ we accepted).
	Contexts           []PresentationContext
	ApplicationContext ber.OID

	ctxMTSE  int        // presentation context id of Transfer's APDUs (id-as-mtse for P1; normal mode)
	app      AppContext // the application context (normal mode)
	dbuf     []byte     // the TSDU of SendData, reused
	released bool       // an orderly release completed (or an abort ended it)
	// turn is true while we hold the RTSE turn (the data, minor and major
	// tokens): the initiator starts with it (PP's token setting, all on the
	// initiator's side).
	turn bool
	// rec is the RTSE recovery state (recover.go).
	rec recovery
}

// Dial opens an association to cfg.Address and binds with bindArgument
// (the complete encoding of the MTABindArgument). It returns the peer's
// bind result (the MTABindResult encoding). A refusal at any layer is a
// *RefusedError (with the peer's MTABindError, when it sent one), a peer
// abort or a protocol error an *AbortError; a timeout keeps
// os.ErrDeadlineExceeded in its chain.
func Dial(ctx context.Context, cfg DialConfig, bindArgument []byte) (a *Association, bindResult []byte, err error) {
	return dial(ctx, cfg, bindArgument, nil)
}

// dial is Dial; with resume set, it recovers the association of that
// session connection (X.228 §7.8, recover.go): the RTORQ carries recover
// instead of the bind, and the RTOAC must answer recover.
func dial(ctx context.Context, cfg DialConfig, bindArgument []byte, resume *rtse.SessionConnectionID) (a *Association, bindResult []byte, err error) {
	if err := checkTSDUMaxSize(cfg.TSDUMaxSize); err != nil {
		return nil, nil, err
	}
	if err := cfg.Application.check(); err != nil {
		return nil, nil, err
	}
	app := cfg.Application.orP1()
	if cfg.Mode.x410() {
		app = MTSTransfer
	}
	to := cfg.Timeouts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, to.Connect)
	defer cancel()
	var d net.Dialer
	if cfg.SourceIP.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: cfg.SourceIP.AsSlice(), Zone: cfg.SourceIP.Zone()}
	}
	nc, err := d.DialContext(ctx, "tcp", cfg.Address)
	if err != nil {
		return nil, nil, fmt.Errorf("osi: dial %s: %w", cfg.Address, err)
	}
	c := newConn(nc, cfg.Logger, cfg.Limits, cfg.Timeouts)
	c.mode = cfg.Mode
	defer func() {
		if err != nil {
			c.close()
			c.log.Info("osi association not established", "mode", cfg.Mode.String(), "err", err)
		}
	}()
	a = &Association{c: c, Initiator: true, Mode: cfg.Mode, DialogueMode: cfg.DialogueMode,
		LocalAddr: nc.LocalAddr(), RemoteAddr: nc.RemoteAddr(), ctxMTSE: ctxMTSE, turn: true,
		RTSE: cfg.Mode.x410() || app.RTSE, app: app}
	if !cfg.Mode.x410() {
		// ACSE is context 1, the application context's abstract
		// syntaxes 3, 5, 7, ... (P1: id-as-mta-rtse 3, id-as-mtse 5).
		c.ctxRTSE, a.ctxMTSE = proposedID(app, app.Bind), proposedID(app, nil)
	}
	if !a.RTSE {
		a.DialogueMode, cfg.CheckpointSize, cfg.WindowSize = 0, 0, 0
	}
	a.rec.cfg, a.rec.resume = cfg, resume

	// Transport: CR / CC (X.224 §6.5, RFC 2126 §6.3).
	tpduSize := cfg.TPDUSize
	if tpduSize == 0 {
		tpduSize = 2048
	}
	c.localRef = uint16(rand.IntN(0xfffe) + 1)
	cr := transport.CR{SrcRef: c.localRef, Class: 0, CallingTSAP: cfg.CallingTSAP, CalledTSAP: cfg.CalledTSAP, TPDUSize: tpduSize}
	if err := c.writeTPDU(ctx, &cr); err != nil {
		return nil, nil, err
	}
	tpdu, err := c.readTPDU(ctx, to.Read)
	if err != nil {
		return nil, nil, err
	}
	typ, err := transport.Type(tpdu)
	if err != nil {
		return nil, nil, &AbortError{Layer: LayerTransport, Err: err}
	}
	switch typ {
	case transport.TypeCC:
	case transport.TypeDR:
		dr, err := transport.ParseDR(tpdu)
		if err != nil {
			return nil, nil, &AbortError{Layer: LayerTransport, Peer: true, Err: err}
		}
		return nil, nil, &RefusedError{Layer: LayerTransport, Reason: int(dr.Reason), Msg: "connection request refused"}
	default:
		return nil, nil, &AbortError{Layer: LayerTransport, Msg: fmt.Sprintf("%v in answer to a CR", typ)}
	}
	cc, err := transport.ParseCC(tpdu)
	if err != nil {
		return nil, nil, &AbortError{Layer: LayerTransport, Err: err}
	}
	c.peerRef = cc.SrcRef
	c.transportUp = true
	if a.TPDUSize, err = transport.CheckCC(&cr, &cc); err != nil {
		c.protocolError(ctx, LayerTransport, err)
		return nil, nil, &AbortError{Layer: LayerTransport, Err: err}
	}
	if c.seg, err = transport.NewSegmenter(a.TPDUSize); err != nil {
		c.protocolError(ctx, LayerTransport, err)
		return nil, nil, &AbortError{Layer: LayerTransport, Err: err}
	}

	// Presentation CP with the ACSE AARQ or the X.410 RTORQ.
	cp, err := a.appendCP(cfg, bindArgument)
	if err != nil {
		c.disconnect(ctx, transport.ReasonNormal)
		return nil, nil, err
	}

	// Session CN (X.225 §8.3.1), as PP sends it. User data over 512
	// octets needs version 2 (the Extended User Data parameter), which
	// we then propose alone, and over 10240 the connect data overflow
	// (overflow.go).
	versions := session.Version1 | session.Version2
	if len(cp) > session.MaxUserDataV1 {
		versions = session.Version2
	}
	overflow := len(cp) > maxCNUserData
	now := time.Now().UTC()
	fus, tokens := ourFUs, session.Some(session.MakeTokenSetting(session.TokenInitiator, session.TokenInitiator, session.TokenInitiator, session.TokenInitiator))
	if !a.RTSE {
		// ROS over presentation: duplex, no token (X.881 §9.1).
		fus, tokens = rosFUs, session.Opt[session.TokenSetting]{}
	}
	cn := session.SPDU{Kind: session.KindCN,
		ConnID: &session.ConnectionID{
			CallingRef: fmt.Appendf(nil, "%04x", c.localRef),
			CommonRef:  commonRef(now),
		},
		ConnAccept: &session.ConnectAcceptItem{
			ProtocolOptions: session.Some(byte(0)),
			Version:         session.Some(versions),
			TokenSetting:    tokens,
		},
		Requirements: session.Some(fus),
		CallingSSAP:  cfg.CallingSSAP,
		CalledSSAP:   cfg.CalledSSAP,
		UserData:     cp,
		Extended:     len(cp) > session.MaxUserDataV1,
	}
	if overflow {
		cn.UserData, cn.DataOverflow = cp[:maxCNUserData], session.Some(session.DataOverflowMore)
	}
	if n := uint32(cfg.TSDUMaxSize); n != 0 {
		cn.ConnAccept.TSDUMaxSize = session.Some(session.TSDUMaxSize{InitToResp: n, RespToInit: n})
	}
	if err := c.writeSPDUs(ctx, cn); err != nil {
		return nil, nil, err
	}
	a.rec.id = *cn.ConnID
	var spdus []session.SPDU
	if overflow {
		spdus, err = a.connectOverflow(ctx, cp[maxCNUserData:])
	} else {
		spdus, err = c.readSPDUs(ctx, to.Read)
	}
	if err != nil {
		return nil, nil, err
	}
	s := &spdus[0]
	switch {
	case len(spdus) != 1:
		err = &stateError{LayerSession, fmt.Sprintf("%d SPDUs in answer to a CN", len(spdus))}
	case s.Kind == session.KindRF:
		// X.225 §7.1.4: the transport connection goes with the refusal.
		c.disconnect(ctx, transport.ReasonNormal)
		err := a.refused(s)
		if re, ok := err.(*RefusedError); ok && re.Layer == LayerSession && re.Reason == int(session.RefuseVersions) && versions == session.Version2 {
			re.Msg += fmt.Sprintf(" (our %d octets of connect data need version 2)", len(cp))
		}
		return nil, nil, err
	case s.Kind == session.KindAB:
		c.close()
		return nil, nil, a.peerAbort(s)
	case s.Kind != session.KindAC:
		err = &stateError{LayerSession, s.Kind.String() + " in answer to a CN"}
	}
	if err != nil {
		c.protocolError(ctx, LayerSession, err)
		return nil, nil, &AbortError{Layer: LayerSession, Err: err}
	}
	err = a.takeAC(s)
	if err == nil && len(cp) > session.MaxUserDataV1 && a.SessionVersion != session.Version2 {
		err = &stateError{LayerSession, fmt.Sprintf("AC selects session version 1, which we did not propose: our %d octets of connect data need version 2", len(cp))}
	}
	if err != nil {
		c.protocolError(ctx, LayerSession, err)
		return nil, nil, &AbortError{Layer: LayerSession, Err: err}
	}
	c.sessionUp = true
	if s.ConnID != nil {
		a.rec.id.CalledRef = bytes.Clone(s.ConnID.CalledRef)
	}
	layer, res, err := a.takeCPA(s.UserData)
	if err != nil {
		var re *RefusedError
		if errors.As(err, &re) {
			// An accepted connection that refuses the bind: abort it.
			c.protocolError(ctx, re.Layer, err)
			return nil, nil, err
		}
		c.protocolError(ctx, layer, err)
		return nil, nil, &AbortError{Layer: layer, Err: err}
	}
	c.log.Info("osi association established", "mode", a.Mode.String(), "application_context", a.ApplicationContext.String(), "rtse", a.RTSE, "dialogue", int(a.DialogueMode),
		"checkpoint", a.CheckpointSize, "window", a.WindowSize, "tpdu", a.TPDUSize, "session_version", a.SessionVersion,
		"tsdu_send", c.tsduOut, "tsdu_receive", c.tsduIn)
	// res aliases the TSDU buffer, which the next read reuses.
	return a, bytes.Clone(res), nil
}

// appendCP encodes the CP-type of the P-CONNECT request.
func (a *Association) appendCP(cfg DialConfig, bindArgument []byte) ([]byte, error) {
	q := &rtse.RTORQ{CheckpointSize: cfg.CheckpointSize, WindowSize: cfg.WindowSize, DialogueMode: cfg.DialogueMode,
		Explicit: rtse.ExplicitDialogueMode}
	if q.WindowSize == 0 {
		q.WindowSize = 3
	}
	if q.CheckpointSize != 0 {
		q.Explicit |= rtse.ExplicitCheckpointSize
	}
	if cfg.Mode.x410() {
		// PP's form of applicationProtocol: the value shifted by 8 bits.
		p := rtse.MTSTransferProtocol << 8
		if cfg.Mode == Mode1984 {
			p = rtse.MTSTransferProtocol1984 << 8
		}
		q.ApplicationProtocol = &p
		q.ConnectionData.Open = bindArgument
		if a.rec.resume != nil {
			q.ConnectionData = rtse.ConnectionData{Recover: a.rec.resume}
		}
		x, err := rtse.AppendRTORQ(nil, q, rtse.TagX410Params)
		if err != nil {
			return nil, err
		}
		return presentation.AppendCP(nil, &presentation.CP{Mode: presentation.ModeX410, X410: x})
	}
	// The bind: a ROS bind-invoke (X.880 §9), in the RTORQ with RTSE,
	// else itself the AARQ's user information (X.881 §9.1).
	var ui []byte
	if a.rec.resume == nil {
		var err error
		if ui, err = rose.Append(nil, &rose.PDU{Bind: &rose.Bind{Kind: rose.BindInvoke, Value: bindArgument}}); err != nil {
			return nil, err
		}
	}
	if a.RTSE {
		var err error
		if a.rec.resume != nil {
			q.ConnectionData.Recover = a.rec.resume // no bind on recovery
		} else {
			q.ConnectionData.Open = ui
		}
		if ui, err = rtse.Append(nil, &rtse.APDU{RTORQ: q}); err != nil {
			return nil, err
		}
	}
	bindID := a.c.ctxRTSE
	aarq, err := acse.AppendAARQ(nil, &acse.AARQ{ContextName: a.app.Name, UserInformation: []acse.External{{
		DirectReference: acse.BER, IndirectReference: &bindID, Encoding: acse.SingleASN1Type, Value: ui}}})
	if err != nil {
		return nil, err
	}
	pcs := []presentation.Context{{ID: ctxACSE, AbstractSyntax: acse.AbstractSyntax, TransferSyntaxes: []ber.OID{presentation.BER}}}
	for i, as := range a.app.AbstractSyntaxes {
		pcs = append(pcs, presentation.Context{ID: ctxACSE + 2*(i+1), AbstractSyntax: as, TransferSyntaxes: []ber.OID{presentation.BER}})
	}
	return presentation.AppendCP(nil, &presentation.CP{Mode: presentation.ModeNormal, Normal: &presentation.NormalCP{
		CallingSelector: cfg.CallingPSAP,
		CalledSelector:  cfg.CalledPSAP,
		Contexts:        pcs,
		UserData:        presentation.Fully(ctxACSE, aarq),
	}})
}

// proposedID returns the presentation context identifier Dial gives the
// abstract syntax as of app (ACSE 1, app's 3, 5, 7, ...); with as nil,
// that of the first abstract syntax that is not the bind's (P1:
// id-as-mtse, 5), or -1.
func proposedID(app AppContext, as ber.OID) int {
	for i, s := range app.AbstractSyntaxes {
		if (as != nil && s.Equal(as)) || (as == nil && !s.Equal(app.Bind)) {
			return ctxACSE + 2*(i+1)
		}
	}
	return -1
}

// takeAC checks the session AC against our CN (X.225 §7.1.3).
func (a *Association) takeAC(s *session.SPDU) error {
	a.SessionVersion = session.Version1
	if ca := s.ConnAccept; ca != nil {
		if ca.Version.Ok {
			switch {
			case ca.Version.V&session.Version2 != 0:
				a.SessionVersion = session.Version2
			case ca.Version.V&session.Version1 == 0:
				return &stateError{LayerSession, fmt.Sprintf("AC selects no known version (%#x)", ca.Version.V)}
			}
		}
		if ca.TokenSetting.Ok {
			a.Tokens = ca.TokenSetting.V
		}
		// The sizes agreed (X.225 §8.3.1 PI 21): what each side sends.
		if t := ca.TSDUMaxSize; t.Ok && a.SessionVersion == session.Version2 {
			if t.V.InitToResp != 0 && t.V.InitToResp < minTSDUSize {
				return &stateError{LayerSession, fmt.Sprintf("AC TSDU maximum size %d is under the %d we support", t.V.InitToResp, minTSDUSize)}
			}
			a.c.tsduOut, a.c.tsduIn = int(t.V.InitToResp), int(t.V.RespToInit)
		}
	}
	fus, need, needName := ourFUs, session.FUHalfDuplex, "half-duplex"
	if !a.RTSE {
		fus, need, needName = rosFUs, session.FUDuplex, "duplex"
	}
	a.Requirements = fus // PI 20 absent: what we proposed
	if s.Requirements.Ok {
		a.Requirements = s.Requirements.V
	}
	if a.Requirements&^fus != 0 {
		return &stateError{LayerSession, fmt.Sprintf("AC selects functional units %#x we did not propose", uint16(a.Requirements))}
	}
	if a.Requirements&need == 0 {
		return &stateError{LayerSession, "AC does not select " + needName}
	}
	if s.UserData == nil {
		return &stateError{LayerSession, "AC without user data"}
	}
	return nil
}

// takeCPA decodes the CPA-PPDU (and what it carries) that accepts our CP,
// and returns the bind result. On error it returns the layer to abort.
func (a *Association) takeCPA(ud []byte) (string, []byte, error) {
	cpa, err := presentation.DecodeCPA(ud)
	if err != nil {
		return LayerPresentation, nil, err
	}
	if a.Mode.x410() {
		if cpa.Mode != presentation.ModeX410 || len(cpa.X410) == 0 {
			return LayerPresentation, nil, &presentation.Error{PDU: "CPA", Field: "mode-selector", Reason: presentation.UnexpectedPPDUParameter, Msg: "not an X.410-1984 mode CPA with an RTOAC"}
		}
		ac, err := rtse.DecodeRTOAC(cpa.X410, rtse.TagX410Params)
		if err != nil {
			return LayerRTSE, nil, err
		}
		a.CheckpointSize, a.WindowSize = ac.CheckpointSize, ac.WindowSize
		if err := a.takeRecoverAC(&ac.ConnectionData); err != nil {
			return LayerRTSE, nil, err
		}
		return "", ac.ConnectionData.Open, nil
	}
	if cpa.Mode != presentation.ModeNormal || cpa.Normal == nil {
		return LayerPresentation, nil, &presentation.Error{PDU: "CPA", Field: "mode-selector", Reason: presentation.UnexpectedPPDUParameter, Msg: "not a normal mode CPA"}
	}
	n := cpa.Normal
	proposed := append([]PresentationContext{{ctxACSE, acse.AbstractSyntax}}, contextsOf(a.app)...)
	if len(n.Results) != len(proposed) {
		return LayerPresentation, nil, &presentation.Error{PDU: "CPA", Field: "presentation-context-definition-result-list", Reason: presentation.InvalidPPDUParameterValue, Msg: fmt.Sprintf("%d results for %d contexts", len(n.Results), len(proposed))}
	}
	var accepted []PresentationContext
	for i, r := range n.Results {
		pc := proposed[i]
		if r.Result == presentation.Acceptance {
			accepted = append(accepted, pc)
			continue
		}
		// P1 needs all three; another context needs ACSE and its bind's
		// context, and does without the others (X.226 §7.1.1).
		if a.app.isP1() || pc.ID == ctxACSE || pc.ID == a.c.ctxRTSE {
			return LayerPresentation, nil, &presentation.Error{PDU: "CPA", Field: "presentation-context-definition-result-list", Reason: presentation.InvalidPPDUParameterValue, Msg: fmt.Sprintf("context %d not accepted (%d)", pc.ID, r.Result)}
		}
		a.c.log.Info("osi presentation context rejected by the peer", "context", pc.ID, "abstract_syntax", pc.AbstractSyntax.String(), "result", int(r.Result))
	}
	aare, err := decodeACSE(n.UserData, a.c.ctxACSE, "AARE")
	if err != nil {
		return LayerACSE, nil, err
	}
	if aare.AARE == nil {
		return LayerACSE, nil, &acse.Error{APDU: "ACSE-apdu", Source: acse.SourceServiceProvider, Diagnostic: acse.ProtocolError, Msg: "not an AARE"}
	}
	a.Contexts = accepted
	if !a.app.isP1() {
		// Transfer's context: the first data context accepted.
		a.ctxMTSE = -1
		for _, pc := range accepted {
			if pc.ID != ctxACSE && pc.ID != a.c.ctxRTSE {
				a.ctxMTSE = pc.ID
				break
			}
		}
	}
	a.ApplicationContext = aare.AARE.ContextName
	if aare.AARE.Result != acse.Accepted {
		// Accepted by the presentation layer but rejected by ACSE: still
		// a refusal; the caller aborts the connection.
		return LayerACSE, nil, a.aareRefused(aare.AARE)
	}
	if !a.RTSE {
		// X.881 §9.1: the AARE's user information is the bind-result.
		b, err := bindPDU(aare.AARE.UserInformation, a.c.ctxRTSE, "AARE")
		if err != nil {
			return LayerACSE, nil, err
		}
		if b.Kind != rose.BindResult {
			return LayerACSE, nil, &acse.Error{APDU: "AARE", Field: "user-information", Source: acse.SourceServiceProvider, Diagnostic: acse.ProtocolError, Msg: fmt.Sprintf("ROS bind PDU [%d], not a bind-result [17]", b.Kind)}
		}
		return "", b.Value, nil
	}
	ext, err := rtseExternal(aare.AARE.UserInformation, a.c.ctxRTSE)
	if err != nil {
		return LayerRTSE, nil, err
	}
	ap, err := rtse.Decode(ext)
	if err != nil {
		return LayerRTSE, nil, err
	}
	if ap.RTOAC == nil {
		return LayerRTSE, nil, &rtse.Error{APDU: "RTSE-apdus", Reason: rtse.ProtocolError, Msg: "not an RTOAC in the AARE"}
	}
	a.CheckpointSize, a.WindowSize = ap.RTOAC.CheckpointSize, ap.RTOAC.WindowSize
	if err := a.takeRecoverAC(&ap.RTOAC.ConnectionData); err != nil || a.rec.resume != nil {
		return LayerRTSE, nil, err // a recovering RTOAC has no bind result
	}
	b, err := rose.Decode(ap.RTOAC.ConnectionData.Open)
	if err != nil {
		return LayerRTSE, nil, err
	}
	if b.Bind == nil || b.Bind.Kind != rose.BindResult {
		return LayerRTSE, nil, &rtse.Error{APDU: "RTOAC", Field: "connectionDataAC", Reason: rtse.ProtocolError, Msg: "not a ROS bind-result"}
	}
	return "", b.Bind.Value, nil
}

// decodeACSE decodes the ACSE APDU of the PDV of context id in ud.
func decodeACSE(ud *presentation.UserData, id int, what string) (*acse.APDU, error) {
	var pdv *presentation.PDV
	if ud != nil {
		pdv = ud.PDV(id)
	}
	if pdv == nil || pdv.Encoding != presentation.SingleASN1Type {
		return nil, &acse.Error{APDU: what, Source: acse.SourceServiceProvider, Diagnostic: acse.ProtocolError, Msg: "no ACSE APDU in the presentation user data"}
	}
	return acse.Decode(pdv.Value)
}

// rtseExternal returns the RTSE APDU of an ACSE user information: the
// EXTERNAL of the RTSE context (PP: direct-reference BER, indirect 3).
func rtseExternal(ui []acse.External, id int) ([]byte, error) {
	for i := range ui {
		x := &ui[i]
		if (x.IndirectReference == nil || *x.IndirectReference == id) && x.Encoding == acse.SingleASN1Type {
			return x.Value, nil
		}
	}
	return nil, &rtse.Error{APDU: "EXTERNAL", Reason: rtse.ProtocolError, Msg: "no RTSE APDU in the ACSE user information"}
}

// aareRefused builds the RefusedError of a rejected AARE: the RTORJ's
// user data (in a ROS bind-error, as PP sends it) is the bind error.
func (a *Association) aareRefused(aare *acse.AARE) error {
	re := &RefusedError{Layer: LayerACSE, Reason: aare.Diagnostic.Value, Msg: fmt.Sprintf("AARE result %d", aare.Result)}
	if !a.RTSE {
		// X.881 §9.1: the bind-error, if any, is the user information.
		if b, err := bindPDU(aare.UserInformation, a.c.ctxRTSE, "AARE"); err == nil && b.Kind == rose.BindError {
			re.BindError = bytes.Clone(b.Value)
		}
		return re
	}
	ext, err := rtseExternal(aare.UserInformation, a.c.ctxRTSE)
	if err != nil {
		return re
	}
	ap, err := rtse.Decode(ext)
	if err != nil || ap.RTORJ == nil {
		return re
	}
	re.Layer = LayerRTSE
	re.Reason = -1
	if ap.RTORJ.RefuseReason != nil {
		re.Reason = int(*ap.RTORJ.RefuseReason)
	}
	re.BindError = unwrapBindError(ap.RTORJ.UserData)
	return re
}

// unwrapBindError takes the MTABindError out of a ROS bind-error, or
// returns b when it is not one.
func unwrapBindError(b []byte) []byte {
	if b == nil {
		return nil
	}
	if p, err := rose.Decode(b); err == nil && p.Bind != nil && p.Bind.Kind == rose.BindError {
		return bytes.Clone(p.Bind.Value)
	}
	return bytes.Clone(b)
}

// refused builds the RefusedError of a session RF: its user data is a
// CPR-PPDU, which may carry the AARE or the X.410 RTORJ.
func (a *Association) refused(rf *session.SPDU) error {
	re := &RefusedError{Layer: LayerSession, Reason: -1, Msg: "session refuse"}
	if rf.Reason.Ok {
		re.Reason = int(rf.Reason.V)
		re.Msg = "session refuse: " + refuseReasonText(rf.Reason.V)
	}
	ud := rf.ReasonData
	if ud == nil {
		ud = rf.UserData
	}
	if len(ud) == 0 {
		return re
	}
	cpr, err := presentation.DecodeCPR(ud)
	if err != nil {
		return re
	}
	if cpr.X410 != nil {
		j, err := rtse.DecodeRTORJ(cpr.X410, rtse.TagSet)
		if err != nil {
			return &RefusedError{Layer: LayerPresentation, Reason: -1, Msg: "CPR"}
		}
		re := &RefusedError{Layer: LayerRTSE, Reason: -1, BindError: unwrapBindError(j.UserData), Msg: "RTORJ"}
		if j.RefuseReason != nil {
			re.Reason = int(*j.RefuseReason)
		}
		return re
	}
	n := cpr.Normal
	if n == nil {
		return re
	}
	pre := &RefusedError{Layer: LayerPresentation, Reason: -1, Msg: "CPR"}
	if n.ProviderReason != nil {
		pre.Reason = int(*n.ProviderReason)
	}
	ap, err := decodeACSE(n.UserData, a.c.ctxACSE, "AARE")
	if err != nil || ap.AARE == nil {
		return pre
	}
	return a.aareRefused(ap.AARE)
}

// abortedByPeer ends a after the peer's abort ab (a session AB, X.225
// §7.9/§7.10): the association is over and the connection closed; it
// returns the peer's reason as peerAbort reads it.
func (a *Association) abortedByPeer(ab *session.SPDU) error {
	a.released = true
	a.c.close()
	return a.peerAbort(ab)
}

// peerAbort builds the AbortError of a session AB from the peer, with
// what its user data says.
func (a *Association) peerAbort(ab *session.SPDU) error {
	e := &AbortError{Layer: LayerSession, Peer: true}
	if ab.Disconnect.Ok {
		e.Msg = fmt.Sprintf("session abort, disconnect %#x", ab.Disconnect.V)
	}
	if len(ab.UserData) == 0 {
		return e
	}
	p, err := presentation.DecodeAbort(ab.UserData)
	if err != nil {
		return e
	}
	switch {
	case p.ARP != nil:
		e.Layer = LayerPresentation
		if p.ARP.Reason != nil {
			e.Msg = fmt.Sprintf("ARP, provider-reason %d", *p.ARP.Reason)
		}
	case p.ARU != nil && p.ARU.X410 != nil:
		e.Layer = LayerRTSE
		if r, err := rtse.DecodeRTAB(p.ARU.X410, rtse.TagSet); err == nil && r.AbortReason != nil {
			e.Msg = fmt.Sprintf("RTAB, abortReason %d", *r.AbortReason)
		}
	case p.ARU != nil && p.ARU.Normal != nil:
		e.Layer = LayerPresentation
		ap, err := decodeACSE(p.ARU.Normal.UserData, a.c.ctxACSE, "ABRT")
		if err != nil || ap.ABRT == nil {
			return e
		}
		e.Layer = LayerACSE
		e.Msg = fmt.Sprintf("ABRT, source %d", ap.ABRT.Source)
		if ap.ABRT.Diagnostic != nil {
			e.Msg += fmt.Sprintf(", diagnostic %d", *ap.ABRT.Diagnostic)
		}
		if ext, err := rtseExternal(ap.ABRT.UserInformation, a.c.ctxRTSE); err == nil {
			if r, err := rtse.Decode(ext); err == nil && r.RTAB != nil && r.RTAB.AbortReason != nil {
				e.Layer = LayerRTSE
				e.Msg = fmt.Sprintf("RTAB, abortReason %d", *r.RTAB.AbortReason)
			}
		}
	}
	return e
}

// commonRef returns the Common Reference of a CN: a BER UTCTime, as PP
// sends it (X.225 §8.3.1 leaves its form to the user).
func commonRef(t time.Time) []byte {
	b := ber.NewBuilder(20)
	b.AddUTCTime(ber.UTCTimeTag, t)
	return b.Bytes()
}
