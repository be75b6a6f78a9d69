package mixer

import (
	"errors"
	"math/rand"
	"strings"
	"testing"

	"mixerd/ber"
	"mixerd/x400"
)

// The test gateway of the brief, with tables holding the MCGAMs of RFC
// 2156's own examples.
const (
	addrTestDomainToOR = `# RFC 2156 Appendix F §5 format
Widget.COM#O$Widget.ADMD$BTT.C$TC#
AC.UK#PRMD$UK\\.AC.ADMD$GOLD 400.C$GB#
HNE.EGM#O$HNE.PRMD$@.ADMD$ECQ.C$TC#
ZZ.YY.XX#O$ZZ.ADMD$YY.C$XX#
Master400.it#ADMD$Master400.C$it#
autoroutes.fr#PRMD$autoroutes.ADMD$atlas.C$fr#
ptpostel.it#ADMD$PtPostel.C$it#
ATLAS.FR#ADMD$ATLAS.C$FR#
XEROX.COM#O$Xerox.ADMD$ATT.C$US#
GMD.DE#O$@.PRMD$GMD.ADMD$DBP.C$DE#
`
	addrTestORToDomain = `O$Widget.ADMD$BTT.C$TC#Widget.COM#
PRMD$UK\\.AC.ADMD$GOLD 400.C$GB#AC.UK#
O$HNE.PRMD$@.ADMD$ECQ.C$TC#HNE.EGM#
O$ZZ.ADMD$YY.C$XX#ZZ.YY.XX#
ADMD$Master400.C$it#Master400.it#
PRMD$autoroutes.ADMD$atlas.C$fr#autoroutes.fr#
ADMD$PtPostel.C$it#ptpostel.it#
ADMD$ATLAS.C$FR#ATLAS.FR#
O$Xerox.ADMD$ATT.C$US#XEROX.COM#
O$@.PRMD$GMD.ADMD$DBP.C$DE#GMD.DE#
`
	// RFC 2156 §4.3.4 example 3: alter.net -> c=gb; A=BTglobal; P=relay.
	// Appendix F §3's "~ROLE$Big\\.Chief.ADMD$ATT.C$US" as a gateway.
	addrTestDomainToGateway = "alter.net#PRMD$relay.ADMD$BTglobal.C$gb#\n" +
		"role.example#~ROLE$Big\\\\.Chief.ADMD$ATT.C$US#\n"
	// RFC 2156 §4.3.5 example 4: A=ATT; C=us -> attmail.com.
	addrTestORToGateway = "ADMD$ATT.C$us#attmail.com#\n"
)

func addrTestGateway(t testing.TB) *Gateway {
	t.Helper()
	load := func(name string, kind TableKind, text string) *Table {
		tb, err := LoadTable(name, kind, strings.NewReader(text))
		if err != nil {
			t.Fatalf("LoadTable %s: %v", name, err)
		}
		return tb
	}
	return &Gateway{
		Domain:          "gw.example.mil",
		ORAddress:       addrOR(t, "C=GB;ADMD= ;PRMD=MOD;O=Gateway"),
		DomainToOR:      load("d2o", TableDomainToOR, addrTestDomainToOR),
		ORToDomain:      load("o2d", TableORToDomain, addrTestORToDomain),
		DomainToGateway: load("d2g", TableDomainToGateway, addrTestDomainToGateway),
		ORToGateway:     load("o2g", TableORToGateway, addrTestORToGateway),
	}
}

func addrOR(t testing.TB, s string) x400.ORAddress {
	t.Helper()
	a, err := x400.ParseORAddress(s)
	if err != nil {
		t.Fatalf("ParseORAddress(%q): %v", s, err)
	}
	return a
}

func addrMB(t testing.TB, s string) Mailbox {
	t.Helper()
	m, err := ParseMailbox(s)
	if err != nil {
		t.Fatalf("ParseMailbox(%q): %v", s, err)
	}
	return m
}

// TestAddrPrintableExamples: the table of RFC 2156 §3.4.
func TestAddrPrintableExamples(t *testing.T) {
	both := []struct{ ps, ascii string }{
		{"a demo.", "a demo."},
		{"foo(a)bar", "foo@bar"},
		{"(q)(u)(p)(q)", `"_%"`},
		{"(a)", "@"},
		{"(l)a(r)", "(a)"},
		{"(126)", "~"},
		{"(l)", "("},
	}
	for _, c := range both {
		if got := DecodePrintable(c.ps); got != c.ascii {
			t.Errorf("DecodePrintable(%q) = %q, want %q", c.ps, got, c.ascii)
		}
		got, err := EncodePrintable(c.ascii)
		if err != nil || got != c.ps {
			t.Errorf("EncodePrintable(%q) = %q, %v; want %q", c.ascii, got, err, c.ps)
		}
	}
	// The asymmetrical ones.
	for ps, ascii := range map[string]string{"(A)": "@", "(": "(", "(128)": "(128)", "(1x)": "(1x)"} {
		if got := DecodePrintable(ps); got != ascii {
			t.Errorf("DecodePrintable(%q) = %q, want %q", ps, got, ascii)
		}
	}
	if _, err := EncodePrintable("caf\xc3\xa9@x"); err == nil {
		t.Error("EncodePrintable of a non-ASCII address: no error")
	}
	// Every ASCII character round-trips, and the encoding is printable.
	var all strings.Builder
	for c := 0; c < 128; c++ {
		all.WriteByte(byte(c))
	}
	enc, err := EncodePrintable(all.String())
	if err != nil || !x400.IsPrintableString(enc) || DecodePrintable(enc) != all.String() {
		t.Errorf("ASCII round trip: %q, %v", enc, err)
	}
}

