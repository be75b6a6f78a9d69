package queue

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mixerd/x400"
)

// A finished message's file is reused by the next Put: nothing of the
// old message (its longer body, its journal) is read back as the new one's,
// before or after a reopen.
func TestFreeFileReuse(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	q := openQ(t, Config{Dir: dir, Now: clk.Now})
	a := put(t, q, msg(x400.PrecedenceRoutine, "a", "r1", "hA", "r2", "hB", "r3", "hA"), strings.Repeat("A", 20000))
	if err := q.Hold(a); err != nil {
		t.Fatal(err)
	}
	if err := q.Release(a); err != nil {
		t.Fatal(err)
	}
	deliverAll(t, q, tryNext(t, q, 0)) // a journal record: not finished yet
	deliverAll(t, q, tryNext(t, q, 0)) // finished: its file goes to the pool
	if s := q.Stats(); s.FreeFiles != 1 || s.FilesCreated != 1 || s.Messages != 0 {
		t.Fatalf("after finishing a: %+v", s)
	}
	b := put(t, q, msg(x400.PrecedenceFlash, "b", "s1", "hC"), "b-body")
	if s := q.Stats(); s.FreeFiles != 0 || s.FilesCreated != 1 {
		t.Fatalf("b did not reuse a's file: %+v", s)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "free")); len(ents) != 0 {
		t.Fatalf("free files left: %d", len(ents))
	}
	check := func(q *Queue) {
		t.Helper()
		m, body, err := q.Inspect(b)
		if err != nil {
			t.Fatal(err)
		}
		if string(body) != "b-body" || len(m.Recipients) != 1 || m.Held ||
			m.Recipients[0].State != StatePending || m.Recipients[0].NumAttempts != 0 || len(m.Recipients[0].Attempts) != 0 {
			t.Fatalf("b read back as %+v %q", m, body)
		}
	}
	check(q)
	q.Close()
	q = openQ(t, Config{Dir: dir, Now: clk.Now})
	if r := q.Recovery(); r.Messages != 1 || r.TornJournals != 0 || len(r.Bad) != 0 {
		t.Fatalf("recovery = %+v", r)
	}
	check(q)
	if _, dup, err := q.Put(context.Background(), msg(x400.PrecedenceRoutine, "a", "r", "h"), []byte("x")); err != nil || !dup {
		t.Fatalf("a (finished) put again: dup %v err %v", dup, err)
	}
	l := tryNext(t, q, 0)
	if l == nil || l.Message.ID != b || l.Hop != "hC" {
		t.Fatalf("lease of b: %+v", l)
	}
	if body, _, err := q.Body(l); err != nil || string(body) != "b-body" {
		t.Fatalf("Body = %q %v", body, err)
	}
}

