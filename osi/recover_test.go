package osi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"mixerd/osi/rtse"
	"mixerd/osi/session"
	"mixerd/osi/transport"
)

// recoveryListener listens with recovery on (the responder keeps a lost
// association for timeout), logging to lg when not nil.
func recoveryListener(t *testing.T, timeout time.Duration, lg *slog.Logger) *Listener {
	t.Helper()
	if lg == nil {
		lg = testLogger(t)
	}
	l, err := Listen("127.0.0.1:0", ListenConfig{Logger: lg, Timeouts: testTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	l.rec.configure(RecoveryConfig{Timeout: timeout}) // before any connection
	return l
}

func TestSessionConnectionIdentifier(t *testing.T) {
	utc := append([]byte{0x17, 0x0d}, "261122211953Z"...)
	id := &session.ConnectionID{CallingRef: []byte("1a2b"), CommonRef: utc, CalledRef: []byte("x")}
	s := sci(id, false)
	if string(s.CallingRef) != "1a2b" || string(s.CommonRef) != "261122211953Z" || s.AdditionalInfo != nil || s.CallingT61 {
		t.Fatalf("sci %+v", s)
	}
	if s := sci(&session.ConnectionID{CommonRef: []byte("raw"), AdditionalRef: []byte{}}, true); s.CallingRef == nil || string(s.CommonRef) != "raw" || s.AdditionalInfo == nil || !s.CallingT61 {
		t.Fatalf("sci %+v", s)
	}
	ip := netip.MustParseAddr("127.0.0.1")
	k, ok := keyOfCN(ip, id)
	if !ok || k != recoveryKey(ip, s.CallingRef, s.CommonRef, s.AdditionalInfo) {
		t.Fatal("the CN's key and the RTORQ's differ")
	}
	for _, other := range []string{
		recoveryKey(netip.MustParseAddr("127.0.0.2"), s.CallingRef, s.CommonRef, nil),
		recoveryKey(ip, []byte("1a2c"), s.CommonRef, nil),
		recoveryKey(ip, s.CallingRef, []byte("261122211954Z"), nil),
		recoveryKey(ip, s.CallingRef, s.CommonRef, []byte{}),
	} {
		if other == k {
			t.Error("different session connections have the same key")
		}
	}
	for _, bad := range []*session.ConnectionID{nil, {CommonRef: utc}, {CallingRef: []byte("1")}} {
		if _, ok := keyOfCN(ip, bad); ok {
			t.Errorf("key for %+v", bad)
		}
	}
	if _, ok := keyOfCN(netip.Addr{}, id); ok {
		t.Error("key without an address")
	}
}

// pipeConn returns a conn on one end of a pipe, and the other end.
func pipeConn(t *testing.T) (*conn, net.Conn) {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return newConn(a, slog.New(slog.DiscardHandler), Limits{}, Timeouts{}), b
}

// isClosed reports whether the far end of a pipe was closed.
func isClosed(peer net.Conn) bool {
	peer.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err := peer.Read(make([]byte, 1))
	return errors.Is(err, io.EOF)
}

func TestRecoveryStore(t *testing.T) {
	lg := slog.New(slog.DiscardHandler)
	ip := netip.MustParseAddr("127.0.0.1")
	utc := append([]byte{0x17, 0x0d}, "261122211953Z"...)
	id := func(ref string) *session.ConnectionID {
		return &session.ConnectionID{CallingRef: []byte(ref), CommonRef: utc}
	}
	incoming := func(ref, from string) (*Incoming, net.Conn) {
		c, peer := pipeConn(t)
		return &Incoming{c: c, RemoteAddr: &net.TCPAddr{IP: net.ParseIP(from), Port: 102}, recoverID: sci(id(ref), false)}, peer
	}

	t.Run("off", func(t *testing.T) {
		st := newRecoveryStore(RecoveryConfig{}, lg)
		if st.register(ip, id("a"), nil, lg) != nil {
			t.Fatal("registered with recovery off")
		}
		in, _ := incoming("a", "127.0.0.1")
		if err := st.handOver(in); !errors.Is(err, errRecoveryOff) {
			t.Fatalf("hand over: %v", err)
		}
		var nilStore *recoveryStore
		if nilStore.register(ip, id("a"), nil, lg) != nil {
			t.Fatal("registered in no store")
		}
	})

	t.Run("register", func(t *testing.T) {
		st := newRecoveryStore(RecoveryConfig{Timeout: time.Hour, MaxAssociations: 2}, lg)
		if st.register(ip, id("a"), nil, lg) == nil {
			t.Fatal("not registered")
		}
		if st.register(ip, id("a"), nil, lg) != nil {
			t.Fatal("same identifier registered twice")
		}
		if st.register(ip, &session.ConnectionID{CommonRef: utc}, nil, lg) != nil || st.register(ip, nil, nil, lg) != nil {
			t.Fatal("registered without a session connection identifier")
		}
		if st.register(netip.MustParseAddr("127.0.0.2"), id("a"), nil, lg) == nil {
			t.Fatal("same identifier from another address not registered")
		}
		if st.register(ip, id("c"), nil, lg) != nil {
			t.Fatal("registered beyond MaxAssociations")
		}
	})

	t.Run("hand over", func(t *testing.T) {
		st := newRecoveryStore(RecoveryConfig{Timeout: time.Hour}, lg)
		old, oldPeer := pipeConn(t)
		sl := st.register(ip, id("a"), old.nc, lg)
		// Unknown identifier, or the right one from another address.
		for _, c := range [][2]string{{"b", "127.0.0.1"}, {"a", "127.0.0.2"}} {
			in, _ := incoming(c[0], c[1])
			if err := st.handOver(in); err == nil {
				t.Fatalf("%v handed over", c)
			}
		}
		// The right one: the association's old (half-open) connection
		// is closed; a second attempt supersedes the first.
		first, firstPeer := incoming("a", "127.0.0.1")
		if err := st.handOver(first); err != nil {
			t.Fatal(err)
		}
		if !isClosed(oldPeer) {
			t.Fatal("old connection not closed")
		}
		second, _ := incoming("a", "127.0.0.1")
		if err := st.handOver(second); err != nil {
			t.Fatal(err)
		}
		if !isClosed(firstPeer) {
			t.Fatal("superseded recovering connection not closed")
		}
		in, err := st.wait(t.Context(), sl)
		if err != nil || in != second {
			t.Fatalf("wait: %p %v, want the second", in, err)
		}
		// Recovered: the slot takes the new connection's key.
		st.recovered(sl, ip, id("n"), second.c.nc)
		if st.slots[sl.key] != sl || len(st.slots) != 1 || sl.lost {
			t.Fatal("slot not re-keyed")
		}
		in, peer := incoming("n", "127.0.0.1")
		if err := st.handOver(in); err != nil {
			t.Fatalf("hand over under the new key: %v", err)
		}
		st.remove(sl)
		if len(st.slots) != 0 || !isClosed(peer) {
			t.Fatal("not removed, or its recovering connection not closed")
		}
		if in2, _ := incoming("n", "127.0.0.1"); st.handOver(in2) == nil {
			t.Fatal("handed over to a removed slot")
		}
	})

	t.Run("expiry", func(t *testing.T) {
		st := newRecoveryStore(RecoveryConfig{Timeout: 30 * time.Millisecond}, lg)
		sl := st.register(ip, id("a"), nil, lg)
		st.markLost(sl)
		start := time.Now()
		if _, err := st.wait(t.Context(), sl); err == nil || !strings.Contains(err.Error(), "no recovery within") {
			t.Fatalf("wait: %v", err)
		}
		if time.Since(start) < 30*time.Millisecond || len(st.slots) != 0 {
			t.Fatalf("expired after %v, %d slots", time.Since(start), len(st.slots))
		}
		// A lost slot nobody waits for expires when the table is next
		// used, and drops the recovering connection it held.
		st.configure(RecoveryConfig{Timeout: time.Hour})
		sl = st.register(ip, id("b"), nil, lg)
		in, peer := incoming("b", "127.0.0.1")
		if err := st.handOver(in); err != nil {
			t.Fatal(err)
		}
		st.mu.Lock()
		drop := st.expireLocked(time.Now().Add(2 * time.Hour))
		st.mu.Unlock()
		if len(drop) != 1 || drop[0] != in || len(st.slots) != 0 || !sl.removed {
			t.Fatalf("expired %d, %d slots left", len(drop), len(st.slots))
		}
		dropRecovering(drop[0], "test")
		if !isClosed(peer) {
			t.Fatal("recovering connection of an expired slot not closed")
		}
		// A live slot does not expire.
		sl = st.register(ip, id("c"), nil, lg)
		st.mu.Lock()
		st.expireLocked(time.Now().Add(2 * time.Hour))
		st.mu.Unlock()
		if st.slots[sl.key] != sl {
			t.Fatal("live slot expired")
		}
	})

	t.Run("wait ends", func(t *testing.T) {
		st := newRecoveryStore(RecoveryConfig{Timeout: time.Hour}, lg)
		sl := st.register(ip, id("a"), nil, lg)
		st.markLost(sl)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := st.wait(ctx, sl); !errors.Is(err, context.Canceled) {
			t.Fatalf("wait: %v", err)
		}
		if st.slots[sl.key] != sl {
			t.Fatal("a cancelled wait dropped the slot")
		}
		done := make(chan error)
		go func() {
			_, err := st.wait(t.Context(), sl)
			done <- err
		}()
		st.close()
		if err := <-done; err == nil {
			t.Fatal("wait goes on after close")
		}
		if st.register(ip, id("b"), nil, lg) != nil {
			t.Fatal("registered after close")
		}
	})
}

// recoveringDial recovers the session connection sci on l.
func recoveringDial(ctx context.Context, t *testing.T, l *Listener, mode Mode, s *rtse.SessionConnectionID) error {
	a, res, err := dial(ctx, DialConfig{Address: l.Addr().String(), Mode: mode, Logger: testLogger(t), Timeouts: testTimeouts()}, nil, s)
	if err == nil {
		a.Abort(ctx, rtse.LocalSystemProblem)
		return errors.New("recovering connection accepted")
	}
	if res != nil {
		t.Errorf("bind result %x", res)
	}
	return err
}

// A recovering connection that names no association the listener keeps
// (recovery off, or an unknown session connection) is refused with an
// RTORJ, logged, and never returned by Accept.
func TestRecoveryRefused(t *testing.T) {
	for _, mode := range []Mode{Mode1988Normal, Mode1988X410} {
		for _, on := range []bool{false, true} {
			name := mode.String() + "-off"
			if on {
				name = mode.String() + "-unknown"
			}
			t.Run(name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				var logs syncLog
				lg := slog.New(slog.NewTextHandler(&logs, nil))
				var l *Listener
				if on {
					l = recoveryListener(t, time.Minute, lg)
				} else {
					var err error
					if l, err = Listen("127.0.0.1:0", ListenConfig{Logger: lg, Timeouts: testTimeouts()}); err != nil {
						t.Fatal(err)
					}
					defer l.Close()
				}
				err := recoveringDial(ctx, t, l, mode, &rtse.SessionConnectionID{CallingRef: []byte("zz"), CommonRef: []byte("260101000000Z")})
				var re *RefusedError
				if !errors.As(err, &re) || re.Layer != LayerRTSE {
					t.Fatalf("dial: %v, want an RTORJ", err)
				}
				if mode.x410() && re.Reason != int(rtse.CannotRecover) {
					t.Errorf("refuse reason %d, want cannotRecover", re.Reason)
				}
				if !strings.Contains(logs.String(), "osi recovery refused") {
					t.Errorf("no log line:\n%s", logs.String())
				}
				// Accept's first request is the next ordinary one.
				got := serve(ctx, l, false)
				a, _, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Mode: mode, Logger: testLogger(t), Timeouts: testTimeouts()}, testBindArg)
				if err != nil {
					t.Fatal(err)
				}
				if err := a.Close(ctx); err != nil {
					t.Fatal(err)
				}
				r := <-got
				if r.err != nil || r.in.recoverID != nil || !bytes.Equal(r.in.BindArgument, testBindArg) {
					t.Fatalf("Accept got %+v", r)
				}
			})
		}
	}
}

