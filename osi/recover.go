package osi

// RTSE recovery (X.228 §7.8, §8.1.2; X.225 §7.24): when the session
// connection under an association is lost in the middle of a transfer,
// the association-initiator re-establishes one, with an RTORQ whose
// connectionDataRQ is recover (the SessionConnectionIdentifier of the
// connection lost) and no bind; the responder finds the association that
// connection belonged to and answers with an RTOAC whose connectionDataAC
// is recover. The sender then resumes the interrupted activity
// (S-ACTIVITY-RESUME, the AR SPDU of X.225 §8.3.30, linking it to the old
// connection, the old activity identifier and the serial number of the
// last minor synchronization point the receiver acknowledged) and sends
// the rest. The association (the Go value) stays the same: only its
// connection is replaced.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"mixerd/osi/acse"
	"mixerd/osi/presentation"
	"mixerd/osi/rtse"
	"mixerd/osi/session"
	"mixerd/osi/transport"
)

// RecoveryConfig turns RTSE recovery on (X.228 §7.8). Its zero value
// leaves it off: a lost connection ends the association, as without it.
//
// Only the association-initiator re-establishes a connection (X.228
// §7.8): Attempts, Backoff and Timeout apply to Dial's associations. The
// responder (Listen) keeps what it needs to take a recovering connection
// for Timeout after the loss, for at most MaxAssociations associations.
//
// A peer that does not support recovery (PP, ISODE's RTS) refuses the
// recovering connection: the transfer then fails with the error that
// interrupted it, and the APDU, not confirmed, must be sent again on a new
// association (where a receiver that had secured it sees it twice; it
// tells the copies apart by their MTS identifier).
type RecoveryConfig struct {
	// Attempts is the most re-establishments the initiator tries after
	// one loss (0: recovery off).
	Attempts int
	// Backoff is the initiator's wait before its first attempt, doubled
	// after each failed one, at most 30 s (0: 500 ms).
	Backoff time.Duration
	// Timeout bounds, for the initiator, the whole recovery of one loss,
	// every attempt included (0: 2 minutes); for the responder, how long
	// an association whose connection was lost waits for its initiator
	// (0: recovery off).
	Timeout time.Duration
	// MaxAssociations is, for the responder, the most associations kept
	// recoverable at a time (0: 256); one beyond it is served without
	// recovery, with a log line.
	MaxAssociations int
}

const (
	defaultRecoveryBackoff = 500 * time.Millisecond
	maxRecoveryBackoff     = 30 * time.Second
	defaultRecoveryTimeout = 2 * time.Minute
	defaultRecoveryMax     = 256
)

// recovery is an association's recovery state (Association.rec).
type recovery struct {
	// id is the Connection Identifier of the association's session
	// connection (X.225 §8.3.1): the calling SS-user reference, common
	// reference and additional reference information of the initiator's
	// CN (as sent), and the called SS-user reference of the AC. Its
	// first three name the connection in a recovering RTORQ
	// (SessionConnectionIdentifier, X.228 §9) and all four in the Linking
	// Information of the AR (X.225 §8.3.30).
	id session.ConnectionID
	// prev is the Connection Identifier of the connection last lost
	// (and recovered): the AR's Linking Information names it.
	prev session.ConnectionID

	// Initiator.
	cfg DialConfig // how to re-establish the connection
	// resume, on the association a recovering dial builds, is the
	// identifier of the connection it recovers: the RTORQ carries it as
	// connectionDataRQ recover, and the RTOAC must answer recover.
	resume *rtse.SessionConnectionID

	// Responder.
	store *recoveryStore // the listener's, nil when recovery is off
	slot  *recoverySlot  // this association's entry in store, nil if none
}

// sci returns the SessionConnectionIdentifier (X.228 §9) of the session
// connection id names: the calling SS-user reference, the common
// reference (the CN carries PP's BER UTCTime, the RTORQ its text) and the
// additional reference information. In X.410-1984 mode the calling
// reference is the t61String alternative.
func sci(id *session.ConnectionID, x410 bool) *rtse.SessionConnectionID {
	s := &rtse.SessionConnectionID{
		CallingT61: x410,
		CallingRef: bytes.Clone(id.CallingRef),
		CommonRef:  bytes.Clone(utcText(id.CommonRef)),
	}
	if id.AdditionalRef != nil {
		s.AdditionalInfo = bytes.Clone(id.AdditionalRef)
	}
	if s.CallingRef == nil {
		s.CallingRef = []byte{}
	}
	return s
}

