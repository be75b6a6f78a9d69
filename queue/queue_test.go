package queue

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"mixerd/x400"
)

// clock is an injected clock, advanced by tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openQ(t testing.TB, cfg Config) *Queue {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	q, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

func msg(prec x400.Precedence, mtsid string, rcpts ...string) *Message {
	m := &Message{Kind: KindP1, Source: Source{Protocol: "p1", Peer: "peer"}, Precedence: prec, MTSID: mtsid}
	for i := 0; i+1 < len(rcpts); i += 2 {
		m.Recipients = append(m.Recipients, Recipient{Address: rcpts[i], NextHop: rcpts[i+1]})
	}
	return m
}

func put(t testing.TB, q *Queue, m *Message, body string) string {
	t.Helper()
	id, dup, err := q.Put(context.Background(), m, []byte(body))
	if err != nil || dup {
		t.Fatalf("Put: id %q dup %v err %v", id, dup, err)
	}
	return id
}

func tryNext(t testing.TB, q *Queue, min x400.Precedence) *Lease {
	t.Helper()
	l, _, _, err := q.TryNext(min)
	if err != nil {
		t.Fatalf("TryNext: %v", err)
	}
	return l
}

func deliverAll(t testing.TB, q *Queue, l *Lease) {
	t.Helper()
	var rs []RecipientResult
	for _, i := range l.Recipients {
		rs = append(rs, RecipientResult{Index: i, Disposition: Delivered, Attempt: Attempt{Stage: StageTransfer, Result: ResultAccepted}})
	}
	if err := q.Report(l, rs...); err != nil {
		t.Fatalf("Report: %v", err)
	}
}

func TestPutLeaseReport(t *testing.T) {
	clk := newClock()
	q := openQ(t, Config{Now: clk.Now})
	m := msg(x400.PrecedenceRoutine, "mts-1", "a@x", "hopA", "b@y", "hopB", "c@x", "hopA")
	m.Envelope = []byte("env")
	id := put(t, q, m, "BODY")

	l := tryNext(t, q, x400.PrecedenceDeferred)
	if l == nil || l.Message.ID != id || l.Hop != "hopA" || fmt.Sprint(l.Recipients) != "[0 2]" {
		t.Fatalf("first lease = %+v", l)
	}
	body, env, err := q.Body(l)
	if err != nil || string(body) != "BODY" || string(env) != "env" {
		t.Fatalf("Body = %q %q %v", body, env, err)
	}
	l2 := tryNext(t, q, x400.PrecedenceDeferred)
	if l2 == nil || l2.Hop != "hopB" || fmt.Sprint(l2.Recipients) != "[1]" {
		t.Fatalf("second lease = %+v", l2)
	}
	if l3 := tryNext(t, q, x400.PrecedenceDeferred); l3 != nil {
		t.Fatalf("third lease while all in transfer: %+v", l3)
	}
	// A recipient not in the lease is refused.
	if err := q.Report(l, RecipientResult{Index: 1, Disposition: Delivered}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Report of a foreign recipient: %v", err)
	}
	deliverAll(t, q, l)
	got, err := q.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if s := got.Recipients; s[0].State != StateDelivered || s[1].State != StateInTransfer || s[2].State != StateDelivered {
		t.Fatalf("states after first report: %v %v %v", s[0].State, s[1].State, s[2].State)
	}
	if s := q.Stats(); s.Leases != 1 {
		t.Fatalf("leases = %d, want 1", s.Leases)
	}
	// Abandon gives hopB back without an attempt.
	q.Abandon(l2)
	l2 = tryNext(t, q, x400.PrecedenceDeferred)
	if l2 == nil || l2.Hop != "hopB" {
		t.Fatalf("re-lease = %+v", l2)
	}
	deliverAll(t, q, l2)
	if _, err := q.Get(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("finished message still queued: %v", err)
	}
	if s := q.Stats(); s.Segments != 1 || s.Messages != 0 {
		t.Fatalf("after the last message finished: %+v", s)
	}
	// The same MTS identifier again is a duplicate of the finished one.
	id2, dup, err := q.Put(context.Background(), msg(x400.PrecedenceRoutine, "mts-1", "a@x", "hopA"), []byte("again"))
	if err != nil || !dup || id2 != id {
		t.Fatalf("duplicate Put = %q %v %v", id2, dup, err)
	}
	if s := q.Stats(); s.Messages != 0 || s.Leases != 0 || s.Bytes != 0 {
		t.Fatalf("stats after all done: %+v", s)
	}
}

