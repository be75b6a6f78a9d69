package smtp

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

type got struct {
	env *Envelope
	msg string
}

// testSink records messages; forward, when set, is the Forwarded channel.
type testSink struct {
	ch      chan got
	err     error
	forward chan error
}

func (s *testSink) Deliver(ctx context.Context, env *Envelope, r io.Reader) (*Receipt, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if s.err != nil {
		return nil, s.err
	}
	s.ch <- got{env, string(b)}
	return &Receipt{ID: "Q1", Forwarded: s.forward}, nil
}

func startServer(t *testing.T, cfg Config) (*Server, string, *testSink) {
	t.Helper()
	sink := &testSink{ch: make(chan got, 10)}
	if cfg.Sink == nil {
		cfg.Sink = sink
	}
	cfg.Hostname = "gw.test"
	if cfg.Accept == nil {
		cfg.Accept = func(r string) bool { return domainOf(r) == "local.test" }
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		cfg.Logger = slog.Default()
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.Serve(l); close(done) }()
	t.Cleanup(func() { s.Close(); <-done })
	return s, l.Addr().String(), sink
}

// script is a raw SMTP client for tests.
type script struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dial(t *testing.T, addr string) *script {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	s := &script{t: t, c: c, br: bufio.NewReader(c)}
	s.expect("220 ")
	return s
}

func (s *script) send(lines ...string) {
	s.t.Helper()
	if _, err := io.WriteString(s.c, strings.Join(lines, "\r\n")+"\r\n"); err != nil {
		s.t.Fatal(err)
	}
}

// reply reads one whole reply and returns its lines.
func (s *script) reply() []string {
	s.t.Helper()
	var out []string
	for {
		l, err := s.br.ReadString('\n')
		if err != nil {
			s.t.Fatalf("reading reply: %v (so far %q)", err, out)
		}
		l = strings.TrimRight(l, "\r\n")
		out = append(out, l)
		if len(l) < 4 || l[3] == ' ' {
			return out
		}
	}
}

// expect reads one reply whose last line starts with prefix.
func (s *script) expect(prefix string) []string {
	s.t.Helper()
	r := s.reply()
	if !strings.HasPrefix(r[len(r)-1], prefix) {
		s.t.Fatalf("got %q, want %q", r, prefix)
	}
	return r
}

func TestEHLOAndPipelinedTransaction(t *testing.T) {
	_, addr, sink := startServer(t, Config{MaxMessageBytes: 10000})
	s := dial(t, addr)
	s.send("EHLO client.test")
	r := s.expect("250 MT-PRIORITY STANAG4406")
	all := strings.Join(r, "\n")
	for _, c := range []string{"250-gw.test Hello client.test", "DSN", "SIZE 10000", "PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"} {
		if !strings.Contains(all, c) {
			t.Errorf("EHLO lacks %q: %q", c, r)
		}
	}
	if strings.Contains(all, "CHUNKING") || strings.Contains(all, "STARTTLS") || strings.Contains(all, "AUTH") {
		t.Errorf("EHLO offers what it must not: %q", r)
	}
	// One pipelined group (RFC 2920): MAIL with MT-PRIORITY and DSN, RCPTs, DATA.
	s.send("MAIL FROM:<a@remote.test> MT-PRIORITY=-2 RET=HDRS ENVID=QQ+2Bx SIZE=100 BODY=8BITMIME",
		"RCPT TO:<b@local.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+40x@local.test",
		"RCPT TO:<c@local.test> ORCPT=x400;+2FC+3DGB+2FS+3DSmith+2F",
		"DATA")
	s.expect("250 2.0.0")
	s.expect("250 2.0.0")
	s.expect("250 2.0.0")
	s.expect("354")
	s.send("Subject: t", "", "..dot", ".")
	s.expect("250 2.0.0 Queued as Q1")
	g := <-sink.ch
	e := g.env
	if e.MailFrom != "a@remote.test" || e.Ret != "HDRS" || e.EnvID != "QQ+x" || e.Size != 100 || e.Body != "8BITMIME" {
		t.Errorf("envelope %+v", e)
	}
	if e.MTPriority == nil || *e.MTPriority != -2 || e.PriorityLowered {
		t.Errorf("MT-PRIORITY %v lowered %v", e.MTPriority, e.PriorityLowered)
	}
	if len(e.Recipients) != 2 || e.Recipients[0].ORcpt != "b@x@local.test" || e.Recipients[0].Notify.String() != "SUCCESS,FAILURE" ||
		e.Recipients[1].ORcptType != "x400" || e.Recipients[1].ORcpt != "/C=GB/S=Smith/" {
		t.Errorf("recipients %+v", e.Recipients)
	}
	if g.msg != "Subject: t\r\n\r\n.dot\r\n" {
		t.Errorf("message %q", g.msg)
	}
	s.send("QUIT")
	s.expect("221")
}

