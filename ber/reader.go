package ber

import (
	"bytes"
	"math"
	"math/bits"
)

// state is shared by a Reader and every Reader derived from it, so that
// MaxElements bounds the whole tree.
type state struct {
	maxDepth int
	maxElems int
	count    int
}

// Reader is a cursor over BER-encoded elements. It never copies the bytes
// it reads. The zero Reader is empty.
type Reader struct {
	b     []byte // the bytes not yet read
	off   int    // offset of b[0] in the original input
	depth int    // nesting depth of the elements in b
	st    *state
}

// Budget is the state that a Reader and every Reader derived from it share:
// the limits and the count of elements read. NewReader allocates one; a
// decoder that allocates storage for its result anyway can hold a Budget in
// it and make its Reader with Budget.Reader, saving that allocation. A
// Budget must not be copied after first use.
type Budget struct{ st state }

// Reader returns a Reader over b, whose first byte is at offset base of the
// whole input, that uses bu for its limits (DefaultLimits if lim is nil)
// and its element count.
func (bu *Budget) Reader(b []byte, base int, lim *Limits) Reader {
	bu.st = state{maxDepth: DefaultLimits.MaxDepth, maxElems: DefaultLimits.MaxElements}
	if lim != nil {
		if lim.MaxDepth > 0 {
			bu.st.maxDepth = lim.MaxDepth
		}
		if lim.MaxElements > 0 {
			bu.st.maxElems = lim.MaxElements
		}
	}
	return Reader{b: b, off: base, st: &bu.st}
}

// PeekTag returns the tag and constructed bit of the element that b starts
// with, without reading it; ok is false if b does not start with a well
// formed identifier.
func PeekTag(b []byte) (t Tag, constructed bool, ok bool) {
	r := Reader{b: b}
	return r.Peek()
}

// NewReader returns a Reader over b with the given limits (DefaultLimits if
// nil).
func NewReader(b []byte, lim *Limits) Reader { return NewReaderAt(b, 0, lim) }

// NewReaderAt is NewReader for bytes that start at offset base of a larger
// input (an encoding inside an OCTET STRING, say), so that offsets in
// errors and Elements are offsets in that larger input.
func NewReaderAt(b []byte, base int, lim *Limits) Reader {
	st := &state{maxDepth: DefaultLimits.MaxDepth, maxElems: DefaultLimits.MaxElements}
	if lim != nil {
		if lim.MaxDepth > 0 {
			st.maxDepth = lim.MaxDepth
		}
		if lim.MaxElements > 0 {
			st.maxElems = lim.MaxElements
		}
	}
	return Reader{b: b, off: base, st: st}
}

// Sub returns a Reader over b, an encoding found inside the input of r (an
// OCTET STRING's contents, an open type kept as bytes), that shares r's
// limits and element budget: decoding many small embedded values costs no
// allocation per value, and the budget bounds them all. base is b's offset
// for error messages.
func (r *Reader) Sub(b []byte, base int) Reader {
	st := r.st
	if st == nil {
		st = &state{maxDepth: DefaultLimits.MaxDepth, maxElems: DefaultLimits.MaxElements}
		r.st = st
	}
	return Reader{b: b, off: base, depth: r.depth, st: st}
}

// Count returns the number of elements left to read, for sizing a slice
// before reading a SEQUENCE OF or SET OF. It reads only identifier and
// length octets (and, for indefinite lengths, scans for the end); -1
// means the rest is malformed, which Next will report.
func (r *Reader) Count() int {
	n := 0
	for b := r.b; len(b) > 0; n++ {
		l := elementLen(b)
		if l <= 0 {
			return -1
		}
		b = b[l:]
	}
	return n
}

// Empty reports whether every element has been read.
func (r *Reader) Empty() bool { return len(r.b) == 0 }

// Offset is the offset of the next element in the original input.
func (r *Reader) Offset() int { return r.off }

// Rest returns the bytes not yet read.
func (r *Reader) Rest() []byte { return r.b }

// Element is one TLV read by a Reader. Content and Raw are sub-slices of
// the Reader's input.
type Element struct {
	Tag         Tag
	Constructed bool
	// Indefinite is true when the length octets were the indefinite form
	// (0x80) and the contents end with an end-of-contents element.
	Indefinite bool
	// Offset is the offset of the identifier octets in the original input;
	// HeaderLen is the number of identifier and length octets.
	Offset    int
	HeaderLen int
	// Content is the contents octets (without the end-of-contents of an
	// indefinite-length element).
	Content []byte
	// Raw is the whole encoding, identifier to end (end-of-contents
	// included).
	Raw   []byte
	depth int
	st    *state
}

// ContentOffset is the offset of the first contents octet in the input.
func (e *Element) ContentOffset() int { return e.Offset + e.HeaderLen }

