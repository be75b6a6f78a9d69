package mixer

// The body mapping, RFC 2157 (MIME <-> X.400 body parts), to which RFC 2156
// §5.1.4 and §5.3.4.1 point.
//
// X.400 -> MIME (RFC 2157 §2.2, §5.4):
//
//	ia5-text             text/plain; charset=us-ascii (§6.1); HARPOON (§3.1.3) unwrapped
//	general-text         text/plain; charset=ISO-8859-n, utf-8, iso-2022-jp, x-iso-nnn-... (§6.2)
//	teletex              text/plain; charset=utf-8 (T.61 converted, §6.7 NOTE), else charset=teletex
//	bilaterally-defined  application/octet-stream (§6.3)
//	file-transfer        application/octet-stream with Content-Disposition (§2.3, §6.4)
//	message              message/rfc822 (§6.5), or multipart/* when the forwarded IPM
//	                     was made from a nested multipart (§6.6)
//	mime-body-part       the MIME content it encapsulates (§3.1.2)
//	anything else        application/x400-bp; bp-type=... (§3.2)
//	several parts        multipart/mixed (multipart/digest when all are messages, §2.2)
//
// MIME -> X.400 (RFC 2157 §2.1, §5.3): the reverse, with application/x400-bp
// decoded back to the body part it carries, and every MIME content with no
// mapping encapsulated in the mime-body-part extended body part (§3.1.2),
// so that it comes back identical.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mixerd/ber"
	"mixerd/x400"
)

// Object identifiers of RFC 2157 Appendix B, under mixer
// {iso(1) org(3) dod(6) internet(1) mail(7) mixer(1)}.
var (
	// OIDMultipartMessageV2 is id-hex-multipart-message-v2 {mixer-headings 3},
	// the heading extension naming the multipart a forwarded IPM (or the
	// IPM) was made from, RFC 2157 §6.6.
	OIDMultipartMessageV2 = ber.MustOID("1.3.6.1.7.1.1.3")
	// OIDMIMEBodyPartData and OIDMIMEBodyPartParameters are id-mime-bp-data
	// and id-mime-bp-parameters, the mime-body-part extended body part,
	// RFC 2157 §3.1.2.
	OIDMIMEBodyPartData       = ber.MustOID("1.3.6.1.7.1.2.1.1")
	OIDMIMEBodyPartParameters = ber.MustOID("1.3.6.1.7.1.2.2.1")
)

// Bounds on the MIME structure MIMEToBody accepts.
const (
	// BodyMaxDepth is the deepest nesting of multiparts and message/rfc822
	// contents.
	BodyMaxDepth = 8
	// BodyMaxParts is the most MIME entities in one message, all levels.
	BodyMaxParts = 1000
)

// mimeField reports whether the header field named name is the body
// mapping's (MIME-Version, Content-*).
func mimeField(name string) bool {
	// Content-Language of the message is the heading's (the languages
	// heading extension, RFC 2156 §5.1.3 and Appendix C).
	return strings.EqualFold(name, "MIME-Version") ||
		len(name) > 8 && strings.EqualFold(name[:8], "Content-") && !strings.EqualFold(name, "Content-Language")
}

// MultipartHeadingExtension returns the multipart-message heading
// extension (RFC 2157 §6.6) for a multipart of the given subtype:
//
//	multipart-message HEADING-EXTENSION VALUE MultipartType ::= id-hex-multipart-message-v2
//	MultipartType ::= SEQUENCE { subtype IA5String, isAMessage BOOLEAN DEFAULT TRUE }
func MultipartHeadingExtension(subtype string, isAMessage bool) x400.IPMSExtension {
	b := ber.NewBuilder(len(subtype) + 8)
	m := b.Begin(ber.Sequence)
	b.AddString(ber.IA5String, subtype)
	if !isAMessage {
		b.AddBool(ber.Universal(1), false)
	}
	b.End(m)
	return x400.IPMSExtension{Type: OIDMultipartMessageV2, Value: x400.Raw(b.Bytes())}
}

// ParseMultipartHeadingExtension decodes the value of a multipart-message
// heading extension (RFC 2157 §6.6).
func ParseMultipartHeadingExtension(x *x400.IPMSExtension) (subtype string, isAMessage bool, err error) {
	r := ber.NewReader(x.Value, nil)
	e, err := r.Expect(ber.Sequence)
	if err != nil {
		return "", false, err
	}
	c, err := e.Children()
	if err != nil {
		return "", false, err
	}
	s, err := c.Expect(ber.IA5String)
	if err != nil {
		return "", false, ber.Annotate(err, "subtype")
	}
	sb, err := s.Bytes()
	if err != nil {
		return "", false, ber.Annotate(err, "subtype")
	}
	isAMessage = true
	if !c.Empty() {
		be, err := c.Expect(ber.Universal(1))
		if err != nil {
			return "", false, ber.Annotate(err, "isAMessage")
		}
		if isAMessage, err = be.Bool(); err != nil {
			return "", false, ber.Annotate(err, "isAMessage")
		}
	}
	if err := c.End("MultipartType"); err != nil {
		return "", false, err
	}
	if !bodyIsToken(string(sb)) {
		return "", false, fmt.Errorf("subtype %q is not a MIME token", sb)
	}
	return strings.ToLower(string(sb)), isAMessage, nil
}

// TopMultipartSubtype returns the subtype of the message's own multipart
// when it is not "mixed" ("" otherwise): the IPM made from it should carry
// MultipartHeadingExtension(subtype, true) on its heading (RFC 2157 §6.6),
// which MIMEToBody cannot set.
func TopMultipartSubtype(h Header) string {
	v, ok := h.Get("Content-Type")
	if !ok {
		return ""
	}
	mt, _, err := mime.ParseMediaType(v)
	if err != nil || !strings.HasPrefix(mt, "multipart/") || mt == "multipart/mixed" {
		return ""
	}
	return mt[len("multipart/"):]
}

// ---------------------------------------------------------------------
// X.400 -> MIME

// BodyToMIME maps IPM body parts to a MIME body: the MIME header fields
// of the message (MIME-Version, Content-Type, Content-Transfer-Encoding
// and, for a single part, its Content-Disposition or Content-Description;
// for a first "RFC-822-Headers:" body part, RFC 2157 §2.2, also the
// fields it holds) and the body's bytes, with CRLF line ends, lines of at
// most 998 octets, 7bit, quoted-printable or base64 (RFC 2157 §2.2).
// Several parts make a multipart/mixed.
func (g *Gateway) BodyToMIME(body []x400.BodyPart, rep *Report) (Header, []byte, error) {
	return g.bodyToMIME(body, "", "body", rep)
}

// bodyToMIME is BodyToMIME with the multipart subtype to use ("" for
// mixed or digest as RFC 2157 §2.2 says) and the name of the body in
// reports.
func (g *Gateway) bodyToMIME(body []x400.BodyPart, subtype, name string, rep *Report) (Header, []byte, error) {
	var extra Header
	if len(body) > 1 && body[0].Kind == x400.BodyPartIA5Text && body[0].IA5Text != nil {
		if fields, ok := bodyRFC822Headers(body[0].IA5Text.Data); ok {
			extra = fields
			rep.Mapped(name+" part 1 (RFC-822-Headers)", "header fields")
			body = body[1:]
		}
	}
	h := Header{{Name: "MIME-Version", Value: " 1.0"}}
	if len(body) == 0 {
		h = append(h, Field{Name: "Content-Type", Value: " text/plain; charset=us-ascii"})
		return append(extra, h...), nil, nil
	}
	if len(body) == 1 && subtype == "" {
		ph, pb, err := g.bodyPartToMIME(&body[0], name+" part 1", rep)
		if err != nil {
			return nil, nil, err
		}
		return append(extra, append(h, ph...)...), pb, nil
	}
	if subtype == "" {
		subtype = "digest"
		for i := range body {
			if body[i].Kind != x400.BodyPartMessage {
				subtype = "mixed"
			}
		}
	}
	heads := make([]Header, len(body))
	contents := make([][]byte, len(body))
	for i := range body {
		ph, pb, err := g.bodyPartToMIME(&body[i], name+" part "+strconv.Itoa(i+1), rep)
		if err != nil {
			return nil, nil, err
		}
		heads[i], contents[i] = ph, pb
	}
	boundary := bodyBoundary(heads, contents)
	var out []byte
	for i := range body {
		out = append(out, "--"...)
		out = append(out, boundary...)
		out = append(out, '\r', '\n')
		out = append(out, FormatHeader(heads[i])...)
		out = append(out, '\r', '\n')
		out = append(out, contents[i]...)
		// The CRLF before a delimiter belongs to it (RFC 2046 §5.1.1).
		out = append(out, '\r', '\n')
	}
	out = append(out, "--"...)
	out = append(out, boundary...)
	out = append(out, "--\r\n"...)
	ct := mime.FormatMediaType("multipart/"+subtype, map[string]string{"boundary": boundary})
	h = append(h, Field{Name: "Content-Type", Value: " " + ct})
	return append(extra, h...), out, nil
}

