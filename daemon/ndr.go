package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"mixerd/audit"
	"mixerd/mixer"
	"mixerd/p1"
	"mixerd/queue"
	"mixerd/reports"
	"mixerd/x400"
)

// ndrOutcome is what the report builder decided for the failed recipients
// of one message: a report to spool (item and body), none wanted
// (item nil, dead ""), or none possible (dead, the reason).
type ndrOutcome struct {
	item *queue.Message
	body []byte
	dead string
}

// makeReports builds the non-delivery reports due (queue.PendingReports),
// one per message, and records them with queue.Reported once the report
// is spooled, or queue.MarkDead when none can be built or routed. Reported
// is durable, so a report is built once; a crash between the Put of the
// report and Reported builds it again at the next start, and the queue's
// duplicate detection (the report's MTS identifier or Message-ID is derived
// from the subject's queue ID and recipients) absorbs the second Put within
// the duplicate window: at worst, past it, the report is sent twice. A
// report the spool cannot take now (full) stays due and is tried again.
func (d *Daemon) makeReports(ctx context.Context) (done int) {
	byID := map[string][]queue.Failure{}
	var ids []string
	for _, f := range d.q.PendingReports() {
		if byID[f.ID] == nil {
			ids = append(ids, f.ID)
		}
		byID[f.ID] = append(byID[f.ID], f)
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return done
		}
		if d.reportMessage(ctx, id, byID[id]) {
			done++
		}
	}
	return done
}

// reportMessage makes the report on one message's failed recipients; it
// says whether they are no longer due.
func (d *Daemon) reportMessage(ctx context.Context, id string, fs []queue.Failure) bool {
	log := d.log.With("id", id)
	st := d.st.Load()
	rcpts := make([]int, len(fs))
	for i, f := range fs {
		rcpts[i] = f.Recipient
	}
	m, body, err := d.q.Inspect(id)
	if errors.Is(err, queue.ErrNotFound) {
		return true // deleted by an operator meanwhile
	}
	var o ndrOutcome
	switch {
	case err != nil:
		o.dead = "spool unreadable, no report built: " + err.Error()
	case m.Kind == queue.KindP1:
		o = d.ndrP1(st, &m, body, fs)
	case m.Kind == queue.KindSMTP:
		o = d.ndrSMTP(st, &m, body, fs)
	default:
		o.dead = fmt.Sprintf("unknown kind %q, no report built", m.Kind)
	}
	if o.dead != "" {
		if err := d.q.MarkDead(id, o.dead, rcpts...); err != nil {
			log.Error("mark dead", "err", err)
			return false
		}
		log.Error("no non-delivery report: recipients dead, kept for operators", "reason", o.dead, "rcpts", rcpts)
		if m.ID != "" {
			d.recordDead(&m, o.dead, rcpts)
		}
		d.signal(id)
		return true
	}
	if o.item != nil {
		rid, dup, err := d.q.Put(ctx, o.item, o.body)
		if err != nil {
			log.Error("non-delivery report not spooled, tried again later", "err", err)
			return false
		}
		typ := "dsn"
		if o.item.Kind == queue.KindP1 {
			typ = "dr"
		}
		var ar []audit.Recipient
		for _, qi := range rcpts {
			ar = append(ar, queueRecipient(&m, qi))
		}
		if err := d.recordReportSent(&m, typ, false, rid, ar, ""); err != nil {
			return false // tried again: the report's Put is then a duplicate
		}
		log.Info("non-delivery report spooled", "report", rid, "dup", dup, "kind", o.item.Kind,
			"to", o.item.Recipients[0].Address, "hop", o.item.Recipients[0].NextHop, "rcpts", rcpts)
	} else {
		log.Info("no non-delivery report requested", "rcpts", rcpts)
	}
	if err := d.q.Reported(id, rcpts...); err != nil && !errors.Is(err, queue.ErrNotFound) {
		log.Error("report not recorded", "err", err)
		return false
	}
	d.signal(id)
	return true
}

// nonDelivery is the X.411 non-delivery reason and diagnostic of a failed
// recipient (X.411 §8.3.1.2.1.10-11): those of its last attempt, else the
// mapping of its enhanced status (RFC 2156 §5.1.8.4).
func nonDelivery(f *queue.Failure) *x400.NonDeliveryReport {
	if f.Last != nil && f.Last.X411 != nil {
		nd := &x400.NonDeliveryReport{Reason: x400.NonDeliveryReason(f.Last.X411.Reason)}
		if f.Last.X411.HasDiag {
			dc := x400.DiagnosticCode(f.Last.X411.Diagnostic)
			nd.Diagnostic = &dc
		}
		return nd
	}
	status := "5.0.0"
	if f.Last != nil && f.Last.Enhanced != "" {
		status = f.Last.Enhanced
	}
	r, dc := reports.NonDeliveryOfStatus(status)
	return &x400.NonDeliveryReport{Reason: r, Diagnostic: dc}
}

