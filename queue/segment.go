package queue

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"mixerd/internal/durable"
)

// The spool is a log of segment files in DIR/seg, named by their number
// in hex (16 digits, so that names sort as numbers). A segment is the magic
// "MXS1" then records framed as in disk.go:
//
//	'M' a message: uvarint length of the JSON fileHeader, the header, the body
//	'E' a journal event: the message id, a NUL byte, the JSON event
//	'F' a finished message: its id, a NUL byte, the JSON list of its seen
//	    records (the commit of a finish; DIR/seen is fsynced before any
//	    segment is removed, so what an 'F' record holds is never lost)
//
// Many messages share a segment, so a Put allocates no inode (on ext4 an
// inode allocation cost ~0.7 ms of CPU while the backlog grew), and
// concurrent Puts and journal appends share one fdatasync (group commit):
// a caller returns only when an fdatasync that started after its write has
// finished. A new segment is started when the current one passes
// segmentBytes or segmentAge; the old one is fdatasynced first, so only
// the last segment can have a torn tail.
//
// A message's events come after its 'M' record, in the same or a later
// segment. Segments are removed oldest first, and only when no live
// message's 'M' record is in them: every record of a live message
// therefore survives, and Open rebuilds each message's state by replaying
// the segments in order. When the segments hold more than twice the live
// bytes, the oldest segment's live messages are copied forward (their 'M'
// record and every event, a later 'M' of an id replacing the earlier one)
// so that a few long-lived messages cannot pin an unbounded log.
const (
	segMagic     = "MXS1"
	recMessage   = 'M'
	recSegEvent  = 'E'
	recFinished  = 'F'
	segmentBytes = 16 << 20
	segmentAge   = time.Hour
)

// loc is where a record is: segment number, offset and length of the
// whole record (frame included).
type loc struct {
	seg uint64
	off int64
	n   int64
}

type segment struct {
	n         uint64
	f         *os.File
	size      int64
	live      int   // live messages whose 'M' record is here
	liveBytes int64 // their records' bytes ('M' and events)
	created   time.Time
}

// store is the segment log.
type store struct {
	dir    string
	log    *slog.Logger
	now    func() time.Time
	segMax int64 // segmentBytes; tests lower it
	// beforeTrim is called before segments are removed; an error keeps them.
	beforeTrim func() error

	mu      sync.Mutex
	segs    map[uint64]*segment
	cur     *segment
	next    uint64 // the next segment's number
	created int    // segments created since Open
	copied  int    // messages copied forward by compaction since Open
	closed  bool
	failed  error // an fdatasync failed: writes refused
	gs      groupSync
}

func segName(n uint64) string { return fmt.Sprintf("%016x", n) }

// rotate starts a new segment: the current one is fdatasynced, the new
// one created with its magic, fsynced, and the directory fsynced. s.mu held.
func (s *store) rotate() error {
	if s.cur != nil {
		if err := syscall.Fdatasync(int(s.cur.f.Fd())); err != nil {
			s.failed = fmt.Errorf("spool segment %s: fdatasync failed: %w", segName(s.cur.n), err)
			s.log.Error("spool segment fdatasync failed: the spool refuses writes until it is reopened", "segment", segName(s.cur.n), "err", err)
			return err
		}
	}
	n := s.next
	p := filepath.Join(s.dir, segName(n))
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write([]byte(segMagic))
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = durable.SyncDir(s.dir)
	}
	if err != nil {
		f.Close()
		os.Remove(p)
		return err
	}
	s.next++
	s.created++
	sg := &segment{n: n, f: f, size: int64(len(segMagic)), created: s.now()}
	s.segs[n] = sg
	s.cur = sg
	return nil
}

