package daemon

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"mixerd/mixer"
	"mixerd/p1"
	"mixerd/queue"
	"mixerd/smtp"
	"mixerd/x400"
)

// startRefusingRelay is the test's relay refusing every recipient whose
// local part is "bad" (554, permanent: the daemon is not a trusted client
// there).
func startRefusingRelay(t *testing.T) (*relay, string) {
	t.Helper()
	r := &relay{got: make(chan struct{}, 100)}
	s, err := smtp.NewServer(smtp.Config{Hostname: "relay.test", Sink: r, Logger: testLogger(t),
		Accept: func(a string) bool { return !strings.HasPrefix(a, "bad@") }})
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

// waitQueue waits until cond holds of the spool, looking when the report
// builder made progress and otherwise every 20 ms (polling the spool's
// state, not synchronising).
func waitQueue(t *testing.T, d *Daemon, what string, cond func([]queue.Message) bool) []queue.Message {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		ms := d.Queue().List(queue.Filter{})
		if cond(ms) {
			return ms
		}
		select {
		case <-d.reportLogged:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s: %+v", what, ms)
		}
	}
}

// ppWithReports is the PP sample to one recipient asking for reports.
func ppWithReports(t *testing.T, rcpt string) ([]byte, *x400.Message) {
	t.Helper()
	apdu, err := x400.DecodeMTSAPDU(ppMessageTo(t, rcpt), nil)
	if err != nil {
		t.Fatal(err)
	}
	rf := &apdu.Message.Envelope.PerRecipientFields[0]
	rf.PerRecipientIndicators |= x400.PerRecipientOriginatingMTANonDeliveryReport | x400.PerRecipientOriginatorNonDeliveryReport
	b, err := apdu.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b, apdu.Message
}

