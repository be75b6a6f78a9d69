package acse

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
	f.Add([]byte{0x64, 0x03, 0x80, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Decode(b)
		if err != nil {
			return
		}
		out, err := Append(nil, a)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		a2, err := Decode(out)
		if err != nil || !reflect.DeepEqual(a, a2) {
			t.Fatalf("round trip: %v\n%+v\n%+v", err, a, a2)
		}
	})
}
