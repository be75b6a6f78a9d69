package session

import "strconv"

// Bounds of this package (beyond those of X.225).
const (
	// MaxSPDUs is the most SPDUs DecodeTSDU accepts in one TSDU.
	MaxSPDUs = 16
	// maxUnknown is the most undecoded parameters kept per SPDU or PGI.
	maxUnknown = 32
)

// Parameter codes, X.225 §8.3 (PI and PGI codes).
const (
	pgiConnectionID  byte = 1
	pgiConnectAccept byte = 5
	piCalledRef      byte = 9
	piCallingRef     byte = 10
	piCommonRef      byte = 11
	piAdditionalRef  byte = 12
	pgiLinking       byte = 33
	piSyncType       byte = 15
	piTokenItem      byte = 16
	piTransportDisc  byte = 17
	piProtocolOpts   byte = 19
	piRequirements   byte = 20
	piTSDUMaxSize    byte = 21
	piVersion        byte = 22
	piInitialSerial  byte = 23
	piPrepareType    byte = 24
	piEnclosure      byte = 25
	piTokenSetting   byte = 26
	piResyncType     byte = 27
	piActivityID     byte = 41
	piSerial         byte = 42
	piReflect        byte = 49
	piReason         byte = 50
	piCallingSSAP    byte = 51
	piCalledSSAP     byte = 52
	piDataOverflow   byte = 60
	pgiUserData      byte = 193
	pgiExtUserData   byte = 194
)

// DecodeTSDU decodes the SPDUs of one TSDU (X.225 §6.3.7, §8.2). The
// returned SPDUs alias b. It accepts basic and extended concatenation (see
// the package doc) and at most MaxSPDUs SPDUs. Errors are *Error.
func DecodeTSDU(b []byte) ([]SPDU, error) {
	return AppendDecodeTSDU(nil, b)
}

// AppendDecodeTSDU is DecodeTSDU appending the SPDUs to dst, so that a
// reader reuses one slice for every TSDU (dst[:0]).
func AppendDecodeTSDU(dst []SPDU, b []byte) ([]SPDU, error) {
	if len(b) == 0 {
		return nil, errf(KindUnknown, 0, 0, 0, "empty TSDU")
	}
	out := dst[:0]
	off := 0
	for off < len(b) {
		si := b[off]
		var k Kind
		switch {
		case len(out) == 0:
			k = firstBySI[si]
		case len(out) == MaxSPDUs:
			return nil, limitf(laterBySI[si], si, 0, off, "more than %d SPDUs in one TSDU", MaxSPDUs)
		case out[0].Kind.Category() == Category1:
			return nil, errf(out[0].Kind, out[0].Kind.SI(), 0, off, "category 1 SPDU followed by %d more octets", len(b)-off)
		default:
			k = laterBySI[si]
			if len(out) == 1 && k.Category() != Category2 {
				return nil, errf(k, si, 0, off, "SPDU SI %d cannot follow a category 0 SPDU", si)
			}
		}
		if k == KindUnknown {
			return nil, errf(KindUnknown, si, 0, off, "unknown or misplaced SPDU SI %d", si)
		}
		s, n, err := decodeSPDU(b, off, k)
		if err != nil {
			return nil, err
		}
		off += n
		if k.HasUserInfo() {
			s.Info = b[off:]
			off = len(b)
		}
		out = append(out, s)
	}
	return out, nil
}

// readLen reads an LI at b[off:] (X.225 §8.2) and returns the length and
// the octets the LI took.
func readLen(b []byte, off int) (n, w int, ok bool) {
	if off >= len(b) {
		return 0, 0, false
	}
	if b[off] != 0xFF {
		return int(b[off]), 1, true
	}
	if off+3 > len(b) {
		return 0, 0, false
	}
	return int(b[off+1])<<8 | int(b[off+2]), 3, true
}

// unit is one PI or PGI unit: its code, value and the offset of its code.
type unit struct {
	code byte
	val  []byte
	off  int // offset of the code
	voff int // offset of the value
}

