package audit

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"mixerd/internal/durable"
)

// The log is a directory of JSON Lines files (docs/AUDIT.md is the format's
// reference): DIR/audit-<first seq, 20 digits>.jsonl, one record a line,
// each line the record's JSON with a CRC-32C of it appended as its last
// member ("crc"), so that a torn or damaged line is told from a record
// however it was damaged. Only the newest file is written; a file is
// fdatasynced before the next one is created, so only the newest can have
// a torn tail after a crash, and Open cuts it. Appends are group-committed
// as the spool's segments are (queue/segment.go): a caller returns when an
// fdatasync that started after its write has finished.
const (
	filePrefix = "audit-"
	fileSuffix = ".jsonl"
	lockName   = "audit.lock"

	// maxLine bounds a line, '\n' included: Append refuses a longer
	// record, readers skip a longer line as damaged. It bounds the
	// memory of every reader.
	maxLine = 1 << 20

	defaultRotateSize = 64 << 20
	defaultRotateAge  = 24 * time.Hour
)

// ErrClosed is returned by the methods of a closed [Log].
var ErrClosed = errors.New("audit: log closed")

var (
	errTooLong = errors.New("audit: record longer than 1 MiB")
	seqZero    = []byte(`{"seq":0,`)
	crcTable   = crc32.MakeTable(crc32.Castagnoli)
)

// crcMember is what Append puts before a line's closing brace:
// `,"crc":"` 8 hex digits `"`. crcSuffixLen counts it with the brace.
const (
	crcMember    = `,"crc":"`
	crcSuffixLen = len(crcMember) + 8 + 2
)

// Config configures a Log.
type Config struct {
	// Dir is the log's directory (created 0750 if missing).
	Dir string
	// Gateway is stamped on records whose Gateway is "".
	Gateway string
	// RotateSize starts a new file when the current one has reached it;
	// 0 = 64 MiB.
	RotateSize int64
	// RotateAge starts a new file when the current one's first record is
	// older; 0 = 24h.
	RotateAge time.Duration
	// Keep removes rotated files whose last record is older (oldest
	// first, at Open and at each rotation); 0 = keep all. The current
	// file is never removed: its name keeps the sequence numbers
	// monotonic.
	Keep time.Duration
	// Now is the clock (nil = time.Now).
	Now func() time.Time
	// Logger receives warnings about damaged lines and recovery
	// (nil = discard).
	Logger *slog.Logger
}

// Loc is where a record is: the file (named by its first sequence number)
// and the byte offset of the record's line in it.
type Loc struct {
	File uint64
	Off  int64
}

// Log is the local append-only audit log. Its methods are safe for
// concurrent use.
type Log struct {
	dir      string
	gateway  string
	rotSize  int64
	rotAge   time.Duration
	keep     time.Duration
	now      func() time.Time
	log      *slog.Logger
	lockFile *os.File

	// Test hooks: the fdatasync and the positioned write of the files.
	fdatasync func(*os.File) error
	writeAt   func(f *os.File, b []byte, off int64) (int, error)

	mu     sync.Mutex // held for writes and rotations, never for group fdatasyncs
	cur    *logFile   // the file appended to; nil before the first Append
	next   uint64     // the next record's sequence number
	old    []oldFile  // rotated files, oldest first
	closed bool
	failed error // an fdatasync failed: Append refuses until the Log is reopened

	smu     sync.Mutex // the group commit
	scond   *sync.Cond // on smu: an fdatasync finished
	syncing bool       // an fdatasync is running
	syncErr error      // the first failed fdatasync
	syncs   int        // group fdatasyncs done (tests, metrics)
}

// logFile is the file appended to.
type logFile struct {
	first   uint64
	f       *os.File
	size    atomic.Int64 // bytes written; changed under Log.mu
	synced  int64        // bytes known durable; under Log.smu
	created time.Time    // when its first record was written (for RotateAge)
	last    time.Time    // its last record's time (for Keep once rotated)
	broken  bool         // a write failed and no new file could be started
}

// oldFile is a rotated file.
type oldFile struct {
	first uint64
	last  time.Time // its last record's time; zero until known
}

func fileName(first uint64) string { return fmt.Sprintf("%s%020d%s", filePrefix, first, fileSuffix) }

