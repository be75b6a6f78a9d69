package x400

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"mixerd/ber"
)

// oraddrFull is an O/R name with every attribute and extension attribute.
func oraddrFull() ORName {
	tt := TerminalTypeTeletex
	return ORName{
		ORAddress: ORAddress{
			Country:                    NumericOrPrintable{Value: "GB"},
			ADMD:                       NumericOrPrintable{Value: "BT"},
			NetworkAddress:             "23421920030013",
			TerminalIdentifier:         "TID-1",
			PRMD:                       NumericOrPrintable{Value: "12345", Numeric: true},
			Organization:               "MOD",
			NumericUserIdentifier:      "4711",
			PersonalName:               PersonalName{"Smith", "John", "JR", "III"},
			OrganizationalUnits:        []string{"HQ", "Ops", "Sig", "Desk 4"},
			DomainDefined:              []DomainDefinedAttribute{{"RFC-822", "j.smith(a)mod.uk"}, {"ROOM", "101"}},
			CommonName:                 "John Smith",
			TeletexCommonName:          "Jöhn Smïth",
			TeletexOrganization:        "Ministère",
			TeletexPersonalName:        PersonalName{"Smïth", "Jöhn", "J", "Jr"},
			TeletexOrganizationalUnits: []string{"Sécurité", "Öps"},
			TeletexDomainDefined:       []DomainDefinedAttribute{{"Bür", "Zimmer 1"}},
			Postal: &PostalAttributes{
				PDSName:                      "POSTE",
				CountryName:                  NumericOrPrintable{Value: "826", Numeric: true},
				PostalCode:                   NumericOrPrintable{Value: "SW1A 2HB"},
				OfficeName:                   PDSParameter{Printable: "Whitehall", Teletex: "Whitehäll"},
				OfficeNumber:                 PDSParameter{Printable: "7"},
				ExtensionORAddressComponents: PDSParameter{Teletex: "Étage 3"},
				PersonalName:                 PDSParameter{Printable: "J Smith"},
				OrganizationName:             PDSParameter{Printable: "MOD Main Building"},
				ExtensionPhysicalDeliveryAddressComponents: PDSParameter{Printable: "Room 101"},
				UnformattedAddress: UnformattedPostalAddress{
					Lines:   []string{"Main Building", "Whitehall", "London"},
					Teletex: "Main Building\nWhitehall",
				},
				StreetAddress:         PDSParameter{Printable: "Horse Guards Ave"},
				PostOfficeBox:         PDSParameter{Printable: "PO Box 1"},
				PosteRestante:         PDSParameter{Printable: "Charing Cross"},
				UniquePostalName:      PDSParameter{Printable: "MOD"},
				LocalPostalAttributes: PDSParameter{Printable: "Zone 1", Teletex: "Zöne 1"},
			},
			ExtendedNetworkAddress: &ExtendedNetworkAddress{Number: "441234567", SubAddress: "99"},
			TerminalType:           &tt,
			Universal: &UniversalAttributes{
				CommonName:       UniversalOrBMPString{Text: "Jean Dupont", Language: "fr"},
				OrganizationName: UniversalOrBMPString{Text: "Ministère des Armées"},
				PersonalName: UniversalPersonalName{
					Surname:             UniversalOrBMPString{Text: "Dupont", Language: "fr"},
					GivenName:           UniversalOrBMPString{Text: "Jean"},
					Initials:            UniversalOrBMPString{Text: "J"},
					GenerationQualifier: UniversalOrBMPString{Text: "II"},
				},
				OrganizationalUnits: []UniversalOrBMPString{
					{Text: "État-major", Language: "fr-FR"},
					{Text: "𝔘nit", FourOctets: true},
				},
				DomainDefined: []UniversalDomainDefinedAttribute{
					{Type: UniversalOrBMPString{Text: "bureau"}, Value: UniversalOrBMPString{Text: "B-12"}},
				},
				OfficeName:                                 UniversalOrBMPString{Text: "Bureau de poste"},
				OfficeNumber:                               UniversalOrBMPString{Text: "12"},
				ExtensionORAddressComponents:               UniversalOrBMPString{Text: "Bâtiment A"},
				PhysicalDeliveryPersonalName:               UniversalOrBMPString{Text: "J. Dupont"},
				PhysicalDeliveryOrganizationName:           UniversalOrBMPString{Text: "Ministère"},
				ExtensionPhysicalDeliveryAddressComponents: UniversalOrBMPString{Text: "Porte 3"},
				UnformattedPostalAddress:                   UniversalOrBMPString{Text: "60 boulevard du Général Martial Valin\n75015 Paris"},
				StreetAddress:                              UniversalOrBMPString{Text: "Boulevard Valin"},
				PostOfficeBox:                              UniversalOrBMPString{Text: "BP 42"},
				PosteRestante:                              UniversalOrBMPString{Text: "Paris 15"},
				UniquePostalName:                           UniversalOrBMPString{Text: "Balard"},
				LocalPostalAttributes:                      UniversalOrBMPString{Text: "Secteur 1", Language: "fr"},
			},
			UnknownExtensions: []Raw{{0x30, 0x08, 0x80, 0x02, 0x00, 0xc8, 0xa1, 0x02, 0x05, 0x00}},
		},
		// RDNSequence { { commonName "John" } }
		DirectoryName: Raw{0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13, 0x04, 'J', 'o', 'h', 'n'},
	}
}

