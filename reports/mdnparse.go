package reports

// Parsing MDNs (RFC 8098 §3, tolerant of RFC 3798 and RFC 2298 syntax
// and of what real user agents write) and MDN -> IPN.

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"mixerd/ber"
	"mixerd/mixer"
	"mixerd/x400"
)

// Bounds of ParseMDN.
const (
	// MDNMaxSize is the most octets of a message ParseMDN reads; the
	// rest is ignored (and noted).
	MDNMaxSize      = 4 << 20
	mdnMaxParts     = 16
	mdnMaxFields    = 200
	mdnMaxFieldLen  = 4096
	mdnMaxTextLen   = 16 << 10
	mdnMaxProblems  = 32
	mdnMaxExtFields = 64
)

// MDNDisposition is the Disposition field, RFC 8098 §3.2.6:
//
//	disposition-field = "Disposition" ":" OWS disposition-mode OWS ";"
//	          OWS disposition-type
//	          [ OWS "/" OWS disposition-modifier
//	          *( OWS "," OWS disposition-modifier ) ] OWS
//	disposition-mode = action-mode OWS "/" OWS sending-mode
//
// The values are lower-cased (they are case-insensitive); a type or
// modifier this package does not know is kept as it is written.
type MDNDisposition struct {
	// ActionMode is "manual-action" or "automatic-action" ("" when
	// missing).
	ActionMode string
	// SendingMode is "mdn-sent-manually" or "mdn-sent-automatically"
	// ("" when missing).
	SendingMode string
	// Type is "displayed", "deleted", "dispatched", "processed", or an
	// older or unknown one ("denied", "failed" of RFC 2298/3798).
	Type string
	// Modifiers are RFC 8098's "error" and extensions, or RFC 2298's
	// "expired", "mailbox-terminated", "superseded", "warning", ...
	Modifiers []string
}

// Automatic reports whether the MDN was sent or the action taken
// automatically.
func (d MDNDisposition) Automatic() bool {
	return d.SendingMode == "mdn-sent-automatically" || d.ActionMode == "automatic-action"
}

// HasModifier reports whether m (lower case) is among the modifiers.
func (d MDNDisposition) HasModifier(m string) bool {
	for _, x := range d.Modifiers {
		if x == m {
			return true
		}
	}
	return false
}

// MDNAddress is a typed address of an MDN field (RFC 8098 §3.1.2):
// "rfc822; bob@example.com".
type MDNAddress struct {
	Type    string // lower-cased address-type, "rfc822"
	Address string
}

// MDN is a parsed message disposition notification: the fields of its
// message/disposition-notification part (RFC 8098 §3.2), and the header
// fields of the message that a gateway needs.
type MDN struct {
	// ReportingUA is the Reporting-UA field's value (§3.2.1).
	ReportingUA string
	// Gateway is the MDN-Gateway field's value (§3.2.2), "dns; gw".
	Gateway string
	// OriginalRecipient and FinalRecipient are §3.2.3 and §3.2.4; a zero
	// OriginalRecipient is absent.
	OriginalRecipient MDNAddress
	FinalRecipient    MDNAddress
	// OriginalMessageID is §3.2.5's msg-id with its angle brackets, ""
	// when absent.
	OriginalMessageID string
	Disposition       MDNDisposition
	// Errors are the Error fields (§3.2.7), and RFC 2298's Failure and
	// Warning fields, "Name: text".
	Errors []string
	// Extensions are the other fields of the notification part, X400-*
	// among them (§3.3), in order.
	Extensions mixer.Header

	// From the message itself: its Date (zero when absent or bad), its
	// From and Message-ID, and the human-readable part (up to 16 KiB).
	Date      time.Time
	From      string
	MessageID string
	Text      string

	// Problems says what did not conform and was skipped or guessed.
	Problems []string
}

func (m *MDN) problem(s string) {
	if len(m.Problems) < mdnMaxProblems {
		m.Problems = append(m.Problems, s)
	}
}

// Extension returns the first extension field named name, trimmed.
func (m *MDN) Extension(name string) (string, bool) {
	v, ok := m.Extensions.Get(name)
	return strings.TrimSpace(v), ok
}

// ErrNotMDN is a message in which ParseMDN found no Disposition field.
var ErrNotMDN = errors.New("reports: not a message disposition notification")

