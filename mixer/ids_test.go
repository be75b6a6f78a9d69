package mixer

import (
	"errors"
	"strings"
	"testing"

	"mixerd/x400"
)

func idsMustOR(t *testing.T, s string) *x400.ORName {
	t.Helper()
	a, err := x400.ParseORAddress(s)
	if err != nil {
		t.Fatalf("ParseORAddress(%q): %v", s, err)
	}
	return &x400.ORName{ORAddress: a}
}

func idsEqual(a, b *x400.IPMIdentifier) bool { return hdgSameID(a, b) }

// RFC 2156 §4.7.3.2's example: <"147*/S=Dietrich/O=Siemens/ADMD=DBP/C=DE/"@MHS>.
func TestIDsRFC2156Section4732Example(t *testing.T) {
	const msgID = `<"147*/S=Dietrich/O=Siemens/ADMD=DBP/C=DE/"@MHS>`
	id, cut, err := MsgIDToIPMIdentifier(msgID)
	if err != nil || cut {
		t.Fatalf("MsgIDToIPMIdentifier: %v, truncated %v", err, cut)
	}
	want := x400.IPMIdentifier{LocalID: "147", User: idsMustOR(t, "/C=DE/ADMD=DBP/O=Siemens/S=Dietrich/")}
	if !idsEqual(&id, &want) {
		t.Fatalf("got %s, want %s", id.String(), want.String())
	}
	// §4.7.3.4: quoted-string only "if necessary"; §4.3.3: most
	// significant attribute on the right.
	got, err := IPMIdentifierToMsgID(&want)
	if err != nil {
		t.Fatal(err)
	}
	if got != "<147*/S=Dietrich/O=Siemens/ADMD=DBP/C=DE/@MHS>" {
		t.Errorf("IPMIdentifierToMsgID = %s", got)
	}
	back, _, err := MsgIDToIPMIdentifier(got)
	if err != nil || !idsEqual(&back, &want) {
		t.Errorf("round trip: %v %v", back.String(), err)
	}
}

// RFC 2156 §5.3.4.2's example message ids.
func TestIDsRFC2156Section5342Example(t *testing.T) {
	for _, c := range []struct {
		msgID, local, user string
	}{
		{"<PC1000-910530172027-57D8*@MHS>", "PC1000-910530172027-57D8", ""},
		{"<562*/S=Eppenberger/OU=verw/O=switch/PRMD=SWITCH/ADMD=ARCOM/C=CH/@MHS>", "562",
			"/C=CH/ADMD=ARCOM/PRMD=SWITCH/O=switch/OU=verw/S=Eppenberger/"},
	} {
		id, _, err := MsgIDToIPMIdentifier(c.msgID)
		if err != nil {
			t.Fatalf("%s: %v", c.msgID, err)
		}
		want := x400.IPMIdentifier{LocalID: c.local}
		if c.user != "" {
			want.User = idsMustOR(t, c.user)
		}
		if !idsEqual(&id, &want) {
			t.Errorf("%s: got %s, want %s", c.msgID, id.String(), want.String())
		}
		// The generated form is exactly the RFC's.
		got, err := IPMIdentifierToMsgID(&id)
		if err != nil || got != c.msgID {
			t.Errorf("IPMIdentifierToMsgID = %s, %v; want %s", got, err, c.msgID)
		}
	}
}

// §4.7.3.1 and §4.7.3.3: an RFC 822 generated id is the printable string
// encoding (§3.4) of the msg-id without its braces, and no user.
func TestIDsRFC822Generated(t *testing.T) {
	for _, c := range []struct{ msgID, local string }{
		{"<1234.5678@host.example>", "1234.5678(a)host.example"},
		{"<a_b%c!d@x.y>", "a(u)b(p)c(b)d(a)x.y"},
		{`<"odd local"@x.y>`, "(q)odd local(q)(a)x.y"},
		{"<abc~def@[192.0.2.1]>", "abc(126)def(a)(091)192.0.2.1(093)"},
		// §4.7.3.6: RFC 987 forms are not recognised (not recommended).
		{"<abc*/C=GB/@host.example>", "abc(042)/C=GB/(a)host.example"},
	} {
		id, cut, err := MsgIDToIPMIdentifier(c.msgID)
		if err != nil || cut {
			t.Fatalf("%s: %v %v", c.msgID, err, cut)
		}
		if id.User != nil || id.LocalID != c.local {
			t.Errorf("%s: got %s, want %s", c.msgID, id.String(), c.local)
		}
		if !x400.IsPrintableString(id.LocalID) {
			t.Errorf("%s: %q is not a PrintableString", c.msgID, id.LocalID)
		}
		back, err := IPMIdentifierToMsgID(&id)
		if err != nil || back != c.msgID {
			t.Errorf("%s: back %s %v", c.msgID, back, err)
		}
	}
}

