package p1

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	"mixerd/osi"
	"mixerd/osi/rtse"
)

// Pool holds the outgoing associations to one peer MTA (X.411 §12.1: an MTA
// binds, transfers any number of MTS-APDUs, X.411 §12.2, and unbinds). It
// reuses associations for many APDUs, keeps PoolConfig.Permanent of them
// open at all times, opens more on demand up to PoolConfig.MaxAssociations
// and releases those idle longer than PoolConfig.IdleTimeout.
//
// The caller decides which APDU goes next: it takes an association with
// Get, naming the priority of what it is about to send (the queue uses the
// precedence), transfers one APDU or several with Lease.Transfer, choosing
// each time, and gives the association back with Lease.Release. When every
// association is taken, Get waits; the waiters are served highest priority
// first, then in order of arrival. PoolConfig.Reserve keeps associations for
// the high priorities, so that a ROUTINE backlog cannot hold every
// association while a FLASH message waits.
//
// Delivery contract: Lease.Transfer returning nil means the peer confirmed
// the APDU (RTSE transfer confirmation, X.228 §7.3: the peer secured it);
// an error means the APDU was not confirmed and the caller keeps it and
// sends it again later. Transfer is at least once: an APDU the peer stored
// but whose confirmation was lost is sent again, and the receiver detects
// the duplicate by its MTS identifier. An APDU the peer refused (an
// *osi.TransferRefusedError: its Reason says whether to try again later)
// leaves the association in the lease, usable for the next APDU; any other
// failure aborts and discards the association, which is never reused.
//
// Associations that die while idle: each idle association (on demand or
// permanent) is watched by a goroutine of its own with
// osi.Association.WaitIdle, which reads nothing until the peer sends
// something: the peer's release (answered in order), its abort, a
// transport disconnect, the end or reset of the TCP connection. The
// association is then removed from the pool (PoolStats.Lost) and, when it
// was one of the Permanent ones, the maintainer opens another at once, so
// that a FLASH message finds one bound. Get stops the watch, and waits for
// it, before it hands an idle association out; one the watch found dead
// then is dropped and Get opens a new one. In two-way alternate mode a
// turn please from the peer is noted and the watch goes on (a pool only
// sends: it keeps the turn).
//
// A death the watch cannot see yet (packets silently lost, a connection
// dropped as Get takes it) is found by the transfer: the first Transfer
// on an association taken from the idle list (one that has not yet
// confirmed an APDU in this lease) that fails because the association
// failed (an *osi.AbortError, a release, a network error, not an APDU that
// cannot be sent, not a refusal, not the caller's context) is made again,
// once, on a new association: a dead idle association never fails the
// caller's transfer by itself. A peer that refuses the APDU
// (*osi.TransferRefusedError) shows the association alive, so a refused
// APDU is never sent again by the pool; a peer that aborts the association
// rather than refusing the APDU gets it a second time, on the new
// association, before the error is returned. With osi's RTSE recovery on
// (DialConfig.Recovery), osi first tries to recover a lost connection
// itself (X.228 §7.8); the pool's retry comes after that fails.
//
// A Pool is safe for concurrent use; a Lease is used by one goroutine.
type Pool struct {
	cfg  PoolConfig
	dial DialConfig // cfg.Dial, with the logger set
	log  *slog.Logger

	kick   chan struct{}      // wakes the maintainer (capacity 1)
	jctx   context.Context    // the maintainer's context, ended by Close
	jstop  context.CancelFunc // ends jctx
	jdone  chan struct{}      // closed when the maintainer returned
	closeO sync.Once          // starts the close once

	mu      sync.Mutex
	closed  bool
	idle    []*pooled // open and unused; the most recently used last
	leases  int       // leases out, with or without an association
	low     int       // of them, those below ReservePriority (Reserve > 0)
	leased  int       // associations held by leases
	dialing int       // leases opening their association
	opening int       // associations the maintainer is opening
	closing int       // associations being released or aborted
	waiters []*waiter // sorted: priority descending, then arrival
	changed chan struct{}
	peak    int // highest associations open, opening or closing at once (for tests)

	backoff time.Duration // current delay of the maintainer's retries (0: none)
	retryAt time.Time     // the maintainer dials again no sooner
	fail    failState     // dial failures, logged once per change
	st      PoolStats     // counters
}

