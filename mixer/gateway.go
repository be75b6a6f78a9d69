package mixer

import (
	"strings"

	"mixerd/x400"
)

// Gateway is one MIXER gateway: where it sits in both worlds and the
// mapping tables it applies (RFC 2156 §1.5.3, §4.2, §4.3). Its methods do
// no I/O; once set up it is read-only and safe for concurrent use.
type Gateway struct {
	// Domain is the gateway's fully qualified domain, RFC 2156 §4.3.1:
	// the 822.domain of an X.400 address with no applicable MCGAM, whose
	// whole O/R address is then encoded in the 822.local-part in std-or
	// form ("/C=GB/ADMD= /PRMD=MOD/S=Smith/"@gw.example.mil). It is also
	// the domain of the gateway's own RFC 822 addresses (postmaster).
	Domain string
	// ORAddress is the gateway's own O/R address, RFC 2156 §4.3.2: the
	// context in which an "RFC-822" domain-defined attribute encodes an
	// Internet address with no applicable MCGAM (C, ADMD, PRMD, O, OU as
	// far as needed), and the originator of what the gateway itself
	// generates.
	ORAddress x400.ORAddress
	// The four tables of RFC 2156 Appendix F; a nil table has no entries.
	DomainToOR      *Table // TableDomainToOR, §4.3.4 stage I
	ORToDomain      *Table // TableORToDomain, §4.3.5
	DomainToGateway *Table // TableDomainToGateway, §4.3.4 stage II
	ORToGateway     *Table // TableORToGateway, §4.3.5
	// GDI is the global domain identifier of the gateway's management
	// domain: of the MTS identifiers and trace elements it generates
	// (RFC 2156 §4.6.3, §5.1.6).
	GDI x400.GlobalDomainIdentifier
	// MTAName is the gateway MTA's name in X.400 trace (X.411
	// MTASuppliedInformation) and its host name in Received: fields.
	MTAName string
	// Priority is the RFC 6710 policy of the SMTP side that maps
	// precedence to MT-PRIORITY: MTPrioritySTANAG4406 (Appendix A, Table
	// 1: deferred -4, routine -2, priority 0, immediate 2, flash 4,
	// override 6) or MTPriorityMIXER (Appendix B, Table 2 by the X.411
	// priority). "" takes Table 1 for messages with a precedence (military
	// messages, as Appendix A says SMTP supporting military messaging
	// should) and Table 2 for the X.411 priority of the others.
	Priority MTPriorityPolicy
}

// SMTPEnvelope is the SMTP envelope of a message (RFC 5321 §2.3.1) with
// the parameters of the extensions a MIXER gateway maps: DSN (RFC 3461)
// and MT-PRIORITY (RFC 6710). Addresses are without the angle brackets;
// parameter values are decoded (no xtext).
type SMTPEnvelope struct {
	// MailFrom is the reverse-path; "" is the null reverse-path <>.
	MailFrom string
	// EnvID is the DSN ENVID parameter, "" when absent.
	EnvID string
	// Ret is the DSN RET parameter: "FULL", "HDRS" or "" (absent).
	Ret string
	// MTPriority is the MT-PRIORITY parameter (-9..9), nil when absent.
	MTPriority *int
	// Recipients are the RCPT TO commands, in order.
	Recipients []SMTPRecipient
}

// SMTPRecipient is one RCPT TO with its DSN parameters.
type SMTPRecipient struct {
	// Address is the forward-path.
	Address string
	// Notify is the NOTIFY parameter; zero when absent.
	Notify Notify
	// ORcptType and ORcpt are the ORCPT parameter: the address type
	// ("rfc822", "x400", ...) and the decoded original recipient; both ""
	// when absent.
	ORcptType string
	ORcpt     string
}

// Notify is the DSN NOTIFY parameter (RFC 3461 §4.1): NotifyNever alone,
// or any of success, failure, delay. The zero value is "absent".
type Notify uint8

// The NOTIFY keywords.
const (
	NotifyNever Notify = 1 << iota
	NotifySuccess
	NotifyFailure
	NotifyDelay
)

// String writes the parameter value ("SUCCESS,FAILURE"), "" when absent.
func (n Notify) String() string {
	if n&NotifyNever != 0 {
		return "NEVER"
	}
	var parts []string
	for _, k := range []struct {
		bit  Notify
		name string
	}{{NotifySuccess, "SUCCESS"}, {NotifyFailure, "FAILURE"}, {NotifyDelay, "DELAY"}} {
		if n&k.bit != 0 {
			parts = append(parts, k.name)
		}
	}
	return strings.Join(parts, ",")
}

// ConversionError is something that cannot be converted. It carries the
// report that the message (or the one recipient) gets instead of a
// damaged conversion: the X.411 non-delivery reason and diagnostic for a
// non-delivery report, the RFC 3463 enhanced status code for a DSN
// (RFC 2156 §5.1.8.4, §5.3.8.2 pair them).
type ConversionError struct {
	// Field names what could not be converted, in the source's terms:
	// "To", "recipient 2", "body part 3", "MMHS-Copy-Precedence".
	Field string
	// Reason and Diagnostic are the non-delivery report's codes;
	// HasDiagnostic is false when the report carries no diagnostic.
	Reason        x400.NonDeliveryReason
	Diagnostic    x400.DiagnosticCode
	HasDiagnostic bool
	// Status is the RFC 3463 status code, "5.6.5".
	Status string
	// Err says what is wrong.
	Err error
}

