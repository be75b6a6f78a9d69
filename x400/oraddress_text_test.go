package x400

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"mixerd/ber"
)

func oraddrIntPtr(n int) *int { return &n }

var oraddrTextCases = []struct {
	in   string
	want string     // canonical String(); "" means the input itself
	addr *ORAddress // when not nil, the expected parse
}{
	// RFC 1685 style, and the ";" form.
	{in: "/C=GB/ADMD=BT/PRMD=DERA/O=MOD/OU=HQ/S=Smith/G=John/I=J/", addr: &ORAddress{
		Country: NumericOrPrintable{Value: "GB"}, ADMD: NumericOrPrintable{Value: "BT"}, PRMD: NumericOrPrintable{Value: "DERA"},
		Organization: "MOD", OrganizationalUnits: []string{"HQ"}, PersonalName: PersonalName{Surname: "Smith", GivenName: "John", Initials: "J"},
	}},
	{in: "G=John; S=Smith; O=MOD; C=GB", want: "/C=GB/O=MOD/S=Smith/G=John/"},
	{in: "  /C=GB;O=x/S=y;\r\n", want: "/C=GB/O=x/S=y/"},
	{in: "/C=GB/ O=x /", want: "/C=GB/O=x /"},
	// RFC 2156 examples (§3.3.4, §4.1.1, §4.3.4, §4.3.5, §4.4, appendices).
	{in: "/CN=yen*{165}/", want: "/CN=yen*¥/", addr: &ORAddress{CommonName: "yen", TeletexCommonName: "¥"}},
	{in: "/PD-ADDRESS=The Dome|The Square|Richmond|England/", addr: &ORAddress{Postal: &PostalAttributes{
		UnformattedAddress: UnformattedPostalAddress{Lines: []string{"The Dome", "The Square", "Richmond", "England"}}}}},
	{in: "/I=J/S=Linnimouth/GQ=5/", want: "/S=Linnimouth/I=J/GQ=5/"},
	{in: "c=gb; a= ; p=uk.ac; o=mr; dd.rfc-822=(a)relay.co.uk:userb(a)host2;",
		want: "/C=gb/ADMD= /PRMD=uk.ac/O=mr/DD.rfc-822=(a)relay.co.uk:userb(a)host2/",
		addr: &ORAddress{Country: NumericOrPrintable{Value: "gb"}, ADMD: NumericOrPrintable{Value: " "}, PRMD: NumericOrPrintable{Value: "uk.ac"},
			Organization: "mr", DomainDefined: []DomainDefinedAttribute{{"rfc-822", "(a)relay.co.uk:userb(a)host2"}}}},
	{in: "c=us; a=MCI; P=relay; dd.rfc-822=Tom(u)Harris(a)cs.widget.com;",
		want: "/C=us/ADMD=MCI/PRMD=relay/DD.rfc-822=Tom(u)Harris(a)cs.widget.com/"},
	{in: "S=Support; O=sales;  A=Master400; C=it;", want: "/C=it/ADMD=Master400/O=sales/S=Support/"},
	{in: "S=renseignements; O=Region Parisienne; P=autoroutes; A=atlas; C=fr;",
		want: "/C=fr/ADMD=atlas/PRMD=autoroutes/O=Region Parisienne/S=renseignements/"},
	// Most significant on the right: the DDAs are reversed.
	{in: "S=Rossi; DD.cap=20100; DD.ph1=Via Larga 11; DDA.city=Milano; A=PtPostel; C=it;",
		want: "/C=it/ADMD=PtPostel/S=Rossi/DD.city=Milano/DD.ph1=Via Larga 11/DD.cap=20100/"},
	{in: "G=Andy; S=Wharol; O=MMNY; A=ATT; C=us;", want: "/C=us/ADMD=ATT/O=MMNY/S=Wharol/G=Andy/"},
	{in: "/PN=Duval/DD.Title=Manager/", want: "/S=Duval/DD.Title=Manager/"},
	{in: "/RFC-822=jj(a)seismo.css.gov/PRMD=AC/ADMD=BT/C=GB/", want: "/C=GB/ADMD=BT/PRMD=AC/RFC-822=jj(a)seismo.css.gov/",
		addr: &ORAddress{Country: NumericOrPrintable{Value: "GB"}, ADMD: NumericOrPrintable{Value: "BT"}, PRMD: NumericOrPrintable{Value: "AC"},
			DomainDefined: []DomainDefinedAttribute{{"RFC-822", "jj(a)seismo.css.gov"}}}},
	{in: "/S=Eppenberger/OU=verw/O=switch/PRMD=SWITCH/ADMD=ARCOM/C=CH/", want: "/C=CH/ADMD=ARCOM/PRMD=SWITCH/O=switch/OU=verw/S=Eppenberger/"},
	{in: "/I=j/S=nosuchuser/OU=dle/O=cambridge/PRMD=DGC/ADMD=GOLD 400/C=GB/",
		want: "/C=GB/ADMD=GOLD 400/PRMD=DGC/O=cambridge/OU=dle/S=nosuchuser/I=j/"},
	{in: "/PRMD=uk.ac/ADMD= /C=gb/", want: "/C=gb/ADMD= /PRMD=uk.ac/"},
	{in: "S=MailFLOW;O=MailFLOW;P=DANTE;A=mailnet;C=fi;", want: "/C=fi/ADMD=mailnet/PRMD=DANTE/O=MailFLOW/S=MailFLOW/"},
	{in: "I=S; S=Kille; P=Isode; A=Mailnet; C=FI;", want: "/C=FI/ADMD=Mailnet/PRMD=Isode/S=Kille/I=S/"},
	// Encoded personal names (RFC 2156 §4.1.2).
	{in: "PN=Marshall.Rose", want: "/S=Rose/G=Marshall/"},
	{in: "PN=M.T.Rose", want: "/S=Rose/I=MT/"},
	{in: "PN=Marshall.M.T.Rose", want: "/S=Rose/G=Marshall/I=MT/", addr: &ORAddress{PersonalName: PersonalName{Surname: "Rose", GivenName: "Marshall", Initials: "MT"}}},
	{in: "/PN=Jo.Müll.er/", want: "/S=*Müll.er/G=*Jo/"},
	// Most significant on the right: units reversed; numbered units.
	{in: "S=Smith; OU=Desk; OU=Sales; OU=Europe; O=Acme; C=GB", want: "/C=GB/O=Acme/OU=Europe/OU=Sales/OU=Desk/S=Smith/"},
	{in: "/OU2=b/OU1=a/C=GB/OU4=d/", want: "/C=GB/OU=a/OU=b/OU=d/"},
	{in: "/DD2.b=2/DD1.a=1/C=GB/", want: "/C=GB/DD.a=1/DD.b=2/"},
	// Numeric forms and zero-length attributes.
	{in: "/C=234/ADMD=0/PRMD=12/", addr: &ORAddress{Country: NumericOrPrintable{Value: "234", Numeric: true},
		ADMD: NumericOrPrintable{Value: "0", Numeric: true}, PRMD: NumericOrPrintable{Value: "12", Numeric: true}}},
	{in: "/C=GB/ADMD=/O=/S=/G=/CN=/", addr: &ORAddress{Country: NumericOrPrintable{Value: "GB"},
		ZeroLength: AttrADMD | AttrOrganization | AttrSurname | AttrGivenName | AttrCommonName}},
	{in: "/OU=/OU=x/", addr: &ORAddress{OrganizationalUnits: []string{"", "x"}}},
	// Quoting.
	{in: "/O=a$/b$=c/CN=*$;$|$$/DD.x$=y=v$/w/", addr: &ORAddress{Organization: "a/b=c", DomainDefined: []DomainDefinedAttribute{{"x=y", "v/w"}}, TeletexCommonName: ";|$"}},
	{in: "/DD.a=b=c/", want: "/DD.a=b$=c/"},
	{in: "/DD.x$ =y/", addr: &ORAddress{DomainDefined: []DomainDefinedAttribute{{"x ", "y"}}}},
	// Teletex forms.
	{in: "/S=Müller/G=Hans/", want: "/S=*Müller/G=Hans/", addr: &ORAddress{PersonalName: PersonalName{GivenName: "Hans"},
		TeletexPersonalName: PersonalName{Surname: "Müller"}}},
	{in: "/O=Muller*Müller/OU=a*ä/OU=b*ö/", addr: &ORAddress{Organization: "Muller", TeletexOrganization: "Müller",
		OrganizationalUnits: []string{"a", "b"}, TeletexOrganizationalUnits: []string{"ä", "ö"}}},
	{in: "/OU=a/OU=*ä/", want: "/OU=a*ä/"},
	{in: "/OU=/OU=*ä/", addr: &ORAddress{OrganizationalUnits: []string{""}, TeletexOrganizationalUnits: []string{"ä"}}},
	{in: "/DD.*Bür=*Zimmer 1/", addr: &ORAddress{TeletexDomainDefined: []DomainDefinedAttribute{{"Bür", "Zimmer 1"}}}},
	{in: "/CN=*a{010}b$*c$/d$$/", addr: &ORAddress{TeletexCommonName: "a\nb*c/d$"}},
	{in: "/CN=*{194}e{200}{111}/", want: "/CN=*éö/"},
	{in: "/CN=*x{194}/", want: "/CN=*x \u0301/"}, // a lone diacritic sits on a space
	// Postal attributes, every key and alternative.
	{in: "/PD-SERVICE=POST/PD-C=826/PD-CODE=SW1A 2HB/PD-OFFICE=Whitehall/PD-OFFICE NUMBER=7/PD-EA=x/PD-PN=J Smith/PD-O=MOD/PD-ED=y/PD-S=Street/PD-B=Box/PD-R=Restante/PD-U=Unique/PD-L=Local*Löcal/",
		want: "/PD-SERVICE=POST/PD-C=826/PD-CODE=SW1A 2HB/PD-OFFICE=Whitehall/PD-OFFICE-NUM=7/PD-EXT-ADDRESS=x/PD-PN=J Smith/PD-O=MOD/PD-EXT-DELIVERY=y/PD-STREET=Street/PD-BOX=Box/PD-RESTANTE=Restante/PD-UNIQUE=Unique/PD-LOCAL=Local*Löcal/"},
	{in: "/PD-SN=P/PD-PC=75015/PD-OF=O/PD-OFN=1/", want: "/PD-SERVICE=P/PD-CODE=75015/PD-OFFICE=O/PD-OFFICE-NUM=1/"},
	{in: "/PD-A2=line 2/PD-A1=line 1/", want: "/PD-ADDRESS=line 1|line 2/"},
	{in: "/PD-A=*Zeile 1{010}Zeile 2/", want: "/PD-ADDRESS=*Zeile 1{010}Zeile 2/"},
	{in: "/PD-ADDRESS=a||b*Straße/", want: "/PD-ADDRESS=a||b*Straße/"},
	// Network and terminal attributes, alternatives.
	{in: "/X.121=2342/N-ID=42/T-ID=t1/Q=Jr/S=x/", want: "/S=x/GQ=Jr/X121=2342/T-ID=t1/UA-ID=42/"},
	{in: "/NET-NUM=441234/NET-SUB=99/", addr: &ORAddress{ExtendedNetworkAddress: &ExtendedNetworkAddress{Number: "441234", SubAddress: "99"}}},
	{in: "/E.164=1234/", want: "/NET-NUM=1234/"},
	{in: "/NET-SUB=5/"},
	{in: "/NET-NUM=/"},
	{in: "/PSAP=#a006a30404020102/", want: "/NET-PSAP=#A006A30404020102/", addr: &ORAddress{ExtendedNetworkAddress: &ExtendedNetworkAddress{
		PSAPAddress: Raw{0xa0, 0x06, 0xa3, 0x04, 0x04, 0x02, 0x01, 0x02}}}},
	{in: "/T-TY=ttx/", want: "/T-TY=ttx(4)/", addr: &ORAddress{TerminalType: oraddrIntPtr(4)}},
	{in: "/T-TY=(300)/"},
	{in: "/T-TY=5/", want: "/T-TY=g3fax(5)/"},
	{in: "/t-ty=TLX(8)/", want: "/T-TY=vtx(8)/"},
	// Universal attributes.
	{in: "/U-CN=[fr]Clément/U-OU=Ünit/U-OU=[en]Two/U-S=Dupont/U-G=Jean/U-I=J/U-GQ=II/U-DD.[en]room=[fr]salle 5/U-PD-STREET=Rue/",
		addr: &ORAddress{Universal: &UniversalAttributes{
			CommonName:          UniversalOrBMPString{Text: "Clément", Language: "fr"},
			OrganizationalUnits: []UniversalOrBMPString{{Text: "Ünit"}, {Text: "Two", Language: "en"}},
			PersonalName: UniversalPersonalName{Surname: UniversalOrBMPString{Text: "Dupont"}, GivenName: UniversalOrBMPString{Text: "Jean"},
				Initials: UniversalOrBMPString{Text: "J"}, GenerationQualifier: UniversalOrBMPString{Text: "II"}},
			DomainDefined: []UniversalDomainDefinedAttribute{{Type: UniversalOrBMPString{Text: "room", Language: "en"},
				Value: UniversalOrBMPString{Text: "salle 5", Language: "fr"}}},
			StreetAddress: UniversalOrBMPString{Text: "Rue"},
		}}},
	{in: "/U-O=$[x]$/y/U-PD-OFFICE=a/U-PD-OFFICE-NUM=b/U-PD-EXT-ADDRESS=c/U-PD-PN=d/U-PD-O=e/U-PD-EXT-DELIVERY=f/U-PD-ADDRESS=g/U-PD-BOX=h/U-PD-RESTANTE=i/U-PD-UNIQUE=j/U-PD-LOCAL=k/"},
	{in: "/U-DD.a$ =b/U-CN=𝔘/", want: "/U-CN=𝔘/U-DD.a$ =b/"},
}

