package mixer

// The MTS and MTA mappings of RFC 2156: the SMTP envelope and the header
// fields generated from (and read back into) a P1 message transfer
// envelope, RFC 2156 §4.6, §5.1.5, §5.1.6, §5.3.6, §5.3.7 and Appendix A
// (the RFC 3461 DSN parameters), with MT-PRIORITY of RFC 6710.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"mixerd/ber"
	"mixerd/x400"
)

// OIDEITMixer is eit-mixer {mixer-core 5} = 1.3.6.1.7.1.3.5, the MIXER
// pseudo encoded information type of RFC 2156 Appendix D: its presence
// in the trace tells the X.400 recipient that a MIXER conversion took
// place (§5.1.5).
var OIDEITMixer = ber.MustOID("1.3.6.1.7.1.3.5")

// Limits of the envelope mapping.
const (
	// envMaxTrace bounds the trace fields read from a header (X.411
	// ub-transfers, 512).
	envMaxTrace = 512
	// envMaxMixerConversions is RFC 2156 §5.1.5: "If this count exceeds
	// five in one direction, the message shall be treated as if a loop
	// has been detected."
	envMaxMixerConversions = 5
	// envUbLocalID is MTS ub-local-id-length (32), envUbMTAName
	// ub-mta-name-length (32), envUbContentID ub-content-id-length (16),
	// envUbCorrelator ub-content-correlator-length (512).
	envUbLocalID    = 32
	envUbMTAName    = 32
	envUbContentID  = 16
	envUbCorrelator = 512
	// envMaxEnvID is RFC 3461 §4.4: "The ENVID MUST be no more than 100
	// characters".
	envMaxEnvID = 100
)

// envNow is the clock of the conversion (trace arrival times, generated
// identifiers); tests replace it.
var envNow = time.Now

// envSeq makes generated MTS local identifiers unique within the process.
var envSeq atomic.Uint64

// envDateLayout is the RFC 5322 §3.3 date-time that RFC 2156 §3.3.5 asks
// for: four-digit year and a numeric zone, the zone kept as given.
const envDateLayout = "Mon, 2 Jan 2006 15:04:05 -0700"

// envFormatDate writes t as an 822.date-time (RFC 2156 §3.3.5).
func envFormatDate(t time.Time) string { return t.Format(envDateLayout) }

// envParseDate reads an RFC 5322 date-time (also the RFC 822 forms with
// two-digit years and named zones, RFC 2156 §3.3.5).
func envParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(envStripComments(s))
	t, err := parseDate(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad date-time %q", envClip(s))
	}
	return t, nil
}

// envClip shortens a value quoted in an error message.
func envClip(s string) string {
	if len(s) > 64 {
		return s[:61] + "..."
	}
	return s
}

// envelopeFields are the header fields the envelope mapping alone
// consumes (lower case): trace fields (RFC 2156 §5.3.7, RFC 5321
// Received and Return-Path) and the mts-field and mta-field extensions
// of §5.3.6 and §5.3.7.
var envelopeFields = map[string]bool{
	"received":                           true,
	"return-path":                        true,
	"x400-received":                      true,
	"x400-mts-identifier":                true,
	"x400-originator":                    true,
	"x400-recipients":                    true,
	"x400-content-type":                  true,
	"x400-content-identifier":            true,
	"original-encoded-information-types": true,
	"priority":                           true,
	"originator-return-address":          true,
	"dl-expansion-history":               true,
	"conversion":                         true,
	"conversion-with-loss":               true,
	"delivery-date":                      true,
	"discarded-x400-mts-extensions":      true,
	"deferred-delivery":                  true,
	"latest-delivery-time":               true,
}

// envelopeField reports whether the header field named name is the
// envelope mapping's alone (trace and MTS fields, RFC 2156 §5.3.6,
// §5.3.7). Message-ID, Date, Resent-Date, Subject and To, which the
// envelope mapping also reads, belong to the heading.
func envelopeField(name string) bool { return envelopeFields[strings.ToLower(name)] }

// --- X.400 -> SMTP ---

// envHandledExtensions are the envelope extensions that EnvelopeToSMTP
// maps, carries or may drop whatever their criticality (RFC 2156 §5.3.6,
// §5.3.7); any other extension critical for transfer or delivery makes
// the message undeliverable through the gateway.
var envHandledExtensions = map[x400.StandardExtension]bool{
	x400.ExtRecipientReassignmentProhibited:       true,
	x400.ExtOriginatorRequestedAlternateRecipient: true,
	x400.ExtDLExpansionProhibited:                 true,
	x400.ExtConversionWithLossProhibited:          true,
	x400.ExtLatestDeliveryTime:                    true,
	x400.ExtRequestedDeliveryMethod:               true,
	x400.ExtPhysicalForwardingProhibited:          true,
	x400.ExtPhysicalForwardingAddressRequest:      true,
	x400.ExtPhysicalDeliveryModes:                 true,
	x400.ExtRegisteredMailType:                    true,
	x400.ExtRecipientNumberForAdvice:              true,
	x400.ExtPhysicalRenditionAttributes:           true,
	x400.ExtOriginatorReturnAddress:               true,
	x400.ExtPhysicalDeliveryReportRequest:         true,
	x400.ExtContentCorrelator:                     true,
	x400.ExtRedirectionHistory:                    true,
	x400.ExtDLExpansionHistory:                    true,
	x400.ExtInternalTraceInformation:              true,
}

// envPhysicalComments are the comments of RFC 2156 §4.6.2.2 for the
// per-recipient physical delivery services, added to the recipient in
// X400-Recipients when the extension is present; the RFC gives the text
// of four, the others are this gateway's.
var envPhysicalComments = map[x400.StandardExtension]string{
	x400.ExtRequestedDeliveryMethod:          "Requested Delivery Method",
	x400.ExtPhysicalForwardingProhibited:     "Physical Forwarding Prohibited",
	x400.ExtPhysicalForwardingAddressRequest: "Physical Forwarding Address Requested",
	x400.ExtPhysicalDeliveryModes:            "Physical Delivery Modes",
	x400.ExtRegisteredMailType:               "Registered Mail Type",
	x400.ExtRecipientNumberForAdvice:         "Recipient Number For Advice",
	x400.ExtPhysicalRenditionAttributes:      "Physical Rendition Attributes",
	x400.ExtPhysicalDeliveryReportRequest:    "Physical Delivery Report Requested",
	x400.ExtProofOfDeliveryRequest:           "Proof of Delivery Requested",
}

// envCheckCritical returns the error of RFC 2156 §5.3.6 for an extension
// critical for transfer or delivery that the gateway cannot honour: "the
// message shall be non delivered by the gateway because a critical
// extension cannot be correctly handled". Others not handled are
// dropped; the unknown ones are listed for
// Discarded-X400-MTS-Extensions.
func envCheckCritical(xs x400.Extensions, where string, rep *Report, discarded *[]string) error {
	for _, x := range xs {
		handled := x.Type.Private == nil && envHandledExtensions[x.Type.Standard]
		if handled {
			continue
		}
		name := where + ".extensions." + x.Type.String()
		if x.Critical&(x400.CriticalForTransfer|x400.CriticalForDelivery) != 0 {
			ce := contentError(name, errors.New("critical extension cannot be provided in the Internet (RFC 2156 §5.3.6)"))
			ce.Diagnostic = x400.DiagnosticUnsupportedCriticalFunction
			ce.Status = "5.3.3"
			return ce
		}
		if !x.Type.Known() {
			*discarded = append(*discarded, envExtensionText(x.Type))
			rep.Dropped(name, "non-critical extension not in X.400, listed in Discarded-X400-MTS-Extensions (RFC 2156 §5.3.6)")
		} else if x.Type.Private == nil && envPhysicalComments[x.Type.Standard] != "" {
			// a comment in X400-Recipients, recorded there
		} else {
			rep.Dropped(name, "non-critical service not available in RFC 822 (RFC 2156 §5.3.6)")
		}
	}
	return nil
}

// envExtensionText writes an extension type as RFC 2156 §5.3.6 lists it in
// Discarded-X400-MTS-Extensions: object-identifier or labelled-integer.
func envExtensionText(t x400.ExtensionType) string {
	if t.Private != nil {
		return envFormatOID(t.Private)
	}
	return "(" + strconv.Itoa(int(t.Standard)) + ")"
}

// EnvelopeToSMTP maps a P1 message transfer envelope to the SMTP envelope
// and the header fields generated from it (RFC 2156 §4.6.2, §5.3.6,
// §5.3.7, Appendix A). prec is the message's P772 primary precedence,
// nil when it has none.
//
// The SMTP envelope: MAIL FROM is the originator-name (§4.6.2.1); one
// RCPT TO for each recipient whose responsibility bit is set, with
// NOTIFY from its originator-report bits (Appendix A §3.2: neither set
// NEVER, report SUCCESS,FAILURE, non-delivery report FAILURE) and ORCPT
// "x400" with the std-or text of the originally intended recipient (the
// first entry of its redirection-history) or else of the recipient name,
// so that a DSN can name the X.400 recipient exactly; ENVID is
// "X400-MTS-Identifier: " and the mts-msg-id (Appendix A §3.2); RET is
// FULL or HDRS from content-return-request; MT-PRIORITY is from prec
// under g.Priority, else from the X.411 priority (RFC 6710 Appendix A,
// B). A recipient whose name cannot be mapped is a RecipientError.
//
// The header fields, trace first, most recent first (§5.3.7): Received
// for the gateway's conversion, X400-Received for each trace element
// (external and internal trace merged), then X400-MTS-Identifier,
// X400-Originator, X400-Recipients, X400-Content-Type,
// X400-Content-Identifier, Original-Encoded-Information-Types,
// Priority, Conversion, Conversion-With-Loss, Deferred-Delivery,
// Latest-Delivery-Time, Originator-Return-Address, DL-Expansion-History,
// Discarded-X400-MTS-Extensions, and Date from the first trace element's
// arrival time (the caller keeps the heading's Date instead if it has
// one).
func (g *Gateway) EnvelopeToSMTP(env *x400.MessageTransferEnvelope, prec *x400.Precedence, rep *Report) (SMTPEnvelope, Header, []RecipientError, error) {
	return g.envelopeToSMTP(env, prec, rep, nil)
}

