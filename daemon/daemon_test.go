package daemon

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"mixerd/internal/tshark"
	"mixerd/mixer"
	"mixerd/osi"
	"mixerd/p1"
	"mixerd/policy"
	"mixerd/queue"
	"mixerd/smtp"
	"mixerd/x400"
)

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// freeAddr returns a loopback address with a port free now (for a peer
// the policy names before it listens).
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := l.Addr().String()
	l.Close()
	return a
}

// testPolicy writes and loads a policy whose peer and relay are at the
// given addresses, with its spool in dir.
func testPolicy(t *testing.T, dir, peerAddr, relayAddr, extra string) *policy.Policy {
	t.Helper()
	src := fmt.Sprintf(`
gateway {
  mta_name = "MIXERD"
  password = "mixerd-secret"
  global_domain = "/C=XX/ADMD= /PRMD=Gateway/"
  or_address = "/C=XX/ADMD= /PRMD=Gateway/"
  domain = "gateway.test"
}
p1_listener "main" {
  address = "127.0.0.1:0"
}
smtp_listener "trusted" {
  address = "127.0.0.1:0"
  trusted_networks = ["127.0.0.0/8"]
}
smtp_listener "public" {
  address = "127.0.0.1:0"
}
admin_listener {
  address = "127.0.0.1:0"
}
x400_peer "PEER-MTA" {
  password = "peer-secret"
  address = %q
}
smtp_relay "relay" {
  address = %q
  starttls = "off"
}
routing {
  local_domains = ["gateway.test"]
  x400_default = "PEER-MTA"
  route {
    domain = "example.net"
    via = "relay"
  }
}
queue {
  directory = "spool"
  workers = %s
}
`, peerAddr, relayAddr, orDefault(extra, "8"))
	file := filepath.Join(dir, "policy.hcl")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := policy.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// peer is an X.400 MTA in the test: it records the APDUs it is given.
type peer struct {
	mu    sync.Mutex
	apdus [][]byte
	got   chan struct{}
	stop  func()
}

func (p *peer) Deliver(ctx context.Context, apdu *x400.MTSAPDU, raw []byte, from string) error {
	p.mu.Lock()
	p.apdus = append(p.apdus, bytes.Clone(raw))
	p.mu.Unlock()
	p.got <- struct{}{}
	return nil
}

func startPeer(t *testing.T, addr string) *peer {
	t.Helper()
	cfg := &p1.ServerConfig{Name: "PEER-MTA", Password: "peer-secret",
		Peers: []p1.Peer{{Name: "MIXERD", Password: "mixerd-secret"}}, Logger: testLogger(t)}
	l, err := p1.Listen(addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &peer{got: make(chan struct{}, 100)}
	done := make(chan struct{})
	go func() { p1.Serve(ctx, l, cfg, p); close(done) }()
	var once sync.Once
	p.stop = func() { once.Do(func() { cancel(); l.Close(); <-done }) }
	t.Cleanup(p.stop)
	return p
}

// relay is an SMTP server in the test: it records the messages.
type relay struct {
	mu   sync.Mutex
	msgs []relayed
	got  chan struct{}
}

type relayed struct {
	env smtp.Envelope
	msg []byte
}

func (r *relay) Deliver(ctx context.Context, env *smtp.Envelope, msg io.Reader) (*smtp.Receipt, error) {
	b, err := io.ReadAll(msg)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.msgs = append(r.msgs, relayed{*env, b})
	r.mu.Unlock()
	r.got <- struct{}{}
	return &smtp.Receipt{ID: "r1"}, nil
}

func startRelay(t *testing.T) (*relay, string) {
	t.Helper()
	r := &relay{got: make(chan struct{}, 100)}
	s, err := smtp.NewServer(smtp.Config{Hostname: "relay.test", Accept: func(string) bool { return true }, Sink: r,
		Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return r, l.Addr().String()
}

// startDaemon runs a daemon on p until the test ends; stop stops it and
// waits.
func startDaemon(t *testing.T, p *policy.Policy) (d *Daemon, stop func()) {
	t.Helper()
	d, err := New(p, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	d.reportLogged = make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(15 * time.Second):
				buf := make([]byte, 1<<20)
				t.Errorf("Run did not stop:\n%s", buf[:runtime.Stack(buf, true)])
			}
		})
	}
	t.Cleanup(stop)
	return d, stop
}

func wait(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(20 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func tctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// sendSMTP sends msg with the smtp package's client to addr.
func sendSMTP(t *testing.T, addr string, env *mixer.SMTPEnvelope, msg string) *smtp.Result {
	t.Helper()
	c := &smtp.Client{Hostname: "client.test", Logger: testLogger(t)}
	res, err := c.Deliver(tctx(t), addr, env, []byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

const mmhsMessage = "From: alice@example.net\r\n" +
	"To: /C=XX/PRMD=Peer/O=HQ/S=Bob/@gateway.test\r\n" +
	"Subject: flash traffic\r\n" +
	"Message-ID: <flash1@example.net>\r\n" +
	"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
	"MMHS-Primary-Precedence: FLASH\r\n" +
	"MMHS-Originator-Reference: REF-1\r\n" +
	"\r\n" +
	"Move now.\r\n"

// 1. SMTP -> mixerd -> X.400: MMHS fields, MT-PRIORITY, DSN.
func TestSMTPToX400(t *testing.T) {
	dir := t.TempDir()
	peerAddr := freeAddr(t)
	pr := startPeer(t, peerAddr)
	_, relayAddr := startRelay(t)
	d, _ := startDaemon(t, testPolicy(t, dir, peerAddr, relayAddr, ""))
	four := 4
	env := &mixer.SMTPEnvelope{MailFrom: "alice@example.net", EnvID: "env-1", Ret: "HDRS", MTPriority: &four,
		Recipients: []mixer.SMTPRecipient{{Address: "/C=XX/PRMD=Peer/O=HQ/S=Bob/@gateway.test",
			Notify: mixer.NotifySuccess | mixer.NotifyFailure, ORcptType: "rfc822", ORcpt: "bob@hq.example"}}}
	res := sendSMTP(t, d.SMTPAddr("trusted").String(), env, mmhsMessage)
	if !res.Recipients[0].Accepted {
		t.Fatalf("refused: %+v", res.Recipients[0])
	}
	wait(t, pr.got, "the APDU at the peer")
	pr.mu.Lock()
	raw := pr.apdus[0]
	pr.mu.Unlock()
	apdu, err := x400.DecodeMTSAPDU(raw, nil)
	if err != nil || apdu.Message == nil {
		t.Fatalf("decode: %v", err)
	}
	e := &apdu.Message.Envelope
	if !e.ContentType.Is(x400.ContentTypeP772) {
		t.Errorf("content type %v, want P772", e.ContentType)
	}
	obj, err := x400.DecodeInformationObject(apdu.Message.Content, nil)
	if err != nil || obj.IPM == nil {
		t.Fatalf("content: %v", err)
	}
	mil, err := obj.IPM.Heading.Military()
	if err != nil || mil == nil || mil.PrimaryPrecedence == nil || *mil.PrimaryPrecedence != x400.PrecedenceFlash {
		t.Errorf("military heading %+v, %v", mil, err)
	}
	if len(e.PerRecipientFields) != 1 {
		t.Fatalf("recipients %d", len(e.PerRecipientFields))
	}
	rn := e.PerRecipientFields[0].RecipientName.ORAddress
	if rn.PRMD.Value != "Peer" || rn.Organization != "HQ" || rn.PersonalName.Surname != "Bob" {
		t.Errorf("recipient %s", rn.String())
	}
	if e.PerRecipientFields[0].PerRecipientIndicators&x400.PerRecipientResponsibility == 0 {
		t.Error("responsibility bit not set")
	}
	tshark.CheckBER(t, raw, "P1 Message", tshark.Check{Require: []string{"p1.message_element", "p772.PrimaryPrecedence"},
		OIDsWithoutDissector: []string{"1.3.6.1.7.1"}})
}

// ppMessageTo returns the PP sample message readdressed to one recipient.
func ppMessageTo(t *testing.T, rcpt string) []byte {
	t.Helper()
	b, err := os.ReadFile("../x400/testdata/p1_message_pp1988.ber")
	if err != nil {
		t.Fatal(err)
	}
	apdu, err := x400.DecodeMTSAPDU(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := x400.ParseORAddress(rcpt)
	if err != nil {
		t.Fatal(err)
	}
	rf := apdu.Message.Envelope.PerRecipientFields[0]
	rf.RecipientName = x400.ORName{ORAddress: a}
	rf.PerRecipientIndicators |= x400.PerRecipientResponsibility
	apdu.Message.Envelope.PerRecipientFields = []x400.PerRecipientTransferFields{rf}
	out, err := apdu.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// transferP1 binds to the daemon as PEER-MTA and transfers apdu.
func transferP1(t *testing.T, addr string, apdu []byte) {
	t.Helper()
	c, _, err := p1.Bind(tctx(t), &p1.DialConfig{DialConfig: osi.DialConfig{Address: addr, Mode: osi.Mode1988Normal},
		Name: "PEER-MTA", Password: "peer-secret"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(tctx(t))
	if err := c.Transfer(tctx(t), apdu); err != nil {
		t.Fatal(err)
	}
}

// 2. X.400 -> mixerd -> SMTP: the PP message to an Internet recipient.
func TestX400ToSMTP(t *testing.T) {
	dir := t.TempDir()
	rl, relayAddr := startRelay(t)
	d, _ := startDaemon(t, testPolicy(t, dir, freeAddr(t), relayAddr, ""))
	transferP1(t, d.P1Addr("main").String(), ppMessageTo(t, "/C=XX/ADMD= /PRMD=Gateway/DD.RFC-822=bob(a)example.net/"))
	wait(t, rl.got, "the message at the relay")
	rl.mu.Lock()
	m := rl.msgs[0]
	rl.mu.Unlock()
	if len(m.env.Recipients) != 1 || m.env.Recipients[0].Address != "bob@example.net" {
		t.Errorf("RCPT TO %+v", m.env.Recipients)
	}
	if m.env.MailFrom == "" {
		t.Error("MAIL FROM is null")
	}
	h, n, err := mixer.ParseHeader(m.msg, mixer.HeaderLimits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"From", "To", "Subject", "Received"} {
		if _, ok := h.Get(f); !ok {
			t.Errorf("no %s: in\n%s", f, m.msg)
		}
	}
	if to, _ := h.Get("To"); !strings.Contains(to, "@") {
		t.Errorf("To: %q", to)
	}
	if len(bytes.TrimSpace(m.msg[n:])) == 0 {
		t.Error("empty body")
	}
	if !strings.Contains(string(m.msg[n:]), ppBodyText(t)) {
		t.Errorf("body %q lacks the IPM's text %q", m.msg[n:], ppBodyText(t))
	}
}

// ppBodyText is a line of the PP sample's text body.
func ppBodyText(t *testing.T) string {
	b, _ := os.ReadFile("../x400/testdata/p1_message_pp1988.ber")
	apdu, _ := x400.DecodeMTSAPDU(b, nil)
	obj, err := x400.DecodeInformationObject(apdu.Message.Content, nil)
	if err != nil || obj.IPM == nil {
		t.Fatalf("PP content: %v", err)
	}
	g := &mixer.Gateway{Domain: "x.test"}
	_, body, err := g.BodyToMIME(obj.IPM.Body, nil)
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\r\n")
	return line
}

// 5. No route: that recipient fails permanently at once, the other goes
// on; an untrusted client cannot relay.
func TestNoRouteAndOpenRelay(t *testing.T) {
	dir := t.TempDir()
	rl, relayAddr := startRelay(t)
	d, _ := startDaemon(t, testPolicy(t, dir, freeAddr(t), relayAddr, ""))
	env := &mixer.SMTPEnvelope{MailFrom: "alice@example.net", Recipients: []mixer.SMTPRecipient{
		{Address: "carol@nowhere.invalid"}, {Address: "bob@example.net"}}}
	res := sendSMTP(t, d.SMTPAddr("trusted").String(), env,
		"From: alice@example.net\r\nTo: bob@example.net\r\nSubject: hi\r\nMessage-ID: <nr@example.net>\r\n\r\nhello\r\n")
	// Over SMTP a recipient with no route is refused at RCPT (no
	// backscatter), the others go on.
	if r := res.Recipients[0]; r.Accepted || r.Code != 550 || r.Status != "5.4.4" {
		t.Errorf("unrouted recipient: %+v", r)
	}
	if r := res.Recipients[1]; !r.Accepted {
		t.Fatalf("refused: %+v", r)
	}
	// An address at the gateway's domain that names no one: 550 5.1.1.
	res = sendSMTP(t, d.SMTPAddr("trusted").String(), &mixer.SMTPEnvelope{MailFrom: "alice@example.net",
		Recipients: []mixer.SMTPRecipient{{Address: "Smith@gateway.test"}}}, "Subject: x\r\n\r\nx\r\n")
	if r := res.Recipients[0]; r.Accepted || r.Code != 550 || r.Status != "5.1.1" {
		t.Errorf("no one at the gateway's domain: %+v", r)
	}
	wait(t, rl.got, "the routed recipient at the relay")
	// Over P1 (already accepted by the transfer) a recipient with no route
	// fails permanently: a non-delivery report to the originator is spooled
	// (its MTA is down here) and the failure is no longer due.
	transferP1(t, d.P1Addr("main").String(), ppMessageTo(t, "/C=XX/ADMD= /PRMD=Gateway/DD.RFC-822=carol(a)nowhere.invalid/"))
	rl.mu.Lock()
	if rs := rl.msgs[0].env.Recipients; len(rs) != 1 || rs[0].Address != "bob@example.net" {
		t.Errorf("relay got %+v", rs)
	}
	rl.mu.Unlock()
	deadline := time.After(10 * time.Second)
	for {
		ndr := 0
		for _, m := range d.Queue().List(queue.Filter{}) {
			if m.Source.Protocol == "ndr" && m.Kind == queue.KindP1 {
				ndr++
			}
		}
		f := d.Queue().PendingReports()
		if ndr == 1 && len(f) == 0 {
			break
		}
		select {
		case <-d.reportLogged:
		case <-time.After(20 * time.Millisecond): // polling the spool's state, not synchronising
		case <-deadline:
			t.Fatalf("no non-delivery report for the unrouted recipient: %d spooled, %+v due", ndr, f)
		}
	}

	// Open relay: the public listener takes mail for the gateway's domain
	// only.
	env = &mixer.SMTPEnvelope{MailFrom: "spam@example.org", Recipients: []mixer.SMTPRecipient{{Address: "bob@example.net"}}}
	res = sendSMTP(t, d.SMTPAddr("public").String(), env, "Subject: x\r\n\r\nx\r\n")
	if r := res.Recipients[0]; r.Accepted || r.Code != 554 || r.Temporary {
		t.Errorf("relay from an untrusted client: %+v", r)
	}
}

// 4. Restart: a message accepted while its next hop is down survives a
// stop and start and is delivered once when the hop comes up.
func TestRestart(t *testing.T) {
	dir := t.TempDir()
	peerAddr := freeAddr(t)
	_, relayAddr := startRelay(t)
	p := testPolicy(t, dir, peerAddr, relayAddr, "")
	d, stop := startDaemon(t, p)
	env := &mixer.SMTPEnvelope{MailFrom: "alice@example.net", Recipients: []mixer.SMTPRecipient{
		{Address: "/C=XX/PRMD=Peer/O=HQ/S=Bob/@gateway.test"}}}
	res := sendSMTP(t, d.SMTPAddr("trusted").String(), env, mmhsMessage)
	if !res.Recipients[0].Accepted {
		t.Fatalf("refused: %+v", res.Recipients[0])
	}
	// The peer is down: wait for the first failed attempt.
	deadline := time.Now().Add(20 * time.Second)
	for {
		ms := d.Queue().List(queue.Filter{States: []queue.State{queue.StateTransient}})
		if len(ms) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no transient failure recorded")
		}
		select {
		case <-time.After(20 * time.Millisecond): // polling the spool's state, not synchronising
		}
	}
	stop()

	pr := startPeer(t, peerAddr)
	p2 := testPolicy(t, dir, peerAddr, relayAddr, "")
	d2, _ := startDaemon(t, p2)
	ms := d2.Queue().List(queue.Filter{})
	if len(ms) != 1 {
		t.Fatalf("after restart %d messages queued", len(ms))
	}
	if err := d2.Queue().RetryNow(ms[0].ID); err != nil {
		t.Fatal(err)
	}
	wait(t, pr.got, "the message at the peer")
	select {
	case <-pr.got:
		t.Error("delivered twice")
	case <-time.After(300 * time.Millisecond): // a second copy would follow at once
	}
}
