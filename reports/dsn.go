package reports

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"mixerd/mixer"
	"mixerd/x400"
)

// Subject is the correlation record of the message a report answers: what
// the gateway kept when the message went through it, which a returning
// acknowledgement is matched against.
type Subject struct {
	// MTSIdentifier is the subject message's MTS identifier (X.411
	// §12.2.1.1.1.1): the subject-identifier of an X.400 report.
	MTSIdentifier x400.MTSIdentifier
	// EnvID is the SMTP ENVID of the subject message (RFC 3461 §4.4),
	// decoded; "" when it had none. DRToDSN writes it as
	// Original-Envelope-Id (RFC 3461 §6.3 (b)).
	EnvID string
	// Originator is the subject message's originator in X.400: the
	// report-destination-name of a report DSNToDR makes.
	Originator x400.ORName
	// OriginatorAddress is the subject message's reverse-path (MAIL FROM)
	// in SMTP: where DRToDSN sends the DSN. "" maps the report's
	// report-destination-name instead.
	OriginatorAddress string
	// Ret is the subject's RET parameter, "FULL" or "HDRS" (RFC 3461
	// §4.3); "" is FULL for a non-delivery and HDRS for a delivery, as
	// RFC 2156 §5.3.8.1 asks.
	Ret string
	// ReturnContent asks DSNToDR to return the content a DSN carries
	// (X.411 content-return-request of the subject message).
	ReturnContent bool
	// Returned is the subject as an Internet message (header and body),
	// when the gateway makes a DSN on a message that came by SMTP:
	// DRToDSN returns it (whole for RET=FULL, or a non-delivery without
	// RET, up to 1 MiB; else its header) as the report's third part
	// (RFC 3464 §2, RFC 6522 §3). A report's own returned content wins.
	Returned []byte
	// Recipients are the subject's recipients.
	Recipients []SubjectRecipient
}

// SubjectRecipient is one recipient of the subject message in both worlds.
type SubjectRecipient struct {
	// Number is the X.411 originally-specified-recipient-number (from 1).
	Number int
	// Name is the recipient's O/R name in X.400.
	Name x400.ORName
	// Address is the RCPT TO address in SMTP.
	Address string
	// ORcptType and ORcpt are the ORCPT parameter (RFC 3461 §4.2) as sent
	// or received, decoded; "" when none.
	ORcptType, ORcpt string
	// Notify is the NOTIFY parameter the recipient had in SMTP (RFC 3461
	// §4.1); DRToDSN leaves out the recipients it does not ask a DSN
	// for. Zero: absent.
	Notify mixer.Notify
	// Indicators are the per-recipient-indicators of the subject's
	// envelope; zero lets DSNToDR set the report bit of RFC 2156
	// §5.1.8.3.
	Indicators x400.PerRecipientIndicators
	// Relayed says that the gateway relayed the message to a next hop
	// that offers no DSN: DRToDSN writes the recipient's delivery as
	// Action "relayed" (RFC 3464 §2.3.3; RFC 3461 §5.2.2: no further
	// notification will come).
	Relayed bool
}

// ErrNotRequested is returned by DRToDSN when the NOTIFY parameters of
// the subject's recipients asked for none of the DSNs the report would
// make (RFC 3461 §4.1): nothing is sent.
var ErrNotRequested = errors.New("reports: NOTIFY asked for no DSN on these recipients")

// wants reports whether the recipient's NOTIFY asks for a DSN of this
// outcome; an absent NOTIFY asks for failures (RFC 3461 §4.1: the MTA
// behaves as for FAILURE, or FAILURE,DELAY) and, since an X.400 delivery
// report exists only when asked for, also for successes.
func (r *SubjectRecipient) wants(delivered bool) bool {
	switch {
	case r.Notify == 0:
		return true
	case r.Notify&mixer.NotifyNever != 0:
		return false
	case delivered:
		return r.Notify&mixer.NotifySuccess != 0
	}
	return r.Notify&mixer.NotifyFailure != 0
}

// dsnNameText writes an O/R name as its RFC 822 mapping, else its std-or
// text.
func dsnNameText(g *mixer.Gateway, n *x400.ORName) string {
	if a, ok := dsnMapName(g, n); ok {
		return a
	}
	return n.ORAddress.String()
}

