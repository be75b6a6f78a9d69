package x400

import (
	"time"

	"mixerd/ber"
)

// Sample P1 values: realistic messages, reports, probes and binds used by
// tests, benchmarks and the tshark conformance check. Each call returns a
// new value that the caller may modify.

func p1SampleName(c, a, p, o, ou, given, surname string) ORName {
	n := ORName{ORAddress: ORAddress{
		Country:      NumericOrPrintable{Value: c},
		ADMD:         NumericOrPrintable{Value: a},
		PRMD:         NumericOrPrintable{Value: p},
		Organization: o,
		PersonalName: PersonalName{GivenName: given, Surname: surname},
	}}
	if ou != "" {
		n.OrganizationalUnits = []string{ou}
	}
	return n
}

func p1SampleGDI(c, a, p string) GlobalDomainIdentifier {
	return GlobalDomainIdentifier{
		Country: NumericOrPrintable{Value: c},
		ADMD:    NumericOrPrintable{Value: a},
		PRMD:    NumericOrPrintable{Value: p},
	}
}

var (
	p1SampleTime  = time.Date(2026, time.November, 22, 21, 19, 53, 0, time.UTC)
	p1SampleOwnMD = p1SampleGDI("GB", " ", "MOD")
	p1SampleNato  = p1SampleGDI("BE", " ", "NATO")
)

func p1SampleOriginator() ORName {
	return p1SampleName("GB", " ", "MOD", "HQ", "OPS", "Helene", "Dupont")
}

func p1SampleMessageID() MTSIdentifier {
	return MTSIdentifier{GlobalDomainIdentifier: p1SampleOwnMD, LocalIdentifier: "mixerd.20261122.211953.0042"}
}

func p1SampleTrace() TraceInformation {
	return TraceInformation{
		{GlobalDomainIdentifier: p1SampleOwnMD, DomainSuppliedInformation: DomainSuppliedInformation{
			ArrivalTime: p1SampleTime, RoutingAction: RoutingRelayed,
		}},
		{GlobalDomainIdentifier: p1SampleNato, DomainSuppliedInformation: DomainSuppliedInformation{
			ArrivalTime: p1SampleTime.Add(42 * time.Second), RoutingAction: RoutingRelayed,
			ConvertedEITs: &EncodedInformationTypes{BuiltIn: EITIA5Text},
		}},
	}
}

func p1Must(x Extension, err error) Extension {
	if err != nil {
		panic(err)
	}
	return x
}

// SampleMessage returns a message in transfer: an urgent P22 message from
// /C=GB/A= /P=MOD/O=HQ/OU=OPS/G=Helene/S=Dupont/ to three recipients in
// two domains, all with report requests (the first with an
// originator-requested alternate recipient), a trace of two domains,
// latest-delivery-time, content-correlator, a private extension critical
// for delivery and an unknown standard extension that is not critical.
// Its Content is placeholder bytes, not yet a P22 IPM.
func SampleMessage() *MTSAPDU {
	alt := p1SampleName("GB", " ", "MOD", "HQ", "OPS", "", "Duty Officer")
	first := PerRecipientTransferFields{
		RecipientName:                      p1SampleName("GB", " ", "MOD", "HQ", "PLANS", "Jean", "Martin"),
		OriginallySpecifiedRecipientNumber: 1,
		PerRecipientIndicators: PerRecipientResponsibility | PerRecipientOriginatingMTAReport |
			PerRecipientOriginatingMTANonDeliveryReport | PerRecipientOriginatorReport,
		Extensions: Extensions{p1Must(OriginatorRequestedAlternateRecipientExtension(alt))},
	}
	second := PerRecipientTransferFields{
		RecipientName:                      p1SampleName("BE", " ", "NATO", "SHAPE", "J3", "John", "Smith"),
		OriginallySpecifiedRecipientNumber: 2,
		PerRecipientIndicators: PerRecipientResponsibility | PerRecipientOriginatingMTANonDeliveryReport |
			PerRecipientOriginatorNonDeliveryReport,
	}
	third := PerRecipientTransferFields{
		RecipientName:                      p1SampleName("BE", " ", "NATO", "SHAPE", "J6", "", "Janssens"),
		OriginallySpecifiedRecipientNumber: 3,
		PerRecipientIndicators: PerRecipientResponsibility | PerRecipientOriginatingMTAReport |
			PerRecipientOriginatingMTANonDeliveryReport | PerRecipientOriginatorReport,
	}
	unknown := Extension{Type: ExtensionType{Standard: 200}, Value: Raw{0x04, 0x03, 'P', 'P', '1'}}
	private := Extension{
		Type:     ExtensionType{Private: ber.MustOID("1.3.6.1.4.1.32473.400.1")},
		Critical: CriticalForDelivery,
		Value:    Raw{0x0c, 0x06, 'S', 'E', 'C', 'R', 'E', 'T'},
	}
	return &MTSAPDU{Message: &Message{
		Envelope: MessageTransferEnvelope{
			MessageIdentifier:    p1SampleMessageID(),
			OriginatorName:       p1SampleOriginator(),
			OriginalEITs:         &EncodedInformationTypes{BuiltIn: EITIA5Text},
			ContentType:          ContentTypeP22,
			ContentIdentifier:    "OPS 2026-0042",
			Priority:             PriorityUrgent,
			PerMessageIndicators: PerMessageAlternateRecipientAllowed | PerMessageContentReturnRequest,
			TraceInformation:     p1SampleTrace(),
			Extensions: Extensions{
				p1Must(LatestDeliveryTimeExtension(p1SampleTime.Add(4 * time.Hour))),
				p1Must(ContentCorrelatorExtension(ContentCorrelator{IA5Text: "OPS 2026-0042 Helene Dupont"})),
				private,
				unknown,
			},
			PerRecipientFields: []PerRecipientTransferFields{first, second, third},
		},
		Content: []byte("placeholder content: a P22 IPM encoding goes here"),
	}}
}

