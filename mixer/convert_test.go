package mixer

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"mixerd/ber"
	"mixerd/x400"
)

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

// convertSampleMessage returns x400.SampleMessage's envelope (without its
// private extension critical for delivery, which a gateway must refuse)
// carrying x400.SampleIPM, and when military is set, with
// x400.SampleMilitaryHeading in content type P772.
func convertSampleMessage(tb testing.TB, military bool) *x400.Message {
	tb.Helper()
	m := x400.SampleMessage().Message
	var exts x400.Extensions
	for _, x := range m.Envelope.Extensions {
		if x.Critical == 0 {
			exts = append(exts, x)
		}
	}
	m.Envelope.Extensions = exts
	obj := x400.SampleIPM()
	if military {
		if err := obj.IPM.Heading.SetMilitary(x400.SampleMilitaryHeading()); err != nil {
			tb.Fatal(err)
		}
		m.Envelope.ContentType = x400.ContentTypeP772
	}
	content, err := obj.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	m.Content = content
	return m
}

// x400SampleMessages returns the sample messages encoded as MTS-APDUs.
func x400SampleMessages(tb testing.TB) [][]byte {
	var out [][]byte
	for _, mil := range []bool{false, true} {
		b, err := (&x400.MTSAPDU{Message: convertSampleMessage(tb, mil)}).Marshal()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// A content type that is not interpersonal messaging cannot be converted:
// unable-to-transfer, content-type-not-supported.
func TestConvertContentTypeRefused(t *testing.T) {
	g := fuzzGateway(t)
	m := convertSampleMessage(t, false)
	m.Envelope.ContentType = x400.ContentType{BuiltIn: x400.BuiltInEDI}
	_, _, err := g.ToSMTP(m, nil)
	checkConversionError(t, err)
	ce := err.(*ConversionError)
	if ce.Reason != x400.ReasonUnableToTransfer || ce.Diagnostic != x400.DiagnosticContentTypeNotSupported {
		t.Errorf("EDI content: %v, reason %d diagnostic %d", err, ce.Reason, ce.Diagnostic)
	}
}

// RFC 2156 §5.3.6: an envelope extension critical for transfer or
// delivery that the gateway does not support rejects the message.
func TestConvertCriticalExtensionRefused(t *testing.T) {
	g := fuzzGateway(t)
	m := x400.SampleMessage().Message
	obj := x400.SampleIPM()
	var err error
	if m.Content, err = obj.Marshal(); err != nil {
		t.Fatal(err)
	}
	_, _, err = g.ToSMTP(m, nil)
	checkConversionError(t, err)
	if ce := err.(*ConversionError); ce.Diagnostic != x400.DiagnosticUnsupportedCriticalFunction {
		t.Errorf("critical private extension: %v, diagnostic %d", err, ce.Diagnostic)
	}
}

// X.420 §7.3: the EITs of a body.
func TestConvertBodyEITs(t *testing.T) {
	body := x400.SampleIPM().IPM.Body
	e := BodyEITs(body)
	if e.BuiltIn != x400.EITIA5Text || len(e.Extended) != 2 ||
		!e.Extended[0].Equal(x400.IDEtGeneralText) || !e.Extended[1].Equal(x400.IDEtFileTransfer) {
		t.Errorf("EITs of the sample IPM body = %+v", e)
	}
	if e := BodyEITs(nil); e.BuiltIn != x400.EITUnknown {
		t.Errorf("EITs of an empty body = %+v", e)
	}
}

// convertRoundTripX400 converts m to SMTP and back and returns both.
func convertRoundTripX400(t *testing.T, g *Gateway, m *x400.Message) (*SMTPMessage, *x400.Message, *x400.IPM) {
	t.Helper()
	s, rerrs, err := g.ToSMTP(m, nil)
	if err != nil || len(rerrs) > 0 {
		t.Fatalf("ToSMTP: %v %v", err, rerrs)
	}
	// What the SMTP peer receives is bytes: parse them back.
	data := s.Bytes()
	h, n, err := ParseHeader(data, HeaderLimits{})
	if err != nil {
		t.Fatalf("converted header: %v", err)
	}
	back, rerrs, err := g.ToX400(&SMTPMessage{Envelope: s.Envelope, Header: h, Body: data[n:]}, nil)
	if err != nil || len(rerrs) > 0 {
		t.Fatalf("ToX400: %v %v\n%s", err, rerrs, data)
	}
	obj, err := x400.DecodeInformationObject(back.Content, nil)
	if err != nil || obj.IPM == nil {
		t.Fatalf("content: %v", err)
	}
	return s, back, obj.IPM
}

// RFC 2156 §1.4, §4.7.3, §5: a message from X.400 that goes to SMTP and
// comes back through a MIXER gateway has the same IPM (heading with its
// P772 military heading, and body parts) and the same envelope
// originator, recipients, content type and priority; the X.400 trace
// comes back from X400-Received, with the gateway's own element added.
func TestConvertRoundTripFromX400(t *testing.T) {
	g := fuzzGateway(t)
	for _, mil := range []bool{false, true} {
		orig := convertSampleMessage(t, mil)
		want, err := x400.DecodeInformationObject(orig.Content, nil)
		if err != nil {
			t.Fatal(err)
		}
		s, back, got := convertRoundTripX400(t, g, orig)
		wh, gh := &want.IPM.Heading, &got.Heading
		convertSameIPMHeading(t, wh, gh, s)
		if len(got.Body) != len(want.IPM.Body) {
			t.Fatalf("military %v: %d body parts, want %d", mil, len(got.Body), len(want.IPM.Body))
		}
		for i := range got.Body {
			wb, _ := (&x400.InformationObject{IPM: &x400.IPM{Body: want.IPM.Body[i : i+1]}}).Marshal()
			gb, _ := (&x400.InformationObject{IPM: &x400.IPM{Body: got.Body[i : i+1]}}).Marshal()
			if string(wb) != string(gb) {
				t.Errorf("military %v: body part %d differs:\n got % x\nwant % x", mil, i+1, gb, wb)
			}
		}
		oe, be := &orig.Envelope, &back.Envelope
		if !be.ContentType.Is(oe.ContentType) {
			t.Errorf("military %v: content type %v, want %v", mil, be.ContentType, oe.ContentType)
		}
		if be.Priority != oe.Priority {
			t.Errorf("military %v: priority %v, want %v", mil, be.Priority, oe.Priority)
		}
		if !be.OriginatorName.ORAddress.Equal(&oe.OriginatorName.ORAddress) {
			t.Errorf("military %v: originator %v, want %v", mil, be.OriginatorName, oe.OriginatorName)
		}
		if len(be.PerRecipientFields) != len(oe.PerRecipientFields) {
			t.Fatalf("military %v: %d recipients, want %d", mil, len(be.PerRecipientFields), len(oe.PerRecipientFields))
		}
		for i := range be.PerRecipientFields {
			if !be.PerRecipientFields[i].RecipientName.ORAddress.Equal(&oe.PerRecipientFields[i].RecipientName.ORAddress) {
				t.Errorf("military %v: recipient %d %v, want %v", mil, i+1, be.PerRecipientFields[i].RecipientName, oe.PerRecipientFields[i].RecipientName)
			}
		}
		// The trace sent, then the Internet hops (the converting
		// gateway's Received: among them, §5.1.6), then the gateway's own.
		if len(be.TraceInformation) < len(oe.TraceInformation)+1 {
			t.Errorf("military %v: %d trace elements, want the %d sent and the gateway's", mil, len(be.TraceInformation), len(oe.TraceInformation))
		} else {
			for i := range oe.TraceInformation {
				w, g := oe.TraceInformation[i], be.TraceInformation[i]
				if !w.GlobalDomainIdentifier.Equal(g.GlobalDomainIdentifier) ||
					!w.DomainSuppliedInformation.ArrivalTime.Equal(g.DomainSuppliedInformation.ArrivalTime) ||
					w.DomainSuppliedInformation.RoutingAction != g.DomainSuppliedInformation.RoutingAction {
					t.Errorf("military %v: trace element %d %+v, want %+v", mil, i+1, g, w)
				}
			}
		}
	}
}

// convertSameIPMHeading compares the headings of a round trip.
func convertSameIPMHeading(t *testing.T, w, g *x400.Heading, s *SMTPMessage) {
	t.Helper()
	fail := func(what string, got, want any) {
		t.Errorf("%s: %v, want %v\n%s", what, got, want, s.Bytes())
	}
	if w.ThisIPM.String() != g.ThisIPM.String() {
		fail("this-IPM", g.ThisIPM.String(), w.ThisIPM.String())
	}
	if w.Subject != g.Subject {
		fail("subject", g.Subject, w.Subject)
	}
	if !w.ExpiryTime.Equal(g.ExpiryTime) || w.Importance != g.Importance || w.Sensitivity != g.Sensitivity {
		fail("expiry/importance/sensitivity", []any{g.ExpiryTime, g.Importance, g.Sensitivity}, []any{w.ExpiryTime, w.Importance, w.Sensitivity})
	}
	same := func(what string, wd, gd *x400.ORDescriptor) {
		// RFC 2156 §4.7.2 writes the telephone number as a comment
		// "(Tel ...)"; §4.7.1 makes the comments part of the free form
		// name and omits the telephone number: not reversible.
		if wd.TelephoneNumber != "" {
			w := *wd
			w.FreeFormName += " (Tel " + w.TelephoneNumber + ")"
			w.TelephoneNumber = ""
			wd = &w
		}
		if (wd.FormalName == nil) != (gd.FormalName == nil) ||
			wd.FormalName != nil && !wd.FormalName.ORAddress.Equal(&gd.FormalName.ORAddress) {
			fail(what+" formal name", gd.FormalName, wd.FormalName)
		}
		if wd.FreeFormName != gd.FreeFormName || wd.TelephoneNumber != gd.TelephoneNumber {
			fail(what+" free form name and telephone", gd.FreeFormName+"|"+gd.TelephoneNumber, wd.FreeFormName+"|"+wd.TelephoneNumber)
		}
	}
	if (w.Originator == nil) != (g.Originator == nil) {
		fail("originator", g.Originator, w.Originator)
	} else if w.Originator != nil {
		same("originator", w.Originator, g.Originator)
	}
	for _, l := range []struct {
		name string
		w, g []x400.RecipientSpecifier
	}{{"primary", w.PrimaryRecipients, g.PrimaryRecipients}, {"copy", w.CopyRecipients, g.CopyRecipients}, {"blind copy", w.BlindCopyRecipients, g.BlindCopyRecipients}} {
		if len(l.w) != len(l.g) {
			fail(l.name+" recipients", len(l.g), len(l.w))
			continue
		}
		for i := range l.w {
			same(l.name+" recipient", &l.w[i].Recipient, &l.g[i].Recipient)
			if l.w[i].ReplyRequested != l.g[i].ReplyRequested {
				fail(l.name+" recipient reply requested", l.g[i].ReplyRequested, l.w[i].ReplyRequested)
			}
		}
	}
	wm, err := w.Military()
	if err != nil {
		t.Fatal(err)
	}
	gm, err := g.Military()
	if err != nil {
		t.Fatal(err)
	}
	if (wm == nil) != (gm == nil) {
		fail("military heading", gm, wm)
	} else if wm != nil {
		for i := range wm.ExemptedAddresses { // the telephone number as above
			if e := &wm.ExemptedAddresses[i]; e.TelephoneNumber != "" {
				e.FreeFormName += " (Tel " + e.TelephoneNumber + ")"
				e.TelephoneNumber = ""
			}
		}
		we, _ := wm.Extensions()
		ge, _ := gm.Extensions()
		wb, _ := (&x400.InformationObject{IPM: &x400.IPM{Heading: x400.Heading{Extensions: we}}}).Marshal()
		gb, _ := (&x400.InformationObject{IPM: &x400.IPM{Heading: x400.Heading{Extensions: ge}}}).Marshal()
		if string(wb) != string(gb) {
			fail("military heading", fmt.Sprintf("%+v", *gm), fmt.Sprintf("%+v", *wm))
		}
	}
}

// The envelope fields whose values hold parenthesised numbers
// (labelled-integer, object-identifier: RFC 2156 §3.3.6, §3.3.7), which
// look like RFC 822 comments, come back: X400-Content-Type and
// Original-Encoded-Information-Types with extended types.
func TestConvertParenthesisedValues(t *testing.T) {
	g := fuzzGateway(t)
	for _, mil := range []bool{false, true} {
		m := convertSampleMessage(t, mil)
		m.Envelope.OriginalEITs = &x400.EncodedInformationTypes{BuiltIn: x400.EITIA5Text, Extended: []ber.OID{x400.IDEtGeneralText}}
		rep := new(Report)
		s, _, err := g.ToSMTP(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := g.ToX400(s, rep); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"X400-Content-Type", "Original-Encoded-Information-Types"} {
			found := false
			for _, it := range rep.Items {
				if it.From == f {
					found = true
					if it.Disposition != Mapped {
						t.Errorf("military %v: %s %s: %s", mil, f, it.Disposition, it.Note)
					}
				}
			}
			if !found {
				t.Errorf("military %v: %s not in the report", mil, f)
			}
		}
	}
}

// convertLeaves walks a MIME entity and returns, for each leaf, its media
// type with parameters other than the boundary, its Content-Disposition
// and its decoded content.
func convertLeaves(t *testing.T, h Header, body []byte) []string {
	t.Helper()
	ct, _ := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("Content-Type %q: %v", ct, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		var out []string
		r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", mt, err)
			}
			data, _ := io.ReadAll(p)
			var ph Header
			for k, vs := range p.Header {
				for _, v := range vs {
					ph = append(ph, Field{Name: k, Value: v})
				}
			}
			out = append(out, mt)
			out = append(out, convertLeaves(t, ph, data)...)
		}
		return out
	}
	if mt == "message/rfc822" {
		ih, n, err := ParseHeader(body, HeaderLimits{})
		if err != nil {
			t.Fatal(err)
		}
		return append([]string{mt}, convertLeaves(t, ih, body[n:])...)
	}
	data := body
	cte, _ := h.Get("Content-Transfer-Encoding")
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		data, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(body)))
	case "quoted-printable":
		data, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	}
	if err != nil {
		t.Fatalf("%s: %v", cte, err)
	}
	delete(params, "boundary")
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k+"="+strings.ToLower(params[k]))
	}
	sort.Strings(keys)
	disp, _ := h.Get("Content-Disposition")
	if disp != "" {
		d, dp, err := mime.ParseMediaType(disp)
		if err == nil {
			disp = d + " filename=" + dp["filename"]
		}
	}
	return []string{mt + " " + strings.Join(keys, " ") + " | " + disp + " | " + strings.TrimRight(string(data), "\r\n")}
}

