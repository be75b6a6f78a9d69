package p1

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mixerd/osi"
	"mixerd/osi/acse"
	"mixerd/osi/presentation"
	"mixerd/osi/session"
	"mixerd/x400"
)

// poolTimeouts are short, so that the server's aborts (which linger for
// the release timeout) end quickly.
func poolTimeouts() osi.Timeouts {
	return osi.Timeouts{Connect: 5 * time.Second, Read: 5 * time.Second, Write: 5 * time.Second, Release: 300 * time.Millisecond}
}

// poolSink counts the APDUs delivered and refuses the next ones on demand.
type poolSink struct {
	mu   sync.Mutex
	got  [][]byte
	fail atomic.Int32 // deliveries still to refuse
}

func (s *poolSink) Deliver(ctx context.Context, apdu *x400.MTSAPDU, raw []byte, from string) error {
	if s.fail.Load() > 0 {
		s.fail.Add(-1)
		return errors.New("refused on purpose")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, bytes.Clone(raw))
	return nil
}

func (s *poolSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got)
}

// testServer is a p1 listener whose Serve can be stopped and started
// again on the same address (stopping aborts every association).
type testServer struct {
	l      *osi.Listener
	cancel context.CancelFunc
	done   chan error
}

func startPoolServer(t *testing.T, cfg *ServerConfig, sink Sink) *testServer {
	t.Helper()
	cfg.Timeouts = poolTimeouts()
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	l, err := Listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{l: l}
	s.serve(cfg, sink)
	t.Cleanup(func() {
		s.stop(t)
		l.Close()
	})
	return s
}

func (s *testServer) serve(cfg *ServerConfig, sink Sink) {
	if cfg.Name == "" {
		cfg.Name, cfg.Password = "mta-b", "secret-b"
	}
	cfg.Timeouts = poolTimeouts()
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan error, 1)
	go func() { s.done <- Serve(ctx, s.l, cfg, sink) }()
}

// stop ends Serve: every association is aborted, and Serve returns only
// once their goroutines ended.
func (s *testServer) stop(t *testing.T) {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Error("Serve did not stop")
	}
}

// restart stops Serve and starts it again with cfg.
func (s *testServer) restart(t *testing.T, cfg *ServerConfig, sink Sink) {
	s.stop(t)
	s.serve(cfg, sink)
}

func (s *testServer) addr() string { return s.l.Addr().String() }

func poolConfig(addr string) PoolConfig {
	dc := dialConfig(addr, "mta-a", "secret-a")
	dc.Timeouts = poolTimeouts()
	return PoolConfig{Dial: *dc, Logger: testLogger()}
}

func newTestPool(t *testing.T, cfg PoolConfig) *Pool {
	t.Helper()
	p, err := NewPool(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Close(c); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return p
}

// waitStats waits, on the pool's changes of state, until cond holds.
func waitStats(t *testing.T, p *Pool, what string, cond func(PoolStats) bool) PoolStats {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		p.mu.Lock()
		ch := p.changed
		p.mu.Unlock()
		st := p.Stats()
		if cond(st) {
			return st
		}
		select {
		case <-ch:
		case <-timeout:
			t.Fatalf("waiting for %s: stats %+v", what, st)
		}
	}
}

func sampleAPDU(t *testing.T) []byte { return marshal(t, x400.SampleMessage()) }

// TestPoolReuse: many APDUs, in successive leases and in one lease, go on
// one association.
func TestPoolReuse(t *testing.T) {
	sink := &poolSink{}
	srv := startPoolServer(t, &ServerConfig{Peers: peersA()}, sink)
	p := newTestPool(t, poolConfig(srv.addr()))
	apdu := sampleAPDU(t)
	for i := range 10 {
		if err := p.Transfer(ctx(t), 0, apdu); err != nil {
			t.Fatalf("transfer %d: %v", i, err)
		}
	}
	l, err := p.Get(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := l.Transfer(ctx(t), apdu); err != nil {
			t.Fatalf("lease transfer %d: %v", i, err)
		}
	}
	l.Release()
	l.Release() // idempotent
	if err := l.Transfer(ctx(t), apdu); !errors.Is(err, ErrLeaseDone) {
		t.Errorf("transfer after release: %v, want ErrLeaseDone", err)
	}
	st := p.Stats()
	if st.Dials != 1 || st.Transfers != 15 || st.Open != 1 || st.Idle != 1 || st.InUse != 0 || st.Failures != 0 {
		t.Errorf("stats %+v, want one dial, 15 transfers, one idle association", st)
	}
	if n := sink.count(); n != 15 {
		t.Errorf("sink got %d APDUs, want 15", n)
	}
}

