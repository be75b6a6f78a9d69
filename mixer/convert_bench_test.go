package mixer

import (
	"bytes"
	"io"
	"net/mail"
	"strings"
	"testing"

	"mixerd/x400"
)

// benchText is n bytes of plain operational prose in 72-column lines.
func benchText(n int) string {
	const para = "Convoy Bravo departs the northern assembly area at 0630Z and proceeds by route AMBER to the " +
		"forward operating base. Fuel state is adequate for the move; resupply is requested for 19 Nov. "
	var sb strings.Builder
	col := 0
	for sb.Len() < n {
		for _, w := range strings.Fields(para) {
			if col+len(w)+1 > 72 {
				sb.WriteString("\r\n")
				col = 0
			} else if col > 0 {
				sb.WriteByte(' ')
				col++
			}
			sb.WriteString(w)
			col += len(w)
		}
	}
	return sb.String()[:n] + "\r\n"
}

// benchX400Message is a typical 5 KB P1 message: the sample envelope
// (three recipients, two trace elements, content correlator), a heading
// with originator, recipients, subject and importance, and a 4.4 KB IA5
// text body.
func benchX400Message(tb testing.TB) *x400.Message {
	m := convertSampleMessage(tb, false)
	obj := x400.SampleIPM()
	obj.IPM.Body = []x400.BodyPart{x400.NewIA5TextBodyPart(benchText(4400))}
	content, err := obj.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	m.Content = content
	return m
}

// benchSMTPMessage is a typical 5 KB Internet message: the header a
// mailer and two relays write (about 1 KB) and a 4 KB text/plain body.
func benchSMTPMessage(tb testing.TB) *SMTPMessage {
	hdr := "Received: from relay1.example.org (relay1.example.org [192.0.2.10])\r\n" +
		"\tby gw.example.mil (Postfix) with ESMTPS id 4Xk2Lm0Qz9z1xyZ\r\n" +
		"\tfor <ops.desk@example.mil>; Mon, 16 Nov 2026 09:12:46 +0100 (CET)\r\n" +
		"Received: from [198.51.100.7] (client.example.org [198.51.100.7])\r\n" +
		"\tby relay1.example.org (Postfix) with ESMTPSA id 0A1B2C3D4E\r\n" +
		"\tfor <ops.desk@example.mil>; Mon, 16 Nov 2026 09:12:45 +0100 (CET)\r\n" +
		"Message-ID: <4f1c2a9e-7d3b-4c55-9b1e-2a6f0c9d8e71@mail.example.org>\r\n" +
		"Date: Mon, 16 Nov 2026 09:12:44 +0100\r\n" +
		"MIME-Version: 1.0\r\n" +
		"User-Agent: Mozilla Thunderbird\r\n" +
		"Content-Language: en-GB\r\n" +
		"From: Peter Wright <peter.wright@mail.example.org>\r\n" +
		"To: Ops Desk <ops.desk@example.mil>, \"Smith, Jane\" <jane.smith@example.mil>\r\n" +
		"Cc: logistics@example.mil\r\n" +
		"Subject: Convoy timings for Thursday, revised\r\n" +
		"Importance: high\r\n" +
		"Content-Type: text/plain; charset=us-ascii; format=flowed\r\n" +
		"Content-Transfer-Encoding: 7bit\r\n\r\n"
	data := []byte(hdr + benchText(4000))
	h, n, err := ParseHeader(data, HeaderLimits{})
	if err != nil {
		tb.Fatal(err)
	}
	return &SMTPMessage{
		Envelope: SMTPEnvelope{MailFrom: "peter.wright@mail.example.org", Recipients: []SMTPRecipient{
			{Address: "ops.desk@example.mil", Notify: NotifyFailure},
			{Address: "jane.smith@example.mil", Notify: NotifyFailure},
			{Address: "logistics@example.mil", Notify: NotifyFailure}}},
		Header: h, Body: data[n:],
	}
}

// BenchmarkConvertToSMTP converts the typical 5 KB P1 message to SMTP:
// decode of the content, envelope, heading and body.
func BenchmarkConvertToSMTP(b *testing.B) {
	g := fuzzGateway(b)
	m := benchX400Message(b)
	b.SetBytes(int64(len(m.Content)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := g.ToSMTP(m, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConvertToX400 converts the typical 5 KB Internet message to a
// P1 message, the encoding of its content included.
func BenchmarkConvertToX400(b *testing.B) {
	g := fuzzGateway(b)
	m := benchSMTPMessage(b)
	b.SetBytes(int64(len(m.Bytes())))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := g.ToX400(m, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConvertReferenceDecodeX400 is the floor under
// BenchmarkConvertToSMTP: only decoding the same P1 message and its IPM
// (package x400), no conversion.
func BenchmarkConvertReferenceDecodeX400(b *testing.B) {
	raw, err := (&x400.MTSAPDU{Message: benchX400Message(b)}).Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		a, err := x400.DecodeMTSAPDU(raw, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := x400.DecodeInformationObject(a.Message.Content, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConvertReferenceNetMail is a reference for
// BenchmarkConvertToX400: the standard library reading the same Internet
// message (net/mail: header parsed, addresses of From, To and Cc parsed,
// body read), no conversion.
func BenchmarkConvertReferenceNetMail(b *testing.B) {
	raw := benchSMTPMessage(b).Bytes()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		msg, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range []string{"From", "To", "Cc"} {
			if _, err := msg.Header.AddressList(f); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := io.ReadAll(msg.Body); err != nil {
			b.Fatal(err)
		}
	}
}
