package p1

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"mixerd/osi"
	"mixerd/osi/rtse"
	"mixerd/x400"
)

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func timeouts() osi.Timeouts {
	return osi.Timeouts{Connect: 5 * time.Second, Read: 5 * time.Second, Write: 5 * time.Second, Release: 2 * time.Second}
}

// fakeSink records the APDUs delivered, or fails with err.
type fakeSink struct {
	mu   sync.Mutex
	got  [][]byte
	from []string
	err  error
}

func (s *fakeSink) Deliver(ctx context.Context, apdu *x400.MTSAPDU, raw []byte, from string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.got = append(s.got, bytes.Clone(raw))
	s.from = append(s.from, from)
	return nil
}

func (s *fakeSink) setErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

func (s *fakeSink) received() ([][]byte, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.got, s.from
}

// start serves cfg on 127.0.0.1:0 and returns the address; the server stops
// at the end of the test.
func start(t *testing.T, cfg *ServerConfig, sink Sink) string {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name, cfg.Password = "mta-b", "secret-b"
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	cfg.Timeouts = timeouts()
	l, err := Listen("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, l, cfg, sink) }()
	t.Cleanup(func() {
		cancel()
		l.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not stop")
		}
	})
	return l.Addr().String()
}

func dialConfig(addr, name, pw string) *DialConfig {
	return &DialConfig{
		DialConfig: osi.DialConfig{Address: addr, Mode: osi.Mode1988Normal, Timeouts: timeouts(), Logger: testLogger()},
		Name:       name,
		Password:   pw,
	}
}

func peersA() []Peer { return []Peer{{Name: "mta-a", Password: "secret-a"}} }

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestBindAccepted(t *testing.T) {
	for _, ia5 := range []bool{false, true} {
		for _, dm := range []struct {
			name string
			m    osi.Mode
		}{{"1988-normal", osi.Mode1988Normal}, {"x410", osi.Mode1988X410}, {"1984", osi.Mode1984}} {
			addr := start(t, &ServerConfig{Peers: peersA()}, &fakeSink{})
			dc := dialConfig(addr, "mta-a", "secret-a")
			dc.PasswordIA5 = ia5
			dc.Mode = dm.m
			dc.PeerName, dc.PeerPassword = "mta-b", "secret-b"
			c, res, err := Bind(ctx(t), dc)
			if err != nil {
				t.Fatalf("%s ia5=%v: %v", dm.name, ia5, err)
			}
			if res.ResponderName != "mta-b" || res.Credentials.Password != "secret-b" || res.Credentials.PasswordIA5 != ia5 {
				t.Errorf("%s ia5=%v: result %+v", dm.name, ia5, res)
			}
			if err := c.Close(ctx(t)); err != nil {
				t.Errorf("%s: close: %v", dm.name, err)
			}
		}
	}
}

func wantBindError(t *testing.T, err error, want x400.MTABindError) {
	t.Helper()
	var be *BindError
	if !errors.As(err, &be) {
		t.Fatalf("error %v (%T), want a *BindError", err, err)
	}
	if be.Reason != want {
		t.Fatalf("bind error %v, want %v", be.Reason, want)
	}
}

func TestBindRefused(t *testing.T) {
	for _, c := range []struct {
		name     string
		cfg      ServerConfig
		mode     osi.Mode
		dm       int
		user, pw string
		want     x400.MTABindError
	}{
		{"wrong-password", ServerConfig{Peers: peersA()}, osi.Mode1988Normal, 0, "mta-a", "wrong", x400.BindAuthenticationError},
		{"wrong-password-x410", ServerConfig{Peers: peersA()}, osi.Mode1988X410, 0, "mta-a", "wrong", x400.BindAuthenticationError},
		{"unknown-peer", ServerConfig{Peers: peersA()}, osi.Mode1988Normal, 0, "mta-x", "secret-a", x400.BindAuthenticationError},
		{"known-peer-wrong-password-accept-any", ServerConfig{Peers: peersA(), AcceptAny: true}, osi.Mode1988Normal, 0, "mta-a", "x", x400.BindAuthenticationError},
		{"wrong-address", ServerConfig{Peers: []Peer{{Name: "mta-a", Password: "secret-a", Addr: netip.MustParsePrefix("192.0.2.0/24")}}}, osi.Mode1988Normal, 0, "mta-a", "secret-a", x400.BindAuthenticationError},
		{"dialogue-mode", ServerConfig{Peers: peersA(), DialogueModes: []osiDM{osi.Monologue}}, osi.Mode1988Normal, 1, "mta-a", "secret-a", x400.BindUnacceptableDialogueMode},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr := start(t, &c.cfg, &fakeSink{})
			dc := dialConfig(addr, c.user, c.pw)
			dc.Mode = c.mode
			dc.DialogueMode = osiDM(c.dm)
			_, _, err := Bind(ctx(t), dc)
			wantBindError(t, err, c.want)
		})
	}
}

