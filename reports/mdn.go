package reports

// IPN -> MDN: an X.400 interpersonal notification (X.420 §8) becomes an
// RFC 8098 message disposition notification, with RFC 2156 §5.3.5's
// header fields and human-readable text, and RFC 8098 §8.1's rules for
// gatewaying a foreign notification (MDN-Gateway, Original-Recipient,
// Original-Message-ID, X400-* extension fields).

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"mixerd/mixer"
	"mixerd/x400"
)

// The X400-* extension fields of the machine-readable part (RFC 8098
// §3.3 a, §8.1: "foreign protocol elements ... encoded as meaningful
// printable ASCII strings"). They carry what an MDN has no field for, so
// that an MDN crossing back (MDNToIPN) gives the IPN again.
const (
	// MDNFieldReceiptTime is receipt-fields.receipt-time (X.420 §8.3.1),
	// an RFC 5322 date-time.
	MDNFieldReceiptTime = "X400-Receipt-Time"
	// MDNFieldAcknowledgmentMode is receipt-fields.acknowledgment-mode
	// (X.420 §8.3.2): "manual" or "automatic".
	MDNFieldAcknowledgmentMode = "X400-Acknowledgment-Mode"
	// MDNFieldSupplementaryInfo is receipt-fields.suppl-receipt-info
	// (X.420 §8.3.3), the PrintableString as it is.
	MDNFieldSupplementaryInfo = "X400-Supplementary-Info"
	// MDNFieldNonReceiptReason is non-receipt-fields.non-receipt-reason
	// (X.420 §8.2.1): "ipm-discarded", "ipm-auto-forwarded" or the
	// number of another value.
	MDNFieldNonReceiptReason = "X400-Non-Receipt-Reason"
	// MDNFieldDiscardReason is non-receipt-fields.discard-reason (X.420
	// §8.2.2): "ipm-expired", "ipm-obsoleted",
	// "user-subscription-terminated", "ipm-deleted" (not-used(3)).
	MDNFieldDiscardReason = "X400-Discard-Reason"
	// MDNFieldAutoForwardComment is non-receipt-fields.auto-forward-comment.
	MDNFieldAutoForwardComment = "X400-Auto-Forward-Comment"
	// MDNFieldConversionEITs is common-fields.conversion-eits, as RFC 2156
	// §5.3.3.1 EBNF.encoded-info.
	MDNFieldConversionEITs = "X400-Conversion-EITs"
	// MDNFieldExtension carries one IPN extension: "notification",
	// "rn", "nrn" or "other" (the field of the IPN that held it), the
	// dotted OID, and the BER value in base64, separated by ";". The
	// P772 (STANAG 4406) notification extensions and the ACP 127
	// notification response travel here.
	MDNFieldExtension = "X400-IPN-Extension"
)

// mdnMaxExtensionValue bounds the BER value of one extension carried in
// an X400-IPN-Extension field: its base64 stays within the 998-octet
// line of RFC 5322 §2.1.1.
const mdnMaxExtensionValue = 640

// IPNToMDNOptions are what the correlation record supplies for IPNToMDN.
type IPNToMDNOptions struct {
	// To is the Disposition-Notification-To field's value (one or more
	// mailboxes, RFC 8098 §2.1) of the subject message, recorded when it
	// left for X.400. "" takes SubjectOriginator.
	To string
	// SubjectOriginator is the subject message's originator (its From:
	// or MAIL FROM), used when To is "".
	SubjectOriginator string
	// OriginalRecipient is the recipient as the subject message named it
	// (its ORCPT, else its RCPT TO), for Original-Recipient (RFC 8098
	// §3.2.3). "" takes the IPN's ipm-intended-recipient, mapped.
	OriginalRecipient string
	// FinalRecipient is the recipient of the subject message (RFC 822
	// form, from the correlation record), for Final-Recipient and From
	// when the IPN has no ipn-originator.
	FinalRecipient string
	// MessageID is the MDN's Message-ID; "" makes one in the gateway's
	// domain from a digest of the IPN.
	MessageID string
	// Date is the MDN's Date; zero takes the receipt time of a receipt
	// notification (or of an ACP 127 notification response). A
	// non-receipt notification has no time of its own: zero is an error.
	Date time.Time
}

