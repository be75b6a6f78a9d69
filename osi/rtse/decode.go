package rtse

import (
	"mixerd/ber"
)

// Decode decodes one normal mode RTSE-apdus value (the value of a PDV of
// the RTSE abstract syntax, or of the EXTERNAL of the ACSE user
// information).
func Decode(b []byte) (*APDU, error) {
	r := ber.NewReader(b, nil)
	e, err := r.Next()
	if err != nil {
		return nil, wrap("RTSE-apdus", "", err)
	}
	if err := r.End("RTSE-apdus"); err != nil {
		return nil, wrap("RTSE-apdus", "", err)
	}
	a := &APDU{}
	switch e.Tag {
	case TagRTORQ:
		a.RTORQ, err = readRTORQ(&e)
	case TagRTOAC:
		a.RTOAC, err = readRTOAC(&e)
	case TagRTORJ:
		a.RTORJ, err = readRTORJ(&e)
	case TagRTAB:
		a.RTAB, err = readRTAB(&e)
	case ber.Integer:
		var v int
		if v, err = e.Int(); err != nil {
			err = wrap("RTTP", "", err)
		}
		a.RTTP = &v
	case ber.OctetString:
		if a.RTTR, err = e.Bytes(); err != nil {
			err = wrap("RTTR", "", err)
		}
	default:
		return nil, fail("RTSE-apdus", "", e.Offset, "unexpected %s", e.Tag)
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// one reads the single element of b with tag t.
func one(b []byte, t ber.Tag, apdu string) (ber.Element, error) {
	r := ber.NewReader(b, nil)
	e, err := r.Expect(t)
	if err != nil {
		return e, wrap(apdu, "", err)
	}
	if err := r.End(apdu); err != nil {
		return e, wrap(apdu, "", err)
	}
	return e, nil
}

// DecodeRTORQ decodes an RTORQapdu whose (implicit) tag is t: TagRTORQ in
// normal mode, TagX410Params for the x410-mode-parameters of a CP-type.
func DecodeRTORQ(b []byte, t ber.Tag) (*RTORQ, error) {
	e, err := one(b, t, "RTORQ")
	if err != nil {
		return nil, err
	}
	return readRTORQ(&e)
}

// DecodeRTOAC decodes an RTOACapdu whose tag is t (TagRTOAC or TagX410Params).
func DecodeRTOAC(b []byte, t ber.Tag) (*RTOAC, error) {
	e, err := one(b, t, "RTOAC")
	if err != nil {
		return nil, err
	}
	return readRTOAC(&e)
}

// DecodeRTORJ decodes an RTORJapdu whose tag is t (TagRTORJ or TagSet).
func DecodeRTORJ(b []byte, t ber.Tag) (*RTORJ, error) {
	e, err := one(b, t, "RTORJ")
	if err != nil {
		return nil, err
	}
	return readRTORJ(&e)
}

// DecodeRTAB decodes an RTABapdu whose tag is t (TagRTAB or TagSet).
func DecodeRTAB(b []byte, t ber.Tag) (*RTAB, error) {
	e, err := one(b, t, "RTAB")
	if err != nil {
		return nil, err
	}
	return readRTAB(&e)
}

// set walks the components of a SET, each a context-specific tag in
// allowed (a bit mask of tag numbers) at most once.
func set(e *ber.Element, apdu string, allowed uint32, f func(c *ber.Element) error) error {
	c, err := e.Children()
	if err != nil {
		return wrap(apdu, "", err)
	}
	var seen uint32
	for !c.Empty() {
		x, err := c.Next()
		if err != nil {
			return wrap(apdu, "", err)
		}
		n := x.Tag.Number
		if x.Tag.Class != ber.ClassContext || n > 31 || allowed&(1<<n) == 0 {
			return fail(apdu, "", x.Offset, "unexpected %s", x.Tag)
		}
		if seen&(1<<n) != 0 {
			return fail(apdu, "", x.Offset, "%s repeated", x.Tag)
		}
		seen |= 1 << n
		if err := f(&x); err != nil {
			return err
		}
	}
	return nil
}

func intField(e *ber.Element, apdu, field string) (int, error) {
	v, err := e.Int()
	if err != nil {
		return 0, wrap(apdu, field, err)
	}
	return v, nil
}

// explicitAny returns the complete encoding of the one element inside an
// explicit tag ([n] ANY).
func explicitAny(e *ber.Element, apdu, field string) ([]byte, error) {
	c, err := e.Children()
	var in ber.Element
	if err == nil {
		in, err = c.Next()
	}
	if err == nil {
		err = c.End(field)
	}
	if err != nil {
		return nil, wrap(apdu, field, err)
	}
	return in.Raw, nil
}

func readConnectionData(e *ber.Element, apdu, field string) (ConnectionData, error) {
	var cd ConnectionData
	c, err := e.Children()
	var in ber.Element
	if err == nil {
		in, err = c.Next()
	}
	if err == nil {
		err = c.End(field)
	}
	if err != nil {
		return cd, wrap(apdu, field, err)
	}
	switch in.Tag {
	case ber.Context(0):
		if !in.Constructed {
			if len(in.Content) != 0 {
				return cd, fail(apdu, field, in.Offset, "open: [0] IMPLICIT NULL with contents")
			}
			return cd, nil
		}
		cd.Open, err = explicitAny(&in, apdu, field)
		return cd, err
	case ber.Context(1):
		s, err := readSCI(&in, apdu)
		cd.Recover = s
		return cd, err
	}
	return cd, fail(apdu, field, in.Offset, "unexpected %s", in.Tag)
}

func readSCI(e *ber.Element, apdu string) (*SessionConnectionID, error) {
	const field = "recover"
	c, err := e.Children()
	if err != nil {
		return nil, wrap(apdu, field, err)
	}
	s := &SessionConnectionID{}
	x, err := c.Next()
	if err != nil {
		return nil, wrap(apdu, "callingSSuserReference", err)
	}
	switch x.Tag {
	case ber.TeletexString:
		s.CallingT61 = true
	case ber.OctetString:
	default:
		return nil, fail(apdu, "callingSSuserReference", x.Offset, "unexpected %s", x.Tag)
	}
	if s.CallingRef, err = x.Bytes(); err != nil {
		return nil, wrap(apdu, "callingSSuserReference", err)
	}
	x, err = c.Expect(ber.UTCTimeTag)
	if err == nil {
		s.CommonRef, err = x.Bytes()
	}
	if err != nil {
		return nil, wrap(apdu, "commonReference", err)
	}
	if x, ok, err := c.Optional(ber.Context(0)); err != nil {
		return nil, wrap(apdu, "additionalReferenceInformation", err)
	} else if ok {
		if s.AdditionalInfo, err = x.Bytes(); err != nil {
			return nil, wrap(apdu, "additionalReferenceInformation", err)
		}
	}
	if err := c.End("SessionConnectionIdentifier"); err != nil {
		return nil, wrap(apdu, field, err)
	}
	return s, nil
}

func readRTORQ(e *ber.Element) (*RTORQ, error) {
	const apdu = "RTORQ"
	q := &RTORQ{WindowSize: 3}
	seenCD := false
	err := set(e, apdu, 0x1f, func(x *ber.Element) (err error) {
		switch x.Tag.Number {
		case 0:
			q.Explicit |= ExplicitCheckpointSize
			q.CheckpointSize, err = intField(x, apdu, "checkpointSize")
		case 1:
			q.Explicit |= ExplicitWindowSize
			q.WindowSize, err = intField(x, apdu, "windowSize")
		case 2:
			q.Explicit |= ExplicitDialogueMode
			var v int
			v, err = intField(x, apdu, "dialogueMode")
			if err == nil && v != 0 && v != 1 {
				err = fail(apdu, "dialogueMode", x.Offset, "value %d", v)
			}
			q.DialogueMode = DialogueMode(v)
		case 3:
			seenCD = true
			q.ConnectionData, err = readConnectionData(x, apdu, "connectionDataRQ")
		case 4:
			var v int
			v, err = intField(x, apdu, "applicationProtocol")
			q.ApplicationProtocol = &v
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !seenCD {
		return nil, fail(apdu, "connectionDataRQ", e.Offset, "missing")
	}
	if q.CheckpointSize < 0 || q.WindowSize < 0 {
		return nil, &Error{APDU: apdu, Field: "checkpointSize", Offset: e.Offset, Reason: InvalidParameter, Msg: "negative checkpoint or window size"}
	}
	return q, nil
}

func readRTOAC(e *ber.Element) (*RTOAC, error) {
	const apdu = "RTOAC"
	a := &RTOAC{WindowSize: 3}
	seenCD := false
	err := set(e, apdu, 0x7, func(x *ber.Element) (err error) {
		switch x.Tag.Number {
		case 0:
			a.Explicit |= ExplicitCheckpointSize
			a.CheckpointSize, err = intField(x, apdu, "checkpointSize")
		case 1:
			a.Explicit |= ExplicitWindowSize
			a.WindowSize, err = intField(x, apdu, "windowSize")
		case 2:
			seenCD = true
			a.ConnectionData, err = readConnectionData(x, apdu, "connectionDataAC")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !seenCD {
		return nil, fail(apdu, "connectionDataAC", e.Offset, "missing")
	}
	if a.CheckpointSize < 0 || a.WindowSize < 0 {
		return nil, &Error{APDU: apdu, Field: "checkpointSize", Offset: e.Offset, Reason: InvalidParameter, Msg: "negative checkpoint or window size"}
	}
	return a, nil
}

func readRTORJ(e *ber.Element) (*RTORJ, error) {
	const apdu = "RTORJ"
	j := &RTORJ{}
	err := set(e, apdu, 0x3, func(x *ber.Element) (err error) {
		switch x.Tag.Number {
		case 0:
			var v int
			v, err = intField(x, apdu, "refuseReason")
			r := RefuseReason(v)
			j.RefuseReason = &r
		case 1:
			j.UserData, err = explicitAny(x, apdu, "userDataRJ")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

func readRTAB(e *ber.Element) (*RTAB, error) {
	const apdu = "RTAB"
	a := &RTAB{}
	err := set(e, apdu, 0x7, func(x *ber.Element) (err error) {
		switch x.Tag.Number {
		case 0:
			var v int
			v, err = intField(x, apdu, "abortReason")
			r := AbortReason(v)
			a.AbortReason = &r
		case 1:
			var bs ber.BitString
			if bs, err = x.BitString(); err != nil {
				return wrap(apdu, "reflectedParameter", err)
			}
			if bs.Len > 8 {
				return fail(apdu, "reflectedParameter", x.Offset, "%d bits, at most 8", bs.Len)
			}
			bs = cleanBits(bs)
			a.ReflectedParameter = &bs
		case 2:
			a.UserData, err = explicitAny(x, apdu, "userdataAB")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// cleanBits returns bs with its unused trailing bits zero, as the encoders
// write them.
func cleanBits(bs ber.BitString) ber.BitString {
	n := (bs.Len + 7) / 8
	if bs.Bytes == nil {
		bs.Bytes = []byte{}
	}
	bs.Bytes = bs.Bytes[:n:n]
	if r := bs.Len % 8; r != 0 {
		last := bs.Bytes[n-1] & (0xff << (8 - r))
		if last != bs.Bytes[n-1] {
			c := make([]byte, n)
			copy(c, bs.Bytes)
			c[n-1] = last
			bs.Bytes = c
		}
	}
	return bs
}
