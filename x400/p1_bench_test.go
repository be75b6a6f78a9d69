package x400

import "testing"

func BenchmarkDecodeMTSAPDU(b *testing.B) {
	enc, err := SampleMessage().Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := DecodeMTSAPDU(enc, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeMTSAPDU(b *testing.B) {
	a := SampleMessage()
	enc, err := a.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := a.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}