// Open opens the log in cfg.Dir, creating it if needed. It takes an
// exclusive lock on DIR/audit.lock (one writer per log), cuts the newest
// file's torn tail (an incomplete or damaged last line, the damage a crash
// leaves) with a warning, and removes expired files (Config.Keep).
func Open(cfg Config) (*Log, error) {
	if cfg.Dir == "" {
		return nil, errors.New("audit: no directory")
	}
	l := &Log{
		dir:       cfg.Dir,
		gateway:   cfg.Gateway,
		rotSize:   cfg.RotateSize,
		rotAge:    cfg.RotateAge,
		keep:      cfg.Keep,
		now:       cfg.Now,
		log:       cfg.Logger,
		fdatasync: durable.Fdatasync,
		writeAt:   (*os.File).WriteAt,
		next:      1,
	}
	l.scond = sync.NewCond(&l.smu)
	if l.rotSize <= 0 {
		l.rotSize = defaultRotateSize
	}
	if l.rotAge <= 0 {
		l.rotAge = defaultRotateAge
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(l.dir, 0o750); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	lf, err := os.OpenFile(filepath.Join(l.dir, lockName), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lf.Close()
		return nil, fmt.Errorf("audit: log %s is in use by another process: %w", l.dir, err)
	}
	l.lockFile = lf
	if err := l.recover(); err != nil {
		l.closeFiles()
		return nil, err
	}
	l.mu.Lock()
	l.prune()
	l.mu.Unlock()
	return l, nil
}

// recover finds the files, cuts the newest one's torn tail and sets the
// next sequence number.
func (l *Log) recover() error {
	firsts, err := listFiles(l.dir)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if len(firsts) == 0 {
		return nil
	}
	for _, n := range firsts[:len(firsts)-1] {
		l.old = append(l.old, oldFile{first: n})
	}
	first := firsts[len(firsts)-1]
	p := filepath.Join(l.dir, fileName(first))
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("audit: %w", err)
	}
	end, last, err := lastGood(f, st.Size(), first)
	if err != nil {
		f.Close()
		return fmt.Errorf("audit: %s: %w", p, err)
	}
	if end < st.Size() {
		l.log.Warn("audit log: torn tail cut", "file", p, "offset", end, "bytes", st.Size()-end, "last_seq", seqOf(last))
		if err := f.Truncate(end); err != nil {
			f.Close()
			return fmt.Errorf("audit: cannot cut the torn tail of %s: %w", p, err)
		}
	}
	// What Open found is durable before anything is appended after it
	// (and before a reader is told of it).
	if err := l.fdatasync(f); err != nil {
		f.Close()
		return fmt.Errorf("audit: %s: fdatasync: %w", p, err)
	}
	c := &logFile{first: first, f: f, synced: end, created: l.now()}
	c.size.Store(end)
	if last != nil {
		l.next = last.Seq + 1
		c.last = last.Time
		if r, err := firstRecord(f, end); err == nil {
			c.created = r.Time
		}
	} else {
		l.next = first
	}
	l.cur = c
	return nil
}

func seqOf(r *Record) uint64 {
	if r == nil {
		return 0
	}
	return r.Seq
}

// Append assigns the records their sequence numbers (consecutive, from
// LastSeq()+1, in order), sets Time (UTC) when zero and Gateway when "",
// writes them and returns where each is once they are durable: written
// and fdatasynced, with the directory fsynced when a file was created.
// Concurrent Appends share an fdatasync.
//
// On an error none of the records may be taken as logged; their sequence
// numbers are not reused (a loader sees a gap). A write error cuts what was
// written and starts a new file; a failed fdatasync fails every Append
// until the Log is opened again (after a failed fdatasync the kernel may
// have dropped the pages, and a later one may not say so).
func (l *Log) Append(recs ...*Record) ([]Loc, error) {
	locs, wait, err := l.Write(recs...)
	if err != nil {
		return nil, err
	}
	if err := wait(); err != nil {
		return nil, err
	}
	return locs, nil
}

// Write is Append in two steps: it assigns the numbers and writes the
// records, and returns wait, which returns once they are durable (or with
// the error of their fdatasync). The caller may do other work meanwhile
// (the daemon writes the spool's record of the same message) but must
// not take the records as logged before wait returned nil. wait may be
// called once.
func (l *Log) Write(recs ...*Record) (locs []Loc, wait func() error, err error) {
	locs, _, wait, err = l.write(recs)
	return locs, wait, err
}

// WriteCopy is Write for a caller that keeps a copy of the records until
// the log is synced (Sync), instead of waiting: it returns the records as
// they were written, as a JSON array of the lines' objects (their crc
// members included), which json.Unmarshal reads back into []*Record.
func (l *Log) WriteCopy(recs ...*Record) (locs []Loc, array []byte, err error) {
	locs, buf, _, err := l.write(recs)
	if err != nil || len(buf) == 0 {
		return locs, nil, err
	}
	array = make([]byte, 0, len(buf)+1)
	array = append(array, '[')
	for _, c := range buf[:len(buf)-1] {
		if c == '\n' { // JSON text never holds a raw newline: line ends only
			c = ','
		}
		array = append(array, c)
	}
	return locs, append(array, ']'), nil
}

