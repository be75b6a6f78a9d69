package mixer

// The P772 military heading (STANAG 4406 Annex A, ACP 123 Annex A.1) <->
// MMHS-* header field mapping of RFC 6477 §6, with the precedence <->
// MT-PRIORITY mapping of RFC 6710 Appendices A and B. The per-field
// syntax is in mmhs.go; this file puts the heading together.

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"mixerd/ber"
	"mixerd/x400"
)

// The names of the P772 heading extensions in conversion reports: the
// information object names of MMSHeadingExtensions under "military.".
const (
	milPrimaryPrecedence         = "military.primary-precedence"
	milCopyPrecedence            = "military.copy-precedence"
	milMessageType               = "military.message-type"
	milAddressListIndicator      = "military.address-list-indicator"
	milExemptedAddress           = "military.exempted-address"
	milExtendedAuthorisationInfo = "military.extended-authorisation-info"
	milDistributionCodes         = "military.distribution-codes"
	milSICs                      = "military.distribution-codes.sics"
	milDistExtensions            = "military.distribution-codes.dist-Extensions"
	milHandlingInstructions      = "military.handling-instructions"
	milMessageInstructions       = "military.message-instructions"
	milCodressMessage            = "military.codress-message"
	milOriginatorReference       = "military.originator-reference"
	milOtherRecipients           = "military.other-recipients-indicator"
	milPilotForwardingInfo       = "military.pilot-forwarding-info"
	milACP127MessageIdentifier   = "military.acp127-message-identifier"
	milOriginatorPLAD            = "military.originator-plad"
	milInformationLabels         = "military.security-information-labels"
)

// militaryField reports whether the header field named name is the
// military mapping's: one of the fourteen MMHS-* fields that RFC 6477 §3
// defines (MMHSFieldName). Any other MMHS-Foo field is not: the heading
// mapping carries it, as any unknown field, in the RFC 822 heading
// extension (RFC 2156 §5.1.2).
func militaryField(name string) bool {
	_, ok := MMHSFieldName(name)
	return ok
}

// PrecedenceMTPriority returns the MT-PRIORITY value (RFC 6710) of a
// message of primary precedence p under the gateway's policy g.Priority:
// RFC 6710 Appendix A Table 1 (STANAG4406) or Appendix B Table 2 applied
// to p's X.411 priority (MIXER, the default). See MTPriorityOfPrecedence.
func (g *Gateway) PrecedenceMTPriority(p x400.Precedence) int {
	return MTPriorityOfPrecedence(g.Priority, p)
}

// MTPriorityPrecedence returns the precedence of a message whose
// MT-PRIORITY (RFC 6710) is v under the gateway's policy g.Priority,
// never promoting a value between two rows of the table. See
// PrecedenceOfMTPriority.
func (g *Gateway) MTPriorityPrecedence(v int) x400.Precedence {
	return PrecedenceOfMTPriority(g.Priority, v)
}

