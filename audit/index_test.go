package audit

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

var idxT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func openIdxLog(t testing.TB, dir string) *Log {
	t.Helper()
	l, err := Open(Config{Dir: dir, Gateway: "GW1", Now: func() time.Time { return idxT0 }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func departedRec(gw, id string, at time.Time, k Keys, rcpts ...Recipient) *Record {
	return &Record{Time: at, Event: EventDeparted, Gateway: gw, ID: id, Kind: "message", Protocol: "smtp", Peer: "relay-a", Keys: k, Recipients: rcpts}
}

// appendIndexed appends the records and adds them to the index, as the
// daemon does.
func appendIndexed(t testing.TB, l *Log, x *Index, recs ...*Record) {
	t.Helper()
	locs, err := l.Append(recs...)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		x.Add(r, locs[i])
	}
}

// want checks a lookup's answer: the message (gateway/ID), the recipient
// index and the departed record's Seq (0: any).
func wantMatch(t *testing.T, x *Index, q Query, gw, id string, index int, seq uint64) {
	t.Helper()
	m, err := x.Lookup(q)
	if err != nil {
		t.Errorf("Lookup(%+v): %v", q, err)
		return
	}
	if m.Record.Gateway != gw || m.Record.ID != id || m.Recipient.Index != index || (seq != 0 && m.Record.Seq != seq) {
		t.Errorf("Lookup(%+v) = %s/%s recipient %d seq %d, want %s/%s recipient %d seq %d", q,
			m.Record.Gateway, m.Record.ID, m.Recipient.Index, m.Record.Seq, gw, id, index, seq)
	}
	if m.Recipient != &m.Record.Recipients[indexOf(m.Record, m.Recipient.Index)] {
		t.Errorf("Lookup(%+v): the Recipient is not the record's", q)
	}
}

func indexOf(r *Record, index int) int {
	for i := range r.Recipients {
		if r.Recipients[i].Index == index {
			return i
		}
	}
	return -1
}

func wantErr(t *testing.T, x *Index, q Query, target error, contains ...string) {
	t.Helper()
	m, err := x.Lookup(q)
	if !errors.Is(err, target) {
		t.Errorf("Lookup(%+v) = %+v, %v; want %v", q, m, err, target)
		return
	}
	for _, c := range contains {
		if !strings.Contains(err.Error(), c) {
			t.Errorf("Lookup(%+v): error %q lacks %q", q, err, c)
		}
	}
}

// testMessages is a small log: Q1 with every key and one recipient, Q2
// with three recipients in both worlds, Q3 with the same Message-ID as Q4
// (two copies of one message through one gateway), and Q5 that departed
// twice for the same recipient (a retry) and once for another (a second
// hop).
func testMessages() []*Record {
	return []*Record{
		departedRec("GW1", "Q1", idxT0, Keys{
			MTSID: "[c=GB;a=TEST;p=PTEST;gw1.1]", EnvID: "env-1", MessageID: "<m1@gw1.example>",
			IPMID: "<ipm1@gw1.example>", ContentCorrelator: "corr-1",
		}, Recipient{Index: 0, Number: 1, SMTP: "alice@example.org", X400: "/C=GB/ADMD=TEST/PRMD=PTEST/S=alice/"}),
		departedRec("GW1", "Q2", idxT0.Add(time.Minute), Keys{MTSID: "[c=GB;a=TEST;p=PTEST;gw1.2]", EnvID: "env-2", MessageID: "<m2@gw1.example>"},
			Recipient{Index: 0, Number: 1, SMTP: "bob@example.org", ORcptType: "rfc822", ORcpt: "robert@example.net"},
			Recipient{Index: 1, Number: 2, SMTP: "eve@example.org", X400: "/C=GB/ADMD=TEST/PRMD=PTEST/O=MOD/S=Eve/G=Ann/"},
			Recipient{Index: 2, Number: 3, SMTP: "carol@example.org"},
		),
		departedRec("GW1", "Q3", idxT0.Add(2*time.Minute), Keys{MessageID: "<dup@example.org>"}, Recipient{Index: 0, SMTP: "dan@example.org"}),
		departedRec("GW1", "Q4", idxT0.Add(3*time.Minute), Keys{MessageID: "<dup@example.org>"}, Recipient{Index: 0, SMTP: "dan@example.org"}),
		departedRec("GW1", "Q5", idxT0.Add(4*time.Minute), Keys{EnvID: "env-5"}, Recipient{Index: 0, SMTP: "fay@example.org"}),
		departedRec("GW1", "Q5", idxT0.Add(5*time.Minute), Keys{EnvID: "env-5"}, Recipient{Index: 0, SMTP: "fay@example.org"}),
		departedRec("GW1", "Q5", idxT0.Add(6*time.Minute), Keys{EnvID: "env-5"}, Recipient{Index: 1, SMTP: "gus@example.org"}),
		// Not departed: never a candidate.
		{Time: idxT0, Event: EventArrived, Gateway: "GW1", ID: "Q9", Keys: Keys{EnvID: "env-9"}, Recipients: []Recipient{{Index: 0, SMTP: "x@example.org"}}},
	}
}

func newTestIndex(t *testing.T) (*Log, *Index) {
	t.Helper()
	l := openIdxLog(t, t.TempDir())
	t.Cleanup(func() { l.Close() })
	x := NewIndex(l, 0)
	appendIndexed(t, l, x, testMessages()...)
	return l, x
}

func TestIndexEachKey(t *testing.T) {
	_, x := newTestIndex(t)
	for _, q := range []Query{
		{MTSID: "[c=GB;a=TEST;p=PTEST;gw1.1]"},
		{EnvID: "env-1"},
		{MessageID: "<m1@gw1.example>"},
		{MessageID: "m1@gw1.example"}, // without its brackets
		{MessageID: " <m1@gw1.example> "},
		{IPMID: "<ipm1@gw1.example>"},
		{ContentCorrelator: "corr-1"},
		{MTSID: "[c=GB;a=TEST;p=PTEST;gw1.1]", ContentCorrelator: "corr-1"},
		{EnvID: "env-1", Recipient: "rfc822;alice@example.org"},
	} {
		wantMatch(t, x, q, "GW1", "Q1", 0, 1)
	}
	// A key of one kind does not match the same text as another kind,
	// and keys compare exactly.
	wantErr(t, x, Query{EnvID: "<m1@gw1.example>"}, ErrNoMatch, "no departed message carries")
	wantErr(t, x, Query{MTSID: "[c=GB;a=TEST;p=PTEST;GW1.1]"}, ErrNoMatch)
	wantErr(t, x, Query{EnvID: "env-9"}, ErrNoMatch) // arrived, not departed
	wantErr(t, x, Query{Recipient: "alice@example.org"}, ErrNoMatch, "names no correlation key")
}

func TestIndexRecipient(t *testing.T) {
	_, x := newTestIndex(t)
	env := "env-2"
	for _, c := range []struct {
		q     Query
		index int
	}{
		{Query{EnvID: env, Recipient: "bob@example.org"}, 0},
		{Query{EnvID: env, Recipient: "rfc822; BOB@Example.ORG"}, 0},
		{Query{EnvID: env, Recipient: "<bob@example.org>"}, 0},
		{Query{EnvID: env, Recipient: "robert@example.net"}, 0}, // ORCPT (Original-Recipient)
		{Query{MTSID: "[c=GB;a=TEST;p=PTEST;gw1.2]", Recipient: "/C=GB/ADMD=TEST/PRMD=PTEST/O=MOD/S=Eve/G=Ann/"}, 1},
		// Another order, the other separator, another case.
		{Query{MTSID: "[c=GB;a=TEST;p=PTEST;gw1.2]", Recipient: "G=ann; S=EVE; O=mod; PRMD=ptest; ADMD=test; C=gb"}, 1},
		{Query{MTSID: "[c=GB;a=TEST;p=PTEST;gw1.2]", Number: 3}, 2},
		{Query{MTSID: "[c=GB;a=TEST;p=PTEST;gw1.2]", Number: 2, Recipient: "eve@example.org"}, 1},
		{Query{MessageID: "<m2@gw1.example>", Recipient: "carol@example.org"}, 2},
	} {
		wantMatch(t, x, c.q, "GW1", "Q2", c.index, 2)
	}
	// The number contradicts the address.
	wantErr(t, x, Query{EnvID: env, Number: 1, Recipient: "eve@example.org"}, ErrNoMatch, "none to recipient")
	wantErr(t, x, Query{EnvID: env, Recipient: "mallory@example.org"}, ErrNoMatch, `none to recipient "mallory@example.org"`)
	wantErr(t, x, Query{EnvID: env, Recipient: "/C=GB/ADMD=TEST/PRMD=PTEST/O=MOD/S=Eve/"}, ErrNoMatch) // a different O/R address
	wantErr(t, x, Query{EnvID: env, Number: 4}, ErrNoMatch)
	// Naming no recipient: three message-recipients.
	wantErr(t, x, Query{EnvID: env}, ErrAmbiguous, "3 message-recipients", "GW1/Q2 recipient 0 (bob@example.org)", "GW1/Q2 recipient 2 (carol@example.org)")
	// ... but a message with one recipient is that one.
	wantMatch(t, x, Query{EnvID: "env-1"}, "GW1", "Q1", 0, 1)
}

func TestIndexCandidates(t *testing.T) {
	_, x := newTestIndex(t)
	// Two messages carry the Message-ID for the same address: not guessed.
	wantErr(t, x, Query{MessageID: "<dup@example.org>", Recipient: "dan@example.org"}, ErrAmbiguous, "GW1/Q3 recipient 0", "GW1/Q4 recipient 0")
	// A key the records lack does not disqualify them (nor tell them
	// apart).
	wantErr(t, x, Query{MessageID: "<dup@example.org>", EnvID: "env-x", MTSID: "[c=XX;a=;p=;x]"}, ErrAmbiguous, "GW1/Q3", "GW1/Q4")
}

func TestIndexConflictingKeys(t *testing.T) {
	_, x := newTestIndex(t)
	// ... but a different value does: Q1's MTS identifier with Q2's ENVID
	// names neither.
	wantErr(t, x, Query{MTSID: "[c=GB;a=TEST;p=PTEST;gw1.1]", EnvID: "env-2"}, ErrNoMatch)
	wantErr(t, x, Query{MessageID: "<m1@gw1.example>", ContentCorrelator: "corr-2"}, ErrNoMatch)
	// A key Q5 lacks (a Message-ID) does not count against it.
	wantMatch(t, x, Query{EnvID: "env-5", MessageID: "<other@x>", Recipient: "gus@example.org"}, "GW1", "Q5", 1, 7)
}

func TestIndexRetriesNewestWins(t *testing.T) {
	_, x := newTestIndex(t)
	// fay@ departed twice (records 5 and 6): the newest is the match.
	wantMatch(t, x, Query{EnvID: "env-5", Recipient: "fay@example.org"}, "GW1", "Q5", 0, 6)
	wantMatch(t, x, Query{EnvID: "env-5", Recipient: "gus@example.org"}, "GW1", "Q5", 1, 7)
	// Naming no recipient: two message-recipients, however many records.
	wantErr(t, x, Query{EnvID: "env-5"}, ErrAmbiguous, "2 message-recipients")
}

func TestIndexGateways(t *testing.T) {
	l := openIdxLog(t, t.TempDir())
	defer l.Close()
	x := NewIndex(l, 0)
	k := Keys{MessageID: "<same@example.org>"}
	appendIndexed(t, l, x,
		departedRec("GW1", "Q1", idxT0, k, Recipient{Index: 0, SMTP: "a@example.org"}),
		departedRec("GW2", "Q1", idxT0, k, Recipient{Index: 0, SMTP: "a@example.org"}),
		departedRec("GW2", "Q7", idxT0, Keys{EnvID: "e7"}, Recipient{Index: 0, SMTP: "b@example.org"}),
	)
	// The same queue ID at two gateways is two message-recipients.
	wantErr(t, x, Query{MessageID: "<same@example.org>"}, ErrAmbiguous, "GW1/Q1", "GW2/Q1")
	wantMatch(t, x, Query{EnvID: "e7"}, "GW2", "Q7", 0, 3)
}

// TestIndexHashCollision forces every key onto one hash: lookups must
// still find exactly the right record, and a key no record carries must
// find nothing.
func TestIndexHashCollision(t *testing.T) {
	l := openIdxLog(t, t.TempDir())
	defer l.Close()
	x := NewIndex(l, 0)
	x.hash = func(maphash.Seed, byte, string) uint64 { return 42 }
	appendIndexed(t, l, x, testMessages()...)
	if x.head.n != 1 {
		t.Fatalf("the hook did not collide: %d heads", x.head.n)
	}
	wantMatch(t, x, Query{EnvID: "env-1"}, "GW1", "Q1", 0, 1)
	wantMatch(t, x, Query{IPMID: "<ipm1@gw1.example>"}, "GW1", "Q1", 0, 1)
	wantMatch(t, x, Query{EnvID: "env-2", Recipient: "eve@example.org"}, "GW1", "Q2", 1, 2)
	wantMatch(t, x, Query{EnvID: "env-5", Recipient: "fay@example.org"}, "GW1", "Q5", 0, 6)
	wantErr(t, x, Query{EnvID: "env-404"}, ErrNoMatch, "no departed message carries")
	wantErr(t, x, Query{EnvID: "<m1@gw1.example>"}, ErrNoMatch) // Q1's Message-ID, as another kind

	// Two keys with the same hash that two records carry: each its own.
	y := NewIndex(l, 0)
	y.hash = func(seed maphash.Seed, kind byte, v string) uint64 {
		if v == "env-1" || v == "env-2" {
			return 7
		}
		return hashKey(seed, kind, v)
	}
	appendIndexed(t, l, y, testMessages()[:2]...)
	wantMatch(t, y, Query{EnvID: "env-1"}, "GW1", "Q1", 0, 9)
	wantMatch(t, y, Query{EnvID: "env-2", Number: 2}, "GW1", "Q2", 1, 10)
}

// TestIndexRebuild: an index built from the log after a restart answers
// as the one built record by record did.
func TestIndexRebuild(t *testing.T) {
	dir := t.TempDir()
	l := openIdxLog(t, dir)
	live := NewIndex(l, 0)
	appendIndexed(t, l, live, testMessages()...)
	queries := []Query{
		{EnvID: "env-1"}, {MTSID: "[c=GB;a=TEST;p=PTEST;gw1.2]", Recipient: "G=ann; S=EVE; O=mod; PRMD=ptest; ADMD=test; C=gb"},
		{EnvID: "env-2"}, {EnvID: "env-5", Recipient: "fay@example.org"}, {MessageID: "<dup@example.org>"},
		{EnvID: "env-404"}, {EnvID: "env-9"},
	}
	type answer struct {
		gw, id string
		index  int
		seq    uint64
		err    string
	}
	ask := func(x *Index) []answer {
		var out []answer
		for _, q := range queries {
			m, err := x.Lookup(q)
			if err != nil {
				out = append(out, answer{err: err.Error()})
				continue
			}
			out = append(out, answer{m.Record.Gateway, m.Record.ID, m.Recipient.Index, m.Record.Seq, ""})
		}
		return out
	}
	before := ask(live)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openIdxLog(t, dir)
	defer l.Close()
	built, err := BuildIndex(l, 0, idxT0)
	if err != nil {
		t.Fatal(err)
	}
	if built.Len() != live.Len() || built.Len() != 7 {
		t.Errorf("rebuilt %d records, live %d, want 7", built.Len(), live.Len())
	}
	after := ask(built)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("after the restart:\n%v\nbefore:\n%v", after, before)
	}
	if before[0].id != "Q1" || before[3].seq != 6 || !strings.Contains(before[4].err, "more than one") {
		t.Errorf("unexpected answers: %v", before)
	}
}

func TestIndexWindow(t *testing.T) {
	dir := t.TempDir()
	l := openIdxLog(t, dir)
	defer l.Close()
	now := idxT0.Add(10 * time.Hour)
	x := NewIndex(l, 2*time.Hour)
	appendIndexed(t, l, x,
		departedRec("GW1", "OLD", now.Add(-3*time.Hour), Keys{EnvID: "old", MessageID: "<shared@x>"}, Recipient{Index: 0, SMTP: "a@example.org"}),
		departedRec("GW1", "NEW", now.Add(-1*time.Hour), Keys{EnvID: "new", MessageID: "<shared@x>"}, Recipient{Index: 0, SMTP: "a@example.org"}),
		departedRec("GW1", "R", now.Add(-150*time.Minute), Keys{EnvID: "retried"}, Recipient{Index: 0, SMTP: "b@example.org"}),
		departedRec("GW1", "R", now.Add(-30*time.Minute), Keys{EnvID: "retried"}, Recipient{Index: 0, SMTP: "b@example.org"}),
	)
	wantMatch(t, x, Query{EnvID: "old"}, "GW1", "OLD", 0, 1)
	wantErr(t, x, Query{MessageID: "<shared@x>"}, ErrAmbiguous)

	// Built at start-up: only the last two hours.
	b, err := BuildIndex(l, 2*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	x.Prune(now)
	for name, y := range map[string]*Index{"built": b, "pruned": x} {
		if y.Len() != 2 {
			t.Errorf("%s: %d records, want 2", name, y.Len())
		}
		wantErr(t, y, Query{EnvID: "old"}, ErrNoMatch)
		wantMatch(t, y, Query{MessageID: "<shared@x>"}, "GW1", "NEW", 0, 2)
		wantMatch(t, y, Query{EnvID: "retried"}, "GW1", "R", 0, 4)
	}
	// Pruning keeps the chains whole, newest first, and adding after a
	// prune links to them.
	appendIndexed(t, l, x, departedRec("GW1", "R", now.Add(time.Minute), Keys{EnvID: "retried"}, Recipient{Index: 0, SMTP: "b@example.org"}))
	wantMatch(t, x, Query{EnvID: "retried"}, "GW1", "R", 0, 5)
	x.Prune(now.Add(24 * time.Hour))
	if x.Len() != 0 || x.head.n != 0 || len(x.slot) != 0 {
		t.Errorf("after pruning everything: %d records, %d heads, %d postings", x.Len(), x.head.n, len(x.slot))
	}
	wantErr(t, x, Query{EnvID: "retried"}, ErrNoMatch)
	// Window 0 keeps everything.
	y := NewIndex(l, 0)
	appendIndexed(t, l, y, departedRec("GW1", "Z", idxT0, Keys{EnvID: "z"}, Recipient{Index: 0, SMTP: "z@example.org"}))
	y.Prune(now.Add(1000 * time.Hour))
	wantMatch(t, y, Query{EnvID: "z"}, "GW1", "Z", 0, 6)
}

// failReader fails on demand.
type failReader struct {
	RecordReader
	err error
}

func (f failReader) Read(loc Loc) (*Record, error) {
	if f.err != nil {
		return nil, f.err
	}
	return f.RecordReader.Read(loc)
}

func TestIndexReadErrors(t *testing.T) {
	l, x := newTestIndex(t)
	// A record whose file is no longer kept is no candidate.
	x.r = failReader{l, fmt.Errorf("open: %w", fs.ErrNotExist)}
	wantErr(t, x, Query{EnvID: "env-1"}, ErrNoMatch)
	// Any other failure is the lookup's error: not "unmatched".
	x.r = failReader{l, errors.New("disk on fire")}
	if _, err := x.Lookup(Query{EnvID: "env-1"}); err == nil || errors.Is(err, ErrNoMatch) || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("read failure: %v", err)
	}
	// Records that do not carry the key (the log changed under the
	// index) are not matches.
	y := NewIndex(l, 0)
	locs, _ := l.Append(departedRec("GW1", "Q", idxT0, Keys{EnvID: "e"}, Recipient{Index: 0, SMTP: "q@example.org"}))
	y.Add(departedRec("GW1", "Q", idxT0, Keys{EnvID: "not-what-the-log-says"}, Recipient{Index: 0}), locs[0])
	wantErr(t, y, Query{EnvID: "not-what-the-log-says"}, ErrNoMatch)
}

func TestIndexTooManyCandidates(t *testing.T) {
	l := openIdxLog(t, t.TempDir())
	defer l.Close()
	x := NewIndex(l, 0)
	var recs []*Record
	for i := range maxCandidates + 1 {
		recs = append(recs, departedRec("GW1", fmt.Sprintf("C%d", i), idxT0, Keys{ContentCorrelator: "common"}, Recipient{Index: 0, SMTP: "c@example.org"}))
	}
	appendIndexed(t, l, x, recs...)
	wantErr(t, x, Query{ContentCorrelator: "common"}, ErrAmbiguous, fmt.Sprintf("more than %d departed records", maxCandidates))

	// A message to many recipients, none named: the error lists a few.
	big := departedRec("GW1", "BIG", idxT0, Keys{EnvID: "big"})
	for i := range 20 {
		big.Recipients = append(big.Recipients, Recipient{Index: i, SMTP: fmt.Sprintf("r%d@example.org", i)})
	}
	appendIndexed(t, l, x, big)
	wantErr(t, x, Query{EnvID: "big"}, ErrAmbiguous, "fits more than 8 message-recipients: GW1/BIG recipient 0 (r0@example.org), ", "recipient 7 (r7@example.org), ...")
	wantMatch(t, x, Query{EnvID: "big", Recipient: "r19@example.org"}, "GW1", "BIG", 19, uint64(maxCandidates+2))
}

// TestIndexConcurrent adds and looks up at once (run with -race).
func TestIndexConcurrent(t *testing.T) {
	l := openIdxLog(t, t.TempDir())
	defer l.Close()
	x := NewIndex(l, time.Hour)
	var wg sync.WaitGroup
	const n = 200
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range n {
			r := departedRec("GW1", fmt.Sprintf("Q%d", i), idxT0, Keys{EnvID: fmt.Sprintf("e%d", i)}, Recipient{Index: 0, SMTP: "c@example.org"})
			locs, err := l.Append(r)
			if err != nil {
				t.Error(err)
				return
			}
			x.Add(r, locs[0])
			if i%50 == 0 {
				x.Prune(idxT0)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for i := range n {
			_, err := x.Lookup(Query{EnvID: fmt.Sprintf("e%d", i)})
			if err != nil && !errors.Is(err, ErrNoMatch) {
				t.Error(err)
			}
		}
	}()
	wg.Wait()
	for i := range n {
		wantMatch(t, x, Query{EnvID: fmt.Sprintf("e%d", i)}, "GW1", fmt.Sprintf("Q%d", i), 0, uint64(i+1))
	}
}

// TestKeyTable checks the open-addressing table against a Go map, across
// its growth, with the hashes 0 and 1 (which share a slot).
func TestKeyTable(t *testing.T) {
	var kt keyTable
	ref := map[uint64]uint32{}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 5000 {
		h := rng.Uint64()
		switch i % 100 {
		case 0:
			h = 0
		case 1:
			h = 1
		case 2:
			h = uint64(i) << 40 // the same low bits: long probes
		}
		kt.set(h, uint32(i))
		ref[max(h, 1)] = uint32(i)
	}
	if kt.n != len(ref) {
		t.Errorf("%d hashes, want %d", kt.n, len(ref))
	}
	for h, want := range ref {
		if got, ok := kt.get(h); !ok || got != want {
			t.Fatalf("get(%#x) = %d %v, want %d", h, got, ok, want)
		}
	}
	if got, _ := kt.get(0); got != ref[1] {
		t.Errorf("hash 0 is not hash 1's slot")
	}
	for range 1000 {
		if h := rng.Uint64(); ref[h] == 0 {
			if _, ok := kt.get(h); ok {
				t.Fatalf("get(%#x) found a hash never set", h)
			}
		}
	}
	if n := len(kt.hashes); kt.n*4 > n*3 || n&(n-1) != 0 {
		t.Errorf("%d hashes in %d slots", kt.n, n)
	}
}

// BuildIndex reads only the departed records of a log that holds every
// kind (their keys alone), and finds them as Add would.
func TestIndexBuildMixedLog(t *testing.T) {
	dir := t.TempDir()
	l := openIdxLog(t, dir)
	k := Keys{MTSID: "[c=XX;a= ;p=GW;m1]", EnvID: "env-m1", MessageID: "<m1@x>"}
	rc := Recipient{Index: 0, SMTP: "bob@example.net", X400: "/C=XX/ADMD= /PRMD=GW/S=Bob/", Number: 1}
	recs := []*Record{
		{Time: idxT0, Event: EventArrived, Gateway: "GW", ID: "Q1", Keys: k, Recipients: []Recipient{rc}},
		{Time: idxT0, Event: EventConverted, Gateway: "GW", ID: "Q1", Keys: k, Recipients: []Recipient{rc},
			Conversion: &Conversion{Direction: "smtp-to-x400", Mapped: 3}},
		departedRec("GW", "Q1", idxT0, k, rc),
		{Time: idxT0, Event: EventDeliveryReport, Gateway: "GW", ID: "Q2", Kind: "dsn",
			Keys: Keys{EnvID: "env-m1", MessageID: "<m1@x>"}, Recipients: []Recipient{rc},
			Ack: &Ack{Type: "dsn", Positive: true, Matched: true, SubjectID: "Q1"}},
	}
	if _, err := l.Append(recs...); err != nil {
		t.Fatal(err)
	}
	x, err := BuildIndex(l, 0, idxT0)
	if err != nil {
		t.Fatal(err)
	}
	if x.Len() != 1 {
		t.Fatalf("index of %d records, want the departed one", x.Len())
	}
	m, err := x.Lookup(Query{EnvID: "env-m1", Recipient: "bob@example.net"})
	if err != nil || m.Record.ID != "Q1" || m.Record.Event != EventDeparted || m.Recipient == nil || m.Recipient.Number != 1 {
		t.Fatalf("Lookup = %+v %v", m, err)
	}
}
