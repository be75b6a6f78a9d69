package mixer

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func rfc822TestMbox(name, local, domain string, route ...string) Mailbox {
	return Mailbox{Name: name, Route: route, AddrSpec: AddrSpec{LocalPart: local, Domain: domain}}
}

func rfc822TestQMbox(name, local, domain string) Mailbox {
	m := rfc822TestMbox(name, local, domain)
	m.Quoted = true
	return m
}

func rfc822TestM(m Mailbox) Address { return Address{Mailbox: &m} }

func rfc822TestC(m Mailbox, comments ...string) Mailbox {
	m.Comments = comments
	return m
}

func rfc822TestGC(a Address, comments ...string) Address {
	a.Group.Comments = comments
	return a
}

func rfc822TestG(name string, ms ...Mailbox) Address {
	return Address{Group: &Group{Name: name, Members: ms}}
}

// rfc822AddressCases are golden address lists: RFC 5322 Appendix A, RFC
// 2156 §4.3 and §4.4.2, and forms real mailers send.
var rfc822AddressCases = []struct {
	name string
	in   string
	want []Address
}{
	{"RFC5322 A.1.1 From", "John Doe <jdoe@machine.example>",
		[]Address{rfc822TestM(rfc822TestMbox("John Doe", "jdoe", "machine.example"))}},
	{"RFC5322 A.1.2 From", `"Joe Q. Public" <john.q.public@example.com>`,
		[]Address{rfc822TestM(rfc822TestMbox("Joe Q. Public", "john.q.public", "example.com"))}},
	{"RFC5322 A.1.2 To", "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
		[]Address{
			rfc822TestM(rfc822TestMbox("Mary Smith", "mary", "x.test")),
			rfc822TestM(rfc822TestMbox("", "jdoe", "example.org")),
			rfc822TestM(rfc822TestMbox("Who?", "one", "y.test")),
		}},
	{"RFC5322 A.1.2 Cc", `<boss@nil.test>, "Giant; \"Big\" Box" <sysservices@example.net>`,
		[]Address{
			rfc822TestM(rfc822TestMbox("", "boss", "nil.test")),
			rfc822TestM(rfc822TestMbox(`Giant; "Big" Box`, "sysservices", "example.net")),
		}},
	{"RFC5322 A.1.3 To", "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
		[]Address{rfc822TestG("A Group",
			rfc822TestMbox("Ed Jones", "c", "a.test"),
			rfc822TestMbox("", "joe", "where.test"),
			rfc822TestMbox("John", "jdoe", "one.test"))}},
	{"RFC5322 A.1.3 Cc", "Undisclosed recipients:;",
		[]Address{rfc822TestG("Undisclosed recipients")}},
	{"RFC5322 A.2 Reply-To", `"Mary Smith: Personal Account" <smith@home.example>`,
		[]Address{rfc822TestM(rfc822TestMbox("Mary Smith: Personal Account", "smith", "home.example"))}},
	{"RFC5322 A.4 Received for", "<mary@example.net>",
		[]Address{rfc822TestM(rfc822TestMbox("", "mary", "example.net"))}},
	{"RFC5322 A.5 From", `Pete(A nice \) chap) <pete(his account)@silly.test(his host)>`,
		[]Address{rfc822TestM(rfc822TestC(rfc822TestMbox("Pete", "pete", "silly.test"),
			`(A nice \) chap)`, "(his account)", "(his host)"))}},
	{"RFC5322 A.5 To", "A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group)",
		[]Address{rfc822TestGC(rfc822TestG("A Group",
			rfc822TestC(rfc822TestMbox("Chris Jones", "c", "public.example"), "(Chris's host.)"),
			rfc822TestMbox("", "joe", "example.org"),
			rfc822TestC(rfc822TestMbox("John", "jdoe", "one.test"), "(my dear friend)")),
			"(Some people)", "(the end of the group)")}},
	{"RFC5322 A.5 Cc", "(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;",
		[]Address{rfc822TestGC(rfc822TestG("Hidden recipients"), "(Empty list)", "(start)", "(nobody(that I know))")}},
	{"RFC5322 A.6.1 From obs-phrase", "Joe Q. Public <john.q.public@example.com>",
		[]Address{rfc822TestM(rfc822TestMbox("Joe Q. Public", "john.q.public", "example.com"))}},
	{"RFC5322 A.6.1 To obs-route, empty element, obs-domain",
		"Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
		[]Address{
			rfc822TestM(rfc822TestMbox("Mary Smith", "mary", "example.net", "node.test")),
			rfc822TestM(rfc822TestMbox("", "jdoe", "test.example")),
		}},
	{"RFC5322 A.6.3 From", "John Doe <jdoe@machine(comment).  example>",
		[]Address{rfc822TestM(rfc822TestC(rfc822TestMbox("John Doe", "jdoe", "machine.example"), "(comment)"))}},
	{"RFC5322 A.6.3 To, fold of white space only", "Mary Smith\r\n  \r\n          <mary@example.net>",
		[]Address{rfc822TestM(rfc822TestMbox("Mary Smith", "mary", "example.net"))}},
	{"RFC2156 4.3.1 source route", "<@domain1,@domain2:user@domain3>",
		[]Address{rfc822TestM(rfc822TestMbox("", "user", "domain3", "domain1", "domain2"))}},
	{"RFC2156 4.3.1 std-or-address local part", "/I=J/S=Linnimouth/GQ=5/@Marketing.Widget.COM",
		[]Address{rfc822TestM(rfc822TestMbox("", "/I=J/S=Linnimouth/GQ=5/", "Marketing.Widget.COM"))}},
	{"RFC2156 4.3.1 encoded-pn", "J.Linnimouth@Marketing.Widget.COM",
		[]Address{rfc822TestM(rfc822TestMbox("", "J.Linnimouth", "Marketing.Widget.COM"))}},
	{"RFC2156 4.3.2 RFC-822 DDA values", "Jimmy@WIDGET-LABS.CO.UK, postel@venera.isi.edu",
		[]Address{
			rfc822TestM(rfc822TestMbox("", "Jimmy", "WIDGET-LABS.CO.UK")),
			rfc822TestM(rfc822TestMbox("", "postel", "venera.isi.edu")),
		}},
	{"RFC2156 4.4.2 Joe.Soap", "Joe.Soap@Widget.PTT.XY",
		[]Address{rfc822TestM(rfc822TestMbox("", "Joe.Soap", "Widget.PTT.XY"))}},
	{"RFC2156 4.4.2 DD in local part", "/PN=Duval/DD.Title=Manager/@Inria.ATLAS.FR",
		[]Address{rfc822TestM(rfc822TestMbox("", "/PN=Duval/DD.Title=Manager/", "Inria.ATLAS.FR"))}},
	{"RFC2156 4.4.2 quoted std-or local part",
		`"/RFC-822=jj(a)seismo.css.gov/PRMD=AC/ADMD=BT/C=GB/"@monet.berkeley.edu`,
		[]Address{rfc822TestM(rfc822TestQMbox("", "/RFC-822=jj(a)seismo.css.gov/PRMD=AC/ADMD=BT/C=GB/", "monet.berkeley.edu"))}},
	{"RFC2156 4.3.4 quoted local part with spaces", `"/G=Jo  Anne/S=Smith/" <"/G=Jo  Anne/S=Smith/"@gw.example>`,
		[]Address{rfc822TestM(rfc822TestQMbox("/G=Jo  Anne/S=Smith/", "/G=Jo  Anne/S=Smith/", "gw.example"))}},
	{"obs-local-part mixing quoted and atom", `"a b".c @ d . e`,
		[]Address{rfc822TestM(rfc822TestQMbox("", "a b.c", "d.e"))}},
	{"route with empty elements and CFWS", "<,@a, ,@b (x) ,@c:u@d>",
		[]Address{rfc822TestM(rfc822TestC(rfc822TestMbox("", "u", "d", "a", "b", "c"), "(x)"))}},
	{"RFC2156 4.7.1 RFC 822 style comment name, folded comment, trailing comment",
		"jdoe@example.org (John\r\n Doe), (Tel +44 1 234) x@y (a), (b)",
		[]Address{
			rfc822TestM(rfc822TestC(rfc822TestMbox("", "jdoe", "example.org"), "(John Doe)")),
			rfc822TestM(rfc822TestC(rfc822TestMbox("", "x", "y"), "(Tel +44 1 234)", "(a)", "(b)")),
		}},
	{"domain literal", "x <u@[192.0.2.1]>, v@[ IPv6:2001:db8::1 ]",
		[]Address{
			rfc822TestM(rfc822TestMbox("x", "u", "[192.0.2.1]")),
			rfc822TestM(rfc822TestMbox("", "v", "[IPv6:2001:db8::1]")),
		}},
	// RFC 2047 §8's example: encoded-words in a display name are decoded.
	{"encoded word display name decoded (RFC 2047 §8)", "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
		[]Address{rfc822TestM(rfc822TestMbox("Keld Jørn Simonsen", "keld", "dkuug.dk"))}},
	// RFC 2047 §8: white space between adjacent encoded-words is dropped,
	// not between an encoded-word and an atom; a quoted one is not decoded.
	{"adjacent encoded words (RFC 2047 §8)", "=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?= c <x@y.example>",
		[]Address{rfc822TestM(rfc822TestMbox("ab c", "x", "y.example"))}},
	{"quoted encoded word kept", `"=?ISO-8859-1?Q?a?=" <x@y.example>`,
		[]Address{rfc822TestM(rfc822TestMbox("=?ISO-8859-1?Q?a?=", "x", "y.example"))}},
	{"empty quoted local part", `""@example.org`,
		[]Address{rfc822TestM(rfc822TestQMbox("", "", "example.org"))}},
	{"group without ';' (real mailers)", "undisclosed-recipients:",
		[]Address{rfc822TestG("undisclosed-recipients")}},
	{"UTF-8 display name (RFC 6532)", "Jörg <j@example.de>",
		[]Address{rfc822TestM(rfc822TestMbox("Jörg", "j", "example.de"))}},
	{"blank list", " (nobody) , ", nil},
}

