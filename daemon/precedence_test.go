package daemon

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"mixerd/mixer"
	"mixerd/queue"
	"mixerd/smtp"
	"mixerd/x400"
)

// holdRelay is an SMTP relay in the test whose ROUTINE messages are held:
// their DATA is not answered until release is closed. It records the
// Subject of each message it accepted, in order.
type holdRelay struct {
	mu       sync.Mutex
	accepted []string
	entered  chan string   // a Subject, when its DATA arrives
	done     chan string   // a Subject, when it was accepted
	release  chan struct{} // closed: the held messages are accepted
}

func (r *holdRelay) Deliver(ctx context.Context, env *smtp.Envelope, msg io.Reader) (*smtp.Receipt, error) {
	b, err := io.ReadAll(msg)
	if err != nil {
		return nil, err
	}
	h, _, err := mixer.ParseHeader(b, mixer.HeaderLimits{})
	if err != nil {
		return nil, err
	}
	subj, _ := h.Get("Subject")
	subj = strings.TrimSpace(subj)
	r.entered <- subj
	if strings.HasPrefix(subj, "routine") {
		select {
		case <-r.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	r.mu.Lock()
	r.accepted = append(r.accepted, subj)
	r.mu.Unlock()
	r.done <- subj
	return &smtp.Receipt{ID: subj}, nil
}

// Precedence (STANAG 4406 Annex A): with the only general worker held by
// a ROUTINE message at a slow relay and a ROUTINE backlog queued behind
// it, a FLASH message queued last is relayed at once by the worker the
// FLASH lane keeps, before the backlog.
func TestFlashOvertakesRoutineBacklog(t *testing.T) {
	const backlog = 5
	r := &holdRelay{entered: make(chan string, 2*backlog+2), done: make(chan string, 2*backlog+2),
		release: make(chan struct{})}
	s, err := smtp.NewServer(smtp.Config{Hostname: "relay.test", Accept: func(string) bool { return true }, Sink: r,
		Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(r.release) }) }

	// queue.workers = 4: the IMMEDIATE, FLASH and OVERRIDE lanes keep one
	// each (the default lanes), one general worker is left.
	d, _ := startDaemon(t, testPolicy(t, t.TempDir(), freeAddr(t), ln.Addr().String(), "4"))
	t.Cleanup(release) // before the daemon's stop: cleanups run last first
	addr := d.SMTPAddr("trusted").String()
	send := func(subj, prec string) {
		t.Helper()
		env := &mixer.SMTPEnvelope{MailFrom: "alice@example.net",
			Recipients: []mixer.SMTPRecipient{{Address: "bob@example.net"}}}
		msg := fmt.Sprintf("From: alice@example.net\r\nTo: bob@example.net\r\nSubject: %s\r\n"+
			"Message-ID: <%s@example.net>\r\nMMHS-Primary-Precedence: %s\r\n\r\n%s\r\n", subj, strings.ReplaceAll(subj, " ", "."), prec, subj)
		if res := sendSMTP(t, addr, env, msg); !res.Recipients[0].Accepted {
			t.Fatalf("%s refused: %+v", subj, res.Recipients[0])
		}
	}
	send("routine 0", "ROUTINE")
	// The general worker is now held at the relay by routine 0.
	if got := recv(t, r.entered, "routine 0 at the relay"); got != "routine 0" {
		t.Fatalf("first at the relay: %q", got)
	}
	for i := 1; i < backlog; i++ {
		send(fmt.Sprintf("routine %d", i), "ROUTINE")
	}
	send("flash 0", "FLASH")
	if got := recv(t, r.entered, "the FLASH message at the relay"); got != "flash 0" {
		t.Fatalf("the relay got %q before the FLASH message", got)
	}
	if got := recv(t, r.done, "the FLASH message accepted"); got != "flash 0" {
		t.Fatalf("accepted first: %q", got)
	}
	release()
	for range backlog {
		recv(t, r.done, "the ROUTINE backlog")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.accepted[0] != "flash 0" || len(r.accepted) != backlog+1 {
		t.Errorf("accepted in order %q", r.accepted)
	}
	for i, s := range r.accepted[1:] {
		if !strings.HasPrefix(s, "routine") {
			t.Errorf("accepted[%d] = %q", i+1, s)
		}
	}
}

// recv receives one value from c, failing the test after 20 s.
func recv[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	var v T
	select {
	case v = <-c:
	case <-tctx(t).Done():
		t.Fatalf("timed out waiting for %s", what)
	}
	return v
}

// Anyone may write MMHS-Primary-Precedence: the lane it gives is raised
// only for a trusted (or authenticated) client, as MT-PRIORITY is (RFC
// 6710 §4.1); an untrusted client's FLASH waits in ROUTINE's lane.
func TestUntrustedPrecedenceLane(t *testing.T) {
	_, relayAddr := startRelay(t)
	d, _ := startDaemon(t, testPolicy(t, t.TempDir(), freeAddr(t), relayAddr, ""))
	for _, c := range []struct {
		listener, subj string
		want           x400.Precedence
	}{{"public", "from-outside", x400.PrecedenceRoutine}, {"trusted", "from-inside", x400.PrecedenceFlash}} {
		msg := "From: alice@example.net\r\nTo: /C=XX/PRMD=Peer/O=HQ/S=Bob/@gateway.test\r\nSubject: " + c.subj +
			"\r\nMessage-ID: <" + c.subj + "@example.net>\r\nMMHS-Primary-Precedence: FLASH\r\n\r\nmove\r\n"
		res := sendSMTP(t, d.SMTPAddr(c.listener).String(), &mixer.SMTPEnvelope{MailFrom: "alice@example.net",
			Recipients: []mixer.SMTPRecipient{{Address: "/C=XX/PRMD=Peer/O=HQ/S=Bob/@gateway.test"}}}, msg)
		if !res.Recipients[0].Accepted {
			t.Fatalf("%s: refused %+v", c.listener, res.Recipients[0])
		}
		var got []queue.Message
		for _, m := range d.Queue().List(queue.Filter{}) {
			if strings.HasPrefix(m.MessageID, "<"+c.subj+"@") {
				got = append(got, m)
			}
		}
		if len(got) != 1 || got[0].Precedence != c.want {
			t.Errorf("%s listener: queued %+v, want one message in lane %v", c.listener, got, c.want)
		}
	}
}
