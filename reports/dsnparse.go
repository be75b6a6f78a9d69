package reports

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"mixerd/mixer"
	"mixerd/x400"
)

// Bounds of ParseDSN: what a DSN may hold before the rest is ignored (and
// listed in Problems).
const (
	dsnMaxDepth      = 4       // MIME nesting
	dsnMaxParts      = 32      // parts per multipart
	dsnMaxRecipients = 1000    // per-recipient groups
	dsnMaxFields     = 200     // fields per group
	dsnMaxPartSize   = 4 << 20 // decoded bytes of one part
	dsnMaxProblems   = 32
)

// Typed is a DSN value with a type: an address-type, mta-name-type or
// diagnostic-type and the value after the ";" (RFC 3464 §2.1.2,
// §2.2.2, §2.3.6). Type is lower-cased; Value is trimmed. A value with no
// ";" has Type "" and the whole text as Value (RFC 1894 senders and
// broken ones write bare addresses).
type Typed struct {
	Type, Value string
}

func (t Typed) String() string {
	if t.Type == "" {
		return t.Value
	}
	return t.Type + "; " + t.Value
}

// DSN is a parsed delivery status notification, RFC 3464 §2 in an RFC
// 6522 multipart/report.
type DSN struct {
	// Header is the DSN message's header.
	Header mixer.Header
	// Human is the first, human-readable part (text), "" when none.
	Human string
	// Per-message fields, RFC 3464 §2.2. OriginalEnvelopeID is "" when
	// absent; ArrivalDate is zero when absent or unreadable.
	OriginalEnvelopeID string
	ReportingMTA       Typed
	DSNGateway         Typed
	ReceivedFromMTA    Typed
	ArrivalDate        time.Time
	// MessageFields are all per-message fields as they came (extension
	// fields X-Postfix-*, X400-* included).
	MessageFields mixer.Header
	// Recipients are the per-recipient groups in order.
	Recipients []DSNRecipient
	// ReturnedType is the media type of the returned part
	// ("message/rfc822", "text/rfc822-headers", "message/global", ...),
	// "" when none. ReturnedHeader is its header; ReturnedBody its body
	// (nil for headers only).
	ReturnedType   string
	ReturnedHeader mixer.Header
	ReturnedBody   []byte
	// Problems lists what was wrong or missing, in words for the log.
	Problems []string
}

// DSNRecipient is one per-recipient group, RFC 3464 §2.3.
type DSNRecipient struct {
	OriginalRecipient Typed
	FinalRecipient    Typed
	// Action is lower-cased: "failed", "delayed", "delivered", "relayed",
	// "expanded", or what the sender wrote.
	Action string
	// Status is the status code as read ("5.1.1"); "" when absent or not
	// an RFC 3463 code (RawStatus keeps the text).
	Status, RawStatus string
	RemoteMTA         Typed
	DiagnosticCode    Typed
	LastAttemptDate   time.Time
	WillRetryUntil    time.Time
	FinalLogID        string
	// Fields are all the group's fields as they came (X-Postfix-*,
	// X400-* included).
	Fields mixer.Header
}

// Get returns the value of the group's field name (trimmed), as
// X-Postfix-Sender or X400-Originally-Specified-Recipient-Number.
func (r *DSNRecipient) Get(name string) (string, bool) {
	v, ok := r.Fields.Get(name)
	return strings.TrimSpace(v), ok
}

func (d *DSN) problem(format string, args ...any) {
	if len(d.Problems) < dsnMaxProblems {
		d.Problems = append(d.Problems, fmt.Sprintf(format, args...))
	}
}

// ErrNotDSN is returned by ParseDSN for a message with no
// message/delivery-status part.
var ErrNotDSN = errors.New("reports: no message/delivery-status part")

