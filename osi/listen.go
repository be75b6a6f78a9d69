package osi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"mixerd/ber"
	"mixerd/osi/acse"
	"mixerd/osi/presentation"
	"mixerd/osi/rose"
	"mixerd/osi/rtse"
	"mixerd/osi/session"
	"mixerd/osi/transport"
)

// Listener answers associations on one TCP address. An accept loop,
// started by Listen, accepts the TCP connections and reads each one's
// association request (CR ... RTORQ) in a goroutine of its own, so that a
// slow or silent peer delays no other: Accept returns the requests in the
// order their handshakes end. At most maxHandshakes handshakes are in
// progress or waiting for Accept at a time; a TCP connection beyond that is
// closed at once, with a log line. A request that recovers an association
// (RTSE recovery, ListenConfig.Recovery, recover.go) never reaches Accept:
// it goes to the association it names, or is refused.
type Listener struct {
	ln            net.Listener
	cfg           ListenConfig
	log           *slog.Logger
	maxHandshakes int

	ctx    context.Context    // cancelled by Close: ends the handshakes
	cancel context.CancelFunc //
	sem    chan struct{}      // one token per handshake in progress or waiting for Accept
	res    chan handshake     // handshakes ended, to Accept
	done   chan struct{}      // closed when the accept loop has stopped
	err    error              // why the accept loop stopped (set before done is closed)
	wg     sync.WaitGroup     // the accept loop and the handshakes
	rec    *recoveryStore     // the associations that may be recovered (recover.go)
}

// handshake is what one connection's handshake gives Accept, or an error
// of the listener itself (in nil).
type handshake struct {
	in  *Incoming
	err error
}

// defaultCheckpointSize is the largest RTSE checkpoint size (KiB) a
// listener agrees to when ListenConfig.CheckpointSize does not say: the
// initiator's proposal up to 64 KiB (PP proposes 63 and answers 1; a sync
// point every KiB costs a round of MIP/MIA per KiB).
const defaultCheckpointSize = 64

// defaultMaxHandshakes bounds the handshakes in progress when
// ListenConfig.MaxHandshakes does not.
const defaultMaxHandshakes = 64

// Listen listens for associations on addr (host:port, IPv4 or IPv6) and
// starts accepting them (see Listener).
func Listen(addr string, cfg ListenConfig) (*Listener, error) {
	return listenMax(addr, cfg, cfg.MaxHandshakes)
}

// listenMax is Listen with at most n handshakes in progress (0: the
// default).
func listenMax(addr string, cfg ListenConfig, n int) (*Listener, error) {
	if err := checkTSDUMaxSize(cfg.TSDUMaxSize); err != nil {
		return nil, err
	}
	for i, x := range cfg.Applications {
		if x.Name == nil {
			return nil, fmt.Errorf("osi: listen: application context %d has no name", i)
		}
		if err := x.check(); err != nil {
			return nil, err
		}
		for _, y := range cfg.Applications[:i] {
			if x.Name.Equal(y.Name) {
				return nil, fmt.Errorf("osi: listen: application context %v listed twice", x.Name)
			}
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("osi: listen %s: %w", addr, err)
	}
	if n <= 0 {
		n = defaultMaxHandshakes
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.Default()
	}
	l := &Listener{ln: ln, cfg: cfg, log: lg, maxHandshakes: n,
		sem: make(chan struct{}, n), res: make(chan handshake), done: make(chan struct{})}
	l.rec = newRecoveryStore(listenRecovery(cfg), lg)
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.wg.Add(1)
	go l.loop()
	return l, nil
}

// Addr returns the address the listener listens on.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Close stops listening: it stops the accept loop, closes the connections
// whose association requests are still being read or were read but not
// yet returned by Accept, and waits for their goroutines to end.
// Associations already returned by Accept are not affected.
func (l *Listener) Close() error {
	err := l.ln.Close()
	l.cancel()
	l.wg.Wait()
	l.rec.close()
	return err
}

// loop accepts TCP connections and starts a handshake for each, until the
// listener is closed.
func (l *Listener) loop() {
	defer l.wg.Done()
	defer close(l.done)
	var backoff time.Duration
	for {
		nc, err := l.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || l.ctx.Err() != nil {
				l.err = err
				return
			}
			// The listener's own error (such as too many open files):
			// Accept returns it, and we wait a little, as net/http does.
			select {
			case l.res <- handshake{err: err}:
			case <-l.ctx.Done():
				l.err = err
				return
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(backoff):
			case <-l.ctx.Done():
			}
			continue
		}
		backoff = 0
		select {
		case l.sem <- struct{}{}:
		default:
			l.log.Warn("osi handshake limit reached, connection closed", "peer", nc.RemoteAddr().String(), "max", l.maxHandshakes)
			nc.Close()
			continue
		}
		l.wg.Add(1)
		go l.handshake(nc)
	}
}

