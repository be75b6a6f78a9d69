// Package smtp is mixerd's SMTP side: a listener (Server) that takes
// messages from SMTP clients and hands them to a durable sink, and a
// client (Client) that sends one queued message to a next hop.
//
// Standards: RFC 5321 (SMTP), RFC 1869/5321 §4.1.2 (ESMTP parameters),
// RFC 1870 (SIZE), RFC 6152 (8BITMIME), RFC 6531 (SMTPUTF8), RFC 2920
// (PIPELINING), RFC 2034/3463 (enhanced status codes), RFC 3207
// (STARTTLS), RFC 4954 (AUTH, PLAIN per RFC 4616), RFC 3461 (DSN: RET,
// ENVID, NOTIFY, ORCPT, with ORCPT of type rfc822 and x400 as RFC 2156
// Appendix A uses), RFC 6710 (MT-PRIORITY) and RFC 6758 (the MT-Priority
// header field).
//
// # The server and go-smtp
//
// The listener runs github.com/emersion/go-smtp v0.25.1, which owns the
// command loop, DATA dot-unstuffing, the size limit and AUTH's SASL
// exchange (the line-length limit is the front's, below). v0.25.1 gets parts of the extensions mixerd needs
// wrong: it takes MT-PRIORITY on RCPT instead of MAIL FROM (its issue
// #311; RFC 6710 §3 puts it on MAIL FROM), refuses ORCPT address types
// other than rfc822 and utf-8 (RFC 2156 Appendix A needs x400), answers
// an unknown parameter 500 instead of RFC 5321 §4.1.1.11's 555, and
// decodes xtext loosely. Without forking it, every connection is wrapped
// in a "front" (front.go), a net.Conn that sits between the socket and
// go-smtp and sees each command line before go-smtp does:
//
//   - MAIL and RCPT lines are parsed here (params.go). A bad parameter is
//     answered by the front itself (501/555/552 with enhanced codes) and
//     the line never reaches go-smtp; a good one is passed on stripped of
//     its parameters ("MAIL FROM:<a@b>"), and the session takes the
//     parsed parameters from the front when go-smtp calls Mail or Rcpt.
//     The front hands go-smtp one command line per Read, so go-smtp has
//     answered every earlier command before the front reads the next:
//     replies stay in order under PIPELINING and the parameters the
//     session reads are always those of the line being handled.
//   - The EHLO reply is the front's (go-smtp's is swallowed when it is a
//     250), so it advertises exactly what mixerd implements: DSN,
//     "MT-PRIORITY STANAG4406", SIZE, 8BITMIME, SMTPUTF8, PIPELINING,
//     ENHANCEDSTATUSCODES, STARTTLS and AUTH PLAIN where they apply, and
//     not CHUNKING (BDAT is refused with 502 5.5.1).
//   - STARTTLS is done by the front under go-smtp, so that the front
//     keeps seeing plaintext commands; it discards any command pipelined
//     after STARTTLS (RFC 3207 §5, the command-injection attack), resets
//     go-smtp's transaction with a swallowed RSET, forgets the client's
//     authentication and requires a new EHLO (RFC 3207 §4.2).
//   - AUTH is refused (538 5.7.11) before TLS unless the listener allows
//     plaintext authentication.
//   - With Config.RequireTLS, every command but EHLO, STARTTLS, NOOP and
//     QUIT is answered 530 5.7.0 before STARTTLS (RFC 3207 §4), and AUTH
//     is offered only after it.
//   - A lowered MT-PRIORITY is reported in the MAIL reply as RFC 6710 §4.1
//     says: "250 2.3.6 0 ..." (the new priority, then text).
//
// # The client
//
// Client speaks SMTP itself on net/textproto rather than through
// go-smtp's Client, which cannot put MT-PRIORITY on MAIL FROM, cannot
// send ORCPT of type x400 and does not tell at which stage a recipient
// failed.
//
// Client sends the DSN parameters only to a next hop that offers DSN,
// and marks recipients that asked for a success notification as
// Relayed when it does not (RFC 3461 §4.1, §5.2.2).
//
// To a next hop that offers MT-PRIORITY, MAIL FROM always carries the
// message's priority (RFC 6710 §4.2 with RFC 6758 §3.2 step 1a): the
// envelope's, else that of the message's single valid MT-Priority
// header field (RFC 6758 §3.1 step 4a), else 0; the header is left as
// it is. To one that does not, every MT-Priority header field is
// removed and, when there was a priority or a field, one field with
// the message's priority is put at the top (RFC 6758 §3.3).
//
// STARTTLS (RFC 3207) is TLSOpportunistic (unverified; in clear when
// not offered or refused; once more in clear when the handshake fails),
// TLSRequired (verified, else a temporary failure) or TLSOff; a 530 to
// MAIL on a connection without TLS is a temporary failure. AUTH (RFC
// 4954) with PLAIN (RFC 4616) or LOGIN is done after STARTTLS, never in
// clear unless allowed. MAIL and the RCPTs go in one write to a next
// hop that offers PIPELINING (RFC 2920), their replies are read in
// order; DATA is sent on its own. The RFC 5321 §4.5.3.2 timeouts apply
// throughout.
//
// Like Postfix's connection cache, Client keeps a connection whose
// transaction ended in step (250 to the end of DATA, or 250 to RSET
// after a failed transaction) idle for the next Deliver to the same
// next hop, which begins with MAIL (RFC 5321 §3.3); never one that
// failed, timed out or got 421 (RFC 5321 §3.8). Each idle connection
// serves one Deliver at a time. When the next hop has closed an idle
// connection, which shows as no reply, or 421, or an out-of-step reply
// to MAIL, the transaction (of which nothing was accepted) is sent once
// more on a new connection. Idle connections are QUIT after
// IdleTimeout by a timer, at MaxReuse transactions, at MaxAge, and by
// Close.
package smtp