func TestParseORAddress(t *testing.T) {
	for _, c := range oraddrTextCases {
		t.Run(c.in, func(t *testing.T) {
			a, err := ParseORAddress(c.in)
			if err != nil {
				t.Fatal(err)
			}
			want := c.want
			if want == "" {
				want = c.in
			}
			s := a.String()
			if s != want {
				t.Errorf("String() = %q, want %q", s, want)
			}
			if c.addr != nil && !reflect.DeepEqual(a, *c.addr) {
				t.Errorf("parsed %#v\nwant %#v", a, *c.addr)
			}
			b, err := ParseORAddress(s)
			if err != nil {
				t.Fatalf("ParseORAddress(String()) = %v", err)
			}
			if !reflect.DeepEqual(a, b) {
				t.Errorf("ParseORAddress(String()) differs:\n%#v\n%#v", a, b)
			}
			if !a.Equal(&b) {
				t.Errorf("Equal false")
			}
			// Every parsed address can be encoded, and reads back equal.
			enc := ber.NewBuilder(0)
			a.encode(enc, ber.Sequence)
			if enc.Err() != nil {
				t.Fatalf("encode: %v", enc.Err())
			}
			var d ORAddress
			r := ber.NewReader(enc.Bytes(), nil)
			e, _ := r.Next()
			if err := d.decode(&e); err != nil || !d.Equal(&a) {
				t.Errorf("decode(encode(a)) = %v, %v", d, err)
			}
		})
	}
}

