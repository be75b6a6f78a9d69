package reports

// Acknowledgements the gateway itself generates or wraps (issue 6): the
// X.400 delivery report on recipients relayed to an SMTP next hop that
// offers no DSN, the answer to an X.400 probe, and the P1 message that
// carries an IPN made from an MDN. Pure builders: the daemon routes,
// spools and audits what they return.

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"mixerd/mixer"
	"mixerd/x400"
)

// WantsDeliveryReport reports whether per-recipient indicators ask for a
// delivery report (a positive one), X.411 §12.2.1.1.1.6
// (PerRecipientIndicators): originating-MTA-report (alone: "report"; with
// originating-MTA-non-delivery-report: "audited-report") or
// originator-report ("report"), as the comments of PerRecipientIndicators
// in MTAAbstractService define them. A "report" asks for a report on
// delivery and on non-delivery; the non-delivery-report bits alone do not
// ask for a delivery report.
func WantsDeliveryReport(ind x400.PerRecipientIndicators) bool {
	return ind&(x400.PerRecipientOriginatingMTAReport|x400.PerRecipientOriginatorReport) != 0
}

// WantsNonDeliveryReport reports whether per-recipient indicators ask for
// a non-delivery report, X.411 §12.2.1.1.1.6: any of the four report bits,
// since a "report" (or "audited-report") request includes non-delivery.
// In transfer at least one originating-MTA bit is always one; both
// originator bits zero ("no-report") still ask the originating MTA for
// it, which then does not pass it to the originator.
func WantsNonDeliveryReport(ind x400.PerRecipientIndicators) bool {
	return ind&(x400.PerRecipientOriginatingMTAReport|x400.PerRecipientOriginatingMTANonDeliveryReport|
		x400.PerRecipientOriginatorReport|x400.PerRecipientOriginatorNonDeliveryReport) != 0
}

// Reporting names the gateway as the MTA that generates a report.
type Reporting struct {
	// GDI is the gateway's global domain identifier: of the report
	// identifier (X.411 §12.2.1.3.1: report-identifier, an
	// MTSIdentifier).
	GDI x400.GlobalDomainIdentifier
	// ReportID is the report identifier's local-identifier, unique per
	// report and the same when the report is built again after a crash
	// (the daemon derives it from the subject's queue ID and recipients,
	// as ndrKey does). It is made a PrintableString of at most
	// ub-local-id-length (32) characters.
	ReportID string
	// Gateway is the gateway's name (its host name), which the
	// supplementary information names: RFC 2156 §4.6.2.3 ("This
	// information shall include the name of the gateway generating the
	// report") and §5.3.9.
	Gateway string
}

// genUbLocalID is ub-local-id-length, X.411 (MTSUpperBounds).
const genUbLocalID = 32

// SupplementaryInfo makes s a valid supplementary-information (X.411
// §12.2.1.3.1, a PrintableString of at most ub-supplementary-info-length,
// 256): "@" becomes "(a)", angle brackets parentheses, other characters
// outside the PrintableString set a space, runs of spaces one. A report
// whose supplementary information is not a PrintableString cannot be
// encoded, so every text from outside (an SMTP reply, a host name) goes
// through it.
func SupplementaryInfo(s string) string { return dsnPrintable(s, dsnUbSupplementaryInfo) }

// genReport starts a report on a subject message or probe: identifier,
// destination, and the per-report fields copied from the subject (X.411
// §12.2.1.3.1). The trace-information is left empty: the daemon adds the
// gateway's trace element when it transfers the report (toP1), as for
// every APDU that leaves.
func genReport(r Reporting, originator x400.ORName, subject x400.MTSIdentifier, eits *x400.EncodedInformationTypes,
	ct x400.ContentType, contentID string, ext x400.Extensions) *x400.Report {
	ctc := ct
	rpt := &x400.Report{
		Envelope: x400.ReportTransferEnvelope{
			ReportIdentifier: x400.MTSIdentifier{GlobalDomainIdentifier: r.GDI,
				LocalIdentifier: dsnPrintable(r.ReportID, genUbLocalID)},
			// report-destination-name: the subject's originator-name
			// (MTAOriginatorName), X.411 §12.2.1.3.1, as ndrP1 does.
			// After a DL expansion that is the MTA originator-name the
			// expansion point set, which passes the report on by the
			// DL's reporting policy (reporting-DL-name). The
			// originator-return-address extension is a postal address for
			// physical delivery, not a report destination.
			ReportDestinationName: originator,
		},
		Content: x400.ReportTransferContent{
			SubjectIdentifier: subject,
			OriginalEITs:      eits,
			ContentType:       &ctc,
			ContentIdentifier: contentID,
		},
	}
	// The content-correlator goes back with the report so that the
	// originator can match it (ReportTransferContentExtensions of
	// MTAAbstractService; RFC 2156 §5.3.8 maps it to X400-Content-Correlator
	// and Appendix A §3.1 carries the ENVID in it).
	if x := ext.Find(x400.ExtContentCorrelator); x != nil {
		rpt.Content.Extensions = x400.Extensions{*x}
	}
	return rpt
}