// handshake reads the association request on nc and hands it (or its
// error) to Accept; Close interrupts it by closing nc.
func (l *Listener) handshake(nc net.Conn) {
	defer l.wg.Done()
	defer func() { <-l.sem }()
	stop := context.AfterFunc(l.ctx, func() { nc.Close() })
	in, err := accept(l.ctx, nc, l.cfg)
	if !stop() {
		// Close has closed nc: nobody waits for the request.
		if in != nil {
			in.c.close()
		}
		return
	}
	if in != nil && in.recoverID != nil {
		l.recovering(in) // never to Accept: to its association, or refused
		return
	}
	if in != nil {
		in.rec = l.rec
	}
	select {
	case l.res <- handshake{in, err}:
	case <-l.ctx.Done():
		if in != nil {
			in.c.log.Info("osi association request dropped: listener closed")
			in.c.close()
		}
	}
}

// Incoming is an association request read up to the bind (the RTORQ, or
// without RTSE the AARQ): what the initiator asked for. Answer it with
// Accept or Refuse.
type Incoming struct {
	c *conn

	RemoteAddr              net.Addr // the initiator's TCP address
	CallingTSAP, CalledTSAP []byte   // transport selectors of the CR (nil: absent)
	CallingSSAP, CalledSSAP []byte   // session selectors of the CN (nil: absent)
	CallingPSAP, CalledPSAP []byte   // presentation selectors of the CP (normal mode; nil: absent)

	Mode Mode // the P1 mode the initiator asked for (Mode1988Normal for every other application context)
	// ApplicationContext is the application context name of the AARQ
	// (normal mode; nil in X.410-1984 mode), one of
	// ListenConfig.Applications, and RTSE whether that context
	// transfers by RTSE (always in X.410-1984 mode).
	ApplicationContext ber.OID
	RTSE               bool
	// Proposed are the presentation contexts the CP proposed, and
	// Contexts those we accept for the application context (normal
	// mode): ACSE's and the first of each abstract syntax it lists
	// with BER.
	Proposed, Contexts []PresentationContext
	DialogueMode       rtse.DialogueMode // RTSE dialogue mode asked for
	CheckpointSize     int               // RTSE checkpoint size asked for (1024 octets; 0: none)
	WindowSize         int               // RTSE window size asked for
	// BindArgument is the bind argument encoding (the MTABindArgument
	// of P1, the MTSBindArgument of P3): the argument of the ROS
	// bind-invoke in normal mode, the RTORQ's connectionDataRQ in
	// X.410-1984 mode.
	BindArgument []byte

	cfg      ListenConfig
	tpduSize int
	cn       session.SPDU                     // the CN (its user data is not kept)
	version  byte                             // session version to answer with
	fus      session.FunctionalUnits          // functional units to answer with
	cnFUs    session.FunctionalUnits          // functional units the CN proposed
	app      AppContext                       // normal mode: the application context of the AARQ
	tokens   session.TokenSetting             // token setting to answer with
	tsdu     session.Opt[session.TSDUMaxSize] // TSDU maximum sizes to answer with (X.225 §8.3.1 PI 21; absent: no segmenting)
	results  []presentation.ContextResult     // normal mode: the CPA results
	contexts []PresentationContext            // normal mode: the contexts accepted
	ctxMTSE  int
	answered bool
	// recoverID is the SessionConnectionIdentifier of the RTORQ's
	// connectionDataRQ recover (X.228 §7.8): this request recovers that
	// connection's association (recover.go); nil when it opens one.
	recoverID *rtse.SessionConnectionID
	rec       *recoveryStore // the listener's recovery table
}

// Accept waits for the next association request read: the accept loop
// reads each connection's CR, CN, CP and (in normal mode) AARQ with the
// RTORQ in a goroutine of its own, within Timeouts.Connect, and Accept
// returns the requests in the order they are complete. A connection that
// fails on the way is answered with the refusal or abort of its layer (DR,
// RF with a CPR, AARE rejected, AB), logged and closed, and Accept returns
// its error (an *AbortError, a *RefusedError for an application context
// we do not serve, or an I/O error such as a timeout) with a nil Incoming:
// a server calls Accept again. An error of the listener itself is
// net.Listener.Accept's (one wrapping net.ErrClosed once the listener is
// closed), or ctx's when it is done. ctx bounds the wait only: the
// handshakes go on until they end or Close.
func (l *Listener) Accept(ctx context.Context) (*Incoming, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case h := <-l.res:
		return h.in, h.err
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.done:
		return nil, l.err
	}
}

// accept reads the association request on nc.
func accept(ctx context.Context, nc net.Conn, cfg ListenConfig) (*Incoming, error) {
	c := newConn(nc, cfg.Logger, cfg.Limits, cfg.Timeouts)
	ctx, cancel := context.WithTimeout(ctx, c.to.Connect)
	defer cancel()
	in := &Incoming{c: c, cfg: cfg, RemoteAddr: nc.RemoteAddr()}
	if err := in.read(ctx, cfg); err != nil {
		c.close()
		c.log.Info("osi association request failed", "err", err)
		return nil, err
	}
	c.log.Info("osi association request", "mode", in.Mode.String(), "application_context", in.ApplicationContext.String(), "rtse", in.RTSE, "dialogue", int(in.DialogueMode),
		"called_tsap", fmt.Sprintf("%q", in.CalledTSAP), "bind_octets", len(in.BindArgument))
	return in, nil
}

