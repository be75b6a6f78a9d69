package x400

import (
	"errors"
	"strconv"

	"mixerd/ber"
)

// MTABindArgument is what the initiating MTA sends to open an
// association, X.411 §12.1.1 (MTAAbstractService). It rides in the RTSE
// RTORQ userDataRTORQ (normal mode) or, in X.410-1984 mode, in the RTS
// connection data carried by the session connect:
//
//	MTABindArgument ::= CHOICE {
//	  unauthenticated  NULL,
//	  authenticated    [1] SET {
//	    initiator-name         [0] MTAName,
//	    initiator-credentials  [1] InitiatorCredentials,
//	    security-context       [2] SecurityContext OPTIONAL } }
//	MTAName ::= IA5String (SIZE (1..ub-mta-name-length))
type MTABindArgument struct {
	// Unauthenticated selects the NULL alternative; the other fields are
	// then ignored.
	Unauthenticated bool
	InitiatorName   string
	Credentials     Credentials
	// SecurityContext holds the SecurityLabel elements of the security
	// context (SecurityContext ::= SET SIZE (1..ub-security-labels) OF
	// SecurityLabel), each kept as its encoding; nil when absent.
	SecurityContext []Raw
}

// MTABindResult is what the responding MTA answers when it accepts the
// association, X.411 §12.1.1 (RTSE RTOAC userDataRTOAC):
//
//	MTABindResult ::= CHOICE {
//	  unauthenticated  NULL,
//	  authenticated    [1] SET {
//	    responder-name         [0] MTAName,
//	    responder-credentials  [1] ResponderCredentials } }
type MTABindResult struct {
	Unauthenticated bool
	ResponderName   string
	Credentials     Credentials
}

// Credentials are an MTA's credentials, X.411 §8.1.1
// (MTSAbstractService):
//
//	Credentials ::= CHOICE {
//	  simple     Password,
//	  strong     [0] StrongCredentials,
//	  ...,
//	  protected  [1] ProtectedPassword }
//	Password ::= CHOICE {
//	  ia5-string    IA5String (SIZE (0..ub-password-length)),
//	  octet-string  OCTET STRING (SIZE (0..ub-password-length)) }
//
// Simple credentials are Password (an octet string in both alternatives;
// PasswordIA5 records that it was, or is to be, sent as an IA5String:
// X.411 (1988) peers may accept only one form, and PP sends OCTET
// STRING). Strong or protected credentials are kept as their encoding in
// Other (the whole [0] or [1] element), which this package does not
// interpret; Password is then unused.
type Credentials struct {
	Password    string
	PasswordIA5 bool
	Other       Raw
}

// MTABindError is the reason an MTA refuses an association, X.411 §12.1.1:
//
//	MTABindError ::= INTEGER { busy (0), authentication-error (2),
//	  unacceptable-dialogue-mode (3), unacceptable-security-context (4),
//	  inadequate-association-confidentiality (5) } (0..ub-integer-options)
//
// It rides in the RTSE RTORJ userDataRJ.
type MTABindError int

// The MTA bind errors.
const (
	BindBusy                                 MTABindError = 0
	BindAuthenticationError                  MTABindError = 2
	BindUnacceptableDialogueMode             MTABindError = 3
	BindUnacceptableSecurityContext          MTABindError = 4
	BindInadequateAssociationConfidentiality MTABindError = 5
)

// String returns the ASN.1 name of the error.
func (e MTABindError) String() string {
	switch e {
	case BindBusy:
		return "busy"
	case BindAuthenticationError:
		return "authentication-error"
	case BindUnacceptableDialogueMode:
		return "unacceptable-dialogue-mode"
	case BindUnacceptableSecurityContext:
		return "unacceptable-security-context"
	case BindInadequateAssociationConfidentiality:
		return "inadequate-association-confidentiality"
	}
	return strconv.Itoa(int(e))
}

// Error makes an MTABindError usable as the error of a refused bind.
func (e MTABindError) Error() string { return "x400: MTA bind refused: " + e.String() }

var p1TagAuthenticated = ber.Context(1)

