package audit

import (
	"cmp"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"time"

	"mixerd/x400"
)

// The correlation index: from the keys a returning acknowledgement names
// its subject by (RFC 2156 §5.3.8: the X.411 subject-identifier of a
// report, the IPN's subject-ipm; RFC 3464 §2.2.1 Original-Envelope-Id;
// RFC 8098 §3.2.5 Original-Message-ID) and the recipient it is about, to
// the one departed message-recipient it answers.
//
// The index keeps no records and no key strings in memory: per key a
// 64-bit hash leads to a chain of postings (the record's place in the log
// and its time) in flat arrays. A lookup walks the chains of the keys the
// acknowledgement names, reads each candidate record back from the log,
// and compares the key strings exactly, so that a hash collision can cost a
// read but never give a wrong match. A million recorded message-recipients
// (250,000 departed records of four recipients, about four keys each) take
// about 40 MB, and a lookup about 25 us, most of it the read
// (BenchmarkIndexLookup).

// ErrNoMatch says that no departed message-recipient in the index matches
// an acknowledgement: it is recorded as unmatched.
var ErrNoMatch = errors.New("audit: no departed message-recipient matches")

// ErrAmbiguous says that an acknowledgement matches more than one
// message-recipient and names nothing that tells them apart: it is recorded
// as unmatched rather than guessed.
var ErrAmbiguous = errors.New("audit: more than one message-recipient matches")

// RecordReader reads one record back from where it was written; [*Log] is
// one.
type RecordReader interface {
	Read(loc Loc) (*Record, error)
}

// Query is what an arriving acknowledgement names its subject by. Empty
// fields are not named.
type Query struct {
	// MTSID is the X.411 subject-identifier of a report (RFC 2156 text
	// form), EnvID a DSN's Original-Envelope-Id (RFC 3464 §2.2.1),
	// MessageID an MDN's Original-Message-ID (RFC 8098 §3.2.5), IPMID an
	// IPN's subject-ipm (X.420 §7.4.1) in RFC 2156 §4.7.3 msg-id form,
	// ContentCorrelator a report's content-correlator (X.411 §8.3.1.2.1.3)
	// as text. Message-IDs match with or without their angle brackets.
	MTSID, EnvID, MessageID, IPMID, ContentCorrelator string
	// Recipient is the recipient as the acknowledgement names it: an SMTP
	// address (a DSN's Final-Recipient or Original-Recipient, RFC 3464
	// §2.3.1-2, with or without its "rfc822;" type; an MDN's
	// Final-Recipient, RFC 8098 §3.2.4) or O/R address text (a report's
	// actual-recipient-name or originally-intended-recipient-name, an
	// IPN's ipn-originator). It matches a departed recipient's SMTP
	// address or ORCPT case-insensitively, or its O/R address as an O/R
	// address (attribute order and case do not matter).
	Recipient string
	// Number is the X.411 originally-specified-recipient-number of a
	// report's per-recipient fields (X.411 §8.3.1.2.1.11); 0 is not named.
	Number int
}

// Match is the departed message-recipient an acknowledgement answers: the
// newest departed record of that message-recipient (a message that was
// retried, or left twice, departed more than once) and the recipient in it.
type Match struct {
	Record    *Record
	Recipient *Recipient
	Loc       Loc
}

// Bounds on one lookup.
const (
	// maxCandidates is how many departed records may carry the keys an
	// acknowledgement names before the lookup gives up as ambiguous
	// rather than read them all (about 20 us each). A message departs
	// once per next hop and per retry: a message to a few hundred
	// domains is a few hundred records.
	maxCandidates = 1024
	// maxListed is how many message-recipients an ErrAmbiguous lists.
	maxListed = 8
	// maxSlots bounds the flat arrays' uint32 indices.
	maxSlots = 1<<32 - 2
)

// noPosting ends a chain.
const noPosting = ^uint32(0)

// The key kinds, part of the hashed key so that equal strings of
// different kinds are different keys.
const (
	kindMTSID byte = iota + 1
	kindEnvID
	kindMessageID
	kindIPMID
	kindCorrelator
	numKinds = kindCorrelator
)

var kindName = [...]string{kindMTSID: "mts-id", kindEnvID: "envid", kindMessageID: "message-id", kindIPMID: "ipm-id", kindCorrelator: "content-correlator"}