// ParseMDN reads an MDN: an RFC 6522 multipart/report with a
// message/disposition-notification part (RFC 8098 §3), or the
// message/disposition-notification body alone. It is tolerant: header
// lines that do not conform are skipped, a report-type other than
// disposition-notification, a notification part in a multipart/mixed,
// a base64 or quoted-printable notification part, RFC 2298 and RFC 3798
// disposition syntax, missing fields and unknown disposition types are
// taken as far as they go, each noted in Problems. It returns ErrNotMDN
// (with what it found) when there is no Disposition field. Input beyond
// MDNMaxSize is ignored.
func ParseMDN(data []byte) (*MDN, error) {
	m := &MDN{}
	if len(data) > MDNMaxSize {
		data = data[:MDNMaxSize]
		m.problem("message truncated to " + strconv.Itoa(MDNMaxSize) + " octets")
	}
	hdr, body := mdnSplit(data)
	h := mdnFields(m, hdr, "header")
	if v, ok := h.Get("Date"); ok {
		if t, err := mdnParseDate(v); err == nil {
			m.Date = t
		} else {
			m.problem("Date: " + err.Error())
		}
	}
	if v, ok := h.Get("From"); ok {
		m.From = strings.TrimSpace(v)
	}
	if v, ok := h.Get("Message-ID"); ok {
		m.MessageID = strings.TrimSpace(v)
	}
	found := mdnPart(m, h, body, 0)
	if !found {
		return m, ErrNotMDN
	}
	return m, nil
}

// mdnPart looks for the notification in an entity with header h and body
// body; depth bounds nesting.
func mdnPart(m *MDN, h mixer.Header, body []byte, depth int) bool {
	ct, _ := h.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(strings.TrimSpace(ct))
	if err != nil {
		if ct != "" {
			m.problem("Content-Type: " + err.Error())
		}
		if mt == "" {
			mt = "text/plain"
		}
	}
	body = mdnDecode(m, h, body)
	switch {
	case mt == "message/disposition-notification" || mt == "message/global-disposition-notification":
		return mdnNotification(m, body)
	case strings.HasPrefix(mt, "multipart/") && depth < 3:
		if mt == "multipart/report" && !strings.EqualFold(params["report-type"], "disposition-notification") {
			m.problem("multipart/report with report-type=" + strconv.Quote(params["report-type"]))
		} else if mt != "multipart/report" {
			m.problem(mt + " instead of multipart/report (RFC 6522)")
		}
		b := params["boundary"]
		if b == "" {
			m.problem(mt + " without a boundary")
			return false
		}
		r := multipart.NewReader(bytes.NewReader(body), b)
		found := false
		for i := 0; i < mdnMaxParts; i++ {
			p, err := r.NextRawPart()
			if err != nil {
				if err != io.EOF {
					m.problem("multipart: " + err.Error())
				}
				break
			}
			pb, err := io.ReadAll(io.LimitReader(p, MDNMaxSize))
			if err != nil {
				m.problem("multipart part " + strconv.Itoa(i+1) + ": " + err.Error())
			}
			var ph mixer.Header
			for k, vs := range p.Header {
				for _, v := range vs {
					ph = append(ph, mixer.Field{Name: k, Value: v})
				}
			}
			pct, _ := ph.Get("Content-Type")
			pmt, _, _ := mime.ParseMediaType(pct)
			if pmt == "" || pmt == "text/plain" {
				if m.Text == "" {
					t := mdnDecode(m, ph, pb)
					if len(t) > mdnMaxTextLen {
						t = t[:mdnMaxTextLen]
					}
					m.Text = string(t)
				}
				continue
			}
			if !found && mdnPart(m, ph, pb, depth+1) {
				found = true
			}
		}
		return found
	}
	return false
}

// mdnDecode undoes a Content-Transfer-Encoding of base64 or
// quoted-printable.
func mdnDecode(m *MDN, h mixer.Header, body []byte) []byte {
	cte, _ := h.Get("Content-Transfer-Encoding")
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		out, err := decodeBase64Lines(body)
		if err != nil {
			m.problem("base64: " + err.Error())
		}
		return out
	case "quoted-printable":
		out, err := io.ReadAll(io.LimitReader(quotedprintable.NewReader(bytes.NewReader(body)), MDNMaxSize))
		if err != nil {
			m.problem("quoted-printable: " + err.Error())
		}
		return out
	}
	return body
}

