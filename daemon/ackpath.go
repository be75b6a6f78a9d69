package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"mixerd/audit"
	"mixerd/mixer"
	"mixerd/queue"
	"mixerd/reports"
	"mixerd/x400"
)

// The acknowledgements that cross the gateway (RFC 2156 §5.1.8, §5.3.8,
// §5.3.5; RFC 3464; RFC 8098) are spooled like messages and converted
// when they leave, here: a DSN or MDN from the SMTP side whose next hop is
// X.400 becomes a delivery report or an IPN; an X.400 report or IPN whose
// next hop is SMTP becomes a DSN or MDN. Each is matched first with the
// correlation index (the departed records of the audit log) to the
// message-recipients it answers; the match gives the subject's keys in
// the other world (its SMTP reverse-path, ENVID, NOTIFY and ORCPT, or its
// X.400 originator, MTS identifier and recipient numbers). What matches
// nothing is converted from what it carries alone, when it can be, and
// recorded as unmatched. An acknowledgement is never answered with one:
// the converted report asks for no report.

// ackDone is the outcome of an acknowledgement that is not sent on (not
// requested, or nothing to make of it): its recipients are done; the
// audit records say why.
func (d *Daemon) ackDone(l *queue.Lease, o outcome, why string) outcome {
	for _, qi := range l.Recipients {
		o.res = append(o.res, queue.RecipientResult{Index: qi, Disposition: queue.Delivered,
			Attempt: queue.Attempt{Stage: queue.StageData, Result: queue.ResultAccepted, Text: "not sent on: " + why}})
	}
	return o
}

// subjectOf builds the reports.Subject of matched departures (the
// message-recipients an acknowledgement answers), from the first match's
// message and every matched record's recipients.
func subjectOf(ms []audit.Match) *reports.Subject {
	rec := ms[0].Record
	s := &reports.Subject{EnvID: rec.Keys.EnvID, OriginatorAddress: rec.Keys.OriginatorSMTP, Ret: rec.Keys.Ret,
		ReturnContent: rec.Keys.ReturnContent}
	if id, err := x400.ParseMTSIdentifier(rec.Keys.MTSID); err == nil {
		s.MTSIdentifier = id
	}
	if a, err := x400.ParseORAddress(rec.Keys.Originator); err == nil && rec.Keys.Originator != "" {
		s.Originator = x400.ORName{ORAddress: a}
	}
	seen := map[int]bool{}
	for _, m := range ms {
		for _, r := range m.Record.Recipients {
			if seen[r.Index] || m.Record.ID != rec.ID {
				continue
			}
			seen[r.Index] = true
			sr := reports.SubjectRecipient{Number: r.Number, Address: r.SMTP, ORcptType: r.ORcptType, ORcpt: r.ORcpt,
				Indicators: x400.PerRecipientIndicators(r.Indicators)}
			if sr.Number == 0 {
				sr.Number = r.Index + 1
			}
			if a, err := x400.ParseORAddress(r.X400); err == nil && r.X400 != "" {
				sr.Name = x400.ORName{ORAddress: a}
			}
			if r.Notify != "" {
				sr.Notify, _ = mixer.ParseNotify(r.Notify)
			}
			s.Recipients = append(s.Recipients, sr)
		}
	}
	return s
}

// ackRecord is the audit record of an acknowledgement handled on lease l:
// one per subject message-recipient (matched or not).
func ackRecord(l *queue.Lease, ev audit.Event, a audit.Ack, m *audit.Match, r audit.Recipient) *audit.Record {
	rec := &audit.Record{Event: ev, ID: l.Message.ID, Precedence: l.Message.Precedence.String(), Peer: l.Hop}
	rec.Kind = a.Type
	if m != nil {
		a.Matched = true
		a.SubjectID, a.SubjectGateway, a.SubjectSeq = m.Record.ID, m.Record.Gateway, m.Record.Seq
		r = *m.Recipient
		r.Attempt = nil
	}
	rec.Ack = &a
	rec.Recipients = []audit.Recipient{r}
	return rec
}