// ParseDSN reads a DSN: header is the message's header, body the bytes
// after it. It looks for the RFC 6522 multipart/report with its
// message/delivery-status part (RFC 3464 §2.1; message/global-delivery-
// status of RFC 6533 too) anywhere in the MIME tree, and reads that part's
// fields tolerantly: unknown fields are kept, fields of the wrong syntax
// are kept as text and listed in Problems, lines without a colon are
// skipped, 8-bit octets are kept as they are. The returned message
// (message/rfc822, message/global) or header (text/rfc822-headers,
// message/global-headers) is read when present.
//
// The error is ErrNotDSN (with the partial DSN: header and human text)
// when there is no delivery-status part; a DSN with no per-recipient
// group is returned with a problem, not an error.
func ParseDSN(header mixer.Header, body []byte) (*DSN, error) {
	d := &DSN{Header: header}
	ct, _ := header.Get("Content-Type")
	cte, _ := header.Get("Content-Transfer-Encoding")
	found := d.walk(ct, cte, body, 0)
	if !found {
		// A delivery-status part the MIME structure hides (a boundary
		// written with leading white space, as RFC 3464 Appendix E's
		// second example has it; a lost boundary parameter).
		if part, ok := dsnScavenge(body); ok {
			d.problem("message/delivery-status found outside the MIME structure")
			d.fields(part)
			found = true
		}
	}
	if !found {
		return d, ErrNotDSN
	}
	if len(d.Recipients) == 0 {
		d.problem("no per-recipient fields")
	}
	return d, nil
}

// walk looks through one MIME entity for the report's parts; true when
// the delivery-status part was found.
func (d *DSN) walk(ct, cte string, body []byte, depth int) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		if ct != "" {
			d.problem("bad Content-Type %q", dsnClip(ct))
		}
		// mime.ParseMediaType gives the type even with bad parameters.
		if mt == "" {
			mt = "text/plain"
		}
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if depth >= dsnMaxDepth {
			d.problem("MIME nesting deeper than %d", dsnMaxDepth)
			return false
		}
		b := params["boundary"]
		if b == "" {
			d.problem("%s without boundary", mt)
			return false
		}
		mr := multipart.NewReader(bytes.NewReader(body), b)
		found := false
		for n := 0; ; n++ {
			p, err := mr.NextRawPart()
			if err != nil {
				if err != io.EOF {
					d.problem("multipart: %v", err)
				}
				break
			}
			if n >= dsnMaxParts {
				d.problem("more than %d MIME parts", dsnMaxParts)
				break
			}
			data, err := io.ReadAll(io.LimitReader(p, dsnMaxPartSize+1))
			if err != nil {
				d.problem("MIME part %d: %v", n+1, err)
			}
			if len(data) > dsnMaxPartSize {
				d.problem("MIME part %d larger than %d bytes: cut", n+1, dsnMaxPartSize)
				data = data[:dsnMaxPartSize]
			}
			pct := p.Header.Get("Content-Type")
			if pct == "" {
				pct = "text/plain"
				if mt == "multipart/digest" {
					pct = "message/rfc822"
				}
			}
			if d.walk(pct, p.Header.Get("Content-Transfer-Encoding"), data, depth+1) {
				found = true
			}
		}
		return found
	case mt == "message/delivery-status" || mt == "message/global-delivery-status":
		d.fields(dsnDecode(cte, body, d))
		return true
	case mt == "message/rfc822" || mt == "message/global" || mt == "text/rfc822-headers" || mt == "message/global-headers":
		if d.ReturnedType != "" {
			return false
		}
		data := dsnDecode(cte, body, d)
		h, n, err := mixer.ParseHeader(data, mixer.HeaderLimits{})
		if err != nil {
			d.problem("returned %s: %v", mt, err)
		}
		d.ReturnedType, d.ReturnedHeader = mt, h
		if strings.HasPrefix(mt, "message/") && !strings.HasSuffix(mt, "-headers") {
			d.ReturnedBody = data[n:]
		}
	case strings.HasPrefix(mt, "text/") && d.Human == "":
		d.Human = string(dsnDecode(cte, body, d))
	}
	return false
}

