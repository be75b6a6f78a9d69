package mixer

import (
	"errors"
	"slices"
	"strings"

	"mixerd/ber"
	"mixerd/x400"
)

// SMTPMessage is an Internet message with its SMTP envelope: what the
// gateway sends to (or receives from) an SMTP peer.
type SMTPMessage struct {
	Envelope SMTPEnvelope
	Header   Header
	// Body is the message body after the header's empty line, with CRLF
	// line ends.
	Body []byte
}

// Bytes returns the RFC 5322 message: the header, an empty line, the body.
func (m *SMTPMessage) Bytes() []byte {
	b := FormatHeader(m.Header)
	b = append(b, '\r', '\n')
	return append(b, m.Body...)
}

// ContentLimits bound the decoding of an X.400 content (nil: the ber
// package's defaults).
var ContentLimits *ber.Limits

// ErrNotification is the error (in a *ConversionError) of ToSMTP on a
// message whose content is an IP notification: package reports converts
// those (IPNToMDN, RFC 2156 §5.3.5), not ToSMTP.
var ErrNotification = errors.New("an IP notification is converted by the acknowledgement mapping, not as a message")

// ToSMTP converts a P1 message in transfer to the SMTP message the gateway
// sends on: the SMTP envelope (RFC 2156 §4.6.2.1, Appendix A; RFC 3461;
// RFC 6710), the header fields from the envelope (§4.6.2.2, §5.3.6,
// §5.3.7), the IPM heading (§5.3.4) with its P772 military heading (RFC
// 6477), and the body (RFC 2157).
//
// An error (a *ConversionError) means that the message cannot be
// converted: every recipient gets a non-delivery report with its codes.
// The recipients that alone cannot be converted are returned as
// RecipientErrors; the message goes on to the others. rep (nil: none)
// gets what was mapped, carried and dropped. When the originator
// prohibited conversion with loss (X.411 conversion-with-loss-prohibited)
// and something would be dropped, the message is not converted.
func (g *Gateway) ToSMTP(m *x400.Message, rep *Report) (*SMTPMessage, []RecipientError, error) {
	env := &m.Envelope
	ct := env.ContentType
	if !ct.Is(x400.ContentTypeP22) && !ct.Is(x400.ContentTypeP2) && !ct.Is(x400.ContentTypeP772) {
		return nil, nil, &ConversionError{Field: "content-type", Reason: x400.ReasonUnableToTransfer,
			Diagnostic: x400.DiagnosticContentTypeNotSupported, HasDiagnostic: true, Status: "5.6.1",
			Err: errors.New("content type " + ct.String() + " is not an interpersonal message")}
	}
	// Extensions critical for transfer or delivery that the Internet
	// cannot honour reject the message (RFC 2156 §5.3.6): EnvelopeToSMTP
	// checks them before anything is converted.
	obj, err := x400.DecodeInformationObject(m.Content, ContentLimits)
	if err != nil {
		return nil, nil, syntaxError("content", err)
	}
	if obj.IPM == nil {
		return nil, nil, &ConversionError{Field: "content", Reason: x400.ReasonUnableToTransfer,
			Diagnostic: x400.DiagnosticContentTypeNotSupported, HasDiagnostic: true, Status: "5.6.1",
			Err: ErrNotification}
	}
	// Sized for the items of a usual message.
	local := Report{Items: make([]ReportItem, 0, 64)}
	mil, err := obj.IPM.Heading.Military()
	if err != nil {
		return nil, nil, syntaxError("military heading", err)
	}
	var prec *x400.Precedence
	if mil != nil {
		prec = mil.PrimaryPrecedence
	}
	// The envelope and the heading name mostly the same O/R addresses
	// (originator-name and the originator, recipient-name and the
	// recipients): each is mapped once.
	memo := mailboxMemo{}
	senv, eh, rerrs, err := g.envelopeToSMTP(env, prec, &local, memo)
	if err != nil {
		return nil, nil, err
	}
	h, body, err := g.ipmToRFC822(obj.IPM, memo, &local)
	if err != nil {
		return nil, nil, err
	}
	if i := slices.IndexFunc(local.Items, func(it ReportItem) bool { return it.Disposition == Dropped }); i >= 0 {
		if p, err := env.Extensions.ConversionWithLossProhibited(); err == nil && p {
			lost := local.Items[i]
			return nil, nil, lossError(lost.From, errors.New("would be dropped ("+lost.Note+
				") and the originator prohibited conversion with loss"))
		}
	}
	if rep != nil {
		rep.Items = append(rep.Items, local.Items...)
	}
	// The envelope's fields (trace first) come before the heading's; a
	// field that both give (Date: from the submission time, or carried in
	// the RFC 822 heading extension) is the heading's.
	out := make(Header, 0, len(eh)+len(h))
	for _, f := range eh {
		if _, dup := h.Get(f.Name); dup && !convertRepeatable(f.Name) {
			continue
		}
		out = append(out, f)
	}
	out = append(out, h...)
	return &SMTPMessage{Envelope: senv, Header: out, Body: body}, rerrs, nil
}

