package mixer

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"mixerd/x400"
)

// fuzzGateway is a gateway with one entry in each table, so that the
// fuzzers reach the table-driven address mappings.
func fuzzGateway(tb testing.TB) *Gateway {
	tb.Helper()
	or, err := x400.ParseORAddress("/C=GB/ADMD= /PRMD=MOD/O=Gateway/")
	if err != nil {
		tb.Fatal(err)
	}
	g := &Gateway{Domain: "gw.example.mil", ORAddress: or, MTAName: "gw.example.mil",
		GDI: x400.GlobalDomainIdentifier{Country: or.Country, ADMD: or.ADMD, PRMD: or.PRMD}}
	load := func(kind TableKind, text string) *Table {
		t, err := LoadTable("fuzz", kind, stringsReader(text))
		if err != nil {
			tb.Fatal(err)
		}
		return t
	}
	g.DomainToOR = load(TableDomainToOR, "example.mil#PRMD$MOD.ADMD$ .C$GB#\n")
	g.ORToDomain = load(TableORToDomain, "PRMD$MOD.ADMD$ .C$GB#example.mil#\n")
	g.DomainToGateway = load(TableDomainToGateway, "other.example#PRMD$Other.ADMD$ .C$GB#\n")
	g.ORToGateway = load(TableORToGateway, "PRMD$Other.ADMD$ .C$GB#gw.other.example#\n")
	return g
}

// checkConversionError fails unless err is a *ConversionError with the
// codes of a report.
func checkConversionError(t *testing.T, err error) {
	var ce *ConversionError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not a *ConversionError", err, err)
	}
	if ce.Status == "" || ce.Status[0] < '4' || ce.Status[0] > '5' {
		t.Fatalf("error %v has no DSN status (%q)", err, ce.Status)
	}
}

// FuzzToX400 converts arbitrary RFC 5322 messages: no panic, a
// *ConversionError on failure, and on success a P1 message that encodes
// and decodes.
func FuzzToX400(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("From: a@b\r\nTo: c@d\r\nSubject: x\r\n\r\nbody\r\n"))
	g := fuzzGateway(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		h, n, err := ParseHeader(data, HeaderLimits{})
		if err != nil {
			return
		}
		env := SMTPEnvelope{MailFrom: "a@b.example", Recipients: []SMTPRecipient{{Address: "c@example.mil"}, {Address: "d@other.example"}}}
		m, _, err := g.ToX400(&SMTPMessage{Envelope: env, Header: h, Body: data[n:]}, new(Report))
		if err != nil {
			checkConversionError(t, err)
			return
		}
		b, err := (&x400.MTSAPDU{Message: m}).Marshal()
		if err != nil {
			t.Fatalf("converted message does not encode: %v", err)
		}
		apdu, err := x400.DecodeMTSAPDU(b, nil)
		if err != nil {
			t.Fatalf("converted message does not decode: %v", err)
		}
		if _, err := x400.DecodeInformationObject(apdu.Message.Content, nil); err != nil {
			t.Fatalf("converted content does not decode: %v", err)
		}
	})
}

// FuzzToSMTP converts arbitrary P1 messages: no panic, a
// *ConversionError on failure, and on success an RFC 5322 message whose
// header parses back.
func FuzzToSMTP(f *testing.F) {
	for _, name := range []string{"../x400/testdata/p1_message_pp1988.ber"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range x400SampleMessages(f) {
		f.Add(s)
	}
	g := fuzzGateway(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		apdu, err := x400.DecodeMTSAPDU(data, nil)
		if err != nil || apdu.Message == nil {
			return
		}
		m, _, err := g.ToSMTP(apdu.Message, new(Report))
		if err != nil {
			checkConversionError(t, err)
			return
		}
		out := m.Bytes()
		h, _, err := ParseHeader(out, HeaderLimits{})
		if err != nil {
			t.Fatalf("converted header does not parse: %v\n%s", err, out)
		}
		if len(h) != len(m.Header) {
			t.Fatalf("converted header has %d fields, parses to %d\n%s", len(m.Header), len(h), out)
		}
	})
}
