package smtp

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"time"
)

// Defaults of Client's connection reuse. IdleTimeout and MaxAge are
// Postfix's smtp_connection_cache_time_limit (2s) and
// smtp_connection_reuse_time_limit (300s). Postfix's
// smtp_connection_reuse_count_limit is 0 (no limit); MaxReuse bounds it
// at 100 so that a next hop's per-connection resources are renewed.
const (
	DefaultMaxIdlePerHop = 4
	DefaultIdleTimeout   = 2 * time.Second
	DefaultMaxReuse      = 100
	DefaultMaxAge        = 300 * time.Second
)

// idleQuitTimeout bounds the wait for the reply to the QUIT that closes
// an idle connection (a next hop that does not answer is not waited for).
const idleQuitTimeout = 5 * time.Second

// clientSession is one open SMTP connection past greeting, EHLO, STARTTLS
// and AUTH: what a later transaction needs to start with MAIL.
type clientSession struct {
	hop  string
	cv   *conversation
	raw  net.Conn // the TCP connection under cv's (perhaps TLS) one
	tls  bool
	auth string // the SASL mechanism used, "" when none
	// cfg is the Client's settings that shaped the session (EHLO name,
	// STARTTLS, credentials): a session opened under others is not reused.
	cfg  sessionConfig
	born time.Time
	uses int       // transactions begun on it
	idle time.Time // when it went into the pool
}

// sessionConfig is what of a Client shapes a session before MAIL.
type sessionConfig struct {
	hostname, user, pass string
	mode                 TLSMode
	tls                  *tls.Config
	insecureAuth         bool
}

func (c *Client) sessionConfig() sessionConfig {
	return sessionConfig{c.hostname(), c.AuthUsername, c.AuthPassword, c.StartTLS, c.TLS, c.AllowInsecureAuth}
}

// close ends s: QUIT (RFC 5321 §4.1.1.10) when it is in step, then the
// connection.
func (s *clientSession) close(quit bool, d time.Duration) {
	if quit && !s.cv.broken {
		s.cv.quit(d)
	}
	s.raw.Close()
}

// pool is a Client's idle sessions by next hop, the most recently used
// last (taken first: the others age out).
type pool struct {
	c     *Client
	now   func() time.Time
	mu    sync.Mutex
	idle  map[string][]*clientSession
	timer *time.Timer // the next sweep; nil when none is due
	when  time.Time   // when the timer fires
	// closed: Close was called; sessions are no longer kept.
	closed bool
	sweeps sync.WaitGroup // sweeps under way, awaited by Close
}

func (c *Client) connPool() *pool {
	c.poolOnce.Do(func() {
		now := c.now
		if now == nil {
			now = time.Now
		}
		c.pool = &pool{c: c, now: now, idle: map[string][]*clientSession{}}
	})
	return c.pool
}

func (c *Client) maxIdle() int {
	if c.MaxIdlePerHop == 0 {
		return DefaultMaxIdlePerHop
	}
	return c.MaxIdlePerHop
}

func (c *Client) idleTimeout() time.Duration {
	if c.IdleTimeout > 0 {
		return c.IdleTimeout
	}
	return DefaultIdleTimeout
}

func (c *Client) maxReuse() int {
	if c.MaxReuse > 0 {
		return c.MaxReuse
	}
	return DefaultMaxReuse
}

func (c *Client) maxAge() time.Duration {
	if c.MaxAge > 0 {
		return c.MaxAge
	}
	return DefaultMaxAge
}

// expired says whether s, idle, is to be closed at now.
func (p *pool) expired(s *clientSession, now time.Time) bool {
	return now.Sub(s.idle) >= p.c.idleTimeout() || now.Sub(s.born) >= p.c.maxAge()
}

// take returns an idle session to hop for the caller alone, or nil.
// Expired sessions met on the way are closed (lazily, should the sweep
// be late).
func (p *pool) take(hop string) *clientSession {
	if p.c.maxIdle() < 0 {
		return nil
	}
	var stale []*clientSession
	defer func() {
		for _, s := range stale {
			s.close(true, idleQuitTimeout)
		}
	}()
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	l := p.idle[hop]
	for len(l) > 0 {
		s := l[len(l)-1]
		l = l[:len(l)-1]
		if p.expired(s, now) || s.cfg != p.c.sessionConfig() {
			stale = append(stale, s)
			continue
		}
		p.set(hop, l)
		return s
	}
	p.set(hop, l)
	return nil
}

func (p *pool) set(hop string, l []*clientSession) {
	if len(l) == 0 {
		delete(p.idle, hop)
	} else {
		p.idle[hop] = l
	}
}

// release keeps s for reuse when inStep and the Client's limits allow,
// else closes it (with QUIT when it is in step).
func (p *pool) release(s *clientSession, inStep bool) {
	now := p.now()
	keep := inStep && p.c.maxIdle() > 0 && s.uses < p.c.maxReuse() && now.Sub(s.born) < p.c.maxAge()
	if keep {
		p.mu.Lock()
		if !p.closed && len(p.idle[s.hop]) < p.c.maxIdle() {
			s.idle = now
			s.cv.ctx = context.Background() // no attempt's context while idle
			p.idle[s.hop] = append(p.idle[s.hop], s)
			p.arm(now.Add(p.c.idleTimeout()))
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
	s.close(true, idleQuitTimeout)
}

// arm makes sure a sweep runs by t (p.mu held).
func (p *pool) arm(t time.Time) {
	if p.closed || (p.timer != nil && !p.when.After(t)) {
		return
	}
	if p.timer != nil {
		p.timer.Stop()
	}
	p.when = t
	p.timer = time.AfterFunc(max(t.Sub(p.now()), 0), p.sweep)
}

// sweep closes the expired idle sessions and arms the timer for the
// next expiry.
func (p *pool) sweep() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.sweeps.Add(1)
	defer p.sweeps.Done()
	p.timer = nil
	now := p.now()
	var stale []*clientSession
	var next time.Time
	for hop, l := range p.idle {
		keep := l[:0]
		for _, s := range l {
			if p.expired(s, now) {
				stale = append(stale, s)
				continue
			}
			keep = append(keep, s)
			e := s.idle.Add(p.c.idleTimeout())
			if a := s.born.Add(p.c.maxAge()); a.Before(e) {
				e = a
			}
			if next.IsZero() || e.Before(next) {
				next = e
			}
		}
		clear(l[len(keep):])
		p.set(hop, keep)
	}
	if !next.IsZero() {
		p.arm(next)
	}
	p.mu.Unlock()
	closeAll(stale)
}

// closeAll QUITs and closes sessions, in parallel, within idleQuitTimeout.
func closeAll(ss []*clientSession) {
	var wg sync.WaitGroup
	for _, s := range ss {
		wg.Go(func() { s.close(true, idleQuitTimeout) })
	}
	wg.Wait()
}

// Close QUITs and closes the idle connections (RFC 5321 §4.1.1.10),
// waiting at most a few seconds for their replies, and stops keeping
// connections: a Deliver under way or after Close ends its connection
// with QUIT. Call it when the Client is no longer used (shutdown, a new
// configuration); it leaves no goroutine behind.
func (c *Client) Close() error {
	p := c.connPool()
	p.mu.Lock()
	p.closed = true
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	var all []*clientSession
	for hop, l := range p.idle {
		all = append(all, l...)
		delete(p.idle, hop)
	}
	p.mu.Unlock()
	closeAll(all)
	p.sweeps.Wait()
	return nil
}

// idleCount is the number of idle sessions (for tests).
func (p *pool) idleCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.idle {
		n += len(l)
	}
	return n
}