// MilitaryToHeader maps a P772 military heading to MMHS-* header fields
// (RFC 6477 §6: "[RFC5322] header fields MUST be generated according to
// this specification for all ACP 123 heading extensions where an
// equivalent header is defined"), in the order of RFC 6477 §3. Each value
// begins with the usual space after the colon.
//
//	primary-precedence (id-mm 0)          MMHS-Primary-Precedence §3.8
//	copy-precedence (id-mm 1)             MMHS-Copy-Precedence §3.9
//	message-type (id-mm 2)                MMHS-Message-Type §3.10
//	exempted-address (id-mm 4)            MMHS-Exempted-Address §3.1 (RFC 2156 §4.7.2)
//	extended-authorisation-info (id-mm 5) MMHS-Extended-Authorisation-Info §3.2
//	distribution-codes sics (id-mm 6)     MMHS-Subject-Indicator-Codes §3.3
//	handling-instructions (id-mm 7)       MMHS-Handling-Instructions §3.4
//	message-instructions (id-mm 8)        MMHS-Message-Instructions §3.5
//	codress-message (id-mm 9)             MMHS-Codress-Message-Indicator §3.6
//	originator-reference (id-mm 10)       MMHS-Originator-Reference §3.7
//	other-recipients-indicator (id-mm 11) MMHS-Other-Recipients-Indicator-To/-CC §3.11, §3.12
//	acp127-message-identifier (id-mm 13)  MMHS-Acp127-Message-Identifier §3.13
//	originator-plad (id-mm 14)            MMHS-Originator-PLAD §3.14
//
// The extensions for which RFC 6477 §5 defines no field (address list
// indicator, distribution extensions, pilot forwarding information,
// security information labels) are reported dropped: §6 lets the gateway
// discard them. A precedence the field cannot carry (negative) is a
// *ConversionError: the order of handling must not be lost. Any other
// value the field cannot carry (an empty list, a string with a leading
// space, a negative codress number, an other recipient neither primary
// nor copy) is reported dropped with the reason. An exempted address that
// cannot be mapped is the address mapping's *ConversionError, named. A nil
// m gives no fields. Whether a dropped item is a loss that the originator
// prohibited (X.411 conversion-with-loss-prohibited) is the caller's to
// decide from rep.Lost().
//
// The other recipients are written one field per type (§3.11, §3.12),
// each in its order; how primary and copy ones were interleaved in the
// P772 list is not kept.
func (g *Gateway) MilitaryToHeader(m *x400.MilitaryHeading, rep *Report) (Header, error) {
	if m == nil {
		return nil, nil
	}
	var h Header
	add := func(from, field, value string) {
		h = append(h, Field{Name: field, Value: " " + value})
		rep.Mapped(from, field)
	}
	// try adds the field, or reports from dropped with the format error.
	try := func(from, field, value string, err error) {
		if err != nil {
			rep.Dropped(from, milReason(err))
			return
		}
		add(from, field, value)
	}

	// §3.1 exempted addresses, mapped as O/R descriptors (RFC 2156 §4.7.2).
	if m.ExemptedAddresses != nil {
		if len(m.ExemptedAddresses) == 0 {
			rep.Dropped(milExemptedAddress, "empty list: "+FieldMMHSExemptedAddress+" needs at least one address (RFC 6477 §3.1)")
		} else {
			texts := make([]string, 0, len(m.ExemptedAddresses))
			for i := range m.ExemptedAddresses {
				a, err := g.ORDescriptorToAddress(&m.ExemptedAddresses[i])
				if err != nil {
					return nil, milRename(err, milExemptedAddress+" "+strconv.Itoa(i+1), addressError)
				}
				texts = append(texts, a.String())
			}
			v, err := FormatMMHSExemptedAddress(texts)
			if err != nil {
				return nil, addressError(milExemptedAddress, err)
			}
			add(milExemptedAddress, FieldMMHSExemptedAddress, v)
		}
	}
	// §3.2 release time.
	if !m.ExtendedAuthorisationInfo.IsZero() {
		v, err := FormatMMHSExtendedAuthorisationInfo(m.ExtendedAuthorisationInfo)
		try(milExtendedAuthorisationInfo, FieldMMHSExtendedAuthorisationInfo, v, err)
	}
	// §3.3 SICs; the distribution extensions have no field (§5).
	if d := m.DistributionCodes; d != nil {
		if d.SICs != nil {
			v, err := FormatMMHSSubjectIndicatorCodes(d.SICs)
			try(milSICs, FieldMMHSSubjectIndicatorCodes, v, err)
		}
		if d.Extensions != nil {
			types := make([]string, len(d.Extensions))
			for i, x := range d.Extensions {
				types[i] = x.Type.String()
			}
			rep.Dropped(milDistExtensions, "RFC 6477 defines no header field for distribution extensions (§5; §6 lets them be discarded): dist-type "+strings.Join(types, ", "))
		}
		if d.SICs == nil && d.Extensions == nil {
			rep.Dropped(milDistributionCodes, "empty distribution codes: no SICs for "+FieldMMHSSubjectIndicatorCodes)
		}
	}
	// §3.4, §3.5 instructions.
	if m.HandlingInstructions != nil {
		v, err := FormatMMHSHandlingInstructions(m.HandlingInstructions)
		try(milHandlingInstructions, FieldMMHSHandlingInstructions, v, err)
	}
	if m.MessageInstructions != nil {
		v, err := FormatMMHSMessageInstructions(m.MessageInstructions)
		try(milMessageInstructions, FieldMMHSMessageInstructions, v, err)
	}
	// §3.6 codress.
	if m.CodressMessage != nil {
		v, err := FormatMMHSCodressMessageIndicator(*m.CodressMessage)
		try(milCodressMessage, FieldMMHSCodressMessageIndicator, v, err)
	}
	// §3.7 originator reference.
	if m.OriginatorReference != "" {
		v, err := FormatMMHSOriginatorReference(m.OriginatorReference)
		try(milOriginatorReference, FieldMMHSOriginatorReference, v, err)
	}
	// §3.8, §3.9 precedences.
	if m.PrimaryPrecedence != nil {
		v, err := FormatMMHSPrecedence(FieldMMHSPrimaryPrecedence, *m.PrimaryPrecedence)
		if err != nil {
			return nil, contentError(milPrimaryPrecedence, err)
		}
		add(milPrimaryPrecedence, FieldMMHSPrimaryPrecedence, v)
	}
	if m.CopyPrecedence != nil {
		v, err := FormatMMHSPrecedence(FieldMMHSCopyPrecedence, *m.CopyPrecedence)
		if err != nil {
			return nil, contentError(milCopyPrecedence, err)
		}
		add(milCopyPrecedence, FieldMMHSCopyPrecedence, v)
	}
	// §3.10 message type.
	if m.MessageType != nil {
		v, err := FormatMMHSMessageType(*m.MessageType)
		try(milMessageType, FieldMMHSMessageType, v, err)
	}
	// §3.11, §3.12 other recipients, by type.
	if m.OtherRecipients != nil {
		var keep []x400.OtherRecipient
		for i, r := range m.OtherRecipients {
			if r.Type != x400.OtherRecipientPrimary && r.Type != x400.OtherRecipientCopy {
				rep.Dropped(milOtherRecipients+" "+strconv.Itoa(i+1), "type "+strconv.Itoa(int(r.Type))+" of "+strconv.Quote(r.Designator)+
					" is neither primary nor copy: RFC 6477 §3.11, §3.12 have no field for it")
				continue
			}
			keep = append(keep, r)
		}
		if len(m.OtherRecipients) == 0 {
			rep.Dropped(milOtherRecipients, "empty list: RFC 6477 §3.11, §3.12 need at least one designator")
		}
		for _, t := range []x400.OtherRecipientType{x400.OtherRecipientPrimary, x400.OtherRecipientCopy} {
			field, _ := mmhsOtherRecipientsField(t)
			v, err := FormatMMHSOtherRecipients(t, keep)
			if err == nil && v == "" {
				continue
			}
			try(milOtherRecipients, field, v, err)
		}
	}
	// §3.13, §3.14.
	if m.ACP127MessageIdentifier != "" {
		v, err := FormatMMHSAcp127MessageIdentifier(m.ACP127MessageIdentifier)
		try(milACP127MessageIdentifier, FieldMMHSAcp127MessageIdentifier, v, err)
	}
	if m.OriginatorPLAD != "" {
		v, err := FormatMMHSOriginatorPLAD(m.OriginatorPLAD)
		try(milOriginatorPLAD, FieldMMHSOriginatorPLAD, v, err)
	}
	// What RFC 6477 §5 leaves out.
	if m.AddressListIndicator != nil {
		rep.Dropped(milAddressListIndicator, "RFC 6477 defines no header field for address-list-indicator (§5: deprecated in ACP 123)")
	}
	if m.PilotForwardingInfo != nil {
		rep.Dropped(milPilotForwardingInfo, "RFC 6477 defines no header field for pilot-forwarding-info (§5)")
	}
	if m.InformationLabels != nil {
		rep.Dropped(milInformationLabels, "RFC 6477 defines no header field for security-information-labels (§5: deprecated in favour of ESS security labels, RFC 2634)")
	}
	return h, nil
}

