package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"mixerd/audit"
	"mixerd/mixer"
	"mixerd/osi"
	"mixerd/p1"
	"mixerd/queue"
	"mixerd/reports"
	"mixerd/smtp"
	"mixerd/x400"
)

// worker leases work at or above lane min until ctx is done. Each lease
// is worked with dctx, which outlives ctx by the shutdown grace period, so
// that a transfer under way when the daemon is told to stop finishes and
// is recorded instead of being sent again after the restart.
func (d *Daemon) worker(ctx, dctx context.Context, min x400.Precedence) {
	for ctx.Err() == nil {
		l, err := d.q.Next(ctx, min)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, queue.ErrClosed) {
				return
			}
			d.log.Error("queue", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		d.handle(dctx, l)
		d.signal(l.Message.ID)
	}
}

// outcome is what became of the leased recipients in one attempt.
type outcome struct {
	res []queue.RecipientResult
	// dead are recipients to mark dead after their permanent failure,
	// with the reason.
	dead       []int
	deadReason string

	// For the audit log (audit.go): the kind of what left ("" is a
	// message; "dsn", "mdn", "report", "ipn" for acknowledgements), its
	// correlation keys as it left, the leased recipients' details by
	// queue index, the conversion, and the records of the
	// acknowledgements the attempt handled (ackpath.go).
	kind  string
	keys  audit.Keys
	rcpts map[int]audit.Recipient
	conv  *audit.Conversion
	acks  []*audit.Record
	// report is a report the attempt made (a probe's answer, the
	// delivery report of recipients relayed to an SMTP hop without DSN),
	// spooled before the attempt is reported.
	report *spoolItem
}

// spoolItem is a report to spool: its queue item and bytes, and for the
// audit its type ("dr", "dsn") and whether it is positive, on which of
// the lease's recipients.
type spoolItem struct {
	item     *queue.Message
	body     []byte
	typ      string
	positive bool
	rcpts    []int
}