// Index is the in-memory correlation index of the departed records of one
// gateway's audit log within a time window. It is safe for concurrent
// use; a lookup holds its lock only to collect the candidates, never
// while reading the log.
//
// The daemon builds it at start-up with [BuildIndex], adds each departed
// record once it is written ([Log.WriteCopy] or [Log.Append]; a lookup
// reads it back from the file, durable or not yet) ([Index.Add]), looks
// acknowledgements up ([Index.Lookup]) and drops old entries now and then
// ([Index.Prune], say hourly).
type Index struct {
	r      RecordReader
	window time.Duration
	seed   maphash.Seed
	// hash is the key hash; a test replaces it to force collisions.
	hash func(seed maphash.Seed, kind byte, v string) uint64

	mu sync.RWMutex
	// head maps a key hash to its newest posting.
	head keyTable
	// next links a posting to the next older posting of the same hash,
	// noPosting at the end; slot is the record the posting is about.
	next, slot []uint32
	// locs and times are the records' places in the log and their Time
	// (Unix nanoseconds), by record slot.
	locs  []Loc
	times []int64
	// full counts the records not indexed because the arrays are full.
	full int
}

// NewIndex returns an empty index that reads candidate records back
// through r and keeps departed records for window (0 or less: until the
// process ends; see Prune). The window must not be longer than the log
// keeps its files (Config.Keep): a record whose file was removed is no
// longer a candidate.
func NewIndex(r RecordReader, window time.Duration) *Index {
	return &Index{r: r, window: window, seed: maphash.MakeSeed(), hash: hashKey}
}

func hashKey(seed maphash.Seed, kind byte, v string) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	h.WriteByte(kind)
	h.WriteString(v)
	return h.Sum64()
}

