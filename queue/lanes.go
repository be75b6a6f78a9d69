package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"mixerd/x400"
)

// eheap is a binary heap of entries, ordered by seq (ready) or by wake
// time then seq (waiting). An entry is in at most one heap.
type eheap struct {
	byWake bool
	items  []*entry
}

func (h *eheap) less(i, j int) bool {
	a, b := h.items[i], h.items[j]
	if h.byWake && !a.wake.Equal(b.wake) {
		return a.wake.Before(b.wake)
	}
	return a.seq < b.seq
}

func (h *eheap) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.items[i].hidx = i
	h.items[j].hidx = j
}

func (h *eheap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.swap(i, p)
		i = p
	}
}

func (h *eheap) down(i int) {
	n := len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h.swap(i, m)
		i = m
	}
}

func (h *eheap) push(e *entry) {
	e.hidx = len(h.items)
	h.items = append(h.items, e)
	h.up(e.hidx)
}

func (h *eheap) remove(e *entry) {
	i := e.hidx
	n := len(h.items) - 1
	if i != n {
		h.swap(i, n)
	}
	h.items[n] = nil
	h.items = h.items[:n]
	if i != n {
		h.down(i)
		h.up(i)
	}
	e.hidx = -1
}

func (h *eheap) top() *entry {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

// unplace takes an entry out of the lanes. q.mu held.
func (q *Queue) unplace(e *entry) {
	switch e.where {
	case 1:
		q.ready[e.lane].remove(e)
	case 2:
		q.waiting[e.lane].remove(e)
	}
	e.where = 0
}

// place puts an entry in its lane's ready heap if a recipient is due, in
// the waiting heap (keyed by the earliest retry or expiry) if one will be,
// or nowhere. q.mu held.
func (q *Queue) place(e *entry, now time.Time) {
	q.unplace(e)
	if e.held || e.gone {
		return
	}
	var due time.Time
	found := false
	for _, r := range e.rcpts {
		if r.state != StatePending && r.state != StateTransient {
			continue
		}
		if !found || r.next.Before(due) {
			due = r.next
		}
		found = true
	}
	if !found {
		return
	}
	if e.expiry.Before(due) {
		due = e.expiry
	}
	if !due.After(now) {
		e.where = 1
		q.ready[e.lane].push(e)
		return
	}
	e.where = 2
	e.wake = due
	q.waiting[e.lane].push(e)
}

// Lease is work handed to one worker: the recipients of one message for
// one next hop. The worker reports each with [Queue.Report] and gives the
// rest back with [Queue.Abandon].
type Lease struct {
	Message    *Message // metadata, read-only; Recipients lists all recipients
	Hop        string   // the next hop of every recipient in this lease
	Recipients []int    // indexes into Message.Recipients
	Lane       x400.Precedence

	e    *entry
	open map[int]bool // recipients not yet reported
}

// allowed reports whether a lease may be given from lane. q.mu held.
func (q *Queue) allowed(lane x400.Precedence) bool {
	if q.cfg.MaxLeases <= 0 {
		return true
	}
	limit := q.cfg.MaxLeases
	if lane < x400.PrecedenceFlash {
		limit -= q.cfg.ReservedFlash
	}
	if lane < x400.PrecedenceImmediate {
		limit -= q.cfg.ReservedImmediate
	}
	return q.active < limit
}

// Next returns the next work at or above lane min (x400.PrecedenceDeferred
// for any), waiting until there is some or ctx is done: the highest lane
// with a due recipient first, FIFO within a lane. A worker dedicated to
// high-precedence traffic passes x400.PrecedenceFlash. Recipients past
// their lane's maximum age or the latest delivery time fail here (state
// failed, reason maximum-time-expired).
func (q *Queue) Next(ctx context.Context, min x400.Precedence) (*Lease, error) {
	for {
		l, wake, changed, err := q.TryNext(min)
		if l != nil || err != nil {
			return l, err
		}
		var timer <-chan time.Time
		var t *time.Timer
		if !wake.IsZero() {
			t = time.NewTimer(wake.Sub(q.cfg.Now()))
			timer = t.C
		}
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-changed:
		case <-timer:
		}
		if t != nil {
			t.Stop()
		}
		if err != nil {
			return nil, err
		}
	}
}

