package mixer

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"mixerd/ber"
	"mixerd/x400"
)

func bodyTestGateway(t *testing.T) *Gateway {
	t.Helper()
	a, err := x400.ParseORAddress("C=GB;ADMD= ;PRMD=MOD;O=Gateway")
	if err != nil {
		t.Fatal(err)
	}
	return &Gateway{Domain: "gw.example.mil", ORAddress: a}
}

// bodyWire formats header and body as one message and parses it again, as
// the SMTP side would see it.
func bodyWire(t *testing.T, h Header, body []byte) (Header, []byte) {
	t.Helper()
	msg := append(FormatHeader(h), '\r', '\n')
	msg = append(msg, body...)
	ph, n, err := ParseHeader(msg, HeaderLimits{})
	if err != nil {
		t.Fatalf("generated header does not parse: %v\n%s", err, msg)
	}
	bodyCheckLines(t, msg)
	return ph, msg[n:]
}

// bodyCheckLines checks RFC 5322 §2.1.1 and 7-bit transport: CRLF line
// ends only, no line over 998 octets, no 8-bit octet.
func bodyCheckLines(t *testing.T, msg []byte) {
	t.Helper()
	if !bodyIs7bit(msg) {
		t.Errorf("message is not 7bit:\n%q", msg)
	}
	if !bodyLinesOK(msg) {
		t.Errorf("a line is longer than 998 octets")
	}
}

func bodyGet(t *testing.T, h Header, name string) string {
	t.Helper()
	v, ok := h.Get(name)
	if !ok {
		t.Fatalf("no %s field in %v", name, h)
	}
	return strings.TrimSpace(v)
}

// bodyRoundTrip maps body parts to MIME and back, and returns the MIME
// header and body and the parts that came back.
func bodyRoundTrip(t *testing.T, parts []x400.BodyPart) (Header, []byte, []x400.BodyPart) {
	t.Helper()
	g := bodyTestGateway(t)
	var rep Report
	h, b, err := g.BodyToMIME(parts, &rep)
	if err != nil {
		t.Fatalf("BodyToMIME: %v", err)
	}
	wh, wb := bodyWire(t, h, b)
	back, err := g.MIMEToBody(wh, wb, &rep)
	if err != nil {
		t.Fatalf("MIMEToBody: %v\n%s\n%s", err, FormatHeader(h), b)
	}
	return h, b, back
}

// bodyEncoded compares body parts by their BER encoding.
func bodyEncoded(t *testing.T, p x400.BodyPart) []byte {
	t.Helper()
	enc, err := p.Marshal()
	if err != nil {
		t.Fatalf("marshal %s: %v", p.Kind, err)
	}
	return enc
}

func bodySameParts(t *testing.T, got, want []x400.BodyPart) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d body parts, want %d", len(got), len(want))
	}
	for i := range want {
		if g, w := bodyEncoded(t, got[i]), bodyEncoded(t, want[i]); !bytes.Equal(g, w) {
			t.Errorf("part %d: got %s % x, want %s % x", i+1, got[i].Kind, g, want[i].Kind, w)
		}
	}
}

// RFC 2157 §6.1: IA5Text <-> text/plain; charset=US-ASCII, "no conversion";
// the only body part gives the message's own Content-Type.
func TestBodyIA5TextRFC2157s61(t *testing.T) {
	text := "Hello from the message centre.\r\nSecond line $100.\r\n"
	parts := []x400.BodyPart{x400.NewIA5TextBodyPart(text)}
	h, b, back := bodyRoundTrip(t, parts)
	if got := bodyGet(t, h, "MIME-Version"); got != "1.0" {
		t.Errorf("MIME-Version %q", got)
	}
	if got := bodyGet(t, h, "Content-Type"); got != "text/plain; charset=us-ascii" {
		t.Errorf("Content-Type %q", got)
	}
	if got := bodyGet(t, h, "Content-Transfer-Encoding"); got != "7bit" {
		t.Errorf("Content-Transfer-Encoding %q", got)
	}
	if string(b) != text {
		t.Errorf("body %q", b)
	}
	bodySameParts(t, back, parts)
}

// RFC 2157 §2.2 (2): long lines and control characters in IA5 text are
// quoted-printable; the text comes back identical.
func TestBodyIA5TextQuotedPrintable(t *testing.T) {
	text := strings.Repeat("x", 1200) + "\r\nbare CR\rhere\x07 trailing space \r\n= sign"
	parts := []x400.BodyPart{x400.NewIA5TextBodyPart(text)}
	h, b, back := bodyRoundTrip(t, parts)
	if got := bodyGet(t, h, "Content-Transfer-Encoding"); got != "quoted-printable" {
		t.Errorf("Content-Transfer-Encoding %q", got)
	}
	for _, l := range strings.Split(string(b), "\r\n") {
		if len(l) > 76 {
			t.Errorf("quoted-printable line of %d characters", len(l))
		}
	}
	bodySameParts(t, back, parts)
}

