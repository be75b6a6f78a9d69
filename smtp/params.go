package smtp

import (
	"fmt"
	"strconv"
	"strings"

	"mixerd/mixer"
)

// Reply is an SMTP reply as an error: the code, the RFC 3463 enhanced
// status ("5.7.1") and the text a peer sees. A Sink returns one to choose
// the reply to DATA itself.
type Reply struct {
	Code   int
	Status string
	Text   string
}

func (r *Reply) Error() string { return fmt.Sprintf("%d %s %s", r.Code, r.Status, r.Text) }

// line is the reply as one wire line without CRLF.
func (r *Reply) line() string {
	if r.Status == "" {
		return fmt.Sprintf("%d %s", r.Code, r.Text)
	}
	return fmt.Sprintf("%d %s %s", r.Code, r.Status, r.Text)
}

// MaxEnvIDLen is the longest ENVID accepted, RFC 3461 §4.4 (100 octets
// before xtext decoding).
const MaxEnvIDLen = 100

// MaxORCPTLen is the longest ORCPT value accepted, RFC 3461 §4.2 (500).
const MaxORCPTLen = 500

// mailParams are the parsed MAIL FROM parameters.
type mailParams struct {
	from       string
	size       int64 // 0 when absent
	body       string
	smtputf8   bool
	ret        string
	envID      string
	mtPriority *int
}

// rcptParams are the parsed RCPT TO parameters.
type rcptParams struct {
	to        string
	notify    mixer.Notify
	orcptType string
	orcpt     string
}

// splitPath splits "<path> params" after the "FROM:"/"TO:" keyword. The
// path may hold quoted strings with ">" and spaces (RFC 5321 §4.1.2).
func splitPath(s string) (path, rest string, err error) {
	s = strings.TrimLeft(s, " ")
	if !strings.HasPrefix(s, "<") {
		return "", "", fmt.Errorf("path must be in angle brackets")
	}
	inQuote := false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '"':
			inQuote = !inQuote
		case c == '>' && !inQuote:
			rest = s[i+1:]
			if rest != "" && rest[0] != ' ' {
				return "", "", fmt.Errorf("no space after path")
			}
			return s[1:i], strings.TrimLeft(rest, " "), nil
		}
	}
	return "", "", fmt.Errorf("unterminated path")
}

// param is one esmtp-param, RFC 5321 §4.1.2.
type param struct{ key, value string }

// splitParams parses esmtp-keyword ["=" esmtp-value] items separated by
// spaces. Keywords are upper-cased.
func splitParams(s string) ([]param, *Reply) {
	var ps []param
	for _, f := range strings.Fields(s) {
		k, v, hasV := strings.Cut(f, "=")
		if k == "" || !isKeyword(k) {
			return nil, &Reply{501, "5.5.4", "Syntax error in parameter " + printable(k)}
		}
		if hasV && (v == "" || strings.Contains(v, "=")) {
			return nil, &Reply{501, "5.5.4", "Syntax error in value of " + strings.ToUpper(k)}
		}
		for _, p := range ps {
			if strings.EqualFold(p.key, k) {
				return nil, &Reply{501, "5.5.4", "Duplicate parameter " + strings.ToUpper(k)}
			}
		}
		ps = append(ps, param{strings.ToUpper(k), v})
	}
	if len(ps) > 16 {
		return nil, &Reply{501, "5.5.4", "Too many parameters"}
	}
	return ps, nil
}

func isKeyword(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0) {
			return false
		}
	}
	return true
}

// printable clips s for a reply text: ASCII graphic only, 40 octets.
func printable(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s) && sb.Len() < 40; i++ {
		if s[i] > ' ' && s[i] < 0x7f {
			sb.WriteByte(s[i])
		} else {
			sb.WriteByte('?')
		}
	}
	return sb.String()
}

// parseMTPriority reads an MT-PRIORITY value (RFC 6710 §3), as mixer
// does for the header field.
func parseMTPriority(v string) (int, bool) {
	n, err := mixer.ParseMTPriority(v)
	return n, err == nil
}