func TestPutRejects(t *testing.T) {
	q := openQ(t, Config{MaxMessages: 2, MaxMessageBytes: 100})
	ctx := context.Background()
	if _, _, err := q.Put(ctx, &Message{Kind: KindP1}, []byte("x")); !errors.Is(err, ErrInvalid) {
		t.Errorf("no recipients: %v", err)
	}
	if _, _, err := q.Put(ctx, msg(1, "", "a", "h"), make([]byte, 101)); !errors.Is(err, ErrInvalid) {
		t.Errorf("too large: %v", err)
	}
	m := msg(1, "", "a", "h")
	m.Kind = "mystery"
	if _, _, err := q.Put(ctx, m, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad kind: %v", err)
	}
	put(t, q, msg(1, "", "a", "h"), "1")
	put(t, q, msg(1, "", "a", "h"), "2")
	if _, _, err := q.Put(ctx, msg(1, "", "a", "h"), []byte("3")); !errors.Is(err, ErrFull) {
		t.Errorf("third Put in a spool of 2: %v", err)
	}
}

// putMany puts n messages from 32 goroutines (sharing fdatasyncs)
// and returns their ids in put order per goroutine (FIFO holds per seq).
func putMany(t testing.TB, q *Queue, n int, prec x400.Precedence) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	per := (n + 31) / 32
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w * per; i < min(n, (w+1)*per); i++ {
				m := msg(prec, fmt.Sprintf("bulk-%v-%d", prec, i), "r@x", "hop")
				if _, _, err := q.Put(context.Background(), m, []byte("body")); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestLaneOrder(t *testing.T) {
	q := openQ(t, Config{})
	putMany(t, q, 5000, x400.PrecedenceRoutine)
	first := put(t, q, msg(x400.PrecedenceDeferred, "d1", "r", "h"), "d")
	flash := put(t, q, msg(x400.PrecedenceFlash, "f1", "r", "h"), "f")
	imm := put(t, q, msg(x400.PrecedenceImmediate, "i1", "r", "h"), "i")
	over := put(t, q, msg(x400.PrecedenceOverride, "o1", "r", "h"), "o")
	if s := q.Stats(); s.Syncs >= 5000 {
		t.Errorf("group commit: %d fdatasyncs for 5,004 Puts", s.Syncs)
	}
	for _, want := range []string{over, flash, imm} {
		l := tryNext(t, q, x400.PrecedenceDeferred)
		if l == nil || l.Message.ID != want {
			t.Fatalf("lease %v, want %s", l, want)
		}
		deliverAll(t, q, l)
	}
	// FIFO within ROUTINE: ids (sequence numbers) increase.
	var last uint64
	for i := 0; i < 5000; i++ {
		l := tryNext(t, q, x400.PrecedenceDeferred)
		if l == nil || l.Lane != x400.PrecedenceRoutine {
			t.Fatalf("lease %d: %+v", i, l)
		}
		seq := l.e.seq
		if seq <= last {
			t.Fatalf("ROUTINE out of order: %d after %d", seq, last)
		}
		last = seq // the lease stays out: the message is in transfer
	}
	l := tryNext(t, q, x400.PrecedenceDeferred)
	if l == nil || l.Message.ID != first {
		t.Fatalf("DEFERRED lane last: %+v", l)
	}
}

func TestReservedCapacity(t *testing.T) {
	q := openQ(t, Config{MaxLeases: 4, ReservedFlash: 1, ReservedImmediate: 1})
	for i := 0; i < 10; i++ {
		put(t, q, msg(x400.PrecedenceRoutine, fmt.Sprint("r", i), "r", "h"), "r")
	}
	for i := 0; i < 2; i++ {
		if l := tryNext(t, q, x400.PrecedenceDeferred); l == nil || l.Lane != x400.PrecedenceRoutine {
			t.Fatalf("routine lease %d: %+v", i, l)
		}
	}
	if l := tryNext(t, q, x400.PrecedenceDeferred); l != nil {
		t.Fatalf("ROUTINE took reserved capacity: %+v", l)
	}
	// A worker blocked in Next gets the FLASH message as soon as it is put.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan *Lease, 1)
	waiting := make(chan struct{})
	go func() {
		_, _, ch, _ := q.TryNext(x400.PrecedenceDeferred)
		close(waiting)
		<-ch
		l, err := q.Next(ctx, x400.PrecedenceDeferred)
		if err != nil {
			t.Error(err)
		}
		got <- l
	}()
	<-waiting
	id := put(t, q, msg(x400.PrecedenceFlash, "f", "r", "h"), "f")
	l := <-got
	if l == nil || l.Message.ID != id {
		t.Fatalf("FLASH lease: %+v", l)
	}
	put(t, q, msg(x400.PrecedenceImmediate, "i", "r", "h"), "i")
	if l := tryNext(t, q, x400.PrecedenceDeferred); l != nil {
		t.Fatalf("IMMEDIATE took the FLASH reserve: %+v", l)
	}
	put(t, q, msg(x400.PrecedenceOverride, "o", "r", "h"), "o")
	if l := tryNext(t, q, x400.PrecedenceDeferred); l == nil || l.Lane != x400.PrecedenceOverride {
		t.Fatalf("OVERRIDE with one lease left: %+v", l)
	}
	// A dedicated FLASH worker never takes ROUTINE.
	q2 := openQ(t, Config{})
	put(t, q2, msg(x400.PrecedenceRoutine, "r", "r", "h"), "r")
	if l := tryNext(t, q2, x400.PrecedenceFlash); l != nil {
		t.Fatalf("FLASH-only worker got %v", l.Lane)
	}
}

func TestRetryScheduleAndMaxAge(t *testing.T) {
	clk := newClock()
	lanes := map[x400.Precedence]LaneConfig{
		x400.PrecedenceRoutine: {Retry: []time.Duration{time.Minute, 5 * time.Minute}, MaxAge: 20 * time.Minute},
	}
	q := openQ(t, Config{Now: clk.Now, Lanes: lanes})
	id := put(t, q, msg(x400.PrecedenceRoutine, "m", "r", "h"), "b")
	transient := func(l *Lease) {
		t.Helper()
		err := q.Report(l, RecipientResult{Index: 0, Disposition: Transient,
			Attempt: Attempt{Stage: StageConnect, Result: ResultTimeout, Text: "no answer"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	start := clk.Now()
	wantWake := []time.Duration{time.Minute, 6 * time.Minute, 11 * time.Minute, 16 * time.Minute}
	for i, w := range wantWake {
		l := tryNext(t, q, 0)
		if l == nil {
			t.Fatalf("attempt %d: no lease at %v", i, clk.Now().Sub(start))
		}
		transient(l)
		l, wake, _, _ := q.TryNext(0)
		if l != nil || !wake.Equal(start.Add(w)) {
			t.Fatalf("after attempt %d: lease %v, wake %v, want %v", i, l, wake.Sub(start), w)
		}
		clk.Advance(wake.Sub(clk.Now()) - time.Second)
		if l := tryNext(t, q, 0); l != nil {
			t.Fatalf("leased a second before its retry time")
		}
		clk.Advance(time.Second)
	}
	// At 16 min the next retry (21 min) would pass the 20 min maximum age:
	// the transient failure becomes permanent.
	l := tryNext(t, q, 0)
	transient(l)
	m, err := q.Get(id)
	if err != nil || m.Recipients[0].State != StateFailed || m.Recipients[0].NumAttempts != 5 {
		t.Fatalf("after max age: %+v %v", m.Recipients, err)
	}
	select {
	case <-q.ReportsDue():
	default:
		t.Fatal("no report signalled")
	}
	fs := q.PendingReports()
	if len(fs) != 1 || fs[0].ID != id || fs[0].Last.Result != ResultTimeout {
		t.Fatalf("PendingReports = %+v", fs)
	}
	full, _, err := q.Inspect(id)
	if err != nil || len(full.Recipients[0].Attempts) != 5 || full.Recipients[0].Attempts[0].Text != "no answer" {
		t.Fatalf("Inspect = %+v %v", full.Recipients[0].Attempts, err)
	}
	if err := q.Reported(id, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Get(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("reported message still queued: %v", err)
	}
}

func TestExpiryInNextAndLatestDelivery(t *testing.T) {
	clk := newClock()
	q := openQ(t, Config{Now: clk.Now})
	m := msg(x400.PrecedenceFlash, "late", "r", "h", "s", "h")
	m.Latest = clk.Now().Add(10 * time.Minute)
	id := put(t, q, m, "b")
	m2 := msg(x400.PrecedenceRoutine, "old", "r", "h")
	id2 := put(t, q, m2, "b")
	if err := q.Hold(id2); err != nil {
		t.Fatal(err)
	}
	l := tryNext(t, q, 0)
	if err := q.Report(l, RecipientResult{Index: 0, Disposition: Transient, Attempt: Attempt{Result: ResultLost}},
		RecipientResult{Index: 1, Disposition: Delivered, Attempt: Attempt{Result: ResultAccepted}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Minute)
	if l := tryNext(t, q, 0); l != nil {
		t.Fatalf("leased past the latest delivery time: %+v", l)
	}
	got, _ := q.Get(id)
	r := got.Recipients[0]
	if r.State != StateFailed || r.Attempts[0].Result != ResultExpired || r.Attempts[0].X411.Diagnostic != x411MaximumTimeExpired {
		t.Fatalf("expired recipient: %+v", r)
	}
	if got.Recipients[1].State != StateDelivered {
		t.Fatalf("delivered recipient: %+v", got.Recipients[1])
	}
	// A held message expires when released past its age (72 h default).
	clk.Advance(73 * time.Hour)
	if err := q.Release(id2); err != nil {
		t.Fatal(err)
	}
	if l := tryNext(t, q, 0); l != nil {
		t.Fatalf("leased past max age: %+v", l)
	}
	if fs := q.PendingReports(); len(fs) != 2 || fs[0].ID != id || fs[1].ID != id2 {
		t.Fatalf("PendingReports = %+v", fs)
	}
	if err := q.MarkDead(id2, "originator unknown", 0); err != nil {
		t.Fatal(err)
	}
	got, _ = q.Get(id2)
	if got.Recipients[0].State != StateDead {
		t.Fatalf("dead: %+v", got.Recipients[0])
	}
}

func TestDeferredDelivery(t *testing.T) {
	clk := newClock()
	q := openQ(t, Config{Now: clk.Now})
	m := msg(x400.PrecedenceRoutine, "def", "r", "h")
	m.Deferred = clk.Now().Add(30 * time.Minute)
	id := put(t, q, m, "b")
	l, wake, _, _ := q.TryNext(0)
	if l != nil || !wake.Equal(m.Deferred) {
		t.Fatalf("before deferred time: lease %v wake %v", l, wake)
	}
	clk.Advance(29 * time.Minute)
	if l := tryNext(t, q, 0); l != nil {
		t.Fatal("leased before deferred time")
	}
	clk.Advance(time.Minute)
	if l := tryNext(t, q, 0); l == nil || l.Message.ID != id {
		t.Fatalf("at deferred time: %+v", l)
	}
	// RetryNow overrides a deferred time.
	m2 := msg(x400.PrecedenceRoutine, "def2", "r", "h")
	m2.Deferred = clk.Now().Add(time.Hour)
	id2 := put(t, q, m2, "b")
	if err := q.RetryNow(id2); err != nil {
		t.Fatal(err)
	}
	if l := tryNext(t, q, 0); l == nil || l.Message.ID != id2 {
		t.Fatalf("after RetryNow: %+v", l)
	}
}

func TestNextWaitsForRetryTime(t *testing.T) {
	// Real clock: Next wakes on its own at the retry time.
	lanes := map[x400.Precedence]LaneConfig{x400.PrecedenceRoutine: {Retry: []time.Duration{50 * time.Millisecond}, MaxAge: time.Hour}}
	q := openQ(t, Config{Lanes: lanes})
	put(t, q, msg(x400.PrecedenceRoutine, "w", "r", "h"), "b")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := q.Next(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Report(l, RecipientResult{Index: 0, Disposition: Transient, Attempt: Attempt{Result: ResultLost}}); err != nil {
		t.Fatal(err)
	}
	l, err = q.Next(ctx, 0)
	if err != nil || l == nil {
		t.Fatalf("Next after retry delay: %v", err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if _, err := q.Next(short, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next on an empty queue: %v", err)
	}
}

func TestDuplicates(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	q := openQ(t, Config{Dir: dir, Now: clk.Now, DuplicateWindow: time.Hour})
	ctx := context.Background()
	id := put(t, q, msg(1, "dup-1", "r", "h"), "b")
	id2, dup, err := q.Put(ctx, msg(1, "dup-1", "r", "h"), []byte("b"))
	if err != nil || !dup || id2 != id {
		t.Fatalf("queued duplicate: %q %v %v", id2, dup, err)
	}
	// Message-ID when there is no MTS identifier.
	m := msg(1, "", "r", "h")
	m.MessageID = "<a@b>"
	mid := put(t, q, m, "b")
	if id3, dup, _ := q.Put(ctx, m, []byte("b")); !dup || id3 != mid {
		t.Fatalf("Message-ID duplicate: %q %v", id3, dup)
	}
	// Concurrent Puts of one message: exactly one is queued.
	var wg sync.WaitGroup
	var mu sync.Mutex
	fresh := 0
	ids := map[string]bool{}
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, dup, err := q.Put(ctx, msg(1, "race", "r", "h"), []byte("b"))
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			defer mu.Unlock()
			ids[id] = true
			if !dup {
				fresh++
			}
		}()
	}
	wg.Wait()
	if fresh != 1 || len(ids) != 1 {
		t.Fatalf("concurrent duplicates: %d queued, ids %v", fresh, ids)
	}
	// Finished, remembered across a restart, forgotten after the window.
	deliverAll(t, q, tryNext(t, q, 0)) // dup-1
	q.Close()
	q = openQ(t, Config{Dir: dir, Now: clk.Now, DuplicateWindow: time.Hour})
	if id4, dup, _ := q.Put(ctx, msg(1, "dup-1", "r", "h"), []byte("b")); !dup || id4 != id {
		t.Fatalf("after restart: %q %v", id4, dup)
	}
	clk.Advance(time.Hour)
	q.Close()
	q = openQ(t, Config{Dir: dir, Now: clk.Now, DuplicateWindow: time.Hour})
	if id5, dup, err := q.Put(ctx, msg(1, "dup-1", "r", "h"), []byte("b")); dup || err != nil || id5 == id {
		t.Fatalf("after the window: %q %v %v", id5, dup, err)
	}
	// Still queued ones stay duplicates whatever their age.
	if _, dup, _ := q.Put(ctx, m, []byte("b")); !dup {
		t.Fatal("queued message not recognised after the window")
	}
}

func TestOperatorsDurable(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	q := openQ(t, Config{Dir: dir, Now: clk.Now})
	a := put(t, q, msg(x400.PrecedenceRoutine, "a", "r", "h"), "a")
	b := put(t, q, msg(x400.PrecedencePriority, "b", "r", "h", "s", "h2"), "b")
	c := put(t, q, msg(x400.PrecedenceRoutine, "c", "r", "h"), "c")
	if err := q.Hold(a); err != nil {
		t.Fatal(err)
	}
	if err := q.Delete(c, ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("delete without reason: %v", err)
	}
	if err := q.Delete(c, "operator: test traffic"); err != nil {
		t.Fatal(err)
	}
	if err := q.Hold("nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("hold unknown: %v", err)
	}
	l := tryNext(t, q, 0)
	if l.Message.ID != b || l.Hop != "h" {
		t.Fatalf("lease: %+v", l)
	}
	deliverAll(t, q, l)
	l = tryNext(t, q, 0) // b's second hop, in transfer at the "crash"
	if l == nil || l.Hop != "h2" {
		t.Fatalf("lease 2: %+v", l)
	}
	if l := tryNext(t, q, 0); l != nil {
		t.Fatalf("held message leased: %+v", l)
	}
	if got := q.List(Filter{Held: true}); len(got) != 1 || got[0].ID != a {
		t.Fatalf("List held = %+v", got)
	}
	if got := q.List(Filter{Lanes: []x400.Precedence{x400.PrecedencePriority}, States: []State{StateInTransfer}}); len(got) != 1 || got[0].ID != b {
		t.Fatalf("List by lane and state = %+v", got)
	}
	q.Close()

	q = openQ(t, Config{Dir: dir, Now: clk.Now})
	if r := q.Recovery(); r.Messages != 2 {
		t.Fatalf("recovery = %+v", r)
	}
	list := q.List(Filter{})
	if len(list) != 2 || list[0].ID != b || list[1].ID != a || !list[1].Held {
		t.Fatalf("after reopen: %+v", list)
	}
	if rs := list[0].Recipients; rs[0].State != StateDelivered || rs[1].State != StatePending {
		t.Fatalf("b's recipients after reopen: %v %v", rs[0].State, rs[1].State)
	}
	l = tryNext(t, q, 0)
	if l == nil || l.Message.ID != b || fmt.Sprint(l.Recipients) != "[1]" {
		t.Fatalf("after reopen, lease = %+v", l)
	}
	if l := tryNext(t, q, 0); l != nil {
		t.Fatalf("held message leased after reopen: %+v", l)
	}
	if err := q.Release(a); err != nil {
		t.Fatal(err)
	}
	if l := tryNext(t, q, 0); l == nil || l.Message.ID != a {
		t.Fatalf("released: %+v", l)
	}
	// A deleted message's lease ends with ErrNotFound.
	l2 := l
	if err := q.Delete(b, "stuck"); err != nil {
		t.Fatal(err)
	}
	if err := q.Report(l2, RecipientResult{Index: 1, Disposition: Delivered}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("report on deleted: %v", err)
	}
	if s := q.Stats(); s.Leases != 1 {
		t.Fatalf("leases = %d", s.Leases)
	}
}

func TestDuplicateMemoryBounded(t *testing.T) {
	q := openQ(t, Config{MaxRemembered: 2})
	for i := 0; i < 3; i++ {
		put(t, q, msg(1, fmt.Sprint("k", i), "r", "h"), "b")
		deliverAll(t, q, tryNext(t, q, 0))
	}
	ctx := context.Background()
	if _, dup, _ := q.Put(ctx, msg(1, "k0", "r", "h"), []byte("b")); dup {
		t.Error("oldest identifier not forgotten past MaxRemembered")
	}
	if _, dup, _ := q.Put(ctx, msg(1, "k2", "r", "h"), []byte("b")); !dup {
		t.Error("newest identifier forgotten")
	}
}

// A group-commit leader fsyncs its own batch and hands over: it does not
// keep fsyncing for callers that came after it.
func TestGroupSyncHandsOver(t *testing.T) {
	gate := make(chan struct{})
	started := make(chan struct{}, 4)
	g := &groupSync{sync: func() error {
		started <- struct{}{}
		<-gate
		return nil
	}}
	aDone, bDone := make(chan error), make(chan error)
	go func() { aDone <- g.Sync() }()
	<-started // a leads the first fsync
	go func() { bDone <- g.Sync() }()
	for joined := false; !joined; { // b joins the next batch
		g.mu.Lock()
		joined = g.pending != nil
		g.mu.Unlock()
		runtime.Gosched()
	}
	gate <- struct{}{} // the first fsync ends
	deadline := time.After(10 * time.Second)
	select {
	case err := <-aDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-deadline:
		t.Fatal("the leader did not return after its own fsync")
	}
	select {
	case <-started: // b leads the second
	case <-deadline:
		t.Fatal("b's fsync did not start")
	}
	gate <- struct{}{}
	select {
	case err := <-bDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-deadline:
		t.Fatal("b did not return")
	}
	if g.count != 2 {
		t.Fatalf("%d fsyncs, want 2", g.count)
	}
}

// PutWith calls its hook with the ID the message gets, before the record
// is written, keeps its tag, and waits for its wait; a failing hook or
// wait spools nothing; a duplicate does not call it.
func TestPutWithHook(t *testing.T) {
	dir := t.TempDir()
	q := openQ(t, Config{Dir: dir})
	ctx := context.Background()
	var seen []string
	waited := false
	id, dup, err := q.PutWith(ctx, msg(x400.PrecedenceRoutine, "m1", "a", "p1:x"), []byte("body"), func(id string) (Side, func() error, error) {
		seen = append(seen, id)
		if _, err := q.Get(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("message %s visible before its hook returned (Get: %v)", id, err)
		}
		return Side{Tag: 42}, func() error { waited = true; return nil }, nil
	})
	if err != nil || dup || len(seen) != 1 || seen[0] != id || !waited {
		t.Fatalf("PutWith = %q %v %v, hook saw %q, waited %v", id, dup, err, seen, waited)
	}
	if m, err := q.Get(id); err != nil || m.Tag != 42 {
		t.Fatalf("Get = %+v %v, want tag 42", m, err)
	}
	if _, dup, err := q.PutWith(ctx, msg(x400.PrecedenceRoutine, "m1", "a", "p1:x"), []byte("body"), func(id string) (Side, func() error, error) {
		t.Errorf("hook called for a duplicate (%s)", id)
		return Side{}, nil, nil
	}); err != nil || !dup {
		t.Fatalf("duplicate PutWith = %v %v", dup, err)
	}
	boom := errors.New("audit log unwritable")
	if _, _, err := q.PutWith(ctx, msg(x400.PrecedenceRoutine, "m2", "a", "p1:x"), []byte("body"),
		func(string) (Side, func() error, error) { return Side{}, nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("PutWith with a failing hook = %v, want %v", err, boom)
	}
	if _, _, err := q.PutWith(ctx, msg(x400.PrecedenceRoutine, "m3", "a", "p1:x"), []byte("body"),
		func(string) (Side, func() error, error) { return Side{Tag: 7}, func() error { return boom }, nil }); !errors.Is(err, boom) {
		t.Fatalf("PutWith with a failing wait = %v, want %v", err, boom)
	}
	// Nothing of m2 or m3 is queued, now or after a restart, and both can
	// be put again; m1 keeps its tag.
	if n := len(q.List(Filter{})); n != 1 {
		t.Fatalf("%d messages queued, want 1", n)
	}
	q.Close()
	q2 := openQ(t, Config{Dir: dir})
	ms := q2.List(Filter{})
	if len(ms) != 1 || ms[0].Tag != 42 {
		t.Fatalf("after reopen: %+v, want m1 with tag 42", ms)
	}
	for _, mts := range []string{"m2", "m3"} {
		if _, dup, err := q2.Put(ctx, msg(x400.PrecedenceRoutine, mts, "a", "p1:x"), []byte("body")); err != nil || dup {
			t.Fatalf("%s again = %v %v", mts, dup, err)
		}
	}
}

// ListN copies at most limit messages, in List's order, and counts them all.
func TestListN(t *testing.T) {
	q := openQ(t, Config{})
	for i := range 5 {
		put(t, q, msg(x400.PrecedenceRoutine, fmt.Sprint("m", i), "r", "h"), "b")
	}
	put(t, q, msg(x400.PrecedenceFlash, "f", "r", "h"), "b")
	ms, total := q.ListN(Filter{}, 2)
	if total != 6 || len(ms) != 2 || ms[0].MTSID != "f" || ms[1].MTSID != "m0" {
		t.Fatalf("ListN = %d of %d: %+v", len(ms), total, ms)
	}
	if all := q.List(Filter{}); len(all) != 6 {
		t.Fatalf("List = %d", len(all))
	}
}
