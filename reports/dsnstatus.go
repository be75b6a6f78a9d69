package reports

import (
	"strconv"
	"strings"

	"mixerd/x400"
)

// StatusOfNonDelivery returns the RFC 3463 status code of an X.400
// non-delivery, by RFC 2156 §5.3.8.2 "Status Code Mappings": the row of
// the diagnostic when there is one and the table has it, else the
// "reason/Any" row. diag is nil when the report carries no diagnostic.
//
// The table has no row for reason 8 (transfer-failure-for-security-reason)
// nor for the diagnostics X.411 (1996) added after RFC 2156 was written
// (50 to 78); they take 5.7.0 (other security status) when they are
// security diagnostics (51 to 78) or reason 8, the reason's row otherwise.
// An unknown reason is 5.0.0.
func StatusOfNonDelivery(reason x400.NonDeliveryReason, diag *x400.DiagnosticCode) string {
	if diag != nil {
		d := *diag
		switch {
		case d == x400.DiagnosticUndeliverableMailNewAddressUnknown && reason != x400.ReasonPhysicalDeliveryNotPerformed:
			return "5.1.6" // 1/43
		case d >= x400.DiagnosticUndeliverableMailPhysicalDeliveryAddressIncorrect &&
			d <= x400.DiagnosticUndeliverableMailOriginatorProhibitedForwarding:
			return "5.1.0" // 4/32-45
		case d >= 0 && int(d) < len(dsnDiagStatus) && dsnDiagStatus[d] != "":
			return dsnDiagStatus[d]
		case d >= x400.DiagnosticDLExpansionProhibitedBySecurityPolicy && d <= x400.DiagnosticUnsupportedSecurityPolicy:
			return "5.7.0"
		}
	}
	if reason >= 0 && int(reason) < len(dsnReasonStatus) {
		return dsnReasonStatus[reason]
	}
	return "5.0.0"
}

// dsnReasonStatus is RFC 2156 §5.3.8.2, the "C/Any" rows, and 5.7.0 for
// reason 8 (see StatusOfNonDelivery).
var dsnReasonStatus = [...]string{
	0: "4.4.0", // transfer failure (may be temporary)
	1: "5.0.0", // unable to transfer
	2: "5.6.3", // conversion not performed
	3: "5.6.0", // physical rendition not performed
	4: "5.1.0", // physical delivery not performed
	5: "5.7.1", // restricted delivery
	6: "5.4.3", // directory operation unsuccessful
	7: "5.3.3", // deferred delivery not performed
	8: "5.7.0", // transfer failure for security reason (not in RFC 2156)
}

// dsnDiagStatus is RFC 2156 §5.3.8.2, the rows with a diagnostic (32 to
// 45 are handled by StatusOfNonDelivery).
var dsnDiagStatus = [...]string{
	0:  "5.1.1", // unrecognised-OR-name
	1:  "5.1.4", // ambiguous-OR-name
	2:  "4.3.1", // mts-congestion
	3:  "5.4.6", // loop-detected
	4:  "4.2.1", // recipient-unavailable
	5:  "4.4.7", // maximum-time-expired
	6:  "5.6.1", // encoded-information-types-unsupported
	7:  "5.2.3", // content-too-long
	8:  "5.6.3", // conversion-impractical
	9:  "5.6.3", // implicit-conversion-prohibited
	10: "5.6.3", // implicit-conversion-not-subscribed
	11: "5.5.2", // invalid-arguments
	12: "5.5.2", // content-syntax-error
	13: "5.5.2", // size-constraint-violation
	14: "5.5.0", // protocol-violation
	15: "5.6.1", // content-type-not-supported
	16: "5.5.3", // too-many-recipients
	17: "5.4.4", // no-bilateral-agreement
	18: "5.3.3", // unsupported-critical-function
	19: "5.6.2", // conversion-with-loss-prohibited
	20: "5.6.0", // line-too-long
	21: "5.6.0", // page-split
	22: "5.6.2", // pictorial-symbol-loss
	23: "5.6.2", // punctuation-symbol-loss
	24: "5.6.2", // alphabetic-character-loss
	25: "5.6.2", // multiple-information-loss
	26: "5.4.0", // recipient-reassignment-prohibited
	27: "5.4.6", // redirection-loop-detected
	28: "5.7.2", // dl-expansion-prohibited
	29: "5.7.1", // no-dl-submit-permission
	30: "4.2.4", // dl-expansion-failure
	31: "5.6.0", // physical-rendition-attributes-not-supported
	46: "5.7.0", // secure-messaging-error
	47: "5.3.3", // unable-to-downgrade
	48: "5.3.4", // unable-to-complete-transfer
	49: "4.4.7", // transfer-attempts-limit-reached
}

// Status is an RFC 3463 §2 status code: class "." subject "." detail.
type Status struct {
	Class, Subject, Detail int
}

