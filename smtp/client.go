package smtp

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"mixerd/mixer"
)

// Stage is where in an SMTP transaction a result was decided.
type Stage string

// The stages of Client.Deliver.
const (
	StageConnect  Stage = "connect"
	StageGreeting Stage = "greeting"
	StageEHLO     Stage = "ehlo" // EHLO and STARTTLS
	StageAuth     Stage = "auth" // AUTH, RFC 4954
	StageMail     Stage = "mail"
	StageRcpt     Stage = "rcpt"
	StageData     Stage = "data"
)

// RecipientResult is what became of one recipient in one attempt.
type RecipientResult struct {
	Address string
	// Accepted: the next hop took responsibility (250 to DATA).
	Accepted bool
	// Relayed: accepted by a next hop that does not offer DSN while the
	// originator asked for NOTIFY=SUCCESS; the caller reports "relayed"
	// (RFC 3461 §4.1, §5.2.2).
	Relayed bool
	// Stage, Code, Status and Text are the reply that decided (Code 0
	// when there was none: a network error or timeout, described in Text).
	Stage  Stage
	Code   int
	Status string
	Text   string
	// Temporary is a 4xx reply or a network failure: retry later.
	Temporary bool
}

// Result is one delivery attempt.
type Result struct {
	NextHop    string // host:port that answered (or was last tried)
	TLS        bool
	Auth       string // the SASL mechanism used ("" when none)
	DSN        bool   // the next hop offered DSN
	MTPriority bool   // the next hop offered MT-PRIORITY (else the header was added)
	// Reused: the transaction ran on a connection kept from an earlier
	// one (RFC 5321 §3.3), without a new greeting, EHLO, STARTTLS, AUTH.
	Reused     bool
	Recipients []RecipientResult
}

// Timeouts are RFC 5321 §4.5.3.2's; zero fields take its values.
type Timeouts struct {
	Connect   time.Duration // default 2 min
	Greeting  time.Duration // §4.5.3.2.1: 5 min
	Mail      time.Duration // §4.5.3.2.2: 5 min (also EHLO, STARTTLS)
	Rcpt      time.Duration // §4.5.3.2.3: 5 min
	DataInit  time.Duration // §4.5.3.2.4: 2 min
	DataBlock time.Duration // §4.5.3.2.5: 3 min per write
	DataTerm  time.Duration // §4.5.3.2.6: 10 min
}

