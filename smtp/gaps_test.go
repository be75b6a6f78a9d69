package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"mixerd/mixer"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// received is the sink's next message, within the test's deadline.
func received(t *testing.T, sink *testSink) got {
	t.Helper()
	select {
	case g := <-sink.ch:
		return g
	case <-time.After(10 * time.Second):
		t.Fatal("no message reached the sink")
	}
	return got{}
}

func oneRcpt(addr string) *mixer.SMTPEnvelope {
	return &mixer.SMTPEnvelope{MailFrom: "a@r.test", Recipients: []mixer.SMTPRecipient{{Address: addr}}}
}

// --- Listener: STARTTLS required (RFC 3207 §4) ---

func TestListenerRequireTLS(t *testing.T) {
	if _, err := NewServer(Config{Hostname: "h", Sink: &testSink{}, Accept: func(string) bool { return true }, RequireTLS: true}); err == nil {
		t.Error("RequireTLS without TLS accepted")
	}
	cert := selfSigned(t)
	_, addr, sink := startServer(t, Config{
		TLS:               &tls.Config{Certificates: []tls.Certificate{cert}},
		RequireTLS:        true,
		AllowInsecureAuth: true, // overruled by RequireTLS
		Authenticate:      func(context.Context, string, string, string) error { return nil },
	})
	s := dial(t, addr)
	s.send("EHLO c")
	r := strings.Join(s.reply(), "\n")
	if !strings.Contains(r, "STARTTLS") || strings.Contains(r, "AUTH") {
		t.Fatalf("EHLO before TLS: %q", r)
	}
	for _, cmd := range []string{"MAIL FROM:<a@r.test>", "AUTH PLAIN AHUAcA==", "RCPT TO:<x@local.test>", "DATA", "RSET", "HELO c", "VRFY x"} {
		s.send(cmd)
		s.expect("530 5.7.0 Must issue a STARTTLS command first")
	}
	s.send("NOOP")
	s.expect("250")
	s.send("STARTTLS")
	s.expect("220")
	tc := tls.Client(s.c, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	s.c, s.br = tc, bufio.NewReader(tc)
	s.send("EHLO c")
	if r := strings.Join(s.reply(), "\n"); !strings.Contains(r, "AUTH PLAIN") {
		t.Fatalf("EHLO after TLS: %q", r)
	}
	s.send("MAIL FROM:<a@r.test>", "RCPT TO:<x@local.test>", "DATA")
	s.expect("250")
	s.expect("250")
	s.expect("354")
	s.send("x", ".")
	s.expect("250")
	if e := received(t, sink).env; !e.TLS {
		t.Error("envelope does not say TLS")
	}
}

// --- Client: STARTTLS modes ---

func TestClientTLSModesAgainstServer(t *testing.T) {
	cert := selfSigned(t)
	_, addr, sink := startServer(t, Config{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}, RequireTLS: true})
	ctx := testCtx(t)

	// Opportunistic does not verify the (self-signed) certificate.
	res, _ := (&Client{}).Deliver(ctx, addr, oneRcpt("x@local.test"), []byte("a\r\n"))
	if r := res.Recipients[0]; !res.TLS || !r.Accepted {
		t.Errorf("opportunistic: TLS %v %+v", res.TLS, r)
	}
	if e := received(t, sink).env; !e.TLS {
		t.Error("opportunistic: the server saw no TLS")
	}
	// Required verifies it: a temporary failure.
	res, _ = (&Client{StartTLS: TLSRequired}).Deliver(ctx, addr, oneRcpt("x@local.test"), []byte("a\r\n"))
	if r := res.Recipients[0]; r.Accepted || !r.Temporary || r.Stage != StageEHLO || !strings.Contains(r.Text, "TLS") {
		t.Errorf("required, unverifiable: %+v", r)
	}
	// Required with the certificate trusted.
	res, _ = (&Client{StartTLS: TLSRequired, TLS: &tls.Config{InsecureSkipVerify: true}}).Deliver(ctx, addr, oneRcpt("x@local.test"), []byte("a\r\n"))
	if r := res.Recipients[0]; !res.TLS || !r.Accepted {
		t.Errorf("required: %+v", r)
	}
	received(t, sink)
	// Off never tries: this server then refuses MAIL, which is not
	// the message's fault: a temporary failure.
	res, _ = (&Client{StartTLS: TLSOff}).Deliver(ctx, addr, oneRcpt("x@local.test"), []byte("a\r\n"))
	if r := res.Recipients[0]; res.TLS || r.Accepted || !r.Temporary || r.Stage != StageMail || r.Code != 530 || r.Status != "5.7.0" {
		t.Errorf("off: %+v", r)
	}
}