// write appends records to the current segment (not yet durable: call
// sync) and returns where each is. A failed write is cut off. With hold,
// recs[0] is a message record and the rest its events: they are counted
// live in the same critical section, so that no trim can remove the
// segment before its message is known.
func (s *store) write(hold bool, recs ...[]byte) ([]loc, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.failed != nil {
		return nil, s.failed
	}
	if s.cur == nil || s.cur.size >= s.segMax || s.now().Sub(s.cur.created) >= segmentAge && s.cur.size > int64(len(segMagic)) {
		if err := s.rotate(); err != nil {
			return nil, err
		}
	}
	var buf []byte
	if len(recs) == 1 {
		buf = recs[0]
	} else {
		for _, r := range recs {
			buf = append(buf, r...)
		}
	}
	c := s.cur
	if _, err := c.f.WriteAt(buf, c.size); err != nil {
		// Cut what was written, so that later records stay readable;
		// if that fails too, a later record could follow garbage and be
		// cut by Open as a torn tail: fail stop.
		if terr := c.f.Truncate(c.size); terr != nil {
			s.failed = fmt.Errorf("spool segment %s: cannot cut a failed write: %w", segName(c.n), terr)
			s.log.Error("spool segment damaged: the spool refuses writes until it is reopened", "segment", segName(c.n), "err", terr)
		}
		return nil, err
	}
	locs := make([]loc, len(recs))
	off := c.size
	for i, r := range recs {
		locs[i] = loc{seg: c.n, off: off, n: int64(len(r))}
		off += int64(len(r))
	}
	c.size = off
	if hold {
		c.live++
		c.liveBytes += off - locs[0].off
	}
	return locs, nil
}

// sync returns when every record written before the call is durable
// (one fdatasync shared by concurrent callers).
func (s *store) sync() error { return s.gs.Sync() }

func (s *store) syncCur() error {
	s.mu.Lock()
	c, closed, failed := s.cur, s.closed, s.failed
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if failed != nil {
		return failed
	}
	if c == nil {
		return nil
	}
	// A rotation after our caller's write fdatasynced that segment; a
	// segment closed under us was removed, holding nothing live.
	if err := syscall.Fdatasync(int(c.f.Fd())); err != nil && !errors.Is(err, syscall.EBADF) {
		// After a failed fdatasync the kernel may have dropped the
		// pages and later fdatasyncs may not say so: fail stop. Nothing
		// more is acknowledged until the spool is opened again (Open
		// replays what did reach the disk).
		s.mu.Lock()
		if s.failed == nil {
			s.failed = fmt.Errorf("spool segment %s: fdatasync failed: %w", segName(c.n), err)
		}
		s.mu.Unlock()
		s.log.Error("spool segment fdatasync failed: the spool refuses writes until it is reopened", "segment", segName(c.n), "err", err)
		return err
	}
	return nil
}

// read returns the payload (type byte excluded) and type of the record at l.
func (s *store) read(l loc) (byte, []byte, error) {
	s.mu.Lock()
	sg := s.segs[l.seg]
	s.mu.Unlock()
	if sg == nil {
		return 0, nil, ErrNotFound
	}
	b := make([]byte, l.n)
	if _, err := sg.f.ReadAt(b, l.off); err != nil {
		return 0, nil, err
	}
	typ, p, _, err := readRecord(b, 0, int(l.n))
	if err != nil {
		return 0, nil, fmt.Errorf("segment %s at %d: %w", segName(l.seg), l.off, err)
	}
	return typ, p, nil
}

// hold counts a live message's records found by Open.
func (s *store) hold(m loc, evs []loc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sg := s.segs[m.seg]; sg != nil {
		sg.live++
		sg.liveBytes += m.n
		for _, e := range evs {
			sg.liveBytes += e.n
		}
	}
}

// addEvent counts an event of a live message held at m.
func (s *store) addEvent(m loc, n int64) {
	s.mu.Lock()
	if sg := s.segs[m.seg]; sg != nil {
		sg.liveBytes += n
	}
	s.mu.Unlock()
}

// release forgets a finished (or copied) message's records and removes
// the segments, oldest first, that hold nothing live.
func (s *store) release(m loc, evs []loc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sg := s.segs[m.seg]; sg != nil {
		sg.live--
		sg.liveBytes -= m.n
		for _, e := range evs {
			sg.liveBytes -= e.n
		}
	}
	s.trim()
}

