package mixer

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"mime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mixerd/ber"
	"mixerd/x400"
)

// The IPM heading <-> RFC 822 header mapping, RFC 2156 §5.1.2, §5.1.3,
// §5.1.7 and §5.3.4, with the message ids of §4.7.3 (ids.go) and the
// addresses of §4.7.1 and §4.7.2 (address.go).
//
// Fields emitted from a heading (§5.3.4), in this order: Message-ID,
// From, Sender, To, Cc, Bcc, Disposition-Notification-To (RFC 8098 §2.1,
// once, when a recipient asks for rn or nrn), Reply-To, In-Reply-To, References,
// Supersedes, Subject, Expires, Reply-By, Importance, Sensitivity,
// Autoforwarded, Incomplete-Copy, Content-Language, Autosubmitted,
// Discarded-X400-IPMS-Extensions, then the fields of the rfc-822-field-
// list heading extension (§5.1.2) as they were written (Date among them).
//
// Fields consumed (§5.1.3): those above, with Expiry-Date (RFC 1327) for
// Expires and Obsoletes (RFC 1327) for Supersedes; §5.1.7's fields that
// shall not be mapped (Discarded-X400-IPMS-Extensions, Discarded-X400-
// MTS-Extensions, Message-Type, X400-Content-Type, X400-Originator,
// X400-Recipients, X400-MTS-Identifier) are dropped;
// Disposition-Notification-To asks every recipient for rn and nrn and is
// carried too (its address is where the MDN goes); every other field
// goes into the rfc-822-field-list heading extension exactly as it was.
//
// Reversibility (§1.4 point 5): a mapped field whose text the mapping does
// not give back exactly (a Subject cut to 128, a Message-ID cut to 64, an
// address list whose comments the X.400 side does not keep in the same
// form, a Content-Language with more than two-letter codes) is carried in
// the heading extension as well; the way back prefers that text to the
// generated one when it still maps to what the heading holds, so that an
// RFC 822 message that crosses to X.400 and back keeps its header fields.

// Heading extension types (X.420 Annex A; RFC 2156 Appendix D).
var (
	// OIDRFC822FieldList is id-rfc-822-field-list {mixer-core 2}, RFC
	// 2156 §5.1.2 and Appendix D: RFC822FieldList ::= SEQUENCE OF
	// RFC822Field, RFC822Field ::= IA5String.
	OIDRFC822FieldList = ber.MustOID("1.3.6.1.7.1.3.2")
	// OIDHexIncompleteCopy is id-hex-incomplete-copy {id-hex 0},
	// IncompleteCopy ::= NULL.
	OIDHexIncompleteCopy = ber.MustOID("2.6.1.5.0")
	// OIDHexLanguages is id-hex-languages {id-hex 1}, Languages ::= SET
	// OF Language, Language ::= PrintableString (SIZE (2 | 5)).
	OIDHexLanguages = ber.MustOID("2.6.1.5.1")
	// OIDHexAutoSubmitted is id-hex-auto-submitted {id-hex 2},
	// AutoSubmitted ::= ENUMERATED { not-auto-submitted(0),
	// auto-generated(1), auto-replied(2) }.
	OIDHexAutoSubmitted = ber.MustOID("2.6.1.5.2")
)

// UBSubject is ub-subject-field, the upper bound of the subject (X.420
// Annex B), to which §5.1.3 truncates.
const UBSubject = 128

// hdgExtTo names the RFC 822 heading extension in reports.
const hdgExtTo = "rfc-822-field-list heading extension"

// hdgMaxExtFields bounds the fields of the RFC 822 heading extension read
// from one heading.
const hdgMaxExtFields = 10000

// HeadingToHeader maps an IPM heading (not its P772 extensions, which
// MilitaryToHeader maps) to RFC 5322 header fields, RFC 2156 §5.3.4. An
// O/R descriptor that cannot be mapped is an error naming the heading
// field; everything else of the heading is in the report.
func (g *Gateway) HeadingToHeader(h *x400.Heading, rep *Report) (Header, error) {
	return g.headingToHeader(h, rep, nil)
}