// clip keeps text for the audit log to 1,000 bytes.
func clip(s string) string {
	if len(s) > 1000 {
		return s[:1000]
	}
	return s
}

// lookup matches q; nil when nothing matches, and then why (ambiguity,
// an unreadable log) goes to a's problems and the log.
func (d *Daemon) lookup(q audit.Query, a *audit.Ack) *audit.Match {
	m, err := d.index.Lookup(q)
	if err != nil {
		if !errors.Is(err, audit.ErrNoMatch) {
			d.log.Warn("acknowledgement not matched", "err", err)
			a.Problems = append(a.Problems, "not matched: "+err.Error())
		}
		return nil
	}
	return &m
}

// dsnToP1 converts a DSN whose next hop is X.400 to a delivery report
// (RFC 2156 §5.1.8) and transfers it.
func (d *Daemon) dsnToP1(st *state, l *queue.Lease, se *smtpEnvelope, h mixer.Header, body []byte) (outcome, []byte) {
	o := outcome{kind: "dsn", keys: smtpKeys(&se.Env, h)}
	dsn, err := reports.ParseDSN(h, body)
	if err != nil {
		o.acks = append(o.acks, ackRecord(l, audit.EventDeliveryReport, audit.Ack{Type: "dsn", Problems: []string{err.Error()}}, nil, audit.Recipient{}))
		return d.ackDone(l, o, "not a DSN: "+err.Error()), nil
	}
	var matches []audit.Match
	for i := range dsn.Recipients {
		dr := &dsn.Recipients[i]
		a := audit.Ack{Type: "dsn", Action: dr.Action, Status: dr.Status, By: dsn.ReportingMTA.Value,
			Text: clip(dr.DiagnosticCode.Value), Subject: audit.Keys{EnvID: dsn.OriginalEnvelopeID},
			Problems: slices.Clip(dsn.Problems)}
		a.Positive, _ = dr.ReportsDelivery()
		q := audit.Query{EnvID: dsn.OriginalEnvelopeID, Recipient: dr.FinalRecipient.Value}
		m := d.lookup(q, &a)
		if m == nil && dr.OriginalRecipient.Value != "" {
			q.Recipient = dr.OriginalRecipient.Value
			m = d.lookup(q, &a)
		}
		if m != nil {
			matches = append(matches, *m)
		}
		o.acks = append(o.acks, ackRecord(l, audit.EventDeliveryReport, a, m, audit.Recipient{SMTP: dr.FinalRecipient.Value}))
	}
	var subj *reports.Subject
	if len(matches) > 0 {
		if k := matches[0].Record.Kind; k != "message" {
			// RFC 3461 §6.2: no DSN is due on a notification; one
			// that comes anyway ends here.
			return d.ackDone(l, o, "a DSN on the "+k+" the gateway sent: recorded, not passed on"), nil
		}
		subj = subjectOf(matches)
	}
	rep := &mixer.Report{}
	rpt, err := reports.DSNToDR(st.gw, dsn, subj, rep)
	if errors.Is(err, reports.ErrNoReport) {
		return d.ackDone(l, o, "no recipient of the DSN makes a delivery report (delayed, or not asked)"), nil
	}
	if err != nil {
		return d.ackDone(l, o, "no delivery report can be made of the DSN: "+err.Error()), nil
	}
	if rpt.Envelope.ReportDestinationName.ORAddress.IsEmpty() {
		return d.ackDone(l, o, "the DSN's subject has no X.400 originator to report to"), nil
	}
	o.conv = conversionSummary("smtp-to-x400", rep)
	raw, err := (&x400.MTSAPDU{Report: rpt}).Marshal()
	if err != nil {
		return d.ackDone(l, o, "delivery report not encodable: "+err.Error()), nil
	}
	for _, a := range o.acks {
		a.Ack.Forwarded = l.Message.ID
	}
	return o, raw
}