func TestClientTLSOffNeverSendsSTARTTLS(t *testing.T) {
	addr, got := startFake(t, func(f *fconn) { f.basic([]string{"STARTTLS", "PIPELINING"}, nil, nil) })
	res, _ := (&Client{StartTLS: TLSOff}).Deliver(testCtx(t), addr, oneRcpt("b@x"), []byte("a\r\n"))
	if r := res.Recipients[0]; !r.Accepted || res.TLS {
		t.Errorf("%+v", res)
	}
	for _, l := range drain(got) {
		if strings.HasPrefix(l, "STARTTLS") {
			t.Errorf("sent %q", l)
		}
	}
}

func TestClientRequiredSTARTTLSRefused(t *testing.T) {
	addr, got := startFake(t, func(f *fconn) {
		f.basic([]string{"STARTTLS"}, nil, map[string]string{"STARTTLS": "554 5.7.0 no TLS today"})
	})
	res, _ := (&Client{StartTLS: TLSRequired}).Deliver(testCtx(t), addr, oneRcpt("b@x"), []byte("a\r\n"))
	if r := res.Recipients[0]; r.Accepted || !r.Temporary || r.Stage != StageEHLO || r.Code != 554 {
		t.Errorf("%+v", r)
	}
	for _, l := range drain(got) {
		if strings.HasPrefix(l, "MAIL") {
			t.Errorf("sent MAIL in clear: %q", l)
		}
	}
	// Opportunistic goes on in clear.
	addr, _ = startFake(t, func(f *fconn) {
		f.basic([]string{"STARTTLS"}, nil, map[string]string{"STARTTLS": "454 4.7.0 TLS not available"})
	})
	res, _ = (&Client{}).Deliver(testCtx(t), addr, oneRcpt("b@x"), []byte("a\r\n"))
	if r := res.Recipients[0]; !r.Accepted || res.TLS {
		t.Errorf("opportunistic after a refused STARTTLS: %+v", res)
	}
}

// An opportunistic handshake that fails is retried once in clear on a
// new connection; a required one is not.
func TestClientOpportunisticHandshakeFails(t *testing.T) {
	handle := func(f *fconn) {
		if f.n == 0 {
			l, _ := f.line()
			if strings.HasPrefix(l, "EHLO") {
				f.ehloReply([]string{"STARTTLS"})
			}
			if l, _ := f.line(); l == "STARTTLS" {
				f.say("220 2.0.0 go ahead")
				f.c.Write([]byte("this is not TLS\r\n"))
			}
			return
		}
		f.basic([]string{"STARTTLS"}, nil, nil)
	}
	addr, got := startFake(t, handle)
	res, _ := (&Client{}).Deliver(testCtx(t), addr, oneRcpt("b@x"), []byte("a\r\n"))
	if r := res.Recipients[0]; !r.Accepted || res.TLS {
		t.Errorf("%+v", res)
	}
	n := 0
	for _, l := range drain(got) {
		if l == "STARTTLS" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("STARTTLS sent %d times, want 1 (then in clear)", n)
	}
	addr, got = startFake(t, handle)
	res, _ = (&Client{StartTLS: TLSRequired}).Deliver(testCtx(t), addr, oneRcpt("b@x"), []byte("a\r\n"))
	if r := res.Recipients[0]; r.Accepted || !r.Temporary || r.Stage != StageEHLO {
		t.Errorf("required: %+v", r)
	}
	for _, l := range drain(got) {
		if strings.HasPrefix(l, "MAIL") {
			t.Errorf("required: sent %q", l)
		}
	}
}

// --- Client: AUTH (RFC 4954) ---