// TryNext is Next without waiting: it returns a lease, or nil with the
// time the earliest waiting work is due (zero if none) and a channel
// closed at the next change to the queue.
func (q *Queue) TryNext(min x400.Precedence) (l *Lease, wake time.Time, changed <-chan struct{}, err error) {
	min = max(min, x400.PrecedenceDeferred)
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return nil, time.Time{}, nil, ErrClosed
		}
		now := q.cfg.Now()
		var expire *entry
		var expired []int
	lanes:
		for lane := x400.PrecedenceOverride; lane >= min; lane-- {
			if !q.allowed(lane) {
				continue
			}
			w := &q.waiting[lane]
			for e := w.top(); e != nil && !e.wake.After(now); e = w.top() {
				q.place(e, now)
				if e.where == 2 && !e.wake.After(now) { // cannot happen; avoid a loop
					q.unplace(e)
				}
			}
			r := &q.ready[lane]
			for e := r.top(); e != nil; e = r.top() {
				if !now.Before(e.expiry) {
					for i := range e.rcpts {
						if s := e.rcpts[i].state; s == StatePending || s == StateTransient {
							e.rcpts[i].state = StateInTransfer
							expired = append(expired, i)
						}
					}
					if len(expired) > 0 {
						expire = e
						q.unplace(e)
						break lanes
					}
				}
				hop := ""
				var idx []int
				for i, rc := range e.rcpts {
					if (rc.state != StatePending && rc.state != StateTransient) || rc.next.After(now) {
						continue
					}
					h := e.hdr.Recipients[i].NextHop
					if idx == nil {
						hop = h
					} else if h != hop {
						continue
					}
					idx = append(idx, i)
				}
				if idx == nil {
					q.place(e, now)
					continue
				}
				open := make(map[int]bool, len(idx))
				for _, i := range idx {
					e.rcpts[i].state = StateInTransfer
					open[i] = true
				}
				q.active++
				q.place(e, now)
				q.mu.Unlock()
				return &Lease{Message: e.hdr, Hop: hop, Recipients: idx, Lane: e.lane, e: e, open: open}, time.Time{}, nil, nil
			}
		}
		if expire == nil {
			for lane := x400.PrecedenceOverride; lane >= min; lane-- {
				if !q.allowed(lane) {
					continue
				}
				if e := q.waiting[lane].top(); e != nil && (wake.IsZero() || e.wake.Before(wake)) {
					wake = e.wake
				}
			}
			ch := q.changed
			q.mu.Unlock()
			return nil, wake, ch, nil
		}
		q.mu.Unlock()
		if err := q.expire(expire, expired, now); err != nil {
			return nil, time.Time{}, nil, err
		}
	}
}

// expire fails recipients past their time, durably, then signals that
// reports are due.
func (q *Queue) expire(e *entry, idx []int, now time.Time) error {
	ev := &event{T: now, Kind: "result"}
	for _, i := range idx {
		ev.R = append(ev.R, rcptEvent{I: i, Disp: Permanent, Reason: "maximum time expired",
			Attempt: &Attempt{Time: now, Result: ResultExpired,
				X411: &X411{Reason: x411UnableToTransfer, Diagnostic: x411MaximumTimeExpired, HasDiag: true}}})
	}
	err := q.journal(e, ev)
	q.mu.Lock()
	defer q.mu.Unlock()
	if err != nil {
		for _, i := range idx {
			e.rcpts[i].state = StatePending
		}
		q.place(e, now)
		return err
	}
	e.apply(ev, nil)
	q.place(e, now)
	q.log.Warn("recipients expired", "id", e.id, "lane", e.lane.String(), "recipients", len(idx))
	q.notifyReports()
	return nil
}

func (q *Queue) notifyReports() {
	select {
	case q.reports <- struct{}{}:
	default:
	}
}

// ReportsDue returns a channel that receives when recipients have failed
// permanently and their non-delivery reports are due (see PendingReports).
func (q *Queue) ReportsDue() <-chan struct{} { return q.reports }

// Report records, durably, the results of attempts for recipients of a
// lease. A transient failure is retried on the lane's schedule unless the
// next try would fall past the maximum age or latest delivery time, when
// it fails permanently. When every recipient of the lease has a result the
// lease ends. Report returns once the results are on disk; if it fails
// (disk error) the lease stays open and the worker should Abandon it.
func (q *Queue) Report(l *Lease, results ...RecipientResult) error {
	return q.ReportWith(l, Side{}, results...)
}

