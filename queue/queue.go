package queue

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"mixerd/internal/durable"
	"mixerd/x400"
)

// LaneConfig is the retry policy of one lane.
type LaneConfig struct {
	// Retry is the list of delays between attempts; the last repeats.
	Retry []time.Duration
	// MaxAge: a recipient still undelivered this long after arrival fails
	// permanently (X.411 maximum-time-expired).
	MaxAge time.Duration
}

// Config configures a queue. Zero fields take the defaults documented on
// them.
type Config struct {
	// Dir is the spool directory (created if missing).
	Dir string
	// Now is the clock (default time.Now). Tests inject one.
	Now func() time.Time
	// Logger (default slog.Default()).
	Logger *slog.Logger
	// Lanes holds the retry policy per lane (the six NATO precedences);
	// a missing lane takes DefaultLanes' entry.
	Lanes map[x400.Precedence]LaneConfig
	// MaxMessages and MaxBytes bound the spool (default 100,000 messages,
	// 8 GiB); Put returns ErrFull past them.
	MaxMessages int
	MaxBytes    int64
	// MaxMessageBytes bounds one message's bytes (default 64 MiB).
	MaxMessageBytes int
	// MaxRecipients bounds one message's recipients (default 10,000).
	MaxRecipients int
	// MaxLeases bounds the leases out at once (0: no bound). Of these,
	// ReservedFlash are kept for FLASH and OVERRIDE, and ReservedImmediate
	// more for IMMEDIATE and above, so that a high-precedence message
	// always finds a worker while ROUTINE work is backlogged.
	MaxLeases         int
	ReservedFlash     int
	ReservedImmediate int
	// DuplicateWindow is how long a finished message's identifier is
	// remembered (default 48 h).
	DuplicateWindow time.Duration
	// MaxRemembered bounds the finished identifiers kept in memory for
	// duplicate detection (default 500,000); past it the oldest are
	// forgotten before the window ends (logged).
	MaxRemembered int
	// OnSide, when set, is called by Open with every Side (see Side) the
	// spool still holds, in log order; the caller finds there what a
	// crash took from its own, lazily synced, log.
	OnSide func(s Side)
	// BeforeRemove, when set, is called before spool segments are removed
	// (their Sides with them); an error keeps them. The daemon makes its
	// audit log durable there.
	BeforeRemove func() error
}

// Side is what a caller keeps in the spool with a message's state
// change, to be made durable by the same fdatasync: an opaque tag and
// opaque data, kept as they are (the daemon: the audit records of the
// change as JSON, and the sequence number of the last). Open hands every Side still in the spool back
// (Config.OnSide). The zero Side is none.
type Side struct {
	Tag  uint64
	Data []byte
}

// DefaultLanes is the default retry policy: faster and shorter-lived for
// the higher precedences (ACP 123 / STANAG 4406 speed-of-service targets
// are minutes for FLASH, hours for ROUTINE).
var DefaultLanes = map[x400.Precedence]LaneConfig{
	x400.PrecedenceOverride:  {Retry: []time.Duration{10 * time.Second, 30 * time.Second, time.Minute}, MaxAge: 30 * time.Minute},
	x400.PrecedenceFlash:     {Retry: []time.Duration{10 * time.Second, 30 * time.Second, time.Minute}, MaxAge: time.Hour},
	x400.PrecedenceImmediate: {Retry: []time.Duration{30 * time.Second, time.Minute, 5 * time.Minute}, MaxAge: 4 * time.Hour},
	x400.PrecedencePriority:  {Retry: []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}, MaxAge: 24 * time.Hour},
	x400.PrecedenceRoutine:   {Retry: []time.Duration{5 * time.Minute, 15 * time.Minute, time.Hour}, MaxAge: 72 * time.Hour},
	x400.PrecedenceDeferred:  {Retry: []time.Duration{15 * time.Minute, time.Hour}, MaxAge: 120 * time.Hour},
}

const numLanes = int(x400.PrecedenceOverride) + 1

// Queue is a durable spool with precedence lanes. Its methods are safe for
// concurrent use.
type Queue struct {
	cfg    Config
	log    *slog.Logger
	tmpDir string
	badDir string
	segDir string
	lockF  *os.File
	st     *store     // the segment log (segment.go)
	ssync  groupSync  // fsyncs of DIR/seen
	compMu sync.Mutex // one compaction at a time

	seenMu sync.Mutex // the seen file
	seenF  *os.File
	// seenEnd is seenF's size (seenMu): where a failed append is cut.
	seenEnd int64

	mu       sync.Mutex
	closed   bool
	entries  map[string]*entry
	dedup    map[string]*dupEntry
	ready    [numLanes]eheap // by seq
	waiting  [numLanes]eheap // by wake time
	nbytes   int64
	reserved int // Puts in flight (counted against MaxMessages)
	resBytes int64
	active   int // leases out
	seq      uint64
	changed  chan struct{}
	reports  chan struct{}
	recovery Recovery
	seenIDs  map[string]bool // during Open: ids recorded finished
	// finishedSeen: during Open, the seen records of the log's 'F' records
	finishedSeen []seenRecord
	done         []doneRec // finished identifiers, oldest first (from doneHead)
	doneHead     int
}