// PoolConfig is what a Pool needs. Zero fields take the default.
type PoolConfig struct {
	// Dial is the peer's address, selectors, P1 mode, dialogue mode and
	// our credentials (and the peer's, when checked). A nil Dial.Logger
	// takes Logger.
	Dial DialConfig
	// MaxAssociations is the most associations open to the peer at once,
	// counting those being opened and released (0: 4). Keep it at or
	// below what the peer accepts, or its binds are refused with busy.
	MaxAssociations int
	// Permanent is how many associations are kept open at all times: they
	// are opened when the pool starts, never released for being idle, and
	// opened again as soon as one is lost (in use, or while idle), retrying
	// after a failure with a delay from RetryMin doubling to RetryMax. One
	// lost while idle less than RetryMin after it was opened is opened
	// again only after RetryMin, so that a peer that aborts every
	// association at once is not dialled in a loop. 0: associations are
	// opened on demand only.
	Permanent int
	// Reserve keeps Reserve of the MaxAssociations for the priorities at
	// or above ReservePriority: leases of a lower priority are never more
	// than MaxAssociations-Reserve, so a high-priority Get always finds an
	// association or room to open one unless high-priority leases already
	// hold Reserve of them. With Permanent > 0, min(Reserve, Permanent)
	// of the idle associations are, moreover, left to the high priorities
	// (a lower priority opens a new association rather than taking them),
	// so that a FLASH message finds an association already bound.
	// 0: no reserve.
	Reserve         int
	ReservePriority int
	// IdleTimeout is how long an association beyond the Permanent ones
	// stays open unused before it is released in order (0: 30 s; < 0:
	// never). Keep it below the peer's own idle limit (an osi responder
	// closes after Timeouts.Idle, 30 min by default).
	IdleTimeout time.Duration
	// RetryMin and RetryMax bound the delay before the maintainer opens a
	// permanent association again after a failure (0: 1 s and 1 min).
	RetryMin, RetryMax time.Duration
	// Logger gets a line per change of state: an association lost, a dial
	// that fails (once per kind of failure, not per attempt), the peer
	// reachable again (nil: slog.Default()).
	Logger *slog.Logger
}

// PoolStats are a Pool's gauges and counters, for operators.
type PoolStats struct {
	Open    int // associations open (idle or leased)
	Idle    int // of them, unused
	InUse   int // leases out (each holds an association or is opening one)
	Opening int // associations being opened
	Closing int // associations being released or aborted
	Waiting int // Get calls waiting for an association

	Dials        uint64 // binds attempted (on demand, permanent, again after a dead idle one)
	DialFailures uint64 // of them, failed (refused, unreachable, timed out)
	Transfers    uint64 // APDUs confirmed by the peer
	Failures     uint64 // Transfer calls that returned an error
	Refused      uint64 // of the Failures, APDUs the peer refused (the association stays)
	Retries      uint64 // transfers made again after a dead idle association
	IdleReleased uint64 // associations released for being idle
	Lost         uint64 // associations discarded after a failure, or found dead while idle

	Closed bool // Close was called
}

// ErrPoolClosed is returned by Get once Close was called.
var ErrPoolClosed = errors.New("p1: pool closed")

// ErrLeaseDone is returned by Lease.Transfer after Release or after a
// failed transfer (the lease has no association left: release it and Get
// another).
var ErrLeaseDone = errors.New("p1: lease released or its association lost")