// TestAddrX400ToRFC822Golden: RFC 2156's own examples, X.400 -> RFC 822.
func TestAddrX400ToRFC822Golden(t *testing.T) {
	g := addrTestGateway(t)
	cases := []struct{ name, or, want string }{
		// §4.3.1: the MCGAM Widget.COM, OU allocated as a subdomain.
		{"4.3.1 std-or LHS", "/C=TC/ADMD=BTT/O=Widget/OU=Marketing/S=Linnimouth/I=J/GQ=5/", "/I=J/S=Linnimouth/GQ=5/@Marketing.Widget.COM"},
		{"4.3.1 encoded-pn", "/C=TC/ADMD=BTT/O=Widget/OU=Marketing/S=Linnimouth/I=J/", "J.Linnimouth@Marketing.Widget.COM"},
		// §4.3.2: "RFC-822" encapsulation (mapping A).
		{"4.3.2 ex1", "/C=GB/ADMD=GOLD 400/PRMD=UK.AC/O=UCL/OU=CS/RFC-822=Jimmy(a)WIDGET-LABS.CO.UK/", "Jimmy@WIDGET-LABS.CO.UK"},
		{"4.3.2 ex2", "/C=TC/ADMD=Wizz.mail/PRMD=42/DD.rfc-822=postel(a)venera.isi.edu/", "postel@venera.isi.edu"},
		// §4.3.5 example 1: omitted PRMD below the prefix.
		{"4.3.5 ex1", "S=Support; O=sales; A=Master400; C=it;", "/S=Support/O=sales/@Master400.it"},
		// §4.3.5 example 2: "Region Parisienne" is not domain-syntax.
		{"4.3.5 ex2", "S=renseignements; O=Region Parisienne; P=autoroutes; A=atlas; C=fr;", `"/S=renseignements/O=Region Parisienne/"@autoroutes.fr`},
		// §4.3.5 example 3: DDAs on the LHS.
		{"4.3.5 ex3", "S=Rossi; DD.cap=20100; DD.ph1=Via Larga 11; DD.city=Milano; A=PtPostel; C=it;", `"/DD.cap=20100/DD.ph1=Via Larga 11/DD.city=Milano/S=Rossi/"@ptpostel.it`},
		// §4.3.5 example 4: the preferred gateway table. The RFC prints
		// "/G=Andy/S=Wharol/O=MMNY@attmail.com", stripping A and C as an
		// MCGAM would; without an MCGAM the whole address is kept on the
		// LHS so that any gateway can reverse it (brief, §4.3.4 step 6).
		{"4.3.5 ex4", "G=Andy; S=Wharol; O=MMNY; A=ATT; C=us;", "/G=Andy/S=Wharol/O=MMNY/ADMD=ATT/C=us/@attmail.com"},
		// No MCGAM, no gateway entry: std-or at the gateway's domain.
		{"no MCGAM", "/C=GB/ADMD= /PRMD=MOD/O=HQ/S=Smith/", `"/S=Smith/O=HQ/PRMD=MOD/ADMD= /C=GB/"@gw.example.mil`},
		// §4.2: R-D.Salford.AC.UK.
		{"4.2 AC.UK", "/C=GB/ADMD=GOLD 400/PRMD=UK.AC/O=Salford/OU=R-D/S=Smith/", "Smith@R-D.Salford.AC.UK"},
		// §4.2: omitted PRMD in the MCGAM.
		{"4.2 HNE.EGM", "/C=TC/ADMD=ECQ/O=HNE/OU=ZI/G=Ann/S=Lee/", "Ann.Lee@ZI.HNE.EGM"},
		// Appendix F §5 and §6 examples.
		{"F.5 XEROX.COM", "/C=US/ADMD=ATT/O=Xerox/G=John/S=Doe/", "John.Doe@XEROX.COM"},
		{"F.5 GMD.DE", "/C=DE/ADMD=DBP/PRMD=GMD/OU=FOKUS/G=Hans/S=Schmidt/", "Hans.Schmidt@FOKUS.GMD.DE"},
		// GMD.DE's "O$@" matches only an address without O (Appendix F
		// §3): with one, no MCGAM applies.
		{"F.5 GMD.DE with O", "/C=DE/ADMD=DBP/PRMD=GMD/O=Fokus/S=Schmidt/", "/S=Schmidt/O=Fokus/PRMD=GMD/ADMD=DBP/C=DE/@gw.example.mil"},
		// §4.4.1: the recursive address comes out as its RFC 822 address.
		{"4.4.1", "/C=XX/ADMD=YY/O=ZZ/RFC-822=Smith(a)ZZ.YY.XX/", "Smith@ZZ.YY.XX"},
		// §4.4.2: source routes through RFC-822.
		{"4.4.2 X.400->822->X.400", "/C=UK/ADMD=Gold 400/PRMD=UK.AC/RFC-822=$/PN$=Duval$/DD.Title$=Manager$/(a)Inria.ATLAS.FR/", "/PN=Duval/DD.Title=Manager/@Inria.ATLAS.FR"},
		{"4.3.4 ex1 back", "/C=GB/ADMD= /PRMD=MOD/O=Gateway/RFC-822=(a)relay.co.uk:userb(a)host2/", "<@relay.co.uk:userb@host2>"},
		// The prefix is the whole address: its lowest level stays on
		// the LHS (the local part cannot be empty).
		{"whole prefix", "/C=TC/ADMD=BTT/O=Widget/", "/O=Widget/@Widget.COM"},
		{"whole prefix+OU", "/C=TC/ADMD=BTT/O=Widget/OU=Sales/", "/OU=Sales/@Widget.COM"},
		// Zero-length attribute (§4.3.5 step 1 note).
		{"zero-length O", "/C=GB/ADMD= /PRMD=MOD/O=/S=Smith/", `"/S=Smith/O=/PRMD=MOD/ADMD= /C=GB/"@gw.example.mil`},
		// A teletex value, as T.61 octets.
		{"teletex", "/C=GB/ADMD= /PRMD=MOD/S=*Gr\u00fcn/", `"/S=*Gr{200}un/PRMD=MOD/ADMD= /C=GB/"@gw.example.mil`},
	}
	for _, c := range cases {
		a := addrOR(t, c.or)
		m, err := g.ORAddressToRFC822(&a)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := m.String(); got != c.want {
			t.Errorf("%s: %s -> %s, want %s", c.name, c.or, got, c.want)
		}
	}
}

