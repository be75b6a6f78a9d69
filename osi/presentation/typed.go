package presentation

import (
	"mixerd/ber"
)

// AC is AC-PPDU, a P-ALTER-CONTEXT request (X.226 §8.2).
//
//	AC-PPDU ::= SEQUENCE {
//	  presentation-context-addition-list [0] IMPLICIT Context-list OPTIONAL,
//	  presentation-context-deletion-list [1] IMPLICIT SEQUENCE OF Presentation-context-identifier OPTIONAL,
//	  user-data User-data OPTIONAL}
type AC struct {
	Additions []Context // nil when absent
	Deletions []int     // nil when absent
	UserData  *UserData
}

// ACA is ACA-PPDU, a P-ALTER-CONTEXT response (X.226 §8.2).
//
//	ACA-PPDU ::= SEQUENCE {
//	  presentation-context-addition-result-list [0] IMPLICIT Result-list OPTIONAL,
//	  presentation-context-deletion-result-list [1] IMPLICIT SEQUENCE OF
//	    INTEGER {acceptance(0), user-rejection(1)} OPTIONAL,
//	  user-data User-data OPTIONAL}
type ACA struct {
	AdditionResults []ContextResult // nil when absent
	DeletionResults []int           // nil when absent
	UserData        *UserData
}

// TypedData is Typed-data-type, the user data of S-TYPED-DATA: exactly
// one field is set.
//
//	Typed-data-type ::= CHOICE {acPPDU [0] IMPLICIT AC-PPDU,
//	  acaPPDU [1] IMPLICIT ACA-PPDU, ttdPPDU User-data}
type TypedData struct {
	AC  *AC
	ACA *ACA
	TTD *UserData
}

// DecodeTypedData decodes a Typed-data-type.
func DecodeTypedData(b []byte) (*TypedData, error) {
	r := ber.NewReader(b, nil)
	if isUserData(&r) {
		u, err := DecodeUserData(b)
		if err != nil {
			return nil, err
		}
		return &TypedData{TTD: u}, nil
	}
	e, err := r.Next()
	if err != nil {
		return nil, wrap("Typed-data", "", UnrecognizedPPDU, err)
	}
	if err := r.End("Typed-data"); err != nil {
		return nil, wrap("Typed-data", "", UnexpectedPPDUParameter, err)
	}
	var pdu string
	switch e.Tag {
	case ber.Context(0):
		pdu = "AC"
	case ber.Context(1):
		pdu = "ACA"
	default:
		return nil, fail("Typed-data", "", e.Offset, UnrecognizedPPDU, "unexpected %s", e.Tag)
	}
	c, err := e.Children()
	if err != nil {
		return nil, wrap(pdu, "", InvalidPPDUParameterValue, err)
	}
	var (
		ctxs    []Context
		results []ContextResult
		ints    []int
		ud      *UserData
	)
	if l, ok, err := c.Optional(ber.Context(0)); err != nil {
		return nil, wrap(pdu, "addition list", InvalidPPDUParameterValue, err)
	} else if ok {
		if pdu == "AC" {
			ctxs, err = readContextList(&l, pdu, "presentation-context-addition-list")
		} else {
			results, err = readResultList(&l, pdu, "presentation-context-addition-result-list")
		}
		if err != nil {
			return nil, err
		}
	}
	if l, ok, err := c.Optional(ber.Context(1)); err != nil {
		return nil, wrap(pdu, "deletion list", InvalidPPDUParameterValue, err)
	} else if ok {
		lc, err := l.Children()
		if err != nil {
			return nil, wrap(pdu, "deletion list", InvalidPPDUParameterValue, err)
		}
		ints = []int{}
		for !lc.Empty() {
			if len(ints) == MaxContexts {
				return nil, fail(pdu, "deletion list", lc.Offset(), InvalidPPDUParameterValue, "more than %d items", MaxContexts)
			}
			x, err := lc.Expect(ber.Integer)
			var v int
			if err == nil {
				v, err = x.Int()
			}
			if err != nil {
				return nil, wrap(pdu, "deletion list", InvalidPPDUParameterValue, err)
			}
			ints = append(ints, v)
		}
	}
	if !c.Empty() {
		if !isUserData(&c) {
			t, _, _ := c.Peek()
			return nil, fail(pdu, "", c.Offset(), UnrecognizedPPDUParameter, "unexpected %s", t)
		}
		if ud, err = readUserData(&c, pdu); err != nil {
			return nil, err
		}
		if err := c.End(pdu); err != nil {
			return nil, wrap(pdu, "", UnexpectedPPDUParameter, err)
		}
	}
	if pdu == "AC" {
		return &TypedData{AC: &AC{Additions: ctxs, Deletions: ints, UserData: ud}}, nil
	}
	return &TypedData{ACA: &ACA{AdditionResults: results, DeletionResults: ints, UserData: ud}}, nil
}

// AppendTypedData appends the encoding of t.
func AppendTypedData(dst []byte, t *TypedData) ([]byte, error) {
	var b ber.Builder
	addInts := func(l []int) {
		if l == nil {
			return
		}
		m := b.Begin(ber.Context(1))
		for _, v := range l {
			b.AddInt(ber.Integer, int64(v))
		}
		b.End(m)
	}
	switch {
	case t.TTD != nil:
		addUserData(&b, t.TTD)
	case t.AC != nil:
		m := b.Begin(ber.Context(0))
		if t.AC.Additions != nil {
			addContexts(&b, ber.Context(0), t.AC.Additions)
		}
		addInts(t.AC.Deletions)
		if t.AC.UserData != nil {
			addUserData(&b, t.AC.UserData)
		}
		b.End(m)
	case t.ACA != nil:
		m := b.Begin(ber.Context(1))
		if t.ACA.AdditionResults != nil {
			addResults(&b, ber.Context(0), t.ACA.AdditionResults)
		}
		addInts(t.ACA.DeletionResults)
		if t.ACA.UserData != nil {
			addUserData(&b, t.ACA.UserData)
		}
		b.End(m)
	default:
		b.Fail(fail("Typed-data", "", 0, InvalidPPDUParameterValue, "empty"))
	}
	return finish(dst, &b)
}