// utcText returns the text of b when b is a BER UTCTime (tag 23, short
// definite length, as PP and we send the common reference), else b.
func utcText(b []byte) []byte {
	if len(b) >= 2 && b[0] == 0x17 && b[1] < 0x80 && int(b[1]) == len(b)-2 {
		return b[2:]
	}
	return b
}

// recoveryKey is the key of a session connection in the responder's
// table: the initiator's IP address and the three references of its
// SessionConnectionIdentifier, so that only the host that opened a
// connection can recover it.
func recoveryKey(ip netip.Addr, calling, common, additional []byte) string {
	k := make([]byte, 0, 64)
	k = append(k, ip.String()...)
	for _, p := range [][]byte{calling, utcText(common), additional} {
		k = append(k, byte(len(p)>>8), byte(len(p)))
		k = append(k, p...)
	}
	if additional == nil {
		k = append(k, 0xff) // absent differs from empty
	}
	return string(k)
}

// keyOfCN returns the recovery key of the session connection a CN opened
// from ip, false when the CN named none (no Connection Identifier, or no
// calling SS-user reference or common reference in it).
func keyOfCN(ip netip.Addr, id *session.ConnectionID) (string, bool) {
	if id == nil || id.CallingRef == nil || id.CommonRef == nil || !ip.IsValid() {
		return "", false
	}
	return recoveryKey(ip, id.CallingRef, id.CommonRef, id.AdditionalRef), true
}

// addrIP returns the IP address of a TCP address.
func addrIP(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(ta.IP); ok {
			return ip.Unmap()
		}
		return netip.Addr{}
	}
	if a == nil {
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// recoveryStore is the responder's table of the associations that may be
// recovered (X.228 §7.8): each association accepted, when recovery is on
// and its CN named its session connection, has a slot under the key of
// that connection. A recovering connection (an RTORQ whose
// connectionDataRQ is recover) is handed to the association of its slot,
// never to Listener.Accept; one that names no slot is refused with an
// RTORJ. A slot is removed when its association ends, and when its
// connection was lost and no recovering connection came within the
// timeout.
type recoveryStore struct {
	log *slog.Logger

	mu      sync.Mutex
	timeout time.Duration // 0: recovery off
	max     int
	closed  bool // the listener is closed: nothing more can come
	slots   map[string]*recoverySlot
}

// recoverySlot is one association's entry in a recoveryStore. Its fields
// are guarded by the store's mutex.
type recoverySlot struct {
	key  string
	nc   net.Conn // the association's connection: closed when a recovering one comes
	lost bool     // the connection is lost: the slot expires at expires
	// expires is when a lost slot is dropped if no recovering connection
	// came.
	expires time.Time
	// next holds a recovering connection handed over and not yet taken
	// (a newer one replaces it).
	next    chan *Incoming
	gone    chan struct{} // closed when the slot is removed
	removed bool
}

// errRecoveryOff is the refusal of a recovering connection by a listener
// whose recovery is off.
var errRecoveryOff = errors.New("recovery is not enabled")

func newRecoveryStore(cfg RecoveryConfig, lg *slog.Logger) *recoveryStore {
	s := &recoveryStore{log: lg, slots: make(map[string]*recoverySlot)}
	s.configure(cfg)
	return s
}

// configure sets the responder's recovery parameters.
func (s *recoveryStore) configure(cfg RecoveryConfig) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timeout = max(cfg.Timeout, 0)
	s.max = cfg.MaxAssociations
	if s.max <= 0 {
		s.max = defaultRecoveryMax
	}
}

// register makes the association on nc, opened from ip by a CN with the
// Connection Identifier id, recoverable. It returns nil when recovery is
// off, the CN named no session connection, the table is full or the key
// is already taken (the association is then served without recovery).
func (s *recoveryStore) register(ip netip.Addr, id *session.ConnectionID, nc net.Conn, lg *slog.Logger) *recoverySlot {
	if s == nil {
		return nil
	}
	key, ok := keyOfCN(ip, id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timeout <= 0 || s.closed {
		return nil
	}
	if !ok {
		lg.Info("osi association not recoverable: the CN names no session connection")
		return nil
	}
	s.expireLocked(time.Now())
	if len(s.slots) >= s.max {
		lg.Warn("osi association not recoverable: recovery table full", "max", s.max)
		return nil
	}
	if _, dup := s.slots[key]; dup {
		lg.Warn("osi association not recoverable: session connection identifier already in use")
		return nil
	}
	sl := &recoverySlot{key: key, nc: nc, next: make(chan *Incoming, 1), gone: make(chan struct{})}
	s.slots[key] = sl
	return sl
}

// waitTime is how long a lost association waits for its recovery.
func (s *recoveryStore) waitTime() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.timeout
}