func TestParseAddressList(t *testing.T) {
	for _, tc := range rfc822AddressCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAddressList(tc.in)
			if err != nil {
				t.Fatalf("ParseAddressList(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseAddressList(%q)\n got %s\nwant %s", tc.in, rfc822Dump(got), rfc822Dump(tc.want))
			}
			// Round trip: parse -> format -> parse gives the same value.
			s := FormatAddressList(got)
			again, err := ParseAddressList(s)
			if err != nil {
				t.Fatalf("reparse of %q: %v", s, err)
			}
			if !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip %q -> %q\n got %s\nwant %s", tc.in, s, rfc822Dump(again), rfc822Dump(got))
			}
		})
	}
}

func rfc822Dump(l []Address) string {
	var b strings.Builder
	for _, a := range l {
		if a.Group != nil {
			b.WriteString("G{" + a.Group.Name + strings.Join(a.Group.Comments, "") + ":")
			for _, m := range a.Group.Members {
				b.WriteString(rfc822DumpM(m) + ",")
			}
			b.WriteString("} ")
		} else if a.Mailbox != nil {
			b.WriteString(rfc822DumpM(*a.Mailbox) + " ")
		}
	}
	return b.String()
}

func rfc822DumpM(m Mailbox) string {
	q := ""
	if m.Quoted {
		q = "(quoted)"
	}
	return "M{comments=" + strings.Join(m.Comments, "") + " name=" + m.Name + " route=" + strings.Join(m.Route, ",") + " local=" + m.LocalPart + q + " domain=" + m.Domain + "}"
}

