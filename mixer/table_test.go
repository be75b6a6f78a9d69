package mixer

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"mixerd/x400"
)

func tableLoad(t *testing.T, file string, kind TableKind) *Table {
	t.Helper()
	tab, err := LoadTableFile(filepath.Join("testdata", file), kind)
	if err != nil {
		t.Fatalf("LoadTableFile(%s): %v", file, err)
	}
	return tab
}

func tableAddr(t *testing.T, s string) *x400.ORAddress {
	t.Helper()
	a, err := x400.ParseORAddress(s)
	if err != nil {
		t.Fatalf("ParseORAddress(%q): %v", s, err)
	}
	return &a
}

// RFC 2156 Appendix F §3: the two example dmn-or-addresses.
func TestTableParseDmnAppendixF3(t *testing.T) {
	a, err := ParseDmnORAddress(`~ROLE$Big\\.Chief.ADMD$ATT.C$US`)
	if err != nil {
		t.Fatal(err)
	}
	want := DmnORAddress{
		{Type: "C", Value: "US"},
		{Type: "ADMD", Value: "ATT"},
		{Type: "ROLE", DomainDefined: true, Value: "Big.Chief"},
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("got %#v, want %#v", a, want)
	}
	if s := a.String(); s != `~ROLE$Big\\.Chief.ADMD$ATT.C$US` {
		t.Errorf("String() = %q", s)
	}
	or, err := a.ORAddress()
	if err != nil {
		t.Fatal(err)
	}
	if len(or.DomainDefined) != 1 || or.DomainDefined[0].Type != "ROLE" || or.DomainDefined[0].Value != "Big.Chief" || or.ADMD.Value != "ATT" || or.Country.Value != "US" {
		t.Errorf("ORAddress() = %+v", or)
	}

	// "The second example illustrates omission of the ADMD level."
	a, err = ParseDmnORAddress(`PRMD$DEC.ADMD$@.C$US`)
	if err != nil {
		t.Fatal(err)
	}
	want = DmnORAddress{{Type: "C", Value: "US"}, {Type: "ADMD", Omitted: true}, {Type: "PRMD", Value: "DEC"}}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("got %#v, want %#v", a, want)
	}
	// One backslash is read as the same dmn-pair.
	a, err = ParseDmnORAddress(`PRMD$UK\.AC.ADMD$GOLD 400.C$GB`)
	if err != nil || a[2].Value != "UK.AC" || a[1].Value != "GOLD 400" {
		t.Errorf("single-backslash dmn-pair: %#v, %v", a, err)
	}
	// §4.1.1 alternative keys are canonicalised.
	a, err = ParseDmnORAddress(`ou2$x.o$y.p$z.a$w.c$gb`)
	if err != nil || a.String() != `OU$x.O$y.PRMD$z.ADMD$w.C$gb` {
		t.Errorf("aliases: %v, %v", a, err)
	}
}

