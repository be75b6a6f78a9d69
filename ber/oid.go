package ber

import (
	"errors"
	"strconv"
	"strings"
)

// OID is an OBJECT IDENTIFIER held as its BER contents octets (X.690
// §8.19), so that comparing two OIDs is comparing bytes and reading one does
// not allocate. Use NewOID or MustOID to make one from its dotted form.
type OID []byte

func checkOID(c []byte) error {
	if len(c) == 0 {
		return errors.New("empty OBJECT IDENTIFIER")
	}
	if c[len(c)-1]&0x80 != 0 {
		return errors.New("truncated OBJECT IDENTIFIER subidentifier")
	}
	start := true
	n := 0
	for _, b := range c {
		if start && b == 0x80 {
			return errors.New("OBJECT IDENTIFIER subidentifier with a leading zero octet")
		}
		n++
		if n > 9 {
			return errors.New("OBJECT IDENTIFIER subidentifier too large")
		}
		start = b&0x80 == 0
		if start {
			n = 0
		}
	}
	return nil
}

// NewOID encodes the dotted form "2.6.1.4.2".
func NewOID(dotted string) (OID, error) {
	parts := strings.Split(dotted, ".")
	if len(parts) < 2 {
		return nil, errors.New("ber: OID needs at least two arcs: " + dotted)
	}
	arcs := make([]uint64, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 10, 63)
		if err != nil {
			return nil, errors.New("ber: bad OID arc in " + dotted)
		}
		arcs[i] = v
	}
	if arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) {
		return nil, errors.New("ber: bad OID first arcs in " + dotted)
	}
	var out []byte
	out = appendBase128(out, arcs[0]*40+arcs[1])
	for _, a := range arcs[2:] {
		out = appendBase128(out, a)
	}
	return OID(out), nil
}

// MustOID is NewOID for constants; it panics on a malformed string.
func MustOID(dotted string) OID {
	o, err := NewOID(dotted)
	if err != nil {
		panic(err)
	}
	return o
}

func appendBase128(b []byte, v uint64) []byte {
	n := 1
	for t := v >> 7; t != 0; t >>= 7 {
		n++
	}
	for i := n - 1; i >= 0; i-- {
		c := byte(v>>(7*uint(i))) & 0x7f
		if i != 0 {
			c |= 0x80
		}
		b = append(b, c)
	}
	return b
}

// Arcs returns the arcs of o.
func (o OID) Arcs() []uint64 {
	var arcs []uint64
	var v uint64
	first := true
	for _, b := range o {
		v = v<<7 | uint64(b&0x7f)
		if b&0x80 != 0 {
			continue
		}
		if first {
			first = false
			switch {
			case v < 40:
				arcs = append(arcs, 0, v)
			case v < 80:
				arcs = append(arcs, 1, v-40)
			default:
				arcs = append(arcs, 2, v-80)
			}
		} else {
			arcs = append(arcs, v)
		}
		v = 0
	}
	return arcs
}

// String returns the dotted form.
func (o OID) String() string {
	if len(o) == 0 {
		return ""
	}
	var sb strings.Builder
	for i, a := range o.Arcs() {
		if i > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(strconv.FormatUint(a, 10))
	}
	return sb.String()
}

// Equal reports whether o and p are the same OID.
func (o OID) Equal(p OID) bool { return string(o) == string(p) }

// HasPrefix reports whether o lies under the arc p.
func (o OID) HasPrefix(p OID) bool {
	return len(o) > len(p) && string(o[:len(p)]) == string(p) && o[len(p)-1]&0x80 == 0
}

// Last returns the last arc of o.
func (o OID) Last() uint64 {
	a := o.Arcs()
	if len(a) == 0 {
		return 0
	}
	return a[len(a)-1]
}