// MilitaryExtensionDropped returns, for the type of an IPMS heading
// extension that is P772 but not held in x400.MilitaryHeading (the ACP
// 127 notification request and response, id-mm 15 and 16), the name to
// report it under and the reason to report it dropped: RFC 6477 §5 does
// not support them ("not relevant to an SMTP gateway") and §6 lets the
// gateway discard them. ok is false for any other type. The heading
// mapping, which sees every heading extension, calls it.
func MilitaryExtensionDropped(t ber.OID) (name, reason string, ok bool) {
	var n string
	switch {
	case t.Equal(x400.OIDMMACP127NotificationRequest):
		n = "acp127-notification-request"
	case t.Equal(x400.OIDMMACP127NotificationResponse):
		n = "acp127-notification-response"
	default:
		return "", "", false
	}
	return "military." + n, "RFC 6477 defines no header field for " + n + " (§5: not relevant to an SMTP gateway; §6 lets it be discarded)", true
}

// milReason is the report text of a Format function's error.
func milReason(err error) string {
	var me *MMHSError
	if errors.As(err, &me) {
		return me.Msg + " (" + me.Field + " cannot carry it)"
	}
	return err.Error()
}

// milRename returns err as a *ConversionError named field: a
// *ConversionError (from the address mapping) keeps its codes, any other
// error is wrapped with mk.
func milRename(err error, field string, mk func(string, error) *ConversionError) *ConversionError {
	var ce *ConversionError
	if errors.As(err, &ce) {
		c := *ce
		if c.Field != "" {
			c.Err = errors.New(c.Field + ": " + milErrText(ce))
		}
		c.Field = field
		return &c
	}
	return mk(field, err)
}

