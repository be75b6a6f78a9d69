package transport

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestSegmentReassemble(t *testing.T) {
	tsdu := make([]byte, 5000)
	for i := range tsdu {
		tsdu[i] = byte(i * 7)
	}
	for _, tc := range []struct {
		size, n, count int
	}{
		{128, 0, 1}, {128, 1, 1}, {128, 125, 1}, {128, 126, 2}, {128, 250, 2}, {128, 251, 3},
		{2048, 5000, 3}, {8192, 5000, 1}, {4, 5, 5},
	} {
		s, err := NewSegmenter(tc.size)
		if err != nil {
			t.Fatal(err)
		}
		in := tsdu[:tc.n]
		if got := s.Count(tc.n); got != tc.count {
			t.Fatalf("size %d, %d octets: Count %d, want %d", tc.size, tc.n, got, tc.count)
		}
		stream, err := s.AppendTPKTs(nil, in)
		if err != nil {
			t.Fatal(err)
		}
		r := NewReassembler(5000)
		var pkts int
		var out []byte
		for len(stream) > 0 {
			var pkt []byte
			pkt, stream, err = SplitTPKT(stream, MaxTPKTLen)
			if err != nil {
				t.Fatal(err)
			}
			pkts++
			if len(pkt)-TPKTHeaderLen > tc.size {
				t.Fatalf("TPDU of %d octets exceeds %d", len(pkt)-TPKTHeaderLen, tc.size)
			}
			data, eot, err := ParseDT(pkt[TPKTHeaderLen:])
			if err != nil {
				t.Fatal(err)
			}
			tsdu, done, err := r.Add(data, eot)
			if err != nil {
				t.Fatal(err)
			}
			if done != (len(stream) == 0) {
				t.Fatalf("done %v with %d octets left", done, len(stream))
			}
			if done {
				out = tsdu
			}
		}
		if pkts != tc.count || !bytes.Equal(out, in) {
			t.Fatalf("size %d, %d octets: %d TPKTs, %d octets back", tc.size, tc.n, pkts, len(out))
		}
	}
	for _, bad := range []int{0, 3, MaxTPDULen + 1} {
		if _, err := NewSegmenter(bad); err == nil {
			t.Fatalf("TPDU size %d accepted", bad)
		}
	}
	if _, err := (Segmenter{}).AppendTPKTs(nil, []byte("x")); err == nil {
		t.Fatal("zero Segmenter accepted")
	}
	// Stopping the iterator early.
	s, _ := NewSegmenter(4)
	n := 0
	for range s.Segments([]byte("abcdef")) {
		n++
		if n == 2 {
			break
		}
	}
}

func TestReassemblerLimit(t *testing.T) {
	r := NewReassembler(10)
	if _, done, err := r.Add([]byte("12345"), false); err != nil || done {
		t.Fatal(done, err)
	}
	if r.Len() != 5 || r.Segments() != 1 {
		t.Fatal(r.Len(), r.Segments())
	}
	_, _, err := r.Add([]byte("678901"), true)
	var e *Error
	if !errors.As(err, &e) || e.PDU != "TSDU" || e.Offset != 5 {
		t.Fatalf("got %v", err)
	}
	if r.Len() != 0 || cap(r.buf) > 10 {
		t.Fatalf("after overflow: %d held, cap %d", r.Len(), cap(r.buf))
	}
	// Exactly the limit is fine, and the buffer is reused.
	tsdu, done, err := r.Add([]byte("1234567890"), true)
	if err != nil || !done || string(tsdu) != "1234567890" {
		t.Fatal(tsdu, done, err)
	}
	p := &tsdu[0]
	tsdu, _, _ = r.Add([]byte("abc"), true)
	if &tsdu[0] != p {
		t.Fatal("buffer not reused")
	}
	allocs := testing.AllocsPerRun(100, func() {
		r.Add([]byte("abcde"), false)
		r.Add([]byte("fghij"), true)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations", allocs)
	}
	// A zero-length TSDU.
	if tsdu, done, err := r.Add(nil, true); err != nil || !done || len(tsdu) != 0 {
		t.Fatal(tsdu, done, err)
	}
	r.Add([]byte("x"), false)
	r.Reset()
	if r.Len() != 0 || r.Max() != 10 {
		t.Fatal(r.Len())
	}
	// A zero limit refuses any data.
	if _, _, err := NewReassembler(0).Add([]byte{1}, true); err == nil {
		t.Fatal("zero limit accepted data")
	}
}

func BenchmarkReadDT(b *testing.B) {
	pkt := readVector(b, "mt88-f12a-init-dt.tpkt")
	rd := bytes.NewReader(pkt)
	buf := make([]byte, 0, 2048)
	r := NewReassembler(1 << 20)
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		rd.Reset(pkt)
		p, err := ReadTPKT(rd, buf, 2048)
		if err != nil && err != io.EOF {
			b.Fatal(err)
		}
		data, eot, err := ParseDT(p[TPKTHeaderLen:])
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := r.Add(data, eot); err != nil {
			b.Fatal(err)
		}
	}
}