// envelopeToSMTP is EnvelopeToSMTP with the O/R names mapped through memo
// (nil: none).
func (g *Gateway) envelopeToSMTP(env *x400.MessageTransferEnvelope, prec *x400.Precedence, rep *Report, memo mailboxMemo) (SMTPEnvelope, Header, []RecipientError, error) {
	var se SMTPEnvelope
	var discarded []string
	if env == nil {
		return se, nil, nil, syntaxError("envelope", errors.New("no envelope"))
	}
	if err := envCheckCritical(env.Extensions, "envelope", rep, &discarded); err != nil {
		return se, nil, nil, err
	}
	// A per-recipient extension fails only its recipient (X.411 §9, the
	// criticality mechanism): that recipient gets the non-delivery report.
	critFailed := map[int]*ConversionError{}
	for i := range env.PerRecipientFields {
		if err := envCheckCritical(env.PerRecipientFields[i].Extensions, "envelope.recipient "+strconv.Itoa(i+1), rep, &discarded); err != nil {
			critFailed[i] = err.(*ConversionError)
		}
	}

	// originator-name -> MAIL FROM, X400-Originator (§4.6.2.1, §4.6.2.2)
	orig, err := g.orNameToMailbox(&env.OriginatorName, memo)
	if err != nil {
		return se, nil, nil, envAddressError("envelope.originator-name", err)
	}
	se.MailFrom = envPath(orig)
	rep.Mapped("envelope.originator-name", "MAIL FROM")
	if env.OriginatorName.DirectoryName != nil {
		rep.Dropped("envelope.originator-name.directory-name", "an X.500 directory name has no RFC 822 form (RFC 2156 §4.6.2.1)")
	}

	var trace, h Header
	var recErrs []RecipientError
	disclose := env.PerMessageIndicators&x400.PerMessageDisclosureOfOtherRecipients != 0
	responsible := 0
	for i := range env.PerRecipientFields {
		if env.PerRecipientFields[i].PerRecipientIndicators&x400.PerRecipientResponsibility != 0 {
			responsible++
		}
	}
	var x400Rcpts []string
	for i := range env.PerRecipientFields {
		rf := &env.PerRecipientFields[i]
		name := "envelope.recipient " + strconv.Itoa(i+1)
		isResp := rf.PerRecipientIndicators&x400.PerRecipientResponsibility != 0
		if ce := critFailed[i]; ce != nil {
			if isResp {
				recErrs = append(recErrs, RecipientError{Index: i, Err: ce})
			}
			continue
		}
		mb, err := g.orNameToMailbox(&rf.RecipientName, memo)
		if err != nil {
			if isResp {
				recErrs = append(recErrs, RecipientError{Index: i, Err: envAddressError(name, err)})
			} else {
				rep.Dropped(name, "not this gateway's recipient and no RFC 822 form: "+err.Error())
			}
			continue
		}
		redir, rerr := rf.Extensions.RedirectionHistory()
		if rerr != nil {
			return se, nil, nil, syntaxError(name+".redirection-history", rerr)
		}
		if isResp {
			r := SMTPRecipient{Address: envPath(mb), Notify: envNotifyOf(rf.PerRecipientIndicators)}
			r.ORcptType = "x400"
			if len(redir) > 0 {
				r.ORcpt = redir[0].IntendedRecipient.ORAddress.String()
			} else {
				r.ORcpt = rf.RecipientName.ORAddress.String()
			}
			se.Recipients = append(se.Recipients, r)
			rep.Mapped(name+".recipient-name", "RCPT TO")
			rep.Mapped(name+".per-recipient-indicators", "NOTIFY")
			if len(redir) > 0 {
				rep.Mapped(name+".redirection-history 1.intended-recipient", "ORCPT")
			} else {
				rep.Mapped(name+".recipient-name", "ORCPT")
			}
			if rf.PerRecipientIndicators&(x400.PerRecipientOriginatingMTAReport|x400.PerRecipientOriginatingMTANonDeliveryReport) != 0 {
				rep.Dropped(name+".per-recipient-indicators.originating-MTA-report",
					"the originating MTA's report request is the gateway's to satisfy (RFC 2156 Appendix A §3.2)")
			}
		}
		if rf.ExplicitConversion != nil {
			rep.Dropped(name+".explicit-conversion", "no conversion is performed in the Internet")
		}
		if !disclose && responsible > 1 {
			continue // §4.6.2.2: per-recipient information discarded
		}
		if !disclose && !isResp {
			continue
		}
		// X400-Recipients comments (§4.6.2.2)
		m := mb
		m.Comments = append([]string(nil), m.Comments...)
		if len(redir) > 0 {
			c, err := g.envRedirectComment(redir, memo)
			if err != nil {
				return se, nil, nil, err
			}
			m.Comments = append(m.Comments, FormatComment(c))
			rep.Carried(name+".redirection-history", "X400-Recipients", "comment (RFC 2156 §4.6.2.2)")
		}
		for _, x := range rf.Extensions {
			if c := envPhysicalComments[x.Type.Standard]; c != "" && x.Type.Private == nil {
				m.Comments = append(m.Comments, FormatComment(c))
				rep.Carried(name+".extensions."+x.Type.String(), "X400-Recipients", "comment (RFC 2156 §4.6.2.2)")
			}
		}
		x400Rcpts = append(x400Rcpts, m.String())
		rep.Mapped(name+".recipient-name", "X400-Recipients")
	}
	if len(se.Recipients) == 0 && len(recErrs) == 0 {
		return se, nil, nil, addressError("envelope.per-recipient-fields", errors.New("no recipient is this gateway's responsibility"))
	}
	if !disclose && responsible > 1 {
		rep.Dropped("envelope.per-recipient-fields", "disclosure of recipients prohibited and several RFC 822 recipients: X400-Recipients omitted (RFC 2156 §4.6.2.2)")
	}

	// DSN: ENVID, RET (Appendix A §3.2)
	if id := "X400-MTS-Identifier: " + env.MessageIdentifier.String(); len(id) <= envMaxEnvID {
		se.EnvID = id
		rep.Mapped("envelope.message-identifier", "ENVID")
	} else {
		rep.Dropped("envelope.message-identifier", "longer than the 100 characters of an ENVID (RFC 3461 §4.4); in X400-MTS-Identifier")
	}
	if env.PerMessageIndicators&x400.PerMessageContentReturnRequest != 0 {
		se.Ret = "FULL"
	} else {
		se.Ret = "HDRS"
	}
	rep.Mapped("envelope.per-message-indicators.content-return-request", "RET")

	// MT-PRIORITY (RFC 6710)
	var mtp int
	if prec != nil {
		mtp = MTPriorityOfPrecedence(g.Priority, *prec)
	} else if g.Priority == MTPrioritySTANAG4406 {
		mtp = x400.PrecedenceFromPriority(env.Priority).MTPriority()
	} else {
		mtp = x400.MTPriorityFromPriority(env.Priority)
	}
	se.MTPriority = &mtp
	rep.Mapped("envelope.priority", "MT-PRIORITY")

	// Trace (§5.3.7)
	xr, err := envTraceFields(env, rep)
	if err != nil {
		return se, nil, nil, err
	}
	host := g.MTAName
	if host == "" {
		host = g.Domain
	}
	recv := "by " + host + " (MIXER conversion following RFC 2156"
	if n := len(env.TraceInformation); n > 0 {
		recv += " from X.400 MD " + env.TraceInformation[n-1].GlobalDomainIdentifier.String()
	}
	recv += "); " + envFormatDate(envNow())
	trace = append(trace, Field{Name: "Received", Value: " " + recv})
	trace = append(trace, xr...)

	// MTS fields (§5.3.6)
	add := func(name, value string) { h = append(h, Field{Name: name, Value: " " + value}) }
	add("X400-MTS-Identifier", env.MessageIdentifier.String())
	rep.Mapped("envelope.message-identifier", "X400-MTS-Identifier")
	add("X400-Originator", orig.String())
	rep.Mapped("envelope.originator-name", "X400-Originator")
	if len(x400Rcpts) > 0 {
		add("X400-Recipients", strings.Join(x400Rcpts, ", "))
	}
	add("X400-Content-Type", FormatContentType(env.ContentType))
	rep.Mapped("envelope.content-type", "X400-Content-Type")
	if env.ContentIdentifier != "" {
		add("X400-Content-Identifier", env.ContentIdentifier)
		rep.Mapped("envelope.content-identifier", "X400-Content-Identifier")
	}
	if env.OriginalEITs != nil {
		add("Original-Encoded-Information-Types", FormatEncodedInfo(env.OriginalEITs))
		rep.Mapped("envelope.original-encoded-information-types", "Original-Encoded-Information-Types")
		if len(env.OriginalEITs.G3Facsimile.Bytes) > 0 || env.OriginalEITs.Teletex != nil {
			rep.Dropped("envelope.original-encoded-information-types.non-basic-parameters", "ignored (RFC 2156 §5.3.3.1)")
		}
	}
	add("Priority", env.Priority.String())
	rep.Mapped("envelope.priority", "Priority")
	if env.PerMessageIndicators&x400.PerMessageImplicitConversionProhibited != 0 {
		add("Conversion", "Prohibited")
		rep.Mapped("envelope.per-message-indicators.implicit-conversion-prohibited", "Conversion")
	}
	if env.PerMessageIndicators&x400.PerMessageAlternateRecipientAllowed != 0 {
		rep.Dropped("envelope.per-message-indicators.alternate-recipient-allowed", "no alternate recipients in the Internet")
	}
	if p, err := env.Extensions.ConversionWithLossProhibited(); err != nil {
		return se, nil, nil, syntaxError("envelope.conversion-with-loss-prohibited", err)
	} else if p {
		add("Conversion-With-Loss", "Prohibited")
		rep.Mapped("envelope.conversion-with-loss-prohibited", "Conversion-With-Loss")
	}
	if !env.DeferredDeliveryTime.IsZero() {
		add("Deferred-Delivery", envFormatDate(env.DeferredDeliveryTime))
		rep.Mapped("envelope.deferred-delivery-time", "Deferred-Delivery")
	}
	if t, err := env.Extensions.LatestDeliveryTime(); err != nil {
		return se, nil, nil, syntaxError("envelope.latest-delivery-time", err)
	} else if !t.IsZero() {
		add("Latest-Delivery-Time", envFormatDate(t))
		rep.Mapped("envelope.latest-delivery-time", "Latest-Delivery-Time")
	}
	if a, err := env.Extensions.OriginatorReturnAddress(); err != nil {
		return se, nil, nil, syntaxError("envelope.originator-return-address", err)
	} else if a != nil {
		mb, err := g.orAddressToRFC822(a, memo)
		if err != nil {
			rep.Dropped("envelope.originator-return-address", "no RFC 822 form: "+err.Error())
		} else {
			add("Originator-Return-Address", mb.String())
			rep.Mapped("envelope.originator-return-address", "Originator-Return-Address")
		}
	}
	dls, err := env.Extensions.DLExpansionHistory()
	if err != nil {
		return se, nil, nil, syntaxError("envelope.dl-expansion-history", err)
	}
	for i := len(dls) - 1; i >= 0; i-- { // most recent first (§5.3.6)
		mb, err := g.orNameToMailbox(&dls[i].DL, memo)
		if err != nil {
			rep.Dropped("envelope.dl-expansion-history "+strconv.Itoa(i+1), "no RFC 822 form: "+err.Error())
			continue
		}
		add("DL-Expansion-History", mb.String()+" ; "+envFormatDate(dls[i].Time)+" ;")
		rep.Mapped("envelope.dl-expansion-history "+strconv.Itoa(i+1), "DL-Expansion-History")
	}
	for _, s := range []x400.StandardExtension{x400.ExtRecipientReassignmentProhibited, x400.ExtDLExpansionProhibited} {
		if env.Extensions.Find(s) != nil {
			rep.Dropped("envelope.extensions."+s.String(), "cannot be controlled beyond the gateway (RFC 2156 §5.3.7)")
		}
	}
	if env.Extensions.Find(x400.ExtOriginatorRequestedAlternateRecipient) != nil {
		rep.Dropped("envelope.extensions.originator-requested-alternate-recipient", "no alternate recipients in the Internet")
	}
	if env.Extensions.Find(x400.ExtContentCorrelator) != nil {
		rep.Dropped("envelope.extensions.content-correlator", "returned only in X.400 reports; ENVID carries the MTS identifier")
	}
	if len(env.PerDomainBilateralInformation) > 0 {
		rep.Dropped("envelope.per-domain-bilateral-information", "bilateral between X.400 domains")
	}
	if len(discarded) > 0 {
		add("Discarded-X400-MTS-Extensions", strings.Join(discarded, ", "))
	}
	if n := len(env.TraceInformation); n > 0 {
		add("Date", envFormatDate(env.TraceInformation[0].DomainSuppliedInformation.ArrivalTime))
		rep.Mapped("envelope.trace-information 1.arrival-time", "Date")
	}
	return se, append(trace, h...), recErrs, nil
}