// handle makes one attempt for a lease and reports it. When ctx ends
// during the attempt (the shutdown grace period is over) the lease is
// abandoned: its recipients are pending again (at the next start).
func (d *Daemon) handle(ctx context.Context, l *queue.Lease) {
	log := d.log.With("id", l.Message.ID, "hop", l.Hop, "lane", l.Lane)
	st := d.st.Load()
	body, envb, err := d.q.Body(l)
	if err != nil {
		log.Error("spool read failed", "err", err)
		d.q.Abandon(l)
		return
	}
	var o outcome
	switch {
	case l.Hop == hopNone:
		o = d.all(l, queue.Permanent, queue.Attempt{Stage: queue.StageEnvelope, Result: queue.ResultInvalid,
			Enhanced: "5.4.4", X411: &queue.X411{Reason: int(x400.ReasonUnableToTransfer),
				Diagnostic: int(x400.DiagnosticUnrecognisedORName), HasDiag: true},
			Text: "no route to this recipient"})
	case strings.HasPrefix(l.Hop, "p1:"):
		o = d.toP1(ctx, st, l, body, envb)
	case strings.HasPrefix(l.Hop, "smtp:"):
		o = d.toSMTP(ctx, st, l, body, envb)
	default:
		o = d.all(l, queue.Transient, queue.Attempt{Stage: queue.StageConnect, Result: queue.ResultError,
			Text: "unknown next hop " + l.Hop})
	}
	if ctx.Err() != nil {
		log.Info("shutting down: lease abandoned, pending again at the next start")
		d.q.Abandon(l)
		return
	}
	now := time.Now()
	for i := range o.res {
		o.res[i].Attempt.Time = now
		o.res[i].Attempt.NextHop = l.Hop
		o.res[i].Attempt.Text = clip(o.res[i].Attempt.Text)
	}
	if r := o.report; r != nil {
		rid, dup, err := d.q.Put(ctx, r.item, r.body)
		if err != nil {
			log.Error("report not spooled, lease abandoned", "err", err)
			d.q.Abandon(l)
			return
		}
		log.Info("report spooled", "report", rid, "dup", dup, "type", r.typ, "positive", r.positive,
			"to", r.item.Recipients[0].Address, "hop", r.item.Recipients[0].NextHop)
		sent := &audit.Record{Event: audit.EventReportSent, ID: l.Message.ID, Kind: o.kind,
			Precedence: l.Message.Precedence.String(), Peer: r.item.Recipients[0].NextHop,
			Ack: &audit.Ack{Type: r.typ, Positive: r.positive, Matched: true, SubjectID: l.Message.ID, Forwarded: rid}}
		if sent.Kind == "" {
			sent.Kind = "message"
		}
		for _, qi := range r.rcpts {
			sent.Recipients = append(sent.Recipients, o.recipient(l.Message, qi))
		}
		o.acks = append(o.acks, sent)
	}
	side, err := d.side(true, d.attemptRecords(l, &o)...)
	if err != nil {
		// The attempt happened (the next hop may have the message):
		// its results are recorded in the spool all the same, so that it
		// is not made again; the audit log misses them, loudly.
		log.Error("AUDIT RECORDS LOST: the attempt's records could not be written to the audit log", "err", err)
		side = queue.Side{}
	}
	if err := d.q.ReportWith(l, side, o.res...); err != nil {
		log.Error("report not recorded, lease abandoned", "err", err)
		// What happened did happen: its audit records are kept.
		if err := d.audit.Sync(); err != nil {
			log.Error("audit log sync failed", "err", err)
		}
		d.q.Abandon(l)
		return
	}
	d.q.Abandon(l) // recipients without a result (none normally) are pending again
	for _, r := range o.res {
		rcpt := l.Message.Recipients[r.Index].Address
		switch r.Disposition {
		case queue.Delivered:
			log.Debug("relayed", "rcpt", rcpt, "text", r.Attempt.Text)
		case queue.Transient:
			log.Warn("transient failure", "rcpt", rcpt, "stage", r.Attempt.Stage, "code", r.Attempt.Code, "text", r.Attempt.Text)
		case queue.Permanent:
			log.Warn("permanent failure", "rcpt", rcpt, "stage", r.Attempt.Stage, "code", r.Attempt.Code,
				"status", r.Attempt.Enhanced, "text", r.Attempt.Text)
		}
	}
	if len(o.dead) > 0 {
		if err := d.q.MarkDead(l.Message.ID, o.deadReason, o.dead...); err != nil {
			log.Error("mark dead", "err", err)
		} else {
			d.recordDead(l.Message, o.deadReason, o.dead)
			log.Error("recipients dead, kept for operators", "reason", o.deadReason, "rcpts", len(o.dead))
		}
	}
}

// all gives every leased recipient the same result.
func (d *Daemon) all(l *queue.Lease, disp queue.Disposition, a queue.Attempt) outcome {
	var o outcome
	for _, i := range l.Recipients {
		o.res = append(o.res, queue.RecipientResult{Index: i, Disposition: disp, Attempt: a})
	}
	return o
}

// failConversion fails every leased recipient permanently with ce's codes.
func (d *Daemon) failConversion(l *queue.Lease, ce *mixer.ConversionError) outcome {
	return d.all(l, queue.Permanent, conversionAttempt(ce))
}

// failConverting fails the lease's recipients with a conversion error: a
// *mixer.ConversionError with its codes, any other as content that cannot
// be converted.
func (d *Daemon) failConverting(l *queue.Lease, err error) outcome {
	var ce *mixer.ConversionError
	if !errors.As(err, &ce) {
		ce = &mixer.ConversionError{Field: "message", Reason: x400.ReasonConversionNotPerformed, Status: "5.6.0", Err: err}
	}
	return d.failConversion(l, ce)
}

