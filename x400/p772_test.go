package x400

import (
	"bytes"
	"encoding/hex"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"mixerd/ber"
)

func p772Hex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func p772Ptr[T any](v T) *T { return &v }

// p772RoundTrip checks extensions -> MilitaryHeading -> extensions and
// returns the decoded heading.
func p772RoundTrip(t *testing.T, exts []IPMSExtension) *MilitaryHeading {
	t.Helper()
	m, err := ParseMilitaryHeading(exts)
	if err != nil {
		t.Fatalf("ParseMilitaryHeading: %v", err)
	}
	again, err := m.Extensions()
	if err != nil {
		t.Fatalf("Extensions: %v", err)
	}
	if len(again) != len(exts) {
		t.Fatalf("%d extensions re-encoded as %d", len(exts), len(again))
	}
	for i := range exts {
		if !again[i].Type.Equal(exts[i].Type) || !bytes.Equal(again[i].Value, exts[i].Value) {
			t.Errorf("extension %d: %v % x re-encoded as %v % x", i, exts[i].Type, []byte(exts[i].Value),
				again[i].Type, []byte(again[i].Value))
		}
	}
	return m
}

// TestP772Fields checks each extension against its DER encoding, written
// out by hand from MMSHeadingExtensions, both ways.
func TestP772Fields(t *testing.T) {
	tests := []struct {
		name string
		oid  ber.OID
		der  string
		m    MilitaryHeading
	}{
		{"primary-precedence", OIDMMPrimaryPrecedence, "02 01 04",
			MilitaryHeading{PrimaryPrecedence: p772Ptr(PrecedenceFlash)}},
		{"primary-precedence national", OIDMMPrimaryPrecedence, "02 01 10",
			MilitaryHeading{PrimaryPrecedence: p772Ptr(Precedence(16))}},
		{"copy-precedence", OIDMMCopyPrecedence, "02 01 01",
			MilitaryHeading{CopyPrecedence: p772Ptr(PrecedenceRoutine)}},
		{"message-type", OIDMMMessageType, "31 07 80 01 01 81 02 4f 50",
			MilitaryHeading{MessageType: &MessageType{Type: MessageTypeOperation, Identifier: "OP"}}},
		{"message-type without identifier", OIDMMMessageType, "31 03 80 01 00",
			MilitaryHeading{MessageType: &MessageType{Type: MessageTypeExercise}}},
		{"message-type national", OIDMMMessageType, "31 04 80 02 00 c8",
			MilitaryHeading{MessageType: &MessageType{Type: 200}}},
		{"extended-authorisation-info", OIDMMExtendedAuthorisationInfo, "17 0d 32 34 31 31 32 32 31 34 33 30 30 30 5a",
			MilitaryHeading{ExtendedAuthorisationInfo: time.Date(2024, 11, 22, 14, 30, 0, 0, time.UTC)}},
		{"distribution-codes sics", OIDMMDistributionCodes, "31 0c a0 0a 13 03 41 51 41 13 03 42 43 45",
			MilitaryHeading{DistributionCodes: &DistributionCodes{SICs: []string{"AQA", "BCE"}}}},
		{"distribution-codes extensions", OIDMMDistributionCodes, "31 10 a0 05 13 03 41 51 41 a1 07 30 05 06 01 2a 05 00",
			MilitaryHeading{DistributionCodes: &DistributionCodes{SICs: []string{"AQA"},
				Extensions: []DistributionExtensionField{{Type: ber.MustOID("1.2"), Value: Raw{0x05, 0x00}}}}}},
		{"distribution-codes empty", OIDMMDistributionCodes, "31 00",
			MilitaryHeading{DistributionCodes: &DistributionCodes{}}},
		{"handling-instructions", OIDMMHandlingInstructions, "30 0a 13 03 41 42 43 13 03 44 45 46",
			MilitaryHeading{HandlingInstructions: []string{"ABC", "DEF"}}},
		{"handling-instructions empty", OIDMMHandlingInstructions, "30 00",
			MilitaryHeading{HandlingInstructions: []string{}}},
		{"message-instructions", OIDMMMessageInstructions, "30 05 13 03 5a 4e 52",
			MilitaryHeading{MessageInstructions: []string{"ZNR"}}},
		{"codress-message", OIDMMCodressMessage, "02 02 01 00",
			MilitaryHeading{CodressMessage: p772Ptr(256)}},
		{"codress-message zero", OIDMMCodressMessage, "02 01 00",
			MilitaryHeading{CodressMessage: p772Ptr(0)}},
		{"originator-reference", OIDMMOriginatorReference, "13 05 41 2f 31 2d 32",
			MilitaryHeading{OriginatorReference: "A/1-2"}},
		{"other-recipients-indicator", OIDMMOtherRecipientsIndicator,
			"30 15 31 08 80 01 00 81 03 41 42 43 31 09 80 01 01 81 04 44 45 46 47",
			MilitaryHeading{OtherRecipients: []OtherRecipient{{OtherRecipientPrimary, "ABC"}, {OtherRecipientCopy, "DEFG"}}}},
		{"pilot-forwarding-info", OIDMMPilotForwardingInfo, "30 0c 30 0a 80 01 04 a3 05 13 03 41 42 43",
			MilitaryHeading{PilotForwardingInfo: []PilotInformation{{Precedence: p772Ptr(PrecedenceFlash), Handling: []string{"ABC"}}}}},
		{"pilot-forwarding-info security", OIDMMPilotForwardingInfo, "30 08 30 06 a2 04 80 02 07 80",
			MilitaryHeading{PilotForwardingInfo: []PilotInformation{{Security: Raw{0xa2, 0x04, 0x80, 0x02, 0x07, 0x80}}}}},
		{"pilot-forwarding-info empty entry", OIDMMPilotForwardingInfo, "30 02 30 00",
			MilitaryHeading{PilotForwardingInfo: []PilotInformation{{}}}},
		{"acp127-message-identifier", OIDMMACP127MessageIdentifier, "13 0c 52 46 46 4e 20 30 31 32 20 33 32 37",
			MilitaryHeading{ACP127MessageIdentifier: "RFFN 012 327"}},
		{"originator-plad", OIDMMOriginatorPLAD, "13 03 4a 46 43",
			MilitaryHeading{OriginatorPLAD: "JFC"}},
		{"security-information-labels", OIDMMInformationLabels, "30 06 a0 04 31 02 80 00",
			MilitaryHeading{InformationLabels: Raw{0x30, 0x06, 0xa0, 0x04, 0x31, 0x02, 0x80, 0x00}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			der := p772Hex(t, tt.der)
			exts, err := tt.m.Extensions()
			if err != nil {
				t.Fatal(err)
			}
			if len(exts) != 1 || !exts[0].Type.Equal(tt.oid) {
				t.Fatalf("Extensions = %v, want one %v", exts, tt.oid)
			}
			if !bytes.Equal(exts[0].Value, der) {
				t.Errorf("encoded % x, want % x", []byte(exts[0].Value), der)
			}
			got := p772RoundTrip(t, []IPMSExtension{{Type: tt.oid, Value: der}})
			if !reflect.DeepEqual(*got, tt.m) {
				t.Errorf("decoded %+v, want %+v", *got, tt.m)
			}
		})
	}
}

