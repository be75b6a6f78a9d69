package x400

import (
	"time"

	"mixerd/ber"
)

// TraceInformation records the domains a message, probe or report went
// through, X.411 §12.2.1.1.1 (MTAAbstractService):
//
//	TraceInformation ::= [APPLICATION 9] SEQUENCE SIZE (1..ub-transfers) OF
//	                       TraceInformationElement
//	TraceInformationElement ::= SEQUENCE {
//	  global-domain-identifier     GlobalDomainIdentifier,
//	  domain-supplied-information  DomainSuppliedInformation }
type TraceInformation []TraceInformationElement

// TraceInformationElement is one domain's entry in the trace.
type TraceInformationElement struct {
	GlobalDomainIdentifier    GlobalDomainIdentifier
	DomainSuppliedInformation DomainSuppliedInformation
}

// RoutingAction says what a domain or MTA did with an object:
//
//	RoutingAction ::= ENUMERATED { relayed (0), rerouted (1) }
type RoutingAction int

// The routing actions.
const (
	RoutingRelayed  RoutingAction = 0
	RoutingRerouted RoutingAction = 1
)

// OtherActions are further things a domain did:
//
//	OtherActions ::= BIT STRING { redirected (0), dl-operation (1) }
type OtherActions uint32

// The other actions.
const (
	OtherActionRedirected OtherActions = 1 << iota
	OtherActionDLOperation
)

// DomainSuppliedInformation is what a domain records about its handling:
//
//	DomainSuppliedInformation ::= SET {
//	  arrival-time      [0] ArrivalTime,
//	  routing-action    [2] RoutingAction,
//	  attempted-domain      GlobalDomainIdentifier OPTIONAL,
//	  -- additional-actions -- COMPONENTS OF AdditionalActions }
//	AdditionalActions ::= SET {
//	  deferred-time                       [1] DeferredTime OPTIONAL,
//	  converted-encoded-information-types     ConvertedEncodedInformationTypes OPTIONAL,
//	  other-actions                       [3] OtherActions DEFAULT {} }
type DomainSuppliedInformation struct {
	ArrivalTime     time.Time
	RoutingAction   RoutingAction
	AttemptedDomain *GlobalDomainIdentifier
	DeferredTime    time.Time
	ConvertedEITs   *EncodedInformationTypes
	OtherActions    OtherActions
}

// InternalTraceInformation records the MTAs within a domain an object went
// through, the value of the internal-trace-information extension (38),
// X.411 §12.2.1.1.1 (MTAAbstractService):
//
//	InternalTraceInformation ::= SEQUENCE SIZE (1..ub-transfers) OF
//	                               InternalTraceInformationElement
//	InternalTraceInformationElement ::= SEQUENCE {
//	  global-domain-identifier  GlobalDomainIdentifier,
//	  mta-name                  MTAName,
//	  mta-supplied-information  MTASuppliedInformation }
type InternalTraceInformation []InternalTraceInformationElement

// InternalTraceInformationElement is one MTA's entry in the internal trace.
type InternalTraceInformationElement struct {
	GlobalDomainIdentifier GlobalDomainIdentifier
	// MTAName is an IA5String (MTAName ::= IA5String (SIZE (1..ub-mta-name-length))).
	MTAName                string
	MTASuppliedInformation MTASuppliedInformation
}

// MTASuppliedInformation is what an MTA records about its handling:
//
//	MTASuppliedInformation ::= SET {
//	  arrival-time    [0] ArrivalTime,
//	  routing-action  [2] RoutingAction,
//	  attempted       CHOICE { mta MTAName, domain GlobalDomainIdentifier } OPTIONAL,
//	  -- additional-actions -- COMPONENTS OF InternalAdditionalActions }
//
// At most one of AttemptedMTA and AttemptedDomain is set.
type MTASuppliedInformation struct {
	ArrivalTime     time.Time
	RoutingAction   RoutingAction
	AttemptedMTA    string
	AttemptedDomain *GlobalDomainIdentifier
	DeferredTime    time.Time
	ConvertedEITs   *EncodedInformationTypes
	OtherActions    OtherActions
}

