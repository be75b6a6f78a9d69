package transport

import (
	"fmt"
	"iter"
)

// Segmenter cuts a TSDU into the user data of class 0 DT TPDUs no larger
// than the negotiated maximum TPDU size (X.224 §6.3, segmenting and
// reassembling; the TPDU size counts the 3-octet DT header, not the TPKT
// packet-header). Every DT but the last has EOT clear; a TSDU of zero
// octets is one DT with EOT set and no data.
type Segmenter struct {
	tpduSize int
}

// NewSegmenter returns a Segmenter for the maximum TPDU size tpduSize, which
// must leave room for at least one octet of data and fit a TPKT (4 to
// [MaxTPDULen]).
func NewSegmenter(tpduSize int) (Segmenter, error) {
	if tpduSize < DTHeaderLen+1 || tpduSize > MaxTPDULen {
		return Segmenter{}, fmt.Errorf("transport: TPDU size %d outside %d..%d", tpduSize, DTHeaderLen+1, MaxTPDULen)
	}
	return Segmenter{tpduSize: tpduSize}, nil
}

// TPDUSize returns the maximum TPDU size the Segmenter was made for.
func (s Segmenter) TPDUSize() int { return s.tpduSize }

// MaxData returns the largest user data of one DT TPDU.
func (s Segmenter) MaxData() int { return s.tpduSize - DTHeaderLen }

// Count returns the number of DT TPDUs that carry a TSDU of n octets.
func (s Segmenter) Count(n int) int {
	m := s.MaxData()
	if n <= 0 || m <= 0 {
		return 1
	}
	return (n + m - 1) / m
}

// Segments yields the user data of each DT TPDU of tsdu (a subslice of it)
// and whether it is the last (EOT).
func (s Segmenter) Segments(tsdu []byte) iter.Seq2[[]byte, bool] {
	return func(yield func([]byte, bool) bool) {
		m := s.MaxData()
		if m <= 0 {
			m = len(tsdu) // zero Segmenter: no segmenting
		}
		for {
			if len(tsdu) <= m {
				yield(tsdu, true)
				return
			}
			if !yield(tsdu[:m], false) {
				return
			}
			tsdu = tsdu[m:]
		}
	}
}

// AppendTPKTs appends to dst the TPKTs (RFC 1006 packet-header and class 0
// DT TPDU) that carry tsdu.
func (s Segmenter) AppendTPKTs(dst, tsdu []byte) ([]byte, error) {
	if s.tpduSize == 0 {
		return dst, fmt.Errorf("transport: AppendTPKTs on a zero Segmenter")
	}
	for seg, eot := range s.Segments(tsdu) {
		var start int
		dst, start = BeginTPKT(dst)
		dst = AppendDTHeader(dst, eot)
		dst = append(dst, seg...)
		var err error
		if dst, err = EndTPKT(dst, start); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// Reassembler puts a TSDU back together from the user data of DT TPDUs
// (X.224 §6.3), up to a maximum TSDU size set by local policy: data beyond
// it is an error, never unbounded memory. Its buffer is reused from one TSDU
// to the next and grows only as far as the maximum. The zero value is not
// usable; use [NewReassembler].
type Reassembler struct {
	max int
	buf []byte
	n   int // DT TPDUs in the TSDU so far
}

// NewReassembler returns a Reassembler for TSDUs of at most maxTSDU octets.
func NewReassembler(maxTSDU int) *Reassembler {
	return &Reassembler{max: max(maxTSDU, 0)}
}

// Add appends the user data of one DT TPDU. When eot is set, it returns the
// whole TSDU and done; the TSDU is valid until the next call to Add or
// Reset. A TSDU that would exceed the maximum is an [*Error] (PDU "TSDU"):
// the partial TSDU is dropped, and the connection should be closed, since
// class 0 cannot skip the rest of a TSDU.
func (r *Reassembler) Add(data []byte, eot bool) (tsdu []byte, done bool, err error) {
	need := len(r.buf) + len(data)
	if need > r.max {
		size := len(r.buf)
		r.Reset()
		return nil, false, &Error{PDU: "TSDU", Field: "user data", Offset: size, Cause: CauseUnspecified, Reason: ReasonProtocolError,
			Msg: fmt.Sprintf("TSDU reaches %d octets, above the limit of %d", need, r.max)}
	}
	if need > cap(r.buf) {
		nb := make([]byte, len(r.buf), min(max(need, 2*cap(r.buf), 512), r.max))
		copy(nb, r.buf)
		r.buf = nb
	}
	r.buf = append(r.buf, data...)
	r.n++
	if !eot {
		return nil, false, nil
	}
	tsdu = r.buf
	r.buf = r.buf[:0]
	r.n = 0
	return tsdu, true, nil
}

// Reset drops a partial TSDU, keeping the buffer.
func (r *Reassembler) Reset() {
	r.buf = r.buf[:0]
	r.n = 0
}

// Len returns the octets of the partial TSDU held so far.
func (r *Reassembler) Len() int { return len(r.buf) }

// Segments returns the number of DT TPDUs in the partial TSDU so far.
func (r *Reassembler) Segments() int { return r.n }

// Max returns the maximum TSDU size.
func (r *Reassembler) Max() int { return r.max }