// markLost records that sl's connection is lost: the slot expires after
// the timeout unless a recovering connection comes first. A slot already
// marked keeps its expiry.
func (s *recoveryStore) markLost(sl *recoverySlot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !sl.lost {
		sl.lost = true
		sl.expires = time.Now().Add(s.timeout)
	}
}

// recovered records that sl's association runs on nc again, whose CN
// (from ip) had the Connection Identifier id: the slot takes that
// connection's key, or keeps its own when id names none.
func (s *recoveryStore) recovered(sl *recoverySlot, ip netip.Addr, id *session.ConnectionID, nc net.Conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sl.removed {
		return
	}
	sl.lost, sl.nc = false, nc
	if key, ok := keyOfCN(ip, id); ok && key != sl.key {
		if _, taken := s.slots[key]; !taken {
			delete(s.slots, sl.key)
			sl.key = key
			s.slots[key] = sl
		}
	}
}

// remove drops sl (its association ended, or it expired) and closes the
// recovering connection it may still hold.
func (s *recoveryStore) remove(sl *recoverySlot) {
	if sl == nil {
		return
	}
	s.mu.Lock()
	in := s.removeLocked(sl)
	s.mu.Unlock()
	dropRecovering(in, "association ended")
}

func (s *recoveryStore) removeLocked(sl *recoverySlot) *Incoming {
	if sl.removed {
		return nil
	}
	sl.removed = true
	if s.slots[sl.key] == sl {
		delete(s.slots, sl.key)
	}
	close(sl.gone)
	select {
	case in := <-sl.next:
		return in
	default:
		return nil
	}
}

// expireLocked removes the lost slots whose time is up and returns the
// recovering connections they held.
func (s *recoveryStore) expireLocked(now time.Time) []*Incoming {
	var drop []*Incoming
	for _, sl := range s.slots {
		if sl.lost && now.After(sl.expires) {
			s.log.Info("osi recovery expired: association dropped", "after", s.timeout)
			if in := s.removeLocked(sl); in != nil {
				drop = append(drop, in)
			}
		}
	}
	return drop
}

// close ends every slot: the listener is closed, so no recovering
// connection can come any more; the associations waiting for one stop.
func (s *recoveryStore) close() {
	s.mu.Lock()
	s.closed = true
	var drop []*Incoming
	for _, sl := range s.slots {
		if in := s.removeLocked(sl); in != nil {
			drop = append(drop, in)
		}
	}
	s.mu.Unlock()
	for _, in := range drop {
		dropRecovering(in, "listener closed")
	}
}

// dropRecovering closes a recovering connection handed over but never
// taken; the initiator's next attempt gets a refusal.
func dropRecovering(in *Incoming, why string) {
	if in != nil {
		in.c.log.Info("osi recovering connection dropped", "cause", why)
		in.c.close()
	}
}

// handOver gives the recovering connection in to the association whose
// slot its SessionConnectionIdentifier names. The association's old
// connection, if it is not yet known lost (a half-open connection whose
// loss only the initiator saw), is closed: its reader then finds the loss
// and takes in. It returns why it cannot, for the refusal.
func (s *recoveryStore) handOver(in *Incoming) error {
	r := in.recoverID
	key := recoveryKey(addrIP(in.RemoteAddr), r.CallingRef, r.CommonRef, r.AdditionalInfo)
	s.mu.Lock()
	drop := s.expireLocked(time.Now())
	sl := s.slots[key]
	var err error
	var old net.Conn
	switch {
	case s.timeout <= 0 || s.closed:
		err = errRecoveryOff
	case sl == nil:
		err = errors.New("no association of that session connection from that address")
	default:
		select {
		case prev := <-sl.next:
			drop = append(drop, prev) // the initiator gave up on it
		default:
		}
		sl.next <- in
		if !sl.lost {
			old = sl.nc
			sl.lost = true
			sl.expires = time.Now().Add(s.timeout)
		}
	}
	s.mu.Unlock()
	for _, d := range drop {
		dropRecovering(d, "superseded or expired")
	}
	if old != nil {
		old.Close()
	}
	return err
}