func (l *Log) write(recs []*Record) (locs []Loc, buf []byte, wait func() error, err error) {
	if len(recs) == 0 {
		return nil, nil, func() error { return nil }, nil
	}
	// Encode outside the lock, with Seq 0: the lock only patches the
	// number in.
	now := l.now().UTC()
	enc := make([][]byte, len(recs))
	for i, r := range recs {
		if r == nil {
			return nil, nil, nil, errors.New("audit: nil record")
		}
		if r.Time.IsZero() {
			r.Time = now
		} else {
			r.Time = r.Time.UTC()
		}
		if r.Gateway == "" {
			r.Gateway = l.gateway
		}
		r.Seq = 0
		b, err := encode(r)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("audit: %w", err)
		}
		if !bytes.HasPrefix(b, seqZero) {
			return nil, nil, nil, fmt.Errorf("audit: record encodes as %.20q, not with seq first", b)
		}
		if len(b)+19+crcSuffixLen+1 > maxLine {
			return nil, nil, nil, errTooLong
		}
		enc[i] = b
	}

	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, nil, nil, ErrClosed
	}
	if l.failed != nil {
		l.mu.Unlock()
		return nil, nil, nil, l.failed
	}
	if c := l.cur; c == nil || c.broken || c.size.Load() >= l.rotSize ||
		c.size.Load() > 0 && !now.Before(c.created.Add(l.rotAge)) {
		if err := l.rotate(); err != nil {
			l.mu.Unlock()
			return nil, nil, nil, err
		}
	}
	c := l.cur
	start := c.size.Load()
	locs = make([]Loc, len(recs))
	for i, b := range enc {
		seq := l.next + uint64(i)
		recs[i].Seq = seq
		locs[i] = Loc{File: c.first, Off: start + int64(len(buf))}
		buf = appendLine(buf, seq, b)
	}
	l.next += uint64(len(recs))
	if _, err := l.writeAt(c.f, buf, start); err != nil {
		l.writeFailed(c, start, err)
		l.mu.Unlock()
		return nil, nil, nil, fmt.Errorf("audit: %s: write: %w", fileName(c.first), err)
	}
	end := start + int64(len(buf))
	c.size.Store(end)
	if start == 0 {
		c.created = now
	}
	c.last = recs[len(recs)-1].Time
	l.mu.Unlock()
	return locs, buf, func() error { return l.waitDurable(c, end) }, nil
}

