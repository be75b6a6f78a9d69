// Package p1 is X.400 MTA-to-MTA transfer (P1, X.411 §12 "MTA abstract
// service" and §12.1 "MTA bind and unbind", over the application context
// id-ac-mts-transfer of X.411 §A / X.419 §6) on top of the OSI associations of
// package osi, in 1988 normal mode, 1988 X.410 mode and 1984 mode, monologue
// or two-way alternate.
//
// The responder (Serve) answers each association: it checks the MTA bind
// (X.411 §12.1.1: the initiator's MTA name, its simple credentials, IA5String or
// OCTET STRING, and its source address, against the configured peers), answers
// with our MTABindResult or refuses with an MTABindError, then receives the
// MTS-APDUs (X.411 §12.2: message, probe, report) in order and hands each to a
// Sink. The RTSE transfer (X.228 §7.3) is confirmed only after the Sink
// returned, that is after the APDU is durable. An APDU the Sink cannot store
// is refused with an exception report "receiving ability jeopardized" (the
// sender interrupts the activity and keeps the APDU, to send again later);
// one that cannot be decoded or carries an extension critical for transfer
// that we do not know is refused as a "local SS-user error" (the sender
// discards the activity). Either way the association stays up for the next
// APDU. In two-way alternate mode a turn the initiator gives is given back.
//
// The initiator (Bind) opens one association, binds, and transfers APDUs on it
// (Client.Transfer), then releases it (Client.Close). A Pool holds the
// associations to one peer MTA: reused for many APDUs, opened on demand up to
// a limit, some kept open permanently (for FLASH traffic) and some reserved
// for high priorities; the caller chooses which APDU to send next and with
// what priority it waits for an association. Idle associations are
// watched (osi.Association.WaitIdle): one the peer releases or aborts, or
// whose connection drops, leaves the pool at once, and a permanent one is
// opened again without waiting for a transfer.
//
// Not done yet: non-delivery of a message that carries an unsupported
// critical extension (X.411 §9 wants a non-delivery report, which needs the
// queue; the transfer is refused for now).
package p1