// RelayedReport builds the X.400 delivery report on the recipients of an X.400
// message that the gateway relayed to an SMTP next hop hop that does not
// offer DSN (RFC 3461 §3), for those whose per-recipient indicators ask for
// a delivery report (WantsDeliveryReport): once the message has left,
// no confirmation of delivery can come back, so the gateway reports what it
// knows. This is RFC 2156 §4.6.2.3 ("if ... per-recipient-indicators
// requires a positive delivery notification, this shall be generated by the
// gateway") with Appendix A §3.2 (NOTIFY=SUCCESS only works when the next
// hop offers DSN; "additional originating MTA requirements are satisfied by
// the gateway"), and the X.400 form of RFC 3461 §5.2.2 (b) and §5.2.4 (b),
// the "relayed" DSN, which X.400 has no action for: RFC 2156 §5.1.8.3 maps
// a DSN's "relayed" to a delivery report as DSNToDR does.
//
// fields index env.PerRecipientFields (the recipients the next hop took
// with a 2xx reply to RCPT TO; out-of-range indexes are ignored). Per
// recipient the report has: actual-recipient-name, the
// originally-specified-recipient-number and the per-recipient-indicators
// (responsibility cleared) of the subject (X.411 §12.2.1.3.1);
// last-trace-information with arrival-time arrived (when the message
// reached the gateway; zero takes at) and a delivery element (X.411
// §12.2.1.3.1, DeliveryReport) with message-delivery-time at (the time of
// the relay: the last instant the gateway can vouch for) and
// type-of-MTS-user other(6) (the recipient is an Internet mailbox, none of
// X.411's kinds of MTS user); and supplementary-information naming the
// gateway and the next hop, as RFC 2156 §4.6.2.3 requires.
//
// The report identifier is r's, report-destination-name the subject's
// originator-name, subject-identifier its message-identifier; content
// type, original EITs, content identifier and content correlator are
// copied; no content is returned (content-return-request asks for the
// content with a non-delivery, not a delivery).
// false: no recipient asked for a delivery report (nothing to send).
func RelayedReport(r Reporting, env *x400.MessageTransferEnvelope, fields []int, hop string, arrived, at time.Time) (*x400.Report, bool) {
	if env == nil {
		return nil, false
	}
	at = at.UTC().Truncate(time.Second)
	if arrived.IsZero() {
		arrived = at
	}
	arrived = arrived.UTC().Truncate(time.Second)
	rpt := genReport(r, env.OriginatorName, env.MessageIdentifier, env.OriginalEITs, env.ContentType,
		env.ContentIdentifier, env.Extensions)
	info := SupplementaryInfo(fmt.Sprintf("relayed by MIXER gateway %s to %s, which does not offer DSN: no further delivery report will follow",
		genName(r.Gateway), genName(hop)))
	seen := make(map[int]bool, len(fields))
	for _, i := range fields {
		if i < 0 || i >= len(env.PerRecipientFields) || seen[i] {
			continue
		}
		seen[i] = true
		rf := &env.PerRecipientFields[i]
		if !WantsDeliveryReport(rf.PerRecipientIndicators) {
			continue
		}
		rpt.Content.PerRecipientFields = append(rpt.Content.PerRecipientFields, x400.PerRecipientReportTransferFields{
			ActualRecipientName:                rf.RecipientName,
			OriginallySpecifiedRecipientNumber: rf.OriginallySpecifiedRecipientNumber,
			PerRecipientIndicators:             rf.PerRecipientIndicators &^ x400.PerRecipientResponsibility,
			LastTraceInformation: x400.LastTraceInformation{ArrivalTime: arrived,
				ReportType: x400.ReportType{Delivery: &x400.DeliveryReport{MessageDeliveryTime: at, TypeOfMTSUser: x400.MTSUserOther}}},
			SupplementaryInformation: info,
		})
	}
	if len(rpt.Content.PerRecipientFields) == 0 {
		return nil, false
	}
	return rpt, true
}

// NonDelivered is one recipient of a non-delivery report the gateway
// makes: its per-recipient field in the subject's envelope, why it was
// not delivered, and the supplementary information (any text: made a
// PrintableString).
type NonDelivered struct {
	Field  int
	Report x400.NonDeliveryReport
	Text   string
}