func conversionAttempt(ce *mixer.ConversionError) queue.Attempt {
	text := conversionFailed(ce.Field)
	if ce.Err != nil {
		text += ": " + ce.Err.Error() // for the operators; reports say only what failed (supplementary)
	}
	return queue.Attempt{Stage: queue.StageData, Result: queue.ResultInvalid, Enhanced: ce.Status,
		X411: &queue.X411{Reason: int(ce.Reason), Diagnostic: int(ce.Diagnostic), HasDiag: ce.HasDiagnostic},
		Text: text}
}

// conversionFailed is what a report says of a conversion that failed on
// field (RFC 2156 §4.6.2.3: the gateway names itself in the report).
func conversionFailed(field string) string {
	return "conversion of " + field + " failed at the MIXER gateway"
}

// badSpool fails the lease permanently: the spooled bytes are not what the
// queue says (they were checked on arrival, so this is corruption).
func (d *Daemon) badSpool(l *queue.Lease, err error) outcome {
	d.log.Error("spooled message unusable", "id", l.Message.ID, "err", err)
	o := d.all(l, queue.Permanent, queue.Attempt{Stage: queue.StageData, Result: queue.ResultInvalid,
		Enhanced: "5.3.0", Text: "spooled message unusable: " + err.Error()})
	return o
}

// leasedFields maps the leased recipients of a P1 message to its
// per-recipient fields.
func leasedFields(l *queue.Lease, envb []byte) (map[int]int, error) {
	var env p1Envelope
	if err := json.Unmarshal(envb, &env); err != nil {
		return nil, err
	}
	m := map[int]int{}
	for _, qi := range l.Recipients {
		if qi < 0 || qi >= len(env.Fields) {
			return nil, fmt.Errorf("recipient %d not in the envelope", qi)
		}
		m[env.Fields[qi]] = qi
	}
	return m, nil
}

// setResponsibility sets the responsibility bit of exactly the leased
// per-recipient fields (X.411 §12.2.1.1.1.6: the next MTA is responsible
// for those only).
func setResponsibility(rs []x400.PerRecipientTransferFields, leased map[int]int) {
	for i := range rs {
		if _, ok := leased[i]; ok {
			rs[i].PerRecipientIndicators |= x400.PerRecipientResponsibility
		} else {
			rs[i].PerRecipientIndicators &^= x400.PerRecipientResponsibility
		}
	}
}

// trace is the gateway's trace element (X.411 §12.2.1.1.1.7): its global
// domain identifier, arrival now, relayed.
func trace(st *state) x400.TraceInformationElement {
	return x400.TraceInformationElement{GlobalDomainIdentifier: st.pol.Gateway.GDI,
		DomainSuppliedInformation: x400.DomainSuppliedInformation{ArrivalTime: time.Now().UTC().Truncate(time.Second),
			RoutingAction: x400.RoutingRelayed}}
}