// decodeBase64Lines decodes a base64 MIME body (RFC 2045 §6.8): white
// space and line ends ignored; on an error, what decoded before it.
func decodeBase64Lines(body []byte) ([]byte, error) {
	clean := bytes.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, body)
	out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Decode(out, clean)
	return out[:n], err
}

// dsnDecode undoes a content-transfer-encoding (RFC 2045 §6); 7bit,
// 8bit, binary and unknown encodings are taken as they are.
func dsnDecode(cte string, body []byte, d *DSN) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		out, err := io.ReadAll(io.LimitReader(quotedprintable.NewReader(bytes.NewReader(body)), dsnMaxPartSize))
		if err != nil {
			d.problem("quoted-printable: %v", err)
		}
		return out
	case "base64":
		out, err := decodeBase64Lines(body)
		if err != nil {
			d.problem("base64: %v", err)
		}
		return out
	}
	return body
}

// fields reads the body of a delivery-status part: groups of fields
// separated by empty lines (RFC 3464 §2.1), the first per-message.
func (d *DSN) fields(data []byte) {
	groups := dsnGroups(data)
	if len(groups) == 0 {
		d.problem("empty message/delivery-status")
		return
	}
	d.MessageFields = groups[0]
	for _, f := range groups[0] {
		v := strings.TrimSpace(f.Value)
		switch strings.ToLower(f.Name) {
		case "original-envelope-id":
			d.OriginalEnvelopeID = v
		case "reporting-mta":
			d.ReportingMTA = dsnTyped(v)
		case "dsn-gateway":
			d.DSNGateway = dsnTyped(v)
		case "received-from-mta":
			d.ReceivedFromMTA = dsnTyped(v)
		case "arrival-date":
			d.ArrivalDate = d.date(f.Name, v)
		}
	}
	rest := groups[1:]
	if dsnIsRecipientGroup(groups[0]) {
		d.problem("no empty line between the per-message and per-recipient fields")
		rest = groups
	}
	if d.ReportingMTA.Value == "" {
		d.problem("no Reporting-MTA")
	}
	for i, g := range rest {
		if len(d.Recipients) >= dsnMaxRecipients {
			d.problem("more than %d recipients", dsnMaxRecipients)
			break
		}
		var r DSNRecipient
		r.Fields = g
		for _, f := range g {
			v := strings.TrimSpace(f.Value)
			switch strings.ToLower(f.Name) {
			case "original-recipient":
				r.OriginalRecipient = dsnTyped(v)
			case "final-recipient":
				r.FinalRecipient = dsnTyped(v)
			case "action":
				r.Action = strings.ToLower(strings.TrimSpace(dsnStripComment(v)))
			case "status":
				r.RawStatus = v
				if st, ok := ParseStatus(v); ok {
					r.Status = st.String()
				} else {
					d.problem("recipient %d: Status %q is not an RFC 3463 code", i+1, dsnClip(v))
				}
			case "remote-mta":
				r.RemoteMTA = dsnTyped(v)
			case "diagnostic-code":
				r.DiagnosticCode = dsnTyped(v)
			case "last-attempt-date":
				r.LastAttemptDate = d.date(f.Name, v)
			case "will-retry-until":
				r.WillRetryUntil = d.date(f.Name, v)
			case "final-log-id":
				r.FinalLogID = v
			}
		}
		if r.FinalRecipient.Value == "" {
			d.problem("recipient %d: no Final-Recipient", i+1)
		}
		switch r.Action {
		case "failed", "delayed", "delivered", "relayed", "expanded":
		case "":
			d.problem("recipient %d: no Action", i+1)
		default:
			d.problem("recipient %d: unknown Action %q", i+1, dsnClip(r.Action))
		}
		d.Recipients = append(d.Recipients, r)
	}
}

func dsnIsRecipientGroup(h mixer.Header) bool {
	_, a := h.Get("Action")
	_, f := h.Get("Final-Recipient")
	return a || f
}

func (d *DSN) date(name, v string) time.Time {
	t, err := mail.ParseDate(dsnStripComment(v))
	if err != nil {
		d.problem("%s %q: not a date-time", name, dsnClip(v))
		return time.Time{}
	}
	return t
}