// BuildIndex builds the index of log l at start-up: it replays the
// departed records of the last window before now (all of them when
// window is 0 or less). Records that do not parse are the log's to
// report (Scan); they are not indexed.
func BuildIndex(l *Log, window time.Duration, now time.Time) (*Index, error) {
	x := NewIndex(l, window)
	var cutoff time.Time
	if window > 0 {
		cutoff = now.Add(-window)
	}
	err := l.scanEvent(0, EventDeparted, func(r *Record, loc Loc) error {
		if r.Event == EventDeparted && (window <= 0 || !r.Time.Before(cutoff)) {
			x.Add(r, loc)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: building the correlation index: %w", err)
	}
	return x, nil
}

// namedKey is one key with its kind, normalised.
type namedKey struct {
	kind byte
	v    string
}

// recordKeys returns the non-empty keys of k, normalised.
func recordKeys(k *Keys, out []namedKey) []namedKey {
	for _, nk := range [...]namedKey{
		{kindMTSID, k.MTSID}, {kindEnvID, k.EnvID}, {kindMessageID, k.MessageID},
		{kindIPMID, k.IPMID}, {kindCorrelator, k.ContentCorrelator},
	} {
		if v := normKey(nk.kind, nk.v); v != "" {
			out = append(out, namedKey{nk.kind, v})
		}
	}
	return out
}

// normKey normalises a key for hashing and comparison: surrounding space
// is never part of a key, and a msg-id (RFC 5322 §3.6.4) is the same with
// or without its angle brackets. Otherwise keys compare exactly (the
// local part of a msg-id and the X.411 local-identifier are
// case-sensitive).
func normKey(kind byte, v string) string {
	v = strings.TrimSpace(v)
	if kind == kindMessageID || kind == kindIPMID {
		if len(v) >= 2 && v[0] == '<' && v[len(v)-1] == '>' {
			v = strings.TrimSpace(v[1 : len(v)-1])
		}
	}
	return v
}

// keyOf returns the record's key of a kind, normalised.
func keyOf(k *Keys, kind byte) string {
	switch kind {
	case kindMTSID:
		return normKey(kind, k.MTSID)
	case kindEnvID:
		return normKey(kind, k.EnvID)
	case kindMessageID:
		return normKey(kind, k.MessageID)
	case kindIPMID:
		return normKey(kind, k.IPMID)
	case kindCorrelator:
		return normKey(kind, k.ContentCorrelator)
	}
	return ""
}

// Add indexes a departed record written at loc, by each of its keys (MTS
// identifier, ENVID, Message-ID, IPM identifier, content correlator). The
// daemon calls it after Append returned, with the Loc Append gave; other
// events, and departed records without any key, are ignored.
func (x *Index) Add(r *Record, loc Loc) {
	if r == nil || r.Event != EventDeparted {
		return
	}
	var buf [numKinds]namedKey
	keys := recordKeys(&r.Keys, buf[:0])
	if len(keys) == 0 {
		return
	}
	var hs [numKinds]uint64
	for i, k := range keys {
		hs[i] = x.hash(x.seed, k.kind, k.v)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.locs) >= maxSlots || len(x.slot)+len(keys) > maxSlots {
		x.full++
		return
	}
	s := uint32(len(x.locs))
	x.locs = append(x.locs, loc)
	t := r.Time
	if t.IsZero() {
		t = time.Now() // Append sets Time; a record that missed it is kept a window from now
	}
	x.times = append(x.times, t.UnixNano())
	for i := range keys {
		h := hs[i]
		dup := false
		for j := range i {
			dup = dup || hs[j] == h
		}
		if dup {
			continue // the record is once in the chain of a hash
		}
		p := uint32(len(x.slot))
		x.slot = append(x.slot, s)
		if old, ok := x.head.get(h); ok {
			x.next = append(x.next, old)
		} else {
			x.next = append(x.next, noPosting)
		}
		x.head.set(h, p)
	}
}

// Len returns the number of departed records in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.locs)
}

// Prune drops the records older than the window before now and gives
// their memory back. It rewrites the arrays (linear in the index's size,
// under the lock: tens of milliseconds for a million entries), so call it
// now and then, not per record. It does nothing when the window is 0 or
// less.
func (x *Index) Prune(now time.Time) {
	if x.window <= 0 {
		return
	}
	cutoff := now.Add(-x.window).UnixNano()
	x.mu.Lock()
	defer x.mu.Unlock()
	kept := 0
	for _, t := range x.times {
		if t >= cutoff {
			kept++
		}
	}
	if kept == len(x.times) {
		return
	}
	// New record slots, in the old order.
	remap := make([]uint32, len(x.locs))
	locs := make([]Loc, 0, kept)
	times := make([]int64, 0, kept)
	for s, t := range x.times {
		if t < cutoff {
			remap[s] = noPosting
			continue
		}
		remap[s] = uint32(len(locs))
		locs = append(locs, x.locs[s])
		times = append(times, t)
	}
	// Count the postings kept, then relink each chain oldest first so
	// that it stays newest first.
	np := 0
	for _, s := range x.slot {
		if remap[s] != noPosting {
			np++
		}
	}
	head := newKeyTable(x.head.n * kept / max(len(x.times), 1))
	next := make([]uint32, 0, np)
	slot := make([]uint32, 0, np)
	var chain []uint32
	for i, h := range x.head.hashes {
		if h == 0 {
			continue
		}
		p := x.head.heads[i]
		chain = chain[:0]
		for ; p != noPosting; p = x.next[p] {
			if ns := remap[x.slot[p]]; ns != noPosting {
				chain = append(chain, ns)
			}
		}
		if len(chain) == 0 {
			continue
		}
		prev := noPosting
		for i := len(chain) - 1; i >= 0; i-- {
			slot = append(slot, chain[i])
			next = append(next, prev)
			prev = uint32(len(slot) - 1)
		}
		head.set(h, prev)
	}
	x.head, x.next, x.slot, x.locs, x.times = head, next, slot, locs, times
}

// candidate is a record that carries a key the acknowledgement names.
type candidate struct {
	loc  Loc
	slot uint32
}

// Lookup finds the one departed message-recipient an acknowledgement
// answers (issue 6: matched to exactly one message-recipient, whichever
// protocol and gateway it arrives by, in any order, after restarts; one
// that matches nothing is unmatched, not guessed).
//
// The candidates are the departed records that carry at least one key the
// query names and no different value of another (a key the query names
// and a record lacks does not count against it: a message that left by
// SMTP without an ENVID can still be named by its Message-ID). In them
// the recipient is the one whose SMTP address, ORCPT or O/R address is
// Recipient and whose originally-specified-recipient-number is Number
// (when both are known); a query that names neither matches a message
// that had one recipient. Departed records of the same (Gateway, ID,
// recipient index) are one message-recipient, and the newest is the
// match.
//
// It returns an error wrapping ErrNoMatch when nothing matches,
// ErrAmbiguous (naming the message-recipients) when more than one does,
// or the error of reading a candidate back from the log.
func (x *Index) Lookup(q Query) (Match, error) {
	var buf [numKinds]namedKey
	named := recordKeys(&Keys{MTSID: q.MTSID, EnvID: q.EnvID, MessageID: q.MessageID, IPMID: q.IPMID, ContentCorrelator: q.ContentCorrelator}, buf[:0])
	if len(named) == 0 {
		return Match{}, fmt.Errorf("%w: the acknowledgement names no correlation key", ErrNoMatch)
	}
	var hs [numKinds]uint64
	for i, k := range named {
		hs[i] = x.hash(x.seed, k.kind, k.v)
	}

	// Collect the candidates under the lock, read them without it. A
	// chain holds a record once; one record can be on the chains of
	// several named keys.
	var cbuf [8]candidate
	cands := cbuf[:0]
	tooMany := false
	x.mu.RLock()
	for i := range named {
		p, ok := x.head.get(hs[i])
		for n := 0; ok && p != noPosting; n++ {
			if n == maxCandidates {
				tooMany = true
				break
			}
			s := x.slot[p]
			cands = append(cands, candidate{x.locs[s], s})
			p = x.next[p]
		}
	}
	x.mu.RUnlock()
	slices.SortFunc(cands, func(a, b candidate) int { return cmp.Compare(a.slot, b.slot) })
	cands = slices.CompactFunc(cands, func(a, b candidate) bool { return a.slot == b.slot })
	if tooMany || len(cands) > maxCandidates {
		return Match{}, fmt.Errorf("%w: more than %d departed records carry %s", ErrAmbiguous, maxCandidates, describeKeys(named))
	}

	rq := newRcptQuery(q.Recipient, q.Number)
	type mrKey struct {
		gateway, id string
		index       int
	}
	type found struct {
		key  mrKey
		m    Match
		addr string
	}
	var (
		groups  []found
		records int // candidates that carry the keys
	)
cands:
	for _, c := range cands {
		r, err := x.r.Read(c.loc)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // its file is no longer kept
			}
			return Match{}, fmt.Errorf("audit: reading a candidate departed record (file %d offset %d): %w", c.loc.File, c.loc.Off, err)
		}
		if r.Event != EventDeparted || !keysAgree(&r.Keys, named) {
			continue // a hash collision, or a record that changed under us
		}
		records++
		for i := range r.Recipients {
			rc := &r.Recipients[i]
			if !rq.matches(rc) {
				continue
			}
			k := mrKey{r.Gateway, r.ID, rc.Index}
			at := -1
			for j := range groups {
				if groups[j].key == k {
					at = j
					break
				}
			}
			m := Match{Record: r, Recipient: rc, Loc: c.loc}
			switch {
			case at < 0:
				groups = append(groups, found{k, m, rcptAddr(rc)})
				if len(groups) > maxListed {
					break cands // ambiguous whatever the rest says
				}
			case newer(r, groups[at].m.Record):
				groups[at].m = m
			}
		}
	}
	switch len(groups) {
	case 1:
		return groups[0].m, nil
	case 0:
		if records == 0 {
			return Match{}, fmt.Errorf("%w: no departed message carries %s", ErrNoMatch, describeKeys(named))
		}
		return Match{}, fmt.Errorf("%w: %d departed record(s) carry %s, none to %s", ErrNoMatch, records, describeKeys(named), rq.describe())
	}
	var sb strings.Builder
	for i, g := range groups[:min(len(groups), maxListed)] {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%s/%s recipient %d (%s)", g.key.gateway, g.key.id, g.key.index, g.addr)
	}
	if len(groups) > maxListed {
		return Match{}, fmt.Errorf("%w: %s (%s) fits more than %d message-recipients: %s, ...", ErrAmbiguous, describeKeys(named), rq.describe(), maxListed, sb.String())
	}
	return Match{}, fmt.Errorf("%w: %s (%s) fits %d message-recipients: %s", ErrAmbiguous, describeKeys(named), rq.describe(), len(groups), sb.String())
}

