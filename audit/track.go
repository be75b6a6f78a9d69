package audit

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"mixerd/internal/termsafe"
)

// Message tracking (issue 6, "mixerd track KEY"): the life of a message
// read back from the audit log, the way Exchange's message tracking or
// Postfix's logs answer "what became of this message?": when it arrived
// and from whom, what the conversion dropped, when and where it left, and
// which delivery and read reports came back for it, from whom.

// TrackQuery selects the messages to track.
type TrackQuery struct {
	// Key is a queue ID, any correlation key of a message (MTS
	// identifier, ENVID, Message-ID or IPM identifier with or without
	// angle brackets, content correlator), or an address: an SMTP
	// address (originator, recipient, ORCPT, Disposition-Notification-To)
	// compared without regard to case, or O/R address text, which matches
	// a recorded O/R address that contains it (case-insensitive, so
	// "S=smith" finds every Smith). "" selects every message.
	Key string
	// From and To restrict the records that select a message to those
	// whose Time is within [From, To]; zero is unbounded. The life of a
	// selected message is shown whole.
	From, To time.Time
	// Limit is the most lives Track delivers (0: DefaultTrackLimit);
	// when more messages match, Track returns ErrTruncated after the
	// first Limit.
	Limit int
}

// Bounds on tracking.
const (
	// DefaultTrackLimit is the most lives one Track delivers unless
	// TrackQuery.Limit says otherwise.
	DefaultTrackLimit = 1000
	// MaxLifeRecords is the most records a Life keeps (the first ones);
	// Life.Omitted counts the others. A message's life is a handful of
	// records plus one per attempt and acknowledgement.
	MaxLifeRecords = 1000
	// trackBatch is how many lives one pass over the log collects, so
	// that memory stays bounded whatever the query selects.
	trackBatch = 256
)

// ErrTruncated says that more messages matched than TrackQuery.Limit.
var ErrTruncated = errors.New("audit: more messages match than the limit")

// Life is one message at one gateway: its records in sequence order,
// with the acknowledgements that were matched to it (Ack.SubjectID and
// SubjectGateway name it) and the reports the gateway made for it.
type Life struct {
	Gateway, ID string
	// Records are the message's records in the order the log holds them
	// (sequence order), at most MaxLifeRecords.
	Records []*Record
	// Omitted counts the records beyond MaxLifeRecords.
	Omitted int
}

// lifeKey names a life.
type lifeKey struct{ gateway, id string }

// ownLife is the life a record is about. A record without a queue ID
// (nothing was spooled) is a life of its own.
func ownLife(r *Record) lifeKey {
	if r.ID == "" {
		return lifeKey{r.Gateway, "seq:" + strconv.FormatUint(r.Seq, 10)}
	}
	return lifeKey{r.Gateway, r.ID}
}

// subjectLife is the life of the message an acknowledgement was matched
// to, if any.
func subjectLife(r *Record) (lifeKey, bool) {
	if r.Ack == nil || !r.Ack.Matched || r.Ack.SubjectID == "" {
		return lifeKey{}, false
	}
	g := r.Ack.SubjectGateway
	if g == "" {
		g = r.Gateway
	}
	return lifeKey{g, r.Ack.SubjectID}, true
}