func (t Timeouts) or(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// TLSMode is a Client's use of STARTTLS (RFC 3207).
type TLSMode uint8

// The STARTTLS modes of a Client.
const (
	// TLSOpportunistic (the zero value) takes STARTTLS when the next hop
	// offers it, without verifying its certificate (RFC 7435), and goes
	// on in clear when it is not offered or refused; when the handshake
	// fails, the hop is tried once more, in clear, on a new connection.
	TLSOpportunistic TLSMode = iota
	// TLSRequired fails the attempt, temporarily, unless STARTTLS is
	// offered, accepted and the handshake succeeds with the certificate
	// verified as Client.TLS says.
	TLSRequired
	// TLSOff never sends STARTTLS, even when offered.
	TLSOff
)

func (m TLSMode) String() string {
	switch m {
	case TLSOpportunistic:
		return "opportunistic"
	case TLSRequired:
		return "required"
	case TLSOff:
		return "off"
	}
	return "TLSMode(" + strconv.Itoa(int(m)) + ")"
}

// Client sends queued messages to next hops.
type Client struct {
	// Hostname is the EHLO name.
	Hostname string
	// StartTLS is the use of STARTTLS; see TLSMode.
	StartTLS TLSMode
	// TLS is the STARTTLS configuration (ServerName is set per hop when
	// empty; TLSOpportunistic does not verify the certificate); nil
	// takes a default one.
	TLS *tls.Config
	// AuthUsername and AuthPassword, when AuthUsername is not "", are
	// sent with AUTH (RFC 4954) after STARTTLS, with PLAIN (RFC 4616)
	// or else LOGIN, whichever the next hop offers. Without TLS they are
	// never sent unless AllowInsecureAuth: the attempt fails temporarily
	// at StageAuth, as it does when the next hop offers neither
	// mechanism. A 535 to AUTH fails every recipient permanently, a 454
	// temporarily. Under TLSOpportunistic the next hop's certificate is
	// not verified: credentials worth protecting want TLSRequired.
	AuthUsername      string
	AuthPassword      string
	AllowInsecureAuth bool
	Timeouts          Timeouts
	// LookupMX is used when Deliver gets no next hop; nil: net.DefaultResolver.
	LookupMX func(ctx context.Context, domain string) ([]*net.MX, error)
	// Port for MX hosts; default "25".
	Port   string
	Logger *slog.Logger

	// Connection reuse, like Postfix's connection cache: after a
	// transaction that ended in step (250 to the end of DATA, or to RSET
	// after a failed one) the connection is kept idle for the next
	// Deliver to the same next hop, which begins with MAIL (RFC 5321
	// §3.3). A connection that failed, timed out or got 421 is closed.
	//
	// MaxIdlePerHop bounds the idle connections kept per next hop:
	// 0 takes DefaultMaxIdlePerHop, a negative value turns reuse off
	// (every Deliver then ends with QUIT).
	MaxIdlePerHop int
	// IdleTimeout closes (QUIT) a connection idle that long; 0 takes
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxReuse is the number of transactions after which a connection
	// is closed; 0 takes DefaultMaxReuse.
	MaxReuse int
	// MaxAge is the time after its opening beyond which a connection is
	// not reused; 0 takes DefaultMaxAge.
	MaxAge time.Duration

	poolOnce sync.Once
	pool     *pool
	// dial and now replace net.Dialer and time.Now in tests.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	now  func() time.Time
}

// maxReplyBytes bounds one reply from a next hop.
const maxReplyBytes = 64 << 10

// Deliver sends msg (the message with CRLF line ends) with env to
// nextHop ("host:port"), or, when nextHop is "", to the MX hosts of the
// first recipient's domain in preference order. It returns a result for
// every recipient of env; err is set only when no result could be
// given (a bad argument).
func (c *Client) Deliver(ctx context.Context, nextHop string, env *mixer.SMTPEnvelope, msg []byte) (*Result, error) {
	if len(env.Recipients) == 0 {
		return nil, errors.New("smtp: no recipients")
	}
	hops := []string{nextHop}
	if nextHop == "" {
		var err error
		hops, err = c.mxHosts(ctx, domainOf(env.Recipients[0].Address))
		if err != nil {
			return failAll(&Result{}, env, StageConnect, 0, "", "MX lookup: "+err.Error(), true), nil
		}
	}
	var res *Result
	for _, h := range hops {
		var again bool
		res, again = c.attempt(ctx, h, env, msg, false)
		if again {
			res, _ = c.attempt(ctx, h, env, msg, true)
		}
		if len(res.Recipients) > 0 && res.Recipients[0].Stage != StageConnect {
			break // a host answered: its word is final for this attempt
		}
	}
	return res, nil
}

func (c *Client) mxHosts(ctx context.Context, domain string) ([]string, error) {
	if domain == "" {
		return nil, errors.New("recipient has no domain")
	}
	lookup := c.LookupMX
	if lookup == nil {
		lookup = net.DefaultResolver.LookupMX
	}
	port := c.Port
	if port == "" {
		port = "25"
	}
	mxs, err := lookup(ctx, domain)
	var dnsErr *net.DNSError
	if err != nil && !(errors.As(err, &dnsErr) && dnsErr.IsNotFound) {
		return nil, err
	}
	if len(mxs) == 0 { // RFC 5321 §5.1: the implicit MX
		return []string{net.JoinHostPort(domain, port)}, nil
	}
	sort.SliceStable(mxs, func(i, j int) bool { return mxs[i].Pref < mxs[j].Pref })
	var out []string
	for _, mx := range mxs {
		h := strings.TrimSuffix(mx.Host, ".")
		if h == "" { // RFC 7505 null MX
			return nil, errors.New("domain accepts no mail (null MX)")
		}
		out = append(out, net.JoinHostPort(h, port))
	}
	return out, nil
}

func failAll(res *Result, env *mixer.SMTPEnvelope, st Stage, code int, status, text string, temp bool) *Result {
	res.Recipients = res.Recipients[:0]
	for _, r := range env.Recipients {
		res.Recipients = append(res.Recipients, RecipientResult{Address: r.Address, Stage: st, Code: code, Status: status, Text: text, Temporary: temp})
	}
	return res
}

// conversation is one connection to a next hop.
type conversation struct {
	c    *Client
	ctx  context.Context // the attempt's; its end sets the deadline to now
	conn net.Conn
	tp   *textproto.Conn
	lim  *limitReader
	ext  map[string]string
	// broken: a read or write failed, timed out, or the next hop said
	// 421 (RFC 5321 §3.8): the connection is out of step, never reused.
	broken bool
}

type limitReader struct {
	r    io.Reader
	left int
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, errors.New("reply too long")
	}
	if len(p) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= n
	return n, err
}