// nextUnit reads the PI/PGI unit at p[i:], where p starts at TSDU offset
// base. It returns the unit and the index after it.
func nextUnit(p []byte, i, base int, k Kind, si, pgi byte) (unit, int, *Error) {
	code := p[i]
	n, w, ok := readLen(p, i+1)
	if !ok {
		return unit{}, 0, errf(k, si, code, base+i, "truncated parameter length")
	}
	start := i + 1 + w
	if n > len(p)-start {
		if pgi != 0 {
			return unit{}, 0, errf(k, si, code, base+i, "parameter length %d overruns PGI %d", n, pgi)
		}
		return unit{}, 0, errf(k, si, code, base+i, "parameter length %d overruns the SPDU", n)
	}
	return unit{code: code, val: p[start : start+n], off: base + i, voff: base + start}, start + n, nil
}

func decodeSPDU(b []byte, off int, k Kind) (SPDU, int, *Error) {
	si := b[off]
	li, w, ok := readLen(b, off+1)
	if !ok {
		return SPDU{}, 0, errf(k, si, 0, off+1, "truncated length indicator")
	}
	pstart := off + 1 + w
	if li > len(b)-pstart {
		return SPDU{}, 0, errf(k, si, 0, off+1, "length %d overruns the TSDU (%d octets left)", li, len(b)-pstart)
	}
	s := SPDU{Kind: k}
	p := b[pstart : pstart+li]
	var seen [256]bool
	for i := 0; i < len(p); {
		u, next, err := nextUnit(p, i, pstart, k, si, 0)
		if err != nil {
			return SPDU{}, 0, err
		}
		i = next
		if err := s.setParam(u, &seen, si); err != nil {
			return SPDU{}, 0, err
		}
	}
	if k == KindMAP && !(s.SyncType.Ok && s.SyncType.V&SyncNoEnd != 0) {
		s.Kind = KindAE
	}
	return s, 1 + w + li, nil
}

func (s *SPDU) setParam(u unit, seen *[256]bool, si byte) *Error {
	k := s.Kind
	if topKnown[u.code] {
		if seen[u.code] {
			return errf(k, si, u.code, u.off, "parameter repeated")
		}
		seen[u.code] = true
	}
	bad := func(format string, args ...any) *Error { return errf(k, si, u.code, u.off, format, args...) }
	v := u.val
	switch u.code {
	case pgiConnectionID:
		c, err := decodeConnID(u, k, si)
		if err != nil {
			return err
		}
		s.ConnID = c
	case pgiConnectAccept:
		c, err := decodeConnAccept(u, k, si)
		if err != nil {
			return err
		}
		s.ConnAccept = c
	case pgiLinking:
		l, err := decodeLinking(u, k, si)
		if err != nil {
			return err
		}
		s.Linking = l
	case piTokenItem:
		if len(v) != 1 {
			return bad("length %d, want 1", len(v))
		}
		s.Tokens = Some(Tokens(v[0]))
	case piSyncType, piTransportDisc, piVersion, piPrepareType, piEnclosure, piResyncType, piDataOverflow:
		if len(v) != 1 {
			return bad("length %d, want 1", len(v))
		}
		*s.byteField(u.code) = Some(v[0])
	case piRequirements:
		if len(v) != 2 {
			return bad("length %d, want 2", len(v))
		}
		s.Requirements = Some(FunctionalUnits(uint16(v[0])<<8 | uint16(v[1])))
	case piTSDUMaxSize:
		t, err := decodeTSDUMax(v)
		if err != "" {
			return bad("%s", err)
		}
		s.TSDUMaxSize = Some(t)
	case piActivityID:
		if len(v) > 6 {
			return bad("activity identifier of %d octets, at most 6", len(v))
		}
		s.ActivityID = nonNil(v)
	case piSerial:
		n, err := decodeSerial(v)
		if err != "" {
			return bad("%s", err)
		}
		s.Serial = Some(n)
	case piReflect:
		s.Reflect = nonNil(v)
	case piReason:
		if len(v) == 0 {
			return bad("empty reason code")
		}
		s.Reason = Some(v[0])
		if len(v) > 1 {
			s.ReasonData = v[1:]
		}
	case piCallingSSAP, piCalledSSAP:
		if len(v) > 16 {
			return bad("session selector of %d octets, at most 16", len(v))
		}
		if u.code == piCallingSSAP {
			s.CallingSSAP = nonNil(v)
		} else {
			s.CalledSSAP = nonNil(v)
		}
	case pgiUserData, pgiExtUserData:
		if seen[pgiUserData] && seen[pgiExtUserData] {
			return bad("both User Data and Extended User Data")
		}
		s.UserData = nonNil(v)
		s.Extended = u.code == pgiExtUserData
	default:
		if len(s.Unknown) == maxUnknown {
			return limitf(k, si, u.code, u.off, "more than %d undecoded parameters", maxUnknown)
		}
		s.Unknown = insertParam(s.Unknown, Param{Code: u.code, Value: v})
	}
	return nil
}