// read reads CR ... RTORQ.
func (in *Incoming) read(ctx context.Context, cfg ListenConfig) error {
	c := in.c
	tpdu, err := c.readTPDU(ctx, c.to.Read)
	if err != nil {
		return err
	}
	cr, err := transport.ParseCR(tpdu)
	if err != nil {
		// Not a CR (or a bad one): refuse it (X.224 §6.6).
		c.log.Warn("osi protocol error", "layer", LayerTransport, "cause", err)
		var te *transport.Error
		reason := transport.ReasonProtocolError
		if errors.As(err, &te) && te.Reason != 0 {
			reason = te.Reason
		}
		var src uint16
		if len(tpdu) >= 6 {
			src = uint16(tpdu[4])<<8 | uint16(tpdu[5])
		}
		dr := transport.DR{DstRef: src, Reason: reason}
		c.writeTPDU(ctx, &dr)
		return &AbortError{Layer: LayerTransport, Err: err}
	}
	in.CallingTSAP, in.CalledTSAP = cr.CallingTSAP, cr.CalledTSAP
	c.peerRef = cr.SrcRef
	c.localRef = uint16(rand.IntN(0xfffe) + 1)
	maxTPDU := cfg.TPDUSize
	if maxTPDU == 0 {
		maxTPDU = 8192
	}
	cc, err := transport.NegotiateCC(&cr, c.localRef, maxTPDU)
	if err != nil {
		c.log.Warn("osi protocol error", "layer", LayerTransport, "cause", err)
		var te *transport.Error
		reason := transport.ReasonNegotiationFailed
		if errors.As(err, &te) {
			reason = te.Reason
		}
		dr := transport.Refuse(&cr, reason)
		c.writeTPDU(ctx, &dr)
		return &AbortError{Layer: LayerTransport, Err: err}
	}
	if err := c.writeTPDU(ctx, &cc); err != nil {
		return err
	}
	c.transportUp = true
	in.tpduSize = cc.TPDUSize
	if c.seg, err = transport.NewSegmenter(cc.TPDUSize); err != nil {
		c.protocolError(ctx, LayerTransport, err)
		return &AbortError{Layer: LayerTransport, Err: err}
	}

	// Session CN.
	spdus, err := c.readSPDUs(ctx, c.to.Read)
	if err != nil {
		return err
	}
	if len(spdus) != 1 || spdus[0].Kind != session.KindCN {
		err := &stateError{LayerSession, spdus[0].Kind.String() + " instead of a CN"}
		c.protocolError(ctx, LayerSession, err)
		return &AbortError{Layer: LayerSession, Err: err}
	}
	cn := &spdus[0]
	overflow := cn.DataOverflow.Ok && cn.DataOverflow.V&session.DataOverflowMore != 0
	in.CallingSSAP, in.CalledSSAP = bytes.Clone(cn.CallingSSAP), bytes.Clone(cn.CalledSSAP)
	in.version = session.Version1
	in.tokens = session.MakeTokenSetting(session.TokenInitiator, session.TokenInitiator, session.TokenInitiator, session.TokenInitiator)
	if ca := cn.ConnAccept; ca != nil {
		if ca.Version.Ok {
			switch {
			case ca.Version.V&session.Version2 != 0:
				in.version = session.Version2
			case ca.Version.V&session.Version1 == 0:
				return in.refuseSession(ctx, session.RefuseVersions, "no common session version")
			}
		}
		if ca.TokenSetting.Ok {
			// Keep the initiator's choices; a "called SS-user's choice"
			// goes to the initiator, who holds the turn (RTSE).
			t := ca.TokenSetting.V
			pick := func(v byte) byte {
				if v == session.TokenChoice {
					return session.TokenInitiator
				}
				return v
			}
			in.tokens = session.MakeTokenSetting(pick(t.Data()), pick(t.Minor()), pick(t.Major()), pick(t.Release()))
		}
	}
	fus := ourFUs // PI 20 absent: X.225's default set, which includes ours
	if cn.Requirements.Ok {
		fus = cn.Requirements.V
	}
	in.cnFUs, in.fus = fus, fus&ourFUs
	// RTSE needs half-duplex, ROS over presentation duplex (X.881 §9):
	// the application context, in the AARQ, decides which is answered
	// (readNormal), so that an AARQ of a context not served gets its
	// ACSE rejection whatever the functional units proposed.
	if fus&(session.FUHalfDuplex|session.FUDuplex) == 0 {
		msg := "half-duplex not proposed"
		switch {
		case !cfg.serves(true):
			msg = "duplex not proposed"
		case cfg.serves(false):
			msg = "neither half-duplex nor duplex proposed"
		}
		return in.refuseSession(ctx, session.RefuseUserNotSpecified, msg)
	}
	if cn.ConnAccept != nil && in.version == session.Version2 {
		if in.tsdu, err = agreeTSDU(cn.ConnAccept.TSDUMaxSize, cfg.TSDUMaxSize); err != nil {
			return in.refuseSession(ctx, session.RefuseSPMImplementation, err.Error())
		}
	}
	in.cn = session.SPDU{Kind: session.KindCN, ConnID: cn.ConnID}
	if cn.ConnID != nil {
		id := *cn.ConnID
		id.CallingRef, id.CommonRef, id.AdditionalRef = bytes.Clone(id.CallingRef), bytes.Clone(id.CommonRef), bytes.Clone(id.AdditionalRef)
		id.CalledRef, id.Unknown = nil, nil
		in.cn.ConnID = &id
	}
	if len(cn.UserData) == 0 {
		return in.refuseSession(ctx, session.RefuseUserNotSpecified, "CN without user data")
	}
	ud := bytes.Clone(cn.UserData) // the TSDU buffer is reused by the next read
	if overflow {
		// X.225 §7.2, §7.3: OA, then the CDOs (overflow.go); cn is not
		// valid after it.
		if ud, err = in.connectOverflow(ctx, ud); err != nil {
			return err
		}
	}

	// Presentation CP. From here on the answer to a bad PDU is a session
	// refusal (the CN is not yet accepted): we refuse with the reason
	// "SS-user not specified" and log the cause.
	cp, err := presentation.DecodeCP(ud)
	if err != nil {
		return in.refuseCP(ctx, LayerPresentation, err)
	}
	if cp.Mode == presentation.ModeX410 {
		return in.readX410(ctx, cp)
	}
	if cp.Normal == nil {
		return in.refuseCP(ctx, LayerPresentation, &presentation.Error{PDU: "CP", Field: "normal-mode-parameters", Reason: presentation.UnexpectedPPDUParameter, Msg: "missing"})
	}
	return in.readNormal(ctx, cp.Normal)
}

