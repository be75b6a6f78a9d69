package ber

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestHeaderForms(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		tag     Tag
		cons    bool
		content string
		indef   bool
	}{
		{"short", "04 03 616263", OctetString, false, "616263", false},
		{"long form 1", "04 81 03 616263", OctetString, false, "616263", false},
		{"long form non-minimal", "04 83 000003 616263", OctetString, false, "616263", false},
		{"application", "60 00", Application(0), true, "", false},
		{"context", "a5 02 0500", Context(5), true, "0500", false},
		{"private", "c1 01 ff", Private(1), false, "ff", false},
		{"high tag", "9f 1f 01 00", Context(31), false, "00", false},
		{"high tag two octets", "bf 87 68 00", Context(1000), true, "", false},
		{"indefinite", "30 80 0500 0000", Sequence, true, "0500", true},
		{"nested indefinite", "30 80 a0 80 0500 0000 0000", Sequence, true, "a0800500 0000", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := h(tc.in)
			r := NewReader(in, nil)
			e, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if e.Tag != tc.tag || e.Constructed != tc.cons || e.Indefinite != tc.indef {
				t.Errorf("got %v cons=%v indef=%v", e.Tag, e.Constructed, e.Indefinite)
			}
			if !bytes.Equal(e.Content, h(tc.content)) {
				t.Errorf("content %x, want %s", e.Content, tc.content)
			}
			if !bytes.Equal(e.Raw, in) {
				t.Errorf("raw %x, want %x", e.Raw, in)
			}
			if !r.Empty() {
				t.Errorf("%d bytes left", len(r.Rest()))
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	tests := []struct {
		name, in string
		off      int
		msg      string
	}{
		{"empty", "", 0, "unexpected end"},
		{"one byte", "30", 0, "truncated element header"},
		{"length past end", "04 05 6162", 0, "claims 5 content octets, only 2 present"},
		{"huge length", "04 84 7fffffff 00", 0, "claims"},
		{"length over 31 bits", "04 88 0100000000000000", 1, "31 bits"},
		{"truncated long length", "04 82 01", 1, "truncated long-form length"},
		{"reserved length", "04 ff", 1, "reserved"},
		{"indefinite primitive", "04 80 0000", 1, "indefinite length on a primitive"},
		{"no eoc", "30 80 0500", 4, "no end-of-contents"},
		{"truncated high tag", "1f 81", 0, "truncated high tag"},
		{"high tag leading zero", "1f 80 01 00", 1, "leading zero"},
		{"bare eoc", "00 00", 0, "unexpected end-of-contents"},
		{"inner element past end", "30 80 04 05 00 0000", 2, "claims 5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(h(tc.in), nil)
			_, err := r.Next()
			var be *Error
			if !errors.As(err, &be) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if be.Offset != tc.off || !strings.Contains(be.Msg, tc.msg) {
				t.Errorf("got offset %d %q, want %d %q", be.Offset, be.Msg, tc.off, tc.msg)
			}
		})
	}
}

func TestDepthLimit(t *testing.T) {
	var in []byte
	for i := 0; i < 10; i++ {
		in = append(in, 0x30, 0x80)
	}
	for i := 0; i < 10; i++ {
		in = append(in, 0, 0)
	}
	r := NewReader(in, &Limits{MaxDepth: 5})
	_, err := r.Next()
	if err == nil || !strings.Contains(err.Error(), "nesting deeper than 5") {
		t.Fatalf("indefinite: err = %v", err)
	}
	// Definite lengths: the limit bites when the caller descends.
	def := []byte{0x05, 0x00}
	for i := 0; i < 10; i++ {
		def = append([]byte{0x30, byte(len(def))}, def...)
	}
	r = NewReader(def, &Limits{MaxDepth: 5})
	var walk func(r Reader) error
	walk = func(r Reader) error {
		for !r.Empty() {
			e, err := r.Next()
			if err != nil {
				return err
			}
			if e.Constructed {
				c, _ := e.Children()
				if err := walk(c); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(r); err == nil || !strings.Contains(err.Error(), "nesting deeper than 5") {
		t.Fatalf("definite: err = %v", err)
	}
}

func TestElementLimit(t *testing.T) {
	in := bytes.Repeat([]byte{0x05, 0x00}, 100)
	r := NewReader(in, &Limits{MaxElements: 50})
	n := 0
	var err error
	for !r.Empty() {
		if _, err = r.Next(); err != nil {
			break
		}
		n++
	}
	if n != 50 || err == nil || !strings.Contains(err.Error(), "more than 50 elements") {
		t.Fatalf("n=%d err=%v", n, err)
	}
	var be *Error
	if errors.As(err, &be); be.Offset != 100 {
		t.Errorf("offset %d, want 100", be.Offset)
	}
}

func TestConstructedStrings(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"primitive", "04 03 616263", "abc"},
		{"constructed definite", "24 08 0402 6162 0402 6364", "abcd"},
		{"constructed indefinite", "24 80 0402 6162 0401 63 0000", "abc"},
		{"nested", "24 80 24 06 0401 61 0401 62 0401 63 0000", "abc"},
		{"implicit tag constructed", "a3 80 0401 78 0401 79 0000", "xy"},
		{"empty constructed", "24 00", ""},
		{"printable constructed", "33 06 1302 4142 1300", "AB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(h(tc.in), nil)
			e, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %q want %q", got, tc.want)
			}
		})
	}
	// A segment of the wrong kind.
	r := NewReader(h("24 04 3002 0500"), nil)
	e, _ := r.Next()
	if _, err := e.Bytes(); err == nil || !strings.Contains(err.Error(), "SEQUENCE segment") {
		t.Errorf("err = %v", err)
	}
}

