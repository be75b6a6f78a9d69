package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"mixerd/internal/durable"
	"mixerd/queue"
)

// logtBuf is a slog destination the tests read back.
type logtBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *logtBuf) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *logtBuf) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func (w *logtBuf) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// logtRecord is a departed record of a realistic size (~600 bytes).
func logtRecord(i int) *Record {
	return &Record{
		Event:      EventDeparted,
		ID:         fmt.Sprintf("q%08d", i),
		Kind:       "message",
		Precedence: "immediate",
		Protocol:   "smtp",
		Peer:       "smtp:relay.example.mil",
		Keys: Keys{
			MTSID:          fmt.Sprintf("[c=GB;a=ADMD;p=PRMD;mixer-%d]", i),
			EnvID:          fmt.Sprintf("env-%d", i),
			MessageID:      fmt.Sprintf("<%d.mixer@gw1.example.mil>", i),
			IPMID:          fmt.Sprintf("<%d*/C=GB/ADMD=ADMD/PRMD=PRMD/O=HQ/@mixer>", i),
			Originator:     "/C=GB/ADMD=ADMD/PRMD=PRMD/O=HQ/S=Smith/",
			OriginatorSMTP: "smith@hq.example.mil",
			Ret:            "HDRS",
		},
		Recipients: []Recipient{
			{Index: 0, Number: 1, X400: "/C=GB/ADMD=ADMD/PRMD=PRMD/O=Ops/S=Jones/", SMTP: "jones@ops.example.mil",
				Notify: "SUCCESS,FAILURE", Reports: "all", ReadReports: "all",
				Attempt: &queue.Attempt{Time: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), NextHop: "smtp:relay.example.mil",
					Result: queue.ResultAccepted, Code: 250, Enhanced: "2.0.0", Text: "2.0.0 Ok: queued as 4F2A1"}},
			{Index: 1, Number: 2, SMTP: "ops@ops.example.mil", Reports: "failure", ReadReports: "none"},
		},
	}
}

