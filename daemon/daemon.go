// Package daemon is the mixerd gateway itself: it wires the policy (package
// policy), the durable spool (package queue), the P1 listener and pools
// (package p1), the SMTP listener and client (package smtp) and the RFC 2156
// conversion (package mixer) into the flow of ARCHITECTURE.md: a message
// arrives by P1 (X.411 §12.2) or SMTP (RFC 5321), is routed per recipient,
// written durably to the spool before its sender is told it was accepted,
// and is sent on by precedence (STANAG 4406 Annex A) by the delivery workers,
// converted when it crosses worlds (RFC 2156, RFC 6477, RFC 6710).
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mixerd/admin"
	"mixerd/audit"
	"net"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"mixerd/mixer"
	"mixerd/osi"
	"mixerd/p1"
	"mixerd/policy"
	"mixerd/queue"
	"mixerd/smtp"
	"mixerd/x400"
)

// Daemon is one running gateway. New opens the spool and binds the
// listeners; Run serves until its context ends.
type Daemon struct {
	log *slog.Logger
	q   *queue.Queue
	// audit is the audit log (audit.go), index the correlation index of
	// the departures it records.
	audit *audit.Log
	index *audit.Index

	// st is the routing state for new work (policy, mixer gateway, P1
	// pools); Reload swaps it.
	st atomic.Pointer[state]
	// first is the policy the listeners were opened with: their addresses
	// and settings change only at a restart.
	first *policy.Policy

	p1ls   []*osi.Listener
	p1cfgs []*p1.ServerConfig
	smtpls []net.Listener
	smtps  []*smtp.Server
	// adminl is the admin interface's listener (nil without one).
	adminl net.Listener

	acks acks

	mu      sync.Mutex // guards retired
	retired []*p1.Pool // pools replaced by a reload, closed at the end
	ran     atomic.Bool
	// reportLogged, when set (tests), gets a send when reports due were
	// built (or marked dead).
	reportLogged chan struct{}
}

// state is what a reload replaces atomically.
type state struct {
	pol   *policy.Policy
	gw    *mixer.Gateway
	pools map[string]*p1.Pool // by peer name
	peers map[string]policy.Peer
	smtpc map[string]*smtp.Client // by relay name, and "mx"
	// routes caches routeSMTP's answers for this state.
	routes routeCache
}

