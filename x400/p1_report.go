package x400

import (
	"math"
	"time"

	"mixerd/ber"
)

// ReportTransferEnvelope is the envelope of a report in transfer,
// X.411 §12.2.1.3.1 (MTAAbstractService):
//
//	ReportTransferEnvelope ::= SET {
//	  report-identifier        ReportIdentifier,
//	  report-destination-name  ReportDestinationName,
//	  trace-information        TraceInformation,
//	  extensions [1] SET OF ExtensionField {{ReportTransferEnvelopeExtensions}} DEFAULT {} }
type ReportTransferEnvelope struct {
	ReportIdentifier      MTSIdentifier
	ReportDestinationName ORName
	TraceInformation      TraceInformation
	Extensions            Extensions
}

// ReportTransferContent is the content of a report in transfer,
// X.411 §12.2.1.3.1:
//
//	ReportTransferContent ::= SET {
//	  COMPONENTS OF PerReportTransferFields,
//	  per-recipient-fields [0] SEQUENCE SIZE (1..ub-recipients) OF
//	                             PerRecipientReportTransferFields }
//	PerReportTransferFields ::= SET {
//	  subject-identifier                      SubjectIdentifier,
//	  subject-intermediate-trace-information  SubjectIntermediateTraceInformation OPTIONAL,
//	  original-encoded-information-types      OriginalEncodedInformationTypes OPTIONAL,
//	  content-type                            ContentType OPTIONAL,
//	  content-identifier                      ContentIdentifier OPTIONAL,
//	  returned-content                    [1] Content OPTIONAL,
//	  additional-information              [2] AdditionalInformation OPTIONAL,
//	  extensions [3] SET OF ExtensionField {{ReportTransferContentExtensions}} DEFAULT {} }
type ReportTransferContent struct {
	// SubjectIdentifier is the MTS identifier of the message or probe
	// reported on: the correlation key.
	SubjectIdentifier MTSIdentifier
	// SubjectIntermediateTrace is subject-intermediate-trace-information,
	// nil when absent.
	SubjectIntermediateTrace TraceInformation
	OriginalEITs             *EncodedInformationTypes
	// ContentType is nil when absent.
	ContentType       *ContentType
	ContentIdentifier string
	// ReturnedContent is the content of the subject message, nil when
	// absent; it aliases the input when it was sent in primitive form.
	ReturnedContent []byte
	// AdditionalInformation is the whole [2] element kept as its encoding
	// (deprecated by X.411; relayed as received), nil when absent.
	AdditionalInformation Raw
	Extensions            Extensions
	PerRecipientFields    []PerRecipientReportTransferFields
}

// PerRecipientReportTransferFields is the report on one recipient,
// X.411 §12.2.1.3.1:
//
//	PerRecipientReportTransferFields ::= SET {
//	  actual-recipient-name                  [0] MTAActualRecipientName,
//	  originally-specified-recipient-number  [1] OriginallySpecifiedRecipientNumber,
//	  per-recipient-indicators               [2] PerRecipientIndicators,
//	  last-trace-information                 [3] LastTraceInformation,
//	  originally-intended-recipient-name     [4] OriginallyIntendedRecipientName OPTIONAL,
//	  supplementary-information              [5] SupplementaryInformation OPTIONAL,
//	  extensions [6] SET OF ExtensionField {{PerRecipientReportTransferExtensions}} DEFAULT {} }
type PerRecipientReportTransferFields struct {
	ActualRecipientName                ORName
	OriginallySpecifiedRecipientNumber int
	PerRecipientIndicators             PerRecipientIndicators
	LastTraceInformation               LastTraceInformation
	// OriginallyIntendedRecipientName is nil when absent.
	OriginallyIntendedRecipientName *ORName
	// SupplementaryInformation is a PrintableString, "" when absent.
	SupplementaryInformation string
	Extensions               Extensions
}

