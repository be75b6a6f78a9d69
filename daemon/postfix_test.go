package daemon

import (
	"context"
	"net/smtp"
	"os"
	"strings"
	"testing"
	"time"

	"mixerd/internal/postfixtest"
	"mixerd/mixer"
	"mixerd/x400"
)

// X.400 -> mixerd -> Postfix: the PP message, readdressed to an Internet
// recipient, is transferred to the daemon's P1 listener, converted (RFC
// 2156 §5.3) and relayed to a real Postfix, which delivers it into its
// Maildir with the converted header and body.
func TestX400ToPostfix(t *testing.T) {
	in := postfixtest.Start(t, postfixtest.Options{Domains: []string{"example.net"}})
	d, _ := startDaemon(t, testPolicy(t, t.TempDir(), freeAddr(t), in.Addr, ""))
	transferP1(t, d.P1Addr("main").String(), ppMessageTo(t, "/C=XX/ADMD= /PRMD=Gateway/DD.RFC-822=bob(a)example.net/"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	msgs, err := in.WaitMessages(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := msgs[0]
	if m.Recipient != "bob@example.net" {
		t.Errorf("Delivered-To %q", m.Recipient)
	}
	raw := strings.ReplaceAll(string(m.Raw), "\n", "\r\n") // Maildir's LF
	h, n, err := mixer.ParseHeader([]byte(raw), mixer.HeaderLimits{})
	if err != nil {
		t.Fatalf("header: %v\n%s", err, m.Raw)
	}
	for _, f := range []string{"From", "To", "Subject", "Message-ID", "Date", "MIME-Version", "Content-Type",
		"X400-MTS-Identifier", "X400-Originator", "X400-Content-Type", "X400-Received", "Received", "Return-Path"} {
		if v, ok := h.Get(f); !ok || strings.TrimSpace(v) == "" {
			t.Errorf("no %s: in\n%s", f, m.Raw)
		}
	}
	// To: is the IPM heading's primary recipient (RFC 2156 §5.3.4), the
	// PP message's own, in RFC 822 form; the envelope recipient is
	// Delivered-To, checked above.
	if to, _ := h.Get("To"); !strings.Contains(to, "@") {
		t.Errorf("To: %q", to)
	}
	if rp, _ := h.Get("Return-Path"); strings.TrimSpace(rp) == "<>" {
		t.Errorf("Return-Path: %q (null MAIL FROM)", rp)
	}
	// The PP message's MTS identifier is carried (RFC 2156 §5.3.6).
	b, err := readPP()
	if err != nil {
		t.Fatal(err)
	}
	pp, err := x400.DecodeMTSAPDU(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := h.Get("X400-MTS-Identifier"); !strings.Contains(id, pp.Message.Envelope.MessageIdentifier.LocalIdentifier) {
		t.Errorf("X400-MTS-Identifier %q, want the PP message's %q", id, pp.Message.Envelope.MessageIdentifier.LocalIdentifier)
	}
	// mixerd's hop is in the trace Postfix kept.
	if rs := h.Values("Received"); !strings.Contains(strings.Join(rs, "\n"), "postfixtest") {
		t.Errorf("Received: %q lacks Postfix's hop", rs)
	}
	if !strings.Contains(raw[n:], ppBodyText(t)) {
		t.Errorf("body %q lacks the IPM's text %q", raw[n:], ppBodyText(t))
	}
}

// Postfix -> mixerd -> X.400: a message submitted to Postfix for a
// recipient in the gateway's domain is relayed by Postfix to mixerd
// (relayhost), converted (RFC 2156 §5.1) and transferred as an IPM to the
// X.400 peer.
func TestPostfixToX400(t *testing.T) {
	peerAddr := freeAddr(t)
	pr := startPeer(t, peerAddr)
	_, relayAddr := startRelay(t)
	d, _ := startDaemon(t, testPolicy(t, t.TempDir(), peerAddr, relayAddr, ""))
	in := postfixtest.Start(t, postfixtest.Options{Domains: []string{"example.net"},
		Relayhost: d.SMTPAddr("trusted").String()})
	const rcpt = "/C=XX/PRMD=Peer/O=HQ/S=Bob/@gateway.test"
	msg := "From: alice@example.net\r\nTo: " + rcpt + "\r\nSubject: through postfix\r\n" +
		"Message-ID: <pf1@example.net>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nHello via Postfix.\r\n"
	if err := smtp.SendMail(in.Addr, nil, "alice@example.net", []string{rcpt}, []byte(msg)); err != nil {
		t.Fatalf("submission to Postfix: %v", err)
	}
	select {
	case <-pr.got:
	case <-time.After(30 * time.Second):
		t.Fatalf("no APDU at the peer; Postfix's log ends:\n%s", tailLines(in.Log(), 20))
	}
	pr.mu.Lock()
	raw := pr.apdus[0]
	pr.mu.Unlock()
	apdu, err := x400.DecodeMTSAPDU(raw, nil)
	if err != nil || apdu.Message == nil {
		t.Fatalf("decode: %v", err)
	}
	e := &apdu.Message.Envelope
	if len(e.PerRecipientFields) != 1 {
		t.Fatalf("recipients %d", len(e.PerRecipientFields))
	}
	rn := e.PerRecipientFields[0].RecipientName.ORAddress
	if rn.PRMD.Value != "Peer" || rn.Organization != "HQ" || rn.PersonalName.Surname != "Bob" {
		t.Errorf("recipient %s", rn.String())
	}
	obj, err := x400.DecodeInformationObject(apdu.Message.Content, nil)
	if err != nil || obj.IPM == nil {
		t.Fatalf("content is not an IPM: %v", err)
	}
	if s := obj.IPM.Heading.Subject; s != "through postfix" {
		t.Errorf("subject %q", s)
	}
	select {
	case <-pr.got:
		t.Error("the peer got a second APDU")
	default:
	}
}

func readPP() ([]byte, error) { return os.ReadFile("../x400/testdata/p1_message_pp1988.ber") }

// tailLines is the last n lines of s.
func tailLines(s string, n int) string {
	l := strings.SplitAfter(s, "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "")
}