func logtOpen(t testing.TB, cfg Config) *Log {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	if cfg.Gateway == "" {
		cfg.Gateway = "gw1"
	}
	l, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func logtAppend(t testing.TB, l *Log, recs ...*Record) []Loc {
	t.Helper()
	locs, err := l.Append(recs...)
	if err != nil {
		t.Fatal(err)
	}
	return locs
}

// logtSeqs scans from and returns the sequence numbers in the order seen.
func logtSeqs(t testing.TB, scan func(uint64, func(*Record, Loc) error) error, from uint64) []uint64 {
	t.Helper()
	var s []uint64
	if err := scan(from, func(r *Record, _ Loc) error {
		s = append(s, r.Seq)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return s
}

func logtRun(t testing.TB, got []uint64, from, to uint64) {
	t.Helper()
	if uint64(len(got)) != to-from+1 {
		t.Fatalf("got %d records (%v...), want %d..%d", len(got), logtHead(got), from, to)
	}
	for i, s := range got {
		if s != from+uint64(i) {
			t.Fatalf("record %d has seq %d, want %d", i, s, from+uint64(i))
		}
	}
}

func logtHead(s []uint64) []uint64 { return s[:min(len(s), 10)] }

func logtFiles(t testing.TB, dir string) []uint64 {
	t.Helper()
	fs, err := listFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestLogRoundTrip(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("X", 3600))
	l := logtOpen(t, Config{Dir: dir, Now: func() time.Time { return now }})
	if l.LastSeq() != 0 {
		t.Fatalf("LastSeq of a new log = %d", l.LastSeq())
	}
	var recs []*Record
	var locs []Loc
	for i := 0; i < 3; i++ {
		r := logtRecord(i)
		recs = append(recs, r)
		locs = append(locs, logtAppend(t, l, r)...)
	}
	other := logtRecord(3)
	other.Gateway = "gw2"
	other.Time = time.Date(2026, 2, 1, 1, 2, 3, 4, time.FixedZone("Y", -7200))
	batch := []*Record{other, logtRecord(4), logtRecord(5)}
	recs = append(recs, batch...)
	locs = append(locs, logtAppend(t, l, batch...)...)
	for i, r := range recs {
		if r.Seq != uint64(i+1) {
			t.Errorf("record %d: seq %d", i, r.Seq)
		}
	}
	if recs[0].Gateway != "gw1" || other.Gateway != "gw2" {
		t.Errorf("gateway stamped %q, kept %q", recs[0].Gateway, other.Gateway)
	}
	if !recs[0].Time.Equal(now) || recs[0].Time.Location() != time.UTC {
		t.Errorf("time set to %v", recs[0].Time)
	}
	if other.Time.Location() != time.UTC || !other.Time.Equal(time.Date(2026, 2, 1, 3, 2, 3, 4, time.UTC)) {
		t.Errorf("given time became %v", other.Time)
	}
	if l.LastSeq() != 6 {
		t.Errorf("LastSeq = %d", l.LastSeq())
	}
	if fs := logtFiles(t, dir); len(fs) != 1 || fs[0] != 1 {
		t.Fatalf("files %v", fs)
	}
	if _, err := os.Stat(filepath.Join(dir, "audit-00000000000000000001.jsonl")); err != nil {
		t.Fatal(err)
	}

	want := func(i int) []byte { b, _ := json.Marshal(recs[i]); return b }
	for i, loc := range locs {
		r, err := l.Read(loc)
		if err != nil {
			t.Fatalf("Read(%v): %v", loc, err)
		}
		if b, _ := json.Marshal(r); !bytes.Equal(b, want(i)) {
			t.Errorf("Read(%v) =\n%s\nwant\n%s", loc, b, want(i))
		}
	}
	var n int
	check := func(r *Record, loc Loc) error {
		i := int(r.Seq - 1)
		if loc != locs[i] {
			t.Errorf("seq %d at %v, Append said %v", r.Seq, loc, locs[i])
		}
		if b, _ := json.Marshal(r); !bytes.Equal(b, want(i)) {
			t.Errorf("scanned %s, want %s", b, want(i))
		}
		n++
		return nil
	}
	if err := l.Scan(0, check); err != nil || n != 6 {
		t.Fatalf("Scan: %v, %d records", err, n)
	}
	n = 0
	if err := ScanDir(dir, 0, check); err != nil || n != 6 {
		t.Fatalf("ScanDir: %v, %d records", err, n)
	}
	logtRun(t, logtSeqs(t, l.Scan, 4), 4, 6)
	logtRun(t, logtSeqs(t, l.Scan, 6), 6, 6)
	if s := logtSeqs(t, l.Scan, 7); len(s) != 0 {
		t.Errorf("Scan(7) = %v", s)
	}
	stop := errors.New("stop")
	n = 0
	if err := l.Scan(0, func(*Record, Loc) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("Scan with an error from fn: %v after %d", err, n)
	}

	// Every line is a JSON object (jq reads it) with its checksum.
	b, _ := os.ReadFile(filepath.Join(dir, fileName(1)))
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, ln := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(ln), &m); err != nil || m["crc"] == nil || !strings.HasPrefix(ln, `{"seq":`) {
			t.Errorf("line %q: %v", ln, err)
		}
	}
	if len(lines[0]) < 500 || len(lines[0]) > 1000 {
		t.Errorf("a typical record is %d bytes", len(lines[0]))
	}
	// A location that is not a line start is refused.
	if _, err := l.Read(Loc{File: 1, Off: locs[1].Off + 3}); err == nil {
		t.Error("Read at a mid-line offset succeeded")
	}
	if _, err := l.Read(Loc{File: 99, Off: 0}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Read in a missing file: %v", err)
	}
}

func TestLogReopen(t *testing.T) {
	dir := t.TempDir()
	l := logtOpen(t, Config{Dir: dir})
	for i := 0; i < 5; i++ {
		logtAppend(t, l, logtRecord(i))
	}
	if _, err := Open(Config{Dir: dir}); err == nil {
		t.Fatal("a second Open of a log in use succeeded")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = logtOpen(t, Config{Dir: dir})
	if l.LastSeq() != 5 {
		t.Fatalf("LastSeq after reopen = %d", l.LastSeq())
	}
	locs := logtAppend(t, l, logtRecord(5), logtRecord(6))
	if r, err := l.Read(locs[1]); err != nil || r.Seq != 7 {
		t.Fatalf("Read = %v, %v", r, err)
	}
	logtRun(t, logtSeqs(t, l.Scan, 0), 1, 7)
}

func TestLogRotateSize(t *testing.T) {
	dir := t.TempDir()
	l := logtOpen(t, Config{Dir: dir, RotateSize: 2000})
	var locs []Loc
	for i := 0; i < 20; i++ {
		locs = append(locs, logtAppend(t, l, logtRecord(i))...)
	}
	locs = append(locs, logtAppend(t, l, logtRecord(20), logtRecord(21), logtRecord(22), logtRecord(23))...)
	fs := logtFiles(t, dir)
	if len(fs) < 6 || len(fs) > 12 {
		t.Fatalf("%d files for 24 records of ~700 bytes rotated at 2000: %v", len(fs), fs)
	}
	// Each file is named by its first record, is no longer than the
	// limit plus one Append, and one call's records stay together.
	for _, first := range fs {
		var got uint64
		if err := l.Scan(first, func(r *Record, loc Loc) error {
			got = r.Seq
			return errors.New("first")
		}); err == nil || got != first {
			t.Errorf("file %d starts with seq %d", first, got)
		}
		st, _ := os.Stat(filepath.Join(dir, fileName(first)))
		if st.Size() > 2000+4*1000 {
			t.Errorf("file %d is %d bytes", first, st.Size())
		}
	}
	if locs[23].File != locs[20].File {
		t.Errorf("one Append's records split across files: %v %v", locs[20], locs[23])
	}
	for i, loc := range locs {
		if r, err := l.Read(loc); err != nil || r.Seq != uint64(i+1) {
			t.Fatalf("Read(%v) = %v, %v", loc, r, err)
		}
	}
	logtRun(t, logtSeqs(t, l.Scan, 0), 1, 24)
	logtRun(t, logtSeqs(t, l.Scan, 13), 13, 24)
	logtRun(t, logtSeqs(t, func(f uint64, fn func(*Record, Loc) error) error { return ScanDir(dir, f, fn) }, 9), 9, 24)
}

func TestLogRotateAge(t *testing.T) {
	dir := t.TempDir()
	var now atomic.Pointer[time.Time]
	set := func(tm time.Time) { now.Store(&tm) }
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	set(t0)
	l := logtOpen(t, Config{Dir: dir, RotateAge: time.Hour, Now: func() time.Time { return *now.Load() }})
	logtAppend(t, l, logtRecord(1))
	set(t0.Add(59 * time.Minute))
	logtAppend(t, l, logtRecord(2))
	if fs := logtFiles(t, dir); len(fs) != 1 {
		t.Fatalf("rotated before its age: %v", fs)
	}
	set(t0.Add(61 * time.Minute))
	loc := logtAppend(t, l, logtRecord(3))
	if fs := logtFiles(t, dir); len(fs) != 2 || fs[1] != 3 || loc[0] != (Loc{File: 3}) {
		t.Fatalf("files %v, loc %v", fs, loc)
	}
	// A reopened log ages its file from the first record.
	l.Close()
	set(t0.Add(61*time.Minute + 59*time.Minute))
	l = logtOpen(t, Config{Dir: dir, RotateAge: time.Hour, Now: func() time.Time { return *now.Load() }})
	logtAppend(t, l, logtRecord(4))
	if fs := logtFiles(t, dir); len(fs) != 2 {
		t.Fatalf("files %v", fs)
	}
	set(t0.Add(3 * time.Hour))
	logtAppend(t, l, logtRecord(5))
	if fs := logtFiles(t, dir); len(fs) != 3 || fs[2] != 5 {
		t.Fatalf("files %v", fs)
	}
	logtRun(t, logtSeqs(t, l.Scan, 0), 1, 5)
}

func TestLogKeep(t *testing.T) {
	dir := t.TempDir()
	var now atomic.Pointer[time.Time]
	set := func(tm time.Time) { now.Store(&tm) }
	clock := func() time.Time { return *now.Load() }
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	set(t0)
	cfg := Config{Dir: dir, RotateAge: time.Hour, Keep: 3 * time.Hour, Now: clock}
	l := logtOpen(t, cfg)
	// One file an hour, two records each.
	for h := 0; h < 10; h++ {
		set(t0.Add(time.Duration(h) * time.Hour))
		logtAppend(t, l, logtRecord(2*h))
		set(t0.Add(time.Duration(h)*time.Hour + 30*time.Minute))
		logtAppend(t, l, logtRecord(2*h+1))
	}
	// Now 9:30: files whose last record (h:30) is before 6:30 are gone.
	fs := logtFiles(t, dir)
	if len(fs) != 4 || fs[0] != 13 || fs[3] != 19 {
		t.Fatalf("files after Keep: %v", fs)
	}
	logtRun(t, logtSeqs(t, l.Scan, 0), 13, 20)
	// A loader that fell behind is warned of the records it lost.
	var lb logtBuf
	if err := scanDirLog(dir, 5, func(*Record, Loc) error { return nil }, lb.logger()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lb.String(), "removed before they were read") {
		t.Errorf("no warning for a gap: %s", lb.String())
	}

	// Days later every rotated file has expired: the newest is kept,
	// and with it the sequence.
	l.Close()
	set(t0.Add(100 * time.Hour))
	l = logtOpen(t, cfg)
	if fs := logtFiles(t, dir); len(fs) != 1 || fs[0] != 19 {
		t.Fatalf("files after Keep at Open: %v", fs)
	}
	if l.LastSeq() != 20 {
		t.Fatalf("LastSeq = %d", l.LastSeq())
	}
	logtAppend(t, l, logtRecord(21)) // rotates (the file is old) and removes file 19
	if fs := logtFiles(t, dir); len(fs) != 1 || fs[0] != 21 {
		t.Fatalf("files %v", fs)
	}
	set(t0.Add(110 * time.Hour))
	logtAppend(t, l, logtRecord(22)) // rotates and removes file 21
	if fs := logtFiles(t, dir); len(fs) != 1 || fs[0] != 22 {
		t.Fatalf("files %v", fs)
	}
	l.Close()
	l = logtOpen(t, cfg)
	if l.LastSeq() != 22 {
		t.Fatalf("LastSeq after everything old was removed = %d", l.LastSeq())
	}
	if locs := logtAppend(t, l, logtRecord(23)); l.LastSeq() != 23 || locs[0].File != 22 {
		t.Fatalf("LastSeq %d, loc %v", l.LastSeq(), locs)
	}
}

// logtClosed returns the path of the newest file of a log of n
// records that was closed, and the file's size.
func logtClosed(t *testing.T, n int) (dir, path string, size int64) {
	t.Helper()
	dir = t.TempDir()
	l := logtOpen(t, Config{Dir: dir})
	for i := 0; i < n; i++ {
		logtAppend(t, l, logtRecord(i))
	}
	l.Close()
	path = filepath.Join(dir, fileName(1))
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return dir, path, st.Size()
}

func logtAppendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func TestLogTornTail(t *testing.T) {
	full := appendLine(nil, 6, logtJSON(t, logtRecord(6)))
	for name, tail := range map[string][]byte{
		"half line":           full[:len(full)/2],
		"no newline":          full[:len(full)-1],
		"bad checksum":        append(append([]byte{}, full[:40]...), append([]byte("X"), full[41:]...)...),
		"garbage line":        []byte("garbage\n"),
		"zeros":               make([]byte, 5000),
		"zero line then half": append(append(make([]byte, 100), '\n'), full[:100]...),
		"long garbage":        bytes.Repeat([]byte("x"), 3<<20),
	} {
		t.Run(name, func(t *testing.T) {
			dir, path, size := logtClosed(t, 5)
			logtAppendBytes(t, path, tail)
			var lb logtBuf
			l := logtOpen(t, Config{Dir: dir, Logger: lb.logger()})
			if l.LastSeq() != 5 {
				t.Fatalf("LastSeq = %d", l.LastSeq())
			}
			if st, _ := os.Stat(path); st.Size() != size {
				t.Fatalf("size after Open %d, want %d", st.Size(), size)
			}
			if !strings.Contains(lb.String(), "torn tail cut") {
				t.Errorf("no warning: %s", lb.String())
			}
			locs := logtAppend(t, l, logtRecord(6))
			if locs[0] != (Loc{File: 1, Off: size}) {
				t.Errorf("appended at %v", locs[0])
			}
			before := lb.String()
			logtRun(t, logtSeqs(t, l.Scan, 0), 1, 6)
			if lb.String() != before {
				t.Errorf("Scan after recovery logged: %s", strings.TrimPrefix(lb.String(), before))
			}
		})
	}
	// A file of nothing but a torn line: the sequence resumes at its name.
	t.Run("only torn", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, fileName(1)), logtJSON(t, logtRecord(1)), 0o640)
		os.WriteFile(filepath.Join(dir, fileName(42)), full[:300], 0o640)
		l := logtOpen(t, Config{Dir: dir})
		if l.LastSeq() != 41 {
			t.Fatalf("LastSeq = %d", l.LastSeq())
		}
		if locs := logtAppend(t, l, logtRecord(1)); locs[0] != (Loc{File: 42}) {
			t.Fatalf("loc %v", locs[0])
		}
	})
}

