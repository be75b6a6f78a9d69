package x400

import (
	"errors"
	"time"

	"mixerd/ber"
)

// ACP127NotificationType is the set of notifications asked of (or given
// by) an ACP 127 gateway, module MMSPerRecipientSpecifierExtensions
// (STANAG 4406 Annex A, ACP 123 Annex A.2):
//
//	Acp127NotificationType ::= BIT STRING {
//	    acp127-nn (0),  -- negative notification
//	    acp127-pn (1),  -- positive notification
//	    acp127-tn (2) } -- transfer notification
//
// Bit i of the BIT STRING is bit 1<<i of the value; bits beyond 31 are
// dropped.
type ACP127NotificationType uint32

// The named bits of Acp127NotificationType.
const (
	ACP127NegativeNotification ACP127NotificationType = 1 << 0
	ACP127PositiveNotification ACP127NotificationType = 1 << 1
	ACP127TransferNotification ACP127NotificationType = 1 << 2
)

func (t *ACP127NotificationType) decode(e *ber.Element) error {
	bs, err := e.BitString()
	if err != nil {
		return err
	}
	*t = ACP127NotificationType(bs.Uint32Bits())
	return nil
}

func (t ACP127NotificationType) encode(b *ber.Builder, tag ber.Tag) {
	b.AddNamedBits(tag, ber.BitsFromUint32(uint32(t)))
}

// ParseACP127NotificationRequest reads the acp127-notification-request
// per-recipient extension (id-mm 15, value Acp127NotificationType) from
// the recipient extensions of an IPM recipient specifier. present is
// false when exts does not hold it. Errors name the extension; offsets
// count from the first octet of its value.
func ParseACP127NotificationRequest(exts []IPMSExtension) (t ACP127NotificationType, present bool, err error) {
	const name = "acp127-notification-request"
	for i := range exts {
		if p772Arc(exts[i].Type) != p772ACP127NotificationRequest {
			continue
		}
		if present {
			return 0, false, ber.Annotate(ber.Errorf(0, "extension present twice"), name)
		}
		present = true
		var root ber.Reader
		e, err := p772Value(&root, exts[i].Value)
		if err == nil {
			err = p772Tag(&e, ber.BitStringTag)
		}
		if err == nil {
			err = t.decode(&e)
		}
		if err != nil {
			return 0, false, ber.Annotate(err, name)
		}
	}
	return t, present, nil
}

// Extension returns t as the acp127-notification-request per-recipient
// extension (id-mm 15).
func (t ACP127NotificationType) Extension() IPMSExtension {
	var b ber.Builder
	t.encode(&b, ber.BitStringTag)
	return IPMSExtension{Type: OIDMMACP127NotificationRequest, Value: Raw(b.Bytes())}
}

// ACP127NotificationResponse is the acp127-notification-response
// extension (id-mm 16) that an ACP 127 gateway puts in the
// other-notification-type-fields of an MN (an IPN),
// module MMSOtherNotificationTypeExtensions (ACP 123 Annex A.3):
//
//	Acp127NotificationResponse ::= SET {
//	    acp127-notification-type  [0] Acp127NotificationType,
//	    receipt-time              [1] ReceiptTimeField,
//	    addressListIndicator      [2] AddressListIndicator OPTIONAL,
//	    acp127-recipient          [3] Acp127Recipient OPTIONAL,
//	    acp127-supp-info          [4] Acp127SuppInfo OPTIONAL }
//	AddressListIndicator ::= SEQUENCE OF AddressListDesignator
//	Acp127Recipient ::= PrintableString (SIZE (1..ub-military-bigstring))
//	Acp127SuppInfo ::= PrintableString (SIZE (1..ub-military-bigstring))
//
// ReceiptTimeField is X.420's receipt-time, a UTCTime.
type ACP127NotificationResponse struct {
	Type        ACP127NotificationType
	ReceiptTime time.Time
	// AddressListIndicator is nil when absent.
	AddressListIndicator []AddressListDesignator
	// Recipient is the ACP 127 recipient (a PLA); "" when absent.
	Recipient string
	// SuppInfo is supplementary information; "" when absent.
	SuppInfo string
}

// ParseACP127NotificationResponse reads the acp127-notification-response
// extension from exts (the other-notification-type-fields of an IPN). It
// returns nil and no error when exts does not hold it. Errors name the
// extension; offsets count from the first octet of its value.
func ParseACP127NotificationResponse(exts []IPMSExtension) (*ACP127NotificationResponse, error) {
	const name = "acp127-notification-response"
	var out *ACP127NotificationResponse
	for i := range exts {
		if p772Arc(exts[i].Type) != p772ACP127NotificationResponse {
			continue
		}
		if out != nil {
			return nil, ber.Annotate(ber.Errorf(0, "extension present twice"), name)
		}
		var root ber.Reader
		e, err := p772Value(&root, exts[i].Value)
		if err == nil {
			err = p772Tag(&e, ber.Set)
		}
		out = new(ACP127NotificationResponse)
		if err == nil {
			err = out.decode(&e)
		}
		if err != nil {
			return nil, ber.Annotate(err, name)
		}
	}
	return out, nil
}