// readX410 reads the RTORQ of an X.410-1984 mode CP.
func (in *Incoming) readX410(ctx context.Context, cp *presentation.CP) error {
	in.Mode = Mode1988X410
	in.c.mode = Mode1988X410
	in.RTSE = true
	if !in.cfg.servesP1() || in.cnFUs&session.FUHalfDuplex == 0 {
		return in.refuseCP(ctx, LayerPresentation, &presentation.Error{PDU: "CP", Field: "mode-selector", Reason: presentation.UnexpectedPPDUParameter,
			Msg: "X.410-1984 mode (P1 without ACSE, in half-duplex) is not served here"})
	}
	q, err := rtse.DecodeRTORQ(cp.X410, rtse.TagX410Params)
	if err != nil {
		return in.refuseCP(ctx, LayerRTSE, err)
	}
	in.c.mode = Mode1988X410
	if q.Protocol() == rtse.MTSTransferProtocol1984 {
		in.c.mode = Mode1984
	}
	in.Mode = in.c.mode
	in.DialogueMode, in.CheckpointSize, in.WindowSize = q.DialogueMode, q.CheckpointSize, q.WindowSize
	in.BindArgument = q.ConnectionData.Open
	in.recoverID = q.ConnectionData.Recover // no bind on recovery
	return nil
}