// 1. A P1 message to an Internet recipient with no route: the originator's
// MTA gets an X.400 non-delivery report on it.
func TestNDRForP1(t *testing.T) {
	dir := t.TempDir()
	peerAddr := freeAddr(t)
	pr := startPeer(t, peerAddr)
	_, relayAddr := startRelay(t)
	d, _ := startDaemon(t, testPolicy(t, dir, peerAddr, relayAddr, ""))
	raw, msg := ppWithReports(t, "/C=XX/ADMD= /PRMD=Gateway/DD.RFC-822=carol(a)nowhere.invalid/")
	transferP1(t, d.P1Addr("main").String(), raw)
	wait(t, pr.got, "the report at the originator's MTA")
	pr.mu.Lock()
	got := pr.apdus[0]
	pr.mu.Unlock()
	apdu, err := x400.DecodeMTSAPDU(got, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := apdu.Report
	if r == nil {
		t.Fatalf("the peer got a %s, want a report", p1.Kind(apdu))
	}
	e := &msg.Envelope
	if !r.Content.SubjectIdentifier.Equal(e.MessageIdentifier) {
		t.Errorf("subject identifier %s, want %s", r.Content.SubjectIdentifier.String(), e.MessageIdentifier.String())
	}
	if !r.Envelope.ReportDestinationName.Equal(&e.OriginatorName) {
		t.Errorf("report destination %s, want %s", r.Envelope.ReportDestinationName.String(), e.OriginatorName.String())
	}
	if gdi := d.st.Load().pol.Gateway.GDI; !r.Envelope.ReportIdentifier.GlobalDomainIdentifier.Equal(gdi) {
		t.Errorf("report identifier %s not in the gateway's domain", r.Envelope.ReportIdentifier.String())
	}
	if len(r.Envelope.TraceInformation) != 1 {
		t.Errorf("trace %d elements, want the gateway's one", len(r.Envelope.TraceInformation))
	}
	if len(r.Content.PerRecipientFields) != 1 {
		t.Fatalf("%d per-recipient fields", len(r.Content.PerRecipientFields))
	}
	rf := r.Content.PerRecipientFields[0]
	if !rf.ActualRecipientName.Equal(&e.PerRecipientFields[0].RecipientName) ||
		rf.OriginallySpecifiedRecipientNumber != e.PerRecipientFields[0].OriginallySpecifiedRecipientNumber {
		t.Errorf("recipient %s #%d", rf.ActualRecipientName.String(), rf.OriginallySpecifiedRecipientNumber)
	}
	nd := rf.LastTraceInformation.ReportType.NonDelivery
	if nd == nil || nd.Reason != x400.ReasonUnableToTransfer || nd.Diagnostic == nil ||
		*nd.Diagnostic != x400.DiagnosticUnrecognisedORName {
		t.Errorf("non-delivery %+v", nd)
	}
	// The failure is reported: the subject leaves the spool, the report
	// too once transferred.
	waitQueue(t, d, "the spool to empty", func(ms []queue.Message) bool { return len(ms) == 0 })
}

// 2. An SMTP message whose recipient fails permanently (the next hop
// refuses it): a DSN with MAIL FROM:<> to the originator.
func TestDSNForSMTP(t *testing.T) {
	dir := t.TempDir()
	peerAddr := freeAddr(t)
	rl, relayAddr := startRefusingRelay(t)
	d, _ := startDaemon(t, testPolicy(t, dir, peerAddr, relayAddr, ""))
	env := &mixer.SMTPEnvelope{MailFrom: "alice@example.net", EnvID: "env-42",
		Recipients: []mixer.SMTPRecipient{{Address: "bad@example.net", Notify: mixer.NotifyFailure}}}
	res := sendSMTP(t, d.SMTPAddr("trusted").String(), env, mmhsMessage)
	if !res.Recipients[0].Accepted {
		t.Fatalf("refused: %+v", res.Recipients[0])
	}
	wait(t, rl.got, "the DSN at the relay")
	rl.mu.Lock()
	m := rl.msgs[0]
	rl.mu.Unlock()
	if m.env.MailFrom != "" {
		t.Errorf("MAIL FROM <%s>, want <>", m.env.MailFrom)
	}
	if len(m.env.Recipients) != 1 || m.env.Recipients[0].Address != "alice@example.net" {
		t.Errorf("RCPT TO %+v", m.env.Recipients)
	}
	s := string(m.msg)
	for _, want := range []string{"multipart/report", "report-type=delivery-status", "Action: failed",
		"Status: 5.", "Original-Envelope-Id: env-42"} {
		if !strings.Contains(s, want) {
			t.Errorf("DSN lacks %q:\n%s", want, s)
		}
	}
	if !strings.Contains(s, "Final-Recipient: rfc822; bad@example.net") {
		t.Errorf("DSN does not name the recipient:\n%s", s)
	}
	// The message itself is returned (no RET: whole, for a failure).
	if !strings.Contains(s, "Content-Type: message/rfc822") || !strings.Contains(s, "Move now.") ||
		!strings.Contains(s, "Message-ID: <flash1@example.net>") {
		t.Errorf("DSN does not return the message:\n%s", s)
	}
	waitQueue(t, d, "the spool to empty", func(ms []queue.Message) bool { return len(ms) == 0 })
}

// 3. No report when NOTIFY=NEVER, on a null reverse-path, on a report.
func TestNoReport(t *testing.T) {
	dir := t.TempDir()
	peerAddr := freeAddr(t)
	rl, relayAddr := startRefusingRelay(t)
	d, _ := startDaemon(t, testPolicy(t, dir, peerAddr, relayAddr, ""))
	bob := "bad@example.net"
	noneLeft := func(ms []queue.Message) bool { return len(ms) == 0 }
	quiet := func(what string) {
		t.Helper()
		select {
		case <-rl.got:
			t.Errorf("%s: a DSN was sent", what)
		default:
		}
	}

	// NOTIFY=NEVER: reported (nothing to send), the message leaves.
	res := sendSMTP(t, d.SMTPAddr("trusted").String(), &mixer.SMTPEnvelope{MailFrom: "alice@example.net",
		Recipients: []mixer.SMTPRecipient{{Address: bob, Notify: mixer.NotifyNever}}}, mmhsMessage)
	if !res.Recipients[0].Accepted {
		t.Fatalf("refused: %+v", res.Recipients[0])
	}
	waitQueue(t, d, "NOTIFY=NEVER reported", noneLeft)
	quiet("NOTIFY=NEVER")

	// Null reverse-path: no DSN, kept dead for the operators.
	dead := func(n int) func([]queue.Message) bool {
		return func(ms []queue.Message) bool {
			k := 0
			for _, m := range ms {
				if len(m.Recipients) == 1 && m.Recipients[0].State == queue.StateDead {
					k++
				}
			}
			return len(ms) == n && k == n
		}
	}
	res = sendSMTP(t, d.SMTPAddr("trusted").String(), &mixer.SMTPEnvelope{
		Recipients: []mixer.SMTPRecipient{{Address: bob}}}, strings.Replace(mmhsMessage, "flash1", "flash2", 1))
	if !res.Recipients[0].Accepted {
		t.Fatalf("refused: %+v", res.Recipients[0])
	}
	ms := waitQueue(t, d, "the null reverse-path message dead", dead(1))
	if !strings.Contains(ms[0].Recipients[0].Reason, "null reverse-path") {
		t.Errorf("reason %q", ms[0].Recipients[0].Reason)
	}
	quiet("null reverse-path")

	// A report (to an Internet address with no route): never reported on.
	rpt := x400.SampleReport()
	dest, err := x400.ParseORAddress("/C=XX/ADMD= /PRMD=Gateway/DD.RFC-822=carol(a)nowhere.invalid/")
	if err != nil {
		t.Fatal(err)
	}
	rpt.Report.Envelope.ReportDestinationName = x400.ORName{ORAddress: dest}
	raw, err := rpt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	transferP1(t, d.P1Addr("main").String(), raw)
	ms = waitQueue(t, d, "the report dead", dead(2))
	for _, m := range ms {
		if m.Kind == queue.KindP1 && !strings.Contains(m.Recipients[0].Reason, "no report is made on it") {
			t.Errorf("reason %q", m.Recipients[0].Reason)
		}
	}
	quiet("report")
}

// A report on a conversion failure says what failed, not the parser's
// or encoder's text that the attempt keeps for the operators.
func TestSupplementaryConversion(t *testing.T) {
	ce := &mixer.ConversionError{Field: "MMHS-Copy-Precedence", Reason: x400.ReasonConversionNotPerformed,
		Status: "5.6.0", Err: errors.New("mixer: ber: element at offset 12: tag mismatch")}
	a := conversionAttempt(ce)
	if !strings.Contains(a.Text, "offset 12") {
		t.Errorf("attempt text %q lacks the detail for the operators", a.Text)
	}
	s := supplementary(&queue.Failure{Last: &a})
	if s != "conversion of MMHS-Copy-Precedence failed at the MIXER gateway" {
		t.Errorf("supplementary information %q", s)
	}
}
