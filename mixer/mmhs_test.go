package mixer

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"mixerd/x400"
)

// mmhsWantErr checks that err is an *MMHSError for field at offset off
// whose message contains sub.
func mmhsWantErr(t *testing.T, err error, field string, off int, sub string) {
	t.Helper()
	var me *MMHSError
	if !errors.As(err, &me) {
		t.Fatalf("error %v (%T), want *MMHSError", err, err)
	}
	if me.Field != field || me.Offset != off || !strings.Contains(me.Msg, sub) {
		t.Fatalf("error %q (field %q offset %d), want field %q offset %d containing %q", err, me.Field, me.Offset, field, off, sub)
	}
	if !strings.Contains(err.Error(), field) {
		t.Fatalf("error text %q does not name %s", err, field)
	}
}

func TestMMHSFieldNamesRFC6477Section3(t *testing.T) {
	// RFC 6477 §3, the registration table: exactly fourteen fields.
	want := []string{
		"MMHS-Exempted-Address", "MMHS-Extended-Authorisation-Info",
		"MMHS-Subject-Indicator-Codes", "MMHS-Handling-Instructions",
		"MMHS-Message-Instructions", "MMHS-Codress-Message-Indicator",
		"MMHS-Originator-Reference", "MMHS-Primary-Precedence",
		"MMHS-Copy-Precedence", "MMHS-Message-Type",
		"MMHS-Other-Recipients-Indicator-To", "MMHS-Other-Recipients-Indicator-CC",
		"MMHS-Acp127-Message-Identifier", "MMHS-Originator-PLAD",
	}
	if !slices.Equal(MMHSFieldNames[:], want) {
		t.Fatalf("MMHSFieldNames = %q\nwant %q", MMHSFieldNames, want)
	}
	for _, n := range want {
		got, ok := MMHSFieldName(strings.ToLower(n))
		if !ok || got != n {
			t.Errorf("MMHSFieldName(%q) = %q, %v", strings.ToLower(n), got, ok)
		}
	}
	for _, n := range []string{"MMHS-Codress-Message", "MMHS-Pilot-Forwarding-Info", "X-MMHS-Primary-Precedence", ""} {
		if _, ok := MMHSFieldName(n); ok {
			t.Errorf("MMHSFieldName(%q) ok, not an RFC 6477 field", n)
		}
	}
}

func TestMMHSExemptedAddressRFC6477Section3_1(t *testing.T) {
	// RFC 6477 §3.1 Example, folded as in the RFC.
	v := "\r\n UK SHL CGT Samuals G <graham.samuals@shl.example.com>,\r\n UK SHL Duty Officer <duty@shl.example.com>"
	got, err := ParseMMHSExemptedAddress(v)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"UK SHL CGT Samuals G <graham.samuals@shl.example.com>", "UK SHL Duty Officer <duty@shl.example.com>"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	f, err := FormatMMHSExemptedAddress(want)
	if err != nil {
		t.Fatal(err)
	}
	if f != want[0]+", "+want[1] {
		t.Fatalf("format = %q", f)
	}
	// Commas that do not separate addresses (RFC 5322 §3.4).
	tricky := []string{
		`"Samuals, G" <g@shl.example.com>`,
		`duty@shl.example.com (Duty, Officer)`,
		`<@relay1,@relay2:ops@[IPv6:2001:db8::1]>`,
		`Watch: a@x.example, b@x.example;`,
		`legal@[192.0.2.1]`,
	}
	f, err = FormatMMHSExemptedAddress(tricky)
	if err != nil {
		t.Fatal(err)
	}
	got, err = ParseMMHSExemptedAddress(f)
	if err != nil || !slices.Equal(got, tricky) {
		t.Fatalf("round trip of %q: %q, %v", f, got, err)
	}
	// Empty list elements (obs-addr-list, RFC 5322 §4.4) are skipped.
	got, err = ParseMMHSExemptedAddress(" a@x.example ,, b@x.example, ")
	if err != nil || !slices.Equal(got, []string{"a@x.example", "b@x.example"}) {
		t.Fatalf("obs-addr-list: %q, %v", got, err)
	}
}

func TestMMHSExemptedAddressErrors(t *testing.T) {
	const f = FieldMMHSExemptedAddress
	for _, c := range []struct {
		in  string
		off int
		sub string
	}{
		{"", 0, "no address"},
		{" , ", 0, "no address"},
		{`"Duty <d@x.example>`, 0, "quoted string not closed"},
		{`d@x.example (Duty`, 12, "comment not closed"},
		{`Duty <d@x.example`, 5, "angle address not closed"},
		{`a@x.example, Watch: b@x.example`, 18, "group not closed"},
		{`a@x.example; b@x.example`, 11, `";" outside a group`},
		{`a@[192.0.2.1`, 2, "domain literal not closed"},
		{`a@x.example)`, 11, "unbalanced"},
		{"a@x.example\r\nb@x.example", 11, "not a fold"},
		{"a@x.example\x00", 11, "control character"},
	} {
		_, err := ParseMMHSExemptedAddress(c.in)
		mmhsWantErr(t, err, f, c.off, c.sub)
	}
	for _, in := range [][]string{nil, {"a@x.example, b@x.example"}, {""}, {"a@x.example\r\n"}, {"(x"}} {
		_, err := FormatMMHSExemptedAddress(in)
		mmhsWantErr(t, err, f, -1, "")
	}
}