// TestAddrRFC822ToX400Golden: RFC 2156's own examples, RFC 822 -> X.400.
func TestAddrRFC822ToX400Golden(t *testing.T) {
	g := addrTestGateway(t)
	cases := []struct{ name, addr, want string }{
		{"4.3.1 std-or", `"/I=J/S=Linnimouth/GQ=5/"@Marketing.Widget.COM`, "/C=TC/ADMD=BTT/O=Widget/OU=Marketing/S=Linnimouth/I=J/GQ=5/"},
		{"4.3.1 encoded-pn", "J.Linnimouth@Marketing.Widget.COM", "/C=TC/ADMD=BTT/O=Widget/OU=Marketing/S=Linnimouth/I=J/"},
		{"4.1.2 Marshall.M.T.Rose", "Marshall.M.T.Rose@Widget.COM", "/C=TC/ADMD=BTT/O=Widget/S=Rose/G=Marshall/I=MT/"},
		// §4.3.4 stage II examples.
		{"4.3.4 ex1 route", "<@relay.co.uk:userb@host2>", "/C=GB/ADMD= /PRMD=MOD/O=Gateway/RFC-822=(a)relay.co.uk:userb(a)host2/"},
		// (The RFC writes cs.widget.com, which this test's Widget.COM MCGAM
		// would match: see "stage II in MCGAM".)
		{"4.3.4 ex2", "Tom_Harris@cs.widget.example", "/C=GB/ADMD= /PRMD=MOD/O=Gateway/RFC-822=Tom(u)Harris(a)cs.widget.example/"},
		{"4.3.4 ex3", "postmaster@UK.alter.net", "/C=gb/ADMD=BTglobal/PRMD=relay/RFC-822=postmaster(a)UK.alter.net/"},
		// §4.2 systematic allocation.
		{"4.2 AC.UK", "Smith@R-D.Salford.AC.UK", "/C=GB/ADMD=GOLD 400/PRMD=UK.AC/O=Salford/OU=R-D/S=Smith/"},
		{"4.2 HNE.EGM", "Ann.Lee@ZI.HNE.EGM", "/C=TC/ADMD=ECQ/O=HNE/OU=ZI/G=Ann/S=Lee/"},
		// Appendix F §5 examples: a skipped PRMD, an omitted O.
		{"F.5 XEROX.COM", "John.Doe@XEROX.COM", "/C=US/ADMD=ATT/O=Xerox/G=John/S=Doe/"},
		{"F.5 GMD.DE", "Hans.Schmidt@FOKUS.GMD.DE", "/C=DE/ADMD=DBP/PRMD=GMD/OU=FOKUS/G=Hans/S=Schmidt/"},
		// Appendix F §3/§7: a preferred gateway with a DDA.
		{"F.7 ROLE", "x@role.example", "/C=US/ADMD=ATT/DD.ROLE=Big.Chief/RFC-822=x(a)role.example/"},
		// §4.3.5 examples read back.
		{"4.3.5 ex1", "/S=Support/O=sales/@Master400.it", "/C=it/ADMD=Master400/O=sales/S=Support/"},
		{"4.3.5 ex3", `"/DD.cap=20100/DD.ph1=Via Larga 11/DD.city=Milano/S=Rossi/"@ptpostel.it`, "S=Rossi; DD.cap=20100; DD.ph1=Via Larga 11; DD.city=Milano; A=PtPostel; C=it;"},
		// §4.4.1: the recursive address maps to the plain X.400 one.
		{"4.4.1", "Smith@ZZ.YY.XX", "/C=XX/ADMD=YY/O=ZZ/S=Smith/"},
		// §4.4.2 source routes.
		{"4.4.2 Duval", "/PN=Duval/DD.Title=Manager/@Inria.ATLAS.FR", "/C=FR/ADMD=ATLAS/PRMD=Inria/S=Duval/DD.Title=Manager/"},
		{"4.4.2 monet", `"/RFC-822=jj(a)seismo.css.gov/PRMD=AC/ADMD=BT/C=GB/"@monet.berkeley.edu`, "/C=GB/ADMD=BT/PRMD=AC/RFC-822=jj(a)seismo.css.gov/"},
		// The gateway's own domain: std-or in the local part; a country
		// without ADMD gets the single-space ADMD (§4.1.3).
		{"own domain", `"/S=Smith/O=HQ/PRMD=MOD/C=GB/"@gw.example.mil`, "/C=GB/ADMD= /PRMD=MOD/O=HQ/S=Smith/"},
		// A local part that is not X.400 at the gateway's domain.
		{"own domain, not X.400", "postmaster@gw.example.mil", "/C=GB/ADMD= /PRMD=MOD/O=Gateway/RFC-822=postmaster(a)gw.example.mil/"},
		// §4.4.1 at one gateway: the gateway context + RFC-822 is
		// unwrapped, and the inner address mapped (here by its MCGAM).
		{"unwrap", `"/RFC-822=Smith(a)ZZ.YY.XX/O=Gateway/PRMD=MOD/ADMD= /C=GB/"@gw.example.mil`, "/C=XX/ADMD=YY/O=ZZ/S=Smith/"},
		// Step 8 upper bound: O longer than 64 -> stage II.
		// Step 8 upper bound: PRMD longer than 16 -> stage II with the
		// attributes derived.
		{"PRMD too long", "Smith@" + strings.Repeat("p", 17) + ".ATLAS.FR", "/C=FR/ADMD=ATLAS/RFC-822=Smith(a)" + strings.Repeat("p", 17) + ".ATLAS.FR/"},
		// A label that is not domain-syntax: no MCGAM, the gateway.
		{"label too long", "Smith@" + strings.Repeat("o", 64) + ".ATLAS.FR", "/C=GB/ADMD= /PRMD=MOD/O=Gateway/RFC-822=Smith(a)" + strings.Repeat("o", 64) + ".ATLAS.FR/"},
		// Stage II with an MCGAM for the domain: step 8's attributes are
		// the context.
		{"stage II in MCGAM", "Tom_Harris@cs.Widget.COM", "/C=TC/ADMD=BTT/O=Widget/OU=cs/RFC-822=Tom(u)Harris(a)cs.Widget.COM/"},
		// Step 2: double space -> stage II.
		{"double space", `"a  b"@Widget.COM`, "/C=TC/ADMD=BTT/O=Widget/RFC-822=(q)a  b(q)(a)Widget.COM/"},
	}
	for _, c := range cases {
		got, err := g.RFC822ToORAddress(addrMB(t, c.addr))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		want := addrOR(t, c.want)
		if !got.Equal(&want) {
			t.Errorf("%s: %s -> %s, want %s", c.name, c.addr, got.String(), want.String())
		}
	}
}