// Appendix F §3 b and the XEROX.COM line of §5: skipped levels are
// omitted ones.
func TestTableComplete(t *testing.T) {
	for in, want := range map[string]string{
		`O$Xerox.ADMD$ATT.C$US`:           `O$Xerox.PRMD$@.ADMD$ATT.C$US`,
		`OU$b.OU$a.C$gb`:                  `OU$b.OU$a.O$@.PRMD$@.ADMD$@.C$gb`,
		`S$x.O$o.ADMD$a.C$gb`:             `O$o.PRMD$@.ADMD$a.C$gb`,
		`~ROLE$Big\\.Chief.ADMD$ATT.C$US`: `ADMD$ATT.C$US`,
		`ADMD$a.O$o.C$gb`:                 ``,
	} {
		a, err := ParseDmnORAddress(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Complete().String(); got != want {
			t.Errorf("Complete(%s) = %s, want %s", in, got, want)
		}
	}
}

// RFC 2156 Appendix F §5 examples and §4.2: domain -> O/R address.
func TestTableDomainToORAppendixF5(t *testing.T) {
	tab := tableLoad(t, "domain-or.mcgam", TableDomainToOR)
	if len(tab.Entries) != 5 {
		t.Fatalf("%d entries, want 5", len(tab.Entries))
	}
	for _, tc := range []struct {
		domain, entry, or string
		below             []string
		line              int
	}{
		// §4.2: "the domain "R-D.Salford.AC.UK" algorithmically maps with
		// OU="R-D", O="Salford", PRMD="UK.AC", ADMD="GOLD 400", C="GB""
		{"R-D.Salford.AC.UK", "AC.UK", `PRMD$UK\\.AC.ADMD$GOLD 400.C$GB`, []string{"Salford", "R-D"}, 3},
		{"AC.UK", "AC.UK", `PRMD$UK\\.AC.ADMD$GOLD 400.C$GB`, nil, 3},
		// Matches are always case independent (Appendix F §4); Below
		// keeps the case of the input.
		{"cs.ucl.ac.uk.", "AC.UK", `PRMD$UK\\.AC.ADMD$GOLD 400.C$GB`, []string{"ucl", "cs"}, 3},
		{"parc.xerox.com", "XEROX.COM", `O$Xerox.ADMD$ATT.C$US`, []string{"parc"}, 4},
		{"GMD.DE", "GMD.DE", `O$@.PRMD$GMD.ADMD$DBP.C$DE`, nil, 5},
		// §4.2: "ZI.HNE.EGM" under the HNE.EGM pair with the PRMD
		// omitted (the RFC's example writes the OU as "I").
		{"ZI.HNE.EGM", "HNE.EGM", `O$HNE.PRMD$@.ADMD$ECQ.C$TC`, []string{"ZI"}, 9},
		// §4.3.1: Marketing.Widget.COM.
		{"Marketing.Widget.COM", "Widget.COM", `O$Widget.PRMD$@.ADMD$BTT.C$TC`, []string{"Marketing"}, 13},
	} {
		m, ok := tab.LookupDomain(tc.domain)
		if !ok {
			t.Errorf("LookupDomain(%q): no match", tc.domain)
			continue
		}
		if m.Entry.Domain != tc.entry || m.Entry.OR.String() != tc.or || m.Entry.Line != tc.line || !reflect.DeepEqual(m.Below, tc.below) {
			t.Errorf("LookupDomain(%q) = %s#%s# line %d below %q; want %s#%s# line %d below %q",
				tc.domain, m.Entry.Domain, m.Entry.OR, m.Entry.Line, m.Below, tc.entry, tc.or, tc.line, tc.below)
		}
	}
	for _, d := range []string{"UK", "XAC.UK", "example.com", "", "."} {
		if m, ok := tab.LookupDomain(d); ok {
			t.Errorf("LookupDomain(%q) matched %s", d, m.Entry.Domain)
		}
	}
	// The table keyed by domain is not looked up by O/R address.
	if _, ok := tab.LookupORAddress(tableAddr(t, "/C=GB/ADMD=GOLD 400/PRMD=UK.AC/")); ok {
		t.Error("LookupORAddress on a domain-keyed table matched")
	}
}

// RFC 2156 Appendix F §4: "Suppose the table has two entries with the
// following keys: K.L J.K.L Domain "A.B.C" will not return any matches.
// Domain "I.J.K.L" will match the entry "J.K.L"."
func TestTableLongestMatchAppendixF4(t *testing.T) {
	for _, order := range []string{
		"K.L#O$kl.ADMD$a.C$gb#\nJ.K.L#OU$jkl.O$kl.ADMD$a.C$gb#\n",
		"J.K.L#OU$jkl.O$kl.ADMD$a.C$gb#\nK.L#O$kl.ADMD$a.C$gb#\n",
	} {
		tab, err := LoadTable("f4", TableDomainToOR, strings.NewReader(order))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := tab.LookupDomain("A.B.C"); ok {
			t.Error("A.B.C matched")
		}
		m, ok := tab.LookupDomain("I.J.K.L")
		if !ok || m.Entry.Domain != "J.K.L" || !reflect.DeepEqual(m.Below, []string{"I"}) {
			t.Errorf("I.J.K.L: %+v %v", m, ok)
		}
		m, ok = tab.LookupDomain("X.K.L")
		if !ok || m.Entry.Domain != "K.L" || !reflect.DeepEqual(m.Below, []string{"X"}) {
			t.Errorf("X.K.L: %+v %v", m, ok)
		}
		// A label is matched whole: JJ.K.L is under K.L, not J.K.L.
		m, ok = tab.LookupDomain("JJ.K.L")
		if !ok || m.Entry.Domain != "K.L" {
			t.Errorf("JJ.K.L: %+v %v", m, ok)
		}
	}
}

// RFC 2156 Appendix F §6 example and §4.3.5 mapping B: O/R address ->
// domain.
func TestTableORToDomainAppendixF6(t *testing.T) {
	tab := tableLoad(t, "or-domain.mcgam", TableORToDomain)
	for _, tc := range []struct {
		addr, domain string
		below        string // Below as a dmn-or-address, "" for none
	}{
		// §4.2 Salford example, the other way.
		{"/C=GB/ADMD=GOLD 400/PRMD=UK.AC/O=Salford/OU=R-D/S=Kille/", "AC.UK", `OU$R-D.O$Salford`},
		{"/C=GB/ADMD=GOLD 400/PRMD=UK.AC/S=Kille/", "AC.UK", ""},
		// Case independent, spaces normalised (§4.3.5 step 1).
		{"/C=gb/ADMD=gold  400 /PRMD=uk.ac/O=ucl/", "AC.UK", `O$ucl`},
		// §4.2: O=HNE, ADMD=ECQ, C=TC and omitted PRMD; "ZI.HNE.EGM" is
		// algorithmically mapped with "OU=I" ... (the RFC's example).
		{"/C=TC/ADMD=ECQ/O=HNE/OU=ZI/S=x/", "HNE.EGM", `OU$ZI`},
		// §4.3.1: /I=J/S=Linnimouth/GQ=5/@Marketing.Widget.COM.
		{"/C=TC/ADMD=BTT/O=Widget/OU=Marketing/S=Linnimouth/I=J/GQ=5/", "Widget.COM", `OU$Marketing`},
		// GMD.DE#O$@...: an address without O, with an OU under it.
		{"/C=DE/ADMD=DBP/PRMD=GMD/OU=Bonn/S=x/", "GMD.DE", `OU$Bonn`},
		{"/C=DE/ADMD=DBP/PRMD=GMD/S=x/", "GMD.DE", ""},
		// §4.3.5 example 3: A=PtPostel; C=it -> ptpostel.it.
		{"/S=Rossi/DD.cap=20100/A=PtPostel/C=it/", "ptpostel.it", ""},
		// Appendix F §5's XEROX.COM line skips the PRMD level: read as
		// omitted.
		{"/C=US/ADMD=ATT/O=Xerox/OU=PARC/S=x/", "XEROX.COM", `OU$PARC`},
		// Below keeps an omitted level between present ones.
		{"/C=it/ADMD=PtPostel/O=Poste/S=Rossi/", "ptpostel.it", `O$Poste.PRMD$@`},
	} {
		m, ok := tab.LookupORAddress(tableAddr(t, tc.addr))
		if !ok {
			t.Errorf("LookupORAddress(%s): no match", tc.addr)
			continue
		}
		if m.Entry.Domain != tc.domain || m.Below.String() != tc.below {
			t.Errorf("LookupORAddress(%s) = %s below %q; want %s below %q", tc.addr, m.Entry.Domain, m.Below.String(), tc.domain, tc.below)
		}
	}
	for _, addr := range []string{
		// The HNE mapping is for the omitted PRMD only.
		"/C=TC/ADMD=ECQ/PRMD=X/O=HNE/S=x/",
		// The GMD mapping is for the omitted O only.
		"/C=DE/ADMD=DBP/PRMD=GMD/O=GMD/S=x/",
		"/C=GB/ADMD=GOLD 400/PRMD=UK.ACX/S=x/",
		"/S=x/",
	} {
		if m, ok := tab.LookupORAddress(tableAddr(t, addr)); ok {
			t.Errorf("LookupORAddress(%s) matched %s", addr, m.Entry.Domain)
		}
	}
	if _, ok := tab.LookupDomain("AC.UK"); ok {
		t.Error("LookupDomain on an O/R-keyed table matched")
	}
}

// Longest O/R prefix wins, whatever the order of the lines.
func TestTableORLongestMatch(t *testing.T) {
	lines := []string{
		"ADMD$GOLD 400.C$GB#gold400.gb#",
		`PRMD$UK\\.AC.ADMD$GOLD 400.C$GB#AC.UK#`,
		`O$UCL.PRMD$UK\\.AC.ADMD$GOLD 400.C$GB#ucl.example#`,
	}
	for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}} {
		var sb strings.Builder
		for _, i := range order {
			sb.WriteString(lines[i] + "\n")
		}
		tab, err := LoadTable("longest", TableORToDomain, strings.NewReader(sb.String()))
		if err != nil {
			t.Fatal(err)
		}
		for addr, want := range map[string]string{
			"/C=GB/ADMD=GOLD 400/PRMD=UK.AC/O=UCL/OU=CS/S=x/": "ucl.example",
			"/C=GB/ADMD=GOLD 400/PRMD=UK.AC/O=Salford/S=x/":   "AC.UK",
			"/C=GB/ADMD=GOLD 400/PRMD=UK.CO/S=x/":             "gold400.gb",
			"/C=GB/ADMD=GOLD 400/O=UCL/S=x/":                  "gold400.gb",
		} {
			m, ok := tab.LookupORAddress(tableAddr(t, addr))
			if !ok || m.Entry.Domain != want {
				t.Errorf("order %v: %s -> %+v %v, want %s", order, addr, m.Entry, ok, want)
			}
		}
	}
}

