package mixer

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"mixerd/ber"
	"mixerd/x400"
)

// envTestGateway is the test gateway of the common rules: Domain
// gw.example.mil, ORAddress C=GB;ADMD= ;PRMD=MOD;O=Gateway, with a
// domain -> O/R MCGAM for AC.UK (RFC 2156 Appendix F §5) so that a
// Received "by" domain finds its management domain.
func envTestGateway(t *testing.T) *Gateway {
	t.Helper()
	a, err := x400.ParseORAddress("C=GB;ADMD= ;PRMD=MOD;O=Gateway")
	if err != nil {
		t.Fatal(err)
	}
	d2o, err := LoadTable("d2o", TableDomainToOR, strings.NewReader("AC.UK#PRMD$UK\\\\.AC.ADMD$GOLD 400.C$GB#\n"))
	if err != nil {
		t.Fatal(err)
	}
	return &Gateway{
		Domain:     "gw.example.mil",
		ORAddress:  a,
		DomainToOR: d2o,
		GDI:        envGDI(t, "/PRMD=MOD/ADMD= /C=GB/"),
		MTAName:    "mta.gw.example.mil",
	}
}

func envGDI(t *testing.T, s string) x400.GlobalDomainIdentifier {
	t.Helper()
	g, err := ParseGlobalDomainIdentifier(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func envDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := envParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// envFixClock makes the conversion time fixed for the test.
func envFixClock(t *testing.T) time.Time {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("", 3600))
	old := envNow
	envNow = func() time.Time { return now }
	t.Cleanup(func() { envNow = old })
	return now
}

// TestEnvelopeX400ReceivedRFC2156Examples reads the two examples of RFC
// 2156 §5.3.7 and writes them back.
func TestEnvelopeX400ReceivedRFC2156Examples(t *testing.T) {
	simple := "by /PRMD=UK.AC/ADMD=Gold 400/C=GB/ ; Relayed ;\r\n        Tue, 20 Jun 89 19:25:11 +0100"
	tr, err := ParseX400Received(simple)
	if err != nil {
		t.Fatal(err)
	}
	if tr.MTA != "" || tr.GDI.PRMD.Value != "UK.AC" || tr.GDI.ADMD.Value != "Gold 400" || tr.GDI.Country.Value != "GB" {
		t.Errorf("simple: %+v", tr)
	}
	want := time.Date(1989, 6, 20, 19, 25, 11, 0, time.FixedZone("", 3600))
	if !tr.Supplied.ArrivalTime.Equal(want) || tr.Supplied.RoutingAction != x400.RoutingRelayed {
		t.Errorf("simple: arrival %v action %v", tr.Supplied.ArrivalTime, tr.Supplied.RoutingAction)
	}
	if got := FormatX400Received(tr); got != "by /PRMD=UK.AC/ADMD=Gold 400/C=GB/ ; Relayed ; Tue, 20 Jun 1989 19:25:11 +0100" {
		t.Errorf("simple formats to %q", got)
	}

	complex := `by mta "UK.AC.UCL.CS" in
       /PRMD=UK.AC/ADMD=Gold 400/C=GB/ ;
       deferred until  Tue, 20 Jun 89 14:24:22 +0100 ;
        converted (undefined, g3fax) ; attempted MD /ADMD=Foo/C=GB/ ;
        Relayed, Expanded, Redirected ; Tue, 20 Jun 89 19:25:11 +0100`
	tr, err = ParseX400Received(complex)
	if err != nil {
		t.Fatal(err)
	}
	s := tr.Supplied
	switch {
	case tr.MTA != "UK.AC.UCL.CS":
		t.Errorf("mta %q", tr.MTA)
	case !s.DeferredTime.Equal(time.Date(1989, 6, 20, 14, 24, 22, 0, time.FixedZone("", 3600))):
		t.Errorf("deferred %v", s.DeferredTime)
	case s.ConvertedEITs == nil || s.ConvertedEITs.BuiltIn != x400.EITUnknown|x400.EITG3Facsimile:
		t.Errorf("converted %+v", s.ConvertedEITs)
	case s.AttemptedDomain == nil || s.AttemptedDomain.ADMD.Value != "Foo" || s.AttemptedDomain.Country.Value != "GB":
		t.Errorf("attempted %+v", s.AttemptedDomain)
	case s.OtherActions != x400.OtherActionDLOperation|x400.OtherActionRedirected:
		t.Errorf("actions %v", s.OtherActions)
	}
	out := FormatX400Received(tr)
	const wantOut = `by mta UK.AC.UCL.CS in /PRMD=UK.AC/ADMD=Gold 400/C=GB/ ; deferred until Tue, 20 Jun 1989 14:24:22 +0100 ;` +
		` converted (Undefined, G3-Fax) ; attempted MD /ADMD=Foo/C=GB/ ; Relayed, Expanded, Redirected ; Tue, 20 Jun 1989 19:25:11 +0100`
	if out != wantOut {
		t.Errorf("complex formats to\n%s\nwant\n%s", out, wantOut)
	}
	back, err := ParseX400Received(out)
	if err != nil {
		t.Fatal(err)
	}
	if FormatX400Received(back) != out {
		t.Errorf("round trip: %q", FormatX400Received(back))
	}
	// an MTA name that is no atom is a quoted-string (§5.3.7)
	q := X400Trace{GDI: tr.GDI, MTA: "mta one;x", Supplied: x400.DomainSuppliedInformation{ArrivalTime: want}}
	back, err = ParseX400Received(FormatX400Received(q))
	if err != nil || back.MTA != "mta one;x" {
		t.Errorf("quoted mta: %q %v (%s)", back.MTA, err, FormatX400Received(q))
	}
}

func TestEnvelopeX400ReceivedBad(t *testing.T) {
	for _, v := range []string{
		"",
		"by /PRMD=UK.AC/ADMD=Gold 400/C=GB/ ; Relayed",
		"from /C=GB/ ; Relayed ; Tue, 20 Jun 89 19:25:11 +0100",
		"by /C=GB/S=Smith/ ; Relayed ; Tue, 20 Jun 89 19:25:11 +0100",
		"by /C=GB/ ; Bounced ; Tue, 20 Jun 89 19:25:11 +0100",
		"by /C=GB/ ; Relayed ; yesterday",
		"by /C=GB/ ; converted IA5-Text ; Relayed ; Tue, 20 Jun 89 19:25:11 +0100",
		"by /C=GB/ ; converted (Smoke-Signals) ; Relayed ; Tue, 20 Jun 89 19:25:11 +0100",
		"by /C=GB/ ; teleported ; Relayed ; Tue, 20 Jun 89 19:25:11 +0100",
		`by mta "unterminated in /C=GB/ ; Relayed ; Tue, 20 Jun 89 19:25:11 +0100`,
	} {
		if _, err := ParseX400Received(v); err == nil {
			t.Errorf("%q: no error", v)
		}
	}
}

// TestEnvelopeEncodedInfo is RFC 2156 §5.3.3.1 and eit-mixer (Appendix D).
func TestEnvelopeEncodedInfo(t *testing.T) {
	e := x400.EncodedInformationTypes{BuiltIn: x400.EITIA5Text | x400.EITG3Facsimile | x400.EITMixedMode, Extended: []ber.OID{OIDEITMixer}}
	s := FormatEncodedInfo(&e)
	if s != "IA5-Text, G3-Fax, TIF1, (1)(3)(6)(1)(7)(1)(3)(5)" {
		t.Fatalf("format: %q", s)
	}
	back, err := ParseEncodedInfo(s)
	if err != nil || back.BuiltIn != e.BuiltIn || len(back.Extended) != 1 || !back.Extended[0].Equal(OIDEITMixer) {
		t.Fatalf("parse: %+v %v", back, err)
	}
	for _, in := range []string{"ia5-text", "IA5Text", "1.3.6.1.7.1.3.5", "mixer(1) (3)(6)(1)(7)(1)(3)(5)"} {
		if _, err := ParseEncodedInfo(in); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
	for _, in := range []string{"", "IA5-Text,", "Morse", "(1)(x)", "bad key(1)(3)"} {
		if _, err := ParseEncodedInfo(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

// TestEnvelopeContentType is EBNF.mts-content-type, RFC 2156 §5.3.6.
func TestEnvelopeContentType(t *testing.T) {
	if s := FormatContentType(x400.ContentTypeP22); s != "interpersonal-messaging-1988(22)" {
		t.Errorf("P22: %q", s)
	}
	if s := FormatContentType(x400.ContentTypeP772); s != "(1)(3)(26)(0)(4406)(0)(4)(1)" {
		t.Errorf("P772: %q", s)
	}
	for in, want := range map[string]x400.ContentType{
		"P2": x400.ContentTypeP2, "22": x400.ContentTypeP22, "(22)": x400.ContentTypeP22,
		"interpersonal-messaging-1988(22)": x400.ContentTypeP22,
		"(1)(3)(26)(0)(4406)(0)(4)(1)":     x400.ContentTypeP772,
		"1.3.26.0.4406.0.4.1":              x400.ContentTypeP772,
	} {
		got, err := ParseContentType(in)
		if err != nil || !got.Is(want) {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "P22x", "(abc)", "x(1)(2"} {
		if _, err := ParseContentType(in); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

// TestEnvelopeNotifyAppendixA is RFC 2156 Appendix A §3.1 and §3.2.
func TestEnvelopeNotifyAppendixA(t *testing.T) {
	for _, c := range []struct {
		ind  x400.PerRecipientIndicators
		want Notify
	}{
		{0, NotifyNever},
		{x400.PerRecipientOriginatorNonDeliveryReport, NotifyFailure},
		{x400.PerRecipientOriginatorReport, NotifySuccess | NotifyFailure},
		{x400.PerRecipientOriginatorReport | x400.PerRecipientOriginatorNonDeliveryReport, NotifySuccess | NotifyFailure},
		{x400.PerRecipientOriginatingMTAReport, NotifyNever}, // the MTA's wish is the gateway's
	} {
		if got := envNotifyOf(c.ind | x400.PerRecipientResponsibility); got != c.want {
			t.Errorf("%b: %v, want %v", c.ind, got, c.want)
		}
	}
	const rep = x400.PerRecipientOriginatorReport
	const ndr = x400.PerRecipientOriginatorNonDeliveryReport
	for _, c := range []struct {
		n    Notify
		want x400.PerRecipientIndicators
	}{
		{NotifyNever, 0},
		{NotifySuccess, rep},
		{NotifySuccess | NotifyFailure, rep},
		{NotifyFailure, ndr},
		{NotifyDelay, ndr},
		{0, ndr}, // absent: the RFC 3461 default
	} {
		got := envIndicatorsOf(c.n)
		if got&x400.PerRecipientResponsibility == 0 || got&(rep|ndr) != c.want {
			t.Errorf("%v: %b, want %b", c.n, got, c.want)
		}
		if envNotifyOf(got)&NotifySuccess != envNotifyOf(got|c.want)&NotifySuccess {
			t.Errorf("%v: not reversible", c.n)
		}
	}
}

// TestEnvelopeReceivedRFC2156 is the Received example of RFC 2156 §5.1.6:
// the mta-name is the "by" domain.
func TestEnvelopeReceivedRFC2156(t *testing.T) {
	r, err := envParseReceived(" from computer-science.nottingham.ac.uk by\r\n vs6.Cs.Ucl.AC.UK via Janet with NIFTP  id aa03794;\r\n 28 Mar 89 16:38 GMT")
	if err != nil {
		t.Fatal(err)
	}
	if r.by != "vs6.Cs.Ucl.AC.UK" || !r.date.Equal(time.Date(1989, 3, 28, 16, 38, 0, 0, time.UTC)) || r.mixer {
		t.Errorf("%+v", r)
	}
	r, err = envParseReceived(" from isode.com by isode.com\r\n (MIXER Conversion following RFC 1327);\r\n Thu, 2 Jan 1997 14:46:03 +0000")
	if err != nil || !r.mixer || r.by != "isode.com" {
		t.Errorf("%+v %v", r, err)
	}
	for _, v := range []string{"by x", "by x; not a date"} {
		if _, err := envParseReceived(v); err == nil {
			t.Errorf("%q: no error", v)
		}
	}
}

func TestEnvelopeFieldClaims(t *testing.T) {
	for _, n := range []string{"Received", "x400-received", "X400-MTS-Identifier", "Priority", "DL-Expansion-History", "Conversion-With-Loss", "Deferred-Delivery", "Latest-Delivery-Time", "Original-Encoded-Information-Types"} {
		if !envelopeField(n) {
			t.Errorf("%s not claimed", n)
		}
	}
	for _, n := range []string{"Message-ID", "Date", "Subject", "To", "Resent-Date", "MMHS-Primary-Precedence", "Content-Type"} {
		if envelopeField(n) {
			t.Errorf("%s claimed", n)
		}
	}
}

func TestEnvelopeContentIdentifierRFC2156(t *testing.T) {
	// §5.1.5: longer than 16: 13 characters and "..."
	if got := envPrintable("Movement order 17 for FOB North", envUbContentID); got != "Movement orde..." {
		t.Errorf("%q", got)
	}
	if got := envPrintable("Lage@Nord", 16); got != "Lage?Nord" {
		t.Errorf("%q", got)
	}
}

func envName(t *testing.T, s string) x400.ORName {
	t.Helper()
	a, err := x400.ParseORAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return x400.ORName{ORAddress: a}
}

// envExt returns an extension built for a test; building it must not fail.
func envExt(x x400.Extension, err error) x400.Extension {
	if err != nil {
		panic(err)
	}
	return x
}

// envTestEnvelope is a P1 envelope using the services of RFC 2156
// §5.3.6 and §5.3.7 that have an Internet form.
func envTestEnvelope(t *testing.T) *x400.MessageTransferEnvelope {
	t0 := envDate(t, "Mon, 23 Nov 2026 08:00:00 +0000")
	t1 := envDate(t, "Mon, 23 Nov 2026 08:01:00 +0000")
	t2 := envDate(t, "Mon, 23 Nov 2026 08:05:00 +0100")
	env := &x400.MessageTransferEnvelope{
		MessageIdentifier: x400.MTSIdentifier{GlobalDomainIdentifier: envGDI(t, "/PRMD=MOD/ADMD= /C=GB/"), LocalIdentifier: "HQ.0042"},
		OriginatorName:    envName(t, "C=GB;ADMD= ;PRMD=MOD;O=HQ;S=Smith;G=John"),
		OriginalEITs:      &x400.EncodedInformationTypes{BuiltIn: x400.EITIA5Text},
		ContentType:       x400.ContentTypeP22,
		ContentIdentifier: "MOVE ORDER 17",
		Priority:          x400.PriorityUrgent,
		PerMessageIndicators: x400.PerMessageImplicitConversionProhibited | x400.PerMessageContentReturnRequest |
			x400.PerMessageDisclosureOfOtherRecipients,
		DeferredDeliveryTime: t0,
		TraceInformation: x400.TraceInformation{
			{GlobalDomainIdentifier: envGDI(t, "/PRMD=MOD/ADMD= /C=GB/"), DomainSuppliedInformation: x400.DomainSuppliedInformation{ArrivalTime: t0}},
			{GlobalDomainIdentifier: envGDI(t, "/PRMD=UK.AC/ADMD=Gold 400/C=GB/"), DomainSuppliedInformation: x400.DomainSuppliedInformation{
				ArrivalTime: t2, OtherActions: x400.OtherActionDLOperation}},
		},
		PerRecipientFields: []x400.PerRecipientTransferFields{
			{RecipientName: envName(t, "C=GB;ADMD= ;PRMD=MOD;O=FOB;S=Jones"), OriginallySpecifiedRecipientNumber: 1,
				PerRecipientIndicators: x400.PerRecipientResponsibility | x400.PerRecipientOriginatorReport | x400.PerRecipientOriginatingMTAReport},
			{RecipientName: envName(t, "C=GB;ADMD= ;PRMD=MOD;O=FOB;S=Brown"), OriginallySpecifiedRecipientNumber: 2,
				PerRecipientIndicators: x400.PerRecipientResponsibility | x400.PerRecipientOriginatorNonDeliveryReport},
			{RecipientName: envName(t, "C=GB;ADMD= ;PRMD=MOD;O=HQ;S=Green"), OriginallySpecifiedRecipientNumber: 3,
				PerRecipientIndicators: x400.PerRecipientOriginatorNonDeliveryReport},
		},
	}
	env.Extensions.Set(x400.ConversionWithLossProhibitedExtension())
	env.Extensions.Set(envExt(x400.LatestDeliveryTimeExtension(envDate(t, "Tue, 24 Nov 2026 08:00:00 +0000"))))
	env.Extensions.Set(envExt(x400.DLExpansionHistoryExtension([]x400.DLExpansion{
		{DL: envName(t, "C=GB;ADMD= ;PRMD=MOD;O=HQ;CN=All Staff"), Time: t1},
	})))
	env.Extensions.Set(envExt(x400.InternalTraceInformationExtension(x400.InternalTraceInformation{
		{GlobalDomainIdentifier: envGDI(t, "/PRMD=MOD/ADMD= /C=GB/"), MTAName: "hq-mta",
			MTASuppliedInformation: x400.MTASuppliedInformation{ArrivalTime: t1}},
	})))
	return env
}

// envAddressReady skips nothing: it waits for the address mapping, which
// these tests go through (the test fails if it is still a stub).
func envMailbox(t *testing.T, g *Gateway, n x400.ORName) Mailbox {
	t.Helper()
	mb, err := g.ORNameToMailbox(&n)
	if err != nil {
		t.Fatalf("address mapping of %s: %v", n.String(), err)
	}
	return mb
}

// TestEnvelopeToSMTPGolden is RFC 2156 §4.6.2, §5.3.6, §5.3.7 and
// Appendix A §3.2 on envTestEnvelope.
func TestEnvelopeToSMTPGolden(t *testing.T) {
	g := envTestGateway(t)
	now := envFixClock(t)
	env := envTestEnvelope(t)
	var rep Report
	se, h, recErrs, err := g.EnvelopeToSMTP(env, nil, &rep)
	if err != nil || len(recErrs) != 0 {
		t.Fatalf("%v %v", err, recErrs)
	}
	orig := envMailbox(t, g, env.OriginatorName)
	jones := envMailbox(t, g, env.PerRecipientFields[0].RecipientName)
	brown := envMailbox(t, g, env.PerRecipientFields[1].RecipientName)
	green := envMailbox(t, g, env.PerRecipientFields[2].RecipientName)
	if se.MailFrom != orig.AddrSpec.String() {
		t.Errorf("MAIL FROM %q, want %q", se.MailFrom, orig.AddrSpec.String())
	}
	// §5.3.7: only the recipients with the responsibility bit
	if len(se.Recipients) != 2 {
		t.Fatalf("RCPT TO: %+v", se.Recipients)
	}
	r0, r1 := se.Recipients[0], se.Recipients[1]
	if r0.Address != jones.AddrSpec.String() || r0.Notify != NotifySuccess|NotifyFailure ||
		r0.ORcptType != "x400" || r0.ORcpt != "/C=GB/ADMD= /PRMD=MOD/O=FOB/S=Jones/" {
		t.Errorf("RCPT 1 %+v", r0)
	}
	if r1.Address != brown.AddrSpec.String() || r1.Notify != NotifyFailure {
		t.Errorf("RCPT 2 %+v", r1)
	}
	// Appendix A §3.2
	if se.EnvID != "X400-MTS-Identifier: [/PRMD=MOD/ADMD= /C=GB/;HQ.0042]" || se.Ret != "FULL" {
		t.Errorf("ENVID %q RET %q", se.EnvID, se.Ret)
	}
	if se.MTPriority == nil || *se.MTPriority != 4 { // RFC 6710 Appendix B: urgent 4
		t.Errorf("MT-PRIORITY %v", se.MTPriority)
	}
	want := []string{
		"Received: by mta.gw.example.mil (MIXER conversion following RFC 2156 from X.400 MD /PRMD=UK.AC/ADMD=Gold 400/C=GB/); " + envFormatDate(now),
		"X400-Received: by /PRMD=UK.AC/ADMD=Gold 400/C=GB/ ; Relayed, Expanded ; Mon, 23 Nov 2026 08:05:00 +0100",
		"X400-Received: by mta hq-mta in /PRMD=MOD/ADMD= /C=GB/ ; Relayed ; Mon, 23 Nov 2026 08:01:00 +0000",
		"X400-Received: by /PRMD=MOD/ADMD= /C=GB/ ; Relayed ; Mon, 23 Nov 2026 08:00:00 +0000",
		"X400-MTS-Identifier: [/PRMD=MOD/ADMD= /C=GB/;HQ.0042]",
		"X400-Originator: " + orig.String(),
		"X400-Recipients: " + jones.String() + ", " + brown.String() + ", " + green.String(),
		"X400-Content-Type: interpersonal-messaging-1988(22)",
		"X400-Content-Identifier: MOVE ORDER 17",
		"Original-Encoded-Information-Types: IA5-Text",
		"Priority: urgent",
		"Conversion: Prohibited",
		"Conversion-With-Loss: Prohibited",
		"Deferred-Delivery: Mon, 23 Nov 2026 08:00:00 +0000",
		"Latest-Delivery-Time: Tue, 24 Nov 2026 08:00:00 +0000",
		"DL-Expansion-History: " + envMailbox(t, g, envName(t, "C=GB;ADMD= ;PRMD=MOD;O=HQ;CN=All Staff")).String() + " ; Mon, 23 Nov 2026 08:01:00 +0000 ;",
		"Date: Mon, 23 Nov 2026 08:00:00 +0000",
	}
	var got []string
	for _, f := range h {
		got = append(got, f.Name+":"+f.Value)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("header\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// every envelope field accounted for
	r := rep.String()
	for _, item := range []string{
		"mapped envelope.originator-name -> MAIL FROM", "mapped envelope.message-identifier -> ENVID",
		"mapped envelope.priority -> MT-PRIORITY", "mapped envelope.content-type -> X400-Content-Type",
		"dropped envelope.recipient 1.per-recipient-indicators.originating-MTA-report",
		"mapped envelope.internal-trace-information -> X400-Received",
		"mapped envelope.dl-expansion-history 1 -> DL-Expansion-History",
	} {
		if !strings.Contains(r, item) {
			t.Errorf("report lacks %q:\n%s", item, r)
		}
	}
}

// TestEnvelopeToSMTPDisclosure is RFC 2156 §4.6.2.2: with disclosure of
// recipients prohibited and several RFC 822 recipients X400-Recipients is
// discarded; with one, it names only that one.
func TestEnvelopeToSMTPDisclosure(t *testing.T) {
	g := envTestGateway(t)
	envFixClock(t)
	env := envTestEnvelope(t)
	env.PerMessageIndicators &^= x400.PerMessageDisclosureOfOtherRecipients
	var rep Report
	_, h, _, err := g.EnvelopeToSMTP(env, nil, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := h.Get("X400-Recipients"); ok || !strings.Contains(rep.String(), "disclosure of recipients prohibited") {
		t.Errorf("X400-Recipients kept:\n%s", rep.String())
	}
	env.PerRecipientFields[1].PerRecipientIndicators &^= x400.PerRecipientResponsibility
	_, h, _, err = g.EnvelopeToSMTP(env, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := h.Get("X400-Recipients")
	if strings.TrimSpace(v) != envMailbox(t, g, env.PerRecipientFields[0].RecipientName).String() {
		t.Errorf("X400-Recipients %q", v)
	}
}

// TestEnvelopeRedirectComment is the example of RFC 2156 §4.6.2.2 with
// two redirects, and the ORCPT of Appendix A §3.2.
func TestEnvelopeRedirectComment(t *testing.T) {
	g := envTestGateway(t)
	envFixClock(t)
	env := envTestEnvelope(t)
	first := envName(t, "C=GB;ADMD= ;PRMD=MOD;O=Sales;S=Manager")
	second := envName(t, "C=GB;ADMD= ;PRMD=MOD;O=Sales;S=Postmaster")
	rf := &env.PerRecipientFields[0]
	rf.Extensions.Set(envExt(x400.RedirectionHistoryExtension([]x400.Redirection{
		{IntendedRecipient: first, RedirectionTime: envDate(t, "Thu, 30 May 91 14:39:40 +0100"), Reason: x400.RedirectionOriginatorRequested},
		{IntendedRecipient: second, RedirectionTime: envDate(t, "Thu, 30 May 91 14:41:20 +0100"), Reason: x400.RedirectionRecipientMDAssigned},
	})))
	rf.Extensions.Set(x400.Extension{Type: x400.ExtensionType{Standard: x400.ExtPhysicalForwardingProhibited}})
	se, h, _, err := g.EnvelopeToSMTP(env, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m1, m2 := envMailbox(t, g, first), envMailbox(t, g, second)
	// x400's extension encoder writes the times in UTC ("Z"), so they
	// come back at +0000
	wantComment := "(Originally To: " + m1.String() + " Redirected on Thu, 30 May 1991 13:39:40 +0000 To: Originator Requested Alternate Recipient " +
		m2.String() + " Redirected Again on Thu, 30 May 1991 13:41:20 +0000 To: Recipient MD Assigned Alternate Recipient)"
	v, _ := h.Get("X400-Recipients")
	if !strings.Contains(v, wantComment) || !strings.Contains(v, "(Physical Forwarding Prohibited)") {
		t.Errorf("X400-Recipients %q\nwant comment %q", v, wantComment)
	}
	if se.Recipients[0].ORcpt != first.ORAddress.String() || se.Recipients[0].ORcptType != "x400" {
		t.Errorf("ORCPT %q;%q", se.Recipients[0].ORcptType, se.Recipients[0].ORcpt)
	}
}

// TestEnvelopeToSMTPCritical is RFC 2156 §5.3.6: an extension critical for
// delivery that the Internet cannot provide non-delivers the message; a
// non-critical unknown one is listed in Discarded-X400-MTS-Extensions.
func TestEnvelopeToSMTPCritical(t *testing.T) {
	g := envTestGateway(t)
	envFixClock(t)
	env := envTestEnvelope(t)
	env.Extensions = append(env.Extensions, x400.Extension{Type: x400.ExtensionType{Private: ber.MustOID("1.2.826.0.1004.10.1")}})
	var rep Report
	_, h, _, err := g.EnvelopeToSMTP(env, nil, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := h.Get("Discarded-X400-MTS-Extensions"); strings.TrimSpace(v) != "(1)(2)(826)(0)(1004)(10)(1)" {
		t.Errorf("Discarded-X400-MTS-Extensions %q", v)
	}
	env.Extensions = append(env.Extensions, x400.Extension{Type: x400.ExtensionType{Standard: x400.ExtProofOfDeliveryRequest}, Critical: x400.CriticalForDelivery})
	_, _, _, err = g.EnvelopeToSMTP(env, nil, nil)
	var ce *ConversionError
	if !errors.As(err, &ce) || ce.Diagnostic != x400.DiagnosticUnsupportedCriticalFunction || !strings.Contains(ce.Field, "proof-of-delivery-request") {
		t.Errorf("critical proof-of-delivery-request: %v", err)
	}
}

// TestEnvelopeToSMTPRecipientErrors: a recipient that cannot be mapped is
// a RecipientError, not a failure of the message.
func TestEnvelopeToSMTPRecipientErrors(t *testing.T) {
	g := envTestGateway(t)
	envFixClock(t)
	env := envTestEnvelope(t)
	env.PerRecipientFields[1].RecipientName = x400.ORName{} // no address at all
	se, _, recErrs, err := g.EnvelopeToSMTP(env, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(se.Recipients) != 1 || len(recErrs) != 1 || recErrs[0].Index != 1 || recErrs[0].Err.Status == "" {
		t.Errorf("recipients %+v errors %+v", se.Recipients, recErrs)
	}
}

// TestEnvelopeMTPriority is RFC 6710 Appendix A (precedence, STANAG4406
// policy) and Appendix B (X.411 priority, MIXER policy).
func TestEnvelopeMTPriority(t *testing.T) {
	g := envTestGateway(t)
	envFixClock(t)
	env := envTestEnvelope(t)
	for _, c := range []struct {
		policy MTPriorityPolicy
		prec   *x400.Precedence
		prio   x400.Priority
		want   int
	}{
		{MTPriorityMIXER, nil, x400.PriorityNonUrgent, -4},
		{MTPriorityMIXER, nil, x400.PriorityNormal, 0},
		{MTPriorityMIXER, nil, x400.PriorityUrgent, 4},
		{MTPrioritySTANAG4406, envPrec(x400.PrecedenceFlash), x400.PriorityUrgent, 4},
		{MTPrioritySTANAG4406, envPrec(x400.PrecedenceOverride), x400.PriorityUrgent, 6},
		{MTPrioritySTANAG4406, envPrec(x400.PrecedenceRoutine), x400.PriorityNormal, -2},
		{MTPriorityMIXER, envPrec(x400.PrecedenceFlash), x400.PriorityUrgent, 4},
	} {
		g.Priority = c.policy
		env.Priority = c.prio
		se, _, _, err := g.EnvelopeToSMTP(env, c.prec, nil)
		if err != nil {
			t.Fatal(err)
		}
		if *se.MTPriority != c.want {
			t.Errorf("%s %v %v: %d, want %d", c.policy, c.prec, c.prio, *se.MTPriority, c.want)
		}
	}
}

func envPrec(p x400.Precedence) *x400.Precedence { return &p }

// TestEnvelopeRoundTrip: X.400 envelope -> SMTP envelope and fields ->
// X.400 envelope keeps what RFC 2156 maps both ways.
func TestEnvelopeRoundTrip(t *testing.T) {
	g := envTestGateway(t)
	now := envFixClock(t)
	env := envTestEnvelope(t)
	se, h, _, err := g.EnvelopeToSMTP(env, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	back, recErrs, err := g.SMTPToEnvelope(&se, h, nil, &rep)
	if err != nil || len(recErrs) != 0 {
		t.Fatalf("%v %v", err, recErrs)
	}
	if back.OriginatorName.String() != env.OriginatorName.String() {
		t.Errorf("originator %s", back.OriginatorName.String())
	}
	if len(back.PerRecipientFields) != 2 {
		t.Fatalf("recipients %+v", back.PerRecipientFields)
	}
	const bits = x400.PerRecipientResponsibility | x400.PerRecipientOriginatorReport | x400.PerRecipientOriginatorNonDeliveryReport
	for i, rf := range back.PerRecipientFields {
		o := env.PerRecipientFields[i]
		if rf.RecipientName.String() != o.RecipientName.String() || rf.PerRecipientIndicators&bits != o.PerRecipientIndicators&bits {
			t.Errorf("recipient %d: %s %b", i, rf.RecipientName.String(), rf.PerRecipientIndicators)
		}
		if rf.Extensions.Find(x400.ExtRedirectionHistory) != nil {
			t.Errorf("recipient %d: ORCPT naming itself made a redirection", i)
		}
	}
	if !back.ContentType.Is(env.ContentType) || back.Priority != env.Priority || back.ContentIdentifier != env.ContentIdentifier {
		t.Errorf("content type %v priority %v content id %q", back.ContentType, back.Priority, back.ContentIdentifier)
	}
	const pmi = x400.PerMessageImplicitConversionProhibited | x400.PerMessageContentReturnRequest
	if back.PerMessageIndicators&pmi != pmi {
		t.Errorf("per-message-indicators %b", back.PerMessageIndicators)
	}
	if !back.DeferredDeliveryTime.Equal(env.DeferredDeliveryTime) {
		t.Errorf("deferred %v", back.DeferredDeliveryTime)
	}
	if p, _ := back.Extensions.ConversionWithLossProhibited(); !p {
		t.Error("conversion-with-loss-prohibited lost")
	}
	l1, _ := back.Extensions.LatestDeliveryTime()
	l0, _ := env.Extensions.LatestDeliveryTime()
	if !l1.Equal(l0) {
		t.Errorf("latest-delivery-time %v", l1)
	}
	d1, _ := back.Extensions.DLExpansionHistory()
	d0, _ := env.Extensions.DLExpansionHistory()
	if len(d1) != 1 || d1[0].DL.String() != d0[0].DL.String() || !d1[0].Time.Equal(d0[0].Time) {
		t.Errorf("dl-expansion-history %+v", d1)
	}
	if back.OriginalEITs == nil || FormatEncodedInfo(back.OriginalEITs) != "IA5-Text" {
		t.Errorf("original EITs %+v", back.OriginalEITs)
	}
	// trace: the X.400 trace, then the gateway's Received hop and the
	// conversion element (§5.1.6)
	tr := back.TraceInformation
	if len(tr) < 3 {
		t.Fatalf("trace %+v", tr)
	}
	for i, e := range env.TraceInformation {
		b := tr[i]
		if !b.GlobalDomainIdentifier.Equal(e.GlobalDomainIdentifier) || !b.DomainSuppliedInformation.ArrivalTime.Equal(e.DomainSuppliedInformation.ArrivalTime) ||
			b.DomainSuppliedInformation.OtherActions != e.DomainSuppliedInformation.OtherActions {
			t.Errorf("trace %d: %+v, want %+v", i, b, e)
		}
	}
	last := tr[len(tr)-1]
	if !last.GlobalDomainIdentifier.Equal(g.GDI) || !last.DomainSuppliedInformation.ArrivalTime.Equal(now) || last.DomainSuppliedInformation.ConvertedEITs == nil {
		t.Errorf("gateway element %+v", last)
	}
	in, err := back.Extensions.InternalTraceInformation()
	if err != nil || len(in) < 2 || in[0].MTAName != "hq-mta" || in[len(in)-1].MTAName != "mta.gw.example.mil" {
		t.Errorf("internal trace %+v %v", in, err)
	}
	if !strings.HasPrefix(back.MessageIdentifier.LocalIdentifier, "MIXER-") || len(back.MessageIdentifier.LocalIdentifier) > 32 ||
		!back.MessageIdentifier.GlobalDomainIdentifier.Equal(g.GDI) {
		t.Errorf("message-identifier %v", back.MessageIdentifier)
	}
	if err := back.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if r := rep.String(); !strings.Contains(r, "dropped X400-MTS-Identifier") || !strings.Contains(r, "mapped ENVID -> envelope.extensions.content-correlator") {
		t.Errorf("report:\n%s", r)
	}
}

// TestEnvelopeFromSMTPRFC2156 is RFC 2156 §5.1.6 with its Received example,
// Appendix A §3.1 (NOTIFY, ORCPT, RET, ENVID) and RFC 6710.
func TestEnvelopeFromSMTPRFC2156(t *testing.T) {
	g := envTestGateway(t)
	now := envFixClock(t)
	hdr := "Received: from computer-science.nottingham.ac.uk by\r\n vs6.Cs.Ucl.AC.UK via Janet with NIFTP  id aa03794;\r\n 28 Mar 89 16:38 GMT\r\n" +
		"Date: Tue, 28 Mar 89 16:30:00 +0000\r\nSubject: Movement order 17 for FOB North\r\nMessage-ID: <17@hq.example.mil>\r\n\r\n"
	h, _, err := ParseHeader([]byte(hdr), HeaderLimits{})
	if err != nil {
		t.Fatal(err)
	}
	mtp := 2
	se := SMTPEnvelope{MailFrom: "j3@hq.example.mil", EnvID: "QQ314159", Ret: "HDRS", MTPriority: &mtp,
		Recipients: []SMTPRecipient{
			{Address: "ops@fob.example.mil", Notify: NotifySuccess},
			{Address: "not an address"},
			{Address: "log@fob.example.mil", Notify: NotifyNever, ORcptType: "rfc822", ORcpt: "logistics@fob.example.mil"},
		}}
	var rep Report
	env, recErrs, err := g.SMTPToEnvelope(&se, h, nil, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(recErrs) != 1 || recErrs[0].Index != 1 || recErrs[0].Err.Status != "5.1.3" {
		t.Errorf("recipient errors %+v", recErrs)
	}
	if len(env.PerRecipientFields) != 2 {
		t.Fatalf("recipients %+v", env.PerRecipientFields)
	}
	r0, r1 := env.PerRecipientFields[0], env.PerRecipientFields[1]
	if r0.PerRecipientIndicators&x400.PerRecipientOriginatorReport == 0 || r1.PerRecipientIndicators&(x400.PerRecipientOriginatorReport|x400.PerRecipientOriginatorNonDeliveryReport) != 0 {
		t.Errorf("indicators %b %b", r0.PerRecipientIndicators, r1.PerRecipientIndicators)
	}
	if r0.OriginallySpecifiedRecipientNumber != 1 || r1.OriginallySpecifiedRecipientNumber != 2 {
		t.Errorf("numbers %d %d", r0.OriginallySpecifiedRecipientNumber, r1.OriginallySpecifiedRecipientNumber)
	}
	rh, err := r1.Extensions.RedirectionHistory()
	if err != nil || len(rh) != 1 || rh[0].Reason != x400.RedirectionAlias || !rh[0].RedirectionTime.Equal(now) {
		t.Errorf("ORCPT -> redirection-history %+v %v", rh, err)
	}
	if env.PerMessageIndicators != x400.PerMessageAlternateRecipientAllowed { // §5.1.5; RET=HDRS
		t.Errorf("per-message-indicators %b", env.PerMessageIndicators)
	}
	if env.Priority != x400.PriorityNormal { // RFC 6710 Appendix B: 2 is normal
		t.Errorf("priority %v", env.Priority)
	}
	if !env.ContentType.Is(x400.ContentTypeP22) || env.ContentIdentifier != "Movement orde..." {
		t.Errorf("content type %v id %q", env.ContentType, env.ContentIdentifier)
	}
	cc, err := env.Extensions.ContentCorrelator()
	if err != nil || cc == nil || cc.IA5Text != "SMTP/NOTARY ENVID: QQ314159" {
		t.Errorf("content correlator %+v %v", cc, err)
	}
	// trace: Date (originator's domain), the Received hop mapped by the
	// AC.UK MCGAM, the gateway
	tr := env.TraceInformation
	if len(tr) != 3 {
		t.Fatalf("trace %+v", tr)
	}
	if !tr[0].DomainSuppliedInformation.ArrivalTime.Equal(envDate(t, "Tue, 28 Mar 89 16:30:00 +0000")) {
		t.Errorf("first element %+v", tr[0])
	}
	if tr[1].GlobalDomainIdentifier.String() != "/PRMD=UK.AC/ADMD=GOLD 400/C=GB/" || !tr[1].DomainSuppliedInformation.ArrivalTime.Equal(time.Date(1989, 3, 28, 16, 38, 0, 0, time.UTC)) {
		t.Errorf("Received element %v %+v", tr[1].GlobalDomainIdentifier.String(), tr[1])
	}
	if !tr[2].GlobalDomainIdentifier.Equal(g.GDI) || tr[2].DomainSuppliedInformation.ConvertedEITs == nil {
		t.Errorf("gateway element %+v", tr[2])
	}
	in, _ := env.Extensions.InternalTraceInformation()
	var names []string
	for _, e := range in {
		names = append(names, e.MTAName)
	}
	if strings.Join(names, " ") != "hq.example.mil vs6.Cs.Ucl.AC.UK mta.gw.example.mil" {
		t.Errorf("internal trace %v", names)
	}
	// the body's EITs (§5.1.5)
	if err := SetEnvelopeEITs(&env, x400.EncodedInformationTypes{BuiltIn: x400.EITIA5Text | x400.EITG3Facsimile}); err != nil {
		t.Fatal(err)
	}
	if FormatEncodedInfo(env.OriginalEITs) != "IA5-Text, G3-Fax, (1)(3)(6)(1)(7)(1)(3)(5)" {
		t.Errorf("original EITs %s", FormatEncodedInfo(env.OriginalEITs))
	}
	in, _ = env.Extensions.InternalTraceInformation()
	if c := in[len(in)-1].MTASuppliedInformation.ConvertedEITs; c == nil || c.BuiltIn&x400.EITG3Facsimile == 0 {
		t.Errorf("internal converted EITs %+v", c)
	}
	if err := env.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	// with MMHS fields: P772 and the precedence's priority
	flash := x400.PrecedenceFlash
	env, _, err = g.SMTPToEnvelope(&se, h, &flash, nil)
	if err != nil || !env.ContentType.Is(x400.ContentTypeP772) || env.Priority != x400.PriorityUrgent {
		t.Errorf("P772: %v %v %v", env.ContentType, env.Priority, err)
	}
}

// TestEnvelopeFromSMTPBadHeaders: what restricts the service is an error
// naming the field; what is informative is dropped with the reason.
func TestEnvelopeFromSMTPBadHeaders(t *testing.T) {
	g := envTestGateway(t)
	envFixClock(t)
	se := SMTPEnvelope{MailFrom: "j3@hq.example.mil", Recipients: []SMTPRecipient{{Address: "ops@fob.example.mil"}}}
	for _, c := range []struct {
		field, value string
		fatal        bool
	}{
		{"Conversion", "maybe", true},
		{"Conversion-With-Loss", "", true},
		{"Latest-Delivery-Time", "soon", true},
		{"Priority", "1 (highest)", false},
		{"X400-Received", "by nowhere", false},
		{"Received", "from x by y", false},
		{"X400-Content-Type", "(abc)", false},
		{"Deferred-Delivery", "later", false},
		{"DL-Expansion-History", "list@x.example", false},
		{"Original-Encoded-Information-Types", "Morse", false},
	} {
		h := Header{{Name: "Date", Value: " Mon, 23 Nov 2026 08:00:00 +0000"}, {Name: c.field, Value: " " + c.value}}
		var rep Report
		_, _, err := g.SMTPToEnvelope(&se, h, nil, &rep)
		var ce *ConversionError
		if c.fatal {
			if !errors.As(err, &ce) || ce.Field != c.field || ce.Diagnostic != x400.DiagnosticContentSyntaxError {
				t.Errorf("%s: %q: %v", c.field, c.value, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %q: %v", c.field, c.value, err)
		}
		if !strings.Contains(rep.String(), "dropped "+c.field+": ") {
			t.Errorf("%s: %q: not dropped:\n%s", c.field, c.value, rep.String())
		}
	}
	// no recipient at all
	_, recErrs, err := g.SMTPToEnvelope(&SMTPEnvelope{MailFrom: "a@b.example", Recipients: []SMTPRecipient{{Address: "@@"}}}, nil, nil, nil)
	if err == nil || len(recErrs) != 1 {
		t.Errorf("no recipient: %v %v", err, recErrs)
	}
	if _, _, err := g.SMTPToEnvelope(&SMTPEnvelope{MailFrom: "<<bad", Recipients: se.Recipients}, nil, nil, nil); err == nil {
		t.Error("bad MAIL FROM accepted")
	}
}

// TestEnvelopeMixerLoop is RFC 2156 §5.1.5: more than five MIXER
// conversions in one direction is a loop.
func TestEnvelopeMixerLoop(t *testing.T) {
	g := envTestGateway(t)
	envFixClock(t)
	se := SMTPEnvelope{MailFrom: "j3@hq.example.mil", Recipients: []SMTPRecipient{{Address: "ops@fob.example.mil"}}}
	var h Header
	for i := 0; i < 5; i++ {
		h = append(h, Field{Name: "X400-Received", Value: " by /PRMD=MOD/ADMD= /C=GB/ ; converted (IA5-Text, (1)(3)(6)(1)(7)(1)(3)(5)) ; Relayed ; Mon, 23 Nov 2026 08:00:00 +0000"})
	}
	_, _, err := g.SMTPToEnvelope(&se, h[:4], nil, nil)
	if err != nil {
		t.Fatalf("four conversions: %v", err)
	}
	_, _, err = g.SMTPToEnvelope(&se, h, nil, nil)
	var ce *ConversionError
	if !errors.As(err, &ce) || ce.Diagnostic != x400.DiagnosticLoopDetected {
		t.Errorf("five earlier conversions: %v", err)
	}
}

// TestEnvelopePP1988 converts the PP (ISODE) message of 1988.
func TestEnvelopePP1988(t *testing.T) {
	b, err := os.ReadFile("../x400/testdata/p1_message_pp1988.ber")
	if err != nil {
		t.Fatal(err)
	}
	apdu, err := x400.DecodeMTSAPDU(b, nil)
	if err != nil || apdu.Message == nil {
		t.Fatalf("%v", err)
	}
	env := &apdu.Message.Envelope
	g := envTestGateway(t)
	envFixClock(t)
	var rep Report
	se, h, recErrs, err := g.EnvelopeToSMTP(env, nil, &rep)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("MAIL FROM:<%s>", se.MailFrom)
	for _, r := range se.Recipients {
		t.Logf("RCPT TO:<%s> NOTIFY=%s ORCPT=%s;%s", r.Address, r.Notify, r.ORcptType, r.ORcpt)
	}
	t.Logf("%s", FormatHeader(h))
	if se.MailFrom == "" || !strings.Contains(se.MailFrom, "@") {
		t.Errorf("MAIL FROM %q", se.MailFrom)
	}
	resp := 0
	for _, rf := range env.PerRecipientFields {
		if rf.PerRecipientIndicators&x400.PerRecipientResponsibility != 0 {
			resp++
		}
	}
	if len(se.Recipients)+len(recErrs) != resp || resp == 0 {
		t.Errorf("%d RCPT TO and %d errors for %d recipients", len(se.Recipients), len(recErrs), resp)
	}
	if !strings.Contains(se.MailFrom, "S=root") || !strings.HasSuffix(se.MailFrom, "@gw.example.mil") {
		t.Errorf("MAIL FROM %q", se.MailFrom)
	}
	// two visits of ptest, each with its identical internal element: only
	// the internal ones are shown (§5.3.7)
	var xr []string
	for _, f := range h {
		if f.Name == "X400-Received" {
			xr = append(xr, f.Value)
			if _, err := ParseX400Received(f.Value); err != nil {
				t.Errorf("X400-Received does not parse back: %v", err)
			}
		}
	}
	const wantXR = " by mta a.test in /PRMD=ptest/ADMD=TEST/C=GB/ ; Relayed ; Sun, 22 Nov 2026 21:19:53 +0000"
	if len(xr) != 2 || xr[0] != wantXR || xr[1] != wantXR {
		t.Errorf("X400-Received %q", xr)
	}
	if v, _ := h.Get("X400-MTS-Identifier"); v != " [/PRMD=ptest/ADMD=TEST/C=GB/;a.test.086:22.10.26.21.19.53]" {
		t.Errorf("X400-MTS-Identifier %q", v)
	}
	// and back: a valid P1 envelope
	back, _, err := g.SMTPToEnvelope(&se, h, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := back.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if in, _ := back.Extensions.InternalTraceInformation(); len(in) < 3 || in[0].MTAName != "a.test" || in[1].MTAName != "a.test" {
		t.Errorf("internal trace back %+v", in)
	}
	if len(h) == 0 || h[0].Name != "Received" {
		t.Errorf("first field %+v", h[0])
	}
}

// TestEnvelopeFromSMTPPriority: a military message's X.411 priority
// follows its precedence (x400.Precedence.Priority); else Priority:, else
// MT-PRIORITY under the policy (RFC 6710 Appendix A, B).
func TestEnvelopeFromSMTPPriority(t *testing.T) {
	g := envTestGateway(t)
	envFixClock(t)
	mtp := func(v int) *int { return &v }
	for _, c := range []struct {
		policy   MTPriorityPolicy
		prec     *x400.Precedence
		priority string
		mt       *int
		want     x400.Priority
		dropped  string
	}{
		{MTPriorityMIXER, nil, "", nil, x400.PriorityNormal, ""},
		{MTPriorityMIXER, nil, "", mtp(4), x400.PriorityUrgent, ""},
		{MTPriorityMIXER, nil, "", mtp(3), x400.PriorityNormal, ""},
		{MTPriorityMIXER, nil, "", mtp(-1), x400.PriorityNonUrgent, ""},
		{MTPrioritySTANAG4406, nil, "", mtp(2), x400.PriorityUrgent, ""}, // IMMEDIATE
		{MTPrioritySTANAG4406, nil, "", mtp(0), x400.PriorityNormal, ""}, // PRIORITY
		{MTPriorityMIXER, nil, "non-urgent", mtp(4), x400.PriorityNonUrgent, "MT-PRIORITY"},
		{MTPriorityMIXER, envPrec(x400.PrecedenceFlash), "normal", nil, x400.PriorityUrgent, "Priority"},
		{MTPriorityMIXER, envPrec(x400.PrecedenceDeferred), "", mtp(4), x400.PriorityNonUrgent, "MT-PRIORITY"},
		{MTPriorityMIXER, nil, "very", nil, x400.PriorityNormal, "Priority"},
	} {
		g.Priority = c.policy
		h := Header{{Name: "Date", Value: " Mon, 23 Nov 2026 08:00:00 +0000"}}
		if c.priority != "" {
			h = append(h, Field{Name: "Priority", Value: " " + c.priority})
		}
		se := SMTPEnvelope{MailFrom: "j3@hq.example.mil", MTPriority: c.mt, Recipients: []SMTPRecipient{{Address: "ops@fob.example.mil"}}}
		var rep Report
		env, _, err := g.SMTPToEnvelope(&se, h, c.prec, &rep)
		if err != nil {
			t.Fatal(err)
		}
		if env.Priority != c.want {
			t.Errorf("%+v: %v", c, env.Priority)
		}
		if c.dropped != "" && !strings.Contains(rep.String(), "dropped "+c.dropped+":") {
			t.Errorf("%+v: %s not dropped:\n%s", c, c.dropped, rep.String())
		}
	}
}

// TestEnvelopeMixerLoopBack: more than five conversions to RFC 822 (the
// gateway's Received comments, §5.3.7) is a loop too.
func TestEnvelopeMixerLoopBack(t *testing.T) {
	g := envTestGateway(t)
	envFixClock(t)
	se := SMTPEnvelope{MailFrom: "j3@hq.example.mil", Recipients: []SMTPRecipient{{Address: "ops@fob.example.mil"}}}
	var h Header
	for i := 0; i < 6; i++ {
		h = append(h, Field{Name: "Received", Value: " by gw.example.net (MIXER conversion following RFC 2156); Mon, 23 Nov 2026 08:00:00 +0000"})
	}
	if _, _, err := g.SMTPToEnvelope(&se, h[:5], nil, nil); err != nil {
		t.Fatalf("five: %v", err)
	}
	_, _, err := g.SMTPToEnvelope(&se, h, nil, nil)
	var ce *ConversionError
	if !errors.As(err, &ce) || ce.Diagnostic != x400.DiagnosticLoopDetected {
		t.Errorf("six: %v", err)
	}
}

// TestEnvelopeEnvIDTooLong: RFC 3461 §4.4 limits ENVID to 100 characters.
func TestEnvelopeEnvIDTooLong(t *testing.T) {
	g := envTestGateway(t)
	envFixClock(t)
	env := envTestEnvelope(t)
	env.MessageIdentifier.GlobalDomainIdentifier = envGDI(t, "/PRMD=ABCDEFGHIJKLMNOP/ADMD=ABCDEFGHIJKLMNOP/C=GB/")
	env.MessageIdentifier.LocalIdentifier = strings.Repeat("x", 32)
	var rep Report
	se, h, _, err := g.EnvelopeToSMTP(env, nil, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if len("X400-MTS-Identifier: "+env.MessageIdentifier.String()) <= 100 {
		t.Fatal("identifier not long enough for the test")
	}
	if se.EnvID != "" || !strings.Contains(rep.String(), "dropped envelope.message-identifier: longer than") {
		t.Errorf("ENVID %q\n%s", se.EnvID, rep.String())
	}
	if _, ok := h.Get("X400-MTS-Identifier"); !ok {
		t.Error("X400-MTS-Identifier missing")
	}
}

// TestEnvelopeParsersNoPanic feeds the text parsers odd and random input:
// an error, never a panic.
func TestEnvelopeParsersNoPanic(t *testing.T) {
	seeds := []string{"", ";", ";;;", "by", "by mta", "by mta \"", "by mta x in", "(", ")(", "()", "((1)", "converted (", "\"\\",
		"by /C=GB/ ; converted () ; Relayed ; 1 Jan 2000 00:00 +0000", "by mta \"a\\\" in /C=GB/ ; Relayed ; x", "\xff\xfe;\x00", "İ;K"}
	rnd := uint32(1)
	alphabet := "by mta in;()\",\\ /C=GB=ADMD deferred until converted attempted MD MTA Relayed 1 Jan 2000 00:00 +0000\xff"
	for i := 0; i < 3000; i++ {
		var b []byte
		for j := 0; j < int(rnd%40); j++ {
			rnd = rnd*1664525 + 1013904223
			b = append(b, alphabet[rnd>>8%uint32(len(alphabet))])
		}
		rnd = rnd*1664525 + 1013904223
		seeds = append(seeds, string(b))
	}
	for _, s := range seeds {
		ParseX400Received(s)
		ParseEncodedInfo(s)
		ParseContentType(s)
		ParseOID(s)
		envParseReceived(s)
		envStripComments(s)
	}
}