// TestAddrEncapsulationBounds: RFC 2156 §4.3.2, 128 characters a domain
// defined attribute, RFC822C1..RFC822C3 filled completely, 512 at most.
func TestAddrEncapsulationBounds(t *testing.T) {
	g := addrTestGateway(t)
	const dom = "example.org" // no MCGAM: stage II
	for _, n := range []int{128, 129, 256, 257, 384, 385, 512} {
		local := strings.Repeat("x", n-3-len(dom))
		m := Mailbox{AddrSpec: AddrSpec{LocalPart: local, Domain: dom}}
		a, err := g.RFC822ToORAddress(m)
		if err != nil {
			t.Errorf("%d: %v", n, err)
			continue
		}
		want := (n + 127) / 128
		dd := a.DomainDefined
		if len(dd) != want {
			t.Errorf("%d: %d domain defined attributes, want %d", n, len(dd), want)
			continue
		}
		total := 0
		for i, d := range dd {
			if d.Type != addrRFC822Types[i] {
				t.Errorf("%d: attribute %d is %s, want %s", n, i, d.Type, addrRFC822Types[i])
			}
			if i < len(dd)-1 && len(d.Value) != 128 {
				t.Errorf("%d: attribute %d has %d characters, want 128 (filled completely)", n, i, len(d.Value))
			}
			total += len(d.Value)
		}
		if total != n {
			t.Errorf("%d: %d characters encoded", n, total)
		}
		if err := a.Validate(); err != nil {
			t.Errorf("%d: %v", n, err)
		}
		back, err := g.ORAddressToRFC822(&a)
		if err != nil || back.String() != m.String() {
			t.Errorf("%d: back to %q, %v", n, back.String(), err)
		}
	}
	m := Mailbox{AddrSpec: AddrSpec{LocalPart: strings.Repeat("x", 513-3-len(dom)), Domain: dom}}
	_, err := g.RFC822ToORAddress(m)
	var ce *ConversionError
	if !errors.As(err, &ce) || ce.Status != "5.1.3" || !strings.Contains(ce.Field, "xxx") {
		t.Errorf("513 characters: %v, want an addressError naming the address", err)
	}
	// The preferred gateway's DDA leaves room for three.
	m = Mailbox{AddrSpec: AddrSpec{LocalPart: strings.Repeat("x", 400), Domain: "role.example"}}
	if _, err := g.RFC822ToORAddress(m); !errors.As(err, &ce) {
		t.Errorf("5 domain defined attributes: %v", err)
	}
	// Teletex and printable both present must agree.
	a := addrOR(t, "/C=GB/ADMD= /PRMD=MOD/RFC-822=a(a)b.c/DD.*RFC-822=*a@b.c/")
	if mb, err := g.ORAddressToRFC822(&a); err != nil || mb.String() != "a@b.c" {
		t.Errorf("agreeing teletex + printable: %v %v", mb, err)
	}
	a = addrOR(t, "/C=GB/ADMD= /PRMD=MOD/RFC-822=a(a)b.c/DD.*RFC-822=*z@b.c/")
	if _, err := g.ORAddressToRFC822(&a); !errors.As(err, &ce) {
		t.Errorf("disagreeing teletex + printable: %v", err)
	}
	// A teletex-only RFC-822 attribute is read (§4.3.2 "Reception ...
	// is mandatory").
	a = addrOR(t, "/C=GB/ADMD= /PRMD=MOD/DD.*RFC-822=*jo(a)b.c/")
	if mb, err := g.ORAddressToRFC822(&a); err != nil || mb.String() != "jo@b.c" {
		t.Errorf("teletex RFC-822: %v %v", mb, err)
	}
	// RFC822C1 without RFC-822.
	a = addrOR(t, "/C=GB/ADMD= /PRMD=MOD/DD.RFC822C1=x/")
	if _, err := g.ORAddressToRFC822(&a); !errors.As(err, &ce) {
		t.Errorf("RFC822C1 alone: %v", err)
	}
}