// topKnown lists the codes decoded into SPDU fields.
var topKnown = func() (t [256]bool) {
	for _, c := range []byte{pgiConnectionID, pgiConnectAccept, pgiLinking, piSyncType, piTokenItem, piTransportDisc,
		piRequirements, piTSDUMaxSize, piVersion, piPrepareType, piEnclosure, piResyncType, piActivityID,
		piSerial, piReflect, piReason, piCallingSSAP, piCalledSSAP, piDataOverflow, pgiUserData, pgiExtUserData} {
		t[c] = true
	}
	return t
}()

var connIDKnown = func() (t [256]bool) {
	for _, c := range []byte{piCalledRef, piCallingRef, piCommonRef, piAdditionalRef} {
		t[c] = true
	}
	return t
}()

var linkingKnown = func() (t [256]bool) {
	for _, c := range []byte{piCalledRef, piCallingRef, piCommonRef, piAdditionalRef, piActivityID, piSerial} {
		t[c] = true
	}
	return t
}()

var connAcceptKnown = func() (t [256]bool) {
	for _, c := range []byte{piProtocolOpts, piTSDUMaxSize, piVersion, piInitialSerial, piTokenSetting} {
		t[c] = true
	}
	return t
}()

// byteField returns the one-octet field of code c.
func (s *SPDU) byteField(c byte) *Opt[byte] {
	switch c {
	case piSyncType:
		return &s.SyncType
	case piTransportDisc:
		return &s.Disconnect
	case piVersion:
		return &s.Version
	case piPrepareType:
		return &s.PrepareType
	case piEnclosure:
		return &s.Enclosure
	case piResyncType:
		return &s.ResyncType
	default: // piDataOverflow
		return &s.DataOverflow
	}
}

// insertParam adds p to ps, kept in ascending code order (stable), the
// order in which AppendTSDU writes them back.
func insertParam(ps []Param, p Param) []Param {
	i := len(ps)
	for i > 0 && ps[i-1].Code > p.Code {
		i--
	}
	ps = append(ps, Param{})
	copy(ps[i+1:], ps[i:])
	ps[i] = p
	return ps
}

func nonNil(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
}

func decodeTSDUMax(v []byte) (TSDUMaxSize, string) {
	switch len(v) {
	case 4:
		return TSDUMaxSize{
			InitToResp: uint32(v[0])<<8 | uint32(v[1]),
			RespToInit: uint32(v[2])<<8 | uint32(v[3]),
		}, ""
	case 8:
		return TSDUMaxSize{
			InitToResp: uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3]),
			RespToInit: uint32(v[4])<<24 | uint32(v[5])<<16 | uint32(v[6])<<8 | uint32(v[7]),
			Wide:       true,
		}, ""
	}
	return TSDUMaxSize{}, "TSDU maximum size of " + itoa(len(v)) + " octets, want 4 or 8"
}

// decodeSerial reads a serial number: 1 to 6 ASCII decimal digits, X.225
// §8.3.20.
func decodeSerial(v []byte) (uint32, string) {
	if len(v) == 0 || len(v) > 6 {
		return 0, "serial number of " + itoa(len(v)) + " digits, want 1 to 6"
	}
	var n uint32
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, "serial number digit is not ASCII 0-9"
		}
		n = n*10 + uint32(c-'0')
	}
	return n, ""
}

func decodeConnID(u unit, k Kind, si byte) (*ConnectionID, *Error) {
	c := &ConnectionID{}
	var seen [256]bool
	base := u.voff
	for i := 0; i < len(u.val); {
		p, next, err := nextUnit(u.val, i, base, k, si, u.code)
		if err != nil {
			return nil, err
		}
		i = next
		if connIDKnown[p.code] {
			if seen[p.code] {
				return nil, errf(k, si, p.code, p.off, "parameter repeated in PGI 1")
			}
			seen[p.code] = true
		}
		max := 64
		if p.code == piAdditionalRef {
			max = 4
		}
		if connIDKnown[p.code] && len(p.val) > max {
			return nil, errf(k, si, p.code, p.off, "%d octets, at most %d", len(p.val), max)
		}
		switch p.code {
		case piCalledRef:
			c.CalledRef = nonNil(p.val)
		case piCallingRef:
			c.CallingRef = nonNil(p.val)
		case piCommonRef:
			c.CommonRef = nonNil(p.val)
		case piAdditionalRef:
			c.AdditionalRef = nonNil(p.val)
		default:
			if len(c.Unknown) == maxUnknown {
				return nil, limitf(k, si, p.code, p.off, "more than %d undecoded parameters in PGI 1", maxUnknown)
			}
			c.Unknown = insertParam(c.Unknown, Param{Code: p.code, Value: p.val})
		}
	}
	return c, nil
}

