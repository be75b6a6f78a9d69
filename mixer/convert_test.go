package mixer

import (
	"strings"
	"testing"

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