// readNormal reads the contexts and the AARQ of a normal mode CP, and
// the bind it carries: with RTSE in the RTORQ (X.881 §9.2), without as
// the AARQ's user information itself (X.881 §9.1).
func (in *Incoming) readNormal(ctx context.Context, n *presentation.NormalCP) error {
	in.Mode = Mode1988Normal
	in.c.mode = Mode1988Normal
	in.CallingPSAP, in.CalledPSAP = n.CallingSelector, n.CalledSelector
	apps := in.cfg.applications()
	in.Proposed = make([]PresentationContext, len(n.Contexts))
	acseID := -1
	for i, pc := range n.Contexts {
		in.Proposed[i] = PresentationContext{ID: pc.ID, AbstractSyntax: pc.AbstractSyntax}
		if acseID < 0 && pc.AbstractSyntax.Equal(acse.AbstractSyntax) && hasBER(pc) {
			acseID = pc.ID
		}
	}
	// Until the AARQ names the application context, the answer to the
	// contexts is the first one served's.
	in.results, in.contexts = contextResults(n.Contexts, apps[0])
	if acseID < 0 {
		return in.refuseCP(ctx, LayerPresentation, &presentation.Error{PDU: "CP", Field: "presentation-context-definition-list",
			Reason: presentation.InvalidPPDUParameterValue, Msg: "no ACSE context with BER"})
	}
	in.c.ctxACSE = acseID
	ap, err := decodeACSE(n.UserData, acseID, "AARQ")
	if err != nil {
		return in.refuseCP(ctx, LayerACSE, err)
	}
	if ap.AARQ == nil {
		return in.refuseCP(ctx, LayerACSE, &acse.Error{APDU: "ACSE-apdu", Source: acse.SourceServiceProvider, Diagnostic: acse.ProtocolError, Msg: "not an AARQ"})
	}
	in.ApplicationContext = ap.AARQ.ContextName
	app, ok := AppContext{}, false
	for _, x := range apps {
		if x.Name.Equal(ap.AARQ.ContextName) {
			app, ok = x, true
			break
		}
	}
	if !ok {
		return in.rejectAARQ(ctx, acse.ApplicationContextNameNotSupported, nil, fmt.Sprintf("application context %v", ber.OID(ap.AARQ.ContextName)))
	}
	in.app, in.RTSE = app, app.RTSE
	in.results, in.contexts = contextResults(n.Contexts, app)
	in.Contexts = in.contexts
	bindID, mtseID := -1, -1
	for _, pc := range in.contexts {
		switch {
		case pc.AbstractSyntax.Equal(app.Bind) && bindID < 0:
			bindID = pc.ID
		case !pc.AbstractSyntax.Equal(app.Bind) && !pc.AbstractSyntax.Equal(acse.AbstractSyntax) && mtseID < 0:
			mtseID = pc.ID
		}
	}
	if app.isP1() {
		mtseID = -1 // Transfer's context is id-as-mtse's
		for _, pc := range in.contexts {
			if pc.AbstractSyntax.Equal(oidMTSE) {
				mtseID = pc.ID
				break
			}
		}
	}
	if bindID < 0 {
		return in.refuseCP(ctx, LayerPresentation, &presentation.Error{PDU: "CP", Field: "presentation-context-definition-list",
			Reason: presentation.InvalidPPDUParameterValue, Msg: fmt.Sprintf("no %v context with BER", app.Bind)})
	}
	in.c.ctxRTSE, in.ctxMTSE = bindID, mtseID
	// The session functional units the application context needs
	// (X.881 §9): chosen now, answered in the AC.
	if app.RTSE {
		if in.cnFUs&session.FUHalfDuplex == 0 {
			return in.refuseSession(ctx, session.RefuseUserNotSpecified, "half-duplex not proposed, which RTSE needs")
		}
		in.fus = in.cnFUs & ourFUs
	} else {
		if in.cnFUs&session.FUDuplex == 0 {
			return in.refuseSession(ctx, session.RefuseUserNotSpecified, fmt.Sprintf("duplex not proposed, which application context %v needs", app.Name))
		}
		in.fus, in.tokens = rosFUs, 0
	}
	if !app.RTSE {
		b, err := bindPDU(ap.AARQ.UserInformation, bindID, "AARQ")
		if err == nil && b.Kind != rose.BindInvoke {
			err = &acse.Error{APDU: "AARQ", Field: "user-information", Source: acse.SourceServiceProvider, Diagnostic: acse.ProtocolError, Msg: fmt.Sprintf("ROS bind PDU [%d], not a bind-invoke [16]", b.Kind)}
		}
		if err != nil {
			return in.refuseCP(ctx, LayerACSE, err)
		}
		in.BindArgument = b.Value
		return nil
	}
	ext, err := rtseExternal(ap.AARQ.UserInformation, bindID)
	if err != nil {
		return in.refuseCP(ctx, LayerRTSE, err)
	}
	r, err := rtse.Decode(ext)
	if err != nil {
		return in.refuseCP(ctx, LayerRTSE, err)
	}
	if r.RTORQ == nil {
		return in.refuseCP(ctx, LayerRTSE, &rtse.Error{APDU: "RTSE-apdus", Reason: rtse.ProtocolError, Msg: "not an RTORQ in the AARQ"})
	}
	q := r.RTORQ
	in.DialogueMode, in.CheckpointSize, in.WindowSize = q.DialogueMode, q.CheckpointSize, q.WindowSize
	if in.recoverID = q.ConnectionData.Recover; in.recoverID != nil {
		return nil // no bind on recovery (X.228 §7.8)
	}
	b, err := rose.Decode(q.ConnectionData.Open)
	if err != nil {
		return in.refuseCP(ctx, LayerRTSE, err)
	}
	if b.Bind == nil || b.Bind.Kind != rose.BindInvoke {
		return in.refuseCP(ctx, LayerRTSE, &rtse.Error{APDU: "RTORQ", Field: "connectionDataRQ", Reason: rtse.ProtocolError, Msg: "not a ROS bind-invoke"})
	}
	in.BindArgument = b.Bind.Value
	return nil
}

// hasBER reports whether pc proposes BER among its transfer syntaxes.
func hasBER(pc presentation.Context) bool {
	for _, ts := range pc.TransferSyntaxes {
		if ts.Equal(presentation.BER) {
			return true
		}
	}
	return false
}

// contextResults answers the presentation contexts proposed for the
// application context app (X.226 §8.2, CPA and CPR): acceptance with BER
// for the first one of ACSE's and of each abstract syntax of app,
// provider-rejection abstract-syntax-not-supported (1) for the others,
// proposed-transfer-syntaxes-not-supported (2) when BER is not among the
// transfer syntaxes. It returns the results and the contexts accepted.
func contextResults(pcs []presentation.Context, app AppContext) ([]presentation.ContextResult, []PresentationContext) {
	results := make([]presentation.ContextResult, len(pcs))
	var accepted []PresentationContext
	seen := make(map[string]bool, len(pcs))
	for i, pc := range pcs {
		known := !seen[string(pc.AbstractSyntax)] && pc.AbstractSyntax.Equal(acse.AbstractSyntax)
		for _, as := range app.AbstractSyntaxes {
			known = known || (!seen[string(pc.AbstractSyntax)] && pc.AbstractSyntax.Equal(as))
		}
		switch {
		case !known:
			r := 1 // abstract-syntax-not-supported
			results[i] = presentation.ContextResult{Result: presentation.ProviderRejection, ProviderReason: &r}
		case !hasBER(pc):
			r := 2 // proposed-transfer-syntaxes-not-supported
			results[i] = presentation.ContextResult{Result: presentation.ProviderRejection, ProviderReason: &r}
		default:
			seen[string(pc.AbstractSyntax)] = true
			results[i] = presentation.ContextResult{Result: presentation.Acceptance, TransferSyntax: presentation.BER}
			accepted = append(accepted, PresentationContext{ID: pc.ID, AbstractSyntax: pc.AbstractSyntax})
		}
	}
	return results, accepted
}