// mdnSplit splits a message at its first empty line.
func mdnSplit(data []byte) (hdr, body []byte) {
	for i := 0; i < len(data); {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			return data, nil
		}
		l := data[i : i+j]
		if len(bytes.TrimRight(l, "\r")) == 0 {
			return data[:i], data[i+j+1:]
		}
		i += j + 1
	}
	return data, nil
}

// mdnFields reads a block of header fields tolerantly: a line without a
// colon is skipped (noted), continuation lines are joined, empty lines
// are passed over (Outlook puts one before the fields of the
// notification part), at most mdnMaxFields fields of mdnMaxFieldLen.
func mdnFields(m *MDN, block []byte, what string) mixer.Header {
	var h mixer.Header
	for n, l := range bytes.Split(block, []byte("\n")) {
		s := strings.TrimRight(string(l), "\r")
		if strings.TrimSpace(s) == "" {
			continue
		}
		if s[0] == ' ' || s[0] == '\t' {
			if len(h) == 0 {
				m.problem(what + " line " + strconv.Itoa(n+1) + ": continuation line before any field")
				continue
			}
			f := &h[len(h)-1]
			if len(f.Value)+len(s) <= mdnMaxFieldLen {
				f.Value += " " + strings.TrimSpace(s)
			}
			continue
		}
		i := strings.IndexByte(s, ':')
		name := ""
		if i > 0 {
			name = strings.TrimSpace(s[:i])
		}
		if name == "" || strings.ContainsAny(name, " \t") {
			m.problem(what + " line " + strconv.Itoa(n+1) + ": not a field")
			continue
		}
		if len(h) >= mdnMaxFields {
			m.problem(what + ": more than " + strconv.Itoa(mdnMaxFields) + " fields")
			break
		}
		v := s[i+1:]
		if len(v) > mdnMaxFieldLen {
			v = v[:mdnMaxFieldLen]
		}
		h = append(h, mixer.Field{Name: name, Value: v})
	}
	return h
}

// mdnNotification reads the fields of the message/disposition-notification
// body (RFC 8098 §3.1, §3.2); it reports whether they had a Disposition.
func mdnNotification(m *MDN, body []byte) bool {
	if len(body) > 1<<20 {
		body = body[:1<<20]
	}
	seenDisp := false
	for _, f := range mdnFields(m, body, "disposition-notification") {
		v := strings.TrimSpace(f.Value)
		switch strings.ToLower(f.Name) {
		case "reporting-ua":
			m.ReportingUA = v
		case "mdn-gateway":
			m.Gateway = v
		case "original-recipient":
			m.OriginalRecipient = mdnTypedAddress(m, f.Name, v)
		case "final-recipient":
			m.FinalRecipient = mdnTypedAddress(m, f.Name, v)
		case "original-message-id":
			m.OriginalMessageID = v
		case "disposition":
			if seenDisp {
				m.problem("a second Disposition field ignored")
				continue
			}
			seenDisp = true
			m.Disposition = mdnParseDisposition(m, v)
		case "error", "failure", "warning":
			if len(m.Errors) < mdnMaxExtFields {
				m.Errors = append(m.Errors, f.Name+": "+v)
			}
		default:
			if len(m.Extensions) < mdnMaxExtFields {
				m.Extensions = append(m.Extensions, mixer.Field{Name: f.Name, Value: v})
			} else {
				m.problem("extension field " + f.Name + " beyond " + strconv.Itoa(mdnMaxExtFields) + " ignored")
			}
		}
	}
	if m.FinalRecipient.Address == "" {
		m.problem("no Final-Recipient (RFC 8098 §3.2.4 requires it)")
	}
	if m.OriginalMessageID == "" {
		m.problem("no Original-Message-ID")
	}
	if !seenDisp {
		m.problem("no Disposition (RFC 8098 §3.2.6 requires it)")
	}
	return seenDisp
}

