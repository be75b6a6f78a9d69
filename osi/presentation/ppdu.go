package presentation

import (
	"mixerd/ber"
)

// CP is CP-type, the PPDU of a P-CONNECT request (X.226 §8.2), carried in
// the user data of S-CONNECT.
//
//	CP-type ::= SET {
//	  mode-selector [0] IMPLICIT Mode-selector,
//	  x410-mode-parameters [1] IMPLICIT RTORQapdu OPTIONAL,
//	  normal-mode-parameters [2] IMPLICIT SEQUENCE {...} OPTIONAL}
type CP struct {
	Mode Mode
	// X410 is the complete encoding of x410-mode-parameters, tag [1]
	// IMPLICIT RTORQapdu (decode it with rtse.DecodeRTORQ and tag [1]).
	X410   []byte
	Normal *NormalCP
}

// NormalCP is the normal-mode-parameters of CP-type.
type NormalCP struct {
	ProtocolVersion          *ber.BitString  // [0]; nil: DEFAULT {version-1}
	CallingSelector          []byte          // [1]; nil when absent
	CalledSelector           []byte          // [2]
	Contexts                 []Context       // [4] presentation-context-definition-list; nil when absent
	DefaultContext           *DefaultContext // [6]
	PresentationRequirements *ber.BitString  // [8]
	SessionRequirements      *ber.BitString  // [9] user-session-requirements
	// Other holds, raw and in order, protocol-options [11],
	// initiators-nominated-context [12] and extensions [14].
	Other    [][]byte
	UserData *UserData
}

// CPA is CPA-PPDU, the PPDU of a P-CONNECT accept (X.226 §8.2), carried in
// the user data of an S-CONNECT accept.
//
//	CPA-PPDU ::= SET {
//	  mode-selector [0] IMPLICIT Mode-selector,
//	  x410-mode-parameters [1] IMPLICIT RTOACapdu OPTIONAL,
//	  normal-mode-parameters [2] IMPLICIT SEQUENCE {...} OPTIONAL}
type CPA struct {
	Mode   Mode
	X410   []byte // complete [1] IMPLICIT RTOACapdu element
	Normal *NormalCPA
}

// NormalCPA is the normal-mode-parameters of CPA-PPDU.
type NormalCPA struct {
	ProtocolVersion          *ber.BitString  // [0]
	RespondingSelector       []byte          // [3]
	Results                  []ContextResult // [5] presentation-context-definition-result-list
	PresentationRequirements *ber.BitString  // [8]
	SessionRequirements      *ber.BitString  // [9]
	Other                    [][]byte        // protocol-options [11], responders-nominated-context [13]
	UserData                 *UserData
}

// CPR is CPR-PPDU, the PPDU of a P-CONNECT refusal (X.226 §8.2).
//
//	CPR-PPDU ::= CHOICE {x400-mode-parameters RTORJapdu,
//	                     normal-mode-parameters SEQUENCE {...}}
type CPR struct {
	X410   []byte // complete RTORJapdu (a universal SET)
	Normal *NormalCPR
}

// NormalCPR is the normal-mode-parameters of CPR-PPDU.
type NormalCPR struct {
	ProtocolVersion      *ber.BitString  // [0]
	RespondingSelector   []byte          // [3]
	Results              []ContextResult // [5]
	DefaultContextResult *Result         // [7]
	ProviderReason       *ProviderReason // [10]
	UserData             *UserData
}

// ContextIdentifier is one item of a Presentation-context-identifier-list.
type ContextIdentifier struct {
	ID             int
	TransferSyntax ber.OID
}

// ContextsAndData is the body shared by the normal mode ARU-PPDU, RS-PPDU
// and RSA-PPDU:
//
//	SEQUENCE {presentation-context-identifier-list [0] IMPLICIT
//	            Presentation-context-identifier-list OPTIONAL,
//	          user-data User-data OPTIONAL}
type ContextsAndData struct {
	Contexts []ContextIdentifier // nil when absent
	UserData *UserData
}