// pooled is one association of the pool.
type pooled struct {
	c        *Client
	opened   time.Time // when it was bound
	lastUsed time.Time // when it was last put in the idle list

	// The watch of the association while it is idle (watchIdle). The
	// fields are set under Pool.mu when it starts, and used by the one
	// goroutine that takes the association out of the idle list
	// (unwatch).
	stopWatch context.CancelFunc // ends the watch; nil: not watched
	watchDone chan struct{}      // closed when the watch returned
	dead      error              // what the watch found: the association ended (set before watchDone is closed)
}

// waiter is a Get waiting for an association.
type waiter struct {
	prio    int
	ch      chan grant // capacity 1: the grant is never blocked
	granted bool
}

type grant struct {
	l   *Lease
	err error
}

// Lease is an association taken from the pool by Get. It is used by one
// goroutine; Release gives it back.
type Lease struct {
	p        *Pool
	pc       *pooled // nil once the association was lost
	low      bool    // counted in Pool.low
	fromIdle bool    // the association was taken from the idle list
	proven   bool    // a transfer was confirmed on it in this lease
	done     bool    // released
}

// NewPool checks cfg and starts the pool: its maintainer goroutine opens
// the permanent associations and releases idle ones until Close.
func NewPool(cfg PoolConfig) (*Pool, error) {
	var errs []error
	if cfg.Dial.Address == "" {
		errs = append(errs, errors.New("p1: pool: no peer address"))
	}
	if cfg.MaxAssociations == 0 {
		cfg.MaxAssociations = 4
	}
	if cfg.MaxAssociations < 0 {
		errs = append(errs, fmt.Errorf("p1: pool: MaxAssociations %d is negative", cfg.MaxAssociations))
	}
	if cfg.Permanent < 0 || cfg.Permanent > cfg.MaxAssociations {
		errs = append(errs, fmt.Errorf("p1: pool: Permanent %d is not between 0 and MaxAssociations %d", cfg.Permanent, cfg.MaxAssociations))
	}
	if cfg.Reserve < 0 || (cfg.Reserve > 0 && cfg.Reserve >= cfg.MaxAssociations) {
		errs = append(errs, fmt.Errorf("p1: pool: Reserve %d leaves no association to the lower priorities (MaxAssociations %d)", cfg.Reserve, cfg.MaxAssociations))
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 30 * time.Second
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = time.Second
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = time.Minute
	}
	if cfg.RetryMax < cfg.RetryMin {
		errs = append(errs, fmt.Errorf("p1: pool: RetryMax %v is less than RetryMin %v", cfg.RetryMax, cfg.RetryMin))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("peer", cfg.Dial.Address)
	p := &Pool{cfg: cfg, dial: cfg.Dial, log: log,
		kick: make(chan struct{}, 1), jdone: make(chan struct{}), changed: make(chan struct{})}
	if p.dial.Logger == nil {
		p.dial.Logger = log
	}
	p.jctx, p.jstop = context.WithCancel(context.Background())
	go p.maintain()
	return p, nil
}

// Get takes an association for sending APDUs of priority prio (higher is
// more urgent; the queue passes the precedence): an idle one if there is
// one, else a new one if under MaxAssociations (Get binds it, and returns
// the bind's error with its type intact: *BindError, *PeerAuthError,
// *osi.RefusedError, *osi.AbortError, a network error), else it waits.
// Waiters are served highest priority first, then in order of arrival;
// ctx ends the wait. After Close it returns ErrPoolClosed.
func (p *Pool) Get(ctx context.Context, prio int) (*Lease, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrPoolClosed
	}
	w := &waiter{prio: prio, ch: make(chan grant, 1)}
	p.enqueue(w)
	p.dispatch()
	p.notify()
	p.mu.Unlock()

	var g grant
	select {
	case g = <-w.ch:
	case <-ctx.Done():
		p.mu.Lock()
		if !w.granted {
			p.remove(w)
			p.dispatch()
			p.notify()
			p.mu.Unlock()
			return nil, ctx.Err()
		}
		p.mu.Unlock()
		if g = <-w.ch; g.l != nil {
			g.l.claim()
			g.l.Release()
		}
		return nil, ctx.Err()
	}
	if g.err != nil {
		return nil, g.err
	}
	l := g.l
	if l.claim(); l.pc != nil {
		return l, nil
	}
	// A slot to open a new association (or the idle one was found dead).
	p.mu.Lock()
	p.dialing++
	p.notify()
	p.mu.Unlock()
	pc, err := p.open(ctx, "on demand")
	p.mu.Lock()
	p.dialing--
	if err == nil {
		l.pc = pc
		p.leased++
	}
	closed := p.closed
	p.notify()
	p.mu.Unlock()
	if err != nil {
		l.Release()
		return nil, err
	}
	if closed {
		l.Release() // releases the association in order
		return nil, ErrPoolClosed
	}
	return l, nil
}

