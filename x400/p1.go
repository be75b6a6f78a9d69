package x400

import (
	"errors"
	"time"

	"mixerd/ber"
)

// MTSAPDU is what one RTSE transfer carries between two MTAs, X.411 §12.2
// (MTAAbstractService):
//
//	MTS-APDU ::= CHOICE {
//	  message  [0]  Message,
//	  probe    [2]  Probe,
//	  report   [1]  Report }
//
// Exactly one of the fields is set.
type MTSAPDU struct {
	Message *Message
	Probe   *ProbeTransferEnvelope
	Report  *Report
}

// Message is a message in transfer, X.411 §12.2.1.1:
//
//	Message ::= SEQUENCE {
//	  envelope  MessageTransferEnvelope,
//	  content   Content }
//	Content ::= OCTET STRING
type Message struct {
	Envelope MessageTransferEnvelope
	// Content is the contents of the content OCTET STRING: for content
	// type 22 (P22) the encoding of an IPM or IPN, decoded elsewhere. It
	// aliases the decoded input unless the peer sent it in the
	// constructed form (then it is a concatenated copy).
	Content []byte
}

// Report is a report in transfer, X.411 §12.2.1.3:
//
//	Report ::= SEQUENCE {
//	  envelope  ReportTransferEnvelope,
//	  content   ReportTransferContent }
type Report struct {
	Envelope ReportTransferEnvelope
	Content  ReportTransferContent
}

// Tags of the MTS-APDU alternatives.
var (
	p1TagMessage = ber.Context(0)
	p1TagReport  = ber.Context(1)
	p1TagProbe   = ber.Context(2)
)

// DecodeMTSAPDU decodes one MTS-APDU, the value of an RTSE transfer
// (BER, as peers send it). b must hold exactly one element. The value
// returned refers to b (strings, content and kept encodings alias it).
func DecodeMTSAPDU(b []byte, lim *ber.Limits) (*MTSAPDU, error) {
	// The MTS-APDU, its alternative, the reader's budget and the spare
	// storage of the decode are allocated together: one allocation
	// instead of four or more. The alternative is known from the first
	// identifier octet, before the element is read.
	var (
		a   *MTSAPDU
		r   ber.Reader
		e   ber.Element
		err error
	)
	tag, _, _ := ber.PeekTag(b)
	switch tag {
	case p1TagMessage:
		x := new(struct {
			a    MTSAPDU
			m    Message
			eits [2]EncodedInformationTypes
			pool p1Pool
			bu   ber.Budget
		})
		x.a.Message = &x.m
		a = &x.a
		x.pool.eits = x.eits[:]
		r = x.bu.Reader(b, 0, lim)
		if e, err = r.Next(); err == nil {
			err = ber.Annotate(x.m.decodeIn(&e, &x.pool), "message")
		}
	case p1TagProbe:
		x := new(struct {
			a      MTSAPDU
			p      ProbeTransferEnvelope
			eits   [1]EncodedInformationTypes
			length int64
			pool   p1Pool
			bu     ber.Budget
		})
		x.a.Probe = &x.p
		a = &x.a
		x.pool.eits, x.pool.i64 = x.eits[:], &x.length
		r = x.bu.Reader(b, 0, lim)
		if e, err = r.Next(); err == nil {
			err = ber.Annotate(x.p.decodeIn(&e, &x.pool), "probe")
		}
	case p1TagReport:
		x := new(struct {
			a    MTSAPDU
			r    Report
			eits [2]EncodedInformationTypes
			ct   ContentType
			pool p1Pool
			bu   ber.Budget
		})
		x.a.Report = &x.r
		a = &x.a
		x.pool.eits, x.pool.ct = x.eits[:], &x.ct
		r = x.bu.Reader(b, 0, lim)
		if e, err = r.Next(); err == nil {
			err = ber.Annotate(x.r.decodeIn(&e, &x.pool), "report")
		}
	default:
		a = new(MTSAPDU)
		r = ber.NewReader(b, lim)
		if e, err = r.Next(); err == nil {
			err = a.decode(&e)
		}
	}
	if err != nil {
		return nil, ber.Annotate(err, "MTS-APDU")
	}
	if err := r.End("MTS-APDU"); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *MTSAPDU) decode(e *ber.Element) error {
	switch e.Tag {
	case p1TagMessage:
		a.Message = new(Message)
		return ber.Annotate(a.Message.decode(e), "message")
	case p1TagProbe:
		a.Probe = new(ProbeTransferEnvelope)
		return ber.Annotate(a.Probe.decode(e), "probe")
	case p1TagReport:
		a.Report = new(Report)
		return ber.Annotate(a.Report.decode(e), "report")
	}
	return e.Errorf("%s is not an MTS-APDU alternative (message [0], report [1], probe [2])", e.Tag)
}