// ARU is ARU-PPDU, a P-U-ABORT (X.226 §8.2), carried in S-U-ABORT user data.
//
//	ARU-PPDU ::= CHOICE {x400-mode-parameters RTABapdu,
//	                     normal-mode-parameters [0] IMPLICIT SEQUENCE {...}}
type ARU struct {
	X410   []byte // complete RTABapdu (a universal SET)
	Normal *ContextsAndData
}

// ARP is ARP-PPDU, a P-P-ABORT (X.226 §8.2).
//
//	ARP-PPDU ::= SEQUENCE {provider-reason [0] IMPLICIT Abort-reason OPTIONAL,
//	                       event-identifier [1] IMPLICIT Event-identifier OPTIONAL}
type ARP struct {
	Reason          *AbortReason
	EventIdentifier *int // cp-PPDU(0), cpa-PPDU(1), ..., td-PPDU(7), ...
}

// Abort is Abort-type: exactly one of ARU and ARP is set.
type Abort struct {
	ARU *ARU
	ARP *ARP
}

// Component bits of the normal-mode parameter sequences.
const (
	pVersion       = 0
	pCalling       = 1
	pCalled        = 2
	pResponding    = 3
	pContexts      = 4
	pResults       = 5
	pDefault       = 6
	pDefaultResult = 7
	pPresReq       = 8
	pSessReq       = 9
	pReason        = 10
	pOptions       = 11
	pInitNominated = 12
	pRespNominated = 13
	pExtensions    = 14
)

const (
	cpParams  = 1<<pVersion | 1<<pCalling | 1<<pCalled | 1<<pContexts | 1<<pDefault | 1<<pPresReq | 1<<pSessReq | 1<<pOptions | 1<<pInitNominated | 1<<pExtensions
	cpaParams = 1<<pVersion | 1<<pResponding | 1<<pResults | 1<<pPresReq | 1<<pSessReq | 1<<pOptions | 1<<pRespNominated
	cprParams = 1<<pVersion | 1<<pResponding | 1<<pResults | 1<<pDefaultResult | 1<<pReason
)

type params struct {
	version                     *ber.BitString
	calling, called, responding []byte
	contexts                    []Context
	results                     []ContextResult
	defaultCtx                  *DefaultContext
	defaultResult               *Result
	presReq, sessReq            *ber.BitString
	reason                      *ProviderReason
	other                       [][]byte
	ud                          *UserData
}

func readParams(c ber.Reader, pdu string, allowed uint32) (*params, error) {
	p := &params{}
	var seen uint32
	for !c.Empty() {
		if isUserData(&c) {
			u, err := readUserData(&c, pdu)
			if err != nil {
				return nil, err
			}
			p.ud = u
			if err := c.End(pdu); err != nil {
				return nil, wrap(pdu, "user-data", UnexpectedPPDUParameter, err)
			}
			break
		}
		e, err := c.Next()
		if err != nil {
			return nil, wrap(pdu, "normal-mode-parameters", InvalidPPDUParameterValue, err)
		}
		n := e.Tag.Number
		if e.Tag.Class != ber.ClassContext || n > 31 || allowed&(1<<n) == 0 {
			return nil, fail(pdu, "normal-mode-parameters", e.Offset, UnrecognizedPPDUParameter, "unexpected %s", e.Tag)
		}
		if seen&(1<<n) != 0 {
			return nil, fail(pdu, "normal-mode-parameters", e.Offset, UnexpectedPPDUParameter, "%s repeated", e.Tag)
		}
		seen |= 1 << n
		if err := p.read(&e, pdu); err != nil {
			return nil, err
		}
	}
	return p, nil
}

var paramNames = [...]string{
	pVersion: "protocol-version", pCalling: "calling-presentation-selector",
	pCalled: "called-presentation-selector", pResponding: "responding-presentation-selector",
	pContexts: "presentation-context-definition-list", pResults: "presentation-context-definition-result-list",
	pDefault: "default-context-name", pDefaultResult: "default-context-result",
	pPresReq: "presentation-requirements", pSessReq: "user-session-requirements",
	pReason: "provider-reason", pOptions: "protocol-options",
	pInitNominated: "initiators-nominated-context", pRespNominated: "responders-nominated-context",
	pExtensions: "extensions",
}

