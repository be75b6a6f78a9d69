package ber

import (
	"os"
	"testing"
)

// visit reads every element of r recursively, touching each primitive's
// contents, without building anything.
func visit(r Reader) (n int, err error) {
	for !r.Empty() {
		e, err := r.Next()
		if err != nil {
			return n, err
		}
		n++
		if e.Constructed {
			c, err := e.Children()
			if err != nil {
				return n, err
			}
			m, err := visit(c)
			n += m
			if err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func ppMessage(tb testing.TB) []byte {
	b, err := os.ReadFile("../x400/testdata/p1_message_pp1988.ber")
	if err != nil {
		tb.Skip("no vector:", err)
	}
	return b
}

// TestReadingDoesNotCopy checks that reading a whole real message (PP's,
// with indefinite lengths and a constructed content) allocates only the
// Reader's state: no element's bytes are copied.
func TestReadingDoesNotCopy(t *testing.T) {
	in := ppMessage(t)
	var n int
	allocs := testing.AllocsPerRun(50, func() {
		var err error
		if n, err = visit(NewReader(in, nil)); err != nil {
			t.Fatal(err)
		}
	})
	if n < 50 || allocs > 1 {
		t.Errorf("%d elements read with %v allocations, want <= 1", n, allocs)
	}
}

func BenchmarkReadTree(b *testing.B) {
	in := ppMessage(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := visit(NewReader(in, nil)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildSet(b *testing.B) {
	bld := NewBuilder(1024)
	b.ReportAllocs()
	for b.Loop() {
		bld.Reset()
		m := bld.Begin(Set)
		for i := 0; i < 20; i++ {
			n := bld.Begin(Context(uint32(i)))
			bld.AddString(PrintableString, "organizational unit")
			bld.AddInt(Integer, int64(i*1000))
			bld.End(n)
		}
		bld.EndSet(m)
	}
}