// The handshake of a recovery: the initiator loses its connection and
// re-establishes one with connectionDataRQ recover; the listener hands it
// to the association (not to Accept), which answers recover; the
// association then runs on the new connection (here: it is released).
// Also when the responder has not seen the loss (a half-open connection):
// the listener closes the old connection.
func TestRecoveryHandshake(t *testing.T) {
	for _, mode := range []Mode{Mode1988Normal, Mode1988X410} {
		for _, halfOpen := range []bool{false, true} {
			name := mode.String()
			if halfOpen {
				name += "-half-open"
			}
			t.Run(name, func(t *testing.T) {
				base := runtime.NumGoroutine()
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				l := recoveryListener(t, 5*time.Second, nil)
				type result struct {
					slotKey, newKey string
					err             error
				}
				done := make(chan result, 1)
				go func() {
					var r result
					defer func() { done <- r }()
					in, err := l.Accept(ctx)
					if err != nil {
						r.err = err
						return
					}
					a, err := in.Accept(ctx, testBindResult)
					if err != nil {
						r.err = err
						return
					}
					if !a.recoverable() {
						r.err = errors.New("association not recoverable")
						return
					}
					r.slotKey = a.rec.slot.key
					// Read until the connection fails (the initiator's
					// close, or the listener's when it hands over).
					_, cause := a.c.readSPDUs(ctx, a.c.to.Read)
					if cause == nil {
						r.err = errors.New("SPDU read instead of a loss")
						return
					}
					if r.err = a.awaitRecovery(ctx, cause); r.err != nil {
						return
					}
					r.newKey = a.rec.slot.key
					r.err = a.Close(ctx)
					a.endRecovery()
				}()
				a, res, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Mode: mode, Logger: testLogger(t), Timeouts: testTimeouts()}, testBindArg)
				if err != nil || !bytes.Equal(res, testBindResult) {
					t.Fatalf("dial: %v", err)
				}
				oldAddr, oldNC := a.LocalAddr.String(), a.c.nc
				cause := errors.New("test: connection lost")
				if halfOpen {
					// The initiator goes away without closing: the
					// responder's read only ends when the listener
					// closes it.
					a.c.closed = true // keep the TCP connection open
				}
				if err := a.reconnect(ctx, RecoveryConfig{Attempts: 3, Backoff: time.Millisecond}, cause); err != nil {
					t.Fatalf("reconnect: %v", err)
				}
				if a.LocalAddr.String() == oldAddr || a.rec.id.CommonRef == nil || a.rec.resume != nil {
					t.Fatalf("not on a new connection: %v %+v", a.LocalAddr, a.rec)
				}
				if a.rec.id.CallingRef == nil || a.rec.id.CalledRef == nil {
					t.Fatalf("connection identifier %+v", a.rec.id)
				}
				if err := a.Close(ctx); err != nil {
					t.Fatalf("release after recovery: %v", err)
				}
				r := <-done
				if r.err != nil {
					t.Fatalf("responder: %v", r.err)
				}
				if r.newKey == r.slotKey {
					t.Error("slot not re-keyed to the new session connection")
				}
				if n := len(l.rec.slots); n != 0 {
					t.Errorf("%d slots left", n)
				}
				oldNC.Close()
				l.Close()
				waitGoroutines(t, base)
			})
		}
	}
}