// dsnNow is the clock of the conversion; tests replace it.
var dsnNow = time.Now

// dsnDateLayout is the RFC 5322 §3.3 date-time.
const dsnDateLayout = "Mon, 2 Jan 2006 15:04:05 -0700"

func dsnDate(t time.Time) string { return t.Format(dsnDateLayout) }

// dsnUbSupplementaryInfo is ub-supplementary-info-length, X.411 §12.
const dsnUbSupplementaryInfo = 256

// DRToDSN converts an X.400 report to the DSN the gateway sends to the
// subject message's SMTP originator, RFC 2156 §5.3.8 with RFC 3464 and
// RFC 6522:
//
//   - the envelope: MAIL FROM:<> (RFC 3461 §6.2, RFC 5321 §4.5.5), one
//     RCPT TO, subj.OriginatorAddress or the mapping of the
//     report-destination-name (§5.3.8.3), with NOTIFY=NEVER;
//   - the header (§5.3.8.1, §5.3.8.3): From the gateway's postmaster, To,
//     Subject "Delivery-Report (success|failure|success and failures)
//     [for mailbox]", Message-Type: Delivery Report, Date, Message-ID,
//     X400-MTS-Identifier (the report identifier), X400-Received for the
//     report's trace, Auto-Submitted: auto-replied (RFC 3834 §5);
//   - the human-readable part (EBNF.dr-user-info);
//   - message/delivery-status: Original-Envelope-Id (subj.EnvID; else
//     the content correlator after "SMTP/NOTARY ENVID: "; else
//     "X400-MTS-Identifier: " and the subject identifier, the ENVID form
//     of RFC 2156 Appendix A §3.2 that DSNToDR reads back),
//     Reporting-MTA (x400; the report-point of the reporting MTA name or
//     of the first trace element), DSN-Gateway (dns; the gateway),
//     Arrival-Date and the X400-* per-message fields (content identifier,
//     type, correlator, original EITs, reporting DL name, originator and
//     DL expansion history, subject intermediate trace, discarded
//     extensions); per recipient Original-Recipient (the ORCPT of the
//     correlation, RFC 3461 §6.3 (d); else, for a redirected recipient,
//     the mapped originally-intended-recipient-name), Final-Recipient
//     (rfc822; the mapped actual recipient, x400 std-or when it has no
//     mapping), X400-Redirect-Recipient and X400-Mapped-Redirect-Recipient
//     for a redirected one (RFC 2156 §5.3.8.1 writes the x400 form as
//     Final-Recipient and the rfc822 one as Original-Recipient; RFC 3461
//     §6.3 (d) and (e), which Internet MUAs match on, win here),
//     Action delivered or failed, Status (2.0.0, or StatusOfNonDelivery),
//     Diagnostic-Code (x400; EBNF.dr-diagnostic), Last-Attempt-Date (the
//     delivery time) and the X400-* per-recipient fields;
//   - the returned content, when the report carries it: message/rfc822
//     (RET=FULL) or text/rfc822-headers (RET=HDRS), converted with mixer;
//     content that cannot be decoded goes as application/octet-stream
//     (§5.3.8.1 recommends the dump).
//
// A recipient whose NOTIFY (SubjectRecipient.Notify) did not ask for its
// outcome is left out; when none is left the error is ErrNotRequested.
// subj may be nil (no correlation record: the report is still converted
// from what it carries). rep (nil: none) records what was dropped. An
// error means that no DSN can be made (no recipient at all, or no
// address for the originator).
func DRToDSN(g *mixer.Gateway, rpt *x400.Report, subj *Subject, rep *mixer.Report) (*mixer.SMTPMessage, error) {
	if rpt == nil || len(rpt.Content.PerRecipientFields) == 0 {
		return nil, errors.New("reports: report with no per-recipient fields")
	}
	if subj == nil {
		subj = &Subject{}
	}
	now := dsnNow()
	c := &rpt.Content

	// The SMTP recipient, RFC 2156 §5.3.8.3.
	to := subj.OriginatorAddress
	if to == "" {
		mb, err := g.ORNameToMailbox(&rpt.Envelope.ReportDestinationName)
		if err != nil {
			return nil, fmt.Errorf("reports: report-destination-name: %w", err)
		}
		to = mb.AddrSpec.String()
	}

	var ms dsnWriter // per-message fields
	ms.add("Original-Envelope-Id", dsnEnvelopeID(c, subj, rep))
	ms.add("Reporting-MTA", "x400; "+dsnReportPoint(rpt, rep))
	if g.Domain != "" {
		ms.add("DSN-Gateway", "dns; "+g.Domain)
	}
	ms.add("Arrival-Date", dsnDate(c.PerRecipientFields[0].LastTraceInformation.ArrivalTime))
	ms.add("X400-Conversion-Date", dsnDate(now))
	if c.ContentIdentifier != "" {
		ms.add("X400-Content-Identifier", c.ContentIdentifier)
		rep.Mapped("report.content-identifier", "X400-Content-Identifier")
	}
	if c.ContentType != nil {
		ms.add("X400-Content-Type", mixer.FormatContentType(*c.ContentType))
		rep.Mapped("report.content-type", "X400-Content-Type")
	}
	if c.OriginalEITs != nil {
		ms.add("X400-Original-Encoded-Information-Types", mixer.FormatEncodedInfo(c.OriginalEITs))
		rep.Mapped("report.original-encoded-information-types", "X400-Original-Encoded-Information-Types")
	}
	correlator := c.ContentIdentifier
	if cc, err := c.Extensions.ContentCorrelator(); err == nil && cc != nil && cc.Octets == nil {
		correlator = cc.IA5Text
		if !strings.HasPrefix(cc.IA5Text, dsnEnvIDCorrelator) {
			ms.add("X400-Content-Correlator", dsnOneLine(cc.IA5Text))
			rep.Mapped("report.content-correlator", "X400-Content-Correlator")
		}
	}
	// Subject intermediate trace, most recent first (§5.3.8.3).
	for i := len(c.SubjectIntermediateTrace) - 1; i >= 0; i-- {
		t := c.SubjectIntermediateTrace[i]
		ms.add("X400-Subject-Intermediate-Trace-Information",
			mixer.FormatX400Received(mixer.X400Trace{GDI: t.GlobalDomainIdentifier, Supplied: t.DomainSuppliedInformation}))
	}
	// reporting-DL-name and originator-and-DL-expansion-history (most
	// recent first), §5.3.8.1.
	mappedExt := map[x400.StandardExtension]bool{x400.ExtContentCorrelator: true}
	if dl, err := c.Extensions.ReportingDLName(); err == nil && dl != nil {
		ms.add("X400-Reporting-DL-Name", dsnNameText(g, dl))
		mappedExt[x400.ExtReportingDLName] = true
		rep.Mapped("report.reporting-DL-name", "X400-Reporting-DL-Name")
	}
	if hist, err := c.Extensions.OriginatorAndDLExpansionHistory(); err == nil && hist != nil {
		for i := len(hist) - 1; i >= 0; i-- {
			ms.add("X400-Originator-and-DL-Expansion-History", dsnNameText(g, &hist[i].DL)+"; "+dsnDate(hist[i].Time)+";")
		}
		mappedExt[x400.ExtOriginatorAndDLExpansionHistory] = true
		rep.Mapped("report.originator-and-DL-expansion-history", "X400-Originator-and-DL-Expansion-History")
	}
	var discarded []string
	for _, x := range c.Extensions {
		if x.Type.Private == nil && mappedExt[x.Type.Standard] {
			continue
		}
		discarded = append(discarded, dsnExtensionText(x.Type))
	}
	if c.AdditionalInformation != nil {
		rep.Dropped("report.additional-information", "no DSN field (deprecated by X.411)")
	}

	// Per recipient.
	var groups []dsnWriter
	var human strings.Builder
	okN, failN := 0, 0
	var lastMailbox string
	for i := range c.PerRecipientFields {
		rf := &c.PerRecipientFields[i]
		var w dsnWriter
		sr := subj.recipient(rf.OriginallySpecifiedRecipientNumber, &rf.ActualRecipientName)
		if sr != nil && !sr.wants(rf.Delivered()) {
			rep.Dropped(fmt.Sprintf("report recipient %d", i+1), "NOTIFY="+sr.Notify.String()+" did not ask for it (RFC 3461 §4.1)")
			continue
		}
		final, finalOK := dsnMapName(g, &rf.ActualRecipientName)
		if sr != nil && sr.ORcpt != "" {
			t := sr.ORcptType
			if t == "" {
				t = "rfc822"
			}
			w.add("Original-Recipient", t+"; "+sr.ORcpt)
		} else if rf.OriginallyIntendedRecipientName != nil {
			if oir, ok := dsnMapName(g, rf.OriginallyIntendedRecipientName); ok {
				w.add("Original-Recipient", "rfc822; "+oir)
			} else {
				w.add("Original-Recipient", "x400; "+rf.OriginallyIntendedRecipientName.ORAddress.String())
			}
		}
		if finalOK {
			w.add("Final-Recipient", "rfc822; "+final)
		} else {
			w.add("Final-Recipient", "x400; "+rf.ActualRecipientName.ORAddress.String())
			rep.Dropped(fmt.Sprintf("report recipient %d", i+1), "actual-recipient-name has no RFC 822 mapping: "+final)
			final = rf.ActualRecipientName.ORAddress.String()
		}
		if rf.OriginallyIntendedRecipientName != nil {
			w.add("X400-Redirect-Recipient", "x400; "+rf.ActualRecipientName.ORAddress.String())
			if finalOK {
				w.add("X400-Mapped-Redirect-Recipient", "rfc822; "+final)
			}
		}
		display := final
		if sr != nil && sr.Address != "" {
			display = sr.Address
		}
		lastMailbox = display
		lt := &rf.LastTraceInformation
		switch {
		case lt.ReportType.Delivery != nil:
			okN++
			d := lt.ReportType.Delivery
			if sr != nil && sr.Relayed {
				w.add("Action", "relayed")
				w.add("Status", "2.0.0")
				w.add("Last-Attempt-Date", dsnDate(d.MessageDeliveryTime))
				fmt.Fprintf(&human, "Your message was relayed to:\r\n\t%s at %s\r\n"+
					"by a system that does not report delivery: no further notification will come.\r\n\r\n",
					display, dsnDate(d.MessageDeliveryTime))
				break
			}
			w.add("Action", "delivered")
			w.add("Status", "2.0.0")
			w.add("Last-Attempt-Date", dsnDate(d.MessageDeliveryTime))
			w.add("X400-Delivery-Time", dsnDate(d.MessageDeliveryTime))
			w.add("X400-Type-of-MTS-User", dsnLabelled(int(d.TypeOfMTSUser), dsnMTSUserName(d.TypeOfMTSUser)))
			fmt.Fprintf(&human, "Your message was successfully delivered to:\r\n\t%s at %s\r\n\r\n",
				display, dsnDate(d.MessageDeliveryTime))
		case lt.ReportType.NonDelivery != nil:
			failN++
			nd := lt.ReportType.NonDelivery
			w.add("Action", "failed")
			w.add("Status", StatusOfNonDelivery(nd.Reason, nd.Diagnostic))
			w.add("Diagnostic-Code", "x400; "+FormatDRDiagnostic(nd.Reason, nd.Diagnostic))
			fmt.Fprintf(&human, "Your message was not delivered to:\r\n\t%s\r\nfor the following reason:\r\n\t%s\r\n",
				display, dsnHumanReason(nd))
			if rf.SupplementaryInformation != "" {
				fmt.Fprintf(&human, "\t%s\r\n", dsnOneLine(rf.SupplementaryInformation))
			}
			human.WriteString("\r\n")
		default:
			return nil, fmt.Errorf("reports: report recipient %d has neither delivery nor non-delivery", i+1)
		}
		if lt.ConvertedEITs != nil {
			w.add("X400-Converted-EITs", mixer.FormatEncodedInfo(lt.ConvertedEITs)+";")
		}
		lastTrace := dsnDate(lt.ArrivalTime)
		if lt.ConvertedEITs != nil {
			lastTrace = mixer.FormatEncodedInfo(lt.ConvertedEITs) + " " + lastTrace
		}
		w.add("X400-Last-Trace", lastTrace)
		w.add("X400-Originally-Specified-Recipient-Number", strconv.Itoa(rf.OriginallySpecifiedRecipientNumber))
		if rf.SupplementaryInformation != "" {
			w.add("X400-Supplementary-Info", dsnQuote(rf.SupplementaryInformation)+";")
		}
		// redirection-history, earliest first; physical-forwarding-
		// address (§5.3.8.1). Other extensions (recipient-certificate,
		// proof-of-delivery, unknown ones) are discarded and listed.
		rmapped := map[x400.StandardExtension]bool{}
		if hist, err := rf.Extensions.RedirectionHistory(); err == nil && hist != nil {
			for _, r := range hist {
				w.add("X400-Redirection-History", "intended recipient "+dsnNameText(g, &r.IntendedRecipient)+
					" redirected to "+dsnRedirectionReason(r.Reason)+" on "+dsnDate(r.RedirectionTime))
			}
			rmapped[x400.ExtRedirectionHistory] = true
		}
		if pfa, err := rf.Extensions.PhysicalForwardingAddress(); err == nil && pfa != nil {
			w.add("X400-Physical-Forwarding-Address", dsnNameText(g, pfa))
			rmapped[x400.ExtPhysicalForwardingAddress] = true
		}
		var rdisc []string
		for _, x := range rf.Extensions {
			if x.Type.Private == nil && rmapped[x.Type.Standard] {
				continue
			}
			rdisc = append(rdisc, dsnExtensionText(x.Type))
		}
		if len(rdisc) > 0 {
			w.add("X400-Discarded-DR-Extensions", strings.Join(rdisc, ", "))
			rep.Dropped(fmt.Sprintf("report recipient %d extensions", i+1), "listed in X400-Discarded-DR-Extensions (RFC 2156 §5.3.8.1)")
		}
		groups = append(groups, w)
	}
	if len(groups) == 0 {
		return nil, ErrNotRequested
	}
	if len(discarded) > 0 {
		ms.add("X400-Discarded-DR-Extensions", strings.Join(discarded, ", "))
		rep.Dropped("report.extensions", "listed in X400-Discarded-DR-Extensions (RFC 2156 §5.3.8.1)")
	}

	// The returned content.
	ret := strings.ToUpper(subj.Ret)
	if ret == "" {
		ret = "HDRS"
		if failN > 0 {
			ret = "FULL"
		}
	}
	var retHeader *dsnRet
	var retBody []byte
	switch {
	case c.ReturnedContent != nil:
		retHeader, retBody = dsnReturned(g, c.ReturnedContent, ret, rep)
	case subj.Returned != nil:
		retHeader, retBody = dsnReturnedRFC822(subj.Returned, ret, rep)
	}

	// The human-readable part, EBNF.dr-user-info.
	var text strings.Builder
	text.WriteString("This report relates to your message:\r\n\t")
	if correlator != "" {
		text.WriteString(dsnOneLine(correlator))
	} else {
		text.WriteString(c.SubjectIdentifier.String())
	}
	text.WriteString("\r\n\r\n")
	if len(c.SubjectIntermediateTrace) > 0 {
		text.WriteString("\tof " + dsnDate(c.SubjectIntermediateTrace[0].DomainSuppliedInformation.ArrivalTime) + "\r\n\r\n")
	}
	text.WriteString(human.String())
	switch {
	case retHeader == nil:
		text.WriteString("The Original Message is not available\r\n")
	case retBody == nil:
		text.WriteString("The headers of the Original Message follow.\r\n")
	default:
		text.WriteString("The Original Message follows:\r\n")
	}

	// Assemble RFC 6522 multipart/report.
	boundary := dsnBoundary()
	var body strings.Builder
	body.WriteString("This is a MIME-encapsulated message.\r\n\r\n--" + boundary + "\r\n")
	body.WriteString("Content-Type: text/plain; charset=us-ascii\r\n")
	body.WriteString("Content-Description: Notification\r\n\r\n")
	body.WriteString(text.String())
	body.WriteString("\r\n--" + boundary + "\r\n")
	body.WriteString("Content-Type: message/delivery-status\r\n")
	body.WriteString("Content-Description: Delivery report\r\n\r\n")
	body.WriteString(ms.String())
	for _, w := range groups {
		body.WriteString("\r\n")
		body.WriteString(w.String())
	}
	if retHeader != nil {
		body.WriteString("\r\n--" + boundary + "\r\n")
		switch {
		case retHeader.isDump():
			body.WriteString("Content-Type: application/octet-stream\r\n")
			body.WriteString("Content-Description: Undelivered message (X.400 content, not decodable)\r\n")
			body.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
			body.Write(retBody)
		case retBody == nil:
			body.WriteString("Content-Type: text/rfc822-headers\r\n")
			body.WriteString("Content-Description: Undelivered message headers\r\n\r\n")
			body.Write(mixer.FormatHeader(retHeader.h))
		default:
			body.WriteString("Content-Type: message/rfc822\r\n")
			body.WriteString("Content-Description: Undelivered message\r\n\r\n")
			body.Write(mixer.FormatHeader(retHeader.h))
			body.WriteString("\r\n")
			body.Write(retBody)
		}
	}
	body.WriteString("\r\n--" + boundary + "--\r\n")

	status := "success and failures"
	switch {
	case failN == 0:
		status = "success"
	case okN == 0:
		status = "failure"
	}
	subject := "Delivery-Report (" + status + ")"
	if len(groups) == 1 {
		subject += " for " + lastMailbox
	}
	from := "postmaster"
	if g.Domain != "" {
		from += "@" + g.Domain
	}
	h := mixer.Header{}
	add := func(n, v string) { h = append(h, mixer.Field{Name: n, Value: " " + v}) }
	for i := len(rpt.Envelope.TraceInformation) - 1; i >= 0; i-- {
		t := rpt.Envelope.TraceInformation[i]
		add("X400-Received", mixer.FormatX400Received(mixer.X400Trace{GDI: t.GlobalDomainIdentifier, Supplied: t.DomainSuppliedInformation}))
	}
	add("From", "Mail Delivery Subsystem <"+from+">")
	add("To", "<"+to+">")
	add("Subject", subject)
	add("Message-Type", "Delivery Report")
	date := now
	if len(rpt.Envelope.TraceInformation) > 0 && !rpt.Envelope.TraceInformation[0].DomainSuppliedInformation.ArrivalTime.IsZero() {
		date = rpt.Envelope.TraceInformation[0].DomainSuppliedInformation.ArrivalTime
	}
	add("Date", dsnDate(date))
	add("Message-ID", "<"+dsnRandom()+".dsn@"+cmp.Or(g.Domain, "mixer.invalid")+">")
	add("X400-MTS-Identifier", rpt.Envelope.ReportIdentifier.String())
	if c.ContentIdentifier != "" {
		add("X400-Content-Identifier", c.ContentIdentifier)
	}
	add("Auto-Submitted", "auto-replied")
	add("MIME-Version", "1.0")
	add("Content-Type", "multipart/report; report-type=delivery-status; boundary=\""+boundary+"\"")
	rep.Mapped("report", "DSN")

	return &mixer.SMTPMessage{
		Envelope: mixer.SMTPEnvelope{
			MailFrom:   "",
			Recipients: []mixer.SMTPRecipient{{Address: to, Notify: mixer.NotifyNever}},
		},
		Header: h,
		Body:   []byte(body.String()),
	}, nil
}