// envAddressError makes err an address error naming field, keeping the
// codes of a ConversionError from the address mapping.
func envAddressError(field string, err error) *ConversionError {
	var ce *ConversionError
	if errors.As(err, &ce) {
		c := *ce
		c.Field = field
		return &c
	}
	return addressError(field, err)
}

// envPath writes a mailbox as an SMTP path without brackets: the
// addr-spec, after its source route "@a,@b:" if it has one.
func envPath(m Mailbox) string {
	s := m.AddrSpec.String()
	if len(m.Route) == 0 {
		return s
	}
	return "@" + strings.Join(m.Route, ",@") + ":" + s
}

// envNotifyOf is RFC 2156 Appendix A §3.2: neither originator bit set,
// NEVER; originator-report, SUCCESS; else FAILURE. An X.411 "report"
// also asks for non-delivery reports, which NOTIFY=SUCCESS alone would
// suppress (RFC 3461 §4.1), so it gives SUCCESS,FAILURE.
func envNotifyOf(ind x400.PerRecipientIndicators) Notify {
	switch {
	case ind&x400.PerRecipientOriginatorReport != 0:
		return NotifySuccess | NotifyFailure
	case ind&x400.PerRecipientOriginatorNonDeliveryReport != 0:
		return NotifyFailure
	}
	return NotifyNever
}

// envIndicatorsOf is RFC 2156 Appendix A §3.1: NEVER clears both report
// bits, SUCCESS sets the report bit, anything else (and an absent NOTIFY,
// whose RFC 3461 default is FAILURE) the non-delivery-report bit. The
// gateway is the originating MTA, so its bits are set the same way.
func envIndicatorsOf(n Notify) x400.PerRecipientIndicators {
	ind := x400.PerRecipientResponsibility
	switch {
	case n&NotifyNever != 0:
	case n&NotifySuccess != 0:
		ind |= x400.PerRecipientOriginatorReport | x400.PerRecipientOriginatingMTAReport
	default:
		ind |= x400.PerRecipientOriginatorNonDeliveryReport | x400.PerRecipientOriginatingMTANonDeliveryReport
	}
	return ind
}

// envRedirectionReasons are the redirection-reason texts of RFC 2156
// §4.6.2.2, indexed by x400.RedirectionReason.
var envRedirectionReasons = [...]string{
	"Recipient Assigned Alternate Recipient",
	"Originator Requested Alternate Recipient",
	"Recipient MD Assigned Alternate Recipient",
	"Directory Look Up",
	"Alias",
}

func envReasonText(r x400.RedirectionReason) string {
	if r >= 0 && int(r) < len(envRedirectionReasons) {
		return envRedirectionReasons[r]
	}
	return "Reason " + strconv.Itoa(int(r))
}

// envRedirectComment writes EBNF.redirect-comment (RFC 2156 §4.6.2.2)
// without its parentheses, the addresses mapped through memo (nil: none).
func (g *Gateway) envRedirectComment(hist []x400.Redirection, memo mailboxMemo) (string, error) {
	var sb strings.Builder
	for i := range hist {
		r := &hist[i]
		mb, err := g.orNameToMailbox(&r.IntendedRecipient, memo)
		addr := r.IntendedRecipient.ORAddress.String()
		if err == nil {
			mb.Comments = nil
			addr = mb.String()
		}
		if i == 0 {
			sb.WriteString("Originally To: " + addr + " Redirected on ")
		} else {
			sb.WriteString(" " + addr + " Redirected Again on ")
		}
		sb.WriteString(envFormatDate(r.RedirectionTime) + " To: " + envReasonText(r.Reason))
	}
	return sb.String(), nil
}

// envTraceFields merges trace-information and internal-trace-information
// and writes them as X400-Received fields, most recent first (RFC 2156
// §5.3.7). An external element is followed by the internal elements of
// its domain; it is left out when one of them is identical to it but for
// the MTA name.
func envTraceFields(env *x400.MessageTransferEnvelope, rep *Report) (Header, error) {
	internal, err := env.Extensions.InternalTraceInformation()
	if err != nil {
		return nil, syntaxError("envelope.internal-trace-information", err)
	}
	used := make([]bool, len(internal))
	var chron []string
	for i := range env.TraceInformation {
		ext := &env.TraceInformation[i]
		var mine []string
		identical := false
		for j := range internal {
			in := &internal[j]
			if used[j] || !in.GlobalDomainIdentifier.Equal(ext.GlobalDomainIdentifier) {
				continue
			}
			if len(mine) > 0 && i+1 < len(env.TraceInformation) && env.TraceInformation[i+1].GlobalDomainIdentifier.Equal(in.GlobalDomainIdentifier) &&
				!in.MTASuppliedInformation.ArrivalTime.Before(env.TraceInformation[i+1].DomainSuppliedInformation.ArrivalTime) {
				break // belongs to a later visit of the same domain
			}
			used[j] = true
			if envSameSupplied(&ext.DomainSuppliedInformation, &in.MTASuppliedInformation) {
				identical = true
			}
			mine = append(mine, FormatX400Received(envInternalAsTrace(in)))
		}
		if !identical {
			chron = append(chron, FormatX400Received(X400Trace{GDI: ext.GlobalDomainIdentifier, Supplied: ext.DomainSuppliedInformation}))
		}
		chron = append(chron, mine...)
		rep.Mapped("envelope.trace-information "+strconv.Itoa(i+1), "X400-Received")
	}
	for j := range internal {
		if !used[j] {
			chron = append(chron, FormatX400Received(envInternalAsTrace(&internal[j])))
		}
	}
	if len(internal) > 0 {
		rep.Mapped("envelope.internal-trace-information", "X400-Received")
	}
	h := make(Header, 0, len(chron))
	for i := len(chron) - 1; i >= 0; i-- {
		h = append(h, Field{Name: "X400-Received", Value: " " + chron[i]})
	}
	return h, nil
}