// Messages as real mailers write them go to X.400 and back with the same
// header fields (the trace apart) and the same MIME structure, types and
// decoded contents (RFC 2157 §2, §3.1.2: what X.400 cannot express is
// carried so that it comes back).
func TestConvertRoundTripFromSMTP(t *testing.T) {
	g := fuzzGateway(t)
	files, _ := filepath.Glob("testdata/*.eml")
	if len(files) == 0 {
		t.Fatal("no sample messages")
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			h, n, err := ParseHeader(data, HeaderLimits{})
			if err != nil {
				t.Fatal(err)
			}
			in := &SMTPMessage{Envelope: SMTPEnvelope{MailFrom: "sender@mail.example.org",
				Recipients: []SMTPRecipient{{Address: "ops.desk@example.mil"}}}, Header: h, Body: data[n:]}
			rep := new(Report)
			m, rerrs, err := g.ToX400(in, rep)
			if err != nil || len(rerrs) > 0 {
				t.Fatalf("ToX400: %v %v", err, rerrs)
			}
			out, _, err := g.ToSMTP(m, nil)
			if err != nil {
				t.Fatalf("ToSMTP: %v", err)
			}
			got := out.Bytes()
			gh, gn, err := ParseHeader(got, HeaderLimits{})
			if err != nil {
				t.Fatal(err)
			}
			norm := func(v string) string { return strings.Join(strings.Fields(v), " ") }
			for _, f := range h {
				if mimeField(f.Name) && !strings.EqualFold(f.Name, "Content-Language") {
					continue // compared as MIME structure below
				}
				vs := gh.Values(f.Name)
				found := false
				for _, v := range vs {
					found = found || norm(v) == norm(f.Value)
					if militaryField(f.Name) && !found {
						// The same value, maybe written otherwise ("4
						// (flash)" and "FLASH", RFC 6477 §3.3).
						found = convertSameMMHS(t, g, f, Field{Name: f.Name, Value: v})
					}
				}
				if !found {
					t.Errorf("%s: %q came back as %q", f.Name, norm(f.Value), vs)
				}
			}
			wl, gl := convertLeaves(t, h, data[n:]), convertLeaves(t, gh, got[gn:])
			// What RFC 2157 §2.4 has no place for in X.400 text and message
			// body parts is lost, and must be in the report: format=flowed,
			// an inline disposition.
			for _, lost := range []struct{ text, report string }{
				{" format=flowed", "Content-Type format"}, {"inline filename=", "Content-Disposition"}} {
				for i := range wl {
					if !strings.Contains(wl[i], lost.text) {
						continue
					}
					wl[i] = strings.Replace(wl[i], lost.text, "", 1)
					reported := false
					for _, it := range rep.Lost() {
						reported = reported || strings.Contains(it.From, lost.report)
					}
					if !reported {
						t.Errorf("%q lost without a report", lost.text)
					}
				}
			}
			if strings.Join(wl, "\n") != strings.Join(gl, "\n") {
				t.Errorf("MIME structure:\n got %q\nwant %q\n%s", gl, wl, got)
			}
		})
	}
}