// dsnGroups splits data into groups of header fields at empty lines,
// unfolding continuation lines. Lines without a colon are skipped.
func dsnGroups(data []byte) []mixer.Header {
	var groups []mixer.Header
	var cur mixer.Header
	// val collects the value of the field being read (its continuation
	// lines), bounded so that a long run of them costs linear time.
	var val strings.Builder
	const maxValue = 64 << 10
	end := func() {
		if len(cur) > 0 && val.Len() > 0 {
			cur[len(cur)-1].Value = val.String()
		}
		val.Reset()
	}
	flush := func() {
		end()
		if len(cur) > 0 {
			groups = append(groups, cur)
			cur = nil
		}
	}
	line := 0
	for len(data) > 0 {
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		line++
		l = bytes.TrimRight(l, "\r")
		if len(bytes.TrimSpace(l)) == 0 {
			flush()
			if len(groups) > dsnMaxRecipients+1 {
				break
			}
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			if len(cur) > 0 && val.Len() < maxValue {
				val.WriteByte(' ')
				val.Write(bytes.TrimSpace(l))
			}
			continue
		}
		i := bytes.IndexByte(l, ':')
		if i <= 0 || len(cur) >= dsnMaxFields {
			continue
		}
		name := strings.TrimSpace(string(l[:i]))
		if name == "" || strings.ContainsAny(name, " \t") {
			continue
		}
		end()
		v := l[i+1:]
		if len(v) > maxValue {
			v = v[:maxValue]
		}
		val.Write(v)
		cur = append(cur, mixer.Field{Name: name, Value: string(v), Line: line})
	}
	flush()
	return groups
}

// dsnTyped splits "type; value".
func dsnTyped(v string) Typed {
	i := strings.IndexByte(v, ';')
	if i < 0 {
		return Typed{Value: strings.TrimSpace(v)}
	}
	t := strings.ToLower(strings.TrimSpace(v[:i]))
	if strings.ContainsAny(t, " \t<>@\"") {
		return Typed{Value: strings.TrimSpace(v)}
	}
	return Typed{Type: t, Value: strings.TrimSpace(v[i+1:])}
}

// dsnStripComment removes RFC 5322 comments (as RFC 3464 fields allow).
func dsnStripComment(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var sb strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && depth > 0:
			i++
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}

func dsnClip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// dsnAddress returns the address of a DSN recipient address field: the
// value, with angle brackets removed, xtext decoded when it is in xtext.
func dsnAddress(t Typed) string {
	v := strings.TrimSpace(dsnStripComment(t.Value))
	v = strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
	if strings.Contains(v, "+") {
		if x, err := mixer.ParseXText(v); err == nil {
			v = x
		}
	}
	return v
}

// IsAcknowledgement reports whether an SMTP message is an acknowledgement
// (a DSN or an MDN, or one sent with the null reverse-path), so that the
// gateway never answers it with a report of its own: a null reverse-path
// (RFC 3461 §6.2, RFC 5321 §4.5.5, RFC 8098 §2.1 ask acknowledgements to be
// sent with one), a multipart/report (RFC 6522), or a
// message/delivery-status or message/disposition-notification top-level
// type. Other automatic messages (Auto-Submitted, RFC 3834) do get reports:
// their sender may be a program that needs them.
func IsAcknowledgement(m *mixer.SMTPMessage) bool {
	if m == nil {
		return false
	}
	if m.Envelope.MailFrom == "" {
		return true
	}
	mt, _ := reportMediaType(m.Header)
	switch mt {
	case "multipart/report", "message/delivery-status", "message/global-delivery-status",
		"message/disposition-notification", "message/global-disposition-notification":
		return true
	}
	return false
}

// reportMediaType is a message's media type, lower-cased (read leniently
// when it does not parse), and its report-type parameter (RFC 6522 §3).
func reportMediaType(h mixer.Header) (mt, reportType string) {
	ct, _ := h.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	if mt == "" {
		mt = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	}
	return mt, strings.ToLower(params["report-type"])
}

