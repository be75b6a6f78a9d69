package x400

import (
	"bytes"
	"os"
	"testing"
	"time"
)

// FuzzInformationObject checks that decoding never panics and that what
// decodes re-encodes to DER that decodes again and is stable.
func FuzzInformationObject(f *testing.F) {
	if golden, err := os.ReadFile("testdata/ipm_pp_1988.ber"); err == nil {
		f.Add(golden)
	}
	seeds := []*InformationObject{SampleIPM(), SampleIPN(), SampleNRN(), ipmTMinimal(),
		ipmTWithBody(
			BodyPart{Kind: BodyPartTeletex, Teletex: &TeletexBodyPart{NumberOfPages: 1, Data: [][]byte{[]byte("caf\xc2e")}}},
			BodyPart{Kind: BodyPartMessage, Extended: true, Message: &MessageBodyPart{DeliveryTime: time.Unix(1e9, 0), IPM: *ipmTMinimal().IPM}},
			BodyPart{Kind: BodyPartBilaterallyDefined, BilaterallyDefined: []byte{1, 2}},
			BodyPart{Kind: BodyPartVideotex, Videotex: &VideotexBodyPart{Data: []byte("v")}},
			NewGeneralTextBodyPart("Grüße"),
		),
		{IPN: &IPN{SubjectIPM: IPMIdentifier{LocalID: "x"}, Other: []IPMSExtension{{Type: IDOnChangeOfAddressAdvice}}}},
	}
	for _, o := range seeds {
		enc, err := o.Marshal()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte(nil), enc...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := DecodeInformationObject(b, nil)
		if err != nil {
			return
		}
		enc, err := o.Marshal()
		if err != nil {
			t.Fatalf("decoded but cannot encode: %v", err)
		}
		enc = append([]byte(nil), enc...)
		o2, err := DecodeInformationObject(enc, nil)
		if err != nil {
			t.Fatalf("cannot decode own encoding: %v\n%x", err, enc)
		}
		enc2, err := o2.Marshal()
		if err != nil {
			t.Fatalf("second encode: %v", err)
		}
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding not stable:\n%x\n%x", enc, enc2)
		}
		// The text accessors must not panic either.
		for _, m := range []*IPM{o.IPM, ipmFuzzReturned(o)} {
			if m == nil {
				continue
			}
			for i := range m.Body {
				m.Body[i].Text()
				if ft := m.Body[i].FileTransfer; ft != nil {
					ft.Content()
					ft.FileName()
				}
			}
			_ = m.Heading.ThisIPM.String()
		}
	})
}

func ipmFuzzReturned(o *InformationObject) *IPM {
	if o.IPN != nil && o.IPN.NonReceipt != nil {
		return o.IPN.NonReceipt.ReturnedIPM
	}
	return nil
}