// doneRec is a finished identifier in arrival order, for forgetting.
type doneRec struct {
	key, id string
	t       time.Time
}

// remember records a finished message's identifier for duplicate
// detection and forgets those past the window or the bound. q.mu held.
func (q *Queue) remember(key, id string, t time.Time) {
	q.dedup[key] = &dupEntry{id: id, done: t}
	q.done = append(q.done, doneRec{key, id, t})
	now := q.cfg.Now()
	for q.doneHead < len(q.done) {
		d := q.done[q.doneHead]
		over := len(q.done)-q.doneHead > q.cfg.MaxRemembered
		if !over && now.Sub(d.t) < q.cfg.DuplicateWindow {
			break
		}
		if over && now.Sub(d.t) < q.cfg.DuplicateWindow {
			q.log.Warn("duplicate memory full: forgetting a finished message early", "id", d.id, "key", d.key)
		}
		if e := q.dedup[d.key]; e != nil && e.id == d.id && !e.done.IsZero() {
			delete(q.dedup, d.key)
		}
		q.done[q.doneHead] = doneRec{}
		q.doneHead++
	}
	if q.doneHead > 1024 && q.doneHead > len(q.done)/2 {
		q.done = append([]doneRec(nil), q.done[q.doneHead:]...)
		q.doneHead = 0
	}
}

// dupEntry is a message identifier known to the queue.
type dupEntry struct {
	id      string
	done    time.Time     // zero while queued
	writing chan struct{} // non-nil while the first Put is writing
}

// entry is the in-memory index of one message: ids, lane, times, the
// recipients' states. The bytes stay on disk.
type entry struct {
	id      string
	seq     uint64
	lane    x400.Precedence
	arrival time.Time
	expiry  time.Time
	size    int64
	keys    []string
	held    bool
	gone    bool // deleted or finished
	rcpts   []rcpt
	hidx    int // index in the heap it is in, -1 if none
	where   int // 0 none, 1 ready, 2 waiting
	wake    time.Time
	fileMu  sync.Mutex // serialises journal appends, reads and copies
	mloc    loc        // the 'M' record (segment.go); under fileMu
	evs     []loc      // the journal records, in order; under fileMu
	ended   bool       // finished: its records are released; under fileMu
	hdr     *Message   // kept small: recipients' addresses only via rcpts
}

type rcpt struct {
	state    State
	next     time.Time
	reported bool
	attempts int
	last     *Attempt
	reason   string
}

// Recovery reports what Open found.
type Recovery struct {
	Messages     int      // messages recovered
	TempsRemoved int      // half-written files (and segments) removed
	Bad          []string // files and segments moved to DIR/bad, with the reason
	TornJournals int      // torn tails cut (of the last segment, or of an old-layout file)
	Finished     int      // finished messages removed at start-up
}

