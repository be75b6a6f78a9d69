package rtse

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzDecode feeds Decode, the X.410 mode decoders and DecodeTransfer:
// none may panic; what decodes must encode and decode again to an equal
// value.
func FuzzDecode(f *testing.F) {
	names, _ := filepath.Glob("testdata/*.ber")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if a, err := Decode(b); err == nil {
			out, err := Append(nil, a)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if a2, err := Decode(out); err != nil || !reflect.DeepEqual(a, a2) {
				t.Fatalf("round trip: %v\n%+v\n%+v", err, a, a2)
			}
		}
		if q, err := DecodeRTORQ(b, TagX410Params); err == nil {
			out, err := AppendRTORQ(nil, q, TagX410Params)
			if err != nil {
				t.Fatalf("encode RTORQ: %v", err)
			}
			if q2, err := DecodeRTORQ(out, TagX410Params); err != nil || !reflect.DeepEqual(q, q2) {
				t.Fatalf("RTORQ round trip: %v", err)
			}
		}
		if r, err := DecodeRTAB(b, TagSet); err == nil {
			out, err := AppendRTAB(nil, r, TagSet)
			if err != nil {
				t.Fatalf("encode RTAB: %v", err)
			}
			if r2, err := DecodeRTAB(out, TagSet); err != nil || !reflect.DeepEqual(r, r2) {
				t.Fatalf("RTAB round trip: %v", err)
			}
		}
		if x, err := DecodeTransfer(b); err == nil {
			out, err := AppendTransfer(nil, x)
			if err != nil {
				t.Fatalf("encode transfer: %v", err)
			}
			if x2, err := DecodeTransfer(out); err != nil || !reflect.DeepEqual(x, x2) {
				t.Fatalf("transfer round trip: %v", err)
			}
			// The header writer of the transfer path gives the same bytes.
			h, err := AppendTransferHeader(nil, x)
			if err != nil || !bytes.Equal(append(h, x.Value...), out) {
				t.Fatalf("AppendTransferHeader: %x (%v), AppendTransfer: %x", h, err, out)
			}
		}
	})
}
