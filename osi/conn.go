package osi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"mixerd/osi/acse"
	"mixerd/osi/presentation"
	"mixerd/osi/rose"
	"mixerd/osi/rtse"
	"mixerd/osi/session"
	"mixerd/osi/transport"
)

var connIDs atomic.Uint64

// conn is one RFC 1006 transport connection: TPKT framing, class 0 DT
// segmentation and reassembly, and the aborts of every layer. It does no
// I/O of its own: the goroutine that uses the association reads in order.
type conn struct {
	nc   net.Conn     // the TCP connection
	log  *slog.Logger // carries the connection id and the peer's address
	lim  Limits       // bounds on what the peer can make us hold
	to   Timeouts     // per-operation timeouts
	mode Mode         // decides the form of the aborts

	localRef, peerRef uint16 // X.224 references (SRC-REF of our CR/CC and of the peer's)
	seg               transport.Segmenter
	reasm             *transport.Reassembler
	rbuf              []byte // TPKT read buffer, reused
	wbuf              []byte // write buffer (TPKTs), reused
	// corked collects what is written in pend, sent by uncork in one
	// write (or as soon as it passes corkMax): the SPDUs of a transfer
	// that the sender writes before it waits for an answer.
	corked bool
	pend   []byte
	sbuf   []byte         // TSDU encoding buffer of writeSPDUs, reused
	spdus  []session.SPDU // SPDUs of the last TSDU read, reused
	// tsduIn and tsduOut are the session TSDU maximum sizes agreed
	// (X.225 §8.3.1 PI 21, version 2 segmenting) for what we receive and
	// what we send; 0: no limit, every SSDU in one TSDU (overflow.go).
	tsduIn, tsduOut int
	ssdu            []byte // a segmented SSDU being reassembled (readSegments), reused
	segbuf          []byte // the TSDU of one segment being sent (writeSegments), reused
	// peek is the octet WaitIdle read ahead when peeked is set: the next
	// TPKT starts with it (connReader, idle.go).
	peek   byte
	peeked bool

	watched context.Context // the context watch covers, if any

	// rt is the RTSE transfer state of the association (X.228 §7.3):
	// activity, serial numbers, acknowledgements, refusal, turn request.
	rt transferState

	ctxACSE, ctxRTSE int  // presentation context ids of ACSE and RTSE (normal mode)
	transportUp      bool // CC sent or received: ER/DR are the transport answers
	sessionUp        bool // AC sent or received: AB is the session answer
	closed           bool // the TCP connection is closed
	// lost is set when the connection ended without a session-level
	// end: an EOF or reset, a read or write timeout (not the caller's
	// context), a transport disconnect (DR) from the peer. RTSE recovery
	// may follow it (recover.go); an abort (AB, ER) or a protocol error
	// never sets it.
	lost bool
	// onClose, when set, is called once when the connection is closed,
	// with lost (the responder's recovery table follows it).
	onClose func(lost bool)
}

func newConn(nc net.Conn, lg *slog.Logger, lim Limits, to Timeouts) *conn {
	if lg == nil {
		lg = slog.Default()
	}
	lg = lg.With("conn", connIDs.Add(1), "peer", nc.RemoteAddr().String())
	lim = lim.withDefaults()
	return &conn{
		nc:      nc,
		log:     lg,
		lim:     lim,
		to:      to.withDefaults(),
		reasm:   transport.NewReassembler(lim.MaxTSDU),
		ctxACSE: ctxACSE,
		ctxRTSE: ctxRTSE,
	}
}

// arm sets the deadline of the next read or write from ctx and the timeout
// d, and makes a cancellation of ctx interrupt it. Call the returned
// function when the I/O is done.
func (c *conn) arm(ctx context.Context, d time.Duration, read bool) func() bool {
	t := deadline(ctx, d)
	if read {
		c.nc.SetReadDeadline(t)
	} else {
		c.nc.SetWriteDeadline(t)
	}
	if ctx.Err() != nil {
		// Cancelled before the deadline was set: its interrupt (arm's
		// or watch's) may have run before, and been overwritten.
		c.interrupt()
	}
	if c.watched != nil && c.watched == ctx {
		return watchedStop
	}
	return context.AfterFunc(ctx, c.interrupt)
}