// TestAddrRoundTrip822: RFC 822 -> X.400 -> RFC 822 gives the same
// address (RFC 2156 §4.4.2: "The mappings defined are symmetrical and
// reversible across a single gateway").
func TestAddrRoundTrip822(t *testing.T) {
	g := addrTestGateway(t)
	for _, s := range []string{
		"J.Linnimouth@Marketing.Widget.COM",
		`"/I=J/S=Linnimouth/GQ=5/"@Marketing.Widget.COM`,
		"Smith@R-D.Salford.AC.UK",
		"Tom_Harris@cs.widget.com",
		"postmaster@UK.alter.net",
		"<@relay.co.uk:userb@host2>",
		"<@a.example,@b.example:\"odd (user)\"@host.example>",
		"postmaster@gw.example.mil",
		"Marshall.Rose@Widget.COM",
		"Ann.Lee@ZI.HNE.EGM",
		`"a  b"@Widget.COM`,
		"user+tag@[192.0.2.1]",
		"x@Region.Widget.COM",
		"/S=Support/O=sales/@Master400.it",
		`"/S=renseignements/O=Region Parisienne/"@autoroutes.fr`,
		"John.Doe@XEROX.COM",
		"Hans.Schmidt@FOKUS.GMD.DE",
		"x@role.example",
		"/ADMD=ATLAS/@ATLAS.FR",
	} {
		m := addrMB(t, s)
		a, err := g.RFC822ToORAddress(m)
		if err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		back, err := g.ORAddressToRFC822(&a)
		if err != nil {
			t.Errorf("%s -> %s: %v", s, a.String(), err)
			continue
		}
		if !addrSameMailbox(back, m) {
			t.Errorf("%s -> %s -> %s", s, a.String(), back.String())
		}
	}
}

// TestAddrRoundTripX400: X.400 -> RFC 822 -> X.400 gives an Equal O/R
// address.
func TestAddrRoundTripX400(t *testing.T) {
	g := addrTestGateway(t)
	for _, s := range []string{
		"/C=TC/ADMD=BTT/O=Widget/OU=Marketing/S=Linnimouth/I=J/GQ=5/",
		"/C=TC/ADMD=BTT/O=Widget/OU=Marketing/OU=Sub/OU=a b/OU=Low/S=Linnimouth/",
		"/C=TC/ADMD=BTT/O=Widget/OU=Marketing/S=Linnimouth/I=J/",
		"/C=TC/ADMD=BTT/O=Widget/",
		"/C=TC/ADMD=BTT/O=Widget/CN=Duty Officer/",
		"S=Support; O=sales; A=Master400; C=it;",
		"S=renseignements; O=Region Parisienne; P=autoroutes; A=atlas; C=fr;",
		"S=Rossi; DD.cap=20100; DD.ph1=Via Larga 11; DD.city=Milano; A=PtPostel; C=it;",
		"G=Andy; S=Wharol; O=MMNY; A=ATT; C=us;",
		"/C=GB/ADMD= /PRMD=MOD/O=HQ/OU=J3/OU=Ops/S=Smith/G=John/",
		"/C=GB/ADMD= /PRMD=MOD/O=/S=Smith/",
		"/C=GB/ADMD=/PRMD=MOD/S=Smith/",
		"/C=GB/ADMD= /PRMD=MOD/S=*Gr\u00fcn/",
		"/C=GB/ADMD= /PRMD=MOD/O=Acme*\u00c4cme/S=Smith/",
		"/C=GB/ADMD= /X121=12345/",
		"/C=GB/ADMD= /PRMD=MOD/UA-ID=42/",
		"/C=GB/ADMD= /PRMD=MOD/DD.Title=Manager/DD.Rank=Major/S=Smith/",
		"/C=GB/ADMD= /PRMD=MOD/S=O$/Brien/",
		"/C=GB/ADMD=GOLD 400/PRMD=UK.AC/O=Salford/OU=R-D/S=Smith/",
		"/C=TC/ADMD=ECQ/O=HNE/OU=ZI/G=Ann/S=Lee/",
		"/C=FR/ADMD=ATLAS/PRMD=Inria/S=Duval/DD.Title=Manager/",
		"/C=GB/ADMD= /PRMD=MOD/O=Gateway/RFC-822=(a)relay.co.uk:userb(a)host2/",
		"/C=GB/ADMD= /PRMD=MOD/O=Gateway/RFC-822=Tom(u)Harris(a)cs.widget.example/",
		"/C=US/ADMD=ATT/O=Xerox/G=John/S=Doe/",
		"/C=DE/ADMD=DBP/PRMD=GMD/OU=FOKUS/G=Hans/S=Schmidt/",
		"/C=DE/ADMD=DBP/PRMD=GMD/O=Fokus/S=Schmidt/",
		"/C=FR/ADMD=ATLAS/",
		"/C=234/ADMD=12/PRMD=MOD/S=Smith/",
	} {
		a := addrOR(t, s)
		m, err := g.ORAddressToRFC822(&a)
		if err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		back, err := g.RFC822ToORAddress(m)
		if err != nil {
			t.Errorf("%s -> %s: %v", s, m.String(), err)
			continue
		}
		if !back.Equal(&a) {
			t.Errorf("%s -> %s -> %s", s, m.String(), back.String())
		}
	}
}

// TestAddrORName: RFC 2156 §4.5.
func TestAddrORName(t *testing.T) {
	g := addrTestGateway(t)
	n := x400.ORName{DirectoryName: x400.Raw{0x30, 0x00}}
	_, err := g.ORNameToMailbox(&n)
	var ce *ConversionError
	if !errors.As(err, &ce) || ce.Reason != x400.ReasonUnableToTransfer {
		t.Errorf("directory name only: %v", err)
	}
	n.ORAddress = addrOR(t, "/C=TC/ADMD=BTT/O=Widget/S=Rose/G=Marshall/")
	m, err := g.ORNameToMailbox(&n)
	if err != nil || m.String() != "Marshall.Rose@Widget.COM" {
		t.Errorf("ORNameToMailbox = %s, %v", m.String(), err)
	}
	back, err := g.MailboxToORName(m)
	if err != nil || !back.ORAddress.Equal(&n.ORAddress) || back.DirectoryName != nil {
		t.Errorf("MailboxToORName = %v, %v", back.String(), err)
	}
	if _, err := g.ORNameToMailbox(nil); err == nil {
		t.Error("nil O/R name: no error")
	}
}