// TestPoolLimit: six concurrent Gets with a limit of 2 never open more
// than 2 associations (the server refuses a third with busy), and the four
// others wait and then reuse them.
func TestPoolLimit(t *testing.T) {
	sink := &poolSink{}
	srv := startPoolServer(t, &ServerConfig{Peers: peersA(), MaxAssociations: 2}, sink)
	cfg := poolConfig(srv.addr())
	cfg.MaxAssociations = 2
	p := newTestPool(t, cfg)
	apdu := sampleAPDU(t)
	proceed := make(chan struct{})
	errs := make(chan error, 6)
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			l, err := p.Get(ctx(t), 0)
			if err != nil {
				errs <- err
				return
			}
			defer l.Release()
			if err := l.Transfer(ctx(t), apdu); err != nil {
				errs <- err
				return
			}
			<-proceed
		})
	}
	waitStats(t, p, "two leases and four waiters", func(s PoolStats) bool {
		return s.InUse == 2 && s.Waiting == 4 && s.Transfers == 2
	})
	close(proceed)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := p.Stats()
	if st.Dials != 2 || st.Transfers != 6 || st.Open != 2 || st.Waiting != 0 {
		t.Errorf("stats %+v, want 2 dials and 6 transfers", st)
	}
	p.mu.Lock()
	peak := p.peak
	p.mu.Unlock()
	if peak > 2 {
		t.Errorf("%d associations at once, limit 2", peak)
	}
}

// TestPoolPriority: waiters are served highest priority first, then in
// order of arrival; a waiter whose context ends leaves the queue.
func TestPoolPriority(t *testing.T) {
	srv := startPoolServer(t, &ServerConfig{Peers: peersA()}, &poolSink{})
	cfg := poolConfig(srv.addr())
	cfg.MaxAssociations = 1
	p := newTestPool(t, cfg)
	first, err := p.Get(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	prios := []int{1, 3, 2, 3, 0, 2}
	order := make(chan int, len(prios))
	var wg sync.WaitGroup
	for i, prio := range prios {
		wg.Go(func() {
			l, err := p.Get(ctx(t), prio)
			if err != nil {
				t.Errorf("waiter %d: %v", i, err)
				order <- -1
				return
			}
			order <- i
			l.Release()
		})
		waitStats(t, p, fmt.Sprintf("%d waiters", i+1), func(s PoolStats) bool { return s.Waiting == i+1 })
	}
	// A waiter of the highest priority that gives up.
	cctx, cancel := context.WithCancel(ctx(t))
	gone := make(chan error, 1)
	go func() {
		_, err := p.Get(cctx, 9)
		gone <- err
	}()
	waitStats(t, p, "the impatient waiter", func(s PoolStats) bool { return s.Waiting == len(prios)+1 })
	cancel()
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled waiter: %v", err)
	}
	if w := p.Stats().Waiting; w != len(prios) {
		t.Errorf("%d waiting after the cancel, want %d", w, len(prios))
	}
	first.Release()
	wg.Wait()
	close(order)
	var got []int
	for i := range order {
		got = append(got, i)
	}
	want := []int{1, 3, 2, 5, 0, 4} // 3, 3, 2, 2, 1, 0
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("served %v, want %v", got, want)
	}
	if d := p.Stats().Dials; d != 1 {
		t.Errorf("%d dials, want 1", d)
	}
}