// Transfer sends one MTS-APDU with the pool's association for priority
// prio: Get, Lease.Transfer, Lease.Release.
func (p *Pool) Transfer(ctx context.Context, prio int, apdu []byte) error {
	l, err := p.Get(ctx, prio)
	if err != nil {
		return err
	}
	defer l.Release()
	return l.Transfer(ctx, apdu)
}

// Transfer sends one MTS-APDU (its complete encoding) on the lease's
// association and returns once the peer confirmed it (X.228 §7.3): nil
// means the APDU is the peer's. An error means it was not confirmed: the
// caller keeps it. A refusal by the peer (*osi.TransferRefusedError)
// keeps the association in the lease: the next Transfer may follow. Any
// other failure aborts and discards the association, never reused;
// further Transfer calls on the lease return ErrLeaseDone. On an
// association taken idle from the pool, a failure of the association on
// the first transfer is taken as an association that died while idle: the
// APDU is sent again, once, on a new association (see Pool).
func (l *Lease) Transfer(ctx context.Context, apdu []byte) error {
	if l.done || l.pc == nil {
		return ErrLeaseDone
	}
	p := l.p
	err := l.pc.c.Transfer(ctx, apdu)
	if err == nil {
		l.confirmed()
		return nil
	}
	if refused(err) {
		l.proven = true // the peer answered: the association is alive
		p.refusedOne()
		return fmt.Errorf("p1: transfer to %s: %w", p.cfg.Dial.Address, err)
	}
	stale := l.fromIdle && !l.proven
	l.discard(err)
	if stale && ctx.Err() == nil && associationFailed(err) {
		p.log.Info("p1 pool: idle association found dead, transferring on a new one", "err", err)
		p.mu.Lock()
		p.st.Retries++
		p.dialing++
		p.notify()
		p.mu.Unlock()
		pc, derr := p.open(ctx, "again")
		p.mu.Lock()
		p.dialing--
		if derr == nil {
			l.pc, l.fromIdle = pc, false
			p.leased++
		}
		p.notify()
		p.mu.Unlock()
		if derr != nil {
			p.failed()
			return fmt.Errorf("p1: transfer to %s: idle association dead (%v), new association not opened: %w", p.cfg.Dial.Address, err, derr)
		}
		if err = l.pc.c.Transfer(ctx, apdu); err == nil {
			l.confirmed()
			return nil
		}
		if refused(err) {
			l.proven = true
			p.refusedOne()
			return fmt.Errorf("p1: transfer to %s: %w", p.cfg.Dial.Address, err)
		}
		l.discard(err)
	}
	p.failed()
	return fmt.Errorf("p1: transfer to %s: %w", p.cfg.Dial.Address, err)
}

// confirmed counts a confirmed transfer.
func (l *Lease) confirmed() {
	l.proven = true
	l.p.mu.Lock()
	l.p.st.Transfers++
	l.p.notify()
	l.p.mu.Unlock()
}

// refused reports whether the peer refused the APDU itself (X.228 §7.3:
// an S-U-EXCEPTION-REPORT answered by an activity interrupt or discard):
// the association is still up and stays in the lease.
func refused(err error) bool {
	var re *osi.TransferRefusedError
	return errors.As(err, &re)
}