func oraddrEncodeName(t testing.TB, n *ORName) []byte {
	t.Helper()
	b := ber.NewBuilder(0)
	n.encode(b, ber.Application(0))
	if err := b.Err(); err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b.Bytes()
}

func oraddrDecodeName(b []byte) (ORName, error) {
	var n ORName
	r := ber.NewReader(b, nil)
	e, err := r.Next()
	if err != nil {
		return n, err
	}
	if err := r.End("input"); err != nil {
		return n, err
	}
	err = n.decode(&e)
	return n, err
}

func oraddrHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "\n", "", "\t", "").Replace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestORNameRoundTrip(t *testing.T) {
	tt := 300
	psap := oraddrFull()
	psap.ExtendedNetworkAddress = &ExtendedNetworkAddress{PSAPAddress: Raw{0xa0, 0x06, 0xa3, 0x04, 0x04, 0x02, 0x01, 0x02}}
	psap.DirectoryName = nil
	psap.TerminalType = &tt
	cases := map[string]ORName{
		"full":                oraddrFull(),
		"psap":                psap,
		"empty":               {},
		"directory name only": {DirectoryName: Raw{0x30, 0x00}},
		"pp originator": {ORAddress: ORAddress{
			Country: NumericOrPrintable{Value: "GB"}, ADMD: NumericOrPrintable{Value: "TEST"},
			PRMD: NumericOrPrintable{Value: "ptest"}, Organization: "alpha", PersonalName: PersonalName{Surname: "root"},
		}},
		"numeric country, zero-length ADMD and O": {ORAddress: ORAddress{
			Country: NumericOrPrintable{Value: "234", Numeric: true}, ZeroLength: AttrADMD | AttrOrganization | AttrGivenName,
			PersonalName: PersonalName{Surname: "X"},
		}},
		"zero-length surname and common name": {ORAddress: ORAddress{ZeroLength: AttrSurname | AttrCommonName}},
		"only teletex":                        {ORAddress: ORAddress{TeletexCommonName: "Zoë", TeletexOrganizationalUnits: []string{"Ü"}}},
		"only postal":                         {ORAddress: ORAddress{Postal: &PostalAttributes{PostalCode: NumericOrPrintable{Value: "75015", Numeric: true}}}},
		"only universal":                      {ORAddress: ORAddress{Universal: &UniversalAttributes{CommonName: UniversalOrBMPString{Text: "漢字"}}}},
		"unknown only": {ORAddress: ORAddress{UnknownExtensions: []Raw{
			{0x30, 0x07, 0x80, 0x01, 0x63, 0xa1, 0x02, 0x05, 0x00},             // type 99, NULL
			{0x30, 0x08, 0x80, 0x01, 0x00, 0xa1, 0x03, 0x01, 0x01, 0xff},       // type 0, TRUE
			{0x30, 0x09, 0x80, 0x01, 0xff, 0xa1, 0x04, 0x30, 0x02, 0x05, 0x00}, // type -1
		}}},
	}
	for name, n := range cases {
		t.Run(name, func(t *testing.T) {
			enc := oraddrEncodeName(t, &n)
			got, err := oraddrDecodeName(enc)
			if err != nil {
				t.Fatalf("decode: %v\n%x", err, enc)
			}
			if !reflect.DeepEqual(got, n) {
				t.Errorf("decode(encode(n)) differs:\n got %#v\nwant %#v", got, n)
			}
			if !got.Equal(&n) {
				t.Errorf("Equal is false after a round trip")
			}
			if enc2 := oraddrEncodeName(t, &got); !bytes.Equal(enc, enc2) {
				t.Errorf("re-encoding differs:\n%x\n%x", enc, enc2)
			}
		})
	}
}

