package postfixtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"syscall"
	"testing"
	"time"
)

// send sends one message with net/smtp and returns the error of the first
// failed command, with every recipient tried.
func send(t *testing.T, addr, from string, rcpts []string, msg string) (rcptErrs map[string]error, err error) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	c, err := smtp.NewClient(conn, "127.0.0.1")
	if err != nil {
		return nil, err
	}
	if err := c.Hello("client.test"); err != nil {
		return nil, err
	}
	if err := c.Mail(from); err != nil {
		return nil, err
	}
	rcptErrs = map[string]error{}
	accepted := 0
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			rcptErrs[r] = err
			continue
		}
		accepted++
	}
	if accepted == 0 {
		return rcptErrs, errors.New("no recipient accepted")
	}
	w, err := c.Data()
	if err != nil {
		return rcptErrs, err
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return rcptErrs, err
	}
	if err := w.Close(); err != nil {
		return rcptErrs, err
	}
	return rcptErrs, c.Quit()
}

func message(id, subject, body string) string {
	return strings.ReplaceAll(fmt.Sprintf("From: <sender@client.test>\nTo: <alice@example.test>, <bob@example.test>\nSubject: %s\nMessage-ID: <%s@client.test>\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\n%s\n", subject, id, body), "\n", "\r\n")
}

// header returns the value of the first header field named name, unfolded.
func header(raw []byte, name string) string {
	h, _, _ := strings.Cut(string(raw), "\n\n")
	h = strings.NewReplacer("\n ", " ", "\n\t", " ").Replace(h)
	for _, line := range strings.Split(h, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func TestInstance(t *testing.T) {
	t.Parallel()
	in := Start(t, Options{
		Reject: map[string]string{"bad@example.test": "550 5.1.1 <bad@example.test>: rejected by test"},
		Bounce: map[string]string{"gone@example.test": "5.1.1 mailbox gone"},
	})
	if !strings.HasPrefix(in.Addr, "127.0.0.1:") {
		t.Fatalf("Addr = %q", in.Addr)
	}

	// Message 1 to alice, bob and the rejected recipient; message 2 to bob.
	rerr, err := send(t, in.Addr, "sender@client.test",
		[]string{"alice@example.test", "bad@example.test", "bob@example.test"},
		message("one", "First", "Body of the first message."))
	if err != nil {
		t.Fatalf("send 1: %v", err)
	}
	var te *textproto.Error
	if e := rerr["bad@example.test"]; !errors.As(e, &te) || te.Code != 550 || !strings.Contains(te.Msg, "5.1.1") || !strings.Contains(te.Msg, "rejected by test") {
		t.Errorf("RCPT bad@example.test: %v, want 550 5.1.1 ... rejected by test", e)
	}
	if len(rerr) != 1 {
		t.Errorf("RCPT errors %v, want only bad@example.test", rerr)
	}
	if _, err := send(t, in.Addr, "sender@client.test", []string{"bob@example.test"},
		message("two", "Second", "Body of the second message.")); err != nil {
		t.Fatalf("send 2: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	msgs, err := in.WaitMessages(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want 3", len(msgs))
	}
	got := map[string]int{}
	for _, m := range msgs {
		if rp := header(m.Raw, "Return-Path"); rp != "<sender@client.test>" {
			t.Errorf("%s: Return-Path %q", m.Path, rp)
		}
		if ot := header(m.Raw, "X-Original-To"); ot != m.Recipient {
			t.Errorf("%s: X-Original-To %q, Delivered-To %q", m.Path, ot, m.Recipient)
		}
		if r := header(m.Raw, "Received"); !strings.Contains(r, "postfixtest.localdomain") {
			t.Errorf("%s: Received %q", m.Path, r)
		}
		id := header(m.Raw, "Message-ID")
		key := m.Recipient + " " + id
		got[key]++
		var subject, body string
		switch id {
		case "<one@client.test>":
			subject, body = "First", "Body of the first message."
		case "<two@client.test>":
			subject, body = "Second", "Body of the second message."
		default:
			t.Errorf("%s: unexpected Message-ID %q:\n%s", m.Path, id, m.Raw)
			continue
		}
		if s := header(m.Raw, "Subject"); s != subject {
			t.Errorf("%s: Subject %q, want %q", m.Path, s, subject)
		}
		_, b, _ := strings.Cut(string(m.Raw), "\n\n")
		if b != body+"\n" {
			t.Errorf("%s: body %q, want %q", m.Path, b, body+"\n")
		}
	}
	for _, k := range []string{"alice@example.test <one@client.test>", "bob@example.test <one@client.test>", "bob@example.test <two@client.test>"} {
		if got[k] != 1 {
			t.Errorf("delivered %v, want one each of alice/one, bob/one, bob/two", got)
			break
		}
	}

	// A recipient accepted and then failed: the DSN (RFC 3464) comes back
	// to the sender, who is in the instance's domain.
	if _, err := send(t, in.Addr, "carol@example.test", []string{"gone@example.test"},
		message("three", "Third", "To be bounced.")); err != nil {
		t.Fatalf("send 3: %v", err)
	}
	msgs, err = in.WaitMessages(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	dsn := msgs[len(msgs)-1]
	if dsn.Recipient != "carol@example.test" || !strings.Contains(header(dsn.Raw, "Content-Type"), "multipart/report") ||
		!strings.Contains(string(dsn.Raw), "Status: 5.1.1") || !strings.Contains(string(dsn.Raw), "Final-Recipient: rfc822; gone@example.test") {
		t.Errorf("DSN to carol@example.test missing or wrong:\n%s", dsn.Raw)
	}

	// Stop leaves no process behind.
	pid := in.MasterPID()
	if len(sessionProcesses(pid)) < 2 {
		t.Errorf("session %d has processes %v, want the master and its children", pid, sessionProcesses(pid))
	}
	if err := in.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if left := sessionProcesses(pid); len(left) != 0 {
		t.Errorf("processes %v remain after Stop", left)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("master %d still exists after Stop: kill 0: %v", pid, err)
	}
	if c, err := net.DialTimeout("tcp", in.Addr, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Stop", in.Addr)
	}
}

func TestOptionsCheck(t *testing.T) {
	bad := []Options{
		{Domains: []string{"a.test, b.test"}},
		{Domains: []string{"a.test\nrelayhost = x"}},
		{Reject: map[string]string{"x@a.test": "550 no\nmore"}},
		{Reject: map[string]string{"x y": "550 no"}},
		{Bounce: map[string]string{"x@a.test": "550 not an enhanced code"}},
		{Relayhost: "mixerd.test:25"},
		{Relayhost: "127.0.0.1"},
		{Main: map[string]string{"a b": "c"}},
	}
	for i, o := range bad {
		if err := o.check(); err == nil {
			t.Errorf("%d: %+v accepted", i, o)
		}
	}
	good := Options{
		Domains:   []string{"example.test", "x400.test"},
		Reject:    map[string]string{"bad@example.test": "550 5.1.1 no", "x400.test": "REJECT"},
		Bounce:    map[string]string{"gone@example.test": "5.1.1 gone"},
		Relayhost: "127.0.0.1:2525",
		Main:      map[string]string{"message_size_limit": "1000000"},
	}
	if err := good.check(); err != nil {
		t.Errorf("%+v: %v", good, err)
	}
}

func TestDeliveredTo(t *testing.T) {
	for raw, want := range map[string]string{
		"Return-Path: <a@b>\nDelivered-To: x@example.test\nDelivered-To: y@example.test\n\nbody\n": "x@example.test",
		"Subject: s\n\nDelivered-To: not@header\n":                                                 "",
		"delivered-to:  z@example.test\r\n\r\n":                                                    "z@example.test",
	} {
		if got := deliveredTo([]byte(raw)); got != want {
			t.Errorf("deliveredTo(%q) = %q, want %q", raw, got, want)
		}
	}
}

// fakeRelay is a minimal SMTP server (RFC 5321) that accepts everything and
// reports each transaction on got.
type fakeRelay struct {
	l   net.Listener
	got chan transaction
}

type transaction struct {
	from  string
	rcpts []string
	data  string
}

func newFakeRelay(t *testing.T) *fakeRelay {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRelay{l: l, got: make(chan transaction, 10)}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeRelay) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 fake.test ESMTP")
	var tr transaction
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			tp.PrintfLine("250-fake.test\r\n250-DSN\r\n250 8BITMIME")
		case "MAIL":
			tr = transaction{from: arg}
			tp.PrintfLine("250 2.1.0 ok")
		case "RCPT":
			tr.rcpts = append(tr.rcpts, arg)
			tp.PrintfLine("250 2.1.5 ok")
		case "DATA":
			tp.PrintfLine("354 go ahead")
			b, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			tr.data = string(b)
			tp.PrintfLine("250 2.0.0 queued")
			f.got <- tr
		case "QUIT":
			tp.PrintfLine("221 2.0.0 bye")
			return
		default:
			tp.PrintfLine("250 2.0.0 ok")
		}
	}
}