// toP1 sends a lease to an X.400 peer.
func (d *Daemon) toP1(ctx context.Context, st *state, l *queue.Lease, body, envb []byte) outcome {
	var apduBytes []byte
	var o outcome
	switch l.Message.Kind {
	case queue.KindP1:
		apdu, err := x400.DecodeMTSAPDU(body, nil)
		if err != nil {
			return d.badSpool(l, err)
		}
		leased, err := leasedFields(l, envb)
		if err != nil {
			return d.badSpool(l, err)
		}
		switch {
		case apdu.Message != nil:
			e := &apdu.Message.Envelope
			setResponsibility(e.PerRecipientFields, leased)
			e.TraceInformation = append(e.TraceInformation, trace(st))
			o.keys = p1Keys(e)
			for fi, qi := range leased {
				if fi < len(e.PerRecipientFields) {
					o.setRecipient(qi, p1Recipient(qi, &e.PerRecipientFields[fi]))
				}
			}
		case apdu.Probe != nil:
			setResponsibility(apdu.Probe.PerRecipientFields, leased)
			apdu.Probe.TraceInformation = append(apdu.Probe.TraceInformation, trace(st))
			o.kind, o.keys = "probe", audit.Keys{MTSID: apdu.Probe.ProbeIdentifier.String()}
		case apdu.Report != nil:
			apdu.Report.Envelope.TraceInformation = append(apdu.Report.Envelope.TraceInformation, trace(st))
			o.kind, o.keys = "report", audit.Keys{MTSID: apdu.Report.Envelope.ReportIdentifier.String()}
		}
		if apduBytes, err = apdu.Marshal(); err != nil {
			return d.badSpool(l, err)
		}
	case queue.KindSMTP:
		var se smtpEnvelope
		if err := json.Unmarshal(envb, &se); err != nil {
			return d.badSpool(l, err)
		}
		env, order := restrict(&se.Env, l)
		h, n, err := mixer.ParseHeader(body, mixer.HeaderLimits{})
		if err != nil {
			return d.failConversion(l, &mixer.ConversionError{Field: "header", Reason: x400.ReasonConversionNotPerformed,
				Diagnostic: x400.DiagnosticContentSyntaxError, HasDiagnostic: true, Status: "5.6.0", Err: err})
		}
		var ack []byte
		switch ackKind(h) {
		case "dsn":
			o, ack = d.dsnToP1(st, l, &se, h, body[n:])
		case "mdn":
			o, ack = d.mdnToP1(st, l, &se, h, body, body[n:])
		default:
			return d.smtpToP1(ctx, st, l, env, order, h, body[n:])
		}
		if ack != nil {
			o.res = append(o.res, d.transferP1(ctx, st, l, ack).res...)
		}
		return o
	default:
		return d.badSpool(l, fmt.Errorf("unknown kind %q", l.Message.Kind))
	}
	r := d.transferP1(ctx, st, l, apduBytes)
	o.res = r.res
	return o
}

// smtpToP1 converts an SMTP message to P1 (mixer.ToX400) and transfers it.
func (d *Daemon) smtpToP1(ctx context.Context, st *state, l *queue.Lease, env *mixer.SMTPEnvelope, order []int, h mixer.Header, body []byte) outcome {
	var o outcome
	rep := &mixer.Report{}
	m, rerrs, err := st.gw.ToX400(&mixer.SMTPMessage{Envelope: *env, Header: h, Body: body}, rep)
	if err != nil {
		return d.failConverting(l, err)
	}
	o.conv = conversionSummary("smtp-to-x400", rep)
	o.keys = smtpKeys(env, h)
	o.keys.MTSID = m.Envelope.MessageIdentifier.String()
	o.keys.Originator = m.Envelope.OriginatorName.ORAddress.String()
	o.keys.ReturnContent = m.Envelope.PerMessageIndicators&x400.PerMessageContentReturnRequest != 0
	o.keys.ContentType = mixer.FormatContentType(m.Envelope.ContentType)
	if id, _, err := mixer.MsgIDToIPMIdentifier(o.keys.MessageID); err == nil && o.keys.MessageID != "" {
		o.keys.IPMID, _ = mixer.IPMIdentifierToMsgID(&id)
	}
	failed := map[int]bool{}
	for _, re := range rerrs {
		if re.Index >= 0 && re.Index < len(order) {
			failed[order[re.Index]] = true
			o.res = append(o.res, queue.RecipientResult{Index: order[re.Index], Disposition: queue.Permanent,
				Attempt: conversionAttempt(re.Err)})
		}
	}
	if len(failed) == len(order) {
		return o
	}
	// A recipient that could not be converted is not in m (its
	// RecipientError says so); the others are, in order.
	l2 := *l
	l2.Recipients = nil
	for k, qi := range order {
		if !failed[qi] {
			if j := len(l2.Recipients); j < len(m.Envelope.PerRecipientFields) {
				o.setRecipient(qi, bothWorlds(qi, &m.Envelope.PerRecipientFields[j], &env.Recipients[k], o.keys.DispositionTo))
			}
			l2.Recipients = append(l2.Recipients, qi)
		}
	}
	apduBytes, err := (&x400.MTSAPDU{Message: m}).Marshal()
	if err != nil {
		// Our own conversion's output does not encode: the gateway's
		// fault, kept for the operators, not reported as the sender's.
		return d.badSpool(l, fmt.Errorf("encoding the converted message: %w", err))
	}
	r := d.transferP1(ctx, st, &l2, apduBytes)
	o.res = append(o.res, r.res...)
	return o
}