// headingToHeader is HeadingToHeader with the O/R descriptors mapped
// through memo (nil: none).
func (g *Gateway) headingToHeader(h *x400.Heading, rep *Report, memo mailboxMemo) (Header, error) {
	if h == nil {
		return nil, contentError("heading", errors.New("no heading"))
	}
	var out Header
	add := func(name, value string) { out = append(out, Field{Name: name, Value: value}) }

	// The extensions first: the RFC 822 heading extension's fields are
	// needed to decide between carried and generated text.
	var carried []Field
	var discarded []string
	var langs []string
	var autoSub *int
	incomplete := false
	for i := range h.Extensions {
		x := &h.Extensions[i]
		from := "heading.extensions[" + strconv.Itoa(i) + "] " + x.Type.String()
		switch {
		case hdgIsP772(x.Type):
			// MilitaryToHeader's.
		case x.Type.Equal(OIDMultipartMessageV2):
			// The body's: ipmToRFC822 gives its subtype to the body
			// mapping (RFC 2157 §6.6).
		case x.Type.Equal(OIDRFC822FieldList):
			fs, err := hdgDecodeFieldList(x.Value, hdgMaxExtFields-len(carried))
			if err != nil {
				return nil, syntaxError("heading.extensions rfc-822-field-list", err)
			}
			carried = append(carried, fs...)
		case x.Type.Equal(OIDHexIncompleteCopy):
			incomplete = true
			rep.Mapped("heading.extensions incomplete-copy", "Incomplete-Copy")
		case x.Type.Equal(OIDHexLanguages):
			ls, err := hdgDecodeLanguages(x.Value)
			if err != nil {
				return nil, syntaxError("heading.extensions languages", err)
			}
			langs = append(langs, ls...)
			rep.Mapped("heading.extensions languages", "Content-Language")
		case x.Type.Equal(OIDHexAutoSubmitted):
			v, err := hdgDecodeEnum(x.Value)
			if err != nil || v < 0 || v > 2 {
				if err == nil {
					err = errors.New("value " + strconv.Itoa(v) + " not in 0..2")
				}
				return nil, syntaxError("heading.extensions auto-submitted", err)
			}
			autoSub = &v
			rep.Mapped("heading.extensions auto-submitted", "Autosubmitted")
		default:
			discarded = append(discarded, envFormatOID(x.Type))
			rep.Dropped(from, "RFC 2156 §5.3.4: extension not understood, listed in Discarded-X400-IPMS-Extensions")
		}
	}
	if len(h.Unknown) > 0 {
		rep.Dropped("heading (unknown components)", strconv.Itoa(len(h.Unknown))+" heading component(s) of unknown tag have no RFC 822 counterpart")
	}

	// this-IPM.
	if s, err := IPMIdentifierToMsgID(&h.ThisIPM); err != nil {
		rep.Dropped("heading.this-IPM", err.Error())
	} else {
		add("Message-ID", " "+s)
		rep.Mapped("heading.this-IPM", "Message-ID")
	}

	// Originator and authorizing users (§5.3.4).
	authors := len(h.AuthorizingUsers) > 0
	if h.AuthorizingUsers != nil && !authors {
		rep.Dropped("heading.authorizing-users", "RFC 2156 §5.3.4: an empty address field is discarded")
	}
	if authors {
		v, err := g.hdgDescriptorsOut("heading.authorizing-users", h.AuthorizingUsers, memo)
		if err != nil {
			return nil, err
		}
		add("From", v)
		rep.Mapped("heading.authorizing-users", "From")
	}
	if h.Originator != nil {
		v, err := g.hdgDescriptorsOut("heading.originator", []x400.ORDescriptor{*h.Originator}, memo)
		if err != nil {
			return nil, err
		}
		if authors {
			add("Sender", v)
			rep.Mapped("heading.originator", "Sender")
		} else {
			add("From", v)
			rep.Mapped("heading.originator", "From")
		}
	}

	// Recipients.
	for _, r := range [...]struct {
		from, to string
		list     []x400.RecipientSpecifier
	}{
		{"heading.primary-recipients", "To", h.PrimaryRecipients},
		{"heading.copy-recipients", "Cc", h.CopyRecipients},
		{"heading.blind-copy-recipients", "Bcc", h.BlindCopyRecipients},
	} {
		if r.list == nil {
			continue
		}
		if len(r.list) == 0 && r.to != "Bcc" {
			rep.Dropped(r.from, "RFC 2156 §5.3.4: an empty address field is discarded")
			continue
		}
		v, err := g.hdgRecipientsOut(r.from, r.list, rep, memo)
		if err != nil {
			return nil, err
		}
		if len(r.list) == 0 {
			v = "" // "Bcc:", §5.3.4
		}
		add(r.to, v)
		rep.Mapped(r.from, r.to)
	}
	if err := g.hdgNotificationRequestsOut(h, carried, add, rep, memo); err != nil {
		return nil, err
	}
	if h.ReplyRecipients != nil {
		if len(h.ReplyRecipients) == 0 {
			rep.Dropped("heading.reply-recipients", "RFC 2156 §5.3.4: an empty address field is discarded")
		} else {
			v, err := g.hdgDescriptorsOut("heading.reply-recipients", h.ReplyRecipients, memo)
			if err != nil {
				return nil, err
			}
			add("Reply-To", v)
			rep.Mapped("heading.reply-recipients", "Reply-To")
		}
	}

	// Identifiers (§4.7.3).
	if h.RepliedToIPM != nil {
		if s, err := IPMIdentifierToReference(h.RepliedToIPM); err != nil {
			rep.Dropped("heading.replied-to-IPM", err.Error())
		} else {
			add("In-Reply-To", " "+s)
			rep.Mapped("heading.replied-to-IPM", "In-Reply-To")
		}
	}
	if len(h.RelatedIPMs) > 0 {
		if s, err := FormatReferences(h.RelatedIPMs); err != nil {
			rep.Dropped("heading.related-IPMs", err.Error())
		} else {
			add("References", " "+s)
			rep.Mapped("heading.related-IPMs", "References")
		}
	}
	if len(h.ObsoletedIPMs) > 0 {
		if s, err := hdgFormatMsgIDs(h.ObsoletedIPMs); err != nil {
			rep.Dropped("heading.obsoleted-IPMs", err.Error())
		} else {
			add("Supersedes", " "+s)
			rep.Mapped("heading.obsoleted-IPMs", "Supersedes")
		}
	}

	if h.Subject != "" {
		add("Subject", hdgSubjectOut(h.Subject))
		rep.Mapped("heading.subject", "Subject")
	}
	if !h.ExpiryTime.IsZero() {
		add("Expires", hdgDateOut(h.ExpiryTime))
		rep.Mapped("heading.expiry-time", "Expires")
	}
	if !h.ReplyTime.IsZero() {
		add("Reply-By", hdgDateOut(h.ReplyTime))
		rep.Mapped("heading.reply-time", "Reply-By")
	}
	if h.Importance != x400.ImportanceNormal {
		v, ok := hdgImportanceOut(h.Importance)
		if !ok {
			return nil, syntaxError("heading.importance", errors.New("invalid "+h.Importance.String()))
		}
		add("Importance", v)
		rep.Mapped("heading.importance", "Importance")
	}
	if h.Sensitivity != x400.SensitivityNone {
		v, ok := hdgSensitivityOut(h.Sensitivity)
		if !ok {
			return nil, syntaxError("heading.sensitivity", errors.New("invalid "+h.Sensitivity.String()))
		}
		add("Sensitivity", v)
		rep.Mapped("heading.sensitivity", "Sensitivity")
	}
	if h.AutoForwarded {
		add("Autoforwarded", " TRUE")
		rep.Mapped("heading.auto-forwarded", "Autoforwarded")
	}
	if incomplete {
		add("Incomplete-Copy", "")
	}
	if len(langs) > 0 {
		add("Content-Language", " "+strings.Join(langs, ", "))
	}
	if autoSub != nil {
		add("Autosubmitted", " "+hdgAutoSubmittedNames[*autoSub])
	}
	if len(discarded) > 0 {
		add("Discarded-X400-IPMS-Extensions", " "+strings.Join(discarded, ", "))
	}

	// The RFC 822 heading extension (§5.1.2): restored as written; a
	// field that the heading also gave replaces the generated one when it
	// still maps to the heading's value. The check maps addresses to
	// X.400 and back: through memo and a memo of its own for the way in.
	var in addrMemo
	if memo != nil {
		in = addrMemo{}
	}
	for i, c := range carried {
		from := "rfc-822-field-list[" + strconv.Itoa(i) + "] " + c.Name
		if !hdgOwned(c.Name) {
			out = append(out, c)
			rep.Carried(from, c.Name, "RFC 2156 §5.1.2: restored from the RFC 822 heading extension")
			continue
		}
		j := slices.IndexFunc(out, func(f Field) bool { return strings.EqualFold(f.Name, c.Name) })
		nc, maps := g.hdgNormalize(c.Name, c.Value, in, memo)
		switch {
		case !maps:
			// Carried because it did not conform (§5.1.3): the
			// heading holds nothing of it.
			out = append(out, c)
			rep.Carried(from, c.Name, "RFC 2156 §5.1.3: non-conforming field restored from the RFC 822 heading extension")
		case j >= 0 && g.hdgSameNormalized(c.Name, c.Value, nc, out[j].Value, in, memo):
			out[j] = c
			rep.Carried(from, c.Name, "original text restored from the RFC 822 heading extension")
		case j < 0 && strings.EqualFold(c.Name, "In-Reply-To") && g.hdgInRelated(c.Value, h.RelatedIPMs):
			out = append(out, c)
			rep.Carried(from, c.Name, "several replied-to ids restored from the RFC 822 heading extension (§5.1.3)")
		default:
			rep.Dropped(from, "the heading's own value differs from the text carried in the RFC 822 heading extension: the heading's is used")
		}
	}
	return out, nil
}