// newer says whether departed record a is newer than b (the same
// message-recipient departing again: a retry, another hop).
func newer(a, b *Record) bool {
	if a.Seq != b.Seq {
		return a.Seq > b.Seq
	}
	return a.Time.After(b.Time)
}

// keysAgree says whether a record carries at least one of the named keys
// and no different value of any.
func keysAgree(k *Keys, named []namedKey) bool {
	hit := false
	for _, n := range named {
		switch v := keyOf(k, n.kind); {
		case v == n.v:
			hit = true
		case v != "":
			return false
		}
	}
	return hit
}

func describeKeys(named []namedKey) string {
	var sb strings.Builder
	for i, n := range named {
		if i > 0 {
			sb.WriteString(" and ")
		}
		fmt.Fprintf(&sb, "%s %q", kindName[n.kind], n.v)
	}
	return sb.String()
}

// rcptQuery is the recipient part of a query, normalised once.
type rcptQuery struct {
	addr   string // "" when not named
	or     string // addr's canonical O/R address text, "" when it is not one
	number int
}

func newRcptQuery(addr string, number int) rcptQuery {
	addr = normAddr(addr)
	return rcptQuery{addr: addr, or: canonOR(addr), number: max(number, 0)}
}

// normAddr strips what surrounds an address in a report: space, an
// RFC 3464 §2.3.2 address-type ("rfc822;", "x400;", "utf-8;") and angle
// brackets.
func normAddr(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ';'); i > 0 {
		switch strings.ToLower(strings.TrimSpace(s[:i])) {
		case "rfc822", "x400", "utf-8", "unknown":
			s = strings.TrimSpace(s[i+1:])
		}
	}
	if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// canonOR returns the canonical text of an O/R address (RFC 2156 §4.1.3,
