package x400

import (
	"errors"
	"strconv"
	"time"

	"mixerd/ber"
)

// The object identifiers of the other notification types, X.420 §8.4
// (IPMSObjectIdentifiers: id-on ::= {joint-iso-itu-t mhs(6) ipms(1) 19}).
var (
	IDOnAbsenceAdvice         = ber.MustOID("2.6.1.19.0")
	IDOnChangeOfAddressAdvice = ber.MustOID("2.6.1.19.1")
)

// IPN is an interpersonal notification, X.420 §8:
//
//	IPN ::= SET {
//	  COMPONENTS OF CommonFields,
//	  choice [0] CHOICE {
//	    non-receipt-fields              [0]  NonReceiptFields,
//	    receipt-fields                  [1]  ReceiptFields,
//	    other-notification-type-fields  [2]  OtherNotificationTypeFields } }
//	CommonFields ::= SET {
//	  subject-ipm              SubjectIPMField,
//	  ipn-originator           [1]  IPNOriginatorField OPTIONAL,
//	  ipm-intended-recipient   [2]  IPMIntendedRecipientField OPTIONAL,
//	  conversion-eits          ConversionEITsField OPTIONAL,
//	  notification-extensions  [3]  NotificationExtensionsField OPTIONAL }
//	OtherNotificationTypeFields ::= SET OF IPMSExtension
//
// Exactly one of NonReceipt, Receipt and Other (non-nil, possibly empty)
// is set: an NRN, an RN, or an other notification (X.420 §8.4). The choice
// [0] is explicitly tagged (X.680 §31.2.7: a tagged CHOICE).
type IPN struct {
	SubjectIPM           IPMIdentifier
	IPNOriginator        *ORDescriptor // nil when absent
	IPMIntendedRecipient *ORDescriptor // nil when absent
	// ConversionEITs are the encoded information types of the IPM after
	// conversion (X.411 EncodedInformationTypes); nil when absent.
	ConversionEITs *EncodedInformationTypes
	// NotificationExtensions are the [3] extensions (ipn-security-response,
	// P772 notification extensions, ...); nil when absent.
	NotificationExtensions []IPMSExtension

	NonReceipt *NonReceiptFields
	Receipt    *ReceiptFields
	Other      []IPMSExtension

	// Unknown holds components with tags this version does not know.
	Unknown []Raw
}

// Extension returns the notification extension of type oid, if present.
func (n *IPN) Extension(oid ber.OID) (*IPMSExtension, bool) {
	return ipmsExtensionLookup(n.NotificationExtensions, oid)
}

var encodedInformationTypesTag = ber.Application(5)

// ipnSpare holds the objects of an IPN that are usually present,
// allocated with the IPN when it is the information object: the two
// descriptors and the O/R names of the subject IPM's user and of the
// descriptors, and the fields of the notification.
type ipnSpare struct {
	originator, intended ORDescriptor
	names                [3]ORName
	nonReceipt           NonReceiptFields
	receipt              ReceiptFields
}

func (n *IPN) decode(e *ber.Element) error { return n.decodeIn(e, nil) }