// bodyBoundary returns a multipart boundary that occurs in none of the
// parts (RFC 2046 §5.1.1). "=_" cannot occur in quoted-printable or
// base64 output; the parts are checked all the same.
func bodyBoundary(heads []Header, contents [][]byte) string {
	sum := sha256.New()
	for i := range contents {
		sum.Write(FormatHeader(heads[i]))
		sum.Write(contents[i])
	}
	base := "=_mixer_" + hex.EncodeToString(sum.Sum(nil)[:12])
	for n := 0; ; n++ {
		b := base
		if n > 0 {
			b += "_" + strconv.Itoa(n)
		}
		clash := false
		for i := range contents {
			if bytes.Contains(contents[i], []byte(b)) || bytes.Contains(FormatHeader(heads[i]), []byte(b)) {
				clash = true
				break
			}
		}
		if !clash {
			return b
		}
	}
}

// bodyRFC822Headers recognises the body part of RFC 2156 Appendix B whose
// first line is "RFC-822-Headers:" and returns the header fields after
// that line, RFC 2157 §2.2. ok is false when the part is not one, or does
// not hold a valid header block.
func bodyRFC822Headers(s string) (Header, bool) {
	const tag = "RFC-822-Headers:"
	if len(s) < len(tag) || !strings.EqualFold(s[:len(tag)], tag) {
		return nil, false
	}
	rest := s[len(tag):]
	i := strings.IndexByte(rest, '\n')
	if i < 0 || strings.TrimSpace(rest[:i]) != "" {
		return nil, false
	}
	rest = rest[i+1:]
	h, n, err := ParseHeader([]byte(rest), HeaderLimits{})
	if err != nil || strings.TrimSpace(rest[n:]) != "" || len(h) == 0 {
		return nil, false
	}
	for i := range h {
		h[i].Line = 0
		if !x400.IsIA5String(h[i].Value) {
			return nil, false
		}
	}
	return h, true
}

// bodyPartToMIME maps one body part to the MIME fields of its entity and
// its encoded content.
func (g *Gateway) bodyPartToMIME(p *x400.BodyPart, name string, rep *Report) (Header, []byte, error) {
	switch p.Kind {
	case x400.BodyPartIA5Text:
		if p.IA5Text == nil {
			return nil, nil, syntaxError(name, errors.New("ia5-text body part without a value"))
		}
		return g.bodyIA5ToMIME(p.IA5Text, name, rep)
	case x400.BodyPartGeneralText:
		if p.GeneralText == nil {
			return nil, nil, syntaxError(name, errors.New("general-text body part without a value"))
		}
		return bodyGeneralTextToMIME(p.GeneralText, name, rep)
	case x400.BodyPartTeletex:
		if p.Teletex == nil {
			return nil, nil, syntaxError(name, errors.New("teletex body part without a value"))
		}
		return bodyTeletexToMIME(p.Teletex, name, rep)
	case x400.BodyPartBilaterallyDefined:
		rep.Mapped(name+" bilaterally-defined", "application/octet-stream")
		return Header{
			{Name: "Content-Type", Value: " application/octet-stream"},
			{Name: "Content-Transfer-Encoding", Value: " base64"},
		}, bodyBase64(p.BilaterallyDefined), nil
	case x400.BodyPartFileTransfer:
		if p.FileTransfer == nil {
			return nil, nil, syntaxError(name, errors.New("file-transfer body part without a value"))
		}
		if h, b, ok := bodyFTBPToMIME(p.FileTransfer, name, rep); ok {
			return h, b, nil
		}
	case x400.BodyPartMessage:
		if p.Message == nil {
			return nil, nil, syntaxError(name, errors.New("message body part without a value"))
		}
		return g.bodyMessageToMIME(p.Message, name, rep)
	case x400.BodyPartExtended:
		if p.Raw == nil || p.Other != nil {
			if h, b, ok, err := bodyMIMEPartToMIME(p.Other, name, rep); ok || err != nil {
				return h, b, err
			}
		}
	}
	return bodyEncapsulateX400(p, name, rep)
}

// bodyIA5ToMIME maps an IA5 text body part: text/plain; charset=us-ascii,
// with the repertoire ignored (RFC 2157 §6.1), or the MIME entity it
// holds when it is HARPOON-encapsulated (§2.2 (1), §3.1.3).
func (g *Gateway) bodyIA5ToMIME(x *x400.IA5TextBodyPart, name string, rep *Report) (Header, []byte, error) {
	if h, b, ok := bodyHarpoon(x.Data); ok {
		rep.Mapped(name+" ia5-text (HARPOON, RFC 2157 §3.1.3)", "MIME entity")
		return h, b, nil
	}
	data := []byte(x.Data)
	cs := "us-ascii"
	if !x400.IsIA5String(x.Data) {
		// RFC 2157 §6.1 NOTE, RFC 1428: 8-bit text in an IA5 part.
		cs = "unknown-8bit"
		if utf8.Valid(data) {
			cs = "utf-8"
		}
		rep.Mapped(name+" ia5-text", "text/plain; charset="+cs+" (8-bit octets in IA5 text, RFC 2157 §6.1 NOTE)")
	} else {
		rep.Mapped(name+" ia5-text", "text/plain; charset=us-ascii")
	}
	h, b := bodyText("text/plain; charset="+cs, data)
	return h, b, nil
}

// bodyHarpoon recognises an IA5 body part that holds a MIME entity whose
// first line is "MIME-Version:" (RFC 2157 §2.2 (1), §3.1.3) and returns
// its MIME fields (MIME-Version left out) and content.
func bodyHarpoon(s string) (Header, []byte, bool) {
	const tag = "MIME-Version:"
	if len(s) < len(tag) || !strings.EqualFold(s[:len(tag)], tag) || !x400.IsIA5String(s) {
		return nil, nil, false
	}
	h, n, err := ParseHeader([]byte(s), HeaderLimits{})
	if err != nil || n == len(s) && !strings.HasSuffix(s, "\n") {
		return nil, nil, false
	}
	var out Header
	for _, f := range h {
		if !mimeField(f.Name) {
			return nil, nil, false
		}
		if strings.EqualFold(f.Name, "MIME-Version") {
			continue
		}
		f.Line = 0
		out = append(out, f)
	}
	if _, ok := out.Get("Content-Type"); !ok {
		return nil, nil, false
	}
	return out, bodyCRLF([]byte(s[n:])), true
}

// The ISO 8859 parts and the ISO-IR registration of their right-hand
// halves, with the final octet of their G1 designation (ESC 2/13 F),
// RFC 2157 §6.2.
var bodyISO8859 = [...]struct {
	charset string
	ir      int
	final   byte
}{
	{"iso-8859-1", 100, 'A'}, {"iso-8859-2", 101, 'B'}, {"iso-8859-3", 109, 'C'},
	{"iso-8859-4", 110, 'D'}, {"iso-8859-5", 144, 'L'}, {"iso-8859-6", 127, 'G'},
	{"iso-8859-7", 126, 'F'}, {"iso-8859-8", 138, 'H'}, {"iso-8859-9", 148, 'M'},
}