// LastTraceInformation is the outcome for one recipient:
//
//	LastTraceInformation ::= SET {
//	  arrival-time                         [0] ArrivalTime,
//	  converted-encoded-information-types      ConvertedEncodedInformationTypes OPTIONAL,
//	  report-type                          [1] ReportType }
type LastTraceInformation struct {
	ArrivalTime   time.Time
	ConvertedEITs *EncodedInformationTypes
	ReportType    ReportType
}

// ReportType is delivery or non-delivery, X.411 §8.3.1.2.1:
//
//	ReportType ::= CHOICE {
//	  delivery      [0] DeliveryReport,
//	  non-delivery  [1] NonDeliveryReport }
//
// Exactly one field is set.
type ReportType struct {
	Delivery    *DeliveryReport
	NonDelivery *NonDeliveryReport
}

// DeliveryReport says that a recipient received the message:
//
//	DeliveryReport ::= SET {
//	  message-delivery-time  [0] MessageDeliveryTime,
//	  type-of-MTS-user       [1] TypeOfMTSUser DEFAULT public }
type DeliveryReport struct {
	MessageDeliveryTime time.Time
	TypeOfMTSUser       TypeOfMTSUser
}

// NonDeliveryReport says why a recipient did not receive the message:
//
//	NonDeliveryReport ::= SET {
//	  non-delivery-reason-code      [0] NonDeliveryReasonCode,
//	  non-delivery-diagnostic-code  [1] NonDeliveryDiagnosticCode OPTIONAL }
type NonDeliveryReport struct {
	Reason NonDeliveryReason
	// Diagnostic is nil when absent.
	Diagnostic *DiagnosticCode
}

// TypeOfMTSUser is the kind of user a message was delivered to:
//
//	TypeOfMTSUser ::= INTEGER { public (0), private (1), ms (2), dl (3),
//	  pdau (4), physical-recipient (5), other (6) } (0..ub-mts-user-types)
type TypeOfMTSUser int

// The types of MTS user.
const (
	MTSUserPublic            TypeOfMTSUser = 0
	MTSUserPrivate           TypeOfMTSUser = 1
	MTSUserMS                TypeOfMTSUser = 2
	MTSUserDL                TypeOfMTSUser = 3
	MTSUserPDAU              TypeOfMTSUser = 4
	MTSUserPhysicalRecipient TypeOfMTSUser = 5
	MTSUserOther             TypeOfMTSUser = 6
)

func (env *ReportTransferEnvelope) decode(e *ber.Element) error { return env.decodeIn(e, nil) }

// decodeIn is decode taking spare storage from pool (nil: allocate).
func (env *ReportTransferEnvelope) decodeIn(e *ber.Element, pool *p1Pool) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	var seen seenSet
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		switch c.Tag {
		case p1TagMTSID:
			if err := seen.add(&c, 0, "report-identifier"); err != nil {
				return err
			}
			if err := env.ReportIdentifier.decode(&c); err != nil {
				return ber.Annotate(err, "report-identifier")
			}
		case p1TagORName:
			if err := seen.add(&c, 1, "report-destination-name"); err != nil {
				return err
			}
			if env.ReportDestinationName, err = p1NameIn(&c, "report-destination-name", pool); err != nil {
				return err
			}
		case p1TagTrace:
			if err := seen.add(&c, 2, "trace-information"); err != nil {
				return err
			}
			if err := env.TraceInformation.decodeIn(&c, pool); err != nil {
				return ber.Annotate(err, "trace-information")
			}
		case ber.Context(1):
			if err := seen.add(&c, 3, "extensions"); err != nil {
				return err
			}
			if err := env.Extensions.decode(&c); err != nil {
				return ber.Annotate(err, "extensions")
			}
		default:
			return p1Unexpected(&c, "ReportTransferEnvelope")
		}
	}
	switch {
	case !seen.has(0):
		return p1Missing(e, "report-identifier")
	case !seen.has(1):
		return p1Missing(e, "report-destination-name")
	case !seen.has(2):
		return p1Missing(e, "trace-information")
	}
	return nil
}