// applications returns the application contexts served (P1's when the
// configuration names none).
func (cfg *ListenConfig) applications() []AppContext {
	if len(cfg.Applications) == 0 {
		return []AppContext{MTSTransfer}
	}
	return cfg.Applications
}

// serves reports whether the listener serves an application context with
// RTSE (rtse) or without.
func (cfg *ListenConfig) serves(rtse bool) bool {
	for _, x := range cfg.applications() {
		if x.RTSE == rtse {
			return true
		}
	}
	return false
}

// servesP1 reports whether the listener serves P1 (and so its X.410-1984
// mode).
func (cfg *ListenConfig) servesP1() bool {
	for _, x := range cfg.applications() {
		if x.isP1() {
			return true
		}
	}
	return false
}

// refuseSession refuses the CN with an RF (X.225 §8.3.5) and disconnects.
func (in *Incoming) refuseSession(ctx context.Context, reason byte, msg string) error {
	c := in.c
	c.log.Warn("osi association refused", "layer", LayerSession, "cause", msg)
	rf := session.SPDU{Kind: session.KindRF, Disconnect: session.Some(session.TDRelease), Reason: session.Some(reason)}
	if err := c.writeSPDUs(ctx, rf); err != nil {
		c.log.Debug("osi RF not sent", "cause", err)
	}
	c.disconnect(ctx, transport.ReasonNormal)
	in.answered = true
	return &AbortError{Layer: LayerSession, Msg: msg}
}

// refuseCP refuses a CP (or what it carries) that could not be decoded:
// a session RF whose user data is a CPR-PPDU with the provider-reason
// (normal mode), then a disconnect.
func (in *Incoming) refuseCP(ctx context.Context, layer string, err error) error {
	c := in.c
	c.log.Warn("osi protocol error", "layer", layer, "cause", err)
	pr := presentation.ProviderReasonNotSpecified
	var pe *presentation.Error
	if errors.As(err, &pe) && pe.Reason == presentation.InvalidPPDUParameterValue {
		pr = presentation.LocalLimitExceeded
	}
	var cpr []byte
	if !in.Mode.x410() {
		cpr, _ = presentation.AppendCPR(nil, &presentation.CPR{Normal: &presentation.NormalCPR{ProviderReason: &pr, Results: in.results}})
	}
	in.sendRF(ctx, cpr)
	return &AbortError{Layer: layer, Err: err}
}

// sendRF sends an RF whose user data is cpr (reason 2, "rejected by the
// SS-user, with user data", X.225 §8.3.5), then a DR.
func (in *Incoming) sendRF(ctx context.Context, cpr []byte) {
	c := in.c
	rf := session.SPDU{Kind: session.KindRF, Disconnect: session.Some(session.TDRelease),
		Requirements: session.Some(in.fus), Version: session.Some(in.version), Reason: session.Some(session.RefuseUserData), ReasonData: cpr}
	if cpr == nil {
		rf.Reason = session.Some(session.RefuseUserNotSpecified)
	}
	if err := c.writeSPDUs(ctx, rf); err != nil {
		c.log.Debug("osi RF not sent", "cause", err)
	}
	in.answered = true
	// The initiator disconnects on receiving RF; we wait briefly for it.
	c.waitClose(ctx)
}

// rejectAARQ refuses the association in ACSE: an AARE rejected-permanent
// with diagnostic, carrying rtorj when not nil (the RTORJ, or without RTSE
// the ROS bind-error) as its user information in the bind's context, in a
// CPR in an RF.
func (in *Incoming) rejectAARQ(ctx context.Context, diag int, rtorj []byte, msg string) error {
	c := in.c
	c.log.Warn("osi association refused", "layer", LayerACSE, "cause", msg, "diagnostic", diag)
	name := in.app.Name
	if name == nil {
		name = in.cfg.applications()[0].Name
	}
	aare := &acse.AARE{ContextName: name, Result: acse.RejectedPermanent, Diagnostic: acse.Diagnostic{Source: acse.ServiceUser, Value: diag}}
	if rtorj != nil {
		id := c.ctxRTSE
		aare.UserInformation = []acse.External{{DirectReference: acse.BER, IndirectReference: &id, Encoding: acse.SingleASN1Type, Value: rtorj}}
	}
	b, err := acse.AppendAARE(nil, aare)
	if err != nil {
		return err
	}
	cpr, err := presentation.AppendCPR(nil, &presentation.CPR{Normal: &presentation.NormalCPR{Results: in.results, UserData: presentation.Fully(c.ctxACSE, b)}})
	if err != nil {
		return err
	}
	in.sendRF(ctx, cpr)
	return &RefusedError{Layer: LayerACSE, Reason: diag, Msg: msg}
}