func TestBindAddressAndAcceptAny(t *testing.T) {
	cfg := &ServerConfig{Peers: []Peer{{Name: "mta-a", Password: "secret-a", Addr: netip.MustParsePrefix("127.0.0.0/8")}}, AcceptAny: true}
	addr := start(t, cfg, &fakeSink{})
	for _, u := range [][2]string{{"mta-a", "secret-a"}, {"anyone", "anything"}} {
		c, _, err := Bind(ctx(t), dialConfig(addr, u[0], u[1]))
		if err != nil {
			t.Fatalf("%s: %v", u[0], err)
		}
		c.Close(ctx(t))
	}
}

// TestBindSourceAddress: a peer known by its source address is accepted
// when we dial from that address (DialConfig.SourceIP) and refused from
// another.
func TestBindSourceAddress(t *testing.T) {
	cfg := &ServerConfig{Peers: []Peer{{Name: "mta-a", Password: "secret-a", Addr: netip.MustParsePrefix("127.0.0.2/32")}}}
	addr := start(t, cfg, &fakeSink{})
	dc := dialConfig(addr, "mta-a", "secret-a")
	dc.SourceIP = netip.MustParseAddr("127.0.0.2")
	c, _, err := Bind(ctx(t), dc)
	if err != nil {
		t.Fatalf("from 127.0.0.2: %v", err)
	}
	if got := c.Association().LocalAddr.String(); !strings.HasPrefix(got, "127.0.0.2:") {
		t.Errorf("dialled from %s", got)
	}
	c.Close(ctx(t))
	dc.SourceIP = netip.MustParseAddr("127.0.0.1")
	_, _, err = Bind(ctx(t), dc)
	wantBindError(t, err, x400.BindAuthenticationError)
}

func TestBindBusy(t *testing.T) {
	addr := start(t, &ServerConfig{Peers: peersA(), MaxAssociations: 1}, &fakeSink{})
	c, _, err := Bind(ctx(t), dialConfig(addr, "mta-a", "secret-a"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx(t))
	_, _, err = Bind(ctx(t), dialConfig(addr, "mta-a", "secret-a"))
	wantBindError(t, err, x400.BindBusy)
}

func TestPeerAuthChecked(t *testing.T) {
	addr := start(t, &ServerConfig{Peers: peersA()}, &fakeSink{})
	dc := dialConfig(addr, "mta-a", "secret-a")
	dc.PeerName, dc.PeerPassword = "mta-b", "not-this"
	_, _, err := Bind(ctx(t), dc)
	var pe *PeerAuthError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v, want *PeerAuthError", err)
	}
}

