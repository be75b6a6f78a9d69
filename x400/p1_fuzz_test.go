package x400

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"mixerd/ber"
)

// p1FuzzLimits keep the fuzzers' inputs small in depth and count.
var p1FuzzLimits = &ber.Limits{MaxDepth: 32, MaxElements: 20000}

func FuzzMTSAPDU(f *testing.F) {
	files, _ := filepath.Glob("testdata/p1_message_*.ber")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, a := range p1Variety(f) {
		if b, err := a.Marshal(); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		a, err := DecodeMTSAPDU(in, p1FuzzLimits)
		if err != nil {
			return
		}
		enc, err := a.Marshal()
		if err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
		b, err := DecodeMTSAPDU(enc, nil)
		if err != nil {
			t.Fatalf("our encoding does not decode: %v\n%x", err, enc)
		}
		enc2, err := b.Marshal()
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("re-encoding differs (%v):\n%x\n%x", err, enc, enc2)
		}
		// The accessors must not panic either.
		for _, xs := range p1AllExtensions(a) {
			p1CallAccessors(xs)
		}
	})
}

func p1AllExtensions(a *MTSAPDU) []Extensions {
	var out []Extensions
	switch {
	case a.Message != nil:
		out = append(out, a.Message.Envelope.Extensions)
		for _, r := range a.Message.Envelope.PerRecipientFields {
			out = append(out, r.Extensions)
		}
	case a.Probe != nil:
		out = append(out, a.Probe.Extensions)
		for _, r := range a.Probe.PerRecipientFields {
			out = append(out, r.Extensions)
		}
	case a.Report != nil:
		out = append(out, a.Report.Envelope.Extensions, a.Report.Content.Extensions)
		for _, r := range a.Report.Content.PerRecipientFields {
			out = append(out, r.Extensions)
		}
	}
	return out
}

func p1CallAccessors(xs Extensions) {
	xs.RecipientReassignmentProhibited()
	xs.DLExpansionProhibited()
	xs.ConversionWithLossProhibited()
	xs.OriginatorRequestedAlternateRecipient()
	xs.PhysicalForwardingAddress()
	xs.ReportingDLName()
	xs.OriginatorReturnAddress()
	xs.LatestDeliveryTime()
	xs.RequestedDeliveryMethod()
	xs.ContentCorrelator()
	xs.RedirectionHistory()
	xs.DLExpansionHistory()
	xs.OriginatorAndDLExpansionHistory()
	xs.InternalTraceInformation()
	xs.ReportingMTAName()
	xs.CriticalUnsupported()
}

func FuzzMTABind(f *testing.F) {
	files, _ := filepath.Glob("testdata/p1_bind*.ber")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	if b, err := SampleBindArgument().Marshal(); err == nil {
		f.Add(b)
	}
	if b, err := SampleBindResult().Marshal(); err == nil {
		f.Add(b)
	}
	strong := &MTABindArgument{InitiatorName: "m", Credentials: Credentials{Other: Raw{0xa0, 0x00}},
		SecurityContext: []Raw{{0x31, 0x00}}}
	if b, err := strong.Marshal(); err == nil {
		f.Add(b)
	}
	f.Add([]byte{0x05, 0x00})
	f.Add([]byte{0x02, 0x01, 0x02})
	f.Fuzz(func(t *testing.T, in []byte) {
		if a, err := DecodeMTABindArgument(in, p1FuzzLimits); err == nil {
			enc, err := a.Marshal()
			if err != nil {
				t.Fatalf("bind argument does not encode: %v", err)
			}
			b, err := DecodeMTABindArgument(enc, nil)
			if err != nil {
				t.Fatalf("our bind argument does not decode: %v", err)
			}
			enc2, err := b.Marshal()
			if err != nil || !bytes.Equal(enc, enc2) {
				t.Fatalf("bind argument re-encoding differs: %x %x", enc, enc2)
			}
		}
		if a, err := DecodeMTABindResult(in, p1FuzzLimits); err == nil {
			enc, err := a.Marshal()
			if err != nil {
				t.Fatalf("bind result does not encode: %v", err)
			}
			b, err := DecodeMTABindResult(enc, nil)
			if err != nil {
				t.Fatalf("our bind result does not decode: %v", err)
			}
			enc2, err := b.Marshal()
			if err != nil || !bytes.Equal(enc, enc2) {
				t.Fatalf("bind result re-encoding differs: %x %x", enc, enc2)
			}
		}
		if e, err := DecodeMTABindError(in, p1FuzzLimits); err == nil {
			enc, err := e.Marshal()
			if err != nil {
				t.Fatalf("bind error does not encode: %v", err)
			}
			if e2, err := DecodeMTABindError(enc, nil); err != nil || e2 != e {
				t.Fatalf("bind error round trip: %v %v", e2, err)
			}
		}
	})
}