func TestClientAuthPlainAgainstServer(t *testing.T) {
	cert := selfSigned(t)
	_, addr, sink := startServer(t, Config{
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}},
		Authenticate: func(_ context.Context, _, u, p string) error {
			if u == "mixerd" && p == "relay secret" {
				return nil
			}
			return errors.New("bad")
		},
	})
	ctx := testCtx(t)
	// Relaying to a foreign domain needs the authentication.
	cl := &Client{AuthUsername: "mixerd", AuthPassword: "relay secret"}
	res, _ := cl.Deliver(ctx, addr, oneRcpt("y@elsewhere.test"), []byte("a\r\n"))
	if r := res.Recipients[0]; !r.Accepted || res.Auth != "PLAIN" || !res.TLS {
		t.Fatalf("%+v %+v", res, r)
	}
	if e := received(t, sink).env; e.AuthUser != "mixerd" {
		t.Errorf("AuthUser %q", e.AuthUser)
	}
	// A wrong password: 535, permanent, at auth, for every recipient.
	cl.AuthPassword = "wrong"
	env := oneRcpt("y@elsewhere.test")
	env.Recipients = append(env.Recipients, mixer.SMTPRecipient{Address: "x@local.test"})
	res, _ = cl.Deliver(ctx, addr, env, []byte("a\r\n"))
	for _, r := range res.Recipients {
		if r.Accepted || r.Temporary || r.Stage != StageAuth || r.Code != 535 {
			t.Errorf("wrong password: %+v", r)
		}
	}
}

func TestClientAuthLoginAndTemporary(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	login := func(f *fconn) {
		for {
			l, ok := f.line()
			if !ok {
				return
			}
			switch {
			case strings.HasPrefix(l, "EHLO"):
				f.ehloReply([]string{"AUTH LOGIN CRAM-MD5"})
			case l == "AUTH LOGIN":
				f.say("334 " + b64([]byte("Username:")))
				u, _ := f.line()
				f.say("334 " + b64([]byte("Password:")))
				p, _ := f.line()
				if u == b64([]byte("mixerd")) && p == b64([]byte("pw")) {
					f.say("235 2.7.0 Authentication successful")
				} else {
					f.say("454 4.7.0 Temporary authentication failure")
				}
			default:
				f.back = l
				f.basic(nil, nil, nil)
				return
			}
		}
	}
	addr, got := startFake(t, login)
	cl := &Client{AuthUsername: "mixerd", AuthPassword: "pw", AllowInsecureAuth: true}
	res, _ := cl.Deliver(testCtx(t), addr, oneRcpt("b@x"), []byte("a\r\n"))
	if r := res.Recipients[0]; !r.Accepted || res.Auth != "LOGIN" {
		t.Errorf("%+v %+v", res, r)
	}
	lines := drain(got)
	if len(lines) < 4 || lines[1] != "AUTH LOGIN" || lines[2] != b64([]byte("mixerd")) || lines[3] != b64([]byte("pw")) || !strings.HasPrefix(lines[4], "MAIL") {
		t.Errorf("dialogue %q", lines)
	}
	cl.AuthPassword = "other"
	res, _ = cl.Deliver(testCtx(t), addr, oneRcpt("b@x"), []byte("a\r\n"))
	if r := res.Recipients[0]; r.Accepted || !r.Temporary || r.Stage != StageAuth || r.Code != 454 || r.Status != "4.7.0" {
		t.Errorf("454: %+v", r)
	}
}

// Credentials never go in clear unless allowed, nor to a hop without
// PLAIN or LOGIN; nor does the message go unauthenticated.
func TestClientAuthRefusedLocally(t *testing.T) {
	for _, tc := range []struct {
		name string
		ext  []string
		cl   *Client
	}{
		{"no TLS", []string{"AUTH PLAIN LOGIN"}, &Client{AuthUsername: "u", AuthPassword: "p"}},
		{"TLS off", []string{"AUTH PLAIN", "STARTTLS"}, &Client{AuthUsername: "u", AuthPassword: "p", StartTLS: TLSOff}},
		{"no AUTH", nil, &Client{AuthUsername: "u", AuthPassword: "p", AllowInsecureAuth: true}},
		{"no common mechanism", []string{"AUTH CRAM-MD5 XOAUTH2"}, &Client{AuthUsername: "u", AuthPassword: "p", AllowInsecureAuth: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, got := startFake(t, func(f *fconn) { f.basic(tc.ext, nil, nil) })
			res, _ := tc.cl.Deliver(testCtx(t), addr, oneRcpt("b@x"), []byte("a\r\n"))
			if r := res.Recipients[0]; r.Accepted || !r.Temporary || r.Stage != StageAuth {
				t.Errorf("%+v", r)
			}
			for _, l := range drain(got) {
				if strings.HasPrefix(l, "AUTH") || strings.HasPrefix(l, "MAIL") {
					t.Errorf("sent %q", l)
				}
			}
		})
	}
}