// RFC 2157 §6.2: GeneralText with ISO-IR 6 and 100 <-> text/plain;
// charset=ISO-8859-1, the escape sequences removed.
func TestBodyGeneralTextISO88591RFC2157s62(t *testing.T) {
	parts := []x400.BodyPart{x400.NewGeneralTextBodyPart("Grüße aus Köln\r\n")}
	h, b, back := bodyRoundTrip(t, parts)
	if got := bodyGet(t, h, "Content-Type"); got != "text/plain; charset=iso-8859-1" {
		t.Errorf("Content-Type %q", got)
	}
	if want := "Gr=FC=DFe aus K=F6ln\r\n"; string(b) != want {
		t.Errorf("body %q, want %q", b, want)
	}
	bodySameParts(t, back, parts)
}

// RFC 2157 §6.2 table: ISO-8859-5 is ISO-IR 6 and 144; the G1 designation
// ESC 2/13 4/12 is added on the way in and removed on the way out.
func TestBodyGeneralTextISO88595(t *testing.T) {
	cyr := []byte{0xbf, 0xe0, 0xd8, 0xd2, 0xd5, 0xe2, '\r', '\n'} // "Привет" in ISO 8859-5
	x := &x400.GeneralTextBodyPart{CharacterSets: []int{1, 6, 144}, Data: append([]byte{0x1b, '-', 'L'}, cyr...)}
	parts := []x400.BodyPart{{Kind: x400.BodyPartGeneralText, Extended: true, GeneralText: x}}
	h, b, back := bodyRoundTrip(t, parts)
	if got := bodyGet(t, h, "Content-Type"); got != "text/plain; charset=iso-8859-5" {
		t.Errorf("Content-Type %q", got)
	}
	d, _ := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(b)))
	if !bytes.Equal(d, cyr) {
		t.Errorf("body %q", d)
	}
	bodySameParts(t, back, parts)
	// As a mailer writes it.
	g := bodyTestGateway(t)
	mh := Header{{Name: "MIME-Version", Value: " 1.0"}, {Name: "Content-Type", Value: ` text/plain; charset="ISO-8859-5"`},
		{Name: "Content-Transfer-Encoding", Value: " 8bit"}}
	got, err := g.MIMEToBody(mh, cyr, nil)
	if err != nil {
		t.Fatal(err)
	}
	bodySameParts(t, got, parts)
}

// UTF-8 text beyond ISO 8859-1 goes to general text in UTF-8 (ISO-IR 196)
// and back to charset=utf-8.
func TestBodyGeneralTextUTF8(t *testing.T) {
	parts := []x400.BodyPart{x400.NewGeneralTextBodyPart("Καλημέρα — ✓\r\n")}
	h, _, back := bodyRoundTrip(t, parts)
	if got := bodyGet(t, h, "Content-Type"); got != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	bodySameParts(t, back, parts)
}

// RFC 2157 §6.2: character sets with no known conversion are labelled
// x-iso-nnn-nnn-nnn, sorted, and come back as they were.
func TestBodyGeneralTextUnknownSets(t *testing.T) {
	x := &x400.GeneralTextBodyPart{CharacterSets: []int{87, 6, 1}, Data: []byte("\x1b$B\x30\x21\x1b(B ok\r\n")}
	parts := []x400.BodyPart{{Kind: x400.BodyPartGeneralText, Extended: true, GeneralText: x}}
	h, _, back := bodyRoundTrip(t, parts)
	if got := bodyGet(t, h, "Content-Type"); got != "text/plain; charset=x-iso-001-006-087" {
		t.Errorf("Content-Type %q", got)
	}
	want := []x400.BodyPart{{Kind: x400.BodyPartGeneralText, Extended: true,
		GeneralText: &x400.GeneralTextBodyPart{CharacterSets: []int{1, 6, 87}, Data: x.Data}}}
	bodySameParts(t, back, want)
}