// mdnTypedAddress reads "address-type ; generic-address" (RFC 8098
// §3.2.3); an address without a type is taken as rfc822, angle
// brackets around it are removed.
func mdnTypedAddress(m *MDN, name, v string) MDNAddress {
	typ, addr, ok := strings.Cut(v, ";")
	if !ok {
		m.problem(name + ": no address-type, rfc822 assumed")
		typ, addr = "rfc822", v
	}
	addr = strings.TrimSpace(addr)
	if len(addr) >= 2 && addr[0] == '<' && addr[len(addr)-1] == '>' {
		addr = addr[1 : len(addr)-1]
	}
	return MDNAddress{Type: strings.ToLower(strings.TrimSpace(typ)), Address: addr}
}

// mdnParseDisposition reads the Disposition field: RFC 8098 §3.2.6, and
// RFC 2298's form with modifiers ("displayed/warning") and its
// "disposition-mode" before the ";". A missing mode is noted; the type
// and modifiers are lower-cased.
func mdnParseDisposition(m *MDN, v string) MDNDisposition {
	var d MDNDisposition
	mode, rest, ok := strings.Cut(v, ";")
	if !ok {
		m.problem("Disposition: no disposition-mode")
		mode, rest = "", v
	}
	if mode != "" {
		a, s, ok := strings.Cut(mode, "/")
		d.ActionMode = strings.ToLower(strings.TrimSpace(a))
		if ok {
			d.SendingMode = strings.ToLower(strings.TrimSpace(s))
		}
		switch d.ActionMode {
		case "manual-action", "automatic-action":
		default:
			m.problem("Disposition: unknown action-mode " + strconv.Quote(d.ActionMode))
		}
		switch d.SendingMode {
		case "mdn-sent-manually", "mdn-sent-automatically":
		default:
			m.problem("Disposition: unknown sending-mode " + strconv.Quote(d.SendingMode))
		}
	}
	typ, mods, hasMods := strings.Cut(rest, "/")
	d.Type = strings.ToLower(strings.TrimSpace(typ))
	switch d.Type {
	case "displayed", "deleted", "dispatched", "processed":
	case "":
		m.problem("Disposition: no disposition-type")
	default:
		m.problem("Disposition: disposition-type " + strconv.Quote(d.Type) + " is not RFC 8098's")
	}
	if hasMods {
		for _, x := range strings.Split(mods, ",") {
			x = strings.ToLower(strings.TrimSpace(x))
			if x != "" && len(d.Modifiers) < 16 {
				d.Modifiers = append(d.Modifiers, x)
			}
		}
	}
	return d
}

// mdnParseDate reads an RFC 5322 date, with the comments some agents
// put in it ("00:19:00 (EDT) -0400", RFC 8098 §9).
func mdnParseDate(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := mail.ParseDate(v); err == nil {
		return t, nil
	}
	var sb strings.Builder
	depth := 0
	for _, c := range v {
		switch {
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			sb.WriteRune(c)
		}
	}
	return mail.ParseDate(strings.Join(strings.Fields(sb.String()), " "))
}

// MDNPolicy says what MDNToIPN makes of a "dispatched" or "processed"
// MDN, which X.420 has no notification for.
type MDNPolicy uint8

const (
	// MDNIgnore: no IPN (the default); MDNToIPN returns ErrMDNIgnored.
	MDNIgnore MDNPolicy = iota
	// MDNAsReceipt: a receipt notification.
	MDNAsReceipt
)

// ErrMDNIgnored is an MDN that gives no IPN: a disposition that policy
// ignores or that X.420 has no notification for (denied, failed, an
// unknown type). Errors from MDNToIPN wrap it with the reason.
var ErrMDNIgnored = errors.New("reports: MDN gives no IPN")

// MDNToIPNOptions are what the correlation record and the gateway's
// policy supply for MDNToIPN.
type MDNToIPNOptions struct {
	// SubjectIPM is the IPM identifier of the message the MDN answers,
	// from the correlation record; it is preferred to the MDN's
	// Original-Message-ID, which is used when SubjectIPM is nil.
	SubjectIPM *x400.IPMIdentifier
	// IntendedRecipient is the recipient as the subject IPM named it,
	// from the correlation record; it becomes ipm-intended-recipient
	// when it is not the Final-Recipient. Nil: the MDN's
	// Original-Recipient, mapped.
	IntendedRecipient *x400.ORDescriptor
	// ConversionEITs are the encoded information types the gateway
	// converted the subject IPM to (from the correlation record), for
	// conversion-eits (X.420 §8.1.4) when the MDN has no
	// X400-Conversion-EITs; nil when it was not converted.
	ConversionEITs *x400.EncodedInformationTypes
	// Dispatched and Processed are the policies for those dispositions.
	Dispatched, Processed MDNPolicy
	// Now is the receipt time when the MDN has neither X400-Receipt-Time
	// nor a Date.
	Now time.Time
}