func envInternalAsTrace(in *x400.InternalTraceInformationElement) X400Trace {
	s := &in.MTASuppliedInformation
	t := X400Trace{GDI: in.GlobalDomainIdentifier, MTA: in.MTAName, AttemptedMTA: s.AttemptedMTA,
		Supplied: x400.DomainSuppliedInformation{ArrivalTime: s.ArrivalTime, RoutingAction: s.RoutingAction,
			AttemptedDomain: s.AttemptedDomain, DeferredTime: s.DeferredTime, ConvertedEITs: s.ConvertedEITs,
			OtherActions: s.OtherActions}}
	return t
}

func envSameSupplied(d *x400.DomainSuppliedInformation, m *x400.MTASuppliedInformation) bool {
	return d.ArrivalTime.Equal(m.ArrivalTime) && d.RoutingAction == m.RoutingAction &&
		d.DeferredTime.Equal(m.DeferredTime) && d.OtherActions == m.OtherActions &&
		m.AttemptedMTA == "" && envSameGDI(d.AttemptedDomain, m.AttemptedDomain) &&
		envSameEITs(d.ConvertedEITs, m.ConvertedEITs)
}

func envSameGDI(a, b *x400.GlobalDomainIdentifier) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func envSameEITs(a, b *x400.EncodedInformationTypes) bool {
	if a == nil || b == nil {
		return a == b
	}
	return FormatEncodedInfo(a) == FormatEncodedInfo(b)
}

// --- RFC 2156 text forms (§5.3.3.1, §5.3.6, §5.3.7) ---

// envBuiltInEITs are EBNF.built-in-eit (RFC 2156 §5.3.3.1), indexed by
// bit number of BuiltInEncodedInformationTypes.
var envBuiltInEITs = [...]string{"Undefined", "Telex", "IA5-Text", "G3-Fax", "TIF0", "Teletex", "Videotex", "Voice", "SFD", "TIF1"}

// envFormatOID writes EBNF.object-identifier (RFC 2156 §3.3.7) without
// key strings: "(1)(3)(6)(1)(7)(1)(3)(5)".
func envFormatOID(o ber.OID) string {
	var sb strings.Builder
	for _, a := range o.Arcs() {
		sb.WriteByte('(')
		sb.WriteString(strconv.FormatUint(a, 10))
		sb.WriteByte(')')
	}
	return sb.String()
}

// FormatEncodedInfo writes EBNF.encoded-info (RFC 2156 §5.3.3.1): the
// built-in types by name ("IA5-Text, G3-Fax"), extended ones as
// object-identifier; the non-basic parameters are ignored.
func FormatEncodedInfo(e *x400.EncodedInformationTypes) string {
	var parts []string
	for i, n := range envBuiltInEITs {
		if e.BuiltIn&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	for _, o := range e.Extended {
		parts = append(parts, envFormatOID(o))
	}
	if len(parts) == 0 {
		return "Undefined"
	}
	return strings.Join(parts, ", ")
}

// ParseEncodedInfo reads EBNF.encoded-info (RFC 2156 §5.3.3.1). Names
// are matched without regard to case, with the spellings of the RFC's
// own examples ("undefined, g3fax"); an extended type is an
// object-identifier ("(1)(3)(6)(1)(7)(1)(3)(5)", key strings allowed)
// or a dotted OID.
func ParseEncodedInfo(s string) (x400.EncodedInformationTypes, error) {
	var e x400.EncodedInformationTypes
	items := strings.Split(s, ",")
	if len(items) > 64 {
		return e, errors.New("too many encoded information types")
	}
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" {
			return e, fmt.Errorf("empty encoded-type in %q", envClip(s))
		}
		if strings.ContainsAny(it, "(.") || (it[0] >= '0' && it[0] <= '9') {
			o, err := ParseOID(it)
			if err != nil {
				return e, err
			}
			e.Extended = append(e.Extended, o)
			continue
		}
		key := strings.ToLower(strings.ReplaceAll(it, "-", ""))
		found := false
		for i, n := range envBuiltInEITs {
			if key == strings.ToLower(strings.ReplaceAll(n, "-", "")) {
				e.BuiltIn |= 1 << i
				found = true
			}
		}
		switch key {
		case "g3fax", "g3facsimile":
			e.BuiltIn |= x400.EITG3Facsimile
			found = true
		case "ia5", "ia5text", "text":
			e.BuiltIn |= x400.EITIA5Text
			found = true
		case "unknown":
			e.BuiltIn |= x400.EITUnknown
			found = true
		}
		if !found {
			return e, fmt.Errorf("unknown encoded-type %q", envClip(it))
		}
	}
	return e, nil
}

// ParseOID reads EBNF.object-identifier (RFC 2156 §3.3.7), "joint-iso-
// ccitt(2) mhs (6) ipms (1)" or "(2)(6)(1)", or a dotted "2.6.1".
func ParseOID(s string) (ber.OID, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "(") {
		o, err := ber.NewOID(s)
		if err != nil {
			return nil, fmt.Errorf("bad object identifier %q", envClip(s))
		}
		return o, nil
	}
	var arcs []string
	rest := s
	for strings.TrimSpace(rest) != "" {
		open := strings.IndexByte(rest, '(')
		cl := strings.IndexByte(rest, ')')
		if open < 0 || cl < open {
			return nil, fmt.Errorf("bad object identifier %q", envClip(s))
		}
		for _, c := range strings.TrimSpace(rest[:open]) { // key-string
			if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return nil, fmt.Errorf("bad key-string in object identifier %q", envClip(s))
			}
		}
		n := strings.TrimSpace(rest[open+1 : cl])
		if _, err := strconv.ParseUint(n, 10, 32); err != nil {
			return nil, fmt.Errorf("bad number in object identifier %q", envClip(s))
		}
		arcs = append(arcs, n)
		rest = rest[cl+1:]
	}
	o, err := ber.NewOID(strings.Join(arcs, "."))
	if err != nil {
		return nil, fmt.Errorf("bad object identifier %q", envClip(s))
	}
	return o, nil
}

// envContentTypeLabels are the key strings of BuiltInContentType.
var envContentTypeLabels = map[int]string{
	x400.BuiltInUnidentified: "unidentified",
	x400.BuiltInExternal:     "external",
	x400.BuiltInIPM84:        "interpersonal-messaging-1984",
	x400.BuiltInIPM88:        "interpersonal-messaging-1988",
	x400.BuiltInEDI:          "edi-messaging",
	x400.BuiltInVoice:        "voice-messaging",
}

// FormatContentType writes EBNF.mts-content-type (RFC 2156 §5.3.6): a
// labelled-integer ("interpersonal-messaging-1988(22)") for a built-in
// type, an object-identifier for an extended one; "P2" is never
// generated.
func FormatContentType(c x400.ContentType) string {
	if c.Extended != nil {
		return envFormatOID(c.Extended)
	}
	return envContentTypeLabels[c.BuiltIn] + "(" + strconv.Itoa(c.BuiltIn) + ")"
}

// ParseContentType reads EBNF.mts-content-type: "P2", a labelled-integer
// or an object-identifier (several parenthesised numbers, or a dotted
// OID).
func ParseContentType(s string) (x400.ContentType, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "P2") {
		return x400.ContentTypeP2, nil
	}
	if strings.Count(s, "(") == 1 && strings.HasSuffix(s, ")") {
		open := strings.IndexByte(s, '(')
		v, err := strconv.ParseUint(strings.TrimSpace(s[open+1:len(s)-1]), 10, 31)
		if err == nil {
			return x400.ContentType{BuiltIn: int(v)}, nil
		}
	}
	if v, err := strconv.ParseUint(s, 10, 31); err == nil {
		return x400.ContentType{BuiltIn: int(v)}, nil
	}
	o, err := ParseOID(s)
	if err != nil || len(o.Arcs()) < 2 {
		return x400.ContentType{}, fmt.Errorf("bad mts-content-type %q", envClip(s))
	}
	return x400.ContentType{Extended: o}, nil
}

// X400Trace is one X400-Received field (RFC 2156 §5.3.7 EBNF.x400-trace):
// a trace element, external when MTA is "", internal (of the MTA MTA in
// the domain GDI) otherwise.
type X400Trace struct {
	GDI x400.GlobalDomainIdentifier
	MTA string
	// Supplied holds the arrival time, routing action, deferred time,
	// converted EITs, other actions and attempted domain.
	Supplied x400.DomainSuppliedInformation
	// AttemptedMTA is "attempted MTA mta", "" when absent or a domain.
	AttemptedMTA string
}