// RFC 2157 §6.7: the pages of a teletex body part, each ended by FF;
// T.61 that converts becomes readable text (§6.7 NOTE), parameters are
// discarded and reported.
func TestBodyTeletexRFC2157s67(t *testing.T) {
	x := &x400.TeletexBodyPart{NumberOfPages: 2, Data: [][]byte{[]byte("Page one\r\n"), []byte("Page two\r\n\f")}}
	g := bodyTestGateway(t)
	var rep Report
	h, b, err := g.BodyToMIME([]x400.BodyPart{{Kind: x400.BodyPartTeletex, Teletex: x}}, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if got := bodyGet(t, h, "Content-Type"); got != "text/plain; charset=us-ascii" {
		t.Errorf("Content-Type %q", got)
	}
	if want := "Page one\r\n=0CPage two\r\n=0C=\r\n"; string(b) != want {
		t.Errorf("body %q, want %q", b, want)
	}
	if lost := rep.Lost(); len(lost) != 1 || !strings.Contains(lost[0].From, "teletex parameters") {
		t.Errorf("report %s", rep.String())
	}
	// charset=teletex splits at FF (§6.7, RFC-822 to X.400).
	mh := Header{{Name: "MIME-Version", Value: " 1.0"}, {Name: "Content-Type", Value: " text/plain; charset=teletex"}}
	got, err := g.MIMEToBody(mh, []byte("Page one\r\n\fPage two\r\n\f"), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []x400.BodyPart{{Kind: x400.BodyPartTeletex, Teletex: &x400.TeletexBodyPart{Data: [][]byte{[]byte("Page one\r\n"), []byte("Page two\r\n")}}}}
	bodySameParts(t, got, want)
}

// Teletex that the T.61 converter refuses keeps its octets, charset=teletex,
// and comes back as the same pages.
func TestBodyTeletexUnconvertible(t *testing.T) {
	x := &x400.TeletexBodyPart{Data: [][]byte{{'A', 0xff, 'B'}, []byte("two")}} // 0xFF is undefined in T.61
	parts := []x400.BodyPart{{Kind: x400.BodyPartTeletex, Teletex: x}}
	h, _, back := bodyRoundTrip(t, parts)
	if got := bodyGet(t, h, "Content-Type"); got != "text/plain; charset=teletex" {
		t.Errorf("Content-Type %q", got)
	}
	bodySameParts(t, back, parts)
}

// RFC 2157 §6.3: BilaterallyDefined <-> application/octet-stream with no
// parameters; parameters coming from MIME are removed and reported.
func TestBodyBilaterallyDefinedRFC2157s63(t *testing.T) {
	data := []byte{0, 1, 2, 0xff, '\r', '\n', 0x80}
	parts := []x400.BodyPart{{Kind: x400.BodyPartBilaterallyDefined, BilaterallyDefined: data}}
	h, b, back := bodyRoundTrip(t, parts)
	if got := bodyGet(t, h, "Content-Type"); got != "application/octet-stream" {
		t.Errorf("Content-Type %q", got)
	}
	if got := bodyGet(t, h, "Content-Transfer-Encoding"); got != "base64" || string(b) != "AAEC/w0KgA==\r\n" {
		t.Errorf("%s %q", got, b)
	}
	bodySameParts(t, back, parts)

	g := bodyTestGateway(t)
	var rep Report
	mh := Header{{Name: "MIME-Version", Value: " 1.0"}, {Name: "Content-Type", Value: " application/octet-stream; padding=2"},
		{Name: "Content-Transfer-Encoding", Value: " base64"}}
	got, err := g.MIMEToBody(mh, []byte("AAEC/w0KgA==\r\n"), &rep)
	if err != nil {
		t.Fatal(err)
	}
	bodySameParts(t, got, parts)
	if lost := rep.Lost(); len(lost) != 1 || !strings.Contains(lost[0].From, "padding") {
		t.Errorf("report %s", rep.String())
	}
}

// RFC 2157 §2.3.2, §6.4: the file transfer body part <-> application/
// octet-stream with Content-Disposition filename, modification-date, size.
func TestBodyFileTransferRFC2157s64(t *testing.T) {
	mod := time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	data := bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 100)
	parts := []x400.BodyPart{x400.NewFileTransferBodyPart("sitrep 12.doc", data, mod)}
	h, b, back := bodyRoundTrip(t, parts)
	if got := bodyGet(t, h, "Content-Type"); got != "application/octet-stream" {
		t.Errorf("Content-Type %q", got)
	}
	cd := bodyGet(t, h, "Content-Disposition")
	disp, params, err := mime.ParseMediaType(cd)
	if err != nil || disp != "attachment" || params["filename"] != "sitrep 12.doc" ||
		params["modification-date"] != "Mon, 02 Nov 2026 09:30:00 +0000" || params["size"] != "400" {
		t.Errorf("Content-Disposition %q: %v %v", cd, params, err)
	}
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n") {
		if len(l) > 76 {
			t.Errorf("base64 line of %d", len(l))
		}
	}
	bodySameParts(t, back, parts)
}

