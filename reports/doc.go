// Package reports converts acknowledgements between X.400 and Internet
// mail, following MIXER (RFC 2156 §5.1.8 and §5.3.8 for delivery reports,
// §5.3.5 for IP notifications) and the Internet report formats: RFC 3464
// delivery status notifications (DSNs) as requested by RFC 3461, their
// RFC 3463 enhanced status codes, the RFC 6522 multipart/report container,
// and RFC 8098 message disposition notifications (MDNs). Like package
// mixer, on whose Gateway it builds, it is pure conversion with no I/O: the
// daemon correlates each acknowledgement with the message it answers and
// hands the correlation record in.
//
// Delivery reports and DSNs (dsn.go, dsnparse.go):
//
//   - DRToDSN: an X.400 report (X.411 §12.2.1.3) to a DSN, RFC 2156
//     §5.3.8: multipart/report; report-type=delivery-status with the
//     human-readable part of §5.3.8.1 (EBNF.dr-user-info), the
//     message/delivery-status part with the X400-* fields of §5.3.8.1, and
//     the returned content as message/rfc822 or text/rfc822-headers (RET,
//     RFC 3461 §4.3). The SMTP envelope is MAIL FROM:<> (RFC 3461 §6.2,
//     RFC 5321 §4.5.5) to the subject message's originator.
//   - ParseDSN: a DSN as RFC 3464 §2 defines it, read tolerantly (RFC 1894
//     DSNs, missing fields, unknown Status values, 8-bit junk, a
//     delivery-status part outside multipart/report); what is wrong is
//     listed in DSN.Problems rather than refused.
//   - DSNToDR: a parsed DSN to an X.400 report, RFC 2156 §5.1.8.3: per
//     recipient, delivered, relayed and expanded become delivery,
//     failed becomes non-delivery with the reason and diagnostic of the
//     §5.1.8.4 table; delayed recipients get no report.
//   - StatusOfNonDelivery and NonDeliveryOfStatus are the two status tables
//     (§5.3.8.2, §5.1.8.4).
//   - Kind says whether an Internet message is a DSN or an MDN by its
//     media type and report-type (RFC 6522 §3).
//   - IsAcknowledgement says whether an SMTP message is a DSN or MDN, so
//     that no report is ever made on a report (RFC 3461 §6.2, RFC 3464
//     §2, X.411 §8.3.1.2: a report is never reported on).
//
// IP notifications and MDNs (mdn.go, mdnparse.go): IPNToMDN, ParseMDN and
// MDNToIPN, RFC 2156 §5.3.5 and RFC 8098.
//
// The reports the gateway makes itself (generate.go): NonDeliveryReport
// (X.411 §12.2.1.3, when routing, conversion or transfer fails),
// RelayedReport (the delivery report of recipients relayed to an SMTP hop
// without DSN, RFC 2156 §4.6.2.3), ProbeReport (the answer to a probe,
// §5.3.9), IPNMessage (the P1 message carrying an IPN made of an MDN) and
// MessageIPN; WantsDeliveryReport and WantsNonDeliveryReport read the
// per-recipient indicators (X.411 §12.2.1.1.1.6) the same way everywhere.
//
// The correlation keys each direction needs are in Subject: the subject
// message's MTS identifier, its ENVID, its originator in both worlds, and
// per recipient the O/R name, the SMTP address, the ORCPT and the
// originally-specified-recipient-number.
package reports