// HeaderToHeading maps RFC 5322 header fields to an IPM heading, RFC 2156
// §5.1.3. The caller has taken out the envelope, MIME and MMHS fields.
// Fields of the same name are merged (two To: fields make one list);
// fields with no heading counterpart, and mapped fields whose text does
// not conform, go into the rfc-822-field-list heading extension (§5.1.2).
// An address that cannot be mapped is an error naming its field.
func (g *Gateway) HeaderToHeading(h Header, rep *Report) (x400.Heading, error) {
	return g.headerToHeading(h, rep, nil)
}

// headerToHeading is HeaderToHeading with the addresses mapped through
// memo (nil: none).
func (g *Gateway) headerToHeading(h Header, rep *Report, memo addrMemo) (x400.Heading, error) {
	var hd x400.Heading
	var ext []string
	count := map[string]int{}
	for _, f := range h {
		count[strings.ToLower(f.Name)]++
	}
	hasSender := count["sender"] > 0
	carry := func(f Field, note string) {
		s := f.Name + ":" + f.Value
		if !x400.IsIA5String(s) {
			rep.Dropped(f.Name, "not ASCII: an RFC822Field is an IA5String (RFC 2156 §5.1.2)")
			return
		}
		if len(ext) >= hdgMaxExtFields {
			rep.Dropped(f.Name, "more than "+strconv.Itoa(hdgMaxExtFields)+" fields in the RFC 822 heading extension")
			return
		}
		ext = append(ext, s)
		rep.Carried(f.Name, hdgExtTo, note)
	}
	// keep carries the original text as well when the mapping does not
	// give it back (see the file comment); only for a field that occurs
	// once, merged fields having no single text.
	keep := func(f Field) {
		if count[strings.ToLower(f.Name)] == 1 && !g.hdgSame(f.Name, f.Value, f.Value) {
			carry(f, "original text, which the mapping does not give back")
		}
	}
	// keepMapped is keep for an address field already mapped to X.400:
	// back is what hdgNormalize would write from it (the same parse and
	// mapping, done once).
	keepMapped := func(f Field, back func() (string, error)) {
		if count[strings.ToLower(f.Name)] != 1 {
			return
		}
		if s, err := back(); err != nil || hdgCollapse(s) != hdgCollapse(f.Value) {
			carry(f, "original text, which the mapping does not give back")
		}
	}
	var inReplyTo, related []x400.IPMIdentifier
	var fromDesc []x400.ORDescriptor
	haveThis, dnt := false, false
	for _, f := range h {
		name := strings.ToLower(f.Name)
		bad := func(err error) {
			carry(f, "RFC 2156 §5.1.3: content does not conform ("+err.Error()+")")
		}
		switch name {
		case "message-id":
			if haveThis {
				carry(f, "a second Message-ID")
				continue
			}
			id, cut, err := MsgIDToIPMIdentifier(f.Value)
			if err != nil {
				bad(err)
				continue
			}
			hd.ThisIPM, haveThis = id, true
			rep.Mapped(f.Name, "heading.this-IPM")
			if cut {
				rep.Dropped(f.Name+" (beyond 64)", "RFC 2156 §5.1.3: user-relative-identifier truncated to ub-local-ipm-identifier")
			}
			keep(f)
		case "from", "sender", "reply-to":
			list, err := ParseAddressList(f.Value)
			if err != nil {
				bad(err)
				continue
			}
			ds, err := g.hdgDescriptorsIn(f.Name, list, memo)
			if err != nil {
				return x400.Heading{}, err
			}
			switch {
			case name == "reply-to":
				hd.ReplyRecipients = append(hd.ReplyRecipients, ds...)
				rep.Mapped(f.Name, "heading.reply-recipients")
			case name == "sender":
				if hd.Originator != nil || len(ds) != 1 {
					bad(errors.New("Sender: is not one mailbox"))
					continue
				}
				hd.Originator = &ds[0]
				rep.Mapped(f.Name, "heading.originator")
			case hasSender:
				hd.AuthorizingUsers = append(hd.AuthorizingUsers, ds...)
				rep.Mapped(f.Name, "heading.authorizing-users")
			default:
				fromDesc = append(fromDesc, ds...)
				rep.Mapped(f.Name, "heading.originator")
			}
			keepMapped(f, func() (string, error) { return g.hdgDescriptorsOut(f.Name, ds, nil) })
		case "to", "cc", "bcc":
			list, err := ParseAddressList(f.Value)
			if err != nil {
				bad(err)
				continue
			}
			rs, err := g.hdgRecipientsIn(f.Name, list, memo)
			if err != nil {
				return x400.Heading{}, err
			}
			switch name {
			case "to":
				hd.PrimaryRecipients = append(hd.PrimaryRecipients, rs...)
				rep.Mapped(f.Name, "heading.primary-recipients")
			case "cc":
				hd.CopyRecipients = append(hd.CopyRecipients, rs...)
				rep.Mapped(f.Name, "heading.copy-recipients")
			default:
				if hd.BlindCopyRecipients == nil {
					hd.BlindCopyRecipients = []x400.RecipientSpecifier{}
				}
				hd.BlindCopyRecipients = append(hd.BlindCopyRecipients, rs...)
				rep.Mapped(f.Name, "heading.blind-copy-recipients")
			}
			keepMapped(f, func() (string, error) { return g.hdgRecipientsOut(f.Name, rs, nil, nil) })
		case "in-reply-to", "references", "supersedes", "obsoletes":
			ids, cut, err := ParseReferences(f.Value)
			if err != nil {
				bad(err)
				continue
			}
			switch name {
			case "in-reply-to":
				inReplyTo = append(inReplyTo, ids...)
			case "references":
				related = append(related, ids...)
				rep.Mapped(f.Name, "heading.related-IPMs")
			default:
				hd.ObsoletedIPMs = append(hd.ObsoletedIPMs, ids...)
				rep.Mapped(f.Name, "heading.obsoleted-IPMs")
			}
			if cut {
				rep.Dropped(f.Name+" (beyond 64)", "RFC 2156 §5.1.3: an identifier truncated to ub-local-ipm-identifier")
			}
			if name == "in-reply-to" && len(ids) != 1 {
				// §5.1.3: several values go to related-IPMs; the
				// field itself is carried so that it comes back.
				rep.Mapped(f.Name, "heading.related-IPMs")
				carry(f, "RFC 2156 §5.1.3: several values, mapped to related-IPMs")
				continue
			}
			if name == "in-reply-to" {
				rep.Mapped(f.Name, "heading.replied-to-IPM")
			}
			keep(f)
		case "subject":
			if hd.Subject != "" {
				carry(f, "a second Subject")
				continue
			}
			s, cut, replaced, err := hdgSubjectIn(f.Value)
			if err != nil {
				bad(err)
				continue
			}
			hd.Subject = s
			rep.Mapped(f.Name, "heading.subject")
			if replaced {
				rep.Dropped(f.Name+" (characters)", "RFC 2156 §3.5: characters that T.61 cannot represent; the subject keeps the encoded text or \"?\"")
			}
			if cut {
				rep.Dropped(f.Name+" (beyond 128)", "RFC 2156 §5.1.3: subject truncated to ub-subject-field")
			}
			keep(f)
		case "expires", "expiry-date", "reply-by":
			t, err := hdgDateIn(f.Value)
			if err != nil {
				bad(err)
				continue
			}
			if name == "reply-by" {
				if !hd.ReplyTime.IsZero() {
					carry(f, "a second Reply-By")
					continue
				}
				hd.ReplyTime = t
				rep.Mapped(f.Name, "heading.reply-time")
			} else {
				if !hd.ExpiryTime.IsZero() {
					carry(f, "a second expiry time")
					continue
				}
				hd.ExpiryTime = t
				rep.Mapped(f.Name, "heading.expiry-time")
			}
			keep(f)
		case "importance":
			v, err := hdgImportanceIn(f.Value)
			if err != nil {
				bad(err)
				continue
			}
			hd.Importance = v
			rep.Mapped(f.Name, "heading.importance")
			keep(f)
		case "sensitivity":
			v, err := hdgSensitivityIn(f.Value)
			if err != nil {
				bad(err)
				continue
			}
			hd.Sensitivity = v
			rep.Mapped(f.Name, "heading.sensitivity")
			keep(f)
		case "autoforwarded":
			v, err := hdgBoolIn(f.Value)
			if err != nil {
				bad(err)
				continue
			}
			hd.AutoForwarded = v
			rep.Mapped(f.Name, "heading.auto-forwarded")
			keep(f)
		case "incomplete-copy":
			if strings.TrimSpace(f.Value) != "" {
				bad(errors.New("Incomplete-Copy: has a value"))
				continue
			}
			hdgSetExtension(&hd, x400.IPMSExtension{Type: OIDHexIncompleteCopy})
			rep.Mapped(f.Name, "heading.extensions incomplete-copy")
			keep(f)
		case "content-language":
			ls, err := hdgLanguagesIn(f.Value)
			if err != nil {
				bad(err)
				continue
			}
			v, err := hdgEncodeLanguages(ls)
			if err != nil {
				bad(err)
				continue
			}
			hdgSetExtension(&hd, x400.IPMSExtension{Type: OIDHexLanguages, Value: v})
			rep.Mapped(f.Name, "heading.extensions languages")
			keep(f)
		case "autosubmitted":
			n, err := hdgAutoSubmittedIn(f.Value)
			if err != nil {
				bad(err)
				continue
			}
			hdgSetExtension(&hd, x400.IPMSExtension{Type: OIDHexAutoSubmitted, Value: hdgEncodeEnum(n)})
			rep.Mapped(f.Name, "heading.extensions auto-submitted")
			keep(f)
		case "disposition-notification-to":
			// RFC 8098 §2.1: rn and nrn for every recipient (set below,
			// when all are known). The field itself is carried: its
			// address, where the MDN goes, need not be the originator's
			// (RFC 8098 §8.3 case 2), and the IPN comes back to the
			// gateway, which sends the MDN there (see package reports).
			list, err := ParseAddressList(f.Value)
			if err != nil || len(list) == 0 {
				if err == nil {
					err = errors.New("no address")
				}
				bad(err)
				continue
			}
			dnt = true
			rep.Mapped(f.Name, "heading recipients' notification-requests (rn, nrn)")
			carry(f, "the address MDNs go to (RFC 8098 §2.1)")
		case "discarded-x400-ipms-extensions", "discarded-x400-mts-extensions", "message-type",
			"x400-content-type", "x400-originator", "x400-recipients", "x400-mts-identifier":
			rep.Dropped(f.Name, "RFC 2156 §5.1.7: this field shall not be mapped")
		default:
			carry(f, "RFC 2156 §5.1.2")
		}
	}

	// From: without Sender: is the originator; several From: mailboxes
	// need a Sender (RFC 5322 §3.6.2): the first is taken as the
	// originator and all are authorizing users.
	switch {
	case len(fromDesc) == 1:
		hd.Originator = &fromDesc[0]
	case len(fromDesc) > 1:
		o := fromDesc[0]
		hd.Originator = &o
		hd.AuthorizingUsers = append(hd.AuthorizingUsers, fromDesc...)
		rep.Mapped("From (several mailboxes, no Sender)", "heading.authorizing-users")
	}

	// In-Reply-To (§5.1.3): one value is the replied-to IPM; several go to
	// the related IPMs with those of References.
	if len(inReplyTo) == 1 {
		hd.RepliedToIPM = &inReplyTo[0]
	} else {
		related = append(inReplyTo, related...)
	}
	if len(related) > 0 {
		hd.RelatedIPMs = related
	}

	if dnt {
		hdgNotificationRequestsIn(&hd)
	}
	if !haveThis {
		id, err := g.hdgNewIPMIdentifier()
		if err != nil {
			return x400.Heading{}, contentError("Message-ID", err)
		}
		hd.ThisIPM = id
		rep.Mapped("Message-ID (absent)", "heading.this-IPM (generated by the gateway, §5.1.3)")
	}
	if len(ext) > 0 {
		v, err := hdgEncodeFieldList(ext)
		if err != nil {
			return x400.Heading{}, contentError("RFC 822 heading extension", err)
		}
		hd.Extensions = append(hd.Extensions, x400.IPMSExtension{Type: OIDRFC822FieldList, Value: v})
	}
	return hd, nil
}