// TestP772ORDescriptorFields covers the extensions that hold O/R
// descriptors, whose encoding belongs to ipm.go: value -> extensions ->
// value, and bytes stable.
func TestP772ORDescriptorFields(t *testing.T) {
	d1 := ORDescriptor{FreeFormName: "COMMANDER ALLIED MARITIME COMMAND", TelephoneNumber: "+44 1923 956000"}
	d2 := ORDescriptor{FreeFormName: "ALL UNITS TASK GROUP 2"}
	both := AddressListRequestBoth
	info := AddressListRequestInfo
	m := &MilitaryHeading{
		ExemptedAddresses: []ExemptedAddress{d1, d2},
		AddressListIndicator: []AddressListDesignator{
			{Type: AddressListPrimary, ListName: d2, NotificationRequest: &both, ReplyRequest: &info},
			{Type: AddressListCopy, ListName: d1},
		},
		PilotForwardingInfo: []PilotInformation{{
			Precedence: p772Ptr(PrecedenceImmediate),
			Recipients: []ORDescriptor{d1},
			Handling:   []string{"PILOT"},
		}},
	}
	exts, err := m.Extensions()
	if err != nil {
		t.Fatal(err)
	}
	got := p772RoundTrip(t, exts)
	if !reflect.DeepEqual(got, m) {
		t.Errorf("decoded %+v, want %+v", got, m)
	}
}

func TestP772SampleRoundTrip(t *testing.T) {
	m := SampleMilitaryHeading()
	if err := m.Validate(); err != nil {
		t.Fatalf("sample does not validate: %v", err)
	}
	exts, err := m.Extensions()
	if err != nil {
		t.Fatal(err)
	}
	if len(exts) != 12 {
		t.Errorf("sample has %d extensions, want 12", len(exts))
	}
	if !p772DEROrder(exts) {
		t.Errorf("extensions not in DER SET OF order: %v", exts)
	}
	got := p772RoundTrip(t, exts)
	if !reflect.DeepEqual(got, m) {
		t.Errorf("decoded %+v, want %+v", got, m)
	}
	// The golden encoding: the extensions as an ExtensionsField, SET OF
	// IPMSExtension (X.420 §7.2.17), in DER order.
	var b ber.Builder
	s := b.Begin(ber.Set)
	for _, x := range exts {
		q := b.Begin(ber.Sequence)
		b.AddOID(ber.ObjectID, x.Type)
		b.AddRaw(x.Value)
		b.End(q)
	}
	b.EndSetOf(s)
	const golden = "testdata/p772_sample_heading_extensions.der"
	if os.Getenv("P772_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("sample encoding differs from %s:\n got % x\nwant % x", golden, b.Bytes(), want)
	}
	// And the golden file decodes back to the sample.
	r := ber.NewReader(want, nil)
	set, err := r.Expect(ber.Set)
	if err != nil {
		t.Fatal(err)
	}
	cr, _ := set.Children()
	var read []IPMSExtension
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
		read = append(read, IPMSExtension{Type: ber.OID(o.Content), Value: Raw(v.Raw)})
	}
	got, err = ParseMilitaryHeading(read)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("golden decoded %+v, want %+v", got, m)
	}
}

func TestP772ExtendedAuthorisationInfoForms(t *testing.T) {
	want := time.Date(2024, 11, 22, 14, 30, 0, 0, time.UTC)
	for _, tt := range []struct{ name, der string }{
		{"UTCTime without seconds", "17 0b 32 34 31 31 32 32 31 34 33 30 5a"},
		{"UTCTime with offset", "17 11 32 34 31 31 32 32 31 35 33 30 30 30 2b 30 31 30 30"},
		{"GeneralizedTime", "18 0f 32 30 32 34 31 31 32 32 31 34 33 30 30 30 5a"},
		{"constructed UTCTime", "37 0f 17 0d 32 34 31 31 32 32 31 34 33 30 30 30 5a"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMilitaryHeading([]IPMSExtension{{Type: OIDMMExtendedAuthorisationInfo, Value: p772Hex(t, tt.der)}})
			if err != nil {
				t.Fatal(err)
			}
			if !m.ExtendedAuthorisationInfo.Equal(want) {
				t.Errorf("got %v, want %v", m.ExtendedAuthorisationInfo, want)
			}
			exts, err := m.Extensions()
			if err != nil {
				t.Fatal(err)
			}
			if d := p772Hex(t, "17 0d 32 34 31 31 32 32 31 34 33 30 30 30 5a"); !bytes.Equal(exts[0].Value, d) {
				t.Errorf("re-encoded % x, want the DER UTCTime % x", []byte(exts[0].Value), d)
			}
		})
	}
}

