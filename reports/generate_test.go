package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"mixerd/internal/tshark"
	"mixerd/mixer"
	"mixerd/x400"
)

var (
	genTestArrived = time.Date(2026, 11, 22, 21, 20, 5, 0, time.UTC)
	genTestAt      = time.Date(2026, 11, 22, 21, 20, 9, 700, time.UTC)
	genTestGDI     = x400.GlobalDomainIdentifier{Country: x400.NumericOrPrintable{Value: "GB"},
		ADMD: x400.NumericOrPrintable{Value: " "}, PRMD: x400.NumericOrPrintable{Value: "MOD"}}
	genTestReporting = Reporting{GDI: genTestGDI, ReportID: "rly0123456789abcdef0123456789abcdef", Gateway: "gw.example.mil"}
)

// genRoundTrip marshals a report as the daemon sends it (with the
// gateway's trace element, added at transfer) and decodes it back.
func genRoundTrip(t *testing.T, rpt *x400.Report) (*x400.Report, []byte) {
	t.Helper()
	rpt.Envelope.TraceInformation = x400.TraceInformation{{GlobalDomainIdentifier: genTestGDI,
		DomainSuppliedInformation: x400.DomainSuppliedInformation{ArrivalTime: genTestAt.Truncate(time.Second), RoutingAction: x400.RoutingRelayed}}}
	raw, err := (&x400.MTSAPDU{Report: rpt}).Marshal()
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	back, err := x400.DecodeMTSAPDU(raw, nil)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if back.Report == nil {
		t.Fatal("decoded APDU is not a report")
	}
	return back.Report, raw
}

func TestGenerateIndicators(t *testing.T) {
	const (
		resp   = x400.PerRecipientResponsibility
		mta    = x400.PerRecipientOriginatingMTAReport
		mtaND  = x400.PerRecipientOriginatingMTANonDeliveryReport
		orig   = x400.PerRecipientOriginatorReport
		origND = x400.PerRecipientOriginatorNonDeliveryReport
	)
	for _, c := range []struct {
		name       string
		ind        x400.PerRecipientIndicators
		dr, ndr    bool
		wantReason string
	}{
		{"none", 0, false, false, "no bit asks"},
		{"responsibility only", resp, false, false, "responsibility asks nothing"},
		{"MTA non-delivery-report", resp | mtaND, false, true, "non-delivery only"},
		{"MTA report", resp | mta, true, true, "report covers both"},
		{"MTA audited-report", mta | mtaND, true, true, "audited covers both"},
		{"originator report, MTA non-delivery", resp | mtaND | orig, true, true, "originator report"},
		{"originator non-delivery", resp | mtaND | origND, false, true, "non-delivery only"},
		{"reserved bits", 1<<5 | 1<<6 | 1<<7, false, false, "reserved bits ask nothing"},
	} {
		if got := WantsDeliveryReport(c.ind); got != c.dr {
			t.Errorf("%s: WantsDeliveryReport = %v, want %v (%s)", c.name, got, c.dr, c.wantReason)
		}
		if got := WantsNonDeliveryReport(c.ind); got != c.ndr {
			t.Errorf("%s: WantsNonDeliveryReport = %v, want %v (%s)", c.name, got, c.ndr, c.wantReason)
		}
	}
}