// hdgOwned reports whether the field named name is one that the heading
// itself gives (so a carried copy competes with the generated one).
func hdgOwned(name string) bool {
	switch strings.ToLower(name) {
	case "message-id", "from", "sender", "to", "cc", "bcc", "reply-to", "in-reply-to",
		"references", "supersedes", "obsoletes", "subject", "expires", "expiry-date",
		"reply-by", "importance", "sensitivity", "autoforwarded", "incomplete-copy",
		"content-language", "autosubmitted":
		return true
	}
	return false
}

// hdgSame reports whether the text a of a field named name maps to what
// the text b maps to: both go through the 822 -> X.400 -> 822 mapping of
// that field alone and must give the same text, folding white space
// apart. With a == b it says whether the mapping gives a back.
func (g *Gateway) hdgSame(name, a, b string) bool {
	na, ok := g.hdgNormalize(name, a, nil, nil)
	return ok && g.hdgSameNormalized(name, a, na, b, nil, nil)
}

// hdgSameNormalized is hdgSame with na, what hdgNormalize gave for a,
// already known, and b's addresses mapped through in and out (nil: none).
func (g *Gateway) hdgSameNormalized(name, a, na, b string, in addrMemo, out mailboxMemo) bool {
	if a == b {
		return hdgCollapse(na) == hdgCollapse(a)
	}
	nb, ok := g.hdgNormalize(name, b, in, out)
	return ok && hdgCollapse(na) == hdgCollapse(nb)
}

