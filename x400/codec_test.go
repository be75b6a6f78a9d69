package x400

import (
	"bytes"
	"strings"
	"testing"

	"mixerd/ber"
)

func TestAddKept(t *testing.T) {
	for _, tt := range []struct {
		name        string
		raw         []byte
		want        ber.Tag
		constructed bool
		out         []byte // nil: the builder fails
		err         string
	}{
		{name: "definite as is", raw: []byte{0x30, 0x03, 0x04, 0x01, 'x'}, out: []byte{0x30, 0x03, 0x04, 0x01, 'x'}},
		{name: "indefinite outer made definite", raw: []byte{0xa2, 0x80, 0x24, 0x80, 0x04, 0x01, 'x', 0x00, 0x00, 0x00, 0x00},
			want: ber.Context(2), constructed: true, out: []byte{0xa2, 0x07, 0x24, 0x80, 0x04, 0x01, 'x', 0x00, 0x00}},
		{name: "any tag", raw: []byte{0x05, 0x00}, out: []byte{0x05, 0x00}},
		{name: "empty", raw: nil, err: "kept encoding is not one BER element: "},
		{name: "truncated", raw: []byte{0x04, 0x05, 0x00}, err: "kept encoding is not one BER element: "},
		{name: "two elements", raw: []byte{0x05, 0x00, 0x05, 0x00}, err: "bytes after the NULL element"},
		{name: "wrong tag", raw: []byte{0x31, 0x00}, want: ber.Sequence, err: "SET instead of SEQUENCE"},
		{name: "primitive", raw: []byte{0x80, 0x00}, want: ber.Context(0), constructed: true, err: "[0] is primitive, a constructed encoding was expected"},
	} {
		var b ber.Builder
		addKept(&b, tt.raw, "test-component", tt.want, tt.constructed)
		if tt.out != nil {
			if b.Err() != nil || !bytes.Equal(b.Bytes(), tt.out) {
				t.Errorf("%s: % x, %v; want % x", tt.name, b.Bytes(), b.Err(), tt.out)
			}
			continue
		}
		if b.Err() == nil || !strings.Contains(b.Err().Error(), "x400: test-component: ") || !strings.Contains(b.Err().Error(), tt.err) {
			t.Errorf("%s: error %v, want one naming the component and containing %q", tt.name, b.Err(), tt.err)
		}
		if b.Len() != 0 {
			t.Errorf("%s: wrote % x on failure", tt.name, b.Bytes())
		}
	}
}

func TestSeenSet(t *testing.T) {
	var s seenSet
	e := ber.Element{Tag: ber.Context(40), Offset: 7}
	if err := s.add(&e, 40, "forty"); err != nil || !s.has(40) || s.has(0) {
		t.Fatalf("add: %v, has(40) %v, has(0) %v", err, s.has(40), s.has(0))
	}
	if err := s.add(&e, 0, "zero"); err != nil || !s.has(0) {
		t.Fatalf("add 0: %v", err)
	}
	err := s.add(&e, 40, "forty")
	if err == nil || err.Error() != "ber: forty: offset 7: [40] appears twice" {
		t.Errorf("second add: %v", err)
	}
}