// TestPoolReserve: with one of two associations reserved for priority 5
// and up, low priorities hold at most one; a high priority gets the other
// at once, and is served before a low one that waited longer.
func TestPoolReserve(t *testing.T) {
	srv := startPoolServer(t, &ServerConfig{Peers: peersA()}, &poolSink{})
	cfg := poolConfig(srv.addr())
	cfg.MaxAssociations, cfg.Reserve, cfg.ReservePriority = 2, 1, 5
	p := newTestPool(t, cfg)
	low1, err := p.Get(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 2)
	hold := make(chan struct{})
	getAsync := func(name string, prio int) {
		go func() {
			l, err := p.Get(ctx(t), prio)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				got <- name + " failed"
				return
			}
			got <- name
			<-hold
			l.Release()
		}()
	}
	getAsync("low2", 0)
	waitStats(t, p, "low2 waiting under the reserve", func(s PoolStats) bool { return s.Waiting == 1 })
	if s := p.Stats(); s.Open != 1 || s.InUse != 1 {
		t.Fatalf("low2 did not wait with an association free: %+v", s)
	}
	high, err := p.Get(ctx(t), 5)
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.InUse != 2 || s.Dials != 2 || s.Waiting != 1 {
		t.Fatalf("after the high Get: %+v", s)
	}
	getAsync("high2", 7)
	waitStats(t, p, "high2 waiting", func(s PoolStats) bool { return s.Waiting == 2 })
	low1.Release()
	if name := <-got; name != "high2" {
		t.Fatalf("%s served first, want high2", name)
	}
	// low2 still waits: high, high2 hold both associations.
	if s := p.Stats(); s.Waiting != 1 {
		t.Fatalf("after high2: %+v", s)
	}
	high.Release()
	if name := <-got; name != "low2" {
		t.Fatalf("%s served, want low2", name)
	}
	close(hold)
	waitStats(t, p, "all released", func(s PoolStats) bool { return s.InUse == 0 })
}

