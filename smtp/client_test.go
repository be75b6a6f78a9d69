package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"mixerd/mixer"
)

func TestClientAgainstServer(t *testing.T) {
	cert := selfSigned(t)
	_, addr, sink := startServer(t, Config{
		TLS:     &tls.Config{Certificates: []tls.Certificate{cert}},
		Trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	})
	p := 4
	env := &mixer.SMTPEnvelope{MailFrom: "a@r.test", EnvID: "id 1", Ret: "HDRS", MTPriority: &p,
		Recipients: []mixer.SMTPRecipient{
			{Address: "b@local.test", Notify: mixer.NotifySuccess | mixer.NotifyFailure, ORcptType: "x400", ORcpt: "/C=GB/S=Smith/"},
			{Address: "c@local.test"},
		}}
	cl := &Client{Hostname: "client.test", TLS: &tls.Config{InsecureSkipVerify: true}, StartTLS: TLSRequired}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := cl.Deliver(ctx, addr, env, []byte("Subject: x\r\n\r\n.body\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.TLS || !res.DSN || !res.MTPriority {
		t.Errorf("result %+v", res)
	}
	for _, r := range res.Recipients {
		if !r.Accepted || r.Relayed || r.Code != 250 || r.Stage != StageData {
			t.Errorf("recipient %+v", r)
		}
	}
	g := <-sink.ch
	e := g.env
	if *e.MTPriority != 4 || e.EnvID != "id 1" || e.Ret != "HDRS" || e.Recipients[0].ORcpt != "/C=GB/S=Smith/" || e.Recipients[0].ORcptType != "x400" || !e.TLS {
		t.Errorf("envelope %+v", e)
	}
	if g.msg != "Subject: x\r\n\r\n.body\r\n" || strings.Contains(g.msg, "MT-Priority") {
		t.Errorf("message %q", g.msg)
	}
}

// scripted runs a tiny SMTP server: ehlo are its extensions, rcpt maps a
// recipient to its reply; it sends every command it got on cmds.
func scripted(t *testing.T, ehlo []string, rcpt map[string]string) (string, chan string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	cmds := make(chan string, 100)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		w := func(s string) { c.Write([]byte(s + "\r\n")) }
		w("220 scripted")
		inData := false
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				close(cmds)
				return
			}
			l = strings.TrimRight(l, "\r\n")
			cmds <- l
			if inData {
				if l == "." {
					inData = false
					w("250 2.0.0 ok")
				}
				continue
			}
			verb := strings.ToUpper(strings.Fields(l + " x")[0])
			switch verb {
			case "EHLO":
				out := append([]string{"scripted"}, ehlo...)
				for i, e := range out {
					sep := "-"
					if i == len(out)-1 {
						sep = " "
					}
					w("250" + sep + e)
				}
			case "MAIL":
				w("250 2.1.0 ok")
			case "RCPT":
				r := "250 2.1.5 ok"
				for k, v := range rcpt {
					if strings.Contains(l, k) {
						r = v
					}
				}
				w(r)
			case "DATA":
				inData = true
				w("354 go")
			case "QUIT":
				w("221 bye")
				close(cmds)
				return
			default:
				w("502 5.5.1 no")
			}
		}
	}()
	return l.Addr().String(), cmds
}

func TestClientWithoutExtensions(t *testing.T) {
	addr, cmds := scripted(t, []string{"8BITMIME"}, map[string]string{
		"<t@x>": "450 4.2.1 mailbox busy",
		"<p@x>": "550 5.1.1 no such user",
	})
	p := 2
	env := &mixer.SMTPEnvelope{MailFrom: "a@r", EnvID: "E", Ret: "FULL", MTPriority: &p, Recipients: []mixer.SMTPRecipient{
		{Address: "ok@x", Notify: mixer.NotifySuccess, ORcptType: "rfc822", ORcpt: "ok@x"},
		{Address: "t@x"}, {Address: "p@x"},
	}}
	cl := &Client{Hostname: "c"}
	res, err := cl.Deliver(context.Background(), addr, env, []byte("Subject: s\r\n\r\nb\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := res.Recipients
	if !r[0].Accepted || !r[0].Relayed {
		t.Errorf("ok@x: %+v", r[0])
	}
	if r[1].Accepted || !r[1].Temporary || r[1].Stage != StageRcpt || r[1].Code != 450 || r[1].Status != "4.2.1" || r[1].Text != "mailbox busy" {
		t.Errorf("t@x: %+v", r[1])
	}
	if r[2].Accepted || r[2].Temporary || r[2].Code != 550 || r[2].Status != "5.1.1" {
		t.Errorf("p@x: %+v", r[2])
	}
	var all []string
	for c := range cmds {
		all = append(all, c)
	}
	joined := strings.Join(all, "\n")
	for _, bad := range []string{"MT-PRIORITY=", "RET=", "ENVID=", "NOTIFY=", "ORCPT=", "STARTTLS"} {
		if strings.Contains(joined, bad) {
			t.Errorf("sent %s to a hop that does not offer it:\n%s", bad, joined)
		}
	}
	if !strings.Contains(joined, "\nMT-Priority: 2\n") {
		t.Errorf("no RFC 6758 header:\n%s", joined)
	}
}

func TestClientMTPriorityOnMail(t *testing.T) {
	addr, cmds := scripted(t, []string{"DSN", "MT-PRIORITY STANAG4406"}, nil)
	p := -4
	env := &mixer.SMTPEnvelope{MailFrom: "a@r", MTPriority: &p, Recipients: []mixer.SMTPRecipient{{Address: "b@x", Notify: mixer.NotifySuccess}}}
	res, _ := (&Client{}).Deliver(context.Background(), addr, env, []byte("x\r\n"))
	if !res.Recipients[0].Accepted || res.Recipients[0].Relayed {
		t.Errorf("%+v", res.Recipients[0])
	}
	var mail, rcpt string
	for c := range cmds {
		if strings.HasPrefix(c, "MAIL") {
			mail = c
		}
		if strings.HasPrefix(c, "RCPT") {
			rcpt = c
		}
	}
	if mail != "MAIL FROM:<a@r> MT-PRIORITY=-4" || rcpt != "RCPT TO:<b@x> NOTIFY=SUCCESS" {
		t.Errorf("MAIL %q RCPT %q", mail, rcpt)
	}
}

func TestClientRequireTLS(t *testing.T) {
	addr, _ := scripted(t, nil, nil)
	env := &mixer.SMTPEnvelope{MailFrom: "a@r", Recipients: []mixer.SMTPRecipient{{Address: "b@x"}}}
	res, _ := (&Client{StartTLS: TLSRequired}).Deliver(context.Background(), addr, env, []byte("x\r\n"))
	if r := res.Recipients[0]; r.Accepted || !r.Temporary || r.Stage != StageEHLO {
		t.Errorf("%+v", r)
	}
}

func TestClientConnectFails(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	env := &mixer.SMTPEnvelope{Recipients: []mixer.SMTPRecipient{{Address: "b@x"}}}
	res, _ := (&Client{}).Deliver(context.Background(), addr, env, []byte("x\r\n"))
	if r := res.Recipients[0]; r.Stage != StageConnect || !r.Temporary {
		t.Errorf("%+v", r)
	}
}
