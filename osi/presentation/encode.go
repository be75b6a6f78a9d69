package presentation

import (
	"mixerd/ber"
)

func finish(dst []byte, b *ber.Builder) ([]byte, error) {
	if err := b.Err(); err != nil {
		return dst, err
	}
	return append(dst, b.Bytes()...), nil
}

// checkRaw checks that raw is one element with tag t, constructed.
func checkRaw(b *ber.Builder, raw []byte, t ber.Tag, pdu, field string) bool {
	if err := checkOne(raw, pdu, field); err != nil {
		b.Fail(err)
		return false
	}
	if tt, cons, _ := ber.PeekTag(raw); tt != t || !cons {
		b.Fail(fail(pdu, field, 0, InvalidPPDUParameterValue, "encoding has tag %s, want constructed %s", tt, t))
		return false
	}
	return true
}

func addModeSelector(b *ber.Builder, m Mode, pdu string) {
	if m != ModeX410 && m != ModeNormal {
		b.Fail(fail(pdu, "mode-selector", 0, InvalidPPDUParameterValue, "mode %d", m))
		return
	}
	s := b.Begin(ber.Context(0))
	b.AddInt(ber.Context(0), int64(m))
	b.End(s)
}

func addContexts(b *ber.Builder, t ber.Tag, l []Context) {
	m := b.Begin(t)
	for _, c := range l {
		s := b.Begin(ber.Sequence)
		b.AddInt(ber.Integer, int64(c.ID))
		b.AddOID(ber.ObjectID, c.AbstractSyntax)
		ts := b.Begin(ber.Sequence)
		for _, o := range c.TransferSyntaxes {
			b.AddOID(ber.ObjectID, o)
		}
		b.End(ts)
		b.End(s)
	}
	b.End(m)
}

func addResults(b *ber.Builder, t ber.Tag, l []ContextResult) {
	m := b.Begin(t)
	for _, r := range l {
		s := b.Begin(ber.Sequence)
		b.AddInt(ber.Context(0), int64(r.Result))
		if r.TransferSyntax != nil {
			b.AddOID(ber.Context(1), r.TransferSyntax)
		}
		if r.ProviderReason != nil {
			b.AddInt(ber.Context(2), int64(*r.ProviderReason))
		}
		b.End(s)
	}
	b.End(m)
}

func addBits(b *ber.Builder, n uint32, bs *ber.BitString) {
	if bs != nil {
		if (bs.Len+7)/8 > len(bs.Bytes) || bs.Len < 0 {
			b.Fail(fail("", paramNames[n], 0, InvalidPPDUParameterValue, "bit string length %d does not fit", bs.Len))
			return
		}
		b.AddBitString(ber.Context(n), *bs)
	}
}

func addOther(b *ber.Builder, other [][]byte, pdu string) {
	for _, o := range other {
		if err := checkOne(o, pdu, "normal-mode-parameters"); err != nil {
			b.Fail(err)
			return
		}
		b.AddRaw(o)
	}
}

// AppendCP appends the encoding of cp.
func AppendCP(dst []byte, cp *CP) ([]byte, error) {
	var b ber.Builder
	m := b.Begin(ber.Set)
	addModeSelector(&b, cp.Mode, "CP")
	if cp.X410 != nil && checkRaw(&b, cp.X410, ber.Context(1), "CP", "x410-mode-parameters") {
		b.AddRaw(cp.X410)
	}
	if n := cp.Normal; n != nil {
		s := b.Begin(ber.Context(2))
		addBits(&b, pVersion, n.ProtocolVersion)
		if n.CallingSelector != nil {
			b.AddPrimitive(ber.Context(pCalling), n.CallingSelector)
		}
		if n.CalledSelector != nil {
			b.AddPrimitive(ber.Context(pCalled), n.CalledSelector)
		}
		if n.Contexts != nil {
			addContexts(&b, ber.Context(pContexts), n.Contexts)
		}
		if d := n.DefaultContext; d != nil {
			ds := b.Begin(ber.Context(pDefault))
			b.AddOID(ber.Context(0), d.AbstractSyntax)
			b.AddOID(ber.Context(1), d.TransferSyntax)
			b.End(ds)
		}
		addBits(&b, pPresReq, n.PresentationRequirements)
		addBits(&b, pSessReq, n.SessionRequirements)
		addOther(&b, n.Other, "CP")
		if n.UserData != nil {
			addUserData(&b, n.UserData)
		}
		b.End(s)
	}
	if b.Err() == nil {
		b.EndSet(m)
	}
	return finish(dst, &b)
}