// watchedStop is arm's stop function when watch already covers ctx.
var watchedStop = func() bool { return true }

// interrupt makes the I/O in progress fail at once.
func (c *conn) interrupt() { c.nc.SetDeadline(time.Unix(1, 0)) }

// watch makes a cancellation of ctx interrupt every read and write until
// the returned function is called, so that arm need not register one per
// TPKT (a transfer reads and writes thousands).
func (c *conn) watch(ctx context.Context) func() {
	stop := context.AfterFunc(ctx, c.interrupt)
	prev := c.watched
	c.watched = ctx
	return func() {
		stop()
		c.watched = prev
	}
}

// ioError turns an I/O error into what the caller gets: a deadline error
// keeps os.ErrDeadlineExceeded in its chain, a cancelled ctx gives its error.
func ioError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("osi: %s: %w (%w)", op, ctx.Err(), err)
	}
	return fmt.Errorf("osi: %s: %w", op, err)
}

func (c *conn) write(ctx context.Context, b []byte) error {
	if c.closed {
		return net.ErrClosed
	}
	var pend []byte
	if c.corked {
		if len(c.pend)+len(b) < corkMax {
			c.pend = append(c.pend, b...)
			return nil
		}
		pend, c.pend = c.pend, c.pend[:0]
	}
	stop := c.arm(ctx, c.to.Write, false)
	defer stop()
	var err error
	if len(pend) > 0 {
		// What was collected and b in one write, b not copied.
		bufs := net.Buffers{pend, b}
		_, err = bufs.WriteTo(c.nc)
	} else {
		_, err = c.nc.Write(b)
	}
	if err != nil {
		c.lost = ctx.Err() == nil
		return ioError(ctx, "write", err)
	}
	return nil
}

// corkMax is what a corked connection holds at most before it writes.
const corkMax = 64 << 10

// cork starts collecting writes (see conn.corked).
func (c *conn) cork() { c.corked = true }

// uncork writes what was collected, in one write, and stops collecting.
func (c *conn) uncork(ctx context.Context) error {
	c.corked = false
	if len(c.pend) == 0 {
		return nil
	}
	b := c.pend
	c.pend = c.pend[:0]
	return c.write(ctx, b)
}

// writeTPDU sends one TPDU in a TPKT.
func (c *conn) writeTPDU(ctx context.Context, t transport.TPDU) error {
	buf, start := transport.BeginTPKT(c.wbuf[:0])
	buf, err := t.Append(buf)
	if err != nil {
		return err
	}
	if buf, err = transport.EndTPKT(buf, start); err != nil {
		return err
	}
	c.wbuf = buf
	return c.write(ctx, buf)
}

// writeSPDUs sends one TSDU made of spdus, in as many DT TPDUs as needed.
func (c *conn) writeSPDUs(ctx context.Context, spdus ...session.SPDU) error {
	tsdu, err := session.AppendTSDU(c.sbuf[:0], spdus...)
	if err != nil {
		return err
	}
	c.sbuf = tsdu
	if c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.Debug("osi send", "layer", LayerSession, "spdu", spdus[len(spdus)-1].Kind.String(), "octets", len(tsdu))
	}
	return c.writeTSDU(ctx, tsdu)
}

// writeTSDU sends one encoded TSDU, in as many DT TPDUs as needed.
func (c *conn) writeTSDU(ctx context.Context, tsdu []byte) error {
	buf, err := c.seg.AppendTPKTs(c.wbuf[:0], tsdu)
	if err != nil {
		return err
	}
	c.wbuf = buf
	return c.write(ctx, buf)
}