// hdgCollapse trims white space and makes each run of it one space:
// texts that differ only in folding white space (RFC 5322 §2.2.3) are
// the same field.
func hdgCollapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// hdgNormalize maps the text of one field to X.400 and back, the
// addresses through in and out (nil: none).
func (g *Gateway) hdgNormalize(name, v string, in addrMemo, out mailboxMemo) (string, bool) {
	switch n := strings.ToLower(name); n {
	case "message-id":
		id, _, err := MsgIDToIPMIdentifier(v)
		if err != nil {
			return "", false
		}
		s, err := IPMIdentifierToMsgID(&id)
		return " " + s, err == nil
	case "in-reply-to", "references":
		ids, _, err := ParseReferences(v)
		if err != nil {
			return "", false
		}
		s, err := FormatReferences(ids)
		return " " + s, err == nil
	case "supersedes", "obsoletes":
		ids, _, err := ParseReferences(v)
		if err != nil {
			return "", false
		}
		s, err := hdgFormatMsgIDs(ids)
		return " " + s, err == nil
	case "from", "sender", "reply-to", "to", "cc", "bcc":
		list, err := ParseAddressList(v)
		if err != nil {
			return "", false
		}
		if n == "to" || n == "cc" || n == "bcc" {
			rs, err := g.hdgRecipientsIn(name, list, in)
			if err != nil {
				return "", false
			}
			s, err := g.hdgRecipientsOut(name, rs, nil, out)
			return s, err == nil
		}
		ds, err := g.hdgDescriptorsIn(name, list, in)
		if err != nil {
			return "", false
		}
		s, err := g.hdgDescriptorsOut(name, ds, out)
		return s, err == nil
	case "subject":
		s, _, _, err := hdgSubjectIn(v)
		return hdgSubjectOut(s), err == nil
	case "expires", "expiry-date", "reply-by":
		t, err := hdgDateIn(v)
		return hdgDateOut(t), err == nil
	case "importance":
		i, err := hdgImportanceIn(v)
		if err != nil {
			return "", false
		}
		if i == x400.ImportanceNormal {
			return " normal", true
		}
		s, ok := hdgImportanceOut(i)
		return s, ok
	case "sensitivity":
		i, err := hdgSensitivityIn(v)
		if err != nil {
			return "", false
		}
		return hdgSensitivityOut(i)
	case "autoforwarded":
		b, err := hdgBoolIn(v)
		if err != nil {
			return "", false
		}
		if b {
			return " TRUE", true
		}
		return " FALSE", true
	case "incomplete-copy":
		return "", strings.TrimSpace(v) == ""
	case "content-language":
		ls, err := hdgLanguagesIn(v)
		return " " + strings.Join(ls, ", "), err == nil
	case "autosubmitted":
		i, err := hdgAutoSubmittedIn(v)
		if err != nil {
			return "", false
		}
		return " " + hdgAutoSubmittedNames[i], true
	}
	return v, true
}

// hdgInRelated reports whether every id of the In-Reply-To text v is among
// the related IPMs.
func (g *Gateway) hdgInRelated(v string, related []x400.IPMIdentifier) bool {
	ids, _, err := ParseReferences(v)
	if err != nil || len(ids) < 2 {
		return false
	}
	for i := range ids {
		if !slices.ContainsFunc(related, func(r x400.IPMIdentifier) bool { return hdgSameID(&r, &ids[i]) }) {
			return false
		}
	}
	return true
}

func hdgSameID(a, b *x400.IPMIdentifier) bool {
	if a.LocalID != b.LocalID || (a.User == nil) != (b.User == nil) {
		return false
	}
	return a.User == nil || a.User.Equal(b.User)
}

// hdgFieldError names field in an address mapping error.
func hdgFieldError(field string, err error) error {
	var ce *ConversionError
	if errors.As(err, &ce) {
		c := *ce
		c.Field = field
		if ce.Field != "" && ce.Err != nil {
			c.Err = errors.New(ce.Field + ": " + ce.Err.Error())
		}
		return &c
	}
	return addressError(field, err)
}

