package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"mixerd/audit"
	"mixerd/mixer"
	"mixerd/policy"
	"mixerd/queue"
	"mixerd/reports"
	"mixerd/x400"
)

// The audit log (package audit, docs/AUDIT.md) gets a record for every
// event of a message's life, durable with the queue's own state change:
// the arrival with the spooled message (queue.PutWith), the attempt's
// records (converted, departed, deferred, failed, and the acknowledgements
// an attempt handled) with its results (queue.ReportWith), each written to
// the log without waiting and its copy kept in the spool's record (see
// side below). Rarer events (a duplicate, dead recipients, a report made
// on failures) are appended and waited for.

// openAudit opens the audit log of p and rebuilds the correlation index
// from the departures of the last correlation window.
func (d *Daemon) openAudit(p *policy.Policy) error {
	l, err := audit.Open(audit.Config{Dir: p.Audit.LogDirectory, Gateway: p.Gateway.MTAName,
		RotateSize: p.Audit.RotateSize, RotateAge: p.Audit.RotateAge, Keep: p.Audit.Keep,
		Logger: d.log.With("area", "audit")})
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	start := time.Now()
	x, err := audit.BuildIndex(l, p.Audit.CorrelationWindow, start)
	if err != nil {
		l.Close()
		return fmt.Errorf("audit log: correlation index: %w", err)
	}
	d.audit, d.index = l, x
	d.log.Info("audit log open", "dir", p.Audit.LogDirectory, "seq", l.LastSeq(), "correlation_entries", x.Len(),
		"took", time.Since(start).Round(time.Millisecond))
	return nil
}

// record appends records to the audit log; with correlate, the
// departures go to the correlation index (those of acknowledgements too:
// a report on one is recognised as such, recorded and not passed on).
func (d *Daemon) record(correlate bool, recs ...*audit.Record) error {
	if len(recs) == 0 {
		return nil
	}
	recs = splitRecords(recs)
	locs, err := d.audit.Append(recs...)
	if err != nil {
		d.log.Error("audit log append failed", "err", err)
		return err
	}
	if correlate {
		for i, r := range recs {
			if r.Event == audit.EventDeparted {
				d.index.Add(r, locs[i])
			}
		}
	}
	return nil
}

// The hot path writes its audit records without waiting for their
// fdatasync (audit.Log.Write) and hands a copy to the spool (queue.Side),
// which makes it durable with the state change itself, in the spool's own
// fdatasync: the records are never missing for something that happened,
// and a message costs the spool's fdatasyncs only. The audit log is synced
// every second, before the spool removes a segment (which drops its
// copies), and at shutdown. After a crash, Open hands back the copies
// whose records the log lost (their sequence numbers past its last), and
// recoverSides writes them again.

// rcptsPerRecord bounds the recipients of one audit record, so that a
// message to thousands of recipients stays within the log's line limit
// (1 MiB): its records are split, each with the same fields. With each
// recipient's attempt text clipped to attemptTextMax valid UTF-8 bytes
// (auditText), a record stays under a quarter of the limit.
const rcptsPerRecord = 200

// splitRecords returns recs with every record of more than
// rcptsPerRecord recipients split into several.
func splitRecords(recs []*audit.Record) []*audit.Record {
	big := false
	for _, r := range recs {
		big = big || len(r.Recipients) > rcptsPerRecord
	}
	if !big {
		return recs
	}
	var out []*audit.Record
	for _, r := range recs {
		if len(r.Recipients) <= rcptsPerRecord {
			out = append(out, r)
			continue
		}
		for i := 0; i < len(r.Recipients); i += rcptsPerRecord {
			c := *r
			c.Recipients = r.Recipients[i:min(i+rcptsPerRecord, len(r.Recipients))]
			out = append(out, &c)
		}
	}
	return out
}

