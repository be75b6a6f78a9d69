package acse

import (
	"mixerd/ber"
)

type encoder struct {
	b    ber.Builder
	apdu string
}

func (w *encoder) bits(n uint32, bs *ber.BitString, field string) {
	if bs == nil {
		return
	}
	if bs.Len < 0 || (bs.Len+7)/8 > len(bs.Bytes) {
		w.b.Fail(fail(w.apdu, field, 0, "bit string length %d does not fit", bs.Len))
		return
	}
	w.b.AddBitString(ber.Context(n), *bs)
}

func (w *encoder) explicitOID(n uint32, o ber.OID) {
	m := w.b.Begin(ber.Context(n))
	w.b.AddOID(ber.ObjectID, o)
	w.b.End(m)
}

func (w *encoder) explicitInt(n uint32, v *int) {
	if v == nil {
		return
	}
	m := w.b.Begin(ber.Context(n))
	w.b.AddInt(ber.Integer, int64(*v))
	w.b.End(m)
}

func (w *encoder) explicitRaw(n uint32, raw []byte, field string) {
	if err := checkOne(raw, w.apdu, field); err != nil {
		w.b.Fail(err)
		return
	}
	m := w.b.Begin(ber.Context(n))
	w.b.AddRaw(raw)
	w.b.End(m)
}

func (w *encoder) apTitle(n uint32, t *APTitle, field string) {
	switch {
	case t == nil:
	case t.OID != nil:
		w.explicitOID(n, t.OID)
	default:
		w.explicitRaw(n, t.Raw, field)
	}
}

func (w *encoder) qualifier(n uint32, q *Qualifier, field string) {
	switch {
	case q == nil:
	case q.Int != nil:
		w.explicitInt(n, q.Int)
	default:
		w.explicitRaw(n, q.Raw, field)
	}
}

func (w *encoder) auth(n uint32, a *AuthValue, field string) {
	if a != nil {
		w.explicitRaw(n, a.Raw, field)
	}
}

func (w *encoder) other(l [][]byte) {
	for _, o := range l {
		if err := checkOne(o, w.apdu, "extension"); err != nil {
			w.b.Fail(err)
			return
		}
		w.b.AddRaw(o)
	}
}

func (w *encoder) tail(impl []byte, ui []External) {
	if impl != nil {
		w.b.AddPrimitive(ber.Context(29), impl)
	}
	if ui != nil {
		m := w.b.Begin(ber.Context(30))
		for i := range ui {
			addExternal(&w.b, &ui[i], w.apdu)
		}
		w.b.End(m)
	}
}

func (w *encoder) finish(dst []byte) ([]byte, error) {
	if err := w.b.Err(); err != nil {
		return dst, err
	}
	return append(dst, w.b.Bytes()...), nil
}

// AppendAARQ appends the encoding of a.
func AppendAARQ(dst []byte, a *AARQ) ([]byte, error) {
	w := &encoder{apdu: "AARQ"}
	m := w.b.Begin(ber.Application(0))
	w.bits(0, a.ProtocolVersion, "protocol-version")
	if a.ContextName == nil {
		w.b.Fail(fail("AARQ", "aSO-context-name", 0, "missing"))
	}
	w.explicitOID(1, a.ContextName)
	w.apTitle(2, a.CalledAPTitle, "called-AP-title")
	w.qualifier(3, a.CalledAEQualifier, "called-AE-qualifier")
	w.explicitInt(4, a.CalledAPInvocation)
	w.explicitInt(5, a.CalledAEInvocation)
	w.apTitle(6, a.CallingAPTitle, "calling-AP-title")
	w.qualifier(7, a.CallingAEQualifier, "calling-AE-qualifier")
	w.explicitInt(8, a.CallingAPInvocation)
	w.explicitInt(9, a.CallingAEInvocation)
	w.bits(10, a.Requirements, "sender-acse-requirements")
	if a.MechanismName != nil {
		w.b.AddOID(ber.Context(11), a.MechanismName)
	}
	w.auth(12, a.Authentication, "calling-authentication-value")
	w.other(a.Other)
	w.tail(a.ImplementationInformation, a.UserInformation)
	w.b.End(m)
	return w.finish(dst)
}

