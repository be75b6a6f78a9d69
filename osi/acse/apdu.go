package acse

import (
	"mixerd/ber"
)

// APTitle is AP-title (an AE-title has the same form).
//
//	AP-title ::= CHOICE {ap-title-form1 Name, ap-title-form2 OBJECT IDENTIFIER,
//	                     ..., ap-title-form3 PrintableString}
type APTitle struct {
	OID ber.OID // form 2
	Raw []byte  // form 1 (a Name, SEQUENCE) or form 3 (PrintableString), complete encoding
}

// Qualifier is AE-qualifier / ASO-qualifier.
//
//	ASO-qualifier ::= CHOICE {aso-qualifier-form1 RelativeDistinguishedName,
//	  aso-qualifier-form2 INTEGER, ..., aso-qualifier-form3 PrintableString,
//	  aso-qualifier-form-any-octets OCTET STRING}
type Qualifier struct {
	Int *int   // form 2
	Raw []byte // other forms, complete encoding
}

// AuthValue is Authentication-value; Raw is the complete encoding of the
// chosen alternative: charstring [0] IMPLICIT GraphicString, bitstring [1]
// IMPLICIT BIT STRING, external [2] IMPLICIT EXTERNAL, other [3] IMPLICIT
// SEQUENCE.
type AuthValue struct {
	Raw []byte
}

// Password returns the charstring alternative holding s.
func Password(s string) *AuthValue {
	var b ber.Builder
	b.AddString(ber.Context(0), s)
	return &AuthValue{Raw: b.Bytes()}
}

// Result is Associate-result.
type Result int

// Associate-result values.
const (
	Accepted          Result = 0
	RejectedPermanent Result = 1
	RejectedTransient Result = 2
)

// DiagnosticSource selects the alternative of Associate-source-diagnostic.
type DiagnosticSource int

// Associate-source-diagnostic alternatives (their tags).
const (
	ServiceUser     DiagnosticSource = 1 // [1] acse-service-user
	ServiceProvider DiagnosticSource = 2 // [2] acse-service-provider
)

// Service-user diagnostics (acse-service-user).
const (
	UserNull                           = 0
	UserNoReasonGiven                  = 1
	ApplicationContextNameNotSupported = 2
	CallingAPTitleNotRecognized        = 3
	CallingAPInvocationNotRecognized   = 4
	CallingAEQualifierNotRecognized    = 5
	CallingAEInvocationNotRecognized   = 6
	CalledAPTitleNotRecognized         = 7
	CalledAPInvocationNotRecognized    = 8
	CalledAEQualifierNotRecognized     = 9
	CalledAEInvocationNotRecognized    = 10
	UserAuthMechanismNotRecognized     = 11
	UserAuthMechanismRequired          = 12
	UserAuthenticationFailure          = 13
	UserAuthenticationRequired         = 14
)

// Service-provider diagnostics (acse-service-provider).
const (
	ProviderNull                = 0
	ProviderNoReasonGiven       = 1
	ProviderNoCommonACSEVersion = 2
)

// Diagnostic is Associate-source-diagnostic.
//
//	Associate-source-diagnostic ::= CHOICE {acse-service-user [1] INTEGER {...},
//	                                        acse-service-provider [2] INTEGER {...}}
type Diagnostic struct {
	Source DiagnosticSource
	Value  int
}