// RFC 2156 §4.2: "Attributes may have null values, and this is treated
// separately from omitted attributes"; §4.3.5 step 1: a zero-length ADMD
// is a single space.
func TestTableNullVersusOmitted(t *testing.T) {
	tab, err := LoadTable("null", TableORToDomain, strings.NewReader(
		"O$x.PRMD$.ADMD$a.C$gb#empty.example#\n"+
			"O$x.PRMD$@.ADMD$a.C$gb#omitted.example#\n"+
			"PRMD$p.ADMD$ .C$gb#space.example#\n"+
			"PRMD$p.ADMD$@.C$gb#noadmd.example#\n"))
	if err != nil {
		t.Fatal(err)
	}
	empty := &x400.ORAddress{Country: x400.NumericOrPrintable{Value: "GB"}, ADMD: x400.NumericOrPrintable{Value: "A"}, Organization: "X", ZeroLength: x400.AttrPRMD}
	omitted := &x400.ORAddress{Country: x400.NumericOrPrintable{Value: "GB"}, ADMD: x400.NumericOrPrintable{Value: "A"}, Organization: "X"}
	if m, ok := tab.LookupORAddress(empty); !ok || m.Entry.Domain != "empty.example" {
		t.Errorf("empty PRMD: %+v %v", m.Entry, ok)
	}
	if m, ok := tab.LookupORAddress(omitted); !ok || m.Entry.Domain != "omitted.example" {
		t.Errorf("omitted PRMD: %+v %v", m.Entry, ok)
	}
	// An absent ADMD is omitted, not a space (Appendix F §3: "PRMD$DEC.ADMD$@.C$US").
	if m, ok := tab.LookupORAddress(&x400.ORAddress{Country: x400.NumericOrPrintable{Value: "GB"}, PRMD: x400.NumericOrPrintable{Value: "P"}}); !ok || m.Entry.Domain != "noadmd.example" {
		t.Errorf("absent ADMD: %+v %v", m.Entry, ok)
	}
	for _, admd := range []x400.ORAddress{
		{Country: x400.NumericOrPrintable{Value: "GB"}, PRMD: x400.NumericOrPrintable{Value: "P"}, ZeroLength: x400.AttrADMD},
		{Country: x400.NumericOrPrintable{Value: "GB"}, ADMD: x400.NumericOrPrintable{Value: " "}, PRMD: x400.NumericOrPrintable{Value: "p"}},
	} {
		if m, ok := tab.LookupORAddress(&admd); !ok || m.Entry.Domain != "space.example" {
			t.Errorf("ADMD %q: %+v %v", admd.ADMD.Value, m.Entry, ok)
		}
	}
}

