package rose

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzDecode: Decode must not panic; what decodes must encode and decode
// again to an equal value.
func FuzzDecode(f *testing.F) {
	names, _ := filepath.Glob("testdata/*.ber")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0xa1, 0x0a, 0x02, 0x01, 0x02, 0x80, 0x01, 0x01, 0x06, 0x02, 0x56, 0x01})
	f.Add([]byte{0xa2, 0x0a, 0x02, 0x01, 0x01, 0x30, 0x05, 0x02, 0x01, 0x03, 0x05, 0x00})
	f.Add([]byte{0xa3, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x07, 0x02, 0x01, 0x05})
	f.Add([]byte{0xa4, 0x05, 0x05, 0x00, 0x80, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		out, err := Append(nil, p)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		p2, err := Decode(out)
		if err != nil || !reflect.DeepEqual(p, p2) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, p, p2)
		}
	})
}
