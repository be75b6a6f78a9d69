package transport

import (
	"bytes"
	"fmt"
	"math/bits"
)

// TPDU is a decoded class 0 TPDU: *CR, *CC, *DR, *DT or *ER.
type TPDU interface {
	Type() TPDUType
	// Append appends the encoded TPDU (without TPKT header) to dst.
	Append(dst []byte) ([]byte, error)
}

// maxLI is the largest length indicator (X.224 §13.2.1: 255 is reserved).
const maxLI = 254

// Type checks the length indicator of tpdu and returns its type (X.224
// §13.2.1, §13.1 table 8). A length indicator larger than the TPDU or equal
// to 255, or a code not defined by X.224, is an [*Error]; the class 1 to 4
// TPDUs (DC, ED, AK, EA, RJ) are returned as such, and [Decode] refuses them.
func Type(tpdu []byte) (TPDUType, error) {
	if len(tpdu) < 2 {
		return 0, &Error{PDU: "TPDU", Field: "length indicator", Offset: len(tpdu), Cause: CauseInvalidParamValue, Reason: ReasonHeaderLength, Msg: fmt.Sprintf("TPDU of %d octets is too short", len(tpdu))}
	}
	li := int(tpdu[0])
	if li > maxLI || li+1 > len(tpdu) {
		return 0, &Error{PDU: "TPDU", Field: "length indicator", Offset: 0, Cause: CauseInvalidParamValue, Reason: ReasonHeaderLength, Msg: fmt.Sprintf("length indicator %d with %d octets following", li, len(tpdu)-1)}
	}
	c := tpdu[1]
	switch t := TPDUType(c & 0xF0); t {
	case TypeCR, TypeCC, TypeAK, TypeRJ:
		return t, nil // low four bits: credit
	case TypeDR, TypeDC, TypeDT, TypeED, TypeEA, TypeER:
		if c&0x0F == 0 {
			return t, nil
		}
	}
	return 0, errorf("TPDU", "code", 1, CauseInvalidTPDUType, "unknown TPDU code 0x%02x", c)
}

// Decode decodes a class 0 TPDU. The class 1 to 4 TPDUs are refused with
// the reject cause "invalid TPDU type". For DT TPDUs, prefer [ParseDT],
// which does not allocate.
func Decode(tpdu []byte) (TPDU, error) {
	t, err := Type(tpdu)
	if err != nil {
		return nil, err
	}
	switch t {
	case TypeCR:
		cr, err := ParseCR(tpdu)
		if err != nil {
			return nil, err
		}
		return &cr, nil
	case TypeCC:
		cc, err := ParseCC(tpdu)
		if err != nil {
			return nil, err
		}
		return &cc, nil
	case TypeDR:
		dr, err := ParseDR(tpdu)
		if err != nil {
			return nil, err
		}
		return &dr, nil
	case TypeDT:
		data, eot, err := ParseDT(tpdu)
		if err != nil {
			return nil, err
		}
		return &DT{EOT: eot, Data: data}, nil
	case TypeER:
		er, err := ParseER(tpdu)
		if err != nil {
			return nil, err
		}
		return &er, nil
	}
	return nil, errorf(t.String(), "code", 1, CauseInvalidTPDUType, "%s TPDU is not used in class 0", t)
}

// checkType checks the length indicator, the type and the minimum header
// length of tpdu, and returns the end of its header (LI+1).
func checkType(tpdu []byte, want TPDUType, fixed int) (int, error) {
	t, err := Type(tpdu)
	if err != nil {
		return 0, err
	}
	if t != want {
		return 0, errorf(want.String(), "code", 1, CauseInvalidTPDUType, "%s TPDU where %s expected", t, want)
	}
	if li := int(tpdu[0]); li < fixed {
		return 0, &Error{PDU: want.String(), Field: "length indicator", Offset: 0, Cause: CauseInvalidParamValue, Reason: ReasonHeaderLength, Msg: fmt.Sprintf("length indicator %d below the fixed part of %d", li, fixed)}
	}
	return int(tpdu[0]) + 1, nil
}