// supplementary is the failure's text as X.411 supplementary-information
// (PrintableString-like, at most ub-supplementary-info-length, 256).
//
// Only a next hop's own reply (an SMTP code) is passed on to the
// originator; a local error (connection, TLS, spool) would show our
// internals: it gets a fixed text by stage, the detail stays in the log
// and the admin view.
func supplementary(f *queue.Failure) string {
	s := f.Reason
	if f.Last != nil {
		switch {
		case f.Last.Code != 0 && f.Last.Text != "":
			s = f.Last.Text
		case f.Last.Stage == queue.StageConnect:
			s = "the next hop could not be reached"
		case f.Last.X411 != nil && f.Last.Text != "" && f.Last.Result == queue.ResultInvalid:
			// The gateway's own verdict (no route, conversion): what
			// failed, not the detail (parser and encoder texts) that the
			// attempt keeps for the operators.
			s = f.Last.Text
			if i := strings.Index(s, " at the MIXER gateway: "); i >= 0 {
				s = s[:i+len(" at the MIXER gateway")]
			}
		default:
			s = "delivery failed at the " + string(f.Last.Stage) + " stage"
		}
	}
	// A PrintableString of at most 256 characters (X.411 §12.2.1.3.1):
	// an SMTP reply's "<bob@example.org>" would make the report
	// unencodable.
	return reports.SupplementaryInfo(s)
}

// ndrKey is the local identifier of the report on failures fs of message
// id (reportKey): the same when the report is built again after a crash.
func ndrKey(id string, fs []queue.Failure) string {
	idx := make([]int, len(fs))
	for i, f := range fs {
		idx[i] = f.Recipient
	}
	return reportKey("ndr", id, idx)
}

func reportPrecedence(p x400.Precedence) x400.Precedence {
	if queue.Lane(p) > x400.PrecedenceImmediate {
		return queue.Lane(p)
	}
	return x400.PrecedenceImmediate
}

// ndrP1 builds the X.400 non-delivery report (X.411 §12.2.1.3) on a
// message that came in by P1, to its originator, for the failed recipients
// whose per-recipient indicators ask for one. A report is never made on a
// report (X.411 §12.2.1.3); a probe's failures are not reported yet.
func (d *Daemon) ndrP1(st *state, m *queue.Message, body []byte, fs []queue.Failure) ndrOutcome {
	apdu, err := x400.DecodeMTSAPDU(body, nil)
	if err != nil {
		return ndrOutcome{dead: "spooled APDU unusable, no report built: " + err.Error()}
	}
	var env p1Envelope
	if err := json.Unmarshal(m.Envelope, &env); err != nil {
		return ndrOutcome{dead: "spooled envelope unusable, no report built: " + err.Error()}
	}
	if apdu.Probe != nil {
		return d.ndrProbe(st, m, apdu.Probe, &env, fs)
	}
	if apdu.Message == nil {
		return ndrOutcome{dead: "undeliverable " + p1.Kind(apdu) + ": no report is made on it"}
	}
	e := &apdu.Message.Envelope
	var items []reports.NonDelivered
	for i := range fs {
		f := &fs[i]
		if f.Recipient < 0 || f.Recipient >= len(env.Fields) || env.Fields[f.Recipient] >= len(e.PerRecipientFields) {
			return ndrOutcome{dead: fmt.Sprintf("recipient %d not in the spooled envelope, no report built", f.Recipient)}
		}
		items = append(items, reports.NonDelivered{Field: env.Fields[f.Recipient], Report: *nonDelivery(f), Text: supplementary(f)})
	}
	rpt, ok := reports.NonDeliveryReport(reporting(st, ndrKey(m.ID, fs)), e, apdu.Message.Content, items, m.Arrival)
	if !ok {
		return ndrOutcome{}
	}
	item, raw, why := d.reportItem(st, rpt, m, "ndr")
	return ndrOutcome{item: item, body: raw, dead: why}
}