func (env *ReportTransferEnvelope) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t) // components in DER order
	env.ReportDestinationName.encode(b, p1TagORName)
	env.ReportIdentifier.encode(b, p1TagMTSID)
	env.TraceInformation.encode(b, p1TagTrace)
	env.Extensions.encode(b, ber.Context(1))
	p1EndSet(b, m)
}

func (rc *ReportTransferContent) decode(e *ber.Element) error { return rc.decodeIn(e, nil) }

// decodeIn is decode taking spare storage from pool (nil: allocate).
func (rc *ReportTransferContent) decodeIn(e *ber.Element, pool *p1Pool) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	var seen seenSet
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		switch {
		case c.Tag == p1TagMTSID:
			if err := seen.add(&c, 0, "subject-identifier"); err != nil {
				return err
			}
			if err := rc.SubjectIdentifier.decode(&c); err != nil {
				return ber.Annotate(err, "subject-identifier")
			}
		case c.Tag == p1TagTrace:
			if err := seen.add(&c, 1, "subject-intermediate-trace-information"); err != nil {
				return err
			}
			if err := rc.SubjectIntermediateTrace.decodeIn(&c, pool); err != nil {
				return ber.Annotate(err, "subject-intermediate-trace-information")
			}
		case c.Tag == p1TagEIT:
			if err := seen.add(&c, 2, "original-encoded-information-types"); err != nil {
				return err
			}
			x := pool.eit()
			if err := x.decode(&c); err != nil {
				return ber.Annotate(err, "original-encoded-information-types")
			}
			rc.OriginalEITs = x
		case p1IsContentType(c.Tag):
			if err := seen.add(&c, 3, "content-type"); err != nil {
				return err
			}
			ct := pool.contentType()
			if err := ct.decode(&c); err != nil {
				return ber.Annotate(err, "content-type")
			}
			rc.ContentType = ct
		case c.Tag == p1TagContentID:
			if err := seen.add(&c, 4, "content-identifier"); err != nil {
				return err
			}
			if rc.ContentIdentifier, err = printableStr(&c); err != nil {
				return ber.Annotate(err, "content-identifier")
			}
		case c.Tag == ber.Context(1):
			if err := seen.add(&c, 5, "returned-content"); err != nil {
				return err
			}
			if rc.ReturnedContent, err = c.Bytes(); err != nil {
				return ber.Annotate(err, "returned-content")
			}
		case c.Tag == ber.Context(2):
			if err := seen.add(&c, 6, "additional-information"); err != nil {
				return err
			}
			rc.AdditionalInformation = Raw(c.Raw)
		case c.Tag == ber.Context(3):
			if err := seen.add(&c, 7, "extensions"); err != nil {
				return err
			}
			if err := rc.Extensions.decode(&c); err != nil {
				return ber.Annotate(err, "extensions")
			}
		case c.Tag == ber.Context(0):
			if err := seen.add(&c, 8, "per-recipient-fields"); err != nil {
				return err
			}
			cr, err := c.Children()
			if err != nil {
				return ber.Annotate(err, "per-recipient-fields")
			}
			for !cr.Empty() {
				s, err := cr.Expect(ber.Set)
				if err != nil {
					return ber.Annotate(err, "per-recipient-fields")
				}
				rc.PerRecipientFields = p1Grow(rc.PerRecipientFields, &cr)
				if err := rc.PerRecipientFields[len(rc.PerRecipientFields)-1].decodeIn(&s, pool); err != nil {
					return ber.Annotate(err, "per-recipient-fields")
				}
			}
		default:
			return p1Unexpected(&c, "ReportTransferContent")
		}
	}
	switch {
	case !seen.has(0):
		return p1Missing(e, "subject-identifier")
	case !seen.has(8):
		return p1Missing(e, "per-recipient-fields")
	}
	return nil
}