// TestPoolReserveKeepsPermanentIdle: a low priority opens a new
// association rather than take the permanent one left for the reserve.
func TestPoolReserveKeepsPermanentIdle(t *testing.T) {
	srv := startPoolServer(t, &ServerConfig{Peers: peersA()}, &poolSink{})
	cfg := poolConfig(srv.addr())
	cfg.MaxAssociations, cfg.Permanent, cfg.Reserve, cfg.ReservePriority = 3, 1, 1, 5
	p := newTestPool(t, cfg)
	waitStats(t, p, "the permanent association", func(s PoolStats) bool { return s.Idle == 1 })
	low, err := p.Get(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer low.Release()
	if s := p.Stats(); s.Dials != 2 || s.Idle != 1 {
		t.Fatalf("low priority took the reserved idle association: %+v", s)
	}
	high, err := p.Get(ctx(t), 5)
	if err != nil {
		t.Fatal(err)
	}
	defer high.Release()
	if s := p.Stats(); s.Dials != 2 || s.Idle != 0 {
		t.Fatalf("high priority did not take the idle association: %+v", s)
	}
	if err := high.Transfer(ctx(t), sampleAPDU(t)); err != nil {
		t.Fatal(err)
	}
}

// TestPoolPermanentReopened: a permanent association the listener aborts
// (it restarts) while a lease uses it fails that lease's transfer (it
// confirmed an APDU already, so it is not taken for a dead idle one), is
// discarded, and is opened again by the pool.
func TestPoolPermanentReopened(t *testing.T) {
	sink := &poolSink{}
	scfg := &ServerConfig{Peers: peersA()}
	srv := startPoolServer(t, scfg, sink)
	cfg := poolConfig(srv.addr())
	cfg.Permanent = 1
	p := newTestPool(t, cfg)
	waitStats(t, p, "the permanent association", func(s PoolStats) bool { return s.Idle == 1 })
	apdu := sampleAPDU(t)
	l, err := p.Get(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Transfer(ctx(t), apdu); err != nil {
		t.Fatal(err)
	}
	srv.restart(t, scfg, sink) // aborts the association
	err = l.Transfer(ctx(t), apdu)
	if err == nil || !associationFailed(err) {
		t.Fatalf("transfer on the aborted association: %v (%T), want the association's failure", err, err)
	}
	if err := l.Transfer(ctx(t), apdu); !errors.Is(err, ErrLeaseDone) {
		t.Errorf("transfer on the lost association: %v, want ErrLeaseDone", err)
	}
	l.Release()
	st := waitStats(t, p, "the permanent association again", func(s PoolStats) bool { return s.Idle == 1 && s.Dials == 2 })
	if st.Retries != 0 || st.Lost != 1 || st.Failures != 1 || st.Open != 1 {
		t.Errorf("stats %+v", st)
	}
	if err := p.Transfer(ctx(t), 0, apdu); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Dials != 2 || sink.count() != 2 {
		t.Errorf("stats %+v, sink %d: want the new permanent association used", st, sink.count())
	}
}

// TestPoolRefusedKeepsAssociation: an APDU the peer refuses (its sink
// fails) is an *osi.TransferRefusedError, never sent again; the
// association stays in the lease and carries the next APDU.
func TestPoolRefusedKeepsAssociation(t *testing.T) {
	sink := &poolSink{}
	srv := startPoolServer(t, &ServerConfig{Peers: peersA()}, sink)
	p := newTestPool(t, poolConfig(srv.addr()))
	apdu := sampleAPDU(t)
	if err := p.Transfer(ctx(t), 0, apdu); err != nil {
		t.Fatal(err)
	}
	l, err := p.Get(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	sink.fail.Store(1)
	err = l.Transfer(ctx(t), apdu)
	var re *osi.TransferRefusedError
	if !errors.As(err, &re) || re.Reason != osi.ExceptionJeopardized {
		t.Fatalf("refused transfer: %v (%T), want a *osi.TransferRefusedError (jeopardized)", err, err)
	}
	if err := l.Transfer(ctx(t), apdu); err != nil {
		t.Fatalf("transfer after a refusal: %v", err)
	}
	st := p.Stats()
	if st.Dials != 1 || st.Retries != 0 || st.Lost != 0 || st.Failures != 1 || st.Refused != 1 || st.Transfers != 2 {
		t.Errorf("stats %+v", st)
	}
	if n := sink.count(); n != 2 {
		t.Errorf("sink got %d APDUs, want 2", n)
	}
}

// TestPoolRetryUnseenDeath: an association taken idle that dies before
// the watch could see it (here: after Get took it) does not fail the
// transfer: it is made again on a new association, once.
func TestPoolRetryUnseenDeath(t *testing.T) {
	for _, permanent := range []int{0, 1} {
		t.Run(fmt.Sprint("permanent=", permanent), func(t *testing.T) {
			sink := &poolSink{}
			scfg := &ServerConfig{Peers: peersA()}
			srv := startPoolServer(t, scfg, sink)
			cfg := poolConfig(srv.addr())
			cfg.Permanent = permanent
			p := newTestPool(t, cfg)
			waitStats(t, p, "the permanent association", func(s PoolStats) bool { return s.Idle == permanent })
			apdu := sampleAPDU(t)
			if err := p.Transfer(ctx(t), 0, apdu); err != nil {
				t.Fatal(err)
			}
			l, err := p.Get(ctx(t), 0)
			if err != nil {
				t.Fatal(err)
			}
			srv.restart(t, scfg, sink) // aborts the association Get took
			if err := l.Transfer(ctx(t), apdu); err != nil {
				t.Fatalf("transfer after the peer aborted the idle association: %v", err)
			}
			if err := l.Transfer(ctx(t), apdu); err != nil {
				t.Fatalf("second transfer on the new association: %v", err)
			}
			l.Release()
			st := p.Stats()
			if st.Retries != 1 || st.Dials != 2 || st.Lost != 1 || st.Failures != 0 || st.Transfers != 3 || st.Open != 1 {
				t.Errorf("stats %+v", st)
			}
			if n := sink.count(); n != 3 {
				t.Errorf("sink got %d APDUs, want 3", n)
			}
		})
	}
}

// TestPoolIdleWatchPermanent: a permanent association the peer aborts
// while idle (the listener restarts) leaves the pool and is opened again
// without any transfer; the next transfer uses the new one, no retry.
func TestPoolIdleWatchPermanent(t *testing.T) {
	sink := &poolSink{}
	scfg := &ServerConfig{Peers: peersA()}
	srv := startPoolServer(t, scfg, sink)
	cfg := poolConfig(srv.addr())
	cfg.Permanent, cfg.RetryMin = 1, time.Millisecond
	p := newTestPool(t, cfg)
	for i := range 3 {
		waitStats(t, p, "the permanent association", func(s PoolStats) bool { return s.Idle == 1 && s.Dials == uint64(i+1) })
		srv.restart(t, scfg, sink) // aborts it
		st := waitStats(t, p, "the permanent association opened again", func(s PoolStats) bool {
			return s.Lost == uint64(i+1) && s.Dials == uint64(i+2) && s.Idle == 1 && s.Opening == 0
		})
		if st.Transfers != 0 || st.Failures != 0 || st.Retries != 0 || st.Open != 1 {
			t.Errorf("stats %+v", st)
		}
	}
	if err := p.Transfer(ctx(t), 0, sampleAPDU(t)); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Dials != 4 || st.Retries != 0 || st.Transfers != 1 || sink.count() != 1 {
		t.Errorf("stats %+v: want the reopened association used", st)
	}
}

// TestPoolIdleLostQuickly: a permanent association lost while idle as
// soon as it was opened is opened again only after RetryMin.
func TestPoolIdleLostQuickly(t *testing.T) {
	scfg := &ServerConfig{Peers: peersA()}
	srv := startPoolServer(t, scfg, &poolSink{})
	cfg := poolConfig(srv.addr())
	cfg.Permanent, cfg.RetryMin = 1, time.Hour
	cfg.RetryMax = cfg.RetryMin
	p := newTestPool(t, cfg)
	waitStats(t, p, "the permanent association", func(s PoolStats) bool { return s.Idle == 1 })
	srv.restart(t, scfg, &poolSink{})
	waitStats(t, p, "the loss", func(s PoolStats) bool { return s.Lost == 1 && s.Open == 0 })
	p.mu.Lock()
	retryAt := p.retryAt
	p.mu.Unlock()
	if time.Until(retryAt) < 50*time.Minute {
		t.Errorf("opened again at %v, want after RetryMin", retryAt)
	}
	if st := p.Stats(); st.Dials != 1 || st.Opening != 0 {
		t.Errorf("stats %+v: dialled again at once", st)
	}
	// An on-demand Get does not wait for the maintainer.
	if err := p.Transfer(ctx(t), 0, sampleAPDU(t)); err != nil {
		t.Fatal(err)
	}
}

// TestPoolIdleReleasedByPeer: an idle on-demand association the peer
// releases (a session FN with an ACSE RLRQ, as a peer MTA that closes
// idle associations sends it) gets its DN and leaves the pool; the next
// transfer opens a new one, without a retry.
func TestPoolIdleReleasedByPeer(t *testing.T) {
	sink := &poolSink{}
	srv := startPoolServer(t, &ServerConfig{Peers: peersA()}, sink)
	px := newReleaseProxy(t, srv.addr())
	p := newTestPool(t, poolConfig(px.addr()))
	apdu := sampleAPDU(t)
	if err := p.Transfer(ctx(t), 0, apdu); err != nil {
		t.Fatal(err)
	}
	waitStats(t, p, "the idle association", func(s PoolStats) bool { return s.Idle == 1 })
	px.release(t)
	st := waitStats(t, p, "the association gone", func(s PoolStats) bool { return s.Open == 0 && s.Lost == 1 })
	if st.Failures != 0 || st.Dials != 1 {
		t.Errorf("stats %+v", st)
	}
	if err := p.Transfer(ctx(t), 0, apdu); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Dials != 2 || st.Retries != 0 || st.Transfers != 2 || sink.count() != 2 {
		t.Errorf("stats %+v", st)
	}
}

// releaseProxy forwards TCP connections to a P1 listener; release makes
// it play the peer releasing the association of the last connection.
type releaseProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	last   *proxied
}

// proxied is one forwarded connection. Once intercepting, what the client
// sends goes to fromClient rather than to the server, and the server's
// octets are dropped.
type proxied struct {
	client, server net.Conn
	mu             sync.Mutex
	intercepting   bool
	fromClient     chan []byte
}

func newReleaseProxy(t *testing.T, target string) *releaseProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	px := &releaseProxy{ln: ln, target: target}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		px.mu.Lock()
		if px.last != nil {
			px.last.client.Close()
			px.last.server.Close()
		}
		px.mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			cc, err := ln.Accept()
			if err != nil {
				return
			}
			sc, err := net.Dial("tcp", target)
			if err != nil {
				cc.Close()
				continue
			}
			pc := &proxied{client: cc, server: sc, fromClient: make(chan []byte, 64)}
			px.mu.Lock()
			if px.last != nil {
				px.last.client.Close()
				px.last.server.Close()
			}
			px.last = pc
			px.mu.Unlock()
			wg.Go(func() { pc.pump(cc, sc, true) })
			wg.Go(func() { pc.pump(sc, cc, false) })
		}
	})
	return px
}

