package session

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzDecodeTSDU: decoding never panics; what decodes encodes, and decodes
// again to an equal value.
func FuzzDecodeTSDU(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.bin")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x01, 0x00, 0x29, 0x06, 0x0f, 0x01, 0x01, 0x2a, 0x01, 0x31})
	f.Add([]byte{0x0d, 0xff, 0x00, 0x04, 0xc2, 0x02, 0x01, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		ss, err := DecodeTSDU(b)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		out, err := AppendTSDU(nil, ss...)
		if err != nil {
			t.Fatalf("decoded %x but cannot encode: %v", b, err)
		}
		ss2, err := DecodeTSDU(out)
		if err != nil {
			t.Fatalf("re-encoded %x does not decode: %v", out, err)
		}
		if !reflect.DeepEqual(ss, ss2) {
			t.Fatalf("round trip differs:\n%+v\n%+v", ss, ss2)
		}
	})
}