// IPNToMDN maps an X.400 IPN to an RFC 8098 MDN in an RFC 6522
// multipart/report, addressed in the header and the envelope to the
// addresses of opt.To, with the null reverse-path, and without a
// Disposition-Notification-To of its own (RFC 8098 §3):
//
//   - a receipt notification becomes "displayed"; its acknowledgment-mode
//     (X.420 §8.3.2) gives the sending mode: manual ->
//     "manual-action/MDN-sent-manually", automatic ->
//     "manual-action/MDN-sent-automatically";
//   - a non-receipt notification with ipm-discarded becomes
//     "automatic-action/MDN-sent-automatically; deleted" (RFC 8098
//     §3.2.6.2: the message has been deleted), with ipm-auto-forwarded
//     "dispatched" (sent somewhere, e.g. forwarded);
//   - an other notification (the P772 ACP 127 notification response)
//     becomes "automatic-action/MDN-sent-automatically; processed".
//
// The header is RFC 2156 §5.3.5's: From: the ipn-originator, Subject:
// "X.400 Inter-Personal Notification" (with " (failure)" for a
// non-receipt), Message-Type: InterPersonal Notification, References:
// the subject-ipm; the text part is §5.3.5's ipn-body-format. The
// machine-readable part has Reporting-UA (the X.400 UA, by its O/R
// address), MDN-Gateway (dns; the gateway's domain), Original-Recipient,
// Final-Recipient (the ipn-originator mapped), Original-Message-ID (the
// subject-ipm by RFC 2156 §4.7.3), Disposition and the X400-* fields
// (MDNField*). What is not carried (a returned IPM, the non-basic EIT
// parameters, an extension too long to carry) is reported dropped.
func IPNToMDN(g *mixer.Gateway, ipn *x400.IPN, opt IPNToMDNOptions, rep *mixer.Report) (*mixer.SMTPMessage, error) {
	if ipn == nil {
		return nil, mdnConvError("ipn", errors.New("no IPN"))
	}
	kinds := 0
	for _, set := range []bool{ipn.Receipt != nil, ipn.NonReceipt != nil, ipn.Other != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return nil, mdnConvError("ipn.choice", errors.New("needs exactly one of receipt, non-receipt and other fields"))
	}
	var orig mixer.Address
	switch {
	case ipn.IPNOriginator != nil:
		var err error
		orig, err = g.ORDescriptorToAddress(ipn.IPNOriginator)
		if err != nil || orig.Mailbox == nil {
			if err == nil {
				err = errors.New("maps to a group, not a mailbox")
			}
			return nil, mdnConvError("ipn.ipn-originator", err)
		}
		rep.Mapped("ipn.ipn-originator", "From, Final-Recipient")
	case opt.FinalRecipient != "":
		mb, err := mixer.ParseMailbox(opt.FinalRecipient)
		if err != nil {
			return nil, mdnConvError("ipn.ipn-originator", errors.New("absent, and the recipient of the correlation record does not parse: "+err.Error()))
		}
		orig = mixer.Address{Mailbox: &mb}
		rep.Mapped("correlation record", "From, Final-Recipient (the IPN has no ipn-originator)")
	default:
		return nil, mdnConvError("ipn.ipn-originator", errors.New("absent: no Final-Recipient for the MDN"))
	}
	finalRcpt := orig.Mailbox.AddrSpec.String()

	to := opt.To
	if strings.TrimSpace(to) == "" {
		to = opt.SubjectOriginator
	}
	rcpts := mdnRecipients(to)
	if len(rcpts) == 0 {
		return nil, mdnConvError("Disposition-Notification-To", errors.New("no address to send the MDN to: "+strconv.Quote(to)))
	}

	var preferred *mixer.Mailbox // EBNF.preferred-recipient
	origRcpt := opt.OriginalRecipient
	if ipn.IPMIntendedRecipient != nil {
		a, err := g.ORDescriptorToAddress(ipn.IPMIntendedRecipient)
		if err == nil && a.Mailbox != nil {
			preferred = a.Mailbox
			if origRcpt == "" {
				origRcpt = a.Mailbox.AddrSpec.String()
			}
			rep.Mapped("ipn.ipm-intended-recipient", "Original-Recipient")
		} else {
			rep.Dropped("ipn.ipm-intended-recipient", "cannot be mapped to a mailbox")
		}
	}
	if preferred == nil {
		preferred = orig.Mailbox
	}

	var subjID string
	if id, err := mixer.IPMIdentifierToMsgID(&ipn.SubjectIPM); err != nil {
		rep.Dropped("ipn.subject-ipm", err.Error())
	} else {
		subjID = id
		rep.Mapped("ipn.subject-ipm", "Original-Message-ID, References")
	}

	// The machine-readable fields and the text, RFC 2156 §5.3.5.
	var f mixer.Header
	add := func(name, value string) { f = append(f, mixer.Field{Name: name, Value: " " + value}) }
	var text strings.Builder
	line := func(s string) { text.WriteString(s + "\r\n") }
	ua := "X.400 user agent"
	if ipn.IPNOriginator != nil && ipn.IPNOriginator.FormalName != nil {
		ua = mdnNoSemi(mixer.IDStdOR(&ipn.IPNOriginator.FormalName.ORAddress))
	}
	add("Reporting-UA", ua+"; X.400 UA via MIXER gateway")
	if g.Domain != "" {
		add("MDN-Gateway", "dns; "+g.Domain)
	}
	if origRcpt != "" {
		add("Original-Recipient", "rfc822; "+origRcpt)
	}
	add("Final-Recipient", "rfc822; "+finalRcpt)
	if subjID != "" {
		add("Original-Message-ID", subjID)
	}

	subject := "X.400 Inter-Personal Notification"
	date := opt.Date
	line("Your message to: " + preferred.String())
	switch {
	case ipn.Receipt != nil:
		r := ipn.Receipt
		mode, how := "MDN-sent-manually", "Manually"
		if r.AcknowledgmentMode == x400.AcknowledgmentAutomatic {
			mode, how = "MDN-sent-automatically", "Automatically"
		}
		add("Disposition", "manual-action/"+mode+"; displayed")
		if r.ReceiptTime.IsZero() {
			return nil, mdnConvError("ipn.receipt-fields.receipt-time", errors.New("absent"))
		}
		if date.IsZero() {
			date = r.ReceiptTime
		}
		add(MDNFieldReceiptTime, r.ReceiptTime.Format(time.RFC1123Z))
		add(MDNFieldAcknowledgmentMode, mdnAckModeNames[r.AcknowledgmentMode&1])
		rep.Mapped("ipn.receipt-fields.receipt-time", MDNFieldReceiptTime)
		rep.Mapped("ipn.receipt-fields.acknowledgment-mode", "Disposition sending-mode")
		line("was received at " + r.ReceiptTime.Format(time.RFC1123Z))
		line("")
		line("This notification was generated " + how)
		if r.SupplReceiptInfo != "" {
			add(MDNFieldSupplementaryInfo, r.SupplReceiptInfo)
			rep.Carried("ipn.receipt-fields.suppl-receipt-info", MDNFieldSupplementaryInfo, "RFC 8098 §3.3 extension field")
			line("The following extra information was given:")
			line(r.SupplReceiptInfo)
		}
		mdnCarryExtensions(add, "rn", "ipn.receipt-fields.rn-extensions", r.Extensions, rep)
		if len(r.Unknown) > 0 {
			rep.Dropped("ipn.receipt-fields (unknown components)", "components of unknown tag")
		}
	case ipn.NonReceipt != nil:
		n := ipn.NonReceipt
		subject += " (failure)"
		switch n.Reason {
		case x400.NonReceiptIPMDiscarded:
			add("Disposition", "automatic-action/MDN-sent-automatically; deleted")
			line("was discarded for the following reason: " + mdnDiscardText(n.DiscardReason))
		case x400.NonReceiptIPMAutoForwarded:
			add("Disposition", "automatic-action/MDN-sent-automatically; dispatched")
			line("was automatically forwarded.")
			if n.AutoForwardComment != "" {
				line("The following comment was made:")
				line("   " + n.AutoForwardComment)
			}
		default:
			add("Disposition", "automatic-action/MDN-sent-automatically; processed")
			line("was not received (non-receipt reason " + strconv.Itoa(int(n.Reason)) + ").")
		}
		add(MDNFieldNonReceiptReason, mdnNonReceiptName(n.Reason))
		rep.Mapped("ipn.non-receipt-fields.non-receipt-reason", "Disposition, "+MDNFieldNonReceiptReason)
		if n.DiscardReason != x400.DiscardNone {
			add(MDNFieldDiscardReason, mdnDiscardName(n.DiscardReason))
			rep.Carried("ipn.non-receipt-fields.discard-reason", MDNFieldDiscardReason, "RFC 8098 §3.3 extension field")
		}
		if n.AutoForwardComment != "" {
			add(MDNFieldAutoForwardComment, n.AutoForwardComment)
			rep.Carried("ipn.non-receipt-fields.auto-forward-comment", MDNFieldAutoForwardComment, "RFC 8098 §3.3 extension field")
		}
		if n.ReturnedIPM != nil {
			rep.Dropped("ipn.non-receipt-fields.returned-ipm", "the returned IPM is not included in the MDN")
		}
		mdnCarryExtensions(add, "nrn", "ipn.non-receipt-fields.nrn-extensions", n.Extensions, rep)
		if len(n.Unknown) > 0 {
			rep.Dropped("ipn.non-receipt-fields (unknown components)", "components of unknown tag")
		}
	default:
		add("Disposition", "automatic-action/MDN-sent-automatically; processed")
		line("was the subject of an X.400 notification of another type.")
		if r, err := ipn.ACP127NotificationResponse(); err != nil {
			line("Its ACP 127 notification response cannot be read.")
			rep.Dropped("ipn.other-notification-type-fields (ACP 127 notification response)", "does not decode: "+err.Error())
		} else if r != nil {
			line("ACP 127 notification response: " + mdnACP127Text(r))
			if date.IsZero() {
				date = r.ReceiptTime
			}
		}
		mdnCarryExtensions(add, "other", "ipn.other-notification-type-fields", ipn.Other, rep)
	}
	if date.IsZero() {
		return nil, mdnConvError("date", errors.New("no date for the MDN: the caller must supply one"))
	}
	mdnCarryExtensions(add, "notification", "ipn.notification-extensions", ipn.NotificationExtensions, rep)
	if e := ipn.ConversionEITs; e != nil {
		s := mixer.FormatEncodedInfo(e)
		add(MDNFieldConversionEITs, s)
		rep.Carried("ipn.conversion-eits", MDNFieldConversionEITs, "RFC 8098 §3.3 extension field")
		if e.G3Facsimile.Len > 0 || e.Teletex != nil {
			rep.Dropped("ipn.conversion-eits (non-basic parameters)", "RFC 2156 §5.3.3.1 encoded-info has no non-basic parameters")
		}
		line("")
		line("The following information types were converted: " + s)
	}
	if len(ipn.Unknown) > 0 {
		rep.Dropped("ipn (unknown components)", "components of unknown tag")
	}
	if ipn.NonReceipt != nil {
		line("")
		line("The Original Message is not available")
	}

	// The message.
	sum := sha256.Sum256([]byte(subjID + "\x00" + finalRcpt + "\x00" + date.UTC().Format(time.RFC3339Nano) + "\x00" + mdnFieldValue(f, "Disposition")))
	tag := hex.EncodeToString(sum[:12])
	boundary := "mdn-" + tag
	msgID := opt.MessageID
	if msgID == "" {
		dom := g.Domain
		if dom == "" {
			dom = "mixer.invalid"
		}
		msgID = "<mdn." + tag + "@" + dom + ">"
	}
	fromText := mixer.FormatAddressList([]mixer.Address{orig})
	h := mixer.Header{
		{Name: "From", Value: " " + fromText},
		{Name: "To", Value: " " + strings.Join(rcpts, ", ")},
		{Name: "Subject", Value: " " + subject},
		{Name: "Date", Value: " " + date.Format(time.RFC1123Z)},
		{Name: "Message-ID", Value: " " + msgID},
		{Name: "Message-Type", Value: " InterPersonal Notification"},
	}
	if subjID != "" {
		h = append(h, mixer.Field{Name: "References", Value: " " + subjID})
	}
	h = append(h,
		mixer.Field{Name: "Auto-Submitted", Value: " auto-replied"},
		mixer.Field{Name: "MIME-Version", Value: " 1.0"},
		mixer.Field{Name: "Content-Type", Value: " multipart/report; report-type=disposition-notification; boundary=\"" + boundary + "\""},
	)
	var body strings.Builder
	body.WriteString("--" + boundary + "\r\n")
	body.WriteString("Content-Type: text/plain; charset=us-ascii\r\n\r\n")
	body.WriteString(mdnASCII(text.String()))
	body.WriteString("\r\n--" + boundary + "\r\n")
	body.WriteString("Content-Type: message/disposition-notification\r\n\r\n")
	body.Write(mixer.FormatHeader(f))
	body.WriteString("\r\n--" + boundary + "--\r\n")
	env := mixer.SMTPEnvelope{MailFrom: ""}
	for _, r := range rcpts {
		env.Recipients = append(env.Recipients, mixer.SMTPRecipient{Address: r})
	}
	return &mixer.SMTPMessage{
		Envelope: env,
		Header:   h,
		Body:     []byte(body.String()),
	}, nil
}