// deadline sets the write (or read) deadline d from now, unless the
// attempt's context is done: set after the context's AfterFunc, it
// would undo it.
func (cv *conversation) deadline(write bool, d time.Duration) error {
	if write {
		cv.conn.SetWriteDeadline(time.Now().Add(d))
	} else {
		cv.conn.SetReadDeadline(time.Now().Add(d))
	}
	return cv.ctx.Err()
}

// reply reads one reply within d.
func (cv *conversation) reply(d time.Duration) (int, string, string, error) {
	if err := cv.deadline(false, d); err != nil {
		cv.broken = true
		return 0, "", "", err
	}
	cv.lim.left = maxReplyBytes
	code, msg, err := cv.tp.ReadResponse(0)
	if err != nil || code == 421 {
		cv.broken = true
	}
	if err != nil {
		return 0, "", "", err
	}
	status := ""
	if f, rest, ok := strings.Cut(msg, " "); ok && code >= 200 && isStatus(f, code) {
		status, msg = f, rest
	}
	return code, status, msg, nil
}

func isStatus(s string, code int) bool {
	p := strings.Split(s, ".")
	if len(p) != 3 || p[0] != strconv.Itoa(code/100) {
		return false
	}
	for _, x := range p[1:] {
		if _, err := strconv.Atoi(x); err != nil || len(x) > 3 {
			return false
		}
	}
	return true
}

func (cv *conversation) cmd(d time.Duration, line string) (int, string, string, error) {
	if err := cv.deadline(true, d); err != nil {
		cv.broken = true
		return 0, "", "", err
	}
	if err := cv.tp.PrintfLine("%s", line); err != nil {
		cv.broken = true
		return 0, "", "", err
	}
	return cv.reply(d)
}

func (cv *conversation) ehlo() (int, string, string, error) {
	code, st, msg, err := cv.cmd(cv.c.Timeouts.or(cv.c.Timeouts.Mail, 5*time.Minute), "EHLO "+cv.c.hostname())
	if err != nil || code != 250 {
		return code, st, msg, err
	}
	cv.ext = map[string]string{}
	lines := strings.Split(msg, "\n")
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, " ")
		cv.ext[strings.ToUpper(k)] = v
	}
	return code, st, msg, nil
}

func (c *Client) hostname() string {
	if c.Hostname == "" {
		return "localhost"
	}
	return c.Hostname
}

// attempt delivers over one connection to hop: an idle one of the
// pool when there is one (RFC 5321 §3.3: a new transaction may follow
// a completed one), else a new one. A reused connection that fails
// before the next hop has answered MAIL, or whose MAIL gets 421 (it
// closed the idle connection, RFC 5321 §3.8), is replaced once by a new
// one: nothing of the transaction was accepted, nothing is sent twice.
// When plain, STARTTLS is not tried and no idle connection is taken.
// retryPlain is set when an opportunistic TLS handshake failed and the
// hop should be tried again in clear.
func (c *Client) attempt(ctx context.Context, hop string, env *mixer.SMTPEnvelope, msg []byte, plain bool) (_ *Result, retryPlain bool) {
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("next_hop", hop)
	if !plain {
		if s := c.connPool().take(hop); s != nil {
			res, stale := c.transact(ctx, s, env, msg, log)
			if !stale {
				return res, false
			}
			log.Info("idle connection gone, retrying on a new one", "conn_uses", s.uses, "conn_age", c.connPool().now().Sub(s.born).Round(time.Millisecond), "text", res.Recipients[0].Text)
		}
	}
	s, res, retryPlain := c.open(ctx, hop, env, plain, log)
	if s == nil {
		return res, retryPlain
	}
	res, _ = c.transact(ctx, s, env, msg, log)
	return res, false
}