// --- Client: RFC 6758 MT-Priority header field ---

func TestParsePriorityValue(t *testing.T) {
	for _, c := range []struct {
		in string
		v  int
		ok bool
	}{
		{" 4", 4, true}, {"-3", -3, true}, {" 0 ", 0, true}, {" 4 (ultra)", 4, true},
		{" (a (nested) comment) -9\r\n", -9, true}, {"\r\n 6", 6, true}, {" (x\\)y) 2", 2, true},
		{" +1", 0, false}, {" -0", 0, false}, {" 10", 0, false}, {" - 1", 0, false}, {"", 0, false},
		{" 4 (open", 0, false}, {" x", 0, false}, {" 4 5", 0, false},
	} {
		v, ok := parsePriorityValue(c.in)
		if v != c.v || ok != c.ok {
			t.Errorf("%q: %d %v, want %d %v", c.in, v, ok, c.v, c.ok)
		}
	}
}

func TestTunnelPriority(t *testing.T) {
	p := func(v int) *int { return &v }
	for _, c := range []struct {
		name  string
		param *int
		in    string
		out   string
	}{
		{"none", nil, "Subject: s\r\n\r\nb\r\n", "Subject: s\r\n\r\nb\r\n"},
		{"param only", p(2), "Subject: s\r\n\r\nb\r\n", "MT-Priority: 2\r\nSubject: s\r\n\r\nb\r\n"},
		{"replaced", p(-2), "Subject: s\r\nmt-priority: 6\r\nTo: t\r\n\r\nb\r\n", "MT-Priority: -2\r\nSubject: s\r\nTo: t\r\n\r\nb\r\n"},
		{"folded and duplicated", p(1), "MT-Priority:\r\n 6 (flash)\r\nSubject: s\r\nMT-Priority : 9\r\n\r\nb\r\n", "MT-Priority: 1\r\nSubject: s\r\n\r\nb\r\n"},
		{"header kept by value", nil, "Subject: s\r\nMT-Priority: 4 (ultra)\r\n\r\nb\r\n", "MT-Priority: 4\r\nSubject: s\r\n\r\nb\r\n"},
		{"two headers: default 0", nil, "MT-Priority: 4\r\nMT-Priority: 5\r\n\r\nb\r\n", "MT-Priority: 0\r\n\r\nb\r\n"},
		{"invalid header: default 0", nil, "MT-Priority: high\r\n\r\nb\r\n", "MT-Priority: 0\r\n\r\nb\r\n"},
		{"body untouched", p(3), "Subject: s\r\n\r\nMT-Priority: 9\r\n", "MT-Priority: 3\r\nSubject: s\r\n\r\nMT-Priority: 9\r\n"},
		{"orphan continuation line", p(5), " x\r\nSubject: s\r\n\r\nb\r\n", " x\r\nMT-Priority: 5\r\nSubject: s\r\n\r\nb\r\n"},
		{"not a prefix match", nil, "MT-Priority-X: 9\r\n\r\nb\r\n", "MT-Priority-X: 9\r\n\r\nb\r\n"},
	} {
		if got := string(tunnelPriority([]byte(c.in), c.param)); got != c.out {
			t.Errorf("%s: %q, want %q", c.name, got, c.out)
		}
	}
}

func TestClientMTPriorityHeaderReplaced(t *testing.T) {
	addr, got := startFake(t, func(f *fconn) { f.basic([]string{"8BITMIME"}, nil, nil) })
	p := 2
	env := oneRcpt("b@x")
	env.MTPriority = &p
	msg := "MT-Priority: 6 (flash)\r\nSubject: s\r\n\r\nb\r\n"
	res, _ := (&Client{}).Deliver(testCtx(t), addr, env, []byte(msg))
	if !res.Recipients[0].Accepted || res.MTPriority {
		t.Fatalf("%+v", res)
	}
	lines := drain(got)
	joined := strings.Join(lines, "\n")
	if strings.Count(strings.ToLower(joined), "mt-priority") != 1 || !strings.Contains(joined, "\nMT-Priority: 2\nSubject: s\n") {
		t.Errorf("dialogue:\n%s", joined)
	}
}

