package x400

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"mixerd/ber"
)

// p1Read reads a testdata file.
func p1Read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// p1RoundTrip marshals a, decodes the encoding, checks that the decoded
// value marshals to the same bytes (DER is stable) and returns the
// encoding and the decoded value.
func p1RoundTrip(t *testing.T, a *MTSAPDU) ([]byte, *MTSAPDU) {
	t.Helper()
	enc, err := a.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	dec, err := DecodeMTSAPDU(enc, nil)
	if err != nil {
		t.Fatalf("decoding our own encoding: %v\n%x", err, enc)
	}
	enc2, err := dec.Marshal()
	if err != nil {
		t.Fatalf("Marshal of decoded value: %v", err)
	}
	if !bytes.Equal(enc, enc2) {
		t.Fatalf("re-encoding is not byte-identical:\n%x\n%x", enc, enc2)
	}
	return enc, dec
}

// p1SortExtensions puts every extension list of a in the order of the
// encodings of its elements, the order DER gives a SET OF, so that a value
// can be compared with its decoded encoding.
func p1SortExtensions(a *MTSAPDU) {
	sortx := func(xs Extensions) {
		slices.SortStableFunc(xs, func(x, y Extension) int {
			bx, by := ber.NewBuilder(32), ber.NewBuilder(32)
			x.encode(bx)
			y.encode(by)
			return bytes.Compare(bx.Bytes(), by.Bytes())
		})
	}
	switch {
	case a.Message != nil:
		sortx(a.Message.Envelope.Extensions)
		for i := range a.Message.Envelope.PerRecipientFields {
			sortx(a.Message.Envelope.PerRecipientFields[i].Extensions)
		}
	case a.Probe != nil:
		sortx(a.Probe.Extensions)
		for i := range a.Probe.PerRecipientFields {
			sortx(a.Probe.PerRecipientFields[i].Extensions)
		}
	case a.Report != nil:
		sortx(a.Report.Envelope.Extensions)
		sortx(a.Report.Content.Extensions)
		for i := range a.Report.Content.PerRecipientFields {
			sortx(a.Report.Content.PerRecipientFields[i].Extensions)
		}
	}
}