// mdnToP1 converts an MDN whose next hop is X.400 to an IPN (RFC 8098
// §8.2, RFC 2156 §5.3.5) in a P1 message to the subject's originator.
func (d *Daemon) mdnToP1(st *state, l *queue.Lease, se *smtpEnvelope, h mixer.Header, msg []byte, body []byte) (outcome, []byte) {
	o := outcome{kind: "mdn", keys: smtpKeys(&se.Env, h)}
	mdn, err := reports.ParseMDN(msg)
	if err != nil {
		o.acks = append(o.acks, ackRecord(l, audit.EventReadReport, audit.Ack{Type: "mdn", Problems: []string{err.Error()}}, nil, audit.Recipient{}))
		return d.ackDone(l, o, "not an MDN: "+err.Error()), nil
	}
	a := audit.Ack{Type: "mdn", Action: mdn.Disposition.Type, By: mdn.FinalRecipient.Address,
		Subject: audit.Keys{MessageID: mdn.OriginalMessageID}, Problems: slices.Clip(mdn.Problems)}
	a.Positive = strings.EqualFold(mdn.Disposition.Type, "displayed")
	q := audit.Query{MessageID: mdn.OriginalMessageID, Recipient: mdn.FinalRecipient.Address}
	m := d.lookup(q, &a)
	if m == nil && mdn.OriginalRecipient.Address != "" {
		q.Recipient = mdn.OriginalRecipient.Address
		m = d.lookup(q, &a)
	}
	rec := ackRecord(l, audit.EventReadReport, a, m, audit.Recipient{SMTP: mdn.FinalRecipient.Address})
	o.acks = append(o.acks, rec)
	if m != nil && m.Record.Kind != "message" {
		// RFC 8098 §3: no MDN on an MDN (or on the gateway's other
		// notifications); one that comes anyway ends here.
		return d.ackDone(l, o, "an MDN on the "+m.Record.Kind+" the gateway sent: recorded, not passed on"), nil
	}
	opt := reports.MDNToIPNOptions{Now: time.Now().UTC()}
	var to x400.ORName
	if m != nil {
		if id, _, err := mixer.MsgIDToIPMIdentifier(m.Record.Keys.IPMID); err == nil && m.Record.Keys.IPMID != "" {
			opt.SubjectIPM = &id
		}
		if a, err := x400.ParseORAddress(m.Recipient.X400); err == nil && m.Recipient.X400 != "" {
			opt.IntendedRecipient = &x400.ORDescriptor{FormalName: &x400.ORName{ORAddress: a}}
		}
		if a, err := x400.ParseORAddress(m.Record.Keys.Originator); err == nil && m.Record.Keys.Originator != "" {
			to = x400.ORName{ORAddress: a}
		}
	}
	rep := &mixer.Report{}
	ipn, err := reports.MDNToIPN(st.gw, mdn, opt, rep)
	if err != nil {
		return d.ackDone(l, o, "no IPN is made of the MDN: "+err.Error()), nil
	}
	mdnMsg := &mixer.SMTPMessage{Envelope: se.Env, Header: h, Body: body}
	if to.ORAddress.IsEmpty() {
		// Unmatched: the MDN's recipient, mapped, is the IPN's.
		if len(se.Env.Recipients) > 0 {
			if mb, err := mixer.ParseMailbox(se.Env.Recipients[0].Address); err == nil {
				if a, err := st.gw.RFC822ToORAddress(mb); err == nil {
					to = x400.ORName{ORAddress: a}
				}
			}
		}
	}
	var subjectType x400.ContentType // zero: P22
	if m != nil && m.Record.Keys.ContentType != "" {
		if ct, err := mixer.ParseContentType(m.Record.Keys.ContentType); err == nil {
			subjectType = ct
		}
	}
	pm, err := reports.IPNMessage(st.gw, ipn, mdnMsg, to, subjectType, rep)
	if err != nil {
		return d.ackDone(l, o, "no IPN message is made of the MDN: "+err.Error()), nil
	}
	o.conv = conversionSummary("smtp-to-x400", rep)
	// The IPN message's own identifier: a non-delivery report on it
	// comes back to the gateway (its originating MTA) and is matched to
	// this departure, recorded and not passed on.
	o.keys.MTSID = pm.Envelope.MessageIdentifier.String()
	o.keys.Originator = pm.Envelope.OriginatorName.ORAddress.String()
	for _, qi := range l.Recipients {
		if len(pm.Envelope.PerRecipientFields) > 0 && qi < len(l.Message.Recipients) {
			rf := &pm.Envelope.PerRecipientFields[0]
			o.setRecipient(qi, audit.Recipient{SMTP: l.Message.Recipients[qi].Address, X400: rf.RecipientName.ORAddress.String(),
				Number: rf.OriginallySpecifiedRecipientNumber, Indicators: uint32(rf.PerRecipientIndicators),
				Reports: reportsOfIndicators(rf.PerRecipientIndicators)})
		}
	}
	raw, err := (&x400.MTSAPDU{Message: pm}).Marshal()
	if err != nil {
		return d.ackDone(l, o, "IPN not encodable: "+err.Error()), nil
	}
	rec.Ack.Forwarded = l.Message.ID
	return o, raw
}