func milErrText(e *ConversionError) string {
	if e.Err == nil {
		return "cannot be converted"
	}
	return e.Err.Error()
}

// HeaderToMilitary maps the MMHS-* header fields of RFC 6477 §3 in h to
// a P772 military heading (RFC 6477 §6), nil when h has none; other
// fields in h are not looked at. mtPriority is the message's MT-PRIORITY
// (RFC 6710), nil when absent.
//
// Each field may be given once (RFC 6477 §3.1-§3.14 each define one
// field of the header); a second one, or a value that does not parse
// (RFC 6477 §4), is a *ConversionError (content-syntax-error) naming the
// field. A value that parses but that P772 cannot carry (a precedence
// above the ACP 123 ranges 0 to 31, a message type above 255, a release
// time outside the years of a UTCTime) is a *ConversionError
// (conversion-impractical) naming the field. SICs beyond the eighth
// (ub-military-number-of-sics) are reported dropped.
//
// When MMHS fields are present but not MMHS-Primary-Precedence, the
// primary precedence, which ACP 123 requires of a message with action
// recipients (RFC 6477 §3.8, §6 b.), is taken from mtPriority under
// g.Priority (RFC 6710 Appendix A or B, see MTPriorityPrecedence), and
// without MT-PRIORITY it is ROUTINE: RFC 6710 §4 step 5 gives an
// unmarked message "priority 0" under the server's policy, and RFC 6477
// §6 b. says that a message without MMHS-Primary-Precedence "need not be
// considered a Military Message and can be handled according to a local
// policy"; the default placement of an ordinary (X.411 normal, MIXER
// policy 0) message on the precedence scale is ROUTINE
// (x400.DefaultPriorityMap), where the STANAG4406 row of 0, PRIORITY,
// would promote a message nobody marked. The missing
// MMHS-Extended-Authorisation-Info is left to MilitaryReleaseFromDate,
// which needs the Date field (RFC 6477 §6 a.).
func (g *Gateway) HeaderToMilitary(h Header, mtPriority *int, rep *Report) (*x400.MilitaryHeading, error) {
	var fields [len(MMHSFieldNames)]*Field
	found := false
	for i := range h {
		k := milFieldIndex(h[i].Name)
		if k < 0 {
			continue
		}
		name := MMHSFieldNames[k]
		if prev := fields[k]; prev != nil {
			return nil, syntaxError(name, errors.New("field given twice"+milLines(prev.Line, h[i].Line)+
				" (RFC 6477 §3 defines it once per message)"))
		}
		fields[k] = &h[i]
		found = true
	}
	if !found {
		return nil, nil
	}
	m := new(x400.MilitaryHeading)
	get := func(name string) (string, bool) {
		k := milFieldIndex(name)
		if k < 0 || fields[k] == nil {
			return "", false
		}
		return fields[k].Value, true
	}
	bad := func(name string, err error) error { return syntaxError(name, err) }

	if v, ok := get(FieldMMHSExemptedAddress); ok {
		texts, err := ParseMMHSExemptedAddress(v)
		if err != nil {
			return nil, bad(FieldMMHSExemptedAddress, err)
		}
		for i, s := range texts {
			list, err := ParseAddressList(s)
			if err != nil {
				return nil, bad(FieldMMHSExemptedAddress, errors.New("address "+strconv.Itoa(i+1)+" "+strconv.Quote(s)+": "+err.Error()))
			}
			for _, a := range list {
				ds, err := g.AddressToORDescriptors(a)
				if err != nil {
					return nil, milRename(err, FieldMMHSExemptedAddress+" address "+strconv.Itoa(i+1), addressError)
				}
				m.ExemptedAddresses = append(m.ExemptedAddresses, ds...)
			}
		}
		rep.Mapped(FieldMMHSExemptedAddress, milExemptedAddress)
	}
	if v, ok := get(FieldMMHSExtendedAuthorisationInfo); ok {
		t, err := ParseMMHSExtendedAuthorisationInfo(v)
		if err != nil {
			return nil, bad(FieldMMHSExtendedAuthorisationInfo, err)
		}
		if err := milCheckUTCTime(t); err != nil {
			return nil, contentError(FieldMMHSExtendedAuthorisationInfo, err)
		}
		m.ExtendedAuthorisationInfo = t.UTC()
		rep.Mapped(FieldMMHSExtendedAuthorisationInfo, milExtendedAuthorisationInfo)
	}
	if v, ok := get(FieldMMHSSubjectIndicatorCodes); ok {
		sics, err := ParseMMHSSubjectIndicatorCodes(v)
		if err != nil {
			return nil, bad(FieldMMHSSubjectIndicatorCodes, err)
		}
		if len(sics) > x400.UBMilitaryNumberOfSICs {
			rep.Dropped(FieldMMHSSubjectIndicatorCodes+" SICs "+strconv.Itoa(x400.UBMilitaryNumberOfSICs+1)+" to "+strconv.Itoa(len(sics)),
				"ACP 123 carries at most "+strconv.Itoa(x400.UBMilitaryNumberOfSICs)+" SICs (ub-military-number-of-sics): "+strings.Join(sics[x400.UBMilitaryNumberOfSICs:], "; "))
			sics = sics[:x400.UBMilitaryNumberOfSICs:x400.UBMilitaryNumberOfSICs]
		}
		m.DistributionCodes = &x400.DistributionCodes{SICs: sics}
		rep.Mapped(FieldMMHSSubjectIndicatorCodes, milSICs)
	}
	if v, ok := get(FieldMMHSHandlingInstructions); ok {
		l, err := ParseMMHSHandlingInstructions(v)
		if err != nil {
			return nil, bad(FieldMMHSHandlingInstructions, err)
		}
		m.HandlingInstructions = l
		rep.Mapped(FieldMMHSHandlingInstructions, milHandlingInstructions)
	}
	if v, ok := get(FieldMMHSMessageInstructions); ok {
		l, err := ParseMMHSMessageInstructions(v)
		if err != nil {
			return nil, bad(FieldMMHSMessageInstructions, err)
		}
		m.MessageInstructions = l
		rep.Mapped(FieldMMHSMessageInstructions, milMessageInstructions)
	}
	if v, ok := get(FieldMMHSCodressMessageIndicator); ok {
		n, err := ParseMMHSCodressMessageIndicator(v)
		if err != nil {
			return nil, bad(FieldMMHSCodressMessageIndicator, err)
		}
		m.CodressMessage = &n
		rep.Mapped(FieldMMHSCodressMessageIndicator, milCodressMessage)
	}
	if v, ok := get(FieldMMHSOriginatorReference); ok {
		s, err := ParseMMHSOriginatorReference(v)
		if err != nil {
			return nil, bad(FieldMMHSOriginatorReference, err)
		}
		m.OriginatorReference = s
		rep.Mapped(FieldMMHSOriginatorReference, milOriginatorReference)
	}
	for _, pf := range []struct {
		field, to string
		dst       **x400.Precedence
	}{
		{FieldMMHSPrimaryPrecedence, milPrimaryPrecedence, &m.PrimaryPrecedence},
		{FieldMMHSCopyPrecedence, milCopyPrecedence, &m.CopyPrecedence},
	} {
		v, ok := get(pf.field)
		if !ok {
			continue
		}
		p, err := ParseMMHSPrecedence(pf.field, v)
		if err != nil {
			return nil, bad(pf.field, err)
		}
		if !p.Valid() {
			return nil, contentError(pf.field, errors.New("precedence "+strconv.Itoa(int(p))+
				" outside the ACP 123 ranges (0 to 15 NATO, 16 to 31 national)"))
		}
		*pf.dst = &p
		rep.Mapped(pf.field, pf.to)
	}
	if v, ok := get(FieldMMHSMessageType); ok {
		mt, err := ParseMMHSMessageType(v)
		if err != nil {
			return nil, bad(FieldMMHSMessageType, err)
		}
		if mt.Type > 255 {
			return nil, contentError(FieldMMHSMessageType, errors.New("message type "+strconv.Itoa(int(mt.Type))+
				" outside 0 to 255 (0 to 127 NATO, 128 to 255 national or bilateral)"))
		}
		m.MessageType = &mt
		rep.Mapped(FieldMMHSMessageType, milMessageType)
	}
	for _, t := range []x400.OtherRecipientType{x400.OtherRecipientPrimary, x400.OtherRecipientCopy} {
		field, _ := mmhsOtherRecipientsField(t)
		v, ok := get(field)
		if !ok {
			continue
		}
		rs, err := ParseMMHSOtherRecipients(t, v)
		if err != nil {
			return nil, bad(field, err)
		}
		m.OtherRecipients = append(m.OtherRecipients, rs...)
		rep.Mapped(field, milOtherRecipients)
	}
	if v, ok := get(FieldMMHSAcp127MessageIdentifier); ok {
		s, err := ParseMMHSAcp127MessageIdentifier(v)
		if err != nil {
			return nil, bad(FieldMMHSAcp127MessageIdentifier, err)
		}
		m.ACP127MessageIdentifier = s
		rep.Mapped(FieldMMHSAcp127MessageIdentifier, milACP127MessageIdentifier)
	}
	if v, ok := get(FieldMMHSOriginatorPLAD); ok {
		s, err := ParseMMHSOriginatorPLAD(v)
		if err != nil {
			return nil, bad(FieldMMHSOriginatorPLAD, err)
		}
		m.OriginatorPLAD = s
		rep.Mapped(FieldMMHSOriginatorPLAD, milOriginatorPLAD)
	}

	// The primary precedence that ACP 123 requires (RFC 6477 §6 b.).
	if m.PrimaryPrecedence == nil {
		var p x400.Precedence
		var it ReportItem
		if mtPriority != nil {
			p = g.MTPriorityPrecedence(*mtPriority)
			it = ReportItem{From: "MT-PRIORITY", To: milPrimaryPrecedence, Disposition: Mapped,
				Note: "no " + FieldMMHSPrimaryPrecedence + ": MT-PRIORITY " + strconv.Itoa(*mtPriority) + " is " + p.String() +
					" under the " + milPolicyName(g.Priority) + " policy (RFC 6710 " + milPolicyTable(g.Priority) + ")"}
		} else {
			p = x400.PrecedenceRoutine
			it = ReportItem{From: FieldMMHSPrimaryPrecedence, To: milPrimaryPrecedence, Disposition: Mapped,
				Note: "absent, and no MT-PRIORITY: ROUTINE, the precedence of an unmarked (normal) message (RFC 6477 §6 b., RFC 6710 §4)"}
		}
		m.PrimaryPrecedence = &p
		if rep != nil {
			rep.Items = append(rep.Items, it)
		}
	}
	if err := m.Validate(); err != nil {
		return nil, contentError("MMHS fields", err)
	}
	return m, nil
}