// TestRelayhost: mail for another domain goes to Options.Relayhost.
func TestRelayhost(t *testing.T) {
	t.Parallel() // also shows that two instances run side by side
	relay := newFakeRelay(t)
	in := Start(t, Options{Relayhost: relay.l.Addr().String()})
	if _, err := send(t, in.Addr, "sender@client.test", []string{"dave@remote.test"},
		message("four", "Fourth", "Relayed.")); err != nil {
		t.Fatalf("send: %v", err)
	}
	select {
	case tr := <-relay.got:
		if !strings.HasPrefix(tr.from, "FROM:<sender@client.test>") || len(tr.rcpts) != 1 || !strings.HasPrefix(tr.rcpts[0], "TO:<dave@remote.test>") {
			t.Errorf("relayed MAIL %q RCPT %q", tr.from, tr.rcpts)
		}
		if !strings.Contains(tr.data, "Subject: Fourth\n") || !strings.Contains(tr.data, "\nRelayed.\n") {
			t.Errorf("relayed data:\n%s", tr.data)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("nothing relayed in 15 s; log:\n%s", in.Log())
	}
	if msgs, err := in.Messages(); err != nil || len(msgs) != 0 {
		t.Errorf("Maildir has %d messages (%v), want none", len(msgs), err)
	}
}
