package mixer

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"mixerd/ber"
	"mixerd/x400"
)

// milGateway is the test gateway of the brief: gw.example.mil, C=GB;
// ADMD= ; PRMD=MOD; O=Gateway, with small tables.
func milGateway(t *testing.T, policy MTPriorityPolicy) *Gateway {
	t.Helper()
	a, err := x400.ParseORAddress("C=GB; ADMD= ; PRMD=MOD; O=Gateway")
	if err != nil {
		t.Fatal(err)
	}
	d2o, err := LoadTable("domain-or", TableDomainToOR, strings.NewReader("shl.example.com#PRMD$SHL.ADMD$ .C$GB#\n"))
	if err != nil {
		t.Fatal(err)
	}
	o2d, err := LoadTable("or-domain", TableORToDomain, strings.NewReader("PRMD$SHL.ADMD$ .C$GB#shl.example.com#\n"))
	if err != nil {
		t.Fatal(err)
	}
	return &Gateway{Domain: "gw.example.mil", ORAddress: a, DomainToOR: d2o, ORToDomain: o2d, MTAName: "gw.example.mil", Priority: policy}
}

// milWire writes h as a header block and reads it back, so that tests go
// through the text a peer sees.
func milWire(t *testing.T, h Header) Header {
	t.Helper()
	b := FormatHeader(h)
	got, _, err := ParseHeader(b, HeaderLimits{})
	if err != nil {
		t.Fatalf("header does not parse back: %v\n%s", err, b)
	}
	return got
}

func milHeader(fields ...string) Header {
	var h Header
	for i := 0; i+1 < len(fields); i += 2 {
		h = append(h, Field{Name: fields[i], Value: fields[i+1], Line: i/2 + 1})
	}
	return h
}

func milPrec(p x400.Precedence) *x400.Precedence { return &p }

// milSample reads the P772 sample heading of the x400 tests from its DER
// golden file (an ExtensionsField, SET OF IPMSExtension), as the x400
// tests do.
func milSample(t *testing.T) *x400.MilitaryHeading {
	t.Helper()
	der, err := os.ReadFile("../x400/testdata/p772_sample_heading_extensions.der")
	if err != nil {
		t.Fatal(err)
	}
	r := ber.NewReader(der, nil)
	set, err := r.Expect(ber.Set)
	if err != nil {
		t.Fatal(err)
	}
	cr, err := set.Children()
	if err != nil {
		t.Fatal(err)
	}
	var exts []x400.IPMSExtension
	for !cr.Empty() {
		e, err := cr.Expect(ber.Sequence)
		if err != nil {
			t.Fatal(err)
		}
		er, _ := e.Children()
		o, err := er.Expect(ber.ObjectID)
		if err != nil {
			t.Fatal(err)
		}
		v, err := er.Next()
		if err != nil {
			t.Fatal(err)
		}
		exts = append(exts, x400.IPMSExtension{Type: ber.OID(o.Content), Value: x400.Raw(v.Raw)})
	}
	m, err := x400.ParseMilitaryHeading(exts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, x400.SampleMilitaryHeading()) {
		t.Fatalf("golden file decodes to %+v, not the sample", m)
	}
	return m
}

// milEqual compares two headings, the release time with time.Equal.
func milEqual(a, b *x400.MilitaryHeading) bool {
	if a == nil || b == nil {
		return a == b
	}
	x, y := *a, *b
	if !x.ExtendedAuthorisationInfo.Equal(y.ExtendedAuthorisationInfo) {
		return false
	}
	x.ExtendedAuthorisationInfo, y.ExtendedAuthorisationInfo = time.Time{}, time.Time{}
	return reflect.DeepEqual(x, y)
}

func milConvErr(t *testing.T, err error, field string, diag x400.DiagnosticCode) {
	t.Helper()
	var ce *ConversionError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *ConversionError", err)
	}
	if ce.Field != field {
		t.Errorf("error names %q, want %q (%v)", ce.Field, field, err)
	}
	if ce.Diagnostic != diag || !ce.HasDiagnostic {
		t.Errorf("error %v has diagnostic %v, want %v", err, ce.Diagnostic, diag)
	}
}

// The P772 sample heading (x400/testdata/p772_sample_heading_extensions.der)
// without its exempted address, as RFC 6477 §3 header fields.
var milSampleFields = []string{
	FieldMMHSExtendedAuthorisationInfo, "Fri, 22 Nov 2024 14:30:00 +0000",
	FieldMMHSSubjectIndicatorCodes, "AQA; BCE; ZUG",
	FieldMMHSHandlingInstructions, "EXCLUSIVE FOR COMMANDER",
	FieldMMHSMessageInstructions, "ZNR UUUUU; ZUI ASL",
	FieldMMHSOriginatorReference, "JFC/OPS/2024/117",
	FieldMMHSPrimaryPrecedence, "FLASH",
	FieldMMHSCopyPrecedence, "ROUTINE",
	FieldMMHSMessageType, `operation; identifier="STEADFAST DEFENDER"`,
	FieldMMHSOtherRecipientsIndicatorTo, "COMSTRIKFORNATO",
	FieldMMHSOtherRecipientsIndicatorCC, "CINCUSNAVEUR NAPLES IT",
	FieldMMHSAcp127MessageIdentifier, "RFFNBRU 0117 3271430",
	FieldMMHSOriginatorPLAD, "JFC BRUNSSUM NL",
}

