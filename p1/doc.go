// Package p1 is X.400 MTA-to-MTA transfer (P1, X.411 §12 "MTA abstract
// service" and §12.1 "MTA bind and unbind", over the application context
// id-ac-mts-transfer of X.411 §A / X.419 §6) on top of the OSI associations of
// package osi.
//
// The responder (Serve) answers each association: it checks the MTA bind
// (X.411 §12.1.1: the initiator's MTA name, its simple credentials, IA5String or
// OCTET STRING, and its source address, against the configured peers), answers
// with our MTABindResult or refuses with an MTABindError, then receives the
// MTS-APDUs (X.411 §12.2: message, probe, report) in order and hands each to a
// Sink. The RTSE transfer (X.228 §7.3) is confirmed only after the Sink
// returned, that is after the APDU is durable; an APDU the Sink refuses, or one
// that cannot be decoded, is refused by aborting the association, so that the
// sender keeps it.
//
// The initiator (Bind) opens one association, binds, and transfers APDUs on it
// (Client.Transfer), then releases it (Client.Close).
//
// Not done yet: the per-peer pool of outgoing associations (reuse, permanent
// associations for FLASH traffic, a per-peer limit); transfer in X.410-1984
// mode and passing the turn in two-way alternate (both wait for package osi);
// refusing a single APDU without aborting the association; non-delivery of a
// message that carries an unsupported critical extension (X.411 §9: it is
// refused with an abort for now).
package p1