// trim removes the oldest segments while they hold nothing live. s.mu held.
func (s *store) trim() {
	synced := false
	for {
		o := s.oldest()
		if o == nil || o == s.cur || o.live > 0 {
			return
		}
		if !synced && s.beforeTrim != nil {
			if err := s.beforeTrim(); err != nil {
				s.log.Error("spool segments kept: cannot sync the seen file", "err", err)
				return
			}
			synced = true
		}
		p := filepath.Join(s.dir, segName(o.n))
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Error("cannot remove spool segment", "file", p, "err", err)
			return
		}
		o.f.Close()
		delete(s.segs, o.n)
	}
}

// oldest returns the oldest segment. s.mu held.
func (s *store) oldest() *segment {
	var o *segment
	for _, sg := range s.segs {
		if o == nil || sg.n < o.n {
			o = sg
		}
	}
	return o
}

// compactTarget returns the oldest segment if the log holds more than
// twice the live bytes (plus two segments of slack), else 0, false.
func (s *store) compactTarget() (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var total, live int64
	for _, sg := range s.segs {
		total += sg.size
		live += sg.liveBytes
	}
	o := s.oldest()
	if o == nil || o == s.cur || total <= 2*live+2*s.segMax {
		return 0, false
	}
	return o.n, true
}

// stats returns the fdatasyncs done and the segments created.
func (s *store) stats() (syncs, created, segs int) {
	s.gs.mu.Lock()
	syncs = s.gs.count
	s.gs.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	return syncs, s.created, len(s.segs)
}

func (s *store) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	if s.cur != nil {
		_ = syscall.Fdatasync(int(s.cur.f.Fd()))
	}
	for _, sg := range s.segs {
		sg.f.Close()
	}
}

// messageRecord frames a message: header JSON and body.
func messageRecord(hp, body []byte) []byte {
	p := make([]byte, 0, binary.MaxVarintLen64+len(hp)+len(body))
	p = binary.AppendUvarint(p, uint64(len(hp)))
	p = append(p, hp...)
	p = append(p, body...)
	return appendRecord(nil, recMessage, p)
}

// splitMessage splits an 'M' payload into header JSON and body.
func splitMessage(p []byte) (hp, body []byte, err error) {
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)-k) {
		return nil, nil, errors.New("message record: bad header length")
	}
	return p[k : k+int(n)], p[k+int(n):], nil
}

// parseMessage parses an 'M' record's payload.
func parseMessage(typ byte, p []byte) (*fileHeader, []byte, error) {
	if typ != recMessage {
		return nil, nil, fmt.Errorf("record type %q, not a message", typ)
	}
	hp, body, err := splitMessage(p)
	if err != nil {
		return nil, nil, err
	}
	h := new(fileHeader)
	if err := json.Unmarshal(hp, h); err != nil {
		return nil, nil, fmt.Errorf("header: %v", err)
	}
	return h, body, nil
}

// eventRecord frames a journal event ('E') or a finished record ('F',
// with the JSON list of its seen records) of message id.
func eventRecord(typ byte, id string, ev []byte) []byte {
	p := make([]byte, 0, len(id)+1+len(ev))
	p = append(p, id...)
	p = append(p, 0)
	p = append(p, ev...)
	return appendRecord(nil, typ, p)
}

// splitEvent splits an 'E' or 'F' payload into id and JSON.
func splitEvent(p []byte) (string, []byte, error) {
	for i, c := range p {
		if c == 0 {
			return string(p[:i]), p[i+1:], nil
		}
	}
	return "", nil, errors.New("event record: no id")
}

// listSegments returns the segment numbers in dir, ascending, and the
// names that are not segments.
func listSegments(dir string) ([]uint64, []string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var ns []uint64
	var other []string
	for _, e := range ents {
		n, err := strconv.ParseUint(e.Name(), 16, 64)
		if err != nil || len(e.Name()) != 16 || !e.Type().IsRegular() {
			other = append(other, e.Name())
			continue
		}
		ns = append(ns, n)
	}
	sort.Slice(ns, func(i, j int) bool { return ns[i] < ns[j] })
	return ns, other, nil
}