// ReportWith is Report with a Side kept in the spool with the results, in
// the same fdatasync (the daemon: the audit records of the attempt).
func (q *Queue) ReportWith(l *Lease, side Side, results ...RecipientResult) error {
	e := l.e
	now := q.cfg.Now()
	ev := &event{T: now, Kind: "result", Tag: side.Tag, Side: side.Data}
	q.mu.Lock()
	if l.open == nil {
		q.mu.Unlock()
		return fmt.Errorf("%w: lease already ended", ErrInvalid)
	}
	seen := map[int]bool{}
	for _, r := range results {
		if !l.open[r.Index] || seen[r.Index] {
			q.mu.Unlock()
			return fmt.Errorf("%w: recipient %d is not open in this lease", ErrInvalid, r.Index)
		}
		seen[r.Index] = true
		if r.Disposition < Delivered || r.Disposition > Permanent {
			q.mu.Unlock()
			return fmt.Errorf("%w: disposition %d", ErrInvalid, r.Disposition)
		}
		a := r.Attempt
		if a.Time.IsZero() {
			a.Time = now
		}
		if a.NextHop == "" {
			a.NextHop = l.Hop
		}
		if len(a.Text) > maxTextBytes {
			a.Text = a.Text[:maxTextBytes]
		}
		re := rcptEvent{I: r.Index, Disp: r.Disposition, Attempt: &a}
		if r.Disposition == Transient {
			sched := q.cfg.Lanes[e.lane].Retry
			n := e.rcpts[r.Index].attempts
			re.Next = now.Add(sched[min(n, len(sched)-1)])
			if !re.Next.Before(e.expiry) {
				re.Disp = Permanent
				re.Next = time.Time{}
				re.Reason = "maximum time expired after a transient failure"
			}
		}
		if re.Disp == Permanent && re.Reason == "" {
			re.Reason = "permanent failure"
		}
		ev.R = append(ev.R, re)
	}
	gone := e.gone
	q.mu.Unlock()
	if gone {
		q.endLease(l)
		return ErrNotFound
	}
	if len(ev.R) == 0 {
		return nil
	}
	q.mu.Lock()
	completes := completesWith(e, ev)
	q.mu.Unlock()
	if completes {
		// Every recipient is done: the 'F' record finish writes is the
		// durable commit (Open does not queue the message again), so no
		// journal record is needed.
		if err := q.finishWith(e, "all recipients done", side); err != nil {
			return err
		}
		q.mu.Lock()
		e.apply(ev, nil)
		l.open = nil
		q.active--
		q.signal()
		q.mu.Unlock()
		return nil
	}
	if err := q.journal(e, ev); err != nil {
		if err == ErrNotFound {
			q.endLease(l)
		}
		return err
	}
	q.mu.Lock()
	e.apply(ev, nil)
	failed := false
	for _, r := range ev.R {
		delete(l.open, r.I)
		failed = failed || r.Disp == Permanent
	}
	if len(l.open) == 0 {
		l.open = nil
		q.active--
	}
	q.place(e, now)
	q.signal()
	done := !e.gone && e.complete()
	q.mu.Unlock()
	if failed {
		q.notifyReports()
	}
	if done {
		return q.finish(e, "all recipients done")
	}
	return nil
}

// completesWith reports whether the message has nothing left to do once
// ev is applied. q.mu held.
func completesWith(e *entry, ev *event) bool {
	disp := make(map[int]Disposition, len(ev.R))
	for _, r := range ev.R {
		disp[r.I] = r.Disp
	}
	for i, r := range e.rcpts {
		if d, ok := disp[i]; ok {
			if d != Delivered {
				return false
			}
			continue
		}
		if r.state != StateDelivered && !(r.state == StateFailed && r.reported) {
			return false
		}
	}
	return true
}

// Abandon ends a lease: recipients without a result are pending again
// (no attempt is counted: use Report with a transient result for a failed
// attempt).
func (q *Queue) Abandon(l *Lease) {
	q.endLease(l)
}

func (q *Queue) endLease(l *Lease) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if l.open == nil {
		return
	}
	for i := range l.open {
		if l.e.rcpts[i].state == StateInTransfer {
			l.e.rcpts[i].state = StatePending
		}
	}
	l.open = nil
	q.active--
	q.place(l.e, q.cfg.Now())
	q.signal()
}

// Body reads the message bytes (and the opaque envelope) of a lease from
// the spool.
func (q *Queue) Body(l *Lease) (body, envelope []byte, err error) {
	return q.readBody(l.e)
}

func (q *Queue) readBody(e *entry) ([]byte, []byte, error) {
	e.fileMu.Lock()
	ended, l := e.ended, e.mloc
	var typ byte
	var p []byte
	var err error
	if !ended {
		typ, p, err = q.st.read(l)
	}
	e.fileMu.Unlock()
	if ended || errors.Is(err, ErrNotFound) {
		return nil, nil, ErrNotFound
	}
	if err != nil {
		q.log.Error("spool record unreadable", "id", e.id, "err", err)
		return nil, nil, fmt.Errorf("queue: %s: %w", e.id, err)
	}
	var hp, body []byte
	if typ != recMessage {
		err = fmt.Errorf("record type %q, not a message", typ)
	} else {
		hp, body, err = splitMessage(p)
	}
	// Only the envelope of the header: the rest is in memory.
	var h struct {
		Envelope []byte `json:"env,omitempty"`
	}
	if err == nil {
		err = json.Unmarshal(hp, &h)
	}
	if err != nil {
		q.log.Error("spool record damaged", "id", e.id, "err", err)
		return nil, nil, fmt.Errorf("queue: %s: %v", e.id, err)
	}
	return body, h.Envelope, nil
}