// params walks the variable part tpdu[off:end] (X.224 §13.2.3) and calls fn
// with each parameter's code, the offset of its code octet and its value.
func params(pdu string, tpdu []byte, off, end int, fn func(code byte, at int, val []byte) error) error {
	for off < end {
		if end-off < 2 {
			return &Error{PDU: pdu, Field: "variable part", Offset: off, Cause: CauseInvalidParamValue, Reason: ReasonHeaderLength, Msg: "parameter without length"}
		}
		code, n := tpdu[off], int(tpdu[off+1])
		if off+2+n > end {
			return &Error{PDU: pdu, Field: "variable part", Offset: off + 1, Cause: CauseInvalidParamValue, Reason: ReasonHeaderLength, Msg: fmt.Sprintf("parameter 0x%02x of %d octets runs past the header (%d left)", code, n, end-off-2)}
		}
		if err := fn(code, off, tpdu[off+2:off+2+n]); err != nil {
			return err
		}
		off += 2 + n
	}
	return nil
}

func appendParam(dst []byte, code byte, val []byte) []byte {
	dst = append(dst, code, byte(len(val)))
	return append(dst, val...)
}

// finishHeader sets the length indicator of the TPDU begun at start in dst,
// whose header ends at hdrEnd, and checks the size.
func finishHeader(dst []byte, start, hdrEnd int, pdu string) ([]byte, error) {
	li := hdrEnd - start - 1
	if li > maxLI {
		return dst[:start], &Error{PDU: pdu, Field: "length indicator", Offset: 0, Cause: CauseInvalidParamValue, Reason: ReasonHeaderLength, Msg: fmt.Sprintf("header of %d octets exceeds %d", li, maxLI)}
	}
	if len(dst)-start > MaxTPDULen {
		return dst[:start], &Error{PDU: pdu, Field: "user data", Offset: hdrEnd - start, Cause: CauseInvalidParamValue, Reason: ReasonProtocolError, Msg: fmt.Sprintf("TPDU of %d octets exceeds %d", len(dst)-start, MaxTPDULen)}
	}
	dst[start] = byte(li)
	return dst, nil
}

// CR is a connection request TPDU (X.224 §13.3):
//
//	LI | 1110 CDT | DST-REF (0) | SRC-REF | class, options | variable part | user data
//
// A nil byte slice is a parameter that is absent; an empty non-nil one is
// present with no octets. The parameters are encoded in the order calling
// TSAP, called TSAP, TPDU size, preferred maximum TPDU size, alternative
// classes, then Other as given (PP's order for the first three).
type CR struct {
	CDT    uint8  // initial credit, low four bits of the code octet (0 in class 0)
	DstRef uint16 // 0 in a CR
	SrcRef uint16
	Class  uint8 // preferred class, 0 to 4 (high four bits of octet 7)
	// Options is the low four bits of octet 7 (extended formats, explicit
	// flow control in class 2); not applicable to class 0.
	Options     uint8
	CallingTSAP []byte // parameter 0xC1
	CalledTSAP  []byte // parameter 0xC2 (responding TSAP in a CC)
	// TPDUSize is the maximum TPDU size in octets, a power of two from 128
	// to 8192 (parameter 0xC0, §13.3.4 b); 0 when absent.
	TPDUSize int
	// PreferredTPDUSize is the preferred maximum TPDU size in octets, a
	// multiple of 128 (parameter 0xF0, §13.3.4 b); 0 when absent.
	PreferredTPDUSize int
	// AlternativeClasses holds the alternative protocol classes
	// (parameter 0xC7), one octet each with the class in the high four
	// bits (RFC 2126 §6.3: class 2 preferred, class 0 alternative).
	AlternativeClasses []byte
	// Other holds the other parameters, in the order received: version
	// number, protection, additional option selection, checksum (none
	// applies to class 0) and codes X.224 does not define, which a CR must
	// not be refused for.
	Other []Param
	// UserData follows the header (RFC 1006 §5 allows it in CR and CC).
	UserData []byte
}

// CC is a connection confirm TPDU (X.224 §13.4), laid out as a CR with the
// code 1101 and DST-REF set to the SRC-REF of the CR. CalledTSAP is the
// responding TSAP; AlternativeClasses does not apply.
type CC CR

func (*CR) Type() TPDUType { return TypeCR }
func (*CC) Type() TPDUType { return TypeCC }

// ParseCR decodes a CR TPDU. The result does not alias tpdu.
func ParseCR(tpdu []byte) (CR, error) {
	return parseConnect(tpdu, TypeCR)
}

// ParseCC decodes a CC TPDU. The result does not alias tpdu.
func ParseCC(tpdu []byte) (CC, error) {
	cr, err := parseConnect(tpdu, TypeCC)
	return CC(cr), err
}