func (p *params) read(e *ber.Element, pdu string) error {
	n := e.Tag.Number
	field := paramNames[n]
	bad := func(err error) error { return wrap(pdu, field, InvalidPPDUParameterValue, err) }
	switch n {
	case pVersion, pPresReq, pSessReq:
		bs, err := e.BitString()
		if err != nil {
			return bad(err)
		}
		bs = cleanBits(bs)
		switch n {
		case pVersion:
			p.version = &bs
		case pPresReq:
			p.presReq = &bs
		default:
			p.sessReq = &bs
		}
	case pCalling, pCalled, pResponding:
		v, err := e.Bytes()
		if err != nil {
			return bad(err)
		}
		switch n {
		case pCalling:
			p.calling = v
		case pCalled:
			p.called = v
		default:
			p.responding = v
		}
	case pContexts:
		l, err := readContextList(e, pdu, field)
		if err != nil {
			return err
		}
		p.contexts = l
	case pResults:
		l, err := readResultList(e, pdu, field)
		if err != nil {
			return err
		}
		p.results = l
	case pDefault:
		c, err := e.Children()
		if err != nil {
			return bad(err)
		}
		var d DefaultContext
		a, err := c.Expect(ber.Context(0))
		if err == nil {
			d.AbstractSyntax, err = a.OID()
		}
		if err == nil {
			a, err = c.Expect(ber.Context(1))
		}
		if err == nil {
			d.TransferSyntax, err = a.OID()
		}
		if err == nil {
			err = c.End(field)
		}
		if err != nil {
			return bad(err)
		}
		p.defaultCtx = &d
	case pDefaultResult:
		v, err := e.Int()
		if err != nil {
			return bad(err)
		}
		r := Result(v)
		p.defaultResult = &r
	case pReason:
		v, err := e.Int()
		if err != nil {
			return bad(err)
		}
		r := ProviderReason(v)
		p.reason = &r
	default:
		p.other = append(p.other, e.Raw)
	}
	return nil
}

func readContextList(e *ber.Element, pdu, field string) ([]Context, error) {
	c, err := e.Children()
	if err != nil {
		return nil, wrap(pdu, field, InvalidPPDUParameterValue, err)
	}
	l := []Context{}
	for !c.Empty() {
		if len(l) == MaxContexts {
			return nil, fail(pdu, field, c.Offset(), InvalidPPDUParameterValue, "more than %d contexts", MaxContexts)
		}
		var x Context
		it, err := c.Expect(ber.Sequence)
		var ic, tl ber.Reader
		if err == nil {
			ic, err = it.Children()
		}
		var id, as, ts ber.Element
		if err == nil {
			id, err = ic.Expect(ber.Integer)
		}
		if err == nil {
			x.ID, err = id.Int()
		}
		if err == nil {
			as, err = ic.Expect(ber.ObjectID)
		}
		if err == nil {
			x.AbstractSyntax, err = as.OID()
		}
		if err == nil {
			ts, err = ic.Expect(ber.Sequence)
		}
		if err == nil {
			tl, err = ts.Children()
		}
		for err == nil && !tl.Empty() {
			if len(x.TransferSyntaxes) == MaxTransferSyntaxes {
				return nil, fail(pdu, field, tl.Offset(), InvalidPPDUParameterValue, "more than %d transfer syntaxes", MaxTransferSyntaxes)
			}
			var t ber.Element
			var o ber.OID
			if t, err = tl.Expect(ber.ObjectID); err == nil {
				if o, err = t.OID(); err == nil {
					x.TransferSyntaxes = append(x.TransferSyntaxes, o)
				}
			}
		}
		if err == nil {
			err = ic.End("Context-list item")
		}
		if err != nil {
			return nil, wrap(pdu, field, InvalidPPDUParameterValue, err)
		}
		l = append(l, x)
	}
	return l, nil
}

