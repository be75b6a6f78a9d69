package daemon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strings"
	"time"

	"mixerd/mixer"
	"mixerd/p1"
	"mixerd/policy"
	"mixerd/queue"
	"mixerd/smtp"
	"mixerd/x400"
)

// p1Envelope is the queue's opaque envelope of a P1 message: which
// per-recipient field of the APDU each queue recipient is.
type p1Envelope struct {
	Fields []int `json:"fields"`
}

// smtpEnvelope is the queue's opaque envelope of an SMTP message: the SMTP
// envelope and what the Received: field of our hop needs (RFC 5321 §4.4).
type smtpEnvelope struct {
	Env      mixer.SMTPEnvelope `json:"env"`
	Helo     string             `json:"helo,omitempty"`
	Remote   string             `json:"remote,omitempty"`
	TLS      bool               `json:"tls,omitempty"`
	Received time.Time          `json:"rcvd"`
}

// p1Sink takes the MTS-APDUs of the P1 listeners (X.411 §12.2).
type p1Sink struct{ d *Daemon }

// Deliver routes and spools one MTS-APDU; it returns once it is durable,
// which confirms the RTSE transfer (X.411 §12.2.1.1: the MTA takes
// responsibility). A duplicate is confirmed without being spooled again.
func (s *p1Sink) Deliver(ctx context.Context, apdu *x400.MTSAPDU, raw []byte, from string) error {
	d := s.d
	st := d.st.Load()
	log := d.log.With("from", from, "kind", p1.Kind(apdu))
	m := &queue.Message{Kind: queue.KindP1, Source: queue.Source{Protocol: "p1", Peer: from}, Precedence: x400.PrecedenceRoutine}
	var env p1Envelope
	switch {
	case apdu.Message != nil:
		e := &apdu.Message.Envelope
		m.MTSID = e.MessageIdentifier.String()
		m.Originator = e.OriginatorName.ORAddress.String()
		m.Deferred = e.DeferredDeliveryTime
		if t, err := e.Extensions.LatestDeliveryTime(); err == nil {
			m.Latest = t
		}
		m.Precedence = messagePrecedence(st, apdu.Message)
		for i := range e.PerRecipientFields {
			rf := &e.PerRecipientFields[i]
			if rf.PerRecipientIndicators&x400.PerRecipientResponsibility == 0 {
				continue // another MTA's (X.411 §12.2.1.1.1.6)
			}
			hop, why := d.routeOR(st, &rf.RecipientName.ORAddress)
			if why != "" {
				log.Warn("no route", "rcpt", rf.RecipientName.String(), "why", why)
			}
			env.Fields = append(env.Fields, i)
			m.Recipients = append(m.Recipients, queue.Recipient{Address: rf.RecipientName.String(), NextHop: hop})
		}
	case apdu.Probe != nil:
		e := apdu.Probe
		m.MTSID = "probe " + e.ProbeIdentifier.String()
		m.Originator = e.OriginatorName.ORAddress.String()
		for i := range e.PerRecipientFields {
			rf := &e.PerRecipientFields[i]
			if rf.PerRecipientIndicators&x400.PerRecipientResponsibility == 0 {
				continue
			}
			hop, _ := d.routeOR(st, &rf.RecipientName.ORAddress)
			env.Fields = append(env.Fields, i)
			m.Recipients = append(m.Recipients, queue.Recipient{Address: rf.RecipientName.String(), NextHop: hop})
		}
	case apdu.Report != nil:
		e := &apdu.Report.Envelope
		m.MTSID = "report " + e.ReportIdentifier.String()
		m.Precedence = x400.PrecedenceImmediate // reports are not held behind routine traffic
		hop, _ := d.routeOR(st, &e.ReportDestinationName.ORAddress)
		env.Fields = []int{0}
		m.Recipients = []queue.Recipient{{Address: e.ReportDestinationName.String(), NextHop: hop}}
	default:
		return errors.New("empty MTS-APDU")
	}
	if len(m.Recipients) == 0 {
		log.Warn("APDU with no recipient for which we are responsible: accepted, nothing to do", "mtsid", m.MTSID)
		return nil
	}
	m.MTSID += " " + rcptKey(m.Recipients)
	m.Envelope, _ = json.Marshal(env)
	rec := p1Arrival(apdu, m, from, &env)
	id, dup, err := d.q.PutWith(ctx, m, raw, d.arrivalHook(rec))
	if err != nil {
		log.Error("APDU not spooled, transfer refused", "mtsid", m.MTSID, "err", err)
		return err
	}
	if dup {
		if err := d.recordDuplicate(rec, id); err != nil {
			return err
		}
		log.Info("duplicate APDU acknowledged", "id", id, "mtsid", m.MTSID)
		return nil
	}
	log.Debug("APDU spooled", "id", id, "mtsid", m.MTSID, "precedence", m.Precedence, "rcpts", len(m.Recipients))
	// A report or probe whose hop is SMTP is converted as it leaves
	// (ackpath.go: a DSN; the probe's answer).
	return nil
}