// RFC 2157 §3.2: a body part with no MIME mapping (G3 facsimile, videotex)
// is carried in application/x400-bp with its tag or OID as bp-type, and
// comes back identical.
func TestBodyX400BPEncapsulationRFC2157s32(t *testing.T) {
	syn := 1
	g3 := x400.BodyPart{Kind: x400.BodyPartG3Facsimile, G3Facsimile: &x400.G3FacsimileBodyPart{NumberOfPages: 1,
		Pages: []ber.BitString{{Bytes: []byte{0xf0, 0x0f}, Len: 16}}}}
	vt := x400.BodyPart{Kind: x400.BodyPartVideotex, Extended: true, Videotex: &x400.VideotexBodyPart{Syntax: &syn, Data: []byte("vtx")}}
	for _, c := range []struct {
		p      x400.BodyPart
		bpType string
	}{{g3, "3"}, {vt, "2.6.1.4.5"}} {
		var rep Report
		g := bodyTestGateway(t)
		h, _, err := g.BodyToMIME([]x400.BodyPart{c.p}, &rep)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := bodyGet(t, h, "Content-Type"), "application/x400-bp; bp-type="+c.bpType; got != want {
			t.Errorf("Content-Type %q, want %q", got, want)
		}
		if len(rep.Items) != 1 || rep.Items[0].Disposition != Carried {
			t.Errorf("report %s", rep.String())
		}
		_, _, back := bodyRoundTrip(t, []x400.BodyPart{c.p})
		bodySameParts(t, back, []x400.BodyPart{c.p})
	}
}

// RFC 2157 §2.2: several body parts make a multipart/mixed in the same
// order, and come back as the same parts.
func TestBodyMultipartMixedRFC2157s22(t *testing.T) {
	parts := []x400.BodyPart{
		x400.NewIA5TextBodyPart("First part.\r\n--=_mixer_ looks like a boundary\r\n"),
		x400.NewGeneralTextBodyPart("Zweiter Teil: ä\r\n"),
		{Kind: x400.BodyPartBilaterallyDefined, BilaterallyDefined: []byte("binary\x00data")},
		x400.NewFileTransferBodyPart("map.png", []byte("\x89PNG\r\n\x1a\n"), time.Time{}),
	}
	h, b, back := bodyRoundTrip(t, parts)
	mt, params, err := mime.ParseMediaType(bodyGet(t, h, "Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %s %v", mt, err)
	}
	// An independent MIME reader sees the same parts.
	r := multipart.NewReader(bytes.NewReader(b), params["boundary"])
	n := 0
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("mime/multipart: %v", err)
		}
		n++
		if n == 4 && p.FileName() != "map.png" {
			t.Errorf("part 4 file name %q", p.FileName())
		}
	}
	if n != 4 {
		t.Errorf("mime/multipart found %d parts", n)
	}
	bodySameParts(t, back, parts)
}

