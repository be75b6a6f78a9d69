package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"mixerd/mixer"
)

// Config is one SMTP listener's configuration.
type Config struct {
	// Hostname is the name in the greeting and the EHLO reply.
	Hostname string
	// TLS, when set, offers STARTTLS (RFC 3207) with its certificate.
	TLS *tls.Config
	// RequireTLS (RFC 3207 §4) answers every command but EHLO, STARTTLS,
	// NOOP and QUIT with 530 5.7.0 until the client has done STARTTLS,
	// and offers AUTH only after it whatever AllowInsecureAuth says. It
	// needs TLS.
	RequireTLS bool
	// Authenticate checks AUTH PLAIN credentials (RFC 4616); nil offers
	// no AUTH. It returns nil when they are good.
	Authenticate func(ctx context.Context, identity, user, pass string) error
	// RequireAuth (a submission listener, RFC 6409 §4.3) answers MAIL
	// with 530 5.7.0 until the client has authenticated (RFC 4954 §6).
	// It needs Authenticate.
	RequireAuth bool
	// AllowInsecureAuth offers AUTH before STARTTLS to every client
	// (tests); without it, a listener without TLS offers AUTH to the
	// clients in Trusted only (the policy's submission listener with
	// trusted_networks and no certificate).
	AllowInsecureAuth bool
	// Trusted are the client networks that may relay and raise the
	// MT-PRIORITY without authenticating.
	Trusted []netip.Prefix
	// Accept says whether a recipient is ours (a domain the gateway
	// serves or routes); others may only be relayed to by trusted or
	// authenticated clients.
	Accept func(rcpt string) bool
	// CheckRecipient, when set, is asked about each recipient that
	// Accept (or the client's trust) lets through: a non-nil Reply
	// refuses that RCPT with it (e.g. 550 5.1.1 for an address at one of
	// our domains that names no one, RFC 5321 §3.6.2, RFC 3463), instead
	// of accepting a message that could only bounce.
	CheckRecipient func(rcpt string) *Reply
	// Sink takes each message.
	Sink Sink
	// MTPriorityPolicy is the RFC 6710 §9.2 policy name in EHLO:
	// "STANAG4406" (the default) or "MIXER".
	MTPriorityPolicy string
	// SMTPUTF8 offers RFC 6531 (only when the daemon can map it).
	SMTPUTF8 bool
	// Limits. MaxMessageBytes is SIZE (0: none); MaxLineLength is the
	// longest command or text line with its CRLF (default 2000, RFC 5321
	// §4.5.3.1.6 is 1000); MaxRecipients per message (default 1000,
	// RFC 5321 §4.5.3.1.8 is at least 100); MaxConnections at once
	// (0: none).
	MaxMessageBytes int64
	MaxLineLength   int
	MaxRecipients   int
	MaxConnections  int
	// ReadTimeout and WriteTimeout bound each read and write (default 5
	// minutes, RFC 5321 §4.5.3.2.7).
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// MaxAckDelay is the longest the reply to DATA waits for the next
	// hop's acceptance once the message is durable (0: no wait).
	MaxAckDelay time.Duration
	// Logger gets every log line, each with "conn"; nil: slog.Default().
	Logger *slog.Logger
}

func (c *Config) mtPolicy() string {
	if c.MTPriorityPolicy == "" {
		return "STANAG4406"
	}
	return c.MTPriorityPolicy
}

// Envelope is one message's SMTP envelope as received, with what the
// server learnt of its client.
type Envelope struct {
	mixer.SMTPEnvelope
	// Size is the SIZE parameter (0 when absent); Body the BODY
	// parameter ("7BIT", "8BITMIME" or ""); SMTPUTF8 the RFC 6531 flag.
	Size     int64
	Body     string
	SMTPUTF8 bool
	// PriorityLowered: MTPriority was set to 0 (RFC 6710 §4.1) because
	// the client, neither trusted nor authenticated, asked for more.
	PriorityLowered bool
	// Client: the connection id, remote address, EHLO name, the
	// authenticated user ("" when none), trust and TLS.
	ConnID   string
	Remote   netip.AddrPort
	Helo     string
	AuthUser string
	Trusted  bool
	TLS      bool
}