// mdnRecipients reads the addresses of a Disposition-Notification-To
// field (RFC 8098 §2.1: one or more mailboxes), or a bare address, as
// addr-specs; at most 16.
func mdnRecipients(v string) []string {
	var out []string
	if list, err := mixer.ParseAddressList(v); err == nil {
		for _, a := range list {
			switch {
			case a.Mailbox != nil:
				out = append(out, a.Mailbox.AddrSpec.String())
			case a.Group != nil:
				for _, m := range a.Group.Members {
					out = append(out, m.AddrSpec.String())
				}
			}
		}
	} else if s, err := mixer.ParseAddrSpec(strings.Trim(strings.TrimSpace(v), "<>")); err == nil {
		out = append(out, s.String())
	}
	if len(out) > 16 {
		out = out[:16]
	}
	return out
}

var mdnAckModeNames = [2]string{"manual", "automatic"}

// mdnDiscardNames are EBNF.discard-reason of RFC 2156 §5.3.5 and the
// X400-Discard-Reason tokens, by DiscardReason.
var mdnDiscardNames = [...][2]string{
	x400.DiscardIPMExpired:                 {"Expired", "ipm-expired"},
	x400.DiscardIPMObsoleted:               {"Obsoleted", "ipm-obsoleted"},
	x400.DiscardUserSubscriptionTerminated: {"User Subscription Terminated", "user-subscription-terminated"},
	x400.DiscardNotUsed:                    {"IPM Deleted", "ipm-deleted"},
}