// AARQ is AARQ-apdu (X.227 §9.1), the A-ASSOCIATE request.
//
//	AARQ-apdu ::= [APPLICATION 0] IMPLICIT SEQUENCE {
//	  protocol-version [0] IMPLICIT BIT STRING {version1(0)} DEFAULT {version1},
//	  aSO-context-name [1] ASO-context-name,
//	  called-AP-title [2] AP-title OPTIONAL, called-AE-qualifier [3] AE-qualifier OPTIONAL,
//	  called-AP-invocation-identifier [4] ... OPTIONAL, called-AE-invocation-identifier [5] ... OPTIONAL,
//	  calling-AP-title [6] ..., calling-AE-qualifier [7] ..., calling-AP-invocation-identifier [8] ...,
//	  calling-AE-invocation-identifier [9] ...,
//	  sender-acse-requirements [10] IMPLICIT ACSE-requirements OPTIONAL,
//	  mechanism-name [11] IMPLICIT Mechanism-name OPTIONAL,
//	  calling-authentication-value [12] EXPLICIT Authentication-value OPTIONAL,
//	  aSO-context-name-list [13] ..., implementation-information [29] IMPLICIT Implementation-data OPTIONAL,
//	  ..., p-context-definition-list [14] ..., called-asoi-tag [15] ..., calling-asoi-tag [16] ...,
//	  user-information [30] IMPLICIT Association-data OPTIONAL}
type AARQ struct {
	ProtocolVersion           *ber.BitString // nil: DEFAULT {version1}
	ContextName               ber.OID
	CalledAPTitle             *APTitle
	CalledAEQualifier         *Qualifier
	CalledAPInvocation        *int
	CalledAEInvocation        *int
	CallingAPTitle            *APTitle
	CallingAEQualifier        *Qualifier
	CallingAPInvocation       *int
	CallingAEInvocation       *int
	Requirements              *ber.BitString // [10] sender-acse-requirements: authentication(0), ...
	MechanismName             ber.OID        // [11]
	Authentication            *AuthValue     // [12] calling-authentication-value
	Other                     [][]byte       // [13]..[16] and unknown extensions, raw, in order
	ImplementationInformation []byte         // [29] GraphicString contents; nil when absent
	UserInformation           []External     // [30]; nil when absent
}

// AARE is AARE-apdu (X.227 §9.1), the A-ASSOCIATE response.
//
//	AARE-apdu ::= [APPLICATION 1] IMPLICIT SEQUENCE {
//	  protocol-version [0] IMPLICIT BIT STRING {version1(0)} DEFAULT {version1},
//	  aSO-context-name [1] ASO-context-name, result [2] Associate-result,
//	  result-source-diagnostic [3] Associate-source-diagnostic,
//	  responding-AP-title [4] ..., responding-AE-qualifier [5] ...,
//	  responding-AP-invocation-identifier [6] ..., responding-AE-invocation-identifier [7] ...,
//	  responder-acse-requirements [8] IMPLICIT ..., mechanism-name [9] IMPLICIT ...,
//	  responding-authentication-value [10] EXPLICIT Authentication-value OPTIONAL,
//	  aSO-context-name-list [11] ..., implementation-information [29] ...,
//	  ..., p-context-result-list [12] ..., called-asoi-tag [13] ..., calling-asoi-tag [14] ...,
//	  user-information [30] IMPLICIT Association-data OPTIONAL}
type AARE struct {
	ProtocolVersion           *ber.BitString
	ContextName               ber.OID
	Result                    Result
	Diagnostic                Diagnostic
	RespondingAPTitle         *APTitle
	RespondingAEQualifier     *Qualifier
	RespondingAPInvocation    *int
	RespondingAEInvocation    *int
	Requirements              *ber.BitString // [8]
	MechanismName             ber.OID        // [9]
	Authentication            *AuthValue     // [10]
	Other                     [][]byte       // [11]..[14] and unknown extensions
	ImplementationInformation []byte         // [29]
	UserInformation           []External     // [30]
}

// Release is RLRQ-apdu or RLRE-apdu (X.227 §9.1).
//
//	RLRQ-apdu ::= [APPLICATION 2] IMPLICIT SEQUENCE {
//	  reason [0] IMPLICIT Release-request-reason OPTIONAL, ...,
//	  aso-qualifier [13] ..., asoi-identifier [14] ...,
//	  user-information [30] IMPLICIT Association-data OPTIONAL}
//
// Release-request-reason: normal(0), urgent(1), user-defined(30);
// Release-response-reason: normal(0), not-finished(1), user-defined(30).
type Release struct {
	Reason          *int
	Other           [][]byte
	UserInformation []External
}

// Release reasons.
const (
	ReleaseNormal      = 0
	ReleaseUrgent      = 1 // request
	ReleaseNotFinished = 1 // response
	ReleaseUserDefined = 30
)