// open connects to hop and runs the greeting, EHLO, STARTTLS (RFC 3207)
// and AUTH (RFC 4954). On failure it returns no session but the result
// for every recipient (and retryPlain as attempt does).
func (c *Client) open(ctx context.Context, hop string, env *mixer.SMTPEnvelope, plain bool, log *slog.Logger) (_ *clientSession, _ *Result, retryPlain bool) {
	res := &Result{NextHop: hop}
	to := c.Timeouts
	tMail := to.or(to.Mail, 5*time.Minute)
	dial := c.dial
	if dial == nil {
		d := net.Dialer{Timeout: to.or(to.Connect, 2*time.Minute)}
		dial = d.DialContext
	}
	conn, err := dial(ctx, "tcp", hop)
	if err != nil {
		log.Warn("connect failed", "err", err)
		return nil, failAll(res, env, StageConnect, 0, "", err.Error(), true), false
	}
	ok := false
	defer func() {
		if !ok {
			conn.Close()
		}
	}()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	cv := &conversation{c: c, ctx: ctx, conn: conn}
	cv.setConn(conn)
	fa := attemptFailer{log: log, res: res, env: env}
	failTemp, fail := fa.temp, fa.fail
	code, st, text, err := cv.reply(to.or(to.Greeting, 5*time.Minute))
	if err != nil || code != 220 {
		return nil, fail(StageGreeting, code, st, text, err), false
	}
	if code, st, text, err = cv.ehlo(); err != nil || code != 250 {
		return nil, fail(StageEHLO, code, st, text, err), false
	}

	// STARTTLS, RFC 3207 §4.
	mode := c.StartTLS
	_, offered := cv.ext["STARTTLS"]
	switch {
	case mode == TLSOff || plain:
	case !offered && mode == TLSRequired:
		return nil, failTemp(StageEHLO, 0, "", "TLS required, but the next hop does not offer STARTTLS", nil, true), false
	case offered:
		code, st, text, err = cv.cmd(tMail, "STARTTLS")
		if err != nil {
			return nil, fail(StageEHLO, code, st, text, err), false
		}
		if code != 220 {
			if mode == TLSRequired {
				// Our policy, not the message, is at stake: retry.
				return nil, failTemp(StageEHLO, code, st, "TLS required, but STARTTLS refused: "+text, nil, true), false
			}
			log.Warn("STARTTLS refused, going on in clear", "code", code, "text", text)
			break
		}
		cfg := c.TLS.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(hop)
		}
		if mode == TLSOpportunistic {
			cfg.InsecureSkipVerify = true // RFC 7435: encryption without authentication
		}
		tc := tls.Client(conn, cfg)
		tc.SetDeadline(time.Now().Add(tMail))
		if err := tc.HandshakeContext(ctx); err != nil {
			if mode == TLSOpportunistic && ctx.Err() == nil {
				log.Warn("TLS handshake failed, trying again in clear", "err", err)
				return nil, failTemp(StageEHLO, 0, "", "TLS: "+err.Error(), nil, true), true
			}
			return nil, failTemp(StageEHLO, 0, "", "TLS: "+err.Error(), nil, true), false
		}
		tc.SetDeadline(time.Time{})
		cv.setConn(tc)
		res.TLS = true
		if code, st, text, err = cv.ehlo(); err != nil || code != 250 {
			return nil, fail(StageEHLO, code, st, text, err), false
		}
	}

	// AUTH, RFC 4954 §4.
	if c.AuthUsername != "" {
		mech, why := c.authMechanism(cv.ext, res.TLS)
		if mech == "" {
			return nil, failTemp(StageAuth, 0, "", why, nil, true), false
		}
		code, st, text, err = cv.auth(tMail, mech, c.AuthUsername, c.AuthPassword)
		if err != nil || code != 235 {
			return nil, fail(StageAuth, code, st, text, err), false
		}
		res.Auth = mech
		log.Debug("authenticated", "mechanism", mech, "user", c.AuthUsername)
	}
	ok = true
	return &clientSession{hop: hop, cv: cv, raw: conn, tls: res.TLS, auth: res.Auth, cfg: c.sessionConfig(), born: c.connPool().now()}, nil, false
}