func TestMMHSExtendedAuthorisationInfoRFC6477Section3_2(t *testing.T) {
	// RFC 6477 §3.2 Example, with its folding white space.
	got, err := ParseMMHSExtendedAuthorisationInfo("\r\n   Mon, 09 Aug 2010 15:27:40 +0100")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2010, time.August, 9, 14, 27, 40, 0, time.UTC)
	if !got.Equal(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if f, err := FormatMMHSExtendedAuthorisationInfo(got); err != nil || f != "Mon, 09 Aug 2010 15:27:40 +0100" {
		t.Fatalf("format = %q, %v", f, err)
	}
	// The sample heading's UTCTime in UTC.
	if f, err := FormatMMHSExtendedAuthorisationInfo(x400.SampleMilitaryHeading().ExtendedAuthorisationInfo); err != nil || f != "Fri, 22 Nov 2024 14:30:00 +0000" {
		t.Fatalf("format = %q, %v", f, err)
	}
	// Without the day of week and with a comment (RFC 5322 §3.3).
	if got, err := ParseMMHSExtendedAuthorisationInfo("9 Aug 2010 15:27:40 +0100 (BST)"); err != nil || !got.Equal(want) {
		t.Fatalf("got %v, %v", got, err)
	}
	_, err = ParseMMHSExtendedAuthorisationInfo("yesterday")
	mmhsWantErr(t, err, FieldMMHSExtendedAuthorisationInfo, 0, "not an RFC 5322 date-time")
	_, err = ParseMMHSExtendedAuthorisationInfo("Mon, 09 Aug 1850 15:27:40 +0100")
	mmhsWantErr(t, err, FieldMMHSExtendedAuthorisationInfo, 0, "1900")
	_, err = FormatMMHSExtendedAuthorisationInfo(time.Time{})
	mmhsWantErr(t, err, FieldMMHSExtendedAuthorisationInfo, -1, "no time")
}

func TestMMHSSubjectIndicatorCodesRFC6477Section3_3(t *testing.T) {
	// RFC 6477 §3.3 Example.
	got, err := ParseMMHSSubjectIndicatorCodes("SDM; KKZ ; BRL")
	if err != nil || !slices.Equal(got, []string{"SDM", "KKZ", "BRL"}) {
		t.Fatalf("got %q, %v", got, err)
	}
	if f, err := FormatMMHSSubjectIndicatorCodes(got); err != nil || f != "SDM; KKZ; BRL" {
		t.Fatalf("format = %q, %v", f, err)
	}
	// More than eight SICs parse (RFC 6477 §4 sic-sequence comment).
	nine := "AAA;BBB;CCC;DDD;EEE;FFF;GGG;HHH;III"
	if got, err := ParseMMHSSubjectIndicatorCodes(nine); err != nil || len(got) != 9 {
		t.Fatalf("nine SICs: %q, %v", got, err)
	}
	const f = FieldMMHSSubjectIndicatorCodes
	for _, c := range []struct {
		in  string
		off int
		sub string
	}{
		{"", 0, "SIC expected"},
		{"SDM; KK", 5, "shorter than 3"},
		{"SDMABCDEF", 0, "longer than 8"},
		{"SDM;", 4, "SIC expected"},
		{"SDM;;KKZ", 4, "SIC expected"},
		{"SDM, KKZ; BRLX_", 14, `";" or end expected, found '_'`},
		{"SDM\r\nKKZ", 3, "not a fold"},
	} {
		_, err := ParseMMHSSubjectIndicatorCodes(c.in)
		mmhsWantErr(t, err, f, c.off, c.sub)
	}
	for _, in := range [][]string{nil, {"AB"}, {"ABCDEFGHI"}, {"AB;C"}, {" ABC"}, {"ÄBC"}} {
		_, err := FormatMMHSSubjectIndicatorCodes(in)
		mmhsWantErr(t, err, f, -1, "")
	}
}

