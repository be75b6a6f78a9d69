package mixer

// RFC 822 / RFC 5322 addresses and header fields, as RFC 2156 needs them.
//
// Why not net/mail: RFC 2156 §4.3.4 works on the 822.local-part's text and
// on whether it used the 822.quoted-string encoding (step 2: "If the
// 822.local-part uses the 822.quoted-string encoding, remove this
// quoting"), and §4.3.1 and §4.4.2 on the 822.route of a source-routed
// address ("<@domain1,@domain2:user@domain3>"). net/mail.ParseAddress
// parses the obs-route but throws it away, keeps only Name and one Address
// string (so the domain, the route and the quoting are lost or must be
// re-parsed), and net/mail.ReadMessage puts the fields into a map, losing
// their order and line numbers, and has no bounds. So this file has its own
// small parser: RFC 5322 §3.4 with the §4.4 obsolete forms that RFC 822
// mailers (and so RFC 2156 gateways) still send.

import (
	"bytes"
	"mime"
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// AddrSpec is an RFC 5322 §3.4.1 addr-spec: local-part "@" domain.
type AddrSpec struct {
	// LocalPart is the local part with any quoted-string encoding removed
	// (quoted-pairs resolved, the words of an obs-local-part joined by
	// "."): the "(unquoted) 822.local-part" that RFC 2156 §4.3.4 step 4
	// parses as std-or-address.
	LocalPart string
	// Quoted reports that the local part used the quoted-string encoding
	// (in whole or, in an obs-local-part, for some word): RFC 2156
	// §4.3.4 step 2. String quotes such a local part again.
	Quoted bool
	// Domain is the domain with comments and folding white space removed:
	// a dot-atom ("Widget.PTT.XY", case kept) or a domain literal with its
	// brackets ("[192.0.2.1]").
	Domain string
}

// Mailbox is an RFC 5322 §3.4 mailbox: an optional display name and an
// addr-spec, with the RFC 822 §6.2.7 (RFC 5322 §4.4 obs-route) source
// route that RFC 2156 §4.4.2 still meets.
type Mailbox struct {
	// Name is the display name (phrase), its quoted strings unquoted and
	// its words separated by one space where the input separated them.
	// RFC 2047 encoded words are left as they are.
	Name string
	// Route lists the domains of an obs-route "@a,@b:" in order, without
	// the "@". RFC 2156 §4.3.1: they route in the RFC 822 world and are not
	// interpreted by the gateway.
	Route []string
	AddrSpec
	// Comments are the comments (RFC 5322 §3.2.2) written in or after the
	// mailbox up to the "," that ends it, in order, each with its
	// parentheses and folds removed: RFC 2156 §4.7.1 step 2 puts them in
	// the free-form name, and §4.6.2.2 and §4.7.2 write information there
	// (see FormatComment). String writes them after the address.
	Comments []string
}

// Group is an RFC 5322 §3.4 group: display-name ":" [group-list] ";".
type Group struct {
	Name    string
	Members []Mailbox
	// Comments are the comments of the group that are not in a member,
	// as for Mailbox.Comments.
	Comments []string
}

// Address is one element of an RFC 5322 §3.4 address-list: exactly one of
// Mailbox and Group is set.
type Address struct {
	Mailbox *Mailbox
	Group   *Group
}

// AddressError is a syntax error in an address. Offset is the byte offset
// in the parsed text at which the error was found.
type AddressError struct {
	Offset int
	Msg    string
}

func (e *AddressError) Error() string {
	return "mixer: RFC 5322 address: offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// ParseAddrSpec parses a bare RFC 5322 §3.4.1 addr-spec, such as the
// "RFC-822" domain defined attribute of RFC 2156 §4.3.2 holds, with
// surrounding CFWS allowed.
func ParseAddrSpec(s string) (AddrSpec, error) {
	p := &rfc822Parser{s: s}
	if err := p.skipCFWS(); err != nil {
		return AddrSpec{}, err
	}
	toks, err := p.words()
	if err != nil {
		return AddrSpec{}, err
	}
	a, err := p.addrSpecAfter(toks)
	if err != nil {
		return AddrSpec{}, err
	}
	if err := p.end(); err != nil {
		return AddrSpec{}, err
	}
	return a, nil
}

// ParseMailbox parses exactly one RFC 5322 §3.4 mailbox (name-addr or
// addr-spec, with the obs-route of RFC 5322 §4.4), as in a Sender: field.
func ParseMailbox(s string) (Mailbox, error) {
	p := &rfc822Parser{s: s}
	if err := p.skipCFWS(); err != nil {
		return Mailbox{}, err
	}
	m, err := p.mailbox()
	if err != nil {
		return Mailbox{}, err
	}
	if err := p.end(); err != nil {
		return Mailbox{}, err
	}
	m.Comments = p.takeComments()
	return m, nil
}

// ParseAddressList parses an RFC 5322 §3.4 address-list (mailboxes and
// groups), as in To: or Cc:. The §4.4 obs-addr-list is accepted: empty
// elements ("a@b, , c@d") are skipped, so a value that is blank or only
// commas and comments gives an empty list and no error. A group that the
// input ends before its ";" is accepted ("undisclosed-recipients:").
func ParseAddressList(s string) ([]Address, error) {
	p := &rfc822Parser{s: s}
	var list []Address
	for {
		if err := p.skipCFWS(); err != nil {
			return nil, err
		}
		if p.eof() {
			if cs := p.takeComments(); len(cs) > 0 && len(list) > 0 {
				// Comments after the last ",": keep them with the last address.
				if a := list[len(list)-1]; a.Group != nil {
					a.Group.Comments = append(a.Group.Comments, cs...)
				} else {
					a.Mailbox.Comments = append(a.Mailbox.Comments, cs...)
				}
			}
			return list, nil
		}
		if p.s[p.i] == ',' {
			p.i++
			continue
		}
		a, err := p.address()
		if err != nil {
			return nil, err
		}
		if err := p.skipCFWS(); err != nil {
			return nil, err
		}
		if a.Group != nil {
			a.Group.Comments = append(a.Group.Comments, p.takeComments()...)
		} else {
			a.Mailbox.Comments = p.takeComments()
		}
		list = append(list, a)
		if p.eof() {
			return list, nil
		}
		if p.s[p.i] != ',' {
			return nil, p.errf("expected ',' between addresses, found " + rfc822Quote(p.s[p.i]))
		}
		p.i++
	}
}

// String formats the addr-spec (RFC 5322 §3.4.1): the local part as a
// dot-atom when it is one and was not quoted, else as a quoted-string.
func (a AddrSpec) String() string {
	var b strings.Builder
	rfc822WriteAddrSpec(&b, a)
	return b.String()
}

// String formats the mailbox: "Name <@r1,@r2:local@domain>", or the bare
// addr-spec when there is neither name nor route. A value that was parsed
// formats to text that parses to the same value.
func (m Mailbox) String() string {
	var b strings.Builder
	rfc822WriteMailbox(&b, m)
	return b.String()
}

// String formats the group: "Name: m1, m2;".
func (g Group) String() string {
	var b strings.Builder
	rfc822WriteGroup(&b, g)
	return b.String()
}

// String formats the address (its mailbox or group).
func (a Address) String() string {
	var b strings.Builder
	rfc822WriteAddress(&b, a)
	return b.String()
}

// FormatAddressList formats an RFC 5322 §3.4 address-list, elements
// separated by ", ".
func FormatAddressList(list []Address) string {
	var b strings.Builder
	for i, a := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		rfc822WriteAddress(&b, a)
	}
	return b.String()
}

func rfc822WriteAddress(b *strings.Builder, a Address) {
	switch {
	case a.Group != nil:
		rfc822WriteGroup(b, *a.Group)
	case a.Mailbox != nil:
		rfc822WriteMailbox(b, *a.Mailbox)
	}
}

func rfc822WriteGroup(b *strings.Builder, g Group) {
	if g.Name == "" {
		b.WriteString(`""`)
	} else {
		rfc822WritePhrase(b, g.Name)
	}
	b.WriteByte(':')
	for i, m := range g.Members {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte(' ')
		rfc822WriteMailbox(b, m)
	}
	b.WriteByte(';')
	rfc822WriteComments(b, g.Comments)
}

// FormatComment returns text as an RFC 5322 §3.2.2 comment: in
// parentheses, with "(", ")" and backslash quoted; CR, LF and NUL become spaces.
// RFC 2156 uses comments for what has no RFC 822 field (§4.6.2.2, §4.7.2:
// "(Tel ...)"); put the result in Mailbox.Comments.
func FormatComment(text string) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '(', ')', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r', '\n', 0:
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
	return b.String()
}