// §3.4's table of examples, both ways where the arrow is double.
func TestIDsPrintableStringEncoding(t *testing.T) {
	for _, c := range []struct {
		ps, ascii string
		both      bool
	}{
		{"a demo.", "a demo.", true},
		{"foo(a)bar", "foo@bar", true},
		{"(q)(u)(p)(q)", `"_%"`, true},
		{"(a)", "@", true},
		{"(A)", "@", false},
		{"(l)a(r)", "(a)", true},
		{"(126)", "~", true},
		{"(", "(", false},
		{"(l)", "(", true},
	} {
		got, err := idsDecodePS(c.ps)
		if err != nil || got != c.ascii {
			t.Errorf("decode %q = %q %v, want %q", c.ps, got, err, c.ascii)
		}
		if c.both {
			if enc, _ := idsEncodePS(c.ascii); enc != c.ps {
				t.Errorf("encode %q = %q, want %q", c.ascii, enc, c.ps)
			}
		}
	}
}

// §5.1.3: the user-relative-identifier is cut to 64 without splitting
// an encoded character.
func TestIDsTruncation(t *testing.T) {
	// 62 + "(a)" passes 64: the cut falls before the "(".
	long := "<" + strings.Repeat("x", 62) + "@abcdefgh.example>"
	id, cut, err := MsgIDToIPMIdentifier(long)
	if err != nil || !cut {
		t.Fatalf("%v %v", err, cut)
	}
	if id.LocalID != strings.Repeat("x", 62) {
		t.Errorf("cut inside (a): %q", id.LocalID)
	}
	id, cut, _ = MsgIDToIPMIdentifier("<" + strings.Repeat("y", 70) + "@h>")
	if !cut || len(id.LocalID) != UBLocalIPMIdentifier {
		t.Errorf("len %d cut %v", len(id.LocalID), cut)
	}
	// A short one is not cut.
	if _, cut, _ := MsgIDToIPMIdentifier("<a@b>"); cut {
		t.Error("short id reported cut")
	}
}

// §4.7.3.4: an identifier without a user whose user-relative-identifier
// is not an encoded msg-id is X.400 generated.
func TestIDsX400GeneratedWithoutUser(t *testing.T) {
	for _, c := range []struct {
		local, msgID string
	}{
		{"ABC123", "<ABC123*@MHS>"},
		{"", "<*@MHS>"},
		{"A B", `<"A B*"@MHS>`},
		{"(A)x", `<"(A)x*"@MHS>`}, // decodes, but not exactly back
		{"x(042)(a)MHS", `<"x(042)(a)MHS*"@MHS>`},
	} {
		id := x400.IPMIdentifier{LocalID: c.local}
		got, err := IPMIdentifierToMsgID(&id)
		if err != nil || got != c.msgID {
			t.Errorf("%q: %s %v, want %s", c.local, got, err, c.msgID)
			continue
		}
		back, _, err := MsgIDToIPMIdentifier(got)
		if err != nil || !idsEqual(&back, &id) {
			t.Errorf("%q: back %q %v", c.local, back.String(), err)
		}
	}
}