// refusedOne counts a transfer the peer refused.
func (p *Pool) refusedOne() {
	p.mu.Lock()
	p.st.Failures++
	p.st.Refused++
	p.notify()
	p.mu.Unlock()
}

func (p *Pool) failed() {
	p.mu.Lock()
	p.st.Failures++
	p.notify()
	p.mu.Unlock()
}

// discard aborts the lease's association after a failed transfer (osi
// already aborted it, unless the APDU could not be sent at all) and logs.
func (l *Lease) discard(cause error) {
	p, pc := l.p, l.pc
	l.pc = nil
	l.p.log.Info("p1 pool: association lost", "err", cause)
	// The lease's place stands for the association until it is aborted.
	ctx, cancel := context.WithTimeout(context.Background(), p.releaseTimeout())
	pc.c.Abort(ctx, rtse.LocalSystemProblem)
	cancel()
	p.mu.Lock()
	p.leased--
	p.st.Lost++
	p.notify()
	p.mu.Unlock()
}

// associationFailed reports whether a Transfer error is the association's
// (a peer abort or release, a protocol or network failure, a timeout), as
// opposed to an APDU that could not be sent (not BER, too large, a mode
// without transfer), which a new association would not change.
func associationFailed(err error) bool {
	var ae *osi.AbortError
	var oe *net.OpError
	return errors.As(err, &ae) || errors.As(err, &oe) || errors.Is(err, osi.ErrReleased) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded)
}

// Release gives the association back to the pool (or releases it in order,
// if the pool is closed); a lease whose association was lost frees its
// place. Release is idempotent.
func (l *Lease) Release() {
	if l.done {
		return
	}
	l.done = true
	p := l.p
	p.mu.Lock()
	p.leases--
	if l.low {
		p.low--
	}
	pc := l.pc
	l.pc = nil
	if pc != nil {
		p.leased--
		if p.closed {
			p.closing++
			p.notify()
			p.mu.Unlock()
			p.release(pc)
			p.mu.Lock()
			p.closing--
			p.notify()
			p.mu.Unlock()
			return
		}
		p.putIdle(pc)
	}
	p.dispatch()
	p.notify()
	p.mu.Unlock()
	p.wake()
}