// TestFormatAddress checks the text written, RFC 5322 §3.4.1 and §3.2.5:
// what needs quoting is quoted, what does not is not.
func TestFormatAddress(t *testing.T) {
	cases := []struct {
		m    Mailbox
		want string
	}{
		{rfc822TestMbox("", "jdoe", "example.org"), "jdoe@example.org"},
		{rfc822TestMbox("John Doe", "jdoe", "example.org"), "John Doe <jdoe@example.org>"},
		{rfc822TestMbox("Joe Q. Public", "john.q.public", "example.com"), `"Joe Q. Public" <john.q.public@example.com>`},
		{rfc822TestMbox(`Giant; "Big" Box`, "s", "e.net"), `"Giant; \"Big\" Box" <s@e.net>`},
		{rfc822TestMbox("", "a b", "c"), `"a b"@c`},
		{rfc822TestMbox("", "a..b", "c"), `"a..b"@c`},
		{rfc822TestMbox("", ".a", "c"), `".a"@c`},
		{rfc822TestMbox("", `a"b\c`, "d"), `"a\"b\\c"@d`},
		{rfc822TestMbox("", "/I=J/S=Linnimouth/GQ=5/", "Marketing.Widget.COM"), "/I=J/S=Linnimouth/GQ=5/@Marketing.Widget.COM"},
		{rfc822TestQMbox("", "/RFC-822=jj(a)seismo.css.gov/", "monet.berkeley.edu"), `"/RFC-822=jj(a)seismo.css.gov/"@monet.berkeley.edu`},
		{rfc822TestQMbox("", "plain", "x"), `"plain"@x`}, // quoting kept: RFC 2156 §4.3.4 step 2
		{rfc822TestMbox("", "user", "domain3", "domain1", "domain2"), "<@domain1,@domain2:user@domain3>"},
		{rfc822TestMbox(" lead", "u", "d"), `" lead" <u@d>`},
		// Non-ASCII display names as RFC 2047 "B" encoded-words, which
		// parse back to the name; a name that reads as an encoded-word is
		// quoted so that it is not decoded.
		{rfc822TestMbox("Hélène Dupont", "h", "d"), "=?utf-8?b?SMOpbMOobmUgRHVwb250?= <h@d>"},
		{rfc822TestMbox("=?utf-8?q?x?=", "h", "d"), `"=?utf-8?q?x?=" <h@d>`},
		{rfc822TestMbox("Fran\u00e7ois \"Big\" Lef\u00e8vre, CDR (ret.)", "f", "d"),
			"=?utf-8?b?RnJhbsOnb2lzICJCaWciIExlZsOodnJlLCBDRFIgKHJldC4p?= <f@d>"},
	}
	for _, tc := range cases {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("%s: String() = %q, want %q", rfc822DumpM(tc.m), got, tc.want)
			continue
		}
		back, err := ParseMailbox(tc.want)
		if err != nil {
			t.Errorf("ParseMailbox(%q): %v", tc.want, err)
			continue
		}
		want := tc.m
		want.Quoted = want.Quoted || !rfc822IsDotAtom(want.LocalPart)
		if !reflect.DeepEqual(back, want) {
			t.Errorf("ParseMailbox(%q) = %s, want %s", tc.want, rfc822DumpM(back), rfc822DumpM(want))
		}
	}
	g := Group{Name: "", Members: []Mailbox{rfc822TestMbox("", "a", "b")}}
	if got, want := g.String(), `"": a@b;`; got != want {
		t.Errorf("empty-named group: %q, want %q", got, want)
	}
	if got, want := (Group{Name: "A Group"}).String(), "A Group:;"; got != want {
		t.Errorf("empty group: %q, want %q", got, want)
	}
}