// transact runs one mail transaction (RFC 5321 §3.3) on s, then puts s
// in the pool when the session is in step (250 to the end of DATA, or
// 250 to RSET after a failed transaction), else closes it. stale is
// set when s was reused and failed before any reply to MAIL, or MAIL
// got 421: the caller may try again on a new connection.
func (c *Client) transact(ctx context.Context, s *clientSession, env *mixer.SMTPEnvelope, msg []byte, log *slog.Logger) (_ *Result, stale bool) {
	reused := s.uses > 0
	s.uses++
	cv := s.cv
	cv.ctx = ctx
	cv.broken = false
	conn := s.raw
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	clean := false
	defer func() {
		if !stop() {
			cv.broken = true // the context's end set the deadline to now
		}
		c.connPool().release(s, clean && !cv.broken && !stale)
	}()
	res := &Result{NextHop: s.hop, TLS: s.tls, Auth: s.auth, Reused: reused}
	log = log.With("reused", reused)
	to := c.Timeouts
	tMail := to.or(to.Mail, 5*time.Minute)
	fa := attemptFailer{log: log, res: res, env: env}
	failTemp, fail := fa.temp, fa.fail
	// reset ends a failed transaction with RSET (RFC 5321 §4.1.1.5) so
	// that the session may be reused.
	reset := func() {
		if cv.broken {
			return
		}
		code, _, _, err := cv.cmd(tMail, "RSET")
		clean = err == nil && code == 250
	}
	_, res.DSN = cv.ext["DSN"]
	_, res.MTPriority = cv.ext["MT-PRIORITY"]

	// MAIL, RFC 5321 §4.1.1.2, with what the next hop offers.
	e := *env
	if !res.DSN {
		e.Ret, e.EnvID = "", ""
	}
	body := msg
	if res.MTPriority {
		// RFC 6710 §4.2 step 1 with RFC 6758 §3.2 step 1a: the
		// parameter always, with the message's priority; the header
		// field, if any, travels as it is.
		if env.MTPriority == nil { // the header is read only without the parameter
			p := messagePriority(nil, findMTPriority(msg))
			e.MTPriority = &p
		}
	} else {
		// RFC 6710 §4.3, RFC 6758 §3.3: the priority travels in the
		// header instead, replacing whatever MT-Priority field it had.
		e.MTPriority = nil
		body = tunnelPriority(msg, env.MTPriority)
	}
	mail := e.MailCommand()
	if _, ok := cv.ext["SIZE"]; ok {
		mail += " SIZE=" + strconv.Itoa(len(body))
	}
	if _, ok := cv.ext["8BITMIME"]; ok && !isASCII(body) {
		mail += " BODY=8BITMIME"
	}
	rcpts := make([]string, len(env.Recipients))
	for i, r := range env.Recipients {
		er := e
		er.Recipients = []mixer.SMTPRecipient{r}
		if !res.DSN {
			er.Recipients[0].Notify, er.Recipients[0].ORcptType, er.Recipients[0].ORcpt = 0, "", ""
		}
		rcpts[i] = er.RcptCommand(0)
	}
	res.Recipients = make([]RecipientResult, len(env.Recipients))
	var replies []replyLine
	var err error
	if _, ok := cv.ext["PIPELINING"]; ok {
		replies, err = cv.pipeline(tMail, to.or(to.Rcpt, 5*time.Minute), mail, rcpts)
	} else {
		replies, err = cv.lockstep(tMail, to.or(to.Rcpt, 5*time.Minute), mail, rcpts)
	}
	if reused && ctx.Err() == nil && (len(replies) == 0 || replies[0].code == 421 || replies[0].code/100 < 4 && replies[0].code != 250) {
		// The idle connection is gone (RFC 5321 §3.8), or out of step
		// (a reply it sent while idle): nothing of this transaction
		// was accepted.
		stale = true
		cv.broken = true
		if len(replies) > 0 {
			err = nil
		}
		r := replyLine{}
		if len(replies) > 0 {
			r = replies[0]
		}
		return failAll(res, env, StageMail, r.code, r.status, describe(r.text, err), true), true
	}
	if len(replies) == 0 || replies[0].code != 250 {
		// MAIL failed (or the connection did before its reply).
		var r replyLine
		if len(replies) > 0 {
			r = replies[0]
			if err == nil {
				reset()
			}
			err = nil // MAIL's reply decides
		}
		if r.code == 530 && !res.TLS {
			// RFC 3207 §4: the next hop wants TLS we could not (or
			// may not) give; the transport is at fault, not the
			// message: retry, the operator sees the log.
			log.Warn("next hop requires STARTTLS", "starttls", c.StartTLS)
			return failTemp(StageMail, r.code, r.status, r.text, nil, true), false
		}
		return fail(StageMail, r.code, r.status, r.text, err), false
	}
	if err != nil {
		return fail(StageRcpt, 0, "", "", err), false
	}
	accepted := 0
	for i, r := range env.Recipients {
		rp := replies[1+i]
		res.Recipients[i] = RecipientResult{Address: r.Address, Stage: StageRcpt, Code: rp.code, Status: rp.status, Text: rp.text, Temporary: rp.code/100 == 4}
		if rp.code/100 == 2 {
			accepted++
		}
	}
	if accepted == 0 {
		reset()
		return res, false
	}
	code, st, text, err := cv.cmd(to.or(to.DataInit, 2*time.Minute), "DATA")
	if err != nil || code != 354 {
		if err == nil {
			reset()
		}
		return c.dataFail(res, code, st, text, err), false
	}
	w := cv.tp.DotWriter()
	for off := 0; off < len(body); off += 32 << 10 {
		end := min(off+32<<10, len(body))
		if err := cv.deadline(true, to.or(to.DataBlock, 3*time.Minute)); err != nil {
			cv.broken = true
			return c.dataFail(res, 0, "", "", err), false
		}
		if _, err := w.Write(body[off:end]); err != nil {
			cv.broken = true
			return c.dataFail(res, 0, "", "", err), false
		}
	}
	if err := cv.deadline(true, to.or(to.DataBlock, 3*time.Minute)); err != nil {
		cv.broken = true
		return c.dataFail(res, 0, "", "", err), false
	}
	if err := w.Close(); err != nil {
		cv.broken = true
		return c.dataFail(res, 0, "", "", err), false
	}
	code, st, text, err = cv.reply(to.or(to.DataTerm, 10*time.Minute))
	if err != nil || code/100 != 2 {
		if err == nil {
			reset()
		}
		return c.dataFail(res, code, st, text, err), false
	}
	for i := range res.Recipients {
		rr := &res.Recipients[i]
		if rr.Code/100 != 2 {
			continue
		}
		*rr = RecipientResult{Address: rr.Address, Accepted: true, Stage: StageData, Code: code, Status: st, Text: text,
			Relayed: !res.DSN && env.Recipients[i].Notify&mixer.NotifySuccess != 0}
	}
	clean = true
	log.Debug("delivered", "tls", res.TLS, "auth", res.Auth, "dsn", res.DSN, "mt_priority", res.MTPriority, "conn_uses", s.uses)
	return res, false
}