// putIdle puts pc in the idle list; if no waiter takes it at once, it is
// watched (watchIdle). Called with p.mu held.
func (p *Pool) putIdle(pc *pooled) {
	pc.lastUsed = time.Now()
	p.idle = append(p.idle, pc)
	p.dispatch()
	if !slices.Contains(p.idle, pc) {
		return // granted to a waiter
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	pc.stopWatch, pc.watchDone, pc.dead = cancel, done, nil
	go p.watchIdle(ctx, pc, done)
}

// watchIdle watches the idle association pc until ctx ends (unwatch) or
// the association ends: the peer released or aborted it, or its
// connection was lost (osi.Association.WaitIdle). A dead association
// still in the idle list is removed from it (PoolStats.Lost) and the
// maintainer woken, to open a permanent association again; one already
// taken out is left to whoever took it, who finds pc.dead set.
func (p *Pool) watchIdle(ctx context.Context, pc *pooled, done chan struct{}) {
	defer close(done)
	a := pc.c.a
	for {
		err := a.WaitIdle(ctx)
		if err == nil {
			return // unwatched
		}
		if errors.Is(err, osi.ErrTurnRequested) {
			// Two-way alternate: the pool only sends, it keeps the turn.
			pri, _ := a.TurnRequested()
			p.log.Debug("p1 pool: the peer asks for the turn of an idle association; kept", "priority", pri)
			continue
		}
		pc.dead = err
		p.mu.Lock()
		i := slices.Index(p.idle, pc)
		if i < 0 {
			// Taken out meanwhile: its taker waits for us.
			p.mu.Unlock()
			return
		}
		p.idle = slices.Delete(p.idle, i, i+1)
		p.st.Lost++
		if now := time.Now(); now.Sub(pc.opened) < p.cfg.RetryMin {
			// Lost as soon as opened: no dial loop.
			if t := now.Add(p.cfg.RetryMin); t.After(p.retryAt) {
				p.retryAt = t
			}
		}
		p.dispatch()
		p.notify()
		p.mu.Unlock()
		p.wake()
		p.log.Info("p1 pool: idle association lost", "err", err)
		return
	}
}

// unwatch ends the watch of pc, taken out of the idle list by the caller,
// and waits for it: pc may then be used. It returns what the watch found:
// non-nil when the association ended while idle.
func (pc *pooled) unwatch() error {
	if pc.watchDone != nil {
		pc.stopWatch()
		<-pc.watchDone
		pc.stopWatch, pc.watchDone = nil, nil
	}
	return pc.dead
}

// claim ends the watch of the association the lease took from the idle
// list (Get): one the watch found dead is dropped, and the lease is left
// without an association (Get opens a new one).
func (l *Lease) claim() {
	pc := l.pc
	if pc == nil {
		return
	}
	err := pc.unwatch()
	if err == nil {
		return
	}
	p := l.p
	l.pc, l.fromIdle = nil, false
	p.mu.Lock()
	p.leased--
	p.st.Lost++
	p.notify()
	p.mu.Unlock()
	p.log.Info("p1 pool: idle association lost", "err", err)
}

// Close ends the pool: waiting and later Get calls return ErrPoolClosed,
// the maintainer stops (a permanent association it is opening is
// abandoned), idle associations are released in order, and Close waits
// for the leases to come back (each is released in order by its Release)
// or ctx to end. It returns ctx's error if leases were still out.
func (p *Pool) Close(ctx context.Context) error {
	var idle []*pooled
	p.closeO.Do(func() {
		p.mu.Lock()
		p.closed = true
		for _, w := range p.waiters {
			w.granted = true
			w.ch <- grant{err: ErrPoolClosed}
		}
		p.waiters = nil
		idle = p.idle
		p.idle = nil
		p.closing += len(idle)
		p.notify()
		p.mu.Unlock()
		p.jstop()
	})
	var wg sync.WaitGroup
	for _, pc := range idle {
		wg.Go(func() {
			pc.unwatch()
			p.release(pc)
			p.mu.Lock()
			p.closing--
			p.notify()
			p.mu.Unlock()
		})
	}
	wg.Wait()
	select {
	case <-p.jdone:
	case <-ctx.Done():
		return fmt.Errorf("p1: pool to %s: close: %w", p.cfg.Dial.Address, ctx.Err())
	}
	for {
		p.mu.Lock()
		out, busy, ch := p.leases, p.closing, p.changed
		p.mu.Unlock()
		if out == 0 && busy == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("p1: pool to %s: close: %d association(s) still leased: %w", p.cfg.Dial.Address, out, ctx.Err())
		}
	}
}

// Stats returns the pool's gauges and counters.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.st
	s.Idle = len(p.idle)
	s.Open = len(p.idle) + p.leased
	s.InUse = p.leases
	s.Opening = p.opening + p.dialing
	s.Closing = p.closing
	s.Waiting = len(p.waiters)
	s.Closed = p.closed
	return s
}

// total is the associations counted against MaxAssociations: idle, leased
// (or being opened for a lease), opened by the maintainer, being closed.
func (p *Pool) total() int { return len(p.idle) + p.leases + p.opening + p.closing }

// notify wakes whoever waits for a change of state (Close, tests).
func (p *Pool) notify() {
	if n := p.total(); n > p.peak {
		p.peak = n
	}
	close(p.changed)
	p.changed = make(chan struct{})
}