// ABRT is ABRT-apdu (X.227 §9.1).
//
//	ABRT-apdu ::= [APPLICATION 4] IMPLICIT SEQUENCE {
//	  abort-source [0] IMPLICIT ABRT-source,
//	  abort-diagnostic [1] IMPLICIT ABRT-diagnostic OPTIONAL, ...,
//	  aso-qualifier [13] ..., asoi-identifier [14] ...,
//	  user-information [30] IMPLICIT Association-data OPTIONAL}
type ABRT struct {
	Source          AbortSource
	Diagnostic      *AbortDiagnostic
	Other           [][]byte
	UserInformation []External
}

// APDU is ACSE-apdu: exactly one field is set.
type APDU struct {
	AARQ *AARQ
	AARE *AARE
	RLRQ *Release
	RLRE *Release
	ABRT *ABRT
}

var names = [...]string{"AARQ", "AARE", "RLRQ", "RLRE", "ABRT"}

// Decode decodes one ACSE-apdu (the value of a PDV of the ACSE context).
func Decode(b []byte) (*APDU, error) {
	r := ber.NewReader(b, nil)
	e, err := r.Next()
	if err != nil {
		return nil, wrap("ACSE-apdu", "", err)
	}
	if err := r.End("ACSE-apdu"); err != nil {
		return nil, wrap("ACSE-apdu", "", err)
	}
	if e.Tag.Class != ber.ClassApplication || e.Tag.Number > 4 || !e.Constructed {
		return nil, fail("ACSE-apdu", "", e.Offset, "unexpected %s", e.Tag)
	}
	name := names[e.Tag.Number]
	c, _ := e.Children()
	d := decoder{apdu: name}
	a := &APDU{}
	switch e.Tag.Number {
	case 0:
		a.AARQ = &AARQ{}
		err = d.fields(c, a.AARQ.field)
		if err == nil && a.AARQ.ContextName == nil {
			err = fail(name, "aSO-context-name", e.Offset, "missing")
		}
	case 1:
		a.AARE = &AARE{}
		err = d.fields(c, a.AARE.field)
		if err == nil && (a.AARE.ContextName == nil || d.seen&(1<<2|1<<3) != 1<<2|1<<3) {
			err = fail(name, "", e.Offset, "aSO-context-name, result or result-source-diagnostic missing")
		}
	case 2, 3:
		rl := &Release{}
		err = d.fields(c, rl.field)
		if e.Tag.Number == 2 {
			a.RLRQ = rl
		} else {
			a.RLRE = rl
		}
	case 4:
		a.ABRT = &ABRT{}
		err = d.fields(c, a.ABRT.field)
		if err == nil && d.seen&1 == 0 {
			err = fail(name, "abort-source", e.Offset, "missing")
		}
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

type decoder struct {
	apdu string
	seen uint32
}

// fields reads the components of an APDU's SEQUENCE, in any order, each
// at most once, handing each to f.
func (d *decoder) fields(c ber.Reader, f func(d *decoder, e *ber.Element) error) error {
	for !c.Empty() {
		e, err := c.Next()
		if err != nil {
			return wrap(d.apdu, "", err)
		}
		n := e.Tag.Number
		if e.Tag.Class != ber.ClassContext || n > 30 {
			return fail(d.apdu, "", e.Offset, "unexpected %s", e.Tag)
		}
		if d.seen&(1<<n) != 0 {
			return fail(d.apdu, "", e.Offset, "%s repeated", e.Tag)
		}
		d.seen |= 1 << n
		if err := f(d, &e); err != nil {
			return err
		}
	}
	return nil
}

// explicit returns the one element inside an explicitly tagged element.
func (d *decoder) explicit(e *ber.Element, field string) (ber.Element, error) {
	c, err := e.Children()
	var in ber.Element
	if err == nil {
		in, err = c.Next()
	}
	if err == nil {
		err = c.End(field)
	}
	if err != nil {
		return in, wrap(d.apdu, field, err)
	}
	return in, nil
}

func (d *decoder) bits(e *ber.Element, field string) (*ber.BitString, error) {
	bs, err := e.BitString()
	if err != nil {
		return nil, wrap(d.apdu, field, err)
	}
	bs = cleanBits(bs)
	return &bs, nil
}

func (d *decoder) oid(e *ber.Element, field string) (ber.OID, error) {
	o, err := e.OID()
	if err != nil {
		return nil, wrap(d.apdu, field, err)
	}
	return o, nil
}

func (d *decoder) explicitOID(e *ber.Element, field string) (ber.OID, error) {
	in, err := d.explicit(e, field)
	if err != nil {
		return nil, err
	}
	if in.Tag != ber.ObjectID {
		return nil, fail(d.apdu, field, in.Offset, "unexpected %s", in.Tag)
	}
	return d.oid(&in, field)
}

func (d *decoder) explicitInt(e *ber.Element, field string) (*int, error) {
	in, err := d.explicit(e, field)
	if err != nil {
		return nil, err
	}
	if in.Tag != ber.Integer {
		return nil, fail(d.apdu, field, in.Offset, "unexpected %s", in.Tag)
	}
	v, err := in.Int()
	if err != nil {
		return nil, wrap(d.apdu, field, err)
	}
	return &v, nil
}

func (d *decoder) implicitInt(e *ber.Element, field string) (*int, error) {
	v, err := e.Int()
	if err != nil {
		return nil, wrap(d.apdu, field, err)
	}
	return &v, nil
}

func (d *decoder) apTitle(e *ber.Element, field string) (*APTitle, error) {
	in, err := d.explicit(e, field)
	if err != nil {
		return nil, err
	}
	switch in.Tag {
	case ber.ObjectID:
		o, err := d.oid(&in, field)
		return &APTitle{OID: o}, err
	case ber.Sequence, ber.PrintableString:
		return &APTitle{Raw: in.Raw}, nil
	}
	return nil, fail(d.apdu, field, in.Offset, "unexpected %s", in.Tag)
}

func (d *decoder) qualifier(e *ber.Element, field string) (*Qualifier, error) {
	in, err := d.explicit(e, field)
	if err != nil {
		return nil, err
	}
	switch in.Tag {
	case ber.Integer:
		v, err := in.Int()
		if err != nil {
			return nil, wrap(d.apdu, field, err)
		}
		return &Qualifier{Int: &v}, nil
	case ber.Set, ber.PrintableString, ber.OctetString:
		return &Qualifier{Raw: in.Raw}, nil
	}
	return nil, fail(d.apdu, field, in.Offset, "unexpected %s", in.Tag)
}

func (d *decoder) auth(e *ber.Element, field string) (*AuthValue, error) {
	in, err := d.explicit(e, field)
	if err != nil {
		return nil, err
	}
	if in.Tag.Class != ber.ClassContext || in.Tag.Number > 3 {
		return nil, fail(d.apdu, field, in.Offset, "unexpected %s", in.Tag)
	}
	return &AuthValue{Raw: in.Raw}, nil
}

func (d *decoder) userInfo(e *ber.Element) ([]External, error) {
	c, err := e.Children()
	if err != nil {
		return nil, wrap(d.apdu, "user-information", err)
	}
	l := []External{}
	for !c.Empty() {
		if len(l) == MaxExternals {
			return nil, fail(d.apdu, "user-information", c.Offset(), "more than %d EXTERNALs", MaxExternals)
		}
		x, err := readExternal(&c, d.apdu)
		if err != nil {
			return nil, err
		}
		l = append(l, x)
	}
	return l, nil
}

func (d *decoder) impl(e *ber.Element) ([]byte, error) {
	v, err := e.Bytes()
	if err != nil {
		return nil, wrap(d.apdu, "implementation-information", err)
	}
	return v, nil
}

func (a *AARQ) field(d *decoder, e *ber.Element) (err error) {
	switch e.Tag.Number {
	case 0:
		a.ProtocolVersion, err = d.bits(e, "protocol-version")
	case 1:
		a.ContextName, err = d.explicitOID(e, "aSO-context-name")
	case 2:
		a.CalledAPTitle, err = d.apTitle(e, "called-AP-title")
	case 3:
		a.CalledAEQualifier, err = d.qualifier(e, "called-AE-qualifier")
	case 4:
		a.CalledAPInvocation, err = d.explicitInt(e, "called-AP-invocation-identifier")
	case 5:
		a.CalledAEInvocation, err = d.explicitInt(e, "called-AE-invocation-identifier")
	case 6:
		a.CallingAPTitle, err = d.apTitle(e, "calling-AP-title")
	case 7:
		a.CallingAEQualifier, err = d.qualifier(e, "calling-AE-qualifier")
	case 8:
		a.CallingAPInvocation, err = d.explicitInt(e, "calling-AP-invocation-identifier")
	case 9:
		a.CallingAEInvocation, err = d.explicitInt(e, "calling-AE-invocation-identifier")
	case 10:
		a.Requirements, err = d.bits(e, "sender-acse-requirements")
	case 11:
		a.MechanismName, err = d.oid(e, "mechanism-name")
	case 12:
		a.Authentication, err = d.auth(e, "calling-authentication-value")
	case 29:
		a.ImplementationInformation, err = d.impl(e)
	case 30:
		a.UserInformation, err = d.userInfo(e)
	default:
		a.Other = append(a.Other, e.Raw)
	}
	return err
}

func (a *AARE) field(d *decoder, e *ber.Element) (err error) {
	switch e.Tag.Number {
	case 0:
		a.ProtocolVersion, err = d.bits(e, "protocol-version")
	case 1:
		a.ContextName, err = d.explicitOID(e, "aSO-context-name")
	case 2:
		var v *int
		if v, err = d.explicitInt(e, "result"); err == nil {
			a.Result = Result(*v)
		}
	case 3:
		var in ber.Element
		if in, err = d.explicit(e, "result-source-diagnostic"); err != nil {
			return err
		}
		if in.Tag != ber.Context(1) && in.Tag != ber.Context(2) {
			return fail(d.apdu, "result-source-diagnostic", in.Offset, "unexpected %s", in.Tag)
		}
		a.Diagnostic.Source = DiagnosticSource(in.Tag.Number)
		var v *int
		if v, err = d.explicitInt(&in, "result-source-diagnostic"); err == nil {
			a.Diagnostic.Value = *v
		}
	case 4:
		a.RespondingAPTitle, err = d.apTitle(e, "responding-AP-title")
	case 5:
		a.RespondingAEQualifier, err = d.qualifier(e, "responding-AE-qualifier")
	case 6:
		a.RespondingAPInvocation, err = d.explicitInt(e, "responding-AP-invocation-identifier")
	case 7:
		a.RespondingAEInvocation, err = d.explicitInt(e, "responding-AE-invocation-identifier")
	case 8:
		a.Requirements, err = d.bits(e, "responder-acse-requirements")
	case 9:
		a.MechanismName, err = d.oid(e, "mechanism-name")
	case 10:
		a.Authentication, err = d.auth(e, "responding-authentication-value")
	case 29:
		a.ImplementationInformation, err = d.impl(e)
	case 30:
		a.UserInformation, err = d.userInfo(e)
	default:
		a.Other = append(a.Other, e.Raw)
	}
	return err
}

func (r *Release) field(d *decoder, e *ber.Element) (err error) {
	switch e.Tag.Number {
	case 0:
		r.Reason, err = d.implicitInt(e, "reason")
	case 30:
		r.UserInformation, err = d.userInfo(e)
	default:
		r.Other = append(r.Other, e.Raw)
	}
	return err
}

func (a *ABRT) field(d *decoder, e *ber.Element) (err error) {
	switch e.Tag.Number {
	case 0:
		var v *int
		if v, err = d.implicitInt(e, "abort-source"); err == nil {
			a.Source = AbortSource(*v)
		}
	case 1:
		// ABRT-diagnostic is [1] IMPLICIT ENUMERATED
		var v *int
		if v, err = d.implicitInt(e, "abort-diagnostic"); err == nil {
			dg := AbortDiagnostic(*v)
			a.Diagnostic = &dg
		}
	case 30:
		a.UserInformation, err = d.userInfo(e)
	default:
		a.Other = append(a.Other, e.Raw)
	}
	return err
}