// convertRepeatable reports whether a header field may occur more than
// once (trace fields), so that the envelope's and the heading's are both
// kept.
func convertRepeatable(name string) bool {
	return strings.EqualFold(name, "Received") || strings.EqualFold(name, "X400-Received")
}

// ToX400 converts an SMTP message to the P1 message the gateway transfers:
// the IPM (RFC 2156 §5.1.3, RFC 2157) with, when the message has MMHS-*
// fields, the P772 military heading (RFC 6477) in content type P772, and
// the envelope (§4.6.1, §5.1.5, §5.1.6). Errors and RecipientErrors as
// for ToSMTP.
func (g *Gateway) ToX400(m *SMTPMessage, rep *Report) (*x400.Message, []RecipientError, error) {
	// The heading and the envelope name mostly the same addresses (From:
	// and MAIL FROM, To: and RCPT TO): each is mapped once.
	memo := addrMemo{}
	ipm, mil, err := g.rfc822ToIPM(m.Header, m.Body, true, m.Envelope.MTPriority, 0, memo, rep)
	if err != nil {
		return nil, nil, err
	}
	var prec *x400.Precedence
	if mil != nil {
		prec = mil.PrimaryPrecedence
	}
	env, rerrs, err := g.smtpToEnvelope(&m.Envelope, m.Header, prec, rep, memo)
	if err != nil {
		return nil, nil, err
	}
	if err := SetEnvelopeEITs(&env, *BodyEITs(ipm.Body)); err != nil {
		return nil, nil, contentError("envelope encoded information types", err)
	}
	content, err := (&x400.InformationObject{IPM: ipm}).Marshal()
	if err != nil {
		return nil, nil, contentError("content", err)
	}
	return &x400.Message{Envelope: env, Content: content}, rerrs, nil
}

// BodyEITs returns the encoded information types of an IPM body (X.420
// §7.3.1 and Annex A: the built-in types of the basic body parts, the
// id-et-* type of the extended ones), for the envelope's
// original-encoded-information-types.
func BodyEITs(body []x400.BodyPart) *x400.EncodedInformationTypes {
	eits := new(x400.EncodedInformationTypes)
	ext := func(o ber.OID) {
		for _, e := range eits.Extended {
			if e.Equal(o) {
				return
			}
		}
		eits.Extended = append(eits.Extended, o)
	}
	for i := range body {
		switch p := &body[i]; p.Kind {
		case x400.BodyPartIA5Text:
			eits.BuiltIn |= x400.EITIA5Text
		case x400.BodyPartTeletex:
			eits.BuiltIn |= x400.EITTeletex
		case x400.BodyPartG3Facsimile:
			eits.BuiltIn |= x400.EITG3Facsimile
		case x400.BodyPartVideotex:
			eits.BuiltIn |= x400.EITVideotex
		case x400.BodyPartG4Class1:
			eits.BuiltIn |= x400.EITG4Class1
		case x400.BodyPartMixedMode:
			eits.BuiltIn |= x400.EITMixedMode
		case x400.BodyPartGeneralText:
			ext(x400.IDEtGeneralText)
		case x400.BodyPartFileTransfer:
			ext(x400.IDEtFileTransfer)
		case x400.BodyPartBilaterallyDefined:
			ext(x400.IDEtBilaterallyDefined)
		case x400.BodyPartMessage:
			if p.Message != nil {
				sub := BodyEITs(p.Message.IPM.Body)
				eits.BuiltIn |= sub.BuiltIn
				for _, o := range sub.Extended {
					ext(o)
				}
			}
		case x400.BodyPartExtended:
			if p.Other != nil && p.Other.Data.DirectReference != nil {
				ext(p.Other.Data.DirectReference)
			} else {
				eits.BuiltIn |= x400.EITUnknown
			}
		default:
			eits.BuiltIn |= x400.EITUnknown
		}
	}
	if eits.BuiltIn == 0 && len(eits.Extended) == 0 {
		eits.BuiltIn = x400.EITUnknown
	}
	return eits
}