func TestGenerateRelayedReport(t *testing.T) {
	msg := x400.SampleMessage().Message
	env := &msg.Envelope
	// Field 0 and 2 ask for a report, field 1 for non-delivery only; 7
	// and -1 are out of range, 0 is repeated.
	rpt, ok := RelayedReport(genTestReporting, env, []int{0, 1, 2, 7, -1, 0}, "mx.example.org", genTestArrived, genTestAt)
	if !ok {
		t.Fatal("no report although two recipients asked for one")
	}
	got, _ := genRoundTrip(t, rpt)
	if got.Envelope.ReportIdentifier.LocalIdentifier != genTestReporting.ReportID[:32] ||
		!got.Envelope.ReportIdentifier.GlobalDomainIdentifier.Equal(genTestGDI) {
		t.Errorf("report-identifier %v", got.Envelope.ReportIdentifier)
	}
	if got.Envelope.ReportDestinationName.String() != env.OriginatorName.String() {
		t.Errorf("report-destination-name %v, want the originator %v", got.Envelope.ReportDestinationName, env.OriginatorName)
	}
	c := &got.Content
	if !c.SubjectIdentifier.Equal(env.MessageIdentifier) {
		t.Errorf("subject-identifier %v, want %v", c.SubjectIdentifier, env.MessageIdentifier)
	}
	if c.ContentType == nil || !c.ContentType.Is(env.ContentType) || c.ContentIdentifier != env.ContentIdentifier {
		t.Errorf("content type %v, identifier %q", c.ContentType, c.ContentIdentifier)
	}
	if c.OriginalEITs == nil || c.OriginalEITs.BuiltIn != env.OriginalEITs.BuiltIn {
		t.Errorf("original EITs %+v, want %+v", c.OriginalEITs, env.OriginalEITs)
	}
	if cc, err := c.Extensions.ContentCorrelator(); err != nil || cc == nil || cc.IA5Text != "OPS 2026-0042 Helene Dupont" {
		t.Errorf("content correlator %+v, %v", cc, err)
	}
	if c.ReturnedContent != nil {
		t.Error("a delivery report returned the content")
	}
	if len(c.PerRecipientFields) != 2 {
		t.Fatalf("%d recipients, want 2 (numbers 1 and 3)", len(c.PerRecipientFields))
	}
	for i, want := range []int{0, 2} {
		rf, src := &c.PerRecipientFields[i], &env.PerRecipientFields[want]
		if rf.OriginallySpecifiedRecipientNumber != src.OriginallySpecifiedRecipientNumber ||
			rf.ActualRecipientName.String() != src.RecipientName.String() {
			t.Errorf("recipient %d: %d %v, want %d %v", i, rf.OriginallySpecifiedRecipientNumber, rf.ActualRecipientName,
				src.OriginallySpecifiedRecipientNumber, src.RecipientName)
		}
		if rf.PerRecipientIndicators != src.PerRecipientIndicators&^x400.PerRecipientResponsibility {
			t.Errorf("recipient %d: indicators %b", i, rf.PerRecipientIndicators)
		}
		lt := &rf.LastTraceInformation
		if !lt.ArrivalTime.Equal(genTestArrived) {
			t.Errorf("recipient %d: arrival-time %v", i, lt.ArrivalTime)
		}
		d := lt.ReportType.Delivery
		if d == nil || lt.ReportType.NonDelivery != nil {
			t.Fatalf("recipient %d: not a delivery element: %+v", i, lt.ReportType)
		}
		if !d.MessageDeliveryTime.Equal(genTestAt.Truncate(time.Second)) || d.TypeOfMTSUser != x400.MTSUserOther {
			t.Errorf("recipient %d: delivery %+v", i, d)
		}
		for _, w := range []string{"gw.example.mil", "mx.example.org", "does not offer DSN"} {
			if !strings.Contains(rf.SupplementaryInformation, w) {
				t.Errorf("recipient %d: supplementary information %q lacks %q", i, rf.SupplementaryInformation, w)
			}
		}
	}
	// The DSN side reads it as a delivery (RFC 2156 §5.3.8).
	sm, err := DRToDSN(dsnTestGateway(t), got, nil, nil)
	if err != nil {
		t.Fatalf("DRToDSN: %v", err)
	}
	if !bytes.Contains(sm.Body, []byte("Action: delivered")) {
		t.Errorf("DSN of the relayed report is not a delivery:\n%s", sm.Body)
	}

	// Nobody asked: no report.
	if _, ok := RelayedReport(genTestReporting, env, []int{1}, "mx.example.org", time.Time{}, genTestAt); ok {
		t.Error("a report for a recipient that asked for non-delivery only")
	}
	if _, ok := RelayedReport(genTestReporting, nil, []int{0}, "mx", time.Time{}, genTestAt); ok {
		t.Error("a report on no envelope")
	}
	// A hop name outside PrintableString still encodes.
	rpt, ok = RelayedReport(genTestReporting, env, []int{0}, "relay_1@[192.0.2.1] <é>", time.Time{}, genTestAt)
	if !ok {
		t.Fatal("no report")
	}
	got, _ = genRoundTrip(t, rpt)
	if si := got.Content.PerRecipientFields[0].SupplementaryInformation; !x400.IsPrintableString(si) || len(si) > 256 {
		t.Errorf("supplementary information %q", si)
	}
	if !got.Content.PerRecipientFields[0].LastTraceInformation.ArrivalTime.Equal(genTestAt.Truncate(time.Second)) {
		t.Error("zero arrival time does not take the report time")
	}
}