// killProxy forwards TCP connections to target and kills the first one
// (both directions, with a reset) once killAfter octets went from the
// client to the server, or, with killOnMAA, instead of forwarding the
// first PT+MAA the server sends (after the activity end, before the
// sender has its confirmation). Later connections are forwarded whole.
type killProxy struct {
	ln        net.Listener
	target    string
	killAfter int64
	killOnMAA bool

	mu     sync.Mutex
	conns  []net.Conn
	n      int  // connections accepted
	killed bool // the first was killed
	wg     sync.WaitGroup
}

func newKillProxy(t *testing.T, target string, killAfter int64, killOnMAA bool) *killProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &killProxy{ln: ln, target: target, killAfter: killAfter, killOnMAA: killOnMAA}
	p.wg.Add(1)
	go p.loop()
	t.Cleanup(p.close)
	return p
}

func (p *killProxy) addr() string { return p.ln.Addr().String() }

func (p *killProxy) loop() {
	defer p.wg.Done()
	for {
		cl, err := p.ln.Accept()
		if err != nil {
			return
		}
		sv, err := net.Dial("tcp", p.target)
		if err != nil {
			cl.Close()
			continue
		}
		p.mu.Lock()
		first := p.n == 0
		p.n++
		p.conns = append(p.conns, cl, sv)
		p.mu.Unlock()
		kill := func() {
			p.mu.Lock()
			p.killed = true
			p.mu.Unlock()
			for _, c := range []net.Conn{cl, sv} {
				c.(*net.TCPConn).SetLinger(0)
				c.Close()
			}
		}
		p.wg.Add(2)
		go func() { // client to server
			defer p.wg.Done()
			defer sv.(*net.TCPConn).CloseWrite()
			if first && p.killAfter > 0 {
				io.CopyN(sv, cl, p.killAfter)
				kill()
				return
			}
			io.Copy(sv, cl)
		}()
		go func() { // server to client
			defer p.wg.Done()
			defer cl.(*net.TCPConn).CloseWrite()
			if !(first && p.killOnMAA) {
				io.Copy(cl, sv)
				return
			}
			for {
				pkt, err := transport.ReadTPKT(sv, nil, transport.MaxTPKTLen)
				if err != nil {
					return
				}
				// TPKT, DT (02 f0 80), PT (02 00), MAA (SI 42).
				if len(pkt) > 9 && bytes.Equal(pkt[4:9], []byte{0x02, 0xf0, 0x80, 0x02, 0x00}) && pkt[9] == 42 {
					kill()
					return
				}
				if _, err := cl.Write(pkt); err != nil {
					return
				}
			}
		}()
	}
}