// side writes recs to the audit log (not yet durable) and returns their
// copy for the spool; correlate adds the departures to the index.
func (d *Daemon) side(correlate bool, recs ...*audit.Record) (queue.Side, error) {
	if len(recs) == 0 {
		return queue.Side{}, nil
	}
	recs = splitRecords(recs)
	locs, data, err := d.audit.WriteCopy(recs...)
	if err != nil {
		d.log.Error("audit log write failed", "err", err)
		return queue.Side{}, err
	}
	if correlate {
		for i, r := range recs {
			if r.Event == audit.EventDeparted {
				d.index.Add(r, locs[i])
			}
		}
	}
	return queue.Side{Tag: recs[len(recs)-1].Seq, Data: data}, nil
}

// arrivalHook is the queue.PutWith hook that writes rec (an arrival) with
// the ID the message gets, its copy spooled with the message.
func (d *Daemon) arrivalHook(rec *audit.Record) queue.PutHook {
	return func(id string) (queue.Side, func() error, error) {
		rec.ID = id
		s, err := d.side(false, rec)
		return s, nil, err
	}
}

// recordDuplicate records that a message arrived again (not spooled).
func (d *Daemon) recordDuplicate(rec *audit.Record, id string) error {
	dup := *rec
	dup.Event, dup.ID = audit.EventDuplicate, id
	return d.record(false, &dup)
}

// lostSides collects, while the spool opens, the copies of records the
// audit log lost (past its last sequence number, last).
type lostSides struct {
	last uint64
	max  uint64
	recs []*audit.Record
	seen map[uint64]bool
	bad  int
}

func (ls *lostSides) add(s queue.Side) {
	if s.Tag <= ls.last {
		return
	}
	ls.max = max(ls.max, s.Tag)
	var recs []*audit.Record
	if err := json.Unmarshal(s.Data, &recs); err != nil {
		ls.bad++
		return
	}
	for _, r := range recs {
		if r == nil || r.Seq <= ls.last || ls.seen[r.Seq] {
			continue // durable in the log, or a second copy (compaction)
		}
		if ls.seen == nil {
			ls.seen = map[uint64]bool{}
		}
		ls.seen[r.Seq] = true
		ls.recs = append(ls.recs, r)
	}
}

// recoverSides writes again the records a crash took from the audit log,
// in their order, with new numbers past every number handed out before.
func (d *Daemon) recoverSides(ls *lostSides) error {
	if ls.bad > 0 {
		d.log.Error("audit record copies in the spool unreadable", "count", ls.bad)
		ls.bad = 0
	}
	if len(ls.recs) == 0 {
		return nil
	}
	sort.SliceStable(ls.recs, func(i, j int) bool { return ls.recs[i].Seq < ls.recs[j].Seq })
	d.audit.SkipTo(ls.max)
	for _, r := range ls.recs {
		if r.Text == "" {
			r.Text = "written again at start-up from the spool: the crash before took it from the log"
		}
	}
	locs, err := d.audit.Append(ls.recs...)
	if err != nil {
		return err
	}
	for i, r := range ls.recs {
		if r.Event == audit.EventDeparted {
			d.index.Add(r, locs[i])
		}
	}
	d.log.Warn("audit records lost in a crash written again from the spool", "records", len(ls.recs))
	ls.recs, ls.seen, ls.last = nil, nil, d.audit.LastSeq()
	return nil
}

// p1Arrival is the arrival record of an MTS-APDU (its envelope's keys).
func p1Arrival(apdu *x400.MTSAPDU, m *queue.Message, from string, env *p1Envelope) *audit.Record {
	rec := &audit.Record{Event: audit.EventArrived, Precedence: m.Precedence.String(), Protocol: "p1", Peer: from}
	switch {
	case apdu.Message != nil:
		e := &apdu.Message.Envelope
		rec.Kind, rec.Keys = "message", p1Keys(e)
		for qi, fi := range env.Fields {
			rec.Recipients = append(rec.Recipients, p1Recipient(qi, &e.PerRecipientFields[fi]))
		}
	case apdu.Probe != nil:
		e := apdu.Probe
		rec.Kind = "probe"
		rec.Keys = audit.Keys{MTSID: e.ProbeIdentifier.String(), Originator: e.OriginatorName.ORAddress.String()}
		for qi, fi := range env.Fields {
			rf := &e.PerRecipientFields[fi]
			rec.Recipients = append(rec.Recipients, audit.Recipient{Index: qi, Number: rf.OriginallySpecifiedRecipientNumber,
				X400: rf.RecipientName.ORAddress.String(), Indicators: uint32(rf.PerRecipientIndicators),
				Reports: reportsOfIndicators(rf.PerRecipientIndicators)})
		}
	case apdu.Report != nil:
		e := &apdu.Report.Envelope
		rec.Kind = "report"
		rec.Keys = audit.Keys{MTSID: e.ReportIdentifier.String()}
		rec.Recipients = []audit.Recipient{{X400: e.ReportDestinationName.ORAddress.String()}}
		rec.Ack = &audit.Ack{Type: "dr", Subject: audit.Keys{MTSID: apdu.Report.Content.SubjectIdentifier.String()}}
	}
	return rec
}