// Every key of RFC 2156 §4.1.1 and its alternatives is recognised, in any
// case.
func TestParseORAddressKeys(t *testing.T) {
	for k, v := range oraddrKeys {
		val := "x"
		switch v.kind {
		case okC, okX121, okUAID, okNetNum, okNetSub, okPDC:
			val = "12"
		case okNetPSAP:
			val = "#a000"
		case okTTY:
			val = "3"
		}
		for _, key := range []string{k, strings.ToLower(k)} {
			a, err := ParseORAddress("/" + key + "=" + val + "/")
			if err != nil {
				t.Errorf("%s: %v", key, err)
				continue
			}
			if a.IsEmpty() {
				t.Errorf("%s: nothing parsed", key)
			}
		}
	}
	for k := range oraddrDDKeys {
		if _, err := ParseORAddress("/" + k + ".t=v/"); err != nil {
			t.Errorf("%s: %v", k, err)
		}
		if _, err := ParseORAddress(strings.ToLower(k) + ":t=v"); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
}

func TestParseORAddressErrors(t *testing.T) {
	cases := []struct {
		in   string
		off  int
		want string
	}{
		{"", 0, "no attribute"},
		{"  ", 0, "no attribute"},
		{"/", 0, "no attribute"},
		{"/C=GB//O=x/", 6, "empty attribute"},
		{"/C=GB/ ;O=x", 6, "empty attribute"},
		{"/C=GB/O/", 6, "without \"=\""},
		{"/ =x/", 2, "missing attribute type"},
		{"/XX=1/", 1, "unknown attribute type \"XX\""},
		{"/Foo.bar=1/", 1, "unknown attribute type"},
		{"/C=GB/c=FR/", 6, "attribute \"c\" repeated"},
		{"/C=G*B/", 4, "character '*' not allowed in a PrintableString"},
		{"/C=GB/ADMD=B_T/", 12, "character '_' not allowed"},
		{"/X121=12a/", 8, "not allowed in a NumericString"},
		{"/O=ab$", 5, "\"$\" at the end"},
		{"/CN=*{16}/", 5, "three decimal digits"},
		{"/CN=*{999}/", 6, "bad T.61 octet"},
		{"/CN=*{065/", 5, "\"{\" without \"}\""},
		{"/CN=*{204}/", 6, "bad TeletexString"},
		{"/CN=x*/", 5, "empty teletex form"},
		{"/CN=*漢字/", 5, "not representable in a TeletexString"},
		{"/CN=a*b$", 7, "\"$\" at the end of the address"},
		{"/O=漢/", 3, "not allowed in a PrintableString"},
		{"/OU=a/OU1=b/", 6, "OU mixed with OU1..OU4"},
		{"/OU2=a/OU=b/", 7, "OU mixed with OU1..OU4"},
		{"/OU1=a/OU1=b/", 7, "repeated"},
		{"/DD1.a=b/RFC-822=x/", 9, "DD mixed"},
		{"/RFC-822=x/DD2.a=b/", 11, "DD mixed"},
		{"/PD-A1=x/PD-ADDRESS=y/", 9, "PD-ADDRESS mixed"},
		{"/PN=J.Smith/S=Smith/", 12, "PN together"},
		{"/G=J/PN=J.Smith/", 5, "PN together"},
		{"/PN=John./", 4, "PN without a surname"},
		{"/PN=/", 4, "PN without a surname"},
		{"/DD.*x=y/", 7, "teletex domain-defined attribute type"},
		{"/DD.x=*y/", 6, "not allowed in a PrintableString"},
		{"/DD.x=y$", 7, "\"$\" at the end of the address"},
		{"/NET-PSAP=1234/", 10, "\"#\""},
		{"/NET-PSAP=#zz/", 11, "bad hexadecimal"},
		{"/NET-PSAP=#0400/", 11, "not one constructed [0] element"},
		{"/NET-PSAP=#a005/", 11, "NET-PSAP: ber"},
		{"/NET-PSAP=#A00100/", 11, "NET-PSAP: ber: offset 2: truncated element header"},
		{"/NET-NUM=1/NET-PSAP=#a000/", 11, "NET-PSAP together"},
		{"/NET-PSAP=#a000/NET-SUB=1/", 16, "together with NET-PSAP"},
		{"/T-TY=foo/", 6, "unknown terminal type"},
		{"/T-TY=(99999999999)/", 6, "bad number"},
		{"/U-CN=[e]x/", 7, "language code"},
		{"/U-CN=[en/", 6, "\"[\" without \"]\""},
		{"/U-CN=/", 6, "empty value"},
		{"/U-CN=[en]/", 10, "empty value"},
		{"/U-CN=\xff/", 6, "invalid UTF-8"},
		{"/PD-OFFICE=/", 11, "empty value"},
		{"/PD-OFN=1/PD-OFFICE-NUM=2/", 10, "repeated"},
		{"/PD-SERVICE=/", 12, "empty value"},
		{"/PD-CODE=/", 9, "empty value"},
		{"/PD-A1=/", 7, "empty value"},
		{"/PD-ADDRESS=/", 12, "empty value"},
		{"/PD-ADDRESS=a|b*/", 15, "empty teletex form"},
		{"/PD-ADDRESS=a|b_c/", 15, "not allowed"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			a, err := ParseORAddress(c.in)
			if err == nil {
				t.Fatalf("no error; parsed %s", a)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%T is not a *ParseError", err)
			}
			if pe.Offset != c.off || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q (offset %d), want offset %d and %q", err, pe.Offset, c.off, c.want)
			}
		})
	}
}

