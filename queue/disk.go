package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"
	"time"
)

// The framing of DIR/seen (segment.go frames the segments' records the
// same way): magic, then records. A record is a 4-byte big-endian payload
// length, a 4-byte CRC-32C of the payload, and the payload, whose first
// byte is its type.
const (
	fileMagic = "MXQ1"

	recSeen    = 'S' // JSON seenRecord (in DIR/seen)
	recHdrSize = 8

	maxHeaderBytes = 16 << 20 // a header or journal record (10,000 recipients fit)
	maxEnvelope    = 64 << 10
	maxTextBytes   = 1000
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func appendRecord(b []byte, typ byte, payload []byte) []byte {
	var h [recHdrSize]byte
	binary.BigEndian.PutUint32(h[0:4], uint32(len(payload)+1))
	c := crc32.Update(0, castagnoli, []byte{typ})
	c = crc32.Update(c, castagnoli, payload)
	binary.BigEndian.PutUint32(h[4:8], c)
	b = append(b, h[:]...)
	b = append(b, typ)
	return append(b, payload...)
}

// errTorn marks a record cut short or failing its CRC: a write torn by a
// crash (at the tail) or damage.
var errTorn = errors.New("torn or damaged record")

// readRecord reads the record at b[off:]. It returns the type, payload and
// the offset after it.
func readRecord(b []byte, off int, max int) (typ byte, payload []byte, next int, err error) {
	if len(b)-off < recHdrSize {
		return 0, nil, off, errTorn
	}
	n := int(binary.BigEndian.Uint32(b[off : off+4]))
	c := binary.BigEndian.Uint32(b[off+4 : off+8])
	if n < 1 || n > max+1 {
		return 0, nil, off, fmt.Errorf("%w: length %d", errTorn, n)
	}
	if len(b)-off-recHdrSize < n {
		return 0, nil, off, errTorn
	}
	p := b[off+recHdrSize : off+recHdrSize+n]
	if crc32.Checksum(p, castagnoli) != c {
		return 0, nil, off, fmt.Errorf("%w: checksum", errTorn)
	}
	return p[0], p[1:], off + recHdrSize + n, nil
}

// fileHeader is the header record of a spool file.
type fileHeader struct {
	Seq uint64 `json:"seq"`
	Message
}

// event is one journal record. Times are the queue clock's.
type event struct {
	T      time.Time   `json:"t"`
	Kind   string      `json:"k"` // result, reported, dead, hold, release, retry, delete, side
	R      []rcptEvent `json:"r,omitempty"`
	Reason string      `json:"reason,omitempty"`
	// Tag and Side are the caller's Side kept with this change (a "side"
	// event carries only them, before a finish).
	Tag  uint64 `json:"tag,omitempty"`
	Side []byte `json:"side,omitempty"`
}

type rcptEvent struct {
	I       int         `json:"i"`
	Disp    Disposition `json:"d,omitempty"`
	Next    time.Time   `json:"next,omitzero"` // transient: next retry
	Attempt *Attempt    `json:"a,omitempty"`
	Reason  string      `json:"reason,omitempty"`
}

// seenRecord remembers a finished message for duplicate detection.
type seenRecord struct {
	Key string    `json:"key"`
	ID  string    `json:"id"`
	T   time.Time `json:"t"`
}

// checkHeader validates what a header must hold.
func checkHeader(m *Message) error {
	if len(m.Recipients) == 0 {
		return errors.New("no recipients")
	}
	if m.Kind != KindP1 && m.Kind != KindSMTP {
		return fmt.Errorf("unknown kind %q", m.Kind)
	}
	if len(m.Envelope) > maxEnvelope {
		return errors.New("envelope too large")
	}
	for i, r := range m.Recipients {
		if r.Address == "" {
			return fmt.Errorf("recipient %d: empty address", i)
		}
	}
	return nil
}

// groupSync shares one fsync among concurrent callers (group commit): a
// caller joins the pending batch; when no fsync is running, one caller of
// the pending batch leads it, fsyncing once for the whole batch. A leader
// fsyncs only its own batch and hands over, so that under a steady load
// no caller waits for more than the fsync running when it came and its
// own.
type groupSync struct {
	mu      sync.Mutex
	cond    *sync.Cond // on mu: a batch finished
	pending *syncBatch
	running bool
	sync    func() error
	count   int // fsyncs done, for tests and metrics
}

type syncBatch struct {
	finished bool
	err      error
}

// Sync returns when an fsync that started after the call has finished.
func (g *groupSync) Sync() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cond == nil {
		g.cond = sync.NewCond(&g.mu)
	}
	if g.pending == nil {
		g.pending = &syncBatch{}
	}
	b := g.pending
	for g.running && !b.finished {
		g.cond.Wait()
	}
	if b.finished {
		return b.err
	}
	// No fsync is running and b has not started: b is still the pending
	// batch (a leader takes the pending batch when it starts).
	g.running = true
	g.pending = nil
	g.mu.Unlock()
	err := g.sync()
	g.mu.Lock()
	b.err, b.finished = err, true
	g.count++
	g.running = false
	g.cond.Broadcast()
	return err
}
