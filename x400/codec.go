package x400

import (
	"encoding/binary"
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

// Raw is an element kept as its encoding: an unknown component, an open
// type (ANY / ABSTRACT-SYNTAX.&Type) the package does not decode, or a
// value relayed byte for byte.
type Raw []byte

func (r Raw) encode(b *ber.Builder) { b.AddRaw(r) }