// transferP1 transfers one APDU through the peer's pool.
func (d *Daemon) transferP1(ctx context.Context, st *state, l *queue.Lease, apdu []byte) outcome {
	name := strings.TrimPrefix(l.Hop, "p1:")
	pool := st.pools[name]
	if pool == nil {
		return d.all(l, queue.Transient, queue.Attempt{Stage: queue.StageConnect, Result: queue.ResultError,
			Text: "x400_peer " + name + " is not in the policy"})
	}
	lease, err := pool.Get(ctx, l.Message.Precedence.Rank())
	if err != nil {
		return d.all(l, queue.Transient, p1Attempt(queue.StageBind, err))
	}
	defer lease.Release()
	if err := lease.Transfer(ctx, apdu); err != nil {
		var tr *osi.TransferRefusedError
		if errors.As(err, &tr) && !tr.Interrupted {
			// The peer discarded the APDU (local SS-user error, X.228
			// §7.3): sending it again would meet the same answer.
			a := p1Attempt(queue.StageTransfer, err)
			a.Enhanced = "5.3.0"
			return d.all(l, queue.Permanent, a)
		}
		return d.all(l, queue.Transient, p1Attempt(queue.StageTransfer, err))
	}
	return d.all(l, queue.Delivered, queue.Attempt{Stage: queue.StageTransfer, Result: queue.ResultAccepted,
		Text: "transfer confirmed by " + name})
}

// p1Attempt describes a failed P1 attempt.
func p1Attempt(stage queue.Stage, err error) queue.Attempt {
	a := queue.Attempt{Stage: stage, Result: queue.ResultLost, Text: err.Error()}
	var be *p1.BindError
	var re *osi.RefusedError
	var tr *osi.TransferRefusedError
	var ne net.Error
	switch {
	case errors.As(err, &tr), errors.As(err, &be), errors.As(err, &re):
		a.Result = queue.ResultError
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		a.Result = queue.ResultTimeout
	}
	return a
}

// restrict returns env with only the leased recipients, and the queue
// index of each of its RCPTs.
func restrict(env *mixer.SMTPEnvelope, l *queue.Lease) (*mixer.SMTPEnvelope, []int) {
	out := *env
	out.Recipients = nil
	var order []int
	for _, qi := range l.Recipients {
		if qi >= 0 && qi < len(env.Recipients) {
			out.Recipients = append(out.Recipients, env.Recipients[qi])
			order = append(order, qi)
		}
	}
	return &out, order
}

