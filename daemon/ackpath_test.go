package daemon

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mixerd/audit"
	"mixerd/internal/postfixtest"
	"mixerd/internal/tshark"
	"mixerd/mixer"
	"mixerd/p1"
	"mixerd/policy"
	"mixerd/queue"
	"mixerd/x400"
)

// fixListener gives the policy's SMTP listener name a fixed free port, so
// that Postfix can be told where mixerd is before mixerd starts.
func fixListener(t *testing.T, p *policy.Policy, name string) string {
	t.Helper()
	for i := range p.SMTPListeners {
		if p.SMTPListeners[i].Name == name {
			p.SMTPListeners[i].Address = freeAddr(t)
			return p.SMTPListeners[i].Address
		}
	}
	t.Fatalf("no SMTP listener %q", name)
	return ""
}

// ppAsking is the PP sample to one Internet recipient whose originator
// asks for delivery reports (X.411 originator-report) and a receipt
// notification (X.420 rn on the heading's primary recipient): its
// APDU and message.
func ppAsking(t *testing.T, rcpt string) ([]byte, *x400.Message) {
	t.Helper()
	apdu, err := x400.DecodeMTSAPDU(ppMessageTo(t, rcpt), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := apdu.Message
	rf := &m.Envelope.PerRecipientFields[0]
	rf.PerRecipientIndicators |= x400.PerRecipientOriginatorReport | x400.PerRecipientOriginatingMTAReport
	obj, err := x400.DecodeInformationObject(m.Content, nil)
	if err != nil || obj.IPM == nil {
		t.Fatalf("PP content: %v", err)
	}
	h := &obj.IPM.Heading
	if len(h.PrimaryRecipients) == 0 {
		t.Fatal("PP heading has no primary recipient")
	}
	h.PrimaryRecipients = h.PrimaryRecipients[:1]
	h.PrimaryRecipients[0].Recipient = x400.ORDescriptor{FormalName: &rf.RecipientName}
	h.PrimaryRecipients[0].NotificationRequests |= 1 // rn(0)
	if m.Content, err = obj.Marshal(); err != nil {
		t.Fatal(err)
	}
	b, err := apdu.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b, m
}

// militaryAsking is ppAsking's message made military: P772 content type
// and the P772 heading extensions (STANAG 4406).
func militaryAsking(t *testing.T, rcpt string) ([]byte, *x400.Message) {
	t.Helper()
	_, m := ppAsking(t, rcpt)
	obj, err := x400.DecodeInformationObject(m.Content, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := obj.IPM.Heading.SetMilitary(x400.SampleMilitaryHeading()); err != nil {
		t.Fatal(err)
	}
	if m.Content, err = obj.Marshal(); err != nil {
		t.Fatal(err)
	}
	m.Envelope.ContentType = x400.ContentTypeP772
	b, err := (&x400.MTSAPDU{Message: m}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b, m
}

// nextAPDU waits for the peer's next APDU and decodes it.
func (p *peer) nextAPDU(t *testing.T, what string, n int) *x400.MTSAPDU {
	t.Helper()
	select {
	case <-p.got:
	case <-time.After(60 * time.Second):
		t.Fatalf("no %s at the X.400 peer", what)
	}
	p.mu.Lock()
	raw := p.apdus[n]
	p.mu.Unlock()
	apdu, err := x400.DecodeMTSAPDU(raw, nil)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return apdu
}

// trackEvents is the events of the life of the message key names, in
// order, as `mixerd track` reads them.
func trackEvents(t *testing.T, dir, key string) ([]string, string) {
	t.Helper()
	var evs []string
	var text strings.Builder
	err := audit.Track(dir, audit.TrackQuery{Key: key}, func(l *audit.Life) error {
		l.Format(&text)
		for _, r := range l.Records {
			e := string(r.Event)
			if r.Ack != nil {
				e += fmt.Sprintf("(%s,positive=%v,matched=%v)", r.Ack.Type, r.Ack.Positive, r.Ack.Matched)
			}
			evs = append(evs, e)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("track %s: %v", key, err)
	}
	return evs, text.String()
}

func hasEvents(got []string, want ...string) bool {
	j := 0
	for _, g := range got {
		if j < len(want) && strings.HasPrefix(g, want[j]) {
			j++
		}
	}
	return j == len(want)
}

// X.400 -> mixerd -> Postfix, and the acknowledgements back (issue 6):
// Postfix's success DSN becomes a delivery report to the X.400
// originator, its failure DSN (an unknown user) a non-delivery report
// with the matching reason, the MDN the recipient sends an IPN receipt
// notification; `mixerd track` shows each step.
func TestAcksX400ToPostfix(t *testing.T) {
	dir := t.TempDir()
	peerAddr := freeAddr(t)
	pr := startPeer(t, peerAddr)
	p := testPolicy(t, dir, peerAddr, "127.0.0.1:1", "")
	mixerdAddr := fixListener(t, p, "trusted")
	in := postfixtest.Start(t, postfixtest.Options{Domains: []string{"example.net"}, Relayhost: mixerdAddr,
		Bounce: map[string]string{"ghost@example.net": "5.1.1 mailbox unavailable"}})
	p.Relays[0].Address = in.Addr
	d, _ := startDaemon(t, p)

	// 1. Delivered: Postfix's success DSN -> a delivery report.
	raw, msg := ppAsking(t, "/C=XX/ADMD= /PRMD=Gateway/DD.RFC-822=bob(a)example.net/")
	transferP1(t, d.P1Addr("main").String(), raw)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	delivered, err := in.WaitMessages(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	dr := pr.nextAPDU(t, "delivery report", 0)
	if dr.Report == nil {
		t.Fatalf("the peer got a %s, want a report; Postfix's log:\n%s", p1.Kind(dr), tailLines(in.Log(), 30))
	}
	subject := msg.Envelope.MessageIdentifier
	checkReport(t, dr.Report, &msg.Envelope, true)
	if b, err := dr.Marshal(); err == nil {
		tshark.CheckBER(t, b, "P1 Message", tshark.Check{Require: []string{"p1.report_element",
			"p1.subject_identifier_element", "p1.message_delivery_time", "p1.per_recipient_fields"}})
	}

	// 2. Bounced by Postfix: its failure DSN -> a non-delivery report,
	// 5.1.1 -> unable-to-transfer / unrecognised-OR-name (RFC 2156
	// §5.1.8.4... the status table).
	raw2, msg2 := ppAsking(t, "/C=XX/ADMD= /PRMD=Gateway/DD.RFC-822=ghost(a)example.net/")
	transferP1(t, d.P1Addr("main").String(), raw2)
	ndr := pr.nextAPDU(t, "non-delivery report", 1)
	if ndr.Report == nil {
		t.Fatalf("the peer got a %s, want a report", p1.Kind(ndr))
	}
	checkReport(t, ndr.Report, &msg2.Envelope, false)
	nd := ndr.Report.Content.PerRecipientFields[0].LastTraceInformation.ReportType.NonDelivery
	if nd == nil || nd.Reason != x400.ReasonUnableToTransfer || nd.Diagnostic == nil || *nd.Diagnostic != x400.DiagnosticUnrecognisedORName {
		t.Errorf("non-delivery %+v, want unable-to-transfer/unrecognised-OR-name for 5.1.1", nd)
	}

	// 3. Read: the recipient's MDN (RFC 8098), sent through Postfix to the
	// Disposition-Notification-To of the message it got -> an IPN.
	bob := delivered[0]
	hdr, _, err := mixer.ParseHeader([]byte(strings.ReplaceAll(string(bob.Raw), "\n", "\r\n")), mixer.HeaderLimits{})
	if err != nil {
		t.Fatal(err)
	}
	dnt, _ := hdr.Get("Disposition-Notification-To")
	msgID, _ := hdr.Get("Message-ID")
	if dnt == "" || msgID == "" {
		t.Fatalf("delivered message lacks Disposition-Notification-To (%q) or Message-ID (%q):\n%s", dnt, msgID, bob.Raw)
	}
	to, err := mixer.ParseMailbox(strings.TrimSpace(dnt))
	if err != nil {
		t.Fatalf("Disposition-Notification-To %q: %v", dnt, err)
	}
	mdn := "From: bob@example.net\r\nTo: " + strings.TrimSpace(dnt) + "\r\nSubject: Read: your message\r\n" +
		"Message-ID: <mdn1@example.net>\r\nDate: Mon, 23 Nov 2026 11:00:00 +0000\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/report; report-type=disposition-notification; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain\r\n\r\nYour message was displayed.\r\n" +
		"--b1\r\nContent-Type: message/disposition-notification\r\n\r\n" +
		"Reporting-UA: mua.example.net; Thunderbird\r\nOriginal-Recipient: rfc822;bob@example.net\r\n" +
		"Final-Recipient: rfc822;bob@example.net\r\nOriginal-Message-ID: " + strings.TrimSpace(msgID) + "\r\n" +
		"Disposition: manual-action/MDN-sent-manually; displayed\r\n\r\n--b1--\r\n"
	sendSMTP(t, in.Addr, &mixer.SMTPEnvelope{Recipients: []mixer.SMTPRecipient{{Address: to.AddrSpec.String()}}}, mdn)
	ipnAPDU := pr.nextAPDU(t, "IPN", 2)
	if ipnAPDU.Message == nil {
		t.Fatalf("the peer got a %s, want the IPN message", p1.Kind(ipnAPDU))
	}
	obj, err := x400.DecodeInformationObject(ipnAPDU.Message.Content, nil)
	if err != nil || obj.IPN == nil {
		t.Fatalf("content is not an IPN: %v", err)
	}
	ppObj, _ := x400.DecodeInformationObject(msg.Content, nil)
	if obj.IPN.Receipt == nil || obj.IPN.SubjectIPM.String() != ppObj.IPM.Heading.ThisIPM.String() {
		t.Errorf("IPN receipt %v on %s, want a receipt on %s", obj.IPN.Receipt != nil, obj.IPN.SubjectIPM.String(),
			ppObj.IPM.Heading.ThisIPM.String())
	}
	if rn := ipnAPDU.Message.Envelope.PerRecipientFields[0].RecipientName; !rn.Equal(&msg.Envelope.OriginatorName) {
		t.Errorf("IPN to %s, want the originator %s", rn.String(), msg.Envelope.OriginatorName.String())
	}

	// 4. mixerd track: the life of the first message.
	want := []string{"arrived", "converted", "departed", "delivery-report(dsn,positive=true,matched=true)",
		"read-report(mdn,positive=true,matched=true)"}
	var evs []string
	var text string
	for range 50 { // the records of the acknowledgements' own departures follow them
		if evs, text = trackEvents(t, p.Audit.LogDirectory, subject.String()); hasEvents(evs, want...) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !hasEvents(evs, want...) {
		t.Errorf("track %s: events %q, want in order %q\n%s", subject.String(), evs, want, text)
	}
	if evs, _ := trackEvents(t, p.Audit.LogDirectory, msg2.Envelope.MessageIdentifier.String()); !hasEvents(evs,
		"arrived", "departed", "delivery-report(dsn,positive=false,matched=true)") {
		t.Errorf("track of the bounced message: %q", evs)
	}
}

// checkReport checks a report on the PP message env to its one recipient.
func checkReport(t *testing.T, r *x400.Report, env *x400.MessageTransferEnvelope, delivered bool) {
	t.Helper()
	if !r.Content.SubjectIdentifier.Equal(env.MessageIdentifier) {
		t.Errorf("subject identifier %s, want %s", r.Content.SubjectIdentifier.String(), env.MessageIdentifier.String())
	}
	if !r.Envelope.ReportDestinationName.Equal(&env.OriginatorName) {
		t.Errorf("report destination %s, want the originator %s", r.Envelope.ReportDestinationName.String(), env.OriginatorName.String())
	}
	if len(r.Content.PerRecipientFields) != 1 {
		t.Fatalf("%d per-recipient fields", len(r.Content.PerRecipientFields))
	}
	rf := r.Content.PerRecipientFields[0]
	want := env.PerRecipientFields[0]
	if !rf.ActualRecipientName.Equal(&want.RecipientName) || rf.OriginallySpecifiedRecipientNumber != want.OriginallySpecifiedRecipientNumber {
		t.Errorf("recipient %s #%d, want %s #%d", rf.ActualRecipientName.String(), rf.OriginallySpecifiedRecipientNumber,
			want.RecipientName.String(), want.OriginallySpecifiedRecipientNumber)
	}
	if got := rf.LastTraceInformation.ReportType.Delivery != nil; got != delivered {
		t.Errorf("delivery element %v, want %v (%+v)", got, delivered, rf.LastTraceInformation.ReportType)
	}
}

// SMTP (through Postfix) -> mixerd -> X.400, and the acknowledgements
// back: the X.400 peer answers with a delivery report and an IPN, which
// reach the SMTP sender's Postfix mailbox as an RFC 3464 DSN and an RFC
// 8098 MDN.
func TestAcksPostfixToX400(t *testing.T) {
	dir := t.TempDir()
	peerAddr := freeAddr(t)
	pr := startPeer(t, peerAddr)
	p := testPolicy(t, dir, peerAddr, "127.0.0.1:1", "")
	mixerdAddr := fixListener(t, p, "trusted")
	in := postfixtest.Start(t, postfixtest.Options{Domains: []string{"example.net"}, Relayhost: mixerdAddr})
	p.Relays[0].Address = in.Addr
	d, _ := startDaemon(t, p)

	const rcpt = "/C=XX/PRMD=Peer/O=HQ/S=Bob/@gateway.test"
	msg := "From: alice@example.net\r\nTo: " + rcpt + "\r\nSubject: please confirm\r\n" +
		"Message-ID: <ack1@example.net>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
		"Disposition-Notification-To: alice@example.net\r\n\r\nPlease confirm.\r\n"
	sendSMTP(t, in.Addr, &mixer.SMTPEnvelope{MailFrom: "alice@example.net", EnvID: "alice-env-1",
		Recipients: []mixer.SMTPRecipient{{Address: rcpt, Notify: mixer.NotifySuccess | mixer.NotifyFailure}}}, msg)
	got := pr.nextAPDU(t, "message", 0)
	if got.Message == nil {
		t.Fatalf("the peer got a %s", p1.Kind(got))
	}
	e := &got.Message.Envelope
	obj, err := x400.DecodeInformationObject(got.Message.Content, nil)
	if err != nil || obj.IPM == nil {
		t.Fatalf("content: %v", err)
	}
	rf := e.PerRecipientFields[0]
	if rf.PerRecipientIndicators&x400.PerRecipientOriginatorReport == 0 {
		t.Errorf("NOTIFY=SUCCESS did not ask for a report: indicators %s", rf.PerRecipientIndicators)
	}

	// The peer's delivery report and receipt notification.
	now := time.Now().UTC().Truncate(time.Second)
	rpt := &x400.Report{Envelope: x400.ReportTransferEnvelope{
		ReportIdentifier:      x400.MTSIdentifier{GlobalDomainIdentifier: e.MessageIdentifier.GlobalDomainIdentifier, LocalIdentifier: "peer-dr-1"},
		ReportDestinationName: e.OriginatorName,
		TraceInformation:      x400.TraceInformation{{GlobalDomainIdentifier: x400.GlobalDomainIdentifier{Country: x400.NumericOrPrintable{Value: "XX"}, ADMD: x400.NumericOrPrintable{Value: " "}, PRMD: x400.NumericOrPrintable{Value: "Peer"}}, DomainSuppliedInformation: x400.DomainSuppliedInformation{ArrivalTime: now}}},
	}, Content: x400.ReportTransferContent{SubjectIdentifier: e.MessageIdentifier,
		PerRecipientFields: []x400.PerRecipientReportTransferFields{{ActualRecipientName: rf.RecipientName,
			OriginallySpecifiedRecipientNumber: rf.OriginallySpecifiedRecipientNumber,
			PerRecipientIndicators:             rf.PerRecipientIndicators &^ x400.PerRecipientResponsibility,
			LastTraceInformation: x400.LastTraceInformation{ArrivalTime: now,
				ReportType: x400.ReportType{Delivery: &x400.DeliveryReport{MessageDeliveryTime: now}}}}}}}
	b, err := (&x400.MTSAPDU{Report: rpt}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	transferP1(t, d.P1Addr("main").String(), b)

	ipn := &x400.IPN{SubjectIPM: obj.IPM.Heading.ThisIPM,
		IPNOriginator: &x400.ORDescriptor{FormalName: &rf.RecipientName},
		Receipt:       &x400.ReceiptFields{ReceiptTime: now, AcknowledgmentMode: x400.AcknowledgmentManual}}
	content, err := (&x400.InformationObject{IPN: ipn}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	ipnMsg := &x400.Message{Envelope: x400.MessageTransferEnvelope{
		MessageIdentifier: x400.MTSIdentifier{GlobalDomainIdentifier: rpt.Envelope.ReportIdentifier.GlobalDomainIdentifier, LocalIdentifier: "peer-ipn-1"},
		OriginatorName:    rf.RecipientName, ContentType: x400.ContentTypeP22,
		PerRecipientFields: []x400.PerRecipientTransferFields{{RecipientName: e.OriginatorName, OriginallySpecifiedRecipientNumber: 1,
			PerRecipientIndicators: x400.PerRecipientResponsibility}},
		TraceInformation: rpt.Envelope.TraceInformation}, Content: content}
	if b, err = (&x400.MTSAPDU{Message: ipnMsg}).Marshal(); err != nil {
		t.Fatal(err)
	}
	transferP1(t, d.P1Addr("main").String(), b)

	// Postfix delivers both into alice's mailbox.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ms, err := in.WaitMessages(ctx, 2)
	if err != nil {
		t.Fatalf("%v; Postfix's log:\n%s", err, tailLines(in.Log(), 30))
	}
	var dsn, mdn string
	for _, m := range ms {
		s := string(m.Raw)
		switch {
		case m.Recipient != "alice@example.net":
			t.Errorf("delivered to %s", m.Recipient)
		case strings.Contains(s, "report-type=delivery-status"):
			dsn = s
		case strings.Contains(s, "report-type=disposition-notification"):
			mdn = s
		}
	}
	for _, want := range []string{"Return-Path: <>", "Original-Envelope-Id: alice-env-1", "Action: delivered",
		"Status: 2.", "Final-Recipient:"} {
		if !strings.Contains(dsn, want) {
			t.Errorf("DSN lacks %q:\n%s", want, dsn)
		}
	}
	for _, want := range []string{"Return-Path: <>", "Original-Message-ID: <ack1@example.net>", "displayed", "MDN-Gateway:"} {
		if !strings.Contains(mdn, want) {
			t.Errorf("MDN lacks %q:\n%s", want, mdn)
		}
	}
	evs, text := trackEvents(t, p.Audit.LogDirectory, "<ack1@example.net>")
	if !hasEvents(evs, "arrived", "converted", "departed", "delivery-report(dr,positive=true,matched=true)",
		"read-report(ipn,positive=true,matched=true)") {
		t.Errorf("track: %q\n%s", evs, text)
	}
}

// An X.400 originator who asked for a delivery report, to an Internet
// recipient behind an SMTP hop without DSN (Postfix told not to offer
// it): the gateway reports the delivery itself when the hop accepts the
// message ("relayed", RFC 2156 §4.6.2.3, RFC 3461 §5.2.2), since no DSN
// will come back.
func TestRelayedDeliveryReport(t *testing.T) {
	dir := t.TempDir()
	peerAddr := freeAddr(t)
	pr := startPeer(t, peerAddr)
	in := postfixtest.Start(t, postfixtest.Options{Domains: []string{"example.net"},
		Main: map[string]string{"smtpd_discard_ehlo_keywords": "dsn"}})
	d, _ := startDaemon(t, testPolicy(t, dir, peerAddr, in.Addr, ""))
	raw, msg := ppAsking(t, "/C=XX/ADMD= /PRMD=Gateway/DD.RFC-822=bob(a)example.net/")
	transferP1(t, d.P1Addr("main").String(), raw)
	dr := pr.nextAPDU(t, "relayed delivery report", 0)
	if dr.Report == nil {
		t.Fatalf("the peer got a %s, want a report", p1.Kind(dr))
	}
	checkReport(t, dr.Report, &msg.Envelope, true)
	if s := dr.Report.Content.PerRecipientFields[0].SupplementaryInformation; !strings.Contains(s, "DSN") {
		t.Errorf("supplementary information %q does not say the hop offers no DSN", s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := in.WaitMessages(ctx, 1); err != nil {
		t.Fatal(err)
	}
	evs, text := trackEvents(t, filepath.Join(dir, "audit-log"), msg.Envelope.MessageIdentifier.String())
	if !hasEvents(evs, "arrived", "departed", "report-sent(dr,positive=true,matched=true)") {
		t.Errorf("track: %q\n%s", evs, text)
	}
}

// An X.400 probe for Internet recipients is answered by the gateway (RFC
// 2156 §5.3.9): a delivery element for the one it could deliver to, a
// non-delivery element for the one without a route.
func TestProbeAnswered(t *testing.T) {
	dir := t.TempDir()
	peerAddr := freeAddr(t)
	pr := startPeer(t, peerAddr)
	rl, relayAddr := startRelay(t)
	d, _ := startDaemon(t, testPolicy(t, dir, peerAddr, relayAddr, ""))
	apdu := x400.SampleProbe()
	p := apdu.Probe
	for i, rcpt := range []string{"/C=XX/ADMD= /PRMD=Gateway/DD.RFC-822=bob(a)example.net/",
		"/C=XX/ADMD= /PRMD=Gateway/DD.RFC-822=carol(a)nowhere.invalid/"} {
		a, err := x400.ParseORAddress(rcpt)
		if err != nil {
			t.Fatal(err)
		}
		rf := &p.PerRecipientFields[i]
		rf.RecipientName = x400.ORName{ORAddress: a}
		rf.PerRecipientIndicators |= x400.PerRecipientResponsibility | x400.PerRecipientOriginatorReport
	}
	b, err := apdu.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	transferP1(t, d.P1Addr("main").String(), b)
	// Two reports: the answer for the recipient with a route, the
	// non-delivery of the one without.
	var fields []x400.PerRecipientReportTransferFields
	for i := range 2 {
		got := pr.nextAPDU(t, "probe report", i)
		if got.Report == nil {
			t.Fatalf("the peer got a %s, want a report", p1.Kind(got))
		}
		r := got.Report
		if !r.Content.SubjectIdentifier.Equal(p.ProbeIdentifier) || !r.Envelope.ReportDestinationName.Equal(&p.OriginatorName) {
			t.Errorf("report on %s to %s", r.Content.SubjectIdentifier.String(), r.Envelope.ReportDestinationName.String())
		}
		fields = append(fields, r.Content.PerRecipientFields...)
	}
	r := &x400.Report{Content: x400.ReportTransferContent{PerRecipientFields: fields}}
	var delivered, failed int
	for _, f := range r.Content.PerRecipientFields {
		switch {
		case f.LastTraceInformation.ReportType.Delivery != nil && strings.Contains(f.ActualRecipientName.String(), "bob"):
			delivered++
		case f.LastTraceInformation.ReportType.NonDelivery != nil && strings.Contains(f.ActualRecipientName.String(), "carol"):
			failed++
		}
	}
	if delivered != 1 || failed != 1 || len(r.Content.PerRecipientFields) != 2 {
		t.Errorf("per-recipient fields %+v, want a delivery for bob and a non-delivery for carol", r.Content.PerRecipientFields)
	}
	select {
	case <-rl.got:
		t.Error("a probe reached the SMTP relay")
	case <-time.After(200 * time.Millisecond):
	}
	waitQueue(t, d, "the spool to empty", func(ms []queue.Message) bool { return len(ms) == 0 })
}

// An SMTP sender asking for NOTIFY=SUCCESS, relayed by the gateway to an
// SMTP hop without DSN: the sender gets a "relayed" DSN (RFC 3461 §5.2.2).
func TestRelayedDSN(t *testing.T) {
	dir := t.TempDir()
	in := postfixtest.Start(t, postfixtest.Options{Domains: []string{"example.net"},
		Main: map[string]string{"smtpd_discard_ehlo_keywords": "dsn"}})
	d, _ := startDaemon(t, testPolicy(t, dir, freeAddr(t), in.Addr, ""))
	msg := "From: alice@example.net\r\nTo: bob@example.net\r\nSubject: relay me\r\n" +
		"Message-ID: <rly1@example.net>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nHello.\r\n"
	res := sendSMTP(t, d.SMTPAddr("trusted").String(), &mixer.SMTPEnvelope{MailFrom: "alice@example.net", EnvID: "rly-env",
		Recipients: []mixer.SMTPRecipient{{Address: "bob@example.net", Notify: mixer.NotifySuccess}}}, msg)
	if !res.Recipients[0].Accepted {
		t.Fatalf("refused: %+v", res.Recipients[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ms, err := in.WaitMessages(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	var dsn string
	for _, m := range ms {
		if m.Recipient == "alice@example.net" {
			dsn = string(m.Raw)
		}
	}
	for _, want := range []string{"Return-Path: <>", "report-type=delivery-status", "Action: relayed", "Status: 2.0.0",
		"Original-Envelope-Id: rly-env", "Final-Recipient: rfc822; bob@example.net", "text/rfc822-headers",
		"Message-ID: <rly1@example.net>"} {
		if !strings.Contains(dsn, want) {
			t.Errorf("relayed DSN lacks %q:\n%s", want, dsn)
		}
	}
}

// A delivery report that comes back after the gateway restarted is still
// matched (the correlation index is rebuilt from the audit log), and the
// DSN goes to the sender with its ENVID and ORCPT.
func TestAckAfterRestart(t *testing.T) {
	dir := t.TempDir()
	peerAddr := freeAddr(t)
	pr := startPeer(t, peerAddr)
	rl, relayAddr := startRelay(t)
	d, stop := startDaemon(t, testPolicy(t, dir, peerAddr, relayAddr, ""))
	const rcpt = "/C=XX/PRMD=Peer/O=HQ/S=Bob/@gateway.test"
	sendSMTP(t, d.SMTPAddr("trusted").String(), &mixer.SMTPEnvelope{MailFrom: "alice@example.net", EnvID: "env-restart",
		Recipients: []mixer.SMTPRecipient{{Address: rcpt, Notify: mixer.NotifySuccess | mixer.NotifyFailure,
			ORcptType: "rfc822", ORcpt: "bob@old.example"}}}, mmhsMessage)
	got := pr.nextAPDU(t, "message", 0)
	e := &got.Message.Envelope
	rf := e.PerRecipientFields[0]
	waitQueue(t, d, "the spool to empty", func(ms []queue.Message) bool { return len(ms) == 0 })
	stop()

	d2, _ := startDaemon(t, testPolicy(t, dir, peerAddr, relayAddr, ""))
	now := time.Now().UTC().Truncate(time.Second)
	diag := x400.DiagnosticUnrecognisedORName
	rpt := &x400.Report{Envelope: x400.ReportTransferEnvelope{
		ReportIdentifier:      x400.MTSIdentifier{GlobalDomainIdentifier: e.MessageIdentifier.GlobalDomainIdentifier, LocalIdentifier: "peer-ndr-1"},
		ReportDestinationName: e.OriginatorName,
		TraceInformation:      e.TraceInformation[:1],
	}, Content: x400.ReportTransferContent{SubjectIdentifier: e.MessageIdentifier,
		PerRecipientFields: []x400.PerRecipientReportTransferFields{{ActualRecipientName: rf.RecipientName,
			OriginallySpecifiedRecipientNumber: rf.OriginallySpecifiedRecipientNumber,
			PerRecipientIndicators:             rf.PerRecipientIndicators &^ x400.PerRecipientResponsibility,
			LastTraceInformation: x400.LastTraceInformation{ArrivalTime: now,
				ReportType: x400.ReportType{NonDelivery: &x400.NonDeliveryReport{Reason: x400.ReasonUnableToTransfer, Diagnostic: &diag}}}}}}}
	b, err := (&x400.MTSAPDU{Report: rpt}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	transferP1(t, d2.P1Addr("main").String(), b)
	wait(t, rl.got, "the DSN at the relay")
	rl.mu.Lock()
	m := rl.msgs[0]
	rl.mu.Unlock()
	if m.env.MailFrom != "" || len(m.env.Recipients) != 1 || m.env.Recipients[0].Address != "alice@example.net" {
		t.Errorf("DSN envelope %+v", m.env.SMTPEnvelope)
	}
	for _, want := range []string{"Action: failed", "Status: 5.1.1", "Original-Envelope-Id: env-restart",
		"Original-Recipient: rfc822; bob@old.example"} {
		if !strings.Contains(string(m.msg), want) {
			t.Errorf("DSN lacks %q:\n%s", want, m.msg)
		}
	}
}

// Acknowledgements that are broken or match nothing are recorded as such
// and never block the queue: a delivery-status report with no status
// group, an MDN for a message the gateway never saw.
func TestBadAcknowledgements(t *testing.T) {
	dir := t.TempDir()
	peerAddr := freeAddr(t)
	pr := startPeer(t, peerAddr)
	rl, relayAddr := startRelay(t)
	p := testPolicy(t, dir, peerAddr, relayAddr, "")
	d, _ := startDaemon(t, p)
	const to = "/C=XX/PRMD=Peer/O=HQ/S=Bob/@gateway.test"
	bad := "From: MAILER-DAEMON@example.net\r\nTo: " + to + "\r\nSubject: failure\r\nMessage-ID: <bad1@example.net>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n" +
		"--x\r\nContent-Type: text/plain\r\n\r\nsomething failed\r\n--x--\r\n"
	sendSMTP(t, d.SMTPAddr("trusted").String(), &mixer.SMTPEnvelope{Recipients: []mixer.SMTPRecipient{{Address: to}}}, bad)
	mdn := "From: carol@example.net\r\nTo: " + to + "\r\nSubject: read\r\nMessage-ID: <mdnx@example.net>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary=x\r\n\r\n" +
		"--x\r\nContent-Type: message/disposition-notification\r\n\r\nFinal-Recipient: rfc822;carol@example.net\r\n" +
		"Original-Message-ID: <never-seen@example.net>\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n\r\n--x--\r\n"
	sendSMTP(t, d.SMTPAddr("trusted").String(), &mixer.SMTPEnvelope{Recipients: []mixer.SMTPRecipient{{Address: to}}}, mdn)
	waitQueue(t, d, "the spool to empty", func(ms []queue.Message) bool { return len(ms) == 0 })
	var unmatchedDSN, unmatchedMDN bool
	err := audit.ScanDir(p.Audit.LogDirectory, 1, func(r *audit.Record, _ audit.Loc) error {
		if r.Ack == nil || r.Ack.Matched {
			return nil
		}
		switch {
		case r.Event == audit.EventDeliveryReport && r.Ack.Type == "dsn" && len(r.Ack.Problems) > 0:
			unmatchedDSN = true
		case r.Event == audit.EventReadReport && r.Ack.Type == "mdn" && r.Ack.Subject.MessageID == "<never-seen@example.net>":
			unmatchedMDN = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !unmatchedDSN || !unmatchedMDN {
		t.Errorf("audit: broken DSN recorded %v, unmatched MDN recorded %v", unmatchedDSN, unmatchedMDN)
	}
	// The unmatched MDN still becomes an IPN to its recipient (what it
	// carries is enough), the broken DSN nothing.
	got := pr.nextAPDU(t, "IPN", 0)
	if got.Message == nil {
		t.Fatalf("peer got a %s", p1.Kind(got))
	}
	select {
	case <-pr.got:
		t.Error("the broken DSN reached the X.400 peer")
	case <-time.After(300 * time.Millisecond):
	}

	// The X.400 side cannot deliver the IPN: its non-delivery report comes
	// back to the gateway (the IPN's originating MTA), is matched to the
	// IPN's departure, recorded, and not passed on as a DSN about an MDN.
	e := &got.Message.Envelope
	now := time.Now().UTC().Truncate(time.Second)
	rpt := &x400.Report{Envelope: x400.ReportTransferEnvelope{
		ReportIdentifier:      x400.MTSIdentifier{GlobalDomainIdentifier: e.MessageIdentifier.GlobalDomainIdentifier, LocalIdentifier: "peer-ndr-ipn"},
		ReportDestinationName: e.OriginatorName, TraceInformation: e.TraceInformation[:1],
	}, Content: x400.ReportTransferContent{SubjectIdentifier: e.MessageIdentifier,
		PerRecipientFields: []x400.PerRecipientReportTransferFields{{ActualRecipientName: e.PerRecipientFields[0].RecipientName,
			OriginallySpecifiedRecipientNumber: e.PerRecipientFields[0].OriginallySpecifiedRecipientNumber,
			PerRecipientIndicators:             x400.PerRecipientOriginatingMTANonDeliveryReport,
			LastTraceInformation: x400.LastTraceInformation{ArrivalTime: now,
				ReportType: x400.ReportType{NonDelivery: &x400.NonDeliveryReport{Reason: x400.ReasonUnableToTransfer}}}}}}}
	b, err := (&x400.MTSAPDU{Report: rpt}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	transferP1(t, d.P1Addr("main").String(), b)
	waitQueue(t, d, "the spool to empty", func(ms []queue.Message) bool { return len(ms) == 0 })
	select {
	case <-rl.got:
		t.Error("a report on the gateway's IPN went on to SMTP")
	case <-time.After(300 * time.Millisecond):
	}
	var recorded bool
	if err := audit.ScanDir(p.Audit.LogDirectory, 1, func(r *audit.Record, _ audit.Loc) error {
		if r.Event == audit.EventDeliveryReport && r.Ack != nil && r.Ack.Matched && r.Ack.Subject.MTSID == e.MessageIdentifier.String() {
			recorded = true
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !recorded {
		t.Error("the report on the gateway's IPN is not recorded as matched")
	}
}

// An acknowledgement whose converted form meets a transient failure is
// recorded once, when its fate is known, not at every attempt.
func TestAckRecordsOnce(t *testing.T) {
	d := &Daemon{}
	l := &queue.Lease{Message: &queue.Message{ID: "A", Kind: queue.KindSMTP, Recipients: []queue.Recipient{{Address: "x"}}},
		Hop: "p1:PEER", Recipients: []int{0}}
	ack := &audit.Record{Event: audit.EventDeliveryReport, ID: "A", Ack: &audit.Ack{Type: "dsn", Forwarded: "A"}}
	for _, c := range []struct {
		disp      queue.Disposition
		acks      int
		forwarded string
	}{{queue.Transient, 0, ""}, {queue.Permanent, 1, ""}, {queue.Delivered, 1, "A"}} {
		a := *ack
		a.Ack = &audit.Ack{Type: "dsn", Forwarded: "A"}
		o := outcome{kind: "dsn", acks: []*audit.Record{&a},
			res: []queue.RecipientResult{{Index: 0, Disposition: c.disp}}}
		var got []*audit.Record
		for _, r := range d.attemptRecords(l, &o) {
			if r.Event == audit.EventDeliveryReport {
				got = append(got, r)
			}
		}
		if len(got) != c.acks || (len(got) == 1 && got[0].Ack.Forwarded != c.forwarded) {
			t.Errorf("disposition %d: %d acknowledgement records (forwarded %+v), want %d forwarded %q", c.disp, len(got), got, c.acks, c.forwarded)
		}
	}
}

// An IPN on a message the gateway never saw, to an Internet recipient,
// still becomes an MDN to that recipient (what the IPN carries is
// enough), recorded unmatched.
func TestUnmatchedIPN(t *testing.T) {
	dir := t.TempDir()
	peerAddr := freeAddr(t)
	rl, relayAddr := startRelay(t)
	p := testPolicy(t, dir, peerAddr, relayAddr, "")
	d, _ := startDaemon(t, p)
	reader, _ := x400.ParseORAddress("/C=XX/PRMD=Peer/O=HQ/S=Bob/")
	to, _ := x400.ParseORAddress("/C=XX/ADMD= /PRMD=Gateway/DD.RFC-822=carol(a)example.net/")
	// A second Internet recipient of the same IPN message: one MDN stands
	// for both.
	to2, _ := x400.ParseORAddress("/C=XX/ADMD= /PRMD=Gateway/DD.RFC-822=dave(a)example.net/")
	now := time.Now().UTC().Truncate(time.Second)
	ipn := &x400.IPN{SubjectIPM: x400.IPMIdentifier{LocalID: "never-seen-42"},
		IPNOriginator: &x400.ORDescriptor{FormalName: &x400.ORName{ORAddress: reader}},
		Receipt:       &x400.ReceiptFields{ReceiptTime: now}}
	content, err := (&x400.InformationObject{IPN: ipn}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	gdi := x400.GlobalDomainIdentifier{Country: x400.NumericOrPrintable{Value: "XX"}, ADMD: x400.NumericOrPrintable{Value: " "},
		PRMD: x400.NumericOrPrintable{Value: "Peer"}}
	m := &x400.Message{Envelope: x400.MessageTransferEnvelope{
		MessageIdentifier: x400.MTSIdentifier{GlobalDomainIdentifier: gdi, LocalIdentifier: "ipn-unmatched"},
		OriginatorName:    x400.ORName{ORAddress: reader}, ContentType: x400.ContentTypeP22,
		PerRecipientFields: []x400.PerRecipientTransferFields{{RecipientName: x400.ORName{ORAddress: to},
			OriginallySpecifiedRecipientNumber: 1, PerRecipientIndicators: x400.PerRecipientResponsibility},
			{RecipientName: x400.ORName{ORAddress: to2},
				OriginallySpecifiedRecipientNumber: 2, PerRecipientIndicators: x400.PerRecipientResponsibility}},
		TraceInformation: x400.TraceInformation{{GlobalDomainIdentifier: gdi, DomainSuppliedInformation: x400.DomainSuppliedInformation{ArrivalTime: now}}}},
		Content: content}
	b, err := (&x400.MTSAPDU{Message: m}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	transferP1(t, d.P1Addr("main").String(), b)
	wait(t, rl.got, "the MDN at the relay")
	rl.mu.Lock()
	got := rl.msgs[0]
	rl.mu.Unlock()
	if got.env.MailFrom != "" || len(got.env.Recipients) != 1 || got.env.Recipients[0].Address != "carol@example.net" {
		t.Errorf("MDN envelope %+v", got.env.SMTPEnvelope)
	}
	if s := string(got.msg); !strings.Contains(s, "disposition-notification") || !strings.Contains(s, "displayed") {
		t.Errorf("not an MDN of a display:\n%s", s)
	}
	waitQueue(t, d, "the spool to empty", func(ms []queue.Message) bool { return len(ms) == 0 })
	select {
	case <-rl.got:
		t.Error("a second MDN for the same IPN")
	default:
	}
	var unmatched bool
	if err := audit.ScanDir(p.Audit.LogDirectory, 1, func(r *audit.Record, _ audit.Loc) error {
		unmatched = unmatched || (r.Event == audit.EventReadReport && r.Ack != nil && !r.Ack.Matched && r.Ack.Type == "ipn")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !unmatched {
		t.Error("the IPN is not recorded as an unmatched read report")
	}
}

// The MDN on a military message (P772, STANAG 4406) comes back to its
// X.400 originator as an IPN in a P772 message, as the subject was.
func TestMilitaryReadReport(t *testing.T) {
	dir := t.TempDir()
	peerAddr := freeAddr(t)
	pr := startPeer(t, peerAddr)
	rl, relayAddr := startRelay(t)
	p := testPolicy(t, dir, peerAddr, relayAddr, "")
	d, _ := startDaemon(t, p)
	raw, msg := militaryAsking(t, "/C=XX/ADMD= /PRMD=Gateway/DD.RFC-822=bob(a)example.net/")
	transferP1(t, d.P1Addr("main").String(), raw)
	wait(t, rl.got, "the military message at the relay")
	rl.mu.Lock()
	got := rl.msgs[0]
	rl.mu.Unlock()
	h, _, err := mixer.ParseHeader(got.msg, mixer.HeaderLimits{})
	if err != nil {
		t.Fatal(err)
	}
	dnt, _ := h.Get("Disposition-Notification-To")
	msgID, _ := h.Get("Message-ID")
	if _, ok := h.Get(mixer.FieldMMHSPrimaryPrecedence); !ok || dnt == "" {
		t.Fatalf("converted message lacks MMHS-Primary-Precedence or Disposition-Notification-To:\n%s", got.msg)
	}
	to, err := mixer.ParseMailbox(strings.TrimSpace(dnt))
	if err != nil {
		t.Fatal(err)
	}
	mdn := "From: bob@example.net\r\nTo: " + strings.TrimSpace(dnt) + "\r\nSubject: Read\r\nMessage-ID: <mdn-mil@example.net>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary=x\r\n\r\n" +
		"--x\r\nContent-Type: message/disposition-notification\r\n\r\nFinal-Recipient: rfc822;bob@example.net\r\n" +
		"Original-Message-ID: " + strings.TrimSpace(msgID) + "\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n\r\n--x--\r\n"
	sendSMTP(t, d.SMTPAddr("trusted").String(), &mixer.SMTPEnvelope{Recipients: []mixer.SMTPRecipient{{Address: to.AddrSpec.String()}}}, mdn)
	ipnAPDU := pr.nextAPDU(t, "IPN", 0)
	if ipnAPDU.Message == nil {
		t.Fatalf("the peer got a %s", p1.Kind(ipnAPDU))
	}
	if ct := ipnAPDU.Message.Envelope.ContentType; !ct.Is(x400.ContentTypeP772) {
		t.Errorf("IPN content type %s, want P772 as its subject", ct.String())
	}
	if rn := ipnAPDU.Message.Envelope.PerRecipientFields[0].RecipientName; !rn.Equal(&msg.Envelope.OriginatorName) {
		t.Errorf("IPN to %s, want the originator %s", rn.String(), msg.Envelope.OriginatorName.String())
	}
}