// Kind says what kind of acknowledgement an Internet message is by its
// header: "dsn" (multipart/report; report-type=delivery-status, RFC 3464
// §2, or a bare message/delivery-status), "mdn" (report-type=
// disposition-notification, RFC 8098 §3, or a bare
// message/disposition-notification), "" for anything else.
func Kind(h mixer.Header) string {
	mt, rt := reportMediaType(h)
	switch {
	case mt == "multipart/report" && (rt == "delivery-status" || rt == "global-delivery-status"),
		mt == "message/delivery-status", mt == "message/global-delivery-status":
		return "dsn"
	case mt == "multipart/report" && (rt == "disposition-notification" || rt == "global-disposition-notification"),
		mt == "message/disposition-notification", mt == "message/global-disposition-notification":
		return "mdn"
	}
	return ""
}

// ErrNoReport is returned by DSNToDR when no recipient of the DSN becomes
// a report (all delayed, or no recipient groups).
var ErrNoReport = errors.New("reports: no recipient of the DSN becomes a delivery report")

// ReportsDelivery says what RFC 2156 §5.1.8.3 does with a recipient by its
// Action: delivery report (delivered, relayed, expanded, as the gateway
// policy takes them), non-delivery report (failed), or none (delayed, or
// an Action the gateway does not know; the caller records these).
func (r *DSNRecipient) ReportsDelivery() (delivery, nonDelivery bool) {
	switch r.Action {
	case "delivered", "relayed", "expanded":
		return true, false
	case "failed":
		return false, true
	}
	return false, false
}