// toSMTP sends a lease to an SMTP relay or by MX.
func (d *Daemon) toSMTP(ctx context.Context, st *state, l *queue.Lease, body, envb []byte) outcome {
	var o outcome
	var env *mixer.SMTPEnvelope
	var order []int
	var msg []byte
	var relayable *x400.Message // a P1 message: relayed recipients may get a delivery report
	var fields []int            // its per-recipient field of each RCPT
	var smtpSrc *smtpEnvelope   // an SMTP message: relayed recipients may get a "relayed" DSN
	var covered []int           // leased recipients the one converted acknowledgement stands for
	switch l.Message.Kind {
	case queue.KindSMTP:
		var se smtpEnvelope
		if err := json.Unmarshal(envb, &se); err != nil {
			return d.badSpool(l, err)
		}
		env, order = restrict(&se.Env, l)
		msg = append(received(st, l, &se), body...)
		h, _, _ := mixer.ParseHeader(body, mixer.HeaderLimits{})
		if k := ackKind(h); k != "message" {
			o.kind = k
		} else if se.Env.MailFrom != "" {
			smtpSrc = &se
		}
		o.keys = smtpKeys(env, h)
		for k, qi := range order {
			o.setRecipient(qi, smtpRecipient(qi, &env.Recipients[k], h))
		}
	case queue.KindP1:
		apdu, err := x400.DecodeMTSAPDU(body, nil)
		if err != nil {
			return d.badSpool(l, err)
		}
		var sm, converted *mixer.SMTPMessage
		var leased map[int]int
		var rerrs []mixer.RecipientError
		var rep *mixer.Report
		switch {
		case apdu.Report != nil:
			o, sm = d.drToSMTP(st, l, apdu.Report)
		case apdu.Probe != nil:
			return d.probeToSMTP(st, l, apdu.Probe, envb)
		case apdu.Message == nil:
			return d.badSpool(l, errors.New("empty MTS-APDU"))
		default:
			// The content is decoded once, by ToSMTP; an IPN is told by
			// its error and converted by the acknowledgement mapping.
			if leased, err = leasedFields(l, envb); err != nil {
				return d.badSpool(l, err)
			}
			setResponsibility(apdu.Message.Envelope.PerRecipientFields, leased)
			rep = &mixer.Report{}
			converted, rerrs, err = st.gw.ToSMTP(apdu.Message, rep)
			switch {
			case errors.Is(err, mixer.ErrNotification):
				ipn, ierr := reports.MessageIPN(apdu.Message)
				if ierr != nil || ipn == nil {
					return d.failConverting(l, err)
				}
				o, sm = d.ipnToSMTP(st, l, apdu.Message, ipn, leased)
			case err != nil:
				return d.failConverting(l, err)
			}
		}
		if sm != nil {
			// An acknowledgement converted: one DSN or MDN, to the
			// subject's sender, whatever the X.400 recipients of the
			// acknowledgement (a report has one; an IPN message
			// normally one): the first leased recipient stands for all.
			if len(sm.Envelope.Recipients) != 1 {
				return d.badSpool(l, fmt.Errorf("converted acknowledgement with %d recipients", len(sm.Envelope.Recipients)))
			}
			env, order, msg = &sm.Envelope, l.Recipients[:1], sm.Bytes()
			covered = l.Recipients[1:]
			break
		}
		if o.res != nil || o.kind != "" {
			return o // an acknowledgement not sent on
		}
		rs := apdu.Message.Envelope.PerRecipientFields
		sm = converted
		o.conv = conversionSummary("x400-to-smtp", rep)
		failed := map[int]bool{}
		for _, re := range rerrs {
			if qi, ok := leased[re.Index]; ok {
				failed[re.Index] = true
				o.res = append(o.res, queue.RecipientResult{Index: qi, Disposition: queue.Permanent,
					Attempt: conversionAttempt(re.Err)})
			}
		}
		// The RCPTs are the responsible recipients in order, less those
		// that could not be mapped.
		for i := range rs {
			if qi, ok := leased[i]; ok && !failed[i] {
				order = append(order, qi)
				fields = append(fields, i)
			}
		}
		if len(order) != len(sm.Envelope.Recipients) {
			return d.badSpool(l, fmt.Errorf("conversion gave %d recipients for %d", len(sm.Envelope.Recipients), len(order)))
		}
		env = &sm.Envelope
		msg = sm.Bytes()
		o.keys = p1Keys(&apdu.Message.Envelope)
		o.keys.EnvID, o.keys.OriginatorSMTP, o.keys.Ret = env.EnvID, env.MailFrom, env.Ret
		if v, ok := sm.Header.Get("Message-ID"); ok {
			o.keys.MessageID = strings.TrimSpace(v)
			o.keys.IPMID = o.keys.MessageID // the IPM identifier's RFC 2156 §4.7.3 form
		}
		if v, ok := sm.Header.Get("Disposition-Notification-To"); ok {
			o.keys.DispositionTo = strings.TrimSpace(v)
		}
		k := 0
		for i := range rs {
			qi, ok := leased[i]
			if !ok || failed[i] {
				continue
			}
			o.setRecipient(qi, bothWorlds(qi, &rs[i], &env.Recipients[k], o.keys.DispositionTo))
			k++
		}
		relayable = apdu.Message
	default:
		return d.badSpool(l, fmt.Errorf("unknown kind %q", l.Message.Kind))
	}
	if len(order) == 0 {
		return o
	}
	name := strings.TrimPrefix(l.Hop, "smtp:")
	c := st.smtpc[name]
	addr := ""
	if name != "mx" {
		r := st.pol.RelayByName(name)
		if r == nil || c == nil {
			o.res = d.all(l, queue.Transient, queue.Attempt{Stage: queue.StageConnect, Result: queue.ResultError,
				Text: "smtp_relay " + name + " is not in the policy"}).res
			return o
		}
		addr = r.Address
	} else if !st.pol.Routing.MX {
		o.res = d.all(l, queue.Transient, queue.Attempt{Stage: queue.StageConnect, Result: queue.ResultError,
			Text: "MX delivery is off in the policy"}).res
		return o
	}
	res, err := c.Deliver(ctx, addr, env, msg)
	if err != nil {
		return d.badSpool(l, err)
	}
	for i, rr := range res.Recipients {
		if i >= len(order) {
			break
		}
		a := queue.Attempt{Stage: smtpStage(rr.Stage), Code: rr.Code, Enhanced: rr.Status, Text: rr.Text}
		disp := queue.Delivered
		switch {
		case rr.Accepted:
			a.Result = queue.ResultAccepted
			if rr.Relayed {
				a.Text = "relayed (next hop offers no DSN): " + a.Text
			}
		case rr.Temporary:
			disp = queue.Transient
			a.Result = queue.ResultError
			if rr.Code == 0 {
				a.Result = queue.ResultLost
			}
		default:
			disp = queue.Permanent
			a.Result = queue.ResultError
		}
		o.res = append(o.res, queue.RecipientResult{Index: order[i], Disposition: disp, Attempt: a})
	}
	if len(covered) > 0 && len(o.res) > 0 {
		first := o.res[len(o.res)-1]
		for _, qi := range covered {
			r := first
			r.Index = qi
			o.res = append(o.res, r)
		}
	}
	switch {
	case relayable != nil:
		o.report = d.relayedReport(st, l, relayable, res, order, fields)
	case smtpSrc != nil:
		o.report = d.relayedDSN(st, l, smtpSrc, body, res, order)
	}
	return o
}