// dsnEnvIDCorrelator is the content correlator prefix of RFC 2156
// §5.3.8.1 that carries an SMTP ENVID through X.400.
const dsnEnvIDCorrelator = "SMTP/NOTARY ENVID: "

// dsnEnvIDPrefix is the ENVID form of an MTS identifier, RFC 2156
// Appendix A §3.2 and §5.1.8.3.
const dsnEnvIDPrefix = "X400-MTS-Identifier: "

// dsnEnvelopeID chooses Original-Envelope-Id (RFC 3461 §6.3 (b), RFC 2156
// §5.3.8.1).
func dsnEnvelopeID(c *x400.ReportTransferContent, subj *Subject, rep *mixer.Report) string {
	if subj.EnvID != "" {
		rep.Mapped("correlation ENVID", "Original-Envelope-Id")
		return dsnOneLine(subj.EnvID)
	}
	if cc, err := c.Extensions.ContentCorrelator(); err == nil && cc != nil && strings.HasPrefix(cc.IA5Text, dsnEnvIDCorrelator) {
		rep.Mapped("report.content-correlator", "Original-Envelope-Id")
		return dsnOneLine(strings.TrimPrefix(cc.IA5Text, dsnEnvIDCorrelator))
	}
	rep.Mapped("report.subject-identifier", "Original-Envelope-Id")
	return dsnEnvIDPrefix + c.SubjectIdentifier.String()
}