// rcptKey is a short digest of a message's recipients, added to its
// identifier for duplicate detection: the same message sent again to the
// same recipients is a duplicate, the same message split by the sender
// into several transfers or transactions (distinct recipients) is not.
func rcptKey(rs []queue.Recipient) string {
	as := make([]string, len(rs))
	for i, r := range rs {
		as[i] = strings.ToLower(r.Address)
	}
	sort.Strings(as)
	h := sha256.Sum256([]byte(strings.Join(as, "\n")))
	return "rcpts=" + hex.EncodeToString(h[:8])
}

// contentKey is a short digest of an SMTP message's reverse-path and
// bytes, added to its Message-ID for duplicate detection.
func contentKey(from string, msg []byte) string {
	h := sha256.New()
	h.Write([]byte(from))
	h.Write([]byte{0})
	h.Write(msg)
	return "content=" + hex.EncodeToString(h.Sum(nil)[:8])
}

// messagePrecedence is the lane of a P1 message: its P772 primary
// precedence (STANAG 4406 Annex A, A.1.1) when the content is P772, else
// its X.411 priority (X.411 §12.2.1.1.1.6) placed by the policy's civil map.
func messagePrecedence(st *state, m *x400.Message) x400.Precedence {
	e := &m.Envelope
	if e.ContentType.Is(x400.ContentTypeP772) {
		if obj, err := x400.DecodeInformationObject(m.Content, mixer.ContentLimits); err == nil && obj.IPM != nil {
			if mil, err := obj.IPM.Heading.Military(); err == nil && mil != nil && mil.PrimaryPrecedence != nil {
				return queue.Lane(*mil.PrimaryPrecedence)
			}
		}
	}
	return st.pol.Precedence.Civil.Precedence(e.Priority)
}

// smtpSink takes the messages of one SMTP listener.
type smtpSink struct {
	d        *Daemon
	listener string
	delay    time.Duration
}