// Receipt is the sink's answer for a message it made durable.
type Receipt struct {
	// ID names the message in the spool; it is shown in the 250 reply.
	ID string
	// Forwarded, when not nil, is closed (or sent nil) when the next hop
	// accepted the message; the reply to DATA waits for it up to
	// Config.MaxAckDelay (delayed acknowledgement).
	Forwarded <-chan error
}

// Sink takes the messages the server accepts; the daemon implements it.
type Sink interface {
	// Deliver stores the message (envelope and content, read to EOF)
	// and returns only when it is durable. Its error decides the reply:
	// a *Reply as it is; ErrQueueFull 452 4.3.1; a *mixer.ConversionError
	// 554 with its Status; anything else 451 4.3.0.
	Deliver(ctx context.Context, env *Envelope, msg io.Reader) (*Receipt, error)
}

// ErrQueueFull is the sink's error when it cannot take more messages.
var ErrQueueFull = errors.New("smtp: queue full")

// Server is an SMTP listener (RFC 5321) on go-smtp; see the package doc.
type Server struct {
	cfg    Config
	log    *slog.Logger
	gs     *gosmtp.Server
	nextID atomic.Uint64
	slots  chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	lns    []net.Listener // those Serve is serving, closed by Close
}

// NewServer checks cfg and returns a server.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Sink == nil || cfg.Accept == nil {
		return nil, errors.New("smtp: Config needs Sink and Accept")
	}
	if cfg.Hostname == "" {
		return nil, errors.New("smtp: Config needs Hostname")
	}
	if p := cfg.MTPriorityPolicy; p != "" && p != "STANAG4406" && p != "MIXER" {
		return nil, fmt.Errorf("smtp: unknown MT-PRIORITY policy %q", p)
	}
	if cfg.RequireTLS && cfg.TLS == nil {
		return nil, errors.New("smtp: RequireTLS needs TLS")
	}
	if cfg.MaxLineLength == 0 {
		cfg.MaxLineLength = 2000
	}
	if cfg.MaxLineLength < 600 {
		return nil, errors.New("smtp: MaxLineLength below 600")
	}
	if cfg.MaxRecipients == 0 {
		cfg.MaxRecipients = 1000
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 5 * time.Minute
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 5 * time.Minute
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if cfg.MaxConnections > 0 {
		s.slots = make(chan struct{}, cfg.MaxConnections)
	}
	gs := gosmtp.NewServer(backend{s})
	gs.Domain = cfg.Hostname
	gs.MaxMessageBytes = cfg.MaxMessageBytes
	gs.MaxRecipients = cfg.MaxRecipients
	gs.MaxLineLength = 0        // the front enforces it
	gs.AllowInsecureAuth = true // the front gates AUTH
	gs.ReadTimeout = cfg.ReadTimeout
	gs.WriteTimeout = cfg.WriteTimeout
	gs.EnableDSN = true
	gs.EnableSMTPUTF8 = cfg.SMTPUTF8
	gs.ErrorLog = slogPrintf{s.log}
	s.gs = gs
	return s, nil
}

func (s *Server) lineLimit() int { return s.cfg.MaxLineLength }

// Serve accepts connections on l until Close.
//
// Serve called after Close (or racing with it) closes l and returns nil.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.lns = append(s.lns, l)
	s.mu.Unlock()
	err := s.gs.Serve(&listener{Listener: l, s: s})
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Close stops accepting, cancels the deliveries in progress' contexts and
// closes every connection.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	lns := s.lns
	s.mu.Unlock()
	for _, l := range lns {
		l.Close()
	}
	s.cancel()
	return s.gs.Close()
}

// listener wraps each accepted connection in a front and enforces
// MaxConnections (421 4.7.0 beyond it, RFC 5321 §3.1).
type listener struct {
	net.Listener
	s *Server
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		s := l.s
		id := fmt.Sprintf("s%d", s.nextID.Add(1))
		log := s.log.With("conn", id, "remote", c.RemoteAddr().String())
		if s.slots != nil {
			select {
			case s.slots <- struct{}{}:
			default:
				log.Warn("connection refused: limit reached", "max", s.cfg.MaxConnections)
				c.SetWriteDeadline(time.Now().Add(5 * time.Second))
				io.WriteString(c, "421 4.7.0 "+s.cfg.Hostname+" Too many connections, try later\r\n")
				c.Close()
				continue
			}
		}
		log.Info("connection")
		f := &front{raw: c, conn: c, srv: s, id: id, log: log, trusted: s.trustedAddr(c.RemoteAddr())}
		f.br = newReader(c, s.lineLimit())
		if s.slots != nil {
			return &releasing{front: f, slots: s.slots}, nil
		}
		return f, nil
	}
}