func readResultList(e *ber.Element, pdu, field string) ([]ContextResult, error) {
	c, err := e.Children()
	if err != nil {
		return nil, wrap(pdu, field, InvalidPPDUParameterValue, err)
	}
	l := []ContextResult{}
	for !c.Empty() {
		if len(l) == MaxContexts {
			return nil, fail(pdu, field, c.Offset(), InvalidPPDUParameterValue, "more than %d results", MaxContexts)
		}
		var x ContextResult
		it, err := c.Expect(ber.Sequence)
		var ic ber.Reader
		if err == nil {
			ic, err = it.Children()
		}
		var r, t ber.Element
		var ok bool
		if err == nil {
			r, err = ic.Expect(ber.Context(0))
		}
		if err == nil {
			var v int
			v, err = r.Int()
			x.Result = Result(v)
		}
		if err == nil {
			if t, ok, err = ic.Optional(ber.Context(1)); ok {
				x.TransferSyntax, err = t.OID()
			}
		}
		if err == nil {
			if t, ok, err = ic.Optional(ber.Context(2)); ok {
				var v int
				if v, err = t.Int(); err == nil {
					x.ProviderReason = &v
				}
			}
		}
		if err == nil {
			err = ic.End("Result-list item")
		}
		if err != nil {
			return nil, wrap(pdu, field, InvalidPPDUParameterValue, err)
		}
		l = append(l, x)
	}
	return l, nil
}

// readModeSet reads the mode-selector, x410 and normal components of the
// CP-type or CPA-PPDU SET.
func readModeSet(b []byte, pdu string, allowed uint32) (Mode, []byte, *params, error) {
	r := ber.NewReader(b, nil)
	e, err := r.Expect(ber.Set)
	if err != nil {
		return 0, nil, nil, wrap(pdu, "", UnrecognizedPPDU, err)
	}
	if err := r.End(pdu); err != nil {
		return 0, nil, nil, wrap(pdu, "", UnexpectedPPDUParameter, err)
	}
	c, err := e.Children()
	if err != nil {
		return 0, nil, nil, wrap(pdu, "", UnrecognizedPPDU, err)
	}
	var (
		mode     Mode = -1
		x410     []byte
		p        *params
		seenMode bool
	)
	for !c.Empty() {
		f, err := c.Next()
		if err != nil {
			return 0, nil, nil, wrap(pdu, "", InvalidPPDUParameterValue, err)
		}
		switch f.Tag {
		case ber.Context(0):
			if seenMode {
				return 0, nil, nil, fail(pdu, "mode-selector", f.Offset, UnexpectedPPDUParameter, "repeated")
			}
			seenMode = true
			mc, err := f.Children()
			var mv ber.Element
			if err == nil {
				mv, err = mc.Expect(ber.Context(0))
			}
			var v int
			if err == nil {
				v, err = mv.Int()
			}
			if err == nil {
				err = mc.End("mode-selector")
			}
			if err != nil {
				return 0, nil, nil, wrap(pdu, "mode-selector", InvalidPPDUParameterValue, err)
			}
			if v != int(ModeX410) && v != int(ModeNormal) {
				return 0, nil, nil, fail(pdu, "mode-selector", mv.Offset, InvalidPPDUParameterValue, "mode-value %d", v)
			}
			mode = Mode(v)
		case ber.Context(1):
			if x410 != nil {
				return 0, nil, nil, fail(pdu, "x410-mode-parameters", f.Offset, UnexpectedPPDUParameter, "repeated")
			}
			if !f.Constructed {
				return 0, nil, nil, fail(pdu, "x410-mode-parameters", f.Offset, InvalidPPDUParameterValue, "not constructed")
			}
			x410 = f.Raw
		case ber.Context(2):
			if p != nil {
				return 0, nil, nil, fail(pdu, "normal-mode-parameters", f.Offset, UnexpectedPPDUParameter, "repeated")
			}
			nc, err := f.Children()
			if err != nil {
				return 0, nil, nil, wrap(pdu, "normal-mode-parameters", InvalidPPDUParameterValue, err)
			}
			if p, err = readParams(nc, pdu, allowed); err != nil {
				return 0, nil, nil, err
			}
		default:
			return 0, nil, nil, fail(pdu, "", f.Offset, UnrecognizedPPDUParameter, "unexpected %s", f.Tag)
		}
	}
	if !seenMode {
		return 0, nil, nil, fail(pdu, "mode-selector", e.Offset, InvalidPPDUParameterValue, "missing")
	}
	if mode == ModeNormal && x410 != nil {
		return 0, nil, nil, fail(pdu, "x410-mode-parameters", e.Offset, UnexpectedPPDUParameter, "present in normal mode")
	}
	if mode == ModeX410 && p != nil {
		return 0, nil, nil, fail(pdu, "normal-mode-parameters", e.Offset, UnexpectedPPDUParameter, "present in X.410-1984 mode")
	}
	return mode, x410, p, nil
}