func mdnDiscardText(r x400.DiscardReason) string {
	if r > 0 && int(r) < len(mdnDiscardNames) {
		return mdnDiscardNames[r][0]
	}
	if r == x400.DiscardNone {
		return "IPM Deleted"
	}
	return "discard reason " + strconv.Itoa(r.Wire())
}

func mdnDiscardName(r x400.DiscardReason) string {
	if r > 0 && int(r) < len(mdnDiscardNames) {
		return mdnDiscardNames[r][1]
	}
	return strconv.Itoa(r.Wire())
}

func mdnNonReceiptName(r x400.NonReceiptReason) string {
	switch r {
	case x400.NonReceiptIPMDiscarded:
		return "ipm-discarded"
	case x400.NonReceiptIPMAutoForwarded:
		return "ipm-auto-forwarded"
	}
	return strconv.Itoa(int(r))
}

// mdnCarryExtensions writes each extension as an X400-IPN-Extension field.
func mdnCarryExtensions(add func(name, value string), where, from string, xs []x400.IPMSExtension, rep *mixer.Report) {
	for i := range xs {
		x := &xs[i]
		name := from + "[" + strconv.Itoa(i) + "] " + x.Type.String()
		if len(x.Value) > mdnMaxExtensionValue {
			rep.Dropped(name, "value of "+strconv.Itoa(len(x.Value))+" octets too long to carry in "+MDNFieldExtension)
			continue
		}
		add(MDNFieldExtension, where+"; "+x.Type.String()+"; "+base64.StdEncoding.EncodeToString(x.Value))
		rep.Carried(name, MDNFieldExtension, "RFC 8098 §3.3 extension field")
	}
}