func genDiag(d x400.DiagnosticCode) *x400.DiagnosticCode { return &d }

func TestGenerateProbeReport(t *testing.T) {
	p := x400.SampleProbe().Probe
	base := p.PerRecipientFields[0]
	mk := func(n int, ind x400.PerRecipientIndicators) x400.PerRecipientTransferFields {
		rf := base
		rf.OriginallySpecifiedRecipientNumber = n
		rf.RecipientName.ORAddress.PersonalName.Surname = "R" + string(rune('0'+n))
		rf.PerRecipientIndicators = ind
		return rf
	}
	const (
		resp   = x400.PerRecipientResponsibility
		report = x400.PerRecipientOriginatingMTAReport | x400.PerRecipientOriginatorReport
		ndOnly = x400.PerRecipientOriginatingMTANonDeliveryReport | x400.PerRecipientOriginatorNonDeliveryReport
	)
	p.PerRecipientFields = []x400.PerRecipientTransferFields{
		mk(1, resp|report), // deliverable, asked: delivery
		mk(2, resp|ndOnly), // deliverable, non-delivery only: nothing
		mk(3, resp|ndOnly), // no mapping: default codes
		mk(4, resp|report), // explicit codes
		mk(5, report),      // not ours: nothing
	}
	outs := []ProbeOutcome{
		{Field: 0, Deliverable: true},
		{Field: 1, Deliverable: true},
		{Field: 2, Text: "no RFC 822 mapping for /C=BE/O=SHAPE/"},
		{Field: 3, Reason: x400.ReasonRestrictedDelivery, Diagnostic: genDiag(x400.DiagnosticContentTooLong), Text: "SIZE 1000 < 2048"},
		{Field: 4, Deliverable: true},
		{Field: 9, Deliverable: true},
		{Field: 0, Deliverable: false},
	}
	rpt, ok := ProbeReport(genTestReporting, p, outs, genTestArrived, genTestAt)
	if !ok {
		t.Fatal("no probe report")
	}
	got, _ := genRoundTrip(t, rpt)
	c := &got.Content
	if !c.SubjectIdentifier.Equal(p.ProbeIdentifier) {
		t.Errorf("subject-identifier %v, want the probe-identifier %v", c.SubjectIdentifier, p.ProbeIdentifier)
	}
	if got.Envelope.ReportDestinationName.String() != p.OriginatorName.String() {
		t.Errorf("report-destination-name %v", got.Envelope.ReportDestinationName)
	}
	if c.ContentType == nil || !c.ContentType.Is(x400.ContentTypeP22) || c.ContentIdentifier != "OPS 2026-0043" {
		t.Errorf("content type %v, identifier %q", c.ContentType, c.ContentIdentifier)
	}
	if cc, err := c.Extensions.ContentCorrelator(); err != nil || cc == nil || cc.IA5Text != "OPS 2026-0043" {
		t.Errorf("content correlator %+v, %v", cc, err)
	}
	var nums []int
	for _, rf := range c.PerRecipientFields {
		nums = append(nums, rf.OriginallySpecifiedRecipientNumber)
		if !strings.Contains(rf.SupplementaryInformation, "probe serviced by MIXER gateway gw.example.mil") {
			t.Errorf("recipient %d: supplementary information %q", rf.OriginallySpecifiedRecipientNumber, rf.SupplementaryInformation)
		}
		if !x400.IsPrintableString(rf.SupplementaryInformation) {
			t.Errorf("recipient %d: not printable %q", rf.OriginallySpecifiedRecipientNumber, rf.SupplementaryInformation)
		}
	}
	if len(nums) != 3 || nums[0] != 1 || nums[1] != 3 || nums[2] != 4 {
		t.Fatalf("recipients %v, want [1 3 4]", nums)
	}
	if d := c.PerRecipientFields[0].LastTraceInformation.ReportType.Delivery; d == nil ||
		!d.MessageDeliveryTime.Equal(genTestAt.Truncate(time.Second)) || d.TypeOfMTSUser != x400.MTSUserOther {
		t.Errorf("recipient 1: %+v", c.PerRecipientFields[0].LastTraceInformation.ReportType)
	}
	nd := c.PerRecipientFields[1].LastTraceInformation.ReportType.NonDelivery
	if nd == nil || nd.Reason != x400.ReasonUnableToTransfer || nd.Diagnostic == nil || *nd.Diagnostic != x400.DiagnosticUnrecognisedORName {
		t.Errorf("recipient 3: %+v", nd)
	}
	if !strings.Contains(c.PerRecipientFields[1].SupplementaryInformation, "no RFC 822 mapping for /C=BE/O=SHAPE/") {
		t.Errorf("recipient 3: text lost: %q", c.PerRecipientFields[1].SupplementaryInformation)
	}
	nd = c.PerRecipientFields[2].LastTraceInformation.ReportType.NonDelivery
	if nd == nil || nd.Reason != x400.ReasonRestrictedDelivery || nd.Diagnostic == nil || *nd.Diagnostic != x400.DiagnosticContentTooLong {
		t.Errorf("recipient 4: %+v", nd)
	}
	if a := c.PerRecipientFields[2].LastTraceInformation.ArrivalTime; !a.Equal(genTestArrived) {
		t.Errorf("arrival-time %v", a)
	}

	if _, ok := ProbeReport(genTestReporting, p, []ProbeOutcome{{Field: 1, Deliverable: true}, {Field: 4}}, time.Time{}, genTestAt); ok {
		t.Error("a report with no element due")
	}
	if _, ok := ProbeReport(genTestReporting, nil, outs, time.Time{}, genTestAt); ok {
		t.Error("a report on no probe")
	}
}