func logtJSON(t *testing.T, r *Record) []byte {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLogCorruptMiddle(t *testing.T) {
	dir, path, _ := logtClosed(t, 10)
	b, _ := os.ReadFile(path)
	lines := bytes.SplitAfter(b, []byte("\n"))
	// Line 5 still parses as JSON, but not as what was written; line 7
	// is replaced by a line longer than any record.
	lines[4] = bytes.Replace(lines[4], []byte(`"gw1"`), []byte(`"gw9"`), 1)
	lines[6] = append(bytes.Repeat([]byte("y"), 2<<20), '\n')
	if err := os.WriteFile(path, bytes.Join(lines, nil), 0o640); err != nil {
		t.Fatal(err)
	}
	var lb logtBuf
	l := logtOpen(t, Config{Dir: dir, Logger: lb.logger()})
	if l.LastSeq() != 10 {
		t.Fatalf("LastSeq = %d", l.LastSeq())
	}
	got := logtSeqs(t, l.Scan, 0)
	if fmt.Sprint(got) != "[1 2 3 4 6 8 9 10]" {
		t.Fatalf("Scan = %v", got)
	}
	if s := lb.String(); !strings.Contains(s, "checksum mismatch") || !strings.Contains(s, "longer than 1 MiB") {
		t.Errorf("damage not reported: %s", s)
	}
	var off5 int64
	for _, ln := range lines[:4] {
		off5 += int64(len(ln))
	}
	if _, err := l.Read(Loc{File: 1, Off: off5}); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("Read of the damaged line: %v", err)
	}
	logtAppend(t, l, logtRecord(11))
	logtRun(t, logtSeqs(t, l.Scan, 8), 8, 11)
}