func (t *TraceInformation) decode(e *ber.Element) error { return t.decodeIn(e, nil) }

// decodeIn is decode taking spare storage from pool (nil: allocate).
func (t *TraceInformation) decodeIn(e *ber.Element, pool *p1Pool) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	for !r.Empty() {
		c, err := r.Expect(ber.Sequence)
		if err != nil {
			return err
		}
		*t = p1Grow(*t, &r)
		el := &(*t)[len(*t)-1]
		if err := el.decodeIn(&c, pool); err != nil {
			return err
		}
	}
	return nil
}

func (t TraceInformation) encode(b *ber.Builder, tag ber.Tag) {
	m := b.Begin(tag)
	for i := range t {
		t[i].encode(b)
	}
	b.End(m)
}

func (el *TraceInformationElement) decode(e *ber.Element) error { return el.decodeIn(e, nil) }

// decodeIn is decode taking spare storage from pool (nil: allocate).
func (el *TraceInformationElement) decodeIn(e *ber.Element, pool *p1Pool) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	c, err := r.Expect(p1TagGDI)
	if err != nil {
		return ber.Annotate(err, "global-domain-identifier")
	}
	if err := el.GlobalDomainIdentifier.decode(&c); err != nil {
		return ber.Annotate(err, "global-domain-identifier")
	}
	c, err = r.Expect(ber.Set)
	if err != nil {
		return ber.Annotate(err, "domain-supplied-information")
	}
	d := &el.DomainSuppliedInformation
	if err := p1DecodeSupplied(&c, &d.ArrivalTime, &d.RoutingAction, &d.AttemptedDomain, nil,
		&d.DeferredTime, &d.ConvertedEITs, &d.OtherActions, pool); err != nil {
		return ber.Annotate(err, "domain-supplied-information")
	}
	return r.End("TraceInformationElement")
}

func (el *TraceInformationElement) encode(b *ber.Builder) {
	m := b.Begin(ber.Sequence)
	el.GlobalDomainIdentifier.encode(b, p1TagGDI)
	d := &el.DomainSuppliedInformation
	p1EncodeSupplied(b, d.ArrivalTime, d.RoutingAction, d.AttemptedDomain, "", d.DeferredTime, d.ConvertedEITs, d.OtherActions)
	b.End(m)
}

func (t *InternalTraceInformation) decode(e *ber.Element) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	for !r.Empty() {
		c, err := r.Expect(ber.Sequence)
		if err != nil {
			return err
		}
		*t = p1Grow(*t, &r)
		el := &(*t)[len(*t)-1]
		if err := el.decode(&c); err != nil {
			return err
		}
	}
	return nil
}

func (t InternalTraceInformation) encode(b *ber.Builder, tag ber.Tag) {
	m := b.Begin(tag)
	for i := range t {
		t[i].encode(b)
	}
	b.End(m)
}

func (el *InternalTraceInformationElement) decode(e *ber.Element) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	if err := p1DecodeDomainString(&r, &el.GlobalDomainIdentifier, "global-domain-identifier", &el.MTAName, "mta-name"); err != nil {
		return err
	}
	c, err := r.Expect(ber.Set)
	if err != nil {
		return ber.Annotate(err, "mta-supplied-information")
	}
	d := &el.MTASuppliedInformation
	if err := p1DecodeSupplied(&c, &d.ArrivalTime, &d.RoutingAction, &d.AttemptedDomain, &d.AttemptedMTA,
		&d.DeferredTime, &d.ConvertedEITs, &d.OtherActions, nil); err != nil {
		return ber.Annotate(err, "mta-supplied-information")
	}
	return r.End("InternalTraceInformationElement")
}

func (el *InternalTraceInformationElement) encode(b *ber.Builder) {
	m := b.Begin(ber.Sequence)
	el.GlobalDomainIdentifier.encode(b, p1TagGDI)
	p1AddString(b, p1TagIA5, el.MTAName, IsIA5String, "mta-name", "IA5String")
	d := &el.MTASuppliedInformation
	p1EncodeSupplied(b, d.ArrivalTime, d.RoutingAction, d.AttemptedDomain, d.AttemptedMTA, d.DeferredTime, d.ConvertedEITs, d.OtherActions)
	b.End(m)
}