func TestP772Malformed(t *testing.T) {
	tests := []struct {
		name string
		oid  ber.OID
		der  string
		want string // substring of the error
	}{
		{"no value", OIDMMPrimaryPrecedence, "", "primary-precedence: offset 0: extension without a value"},
		{"wrong tag", OIDMMPrimaryPrecedence, "04 01 04", "primary-precedence: offset 0: expected INTEGER, found OCTET STRING"},
		{"truncated", OIDMMPrimaryPrecedence, "02 02 04", "primary-precedence: offset 0: INTEGER claims 2"},
		{"trailing bytes", OIDMMCopyPrecedence, "02 01 04 05 00", "copy-precedence: offset 3: unexpected NULL"},
		{"negative precedence", OIDMMCopyPrecedence, "02 01 ff", "copy-precedence: offset 0: negative precedence"},
		{"huge precedence", OIDMMPrimaryPrecedence, "02 05 01 00 00 00 00", "primary-precedence: offset 0: INTEGER: INTEGER 4294967296 out of range"},
		{"empty integer", OIDMMCodressMessage, "02 00", "codress-message: offset 0: INTEGER: empty INTEGER"},
		{"message-type without type", OIDMMMessageType, "31 03 81 01 41", "message-type: offset 0: MessageType without type"},
		{"message-type unknown component", OIDMMMessageType, "31 06 80 01 01 82 01 00", "message-type: offset 5: unexpected [2]"},
		{"message-type twice", OIDMMMessageType, "31 06 80 01 01 80 01 02", "message-type.type: offset 5: [0] appears twice"},
		{"message-type negative", OIDMMMessageType, "31 03 80 01 80", "message-type.type: offset 2: negative message type"},
		{"message-type bad identifier", OIDMMMessageType, "31 08 80 01 01 81 03 41 2a 42", "message-type.identifier: offset 5: [1]: character outside PrintableString"},
		{"message-type not a set", OIDMMMessageType, "30 03 80 01 01", "message-type: offset 0: expected SET, found SEQUENCE"},
		{"message-type primitive", OIDMMMessageType, "11 00", "message-type: offset 0: SET: expected a constructed encoding"},
		{"exempted-address not a set", OIDMMExemptedAddress, "30 02 30 00", "exempted-address: offset 2: expected SET, found SEQUENCE"},
		{"bad UTCTime", OIDMMExtendedAuthorisationInfo, "17 05 32 34 31 31 32", "extended-authorisation-info: offset 0: UTCTime: malformed UTCTime"},
		{"time out of range", OIDMMExtendedAuthorisationInfo, "18 0f 32 32 30 30 30 31 30 31 30 30 30 30 30 30 5a", "extended-authorisation-info: offset 0: time in 2200"},
		{"time wrong type", OIDMMExtendedAuthorisationInfo, "13 01 41", "extended-authorisation-info: offset 0: expected UTCTime, found PrintableString"},
		{"sics twice", OIDMMDistributionCodes, "31 0a a0 03 13 01 41 a0 03 13 01 42", "distribution-codes.sics: offset 7: [0] appears twice"},
		{"sic not printable", OIDMMDistributionCodes, "31 05 a0 03 13 01 21", "distribution-codes.sics: offset 4: PrintableString: character outside PrintableString"},
		{"sic wrong type", OIDMMDistributionCodes, "31 05 a0 03 16 01 41", "distribution-codes.sics: offset 4: expected PrintableString, found IA5String"},
		{"dist extension without value", OIDMMDistributionCodes, "31 07 a1 05 30 03 06 01 2a", "distribution-codes.dist-Extensions.dist-value: offset 9: unexpected end of input"},
		{"dist extension bad oid", OIDMMDistributionCodes, "31 07 a1 05 30 03 06 01 80", "distribution-codes.dist-Extensions.dist-type: offset 6"},
		{"distribution-codes unknown", OIDMMDistributionCodes, "31 02 82 00", "distribution-codes: offset 2: unexpected [2] in DistributionCodes"},
		{"handling wrong string type", OIDMMHandlingInstructions, "30 03 0c 01 41", "handling-instructions: offset 2: expected PrintableString, found UTF8String"},
		{"handling empty string", OIDMMHandlingInstructions, "30 02 13 00", "handling-instructions: offset 2: empty MilitaryString"},
		{"message-instructions bad char", OIDMMMessageInstructions, "30 03 13 01 40", "message-instructions: offset 2: PrintableString: character outside PrintableString"},
		{"originator-reference empty", OIDMMOriginatorReference, "13 00", "originator-reference: offset 0: empty MilitaryString"},
		{"originator-plad wrong tag", OIDMMOriginatorPLAD, "14 01 41", "originator-plad: offset 0: expected PrintableString, found TeletexString"},
		{"acp127-message-identifier bad char", OIDMMACP127MessageIdentifier, "13 02 41 26", "acp127-message-identifier: offset 0: PrintableString: character outside PrintableString"},
		{"other recipient without designator", OIDMMOtherRecipientsIndicator, "30 05 31 03 80 01 00", "other-recipients-indicator.OtherRecipientDesignator: offset 2: OtherRecipientDesignator without type or designator"},
		{"other recipient unknown", OIDMMOtherRecipientsIndicator, "30 07 31 05 80 01 00 83 00", "other-recipients-indicator.OtherRecipientDesignator: offset 7: unexpected [3]"},
		{"pilot out of order", OIDMMPilotForwardingInfo, "30 0a 30 08 a3 03 13 01 41 80 01 04", "pilot-forwarding-info.PilotInformation: offset 9: unexpected [0] at the end of PilotInformation"},
		{"pilot primitive security", OIDMMPilotForwardingInfo, "30 04 30 02 82 00", "pilot-forwarding-info.PilotInformation.pilotSecurity: offset 4: [2]: expected a constructed encoding"},
		{"pilot bad precedence", OIDMMPilotForwardingInfo, "30 05 30 03 80 01 fe", "pilot-forwarding-info.PilotInformation.pilotPrecedence: offset 4: negative precedence"},
		{"address list without name", OIDMMAddressListIndicator, "30 05 31 03 80 01 00", "address-list-indicator.AddressListDesignator: offset 2: AddressListDesignator without type or listName"},
		{"address list twice", OIDMMAddressListIndicator, "30 0a 31 08 80 01 00 a1 00 80 01 01", "address-list-indicator.AddressListDesignator.type: offset 9: [0] appears twice"},
		{"address list unknown", OIDMMAddressListIndicator, "30 04 31 02 84 00", "address-list-indicator.AddressListDesignator: offset 4: unexpected [4]"},
		{"information labels wrong tag", OIDMMInformationLabels, "31 00", "security-information-labels: offset 0: expected SEQUENCE, found SET"},
		{"indefinite without end", OIDMMHandlingInstructions, "30 80 13 01 41", "handling-instructions: offset 5: indefinite-length element has no end-of-contents"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Raw
			if tt.der != "" {
				v = p772Hex(t, tt.der)
			}
			m, err := ParseMilitaryHeading([]IPMSExtension{{Type: tt.oid, Value: v}})
			if err == nil {
				t.Fatalf("no error; decoded %+v", m)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if _, ok := err.(*ber.Error); !ok {
				t.Errorf("error %T is not a *ber.Error", err)
			}
		})
	}
}