// envWord writes EBNF.mta as an 822.word: an atom, else a quoted-string
// (RFC 2156 §5.3.7).
func envWord(s string) string {
	ok := s != ""
	for i := 0; i < len(s); i++ {
		if !rfc822IsAtext(s[i]) && s[i] != '.' {
			ok = false
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	rfc822WriteQuoted(&b, s)
	return b.String()
}

// FormatX400Received writes the value of an X400-Received field (RFC
// 2156 §5.3.7): "by mta "MTA" in /PRMD=.../ADMD=.../C=../ ; deferred
// until date ; converted (IA5-Text) ; attempted MD /.../ ; Relayed,
// Expanded ; date".
func FormatX400Received(t X400Trace) string {
	var sb strings.Builder
	sb.WriteString("by ")
	if t.MTA != "" {
		sb.WriteString("mta " + envWord(t.MTA) + " in ")
	}
	sb.WriteString(t.GDI.String() + " ;")
	s := &t.Supplied
	if !s.DeferredTime.IsZero() {
		sb.WriteString(" deferred until " + envFormatDate(s.DeferredTime) + " ;")
	}
	if s.ConvertedEITs != nil {
		sb.WriteString(" converted (" + FormatEncodedInfo(s.ConvertedEITs) + ") ;")
	}
	if s.AttemptedDomain != nil {
		sb.WriteString(" attempted MD " + s.AttemptedDomain.String() + " ;")
	} else if t.AttemptedMTA != "" {
		sb.WriteString(" attempted MTA " + envWord(t.AttemptedMTA) + " ;")
	}
	sb.WriteByte(' ')
	if s.RoutingAction == x400.RoutingRerouted {
		sb.WriteString("Rerouted")
	} else {
		sb.WriteString("Relayed")
	}
	if s.OtherActions&x400.OtherActionDLOperation != 0 {
		sb.WriteString(", Expanded")
	}
	if s.OtherActions&x400.OtherActionRedirected != 0 {
		sb.WriteString(", Redirected")
	}
	sb.WriteString(" ; " + envFormatDate(s.ArrivalTime))
	return sb.String()
}

// envSplit splits s at sep outside quoted-strings and parentheses.
func envSplit(s string, sep byte) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			if depth > 0 {
				depth--
			}
		case c == sep && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// envUnword reads an 822.word: an atom or a quoted-string.
func envUnword(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "\"") {
		if s == "" || strings.ContainsAny(s, " \t\"") {
			return "", fmt.Errorf("bad mta %q", envClip(s))
		}
		return s, nil
	}
	if len(s) < 2 || s[len(s)-1] != '"' {
		return "", fmt.Errorf("unterminated quoted-string %q", envClip(s))
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		if s[i] == '\\' && i+1 < len(s)-1 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}

// ParseGlobalDomainIdentifier reads EBNF.global-id (RFC 2156 §5.3.3.2,
// std-or-address with only C, ADMD and PRMD, "/C=GB/ADMD= /PRMD=MOD/"); an
// absent ADMD is the single space of §4.3.5.
func ParseGlobalDomainIdentifier(s string) (x400.GlobalDomainIdentifier, error) {
	s = strings.TrimSpace(s)
	a, err := x400.ParseORAddress(s)
	if err != nil {
		return x400.GlobalDomainIdentifier{}, fmt.Errorf("bad global-id %q: %v", envClip(s), err)
	}
	gdi := x400.GlobalDomainIdentifier{Country: a.Country, ADMD: a.ADMD, PRMD: a.PRMD}
	a.Country, a.ADMD, a.PRMD = x400.NumericOrPrintable{}, x400.NumericOrPrintable{}, x400.NumericOrPrintable{}
	if gdi.Country.IsZero() || !a.IsEmpty() {
		return x400.GlobalDomainIdentifier{}, fmt.Errorf("bad global-id %q: C, ADMD and PRMD only, C required", envClip(s))
	}
	if gdi.ADMD.IsZero() {
		gdi.ADMD = x400.NumericOrPrintable{Value: " "}
	}
	return gdi, nil
}

// ParseX400Received reads the value of an X400-Received field (RFC 2156
// §5.3.7 EBNF.x400-trace).
func ParseX400Received(v string) (X400Trace, error) {
	var t X400Trace
	segs := envSplit(strings.Join(strings.Fields(v), " "), ';')
	if len(segs) < 3 {
		return t, fmt.Errorf("x400-trace %q: \"by\", action-list and arrival-time required", envClip(v))
	}
	by := strings.TrimSpace(segs[0])
	if len(by) < 3 || !strings.EqualFold(by[:3], "by ") {
		return t, fmt.Errorf("x400-trace %q: must begin with \"by\"", envClip(v))
	}
	by = strings.TrimSpace(by[3:])
	if len(by) > 4 && strings.EqualFold(by[:4], "mta ") {
		rest := strings.TrimSpace(by[4:])
		in := strings.LastIndex(rest, " in ")
		if in < 0 {
			return t, fmt.Errorf("x400-trace %q: \"in\" expected after the mta", envClip(v))
		}
		mta, err := envUnword(rest[:in])
		if err != nil {
			return t, err
		}
		t.MTA = mta
		by = rest[in+4:]
	}
	gdi, err := ParseGlobalDomainIdentifier(by)
	if err != nil {
		return t, err
	}
	t.GDI = gdi
	s := &t.Supplied
	if s.ArrivalTime, err = envParseDate(segs[len(segs)-1]); err != nil {
		return t, fmt.Errorf("x400-trace arrival-time: %v", err)
	}
	actions := 0
	for _, a := range strings.Split(segs[len(segs)-2], ",") {
		switch strings.ToLower(strings.TrimSpace(a)) {
		case "relayed":
			s.RoutingAction = x400.RoutingRelayed
		case "rerouted":
			s.RoutingAction = x400.RoutingRerouted
		case "expanded":
			s.OtherActions |= x400.OtherActionDLOperation
		case "redirected":
			s.OtherActions |= x400.OtherActionRedirected
		default:
			return t, fmt.Errorf("x400-trace: unknown action %q", envClip(strings.TrimSpace(a)))
		}
		actions++
	}
	for _, seg := range segs[1 : len(segs)-2] {
		seg = strings.TrimSpace(seg)
		low := strings.ToLower(seg)
		switch {
		case strings.HasPrefix(low, "deferred until "):
			if s.DeferredTime, err = envParseDate(seg[len("deferred until "):]); err != nil {
				return t, fmt.Errorf("x400-trace deferred until: %v", err)
			}
		case strings.HasPrefix(low, "converted"):
			in := strings.TrimSpace(seg[len("converted"):])
			if len(in) < 2 || in[0] != '(' || in[len(in)-1] != ')' {
				return t, fmt.Errorf("x400-trace: converted needs (encoded-info), not %q", envClip(seg))
			}
			e, err := ParseEncodedInfo(in[1 : len(in)-1])
			if err != nil {
				return t, fmt.Errorf("x400-trace converted: %v", err)
			}
			s.ConvertedEITs = &e
		case strings.HasPrefix(low, "attempted md "):
			g, err := ParseGlobalDomainIdentifier(seg[len("attempted md "):])
			if err != nil {
				return t, err
			}
			s.AttemptedDomain = &g
		case strings.HasPrefix(low, "attempted mta "):
			if t.AttemptedMTA, err = envUnword(seg[len("attempted mta "):]); err != nil {
				return t, err
			}
		default:
			return t, fmt.Errorf("x400-trace: unknown element %q", envClip(seg))
		}
	}
	return t, nil
}

// envStripComments removes RFC 5322 comments from s.
func envStripComments(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			if depth == 0 {
				b.WriteByte(c)
				b.WriteByte(s[i+1])
			}
			i++
			continue
		case c == '"' && depth == 0:
			quoted = !quoted
		case c == '(' && !quoted:
			depth++
			continue
		case c == ')' && !quoted && depth > 0:
			depth--
			if depth == 0 {
				b.WriteByte(' ')
			}
			continue
		}
		if depth == 0 {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// envReceived is what the envelope mapping takes from a Received field
// (RFC 5321 §4.4): the "by" domain and the date after the last ";".
type envReceived struct {
	by    string
	date  time.Time
	mixer bool // the gateway comment of RFC 2156 §5.3.7
}

func envParseReceived(v string) (envReceived, error) {
	var r envReceived
	semi := strings.LastIndexByte(v, ';')
	if semi < 0 {
		return r, fmt.Errorf("Received %q: no \";\" date-time", envClip(strings.TrimSpace(v)))
	}
	d, err := envParseDate(v[semi+1:])
	if err != nil {
		return r, err
	}
	r.date = d
	r.mixer = strings.Contains(strings.ToLower(v[:semi]), "mixer conversion")
	f := strings.Fields(envStripComments(v[:semi]))
	for i := 0; i+1 < len(f); i++ {
		if strings.EqualFold(f[i], "by") {
			r.by = f[i+1]
			break
		}
	}
	return r, nil
}

// --- SMTP -> X.400 ---

// envTraceField is a trace field in header order.
type envTraceField struct {
	x400 bool
	f    Field
}

// SMTPToEnvelope maps an SMTP envelope and the message's header to a P1
// message transfer envelope (RFC 2156 §4.6.1, §5.1.5, §5.1.6, Appendix
// A §3.1). prec is the P772 primary precedence of the message being
// built, nil when none.
//
// originator-name is MAIL FROM (the gateway's own O/R address for the
// null reverse-path); each RCPT TO is a recipient with the
// responsibility bit and the report bits of its NOTIFY (Appendix A
// §3.1; an absent NOTIFY asks for non-delivery reports, the RFC 3461
// default), an ORCPT naming a different recipient becomes a
// redirection-history entry (reason alias, time of conversion). A
// recipient that cannot be mapped is a RecipientError. The
// message-identifier comes from Message-ID unless Resent- fields are
// present (§5.1.6, by g.MsgIDToMTSIdentifier), else it is generated in
// g.GDI. The content type is P22, or P772 when prec is not nil. The
// priority is Priority: when present, else the precedence's, else
// MT-PRIORITY's under g.Priority. RET=FULL sets content-return-request;
// ENVID becomes the content correlator "SMTP/NOTARY ENVID: ..."
// (Appendix A §3.1), else the correlator of §5.1.5 (Subject, Message-ID,
// Date, To). The trace is built per §5.1.6 from Date (or the most recent
// Resent-Date) or the X400-Received fields, then every Received field,
// then the gateway's own element whose converted EITs (and the
// original-encoded-information-types) are IA5-Text and eit-mixer: the
// caller sets the body's real EITs with SetEnvelopeEITs.
//
// Malformed fields that restrict the service (Conversion,
// Conversion-With-Loss, Latest-Delivery-Time) are a syntax error;
// malformed informative ones (trace, Priority, X400-Content-Type, ...)
// are dropped with the reason in rep.
func (g *Gateway) SMTPToEnvelope(env *SMTPEnvelope, h Header, prec *x400.Precedence, rep *Report) (x400.MessageTransferEnvelope, []RecipientError, error) {
	return g.smtpToEnvelope(env, h, prec, rep, nil)
}

// smtpToEnvelope is SMTPToEnvelope with MAIL FROM and RCPT TO mapped
// through memo (nil: none).
func (g *Gateway) smtpToEnvelope(env *SMTPEnvelope, h Header, prec *x400.Precedence, rep *Report, memo addrMemo) (x400.MessageTransferEnvelope, []RecipientError, error) {
	var out x400.MessageTransferEnvelope
	if env == nil {
		return out, nil, syntaxError("SMTP envelope", errors.New("no envelope"))
	}
	now := envNow()

	// originator (§4.6.1)
	var origAddr x400.ORAddress
	if env.MailFrom == "" {
		out.OriginatorName = x400.ORName{ORAddress: g.ORAddress}
		origAddr = g.ORAddress
		rep.Carried("MAIL FROM", "envelope.originator-name", "null reverse-path: the gateway is the originator")
	} else {
		mb, err := ParseMailbox("<" + env.MailFrom + ">")
		if err != nil {
			return out, nil, syntaxError("MAIL FROM", err)
		}
		on, err := g.mailboxToORName(mb, memo)
		if err != nil {
			return out, nil, envAddressError("MAIL FROM", err)
		}
		out.OriginatorName = on
		origAddr = on.ORAddress
		rep.Mapped("MAIL FROM", "envelope.originator-name")
	}

	// recipients (§4.6.1, Appendix A §3.1)
	var recErrs []RecipientError
	out.PerRecipientFields = make([]x400.PerRecipientTransferFields, 0, len(env.Recipients))
	for i, r := range env.Recipients {
		name := "RCPT TO " + strconv.Itoa(i+1)
		mb, err := ParseMailbox("<" + r.Address + ">")
		if err != nil {
			recErrs = append(recErrs, RecipientError{Index: i, Err: addressError(name, err)})
			continue
		}
		on, err := g.mailboxToORName(mb, memo)
		if err != nil {
			recErrs = append(recErrs, RecipientError{Index: i, Err: envAddressError(name, err)})
			continue
		}
		rf := x400.PerRecipientTransferFields{RecipientName: on, PerRecipientIndicators: envIndicatorsOf(r.Notify),
			OriginallySpecifiedRecipientNumber: len(out.PerRecipientFields) + 1}
		rep.Mapped(name, "envelope.recipient-name")
		rep.Mapped(name+" NOTIFY", "envelope.per-recipient-indicators")
		if r.ORcpt != "" || r.ORcptType != "" {
			x, err := g.envORCPT(r, &on, now)
			switch {
			case err != nil:
				rep.Dropped(name+" ORCPT", err.Error())
			case x != nil:
				rf.Extensions.Set(*x)
				rep.Mapped(name+" ORCPT", "envelope.redirection-history")
			default:
				rep.Dropped(name+" ORCPT", "names the recipient itself")
			}
		}
		out.PerRecipientFields = append(out.PerRecipientFields, rf)
	}
	if len(out.PerRecipientFields) == 0 {
		out.PerRecipientFields = nil
		return out, recErrs, addressError("RCPT TO", errors.New("no recipient can be mapped to X.400"))
	}

	// header fields
	var traces []envTraceField
	resent := false
	var resentDate string
	for _, f := range h {
		n := strings.ToLower(f.Name)
		switch {
		case n == "received" || n == "x400-received":
			if len(traces) >= envMaxTrace {
				return out, recErrs, syntaxError(f.Name, fmt.Errorf("more than %d trace fields", envMaxTrace))
			}
			traces = append(traces, envTraceField{x400: n == "x400-received", f: f})
		case strings.HasPrefix(n, "resent-"):
			resent = true
			if n == "resent-date" && resentDate == "" {
				resentDate = f.Value // the most recent is the topmost
			}
		}
	}

	// message-identifier (§5.1.6, §4.6.3)
	if msgID, ok := h.Get("Message-ID"); ok && !resent {
		id, err := g.MsgIDToMTSIdentifier(strings.TrimSpace(msgID))
		if err == nil {
			out.MessageIdentifier = id
			rep.Mapped("Message-ID", "envelope.message-identifier")
		} else {
			rep.Dropped("Message-ID", "no MTS identifier from it ("+err.Error()+"); one is generated")
		}
	}
	if out.MessageIdentifier.LocalIdentifier == "" {
		out.MessageIdentifier = x400.MTSIdentifier{GlobalDomainIdentifier: g.GDI, LocalIdentifier: envLocalID(now)}
	}

	// content type (§5.1.5)
	out.ContentType = x400.ContentTypeP22
	if prec != nil {
		out.ContentType = x400.ContentTypeP772
	}
	for _, v := range h.Values("X400-Content-Type") {
		// Not stripped of comments: the "(22)" of a labelled-integer and
		// the "(1)(3)..." of an object-identifier (§3.3.6, §3.3.7) look
		// like RFC 822 comments but are the value.
		ct, err := ParseContentType(v)
		switch {
		case err != nil:
			rep.Dropped("X400-Content-Type", err.Error())
		case ct.Is(out.ContentType):
			rep.Mapped("X400-Content-Type", "envelope.content-type")
		default:
			rep.Dropped("X400-Content-Type", "the content type follows the encoding of the IPM (RFC 2156 §5.1.5): "+out.ContentType.String())
		}
	}

	// priority (RFC 2156 §5.3.6, RFC 6710)
	prioSet := false
	if prec != nil {
		// a military message's X.411 priority follows its precedence
		out.Priority, prioSet = prec.Priority(), true
		rep.Mapped("primary precedence", "envelope.priority")
	}
	if v, ok := h.Get("Priority"); ok {
		var p x400.Priority
		known := true
		switch strings.ToLower(strings.TrimSpace(envStripComments(v))) {
		case "normal":
			p = x400.PriorityNormal
		case "non-urgent":
			p = x400.PriorityNonUrgent
		case "urgent":
			p = x400.PriorityUrgent
		default:
			known = false
		}
		switch {
		case !known:
			rep.Dropped("Priority", "not normal, non-urgent or urgent: "+strconv.Quote(envClip(strings.TrimSpace(v))))
		case prioSet && p != out.Priority:
			rep.Dropped("Priority", "the primary precedence gives the X.411 priority "+out.Priority.String())
		default:
			out.Priority, prioSet = p, true
			rep.Mapped("Priority", "envelope.priority")
		}
	}
	switch {
	case prioSet:
		if env.MTPriority != nil {
			rep.Dropped("MT-PRIORITY", "the X.411 priority is given by "+map[bool]string{true: "the precedence", false: "Priority:"}[prec != nil])
		}
	case env.MTPriority != nil:
		if g.Priority == MTPrioritySTANAG4406 {
			out.Priority = x400.PrecedenceFromMTPriority(*env.MTPriority).Priority()
		} else {
			out.Priority = x400.PriorityFromMTPriority(*env.MTPriority)
		}
		rep.Mapped("MT-PRIORITY", "envelope.priority")
	}

	// per-message indicators (§5.1.5, Appendix A)
	out.PerMessageIndicators = x400.PerMessageAlternateRecipientAllowed
	switch strings.ToUpper(env.Ret) {
	case "FULL":
		out.PerMessageIndicators |= x400.PerMessageContentReturnRequest
		rep.Mapped("RET", "envelope.per-message-indicators.content-return-request")
	case "HDRS":
		rep.Mapped("RET", "envelope.per-message-indicators.content-return-request")
	case "":
	default:
		rep.Dropped("RET", "not FULL or HDRS: "+strconv.Quote(envClip(env.Ret)))
	}
	for _, name := range []string{"Conversion", "Conversion-With-Loss"} {
		v, ok := h.Get(name)
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(envStripComments(v))) {
		case "prohibited":
			if name == "Conversion" {
				out.PerMessageIndicators |= x400.PerMessageImplicitConversionProhibited
				rep.Mapped(name, "envelope.per-message-indicators.implicit-conversion-prohibited")
			} else {
				out.Extensions.Set(x400.ConversionWithLossProhibitedExtension())
				rep.Mapped(name, "envelope.extensions.conversion-with-loss-prohibited")
			}
		case "allowed":
			rep.Mapped(name, "envelope (default)")
		default:
			return out, recErrs, syntaxError(name, fmt.Errorf("prohibition must be Prohibited or Allowed, not %q", envClip(strings.TrimSpace(v))))
		}
	}

	// times
	if v, ok := h.Get("Deferred-Delivery"); ok {
		if t, err := envParseDate(v); err != nil {
			rep.Dropped("Deferred-Delivery", err.Error())
		} else {
			out.DeferredDeliveryTime = t
			rep.Mapped("Deferred-Delivery", "envelope.deferred-delivery-time")
		}
	}
	if v, ok := h.Get("Latest-Delivery-Time"); ok {
		t, err := envParseDate(v)
		if err != nil {
			return out, recErrs, syntaxError("Latest-Delivery-Time", err)
		}
		x, err := x400.LatestDeliveryTimeExtension(t)
		if err != nil {
			return out, recErrs, syntaxError("Latest-Delivery-Time", err)
		}
		out.Extensions.Set(x)
		rep.Mapped("Latest-Delivery-Time", "envelope.extensions.latest-delivery-time")
	}

	// addresses in extensions
	if v, ok := h.Get("Originator-Return-Address"); ok {
		if err := g.envReturnAddress(v, &out); err != nil {
			rep.Dropped("Originator-Return-Address", err.Error())
		} else {
			rep.Mapped("Originator-Return-Address", "envelope.extensions.originator-return-address")
		}
	}
	var dls []x400.DLExpansion
	vs := h.Values("DL-Expansion-History")
	for i := len(vs) - 1; i >= 0; i-- { // most recent first in the header
		d, err := g.envParseDLExpansion(vs[i])
		if err != nil {
			rep.Dropped("DL-Expansion-History", err.Error())
			continue
		}
		dls = append(dls, d)
		rep.Mapped("DL-Expansion-History", "envelope.extensions.dl-expansion-history")
	}
	if len(dls) > 0 {
		x, err := x400.DLExpansionHistoryExtension(dls)
		if err != nil {
			return out, recErrs, syntaxError("DL-Expansion-History", err)
		}
		out.Extensions.Set(x)
	}

	// content identifier and correlator (§5.1.5, Appendix A §3.1)
	subject, hasSubject := h.Get("Subject")
	if v, ok := h.Get("X400-Content-Identifier"); ok {
		out.ContentIdentifier = envPrintable(strings.TrimSpace(v), envUbContentID)
		rep.Mapped("X400-Content-Identifier", "envelope.content-identifier")
	} else if hasSubject {
		out.ContentIdentifier = envPrintable(strings.TrimSpace(subject), envUbContentID)
		rep.Mapped("Subject", "envelope.content-identifier")
	}
	var corr string
	if env.EnvID != "" {
		corr = "SMTP/NOTARY ENVID: " + env.EnvID
		rep.Mapped("ENVID", "envelope.extensions.content-correlator")
	} else {
		var parts []string
		for _, n := range []string{"Subject", "Message-ID", "Date", "To"} {
			if v, ok := h.Get(n); ok {
				parts = append(parts, n+":"+v)
			}
		}
		corr = strings.Join(parts, "\r\n")
	}
	if corr != "" {
		x, err := x400.ContentCorrelatorExtension(x400.ContentCorrelator{IA5Text: envIA5(corr, envUbCorrelator)})
		if err != nil {
			return out, recErrs, syntaxError("content-correlator", err)
		}
		out.Extensions.Set(x)
	}

	// original EITs (§5.1.5)
	eits := envDefaultEITs()
	if v, ok := h.Get("Original-Encoded-Information-Types"); ok {
		e, err := ParseEncodedInfo(v) // "(1)(3)..." OIDs are not comments
		if err != nil {
			rep.Dropped("Original-Encoded-Information-Types", err.Error())
		} else {
			eits = &e
			rep.Mapped("Original-Encoded-Information-Types", "envelope.original-encoded-information-types")
		}
	}
	out.OriginalEITs = eits

	// trace (§5.1.6)
	if err := g.envBuildTrace(&out, traces, h, resentDate, &origAddr, env.MailFrom, now, rep); err != nil {
		return out, recErrs, err
	}

	// informative fields that are not mapped back
	for _, n := range []struct{ name, why string }{
		{"X400-MTS-Identifier", "not reverse mapped: the MTS identifier comes from Message-ID (RFC 2156 §4.6.3, Appendix A §3.1)"},
		{"X400-Originator", "informative: the originator comes from MAIL FROM (RFC 2156 §4.6.1)"},
		{"X400-Recipients", "informative: the recipients come from RCPT TO (RFC 2156 §4.6.1)"},
		{"Return-Path", "the SMTP reverse-path is MAIL FROM"},
		{"Delivery-Date", "the delivery time is in the trace"},
		{"Discarded-X400-MTS-Extensions", "the extensions were discarded by an earlier gateway"},
	} {
		if _, ok := h.Get(n.name); ok {
			rep.Dropped(n.name, n.why)
		}
	}
	return out, recErrs, nil
}

// envLocalID generates an MTS local identifier (at most 32 characters)
// unique within the gateway: the time of conversion and a sequence number.
func envLocalID(now time.Time) string {
	return "MIXER-" + strconv.FormatInt(now.UnixNano(), 36) + "-" + strconv.FormatUint(envSeq.Add(1), 36)
}

// envPrintable makes s a PrintableString, other characters becoming "?";
// when longer than max (> 0) it is cut to max-3 characters and "..."
// (RFC 2156 §5.1.5 content-identifier).
func envPrintable(s string, max int) string {
	b := []byte(s)
	for i, c := range b {
		if !x400.IsPrintableString(string(c)) {
			b[i] = '?'
		}
	}
	if max > 0 && len(b) > max {
		b = append(b[:max-3], "..."...)
	}
	return string(b)
}

// envIA5 makes s an IA5String of at most max characters.
func envIA5(s string, max int) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 0x80 {
			b[i] = '?'
		}
	}
	if len(b) > max {
		b = b[:max]
	}
	return string(b)
}

