package session

import "strconv"

// AppendTSDU appends to dst one TSDU made of spdus (X.225 §6.3.7) and
// returns the extended slice. The sequence must be one DecodeTSDU accepts: a
// category 1 SPDU alone, or a category 0 SPDU (GT, PT) then category 2
// SPDUs (and, in extended concatenation, category 1 SPDUs after the first
// category 2 one); DT, EX and TD last. Errors are *Error; on error dst is
// returned unchanged in content (its length is restored).
func AppendTSDU(dst []byte, spdus ...SPDU) ([]byte, error) {
	start := len(dst)
	if len(spdus) == 0 {
		return dst, &Error{Msg: "no SPDU", Disconnect: TDRelease | TDProtocolError}
	}
	if len(spdus) > MaxSPDUs {
		return dst, limitf(spdus[MaxSPDUs].Kind, spdus[MaxSPDUs].Kind.SI(), 0, 0, "more than %d SPDUs in one TSDU", MaxSPDUs)
	}
	for i := range spdus {
		s := &spdus[i]
		k := s.Kind
		fail := func(format string, args ...any) ([]byte, error) {
			return dst[:start], errf(k, k.SI(), 0, len(dst)-start, format, args...)
		}
		if k == KindUnknown || k >= kindCount {
			return fail("cannot encode SPDU kind %d", int(k))
		}
		switch {
		case i == 0 && k.Category() == Category2:
			return fail("category 2 SPDU must follow a category 0 SPDU")
		case i == 0:
		case spdus[0].Kind.Category() == Category1:
			return fail("category 1 SPDU %s must be alone in its TSDU", spdus[0].Kind)
		case i == 1 && k.Category() != Category2:
			return fail("only a category 2 SPDU may follow a category 0 SPDU")
		case k.Category() == Category0 || (k.Category() == Category1 && laterBySI[k.SI()] != k):
			return fail("%s cannot be concatenated after a category 2 SPDU", k)
		}
		if k.HasUserInfo() && i != len(spdus)-1 {
			return fail("%s carries user information and must be last in its TSDU", k)
		}
		var err *Error
		dst, err = appendSPDU(dst, s, start)
		if err != nil {
			return dst[:start], err
		}
	}
	return dst, nil
}

// appendSPDU appends one SPDU; tsdu is the offset of the TSDU in dst, for
// error offsets.
func appendSPDU(dst []byte, s *SPDU, tsdu int) ([]byte, *Error) {
	k := s.Kind
	at := len(dst)
	fail := func(code byte, format string, args ...any) ([]byte, *Error) {
		return dst[:at], errf(k, k.SI(), code, at-tsdu, format, args...)
	}
	sync := s.SyncType.Ok && s.SyncType.V&SyncNoEnd != 0
	if k == KindMAP && !sync {
		return fail(piSyncType, "a MAP must carry a Sync Type Item with SyncNoEnd (else it is an AE)")
	}
	if k == KindAE && sync {
		return fail(piSyncType, "an AE must not carry SyncNoEnd in its Sync Type Item (else it is a MAP)")
	}
	dst = append(dst, k.SI(), 0)
	pstart := len(dst)
	var err *Error
	for code := 0; code < 256; code++ {
		c := byte(code)
		if dst, err = s.appendKnown(dst, c, at, tsdu); err != nil {
			return dst[:at], err
		}
		for _, u := range s.Unknown {
			if u.Code != c {
				continue
			}
			if topKnown[c] {
				return fail(c, "undecoded parameter with a decoded code")
			}
			dst = appendUnit(dst, c, u.Value)
		}
	}
	if len(s.Unknown) > maxUnknown {
		return fail(0, "more than %d undecoded parameters", maxUnknown)
	}
	li := len(dst) - pstart
	switch {
	case li > 0xFFFF:
		return fail(0, "parameters of %d octets, at most 65535", li)
	case li >= 0xFF:
		dst = append(dst, 0, 0)
		copy(dst[pstart+2:], dst[pstart:len(dst)-2])
		dst[pstart-1] = 0xFF
		dst[pstart] = byte(li >> 8)
		dst[pstart+1] = byte(li)
	default:
		dst[pstart-1] = byte(li)
	}
	if k.HasUserInfo() {
		dst = append(dst, s.Info...)
	} else if s.Info != nil {
		return fail(0, "%s has no user information field", k)
	}
	return dst, nil
}

func appendLen(dst []byte, n int) []byte {
	if n < 0xFF {
		return append(dst, byte(n))
	}
	return append(dst, 0xFF, byte(n>>8), byte(n))
}

func appendUnit(dst []byte, code byte, v []byte) []byte {
	dst = append(dst, code)
	dst = appendLen(dst, len(v))
	return append(dst, v...)
}