// RFC 2156 Appendix F §7 and §8, with the examples of §4.3.4 stage II and
// §4.3.5 mapping B.
func TestTableGatewayAppendixF7F8(t *testing.T) {
	gw := tableLoad(t, "domain-gateway.tab", TableDomainToGateway)
	// §4.3.4 example 3: postmaster@UK.alter.net maps to c=gb; a=BTglobal;
	// P=relay; dd.rfc-822=postmaster(a)UK.alter.net;
	m, ok := gw.LookupDomain("UK.alter.net")
	if !ok || m.Entry.OR.String() != "PRMD$relay.ADMD$BTglobal.C$gb" || !reflect.DeepEqual(m.Below, []string{"UK"}) {
		t.Fatalf("UK.alter.net: %+v %v", m, ok)
	}
	or, err := m.Entry.OR.ORAddress()
	if err != nil || or.Country.Value != "gb" || or.ADMD.Value != "BTglobal" || or.PRMD.Value != "relay" {
		t.Errorf("gateway ORAddress: %+v %v", or, err)
	}
	if m, ok := gw.LookupDomain("x.chief.example"); !ok || m.Entry.OR[2].Type != "ROLE" || m.Entry.OR[2].Value != "Big.Chief" {
		t.Errorf("chief.example: %+v %v", m, ok)
	}

	og := tableLoad(t, "or-gateway.tab", TableORToGateway)
	// §4.3.5 example 4: G=Andy; S=Wharol; O=MMNY; A=ATT; C=us; maps to
	// /G=Andy/S=Wharol/O=MMNY@attmail.com
	om, ok := og.LookupORAddress(tableAddr(t, "G=Andy; S=Wharol; O=MMNY; A=ATT; C=us;"))
	if !ok || om.Entry.Domain != "attmail.com" || om.Below.String() != `O$MMNY.PRMD$@` {
		t.Errorf("attmail.com: %+v below %q %v", om.Entry, om.Below.String(), ok)
	}

	// The tables of the RFC's examples are disjoint from the MCGAM tables.
	if err := CheckGatewayTable(tableLoad(t, "domain-or.mcgam", TableDomainToOR), gw); err != nil {
		t.Error(err)
	}
	if err := CheckGatewayTable(tableLoad(t, "or-domain.mcgam", TableORToDomain), og); err != nil {
		t.Error(err)
	}
	if err := CheckGatewayTable(gw, og); err == nil {
		t.Error("CheckGatewayTable accepted two gateway tables")
	}
}