// decodeLinking decodes the Linking Information PGI (33) of an AR, X.225
// §8.3.30.
func decodeLinking(u unit, k Kind, si byte) (*LinkingInfo, *Error) {
	l := &LinkingInfo{}
	var seen [256]bool
	for i := 0; i < len(u.val); {
		p, next, err := nextUnit(u.val, i, u.voff, k, si, u.code)
		if err != nil {
			return nil, err
		}
		i = next
		if linkingKnown[p.code] {
			if seen[p.code] {
				return nil, errf(k, si, p.code, p.off, "parameter repeated in PGI 33")
			}
			seen[p.code] = true
		}
		bad := func(format string, args ...any) *Error { return errf(k, si, p.code, p.off, format, args...) }
		max := 64
		switch p.code {
		case piAdditionalRef:
			max = 4
		case piActivityID:
			max = 6
		}
		if linkingKnown[p.code] && p.code != piSerial && len(p.val) > max {
			return nil, bad("%d octets, at most %d", len(p.val), max)
		}
		switch p.code {
		case piCalledRef:
			l.CalledRef = nonNil(p.val)
		case piCallingRef:
			l.CallingRef = nonNil(p.val)
		case piCommonRef:
			l.CommonRef = nonNil(p.val)
		case piAdditionalRef:
			l.AdditionalRef = nonNil(p.val)
		case piActivityID:
			l.OldActivityID = nonNil(p.val)
		case piSerial:
			n, e := decodeSerial(p.val)
			if e != "" {
				return nil, bad("%s", e)
			}
			l.Serial = Some(n)
		default:
			if len(l.Unknown) == maxUnknown {
				return nil, limitf(k, si, p.code, p.off, "more than %d undecoded parameters in PGI 33", maxUnknown)
			}
			l.Unknown = insertParam(l.Unknown, Param{Code: p.code, Value: p.val})
		}
	}
	return l, nil
}

func decodeConnAccept(u unit, k Kind, si byte) (*ConnectAcceptItem, *Error) {
	c := &ConnectAcceptItem{}
	var seen [256]bool
	base := u.voff
	for i := 0; i < len(u.val); {
		p, next, err := nextUnit(u.val, i, base, k, si, u.code)
		if err != nil {
			return nil, err
		}
		i = next
		if connAcceptKnown[p.code] {
			if seen[p.code] {
				return nil, errf(k, si, p.code, p.off, "parameter repeated in PGI 5")
			}
			seen[p.code] = true
		}
		bad := func(format string, args ...any) *Error { return errf(k, si, p.code, p.off, format, args...) }
		switch p.code {
		case piProtocolOpts, piVersion, piTokenSetting:
			if len(p.val) != 1 {
				return nil, bad("length %d, want 1", len(p.val))
			}
			switch p.code {
			case piProtocolOpts:
				c.ProtocolOptions = Some(p.val[0])
			case piVersion:
				c.Version = Some(p.val[0])
			default:
				c.TokenSetting = Some(TokenSetting(p.val[0]))
			}
		case piTSDUMaxSize:
			t, e := decodeTSDUMax(p.val)
			if e != "" {
				return nil, bad("%s", e)
			}
			c.TSDUMaxSize = Some(t)
		case piInitialSerial:
			n, e := decodeSerial(p.val)
			if e != "" {
				return nil, bad("%s", e)
			}
			c.InitialSerial = Some(n)
		default:
			if len(c.Unknown) == maxUnknown {
				return nil, limitf(k, si, p.code, p.off, "more than %d undecoded parameters in PGI 5", maxUnknown)
			}
			c.Unknown = insertParam(c.Unknown, Param{Code: p.code, Value: p.val})
		}
	}
	return c, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
