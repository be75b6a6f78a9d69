package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"mixerd/ber"
	"mixerd/x400"
)

// node is a decoded value prepared for people: a scalar text, or an
// ordered list of named children (a struct), or a list (a SEQUENCE OF).
type node struct {
	text   string // scalar value
	quote  bool   // text is a string value, shown quoted
	fields []field
	list   []*node
	isList bool
}

type field struct {
	name string
	val  *node
}

var (
	timeType = reflect.TypeOf(time.Time{})
	oidType  = reflect.TypeOf(ber.OID(nil))
	rawType  = reflect.TypeOf(x400.Raw(nil))
	bitsType = reflect.TypeOf(ber.BitString{})
)

// toNode converts a decoded value into a node, leaving out zero values.
// Types with a String method are shown by it (O/R names in their text form,
// enumerations by name); byte strings are shown as text when printable and
// as hex otherwise; Raw values (unknown components kept as their encoding)
// are shown as their tag and hex.
func toNode(v reflect.Value) *node {
	if !v.IsValid() {
		return nil
	}
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	t := v.Type()
	switch t {
	case timeType:
		tm := v.Interface().(time.Time)
		if tm.IsZero() {
			return nil
		}
		return &node{text: tm.Format(time.RFC3339Nano)}
	case oidType:
		if v.Len() == 0 {
			return nil
		}
		return &node{text: v.Interface().(ber.OID).String()}
	case rawType:
		if v.Len() == 0 {
			return nil
		}
		return &node{text: rawText(v.Bytes())}
	case bitsType:
		bs := v.Interface().(ber.BitString)
		if bs.Len == 0 {
			return nil
		}
		var sb strings.Builder
		sb.WriteByte('\'')
		for i := 0; i < bs.Len; i++ {
			if bs.At(i) {
				sb.WriteByte('1')
			} else {
				sb.WriteByte('0')
			}
		}
		sb.WriteString("'B")
		return &node{text: sb.String()}
	}
	if s, ok := stringer(v); ok {
		if v.IsZero() && v.Kind() == reflect.Struct {
			return nil
		}
		if s == "" || (s == "{}" && v.IsZero()) {
			// Nothing to say: an absent value or an empty bit list.
			return nil
		}
		// A value with a String method (an O/R name in its text form, an
		// MTS identifier, an enumeration) is shown by it alone.
		return &node{text: s}
	}
	switch v.Kind() {
	case reflect.Struct:
		return structNode(v)
	case reflect.Slice, reflect.Array:
		if v.Len() == 0 {
			return nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return &node{text: bytesText(v.Bytes())}
		}
		n := &node{isList: true}
		for i := 0; i < v.Len(); i++ {
			c := toNode(v.Index(i))
			if c == nil {
				c = &node{text: "(empty)"}
			}
			n.list = append(n.list, c)
		}
		return n
	case reflect.String:
		if v.Len() == 0 {
			return nil
		}
		return &node{text: v.String(), quote: true}
	case reflect.Bool:
		if !v.Bool() {
			return nil
		}
		return &node{text: "true"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &node{text: fmt.Sprint(v.Interface())}
	case reflect.Map:
		if v.Len() == 0 {
			return nil
		}
		n := &node{}
		iter := v.MapRange()
		for iter.Next() {
			if c := toNode(iter.Value()); c != nil {
				n.fields = append(n.fields, field{fmt.Sprint(iter.Key().Interface()), c})
			}
		}
		return n
	}
	return &node{text: fmt.Sprint(v.Interface())}
}

func structNode(v reflect.Value) *node {
	t := v.Type()
	n := &node{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		c := toNode(v.Field(i))
		if c == nil {
			continue
		}
		if f.Anonymous && c.fields != nil {
			// Embedded structs (COMPONENTS OF) are shown inline.
			if c.text != "" && n.text == "" {
				n.text = c.text
			}
			n.fields = append(n.fields, c.fields...)
			continue
		}
		n.fields = append(n.fields, field{kebab(f.Name), c})
	}
	if len(n.fields) == 0 && n.text == "" {
		return nil
	}
	return n
}

func stringer(v reflect.Value) (string, bool) {
	if !v.CanInterface() {
		return "", false
	}
	if s, ok := v.Interface().(fmt.Stringer); ok {
		return s.String(), true
	}
	if v.CanAddr() {
		if s, ok := v.Addr().Interface().(fmt.Stringer); ok {
			return s.String(), true
		}
	}
	return "", false
}

func rawText(b []byte) string {
	r := ber.NewReader(b, nil)
	e, err := r.Next()
	if err != nil {
		return "0x" + hex.EncodeToString(b)
	}
	if e.Constructed {
		return fmt.Sprintf("%s (%d octets) 0x%s", e.Tag, len(b), trimHex(b))
	}
	return fmt.Sprintf("%s %s", e.Tag, ber.PrimitiveValue(&e))
}

func trimHex(b []byte) string {
	if len(b) > 48 {
		return hex.EncodeToString(b[:48]) + "..."
	}
	return hex.EncodeToString(b)
}

func bytesText(b []byte) string {
	printable := true
	for _, c := range b {
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c > 0x7e {
			printable = false
			break
		}
	}
	if printable {
		if len(b) > 200 {
			return fmt.Sprintf("%q... (%d octets)", b[:200], len(b))
		}
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("(%d octets) 0x%s", len(b), trimHex(b))
}

// writeText prints n as an indented tree.
func writeText(w io.Writer, name string, n *node, indent int) {
	pad := strings.Repeat("  ", indent)
	if n == nil {
		return
	}
	switch {
	case n.isList:
		fmt.Fprintf(w, "%s%s: (%d)\n", pad, name, len(n.list))
		for i, c := range n.list {
			writeText(w, fmt.Sprintf("[%d]", i), c, indent+1)
		}
	case n.fields != nil:
		if n.text != "" {
			fmt.Fprintf(w, "%s%s: %s\n", pad, name, n.text)
		} else {
			fmt.Fprintf(w, "%s%s:\n", pad, name)
		}
		for _, f := range n.fields {
			writeText(w, f.name, f.val, indent+1)
		}
	case n.quote:
		fmt.Fprintf(w, "%s%s: %q\n", pad, name, n.text)
	default:
		fmt.Fprintf(w, "%s%s: %s\n", pad, name, n.text)
	}
}

// MarshalJSON renders a node as JSON: structs as objects (in field order,
// with "text" for the String form when there is one), lists as arrays,
// scalars as strings.
func (n *node) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	switch {
	case n.isList:
		buf.WriteByte('[')
		for i, c := range n.list {
			if i > 0 {
				buf.WriteByte(',')
			}
			b, _ := c.MarshalJSON()
			buf.Write(b)
		}
		buf.WriteByte(']')
	case n.fields != nil:
		buf.WriteByte('{')
		first := true
		if n.text != "" {
			b, _ := json.Marshal(n.text)
			buf.WriteString(`"text":`)
			buf.Write(b)
			first = false
		}
		for _, f := range n.fields {
			if !first {
				buf.WriteByte(',')
			}
			first = false
			k, _ := json.Marshal(f.name)
			buf.Write(k)
			buf.WriteByte(':')
			b, _ := f.val.MarshalJSON()
			buf.Write(b)
		}
		buf.WriteByte('}')
	default:
		b, _ := json.Marshal(n.text)
		buf.Write(b)
	}
	return buf.Bytes(), nil
}