// "A domain cannot appear in this table and in the domain to OR Address
// table" (Appendix F §7), "An OR Address cannot appear in this table and
// in the OR Address to domain table" (§8).
func TestTableGatewayOverlap(t *testing.T) {
	mc, _ := LoadTable("mc", TableDomainToOR, strings.NewReader("# c\nac.uk#C$gb#\n"))
	gw, _ := LoadTable("gw", TableDomainToGateway, strings.NewReader("x.com#C$us#\nAC.UK#PRMD$relay.ADMD$BTglobal.C$gb#\n"))
	err := CheckGatewayTable(mc, gw)
	var es TableErrors
	if !errors.As(err, &es) || len(es) != 1 || es[0].Error() != `gw:2:1: domain "AC.UK" is also in the domain -> O/R address MCGAM table at mc:2 (RFC 2156 Appendix F §7, §8)` {
		t.Errorf("got %v", err)
	}
	mo, _ := LoadTable("mo", TableORToDomain, strings.NewReader("ADMD$att.C$US#att.com#\n"))
	og, _ := LoadTable("og", TableORToGateway, strings.NewReader("ADMD$ATT.C$us#attmail.com#\n"))
	if err := CheckGatewayTable(mo, og); err == nil || !strings.HasPrefix(err.Error(), "og:1:1: O/R address") {
		t.Errorf("got %v", err)
	}
}