// p1Keys are the correlation keys of a P1 message's envelope.
func p1Keys(e *x400.MessageTransferEnvelope) audit.Keys {
	k := audit.Keys{MTSID: e.MessageIdentifier.String(), Originator: e.OriginatorName.ORAddress.String(),
		ReturnContent: e.PerMessageIndicators&x400.PerMessageContentReturnRequest != 0,
		ContentType:   mixer.FormatContentType(e.ContentType)}
	if c, err := e.Extensions.ContentCorrelator(); err == nil && c != nil && c.Octets == nil {
		k.ContentCorrelator = c.IA5Text
	}
	return k
}

// p1Recipient is the audit form of recipient qi of a P1 envelope.
func p1Recipient(qi int, rf *x400.PerRecipientTransferFields) audit.Recipient {
	return audit.Recipient{Index: qi, Number: rf.OriginallySpecifiedRecipientNumber,
		X400: rf.RecipientName.ORAddress.String(), Indicators: uint32(rf.PerRecipientIndicators),
		Reports: reportsOfIndicators(rf.PerRecipientIndicators)}
}

// bothWorlds is the audit form of a recipient that has both an X.400
// per-recipient field and an SMTP RCPT (a message converted either way):
// its read reports are asked for when the Internet side has a
// Disposition-Notification-To (dnt), which the X.400 side's rn/nrn map to.
func bothWorlds(qi int, rf *x400.PerRecipientTransferFields, rc *mixer.SMTPRecipient, dnt string) audit.Recipient {
	r := p1Recipient(qi, rf)
	r.SMTP, r.ORcptType, r.ORcpt = rc.Address, rc.ORcptType, rc.ORcpt
	if rc.Notify != 0 {
		r.Notify = rc.Notify.String()
	}
	r.ReadReports = "none"
	if dnt != "" {
		r.ReadReports = "all"
	}
	return r
}

// reportsOfIndicators says which delivery reports per-recipient
// indicators ask for (X.411 §12.2.1.1.1.6): "all" with a report bit (a
// report: delivery or non-delivery), "failure" with a non-delivery
// report bit only, "none" else.
func reportsOfIndicators(ind x400.PerRecipientIndicators) string {
	switch {
	case reports.WantsDeliveryReport(ind):
		return "all"
	case reports.WantsNonDeliveryReport(ind):
		return "failure"
	}
	return "none"
}

// reportsOfNotify is the same for a DSN NOTIFY parameter (RFC 3461 §4.1:
// absent is FAILURE and DELAY at the MTA's choice).
func reportsOfNotify(n mixer.Notify) string {
	switch {
	case n == 0:
		return "failure"
	case n&mixer.NotifyNever != 0:
		return "none"
	case n&mixer.NotifySuccess != 0:
		return "all"
	case n&mixer.NotifyFailure != 0:
		return "failure"
	}
	return "none"
}

// smtpArrival is the arrival record of an SMTP message.
func smtpArrival(env *mixer.SMTPEnvelope, h mixer.Header, m *queue.Message, remote, kind string) *audit.Record {
	rec := &audit.Record{Event: audit.EventArrived, Kind: kind, Precedence: m.Precedence.String(), Protocol: "smtp",
		Peer: remote, Keys: smtpKeys(env, h)}
	for i := range env.Recipients {
		rec.Recipients = append(rec.Recipients, smtpRecipient(i, &env.Recipients[i], h))
	}
	return rec
}