// readTPDU reads one TPKT and returns its TPDU.
func (c *conn) readTPDU(ctx context.Context, d time.Duration) ([]byte, error) {
	if c.closed {
		return nil, net.ErrClosed
	}
	stop := c.arm(ctx, d, true)
	defer stop()
	pkt, err := transport.ReadTPKT((*connReader)(c), c.rbuf, c.lim.MaxTPKT)
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) {
			// The stream lost its framing: closing is the only answer.
			c.protocolError(ctx, LayerTransport, err)
			return nil, &AbortError{Layer: LayerTransport, Err: err}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			c.lost = ctx.Err() == nil
			c.close()
			return nil, &AbortError{Layer: LayerTransport, Peer: true, Msg: "connection closed by peer", Err: err}
		}
		c.lost = ctx.Err() == nil
		c.close()
		return nil, ioError(ctx, "read", err)
	}
	if cap(pkt) > cap(c.rbuf) {
		c.rbuf = pkt[:0]
	}
	return pkt[transport.TPKTHeaderLen:], nil
}

// readTSDU reads DT TPDUs until a whole TSDU is there. A DR is an
// AbortError from the peer (or ErrReleased after a release), an ER an
// AbortError; a TPDU that cannot be decoded is answered with an ER.
func (c *conn) readTSDU(ctx context.Context, d time.Duration) ([]byte, error) {
	segs := 0
	for {
		tpdu, err := c.readTPDU(ctx, d)
		if err != nil {
			return nil, err
		}
		typ, err := transport.Type(tpdu)
		if err != nil {
			return nil, c.transportError(ctx, err, tpdu)
		}
		switch typ {
		case transport.TypeDT:
			data, eot, err := transport.ParseDT(tpdu)
			if err != nil {
				return nil, c.transportError(ctx, err, tpdu)
			}
			if segs++; segs > c.lim.MaxSegments {
				err := &transport.Error{PDU: "TSDU", Field: "segments", Offset: c.reasm.Len(), Msg: fmt.Sprintf("more than %d DT TPDUs in one TSDU", c.lim.MaxSegments)}
				c.protocolError(ctx, LayerTransport, err)
				return nil, &AbortError{Layer: LayerTransport, Err: err}
			}
			tsdu, done, err := c.reasm.Add(data, eot)
			if err != nil {
				c.protocolError(ctx, LayerTransport, err)
				return nil, &AbortError{Layer: LayerTransport, Err: err}
			}
			if done {
				return tsdu, nil
			}
		case transport.TypeDR:
			dr, err := transport.ParseDR(tpdu)
			c.lost = true // a transport disconnect: the session provider's abort
			c.close()
			if err != nil {
				return nil, &AbortError{Layer: LayerTransport, Peer: true, Err: err}
			}
			return nil, &AbortError{Layer: LayerTransport, Peer: true, Msg: fmt.Sprintf("disconnect request, reason %d", dr.Reason)}
		case transport.TypeER:
			er, err := transport.ParseER(tpdu)
			c.close()
			if err != nil {
				return nil, &AbortError{Layer: LayerTransport, Peer: true, Err: err}
			}
			return nil, &AbortError{Layer: LayerTransport, Peer: true, Msg: fmt.Sprintf("TPDU error, cause %v", er.Cause)}
		default:
			err := &transport.Error{PDU: typ.String(), Field: "TPDU code", Offset: 1, Cause: transport.CauseInvalidTPDUType, Msg: "TPDU not allowed in the data transfer phase"}
			return nil, c.transportError(ctx, err, tpdu)
		}
	}
}

// transportError answers a bad TPDU with an ER (X.224 §6.22) and closes.
func (c *conn) transportError(ctx context.Context, err error, tpdu []byte) error {
	c.log.Warn("osi protocol error", "layer", LayerTransport, "cause", err)
	var te *transport.Error
	if errors.As(err, &te) {
		er := te.ER(c.peerRef, tpdu)
		c.writeTPDU(ctx, &er)
	}
	c.close()
	return &AbortError{Layer: LayerTransport, Err: err}
}