// genTestGateway is mdnTestGateway with its global domain identifier, for
// the trace element and MTS identifiers it generates.
func genTestGateway(t *testing.T) *mixer.Gateway {
	g := mdnTestGateway(t)
	g.GDI = genTestGDI
	g.MTAName = "gw.example.mil"
	return g
}

// genIPNMessage makes the MDN of SampleIPN, reads it back and builds the
// IPN message, as the daemon does for an MDN that arrives by SMTP.
func genIPNMessage(t *testing.T, subject x400.ContentType) (*x400.Message, *mixer.SMTPMessage, x400.ORName) {
	t.Helper()
	g := genTestGateway(t)
	mdn, err := IPNToMDN(g, x400.SampleIPN().IPN, IPNToMDNOptions{To: "helene@example.org", Date: mdnTestDate}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// As it arrives: a Received field from the next hop.
	mdn.Header = append(mixer.Header{{Name: "Received", Value: "from mx.example.org by gw.example.mil; Sun, 22 Nov 2026 11:00:03 +0000"}}, mdn.Header...)
	m, err := ParseMDN(mdn.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	ipn, err := MDNToIPN(g, m, MDNToIPNOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	to, err := x400.ParseORAddress("/C=GB/ADMD= /PRMD=MOD/O=HQ/OU=OPS/G=Helene/S=Dupont/")
	if err != nil {
		t.Fatal(err)
	}
	var rep mixer.Report
	msg, err := IPNMessage(g, ipn, mdn, x400.ORName{ORAddress: to}, subject, &rep)
	if err != nil {
		t.Fatalf("IPNMessage: %v\n%s", err, rep.String())
	}
	return msg, mdn, x400.ORName{ORAddress: to}
}

func TestGenerateIPNMessage(t *testing.T) {
	msg, mdn, to := genIPNMessage(t, x400.ContentType{})
	raw, err := (&x400.MTSAPDU{Message: msg}).Marshal()
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	apdu, err := x400.DecodeMTSAPDU(raw, nil)
	if err != nil || apdu.Message == nil {
		t.Fatalf("decode: %v", err)
	}
	env := &apdu.Message.Envelope
	if err := env.Validate(); err != nil {
		t.Errorf("envelope: %v", err)
	}
	if !env.ContentType.Is(x400.ContentTypeP22) {
		t.Errorf("content type %v, want P22", env.ContentType)
	}
	if len(env.PerRecipientFields) != 1 {
		t.Fatalf("%d recipients", len(env.PerRecipientFields))
	}
	rf := &env.PerRecipientFields[0]
	if rf.RecipientName.String() != to.String() || rf.OriginallySpecifiedRecipientNumber != 1 {
		t.Errorf("recipient %v %d, want %v 1", rf.RecipientName, rf.OriginallySpecifiedRecipientNumber, to)
	}
	if WantsDeliveryReport(rf.PerRecipientIndicators) ||
		rf.PerRecipientIndicators&(x400.PerRecipientOriginatorReport|x400.PerRecipientOriginatorNonDeliveryReport) != 0 ||
		rf.PerRecipientIndicators&x400.PerRecipientResponsibility == 0 || !WantsNonDeliveryReport(rf.PerRecipientIndicators) {
		t.Errorf("indicators %b: want responsible, originating-MTA non-delivery only", rf.PerRecipientIndicators)
	}
	if env.PerMessageIndicators&x400.PerMessageContentReturnRequest != 0 {
		t.Error("content-return-request on a notification")
	}
	// The originator is the reader (the MDN's From:, ipn-originator
	// mapped by IPNToMDN), not the gateway of MAIL FROM:<>.
	bob := x400.SampleIPN().IPN.IPNOriginator.FormalName
	if env.OriginatorName.String() != bob.String() {
		t.Errorf("originator %v, want the reader %v", env.OriginatorName, bob)
	}
	if mdn.Envelope.MailFrom != "" {
		t.Errorf("the MDN has reverse-path %q, the test wants <>", mdn.Envelope.MailFrom)
	}
	if len(env.TraceInformation) < 1 || !env.TraceInformation[len(env.TraceInformation)-1].GlobalDomainIdentifier.Equal(genTestGDI) {
		t.Errorf("trace %+v does not end with the gateway's element", env.TraceInformation)
	}

	// MessageIPN gives the receipt back.
	ipn, err := MessageIPN(apdu.Message)
	if err != nil || ipn == nil {
		t.Fatalf("MessageIPN: %v, %v", ipn, err)
	}
	want := x400.SampleIPN().IPN
	if ipn.Receipt == nil || !ipn.Receipt.ReceiptTime.Equal(want.Receipt.ReceiptTime) ||
		ipn.Receipt.AcknowledgmentMode != want.Receipt.AcknowledgmentMode || ipn.Receipt.SupplReceiptInfo != want.Receipt.SupplReceiptInfo {
		t.Errorf("receipt %+v, want %+v", ipn.Receipt, want.Receipt)
	}
	if got, w := mdnMarshal(t, ipn), mdnMarshal(t, want); !bytes.Equal(got, w) {
		t.Errorf("IPN -> MDN -> IPN message changed the IPN:\n got %x\nwant %x", got, w)
	}

	// A P772 subject gives a P772 notification.
	mil, _, _ := genIPNMessage(t, x400.ContentTypeP772)
	if !mil.Envelope.ContentType.Is(x400.ContentTypeP772) {
		t.Errorf("military subject: content type %v", mil.Envelope.ContentType)
	}
	if ipn, err := MessageIPN(mil); err != nil || ipn == nil {
		t.Errorf("MessageIPN of the P772 notification: %v, %v", ipn, err)
	}
}

func TestGenerateMessageIPN(t *testing.T) {
	content, err := x400.SampleIPM().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	m := x400.SampleMessage().Message
	m.Content = content
	if ipn, err := MessageIPN(m); ipn != nil || err != nil {
		t.Errorf("IPM: %v, %v; want nil, nil", ipn, err)
	}
	m.Content = content[:len(content)/2]
	if _, err := MessageIPN(m); err == nil {
		t.Error("a torn content decoded")
	}
	m.Content = content
	m.Envelope.ContentType = x400.ContentType{BuiltIn: x400.BuiltInEDI}
	if _, err := MessageIPN(m); err == nil {
		t.Error("an EDI content taken for interpersonal messaging")
	}
	if _, err := MessageIPN(nil); err == nil {
		t.Error("no message accepted")
	}
}

func TestGenerateTshark(t *testing.T) {
	tshark.Require(t)
	msg := x400.SampleMessage().Message
	rpt, ok := RelayedReport(genTestReporting, &msg.Envelope, []int{0, 2}, "mx.example.org", genTestArrived, genTestAt)
	if !ok {
		t.Fatal("no relayed report")
	}
	_, raw := genRoundTrip(t, rpt)
	tshark.CheckBER(t, raw, "P1 Message", tshark.Check{Require: []string{"p1.report_element", "p1.report_identifier_element",
		"p1.subject_identifier_element", "p1.message_delivery_time", "p1.per_recipient_fields"}})

	p := x400.SampleProbe().Probe
	rpt, ok = ProbeReport(genTestReporting, p, []ProbeOutcome{{Field: 0}, {Field: 1, Deliverable: true}}, genTestArrived, genTestAt)
	if !ok {
		t.Fatal("no probe report")
	}
	_, raw = genRoundTrip(t, rpt)
	tshark.CheckBER(t, raw, "P1 Message", tshark.Check{Require: []string{"p1.report_element", "p1.subject_identifier_element",
		"p1.message_delivery_time", "p1.non_delivery_reason_code"}})

	im, _, _ := genIPNMessage(t, x400.ContentType{})
	raw, err := (&x400.MTSAPDU{Message: im}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	tshark.CheckBER(t, raw, "P1 Message", tshark.Check{Require: []string{"p1.message_element", "p22.ipn_element",
		"p22.receipt_fields_element", "p22.receipt_time"}})
}

// NonDeliveryReport: only the recipients that ask, the reason and
// diagnostic, the arrival time, the correlator copied, the content
// returned when asked.
func TestGenerateNonDeliveryReport(t *testing.T) {
	m := x400.SampleMessage().Message
	env := &m.Envelope
	for i := range env.PerRecipientFields {
		env.PerRecipientFields[i].PerRecipientIndicators = x400.PerRecipientResponsibility
	}
	env.PerRecipientFields[0].PerRecipientIndicators |= x400.PerRecipientOriginatorNonDeliveryReport
	env.PerMessageIndicators |= x400.PerMessageContentReturnRequest
	diag := x400.DiagnosticUnrecognisedORName
	items := []NonDelivered{{Field: 0, Report: x400.NonDeliveryReport{Reason: x400.ReasonUnableToTransfer, Diagnostic: &diag},
		Text: "550 5.1.1 <bob@example.net>: no such user"}, {Field: 1}, {Field: 99}}
	rpt, ok := NonDeliveryReport(genTestReporting, env, m.Content, items, genTestArrived)
	if !ok {
		t.Fatal("no report")
	}
	if len(rpt.Content.PerRecipientFields) != 1 {
		t.Fatalf("%d recipients, want the one that asked", len(rpt.Content.PerRecipientFields))
	}
	rf := rpt.Content.PerRecipientFields[0]
	nd := rf.LastTraceInformation.ReportType.NonDelivery
	if nd == nil || nd.Reason != x400.ReasonUnableToTransfer || nd.Diagnostic == nil || *nd.Diagnostic != diag {
		t.Errorf("non-delivery %+v", nd)
	}
	if !rf.LastTraceInformation.ArrivalTime.Equal(genTestArrived.UTC().Truncate(time.Second)) {
		t.Errorf("arrival %v", rf.LastTraceInformation.ArrivalTime)
	}
	if strings.ContainsAny(rf.SupplementaryInformation, "<>@") {
		t.Errorf("supplementary information %q is not a PrintableString", rf.SupplementaryInformation)
	}
	if !bytes.Equal(rpt.Content.ReturnedContent, m.Content) {
		t.Error("content not returned though requested")
	}
	if c, err := env.Extensions.ContentCorrelator(); err == nil && c != nil {
		if got, _ := rpt.Content.Extensions.ContentCorrelator(); got == nil {
			t.Error("content correlator not copied")
		}
	}
	if _, err := (&x400.MTSAPDU{Report: rpt}).Marshal(); err != nil {
		t.Fatalf("encode: %v", err)
	}
	env.PerRecipientFields[0].PerRecipientIndicators = x400.PerRecipientResponsibility
	if _, ok := NonDeliveryReport(genTestReporting, env, m.Content, items, genTestArrived); ok {
		t.Error("a report though no recipient asked")
	}
}