// Round trips both ways, §4.7.3: "a reversible and symmetrical mapping".
func TestIDsRoundTrip(t *testing.T) {
	ids := []x400.IPMIdentifier{
		{LocalID: "1", User: idsMustOR(t, "/C=GB/ADMD= /PRMD=MOD/O=Gateway/OU=HQ/OU=Ops/S=Smith/G=John/")},
		{LocalID: "", User: idsMustOR(t, "/C=US/ADMD=ATT/O=Org$/x/S=a$=b/")},
		{LocalID: "20261123.001", User: idsMustOR(t, "/C=DE/ADMD=DBP/DD.RFC-822=a(a)b/")},
		{LocalID: "Some:thing, else?"},
		{LocalID: "plain(a)rfc822.example"},
	}
	for i := range ids {
		s, err := IPMIdentifierToMsgID(&ids[i])
		if err != nil {
			t.Fatalf("%s: %v", ids[i].String(), err)
		}
		back, _, err := MsgIDToIPMIdentifier(s)
		if err != nil || !idsEqual(&back, &ids[i]) {
			t.Errorf("%s -> %s -> %s %v", ids[i].String(), s, back.String(), err)
		}
	}
	for _, m := range []string{"<x@y>", "<a.b.c@d.e.f>", `<"q\"x"@y>`, "<1*@MHS>", "<*/ADMD=BT/C=GB/@MHS>"} {
		id, _, err := MsgIDToIPMIdentifier(m)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		s, err := IPMIdentifierToMsgID(&id)
		if err != nil || s != m {
			t.Errorf("%s -> %s -> %s %v", m, id.String(), s, err)
		}
	}
}

// §4.7.3.5: phrases in In-Reply-To and References.
func TestIDsPhraseForm(t *testing.T) {
	ids, cut, err := ParseReferences(` <a@b> (comment) "Your message of 1 May" <"147*/S=Dietrich/O=Siemens/ADMD=DBP/C=DE/"@MHS> Memo 12`)
	if err != nil || cut {
		t.Fatal(err, cut)
	}
	if len(ids) != 4 {
		t.Fatalf("got %d ids: %v", len(ids), ids)
	}
	if ids[0].LocalID != "a(a)b" || ids[1].LocalID != "Your message of 1 May" || ids[2].LocalID != "147" || ids[2].User == nil || ids[3].LocalID != "Memo 12" {
		t.Errorf("got %+v", ids)
	}
	s, err := FormatReferences(ids)
	if err != nil {
		t.Fatal(err)
	}
	const want = `<a@b> Your message of 1 May <147*/S=Dietrich/O=Siemens/ADMD=DBP/C=DE/@MHS> Memo 12`
	if s != want {
		t.Errorf("FormatReferences = %s\nwant %s", s, want)
	}
	// A phrase is a phrase, not an id in domain MHS.
	// Consecutive phrases cannot be told apart in RFC 822 (*(phrase /
	// msg-id)); a phrase that is not atoms is quoted.
	if r, _ := IPMIdentifierToReference(&x400.IPMIdentifier{LocalID: "Re: x"}); r != `"Re: x"` {
		t.Errorf("quoted phrase = %s", r)
	}
	r, err := IPMIdentifierToReference(&x400.IPMIdentifier{LocalID: "REF 12/3"})
	if err != nil || r != `REF 12/3` {
		t.Errorf("reference = %s %v", r, err)
	}
}

// Bad ids are errors that name the id, never panics.
func TestIDsBad(t *testing.T) {
	for _, s := range []string{"", "a@b", "<a@b", "<>", "<@b>", "<a>", "<a@b> x", "<a b@c>", "<a@b>>"} {
		_, _, err := MsgIDToIPMIdentifier(s)
		var me *MsgIDError
		if !errors.As(err, &me) {
			t.Errorf("%q: error %v", s, err)
		}
	}
	for _, s := range []string{"<a@b", "<a@b> ,", "\"unclosed"} {
		if _, _, err := ParseReferences(s); err == nil {
			t.Errorf("ParseReferences(%q) gave no error", s)
		}
	}
	// A control character in the user cannot be written.
	id := x400.IPMIdentifier{LocalID: "x\x01"}
	if _, err := IPMIdentifierToMsgID(&id); err == nil {
		t.Error("non-printable user-relative-identifier accepted")
	}
}