func TestLogConcurrent(t *testing.T) {
	dir := t.TempDir()
	l := logtOpen(t, Config{Dir: dir, RotateSize: 256 << 10})
	// A disk's fdatasync takes time; tmpfs's does not. Counted.
	var syncs atomic.Int64
	l.fdatasync = func(f *os.File) error {
		syncs.Add(1)
		time.Sleep(300 * time.Microsecond)
		return durable.Fdatasync(f)
	}
	const workers, each = 16, 100
	var mu sync.Mutex
	locs := map[uint64]Loc{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				r := logtRecord(w*each + i)
				loc, err := l.Append(r)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if _, dup := locs[r.Seq]; dup {
					t.Errorf("seq %d given twice", r.Seq)
				}
				locs[r.Seq] = loc[0]
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	n := uint64(workers * each)
	if uint64(len(locs)) != n || l.LastSeq() != n {
		t.Fatalf("%d seqs, LastSeq %d", len(locs), l.LastSeq())
	}
	for s := uint64(1); s <= n; s++ {
		r, err := l.Read(locs[s])
		if err != nil || r.Seq != s {
			t.Fatalf("seq %d at %v: %v, %v", s, locs[s], r, err)
		}
	}
	logtRun(t, logtSeqs(t, l.Scan, 0), 1, n)
	l.smu.Lock()
	group := l.syncs
	l.smu.Unlock()
	t.Logf("%d appends, %d group fdatasyncs, %d fdatasyncs in all, %d files", n, group, syncs.Load(), len(logtFiles(t, dir)))
	if s := syncs.Load(); s >= int64(n)/2 {
		t.Errorf("%d fdatasyncs for %d appends: no group commit", s, n)
	}
}

func TestLogScanDirWhileAppending(t *testing.T) {
	dir := t.TempDir()
	l := logtOpen(t, Config{Dir: dir, RotateSize: 64 << 10})
	const n = 3000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < n; {
			k := 1 + rand.IntN(5)
			var recs []*Record
			for j := 0; j < k && i < n; j++ {
				recs = append(recs, logtRecord(i))
				i++
			}
			if _, err := l.Append(recs...); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var lb logtBuf
	var last uint64
	passes := 0
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		err := scanDirLog(dir, last+1, func(r *Record, loc Loc) error {
			if r.Seq != last+1 {
				return fmt.Errorf("seq %d after %d", r.Seq, last)
			}
			last = r.Seq
			return nil
		}, lb.logger())
		if err != nil {
			t.Fatal(err)
		}
		passes++
		if finished {
			break
		}
	}
	if last != n {
		t.Fatalf("read up to %d of %d", last, n)
	}
	if lb.String() != "" {
		t.Errorf("ScanDir logged: %s", lb.String())
	}
	t.Logf("%d passes, %d files", passes, len(logtFiles(t, dir)))
}

func TestLogClosed(t *testing.T) {
	l := logtOpen(t, Config{})
	loc := logtAppend(t, l, logtRecord(1))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(logtRecord(2)); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close: %v", err)
	}
	if _, err := l.Read(loc[0]); !errors.Is(err, ErrClosed) {
		t.Errorf("Read after Close: %v", err)
	}
	if err := l.Scan(0, func(*Record, Loc) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Scan after Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestLogTooLong(t *testing.T) {
	l := logtOpen(t, Config{})
	r := logtRecord(1)
	r.Text = strings.Repeat("z", 1<<20)
	if _, err := l.Append(logtRecord(0), r); err == nil {
		t.Fatal("a record of more than 1 MiB was appended")
	}
	if l.LastSeq() != 0 {
		t.Errorf("LastSeq = %d after a refused Append", l.LastSeq())
	}
	r.Text = strings.Repeat("z", 1<<19)
	logtAppend(t, l, r)
	logtRun(t, logtSeqs(t, l.Scan, 0), 1, 1)
}

// A write that fails half way is cut; its sequence numbers are not
// reused, and a new file is started.
func TestLogWriteFailure(t *testing.T) {
	dir := t.TempDir()
	var lb logtBuf
	l := logtOpen(t, Config{Dir: dir, Logger: lb.logger()})
	logtAppend(t, l, logtRecord(1), logtRecord(2))
	l.writeAt = func(f *os.File, b []byte, off int64) (int, error) {
		n, _ := f.WriteAt(b[:len(b)/2], off)
		return n, syscall.ENOSPC
	}
	if _, err := l.Append(logtRecord(3), logtRecord(4)); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Append with a failing write: %v", err)
	}
	l.writeAt = (*os.File).WriteAt
	locs := logtAppend(t, l, logtRecord(5))
	if l.LastSeq() != 5 || locs[0] != (Loc{File: 5}) {
		t.Fatalf("LastSeq %d, loc %v", l.LastSeq(), locs[0])
	}
	before := lb.String()
	if got := logtSeqs(t, l.Scan, 0); fmt.Sprint(got) != "[1 2 5]" {
		t.Fatalf("Scan = %v", got)
	}
	if lb.String() != before {
		t.Errorf("a damaged line was left: %s", strings.TrimPrefix(lb.String(), before))
	}
	l.Close()
	l = logtOpen(t, Config{Dir: dir})
	if l.LastSeq() != 5 {
		t.Errorf("LastSeq after reopen = %d", l.LastSeq())
	}
}

// A failed fdatasync fails every caller of its group, and every Append
// after it until the Log is reopened.
func TestLogSyncFailure(t *testing.T) {
	dir := t.TempDir()
	l := logtOpen(t, Config{Dir: dir})
	logtAppend(t, l, logtRecord(1))
	var gate sync.WaitGroup
	gate.Add(1)
	var calls atomic.Int64
	l.fdatasync = func(*os.File) error {
		if calls.Add(1) == 1 {
			gate.Wait() // let the others write and queue behind it
		}
		return syscall.EIO
	}
	const k = 8
	errs := make(chan error, k)
	for i := 0; i < k; i++ {
		go func() {
			_, err := l.Append(logtRecord(i))
			errs <- err
		}()
	}
	time.Sleep(50 * time.Millisecond)
	gate.Done()
	for i := 0; i < k; i++ {
		if err := <-errs; !errors.Is(err, syscall.EIO) {
			t.Errorf("Append %d: %v", i, err)
		}
	}
	if c := calls.Load(); c > 2 {
		t.Errorf("%d fdatasyncs for one failed group", c)
	}
	l.fdatasync = durable.Fdatasync
	if _, err := l.Append(logtRecord(9)); !errors.Is(err, syscall.EIO) {
		t.Errorf("Append after a failed fdatasync: %v", err)
	}
	l.Close()
	l = logtOpen(t, Config{Dir: dir})
	last := l.LastSeq()
	if last < 1 {
		t.Fatalf("LastSeq = %d", last)
	}
	logtAppend(t, l, logtRecord(10))
	logtRun(t, logtSeqs(t, l.Scan, 0), 1, last+1)
}

const logtCrashEnv = "MIXERD_AUDIT_CRASH_DIR"

// TestLogCrashHelper is the process TestLogCrash kills: it appends from
// four goroutines, printing each record's seq once Append returned.
func TestLogCrashHelper(t *testing.T) {
	dir := os.Getenv(logtCrashEnv)
	if dir == "" {
		t.Skip("helper process for TestLogCrash")
	}
	l, err := Open(Config{Dir: dir, Gateway: "gw1", RotateSize: 32 << 10})
	if err != nil {
		fmt.Println("X", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	for w := 0; w < 4; w++ {
		go func() {
			for i := 0; ; i++ {
				recs := []*Record{logtRecord(i)}
				if i%5 == 0 {
					recs = append(recs, logtRecord(i), logtRecord(i))
				}
				if _, err := l.Append(recs...); err != nil {
					fmt.Println("X", err)
					os.Exit(2)
				}
				var sb strings.Builder
				for _, r := range recs {
					fmt.Fprintf(&sb, "%d\n", r.Seq)
				}
				mu.Lock()
				os.Stdout.WriteString(sb.String())
				mu.Unlock()
			}
		}()
	}
	select {}
}

// TestLogCrash kills a process that appends, at random moments, and
// checks that every record whose Append returned survives, with
// consecutive sequence numbers across restarts.
func TestLogCrash(t *testing.T) {
	if os.Getenv(logtCrashEnv) != "" {
		t.Skip("in helper")
	}
	dir := t.TempDir()
	acked := map[uint64]bool{}
	for round := 0; round < 4; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLogCrashHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), logtCrashEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killAt := 300 + rand.IntN(2000)
		timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "X") {
				t.Errorf("round %d: helper: %s", round, line)
				continue
			}
			if s, err := strconv.ParseUint(line, 10, 64); err == nil {
				acked[s] = true
			}
			if n++; n == killAt {
				cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		timer.Stop()
		cmd.Wait()
		if n < killAt {
			t.Fatalf("round %d: helper stopped after %d lines", round, n)
		}
	}
	var lb logtBuf
	l := logtOpen(t, Config{Dir: dir, Logger: lb.logger()})
	got := logtSeqs(t, l.Scan, 0)
	logtRun(t, got, 1, l.LastSeq())
	for s := range acked {
		if s > l.LastSeq() {
			t.Errorf("seq %d acknowledged, log ends at %d", s, l.LastSeq())
		}
	}
	if strings.Contains(lb.String(), "damaged") {
		t.Errorf("damaged lines after crashes: %s", lb.String())
	}
	t.Logf("%d records acknowledged, %d in the log, %d files", len(acked), len(got), len(logtFiles(t, dir)))
}

// BenchmarkLogAppend measures durable appends of one ~600-byte record
// from many goroutines (group commit).
func BenchmarkLogAppend(b *testing.B) {
	dir := b.TempDir()
	l := logtOpen(b, Config{Dir: dir})
	b.SetParallelism(16) // 16 x GOMAXPROCS appenders, as the daemon's sessions
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := l.Append(logtRecord(i)); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	el := time.Since(start)
	b.ReportMetric(float64(b.N)/el.Seconds(), "records/s")
	l.smu.Lock()
	b.ReportMetric(float64(b.N)/float64(max(l.syncs, 1)), "records/fdatasync")
	l.smu.Unlock()
}

// The example in docs/AUDIT.md is a valid log: every line checks, in
// order.
func TestLogDocExample(t *testing.T) {
	b, err := os.ReadFile("../docs/AUDIT.md")
	if err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	for _, ln := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(ln, `{"seq":`) {
			continue
		}
		r, err := parseLine([]byte(ln + "\n"))
		if err != nil {
			t.Fatalf("%v: %.60s", err, ln)
		}
		seqs = append(seqs, r.Seq)
	}
	logtRun(t, seqs, 1001, 1005)
}