// ParseStatus reads an RFC 3463 status code ("5.1.1"), tolerating
// surrounding white space, a trailing comment ("5.1.1 (bad mailbox)") and
// a trailing "." as RFC 2156 §5.1.8.4's table writes "X.4.4.". The class
// must be 2, 4 or 5; subject and detail are one to three digits (RFC 3463
// §2: up to three).
func ParseStatus(s string) (Status, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t("); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return Status{}, false
	}
	var v [3]int
	for i, p := range parts {
		if len(p) == 0 || len(p) > 3 {
			return Status{}, false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p[0] == '+' {
			return Status{}, false
		}
		v[i] = n
	}
	if v[0] != 2 && v[0] != 4 && v[0] != 5 {
		return Status{}, false
	}
	return Status{v[0], v[1], v[2]}, true
}

func (s Status) String() string {
	return strconv.Itoa(s.Class) + "." + strconv.Itoa(s.Subject) + "." + strconv.Itoa(s.Detail)
}

// dsnCode is a reason and an optional diagnostic.
type dsnCode struct {
	reason x400.NonDeliveryReason
	diag   int // -1: none
}

// dsnStatusCodes is RFC 2156 §5.1.8.4, keyed by subject*1000+detail (the
// class is ignored: "X.1.1"). X.1.5 and X.6.4 are positive only and
// absent: they take the X.n.0 row.
var dsnStatusCodes = map[int]dsnCode{
	0:    {1, -1}, // X.0.0 other status
	1000: {1, -1}, // X.1.0 other address status
	1001: {1, 0},  // X.1.1 bad mailbox address
	1002: {1, 0},  // X.1.2 bad system address
	1003: {1, 0},  // X.1.3 bad mailbox address syntax
	1004: {1, 1},  // X.1.4 mailbox address ambiguous
	1006: {1, 43}, // X.1.6 destination mailbox has moved
	1007: {1, 11}, // X.1.7 bad sender's mailbox address syntax
	1008: {1, 11}, // X.1.8 bad sender's system address
	2000: {1, -1}, // X.2.0 other or undefined mailbox status
	2001: {1, 4},  // X.2.1 mailbox disabled
	2002: {1, 4},  // X.2.2 mailbox full
	2003: {1, 7},  // X.2.3 message length exceeds administrative limit
	2004: {1, 30}, // X.2.4 mailing list expansion problem
	3000: {0, -1}, // X.3.0 other or undefined system status
	3001: {1, 2},  // X.3.1 system full
	3002: {1, 2},  // X.3.2 system not accepting network messages
	3003: {1, 18}, // X.3.3 system not capable of selected features
	3004: {1, 7},  // X.3.4 message too big for system
	3005: {1, -1}, // X.3.5 system incorrectly configured
	4000: {0, -1}, // X.4.0 other or undefined network or routing status
	4001: {0, -1}, // X.4.1 no answer from host
	4002: {0, -1}, // X.4.2 bad connection
	4003: {6, -1}, // X.4.3 routing server failure
	4004: {0, -1}, // X.4.4 unable to route
	4005: {1, 2},  // X.4.5 network congestion
	4006: {1, 3},  // X.4.6 routing loop detected
	4007: {1, 5},  // X.4.7 delivery time expired
	5000: {1, -1}, // X.5.0 other or undefined protocol status
	5001: {1, 14}, // X.5.1 invalid command
	5002: {1, 14}, // X.5.2 syntax error
	5003: {1, 16}, // X.5.3 too many recipients
	5004: {1, 14}, // X.5.4 invalid command arguments
	5005: {1, 18}, // X.5.5 wrong protocol version
	6000: {2, -1}, // X.6.0 other or undefined media error
	6001: {1, 6},  // X.6.1 media not supported
	6002: {1, 9},  // X.6.2 conversion required and prohibited
	6003: {2, 8},  // X.6.3 conversion required but not supported
	6005: {2, 47}, // X.6.5 conversion failed
	7000: {1, 46}, // X.7.0 other or undefined security status
	7001: {1, 29}, // X.7.1 delivery not authorized, message refused
	7002: {1, 28}, // X.7.2 mailing list expansion prohibited
	7003: {1, 46}, // X.7.3 security conversion required but not possible
	7004: {1, 46}, // X.7.4 security features not supported
	7005: {1, 46}, // X.7.5 cryptographic failure
	7006: {1, 46}, // X.7.6 cryptographic algorithm not supported
	7007: {1, 46}, // X.7.7 message integrity failure
}

// NonDeliveryOfStatus returns the X.400 non-delivery reason and diagnostic
// of an RFC 3463 status code, by RFC 2156 §5.1.8.4 "Status Value
// Mappings". A status not in the table takes the row of "X.n.0" with the
// same subject, as §5.1.8.4 allows ("5.2.37" maps as "5.2.0", 1/None); an
// unknown subject, or a status that cannot be read, takes "X.0.0"
// (unable-to-transfer, no diagnostic). diag is nil for "None".
func NonDeliveryOfStatus(status string) (reason x400.NonDeliveryReason, diag *x400.DiagnosticCode) {
	c := dsnCode{x400.ReasonUnableToTransfer, -1}
	if st, ok := ParseStatus(status); ok {
		if v, ok := dsnStatusCodes[st.Subject*1000+st.Detail]; ok && st.Subject < 1000 && st.Detail < 1000 {
			c = v
		} else if v, ok := dsnStatusCodes[st.Subject*1000]; ok && st.Subject < 1000 {
			c = v
		}
	}
	if c.diag >= 0 {
		d := x400.DiagnosticCode(c.diag)
		diag = &d
	}
	return c.reason, diag
}
