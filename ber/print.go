package ber

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// Print writes a listing of the BER elements in b in the manner of
// `openssl asn1parse`: one line per element with its offset, depth, header
// and content lengths, tag, and a decoded value for primitive universal
// types. It stops at the first malformed element and returns its error.
func Print(w io.Writer, b []byte, lim *Limits) error {
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	r := NewReader(b, lim)
	return printLevel(bw, r, 0)
}

func printLevel(w *bufio.Writer, r Reader, depth int) error {
	for !r.Empty() {
		e, err := r.Next()
		if err != nil {
			return err
		}
		kind := "prim"
		if e.Constructed {
			kind = "cons"
		}
		length := fmt.Sprint(len(e.Content))
		if e.Indefinite {
			length = "inf"
		}
		fmt.Fprintf(w, "%5d:d=%-2d hl=%d l=%4s %s: %s%s", e.Offset, depth, e.HeaderLen, length, kind,
			strings.Repeat(" ", depth), e.Tag)
		if e.Constructed {
			w.WriteByte('\n')
			c, _ := e.Children()
			if err := printLevel(w, c, depth+1); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(w, " %s\n", PrimitiveValue(&e))
	}
	return nil
}

// PrimitiveValue renders the value of a primitive element for people:
// integers in decimal, OIDs dotted, strings quoted, times as RFC 3339, and
// anything else in hex (truncated after 64 octets).
func PrimitiveValue(e *Element) string {
	if e.Tag.Class == ClassUniversal {
		switch e.Tag.Number {
		case TagBoolean:
			if v, err := e.Bool(); err == nil {
				return fmt.Sprint(v)
			}
		case TagInteger, TagEnumerated:
			if v, err := e.Int64(); err == nil {
				return fmt.Sprint(v)
			}
		case TagOID:
			if o, err := e.OID(); err == nil {
				return o.String()
			}
		case TagNull:
			return ""
		case TagUTCTime:
			if t, err := e.UTCTime(); err == nil {
				return t.Format("2006-01-02T15:04:05Z07:00")
			}
		case TagGeneralizedTime:
			if t, err := e.GeneralizedTime(); err == nil {
				return t.Format("2006-01-02T15:04:05.999999999Z07:00")
			}
		case TagNumericString, TagPrintableString, TagIA5String, TagVisibleString, TagUTF8String,
			TagTeletexString, TagGeneralString, TagGraphicString:
			return fmt.Sprintf("%q", e.Content)
		}
	}
	c := e.Content
	more := ""
	if len(c) > 64 {
		c, more = c[:64], "..."
	}
	if isText(c) && len(c) > 0 {
		return fmt.Sprintf("%q%s", c, more)
	}
	return "0x" + hex.EncodeToString(c) + more
}

func isText(c []byte) bool {
	for _, b := range c {
		if (b < 0x20 && b != '\n' && b != '\r' && b != '\t') || b > 0x7e {
			return false
		}
	}
	return true
}