func TestBadParameters(t *testing.T) {
	_, addr, _ := startServer(t, Config{MaxMessageBytes: 1000})
	s := dial(t, addr)
	s.send("EHLO c")
	s.reply()
	for _, c := range []struct{ cmd, want string }{
		{"MAIL FROM:<a@r.test> MT-PRIORITY=10", "501 5.5.2"},
		{"MAIL FROM:<a@r.test> MT-PRIORITY=+3", "501 5.5.2"},
		{"MAIL FROM:<a@r.test> MT-PRIORITY=1 MT-PRIORITY=1", "501 5.5.4"},
		{"MAIL FROM:<a@r.test> FOO=1", "555 5.5.4"},
		{"MAIL FROM:<a@r.test> ENVID=a+2x", "501 5.5.4"},
		{"MAIL FROM:<a@r.test> RET=ALL", "501 5.5.4"},
		{"MAIL FROM:<a@r.test> SIZE=1001", "552 5.3.4"},
		{"MAIL FROM:a@r.test", "501 5.5.2"},
		{"BDAT 10 LAST", "502 5.5.1"},
		{"MAIL FROM:<a@r.test>", "250"},
		{"RCPT TO:<b@local.test> NOTIFY=NEVER,SUCCESS", "501 5.5.4"},
		{"RCPT TO:<b@local.test> ORCPT=rfc822", "501 5.5.4"},
		{"RCPT TO:<b@local.test> MT-PRIORITY=1", "555 5.5.4"},
	} {
		s.send(c.cmd)
		s.expect(c.want)
	}
}

func TestRelayAndAuth(t *testing.T) {
	_, addr, _ := startServer(t, Config{
		AllowInsecureAuth: true,
		Authenticate: func(_ context.Context, _, u, p string) error {
			if u == "u" && p == "pw" {
				return nil
			}
			return io.EOF
		},
	})
	s := dial(t, addr)
	s.send("EHLO c")
	if r := s.reply(); !strings.Contains(strings.Join(r, "\n"), "AUTH PLAIN") {
		t.Fatalf("no AUTH: %q", r)
	}
	s.send("MAIL FROM:<a@r.test> MT-PRIORITY=4", "RCPT TO:<x@elsewhere.test>", "RCPT TO:<y@local.test>")
	s.expect("250 2.3.6 0 ") // lowered, RFC 6710 §4.1
	s.expect("554 5.7.1")
	s.expect("250")
	s.send("RSET")
	s.expect("250")
	s.send("AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00u\x00bad")))
	s.expect("535 5.7.8")
	s.send("AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00u\x00pw")))
	s.expect("235")
	s.send("MAIL FROM:<a@r.test> MT-PRIORITY=4", "RCPT TO:<x@elsewhere.test>")
	s.expect("250 2.0.0")
	s.expect("250 2.0.0")
}