// ndrProbe answers a probe on the recipients the gateway cannot reach
// (no route, or they failed): a report with their non-delivery elements
// (X.411 §12.2.1.2, RFC 2156 §5.3.9), when the probe asked for one.
func (d *Daemon) ndrProbe(st *state, m *queue.Message, p *x400.ProbeTransferEnvelope, env *p1Envelope, fs []queue.Failure) ndrOutcome {
	var outs []reports.ProbeOutcome
	for i := range fs {
		f := &fs[i]
		if f.Recipient < 0 || f.Recipient >= len(env.Fields) {
			return ndrOutcome{dead: fmt.Sprintf("recipient %d not in the spooled envelope, no report built", f.Recipient)}
		}
		nd := nonDelivery(f)
		outs = append(outs, reports.ProbeOutcome{Field: env.Fields[f.Recipient], Reason: nd.Reason, Diagnostic: nd.Diagnostic,
			Text: supplementary(f)})
	}
	rpt, ok := reports.ProbeReport(reporting(st, ndrKey(m.ID, fs)), p, outs, m.Arrival, time.Now())
	if !ok {
		return ndrOutcome{}
	}
	item, raw, why := d.reportItem(st, rpt, m, "ndr")
	return ndrOutcome{item: item, body: raw, dead: why}
}

// reportItem is the queue item of an X.400 report the gateway made on
// message subject (via: "ndr", "probe", "relayed"): routed to its
// report-destination-name, encoded (the trace element of this MTA is
// added when it is transferred, toP1, as for every APDU that leaves). why
// says what stopped it, "" when the item is made.
func (d *Daemon) reportItem(st *state, rpt *x400.Report, subject *queue.Message, via string) (item *queue.Message, raw []byte, why string) {
	dest := &rpt.Envelope.ReportDestinationName
	hop, noRoute := d.routeOR(st, &dest.ORAddress)
	if hop == hopNone {
		return nil, nil, "no route for the report to " + dest.String() + ": " + noRoute
	}
	raw, err := (&x400.MTSAPDU{Report: rpt}).Marshal()
	if err != nil {
		return nil, nil, "report not encodable: " + err.Error()
	}
	rcpts := []queue.Recipient{{Address: dest.String(), NextHop: hop}}
	item = &queue.Message{Kind: queue.KindP1, Source: queue.Source{Protocol: via, Peer: subject.ID},
		Precedence: reportPrecedence(subject.Precedence),
		MTSID:      "report " + rpt.Envelope.ReportIdentifier.String() + " " + rcptKey(rcpts), Recipients: rcpts}
	item.Envelope, _ = json.Marshal(p1Envelope{Fields: []int{0}})
	return item, raw, ""
}

// ndrSMTP builds the DSN (RFC 3464, RFC 6522) on a message that came in by
// SMTP, to its MAIL FROM, for the failed recipients whose NOTIFY asks for
// FAILURE or who had no NOTIFY (RFC 3461 §4.1): an X.400 report made as for
// P1 and converted by reports.DRToDSN (RFC 2156 §5.3.8), sent with MAIL
// FROM:<> (RFC 3461 §6.2). None on a null reverse-path or on a DSN or MDN
// (RFC 3461 §6.2, RFC 5321 §4.5.5): those recipients are kept dead for the
// operators. The message is returned per its RET (reports.Subject.Returned).
func (d *Daemon) ndrSMTP(st *state, m *queue.Message, body []byte, fs []queue.Failure) ndrOutcome {
	var se smtpEnvelope
	if err := json.Unmarshal(m.Envelope, &se); err != nil {
		return ndrOutcome{dead: "spooled envelope unusable, no report built: " + err.Error()}
	}
	h, _, _ := mixer.ParseHeader(body, mixer.HeaderLimits{})
	if reports.IsAcknowledgement(&mixer.SMTPMessage{Envelope: se.Env, Header: h}) {
		return ndrOutcome{dead: "undeliverable message with a null reverse-path or a delivery/disposition notification: no report is made on it"}
	}
	var items []dsnItem
	for i := range fs {
		f := &fs[i]
		if f.Recipient < 0 || f.Recipient >= len(se.Env.Recipients) {
			return ndrOutcome{dead: fmt.Sprintf("recipient %d not in the spooled envelope, no report built", f.Recipient)}
		}
		rc := &se.Env.Recipients[f.Recipient]
		if rc.Notify != 0 && (rc.Notify&mixer.NotifyNever != 0 || rc.Notify&mixer.NotifyFailure == 0) {
			continue
		}
		items = append(items, dsnItem{index: f.Recipient, at: se.Received,
			rt: x400.ReportType{NonDelivery: nonDelivery(f)}, suppl: supplementary(f)})
	}
	return d.smtpDSN(st, m, &se, body, ndrKey(m.ID, fs), items)
}