// ipmToRFC822 maps an IPM, its heading (with the P772 military heading,
// if any) and its body, to the header fields and body of an RFC 5322
// message (RFC 2156 §5.3.4, RFC 6477, RFC 2157). It serves the message
// itself and each forwarded IPM body part. The heading's O/R descriptors
// are mapped through memo (nil: none).
func (g *Gateway) ipmToRFC822(ipm *x400.IPM, memo mailboxMemo, rep *Report) (Header, []byte, error) {
	h, err := g.headingToHeader(&ipm.Heading, rep, memo)
	if err != nil {
		return nil, nil, err
	}
	mil, err := ipm.Heading.Military()
	if err != nil {
		return nil, nil, syntaxError("military heading", err)
	}
	if mil != nil {
		mh, err := g.MilitaryToHeader(mil, rep)
		if err != nil {
			return nil, nil, err
		}
		h = append(h, mh...)
	}
	// RFC 2157 §6.6: a message that came from a multipart other than
	// mixed says which in its heading.
	subtype := ""
	if x, ok := ipm.Heading.Extension(OIDMultipartMessageV2); ok {
		st, _, err := ParseMultipartHeadingExtension(x)
		if err != nil {
			rep.Dropped("heading.multipart-message", "bad value: "+err.Error())
		} else {
			subtype = st
			rep.Mapped("heading.multipart-message", "Content-Type multipart/"+st)
		}
	}
	mh, body, err := g.bodyToMIME(ipm.Body, subtype, "body", rep)
	if err != nil {
		return nil, nil, err
	}
	return append(h, mh...), body, nil
}

// rfc822ToIPM maps the header and body of an RFC 5322 message to an IPM
// (RFC 2156 §5.1.3, RFC 6477, RFC 2157). top says whether it is the
// message itself, whose envelope fields (trace and MTS fields) the
// envelope mapping takes; in a forwarded message they belong to the
// heading. mtPriority is the SMTP MT-PRIORITY, nil when absent or
// forwarded.
//
// depth is how deep the message is nested in message/rfc822 contents and
// multiparts (0 for the message itself), which BodyMaxDepth bounds. The
// heading's addresses are mapped through memo (nil: none). The military
// heading set in the IPM's heading is returned too (nil when the message
// has no MMHS fields), so that it need not be decoded again.
func (g *Gateway) rfc822ToIPM(h Header, body []byte, top bool, mtPriority *int, depth int, memo addrMemo, rep *Report) (*x400.IPM, *x400.MilitaryHeading, error) {
	var heading, military, mime Header
	for _, f := range h {
		switch {
		case mimeField(f.Name):
			mime = append(mime, f)
		case militaryField(f.Name):
			military = append(military, f)
		case top && envelopeField(f.Name):
		default:
			heading = append(heading, f)
		}
	}
	hd, err := g.headerToHeading(heading, rep, memo)
	if err != nil {
		return nil, nil, err
	}
	mil, err := g.HeaderToMilitary(military, mtPriority, rep)
	if err != nil {
		return nil, nil, err
	}
	if mil != nil {
		// RFC 6477 §6 a.: without MMHS-Extended-Authorisation-Info the
		// release time is the Date: field's.
		if err := g.MilitaryReleaseFromDate(mil, h, rep); err != nil {
			return nil, nil, err
		}
		if err := hd.SetMilitary(mil); err != nil {
			return nil, nil, contentError("MMHS fields", err)
		}
	}
	parts, err := g.mimeToBody(mime, body, depth, rep)
	if err != nil {
		return nil, nil, err
	}
	if st := TopMultipartSubtype(mime); st != "" {
		hd.Extensions = append(hd.Extensions, MultipartHeadingExtension(st, true))
	}
	return &x400.IPM{Heading: hd, Body: parts}, mil, nil
}