// releasing frees a connection slot on Close, once.
type releasing struct {
	*front
	slots chan struct{}
	once  sync.Once
}

func (r *releasing) Close() error {
	r.once.Do(func() { <-r.slots })
	return r.front.Close()
}

func frontOf(c net.Conn) *front {
	switch v := c.(type) {
	case *front:
		return v
	case *releasing:
		return v.front
	}
	return nil
}

type backend struct{ s *Server }

func (b backend) NewSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	f := frontOf(c.Conn())
	if f == nil {
		return nil, &gosmtp.SMTPError{Code: 421, EnhancedCode: gosmtp.EnhancedCode{4, 3, 0}, Message: "Internal error"}
	}
	if f.sess != nil { // a second EHLO after STARTTLS keeps the session
		return f.sess, nil
	}
	ss := &session{s: b.s, f: f, c: c, trusted: f.trusted}
	if ap, err := netip.ParseAddrPort(c.Conn().RemoteAddr().String()); err == nil {
		ss.remote = ap
	}
	f.sess = ss
	return ss, nil
}

// trustedAddr says whether a client's address is in the trusted
// networks.
func (s *Server) trustedAddr(addr net.Addr) bool {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return false
	}
	a := ap.Addr().Unmap()
	for _, p := range s.cfg.Trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// session is go-smtp's view of one connection.
type session struct {
	s        *Server
	f        *front
	c        *gosmtp.Conn
	remote   netip.AddrPort
	trusted  bool
	authUser string
	env      Envelope
	inTx     bool
}

func smtpErr(code int, status string, text string) *gosmtp.SMTPError {
	var e gosmtp.EnhancedCode
	fmt.Sscanf(status, "%d.%d.%d", &e[0], &e[1], &e[2])
	return &gosmtp.SMTPError{Code: code, EnhancedCode: e, Message: text}
}

func (ss *session) Reset() {
	ss.env = Envelope{}
	ss.inTx = false
}

func (ss *session) Logout() error { return nil }

// Mail takes the parameters the front parsed from this MAIL line.
func (ss *session) Mail(from string, _ *gosmtp.MailOptions) error {
	m := ss.f.mail
	ss.f.mail = nil
	if m == nil {
		return smtpErr(501, "5.5.2", "Syntax error in MAIL command")
	}
	e := Envelope{
		Size: m.size, Body: m.body, SMTPUTF8: m.smtputf8,
		ConnID: ss.f.id, Remote: ss.remote, Helo: ss.c.Hostname(),
		AuthUser: ss.authUser, Trusted: ss.trusted, TLS: ss.f.tlsState != nil,
	}
	e.MailFrom, e.Ret, e.EnvID = stripRoute(m.from), m.ret, m.envID
	if p := m.mtPriority; p != nil {
		v := *p
		if v > 0 && !ss.trusted && ss.authUser == "" {
			// RFC 6710 §4.1: no raised priority from an untrusted source.
			v = 0
			e.PriorityLowered = true
			ss.f.lowered = true
			ss.f.log.Warn("MT-PRIORITY lowered to 0", "requested", *p)
		}
		e.MTPriority = &v
	}
	ss.env, ss.inTx = e, true
	ss.f.log.Debug("MAIL", "from", e.MailFrom, "mt_priority", m.mtPriority, "envid", e.EnvID)
	return nil
}

// Rcpt takes the parameters the front parsed from this RCPT line and
// refuses relaying (RFC 5321 §3.6.2 relaying is the client's privilege).
func (ss *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	r := ss.f.rcpt
	ss.f.rcpt = nil
	if r == nil || !ss.inTx {
		return smtpErr(501, "5.5.2", "Syntax error in RCPT command")
	}
	addr := stripRoute(r.to)
	if !ss.s.cfg.Accept(addr) && !ss.trusted && ss.authUser == "" {
		ss.f.log.Warn("relay refused", "rcpt", addr)
		return smtpErr(554, "5.7.1", "Relaying denied")
	}
	if check := ss.s.cfg.CheckRecipient; check != nil {
		if rep := check(addr); rep != nil {
			ss.f.log.Warn("recipient refused", "rcpt", addr, "reply", rep.Error())
			return smtpErr(rep.Code, rep.Status, rep.Text)
		}
	}
	ss.env.Recipients = append(ss.env.Recipients, mixer.SMTPRecipient{
		Address: addr, Notify: r.notify, ORcptType: r.orcptType, ORcpt: r.orcpt,
	})
	return nil
}

