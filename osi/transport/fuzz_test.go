package transport

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func seedVectors(f *testing.F, tpduOnly bool) {
	files, err := filepath.Glob("testdata/*.tpkt")
	if err != nil {
		f.Fatal(err)
	}
	var all []byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		all = append(all, b...)
		if tpduOnly {
			f.Add(b[TPKTHeaderLen:])
		} else {
			f.Add(b)
		}
	}
	if !tpduOnly {
		f.Add(all)
	}
}

// FuzzReadTPKT reads TPKTs from a stream until an error: no panic, every
// packet within the limit and well framed, every error typed or an io one.
func FuzzReadTPKT(f *testing.F) {
	seedVectors(f, false)
	f.Add([]byte{3, 0, 0, 7, 2, 0xf0, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 1024
		r := bytes.NewReader(data)
		var buf []byte
		total := 0
		for {
			pkt, err := ReadTPKT(r, buf, max)
			if err != nil {
				var e *Error
				if err != io.EOF && err != io.ErrUnexpectedEOF && !errors.As(err, &e) {
					t.Fatalf("untyped error %v", err)
				}
				break
			}
			if len(pkt) < MinTPKTLen || len(pkt) > max || cap(pkt) > max || pkt[0] != 3 || int(pkt[2])<<8|int(pkt[3]) != len(pkt) {
				t.Fatalf("bad packet % x", pkt)
			}
			// SplitTPKT agrees with ReadTPKT.
			p2, _, err := SplitTPKT(data[total:], max)
			if err != nil || !bytes.Equal(p2, pkt) {
				t.Fatalf("SplitTPKT % x %v", p2, err)
			}
			total += len(pkt)
			buf = pkt
		}
	})
}

// FuzzDecode decodes a TPDU: no panic; a decoded TPDU encodes and decodes
// again to an equal value; an error is an *Error whose ER encodes.
func FuzzDecode(f *testing.F) {
	seedVectors(f, true)
	for _, s := range []string{
		"0ce0 0000 0001 20 c70100 f0020010",
		"0a80 57b7 57b6 80 e0026869",
		"0870 0001 02 c1020200",
	} {
		f.Add(mustHex(s))
	}
	f.Fuzz(func(t *testing.T, tpdu []byte) {
		tp, err := Decode(tpdu)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("untyped error %v", err)
			}
			er := e.ER(1, tpdu)
			if _, err := er.Append(nil); err != nil {
				t.Fatalf("ER for %v: %v", e, err)
			}
			return
		}
		b, err := tp.Append(nil)
		if err != nil {
			t.Fatalf("%#v: %v", tp, err)
		}
		tp2, err := Decode(b)
		if err != nil {
			t.Fatalf("re-decode % x: %v", b, err)
		}
		if !reflect.DeepEqual(tp, tp2) {
			t.Fatalf("%#v\nre-decoded %#v", tp, tp2)
		}
		if tp.Type() == TypeDT {
			data, eot, err := ParseDT(tpdu)
			d := tp.(*DT)
			if err != nil || eot != d.EOT || !bytes.Equal(data, d.Data) {
				t.Fatal("ParseDT disagrees with Decode")
			}
		}
	})
}