func (rc *ReportTransferContent) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t) // components in DER order
	if rc.ContentType != nil && rc.ContentType.Extended != nil {
		rc.ContentType.encode(b) // OBJECT IDENTIFIER
	}
	rc.SubjectIdentifier.encode(b, p1TagMTSID)
	if rc.OriginalEITs != nil {
		rc.OriginalEITs.encode(b, p1TagEIT)
	}
	if rc.ContentType != nil && rc.ContentType.Extended == nil {
		rc.ContentType.encode(b) // [APPLICATION 6]
	}
	if rc.SubjectIntermediateTrace != nil {
		rc.SubjectIntermediateTrace.encode(b, p1TagTrace)
	}
	if rc.ContentIdentifier != "" {
		p1AddString(b, p1TagContentID, rc.ContentIdentifier, IsPrintableString, "content-identifier", "PrintableString")
	}
	s := b.Begin(ber.Context(0))
	for i := range rc.PerRecipientFields {
		rc.PerRecipientFields[i].encode(b, ber.Set)
	}
	b.End(s)
	if rc.ReturnedContent != nil {
		b.AddPrimitive(ber.Context(1), rc.ReturnedContent)
	}
	if rc.AdditionalInformation != nil {
		addKept(b, rc.AdditionalInformation, "additional-information", ber.Tag{}, false)
	}
	rc.Extensions.encode(b, ber.Context(3))
	if rc.AdditionalInformation != nil {
		b.EndSet(m) // a kept element: sort to be safe
	} else {
		p1EndSet(b, m)
	}
}

func (rf *PerRecipientReportTransferFields) decode(e *ber.Element) error { return rf.decodeIn(e, nil) }

// decodeIn is decode taking spare storage from pool (nil: allocate).
func (rf *PerRecipientReportTransferFields) decodeIn(e *ber.Element, pool *p1Pool) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	var seen seenSet
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		switch c.Tag {
		case ber.Context(0):
			if err := seen.add(&c, 0, "actual-recipient-name"); err != nil {
				return err
			}
			if rf.ActualRecipientName, err = p1NameIn(&c, "actual-recipient-name", pool); err != nil {
				return err
			}
		case ber.Context(1):
			if err := seen.add(&c, 1, "originally-specified-recipient-number"); err != nil {
				return err
			}
			if rf.OriginallySpecifiedRecipientNumber, err = p1Int(&c, 0, math.MaxInt32); err != nil {
				return ber.Annotate(err, "originally-specified-recipient-number")
			}
		case ber.Context(2):
			if err := seen.add(&c, 2, "per-recipient-indicators"); err != nil {
				return err
			}
			v, err := p1Bits(&c)
			if err != nil {
				return ber.Annotate(err, "per-recipient-indicators")
			}
			rf.PerRecipientIndicators = PerRecipientIndicators(v)
		case ber.Context(3):
			if err := seen.add(&c, 3, "last-trace-information"); err != nil {
				return err
			}
			if err := rf.LastTraceInformation.decodeIn(&c, pool); err != nil {
				return ber.Annotate(err, "last-trace-information")
			}
		case ber.Context(4):
			if err := seen.add(&c, 4, "originally-intended-recipient-name"); err != nil {
				return err
			}
			n, err := p1NameIn(&c, "originally-intended-recipient-name", pool)
			if err != nil {
				return err
			}
			rf.OriginallyIntendedRecipientName = &n
		case ber.Context(5):
			if err := seen.add(&c, 5, "supplementary-information"); err != nil {
				return err
			}
			if rf.SupplementaryInformation, err = printableStr(&c); err != nil {
				return ber.Annotate(err, "supplementary-information")
			}
		case ber.Context(6):
			if err := seen.add(&c, 6, "extensions"); err != nil {
				return err
			}
			if err := rf.Extensions.decode(&c); err != nil {
				return ber.Annotate(err, "extensions")
			}
		default:
			return p1Unexpected(&c, "PerRecipientReportTransferFields")
		}
	}
	for i, name := range [...]string{"actual-recipient-name", "originally-specified-recipient-number",
		"per-recipient-indicators", "last-trace-information"} {
		if !seen.has(uint(i)) {
			return p1Missing(e, name)
		}
	}
	return nil
}