// SampleReport returns a report on SampleMessage, from the NATO domain to
// the originator: the first recipient delivered, the second not
// (unable-to-transfer, unrecognised-OR-name, with supplementary
// information), with the content returned, the content correlator and the
// reporting MTA's name.
func SampleReport() *MTSAPDU {
	diag := DiagnosticUnrecognisedORName
	msg := SampleMessage().Message
	reporting := p1Must(ReportingMTANameExtension(ReportingMTAName{Domain: p1SampleNato, MTAName: "mta-b.nato.example"}))
	return &MTSAPDU{Report: &Report{
		Envelope: ReportTransferEnvelope{
			ReportIdentifier:      MTSIdentifier{GlobalDomainIdentifier: p1SampleNato, LocalIdentifier: "rpt.20261122.211959.7"},
			ReportDestinationName: p1SampleOriginator(),
			TraceInformation: TraceInformation{{GlobalDomainIdentifier: p1SampleNato,
				DomainSuppliedInformation: DomainSuppliedInformation{ArrivalTime: p1SampleTime.Add(66 * time.Second)}}},
			Extensions: Extensions{reporting},
		},
		Content: ReportTransferContent{
			SubjectIdentifier:        p1SampleMessageID(),
			SubjectIntermediateTrace: p1SampleTrace()[:1],
			OriginalEITs:             &EncodedInformationTypes{BuiltIn: EITIA5Text},
			ContentType:              &ContentType{BuiltIn: BuiltInIPM88},
			ContentIdentifier:        "OPS 2026-0042",
			ReturnedContent:          msg.Content,
			Extensions: Extensions{
				p1Must(ContentCorrelatorExtension(ContentCorrelator{IA5Text: "OPS 2026-0042 Helene Dupont"})),
			},
			PerRecipientFields: []PerRecipientReportTransferFields{
				{
					ActualRecipientName:                msg.Envelope.PerRecipientFields[0].RecipientName,
					OriginallySpecifiedRecipientNumber: 1,
					PerRecipientIndicators:             msg.Envelope.PerRecipientFields[0].PerRecipientIndicators,
					LastTraceInformation: LastTraceInformation{
						ArrivalTime: p1SampleTime.Add(42 * time.Second),
						ReportType: ReportType{Delivery: &DeliveryReport{
							MessageDeliveryTime: p1SampleTime.Add(65 * time.Second),
							TypeOfMTSUser:       MTSUserPublic,
						}},
					},
				},
				{
					ActualRecipientName:                msg.Envelope.PerRecipientFields[1].RecipientName,
					OriginallySpecifiedRecipientNumber: 2,
					PerRecipientIndicators:             msg.Envelope.PerRecipientFields[1].PerRecipientIndicators,
					LastTraceInformation: LastTraceInformation{
						ArrivalTime: p1SampleTime.Add(42 * time.Second),
						ReportType: ReportType{NonDelivery: &NonDeliveryReport{
							Reason:     ReasonUnableToTransfer,
							Diagnostic: &diag,
						}},
					},
					SupplementaryInformation: "No mailbox for S=Smith in O=SHAPE",
				},
			},
		},
	}}
}

// SampleProbe returns a probe for a 2 KiB P22 message from the originator
// of SampleMessage to two recipients, with a content correlator.
func SampleProbe() *MTSAPDU {
	length := int64(2048)
	msg := SampleMessage().Message
	return &MTSAPDU{Probe: &ProbeTransferEnvelope{
		ProbeIdentifier:      MTSIdentifier{GlobalDomainIdentifier: p1SampleOwnMD, LocalIdentifier: "mixerd.20261122.211953.0043"},
		OriginatorName:       p1SampleOriginator(),
		OriginalEITs:         &EncodedInformationTypes{BuiltIn: EITIA5Text},
		ContentType:          ContentTypeP22,
		ContentIdentifier:    "OPS 2026-0043",
		ContentLength:        &length,
		PerMessageIndicators: PerMessageAlternateRecipientAllowed,
		TraceInformation:     p1SampleTrace()[:1],
		Extensions: Extensions{
			p1Must(ContentCorrelatorExtension(ContentCorrelator{IA5Text: "OPS 2026-0043"})),
		},
		PerRecipientFields: []PerRecipientTransferFields{
			msg.Envelope.PerRecipientFields[1],
			msg.Envelope.PerRecipientFields[2],
		},
	}}
}

// SampleBindArgument returns an authenticated MTA bind argument with
// simple credentials sent as an OCTET STRING, as PP sends them.
func SampleBindArgument() *MTABindArgument {
	return &MTABindArgument{
		InitiatorName: "mixerd.mod.example",
		Credentials:   Credentials{Password: "s3cret-A"},
	}
}

// SampleBindResult returns the matching authenticated bind result.
func SampleBindResult() *MTABindResult {
	return &MTABindResult{
		ResponderName: "mta-b.nato.example",
		Credentials:   Credentials{Password: "s3cret-B"},
	}
}
