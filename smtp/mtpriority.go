package smtp

import (
	"bytes"
	"strconv"
)

// mtPriorityField is one MT-Priority header field found in a message's
// header section (RFC 6758 §4): its bytes, folded lines included.
type mtPriorityField struct {
	start, end int // msg[start:end] is the field with its line ends
	value      string
}

// findMTPriority returns the MT-Priority header fields of msg's header
// section (up to the first empty line, RFC 5322 §2.1), in order.
func findMTPriority(msg []byte) []mtPriorityField {
	var out []mtPriorityField
	off := 0
	for off < len(msg) {
		end := lineEnd(msg, off)
		line := msg[off:end]
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			break // the end of the header section
		}
		// The field's folded continuation lines start with WSP.
		fend := end
		for fend < len(msg) && (msg[fend] == ' ' || msg[fend] == '\t') {
			fend = lineEnd(msg, fend)
		}
		if name, val, ok := bytes.Cut(msg[off:fend], []byte(":")); ok &&
			bytes.EqualFold(bytes.TrimRight(name, " \t"), []byte("MT-Priority")) {
			out = append(out, mtPriorityField{start: off, end: fend, value: string(val)})
		}
		off = fend
	}
	return out
}

// lineEnd is the offset after the line of msg that starts at off.
func lineEnd(msg []byte, off int) int {
	if i := bytes.IndexByte(msg[off:], '\n'); i >= 0 {
		return off + i + 1
	}
	return len(msg)
}

// parsePriorityValue parses an MT-Priority field's value: [CFWS]
// priority-value [CFWS] (RFC 6758 §4), priority-value being
// (["-"] NZDIGIT) / "0" (RFC 6710 §7).
func parsePriorityValue(v string) (int, bool) {
	var b []byte
	depth := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case depth > 0 && c == '\\' && i+1 < len(v):
			i++ // quoted-pair in a comment
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			if len(b) > 0 {
				b = append(b, ' ') // FWS inside the value is not allowed
			}
		default:
			b = append(b, c)
		}
	}
	if depth != 0 {
		return 0, false
	}
	return parseMTPriority(string(bytes.TrimRight(b, " ")))
}

// messagePriority is the message's priority as RFC 6710 §4.1 determines
// it, with RFC 6758 §3.1 step 4a: the MT-PRIORITY parameter param, else
// the value of the message's single syntactically valid MT-Priority
// header field, else 0 (RFC 6710 §4.1 step 5).
func messagePriority(param *int, fields []mtPriorityField) int {
	if param != nil {
		return *param
	}
	if len(fields) == 1 {
		if v, ok := parsePriorityValue(fields[0].value); ok {
			return v
		}
	}
	return 0
}

// tunnelPriority prepares msg for a next hop that does not offer
// MT-PRIORITY (RFC 6758 §3.3): every MT-Priority header field is
// removed and, when the envelope had a priority or a field was removed,
// one field with the message's priority is added at the top. msg is
// returned as it is when there is nothing to do.
func tunnelPriority(msg []byte, param *int) []byte {
	fields := findMTPriority(msg)
	if param == nil && len(fields) == 0 {
		return msg
	}
	p := messagePriority(param, fields)
	head := "MT-Priority: " + strconv.Itoa(p) + "\r\n"
	// The field goes at the top, after any lines that start with WSP:
	// continuation lines of no field (a malformed message) would
	// otherwise fold into it.
	at := 0
	for at < len(msg) && (msg[at] == ' ' || msg[at] == '\t') {
		at = lineEnd(msg, at)
	}
	out := make([]byte, 0, len(head)+len(msg)+2)
	out = append(out, msg[:at]...)
	if at > 0 && msg[at-1] != '\n' {
		out = append(out, '\r', '\n')
	}
	out = append(out, head...)
	prev := at
	for _, f := range fields {
		out = append(out, msg[prev:f.start]...)
		prev = f.end
	}
	return append(out, msg[prev:]...)
}