func parseConnect(tpdu []byte, t TPDUType) (CR, error) {
	pdu := t.String()
	var c CR
	end, err := checkType(tpdu, t, 6)
	if err != nil {
		return c, err
	}
	c.CDT = tpdu[1] & 0x0F
	c.DstRef = uint16(tpdu[2])<<8 | uint16(tpdu[3])
	c.SrcRef = uint16(tpdu[4])<<8 | uint16(tpdu[5])
	c.Class = tpdu[6] >> 4
	c.Options = tpdu[6] & 0x0F
	if c.Class > 4 {
		e := errorf(pdu, "class", 6, CauseInvalidParamValue, "class %d does not exist", c.Class)
		e.Reason = ReasonNegotiationFailed
		return c, e
	}
	var seen [256]bool
	err = params(pdu, tpdu, 7, end, func(code byte, at int, val []byte) error {
		switch code {
		case ParamCallingTSAP, ParamCalledTSAP, ParamTPDUSize, ParamPreferredTPDUSize, ParamAlternativeClass:
			if seen[code] {
				return errorf(pdu, paramName(code), at, CauseInvalidParamCode, "parameter 0x%02x repeated", code)
			}
			seen[code] = true
		}
		switch code {
		case ParamCallingTSAP:
			c.CallingTSAP = bytes.Clone(val)
		case ParamCalledTSAP:
			c.CalledTSAP = bytes.Clone(val)
		case ParamTPDUSize:
			if len(val) != 1 || val[0] < 7 || val[0] > 13 {
				return errorf(pdu, "TPDU size", at+2, CauseInvalidParamValue, "value % x, want one octet 7..13", val)
			}
			c.TPDUSize = 1 << val[0]
		case ParamPreferredTPDUSize:
			if len(val) < 1 || len(val) > 4 {
				return errorf(pdu, "preferred maximum TPDU size", at+1, CauseInvalidParamValue, "length %d, want 1..4", len(val))
			}
			v := 0
			for _, b := range val {
				v = v<<8 | int(b)
			}
			if v == 0 {
				return errorf(pdu, "preferred maximum TPDU size", at+2, CauseInvalidParamValue, "value 0")
			}
			c.PreferredTPDUSize = v * 128
		case ParamAlternativeClass:
			if t != TypeCR {
				c.Other = append(c.Other, Param{Code: code, Value: bytes.Clone(val)})
				return nil
			}
			c.AlternativeClasses = bytes.Clone(val)
		default:
			c.Other = append(c.Other, Param{Code: code, Value: bytes.Clone(val)})
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	if end < len(tpdu) {
		c.UserData = bytes.Clone(tpdu[end:])
	}
	return c, nil
}

func paramName(code byte) string {
	switch code {
	case ParamTPDUSize:
		return "TPDU size"
	case ParamCallingTSAP:
		return "calling TSAP"
	case ParamCalledTSAP:
		return "called TSAP"
	case ParamPreferredTPDUSize:
		return "preferred maximum TPDU size"
	case ParamAlternativeClass:
		return "alternative class"
	case ParamAdditionalInfo:
		return "additional information"
	}
	return fmt.Sprintf("parameter 0x%02x", code)
}

// Append appends the encoded CR to dst.
func (c *CR) Append(dst []byte) ([]byte, error) {
	return appendConnect(dst, (*CR)(c), TypeCR)
}

// Append appends the encoded CC to dst.
func (c *CC) Append(dst []byte) ([]byte, error) {
	return appendConnect(dst, (*CR)(c), TypeCC)
}

func appendConnect(dst []byte, c *CR, t TPDUType) ([]byte, error) {
	pdu := t.String()
	if c.CDT > 15 || c.Class > 4 || c.Options > 15 {
		return dst, errorf(pdu, "class", 6, CauseInvalidParamValue, "credit %d, class %d or options %d out of range", c.CDT, c.Class, c.Options)
	}
	start := len(dst)
	dst = append(dst, 0, byte(t)|c.CDT, byte(c.DstRef>>8), byte(c.DstRef), byte(c.SrcRef>>8), byte(c.SrcRef), c.Class<<4|c.Options)
	for _, p := range []struct {
		code byte
		val  []byte
	}{{ParamCallingTSAP, c.CallingTSAP}, {ParamCalledTSAP, c.CalledTSAP}} {
		if p.val == nil {
			continue
		}
		if len(p.val) > 255 {
			return dst[:start], errorf(pdu, paramName(p.code), len(dst)-start, CauseInvalidParamValue, "%d octets, at most 255", len(p.val))
		}
		dst = appendParam(dst, p.code, p.val)
	}
	if c.TPDUSize != 0 {
		code, ok := tpduSizeCode(c.TPDUSize)
		if !ok {
			return dst[:start], errorf(pdu, "TPDU size", len(dst)-start, CauseInvalidParamValue, "%d is not a power of two from 128 to 8192", c.TPDUSize)
		}
		dst = append(dst, ParamTPDUSize, 1, code)
	}
	if c.PreferredTPDUSize != 0 {
		v := c.PreferredTPDUSize / 128
		if c.PreferredTPDUSize < 0 || c.PreferredTPDUSize%128 != 0 || v > 0xFFFFFFFF {
			return dst[:start], errorf(pdu, "preferred maximum TPDU size", len(dst)-start, CauseInvalidParamValue, "%d is not a multiple of 128 that fits 4 octets", c.PreferredTPDUSize)
		}
		n := (bits.Len64(uint64(v)) + 7) / 8
		dst = append(dst, ParamPreferredTPDUSize, byte(n))
		for i := n - 1; i >= 0; i-- {
			dst = append(dst, byte(v>>(8*i)))
		}
	}
	if c.AlternativeClasses != nil {
		if t != TypeCR {
			return dst[:start], errorf(pdu, "alternative class", len(dst)-start, CauseInvalidParamCode, "alternative classes only go in a CR")
		}
		if len(c.AlternativeClasses) > 255 {
			return dst[:start], errorf(pdu, "alternative class", len(dst)-start, CauseInvalidParamValue, "too many alternative classes")
		}
		dst = appendParam(dst, ParamAlternativeClass, c.AlternativeClasses)
	}
	dst, err := appendOther(dst, start, pdu, c.Other)
	if err != nil {
		return dst, err
	}
	hdrEnd := len(dst)
	dst = append(dst, c.UserData...)
	return finishHeader(dst, start, hdrEnd, pdu)
}

func appendOther(dst []byte, start int, pdu string, ps []Param) ([]byte, error) {
	for _, p := range ps {
		if len(p.Value) > 255 {
			return dst[:start], errorf(pdu, paramName(p.Code), len(dst)-start, CauseInvalidParamValue, "%d octets, at most 255", len(p.Value))
		}
		dst = appendParam(dst, p.Code, p.Value)
	}
	return dst, nil
}

func tpduSizeCode(size int) (byte, bool) {
	if size < 128 || size > 8192 || size&(size-1) != 0 {
		return 0, false
	}
	return byte(bits.TrailingZeros(uint(size))), true
}

// DR is a disconnect request TPDU (X.224 §13.5):
//
//	LI | 1000 0000 | DST-REF | SRC-REF | reason | variable part | user data
//
// PP sends it with reason 128 (normal) and nothing else.
type DR struct {
	DstRef uint16
	SrcRef uint16
	Reason DRReason
	// AdditionalInfo is the additional information parameter (0xE0); nil
	// when absent.
	AdditionalInfo []byte
	// Other holds any other parameter (a class 4 checksum, unknown codes).
	Other []Param
	// UserData is the disconnect user data (not used by class 0).
	UserData []byte
}

func (*DR) Type() TPDUType { return TypeDR }

// ParseDR decodes a DR TPDU. The result does not alias tpdu.
func ParseDR(tpdu []byte) (DR, error) {
	var d DR
	end, err := checkType(tpdu, TypeDR, 6)
	if err != nil {
		return d, err
	}
	d.DstRef = uint16(tpdu[2])<<8 | uint16(tpdu[3])
	d.SrcRef = uint16(tpdu[4])<<8 | uint16(tpdu[5])
	d.Reason = DRReason(tpdu[6])
	err = params("DR", tpdu, 7, end, func(code byte, at int, val []byte) error {
		if code == ParamAdditionalInfo {
			if d.AdditionalInfo != nil {
				return errorf("DR", "additional information", at, CauseInvalidParamCode, "parameter 0x%02x repeated", code)
			}
			d.AdditionalInfo = bytes.Clone(val)
			return nil
		}
		d.Other = append(d.Other, Param{Code: code, Value: bytes.Clone(val)})
		return nil
	})
	if err != nil {
		return d, err
	}
	if end < len(tpdu) {
		d.UserData = bytes.Clone(tpdu[end:])
	}
	return d, nil
}

// Append appends the encoded DR to dst.
func (d *DR) Append(dst []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, byte(TypeDR), byte(d.DstRef>>8), byte(d.DstRef), byte(d.SrcRef>>8), byte(d.SrcRef), byte(d.Reason))
	if d.AdditionalInfo != nil {
		if len(d.AdditionalInfo) > 255 {
			return dst[:start], errorf("DR", "additional information", 7, CauseInvalidParamValue, "%d octets, at most 255", len(d.AdditionalInfo))
		}
		dst = appendParam(dst, ParamAdditionalInfo, d.AdditionalInfo)
	}
	dst, err := appendOther(dst, start, "DR", d.Other)
	if err != nil {
		return dst, err
	}
	hdrEnd := len(dst)
	dst = append(dst, d.UserData...)
	return finishHeader(dst, start, hdrEnd, "DR")
}

// DT is a class 0 data TPDU (X.224 §13.7.1):
//
//	LI (2) | 1111 0000 | EOT, TPDU-NR (0) | user data
//
// Data aliases the TPDU it was decoded from.
type DT struct {
	EOT  bool // the last DT of a TSDU
	Data []byte
}

func (*DT) Type() TPDUType { return TypeDT }

// ParseDT decodes a class 0 DT TPDU without copying: data aliases tpdu. The
// length indicator must be 2 (class 0 has no variable part in a DT). The
// TPDU-NR bits are ignored, as RFC 1006 §6 says (class 0 sends them as 0).
func ParseDT(tpdu []byte) (data []byte, eot bool, err error) {
	if len(tpdu) < 3 || tpdu[0] != 2 || tpdu[1] != byte(TypeDT) {
		if _, err := checkType(tpdu, TypeDT, 2); err != nil {
			return nil, false, err
		}
		return nil, false, &Error{PDU: "DT", Field: "length indicator", Offset: 0, Cause: CauseInvalidParamValue, Reason: ReasonHeaderLength, Msg: fmt.Sprintf("length indicator %d, class 0 wants 2", tpdu[0])}
	}
	return tpdu[3:], tpdu[2]&0x80 != 0, nil
}

// AppendDTHeader appends the 3-octet header of a class 0 DT TPDU; the user
// data follows it.
func AppendDTHeader(dst []byte, eot bool) []byte {
	var e byte
	if eot {
		e = 0x80
	}
	return append(dst, 2, byte(TypeDT), e)
}

// Append appends the encoded DT to dst.
func (d *DT) Append(dst []byte) ([]byte, error) {
	if len(d.Data)+DTHeaderLen > MaxTPDULen {
		return dst, errorf("DT", "user data", DTHeaderLen, CauseInvalidParamValue, "%d octets of data exceed a TPKT", len(d.Data))
	}
	return append(AppendDTHeader(dst, d.EOT), d.Data...), nil
}

// ER is a TPDU error TPDU (X.224 §13.12):
//
//	LI | 0111 0000 | DST-REF | reject cause | variable part
type ER struct {
	DstRef uint16
	Cause  RejectCause
	// InvalidTPDU is the invalid TPDU parameter (0xC1): the header of the
	// rejected TPDU up to and including the octet that caused the
	// rejection; nil when absent.
	InvalidTPDU []byte
	// Other holds any other parameter (a class 4 checksum, unknown codes).
	Other []Param
}

func (*ER) Type() TPDUType { return TypeER }

// ParseER decodes an ER TPDU. Octets after the header (an ER has no user
// data) are ignored. The result does not alias tpdu.
func ParseER(tpdu []byte) (ER, error) {
	var e ER
	end, err := checkType(tpdu, TypeER, 4)
	if err != nil {
		return e, err
	}
	e.DstRef = uint16(tpdu[2])<<8 | uint16(tpdu[3])
	e.Cause = RejectCause(tpdu[4])
	err = params("ER", tpdu, 5, end, func(code byte, at int, val []byte) error {
		if code == ParamInvalidTPDU {
			if e.InvalidTPDU != nil {
				return errorf("ER", "invalid TPDU", at, CauseInvalidParamCode, "parameter 0x%02x repeated", code)
			}
			e.InvalidTPDU = bytes.Clone(val)
			return nil
		}
		e.Other = append(e.Other, Param{Code: code, Value: bytes.Clone(val)})
		return nil
	})
	return e, err
}

// Append appends the encoded ER to dst.
func (e *ER) Append(dst []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, byte(TypeER), byte(e.DstRef>>8), byte(e.DstRef), byte(e.Cause))
	if e.InvalidTPDU != nil {
		if len(e.InvalidTPDU) > 255 {
			return dst[:start], errorf("ER", "invalid TPDU", 5, CauseInvalidParamValue, "%d octets, at most 255", len(e.InvalidTPDU))
		}
		dst = appendParam(dst, ParamInvalidTPDU, e.InvalidTPDU)
	}
	dst, err := appendOther(dst, start, "ER", e.Other)
	if err != nil {
		return dst, err
	}
	return finishHeader(dst, start, len(dst), "ER")
}