// Open opens (creating if needed) the spool in cfg.Dir and recovers it:
// the segments are replayed oldest first (segment.go), a torn tail of the
// last one cut (the cut bytes kept in DIR/bad), a damaged earlier segment
// moved aside to DIR/bad, finished messages removed, and the lanes
// rebuilt. Recipients that were
// in transfer at a crash are pending again.
func Open(cfg Config) (*Queue, error) {
	if cfg.Dir == "" {
		return nil, fmt.Errorf("%w: no spool directory", ErrInvalid)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	lanes := map[x400.Precedence]LaneConfig{}
	for p, l := range DefaultLanes {
		lanes[p] = l
	}
	for p, l := range cfg.Lanes {
		if Lane(p) != p {
			return nil, fmt.Errorf("%w: lane %v is not a NATO precedence", ErrInvalid, p)
		}
		if len(l.Retry) == 0 || l.MaxAge <= 0 {
			return nil, fmt.Errorf("%w: lane %v needs a retry schedule and a maximum age", ErrInvalid, p)
		}
		lanes[p] = l
	}
	cfg.Lanes = lanes
	if cfg.MaxMessages <= 0 {
		cfg.MaxMessages = 100000
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 8 << 30
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = 64 << 20
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = 10000
	}
	if cfg.DuplicateWindow <= 0 {
		cfg.DuplicateWindow = 48 * time.Hour
	}
	if cfg.MaxRemembered <= 0 {
		cfg.MaxRemembered = 500000
	}
	q := &Queue{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "queue"),
		tmpDir:  filepath.Join(cfg.Dir, "tmp"),
		badDir:  filepath.Join(cfg.Dir, "bad"),
		segDir:  filepath.Join(cfg.Dir, "seg"),
		entries: map[string]*entry{},
		dedup:   map[string]*dupEntry{},
		changed: make(chan struct{}),
		reports: make(chan struct{}, 1),
	}
	for i := range q.ready {
		q.ready[i].byWake = false
		q.waiting[i].byWake = true
	}
	q.st = &store{dir: q.segDir, log: q.log, now: cfg.Now, segs: map[uint64]*segment{}, segMax: segmentBytes}
	q.st.gs.sync = q.st.syncCur
	// Before a segment goes, the seen records of its 'F' records must be
	// durable in DIR/seen.
	q.st.beforeTrim = q.ssync.Sync
	if cfg.BeforeRemove != nil {
		q.st.beforeTrim = func() error {
			if err := cfg.BeforeRemove(); err != nil {
				return err
			}
			return q.ssync.Sync()
		}
	}
	q.ssync.sync = func() error {
		q.seenMu.Lock()
		f := q.seenF
		q.seenMu.Unlock()
		if f == nil {
			return ErrClosed
		}
		return f.Sync()
	}
	for _, d := range []string{cfg.Dir, q.tmpDir, q.badDir, q.segDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("queue: %w", err)
		}
	}
	lf, err := os.OpenFile(filepath.Join(cfg.Dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lf.Close()
		return nil, fmt.Errorf("queue: spool %s is in use by another process: %w", cfg.Dir, err)
	}
	q.lockF = lf
	if err := q.recover(); err != nil {
		q.st.close()
		q.seenMu.Lock()
		if q.seenF != nil {
			q.seenF.Close()
		}
		q.seenMu.Unlock()
		lf.Close()
		return nil, err
	}
	return q, nil
}

// Recovery returns what Open found and did.
func (q *Queue) Recovery() Recovery {
	q.mu.Lock()
	defer q.mu.Unlock()
	r := q.recovery
	r.Bad = append([]string(nil), r.Bad...)
	return r
}

// Close releases the spool. Leases out are abandoned (their recipients
// are pending again at the next Open).
func (q *Queue) Close() error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return nil
	}
	q.closed = true
	q.signal()
	q.mu.Unlock()
	q.seenMu.Lock()
	if q.seenF != nil {
		q.seenF.Close()
		q.seenF = nil
	}
	q.seenMu.Unlock()
	q.st.close()
	return q.lockF.Close()
}

func (q *Queue) recover() error {
	// Half-written files: never acknowledged.
	tmps, err := os.ReadDir(q.tmpDir)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	for _, t := range tmps {
		p := filepath.Join(q.tmpDir, t.Name())
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("queue: removing half-written %s: %w", p, err)
		}
		q.recovery.TempsRemoved++
		q.log.Info("removed half-written spool file", "file", p)
	}
	if err := q.loadSeen(); err != nil {
		return err
	}
	now := q.cfg.Now()
	live := map[string]*entry{}
	// The segment log, oldest first (segment.go).
	ns, other, err := listSegments(q.segDir)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	for _, name := range other {
		q.moveAside(filepath.Join(q.segDir, name), errors.New("not a spool segment"))
	}
	for i, n := range ns {
		if err := q.scanSegment(n, i == len(ns)-1, live); err != nil {
			return err
		}
	}
	// Segment numbers never repeat a name that DIR/bad may hold.
	if t := uint64(now.UnixNano()); t > q.st.next {
		q.st.next = t
	}
	if err := q.seenFromLog(now); err != nil {
		return err
	}
	var finished []*entry
	for _, e := range live {
		q.st.hold(e.mloc, e.evs)
		if e.seq > q.seq {
			q.seq = e.seq
		}
		if e.gone || q.seenIDs[e.id] {
			// Deleted, or finished (its seen record is the commit) but
			// not yet marked in the log at the crash.
			finished = append(finished, e)
			continue
		}
		q.entries[e.id] = e
		q.nbytes += e.size
		for _, k := range e.keys {
			q.dedup[k] = &dupEntry{id: e.id}
		}
		if e.complete() {
			finished = append(finished, e)
			continue
		}
		q.place(e, now)
		q.recovery.Messages++
	}
	if s := uint64(now.UnixNano()); s > q.seq {
		q.seq = s
	}
	q.seenIDs = nil
	for _, e := range finished {
		if err := q.finish(e, "recovered"); err != nil {
			return err
		}
		q.recovery.Finished++
	}
	q.st.mu.Lock()
	q.st.trim()
	q.st.mu.Unlock()
	q.log.Info("spool recovered", "dir", q.cfg.Dir, "messages", q.recovery.Messages,
		"temps_removed", q.recovery.TempsRemoved, "bad", len(q.recovery.Bad),
		"torn_journals", q.recovery.TornJournals, "finished", q.recovery.Finished)
	return nil
}