func TestP772Duplicate(t *testing.T) {
	exts := []IPMSExtension{
		{Type: OIDMMPrimaryPrecedence, Value: Raw{0x02, 0x01, 0x04}},
		{Type: OIDMMPrimaryPrecedence, Value: Raw{0x02, 0x01, 0x03}},
	}
	_, err := ParseMilitaryHeading(exts)
	if err == nil || !strings.Contains(err.Error(), "primary-precedence: offset 0: extension present twice") {
		t.Errorf("err = %v", err)
	}
}

func TestP772IgnoresOthers(t *testing.T) {
	exts := []IPMSExtension{
		{Type: ber.MustOID("2.6.1.5.1"), Value: Raw{0x05, 0x00}},                   // an X.420 extension
		{Type: ber.MustOID("1.3.26.0.4406.0.2.99"), Value: Raw{0xff}},              // unknown P772 arc
		{Type: ber.MustOID("1.3.26.0.4406.0.2.200"), Value: Raw{0xff}},             // arc above 127
		{Type: OIDMMACP127NotificationRequest, Value: Raw{0x03, 0x02, 0x05, 0xa0}}, // per-recipient
		{Type: OIDMMCopyPrecedence, Value: Raw{0x02, 0x01, 0x00}},
	}
	m, err := ParseMilitaryHeading(exts)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, &MilitaryHeading{CopyPrecedence: p772Ptr(PrecedenceDeferred)}) {
		t.Errorf("got %+v", m)
	}
	m, err = ParseMilitaryHeading(nil)
	if err != nil || !reflect.DeepEqual(m, &MilitaryHeading{}) {
		t.Errorf("nil extensions: %+v, %v", m, err)
	}
	exts, err = m.Extensions()
	if err != nil || exts != nil {
		t.Errorf("empty heading encodes as %v, %v", exts, err)
	}
}

func TestHeadingMilitary(t *testing.T) {
	other1 := IPMSExtension{Type: ber.MustOID("2.6.1.5.1"), Value: Raw{0x05, 0x00}}
	other2 := IPMSExtension{Type: ber.MustOID("1.3.26.0.4406.0.2.99"), Value: Raw{0x05, 0x00}}
	h := &Heading{Extensions: []IPMSExtension{
		other1,
		{Type: OIDMMPrimaryPrecedence, Value: Raw{0x02, 0x01, 0x01}},
		other2,
		{Type: OIDMMOriginatorPLAD, Value: Raw{0x13, 0x01, 0x41}},
	}}
	m, err := h.Military()
	if err != nil {
		t.Fatal(err)
	}
	if m == nil || *m.PrimaryPrecedence != PrecedenceRoutine || m.OriginatorPLAD != "A" {
		t.Fatalf("Military() = %+v", m)
	}
	s := SampleMilitaryHeading()
	if err := h.SetMilitary(s); err != nil {
		t.Fatal(err)
	}
	want, _ := s.Extensions()
	if len(h.Extensions) != 2+len(want) {
		t.Fatalf("%d extensions after SetMilitary, want %d", len(h.Extensions), 2+len(want))
	}
	var kept []IPMSExtension
	for _, x := range h.Extensions {
		if !isP772HeadingExtension(x.Type) {
			kept = append(kept, x)
		}
	}
	if !reflect.DeepEqual(kept, []IPMSExtension{other1, other2}) {
		t.Errorf("non-P772 extensions not kept: %v", kept)
	}
	if !p772DEROrder(h.Extensions) {
		t.Errorf("heading extensions not in DER SET OF order: %v", h.Extensions)
	}
	got, err := h.Military()
	if err != nil || !reflect.DeepEqual(got, s) {
		t.Errorf("Military() after SetMilitary = %+v, %v", got, err)
	}
	// An encoding failure leaves h unchanged.
	before := append([]IPMSExtension(nil), h.Extensions...)
	if err := h.SetMilitary(&MilitaryHeading{OriginatorPLAD: "caf\u00e9"}); err == nil {
		t.Error("SetMilitary with a non-printable PLAD succeeded")
	}
	if !reflect.DeepEqual(h.Extensions, before) {
		t.Error("failed SetMilitary changed the heading")
	}
	if err := h.SetMilitary(nil); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(h.Extensions, []IPMSExtension{other1, other2}) {
		t.Errorf("SetMilitary(nil) left %v", h.Extensions)
	}
	if m, err := h.Military(); m != nil || err != nil {
		t.Errorf("Military() without P772 extensions = %+v, %v", m, err)
	}
	h = &Heading{}
	if err := h.SetMilitary(nil); err != nil || h.Extensions != nil {
		t.Errorf("SetMilitary(nil) on an empty heading: %v, %v", h.Extensions, err)
	}
	h.Extensions = []IPMSExtension{{Type: OIDMMMessageType, Value: Raw{0x31, 0x00}}}
	if _, err := h.Military(); err == nil || !strings.Contains(err.Error(), "message-type") {
		t.Errorf("Military() on a bad extension: %v", err)
	}
}