// DSNToDR converts a DSN to the X.400 report the gateway transfers to the
// subject message's originator, RFC 2156 §5.1.8.3:
//
//   - the subject-identifier is subj.MTSIdentifier, else read from
//     Original-Envelope-Id when it is "X400-MTS-Identifier: " and an
//     mts-msg-id (§5.1.8.3); without either there is nothing to correlate
//     and DSNToDR fails;
//   - the report-destination-name is subj.Originator; the
//     report-identifier is made from the DSN's Message-ID (§5.1.8.3, with
//     MsgIDToMTSIdentifier) or generated in the gateway's domain; the
//     trace is one element of the gateway's domain;
//   - per recipient whose Action is delivered, relayed or expanded, a
//     delivery (message-delivery-time from Last-Attempt-Date, else the
//     arrival); failed, a non-delivery with the reason and diagnostic of
//     NonDeliveryOfStatus (or, for a DSN that came from X.400, those of
//     its "x400" Diagnostic-Code, §5.1.8.5), the Diagnostic-Code text as
//     supplementary-information; delayed and unknown actions make no
//     report. The recipient is matched to subj.Recipients by ORCPT, then
//     address; its name and originally-specified-recipient-number come
//     from there, else from the Final-Recipient mapped to X.400 and
//     numbers counted on past the subject's;
//   - the returned message, when the DSN has one and subj.ReturnContent,
//     converted with mixer as returned-content.
//
// The error is ErrNoReport when no recipient makes a report.
func DSNToDR(g *mixer.Gateway, d *DSN, subj *Subject, rep *mixer.Report) (*x400.Report, error) {
	if d == nil {
		return nil, ErrNoReport
	}
	if subj == nil {
		subj = &Subject{}
	}
	now := dsnNow()
	var subjectID x400.MTSIdentifier
	switch {
	case subj.MTSIdentifier.LocalIdentifier != "" || !subj.MTSIdentifier.GlobalDomainIdentifier.Country.IsZero():
		subjectID = subj.MTSIdentifier
	case strings.HasPrefix(d.OriginalEnvelopeID, dsnEnvIDPrefix):
		id, err := x400.ParseMTSIdentifier(strings.TrimPrefix(d.OriginalEnvelopeID, dsnEnvIDPrefix))
		if err != nil {
			return nil, fmt.Errorf("reports: Original-Envelope-Id: %w", err)
		}
		subjectID = id
	default:
		return nil, errors.New("reports: no subject MTS identifier: no correlation record and no X400-MTS-Identifier envelope id")
	}

	arrival := d.ArrivalDate
	if arrival.IsZero() {
		if v, ok := d.Header.Get("Date"); ok {
			if t, err := mail.ParseDate(strings.TrimSpace(v)); err == nil {
				arrival = t
			}
		}
	}
	if arrival.IsZero() {
		arrival = now
	}
	out := &x400.Report{}
	out.Envelope.ReportDestinationName = subj.Originator
	if v, ok := d.Header.Get("Message-ID"); ok {
		if id, err := g.MsgIDToMTSIdentifier(strings.TrimSpace(v)); err == nil {
			out.Envelope.ReportIdentifier = id
		}
	}
	if out.Envelope.ReportIdentifier.LocalIdentifier == "" {
		out.Envelope.ReportIdentifier = x400.MTSIdentifier{GlobalDomainIdentifier: g.GDI,
			LocalIdentifier: "dsn." + now.UTC().Format("20060102.150405") + "." + dsnRandom()[:8]}
	}
	out.Envelope.TraceInformation = x400.TraceInformation{{GlobalDomainIdentifier: g.GDI,
		DomainSuppliedInformation: x400.DomainSuppliedInformation{ArrivalTime: now.UTC().Truncate(time.Second)}}}
	out.Content.SubjectIdentifier = subjectID

	nextNumber := 0
	for _, sr := range subj.Recipients {
		nextNumber = max(nextNumber, sr.Number)
	}
	for i := range d.Recipients {
		r := &d.Recipients[i]
		del, nondel := r.ReportsDelivery()
		if !del && !nondel {
			rep.Dropped(fmt.Sprintf("DSN recipient %d", i+1), "Action "+cmp.Or(r.Action, "(none)")+": no report (RFC 2156 §5.1.8.3)")
			continue
		}
		var rf x400.PerRecipientReportTransferFields
		sr := subj.match(r)
		if sr != nil {
			rf.ActualRecipientName = sr.Name
			rf.OriginallySpecifiedRecipientNumber = sr.Number
			rf.PerRecipientIndicators = sr.Indicators
		} else {
			name, err := dsnORName(g, r.FinalRecipient)
			if err != nil {
				rep.Dropped(fmt.Sprintf("DSN recipient %d", i+1), "Final-Recipient "+dsnClip(r.FinalRecipient.String())+" has no O/R name: "+err.Error())
				continue
			}
			rf.ActualRecipientName = name
			if v, ok := r.Get("X400-Originally-Specified-Recipient-Number"); ok {
				if n, err := strconv.Atoi(v); err == nil && n > 0 && n < 1<<30 {
					rf.OriginallySpecifiedRecipientNumber = n
				}
			}
			if rf.OriginallySpecifiedRecipientNumber == 0 {
				nextNumber++
				rf.OriginallySpecifiedRecipientNumber = nextNumber
			}
		}
		if rf.PerRecipientIndicators == 0 {
			rf.PerRecipientIndicators = x400.PerRecipientOriginatingMTANonDeliveryReport
			if del {
				rf.PerRecipientIndicators = x400.PerRecipientOriginatingMTAReport
			}
		}
		rf.LastTraceInformation.ArrivalTime = arrival
		if del {
			t := r.LastAttemptDate
			if t.IsZero() {
				t = arrival
			}
			rf.LastTraceInformation.ReportType.Delivery = &x400.DeliveryReport{MessageDeliveryTime: t, TypeOfMTSUser: x400.MTSUserPublic}
			if r.Action != "delivered" {
				rep.Mapped(fmt.Sprintf("DSN recipient %d Action %s", i+1, r.Action), "delivery report")
			}
		} else {
			reason, diag, ok := ParseDRDiagnostic(r.DiagnosticCode)
			if !ok {
				reason, diag = NonDeliveryOfStatus(r.Status)
			}
			rf.LastTraceInformation.ReportType.NonDelivery = &x400.NonDeliveryReport{Reason: reason, Diagnostic: diag}
			info := r.DiagnosticCode.Value
			if r.DiagnosticCode.Type == "x400" || info == "" {
				if v, ok := r.Get("X400-Supplementary-Info"); ok {
					info = dsnUnquote(strings.TrimSuffix(v, ";"))
				} else if info == "" {
					info = "Status " + cmp.Or(r.RawStatus, "(none)")
				}
			}
			if r.RemoteMTA.Value != "" && r.DiagnosticCode.Type != "x400" {
				info = "Remote MTA " + r.RemoteMTA.Value + ": " + info
			}
			rf.SupplementaryInformation = dsnPrintable(info, dsnUbSupplementaryInfo)
		}
		// The originally intended recipient of a redirected recipient
		// (X400-Redirect-Recipient, as DRToDSN writes it) or an x400
		// Original-Recipient that is not the final one.
		if _, redirected := r.Get("X400-Redirect-Recipient"); r.OriginalRecipient.Value != "" && sr == nil &&
			(redirected || r.OriginalRecipient.Type == "x400") {
			if n, err := dsnORName(g, r.OriginalRecipient); err == nil && !n.Equal(&rf.ActualRecipientName) {
				rf.OriginallyIntendedRecipientName = &n
			}
		}
		out.Content.PerRecipientFields = append(out.Content.PerRecipientFields, rf)
	}
	if len(out.Content.PerRecipientFields) == 0 {
		return nil, ErrNoReport
	}
	if subj.ReturnContent && d.ReturnedType != "" && d.ReturnedBody != nil {
		m, _, err := g.ToX400(&mixer.SMTPMessage{Header: d.ReturnedHeader, Body: d.ReturnedBody,
			Envelope: mixer.SMTPEnvelope{MailFrom: "postmaster@" + cmp.Or(g.Domain, "mixer.invalid"),
				Recipients: []mixer.SMTPRecipient{{Address: "postmaster@" + cmp.Or(g.Domain, "mixer.invalid")}}}}, nil)
		if err != nil {
			rep.Dropped("DSN returned message", "cannot be converted: "+err.Error())
		} else {
			out.Content.ReturnedContent = m.Content
			ct := m.Envelope.ContentType
			out.Content.ContentType = &ct
			rep.Mapped("DSN returned message", "returned-content")
		}
	} else if d.ReturnedType != "" {
		rep.Dropped("DSN returned "+d.ReturnedType, "content return not requested or headers only")
	}
	rep.Mapped("DSN", "report")
	return out, nil
}