// p1Pool is spare storage for one decode (of an MTS-APDU, say), allocated
// with the value decoded, from which the decoders take the small objects
// and lists that a message usually has instead of allocating each. A nil
// *p1Pool is valid: the decoders then allocate.
type p1Pool struct {
	// eits are spare EncodedInformationTypes (original and converted).
	eits []EncodedInformationTypes
	// strs is spare room for the lists of strings of O/R addresses
	// (organizational unit names), see oraddrTake.
	strs []string
	// ct is a spare ContentType (for a report's content), or nil.
	ct *ContentType
	// i64 is a spare int64 (for a probe's content length), or nil.
	i64 *int64
}

// int64 returns a pointer to v, the pool's spare if it has one.
func (p *p1Pool) int64(v int64) *int64 {
	var x *int64
	if p == nil || p.i64 == nil {
		x = new(int64) // not &v: v would be moved to the heap on every call
	} else {
		x, p.i64 = p.i64, nil
	}
	*x = v
	return x
}

// contentType returns a zero ContentType, the pool's spare if it has one.
func (p *p1Pool) contentType() *ContentType {
	if p == nil || p.ct == nil {
		return new(ContentType)
	}
	x := p.ct
	p.ct = nil
	return x
}

// eit returns a zero EncodedInformationTypes, from the pool if it has one.
func (p *p1Pool) eit() *EncodedInformationTypes {
	if p == nil || len(p.eits) == 0 {
		return new(EncodedInformationTypes)
	}
	x := &p.eits[0]
	p.eits = p.eits[1:]
	return x
}

// strings returns the pool's spare strings (nil for a nil pool).
func (p *p1Pool) strings() *[]string {
	if p == nil {
		return nil
	}
	return &p.strs
}

// Marshal returns the DER encoding of a.
func (a *MTSAPDU) Marshal() ([]byte, error) {
	b := ber.NewBuilder(a.sizeHint())
	a.AppendTo(b)
	if err := b.Err(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// sizeHint estimates the length of a's encoding, so that Marshal's builder
// does not grow: the content, plus the envelope's fixed part, plus a
// share per recipient, trace element and extension (generous: a builder
// that grows costs a copy and an allocation, spare room costs nothing).
func (a *MTSAPDU) sizeHint() int {
	if m := a.Message; m != nil {
		env := &m.Envelope
		n := len(m.Content) + 384 + 192*len(env.PerRecipientFields) + 160*len(env.TraceInformation)
		for i := range env.Extensions {
			n += 16 + len(env.Extensions[i].Value)
		}
		for i := range env.PerRecipientFields {
			for j := range env.PerRecipientFields[i].Extensions {
				n += 16 + len(env.PerRecipientFields[i].Extensions[j].Value)
			}
		}
		return n
	}
	return 1024
}

// AppendTo writes the DER encoding of a to b. Errors (a value that cannot
// be written) are recorded in b (see ber.Builder.Err).
func (a *MTSAPDU) AppendTo(b *ber.Builder) {
	n := 0
	if a.Message != nil {
		n++
	}
	if a.Probe != nil {
		n++
	}
	if a.Report != nil {
		n++
	}
	if n != 1 {
		b.Fail(errors.New("x400: MTS-APDU needs exactly one of message, probe and report"))
		return
	}
	switch {
	case a.Message != nil:
		a.Message.encode(b, p1TagMessage)
	case a.Probe != nil:
		a.Probe.encode(b, p1TagProbe)
	default:
		a.Report.encode(b, p1TagReport)
	}
}

func (m *Message) decode(e *ber.Element) error { return m.decodeIn(e, nil) }

// decodeIn is decode taking spare storage from pool (nil: allocate).
func (m *Message) decodeIn(e *ber.Element, pool *p1Pool) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	c, err := r.Expect(ber.Set)
	if err != nil {
		return ber.Annotate(err, "envelope")
	}
	if err := m.Envelope.decodeIn(&c, pool); err != nil {
		return ber.Annotate(err, "envelope")
	}
	c, err = r.Expect(p1TagOctets)
	if err != nil {
		return ber.Annotate(err, "content")
	}
	if m.Content, err = c.Bytes(); err != nil {
		return ber.Annotate(err, "content")
	}
	return r.End("Message")
}

func (m *Message) encode(b *ber.Builder, t ber.Tag) {
	s := b.Begin(t)
	m.Envelope.encode(b, ber.Set)
	b.AddPrimitive(p1TagOctets, m.Content)
	b.End(s)
}

func (rp *Report) decode(e *ber.Element) error { return rp.decodeIn(e, nil) }

// decodeIn is decode taking spare storage from pool (nil: allocate).
func (rp *Report) decodeIn(e *ber.Element, pool *p1Pool) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	c, err := r.Expect(ber.Set)
	if err != nil {
		return ber.Annotate(err, "envelope")
	}
	if err := rp.Envelope.decodeIn(&c, pool); err != nil {
		return ber.Annotate(err, "envelope")
	}
	c, err = r.Expect(ber.Set)
	if err != nil {
		return ber.Annotate(err, "content")
	}
	if err := rp.Content.decodeIn(&c, pool); err != nil {
		return ber.Annotate(err, "content")
	}
	return r.End("Report")
}

