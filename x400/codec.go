package x400

import (
	"encoding/binary"
	"errors"
	"unsafe"

	"mixerd/ber"
)

// The codec conventions of this package. A type T has
//
//	func (x *T) decode(e *ber.Element) error
//	func (x T) encode(b *ber.Builder, t ber.Tag)   (or a pointer receiver)
//
// decode reads the value from the element e, whatever e's tag (the caller
// has chosen the element by its tag, implicit tagging being the default in
// the X.400 modules); encode writes the whole element with tag t. A CHOICE
// type has decode(e) that dispatches on e.Tag and encode(b) without a tag.
// An encoder that meets a value it cannot write calls b.Fail. Decoders wrap
// errors with ber.Annotate(err, "field-name") using the ASN.1 component
// names, so that an error names the path of the element being read.

// listCap is the capacity to give a list whose elements r holds: their
// number (ber.Reader.Count), so that the list is allocated once, but at
// most maxListPrealloc. Count reads only headers, so a peer could claim a
// huge list of two-octet elements that fail to decode; the bound keeps
// such input from making an allocation far larger than itself before the
// first element's error stops the decoding (past the bound, the list
// grows as elements actually decode).
func listCap(r *ber.Reader) int {
	return min(max(r.Count(), 0), maxListPrealloc)
}

const maxListPrealloc = 1024

// str returns the contents of a string element as a Go string without
// copying when the element is primitive (the string aliases the input), or
// the concatenated segments of a constructed one.
func str(e *ber.Element) (string, error) {
	c, err := e.Bytes()
	if err != nil {
		return "", err
	}
	return unsafeString(c), nil
}

func unsafeString(c []byte) string {
	if len(c) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(c), len(c))
}

// printableStr reads a PrintableString (X.680 §41.4), checking its
// character set.
func printableStr(e *ber.Element) (string, error) {
	s, err := str(e)
	if err != nil {
		return "", err
	}
	if !IsPrintableString(s) {
		return "", e.Errorf("%s: character outside PrintableString in %q", e.Tag, s)
	}
	return s, nil
}

// numericStr reads a NumericString (digits and space).
func numericStr(e *ber.Element) (string, error) {
	s, err := str(e)
	if err != nil {
		return "", err
	}
	if !IsNumericString(s) {
		return "", e.Errorf("%s: character outside NumericString in %q", e.Tag, s)
	}
	return s, nil
}

// ia5Str reads an IA5String (7-bit).
func ia5Str(e *ber.Element) (string, error) {
	s, err := str(e)
	if err != nil {
		return "", err
	}
	if !IsIA5String(s) {
		return "", e.Errorf("%s: octet outside IA5String in %q", e.Tag, s)
	}
	return s, nil
}

// teletexStr reads a TeletexString and returns it as UTF-8. T.61 bytes
// 0x00-0x7F decode to themselves (see T61ToUTF8), so a 7-bit string is
// returned as it is, aliasing the input like the other string helpers;
// only a string with 8-bit bytes is converted (and allocated).
func teletexStr(e *ber.Element) (string, error) {
	c, err := e.Bytes()
	if err != nil {
		return "", err
	}
	if codecIs7Bit(c) {
		return unsafeString(c), nil
	}
	s, err := T61ToUTF8(c)
	if err != nil {
		return "", e.Errorf("%s: %v", e.Tag, err)
	}
	return s, nil
}

// codecIs7Bit reports whether every byte of c is below 0x80.
func codecIs7Bit(c []byte) bool {
	for len(c) >= 8 {
		if binary.LittleEndian.Uint64(c)&0x8080808080808080 != 0 {
			return false
		}
		c = c[8:]
	}
	for _, x := range c {
		if x >= 0x80 {
			return false
		}
	}
	return true
}

// addTeletex writes s (UTF-8) as a TeletexString with tag t, converting
// straight into the Builder's buffer.
func addTeletex(b *ber.Builder, t ber.Tag, s string) {
	m := b.BeginPrimitive(t)
	b.Append(func(buf []byte) ([]byte, error) { return AppendUTF8ToT61(buf, s) })
	b.End(m)
}

// explicit returns the single element inside the explicitly tagged e.
func explicit(e *ber.Element) (ber.Element, error) {
	r, err := e.Children()
	if err != nil {
		return ber.Element{}, err
	}
	c, err := r.Next()
	if err != nil {
		return ber.Element{}, err
	}
	if !r.Empty() {
		// Tag.String allocates: only on the error path.
		return ber.Element{}, r.End(e.Tag.String())
	}
	return c, nil
}

// Raw is an element kept as its encoding: an unknown component, an open
// type (ANY / ABSTRACT-SYNTAX.&Type) the package does not decode, or a
// value relayed byte for byte.
type Raw []byte

func (r Raw) encode(b *ber.Builder) { b.AddRaw(r) }

// addKept writes raw, an element kept as its encoding, back into b. It
// checks that raw is exactly one well-formed BER element (so that a bad
// value can corrupt neither the output nor a SET being sorted), of tag want
// unless want is the zero Tag, and constructed if constructed is set; if
// not, it fails the builder with an error naming what and the reason, and
// writes nothing. A definite-length element is written byte for byte; an
// indefinite-length outer element is written with a definite length (its
// contents unchanged), as DER and the sorting of SET and SET OF need.
func addKept(b *ber.Builder, raw Raw, what string, want ber.Tag, constructed bool) {
	r := ber.NewReader(raw, nil)
	e, err := keptElement(&r, want, constructed)
	if err != nil {
		b.Fail(keptError("x400: ", what, err))
		return
	}
	if !e.Indefinite {
		b.AddRaw(raw)
		return
	}
	m := b.Begin(e.Tag)
	b.AddRaw(e.Content)
	b.End(m)
}

// keptElement reads the one element of a kept encoding from r (a Reader
// over the whole encoding, made by the caller so that the element's state
// does not escape), with the checks of addKept; the error says what is
// wrong.
func keptElement(r *ber.Reader, want ber.Tag, constructed bool) (ber.Element, error) {
	e, err := r.Next()
	switch {
	case err != nil:
	case !r.Empty():
		err = errors.New("bytes after the " + e.Tag.String() + " element")
	case want != (ber.Tag{}) && e.Tag != want:
		err = errors.New(e.Tag.String() + " instead of " + want.String())
	case constructed && !e.Constructed:
		err = errors.New(e.Tag.String() + " is primitive, a constructed encoding was expected")
	}
	return e, err
}

// keptError is the encoder's error for a kept encoding of the component
// what that keptElement refuses; prefix starts the message.
func keptError(prefix, what string, err error) error {
	return errors.New(prefix + what + ": kept encoding is not one BER element: " + err.Error())
}

// seenSet records which components of a SET (or of a SEQUENCE read in any
// order) a decoder has read, one bit each, to reject a component that
// appears twice.
type seenSet uint64

// add records bit, the component called name read from e, or returns the
// error for a second one.
func (s *seenSet) add(e *ber.Element, bit uint, name string) error {
	if *s&(1<<bit) != 0 {
		return seenTwice(e, name)
	}
	*s |= 1 << bit
	return nil
}

// has reports whether bit has been recorded.
func (s seenSet) has(bit uint) bool { return s&(1<<bit) != 0 }

func seenTwice(e *ber.Element, name string) error {
	return ber.Annotate(e.Errorf("%s appears twice", e.Tag), name)
}
