package x400

import (
	"os"
	"path/filepath"
	"testing"

	"mixerd/internal/tshark"
)

// conformanceCases are realistic values of every kind the package encodes,
// each wrapped as Wireshark's "P1 Message" syntax (an MTS-APDU) reads it:
// IPMS contents ride in a message, as they do on the wire.
func conformanceCases(t testing.TB) map[string][]byte {
	t.Helper()
	marshal := func(a *MTSAPDU) []byte {
		b, err := a.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// SampleMessage carries, on purpose, an extension of a standard type
	// that no one defines and a private one: they must be relayed
	// untouched, and tshark, which knows neither, warns about them. The
	// cases below leave them out but for "message-unknown-extensions".
	knownOnly := func(a *MTSAPDU) *MTSAPDU {
		env := &a.Message.Envelope
		var keep Extensions
		for _, x := range env.Extensions {
			if x.Type.Known() {
				keep = append(keep, x)
			}
		}
		env.Extensions = keep
		return a
	}
	withContent := func(a *MTSAPDU, o *InformationObject, ct ContentType) []byte {
		content, err := o.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		a.Message.Envelope.ContentType = ct
		a.Message.Content = content
		return marshal(a)
	}
	// The file transfer body part's data is an FTAM unstructured binary
	// value in the single-ASN1-type encoding, as RFC 2157 §5.3 wants;
	// tshark has no dissector for that FTAM abstract syntax and says so,
	// so the FTBP is checked in a case of its own.
	withoutFTBP := func(o *InformationObject) *InformationObject {
		var body []BodyPart
		for _, p := range o.IPM.Body {
			if p.Kind != BodyPartFileTransfer {
				body = append(body, p)
			}
		}
		o.IPM.Body = body
		return o
	}
	onlyFTBP := func(o *InformationObject) *InformationObject {
		var body []BodyPart
		for _, p := range o.IPM.Body {
			if p.Kind == BodyPartFileTransfer {
				body = append(body, p)
			}
		}
		o.IPM.Body = body
		return o
	}
	military := withoutFTBP(SampleIPM())
	if err := military.IPM.Heading.SetMilitary(SampleMilitaryHeading()); err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"message-ipm":                withContent(knownOnly(SampleMessage()), withoutFTBP(SampleIPM()), ContentTypeP22),
		"message-p772":               withContent(knownOnly(SampleMessage()), military, ContentTypeP772),
		"message-ipn":                withContent(knownOnly(SampleMessage()), SampleIPN(), ContentTypeP22),
		"message-nrn":                withContent(knownOnly(SampleMessage()), SampleNRN(), ContentTypeP22),
		"message-ftbp":               withContent(knownOnly(SampleMessage()), onlyFTBP(SampleIPM()), ContentTypeP22),
		"message-unknown-extensions": withContent(SampleMessage(), withoutFTBP(SampleIPM()), ContentTypeP22),
		"report":                     marshal(SampleReport()),
		"probe":                      marshal(SampleProbe()),
	}
}

// TestWriteConformanceFiles writes the conformance values to the directory
// named by MIXERD_WRITE_SAMPLES, for looking at them with tshark or
// mixerd dump by hand.
func TestWriteConformanceFiles(t *testing.T) {
	dir := os.Getenv("MIXERD_WRITE_SAMPLES")
	if dir == "" {
		t.Skip("set MIXERD_WRITE_SAMPLES=DIR to write the sample encodings")
	}
	for name, b := range conformanceCases(t) {
		if err := os.WriteFile(filepath.Join(dir, name+".ber"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTsharkDecodes has Wireshark's p1, p22 and p772 dissectors decode our
// encodings: no malformed packet, no expert warning, nothing undecoded,
// and the fields that show each part was understood.
func TestTsharkDecodes(t *testing.T) {
	tshark.Require(t)
	cases := conformanceCases(t)
	checks := map[string]tshark.Check{
		"message-ipm": {Require: []string{
			"p1.message_element", "p1.message_identifier_element", "p1.originator_name_element",
			"p1.per_recipient_fields", "p1.trace_information", "p1.content_type",
			"p22.ipm_element", "p22.this_IPM_element", "p22.subject", "p22.ia5text.data", "p22.primary_recipients"}},
		"message-p772": {Require: []string{
			"p1.message_element", "p22.subject", "p772.PrimaryPrecedence", "p772.CopyPrecedence",
			"p772.MessageType_element", "p772.ExemptedAddress_element", "p772.ExtendedAuthorisationInfo",
			"p772.DistributionCodes_element", "p772.HandlingInstructions", "p772.MessageInstructions",
			"p772.OriginatorReference", "p772.OriginatorPlad", "p772.Acp127MessageIdentifier"}},
		"message-ipn":  {Require: []string{"p22.ipn_element", "p22.subject_ipm_element", "p22.receipt_fields_element", "p22.receipt_time"}},
		"message-nrn":  {Require: []string{"p22.ipn_element", "p22.non_receipt_fields_element", "p22.non_receipt_reason"}},
		"message-ftbp": {Allow: []string{`^BER: Dissector for OID not implemented`}, Require: []string{"p22.FileTransferParameters_element"}},
		"message-unknown-extensions": {Allow: []string{`^Unknown standard-extension$`, `^BER: Dissector for OID not implemented`},
			Require: []string{"p22.subject"}},
		"report": {Require: []string{"p1.report_element", "p1.report_identifier_element", "p1.subject_identifier_element",
			"p1.non_delivery_reason_code", "p1.message_delivery_time"}},
		"probe": {Require: []string{"p1.probe_element", "p1.probe_identifier_element", "p1.per_recipient_fields"}},
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			tshark.CheckBER(t, b, "P1 Message", checks[name])
		})
	}
}