// The DER order of a SET OF: components sorted by their encodings (here the
// terminal-type attribute, shorter, before common-name).
func TestORAddressDER(t *testing.T) {
	tt := TerminalTypeTelex
	a := ORAddress{Country: NumericOrPrintable{Value: "GB"}, CommonName: "Al", TerminalType: &tt}
	b := ber.NewBuilder(0)
	a.encode(b, ber.Sequence)
	want := oraddrHex(t, `30 1f
		30 06 61 04 13 02 47 42
		31 15
			30 08 80 01 17 a1 03 02 01 03
			30 09 80 01 01 a1 04 13 02 41 6c`)
	if b.Err() != nil || !bytes.Equal(b.Bytes(), want) {
		t.Fatalf("got %x (%v), want %x", b.Bytes(), b.Err(), want)
	}
	var got ORAddress
	r := ber.NewReader(want, nil)
	e, _ := r.Next()
	if err := got.decode(&e); err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("decode: %v %+v", err, got)
	}
	// An ORAddress has no directory-name.
	bad := oraddrHex(t, "30 06 30 00 a0 02 30 00")
	r = ber.NewReader(bad, nil)
	e, _ = r.Next()
	if err := got.decode(&e); err == nil || !strings.Contains(err.Error(), "end of ORAddress") {
		t.Fatalf("ORAddress with a directory-name: %v", err)
	}
}

// Golden test: the O/R names of the PP 1988 message transfer capture
// (pp-p1-1988-message-transfer.pcap, frame 12, TCP port 10102): the
// envelope's originator-name and recipient-name; the IPM heading's
// originator, authorizing-users and primary-recipients formal names repeat
// the same bytes.
func TestORNameGoldenPP(t *testing.T) {
	cases := []struct {
		file    string
		text    string
		org, sn string
	}{
		{"oraddr_pp1988_originator.ber", "/C=GB/ADMD=TEST/PRMD=ptest/O=alpha/S=root/", "alpha", "root"},
		{"oraddr_pp1988_recipient.ber", "/C=GB/ADMD=TEST/PRMD=ptest/O=beta/S=bob/", "beta", "bob"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			n, err := oraddrDecodeName(raw)
			if err != nil {
				t.Fatal(err)
			}
			want := ORName{ORAddress: ORAddress{
				Country: NumericOrPrintable{Value: "GB"}, ADMD: NumericOrPrintable{Value: "TEST"},
				PRMD: NumericOrPrintable{Value: "ptest"}, Organization: c.org, PersonalName: PersonalName{Surname: c.sn},
			}}
			if !reflect.DeepEqual(n, want) {
				t.Errorf("decoded %#v", n)
			}
			if s := n.String(); s != c.text {
				t.Errorf("String() = %q, want %q", s, c.text)
			}
			if err := n.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			// PP writes DER: re-encoding gives the same bytes.
			if enc := oraddrEncodeName(t, &n); !bytes.Equal(enc, raw) {
				t.Errorf("re-encoded\n%x\nwant\n%x", enc, raw)
			}
			p, err := ParseORAddress(c.text)
			if err != nil || !p.Equal(&n.ORAddress) {
				t.Errorf("ParseORAddress(%q) = %v, %v", c.text, p, err)
			}
		})
	}
	// The global domain identifiers of the same message ([APPLICATION 3]
	// SEQUENCE { country-name, administration-domain-name,
	// private-domain-identifier }) use the same CHOICE types.
	gdi := oraddrHex(t, "63 15 61 04 13 02 47 42 62 06 13 04 54 45 53 54 13 05 70 74 65 73 74")
	r := ber.NewReader(gdi, nil)
	e, _ := r.Next()
	cr, _ := e.Children()
	var vals [3]NumericOrPrintable
	for i := range vals {
		c, err := cr.Next()
		if err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			err = vals[i].decodeExplicit(&c)
		} else {
			err = vals[i].decode(&c)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if vals[0].Value != "GB" || vals[1].Value != "TEST" || vals[2].Value != "ptest" || vals[0].Numeric {
		t.Errorf("global domain identifier: %+v", vals)
	}
}