func (px *releaseProxy) addr() string { return px.ln.Addr().String() }

// pump copies src to dst until intercepting (then client octets go to
// fromClient, server octets nowhere).
func (pc *proxied) pump(src, dst net.Conn, fromClient bool) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			pc.mu.Lock()
			switch {
			case !pc.intercepting:
				dst.Write(buf[:n])
			case fromClient:
				select {
				case pc.fromClient <- bytes.Clone(buf[:n]):
				default:
				}
			}
			pc.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// release sends, as the peer, a session FN (X.225 §8.3.9) with an ACSE
// RLRQ (X.227) in the ACSE presentation context (1, as Dial proposes it)
// on the last connection, checks that the answer is a DN, and closes
// the transport connection as the side that sent the FN does.
func (px *releaseProxy) release(t *testing.T) {
	t.Helper()
	px.mu.Lock()
	pc := px.last
	px.mu.Unlock()
	reason := acse.ReleaseNormal
	rlrq, err := acse.AppendRLRQ(nil, &acse.Release{Reason: &reason})
	if err != nil {
		t.Fatal(err)
	}
	ud, err := presentation.AppendUserData(nil, presentation.Fully(1, rlrq))
	if err != nil {
		t.Fatal(err)
	}
	tsdu, err := session.AppendTSDU(nil, session.SPDU{Kind: session.KindFN, Disconnect: session.Some(session.TDRelease), UserData: ud})
	if err != nil {
		t.Fatal(err)
	}
	// One DT TPDU (X.224 class 0: LI 2, DT, EOT) in a TPKT (RFC 1006).
	tpkt := append([]byte{3, 0, byte((7 + len(tsdu)) >> 8), byte(7 + len(tsdu)), 2, 0xf0, 0x80}, tsdu...)
	pc.mu.Lock()
	pc.intercepting = true
	_, err = pc.client.Write(tpkt)
	pc.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	timeout := time.After(5 * time.Second)
	for len(got) < 8 {
		select {
		case b := <-pc.fromClient:
			got = append(got, b...)
		case <-timeout:
			t.Fatalf("no answer to the FN: % x", got)
		}
	}
	if got[0] != 3 || got[5] != 0xf0 || got[7] != 10 /* DN, SI 10 (X.225 §8.3.7) */ {
		t.Errorf("answer to the FN: % x, want a DN", got)
	}
	pc.client.Close()
	pc.server.Close()
}