// mdnACP127Text describes an ACP 127 notification response for the text
// part.
func mdnACP127Text(r *x400.ACP127NotificationResponse) string {
	var kinds []string
	if r.Type&x400.ACP127NegativeNotification != 0 {
		kinds = append(kinds, "negative")
	}
	if r.Type&x400.ACP127PositiveNotification != 0 {
		kinds = append(kinds, "positive")
	}
	if r.Type&x400.ACP127TransferNotification != 0 {
		kinds = append(kinds, "transfer")
	}
	s := strings.Join(kinds, ", ") + " at " + r.ReceiptTime.Format(time.RFC1123Z)
	if r.Recipient != "" {
		s += ", recipient " + r.Recipient
	}
	if r.SuppInfo != "" {
		s += ", " + r.SuppInfo
	}
	return s
}

// mdnNoSemi makes s an RFC 8098 ua-name (*text-no-semi).
func mdnNoSemi(s string) string {
	return strings.NewReplacer(";", ",", "\r", " ", "\n", " ").Replace(s)
}

// mdnASCII replaces what is not printable US-ASCII (but CR, LF) by "?":
// the text part is us-ascii.
func mdnASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if (c < 0x20 && c != '\r' && c != '\n') || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b)
}

// mdnConvError is an IPN that cannot be converted (conversion-not-
// performed, conversion-impractical; 5.6.3).
func mdnConvError(field string, err error) *mixer.ConversionError {
	return &mixer.ConversionError{Field: field, Reason: x400.ReasonConversionNotPerformed,
		Diagnostic: x400.DiagnosticConversionImpractical, HasDiagnostic: true, Status: "5.6.3", Err: err}
}

// mdnFieldValue is the first field named name in h, trimmed; "" when absent.
func mdnFieldValue(h mixer.Header, name string) string {
	v, _ := h.Get(name)
	return strings.TrimSpace(v)
}
