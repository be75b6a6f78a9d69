package x400

import "testing"

func BenchmarkDecodeIPM(b *testing.B) {
	enc, err := SampleIPM().Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := DecodeInformationObject(enc, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeIPM(b *testing.B) {
	o := SampleIPM()
	enc, err := o.Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		if _, err := o.Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}