func TestClientMTPriorityOfferedKeepsHeader(t *testing.T) {
	for _, c := range []struct {
		name  string
		param *int
		msg   string
		mail  string
	}{
		{"from the header", nil, "MT-Priority: -3 (low)\r\n\r\nb\r\n", "MAIL FROM:<a@r.test> MT-PRIORITY=-3"},
		{"default", nil, "Subject: s\r\n\r\nb\r\n", "MAIL FROM:<a@r.test> MT-PRIORITY=0"},
		{"parameter wins", new(int), "MT-Priority: 5\r\n\r\nb\r\n", "MAIL FROM:<a@r.test> MT-PRIORITY=0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr, got := startFake(t, func(f *fconn) { f.basic([]string{"MT-PRIORITY MIXER"}, nil, nil) })
			env := oneRcpt("b@x")
			env.MTPriority = c.param
			res, _ := (&Client{}).Deliver(testCtx(t), addr, env, []byte(c.msg))
			if !res.Recipients[0].Accepted || !res.MTPriority {
				t.Fatalf("%+v", res)
			}
			lines := drain(got)
			var body []string
			mail := ""
			for i, l := range lines {
				if strings.HasPrefix(l, "MAIL") {
					mail = l
				}
				if l == "DATA" {
					body = lines[i+1:]
					for j, b := range body {
						if b == "." {
							body = body[:j] // the connection is kept: no QUIT
							break
						}
					}
				}
			}
			if mail != c.mail {
				t.Errorf("MAIL %q, want %q", mail, c.mail)
			}
			if want := strings.Split(strings.TrimSuffix(c.msg, "\r\n"), "\r\n"); strings.Join(body, "\n") != strings.Join(want, "\n") {
				t.Errorf("body %q, want %q", body, want)
			}
		})
	}
}

// --- Client: PIPELINING (RFC 2920) ---