// describe is a reply's text, or the error when there was no reply.
func describe(text string, err error) string {
	if err != nil {
		return err.Error()
	}
	return text
}

// quit ends the session (RFC 5321 §4.1.1.10); its reply is awaited
// for d at most, the attempt's outcome being known.
func (cv *conversation) quit(d time.Duration) {
	cv.cmd(min(cv.c.Timeouts.or(cv.c.Timeouts.Mail, 5*time.Minute), d), "QUIT")
}

// replyLine is one reply: code, enhanced status and text.
type replyLine struct {
	code         int
	status, text string
}

// lockstep sends MAIL, then each RCPT, each after the reply to the one
// before. It returns the replies it got: MAIL's first; it stops after
// a MAIL that is not 250.
func (cv *conversation) lockstep(tMail, tRcpt time.Duration, mail string, rcpts []string) ([]replyLine, error) {
	code, st, text, err := cv.cmd(tMail, mail)
	if err != nil {
		return nil, err
	}
	out := []replyLine{{code, st, text}}
	if code != 250 {
		return out, nil
	}
	for _, r := range rcpts {
		code, st, text, err := cv.cmd(tRcpt, r)
		if err != nil {
			return out, err
		}
		out = append(out, replyLine{code, st, text})
	}
	return out, nil
}

// pipeline sends MAIL and every RCPT in one write and reads their
// replies in order (RFC 2920 §3.1: MAIL and RCPT may be grouped; DATA
// is sent on its own). The write runs while the replies are read, so
// that a long group cannot deadlock with a server whose replies fill
// the socket buffers (RFC 2920 §3.1). All replies are read even after
// a failed MAIL, to stay in step.
func (cv *conversation) pipeline(tMail, tRcpt time.Duration, mail string, rcpts []string) ([]replyLine, error) {
	var b strings.Builder
	b.WriteString(mail)
	b.WriteString("\r\n")
	for _, r := range rcpts {
		b.WriteString(r)
		b.WriteString("\r\n")
	}
	conn := cv.conn
	if err := cv.deadline(true, tMail+time.Duration(len(rcpts))*tRcpt); err != nil {
		cv.broken = true
		return nil, err
	}
	werr := make(chan error, 1)
	go func() {
		_, err := io.WriteString(conn, b.String())
		werr <- err
	}()
	out := make([]replyLine, 0, 1+len(rcpts))
	var err error
	for i := 0; i <= len(rcpts); i++ {
		d := tRcpt
		if i == 0 {
			d = tMail
		}
		var r replyLine
		r.code, r.status, r.text, err = cv.reply(d)
		if err != nil {
			conn.SetWriteDeadline(time.Now()) // ends the write
			break
		}
		out = append(out, r)
	}
	if we := <-werr; we != nil {
		cv.broken = true
		if err == nil {
			err = we
		}
	}
	return out, err
}