func (e *ConversionError) Error() string {
	var sb strings.Builder
	sb.WriteString("mixer: ")
	if e.Field != "" {
		sb.WriteString(e.Field)
		sb.WriteString(": ")
	}
	if e.Err != nil {
		sb.WriteString(e.Err.Error())
	} else {
		sb.WriteString("cannot be converted")
	}
	return sb.String()
}

func (e *ConversionError) Unwrap() error { return e.Err }

// Kinds of conversion failure and their report codes.

// addressError is an address that cannot be mapped (unable-to-transfer,
// unrecognised-OR-name; 5.1.3 bad destination mailbox address syntax).
func addressError(field string, err error) *ConversionError {
	return &ConversionError{Field: field, Reason: x400.ReasonUnableToTransfer,
		Diagnostic: x400.DiagnosticUnrecognisedORName, HasDiagnostic: true, Status: "5.1.3", Err: err}
}

// contentError is content that cannot be converted (conversion-not-
// performed, conversion-impractical; 5.6.3 as RFC 2156 §5.3.8.2 pairs
// them).
func contentError(field string, err error) *ConversionError {
	return &ConversionError{Field: field, Reason: x400.ReasonConversionNotPerformed,
		Diagnostic: x400.DiagnosticConversionImpractical, HasDiagnostic: true, Status: "5.6.3", Err: err}
}

// syntaxError is content whose syntax is bad (conversion-not-performed,
// content-syntax-error; 5.6.0 other media error).
func syntaxError(field string, err error) *ConversionError {
	return &ConversionError{Field: field, Reason: x400.ReasonConversionNotPerformed,
		Diagnostic: x400.DiagnosticContentSyntaxError, HasDiagnostic: true, Status: "5.6.0", Err: err}
}

// lossError is a conversion that would lose information that the
// originator prohibited losing (conversion-not-performed,
// conversion-with-loss-prohibited; 5.6.3 conversion required but not
// supported).
func lossError(field string, err error) *ConversionError {
	return &ConversionError{Field: field, Reason: x400.ReasonConversionNotPerformed,
		Diagnostic: x400.DiagnosticConversionWithLossProhibited, HasDiagnostic: true, Status: "5.6.3", Err: err}
}

// Disposition is what a conversion did with one item of its input.
type Disposition uint8

const (
	// Mapped: converted to its counterpart in the other world.
	Mapped Disposition = iota + 1
	// Carried: no counterpart, carried in a field kept for the purpose so
	// that the return trip restores it: an X400-* or MMHS-* header field,
	// the RFC 822 heading extension of RFC 2156 §5.1.2, an X.400 extension.
	Carried
	// Dropped: lost, with a reason.
	Dropped
)

func (d Disposition) String() string {
	switch d {
	case Mapped:
		return "mapped"
	case Carried:
		return "carried"
	case Dropped:
		return "dropped"
	}
	return "disposition?"
}

// ReportItem is one line of a conversion report.
type ReportItem struct {
	// From names the item in the source ("heading.subject",
	// "envelope.priority", "Subject", "body part 2").
	From string
	// To names what it became ("Subject", "X400-Content-Type",
	// "rfc822-field-list heading extension"); "" when dropped.
	To          string
	Disposition Disposition
	// Note says how it was carried or why it was dropped.
	Note string
}

// Report says what a conversion did, so that the audit log and the
// operator can see it: what was mapped, what was carried in extension
// fields, and what was lost and why. A nil *Report records nothing.
type Report struct {
	Items []ReportItem
}

// Mapped records from converted to to.
func (r *Report) Mapped(from, to string) {
	if r != nil {
		r.Items = append(r.Items, ReportItem{From: from, To: to, Disposition: Mapped})
	}
}

// Carried records from carried in to, with a note on how.
func (r *Report) Carried(from, to, note string) {
	if r != nil {
		r.Items = append(r.Items, ReportItem{From: from, To: to, Disposition: Carried, Note: note})
	}
}

// Dropped records from lost, with the reason.
func (r *Report) Dropped(from, reason string) {
	if r != nil {
		r.Items = append(r.Items, ReportItem{From: from, Disposition: Dropped, Note: reason})
	}
}

// Lost returns the dropped items.
func (r *Report) Lost() []ReportItem {
	if r == nil {
		return nil
	}
	var out []ReportItem
	for _, it := range r.Items {
		if it.Disposition == Dropped {
			out = append(out, it)
		}
	}
	return out
}

// String writes the report one item per line: "mapped heading.subject ->
// Subject", "carried ... -> ... (note)", "dropped ...: reason".
func (r *Report) String() string {
	if r == nil {
		return ""
	}
	var sb strings.Builder
	for _, it := range r.Items {
		sb.WriteString(it.Disposition.String())
		sb.WriteByte(' ')
		sb.WriteString(it.From)
		if it.To != "" {
			sb.WriteString(" -> ")
			sb.WriteString(it.To)
		}
		if it.Note != "" {
			if it.Disposition == Dropped {
				sb.WriteString(": ")
				sb.WriteString(it.Note)
			} else {
				sb.WriteString(" (" + it.Note + ")")
			}
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

// RecipientError is one recipient that cannot be converted: it gets a
// non-delivery report (or a failed DSN) while the others go on.
type RecipientError struct {
	// Index is the recipient's position in the source's list (the P1
	// per-recipient fields or the RCPT TO commands), from 0.
	Index int
	Err   *ConversionError
}
