package mixer

import (
	"errors"
	"strconv"
	"strings"
)

// XText encodes s as RFC 3461 §4 xtext: every octet outside "!" to "~",
// and "+" and "=", as "+" and two upper-case hex digits.
func XText(s string) string {
	const hex = "0123456789ABCDEF"
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '!' || c > '~' || c == '+' || c == '=' {
			sb.WriteByte('+')
			sb.WriteByte(hex[c>>4])
			sb.WriteByte(hex[c&15])
			continue
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

// ParseXText decodes RFC 3461 §4 xtext. A "+" must be followed by two
// upper-case hex digits ("hexchar"); octets outside "!" to "~" and "="
// are refused.
func ParseXText(s string) (string, error) {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			if i+2 >= len(s) || !smtpUpperHex(s[i+1]) || !smtpUpperHex(s[i+2]) {
				return "", errors.New("xtext: \"+\" at offset " + strconv.Itoa(i) + " is not followed by two upper-case hex digits")
			}
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			sb.WriteByte(byte(v))
			i += 2
		case c < '!' || c > '~' || c == '=':
			return "", errors.New("xtext: octet " + strconv.Itoa(int(c)) + " at offset " + strconv.Itoa(i) + " must be encoded")
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String(), nil
}

func smtpUpperHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' }

// MailCommand returns the MAIL command for the envelope (RFC 5321
// §4.1.1.2), with the DSN parameters RET and ENVID (RFC 3461 §4.3, §4.4)
// and MT-PRIORITY (RFC 6710 §3), without the line end. A peer that does
// not offer an extension must not get its parameters: the caller clears
// them from a copy of the envelope first.
func (e *SMTPEnvelope) MailCommand() string {
	var sb strings.Builder
	sb.WriteString("MAIL FROM:<")
	sb.WriteString(e.MailFrom)
	sb.WriteByte('>')
	if e.Ret != "" {
		sb.WriteString(" RET=")
		sb.WriteString(e.Ret)
	}
	if e.EnvID != "" {
		sb.WriteString(" ENVID=")
		sb.WriteString(XText(e.EnvID))
	}
	if e.MTPriority != nil {
		sb.WriteString(" MT-PRIORITY=")
		sb.WriteString(strconv.Itoa(*e.MTPriority))
	}
	return sb.String()
}

// RcptCommand returns the RCPT command for recipient i (RFC 5321
// §4.1.1.3) with the DSN parameters NOTIFY and ORCPT (RFC 3461 §4.1,
// §4.2), without the line end.
func (e *SMTPEnvelope) RcptCommand(i int) string {
	r := &e.Recipients[i]
	var sb strings.Builder
	sb.WriteString("RCPT TO:<")
	sb.WriteString(r.Address)
	sb.WriteByte('>')
	if r.Notify != 0 {
		sb.WriteString(" NOTIFY=")
		sb.WriteString(r.Notify.String())
	}
	if r.ORcptType != "" {
		sb.WriteString(" ORCPT=")
		sb.WriteString(r.ORcptType)
		sb.WriteByte(';')
		sb.WriteString(XText(r.ORcpt))
	}
	return sb.String()
}

// ParseNotify parses a NOTIFY parameter value (RFC 3461 §4.1): "NEVER",
// or a comma-separated list of SUCCESS, FAILURE and DELAY, in any case.
func ParseNotify(s string) (Notify, error) {
	var n Notify
	for _, w := range strings.Split(s, ",") {
		switch strings.ToUpper(w) {
		case "NEVER":
			n |= NotifyNever
		case "SUCCESS":
			n |= NotifySuccess
		case "FAILURE":
			n |= NotifyFailure
		case "DELAY":
			n |= NotifyDelay
		default:
			return 0, errors.New("NOTIFY: unknown keyword " + strconv.Quote(w))
		}
	}
	if n&NotifyNever != 0 && n != NotifyNever {
		return 0, errors.New("NOTIFY: NEVER cannot be combined with other keywords")
	}
	return n, nil
}