// MDNToIPN maps an MDN to an X.400 IPN (RFC 8098 §8.2; RFC 2156 §5.3.5
// the other way):
//
//   - "displayed" -> a receipt notification: receipt-time from
//     X400-Receipt-Time, else the MDN's Date, else opt.Now;
//     acknowledgment-mode automatic when the MDN was sent (or the action
//     taken) automatically, else manual (X400-Acknowledgment-Mode, when
//     present, wins); suppl-receipt-info from X400-Supplementary-Info;
//   - "deleted" -> a non-receipt notification, ipm-discarded, with the
//     discard reason from X400-Discard-Reason, else from RFC 2298's
//     modifiers (expired, superseded, mailbox-terminated), else
//     ipm-deleted (not-used(3), RFC 2156 §5.3.5 "IPM Deleted");
//   - "dispatched" with X400-Non-Receipt-Reason: ipm-auto-forwarded -> a
//     non-receipt notification, ipm-auto-forwarded (the IPNToMDN round
//     trip); "processed" with X400-IPN-Extension fields of "other" -> an
//     other notification (the ACP 127 notification response);
//     otherwise "dispatched" and "processed" per opt's policy;
//   - anything else -> ErrMDNIgnored.
//
// The subject-ipm is opt.SubjectIPM, else Original-Message-ID by RFC
// 2156 §4.7.3 (mixer.MsgIDToIPMIdentifier); the ipn-originator is the
// Final-Recipient mapped to an O/R name (RFC 2156 §4.3.4); the
// X400-IPN-Extension fields restore the extensions; conversion-eits from
// X400-Conversion-EITs. Unknown X400-* fields and what cannot be restored
// are reported dropped.
func MDNToIPN(g *mixer.Gateway, m *MDN, opt MDNToIPNOptions, rep *mixer.Report) (*x400.IPN, error) {
	if m == nil {
		return nil, mdnConvError("mdn", errors.New("no MDN"))
	}
	ipn := &x400.IPN{}
	// subject-ipm.
	switch {
	case opt.SubjectIPM != nil:
		ipn.SubjectIPM = *opt.SubjectIPM
		rep.Mapped("correlation record", "ipn.subject-ipm")
	case m.OriginalMessageID != "":
		id, cut, err := mixer.MsgIDToIPMIdentifier(m.OriginalMessageID)
		if err != nil {
			return nil, mdnConvError("Original-Message-ID", err)
		}
		ipn.SubjectIPM = id
		rep.Mapped("Original-Message-ID", "ipn.subject-ipm")
		if cut {
			rep.Dropped("Original-Message-ID (beyond 64)", "RFC 2156 §4.7.3: user-relative-identifier truncated")
		}
	default:
		return nil, mdnConvError("Original-Message-ID", errors.New("absent, and no subject IPM from the correlation record"))
	}

	// ipn-originator, ipm-intended-recipient.
	finalMB, err := mdnMailbox(m.FinalRecipient)
	if err != nil {
		return nil, mdnAddrError("Final-Recipient", err)
	}
	on, err := g.MailboxToORName(finalMB)
	if err != nil {
		return nil, mdnAddrError("Final-Recipient", err)
	}
	ipn.IPNOriginator = &x400.ORDescriptor{FormalName: &on}
	rep.Mapped("Final-Recipient", "ipn.ipn-originator")
	switch {
	case opt.IntendedRecipient != nil:
		if !mdnSameName(opt.IntendedRecipient.FormalName, &on) {
			d := *opt.IntendedRecipient
			ipn.IPMIntendedRecipient = &d
			rep.Mapped("correlation record", "ipn.ipm-intended-recipient")
		}
	case m.OriginalRecipient.Address != "":
		mb, err := mdnMailbox(m.OriginalRecipient)
		if err == nil {
			var orn x400.ORName
			if orn, err = g.MailboxToORName(mb); err == nil {
				if !mdnSameName(&orn, &on) {
					ipn.IPMIntendedRecipient = &x400.ORDescriptor{FormalName: &orn}
					rep.Mapped("Original-Recipient", "ipn.ipm-intended-recipient")
				}
			}
		}
		if err != nil {
			rep.Dropped("Original-Recipient", "cannot be mapped: "+err.Error())
		}
	}

	x := mdnX400Fields(m, rep)
	d := m.Disposition
	receipt := func() error {
		r := &x400.ReceiptFields{}
		switch {
		case !x.receiptTime.IsZero():
			r.ReceiptTime = x.receiptTime
			rep.Mapped(MDNFieldReceiptTime, "ipn.receipt-fields.receipt-time")
		case !m.Date.IsZero():
			r.ReceiptTime = m.Date
			rep.Mapped("Date", "ipn.receipt-fields.receipt-time")
		case !opt.Now.IsZero():
			r.ReceiptTime = opt.Now
			rep.Mapped("(time of conversion)", "ipn.receipt-fields.receipt-time")
		default:
			return mdnConvError("Date", errors.New("no receipt time"))
		}
		r.ReceiptTime = r.ReceiptTime.UTC().Truncate(time.Second)
		if d.Automatic() {
			r.AcknowledgmentMode = x400.AcknowledgmentAutomatic
		}
		if x.ackMode >= 0 {
			r.AcknowledgmentMode = x400.AcknowledgmentMode(x.ackMode)
		}
		rep.Mapped("Disposition (mode)", "ipn.receipt-fields.acknowledgment-mode")
		r.SupplReceiptInfo = x.suppl
		if x.suppl == "" && m.Gateway == "" {
			// A native MDN: who reported it, and how, for the X.400
			// user (X.420 §8.3.3 supplementary information).
			var parts []string
			if m.ReportingUA != "" {
				parts = append(parts, "Reporting-UA: "+m.ReportingUA)
			}
			if d.Type != "displayed" {
				parts = append(parts, "MDN disposition "+d.Type)
			}
			if len(parts) > 0 {
				r.SupplReceiptInfo = mdnPrintable(strings.Join(parts, ", "), 256)
				rep.Mapped("Reporting-UA", "ipn.receipt-fields.suppl-receipt-info")
			}
		}
		r.Extensions = x.ext["rn"]
		ipn.Receipt = r
		return nil
	}
	switch {
	case d.Type == "displayed":
		err = receipt()
	case d.Type == "deleted":
		n := &x400.NonReceiptFields{Reason: x400.NonReceiptIPMDiscarded, DiscardReason: x400.DiscardNotUsed}
		switch {
		case x.discard != x400.DiscardNone:
			n.DiscardReason = x.discard
			rep.Mapped(MDNFieldDiscardReason, "ipn.non-receipt-fields.discard-reason")
		case d.HasModifier("expired"):
			n.DiscardReason = x400.DiscardIPMExpired
		case d.HasModifier("superseded"):
			n.DiscardReason = x400.DiscardIPMObsoleted
		case d.HasModifier("mailbox-terminated"):
			n.DiscardReason = x400.DiscardUserSubscriptionTerminated
		}
		n.Extensions = x.ext["nrn"]
		ipn.NonReceipt = n
	case x.hasReason && (d.Type == "dispatched" || d.Type == "processed"):
		n := &x400.NonReceiptFields{Reason: x.reason, DiscardReason: x.discard, AutoForwardComment: x.comment}
		n.Extensions = x.ext["nrn"]
		ipn.NonReceipt = n
		rep.Mapped(MDNFieldNonReceiptReason, "ipn.non-receipt-fields.non-receipt-reason")
	case d.Type == "processed" && x.ext["other"] != nil:
		ipn.Other = x.ext["other"]
		rep.Mapped(MDNFieldExtension+" (other)", "ipn.other-notification-type-fields")
	case d.Type == "dispatched" || d.Type == "processed":
		pol := opt.Dispatched
		if d.Type == "processed" {
			pol = opt.Processed
		}
		if pol != MDNAsReceipt {
			return nil, mdnIgnored("disposition " + d.Type + " ignored by policy")
		}
		err = receipt()
	case d.Type == "":
		return nil, mdnIgnored("no disposition-type")
	default:
		return nil, mdnIgnored("disposition " + strconv.Quote(d.Type) + " has no X.420 notification")
	}
	if err != nil {
		return nil, err
	}
	rep.Mapped("Disposition", "ipn.choice")
	ipn.NotificationExtensions = x.ext["notification"]
	ipn.ConversionEITs = x.eits
	if x.eits == nil && opt.ConversionEITs != nil {
		e := *opt.ConversionEITs
		ipn.ConversionEITs = &e
		rep.Mapped("correlation record", "ipn.conversion-eits")
	}
	for _, e := range m.Errors {
		rep.Dropped(e, "MDN error text has no IPN field")
	}
	for _, mod := range d.Modifiers {
		switch mod {
		case "expired", "superseded", "mailbox-terminated":
			if d.Type == "deleted" {
				rep.Mapped("Disposition modifier "+mod, "ipn.non-receipt-fields.discard-reason")
				continue
			}
		}
		rep.Dropped("Disposition modifier "+mod, "no IPN field")
	}
	return ipn, nil
}