// BER as peers may send it: indefinite lengths, constructed strings,
// long-form lengths, components out of order.
func TestORNameBER(t *testing.T) {
	in := oraddrHex(t, `60 80
		30 80
			61 80 13 02 47 42 00 00
			62 06 13 04 54 45 53 54
			a3 09 04 02 61 6c 04 03 70 68 61
			a2 81 07 13 05 70 74 65 73 74
			a5 80 80 04 72 6f 6f 74 00 00
		00 00
		31 80
			30 80 80 02 00 c8 a1 80 24 80 04 01 41 00 00 00 00 00 00
		00 00
	00 00`)
	n, err := oraddrDecodeName(in)
	if err != nil {
		t.Fatal(err)
	}
	golden, _ := os.ReadFile("testdata/oraddr_pp1988_originator.ber")
	g, err := oraddrDecodeName(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !n.ORAddress.Equal(&g.ORAddress) == (len(n.UnknownExtensions) == 0) {
		t.Errorf("BER form not equal to the DER one")
	}
	n.UnknownExtensions = nil
	if !reflect.DeepEqual(n, g) {
		t.Errorf("got %#v\nwant %#v", n, g)
	}
	// The unknown extension attribute is written back in DER.
	n2, _ := oraddrDecodeName(in)
	enc := oraddrEncodeName(t, &n2)
	wantExt := oraddrHex(t, "31 0b 30 09 80 02 00 c8 a1 03 04 01 41")
	if !bytes.Contains(enc, wantExt) || !bytes.HasPrefix(enc[2:], golden[2:]) {
		t.Errorf("DER re-encoding:\n%x", enc)
	}
	n3, err := oraddrDecodeName(enc)
	if err != nil {
		t.Fatal(err)
	}
	if enc2 := oraddrEncodeName(t, &n3); !bytes.Equal(enc, enc2) {
		t.Errorf("not stable:\n%x\n%x", enc, enc2)
	}
	// A peer that leaves out the (mandatory, possibly empty)
	// built-in-standard-attributes: read as empty, written back.
	n4, err := oraddrDecodeName(oraddrHex(t, "60 0c 31 0a 30 08 80 01 01 a1 03 13 01 41"))
	if err != nil || n4.CommonName != "A" {
		t.Fatalf("without built-in-standard-attributes: %v %+v", err, n4)
	}
	if enc := oraddrEncodeName(t, &n4); !bytes.Equal(enc, oraddrHex(t, "60 0e 30 00 31 0a 30 08 80 01 01 a1 03 13 01 41")) {
		t.Errorf("re-encoded %x", enc)
	}
}

func TestORNameMalformed(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"truncated", "60 28 30 26 61 04 13 02 47 42 62 06", "claims 40 content octets"},
		{"empty input", "", "unexpected end of input"},
		{"primitive ORName", "40 00", "expected a constructed encoding"},
		{"unknown standard attribute", "60 05 30 03 87 01 41", "built-in-standard-attributes: offset 4: unexpected [7] in BuiltInStandardAttributes"},
		{"bad country", "60 08 30 06 61 04 13 02 47 2a", "country-name: offset 6: PrintableString: character outside PrintableString"},
		{"implicit country", "60 06 30 04 41 02 47 42", "country-name: offset 4: [APPLICATION 1]: expected a constructed encoding"},
		{"country as IA5String", "60 08 30 06 61 04 16 02 47 42", "expected NumericString or PrintableString, found IA5String"},
		{"country with two values", "60 0c 30 0a 61 08 13 02 47 42 13 02 47 42", "unexpected PrintableString at the end of [APPLICATION 1]"},
		{"empty country", "60 04 30 02 61 00", "country-name: offset 6: unexpected end of input"},
		{"repeated organization", "60 08 30 06 83 01 41 83 01 42", "built-in-standard-attributes.organization-name: offset 7: [3] appears twice"},
		{"network address with a letter", "60 05 30 03 80 01 41", "network-address: offset 4: [0]: character outside NumericString"},
		{"personal name without surname", "60 07 30 05 a5 03 81 01 41", "personal-name: offset 4: PersonalName without surname"},
		{"personal name unknown component", "60 0a 30 08 a5 06 80 01 41 84 01 41", "unexpected [4] in PersonalName"},
		{"repeated surname", "60 0a 30 08 a5 06 80 01 41 80 01 41", "personal-name.surname: offset 9: [0] appears twice"},
		{"primitive personal name", "60 05 30 03 85 01 41", "personal-name: offset 4: [5]: expected a constructed encoding"},
		{"OU of the wrong type", "60 07 30 05 a6 03 14 01 41", "organizational-unit-names: offset 6: expected PrintableString, found TeletexString"},
		{"DDA without value", "60 0b 30 00 30 07 30 05 13 03 52 46 43", "built-in-domain-defined-attributes.value: offset 13: unexpected end of input"},
		{"DDA as teletex", "60 0d 30 00 30 09 30 07 14 01 41 13 02 41 42", "built-in-domain-defined-attributes.type: offset 8: expected PrintableString"},
		{"extension without value", "60 09 30 00 31 05 30 03 80 01 01", "extension-attributes.extension-attribute-value: offset 11: missing [1]"},
		{"extension type not INTEGER", "60 0e 30 00 31 0a 30 08 a0 01 01 a1 03 13 01 41", "extension-attribute-type: offset 8: [0]: INTEGER must be primitive"},
		{"extension value implicit", "60 0d 30 00 31 09 30 07 80 01 01 81 02 41 42", "extension-attribute-value: offset 11: [1]: expected a constructed encoding"},
		{"common name as teletex", "60 0e 30 00 31 0a 30 08 80 01 01 a1 03 14 01 41", "extension-attributes.common-name: offset 13: expected PrintableString, found TeletexString"},
		{"repeated common name", "60 18 30 00 31 14 30 08 80 01 01 a1 03 13 01 41 30 08 80 01 01 a1 03 13 01 42", "extension-attributes.common-name: offset 16: SEQUENCE appears twice"},
		{"bad teletex", "60 0e 30 00 31 0a 30 08 80 01 02 a1 03 14 01 cc", "teletex-common-name: offset 13: TeletexString"},
		{"odd BMPString", "60 10 30 00 31 0c 30 0a 80 01 18 a1 05 31 03 1e 01 41", "universal-common-name.character-encoding: offset 15: BMPString"},
		{"universal with two languages", "60 15 30 00 31 11 30 0f 80 01 18 a1 0a 31 08 13 02 66 72 13 02 66 72", "universal-common-name.iso-639-language-code: offset 19: PrintableString appears twice"},
		{"universal with language only", "60 11 30 00 31 0d 30 0b 80 01 18 a1 06 31 04 13 02 66 72", "UniversalOrBMPString without character-encoding"},
		{"universal not a SET", "60 10 30 00 31 0c 30 0a 80 01 18 a1 05 30 03 1e 01 41", "universal-common-name: offset 13: expected SET, found SEQUENCE"},
		{"PDS parameter with IA5String", "60 10 30 00 31 0c 30 0a 80 01 11 a1 05 31 03 16 01 41", "street-address: offset 15: unexpected IA5String in PDSParameter"},
		{"PSAP primitive", "60 0d 30 00 31 09 30 07 80 01 16 a1 02 80 00", "extended-network-address.psap-address: offset 13: [0]: expected a constructed PresentationAddress"},
		{"e163 without number", "60 0f 30 00 31 0b 30 09 80 01 16 a1 04 30 02 81 00", "extended-network-address.e163-4-address: offset 15: expected [0], found [1]"},
		{"terminal type not INTEGER", "60 0e 30 00 31 0a 30 08 80 01 17 a1 03 0a 01 03", "terminal-type: offset 13: expected INTEGER, found ENUMERATED"},
		{"extension attributes not a SEQUENCE", "60 09 30 00 31 05 31 03 80 01 01", "extension-attributes: offset 6: expected SEQUENCE, found SET"},
		{"trailing element", "60 04 30 00 05 00", "offset 4: unexpected NULL at the end of ORName"},
		{"primitive directory name", "60 06 30 00 a0 02 04 00", "directory-name: offset 6: OCTET STRING: expected a constructed Name"},
		{"empty directory name", "60 04 30 00 a0 00", "directory-name: offset 6: unexpected end of input"},
		{"malformed inside the directory name", "60 08 30 00 a0 04 30 02 31 05", "directory-name: offset 8: SET claims 5 content octets"},
		{"malformed inside an unknown extension", "60 0e 30 00 31 0a 30 08 80 01 63 a1 03 30 01 00", "extension-attribute-value: offset 15: truncated element header"},
		{"malformed inside the PSAP address", "60 0e 30 00 31 0a 30 08 80 01 16 a1 03 a0 01 00", "psap-address: offset 15: truncated element header"},
		{"two directory names", "60 0a 30 00 a0 02 30 00 a0 02 30 00", "offset 8: unexpected [0] at the end of ORName"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := oraddrDecodeName(oraddrHex(t, c.in))
			if err == nil {
				t.Fatalf("no error")
			}
			var be *ber.Error
			if !errors.As(err, &be) {
				t.Fatalf("error %T %v is not a *ber.Error", err, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

func TestORNameEncodeErrors(t *testing.T) {
	cases := map[string]ORName{
		"organization not printable":       {ORAddress: ORAddress{Organization: "a@b"}},
		"numeric country with letters":     {ORAddress: ORAddress{Country: NumericOrPrintable{Value: "GB", Numeric: true}}},
		"teletex outside T.61":             {ORAddress: ORAddress{TeletexCommonName: "漢"}},
		"malformed unknown extension":      {ORAddress: ORAddress{UnknownExtensions: []Raw{{0x30}}}},
		"unknown extension not a SEQUENCE": {ORAddress: ORAddress{UnknownExtensions: []Raw{{0x31, 0x00}}}},
		"PSAP with another tag":            {ORAddress: ORAddress{ExtendedNetworkAddress: &ExtendedNetworkAddress{PSAPAddress: Raw{0x30, 0x00}}}},
		"primitive directory name":         {DirectoryName: Raw{0x04, 0x00}},
		"trailing bytes in directory name": {DirectoryName: Raw{0x30, 0x00, 0x00}},
		"universal invalid UTF-8":          {ORAddress: ORAddress{Universal: &UniversalAttributes{CommonName: UniversalOrBMPString{Text: "\xff"}}}},
		"DDA not printable":                {ORAddress: ORAddress{DomainDefined: []DomainDefinedAttribute{{"RFC-822", "a@b"}}}},
	}
	for name, n := range cases {
		t.Run(name, func(t *testing.T) {
			b := ber.NewBuilder(0)
			// Inside a SET OF, as DLExemptedRecipients holds O/R names: a
			// failed component must leave the builder well formed.
			m := b.Begin(ber.Set)
			n.encode(b, ber.Application(0))
			n.encode(b, ber.Application(0))
			b.EndSetOf(m)
			if b.Err() == nil {
				t.Fatalf("no error, encoded %x", b.Bytes())
			}
		})
	}
}

func TestORAddressValidate(t *testing.T) {
	full := oraddrFull()
	if err := full.Validate(); err != nil {
		t.Fatalf("full: %v", err)
	}
	cases := []struct {
		name string
		mod  func(a *ORAddress)
		want string
	}{
		{"country length", func(a *ORAddress) { a.Country.Value = "GBR" }, "country-name: \"GBR\" has 3 characters, must have 2"},
		{"numeric country length", func(a *ORAddress) { a.Country = NumericOrPrintable{Value: "23", Numeric: true} }, "must have 3"},
		{"ADMD too long", func(a *ORAddress) { a.ADMD.Value = "ABCDEFGHIJKLMNOPQ" }, "administration-domain-name"},
		{"zero-length ADMD", func(a *ORAddress) { a.ADMD.Value = ""; a.ZeroLength |= AttrADMD }, ""},
		{"zero-length organization", func(a *ORAddress) { a.Organization = ""; a.ZeroLength |= AttrOrganization }, "organization-name: \"\" has 0 characters, outside 1..64"},
		{"PRMD charset", func(a *ORAddress) { a.PRMD = NumericOrPrintable{Value: "a_b"} }, "private-domain-name: character outside PrintableString"},
		{"X.121 too long", func(a *ORAddress) { a.NetworkAddress = "12345678901234567" }, "network-address"},
		{"terminal identifier", func(a *ORAddress) { a.TerminalIdentifier = strings.Repeat("T", 25) }, "terminal-identifier"},
		{"organization too long", func(a *ORAddress) { a.Organization = strings.Repeat("O", 65) }, "organization-name"},
		{"UA-ID charset", func(a *ORAddress) { a.NumericUserIdentifier = "12a" }, "numeric-user-identifier: character outside NumericString"},
		{"no surname", func(a *ORAddress) { a.PersonalName.Surname = "" }, "personal-name.surname"},
		{"initials too long", func(a *ORAddress) { a.PersonalName.Initials = "ABCDEF" }, "personal-name.initials"},
		{"five units", func(a *ORAddress) { a.OrganizationalUnits = append(a.OrganizationalUnits, "X") }, "organizational-unit-names: 5 units"},
		{"unit too long", func(a *ORAddress) { a.OrganizationalUnits[0] = strings.Repeat("U", 33) }, "organizational-unit-names"},
		{"DDA type too long", func(a *ORAddress) { a.DomainDefined[1].Type = "ABCDEFGHI" }, "built-in-domain-defined-attributes.type"},
		{"five DDAs", func(a *ORAddress) {
			a.DomainDefined = append(a.DomainDefined, a.DomainDefined...)
			a.DomainDefined = append(a.DomainDefined, a.DomainDefined[0])
		}, "5 attributes"},
		{"common name too long", func(a *ORAddress) { a.CommonName = strings.Repeat("C", 65) }, "common-name"},
		{"teletex not T.61", func(a *ORAddress) { a.TeletexOrganization = "漢" }, "teletex-organization-name"},
		{"teletex unit too long", func(a *ORAddress) { a.TeletexOrganizationalUnits[0] = strings.Repeat("é", 33) }, "teletex-organizational-unit-names"},
		{"postal code too long", func(a *ORAddress) { a.Postal.PostalCode.Value = strings.Repeat("1", 17) }, "postal-code"},
		{"PDS parameter too long", func(a *ORAddress) { a.Postal.StreetAddress.Printable = strings.Repeat("S", 31) }, "street-address.printable-string"},
		{"seven address lines", func(a *ORAddress) { a.Postal.UnformattedAddress.Lines = make([]string, 7) }, "7 lines"},
		{"E.163 number too long", func(a *ORAddress) { a.ExtendedNetworkAddress.Number = strings.Repeat("1", 16) }, "extended-network-address.number"},
		{"terminal type", func(a *ORAddress) { n := 257; a.TerminalType = &n }, "terminal-type: 257"},
		{"universal language", func(a *ORAddress) { a.Universal.CommonName.Language = "fra" }, "universal-common-name: language code"},
		{"universal too long", func(a *ORAddress) { a.Universal.StreetAddress.Text = strings.Repeat("é", 31) }, "universal-street-address"},
		{"universal unit", func(a *ORAddress) { a.Universal.OrganizationalUnits[1].Text = "\xff" }, "invalid UTF-8"},
		{"unknown extension of a known type", func(a *ORAddress) {
			a.UnknownExtensions = append(a.UnknownExtensions, Raw{0x30, 0x08, 0x80, 0x01, 0x01, 0xa1, 0x03, 0x13, 0x01, 0x41})
		}, "known type common-name (1)"},
		{"malformed unknown extension", func(a *ORAddress) { a.UnknownExtensions = append(a.UnknownExtensions, Raw{0x30}) }, "unknown extension attribute: ber"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := oraddrFull()
			c.mod(&n.ORAddress)
			err := n.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}

func TestORAddressEqual(t *testing.T) {
	base := func() ORAddress {
		a, err := ParseORAddress("/C=GB/ADMD=BT/PRMD=DERA/O=MOD/OU=HQ/OU=Ops/S=Smith/G=John/DD.ROOM=101/")
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	same := []struct {
		name string
		mod  func(a *ORAddress)
	}{
		{"case", func(a *ORAddress) { a.Organization = "mod"; a.PersonalName.Surname = "SMITH" }},
		{"spaces", func(a *ORAddress) { a.Organization = " MOD  "; a.DomainDefined[0].Value = "101 " }},
		{"numeric form", func(a *ORAddress) { a.Country.Numeric = true }},
		{"empty postal struct", func(a *ORAddress) { a.Postal = &PostalAttributes{} }},
		{"empty universal struct", func(a *ORAddress) { a.Universal = &UniversalAttributes{} }},
		{"zero-length flag", func(a *ORAddress) { a.ZeroLength |= AttrCommonName }},
	}
	for _, c := range same {
		a, b := base(), base()
		c.mod(&b)
		if !a.Equal(&b) || !b.Equal(&a) {
			t.Errorf("%s: not equal", c.name)
		}
	}
	differ := []struct {
		name string
		mod  func(a *ORAddress)
	}{
		{"organization", func(a *ORAddress) { a.Organization = "MOE" }},
		{"unit order", func(a *ORAddress) { a.OrganizationalUnits[0], a.OrganizationalUnits[1] = "Ops", "HQ" }},
		{"teletex form", func(a *ORAddress) { a.TeletexOrganization = a.Organization; a.Organization = "" }},
		{"extra unit", func(a *ORAddress) { a.OrganizationalUnits = append(a.OrganizationalUnits, "X") }},
		{"common name", func(a *ORAddress) { a.CommonName = "John Smith" }},
		{"postal", func(a *ORAddress) { a.Postal = &PostalAttributes{PDSName: "P"} }},
		{"terminal type", func(a *ORAddress) { n := 3; a.TerminalType = &n }},
		{"network", func(a *ORAddress) { a.ExtendedNetworkAddress = &ExtendedNetworkAddress{Number: "1"} }},
		{"universal language", func(a *ORAddress) {
			a.Universal = &UniversalAttributes{CommonName: UniversalOrBMPString{Text: "x", Language: "fr"}}
		}},
		{"unknown", func(a *ORAddress) { a.UnknownExtensions = []Raw{{0x30, 0x00}} }},
	}
	for _, c := range differ {
		a, b := base(), base()
		c.mod(&b)
		if a.Equal(&b) || b.Equal(&a) {
			t.Errorf("%s: equal", c.name)
		}
	}
	x := ORAddress{UnknownExtensions: []Raw{{1}, {2}}}
	y := ORAddress{UnknownExtensions: []Raw{{2}, {1}}}
	z := ORAddress{UnknownExtensions: []Raw{{2}, {2}}}
	if !x.Equal(&y) || x.Equal(&z) {
		t.Errorf("unknown extensions are compared as a set")
	}
	n1, n2 := oraddrFull(), oraddrFull()
	if !n1.Equal(&n2) {
		t.Errorf("full names not equal")
	}
	n2.DirectoryName = nil
	if n1.Equal(&n2) {
		t.Errorf("directory name ignored")
	}
	var nilA *ORAddress
	if nilA.Equal(&x) || !nilA.Equal(nil) {
		t.Errorf("nil handling")
	}
}

func TestORAddressIsEmpty(t *testing.T) {
	var a ORAddress
	if !a.IsEmpty() {
		t.Error("zero address not empty")
	}
	a.ZeroLength = AttrADMD
	if a.IsEmpty() {
		t.Error("zero-length ADMD is an attribute")
	}
	a = ORAddress{Universal: &UniversalAttributes{}}
	if !a.IsEmpty() {
		t.Error("empty universal struct")
	}
	a.Universal.PosteRestante.Text = "x"
	if a.IsEmpty() {
		t.Error("universal attribute ignored")
	}
}

func FuzzORName(f *testing.F) {
	for _, file := range []string{"oraddr_pp1988_originator.ber", "oraddr_pp1988_recipient.ber"} {
		if b, err := os.ReadFile("testdata/" + file); err == nil {
			f.Add(b)
		}
	}
	full := oraddrFull()
	f.Add(oraddrEncodeName(f, &full))
	full.ExtendedNetworkAddress = &ExtendedNetworkAddress{PSAPAddress: Raw{0xa0, 0x06, 0xa3, 0x04, 0x04, 0x02, 0x01, 0x02}}
	f.Add(oraddrEncodeName(f, &full))
	f.Add(oraddrHex(f, "60 80 30 80 61 80 13 02 47 42 00 00 a3 09 04 02 61 6c 04 03 70 68 61 00 00 31 80 30 80 80 02 00 c8 a1 80 24 80 04 01 41 00 00 00 00 00 00 00 00 00 00"))
	f.Add(oraddrHex(f, "60 0c 30 06 61 04 12 03 32 33 34 a0 02 30 00"))
	for _, c := range oraddrTextCases {
		if a, err := ParseORAddress(c.in); err == nil {
			n := ORName{ORAddress: a}
			f.Add(oraddrEncodeName(f, &n))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		n, err := oraddrDecodeName(in)
		if err != nil {
			return
		}
		_ = n.String()
		_ = n.Validate()
		if !n.Equal(&n) {
			t.Fatalf("not equal to itself")
		}
		b := ber.NewBuilder(0)
		n.encode(b, ber.Application(0))
		if b.Err() != nil {
			t.Fatalf("encode after a successful decode: %v", b.Err())
		}
		enc := append([]byte(nil), b.Bytes()...)
		n2, err := oraddrDecodeName(enc)
		if err != nil {
			t.Fatalf("decode of the re-encoding: %v\n%x", err, enc)
		}
		b.Reset()
		n2.encode(b, ber.Application(0))
		if b.Err() != nil || !bytes.Equal(b.Bytes(), enc) {
			t.Fatalf("re-encoding not stable (%v):\n%x\n%x", b.Err(), enc, b.Bytes())
		}
		if !n.Equal(&n2) {
			t.Fatalf("decode(encode(n)) not Equal to n")
		}
	})
}
