package queue

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"mixerd/x400"
)

// Filter selects messages for List. Zero fields select everything.
type Filter struct {
	Lanes  []x400.Precedence // only these lanes
	States []State           // only messages with a recipient in one of these states
	MinAge time.Duration     // only messages at least this old
	Held   bool              // only held messages
}

// List returns the queued messages that match f, by lane (highest first)
// then arrival, for operators (`mixerd queue`, like postqueue -p). Each
// recipient carries its state, next try, attempt count and last attempt.
func (q *Queue) List(f Filter) []Message {
	ms, _ := q.ListN(f, 0)
	return ms
}

// ListN is List of at most limit messages (0: all), and how many match:
// only the messages returned are copied (under the queue's lock, which
// the workers need too).
func (q *Queue) ListN(f Filter, limit int) (ms []Message, total int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.cfg.Now()
	var es []*entry
	for _, e := range q.entries {
		if e.gone || (f.Held && !e.held) || now.Sub(e.arrival) < f.MinAge {
			continue
		}
		if len(f.Lanes) > 0 && !contains(f.Lanes, e.lane) {
			continue
		}
		if len(f.States) > 0 {
			ok := false
			for _, r := range e.rcpts {
				ok = ok || contains(f.States, r.state)
			}
			if !ok {
				continue
			}
		}
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool {
		if es[i].lane != es[j].lane {
			return es[i].lane > es[j].lane
		}
		return es[i].seq < es[j].seq
	})
	total = len(es)
	if limit > 0 && len(es) > limit {
		es = es[:limit]
	}
	out := make([]Message, len(es))
	for i, e := range es {
		out[i] = e.snapshot()
	}
	return out, total
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// snapshot copies an entry's state into a Message. q.mu held.
func (e *entry) snapshot() Message {
	m := *e.hdr
	m.Held = e.held
	m.Size = e.size
	m.Recipients = make([]Recipient, len(e.rcpts))
	for i, r := range e.rcpts {
		rc := Recipient{Address: e.hdr.Recipients[i].Address, NextHop: e.hdr.Recipients[i].NextHop,
			State: r.state, Reported: r.reported, Reason: r.reason, NumAttempts: r.attempts}
		if r.state == StatePending || r.state == StateTransient {
			rc.NextTry = r.next
		}
		if r.last != nil {
			rc.Attempts = []Attempt{*r.last}
		}
		m.Recipients[i] = rc
	}
	return m
}

// Get returns one queued message as List shows it.
func (q *Queue) Get(id string) (Message, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e, err := q.get(id)
	if err != nil {
		return Message{}, err
	}
	return e.snapshot(), nil
}

// Inspect returns a queued message with every attempt of every recipient
// (read from its journal) and its bytes.
func (q *Queue) Inspect(id string) (Message, []byte, error) {
	q.mu.Lock()
	e, err := q.get(id)
	var m Message
	if err == nil {
		m = e.snapshot()
	}
	q.mu.Unlock()
	if err != nil {
		return Message{}, nil, err
	}
	e.fileMu.Lock()
	defer e.fileMu.Unlock()
	if e.ended {
		return Message{}, nil, ErrNotFound
	}
	typ, p, err := q.st.read(e.mloc)
	if err != nil {
		return Message{}, nil, fmt.Errorf("queue: %s: %w", id, err)
	}
	hdr, body, err := parseMessage(typ, p)
	if err != nil {
		return Message{}, nil, fmt.Errorf("queue: %s: %v", id, err)
	}
	m.Envelope = hdr.Envelope
	full := make([][]Attempt, len(m.Recipients))
	scratch := &entry{rcpts: make([]rcpt, len(m.Recipients))}
	for _, l := range e.evs {
		typ, p, err := q.st.read(l)
		if err == nil && typ != recSegEvent {
			err = fmt.Errorf("record type %q", typ)
		}
		var ep []byte
		if err == nil {
			_, ep, err = splitEvent(p)
		}
		var ev event
		if err == nil {
			err = json.Unmarshal(ep, &ev)
		}
		if err != nil {
			return Message{}, nil, fmt.Errorf("queue: %s: journal: %v", id, err)
		}
		scratch.apply(&ev, full)
	}
	for i := range m.Recipients {
		m.Recipients[i].Attempts = full[i]
	}
	return m, body, nil
}

// Stats is the queue's size.
type Stats struct {
	Messages int
	Bytes    int64
	Leases   int
	ByLane   [numLanes]int
	// Syncs is the segment fdatasyncs done since Open, each shared by
	// the concurrent Puts and journal appends of its batch (group
	// commit); SegmentsCreated the segment files created since Open.
	Syncs           int
	SegmentsCreated int
	// Segments is the segment files in the spool now.
	Segments int
}

// Stats returns the queue's counts.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	s := Stats{Messages: len(q.entries), Bytes: q.nbytes, Leases: q.active}
	for _, e := range q.entries {
		s.ByLane[e.lane]++
	}
	q.mu.Unlock()
	s.Syncs, s.SegmentsCreated, s.Segments = q.st.stats()
	return s
}

func sortFailures(fs []Failure, entries map[string]*entry) {
	sort.Slice(fs, func(i, j int) bool {
		a, b := entries[fs[i].ID], entries[fs[j].ID]
		if a.seq != b.seq {
			return a.seq < b.seq
		}
		return fs[i].Recipient < fs[j].Recipient
	})
}

// Err says whether the spool can take messages: ErrClosed, or the failure
// that made it refuse writes (a failed fdatasync; nothing more is
// acknowledged until it is opened again); nil when it works.
func (q *Queue) Err() error {
	q.st.mu.Lock()
	defer q.st.mu.Unlock()
	if q.st.closed {
		return ErrClosed
	}
	return q.st.failed
}
