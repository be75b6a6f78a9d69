package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
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
	DSN        bool // the next hop offered DSN
	MTPriority bool // the next hop offered MT-PRIORITY (else the header was added)
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

// Client sends queued messages to next hops.
type Client struct {
	// Hostname is the EHLO name.
	Hostname string
	// TLS is the STARTTLS configuration (ServerName is set per hop when
	// empty); nil takes a default one.
	TLS *tls.Config
	// RequireTLS fails the attempt (temporarily) when the next hop does
	// not offer STARTTLS or the handshake fails; otherwise STARTTLS is
	// opportunistic.
	RequireTLS bool
	Timeouts   Timeouts
	// LookupMX is used when Deliver gets no next hop; nil: net.DefaultResolver.
	LookupMX func(ctx context.Context, domain string) ([]*net.MX, error)
	// Port for MX hosts; default "25".
	Port   string
	Logger *slog.Logger
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
		res = c.attempt(ctx, h, env, msg)
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
	conn net.Conn
	tp   *textproto.Conn
	lim  *limitReader
	ext  map[string]string
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

// reply reads one reply within d.
func (cv *conversation) reply(d time.Duration) (int, string, string, error) {
	cv.conn.SetReadDeadline(time.Now().Add(d))
	cv.lim.left = maxReplyBytes
	code, msg, err := cv.tp.ReadResponse(0)
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
	cv.conn.SetWriteDeadline(time.Now().Add(d))
	if err := cv.tp.PrintfLine("%s", line); err != nil {
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

func (c *Client) attempt(ctx context.Context, hop string, env *mixer.SMTPEnvelope, msg []byte) *Result {
	res := &Result{NextHop: hop}
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("next_hop", hop)
	to := c.Timeouts
	d := net.Dialer{Timeout: to.or(to.Connect, 2*time.Minute)}
	conn, err := d.DialContext(ctx, "tcp", hop)
	if err != nil {
		log.Warn("connect failed", "err", err)
		return failAll(res, env, StageConnect, 0, "", err.Error(), true)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	cv := &conversation{c: c, conn: conn}
	cv.setConn(conn)
	fail := func(st Stage, code int, status, text string, err error) *Result {
		if err != nil {
			text = err.Error()
		}
		log.Info("attempt failed", "stage", st, "code", code, "status", status, "text", text)
		return failAll(res, env, st, code, status, text, code == 0 || code/100 == 4)
	}
	code, st, text, err := cv.reply(to.or(to.Greeting, 5*time.Minute))
	if err != nil || code != 220 {
		return fail(StageGreeting, code, st, text, err)
	}
	if code, st, text, err = cv.ehlo(); err != nil || code != 250 {
		return fail(StageEHLO, code, st, text, err)
	}
	if _, ok := cv.ext["STARTTLS"]; ok {
		code, st, text, err = cv.cmd(to.or(to.Mail, 5*time.Minute), "STARTTLS")
		if err != nil || code != 220 {
			if c.RequireTLS || err != nil {
				return fail(StageEHLO, code, st, text, err)
			}
		} else {
			cfg := c.TLS.Clone()
			if cfg == nil {
				cfg = &tls.Config{}
			}
			if cfg.ServerName == "" {
				cfg.ServerName, _, _ = net.SplitHostPort(hop)
			}
			tc := tls.Client(conn, cfg)
			tc.SetDeadline(time.Now().Add(to.or(to.Mail, 5*time.Minute)))
			if err := tc.HandshakeContext(ctx); err != nil {
				return fail(StageEHLO, 0, "", "TLS: "+err.Error(), nil)
			}
			tc.SetDeadline(time.Time{})
			cv.setConn(tc)
			res.TLS = true
			if code, st, text, err = cv.ehlo(); err != nil || code != 250 {
				return fail(StageEHLO, code, st, text, err)
			}
		}
	} else if c.RequireTLS {
		return fail(StageEHLO, 0, "", "next hop does not offer STARTTLS", nil)
	}
	_, res.DSN = cv.ext["DSN"]
	_, res.MTPriority = cv.ext["MT-PRIORITY"]

	// MAIL, RFC 5321 §4.1.1.2, with what the next hop offers.
	e := *env
	if !res.DSN {
		e.Ret, e.EnvID = "", ""
	}
	if !res.MTPriority {
		e.MTPriority = nil
	}
	mail := e.MailCommand()
	if _, ok := cv.ext["SIZE"]; ok {
		mail += " SIZE=" + strconv.Itoa(len(msg))
	}
	if _, ok := cv.ext["8BITMIME"]; ok && !isASCII(string(msg)) {
		mail += " BODY=8BITMIME"
	}
	if code, st, text, err = cv.cmd(to.or(to.Mail, 5*time.Minute), mail); err != nil || code != 250 {
		return fail(StageMail, code, st, text, err)
	}
	res.Recipients = make([]RecipientResult, len(env.Recipients))
	accepted := 0
	for i, r := range env.Recipients {
		rr := &res.Recipients[i]
		rr.Address = r.Address
		er := e
		er.Recipients = []mixer.SMTPRecipient{r}
		if !res.DSN {
			er.Recipients[0].Notify, er.Recipients[0].ORcptType, er.Recipients[0].ORcpt = 0, "", ""
		}
		code, st, text, err := cv.cmd(to.or(to.Rcpt, 5*time.Minute), er.RcptCommand(0))
		if err != nil {
			return fail(StageRcpt, 0, "", "", err)
		}
		*rr = RecipientResult{Address: r.Address, Stage: StageRcpt, Code: code, Status: st, Text: text, Temporary: code/100 == 4}
		if code/100 == 2 {
			accepted++
		}
	}
	if accepted == 0 {
		cv.cmd(to.or(to.Mail, 5*time.Minute), "QUIT")
		return res
	}
	code, st, text, err = cv.cmd(to.or(to.DataInit, 2*time.Minute), "DATA")
	if err != nil || code != 354 {
		return c.dataFail(res, code, st, text, err)
	}
	body := msg
	if env.MTPriority != nil && !res.MTPriority {
		// RFC 6758 §4: the priority travels in the header instead.
		body = append([]byte("MT-Priority: "+strconv.Itoa(*env.MTPriority)+"\r\n"), msg...)
	}
	conn2 := cv.conn
	w := cv.tp.DotWriter()
	for off := 0; off < len(body); off += 32 << 10 {
		end := min(off+32<<10, len(body))
		conn2.SetWriteDeadline(time.Now().Add(to.or(to.DataBlock, 3*time.Minute)))
		if _, err := w.Write(body[off:end]); err != nil {
			return c.dataFail(res, 0, "", "", err)
		}
	}
	conn2.SetWriteDeadline(time.Now().Add(to.or(to.DataBlock, 3*time.Minute)))
	if err := w.Close(); err != nil {
		return c.dataFail(res, 0, "", "", err)
	}
	code, st, text, err = cv.reply(to.or(to.DataTerm, 10*time.Minute))
	if err != nil || code/100 != 2 {
		return c.dataFail(res, code, st, text, err)
	}
	for i := range res.Recipients {
		rr := &res.Recipients[i]
		if rr.Code/100 != 2 {
			continue
		}
		*rr = RecipientResult{Address: rr.Address, Accepted: true, Stage: StageData, Code: code, Status: st, Text: text,
			Relayed: !res.DSN && env.Recipients[i].Notify&mixer.NotifySuccess != 0}
	}
	cv.cmd(to.or(to.Mail, 5*time.Minute), "QUIT")
	log.Info("delivered", "tls", res.TLS, "dsn", res.DSN, "mt_priority", res.MTPriority)
	return res
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