// convertSameMMHS reports whether two MMHS fields give the same P772
// heading extension.
func convertSameMMHS(t *testing.T, g *Gateway, a, b Field) bool {
	ma, err := g.HeaderToMilitary(Header{a}, nil, nil)
	if err != nil {
		t.Errorf("%s: %v", a.Name, err)
		return false
	}
	mb, err := g.HeaderToMilitary(Header{b}, nil, nil)
	if err != nil {
		t.Errorf("%s: %v", b.Name, err)
		return false
	}
	ea, _ := ma.Extensions()
	eb, _ := mb.Extensions()
	ba, _ := (&x400.InformationObject{IPM: &x400.IPM{Heading: x400.Heading{Extensions: ea}}}).Marshal()
	bb, _ := (&x400.InformationObject{IPM: &x400.IPM{Heading: x400.Heading{Extensions: eb}}}).Marshal()
	return bytes.Equal(ba, bb)
}

// RFC 6710 Appendix A Table 1: a military message's primary precedence
// gives its MT-PRIORITY (the gateway's default policy for military
// messages), and comes back from it when MMHS-Primary-Precedence is not
// there.
func TestConvertPrecedenceMTPriority(t *testing.T) {
	g := fuzzGateway(t)
	for _, row := range []struct {
		p x400.Precedence
		v int
	}{
		{x400.PrecedenceDeferred, -4}, {x400.PrecedenceRoutine, -2}, {x400.PrecedencePriority, 0},
		{x400.PrecedenceImmediate, 2}, {x400.PrecedenceFlash, 4}, {x400.PrecedenceOverride, 6},
	} {
		m := convertSampleMessage(t, true)
		obj, _ := x400.DecodeInformationObject(m.Content, nil)
		mil, _ := obj.IPM.Heading.Military()
		mil.PrimaryPrecedence = &row.p
		if err := obj.IPM.Heading.SetMilitary(mil); err != nil {
			t.Fatal(err)
		}
		m.Content, _ = obj.Marshal()
		s, _, err := g.ToSMTP(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s.Envelope.MTPriority == nil || *s.Envelope.MTPriority != row.v {
			t.Errorf("%v: MT-PRIORITY %v, want %d", row.p, s.Envelope.MTPriority, row.v)
			continue
		}
		// Back without the MMHS-Primary-Precedence field: from MT-PRIORITY.
		var h Header
		for _, f := range s.Header {
			if !strings.EqualFold(f.Name, "MMHS-Primary-Precedence") {
				h = append(h, f)
			}
		}
		back, _, err := g.ToX400(&SMTPMessage{Envelope: s.Envelope, Header: h, Body: s.Body}, nil)
		if err != nil {
			t.Fatal(err)
		}
		bo, _ := x400.DecodeInformationObject(back.Content, nil)
		bm, _ := bo.IPM.Heading.Military()
		if bm == nil || bm.PrimaryPrecedence == nil || *bm.PrimaryPrecedence != row.p {
			t.Errorf("%v: back from MT-PRIORITY %d as %v", row.p, row.v, bm)
		}
	}
}

// X.411 §9: an unsupported per-recipient extension critical for delivery
// fails its recipient only; the others are converted.
func TestConvertPerRecipientCritical(t *testing.T) {
	g := fuzzGateway(t)
	m := convertSampleMessage(t, false)
	m.Envelope.PerRecipientFields[1].Extensions = append(m.Envelope.PerRecipientFields[1].Extensions, x400.Extension{
		Type: x400.ExtensionType{Private: ber.MustOID("1.3.6.1.4.1.32473.400.2")}, Critical: x400.CriticalForDelivery, Value: x400.Raw{0x05, 0x00}})
	s, rerrs, err := g.ToSMTP(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rerrs) != 1 || rerrs[0].Index != 1 || rerrs[0].Err.Diagnostic != x400.DiagnosticUnsupportedCriticalFunction {
		t.Fatalf("recipient errors %+v", rerrs)
	}
	if len(s.Envelope.Recipients) != 2 {
		t.Errorf("%d RCPT TO, want the other 2", len(s.Envelope.Recipients))
	}
}