func (rf *PerRecipientReportTransferFields) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	rf.ActualRecipientName.encode(b, ber.Context(0))
	b.AddInt(ber.Context(1), int64(rf.OriginallySpecifiedRecipientNumber))
	p1AddBits(b, ber.Context(2), uint32(rf.PerRecipientIndicators), 8)
	rf.LastTraceInformation.encode(b, ber.Context(3))
	if rf.OriginallyIntendedRecipientName != nil {
		rf.OriginallyIntendedRecipientName.encode(b, ber.Context(4))
	}
	if rf.SupplementaryInformation != "" {
		p1AddString(b, ber.Context(5), rf.SupplementaryInformation, IsPrintableString, "supplementary-information", "PrintableString")
	}
	rf.Extensions.encode(b, ber.Context(6))
	p1EndSet(b, m)
}

func (l *LastTraceInformation) decode(e *ber.Element) error { return l.decodeIn(e, nil) }

// decodeIn is decode taking spare storage from pool (nil: allocate).
func (l *LastTraceInformation) decodeIn(e *ber.Element, pool *p1Pool) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	var seen seenSet
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		switch c.Tag {
		case ber.Context(0):
			if err := seen.add(&c, 0, "arrival-time"); err != nil {
				return err
			}
			if l.ArrivalTime, err = p1Time(&c); err != nil {
				return ber.Annotate(err, "arrival-time")
			}
		case p1TagEIT:
			if err := seen.add(&c, 1, "converted-encoded-information-types"); err != nil {
				return err
			}
			x := pool.eit()
			if err := x.decode(&c); err != nil {
				return ber.Annotate(err, "converted-encoded-information-types")
			}
			l.ConvertedEITs = x
		case ber.Context(1):
			if err := seen.add(&c, 2, "report-type"); err != nil {
				return err
			}
			v, err := explicit(&c)
			if err != nil {
				return ber.Annotate(err, "report-type")
			}
			if err := l.ReportType.decode(&v); err != nil {
				return ber.Annotate(err, "report-type")
			}
		default:
			return p1Unexpected(&c, "LastTraceInformation")
		}
	}
	if !seen.has(0) {
		return p1Missing(e, "arrival-time")
	}
	if !seen.has(2) {
		return p1Missing(e, "report-type")
	}
	return nil
}

func (l *LastTraceInformation) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t) // components in DER order
	if l.ConvertedEITs != nil {
		l.ConvertedEITs.encode(b, p1TagEIT)
	}
	p1AddTime(b, ber.Context(0), l.ArrivalTime, "arrival-time")
	rt := b.Begin(ber.Context(1))
	l.ReportType.encode(b)
	b.End(rt)
	p1EndSet(b, m)
}