// A decoded address with every attribute prints and parses back to an
// equal address (unknown extension attributes and the directory name have
// no text form).
func TestORAddressStringFull(t *testing.T) {
	n := oraddrFull()
	n.UnknownExtensions = nil
	s := n.String()
	const wantPrefix = "/C=GB/ADMD=BT/PRMD=12345/O=MOD*Ministère/OU=HQ*Sécurité/OU=Ops*Öps/OU=Sig/OU=Desk 4/S=Smith*Smïth/G=John*Jöhn/I=JR*J/GQ=III*Jr/CN=John Smith*Jöhn Smïth/X121=23421920030013/T-ID=TID-1/UA-ID=4711/RFC-822=j.smith(a)mod.uk/DD.ROOM=101/DD.*Bür=*Zimmer 1/PD-SERVICE=POSTE/PD-C=826/PD-CODE=SW1A 2HB/PD-OFFICE=Whitehall*Whitehäll/PD-OFFICE-NUM=7/PD-EXT-ADDRESS=*Étage 3/"
	if !strings.HasPrefix(s, wantPrefix) {
		t.Errorf("String() = %q", s)
	}
	a, err := ParseORAddress(s)
	if err != nil {
		t.Fatalf("%v\n%s", err, s)
	}
	if !a.Equal(&n.ORAddress) {
		t.Errorf("not equal:\n%s\n%s", s, a)
	}
	if (ORAddress{}).String() != "/" || (ORName{}).String() != "/" {
		t.Errorf("empty address")
	}
}