// TestFormatComment: RFC 2156 §4.7.2 puts the telephone number in a
// comment ("Tel ..."); what FormatComment makes parses back as one comment.
func TestFormatComment(t *testing.T) {
	c := FormatComment(`Tel +44 (0)1 234 \ x` + "\r\n")
	if want := `(Tel +44 \(0\)1 234 \\ x  )`; c != want {
		t.Fatalf("FormatComment = %q, want %q", c, want)
	}
	m := rfc822TestMbox("Jim Smith", "jim", "example.com")
	m.Comments = []string{c, FormatComment("CN=Jim Smith, O=Widget, C=GB")}
	s := m.String()
	if want := "Jim Smith <jim@example.com> " + c + " (CN=Jim Smith, O=Widget, C=GB)"; s != want {
		t.Fatalf("String() = %q, want %q", s, want)
	}
	back, err := ParseMailbox(s)
	if err != nil || !reflect.DeepEqual(back, m) {
		t.Fatalf("ParseMailbox(%q) = %s, %v", s, rfc822DumpM(back), err)
	}
}

func TestParseMailboxAndAddrSpec(t *testing.T) {
	m, err := ParseMailbox("Mary Smith <@node.test:mary@example.net>")
	if err != nil {
		t.Fatal(err)
	}
	if want := rfc822TestMbox("Mary Smith", "mary", "example.net", "node.test"); !reflect.DeepEqual(m, want) {
		t.Errorf("got %s", rfc822DumpM(m))
	}
	// RFC 2156 §4.3.2: the RFC-822 DDA value, after the §3.4 "(a)" decoding.
	a, err := ParseAddrSpec(" Jimmy@WIDGET-LABS.CO.UK ")
	if err != nil || a != (AddrSpec{LocalPart: "Jimmy", Domain: "WIDGET-LABS.CO.UK"}) {
		t.Errorf("ParseAddrSpec: %+v, %v", a, err)
	}
	for _, s := range []string{"A <a@b>", "a@b, c@d", "G: a@b;", "<a@b>"} {
		if _, err := ParseAddrSpec(s); err == nil {
			t.Errorf("ParseAddrSpec(%q): no error", s)
		}
	}
	for _, s := range []string{"a@b, c@d", "G: a@b;", ""} {
		if _, err := ParseMailbox(s); err == nil {
			t.Errorf("ParseMailbox(%q): no error", s)
		}
	}
}