// scanSegment reads one segment and replays its records into live. A
// record that is torn or damaged ends the last segment there (written
// after the last fdatasync: nothing in it was acknowledged) and the tail
// is cut; in an earlier segment (fdatasynced before the next one was
// started) it is damage: the segment is moved aside to DIR/bad, its
// records unread.
func (q *Queue) scanSegment(n uint64, last bool, live map[string]*entry) error {
	p := filepath.Join(q.segDir, segName(n))
	if n >= q.st.next {
		q.st.next = n + 1
	}
	maxRec := q.cfg.MaxMessageBytes + maxHeaderBytes + binary.MaxVarintLen64
	fi, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	if fi.Size() > int64(segmentBytes)+int64(maxRec)+recHdrSize {
		q.moveAside(p, fmt.Errorf("segment of %d bytes is larger than any segment", fi.Size()))
		return nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	if len(b) < len(segMagic) || string(b[:len(segMagic)]) != segMagic {
		if last && len(b) < len(segMagic) && string(b) == segMagic[:len(b)] {
			// Its creation was cut by a crash: it holds nothing.
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("queue: %w", err)
			}
			q.recovery.TempsRemoved++
			return nil
		}
		q.moveAside(p, errors.New("no segment magic"))
		return nil
	}
	type rec struct {
		typ byte
		id  string
		hdr *fileHeader
		ev  *event
		sr  []seenRecord
		l   loc
		n   int // body length
	}
	var recs []rec
	off := len(segMagic)
	var bad error
	for off < len(b) {
		// Any length that fits the file: a lower MaxMessageBytes than
		// when the spool was written must not cut acknowledged records.
		typ, pl, next, err := readRecord(b, off, len(b))
		r := rec{typ: typ, l: loc{seg: n, off: int64(off), n: int64(next - off)}}
		if err == nil {
			switch typ {
			case recMessage:
				var hp, body []byte
				if hp, body, err = splitMessage(pl); err == nil {
					r.hdr = new(fileHeader)
					if err = json.Unmarshal(hp, r.hdr); err == nil {
						err = checkHeader(&r.hdr.Message)
					}
					r.id, r.n = r.hdr.ID, len(body)
				}
			case recSegEvent:
				var ep []byte
				if r.id, ep, err = splitEvent(pl); err == nil {
					r.ev = new(event)
					err = json.Unmarshal(ep, r.ev)
				}
			case recFinished:
				var sp []byte
				if r.id, sp, err = splitEvent(pl); err == nil {
					err = json.Unmarshal(sp, &r.sr)
				}
			default:
				err = fmt.Errorf("record type %q", typ)
			}
		}
		if err != nil {
			bad = err
			break
		}
		recs = append(recs, r)
		off = next
	}
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	if bad != nil {
		if !last {
			f.Close()
			q.moveAside(p, fmt.Errorf("record at %d: %v", off, bad))
			return nil
		}
		q.log.Warn("torn segment tail cut", "file", p, "at", off, "size", len(b), "err", bad)
		if tail := b[off:]; !allZero(tail) {
			// Nothing in it was acknowledged if the damage is a crash's;
			// kept for the operators in case it is not.
			t := filepath.Join(q.badDir, fmt.Sprintf("%s.tail-%d", segName(n), off))
			if err := os.WriteFile(t, tail, 0o600); err != nil {
				q.log.Error("cannot keep a cut segment tail", "file", t, "err", err)
			}
		}
		err := f.Truncate(int64(off))
		if err == nil {
			err = f.Sync()
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("queue: cutting torn tail of %s: %w", p, err)
		}
		q.recovery.TornJournals++
	}
	sg := &segment{n: n, f: f, size: int64(off), created: q.cfg.Now()}
	q.st.segs[n] = sg
	if last {
		q.st.cur = sg
	}
	for _, r := range recs {
		switch r.typ {
		case recMessage:
			if q.cfg.OnSide != nil && (r.hdr.Tag != 0 || len(r.hdr.Side) > 0) {
				q.cfg.OnSide(Side{Tag: r.hdr.Tag, Data: r.hdr.Side})
			}
			// A later copy (compaction) replaces the earlier one.
			e := q.newEntry(r.hdr)
			e.size = int64(r.n)
			e.mloc = r.l
			live[r.id] = e
		case recSegEvent:
			if q.cfg.OnSide != nil && (r.ev.Tag != 0 || len(r.ev.Side) > 0) {
				q.cfg.OnSide(Side{Tag: r.ev.Tag, Data: r.ev.Side})
			}
			if e := live[r.id]; e != nil {
				e.apply(r.ev, nil)
				e.evs = append(e.evs, r.l)
			}
		case recFinished:
			delete(live, r.id)
			q.finishedSeen = append(q.finishedSeen, r.sr...)
		}
	}
	return nil
}