// header parses identifier and length octets at b[0:]. It returns the tag,
// the constructed bit, the content length (-1 for indefinite) and the header
// length. off is used in errors.
func header(b []byte, off int) (t Tag, cons bool, length int, hlen int, err error) {
	if len(b) < 2 {
		if len(b) == 0 {
			return t, false, 0, 0, errorf(off, "unexpected end of input: expected an element")
		}
		return t, false, 0, 0, errorf(off, "truncated element header")
	}
	id := b[0]
	t.Class = Class(id >> 6)
	cons = id&0x20 != 0
	i := 1
	if n := id & 0x1f; n != 0x1f {
		t.Number = uint32(n)
	} else {
		// High tag number form, X.690 §8.1.2.4.
		var v uint64
		for {
			if i >= len(b) {
				return t, false, 0, 0, errorf(off, "truncated high tag number")
			}
			c := b[i]
			if i == 1 && c == 0x80 {
				return t, false, 0, 0, errorf(off+i, "high tag number has a leading zero octet")
			}
			v = v<<7 | uint64(c&0x7f)
			i++
			if v > math.MaxUint32>>1 {
				return t, false, 0, 0, errorf(off, "tag number too large")
			}
			if c&0x80 == 0 {
				break
			}
		}
		t.Number = uint32(v)
	}
	if i >= len(b) {
		return t, false, 0, 0, errorf(off+i, "truncated length")
	}
	l := b[i]
	i++
	switch {
	case l < 0x80:
		length = int(l)
	case l == 0x80:
		if !cons {
			return t, false, 0, 0, errorf(off+i-1, "indefinite length on a primitive element %s", t)
		}
		length = -1
	case l == 0xff:
		return t, false, 0, 0, errorf(off+i-1, "reserved length octet 0xff")
	default:
		n := int(l & 0x7f)
		if i+n > len(b) {
			return t, false, 0, 0, errorf(off+i-1, "truncated long-form length")
		}
		var v uint64
		for _, c := range b[i : i+n] {
			if v > math.MaxInt32>>8 {
				return t, false, 0, 0, errorf(off+i-1, "length does not fit in 31 bits")
			}
			v = v<<8 | uint64(c)
		}
		i += n
		length = int(v)
	}
	if length > len(b)-i {
		return t, false, 0, 0, errorf(off, "%s claims %d content octets, only %d present", t, length, len(b)-i)
	}
	return t, cons, length, i, nil
}

// indefiniteEnd returns the length of the contents of an indefinite-length
// element whose contents start at b[0], not counting the end-of-contents
// octets. It walks the nested elements without recursion.
func (r *Reader) indefiniteEnd(b []byte, off, depth int) (int, error) {
	level := 1
	i := 0
	for {
		if i+2 <= len(b) && b[i] == 0 && b[i+1] == 0 {
			level--
			if level == 0 {
				return i, nil
			}
			i += 2
			continue
		}
		_, cons, length, hlen, err := header(b[i:], off+i)
		if err != nil {
			if len(b)-i < 2 {
				return 0, errorf(off+i, "indefinite-length element has no end-of-contents")
			}
			return 0, err
		}
		if length < 0 {
			level++
			if depth+level > r.st.maxDepth {
				return 0, errorf(off+i, "nesting deeper than %d", r.st.maxDepth)
			}
			_ = cons
			i += hlen
			continue
		}
		i += hlen + length
	}
}

// Next reads the next element.
func (r *Reader) Next() (Element, error) {
	var e Element
	if r.st == nil {
		r.st = &state{maxDepth: DefaultLimits.MaxDepth, maxElems: DefaultLimits.MaxElements}
	}
	t, cons, length, hlen, err := header(r.b, r.off)
	if err != nil {
		return e, err
	}
	if t.Class == ClassUniversal && t.Number == 0 {
		return e, errorf(r.off, "unexpected end-of-contents")
	}
	r.st.count++
	if r.st.count > r.st.maxElems {
		return e, errorf(r.off, "more than %d elements", r.st.maxElems)
	}
	e.Tag, e.Constructed, e.Offset, e.HeaderLen = t, cons, r.off, hlen
	e.depth, e.st = r.depth+1, r.st
	if e.depth > r.st.maxDepth {
		return e, errorf(r.off, "nesting deeper than %d", r.st.maxDepth)
	}
	total := hlen + length
	if length < 0 {
		e.Indefinite = true
		n, err := r.indefiniteEnd(r.b[hlen:], r.off+hlen, e.depth)
		if err != nil {
			return e, err
		}
		length = n
		total = hlen + n + 2
	}
	e.Content = r.b[hlen : hlen+length : hlen+length]
	e.Raw = r.b[:total:total]
	r.b = r.b[total:]
	r.off += total
	return e, nil
}