// NonDeliveryReport builds the X.400 non-delivery report (X.411
// §12.2.1.3) on the recipients of an X.400 message that the gateway
// could not route, convert or transfer, or whose time ran out, for those
// whose per-recipient indicators ask for one (WantsNonDeliveryReport).
// Per recipient: actual-recipient-name, originally-specified-recipient-
// number and per-recipient-indicators (responsibility cleared) of the
// subject; last-trace-information with arrival-time arrived (when the
// message reached the gateway; zero: now) and the non-delivery element;
// the supplementary information. The report identifier is r's,
// report-destination-name the subject's originator-name, the content type,
// original EITs, content identifier and content correlator are copied,
// and content is returned when the subject asked for it
// (content-return-request, X.411 §12.2.1.1.1.2; content is its content).
// Out-of-range and repeated fields are ignored. false: no recipient asked.
func NonDeliveryReport(r Reporting, env *x400.MessageTransferEnvelope, content []byte, items []NonDelivered, arrived time.Time) (*x400.Report, bool) {
	if env == nil {
		return nil, false
	}
	if arrived.IsZero() {
		arrived = time.Now()
	}
	arrived = arrived.UTC().Truncate(time.Second)
	rpt := genReport(r, env.OriginatorName, env.MessageIdentifier, env.OriginalEITs, env.ContentType,
		env.ContentIdentifier, env.Extensions)
	if env.PerMessageIndicators&x400.PerMessageContentReturnRequest != 0 {
		rpt.Content.ReturnedContent = content
	}
	seen := make(map[int]bool, len(items))
	for _, it := range items {
		if it.Field < 0 || it.Field >= len(env.PerRecipientFields) || seen[it.Field] {
			continue
		}
		seen[it.Field] = true
		rf := &env.PerRecipientFields[it.Field]
		if !WantsNonDeliveryReport(rf.PerRecipientIndicators) {
			continue
		}
		nd := it.Report
		rpt.Content.PerRecipientFields = append(rpt.Content.PerRecipientFields, x400.PerRecipientReportTransferFields{
			ActualRecipientName:                rf.RecipientName,
			OriginallySpecifiedRecipientNumber: rf.OriginallySpecifiedRecipientNumber,
			PerRecipientIndicators:             rf.PerRecipientIndicators &^ x400.PerRecipientResponsibility,
			LastTraceInformation: x400.LastTraceInformation{ArrivalTime: arrived,
				ReportType: x400.ReportType{NonDelivery: &nd}},
			SupplementaryInformation: SupplementaryInfo(it.Text),
		})
	}
	if len(rpt.Content.PerRecipientFields) == 0 {
		return nil, false
	}
	return rpt, true
}

// genName is a name for supplementary information; "" is "unknown".
func genName(s string) string {
	if s = strings.TrimSpace(s); s == "" {
		return "(unknown)"
	}
	return s
}

// ProbeOutcome is the daemon's verdict on one recipient of a probe: could
// the gateway service a message to it now (RFC 2156 §5.3.9)?
type ProbeOutcome struct {
	// Field indexes the probe's PerRecipientFields.
	Field int
	// Deliverable: the recipient's O/R name maps to an RFC 822 address
	// (RFC 2156 §4.3.5) and the gateway has a route for it.
	Deliverable bool
	// Reason and Diagnostic say why not (X.411 §8.3.1.2.1.9-10), when
	// not Deliverable. A zero Reason with a nil Diagnostic takes
	// unable-to-transfer / unrecognised-OR-name, the codes of an address
	// with no mapping or route.
	Reason     x400.NonDeliveryReason
	Diagnostic *x400.DiagnosticCode
	// Text is added to the supplementary information (the mapping's or
	// routing's verdict, a VRFY reply; RFC 2156 Appendix A §1).
	Text string
}