func rfc822WriteMailbox(b *strings.Builder, m Mailbox) {
	defer rfc822WriteComments(b, m.Comments)
	if m.Name == "" && len(m.Route) == 0 {
		rfc822WriteAddrSpec(b, m.AddrSpec)
		return
	}
	if m.Name != "" {
		rfc822WritePhrase(b, m.Name)
		b.WriteByte(' ')
	}
	b.WriteByte('<')
	for i, d := range m.Route {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('@')
		b.WriteString(d)
	}
	if len(m.Route) > 0 {
		b.WriteByte(':')
	}
	rfc822WriteAddrSpec(b, m.AddrSpec)
	b.WriteByte('>')
}

func rfc822WriteComments(b *strings.Builder, cs []string) {
	for _, c := range cs {
		b.WriteByte(' ')
		b.WriteString(c)
	}
}

func rfc822WriteAddrSpec(b *strings.Builder, a AddrSpec) {
	if !a.Quoted && rfc822IsDotAtom(a.LocalPart) {
		b.WriteString(a.LocalPart)
	} else {
		rfc822WriteQuoted(b, a.LocalPart)
	}
	b.WriteByte('@')
	b.WriteString(a.Domain)
}

// rfc822WritePhrase writes a display name as atoms when it is atoms
// separated by single spaces, else as one quoted-string (RFC 5322 §3.2.5).
//
// A name with characters outside printable ASCII is written as RFC 2047
// encoded-words (§5 (3): "B" encoding, whose alphabet is safe in a
// phrase), which the parser decodes back; a name that would itself read as
// an encoded-word is quoted, since encoded-words inside a quoted-string are
// not decoded (RFC 2047 §5).
func rfc822WritePhrase(b *strings.Builder, name string) {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= 0x7f || c < ' ' && c != '\t' {
			b.WriteString(mime.BEncoding.Encode("utf-8", name))
			return
		}
	}
	plain := name != "" && !strings.Contains(name, "=?")
	for i := 0; i < len(name) && plain; i++ {
		c := name[i]
		if c == ' ' {
			plain = i > 0 && i < len(name)-1 && name[i-1] != ' '
			continue
		}
		plain = rfc822IsAtext(c)
	}
	if plain {
		b.WriteString(name)
		return
	}
	rfc822WriteQuoted(b, name)
}