// readSPDUs reads one TSDU and decodes its SPDUs; a decoding error is
// answered with the AB the codec gives. A DT that begins a segmented SSDU
// (X.225 §7.11, version 2) is returned once its last segment came, with
// the whole SSDU as its user information (readSegments). The SPDUs, like
// the TSDU they alias, are valid until the next read.
func (c *conn) readSPDUs(ctx context.Context, d time.Duration) ([]session.SPDU, error) {
	spdus, err := c.readTSDUSPDUs(ctx, d)
	if err != nil {
		return nil, err
	}
	if s := &spdus[len(spdus)-1]; s.Kind == session.KindDT && s.Enclosure.Ok && s.Enclosure.V != session.EnclosureBegin|session.EnclosureEnd {
		return c.readSegments(ctx, d, spdus)
	}
	return spdus, nil
}

// readTSDUSPDUs is readSPDUs for one TSDU, whatever its SPDUs: it also
// checks the TSDU against the maximum size agreed for what we receive.
func (c *conn) readTSDUSPDUs(ctx context.Context, d time.Duration) ([]session.SPDU, error) {
	tsdu, err := c.readTSDU(ctx, d)
	if err != nil {
		return nil, err
	}
	spdus, err := session.AppendDecodeTSDU(c.spdus[:0], tsdu)
	if err == nil && c.tsduIn > 0 && len(tsdu) > c.tsduIn {
		err = &session.Error{SPDU: spdus[0].Kind, SI: tsdu[0], Msg: fmt.Sprintf("TSDU of %d octets, more than the maximum size %d agreed (X.225 §8.3.1)", len(tsdu), c.tsduIn),
			Disconnect: session.TDRelease | session.TDProtocolError}
	}
	if err != nil {
		c.protocolError(ctx, LayerSession, err)
		return nil, &AbortError{Layer: LayerSession, Err: err}
	}
	if len(spdus) == 0 {
		err := &stateError{LayerSession, "empty TSDU"}
		c.protocolError(ctx, LayerSession, err)
		return nil, &AbortError{Layer: LayerSession, Err: err}
	}
	c.spdus = spdus
	if c.log.Enabled(ctx, slog.LevelDebug) {
		for i := range spdus {
			c.log.Debug("osi recv", "layer", LayerSession, "spdu", spdus[i].Kind.String())
		}
	}
	return spdus, nil
}

// protocolError logs err and sends the abort of the highest layer that is
// up and can carry the reason, then disconnects. It never fails: errors
// on the way out are logged.
func (c *conn) protocolError(ctx context.Context, layer string, err error) {
	c.log.Warn("osi protocol error", "layer", layer, "cause", err)
	if c.closed {
		return
	}
	// A short, fresh deadline: the abort must go out even when ctx is
	// what failed.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.to.Write)
	defer cancel()
	var te *transport.Error
	switch {
	case errors.As(err, &te) && te.PDU == "TPKT":
		// no framing left: nothing can be sent
		c.linger()
	case !c.transportUp:
		// nothing to send: the CR path answers with a DR itself
	case !c.sessionUp && layer != LayerSession:
		c.disconnect(actx, transport.ReasonProtocolError)
	case layer == LayerTransport:
		c.disconnect(actx, transport.ReasonProtocolError)
	default:
		ab := c.abortSPDU(layer, err)
		if werr := c.writeSPDUs(actx, *ab); werr != nil {
			c.log.Debug("osi abort not sent", "cause", werr)
		}
		c.disconnect(actx, transport.ReasonNormal)
	}
	c.close()
}