// drToSMTP converts an X.400 report whose next hop is SMTP to a DSN (RFC
// 2156 §5.3.8) to the subject's SMTP reverse-path.
func (d *Daemon) drToSMTP(st *state, l *queue.Lease, rpt *x400.Report) (outcome, *mixer.SMTPMessage) {
	o := outcome{kind: "report", keys: audit.Keys{MTSID: rpt.Envelope.ReportIdentifier.String()}}
	subjID := rpt.Content.SubjectIdentifier.String()
	var matches []audit.Match
	for i := range rpt.Content.PerRecipientFields {
		rf := &rpt.Content.PerRecipientFields[i]
		a := audit.Ack{Type: "dr", Subject: audit.Keys{MTSID: subjID}, Text: clip(rf.SupplementaryInformation)}
		if len(rpt.Envelope.TraceInformation) > 0 {
			a.By = rpt.Envelope.TraceInformation[0].GlobalDomainIdentifier.String()
		}
		switch {
		case rf.LastTraceInformation.ReportType.Delivery != nil:
			a.Positive, a.Action = true, "delivered"
		case rf.LastTraceInformation.ReportType.NonDelivery != nil:
			nd := rf.LastTraceInformation.ReportType.NonDelivery
			a.Action = "non-delivered"
			reason := int(nd.Reason)
			a.Reason = &reason
			if nd.Diagnostic != nil {
				diag := int(*nd.Diagnostic)
				a.Diagnostic = &diag
			}
			a.Status = reports.StatusOfNonDelivery(nd.Reason, nd.Diagnostic)
		}
		name := rf.ActualRecipientName.ORAddress.String()
		m := d.lookup(audit.Query{MTSID: subjID, Recipient: name, Number: rf.OriginallySpecifiedRecipientNumber}, &a)
		if m == nil && rf.OriginallyIntendedRecipientName != nil {
			m = d.lookup(audit.Query{MTSID: subjID, Recipient: rf.OriginallyIntendedRecipientName.ORAddress.String(),
				Number: rf.OriginallySpecifiedRecipientNumber}, &a)
		}
		if m != nil {
			matches = append(matches, *m)
		}
		o.acks = append(o.acks, ackRecord(l, audit.EventDeliveryReport, a, m, audit.Recipient{X400: name,
			Number: rf.OriginallySpecifiedRecipientNumber}))
	}
	subj := &reports.Subject{MTSIdentifier: rpt.Content.SubjectIdentifier}
	if len(matches) > 0 {
		if k := matches[0].Record.Kind; k != "message" {
			// X.411 §12.2.1.3: the gateway asked for non-delivery
			// reports on what it made of an acknowledgement (it is that
			// message's originating MTA); they end here.
			return d.ackDone(l, o, "a report on the "+k+" the gateway sent: recorded, not passed on"), nil
		}
		subj = subjectOf(matches)
	}
	rep := &mixer.Report{}
	sm, err := reports.DRToDSN(st.gw, rpt, subj, rep)
	if errors.Is(err, reports.ErrNotRequested) {
		o = d.ackDone(l, o, "the subject's NOTIFY asked for no DSN on these recipients")
		return o, nil
	}
	if err != nil {
		return d.ackDone(l, o, "no DSN can be made of the report: "+err.Error()), nil
	}
	o.conv = conversionSummary("x400-to-smtp", rep)
	for _, a := range o.acks {
		a.Ack.Forwarded = l.Message.ID
	}
	return o, sm
}