// envORCPT maps an ORCPT (Appendix A §3.1): an "x400" or "rfc822"
// original recipient other than the recipient becomes a redirection-
// history entry, reason alias, at the time of conversion; nil when it
// names the recipient itself.
func (g *Gateway) envORCPT(r SMTPRecipient, rcpt *x400.ORName, now time.Time) (*x400.Extension, error) {
	var orig x400.ORAddress
	switch strings.ToLower(r.ORcptType) {
	case "x400":
		a, err := x400.ParseORAddress(r.ORcpt)
		if err != nil {
			return nil, fmt.Errorf("x400 original recipient %q: %v", envClip(r.ORcpt), err)
		}
		orig = a
	case "rfc822":
		mb, err := ParseMailbox("<" + r.ORcpt + ">")
		if err != nil {
			return nil, fmt.Errorf("rfc822 original recipient %q: %v", envClip(r.ORcpt), err)
		}
		if a, err := g.RFC822ToORAddress(mb); err != nil {
			return nil, fmt.Errorf("rfc822 original recipient %q: %v", envClip(r.ORcpt), err)
		} else {
			orig = a
		}
	default:
		return nil, fmt.Errorf("address type %q has no X.400 form", envClip(r.ORcptType))
	}
	if orig.String() == rcpt.ORAddress.String() {
		return nil, nil
	}
	x, err := x400.RedirectionHistoryExtension([]x400.Redirection{{IntendedRecipient: x400.ORName{ORAddress: orig},
		RedirectionTime: now, Reason: x400.RedirectionAlias}})
	if err != nil {
		return nil, err
	}
	return &x, nil
}