// acp127ResponseNames are the components of Acp127NotificationResponse,
// by tag.
var acp127ResponseNames = [...]string{"acp127-notification-type", "receipt-time", "addressListIndicator", "acp127-recipient", "acp127-supp-info"}

func (x *ACP127NotificationResponse) decode(e *ber.Element) error {
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
			return c.Errorf("unexpected %s in Acp127NotificationResponse", c.Tag)
		}
		if err := seen.add(&c, uint(c.Tag.Number), acp127ResponseNames[c.Tag.Number]); err != nil {
			return err
		}
		switch c.Tag.Number {
		case 0:
			if err := x.Type.decode(&c); err != nil {
				return ber.Annotate(err, "acp127-notification-type")
			}
		case 1:
			if x.ReceiptTime, err = p772UTCTime(&c); err != nil {
				return ber.Annotate(err, "receipt-time")
			}
		case 2:
			if x.AddressListIndicator, err = p772AddressListDesignators(&c); err != nil {
				return ber.Annotate(err, "addressListIndicator")
			}
		case 3:
			if x.Recipient, err = p772MilitaryString(&c); err != nil {
				return ber.Annotate(err, "acp127-recipient")
			}
		case 4:
			if x.SuppInfo, err = p772MilitaryString(&c); err != nil {
				return ber.Annotate(err, "acp127-supp-info")
			}
		}
	}
	if !seen.has(0) || !seen.has(1) {
		return e.Errorf("Acp127NotificationResponse without acp127-notification-type or receipt-time")
	}
	return nil
}

func (x *ACP127NotificationResponse) encode(b *ber.Builder, t ber.Tag) {
	if x.ReceiptTime.IsZero() {
		b.Fail(errors.New("x400: p772: acp127-notification-response without receipt-time"))
		return
	}
	m := b.Begin(t)
	x.Type.encode(b, ber.Context(0))
	p772AddTime(b, ber.Context(1), x.ReceiptTime)
	if x.AddressListIndicator != nil {
		p772EncodeAddressLists(b, ber.Context(2), x.AddressListIndicator)
	}
	if x.Recipient != "" {
		p772AddMilitaryString(b, ber.Context(3), x.Recipient)
	}
	if x.SuppInfo != "" {
		p772AddMilitaryString(b, ber.Context(4), x.SuppInfo)
	}
	b.EndSet(m)
}

// Extension returns x as the acp127-notification-response extension
// (id-mm 16), to put in the other-notification-type-fields of an IPN.
func (x *ACP127NotificationResponse) Extension() (IPMSExtension, error) {
	var b ber.Builder
	x.encode(&b, ber.Set)
	if err := b.Err(); err != nil {
		return IPMSExtension{}, err
	}
	return IPMSExtension{Type: OIDMMACP127NotificationResponse, Value: Raw(b.Bytes())}, nil
}

// Validate checks x against the bounds of MMSUpperBounds: the recipient
// and the supplementary information are 1 to 128 characters.
func (x *ACP127NotificationResponse) Validate() error {
	if x.Recipient != "" {
		if err := p772CheckString("acp127-recipient", x.Recipient, UBMilitaryBigString); err != nil {
			return err
		}
	}
	if x.SuppInfo != "" {
		if err := p772CheckString("acp127-supp-info", x.SuppInfo, UBMilitaryBigString); err != nil {
			return err
		}
	}
	return nil
}

// ACP127NotificationResponse returns the acp127-notification-response of
// an MN: the extension among the other-notification-type-fields of n
// (STANAG 4406 Annex A, MMSInformationObjects: MON ::= MN with
// mn-other-notification-type-fields chosen), or nil and no error when n
// has none.
func (n *IPN) ACP127NotificationResponse() (*ACP127NotificationResponse, error) {
	return ParseACP127NotificationResponse(n.Other)
}

// SetACP127NotificationResponse makes n an other notification (MON)
// carrying r: the acp127-notification-response in n.Other is replaced by
// r's encoding (other extensions there are kept), and the receipt and
// non-receipt fields are cleared. A nil r removes the extension and
// leaves n.Other non-nil. On error n is unchanged.
func (n *IPN) SetACP127NotificationResponse(r *ACP127NotificationResponse) error {
	var x IPMSExtension
	if r != nil {
		var err error
		if x, err = r.Extension(); err != nil {
			return err
		}
	}
	out := make([]IPMSExtension, 0, len(n.Other)+1)
	for i := range n.Other {
		if p772Arc(n.Other[i].Type) != p772ACP127NotificationResponse {
			out = append(out, n.Other[i])
		}
	}
	if r != nil {
		out = append(out, x)
	}
	n.Other, n.Receipt, n.NonReceipt = out, nil, nil
	return nil
}