// hdgDescriptorsOut writes O/R descriptors as an address list (§4.7.2),
// mapped through memo (nil: none).
func (g *Gateway) hdgDescriptorsOut(field string, ds []x400.ORDescriptor, memo mailboxMemo) (string, error) {
	list := make([]Address, 0, len(ds))
	for i := range ds {
		a, err := g.orDescriptorToAddress(&ds[i], memo)
		if err != nil {
			return "", hdgFieldError(field+"["+strconv.Itoa(i)+"]", err)
		}
		list = append(list, a)
	}
	return " " + FormatAddressList(list), nil
}

// hdgDNT is the RFC 8098 §2.1 field that asks for MDNs.
const hdgDNT = "Disposition-Notification-To"

// hdgNotificationRequestsOut writes the Disposition-Notification-To field
// (RFC 8098 §2.1) once when any recipient of h asks for a receipt or a
// non-receipt notification (X.420 §7.1.2 notification-requests rn, nrn):
// the MDN an Internet recipient sends then reaches the gateway, which
// makes it the IPN (RFC 8098 §8.2, RFC 2156 §5.3.5 the other way). It
// names the IPM originator, to whom X.420 §8 sends IPNs (the
// authorizing users are not asked). A Disposition-Notification-To
// carried in the RFC 822 heading extension (an Internet message that
// crossed to X.400 and comes back) is restored instead, as written.
func (g *Gateway) hdgNotificationRequestsOut(h *x400.Heading, carried []Field, add func(name, value string), rep *Report, memo mailboxMemo) error {
	asked := false
	for _, list := range [...][]x400.RecipientSpecifier{h.PrimaryRecipients, h.CopyRecipients, h.BlindCopyRecipients} {
		for i := range list {
			if list[i].NotificationRequests&(x400.NotifyRN|x400.NotifyNRN) != 0 {
				asked = true
			}
		}
	}
	if !asked || slices.ContainsFunc(carried, func(f Field) bool { return strings.EqualFold(f.Name, hdgDNT) }) {
		return nil
	}
	if h.Originator == nil {
		rep.Dropped("heading notification-requests (rn, nrn)", "no heading.originator to name in "+hdgDNT)
		return nil
	}
	v, err := g.hdgDescriptorsOut("heading.originator", []x400.ORDescriptor{*h.Originator}, memo)
	if err != nil {
		return err
	}
	add(hdgDNT, v)
	rep.Mapped("heading.originator", hdgDNT+" (recipients ask for notifications, RFC 8098 §2.1)")
	return nil
}

// hdgNotificationRequestsIn sets rn and nrn on every recipient of hd:
// an Internet message with Disposition-Notification-To asks each
// recipient for an MDN (RFC 8098 §2.1), which X.400 asks with the
// notification-requests of each recipient specifier (X.420 §7.1.2).
// Other requests already set are kept.
func hdgNotificationRequestsIn(hd *x400.Heading) {
	for _, list := range [...][]x400.RecipientSpecifier{hd.PrimaryRecipients, hd.CopyRecipients, hd.BlindCopyRecipients} {
		for i := range list {
			list[i].NotificationRequests |= x400.NotifyRN | x400.NotifyNRN
		}
	}
}

// hdgReplyComment is the comment of §4.7.2 step 6.
const hdgReplyComment = "(Reply requested)"

// hdgRecipientsOut writes recipient specifiers as an address list: §4.7.2
// step 6 appends "(Reply requested)"; the notification requests are not
// written as comments, as step 5 recommends: rn and nrn become the
// Disposition-Notification-To field (hdgNotificationRequestsOut), the
// others are reported dropped; recipient extensions and unknown
// components have no RFC 822 counterpart. The descriptors are mapped
// through memo (nil: none).
func (g *Gateway) hdgRecipientsOut(field string, rs []x400.RecipientSpecifier, rep *Report, memo mailboxMemo) (string, error) {
	list := make([]Address, 0, len(rs))
	for i := range rs {
		r := &rs[i]
		from := field + "[" + strconv.Itoa(i) + "]"
		a, err := g.orDescriptorToAddress(&r.Recipient, memo)
		if err != nil {
			return "", hdgFieldError(from, err)
		}
		if r.ReplyRequested {
			switch {
			case a.Mailbox != nil:
				m := *a.Mailbox
				m.Comments = append(slices.Clip(m.Comments), hdgReplyComment)
				a.Mailbox = &m
			case a.Group != nil:
				gr := *a.Group
				gr.Comments = append(slices.Clip(gr.Comments), hdgReplyComment)
				a.Group = &gr
			}
		}
		if nr := r.NotificationRequests &^ (x400.NotifyRN | x400.NotifyNRN); nr != 0 {
			rep.Dropped(from+".notification-requests", "RFC 2156 §4.7.2 step 5: "+nr.String()+
				" not written (the RFC recommends against the comments)")
		}
		if r.NotificationRequests&(x400.NotifyRN|x400.NotifyNRN) != 0 {
			rep.Mapped(from+".notification-requests", "Disposition-Notification-To")
		}
		for _, x := range r.Extensions {
			rep.Dropped(from+".recipient-extensions "+x.Type.String(), "recipient extension with no RFC 822 counterpart")
		}
		if len(r.Unknown) > 0 {
			rep.Dropped(from+" (unknown components)", "recipient specifier components of unknown tag")
		}
		list = append(list, a)
	}
	return " " + FormatAddressList(list), nil
}

// hdgDescriptorsIn maps an address list to O/R descriptors (§4.7.1).
func (g *Gateway) hdgDescriptorsIn(field string, list []Address, memo addrMemo) ([]x400.ORDescriptor, error) {
	var out []x400.ORDescriptor
	for i, a := range list {
		ds, err := g.addressToORDescriptors(a, memo)
		if err != nil {
			return nil, hdgFieldError(field+" address "+strconv.Itoa(i+1), err)
		}
		out = append(out, ds...)
	}
	return out, nil
}

