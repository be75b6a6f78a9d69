package presentation

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func seed(f *testing.F) {
	names, _ := filepath.Glob("testdata/*.ber")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x30, 0x03, 0x80, 0x01, 0x01})
	f.Add([]byte{0xa0, 0x00})
	f.Add([]byte{0x31, 0x00})
}

// FuzzPPDU feeds every decoder: none may panic; what decodes must encode
// and decode again to an equal value.
func FuzzPPDU(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if cp, err := DecodeCP(b); err == nil {
			out, err := AppendCP(nil, cp)
			if err != nil {
				t.Fatalf("CP: %v", err)
			}
			if cp2, err := DecodeCP(out); err != nil || !reflect.DeepEqual(cp, cp2) {
				t.Fatalf("CP round trip: %v", err)
			}
		}
		if cpa, err := DecodeCPA(b); err == nil {
			out, err := AppendCPA(nil, cpa)
			if err != nil {
				t.Fatalf("CPA: %v", err)
			}
			if cpa2, err := DecodeCPA(out); err != nil || !reflect.DeepEqual(cpa, cpa2) {
				t.Fatalf("CPA round trip: %v", err)
			}
		}
		if cpr, err := DecodeCPR(b); err == nil {
			out, err := AppendCPR(nil, cpr)
			if err != nil {
				t.Fatalf("CPR: %v", err)
			}
			if cpr2, err := DecodeCPR(out); err != nil || !reflect.DeepEqual(cpr, cpr2) {
				t.Fatalf("CPR round trip: %v", err)
			}
		}
		if a, err := DecodeAbort(b); err == nil {
			out, err := AppendAbort(nil, a)
			if err != nil {
				t.Fatalf("Abort: %v", err)
			}
			if a2, err := DecodeAbort(out); err != nil || !reflect.DeepEqual(a, a2) {
				t.Fatalf("Abort round trip: %v", err)
			}
		}
		if u, err := DecodeUserData(b); err == nil {
			out, err := AppendUserData(nil, u)
			if err != nil {
				t.Fatalf("User-data: %v", err)
			}
			if u2, err := DecodeUserData(out); err != nil || !reflect.DeepEqual(u, u2) {
				t.Fatalf("User-data round trip: %v", err)
			}
		}
		if p, err := DecodeOnePDV(b); err == nil {
			// The transfer path's decoder agrees with DecodeUserData.
			u, err := DecodeUserData(b)
			if err != nil || u.Simple || len(u.PDVs) != 1 || !reflect.DeepEqual(u.PDVs[0], p) {
				t.Fatalf("DecodeOnePDV gives %+v, DecodeUserData %+v, %v", p, u, err)
			}
			if p.Encoding == SingleASN1Type && p.TransferSyntax == nil {
				// and its header writer agrees with AppendUserData.
				want, err := AppendUserData(nil, Fully(p.ContextID, p.Value))
				got := append(AppendOnePDVHeader(nil, p.ContextID, len(p.Value)), p.Value...)
				if err == nil && !bytes.Equal(got, want) {
					t.Fatalf("AppendOnePDVHeader: %x, AppendUserData: %x", got, want)
				}
			}
		}
		if td, err := DecodeTypedData(b); err == nil {
			out, err := AppendTypedData(nil, td)
			if err != nil {
				t.Fatalf("Typed-data: %v", err)
			}
			if td2, err := DecodeTypedData(out); err != nil || !reflect.DeepEqual(td, td2) {
				t.Fatalf("Typed-data round trip: %v", err)
			}
		}
		if d, err := DecodeRS(b); err == nil {
			out, err := AppendRS(nil, d)
			if err != nil {
				t.Fatalf("RS: %v", err)
			}
			if d2, err := DecodeRS(out); err != nil || !reflect.DeepEqual(d, d2) {
				t.Fatalf("RS round trip: %v", err)
			}
		}
	})
}