// seenFromLog adds to DIR/seen the identifiers of finished messages that
// the log's 'F' records hold and DIR/seen lost (it is fsynced only before
// a segment is removed), and fsyncs it.
func (q *Queue) seenFromLog(now time.Time) error {
	var b []byte
	for _, s := range q.finishedSeen {
		if n, err := strconv.ParseUint(s.ID, 16, 64); err == nil && n > q.seq {
			q.seq = n
		}
		if q.seenIDs[s.ID] || now.Sub(s.T) >= q.cfg.DuplicateWindow {
			continue
		}
		q.remember(s.Key, s.ID, s.T)
		p, _ := json.Marshal(s)
		b = appendRecord(b, recSeen, p)
	}
	q.finishedSeen = nil
	if len(b) == 0 {
		return nil
	}
	n, err := q.seenF.Write(b)
	q.seenEnd += int64(n)
	if err == nil {
		err = q.seenF.Sync()
	}
	if err != nil {
		return fmt.Errorf("queue: seen file: %w", err)
	}
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// moveAside moves a bad spool file to DIR/bad and logs it.
func (q *Queue) moveAside(p string, why error) {
	dst := filepath.Join(q.badDir, filepath.Base(p))
	if _, err := os.Lstat(dst); err == nil {
		dst += "." + strconv.FormatInt(time.Now().UnixNano(), 10) // keep the earlier one
	}
	q.log.Error("bad spool file moved aside", "file", p, "to", dst, "err", why)
	if err := os.Rename(p, dst); err != nil {
		q.log.Error("cannot move bad spool file", "file", p, "err", err)
	}
	q.recovery.Bad = append(q.recovery.Bad, filepath.Base(p)+": "+why.Error())
}

func (q *Queue) newEntry(h *fileHeader) *entry {
	m := h.Message
	e := &entry{
		id:      m.ID,
		seq:     h.Seq,
		lane:    Lane(m.Precedence),
		arrival: m.Arrival,
		hidx:    -1,
		rcpts:   make([]rcpt, len(m.Recipients)),
	}
	lc := q.cfg.Lanes[e.lane]
	e.expiry = m.Arrival.Add(lc.MaxAge)
	if !m.Latest.IsZero() && m.Latest.Before(e.expiry) {
		e.expiry = m.Latest
	}
	for i := range e.rcpts {
		e.rcpts[i].next = m.Arrival
		if m.Deferred.After(m.Arrival) {
			e.rcpts[i].next = m.Deferred
		}
	}
	e.keys = dupKeys(&m)
	// Keep addresses and hops for leases; drop the envelope (read from disk).
	hm := &Message{ID: m.ID, Kind: m.Kind, Source: m.Source, Arrival: m.Arrival,
		Precedence: m.Precedence, Deferred: m.Deferred, Latest: m.Latest,
		MTSID: m.MTSID, MessageID: m.MessageID, Originator: m.Originator, Tag: m.Tag, Recipients: m.Recipients}
	e.hdr = hm
	return e
}

// dupKeys returns the identifiers by which a message is recognised.
func dupKeys(m *Message) []string {
	if m.MTSID != "" {
		return []string{"mts:" + m.MTSID}
	}
	if m.MessageID != "" {
		return []string{"mid:" + m.MessageID}
	}
	return nil
}

// apply replays or applies one journal event. full, when not nil, gets
// every attempt (for Inspect).
func (e *entry) apply(ev *event, full [][]Attempt) {
	switch ev.Kind {
	case "result":
		for _, r := range ev.R {
			if r.I < 0 || r.I >= len(e.rcpts) {
				continue
			}
			rc := &e.rcpts[r.I]
			if r.Attempt != nil {
				if r.Attempt.Result != ResultExpired {
					rc.attempts++
				}
				a := *r.Attempt
				rc.last = &a
				if full != nil {
					full[r.I] = append(full[r.I], a)
				}
			}
			switch r.Disp {
			case Delivered:
				rc.state = StateDelivered
			case Transient:
				rc.state = StateTransient
				rc.next = r.Next
			case Permanent:
				rc.state = StateFailed
				rc.reason = r.Reason
			}
		}
	case "reported":
		for _, r := range ev.R {
			if r.I >= 0 && r.I < len(e.rcpts) && e.rcpts[r.I].state == StateFailed {
				e.rcpts[r.I].reported = true
			}
		}
	case "dead":
		for _, r := range ev.R {
			if r.I >= 0 && r.I < len(e.rcpts) {
				e.rcpts[r.I].state = StateDead
				e.rcpts[r.I].reason = r.Reason
			}
		}
	case "hold":
		e.held = true
	case "release":
		e.held = false
	case "retry":
		for i := range e.rcpts {
			rc := &e.rcpts[i]
			if (rc.state == StatePending || rc.state == StateTransient) && rc.next.After(ev.T) {
				rc.next = ev.T
			}
		}
	case "delete":
		e.gone = true
	}
}

// complete reports whether nothing is left to do: every recipient
// delivered, or failed with its report made. Dead recipients keep the
// message for the operators.
func (e *entry) complete() bool {
	for _, r := range e.rcpts {
		if r.state == StateDelivered || (r.state == StateFailed && r.reported) {
			continue
		}
		return false
	}
	return true
}

// journal appends an event to the message's journal in the segment log
// and returns when it is durable (group commit).
func (q *Queue) journal(e *entry, ev *event) error {
	p, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	if len(p) > maxHeaderBytes {
		return fmt.Errorf("%w: journal record of %d bytes", ErrInvalid, len(p))
	}
	rec := eventRecord(recSegEvent, e.id, p)
	e.fileMu.Lock()
	if e.ended {
		e.fileMu.Unlock()
		return ErrNotFound
	}
	locs, err := q.st.write(false, rec)
	if err == nil {
		e.evs = append(e.evs, locs[0])
		q.st.addEvent(e.mloc, locs[0].n)
	}
	e.fileMu.Unlock()
	if err == nil {
		err = q.st.sync()
	}
	if err != nil {
		q.log.Error("spool journal write failed", "id", e.id, "err", err)
		return fmt.Errorf("queue: journal %s: %w", e.id, err)
	}
	return nil
}

// signal wakes every waiter in Next. q.mu held.
func (q *Queue) signal() {
	close(q.changed)
	q.changed = make(chan struct{})
}

// Put spools a message and returns only when it is durable. m gives the
// metadata (ID, recipients' states are set by the queue; each recipient
// needs Address and NextHop); body is the message as received.
//
// If a message with the same MTS identifier (or, without one, Message-ID)
// is queued or finished within the duplicate window, Put returns its id
// and dup true and spools nothing (a message an operator deleted counts as
// finished). A spool at its limits gives ErrFull; a malformed message
// ErrInvalid.
func (q *Queue) Put(ctx context.Context, m *Message, body []byte) (id string, dup bool, err error) {
	return q.PutWith(ctx, m, body, nil)
}

// PutHook is called by PutWith with the new message's ID, once the spool
// has room for it and before its record is written. It returns a tag the
// queue keeps with the message (Message.Tag) and wait, which PutWith calls
// after writing its own record: the hook's work (the daemon's audit
// record of the arrival) and the spool's record become durable at the same
// time. An error from the hook or from wait fails the Put and nothing is
// spooled (a record already written is finished). wait may be nil.
type PutHook func(id string) (side Side, wait func() error, err error)

// PutWith is Put with a hook (see PutHook). It is not called for a
// duplicate.
func (q *Queue) PutWith(ctx context.Context, m *Message, body []byte, before PutHook) (id string, dup bool, err error) {
	if len(body) > q.cfg.MaxMessageBytes {
		return "", false, fmt.Errorf("%w: message of %d bytes exceeds %d", ErrInvalid, len(body), q.cfg.MaxMessageBytes)
	}
	if len(m.Recipients) > q.cfg.MaxRecipients {
		return "", false, fmt.Errorf("%w: %d recipients exceed %d", ErrInvalid, len(m.Recipients), q.cfg.MaxRecipients)
	}
	hdr := fileHeader{Message: *m}
	if hdr.Arrival.IsZero() {
		hdr.Arrival = q.cfg.Now()
	}
	hdr.Recipients = make([]Recipient, len(m.Recipients))
	for i, r := range m.Recipients {
		hdr.Recipients[i] = Recipient{Address: r.Address, NextHop: r.NextHop}
	}
	if err := checkHeader(&hdr.Message); err != nil {
		return "", false, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	keys := dupKeys(&hdr.Message)
	size := int64(len(body))

	// Reserve: duplicate check and capacity, under the lock.
	var mine *dupEntry
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return "", false, ErrClosed
		}
		var wait chan struct{}
		for _, k := range keys {
			d := q.dedup[k]
			if d == nil {
				continue
			}
			if d.writing != nil {
				wait = d.writing
				break
			}
			if d.done.IsZero() || q.cfg.Now().Sub(d.done) < q.cfg.DuplicateWindow {
				q.mu.Unlock()
				q.log.Info("duplicate message not queued again", "id", d.id, "key", k)
				return d.id, true, nil
			}
			delete(q.dedup, k)
		}
		if wait != nil {
			q.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return "", false, ctx.Err()
			}
		}
		if len(q.entries)+q.reserved+1 > q.cfg.MaxMessages || q.nbytes+q.resBytes+size > q.cfg.MaxBytes {
			n, b := len(q.entries), q.nbytes
			q.mu.Unlock()
			q.log.Warn("spool full, message refused", "messages", n, "bytes", b)
			return "", false, ErrFull
		}
		q.seq++
		hdr.Seq = q.seq
		hdr.ID = strconv.FormatUint(q.seq, 16)
		q.reserved++
		q.resBytes += size
		mine = &dupEntry{id: hdr.ID, writing: make(chan struct{})}
		for _, k := range keys {
			q.dedup[k] = mine
		}
		q.mu.Unlock()
		break
	}

	var ml loc
	var werr error
	var wait func() error
	if before != nil {
		var side Side
		side, wait, werr = before(hdr.ID)
		hdr.Tag, hdr.Side = side.Tag, side.Data
	}
	if werr == nil {
		ml, werr = q.writeMessage(ctx, &hdr, body)
		if wait != nil {
			if err := wait(); err != nil && werr == nil {
				// Durable in the spool, not the hook's side: the message
				// is finished unseen (Open does not queue it again).
				if _, ferr := q.st.write(false, eventRecord(recFinished, hdr.ID, []byte("[]"))); ferr == nil {
					_ = q.st.sync()
				}
				q.st.release(ml, nil)
				werr = err
			}
		}
	}

	q.mu.Lock()
	defer q.mu.Unlock()
	q.reserved--
	q.resBytes -= size
	close(mine.writing)
	mine.writing = nil
	if werr != nil {
		for _, k := range keys {
			if q.dedup[k] == mine {
				delete(q.dedup, k)
			}
		}
		return "", false, werr
	}
	e := q.newEntry(&hdr)
	e.size = size
	e.mloc = ml
	q.entries[e.id] = e
	q.nbytes += size
	q.place(e, q.cfg.Now())
	q.signal()
	return e.id, false, nil
}