// Every kind of bad line is reported with file:line(:column), all at once.
func TestTableBadLines(t *testing.T) {
	type bad struct {
		line, col int
		msg       string
	}
	for _, tc := range []struct {
		kind TableKind
		text string
		want []bad
	}{{
		TableDomainToOR, strings.Join([]string{
			"# comment",                                // 1
			"AC.UK PRMD$UK.ADMD$X.C$GB",                // 2
			"AC.UK#PRMD$UK.ADMD$X.C$GB",                // 3
			"AC.UK#C$GB# junk",                         // 4
			"AC_UK#C$GB#",                              // 5
			"-ac.uk#C$GB#",                             // 6
			"a..uk#C$GB#",                              // 7
			"x.uk#PRMD.ADMD$X.C$GB#",                   // 8
			"x.uk#FOO$1.C$GB#",                         // 9
			"x.uk#O$a_b.ADMD$X.C$GB#",                  // 10
			`x.uk#O$a\b.ADMD$X.C$GB#`,                  // 11
			"x.uk#O$a@.ADMD$X.C$GB#",                   // 12
			"x.uk#ADMD$X.O$Y.C$GB#",                    // 13
			"x.uk#CN$X.ADMD$X.C$GB#",                   // 14
			"x.uk#~ROLE$X.ADMD$X.C$GB#",                // 15
			"x.uk#ADMD$X.C$GBR#",                       // 16
			"x.uk#PRMD$ABCDEFGHIJKLMNOPQ.ADMD$X.C$GB#", // 17
			"x.uk#C$@#",                                // 18
			"AC.UK#C$FR#",                              // 19 good
			"ac.uk#C$GB#",                              // 20 duplicate
			"x.uk#ADMD$X.C$GB.#",                       // 21
			"y.uk#OU$a.OU$b.OU$c.OU$d.OU$e.O$o.PRMD$p.ADMD$a.C$gb#", // 22
			"z.uk#O$caf\xc3\xa9.ADMD$a.C$gb#",                       // 23
			"z.uk#O${x}.ADMD$a.C$gb#",                               // 24
			"",                                                      // 25 blank
			"   ",                                                   // 26 blank
			"z.uk##",                                                // 27
			"#z.uk#C$gb#",                                           // 28 comment
			"w.uk#C$gb#\r",                                          // 29 good, CRLF
			"v.uk#ADMD$a.C$gb#  ",                                   // 30 good, trailing blanks
			"u.uk#$x.C$gb#",                                         // 31
			"u.uk#~$x.C$gb#",                                        // 32
		}, "\n"),
		[]bad{
			{2, 0, `no "#" separator`},
			{3, 26, `missing trailing "#"`},
			{4, 12, `text " junk" after the trailing "#"`},
			{5, 3, `character '_' not allowed in a domain`},
			{6, 1, `begins or ends with a hyphen`},
			{7, 3, `empty label in domain`},
			{8, 6, `component "PRMD" has no "$"`},
			{9, 6, `unknown attribute type "FOO"`},
			{10, 9, `character '_' not allowed in a value`},
			{11, 9, `backslash not followed by "."`},
			{12, 9, `"@" (omitted attribute) must be the whole value`},
			{13, 6, `attribute ADMD out of order`},
			{14, 6, `attribute CN not allowed`},
			{15, 6, `domain defined attribute ~ROLE not allowed`},
			{16, 6, `C value "GBR" is not an ISO 3166`},
			{17, 6, `PRMD value "ABCDEFGHIJKLMNOPQ" longer than 16 characters`},
			{18, 6, `the country cannot be omitted`},
			{20, 1, `domain "ac.uk" already mapped on line 19`},
			{21, 17, `"." at the end of the O/R address`},
			{22, 6, `more than four OUs`},
			{23, 11, `byte 0xc3 not allowed`},
			{24, 6, `O value "{x}": character '{' is not a PrintableString character`},
			{27, 6, `empty O/R address`},
			{31, 6, `missing attribute type before "$"`},
			{32, 6, `empty domain defined attribute type`},
		},
	}, {
		TableORToDomain, strings.Join([]string{
			`PRMD$UK\\.AC.ADMD$GOLD 400.C$GB#AC.UK#`,   // 1 good
			`PRMD$uk\.ac.ADMD$gold 400.C$gb#other.uk#`, // 2 duplicate (case, escape, spaces)
			`ADMD$X.C$GB#x#y#`,                         // 3
			`ADMD$X.C$GB#x_y#`,                         // 4
			`S$Smith.ADMD$X.C$GB#x.uk#`,                // 5
			`ADMD$X.C$GB#x.uk`,                         // 6
		}, "\n"),
		[]bad{
			{2, 1, `O/R address PRMD$uk\\.ac.ADMD$gold 400.C$gb already mapped on line 1`},
			{3, 15, `text "y#" after the trailing "#"`},
			{4, 14, `character '_' not allowed in a domain`},
			{5, 1, `attribute S not allowed`},
			{6, 17, `missing trailing "#"`},
		},
	}, {
		TableDomainToGateway, strings.Join([]string{
			`a.com#PRMD$relay.S$Smith.C$GB#`,      // 1: PRMD left of S
			`b.com#G$@.ADMD$X.C$GB#`,              // 2: @ outside the hierarchy
			`c.com#X121$abc.ADMD$X.C$GB#`,         // 3: x400 rejects
			`d.com#~ROLE$Big\\.Chief.C$@#`,        // 4
			`e.com#C$GB.S$x#`,                     // 5: hierarchy not on the right
			`f.com#CN$Relay Gateway.ADMD$ .C$GB#`, // good
		}, "\n"),
		[]bad{
			{1, 7, `attribute PRMD out of order`},
			{2, 7, `"@" (omitted) is only for the levels`},
			{3, 7, `not a valid O/R address: `},
			{4, 7, `the country cannot be omitted`},
			{5, 7, `no C: the most significant (rightmost) component must be the country`},
		},
	}} {
		_, err := LoadTable("t.tab", tc.kind, strings.NewReader(tc.text))
		var es TableErrors
		if !errors.As(err, &es) {
			t.Fatalf("%s: got %v, want TableErrors", tc.kind, err)
		}
		if len(es) != len(tc.want) {
			t.Errorf("%s: %d errors, want %d:\n%v", tc.kind, len(es), len(tc.want), err)
		}
		for i := 0; i < len(es) && i < len(tc.want); i++ {
			e, w := es[i], tc.want[i]
			if e.File != "t.tab" || e.Line != w.line || e.Column != w.col || !strings.Contains(e.Msg, w.msg) {
				t.Errorf("%s: error %d = %q, want t.tab:%d:%d: ...%s...", tc.kind, i, e.Error(), w.line, w.col, w.msg)
			}
		}
	}
}