// What a crash can leave in DIR/free is never a message: a whole message
// file written there but not yet renamed (not acknowledged), a torn one, a
// second name of a message's inode or of another free file (kept out of
// the pool and left alone), something that is not a file.
func TestFreeFileCrashStates(t *testing.T) {
	dir := t.TempDir()
	q := openQ(t, Config{Dir: dir})
	x := put(t, q, msg(x400.PrecedenceRoutine, "x", "r", "h"), "x-body")
	q.Close()
	xPath := filepath.Join(dir, "msg", x)
	xBytes, err := os.ReadFile(xPath)
	if err != nil {
		t.Fatal(err)
	}
	free := filepath.Join(dir, "free")
	hdr := []byte(`{"seq":99,"id":"half","kind":"p1","mts":"never-acked","rcpts":[{"addr":"a","hop":"h"}]}`)
	whole := appendRecord([]byte(fileMagic), recHeader, hdr)
	whole = appendRecord(whole, recBody, []byte("never acknowledged"))
	for name, data := range map[string][]byte{"whole": whole, "torn": whole[:20]} {
		if err := os.WriteFile(filepath.Join(free, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Link(xPath, filepath.Join(free, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(free, "whole"), filepath.Join(free, "whole2")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(free, "dir"), 0o700); err != nil {
		t.Fatal(err)
	}

	q = openQ(t, Config{Dir: dir})
	if r := q.Recovery(); r.Messages != 1 || len(r.Bad) != 0 {
		t.Fatalf("recovery = %+v", r)
	}
	if s := q.Stats(); s.FreeFiles != 2 {
		t.Fatalf("pool after Open: %+v (want whole and torn)", s)
	}
	if _, err := os.Stat(filepath.Join(free, "dir")); !os.IsNotExist(err) {
		t.Fatalf("directory in free not removed: %v", err)
	}
	ids := map[string]string{x: "x-body"}
	for _, mts := range []string{"never-acked", "n2", "n3"} {
		ids[put(t, q, msg(x400.PrecedenceRoutine, mts, "r", "h"), mts+"-body")] = mts + "-body"
	}
	if s := q.Stats(); s.FreeFiles != 0 || s.FilesCreated != 1 {
		t.Fatalf("pool after three Puts: %+v", s)
	}
	if ents, _ := os.ReadDir(free); len(ents) != 2 {
		t.Fatalf("free after three Puts: %d names, want link and one of whole, whole2", len(ents))
	}
	for _, p := range []string{xPath, filepath.Join(free, "link")} {
		if b, err := os.ReadFile(p); err != nil || !bytes.Equal(b, xBytes) {
			t.Fatalf("%s changed: %v", p, err)
		}
	}
	q.Close()
	q = openQ(t, Config{Dir: dir})
	if r := q.Recovery(); r.Messages != 4 || len(r.Bad) != 0 || r.TornJournals != 0 {
		t.Fatalf("second recovery = %+v", r)
	}
	for id, want := range ids {
		if _, body, err := q.Inspect(id); err != nil || string(body) != want {
			t.Errorf("%s = %q %v, want %q", id, body, err, want)
		}
	}
}

// A lease on a message deleted meanwhile cannot write into the file once
// it is reused by another message.
func TestFreeFileLateReport(t *testing.T) {
	dir := t.TempDir()
	q := openQ(t, Config{Dir: dir})
	a := put(t, q, msg(x400.PrecedenceRoutine, "a", "r1", "h", "r2", "h"), "a-body")
	l := tryNext(t, q, 0)
	if l == nil || l.Message.ID != a {
		t.Fatalf("lease: %+v", l)
	}
	if err := q.Delete(a, "test"); err != nil {
		t.Fatal(err)
	}
	b := put(t, q, msg(x400.PrecedenceRoutine, "b", "s", "h"), "b-body")
	if s := q.Stats(); s.FilesCreated != 1 {
		t.Fatalf("b did not reuse a's file: %+v", s)
	}
	if err := q.Report(l, RecipientResult{Index: 0, Disposition: Delivered, Attempt: Attempt{Result: ResultAccepted}}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("late Report = %v, want ErrNotFound", err)
	}
	if _, _, err := q.Body(l); !errors.Is(err, ErrNotFound) {
		t.Fatalf("late Body = %v, want ErrNotFound", err)
	}
	q.Close()
	q = openQ(t, Config{Dir: dir})
	m, body, err := q.Inspect(b)
	if err != nil || string(body) != "b-body" || m.Recipients[0].State != StatePending || q.Recovery().TornJournals != 0 {
		t.Fatalf("b after reopen: %+v %q %v %+v", m, body, err, q.Recovery())
	}
}

// Large files are unlinked, not kept: the pool's disk use is bounded.
func TestFreeFileBound(t *testing.T) {
	q := openQ(t, Config{})
	put(t, q, msg(x400.PrecedenceRoutine, "big", "r", "h"), strings.Repeat("x", maxFreeFileBytes+1))
	deliverAll(t, q, tryNext(t, q, 0))
	if s := q.Stats(); s.FreeFiles != 0 || s.Messages != 0 {
		t.Fatalf("after a large message: %+v", s)
	}
	var p freePool
	p.dir = t.TempDir()
	for i := 0; i < maxFreeFiles+3; i++ {
		f := filepath.Join(t.TempDir(), "m")
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := p.give(f); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Fatalf("file %d still in place: %v", i, err)
		}
	}
	if n, _ := p.count(); n != maxFreeFiles {
		t.Fatalf("pool holds %d, bound %d", n, maxFreeFiles)
	}
	if ents, _ := os.ReadDir(p.dir); len(ents) != maxFreeFiles {
		t.Fatalf("DIR/free holds %d files, bound %d", len(ents), maxFreeFiles)
	}
	// Open's names: the pool's own names continue past them.
	p = freePool{dir: t.TempDir()}
	p.add("f1f")
	p.add("whatever")
	f := filepath.Join(t.TempDir(), "m")
	os.WriteFile(f, nil, 0o600)
	if err := p.give(f); err != nil {
		t.Fatal(err)
	}
	if got := p.take(); got != filepath.Join(p.dir, "f20") {
		t.Fatalf("pooled as %s, want f20", got)
	}
}