// bodyGeneralTextToMIME maps a general text body part to text/plain with
// the charset its character sets give, RFC 2157 §6.2: ISO-8859-n when
// they are ASCII and one ISO 8859 right-hand half designated at the start
// only (the escape sequences are removed); otherwise utf-8 when the text
// converts (x400 GeneralTextBodyPart.Text); iso-2022-jp for 7-bit text in
// ISO-IR 6, 14, 42, 87; otherwise x-iso-nnn-nnn... with the octets as
// they are.
func bodyGeneralTextToMIME(x *x400.GeneralTextBodyPart, name string, rep *Report) (Header, []byte, error) {
	var others []int
	c1 := false
	for _, r := range x.CharacterSets {
		switch r {
		case 1, 2, 6:
		case 77:
			c1 = true
		default:
			others = append(others, r)
		}
	}
	if len(others) == 1 {
		for _, e := range bodyISO8859 {
			if e.ir != others[0] {
				continue
			}
			if d, ok := bodyStripDesignations(x.Data, e.final, c1); ok {
				rep.Mapped(name+" general-text", "text/plain; charset="+e.charset)
				h, b := bodyText("text/plain; charset="+e.charset, d)
				return h, b, nil
			}
		}
	}
	if s, ok := x.Text(); ok {
		cs := "utf-8"
		if x400.IsIA5String(s) {
			cs = "us-ascii"
		}
		rep.Mapped(name+" general-text", "text/plain; charset="+cs)
		h, b := bodyText("text/plain; charset="+cs, []byte(s))
		return h, b, nil
	}
	slices.Sort(others)
	if slices.Equal(others, []int{14, 42, 87}) && bodyIs7bit(x.Data) {
		rep.Mapped(name+" general-text", "text/plain; charset=iso-2022-jp")
		h, b := bodyText("text/plain; charset=iso-2022-jp", x.Data)
		return h, b, nil
	}
	sets := slices.Clone(x.CharacterSets)
	slices.Sort(sets)
	var sb strings.Builder
	sb.WriteString("x-iso")
	for _, r := range sets {
		fmt.Fprintf(&sb, "-%03d", r)
	}
	cs := sb.String()
	rep.Mapped(name+" general-text", "text/plain; charset="+cs+" (RFC 2157 §6.2: no conversion known)")
	return Header{
		{Name: "Content-Type", Value: " text/plain; charset=" + cs},
		{Name: "Content-Transfer-Encoding", Value: " base64"},
	}, bodyBase64(x.Data), nil
}

// bodyStripDesignations removes the escape sequences at the start of
// general text that designate and invoke ASCII (ESC ( B), the ISO 8859
// part with final octet f (ESC - f), the C1 set (ESC " C, and ESC ! A as
// RFC 2157 §6.2 writes it) and LS1R (ESC ~), and returns the rest, which
// must hold no escape or shift sequence and whose C1 octets are allowed
// only when c1.
func bodyStripDesignations(d []byte, f byte, c1 bool) ([]byte, bool) {
	for len(d) > 0 && d[0] == 0x1b {
		switch {
		case len(d) >= 3 && d[1] == '(' && (d[2] == 'B' || d[2] == '@'),
			len(d) >= 3 && d[1] == '-' && d[2] == f,
			len(d) >= 3 && d[1] == '"' && d[2] == 'C',
			len(d) >= 3 && d[1] == '!' && d[2] == 'A':
			d = d[3:]
		case len(d) >= 2 && d[1] == '~':
			d = d[2:]
		default:
			return nil, false
		}
	}
	for _, c := range d {
		if c == 0x1b || c == 0x0e || c == 0x0f || (!c1 && c >= 0x80 && c < 0xa0) {
			return nil, false
		}
	}
	return d, true
}

// bodyTeletexToMIME maps a teletex body part, RFC 2157 §6.7: the pages,
// each ended by a FF, as text/plain. Following the §6.7 NOTE the T.61 is
// converted to UTF-8 when it can be (us-ascii when it is ASCII);
// otherwise the octets are kept with charset=teletex. The parameters are
// discarded (§6.7).
func bodyTeletexToMIME(x *x400.TeletexBodyPart, name string, rep *Report) (Header, []byte, error) {
	if x.NumberOfPages != 0 || x.TelexCompatible || x.NonBasicParameters != nil {
		rep.Dropped(name+" teletex parameters", "RFC 2157 §6.7: the parameters are discarded")
	}
	var conv []byte
	ok := true
	for _, page := range x.Data {
		s, err := x400.T61ToUTF8(page)
		if err != nil {
			ok = false
			break
		}
		conv = append(conv, s...)
		if !strings.HasSuffix(s, "\f") {
			conv = append(conv, '\f')
		}
	}
	if ok {
		cs := "utf-8"
		if bodyIs7bit(conv) {
			cs = "us-ascii"
		}
		rep.Mapped(name+" teletex", "text/plain; charset="+cs+" (T.61 converted, RFC 2157 §6.7 NOTE)")
		h, b := bodyText("text/plain; charset="+cs, conv)
		return h, b, nil
	}
	var raw []byte
	for _, page := range x.Data {
		raw = append(raw, page...)
		if !bytes.HasSuffix(page, []byte{'\f'}) {
			raw = append(raw, '\f')
		}
	}
	rep.Mapped(name+" teletex", "text/plain; charset=teletex (RFC 2157 §6.7)")
	return Header{
		{Name: "Content-Type", Value: " text/plain; charset=teletex"},
		{Name: "Content-Transfer-Encoding", Value: " quoted-printable"},
	}, bodyQP(raw), nil
}

// bodyFTBPToMIME maps a file transfer body part holding one unstructured
// binary file to application/octet-stream with its FTBP parameters in
// Content-Disposition, RFC 2157 §2.3, §3.3, §6.4: filename from the
// pathname, creation-date, modification-date, read-date and size from the
// file attributes. ok is false when §3.3 says the x400-bp encapsulation
// is to be used instead (more than one data element, a contents type
// other than unstructured binary, data that is not an octet string).
func bodyFTBPToMIME(x *x400.FileTransferBodyPart, name string, rep *Report) (Header, []byte, bool) {
	if len(x.Data) != 1 || x.ConstraintSet != nil || x.AbstractSyntax != nil ||
		x.DocumentType != nil && !x.DocumentType.Equal(x400.FTAMDocumentUnstructuredBinary) {
		return nil, nil, false
	}
	data, ok := x.Content()
	if !ok {
		return nil, nil, false
	}
	params := map[string]string{}
	if fn := x.FileName(); fn != "" {
		params["filename"] = fn
		rep.Mapped(name+" file-transfer pathname", "Content-Disposition filename")
		if len(x.Pathname) > 1 {
			rep.Dropped(name+" file-transfer pathname", "only the last of "+strconv.Itoa(len(x.Pathname))+" components is the file name (RFC 2157 §2.3.2)")
		}
	}
	for _, d := range []struct {
		t    time.Time
		key  string
		from string
	}{{x.Created, "creation-date", "date-and-time-of-creation"},
		{x.Modified, "modification-date", "date-and-time-of-last-modification"},
		{x.ReadAccess, "read-date", "date-and-time-of-last-read-access"}} {
		if !d.t.IsZero() {
			params[d.key] = d.t.Format(time.RFC1123Z)
			rep.Mapped(name+" file-transfer "+d.from, "Content-Disposition "+d.key)
		}
	}
	if x.Size != nil {
		params["size"] = strconv.FormatInt(*x.Size, 10)
		rep.Mapped(name+" file-transfer object-size", "Content-Disposition size")
	}
	for _, o := range []struct {
		present bool
		what    string
	}{{x.Creator != "", "identity-of-creator"}, {x.StorageAccount != "", "storage-account"},
		{x.PermittedActions != 0, "permitted-actions"}, {x.FutureSize != nil, "future-object-size"},
		{x.DocumentParameter != nil, "document-type parameter"}} {
		if o.present {
			rep.Dropped(name+" file-transfer "+o.what, "RFC 2157 §2.3.3: other FTBP parameters are discarded")
		}
	}
	rep.Mapped(name+" file-transfer", "application/octet-stream")
	return Header{
		{Name: "Content-Type", Value: " application/octet-stream"},
		{Name: "Content-Transfer-Encoding", Value: " base64"},
		{Name: "Content-Disposition", Value: " " + mime.FormatMediaType("attachment", params)},
	}, bodyBase64(data), true
}