// hdgRecipientsIn maps an address list to recipient specifiers (§4.7.1,
// with the defaults). A mailbox's "(Reply requested)" comment, which
// §4.7.2 step 6 writes, is taken back as reply-requested so that the
// mapping is reversible.
func (g *Gateway) hdgRecipientsIn(field string, list []Address, memo addrMemo) ([]x400.RecipientSpecifier, error) {
	out := make([]x400.RecipientSpecifier, 0, len(list))
	for i, a := range list {
		reply := false
		if a.Mailbox != nil {
			if k := slices.IndexFunc(a.Mailbox.Comments, func(c string) bool { return strings.EqualFold(c, hdgReplyComment) }); k >= 0 {
				m := *a.Mailbox
				m.Comments = slices.Delete(slices.Clone(m.Comments), k, k+1)
				if len(m.Comments) == 0 {
					m.Comments = nil
				}
				a.Mailbox, reply = &m, true
			}
		}
		ds, err := g.addressToORDescriptors(a, memo)
		if err != nil {
			return nil, hdgFieldError(field+" address "+strconv.Itoa(i+1), err)
		}
		for _, d := range ds {
			out = append(out, x400.RecipientSpecifier{Recipient: d, ReplyRequested: reply && d.FormalName != nil})
		}
	}
	return out, nil
}

// hdgFormatMsgIDs writes 1*msg-id (Supersedes:, §5.3.4).
func hdgFormatMsgIDs(ids []x400.IPMIdentifier) (string, error) {
	parts := make([]string, 0, len(ids))
	for i := range ids {
		s, err := IPMIdentifierToMsgID(&ids[i])
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " "), nil
}

// hdgLineEnds makes each line end (CRLF, CR or LF) a space.
var hdgLineEnds = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")

// hdgSubjectOut writes the subject (§5.3.4): line ends become spaces (the
// field is folded where it is long), non-ASCII text is RFC 2047 encoded
// (§3.5).
func hdgSubjectOut(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		s = hdgLineEnds.Replace(s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || (c < 0x20 && c != '\t') || c == 0x7f {
			return " " + mime.QEncoding.Encode("utf-8", s)
		}
	}
	if strings.Contains(s, "=?") {
		// Text that would read as an encoded word is encoded itself.
		return " " + mime.QEncoding.Encode("utf-8", s)
	}
	return " " + s
}

// hdgSubjectIn reads the subject (§5.1.3): RFC 2047 encoded words are
// decoded (§3.5) and the text cut to ub-subject-field (128 characters).
// The subject is a TeletexString: when the decoded text has characters
// that T.61 cannot represent, the subject is the field's own ASCII text
// (its encoded words kept), or, for raw 8-bit text, the text with those
// characters replaced by "?"; replaced reports either.
func hdgSubjectIn(v string) (s string, cut, replaced bool, err error) {
	v = strings.TrimPrefix(v, " ")
	if !utf8.ValidString(v) {
		v, replaced = strings.ToValidUTF8(v, "?"), true
	}
	dec := new(mime.WordDecoder)
	s, err = dec.DecodeHeader(v)
	if err != nil || !utf8.ValidString(s) {
		s = v // an unknown charset: keep the text as it is
	}
	if _, err := x400.UTF8ToT61(s); err != nil {
		replaced = true
		if x400.IsIA5String(v) {
			s = v
		} else {
			var b strings.Builder
			for _, r := range s {
				if _, err := x400.UTF8ToT61(string(r)); err != nil {
					r = '?'
				}
				b.WriteRune(r)
			}
			s = b.String()
		}
	}
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > UBSubject {
		n := 0
		for i := range s {
			if n == UBSubject {
				s, cut = s[:i], true
				break
			}
			n++
		}
	}
	return s, cut, replaced, nil
}

// hdgDateOut writes a date-time (RFC 5322 §3.3).
func hdgDateOut(t time.Time) string {
	return " " + t.Format("Mon, 02 Jan 2006 15:04:05 -0700")
}

// hdgDateIn reads a date-time; UTCTime keeps whole seconds.
func hdgDateIn(v string) (time.Time, error) {
	t, err := parseDate(strings.TrimSpace(v))
	if err != nil {
		return time.Time{}, err
	}
	if t.Year() < 1950 || t.Year() > 2049 {
		return time.Time{}, errors.New("year " + strconv.Itoa(t.Year()) + " outside UTCTime's 1950-2049")
	}
	return t.Truncate(time.Second), nil
}

func hdgImportanceOut(i x400.Importance) (string, bool) {
	switch i {
	case x400.ImportanceLow:
		return " low", true
	case x400.ImportanceNormal:
		return " normal", true
	case x400.ImportanceHigh:
		return " high", true
	}
	return "", false
}

func hdgImportanceIn(v string) (x400.Importance, error) {
	switch strings.ToLower(hdgToken(v)) {
	case "low":
		return x400.ImportanceLow, nil
	case "normal":
		return x400.ImportanceNormal, nil
	case "high":
		return x400.ImportanceHigh, nil
	}
	return 0, errors.New("importance " + strconv.Quote(strings.TrimSpace(v)) + " is not low, normal or high")
}

func hdgSensitivityOut(s x400.Sensitivity) (string, bool) {
	switch s {
	case x400.SensitivityPersonal:
		return " Personal", true
	case x400.SensitivityPrivate:
		return " Private", true
	case x400.SensitivityCompanyConfidential:
		return " Company-Confidential", true
	}
	return "", false
}

func hdgSensitivityIn(v string) (x400.Sensitivity, error) {
	switch strings.ToLower(hdgToken(v)) {
	case "personal":
		return x400.SensitivityPersonal, nil
	case "private":
		return x400.SensitivityPrivate, nil
	case "company-confidential":
		return x400.SensitivityCompanyConfidential, nil
	}
	return 0, errors.New("sensitivity " + strconv.Quote(strings.TrimSpace(v)) + " is not Personal, Private or Company-Confidential")
}

func hdgBoolIn(v string) (bool, error) {
	switch strings.ToUpper(hdgToken(v)) {
	case "TRUE":
		return true, nil
	case "FALSE":
		return false, nil
	}
	return false, errors.New("boolean " + strconv.Quote(strings.TrimSpace(v)) + " is not TRUE or FALSE")
}

// hdgAutoSubmittedNames are the values of §5.3.4's autosubmitted in the
// order of X.420's AutoSubmitted; "auto-forwarded" has no X.420 value.
var hdgAutoSubmittedNames = [...]string{"not-auto-submitted", "auto-generated", "auto-replied"}

func hdgAutoSubmittedIn(v string) (int, error) {
	t := strings.ToLower(hdgToken(v))
	for i, n := range hdgAutoSubmittedNames {
		if t == n {
			return i, nil
		}
	}
	return 0, errors.New("autosubmitted " + strconv.Quote(strings.TrimSpace(v)) + " has no X.420 AutoSubmitted value")
}

// hdgToken returns v without surrounding white space. A value with a
// comment or a second word does not match any keyword and so is carried
// as non-conforming (§5.1.3).
func hdgToken(v string) string { return strings.TrimSpace(v) }