// TestMilitarySampleToHeader: every extension of the sample that RFC 6477
// §6 maps becomes its field, in §3 order, each reported mapped.
func TestMilitarySampleToHeader(t *testing.T) {
	g := milGateway(t, "")
	m := milSample(t)
	m.ExemptedAddresses = nil // TestMilitaryExemptedAddress
	var rep Report
	h, err := g.MilitaryToHeader(m, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != len(milSampleFields)/2 {
		t.Fatalf("got %d fields, want %d:\n%s", len(h), len(milSampleFields)/2, FormatHeader(h))
	}
	for i, f := range h {
		name, value := milSampleFields[2*i], milSampleFields[2*i+1]
		if f.Name != name || f.Value != " "+value {
			t.Errorf("field %d: %s:%s, want %s: %s", i, f.Name, f.Value, name, value)
		}
	}
	if lost := rep.Lost(); len(lost) != 0 {
		t.Errorf("sample lost %v", lost)
	}
	if n := len(rep.Items); n != len(h) {
		t.Errorf("report has %d items for %d fields:\n%s", n, len(h), rep.String())
	}
	// And back (RFC 6477 §6: "the syntax of these headings is defined
	// such that mapping is mechanical").
	back, err := g.HeaderToMilitary(milWire(t, h), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !milEqual(back, m) {
		t.Errorf("round trip gives %+v, want %+v", back, m)
	}
}

// TestMilitaryRFC6477Examples reads the example of each field of RFC 6477
// §3 (those without addresses) and checks the heading extension it gives.
func TestMilitaryRFC6477Examples(t *testing.T) {
	g := milGateway(t, "")
	five := 23
	for _, tt := range []struct {
		name, field, value string
		want               x400.MilitaryHeading
		// out is the value MilitaryToHeader writes for want ("" for value).
		out string
	}{
		{"§3.2", FieldMMHSExtendedAuthorisationInfo, "\r\n  Mon, 09 Aug 2010 15:27:40 +0100",
			x400.MilitaryHeading{ExtendedAuthorisationInfo: time.Date(2010, 8, 9, 14, 27, 40, 0, time.UTC)}, "Mon, 09 Aug 2010 14:27:40 +0000"},
		{"§3.3", FieldMMHSSubjectIndicatorCodes, " SDM; KKZ ; BRL",
			x400.MilitaryHeading{DistributionCodes: &x400.DistributionCodes{SICs: []string{"SDM", "KKZ", "BRL"}}}, "SDM; KKZ; BRL"},
		{"§3.4", FieldMMHSHandlingInstructions, " RXFPA ZOV MINDEF",
			x400.MilitaryHeading{HandlingInstructions: []string{"RXFPA ZOV MINDEF"}}, ""},
		{"§3.5", FieldMMHSMessageInstructions, " MINIMIZE CONSIDERED; NO DISTRIBUTION",
			x400.MilitaryHeading{MessageInstructions: []string{"MINIMIZE CONSIDERED", "NO DISTRIBUTION"}}, ""},
		{"§3.6", FieldMMHSCodressMessageIndicator, " 23", x400.MilitaryHeading{CodressMessage: &five}, ""},
		{"§3.7", FieldMMHSOriginatorReference, " IMSCOM-JIC-612-78", x400.MilitaryHeading{OriginatorReference: "IMSCOM-JIC-612-78"}, ""},
		{"§3.8 example 1", FieldMMHSPrimaryPrecedence, " 0 (Deferred)", x400.MilitaryHeading{PrimaryPrecedence: milPrec(x400.PrecedenceDeferred)}, "DEFERRED"},
		{"§3.8 example 2", FieldMMHSPrimaryPrecedence, " FLASH", x400.MilitaryHeading{PrimaryPrecedence: milPrec(x400.PrecedenceFlash)}, ""},
		{"§3.8 example 3", FieldMMHSPrimaryPrecedence, " 7", x400.MilitaryHeading{PrimaryPrecedence: milPrec(7)}, ""},
		{"§3.10 example 1", FieldMMHSMessageType, ` 0(exercise); identifier="CANDLE FISH"`,
			x400.MilitaryHeading{MessageType: &x400.MessageType{Type: x400.MessageTypeExercise, Identifier: "CANDLE FISH"}}, `exercise; identifier="CANDLE FISH"`},
		{"§3.10 example 2", FieldMMHSMessageType, " 3", x400.MilitaryHeading{MessageType: &x400.MessageType{Type: x400.MessageTypeDrill}}, "drill"},
		{"§3.10 example 3", FieldMMHSMessageType, " 2 (projet)", x400.MilitaryHeading{MessageType: &x400.MessageType{Type: x400.MessageTypeProject}}, "project"},
		{"§3.10 example 4", FieldMMHSMessageType, " project", x400.MilitaryHeading{MessageType: &x400.MessageType{Type: x400.MessageTypeProject}}, ""},
		{"§3.11", FieldMMHSOtherRecipientsIndicatorTo, " UK SHL COS; UK SHL IM", x400.MilitaryHeading{OtherRecipients: []x400.OtherRecipient{
			{Type: x400.OtherRecipientPrimary, Designator: "UK SHL COS"}, {Type: x400.OtherRecipientPrimary, Designator: "UK SHL IM"}}}, ""},
		{"§3.12", FieldMMHSOtherRecipientsIndicatorCC, " UK SHL LEGAD", x400.MilitaryHeading{OtherRecipients: []x400.OtherRecipient{
			{Type: x400.OtherRecipientCopy, Designator: "UK SHL LEGAD"}}}, ""},
		{"§3.13", FieldMMHSAcp127MessageIdentifier, " RPDLE 1234 0341215", x400.MilitaryHeading{ACP127MessageIdentifier: "RPDLE 1234 0341215"}, ""},
		{"§3.14", FieldMMHSOriginatorPLAD, " SACLANT", x400.MilitaryHeading{OriginatorPLAD: "SACLANT"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// With a primary precedence, so that none is defaulted.
			h := milHeader(tt.field, tt.value)
			want := tt.want
			if want.PrimaryPrecedence == nil {
				h = append(h, Field{Name: FieldMMHSPrimaryPrecedence, Value: " ROUTINE"})
				want.PrimaryPrecedence = milPrec(x400.PrecedenceRoutine)
			}
			var rep Report
			got, err := g.HeaderToMilitary(h, nil, &rep)
			if err != nil {
				t.Fatal(err)
			}
			if !milEqual(got, &want) {
				t.Fatalf("%s: %q gives %+v, want %+v", tt.field, tt.value, got, want)
			}
			found := false
			for _, it := range rep.Items {
				found = found || it.From == tt.field && it.Disposition == Mapped
			}
			if len(rep.Items) != len(h) || !found {
				t.Errorf("report:\n%s", rep.String())
			}
			// And out again.
			out, err := g.MilitaryToHeader(&tt.want, nil)
			if err != nil {
				t.Fatal(err)
			}
			wantOut := tt.out
			if wantOut == "" {
				wantOut = strings.TrimLeft(tt.value, " ")
			}
			if len(out) != 1 || out[0].Name != tt.field || out[0].Value != " "+wantOut {
				t.Errorf("written back as %q, want %s: %s", FormatHeader(out), tt.field, wantOut)
			}
		})
	}
}

// TestMilitaryFieldNamesCaseInsensitive: field names compare without
// regard to case (RFC 5322 §1.2.2); an unknown MMHS-Foo is not the
// military mapping's.
func TestMilitaryFieldNamesCaseInsensitive(t *testing.T) {
	g := milGateway(t, "")
	for _, n := range MMHSFieldNames {
		if !militaryField(n) || !militaryField(strings.ToLower(n)) || !militaryField(strings.ToUpper(n)) {
			t.Errorf("militaryField(%q) false", n)
		}
	}
	for _, n := range []string{"MMHS-Foo", "MMHS-", "MMHS-Primary-Precedence-X", "Priority", "X400-Content-Type"} {
		if militaryField(n) {
			t.Errorf("militaryField(%q) true", n)
		}
	}
	m, err := g.HeaderToMilitary(milHeader("mmhs-primary-precedence", " flash", "MMHS-Foo", " bar"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m == nil || m.PrimaryPrecedence == nil || *m.PrimaryPrecedence != x400.PrecedenceFlash {
		t.Errorf("got %+v", m)
	}
}

// TestMilitaryNoFields: no MMHS field, no military heading, whatever the
// MT-PRIORITY (RFC 6477 §6: only the MMHS fields make the message P772).
func TestMilitaryNoFields(t *testing.T) {
	g := milGateway(t, MTPrioritySTANAG4406)
	four := 4
	for _, h := range []Header{nil, milHeader("Subject", " hi", "MMHS-Foo", " x")} {
		var rep Report
		m, err := g.HeaderToMilitary(h, &four, &rep)
		if err != nil || m != nil || len(rep.Items) != 0 {
			t.Errorf("%v: got %+v, %v, report %q", h, m, err, rep.String())
		}
	}
	h, err := g.MilitaryToHeader(nil, nil)
	if h != nil || err != nil {
		t.Errorf("nil heading gives %v, %v", h, err)
	}
}

// TestMilitaryPrecedenceFallback: without MMHS-Primary-Precedence, the
// primary precedence comes from MT-PRIORITY under the gateway's policy
// (RFC 6710 Appendix A Table 1, Appendix B Table 2, never promoting), and
// without either it is ROUTINE.
func TestMilitaryPrecedenceFallback(t *testing.T) {
	ip := func(v int) *int { return &v }
	for _, tt := range []struct {
		policy MTPriorityPolicy
		mt     *int
		want   x400.Precedence
	}{
		{MTPrioritySTANAG4406, ip(-4), x400.PrecedenceDeferred},
		{MTPrioritySTANAG4406, ip(-2), x400.PrecedenceRoutine},
		{MTPrioritySTANAG4406, ip(0), x400.PrecedencePriority},
		{MTPrioritySTANAG4406, ip(2), x400.PrecedenceImmediate},
		{MTPrioritySTANAG4406, ip(4), x400.PrecedenceFlash},
		{MTPrioritySTANAG4406, ip(6), x400.PrecedenceOverride},
		{MTPrioritySTANAG4406, ip(5), x400.PrecedenceFlash}, // between rows: the lower
		{MTPrioritySTANAG4406, ip(-9), x400.PrecedenceDeferred},
		{MTPrioritySTANAG4406, ip(9), x400.PrecedenceOverride},
		{MTPriorityMIXER, ip(-4), x400.PrecedenceDeferred},  // non-urgent
		{MTPriorityMIXER, ip(0), x400.PrecedenceRoutine},    // normal
		{MTPriorityMIXER, ip(4), x400.PrecedenceImmediate},  // urgent
		{MTPriorityMIXER, ip(3), x400.PrecedenceRoutine},    // 3 is normal
		{"", ip(3), x400.PrecedenceImmediate},               // policy "": Table 1 for military messages, 3 is between immediate and flash
		{MTPrioritySTANAG4406, nil, x400.PrecedenceRoutine}, // neither
		{MTPriorityMIXER, nil, x400.PrecedenceRoutine},
	} {
		g := milGateway(t, tt.policy)
		var rep Report
		m, err := g.HeaderToMilitary(milHeader(FieldMMHSOriginatorPLAD, " SACLANT"), tt.mt, &rep)
		if err != nil {
			t.Fatal(err)
		}
		if m.PrimaryPrecedence == nil || *m.PrimaryPrecedence != tt.want {
			t.Errorf("policy %q MT-PRIORITY %v: precedence %v, want %v", tt.policy, tt.mt, m.PrimaryPrecedence, tt.want)
		}
		last := rep.Items[len(rep.Items)-1]
		if last.To != milPrimaryPrecedence || last.Disposition != Mapped || last.Note == "" {
			t.Errorf("fallback not reported: %+v", last)
		}
		if tt.mt != nil && last.From != "MT-PRIORITY" {
			t.Errorf("fallback reported from %q", last.From)
		}
	}
	// An MMHS-Primary-Precedence wins over MT-PRIORITY.
	g := milGateway(t, MTPrioritySTANAG4406)
	six := 6
	m, err := g.HeaderToMilitary(milHeader(FieldMMHSPrimaryPrecedence, " routine"), &six, nil)
	if err != nil || *m.PrimaryPrecedence != x400.PrecedenceRoutine {
		t.Errorf("got %v, %v", m, err)
	}
}

// TestMilitaryMTPriorityHelpers: the envelope's helpers follow RFC 6710
// Appendix A Table 1 (STANAG4406) and Appendix B Table 2 (MIXER).
func TestMilitaryMTPriorityHelpers(t *testing.T) {
	stanag := milGateway(t, MTPrioritySTANAG4406)
	mixer := milGateway(t, MTPriorityMIXER)
	for _, row := range []struct {
		p             x400.Precedence
		stanag, mixer int
	}{
		{x400.PrecedenceDeferred, -4, -4},
		{x400.PrecedenceRoutine, -2, 0},
		{x400.PrecedencePriority, 0, 0},
		{x400.PrecedenceImmediate, 2, 4},
		{x400.PrecedenceFlash, 4, 4},
		{x400.PrecedenceOverride, 6, 4},
	} {
		if v := stanag.PrecedenceMTPriority(row.p); v != row.stanag {
			t.Errorf("STANAG4406: %v -> %d, want %d", row.p, v, row.stanag)
		}
		if p := stanag.MTPriorityPrecedence(row.stanag); p != row.p {
			t.Errorf("STANAG4406: %d -> %v, want %v", row.stanag, p, row.p)
		}
		if v := mixer.PrecedenceMTPriority(row.p); v != row.mixer {
			t.Errorf("MIXER: %v -> %d, want %d", row.p, v, row.mixer)
		}
		// The policy "" maps military messages by Table 1 (RFC 6710
		// Appendix A).
		if v := milGateway(t, "").PrecedenceMTPriority(row.p); v != row.stanag {
			t.Errorf("policy \"\": %v -> %d, want %d", row.p, v, row.stanag)
		}
	}
	for v, want := range map[int]x400.Precedence{-4: x400.PrecedenceDeferred, 0: x400.PrecedenceRoutine, 4: x400.PrecedenceImmediate} {
		if p := mixer.MTPriorityPrecedence(v); p != want {
			t.Errorf("MIXER: %d -> %v, want %v", v, p, want)
		}
	}
}

// TestMilitaryDropped: the extensions RFC 6477 §5 leaves without a field
// are reported dropped, with the reason; the round trip gives back the
// rest.
func TestMilitaryDropped(t *testing.T) {
	g := milGateway(t, "")
	m := milSample(t)
	m.ExemptedAddresses = nil
	want := *m
	dc := *m.DistributionCodes
	want.DistributionCodes = &dc
	ln, err := x400.ParseORAddress("C=GB; ADMD= ; PRMD=MOD; O=Lists; CN=ALL SHIPS")
	if err != nil {
		t.Fatal(err)
	}
	m.AddressListIndicator = []x400.AddressListDesignator{{Type: x400.AddressListPrimary, ListName: x400.ORDescriptor{FormalName: &x400.ORName{ORAddress: ln}}}}
	m.DistributionCodes = &x400.DistributionCodes{SICs: dc.SICs, Extensions: []x400.DistributionExtensionField{
		{Type: ber.MustOID("1.2.3.4"), Value: x400.Raw{0x05, 0x00}}}}
	m.PilotForwardingInfo = []x400.PilotInformation{{Precedence: milPrec(x400.PrecedenceFlash), Handling: []string{"PILOT"}}}
	m.InformationLabels = x400.Raw{0x31, 0x00}
	var rep Report
	h, err := g.MilitaryToHeader(m, &rep)
	if err != nil {
		t.Fatal(err)
	}
	lost := rep.Lost()
	wantLost := []string{milDistExtensions, milAddressListIndicator, milPilotForwardingInfo, milInformationLabels}
	if len(lost) != len(wantLost) {
		t.Fatalf("lost %d items, want %d:\n%s", len(lost), len(wantLost), rep.String())
	}
	for i, it := range lost {
		if it.From != wantLost[i] || !strings.HasPrefix(it.Note, "RFC 6477 defines no header field for ") {
			t.Errorf("lost %d: %+v, want %s with the RFC 6477 reason", i, it, wantLost[i])
		}
	}
	if !strings.HasSuffix(lost[0].Note, "dist-type 1.2.3.4") {
		t.Errorf("distribution extension note %q does not name its type", lost[0].Note)
	}
	back, err := g.HeaderToMilitary(milWire(t, h), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !milEqual(back, &want) {
		t.Errorf("round trip gives %+v, want %+v", back, &want)
	}
}

// TestMilitaryRoundTripValues: values at the edges of the field syntax
// (RFC 6477 §4) survive MilitaryHeading -> fields -> MilitaryHeading.
func TestMilitaryRoundTripValues(t *testing.T) {
	g := milGateway(t, "")
	zero := 0
	big := 2147483647
	long := strings.Repeat("A", x400.UBMilitaryString)
	for _, m := range []*x400.MilitaryHeading{
		{PrimaryPrecedence: milPrec(31), CopyPrecedence: milPrec(16)},
		{PrimaryPrecedence: milPrec(x400.PrecedenceOverride), CopyPrecedence: milPrec(x400.PrecedenceDeferred), CodressMessage: &zero},
		{PrimaryPrecedence: milPrec(1), CodressMessage: &big, MessageType: &x400.MessageType{Type: 255, Identifier: " (A)'+,-./:=? "}},
		{PrimaryPrecedence: milPrec(1), OriginatorReference: long, OriginatorPLAD: long, ACP127MessageIdentifier: long},
		{PrimaryPrecedence: milPrec(1), DistributionCodes: &x400.DistributionCodes{SICs: []string{"ABC", "ABCDEFGH", "A1 2", "ZZZ", "YYY", "XXX", "WWW", "VVV"}}},
		{PrimaryPrecedence: milPrec(1), OtherRecipients: []x400.OtherRecipient{{Type: x400.OtherRecipientPrimary, Designator: "A"}, {Type: x400.OtherRecipientCopy, Designator: "B"}, {Type: x400.OtherRecipientCopy, Designator: "C C"}}},
		{PrimaryPrecedence: milPrec(1), ExtendedAuthorisationInfo: time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC)},
		{PrimaryPrecedence: milPrec(1), ExtendedAuthorisationInfo: time.Date(1950, 1, 1, 0, 0, 0, 0, time.FixedZone("", -3600*5))},
	} {
		var rep Report
		h, err := g.MilitaryToHeader(m, &rep)
		if err != nil {
			t.Fatalf("%+v: %v", m, err)
		}
		if lost := rep.Lost(); lost != nil {
			t.Errorf("%+v lost %v", m, lost)
		}
		back, err := g.HeaderToMilitary(milWire(t, h), nil, nil)
		if err != nil {
			t.Fatalf("%+v: %s: %v", m, FormatHeader(h), err)
		}
		if !milEqual(back, m) {
			t.Errorf("round trip of %+v gives %+v\n%s", m, back, FormatHeader(h))
		}
	}
}

// TestMilitaryCannotWrite: values a field cannot carry. A negative
// precedence is an error (the handling order must not be lost); the rest
// are reported dropped with the reason.
func TestMilitaryCannotWrite(t *testing.T) {
	g := milGateway(t, "")
	_, err := g.MilitaryToHeader(&x400.MilitaryHeading{PrimaryPrecedence: milPrec(-1)}, nil)
	milConvErr(t, err, milPrimaryPrecedence, x400.DiagnosticConversionImpractical)
	_, err = g.MilitaryToHeader(&x400.MilitaryHeading{PrimaryPrecedence: milPrec(1), CopyPrecedence: milPrec(-3)}, nil)
	milConvErr(t, err, milCopyPrecedence, x400.DiagnosticConversionImpractical)

	neg := -5
	for _, tt := range []struct {
		m    x400.MilitaryHeading
		lost string
	}{
		{x400.MilitaryHeading{OriginatorReference: " REF"}, milOriginatorReference},
		{x400.MilitaryHeading{OriginatorPLAD: "PLAD@X"}, milOriginatorPLAD},
		{x400.MilitaryHeading{ACP127MessageIdentifier: strings.Repeat("B", 70)}, milACP127MessageIdentifier},
		{x400.MilitaryHeading{HandlingInstructions: []string{}}, milHandlingInstructions},
		{x400.MilitaryHeading{MessageInstructions: []string{"OK", ""}}, milMessageInstructions},
		{x400.MilitaryHeading{CodressMessage: &neg}, milCodressMessage},
		{x400.MilitaryHeading{MessageType: &x400.MessageType{Type: -1}}, milMessageType},
		{x400.MilitaryHeading{DistributionCodes: &x400.DistributionCodes{SICs: []string{"AB"}}}, milSICs},
		{x400.MilitaryHeading{DistributionCodes: &x400.DistributionCodes{}}, milDistributionCodes},
		{x400.MilitaryHeading{OtherRecipients: []x400.OtherRecipient{}}, milOtherRecipients},
		{x400.MilitaryHeading{OtherRecipients: []x400.OtherRecipient{{Type: 2, Designator: "X"}}}, milOtherRecipients + " 1"},
		{x400.MilitaryHeading{ExemptedAddresses: []x400.ExemptedAddress{}}, milExemptedAddress},
	} {
		var rep Report
		h, err := g.MilitaryToHeader(&tt.m, &rep)
		if err != nil {
			t.Errorf("%+v: %v", tt.m, err)
			continue
		}
		lost := rep.Lost()
		if len(h) != 0 || len(lost) != 1 || lost[0].From != tt.lost || lost[0].Note == "" {
			t.Errorf("%+v: fields %q, report:\n%s", tt.m, FormatHeader(h), rep.String())
		}
	}
	// The other recipients of known types are kept.
	var rep Report
	h, err := g.MilitaryToHeader(&x400.MilitaryHeading{OtherRecipients: []x400.OtherRecipient{
		{Type: 7, Designator: "X"}, {Type: x400.OtherRecipientCopy, Designator: "Y"}}}, &rep)
	if err != nil || len(h) != 1 || h[0].Name != FieldMMHSOtherRecipientsIndicatorCC || h[0].Value != " Y" || len(rep.Lost()) != 1 {
		t.Errorf("got %q, %v\n%s", FormatHeader(h), err, rep.String())
	}
}

// TestMilitaryBadValues: a value that does not parse (RFC 6477 §4) is a
// content-syntax-error naming the field; one that parses but that P772
// cannot carry is conversion-impractical.
func TestMilitaryBadValues(t *testing.T) {
	g := milGateway(t, "")
	syntax := x400.DiagnosticContentSyntaxError
	impractical := x400.DiagnosticConversionImpractical
	for _, tt := range []struct {
		field, value string
		diag         x400.DiagnosticCode
	}{
		{FieldMMHSPrimaryPrecedence, " urgent", syntax},
		{FieldMMHSPrimaryPrecedence, " 01", syntax},
		{FieldMMHSPrimaryPrecedence, " -1", syntax},
		{FieldMMHSPrimaryPrecedence, " 32", impractical},
		{FieldMMHSCopyPrecedence, " FLASH FLASH", syntax},
		{FieldMMHSCopyPrecedence, " 99", impractical},
		{FieldMMHSMessageType, " exercise; id=\"X\"", syntax},
		{FieldMMHSMessageType, " 256", impractical},
		{FieldMMHSExtendedAuthorisationInfo, " yesterday", syntax},
		{FieldMMHSExtendedAuthorisationInfo, " Sat, 01 Jan 2050 00:00:00 +0000", impractical},
		{FieldMMHSExtendedAuthorisationInfo, " Fri, 31 Dec 1949 23:00:00 +0000", impractical},
		{FieldMMHSSubjectIndicatorCodes, " AB; CDE", syntax},
		{FieldMMHSSubjectIndicatorCodes, " ABCDEFGHI", syntax},
		{FieldMMHSHandlingInstructions, " A;;B", syntax},
		{FieldMMHSMessageInstructions, " caf\u00e9", syntax},
		{FieldMMHSCodressMessageIndicator, " 2147483648", syntax},
		{FieldMMHSCodressMessageIndicator, " x", syntax},
		{FieldMMHSOriginatorReference, " " + strings.Repeat("R", 70), syntax},
		{FieldMMHSOtherRecipientsIndicatorTo, " A; B@C", syntax},
		{FieldMMHSOtherRecipientsIndicatorCC, " ", syntax},
		{FieldMMHSAcp127MessageIdentifier, " R_1", syntax},
		{FieldMMHSOriginatorPLAD, "", syntax},
		{FieldMMHSExemptedAddress, " <a@b", syntax},
		{FieldMMHSExemptedAddress, " ,", syntax},
	} {
		_, err := g.HeaderToMilitary(milHeader(FieldMMHSPrimaryPrecedence+"-not", "", tt.field, tt.value), nil, nil)
		if err == nil {
			t.Errorf("%s:%s accepted", tt.field, tt.value)
			continue
		}
		milConvErr(t, err, tt.field, tt.diag)
	}
}

// TestMilitaryDuplicate: each field may be given once.
func TestMilitaryDuplicate(t *testing.T) {
	g := milGateway(t, "")
	for _, n := range MMHSFieldNames {
		h := milHeader(FieldMMHSOriginatorPLAD+"x", " a", n, " 1", strings.ToLower(n), " 1")
		_, err := g.HeaderToMilitary(h, nil, nil)
		if err == nil {
			t.Errorf("%s twice accepted", n)
			continue
		}
		milConvErr(t, err, n, x400.DiagnosticContentSyntaxError)
		if !strings.Contains(err.Error(), "twice") || !strings.Contains(err.Error(), "lines 2 and 3") {
			t.Errorf("error %q does not say where", err)
		}
	}
	// To and CC are two fields.
	m, err := g.HeaderToMilitary(milHeader(FieldMMHSOtherRecipientsIndicatorTo, " A", FieldMMHSOtherRecipientsIndicatorCC, " B"), nil, nil)
	if err != nil || len(m.OtherRecipients) != 2 {
		t.Errorf("got %+v, %v", m, err)
	}
}

// TestMilitaryTooManySICs: RFC 6477 §4 allows more SICs than ACP 123
// carries (ub-military-number-of-sics 8): the rest are reported dropped.
func TestMilitaryTooManySICs(t *testing.T) {
	g := milGateway(t, "")
	var rep Report
	m, err := g.HeaderToMilitary(milHeader(FieldMMHSPrimaryPrecedence, " 1",
		FieldMMHSSubjectIndicatorCodes, " AAA; BBB; CCC; DDD; EEE; FFF; GGG; HHH; III; JJJ"), nil, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.DistributionCodes.SICs; len(got) != 8 || got[7] != "HHH" {
		t.Errorf("SICs %v", got)
	}
	lost := rep.Lost()
	if len(lost) != 1 || !strings.Contains(lost[0].Note, "III; JJJ") {
		t.Errorf("report:\n%s", rep.String())
	}
	if err := m.Validate(); err != nil {
		t.Error(err)
	}
}

// TestMilitaryReleaseFromDate: RFC 6477 §6 a., the release time defaults
// to the Date field.
func TestMilitaryReleaseFromDate(t *testing.T) {
	g := milGateway(t, "")
	h := milHeader("Subject", " x", "Date", " Fri, 22 Nov 2024 15:30:00 +0100 (CET)")
	m := &x400.MilitaryHeading{PrimaryPrecedence: milPrec(1)}
	var rep Report
	if err := g.MilitaryReleaseFromDate(m, h, &rep); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2024, 11, 22, 14, 30, 0, 0, time.UTC); !m.ExtendedAuthorisationInfo.Equal(want) {
		t.Errorf("release %v, want %v", m.ExtendedAuthorisationInfo, want)
	}
	if len(rep.Items) != 1 || rep.Items[0].From != "Date" || rep.Items[0].To != milExtendedAuthorisationInfo {
		t.Errorf("report:\n%s", rep.String())
	}
	// A release time of its own is kept.
	set := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	m.ExtendedAuthorisationInfo = set
	if err := g.MilitaryReleaseFromDate(m, h, nil); err != nil || !m.ExtendedAuthorisationInfo.Equal(set) {
		t.Errorf("got %v, %v", m.ExtendedAuthorisationInfo, err)
	}
	// No Date, no heading: nothing.
	m.ExtendedAuthorisationInfo = time.Time{}
	if err := g.MilitaryReleaseFromDate(m, milHeader("Subject", " x"), nil); err != nil || !m.ExtendedAuthorisationInfo.IsZero() {
		t.Errorf("got %v, %v", m.ExtendedAuthorisationInfo, err)
	}
	if err := g.MilitaryReleaseFromDate(nil, h, nil); err != nil {
		t.Error(err)
	}
	err := g.MilitaryReleaseFromDate(m, milHeader("Date", " someday"), nil)
	milConvErr(t, err, "Date", x400.DiagnosticContentSyntaxError)
	err = g.MilitaryReleaseFromDate(m, milHeader("Date", " Mon, 01 Jan 2052 00:00:00 +0000"), nil)
	milConvErr(t, err, "Date", x400.DiagnosticConversionImpractical)
}

// TestMilitaryHeadingP772: the heading HeaderToMilitary builds encodes as
// P772 heading extensions and decodes back (RFC 6477 §6: "the outgoing
// X.400 message MUST be encoded as P772").
func TestMilitaryHeadingP772(t *testing.T) {
	g := milGateway(t, "")
	var h Header
	for i := 0; i < len(milSampleFields); i += 2 {
		h = append(h, Field{Name: milSampleFields[i], Value: " " + milSampleFields[i+1]})
	}
	m, err := g.HeaderToMilitary(h, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var hd x400.Heading
	if err := hd.SetMilitary(m); err != nil {
		t.Fatal(err)
	}
	got, err := hd.Military()
	if err != nil {
		t.Fatal(err)
	}
	want := x400.SampleMilitaryHeading()
	want.ExemptedAddresses = nil
	if !milEqual(got, want) {
		t.Errorf("P772 gives %+v, want %+v", got, want)
	}
}

// TestMilitaryExemptedAddress: RFC 6477 §3.1's example, through the
// address mapping (RFC 2156 §4.7.1, §4.7.2), and the sample's exempted
// address, both ways.
func TestMilitaryExemptedAddress(t *testing.T) {
	g := milGateway(t, "")
	const example = "\r\n UK SHL CGT Samuals G <graham.samuals@shl.example.com>,\r\n UK SHL Duty Officer <duty@shl.example.com>"
	var rep Report
	m, err := g.HeaderToMilitary(milHeader(FieldMMHSExemptedAddress, example, FieldMMHSPrimaryPrecedence, " 1"), nil, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.ExemptedAddresses) != 2 {
		t.Fatalf("exempted %+v", m.ExemptedAddresses)
	}
	h, err := g.MilitaryToHeader(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := milWire(t, h).Get(FieldMMHSExemptedAddress)
	if !ok {
		t.Fatalf("no %s in\n%s", FieldMMHSExemptedAddress, FormatHeader(h))
	}
	// The table maps shl.example.com to PRMD=SHL (RFC 2156 §4.3.4), the
	// phrase becomes the free form name (§4.7.1), and back (§4.7.2, §4.3.5).
	if want := " UK SHL CGT Samuals G <graham.samuals@shl.example.com>, UK SHL Duty Officer <duty@shl.example.com>"; v != want {
		t.Errorf("written back as %q, want %q", v, want)
	}
	for i, want := range []struct{ or, name string }{
		{"C=GB; ADMD= ; PRMD=SHL; S=samuals; G=graham", "UK SHL CGT Samuals G"},
		{"C=GB; ADMD= ; PRMD=SHL; S=duty", "UK SHL Duty Officer"},
	} {
		a, err := x400.ParseORAddress(want.or)
		if err != nil {
			t.Fatal(err)
		}
		d := m.ExemptedAddresses[i]
		if d.FormalName == nil || !reflect.DeepEqual(d.FormalName.ORAddress, a) || d.FreeFormName != want.name {
			t.Errorf("exempted address %d is %+v, want %s, %q", i, d, want.or, want.name)
		}
	}

	// The sample, whole, both ways.
	s := milSample(t)
	rep = Report{}
	h, err = g.MilitaryToHeader(s, &rep)
	if err != nil {
		t.Fatal(err)
	}
	if h[0].Name != FieldMMHSExemptedAddress {
		t.Fatalf("first field %s", h[0].Name)
	}
	back, err := g.HeaderToMilitary(milWire(t, h), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// RFC 2156 §4.7.2 then §4.7.1: the formal name through the std-or
	// encoding (§4.3.5, no table entry for PRMD=NATO), the free form name
	// as the phrase, the telephone number as the comment "(Tel ...)"
	// (§4.7.2 step 3), which comes back in the free form name (§4.7.1
	// step 2; step 3: the telephone number is omitted).
	const wantText = `COMMANDER ALLIED MARITIME COMMAND <"/CN=Duty Officer/OU=N3/O=MARCOM/PRMD=NATO/ADMD= /C=GB/"@gw.example.mil> (Tel +44 1923 956000)`
	if v, _ := milWire(t, h).Get(FieldMMHSExemptedAddress); v != " "+wantText {
		t.Errorf("sample's exempted address written as %q, want %q", v, wantText)
	}
	want := milSample(t)
	want.ExemptedAddresses[0].FreeFormName = "COMMANDER ALLIED MARITIME COMMAND (Tel +44 1923 956000)"
	want.ExemptedAddresses[0].TelephoneNumber = ""
	if !milEqual(back, want) {
		t.Errorf("sample comes back as %+v, want %+v (%s)", back, want, h[0].Value)
	}
}

// TestMilitaryExtensionDropped: the ACP 127 notification request and
// response (id-mm 15, 16) have no field (RFC 6477 §5); other extensions
// are not the military mapping's to drop.
func TestMilitaryExtensionDropped(t *testing.T) {
	for _, tt := range []struct {
		oid  ber.OID
		name string
	}{
		{x400.OIDMMACP127NotificationRequest, "military.acp127-notification-request"},
		{x400.OIDMMACP127NotificationResponse, "military.acp127-notification-response"},
	} {
		name, reason, ok := MilitaryExtensionDropped(tt.oid)
		if !ok || name != tt.name || !strings.HasPrefix(reason, "RFC 6477 defines no header field for "+strings.TrimPrefix(tt.name, "military.")) {
			t.Errorf("%v: %q, %q, %v", tt.oid, name, reason, ok)
		}
	}
	for _, o := range []ber.OID{x400.OIDMMPrimaryPrecedence, x400.OIDMMInformationLabels, ber.MustOID("1.2.3")} {
		if _, _, ok := MilitaryExtensionDropped(o); ok {
			t.Errorf("%v reported", o)
		}
	}
}

// TestMilitaryExemptedGroup: a group in MMHS-Exempted-Address gives an O/R
// descriptor with only a free form name, then one per member (RFC 2156
// §4.7.1); that descriptor is written as an empty group "Duty:;" (§4.7.2),
// so that the descriptors survive X.400 -> RFC 822 -> X.400.
func TestMilitaryExemptedGroup(t *testing.T) {
	g := milGateway(t, "")
	m, err := g.HeaderToMilitary(milHeader(FieldMMHSExemptedAddress, " Duty: a@shl.example.com, b@x.example;, c@shl.example.com", FieldMMHSPrimaryPrecedence, " 1"), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ex := m.ExemptedAddresses
	if len(ex) != 4 || ex[0].FormalName != nil || ex[0].FreeFormName != "Duty" || ex[1].FormalName == nil || ex[3].FormalName == nil {
		t.Fatalf("exempted %+v", ex)
	}
	h, err := g.MilitaryToHeader(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := " Duty:;, a@shl.example.com, b@x.example, c@shl.example.com"; h[0].Value != want {
		t.Errorf("written as %q, want %q", h[0].Value, want)
	}
	back, err := g.HeaderToMilitary(milWire(t, h), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !milEqual(back, m) {
		t.Errorf("round trip gives %+v, want %+v", back, m)
	}
}