// Refuse refuses the bind with bindError (the MTABindError encoding, or
// another context's bind error): an RTORJ whose userDataRJ is the ROS
// bind-error, in an AARE rejected-permanent, in a CPR-PPDU, in a session
// RF (1988 normal mode); without RTSE the ROS bind-error [18] is itself
// the AARE's user information (X.881 §9.1); in X.410-1984 mode, the RTORJ
// (refuseReason validationFailure, and the bind error as userDataRJ) is
// the CPR-PPDU. The connection is then closed.
func (in *Incoming) Refuse(ctx context.Context, bindError []byte) error {
	if in.answered {
		return errors.New("osi: association request already answered")
	}
	c := in.c
	ctx, cancel := context.WithTimeout(ctx, c.to.Connect)
	defer cancel()
	defer c.close()
	if in.Mode.x410() {
		vf := rtse.ValidationFailure
		j, err := rtse.AppendRTORJ(nil, &rtse.RTORJ{RefuseReason: &vf, UserData: bindError}, rtse.TagSet)
		if err != nil {
			return err
		}
		cpr, err := presentation.AppendCPR(nil, &presentation.CPR{X410: j})
		if err != nil {
			return err
		}
		c.log.Info("osi bind refused", "mode", in.Mode.String())
		in.sendRF(ctx, cpr)
		return nil
	}
	var ud []byte
	if bindError != nil {
		var err error
		if ud, err = rose.Append(nil, &rose.PDU{Bind: &rose.Bind{Kind: rose.BindError, Value: bindError}}); err != nil {
			return err
		}
	}
	j := ud
	if in.RTSE {
		var err error
		if j, err = rtse.Append(nil, &rtse.APDU{RTORJ: &rtse.RTORJ{UserData: ud}}); err != nil {
			return err
		}
	}
	var re *RefusedError
	if err := in.rejectAARQ(ctx, acse.UserNoReasonGiven, j, "bind refused"); err != nil && !errors.As(err, &re) {
		return err
	}
	return nil
}

// Accept accepts the bind with bindResult (the MTABindResult encoding,
// or another context's bind result) and returns the association: in an
// RTOAC as Refuse describes for the refusal, or without RTSE as the ROS
// bind-result [17] that is the AARE's user information (X.881 §9.1), the
// AC selecting duplex with no token setting.
func (in *Incoming) Accept(ctx context.Context, bindResult []byte) (*Association, error) {
	if in.answered {
		return nil, errors.New("osi: association request already answered")
	}
	in.answered = true
	c := in.c
	ctx, cancel := context.WithTimeout(ctx, c.to.Connect)
	defer cancel()
	if !in.RTSE {
		return in.acceptROS(ctx, bindResult)
	}
	cs, ws := in.cfg.CheckpointSize, in.cfg.WindowSize
	if cs == 0 {
		cs = defaultCheckpointSize
	}
	if ws == 0 {
		ws = 3
	}
	cs, ws = min(cs, in.CheckpointSize), min(ws, in.WindowSize)
	if ws <= 0 {
		ws = 1
	}
	ac := &rtse.RTOAC{CheckpointSize: cs, WindowSize: ws, Explicit: rtse.ExplicitCheckpointSize | rtse.ExplicitWindowSize}
	ac.ConnectionData.Open = bindResult
	if !in.Mode.x410() {
		var err error
		if ac.ConnectionData.Open, err = rose.Append(nil, &rose.PDU{Bind: &rose.Bind{Kind: rose.BindResult, Value: bindResult}}); err != nil {
			return nil, err
		}
	}
	if err := in.writeAccept(ctx, ac); err != nil {
		c.close()
		return nil, err
	}
	a := &Association{c: c, Mode: in.Mode, DialogueMode: in.DialogueMode, CheckpointSize: cs, WindowSize: ws,
		TPDUSize: in.tpduSize, SessionVersion: in.version, Requirements: in.fus, Tokens: in.tokens,
		LocalAddr: c.nc.LocalAddr(), RemoteAddr: c.nc.RemoteAddr(), ctxMTSE: in.ctxMTSE, Contexts: in.contexts, RTSE: true}
	if in.Mode == Mode1988Normal {
		a.ApplicationContext, a.app = in.app.Name, in.app
	}
	in.registerRecovery(a)
	c.log.Info("osi association accepted", "mode", a.Mode.String(), "application_context", a.ApplicationContext.String(), "dialogue", int(a.DialogueMode),
		"checkpoint", cs, "window", ws, "tpdu", a.TPDUSize, "session_version", a.SessionVersion,
		"tsdu_send", c.tsduOut, "tsdu_receive", c.tsduIn)
	return a, nil
}

// writeAccept sends the session AC whose user data is the CPA-PPDU
// carrying ac: in X.410-1984 mode as its x410-mode-parameters, in normal
// mode inside an AARE (accepted, of the AARQ's application context) with
// the contexts' results (X.225 §8.3.2, X.226 §8.2, X.227, X.228 §9). The session is up
// once it is sent.
func (in *Incoming) writeAccept(ctx context.Context, ac *rtse.RTOAC) error {
	var cpa []byte
	if in.Mode.x410() {
		x, err := rtse.AppendRTOAC(nil, ac, rtse.TagX410Params)
		if err != nil {
			return err
		}
		if cpa, err = presentation.AppendCPA(nil, &presentation.CPA{Mode: presentation.ModeX410, X410: x}); err != nil {
			return err
		}
	} else {
		r, err := rtse.Append(nil, &rtse.APDU{RTOAC: ac})
		if err != nil {
			return err
		}
		if cpa, err = in.appendCPA(r); err != nil {
			return err
		}
	}
	return in.writeAC(ctx, cpa)
}