// ipnToSMTP converts an IPN whose next hop is SMTP to an MDN (RFC 8098
// §8.3, RFC 2156 §5.3.5) to the subject's Disposition-Notification-To.
func (d *Daemon) ipnToSMTP(st *state, l *queue.Lease, msg *x400.Message, ipn *x400.IPN, leased map[int]int) (outcome, *mixer.SMTPMessage) {
	o := outcome{kind: "ipn", keys: p1Keys(&msg.Envelope)}
	subj, _ := mixer.IPMIdentifierToMsgID(&ipn.SubjectIPM)
	a := audit.Ack{Type: "ipn", Subject: audit.Keys{IPMID: subj}}
	switch {
	case ipn.Receipt != nil:
		a.Positive, a.Action = true, "receipt"
	case ipn.NonReceipt != nil:
		a.Action = "non-receipt"
		reason := int(ipn.NonReceipt.Reason)
		a.Reason = &reason
		discard := int(ipn.NonReceipt.DiscardReason)
		a.Diagnostic = &discard
	default:
		a.Action = "other"
	}
	var who string
	if ipn.IPNOriginator != nil && ipn.IPNOriginator.FormalName != nil {
		who = ipn.IPNOriginator.FormalName.ORAddress.String()
	}
	a.By = who
	intended := who
	if ipn.IPMIntendedRecipient != nil && ipn.IPMIntendedRecipient.FormalName != nil {
		intended = ipn.IPMIntendedRecipient.FormalName.ORAddress.String()
	}
	var m *audit.Match
	if subj != "" {
		m = d.lookup(audit.Query{IPMID: subj, Recipient: intended}, &a)
		if m == nil && intended != who {
			m = d.lookup(audit.Query{IPMID: subj, Recipient: who}, &a)
		}
	}
	rec := ackRecord(l, audit.EventReadReport, a, m, audit.Recipient{X400: who})
	o.acks = append(o.acks, rec)
	if m != nil && m.Record.Kind != "message" {
		// X.420 §8: no notification on a notification.
		return d.ackDone(l, o, "an IPN on the "+m.Record.Kind+" the gateway sent: recorded, not passed on"), nil
	}
	opt := reports.IPNToMDNOptions{}
	if m != nil {
		opt.To = m.Record.Keys.DispositionTo
		opt.SubjectOriginator = m.Record.Keys.OriginatorSMTP
		opt.OriginalRecipient = m.Recipient.ORcpt
		if opt.OriginalRecipient == "" {
			opt.OriginalRecipient = m.Recipient.SMTP
		}
		opt.FinalRecipient = m.Recipient.SMTP
	} else {
		// Unmatched: to the IPN's recipient this lease is for, mapped
		// (RFC 2156 §5.3.5).
		for fi, qi := range leased {
			if qi == l.Recipients[0] && fi < len(msg.Envelope.PerRecipientFields) {
				if mb, err := st.gw.ORNameToMailbox(&msg.Envelope.PerRecipientFields[fi].RecipientName); err == nil {
					opt.SubjectOriginator = mb.AddrSpec.String()
				}
			}
		}
	}
	rep := &mixer.Report{}
	sm, err := reports.IPNToMDN(st.gw, ipn, opt, rep)
	if err != nil {
		return d.ackDone(l, o, "no MDN can be made of the IPN: "+err.Error()), nil
	}
	o.conv = conversionSummary("x400-to-smtp", rep)
	rec.Ack.Forwarded = l.Message.ID
	return o, sm
}