// dsnItem is one recipient of a DSN the gateway makes on an SMTP message:
// its index in the envelope, the delivery or non-delivery, when, the
// supplementary text, and whether it was relayed to a hop without DSN.
type dsnItem struct {
	index   int
	at      time.Time
	rt      x400.ReportType
	suppl   string
	relayed bool
}

// smtpDSN builds the DSN (RFC 3464, RFC 6522) the gateway makes on the
// recipients items of message m (envelope se, bytes body), to its MAIL
// FROM: an X.400 report made for them, converted by reports.DRToDSN (RFC
// 2156 §5.3.8), sent with MAIL FROM:<> (RFC 3461 §6.2), with the message
// returned per its RET. No items: none.
func (d *Daemon) smtpDSN(st *state, m *queue.Message, se *smtpEnvelope, body []byte, key string, items []dsnItem) ndrOutcome {
	if len(items) == 0 {
		return ndrOutcome{}
	}
	now := time.Now().UTC().Truncate(time.Second)
	subj := &reports.Subject{MTSIdentifier: x400.MTSIdentifier{GlobalDomainIdentifier: st.pol.Gateway.GDI, LocalIdentifier: key},
		EnvID: se.Env.EnvID, OriginatorAddress: se.Env.MailFrom, Ret: se.Env.Ret, Returned: body}
	rpt := &x400.Report{Envelope: x400.ReportTransferEnvelope{
		ReportIdentifier: x400.MTSIdentifier{GlobalDomainIdentifier: st.pol.Gateway.GDI, LocalIdentifier: key},
		TraceInformation: x400.TraceInformation{trace(st)}},
		Content: x400.ReportTransferContent{SubjectIdentifier: subj.MTSIdentifier}}
	if mb, err := mixer.ParseMailbox(se.Env.MailFrom); err == nil {
		if a, err := st.gw.RFC822ToORAddress(mb); err == nil {
			rpt.Envelope.ReportDestinationName = x400.ORName{ORAddress: a}
		}
	}
	for _, it := range items {
		rc := &se.Env.Recipients[it.index]
		var name x400.ORName
		if mb, err := mixer.ParseMailbox(rc.Address); err == nil {
			if a, err := st.gw.RFC822ToORAddress(mb); err == nil {
				name = x400.ORName{ORAddress: a}
			}
		}
		n := it.index + 1
		subj.Recipients = append(subj.Recipients, reports.SubjectRecipient{Number: n, Name: name, Address: rc.Address,
			ORcptType: rc.ORcptType, ORcpt: rc.ORcpt, Notify: rc.Notify, Relayed: it.relayed})
		ind := x400.PerRecipientOriginatorNonDeliveryReport
		if it.rt.Delivery != nil {
			ind |= x400.PerRecipientOriginatorReport
		}
		rpt.Content.PerRecipientFields = append(rpt.Content.PerRecipientFields, x400.PerRecipientReportTransferFields{
			ActualRecipientName:                name,
			OriginallySpecifiedRecipientNumber: n,
			PerRecipientIndicators:             ind,
			LastTraceInformation:               x400.LastTraceInformation{ArrivalTime: it.at, ReportType: it.rt},
			SupplementaryInformation:           it.suppl,
		})
	}
	sm, err := reports.DRToDSN(st.gw, rpt, subj, nil)
	if errors.Is(err, reports.ErrNotRequested) {
		return ndrOutcome{}
	}
	if err != nil {
		return ndrOutcome{dead: "DSN not built: " + err.Error()}
	}
	if len(sm.Envelope.Recipients) != 1 {
		return ndrOutcome{dead: fmt.Sprintf("DSN with %d recipients", len(sm.Envelope.Recipients))}
	}
	to := sm.Envelope.Recipients[0].Address
	hop, why := d.routeSMTP(st, to)
	if hop == hopNone {
		return ndrOutcome{dead: "no route for the DSN to " + to + ": " + why}
	}
	rcpts := []queue.Recipient{{Address: to, NextHop: hop}}
	item := &queue.Message{Kind: queue.KindSMTP, Source: queue.Source{Protocol: "ndr", Peer: m.ID},
		Precedence: reportPrecedence(m.Precedence), Originator: "<>",
		MessageID:  "<" + key + "@" + st.pol.Gateway.SMTPHostname + "> " + rcptKey(rcpts),
		Recipients: rcpts}
	out := smtpEnvelope{Env: sm.Envelope, Helo: st.pol.Gateway.SMTPHostname, Remote: "127.0.0.1", Received: now}
	if item.Envelope, err = json.Marshal(out); err != nil {
		return ndrOutcome{dead: "DSN envelope: " + err.Error()}
	}
	return ndrOutcome{item: item, body: sm.Bytes()}
}
