package audit

import (
	"time"

	"mixerd/queue"
)

// Event is what happened to a message (or to an acknowledgement of one).
type Event string

// The events. Each is one [Record]; a message's life is the sequence of its
// records (arrived, converted, departed, then the acknowledgements that
// come back for it).
const (
	// EventArrived: the gateway accepted the message from a peer
	// (P1 transfer in, SMTP DATA): durable in the spool, about to be
	// acknowledged.
	EventArrived Event = "arrived"
	// EventDuplicate: the same message arrived again (a peer retried an
	// interrupted transfer); acknowledged and not spooled again. ID is
	// the queue ID of the first.
	EventDuplicate Event = "duplicate"
	// EventConverted: the message was converted between X.400 and SMTP
	// (RFC 2156) for the recipients listed; Conversion says what was
	// mapped, carried or dropped.
	EventConverted Event = "converted"
	// EventDeparted: the next hop accepted responsibility for the
	// recipients listed (P1 transfer confirmed, SMTP 250 after DATA).
	// Its Keys and Recipients are the correlation keys a returning
	// acknowledgement may carry.
	EventDeparted Event = "departed"
	// EventDeferred: an attempt failed transiently; retried.
	EventDeferred Event = "deferred"
	// EventFailed: the recipients failed permanently; a non-delivery
	// report is due (EventReportSent records it).
	EventFailed Event = "failed"
	// EventDead: no report can be built; kept for operators.
	EventDead Event = "dead"
	// EventDeliveryReport: a delivery report (X.400 DR) or DSN arrived for
	// a message that went through the gateway, positive or negative.
	EventDeliveryReport Event = "delivery-report"
	// EventReadReport: a receipt notification (IPN) or MDN arrived,
	// positive (read, displayed) or negative (non-receipt, deleted).
	EventReadReport Event = "read-report"
	// EventReportSent: the gateway made a report itself: a non-delivery
	// report or DSN on a failure, the delivery report of a message relayed
	// to an SMTP next hop without DSN (RFC 3461 §4.3 "relayed"), the
	// answer to a probe.
	EventReportSent Event = "report-sent"
)

// Record is one line of the audit log. Fields are omitted when empty.
type Record struct {
	// Seq is the record's sequence number: 1 for the first record of a
	// log, one more for each record after, never reused (a loader that
	// has loaded up to N resumes at N+1). Assigned by [Log.Append].
	Seq uint64 `json:"seq"`
	// Time is when it happened (UTC); Append sets it when zero.
	Time time.Time `json:"time"`
	// Event is what happened.
	Event Event `json:"event"`
	// Gateway is the name of the gateway that wrote the record (its MTA
	// name), so that the records of several gateways can be merged.
	Gateway string `json:"gateway,omitempty"`
	// ID is the message's queue ID at this gateway. For an
	// acknowledgement it is the ID of the acknowledgement itself when it
	// was spooled; Ack.SubjectID is the message it answers.
	ID string `json:"id,omitempty"`
	// Kind is "message", "probe", "report" (X.400), "dsn", "mdn" or
	// "ipn" for acknowledgements.
	Kind string `json:"kind,omitempty"`
	// Precedence is the message's precedence name (queue lane).
	Precedence string `json:"precedence,omitempty"`
	// Protocol and Peer are where it came from (arrival) or went to
	// (departure, attempt): "p1" or "smtp", and the peer MTA name, the
	// client's address, or the next hop ("p1:peer", "smtp:relay").
	Protocol string `json:"protocol,omitempty"`
	Peer     string `json:"peer,omitempty"`
	// Keys are the message's correlation keys.
	Keys Keys `json:"keys,omitzero"`
	// Recipients are the message-recipients the record is about.
	Recipients []Recipient `json:"recipients,omitempty"`
	// Conversion is set on EventConverted.
	Conversion *Conversion `json:"conversion,omitempty"`
	// Ack is set on EventDeliveryReport, EventReadReport and
	// EventReportSent.
	Ack *Ack `json:"ack,omitempty"`
	// Text is a short note for operators (why it is dead, ...).
	Text string `json:"text,omitempty"`
}

// Keys are the per-message correlation keys (RFC 2156 §5.3.8, RFC 3464
// §2.2.1, RFC 8098 §3.2.5): everything a returning acknowledgement may
// name its subject by, in both worlds. For a departed message they are
// those of the message as it left (after conversion).
type Keys struct {
	// MTSID is the X.400 MTS identifier in its RFC 2156 text form
	// ("[/PRMD=P/ADMD=A/C=XX/;local-id]", x400.MTSIdentifier.String): the
	// subject-identifier of an X.400 report.
	MTSID string `json:"mtsid,omitempty"`
	// EnvID is the SMTP ENVID (RFC 3461 §4.4), decoded: a DSN's
	// Original-Envelope-Id.
	EnvID string `json:"envid,omitempty"`
	// MessageID is the RFC 5322 Message-ID with its angle brackets: an
	// MDN's Original-Message-ID.
	MessageID string `json:"msgid,omitempty"`
	// IPMID is the IPM identifier (X.420 §7.1.1) in RFC 2156 §4.7.3
	// msg-id form (mixer.IPMIdentifierToMsgID): the subject-ipm of an IPN.
	IPMID string `json:"ipmid,omitempty"`
	// ContentCorrelator is the X.400 content correlator as text, when it
	// is a string (RFC 2156 §5.3.7).
	ContentCorrelator string `json:"correlator,omitempty"`
	// Originator is the originator's O/R address (x400.ORAddress.String)
	// and OriginatorSMTP its SMTP reverse-path (MAIL FROM, "" for <>),
	// in whichever world it has, or is mapped to.
	Originator     string `json:"originator,omitempty"`
	OriginatorSMTP string `json:"originator_smtp,omitempty"`
	// DispositionTo is the Disposition-Notification-To field of an SMTP
	// message (RFC 8098 §2.1): where its MDNs go.
	DispositionTo string `json:"disposition_to,omitempty"`
	// ContentType is the X.400 content type as the message left or came
	// (RFC 2156 §5.3.6 form, mixer.FormatContentType: "22" for P22, the
	// P772 object identifier): an IPN made of an MDN takes the content
	// type of its subject (STANAG 4406 notifications are P772).
	ContentType string `json:"content_type,omitempty"`
	// Ret is the DSN RET parameter ("FULL", "HDRS" or ""); ReturnContent
	// the X.411 content-return-request.
	Ret           string `json:"ret,omitempty"`
	ReturnContent bool   `json:"return_content,omitempty"`
}

