// Package mixer converts between X.400 and Internet mail, following MIXER:
// RFC 2156 (addresses, identifiers, the P1 envelope and the IPM heading),
// RFC 2157 (body parts and MIME), RFC 6477 (the MMHS-* header fields of
// military messaging, the P772 heading extensions) and RFC 6710 (precedence
// and MT-PRIORITY). It is a library on the types of package x400, with no
// I/O of its own beyond reading the mapping tables it is handed: the daemon
// and the `mixerd convert` command call it.
//
// A Gateway (gateway.go) holds where the gateway sits in both worlds (its
// domain, its O/R address, its global domain identifier) and its RFC 2156
// Appendix F tables. Its two entry points (convert.go) are
//
//   - ToSMTP: a P1 message in transfer to an SMTPMessage (the SMTP envelope
//     with its DSN and MT-PRIORITY parameters, the RFC 5322 header, the MIME
//     body), and
//   - ToX400: an SMTPMessage to a P1 message (P22, or P772 when the message
//     has MMHS-* fields).
//
// Each fills a Report with what was mapped, what was carried in fields kept
// for the return trip (X400-* and MMHS-* fields, the RFC 822 heading
// extension, the RFC 2157 MIME body part), and what was dropped and why. What
// cannot be converted is a *ConversionError carrying the X.411 reason and
// diagnostic and the RFC 3463 status of the report the message gets; a
// recipient that alone cannot be converted is a RecipientError and the
// message goes on to the others.
//
// The pieces, each usable alone:
//
//   - table.go: the four Appendix F tables, loaded with every bad line
//     reported as file:line:column, written back, looked up by longest match.
//   - address.go: O/R address <-> RFC 822 address (§4.3 to §4.5), O/R
//     descriptors <-> mailboxes and groups (§4.7.1, §4.7.2), msg-id -> MTS
//     identifier (§4.6.3).
//   - ids.go: IPM identifier <-> msg-id and the phrase form (§4.7.3).
//   - envelope.go: the MTS and MTA mappings (§4.6, §5.1.5, §5.1.6, §5.3.6,
//     §5.3.7, Appendix A): originator and recipients <-> MAIL FROM and RCPT
//     TO, report requests <-> NOTIFY, content return <-> RET, priority and
//     precedence <-> MT-PRIORITY, trace <-> Received and X400-Received, the
//     X400-* fields; smtpenv.go writes the SMTP commands.
//   - heading.go: the IPM heading <-> RFC 5322 fields (§5.1.2, §5.1.3,
//     §5.1.7, §5.3.4), with the rfc-822-field-list heading extension for
//     what has no X.400 field.
//   - body.go: body parts <-> MIME (RFC 2157).
//   - military.go on mmhs.go: the P772 military heading <-> the MMHS-* fields
//     (RFC 6477 §3, §6) and precedence <-> MT-PRIORITY (RFC 6710).
//   - rfc822.go: RFC 5322 addresses and header blocks as RFC 2156 meets them.
//
// Reports and notifications (delivery reports <-> DSNs, IPNs <-> MDNs) are
// converted by package reports, on this package's address mapping.
package mixer