// Write numbers and writes records at once and makes them durable in
// wait; SkipTo never gives numbers up to its argument again, across a
// reopen too.
func TestLogWriteAndSkipTo(t *testing.T) {
	dir := t.TempDir()
	l := logtOpen(t, Config{Dir: dir})
	logtAppend(t, l, logtRecord(1))
	r := logtRecord(2)
	locs, wait, err := l.Write(r)
	if err != nil || r.Seq != 2 || len(locs) != 1 {
		t.Fatalf("Write = %v %v, seq %d", locs, err, r.Seq)
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if got, err := l.Read(locs[0]); err != nil || got.Seq != 2 {
		t.Fatalf("Read = %+v %v", got, err)
	}
	l.SkipTo(1) // below: nothing changes
	if l.LastSeq() != 2 {
		t.Fatalf("LastSeq %d after SkipTo(1), want 2", l.LastSeq())
	}
	l.SkipTo(40)
	r3 := logtRecord(3)
	logtAppend(t, l, r3)
	if r3.Seq != 41 {
		t.Fatalf("record after SkipTo(40) has seq %d, want 41", r3.Seq)
	}
	l.Close()
	l2 := logtOpen(t, Config{Dir: dir})
	if l2.LastSeq() != 41 {
		t.Fatalf("LastSeq after reopen %d, want 41", l2.LastSeq())
	}
	if got := logtSeqs(t, l2.Scan, 1); len(got) != 3 || got[2] != 41 {
		t.Fatalf("seqs %v, want 1 2 41", got)
	}
}

// WriteCopy returns the records as written, a JSON array that reads back
// into the same records.
func TestLogWriteCopy(t *testing.T) {
	l := logtOpen(t, Config{})
	recs := []*Record{logtRecord(1), logtRecord(2)}
	recs[1].Text = "two\nlines \"quoted\""
	locs, array, err := l.WriteCopy(recs...)
	if err != nil || len(locs) != 2 {
		t.Fatalf("WriteCopy = %v %v", locs, err)
	}
	var back []*Record
	if err := json.Unmarshal(array, &back); err != nil {
		t.Fatalf("array %q: %v", array, err)
	}
	if len(back) != 2 || back[0].Seq != 1 || back[1].Seq != 2 || back[1].Text != recs[1].Text || back[0].ID != recs[0].ID {
		t.Fatalf("read back %+v %+v", back[0], back[1])
	}
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	if got, err := l.Read(locs[1]); err != nil || got.Text != recs[1].Text {
		t.Fatalf("Read = %+v %v", got, err)
	}
}