// dsnReportPoint writes EBNF.report-point ([ "mta" mta-name "in" ]
// global-id, RFC 2156 §5.3.8.1) of the reporting MTA: the
// reporting-MTA-name extension, else the first trace element's domain.
func dsnReportPoint(rpt *x400.Report, rep *mixer.Report) string {
	if r, err := rpt.Envelope.Extensions.ReportingMTAName(); err == nil && r != nil {
		return "mta " + dsnWord(r.MTAName) + " in " + r.Domain.String()
	}
	if len(rpt.Envelope.TraceInformation) > 0 {
		return rpt.Envelope.TraceInformation[0].GlobalDomainIdentifier.String()
	}
	return rpt.Content.SubjectIdentifier.GlobalDomainIdentifier.String()
}

// recipient finds the subject recipient by its originally specified
// number, else by its O/R name; nil when none matches.
func (s *Subject) recipient(n int, name *x400.ORName) *SubjectRecipient {
	for i := range s.Recipients {
		if s.Recipients[i].Number == n && n > 0 {
			return &s.Recipients[i]
		}
	}
	for i := range s.Recipients {
		if s.Recipients[i].Name.Equal(name) {
			return &s.Recipients[i]
		}
	}
	return nil
}

// dsnMapName maps an O/R name to an RFC 822 address; false and the error
// text when it cannot be.
func dsnMapName(g *mixer.Gateway, n *x400.ORName) (string, bool) {
	mb, err := g.ORNameToMailbox(n)
	if err != nil {
		return err.Error(), false
	}
	return mb.AddrSpec.String(), true
}