// AppendCPA appends the encoding of cpa.
func AppendCPA(dst []byte, cpa *CPA) ([]byte, error) {
	var b ber.Builder
	m := b.Begin(ber.Set)
	addModeSelector(&b, cpa.Mode, "CPA")
	if cpa.X410 != nil && checkRaw(&b, cpa.X410, ber.Context(1), "CPA", "x410-mode-parameters") {
		b.AddRaw(cpa.X410)
	}
	if n := cpa.Normal; n != nil {
		s := b.Begin(ber.Context(2))
		addBits(&b, pVersion, n.ProtocolVersion)
		if n.RespondingSelector != nil {
			b.AddPrimitive(ber.Context(pResponding), n.RespondingSelector)
		}
		if n.Results != nil {
			addResults(&b, ber.Context(pResults), n.Results)
		}
		addBits(&b, pPresReq, n.PresentationRequirements)
		addBits(&b, pSessReq, n.SessionRequirements)
		addOther(&b, n.Other, "CPA")
		if n.UserData != nil {
			addUserData(&b, n.UserData)
		}
		b.End(s)
	}
	if b.Err() == nil {
		b.EndSet(m)
	}
	return finish(dst, &b)
}

// AppendCPR appends the encoding of cpr.
func AppendCPR(dst []byte, cpr *CPR) ([]byte, error) {
	var b ber.Builder
	switch {
	case cpr.X410 != nil:
		if checkRaw(&b, cpr.X410, ber.Set, "CPR", "x400-mode-parameters") {
			b.AddRaw(cpr.X410)
		}
	case cpr.Normal != nil:
		n := cpr.Normal
		s := b.Begin(ber.Sequence)
		addBits(&b, pVersion, n.ProtocolVersion)
		if n.RespondingSelector != nil {
			b.AddPrimitive(ber.Context(pResponding), n.RespondingSelector)
		}
		if n.Results != nil {
			addResults(&b, ber.Context(pResults), n.Results)
		}
		if n.DefaultContextResult != nil {
			b.AddInt(ber.Context(pDefaultResult), int64(*n.DefaultContextResult))
		}
		if n.ProviderReason != nil {
			b.AddInt(ber.Context(pReason), int64(*n.ProviderReason))
		}
		if n.UserData != nil {
			addUserData(&b, n.UserData)
		}
		b.End(s)
	default:
		b.Fail(fail("CPR", "", 0, InvalidPPDUParameterValue, "neither X.410 nor normal mode parameters"))
	}
	return finish(dst, &b)
}

func addContextsAndData(b *ber.Builder, t ber.Tag, d *ContextsAndData) {
	s := b.Begin(t)
	if d.Contexts != nil {
		l := b.Begin(ber.Context(0))
		for _, c := range d.Contexts {
			i := b.Begin(ber.Sequence)
			b.AddInt(ber.Integer, int64(c.ID))
			b.AddOID(ber.ObjectID, c.TransferSyntax)
			b.End(i)
		}
		b.End(l)
	}
	if d.UserData != nil {
		addUserData(b, d.UserData)
	}
	b.End(s)
}

// AppendAbort appends the encoding of an Abort-type: a.ARU or a.ARP.
func AppendAbort(dst []byte, a *Abort) ([]byte, error) {
	var b ber.Builder
	switch {
	case a.ARU != nil && a.ARU.X410 != nil:
		if checkRaw(&b, a.ARU.X410, ber.Set, "ARU", "x400-mode-parameters") {
			b.AddRaw(a.ARU.X410)
		}
	case a.ARU != nil && a.ARU.Normal != nil:
		addContextsAndData(&b, ber.Context(0), a.ARU.Normal)
	case a.ARU != nil:
		addContextsAndData(&b, ber.Context(0), &ContextsAndData{})
	case a.ARP != nil:
		s := b.Begin(ber.Sequence)
		if a.ARP.Reason != nil {
			b.AddInt(ber.Context(0), int64(*a.ARP.Reason))
		}
		if a.ARP.EventIdentifier != nil {
			b.AddInt(ber.Context(1), int64(*a.ARP.EventIdentifier))
		}
		b.End(s)
	default:
		b.Fail(fail("Abort", "", 0, InvalidPPDUParameterValue, "neither ARU nor ARP"))
	}
	return finish(dst, &b)
}

// AppendRS appends the encoding of an RS-PPDU.
func AppendRS(dst []byte, d *ContextsAndData) ([]byte, error) {
	var b ber.Builder
	addContextsAndData(&b, ber.Sequence, d)
	return finish(dst, &b)
}

// AppendRSA appends the encoding of an RSA-PPDU.
func AppendRSA(dst []byte, d *ContextsAndData) ([]byte, error) { return AppendRS(dst, d) }

// NewARP returns an Abort-type holding an ARP-PPDU with the reason that err
// (an *Error from a decoder) asks for, or reason-not-specified.
func NewARP(err error) *Abort {
	r := ReasonNotSpecified
	if e, ok := err.(*Error); ok {
		r = e.Reason
	}
	return &Abort{ARP: &ARP{Reason: &r}}
}