// rfc822WriteQuoted writes s as an RFC 5322 §3.2.4 quoted-string.
func rfc822WriteQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}

// rfc822IsDotAtom reports whether s is an RFC 5322 §3.2.3 dot-atom-text.
func rfc822IsDotAtom(s string) bool {
	if s == "" {
		return false
	}
	prevDot := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if prevDot {
				return false
			}
			prevDot = true
			continue
		}
		if !rfc822IsAtext(c) {
			return false
		}
		prevDot = false
	}
	return !prevDot
}

// rfc822IsAtext reports whether c is RFC 5322 §3.2.3 atext, with the
// octets above 127 that RFC 6532 §3.2 admits (UTF-8) and that real
// mailers send raw.
func rfc822IsAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c >= 0x80:
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func rfc822Quote(c byte) string {
	if c >= 0x21 && c < 0x7f {
		return "'" + string(rune(c)) + "'"
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

// rfc822Parser is a cursor over one address or address-list text.
type rfc822Parser struct {
	s        string
	i        int
	comments []string // comments read and not yet given to an address
}

// takeComments returns the comments read since the last call.
func (p *rfc822Parser) takeComments() []string {
	cs := p.comments
	p.comments = nil
	return cs
}

// rfc822Token is a word (atom or quoted-string) or a "." of a phrase or
// local part.
type rfc822Token struct {
	text   string
	off    int
	quoted bool
	dot    bool
	space  bool // CFWS before it
}

// rfc822MaxCommentDepth bounds the nesting of comments.
const rfc822MaxCommentDepth = 64

func (p *rfc822Parser) eof() bool { return p.i >= len(p.s) }

func (p *rfc822Parser) errf(msg string) error { return &AddressError{Offset: p.i, Msg: msg} }

func (p *rfc822Parser) end() error {
	if err := p.skipCFWS(); err != nil {
		return err
	}
	if !p.eof() {
		return p.errf("unexpected " + rfc822Quote(p.s[p.i]) + " after the address")
	}
	return nil
}

// fws skips a CRLF that folds (RFC 5322 §3.2.2): it must be followed by
// WSP. A CR or LF that does not fold is an error.
func (p *rfc822Parser) fws() (bool, error) {
	c := p.s[p.i]
	if c != '\r' && c != '\n' {
		return false, nil
	}
	n := 1
	if c == '\r' && p.i+1 < len(p.s) && p.s[p.i+1] == '\n' {
		n = 2
	}
	if p.i+n < len(p.s) && (p.s[p.i+n] == ' ' || p.s[p.i+n] == '\t') {
		p.i += n
		return true, nil
	}
	return false, p.errf("CR or LF not followed by white space (not a fold)")
}

// skipCFWS skips white space, folds and comments (RFC 5322 §3.2.2),
// keeping the comments in p.comments.
func (p *rfc822Parser) skipCFWS() error {
	_, err := p.cfws()
	return err
}

// cfws is skipCFWS that also reports whether it skipped anything.
func (p *rfc822Parser) cfws() (bool, error) {
	start := p.i
	for !p.eof() {
		c := p.s[p.i]
		switch c {
		case ' ', '\t':
			p.i++
		case '\r', '\n':
			if _, err := p.fws(); err != nil {
				return false, err
			}
		case '(':
			if err := p.comment(); err != nil {
				return false, err
			}
		default:
			return p.i > start, nil
		}
	}
	return p.i > start, nil
}

// comment reads a comment (RFC 5322 §3.2.2), nested comments and
// quoted-pairs included, and appends it, parentheses kept and folds
// unfolded, to p.comments.
func (p *rfc822Parser) comment() error {
	start := p.i
	depth := 0
	for !p.eof() {
		c := p.s[p.i]
		switch c {
		case '(':
			depth++
			if depth > rfc822MaxCommentDepth {
				return p.errf("comments nested too deeply")
			}
			p.i++
		case ')':
			depth--
			p.i++
			if depth == 0 {
				c := p.s[start:p.i]
				if strings.ContainsAny(c, "\r\n") {
					c = strings.NewReplacer("\r\n", "", "\n", "").Replace(c)
				}
				p.comments = append(p.comments, c)
				return nil
			}
		case '\\':
			if p.i+1 >= len(p.s) || !rfc822QPOK(p.s[p.i+1]) {
				return p.errf("bad quoted-pair in comment")
			}
			p.i += 2
		case '\r', '\n':
			if _, err := p.fws(); err != nil {
				return err
			}
		case 0:
			return p.errf("NUL in comment")
		default:
			p.i++
		}
	}
	return &AddressError{Offset: start, Msg: "comment not closed by ')'"}
}

// rfc822QPOK: the characters a quoted-pair may quote (RFC 5322 §3.2.1 and
// obs-qp), less NUL, CR and LF which a gateway must not pass on.
func rfc822QPOK(c byte) bool { return c != 0 && c != '\r' && c != '\n' }

// quotedString reads an RFC 5322 §3.2.4 quoted-string at p.i and returns
// its content: quoted-pairs resolved, folds' CRLF removed, WSP kept.
func (p *rfc822Parser) quotedString() (string, error) {
	start := p.i
	p.i++ // '"'
	var b strings.Builder
	for !p.eof() {
		c := p.s[p.i]
		switch c {
		case '"':
			p.i++
			return b.String(), nil
		case '\\':
			if p.i+1 >= len(p.s) || !rfc822QPOK(p.s[p.i+1]) {
				return "", p.errf("bad quoted-pair in quoted-string")
			}
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		case '\r', '\n':
			if _, err := p.fws(); err != nil {
				return "", err
			}
		case 0:
			return "", p.errf("NUL in quoted-string")
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", &AddressError{Offset: start, Msg: "quoted-string not closed by '\"'"}
}

// words reads a run of words and dots (a phrase, an obs-phrase or a local
// part; which one is decided by what follows), skipping CFWS after each.
// p must be at a non-CFWS character.
func (p *rfc822Parser) words() ([]rfc822Token, error) {
	toks := make([]rfc822Token, 0, 4) // "first.last", "Display Name"
	space := false
	for !p.eof() {
		c := p.s[p.i]
		t := rfc822Token{off: p.i, space: space}
		switch {
		case c == '"':
			s, err := p.quotedString()
			if err != nil {
				return nil, err
			}
			t.text, t.quoted = s, true
		case c == '.':
			p.i++
			t.text, t.dot = ".", true
		case rfc822IsAtext(c):
			j := p.i
			for j < len(p.s) && rfc822IsAtext(p.s[j]) {
				j++
			}
			t.text = p.s[p.i:j]
			p.i = j
		default:
			return toks, nil
		}
		toks = append(toks, t)
		var err error
		if space, err = p.cfws(); err != nil {
			return nil, err
		}
	}
	return toks, nil
}

// rfc822Phrase makes a display name of tokens (RFC 5322 §3.2.5 phrase and
// obs-phrase: word *(word / "." / CFWS)).
func rfc822Phrase(toks []rfc822Token) (string, error) {
	if toks[0].dot {
		return "", &AddressError{Offset: toks[0].off, Msg: "display name starts with '.'"}
	}
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && t.space {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String(), nil
}

// rfc822DisplayName is rfc822Phrase for a display name: the atoms that
// are RFC 2047 encoded-words are decoded (§6.1), adjacent ones joined
// without the white space between them (§6.2). An encoded-word that does
// not decode (an unknown charset, bad encoding) is kept as it is.
func rfc822DisplayName(toks []rfc822Token) (string, error) {
	name, err := rfc822Phrase(toks)
	if err != nil || !strings.Contains(name, "=?") {
		return name, err
	}
	var dec mime.WordDecoder
	var b strings.Builder
	prevEncoded := false
	for i, t := range toks {
		word, encoded := t.text, false
		if !t.quoted && !t.dot && strings.HasPrefix(t.text, "=?") && strings.HasSuffix(t.text, "?=") {
			if d, err := dec.Decode(t.text); err == nil {
				word, encoded = d, true
			}
		}
		if i > 0 && t.space && !(encoded && prevEncoded) {
			b.WriteByte(' ')
		}
		b.WriteString(word)
		prevEncoded = encoded
	}
	return b.String(), nil
}

// addrSpecAfter reads the "@" domain of an addr-spec whose local part is
// toks (RFC 5322 §3.4.1 and §4.4 obs-local-part: word *("." word)).
func (p *rfc822Parser) addrSpecAfter(toks []rfc822Token) (AddrSpec, error) {
	if len(toks) == 0 {
		if p.eof() {
			return AddrSpec{}, p.errf("address expected, found end of text")
		}
		return AddrSpec{}, p.errf("address expected, found " + rfc822Quote(p.s[p.i]))
	}
	var a AddrSpec
	var b strings.Builder
	for i, t := range toks {
		if t.dot != (i%2 == 1) {
			if t.dot {
				return a, &AddressError{Offset: t.off, Msg: "local part: '.' not between two words"}
			}
			return a, &AddressError{Offset: t.off, Msg: "local part: words not separated by '.' (a display name needs <addr-spec>)"}
		}
		a.Quoted = a.Quoted || t.quoted
	}
	last := toks[len(toks)-1]
	if last.dot {
		return a, &AddressError{Offset: last.off, Msg: "local part ends with '.'"}
	}
	// Unquoted words with nothing between them are the text itself.
	contiguous := !a.Quoted
	for i := 1; i < len(toks) && contiguous; i++ {
		contiguous = toks[i].off == toks[i-1].off+len(toks[i-1].text)
	}
	if contiguous {
		a.LocalPart = p.s[toks[0].off : last.off+len(last.text)]
	} else {
		for _, t := range toks {
			b.WriteString(t.text)
		}
		a.LocalPart = b.String()
	}
	if p.eof() || p.s[p.i] != '@' {
		return a, p.errf("'@' domain expected after the local part")
	}
	p.i++
	d, err := p.domain()
	if err != nil {
		return a, err
	}
	a.Domain = d
	return a, nil
}

// domain reads a domain (RFC 5322 §3.4.1 dot-atom or domain-literal, and
// §4.4 obs-domain: atom *("." atom) with CFWS) and the CFWS after it.
func (p *rfc822Parser) domain() (string, error) {
	if err := p.skipCFWS(); err != nil {
		return "", err
	}
	if p.eof() {
		return "", p.errf("domain expected, found end of text")
	}
	var b strings.Builder
	if p.s[p.i] == '[' {
		start := p.i
		b.WriteByte('[')
		p.i++
		for {
			if p.eof() {
				return "", &AddressError{Offset: start, Msg: "domain literal not closed by ']'"}
			}
			c := p.s[p.i]
			switch {
			case c == ']':
				p.i++
				b.WriteByte(']')
				return b.String(), p.skipCFWS()
			case c == ' ' || c == '\t':
				p.i++
			case c == '\r' || c == '\n':
				if _, err := p.fws(); err != nil {
					return "", err
				}
			case c == '\\':
				if p.i+1 >= len(p.s) || !rfc822QPOK(p.s[p.i+1]) {
					return "", p.errf("bad quoted-pair in domain literal")
				}
				b.WriteString(p.s[p.i : p.i+2])
				p.i += 2
			case c > ' ' && c != '[' && c != 0x7f:
				b.WriteByte(c)
				p.i++
			default:
				return "", p.errf("bad " + rfc822Quote(c) + " in domain literal")
			}
		}
	}
	// While no CFWS has come between its atoms and dots, the domain is
	// the text p.s[start:end]; b holds it once some has.
	start, end, split := p.i, p.i, false
	add := func(from, to int) {
		if !split && from == end {
			end = to
			return
		}
		if !split {
			b.WriteString(p.s[start:end])
			split = true
		}
		b.WriteString(p.s[from:to])
	}
	for {
		j := p.i
		for j < len(p.s) && rfc822IsAtext(p.s[j]) {
			j++
		}
		if j == p.i {
			if p.eof() {
				return "", p.errf("domain: name expected, found end of text")
			}
			return "", p.errf("domain: name expected, found " + rfc822Quote(p.s[p.i]))
		}
		add(p.i, j)
		p.i = j
		if err := p.skipCFWS(); err != nil {
			return "", err
		}
		if p.eof() || p.s[p.i] != '.' {
			if split {
				return b.String(), nil
			}
			return p.s[start:end], nil
		}
		add(p.i, p.i+1)
		p.i++
		if err := p.skipCFWS(); err != nil {
			return "", err
		}
	}
}

// angleAddr reads "<" [obs-route] addr-spec ">" (RFC 5322 §3.4, §4.4)
// into m; p is at the "<".
func (p *rfc822Parser) angleAddr(m *Mailbox) error {
	start := p.i
	p.i++
	if err := p.skipCFWS(); err != nil {
		return err
	}
	if !p.eof() && (p.s[p.i] == '@' || p.s[p.i] == ',') {
		if err := p.route(m); err != nil {
			return err
		}
		if err := p.skipCFWS(); err != nil {
			return err
		}
	}
	toks, err := p.words()
	if err != nil {
		return err
	}
	a, err := p.addrSpecAfter(toks)
	if err != nil {
		return err
	}
	m.AddrSpec = a
	if p.eof() {
		return &AddressError{Offset: start, Msg: "'<' not closed by '>'"}
	}
	if p.s[p.i] != '>' {
		return p.errf("'>' expected, found " + rfc822Quote(p.s[p.i]))
	}
	p.i++
	return nil
}

// route reads an obs-route (RFC 5322 §4.4; RFC 822 §6.2.7 route):
// obs-domain-list ":", where obs-domain-list is
// *(CFWS / ",") "@" domain *("," [CFWS] ["@" domain]).
func (p *rfc822Parser) route(m *Mailbox) error {
	for !p.eof() && p.s[p.i] == ',' {
		p.i++
		if err := p.skipCFWS(); err != nil {
			return err
		}
	}
	for {
		if p.eof() || p.s[p.i] != '@' {
			return p.errf("route: '@' domain expected")
		}
		p.i++
		d, err := p.domain()
		if err != nil {
			return err
		}
		m.Route = append(m.Route, d)
		for {
			if p.eof() {
				return p.errf("route: ':' expected, found end of text")
			}
			if c := p.s[p.i]; c == ':' {
				p.i++
				return nil
			} else if c != ',' {
				return p.errf("route: ',' or ':' expected, found " + rfc822Quote(c))
			}
			p.i++
			if err := p.skipCFWS(); err != nil {
				return err
			}
			if !p.eof() && p.s[p.i] == '@' {
				break
			}
		}
	}
}

// mailbox reads a mailbox (name-addr or addr-spec); p is past leading CFWS.
func (p *rfc822Parser) mailbox() (Mailbox, error) {
	toks, err := p.words()
	if err != nil {
		return Mailbox{}, err
	}
	return p.mailboxAfter(toks)
}

func (p *rfc822Parser) mailboxAfter(toks []rfc822Token) (Mailbox, error) {
	var m Mailbox
	if !p.eof() && p.s[p.i] == '<' {
		if len(toks) > 0 {
			name, err := rfc822DisplayName(toks)
			if err != nil {
				return m, err
			}
			m.Name = name
		}
		err := p.angleAddr(&m)
		return m, err
	}
	if !p.eof() && p.s[p.i] == ':' && len(toks) > 0 {
		return m, p.errf("group where a mailbox is expected (groups do not nest)")
	}
	a, err := p.addrSpecAfter(toks)
	m.AddrSpec = a
	return m, err
}

// address reads a mailbox or a group; p is past leading CFWS.
func (p *rfc822Parser) address() (Address, error) {
	toks, err := p.words()
	if err != nil {
		return Address{}, err
	}
	if len(toks) == 0 || p.eof() || p.s[p.i] != ':' {
		m, err := p.mailboxAfter(toks)
		if err != nil {
			return Address{}, err
		}
		return Address{Mailbox: &m}, nil
	}
	name, err := rfc822DisplayName(toks)
	if err != nil {
		return Address{}, err
	}
	p.i++ // ':'
	g := &Group{Name: name, Comments: p.takeComments()}
	for {
		if err := p.skipCFWS(); err != nil {
			return Address{}, err
		}
		if p.eof() { // real mailers: "undisclosed-recipients:"
			g.Comments = append(g.Comments, p.takeComments()...)
			return Address{Group: g}, nil
		}
		switch p.s[p.i] {
		case ';':
			p.i++
			g.Comments = append(g.Comments, p.takeComments()...)
			return Address{Group: g}, nil
		case ',':
			p.i++
			continue
		}
		m, err := p.mailbox()
		if err != nil {
			return Address{}, err
		}
		if err := p.skipCFWS(); err != nil {
			return Address{}, err
		}
		m.Comments = p.takeComments()
		g.Members = append(g.Members, m)
		if !p.eof() && p.s[p.i] != ',' && p.s[p.i] != ';' {
			return Address{}, p.errf("',' or ';' expected in group, found " + rfc822Quote(p.s[p.i]))
		}
	}
}

// Field is one header field (RFC 5322 §2.2): a name, a colon and a body.
type Field struct {
	// Name is the field name as written (case kept), without the white
	// space that the RFC 5322 §4.5 obsolete syntax allows before the ":".
	Name string
	// Value is the unfolded field body (RFC 5322 §2.2.3): the text after
	// the ":", with the line end of each fold removed and all white space
	// kept (including the usual space after the colon).
	Value string
	// Line is the 1-based line number of the field's first line.
	Line int
}

// Header is a header block's fields in the order they came.
type Header []Field

// Get returns the value of the first field named name (compared without
// regard to case, RFC 5322 §1.2.2) and whether there is one.
func (h Header) Get(name string) (string, bool) {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// Values returns the values of all fields named name, in order.
func (h Header) Values(name string) []string {
	var vs []string
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// HeaderLimits bounds what ParseHeader accepts. A zero field takes its
// default.
type HeaderLimits struct {
	// MaxLineLen is the longest physical line in bytes, line end
	// excluded. Default 998, the RFC 5322 §2.1.1 limit (RFC 5321
	// §4.5.3.1.6 gives SMTP the same).
	MaxLineLen int
	// MaxFields is the most fields a header may have. Default 1000.
	MaxFields int
	// MaxSize is the most bytes of the header block, line ends and the
	// blank line included. Default 1 MiB.
	MaxSize int
}

// Default header limits; see HeaderLimits.
const (
	DefaultMaxHeaderLineLen = 998
	DefaultMaxHeaderFields  = 1000
	DefaultMaxHeaderSize    = 1 << 20
)

func (l HeaderLimits) withDefaults() HeaderLimits {
	if l.MaxLineLen <= 0 {
		l.MaxLineLen = DefaultMaxHeaderLineLen
	}
	if l.MaxFields <= 0 {
		l.MaxFields = DefaultMaxHeaderFields
	}
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultMaxHeaderSize
	}
	return l
}

// HeaderError is an error in a header block. Line is the 1-based line at
// fault.
type HeaderError struct {
	Line int
	Msg  string
}

func (e *HeaderError) Error() string {
	return "mixer: RFC 5322 header: line " + strconv.Itoa(e.Line) + ": " + e.Msg
}

// ParseHeader splits the header block at the start of data into its
// fields (RFC 5322 §2.2, §3.6), unfolded (§2.2.3), in order. The block
// ends at the first empty line; n is the offset just after that line (the
// start of the body), or len(data) when there is none. Lines end in CRLF
// or, as in files and from some mailers, a bare LF; a bare CR, a NUL, a
// line without ":", a field name that is not RFC 5322 §3.6.8 ftext, a
// continuation line before the first field, and anything over lim are
// errors naming the line. White space before the ":" (RFC 5322 §4.5) and
// folds made only of white space (§4.2) are accepted.
func ParseHeader(data []byte, lim HeaderLimits) (h Header, n int, err error) {
	lim = lim.withDefaults()
	var val []byte // the value of the last field, being unfolded
	flush := func() {
		if len(h) > 0 {
			h[len(h)-1].Value = string(val)
		}
	}
	pos, line := 0, 0
	for pos < len(data) {
		line++
		end, next := len(data), len(data)
		if k := bytes.IndexByte(data[pos:], '\n'); k >= 0 {
			end, next = pos+k, pos+k+1
			if end > pos && data[end-1] == '\r' {
				end--
			}
		}
		if next > lim.MaxSize {
			return nil, 0, &HeaderError{line, "header block longer than " + strconv.Itoa(lim.MaxSize) + " bytes"}
		}
		content := data[pos:end]
		pos = next
		if len(content) > lim.MaxLineLen {
			return nil, 0, &HeaderError{line, "line longer than " + strconv.Itoa(lim.MaxLineLen) + " bytes"}
		}
		if len(content) == 0 {
			flush()
			return h, pos, nil
		}
		if k := bytes.IndexByte(content, '\r'); k >= 0 {
			return nil, 0, &HeaderError{line, "bare CR at column " + strconv.Itoa(k+1)}
		}
		if k := bytes.IndexByte(content, 0); k >= 0 {
			return nil, 0, &HeaderError{line, "NUL at column " + strconv.Itoa(k+1)}
		}
		if content[0] == ' ' || content[0] == '\t' {
			if len(h) == 0 {
				return nil, 0, &HeaderError{line, "continuation line before the first field"}
			}
			val = append(val, content...)
			continue
		}
		colon := bytes.IndexByte(content, ':')
		if colon < 0 {
			return nil, 0, &HeaderError{line, "not a header field: no ':'"}
		}
		name := content[:colon]
		for len(name) > 0 && (name[len(name)-1] == ' ' || name[len(name)-1] == '\t') {
			name = name[:len(name)-1]
		}
		if len(name) == 0 {
			return nil, 0, &HeaderError{line, "empty field name"}
		}
		for i, c := range name {
			if c < 33 || c > 126 {
				return nil, 0, &HeaderError{line, "field name: " + rfc822Quote(c) + " at column " + strconv.Itoa(i+1) + " is not allowed"}
			}
		}
		if len(h) == lim.MaxFields {
			return nil, 0, &HeaderError{line, "more than " + strconv.Itoa(lim.MaxFields) + " fields"}
		}
		flush()
		h = append(h, Field{Name: string(name), Line: line})
		val = append(val[:0], content[colon+1:]...)
	}
	flush()
	return h, len(data), nil
}

// rfc822FoldWidth is the line length FormatHeader folds to when it can
// (RFC 5322 §2.1.1 "SHOULD be no more than 78 characters").
const rfc822FoldWidth = 78

// FormatHeader writes h as a header block: each field as Name ":" Value,
// folded (RFC 5322 §2.2.3) before white space so that lines keep to 78
// characters where the value allows, lines ending in CRLF. No blank line
// is added. A header that ParseHeader returned formats to bytes that parse
// to the same fields (Line apart). Values must not contain CR or LF.
func FormatHeader(h Header) []byte {
	var b []byte
	for _, f := range h {
		b = append(b, f.Name...)
		b = append(b, ':')
		b = rfc822Fold(b, f.Value, len(f.Name)+1)
		b = append(b, '\r', '\n')
	}
	return b
}

// rfc822Fold appends v, breaking lines before a white space character
// when the line would pass rfc822FoldWidth. A line is only broken where
// it has text before the break, so no line is made only of white space
// except where v itself ends in white space.
func rfc822Fold(b []byte, v string, prefix int) []byte {
	start := 0   // start in v of the current output line
	brk := -1    // latest break candidate in the current line
	text := true // current line has non-WSP before i (the field name counts)
	for i := 0; i < len(v); i++ {
		c := v[i]
		wsp := c == ' ' || c == '\t'
		if wsp && text && i > start {
			brk = i
		} else if wsp && text && start == 0 && prefix > 0 {
			brk = i
		}
		if !wsp {
			text = true
		}
		if prefix+i-start+1 > rfc822FoldWidth && brk >= 0 {
			b = append(b, v[start:brk]...)
			b = append(b, '\r', '\n')
			start, prefix, text, brk = brk, 0, false, -1
			i = start // v[start] is WSP: rescan after it
			continue
		}
	}
	return append(b, v[start:]...)
}

// rfc822DateLayout is the usual RFC 5322 §3.3 date-time: a day of the
// week, four-digit year, seconds and a numeric zone. It is the first
// layout with a day of the week that net/mail.ParseDate tries.
const rfc822DateLayout = "Mon, 2 Jan 2006 15:04:05 -0700"

// parseDate is net/mail.ParseDate, the same result for every input, with
// a fast path for the usual form. net/mail first tries, and fails, the
// 24 layouts without a day of the week (each failure allocating its
// error) before it reaches rfc822DateLayout; a text that time.Parse reads
// with that layout is exactly what net/mail passes to it (no CR or LF,
// nothing before the day name, nothing after the zone), and no layout
// before it can read a text that starts with a day name, so net/mail
// would return this very result.
func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(rfc822DateLayout, s); err == nil {
		return t, nil
	}
	return mail.ParseDate(s)
}