// decodeIn is decode with the usual objects in sp (nil: each is allocated
// alone).
func (n *IPN) decodeIn(e *ber.Element, sp *ipnSpare) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	var seen seenSet
	const (
		bSubject = iota
		bOriginator
		bIntended
		bEITs
		bExtensions
		bChoice
	)
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		var bit uint
		var name string
		switch c.Tag {
		case ipmIdentifierTag:
			bit, name = bSubject, "subject-ipm"
		case ber.Context(1):
			bit, name = bOriginator, "ipn-originator"
		case ber.Context(2):
			bit, name = bIntended, "ipm-intended-recipient"
		case encodedInformationTypesTag:
			bit, name = bEITs, "conversion-eits"
		case ber.Context(3):
			bit, name = bExtensions, "notification-extensions"
		case ber.Context(0):
			bit, name = bChoice, "choice"
		default:
			n.Unknown = append(n.Unknown, Raw(c.Raw))
			continue
		}
		if err := seen.add(&c, bit, name); err != nil {
			return err
		}
		switch bit {
		case bSubject:
			var names *ipmSlab[ORName]
			if sp != nil {
				names = &ipmSlab[ORName]{block: sp.names[0:1:1]}
			}
			err = n.SubjectIPM.decodeIn(&c, names)
		case bOriginator:
			var names *ipmSlab[ORName]
			if sp != nil {
				n.IPNOriginator = &sp.originator
				names = &ipmSlab[ORName]{block: sp.names[1:2:2]}
			} else {
				n.IPNOriginator = new(ORDescriptor)
			}
			err = n.IPNOriginator.decodeIn(&c, names)
		case bIntended:
			var names *ipmSlab[ORName]
			if sp != nil {
				n.IPMIntendedRecipient = &sp.intended
				names = &ipmSlab[ORName]{block: sp.names[2:3:3]}
			} else {
				n.IPMIntendedRecipient = new(ORDescriptor)
			}
			err = n.IPMIntendedRecipient.decodeIn(&c, names)
		case bEITs:
			n.ConversionEITs = new(EncodedInformationTypes)
			err = n.ConversionEITs.decode(&c)
		case bExtensions:
			n.NotificationExtensions, err = ipmDecodeExtensions(&c)
		case bChoice:
			err = n.decodeChoice(&c, sp)
		}
		if err != nil {
			return ber.Annotate(err, name)
		}
	}
	if !seen.has(bSubject) {
		return ber.Annotate(e.Errorf("missing subject-ipm"), "subject-ipm")
	}
	if !seen.has(bChoice) {
		return ber.Annotate(e.Errorf("missing choice [0]"), "choice")
	}
	return nil
}

func (n *IPN) decodeChoice(e *ber.Element, sp *ipnSpare) error {
	c, err := explicit(e)
	if err != nil {
		return err
	}
	switch c.Tag {
	case ber.Context(0):
		if sp != nil {
			n.NonReceipt = &sp.nonReceipt
		} else {
			n.NonReceipt = new(NonReceiptFields)
		}
		return ber.Annotate(n.NonReceipt.decode(&c), "non-receipt-fields")
	case ber.Context(1):
		if sp != nil {
			n.Receipt = &sp.receipt
		} else {
			n.Receipt = new(ReceiptFields)
		}
		return ber.Annotate(n.Receipt.decode(&c), "receipt-fields")
	case ber.Context(2):
		n.Other, err = ipmDecodeExtensions(&c)
		return ber.Annotate(err, "other-notification-type-fields")
	}
	return c.Errorf("unexpected %s: expected non-receipt-fields [0], receipt-fields [1] or other-notification-type-fields [2]", c.Tag)
}

func (n *IPN) sizeHint() int {
	k := 24 + n.SubjectIPM.sizeHint() + ipmRawSize(n.Unknown)
	if n.IPNOriginator != nil {
		k += n.IPNOriginator.sizeHint()
	}
	if n.IPMIntendedRecipient != nil {
		k += n.IPMIntendedRecipient.sizeHint()
	}
	if n.ConversionEITs != nil {
		k += 32
	}
	k += ipmExtensionsSize(n.NotificationExtensions) + ipmExtensionsSize(n.Other)
	if x := n.NonReceipt; x != nil {
		k += 16 + len(x.AutoForwardComment) + ipmExtensionsSize(x.Extensions) + ipmRawSize(x.Unknown)
		if x.ReturnedIPM != nil {
			k += x.ReturnedIPM.sizeHint()
		}
	}
	if x := n.Receipt; x != nil {
		k += 24 + len(x.SupplReceiptInfo) + ipmExtensionsSize(x.Extensions) + ipmRawSize(x.Unknown)
	}
	return k
}

func (n *IPN) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	if n.ConversionEITs != nil {
		n.ConversionEITs.encode(b, encodedInformationTypesTag)
	}
	n.SubjectIPM.encode(b, ipmIdentifierTag)
	cm := b.Begin(ber.Context(0))
	switch {
	case n.NonReceipt != nil && n.Receipt == nil && n.Other == nil:
		n.NonReceipt.encode(b, ber.Context(0))
	case n.Receipt != nil && n.NonReceipt == nil && n.Other == nil:
		n.Receipt.encode(b, ber.Context(1))
	case n.Other != nil && n.NonReceipt == nil && n.Receipt == nil:
		ipmEncodeExtensions(b, ber.Context(2), n.Other)
	default:
		b.Fail(errors.New("x400: IPN needs exactly one of non-receipt, receipt and other fields"))
	}
	b.End(cm)
	if n.IPNOriginator != nil {
		n.IPNOriginator.encode(b, ber.Context(1))
	}
	if n.IPMIntendedRecipient != nil {
		n.IPMIntendedRecipient.encode(b, ber.Context(2))
	}
	if n.NotificationExtensions != nil {
		ipmEncodeExtensions(b, ber.Context(3), n.NotificationExtensions)
	}
	ipmEndSet(b, m, n.Unknown)
}