func appendTSDUMax(dst []byte, t TSDUMaxSize) []byte {
	if t.Wide || t.InitToResp > 0xFFFF || t.RespToInit > 0xFFFF {
		return appendUnit(dst, piTSDUMaxSize, []byte{
			byte(t.InitToResp >> 24), byte(t.InitToResp >> 16), byte(t.InitToResp >> 8), byte(t.InitToResp),
			byte(t.RespToInit >> 24), byte(t.RespToInit >> 16), byte(t.RespToInit >> 8), byte(t.RespToInit)})
	}
	return appendUnit(dst, piTSDUMaxSize, []byte{
		byte(t.InitToResp >> 8), byte(t.InitToResp), byte(t.RespToInit >> 8), byte(t.RespToInit)})
}

func appendSerial(dst []byte, code byte, n uint32) ([]byte, bool) {
	if n > 999999 {
		return dst, false
	}
	var b [6]byte
	return appendUnit(dst, code, strconv.AppendUint(b[:0], uint64(n), 10)), true
}

// appendKnown appends the decoded parameter of code c, if present.
func (s *SPDU) appendKnown(dst []byte, c byte, at, tsdu int) ([]byte, *Error) {
	fail := func(format string, args ...any) ([]byte, *Error) {
		return dst, errf(s.Kind, s.Kind.SI(), c, at-tsdu, format, args...)
	}
	one := func(o Opt[byte]) []byte {
		if o.Ok {
			return appendUnit(dst, c, []byte{o.V})
		}
		return dst
	}
	maxLen := func(v []byte, max int) ([]byte, *Error) {
		if v == nil {
			return dst, nil
		}
		if len(v) > max {
			return fail("%d octets, at most %d", len(v), max)
		}
		return appendUnit(dst, c, v), nil
	}
	switch c {
	case pgiConnectionID:
		if s.ConnID != nil {
			return s.ConnID.appendTo(dst, s.Kind, at-tsdu)
		}
	case pgiConnectAccept:
		if s.ConnAccept != nil {
			return s.ConnAccept.appendTo(dst, s.Kind, at-tsdu)
		}
	case pgiLinking:
		if s.Linking != nil {
			return s.Linking.appendTo(dst, s.Kind, at-tsdu)
		}
	case piSyncType:
		return one(s.SyncType), nil
	case piTokenItem:
		if s.Tokens.Ok {
			return appendUnit(dst, c, []byte{byte(s.Tokens.V)}), nil
		}
	case piTransportDisc:
		return one(s.Disconnect), nil
	case piRequirements:
		if s.Requirements.Ok {
			return appendUnit(dst, c, []byte{byte(s.Requirements.V >> 8), byte(s.Requirements.V)}), nil
		}
	case piTSDUMaxSize:
		if s.TSDUMaxSize.Ok {
			return appendTSDUMax(dst, s.TSDUMaxSize.V), nil
		}
	case piVersion:
		return one(s.Version), nil
	case piPrepareType:
		return one(s.PrepareType), nil
	case piEnclosure:
		return one(s.Enclosure), nil
	case piResyncType:
		return one(s.ResyncType), nil
	case piActivityID:
		return maxLen(s.ActivityID, 6)
	case piSerial:
		if s.Serial.Ok {
			d, ok := appendSerial(dst, c, s.Serial.V)
			if !ok {
				return fail("serial number %d above 999999", s.Serial.V)
			}
			return d, nil
		}
	case piReflect:
		return maxLen(s.Reflect, 0xFFFF)
	case piReason:
		if s.Reason.Ok {
			v := append([]byte{s.Reason.V}, s.ReasonData...)
			return maxLen(v, 0xFFFF)
		}
		if s.ReasonData != nil {
			return fail("reason data without a reason code")
		}
	case piCallingSSAP:
		return maxLen(s.CallingSSAP, 16)
	case piCalledSSAP:
		return maxLen(s.CalledSSAP, 16)
	case piDataOverflow:
		return one(s.DataOverflow), nil
	case pgiUserData:
		if !s.Extended {
			return maxLen(s.UserData, 0xFFFF)
		}
	case pgiExtUserData:
		if s.Extended {
			if s.UserData == nil {
				return fail("Extended set without user data")
			}
			return maxLen(s.UserData, 0xFFFF)
		}
	}
	return dst, nil
}

func (c *ConnectionID) appendTo(dst []byte, k Kind, off int) ([]byte, *Error) {
	at := len(dst)
	dst = append(dst, pgiConnectionID, 0)
	for code := 0; code < 256; code++ {
		b := byte(code)
		var v []byte
		max := 64
		switch b {
		case piCalledRef:
			v = c.CalledRef
		case piCallingRef:
			v = c.CallingRef
		case piCommonRef:
			v = c.CommonRef
		case piAdditionalRef:
			v, max = c.AdditionalRef, 4
		}
		if v != nil {
			if len(v) > max {
				return dst[:at], errf(k, k.SI(), b, off, "%d octets, at most %d", len(v), max)
			}
			dst = appendUnit(dst, b, v)
		}
		for _, u := range c.Unknown {
			if u.Code == b {
				if connIDKnown[b] {
					return dst[:at], errf(k, k.SI(), b, off, "undecoded parameter with a decoded code in PGI 1")
				}
				dst = appendUnit(dst, b, u.Value)
			}
		}
	}
	if len(c.Unknown) > maxUnknown {
		return dst[:at], errf(k, k.SI(), pgiConnectionID, off, "more than %d undecoded parameters", maxUnknown)
	}
	return closeGroup(dst, at, k, off)
}