// envReturnAddress maps Originator-Return-Address (RFC 2156 §5.3.6) to
// the originator-return-address extension: the first mailbox.
func (g *Gateway) envReturnAddress(v string, out *x400.MessageTransferEnvelope) error {
	list, err := ParseAddressList(v)
	if err != nil {
		return err
	}
	if len(list) == 0 || list[0].Mailbox == nil {
		return errors.New("no mailbox")
	}
	a, err := g.RFC822ToORAddress(*list[0].Mailbox)
	if err != nil {
		return err
	}
	x, err := x400.OriginatorReturnAddressExtension(a)
	if err != nil {
		return err
	}
	out.Extensions.Set(x)
	return nil
}

// envParseDLExpansion reads "mailbox ; date-time ;" (RFC 2156 §5.3.6).
func (g *Gateway) envParseDLExpansion(v string) (x400.DLExpansion, error) {
	parts := envSplit(v, ';')
	if len(parts) < 2 || len(parts) > 3 || (len(parts) == 3 && strings.TrimSpace(parts[2]) != "") {
		return x400.DLExpansion{}, fmt.Errorf("%q is not mailbox \";\" date-time \";\"", envClip(strings.TrimSpace(v)))
	}
	mb, err := ParseMailbox(strings.TrimSpace(parts[0]))
	if err != nil {
		return x400.DLExpansion{}, err
	}
	t, err := envParseDate(parts[1])
	if err != nil {
		return x400.DLExpansion{}, err
	}
	on, err := g.MailboxToORName(mb)
	if err != nil {
		return x400.DLExpansion{}, err
	}
	return x400.DLExpansion{DL: on, Time: t}, nil
}