// mdnX400 is what the X400-* fields of an MDN say.
type mdnX400 struct {
	receiptTime time.Time
	ackMode     int // -1 when absent
	suppl       string
	hasReason   bool
	reason      x400.NonReceiptReason
	discard     x400.DiscardReason
	comment     string
	eits        *x400.EncodedInformationTypes
	ext         map[string][]x400.IPMSExtension
}

func mdnX400Fields(m *MDN, rep *mixer.Report) mdnX400 {
	x := mdnX400{ackMode: -1, ext: map[string][]x400.IPMSExtension{}}
	bad := func(f mixer.Field, why string) { rep.Dropped(f.Name, why) }
	for _, f := range m.Extensions {
		v := strings.TrimSpace(f.Value)
		switch strings.ToLower(f.Name) {
		case strings.ToLower(MDNFieldReceiptTime):
			t, err := mdnParseDate(v)
			if err != nil {
				bad(f, err.Error())
				continue
			}
			x.receiptTime = t
		case strings.ToLower(MDNFieldAcknowledgmentMode):
			switch strings.ToLower(v) {
			case "manual":
				x.ackMode = 0
			case "automatic":
				x.ackMode = 1
			default:
				bad(f, "not manual or automatic")
			}
		case strings.ToLower(MDNFieldSupplementaryInfo):
			if v == "" || len(v) > 256 || !x400.IsPrintableString(v) {
				bad(f, "not a PrintableString of 1 to 256 characters (X.420 SupplementaryInformation)")
				continue
			}
			x.suppl = v
			rep.Mapped(f.Name, "ipn.receipt-fields.suppl-receipt-info")
		case strings.ToLower(MDNFieldNonReceiptReason):
			switch strings.ToLower(v) {
			case "ipm-discarded":
				x.reason, x.hasReason = x400.NonReceiptIPMDiscarded, true
			case "ipm-auto-forwarded":
				x.reason, x.hasReason = x400.NonReceiptIPMAutoForwarded, true
			default:
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 || n > 1<<20 {
					bad(f, "unknown non-receipt reason")
					continue
				}
				x.reason, x.hasReason = x400.NonReceiptReason(n), true
			}
		case strings.ToLower(MDNFieldDiscardReason):
			found := false
			for r, names := range mdnDiscardNames {
				if r > 0 && strings.EqualFold(v, names[1]) {
					x.discard, found = x400.DiscardReason(r), true
				}
			}
			if !found {
				if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= 1<<20 {
					x.discard, found = x400.DiscardReason(n+1), true
				}
			}
			if !found {
				bad(f, "unknown discard reason")
			}
		case strings.ToLower(MDNFieldAutoForwardComment):
			if len(v) > 256 || !x400.IsPrintableString(v) {
				bad(f, "not a PrintableString of at most 256 characters")
				continue
			}
			x.comment = v
			rep.Mapped(f.Name, "ipn.non-receipt-fields.auto-forward-comment")
		case strings.ToLower(MDNFieldConversionEITs):
			e, err := mixer.ParseEncodedInfo(v)
			if err != nil {
				bad(f, err.Error())
				continue
			}
			x.eits = &e
			rep.Mapped(f.Name, "ipn.conversion-eits")
		case strings.ToLower(MDNFieldExtension):
			where, e, err := mdnParseExtension(v)
			if err != nil {
				bad(f, err.Error())
				continue
			}
			x.ext[where] = append(x.ext[where], e)
			rep.Mapped(f.Name, "ipn extension "+e.Type.String())
		default:
			if strings.HasPrefix(strings.ToLower(f.Name), "x400-") {
				bad(f, "X400-* field this gateway does not map")
			}
		}
	}
	return x
}