func TestTableErrorFormat(t *testing.T) {
	_, err := LoadTable("tables/mcgam", TableDomainToOR, strings.NewReader("ok.uk#C$gb#\nbad\nx_y#C$gb#\n"))
	want := "tables/mcgam:2: no \"#\" separator (want domain#O/R-address# or O/R-address#domain#)\n" +
		"tables/mcgam:3:2: character '_' not allowed in a domain (RFC 2156 §4.2 domain-syntax: letters, digits, hyphen)"
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

func TestTableLimits(t *testing.T) {
	long := "a.uk#O$" + strings.Repeat("x", TableMaxLine) + ".ADMD$a.C$gb#\nb.uk#C$gb#\nc_d#C$gb#\n"
	_, err := LoadTable("long", TableDomainToOR, strings.NewReader(long))
	var es TableErrors
	if !errors.As(err, &es) || len(es) != 2 || es[0].Line != 1 || !strings.Contains(es[0].Msg, "longer than") || es[1].Line != 3 {
		t.Errorf("long line: %v", err)
	}
	_, err = LoadTable("many", TableDomainToOR, strings.NewReader(strings.Repeat("bad\n", 500)))
	if !errors.As(err, &es) || len(es) != TableMaxErrors+1 || !strings.Contains(es[TableMaxErrors].Msg, "too many errors") {
		t.Errorf("many errors: %d", len(es))
	}
	if _, err := LoadTable("k", TableKind(9), strings.NewReader("")); err == nil {
		t.Error("unknown kind accepted")
	}
	if _, err := LoadTableFile(filepath.Join("testdata", "no-such-table"), TableDomainToOR); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestTableWriteRoundTrip(t *testing.T) {
	for file, kind := range map[string]TableKind{
		"domain-or.mcgam":    TableDomainToOR,
		"or-domain.mcgam":    TableORToDomain,
		"domain-gateway.tab": TableDomainToGateway,
		"or-gateway.tab":     TableORToGateway,
	} {
		tab := tableLoad(t, file, kind)
		var buf bytes.Buffer
		if _, err := tab.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := LoadTable(file, kind, &buf)
		if err != nil {
			t.Fatalf("%s: reload: %v\n%s", file, err, buf.String())
		}
		tableSameEntries(t, file, tab, back)
	}
	// The RFC's own lines are written back as printed.
	tab := tableLoad(t, "domain-or.mcgam", TableDomainToOR)
	var buf bytes.Buffer
	tab.WriteTo(&buf)
	if !strings.HasPrefix(buf.String(), "AC.UK#PRMD$UK\\\\.AC.ADMD$GOLD 400.C$GB#\nXEROX.COM#O$Xerox.ADMD$ATT.C$US#\nGMD.DE#O$@.PRMD$GMD.ADMD$DBP.C$DE#\n") {
		t.Errorf("written:\n%s", buf.String())
	}
}

func tableSameEntries(t *testing.T, name string, a, b *Table) {
	t.Helper()
	if len(a.Entries) != len(b.Entries) {
		t.Fatalf("%s: %d entries, then %d", name, len(a.Entries), len(b.Entries))
	}
	for i := range a.Entries {
		x, y := a.Entries[i], b.Entries[i]
		if x.Domain != y.Domain || !reflect.DeepEqual(x.OR, y.OR) {
			t.Errorf("%s: entry %d: %s#%s# became %s#%s#", name, i, x.Domain, x.OR, y.Domain, y.OR)
		}
	}
}

func FuzzLoadTable(f *testing.F) {
	for _, file := range []string{"domain-or.mcgam", "or-domain.mcgam", "domain-gateway.tab", "or-gateway.tab"} {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		for k := TableDomainToOR; k <= TableORToGateway; k++ {
			f.Add(b, uint8(k))
		}
	}
	f.Add([]byte("x.uk#O$a@.ADMD$X.C$GB#\nx.uk#~$x.C$gb#\n"), uint8(TableDomainToGateway))
	f.Add([]byte(`~ROLE$Big\.Chief.ADMD$ATT.C$US#x#`), uint8(TableORToDomain))
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kind := TableKind(k%4 + 1)
		tab, err := LoadTable("fuzz", kind, bytes.NewReader(data))
		if err != nil {
			var es TableErrors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error not TableErrors: %v", err)
			}
			return
		}
		var buf bytes.Buffer
		if _, err := tab.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := LoadTable("fuzz-written", kind, &buf)
		if err != nil {
			t.Fatalf("written table does not load: %v\n%s", err, buf.String())
		}
		tableSameEntries(t, "fuzz", tab, back)
		for _, e := range tab.Entries {
			// Every entry finds itself.
			if kind.domainKeyed() {
				if m, ok := tab.LookupDomain(e.Domain); !ok || m.Entry.Line != e.Line || m.Below != nil {
					t.Fatalf("entry %q does not find itself: %+v", e.Domain, m)
				}
			}
		}
	})
}

// completeLen, which the X.400 -> RFC 822 mapping uses to count the levels
// of a matched prefix, is len(Complete()).
func TestTableCompleteLen(t *testing.T) {
	for _, s := range []string{"C$US", "ADMD$ATT.C$US", "O$Xerox.ADMD$ATT.C$US", "OU$a.O$b.PRMD$@.ADMD$ .C$GB",
		"OU$x.OU$y.OU$z.O$o.C$DE", "C$US.O$x", "~FOO$bar.O$Xerox.C$US", "PRMD$DEC.ADMD$@.C$US"} {
		a, err := ParseDmnORAddress(s)
		if err != nil {
			continue
		}
		if got, want := a.completeLen(), len(a.Complete()); got != want {
			t.Errorf("%s: completeLen %d, len(Complete()) %d", s, got, want)
		}
	}
}