// bodyMessageToMIME maps a forwarded IPM, RFC 2157 §6.5: the full X.400 ->
// RFC 822 mapping applied to it, as message/rfc822, with its delivery
// time in Delivery-Date:. A forwarded IPM that a gateway made from a
// nested multipart (multipart-message heading extension with isAMessage
// false, §6.6) becomes that multipart again.
func (g *Gateway) bodyMessageToMIME(x *x400.MessageBodyPart, name string, rep *Report) (Header, []byte, error) {
	subtype, isAMessage := "", true
	if ext, ok := x.IPM.Heading.Extension(OIDMultipartMessageV2); ok {
		st, am, err := ParseMultipartHeadingExtension(ext)
		if err != nil {
			return nil, nil, syntaxError(name+" multipart-message heading extension", err)
		}
		subtype, isAMessage = st, am
	}
	if !isAMessage {
		rep.Mapped(name+" message", "multipart/"+subtype+" (RFC 2157 §6.6)")
		rep.Dropped(name+" message heading", "generated by a gateway for a nested multipart (RFC 2157 §6.6)")
		h, b, err := g.bodyToMIME(x.IPM.Body, subtype, name, rep)
		if err != nil {
			return nil, nil, err
		}
		// MIME-Version belongs to the message only.
		return slices.DeleteFunc(h, func(f Field) bool { return strings.EqualFold(f.Name, "MIME-Version") }), b, nil
	}
	h, b, err := g.ipmToRFC822(&x.IPM, nil, rep)
	if err != nil {
		return nil, nil, err
	}
	if subtype != "" && subtype != "mixed" {
		for i := range h {
			if strings.EqualFold(h[i].Name, "Content-Type") {
				h[i].Value = strings.Replace(h[i].Value, "multipart/mixed", "multipart/"+subtype, 1)
			}
		}
	}
	if !x.DeliveryTime.IsZero() {
		h = append(h, Field{Name: "Delivery-Date", Value: " " + x.DeliveryTime.Format(time.RFC1123Z)})
		rep.Mapped(name+" message delivery-time", "Delivery-Date")
	}
	if x.DeliveryEnvelope != nil {
		rep.Dropped(name+" message delivery-envelope", "the MTS fields of a forwarded message are not mapped")
	}
	rep.Mapped(name+" message", "message/rfc822")
	content := append(FormatHeader(h), '\r', '\n')
	content = append(content, b...)
	cte := "7bit"
	if !bodyIs7bit(content) {
		cte = "8bit"
	}
	return Header{
		{Name: "Content-Type", Value: " message/rfc822"},
		{Name: "Content-Transfer-Encoding", Value: " " + cte},
	}, content, nil
}

// bodyMIMEPartToMIME maps the mime-body-part extended body part (RFC 2157
// §3.1.2) back to the MIME entity it encapsulates. ok is false when x is
// not one.
func bodyMIMEPartToMIME(x *x400.ExtendedBodyPart, name string, rep *Report) (Header, []byte, bool, error) {
	if x == nil || !x.Data.DirectReference.Equal(OIDMIMEBodyPartData) ||
		x.Parameters == nil || !x.Parameters.DirectReference.Equal(OIDMIMEBodyPartParameters) {
		return nil, nil, false, nil
	}
	bad := func(err error) (Header, []byte, bool, error) {
		return nil, nil, true, syntaxError(name+" mime-body-part", err)
	}
	data, err := bodyExternalOctets(&x.Data)
	if err != nil {
		return bad(ber.Annotate(err, "data"))
	}
	pv, err := bodyExternalValue(x.Parameters)
	if err != nil {
		return bad(ber.Annotate(err, "parameters"))
	}
	ct, params, fields, err := bodyDecodeMIMEParameters(pv)
	if err != nil {
		return bad(ber.Annotate(err, "parameters"))
	}
	mt := ct
	if i := strings.IndexByte(ct, '/'); i < 0 || !bodyIsToken(ct[:i]) || !bodyIsToken(ct[i+1:]) {
		return bad(fmt.Errorf("content-type %q", ct))
	}
	var sb strings.Builder
	sb.WriteString(ct)
	for _, p := range params {
		// RFC 2157 §3.1.2: quote what needs it, keep what is quoted.
		sb.WriteString("; ")
		sb.WriteString(p[0])
		sb.WriteByte('=')
		if bodyIsToken(p[1]) || len(p[1]) >= 2 && p[1][0] == '"' && p[1][len(p[1])-1] == '"' {
			sb.WriteString(p[1])
		} else {
			sb.WriteString(strconv.Quote(p[1]))
		}
	}
	h := Header{{Name: "Content-Type", Value: " " + sb.String()}}
	for _, f := range fields {
		i := strings.IndexByte(f, ':')
		if i <= 0 {
			return bad(fmt.Errorf("other-header-fields: %q is not a header field", f))
		}
		n := strings.TrimRight(f[:i], " \t")
		if strings.EqualFold(n, "Content-Type") || strings.EqualFold(n, "Content-Transfer-Encoding") || strings.EqualFold(n, "MIME-Version") {
			continue // RFC 2157 §3.1.2 (1), (3)
		}
		h = append(h, Field{Name: n, Value: f[i+1:]})
	}
	var b []byte
	if strings.HasPrefix(strings.ToLower(mt), "multipart/") || strings.HasPrefix(strings.ToLower(mt), "message/") {
		cte := "7bit"
		if !bodyIs7bit(data) {
			cte = "8bit"
		}
		h = slices.Insert(h, 1, Field{Name: "Content-Transfer-Encoding", Value: " " + cte})
		b = data
	} else if strings.HasPrefix(strings.ToLower(mt), "text/") {
		th, tb := bodyText(ct, data)
		h = slices.Insert(h, 1, th[1:]...)
		b = tb
	} else {
		h = slices.Insert(h, 1, Field{Name: "Content-Transfer-Encoding", Value: " base64"})
		b = bodyBase64(data)
	}
	rep.Mapped(name+" mime-body-part", mt+" (RFC 2157 §3.1.2)")
	return h, b, true, nil
}

// bodyEncapsulateX400 wraps a body part with no MIME mapping in
// application/x400-bp, RFC 2157 §3.2: bp-type is the basic body part's
// tag number or the extended body part's data type, the content is the
// body part's BER encoding, in base64.
func bodyEncapsulateX400(p *x400.BodyPart, name string, rep *Report) (Header, []byte, error) {
	enc, err := p.Marshal()
	if err != nil {
		return nil, nil, contentError(name, err)
	}
	bpType, err := bodyPartType(enc)
	if err != nil {
		return nil, nil, syntaxError(name, err)
	}
	rep.Carried(name+" "+p.Kind.String(), "application/x400-bp; bp-type="+bpType, "RFC 2157 §3.2 encapsulation")
	return Header{
		{Name: "Content-Type", Value: " application/x400-bp; bp-type=" + bpType},
		{Name: "Content-Transfer-Encoding", Value: " base64"},
	}, bodyBase64(enc), nil
}

