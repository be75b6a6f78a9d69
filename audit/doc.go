// Package audit is mixerd's local audit log: the record of what happened
// to every message and acknowledgement that went through the gateway
// (arrived, converted, departed, deferred, failed, delivery report, read
// report, report sent; see [Record]), with the correlation keys that tie
// an acknowledgement to the message-recipient it answers (RFC 2156
// §5.3.8, RFC 3464 §2.2.1, RFC 8098 §3.2.5).
//
// It has three parts:
//
//   - [Log], the append-only log: JSON Lines files in one directory, one
//     record a line, each with a sequence number and a checksum, group-
//     committed with fdatasync, rotated by size and age, expired by age.
//     The daemon appends a record before the state change it describes
//     (the spool's, or the reply to a peer), so that a record is never
//     missing for something that happened. docs/AUDIT.md is the on-disk
//     format, for operators and for the loader.
//   - The correlation index ([Index]): the departed records' keys in
//     memory, so that an arriving delivery report, DSN, IPN or MDN is
//     matched to exactly one message-recipient, or recorded as unmatched.
//   - Tracking: the life of a message from its records, found by any
//     correlation key, an address or a time range (mixerd track).
//
// The exactly-once contract (ARCHITECTURE.md, "the loader that feeds the
// audit DB exactly once"): every record has a sequence number, assigned
// by [Log.Append], strictly increasing and never reused, across rotations,
// removals and restarts. A loader keeps, in the same database transaction
// as the rows it inserts, the last sequence number it committed, and
// resumes with [ScanDir] from the next one. [ScanDir] delivers only
// records that are durable in the log (a crash of the writer cannot take
// back a record a loader has seen), in increasing order, each once; so
// every record reaches the database once, whatever crashes in between.
package audit