// dsnORName maps a DSN address (x400 std-or, else an RFC 822 address) to
// an O/R name.
func dsnORName(g *mixer.Gateway, t Typed) (x400.ORName, error) {
	addr := dsnAddress(t)
	if t.Type == "x400" {
		a, err := x400.ParseORAddress(addr)
		return x400.ORName{ORAddress: a}, err
	}
	mb, err := mixer.ParseMailbox(addr)
	if err != nil {
		return x400.ORName{}, err
	}
	return g.MailboxToORName(mb)
}

// match finds the subject recipient a DSN recipient reports on: by
// ORCPT (Original-Recipient), then by the Final-Recipient address;
// nil when none.
func (s *Subject) match(r *DSNRecipient) *SubjectRecipient {
	if r.OriginalRecipient.Value != "" {
		o := dsnAddress(r.OriginalRecipient)
		for i := range s.Recipients {
			sr := &s.Recipients[i]
			if sr.ORcpt != "" && (sr.ORcpt == o || sr.ORcpt == r.OriginalRecipient.Value) {
				return sr
			}
		}
	}
	f := dsnAddress(r.FinalRecipient)
	for i := range s.Recipients {
		if sr := &s.Recipients[i]; sr.Address != "" && strings.EqualFold(sr.Address, f) {
			return sr
		}
	}
	if r.OriginalRecipient.Value != "" {
		o := dsnAddress(r.OriginalRecipient)
		for i := range s.Recipients {
			if sr := &s.Recipients[i]; sr.Address != "" && strings.EqualFold(sr.Address, o) {
				return sr
			}
		}
	}
	return nil
}