// bodyPartType returns the RFC 2157 §3.2 bp-type of an encoded body part.
func bodyPartType(enc []byte) (string, error) {
	r := ber.NewReader(enc, ContentLimits)
	e, err := r.Next()
	if err != nil {
		return "", err
	}
	if e.Tag.Class != ber.ClassContext {
		return "", e.Errorf("body part of tag %s", e.Tag)
	}
	if e.Tag.Number != 15 {
		return strconv.FormatUint(uint64(e.Tag.Number), 10), nil
	}
	c, err := e.Children()
	if err != nil {
		return "", err
	}
	if c.PeekIs(ber.Context(0)) {
		if _, err := c.Next(); err != nil {
			return "", err
		}
	}
	d, err := c.Expect(ber.External)
	if err != nil {
		return "", err
	}
	dc, err := d.Children()
	if err != nil {
		return "", err
	}
	o, err := dc.Expect(ber.ObjectID)
	if err != nil {
		return "", ber.Annotate(err, "direct-reference")
	}
	oid, err := o.OID()
	if err != nil {
		return "", err
	}
	return oid.String(), nil
}

// bodyExternalOctets returns the octets of an EXTERNAL holding an OCTET
// STRING (single-ASN1-type, or octet-aligned as some implementations
// write it, RFC 2157 §5.5).
func bodyExternalOctets(x *x400.External) ([]byte, error) {
	switch x.Encoding {
	case x400.ExternalOctetAligned:
		return x.Octets, nil
	case x400.ExternalSingleASN1Type:
		r := ber.NewReader(x.Value, nil)
		e, err := r.Expect(ber.OctetString)
		if err != nil {
			return nil, err
		}
		return e.Bytes()
	}
	return nil, errors.New("EXTERNAL is neither single-ASN1-type nor octet-aligned")
}

// bodyExternalValue returns the encoding of an EXTERNAL's value.
func bodyExternalValue(x *x400.External) ([]byte, error) {
	switch x.Encoding {
	case x400.ExternalOctetAligned:
		return x.Octets, nil
	case x400.ExternalSingleASN1Type:
		return x.Value, nil
	}
	return nil, errors.New("EXTERNAL is neither single-ASN1-type nor octet-aligned")
}

// bodyEncodeMIMEParameters encodes RFC 2157 §3.1.2 MimeParameters:
//
//	MimeParameters ::= SEQUENCE {
//	  content-type        IA5String,
//	  content-parameters  SEQUENCE OF SEQUENCE { parameter IA5String, parameter-value IA5String },
//	  other-header-fields RFC822FieldList }
//	RFC822FieldList ::= SEQUENCE OF RFC822Field   -- RFC 2156 Appendix L
//	RFC822Field ::= IA5String
func bodyEncodeMIMEParameters(ct string, params [][2]string, fields []string) ([]byte, error) {
	b := ber.NewBuilder(64)
	m := b.Begin(ber.Sequence)
	b.AddString(ber.IA5String, ct)
	pm := b.Begin(ber.Sequence)
	for _, p := range params {
		s := b.Begin(ber.Sequence)
		b.AddString(ber.IA5String, p[0])
		b.AddString(ber.IA5String, p[1])
		b.End(s)
	}
	b.End(pm)
	fm := b.Begin(ber.Sequence)
	for _, f := range fields {
		b.AddString(ber.IA5String, f)
	}
	b.End(fm)
	b.End(m)
	for _, s := range append([]string{ct}, fields...) {
		if !x400.IsIA5String(s) {
			return nil, fmt.Errorf("%q is not IA5", s)
		}
	}
	for _, p := range params {
		if !x400.IsIA5String(p[0]) || !x400.IsIA5String(p[1]) {
			return nil, fmt.Errorf("parameter %q is not IA5", p[0])
		}
	}
	return b.Bytes(), b.Err()
}

func bodyDecodeMIMEParameters(enc []byte) (ct string, params [][2]string, fields []string, err error) {
	str := func(r *ber.Reader, what string) (string, error) {
		e, err := r.Expect(ber.IA5String)
		if err != nil {
			return "", ber.Annotate(err, what)
		}
		b, err := e.Bytes()
		if err != nil {
			return "", ber.Annotate(err, what)
		}
		if !x400.IsIA5String(string(b)) {
			return "", fmt.Errorf("%s: not IA5", what)
		}
		return string(b), nil
	}
	r := ber.NewReader(enc, nil)
	e, err := r.Expect(ber.Sequence)
	if err != nil {
		return "", nil, nil, err
	}
	c, err := e.Children()
	if err != nil {
		return "", nil, nil, err
	}
	if ct, err = str(&c, "content-type"); err != nil {
		return "", nil, nil, err
	}
	pe, err := c.Expect(ber.Sequence)
	if err != nil {
		return "", nil, nil, ber.Annotate(err, "content-parameters")
	}
	pc, err := pe.Children()
	if err != nil {
		return "", nil, nil, err
	}
	for !pc.Empty() {
		se, err := pc.Expect(ber.Sequence)
		if err != nil {
			return "", nil, nil, ber.Annotate(err, "content-parameters")
		}
		sc, err := se.Children()
		if err != nil {
			return "", nil, nil, err
		}
		k, err := str(&sc, "parameter")
		if err != nil {
			return "", nil, nil, err
		}
		v, err := str(&sc, "parameter-value")
		if err != nil {
			return "", nil, nil, err
		}
		if err := sc.End("parameter"); err != nil {
			return "", nil, nil, err
		}
		if !bodyIsToken(k) {
			return "", nil, nil, fmt.Errorf("parameter name %q", k)
		}
		params = append(params, [2]string{k, v})
	}
	fe, err := c.Expect(ber.Sequence)
	if err != nil {
		return "", nil, nil, ber.Annotate(err, "other-header-fields")
	}
	fc, err := fe.Children()
	if err != nil {
		return "", nil, nil, err
	}
	for !fc.Empty() {
		f, err := str(&fc, "other-header-fields")
		if err != nil {
			return "", nil, nil, err
		}
		if strings.ContainsAny(f, "\r\n") {
			return "", nil, nil, fmt.Errorf("other-header-fields: line break in %q", f)
		}
		fields = append(fields, f)
	}
	return ct, params, fields, c.End("MimeParameters")
}

// ---------------------------------------------------------------------
// MIME -> X.400

// bodyConv is the state of one MIMEToBody call.
type bodyConv struct {
	g     *Gateway
	rep   *Report
	parts int
}

// MIMEToBody maps a MIME body (the message's header, for its MIME
// fields, and the body's bytes) to IPM body parts, RFC 2157 §2.1. Without
// MIME-Version the body is one IA5 text body part. It consumes the
// fields for which mimeField is true: MIME-Version, Content-Type,
// Content-Transfer-Encoding, and Content-Disposition, Content-Description,
// Content-ID and other Content-* fields as the mapping of each part says
// (those with no place in the X.400 body part are reported dropped).
// Bad MIME is a syntax error naming the part.
func (g *Gateway) MIMEToBody(h Header, body []byte, rep *Report) ([]x400.BodyPart, error) {
	return g.mimeToBody(h, body, 0, rep)
}

// mimeToBody is MIMEToBody for a message nested depth levels deep in
// message/rfc822 contents and multiparts (BodyMaxDepth bounds it).
func (g *Gateway) mimeToBody(h Header, body []byte, depth int, rep *Report) ([]x400.BodyPart, error) {
	if _, ok := h.Get("MIME-Version"); !ok {
		return bodyPlain(body, rep), nil
	}
	c := &bodyConv{g: g, rep: rep}
	return c.entity(h, body, depth, true, "body")
}

// bodyPlain maps the body of a message without MIME-Version: one IA5
// text body part, RFC 2157 §2.1.
func bodyPlain(body []byte, rep *Report) []x400.BodyPart {
	text := bodyCRLF(body)
	if !bodyIs7bit(text) {
		if utf8.Valid(text) {
			rep.Mapped("body", "general-text (8-bit UTF-8 text without MIME-Version)")
			return []x400.BodyPart{x400.NewGeneralTextBodyPart(string(text))}
		}
		rep.Carried("body", "ia5-text", "8-bit octets of an unknown character set without MIME-Version, kept as they are")
		return []x400.BodyPart{x400.NewIA5TextBodyPart(string(text))}
	}
	rep.Mapped("body", "ia5-text")
	return []x400.BodyPart{x400.NewIA5TextBodyPart(string(text))}
}