// A MIME message as a mailer writes it: multipart/mixed holding a
// multipart/alternative (text and HTML) and a PNG attachment with a file
// name. The nested alternative becomes a forwarded IPM with the RFC 2157
// §6.6 heading; the HTML and the image have no X.400 mapping and are
// encapsulated (§3.1.2); the way back gives the same MIME structure.
func TestBodyMailerMultipart(t *testing.T) {
	msg := "MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"------------0A1B2C3D\"\r\n" +
		"\r\n" +
		"This is a multi-part message in MIME format.\r\n" +
		"--------------0A1B2C3D\r\n" +
		"Content-Type: multipart/alternative;\r\n boundary=\"------------alt42\"\r\n" +
		"\r\n" +
		"--------------alt42\r\n" +
		"Content-Type: text/plain; charset=UTF-8; format=flowed\r\n" +
		"Content-Transfer-Encoding: 7bit\r\n" +
		"\r\n" +
		"Report attached.\r\n" +
		"\r\n" +
		"--------------alt42\r\n" +
		"Content-Type: text/html; charset=UTF-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n" +
		"\r\n" +
		"<html><body><p>Report attached =E2=80=94 see map.</p></body></html>\r\n" +
		"\r\n" +
		"--------------alt42--\r\n" +
		"\r\n" +
		"--------------0A1B2C3D\r\n" +
		"Content-Type: image/png; name=\"grid map.png\"\r\n" +
		"Content-Disposition: attachment; filename=\"grid map.png\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" +
		"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\r\n" +
		"\r\n" +
		"--------------0A1B2C3D--\r\n"
	h, n, err := ParseHeader([]byte(msg), HeaderLimits{})
	if err != nil {
		t.Fatal(err)
	}
	g := bodyTestGateway(t)
	var rep Report
	parts, err := g.MIMEToBody(h, []byte(msg[n:]), &rep)
	if err != nil {
		t.Fatalf("MIMEToBody: %v", err)
	}
	if len(parts) != 2 || parts[0].Kind != x400.BodyPartMessage || parts[1].Kind != x400.BodyPartExtended {
		t.Fatalf("parts %v", parts)
	}
	fwd := parts[0].Message.IPM
	if fwd.Heading.Subject != "Alternative Body Parts containing the same information" || fwd.Heading.ThisIPM.LocalID == "" {
		t.Errorf("nested heading %+v", fwd.Heading)
	}
	ext, ok := fwd.Heading.Extension(OIDMultipartMessageV2)
	if !ok {
		t.Fatal("no multipart-message heading extension")
	}
	if st, am, err := ParseMultipartHeadingExtension(ext); st != "alternative" || am || err != nil {
		t.Errorf("multipart-message %q %v %v", st, am, err)
	}
	if len(fwd.Body) != 2 || fwd.Body[0].Kind != x400.BodyPartIA5Text || fwd.Body[1].Kind != x400.BodyPartExtended {
		t.Fatalf("alternative parts %v", fwd.Body)
	}
	if fwd.Body[0].IA5Text.Data != "Report attached.\r\n" {
		t.Errorf("text %q", fwd.Body[0].IA5Text.Data)
	}
	if !strings.Contains(rep.String(), "dropped body part 1 part 1 Content-Type format") {
		t.Errorf("format=flowed not reported dropped:\n%s", rep.String())
	}
	// The parts survive BER.
	obj := x400.InformationObject{IPM: &x400.IPM{Body: parts}}
	enc, err := obj.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	dec, err := x400.DecodeInformationObject(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	// And back to MIME.
	oh, ob, err := g.BodyToMIME(dec.IPM.Body, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, ob = bodyWire(t, oh, ob)
	_, params, _ := mime.ParseMediaType(bodyGet(t, oh, "Content-Type"))
	r := multipart.NewReader(bytes.NewReader(ob), params["boundary"])
	p1, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	mt, ap, _ := mime.ParseMediaType(p1.Header.Get("Content-Type"))
	if mt != "multipart/alternative" {
		t.Fatalf("part 1 %s", mt)
	}
	ar := multipart.NewReader(p1, ap["boundary"])
	a1, _ := ar.NextPart()
	if b, _ := io.ReadAll(a1); string(b) != "Report attached.\r\n" || a1.Header.Get("Content-Type") != "text/plain; charset=us-ascii" {
		t.Errorf("alternative 1 %q %q", a1.Header.Get("Content-Type"), b)
	}
	a2, _ := ar.NextPart()
	if b, _ := io.ReadAll(a2); string(b) != "<html><body><p>Report attached — see map.</p></body></html>\r\n" ||
		a2.Header.Get("Content-Type") != "text/html; charset=UTF-8" {
		t.Errorf("alternative 2 %q %q", a2.Header.Get("Content-Type"), b)
	}
	p2, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	b64, _ := io.ReadAll(p2)
	img, _ := bodyDecodeCTE(p2.Header.Get("Content-Transfer-Encoding"), b64)
	png, _ := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
	if p2.FileName() != "grid map.png" || p2.Header.Get("Content-Type") != `image/png; name="grid map.png"` || !bytes.Equal(img, png) {
		t.Errorf("image %q %q %d", p2.FileName(), p2.Header.Get("Content-Type"), len(img))
	}
}

// RFC 2157 §2.1: without MIME-Version the body is one IA5 text body part.
func TestBodyNoMIMEVersionRFC2157s21(t *testing.T) {
	g := bodyTestGateway(t)
	got, err := g.MIMEToBody(Header{{Name: "Content-Type", Value: " text/html"}}, []byte("plain\nold text\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	bodySameParts(t, got, []x400.BodyPart{x400.NewIA5TextBodyPart("plain\r\nold text\r\n")})
	got, err = g.MIMEToBody(nil, []byte("naïve\r\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	bodySameParts(t, got, []x400.BodyPart{x400.NewGeneralTextBodyPart("naïve\r\n")})
}

// RFC 2157 §7.3, §3.1.3: multipart/signed is HARPOON-encapsulated in IA5
// text with MIME-Version first, and comes back as the same octets (the
// signature still verifies).
func TestBodySignedHarpoonRFC2157s73(t *testing.T) {
	body := "--sig\r\nContent-Type: text/plain\r\n\r\nOrders.\r\n--sig\r\nContent-Type: application/pkcs7-signature\r\n\r\nMIIB\r\n--sig--\r\n"
	h := Header{{Name: "MIME-Version", Value: " 1.0"},
		{Name: "Content-Type", Value: ` multipart/signed; protocol="application/pkcs7-signature"; boundary=sig`}}
	g := bodyTestGateway(t)
	parts, err := g.MIMEToBody(h, []byte(body), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 1 || parts[0].Kind != x400.BodyPartIA5Text || !strings.HasPrefix(parts[0].IA5Text.Data, "MIME-Version: 1.0\r\n") {
		t.Fatalf("parts %+v", parts)
	}
	oh, ob, err := g.BodyToMIME(parts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(ob) != body || bodyGet(t, oh, "Content-Type") != `multipart/signed; protocol="application/pkcs7-signature"; boundary=sig` {
		t.Errorf("back: %s\n%q", FormatHeader(oh), ob)
	}
}

// RFC 2157 §2.2: a first IA5 body part "RFC-822-Headers:" (RFC 2156
// Appendix B) gives header fields.
func TestBodyRFC822HeadersPart(t *testing.T) {
	g := bodyTestGateway(t)
	parts := []x400.BodyPart{
		x400.NewIA5TextBodyPart("RFC-822-Headers:\r\nX-Mailer: Example 1.0\r\nKeywords: test\r\n"),
		x400.NewIA5TextBodyPart("Text.\r\n"),
	}
	h, b, err := g.BodyToMIME(parts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bodyGet(t, h, "X-Mailer") != "Example 1.0" || bodyGet(t, h, "Content-Type") != "text/plain; charset=us-ascii" || string(b) != "Text.\r\n" {
		t.Errorf("%s\n%q", FormatHeader(h), b)
	}
}

// RFC 2157 §6.5: a forwarded IPM <-> message/rfc822, through the whole
// heading mapping (convert.go); needs the heading and address mappings.
func TestBodyForwardedMessageRFC2157s65(t *testing.T) {
	g := bodyTestGateway(t)
	inner := "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: inner\r\nMessage-ID: <1@example.com>\r\nDate: Mon, 02 Nov 2026 09:30:00 +0000\r\n\r\nInner text.\r\n"
	h := Header{{Name: "MIME-Version", Value: " 1.0"}, {Name: "Content-Type", Value: " message/rfc822"}}
	parts, err := g.MIMEToBody(h, []byte(inner), nil)
	var ce *ConversionError
	if errors.As(err, &ce) && strings.Contains(err.Error(), "not written yet") {
		t.Skip("heading/address mapping not written yet: ", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 1 || parts[0].Kind != x400.BodyPartMessage {
		t.Fatalf("parts %+v", parts)
	}
	m := parts[0].Message.IPM
	if m.Heading.Subject != "inner" || len(m.Body) != 1 || m.Body[0].Kind != x400.BodyPartIA5Text || m.Body[0].IA5Text.Data != "Inner text.\r\n" {
		t.Errorf("forwarded IPM %+v", m)
	}
	oh, ob, err := g.BodyToMIME(parts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bodyGet(t, oh, "Content-Type") != "message/rfc822" {
		t.Errorf("Content-Type %s", bodyGet(t, oh, "Content-Type"))
	}
	ih, n, err := ParseHeader(ob, HeaderLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := ih.Get("Subject"); strings.TrimSpace(s) != "inner" || !strings.Contains(string(ob[n:]), "Inner text.") {
		t.Errorf("message/rfc822 content:\n%s", ob)
	}
}

// Bad MIME is a syntax error (or a content error for what is too big)
// naming the part, never a panic.
func TestBodyBadMIME(t *testing.T) {
	g := bodyTestGateway(t)
	mv := Field{Name: "MIME-Version", Value: " 1.0"}
	deep, tail := "", ""
	for i := 0; i < BodyMaxDepth+2; i++ {
		b := "b" + strconv.Itoa(i)
		deep += "--" + b + "\r\nContent-Type: multipart/mixed; boundary=b" + strconv.Itoa(i+1) + "\r\n\r\n"
		tail = "\r\n--" + b + "--\r\n" + tail
	}
	deep += "--b" + strconv.Itoa(BodyMaxDepth+2) + "\r\n\r\nx\r\n--b" + strconv.Itoa(BodyMaxDepth+2) + "--" + tail
	cases := []struct {
		name  string
		ct    string
		cte   string
		body  string
		diag  x400.DiagnosticCode
		field string
	}{
		{"no boundary", "multipart/mixed", "", "--x\r\n\r\nhi\r\n--x--\r\n", x400.DiagnosticContentSyntaxError, "body"},
		{"unterminated", "multipart/mixed; boundary=x", "", "--x\r\n\r\nhi\r\n", x400.DiagnosticContentSyntaxError, "body multipart/mixed"},
		{"no delimiter", "multipart/mixed; boundary=x", "", "hi\r\n", x400.DiagnosticContentSyntaxError, "body multipart/mixed"},
		{"bad base64", "application/octet-stream", "base64", "!!!!\r\n", x400.DiagnosticContentSyntaxError, "body"},
		{"bad base64 in part", "multipart/mixed; boundary=x", "", "--x\r\nContent-Transfer-Encoding: base64\r\n\r\n@@\r\n--x--\r\n", x400.DiagnosticContentSyntaxError, "body part 1"},
		{"unknown encoding", "text/plain", "x-uuencode", "x\r\n", x400.DiagnosticContentSyntaxError, "body"},
		{"bad part header", "multipart/mixed; boundary=x", "", "--x\r\nno colon here\r\n\r\nx\r\n--x--\r\n", x400.DiagnosticContentSyntaxError, "body part 1"},
		{"too deep", "multipart/mixed; boundary=b0", "", "--b0\r\n\r\n\r\n" + deep, x400.DiagnosticConversionImpractical, ""},
		{"too many parts", "multipart/mixed; boundary=b", "", strings.Repeat("--b\r\n\r\nx\r\n", BodyMaxParts+1) + "--b--\r\n", x400.DiagnosticContentSyntaxError, "body multipart/mixed"},
		{"bad x400-bp", "application/x400-bp; bp-type=3", "base64", "AAEC\r\n", x400.DiagnosticContentSyntaxError, "body application/x400-bp"},
	}
	for _, c := range cases {
		h := Header{mv, {Name: "Content-Type", Value: " " + c.ct}}
		if c.cte != "" {
			h = append(h, Field{Name: "Content-Transfer-Encoding", Value: " " + c.cte})
		}
		_, err := g.MIMEToBody(h, []byte(c.body), nil)
		var ce *ConversionError
		if !errors.As(err, &ce) {
			t.Errorf("%s: error %v, want a ConversionError", c.name, err)
			continue
		}
		if ce.Diagnostic != c.diag || c.field != "" && ce.Field != c.field {
			t.Errorf("%s: %q diagnostic %v, want %q %v", c.name, ce.Field, ce.Diagnostic, c.field, c.diag)
		}
	}
}

// The mime-body-part (RFC 2157 §3.1.2) keeps type, parameters and other
// fields; a MIME entity with no mapping comes back identical.
func TestBodyMIMEBodyPartRFC2157s312(t *testing.T) {
	g := bodyTestGateway(t)
	h := Header{{Name: "MIME-Version", Value: " 1.0"},
		{Name: "Content-Type", Value: ` application/pdf; name="orders.pdf"`},
		{Name: "Content-Transfer-Encoding", Value: " base64"},
		{Name: "Content-Disposition", Value: ` attachment; filename="orders.pdf"`},
		{Name: "Content-Description", Value: " Operation orders"}}
	var rep Report
	parts, err := g.MIMEToBody(h, []byte("JVBERi0xLjQK\r\n"), &rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 1 || parts[0].Kind != x400.BodyPartExtended || !parts[0].Other.Data.DirectReference.Equal(OIDMIMEBodyPartData) {
		t.Fatalf("parts %+v", parts)
	}
	if len(rep.Lost()) != 0 {
		t.Errorf("lost %v", rep.Lost())
	}
	oh, ob, err := g.BodyToMIME(parts, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Header{{Name: "MIME-Version", Value: " 1.0"},
		{Name: "Content-Type", Value: ` application/pdf; name=orders.pdf`},
		{Name: "Content-Transfer-Encoding", Value: " base64"},
		{Name: "Content-Disposition", Value: ` attachment; filename="orders.pdf"`},
		{Name: "Content-Description", Value: " Operation orders"}}
	if !reflect.DeepEqual(oh, want) || string(ob) != "JVBERi0xLjQK\r\n" {
		t.Errorf("back:\n%s\n%q", FormatHeader(oh), ob)
	}
}

// The quoted-printable encoder is lossless (bare CR, trailing white
// space, "=") and keeps to 76-character lines.
func TestBodyQuotedPrintableEncoder(t *testing.T) {
	in := []byte("a \r\nb\t\r\n=\r" + strings.Repeat("é", 60) + "\r\n" + strings.Repeat("y", 200) + " ")
	enc := bodyQP(in)
	for _, l := range bytes.Split(enc, []byte("\r\n")) {
		if len(l) > 76 {
			t.Errorf("line of %d: %q", len(l), l)
		}
	}
	dec, err := io.ReadAll(quotedprintable.NewReader(bytes.NewReader(enc)))
	if err != nil || !bytes.Equal(dec, in) {
		t.Errorf("decoded %q, %v\nwant %q", dec, err, in)
	}
}

// Nested message/rfc822 contents count towards the depth limit across
// the heading mapping (rfc822ToIPM calls MIMEToBody again).
func TestBodyNestedMessageDepth(t *testing.T) {
	g := bodyTestGateway(t)
	msg := "From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\ninnermost\r\n"
	for i := 0; i < BodyMaxDepth+3; i++ {
		msg = "From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n" + msg
	}
	h, n, err := ParseHeader([]byte(msg), HeaderLimits{})
	if err != nil {
		t.Fatal(err)
	}
	var mime Header
	for _, f := range h {
		if mimeField(f.Name) {
			mime = append(mime, f)
		}
	}
	_, err = g.MIMEToBody(mime, []byte(msg[n:]), nil)
	var ce *ConversionError
	if !errors.As(err, &ce) || ce.Diagnostic != x400.DiagnosticConversionImpractical || !strings.Contains(err.Error(), "nesting") {
		t.Fatalf("error %v, want the nesting limit", err)
	}
}

// RFC 2157 §2.2: when all body parts are messages the multipart is
// multipart/digest; no body parts give an empty text/plain.
func TestBodyDigestAndEmpty(t *testing.T) {
	g := bodyTestGateway(t)
	fwd := func(s string) x400.BodyPart {
		return x400.BodyPart{Kind: x400.BodyPartMessage, Message: &x400.MessageBodyPart{IPM: x400.IPM{
			Heading: x400.Heading{Subject: s}, Body: []x400.BodyPart{x400.NewIA5TextBodyPart(s + "\r\n")}}}}
	}
	h, b, err := g.BodyToMIME([]x400.BodyPart{fwd("one"), fwd("two")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mt, params, _ := mime.ParseMediaType(bodyGet(t, h, "Content-Type"))
	if mt != "multipart/digest" {
		t.Errorf("Content-Type %s", mt)
	}
	back, err := g.MIMEToBody(h, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 || back[1].Kind != x400.BodyPartMessage || back[1].Message.IPM.Heading.Subject != "two" {
		t.Errorf("back %+v (boundary %s)", back, params["boundary"])
	}
	h, b, err = g.BodyToMIME(nil, nil)
	if err != nil || bodyGet(t, h, "Content-Type") != "text/plain; charset=us-ascii" || len(b) != 0 {
		t.Errorf("empty body: %v %v %q", err, h, b)
	}
}

// Every MIME field of a part is accounted for: mapped, carried, or
// reported dropped (RFC 2157 §2.4).
func TestBodyReportAccounting(t *testing.T) {
	g := bodyTestGateway(t)
	body := "--x\r\nContent-Type: text/plain\r\nContent-ID: <p1@example.com>\r\nContent-Description: orders\r\n\r\nText\r\n" +
		"--x\r\nContent-Type: application/octet-stream; name=a.bin\r\nContent-Disposition: attachment; filename=a.bin; modification-date=\"Mon, 02 Nov 2026 09:30:00 +0000\"; x-unknown=1\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--x--\r\n"
	var rep Report
	parts, err := g.MIMEToBody(Header{{Name: "MIME-Version", Value: " 1.0"}, {Name: "Content-Type", Value: " multipart/mixed; boundary=x"}}, []byte(body), &rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 || parts[1].Kind != x400.BodyPartFileTransfer || parts[1].FileTransfer.FileName() != "a.bin" ||
		!parts[1].FileTransfer.Modified.Equal(time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)) {
		t.Fatalf("parts %+v", parts)
	}
	out := rep.String()
	for _, want := range []string{
		"mapped body part 1 text/plain; charset=us-ascii -> ia5-text",
		"dropped body part 1 Content-ID: a ia5-text body part has no place for it",
		"dropped body part 1 Content-Description:",
		"mapped body part 2 application/octet-stream -> file-transfer",
		"dropped body part 2 Content-Disposition x-unknown:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// Mangled MIME gives a result or a ConversionError, never a panic.
func TestBodyMangledInputNoPanic(t *testing.T) {
	g := bodyTestGateway(t)
	seed := "--x\r\nContent-Type: multipart/alternative; boundary=y\r\n\r\n--y\r\nContent-Type: text/plain; charset=iso-8859-2\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E9t=E9\r\n--y\r\nContent-Type: application/x400-bp; bp-type=14\r\nContent-Transfer-Encoding: base64\r\n\r\njgNhYmM=\r\n--y--\r\n--x\r\nContent-Type: message/rfc822\r\n\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=teletex\r\n\r\nA\fB\r\n--x--\r\n"
	h := Header{{Name: "MIME-Version", Value: " 1.0"}, {Name: "Content-Type", Value: " multipart/mixed; boundary=x"}}
	if _, err := g.MIMEToBody(h, []byte(seed), nil); err != nil {
		t.Fatalf("seed: %v", err)
	}
	state := uint32(2157)
	for i := 0; i < 3000; i++ {
		b := []byte(seed)
		for k := 0; k < 1+i%4; k++ {
			state = state*1664525 + 1013904223
			pos := int(state>>8) % len(b)
			switch state % 3 {
			case 0:
				b[pos] = byte(state >> 24)
			case 1:
				b = b[:pos]
			case 2:
				b = append(b[:pos:pos], b[pos+1:]...)
			}
			if len(b) == 0 {
				break
			}
		}
		_, err := g.MIMEToBody(h, b, nil)
		var ce *ConversionError
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("input %q: error %v is not a ConversionError", b, err)
		}
	}
}