// x400.ORAddress.String: attributes in a fixed order), or "" when s is not
// one.
func canonOR(s string) string {
	if !strings.Contains(s, "=") {
		return ""
	}
	a, err := x400.ParseORAddress(s)
	if err != nil {
		return ""
	}
	return a.String()
}

// addrIs says whether a recorded address is the queried one: an SMTP
// address compared without regard to case (a server that folds the case
// of a local part still answers for the same mailbox; two recipients of
// one message that differ only in case make the lookup ambiguous, not
// wrong), an O/R address as an O/R address (X.411 §8.5.5 compares
// printable-string attributes without regard to case).
func (q *rcptQuery) addrIs(recorded string) bool {
	recorded = normAddr(recorded)
	if recorded == "" {
		return false
	}
	if strings.EqualFold(recorded, q.addr) {
		return true
	}
	if q.or == "" {
		return false
	}
	c := canonOR(recorded)
	return c != "" && strings.EqualFold(c, q.or)
}

func (q *rcptQuery) matches(r *Recipient) bool {
	if q.number != 0 && r.Number != 0 && r.Number != q.number {
		return false
	}
	if q.addr == "" {
		return q.number == 0 || r.Number == q.number
	}
	return q.addrIs(r.SMTP) || q.addrIs(r.X400) || q.addrIs(r.ORcpt)
}

func (q *rcptQuery) describe() string {
	switch {
	case q.addr != "" && q.number != 0:
		return fmt.Sprintf("recipient %q number %d", q.addr, q.number)
	case q.addr != "":
		return fmt.Sprintf("recipient %q", q.addr)
	case q.number != 0:
		return fmt.Sprintf("recipient number %d", q.number)
	}
	return "no recipient named"
}

// rcptAddr is the recipient's address for messages.
func rcptAddr(r *Recipient) string {
	switch {
	case r.SMTP != "":
		return r.SMTP
	case r.X400 != "":
		return r.X400
	}
	return r.ORcpt
}

// keyTable is an open-addressing hash table (linear probing) from a key
// hash to the newest posting of its chain: 12 bytes a slot, at most 3/4
// full, about half the memory of a Go map of the same. Hash 0 marks an
// empty slot, so a key hashing to 0 shares the chain of hash 1: chains
// may mix keys anyway (collisions), and every candidate is verified.
type keyTable struct {
	hashes []uint64
	heads  []uint32
	n      int
}

// newKeyTable returns a table with room for n hashes.
func newKeyTable(n int) keyTable {
	size := 64
	for size*3/4 < n {
		size *= 2
	}
	return keyTable{hashes: make([]uint64, size), heads: make([]uint32, size)}
}

func (t *keyTable) get(h uint64) (uint32, bool) {
	if len(t.hashes) == 0 {
		return 0, false
	}
	h = max(h, 1)
	mask := uint64(len(t.hashes) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch t.hashes[i] {
		case h:
			return t.heads[i], true
		case 0:
			return 0, false
		}
	}
}

func (t *keyTable) set(h uint64, p uint32) {
	if (t.n+1)*4 > len(t.hashes)*3 {
		nt := newKeyTable(t.n + 1)
		for i, oh := range t.hashes {
			if oh != 0 {
				nt.set(oh, t.heads[i])
			}
		}
		*t = nt
	}
	h = max(h, 1)
	mask := uint64(len(t.hashes) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch t.hashes[i] {
		case h:
			t.heads[i] = p
			return
		case 0:
			t.hashes[i], t.heads[i] = h, p
			t.n++
			return
		}
	}
}