// encode returns r's JSON. '<', '>' and '&' are not escaped, so that an
// operator's grep finds a Message-ID as it is written ("<id@host>").
func encode(r *Record) ([]byte, error) {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(r); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

// appendLine appends the line of the record encoded as b (with seq 0)
// numbered seq: its JSON with the number patched in and the CRC-32C of
// that JSON as a last member, then '\n'.
func appendLine(buf []byte, seq uint64, b []byte) []byte {
	rest := b[len(seqZero)-1:] // from the comma after the number
	from := len(buf)
	buf = append(buf, seqZero[:len(seqZero)-2]...)
	buf = strconv.AppendUint(buf, seq, 10)
	buf = append(buf, rest...)
	sum := crc32.Checksum(buf[from:], crcTable)
	buf = buf[:len(buf)-1] // the closing brace
	buf = append(buf, crcMember...)
	buf = hex.AppendEncode(buf, []byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
	buf = append(buf, '"', '}', '\n')
	return buf
}

// writeFailed handles a failed write at start in c: what was written is
// cut, and a new file is started so that the sequence numbers given out
// are never reused even if the Log is reopened. l.mu held.
func (l *Log) writeFailed(c *logFile, start int64, err error) {
	l.log.Error("audit log write failed", "file", fileName(c.first), "err", err)
	if terr := c.f.Truncate(start); terr != nil {
		// A half line stays in this file: it is never written again,
		// and readers skip the line.
		l.log.Error("audit log: cannot cut a failed write; the file is left with a damaged line", "file", fileName(c.first), "err", terr)
	}
	if rerr := l.rotate(); rerr != nil {
		// The next Append tries again before it writes.
		c.broken = true
		l.log.Error("audit log: cannot start a new file after a failed write", "err", rerr)
	}
}

// rotate starts a new file named by the next sequence number: the
// current one is fdatasynced (so only the newest file can have a torn
// tail), the new one created and the directory fsynced, then expired
// files are removed. l.mu held.
func (l *Log) rotate() error {
	old := l.cur
	if old != nil {
		if err := l.fdatasync(old.f); err != nil {
			l.syncFailed(syncError(old, err))
			return l.failed
		}
		l.smu.Lock()
		old.synced = max(old.synced, old.size.Load())
		l.scond.Broadcast()
		l.smu.Unlock()
	}
	p := filepath.Join(l.dir, fileName(l.next))
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if err := durable.SyncDir(l.dir); err != nil {
		f.Close()
		os.Remove(p)
		return fmt.Errorf("audit: fsync %s: %w", l.dir, err)
	}
	l.cur = &logFile{first: l.next, f: f, created: l.now()}
	if old != nil {
		// A group fdatasync may still be running on it: the file is
		// closed when that is done (os.File counts its users), and its
		// waiters are satisfied by old.synced.
		old.f.Close()
		l.old = append(l.old, oldFile{first: old.first, last: old.last})
		l.log.Info("audit log rotated", "file", fileName(l.next), "previous", fileName(old.first))
		l.prune()
	}
	return nil
}

// syncFailed records a failed fdatasync (err from syncError): every waiter whose bytes it
// did not cover gets err, and Append refuses until the Log is reopened.
// l.mu held.
func (l *Log) syncFailed(err error) {
	if l.failed != nil {
		return
	}
	l.log.Error("audit log fdatasync failed: appends refused until the log is reopened", "err", err)
	l.failed = err
	l.smu.Lock()
	if l.syncErr == nil {
		l.syncErr = err
	}
	l.scond.Broadcast()
	l.smu.Unlock()
}

// waitDurable returns when c's first end bytes are durable: by an
// fdatasync that started after they were written, its own or one that
// another caller runs (group commit).
func (l *Log) waitDurable(c *logFile, end int64) error {
	l.smu.Lock()
	for {
		if c.synced >= end {
			l.smu.Unlock()
			return nil
		}
		if l.syncErr != nil {
			err := l.syncErr
			l.smu.Unlock()
			return err
		}
		if !l.syncing {
			break
		}
		l.scond.Wait()
	}
	l.syncing = true
	l.smu.Unlock()

	// Every byte written before this load is covered by the fdatasync.
	target := c.size.Load()
	err := l.fdatasync(c.f)

	l.smu.Lock()
	l.syncing = false
	l.syncs++
	if err == nil {
		c.synced = max(c.synced, target)
	}
	// A rotation or Close that fdatasynced c under us satisfies us
	// whatever our own fdatasync said (it may say "file closed").
	if c.synced >= end {
		l.scond.Broadcast()
		l.smu.Unlock()
		return nil
	}
	if err == nil {
		err = errors.New("internal error: fdatasync did not cover the write")
	}
	// Fail the waiters before they wake, so that none of them runs an
	// fdatasync of its own.
	err = syncError(c, err)
	if l.syncErr == nil {
		l.syncErr = err
	}
	err = l.syncErr
	l.scond.Broadcast()
	l.smu.Unlock()
	l.mu.Lock()
	l.syncFailed(err)
	l.mu.Unlock()
	return err
}

func syncError(c *logFile, err error) error {
	return fmt.Errorf("audit: %s: fdatasync failed, the log refuses appends until it is reopened: %w", fileName(c.first), err)
}

// prune removes the oldest rotated files while their last record is older
// than Keep; it stops at the first one that is not, so that what remains
// is a contiguous run of sequence numbers. l.mu held.
func (l *Log) prune() {
	if l.keep <= 0 {
		return
	}
	cutoff := l.now().Add(-l.keep)
	removed := 0
	for len(l.old) > 0 {
		o := &l.old[0]
		p := filepath.Join(l.dir, fileName(o.first))
		if o.last.IsZero() {
			t, err := lastTime(p, o.first)
			if err != nil {
				l.log.Warn("audit log: cannot tell the age of a file; kept", "file", p, "err", err)
				break
			}
			o.last = t
		}
		if !o.last.Before(cutoff) {
			break
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			l.log.Error("audit log: cannot remove an expired file", "file", p, "err", err)
			break
		}
		l.log.Info("audit log: expired file removed", "file", p, "last_record", o.last)
		l.old = l.old[1:]
		removed++
	}
	if removed > 0 {
		if err := durable.SyncDir(l.dir); err != nil {
			l.log.Warn("audit log: fsync of the directory after removals failed", "dir", l.dir, "err", err)
		}
	}
}

// lastTime returns the time of the last record in the file at p, or its
// modification time if it has none.
func lastTime(p string, first uint64) (time.Time, error) {
	f, err := os.Open(p)
	if err != nil {
		return time.Time{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return time.Time{}, err
	}
	_, r, err := lastGood(f, st.Size(), first)
	if err != nil {
		return time.Time{}, err
	}
	if r == nil {
		return st.ModTime(), nil
	}
	return r.Time, nil
}

// Sync makes every record written so far durable (the records of Write
// whose wait was not called: the daemon keeps a copy of them in its spool
// until Sync, see queue.Side).
func (l *Log) Sync() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	if l.failed != nil {
		err := l.failed
		l.mu.Unlock()
		return err
	}
	c := l.cur
	l.mu.Unlock()
	if c == nil {
		return nil
	}
	return l.waitDurable(c, c.size.Load())
}

// Err says whether the log takes records: ErrClosed, or the failure that
// made it refuse them (a failed fdatasync); nil when it works.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	return l.failed
}

// SkipTo makes the next record's sequence number at least seq+1, so that
// the numbers up to seq are never given again: the daemon calls it after
// a crash for numbers it had handed out (kept by the spool) whose records
// the crash took. A loader sees a gap.
func (l *Log) SkipTo(seq uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq >= l.next {
		l.next = seq + 1
	}
}

// LastSeq returns the last sequence number given out: the next record
// appended is LastSeq()+1. After Open it is the last complete record's
// (0 for a new log).
func (l *Log) LastSeq() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.next - 1
}