// The fake reads MAIL and every RCPT before it answers any: a client
// that waited for each reply would time out.
func TestClientPipelining(t *testing.T) {
	env := &mixer.SMTPEnvelope{MailFrom: "a@r.test", Recipients: []mixer.SMTPRecipient{
		{Address: "ok@x"}, {Address: "busy@x"}, {Address: "gone@x"}, {Address: "ok2@x"},
	}}
	replies := map[string]string{"busy@x": "452 4.2.2 mailbox full", "gone@x": "550 5.1.1 no such user"}
	handle := func(mailReply string) func(f *fconn) {
		return func(f *fconn) {
			for {
				l, ok := f.line()
				if !ok {
					return
				}
				switch {
				case strings.HasPrefix(l, "EHLO"):
					f.ehloReply([]string{"PIPELINING", "ENHANCEDSTATUSCODES"})
				case strings.HasPrefix(l, "MAIL"):
					var rcpts []string
					for range env.Recipients {
						r, ok := f.line()
						if !ok {
							return
						}
						rcpts = append(rcpts, r)
					}
					var out []string
					out = append(out, mailReply)
					for _, r := range rcpts {
						rep := "250 2.1.5 ok"
						if mailReply[0] != '2' {
							rep = "503 5.5.1 no MAIL"
						}
						for k, v := range replies {
							if strings.Contains(r, "<"+k+">") && mailReply[0] == '2' {
								rep = v
							}
						}
						out = append(out, rep)
					}
					f.c.Write([]byte(strings.Join(out, "\r\n") + "\r\n"))
				default:
					f.back = l
					f.basic(nil, nil, nil)
					return
				}
			}
		}
	}
	to := Timeouts{Mail: 2 * time.Second, Rcpt: 2 * time.Second}
	addr, got := startFake(t, handle("250 2.1.0 ok"))
	res, err := (&Client{Timeouts: to}).Deliver(testCtx(t), addr, env, []byte("a\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		acc, temp bool
		code      int
		st        Stage
	}{{true, false, 250, StageData}, {false, true, 452, StageRcpt}, {false, false, 550, StageRcpt}, {true, false, 250, StageData}}
	for i, w := range want {
		r := res.Recipients[i]
		if r.Address != env.Recipients[i].Address || r.Accepted != w.acc || r.Temporary != w.temp || r.Code != w.code || r.Stage != w.st {
			t.Errorf("%d: %+v, want %+v", i, r, w)
		}
	}
	if l := drain(got); len(l) < 7 || l[6] != "DATA" {
		t.Errorf("dialogue %q", l)
	}
	// A refused MAIL: its reply decides for everyone, the RCPT
	// replies are read (and the connection stays in step for RSET).
	addr, got = startFake(t, handle("550 5.7.1 sender refused"))
	res, _ = (&Client{Timeouts: to}).Deliver(testCtx(t), addr, env, []byte("a\r\n"))
	for _, r := range res.Recipients {
		if r.Accepted || r.Temporary || r.Stage != StageMail || r.Code != 550 || r.Status != "5.7.1" {
			t.Errorf("MAIL refused: %+v", r)
		}
	}
	if l := drain(got); l[len(l)-1] != "RSET" {
		t.Errorf("dialogue %q", l)
	}
}

// Many recipients in one group against our own server.
func TestClientPipeliningManyRecipients(t *testing.T) {
	_, addr, sink := startServer(t, Config{})
	env := &mixer.SMTPEnvelope{MailFrom: "a@r.test"}
	for i := range 1000 {
		env.Recipients = append(env.Recipients, mixer.SMTPRecipient{Address: fmt.Sprintf("r%04d@local.test", i)})
	}
	env.Recipients = append(env.Recipients, mixer.SMTPRecipient{Address: "over@local.test"})
	res, _ := (&Client{StartTLS: TLSOff}).Deliver(testCtx(t), addr, env, []byte("a\r\n"))
	for i, r := range res.Recipients {
		if i < 1000 && (!r.Accepted || r.Address != env.Recipients[i].Address) {
			t.Fatalf("%d: %+v", i, r)
		}
		if i == 1000 && (r.Accepted || r.Code != 452 || !r.Temporary) {
			t.Errorf("beyond MaxRecipients: %+v", r)
		}
	}
	if g := received(t, sink); len(g.env.Recipients) != 1000 {
		t.Errorf("server got %d recipients", len(g.env.Recipients))
	}
}

// FuzzTunnelPriority: never a panic; the result has exactly one
// MT-Priority field (when it changed anything), with a valid value, and
// the body is untouched.
func FuzzTunnelPriority(f *testing.F) {
	for _, s := range []string{
		"Subject: s\r\n\r\nb\r\n", "MT-Priority: 4 (ultra)\r\n\r\nb\r\n", "MT-Priority:\r\n 6\r\nX: y\r\n\r\nMT-Priority: 1\r\n",
		"MT-Priority: (((\r\n\r\n", "mt-priority : -9\n\nb", "\r\nMT-Priority: 3\r\n", "MT-Priority: 4",
	} {
		f.Add([]byte(s), int8(3), true)
		f.Add([]byte(s), int8(0), false)
	}
	f.Fuzz(func(t *testing.T, msg []byte, p int8, withP bool) {
		var param *int
		if withP {
			v := int(p % 10) // a valid priority, as the envelope's always is
			param = &v
		}
		out := tunnelPriority(msg, param)
		fields := findMTPriority(out)
		if param == nil && len(findMTPriority(msg)) == 0 {
			if string(out) != string(msg) {
				t.Fatalf("changed %q to %q", msg, out)
			}
			return
		}
		if len(fields) != 1 {
			t.Fatalf("%q: %d fields in %q", msg, len(fields), out)
		}
		v, ok := parsePriorityValue(fields[0].value)
		if !ok || param != nil && v != *param {
			t.Fatalf("%q: field %q for %v", msg, fields[0].value, param)
		}
		if i := strings.Index(string(msg), "\r\n\r\n"); i >= 0 && !strings.HasSuffix(string(out), string(msg[i:])) {
			t.Fatalf("body changed: %q -> %q", msg, out)
		}
	})
}
