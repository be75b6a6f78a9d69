package reports

import (
	"bytes"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"mixerd/mixer"
	"mixerd/x400"
)

// mdnTestGateway is gw.example.mil, O/R address C=GB;ADMD= ;PRMD=MOD;O=Gateway,
// with the Widget.COM MCGAM (as mixer's heading tests).
func mdnTestGateway(t testing.TB) *mixer.Gateway {
	t.Helper()
	or, err := x400.ParseORAddress("/C=GB/ADMD= /PRMD=MOD/O=Gateway/")
	if err != nil {
		t.Fatal(err)
	}
	d2o, err := mixer.LoadTable("domain-or", mixer.TableDomainToOR, strings.NewReader("Widget.COM#O$Widget.PRMD$@.ADMD$BTT.C$TC#\n"))
	if err != nil {
		t.Fatal(err)
	}
	o2d, err := mixer.LoadTable("or-domain", mixer.TableORToDomain, strings.NewReader("O$Widget.PRMD$@.ADMD$BTT.C$TC#Widget.COM#\n"))
	if err != nil {
		t.Fatal(err)
	}
	return &mixer.Gateway{Domain: "gw.example.mil", ORAddress: or, DomainToOR: d2o, ORToDomain: o2d}
}

var mdnTestDate = time.Date(2026, 11, 22, 11, 0, 0, 0, time.UTC)