// AppendAARE appends the encoding of a.
func AppendAARE(dst []byte, a *AARE) ([]byte, error) {
	w := &encoder{apdu: "AARE"}
	m := w.b.Begin(ber.Application(1))
	w.bits(0, a.ProtocolVersion, "protocol-version")
	if a.ContextName == nil {
		w.b.Fail(fail("AARE", "aSO-context-name", 0, "missing"))
	}
	w.explicitOID(1, a.ContextName)
	r := int(a.Result)
	w.explicitInt(2, &r)
	if a.Diagnostic.Source != ServiceUser && a.Diagnostic.Source != ServiceProvider {
		w.b.Fail(fail("AARE", "result-source-diagnostic", 0, "source %d", a.Diagnostic.Source))
	}
	d := w.b.Begin(ber.Context(3))
	w.explicitInt(uint32(a.Diagnostic.Source), &a.Diagnostic.Value)
	w.b.End(d)
	w.apTitle(4, a.RespondingAPTitle, "responding-AP-title")
	w.qualifier(5, a.RespondingAEQualifier, "responding-AE-qualifier")
	w.explicitInt(6, a.RespondingAPInvocation)
	w.explicitInt(7, a.RespondingAEInvocation)
	w.bits(8, a.Requirements, "responder-acse-requirements")
	if a.MechanismName != nil {
		w.b.AddOID(ber.Context(9), a.MechanismName)
	}
	w.auth(10, a.Authentication, "responding-authentication-value")
	w.other(a.Other)
	w.tail(a.ImplementationInformation, a.UserInformation)
	w.b.End(m)
	return w.finish(dst)
}

func appendRelease(dst []byte, r *Release, n uint32, apdu string) ([]byte, error) {
	w := &encoder{apdu: apdu}
	m := w.b.Begin(ber.Application(n))
	if r.Reason != nil {
		w.b.AddInt(ber.Context(0), int64(*r.Reason))
	}
	w.other(r.Other)
	w.tail(nil, r.UserInformation)
	w.b.End(m)
	return w.finish(dst)
}

// AppendRLRQ appends the encoding of an RLRQ-apdu.
func AppendRLRQ(dst []byte, r *Release) ([]byte, error) { return appendRelease(dst, r, 2, "RLRQ") }

// AppendRLRE appends the encoding of an RLRE-apdu.
func AppendRLRE(dst []byte, r *Release) ([]byte, error) { return appendRelease(dst, r, 3, "RLRE") }

// AppendABRT appends the encoding of a.
func AppendABRT(dst []byte, a *ABRT) ([]byte, error) {
	w := &encoder{apdu: "ABRT"}
	m := w.b.Begin(ber.Application(4))
	w.b.AddInt(ber.Context(0), int64(a.Source))
	if a.Diagnostic != nil {
		w.b.AddInt(ber.Context(1), int64(*a.Diagnostic))
	}
	w.other(a.Other)
	w.tail(nil, a.UserInformation)
	w.b.End(m)
	return w.finish(dst)
}

// Append appends the encoding of the APDU a holds.
func Append(dst []byte, a *APDU) ([]byte, error) {
	switch {
	case a.AARQ != nil:
		return AppendAARQ(dst, a.AARQ)
	case a.AARE != nil:
		return AppendAARE(dst, a.AARE)
	case a.RLRQ != nil:
		return AppendRLRQ(dst, a.RLRQ)
	case a.RLRE != nil:
		return AppendRLRE(dst, a.RLRE)
	case a.ABRT != nil:
		return AppendABRT(dst, a.ABRT)
	}
	return dst, fail("ACSE-apdu", "", 0, "empty APDU")
}