// Read reads back the record at loc (one positioned read of one line).
func (l *Log) Read(loc Loc) (*Record, error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil, ErrClosed
	}
	c := l.cur
	l.mu.Unlock()
	if c != nil && c.first == loc.File {
		r, err := readAt(c.f, loc)
		if !errors.Is(err, os.ErrClosed) {
			return r, err
		}
		// Rotated under us: read it by name.
	}
	f, err := os.Open(filepath.Join(l.dir, fileName(loc.File)))
	if err != nil {
		// Not there: never written, or removed by Keep.
		return nil, fmt.Errorf("audit: record at %d:%d: %w", loc.File, loc.Off, err)
	}
	defer f.Close()
	return readAt(f, loc)
}

// readAt reads and checks the line at loc.Off in f.
func readAt(f *os.File, loc Loc) (*Record, error) {
	if loc.Off < 0 {
		return nil, fmt.Errorf("audit: bad location %d:%d", loc.File, loc.Off)
	}
	// Read from the byte before: a line starts after a '\n'.
	pos, skip := loc.Off, 0
	if pos > 0 {
		pos, skip = pos-1, 1
	}
	buf := make([]byte, 4096)
	n := 0
	for {
		k, err := f.ReadAt(buf[n:], pos+int64(n))
		n += k
		if skip == 1 && n > 0 && buf[0] != '\n' {
			return nil, fmt.Errorf("audit: %s offset %d is not the start of a line", fileName(loc.File), loc.Off)
		}
		if i := bytes.IndexByte(buf[skip:n], '\n'); i >= 0 {
			r, perr := parseLine(buf[skip : skip+i+1])
			if perr != nil {
				return nil, fmt.Errorf("audit: %s offset %d: %w", fileName(loc.File), loc.Off, perr)
			}
			if r.Seq < loc.File {
				return nil, fmt.Errorf("audit: %s offset %d: seq %d below the file's first", fileName(loc.File), loc.Off, r.Seq)
			}
			return r, nil
		}
		if err == io.EOF {
			return nil, fmt.Errorf("audit: %s offset %d: no complete line", fileName(loc.File), loc.Off)
		}
		if err != nil {
			return nil, fmt.Errorf("audit: %s: %w", fileName(loc.File), err)
		}
		if n-skip >= maxLine {
			return nil, fmt.Errorf("audit: %s offset %d: line longer than 1 MiB", fileName(loc.File), loc.Off)
		}
		if n == len(buf) {
			buf = append(buf, make([]byte, min(len(buf), maxLine+1-len(buf)))...)
		}
	}
}

// Scan calls fn for each durable record with Seq >= from, in order,
// across files. A damaged line is logged and skipped. fn's error stops the
// scan and is returned. fn may call Append.
func (l *Log) Scan(from uint64, fn func(r *Record, loc Loc) error) error {
	return l.scanEvent(from, "", fn)
}