func (rp *Report) encode(b *ber.Builder, t ber.Tag) {
	s := b.Begin(t)
	rp.Envelope.encode(b, ber.Set)
	rp.Content.encode(b, ber.Set)
	b.End(s)
}

// Helpers shared by the P1 files.

// p1Missing is the error for a mandatory SET component that is absent.
func p1Missing(e *ber.Element, name string) error {
	return e.Errorf("%s: missing %s", e.Tag, name)
}

// p1Unexpected is the error for a component a SET does not define.
func p1Unexpected(c *ber.Element, in string) error {
	return c.Errorf("unexpected %s in %s", c.Tag, in)
}

// p1EndSet closes a SET whose encoder wrote the components in DER order
// (X.690 §10.3) already, saving the sort of ber.Builder.EndSet. Tests set
// p1SortSets to make it EndSet and check that the bytes do not change. (A
// plain function, not a function variable: an indirect call would make
// every builder escape to the heap.)
func p1EndSet(b *ber.Builder, m ber.Mark) {
	if p1SortSets {
		b.EndSet(m)
		return
	}
	b.End(m)
}

// p1SortSets makes p1EndSet sort, for tests.
var p1SortSets = false

// p1AddString writes s with tag t after checking its character set.
func p1AddString(b *ber.Builder, t ber.Tag, s string, ok func(string) bool, what, typ string) {
	if !ok(s) {
		b.Fail(errors.New("x400: " + what + ": character outside " + typ))
	}
	b.AddString(t, s)
}

// p1Time reads an X.411 Time (UTCTime), returned in UTC.
func p1Time(e *ber.Element) (time.Time, error) {
	t, err := e.UTCTime()
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// p1AddTime writes an X.411 Time (UTCTime, whose two-digit year covers
// 1950 to 2049).
func p1AddTime(b *ber.Builder, t ber.Tag, tm time.Time, what string) {
	if y := tm.UTC().Year(); y < 1950 || y > 2049 {
		b.Fail(errors.New("x400: " + what + ": time outside the UTCTime range 1950-2049"))
	}
	b.AddUTCTime(t, tm)
}

// p1Bits reads a named bit list. Bits beyond 31 are dropped (no X.411
// named bit list goes that far).
func p1Bits(e *ber.Element) (uint32, error) {
	s, err := e.BitString()
	if err != nil {
		return 0, err
	}
	return s.Uint32Bits(), nil
}

// p1AddBits writes the named bit list v (bit i of v is bit i of the
// value) without trailing zero bits (X.690 §11.2.2), but at least min bits
// long, for types with a SIZE (min..) constraint. It does not allocate.
func p1AddBits(b *ber.Builder, t ber.Tag, v uint32, min int) {
	n := 0
	for i := 31; i >= 0; i-- {
		if v&(1<<uint(i)) != 0 {
			n = i + 1
			break
		}
	}
	if n < min {
		n = min
	}
	var c [5]byte
	nb := (n + 7) / 8
	c[0] = byte(nb*8 - n)
	for i := 0; i < n; i++ {
		if v&(1<<uint(i)) != 0 {
			c[1+i/8] |= 0x80 >> uint(i%8)
		}
	}
	b.AddPrimitive(t, c[:1+nb])
}

// p1Int reads an INTEGER or ENUMERATED within lo..hi.
func p1Int(e *ber.Element, lo, hi int) (int, error) {
	v, err := e.Int()
	if err != nil {
		return 0, err
	}
	if v < lo || v > hi {
		return 0, e.Errorf("%s: value %d out of range %d..%d", e.Tag, v, lo, hi)
	}
	return v, nil
}

// p1Grow returns s with room for one more element. r is the reader of the
// list whose element was just read: a nil s is made with room for that
// element and every one left in r (listCap), so that a list costs one
// allocation.
func p1Grow[T any](s []T, r *ber.Reader) []T {
	if s == nil {
		s = make([]T, 0, listCap(r)+1)
	}
	var zero T
	return append(s, zero)
}

// p1Make returns an empty slice with room for the elements left in r
// (listCap), or nil if there are none (or r is malformed: the caller's
// Next reports it).
func p1Make[T any](r *ber.Reader) []T {
	if n := listCap(r); n > 0 {
		return make([]T, 0, n)
	}
	return nil
}

// p1Name reads an ORName (or a type defined as one) from element c.
func p1Name(c *ber.Element, name string) (ORName, error) {
	return p1NameIn(c, name, nil)
}

// p1NameIn is p1Name taking spare storage from pool (nil: allocate).
func p1NameIn(c *ber.Element, name string, pool *p1Pool) (ORName, error) {
	var n ORName
	if err := n.decodeIn(c, pool.strings()); err != nil {
		return n, ber.Annotate(err, name)
	}
	return n, nil
}