// relayedDSN is the "relayed" DSN (RFC 3461 §5.2.2, RFC 3464 §2.3.3) on the
// recipients of an SMTP message that asked for NOTIFY=SUCCESS and that an
// SMTP next hop without DSN accepted: no notification will come from
// further on. nil when none.
func (d *Daemon) relayedDSN(st *state, l *queue.Lease, se *smtpEnvelope, body []byte, res *smtp.Result, order []int) *spoolItem {
	var items []dsnItem
	var qis []int
	now := time.Now().UTC().Truncate(time.Second)
	for i, rr := range res.Recipients {
		if i >= len(order) || !rr.Accepted || !rr.Relayed || order[i] >= len(se.Env.Recipients) {
			continue
		}
		if se.Env.Recipients[order[i]].Notify&mixer.NotifySuccess == 0 {
			continue
		}
		items = append(items, dsnItem{index: order[i], at: now, relayed: true,
			rt:    x400.ReportType{Delivery: &x400.DeliveryReport{MessageDeliveryTime: now, TypeOfMTSUser: x400.MTSUserOther}},
			suppl: reports.SupplementaryInfo("relayed to " + l.Hop + ", which does not offer DSN")})
		qis = append(qis, order[i])
	}
	o := d.smtpDSN(st, l.Message, se, body, reportKey("rld", l.Message.ID, qis), items)
	if o.dead != "" {
		d.log.Warn("no relayed DSN", "id", l.Message.ID, "why", o.dead)
	}
	if o.item == nil {
		return nil
	}
	return &spoolItem{item: o.item, body: o.body, typ: "dsn", positive: true, rcpts: qis}
}