// TestPoolNoRetryOnBadAPDU: an APDU that cannot be sent is not sent again
// on a new association.
func TestPoolNoRetryOnBadAPDU(t *testing.T) {
	sink := &poolSink{}
	srv := startPoolServer(t, &ServerConfig{Peers: peersA()}, sink)
	p := newTestPool(t, poolConfig(srv.addr()))
	if err := p.Transfer(ctx(t), 0, sampleAPDU(t)); err != nil {
		t.Fatal(err)
	}
	if err := p.Transfer(ctx(t), 0, []byte{0xff, 0xff, 0xff}); err == nil {
		t.Fatal("not BER, confirmed")
	}
	if st := p.Stats(); st.Retries != 0 || st.Dials != 1 || st.Failures != 1 || st.Lost != 1 || st.Open != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestPoolBindRefused: a refused bind and an unreachable peer are Get's
// errors, with their types.
func TestPoolBindRefused(t *testing.T) {
	srv := startPoolServer(t, &ServerConfig{Peers: peersA()}, &poolSink{})
	cfg := poolConfig(srv.addr())
	cfg.Dial.Password = "wrong"
	p := newTestPool(t, cfg)
	_, err := p.Get(ctx(t), 0)
	wantBindError(t, err, x400.BindAuthenticationError)
	if st := p.Stats(); st.DialFailures != 1 || st.InUse != 0 || st.Open != 0 || st.Opening != 0 {
		t.Errorf("stats %+v", st)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	p2 := newTestPool(t, poolConfig(closed))
	err = p2.Transfer(ctx(t), 0, sampleAPDU(t))
	var oe *net.OpError
	if !errors.As(err, &oe) {
		t.Errorf("unreachable peer: %v (%T), want a *net.OpError", err, err)
	}
}

// countWarn counts the WARN lines with msg.
func countWarn(logs *logBuffer, msg string) int {
	n := 0
	for line := range strings.SplitSeq(logs.String(), "\n") {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, msg) {
			n++
		}
	}
	return n
}

// TestPoolPermanentBackoff: a permanent association whose bind is refused
// is tried again with a bounded backoff, logged once, and opened when the
// peer accepts again.
func TestPoolPermanentBackoff(t *testing.T) {
	srv := startPoolServer(t, &ServerConfig{Peers: []Peer{{Name: "mta-a", Password: "other"}}}, &poolSink{})
	var logs logBuffer
	cfg := poolConfig(srv.addr())
	cfg.Permanent = 1
	cfg.RetryMin, cfg.RetryMax = 2*time.Millisecond, 10*time.Millisecond
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	p := newTestPool(t, cfg)
	waitStats(t, p, "five failures", func(s PoolStats) bool { return s.DialFailures >= 5 })
	if n := countWarn(&logs, "association not opened"); n != 1 {
		t.Errorf("%d warnings for the same failure, want 1:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "authentication-error") {
		t.Errorf("the warning does not say why:\n%s", logs.String())
	}
	p.mu.Lock()
	b := p.backoff
	p.mu.Unlock()
	if b > cfg.RetryMax || b < cfg.RetryMin {
		t.Errorf("backoff %v, not within [%v, %v]", b, cfg.RetryMin, cfg.RetryMax)
	}
	srv.restart(t, &ServerConfig{Peers: peersA()}, &poolSink{})
	waitStats(t, p, "the permanent association", func(s PoolStats) bool { return s.Idle == 1 })
	if !strings.Contains(logs.String(), "association opened again") {
		t.Errorf("recovery not logged:\n%s", logs.String())
	}
	p.mu.Lock()
	b = p.backoff
	p.mu.Unlock()
	if b != 0 {
		t.Errorf("backoff %v after success", b)
	}
}

// poolGoroutines lists the goroutines running the pool's code.
func poolGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "p1.(*Pool)") || strings.Contains(g, "p1.(*Lease)") {
			out = append(out, g)
		}
	}
	return out
}