// TestParseAddressErrors: malformed addresses give an *AddressError at the
// right offset, never a panic.
func TestParseAddressErrors(t *testing.T) {
	cases := []struct {
		in  string
		off int
		msg string
	}{
		{"jdoe", 4, "'@' domain expected"},
		{"John Doe jdoe@example.org", 5, "words not separated by '.'"},
		{"a..b@c", 2, "'.' not between two words"},
		{".a@c", 0, "'.' not between two words"},
		{"a.@c", 1, "local part ends with '.'"},
		{"a@", 2, "domain expected"},
		{"a@b.", 4, "domain: name expected"},
		{"a@b..c", 4, "domain: name expected"},
		{"a@[1.2.3.4", 2, "domain literal not closed"},
		{"a@[1.2[3]", 6, "bad '[' in domain literal"},
		{"<a@b", 0, "'<' not closed by '>'"},
		{"A <a@b> c", 8, "expected ','"},
		{"<@a:>", 4, "address expected"},
		{"<@a b:c@d>", 4, "route: ',' or ':' expected"},
		{"<@a,@b c@d>", 7, "route: ',' or ':' expected"},
		{"<@:c@d>", 2, "domain: name expected"},
		{`"abc@d`, 0, "quoted-string not closed"},
		{"a(b@c", 1, "comment not closed"},
		{"a@b\r\nc", 3, "not a fold"},
		{"a@b\nc", 3, "not a fold"},
		{"\"a\x00\"@b", 2, "NUL in quoted-string"},
		{`"a\`, 2, "bad quoted-pair"},
		{"G: H: a@b;;", 4, "groups do not nest"},
		{"G: a@b c@d;", 7, "',' or ';' expected in group"},
		{". <a@b>", 0, "display name starts with '.'"},
		{"<>", 1, "address expected"},
		{"a@b>", 3, "expected ','"},
		{strings.Repeat("(", 100) + "a@b", 64, "nested too deeply"},
	}
	for _, tc := range cases {
		_, err := ParseAddressList(tc.in)
		var ae *AddressError
		if !errors.As(err, &ae) {
			t.Errorf("ParseAddressList(%q): err = %v, want *AddressError", tc.in, err)
			continue
		}
		if ae.Offset != tc.off || !strings.Contains(ae.Msg, tc.msg) {
			t.Errorf("ParseAddressList(%q): %v; want offset %d, %q", tc.in, err, tc.off, tc.msg)
		}
	}
}

// rfc5322AppendixA5 is RFC 5322 Appendix A.5 (white space, comments and
// other oddities) with its body.
const rfc5322AppendixA5 = "From: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>\r\n" +
	"To:A Group(Some people)\r\n" +
	"     :Chris Jones <c@(Chris's host.)public.example>,\r\n" +
	"         joe@example.org,\r\n" +
	"  John <jdoe@one.test> (my dear friend); (the end of the group)\r\n" +
	"Cc:(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;\r\n" +
	"Date: Thu,\r\n" +
	"      13\r\n" +
	"        Feb\r\n" +
	"          1969\r\n" +
	"      23:32\r\n" +
	"               -0330 (Newfoundland Time)\r\n" +
	"Message-ID:              <testabcd.1234@silly.test>\r\n" +
	"\r\n" +
	"Testing.\r\n"

func TestParseHeaderRFC5322A5(t *testing.T) {
	h, n, err := ParseHeader([]byte(rfc5322AppendixA5), HeaderLimits{})
	if err != nil {
		t.Fatal(err)
	}
	want := Header{
		{"From", ` Pete(A nice \) chap) <pete(his account)@silly.test(his host)>`, 1},
		{"To", "A Group(Some people)     :Chris Jones <c@(Chris's host.)public.example>,         joe@example.org,  John <jdoe@one.test> (my dear friend); (the end of the group)", 2},
		{"Cc", "(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;", 6},
		{"Date", " Thu,      13        Feb          1969      23:32               -0330 (Newfoundland Time)", 7},
		{"Message-ID", "              <testabcd.1234@silly.test>", 13},
	}
	if !reflect.DeepEqual(h, want) {
		t.Fatalf("got  %+v\nwant %+v", h, want)
	}
	if body := rfc5322AppendixA5[n:]; body != "Testing.\r\n" {
		t.Errorf("body = %q", body)
	}
	// The addresses of the unfolded fields.
	to, _ := h.Get("to")
	l, err := ParseAddressList(to)
	if err != nil || len(l) != 1 || l[0].Group == nil || len(l[0].Group.Members) != 3 {
		t.Errorf("To: %s, %v", rfc822Dump(l), err)
	}
}

// TestParseHeaderRFC5322A6_3: Appendix A.6.3, obsolete white space before
// the colon and a fold made of white space only; bare LF line ends.
func TestParseHeaderRFC5322A6_3(t *testing.T) {
	in := "From  : John Doe <jdoe@machine(comment).  example>\n" +
		"To    : Mary Smith\n" +
		"  \n" +
		"          <mary@example.net>\n" +
		"Subject     : Saying Hello\n" +
		"Date  : Fri, 21 Nov 1997 09(comment):   55  :  06 -0600\n" +
		"Message-ID  : <1234   @   local(blah)  .machine .example>\n" +
		"\n" +
		"This is a message just to say hello.\n"
	h, n, err := ParseHeader([]byte(in), HeaderLimits{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range h {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "From,To,Subject,Date,Message-ID" {
		t.Errorf("names %s", got)
	}
	if v, _ := h.Get("TO"); v != " Mary Smith            <mary@example.net>" {
		t.Errorf("To = %q", v)
	}
	if h[4].Line != 7 {
		t.Errorf("Message-ID line %d, want 7", h[4].Line)
	}
	if !strings.HasPrefix(in[n:], "This is") {
		t.Errorf("body at %d: %q", n, in[n:])
	}
	for _, f := range h[:2] {
		l, err := ParseAddressList(f.Value)
		if err != nil || len(l) != 1 {
			t.Errorf("%s: %v", f.Name, err)
		}
	}
}

// TestParseHeaderRFC5322A4: Appendix A.4 trace fields keep their order,
// and Values returns every Received.
func TestParseHeaderRFC5322A4(t *testing.T) {
	in := "Received: from x.y.test\r\n" +
		"   by example.net\r\n" +
		"   via TCP\r\n" +
		"   with ESMTP\r\n" +
		"   id ABC12345\r\n" +
		"   for <mary@example.net>;  21 Nov 1997 10:05:43 -0600\r\n" +
		"Received: from node.example by x.y.test; 21 Nov 1997 10:01:22 -0600\r\n" +
		"From: John Doe <jdoe@node.example>\r\n"
	h, n, err := ParseHeader([]byte(in), HeaderLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(in) {
		t.Errorf("n = %d, want %d (no body)", n, len(in))
	}
	rs := h.Values("received")
	want := []string{
		" from x.y.test   by example.net   via TCP   with ESMTP   id ABC12345   for <mary@example.net>;  21 Nov 1997 10:05:43 -0600",
		" from node.example by x.y.test; 21 Nov 1997 10:01:22 -0600",
	}
	if !reflect.DeepEqual(rs, want) {
		t.Errorf("Received = %q", rs)
	}
	if h[2].Line != 8 {
		t.Errorf("From line %d", h[2].Line)
	}
	if _, ok := h.Get("Sender"); ok {
		t.Error("Get(Sender) found a field")
	}
}

func TestParseHeaderErrors(t *testing.T) {
	long := "Subject: " + strings.Repeat("x", 990) + "\r\n"
	cases := []struct {
		in   string
		lim  HeaderLimits
		line int
		msg  string
	}{
		{"From a@b\r\n", HeaderLimits{}, 1, "no ':'"},
		{" folded\r\nFrom: a@b\r\n", HeaderLimits{}, 1, "continuation line before the first field"},
		{"From: a@b\r\n: x\r\n", HeaderLimits{}, 2, "empty field name"},
		{"From: a@b\r\nX Y: z\r\n", HeaderLimits{}, 2, "byte 0x20 at column 2"},
		{"From: a@b\r\nSubject: a\rb\r\n", HeaderLimits{}, 2, "bare CR at column 11"},
		{"From: a@b\r\nSubject: a\x00b\r\n", HeaderLimits{}, 2, "NUL at column 11"},
		{"From sender Mon Nov 23 02:30:15 2026\n", HeaderLimits{}, 1, "field name"},
		{"A: 1\r\n" + long, HeaderLimits{}, 2, "line longer than 998 bytes"},
		{"A: 1\r\nB: 2\r\nC: 3\r\n", HeaderLimits{MaxFields: 2}, 3, "more than 2 fields"},
		{"A: 1\r\nB: 2\r\n \r\n", HeaderLimits{MaxSize: 14}, 3, "longer than 14 bytes"},
		{"A: 1\r\nB: 2\r\n  x\r\n", HeaderLimits{MaxLineLen: 3}, 1, "line longer than 3 bytes"},
	}
	for _, tc := range cases {
		_, _, err := ParseHeader([]byte(tc.in), tc.lim)
		var he *HeaderError
		if !errors.As(err, &he) {
			t.Errorf("ParseHeader(%q): err = %v, want *HeaderError", tc.in, err)
			continue
		}
		if he.Line != tc.line || !strings.Contains(he.Msg, tc.msg) {
			t.Errorf("ParseHeader(%q): %v; want line %d, %q", tc.in, err, tc.line, tc.msg)
		}
	}
	// Within limits the same inputs parse.
	if _, _, err := ParseHeader([]byte("A: 1\r\n"+long), HeaderLimits{MaxLineLen: 1000}); err != nil {
		t.Errorf("MaxLineLen 1000: %v", err)
	}
	if h, _, err := ParseHeader([]byte("A: 1\r\nB: 2\r\n"), HeaderLimits{MaxFields: 2, MaxSize: 12}); err != nil || len(h) != 2 {
		t.Errorf("at the limits: %v", err)
	}
}

func TestFormatHeaderFolds(t *testing.T) {
	to := make([]string, 20)
	for i := range to {
		to[i] = "Recipient Number <r" + strings.Repeat("x", i) + "@example.net>"
	}
	h := Header{
		{Name: "To", Value: " " + strings.Join(to, ", ")},
		{Name: "X400-Content-Identifier", Value: " " + strings.Repeat("y", 200)},
		{Name: "Subject", Value: " short"},
		{Name: "Empty", Value: ""},
	}
	b := FormatHeader(h)
	for i, l := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n") {
		if len(l) > rfc822FoldWidth && !strings.Contains(l, "yyyy") {
			t.Errorf("line %d is %d long: %q", i+1, len(l), l)
		}
		if strings.TrimLeft(l, " \t") == "" {
			t.Errorf("line %d is white space only", i+1)
		}
	}
	if !strings.Contains(string(b), "Subject: short\r\nEmpty:\r\n") {
		t.Errorf("short fields folded: %q", b)
	}
	back, _, err := ParseHeader(b, HeaderLimits{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range back {
		back[i].Line = 0
	}
	if !reflect.DeepEqual(back, h) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, h)
	}
}

func FuzzParseAddressList(f *testing.F) {
	for _, tc := range rfc822AddressCases {
		f.Add(tc.in)
	}
	f.Add("a@b\r\n c@d")
	f.Add(`"\` + "\t" + `"@x`)
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseAddressList(s)
		if err != nil {
			var ae *AddressError
			if !errors.As(err, &ae) || ae.Offset < 0 || ae.Offset > len(s) {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		out := FormatAddressList(l)
		again, err := ParseAddressList(out)
		if err != nil {
			t.Fatalf("%q formats to %q which does not parse: %v", s, out, err)
		}
		if !reflect.DeepEqual(again, l) {
			t.Fatalf("%q -> %q\n got %s\nwant %s", s, out, rfc822Dump(again), rfc822Dump(l))
		}
		for _, a := range l {
			if a.Mailbox != nil {
				m, err := ParseMailbox(a.Mailbox.String())
				if err != nil || !reflect.DeepEqual(m, *a.Mailbox) {
					t.Fatalf("mailbox %q: %s, %v", a.Mailbox.String(), rfc822DumpM(m), err)
				}
			}
		}
	})
}

func FuzzParseHeader(f *testing.F) {
	f.Add([]byte(rfc5322AppendixA5))
	f.Add([]byte("From  : a@b\n  \n x\nTo: c@d\n\nbody"))
	f.Add([]byte("Received: from x\r\n\tby y\r\nSubject: " + strings.Repeat("z ", 100) + "\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := HeaderLimits{MaxLineLen: 200, MaxFields: 50, MaxSize: 4096}
		h, n, err := ParseHeader(data, lim)
		if err != nil {
			var he *HeaderError
			if !errors.As(err, &he) || he.Line < 1 {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		if n < 0 || n > len(data) {
			t.Fatalf("n = %d of %d", n, len(data))
		}
		out := FormatHeader(h)
		again, m, err := ParseHeader(out, HeaderLimits{MaxLineLen: 200, MaxFields: 50})
		if err != nil {
			t.Fatalf("%q formats to %q which does not parse: %v", data, out, err)
		}
		if m != len(out) {
			t.Fatalf("formatted header ends early at %d of %d", m, len(out))
		}
		if len(again) != len(h) {
			t.Fatalf("%q -> %q: %d fields, want %d", data, out, len(again), len(h))
		}
		for i := range again {
			again[i].Line = h[i].Line
		}
		if !reflect.DeepEqual(again, h) {
			t.Fatalf("%q -> %q\n got %+v\nwant %+v", data, out, again, h)
		}
	})
}
