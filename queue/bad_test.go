package queue

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mixerd/x400"
)

// segFiles returns the paths of the segment files, oldest first.
func segFiles(t *testing.T, dir string) []string {
	t.Helper()
	ns, other, err := listSegments(filepath.Join(dir, "seg"))
	if err != nil || len(other) != 0 {
		t.Fatalf("segments: %v %v", other, err)
	}
	var ps []string
	for _, n := range ns {
		ps = append(ps, filepath.Join(dir, "seg", segName(n)))
	}
	return ps
}

// A torn tail of the last segment is cut and records written after the
// cut are read back; a damaged record in an earlier segment moves that
// segment aside (reported), the others are recovered.
func TestSegmentDamage(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	q := openQ(t, Config{Dir: dir, Now: clk.Now})
	a := put(t, q, msg(x400.PrecedenceRoutine, "a", "r", "h", "s", "h2"), "body-a")
	deliverAll(t, q, tryNext(t, q, 0))    // a's first recipient
	clk.Advance(segmentAge + time.Minute) // the next record starts a segment
	b := put(t, q, msg(x400.PrecedenceRoutine, "b", "r", "h", "s", "h2"), "body-b")
	q.Close()
	segs := segFiles(t, dir)
	if len(segs) != 2 {
		t.Fatalf("segments: %v", segs)
	}
	f, err := os.OpenFile(segs[1], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(eventRecord(recSegEvent, b, []byte(`{"k":"hold"}`))[:12])
	f.Close()

	q = openQ(t, Config{Dir: dir, Now: clk.Now})
	if r := q.Recovery(); r.TornJournals != 1 || len(r.Bad) != 0 || r.Messages+r.Finished != 2 {
		t.Fatalf("recovery = %+v", r)
	}
	if tails, _ := filepath.Glob(filepath.Join(dir, "bad", filepath.Base(segs[1])+".tail-*")); len(tails) != 1 {
		t.Fatalf("cut tail not kept in DIR/bad: %v", tails)
	}
	if err := q.Hold(b); err != nil {
		t.Fatal(err)
	}
	q.Close()
	q = openQ(t, Config{Dir: dir, Now: clk.Now})
	if r := q.Recovery(); r.TornJournals != 0 || len(r.Bad) != 0 {
		t.Fatalf("second recovery = %+v", r)
	}
	if m, err := q.Get(b); err != nil || !m.Held {
		t.Fatalf("b after the cut: %+v %v", m, err)
	}
	q.Close()

	// Damage a's message record in the first segment.
	segs = segFiles(t, dir)
	if len(segs) != 2 {
		t.Fatalf("segments: %v", segs)
	}
	raw, err := os.ReadFile(segs[0])
	if err != nil {
		t.Fatal(err)
	}
	raw[len(segMagic)+recHdrSize+3] ^= 0xFF
	if err := os.WriteFile(segs[0], raw, 0o600); err != nil {
		t.Fatal(err)
	}
	q = openQ(t, Config{Dir: dir, Now: clk.Now})
	r := q.Recovery()
	if len(r.Bad) != 1 || !strings.HasPrefix(r.Bad[0], filepath.Base(segs[0])+": ") {
		t.Fatalf("recovery = %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad", filepath.Base(segs[0]))); err != nil {
		t.Fatalf("segment not moved aside: %v", err)
	}
	if _, err := q.Get(a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a from a bad segment: %v", err)
	}
	if m, err := q.Get(b); err != nil || !m.Held {
		t.Fatalf("b: %+v %v", m, err)
	}
}

func TestSpoolLocked(t *testing.T) {
	dir := t.TempDir()
	openQ(t, Config{Dir: dir})
	if _, err := Open(Config{Dir: dir, Logger: quietLogger()}); err == nil {
		t.Fatal("second Open of one spool succeeded")
	}
}

// A crash after a finished message's seen record and before its
// finished record reached the log: Open finishes it, it is not attempted
// again, and it is marked finished for the next Open.
func TestRecoverFinishedNotRemoved(t *testing.T) {
	dir := t.TempDir()
	q := openQ(t, Config{Dir: dir})
	id := put(t, q, msg(x400.PrecedenceRoutine, "fin", "r", "h"), "b")
	segs := segFiles(t, dir)
	saved, err := os.ReadFile(segs[len(segs)-1])
	if err != nil {
		t.Fatal(err)
	}
	deliverAll(t, q, tryNext(t, q, 0))
	q.Close()
	if err := os.WriteFile(segs[len(segs)-1], saved, 0o600); err != nil {
		t.Fatal(err)
	}
	q = openQ(t, Config{Dir: dir})
	if r := q.Recovery(); r.Finished != 1 || r.Messages != 0 {
		t.Fatalf("recovery = %+v", r)
	}
	if l := tryNext(t, q, 0); l != nil {
		t.Fatalf("finished message leased again: %+v", l)
	}
	if _, err := q.Get(id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("finished message queued: %v", err)
	}
	q.Close()
	q = openQ(t, Config{Dir: dir})
	if r := q.Recovery(); r.Finished != 0 || r.Messages != 0 {
		t.Fatalf("second recovery = %+v", r)
	}
}

// A long-lived message does not pin the log: when the segments hold more
// than twice the live bytes, its records are copied forward and the old
// segments removed; its state survives the copy and a reopen.
func TestCompaction(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	q := openQ(t, Config{Dir: dir, Now: clk.Now})
	q.st.segMax = 4096
	p := put(t, q, msg(x400.PrecedenceFlash, "pinned", "r", "h", "s", "h2"), "body-p")
	deliverAll(t, q, tryNext(t, q, 0)) // p's first recipient, a journal record
	if err := q.Hold(p); err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("x", 1500)
	for i := range 200 {
		put(t, q, msg(x400.PrecedenceRoutine, "m"+strconv.Itoa(i), "r", "h"), body)
		deliverAll(t, q, tryNext(t, q, 0))
	}
	s := q.Stats()
	if s.Messages != 1 || s.Segments > 6 || s.SegmentsCreated < 50 {
		t.Fatalf("stats after 200 put/finish with a pinned message: %+v", s)
	}
	check := func(q *Queue) {
		t.Helper()
		m, b, err := q.Inspect(p)
		if err != nil || string(b) != "body-p" || !m.Held || m.Recipients[0].State != StateDelivered ||
			len(m.Recipients[0].Attempts) != 1 || m.Recipients[1].State != StatePending {
			t.Fatalf("pinned message after compaction: %+v %q %v", m, b, err)
		}
	}
	check(q)
	q.Close()
	q = openQ(t, Config{Dir: dir, Now: clk.Now})
	if r := q.Recovery(); r.Messages != 1 || r.Finished != 0 || len(r.Bad) != 0 {
		t.Fatalf("recovery = %+v", r)
	}
	check(q)
	if err := q.Release(p); err != nil {
		t.Fatal(err)
	}
	l := tryNext(t, q, 0)
	if l == nil || l.Message.ID != p || l.Hop != "h2" {
		t.Fatalf("lease of the pinned message: %+v", l)
	}
	if b, _, err := q.Body(l); err != nil || string(b) != "body-p" {
		t.Fatalf("Body = %q %v", b, err)
	}
}

// A finish's 'F' record is its commit: a crash that loses the unsynced
// DIR/seen record loses no duplicate detection, and Open writes it back.
func TestFinishedRecordRestoresSeen(t *testing.T) {
	dir := t.TempDir()
	q := openQ(t, Config{Dir: dir})
	other := put(t, q, msg(x400.PrecedenceRoutine, "other", "r", "h"), "o") // keeps the segment
	id := put(t, q, msg(x400.PrecedenceRoutine, "fin", "r", "h"), "b")
	for {
		l := tryNext(t, q, 0)
		if l.Message.ID == id {
			deliverAll(t, q, l)
			break
		}
		q.Abandon(l)
		if err := q.Hold(other); err != nil {
			t.Fatal(err)
		}
	}
	q.Close()
	if err := os.WriteFile(filepath.Join(dir, "seen"), []byte(fileMagic), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		q = openQ(t, Config{Dir: dir})
		if r := q.Recovery(); r.Finished != 0 || r.Messages != 1 {
			t.Fatalf("recovery = %+v", r)
		}
		if got, dup, err := q.Put(context.Background(), msg(x400.PrecedenceRoutine, "fin", "r", "h"), []byte("x")); err != nil || !dup || got != id {
			t.Fatalf("finished message put again: %s %v %v", got, dup, err)
		}
		q.Close()
		b, err := os.ReadFile(filepath.Join(dir, "seen"))
		if err != nil || !strings.Contains(string(b), "mts:fin") {
			t.Fatalf("seen file not restored: %q %v", b, err)
		}
	}
}

// FuzzScanSegment: whatever a segment holds, Open recovers (cutting,
// moving aside) without a panic, and a message it recovers can be read.
func FuzzScanSegment(f *testing.F) {
	hp := []byte(`{"seq":1,"id":"1","kind":"p1","arrival":"2026-11-23T12:00:00Z","rcpts":[{"addr":"a","hop":"h"}]}`)
	b := append([]byte(segMagic), messageRecord(hp, []byte("body"))...)
	f.Add(b)
	b = append(b, eventRecord(recSegEvent, "1", []byte(`{"k":"hold"}`))...)
	f.Add(b)
	f.Add(append(b, eventRecord(recFinished, "1", []byte(`[{"key":"mts:x","id":"1","t":"2026-11-23T12:00:00Z"}]`))...))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "seg"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "seg", segName(1)), data, 0o600); err != nil {
			t.Fatal(err)
		}
		q, err := Open(Config{Dir: dir, Now: newClock().Now, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		for _, m := range q.List(Filter{}) {
			if _, _, err := q.Inspect(m.ID); err != nil {
				t.Fatalf("recovered %s unreadable: %v", m.ID, err)
			}
		}
	})
}