// FormatDRDiagnostic writes EBNF.dr-diagnostic (RFC 2156 §5.3.8.1):
// "Reason 1 (unable-to-transfer); Diagnostic 0 (unrecognised-OR-name)",
// the labelled integers of EBNF.labelled-integer-2.
func FormatDRDiagnostic(reason x400.NonDeliveryReason, diag *x400.DiagnosticCode) string {
	s := "Reason " + dsnLabelled(int(reason), reason.String())
	if diag != nil {
		s += "; Diagnostic " + dsnLabelled(int(*diag), diag.String())
	}
	return s
}

func dsnLabelled(n int, label string) string {
	s := strconv.Itoa(n)
	if label != "" && label != s && !strings.ContainsAny(label, "()\\") {
		s += " (" + label + ")"
	}
	return s
}

// dsnRedirectionReason is EBNF.redirection-reason (RFC 2156 §4.6.2.2).
func dsnRedirectionReason(r x400.RedirectionReason) string {
	reasons := [...]string{
		"Recipient Assigned Alternate Recipient",
		"Originator Requested Alternate Recipient",
		"Recipient MD Assigned Alternate Recipient",
		"Directory Look Up",
		"Alias",
	}
	if r >= 0 && int(r) < len(reasons) {
		return reasons[r]
	}
	return "Reason " + strconv.Itoa(int(r))
}

