package x400

import (
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

// teletexStr reads a TeletexString and returns it as UTF-8.
func teletexStr(e *ber.Element) (string, error) {
	c, err := e.Bytes()
	if err != nil {
		return "", err
	}
	s, err := T61ToUTF8(c)
	if err != nil {
		return "", e.Errorf("%s: %v", e.Tag, err)
	}
	return s, nil
}

// addTeletex writes s (UTF-8) as a TeletexString with tag t.
func addTeletex(b *ber.Builder, t ber.Tag, s string) {
	enc, err := UTF8ToT61(s)
	if err != nil {
		b.Fail(err)
		return
	}
	b.AddPrimitive(t, enc)
}

// Raw is an element kept as its encoding: an unknown component, an open
// type (ANY / ABSTRACT-SYNTAX.&Type) the package does not decode, or a
// value relayed byte for byte.
type Raw []byte

func (r Raw) encode(b *ber.Builder) { b.AddRaw(r) }