// Data hands the message to the sink and waits for the next hop up to
// MaxAckDelay.
func (ss *session) Data(r io.Reader) error {
	log := ss.f.log
	env := ss.env
	ctx, cancel := context.WithCancel(ss.s.ctx)
	defer cancel()
	rec, err := ss.s.cfg.Sink.Deliver(ctx, &env, &dataGuard{r: r, f: ss.f})
	if err != nil {
		rep := replyFor(err)
		log.Warn("message refused", "err", err, "reply", rep.Error())
		return rep
	}
	if rec == nil {
		rec = &Receipt{}
	}
	text := "Queued as " + printable(rec.ID)
	if rec.Forwarded != nil && ss.s.cfg.MaxAckDelay > 0 {
		t := time.NewTimer(ss.s.cfg.MaxAckDelay)
		defer t.Stop()
		select {
		case err, ok := <-rec.Forwarded:
			if !ok || err == nil {
				text = "Accepted by next hop, queued as " + printable(rec.ID)
			}
		case <-t.C:
			log.Info("acknowledgement delay reached", "id", rec.ID)
		case <-ctx.Done():
		}
	}
	log.Debug("message accepted", "id", rec.ID, "rcpts", len(env.Recipients))
	return smtpErr(250, "2.0.0", text)
}

// replyFor maps a sink error to the reply to DATA.
func replyFor(err error) *gosmtp.SMTPError {
	var rep *Reply
	var ce *mixer.ConversionError
	var se *gosmtp.SMTPError
	switch {
	case errors.As(err, &rep):
		return smtpErr(rep.Code, rep.Status, rep.Text)
	case errors.As(err, &se):
		return se // go-smtp's own: size exceeded 552, line too long
	case errors.Is(err, ErrQueueFull):
		return smtpErr(452, "4.3.1", "Insufficient system storage, try later")
	case errors.As(err, &ce):
		st := ce.Status
		if !strings.HasPrefix(st, "5.") {
			st = "5.6.0"
		}
		return smtpErr(554, st, "Message cannot be converted: "+printable(ce.Field))
	}
	return smtpErr(451, "4.3.0", "Local error, try later")
}

// dataGuard fails the read when the front saw an over-long line.
type dataGuard struct {
	r io.Reader
	f *front
}

func (d *dataGuard) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if d.f.longLine {
		return n, &Reply{500, "5.5.2", "Message line too long"}
	}
	return n, err
}

// AuthMechanisms and Auth are AUTH PLAIN, RFC 4954 and RFC 4616.
func (ss *session) AuthMechanisms() []string {
	if ss.s.cfg.Authenticate == nil {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.s.cfg.Authenticate == nil {
		return nil, gosmtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		ctx, cancel := context.WithTimeout(ss.s.ctx, 30*time.Second)
		defer cancel()
		if err := ss.s.cfg.Authenticate(ctx, identity, user, pass); err != nil {
			ss.f.authFailures++
			ss.f.log.Warn("authentication failed", "user", user, "failures", ss.f.authFailures)
			return gosmtp.ErrAuthFailed
		}
		ss.authUser = user
		ss.f.log.Info("authenticated", "user", user)
		return nil
	}), nil
}

// stripRoute drops an RFC 5321 §4.1.2 source route ("@a,@b:x@y").
func stripRoute(p string) string {
	if strings.HasPrefix(p, "@") {
		if i := strings.IndexByte(p, ':'); i >= 0 {
			return p[i+1:]
		}
	}
	return p
}

type slogPrintf struct{ l *slog.Logger }

func (s slogPrintf) Printf(format string, v ...any) { s.l.Warn(fmt.Sprintf(format, v...)) }
func (s slogPrintf) Println(v ...any)               { s.l.Warn(fmt.Sprint(v...)) }