// NonReceiptReason is X.420 §8.2.1:
//
//	NonReceiptReasonField ::= ENUMERATED { ipm-discarded(0), ipm-auto-forwarded(1), ... }
//
// The constants are the ASN.1 values; other values (the type is
// extensible) are carried as they are.
type NonReceiptReason int

// The non-receipt reasons.
const (
	NonReceiptIPMDiscarded     NonReceiptReason = 0
	NonReceiptIPMAutoForwarded NonReceiptReason = 1
)

// DiscardReason is X.420 §8.2.2:
//
//	DiscardReasonField ::= ENUMERATED {
//	  ipm-expired(0), ipm-obsoleted(1), user-subscription-terminated(2), not-used(3) }
//
// The Go zero value means the field is absent; the constants are the ASN.1
// values plus one (the codec maps them), and Wire returns the ASN.1 value.
type DiscardReason int

// The discard reasons.
const (
	DiscardNone                       DiscardReason = 0 // absent
	DiscardIPMExpired                 DiscardReason = 1 // ipm-expired(0)
	DiscardIPMObsoleted               DiscardReason = 2 // ipm-obsoleted(1)
	DiscardUserSubscriptionTerminated DiscardReason = 3 // user-subscription-terminated(2)
	DiscardNotUsed                    DiscardReason = 4 // not-used(3); ipm-deleted(3) in ISO/IEC 10021-7
)

// Wire returns the ASN.1 value of r (-1 for DiscardNone).
func (r DiscardReason) Wire() int { return int(r) - 1 }

// NonReceiptFields are X.420 §8.2:
//
//	NonReceiptFields ::= SET {
//	  non-receipt-reason    [0]  NonReceiptReasonField,
//	  discard-reason        [1]  DiscardReasonField OPTIONAL,
//	  auto-forward-comment  [2]  AutoForwardCommentField OPTIONAL,
//	  returned-ipm          [3]  ReturnedIPMField OPTIONAL,
//	  nrn-extensions        [4]  NRNExtensionsField OPTIONAL }
//	AutoForwardComment ::= PrintableString (SIZE (0..ub-auto-forward-comment))
type NonReceiptFields struct {
	Reason             NonReceiptReason
	DiscardReason      DiscardReason
	AutoForwardComment string // "" when absent
	ReturnedIPM        *IPM   // nil when absent
	Extensions         []IPMSExtension
	Unknown            []Raw
}

var nonReceiptNames = [...]string{"non-receipt-reason", "discard-reason", "auto-forward-comment", "returned-ipm", "nrn-extensions"}

func (x *NonReceiptFields) decode(e *ber.Element) error {
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
		if c.Tag.Class != ber.ClassContext || c.Tag.Number > 4 {
			x.Unknown = append(x.Unknown, Raw(c.Raw))
			continue
		}
		k := c.Tag.Number
		if err := seen.add(&c, uint(k), nonReceiptNames[k]); err != nil {
			return err
		}
		switch k {
		case 0:
			var v int
			if v, err = c.Int(); err == nil {
				x.Reason = NonReceiptReason(v)
			}
		case 1:
			var v int
			if v, err = c.Int(); err == nil {
				if v < 0 || v > 1<<20 {
					err = c.Errorf("%s: discard reason %d out of range", c.Tag, v)
				}
				x.DiscardReason = DiscardReason(v + 1)
			}
		case 2:
			x.AutoForwardComment, err = printableStr(&c)
		case 3:
			x.ReturnedIPM = new(IPM)
			err = x.ReturnedIPM.decode(&c)
		case 4:
			x.Extensions, err = ipmDecodeExtensions(&c)
		}
		if err != nil {
			return ber.Annotate(err, nonReceiptNames[k])
		}
	}
	if !seen.has(0) {
		return ber.Annotate(e.Errorf("missing non-receipt-reason"), "non-receipt-reason")
	}
	return nil
}