// writeMessage appends the message record to the segment log and
// returns when it is durable (one fdatasync shared with concurrent Puts
// and journal appends). The record is counted live from its write on.
func (q *Queue) writeMessage(ctx context.Context, hdr *fileHeader, body []byte) (loc, error) {
	hp, err := json.Marshal(hdr)
	if err != nil {
		return loc{}, err
	}
	if len(hp) > maxHeaderBytes {
		return loc{}, fmt.Errorf("%w: header of %d bytes", ErrInvalid, len(hp))
	}
	if err := ctx.Err(); err != nil {
		return loc{}, err
	}
	locs, err := q.st.write(true, messageRecord(hp, body))
	if err == nil {
		if err = q.st.sync(); err != nil {
			// The record may still reach the disk and be queued at the
			// next Open: a duplicate, never a loss. Mark it finished.
			if _, ferr := q.st.write(false, eventRecord(recFinished, hdr.ID, []byte("[]"))); ferr == nil {
				_ = q.st.sync()
			}
			q.st.release(locs[0], nil)
		}
	}
	if err != nil {
		q.log.Error("spool write failed", "id", hdr.ID, "err", err)
		return loc{}, fmt.Errorf("queue: writing message: %w", err)
	}
	return locs[0], nil
}

// finish forgets a message whose work is done (or that was deleted): its
// identifiers go to the seen file, then an 'F' record holding them too is
// appended to the log and made durable (the commit: Open never queues the
// message again), and its records are released (segment.go).
func (q *Queue) finish(e *entry, why string) error { return q.finishWith(e, why, Side{}) }