// DecodeMTABindArgument decodes an MTABindArgument; b must hold exactly
// one element. The value returned refers to b.
func DecodeMTABindArgument(b []byte, lim *ber.Limits) (*MTABindArgument, error) {
	a := new(MTABindArgument)
	err := p1DecodeBind(b, lim, "MTABindArgument", "initiator-name", "initiator-credentials",
		&a.Unauthenticated, &a.InitiatorName, &a.Credentials, &a.SecurityContext)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// DecodeMTABindResult decodes an MTABindResult; b must hold exactly one
// element. The value returned refers to b.
func DecodeMTABindResult(b []byte, lim *ber.Limits) (*MTABindResult, error) {
	a := new(MTABindResult)
	err := p1DecodeBind(b, lim, "MTABindResult", "responder-name", "responder-credentials",
		&a.Unauthenticated, &a.ResponderName, &a.Credentials, nil)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// DecodeMTABindError decodes an MTABindError.
func DecodeMTABindError(b []byte, lim *ber.Limits) (MTABindError, error) {
	r := ber.NewReader(b, lim)
	e, err := r.Expect(ber.Integer)
	if err != nil {
		return 0, ber.Annotate(err, "MTABindError")
	}
	v, err := p1Int(&e, 0, 1<<31-1)
	if err != nil {
		return 0, ber.Annotate(err, "MTABindError")
	}
	return MTABindError(v), r.End("MTABindError")
}

// Marshal returns the DER encoding of e.
func (e MTABindError) Marshal() ([]byte, error) {
	if e < 0 {
		return nil, errors.New("x400: negative MTABindError")
	}
	b := ber.NewBuilder(8)
	b.AddInt(ber.Integer, int64(e))
	return b.Bytes(), nil
}

// Marshal returns the DER encoding of a.
func (a *MTABindArgument) Marshal() ([]byte, error) {
	b := ber.NewBuilder(64)
	a.AppendTo(b)
	if err := b.Err(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// AppendTo writes the DER encoding of a to b.
func (a *MTABindArgument) AppendTo(b *ber.Builder) {
	p1EncodeBind(b, a.Unauthenticated, a.InitiatorName, &a.Credentials, a.SecurityContext, "initiator-name")
}

// Marshal returns the DER encoding of a.
func (a *MTABindResult) Marshal() ([]byte, error) {
	b := ber.NewBuilder(64)
	a.AppendTo(b)
	if err := b.Err(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// AppendTo writes the DER encoding of a to b.
func (a *MTABindResult) AppendTo(b *ber.Builder) {
	p1EncodeBind(b, a.Unauthenticated, a.ResponderName, &a.Credentials, nil, "responder-name")
}

func p1DecodeBind(b []byte, lim *ber.Limits, what, nameName, credName string,
	unauth *bool, name *string, cred *Credentials, sc *[]Raw) error {
	r := ber.NewReader(b, lim)
	e, err := r.Next()
	if err != nil {
		return ber.Annotate(err, what)
	}
	switch e.Tag {
	case ber.Null:
		if err := e.Null(); err != nil {
			return ber.Annotate(err, what)
		}
		*unauth = true
		return r.End(what)
	case p1TagAuthenticated:
	default:
		return ber.Annotate(e.Errorf("%s is not an alternative (unauthenticated NULL, authenticated [1])", e.Tag), what)
	}
	cr, err := e.Children()
	if err != nil {
		return ber.Annotate(ber.Annotate(err, "authenticated"), what)
	}
	var seen seenSet
	for !cr.Empty() {
		c, err := cr.Next()
		if err != nil {
			return ber.Annotate(ber.Annotate(err, "authenticated"), what)
		}
		switch {
		case c.Tag == ber.Context(0):
			if err := seen.add(&c, 0, nameName); err != nil {
				return ber.Annotate(ber.Annotate(err, "authenticated"), what)
			}
			if *name, err = ia5Str(&c); err != nil {
				return ber.Annotate(ber.Annotate(ber.Annotate(err, nameName), "authenticated"), what)
			}
		case c.Tag == ber.Context(1):
			if err := seen.add(&c, 1, credName); err != nil {
				return ber.Annotate(ber.Annotate(err, "authenticated"), what)
			}
			v, err := explicit(&c)
			if err == nil {
				err = cred.decode(&v)
			}
			if err != nil {
				return ber.Annotate(ber.Annotate(ber.Annotate(err, credName), "authenticated"), what)
			}
		case c.Tag == ber.Context(2) && sc != nil:
			if err := seen.add(&c, 2, "security-context"); err != nil {
				return ber.Annotate(ber.Annotate(err, "authenticated"), what)
			}
			l, err := p1RawList(&c)
			if err == nil && len(l) == 0 {
				err = c.Errorf("empty security-context")
			}
			if err != nil {
				return ber.Annotate(ber.Annotate(ber.Annotate(err, "security-context"), "authenticated"), what)
			}
			*sc = l
		default:
			return ber.Annotate(ber.Annotate(p1Unexpected(&c, what), "authenticated"), what)
		}
	}
	if !seen.has(0) {
		return ber.Annotate(p1Missing(&e, nameName), what)
	}
	if !seen.has(1) {
		return ber.Annotate(p1Missing(&e, credName), what)
	}
	return r.End(what)
}

func p1EncodeBind(b *ber.Builder, unauth bool, name string, cred *Credentials, sc []Raw, nameName string) {
	if unauth {
		b.AddNull(ber.Null)
		return
	}
	m := b.Begin(p1TagAuthenticated)
	p1AddString(b, ber.Context(0), name, IsIA5String, nameName, "IA5String")
	c := b.Begin(ber.Context(1))
	cred.encode(b)
	b.End(c)
	if sc != nil {
		s := b.Begin(ber.Context(2))
		for _, l := range sc {
			addKept(b, l, "security-context", ber.Tag{}, false)
		}
		b.EndSetOf(s)
	}
	p1EndSet(b, m)
}

func (c *Credentials) decode(e *ber.Element) error {
	var err error
	switch e.Tag {
	case p1TagIA5:
		c.Password, err = ia5Str(e)
		c.PasswordIA5 = true
	case p1TagOctets:
		var p []byte
		p, err = e.Bytes()
		c.Password = unsafeString(p)
	case ber.Context(0), ber.Context(1):
		if !e.Constructed {
			return e.Errorf("%s: expected a constructed encoding", e.Tag)
		}
		c.Other = Raw(e.Raw)
	default:
		return e.Errorf("%s is not a Credentials alternative", e.Tag)
	}
	return err
}

func (c *Credentials) encode(b *ber.Builder) {
	switch {
	case c.Other != nil:
		addKept(b, c.Other, "credentials", ber.Tag{}, false)
	case c.PasswordIA5:
		p1AddString(b, p1TagIA5, c.Password, IsIA5String, "password", "IA5String")
	default:
		b.AddString(p1TagOctets, c.Password)
	}
}