func dsnMTSUserName(t x400.TypeOfMTSUser) string {
	names := [...]string{"public", "private", "ms", "dl", "pdau", "physical-recipient", "other"}
	if t >= 0 && int(t) < len(names) {
		return names[t]
	}
	return ""
}

// dsnHumanReason says a non-delivery in words for the human-readable part.
func dsnHumanReason(nd *x400.NonDeliveryReport) string {
	s := strings.ReplaceAll(nd.Reason.String(), "-", " ")
	if nd.Diagnostic != nil {
		s += " (" + strings.ReplaceAll(nd.Diagnostic.String(), "-", " ") + ")"
	}
	return s
}

// dsnExtensionText names an extension for X400-Discarded-DR-Extensions:
// an object identifier or a labelled integer.
func dsnExtensionText(t x400.ExtensionType) string {
	if t.Private != nil {
		return t.Private.String()
	}
	return dsnLabelled(int(t.Standard), t.Standard.String())
}

// dsnWriter builds one group of DSN fields.
type dsnWriter struct{ sb strings.Builder }

func (w *dsnWriter) add(name, value string) {
	w.sb.WriteString(name)
	w.sb.WriteString(": ")
	w.sb.WriteString(dsnOneLine(value))
	w.sb.WriteString("\r\n")
}