// Track reads the audit log in dir (read-only, safe while the daemon
// appends) and calls fn with the life of each message the query selects,
// in the order their first selecting record was written. It reads the
// log twice or more: once to find the messages, then once per batch of
// lives to collect their records. It stops at fn's first error and
// returns it.
func Track(dir string, q TrackQuery, fn func(l *Life) error) error {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultTrackLimit
	}
	m := newKeyMatcher(q.Key)
	var (
		order     []lifeKey
		selected  = map[lifeKey]bool{}
		truncated bool
	)
	err := ScanDir(dir, 0, func(r *Record, _ Loc) error {
		if !inRange(r.Time, q.From, q.To) || !m.matches(r) {
			return nil
		}
		k := ownLife(r)
		if selected[k] {
			return nil
		}
		if len(order) == limit {
			truncated = true
			return nil
		}
		selected[k] = true
		order = append(order, k)
		return nil
	})
	if err != nil {
		return fmt.Errorf("audit: tracking in %s: %w", dir, err)
	}
	for start := 0; start < len(order); start += trackBatch {
		batch := order[start:min(start+trackBatch, len(order))]
		lives := make(map[lifeKey]*Life, len(batch))
		for _, k := range batch {
			lives[k] = &Life{Gateway: k.gateway, ID: k.id}
		}
		err := ScanDir(dir, 0, func(r *Record, _ Loc) error {
			own := lives[ownLife(r)]
			own.add(r)
			if k, ok := subjectLife(r); ok {
				if l := lives[k]; l != own {
					l.add(r)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("audit: tracking in %s: %w", dir, err)
		}
		for _, k := range batch {
			if err := fn(lives[k]); err != nil {
				return err
			}
		}
	}
	if truncated {
		return fmt.Errorf("%w: showed the first %d", ErrTruncated, limit)
	}
	return nil
}

// add appends a record to a life (nil: not one being collected).
func (l *Life) add(r *Record) {
	if l == nil {
		return
	}
	if len(l.Records) >= MaxLifeRecords {
		l.Omitted++
		return
	}
	l.Records = append(l.Records, r)
}

func inRange(t, from, to time.Time) bool {
	return (from.IsZero() || !t.Before(from)) && (to.IsZero() || !t.After(to))
}

// keyMatcher is a TrackQuery.Key, prepared once.
type keyMatcher struct {
	key   string // as given, trimmed; "" matches everything
	msgid string // as a msg-id without angle brackets
	addr  string // as an address (normAddr)
	or    string // lower-cased, when it looks like O/R address text
}

func newKeyMatcher(key string) keyMatcher {
	key = strings.TrimSpace(key)
	m := keyMatcher{key: key, msgid: normKey(kindMessageID, key), addr: normAddr(key)}
	if strings.Contains(key, "=") {
		m.or = strings.ToLower(key)
		if c := canonOR(key); c != "" && strings.Count(key, "=") > 1 {
			// A whole address: compare in the canonical order.
			m.or = strings.ToLower(strings.Trim(c, "/"))
		}
	}
	return m
}

// matches says whether a record names the key: as its queue ID, one of
// its correlation keys, or one of its addresses. An acknowledgement that
// was not matched to its subject also answers to the keys it named its
// subject by, so that it can be found by the subject's keys.
func (m *keyMatcher) matches(r *Record) bool {
	if m.key == "" {
		return true
	}
	if r.ID == m.key || m.keys(&r.Keys) {
		return true
	}
	if r.Ack != nil && !r.Ack.Matched && m.keys(&r.Ack.Subject) {
		return true
	}
	if m.address(r.Keys.Originator) || m.address(r.Keys.OriginatorSMTP) || m.address(r.Keys.DispositionTo) {
		return true
	}
	for i := range r.Recipients {
		rc := &r.Recipients[i]
		if m.address(rc.SMTP) || m.address(rc.X400) || m.address(rc.ORcpt) {
			return true
		}
	}
	return false
}

func (m *keyMatcher) keys(k *Keys) bool {
	return k.MTSID == m.key || k.EnvID == m.key || k.ContentCorrelator == m.key ||
		(m.msgid != "" && (normKey(kindMessageID, k.MessageID) == m.msgid || normKey(kindIPMID, k.IPMID) == m.msgid))
}

func (m *keyMatcher) address(a string) bool {
	if a == "" {
		return false
	}
	if m.addr != "" && strings.EqualFold(normAddr(a), m.addr) {
		return true
	}
	if m.or == "" || !strings.Contains(a, "=") {
		return false
	}
	la := strings.ToLower(a)
	if c := canonOR(a); c != "" {
		la = strings.ToLower(c)
	}
	return strings.Contains(la, m.or)
}

// Format writes the life for an operator: a heading with the message's
// keys, then one line per event (time, event, where from or to) with a
// line per recipient and its result, the acknowledgements with their type,
// outcome, status and who made them, and what a conversion dropped. Text
// that came from peers is shown with its control characters escaped.
func (l *Life) Format(w io.Writer) {
	p := &lifePrinter{w: w}
	kind, prec := "", ""
	var keys Keys
	for _, r := range l.Records {
		if ownLife(r) != (lifeKey{l.Gateway, l.ID}) {
			continue
		}
		if kind == "" {
			kind = r.Kind
		}
		if prec == "" {
			prec = r.Precedence
		}
		mergeKeys(&keys, &r.Keys)
	}
	head := fmt.Sprintf("%s %s", l.ID, l.Gateway)
	var attrs []string
	if kind != "" {
		attrs = append(attrs, kind)
	}
	if prec != "" {
		attrs = append(attrs, prec)
	}
	if len(attrs) > 0 {
		head += " (" + strings.Join(attrs, ", ") + ")"
	}
	p.line("%s", head)
	for _, kv := range [][2]string{
		{"mts-id", keys.MTSID}, {"envid", keys.EnvID}, {"message-id", keys.MessageID},
		{"ipm-id", keys.IPMID}, {"content-correlator", keys.ContentCorrelator},
		{"originator", trJoin(" ", keys.Originator, trAngle(keys.OriginatorSMTP))},
		{"disposition-to", keys.DispositionTo},
	} {
		if kv[1] != "" {
			p.line("    %s: %s", kv[0], kv[1])
		}
	}
	for _, r := range l.Records {
		l.formatRecord(p, r)
	}
	if l.Omitted > 0 {
		p.line("    ... %d more record(s) not shown", l.Omitted)
	}
	p.line("")
}

// mergeKeys fills the empty keys of into from from.
func mergeKeys(into, from *Keys) {
	for _, f := range [...]struct {
		dst *string
		src string
	}{
		{&into.MTSID, from.MTSID}, {&into.EnvID, from.EnvID}, {&into.MessageID, from.MessageID},
		{&into.IPMID, from.IPMID}, {&into.ContentCorrelator, from.ContentCorrelator},
		{&into.Originator, from.Originator}, {&into.OriginatorSMTP, from.OriginatorSMTP},
		{&into.DispositionTo, from.DispositionTo},
	} {
		if *f.dst == "" {
			*f.dst = f.src
		}
	}
}

func (l *Life) formatRecord(p *lifePrinter, r *Record) {
	var what []string
	own := ownLife(r) == lifeKey{l.Gateway, l.ID}
	if !own {
		// An acknowledgement of this message, with its own queue ID.
		what = append(what, fmt.Sprintf("[%s %s]", r.Kind, r.ID))
	}
	if r.Gateway != l.Gateway {
		what = append(what, "at "+r.Gateway)
	}
	if r.Protocol != "" || r.Peer != "" {
		dir := "to"
		if r.Event == EventArrived || r.Event == EventDuplicate || r.Event == EventDeliveryReport || r.Event == EventReadReport {
			dir = "from"
		}
		what = append(what, trJoin(" ", r.Protocol, dir, r.Peer))
	}
	if c := r.Conversion; c != nil {
		what = append(what, fmt.Sprintf("%s: %d mapped, %d carried, %d dropped", c.Direction, c.Mapped, c.Carried, c.Dropped))
	}
	if a := r.Ack; a != nil {
		what = append(what, ackText(a, own))
	}
	if r.Event == EventArrived && len(r.Recipients) > 1 {
		what = append(what, fmt.Sprintf("%d recipients", len(r.Recipients)))
	}
	if r.Text != "" {
		what = append(what, r.Text)
	}
	p.line("  %s  %-15s %s", r.Time.UTC().Format("2006-01-02 15:04:05Z"), r.Event, strings.Join(what, " "))
	for i := range r.Recipients {
		p.line("        %s", rcptText(r.Event, &r.Recipients[i]))
	}
	if c := r.Conversion; c != nil {
		for _, d := range c.Drops {
			p.line("        dropped: %s", d)
		}
	}
	if a := r.Ack; a != nil {
		if a.Text != "" {
			p.line("        text: %s", a.Text)
		}
		for _, pr := range a.Problems {
			p.line("        problem: %s", pr)
		}
	}
}

// ackText is an acknowledgement in a few words: "dsn positive delivered
// 2.0.0 by mx.example.org, for Q1 (GW1), forwarded as Q2"; the subject is
// named in the acknowledgement's own life (own), not in its subject's.
func ackText(a *Ack, own bool) string {
	outcome := "negative"
	if a.Positive {
		outcome = "positive"
	}
	parts := []string{trJoin(" ", a.Type, outcome, a.Action, a.Status)}
	if a.Reason != nil {
		x := fmt.Sprintf("reason %d", *a.Reason)
		if a.Diagnostic != nil {
			x += fmt.Sprintf(" diagnostic %d", *a.Diagnostic)
		}
		parts[0] += " " + x
	}
	if a.By != "" {
		parts[0] += " by " + a.By
	}
	switch {
	case a.Matched && a.SubjectID != "" && own:
		parts = append(parts, "for "+trJoin(" ", a.SubjectID, trParen(a.SubjectGateway)))
	case !a.Matched:
		parts = append(parts, "UNMATCHED")
	}
	if a.Forwarded != "" {
		parts = append(parts, "forwarded as "+a.Forwarded)
	}
	return strings.Join(parts, ", ")
}

// rcptText is one recipient of a record: its addresses, what was asked
// for it on arrival, and the attempt's result on departure or failure.
func rcptText(ev Event, rc *Recipient) string {
	addr := rc.SMTP
	if addr == "" {
		addr = rc.X400
	} else if rc.X400 != "" {
		addr += " (" + rc.X400 + ")"
	}
	if addr == "" {
		addr = fmt.Sprintf("recipient %d", rc.Index)
	}
	var parts []string
	if rc.ORcpt != "" && !strings.EqualFold(rc.ORcpt, rc.SMTP) {
		parts = append(parts, "orcpt "+trJoin(";", rc.ORcptType, rc.ORcpt))
	}
	if ev == EventArrived || ev == EventDeparted {
		if rc.Notify != "" {
			parts = append(parts, "notify "+rc.Notify)
		}
		if rc.Reports != "" {
			parts = append(parts, "reports "+rc.Reports)
		}
		if rc.ReadReports != "" {
			parts = append(parts, "read-reports "+rc.ReadReports)
		}
	}
	if a := rc.Attempt; a != nil {
		at := []string{string(a.Result)}
		if a.Stage != "" {
			at = append(at, "at "+string(a.Stage))
		}
		if a.NextHop != "" {
			at = append(at, "via "+a.NextHop)
		}
		if a.Code != 0 {
			at = append(at, strconv.Itoa(a.Code))
		}
		if a.Enhanced != "" {
			at = append(at, a.Enhanced)
		}
		if a.X411 != nil {
			x := fmt.Sprintf("X.411 reason %d", a.X411.Reason)
			if a.X411.HasDiag {
				x += fmt.Sprintf(" diagnostic %d", a.X411.Diagnostic)
			}
			at = append(at, x)
		}
		if a.Text != "" {
			at = append(at, a.Text)
		}
		parts = append(parts, strings.Join(at, " "))
	}
	if len(parts) == 0 {
		return addr
	}
	return addr + ": " + strings.Join(parts, ", ")
}

func trJoin(sep string, ss ...string) string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep)
}

func trAngle(s string) string {
	if s == "" {
		return ""
	}
	return "<" + s + ">"
}

func trParen(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

// lifePrinter writes lines with the control characters of peers' text
// escaped, so that a peer cannot send escape sequences to the operator's
// terminal.
type lifePrinter struct{ w io.Writer }

func (p *lifePrinter) line(format string, args ...any) {
	io.WriteString(p.w, termsafe.Clean(strings.TrimRight(fmt.Sprintf(format, args...), " "))+"\n")
}
