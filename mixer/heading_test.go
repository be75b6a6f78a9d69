package mixer

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"mixerd/ber"
	"mixerd/x400"
)

// hdgTestGateway is the test gateway of the brief: gw.example.mil, O/R
// address C=GB;ADMD= ;PRMD=MOD;O=Gateway, with the Widget.COM MCGAM.
func hdgTestGateway(t *testing.T) *Gateway {
	t.Helper()
	or, err := x400.ParseORAddress("/C=GB/ADMD= /PRMD=MOD/O=Gateway/")
	if err != nil {
		t.Fatal(err)
	}
	d2o, err := LoadTable("domain-or", TableDomainToOR, strings.NewReader("Widget.COM#O$Widget.PRMD$@.ADMD$BTT.C$TC#\n"))
	if err != nil {
		t.Fatal(err)
	}
	o2d, err := LoadTable("or-domain", TableORToDomain, strings.NewReader("O$Widget.PRMD$@.ADMD$BTT.C$TC#Widget.COM#\n"))
	if err != nil {
		t.Fatal(err)
	}
	return &Gateway{Domain: "gw.example.mil", ORAddress: or, DomainToOR: d2o, ORToDomain: o2d}
}

// hdgNeedAddresses skips a test that maps addresses until the address
// mapping (address.go, written at the same time) is there.
func hdgNeedAddresses(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/work/tmp/i4b_address_ready"); err != nil {
		g := hdgTestGateway(t)
		if _, err := g.AddressToORDescriptors(Address{Mailbox: &Mailbox{AddrSpec: AddrSpec{LocalPart: "a", Domain: "b.example"}}}); err != nil {
			t.Skip("address mapping not ready: " + err.Error())
		}
	}
}

func hdgParseHeader(t *testing.T, s string) Header {
	t.Helper()
	s = strings.ReplaceAll(s, "\n", "\r\n") + "\r\n"
	h, _, err := ParseHeader([]byte(s), HeaderLimits{})
	if err != nil {
		t.Fatalf("ParseHeader: %v", err)
	}
	for i := range h {
		h[i].Line = 0
	}
	return h
}

func hdgFormat(h Header) string {
	return strings.ReplaceAll(string(FormatHeader(h)), "\r\n", "\n")
}

func hdgDate(s string) time.Time {
	t, err := time.Parse(time.RFC1123Z, s)
	if err != nil {
		panic(err)
	}
	return t
}

// hdgNoAddressHeading is a heading with every field but the addresses.
func hdgNoAddressHeading(t *testing.T) x400.Heading {
	langs, err := hdgEncodeLanguages([]string{"en", "fr"})
	if err != nil {
		t.Fatal(err)
	}
	return x400.Heading{
		ThisIPM:       x400.IPMIdentifier{LocalID: "147", User: idsMustOR(t, "/C=DE/ADMD=DBP/O=Siemens/S=Dietrich/")},
		RepliedToIPM:  &x400.IPMIdentifier{LocalID: "a(a)b.example"},
		ObsoletedIPMs: []x400.IPMIdentifier{{LocalID: "OLD1", User: idsMustOR(t, "/C=GB/ADMD=BT/")}},
		RelatedIPMs:   []x400.IPMIdentifier{{LocalID: "x(a)y"}, {LocalID: "Memo 7"}},
		Subject:       "Email Problems",
		ExpiryTime:    hdgDate("Thu, 30 May 1991 18:20:27 +0100"),
		ReplyTime:     hdgDate("Fri, 31 May 1991 09:00:00 +0000"),
		Importance:    x400.ImportanceHigh,
		Sensitivity:   x400.SensitivityCompanyConfidential,
		AutoForwarded: true,
		Extensions: []x400.IPMSExtension{
			{Type: OIDHexIncompleteCopy},
			{Type: OIDHexLanguages, Value: langs},
			{Type: OIDHexAutoSubmitted, Value: hdgEncodeEnum(1)},
		},
	}
}

// §5.3.4: every non-address heading field, golden.
func TestHeadingFieldsGolden(t *testing.T) {
	g := hdgTestGateway(t)
	h := hdgNoAddressHeading(t)
	var rep Report
	out, err := g.HeadingToHeader(&h, &rep)
	if err != nil {
		t.Fatal(err)
	}
	const want = `Message-ID: <147*/S=Dietrich/O=Siemens/ADMD=DBP/C=DE/@MHS>
In-Reply-To: <a@b.example>
References: <x@y> Memo 7
Supersedes: <OLD1*/ADMD=BT/C=GB/@MHS>
Subject: Email Problems
Expires: Thu, 30 May 1991 18:20:27 +0100
Reply-By: Fri, 31 May 1991 09:00:00 +0000
Importance: high
Sensitivity: Company-Confidential
Autoforwarded: TRUE
Incomplete-Copy:
Content-Language: en, fr
Autosubmitted: auto-generated
`
	if got := hdgFormat(out); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if len(rep.Lost()) != 0 {
		t.Errorf("lost: %s", rep.String())
	}
	for _, from := range []string{"heading.this-IPM", "heading.replied-to-IPM", "heading.related-IPMs", "heading.obsoleted-IPMs",
		"heading.subject", "heading.expiry-time", "heading.reply-time", "heading.importance", "heading.sensitivity",
		"heading.auto-forwarded", "heading.extensions incomplete-copy", "heading.extensions languages", "heading.extensions auto-submitted"} {
		if !hdgReported(&rep, from, Mapped) {
			t.Errorf("%s not reported mapped:\n%s", from, rep.String())
		}
	}
}