func FuzzParseORAddress(f *testing.F) {
	for _, c := range oraddrTextCases {
		f.Add(c.in)
	}
	n := oraddrFull()
	n.UnknownExtensions = nil
	f.Add(n.String())
	f.Add("/CN=*{194}{200}$*{010}/OU=a/OU=*b/OU=/DD.*{065}=*x/")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseORAddress(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > len(s) {
				t.Fatalf("bad error %v", err)
			}
			return
		}
		out := a.String()
		b, err := ParseORAddress(out)
		if err != nil {
			t.Fatalf("ParseORAddress(%q) (printed from %q): %v", out, s, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%q -> %q parses differently:\n%#v\n%#v", s, out, a, b)
		}
		if b.String() != out {
			t.Fatalf("String not stable: %q, %q", out, b.String())
		}
		_ = a.Validate()
		enc := ber.NewBuilder(0)
		a.encode(enc, ber.Sequence)
		if enc.Err() != nil {
			t.Fatalf("encode of a parsed address %q: %v", s, enc.Err())
		}
		var d ORAddress
		r := ber.NewReader(enc.Bytes(), nil)
		e, _ := r.Next()
		if err := d.decode(&e); err != nil {
			t.Fatalf("decode(encode(%q)): %v", s, err)
		}
		if !d.Equal(&a) {
			t.Fatalf("decode(encode(%q)) not equal: %s", s, d)
		}
	})
}