// ProbeReport builds the report that answers an X.400 probe (X.411
// §8.2.1.2, §12.2.1.2) on recipients in the SMTP world. RFC 2156 §5.3.9:
// "Any probe shall be serviced by the gateway, as there is no equivalent
// RFC 822 functionality. The value of the reply is dependent on whether
// the gateway could service an MTS Message with the values specified in
// the probe. The reply shall make use of MTS.SupplementaryInformation to
// indicate that the probe was serviced by the gateway."
//
// Per outcome (outs; an index out of range, repeated, or of a recipient
// the gateway is not responsible for, X.411 §12.2.1.1.1.6 responsibility,
// is ignored): a deliverable recipient gets a delivery element
// (message-delivery-time at: the time the probe was serviced,
// type-of-MTS-user other(6)), only when its per-recipient indicators ask
// for a delivery report (a probe carries the per-recipient report
// requests of the message it stands for, PerRecipientProbeTransferFields
// having the same indicators; WantsDeliveryReport); one
// that is not gets a non-delivery element with the outcome's reason and
// diagnostic (unable-to-transfer / unrecognised-OR-name by default), when
// they ask for a non-delivery report (WantsNonDeliveryReport). arrival-time
// is arrived (zero takes at). The supplementary information says that
// the gateway serviced the probe, and the outcome's Text.
//
// The report identifier is r's, report-destination-name the probe's
// originator-name, subject-identifier its probe-identifier; content type,
// original EITs, content identifier and content correlator are copied.
// false: no element is due.
func ProbeReport(r Reporting, p *x400.ProbeTransferEnvelope, outs []ProbeOutcome, arrived, at time.Time) (*x400.Report, bool) {
	if p == nil {
		return nil, false
	}
	at = at.UTC().Truncate(time.Second)
	if arrived.IsZero() {
		arrived = at
	}
	arrived = arrived.UTC().Truncate(time.Second)
	rpt := genReport(r, p.OriginatorName, p.ProbeIdentifier, p.OriginalEITs, p.ContentType, p.ContentIdentifier, p.Extensions)
	seen := make(map[int]bool, len(outs))
	for _, o := range outs {
		if o.Field < 0 || o.Field >= len(p.PerRecipientFields) || seen[o.Field] {
			continue
		}
		seen[o.Field] = true
		rf := &p.PerRecipientFields[o.Field]
		ind := rf.PerRecipientIndicators
		if ind&x400.PerRecipientResponsibility == 0 {
			continue
		}
		el := x400.PerRecipientReportTransferFields{
			ActualRecipientName:                rf.RecipientName,
			OriginallySpecifiedRecipientNumber: rf.OriginallySpecifiedRecipientNumber,
			PerRecipientIndicators:             ind &^ x400.PerRecipientResponsibility,
			LastTraceInformation:               x400.LastTraceInformation{ArrivalTime: arrived},
		}
		info := "probe serviced by MIXER gateway " + genName(r.Gateway)
		if o.Deliverable {
			if !WantsDeliveryReport(ind) {
				continue
			}
			el.LastTraceInformation.ReportType.Delivery = &x400.DeliveryReport{MessageDeliveryTime: at, TypeOfMTSUser: x400.MTSUserOther}
			info += ": a message to this recipient would be relayed to the Internet"
		} else {
			if !WantsNonDeliveryReport(ind) {
				continue
			}
			nd := &x400.NonDeliveryReport{Reason: o.Reason, Diagnostic: o.Diagnostic}
			if o.Reason == 0 && o.Diagnostic == nil {
				d := x400.DiagnosticUnrecognisedORName
				nd = &x400.NonDeliveryReport{Reason: x400.ReasonUnableToTransfer, Diagnostic: &d}
			}
			el.LastTraceInformation.ReportType.NonDelivery = nd
			info += ": a message to this recipient could not be delivered"
		}
		if t := strings.TrimSpace(o.Text); t != "" {
			info += ": " + t
		}
		el.SupplementaryInformation = SupplementaryInfo(info)
		rpt.Content.PerRecipientFields = append(rpt.Content.PerRecipientFields, el)
	}
	if len(rpt.Content.PerRecipientFields) == 0 {
		return nil, false
	}
	return rpt, true
}