// authMechanism chooses PLAIN, else LOGIN, from what the next hop
// offers (RFC 4954 §3), or says why there is none.
func (c *Client) authMechanism(ext map[string]string, tlsOn bool) (string, string) {
	if !tlsOn && !c.AllowInsecureAuth {
		return "", "AUTH configured, but the connection is not encrypted (STARTTLS " + c.StartTLS.String() + ")"
	}
	v, ok := ext["AUTH"]
	if !ok {
		return "", "AUTH configured, but the next hop does not offer AUTH"
	}
	offered := strings.Fields(strings.ToUpper(v))
	for _, m := range []string{"PLAIN", "LOGIN"} {
		for _, o := range offered {
			if o == m {
				return m, ""
			}
		}
	}
	return "", "AUTH configured, but the next hop offers neither PLAIN nor LOGIN: " + printable(strings.Join(offered, ","))
}

// auth runs one SASL exchange (RFC 4954 §4): PLAIN (RFC 4616) with its
// initial response, or LOGIN (the username, then the password, each
// after a 334). A challenge beyond those is cancelled with "*" and the
// attempt fails temporarily. It returns the final reply.
func (cv *conversation) auth(d time.Duration, mech, user, pass string) (int, string, string, error) {
	b64 := base64.StdEncoding.EncodeToString
	var first string
	var steps []string
	switch mech {
	case "PLAIN":
		first = "AUTH PLAIN " + b64([]byte("\x00"+user+"\x00"+pass))
	case "LOGIN":
		first = "AUTH LOGIN"
		steps = []string{b64([]byte(user)), b64([]byte(pass))}
	}
	code, st, text, err := cv.cmd(d, first)
	for err == nil && code == 334 {
		if len(steps) == 0 {
			cv.cmd(d, "*") // RFC 4954 §4: cancel; its 501 is not the answer
			return 0, "", "", errors.New("unexpected AUTH " + mech + " challenge from the next hop")
		}
		code, st, text, err = cv.cmd(d, steps[0])
		steps = steps[1:]
	}
	return code, st, text, err
}

// dataFail gives the DATA failure to every recipient accepted at RCPT.
func (c *Client) dataFail(res *Result, code int, st, text string, err error) *Result {
	if err != nil {
		text = err.Error()
	}
	for i := range res.Recipients {
		rr := &res.Recipients[i]
		if rr.Code/100 == 2 {
			*rr = RecipientResult{Address: rr.Address, Stage: StageData, Code: code, Status: st, Text: text, Temporary: code == 0 || code/100 == 4}
		}
	}
	return res
}

func (cv *conversation) setConn(conn net.Conn) {
	cv.conn = conn
	cv.lim = &limitReader{r: conn, left: maxReplyBytes}
	cv.tp = textproto.NewConn(struct {
		io.Reader
		io.Writer
		io.Closer
	}{cv.lim, conn, conn})
}

// attemptFailer gives every recipient of an attempt the same failure, and
// logs it.
type attemptFailer struct {
	log *slog.Logger
	res *Result
	env *mixer.SMTPEnvelope
}

// temp fails the attempt at stage st, temporarily or not; err's text, when
// err is set, replaces text.
func (f attemptFailer) temp(st Stage, code int, status, text string, err error, temp bool) *Result {
	if err != nil {
		text = err.Error()
	}
	f.log.Info("attempt failed", "stage", st, "code", code, "status", status, "text", text, "temporary", temp)
	return failAll(f.res, f.env, st, code, status, text, temp)
}

// fail is temp with the reply deciding: no reply or a 4yz is temporary
// (RFC 5321 §4.2.1).
func (f attemptFailer) fail(st Stage, code int, status, text string, err error) *Result {
	return f.temp(st, code, status, text, err, code == 0 || code/100 == 4)
}