// relayedReport is the X.400 delivery report on the recipients of an
// X.400 message that an SMTP next hop without DSN accepted, when their
// originator asked for a report (RFC 2156 §5.3.8.1, RFC 3461 §6.2.2
// "relayed": no DSN will come back): nil when none.
func (d *Daemon) relayedReport(st *state, l *queue.Lease, m *x400.Message, res *smtp.Result, order, fields []int) *spoolItem {
	var fs, qis []int
	for i, rr := range res.Recipients {
		if i >= len(fields) || !rr.Accepted || !rr.Relayed {
			continue
		}
		if reports.WantsDeliveryReport(m.Envelope.PerRecipientFields[fields[i]].PerRecipientIndicators) {
			fs, qis = append(fs, fields[i]), append(qis, order[i])
		}
	}
	if len(fs) == 0 {
		return nil
	}
	key := reportKey("rly", l.Message.ID, qis)
	rpt, ok := reports.RelayedReport(reporting(st, key), &m.Envelope, fs, l.Hop, l.Message.Arrival, time.Now())
	if !ok {
		return nil
	}
	item, raw, why := d.reportItem(st, rpt, l.Message, "relayed")
	if item == nil {
		d.log.Warn("no relayed delivery report", "id", l.Message.ID, "why", why)
		return nil
	}
	return &spoolItem{item: item, body: raw, typ: "dr", positive: true, rcpts: qis}
}

func smtpStage(s smtp.Stage) queue.Stage {
	switch s {
	case smtp.StageConnect:
		return queue.StageConnect
	case smtp.StageGreeting, smtp.StageEHLO, smtp.StageAuth:
		return queue.StageBind // the SMTP session's set-up: greeting, EHLO, STARTTLS, AUTH
	case smtp.StageMail:
		return queue.StageEnvelope
	case smtp.StageRcpt:
		return queue.StageRecipient
	}
	return queue.StageData
}

// received is the Received: field of our hop (RFC 5321 §4.4).
func received(st *state, l *queue.Lease, se *smtpEnvelope) []byte {
	var b bytes.Buffer
	with := "ESMTP"
	if se.TLS {
		with = "ESMTPS"
	}
	fmt.Fprintf(&b, "Received: from %s ([%s])\r\n\tby %s (mixerd) with %s id %s;\r\n\t%s\r\n",
		sanitize(se.Helo), sanitize(se.Remote), st.pol.Gateway.SMTPHostname, with, l.Message.ID,
		se.Received.Format(time.RFC1123Z))
	return b.Bytes()
}

// sanitize keeps a peer's text to printable ASCII without parentheses.
func sanitize(s string) string {
	if s == "" {
		return "unknown"
	}
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r > '~' || r == '(' || r == ')' || r == ';' {
			return '_'
		}
		return r
	}, s)
}

// reportsLoop builds the non-delivery reports due (ndr.go) whenever the
// queue says some are due, and every minute those the spool could not take.
func (d *Daemon) reportsLoop(ctx context.Context) {
	due := d.q.ReportsDue()
	retry := time.NewTicker(time.Minute)
	defer retry.Stop()
	for {
		if d.makeReports(ctx) > 0 && d.reportLogged != nil {
			select {
			case d.reportLogged <- struct{}{}:
			default:
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-due:
		case <-retry.C:
		}
	}
}
