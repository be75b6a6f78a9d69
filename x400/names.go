package x400

import (
	"strconv"
	"strings"
)

// String methods that give the ASN.1 names of the package's enumerations
// and named bit lists, for logs, mixerd dump and operators. A bit list
// prints as "{name, name}" ("{}" when empty); a value with no name prints
// as its number.

func enumName(v int, names []string) string {
	if v >= 0 && v < len(names) && names[v] != "" {
		return names[v]
	}
	return strconv.Itoa(v)
}

func bitNames(v uint32, names []string) string {
	var sb strings.Builder
	sb.WriteByte('{')
	first := true
	for i := 0; v != 0 && i < 32; i++ {
		if v&(1<<i) == 0 {
			continue
		}
		v &^= 1 << i
		if !first {
			sb.WriteString(", ")
		}
		first = false
		if i < len(names) && names[i] != "" {
			sb.WriteString(names[i])
		} else {
			sb.WriteString("bit-")
			sb.WriteString(strconv.Itoa(i))
		}
	}
	sb.WriteByte('}')
	return sb.String()
}

var perMessageNames = []string{"disclosure-of-other-recipients", "implicit-conversion-prohibited",
	"alternate-recipient-allowed", "content-return-request", "reserved", "bit-5", "bit-6", "service-message"}

func (p PerMessageIndicators) String() string { return bitNames(uint32(p), perMessageNames) }

var perRecipientNames = []string{"responsibility", "originating-MTA-report", "originating-MTA-non-delivery-report",
	"originator-report", "originator-non-delivery-report", "reserved-5", "reserved-6", "reserved-7"}

func (p PerRecipientIndicators) String() string { return bitNames(uint32(p), perRecipientNames) }

var eitNames = []string{"unknown", "telex", "ia5-text", "g3-facsimile", "g4-class-1", "teletex",
	"videotex", "voice", "sfd", "mixed-mode"}

func (e BuiltInEITs) String() string { return bitNames(uint32(e), eitNames) }

var criticalityNames = []string{"for-submission", "for-transfer", "for-delivery"}

func (c Criticality) String() string { return bitNames(uint32(c), criticalityNames) }

var otherActionNames = []string{"redirected", "dl-operation"}

func (o OtherActions) String() string { return bitNames(uint32(o), otherActionNames) }

var notificationNames = []string{"rn", "nrn", "ipm-return", "an-supported", "suppress-an"}

func (n NotificationRequests) String() string { return bitNames(uint32(n), notificationNames) }

var acp127NotificationNames = []string{"acp127-nn", "acp127-pn", "acp127-tn"}

func (t ACP127NotificationType) String() string { return bitNames(uint32(t), acp127NotificationNames) }

func (r RoutingAction) String() string { return enumName(int(r), []string{"relayed", "rerouted"}) }

var explicitConversionNames = []string{0: "ia5-text-to-teletex", 8: "ia5-text-to-g3-facsimile",
	9: "ia5-text-to-g4-class-1", 10: "ia5-text-to-videotex", 11: "teletex-to-ia5-text",
	12: "teletex-to-g3-facsimile", 13: "teletex-to-g4-class-1", 14: "teletex-to-videotex",
	16: "videotex-to-ia5-text", 17: "videotex-to-teletex"}

func (c ExplicitConversion) String() string { return enumName(int(c), explicitConversionNames) }

func (r NonReceiptReason) String() string {
	return enumName(int(r), []string{"ipm-discarded", "ipm-auto-forwarded"})
}

// String names the discard reason ("" when absent).
func (r DiscardReason) String() string {
	if r == DiscardNone {
		return ""
	}
	return enumName(r.Wire(), []string{"ipm-expired", "ipm-obsoleted", "user-subscription-terminated", "not-used"})
}

func (m AcknowledgmentMode) String() string {
	return enumName(int(m), []string{"manual", "automatic"})
}

func (t OtherRecipientType) String() string { return enumName(int(t), []string{"primary", "copy"}) }

func (t AddressListType) String() string { return enumName(int(t), []string{"primary", "copy"}) }

func (r AddressListRequest) String() string {
	return enumName(int(r), []string{"action", "info", "both"})
}