// abortSPDU returns the session AB that answers err found at layer: the
// codec's AB for a session error, else an S-U-ABORT whose user data is the
// ARP (presentation), the ARU with an ABRT (ACSE, normal mode) or with an
// RTAB (RTSE).
func (c *conn) abortSPDU(layer string, err error) *session.SPDU {
	var se *session.Error
	if errors.As(err, &se) {
		return se.Abort()
	}
	ab := &session.SPDU{Kind: session.KindAB, Disconnect: session.Some(session.TDRelease | session.TDProtocolError)}
	if layer == LayerSession {
		return ab
	}
	ab.Disconnect = session.Some(session.TDRelease | session.TDUserAbort)
	var ud []byte
	var aerr error
	switch layer {
	case LayerPresentation:
		ud, aerr = presentation.AppendAbort(nil, presentation.NewARP(err))
	case LayerACSE:
		if c.mode.x410() {
			ud, aerr = presentation.AppendAbort(nil, presentation.NewARP(err))
			break
		}
		ud, aerr = c.appendARU(acse.NewABRT(err))
	default: // RTSE, ROSE and state errors above the session
		rtab := rtse.NewRTAB(err)
		var re *rose.Error
		var st *stateError
		if errors.As(err, &re) || errors.As(err, &st) {
			pr := rtse.ProtocolError
			rtab.AbortReason = &pr
		}
		if c.mode.x410() {
			var b []byte
			b, aerr = rtse.AppendRTAB(nil, rtab, rtse.TagSet)
			if aerr == nil {
				ud, aerr = presentation.AppendAbort(nil, &presentation.Abort{ARU: &presentation.ARU{X410: b}})
			}
			break
		}
		var b []byte
		b, aerr = rtse.Append(nil, &rtse.APDU{RTAB: rtab})
		if aerr == nil {
			ctx := c.ctxRTSE
			ud, aerr = c.appendARU(&acse.ABRT{Source: acse.SourceServiceUser, UserInformation: []acse.External{{
				DirectReference: acse.BER, IndirectReference: &ctx, Encoding: acse.SingleASN1Type, Value: b}}})
		}
	}
	if aerr != nil {
		c.log.Debug("osi abort user data not encoded", "cause", aerr)
		return ab
	}
	ab.UserData = ud
	return ab
}

// appendARU encodes a normal mode ARU-PPDU carrying abrt in the ACSE
// context.
func (c *conn) appendARU(abrt *acse.ABRT) ([]byte, error) {
	b, err := acse.AppendABRT(nil, abrt)
	if err != nil {
		return nil, err
	}
	return presentation.AppendAbort(nil, &presentation.Abort{ARU: &presentation.ARU{Normal: &presentation.ContextsAndData{
		UserData: presentation.Fully(c.ctxACSE, b)}}})
}

// disconnect sends a DR (X.224 §13.5) and closes the TCP connection.
func (c *conn) disconnect(ctx context.Context, reason transport.DRReason) {
	if c.closed {
		return
	}
	dr := transport.DR{DstRef: c.peerRef, SrcRef: c.localRef, Reason: reason}
	if err := c.writeTPDU(ctx, &dr); err != nil {
		c.log.Debug("osi DR not sent", "cause", err)
	}
	c.linger()
}

// linger closes the TCP connection so that what we sent last (a DR, an
// abort) reaches the peer: a close with unread input would reset the
// connection and drop it. It half-closes, then discards what the peer
// still sends, for at most a second and 1 MiB, until the peer closes.
func (c *conn) linger() {
	if c.closed {
		return
	}
	defer c.close()
	tc, ok := c.nc.(interface{ CloseWrite() error })
	if !ok || tc.CloseWrite() != nil {
		return
	}
	c.nc.SetReadDeadline(time.Now().Add(min(c.to.Release, time.Second)))
	io.Copy(io.Discard, io.LimitReader(c.nc, 1<<20))
}

func (c *conn) close() {
	if !c.closed {
		c.closed = true
		c.nc.Close()
		if c.onClose != nil {
			c.onClose(c.lost)
		}
	}
}

// waitClose waits, for at most the release timeout, for the peer to
// close the transport connection (a DR or the end of the stream), as the
// side that sent DN does (X.225 §7.6), then closes.
func (c *conn) waitClose(ctx context.Context) {
	defer c.close()
	for i := 0; i < 4 && !c.closed; i++ {
		tpdu, err := c.readTPDU(ctx, c.to.Release)
		if err != nil {
			return
		}
		if t, err := transport.Type(tpdu); err != nil || t == transport.TypeDR {
			return
		}
	}
}

// TSDUSizes returns the session TSDU maximum sizes agreed (X.225 §8.3.1
// PI 21): the largest TSDU we may send and the largest the peer may send
// us; 0 is no limit (S-DATA travels whole).
func (a *Association) TSDUSizes() (send, receive int) { return a.c.tsduOut, a.c.tsduIn }