// TestPoolClose: Close fails the waiters, releases the idle associations,
// waits for the leases, and leaves no goroutine behind.
func TestPoolClose(t *testing.T) {
	var logs logBuffer
	srv := startPoolServer(t, &ServerConfig{Peers: peersA()}, &poolSink{})
	cfg := poolConfig(srv.addr())
	// Low priorities hold at most two leases, and leave one permanent
	// association idle: at Close, one idle, two leased, one waiting.
	cfg.MaxAssociations, cfg.Permanent, cfg.Reserve, cfg.ReservePriority = 3, 2, 1, 5
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	p, err := NewPool(cfg)
	if err != nil {
		t.Fatal(err)
	}
	waitStats(t, p, "the permanent associations", func(s PoolStats) bool { return s.Idle == 2 })
	l1, err := p.Get(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := p.Get(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Idle != 1 || st.InUse != 2 || st.Dials != 3 {
		t.Fatalf("stats %+v", st)
	}
	waiter := make(chan error, 1)
	go func() {
		_, err := p.Get(ctx(t), 0)
		waiter <- err
	}()
	waitStats(t, p, "a waiter", func(s PoolStats) bool { return s.Waiting == 1 })
	if err := l1.Transfer(ctx(t), sampleAPDU(t)); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- p.Close(ctx(t)) }()
	if err := <-waiter; !errors.Is(err, ErrPoolClosed) {
		t.Errorf("waiter: %v, want ErrPoolClosed", err)
	}
	waitStats(t, p, "the idle association released", func(s PoolStats) bool { return s.Closed && s.Idle == 0 && s.Closing == 0 })
	if _, err := p.Get(ctx(t), 0); !errors.Is(err, ErrPoolClosed) {
		t.Errorf("Get after Close: %v", err)
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned with two leases out: %v", err)
	default:
	}
	l1.Release()
	l2.Release()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	st := p.Stats()
	if st.Open != 0 || st.InUse != 0 || st.Closing != 0 || st.Lost != 0 {
		t.Errorf("after Close: %+v", st)
	}
	if strings.Contains(logs.String(), "not released in order") {
		t.Errorf("an association was not released in order:\n%s", logs.String())
	}
	if err := p.Close(ctx(t)); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if g := poolGoroutines(); len(g) > 0 {
		t.Errorf("goroutines left after Close:\n%s", strings.Join(g, "\n\n"))
	}
}

// TestPoolCloseTimeout: Close gives up when its context ends with a lease
// out; the lease's Release then releases the association.
func TestPoolCloseTimeout(t *testing.T) {
	srv := startPoolServer(t, &ServerConfig{Peers: peersA()}, &poolSink{})
	p, err := NewPool(poolConfig(srv.addr()))
	if err != nil {
		t.Fatal(err)
	}
	l, err := p.Get(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	c, cancel := context.WithCancel(ctx(t))
	cancel()
	if err := p.Close(c); !errors.Is(err, context.Canceled) {
		t.Errorf("Close with a lease out: %v", err)
	}
	l.Release()
	if st := p.Stats(); st.Open != 0 || st.InUse != 0 || st.Closing != 0 {
		t.Errorf("after Release: %+v", st)
	}
	if err := p.Close(ctx(t)); err != nil {
		t.Error(err)
	}
	if g := poolGoroutines(); len(g) > 0 {
		t.Errorf("goroutines left after Close:\n%s", strings.Join(g, "\n\n"))
	}
}

// TestPoolIdleTimeout: an on-demand association idle longer than
// IdleTimeout is released; the permanent one stays.
func TestPoolIdleTimeout(t *testing.T) {
	var logs logBuffer
	srv := startPoolServer(t, &ServerConfig{Peers: peersA()}, &poolSink{})
	cfg := poolConfig(srv.addr())
	cfg.MaxAssociations, cfg.Permanent, cfg.IdleTimeout = 3, 1, 20*time.Millisecond
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	p := newTestPool(t, cfg)
	waitStats(t, p, "the permanent association", func(s PoolStats) bool { return s.Idle == 1 })
	l1, err := p.Get(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := p.Get(ctx(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []*Lease{l1, l2} {
		if err := l.Transfer(ctx(t), sampleAPDU(t)); err != nil {
			t.Fatal(err)
		}
		l.Release()
	}
	st := waitStats(t, p, "one association released for idleness", func(s PoolStats) bool { return s.IdleReleased == 1 && s.Closing == 0 })
	if st.Open != 1 || st.Idle != 1 || st.Dials != 2 || st.Lost != 0 {
		t.Errorf("stats %+v, want the permanent association left", st)
	}
	if strings.Contains(logs.String(), "not released in order") {
		t.Errorf("idle association not released in order:\n%s", logs.String())
	}
	if err := p.Transfer(ctx(t), 0, sampleAPDU(t)); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Dials != 2 || st.IdleReleased != 1 {
		t.Errorf("stats %+v: the permanent association was not kept", st)
	}
}

// TestPoolConfig: NewPool reports every problem of its configuration.
func TestPoolConfig(t *testing.T) {
	_, err := NewPool(PoolConfig{MaxAssociations: 2, Permanent: 3, Reserve: 2, RetryMin: time.Minute, RetryMax: time.Second})
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, want := range []string{"no peer address", "Permanent 3", "Reserve 2", "RetryMax"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
