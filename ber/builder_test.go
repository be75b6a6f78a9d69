package ber

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"strings"
	"testing"
)

func TestBuilderLengths(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 255, 256, 65535, 65536, 1 << 20} {
		var b Builder
		m := b.Begin(Sequence)
		b.AddPrimitive(OctetString, make([]byte, n))
		b.End(m)
		r := NewReader(b.Bytes(), nil)
		e, err := r.Next()
		if err != nil {
			t.Fatalf("%d: %v", n, err)
		}
		c, _ := e.Children()
		s, err := c.Next()
		if err != nil || len(s.Content) != n || !c.Empty() {
			t.Fatalf("%d: %v", n, err)
		}
		// Compare with encoding/asn1, which writes DER.
		want, _ := asn1.Marshal(struct{ B []byte }{make([]byte, n)})
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%d: differs from encoding/asn1", n)
		}
	}
}

func TestBuilderNesting(t *testing.T) {
	var b Builder
	m1 := b.Begin(Application(0))
	m2 := b.Begin(Context(200))
	b.AddString(PrintableString, strings.Repeat("x", 300))
	b.End(m2)
	b.AddInt(Integer, -1)
	b.End(m1)
	r := NewReader(b.Bytes(), nil)
	e, err := r.Next()
	if err != nil || e.Tag != Application(0) || !r.Empty() {
		t.Fatal(err)
	}
	c, _ := e.Children()
	e2, err := c.Next()
	if err != nil || e2.Tag != Context(200) || e2.HeaderLen != 3+3 {
		t.Fatalf("%v %+v", err, e2.Tag)
	}
	e3, _ := c.Next()
	if v, _ := e3.Int64(); v != -1 {
		t.Error(v)
	}
}

func TestBuilderSetOrder(t *testing.T) {
	var b Builder
	m := b.Begin(Set)
	b.AddInt(Context(3), 1)
	b.AddInt(Application(7), 2)
	b.AddInt(Context(1), 3)
	b.AddInt(Integer, 4)
	b.AddString(Private(0), "p")
	b.EndSet(m)
	want := "310f 020104 470102 810103 830101 c00170"
	if got := hex.EncodeToString(b.Bytes()); got != strings.ReplaceAll(want, " ", "") {
		t.Errorf("SET = %s", got)
	}
	b.Reset()
	m = b.Begin(Set)
	b.AddString(OctetString, "b")
	b.AddString(OctetString, "ab")
	b.AddString(OctetString, "a")
	b.EndSetOf(m)
	want = "310a 040161 040162 04026162"
	if got := hex.EncodeToString(b.Bytes()); got != strings.ReplaceAll(want, " ", "") {
		t.Errorf("SET OF = %s", got)
	}
}

func TestBuilderFail(t *testing.T) {
	var b Builder
	b.Fail(errTest("first"))
	b.Fail(errTest("second"))
	if b.Err() == nil || b.Err().Error() != "first" {
		t.Fatal(b.Err())
	}
	b.Reset()
	if b.Err() != nil {
		t.Fatal("Reset keeps the error")
	}
}

type errTest string

func (e errTest) Error() string { return string(e) }

func TestPrint(t *testing.T) {
	var sb strings.Builder
	err := Print(&sb, h("30 80 02 01 05 06 03 2a0304 13 02 4142 a1 03 0101ff 0000"), nil)
	if err != nil {
		t.Fatal(err)
	}
	out := sb.String()
	for _, want := range []string{"d=0  hl=2 l= inf cons: SEQUENCE", "INTEGER 5", "OBJECT IDENTIFIER 1.2.3.4", `PrintableString "AB"`, "cons:  [1]", "BOOLEAN true"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if err := Print(&sb, h("30 05 0201"), nil); err == nil {
		t.Error("malformed input printed without error")
	}
}

func TestBuilderSetWithIndefiniteRaw(t *testing.T) {
	var b Builder
	m := b.Begin(Set)
	b.AddInt(Context(2), 1)
	b.AddRaw(h("a1 80 0500 0000"))
	b.EndSet(m)
	if got := hex.EncodeToString(b.Bytes()); got != "3109a18005000000820101" {
		t.Errorf("SET = %s", got)
	}
}

func TestBuilderSortedNoAlloc(t *testing.T) {
	var b Builder
	b.buf = make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		b.Reset()
		m := b.Begin(Set)
		b.AddInt(Context(0), 1)
		b.AddInt(Context(1), 2)
		b.AddInt(Context(2), 3)
		b.EndSet(m)
		m = b.Begin(Set)
		b.AddString(OctetString, "a")
		b.AddString(OctetString, "b")
		b.EndSetOf(m)
	})
	if allocs != 0 {
		t.Errorf("%v allocations for sorted SET and SET OF", allocs)
	}
}

func TestBuilderSetOfSortsLarge(t *testing.T) {
	// Enough out-of-order components that the buffer must grow while
	// sorting.
	for _, capacity := range []int{0, 8, 4096} {
		b := NewBuilder(capacity)
		m := b.Begin(Set)
		for i := 50; i > 0; i-- {
			b.AddString(OctetString, strings.Repeat(string(rune('a'+i%26)), i))
		}
		b.EndSetOf(m)
		r := NewReader(b.Bytes(), nil)
		e, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		c, _ := e.Children()
		if n := c.Count(); n != 50 {
			t.Fatalf("Count = %d", n)
		}
		var prev []byte
		for !c.Empty() {
			x, err := c.Next()
			if err != nil {
				t.Fatal(err)
			}
			if prev != nil && bytes.Compare(prev, x.Raw) > 0 {
				t.Fatalf("capacity %d: not sorted", capacity)
			}
			prev = x.Raw
		}
	}
}

func TestReaderSubAndCount(t *testing.T) {
	r := NewReader(nil, &Limits{MaxElements: 3})
	for i := 0; i < 3; i++ {
		s := r.Sub(h("0500"), 100)
		if _, err := s.Next(); err != nil {
			t.Fatal(err)
		}
	}
	s := r.Sub(h("0500"), 100)
	if _, err := s.Next(); err == nil || !strings.Contains(err.Error(), "offset 100: more than 3 elements") {
		t.Fatalf("shared budget: %v", err)
	}
	c := NewReader(h("0500 3080 0500 0000 0401 41"), nil)
	if n := c.Count(); n != 3 {
		t.Errorf("Count = %d", n)
	}
	if n := NewReader(h("0500 0405 41"), nil); n.Count() != -1 {
		t.Error("Count of malformed input")
	}
	in := h("0500 0500")
	if allocs := testing.AllocsPerRun(100, func() {
		s := r.Sub(in, 0)
		s.Count()
	}); allocs != 0 {
		t.Errorf("Sub and Count allocate %v times", allocs)
	}
}

func TestBuilderBeginPrimitiveAppend(t *testing.T) {
	var b Builder
	m := b.BeginPrimitive(TeletexString)
	b.Append(func(buf []byte) ([]byte, error) { return append(buf, strings.Repeat("x", 200)...), nil })
	b.End(m)
	b.Append(func(buf []byte) ([]byte, error) { return append(buf, "junk"...), errTest("no") })
	if b.Err() == nil || b.Len() != 203 {
		t.Fatalf("len %d err %v", b.Len(), b.Err())
	}
	r := NewReader(b.Bytes(), nil)
	e, err := r.Next()
	if err != nil || e.Constructed || len(e.Content) != 200 || e.Tag != TeletexString {
		t.Fatalf("%v %+v", err, e)
	}
}