// DecodeCP decodes a CP-type, the user data of an S-CONNECT request.
func DecodeCP(b []byte) (*CP, error) {
	mode, x410, p, err := readModeSet(b, "CP", cpParams)
	if err != nil {
		return nil, err
	}
	cp := &CP{Mode: mode, X410: x410}
	if p != nil {
		cp.Normal = &NormalCP{
			ProtocolVersion: p.version, CallingSelector: p.calling, CalledSelector: p.called,
			Contexts: p.contexts, DefaultContext: p.defaultCtx, PresentationRequirements: p.presReq,
			SessionRequirements: p.sessReq, Other: p.other, UserData: p.ud,
		}
	}
	return cp, nil
}

// DecodeCPA decodes a CPA-PPDU, the user data of an S-CONNECT accept.
func DecodeCPA(b []byte) (*CPA, error) {
	mode, x410, p, err := readModeSet(b, "CPA", cpaParams)
	if err != nil {
		return nil, err
	}
	cpa := &CPA{Mode: mode, X410: x410}
	if p != nil {
		cpa.Normal = &NormalCPA{
			ProtocolVersion: p.version, RespondingSelector: p.responding, Results: p.results,
			PresentationRequirements: p.presReq, SessionRequirements: p.sessReq,
			Other: p.other, UserData: p.ud,
		}
	}
	return cpa, nil
}

// DecodeCPR decodes a CPR-PPDU, the user data of an S-CONNECT refusal.
func DecodeCPR(b []byte) (*CPR, error) {
	r := ber.NewReader(b, nil)
	e, err := r.Next()
	if err != nil {
		return nil, wrap("CPR", "", UnrecognizedPPDU, err)
	}
	if err := r.End("CPR"); err != nil {
		return nil, wrap("CPR", "", UnexpectedPPDUParameter, err)
	}
	switch e.Tag {
	case ber.Set:
		if !e.Constructed {
			return nil, fail("CPR", "x400-mode-parameters", e.Offset, InvalidPPDUParameterValue, "not constructed")
		}
		return &CPR{X410: e.Raw}, nil
	case ber.Sequence:
		c, err := e.Children()
		if err != nil {
			return nil, wrap("CPR", "normal-mode-parameters", InvalidPPDUParameterValue, err)
		}
		p, err := readParams(c, "CPR", cprParams)
		if err != nil {
			return nil, err
		}
		return &CPR{Normal: &NormalCPR{
			ProtocolVersion: p.version, RespondingSelector: p.responding, Results: p.results,
			DefaultContextResult: p.defaultResult, ProviderReason: p.reason, UserData: p.ud,
		}}, nil
	}
	return nil, fail("CPR", "", e.Offset, UnrecognizedPPDU, "unexpected %s", e.Tag)
}

func readContextsAndData(e *ber.Element, pdu string) (*ContextsAndData, error) {
	c, err := e.Children()
	if err != nil {
		return nil, wrap(pdu, "", InvalidPPDUParameterValue, err)
	}
	const field = "presentation-context-identifier-list"
	d := &ContextsAndData{}
	if l, ok, err := c.Optional(ber.Context(0)); err != nil {
		return nil, wrap(pdu, field, InvalidPPDUParameterValue, err)
	} else if ok {
		lc, err := l.Children()
		if err != nil {
			return nil, wrap(pdu, field, InvalidPPDUParameterValue, err)
		}
		d.Contexts = []ContextIdentifier{}
		for !lc.Empty() {
			if len(d.Contexts) == MaxContexts {
				return nil, fail(pdu, field, lc.Offset(), InvalidPPDUParameterValue, "more than %d contexts", MaxContexts)
			}
			var x ContextIdentifier
			it, err := lc.Expect(ber.Sequence)
			var ic ber.Reader
			var id, ts ber.Element
			if err == nil {
				ic, err = it.Children()
			}
			if err == nil {
				id, err = ic.Expect(ber.Integer)
			}
			if err == nil {
				x.ID, err = id.Int()
			}
			if err == nil {
				ts, err = ic.Expect(ber.ObjectID)
			}
			if err == nil {
				x.TransferSyntax, err = ts.OID()
			}
			if err == nil {
				err = ic.End(field)
			}
			if err != nil {
				return nil, wrap(pdu, field, InvalidPPDUParameterValue, err)
			}
			d.Contexts = append(d.Contexts, x)
		}
	}
	if !c.Empty() {
		if !isUserData(&c) {
			t, _, _ := c.Peek()
			return nil, fail(pdu, "", c.Offset(), UnrecognizedPPDUParameter, "unexpected %s", t)
		}
		if d.UserData, err = readUserData(&c, pdu); err != nil {
			return nil, err
		}
		if err := c.End(pdu); err != nil {
			return nil, wrap(pdu, "", UnexpectedPPDUParameter, err)
		}
	}
	return d, nil
}