// get returns a live entry. q.mu held.
func (q *Queue) get(id string) (*entry, error) {
	e := q.entries[id]
	if e == nil || e.gone {
		return nil, ErrNotFound
	}
	return e, nil
}

// operate journals an operator event and applies it.
func (q *Queue) operate(id string, ev *event, check func(e *entry) error) (*entry, error) {
	q.mu.Lock()
	e, err := q.get(id)
	if err == nil && check != nil {
		err = check(e)
	}
	q.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := q.journal(e, ev); err != nil {
		return nil, err
	}
	q.mu.Lock()
	e.apply(ev, nil)
	q.place(e, ev.T)
	q.signal()
	q.mu.Unlock()
	return e, nil
}

// Hold stops all attempts for a message until Release (durable).
func (q *Queue) Hold(id string) error {
	_, err := q.operate(id, &event{T: q.cfg.Now(), Kind: "hold"}, nil)
	if err == nil {
		q.log.Info("message held", "id", id)
	}
	return err
}

// Release lets a held message be attempted again (durable).
func (q *Queue) Release(id string) error {
	_, err := q.operate(id, &event{T: q.cfg.Now(), Kind: "release"}, nil)
	if err == nil {
		q.log.Info("message released", "id", id)
	}
	return err
}

// RetryNow makes every pending or transiently failed recipient of a
// message due now (durable; a deferred delivery time is overridden too).
func (q *Queue) RetryNow(id string) error {
	_, err := q.operate(id, &event{T: q.cfg.Now(), Kind: "retry"}, nil)
	if err == nil {
		q.log.Info("message retry requested", "id", id)
	}
	return err
}

// Delete removes a message, recording the reason in its journal and the
// log. No report is made. A lease out on it ends with ErrNotFound.
func (q *Queue) Delete(id, reason string) error {
	if reason == "" {
		return fmt.Errorf("%w: a deletion needs a reason", ErrInvalid)
	}
	e, err := q.operate(id, &event{T: q.cfg.Now(), Kind: "delete", Reason: reason}, nil)
	if err != nil {
		return err
	}
	q.log.Warn("message deleted by operator", "id", id, "reason", reason)
	return q.finish(e, "deleted: "+reason)
}

// Failure is a permanently failed recipient whose report is due.
type Failure struct {
	ID        string
	Recipient int
	Reason    string
	Last      *Attempt
}

// PendingReports lists the failed recipients whose non-delivery reports
// are not made yet, oldest message first.
func (q *Queue) PendingReports() []Failure {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []Failure
	for _, e := range q.entries {
		for i, r := range e.rcpts {
			if r.state == StateFailed && !r.reported {
				out = append(out, Failure{ID: e.id, Recipient: i, Reason: r.reason, Last: r.last})
			}
		}
	}
	sortFailures(out, q.entries)
	return out
}

// Reported records that the non-delivery reports for these failed
// recipients were made (spooled); a message with nothing left is removed.
func (q *Queue) Reported(id string, rcpts ...int) error {
	return q.rcptOp(id, "reported", "", rcpts)
}

// MarkDead records that no report can be built for these failed
// recipients; the message stays for the operators.
func (q *Queue) MarkDead(id, reason string, rcpts ...int) error {
	return q.rcptOp(id, "dead", reason, rcpts)
}

// rcptOp journals an operation on failed recipients rcpts of message id
// (reported, dead).
func (q *Queue) rcptOp(id, kind, reason string, rcpts []int) error {
	const want = StateFailed
	if len(rcpts) == 0 {
		return fmt.Errorf("%w: no recipients", ErrInvalid)
	}
	ev := &event{T: q.cfg.Now(), Kind: kind}
	for _, i := range rcpts {
		ev.R = append(ev.R, rcptEvent{I: i, Reason: reason})
	}
	e, err := q.operate(id, ev, func(e *entry) error {
		for _, i := range rcpts {
			if i < 0 || i >= len(e.rcpts) || e.rcpts[i].state != want {
				return fmt.Errorf("%w: recipient %d is not %v", ErrInvalid, i, want)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	q.mu.Lock()
	done := !e.gone && e.complete()
	q.mu.Unlock()
	if done {
		return q.finish(e, "all recipients done")
	}
	return nil
}