// entity maps one MIME entity (its header fields and its content, still
// in its transfer encoding) to body parts: one, or several for the
// outermost multipart (RFC 2157 §6.6).
func (c *bodyConv) entity(h Header, content []byte, depth int, top bool, name string) ([]x400.BodyPart, error) {
	c.parts++
	if c.parts > BodyMaxParts {
		return nil, contentError(name, fmt.Errorf("more than %d MIME entities", BodyMaxParts))
	}
	if depth > BodyMaxDepth {
		return nil, contentError(name, fmt.Errorf("MIME nesting deeper than %d", BodyMaxDepth))
	}
	mt, params := "text/plain", map[string]string{}
	if v, ok := h.Get("Content-Type"); ok {
		t, p, err := mime.ParseMediaType(v)
		if err != nil {
			// RFC 2045 §5.2: a syntactically invalid Content-Type is
			// text/plain; charset=us-ascii.
			c.rep.Dropped(name+" Content-Type", "invalid ("+err.Error()+"), text/plain assumed (RFC 2045 §5.2)")
		} else {
			mt, params = t, p
		}
	}
	cte := "7bit"
	if v, ok := h.Get("Content-Transfer-Encoding"); ok {
		cte = strings.ToLower(strings.TrimSpace(v))
	}
	if strings.HasPrefix(mt, "multipart/") {
		if cte != "7bit" && cte != "8bit" && cte != "binary" {
			return nil, syntaxError(name, fmt.Errorf("%s with Content-Transfer-Encoding %s (RFC 2045 §6.4)", mt, cte))
		}
		return c.multipart(h, mt, params, content, depth, top, name)
	}
	data, err := bodyDecodeCTE(cte, content)
	if err != nil {
		return nil, syntaxError(name, err)
	}
	switch mt {
	case "text/plain":
		if p, ok, err := c.text(h, params, data, name); ok || err != nil {
			return []x400.BodyPart{p}, err
		}
	case "application/octet-stream":
		return []x400.BodyPart{c.octetStream(h, params, data, name)}, nil
	case "message/rfc822":
		p, err := c.message(data, depth, name)
		if err != nil {
			return nil, err
		}
		c.dropFields(h, name, "message")
		return []x400.BodyPart{p}, nil
	case "application/x400-bp":
		// From the SMTP peer: decoded within the X.400 side's limits.
		p, err := x400.DecodeBodyPart(data, ContentLimits)
		if err != nil {
			return nil, syntaxError(name+" application/x400-bp", err)
		}
		// DecodeBodyPart checked that data is that one element.
		if t, err := bodyPartType(data); err == nil && params["bp-type"] != "" && t != params["bp-type"] {
			return nil, syntaxError(name+" application/x400-bp", fmt.Errorf("bp-type=%s but the body part is %s", params["bp-type"], t))
		}
		c.rep.Mapped(name+" application/x400-bp", p.Kind.String()+" (RFC 2157 §3.2)")
		c.dropFields(h, name, p.Kind.String())
		return []x400.BodyPart{p}, nil
	}
	p, err := c.encapsulate(h, data, name)
	if err != nil {
		return nil, err
	}
	return []x400.BodyPart{p}, nil
}

// multipart maps a multipart, RFC 2157 §6.6: the outermost one's parts
// become the IPM's body parts, a nested one becomes a forwarded IPM with
// a heading generated by the gateway; multipart/signed and
// multipart/encrypted are HARPOON-encapsulated whole (§7.3, §7.4).
func (c *bodyConv) multipart(h Header, mt string, params map[string]string, content []byte, depth int, top bool, name string) ([]x400.BodyPart, error) {
	subtype := mt[len("multipart/"):]
	boundary := params["boundary"]
	if boundary == "" {
		return nil, syntaxError(name, fmt.Errorf("%s without a boundary parameter", mt))
	}
	if subtype == "signed" || subtype == "encrypted" {
		return c.harpoon(h, content, name)
	}
	raw, err := bodySplitMultipart(content, boundary, BodyMaxParts-c.parts)
	if err != nil {
		return nil, syntaxError(name+" "+mt, err)
	}
	var parts []x400.BodyPart
	for i, r := range raw {
		pname := name + " part " + strconv.Itoa(i+1)
		ph, n, err := ParseHeader(r, HeaderLimits{})
		if err != nil {
			return nil, syntaxError(pname, err)
		}
		def := Header(nil)
		if subtype == "digest" {
			if _, ok := ph.Get("Content-Type"); !ok {
				// RFC 2046 §5.1.5: the default type in a digest.
				def = Header{{Name: "Content-Type", Value: " message/rfc822"}}
			}
		}
		ps, err := c.entity(append(def, ph...), r[n:], depth+1, false, pname)
		if err != nil {
			return nil, err
		}
		parts = append(parts, ps...)
	}
	if top {
		if subtype != "mixed" {
			// rfc822ToIPM puts MultipartHeadingExtension(subtype, true)
			// on the heading (TopMultipartSubtype).
			c.rep.Mapped(name+" "+mt, "multipart-message heading extension (RFC 2157 §6.6)")
		}
		c.dropFields(h, name, "body")
		return parts, nil
	}
	hd := x400.Heading{
		ThisIPM:    c.g.bodyGeneratedID(content),
		Subject:    bodyMultipartSubject(subtype),
		Extensions: []x400.IPMSExtension{MultipartHeadingExtension(subtype, false)},
	}
	c.rep.Mapped(name+" "+mt, "message body part with a generated heading (RFC 2157 §6.6)")
	c.dropFields(h, name, "message")
	return []x400.BodyPart{{Kind: x400.BodyPartMessage, Message: &x400.MessageBodyPart{IPM: x400.IPM{Heading: hd, Body: parts}}}}, nil
}

// bodyMultipartSubject is the subject of the IPM made from a nested
// multipart, RFC 2157 §6.6.
func bodyMultipartSubject(subtype string) string {
	switch subtype {
	case "mixed":
		return "Multipart Message"
	case "alternative":
		return "Alternative Body Parts containing the same information"
	case "digest":
		return "Message Digest"
	case "parallel":
		return "Body Parts interpreted in parallel"
	}
	return "Multipart Message (" + subtype + ")"
}

// bodyGeneratedID is the this-IPM identifier the gateway generates for
// the IPM made from a nested multipart (RFC 2157 §6.6): the gateway's
// O/R address and a digest of the multipart, so that the same input
// gives the same identifier.
func (g *Gateway) bodyGeneratedID(content []byte) x400.IPMIdentifier {
	sum := sha256.Sum256(content)
	id := x400.IPMIdentifier{LocalID: "mixer-mp-" + hex.EncodeToString(sum[:12])}
	if !g.ORAddress.IsEmpty() {
		id.User = &x400.ORName{ORAddress: g.ORAddress}
	}
	return id
}

// harpoon encapsulates a MIME entity whole in an IA5 text body part,
// RFC 2157 §3.1.3, as §7.3 and §7.4 ask for the security multiparts
// (whose signature covers the octets, which no mapping may change).
func (c *bodyConv) harpoon(h Header, content []byte, name string) ([]x400.BodyPart, error) {
	out := Header{{Name: "MIME-Version", Value: " 1.0"}}
	for _, f := range h {
		if mimeField(f.Name) && !strings.EqualFold(f.Name, "MIME-Version") {
			f.Line = 0
			out = append(out, f)
		}
	}
	text := append(FormatHeader(out), '\r', '\n')
	text = append(text, content...)
	if !bodyIs7bit(text) {
		return nil, contentError(name, errors.New("8-bit security multipart cannot be HARPOON-encapsulated in IA5 text (RFC 2157 §3.1.3)"))
	}
	c.rep.Carried(name, "ia5-text", "HARPOON encapsulation, RFC 2157 §3.1.3, §7.3, §7.4")
	return []x400.BodyPart{x400.NewIA5TextBodyPart(string(text))}, nil
}