// MilitaryReleaseFromDate sets the release time of m (P772
// extended-authorisation-info, which ACP 123 requires) from the Date
// field of the message's header h when m has none, as RFC 6477 §6 a.
// says: "If the MMHS-Extended-Authorization-Info header field is absent,
// then the default value is taken from the Date header field."
// HeaderToMilitary cannot do it, as it is given the MMHS fields only; the
// caller (rfc822ToIPM) calls this with the whole header after it. A nil
// m, a release time already set or a header without Date do nothing. A
// Date that does not parse is a *ConversionError (content-syntax-error)
// naming Date; one outside the years of a UTCTime (1950 to 2049) a
// *ConversionError (conversion-impractical).
func (g *Gateway) MilitaryReleaseFromDate(m *x400.MilitaryHeading, h Header, rep *Report) error {
	if m == nil || !m.ExtendedAuthorisationInfo.IsZero() {
		return nil
	}
	v, ok := h.Get("Date")
	if !ok {
		return nil
	}
	t, err := parseDate(strings.TrimSpace(v))
	if err != nil {
		return syntaxError("Date", errors.New("not an RFC 5322 date-time: "+strings.TrimPrefix(err.Error(), "mail: ")))
	}
	if err := milCheckUTCTime(t); err != nil {
		return contentError("Date", err)
	}
	m.ExtendedAuthorisationInfo = t.UTC()
	if rep != nil {
		rep.Items = append(rep.Items, ReportItem{From: "Date", To: milExtendedAuthorisationInfo, Disposition: Mapped,
			Note: "no " + FieldMMHSExtendedAuthorisationInfo + ": the release time is the Date (RFC 6477 §6 a.)"})
	}
	return nil
}