// IPNMessage builds the P1 message that carries ipn (made from the MDN mdn
// by MDNToIPN) to the X.400 originator of the subject message, to (from
// the correlation record rather than the MDN's RCPT TO, which may map to
// another name). RFC 2156 §5.1 (an RFC 822 message becomes an X.400
// message) with §5.3.5 (the IPN) and RFC 8098 §3 (the MDN's own envelope):
//
//   - the envelope is g.SMTPToEnvelope's for the MDN (message-identifier
//     from its Message-ID, trace from its Received fields and the
//     gateway's element, content identifier and correlator from its
//     header, priority), with the reverse-path taken from its From:, the
//     reader: an MDN is sent with MAIL FROM:<> (RFC 8098 §3: "The
//     envelope sender address ... of the MDN MUST be null (<>)"), which
//     would make the gateway the originator. A From: that is absent or
//     does not map gives the IPN's ipn-originator, else the gateway;
//   - one recipient, to, number 1, responsible, asking no report of the
//     originator (both originator bits zero, "no-report": the NOTIFY=NEVER
//     of Appendix A §3.2, as RFC 8098 §3 asks for the MDN itself: no
//     notification is made on a notification) but a non-delivery report of
//     the originating MTA (X.411 §12.2.1.1.1.6: one originating-MTA bit
//     must be one): a non-delivery comes back to the gateway, which records
//     it and does not pass it on;
//   - content type P22 (X.420 IPMSInformationObjects: an IPN is the ipn [1]
//     alternative of the P22 InformationObject), or P772 when subject (the
//     subject message's content type, from the correlation record) is
//     P772: STANAG 4406 Annex A carries military notifications in the
//     military content type. The zero ContentType takes P22;
//   - original-encoded-information-types ia5-text and eit-mixer (an IPN
//     has no body; SMTPToEnvelope's default for what the gateway made);
//   - no content-return-request; the content is the InformationObject
//     with the IPN.
//
// rep (nil: none) gets what was mapped and dropped.
func IPNMessage(g *mixer.Gateway, ipn *x400.IPN, mdn *mixer.SMTPMessage, to x400.ORName, subject x400.ContentType, rep *mixer.Report) (*x400.Message, error) {
	if g == nil || ipn == nil || mdn == nil {
		return nil, errors.New("reports: IPNMessage needs a gateway, an IPN and the MDN")
	}
	content, err := (&x400.InformationObject{IPN: ipn}).Marshal()
	if err != nil {
		return nil, mdnConvError("IPN", err)
	}
	// The recipient handed to SMTPToEnvelope stands for to, whose name
	// replaces it: its RFC 822 form, else the gateway's postmaster.
	rcpt := "postmaster@" + g.Domain
	if mb, err := g.ORNameToMailbox(&to); err == nil {
		rcpt = mb.AddrSpec.String()
	}
	env := mixer.SMTPEnvelope{MTPriority: mdn.Envelope.MTPriority,
		Recipients: []mixer.SMTPRecipient{{Address: rcpt, Notify: mixer.NotifyNever}}}
	originator := ""
	if v, ok := mdn.Header.Get("From"); ok {
		if as, err := mixer.ParseAddressList(v); err == nil && len(as) == 1 && as[0].Mailbox != nil {
			originator = as[0].Mailbox.AddrSpec.String()
		}
	}
	env.MailFrom = originator
	var local mixer.Report
	out, _, err := g.SMTPToEnvelope(&env, mdn.Header, nil, &local)
	if err != nil && originator != "" {
		// From: does not map: the IPN's originator, else the gateway.
		rep.Dropped("From", "no X.400 originator from it ("+err.Error()+")")
		env.MailFrom, originator = "", ""
		local = mixer.Report{}
		out, _, err = g.SMTPToEnvelope(&env, mdn.Header, nil, &local)
	}
	if err != nil {
		return nil, err
	}
	if rep != nil {
		rep.Items = append(rep.Items, local.Items...)
	}
	if originator == "" && ipn.IPNOriginator != nil && ipn.IPNOriginator.FormalName != nil {
		out.OriginatorName = *ipn.IPNOriginator.FormalName
		rep.Mapped("ipn-originator", "envelope.originator-name")
	}
	out.PerRecipientFields = []x400.PerRecipientTransferFields{{
		RecipientName:                      to,
		OriginallySpecifiedRecipientNumber: 1,
		PerRecipientIndicators:             x400.PerRecipientResponsibility | x400.PerRecipientOriginatingMTANonDeliveryReport,
	}}
	out.PerMessageIndicators &^= x400.PerMessageContentReturnRequest
	out.ContentType = x400.ContentTypeP22
	if subject.Is(x400.ContentTypeP772) {
		out.ContentType = x400.ContentTypeP772
	}
	return &x400.Message{Envelope: out, Content: content}, nil
}

// MessageIPN returns the IPN a P1 message carries: nil, nil for an IPM;
// an error for a content that is not interpersonal messaging (P2, P22,
// P772) or does not decode (within mixer.ContentLimits). The daemon uses
// it to tell a notification (audited as a read report, converted by
// IPNToMDN) from a message.
func MessageIPN(m *x400.Message) (*x400.IPN, error) {
	if m == nil {
		return nil, errors.New("reports: no message")
	}
	ct := m.Envelope.ContentType
	if !ct.Is(x400.ContentTypeP22) && !ct.Is(x400.ContentTypeP2) && !ct.Is(x400.ContentTypeP772) {
		return nil, fmt.Errorf("reports: content type %s is not interpersonal messaging", ct)
	}
	obj, err := x400.DecodeInformationObject(m.Content, mixer.ContentLimits)
	if err != nil {
		return nil, fmt.Errorf("reports: content: %w", err)
	}
	return obj.IPN, nil
}