func (x *NonReceiptFields) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	b.AddInt(ber.Context(0), int64(x.Reason))
	if x.DiscardReason != DiscardNone {
		if x.DiscardReason < 0 {
			b.Fail(errors.New("x400: invalid discard reason " + strconv.Itoa(int(x.DiscardReason))))
		}
		b.AddInt(ber.Context(1), int64(x.DiscardReason.Wire()))
	}
	if x.AutoForwardComment != "" {
		if !IsPrintableString(x.AutoForwardComment) {
			b.Fail(errors.New("x400: auto-forward comment " + strconv.Quote(x.AutoForwardComment) + " is not a PrintableString"))
		}
		b.AddString(ber.Context(2), x.AutoForwardComment)
	}
	if x.ReturnedIPM != nil {
		x.ReturnedIPM.encode(b, ber.Context(3))
	}
	if x.Extensions != nil {
		ipmEncodeExtensions(b, ber.Context(4), x.Extensions)
	}
	ipmEndSet(b, m, x.Unknown)
}

// AcknowledgmentMode is X.420 §8.3.2:
//
//	AcknowledgmentModeField ::= ENUMERATED { manual(0), automatic(1) }  -- DEFAULT manual
type AcknowledgmentMode uint8

// The acknowledgment modes (the ASN.1 values).
const (
	AcknowledgmentManual    AcknowledgmentMode = 0
	AcknowledgmentAutomatic AcknowledgmentMode = 1
)

// ReceiptFields are X.420 §8.3:
//
//	ReceiptFields ::= SET {
//	  receipt-time         [0]  ReceiptTimeField,
//	  acknowledgment-mode  [1]  AcknowledgmentModeField DEFAULT manual,
//	  suppl-receipt-info   [2]  SupplReceiptInfoField OPTIONAL,
//	  rn-extensions        [3]  RNExtensionsField OPTIONAL }
//	SupplReceiptInfoField ::= SupplementaryInformation  -- PrintableString (SIZE (1..ub-supplementary-info-length))
type ReceiptFields struct {
	ReceiptTime        time.Time
	AcknowledgmentMode AcknowledgmentMode
	SupplReceiptInfo   string // "" when absent
	Extensions         []IPMSExtension
	Unknown            []Raw
}

var receiptNames = [...]string{"receipt-time", "acknowledgment-mode", "suppl-receipt-info", "rn-extensions"}

func (x *ReceiptFields) decode(e *ber.Element) error {
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
		if c.Tag.Class != ber.ClassContext || c.Tag.Number > 3 {
			x.Unknown = append(x.Unknown, Raw(c.Raw))
			continue
		}
		k := c.Tag.Number
		if err := seen.add(&c, uint(k), receiptNames[k]); err != nil {
			return err
		}
		switch k {
		case 0:
			x.ReceiptTime, err = c.UTCTime()
		case 1:
			var v int64
			if v, err = c.Int64(); err == nil {
				if v != 0 && v != 1 {
					err = c.Errorf("%s: acknowledgment mode %d not in manual(0), automatic(1)", c.Tag, v)
				}
				x.AcknowledgmentMode = AcknowledgmentMode(v)
			}
		case 2:
			x.SupplReceiptInfo, err = printableStr(&c)
		case 3:
			x.Extensions, err = ipmDecodeExtensions(&c)
		}
		if err != nil {
			return ber.Annotate(err, receiptNames[k])
		}
	}
	if !seen.has(0) {
		return ber.Annotate(e.Errorf("missing receipt-time"), "receipt-time")
	}
	return nil
}

func (x *ReceiptFields) encode(b *ber.Builder, t ber.Tag) {
	if x.ReceiptTime.IsZero() {
		b.Fail(errors.New("x400: receipt notification without a receipt time"))
	}
	m := b.Begin(t)
	b.AddUTCTime(ber.Context(0), x.ReceiptTime)
	switch x.AcknowledgmentMode {
	case AcknowledgmentManual:
	case AcknowledgmentAutomatic:
		b.AddInt(ber.Context(1), 1)
	default:
		b.Fail(errors.New("x400: invalid acknowledgment mode"))
	}
	if x.SupplReceiptInfo != "" {
		if !IsPrintableString(x.SupplReceiptInfo) {
			b.Fail(errors.New("x400: supplementary receipt information " + strconv.Quote(x.SupplReceiptInfo) + " is not a PrintableString"))
		}
		b.AddString(ber.Context(2), x.SupplReceiptInfo)
	}
	if x.Extensions != nil {
		ipmEncodeExtensions(b, ber.Context(3), x.Extensions)
	}
	ipmEndSet(b, m, x.Unknown)
}