func marshal(t *testing.T, a *x400.MTSAPDU) []byte {
	t.Helper()
	b, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTransferDelivered(t *testing.T) {
	type variant struct {
		mode osi.Mode
		dm   osiDM
	}
	for _, v := range []variant{
		{osi.Mode1988Normal, osi.Monologue}, {osi.Mode1988Normal, osi.TwoWayAlternate},
		{osi.Mode1988X410, osi.Monologue}, {osi.Mode1988X410, osi.TwoWayAlternate},
		{osi.Mode1984, osi.Monologue},
	} {
		sink := &fakeSink{}
		addr := start(t, &ServerConfig{Peers: peersA()}, sink)
		dc := dialConfig(addr, "mta-a", "secret-a")
		dc.Mode, dc.DialogueMode = v.mode, v.dm
		c, _, err := Bind(ctx(t), dc)
		if err != nil {
			t.Fatal(err)
		}
		want := [][]byte{marshal(t, x400.SampleMessage()), marshal(t, x400.SampleReport()), marshal(t, x400.SampleProbe())}
		for i, b := range want {
			if err := c.Transfer(ctx(t), b); err != nil {
				t.Fatalf("transfer %d: %v", i, err)
			}
			// Confirmed means delivered, already.
			if got, _ := sink.received(); len(got) != i+1 {
				t.Fatalf("after transfer %d confirmed, the sink has %d APDUs", i, len(got))
			}
		}
		if err := c.Close(ctx(t)); err != nil {
			t.Fatal(err)
		}
		got, from := sink.received()
		if len(got) != len(want) {
			t.Fatalf("sink got %d APDUs, want %d", len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) || from[i] != "mta-a" {
				t.Errorf("APDU %d: from %q, bytes equal %v", i, from[i], bytes.Equal(got[i], want[i]))
			}
		}
	}
}

// TestTransferTurn: in two-way alternate mode the initiator gives the turn
// between transfers; the server, having nothing to send on an incoming
// association, gives it back, and the initiator transfers again.
func TestTransferTurn(t *testing.T) {
	for _, mode := range []osi.Mode{osi.Mode1988Normal, osi.Mode1988X410} {
		sink := &fakeSink{}
		addr := start(t, &ServerConfig{Peers: peersA()}, sink)
		dc := dialConfig(addr, "mta-a", "secret-a")
		dc.Mode, dc.DialogueMode = mode, osi.TwoWayAlternate
		c, _, err := Bind(ctx(t), dc)
		if err != nil {
			t.Fatal(err)
		}
		msg := marshal(t, x400.SampleMessage())
		if err := c.Transfer(ctx(t), msg); err != nil {
			t.Fatal(err)
		}
		a := c.Association()
		if err := a.GiveTurn(ctx(t)); err != nil {
			t.Fatalf("%v: give turn: %v", mode, err)
		}
		if _, err := a.ReceiveTransfer(ctx(t)); !errors.Is(err, osi.ErrTurnGiven) {
			t.Fatalf("%v: waiting for the turn back: %v, want ErrTurnGiven", mode, err)
		}
		if !a.HasTurn() {
			t.Fatalf("%v: turn not back", mode)
		}
		if err := c.Transfer(ctx(t), msg); err != nil {
			t.Fatalf("%v: transfer after the turn came back: %v", mode, err)
		}
		if err := c.Close(ctx(t)); err != nil {
			t.Fatal(err)
		}
		if got, _ := sink.received(); len(got) != 2 {
			t.Errorf("%v: sink has %d APDUs, want 2", mode, len(got))
		}
	}
}

func TestTransferSinkError(t *testing.T) {
	sink := &fakeSink{err: errors.New("disk full")}
	addr := start(t, &ServerConfig{Peers: peersA()}, sink)
	c, _, err := Bind(ctx(t), dialConfig(addr, "mta-a", "secret-a"))
	if err != nil {
		t.Fatal(err)
	}
	msg := marshal(t, x400.SampleMessage())
	err = c.Transfer(ctx(t), msg)
	if err == nil {
		t.Fatal("transfer confirmed although the sink refused it")
	}
	wantRefused(t, err, osi.ExceptionJeopardized)
	if got, _ := sink.received(); len(got) != 0 {
		t.Errorf("sink has %d APDUs", len(got))
	}
	// The association goes on: once the sink works again, the same APDU
	// is taken on it.
	sink.setErr(nil)
	if err := c.Transfer(ctx(t), msg); err != nil {
		t.Fatalf("transfer after the refusal: %v", err)
	}
	if got, _ := sink.received(); len(got) != 1 || !bytes.Equal(got[0], msg) {
		t.Errorf("sink has %d APDUs, want the one sent again", len(got))
	}
	if err := c.Close(ctx(t)); err != nil {
		t.Fatal(err)
	}
}

// wantRefused checks that err is the receiver's refusal of a transfer with
// reason, which leaves the association usable.
func wantRefused(t *testing.T, err error, reason osi.ExceptionReason) {
	t.Helper()
	var re *osi.TransferRefusedError
	if !errors.As(err, &re) || re.Reason != reason {
		t.Fatalf("transfer: %v (%T), want a refusal with reason %d", err, err, reason)
	}
}

func TestTransferMalformed(t *testing.T) {
	msg := marshal(t, x400.SampleMessage())
	nr := x400.SampleMessage()
	nr.Message.Envelope.PerRecipientFields = nil
	noRecipients := marshal(t, nr)
	for _, c := range []struct {
		name string
		apdu []byte
	}{
		{"truncated-inside", wrap(msg[0], content(msg)[:len(content(msg))-3])},
		{"not-an-apdu", []byte{0x04, 0x02, 'h', 'i'}},
		{"empty-message", []byte{0xa0, 0x00}},
		{"no-recipients", noRecipients},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs logBuffer
			sink := &fakeSink{}
			addr := start(t, &ServerConfig{Peers: peersA(), Logger: slog.New(slog.NewTextHandler(&logs, nil))}, sink)
			cl, _, err := Bind(ctx(t), dialConfig(addr, "mta-a", "secret-a"))
			if err != nil {
				t.Fatal(err)
			}
			err = cl.Transfer(ctx(t), c.apdu)
			wantRefused(t, err, osi.ExceptionLocalError)
			if got, _ := sink.received(); len(got) != 0 {
				t.Errorf("sink has %d APDUs", len(got))
			}
			waitLog(t, &logs, "p1 APDU refused")
			// The refusal leaves the association up for the next APDU.
			if err := cl.Transfer(ctx(t), msg); err != nil {
				t.Fatalf("transfer after the refusal: %v", err)
			}
			if err := cl.Close(ctx(t)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

type osiDM = rtse.DialogueMode

// logBuffer collects the server's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestTransferCriticalExtension: an APDU with a per-message extension
// critical for transfer that we do not know is refused (an exception
// report: the association stays up), logged, and
// never handed to the sink.
func TestTransferCriticalExtension(t *testing.T) {
	crit := x400.Extension{Type: x400.ExtensionType{Standard: 201}, Critical: x400.CriticalForTransfer, Value: x400.Raw{0x05, 0x00}}
	msg, probe, rep := x400.SampleMessage(), x400.SampleProbe(), x400.SampleReport()
	msg.Message.Envelope.Extensions = append(msg.Message.Envelope.Extensions, crit)
	probe.Probe.Extensions = append(probe.Probe.Extensions, crit)
	rep.Report.Envelope.Extensions = append(rep.Report.Envelope.Extensions, crit)
	for _, a := range []*x400.MTSAPDU{msg, probe, rep} {
		t.Run(Kind(a), func(t *testing.T) {
			var logs logBuffer
			sink := &fakeSink{}
			addr := start(t, &ServerConfig{Peers: peersA(), Logger: slog.New(slog.NewTextHandler(&logs, nil))}, sink)
			c, _, err := Bind(ctx(t), dialConfig(addr, "mta-a", "secret-a"))
			if err != nil {
				t.Fatal(err)
			}
			err = c.Transfer(ctx(t), marshal(t, a))
			wantRefused(t, err, osi.ExceptionLocalError)
			if got, _ := sink.received(); len(got) != 0 {
				t.Errorf("sink has %d APDUs", len(got))
			}
			waitLog(t, &logs, "critical for transfer")
		})
	}
}

// waitLog waits for a log line containing want (the server logs after it
// aborted, so a little after the client saw the abort).
func waitLog(t *testing.T, logs *logBuffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(logs.String(), want) {
			return
		}
	}
	t.Errorf("no log line with %q:\n%s", want, logs.String())
}

// content is the content octets of the element b (definite length).
func content(b []byte) []byte {
	hdr := 2
	if b[1] >= 0x80 {
		hdr += int(b[1] & 0x7f)
	}
	return b[hdr:]
}

// wrap makes the element of tag (one octet) around c, with a DER length.
func wrap(tag byte, c []byte) []byte {
	b := []byte{tag}
	switch n := len(c); {
	case n < 0x80:
		b = append(b, byte(n))
	case n < 0x100:
		b = append(b, 0x81, byte(n))
	default:
		b = append(b, 0x82, byte(n>>8), byte(n))
	}
	return append(b, c...)
}

// TestTransferNotBER: bytes that are not one BER element never leave the
// sender (osi's Transfer refuses them before sending).
func TestTransferNotBER(t *testing.T) {
	msg := marshal(t, x400.SampleMessage())
	sink := &fakeSink{}
	addr := start(t, &ServerConfig{Peers: peersA()}, sink)
	for _, b := range [][]byte{msg[:len(msg)-3], {0xff, 0xff, 0xff}} {
		c, _, err := Bind(ctx(t), dialConfig(addr, "mta-a", "secret-a"))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Transfer(ctx(t), b); err == nil {
			t.Fatal("not BER, confirmed")
		}
		c.Abort(ctx(t), 0)
	}
	if got, _ := sink.received(); len(got) != 0 {
		t.Errorf("sink has %d APDUs", len(got))
	}
}
