package rtse

import (
	"mixerd/ber"
)

func checkOne(raw []byte, apdu, field string) error {
	r := ber.NewReader(raw, nil)
	if _, err := r.Next(); err != nil {
		return wrap(apdu, field, err)
	}
	if !r.Empty() {
		return fail(apdu, field, r.Offset(), "more than one element")
	}
	return nil
}

func explicitRaw(b *ber.Builder, t ber.Tag, raw []byte, apdu, field string) {
	if err := checkOne(raw, apdu, field); err != nil {
		b.Fail(err)
		return
	}
	m := b.Begin(t)
	b.AddRaw(raw)
	b.End(m)
}

func addConnectionData(b *ber.Builder, t ber.Tag, cd *ConnectionData, apdu, field string) {
	m := b.Begin(t)
	switch {
	case cd.Recover != nil:
		s := cd.Recover
		r := b.Begin(ber.Context(1))
		if s.CallingT61 {
			b.AddPrimitive(ber.TeletexString, s.CallingRef)
		} else {
			b.AddPrimitive(ber.OctetString, s.CallingRef)
		}
		b.AddPrimitive(ber.UTCTimeTag, s.CommonRef)
		if s.AdditionalInfo != nil {
			b.AddPrimitive(ber.Context(0), s.AdditionalInfo)
		}
		b.End(r)
	case cd.Open != nil:
		explicitRaw(b, ber.Context(0), cd.Open, apdu, field)
	default:
		b.AddNull(ber.Context(0))
	}
	b.End(m)
}

func sizes(b *ber.Builder, cp, win int, ex Explicit, apdu string) {
	if cp < 0 || win < 0 {
		b.Fail(fail(apdu, "checkpointSize", 0, "negative checkpoint or window size"))
	}
	if cp != 0 || ex&ExplicitCheckpointSize != 0 {
		b.AddInt(ber.Context(0), int64(cp))
	}
	if win != 3 || ex&ExplicitWindowSize != 0 {
		b.AddInt(ber.Context(1), int64(win))
	}
}

func finish(dst []byte, b *ber.Builder) ([]byte, error) {
	if err := b.Err(); err != nil {
		return dst, err
	}
	return append(dst, b.Bytes()...), nil
}

// AppendRTORQ appends the encoding of q with tag t (TagRTORQ in normal
// mode, TagX410Params in a CP-type).
func AppendRTORQ(dst []byte, q *RTORQ, t ber.Tag) ([]byte, error) {
	var b ber.Builder
	m := b.Begin(t)
	sizes(&b, q.CheckpointSize, q.WindowSize, q.Explicit, "RTORQ")
	if q.DialogueMode != Monologue && q.DialogueMode != TwoWayAlternate {
		b.Fail(fail("RTORQ", "dialogueMode", 0, "value %d", q.DialogueMode))
	}
	if q.DialogueMode != Monologue || q.Explicit&ExplicitDialogueMode != 0 {
		b.AddInt(ber.Context(2), int64(q.DialogueMode))
	}
	addConnectionData(&b, ber.Context(3), &q.ConnectionData, "RTORQ", "connectionDataRQ")
	if q.ApplicationProtocol != nil {
		b.AddInt(ber.Context(4), int64(*q.ApplicationProtocol))
	}
	b.End(m)
	return finish(dst, &b)
}

// AppendRTOAC appends the encoding of a with tag t (TagRTOAC or TagX410Params).
func AppendRTOAC(dst []byte, a *RTOAC, t ber.Tag) ([]byte, error) {
	var b ber.Builder
	m := b.Begin(t)
	sizes(&b, a.CheckpointSize, a.WindowSize, a.Explicit, "RTOAC")
	addConnectionData(&b, ber.Context(2), &a.ConnectionData, "RTOAC", "connectionDataAC")
	b.End(m)
	return finish(dst, &b)
}

// AppendRTORJ appends the encoding of j with tag t (TagRTORJ or TagSet).
func AppendRTORJ(dst []byte, j *RTORJ, t ber.Tag) ([]byte, error) {
	var b ber.Builder
	m := b.Begin(t)
	if j.RefuseReason != nil {
		b.AddInt(ber.Context(0), int64(*j.RefuseReason))
	}
	if j.UserData != nil {
		explicitRaw(&b, ber.Context(1), j.UserData, "RTORJ", "userDataRJ")
	}
	b.End(m)
	return finish(dst, &b)
}

// AppendRTAB appends the encoding of a with tag t (TagRTAB or TagSet).
func AppendRTAB(dst []byte, a *RTAB, t ber.Tag) ([]byte, error) {
	var b ber.Builder
	m := b.Begin(t)
	if a.AbortReason != nil {
		b.AddInt(ber.Context(0), int64(*a.AbortReason))
	}
	if p := a.ReflectedParameter; p != nil {
		if p.Len < 0 || p.Len > 8 || (p.Len+7)/8 > len(p.Bytes) {
			b.Fail(fail("RTAB", "reflectedParameter", 0, "%d bits", p.Len))
		} else {
			b.AddBitString(ber.Context(1), *p)
		}
	}
	if a.UserData != nil {
		explicitRaw(&b, ber.Context(2), a.UserData, "RTAB", "userdataAB")
	}
	b.End(m)
	return finish(dst, &b)
}

// Append appends the normal mode encoding (RTSE-apdus) of the APDU a holds.
func Append(dst []byte, a *APDU) ([]byte, error) {
	switch {
	case a.RTORQ != nil:
		return AppendRTORQ(dst, a.RTORQ, TagRTORQ)
	case a.RTOAC != nil:
		return AppendRTOAC(dst, a.RTOAC, TagRTOAC)
	case a.RTORJ != nil:
		return AppendRTORJ(dst, a.RTORJ, TagRTORJ)
	case a.RTAB != nil:
		return AppendRTAB(dst, a.RTAB, TagRTAB)
	case a.RTTP != nil:
		var b ber.Builder
		b.AddInt(ber.Integer, int64(*a.RTTP))
		return append(dst, b.Bytes()...), nil
	case a.RTTR != nil:
		return AppendRTTR(dst, a.RTTR), nil
	}
	return dst, fail("RTSE-apdus", "", 0, "empty APDU")
}