// smtpKeys are the correlation keys of an SMTP message.
func smtpKeys(env *mixer.SMTPEnvelope, h mixer.Header) audit.Keys {
	k := audit.Keys{EnvID: env.EnvID, OriginatorSMTP: env.MailFrom, Ret: env.Ret}
	if v, ok := h.Get("Message-ID"); ok {
		k.MessageID = strings.TrimSpace(v)
	}
	if v, ok := h.Get("Disposition-Notification-To"); ok {
		k.DispositionTo = strings.TrimSpace(v)
	}
	return k
}

// smtpRecipient is the audit form of RCPT i.
func smtpRecipient(i int, rc *mixer.SMTPRecipient, h mixer.Header) audit.Recipient {
	r := audit.Recipient{Index: i, SMTP: rc.Address, ORcptType: rc.ORcptType, ORcpt: rc.ORcpt,
		Reports: reportsOfNotify(rc.Notify), ReadReports: "none"}
	if rc.Notify != 0 {
		r.Notify = rc.Notify.String()
	}
	if _, ok := h.Get("Disposition-Notification-To"); ok {
		r.ReadReports = "all"
	}
	return r
}

// ackKind is the audit kind of an SMTP message: "dsn" or "mdn" for the
// acknowledgements (reports.Kind), "message" else.
func ackKind(h mixer.Header) string {
	if k := reports.Kind(h); k != "" {
		return k
	}
	return "message"
}

// conversionSummary is the audit form of a conversion report.
func conversionSummary(dir string, rep *mixer.Report) *audit.Conversion {
	c := &audit.Conversion{Direction: dir}
	for _, it := range rep.Items {
		switch it.Disposition {
		case mixer.Mapped:
			c.Mapped++
		case mixer.Carried:
			c.Carried++
		case mixer.Dropped:
			c.Dropped++
			if len(c.Drops) < 32 {
				c.Drops = append(c.Drops, it.From+": "+it.Note)
			}
		}
	}
	return c
}

// attemptRecords are the audit records of one attempt on lease l: the
// conversion, then one record per outcome (departed, deferred, failed),
// then the acknowledgements the attempt handled (o.acks).
func (d *Daemon) attemptRecords(l *queue.Lease, o *outcome) []*audit.Record {
	m := l.Message
	base := audit.Record{ID: m.ID, Kind: o.kind, Precedence: m.Precedence.String(), Peer: l.Hop, Keys: o.keys}
	if base.Kind == "" {
		base.Kind = "message"
	}
	switch {
	case strings.HasPrefix(l.Hop, "p1:"):
		base.Protocol = "p1"
	case strings.HasPrefix(l.Hop, "smtp:"):
		base.Protocol = "smtp"
	}
	var recs []*audit.Record
	if o.conv != nil {
		r := base
		r.Event, r.Conversion = audit.EventConverted, o.conv
		for _, qi := range l.Recipients {
			r.Recipients = append(r.Recipients, o.recipient(m, qi))
		}
		recs = append(recs, &r)
	}
	byEvent := map[audit.Event]*audit.Record{}
	for _, res := range o.res {
		ev := audit.EventDeparted
		switch res.Disposition {
		case queue.Transient:
			ev = audit.EventDeferred
		case queue.Permanent:
			ev = audit.EventFailed
		}
		r := byEvent[ev]
		if r == nil {
			r = new(audit.Record)
			*r = base
			r.Event = ev
			byEvent[ev] = r
			recs = append(recs, r)
		}
		ar := o.recipient(m, res.Index)
		a := res.Attempt
		a.Text = auditText(a.Text)
		ar.Attempt = &a
		r.Recipients = append(r.Recipients, ar)
	}
	// The acknowledgements an attempt handled are recorded once, when
	// their fate is known: not at each transient failure of the
	// converted one's transfer; "forwarded" only when it left.
	final, left := true, len(o.res) > 0
	for _, res := range o.res {
		final = final && res.Disposition != queue.Transient
		left = left && res.Disposition == queue.Delivered
	}
	if !final {
		return recs
	}
	for _, a := range o.acks {
		if a.Ack != nil && !left {
			a.Ack.Forwarded = ""
		}
	}
	return append(recs, o.acks...)
}