func TestMMHSInstructionsRFC6477Sections3_4And3_5(t *testing.T) {
	// RFC 6477 §3.4 Example: one handling instruction with spaces.
	got, err := ParseMMHSHandlingInstructions("RXFPA ZOV MINDEF")
	if err != nil || !slices.Equal(got, []string{"RXFPA ZOV MINDEF"}) {
		t.Fatalf("got %q, %v", got, err)
	}
	// RFC 6477 §3.5 Example: two message instructions.
	got, err = ParseMMHSMessageInstructions("MINIMIZE CONSIDERED; NO DISTRIBUTION")
	if err != nil || !slices.Equal(got, []string{"MINIMIZE CONSIDERED", "NO DISTRIBUTION"}) {
		t.Fatalf("got %q, %v", got, err)
	}
	if f, err := FormatMMHSMessageInstructions(got); err != nil || f != "MINIMIZE CONSIDERED; NO DISTRIBUTION" {
		t.Fatalf("format = %q, %v", f, err)
	}
	// Folded between elements and inside one.
	got, err = ParseMMHSMessageInstructions("MINIMIZE\r\n CONSIDERED ;\r\n\tNO DISTRIBUTION\t")
	if err != nil || !slices.Equal(got, []string{"MINIMIZE CONSIDERED", "NO DISTRIBUTION"}) {
		t.Fatalf("folded: %q, %v", got, err)
	}
	_, err = ParseMMHSHandlingInstructions("RXFPA & ZOV")
	mmhsWantErr(t, err, FieldMMHSHandlingInstructions, 6, `found '&'`)
	_, err = ParseMMHSMessageInstructions(strings.Repeat("X", 70))
	mmhsWantErr(t, err, FieldMMHSMessageInstructions, 0, "longer than 69")
	_, err = FormatMMHSHandlingInstructions([]string{"OK", "NOT;OK"})
	mmhsWantErr(t, err, FieldMMHSHandlingInstructions, -1, `';' at 3`)
	_, err = FormatMMHSMessageInstructions([]string{})
	mmhsWantErr(t, err, FieldMMHSMessageInstructions, -1, "no message instruction")
}

func TestMMHSCodressMessageIndicatorRFC6477Section3_6(t *testing.T) {
	// RFC 6477 §3.6 Example.
	if n, err := ParseMMHSCodressMessageIndicator("23"); err != nil || n != 23 {
		t.Fatalf("got %d, %v", n, err)
	}
	if n, err := ParseMMHSCodressMessageIndicator(" 0 "); err != nil || n != 0 {
		t.Fatalf("got %d, %v", n, err)
	}
	if f, err := FormatMMHSCodressMessageIndicator(23); err != nil || f != "23" {
		t.Fatalf("format = %q, %v", f, err)
	}
	const f = FieldMMHSCodressMessageIndicator
	for _, c := range []struct {
		in  string
		off int
		sub string
	}{
		{"", 0, "number expected"},
		{"-1", 0, "number expected"},
		{"023", 0, "leading zero"},
		{" 2147483648", 1, "out of range"},
		{"99999999999999999999999", 0, "out of range"},
		{"23 (codress)", 3, "unexpected '('"},
		{"2 3", 2, "unexpected '3'"},
	} {
		_, err := ParseMMHSCodressMessageIndicator(c.in)
		mmhsWantErr(t, err, f, c.off, c.sub)
	}
	_, err := FormatMMHSCodressMessageIndicator(-5)
	mmhsWantErr(t, err, f, -1, "negative")
}

func TestMMHSMilitaryStringFieldsRFC6477(t *testing.T) {
	for _, c := range []struct {
		field  string
		parse  func(string) (string, error)
		format func(string) (string, error)
		in     string // RFC example value
	}{
		{FieldMMHSOriginatorReference, ParseMMHSOriginatorReference, FormatMMHSOriginatorReference, "IMSCOM-JIC-612-78"},              // §3.7
		{FieldMMHSAcp127MessageIdentifier, ParseMMHSAcp127MessageIdentifier, FormatMMHSAcp127MessageIdentifier, "RPDLE 1234 0341215"}, // §3.13
		{FieldMMHSOriginatorPLAD, ParseMMHSOriginatorPLAD, FormatMMHSOriginatorPLAD, "SACLANT"},                                       // §3.14
	} {
		got, err := c.parse(" " + c.in + " ")
		if err != nil || got != c.in {
			t.Errorf("%s: got %q, %v", c.field, got, err)
		}
		if f, err := c.format(c.in); err != nil || f != c.in {
			t.Errorf("%s: format = %q, %v", c.field, f, err)
		}
		// "(" and ")" are ps-chars, not comments, in a military-string.
		if got, err := c.parse("A (B)"); err != nil || got != "A (B)" {
			t.Errorf("%s: got %q, %v", c.field, got, err)
		}
		_, err = c.parse("")
		mmhsWantErr(t, err, c.field, 0, "expected")
		_, err = c.parse("SACLANT; SHAPE")
		mmhsWantErr(t, err, c.field, 7, "unexpected ';'")
		_, err = c.parse("SACLANT\"")
		mmhsWantErr(t, err, c.field, 7, `unexpected '"'`)
		_, err = c.parse(strings.Repeat("A", 70))
		mmhsWantErr(t, err, c.field, 0, "longer than 69")
		// RFC 6477 §3.7 Note: no leading or trailing spaces.
		_, err = c.format(" " + c.in)
		mmhsWantErr(t, err, c.field, -1, "leading or trailing space")
		_, err = c.format("")
		mmhsWantErr(t, err, c.field, -1, "empty")
		_, err = c.format("A*B")
		mmhsWantErr(t, err, c.field, -1, "'*' at 1")
	}
}

