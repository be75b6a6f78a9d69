package ber

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// walk reads every element of r recursively and re-encodes the tree as
// DER into b (primitive contents as they are, constructed strings merged
// when they carry a universal string tag, everything else with definite
// lengths).
func walk(r Reader, b *Builder) error {
	for !r.Empty() {
		e, err := r.Next()
		if err != nil {
			return err
		}
		if !e.Constructed {
			b.AddPrimitive(e.Tag, e.Content)
			continue
		}
		if e.Tag.IsString() {
			v, err := e.Bytes()
			if err != nil {
				return err
			}
			b.AddPrimitive(e.Tag, v)
			continue
		}
		c, err := e.Children()
		if err != nil {
			return err
		}
		m := b.Begin(e.Tag)
		if err := walk(c, b); err != nil {
			return err
		}
		b.End(m)
	}
	return nil
}

func seeds(f *testing.F) {
	for _, s := range []string{
		"3080 0201 05 0000", "24 80 0402 6162 0401 63 0000", "bf 87 68 00", "30 03 0201 05",
		"a0 80 30 80 04 80 0000 0000 0000", "0302 07 80", "0603 2a0304", "170d 3236313132323230353532315a",
	} {
		f.Add(h(s))
	}
	// Bytes that other packages save from real traffic, when present.
	files, _ := filepath.Glob("../x400/testdata/*.ber")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

// FuzzReader reads arbitrary input as a tree of elements. It must never
// panic, and whatever it accepts must re-encode as DER that reads back to
// the same DER.
func FuzzReader(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		lim := &Limits{MaxDepth: 32, MaxElements: 10000}
		var b Builder
		if err := walk(NewReader(in, lim), &b); err != nil {
			return
		}
		der := append([]byte(nil), b.Bytes()...)
		var b2 Builder
		if err := walk(NewReader(der, nil), &b2); err != nil {
			t.Fatalf("DER re-encoding does not read: %v", err)
		}
		if !bytes.Equal(der, b2.Bytes()) {
			t.Fatalf("DER not stable")
		}
		// The typed accessors must not panic either.
		r := NewReader(in, lim)
		for !r.Empty() {
			e, err := r.Next()
			if err != nil {
				break
			}
			e.Int64()
			e.Bool()
			e.OID()
			e.BitString()
			e.UTCTime()
			e.GeneralizedTime()
			PrimitiveValue(&e)
		}
	})
}