func (p *killProxy) state() (conns int, killed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n, p.killed
}

func (p *killProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// receiver accepts one association on l and receives (confirming each
// APDU) until the association ends; it returns the APDUs and the error
// that ended it (nil for a release).
func receiver(ctx context.Context, l *Listener) <-chan recvResult {
	ch := make(chan recvResult, 1)
	go func() {
		var r recvResult
		defer func() { ch <- r }()
		in, err := l.Accept(ctx)
		if err != nil {
			r.err = err
			return
		}
		a, err := in.Accept(ctx, testBindResult)
		if err != nil {
			r.err = err
			return
		}
		for {
			rx, err := a.ReceiveTransfer(ctx)
			if errors.Is(err, ErrReleased) {
				return
			}
			if err != nil {
				r.err = err
				return
			}
			r.apdus = append(r.apdus, rx.APDU)
			if err := rx.Confirm(); err != nil {
				r.err = err
				return
			}
		}
	}()
	return ch
}

type recvResult struct {
	apdus [][]byte
	err   error
}

// recoveryDial dials l through p with recovery on (attempts > 0) or off.
func recoveryDial(ctx context.Context, t *testing.T, p *killProxy, mode Mode, attempts int) (*Association, error) {
	a, _, err := Dial(ctx, DialConfig{Address: p.addr(), Mode: mode, CheckpointSize: 16, WindowSize: 3, TPDUSize: 8192,
		Recovery: RecoveryConfig{Attempts: attempts, Backoff: 5 * time.Millisecond},
		Logger:   testLogger(t), Timeouts: testTimeouts()}, testBindArg)
	return a, err
}

// The proof of issue 3: a transfer of several MB interrupted by a killed
// connection in its middle is recovered (X.228 §7.8: recover, then
// S-ACTIVITY-RESUME from the last acknowledged checkpoint), and the APDU
// is delivered exactly once, byte for byte; in both modes.
func TestRecoveryTransfer(t *testing.T) {
	for _, c := range []struct {
		mode Mode
		cut  int64
	}{
		{Mode1988Normal, 3 << 20}, {Mode1988X410, 3 << 20},
		// Before the first checkpoint: the activity resumes from serial
		// number 0, its start.
		{Mode1988Normal, 4000},
	} {
		mode := c.mode
		t.Run(fmt.Sprintf("%v-%d", mode, c.cut), func(t *testing.T) {
			base := runtime.NumGoroutine()
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			var logs syncLog
			lg := slog.New(slog.NewTextHandler(&logs, nil))
			l, err := Listen("127.0.0.1:0", ListenConfig{Logger: lg, Timeouts: testTimeouts(), Recovery: RecoveryConfig{Timeout: 10 * time.Second}})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			p := newKillProxy(t, l.Addr().String(), c.cut, false)
			got := receiver(ctx, l)
			a, err := recoveryDial(ctx, t, p, mode, 3)
			if err != nil {
				t.Fatal(err)
			}
			apdu := testAPDU(6 << 20)
			if err := a.Transfer(ctx, apdu); err != nil {
				t.Fatalf("transfer: %v", err)
			}
			if n, killed := p.state(); n != 2 || !killed {
				t.Fatalf("%d connections, killed %v: no recovery happened", n, killed)
			}
			// The association goes on: another transfer, then release.
			if err := a.Transfer(ctx, testAPDU(1000)); err != nil {
				t.Fatalf("transfer after recovery: %v", err)
			}
			if err := a.Close(ctx); err != nil {
				t.Fatal(err)
			}
			r := <-got
			if r.err != nil {
				t.Fatalf("receiver: %v", r.err)
			}
			if len(r.apdus) != 2 || !bytes.Equal(r.apdus[0], apdu) || !bytes.Equal(r.apdus[1], testAPDU(1000)) {
				t.Fatalf("receiver got %d APDUs", len(r.apdus))
			}
			for _, line := range []string{"osi connection lost, waiting", "osi recovering connection handed", "osi association recovered", "osi transfer resumed"} {
				if !strings.Contains(logs.String(), line) {
					t.Errorf("no %q in the responder's log", line)
				}
			}
			if n := len(l.rec.slots); n != 0 {
				t.Errorf("%d recovery slots left", n)
			}
			l.Close()
			p.close()
			waitGoroutines(t, base)
		})
	}
}

// The connection is killed after the activity end, when the receiver has
// secured and confirmed the APDU but its confirmation never arrived: the
// sender recovers and resumes, the receiver acknowledges the end again
// without returning the APDU a second time.
func TestRecoveryAfterActivityEnd(t *testing.T) {
	for _, mode := range []Mode{Mode1988Normal, Mode1988X410} {
		t.Run(mode.String(), func(t *testing.T) {
			base := runtime.NumGoroutine()
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			l, err := Listen("127.0.0.1:0", ListenConfig{Logger: testLogger(t), Timeouts: testTimeouts(), Recovery: RecoveryConfig{Timeout: 10 * time.Second}})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			p := newKillProxy(t, l.Addr().String(), 0, true)
			got := receiver(ctx, l)
			a, err := recoveryDial(ctx, t, p, mode, 3)
			if err != nil {
				t.Fatal(err)
			}
			apdu := testAPDU(100 << 10)
			if err := a.Transfer(ctx, apdu); err != nil {
				t.Fatalf("transfer: %v", err)
			}
			if n, killed := p.state(); n != 2 || !killed {
				t.Fatalf("%d connections, killed %v", n, killed)
			}
			if err := a.Close(ctx); err != nil {
				t.Fatal(err)
			}
			r := <-got
			if r.err != nil || len(r.apdus) != 1 || !bytes.Equal(r.apdus[0], apdu) {
				t.Fatalf("receiver: %d APDUs, %v", len(r.apdus), r.err)
			}
			l.Close()
			p.close()
			waitGoroutines(t, base)
		})
	}
}

// Without recovery, or with a peer that cannot recover (it refuses the
// recovering connection), or when the responder's wait expires: the
// sender's transfer fails with the loss, the receiver gets no APDU and an
// error, nothing is half delivered, and no recovery state is left.
func TestRecoveryNot(t *testing.T) {
	for _, c := range []struct {
		name     string
		attempts int           // sender
		wait     time.Duration // receiver
		refused  bool          // the sender's recovery is refused
		expired  bool          // the receiver's wait expires
	}{
		{"off", 0, 0, false, false},
		{"refused", 3, 0, true, false},
		{"expired", 0, 100 * time.Millisecond, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			base := runtime.NumGoroutine()
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			l, err := Listen("127.0.0.1:0", ListenConfig{Logger: testLogger(t), Timeouts: testTimeouts(), Recovery: RecoveryConfig{Timeout: c.wait}})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			p := newKillProxy(t, l.Addr().String(), 300<<10, false)
			got := receiver(ctx, l)
			a, err := recoveryDial(ctx, t, p, Mode1988Normal, c.attempts)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = a.Transfer(ctx, testAPDU(1<<20))
			if err == nil {
				t.Fatal("transfer confirmed over a killed connection")
			}
			var re *RefusedError
			if c.refused != errors.As(err, &re) {
				t.Errorf("transfer: %v (refusal expected: %v)", err, c.refused)
			}
			if !errors.Is(a.Transfer(ctx, testAPDU(10)), ErrReleased) {
				t.Error("association usable after a failed transfer")
			}
			r := <-got
			if r.err == nil || len(r.apdus) != 0 {
				t.Fatalf("receiver: %d APDUs, %v", len(r.apdus), r.err)
			}
			if c.expired != strings.Contains(r.err.Error(), "no recovery within") {
				t.Errorf("receiver: %v", r.err)
			}
			if c.expired && time.Since(start) < c.wait {
				t.Errorf("receiver gave up after %v", time.Since(start))
			}
			if n := len(l.rec.slots); n != 0 {
				t.Errorf("%d recovery slots left", n)
			}
			l.Close()
			p.close()
			waitGoroutines(t, base)
		})
	}
}