func TestMMHSPrecedenceRFC6477Sections3_8And3_9(t *testing.T) {
	for _, c := range []struct {
		field, in string
		want      x400.Precedence
	}{
		{FieldMMHSPrimaryPrecedence, "0 (Deferred)", x400.PrecedenceDeferred}, // §3.8 Example 1
		{FieldMMHSPrimaryPrecedence, "FLASH", x400.PrecedenceFlash},           // §3.8 Example 2
		{FieldMMHSPrimaryPrecedence, "7", 7},                                  // §3.8 Example 3
		{FieldMMHSCopyPrecedence, "2 (priority)", x400.PrecedencePriority},    // §3.9 Example 1
		{FieldMMHSCopyPrecedence, "Priority", x400.PrecedencePriority},        // §3.9 Example 2
		// §3.8: the six labels, case-insensitive, "same as" 0 to 5.
		{FieldMMHSPrimaryPrecedence, "deferred", 0},
		{FieldMMHSPrimaryPrecedence, "Routine", 1},
		{FieldMMHSPrimaryPrecedence, "pRiOrItY", 2},
		{FieldMMHSPrimaryPrecedence, "IMMEDIATE", 3},
		{FieldMMHSPrimaryPrecedence, "flash", 4},
		{FieldMMHSPrimaryPrecedence, " override (ECP) \r\n (really) ", 5},
		{FieldMMHSPrimaryPrecedence, "31", x400.MaxNationalPrecedence},
		{FieldMMHSPrimaryPrecedence, "4(nested (comment \\) ok))", 4},
	} {
		got, err := ParseMMHSPrecedence(c.field, c.in)
		if err != nil || got != c.want {
			t.Errorf("%s: %q = %d, %v; want %d", c.field, c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		p    x400.Precedence
		want string
	}{
		{0, "DEFERRED"}, {1, "ROUTINE"}, {2, "PRIORITY"}, {3, "IMMEDIATE"},
		{4, "FLASH"}, {5, "OVERRIDE"}, {7, "7"}, {16, "16"},
	} {
		f, err := FormatMMHSPrecedence(FieldMMHSCopyPrecedence, c.p)
		if err != nil || f != c.want {
			t.Errorf("format %d = %q, %v; want %q", c.p, f, err, c.want)
		}
		if back, err := ParseMMHSPrecedence(FieldMMHSCopyPrecedence, f); err != nil || back != c.p {
			t.Errorf("round trip %d: %d, %v", c.p, back, err)
		}
	}
	for _, c := range []struct {
		in  string
		off int
		sub string
	}{
		{"", 0, "precedence expected"},
		{"Z", 0, `unknown precedence "Z"`}, // ACP 127 prosigns are not RFC 6477
		{"urgent", 0, `unknown precedence "urgent"`},
		{"flash!", 5, "unexpected '!'"},
		{"05", 0, "leading zero"},
		{"-1", 0, "precedence expected"},
		{"4 (flash", 2, "comment not closed"},
		{"4 5", 2, "unexpected '5'"},
		{"2147483648", 0, "out of range"},
	} {
		_, err := ParseMMHSPrecedence(FieldMMHSCopyPrecedence, c.in)
		mmhsWantErr(t, err, FieldMMHSCopyPrecedence, c.off, c.sub)
	}
	_, err := FormatMMHSPrecedence(FieldMMHSPrimaryPrecedence, -1)
	mmhsWantErr(t, err, FieldMMHSPrimaryPrecedence, -1, "negative")
}

func TestMMHSMessageTypeRFC6477Section3_10(t *testing.T) {
	for _, c := range []struct {
		in   string
		want x400.MessageType
	}{
		{`0(exercise); identifier="CANDLE FISH"`, x400.MessageType{Type: x400.MessageTypeExercise, Identifier: "CANDLE FISH"}}, // Example 1
		{"3", x400.MessageType{Type: x400.MessageTypeDrill}},                                                                   // Example 2
		{"2 (projet)", x400.MessageType{Type: x400.MessageTypeProject}},                                                        // Example 3
		{"project", x400.MessageType{Type: x400.MessageTypeProject}},                                                           // Example 4
		{"OPERATION ;identifier = \" X \" ", x400.MessageType{Type: x400.MessageTypeOperation, Identifier: " X "}},
		{"200; IDENTIFIER=\"NATIONAL\"", x400.MessageType{Type: 200, Identifier: "NATIONAL"}},
	} {
		got, err := ParseMMHSMessageType(c.in)
		if err != nil || got != c.want {
			t.Errorf("%q = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		mt   x400.MessageType
		want string
	}{
		{x400.MessageType{Type: x400.MessageTypeExercise, Identifier: "CANDLE FISH"}, `exercise; identifier="CANDLE FISH"`},
		{x400.MessageType{Type: x400.MessageTypeDrill}, "drill"},
		{x400.MessageType{Type: 128}, "128"},
		{*x400.SampleMilitaryHeading().MessageType, `operation; identifier="STEADFAST DEFENDER"`},
		{x400.MessageType{Type: 1, Identifier: " X "}, `operation; identifier=" X "`},
	} {
		f, err := FormatMMHSMessageType(c.mt)
		if err != nil || f != c.want {
			t.Errorf("format %+v = %q, %v; want %q", c.mt, f, err, c.want)
		}
		if back, err := ParseMMHSMessageType(f); err != nil || back != c.mt {
			t.Errorf("round trip %+v: %+v, %v", c.mt, back, err)
		}
	}
	const f = FieldMMHSMessageType
	for _, c := range []struct {
		in  string
		off int
		sub string
	}{
		{"", 0, "message type expected"},
		{"manoeuvre", 0, `unknown message type "manoeuvre"`},
		{"1 identifier=\"X\"", 2, `";" or end expected`},
		{"1; name=\"X\"", 3, `"identifier" expected`},
		{"1; identifier \"X\"", 14, `"=" expected`},
		{"1; identifier=X", 14, "quoted identifier expected"},
		{"1; identifier=\"X", 14, "not closed"},
		{"1; identifier=\"X;Y\"", 16, "';' in the identifier"},
		{"1; identifier=\"\"", 15, "empty identifier"},
		{"1; identifier=\"" + strings.Repeat("A", 70) + "\"", 15, "longer than 69"},
		{"1; identifier=\"X\" trailing", 18, "unexpected 't'"},
		{"007", 0, "leading zero"},
	} {
		_, err := ParseMMHSMessageType(c.in)
		mmhsWantErr(t, err, f, c.off, c.sub)
	}
	_, err := FormatMMHSMessageType(x400.MessageType{Type: -1})
	mmhsWantErr(t, err, f, -1, "negative")
	_, err = FormatMMHSMessageType(x400.MessageType{Type: 1, Identifier: `"QUOTED"`})
	mmhsWantErr(t, err, f, -1, "not a PrintableString character")
}

func TestMMHSOtherRecipientsRFC6477Sections3_11And3_12(t *testing.T) {
	// RFC 6477 §3.11 and §3.12 Examples.
	to, err := ParseMMHSOtherRecipients(x400.OtherRecipientPrimary, "UK SHL COS; UK SHL IM")
	if err != nil {
		t.Fatal(err)
	}
	cc, err := ParseMMHSOtherRecipients(x400.OtherRecipientCopy, "UK SHL LEGAD")
	if err != nil {
		t.Fatal(err)
	}
	want := []x400.OtherRecipient{
		{Type: x400.OtherRecipientPrimary, Designator: "UK SHL COS"},
		{Type: x400.OtherRecipientPrimary, Designator: "UK SHL IM"},
		{Type: x400.OtherRecipientCopy, Designator: "UK SHL LEGAD"},
	}
	all := append(to, cc...)
	if !reflect.DeepEqual(all, want) {
		t.Fatalf("got %+v, want %+v", all, want)
	}
	if f, err := FormatMMHSOtherRecipients(x400.OtherRecipientPrimary, all); err != nil || f != "UK SHL COS; UK SHL IM" {
		t.Fatalf("To = %q, %v", f, err)
	}
	if f, err := FormatMMHSOtherRecipients(x400.OtherRecipientCopy, all); err != nil || f != "UK SHL LEGAD" {
		t.Fatalf("CC = %q, %v", f, err)
	}
	if f, err := FormatMMHSOtherRecipients(x400.OtherRecipientCopy, to); err != nil || f != "" {
		t.Fatalf("CC of primaries only = %q, %v", f, err)
	}
	_, err = ParseMMHSOtherRecipients(x400.OtherRecipientCopy, "UK SHL LEGAD; ")
	mmhsWantErr(t, err, FieldMMHSOtherRecipientsIndicatorCC, 14, "designator expected")
	_, err = ParseMMHSOtherRecipients(x400.OtherRecipientPrimary, "UK SHL COS, <cos@shl.example>")
	mmhsWantErr(t, err, FieldMMHSOtherRecipientsIndicatorTo, 12, `found '<'`)
	_, err = ParseMMHSOtherRecipients(2, "X")
	mmhsWantErr(t, err, FieldMMHSOtherRecipientsIndicatorTo, 0, "neither primary nor copy")
	_, err = FormatMMHSOtherRecipients(x400.OtherRecipientCopy, []x400.OtherRecipient{{Type: 7, Designator: "X"}})
	mmhsWantErr(t, err, FieldMMHSOtherRecipientsIndicatorCC, -1, "neither primary nor copy")
	_, err = FormatMMHSOtherRecipients(x400.OtherRecipientCopy, []x400.OtherRecipient{{Type: 1, Designator: "A@B"}})
	mmhsWantErr(t, err, FieldMMHSOtherRecipientsIndicatorCC, -1, "'@' at 1")
}

// TestMMHSSampleHeadingRoundTrip takes every field of x400's sample P772
// heading to its header field and back.
func TestMMHSSampleHeadingRoundTrip(t *testing.T) {
	m := x400.SampleMilitaryHeading()
	must := func(v string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var back x400.MilitaryHeading
	pp, err := ParseMMHSPrecedence(FieldMMHSPrimaryPrecedence, must(FormatMMHSPrecedence(FieldMMHSPrimaryPrecedence, *m.PrimaryPrecedence)))
	if err != nil {
		t.Fatal(err)
	}
	cp, err := ParseMMHSPrecedence(FieldMMHSCopyPrecedence, must(FormatMMHSPrecedence(FieldMMHSCopyPrecedence, *m.CopyPrecedence)))
	if err != nil {
		t.Fatal(err)
	}
	back.PrimaryPrecedence, back.CopyPrecedence = &pp, &cp
	mt, err := ParseMMHSMessageType(must(FormatMMHSMessageType(*m.MessageType)))
	if err != nil {
		t.Fatal(err)
	}
	back.MessageType = &mt
	if back.ExtendedAuthorisationInfo, err = ParseMMHSExtendedAuthorisationInfo(must(FormatMMHSExtendedAuthorisationInfo(m.ExtendedAuthorisationInfo))); err != nil {
		t.Fatal(err)
	}
	back.ExtendedAuthorisationInfo = back.ExtendedAuthorisationInfo.UTC()
	sics, err := ParseMMHSSubjectIndicatorCodes(must(FormatMMHSSubjectIndicatorCodes(m.DistributionCodes.SICs)))
	if err != nil {
		t.Fatal(err)
	}
	back.DistributionCodes = &x400.DistributionCodes{SICs: sics}
	if back.HandlingInstructions, err = ParseMMHSHandlingInstructions(must(FormatMMHSHandlingInstructions(m.HandlingInstructions))); err != nil {
		t.Fatal(err)
	}
	if back.MessageInstructions, err = ParseMMHSMessageInstructions(must(FormatMMHSMessageInstructions(m.MessageInstructions))); err != nil {
		t.Fatal(err)
	}
	if back.OriginatorReference, err = ParseMMHSOriginatorReference(must(FormatMMHSOriginatorReference(m.OriginatorReference))); err != nil {
		t.Fatal(err)
	}
	for _, typ := range []x400.OtherRecipientType{x400.OtherRecipientPrimary, x400.OtherRecipientCopy} {
		rs, err := ParseMMHSOtherRecipients(typ, must(FormatMMHSOtherRecipients(typ, m.OtherRecipients)))
		if err != nil {
			t.Fatal(err)
		}
		back.OtherRecipients = append(back.OtherRecipients, rs...)
	}
	if back.ACP127MessageIdentifier, err = ParseMMHSAcp127MessageIdentifier(must(FormatMMHSAcp127MessageIdentifier(m.ACP127MessageIdentifier))); err != nil {
		t.Fatal(err)
	}
	if back.OriginatorPLAD, err = ParseMMHSOriginatorPLAD(must(FormatMMHSOriginatorPLAD(m.OriginatorPLAD))); err != nil {
		t.Fatal(err)
	}
	// The exempted address goes through the address mapping (not here).
	back.ExemptedAddresses = m.ExemptedAddresses
	if !reflect.DeepEqual(&back, m) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", &back, m)
	}
	n := 117
	if c, err := ParseMMHSCodressMessageIndicator(must(FormatMMHSCodressMessageIndicator(n))); err != nil || c != n {
		t.Fatalf("codress: %d, %v", c, err)
	}
}

func TestMTPriorityRFC6710AppendixA(t *testing.T) {
	// RFC 6710 Appendix A, Table 1 (policy "STANAG4406").
	table1 := []struct {
		v int
		p x400.Precedence
	}{
		{-4, x400.PrecedenceDeferred}, {-2, x400.PrecedenceRoutine},
		{0, x400.PrecedencePriority}, {2, x400.PrecedenceImmediate},
		{4, x400.PrecedenceFlash}, {6, x400.PrecedenceOverride},
	}
	for _, r := range table1 {
		if got := MTPriorityOfPrecedence(MTPrioritySTANAG4406, r.p); got != r.v {
			t.Errorf("STANAG4406: %v -> %d, want %d", r.p, got, r.v)
		}
		if got := PrecedenceOfMTPriority(MTPrioritySTANAG4406, r.v); got != r.p {
			t.Errorf("STANAG4406: %d -> %v, want %v", r.v, got, r.p)
		}
	}
	// Between rows: the lower row, never a promotion.
	for v, want := range map[int]x400.Precedence{-9: 0, -3: 0, -1: 1, 1: 2, 3: 3, 5: 4, 9: 5} {
		if got := PrecedenceOfMTPriority(MTPrioritySTANAG4406, v); got != want {
			t.Errorf("STANAG4406: %d -> %v, want %v", v, got, want)
		}
	}
	// RFC 6710 Appendix B, Table 2 (policy "MIXER"): a precedence goes by
	// its X.411 priority. The policy "" is Table 1's (Appendix A: "Where
	// SMTP is used to support military messaging").
	for _, c := range []struct {
		p x400.Precedence
		v int
	}{
		{x400.PrecedenceDeferred, -4}, {x400.PrecedenceRoutine, 0}, {x400.PrecedencePriority, 0},
		{x400.PrecedenceImmediate, 4}, {x400.PrecedenceFlash, 4}, {x400.PrecedenceOverride, 4},
	} {
		if got := MTPriorityOfPrecedence(MTPriorityMIXER, c.p); got != c.v {
			t.Errorf("MIXER: %v -> %d, want %d", c.p, got, c.v)
		}
		if got := MTPriorityOfPrecedence("", c.p); got != c.p.MTPriority() {
			t.Errorf("default policy (Table 1 for military messages): %v -> %d, want %d", c.p, got, c.p.MTPriority())
		}
	}
	for v, want := range map[int]x400.Precedence{-4: x400.PrecedenceDeferred, 0: x400.PrecedenceRoutine, 4: x400.PrecedenceImmediate, -1: x400.PrecedenceDeferred, 3: x400.PrecedenceRoutine} {
		if got := PrecedenceOfMTPriority(MTPriorityMIXER, v); got != want {
			t.Errorf("MIXER: %d -> %v, want %v", v, got, want)
		}
	}
	if !MTPriorityMIXER.Valid() || !MTPrioritySTANAG4406.Valid() || MTPriorityPolicy("stanag4406").Valid() {
		t.Error("Valid")
	}
}

func TestMTPriorityValueRFC6710Section3(t *testing.T) {
	for v := -9; v <= 9; v++ {
		s, err := FormatMTPriority(v)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := ParseMTPriority(s); err != nil || back != v {
			t.Errorf("%d -> %q -> %d, %v", v, s, back, err)
		}
	}
	for _, c := range []struct {
		in  string
		off int
	}{{"", 0}, {"-0", 1}, {"+1", 0}, {"01", 0}, {" 1", 0}, {"10", 0}, {"-10", 0}, {"-", 0}, {"a", 0}, {"--1", 1}} {
		_, err := ParseMTPriority(c.in)
		mmhsWantErr(t, err, "MT-PRIORITY", c.off, "")
	}
	for _, v := range []int{-10, 10} {
		_, err := FormatMTPriority(v)
		mmhsWantErr(t, err, "MT-PRIORITY", -1, "outside -9 to 9")
	}
}

// FuzzParseMMHS runs every parser of this file on arbitrary values: none
// may panic, and what parses must format and parse again to the same
// value.
func FuzzParseMMHS(f *testing.F) {
	for i, v := range []string{
		"\r\n UK SHL CGT Samuals G <graham.samuals@shl.example.com>,\r\n UK SHL Duty Officer <duty@shl.example.com>",
		"\r\n   Mon, 09 Aug 2010 15:27:40 +0100",
		"SDM; KKZ ; BRL",
		"RXFPA ZOV MINDEF",
		"MINIMIZE CONSIDERED; NO DISTRIBUTION",
		"23",
		"IMSCOM-JIC-612-78",
		"0 (Deferred)",
		"2 (priority)",
		`0(exercise); identifier="CANDLE FISH"`,
		"UK SHL COS; UK SHL IM",
		"UK SHL LEGAD",
		"RPDLE 1234 0341215",
		"SACLANT",
		"-4",
	} {
		f.Add(uint8(i), v)
		f.Add(uint8(i+1), v)
	}
	f.Add(uint8(0), `"a, b" <x@y>, G: a@b, c@[d,e];, (c,)d@e`)
	f.Fuzz(func(t *testing.T, which uint8, v string) {
		switch which % 15 {
		case 0:
			a, err := ParseMMHSExemptedAddress(v)
			if err != nil {
				return
			}
			s, err := FormatMMHSExemptedAddress(a)
			if err != nil {
				t.Fatalf("%q parsed to %q, which does not format: %v", v, a, err)
			}
			b, err := ParseMMHSExemptedAddress(s)
			if err != nil || !slices.Equal(a, b) {
				t.Fatalf("%q -> %q -> %q -> %q, %v", v, a, s, b, err)
			}
		case 1:
			a, err := ParseMMHSExtendedAuthorisationInfo(v)
			if err != nil {
				return
			}
			s, err := FormatMMHSExtendedAuthorisationInfo(a)
			if err != nil {
				t.Fatalf("%q parsed to %v, which does not format: %v", v, a, err)
			}
			b, err := ParseMMHSExtendedAuthorisationInfo(s)
			if err != nil || !a.Equal(b) {
				t.Fatalf("%q -> %v -> %q -> %v, %v", v, a, s, b, err)
			}
		case 2, 3, 4, 11, 12:
			type pair struct {
				parse  func(string) ([]string, error)
				format func([]string) (string, error)
			}
			p := map[uint8]pair{
				2: {ParseMMHSSubjectIndicatorCodes, FormatMMHSSubjectIndicatorCodes},
				3: {ParseMMHSHandlingInstructions, FormatMMHSHandlingInstructions},
				4: {ParseMMHSMessageInstructions, FormatMMHSMessageInstructions},
				11: {func(s string) ([]string, error) { return mmhsDesignators(x400.OtherRecipientPrimary, s) },
					func(d []string) (string, error) { return mmhsFormatDesignators(x400.OtherRecipientPrimary, d) }},
				12: {func(s string) ([]string, error) { return mmhsDesignators(x400.OtherRecipientCopy, s) },
					func(d []string) (string, error) { return mmhsFormatDesignators(x400.OtherRecipientCopy, d) }},
			}[which%15]
			a, err := p.parse(v)
			if err != nil {
				return
			}
			s, err := p.format(a)
			if err != nil {
				t.Fatalf("%q parsed to %q, which does not format: %v", v, a, err)
			}
			b, err := p.parse(s)
			if err != nil || !slices.Equal(a, b) {
				t.Fatalf("%q -> %q -> %q -> %q, %v", v, a, s, b, err)
			}
		case 5:
			a, err := ParseMMHSCodressMessageIndicator(v)
			if err != nil {
				return
			}
			s, err := FormatMMHSCodressMessageIndicator(a)
			if err != nil {
				t.Fatal(err)
			}
			if b, err := ParseMMHSCodressMessageIndicator(s); err != nil || a != b {
				t.Fatalf("%q -> %d -> %q -> %d, %v", v, a, s, b, err)
			}
		case 6, 13, 14:
			parse, format := ParseMMHSOriginatorReference, FormatMMHSOriginatorReference
			if which%15 == 13 {
				parse, format = ParseMMHSAcp127MessageIdentifier, FormatMMHSAcp127MessageIdentifier
			} else if which%15 == 14 {
				parse, format = ParseMMHSOriginatorPLAD, FormatMMHSOriginatorPLAD
			}
			a, err := parse(v)
			if err != nil {
				return
			}
			s, err := format(a)
			if err != nil {
				t.Fatalf("%q parsed to %q, which does not format: %v", v, a, err)
			}
			if b, err := parse(s); err != nil || a != b {
				t.Fatalf("%q -> %q -> %q -> %q, %v", v, a, s, b, err)
			}
		case 7, 8:
			field := FieldMMHSPrimaryPrecedence
			if which%15 == 8 {
				field = FieldMMHSCopyPrecedence
			}
			a, err := ParseMMHSPrecedence(field, v)
			if err != nil {
				return
			}
			s, err := FormatMMHSPrecedence(field, a)
			if err != nil {
				t.Fatal(err)
			}
			if b, err := ParseMMHSPrecedence(field, s); err != nil || a != b {
				t.Fatalf("%q -> %d -> %q -> %d, %v", v, a, s, b, err)
			}
			// MT-PRIORITY values parse the same way in both policies' range.
			if mt, err := ParseMTPriority(v); err == nil {
				if s, err := FormatMTPriority(mt); err != nil || s != v {
					t.Fatalf("MT-PRIORITY %q -> %d -> %q, %v", v, mt, s, err)
				}
			}
		case 9, 10:
			a, err := ParseMMHSMessageType(v)
			if err != nil {
				return
			}
			s, err := FormatMMHSMessageType(a)
			if err != nil {
				t.Fatalf("%q parsed to %+v, which does not format: %v", v, a, err)
			}
			if b, err := ParseMMHSMessageType(s); err != nil || a != b {
				t.Fatalf("%q -> %+v -> %q -> %+v, %v", v, a, s, b, err)
			}
		}
	})
}

// mmhsDesignators and mmhsFormatDesignators adapt the other recipients
// functions to designator lists for the fuzz target.
func mmhsDesignators(t x400.OtherRecipientType, s string) ([]string, error) {
	rs, err := ParseMMHSOtherRecipients(t, s)
	if err != nil {
		return nil, err
	}
	var ds []string
	for _, r := range rs {
		if r.Type != t {
			return nil, errors.New("wrong type")
		}
		ds = append(ds, r.Designator)
	}
	return ds, nil
}

func mmhsFormatDesignators(t x400.OtherRecipientType, ds []string) (string, error) {
	rs := make([]x400.OtherRecipient, len(ds))
	for i, d := range ds {
		rs[i] = x400.OtherRecipient{Type: t, Designator: d}
	}
	return FormatMMHSOtherRecipients(t, rs)
}