// durableLimit is how much of file first a Scan reads: what is durable.
func (l *Log) durableLimit(first uint64, f *os.File, _ bool) (int64, error) {
	l.mu.Lock()
	c := l.cur
	l.mu.Unlock()
	if c != nil && c.first == first {
		l.smu.Lock()
		defer l.smu.Unlock()
		return c.synced, nil
	}
	// A rotated file was fdatasynced before the next one existed.
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// scanEvent is Scan delivering only the records of event ev, decoded
// without their recipients, conversion and acknowledgement (parseHead);
// "" delivers every record, whole.
func (l *Log) scanEvent(from uint64, ev Event, fn func(r *Record, loc Loc) error) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	l.mu.Unlock()
	return scanDir(l.dir, from, fn, l.log, l.durableLimit, ev)
}

// ScanDir is Scan without a Log, for readers in other processes (mixerd
// track, a loader): it takes no lock and is safe while a daemon appends.
// It only delivers durable records: it fdatasyncs the newest file before
// reading it, and reads it only up to its size then, so that a loader
// never commits a record that a crash of the writer could take back.
// Damaged lines are logged to slog.Default and skipped.
func ScanDir(dir string, from uint64, fn func(r *Record, loc Loc) error) error {
	return scanDirLog(dir, from, fn, slog.Default())
}

func scanDirLog(dir string, from uint64, fn func(r *Record, loc Loc) error, log *slog.Logger) error {
	limit := func(_ uint64, f *os.File, newest bool) (int64, error) {
		if newest {
			if err := durable.Fdatasync(f); err != nil && !errors.Is(err, syscall.EROFS) && !errors.Is(err, syscall.EINVAL) {
				return 0, fmt.Errorf("fdatasync: %w", err)
			}
		}
		st, err := f.Stat()
		if err != nil {
			return 0, err
		}
		return st.Size(), nil
	}
	return scanDir(dir, from, fn, log, limit, "")
}