// ParseDRDiagnostic reads a Diagnostic-Code of type "x400" written as
// EBNF.dr-diagnostic (RFC 2156 §5.3.8.1, "Reason 1 (unable-to-transfer);
// Diagnostic 0 (unrecognised-OR-name)"): the codes of a DSN that came
// from an X.400 report (§5.1.8.5). ok is false for anything else.
func ParseDRDiagnostic(t Typed) (reason x400.NonDeliveryReason, diag *x400.DiagnosticCode, ok bool) {
	if t.Type != "x400" && t.Type != "x-x400" {
		return 0, nil, false
	}
	parts := strings.Split(dsnStripComment(t.Value), ";")
	num := func(s, key string) (int, bool) {
		f := strings.Fields(s)
		if len(f) != 2 || !strings.EqualFold(f[0], key) {
			return 0, false
		}
		n, err := strconv.Atoi(f[1])
		if err != nil || n < 0 || n > 32767 {
			return 0, false
		}
		return n, true
	}
	r, ok := num(parts[0], "Reason")
	if !ok || len(parts) > 2 {
		return 0, nil, false
	}
	if len(parts) == 2 && strings.TrimSpace(parts[1]) != "" {
		dv, ok := num(parts[1], "Diagnostic")
		if !ok {
			return 0, nil, false
		}
		dc := x400.DiagnosticCode(dv)
		diag = &dc
	}
	return x400.NonDeliveryReason(r), diag, true
}

// dsnUnquote removes the quotes of a quoted-string, if it is one.
func dsnUnquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	var sb strings.Builder
	for i := 1; i < len(s)-1; i++ {
		if s[i] == '\\' && i+1 < len(s)-1 {
			i++
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}

// dsnPrintable makes s a PrintableString of at most max characters
// (X.680 §41.4): characters outside the set become a space or the nearest
// printable ("@" "(a)" as RFC 2156 §3.3.3 writes it would lengthen the
// text; here "@" becomes "(a)" when it fits), runs of spaces collapse.
func dsnPrintable(s string, max int) string {
	var sb strings.Builder
	space := false
	for _, r := range s {
		var w string
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("'()+,-./:=? ", r):
			w = string(r)
		case r == '@':
			w = "(a)"
		case r == '<' || r == '[' || r == '{':
			w = "("
		case r == '>' || r == ']' || r == '}':
			w = ")"
		case r == '"':
			w = "'"
		default:
			w = " "
		}
		if w == " " {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		if sb.Len()+len(w) > max {
			break
		}
		sb.WriteString(w)
	}
	return strings.TrimSpace(sb.String())
}

// dsnScavenge finds a "Content-Type: message/delivery-status" line in
// body and returns the text after the next empty line up to the next
// line that starts (after white space) with "--".
func dsnScavenge(body []byte) ([]byte, bool) {
	if len(body) > dsnMaxPartSize {
		body = body[:dsnMaxPartSize]
	}
	lines := bytes.SplitAfter(body, []byte("\n"))
	for i, l := range lines {
		t := bytes.ToLower(bytes.TrimSpace(l))
		if !bytes.HasPrefix(t, []byte("content-type:")) {
			continue
		}
		v := bytes.TrimSpace(t[len("content-type:"):])
		if !bytes.HasPrefix(v, []byte("message/delivery-status")) && !bytes.HasPrefix(v, []byte("message/global-delivery-status")) {
			continue
		}
		j := i + 1
		for j < len(lines) && len(bytes.TrimSpace(lines[j])) > 0 {
			j++
		}
		var out []byte
		for j++; j < len(lines); j++ {
			if bytes.HasPrefix(bytes.TrimSpace(lines[j]), []byte("--")) {
				break
			}
			out = append(out, lines[j]...)
		}
		return out, true
	}
	return nil, false
}