// envGDIOf is the global domain identifier of an O/R address: its C, ADMD
// and PRMD, or def when it has no country.
func envGDIOf(a *x400.ORAddress, def x400.GlobalDomainIdentifier) x400.GlobalDomainIdentifier {
	if a == nil || a.Country.IsZero() {
		return def
	}
	g := x400.GlobalDomainIdentifier{Country: a.Country, ADMD: a.ADMD, PRMD: a.PRMD}
	if g.ADMD.IsZero() {
		g.ADMD = x400.NumericOrPrintable{Value: " "}
	}
	return g
}

// envMTAName makes s an MTAName: IA5, 1 to 32 characters (RFC 2156
// §5.1.6: "truncated to MTS.ub-mta-name-length (32)").
func envMTAName(s string) string { return envIA5(s, envUbMTAName) }

// envBuildTrace is RFC 2156 §5.1.6: trace-information and internal-trace-
// information from Date (or Resent-Date) or X400-Received, then the
// Received fields in chronological order, then the gateway's own element.
func (g *Gateway) envBuildTrace(out *x400.MessageTransferEnvelope, traces []envTraceField, h Header, resentDate string,
	orig *x400.ORAddress, mailFrom string, now time.Time, rep *Report) error {
	var ext x400.TraceInformation
	var internal x400.InternalTraceInformation
	relayed := func(t time.Time) x400.DomainSuppliedInformation {
		return x400.DomainSuppliedInformation{ArrivalTime: t, RoutingAction: x400.RoutingRelayed}
	}
	lastGDI := func() *x400.GlobalDomainIdentifier {
		if len(ext) == 0 {
			return nil
		}
		return &ext[len(ext)-1].GlobalDomainIdentifier
	}
	hasX400 := false
	for _, t := range traces {
		hasX400 = hasX400 || t.x400
	}
	if !hasX400 {
		name, v := "Resent-Date", resentDate
		if v == "" {
			name = "Date"
			v, _ = h.Get("Date")
		}
		t, err := envParseDate(v)
		if err != nil {
			t = now
			rep.Dropped(name, "first trace element: "+err.Error()+"; the time of conversion is used (RFC 2156 §3.3.5)")
		} else {
			rep.Mapped(name, "envelope.trace-information 1.arrival-time")
		}
		gdi := envGDIOf(orig, g.GDI)
		ext = append(ext, x400.TraceInformationElement{GlobalDomainIdentifier: gdi, DomainSuppliedInformation: relayed(t)})
		if at := strings.LastIndexByte(mailFrom, '@'); at >= 0 && at+1 < len(mailFrom) {
			internal = append(internal, x400.InternalTraceInformationElement{GlobalDomainIdentifier: gdi,
				MTAName: envMTAName(mailFrom[at+1:]), MTASuppliedInformation: x400.MTASuppliedInformation{ArrivalTime: t}})
		}
	}
	conversions, back := 0, 0 // to X.400 (eit-mixer), to RFC 822 (Received comment)
	for i := len(traces) - 1; i >= 0; i-- {
		f := traces[i].f
		if traces[i].x400 {
			t, err := ParseX400Received(f.Value)
			if err != nil {
				rep.Dropped("X400-Received", err.Error())
				continue
			}
			if t.Supplied.ConvertedEITs != nil {
				for _, o := range t.Supplied.ConvertedEITs.Extended {
					if o.Equal(OIDEITMixer) {
						conversions++
					}
				}
			}
			if t.MTA != "" {
				if l := lastGDI(); l == nil || !l.Equal(t.GDI) {
					ext = append(ext, x400.TraceInformationElement{GlobalDomainIdentifier: t.GDI, DomainSuppliedInformation: t.Supplied})
				}
				s := &t.Supplied
				internal = append(internal, x400.InternalTraceInformationElement{GlobalDomainIdentifier: t.GDI, MTAName: envMTAName(t.MTA),
					MTASuppliedInformation: x400.MTASuppliedInformation{ArrivalTime: s.ArrivalTime, RoutingAction: s.RoutingAction,
						AttemptedMTA: t.AttemptedMTA, AttemptedDomain: s.AttemptedDomain, DeferredTime: s.DeferredTime,
						ConvertedEITs: s.ConvertedEITs, OtherActions: s.OtherActions}})
				rep.Mapped("X400-Received", "envelope.internal-trace-information")
			} else {
				ext = append(ext, x400.TraceInformationElement{GlobalDomainIdentifier: t.GDI, DomainSuppliedInformation: t.Supplied})
				rep.Mapped("X400-Received", "envelope.trace-information")
			}
			continue
		}
		r, err := envParseReceived(f.Value)
		if err != nil {
			rep.Dropped("Received", err.Error())
			continue
		}
		if r.mixer {
			back++
		}
		gdi := g.GDI
		if r.by != "" {
			if m, ok := g.DomainToOR.LookupDomain(r.by); ok {
				if a, err := m.Entry.OR.ORAddress(); err == nil {
					gdi = envGDIOf(&a, g.GDI)
				}
			}
		}
		if l := lastGDI(); l == nil || !l.Equal(gdi) {
			ext = append(ext, x400.TraceInformationElement{GlobalDomainIdentifier: gdi, DomainSuppliedInformation: relayed(r.date)})
		}
		if r.by != "" {
			internal = append(internal, x400.InternalTraceInformationElement{GlobalDomainIdentifier: gdi, MTAName: envMTAName(r.by),
				MTASuppliedInformation: x400.MTASuppliedInformation{ArrivalTime: r.date}})
		}
		rep.Mapped("Received", "envelope.internal-trace-information")
	}
	if conversions >= envMaxMixerConversions || back > envMaxMixerConversions {
		ce := contentError("trace", fmt.Errorf("%d earlier MIXER conversions to X.400 and %d to RFC 822: loop (RFC 2156 §5.1.5)", conversions, back))
		ce.Reason, ce.Diagnostic, ce.Status = x400.ReasonUnableToTransfer, x400.DiagnosticLoopDetected, "5.4.6"
		return ce
	}
	// the gateway's own element (§5.1.6); SetEnvelopeEITs puts in the
	// EITs of the generated body
	conv := envDefaultEITs()
	ext = append(ext, x400.TraceInformationElement{GlobalDomainIdentifier: g.GDI,
		DomainSuppliedInformation: x400.DomainSuppliedInformation{ArrivalTime: now, RoutingAction: x400.RoutingRelayed, ConvertedEITs: conv}})
	mta := g.MTAName
	if mta == "" {
		mta = g.Domain
	}
	if mta != "" {
		internal = append(internal, x400.InternalTraceInformationElement{GlobalDomainIdentifier: g.GDI, MTAName: envMTAName(mta),
			MTASuppliedInformation: x400.MTASuppliedInformation{ArrivalTime: now, ConvertedEITs: conv}})
	}
	if len(ext) > envMaxTrace {
		ext = ext[len(ext)-envMaxTrace:]
		rep.Dropped("trace", "more than 512 trace elements: the oldest are dropped")
	}
	if len(internal) > envMaxTrace {
		internal = internal[len(internal)-envMaxTrace:]
	}
	out.TraceInformation = ext
	x, err := x400.InternalTraceInformationExtension(internal)
	if err != nil {
		return syntaxError("trace", err)
	}
	out.Extensions.Set(x)
	return nil
}

// envDefaultEITs are the EITs of a converted message until the body's
// are known: IA5-Text and eit-mixer.
func envDefaultEITs() *x400.EncodedInformationTypes {
	return &x400.EncodedInformationTypes{BuiltIn: x400.EITIA5Text, Extended: []ber.OID{OIDEITMixer}}
}

// SetEnvelopeEITs sets the encoded information types of the message the
// gateway generated (RFC 2156 §5.1.5, from the body: all body parts,
// those of forwarded messages included) on an envelope made by
// SMTPToEnvelope, eit-mixer added: the converted EITs of the gateway's
// own trace element (external and internal), and original-encoded-
// information-types unless SMTPToEnvelope restored it from an
// Original-Encoded-Information-Types field.
func SetEnvelopeEITs(env *x400.MessageTransferEnvelope, eits x400.EncodedInformationTypes) error {
	e := eits
	e.Extended = append([]ber.OID(nil), eits.Extended...)
	has := false
	for _, o := range e.Extended {
		has = has || o.Equal(OIDEITMixer)
	}
	if !has {
		e.Extended = append(e.Extended, OIDEITMixer)
	}
	if o := env.OriginalEITs; o == nil || envSameEITs(o, envDefaultEITs()) {
		env.OriginalEITs = &e // not restored from Original-Encoded-Information-Types
	}
	if n := len(env.TraceInformation); n > 0 {
		env.TraceInformation[n-1].DomainSuppliedInformation.ConvertedEITs = &e
	}
	internal, err := env.Extensions.InternalTraceInformation()
	if err != nil {
		return err
	}
	if n := len(internal); n > 0 {
		internal[n-1].MTASuppliedInformation.ConvertedEITs = &e
		x, err := x400.InternalTraceInformationExtension(internal)
		if err != nil {
			return err
		}
		env.Extensions.Set(x)
	}
	return nil
}