// mdnParseExtension reads an X400-IPN-Extension value.
func mdnParseExtension(v string) (string, x400.IPMSExtension, error) {
	parts := strings.Split(v, ";")
	if len(parts) != 3 {
		return "", x400.IPMSExtension{}, errors.New("not where; oid; base64")
	}
	where := strings.ToLower(strings.TrimSpace(parts[0]))
	switch where {
	case "notification", "rn", "nrn", "other":
	default:
		return "", x400.IPMSExtension{}, errors.New("unknown place " + strconv.Quote(where))
	}
	oid, err := ber.NewOID(strings.TrimSpace(parts[1]))
	if err != nil {
		return "", x400.IPMSExtension{}, err
	}
	val, err := base64.StdEncoding.DecodeString(strings.TrimSpace(parts[2]))
	if err != nil {
		return "", x400.IPMSExtension{}, err
	}
	if len(val) > mdnMaxExtensionValue {
		return "", x400.IPMSExtension{}, errors.New("value too long")
	}
	if _, err := mdnBERCheck(val); err != nil {
		return "", x400.IPMSExtension{}, errors.New("value is not BER: " + err.Error())
	}
	return where, x400.IPMSExtension{Type: oid, Value: x400.Raw(val)}, nil
}

// mdnMailbox parses the address of a typed MDN address as an RFC 822
// mailbox; other address types cannot be mapped.
func mdnMailbox(a MDNAddress) (mixer.Mailbox, error) {
	if a.Address == "" {
		return mixer.Mailbox{}, errors.New("absent")
	}
	if a.Type != "rfc822" {
		return mixer.Mailbox{}, errors.New("address-type " + strconv.Quote(a.Type) + " is not rfc822")
	}
	if s, err := mixer.ParseAddrSpec(a.Address); err == nil {
		return mixer.Mailbox{AddrSpec: s}, nil
	}
	return mixer.ParseMailbox(a.Address)
}