// mdnParts splits an MDN made by IPNToMDN into its text part and the
// fields of its notification part.
func mdnParts(t *testing.T, msg *mixer.SMTPMessage) (text string, fields string) {
	t.Helper()
	ct, _ := msg.Header.Get("Content-Type")
	i := strings.Index(ct, "boundary=\"")
	if i < 0 {
		t.Fatalf("no boundary in %q", ct)
	}
	b := ct[i+10:]
	b = b[:strings.IndexByte(b, '"')]
	parts := strings.Split(string(msg.Body), "--"+b)
	if len(parts) != 4 || strings.TrimSpace(parts[3]) != "--" {
		t.Fatalf("body is not two parts and a close delimiter:\n%s", msg.Body)
	}
	get := func(p, ct string) string {
		h, body, ok := strings.Cut(p, "\r\n\r\n")
		if !ok || strings.TrimSpace(h) != "Content-Type: "+ct {
			t.Fatalf("part header %q, want Content-Type: %s", h, ct)
		}
		// The CRLF before a delimiter is the delimiter's (RFC 2046 §5.1.1).
		return strings.TrimSuffix(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	}
	return get(parts[1], "text/plain; charset=us-ascii"), get(parts[2], "message/disposition-notification")
}

// TestMDNFromIPNReceipt is x400.SampleIPN (a manual receipt with
// supplementary information) as an MDN: RFC 2156 §5.3.5's header and
// ipn-receipt text, RFC 8098 §3.2's fields, §8.1's MDN-Gateway.
func TestMDNFromIPNReceipt(t *testing.T) {
	g := mdnTestGateway(t)
	var rep mixer.Report
	msg, err := IPNToMDN(g, x400.SampleIPN().IPN, IPNToMDNOptions{To: "<helene@example.org>", SubjectOriginator: "other@example.org"}, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Envelope.MailFrom != "" || len(msg.Envelope.Recipients) != 1 || msg.Envelope.Recipients[0].Address != "helene@example.org" {
		t.Errorf("envelope %+v: want MAIL FROM:<> RCPT TO:<helene@example.org> (the Disposition-Notification-To)", msg.Envelope)
	}
	bob := "/G=Bob/S=Smith/O=beta/PRMD=ptest/ADMD=TEST/C=GB/@gw.example.mil"
	subj := "<20261122.0042-alpha*/G=Helene/S=Dupont/O=alpha/PRMD=ptest/ADMD=TEST/C=GB/@MHS>"
	for name, want := range map[string]string{
		"From":         bob,
		"To":           "helene@example.org",
		"Subject":      "X.400 Inter-Personal Notification",
		"Message-Type": "InterPersonal Notification",
		"References":   subj,
		// No Date given: the receipt time.
		"Date":           "Sun, 22 Nov 2026 10:15:42 +0000",
		"Auto-Submitted": "auto-replied",
	} {
		if v, _ := msg.Header.Get(name); strings.TrimSpace(v) != want {
			t.Errorf("%s: %q, want %q", name, v, want)
		}
	}
	ct, _ := msg.Header.Get("Content-Type")
	if !strings.Contains(ct, "multipart/report; report-type=disposition-notification;") {
		t.Errorf("Content-Type %q", ct)
	}
	text, fields := mdnParts(t, msg)
	wantText := "Your message to: " + bob + "\n" +
		"was received at Sun, 22 Nov 2026 10:15:42 +0000\n" +
		"\n" +
		"This notification was generated Manually\n" +
		"The following extra information was given:\n" +
		"Read by the duty officer\n"
	if text != wantText {
		t.Errorf("text part:\n%s\nwant:\n%s", text, wantText)
	}
	wantFields := "Reporting-UA: /G=Bob/S=Smith/O=beta/PRMD=ptest/ADMD=TEST/C=GB/; X.400 UA via\n MIXER gateway\n" +
		"MDN-Gateway: dns; gw.example.mil\n" +
		"Final-Recipient: rfc822;\n " + bob + "\n" +
		"Original-Message-ID:\n " + subj + "\n" +
		"Disposition: manual-action/MDN-sent-manually; displayed\n" +
		"X400-Receipt-Time: Sun, 22 Nov 2026 10:15:42 +0000\n" +
		"X400-Acknowledgment-Mode: manual\n" +
		"X400-Supplementary-Info: Read by the duty officer\n"
	if fields != wantFields {
		t.Errorf("notification part:\n%s\nwant:\n%s", fields, wantFields)
	}
	if len(rep.Lost()) != 0 {
		t.Errorf("dropped: %s", rep.String())
	}
	if _, ok := msg.Header.Get("Disposition-Notification-To"); ok {
		t.Error("an MDN must not ask for an MDN (RFC 8098 §3)")
	}

	// An automatic receipt; two Disposition-Notification-To addresses
	// (RFC 8098 §3: the MDN goes to each, header and envelope).
	auto := x400.SampleIPN().IPN
	auto.Receipt.AcknowledgmentMode = x400.AcknowledgmentAutomatic
	msg, err = IPNToMDN(g, auto, IPNToMDNOptions{To: "Helene <helene@example.org>, ops@example.org"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := msg.Header.Get("To"); strings.TrimSpace(v) != "helene@example.org, ops@example.org" ||
		len(msg.Envelope.Recipients) != 2 || msg.Envelope.Recipients[1].Address != "ops@example.org" {
		t.Errorf("To %q, envelope %+v", v, msg.Envelope)
	}
	text, fields = mdnParts(t, msg)
	if !strings.Contains(fields, "Disposition: manual-action/MDN-sent-automatically; displayed\n") ||
		!strings.Contains(text, "This notification was generated Automatically\n") {
		t.Errorf("automatic receipt:\n%s\n%s", text, fields)
	}
}

// TestMDNFromIPNNonReceipt is x400.SampleNRN (discarded, ipm-expired):
// §5.3.5's "(failure)" subject, ipn-discarded text and
// ipn-content-return, RFC 8098 "deleted".
func TestMDNFromIPNNonReceipt(t *testing.T) {
	g := mdnTestGateway(t)
	msg, err := IPNToMDN(g, x400.SampleNRN().IPN, IPNToMDNOptions{SubjectOriginator: "helene@example.org", Date: mdnTestDate}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := msg.Header.Get("Subject"); strings.TrimSpace(v) != "X.400 Inter-Personal Notification (failure)" {
		t.Errorf("Subject %q", v)
	}
	if v, _ := msg.Header.Get("Date"); strings.TrimSpace(v) != "Sun, 22 Nov 2026 11:00:00 +0000" {
		t.Errorf("Date %q", v)
	}
	jm := "/G=Jurgen/S=Muller/O=stab/PRMD=bund/ADMD=TEST/C=DE/@gw.example.mil"
	text, fields := mdnParts(t, msg)
	wantText := "Your message to: " + jm + "\n" +
		"was discarded for the following reason: Expired\n" +
		"\n" +
		"The Original Message is not available\n"
	if text != wantText {
		t.Errorf("text part:\n%s\nwant:\n%s", text, wantText)
	}
	for _, want := range []string{
		"Original-Recipient: rfc822;\n " + jm + "\n",
		"Disposition: automatic-action/MDN-sent-automatically; deleted\n",
		"X400-Non-Receipt-Reason: ipm-discarded\n",
		"X400-Discard-Reason: ipm-expired\n",
	} {
		if !strings.Contains(fields, want) {
			t.Errorf("notification part lacks %q:\n%s", want, fields)
		}
	}
}

// TestMDNFromIPNAutoForwarded is RFC 2156 §5.3.5's example: an IPN for an
// IPM automatically forwarded, with a comment and conversion-eits.
func TestMDNFromIPNAutoForwarded(t *testing.T) {
	g := mdnTestGateway(t)
	ipn := mdnAutoForwarded()
	var rep mixer.Report
	msg, err := IPNToMDN(g, ipn, IPNToMDNOptions{To: "jpo@computer-science.nottingham.ac.uk", Date: mdnTestDate}, &rep)
	if err != nil {
		t.Fatal(err)
	}
	text, fields := mdnParts(t, msg)
	// RFC 2156 §5.3.5:
	//   Your message to: Steve Kille <steve@cs.ucl.ac.uk>
	//   was automatically forwarded.
	//   The following comment was made:
	//      Sent on to a random destination
	//
	//   The following information types were converted: g3fax
	wantText := "Your message to: steve@cs.ucl.ac.uk\n" +
		"was automatically forwarded.\n" +
		"The following comment was made:\n" +
		"   Sent on to a random destination\n" +
		"\n" +
		"The following information types were converted: G3-Fax\n" +
		"\n" +
		"The Original Message is not available\n"
	if text != wantText {
		t.Errorf("text part:\n%s\nwant:\n%s", text, wantText)
	}
	for _, want := range []string{
		"Final-Recipient: rfc822; steve@cs.ucl.ac.uk\n",
		"Disposition: automatic-action/MDN-sent-automatically; dispatched\n",
		"X400-Non-Receipt-Reason: ipm-auto-forwarded\n",
		"X400-Auto-Forward-Comment: Sent on to a random destination\n",
		"X400-Conversion-EITs: G3-Fax\n",
	} {
		if !strings.Contains(fields, want) {
			t.Errorf("notification part lacks %q:\n%s", want, fields)
		}
	}
	if v, _ := msg.Header.Get("Subject"); strings.TrimSpace(v) != "X.400 Inter-Personal Notification (failure)" {
		t.Errorf("Subject %q", v)
	}
}

// mdnAutoForwarded is the IPN of RFC 2156 §5.3.5's example, from
// steve@cs.ucl.ac.uk (an RFC 822 user behind the gateway).
func mdnAutoForwarded() *x400.IPN {
	g := &mixer.Gateway{Domain: "gw.example.mil"}
	g.ORAddress, _ = x400.ParseORAddress("/C=GB/ADMD= /PRMD=MOD/O=Gateway/")
	steve, err := g.MailboxToORName(mixer.Mailbox{AddrSpec: mixer.AddrSpec{LocalPart: "steve", Domain: "cs.ucl.ac.uk"}})
	if err != nil {
		panic(err)
	}
	subj, _, err := mixer.MsgIDToIPMIdentifier("<1229.614418325@UK.AC.NOTT.CS>")
	if err != nil {
		panic(err)
	}
	return &x400.IPN{
		SubjectIPM:     subj,
		IPNOriginator:  &x400.ORDescriptor{FormalName: &steve},
		ConversionEITs: &x400.EncodedInformationTypes{BuiltIn: x400.EITG3Facsimile},
		NonReceipt: &x400.NonReceiptFields{
			Reason:             x400.NonReceiptIPMAutoForwarded,
			AutoForwardComment: "Sent on to a random destination",
		},
	}
}

// mdnP772IPN is an MM acknowledgement of STANAG 4406: an other
// notification carrying the ACP 127 notification response, with a
// notification extension.
func mdnP772IPN(t *testing.T) *x400.IPN {
	ipn := x400.SampleIPN().IPN
	r := &x400.ACP127NotificationResponse{Type: x400.ACP127PositiveNotification | x400.ACP127TransferNotification,
		ReceiptTime: time.Date(2026, 11, 22, 10, 20, 0, 0, time.UTC), Recipient: "RUEDABC", SuppInfo: "Relayed to ACP 127"}
	if err := ipn.SetACP127NotificationResponse(r); err != nil {
		t.Fatal(err)
	}
	ipn.NotificationExtensions = []x400.IPMSExtension{x400.ACP127PositiveNotification.Extension()}
	return ipn
}

func mdnMarshal(t *testing.T, ipn *x400.IPN) []byte {
	t.Helper()
	b, err := (&x400.InformationObject{IPN: ipn}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMDNRoundTrip: IPN -> MDN -> ParseMDN -> MDNToIPN gives the same
// IPN, encoded octet for octet (what an MDN carries, with the X400-*
// fields for the rest).
func TestMDNRoundTrip(t *testing.T) {
	g := mdnTestGateway(t)
	auto := x400.SampleIPN().IPN
	auto.Receipt.AcknowledgmentMode = x400.AcknowledgmentAutomatic
	auto.Receipt.SupplReceiptInfo = ""
	nrn := x400.SampleNRN().IPN
	obsoleted := x400.SampleNRN().IPN
	obsoleted.NonReceipt.DiscardReason = x400.DiscardIPMObsoleted
	obsoleted.IPMIntendedRecipient = x400.SampleIPN().IPN.IPNOriginator // redirected: a different recipient
	for _, c := range []struct {
		name string
		ipn  *x400.IPN
		// want is the IPN expected back, when not ipn.
		want func(*x400.IPN)
	}{
		{"SampleIPN", x400.SampleIPN().IPN, nil},
		{"automatic receipt", auto, nil},
		// X.420 §8.1.2: ipm-intended-recipient only when it is not the
		// ipn-originator, so SampleNRN's copy of its originator goes.
		{"SampleNRN", nrn, func(n *x400.IPN) { n.IPMIntendedRecipient = nil }},
		{"obsoleted, redirected", obsoleted, nil},
		{"auto-forwarded (RFC 2156 §5.3.5)", mdnAutoForwarded(), nil},
		{"P772 ACP 127 response", mdnP772IPN(t), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := mdnMarshal(t, c.ipn)
			var rep mixer.Report
			msg, err := IPNToMDN(g, c.ipn, IPNToMDNOptions{SubjectOriginator: "helene@example.org", Date: mdnTestDate}, &rep)
			if err != nil {
				t.Fatal(err)
			}
			if lost := rep.Lost(); len(lost) != 0 {
				t.Errorf("dropped going out: %v", lost)
			}
			m, err := ParseMDN(msg.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Problems) != 0 {
				t.Errorf("problems parsing our own MDN: %q", m.Problems)
			}
			var back mixer.Report
			got, err := MDNToIPN(g, m, MDNToIPNOptions{}, &back)
			if err != nil {
				t.Fatal(err)
			}
			if lost := back.Lost(); len(lost) != 0 {
				t.Errorf("dropped coming back: %v", lost)
			}
			if c.want != nil {
				exp := *c.ipn
				c.want(&exp)
				want = mdnMarshal(t, &exp)
			}
			if gb := mdnMarshal(t, got); !bytes.Equal(gb, want) {
				t.Errorf("round trip:\n got %x\nwant %x\n%s", gb, want, msg.Bytes())
			}
		})
	}
}

// TestMDNP772Kept: the ACP 127 notification response is described in the
// text and carried, never silently dropped.
func TestMDNP772Kept(t *testing.T) {
	msg, err := IPNToMDN(mdnTestGateway(t), mdnP772IPN(t), IPNToMDNOptions{SubjectOriginator: "helene@example.org"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	text, fields := mdnParts(t, msg)
	if !strings.Contains(text, "ACP 127 notification response: positive, transfer at Sun, 22 Nov 2026 10:20:00 +0000, recipient RUEDABC, Relayed to ACP 127") {
		t.Errorf("text part:\n%s", text)
	}
	if !strings.Contains(fields, "X400-IPN-Extension: other; 1.3.26.0.4406.0.2.16;") ||
		!strings.Contains(fields, "X400-IPN-Extension: notification; 1.3.26.0.4406.0.2.15;") ||
		!strings.Contains(fields, "Disposition: automatic-action/MDN-sent-automatically; processed") {
		t.Errorf("notification part:\n%s", fields)
	}
	if v, _ := msg.Header.Get("Date"); strings.TrimSpace(v) != "Sun, 22 Nov 2026 10:20:00 +0000" {
		t.Errorf("Date %q: want the ACP 127 receipt time", v)
	}
}

// TestMDNFromIPNErrors: what cannot become an MDN is a ConversionError,
// what is lost is reported.
func TestMDNFromIPNErrors(t *testing.T) {
	g := mdnTestGateway(t)
	var ce *mixer.ConversionError
	noOrig := x400.SampleIPN().IPN
	noOrig.IPNOriginator = nil
	both := x400.SampleIPN().IPN
	both.NonReceipt = &x400.NonReceiptFields{}
	nrnNoDate := x400.SampleNRN().IPN
	for name, c := range map[string]struct {
		ipn *x400.IPN
		opt IPNToMDNOptions
	}{
		"nil":                     {nil, IPNToMDNOptions{To: "a@b.example"}},
		"no ipn-originator":       {noOrig, IPNToMDNOptions{To: "a@b.example"}},
		"receipt and non-receipt": {both, IPNToMDNOptions{To: "a@b.example"}},
		"nowhere to send":         {x400.SampleIPN().IPN, IPNToMDNOptions{}},
		"bad address":             {x400.SampleIPN().IPN, IPNToMDNOptions{To: "not an address"}},
		"NRN without date":        {nrnNoDate, IPNToMDNOptions{To: "a@b.example"}},
	} {
		if _, err := IPNToMDN(g, c.ipn, c.opt, nil); !errors.As(err, &ce) {
			t.Errorf("%s: err %v, want a ConversionError", name, err)
		}
	}
	ret := x400.SampleNRN().IPN
	ret.NonReceipt.ReturnedIPM = x400.SampleIPM().IPM
	var rep mixer.Report
	if _, err := IPNToMDN(g, ret, IPNToMDNOptions{To: "a@b.example", Date: mdnTestDate}, &rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.String(), "dropped ipn.non-receipt-fields.returned-ipm") {
		t.Errorf("returned IPM not reported dropped:\n%s", rep.String())
	}
	// No ipn-originator: the recipient of the correlation record.
	msg, err := IPNToMDN(g, noOrig, IPNToMDNOptions{To: "a@b.example", FinalRecipient: "Bob <bob@example.org>"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, fields := mdnParts(t, msg); !strings.Contains(fields, "Final-Recipient: rfc822; bob@example.org\n") {
		t.Errorf("notification part:\n%s", fields)
	}
}

// mdnRFC8098Example is RFC 8098 §9's example, as printed.
const mdnRFC8098Example = `Date: Wed, 20 Sep 1995 00:19:00 (EDT) -0400
From: Joe Recipient <Joe_Recipient@example.com>
Message-Id: <199509200019.12345@example.com>
Subject: Disposition notification
To: Jane Sender <Jane_Sender@example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=disposition-notification;
   boundary="RAA14128.773615765/example.com"

--RAA14128.773615765/example.com

The message sent on 1995 Sep 19 at 13:30:00 (EDT) -0400 to Joe
Recipient <Joe_Recipient@example.com> with subject "First draft of
report" has been displayed.
This is no guarantee that the message has been read or understood.

--RAA14128.773615765/example.com
Content-Type: message/disposition-notification

Reporting-UA: joes-pc.cs.example.com; Foomail 97.1
Original-Recipient: rfc822;Joe_Recipient@example.com
Final-Recipient: rfc822;Joe_Recipient@example.com
Original-Message-ID: <199509192301.23456@example.org>
Disposition: manual-action/MDN-sent-manually; displayed

--RAA14128.773615765/example.com
Content-Type: message/rfc822

[original message optionally goes here]

--RAA14128.773615765/example.com--
`

func mdnCRLF(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// TestParseMDNRFC8098Example: RFC 8098 §9, with CRLF and with bare LF.
func TestParseMDNRFC8098Example(t *testing.T) {
	for _, in := range [][]byte{mdnCRLF(mdnRFC8098Example), []byte(mdnRFC8098Example)} {
		m, err := ParseMDN(in)
		if err != nil {
			t.Fatal(err)
		}
		want := MDN{
			ReportingUA:       "joes-pc.cs.example.com; Foomail 97.1",
			OriginalRecipient: MDNAddress{"rfc822", "Joe_Recipient@example.com"},
			FinalRecipient:    MDNAddress{"rfc822", "Joe_Recipient@example.com"},
			OriginalMessageID: "<199509192301.23456@example.org>",
			Disposition:       MDNDisposition{ActionMode: "manual-action", SendingMode: "mdn-sent-manually", Type: "displayed"},
			Date:              time.Date(1995, 9, 20, 0, 19, 0, 0, time.FixedZone("", -4*3600)),
			From:              "Joe Recipient <Joe_Recipient@example.com>",
			MessageID:         "<199509200019.12345@example.com>",
		}
		if !strings.Contains(m.Text, "has been displayed.") {
			t.Errorf("Text %q", m.Text)
		}
		got := *m
		got.Text = ""
		if !got.Date.Equal(want.Date) {
			t.Errorf("Date %v, want %v", got.Date, want.Date)
		}
		got.Date = want.Date
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	}
}

// TestMDNToIPNRFC8098Example: the example becomes a manual receipt
// notification from Joe's address in the gateway's O/R context, for the
// IPM identifier of Jane's message (RFC 2156 §4.7.3), received at the
// MDN's Date.
func TestMDNToIPNRFC8098Example(t *testing.T) {
	g := mdnTestGateway(t)
	m, err := ParseMDN(mdnCRLF(mdnRFC8098Example))
	if err != nil {
		t.Fatal(err)
	}
	var rep mixer.Report
	ipn, err := MDNToIPN(g, m, MDNToIPNOptions{}, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if ipn.Receipt == nil || ipn.NonReceipt != nil || ipn.Other != nil {
		t.Fatalf("not a receipt notification: %+v", ipn)
	}
	if want := time.Date(1995, 9, 20, 4, 19, 0, 0, time.UTC); !ipn.Receipt.ReceiptTime.Equal(want) {
		t.Errorf("receipt-time %v, want %v", ipn.Receipt.ReceiptTime, want)
	}
	if ipn.Receipt.AcknowledgmentMode != x400.AcknowledgmentManual {
		t.Errorf("acknowledgment-mode %v", ipn.Receipt.AcknowledgmentMode)
	}
	wantSubj, _, _ := mixer.MsgIDToIPMIdentifier("<199509192301.23456@example.org>")
	if !reflect.DeepEqual(ipn.SubjectIPM, wantSubj) {
		t.Errorf("subject-ipm %+v, want %+v", ipn.SubjectIPM, wantSubj)
	}
	back, err := g.ORNameToMailbox(ipn.IPNOriginator.FormalName)
	if err != nil || back.AddrSpec.String() != "Joe_Recipient@example.com" {
		t.Errorf("ipn-originator maps back to %v, %v", back, err)
	}
	if ipn.IPMIntendedRecipient != nil {
		t.Errorf("ipm-intended-recipient present though Original-Recipient = Final-Recipient")
	}
	// A native MDN (no MDN-Gateway): who reported it, as a PrintableString.
	if want := "Reporting-UA: joes-pc.cs.example.com, Foomail 97.1"; ipn.Receipt.SupplReceiptInfo != want {
		t.Errorf("suppl-receipt-info %q, want %q", ipn.Receipt.SupplReceiptInfo, want)
	}
	mdnMarshal(t, ipn) // X.420-valid
	if ipn.ConversionEITs != nil {
		t.Errorf("conversion-eits %+v without a conversion", ipn.ConversionEITs)
	}
	eits := x400.EncodedInformationTypes{BuiltIn: x400.EITIA5Text}
	if ipn, err = MDNToIPN(g, m, MDNToIPNOptions{ConversionEITs: &eits}, nil); err != nil || ipn.ConversionEITs == nil || ipn.ConversionEITs.BuiltIn != x400.EITIA5Text {
		t.Errorf("conversion-eits from the correlation record: %v %+v", err, ipn)
	}
}

// mdnThunderbird is an MDN as Thunderbird writes it
// (mailnews/extensions/mdn/nsMsgMdnGenerator.cpp: a flowed text part,
// the notification part named MDNPart2.txt, the returned header as
// text/rfc822-headers named MDNPart3.txt).
const mdnThunderbird = `Content-Type: multipart/report; report-type=disposition-notification;
	boundary="------------4C2F6A1B0E8D5C3A9B7E6F10"
Date: Mon, 23 Nov 2026 09:12:44 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
From: Bob Smith <bob@example.org>
Subject: Return Receipt (displayed) - Exercise schedule
To: helene@example.org
Message-ID: <0a1b2c3d-aaaa-bbbb-cccc-0123456789ab@example.org>

This is a multi-part message in MIME format.
--------------4C2F6A1B0E8D5C3A9B7E6F10
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 7bit

This is a Return Receipt for the mail that you sent to bob@example.org.

Note: This Return Receipt only acknowledges that the message was 
displayed on the recipient's computer. There is no guarantee that the 
recipient has read or understood the message contents.

--------------4C2F6A1B0E8D5C3A9B7E6F10
Content-Type: message/disposition-notification; name="MDNPart2.txt"
Content-Disposition: inline
Content-Transfer-Encoding: 7bit

Reporting-UA: ws12.example.org; Mozilla Thunderbird
Final-Recipient: rfc822;bob@example.org
Original-Message-ID: <20261122.0042-alpha*/G=Helene/S=Dupont/O=alpha/PRMD=ptest/ADMD=TEST/C=GB/@MHS>
Disposition: manual-action/MDN-sent-manually; displayed

--------------4C2F6A1B0E8D5C3A9B7E6F10
Content-Type: text/rfc822-headers; name="MDNPart3.txt"
Content-Transfer-Encoding: 7bit
Content-Disposition: inline

Subject: Exercise schedule
From: helene@example.org
To: bob@example.org

--------------4C2F6A1B0E8D5C3A9B7E6F10--
`

// mdnOutlook is an MDN as Outlook writes one in Internet mode: the
// notification part base64-encoded, an empty line before its fields,
// upper case in the disposition, no Original-Message-ID (it answers
// with the subject only).
var mdnOutlook = "From: \"Smith, Bob\" <bob@example.org>\n" +
	"To: <helene@example.org>\n" +
	"Subject: Read: Exercise schedule\n" +
	"Date: Mon, 23 Nov 2026 08:30:00 +0000\n" +
	"MIME-Version: 1.0\n" +
	"Content-Type: multipart/report; report-type=disposition-notification; boundary=\"_000_outlook_\"\n" +
	"\n" +
	"--_000_outlook_\n" +
	"Content-Type: text/plain; charset=\"us-ascii\"\n" +
	"\n" +
	"Your message\n\n  To: bob@example.org\n  Subject: Exercise schedule\n\nwas read on 23/11/2026 08:29.\n" +
	"\n" +
	"--_000_outlook_\n" +
	"Content-Type: message/disposition-notification\n" +
	"Content-Transfer-Encoding: base64\n" +
	"\n" +
	base64.StdEncoding.EncodeToString([]byte("\r\nReporting-UA: OUTLOOK-PC; Microsoft Outlook 16.0\r\nFinal-Recipient: RFC822;<bob@example.org>\r\nDisposition: Automatic-Action/MDN-Sent-Automatically; Displayed\r\n")) + "\n" +
	"\n" +
	"--_000_outlook_--\n"

// mdnRFC2298 is an RFC 2298 era MDN: a deleted message whose IPM
// expired, written with the modifier RFC 2298 §3.2.6.3 had, a Failure
// field, no MDN-Gateway, the notification part in a multipart/mixed.
const mdnRFC2298 = `Date: Thu, 01 Apr 1999 12:00:00 GMT
From: postmaster@old.example
Content-Type: multipart/mixed; boundary=xx

--xx
Content-Type: text/plain

The message was deleted unread: it expired.
--xx
Content-Type: message/disposition-notification

Reporting-UA: old.example; Elm 2.5
Final-Recipient: rfc822; carol@old.example
Original-Message-ID: <20261122.0042-alpha*/G=Helene/S=Dupont/O=alpha/PRMD=ptest/ADMD=TEST/C=GB/@MHS>
Disposition: automatic-action/MDN-sent-automatically; deleted/expired
Failure: message expired before it was read
--xx--
`

// TestParseMDNRealClients: Thunderbird, Outlook and RFC 2298 era MDNs.
func TestParseMDNRealClients(t *testing.T) {
	for _, c := range []struct {
		name, in string
		final    MDNAddress
		disp     MDNDisposition
		origID   string
		problems int
		errs     []string
	}{
		{"Thunderbird", mdnThunderbird, MDNAddress{"rfc822", "bob@example.org"},
			MDNDisposition{"manual-action", "mdn-sent-manually", "displayed", nil},
			"<20261122.0042-alpha*/G=Helene/S=Dupont/O=alpha/PRMD=ptest/ADMD=TEST/C=GB/@MHS>", 0, nil},
		{"Outlook", mdnOutlook, MDNAddress{"rfc822", "bob@example.org"},
			MDNDisposition{"automatic-action", "mdn-sent-automatically", "displayed", nil}, "", 1, nil},
		{"RFC 2298", mdnRFC2298, MDNAddress{"rfc822", "carol@old.example"},
			MDNDisposition{"automatic-action", "mdn-sent-automatically", "deleted", []string{"expired"}},
			"<20261122.0042-alpha*/G=Helene/S=Dupont/O=alpha/PRMD=ptest/ADMD=TEST/C=GB/@MHS>", 1,
			[]string{"Failure: message expired before it was read"}},
	} {
		m, err := ParseMDN(mdnCRLF(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if m.FinalRecipient != c.final || !reflect.DeepEqual(m.Disposition, c.disp) || m.OriginalMessageID != c.origID ||
			!reflect.DeepEqual(m.Errors, c.errs) {
			t.Errorf("%s: got %+v", c.name, m)
		}
		if len(m.Problems) != c.problems {
			t.Errorf("%s: problems %q, want %d", c.name, m.Problems, c.problems)
		}
		if m.Text == "" {
			t.Errorf("%s: no text part", c.name)
		}
	}
}

// TestMDNToIPNPolicy: each disposition and what becomes of it.
func TestMDNToIPNPolicy(t *testing.T) {
	g := mdnTestGateway(t)
	subj := x400.SampleIPN().IPN.SubjectIPM
	mk := func(disp string, extra ...string) *MDN {
		s := "Date: Mon, 23 Nov 2026 08:30:00 +0000\nContent-Type: message/disposition-notification\n\n" +
			"Final-Recipient: rfc822; bob@example.org\nDisposition: " + disp + "\n" + strings.Join(extra, "\n")
		m, err := ParseMDN([]byte(s))
		if err != nil {
			t.Fatalf("%s: %v", disp, err)
		}
		return m
	}
	opt := MDNToIPNOptions{SubjectIPM: &subj}
	for _, c := range []struct {
		disp    string
		opt     MDNToIPNOptions
		kind    string // "rn", "nrn", "ignored"
		discard x400.DiscardReason
		auto    bool
	}{
		{"manual-action/MDN-sent-manually; displayed", opt, "rn", 0, false},
		{"manual-action/MDN-sent-automatically; displayed", opt, "rn", 0, true},
		{"automatic-action/MDN-sent-automatically; displayed", opt, "rn", 0, true},
		{"manual-action/MDN-sent-manually; deleted", opt, "nrn", x400.DiscardNotUsed, false},
		{"automatic-action/MDN-sent-automatically; deleted/expired", opt, "nrn", x400.DiscardIPMExpired, false},
		{"automatic-action/MDN-sent-automatically; deleted/superseded", opt, "nrn", x400.DiscardIPMObsoleted, false},
		{"automatic-action/MDN-sent-automatically; deleted/mailbox-terminated", opt, "nrn", x400.DiscardUserSubscriptionTerminated, false},
		{"manual-action/MDN-sent-manually; dispatched", opt, "ignored", 0, false},
		{"automatic-action/MDN-sent-automatically; processed", opt, "ignored", 0, false},
		{"manual-action/MDN-sent-manually; dispatched", MDNToIPNOptions{SubjectIPM: &subj, Dispatched: MDNAsReceipt}, "rn", 0, false},
		{"automatic-action/MDN-sent-automatically; processed", MDNToIPNOptions{SubjectIPM: &subj, Processed: MDNAsReceipt}, "rn", 0, true},
		{"automatic-action/MDN-sent-automatically; processed", MDNToIPNOptions{SubjectIPM: &subj, Dispatched: MDNAsReceipt}, "ignored", 0, false},
		{"manual-action/MDN-sent-manually; denied", opt, "ignored", 0, false},
		{"automatic-action/MDN-sent-automatically; failed", opt, "ignored", 0, false},
		{"manual-action/MDN-sent-manually; frobnicated", opt, "ignored", 0, false},
	} {
		var rep mixer.Report
		ipn, err := MDNToIPN(g, mk(c.disp), c.opt, &rep)
		switch c.kind {
		case "ignored":
			if !errors.Is(err, ErrMDNIgnored) {
				t.Errorf("%s: %v, %+v: want ErrMDNIgnored", c.disp, err, ipn)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.disp, err)
			continue
		}
		switch c.kind {
		case "rn":
			if ipn.Receipt == nil {
				t.Errorf("%s: not a receipt", c.disp)
				continue
			}
			if got := ipn.Receipt.AcknowledgmentMode == x400.AcknowledgmentAutomatic; got != c.auto {
				t.Errorf("%s: automatic %v", c.disp, got)
			}
			if !ipn.Receipt.ReceiptTime.Equal(time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC)) {
				t.Errorf("%s: receipt-time %v", c.disp, ipn.Receipt.ReceiptTime)
			}
		case "nrn":
			if ipn.NonReceipt == nil || ipn.NonReceipt.Reason != x400.NonReceiptIPMDiscarded || ipn.NonReceipt.DiscardReason != c.discard {
				t.Errorf("%s: %+v", c.disp, ipn.NonReceipt)
			}
		}
		mdnMarshal(t, ipn)
	}
}

// TestMDNToIPNCorrelation: the subject IPM from the correlation record
// when the MDN has no Original-Message-ID (Outlook), an error without
// either; the correlation record wins over Original-Message-ID; an
// unmappable Final-Recipient is an error.
func TestMDNToIPNCorrelation(t *testing.T) {
	g := mdnTestGateway(t)
	m, err := ParseMDN(mdnCRLF(mdnOutlook))
	if err != nil {
		t.Fatal(err)
	}
	var ce *mixer.ConversionError
	if _, err := MDNToIPN(g, m, MDNToIPNOptions{}, nil); !errors.As(err, &ce) {
		t.Errorf("no subject IPM: %v", err)
	}
	subj := x400.SampleIPN().IPN.SubjectIPM
	intended := x400.SampleNRN().IPN.IPNOriginator
	ipn, err := MDNToIPN(g, m, MDNToIPNOptions{SubjectIPM: &subj, IntendedRecipient: intended}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ipn.SubjectIPM, subj) || ipn.IPMIntendedRecipient == nil ||
		mixer.IDStdOR(&ipn.IPMIntendedRecipient.FormalName.ORAddress) != mixer.IDStdOR(&intended.FormalName.ORAddress) {
		t.Errorf("got %+v", ipn)
	}
	tb, err := ParseMDN(mdnCRLF(mdnThunderbird))
	if err != nil {
		t.Fatal(err)
	}
	other := x400.IPMIdentifier{LocalID: "from-the-record"}
	if ipn, err := MDNToIPN(g, tb, MDNToIPNOptions{SubjectIPM: &other}, nil); err != nil || ipn.SubjectIPM.LocalID != "from-the-record" {
		t.Errorf("correlation record not preferred: %+v, %v", ipn, err)
	}
	tb.FinalRecipient = MDNAddress{"x400", "/C=GB/ADMD= /PRMD=MOD/S=Smith/"}
	if _, err := MDNToIPN(g, tb, MDNToIPNOptions{}, nil); !errors.As(err, &ce) || ce.Status != "5.1.3" {
		t.Errorf("x400 Final-Recipient: %v", err)
	}
}

// TestParseMDNBad: what is not an MDN, and broken MDNs, parse as far as
// they go without a panic.
func TestParseMDNBad(t *testing.T) {
	for name, in := range map[string]string{
		"empty":           "",
		"plain message":   "From: a@b\nSubject: hi\n\nhello\n",
		"DSN":             "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n--b--\n",
		"no boundary":     "Content-Type: multipart/report; report-type=disposition-notification\n\n--b\n",
		"no disposition":  "Content-Type: message/disposition-notification\n\nFinal-Recipient: rfc822; a@b\n",
		"bad base64 part": "Content-Type: message/disposition-notification\nContent-Transfer-Encoding: base64\n\n!!!!\n",
	} {
		m, err := ParseMDN([]byte(in))
		if !errors.Is(err, ErrNotMDN) || m == nil {
			t.Errorf("%s: %v, %+v: want ErrNotMDN and what was found", name, err, m)
		}
	}
	// Bad lines are skipped and noted, the rest is read.
	m, err := ParseMDN([]byte("Content-Type: message/disposition-notification\n\n junk\nnot a field\nFinal-Recipient: bob@example.org\nDisposition: displayed\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m.FinalRecipient != (MDNAddress{"rfc822", "bob@example.org"}) || m.Disposition.Type != "displayed" || len(m.Problems) != 5 {
		t.Errorf("got %+v", m)
	}
}

func FuzzParseMDN(f *testing.F) {
	for _, s := range []string{mdnRFC8098Example, mdnThunderbird, mdnOutlook, mdnRFC2298} {
		f.Add(mdnCRLF(s))
	}
	g := &mixer.Gateway{Domain: "gw.example.mil"}
	g.ORAddress, _ = x400.ParseORAddress("/C=GB/ADMD= /PRMD=MOD/O=Gateway/")
	msg, err := IPNToMDN(g, mdnAutoForwarded(), IPNToMDNOptions{To: "a@b.example", Date: mdnTestDate}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(msg.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMDN(data)
		if m == nil {
			t.Fatal("nil MDN")
		}
		if err != nil {
			return
		}
		if len(m.Problems) > mdnMaxProblems || len(m.Extensions) > mdnMaxExtFields || len(m.Text) > mdnMaxTextLen {
			t.Fatalf("unbounded: %d problems, %d extensions, %d text", len(m.Problems), len(m.Extensions), len(m.Text))
		}
		ipn, err := MDNToIPN(g, m, MDNToIPNOptions{Now: mdnTestDate, Dispatched: MDNAsReceipt, Processed: MDNAsReceipt}, nil)
		if err == nil {
			if _, err := (&x400.InformationObject{IPN: ipn}).Marshal(); err != nil {
				t.Fatalf("MDNToIPN made an IPN that does not encode: %v", err)
			}
		}
	})
}

// TestMDNToIPNX400Fields: X400-* fields that do not conform, or that
// this gateway does not know, are reported dropped, not guessed.
func TestMDNToIPNX400Fields(t *testing.T) {
	g := mdnTestGateway(t)
	m, err := ParseMDN([]byte("Content-Type: message/disposition-notification\n\n" +
		"Final-Recipient: rfc822; bob@example.org\n" +
		"Original-Message-ID: <a@b.example>\n" +
		"MDN-Gateway: dns; other-gw.example\n" +
		"Disposition: automatic-action/MDN-sent-automatically; displayed\n" +
		"X400-Receipt-Time: yesterday\n" +
		"X400-Acknowledgment-Mode: sometimes\n" +
		"X400-Supplementary-Info: R\u00e9ception\n" +
		"X400-IPN-Extension: rn; 1.2.3; AAAA\n" +
		"X400-IPN-Extension: rn; 1.2.3; AgEF\n" +
		"X400-Frobnicate: 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	var rep mixer.Report
	ipn, err := MDNToIPN(g, m, MDNToIPNOptions{Now: mdnTestDate}, &rep)
	if err != nil {
		t.Fatal(err)
	}
	var dropped []string
	for _, it := range rep.Lost() {
		dropped = append(dropped, it.From)
	}
	want := []string{"X400-Receipt-Time", "X400-Acknowledgment-Mode", "X400-Supplementary-Info", "X400-IPN-Extension", "X400-Frobnicate"}
	if !reflect.DeepEqual(dropped, want) {
		t.Errorf("dropped %q, want %q\n%s", dropped, want, rep.String())
	}
	r := ipn.Receipt
	if r == nil || !r.ReceiptTime.Equal(mdnTestDate) || r.AcknowledgmentMode != x400.AcknowledgmentAutomatic || r.SupplReceiptInfo != "" ||
		len(r.Extensions) != 1 || r.Extensions[0].Type.String() != "1.2.3" {
		t.Errorf("receipt %+v", r)
	}
	mdnMarshal(t, ipn)
}
