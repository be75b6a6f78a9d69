package transport

import (
	"fmt"
	"io"
)

// RFC 1006 §6: a TPKT is a 4-octet packet-header, version 3, a reserved
// octet and a 16-bit length counting the whole packet (7 to 65535), followed
// by exactly one TPDU.
const tpktVersion = 3

// ReadTPKT reads one TPKT from r into buf and returns the whole packet,
// packet-header included (the TPDU is pkt[TPKTHeaderLen:]). buf is reused
// when its capacity is large enough; otherwise a larger buffer is allocated,
// never larger than maxLen, and the caller should pass the returned slice as
// buf on the next call. maxLen is the largest packet accepted, at most
// [MaxTPKTLen] (a larger value is treated as MaxTPKTLen).
//
// A version other than 3, or a length below 7 or above maxLen, is an
// [*Error] with PDU "TPKT": the stream has lost its framing and must be
// closed. The reserved octet is ignored. A stream that ends before the first
// octet gives io.EOF; one that ends inside a packet gives
// io.ErrUnexpectedEOF; other read errors are returned as they are.
func ReadTPKT(r io.Reader, buf []byte, maxLen int) ([]byte, error) {
	if maxLen > MaxTPKTLen {
		maxLen = MaxTPKTLen
	}
	if maxLen < MinTPKTLen {
		return nil, fmt.Errorf("transport: ReadTPKT: maxLen %d below the RFC 1006 minimum of %d", maxLen, MinTPKTLen)
	}
	if cap(buf) < TPKTHeaderLen {
		buf = make([]byte, 0, min(maxLen, 512))
	}
	hdr := buf[:TPKTHeaderLen]
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, err
	}
	if hdr[0] != tpktVersion {
		return nil, &Error{PDU: "TPKT", Field: "version", Offset: 0, Msg: fmt.Sprintf("version %d, want 3", hdr[0])}
	}
	n := int(hdr[2])<<8 | int(hdr[3])
	if n < MinTPKTLen {
		return nil, &Error{PDU: "TPKT", Field: "packet length", Offset: 2, Msg: fmt.Sprintf("length %d below the minimum of %d", n, MinTPKTLen)}
	}
	if n > maxLen {
		return nil, &Error{PDU: "TPKT", Field: "packet length", Offset: 2, Msg: fmt.Sprintf("length %d above the limit of %d", n, maxLen)}
	}
	if cap(buf) < n {
		nb := make([]byte, n, min(max(n, 2*cap(buf)), maxLen))
		copy(nb, hdr)
		buf = nb
	}
	pkt := buf[:n]
	if _, err := io.ReadFull(r, pkt[TPKTHeaderLen:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return pkt, nil
}

// SplitTPKT takes one TPKT from the front of data (for a caller that already
// holds bytes, or for tests) and returns it with the rest. It applies the
// same checks as [ReadTPKT]; a packet not yet complete gives
// io.ErrUnexpectedEOF.
func SplitTPKT(data []byte, maxLen int) (pkt, rest []byte, err error) {
	if maxLen > MaxTPKTLen {
		maxLen = MaxTPKTLen
	}
	if len(data) < TPKTHeaderLen {
		return nil, data, io.ErrUnexpectedEOF
	}
	if data[0] != tpktVersion {
		return nil, data, &Error{PDU: "TPKT", Field: "version", Offset: 0, Msg: fmt.Sprintf("version %d, want 3", data[0])}
	}
	n := int(data[2])<<8 | int(data[3])
	if n < MinTPKTLen {
		return nil, data, &Error{PDU: "TPKT", Field: "packet length", Offset: 2, Msg: fmt.Sprintf("length %d below the minimum of %d", n, MinTPKTLen)}
	}
	if n > maxLen {
		return nil, data, &Error{PDU: "TPKT", Field: "packet length", Offset: 2, Msg: fmt.Sprintf("length %d above the limit of %d", n, maxLen)}
	}
	if len(data) < n {
		return nil, data, io.ErrUnexpectedEOF
	}
	return data[:n:n], data[n:], nil
}

// AppendTPKT appends to dst a TPKT carrying tpdu (RFC 1006 §6). The TPDU
// must be 3 to [MaxTPDULen] octets.
func AppendTPKT(dst, tpdu []byte) ([]byte, error) {
	n := len(tpdu) + TPKTHeaderLen
	if n < MinTPKTLen || n > MaxTPKTLen {
		return dst, &Error{PDU: "TPKT", Field: "packet length", Offset: 2, Msg: fmt.Sprintf("TPDU of %d octets does not fit a TPKT (3 to %d)", len(tpdu), MaxTPDULen)}
	}
	dst = append(dst, tpktVersion, 0, byte(n>>8), byte(n))
	return append(dst, tpdu...), nil
}

// BeginTPKT appends a TPKT packet-header with a length to be filled in by
// [EndTPKT], and returns dst and the offset of the header, so that a TPDU can
// be appended in place without a copy:
//
//	buf, start := transport.BeginTPKT(buf)
//	buf = transport.AppendDTHeader(buf, true)
//	buf = append(buf, spdu...)
//	buf, err = transport.EndTPKT(buf, start)
func BeginTPKT(dst []byte) ([]byte, int) {
	return append(dst, tpktVersion, 0, 0, 0), len(dst)
}

// EndTPKT fills in the length of the TPKT begun at start by [BeginTPKT].
func EndTPKT(dst []byte, start int) ([]byte, error) {
	if start < 0 || start+TPKTHeaderLen > len(dst) {
		return dst, fmt.Errorf("transport: EndTPKT: no packet-header at offset %d", start)
	}
	n := len(dst) - start
	if n < MinTPKTLen || n > MaxTPKTLen {
		return dst, &Error{PDU: "TPKT", Field: "packet length", Offset: 2, Msg: fmt.Sprintf("packet of %d octets outside %d..%d", n, MinTPKTLen, MaxTPKTLen)}
	}
	dst[start+2] = byte(n >> 8)
	dst[start+3] = byte(n)
	return dst, nil
}
