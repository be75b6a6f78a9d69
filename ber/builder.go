package ber

import (
	"bytes"
	"slices"
	"time"
)

// Builder writes DER. Constructed elements are opened with Begin and closed
// with End (or EndSet, EndSetOf); their length is filled in when they are
// closed. The zero Builder is ready to use.
type Builder struct {
	buf []byte
	err error
}

// Fail records err as the Builder's error, unless one is recorded already.
// Encoders that meet a value they cannot write (a character outside a
// string type's set, say) call it instead of returning an error from every
// level; the top-level caller checks Err.
func (b *Builder) Fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// Err is the first error recorded with Fail.
func (b *Builder) Err() error { return b.err }

// NewBuilder returns a Builder whose buffer has the given capacity.
func NewBuilder(capacity int) *Builder { return &Builder{buf: make([]byte, 0, capacity)} }

// Bytes returns the encoding written so far. It is valid until the next
// write.
func (b *Builder) Bytes() []byte { return b.buf }

// Len is the number of bytes written.
func (b *Builder) Len() int { return len(b.buf) }

// Reset empties the Builder, keeping its buffer.
func (b *Builder) Reset() { b.buf, b.err = b.buf[:0], nil }

func appendIdentifier(buf []byte, t Tag, constructed bool) []byte {
	id := byte(t.Class) << 6
	if constructed {
		id |= 0x20
	}
	if t.Number < 31 {
		return append(buf, id|byte(t.Number))
	}
	return appendBase128(append(buf, id|0x1f), uint64(t.Number))
}

