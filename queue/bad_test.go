package queue

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mixerd/x400"
)

func TestBadSpoolFiles(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	q := openQ(t, Config{Dir: dir, Now: clk.Now})
	a := put(t, q, msg(x400.PrecedenceRoutine, "a", "r", "h", "s", "h2"), "body-a")
	b := put(t, q, msg(x400.PrecedenceRoutine, "b", "r", "h"), "body-b")
	deliverAll(t, q, tryNext(t, q, 0)) // a's first recipient
	q.Close()

	msgDir := filepath.Join(dir, "msg")
	good, err := os.ReadFile(filepath.Join(msgDir, b))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(msgDir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("garbage", []byte("hello, this is not a spool file"))
	write("truncated", good[:len(good)-3]) // body cut short
	write("renamed", good)                 // name does not match its id
	huge := []byte(fileMagic)
	huge = binary.BigEndian.AppendUint32(huge, 0xFFFFFFF0)
	write("hugeclaim", append(huge, 0, 0, 0, 0, 'H'))
	flipped := append([]byte(nil), good...)
	flipped[len(fileMagic)+recHdrSize+5] ^= 0xFF // header checksum fails
	write("flipped", flipped)
	// A torn journal tail on a, and a half-written file in tmp.
	f, err := os.OpenFile(filepath.Join(msgDir, a), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(appendRecord(nil, recEvent, []byte(`{"k":"hold"}`))[:10])
	f.Close()
	if err := os.WriteFile(filepath.Join(dir, "tmp", "12345"), []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}

	q = openQ(t, Config{Dir: dir, Now: clk.Now})
	r := q.Recovery()
	if len(r.Bad) != 5 || r.TornJournals != 1 || r.TempsRemoved != 1 || r.Messages != 2 {
		t.Fatalf("recovery = %+v", r)
	}
	for _, name := range []string{"garbage", "truncated", "renamed", "hugeclaim", "flipped"} {
		if _, err := os.Stat(filepath.Join(dir, "bad", name)); err != nil {
			t.Errorf("%s not moved aside: %v", name, err)
		}
		found := false
		for _, s := range r.Bad {
			found = found || strings.HasPrefix(s, name+": ")
		}
		if !found {
			t.Errorf("%s not reported: %v", name, r.Bad)
		}
	}
	// a survived its torn tail: not held, first recipient delivered; new
	// journal records after the cut are read back.
	l := tryNext(t, q, 0)
	if l == nil || l.Message.ID != a || l.Hop != "h2" {
		t.Fatalf("lease after recovery: %+v", l)
	}
	if err := q.Report(l, RecipientResult{Index: 1, Disposition: Transient, Attempt: Attempt{Result: ResultLost}}); err != nil {
		t.Fatal(err)
	}
	q.Close()
	q = openQ(t, Config{Dir: dir, Now: clk.Now})
	m, err := q.Get(a)
	if err != nil || m.Recipients[0].State != StateDelivered || m.Recipients[1].State != StateTransient {
		t.Fatalf("a after second reopen: %+v %v", m, err)
	}
	if r := q.Recovery(); len(r.Bad) != 0 || r.TornJournals != 0 {
		t.Fatalf("second recovery = %+v", r)
	}
}

func TestSpoolLocked(t *testing.T) {
	dir := t.TempDir()
	openQ(t, Config{Dir: dir})
	if _, err := Open(Config{Dir: dir, Logger: quietLogger()}); err == nil {
		t.Fatal("second Open of one spool succeeded")
	}
}

func FuzzParseFile(f *testing.F) {
	hdr := []byte(`{"seq":1,"id":"1","kind":"p1","rcpts":[{"addr":"a","hop":"h"}]}`)
	b := appendRecord([]byte(fileMagic), recHeader, hdr)
	b = appendRecord(b, recBody, []byte("body"))
	f.Add(b)
	f.Add(appendRecord(b, recEvent, []byte(`{"k":"result","r":[{"i":0,"d":2}]}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := parseFile(data, 1<<20)
		if err != nil {
			return
		}
		e := &entry{rcpts: make([]rcpt, len(pf.hdr.Recipients))}
		for _, ev := range pf.events {
			e.apply(&ev, make([][]Attempt, len(e.rcpts)))
		}
	})
}

// A crash after a finished message's seen record and before its file's
// removal: Open finishes it, it is not attempted again.
func TestRecoverFinishedNotRemoved(t *testing.T) {
	dir := t.TempDir()
	q := openQ(t, Config{Dir: dir})
	id := put(t, q, msg(x400.PrecedenceRoutine, "fin", "r", "h"), "b")
	path := filepath.Join(dir, "msg", id)
	saved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	deliverAll(t, q, tryNext(t, q, 0))
	q.Close()
	if err := os.WriteFile(path, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	q = openQ(t, Config{Dir: dir})
	if r := q.Recovery(); r.Finished != 1 || r.Messages != 0 {
		t.Fatalf("recovery = %+v", r)
	}
	if l := tryNext(t, q, 0); l != nil {
		t.Fatalf("finished message leased again: %+v", l)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("file not removed: %v", err)
	}
}