// DecodeAbort decodes an Abort-type: an ARU-PPDU (the user data of
// S-U-ABORT) or an ARP-PPDU.
func DecodeAbort(b []byte) (*Abort, error) {
	r := ber.NewReader(b, nil)
	e, err := r.Next()
	if err != nil {
		return nil, wrap("Abort", "", UnrecognizedPPDU, err)
	}
	if err := r.End("Abort-type"); err != nil {
		return nil, wrap("Abort", "", UnexpectedPPDUParameter, err)
	}
	switch e.Tag {
	case ber.Set:
		if !e.Constructed {
			return nil, fail("ARU", "x400-mode-parameters", e.Offset, InvalidPPDUParameterValue, "not constructed")
		}
		return &Abort{ARU: &ARU{X410: e.Raw}}, nil
	case ber.Context(0):
		d, err := readContextsAndData(&e, "ARU")
		if err != nil {
			return nil, err
		}
		return &Abort{ARU: &ARU{Normal: d}}, nil
	case ber.Sequence:
		c, err := e.Children()
		if err != nil {
			return nil, wrap("ARP", "", InvalidPPDUParameterValue, err)
		}
		a := &ARP{}
		if f, ok, err := c.Optional(ber.Context(0)); err != nil {
			return nil, wrap("ARP", "provider-reason", InvalidPPDUParameterValue, err)
		} else if ok {
			v, err := f.Int()
			if err != nil {
				return nil, wrap("ARP", "provider-reason", InvalidPPDUParameterValue, err)
			}
			r := AbortReason(v)
			a.Reason = &r
		}
		if f, ok, err := c.Optional(ber.Context(1)); err != nil {
			return nil, wrap("ARP", "event-identifier", InvalidPPDUParameterValue, err)
		} else if ok {
			v, err := f.Int()
			if err != nil {
				return nil, wrap("ARP", "event-identifier", InvalidPPDUParameterValue, err)
			}
			a.EventIdentifier = &v
		}
		if err := c.End("ARP-PPDU"); err != nil {
			return nil, wrap("ARP", "", UnrecognizedPPDUParameter, err)
		}
		return &Abort{ARP: a}, nil
	}
	return nil, fail("Abort", "", e.Offset, UnrecognizedPPDU, "unexpected %s", e.Tag)
}

// DecodeRS decodes an RS-PPDU (resynchronize request, X.226 §8.2).
func DecodeRS(b []byte) (*ContextsAndData, error) { return decodeSeqCD(b, "RS") }

// DecodeRSA decodes an RSA-PPDU (resynchronize response).
func DecodeRSA(b []byte) (*ContextsAndData, error) { return decodeSeqCD(b, "RSA") }

func decodeSeqCD(b []byte, pdu string) (*ContextsAndData, error) {
	r := ber.NewReader(b, nil)
	e, err := r.Expect(ber.Sequence)
	if err != nil {
		return nil, wrap(pdu, "", UnrecognizedPPDU, err)
	}
	if err := r.End(pdu); err != nil {
		return nil, wrap(pdu, "", UnexpectedPPDUParameter, err)
	}
	return readContextsAndData(&e, pdu)
}