// Deliver routes and spools one SMTP message (RFC 5321 §6.1: it is ours
// once the 250 is given, so it is durable before). With a delayed
// acknowledgement, Forwarded is closed when every recipient was accepted by
// its next hop.
func (s *smtpSink) Deliver(ctx context.Context, env *smtp.Envelope, r io.Reader) (*smtp.Receipt, error) {
	d := s.d
	st := d.st.Load()
	limit := st.pol.Limits.MessageSize
	// One buffer of the announced size (RFC 1870 SIZE) up to 1 MiB, else
	// 32 KiB, grown as the data comes (a client's SIZE is a claim, not
	// data: it must not make us allocate), with the 512 bytes
	// bytes.Buffer wants free before each read, so that a message of its
	// announced size is not copied once more at its end.
	size := int64(32 << 10)
	if env.Size > 0 {
		size = min(env.Size, limit, 1<<20) + 512
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	if _, err := buf.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return nil, err
	}
	msg := buf.Bytes()
	if int64(len(msg)) > limit {
		return nil, &smtp.Reply{Code: 552, Status: "5.3.4", Text: "Message too big"}
	}
	log := d.log.With("conn", env.ConnID)
	h, _, herr := mixer.ParseHeader(msg, mixer.HeaderLimits{})
	prec := x400.PrecedenceRoutine
	switch v, ok := h.Get(mixer.FieldMMHSPrimaryPrecedence); {
	case herr == nil && ok:
		p, err := mixer.ParseMMHSPrecedence(mixer.FieldMMHSPrimaryPrecedence, v)
		if err != nil {
			return nil, &smtp.Reply{Code: 554, Status: "5.6.0", Text: "Bad MMHS-Primary-Precedence"}
		}
		prec = queue.Lane(p)
	case env.MTPriority != nil:
		prec = queue.Lane(st.gw.MTPriorityPrecedence(*env.MTPriority))
	}
	// A raised lane only for a trusted or authenticated client, as for
	// MT-PRIORITY (RFC 6710 §4.1): anyone may write the header, and the
	// high lanes' reserved workers are for real traffic. The header
	// itself travels on unchanged.
	if !env.Trusted && env.AuthUser == "" && prec > x400.PrecedenceRoutine {
		log.Info("precedence of an untrusted client kept to ROUTINE's lane", "precedence", prec)
		prec = x400.PrecedenceRoutine
	}
	m := &queue.Message{Kind: queue.KindSMTP, Source: queue.Source{Protocol: "smtp", Peer: env.Remote.String()},
		Precedence: prec, Originator: "<" + env.MailFrom + ">"}
	if herr == nil {
		if id, ok := h.Get("Message-ID"); ok {
			m.MessageID = strings.TrimSpace(id)
		}
	}
	for _, rc := range env.Recipients {
		hop, why := d.routeSMTP(st, rc.Address)
		if why != "" {
			log.Warn("no route", "rcpt", rc.Address, "why", why)
		}
		m.Recipients = append(m.Recipients, queue.Recipient{Address: rc.Address, NextHop: hop})
	}
	if m.MessageID != "" {
		// A client's retry sends the same sender and bytes; another
		// message that reuses (or guesses) a Message-ID does not, and is
		// no duplicate.
		m.MessageID += " " + rcptKey(m.Recipients) + " " + contentKey(env.MailFrom, msg)
	}
	se := smtpEnvelope{Env: env.SMTPEnvelope, Helo: env.Helo, Remote: env.Remote.Addr().String(), TLS: env.TLS,
		Received: time.Now().UTC()}
	var err error
	if m.Envelope, err = json.Marshal(se); err != nil {
		return nil, err
	}
	kind := "message"
	if herr == nil {
		kind = ackKind(h)
	}
	rec := smtpArrival(&env.SMTPEnvelope, h, m, se.Remote, kind)
	id, dup, err := d.q.PutWith(ctx, m, msg, d.arrivalHook(rec))
	switch {
	case errors.Is(err, queue.ErrFull):
		log.Error("spool full, message refused", "err", err)
		return nil, smtp.ErrQueueFull
	case errors.Is(err, queue.ErrInvalid):
		log.Warn("message refused by the spool", "err", err)
		return nil, &smtp.Reply{Code: 554, Status: "5.3.4", Text: "Message refused (too large or too many recipients)"}
	case err != nil:
		log.Error("message not spooled", "err", err)
		return nil, err
	}
	if dup {
		if err := d.recordDuplicate(rec, id); err != nil {
			return nil, err
		}
		log.Info("duplicate message acknowledged", "id", id, "message_id", m.MessageID)
		return &smtp.Receipt{ID: id}, nil
	}
	log.Debug("message spooled", "id", id, "precedence", prec, "rcpts", len(m.Recipients))
	receipt := &smtp.Receipt{ID: id}
	if s.delay > 0 {
		receipt.Forwarded = d.acks.wait(id, s.delay+time.Second)
		d.signal(id)
	}
	return receipt, nil
}

// acceptRcpt says whether an SMTP recipient is for us (RFC 5321 §3.6.2:
// anyone may send to the local domains; relaying elsewhere is for trusted
// or authenticated clients only).
func (d *Daemon) acceptRcpt(rcpt string) bool {
	dom := domainOf(rcpt)
	return dom != "" && d.st.Load().x400Domain(dom)
}

// checkRcpt refuses at RCPT time a recipient that can only fail: no route
// at all (550 5.4.4), or an address at one of our X.400 domains that names
// no one (550 5.1.1), rather than accepting a message whose only outcome
// is a non-delivery report (backscatter).
func (d *Daemon) checkRcpt(rcpt string) *smtp.Reply {
	hop, why := d.routeSMTP(d.st.Load(), rcpt)
	if hop != hopNone {
		return nil
	}
	// The peer gets a fixed text; the detail (mapping errors) is logged.
	d.log.Info("recipient has no route", "rcpt", rcpt, "why", why)
	if strings.HasPrefix(why, whyNoSuchRecipient) || strings.HasPrefix(why, whyNoORAddress) {
		return &smtp.Reply{Code: 550, Status: "5.1.1", Text: "No such recipient"}
	}
	return &smtp.Reply{Code: 550, Status: "5.4.4", Text: "No route to the recipient"}
}

func tlsConfig(l *policy.SMTPListener) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{*l.Certificate}, MinVersion: tls.VersionTLS12}
}