// recipient is queue recipient qi as the attempt saw it: the details the
// conversion gave, else what the queue knows.
func (o *outcome) recipient(m *queue.Message, qi int) audit.Recipient {
	if r, ok := o.rcpts[qi]; ok {
		return r
	}
	return queueRecipient(m, qi)
}

// queueRecipient is queue recipient qi as the queue knows it.
func queueRecipient(m *queue.Message, qi int) audit.Recipient {
	r := audit.Recipient{Index: qi}
	if qi >= 0 && qi < len(m.Recipients) {
		if m.Kind == queue.KindSMTP {
			r.SMTP = m.Recipients[qi].Address
		} else {
			r.X400 = m.Recipients[qi].Address
		}
	}
	return r
}

// setRecipient records the details of queue recipient qi for the audit.
func (o *outcome) setRecipient(qi int, r audit.Recipient) {
	if o.rcpts == nil {
		o.rcpts = map[int]audit.Recipient{}
	}
	r.Index = qi
	o.rcpts[qi] = r
}

// recordReportSent records a report the gateway made on message id's
// recipients (a non-delivery report or DSN, a relayed delivery report, a
// probe's answer), spooled as report.
func (d *Daemon) recordReportSent(subject *queue.Message, typ string, positive bool, report string, rcpts []audit.Recipient, text string) error {
	rec := &audit.Record{Event: audit.EventReportSent, ID: subject.ID, Kind: kindOf(subject),
		Precedence: subject.Precedence.String(), Recipients: rcpts,
		Ack: &audit.Ack{Type: typ, Positive: positive, Matched: true, SubjectID: subject.ID, Forwarded: report, Text: text}}
	return d.record(false, rec)
}

// recordDead records recipients made dead.
func (d *Daemon) recordDead(m *queue.Message, why string, idx []int) {
	rec := &audit.Record{Event: audit.EventDead, ID: m.ID, Kind: kindOf(m), Precedence: m.Precedence.String(), Text: why}
	for _, qi := range idx {
		rec.Recipients = append(rec.Recipients, queueRecipient(m, qi))
	}
	if err := d.record(false, rec); err != nil && !errors.Is(err, audit.ErrClosed) {
		d.log.Error("dead recipients not recorded in the audit log", "id", m.ID, "err", err)
	}
}

// kindOf is the audit kind of a queued message as far as the queue knows.
func kindOf(m *queue.Message) string {
	switch {
	case strings.HasPrefix(m.MTSID, "report "):
		return "report"
	case strings.HasPrefix(m.MTSID, "probe "):
		return "probe"
	}
	return "message"
}

// syncLoop makes the audit log durable every second, so that what the
// spool must keep for it stays small and `mixerd track` sees it soon.
func (d *Daemon) syncLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := d.audit.Sync(); err != nil && !errors.Is(err, audit.ErrClosed) {
				d.log.Error("audit log sync failed", "err", err)
			}
		}
	}
}

// pruneLoop drops the departures older than the correlation window from
// the index, hourly, so that its memory stays bounded by the window.
func (d *Daemon) pruneLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			before := d.index.Len()
			d.index.Prune(now)
			d.log.Info("correlation index pruned", "entries", d.index.Len(), "dropped", before-d.index.Len())
		}
	}
}

// attemptTextMax bounds a peer's text in an audit record (the spool keeps
// up to 1,000 bytes of it).
const attemptTextMax = 300

// auditText is a peer's text for the audit log: valid UTF-8 (an invalid
// byte would be written as a six-byte escape), at most attemptTextMax
// bytes.
func auditText(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if len(s) > attemptTextMax {
		s = strings.ToValidUTF8(s[:attemptTextMax], "")
	}
	return s
}