// TestAddrDescriptors: RFC 2156 §4.7.1 and §4.7.2.
func TestAddrDescriptors(t *testing.T) {
	g := addrTestGateway(t)
	fn := addrOR(t, "/C=TC/ADMD=BTT/O=Widget/S=Rose/G=Marshall/")
	name := &x400.ORName{ORAddress: fn}
	cases := []struct {
		name string
		d    x400.ORDescriptor
		want string
	}{
		{"2a free form name", x400.ORDescriptor{FormalName: name, FreeFormName: "Marshall Rose"}, "Marshall Rose <Marshall.Rose@Widget.COM>"},
		{"2b addr-spec", x400.ORDescriptor{FormalName: name}, "Marshall.Rose@Widget.COM"},
		{"3 telephone", x400.ORDescriptor{FormalName: name, TelephoneNumber: "+44-181-333-7777"}, "Marshall.Rose@Widget.COM (Tel +44-181-333-7777)"},
		{"no formal name", x400.ORDescriptor{FreeFormName: "Free Form Name"}, "Free Form Name:;"},
		{"no formal name, tel", x400.ORDescriptor{FreeFormName: "Duty Officer", TelephoneNumber: "+44 1"}, "Duty Officer:; (Tel +44 1)"},
		{"4 directory name", x400.ORDescriptor{FormalName: &x400.ORName{ORAddress: fn, DirectoryName: addrTestDN()}},
			`Marshall.Rose@Widget.COM (DN: CN="Smith, J" + OU=Ops, O=MOD, C=GB)`},
	}
	for _, c := range cases {
		a, err := g.ORDescriptorToAddress(&c.d)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := a.String(); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	// 2b with a route: the local part as phrase.
	rn := &x400.ORName{ORAddress: addrOR(t, "/C=GB/ADMD= /PRMD=MOD/O=Gateway/RFC-822=(a)relay.co.uk:userb(a)host2/")}
	a, err := g.ORDescriptorToAddress(&x400.ORDescriptor{FormalName: rn})
	if err != nil || a.String() != "userb <@relay.co.uk:userb@host2>" {
		t.Errorf("2b route: %s, %v", a.String(), err)
	}
	if _, err := g.ORDescriptorToAddress(&x400.ORDescriptor{TelephoneNumber: "1"}); err == nil {
		t.Error("descriptor without names: no error")
	}

	// §4.7.1.
	list, err := ParseAddressList(`"Marshall Rose" (MTR) <@relay.example:Marshall.Rose@Widget.COM> (Chief), Staff: a.user@Widget.COM, Tom_Harris@cs.widget.com;`)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := g.AddressToORDescriptors(list[0])
	if err != nil || len(ds) != 1 {
		t.Fatalf("mailbox: %v %v", ds, err)
	}
	if ds[0].FreeFormName != "Marshall Rose (MTR) (Chief)" || ds[0].TelephoneNumber != "" || !ds[0].FormalName.ORAddress.Equal(&fn) {
		t.Errorf("mailbox: %q %q %s", ds[0].FreeFormName, ds[0].TelephoneNumber, ds[0].FormalName.String())
	}
	ds, err = g.AddressToORDescriptors(list[1])
	if err != nil || len(ds) != 3 {
		t.Fatalf("group: %v %v", ds, err)
	}
	if ds[0].FormalName != nil || ds[0].FreeFormName != "Staff" {
		t.Errorf("group descriptor: %+v", ds[0])
	}
	if ds[1].FormalName == nil || ds[1].FormalName.PersonalName.Surname != "user" || ds[2].FormalName == nil || len(ds[2].FormalName.DomainDefined) != 1 {
		t.Errorf("group members: %+v %+v", ds[1], ds[2])
	}
	if _, err := g.AddressToORDescriptors(Address{}); err == nil {
		t.Error("empty Address: no error")
	}
}

// TestAddrMsgID: RFC 2156 §4.6.3.
func TestAddrMsgID(t *testing.T) {
	g := addrTestGateway(t)
	cases := []struct {
		in, c, admd, prmd, local string
	}{
		{"<abc@Marketing.Widget.COM>", "TC", "BTT", "", "<abc@Marketing.Widget.COM>"},
		{"1234@gw.example.mil", "GB", " ", "MOD", "<1234@gw.example.mil>"},
		{"<20261123.0001.deadbeef@host.example.org>", "GB", " ", "MOD", "<20261123.0001.deadbeef@host.exa"},
		{"<x@UK.alter.net>", "gb", "BTglobal", "relay", "<x@UK.alter.net>"},
	}
	for _, c := range cases {
		id, err := g.MsgIDToMTSIdentifier(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		gdi := id.GlobalDomainIdentifier
		if gdi.Country.Value != c.c || gdi.ADMD.Value != c.admd || gdi.PRMD.Value != c.prmd || id.LocalIdentifier != c.local {
			t.Errorf("%s: %+v", c.in, id)
		}
		if len(id.LocalIdentifier) > 32 {
			t.Errorf("%s: local identifier longer than 32", c.in)
		}
	}
	bad := []string{"", "<>", "no-at-sign", "<a@>", "<\x00@x>", "<caf\xc3\xa9@x.y>", "<a\r\n@b>"}
	for _, b := range bad {
		_, err := g.MsgIDToMTSIdentifier(b)
		var ce *ConversionError
		if !errors.As(err, &ce) || ce.Field == "" {
			t.Errorf("%q: %v, want an addressError", b, err)
		}
	}
	// With the gateway's GDI, a msg-id that is no addr-spec still maps.
	g.GDI = x400.GlobalDomainIdentifier{Country: x400.NumericOrPrintable{Value: "GB"}, ADMD: x400.NumericOrPrintable{Value: " "}, PRMD: x400.NumericOrPrintable{Value: "MOD"}}
	for _, b := range []string{"no-at-sign", "<a@>"} {
		id, err := g.MsgIDToMTSIdentifier(b)
		if err != nil || id.GlobalDomainIdentifier != g.GDI || id.LocalIdentifier != "<"+strings.Trim(b, "<>")+">" {
			t.Errorf("%q with GDI: %+v, %v", b, id, err)
		}
	}
	for _, b := range []string{"", "<>", "<\x00@x>", "<caf\xc3\xa9@x.y>"} {
		if _, err := g.MsgIDToMTSIdentifier(b); err == nil {
			t.Errorf("%q with GDI: no error", b)
		}
	}
}

// TestAddrOddInputs: no panic, errors are *ConversionError naming the
// address, on odd and random inputs both ways.
func TestAddrOddInputs(t *testing.T) {
	g := addrTestGateway(t)
	var zero Gateway
	odd := []Mailbox{
		{},
		{AddrSpec: AddrSpec{LocalPart: "x"}},
		{AddrSpec: AddrSpec{LocalPart: "", Domain: "Widget.COM"}},
		{AddrSpec: AddrSpec{LocalPart: "/=/", Domain: "Widget.COM"}},
		{AddrSpec: AddrSpec{LocalPart: "/C=/", Domain: "gw.example.mil"}},
		{AddrSpec: AddrSpec{LocalPart: "$", Domain: "a.b"}},
		{AddrSpec: AddrSpec{LocalPart: "{999}", Domain: "a.b"}},
		{AddrSpec: AddrSpec{LocalPart: "*", Domain: "a..b"}},
		{AddrSpec: AddrSpec{LocalPart: "caf\xc3\xa9", Domain: "x.example"}},
		{AddrSpec: AddrSpec{LocalPart: strings.Repeat("a", 5000), Domain: "x.example"}},
		{Route: []string{"", ""}, AddrSpec: AddrSpec{LocalPart: "a", Domain: "b"}},
		{AddrSpec: AddrSpec{LocalPart: "a", Domain: strings.Repeat("ab.", 100) + "Widget.COM"}},
		{AddrSpec: AddrSpec{LocalPart: "a.b", Domain: "a.b.c.d.e.f.Widget.COM"}},
	}
	for _, m := range odd {
		for _, gw := range []*Gateway{g, &zero} {
			a, err := gw.RFC822ToORAddress(m)
			if err != nil {
				var ce *ConversionError
				if !errors.As(err, &ce) || ce.Field == "" {
					t.Errorf("%q: error %v is not a ConversionError naming the address", m.String(), err)
				}
				continue
			}
			if _, err := gw.ORAddressToRFC822(&a); err != nil {
				t.Errorf("%q -> %s: %v", m.String(), a.String(), err)
			}
		}
	}
	var trips, orTrips int
	rnd := rand.New(rand.NewSource(2156))
	const alphabet = "abcXYZ019 /=;$*{}()@%!_\"'.,:?<>-+~#\x00\xc3\xa9"
	for i := 0; i < 3000; i++ {
		b := make([]byte, rnd.Intn(40))
		for j := range b {
			b[j] = alphabet[rnd.Intn(len(alphabet))]
		}
		s := string(b)
		m := Mailbox{Route: nil, AddrSpec: AddrSpec{LocalPart: s, Domain: []string{"Widget.COM", "gw.example.mil", "x.example", "Marketing.Widget.COM"}[i%4]}}
		if a, err := g.RFC822ToORAddress(m); err == nil {
			back, err := g.ORAddressToRFC822(&a)
			if err != nil {
				t.Errorf("%q -> %s: %v", s, a.String(), err)
			} else if a.Validate() != nil {
				t.Errorf("%q -> invalid %s", s, a.String())
			} else if back2, err := g.RFC822ToORAddress(back); err != nil || !back2.Equal(&a) {
				t.Errorf("%q -> %s -> %s -> %s, %v", s, a.String(), back.String(), back2.String(), err)
			} else {
				trips++
			}
		}
		if a, ok := addrRandomOR(rnd); ok {
			m, err := g.ORAddressToRFC822(&a)
			if err != nil {
				t.Errorf("%s: %v", a.String(), err)
			} else if _, err := ParseMailbox(m.String()); err != nil {
				t.Errorf("%s -> unparsable %q: %v", a.String(), m.String(), err)
			} else if back, err := g.RFC822ToORAddress(m); err != nil || !back.Equal(&a) {
				t.Errorf("%s -> %s -> %s, %v", a.String(), m.String(), back.String(), err)
			} else {
				orTrips++
			}
		}
		_, _ = g.MsgIDToMTSIdentifier(s)
		if mb, err := ParseMailbox(s); err == nil {
			_, _ = g.AddressToORDescriptors(Address{Mailbox: &mb})
		}
	}
	if trips < 500 || orTrips < 1000 {
		t.Errorf("only %d RFC 822 and %d X.400 random round trips", trips, orTrips)
	}
	t.Logf("%d RFC 822 and %d X.400 random round trips", trips, orTrips)
}

// addrTestDN is the Name C=GB, O=MOD, {CN="Smith, J", OU=Ops}.
func addrTestDN() x400.Raw {
	b := ber.NewBuilder(64)
	seq := b.Begin(ber.Sequence)
	rdn := func(avas ...[2]string) {
		set := b.Begin(ber.Set)
		for _, a := range avas {
			m := b.Begin(ber.Sequence)
			b.AddOID(ber.ObjectID, ber.MustOID(a[0]))
			b.AddString(ber.PrintableString, a[1])
			b.End(m)
		}
		b.End(set)
	}
	rdn([2]string{"2.5.4.6", "GB"})
	rdn([2]string{"2.5.4.10", "MOD"})
	rdn([2]string{"2.5.4.3", "Smith, J"}, [2]string{"2.5.4.11", "Ops"})
	b.End(seq)
	return x400.Raw(b.Bytes())
}

// TestAddrDirectoryName: RFC 2156 §4.5, the RFC 1485 string form.
func TestAddrDirectoryName(t *testing.T) {
	got, err := DirectoryNameText(addrTestDN())
	if err != nil || got != `CN="Smith, J" + OU=Ops, O=MOD, C=GB` {
		t.Errorf("DirectoryNameText = %q, %v", got, err)
	}
	for _, bad := range []x400.Raw{nil, {0x30}, {0x30, 0x03, 0x31, 0x01, 0x00}, {0x04, 0x00}, {0x30, 0x02, 0x31, 0x00}} {
		if _, err := DirectoryNameText(bad); err == nil {
			t.Errorf("DirectoryNameText(% x): no error", bad)
		}
		if c := DirectoryNameComment(bad); c != "(DN: undecodable)" {
			t.Errorf("DirectoryNameComment(% x) = %q", bad, c)
		}
	}
	// An unknown type and a non-string value.
	b := ber.NewBuilder(32)
	seq := b.Begin(ber.Sequence)
	set := b.Begin(ber.Set)
	m := b.Begin(ber.Sequence)
	b.AddOID(ber.ObjectID, ber.MustOID("1.2.3"))
	b.AddInt(ber.Integer, 5)
	b.End(m)
	b.End(set)
	b.End(seq)
	if got, err := DirectoryNameText(b.Bytes()); err != nil || got != "OID.1.2.3=#020105" {
		t.Errorf("unknown type: %q, %v", got, err)
	}
}

// addrRandomOR builds a random mnemonic O/R address under one of the test
// tables' prefixes (or none), with printable values.
func addrRandomOR(rnd *rand.Rand) (x400.ORAddress, bool) {
	const ps = "abcXYZ019 '()+,-./:=?"
	val := func() string {
		b := make([]byte, 1+rnd.Intn(8))
		for i := range b {
			b[i] = ps[rnd.Intn(len(ps))]
			if rnd.Intn(3) > 0 {
				b[i] = "abcdefXYZ0129-"[rnd.Intn(14)]
			}
		}
		return string(b)
	}
	bases := [][3]string{{"TC", "BTT", ""}, {"GB", "GOLD 400", "UK.AC"}, {"GB", " ", "MOD"}, {"it", "Master400", ""}, {"TC", "ECQ", ""}, {"FR", "ATLAS", ""}}
	b := bases[rnd.Intn(len(bases))]
	a := x400.ORAddress{Country: x400.NumericOrPrintable{Value: b[0]}, ADMD: x400.NumericOrPrintable{Value: b[1]}, PRMD: x400.NumericOrPrintable{Value: b[2]}}
	if a.PRMD.Value == "" && rnd.Intn(2) == 0 {
		a.PRMD.Value = val()
	}
	switch rnd.Intn(4) {
	case 0:
		a.Organization = "Widget"
	case 1:
		a.Organization = "HNE"
	case 2:
		a.Organization = val()
	}
	for n := rnd.Intn(5); n > 0; n-- {
		a.OrganizationalUnits = append(a.OrganizationalUnits, val())
	}
	switch rnd.Intn(4) {
	case 0:
		a.PersonalName.Surname = val()
	case 1:
		a.PersonalName = x400.PersonalName{Surname: val(), GivenName: val(), Initials: "AB"[:1+rnd.Intn(2)]}
	case 2:
		a.PersonalName = x400.PersonalName{Surname: val(), GenerationQualifier: "3"}
	}
	if rnd.Intn(4) == 0 {
		a.CommonName = val()
	}
	if rnd.Intn(5) == 0 {
		a.DomainDefined = []x400.DomainDefinedAttribute{{Type: "Rank", Value: val()}}
	}
	if rnd.Intn(6) == 0 {
		a.TeletexPersonalName.Surname = "Gr\u00fcn" + val()
	}
	if strings.Contains(a.String(), "  ") || a.Validate() != nil {
		return a, false // §4.3.4 step 2: double spaces are not reversible
	}
	return a, true
}

// The per-conversion memo of address mappings tells a quoted local part
// from the same one unquoted (RFC 2156 §4.3.4 step 2 encodes them
// differently): the envelope's originator is what mapping MAIL FROM alone
// gives, whatever From: held.
func TestAddrMemoQuoted(t *testing.T) {
	g := addrTestGateway(t)
	h, _, err := ParseHeader([]byte("From: \"john.smith\"@example.com\r\nTo: bob@example.net\r\nSubject: x\r\n\r\n"), HeaderLimits{})
	if err != nil {
		t.Fatal(err)
	}
	env := SMTPEnvelope{MailFrom: "john.smith@example.com", Recipients: []SMTPRecipient{{Address: "bob@example.net"}}}
	m, _, err := g.ToX400(&SMTPMessage{Envelope: env, Header: h, Body: []byte("x\r\n")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mb, err := ParseMailbox(env.MailFrom)
	if err != nil {
		t.Fatal(err)
	}
	want, err := g.RFC822ToORAddress(mb)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Envelope.OriginatorName.ORAddress; got.String() != want.String() {
		t.Errorf("originator %s, want %s (MAIL FROM mapped alone)", got.String(), want.String())
	}
}