// scanDir reads the files of dir from the one holding from, each up to
// limit's answer (newest says it is the last file listed).
func scanDir(dir string, from uint64, fn func(r *Record, loc Loc) error, log *slog.Logger,
	limit func(first uint64, f *os.File, newest bool) (int64, error), only Event) error {
	firsts, err := listFiles(dir)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	start := 0
	for start+1 < len(firsts) && firsts[start+1] <= from {
		start++
	}
	if len(firsts) > 0 && from > 0 && firsts[start] > from {
		log.Warn("audit log: records were removed before they were read", "from", from, "first_kept", firsts[start])
	}
	sc := scanner{from: from, fn: fn, log: log, only: only}
	if from > 0 {
		sc.prev = from - 1
	}
	for i := start; i < len(firsts); i++ {
		newest := i == len(firsts)-1
		p := filepath.Join(dir, fileName(firsts[i]))
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			log.Debug("audit log: file removed while scanning", "file", p)
			continue
		}
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		n, err := limit(firsts[i], f, newest)
		if err == nil {
			err = sc.file(f, firsts[i], n, newest)
		} else {
			err = fmt.Errorf("audit: %s: %w", p, err)
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// scanner reads files in order for scanDir.
type scanner struct {
	from uint64
	prev uint64 // the last sequence number delivered (or from-1)
	fn   func(*Record, Loc) error
	log  *slog.Logger
	br   *bufio.Reader
	long []byte
	// only, when set, delivers only the records of that event, decoded
	// without their recipients, conversion and acknowledgement (the
	// correlation index needs the keys): other lines are checked and
	// skipped without being decoded.
	only Event
}

// file scans the first size bytes of f, named by first.
func (s *scanner) file(f *os.File, first uint64, size int64, newest bool) error {
	name := fileName(first)
	sr := io.NewSectionReader(f, 0, size)
	if s.br == nil {
		s.br = bufio.NewReaderSize(sr, 64<<10)
	} else {
		s.br.Reset(sr)
	}
	var off int64
	for {
		line, n, tooLong, err := readLine(s.br, &s.long)
		if n == 0 && err == io.EOF {
			return nil
		}
		if err == io.EOF {
			// No '\n': being written (newest file), or torn.
			if !newest {
				s.log.Warn("audit log: incomplete last line skipped", "file", name, "offset", off, "bytes", n)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("audit: %s: %w", name, err)
		}
		lineOff := off
		off += int64(n)
		if tooLong {
			s.log.Warn("audit log: damaged line skipped", "file", name, "offset", lineOff, "err", "longer than 1 MiB")
			continue
		}
		if seq, ok := peekSeq(line); ok && seq < s.from {
			continue
		}
		var r *Record
		if s.only != "" {
			r, err = parseHead(line, s.only)
		} else {
			r, err = parseLine(line)
		}
		if err == nil && r.Seq < first {
			err = fmt.Errorf("seq %d below the file's first", r.Seq)
		}
		if err == nil && r.Seq <= s.prev && r.Seq >= s.from {
			err = fmt.Errorf("seq %d out of order (after %d)", r.Seq, s.prev)
		}
		if err != nil {
			s.log.Warn("audit log: damaged line skipped", "file", name, "offset", lineOff, "err", err)
			continue
		}
		if r.Seq < s.from {
			continue
		}
		s.prev = r.Seq
		if s.only != "" && r.Event != s.only {
			continue
		}
		if err := s.fn(r, Loc{File: first, Off: lineOff}); err != nil {
			return err
		}
	}
}

// readLine reads a line with its '\n' from br. A line longer than maxLine
// is consumed and reported tooLong; *long is the scratch buffer for lines
// longer than br's buffer. n counts the bytes consumed. At the end of the
// input, a last line without '\n' is returned with io.EOF.
func readLine(br *bufio.Reader, long *[]byte) (line []byte, n int, tooLong bool, err error) {
	b, err := br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return b, len(b), false, err
	}
	*long = append((*long)[:0], b...)
	n = len(b)
	for {
		b, err = br.ReadSlice('\n')
		n += len(b)
		if !tooLong {
			if len(*long)+len(b) > maxLine {
				tooLong = true
				*long = (*long)[:0]
			} else {
				*long = append(*long, b...)
			}
		}
		if err != bufio.ErrBufferFull {
			if tooLong {
				return nil, n, err == nil, err
			}
			return *long, n, false, err
		}
	}
}

// peekSeq reads the sequence number at the start of a line, without
// checking the line.
func peekSeq(line []byte) (uint64, bool) {
	p := seqZero[:len(seqZero)-2]
	if !bytes.HasPrefix(line, p) {
		return 0, false
	}
	i := len(p)
	j := i
	for j < len(line) && j-i < 20 && line[j] >= '0' && line[j] <= '9' {
		j++
	}
	if j == i || j >= len(line) || line[j] != ',' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(line[i:j]), 10, 64)
	return n, err == nil
}

// parseLine checks a line ('\n' included) and decodes its record: the
// CRC-32C member must match the record's JSON (the line without it).
func parseLine(line []byte) (*Record, error) {
	l, err := checkLine(line)
	if err != nil {
		return nil, err
	}
	r := new(Record)
	if err := json.Unmarshal(l, r); err != nil {
		return nil, fmt.Errorf("bad JSON: %v", err)
	}
	if r.Seq == 0 {
		return nil, errors.New("no sequence number")
	}
	return r, nil
}

// recordHead is what parseHead decodes of a record.
type recordHead struct {
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Event   Event     `json:"event"`
	Gateway string    `json:"gateway"`
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	Keys    Keys      `json:"keys"`
}

// parseHead is parseLine for a reader of one event's records: a line
// whose event is not ev (its "event" member, always near the start, is
// looked at without decoding) gives a Record with its Seq and no Event;
// one of ev is decoded without its recipients, conversion and
// acknowledgement. The checksum is checked either way.
func parseHead(line []byte, ev Event) (*Record, error) {
	l, err := checkLine(line)
	if err != nil {
		return nil, err
	}
	head := l[:min(len(l), 160)]
	if !bytes.Contains(head, []byte(`"event":"`+string(ev)+`"`)) && bytes.Contains(head, []byte(`"event":"`)) {
		seq, ok := peekSeq(line)
		if !ok || seq == 0 {
			return nil, errors.New("no sequence number")
		}
		return &Record{Seq: seq}, nil
	}
	// The members after the keys (recipients, conversion, ack, text) are
	// not needed: the line is decoded up to them, closed there. A
	// member name in quotes cannot occur inside a JSON string (its
	// quotes would be escaped), so the cut is at the member itself.
	body := l
	if i := bytes.Index(l, []byte(`,"recipients":`)); i > 0 {
		body = append(l[:i:i], '}')
	}
	var h recordHead
	if err := json.Unmarshal(body, &h); err != nil {
		return nil, fmt.Errorf("bad JSON: %v", err)
	}
	if h.Seq == 0 {
		return nil, errors.New("no sequence number")
	}
	return &Record{Seq: h.Seq, Time: h.Time, Event: h.Event, Gateway: h.Gateway, ID: h.ID, Kind: h.Kind, Keys: h.Keys}, nil
}

// checkLine checks a line's form and checksum and returns it without its
// '\n'.
func checkLine(line []byte) ([]byte, error) {
	if len(line) == 0 || line[len(line)-1] != '\n' {
		return nil, errors.New("incomplete line")
	}
	l := line[:len(line)-1]
	if len(l) < crcSuffixLen+2 || !bytes.HasSuffix(l, []byte(`"}`)) ||
		string(l[len(l)-crcSuffixLen:len(l)-crcSuffixLen+len(crcMember)]) != crcMember {
		return nil, errors.New("no checksum")
	}
	var want [4]byte
	if _, err := hex.Decode(want[:], l[len(l)-10:len(l)-2]); err != nil {
		return nil, errors.New("bad checksum")
	}
	body := l[:len(l)-crcSuffixLen]
	sum := crc32.Update(crc32.Checksum(body, crcTable), crcTable, []byte{'}'})
	if sum != uint32(want[0])<<24|uint32(want[1])<<16|uint32(want[2])<<8|uint32(want[3]) {
		return nil, errors.New("checksum mismatch")
	}
	return l, nil
}

// lastGood finds, reading backwards from size, the last line of f that is
// a good record numbered first or more: it returns the offset just after
// it and the record (0, nil if there is none). Memory is bounded by
// maxLine.
func lastGood(f *os.File, size int64, first uint64) (int64, *Record, error) {
	end := size
	for end > 0 {
		nl, err := lastNewline(f, end)
		if err != nil {
			return 0, nil, err
		}
		if nl != end-1 {
			end = nl + 1 // an incomplete line
			continue
		}
		pnl, err := lastNewline(f, end-1)
		if err != nil {
			return 0, nil, err
		}
		start := pnl + 1
		if end-start <= maxLine {
			line := make([]byte, end-start)
			if _, err := f.ReadAt(line, start); err != nil {
				return 0, nil, err
			}
			if r, err := parseLine(line); err == nil && r.Seq >= first {
				return end, r, nil
			}
		}
		end = start
	}
	return 0, nil, nil
}

// lastNewline returns the offset of the last '\n' before end in f, -1 if
// there is none.
func lastNewline(f *os.File, end int64) (int64, error) {
	var buf [16 << 10]byte
	for end > 0 {
		n := min(end, int64(len(buf)))
		b := buf[:n]
		if _, err := f.ReadAt(b, end-n); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			return end - n + int64(i), nil
		}
		end -= n
	}
	return -1, nil
}

