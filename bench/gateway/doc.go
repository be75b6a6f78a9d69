// Package gateway holds the gateway benchmarks of issue 5, as Go
// benchmarks in its test files: `mixerd serve` (built with go build) run
// as a separate process with a generated policy, loopback listeners and a
// durable spool, driven by real SMTP (Postfix's smtp-source, RFC 5321) and
// P1 (X.411 §12.2 transfers over RFC 1006) traffic, beside the reference
// measured in the same run: a private Postfix instance relaying SMTP to
// smtp-sink. It measures
//
//   - SMTP -> mixerd -> P1 and P1 -> mixerd -> SMTP: messages per second
//     end to end (first submission to last arrival), mixerd's CPU per
//     message and its largest resident set;
//   - the same for smtp-source -> Postfix -> smtp-sink;
//   - the latency of one FLASH message submitted behind a backlog of
//     ROUTINE messages while the next hop is slow, and how many ROUTINE
//     messages arrived between its submission and its arrival.
//
// It has no code outside its tests; see README.md for how to run it.
package gateway
