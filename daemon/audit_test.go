package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mixerd/audit"
	"mixerd/mixer"
	"mixerd/policy"
	"mixerd/queue"
	"mixerd/smtp"
	"mixerd/x400"
)

// A message the spool kept but whose arrival record a crash took (the
// copy's tag, the record's sequence number, is past the audit log's last)
// gets its arrival record again at start-up, once.
func TestLostAuditRecords(t *testing.T) {
	dir := t.TempDir()
	p := testPolicy(t, dir, freeAddr(t), "127.0.0.1:1", "")
	q, err := queue.Open(queue.Config{Dir: p.Queue.Directory, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	env, _ := json.Marshal(smtpEnvelope{Env: mixer.SMTPEnvelope{MailFrom: "alice@example.net",
		Recipients: []mixer.SMTPRecipient{{Address: "/C=XX/PRMD=Peer/O=HQ/S=Bob/@gateway.test"}}}})
	m := &queue.Message{Kind: queue.KindSMTP, Source: queue.Source{Protocol: "smtp", Peer: "127.0.0.1:1"},
		Precedence: x400.PrecedenceRoutine, MessageID: "<lost@example.net> rcpts=00", Envelope: env,
		Recipients: []queue.Recipient{{Address: "/C=XX/PRMD=Peer/O=HQ/S=Bob/@gateway.test", NextHop: "p1:PEER-MTA"}}}
	id, _, err := q.PutWith(context.Background(), m, []byte("Subject: x\r\n\r\nx\r\n"),
		func(id string) (queue.Side, func() error, error) {
			// The arrival record as the daemon writes it, number 99,
			// which the log (empty) never got.
			rec := []*audit.Record{{Seq: 99, Event: audit.EventArrived, ID: id, Kind: "message",
				Keys: audit.Keys{MessageID: "<lost@example.net>"}}}
			b, err := json.Marshal(rec)
			return queue.Side{Tag: 99, Data: b}, nil, err
		})
	if err != nil {
		t.Fatal(err)
	}
	q.Close()

	count := func() (n int) {
		err := audit.ScanDir(filepath.Join(dir, "audit-log"), 1, func(r *audit.Record, _ audit.Loc) error {
			if r.Event == audit.EventArrived && r.ID == id && r.Keys.MessageID == "<lost@example.net>" {
				n++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	_, stop := startDaemon(t, p)
	stop()
	if n := count(); n != 1 {
		t.Fatalf("%d arrival records of %s after the first start, want 1", n, id)
	}
	_, stop = startDaemon(t, testPolicy(t, dir, freeAddr(t), "127.0.0.1:1", ""))
	stop()
	if n := count(); n != 1 {
		t.Errorf("%d arrival records of %s after the second start, want still 1", n, id)
	}
}

// A message to thousands of recipients gets its audit records split so
// that each line stays within the log's limit, and all fit.
func TestSplitRecords(t *testing.T) {
	rec := &audit.Record{Event: audit.EventArrived, ID: "big", Kind: "message"}
	for i := range 2600 {
		// The worst a peer can give: 1,000 bytes of invalid UTF-8 (each
		// would be a six-byte escape), clipped as attemptRecords does.
		a := &queue.Attempt{Result: queue.ResultError, Text: auditText(strings.Repeat("\xff", 1000))}
		rec.Recipients = append(rec.Recipients, audit.Recipient{Index: i, SMTP: fmt.Sprintf("user%04d@example.net", i),
			X400: fmt.Sprintf("/C=XX/ADMD= /PRMD=Gateway/O=Some Organisation/OU1=Unit/S=User%04d/", i), Reports: "all",
			Attempt: a})
	}
	small := &audit.Record{Event: audit.EventConverted, ID: "big", Recipients: rec.Recipients[:3]}
	out := splitRecords([]*audit.Record{small, rec})
	if len(out) != 14 || out[0] != small {
		t.Fatalf("%d records, want the small one and 13 parts", len(out))
	}
	n := 0
	for _, r := range out[1:] {
		if r.ID != "big" || r.Event != audit.EventArrived || len(r.Recipients) > rcptsPerRecord {
			t.Fatalf("part %+v", r)
		}
		for _, rc := range r.Recipients {
			if rc.Index != n {
				t.Fatalf("recipient %d in place of %d", rc.Index, n)
			}
			n++
		}
	}
	if n != 2600 {
		t.Fatalf("%d recipients in the parts", n)
	}
	l, err := audit.Open(audit.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Append(out...); err != nil {
		t.Fatalf("the parts do not fit the log: %v", err)
	}
}

// A submission listener checks AUTH against a hashed smtp_user password
// (mixerd password): the password lets the message in, another does not.
func TestSubmissionHashedPassword(t *testing.T) {
	dir := t.TempDir()
	rl, relayAddr := startRelay(t)
	p := testPolicy(t, dir, freeAddr(t), relayAddr, "")
	h, err := policy.HashPassword("op-pass", 10000)
	if err != nil {
		t.Fatal(err)
	}
	p.SMTPUsers = map[string]string{"operator": h}
	for i := range p.SMTPListeners {
		if p.SMTPListeners[i].Name == "trusted" {
			p.SMTPListeners[i].Submission = true
		}
	}
	d, _ := startDaemon(t, p)
	send := func(pass string) *smtp.Result {
		c := &smtp.Client{Hostname: "client.test", Logger: testLogger(t), AuthUsername: "operator", AuthPassword: pass,
			AllowInsecureAuth: true}
		res, err := c.Deliver(tctx(t), d.SMTPAddr("trusted").String(), &mixer.SMTPEnvelope{MailFrom: "alice@example.net",
			Recipients: []mixer.SMTPRecipient{{Address: "bob@example.net"}}}, []byte("Subject: s\r\n\r\nbody\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if r := send("wrong"); r.Recipients[0].Accepted || r.Recipients[0].Stage != smtp.StageAuth {
		t.Errorf("a wrong password: %+v", r.Recipients[0])
	}
	// Without AUTH, no message (RFC 6409 §4.3).
	c := &smtp.Client{Hostname: "client.test", Logger: testLogger(t)}
	res, err := c.Deliver(tctx(t), d.SMTPAddr("trusted").String(), &mixer.SMTPEnvelope{MailFrom: "alice@example.net",
		Recipients: []mixer.SMTPRecipient{{Address: "bob@example.net"}}}, []byte("Subject: s\r\n\r\nbody\r\n"))
	if err != nil || res.Recipients[0].Accepted || res.Recipients[0].Code != 530 {
		t.Errorf("MAIL without AUTH on a submission listener: %+v %v", res, err)
	}
	if r := send("op-pass"); !r.Recipients[0].Accepted {
		t.Fatalf("the right password refused: %+v", r.Recipients[0])
	}
	wait(t, rl.got, "the submitted message at the relay")
}

// A message sent again (a client's retry: same sender, same bytes) is a
// duplicate; another message that reuses its Message-ID is not.
func TestSMTPDuplicateKey(t *testing.T) {
	rl, relayAddr := startRelay(t)
	d, _ := startDaemon(t, testPolicy(t, t.TempDir(), freeAddr(t), relayAddr, ""))
	env := &mixer.SMTPEnvelope{MailFrom: "alice@example.net", Recipients: []mixer.SMTPRecipient{{Address: "bob@example.net"}}}
	first := "Message-ID: <same@example.net>\r\nSubject: one\r\n\r\nfirst\r\n"
	other := "Message-ID: <same@example.net>\r\nSubject: two\r\n\r\nsecond\r\n"
	for _, m := range []string{first, other, first} {
		if r := sendSMTP(t, d.SMTPAddr("trusted").String(), env, m); !r.Recipients[0].Accepted {
			t.Fatalf("refused: %+v", r.Recipients[0])
		}
	}
	wait(t, rl.got, "the first message")
	wait(t, rl.got, "the second message, which only shares the Message-ID")
	waitQueue(t, d, "the spool to empty", func(ms []queue.Message) bool { return len(ms) == 0 })
	select {
	case <-rl.got:
		t.Error("the retry of the first message was relayed again")
	case <-time.After(300 * time.Millisecond):
	}
}