// Recipient is one message-recipient of a record.
type Recipient struct {
	// Index is the recipient's index in the queued message.
	Index int `json:"index"`
	// Number is the X.411 originally-specified-recipient-number (from 1),
	// 0 when unknown.
	Number int `json:"number,omitempty"`
	// X400 is the recipient's O/R address (x400.ORAddress.String) and
	// SMTP its RFC 5321 address, in whichever world it has, or is mapped
	// to.
	X400 string `json:"x400,omitempty"`
	SMTP string `json:"smtp,omitempty"`
	// ORcptType and ORcpt are the DSN ORCPT parameter (RFC 3461 §4.2),
	// decoded; the originally intended recipient.
	ORcptType string `json:"orcpt_type,omitempty"`
	ORcpt     string `json:"orcpt,omitempty"`
	// Notify is the DSN NOTIFY parameter ("SUCCESS,FAILURE", "NEVER"; ""
	// when absent) as the recipient left.
	Notify string `json:"notify,omitempty"`
	// Indicators are the X.411 per-recipient-indicators (X.411
	// §12.2.1.1.1.6) as the recipient left, in their numeric form.
	Indicators uint32 `json:"indicators,omitempty"`
	// Reports is which delivery reports the originator asked for:
	// "all" (positive and negative), "failure" (non-delivery only) or
	// "none". ReadReports: "all" (receipt and non-receipt, X.420 rn and
	// nrn, or Disposition-Notification-To), "non-receipt", or "none".
	Reports     string `json:"reports,omitempty"`
	ReadReports string `json:"read_reports,omitempty"`
	// Attempt is the attempt's result (departed, deferred, failed).
	Attempt *queue.Attempt `json:"attempt,omitempty"`
}

// Conversion summarises a conversion (mixer.Report).
type Conversion struct {
	// Direction is "x400-to-smtp" or "smtp-to-x400".
	Direction string `json:"direction"`
	// Mapped, Carried and Dropped count the items of each kind; Drops
	// lists the dropped items with their reasons (at most 32).
	Mapped  int      `json:"mapped"`
	Carried int      `json:"carried"`
	Dropped int      `json:"dropped"`
	Drops   []string `json:"drops,omitempty"`
}

// Ack describes an acknowledgement: one that arrived (EventDeliveryReport,
// EventReadReport) or that the gateway made (EventReportSent).
type Ack struct {
	// Type is "dr" (X.400 delivery report), "dsn", "ipn" or "mdn".
	Type string `json:"type"`
	// Positive: delivered/relayed/expanded, or read (receipt, displayed).
	Positive bool `json:"positive"`
	// Matched says whether the subject was found; SubjectID is its queue
	// ID at the gateway that recorded its departure, SubjectGateway
	// that gateway, SubjectSeq the departed record matched.
	Matched        bool   `json:"matched"`
	SubjectID      string `json:"subject_id,omitempty"`
	SubjectGateway string `json:"subject_gateway,omitempty"`
	SubjectSeq     uint64 `json:"subject_seq,omitempty"`
	// Subject are the keys the acknowledgement named its subject by.
	Subject Keys `json:"subject,omitzero"`
	// Action is the DSN action (RFC 3464 §2.3.3) or MDN disposition
	// (RFC 8098 §3.2.6) or the X.400 outcome ("delivered",
	// "non-delivered", "receipt", "non-receipt").
	Action string `json:"action,omitempty"`
	// Status is the RFC 3463 status; Reason and Diagnostic the X.411
	// non-delivery reason and diagnostic, or the X.420 non-receipt
	// reason and discard reason.
	Status     string `json:"status,omitempty"`
	Reason     *int   `json:"reason,omitempty"`
	Diagnostic *int   `json:"diagnostic,omitempty"`
	// By is who acknowledged: the reporting MTA, or the reader.
	By string `json:"by,omitempty"`
	// Text is the supplementary information, Diagnostic-Code or the
	// human-readable part (at most 1,000 bytes).
	Text string `json:"text,omitempty"`
	// Forwarded is the queue ID under which the acknowledgement, converted,
	// left the gateway: the acknowledgement's own (it is converted as it
	// leaves, so Forwarded is ID) or, on report-sent, the report the
	// gateway made; "" when it was not sent on (the departure's attempt
	// text, or Problems, say why).
	Forwarded string `json:"forwarded,omitempty"`
	// Problems lists what was wrong or missing in the acknowledgement.
	Problems []string `json:"problems,omitempty"`
}