func TestTrustedMayRaise(t *testing.T) {
	_, addr, sink := startServer(t, Config{Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	s := dial(t, addr)
	s.send("EHLO c", "MAIL FROM:<a@r.test> MT-PRIORITY=6", "RCPT TO:<x@elsewhere.test>", "DATA")
	s.reply()
	s.expect("250 2.0.0")
	s.expect("250 2.0.0")
	s.expect("354")
	s.send("x", ".")
	s.expect("250")
	if e := (<-sink.ch).env; *e.MTPriority != 6 || !e.Trusted {
		t.Errorf("priority %d trusted %v", *e.MTPriority, e.Trusted)
	}
}

func TestSinkErrors(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{ErrQueueFull, "452 4.3.1"},
		{io.ErrUnexpectedEOF, "451 4.3.0"},
		{&Reply{554, "5.6.3", "no"}, "554 5.6.3"},
	} {
		sink := &testSink{ch: make(chan got, 1), err: c.err}
		_, addr, _ := startServer(t, Config{Sink: sink})
		s := dial(t, addr)
		s.send("EHLO c", "MAIL FROM:<>", "RCPT TO:<x@local.test>", "DATA")
		s.reply()
		s.reply()
		s.reply()
		s.expect("354")
		s.send("x", ".")
		s.expect(c.want)
	}
}

func TestDelayedAck(t *testing.T) {
	s0, addr, sink := startServer(t, Config{MaxAckDelay: 5 * time.Second})
	_ = s0
	sink.forward = make(chan error)
	s := dial(t, addr)
	s.send("EHLO c", "MAIL FROM:<>", "RCPT TO:<x@local.test>", "DATA")
	s.reply()
	s.reply()
	s.reply()
	s.expect("354")
	s.send("x", ".")
	<-sink.ch // durable; the reply must wait for the next hop
	replied := make(chan []string, 1)
	go func() { replied <- s.reply() }()
	select {
	case r := <-replied:
		t.Fatalf("replied before the next hop: %q", r)
	default:
	}
	sink.forward <- nil
	if r := <-replied; !strings.Contains(r[0], "Accepted by next hop") {
		t.Fatalf("got %q", r)
	}
}

func TestDelayedAckMaximum(t *testing.T) {
	_, addr, sink := startServer(t, Config{MaxAckDelay: 50 * time.Millisecond})
	sink.forward = make(chan error) // never signalled
	s := dial(t, addr)
	s.send("EHLO c", "MAIL FROM:<>", "RCPT TO:<x@local.test>", "DATA")
	s.reply()
	s.reply()
	s.reply()
	s.expect("354")
	s.send("x", ".")
	s.expect("250 2.0.0 Queued as Q1")
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gw.test"},
		DNSNames: []string{"gw.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}
}

func TestSTARTTLS(t *testing.T) {
	cert := selfSigned(t)
	_, addr, sink := startServer(t, Config{
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}},
		Authenticate: func(_ context.Context, _, u, p string) error {
			return nil
		},
	})
	s := dial(t, addr)
	s.send("EHLO c")
	r := strings.Join(s.reply(), "\n")
	if !strings.Contains(r, "STARTTLS") || strings.Contains(r, "AUTH") {
		t.Fatalf("EHLO before TLS: %q", r)
	}
	s.send("AUTH PLAIN AHUAcA==")
	s.expect("538 5.7.11")
	s.send("STARTTLS")
	s.expect("220")
	tc := tls.Client(s.c, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	s.c, s.br = tc, bufio.NewReader(tc)
	s.send("MAIL FROM:<>")
	s.expect("503 5.5.1") // RFC 3207 §4.2: EHLO again
	s.send("EHLO c")
	r = strings.Join(s.reply(), "\n")
	if strings.Contains(r, "STARTTLS") || !strings.Contains(r, "AUTH PLAIN") {
		t.Fatalf("EHLO after TLS: %q", r)
	}
	s.send("MAIL FROM:<>", "RCPT TO:<x@local.test>", "DATA")
	s.expect("250")
	s.expect("250")
	s.expect("354")
	s.send("x", ".")
	s.expect("250")
	if e := (<-sink.ch).env; !e.TLS {
		t.Error("envelope does not say TLS")
	}
}

func TestLimits(t *testing.T) {
	_, addr, _ := startServer(t, Config{MaxMessageBytes: 100, MaxRecipients: 1, MaxConnections: 1})
	s := dial(t, addr)
	s.send("EHLO c", "MAIL FROM:<>", "RCPT TO:<x@local.test>", "RCPT TO:<y@local.test>", "DATA")
	s.reply()
	s.expect("250")
	s.expect("250")
	s.expect("452 4.5.3")
	s.expect("354")
	s.send(strings.Repeat("y", 90), strings.Repeat("z", 90), ".")
	s.expect("552 5.3.4")
	s.send("NOOP " + strings.Repeat("n", 3000))
	s.expect("500 5.5.2")
	// A second connection is over the limit.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	l, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.HasPrefix(l, "421 4.7.0") {
		t.Errorf("over the limit: %q", l)
	}
}

// Close racing with Serve (a daemon told to stop as it starts): Serve
// returns, before or after it started accepting.
func TestServerCloseBeforeServe(t *testing.T) {
	for _, closeFirst := range []bool{true, false} {
		s, err := NewServer(Config{Hostname: "mx.test", Accept: func(string) bool { return true }, Sink: &testSink{ch: make(chan got, 1)}})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		if closeFirst {
			s.Close()
			go func() { done <- s.Serve(ln) }()
		} else {
			go func() { done <- s.Serve(ln) }()
			// Serve is accepting once a connection gets the greeting.
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 3)
			if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "220" {
				t.Fatalf("greeting %q, %v", buf, err)
			}
			c.Close()
			s.Close()
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("close first %v: Serve: %v", closeFirst, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("close first %v: Serve did not return", closeFirst)
		}
	}
}

// pipeListener hands out one in-memory connection, so that the test sees
// each Write of the server as a separate Read.
type pipeListener struct {
	c    chan net.Conn
	done chan struct{}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.c:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}