func (rt *ReportType) decode(e *ber.Element) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	var seen seenSet
	switch e.Tag {
	case ber.Context(0):
		d := new(DeliveryReport)
		for !r.Empty() {
			c, err := r.Next()
			if err != nil {
				return ber.Annotate(err, "delivery")
			}
			switch c.Tag {
			case ber.Context(0):
				if err := seen.add(&c, 0, "message-delivery-time"); err != nil {
					return ber.Annotate(err, "delivery")
				}
				if d.MessageDeliveryTime, err = p1Time(&c); err != nil {
					return ber.Annotate(ber.Annotate(err, "message-delivery-time"), "delivery")
				}
			case ber.Context(1):
				if err := seen.add(&c, 1, "type-of-MTS-user"); err != nil {
					return ber.Annotate(err, "delivery")
				}
				v, err := p1Int(&c, 0, math.MaxInt32)
				if err != nil {
					return ber.Annotate(ber.Annotate(err, "type-of-MTS-user"), "delivery")
				}
				d.TypeOfMTSUser = TypeOfMTSUser(v)
			default:
				return ber.Annotate(p1Unexpected(&c, "DeliveryReport"), "delivery")
			}
		}
		if !seen.has(0) {
			return ber.Annotate(p1Missing(e, "message-delivery-time"), "delivery")
		}
		rt.Delivery = d
	case ber.Context(1):
		n := new(NonDeliveryReport)
		for !r.Empty() {
			c, err := r.Next()
			if err != nil {
				return ber.Annotate(err, "non-delivery")
			}
			switch c.Tag {
			case ber.Context(0):
				if err := seen.add(&c, 0, "non-delivery-reason-code"); err != nil {
					return ber.Annotate(err, "non-delivery")
				}
				v, err := p1Int(&c, 0, math.MaxInt32)
				if err != nil {
					return ber.Annotate(ber.Annotate(err, "non-delivery-reason-code"), "non-delivery")
				}
				n.Reason = NonDeliveryReason(v)
			case ber.Context(1):
				if err := seen.add(&c, 1, "non-delivery-diagnostic-code"); err != nil {
					return ber.Annotate(err, "non-delivery")
				}
				v, err := p1Int(&c, 0, math.MaxInt32)
				if err != nil {
					return ber.Annotate(ber.Annotate(err, "non-delivery-diagnostic-code"), "non-delivery")
				}
				d := DiagnosticCode(v)
				n.Diagnostic = &d
			default:
				return ber.Annotate(p1Unexpected(&c, "NonDeliveryReport"), "non-delivery")
			}
		}
		if !seen.has(0) {
			return ber.Annotate(p1Missing(e, "non-delivery-reason-code"), "non-delivery")
		}
		rt.NonDelivery = n
	default:
		return e.Errorf("%s is not a ReportType (delivery [0], non-delivery [1])", e.Tag)
	}
	return nil
}

func (rt *ReportType) encode(b *ber.Builder) {
	switch {
	case rt.Delivery != nil && rt.NonDelivery == nil:
		m := b.Begin(ber.Context(0))
		p1AddTime(b, ber.Context(0), rt.Delivery.MessageDeliveryTime, "message-delivery-time")
		if rt.Delivery.TypeOfMTSUser != MTSUserPublic {
			b.AddInt(ber.Context(1), int64(rt.Delivery.TypeOfMTSUser))
		}
		p1EndSet(b, m)
	case rt.NonDelivery != nil && rt.Delivery == nil:
		m := b.Begin(ber.Context(1))
		b.AddInt(ber.Context(0), int64(rt.NonDelivery.Reason))
		if rt.NonDelivery.Diagnostic != nil {
			b.AddInt(ber.Context(1), int64(*rt.NonDelivery.Diagnostic))
		}
		p1EndSet(b, m)
	default:
		b.Fail(errReportType)
	}
}

var errReportType = p1Error("report-type needs exactly one of delivery and non-delivery")

// p1Error is a constant error of this file set.
type p1Error string

func (e p1Error) Error() string { return "x400: " + string(e) }

// Delivered reports whether rf is a delivery report.
func (rf *PerRecipientReportTransferFields) Delivered() bool {
	return rf.LastTraceInformation.ReportType.Delivery != nil
}

// CriticalUnsupported returns the report envelope's extensions that are
// critical for transfer and unknown to this package. A report that cannot
// be transferred is discarded: no report is ever made on a report.
func (env *ReportTransferEnvelope) CriticalUnsupported() []Extension {
	return env.Extensions.CriticalUnsupported()
}