// mdnSameName reports whether two O/R names have the same O/R address
// (by its std-or text).
func mdnSameName(a, b *x400.ORName) bool {
	if a == nil || b == nil {
		return a == b
	}
	return mixer.IDStdOR(&a.ORAddress) == mixer.IDStdOR(&b.ORAddress)
}

func mdnAddrError(field string, err error) *mixer.ConversionError {
	return &mixer.ConversionError{Field: field, Reason: x400.ReasonUnableToTransfer,
		Diagnostic: x400.DiagnosticUnrecognisedORName, HasDiagnostic: true, Status: "5.1.3", Err: err}
}

type mdnIgnoredError struct{ why string }

func (e *mdnIgnoredError) Error() string { return ErrMDNIgnored.Error() + ": " + e.why }
func (e *mdnIgnoredError) Unwrap() error { return ErrMDNIgnored }

func mdnIgnored(why string) error { return &mdnIgnoredError{why} }

// mdnBERCheck reads the one BER element of val.
func mdnBERCheck(val []byte) (ber.Element, error) {
	r := ber.NewReader(val, nil)
	e, err := r.Next()
	if err == nil && !r.Empty() {
		err = errors.New("octets after the value")
	}
	return e, err
}

// mdnPrintable makes s a PrintableString (X.680 §41.4) of at most n
// characters: ";" becomes ",", "@" " at ", other characters "?".
func mdnPrintable(s string, n int) string {
	var sb strings.Builder
	for _, c := range s {
		switch {
		case c == ';':
			sb.WriteByte(',')
		case c == '@':
			sb.WriteString(" at ")
		case c < 0x80 && x400.IsPrintableString(string(c)):
			sb.WriteRune(c)
		default:
			sb.WriteByte('?')
		}
	}
	out := strings.TrimSpace(sb.String())
	if len(out) > n {
		out = strings.TrimSpace(out[:n])
	}
	return out
}