// Peek returns the tag and constructed bit of the next element without
// reading it. ok is false at the end or on a malformed identifier.
func (r *Reader) Peek() (t Tag, constructed bool, ok bool) {
	if len(r.b) == 0 {
		return t, false, false
	}
	id := r.b[0]
	t.Class = Class(id >> 6)
	constructed = id&0x20 != 0
	if n := id & 0x1f; n != 0x1f {
		t.Number = uint32(n)
		return t, constructed, true
	}
	var v uint64
	for i := 1; i < len(r.b) && i < 6; i++ {
		c := r.b[i]
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 == 0 {
			t.Number = uint32(v)
			return t, constructed, true
		}
	}
	return t, constructed, false
}

// PeekIs reports whether the next element has tag t.
func (r *Reader) PeekIs(t Tag) bool {
	pt, _, ok := r.Peek()
	return ok && pt == t
}

// Expect reads the next element and checks that its tag is t.
func (r *Reader) Expect(t Tag) (Element, error) {
	if len(r.b) == 0 {
		return Element{}, errorf(r.off, "missing %s", t)
	}
	pt, _, ok := r.Peek()
	if ok && pt != t {
		return Element{}, errorf(r.off, "expected %s, found %s", t, pt)
	}
	return r.Next()
}

// Optional reads the next element if its tag is t. present is false (and
// nothing is read) otherwise.
func (r *Reader) Optional(t Tag) (e Element, present bool, err error) {
	if !r.PeekIs(t) {
		return e, false, nil
	}
	e, err = r.Next()
	return e, err == nil, err
}

// End returns an error if any element is left unread; name is the
// structure's name for the message.
func (r *Reader) End(name string) error {
	if len(r.b) == 0 {
		return nil
	}
	t, _, _ := r.Peek()
	return errorf(r.off, "unexpected %s at the end of %s", t, name)
}

// Children returns a Reader over the components of a constructed element.
func (e *Element) Children() (Reader, error) {
	if !e.Constructed {
		return Reader{}, errorf(e.Offset, "%s: expected a constructed encoding", e.Tag)
	}
	return Reader{b: e.Content, off: e.ContentOffset(), depth: e.depth, st: e.st}, nil
}

// Errorf makes an *Error at the element's offset.
func (e *Element) Errorf(format string, args ...any) error {
	return errorf(e.Offset, format, args...)
}

func (e *Element) primitive(what string) error {
	if e.Constructed {
		return errorf(e.Offset, "%s: %s must be primitive", e.Tag, what)
	}
	return nil
}