// p1DecodeSupplied reads a DomainSuppliedInformation (attemptedMTA nil) or
// an MTASuppliedInformation (attemptedMTA set).
func p1DecodeSupplied(e *ber.Element, arrival *time.Time, action *RoutingAction, attempted **GlobalDomainIdentifier,
	attemptedMTA *string, deferred *time.Time, eits **EncodedInformationTypes, other *OtherActions, pool *p1Pool) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	var seen seenSet
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		switch {
		case c.Tag == ber.Context(0):
			if err := seen.add(&c, 0, "arrival-time"); err != nil {
				return err
			}
			if *arrival, err = p1Time(&c); err != nil {
				return ber.Annotate(err, "arrival-time")
			}
		case c.Tag == ber.Context(2):
			if err := seen.add(&c, 1, "routing-action"); err != nil {
				return err
			}
			v, err := p1Int(&c, 0, 1)
			if err != nil {
				return ber.Annotate(err, "routing-action")
			}
			*action = RoutingAction(v)
		case c.Tag == p1TagGDI:
			if err := seen.add(&c, 2, "attempted"); err != nil {
				return err
			}
			g := new(GlobalDomainIdentifier)
			if err := g.decode(&c); err != nil {
				return ber.Annotate(err, "attempted")
			}
			*attempted = g
		case c.Tag == p1TagIA5 && attemptedMTA != nil:
			if err := seen.add(&c, 2, "attempted"); err != nil {
				return err
			}
			if *attemptedMTA, err = ia5Str(&c); err != nil {
				return ber.Annotate(err, "attempted")
			}
		case c.Tag == ber.Context(1):
			if err := seen.add(&c, 3, "deferred-time"); err != nil {
				return err
			}
			if *deferred, err = p1Time(&c); err != nil {
				return ber.Annotate(err, "deferred-time")
			}
		case c.Tag == p1TagEIT:
			if err := seen.add(&c, 4, "converted-encoded-information-types"); err != nil {
				return err
			}
			x := pool.eit()
			if err := x.decode(&c); err != nil {
				return ber.Annotate(err, "converted-encoded-information-types")
			}
			*eits = x
		case c.Tag == ber.Context(3):
			if err := seen.add(&c, 5, "other-actions"); err != nil {
				return err
			}
			v, err := p1Bits(&c)
			if err != nil {
				return ber.Annotate(err, "other-actions")
			}
			*other = OtherActions(v)
		default:
			return p1Unexpected(&c, "supplied information")
		}
	}
	if !seen.has(0) {
		return p1Missing(e, "arrival-time")
	}
	if !seen.has(1) {
		return p1Missing(e, "routing-action")
	}
	return nil
}

func p1EncodeSupplied(b *ber.Builder, arrival time.Time, action RoutingAction, attempted *GlobalDomainIdentifier,
	attemptedMTA string, deferred time.Time, eits *EncodedInformationTypes, other OtherActions) {
	// DER order: IA5String, [APPLICATION 3], [APPLICATION 5], [0]..[3].
	m := b.Begin(ber.Set)
	switch {
	case attemptedMTA != "":
		p1AddString(b, p1TagIA5, attemptedMTA, IsIA5String, "attempted mta", "IA5String")
	case attempted != nil:
		attempted.encode(b, p1TagGDI)
	}
	if eits != nil {
		eits.encode(b, p1TagEIT)
	}
	p1AddTime(b, ber.Context(0), arrival, "arrival-time")
	if !deferred.IsZero() {
		p1AddTime(b, ber.Context(1), deferred, "deferred-time")
	}
	b.AddInt(ber.Context(2), int64(action))
	if other != 0 {
		p1AddBits(b, ber.Context(3), uint32(other), 0)
	}
	p1EndSet(b, m)
}