// finishWith is finish with a Side written just before the 'F' record, in
// the same write and fdatasync.
func (q *Queue) finishWith(e *entry, why string, side Side) error {
	now := q.cfg.Now()
	var seen []seenRecord
	var b []byte
	for _, k := range e.keys {
		sr := seenRecord{Key: k, ID: e.id, T: now}
		seen = append(seen, sr)
		p, _ := json.Marshal(sr)
		b = appendRecord(b, recSeen, p)
	}
	sp, _ := json.Marshal(seen)
	// Under fileMu: a journal append or body read in flight ends before
	// the records are released; later ones find the message ended.
	e.fileMu.Lock()
	if !e.ended {
		var err error
		if len(b) > 0 {
			// Not fsynced here: the 'F' record carries the same and is
			// the commit; DIR/seen is fsynced before a segment goes.
			q.seenMu.Lock()
			if q.seenF == nil {
				err = ErrClosed
			} else {
				if _, err = q.seenF.Write(b); err != nil {
					_ = q.seenF.Truncate(q.seenEnd) // keep later records readable
				} else {
					q.seenEnd += int64(len(b))
				}
			}
			q.seenMu.Unlock()
		}
		if err == nil {
			recs := [][]byte{eventRecord(recFinished, e.id, sp)}
			if side.Tag != 0 || len(side.Data) > 0 {
				ep, _ := json.Marshal(&event{T: now, Kind: "side", Tag: side.Tag, Side: side.Data})
				recs = append([][]byte{eventRecord(recSegEvent, e.id, ep)}, recs...)
			}
			if _, err = q.st.write(false, recs...); err == nil {
				err = q.st.sync() // shared with concurrent Puts and journals
			}
		}
		if err != nil {
			e.fileMu.Unlock()
			q.log.Error("cannot record finished message", "id", e.id, "err", err)
			return fmt.Errorf("queue: recording finished message: %w", err)
		}
		e.ended = true
		q.st.release(e.mloc, e.evs)
	}
	e.fileMu.Unlock()
	q.maybeCompact()
	q.mu.Lock()
	if _, ok := q.entries[e.id]; ok {
		delete(q.entries, e.id)
		q.nbytes -= e.size
	}
	e.gone = true
	q.unplace(e)
	for _, k := range e.keys {
		if d := q.dedup[k]; d == nil || d.id == e.id {
			q.remember(k, e.id, now)
		}
	}
	q.mu.Unlock()
	q.log.Debug("message finished", "id", e.id, "why", why)
	return nil
}