// wait waits for the recovering connection of sl: until it comes, the
// slot expires or is removed, or ctx is done.
func (s *recoveryStore) wait(ctx context.Context, sl *recoverySlot) (*Incoming, error) {
	s.mu.Lock()
	removed, expires := sl.removed, sl.expires
	s.mu.Unlock()
	if removed {
		return nil, errors.New("osi: recovery no longer possible")
	}
	t := time.NewTimer(time.Until(expires))
	defer t.Stop()
	select {
	case in := <-sl.next:
		return in, nil
	case <-sl.gone:
		return nil, errors.New("osi: recovery no longer possible (expired or listener closed)")
	case <-t.C:
		s.mu.Lock()
		in := s.removeLocked(sl)
		s.mu.Unlock()
		if in != nil {
			// It came at the last moment: take it rather than drop it.
			return in, nil
		}
		d := s.waitTime()
		s.log.Info("osi recovery expired: association dropped", "after", d)
		return nil, fmt.Errorf("osi: no recovery within %v", d)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// recovering answers an association request that recovers a connection
// (its RTORQ's connectionDataRQ is recover): it is handed to the
// association of that connection, or refused. It never reaches Accept.
func (l *Listener) recovering(in *Incoming) {
	ctx, cancel := context.WithTimeout(l.ctx, in.c.to.Connect)
	defer cancel()
	if err := l.rec.handOver(in); err != nil {
		in.refuseRecovery(ctx, err.Error())
		return
	}
	in.c.log.Info("osi recovering connection handed to its association")
}

// refuseRecovery refuses a recovering connection with an RTORJ (X.228
// §7.8): in X.410-1984 mode with refuseReason cannotRecover in the CPR;
// in normal mode (where RefuseReason does not exist) in an AARE
// rejected-permanent, no reason given.
func (in *Incoming) refuseRecovery(ctx context.Context, why string) {
	c := in.c
	defer c.close()
	c.log.Warn("osi recovery refused", "mode", in.Mode.String(), "cause", why)
	if in.Mode.x410() {
		cr := rtse.CannotRecover
		j, err := rtse.AppendRTORJ(nil, &rtse.RTORJ{RefuseReason: &cr}, rtse.TagSet)
		if err == nil {
			var cpr []byte
			if cpr, err = presentation.AppendCPR(nil, &presentation.CPR{X410: j}); err == nil {
				in.sendRF(ctx, cpr)
				return
			}
		}
		c.log.Debug("osi RTORJ not encoded", "cause", err)
		return
	}
	j, err := rtse.Append(nil, &rtse.APDU{RTORJ: &rtse.RTORJ{}})
	if err != nil {
		c.log.Debug("osi RTORJ not encoded", "cause", err)
		return
	}
	in.rejectAARQ(ctx, acse.UserNoReasonGiven, j, "recovery refused: "+why)
}

// acceptRecovery accepts the recovering connection in for a: the session
// AC, and the CPA with the RTOAC (connectionDataAC recover, the
// identifier the RTORQ named; the checkpoint and window sizes agreed at
// the start) in an AARE in normal mode, or as the x410-mode-parameters.
func (in *Incoming) acceptRecovery(ctx context.Context, a *Association) error {
	in.answered = true
	return in.writeAccept(ctx, &rtse.RTOAC{CheckpointSize: a.CheckpointSize, WindowSize: a.WindowSize,
		Explicit: rtse.ExplicitCheckpointSize | rtse.ExplicitWindowSize, ConnectionData: rtse.ConnectionData{Recover: in.recoverID}})
}

// registerRecovery makes a, just accepted from in, recoverable when the
// listener's recovery is on.
func (in *Incoming) registerRecovery(a *Association) {
	if in.cn.ConnID != nil {
		a.rec.id = session.ConnectionID{CallingRef: in.cn.ConnID.CallingRef, CommonRef: in.cn.ConnID.CommonRef,
			AdditionalRef: in.cn.ConnID.AdditionalRef, CalledRef: in.cn.ConnID.CallingRef}
	}
	a.rec.store = in.rec
	a.rec.slot = in.rec.register(addrIP(in.RemoteAddr), in.cn.ConnID, in.c.nc, in.c.log)
	if a.rec.slot != nil {
		in.c.onClose = a.connClosed
	}
}

// connClosed follows the close of the responder's connection: a loss
// starts the slot's expiry (the initiator may recover it), any other end
// (release, abort, protocol error) drops the slot.
func (a *Association) connClosed(lost bool) {
	if a.rec.slot == nil {
		return
	}
	if lost {
		a.rec.store.markLost(a.rec.slot)
		return
	}
	a.endRecovery()
}

// endRecovery drops a's recovery slot: the association ended.
func (a *Association) endRecovery() {
	if a.rec.slot != nil {
		a.rec.store.remove(a.rec.slot)
		a.rec.slot = nil
	}
}

// recoverable reports whether a (the responder) may wait for its
// initiator to recover a lost connection.
func (a *Association) recoverable() bool { return a.rec.slot != nil }

// awaitRecovery is the responder's answer to the loss of its connection
// (cause): it waits, for at most the recovery timeout and while ctx is not
// done, for the initiator to re-establish it (X.228 §7.8), accepts the
// recovering connection and makes it a's. A recovering connection that
// cannot be accepted (another mode, no activity functional unit, a write
// that fails) is dropped and the wait goes on. It returns cause, joined
// with why, when no recovery came.
func (a *Association) awaitRecovery(ctx context.Context, cause error) error {
	st, sl := a.rec.store, a.rec.slot
	if sl == nil {
		return cause
	}
	st.markLost(sl)
	old := a.c
	old.close()
	old.log.Warn("osi connection lost, waiting for the initiator to recover the association", "cause", cause, "timeout", st.waitTime())
	for {
		in, err := st.wait(ctx, sl)
		if err != nil {
			old.log.Warn("osi association not recovered", "err", err)
			if ctx.Err() == nil {
				a.endRecovery()
			}
			return errors.Join(cause, err)
		}
		if err := a.takeRecovering(ctx, in); err != nil {
			in.c.log.Warn("osi recovering connection not accepted", "err", err)
			in.c.close()
			continue
		}
		return nil
	}
}

// takeRecovering accepts the recovering connection in and makes it a's.
func (a *Association) takeRecovering(ctx context.Context, in *Incoming) error {
	switch {
	case in.Mode.x410() != a.Mode.x410():
		err := fmt.Errorf("recovering connection in mode %v for an association in mode %v", in.Mode, a.Mode)
		in.refuseRecovery(ctx, err.Error())
		return err
	case in.fus&session.FUActivity == 0:
		err := errors.New("recovering connection without the activity management functional unit")
		in.refuseRecovery(ctx, err.Error())
		return err
	}
	actx, cancel := context.WithTimeout(ctx, in.c.to.Connect)
	defer cancel()
	if err := in.acceptRecovery(actx, a); err != nil {
		return err
	}
	c := in.c
	c.rt = a.c.rt // the transfer state goes on
	a.c = c
	a.released = false
	c.onClose = a.connClosed
	a.TPDUSize, a.SessionVersion, a.Requirements, a.Tokens = in.tpduSize, in.version, in.fus, in.tokens
	a.LocalAddr, a.RemoteAddr = c.nc.LocalAddr(), c.nc.RemoteAddr()
	if !in.Mode.x410() {
		a.ctxMTSE, a.Contexts = in.ctxMTSE, in.contexts
	}
	a.turn = a.Initiator
	a.rec.prev = a.rec.id
	if in.cn.ConnID != nil {
		a.rec.id = session.ConnectionID{CallingRef: in.cn.ConnID.CallingRef, CommonRef: in.cn.ConnID.CommonRef,
			AdditionalRef: in.cn.ConnID.AdditionalRef, CalledRef: in.cn.ConnID.CallingRef}
	}
	a.rec.store.recovered(a.rec.slot, addrIP(in.RemoteAddr), in.cn.ConnID, c.nc)
	c.log.Info("osi association recovered", "mode", a.Mode.String(), "tpdu", a.TPDUSize, "session_version", a.SessionVersion)
	return nil
}

// withDefaults fills the initiator's defaults.
func (r RecoveryConfig) withDefaults() RecoveryConfig {
	if r.Backoff <= 0 {
		r.Backoff = defaultRecoveryBackoff
	}
	if r.Timeout <= 0 {
		r.Timeout = defaultRecoveryTimeout
	}
	return r
}

// reconnect is the initiator's answer to the loss of its connection
// (cause) during a transfer: up to rc.Attempts times, after a backoff, it
// dials again with the association's DialConfig and an RTORQ whose
// connectionDataRQ is recover (X.228 §7.8), and on success makes the new
// connection a's. A refusal (an RTORJ: the peer cannot recover, or no
// longer has the association) or an abort by the peer ends the attempts.
// It returns nil once recovered, else cause joined with the last
// attempt's error. Each attempt and its outcome is logged.
func (a *Association) reconnect(ctx context.Context, rc RecoveryConfig, cause error) error {
	rc = rc.withDefaults()
	if rc.Attempts <= 0 || !a.Initiator {
		return cause
	}
	old := a.c
	old.close()
	old.log.Warn("osi connection lost during a transfer, recovering the association", "cause", cause, "attempts", rc.Attempts)
	ctx, cancel := context.WithTimeout(ctx, rc.Timeout)
	defer cancel()
	resume := sci(&a.rec.id, a.Mode.x410())
	backoff := rc.Backoff
	var last error
	for i := 1; i <= rc.Attempts; i++ {
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			old.log.Warn("osi recovery abandoned", "attempt", i, "err", ctx.Err())
			return errors.Join(cause, ctx.Err())
		}
		backoff = min(2*backoff, maxRecoveryBackoff)
		old.log.Info("osi recovery attempt", "attempt", i, "of", rc.Attempts, "address", a.rec.cfg.Address)
		na, _, err := dial(ctx, a.rec.cfg, nil, resume)
		if err == nil && na.Requirements&session.FUActivity == 0 {
			na.c.disconnect(ctx, transport.ReasonNormal)
			err = &RefusedError{Layer: LayerSession, Reason: -1, Msg: "recovered connection without the activity management functional unit"}
		}
		if err == nil {
			a.adopt(na)
			a.c.log.Info("osi association recovered", "attempt", i, "mode", a.Mode.String())
			return nil
		}
		last = err
		var re *RefusedError
		var ae *AbortError
		if errors.As(err, &re) || (errors.As(err, &ae) && ae.Peer && ae.Layer != LayerTransport) {
			old.log.Warn("osi recovery refused by the peer", "attempt", i, "err", err)
			return errors.Join(cause, err)
		}
		old.log.Warn("osi recovery attempt failed", "attempt", i, "err", err)
	}
	return errors.Join(cause, last)
}

// adopt makes na's connection (a recovering dial's) a's: the transfer
// state goes on on it.
func (a *Association) adopt(na *Association) {
	na.c.rt = a.c.rt
	a.c = na.c
	a.released = false
	a.rec.prev = a.rec.id
	a.TPDUSize, a.SessionVersion, a.Requirements, a.Tokens = na.TPDUSize, na.SessionVersion, na.Requirements, na.Tokens
	a.LocalAddr, a.RemoteAddr = na.LocalAddr, na.RemoteAddr
	a.Contexts, a.ctxMTSE = na.Contexts, na.ctxMTSE
	if na.ApplicationContext != nil {
		a.ApplicationContext = na.ApplicationContext
	}
	a.rec.id = na.rec.id
	a.turn = true
}

// takeRecoverAC checks the connectionDataAC of an RTOAC against what we
// asked: recover when we recover a connection, open otherwise.
func (a *Association) takeRecoverAC(cd *rtse.ConnectionData) error {
	switch {
	case a.rec.resume != nil && cd.Recover == nil:
		return &rtse.Error{APDU: "RTOAC", Field: "connectionDataAC", Reason: rtse.ProtocolError, Msg: "open in answer to a recovering RTORQ"}
	case a.rec.resume == nil && cd.Recover != nil:
		return &rtse.Error{APDU: "RTOAC", Field: "connectionDataAC", Reason: rtse.ProtocolError, Msg: "recover in answer to an RTORQ that opens"}
	}
	return nil
}

// listenRecovery returns the responder's recovery configuration.
func listenRecovery(cfg ListenConfig) RecoveryConfig { return cfg.Recovery }