// hdgLanguagesIn reads Content-Language (RFC 1766: 1#language, with
// comments), §5.1.3: the first two characters of each value.
func hdgLanguagesIn(v string) ([]string, error) {
	p := &rfc822Parser{s: v}
	var out []string
	for {
		if err := p.skipCFWS(); err != nil {
			return nil, err
		}
		if p.eof() {
			break
		}
		if p.s[p.i] == ',' {
			p.i++
			continue
		}
		start := p.i
		for !p.eof() && strings.IndexByte(" \t\r\n,(", p.s[p.i]) < 0 {
			p.i++
		}
		tag := p.s[start:p.i]
		if len(tag) < 2 || !hdgAlpha(tag[0]) || !hdgAlpha(tag[1]) {
			return nil, errors.New("language " + strconv.Quote(tag) + " does not start with two letters")
		}
		out = append(out, strings.ToLower(tag[:2]))
		if len(out) > 100 {
			return nil, errors.New("more than 100 languages")
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no language")
	}
	return out, nil
}

func hdgAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// hdgIsP772 reports whether o is a P772 heading extension (id-mm 0..17
// but the ACP 127 notification request and response, which are recipient
// extensions): the military mapping's.
func hdgIsP772(o ber.OID) bool {
	if !o.HasPrefix(x400.OIDMM) || len(o) != len(x400.OIDMM)+1 {
		return false
	}
	a := o.Last()
	return a <= 17 && a != 15 && a != 16
}

// hdgSetExtension adds x to the heading's extensions, replacing one of
// the same type.
func hdgSetExtension(h *x400.Heading, x x400.IPMSExtension) {
	for i := range h.Extensions {
		if h.Extensions[i].Type.Equal(x.Type) {
			h.Extensions[i] = x
			return
		}
	}
	h.Extensions = append(h.Extensions, x)
}

// hdgNewIPMIdentifier makes this-IPM for a message with no Message-ID
// (§5.1.3: "a default is generated by the gateway"): a time and random
// user-relative-identifier, the gateway's O/R address as user.
func (g *Gateway) hdgNewIPMIdentifier() (x400.IPMIdentifier, error) {
	var r [6]byte
	if _, err := rand.Read(r[:]); err != nil {
		return x400.IPMIdentifier{}, err
	}
	id := x400.IPMIdentifier{LocalID: "MIXER-" + time.Now().UTC().Format("20060102150405") + "-" + hex.EncodeToString(r[:])}
	if !g.ORAddress.IsEmpty() {
		id.User = &x400.ORName{ORAddress: g.ORAddress}
	}
	return id, nil
}

// hdgEncodeFieldList encodes RFC822FieldList ::= SEQUENCE OF IA5String.
func hdgEncodeFieldList(fs []string) (x400.Raw, error) {
	n := 8
	for _, f := range fs {
		n += len(f) + 6
	}
	b := ber.NewBuilder(n)
	m := b.Begin(ber.Sequence)
	for _, f := range fs {
		b.AddString(ber.IA5String, f)
	}
	b.End(m)
	if err := b.Err(); err != nil {
		return nil, err
	}
	return x400.Raw(b.Bytes()), nil
}

// hdgDecodeFieldList decodes RFC822FieldList into fields, at most max.
func hdgDecodeFieldList(v x400.Raw, max int) ([]Field, error) {
	r := ber.NewReader(v, nil)
	e, err := r.Expect(ber.Sequence)
	if err != nil {
		return nil, err
	}
	if err := r.End("RFC822FieldList"); err != nil {
		return nil, err
	}
	c, err := e.Children()
	if err != nil {
		return nil, err
	}
	var out []Field
	for i := 0; !c.Empty(); i++ {
		if len(out) >= max {
			return nil, errors.New("too many fields in RFC822FieldList")
		}
		s, err := c.Expect(ber.IA5String)
		if err != nil {
			return nil, err
		}
		bs, err := s.Bytes()
		if err != nil {
			return nil, err
		}
		f := string(bs)
		k := strings.IndexByte(f, ':')
		if k <= 0 || !x400.IsIA5String(f) || strings.ContainsAny(f, "\r\n") || strings.ContainsAny(f[:k], " \t") {
			return nil, errors.New("RFC822Field " + strconv.Itoa(i) + " is not name \":\" value on one line")
		}
		out = append(out, Field{Name: f[:k], Value: f[k+1:]})
	}
	return out, nil
}

// hdgEncodeLanguages encodes Languages ::= SET OF PrintableString.
func hdgEncodeLanguages(ls []string) (x400.Raw, error) {
	b := ber.NewBuilder(8 + 4*len(ls))
	m := b.Begin(ber.Set)
	for _, l := range ls {
		b.AddString(ber.PrintableString, l)
	}
	b.End(m)
	if err := b.Err(); err != nil {
		return nil, err
	}
	return x400.Raw(b.Bytes()), nil
}

// hdgDecodeLanguages decodes Languages (2 or 5 characters each).
func hdgDecodeLanguages(v x400.Raw) ([]string, error) {
	r := ber.NewReader(v, nil)
	e, err := r.Expect(ber.Set)
	if err != nil {
		return nil, err
	}
	if err := r.End("Languages"); err != nil {
		return nil, err
	}
	c, err := e.Children()
	if err != nil {
		return nil, err
	}
	var out []string
	for !c.Empty() {
		s, err := c.Expect(ber.PrintableString)
		if err != nil {
			return nil, err
		}
		bs, err := s.Bytes()
		if err != nil {
			return nil, err
		}
		l := string(bs)
		if (len(l) != 2 && len(l) != 5) || !x400.IsPrintableString(l) || !hdgAlpha(l[0]) || !hdgAlpha(l[1]) {
			return nil, errors.New("language " + strconv.Quote(l) + " is not 2 or 5 characters")
		}
		out = append(out, l)
	}
	return out, nil
}

func hdgEncodeEnum(n int) x400.Raw {
	b := ber.NewBuilder(4)
	b.AddInt(ber.Enumerated, int64(n))
	return x400.Raw(b.Bytes())
}

func hdgDecodeEnum(v x400.Raw) (int, error) {
	r := ber.NewReader(v, nil)
	e, err := r.Expect(ber.Enumerated)
	if err != nil {
		return 0, err
	}
	if err := r.End("ENUMERATED"); err != nil {
		return 0, err
	}
	return e.Int()
}