// firstRecord returns the first good record in f's first size bytes.
func firstRecord(f *os.File, size int64) (*Record, error) {
	br := bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 4096)
	var long []byte
	for {
		line, _, tooLong, err := readLine(br, &long)
		if err != nil {
			return nil, err
		}
		if tooLong {
			continue
		}
		if r, err := parseLine(line); err == nil {
			return r, nil
		}
	}
}

// listFiles returns the first sequence numbers of the log files in dir,
// ascending.
func listFiles(dir string) ([]uint64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var ns []uint64
	for _, e := range ents {
		name := e.Name()
		if len(name) != len(filePrefix)+20+len(fileSuffix) || !e.Type().IsRegular() ||
			name[:len(filePrefix)] != filePrefix || name[len(name)-len(fileSuffix):] != fileSuffix {
			continue
		}
		n, err := strconv.ParseUint(name[len(filePrefix):len(filePrefix)+20], 10, 64)
		if err != nil || n == 0 {
			continue
		}
		ns = append(ns, n)
	}
	sort.Slice(ns, func(i, j int) bool { return ns[i] < ns[j] })
	return ns, nil
}

// Close makes what was appended durable and closes the log; Appends
// waiting for their fdatasync are answered by Close's.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	var err error
	if c := l.cur; c != nil {
		if err = l.fdatasync(c.f); err != nil {
			err = fmt.Errorf("audit: %s: fdatasync: %w", fileName(c.first), err)
			l.smu.Lock()
			if l.syncErr == nil {
				l.syncErr = err
			}
			l.smu.Unlock()
		} else {
			l.smu.Lock()
			c.synced = max(c.synced, c.size.Load())
			l.smu.Unlock()
		}
		l.smu.Lock()
		l.scond.Broadcast()
		l.smu.Unlock()
	}
	l.closeFiles()
	return err
}

// closeFiles closes the current file and releases the lock.
func (l *Log) closeFiles() {
	if l.cur != nil {
		l.cur.f.Close()
	}
	if l.lockFile != nil {
		l.lockFile.Close() // releases the flock
	}
}