func TestPrimitives(t *testing.T) {
	ints := map[string]int64{
		"020100": 0, "02017f": 127, "02020080": 128, "020180": -128, "0202ff7f": -129,
		"02020100": 256, "0208 7fffffffffffffff": 1<<63 - 1, "0208 8000000000000000": -1 << 63,
		"0203 000001": 1, // redundant leading octets, not DER but BER peers send them
	}
	for in, want := range ints {
		r := NewReader(h(in), nil)
		e, _ := r.Next()
		got, err := e.Int64()
		if err != nil || got != want {
			t.Errorf("%s: got %d, %v; want %d", in, got, err, want)
		}
		var b Builder
		b.AddInt(Integer, want)
		if in != "0203 000001" && hex.EncodeToString(b.Bytes()) != strings.ReplaceAll(in, " ", "") {
			t.Errorf("encode %d = %x, want %s", want, b.Bytes(), in)
		}
	}
	for _, bad := range []string{"0200", "0209 010000000000000000", "2203 020100"} {
		r := NewReader(h(bad), nil)
		e, _ := r.Next()
		if _, err := e.Int64(); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	r := NewReader(h("0101 01 0101 00 0102 0000 0500 0501 00"), nil)
	for i, want := range []bool{true, false} {
		e, _ := r.Next()
		if v, err := e.Bool(); err != nil || v != want {
			t.Errorf("bool %d: %v %v", i, v, err)
		}
	}
	e, _ := r.Next()
	if _, err := e.Bool(); err == nil {
		t.Error("2-octet BOOLEAN accepted")
	}
	e, _ = r.Next()
	if err := e.Null(); err != nil {
		t.Error(err)
	}
	e, _ = r.Next()
	if err := e.Null(); err == nil {
		t.Error("NULL with contents accepted")
	}
}

func TestOID(t *testing.T) {
	for _, s := range []string{"2.6.1.4.2", "1.3.26.0.4406.0.4.1", "0.9.2342.19200300.100.1.1", "2.999.3", "1.2.840.113549"} {
		o, err := NewOID(s)
		if err != nil {
			t.Fatal(err)
		}
		if o.String() != s {
			t.Errorf("%s -> %s", s, o)
		}
		var b Builder
		b.AddOID(ObjectID, o)
		r := NewReader(b.Bytes(), nil)
		e, _ := r.Next()
		got, err := e.OID()
		if err != nil || !got.Equal(o) || !e.IsOID(o) {
			t.Errorf("%s: %v %v", s, got, err)
		}
	}
	if !MustOID("2.6.1.4.2").HasPrefix(MustOID("2.6.1")) || MustOID("2.6.10").HasPrefix(MustOID("2.6.1")) {
		t.Error("HasPrefix")
	}
	for _, bad := range []string{"0600", "0601 80", "0602 8001", "060a 8f8f8f8f8f8f8f8f8f01"} {
		r := NewReader(h(bad), nil)
		e, _ := r.Next()
		if _, err := e.OID(); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	for _, bad := range []string{"1", "3.1", "1.40", "1.x"} {
		if _, err := NewOID(bad); err == nil {
			t.Errorf("NewOID(%q) accepted", bad)
		}
	}
}

func TestBitString(t *testing.T) {
	r := NewReader(h("0302 07 80  2380 0302 00 ff 0302 04 f0 0000  0300  0302 08 00"), nil)
	e, _ := r.Next()
	bs, err := e.BitString()
	if err != nil || bs.Len != 1 || !bs.At(0) || bs.At(1) {
		t.Errorf("primitive: %+v %v", bs, err)
	}
	e, _ = r.Next()
	bs, err = e.BitString()
	if err != nil || bs.Len != 12 || !bs.At(11) || bs.At(12) {
		t.Errorf("constructed: %+v %v", bs, err)
	}
	for i := 0; i < 2; i++ {
		e, _ = r.Next()
		if _, err := e.BitString(); err == nil {
			t.Errorf("bad bit string %d accepted", i)
		}
	}
	v := uint32(1<<0 | 1<<3 | 1<<9)
	b := BitsFromUint32(v)
	if b.Len != 10 || b.Uint32Bits() != v {
		t.Errorf("BitsFromUint32: %+v", b)
	}
	var w Builder
	w.AddNamedBits(BitStringTag, BitString{Bytes: []byte{0x90, 0x00}, Len: 16})
	if got := hex.EncodeToString(w.Bytes()); got != "03020490" {
		t.Errorf("named bits DER = %s", got)
	}
	w.Reset()
	w.AddNamedBits(BitStringTag, BitString{})
	if got := hex.EncodeToString(w.Bytes()); got != "030100" {
		t.Errorf("empty named bits DER = %s", got)
	}
}

func TestTimes(t *testing.T) {
	utc := map[string]time.Time{
		"261122205521Z":     time.Date(2026, 11, 22, 20, 55, 21, 0, time.UTC),
		"9912312359Z":       time.Date(1999, 12, 31, 23, 59, 0, 0, time.UTC),
		"2611222055+0100":   time.Date(2026, 11, 22, 19, 55, 0, 0, time.UTC),
		"261122205521-0130": time.Date(2026, 11, 22, 22, 25, 21, 0, time.UTC),
	}
	for in, want := range utc {
		got, ok := ParseUTCTime([]byte(in))
		if !ok || !got.Equal(want) {
			t.Errorf("%s: %v %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "2611", "261322205521Z", "261131205521Z", "261122205521", "26112220552aZ", "261122205521+2400"} {
		if _, ok := ParseUTCTime([]byte(bad)); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	gen := map[string]time.Time{
		"20261122205521Z":      time.Date(2026, 11, 22, 20, 55, 21, 0, time.UTC),
		"20261122205521.125Z":  time.Date(2026, 11, 22, 20, 55, 21, 125e6, time.UTC),
		"2026112220":           time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC),
		"20261122205521+0200":  time.Date(2026, 11, 22, 18, 55, 21, 0, time.UTC),
		"20240229000000,5Z":    time.Date(2024, 2, 29, 0, 0, 0, 5e8, time.UTC),
		"20261122205521.0001Z": time.Date(2026, 11, 22, 20, 55, 21, 1e5, time.UTC),
	}
	for in, want := range gen {
		got, ok := ParseGeneralizedTime([]byte(in))
		if !ok || !got.Equal(want) {
			t.Errorf("%s: %v %v", in, got, ok)
		}
	}
	for _, bad := range []string{"2026", "20230229000000Z", "20261122205521.Z", "202611222055.5Z"} {
		if _, ok := ParseGeneralizedTime([]byte(bad)); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	tm := time.Date(2026, 11, 22, 20, 55, 21, 125e6, time.FixedZone("", 3600))
	if got := string(AppendUTCTime(nil, tm)); got != "261122195521Z" {
		t.Errorf("UTCTime %s", got)
	}
	if got := string(AppendGeneralizedTime(nil, tm)); got != "20261122195521.125Z" {
		t.Errorf("GeneralizedTime %s", got)
	}
	var b Builder
	b.AddUTCTime(UTCTimeTag, tm)
	r := NewReader(b.Bytes(), nil)
	e, _ := r.Next()
	if got, err := e.UTCTime(); err != nil || !got.Equal(tm.Truncate(time.Second)) {
		t.Errorf("round trip %v %v", got, err)
	}
}

func TestExpectOptionalEnd(t *testing.T) {
	r := NewReader(h("a0 00 81 01 05 02 01 07"), nil)
	if _, ok, err := r.Optional(Context(5)); ok || err != nil {
		t.Fatal("optional absent")
	}
	if _, ok, err := r.Optional(Context(0)); !ok || err != nil {
		t.Fatal("optional present")
	}
	if _, err := r.Expect(Integer); err == nil || !strings.Contains(err.Error(), "expected INTEGER, found [1]") {
		t.Fatalf("expect err = %v", err)
	}
	if _, err := r.Expect(Context(1)); err != nil {
		t.Fatal(err)
	}
	if err := r.End("Thing"); err == nil || !strings.Contains(err.Error(), "unexpected INTEGER at the end of Thing") {
		t.Fatalf("end err = %v", err)
	}
	var err error = &Error{Offset: 7, Msg: "bad"}
	err = Annotate(Annotate(err, "originator-name"), "envelope")
	if got := err.Error(); got != "ber: envelope.originator-name: offset 7: bad" {
		t.Errorf("annotated: %s", got)
	}
}

func TestBudget(t *testing.T) {
	in := h("3006 0500 0500 0500")
	var bu Budget
	r := bu.Reader(in, 10, &Limits{MaxElements: 3})
	e, err := r.Next()
	if err != nil || e.Offset != 10 {
		t.Fatalf("%v offset %d", err, e.Offset)
	}
	c, _ := e.Children()
	c.Next()
	c.Next()
	if _, err := c.Next(); err == nil || !strings.Contains(err.Error(), "offset 16: more than 3 elements") {
		t.Fatalf("budget not shared: %v", err)
	}
	if tg, cons, ok := PeekTag(in); !ok || !cons || tg != Sequence {
		t.Errorf("PeekTag = %v %v %v", tg, cons, ok)
	}
	if _, _, ok := PeekTag(h("1f 81")); ok {
		t.Error("PeekTag of a truncated high tag")
	}
	if a := testing.AllocsPerRun(100, func() {
		var bu Budget
		r := bu.Reader(in, 0, nil)
		r.Next()
	}); a != 0 {
		t.Errorf("%v allocations", a)
	}
}