// Bytes returns the value of a string type (OCTET STRING and the character
// string types, whatever the tag): the contents of the primitive form
// without copying, or the concatenated segments of the constructed form
// (X.690 §8.7.3), which allocates.
func (e *Element) Bytes() ([]byte, error) {
	if !e.Constructed {
		return e.Content, nil
	}
	var out []byte
	if err := e.appendSegments(&out, e.Content, e.ContentOffset(), e.depth); err != nil {
		return nil, err
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

func (e *Element) appendSegments(out *[]byte, b []byte, off, depth int) error {
	r := Reader{b: b, off: off, depth: depth, st: e.st}
	for !r.Empty() {
		s, err := r.Next()
		if err != nil {
			return err
		}
		if s.Tag.Class != ClassUniversal || !s.Tag.IsString() {
			return errorf(s.Offset, "%s segment inside a constructed string", s.Tag)
		}
		if s.Constructed {
			if err := e.appendSegments(out, s.Content, s.ContentOffset(), s.depth); err != nil {
				return err
			}
			continue
		}
		*out = append(*out, s.Content...)
	}
	return nil
}

// Int64 decodes an INTEGER or ENUMERATED value (X.690 §8.3) that fits in 64
// bits. Redundant leading octets, which BER forbids, are accepted.
func (e *Element) Int64() (int64, error) {
	if err := e.primitive("INTEGER"); err != nil {
		return 0, err
	}
	c := e.Content
	if len(c) == 0 {
		return 0, errorf(e.Offset, "%s: empty INTEGER", e.Tag)
	}
	// Drop redundant sign octets.
	for len(c) > 1 && ((c[0] == 0 && c[1]&0x80 == 0) || (c[0] == 0xff && c[1]&0x80 != 0)) {
		c = c[1:]
	}
	if len(c) > 8 {
		return 0, errorf(e.Offset, "%s: INTEGER does not fit in 64 bits", e.Tag)
	}
	var v int64
	if c[0]&0x80 != 0 {
		v = -1
	}
	for _, b := range c {
		v = v<<8 | int64(b)
	}
	return v, nil
}

// Int decodes an INTEGER that fits in an int32 range, the common case for
// X.400 (enumerations and small counts).
func (e *Element) Int() (int, error) {
	v, err := e.Int64()
	if err != nil {
		return 0, err
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, errorf(e.Offset, "%s: INTEGER %d out of range", e.Tag, v)
	}
	return int(v), nil
}

// Bool decodes a BOOLEAN (X.690 §8.2): any non-zero octet is TRUE.
func (e *Element) Bool() (bool, error) {
	if err := e.primitive("BOOLEAN"); err != nil {
		return false, err
	}
	if len(e.Content) != 1 {
		return false, errorf(e.Offset, "%s: BOOLEAN of %d octets", e.Tag, len(e.Content))
	}
	return e.Content[0] != 0, nil
}

// Null checks a NULL (X.690 §8.8).
func (e *Element) Null() error {
	if err := e.primitive("NULL"); err != nil {
		return err
	}
	if len(e.Content) != 0 {
		return errorf(e.Offset, "%s: NULL with contents", e.Tag)
	}
	return nil
}

// OID decodes an OBJECT IDENTIFIER (X.690 §8.19). The result refers to the
// input; it is checked to be well formed.
func (e *Element) OID() (OID, error) {
	if err := e.primitive("OBJECT IDENTIFIER"); err != nil {
		return nil, err
	}
	if err := checkOID(e.Content); err != nil {
		return nil, errorf(e.Offset, "%s: %s", e.Tag, err.Error())
	}
	return OID(e.Content), nil
}

// IsOID reports whether the element's contents are the encoding of o.
func (e *Element) IsOID(o OID) bool {
	return !e.Constructed && bytes.Equal(e.Content, o)
}

// BitString is a BIT STRING value: Len bits, most significant bit of
// Bytes[0] first.
type BitString struct {
	Bytes []byte
	Len   int
}

// At returns bit i (0 when i is beyond the end, as named bit lists read).
func (b BitString) At(i int) bool {
	if i < 0 || i >= b.Len {
		return false
	}
	return b.Bytes[i/8]&(0x80>>(i%8)) != 0
}

// Set returns b with bit i set, growing it as needed.
func (b BitString) Set(i int) BitString {
	if i >= b.Len {
		n := (i + 8) / 8
		if n > len(b.Bytes) {
			nb := make([]byte, n)
			copy(nb, b.Bytes)
			b.Bytes = nb
		}
		b.Len = i + 1
	}
	b.Bytes[i/8] |= 0x80 >> (i % 8)
	return b
}

// BitString decodes a BIT STRING (X.690 §8.6), primitive or constructed.
func (e *Element) BitString() (BitString, error) {
	if !e.Constructed {
		return bitStringPrim(e.Content, e.Offset, e.Tag)
	}
	var out BitString
	r, _ := e.Children()
	for !r.Empty() {
		s, err := r.Next()
		if err != nil {
			return BitString{}, err
		}
		if out.Len%8 != 0 {
			return BitString{}, errorf(s.Offset, "BIT STRING segment after one with unused bits")
		}
		var seg BitString
		if s.Constructed {
			seg, err = s.BitString()
		} else {
			seg, err = bitStringPrim(s.Content, s.Offset, s.Tag)
		}
		if err != nil {
			return BitString{}, err
		}
		out.Bytes = append(out.Bytes, seg.Bytes...)
		out.Len += seg.Len
	}
	return out, nil
}

func bitStringPrim(c []byte, off int, t Tag) (BitString, error) {
	if len(c) == 0 {
		return BitString{}, errorf(off, "%s: BIT STRING without the unused-bits octet", t)
	}
	unused := int(c[0])
	if unused > 7 || (len(c) == 1 && unused != 0) {
		return BitString{}, errorf(off, "%s: BIT STRING with %d unused bits", t, unused)
	}
	return BitString{Bytes: c[1:], Len: (len(c)-1)*8 - unused}, nil
}

// Uint32Bits is a helper for named bit lists of at most 32 bits: bit i of
// the ASN.1 value is bit i of the result.
func (b BitString) Uint32Bits() uint32 {
	var v uint32
	n := b.Len
	if n > 32 {
		n = 32
	}
	for i := 0; i < n; i++ {
		if b.At(i) {
			v |= 1 << i
		}
	}
	return v
}

// BitsFromUint32 makes the named bit list whose bit i is bit i of v, with
// trailing zero bits removed as DER requires (X.690 §11.2.2).
func BitsFromUint32(v uint32) BitString {
	if v == 0 {
		return BitString{}
	}
	n := 32 - bits.LeadingZeros32(v)
	var b BitString
	b.Bytes = make([]byte, (n+7)/8)
	b.Len = n
	for i := 0; i < n; i++ {
		if v&(1<<i) != 0 {
			b.Bytes[i/8] |= 0x80 >> (i % 8)
		}
	}
	return b
}