// appendCPA encodes the normal mode CPA-PPDU with the contexts' results
// and an AARE accepted, of the AARQ's application context, whose user
// information is ui (the RTOAC, or without RTSE the ROS bind-result) in
// the bind's context (X.226 §8.2, X.227 §9.1, X.881 §9).
func (in *Incoming) appendCPA(ui []byte) ([]byte, error) {
	c := in.c
	id := c.ctxRTSE
	name := in.app.Name
	if name == nil {
		name = acse.MTSTransfer
	}
	aare, err := acse.AppendAARE(nil, &acse.AARE{ContextName: name, Result: acse.Accepted,
		Diagnostic:      acse.Diagnostic{Source: acse.ServiceUser, Value: acse.UserNull},
		UserInformation: []acse.External{{DirectReference: acse.BER, IndirectReference: &id, Encoding: acse.SingleASN1Type, Value: ui}}})
	if err != nil {
		return nil, err
	}
	return presentation.AppendCPA(nil, &presentation.CPA{Mode: presentation.ModeNormal, Normal: &presentation.NormalCPA{
		Results: in.results, UserData: presentation.Fully(c.ctxACSE, aare)}})
}

// acceptROS accepts an association without RTSE (X.881 §9.1): the AARE's
// user information is the ROS bind-result [17] with bindResult; the AC
// selects duplex and has no token setting.
func (in *Incoming) acceptROS(ctx context.Context, bindResult []byte) (*Association, error) {
	c := in.c
	ui, err := rose.Append(nil, &rose.PDU{Bind: &rose.Bind{Kind: rose.BindResult, Value: bindResult}})
	if err == nil {
		var cpa []byte
		if cpa, err = in.appendCPA(ui); err == nil {
			err = in.writeAC(ctx, cpa)
		}
	}
	if err != nil {
		c.close()
		return nil, err
	}
	a := &Association{c: c, Mode: in.Mode, TPDUSize: in.tpduSize, SessionVersion: in.version, Requirements: in.fus,
		LocalAddr: c.nc.LocalAddr(), RemoteAddr: c.nc.RemoteAddr(), ctxMTSE: in.ctxMTSE, Contexts: in.contexts,
		ApplicationContext: in.app.Name, app: in.app}
	c.log.Info("osi association accepted", "mode", a.Mode.String(), "application_context", a.ApplicationContext.String(), "rtse", false,
		"tpdu", a.TPDUSize, "session_version", a.SessionVersion, "tsdu_send", c.tsduOut, "tsdu_receive", c.tsduIn)
	return a, nil
}

// writeAC sends the session AC whose user data is the CPA-PPDU cpa
// (X.225 §8.3.2): the token setting with RTSE, none without (duplex). The
// session is up once it is sent.
func (in *Incoming) writeAC(ctx context.Context, cpa []byte) error {
	c := in.c
	tokens := session.Some(in.tokens)
	if !in.RTSE {
		tokens = session.Opt[session.TokenSetting]{}
	}
	id := &session.ConnectionID{}
	if in.cn.ConnID != nil {
		id.CalledRef = in.cn.ConnID.CallingRef
		id.CommonRef = in.cn.ConnID.CommonRef
		id.AdditionalRef = in.cn.ConnID.AdditionalRef
	}
	acSPDU := session.SPDU{Kind: session.KindAC, ConnID: id,
		ConnAccept: &session.ConnectAcceptItem{ProtocolOptions: session.Some(byte(0)), TSDUMaxSize: in.tsdu,
			Version: session.Some(in.version), TokenSetting: tokens},
		Requirements: session.Some(in.fus),
		CalledSSAP:   in.respondingSSAP(),
		UserData:     cpa,
		Extended:     len(cpa) > session.MaxUserDataV1,
	}
	if max, err := acUserDataMax(acSPDU, in.version); err == nil && len(cpa) > max {
		// An AC has no overflow (X.225 §8.3.4): refuse rather than
		// send what the initiator cannot decode.
		msg := fmt.Sprintf("the CPA-PPDU of %d octets is more than the %d octets of SS-user data an AC carries in session version %d", len(cpa), max, in.version)
		in.refuseSession(ctx, session.RefuseSPMImplementation, msg)
		return fmt.Errorf("osi: bind result not sent: %s (X.225 §8.3.4); association refused", msg)
	}
	if err := c.writeSPDUs(ctx, acSPDU); err != nil {
		return err
	}
	c.sessionUp = true
	if in.tsdu.Ok {
		c.tsduIn, c.tsduOut = int(in.tsdu.V.InitToResp), int(in.tsdu.V.RespToInit)
	}
	return nil
}

// respondingSSAP is the Called Session Selector of the AC (X.225 §8.3.4,
// the responding SSAP): PP sends an empty one in normal mode and none in
// X.410-1984 mode; we answer with the CN's when it had one.
func (in *Incoming) respondingSSAP() []byte {
	if in.CalledSSAP != nil {
		return in.CalledSSAP
	}
	if in.Mode.x410() {
		return nil
	}
	return []byte{}
}