func TestP1SamplesRoundTrip(t *testing.T) {
	for name, mk := range map[string]func() *MTSAPDU{
		"message": SampleMessage, "report": SampleReport, "probe": SampleProbe,
	} {
		t.Run(name, func(t *testing.T) {
			want := mk()
			_, got := p1RoundTrip(t, want)
			p1SortExtensions(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("decoded value differs from the original:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestP1SampleMessageFields(t *testing.T) {
	_, a := p1RoundTrip(t, SampleMessage())
	env := &a.Message.Envelope
	if got := env.MessageIdentifier.String(); got != "[/PRMD=MOD/ADMD= /C=GB/;mixerd.20261122.211953.0042]" {
		t.Errorf("message-identifier %s", got)
	}
	if env.Priority != PriorityUrgent || !env.ContentType.Is(ContentTypeP22) || len(env.PerRecipientFields) != 3 {
		t.Errorf("priority %v, content type %v, %d recipients", env.Priority, env.ContentType, len(env.PerRecipientFields))
	}
	if len(env.TraceInformation) != 2 || env.TraceInformation[1].GlobalDomainIdentifier.PRMD.Value != "NATO" {
		t.Errorf("trace %+v", env.TraceInformation)
	}
	ldt, err := env.Extensions.LatestDeliveryTime()
	if err != nil || !ldt.Equal(p1SampleTime.Add(4*time.Hour)) {
		t.Errorf("latest-delivery-time %v, %v", ldt, err)
	}
	cc, err := env.Extensions.ContentCorrelator()
	if err != nil || cc == nil || cc.IA5Text != "OPS 2026-0042 Helene Dupont" || cc.Octets != nil {
		t.Errorf("content-correlator %+v, %v", cc, err)
	}
	alt, err := env.PerRecipientFields[0].Extensions.OriginatorRequestedAlternateRecipient()
	if err != nil || alt == nil || alt.PersonalName.Surname != "Duty Officer" {
		t.Errorf("originator-requested-alternate-recipient %v, %v", alt, err)
	}
	if alt, err := env.PerRecipientFields[1].Extensions.OriginatorRequestedAlternateRecipient(); alt != nil || err != nil {
		t.Errorf("absent alternate recipient: %v, %v", alt, err)
	}
	if u := env.CriticalUnsupported(); len(u) != 0 {
		t.Errorf("the sample has no extension critical for transfer, got %v", u)
	}
	if c := env.Extensions.Critical(CriticalForDelivery); len(c) != 2 {
		t.Errorf("%d extensions critical for delivery, want 2 (latest-delivery-time and the private one)", len(c))
	}
	if err := env.Validate(); err != nil {
		t.Error(err)
	}
}

func TestP1SampleReportFields(t *testing.T) {
	_, a := p1RoundTrip(t, SampleReport())
	rc := &a.Report.Content
	if !rc.SubjectIdentifier.Equal(p1SampleMessageID()) {
		t.Errorf("subject-identifier %v", rc.SubjectIdentifier)
	}
	if len(rc.PerRecipientFields) != 2 || !rc.PerRecipientFields[0].Delivered() || rc.PerRecipientFields[1].Delivered() {
		t.Fatalf("per-recipient fields %+v", rc.PerRecipientFields)
	}
	nd := rc.PerRecipientFields[1].LastTraceInformation.ReportType.NonDelivery
	if nd.Reason != ReasonUnableToTransfer || nd.Diagnostic == nil || *nd.Diagnostic != DiagnosticUnrecognisedORName {
		t.Errorf("non-delivery %+v", nd)
	}
	if nd.Reason.String() != "unable-to-transfer" || nd.Diagnostic.String() != "unrecognised-OR-name" {
		t.Errorf("names %s, %s", nd.Reason, nd.Diagnostic)
	}
	if rc.PerRecipientFields[1].SupplementaryInformation == "" || rc.ReturnedContent == nil {
		t.Error("supplementary information or returned content lost")
	}
	n, err := a.Report.Envelope.Extensions.ReportingMTAName()
	if err != nil || n == nil || n.MTAName != "mta-b.nato.example" || n.Domain.PRMD.Value != "NATO" {
		t.Errorf("reporting-MTA-name %+v, %v", n, err)
	}
}

// TestP1VectorMessage decodes the MTS-APDU PP sent in
// pp-p1-1988-message-transfer.pcap (the value of the RTSE transfer:
// indefinite lengths, a constructed content OCTET STRING, two extensions
// with the explicit type tag).
func TestP1VectorMessage(t *testing.T) {
	in := p1Read(t, "p1_message_pp1988.ber")
	a, err := DecodeMTSAPDU(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Message == nil || a.Probe != nil || a.Report != nil {
		t.Fatal("not a message")
	}
	env := &a.Message.Envelope
	if got, want := env.MessageIdentifier.String(), "[/PRMD=ptest/ADMD=TEST/C=GB/;a.test.086:22.10.26.21.19.53]"; got != want {
		t.Errorf("message-identifier %s, want %s", got, want)
	}
	o := &env.OriginatorName
	if o.Country.Value != "GB" || o.ADMD.Value != "TEST" || o.PRMD.Value != "ptest" || o.Organization != "alpha" || o.PersonalName.Surname != "root" {
		t.Errorf("originator %+v", o.ORAddress)
	}
	if env.OriginalEITs == nil || env.OriginalEITs.BuiltIn != EITIA5Text {
		t.Errorf("original EITs %+v", env.OriginalEITs)
	}
	if !env.ContentType.Is(ContentTypeP22) || env.ContentType.String() != "P22" {
		t.Errorf("content type %v", env.ContentType)
	}
	if env.ContentIdentifier != "X.400 P1 test 4" || env.Priority != PriorityNormal {
		t.Errorf("content-identifier %q, priority %v", env.ContentIdentifier, env.Priority)
	}
	if env.PerMessageIndicators != PerMessageAlternateRecipientAllowed|PerMessageContentReturnRequest {
		t.Errorf("per-message-indicators %b", env.PerMessageIndicators)
	}
	arrival := time.Date(2026, time.November, 22, 21, 19, 53, 0, time.UTC)
	if len(env.TraceInformation) != 2 {
		t.Fatalf("%d trace elements", len(env.TraceInformation))
	}
	for _, te := range env.TraceInformation {
		d := te.DomainSuppliedInformation
		if te.GlobalDomainIdentifier.String() != "/PRMD=ptest/ADMD=TEST/C=GB/" || !d.ArrivalTime.Equal(arrival) || d.RoutingAction != RoutingRelayed {
			t.Errorf("trace element %v %+v", te.GlobalDomainIdentifier, d)
		}
	}
	// The two extensions tshark shows as "Unknown standard-extension
	// 131351/131366" are content-correlator (23) and
	// internal-trace-information (38) with the type tagged explicitly.
	if len(env.Extensions) != 2 {
		t.Fatalf("%d extensions", len(env.Extensions))
	}
	for i, want := range []StandardExtension{ExtContentCorrelator, ExtInternalTraceInformation} {
		x := env.Extensions[i]
		if !x.Type.Is(want) || !x.Type.Explicit || x.Critical != 0 || x.Unsupported() {
			t.Errorf("extension %d: %+v", i, x)
		}
	}
	cc, err := env.Extensions.ContentCorrelator()
	if err != nil || cc == nil || string(cc.Octets) != "Subject: X.400 P1 test 4,\nTo: bob@b.test" {
		t.Errorf("content-correlator %+v, %v", cc, err)
	}
	it, err := env.Extensions.InternalTraceInformation()
	if err != nil || len(it) != 2 || it[0].MTAName != "a.test" || !it[1].MTASuppliedInformation.ArrivalTime.Equal(arrival) {
		t.Errorf("internal trace %+v, %v", it, err)
	}
	if len(env.PerRecipientFields) != 1 {
		t.Fatalf("%d recipients", len(env.PerRecipientFields))
	}
	r := env.PerRecipientFields[0]
	if r.RecipientName.Organization != "beta" || r.RecipientName.PersonalName.Surname != "bob" || r.OriginallySpecifiedRecipientNumber != 1 {
		t.Errorf("recipient %v %d", r.RecipientName, r.OriginallySpecifiedRecipientNumber)
	}
	wantPRI := PerRecipientResponsibility | PerRecipientOriginatingMTANonDeliveryReport | PerRecipientOriginatorNonDeliveryReport
	if r.PerRecipientIndicators != wantPRI {
		t.Errorf("per-recipient-indicators %b, want %b", r.PerRecipientIndicators, wantPRI)
	}
	if len(a.Message.Content) != 306 || a.Message.Content[0] != 0xa0 {
		t.Errorf("content: %d octets starting %x", len(a.Message.Content), a.Message.Content[:1])
	}
	if len(env.CriticalUnsupported()) != 0 {
		t.Error("no extension is critical")
	}
	if err := env.Validate(); err != nil {
		t.Error(err)
	}

	// Re-encoded in DER, the value decodes to the same value, and PP's
	// extension fields (definite-length already) come out byte for byte.
	enc, dec := p1RoundTrip(t, a)
	for _, x := range env.Extensions {
		b := ber.NewBuilder(64)
		x.encode(b)
		if !bytes.Contains(in, b.Bytes()) {
			t.Errorf("extension %v is not re-encoded as PP sent it: %x", x.Type, b.Bytes())
		}
		if !bytes.Contains(enc, b.Bytes()) {
			t.Errorf("extension %v missing from the re-encoding", x.Type)
		}
	}
	if !reflect.DeepEqual(a, dec) {
		t.Errorf("value changed through DER:\n%+v\n%+v", a.Message.Envelope, dec.Message.Envelope)
	}
}

func TestP1BindVectors(t *testing.T) {
	files, err := filepath.Glob("testdata/p1_bindarg_*.ber")
	if err != nil || len(files) == 0 {
		t.Fatal("no bind vectors", err)
	}
	for _, f := range files {
		capture := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "p1_bindarg_"), ".ber")
		t.Run(capture, func(t *testing.T) {
			name, pass := "mta-a.test.example", "secretA"
			if capture == "transfer" {
				name, pass = "MTA-A", "passA"
			}
			in := p1Read(t, "p1_bindarg_"+capture+".ber")
			a, err := DecodeMTABindArgument(in, nil)
			if err != nil {
				t.Fatal(err)
			}
			if a.Unauthenticated || a.InitiatorName != name || a.Credentials.Password != pass || a.Credentials.PasswordIA5 || a.SecurityContext != nil {
				t.Errorf("bind argument %+v", a)
			}
			out, err := a.Marshal()
			if err != nil || !bytes.Equal(out, in) {
				t.Errorf("re-encoding %x, %v; want %x", out, err, in)
			}

			if capture == "transfer" {
				name, pass = "MTA-B", "passB"
			}
			in = p1Read(t, "p1_bindres_"+capture+".ber")
			r, err := DecodeMTABindResult(in, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Unauthenticated || r.ResponderName != name || r.Credentials.Password != pass || r.Credentials.PasswordIA5 {
				t.Errorf("bind result %+v", r)
			}
			out, err = r.Marshal()
			if err != nil || !bytes.Equal(out, in) {
				t.Errorf("re-encoding %x, %v; want %x", out, err, in)
			}
		})
	}
}

func TestP1BindRoundTrip(t *testing.T) {
	strong := Raw{0xa0, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x07}
	label := Raw{0x31, 0x03, 0x02, 0x01, 0x03}
	args := []*MTABindArgument{
		SampleBindArgument(),
		{Unauthenticated: true},
		{InitiatorName: "mta.example", Credentials: Credentials{Password: "ia5", PasswordIA5: true}},
		{InitiatorName: "mta.example", Credentials: Credentials{Password: ""}},
		{InitiatorName: "mta.example", Credentials: Credentials{Other: strong}, SecurityContext: []Raw{label}},
	}
	for _, a := range args {
		enc, err := a.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeMTABindArgument(enc, nil)
		if err != nil {
			t.Fatalf("%x: %v", enc, err)
		}
		if !reflect.DeepEqual(got, a) {
			t.Errorf("%x: got %+v, want %+v", enc, got, a)
		}
	}
	if enc, _ := (&MTABindArgument{Unauthenticated: true}).Marshal(); !bytes.Equal(enc, []byte{0x05, 0x00}) {
		t.Errorf("unauthenticated encodes as %x", enc)
	}
	results := []*MTABindResult{
		SampleBindResult(),
		{Unauthenticated: true},
		{ResponderName: "b", Credentials: Credentials{Password: "x", PasswordIA5: true}},
	}
	for _, a := range results {
		enc, err := a.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeMTABindResult(enc, nil)
		if err != nil {
			t.Fatalf("%x: %v", enc, err)
		}
		if !reflect.DeepEqual(got, a) {
			t.Errorf("%x: got %+v, want %+v", enc, got, a)
		}
	}
	for _, e := range []MTABindError{BindBusy, BindAuthenticationError, BindUnacceptableDialogueMode,
		BindUnacceptableSecurityContext, BindInadequateAssociationConfidentiality} {
		enc, err := e.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeMTABindError(enc, nil)
		if err != nil || got != e {
			t.Errorf("%v: %x -> %v, %v", e, enc, got, err)
		}
		if strings.ContainsAny(e.String(), "0123456789") || !strings.Contains(e.Error(), e.String()) {
			t.Errorf("name %q, error %q", e.String(), e.Error())
		}
	}
	if _, err := (&MTABindArgument{InitiatorName: "é"}).Marshal(); err == nil {
		t.Error("a non-IA5 MTA name was encoded")
	}
}

func TestP1GlobalDomainIdentifierText(t *testing.T) {
	id := MTSIdentifier{
		GlobalDomainIdentifier: GlobalDomainIdentifier{
			Country: NumericOrPrintable{Value: "GB"}, ADMD: NumericOrPrintable{Value: "GOLD 400"},
			PRMD: NumericOrPrintable{Value: "HMG"},
		},
		LocalIdentifier: "PC1000-910530172027-57D8",
	}
	const s = "[/PRMD=HMG/ADMD=GOLD 400/C=GB/;PC1000-910530172027-57D8]" // RFC 2156 §5.3.7 example
	if id.String() != s {
		t.Errorf("String %s", id.String())
	}
	p, err := ParseMTSIdentifier(s)
	if err != nil || !reflect.DeepEqual(p, id) {
		t.Errorf("ParseMTSIdentifier: %+v, %v", p, err)
	}
	for _, in := range []string{
		"[/c=gb/admd=gold  400/prmd=hmg/;PC1000-910530172027-57D8]",
		" [/P=HMG/A=GOLD 400/C=GB;PC1000-910530172027-57D8] ",
	} {
		p, err := ParseMTSIdentifier(in)
		if err != nil || !p.Equal(id) {
			t.Errorf("%q: %+v, %v", in, p, err)
		}
	}
	q := id
	q.GlobalDomainIdentifier.PRMD.Value = "A/B=C"
	if got := q.String(); got != "[/PRMD=A$/B$=C/ADMD=GOLD 400/C=GB/;PC1000-910530172027-57D8]" {
		t.Errorf("quoting: %s", got)
	}
	if p, err := ParseMTSIdentifier(q.String()); err != nil || !reflect.DeepEqual(p, q) {
		t.Errorf("quoted round trip: %+v, %v", p, err)
	}
	if p, err := ParseMTSIdentifier("[/C=234/;x]"); err != nil || !p.GlobalDomainIdentifier.Country.Numeric || p.GlobalDomainIdentifier.ADMD.Value != " " {
		t.Errorf("numeric country and default ADMD: %+v, %v", p, err)
	}
	for _, bad := range []string{"", "[]", "/C=GB/;x", "[/C=GB/]", "[/C=GB/;]", "[/ADMD=X/;x]", "[/C=GB/X=Y/;x]", "[/C/;x]", "[/C=GB/;\u00e9]", "[/C=G_/;x]"} {
		if _, err := ParseMTSIdentifier(bad); err == nil {
			t.Errorf("ParseMTSIdentifier(%q) succeeded", bad)
		}
	}
}

func TestP1CodeNames(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{ReasonTransferFailure.String(), "transfer-failure"},
		{ReasonTransferFailureForSecurityReason.String(), "transfer-failure-for-security-reason"},
		{NonDeliveryReason(9).String(), "9"},
		{DiagnosticUnrecognisedORName.String(), "unrecognised-OR-name"},
		{DiagnosticLoopDetected.String(), "loop-detected"},
		{DiagnosticUnsupportedCriticalFunction.String(), "unsupported-critical-function"},
		{DiagnosticUnsupportedSecurityPolicy.String(), "unsupported-security-policy"},
		{DiagnosticCode(79).String(), "79"},
		{DiagnosticCode(-1).String(), "-1"},
		{ExtContentCorrelator.String(), "content-correlator"},
		{ExtCertificateSelectorsOverride.String(), "certificate-selectors-override"},
		{StandardExtension(0).String(), "0"},
		{StandardExtension(131351).String(), "131351"},
		{ContentTypeP772.String(), "1.3.26.0.4406.0.4.1"},
		{ContentType{BuiltIn: 35}.String(), "35"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if DiagnosticUnsupportedSecurityPolicy != 78 || ExtCertificateSelectors != 45 || ExtInternalTraceInformation != 38 {
		t.Error("constant values")
	}
	for i, n := range p1DiagnosticCodeNames {
		if n == "" {
			t.Errorf("diagnostic %d has no name", i)
		}
	}
}

func TestP1Extensions(t *testing.T) {
	name := p1SampleOriginator()
	when := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	var xs Extensions
	for _, x := range []Extension{
		RecipientReassignmentProhibitedExtension(),
		DLExpansionProhibitedExtension(),
		ConversionWithLossProhibitedExtension(),
		p1Must(LatestDeliveryTimeExtension(when)),
		p1Must(OriginatorReturnAddressExtension(name.ORAddress)),
		p1Must(RequestedDeliveryMethodExtension([]int{1, 0})),
		p1Must(ContentCorrelatorExtension(ContentCorrelator{Octets: []byte{1, 2, 3}})),
		p1Must(RedirectionHistoryExtension([]Redirection{{IntendedRecipient: name, RedirectionTime: when, Reason: RedirectionAlias}})),
		p1Must(DLExpansionHistoryExtension([]DLExpansion{{DL: name, Time: when}})),
		p1Must(OriginatorAndDLExpansionHistoryExtension([]DLExpansion{{DL: name, Time: when}, {DL: name, Time: when}})),
		p1Must(PhysicalForwardingAddressExtension(name)),
		p1Must(ReportingDLNameExtension(name)),
		p1Must(InternalTraceInformationExtension(InternalTraceInformation{{GlobalDomainIdentifier: p1SampleNato, MTAName: "m",
			MTASuppliedInformation: MTASuppliedInformation{ArrivalTime: when, RoutingAction: RoutingRerouted, AttemptedMTA: "n"}}})),
		p1Must(ReportingMTANameExtension(ReportingMTAName{Domain: p1SampleNato, MTAName: "m", DirectoryName: Raw{0x30, 0x00}})),
	} {
		xs.Set(x)
	}
	// Through an envelope and back.
	a := SampleMessage()
	a.Message.Envelope.Extensions = xs
	_, dec := p1RoundTrip(t, a)
	xs = dec.Message.Envelope.Extensions
	check := func(what string, ok bool, err error) {
		t.Helper()
		if !ok || err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	b1, err := xs.RecipientReassignmentProhibited()
	check("recipient-reassignment-prohibited", b1, err)
	b1, err = xs.DLExpansionProhibited()
	check("dl-expansion-prohibited", b1, err)
	b1, err = xs.ConversionWithLossProhibited()
	check("conversion-with-loss-prohibited", b1, err)
	tm, err := xs.LatestDeliveryTime()
	check("latest-delivery-time", tm.Equal(when), err)
	ra, err := xs.OriginatorReturnAddress()
	check("originator-return-address", ra != nil && ra.Equal(&name.ORAddress), err)
	rdm, err := xs.RequestedDeliveryMethod()
	check("requested-delivery-method", slices.Equal(rdm, []int{1, 0}), err)
	cc, err := xs.ContentCorrelator()
	check("content-correlator", cc != nil && bytes.Equal(cc.Octets, []byte{1, 2, 3}), err)
	rh, err := xs.RedirectionHistory()
	check("redirection-history", len(rh) == 1 && rh[0].Reason == RedirectionAlias && rh[0].RedirectionTime.Equal(when) && rh[0].IntendedRecipient.Equal(&name), err)
	dh, err := xs.DLExpansionHistory()
	check("dl-expansion-history", len(dh) == 1 && dh[0].DL.Equal(&name), err)
	oh, err := xs.OriginatorAndDLExpansionHistory()
	check("originator-and-DL-expansion-history", len(oh) == 2, err)
	pf, err := xs.PhysicalForwardingAddress()
	check("physical-forwarding-address", pf != nil && pf.Equal(&name), err)
	rd, err := xs.ReportingDLName()
	check("reporting-DL-name", rd != nil, err)
	it, err := xs.InternalTraceInformation()
	check("internal-trace-information", len(it) == 1 && it[0].MTASuppliedInformation.AttemptedMTA == "n" && it[0].MTASuppliedInformation.RoutingAction == RoutingRerouted, err)
	rm, err := xs.ReportingMTAName()
	check("reporting-MTA-name", rm != nil && rm.MTAName == "m" && bytes.Equal(rm.DirectoryName, []byte{0x30, 0}), err)

	// Absent extensions.
	var none Extensions
	if v, err := none.LatestDeliveryTime(); !v.IsZero() || err != nil {
		t.Error("absent latest-delivery-time")
	}
	if v, err := none.RecipientReassignmentProhibited(); v || err != nil {
		t.Error("absent recipient-reassignment-prohibited")
	}
	if v, err := none.RedirectionHistory(); v != nil || err != nil {
		t.Error("absent redirection-history")
	}

	// A malformed value is an error from the accessor, not from decoding.
	bad := Extensions{{Type: ExtensionType{Standard: ExtLatestDeliveryTime}, Value: Raw{0x04, 0x01, 0x00}}}
	if _, err := bad.LatestDeliveryTime(); err == nil {
		t.Error("latest-delivery-time of the wrong type accepted")
	}

	// Set replaces, Remove removes.
	xs.Set(Extension{Type: ExtensionType{Standard: ExtContentCorrelator}, Value: Raw{0x16, 0x01, 'x'}})
	cc, _ = xs.ContentCorrelator()
	if cc == nil || cc.IA5Text != "x" {
		t.Errorf("Set did not replace: %+v", cc)
	}
	n := len(xs)
	xs.Remove(ExtContentCorrelator)
	if len(xs) != n-1 || xs.Find(ExtContentCorrelator) != nil {
		t.Error("Remove")
	}
}

func TestP1ExtensionCriticality(t *testing.T) {
	priv := ber.MustOID("1.3.6.1.4.1.32473.9")
	cases := []struct {
		x           Extension
		unsupported bool
	}{
		{Extension{Type: ExtensionType{Standard: ExtLatestDeliveryTime}, Critical: CriticalForTransfer | CriticalForDelivery}, false},
		{Extension{Type: ExtensionType{Standard: 200}, Critical: CriticalForTransfer}, true},
		{Extension{Type: ExtensionType{Standard: 200}, Critical: CriticalForDelivery}, false},
		{Extension{Type: ExtensionType{Private: priv}, Critical: CriticalForTransfer}, true},
		{Extension{Type: ExtensionType{Private: priv}}, false},
		{Extension{Type: ExtensionType{Standard: 0}, Critical: CriticalForTransfer}, true},
	}
	var xs Extensions
	for _, c := range cases {
		if c.x.Unsupported() != c.unsupported {
			t.Errorf("%v critical %b: Unsupported %v", c.x.Type, c.x.Critical, !c.unsupported)
		}
		xs = append(xs, c.x)
	}
	a := SampleMessage()
	a.Message.Envelope.Extensions = xs
	_, dec := p1RoundTrip(t, a)
	u := dec.Message.Envelope.CriticalUnsupported()
	if len(u) != 3 {
		t.Errorf("CriticalUnsupported: %v", u)
	}
	// The explicit type form of PP is kept for standard and private types.
	for _, explicit := range []bool{false, true} {
		x := Extension{Type: ExtensionType{Private: priv, Explicit: explicit}, Value: Raw{0x05, 0x00}}
		y := Extension{Type: ExtensionType{Standard: 7, Explicit: explicit}, Critical: CriticalForSubmission, Value: Raw{0x0a, 0x01, 0x01}}
		a.Message.Envelope.Extensions = Extensions{x, y}
		_, dec := p1RoundTrip(t, a)
		for _, g := range dec.Message.Envelope.Extensions {
			if g.Type.Explicit != explicit {
				t.Errorf("explicit %v: decoded %+v", explicit, g.Type)
			}
			if g.Type.Private != nil && g.Value != nil {
				t.Error("a NULL value is the default and is not written")
			}
		}
	}
}

// p1Replace returns a copy of b with the first occurrence of old replaced
// by repl (of the same length, so that lengths stay right).
func p1Replace(t *testing.T, b []byte, old, repl string) []byte {
	t.Helper()
	if len(old) != len(repl) {
		t.Fatal("p1Replace: lengths differ")
	}
	i := bytes.Index(b, []byte(old))
	if i < 0 {
		t.Fatalf("p1Replace: %x not found", old)
	}
	out := bytes.Clone(b)
	copy(out[i:], repl)
	return out
}

// p1BuildMessage encodes a message whose envelope SET holds the given
// raw components.
func p1BuildMessage(components ...[]byte) []byte {
	b := ber.NewBuilder(256)
	m := b.Begin(p1TagMessage)
	s := b.Begin(ber.Set)
	for _, c := range components {
		b.AddRaw(c)
	}
	b.End(s)
	b.AddPrimitive(ber.OctetString, []byte("x"))
	b.End(m)
	return b.Bytes()
}

func p1Enc(fn func(b *ber.Builder)) []byte {
	b := ber.NewBuilder(64)
	fn(b)
	return bytes.Clone(b.Bytes())
}

func TestP1Malformed(t *testing.T) {
	msg, err := SampleMessage().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := SampleReport().Marshal()
	env := SampleMessage().Message.Envelope
	id := p1Enc(func(b *ber.Builder) { env.MessageIdentifier.encode(b, p1TagMTSID) })
	orig := p1Enc(func(b *ber.Builder) { env.OriginatorName.encode(b, p1TagORName) })
	ct := p1Enc(func(b *ber.Builder) { env.ContentType.encode(b) })
	trace := p1Enc(func(b *ber.Builder) { env.TraceInformation.encode(b, p1TagTrace) })
	rcpt := p1Enc(func(b *ber.Builder) {
		m := b.Begin(ber.Context(2))
		env.PerRecipientFields[0].encode(b, ber.Set)
		b.End(m)
	})

	cases := []struct {
		name, in, path string
	}{
		{"empty", "", "MTS-APDU"},
		{"wrong alternative", "\xa3\x00", "MTS-APDU"},
		{"primitive message", "\x80\x00", "MTS-APDU.message"},
		{"trailing data", string(msg) + "\x05\x00", ""},
		{"missing content", string(msg[:len(msg)-len("placeholder content: a P22 IPM encoding goes here")-2]), "MTS-APDU"},
		{"bad PrintableString", string(p1Replace(t, msg, "OPS 2026-0042", "OPS@2026-0042")), "MTS-APDU.message.envelope.content-identifier"},
		{"bad priority", string(p1Replace(t, msg, "\x47\x01\x02", "\x47\x01\x05")), "MTS-APDU.message.envelope.priority"},
		{"bad IA5", string(p1Replace(t, msg, "mixerd.2026", "mixerd\x802026")), "MTS-APDU.message.envelope.message-identifier.local-identifier"},
		{"bad time", string(p1Replace(t, msg, "261122211953Z", "261322211953Z")), "MTS-APDU.message.envelope.trace-information.domain-supplied-information.arrival-time"},
		{"bad routing action", string(p1Replace(t, msg, "Z\x82\x01\x00", "Z\x82\x01\x07")), "MTS-APDU.message.envelope.trace-information.domain-supplied-information.routing-action"},
		{"missing per-recipient-fields", string(p1BuildMessage(id, orig, ct, trace)), "MTS-APDU.message.envelope"},
		{"missing originator", string(p1BuildMessage(id, ct, trace, rcpt)), "MTS-APDU.message.envelope"},
		{"duplicate content-type", string(p1BuildMessage(id, orig, ct, ct, trace, rcpt)), "MTS-APDU.message.envelope.content-type"},
		{"unknown component", string(p1BuildMessage(id, orig, ct, trace, rcpt, []byte("\x9f\x40\x00"))), "MTS-APDU.message.envelope"},
		{"primitive extension value", string(p1BuildMessage(id, orig, ct, trace, rcpt, []byte("\xa3\x07\x30\x05\x80\x01\x05\x82\x00"))), "MTS-APDU.message.envelope.extensions.value"},
		{"bad extension type", string(p1BuildMessage(id, orig, ct, trace, rcpt, []byte("\xa3\x05\x30\x03\x85\x01\x05"))), "MTS-APDU.message.envelope.extensions.type"},
		{"explicit type not INTEGER", string(p1BuildMessage(id, orig, ct, trace, rcpt, []byte("\xa3\x07\x30\x05\xa0\x03\x04\x01\x05"))), "MTS-APDU.message.envelope.extensions.type"},
		{"empty GDI", string(p1BuildMessage([]byte("\x64\x04\x63\x00\x16\x00"), orig, ct, trace, rcpt)), "MTS-APDU.message.envelope.message-identifier.global-domain-identifier.country-name"},
		{"report without delivery or non-delivery", string(p1Replace(t, rep, "\xa1\x08\xa1\x06\x80\x01\x01", "\xa1\x08\xa2\x06\x80\x01\x01")), "MTS-APDU.report.content.per-recipient-fields.last-trace-information.report-type"},
		{"negative recipient number", string(p1Replace(t, msg, "\x80\x01\x02\x81\x02\x00", "\x80\x01\xfe\x81\x02\x00")), "MTS-APDU.message.envelope.per-recipient-fields.originally-specified-recipient-number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeMTSAPDU([]byte(c.in), nil)
			var be *ber.Error
			if !errors.As(err, &be) {
				t.Fatalf("error %v (%T), want a *ber.Error", err, err)
			}
			if !strings.Contains(err.Error(), "offset ") {
				t.Errorf("error %q names no offset", err)
			}
			if got := be.ElementPath(); got != c.path {
				t.Errorf("error %q: path %q, want %q", err, got, c.path)
			}
		})
	}
	// Every truncation of real and generated encodings is an error, and no
	// decoder panics.
	for _, in := range [][]byte{p1Read(t, "p1_message_pp1988.ber"), msg, rep} {
		for n := 0; n < len(in); n++ {
			if _, err := DecodeMTSAPDU(in[:n], nil); err == nil {
				t.Errorf("truncation to %d of %d octets decoded", n, len(in))
			}
		}
	}
}

func TestP1MalformedBind(t *testing.T) {
	for _, c := range []struct{ name, in string }{
		{"empty", ""},
		{"NULL with contents", "\x05\x01\x00"},
		{"wrong alternative", "\xa2\x00"},
		{"missing credentials", "\xa1\x03\x80\x01a"},
		{"missing name", "\xa1\x05\xa1\x03\x04\x01x"},
		{"credentials of the wrong type", "\xa1\x08\x80\x01a\xa1\x03\x02\x01\x01"},
		{"two credentials", "\xa1\x0c\x80\x01a\xa1\x03\x04\x01x\xa1\x02\x04\x00"},
		{"duplicate name", "\xa1\x0b\x80\x01a\x80\x01b\xa1\x03\x04\x01x"},
		{"non-IA5 name", "\xa1\x08\x80\x01\xe9\xa1\x03\x04\x01x"},
		{"primitive strong credentials", "\xa1\x08\x80\x01a\xa1\x03\x80\x01x"},
		{"empty security context", "\xa1\x0a\x80\x01a\xa1\x03\x04\x01x\xa2\x00"},
		{"trailing", "\x05\x00\x05\x00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeMTABindArgument([]byte(c.in), nil)
			var be *ber.Error
			if !errors.As(err, &be) || !strings.Contains(err.Error(), "offset ") {
				t.Fatalf("error %v, want a *ber.Error naming an offset", err)
			}
		})
	}
	if _, err := DecodeMTABindResult([]byte("\xa1\x0a\x80\x01a\xa1\x03\x04\x01x\xa2\x00"), nil); err == nil {
		t.Error("a bind result with a security context decoded")
	}
	for _, in := range []string{"", "\x04\x01\x00", "\x02\x01\xff", "\x02\x00", "\x02\x01\x00\x00"} {
		if _, err := DecodeMTABindError([]byte(in), nil); err == nil {
			t.Errorf("bind error %x decoded", in)
		}
	}
}

func TestP1EncodeErrors(t *testing.T) {
	for name, mod := range map[string]func(a *MTSAPDU){
		"no alternative":   func(a *MTSAPDU) { a.Message = nil },
		"two alternatives": func(a *MTSAPDU) { a.Probe = SampleProbe().Probe },
		"bad content-identifier": func(a *MTSAPDU) {
			a.Message.Envelope.ContentIdentifier = "a@b"
		},
		"bad local identifier": func(a *MTSAPDU) {
			a.Message.Envelope.MessageIdentifier.LocalIdentifier = "é"
		},
		"zero arrival time": func(a *MTSAPDU) {
			a.Message.Envelope.TraceInformation[0].DomainSuppliedInformation.ArrivalTime = time.Time{}
		},
		"bad kept value": func(a *MTSAPDU) {
			a.Message.Envelope.Extensions[0].Value = Raw{0x04, 0x05, 0x00}
		},
		"two kept values": func(a *MTSAPDU) {
			a.Message.Envelope.Extensions[0].Value = Raw{0x05, 0x00, 0x05, 0x00}
		},
	} {
		a := SampleMessage()
		mod(a)
		if _, err := a.Marshal(); err == nil {
			t.Errorf("%s: encoded", name)
		}
	}
	r := SampleReport()
	r.Report.Content.PerRecipientFields[0].LastTraceInformation.ReportType.NonDelivery = &NonDeliveryReport{}
	if _, err := r.Marshal(); err == nil {
		t.Error("a report type with both alternatives encoded")
	}
}

func TestP1KeptEncodings(t *testing.T) {
	// Kept encodings with an indefinite outer length are written with a
	// definite one (SET sorting needs it) and decode to the same contents.
	a := SampleMessage()
	env := &a.Message.Envelope
	env.PerDomainBilateralInformation = []Raw{{0x30, 0x80, 0x04, 0x01, 'x', 0x00, 0x00}}
	env.OriginalEITs.Teletex = Raw{0xa2, 0x80, 0x80, 0x01, 'g', 0x00, 0x00}
	env.OriginalEITs.G3Facsimile = ber.BitString{Bytes: []byte{0x00, 0xc0}, Len: 10}
	env.OriginalEITs.Extended = []ber.OID{ber.MustOID("2.6.3.4.7"), ber.MustOID("1.2.3")}
	env.DeferredDeliveryTime = p1SampleTime.Add(time.Hour)
	conv := ExplicitConversion(11)
	env.PerRecipientFields[2].ExplicitConversion = &conv
	_, dec := p1RoundTrip(t, a)
	denv := &dec.Message.Envelope
	if !bytes.Equal(denv.PerDomainBilateralInformation[0], []byte{0x30, 0x03, 0x04, 0x01, 'x'}) {
		t.Errorf("bilateral %x", denv.PerDomainBilateralInformation[0])
	}
	if !bytes.Equal(denv.OriginalEITs.Teletex, []byte{0xa2, 0x03, 0x80, 0x01, 'g'}) {
		t.Errorf("teletex %x", denv.OriginalEITs.Teletex)
	}
	if denv.OriginalEITs.G3Facsimile.Len != 10 || len(denv.OriginalEITs.Extended) != 2 {
		t.Errorf("EITs %+v", denv.OriginalEITs)
	}
	if !denv.DeferredDeliveryTime.Equal(env.DeferredDeliveryTime) || *denv.PerRecipientFields[2].ExplicitConversion != 11 {
		t.Error("deferred-delivery-time or explicit-conversion")
	}
}

func TestP1Validate(t *testing.T) {
	env := SampleMessage().Message.Envelope
	env.PerRecipientFields[1].OriginallySpecifiedRecipientNumber = 1
	if env.Validate() == nil {
		t.Error("duplicate recipient number accepted")
	}
	env.PerRecipientFields = nil
	if env.Validate() == nil {
		t.Error("no recipients accepted")
	}
	p := SampleProbe().Probe
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
	p.TraceInformation = nil
	if p.Validate() == nil {
		t.Error("no trace accepted")
	}
}

// p1Variety returns values that between them use every encoder of the
// P1 files.
func p1Variety(t testing.TB) []*MTSAPDU {
	vec, err := DecodeMTSAPDU(p1Read(t, "p1_message_pp1988.ber"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rich := SampleMessage()
	env := &rich.Message.Envelope
	env.ContentType = ContentTypeP772
	env.PerDomainBilateralInformation = []Raw{{0x30, 0x03, 0x04, 0x01, 'x'}}
	env.OriginalEITs.Teletex = Raw{0xa2, 0x03, 0x80, 0x01, 'g'}
	env.OriginalEITs.G3Facsimile = ber.BitString{Bytes: []byte{0x00, 0xc0}, Len: 10}
	env.OriginalEITs.Extended = []ber.OID{ber.MustOID("2.6.3.4.7"), ber.MustOID("1.2.3")}
	env.DeferredDeliveryTime = p1SampleTime.Add(time.Hour)
	env.TraceInformation[1].DomainSuppliedInformation = DomainSuppliedInformation{
		ArrivalTime: p1SampleTime, RoutingAction: RoutingRerouted, AttemptedDomain: &p1SampleOwnMD,
		DeferredTime: p1SampleTime, ConvertedEITs: &EncodedInformationTypes{BuiltIn: EITTeletex}, OtherActions: OtherActionRedirected,
	}
	env.Extensions.Set(p1Must(InternalTraceInformationExtension(InternalTraceInformation{{GlobalDomainIdentifier: p1SampleNato, MTAName: "m",
		MTASuppliedInformation: MTASuppliedInformation{ArrivalTime: p1SampleTime, AttemptedMTA: "n", DeferredTime: p1SampleTime,
			ConvertedEITs: &EncodedInformationTypes{BuiltIn: EITIA5Text}, OtherActions: OtherActionDLOperation}}})))
	conv := ExplicitConversion(11)
	env.PerRecipientFields[2].ExplicitConversion = &conv
	rep := SampleReport()
	rep.Report.Content.ContentType = &ContentTypeP772
	rep.Report.Content.AdditionalInformation = Raw{0xa2, 0x02, 0x05, 0x00}
	rep.Report.Content.OriginalEITs = nil
	rep.Report.Content.PerRecipientFields[0].LastTraceInformation.ConvertedEITs = &EncodedInformationTypes{BuiltIn: EITG3Facsimile}
	n := p1SampleOriginator()
	rep.Report.Content.PerRecipientFields[0].OriginallyIntendedRecipientName = &n
	rep.Report.Content.PerRecipientFields[0].LastTraceInformation.ReportType.Delivery.TypeOfMTSUser = MTSUserMS
	probe := SampleProbe()
	probe.Probe.ContentType = ContentType{Extended: OIDContentTypeCDT}
	return []*MTSAPDU{SampleMessage(), SampleReport(), SampleProbe(), vec, rich, rep, probe}
}

// TestP1DEROrder checks that the SET encoders, which write components in
// DER order without sorting, give the bytes ber.Builder.EndSet gives.
func TestP1DEROrder(t *testing.T) {
	values := p1Variety(t)
	var direct [][]byte
	for _, a := range values {
		enc, _ := p1RoundTrip(t, a)
		direct = append(direct, enc)
	}
	args := []*MTABindArgument{SampleBindArgument(), {InitiatorName: "m", Credentials: Credentials{Other: Raw{0xa0, 0x00}}, SecurityContext: []Raw{{0x31, 0x00}}}}
	var binds [][]byte
	for _, a := range args {
		enc, _ := a.Marshal()
		binds = append(binds, enc)
	}
	p1SortSets = true
	defer func() { p1SortSets = false }()
	for i, a := range values {
		enc, err := a.Marshal()
		if err != nil || !bytes.Equal(enc, direct[i]) {
			t.Errorf("value %d: sorted encoding differs (%v):\n%x\n%x", i, err, enc, direct[i])
		}
	}
	for i, a := range args {
		if enc, _ := a.Marshal(); !bytes.Equal(enc, binds[i]) {
			t.Errorf("bind %d: sorted encoding differs", i)
		}
	}
}