func hdgReported(rep *Report, from string, d Disposition) bool {
	for _, it := range rep.Items {
		if it.From == from && it.Disposition == d {
			return true
		}
	}
	return false
}

// IPM heading -> 822 -> heading gives the same heading (§1.4 point 5).
func TestHeadingRoundTripNoAddresses(t *testing.T) {
	g := hdgTestGateway(t)
	h := hdgNoAddressHeading(t)
	out, err := g.HeadingToHeader(&h, nil)
	if err != nil {
		t.Fatal(err)
	}
	back, err := g.HeaderToHeading(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	hdgCompareHeadings(t, &back, &h)
}

func hdgCompareHeadings(t *testing.T, got, want *x400.Heading) {
	t.Helper()
	if !hdgSameID(&got.ThisIPM, &want.ThisIPM) {
		t.Errorf("this-IPM %s, want %s", got.ThisIPM.String(), want.ThisIPM.String())
	}
	if (got.RepliedToIPM == nil) != (want.RepliedToIPM == nil) || got.RepliedToIPM != nil && !hdgSameID(got.RepliedToIPM, want.RepliedToIPM) {
		t.Errorf("replied-to %v, want %v", got.RepliedToIPM, want.RepliedToIPM)
	}
	for _, l := range [][2][]x400.IPMIdentifier{{got.ObsoletedIPMs, want.ObsoletedIPMs}, {got.RelatedIPMs, want.RelatedIPMs}} {
		if len(l[0]) != len(l[1]) {
			t.Errorf("ids %v, want %v", l[0], l[1])
			continue
		}
		for i := range l[0] {
			if !hdgSameID(&l[0][i], &l[1][i]) {
				t.Errorf("id %s, want %s", l[0][i].String(), l[1][i].String())
			}
		}
	}
	if got.Subject != want.Subject || !got.ExpiryTime.Equal(want.ExpiryTime) || !got.ReplyTime.Equal(want.ReplyTime) ||
		got.Importance != want.Importance || got.Sensitivity != want.Sensitivity || got.AutoForwarded != want.AutoForwarded {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if len(got.Extensions) != len(want.Extensions) {
		t.Errorf("extensions %d, want %d", len(got.Extensions), len(want.Extensions))
	} else {
		for i := range got.Extensions {
			if !got.Extensions[i].Type.Equal(want.Extensions[i].Type) || string(got.Extensions[i].Value) != string(want.Extensions[i].Value) {
				t.Errorf("extension %d: %s %x, want %s %x", i, got.Extensions[i].Type, got.Extensions[i].Value, want.Extensions[i].Type, want.Extensions[i].Value)
			}
		}
	}
	for _, p := range [][2]*x400.ORDescriptor{{got.Originator, want.Originator}} {
		if (p[0] == nil) != (p[1] == nil) || p[0] != nil && !hdgSameDescriptor(p[0], p[1]) {
			t.Errorf("originator %+v, want %+v", p[0], p[1])
		}
	}
	for _, l := range [][2][]x400.ORDescriptor{{got.AuthorizingUsers, want.AuthorizingUsers}, {got.ReplyRecipients, want.ReplyRecipients}} {
		if len(l[0]) != len(l[1]) {
			t.Errorf("descriptors %d, want %d", len(l[0]), len(l[1]))
			continue
		}
		for i := range l[0] {
			if !hdgSameDescriptor(&l[0][i], &l[1][i]) {
				t.Errorf("descriptor %+v, want %+v", l[0][i], l[1][i])
			}
		}
	}
	for _, l := range [][2][]x400.RecipientSpecifier{{got.PrimaryRecipients, want.PrimaryRecipients}, {got.CopyRecipients, want.CopyRecipients}, {got.BlindCopyRecipients, want.BlindCopyRecipients}} {
		if len(l[0]) != len(l[1]) || (l[0] == nil) != (l[1] == nil) {
			t.Errorf("recipients %d (nil %v), want %d (nil %v)", len(l[0]), l[0] == nil, len(l[1]), l[1] == nil)
			continue
		}
		for i := range l[0] {
			if !hdgSameDescriptor(&l[0][i].Recipient, &l[1][i].Recipient) || l[0][i].ReplyRequested != l[1][i].ReplyRequested {
				t.Errorf("recipient %+v, want %+v", l[0][i], l[1][i])
			}
		}
	}
}

func hdgSameDescriptor(a, b *x400.ORDescriptor) bool {
	if a.FreeFormName != b.FreeFormName || a.TelephoneNumber != b.TelephoneNumber || (a.FormalName == nil) != (b.FormalName == nil) {
		return false
	}
	return a.FormalName == nil || a.FormalName.Equal(b.FormalName)
}

// §5.1.2: fields with no heading counterpart go into the RFC 822 heading
// extension exactly as they were (one IA5String "Name: value" each, no
// space before the colon) and come back the same.
func TestHeadingRFC822Extension(t *testing.T) {
	g := hdgTestGateway(t)
	in := hdgParseHeader(t, `Message-ID: <1234@host.example>
Date: Thu, 30 May 1991 18:20:27 +0100
Keywords: kiwi,  fruit
Comments: see   the attachment
Fruit-Of-The-Day: Kiwi Fruit
X-Mailer: test 1.0
Resent-From: someone@example.org
Subject: Email Problems`)
	var rep Report
	h, err := g.HeaderToHeading(in, &rep)
	if err != nil {
		t.Fatal(err)
	}
	x, ok := h.Extension(OIDRFC822FieldList)
	if !ok {
		t.Fatal("no rfc-822-field-list extension")
	}
	fs, err := hdgDecodeFieldList(x.Value, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Name+":"+f.Value)
	}
	want := []string{"Date: Thu, 30 May 1991 18:20:27 +0100", "Keywords: kiwi,  fruit", "Comments: see   the attachment",
		"Fruit-Of-The-Day: Kiwi Fruit", "X-Mailer: test 1.0", "Resent-From: someone@example.org"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("field list %q\nwant %q", got, want)
	}
	// The encoding is RFC822FieldList ::= SEQUENCE OF IA5String.
	if x.Value[0] != 0x30 || x.Value[3] != 0x16 || x.Value[4] != byte(len(want[0])) || string(x.Value[5:5+len(want[0])]) != want[0] {
		t.Errorf("encoding % x", x.Value[:8])
	}
	for _, n := range []string{"Date", "Keywords", "Comments", "Fruit-Of-The-Day", "X-Mailer", "Resent-From"} {
		if !hdgReported(&rep, n, Carried) {
			t.Errorf("%s not reported carried", n)
		}
	}
	out, err := g.HeadingToHeader(&h, nil)
	if err != nil {
		t.Fatal(err)
	}
	hdgSameFields(t, out, in)
}

// hdgSameFields checks that got has the fields of want, in any order,
// folding white space apart.
func hdgSameFields(t *testing.T, got, want Header) {
	t.Helper()
	norm := func(h Header) []string {
		var s []string
		for _, f := range h {
			s = append(s, strings.ToLower(f.Name)+": "+hdgCollapse(f.Value))
		}
		return s
	}
	g, w := norm(got), norm(want)
	for _, f := range w {
		i := indexOf(g, f)
		if i < 0 {
			t.Errorf("field %q missing; got\n%s", f, hdgFormat(got))
			continue
		}
		g = append(g[:i], g[i+1:]...)
	}
	if len(g) > 0 {
		t.Errorf("extra fields %q", g)
	}
}

func indexOf(l []string, s string) int {
	for i := range l {
		if l[i] == s {
			return i
		}
	}
	return -1
}

// §5.1.3: the subject is cut to 128; the original text is carried and
// comes back on the return trip.
func TestHeadingSubjectTruncatedAndRestored(t *testing.T) {
	g := hdgTestGateway(t)
	long := strings.Repeat("0123456789", 20)
	in := Header{{Name: "Message-ID", Value: " <a@b>"}, {Name: "Subject", Value: " " + long}}
	var rep Report
	h, err := g.HeaderToHeading(in, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if h.Subject != long[:UBSubject] {
		t.Errorf("subject %q", h.Subject)
	}
	if !hdgReported(&rep, "Subject (beyond 128)", Dropped) || !hdgReported(&rep, "Subject", Carried) {
		t.Errorf("report:\n%s", rep.String())
	}
	out, err := g.HeadingToHeader(&h, nil)
	if err != nil {
		t.Fatal(err)
	}
	hdgSameFields(t, out, in)
	// Changed on the X.400 side: the heading's subject wins and the
	// carried text is reported dropped.
	h.Subject = "Changed"
	rep = Report{}
	out, err = g.HeadingToHeader(&h, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := out.Get("Subject"); v != " Changed" {
		t.Errorf("Subject %q", v)
	}
	if len(rep.Lost()) != 1 {
		t.Errorf("report:\n%s", rep.String())
	}
}

// Non-ASCII subjects: RFC 2047 (§3.5) both ways.
func TestHeadingSubjectEncodedWords(t *testing.T) {
	g := hdgTestGateway(t)
	h := x400.Heading{ThisIPM: x400.IPMIdentifier{LocalID: "1"}, Subject: "Grüße aus Köln"}
	out, err := g.HeadingToHeader(&h, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := out.Get("Subject")
	if !strings.HasPrefix(v, " =?utf-8?q?") {
		t.Errorf("Subject %q", v)
	}
	back, err := g.HeaderToHeading(out, nil)
	if err != nil || back.Subject != h.Subject {
		t.Errorf("back %q %v", back.Subject, err)
	}
	// An ISO-8859-1 encoded word from a mailer.
	back, err = g.HeaderToHeading(Header{{Name: "Subject", Value: " =?ISO-8859-1?Q?Caf=E9?="}}, nil)
	if err != nil || back.Subject != "Café" {
		t.Errorf("decoded %q %v", back.Subject, err)
	}
}

// §5.3.4: a non-standard extension is discarded and listed in
// Discarded-X400-IPMS-Extensions; the report names its OID. P772
// extensions are left to the military mapping.
func TestHeadingDiscardedExtensions(t *testing.T) {
	g := hdgTestGateway(t)
	h := x400.Heading{ThisIPM: x400.IPMIdentifier{LocalID: "1"}, Extensions: []x400.IPMSExtension{
		{Type: ber.MustOID("2.6.1.5.9"), Value: x400.Raw{0x05, 0x00}},
		{Type: x400.OIDMMPrimaryPrecedence, Value: x400.Raw{0x02, 0x01, 0x02}},
		{Type: ber.MustOID("1.2.3.4")},
	}}
	var rep Report
	out, err := g.HeadingToHeader(&h, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := out.Get("Discarded-X400-IPMS-Extensions"); v != " (2)(6)(1)(5)(9), (1)(2)(3)(4)" {
		t.Errorf("Discarded-X400-IPMS-Extensions: %q", v)
	}
	lost := rep.Lost()
	if len(lost) != 2 || !strings.Contains(lost[0].From, "2.6.1.5.9") || !strings.Contains(lost[1].From, "1.2.3.4") {
		t.Errorf("report:\n%s", rep.String())
	}
	if strings.Contains(rep.String(), "1.3.26.0.4406") {
		t.Errorf("P772 extension reported by the heading:\n%s", rep.String())
	}
	// §5.1.7: the field is not mapped back.
	rep = Report{}
	back, err := g.HeaderToHeading(out, &rep)
	if err != nil || len(back.Extensions) != 0 || !hdgReported(&rep, "Discarded-X400-IPMS-Extensions", Dropped) {
		t.Errorf("back %+v %v\n%s", back.Extensions, err, rep.String())
	}
}

// Malformed heading extensions are syntax errors naming the extension.
func TestHeadingBadExtension(t *testing.T) {
	g := hdgTestGateway(t)
	for _, x := range []x400.IPMSExtension{
		{Type: OIDRFC822FieldList, Value: x400.Raw{0x30, 0x03, 0x16, 0x01, 'x'}},        // no colon
		{Type: OIDRFC822FieldList, Value: x400.Raw{0x30, 0x05, 0x16, 0x09, 'x'}},        // bad length
		{Type: OIDHexAutoSubmitted, Value: x400.Raw{0x0a, 0x01, 0x07}},                  // out of range
		{Type: OIDHexLanguages, Value: x400.Raw{0x31, 0x05, 0x13, 0x03, 'e', 'n', 'g'}}, // 3 letters
	} {
		h := x400.Heading{ThisIPM: x400.IPMIdentifier{LocalID: "1"}, Extensions: []x400.IPMSExtension{x}}
		_, err := g.HeadingToHeader(&h, nil)
		ce, ok := err.(*ConversionError)
		if !ok || !strings.HasPrefix(ce.Field, "heading.extensions") || ce.Diagnostic != x400.DiagnosticContentSyntaxError {
			t.Errorf("%s % x: %v", x.Type, x.Value, err)
		}
	}
}

// §5.1.3 "Other Fields": a field whose content does not conform is
// carried in the heading extension, and the report names it.
func TestHeadingBadValuesCarried(t *testing.T) {
	g := hdgTestGateway(t)
	in := Header{
		{Name: "Message-ID", Value: " not-an-id"},
		{Name: "Importance", Value: " urgent"},
		{Name: "Sensitivity", Value: " secret"},
		{Name: "Expires", Value: " tomorrow"},
		{Name: "Reply-By", Value: " Mon, 01 Jan 2090 00:00:00 +0000"},
		{Name: "Autoforwarded", Value: " yes"},
		{Name: "Autosubmitted", Value: " auto-forwarded"},
		{Name: "In-Reply-To", Value: " <unclosed@x"},
		{Name: "Content-Language", Value: " 1x"},
	}
	var rep Report
	h, err := g.HeaderToHeading(in, &rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range in {
		if !hdgReported(&rep, f.Name, Carried) {
			t.Errorf("%s not carried:\n%s", f.Name, rep.String())
		}
	}
	if h.Importance != x400.ImportanceNormal || h.Sensitivity != 0 || !h.ExpiryTime.IsZero() || h.RepliedToIPM != nil {
		t.Errorf("heading %+v", h)
	}
	// this-IPM is generated (§5.1.3) with the gateway as user.
	if h.ThisIPM.User == nil || !h.ThisIPM.User.ORAddress.Equal(&g.ORAddress) || !strings.HasPrefix(h.ThisIPM.LocalID, "MIXER-") {
		t.Errorf("this-IPM %s", h.ThisIPM.String())
	}
	out, err := g.HeadingToHeader(&h, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The carried fields come back as they were (the generated
	// Message-ID is not the bad one).
	for _, f := range in[1:] {
		if v, _ := out.Get(f.Name); v != f.Value {
			t.Errorf("%s: %q, want %q", f.Name, v, f.Value)
		}
	}
}

// §5.1.7: these fields shall not be mapped.
func TestHeadingNewFieldsNotMapped(t *testing.T) {
	g := hdgTestGateway(t)
	var rep Report
	h, err := g.HeaderToHeading(Header{
		{Name: "Message-Type", Value: " Delivery Report"},
		{Name: "X400-Content-Type", Value: " P2-1984 (2)"},
		{Name: "X400-MTS-Identifier", Value: " [/PRMD=HMG/ADMD=GOLD 400/C=GB/;PC1000]"},
		{Name: "Discarded-X400-MTS-Extensions", Value: " (1)(2)"},
	}, &rep)
	if err != nil || len(h.Extensions) != 0 || len(rep.Lost()) != 4 {
		t.Errorf("%v %+v\n%s", err, h.Extensions, rep.String())
	}
}

// §5.1.3 In-Reply-To: several values go to related-IPMs with References;
// the field comes back on the return trip. RFC 1327's Obsoletes: and
// Expiry-Date: are read.
func TestHeadingInReplyToSeveral(t *testing.T) {
	g := hdgTestGateway(t)
	in := Header{
		{Name: "Message-ID", Value: " <m@h>"},
		{Name: "In-Reply-To", Value: " <a@h> <b@h>"},
		{Name: "References", Value: " <c@h>"},
	}
	h, err := g.HeaderToHeading(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.RepliedToIPM != nil || len(h.RelatedIPMs) != 3 || h.RelatedIPMs[0].LocalID != "a(a)h" || h.RelatedIPMs[2].LocalID != "c(a)h" {
		t.Fatalf("heading %+v", h)
	}
	out, err := g.HeadingToHeader(&h, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Header{{Name: "Message-ID", Value: " <m@h>"}, {Name: "References", Value: " <a@h> <b@h> <c@h>"}, {Name: "In-Reply-To", Value: " <a@h> <b@h>"}}
	hdgSameFields(t, out, want)

	h, err = g.HeaderToHeading(Header{{Name: "Obsoletes", Value: " <o@h>"}, {Name: "Expiry-Date", Value: " Thu, 30 May 1991 18:20:27 +0100"}}, nil)
	if err != nil || len(h.ObsoletedIPMs) != 1 || h.ExpiryTime.IsZero() {
		t.Errorf("RFC 1327 fields: %+v %v", h, err)
	}
}

// A long Message-ID is cut to 64 (§5.1.3) and comes back whole.
func TestHeadingMessageIDTruncatedAndRestored(t *testing.T) {
	g := hdgTestGateway(t)
	in := Header{{Name: "Message-ID", Value: " <CAF=" + strings.Repeat("a1b2", 20) + "@mail.example.com>"}}
	var rep Report
	h, err := g.HeaderToHeading(in, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.ThisIPM.LocalID) > UBLocalIPMIdentifier || !hdgReported(&rep, "Message-ID (beyond 64)", Dropped) {
		t.Errorf("%q\n%s", h.ThisIPM.LocalID, rep.String())
	}
	out, err := g.HeadingToHeader(&h, nil)
	if err != nil {
		t.Fatal(err)
	}
	hdgSameFields(t, out, in)
}

// RFC 2156 §5.3.4.2's example message: its heading fields map to the
// IPM heading as §5.1.3 says and back.
func TestHeadingRFC2156Section5342Example(t *testing.T) {
	hdgNeedAddresses(t)
	g := hdgTestGateway(t)
	in := hdgParseHeader(t, `From: Stephen.Harrison@gosip-uk.hmg.gold-400.gb (Tel +44 71 217 3487)
Message-ID: <PC1000-910530172027-57D8*@MHS>
To: Jim Craigie <NTIN36@gec-b.rutherford.ac.uk>,
    Tony Bates <tony@ean-relay.ac.uk>,
    Steve Kille <S.Kille@cs.ucl.ac.uk>
Subject: Email Problems
Sender: Stephen.Harrison@gosip-uk.hmg.gold-400.gb`)
	var rep Report
	h, err := g.HeaderToHeading(in, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if h.ThisIPM.LocalID != "PC1000-910530172027-57D8" || h.ThisIPM.User != nil {
		t.Errorf("this-IPM %s", h.ThisIPM.String())
	}
	// From with Sender: From -> authorizing-users, Sender -> originator.
	if h.Originator == nil || len(h.AuthorizingUsers) != 1 || len(h.PrimaryRecipients) != 3 || h.Subject != "Email Problems" {
		t.Fatalf("heading %+v", h)
	}
	if h.PrimaryRecipients[0].Recipient.FreeFormName != "Jim Craigie" {
		t.Errorf("free form name %q", h.PrimaryRecipients[0].Recipient.FreeFormName)
	}
	for _, f := range in {
		if !hdgReported(&rep, f.Name, Mapped) {
			t.Errorf("%s not reported:\n%s", f.Name, rep.String())
		}
	}
	// The mapping alone gives the fields back but for From:, whose
	// comment becomes the free-form name (§4.7.1 step 2) that §4.7.2
	// writes as a phrase: its text is carried.
	for _, it := range rep.Items {
		if it.Disposition == Carried && it.From != "From" {
			t.Errorf("%s carried:\n%s", it.From, rep.String())
		}
	}
	if !hdgReported(&rep, "From", Carried) {
		t.Errorf("From not carried:\n%s", rep.String())
	}
	out, err := g.HeadingToHeader(&h, nil)
	if err != nil {
		t.Fatal(err)
	}
	hdgSameFields(t, out, in)
	back, err := g.HeaderToHeading(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	hdgCompareHeadings(t, &back, &h)
}

// Every address field both ways, with §4.7.2 step 6 "(Reply requested)"
// and an empty Bcc (§5.1.3, §5.3.4).
func TestHeadingAddressesRoundTrip(t *testing.T) {
	hdgNeedAddresses(t)
	g := hdgTestGateway(t)
	in := hdgParseHeader(t, `Message-ID: <m1@gw.example.mil>
From: John Smith <J.Smith@Marketing.Widget.COM>
Reply-To: ops@gw.example.mil
To: a@b.example (Reply requested), Bob <bob@c.example>
Cc: carol@d.example
Bcc:`)
	var rep Report
	h, err := g.HeaderToHeading(in, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if h.Originator == nil || h.AuthorizingUsers != nil || len(h.ReplyRecipients) != 1 {
		t.Errorf("originator %+v authorizing %+v", h.Originator, h.AuthorizingUsers)
	}
	if len(h.PrimaryRecipients) != 2 || !h.PrimaryRecipients[0].ReplyRequested || h.PrimaryRecipients[1].ReplyRequested {
		t.Errorf("to %+v", h.PrimaryRecipients)
	}
	if len(h.CopyRecipients) != 1 || h.BlindCopyRecipients == nil || len(h.BlindCopyRecipients) != 0 {
		t.Errorf("cc %+v bcc %+v", h.CopyRecipients, h.BlindCopyRecipients)
	}
	out, err := g.HeadingToHeader(&h, nil)
	if err != nil {
		t.Fatal(err)
	}
	hdgSameFields(t, out, in)
	back, err := g.HeaderToHeading(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	hdgCompareHeadings(t, &back, &h)

	// Heading -> 822: originator and authorizing users give Sender and
	// From; notification requests are not written as comments (§4.7.2
	// step 5): rn asks for an MDN with Disposition-Notification-To
	// naming the originator (RFC 8098 §2.1), not the authorizing users.
	h.AuthorizingUsers = []x400.ORDescriptor{*h.Originator}
	h.PrimaryRecipients[1].NotificationRequests = x400.NotifyRN
	rep = Report{}
	out, err = g.HeadingToHeader(&h, &rep)
	if err != nil {
		t.Fatal(err)
	}
	sender, ok := out.Get("Sender")
	if !ok {
		t.Errorf("no Sender:\n%s", hdgFormat(out))
	}
	if dnt := out.Values("Disposition-Notification-To"); len(dnt) != 1 || dnt[0] != sender {
		t.Errorf("Disposition-Notification-To %q, want once %q", dnt, sender)
	}
	if !hdgReported(&rep, "heading.primary-recipients[1].notification-requests", Mapped) {
		t.Errorf("report:\n%s", rep.String())
	}
}

// RFC 8098 §2.1 and §8.3 against X.420 §7.1.2's notification-requests:
// rn or nrn on any recipient -> one Disposition-Notification-To naming
// the originator; Disposition-Notification-To -> rn and nrn for every
// recipient, the field carried so that its address survives the trip.
func TestHeadingDispositionNotificationTo(t *testing.T) {
	hdgNeedAddresses(t)
	g := hdgTestGateway(t)

	// 822 -> X.400: the MDN is to go to a secretary, not the author.
	in := hdgParseHeader(t, `Message-ID: <m7@Marketing.Widget.COM>
From: John Smith <J.Smith@Marketing.Widget.COM>
To: a@b.example, Bob <bob@c.example>
Cc: carol@d.example
Bcc: dave@e.example
Disposition-Notification-To: Secretary <sec@Marketing.Widget.COM>`)
	var rep Report
	h, err := g.HeaderToHeading(in, &rep)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, list := range [][]x400.RecipientSpecifier{h.PrimaryRecipients, h.CopyRecipients, h.BlindCopyRecipients} {
		for _, r := range list {
			n++
			if r.NotificationRequests != x400.NotifyRN|x400.NotifyNRN {
				t.Errorf("%+v: notification-requests %v, want rn, nrn", r.Recipient, r.NotificationRequests)
			}
		}
	}
	if n != 4 {
		t.Errorf("%d recipients", n)
	}
	if !hdgReported(&rep, "Disposition-Notification-To", Mapped) || !hdgReported(&rep, "Disposition-Notification-To", Carried) {
		t.Errorf("report:\n%s", rep.String())
	}
	// Back to 822: the carried field, once, as written.
	out, err := g.HeadingToHeader(&h, nil)
	if err != nil {
		t.Fatal(err)
	}
	if dnt := out.Values("Disposition-Notification-To"); len(dnt) != 1 || dnt[0] != " Secretary <sec@Marketing.Widget.COM>" {
		t.Errorf("Disposition-Notification-To %q:\n%s", dnt, hdgFormat(out))
	}

	// X.400 -> 822: rn on one, nrn on another: one field, the originator.
	h.Extensions = nil
	for _, list := range [][]x400.RecipientSpecifier{h.PrimaryRecipients, h.CopyRecipients, h.BlindCopyRecipients} {
		for i := range list {
			list[i].NotificationRequests = 0
		}
	}
	h.PrimaryRecipients[0].NotificationRequests = x400.NotifyRN
	h.BlindCopyRecipients[0].NotificationRequests = x400.NotifyNRN
	rep = Report{}
	out, err = g.HeadingToHeader(&h, &rep)
	if err != nil {
		t.Fatal(err)
	}
	from, _ := out.Get("From")
	if dnt := out.Values("Disposition-Notification-To"); len(dnt) != 1 || dnt[0] != from || !strings.Contains(from, "J.Smith@Marketing.Widget.COM") {
		t.Errorf("Disposition-Notification-To %q, want once the From %q", dnt, from)
	}
	for _, f := range []string{"heading.primary-recipients[0].notification-requests", "heading.blind-copy-recipients[0].notification-requests"} {
		if !hdgReported(&rep, f, Mapped) {
			t.Errorf("%s not reported mapped:\n%s", f, rep.String())
		}
	}
	// ... and back: every recipient asks.
	back, err := g.HeaderToHeading(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if back.CopyRecipients[0].NotificationRequests != x400.NotifyRN|x400.NotifyNRN {
		t.Errorf("cc: %v", back.CopyRecipients[0].NotificationRequests)
	}

	// No request, no field; no field, no request.
	h.PrimaryRecipients[0].NotificationRequests = x400.NotifyIPMReturn
	h.BlindCopyRecipients[0].NotificationRequests = 0
	if out, err = g.HeadingToHeader(&h, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := out.Get("Disposition-Notification-To"); ok {
		t.Errorf("Disposition-Notification-To without rn or nrn:\n%s", hdgFormat(out))
	}
	plain := hdgParseHeader(t, "From: a@b.example\nTo: c@d.example")
	if h, err = g.HeaderToHeading(plain, nil); err != nil || h.PrimaryRecipients[0].NotificationRequests != 0 {
		t.Errorf("%v %v", err, h.PrimaryRecipients)
	}

	// A field that does not parse asks for nothing and is carried.
	bad := hdgParseHeader(t, "From: a@b.example\nTo: c@d.example\nDisposition-Notification-To: <<<")
	rep = Report{}
	if h, err = g.HeaderToHeading(bad, &rep); err != nil || h.PrimaryRecipients[0].NotificationRequests != 0 ||
		!hdgReported(&rep, "Disposition-Notification-To", Carried) || hdgReported(&rep, "Disposition-Notification-To", Mapped) {
		t.Errorf("%v %v\n%s", err, h.PrimaryRecipients, rep.String())
	}
}

// An address that cannot be mapped is an error that names the field.
func TestHeadingBadAddress(t *testing.T) {
	hdgNeedAddresses(t)
	g := hdgTestGateway(t)
	// A To: that does not parse is carried (§5.1.3).
	var rep Report
	h, err := g.HeaderToHeading(Header{{Name: "To", Value: " <<<"}}, &rep)
	if err != nil || h.PrimaryRecipients != nil || !hdgReported(&rep, "To", Carried) {
		t.Errorf("%v %+v\n%s", err, h.PrimaryRecipients, rep.String())
	}
	// An O/R descriptor with an empty formal name cannot be mapped.
	hd := x400.Heading{ThisIPM: x400.IPMIdentifier{LocalID: "1"}, PrimaryRecipients: []x400.RecipientSpecifier{{Recipient: x400.ORDescriptor{FormalName: &x400.ORName{}}}}}
	_, err = g.HeadingToHeader(&hd, nil)
	if ce, ok := err.(*ConversionError); !ok || ce.Field != "heading.primary-recipients[0]" || ce.Status != "5.1.3" {
		t.Errorf("error %v", err)
	}
}

// §3.5 and §5.1.3: a subject T.61 cannot hold keeps its RFC 2047 text (or
// "?" for raw 8-bit text); the loss is reported and the original comes
// back on the return trip.
func TestHeadingSubjectNotT61(t *testing.T) {
	g := hdgTestGateway(t)
	for _, c := range []struct{ value, subject string }{
		{" =?utf-8?b?0J/RgNC40LLQtdGC?=", "=?utf-8?b?0J/RgNC40LLQtdGC?="},
		{" 会议 at 10", "?? at 10"},
		{" caf\xe9", "caf?"},
	} {
		in := Header{{Name: "Message-ID", Value: " <s@h>"}, {Name: "Subject", Value: c.value}}
		var rep Report
		h, err := g.HeaderToHeading(in, &rep)
		if err != nil {
			t.Fatal(err)
		}
		if h.Subject != c.subject {
			t.Errorf("%q: subject %q, want %q", c.value, h.Subject, c.subject)
		}
		if _, err := x400.UTF8ToT61(h.Subject); err != nil {
			t.Errorf("%q: subject not T.61: %v", c.value, err)
		}
		if !hdgReported(&rep, "Subject (characters)", Dropped) {
			t.Errorf("%q: report\n%s", c.value, rep.String())
		}
		out, err := g.HeadingToHeader(&h, nil)
		if err != nil {
			t.Fatal(err)
		}
		if x400.IsIA5String(c.value) {
			hdgSameFields(t, out, in)
		}
	}
}

// X.400 -> 822 -> X.400 with every address field: O/R addresses under
// the gateway's own domain, behind an MCGAM and RFC 822 ones, a free-form
// name, a descriptor without formal name, reply requested (§4.7.2 step
// 6), authorizing users (From + Sender).
func TestHeadingX400AddressesRoundTrip(t *testing.T) {
	hdgNeedAddresses(t)
	g := hdgTestGateway(t)
	d := func(or, ffn string) x400.ORDescriptor {
		var n *x400.ORName
		if or != "" {
			n = idsMustOR(t, or)
		}
		return x400.ORDescriptor{FormalName: n, FreeFormName: ffn}
	}
	orig := d("/C=GB/ADMD= /PRMD=MOD/O=Gateway/S=Smith/G=John/", "John Smith")
	h := x400.Heading{
		ThisIPM:             x400.IPMIdentifier{LocalID: "PC1000-910530172027-57D8", User: idsMustOR(t, "/C=GB/ADMD= /PRMD=MOD/O=Gateway/S=Smith/")},
		Originator:          &orig,
		AuthorizingUsers:    []x400.ORDescriptor{d("/C=TC/ADMD=BTT/O=Widget/OU=Marketing/S=Linnimouth/I=J/", "")},
		PrimaryRecipients:   []x400.RecipientSpecifier{{Recipient: d("/C=TC/ADMD=BTT/O=Widget/S=Jones/", "Ann Jones"), ReplyRequested: true}},
		CopyRecipients:      []x400.RecipientSpecifier{{Recipient: d("/C=GB/ADMD= /PRMD=MOD/O=Gateway/RFC-822=bob(a)example.org/", "")}},
		BlindCopyRecipients: []x400.RecipientSpecifier{{Recipient: d("/C=GB/ADMD= /PRMD=MOD/O=Gateway/OU=Ops/S=Duty/", "")}},
		ReplyRecipients:     []x400.ORDescriptor{d("/C=GB/ADMD= /PRMD=MOD/O=Gateway/S=Registry/", "")},
		Subject:             "Exercise",
	}
	var rep Report
	out, err := g.HeadingToHeader(&h, &rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"From", "Sender", "To", "Cc", "Bcc", "Reply-To"} {
		if _, ok := out.Get(n); !ok {
			t.Errorf("no %s:\n%s", n, hdgFormat(out))
		}
	}
	if v, _ := out.Get("To"); !strings.Contains(v, "(Reply requested)") {
		t.Errorf("To: %q", v)
	}
	back, err := g.HeaderToHeading(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	hdgCompareHeadings(t, &back, &h)
	if _, ok := back.Extension(OIDRFC822FieldList); ok {
		t.Errorf("fields carried on an exact round trip:\n%s", hdgFormat(out))
	}
}

// Odd values in every field the heading maps give a heading or an error
// naming the field, never a panic; what is carried is IA5.
func TestHeadingOddInputs(t *testing.T) {
	g := hdgTestGateway(t)
	names := []string{"Message-ID", "From", "Sender", "Reply-To", "To", "Cc", "Bcc", "In-Reply-To", "References",
		"Supersedes", "Obsoletes", "Subject", "Expires", "Expiry-Date", "Reply-By", "Importance", "Sensitivity",
		"Autoforwarded", "Incomplete-Copy", "Content-Language", "Autosubmitted", "X-Odd"}
	values := []string{"", " ", "<", ">", "<>", " <@>", " (", " )", ` "`, " \\", " <a@b> <", " ,,,", " :;", " a:b;c",
		" =?utf-8?q?=FF?=", " =?x?y?z?=", " \xff\xfe", " " + strings.Repeat("<a@b> ", 2000), " " + strings.Repeat("(", 500),
		" @a,@b:c@d", " \"\\\"\"@x", " *@MHS", " <*/C=/@MHS>", " <x*/Q=1/@MHS>", " en-,fr", " 31 Feb 2000 25:61:61 +9999"}
	for _, n := range names {
		for _, v := range values {
			var rep Report
			h, err := g.HeaderToHeading(Header{{Name: n, Value: v}}, &rep)
			if err != nil {
				if _, ok := err.(*ConversionError); !ok {
					t.Errorf("%s:%q: error %T %v", n, v, err, err)
				}
				continue
			}
			if len(rep.Items) == 0 {
				t.Errorf("%s:%q: nothing reported", n, v)
			}
			if _, err := g.HeadingToHeader(&h, nil); err != nil {
				t.Errorf("%s:%q: back: %v", n, v, err)
			}
			// The heading encodes.
			o := x400.InformationObject{IPM: &x400.IPM{Heading: h}}
			if _, err := o.Marshal(); err != nil {
				t.Errorf("%s:%q: heading does not encode: %v", n, v, err)
			}
		}
	}
}

// §5.3.4: empty address fields are discarded (Bcc: apart), and what has
// no RFC 822 counterpart (recipient extensions, unknown components) is
// reported dropped.
func TestHeadingDroppedItems(t *testing.T) {
	hdgNeedAddresses(t)
	g := hdgTestGateway(t)
	r := x400.RecipientSpecifier{
		Recipient:            x400.ORDescriptor{FormalName: idsMustOR(t, "/C=GB/ADMD= /PRMD=MOD/O=Gateway/S=Duty/")},
		NotificationRequests: x400.NotifyRN | x400.NotifyNRN | x400.NotifyIPMReturn,
		Extensions:           []x400.IPMSExtension{{Type: x400.OIDMMACP127NotificationRequest, Value: x400.Raw{0x03, 0x02, 0x07, 0x80}}},
		Unknown:              []x400.Raw{{0x9f, 0x20, 0x00}},
	}
	h := x400.Heading{
		ThisIPM:             x400.IPMIdentifier{LocalID: "1"},
		AuthorizingUsers:    []x400.ORDescriptor{},
		PrimaryRecipients:   []x400.RecipientSpecifier{r},
		CopyRecipients:      []x400.RecipientSpecifier{},
		BlindCopyRecipients: []x400.RecipientSpecifier{},
		ReplyRecipients:     []x400.ORDescriptor{},
		Unknown:             []x400.Raw{{0x9f, 0x21, 0x00}},
	}
	var rep Report
	out, err := g.HeadingToHeader(&h, &rep)
	if err != nil {
		t.Fatal(err)
	}
	const want = "Message-ID: <1*@MHS>\nTo: \"/C=GB/ADMD= /PRMD=MOD/O=Gateway/S=Duty/\"@gw.example.mil\nBcc:\n"
	if got := hdgFormat(out); !strings.HasPrefix(got, "Message-ID: <1*@MHS>\nTo: ") || !strings.HasSuffix(got, "\nBcc:\n") {
		t.Errorf("got\n%s\nlike\n%s", got, want)
	}
	for _, from := range []string{"heading.authorizing-users", "heading.copy-recipients", "heading.reply-recipients",
		"heading (unknown components)", "heading.primary-recipients[0].notification-requests",
		"heading notification-requests (rn, nrn)",
		"heading.primary-recipients[0].recipient-extensions " + x400.OIDMMACP127NotificationRequest.String(),
		"heading.primary-recipients[0] (unknown components)"} {
		if !hdgReported(&rep, from, Dropped) {
			t.Errorf("%s not reported dropped:\n%s", from, rep.String())
		}
	}
}