// New opens the spool of p and binds its listeners (an address with port 0
// gets a free port: see P1Addr and SMTPAddr). Nothing is served before Run.
func New(p *policy.Policy, logger *slog.Logger) (*Daemon, error) {
	if logger == nil {
		logger = slog.Default()
	}
	d := &Daemon{log: logger, first: p}
	d.acks.m = map[string]*ackWait{}
	st, err := d.newState(p, nil)
	if err != nil {
		return nil, err
	}
	if err := d.openAudit(p); err != nil {
		st.closePools(context.Background())
		return nil, err
	}
	lanes := map[x400.Precedence]queue.LaneConfig{}
	reservedFlash := 0
	reservedImm := 0
	for i := range p.Precedence.Lanes {
		l := &p.Precedence.Lanes[i]
		lanes[x400.Precedence(i)] = queue.LaneConfig{Retry: l.Retry, MaxAge: l.MaxAge}
		switch x400.Precedence(i) {
		case x400.PrecedenceOverride, x400.PrecedenceFlash:
			reservedFlash += l.Workers
		case x400.PrecedenceImmediate:
			reservedImm += l.Workers
		}
	}
	workers := max(p.Queue.Workers, reservedFlash+reservedImm+1)
	maxMsg := p.Limits.PDUSize
	if maxMsg < p.Limits.MessageSize {
		maxMsg = p.Limits.MessageSize
	}
	lost := &lostSides{last: d.audit.LastSeq()}
	q, err := queue.Open(queue.Config{
		OnSide: lost.add,
		// A segment that Open removes may hold the only copy of records
		// the log lost: they are written again first.
		BeforeRemove: func() error {
			if err := d.recoverSides(lost); err != nil {
				return err
			}
			return d.audit.Sync()
		},
		Dir: p.Queue.Directory, Logger: logger.With("area", "queue"), Lanes: lanes,
		MaxMessageBytes: int(maxMsg), MaxLeases: workers,
		ReservedFlash: reservedFlash, ReservedImmediate: reservedImm,
	})
	if err != nil {
		st.closePools(context.Background())
		d.audit.Close()
		return nil, fmt.Errorf("spool: %w", err)
	}
	d.q = q
	d.st.Store(st)
	if err := d.recoverSides(lost); err != nil {
		d.closeAll(context.Background())
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if r := q.Recovery(); r.Messages > 0 || len(r.Bad) > 0 {
		logger.Info("spool recovered", "messages", r.Messages, "bad", len(r.Bad), "torn", r.TornJournals)
	}
	if err := d.listen(p); err != nil {
		d.closeAll(context.Background())
		return nil, err
	}
	return d, nil
}

// listen binds every listener of p.
func (d *Daemon) listen(p *policy.Policy) error {
	for i := range p.P1Listeners {
		l := &p.P1Listeners[i]
		cfg := p.P1ServerConfig(l, d.log.With("listener", l.Name))
		ln, err := p1.Listen(l.Address, cfg)
		if err != nil {
			return fmt.Errorf("p1_listener %q: %w", l.Name, err)
		}
		d.p1ls = append(d.p1ls, ln)
		d.p1cfgs = append(d.p1cfgs, cfg)
		d.log.Info("P1 listener", "name", l.Name, "addr", ln.Addr().String())
	}
	for i := range p.SMTPListeners {
		l := &p.SMTPListeners[i]
		ln, err := net.Listen("tcp", l.Address)
		if err != nil {
			return fmt.Errorf("smtp_listener %q: %w", l.Name, err)
		}
		d.smtpls = append(d.smtpls, ln)
		srv, err := smtp.NewServer(d.smtpConfig(p, l))
		if err != nil {
			return fmt.Errorf("smtp_listener %q: %w", l.Name, err)
		}
		d.smtps = append(d.smtps, srv)
		d.log.Info("SMTP listener", "name", l.Name, "addr", ln.Addr().String())
	}
	if p.Admin != nil {
		// Loopback, or any address with a bearer token: the policy
		// refuses anything else (policy.Load).
		ln, err := net.Listen("tcp", p.Admin.Address)
		if err != nil {
			return fmt.Errorf("admin_listener: %w", err)
		}
		d.adminl = ln
		d.log.Info("admin listener", "addr", ln.Addr().String())
	}
	return nil
}

// AdminAddr is the admin interface's bound address (nil without one).
func (d *Daemon) AdminAddr() net.Addr {
	if d.adminl == nil {
		return nil
	}
	return d.adminl.Addr()
}

// smtpConfig is the smtp.Config of listener l.
func (d *Daemon) smtpConfig(p *policy.Policy, l *policy.SMTPListener) smtp.Config {
	cfg := smtp.Config{
		Hostname:         p.Gateway.SMTPHostname,
		Trusted:          l.TrustedNetworks,
		Accept:           d.acceptRcpt,
		CheckRecipient:   d.checkRcpt,
		Sink:             &smtpSink{d: d, listener: l.Name, delay: l.DelayedAckMax},
		MTPriorityPolicy: string(p.Precedence.MTPriority),
		MaxMessageBytes:  p.Limits.MessageSize,
		MaxLineLength:    p.Limits.LineLength,
		MaxConnections:   l.MaxConnections,
		MaxAckDelay:      l.DelayedAckMax,
		Logger:           d.log.With("listener", l.Name),
	}
	if l.Certificate != nil && l.StartTLS != policy.StartTLSOff {
		cfg.TLS = tlsConfig(l)
		cfg.RequireTLS = l.StartTLS == policy.StartTLSRequired
	}
	if l.Submission {
		cfg.RequireAuth = true
		users := p.SMTPUsers
		unknown := policy.UnknownUser(users)
		cfg.Authenticate = func(_ context.Context, _, user, pass string) error {
			want, ok := users[user]
			if !ok {
				if unknown != "" {
					policy.CheckPassword(unknown, pass) // as long as a known user's refusal
				}
				return errors.New("bad credentials")
			}
			if policy.CheckPassword(want, pass) {
				return nil
			}
			return errors.New("bad credentials")
		}
	}
	return cfg
}

// newState builds the routing state of p, reusing the pools of old whose
// peer is unchanged.
func (d *Daemon) newState(p *policy.Policy, old *state) (*state, error) {
	gw, err := p.MixerGateway()
	if err != nil {
		return nil, fmt.Errorf("mixer gateway: %w", err)
	}
	st := &state{pol: p, gw: gw, pools: map[string]*p1.Pool{}, peers: map[string]policy.Peer{}, smtpc: map[string]*smtp.Client{}}
	for _, pe := range p.Peers {
		if old != nil {
			if op, ok := old.pools[pe.Name]; ok && reflect.DeepEqual(old.peers[pe.Name], *pe) &&
				old.pol.Gateway.MTAName == p.Gateway.MTAName && old.pol.Gateway.Password == p.Gateway.Password {
				st.pools[pe.Name], st.peers[pe.Name] = op, *pe
				continue
			}
		}
		pool, err := p1.NewPool(p.P1PoolConfig(pe, d.log.With("peer", pe.Name)))
		if err != nil {
			st.closeNew(old)
			return nil, fmt.Errorf("x400_peer %q: %w", pe.Name, err)
		}
		st.pools[pe.Name], st.peers[pe.Name] = pool, *pe
	}
	for _, r := range p.Relays {
		mode := smtp.TLSOpportunistic
		switch r.StartTLS {
		case policy.ClientTLSRequired:
			mode = smtp.TLSRequired
		case policy.ClientTLSOff:
			mode = smtp.TLSOff
		}
		// As many kept connections as workers may use at once.
		st.smtpc[r.Name] = &smtp.Client{Hostname: p.Gateway.SMTPHostname, StartTLS: mode,
			AuthUsername: r.Username, AuthPassword: r.Password, MaxIdlePerHop: max(p.Queue.Workers, 1),
			Logger: d.log.With("relay", r.Name)}
	}
	st.smtpc["mx"] = &smtp.Client{Hostname: p.Gateway.SMTPHostname, Logger: d.log.With("relay", "mx")}
	return st, nil
}

// closeNew closes the pools of st that old does not share (a failed build).
func (st *state) closeNew(old *state) {
	for name, pool := range st.pools {
		if old != nil && old.pools[name] == pool {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		pool.Close(ctx)
		cancel()
	}
}

func (st *state) closePools(ctx context.Context) {
	for _, pool := range st.pools {
		pool.Close(ctx)
	}
	st.closeClients()
}

// closeClients QUITs the SMTP connections the clients keep for reuse.
func (st *state) closeClients() {
	for _, c := range st.smtpc {
		c.Close()
	}
}

// Reload makes p the policy of new work: routes, mapping tables and the
// mixer gateway, peers and relays (SIGHUP). Work in progress finishes with
// the old state; pools of peers that changed or went are closed once their
// leases come back. Listener changes need a restart: they are logged.
// The caller keeps the old policy when policy.Load fails.
func (d *Daemon) Reload(p *policy.Policy) error {
	old := d.st.Load()
	st, err := d.newState(p, old)
	if err != nil {
		d.log.Error("reload refused, the running policy stays", "err", err)
		return err
	}
	d.st.Store(st)
	// The old relays' kept SMTP connections: work still using them ends
	// with QUIT (smtp.Client.Close).
	go old.closeClients()
	for name, pool := range old.pools {
		if st.pools[name] != pool {
			d.mu.Lock()
			d.retired = append(d.retired, pool)
			d.mu.Unlock()
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
				defer cancel()
				pool.Close(ctx)
			}()
		}
	}
	if !reflect.DeepEqual(listenerKeys(d.first), listenerKeys(p)) {
		d.log.Warn("listener, smtp_user and admin_listener changes take effect only at a restart", "policy", p.File)
	}
	d.log.Info("policy reloaded", "summary", p.Summary())
	return nil
}

// listenerKeys is what of the listeners a reload cannot change.
func listenerKeys(p *policy.Policy) []string {
	var ks []string
	for _, l := range p.P1Listeners {
		ks = append(ks, fmt.Sprintf("p1 %s %s %v %v %v %v %d %v", l.Name, l.Address, l.Modes, l.DialogueModes,
			l.RecoveryTimeout, l.IdleTimeout, l.MaxAssociations, l.AcceptAny))
	}
	for _, l := range p.SMTPListeners {
		ks = append(ks, fmt.Sprintf("smtp %s %s %s %s %v %v %v %v %d", l.Name, l.Address, l.TLSCert, l.TLSKey,
			l.StartTLS, l.Submission, l.TrustedNetworks, l.DelayedAckMax, l.MaxConnections))
	}
	// The SMTP listeners check AUTH against the users they started with,
	// and the admin interface keeps its address and token.
	users := make([]string, 0, len(p.SMTPUsers))
	for u, pw := range p.SMTPUsers {
		users = append(users, u+"\x00"+pw)
	}
	sort.Strings(users)
	ks = append(ks, "smtp_user "+strings.Join(users, "\x01"))
	if a := p.Admin; a != nil {
		ks = append(ks, "admin "+a.Address+" "+a.Token)
	}
	return ks
}

// P1Addr is the address P1 listener name is bound to (nil if none).
func (d *Daemon) P1Addr(name string) net.Addr {
	for i, l := range d.first.P1Listeners {
		if l.Name == name {
			return d.p1ls[i].Addr()
		}
	}
	return nil
}

// SMTPAddr is the address SMTP listener name is bound to (nil if none).
func (d *Daemon) SMTPAddr(name string) net.Addr {
	for i, l := range d.first.SMTPListeners {
		if l.Name == name {
			return d.smtpls[i].Addr()
		}
	}
	return nil
}

// Queue is the daemon's spool, for operators' tools and tests.
func (d *Daemon) Queue() *queue.Queue { return d.q }

// ShutdownGrace is how long Run lets transfers under way finish once it
// is told to stop; past it they are abandoned (pending again at the next
// start, and maybe sent twice: the receiving MTA's duplicate detection
// absorbs that).
var ShutdownGrace = 10 * time.Second

// Run serves the listeners and runs the delivery workers until ctx is
// done, then shuts down cleanly: listeners closed, leases in flight
// abandoned (pending again at the next start), pools closed, spool closed.
// Run may be called once.
func (d *Daemon) Run(ctx context.Context) error {
	if !d.ran.CompareAndSwap(false, true) {
		return errors.New("daemon: Run called twice")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Deliveries under way at shutdown get ShutdownGrace to finish.
	dctx, dcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer dcancel()
	var wg sync.WaitGroup
	errc := make(chan error, len(d.p1ls)+len(d.smtpls))
	for i, ln := range d.p1ls {
		wg.Go(func() {
			err := p1.Serve(ctx, ln, d.p1cfgs[i], &p1Sink{d: d})
			if ctx.Err() == nil {
				errc <- fmt.Errorf("P1 listener %s: %w", ln.Addr(), err)
				cancel()
			}
		})
	}
	for i, ln := range d.smtpls {
		wg.Go(func() {
			err := d.smtps[i].Serve(ln)
			if ctx.Err() == nil {
				errc <- fmt.Errorf("SMTP listener %s: %w", ln.Addr(), err)
				cancel()
			}
		})
	}
	p := d.first
	general := p.Queue.Workers
	for i := range p.Precedence.Lanes {
		pr := x400.Precedence(i)
		n := p.Precedence.Lanes[i].Workers
		if pr < x400.PrecedenceImmediate || n == 0 {
			continue
		}
		general -= n
		min := x400.PrecedenceFlash
		if pr == x400.PrecedenceImmediate {
			min = x400.PrecedenceImmediate
		}
		for range n {
			wg.Go(func() { d.worker(ctx, dctx, min) })
		}
	}
	for range max(general, 1) {
		wg.Go(func() { d.worker(ctx, dctx, x400.PrecedenceDeferred) })
	}
	wg.Go(func() { d.reportsLoop(ctx) })
	wg.Go(func() { d.pruneLoop(ctx) })
	wg.Go(func() { d.syncLoop(ctx) })
	if d.adminl != nil {
		h := admin.New(admin.Config{Queue: d.q, Token: d.first.Admin.Token, Logger: d.log.With("component", "admin"),
			Health: d.health})
		wg.Go(func() {
			if err := admin.Serve(ctx, d.adminl, h, d.log.With("component", "admin")); err != nil && ctx.Err() == nil {
				d.log.Error("admin interface stopped", "err", err)
			}
		})
	}
	d.log.Info("mixerd running", "policy", p.Summary())

	<-ctx.Done()
	for _, ln := range d.p1ls {
		ln.Close()
	}
	for _, s := range d.smtps {
		s.Close()
	}
	grace := time.AfterFunc(ShutdownGrace, func() {
		d.log.Warn("shutdown grace period over: transfers still under way are abandoned", "grace", ShutdownGrace)
		dcancel()
	})
	wg.Wait()
	grace.Stop()
	d.closeAll(context.Background())
	d.log.Info("mixerd stopped")
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// closeAll closes pools, listeners and the spool.
func (d *Daemon) closeAll(ctx context.Context) {
	for _, ln := range d.p1ls {
		ln.Close()
	}
	if d.adminl != nil {
		d.adminl.Close()
	}
	for _, ln := range d.smtpls {
		ln.Close()
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if st := d.st.Load(); st != nil {
		st.closePools(cctx)
	}
	d.mu.Lock()
	retired := d.retired
	d.mu.Unlock()
	for _, pool := range retired {
		pool.Close(cctx)
	}
	if d.q != nil {
		d.q.Close()
	}
	if d.audit != nil {
		d.audit.Close()
	}
}

// health is the admin interface's /health: the spool and the audit log
// must take writes (after a failed fdatasync they refuse them until the
// daemon is restarted).
func (d *Daemon) health(context.Context) error {
	if err := d.q.Err(); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := d.audit.Err(); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}