// maybeCompact copies the live messages of the oldest segment forward
// when the log holds more than twice the live bytes (segment.go), so that
// the oldest segment can be removed. One compaction runs at a time.
func (q *Queue) maybeCompact() {
	if !q.compMu.TryLock() {
		return
	}
	defer q.compMu.Unlock()
	for range 4 {
		n, ok := q.st.compactTarget()
		if !ok {
			return
		}
		q.mu.Lock()
		var es []*entry
		for _, e := range q.entries {
			es = append(es, e)
		}
		q.mu.Unlock()
		for _, e := range es {
			if err := q.copyForward(e, n); err != nil {
				q.log.Error("spool compaction failed", "id", e.id, "err", err)
				return
			}
		}
		q.st.mu.Lock()
		q.st.trim()
		q.st.mu.Unlock()
	}
}

// copyForward rewrites a live message whose record is in segment n (its
// message record and every journal record) at the end of the log.
func (q *Queue) copyForward(e *entry, n uint64) error {
	e.fileMu.Lock()
	defer e.fileMu.Unlock()
	if e.ended || e.mloc.seg != n {
		return nil
	}
	var recs [][]byte
	for _, l := range append([]loc{e.mloc}, e.evs...) {
		typ, p, err := q.st.read(l)
		if err != nil {
			return err
		}
		recs = append(recs, appendRecord(nil, typ, p))
	}
	locs, err := q.st.write(true, recs...)
	if err != nil {
		return err
	}
	if err := q.st.sync(); err != nil {
		return err
	}
	q.st.release(e.mloc, e.evs)
	e.mloc, e.evs = locs[0], locs[1:]
	q.st.mu.Lock()
	q.st.copied++
	q.st.mu.Unlock()
	return nil
}

// loadSeen reads DIR/seen, keeps the identifiers still inside the
// duplicate window, and rewrites it compacted.
func (q *Queue) loadSeen() error {
	p := filepath.Join(q.cfg.Dir, "seen")
	b, err := os.ReadFile(p)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("queue: %w", err)
	}
	now := q.cfg.Now()
	var out []byte
	q.seenIDs = map[string]bool{}
	if len(b) > 0 {
		off := 0
		if len(b) < len(fileMagic) || string(b[:len(fileMagic)]) != fileMagic {
			q.log.Error("seen file has no magic; duplicate history lost", "file", p)
			b = nil
		} else {
			off = len(fileMagic)
		}
		for off < len(b) {
			typ, pl, next, err := readRecord(b, off, maxHeaderBytes)
			if err != nil || typ != recSeen {
				q.log.Warn("seen file: torn tail ignored", "file", p, "at", off)
				break
			}
			off = next
			var s seenRecord
			if json.Unmarshal(pl, &s) != nil {
				continue
			}
			q.seenIDs[s.ID] = true
			if now.Sub(s.T) >= q.cfg.DuplicateWindow {
				continue
			}
			q.remember(s.Key, s.ID, s.T)
			if n, err := strconv.ParseUint(s.ID, 16, 64); err == nil && n > q.seq {
				q.seq = n
			}
			out = appendRecord(out, recSeen, pl)
		}
	}
	tmp := filepath.Join(q.tmpDir, "seen")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	_, err = f.Write(append([]byte(fileMagic), out...))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err == nil {
		err = durable.SyncDir(q.cfg.Dir)
	}
	if err != nil {
		return fmt.Errorf("queue: rewriting seen file: %w", err)
	}
	q.seenF, err = os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	q.seenEnd = int64(len(fileMagic) + len(out))
	return nil
}
