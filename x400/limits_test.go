package x400

import (
	"bytes"
	"runtime"
	"testing"

	"mixerd/ber"
)

// TestListPreallocationBounded feeds each decoder a list of many two-octet
// elements that do not decode. Lists are sized from a count of the
// elements before they are read (listCap); the count must be bounded so
// that such input cannot make an allocation far larger than itself.
func TestListPreallocationBounded(t *testing.T) {
	const n = 200_000
	wrap := func(tag ber.Tag, parts ...[]byte) []byte {
		var b ber.Builder
		m := b.Begin(tag)
		for _, p := range parts {
			b.AddRaw(p)
		}
		b.End(m)
		return append([]byte(nil), b.Bytes()...)
	}
	emptySets := bytes.Repeat([]byte{0x31, 0x00}, n)
	emptySeqs := bytes.Repeat([]byte{0x30, 0x00}, n)
	cases := map[string]struct {
		in     []byte
		decode func([]byte) error
	}{
		"P1 per-recipient fields": {
			wrap(ber.Context(0), wrap(ber.Set, wrap(ber.Context(2), emptySets))),
			func(b []byte) error { _, err := DecodeMTSAPDU(b, nil); return err },
		},
		"P1 trace": {
			wrap(ber.Context(0), wrap(ber.Set, wrap(ber.Application(9), emptySeqs))),
			func(b []byte) error { _, err := DecodeMTSAPDU(b, nil); return err },
		},
		"IPM primary recipients": {
			wrap(ber.Context(0), wrap(ber.Set, wrap(ber.Context(2), emptySets))),
			func(b []byte) error { _, err := DecodeInformationObject(b, nil); return err },
		},
		"IPM body": {
			wrap(ber.Context(0), wrap(ber.Set), wrap(ber.Sequence, emptySeqs)),
			func(b []byte) error { _, err := DecodeInformationObject(b, nil); return err },
		},
		"O/R address organizational units": {
			wrap(ber.Application(0), wrap(ber.Sequence, wrap(ber.Context(6), bytes.Repeat([]byte{0x13, 0x00}, n)))),
			func(b []byte) error { _, err := DecodeMTSAPDU(wrap(ber.Context(0), wrap(ber.Set, b)), nil); return err },
		},
	}
	for name, c := range cases {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		err := c.decode(c.in)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: decoded", name)
		}
		// The input itself is 400 kB; allow a few times that for the
		// test's own wrapping and the decoder's work.
		if got := after.TotalAlloc - before.TotalAlloc; got > 4*uint64(len(c.in))+1<<20 {
			t.Errorf("%s: %d bytes allocated for %d octets of input", name, got, len(c.in))
		}
	}
	r := ber.NewReader(emptySets, nil)
	if got := listCap(&r); got != maxListPrealloc {
		t.Errorf("listCap = %d", got)
	}
}