// milCheckUTCTime checks that t can be written as the UTCTime of
// ExtendedAuthorisationInfo (years 1950 to 2049 in UTC).
func milCheckUTCTime(t time.Time) error {
	if y := t.UTC().Year(); y < 1950 || y > 2049 {
		return errors.New("time in " + strconv.Itoa(y) + " outside the years of the P772 UTCTime (1950 to 2049)")
	}
	return nil
}

// milFieldIndex returns the index in MMHSFieldNames of the field named
// name (compared without regard to case, RFC 5322 §1.2.2), -1 if it is
// not one of them.
func milFieldIndex(name string) int {
	for i, n := range MMHSFieldNames {
		if strings.EqualFold(n, name) {
			return i
		}
	}
	return -1
}

func milLines(a, b int) string {
	if a <= 0 || b <= 0 {
		return ""
	}
	return " (lines " + strconv.Itoa(a) + " and " + strconv.Itoa(b) + ")"
}

func milPolicyName(p MTPriorityPolicy) string {
	if p == MTPrioritySTANAG4406 {
		return string(MTPrioritySTANAG4406)
	}
	return string(MTPriorityMIXER)
}

func milPolicyTable(p MTPriorityPolicy) string {
	if p == MTPrioritySTANAG4406 {
		return "Appendix A, Table 1"
	}
	return "Appendix B, Table 2"
}