// wake wakes the maintainer.
func (p *Pool) wake() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// enqueue inserts w after the waiters of its priority or higher.
func (p *Pool) enqueue(w *waiter) {
	i := len(p.waiters)
	for i > 0 && p.waiters[i-1].prio < w.prio {
		i--
	}
	p.waiters = append(p.waiters, nil)
	copy(p.waiters[i+1:], p.waiters[i:])
	p.waiters[i] = w
}

func (p *Pool) remove(w *waiter) {
	for i, x := range p.waiters {
		if x == w {
			p.waiters = slices.Delete(p.waiters, i, i+1)
			return
		}
	}
}

// dispatch grants leases to the waiters in order while it can. It stops at
// the first waiter that cannot be served: the ones after it have a lower
// or equal priority and cannot be served either (a low priority is never
// served where a high one is not).
func (p *Pool) dispatch() {
	for len(p.waiters) > 0 {
		w := p.waiters[0]
		l := p.take(w.prio)
		if l == nil {
			return
		}
		p.waiters[0] = nil
		p.waiters = p.waiters[1:]
		w.granted = true
		w.ch <- grant{l: l}
	}
}

// take makes a lease for priority prio if the limits allow: with an idle
// association, or without one (the caller opens it). Nil: wait.
func (p *Pool) take(prio int) *Lease {
	limit, res := p.cfg.MaxAssociations, p.cfg.Reserve
	low := res > 0 && prio < p.cfg.ReservePriority
	keep := 0 // idle associations left to the high priorities
	if low {
		if p.low >= limit-res {
			return nil
		}
		keep = max(0, min(res, p.cfg.Permanent)-(p.leases-p.low))
	}
	l := &Lease{p: p, low: low}
	switch {
	case len(p.idle) > keep:
		n := len(p.idle) - 1
		l.pc, l.fromIdle = p.idle[n], true
		p.idle[n] = nil
		p.idle = p.idle[:n]
		p.leased++
	case p.total() < limit:
	default:
		return nil
	}
	p.leases++
	if low {
		p.low++
	}
	return l
}

// open binds a new association and keeps count of it; how says why, for
// the log.
func (p *Pool) open(ctx context.Context, how string) (*pooled, error) {
	c, _, err := Bind(ctx, &p.dial)
	p.mu.Lock()
	p.st.Dials++
	var logf func()
	switch {
	case err != nil && ctx.Err() != nil:
		// Our context ended (the caller gave up, or Close): not the
		// peer's failure.
		p.st.DialFailures++
		logf = func() {}
	case err != nil:
		p.st.DialFailures++
		logf = p.fail.failed(p.log, err, how)
	default:
		logf = p.fail.ok(p.log)
		if p.backoff > 0 {
			// The peer answers again: the maintainer need not wait.
			p.backoff, p.retryAt = 0, time.Time{}
			defer p.wake()
		}
	}
	p.notify()
	p.mu.Unlock()
	logf()
	if err != nil {
		return nil, err
	}
	return &pooled{c: c, opened: time.Now()}, nil
}

// release releases an association in order (X.227 §7.2 RLRQ/RLRE),
// bounded by the release timeout.
func (p *Pool) release(pc *pooled) {
	ctx, cancel := context.WithTimeout(context.Background(), p.releaseTimeout())
	defer cancel()
	if err := pc.c.Close(ctx); err != nil {
		p.log.Info("p1 pool: association not released in order", "err", err)
	}
}

func (p *Pool) releaseTimeout() time.Duration {
	if d := p.cfg.Dial.Timeouts.Release; d > 0 {
		return d + time.Second
	}
	return 11 * time.Second
}

