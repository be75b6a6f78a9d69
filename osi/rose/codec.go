package rose

import (
	"mixerd/ber"
)

// Decode decodes one ROS PDU.
func Decode(b []byte) (*PDU, error) {
	r := ber.NewReader(b, nil)
	e, err := r.Next()
	if err != nil {
		return nil, wrap("ROS", "", nil, err)
	}
	if err := r.End("ROS"); err != nil {
		return nil, wrap("ROS", "", nil, err)
	}
	if e.Tag.Class != ber.ClassContext {
		return nil, fail("ROS", "", e.Offset, UnrecognizedPDU, "unexpected %s", e.Tag)
	}
	n := e.Tag.Number
	p := &PDU{}
	switch {
	case n >= 1 && n <= 4:
		if !e.Constructed {
			return nil, fail("ROS", "", e.Offset, MistypedPDU, "%s is primitive", e.Tag)
		}
		c, _ := e.Children()
		switch n {
		case 1:
			p.Invoke, err = readInvoke(c)
		case 2:
			p.ReturnResult, err = readReturnResult(c)
		case 3:
			p.ReturnError, err = readReturnError(c)
		case 4:
			p.Reject, err = readReject(c)
		}
	case n >= 16 && n <= 21:
		var v []byte
		if v, err = explicit(&e, "Bind", "value", nil); err == nil {
			p.Bind = &Bind{Kind: BindKind(n), Value: v}
		}
	default:
		return nil, fail("ROS", "", e.Offset, UnrecognizedPDU, "unexpected %s", e.Tag)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

func explicit(e *ber.Element, pdu, field string, id *InvokeID) ([]byte, error) {
	c, err := e.Children()
	var in ber.Element
	if err == nil {
		in, err = c.Next()
	}
	if err == nil {
		err = c.End(field)
	}
	if err != nil {
		return nil, wrap(pdu, field, id, err)
	}
	return in.Raw, nil
}

func readInvokeID(c *ber.Reader, pdu string) (InvokeID, error) {
	var id InvokeID
	e, err := c.Next()
	if err != nil {
		return id, wrap(pdu, "invokeId", nil, err)
	}
	switch e.Tag {
	case ber.Integer:
		if id.ID, err = e.Int(); err != nil {
			return id, wrap(pdu, "invokeId", nil, err)
		}
	case ber.Null:
		if err := e.Null(); err != nil {
			return id, wrap(pdu, "invokeId", nil, err)
		}
		id.Absent = true
	default:
		return id, fail(pdu, "invokeId", e.Offset, MistypedPDU, "unexpected %s", e.Tag)
	}
	return id, nil
}

func readCode(c *ber.Reader, pdu, field string, id *InvokeID) (Code, error) {
	var code Code
	e, err := c.Next()
	if err != nil {
		return code, wrap(pdu, field, id, err)
	}
	switch e.Tag {
	case ber.Integer:
		code.Local, err = e.Int()
	case ber.ObjectID:
		code.Global, err = e.OID()
	default:
		err = fail(pdu, field, e.Offset, MistypedPDU, "unexpected %s", e.Tag)
	}
	if err != nil {
		return code, wrap(pdu, field, id, err)
	}
	return code, nil
}

// optionalAny reads the last, optional, ANY component.
func optionalAny(c *ber.Reader, pdu, field string, id *InvokeID) ([]byte, error) {
	if c.Empty() {
		return nil, nil
	}
	e, err := c.Next()
	if err != nil {
		return nil, wrap(pdu, field, id, err)
	}
	if err := c.End(pdu); err != nil {
		return nil, wrap(pdu, field, id, err)
	}
	return e.Raw, nil
}

func readInvoke(c ber.Reader) (*Invoke, error) {
	const pdu = "Invoke"
	v := &Invoke{}
	id, err := readInvokeID(&c, pdu)
	if err != nil {
		return nil, err
	}
	v.InvokeID = id
	if e, ok, err := c.Optional(ber.Context(0)); err != nil {
		return nil, wrap(pdu, "linkedId", &id, err)
	} else if ok {
		l, err := e.Int()
		if err != nil {
			return nil, wrap(pdu, "linkedId", &id, err)
		}
		v.LinkedID = &InvokeID{ID: l}
	} else if e, ok, err := c.Optional(ber.Context(1)); err != nil {
		return nil, wrap(pdu, "linkedId", &id, err)
	} else if ok {
		if err := e.Null(); err != nil {
			return nil, wrap(pdu, "linkedId", &id, err)
		}
		v.LinkedID = &InvokeID{Absent: true}
	}
	if v.Opcode, err = readCode(&c, pdu, "opcode", &id); err != nil {
		return nil, err
	}
	if v.Argument, err = optionalAny(&c, pdu, "argument", &id); err != nil {
		return nil, err
	}
	return v, nil
}

func readReturnResult(c ber.Reader) (*ReturnResult, error) {
	const pdu = "ReturnResult"
	v := &ReturnResult{}
	id, err := readInvokeID(&c, pdu)
	if err != nil {
		return nil, err
	}
	v.InvokeID = id
	if c.Empty() {
		return v, nil
	}
	e, err := c.Expect(ber.Sequence)
	if err != nil {
		return nil, wrap(pdu, "result", &id, err)
	}
	if err := c.End(pdu); err != nil {
		return nil, wrap(pdu, "", &id, err)
	}
	rc, err := e.Children()
	if err != nil {
		return nil, wrap(pdu, "result", &id, err)
	}
	r := &Result{}
	if r.Opcode, err = readCode(&rc, pdu, "opcode", &id); err != nil {
		return nil, err
	}
	if r.Value, err = optionalAny(&rc, pdu, "result", &id); err != nil {
		return nil, err
	}
	if r.Value == nil {
		return nil, fail(pdu, "result", e.Offset, MistypedPDU, "result missing")
	}
	v.Result = r
	return v, nil
}

func readReturnError(c ber.Reader) (*ReturnError, error) {
	const pdu = "ReturnError"
	v := &ReturnError{}
	id, err := readInvokeID(&c, pdu)
	if err != nil {
		return nil, err
	}
	v.InvokeID = id
	if v.Errcode, err = readCode(&c, pdu, "errcode", &id); err != nil {
		return nil, err
	}
	if v.Parameter, err = optionalAny(&c, pdu, "parameter", &id); err != nil {
		return nil, err
	}
	return v, nil
}

func readReject(c ber.Reader) (*Reject, error) {
	const pdu = "Reject"
	v := &Reject{}
	id, err := readInvokeID(&c, pdu)
	if err != nil {
		return nil, err
	}
	v.InvokeID = id
	e, err := c.Next()
	if err != nil {
		return nil, wrap(pdu, "problem", &id, err)
	}
	if e.Tag.Class != ber.ClassContext || e.Tag.Number > 3 {
		return nil, fail(pdu, "problem", e.Offset, MistypedPDU, "unexpected %s", e.Tag)
	}
	v.Kind = ProblemKind(e.Tag.Number)
	if v.Problem, err = e.Int(); err != nil {
		return nil, wrap(pdu, "problem", &id, err)
	}
	if err := c.End(pdu); err != nil {
		return nil, wrap(pdu, "", &id, err)
	}
	return v, nil
}

func addInvokeID(b *ber.Builder, id InvokeID) {
	if id.Absent {
		b.AddNull(ber.Null)
		return
	}
	b.AddInt(ber.Integer, int64(id.ID))
}

func addCode(b *ber.Builder, c Code) {
	if c.Global != nil {
		b.AddOID(ber.ObjectID, c.Global)
		return
	}
	b.AddInt(ber.Integer, int64(c.Local))
}

func addRaw(b *ber.Builder, raw []byte, pdu, field string) {
	r := ber.NewReader(raw, nil)
	if _, err := r.Next(); err != nil {
		b.Fail(wrap(pdu, field, nil, err))
		return
	}
	if !r.Empty() {
		b.Fail(fail(pdu, field, r.Offset(), BadlyStructuredPDU, "more than one element"))
		return
	}
	b.AddRaw(raw)
}

// Append appends the encoding of p.
func Append(dst []byte, p *PDU) ([]byte, error) {
	var b ber.Builder
	switch {
	case p.Invoke != nil:
		v := p.Invoke
		m := b.Begin(ber.Context(1))
		addInvokeID(&b, v.InvokeID)
		if l := v.LinkedID; l != nil {
			if l.Absent {
				b.AddNull(ber.Context(1))
			} else {
				b.AddInt(ber.Context(0), int64(l.ID))
			}
		}
		addCode(&b, v.Opcode)
		if v.Argument != nil {
			addRaw(&b, v.Argument, "Invoke", "argument")
		}
		b.End(m)
	case p.ReturnResult != nil:
		v := p.ReturnResult
		m := b.Begin(ber.Context(2))
		addInvokeID(&b, v.InvokeID)
		if r := v.Result; r != nil {
			s := b.Begin(ber.Sequence)
			addCode(&b, r.Opcode)
			addRaw(&b, r.Value, "ReturnResult", "result")
			b.End(s)
		}
		b.End(m)
	case p.ReturnError != nil:
		v := p.ReturnError
		m := b.Begin(ber.Context(3))
		addInvokeID(&b, v.InvokeID)
		addCode(&b, v.Errcode)
		if v.Parameter != nil {
			addRaw(&b, v.Parameter, "ReturnError", "parameter")
		}
		b.End(m)
	case p.Reject != nil:
		v := p.Reject
		if v.Kind < GeneralProblem || v.Kind > ReturnErrorProblem {
			return dst, fail("Reject", "problem", 0, BadlyStructuredPDU, "problem kind %d", v.Kind)
		}
		m := b.Begin(ber.Context(4))
		addInvokeID(&b, v.InvokeID)
		b.AddInt(ber.Context(uint32(v.Kind)), int64(v.Problem))
		b.End(m)
	case p.Bind != nil:
		v := p.Bind
		if v.Kind < BindInvoke || v.Kind > UnbindError {
			return dst, fail("Bind", "", 0, UnrecognizedPDU, "bind kind %d", v.Kind)
		}
		m := b.Begin(ber.Context(uint32(v.Kind)))
		addRaw(&b, v.Value, "Bind", "value")
		b.End(m)
	default:
		return dst, fail("ROS", "", 0, UnrecognizedPDU, "empty PDU")
	}
	if err := b.Err(); err != nil {
		return dst, err
	}
	return append(dst, b.Bytes()...), nil
}