func appendLength(buf []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(buf, byte(n))
	case n <= 0xff:
		return append(buf, 0x81, byte(n))
	case n <= 0xffff:
		return append(buf, 0x82, byte(n>>8), byte(n))
	case n <= 0xffffff:
		return append(buf, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		return append(buf, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// Mark is an open constructed element, returned by Begin.
type Mark struct{ lenAt int }

// Begin opens a constructed element with tag t.
func (b *Builder) Begin(t Tag) Mark {
	b.buf = appendIdentifier(b.buf, t, true)
	b.buf = append(b.buf, 0)
	return Mark{lenAt: len(b.buf) - 1}
}

// End closes the element opened by m, writing its length.
func (b *Builder) End(m Mark) {
	start := m.lenAt + 1
	n := len(b.buf) - start
	if n < 0x80 {
		b.buf[m.lenAt] = byte(n)
		return
	}
	var tmp [5]byte
	l := appendLength(tmp[:0], n)
	extra := len(l) - 1
	b.buf = append(b.buf, tmp[:extra]...)
	copy(b.buf[start+extra:], b.buf[start:start+n])
	copy(b.buf[m.lenAt:], l)
}

// components splits the contents of the open element m into its encoded
// components. Components added with AddRaw may use indefinite lengths.
func (b *Builder) components(m Mark) [][]byte {
	n := 0
	b.eachComponent(m, func([]byte) bool { n++; return true })
	out := make([][]byte, 0, n)
	b.eachComponent(m, func(c []byte) bool { out = append(out, c); return true })
	return out
}

// eachComponent calls f with each encoded component of the open element m,
// in order, until f returns false.
func (b *Builder) eachComponent(m Mark, f func([]byte) bool) {
	c := b.buf[m.lenAt+1:]
	for len(c) > 0 {
		n := elementLen(c)
		if n <= 0 {
			panic("ber: Builder holds a malformed component")
		}
		if !f(c[:n]) {
			return
		}
		c = c[n:]
	}
}

// elementLen returns the length of the whole element at b[0], whether its
// length is definite or indefinite, or -1 if it is malformed.
func elementLen(b []byte) int {
	i, level := 0, 0
	for {
		if level > 0 && i+2 <= len(b) && b[i] == 0 && b[i+1] == 0 {
			i += 2
			level--
		} else {
			_, _, length, hlen, err := header(b[i:], 0)
			if err != nil {
				return -1
			}
			if length < 0 {
				level++
				i += hlen
				continue
			}
			i += hlen + length
		}
		if level == 0 {
			return i
		}
	}
}

// rewrite replaces the contents of the open element m with parts (which
// are slices of those contents), assembling them in the buffer's spare
// capacity.
func (b *Builder) rewrite(m Mark, parts [][]byte) {
	start, end := m.lenAt+1, len(b.buf)
	if cap(b.buf)-end < end-start {
		// Grow first: parts must keep pointing at the old contents.
		nb := make([]byte, end, end+(end-start)+end/2)
		copy(nb, b.buf)
		for i, p := range parts {
			off := cap(b.buf[:0]) - cap(p) // p's offset in the old buffer
			parts[i] = nb[off : off+len(p)]
		}
		b.buf = nb
	}
	tmp := b.buf[end:end]
	for _, p := range parts {
		tmp = append(tmp, p...)
	}
	copy(b.buf[start:end], tmp)
}

func compareTags(x, y []byte) int {
	tx, ty := tagOf(x), tagOf(y)
	if tx.Class != ty.Class {
		return int(tx.Class) - int(ty.Class)
	}
	return int(int64(tx.Number) - int64(ty.Number))
}

// sorted reports whether the components of m are in order by cmp, without
// allocating.
func (b *Builder) sorted(m Mark, cmp func(x, y []byte) int) bool {
	var prev []byte
	ok := true
	b.eachComponent(m, func(c []byte) bool {
		if prev != nil && cmp(prev, c) > 0 {
			ok = false
		}
		prev = c
		return ok
	})
	return ok
}

// EndSet closes a SET, putting its components in canonical tag order
// (X.690 §10.3, X.680 §8.6): universal, application, context, private, and
// by number within a class.
func (b *Builder) EndSet(m Mark) {
	if !b.sorted(m, compareTags) {
		parts := b.components(m)
		slices.SortStableFunc(parts, compareTags)
		b.rewrite(m, parts)
	}
	b.End(m)
}

// EndSetOf closes a SET OF, putting its components in the order of their
// encodings (X.690 §11.6).
func (b *Builder) EndSetOf(m Mark) {
	if !b.sorted(m, bytes.Compare) {
		parts := b.components(m)
		slices.SortStableFunc(parts, bytes.Compare)
		b.rewrite(m, parts)
	}
	b.End(m)
}

func tagOf(enc []byte) Tag {
	t, _, _, _, _ := header(enc, 0)
	return t
}

// AddPrimitive writes a primitive element with the given contents.
func (b *Builder) AddPrimitive(t Tag, content []byte) {
	b.buf = appendIdentifier(b.buf, t, false)
	b.buf = appendLength(b.buf, len(content))
	b.buf = append(b.buf, content...)
}

// AddString writes a primitive element whose contents are the bytes of s.
func (b *Builder) AddString(t Tag, s string) {
	b.buf = appendIdentifier(b.buf, t, false)
	b.buf = appendLength(b.buf, len(s))
	b.buf = append(b.buf, s...)
}

// AddRaw writes an element that is already encoded (a value kept byte for
// byte, or an open type).
func (b *Builder) AddRaw(enc []byte) { b.buf = append(b.buf, enc...) }

// AddInt writes an INTEGER or ENUMERATED in the minimal number of octets.
func (b *Builder) AddInt(t Tag, v int64) {
	n := 1
	for x := v; x > 127 || x < -128; x >>= 8 {
		n++
	}
	b.buf = appendIdentifier(b.buf, t, false)
	b.buf = append(b.buf, byte(n))
	for i := n - 1; i >= 0; i-- {
		b.buf = append(b.buf, byte(v>>(8*uint(i))))
	}
}

// AddBool writes a BOOLEAN (TRUE is 0xFF in DER).
func (b *Builder) AddBool(t Tag, v bool) {
	c := byte(0)
	if v {
		c = 0xff
	}
	b.buf = appendIdentifier(b.buf, t, false)
	b.buf = append(b.buf, 1, c)
}

// AddNull writes a NULL.
func (b *Builder) AddNull(t Tag) {
	b.buf = appendIdentifier(b.buf, t, false)
	b.buf = append(b.buf, 0)
}

// AddOID writes an OBJECT IDENTIFIER.
func (b *Builder) AddOID(t Tag, o OID) { b.AddPrimitive(t, o) }

// AddBitString writes a BIT STRING as it is.
func (b *Builder) AddBitString(t Tag, s BitString) {
	nbytes := (s.Len + 7) / 8
	b.buf = appendIdentifier(b.buf, t, false)
	b.buf = appendLength(b.buf, nbytes+1)
	b.buf = append(b.buf, byte(nbytes*8-s.Len))
	start := len(b.buf)
	b.buf = append(b.buf, s.Bytes[:nbytes]...)
	if r := s.Len % 8; r != 0 {
		b.buf[start+nbytes-1] &= 0xff << (8 - r)
	}
}

// AddNamedBits writes a BIT STRING of a named bit list, without trailing
// zero bits as DER requires (X.690 §11.2.2).
func (b *Builder) AddNamedBits(t Tag, s BitString) {
	n := s.Len
	for n > 0 && !s.At(n-1) {
		n--
	}
	s.Len = n
	b.AddBitString(t, s)
}

// AddUTCTime writes a UTCTime in the DER form YYMMDDhhmmssZ.
func (b *Builder) AddUTCTime(t Tag, tm time.Time) {
	b.buf = appendIdentifier(b.buf, t, false)
	b.buf = append(b.buf, 13)
	b.buf = AppendUTCTime(b.buf, tm)
}

// AddGeneralizedTime writes a GeneralizedTime in DER form.
func (b *Builder) AddGeneralizedTime(t Tag, tm time.Time) {
	var tmp [32]byte
	s := AppendGeneralizedTime(tmp[:0], tm)
	b.AddPrimitive(t, s)
}

// BeginPrimitive opens a primitive element with tag t whose contents the
// caller appends (with Append) before closing it with End; for contents
// produced by a conversion, without an intermediate buffer.
func (b *Builder) BeginPrimitive(t Tag) Mark {
	b.buf = appendIdentifier(b.buf, t, false)
	b.buf = append(b.buf, 0)
	return Mark{lenAt: len(b.buf) - 1}
}

// Append lets f append to the Builder's buffer: f gets the buffer and
// returns it extended. If f fails, the buffer is left as it was and the
// error is recorded as with Fail.
func (b *Builder) Append(f func(buf []byte) ([]byte, error)) {
	n := len(b.buf)
	out, err := f(b.buf)
	if err != nil {
		b.buf = b.buf[:n]
		b.Fail(err)
		return
	}
	b.buf = out
}