// text maps text/plain, RFC 2157 §6.1, §6.2, §6.7. ok is false when the
// charset has no mapping (the caller encapsulates).
func (c *bodyConv) text(h Header, params map[string]string, data []byte, name string) (x400.BodyPart, bool, error) {
	cs := strings.ToLower(params["charset"])
	if cs == "" {
		cs = "us-ascii"
	}
	for k := range params {
		if k != "charset" {
			c.rep.Dropped(name+" Content-Type "+k, "no text body part parameter holds it")
		}
	}
	data = bodyCRLF(data)
	var p x400.BodyPart
	switch {
	case cs == "us-ascii" || cs == "ascii" || cs == "utf-8" && x400.IsIA5String(string(data)):
		if !x400.IsIA5String(string(data)) {
			return p, false, nil
		}
		p = x400.NewIA5TextBodyPart(string(data))
	case cs == "utf-8":
		if !utf8.Valid(data) {
			return p, false, nil
		}
		p = x400.NewGeneralTextBodyPart(string(data))
	case cs == "iso-2022-jp":
		if !bodyIs7bit(data) {
			return p, false, nil
		}
		p = x400.BodyPart{Kind: x400.BodyPartGeneralText, Extended: true,
			GeneralText: &x400.GeneralTextBodyPart{CharacterSets: []int{6, 14, 42, 87}, Data: data}}
	case cs == "teletex":
		t := &x400.TeletexBodyPart{}
		for _, page := range bytes.Split(data, []byte{'\f'}) {
			t.Data = append(t.Data, page)
		}
		if n := len(t.Data); n > 1 && len(t.Data[n-1]) == 0 {
			t.Data = t.Data[:n-1]
		}
		p = x400.BodyPart{Kind: x400.BodyPartTeletex, Teletex: t}
	case strings.HasPrefix(cs, "x-iso-"):
		var sets []int
		for _, s := range strings.Split(cs[len("x-iso-"):], "-") {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > 32767 {
				return p, false, nil
			}
			sets = append(sets, n)
		}
		p = x400.BodyPart{Kind: x400.BodyPartGeneralText, Extended: true,
			GeneralText: &x400.GeneralTextBodyPart{CharacterSets: sets, Data: data}}
	default:
		found := false
		for _, e := range bodyISO8859 {
			if e.charset == cs || strings.TrimPrefix(cs, "iso_") == strings.TrimPrefix(e.charset, "iso-") {
				p, found = bodyISO8859Part(e.ir, e.final, data), true
				break
			}
		}
		if !found {
			return p, false, nil
		}
	}
	c.rep.Mapped(name+" text/plain; charset="+cs, p.Kind.String())
	c.dropFields(h, name, p.Kind.String())
	return p, true, nil
}

// bodyISO8859Part is the general text body part for ISO 8859 text, RFC
// 2157 §6.2: ISO-IR 1 and 6 (C0, ASCII) and the right-hand half ir
// designated into G1 at the start (77, the C1 set, when C1 octets occur),
// as x400.NewGeneralTextBodyPart writes ISO 8859-1; ASCII text needs no
// designation.
func bodyISO8859Part(ir int, final byte, data []byte) x400.BodyPart {
	x := &x400.GeneralTextBodyPart{CharacterSets: []int{1, 6}, Data: data}
	if !bodyIs7bit(data) {
		c1 := false
		for _, b := range data {
			if b >= 0x80 && b < 0xa0 {
				c1 = true
			}
		}
		if c1 {
			x.CharacterSets = append(x.CharacterSets, 77)
		}
		x.CharacterSets = append(x.CharacterSets, ir)
		d := make([]byte, 0, len(data)+3)
		x.Data = append(append(d, 0x1b, '-', final), data...)
	}
	return x400.BodyPart{Kind: x400.BodyPartGeneralText, Extended: true, GeneralText: x}
}

// octetStream maps application/octet-stream, RFC 2157 §6.3, §6.4: with a
// file name (Content-Disposition filename, or the name parameter) a file
// transfer body part (the EMA unknown attachment) keeping the name and
// the Content-Disposition dates and size (§2.3.2); without one a
// bilaterally defined body part. Other parameters are removed (§6.3).
func (c *bodyConv) octetStream(h Header, params map[string]string, data []byte, name string) x400.BodyPart {
	var disp map[string]string
	if v, ok := h.Get("Content-Disposition"); ok {
		if _, p, err := mime.ParseMediaType(v); err == nil {
			disp = p
		} else {
			c.rep.Dropped(name+" Content-Disposition", "invalid: "+err.Error())
		}
	}
	fn := disp["filename"]
	if fn == "" {
		fn = params["name"]
	}
	for k := range params {
		if k != "name" || fn != params["name"] {
			c.rep.Dropped(name+" Content-Type "+k, "RFC 2157 §6.3: parameters of application/octet-stream are removed")
		}
	}
	if fn == "" {
		c.rep.Mapped(name+" application/octet-stream", "bilaterally-defined")
		c.dropFields(h, name, "bilaterally-defined")
		return x400.BodyPart{Kind: x400.BodyPartBilaterallyDefined, BilaterallyDefined: data}
	}
	p := x400.NewFileTransferBodyPart(fn, data, time.Time{})
	ft := p.FileTransfer
	for k, v := range disp {
		var dst *time.Time
		switch k {
		case "filename":
			continue
		case "creation-date":
			dst = &ft.Created
		case "modification-date":
			dst = &ft.Modified
		case "read-date":
			dst = &ft.ReadAccess
		case "size":
			// object-size is the data's, which the body part already says.
			continue
		default:
			c.rep.Dropped(name+" Content-Disposition "+k, "no FTBP parameter holds it (RFC 2157 §2.3.3)")
			continue
		}
		t, err := parseDate(v)
		if err != nil {
			c.rep.Dropped(name+" Content-Disposition "+k, "not an RFC 5322 date-time: "+v)
			continue
		}
		*dst = t
	}
	c.rep.Mapped(name+" application/octet-stream", "file-transfer (EMA unknown attachment, RFC 2157 §6.4)")
	c.dropFields(h, name, "file-transfer")
	return p
}

// message maps message/rfc822 to a forwarded IPM, RFC 2157 §6.5, through
// the full RFC 822 -> X.400 mapping.
func (c *bodyConv) message(data []byte, depth int, name string) (x400.BodyPart, error) {
	h, n, err := ParseHeader(data, HeaderLimits{})
	if err != nil {
		return x400.BodyPart{}, syntaxError(name+" message/rfc822", err)
	}
	ipm, _, err := c.g.rfc822ToIPM(h, data[n:], false, nil, depth+1, nil, c.rep)
	if err != nil {
		return x400.BodyPart{}, err
	}
	c.rep.Mapped(name+" message/rfc822", "message")
	return x400.BodyPart{Kind: x400.BodyPartMessage, Message: &x400.MessageBodyPart{IPM: *ipm}}, nil
}

// encapsulate wraps a MIME entity with no mapping in the mime-body-part
// extended body part, RFC 2157 §3.1.2: its type, parameters and other
// fields in MimeParameters, its content in canonical form (transfer
// encoding undone) as data. It comes back identical.
func (c *bodyConv) encapsulate(h Header, data []byte, name string) (x400.BodyPart, error) {
	ct, params := "text/plain", [][2]string{{"charset", "us-ascii"}}
	if v, ok := h.Get("Content-Type"); ok {
		if t, p, err := mime.ParseMediaType(v); err == nil {
			ct, params = t, nil
			keys := make([]string, 0, len(p))
			for k := range p {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				params = append(params, [2]string{k, p[k]})
			}
		}
	}
	var fields []string
	for _, f := range h {
		n := f.Name
		if strings.EqualFold(n, "MIME-Version") || strings.EqualFold(n, "Content-Type") || strings.EqualFold(n, "Content-Transfer-Encoding") {
			continue
		}
		fields = append(fields, n+":"+f.Value)
	}
	pv, err := bodyEncodeMIMEParameters(ct, params, fields)
	if err != nil {
		return x400.BodyPart{}, contentError(name+" "+ct, err)
	}
	b := ber.NewBuilder(len(data) + 8)
	b.AddPrimitive(ber.OctetString, data)
	x := &x400.ExtendedBodyPart{
		Parameters: &x400.External{DirectReference: OIDMIMEBodyPartParameters, Encoding: x400.ExternalSingleASN1Type, Value: x400.Raw(pv)},
		Data:       x400.External{DirectReference: OIDMIMEBodyPartData, Encoding: x400.ExternalSingleASN1Type, Value: x400.Raw(b.Bytes())},
	}
	c.rep.Carried(name+" "+ct, "mime-body-part", "RFC 2157 §3.1.2 encapsulation")
	return x400.BodyPart{Kind: x400.BodyPartExtended, Extended: true, Other: x}, nil
}

