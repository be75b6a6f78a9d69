package x400

import (
	"testing"
	"time"

	"mixerd/ber"
)

func TestIPNRoundTrip(t *testing.T) {
	orn := sampleORName("GB", "TEST", "ptest", "beta", "", "bob")
	subject := IPMIdentifier{User: sampleORName("GB", "TEST", "ptest", "alpha", "", "root"), LocalID: "id-1"}
	when := time.Date(2026, time.November, 22, 10, 15, 42, 0, time.UTC)
	xs := []IPMSExtension{{Type: ber.MustOID("1.3.26.0.4406.0.8.0"), Value: ipmTPrim(ber.Integer, "\x02")}}
	eits := &EncodedInformationTypes{BuiltIn: EITIA5Text | EITTeletex}
	returned := &IPM{
		Heading: Heading{ThisIPM: IPMIdentifier{LocalID: "id-1"}, Subject: "Expired"},
		Body:    []BodyPart{NewIA5TextBodyPart("text")},
	}
	advice := ipmTCons(ber.Sequence, ipmTPrim(ber.UTCTimeTag, "261201080000Z"))
	cases := map[string]*IPN{
		"rn minimal": {SubjectIPM: subject, Receipt: &ReceiptFields{ReceiptTime: when}},
		"rn all": {
			SubjectIPM:             subject,
			IPNOriginator:          &ORDescriptor{FormalName: orn, FreeFormName: "Bob"},
			IPMIntendedRecipient:   &ORDescriptor{FormalName: orn},
			ConversionEITs:         eits,
			NotificationExtensions: xs,
			Receipt: &ReceiptFields{
				ReceiptTime:        when,
				AcknowledgmentMode: AcknowledgmentAutomatic,
				SupplReceiptInfo:   "Read on screen",
				Extensions:         xs,
			},
		},
		"rn empty extensions": {SubjectIPM: subject, NotificationExtensions: []IPMSExtension{}, Receipt: &ReceiptFields{ReceiptTime: when, Extensions: []IPMSExtension{}}},
		"rn unknown": {SubjectIPM: subject, Receipt: &ReceiptFields{ReceiptTime: when, Unknown: []Raw{ipmTPrim(ber.Context(9), "u")}},
			Unknown: []Raw{ipmTPrim(ber.Context(7), "v")}},
		"nrn discarded expired": {SubjectIPM: subject, NonReceipt: &NonReceiptFields{Reason: NonReceiptIPMDiscarded, DiscardReason: DiscardIPMExpired}},
		"nrn obsoleted":         {SubjectIPM: subject, NonReceipt: &NonReceiptFields{DiscardReason: DiscardIPMObsoleted}},
		"nrn not-used":          {SubjectIPM: subject, NonReceipt: &NonReceiptFields{DiscardReason: DiscardNotUsed}},
		"nrn auto-forwarded": {SubjectIPM: subject, NonReceipt: &NonReceiptFields{
			Reason:             NonReceiptIPMAutoForwarded,
			AutoForwardComment: "Forwarded to the duty officer",
			ReturnedIPM:        returned,
			Extensions:         xs,
			Unknown:            []Raw{ipmTPrim(ber.Context(8), "w")},
		}},
		"nrn future reason":    {SubjectIPM: subject, NonReceipt: &NonReceiptFields{Reason: 7, DiscardReason: 9}},
		"other absence advice": {SubjectIPM: subject, Other: []IPMSExtension{{Type: IDOnAbsenceAdvice, Value: advice}}},
		"other empty":          {SubjectIPM: subject, Other: []IPMSExtension{}},
	}
	for name, n := range cases {
		t.Run(name, func(t *testing.T) { ipmTRoundTrip(t, &InformationObject{IPN: n}) })
	}
}

func TestSampleNotifications(t *testing.T) {
	rn := ipmTRoundTrip(t, SampleIPN()).IPN
	if rn.Receipt == nil || rn.NonReceipt != nil || rn.Receipt.ReceiptTime.IsZero() || rn.SubjectIPM.LocalID != "20261122.0042-alpha" {
		t.Errorf("RN %+v", rn)
	}
	nrn := ipmTRoundTrip(t, SampleNRN()).IPN
	if nrn.NonReceipt == nil || nrn.NonReceipt.Reason != NonReceiptIPMDiscarded || nrn.NonReceipt.DiscardReason != DiscardIPMExpired ||
		nrn.NonReceipt.DiscardReason.Wire() != 0 {
		t.Errorf("NRN %+v", nrn.NonReceipt)
	}
	// ipm-expired is the ASN.1 value 0: it must be on the wire.
	enc := ipmTMarshal(t, SampleNRN())
	d, _ := DecodeInformationObject(enc, nil)
	if d.IPN.NonReceipt.DiscardReason != DiscardIPMExpired {
		t.Error("discard-reason lost")
	}
	if _, ok := (&IPN{NotificationExtensions: []IPMSExtension{{Type: IDOnAbsenceAdvice}}}).Extension(IDOnAbsenceAdvice); !ok {
		t.Error("IPN.Extension")
	}
}
