package x400

import (
	"time"

	"mixerd/ber"
)

// Sample interpersonal messages and notifications, for tests, benchmarks
// and the tshark conformance check. Each call returns a new value.

// sampleORName builds the O/R name /C=c/A=a/P=p/O=o/G=given/S=surname/
// (built-in standard attributes, X.411 §12.2.1.1.1) as DER and decodes
// it, so that it does not depend on the Go shape of ORName.
func sampleORName(c, a, p, o, given, surname string) *ORName {
	b := ber.NewBuilder(96)
	m := b.Begin(ber.Application(0))
	s := b.Begin(ber.Sequence)
	cm := b.Begin(ber.Application(1))
	b.AddString(ber.PrintableString, c)
	b.End(cm)
	am := b.Begin(ber.Application(2))
	b.AddString(ber.PrintableString, a)
	b.End(am)
	pm := b.Begin(ber.Context(2))
	b.AddString(ber.PrintableString, p)
	b.End(pm)
	b.AddString(ber.Context(3), o)
	nm := b.Begin(ber.Context(5))
	b.AddString(ber.Context(0), surname)
	if given != "" {
		b.AddString(ber.Context(1), given)
	}
	b.End(nm)
	b.End(s)
	b.End(m)
	r := ber.NewReader(b.Bytes(), nil)
	e, err := r.Next()
	if err != nil {
		panic(err)
	}
	n := new(ORName)
	if err := n.decode(&e); err != nil {
		panic(err)
	}
	return n
}

func sampleOriginatorName() *ORName {
	return sampleORName("GB", "TEST", "ptest", "alpha", "Helene", "Dupont")
}

func sampleThisIPM() IPMIdentifier {
	return IPMIdentifier{User: sampleOriginatorName(), LocalID: "20261122.0042-alpha"}
}

// SampleIPM returns a realistic IPM: this-IPM identifier, originator,
// two primary recipients and one copy recipient asking for receipt
// notifications, a subject with accented characters (T.61), an expiry
// time, high importance, and three body parts: IA5 text, general text
// (ISO 8859-1) and a file transfer body part carrying a file.
func SampleIPM() *InformationObject {
	expiry := time.Date(2026, time.November, 30, 18, 0, 0, 0, time.UTC)
	modified := time.Date(2026, time.November, 21, 9, 30, 15, 0, time.UTC)
	file := []byte("%PDF-1.4\n% sample attachment for mixerd tests\n%%EOF\n")
	return &InformationObject{IPM: &IPM{
		Heading: Heading{
			ThisIPM: sampleThisIPM(),
			Originator: &ORDescriptor{
				FormalName:   sampleOriginatorName(),
				FreeFormName: "Hélène Dupont",
			},
			PrimaryRecipients: []RecipientSpecifier{
				{
					Recipient: ORDescriptor{
						FormalName:   sampleORName("GB", "TEST", "ptest", "beta", "Bob", "Smith"),
						FreeFormName: "Bob Smith",
					},
					NotificationRequests: NotifyRN | NotifyNRN,
					ReplyRequested:       true,
				},
				{
					Recipient: ORDescriptor{
						FormalName:      sampleORName("FR", "ATLAS", "defense", "etat-major", "Francois", "Lefevre"),
						FreeFormName:    "François Lefèvre",
						TelephoneNumber: "+33 1 45 55 00 00",
					},
					NotificationRequests: NotifyRN | NotifyNRN,
				},
			},
			CopyRecipients: []RecipientSpecifier{
				{
					Recipient: ORDescriptor{
						FormalName: sampleORName("DE", "TEST", "bund", "stab", "Jurgen", "Muller"),
					},
					NotificationRequests: NotifyRN,
				},
			},
			Subject:    "Réunion à Zürich : préparation de l'exercice",
			ExpiryTime: expiry,
			Importance: ImportanceHigh,
		},
		Body: []BodyPart{
			NewIA5TextBodyPart("Bob,\r\n\r\nThe meeting is confirmed for Monday 09:00.\r\n"),
			NewGeneralTextBodyPart("Ci-joint le rapport détaillé de la réunion préparatoire.\r\n"),
			NewFileTransferBodyPart("rapport-exercice.pdf", file, modified),
		},
	}}
}

// SampleIPN returns a receipt notification for SampleIPM, from its first
// primary recipient.
func SampleIPN() *InformationObject {
	bob := &ORDescriptor{FormalName: sampleORName("GB", "TEST", "ptest", "beta", "Bob", "Smith")}
	return &InformationObject{IPN: &IPN{
		SubjectIPM:    sampleThisIPM(),
		IPNOriginator: bob,
		Receipt: &ReceiptFields{
			ReceiptTime:        time.Date(2026, time.November, 22, 10, 15, 42, 0, time.UTC),
			AcknowledgmentMode: AcknowledgmentManual,
			SupplReceiptInfo:   "Read by the duty officer",
		},
	}}
}

// SampleNRN returns a non-receipt notification for SampleIPM: the IPM was
// discarded because it expired.
func SampleNRN() *InformationObject {
	recip := &ORDescriptor{FormalName: sampleORName("DE", "TEST", "bund", "stab", "Jurgen", "Muller")}
	return &InformationObject{IPN: &IPN{
		SubjectIPM:           sampleThisIPM(),
		IPNOriginator:        recip,
		IPMIntendedRecipient: &ORDescriptor{FormalName: sampleORName("DE", "TEST", "bund", "stab", "Jurgen", "Muller")},
		NonReceipt: &NonReceiptFields{
			Reason:        NonReceiptIPMDiscarded,
			DiscardReason: DiscardIPMExpired,
		},
	}}
}