// parseMail parses the argument of MAIL ("FROM:<a@b> SIZE=10 ..."),
// RFC 5321 §4.1.1.2, with the parameters of SIZE (RFC 1870 §6), BODY
// (RFC 6152 §2), SMTPUTF8 (RFC 6531 §3.4), RET and ENVID (RFC 3461 §4.3,
// §4.4), MT-PRIORITY (RFC 6710 §3, §4.1) and AUTH (RFC 4954 §5).
// maxSize is the SIZE limit (0: none).
func parseMail(arg string, maxSize int64, utf8OK bool) (*mailParams, *Reply) {
	rest, ok := cutPrefixFold(arg, "FROM:")
	if !ok {
		return nil, &Reply{501, "5.5.2", "Syntax: MAIL FROM:<address> [parameters]"}
	}
	path, rest, err := splitPath(rest)
	if err != nil {
		return nil, &Reply{501, "5.5.2", "Syntax error in reverse-path: " + err.Error()}
	}
	ps, rep := splitParams(rest)
	if rep != nil {
		return nil, rep
	}
	m := &mailParams{from: path}
	for _, p := range ps {
		switch p.key {
		case "SIZE":
			n, err := strconv.ParseInt(p.value, 10, 64)
			if err != nil || n < 0 || len(p.value) > 20 {
				return nil, &Reply{501, "5.5.4", "Syntax error in SIZE value"}
			}
			if maxSize > 0 && n > maxSize {
				return nil, &Reply{552, "5.3.4", fmt.Sprintf("Message size exceeds fixed maximum message size (%d)", maxSize)}
			}
			m.size = n
		case "BODY":
			switch v := strings.ToUpper(p.value); v {
			case "7BIT", "8BITMIME":
				m.body = v
			default:
				return nil, &Reply{501, "5.5.4", "BODY must be 7BIT or 8BITMIME"}
			}
		case "SMTPUTF8":
			if p.value != "" {
				return nil, &Reply{501, "5.5.4", "SMTPUTF8 takes no value"}
			}
			if !utf8OK {
				return nil, &Reply{555, "5.5.4", "SMTPUTF8 not offered"}
			}
			m.smtputf8 = true
		case "RET":
			switch v := strings.ToUpper(p.value); v {
			case "FULL", "HDRS":
				m.ret = v
			default:
				return nil, &Reply{501, "5.5.4", "RET must be FULL or HDRS"}
			}
		case "ENVID":
			v, err := mixer.ParseXText(p.value)
			if err != nil || v == "" || len(v) > MaxEnvIDLen || !isPrintableASCII(v) {
				return nil, &Reply{501, "5.5.4", "Malformed ENVID value"}
			}
			m.envID = v
		case "MT-PRIORITY":
			n, ok := parseMTPriority(p.value)
			if !ok {
				return nil, &Reply{501, "5.5.2", "Syntax error in MT-PRIORITY value"}
			}
			m.mtPriority = &n
		case "AUTH":
			v, err := mixer.ParseXText(p.value)
			if err != nil || v == "" {
				return nil, &Reply{501, "5.5.4", "Malformed AUTH value"}
			}
			// RFC 4954 §5: the submitter's identity, which a relay may
			// pass on; the gateway checks it and does not (it is not
			// part of RFC 2156's mapping).
			_ = v
		default:
			return nil, &Reply{555, "5.5.4", "MAIL FROM parameter " + printable(p.key) + " not recognized"}
		}
	}
	if !m.smtputf8 && !isASCII(path) {
		return nil, &Reply{553, "5.6.7", "Non-ASCII address requires SMTPUTF8"}
	}
	return m, nil
}

// parseRcpt parses the argument of RCPT ("TO:<a@b> NOTIFY=..."), RFC 5321
// §4.1.1.3, with NOTIFY and ORCPT (RFC 3461 §4.1, §4.2).
func parseRcpt(arg string, utf8 bool) (*rcptParams, *Reply) {
	rest, ok := cutPrefixFold(arg, "TO:")
	if !ok {
		return nil, &Reply{501, "5.5.2", "Syntax: RCPT TO:<address> [parameters]"}
	}
	path, rest, err := splitPath(rest)
	if err != nil || path == "" {
		return nil, &Reply{501, "5.5.2", "Syntax error in forward-path"}
	}
	ps, rep := splitParams(rest)
	if rep != nil {
		return nil, rep
	}
	r := &rcptParams{to: path}
	for _, p := range ps {
		switch p.key {
		case "NOTIFY":
			n, err := mixer.ParseNotify(p.value)
			if err != nil {
				return nil, &Reply{501, "5.5.4", "Malformed NOTIFY value"}
			}
			r.notify = n
		case "ORCPT":
			t, v, ok := strings.Cut(p.value, ";")
			if !ok || t == "" || !isKeyword(t) || len(p.value) > MaxORCPTLen {
				return nil, &Reply{501, "5.5.4", "Malformed ORCPT value"}
			}
			dec, err := mixer.ParseXText(v)
			if err != nil || dec == "" {
				return nil, &Reply{501, "5.5.4", "Malformed ORCPT value"}
			}
			r.orcptType, r.orcpt = strings.ToLower(t), dec
		default:
			return nil, &Reply{555, "5.5.4", "RCPT TO parameter " + printable(p.key) + " not recognized"}
		}
	}
	if !utf8 && !isASCII(path) {
		return nil, &Reply{553, "5.6.7", "Non-ASCII address requires SMTPUTF8"}
	}
	return r, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return s[len(prefix):], true
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func isASCII[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// domainOf is the domain of an address, lower case; "" when it has none.
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(addr[i+1:])
}