// probeToSMTP answers an X.400 probe for recipients in the SMTP world
// (X.411 §12.2.1.2; RFC 2156 §5.3.8): a delivery report saying, per
// recipient, whether a message would be delivered (its address maps to
// RFC 822 and has a route), spooled to the probe's originator. The probe's
// recipients are then done.
func (d *Daemon) probeToSMTP(st *state, l *queue.Lease, pr *x400.ProbeTransferEnvelope, envb []byte) outcome {
	o := outcome{kind: "probe", keys: audit.Keys{MTSID: pr.ProbeIdentifier.String(),
		Originator: pr.OriginatorName.ORAddress.String()}}
	leased, err := leasedFields(l, envb)
	if err != nil {
		return d.badSpool(l, err)
	}
	var outs []reports.ProbeOutcome
	for fi := range pr.PerRecipientFields {
		qi, ok := leased[fi]
		if !ok {
			continue
		}
		rf := &pr.PerRecipientFields[fi]
		po := reports.ProbeOutcome{Field: fi, Deliverable: true}
		mb, err := st.gw.ORNameToMailbox(&rf.RecipientName)
		switch {
		case err != nil:
			po = reports.ProbeOutcome{Field: fi, Reason: x400.ReasonUnableToTransfer,
				Diagnostic: ptr(x400.DiagnosticUnrecognisedORName), Text: "not mappable to an Internet address"}
		default:
			if hop, why := d.routeSMTP(st, mb.AddrSpec.String()); hop == hopNone {
				po = reports.ProbeOutcome{Field: fi, Reason: x400.ReasonUnableToTransfer,
					Diagnostic: ptr(x400.DiagnosticUnrecognisedORName), Text: "no route: " + why}
			}
			o.setRecipient(qi, audit.Recipient{Number: rf.OriginallySpecifiedRecipientNumber,
				X400: rf.RecipientName.ORAddress.String(), SMTP: mb.AddrSpec.String(),
				Indicators: uint32(rf.PerRecipientIndicators), Reports: reportsOfIndicators(rf.PerRecipientIndicators)})
		}
		outs = append(outs, po)
	}
	key := reportKey("prb", l.Message.ID, l.Recipients)
	rpt, ok := reports.ProbeReport(reporting(st, key), pr, outs, l.Message.Arrival, time.Now())
	if !ok {
		return d.ackDone(l, o, "the probe's originator asked for no report")
	}
	item, raw, why := d.reportItem(st, rpt, l.Message, "probe")
	if item == nil {
		o = d.all(l, queue.Permanent, queue.Attempt{Stage: queue.StageData, Result: queue.ResultInvalid, Text: why})
		o.kind, o.dead, o.deadReason = "probe", append([]int(nil), l.Recipients...), "the probe's report: "+why
		return o
	}
	o.report = &spoolItem{item: item, body: raw, typ: "dr", positive: true, rcpts: l.Recipients}
	for _, qi := range l.Recipients {
		o.res = append(o.res, queue.RecipientResult{Index: qi, Disposition: queue.Delivered,
			Attempt: queue.Attempt{Stage: queue.StageData, Result: queue.ResultAccepted, Text: "probe answered"}})
	}
	return o
}

func ptr[T any](v T) *T { return &v }

// reportKey is the local identifier of a report the gateway makes on
// recipients idx of message id (X.411 ub-local-id 32): kind, three
// letters, and a digest, the same each time the report is made again, so
// that the queue's duplicate detection keeps one.
func reportKey(kind, id string, idx []int) string {
	var b strings.Builder
	b.WriteString(id)
	for _, i := range idx {
		b.WriteString("/" + strconv.Itoa(i))
	}
	h := sha256.Sum256([]byte(b.String()))
	return kind + hex.EncodeToString(h[:13])
}

// reporting names the gateway as the MTA making report key.
func reporting(st *state, key string) reports.Reporting {
	return reports.Reporting{GDI: st.pol.Gateway.GDI, ReportID: key, Gateway: st.pol.Gateway.SMTPHostname}
}