// A Put whose fdatasync fails is refused, and its record, which may yet
// have reached the disk, is not queued by the next Open.
func TestPutSyncFails(t *testing.T) {
	dir := t.TempDir()
	q := openQ(t, Config{Dir: dir})
	q.st.gs.sync = func() error { return syscall.EIO }
	if _, _, err := q.Put(context.Background(), msg(x400.PrecedenceRoutine, "a", "r", "h"), []byte("a")); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Put with a failing fdatasync: %v", err)
	}
	if s := q.Stats(); s.Messages != 0 {
		t.Fatalf("stats: %+v", s)
	}
	q.Close()
	q = openQ(t, Config{Dir: dir})
	if r := q.Recovery(); r.Messages != 0 {
		t.Fatalf("recovery = %+v", r)
	}
	if _, dup, err := q.Put(context.Background(), msg(x400.PrecedenceRoutine, "a", "r", "h"), []byte("a")); err != nil || dup {
		t.Fatalf("Put again: dup %v err %v", dup, err)
	}
}

// Sides are kept with the change they go with (Put, ReportWith, a
// finishing ReportWith) and handed back by Open while their segment
// lives; BeforeRemove runs before a segment goes.
func TestSides(t *testing.T) {
	dir := t.TempDir()
	removes := 0
	cfg := Config{Dir: dir, BeforeRemove: func() error { removes++; return nil }}
	q := openQ(t, cfg)
	ctx := context.Background()
	side := func(n uint64) Side {
		return Side{Tag: n, Data: json.RawMessage(`{"n":` + strconv.FormatUint(n, 10) + `}`)}
	}
	hook := func(n uint64) PutHook {
		return func(string) (Side, func() error, error) { return side(n), nil, nil }
	}
	if _, _, err := q.PutWith(ctx, msg(x400.PrecedenceRoutine, "a", "r1", "h", "r2", "h2"), []byte("A"), hook(1)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := q.PutWith(ctx, msg(x400.PrecedenceRoutine, "b", "r", "h"), []byte("B"), hook(2)); err != nil {
		t.Fatal(err)
	}
	// a's first recipient (a journal record), and b whole (finish); a's
	// second (hop h2) stays.
	for done := 0; done < 2; {
		l := tryNext(t, q, 0)
		if l.Hop == "h2" {
			q.Abandon(l)
			if err := q.Hold(l.Message.ID); err != nil {
				t.Fatal(err)
			}
			continue
		}
		done++
		n := uint64(3)
		if l.Message.MTSID == "b" {
			n = 4
		}
		var res []RecipientResult
		for _, i := range l.Recipients {
			res = append(res, RecipientResult{Index: i, Disposition: Delivered, Attempt: Attempt{Result: ResultAccepted}})
		}
		if err := q.ReportWith(l, side(n), res...); err != nil {
			t.Fatal(err)
		}
	}
	q.Close()
	var got []string
	cfg.OnSide = func(s Side) { got = append(got, strconv.FormatUint(s.Tag, 10)+string(s.Data)) }
	q = openQ(t, cfg)
	sort.Strings(got)
	if want := []string{`1{"n":1}`, `2{"n":2}`, `3{"n":3}`, `4{"n":4}`}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("sides after reopen %q, want %q", got, want)
	}
	ms := q.List(Filter{})
	if len(ms) != 1 || ms[0].MTSID != "a" || len(ms[0].Side) != 0 {
		t.Fatalf("queued %+v, want a alone (its side not in memory)", ms)
	}
	// Finishing a and rolling the segments over removes them: BeforeRemove first.
	q.st.segMax = 64
	if err := q.Release(ms[0].ID); err != nil {
		t.Fatal(err)
	}
	deliverAll(t, q, tryNext(t, q, 0))
	put(t, q, msg(x400.PrecedenceRoutine, "c", "r", "h"), "C")
	deliverAll(t, q, tryNext(t, q, 0))
	if removes == 0 {
		t.Error("segments removed without BeforeRemove")
	}
}