// appendTo writes the Linking Information PGI (33) of an AR, X.225
// §8.3.30, its units in ascending code order (ISODE's order).
func (l *LinkingInfo) appendTo(dst []byte, k Kind, off int) ([]byte, *Error) {
	at := len(dst)
	dst = append(dst, pgiLinking, 0)
	for code := 0; code < 256; code++ {
		b := byte(code)
		var v []byte
		max := 64
		switch b {
		case piCalledRef:
			v = l.CalledRef
		case piCallingRef:
			v = l.CallingRef
		case piCommonRef:
			v = l.CommonRef
		case piAdditionalRef:
			v, max = l.AdditionalRef, 4
		case piActivityID:
			v, max = l.OldActivityID, 6
		case piSerial:
			if l.Serial.Ok {
				var ok bool
				if dst, ok = appendSerial(dst, b, l.Serial.V); !ok {
					return dst[:at], errf(k, k.SI(), b, off, "serial number %d above 999999", l.Serial.V)
				}
			}
		}
		if v != nil {
			if len(v) > max {
				return dst[:at], errf(k, k.SI(), b, off, "%d octets, at most %d", len(v), max)
			}
			dst = appendUnit(dst, b, v)
		}
		for _, u := range l.Unknown {
			if u.Code == b {
				if linkingKnown[b] {
					return dst[:at], errf(k, k.SI(), b, off, "undecoded parameter with a decoded code in PGI 33")
				}
				dst = appendUnit(dst, b, u.Value)
			}
		}
	}
	if len(l.Unknown) > maxUnknown {
		return dst[:at], errf(k, k.SI(), pgiLinking, off, "more than %d undecoded parameters", maxUnknown)
	}
	return closeGroup(dst, at, k, off)
}

func (c *ConnectAcceptItem) appendTo(dst []byte, k Kind, off int) ([]byte, *Error) {
	at := len(dst)
	dst = append(dst, pgiConnectAccept, 0)
	for code := 0; code < 256; code++ {
		b := byte(code)
		switch b {
		case piProtocolOpts:
			if c.ProtocolOptions.Ok {
				dst = appendUnit(dst, b, []byte{c.ProtocolOptions.V})
			}
		case piTSDUMaxSize:
			if c.TSDUMaxSize.Ok {
				dst = appendTSDUMax(dst, c.TSDUMaxSize.V)
			}
		case piVersion:
			if c.Version.Ok {
				dst = appendUnit(dst, b, []byte{c.Version.V})
			}
		case piInitialSerial:
			if c.InitialSerial.Ok {
				var ok bool
				if dst, ok = appendSerial(dst, b, c.InitialSerial.V); !ok {
					return dst[:at], errf(k, k.SI(), b, off, "initial serial number %d above 999999", c.InitialSerial.V)
				}
			}
		case piTokenSetting:
			if c.TokenSetting.Ok {
				dst = appendUnit(dst, b, []byte{byte(c.TokenSetting.V)})
			}
		}
		for _, u := range c.Unknown {
			if u.Code == b {
				if connAcceptKnown[b] {
					return dst[:at], errf(k, k.SI(), b, off, "undecoded parameter with a decoded code in PGI 5")
				}
				dst = appendUnit(dst, b, u.Value)
			}
		}
	}
	if len(c.Unknown) > maxUnknown {
		return dst[:at], errf(k, k.SI(), pgiConnectAccept, off, "more than %d undecoded parameters", maxUnknown)
	}
	return closeGroup(dst, at, k, off)
}

// closeGroup sets the LI of the PGI that starts at dst[at] (code, one
// placeholder LI octet, then its PI units).
func closeGroup(dst []byte, at int, k Kind, off int) ([]byte, *Error) {
	vstart := at + 2
	n := len(dst) - vstart
	switch {
	case n > 0xFFFF:
		return dst[:at], errf(k, k.SI(), dst[at], off, "PGI of %d octets, at most 65535", n)
	case n >= 0xFF:
		dst = append(dst, 0, 0)
		copy(dst[vstart+2:], dst[vstart:len(dst)-2])
		dst[vstart-1] = 0xFF
		dst[vstart] = byte(n >> 8)
		dst[vstart+1] = byte(n)
	default:
		dst[vstart-1] = byte(n)
	}
	return dst, nil
}

// AppendDataHeader appends to dst the start of the TSDU of an S-DATA in
// half-duplex: an empty GIVE TOKENS (X.225 §8.3.16) and the header of a
// DATA TRANSFER SPDU without parameters (§8.3.11, SI 1 and LI 0). The
// caller appends the user information, which runs to the end of the TSDU.
// It is what AppendTSDU writes for a GT and a DT whose Info is appended.
func AppendDataHeader(dst []byte) []byte {
	return append(dst, KindGT.SI(), 0, KindDT.SI(), 0)
}