func TestP772EncodeErrors(t *testing.T) {
	neg := Precedence(-1)
	tests := []struct {
		name string
		m    MilitaryHeading
	}{
		{"negative precedence", MilitaryHeading{PrimaryPrecedence: &neg}},
		{"negative message type", MilitaryHeading{MessageType: &MessageType{Type: -1}}},
		{"non-printable identifier", MilitaryHeading{MessageType: &MessageType{Identifier: "a_b"}}},
		{"empty handling instruction", MilitaryHeading{HandlingInstructions: []string{""}}},
		{"non-printable SIC", MilitaryHeading{DistributionCodes: &DistributionCodes{SICs: []string{"A*B"}}}},
		{"dist extension without value", MilitaryHeading{DistributionCodes: &DistributionCodes{
			Extensions: []DistributionExtensionField{{Type: ber.MustOID("1.2")}}}}},
		{"dist extension with two elements", MilitaryHeading{DistributionCodes: &DistributionCodes{
			Extensions: []DistributionExtensionField{{Type: ber.MustOID("1.2"), Value: Raw{5, 0, 5, 0}}}}}},
		{"time before 1950", MilitaryHeading{ExtendedAuthorisationInfo: time.Date(1949, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"time after 2049", MilitaryHeading{ExtendedAuthorisationInfo: time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"huge codress", MilitaryHeading{CodressMessage: p772Ptr(1 << 40)}},
		{"bad information labels", MilitaryHeading{InformationLabels: Raw{0x31, 0x00}}},
		{"truncated information labels", MilitaryHeading{InformationLabels: Raw{0x30, 0x05}}},
		{"bad pilot security", MilitaryHeading{PilotForwardingInfo: []PilotInformation{{Security: Raw{0x31, 0x00}}}}},
		{"other recipient without designator", MilitaryHeading{OtherRecipients: []OtherRecipient{{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if exts, err := tt.m.Extensions(); err == nil {
				t.Errorf("no error; encoded %v", exts)
			}
		})
	}
}

func TestP772Validate(t *testing.T) {
	long := strings.Repeat("A", UBMilitaryString+1)
	tests := []struct {
		name string
		m    MilitaryHeading
		want string
	}{
		{"precedence 32", MilitaryHeading{PrimaryPrecedence: p772Ptr(Precedence(32))}, "primary-precedence 32"},
		{"copy precedence -1", MilitaryHeading{CopyPrecedence: p772Ptr(Precedence(-1))}, "copy-precedence -1"},
		{"message type 256", MilitaryHeading{MessageType: &MessageType{Type: 256}}, "message-type 256"},
		{"long identifier", MilitaryHeading{MessageType: &MessageType{Identifier: long}}, "message-type.identifier"},
		{"no SICs", MilitaryHeading{DistributionCodes: &DistributionCodes{SICs: []string{}}}, "0 SICs"},
		{"nine SICs", MilitaryHeading{DistributionCodes: &DistributionCodes{SICs: strings.Split("AAA BBB CCC DDD EEE FFF GGG HHH III", " ")}}, "9 SICs"},
		{"short SIC", MilitaryHeading{DistributionCodes: &DistributionCodes{SICs: []string{"AB"}}}, "SIC \"AB\""},
		{"long SIC", MilitaryHeading{DistributionCodes: &DistributionCodes{SICs: []string{"ABCDEFGHI"}}}, "SIC \"ABCDEFGHI\""},
		{"long handling", MilitaryHeading{HandlingInstructions: []string{long}}, "handling-instructions"},
		{"bad message instruction", MilitaryHeading{MessageInstructions: []string{"a@b"}}, "message-instructions: character outside"},
		{"long reference", MilitaryHeading{OriginatorReference: long}, "originator-reference"},
		{"long PLAD", MilitaryHeading{OriginatorPLAD: long}, "originator-plad"},
		{"long ACP127 id", MilitaryHeading{ACP127MessageIdentifier: long}, "acp127-message-identifier"},
		{"empty designator", MilitaryHeading{OtherRecipients: []OtherRecipient{{}}}, "other-recipients-indicator"},
		{"pilot precedence", MilitaryHeading{PilotForwardingInfo: []PilotInformation{{Precedence: p772Ptr(Precedence(40))}}}, "pilotPrecedence 40"},
		{"pilot handling", MilitaryHeading{PilotForwardingInfo: []PilotInformation{{Handling: []string{long}}}}, "pilotHandling"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error with %q", err, tt.want)
			}
		})
	}
	ok := MilitaryHeading{
		PrimaryPrecedence: p772Ptr(Precedence(31)),
		MessageType:       &MessageType{Type: 255},
		DistributionCodes: &DistributionCodes{SICs: strings.Split("AAA BBB CCC DDD EEE FFF GGG HHHHHHHH", " ")},
		OriginatorPLAD:    long[1:],
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate() at the bounds = %v", err)
	}
}

func TestP772OIDs(t *testing.T) {
	for a, o := range p772OIDs {
		if p772Arc(o) != a {
			t.Errorf("OID %v has arc %d, want %d", o, p772Arc(o), a)
		}
		if want := "1.3.26.0.4406.0.2." + itoa(a); o.String() != want {
			t.Errorf("OID %v, want %s", o, want)
		}
	}
	if OIDContentP772.String() != "1.3.26.0.4406.0.4.1" {
		t.Errorf("id-mct-p772 = %v", OIDContentP772)
	}
	if len(p772Names) != len(p772OIDs) {
		t.Error("names and OIDs differ in length")
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestACP127NotificationRequest(t *testing.T) {
	for _, tt := range []struct {
		v   ACP127NotificationType
		der string
	}{
		{0, "03 01 00"},
		{ACP127NegativeNotification, "03 02 07 80"},
		{ACP127NegativeNotification | ACP127TransferNotification, "03 02 05 a0"},
		{ACP127NegativeNotification | ACP127PositiveNotification | ACP127TransferNotification, "03 02 05 e0"},
	} {
		x := tt.v.Extension()
		if !x.Type.Equal(OIDMMACP127NotificationRequest) || !bytes.Equal(x.Value, p772Hex(t, tt.der)) {
			t.Errorf("%d encodes as %v % x, want %s", tt.v, x.Type, []byte(x.Value), tt.der)
		}
		got, ok, err := ParseACP127NotificationRequest([]IPMSExtension{
			{Type: OIDMMPrimaryPrecedence, Value: Raw{2, 1, 1}}, x})
		if err != nil || !ok || got != tt.v {
			t.Errorf("parse %s = %d, %v, %v", tt.der, got, ok, err)
		}
	}
	if _, ok, err := ParseACP127NotificationRequest(nil); ok || err != nil {
		t.Errorf("absent: %v, %v", ok, err)
	}
	// Non-DER trailing zero bits are accepted.
	if got, _, err := ParseACP127NotificationRequest([]IPMSExtension{{Type: OIDMMACP127NotificationRequest,
		Value: Raw{0x03, 0x02, 0x00, 0x40}}}); err != nil || got != ACP127PositiveNotification {
		t.Errorf("non-DER: %d, %v", got, err)
	}
	for _, tt := range []struct{ der, want string }{
		{"02 01 00", "acp127-notification-request: offset 0: expected BIT STRING, found INTEGER"},
		{"03 02 08 00", "acp127-notification-request: offset 0"},
		{"03 00", "acp127-notification-request: offset 0"},
	} {
		_, _, err := ParseACP127NotificationRequest([]IPMSExtension{{Type: OIDMMACP127NotificationRequest, Value: p772Hex(t, tt.der)}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.der, err, tt.want)
		}
	}
	x := ACP127PositiveNotification.Extension()
	if _, _, err := ParseACP127NotificationRequest([]IPMSExtension{x, x}); err == nil {
		t.Error("duplicate request accepted")
	}
}

func TestACP127NotificationResponse(t *testing.T) {
	rt := time.Date(2024, 11, 22, 15, 2, 33, 0, time.UTC)
	r := &ACP127NotificationResponse{
		Type:        ACP127PositiveNotification,
		ReceiptTime: rt,
		Recipient:   "RUFHNA COMSTRIKFORNATO",
		SuppInfo:    "TRANSMITTED ON BROADCAST",
	}
	x, err := r.Extension()
	if err != nil {
		t.Fatal(err)
	}
	want := "31 45 80 02 06 40 81 0d 32 34 31 31 32 32 31 35 30 32 33 33 5a" +
		" 83 16 52 55 46 48 4e 41 20 43 4f 4d 53 54 52 49 4b 46 4f 52 4e 41 54 4f" +
		" 84 18 54 52 41 4e 53 4d 49 54 54 45 44 20 4f 4e 20 42 52 4f 41 44 43 41 53 54"
	if !x.Type.Equal(OIDMMACP127NotificationResponse) || !bytes.Equal(x.Value, p772Hex(t, want)) {
		t.Errorf("encoded %v % x\nwant %s", x.Type, []byte(x.Value), want)
	}
	got, err := ParseACP127NotificationResponse([]IPMSExtension{{Type: ber.MustOID("2.6.1.5.1"), Value: Raw{5, 0}}, x})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("decoded %+v, want %+v", got, r)
	}
	if err := r.Validate(); err != nil {
		t.Error(err)
	}

	// With an address list indicator, and the components out of order.
	r2 := &ACP127NotificationResponse{
		Type:        ACP127NegativeNotification | ACP127TransferNotification,
		ReceiptTime: rt,
		AddressListIndicator: []AddressListDesignator{
			{Type: AddressListCopy, ListName: ORDescriptor{FreeFormName: "AIG 1234"}},
		},
	}
	x2, err := r2.Extension()
	if err != nil {
		t.Fatal(err)
	}
	got, err = ParseACP127NotificationResponse([]IPMSExtension{x2})
	if err != nil || !reflect.DeepEqual(got, r2) {
		t.Errorf("decoded %+v, %v; want %+v", got, err, r2)
	}
	again, _ := got.Extension()
	if !bytes.Equal(again.Value, x2.Value) {
		t.Error("re-encoding differs")
	}
	unordered := p772Hex(t, "31 14 81 0d 32 34 31 31 32 32 31 35 30 32 33 33 5a 80 03 05 a0 00")
	// (a trailing zero byte in the BIT STRING, not DER, is accepted)
	got, err = ParseACP127NotificationResponse([]IPMSExtension{{Type: OIDMMACP127NotificationResponse, Value: unordered}})
	if err != nil || got.Type != ACP127NegativeNotification|ACP127TransferNotification || !got.ReceiptTime.Equal(rt) {
		t.Errorf("unordered: %+v, %v", got, err)
	}

	if got, err := ParseACP127NotificationResponse(nil); got != nil || err != nil {
		t.Errorf("absent: %+v, %v", got, err)
	}
	for _, tt := range []struct{ der, want string }{
		{"31 04 80 02 06 40", "acp127-notification-response: offset 0: Acp127NotificationResponse without acp127-notification-type or receipt-time"},
		{"30 00", "acp127-notification-response: offset 0: expected SET, found SEQUENCE"},
		{"31 06 80 02 06 40 85 00", "acp127-notification-response: offset 6: unexpected [5]"},
		{"31 08 80 02 06 40 80 02 06 40", "acp127-notification-response.acp127-notification-type: offset 6: [0] appears twice"},
		{"31 09 80 02 06 40 81 03 39 39 39", "acp127-notification-response.receipt-time: offset 6: [1]: malformed UTCTime"},
		{"31 18 80 02 06 40 81 0d 32 34 31 31 32 32 31 35 30 32 33 33 5a 83 03 61 5f 62",
			"acp127-notification-response.acp127-recipient: offset 21: [3]: character outside PrintableString"},
		{"31 15 80 02 06 40 81 0d 32 34 31 31 32 32 31 35 30 32 33 33 5a 84 00", "acp127-notification-response.acp127-supp-info: offset 21: empty MilitaryString"},
		{"31 19 80 02 06 40 81 0d 32 34 31 31 32 32 31 35 30 32 33 33 5a a2 04 30 02 80 00",
			"acp127-notification-response.addressListIndicator: offset 23: expected SET, found SEQUENCE"},
	} {
		_, err := ParseACP127NotificationResponse([]IPMSExtension{{Type: OIDMMACP127NotificationResponse, Value: p772Hex(t, tt.der)}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.der, err, tt.want)
		}
	}
	if _, err := ParseACP127NotificationResponse([]IPMSExtension{x, x}); err == nil {
		t.Error("duplicate response accepted")
	}
	if _, err := (&ACP127NotificationResponse{}).Extension(); err == nil {
		t.Error("response without receipt time encoded")
	}
	long := strings.Repeat("B", UBMilitaryBigString+1)
	if err := (&ACP127NotificationResponse{ReceiptTime: rt, SuppInfo: long}).Validate(); err == nil {
		t.Error("Validate accepted a 129-character supp-info")
	}
	if err := (&ACP127NotificationResponse{ReceiptTime: rt, Recipient: long[1:]}).Validate(); err != nil {
		t.Errorf("Validate refused 128 characters: %v", err)
	}
}

// p772FuzzOne parses data as the value of the extension oid and, if it
// parses, checks that the encoding is stable.
func p772FuzzOne(t *testing.T, oid ber.OID, data []byte) {
	exts := []IPMSExtension{{Type: oid, Value: data}}
	switch p772Arc(oid) {
	case p772ACP127NotificationRequest:
		v, ok, err := ParseACP127NotificationRequest(exts)
		if err != nil || !ok {
			return
		}
		x := v.Extension()
		v2, _, err := ParseACP127NotificationRequest([]IPMSExtension{x})
		if err != nil || v2 != v || !bytes.Equal(v2.Extension().Value, x.Value) {
			t.Fatalf("%v: request % x unstable: %v", oid, data, err)
		}
		return
	case p772ACP127NotificationResponse:
		r, err := ParseACP127NotificationResponse(exts)
		if err != nil {
			return
		}
		x, err := r.Extension()
		if err != nil {
			t.Fatalf("%v: % x decoded but does not encode: %v", oid, data, err)
		}
		r2, err := ParseACP127NotificationResponse([]IPMSExtension{x})
		if err != nil {
			t.Fatalf("%v: re-encoding % x does not decode: %v", oid, []byte(x.Value), err)
		}
		x2, err := r2.Extension()
		if err != nil || !bytes.Equal(x2.Value, x.Value) {
			t.Fatalf("%v: unstable encoding % x then % x (%v)", oid, []byte(x.Value), []byte(x2.Value), err)
		}
		return
	}
	m, err := ParseMilitaryHeading(exts)
	if err != nil {
		return
	}
	enc, err := m.Extensions()
	if err != nil {
		t.Fatalf("%v: % x decoded but does not encode: %v", oid, data, err)
	}
	m2, err := ParseMilitaryHeading(enc)
	if err != nil {
		t.Fatalf("%v: re-encoding does not decode: %v", oid, err)
	}
	enc2, err := m2.Extensions()
	if err != nil {
		t.Fatalf("%v: second encoding failed: %v", oid, err)
	}
	if len(enc) != len(enc2) {
		t.Fatalf("%v: %d extensions then %d", oid, len(enc), len(enc2))
	}
	for i := range enc {
		if !enc[i].Type.Equal(enc2[i].Type) || !bytes.Equal(enc[i].Value, enc2[i].Value) {
			t.Fatalf("%v: unstable encoding % x then % x", oid, []byte(enc[i].Value), []byte(enc2[i].Value))
		}
	}
}

// FuzzMilitaryHeading feeds arbitrary bytes as the value of every known
// P772 extension (heading, per-recipient and notification).
func FuzzMilitaryHeading(f *testing.F) {
	exts, err := SampleMilitaryHeading().Extensions()
	if err != nil {
		f.Fatal(err)
	}
	for _, x := range exts {
		f.Add([]byte(x.Value))
	}
	d := ORDescriptor{FreeFormName: "LIST", TelephoneNumber: "123"}
	more := &MilitaryHeading{
		AddressListIndicator: []AddressListDesignator{{ListName: d, NotificationRequest: p772Ptr(AddressListRequestBoth)}},
		PilotForwardingInfo: []PilotInformation{{Precedence: p772Ptr(PrecedenceFlash), Recipients: []ORDescriptor{d},
			Security: Raw{0xa2, 0x03, 0x80, 0x01, 0x01}, Handling: []string{"X"}}},
		DistributionCodes: &DistributionCodes{SICs: []string{"AAA"},
			Extensions: []DistributionExtensionField{{Type: ber.MustOID("1.2.3"), Value: Raw{0x30, 0x80, 0x05, 0x00, 0x00, 0x00}}}},
		CodressMessage:    p772Ptr(-5),
		InformationLabels: Raw{0x30, 0x04, 0xa0, 0x02, 0x31, 0x00},
	}
	if exts, err = more.Extensions(); err != nil {
		f.Fatal(err)
	}
	for _, x := range exts {
		f.Add([]byte(x.Value))
	}
	resp, err := (&ACP127NotificationResponse{Type: 7, ReceiptTime: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		AddressListIndicator: more.AddressListIndicator, Recipient: "R", SuppInfo: "S"}).Extension()
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(resp.Value))
	f.Add([]byte(ACP127TransferNotification.Extension().Value))
	f.Add([]byte{0x17, 0x0b, '4', '9', '1', '2', '3', '1', '2', '3', '0', '0', 'Z'})
	f.Add([]byte{0x30, 0x80, 0x13, 0x01, 0x41, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, o := range p772OIDs {
			p772FuzzOne(t, o, data)
		}
	})
}

func BenchmarkParseMilitaryHeading(b *testing.B) {
	exts, err := SampleMilitaryHeading().Extensions()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMilitaryHeading(exts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMilitaryHeadingExtensions(b *testing.B) {
	m := SampleMilitaryHeading()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Extensions(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestIPNACP127NotificationResponse(t *testing.T) {
	other := IPMSExtension{Type: ber.MustOID("2.6.1.19.0"), Value: Raw{0x05, 0x00}}
	n := &IPN{Receipt: &ReceiptFields{}, Other: []IPMSExtension{other}}
	if r, err := n.ACP127NotificationResponse(); r != nil || err != nil {
		t.Errorf("no response: %+v, %v", r, err)
	}
	r := &ACP127NotificationResponse{Type: ACP127TransferNotification,
		ReceiptTime: time.Date(2024, 11, 22, 15, 0, 0, 0, time.UTC), Recipient: "RUEOMCA"}
	if err := n.SetACP127NotificationResponse(r); err != nil {
		t.Fatal(err)
	}
	if n.Receipt != nil || n.NonReceipt != nil || len(n.Other) != 2 || !reflect.DeepEqual(n.Other[0], other) {
		t.Errorf("after Set: %+v", n)
	}
	got, err := n.ACP127NotificationResponse()
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Errorf("got %+v, %v; want %+v", got, err, r)
	}
	r.SuppInfo = "RELAYED"
	if err := n.SetACP127NotificationResponse(r); err != nil || len(n.Other) != 2 {
		t.Fatalf("replace: %v, %d extensions", err, len(n.Other))
	}
	if got, _ := n.ACP127NotificationResponse(); got.SuppInfo != "RELAYED" {
		t.Errorf("not replaced: %+v", got)
	}
	before := append([]IPMSExtension(nil), n.Other...)
	if err := n.SetACP127NotificationResponse(&ACP127NotificationResponse{}); err == nil {
		t.Error("response without receipt time accepted")
	}
	if !reflect.DeepEqual(n.Other, before) {
		t.Error("failed Set changed the IPN")
	}
	if err := n.SetACP127NotificationResponse(nil); err != nil || !reflect.DeepEqual(n.Other, []IPMSExtension{other}) {
		t.Errorf("remove: %v, %v", n.Other, err)
	}
}

// p772DEROrder reports whether xs is in DER SET OF order: each
// IPMSExtension's encoding, as the heading writes it, sorts after the one
// before (ber.Builder.EndSetOf's order).
func p772DEROrder(xs []IPMSExtension) bool {
	var prev []byte
	for i := range xs {
		var b ber.Builder
		xs[i].encode(&b, ber.Sequence)
		if i > 0 && bytes.Compare(prev, b.Bytes()) > 0 {
			return false
		}
		prev = b.Bytes()
	}
	return true
}

// TestP772CompareExtensions checks the comparison of IPMSExtensions
// against bytes.Compare of their encodings, across lengths that change
// the form of the length octets.
func TestP772CompareExtensions(t *testing.T) {
	var xs []IPMSExtension
	for _, o := range []string{"1.3.26.0.4406.0.2.0", "1.3.26.0.4406.0.2.17", "2.6.1.5.1", "1.2", "1.3.26.0.4406.0.2.99"} {
		oid := ber.MustOID(o)
		xs = append(xs, IPMSExtension{Type: oid}, IPMSExtension{Type: oid, Value: Raw{0x05, 0x00}})
		for _, n := range []int{0, 1, 100, 115, 116, 117, 118, 240, 300} {
			for _, c := range []byte{0x00, 0x41, 0xff} {
				v := append([]byte{0x04}, p772LengthOctets(nil, n)...)
				xs = append(xs, IPMSExtension{Type: oid, Value: append(v, bytes.Repeat([]byte{c}, n)...)})
			}
		}
	}
	enc := make([][]byte, len(xs))
	for i := range xs {
		var b ber.Builder
		xs[i].encode(&b, ber.Sequence)
		enc[i] = b.Bytes()
	}
	sign := func(c int) int { return min(max(c, -1), 1) }
	for i := range xs {
		for j := range xs {
			if got, want := sign(p772CompareExtensions(xs[i], xs[j])), bytes.Compare(enc[i], enc[j]); got != want {
				t.Fatalf("compare % x with % x: %d, want %d", enc[i], enc[j], got, want)
			}
		}
	}
}

// TestP772Allocations pins the allocations of the P772 codecs on the
// sample heading: decoding it is one allocation for the heading, its
// single objects, its short lists, the Reader state shared by all
// extension values and the exempted address's O/R name, and what the rest
// of that O/R descriptor costs in its own decoder; encoding it is the value buffer and the
// extension list, and SetMilitary on a heading whose extensions have room
// reuses them. DER order means the heading's EndSetOf does not sort
// (allocates nothing). Longer lists cost one allocation each (exact size).
func TestP772Allocations(t *testing.T) {
	sample := SampleMilitaryHeading()
	exts, err := sample.Extensions()
	if err != nil {
		t.Fatal(err)
	}
	// What the O/R descriptor of the exempted address costs in its own
	// decoder (ipm.go and oraddress.go).
	var d ORDescriptor
	var db ber.Builder
	sample.ExemptedAddresses[0].encode(&db, ber.Set)
	dr := ber.NewReader(db.Bytes(), nil)
	de, _ := dr.Next()
	descAllocs := testing.AllocsPerRun(100, func() { d = ORDescriptor{}; _ = d.decode(&de) })
	// The heading's block holds the reader budget and the exempted
	// address's O/R name, which the descriptor's own decoder allocates.
	if n := testing.AllocsPerRun(100, func() { _, _ = ParseMilitaryHeading(exts) }); n > descAllocs {
		t.Errorf("ParseMilitaryHeading: %v allocations, want at most %v", n, descAllocs)
	}
	// Lists longer than the room in the heading's block: one allocation
	// each.
	long := &MilitaryHeading{
		HandlingInstructions: strings.Fields("A B C D E F G H I J"),
		OtherRecipients:      make([]OtherRecipient, 5),
	}
	for i := range long.OtherRecipients {
		long.OtherRecipients[i].Designator = "X"
	}
	lexts, err := long.Extensions()
	if err != nil {
		t.Fatal(err)
	}
	if got := p772RoundTrip(t, lexts); !reflect.DeepEqual(got, long) {
		t.Errorf("long lists decoded as %+v", got)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = ParseMilitaryHeading(lexts) }); n > 4 {
		t.Errorf("ParseMilitaryHeading with long lists: %v allocations, want at most 4", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = sample.Extensions() }); n > 2 {
		t.Errorf("Extensions: %v allocations, want at most 2", n)
	}
	other := IPMSExtension{Type: ber.MustOID("2.6.1.5.1"), Value: Raw{0x05, 0x00}}
	h := &Heading{Extensions: make([]IPMSExtension, 0, len(exts)+1)}
	h.Extensions = append(h.Extensions, other)
	if err := h.SetMilitary(sample); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { _ = h.SetMilitary(sample) }); n > 1 {
		t.Errorf("SetMilitary: %v allocations, want at most 1", n)
	}
	if len(h.Extensions) != len(exts)+1 || !p772DEROrder(h.Extensions) {
		t.Errorf("SetMilitary gave %d extensions, sorted %v", len(h.Extensions), p772DEROrder(h.Extensions))
	}
	var b ber.Builder
	writeSet := func() {
		b.Reset()
		m := b.Begin(ber.Context(15))
		for i := range h.Extensions {
			h.Extensions[i].encode(&b, ber.Sequence)
		}
		b.EndSetOf(m)
	}
	writeSet()
	if n := testing.AllocsPerRun(100, writeSet); n != 0 {
		t.Errorf("writing the heading extensions: %v allocations, want 0 (EndSetOf sorted them)", n)
	}
}