// maintain is the pool's one goroutine: it opens the permanent
// associations (one at a time, backing off after a failure) and releases
// the associations idle longer than IdleTimeout beyond the permanent ones.
func (p *Pool) maintain() {
	defer close(p.jdone)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return
		}
		now := time.Now()
		var wake time.Time
		var reap []*pooled
		if p.cfg.IdleTimeout > 0 {
			for len(p.idle) > 0 && len(p.idle)+p.leases+p.opening > p.cfg.Permanent {
				if t := p.idle[0].lastUsed.Add(p.cfg.IdleTimeout); t.After(now) {
					wake = t
					break
				}
				reap = append(reap, p.idle[0])
				p.idle[0] = nil
				p.idle = p.idle[1:]
				p.closing++
				p.st.IdleReleased++
			}
		}
		dial := false
		if len(p.idle)+p.leases+p.opening < p.cfg.Permanent && p.total() < p.cfg.MaxAssociations {
			if now.Before(p.retryAt) {
				if wake.IsZero() || p.retryAt.Before(wake) {
					wake = p.retryAt
				}
			} else {
				dial = true
				p.opening++
			}
		}
		if len(reap) > 0 || dial {
			p.notify()
		}
		p.mu.Unlock()

		for _, pc := range reap {
			p.log.Debug("p1 pool: releasing an idle association")
			pc.unwatch()
			p.release(pc) // a no-op if it died meanwhile
			p.mu.Lock()
			p.closing--
			p.dispatch()
			p.notify()
			p.mu.Unlock()
		}
		if dial {
			p.openPermanent()
			continue
		}
		if len(reap) > 0 {
			continue
		}
		if !wake.IsZero() {
			timer.Reset(time.Until(wake))
		}
		select {
		case <-p.kick:
		case <-timer.C:
		case <-p.jctx.Done():
		}
		timer.Stop()
	}
}

// openPermanent opens one permanent association for the maintainer.
func (p *Pool) openPermanent() {
	pc, err := p.open(p.jctx, "permanent")
	p.mu.Lock()
	p.opening--
	if err != nil {
		if p.backoff == 0 {
			p.backoff = p.cfg.RetryMin
		} else {
			p.backoff = min(2*p.backoff, p.cfg.RetryMax)
		}
		p.retryAt = time.Now().Add(p.backoff)
		p.dispatch()
		p.notify()
		p.mu.Unlock()
		return
	}
	p.backoff, p.retryAt = 0, time.Time{}
	if p.closed {
		p.closing++
		p.notify()
		p.mu.Unlock()
		p.release(pc)
		p.mu.Lock()
		p.closing--
		p.notify()
		p.mu.Unlock()
		return
	}
	p.putIdle(pc)
	p.notify()
	p.mu.Unlock()
}

// failState logs dial failures once per change: the first failure, and a
// failure of another kind; then the recovery.
type failState struct {
	key string // kind of the last failure ("": none since the last success)
	n   int    // failures since the last success
}

// failed counts a failure and returns the logging to do once unlocked.
func (f *failState) failed(log *slog.Logger, err error, how string) func() {
	f.n++
	k := failureKey(err)
	if k == f.key {
		n := f.n
		return func() { log.Debug("p1 pool: association not opened", "how", how, "failures", n, "err", err) }
	}
	f.key = k
	return func() { log.Warn("p1 pool: association not opened", "how", how, "err", err) }
}

// ok resets the failures and returns the logging to do once unlocked.
func (f *failState) ok(log *slog.Logger) func() {
	n := f.n
	f.key, f.n = "", 0
	if n == 0 {
		return func() {}
	}
	return func() { log.Info("p1 pool: association opened again", "after_failures", n) }
}

// failureKey is the kind of a dial failure: the same kind is logged once.
func failureKey(err error) string {
	var be *BindError
	var pa *PeerAuthError
	var re *osi.RefusedError
	var ae *osi.AbortError
	var errno syscall.Errno
	switch {
	case errors.As(err, &be):
		return "bind-error " + be.Reason.String()
	case errors.As(err, &pa):
		return "peer-auth " + pa.Msg
	case errors.As(err, &re):
		return fmt.Sprintf("refused %s %d", re.Layer, re.Reason)
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &ae):
		return fmt.Sprintf("abort %s %v", ae.Layer, ae.Peer)
	case errors.As(err, &errno):
		return "errno " + errno.Error()
	}
	return err.Error()
}