// dropFields reports the MIME fields of an entity mapped to a body part
// that has no place for them (RFC 2157 §2.4 (4)).
func (c *bodyConv) dropFields(h Header, name, to string) {
	for _, f := range h {
		switch strings.ToLower(f.Name) {
		case "mime-version", "content-type", "content-transfer-encoding":
			continue
		case "content-disposition":
			if to == "file-transfer" {
				continue
			}
		}
		c.rep.Dropped(name+" "+f.Name, "a "+to+" body part has no place for it (RFC 2157 §2.4)")
	}
}

// bodySplitMultipart splits a multipart body into its parts' bytes
// (header and content), RFC 2046 §5.1.1: the preamble and epilogue are
// ignored, the CRLF before a delimiter line belongs to the delimiter.
// More than max parts, no delimiter line or no close delimiter is an
// error.
func bodySplitMultipart(body []byte, boundary string, max int) ([][]byte, error) {
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1
	for pos := 0; pos < len(body); {
		next := len(body)
		line := body[pos:]
		if k := bytes.IndexByte(line, '\n'); k >= 0 {
			line, next = line[:k], pos+k+1
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if bytes.HasPrefix(line, delim) {
			rest := line[len(delim):]
			closing := bytes.HasPrefix(rest, []byte("--"))
			if closing {
				rest = rest[2:]
			}
			if len(bytes.Trim(rest, " \t")) == 0 {
				if start >= 0 {
					e := pos
					if e > start && body[e-1] == '\n' {
						e--
						if e > start && body[e-1] == '\r' {
							e--
						}
					}
					if len(parts) >= max {
						return nil, fmt.Errorf("more than %d parts", max)
					}
					parts = append(parts, body[start:e])
				}
				if closing {
					if start < 0 {
						return nil, errors.New("close delimiter before the first part")
					}
					return parts, nil
				}
				start = next
			}
		}
		pos = next
	}
	if start < 0 {
		return nil, fmt.Errorf("no delimiter line for boundary %q", boundary)
	}
	return nil, fmt.Errorf("no close delimiter for boundary %q (unterminated multipart)", boundary)
}

// bodyDecodeCTE undoes a Content-Transfer-Encoding (RFC 2045 §6).
func bodyDecodeCTE(cte string, content []byte) ([]byte, error) {
	switch cte {
	case "7bit", "8bit", "binary", "":
		return content, nil
	case "quoted-printable":
		d, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(content)))
		if err != nil {
			return nil, fmt.Errorf("bad quoted-printable: %v", err)
		}
		return d, nil
	case "base64":
		clean := make([]byte, 0, len(content))
		for _, c := range content {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				clean = append(clean, c)
			}
		}
		d := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, err := base64.StdEncoding.Decode(d, clean)
		if err != nil {
			return nil, fmt.Errorf("bad base64: %v", err)
		}
		return d[:n], nil
	}
	return nil, fmt.Errorf("unknown Content-Transfer-Encoding %q", cte)
}

// ---------------------------------------------------------------------
// Encoding helpers

// bodyText returns the MIME fields and content of text in canonical form
// (CRLF line ends): 7bit when it is 7-bit with no line over 998 octets,
// quoted-printable otherwise (RFC 2157 §2.2 (2)).
func bodyText(ct string, data []byte) (Header, []byte) {
	data = bodyCRLF(data)
	if bodyIs7bit(data) && bodyLinesOK(data) {
		if len(data) > 0 && !bytes.HasSuffix(data, []byte("\r\n")) {
			// A 7bit body ends at a line end (SMTP adds one); quoted-
			// printable ends in a soft line break instead, so that the
			// missing one stays missing.
			return Header{{Name: "Content-Type", Value: " " + ct}, {Name: "Content-Transfer-Encoding", Value: " quoted-printable"}}, bodyQP(data)
		}
		return Header{{Name: "Content-Type", Value: " " + ct}, {Name: "Content-Transfer-Encoding", Value: " 7bit"}}, data
	}
	return Header{{Name: "Content-Type", Value: " " + ct}, {Name: "Content-Transfer-Encoding", Value: " quoted-printable"}}, bodyQP(data)
}

// bodyCRLF turns bare LF line ends into CRLF; a bare CR is kept (it is
// quoted-printable encoded).
func bodyCRLF(b []byte) []byte {
	n := 0
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			n++
		}
	}
	if n == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+n)
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

// bodyIs7bit reports whether b is 7bit data (RFC 2045 §2.7): no octet
// over 127, no NUL, CR and LF only as CRLF.
func bodyIs7bit(b []byte) bool {
	for i, c := range b {
		switch {
		case c == 0 || c >= 0x80:
			return false
		case c == '\r' && (i+1 >= len(b) || b[i+1] != '\n'):
			return false
		case c == '\n' && (i == 0 || b[i-1] != '\r'):
			return false
		}
	}
	return true
}

// bodyLinesOK reports whether no line of b is over 998 octets (RFC 5322
// §2.1.1).
func bodyLinesOK(b []byte) bool {
	for len(b) > 0 {
		k := bytes.Index(b, []byte("\r\n"))
		if k < 0 {
			k = len(b)
		}
		if k > 998 {
			return false
		}
		if k+2 > len(b) {
			break
		}
		b = b[k+2:]
	}
	return true
}

// bodyQP encodes b as quoted-printable (RFC 2045 §6.7): CRLF pairs are
// line breaks, every other octet that is not printable ASCII, "=", and
// white space before a line end are encoded, lines are at most 76
// characters, and the text ends in a line break (a soft one when b does
// not end in CRLF). Unlike mime/quotedprintable's Writer it keeps a bare
// CR (as =0D), so decoding gives the octets back.
func bodyQP(b []byte) []byte {
	const hexd = "0123456789ABCDEF"
	out := make([]byte, 0, len(b)+len(b)/8+8)
	col := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			out = append(out, '\r', '\n')
			col = 0
			i++
			continue
		}
		atEnd := i+1 == len(b) || b[i+1] == '\r' && i+2 < len(b) && b[i+2] == '\n'
		enc := c == '=' || c < ' ' && c != '\t' || c > '~' || (c == ' ' || c == '\t') && atEnd
		n := 1
		if enc {
			n = 3
		}
		// Room for a soft line break "=" after this character.
		if col+n > 75 && !(atEnd && col+n <= 76) {
			out = append(out, '=', '\r', '\n')
			col = 0
		}
		if enc {
			out = append(out, '=', hexd[c>>4], hexd[c&15])
		} else {
			out = append(out, c)
		}
		col += n
	}
	if len(b) > 0 && !bytes.HasSuffix(b, []byte("\r\n")) {
		out = append(out, '=', '\r', '\n')
	}
	return out
}

// bodyBase64 encodes b in base64 lines of 76 characters, each ended by
// CRLF (RFC 2045 §6.8).
func bodyBase64(b []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(b)
	out := make([]byte, 0, len(enc)+len(enc)/76*2+2)
	for len(enc) > 76 {
		out = append(out, enc[:76]...)
		out = append(out, '\r', '\n')
		enc = enc[76:]
	}
	if len(enc) > 0 {
		out = append(out, enc...)
		out = append(out, '\r', '\n')
	}
	return out
}

// bodyIsToken reports whether s is a MIME token (RFC 2045 §5.1).
func bodyIsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}