func (w *dsnWriter) String() string { return w.sb.String() }

// dsnOneLine makes s safe as a field value: control characters (line
// ends included) become spaces.
func dsnOneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// dsnQuote writes s as an RFC 5322 quoted-string.
func dsnQuote(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range dsnOneLine(s) {
		if r == '"' || r == '\\' {
			sb.WriteByte('\\')
		}
		sb.WriteRune(r)
	}
	sb.WriteByte('"')
	return sb.String()
}

// dsnWord writes an RFC 5322 word: the atom, else a quoted-string.
func dsnWord(s string) string {
	if s == "" {
		return `""`
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-/=?^_`{|}~.", c) >= 0) {
			return dsnQuote(s)
		}
	}
	return s
}

func dsnRandom() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func dsnBoundary() string { return "=_mixerd_" + dsnRandom() }

// dsnRet is the returned content: a header (h) or an undecodable dump.
type dsnRet struct {
	h    mixer.Header
	dump bool
}

func (r *dsnRet) isDump() bool { return r.dump }

// dsnReturnMax is the largest original message a DSN returns whole; a
// larger one is returned as its header (RFC 3461 §6.2: the MTA may
// return headers only when the message is large).
const dsnReturnMax = 1 << 20

// dsnReturnedRFC822 is the third part of a DSN on an Internet message:
// the message itself (RET=FULL, up to dsnReturnMax) or its header.
func dsnReturnedRFC822(msg []byte, ret string, rep *mixer.Report) (*dsnRet, []byte) {
	h, n, err := mixer.ParseHeader(msg, mixer.HeaderLimits{})
	if err != nil {
		rep.Dropped("returned message", "header does not parse: "+err.Error())
		return nil, nil
	}
	if ret == "HDRS" || len(msg) > dsnReturnMax {
		rep.Mapped("returned message", "text/rfc822-headers")
		return &dsnRet{h: h}, nil
	}
	rep.Mapped("returned message", "message/rfc822")
	return &dsnRet{h: h}, msg[n:]
}

// dsnReturned converts the returned content (an IPM) for the third part:
// the header and, for RET=FULL, the body. Content that is not an IPM is a
// base64 dump.
func dsnReturned(g *mixer.Gateway, content []byte, ret string, rep *mixer.Report) (*dsnRet, []byte) {
	obj, err := x400.DecodeInformationObject(content, mixer.ContentLimits)
	if err == nil && obj.IPM != nil {
		h, herr := g.HeadingToHeader(&obj.IPM.Heading, nil)
		if herr == nil {
			if ret == "HDRS" {
				rep.Mapped("report.returned-content", "text/rfc822-headers")
				return &dsnRet{h: h}, nil
			}
			mh, body, berr := g.BodyToMIME(obj.IPM.Body, nil)
			if berr == nil {
				rep.Mapped("report.returned-content", "message/rfc822")
				return &dsnRet{h: append(h, mh...)}, body
			}
			err = berr
		} else {
			err = herr
		}
	} else if err == nil {
		err = errors.New("not an IPM")
	}
	rep.Carried("report.returned-content", "application/octet-stream", "cannot be converted: "+err.Error())
	enc := base64.StdEncoding.EncodeToString(content)
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return &dsnRet{dump: true}, []byte(b.String())
}