func (l *pipeListener) Close() error {
	select {
	case <-l.done:
	default:
		close(l.done)
	}
	return nil
}
func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// RFC 2920 §3: the replies to pipelined commands are sent together once
// the server has no more input waiting, not one write per reply.
func TestServerBatchesPipelinedReplies(t *testing.T) {
	sink := &testSink{ch: make(chan got, 1)}
	s, err := NewServer(Config{Hostname: "mx.test", Accept: func(string) bool { return true }, Sink: sink,
		Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	srvEnd, cliEnd := net.Pipe()
	l := &pipeListener{c: make(chan net.Conn, 1), done: make(chan struct{})}
	l.c <- srvEnd
	go s.Serve(l)
	defer s.Close()
	defer cliEnd.Close()
	cliEnd.SetDeadline(time.Now().Add(10 * time.Second))
	read := func() string {
		buf := make([]byte, 4096)
		n, err := cliEnd.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		return string(buf[:n])
	}
	if g := read(); !strings.HasPrefix(g, "220 ") {
		t.Fatalf("greeting %q", g)
	}
	if _, err := cliEnd.Write([]byte("EHLO client.test\r\n")); err != nil {
		t.Fatal(err)
	}
	if g := read(); !strings.Contains(g, "PIPELINING") {
		t.Fatalf("EHLO reply (one write) %q", g)
	}
	// MAIL and two RCPTs in one write: their three replies in one write.
	go cliEnd.Write([]byte("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nRCPT TO:<e@f.test>\r\n"))
	g := read()
	if strings.Count(g, "\r\n") != 3 || !strings.HasPrefix(g, "250") {
		t.Errorf("replies to the pipelined MAIL and RCPTs: %q, want three lines in one write", g)
	}
}

// Without TLS, AUTH is offered to the trusted networks' clients only
// (the policy's submission listener with trusted_networks and no
// certificate); an untrusted client gets 538 (RFC 4954 §4).
func TestAuthWithoutTLSTrustedOnly(t *testing.T) {
	auth := func(_ context.Context, _, u, p string) error {
		if u == "u" && p == "pw" {
			return nil
		}
		return io.EOF
	}
	for _, c := range []struct {
		trusted string
		offered bool
		tls     bool
	}{{"127.0.0.0/8", true, false}, {"192.0.2.0/24", false, false},
		// With TLS to be had, not even a trusted client gets AUTH PLAIN
		// in the clear (RFC 4954 §4).
		{"127.0.0.0/8", false, true}} {
		cfg := Config{Authenticate: auth, Trusted: []netip.Prefix{netip.MustParsePrefix(c.trusted)}}
		if c.tls {
			cfg.TLS = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
		}
		_, addr, _ := startServer(t, cfg)
		s := dial(t, addr)
		s.send("EHLO c")
		if r := s.reply(); strings.Contains(strings.Join(r, "\n"), "AUTH PLAIN") != c.offered {
			t.Errorf("trusted %s: AUTH offered %v, want %v: %q", c.trusted, !c.offered, c.offered, r)
		}
		s.send("AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00u\x00pw")))
		if c.offered {
			s.expect("235")
		} else {
			s.expect("538 5.7.11")
		}
	}
}

// A connection gets maxAuthFailures failed AUTH; the next is answered
// 421 and the connection closed (each try costs a password hash).
func TestAuthFailuresLimited(t *testing.T) {
	_, addr, _ := startServer(t, Config{AllowInsecureAuth: true,
		Authenticate: func(context.Context, string, string, string) error { return io.EOF }})
	s := dial(t, addr)
	s.send("EHLO c")
	s.reply()
	for range maxAuthFailures {
		s.send("AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00u\x00guess")))
		s.expect("535")
	}
	s.send("AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00u\x00guess")))
	s.expect("421 4.7.0")
}

// A submission listener (RequireAuth) takes no MAIL before AUTH (RFC 6409
// §4.3, RFC 4954 §6).
func TestRequireAuth(t *testing.T) {
	_, addr, _ := startServer(t, Config{AllowInsecureAuth: true, RequireAuth: true,
		Authenticate: func(_ context.Context, _, u, p string) error {
			if u == "u" && p == "pw" {
				return nil
			}
			return io.EOF
		}})
	s := dial(t, addr)
	s.send("EHLO c")
	s.reply()
	s.send("MAIL FROM:<a@r.test>")
	s.expect("530 5.7.0")
	s.send("AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00u\x00pw")))
	s.expect("235")
	s.send("MAIL FROM:<a@r.test>")
	s.expect("250")
}
