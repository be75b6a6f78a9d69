// Package policy reads mixerd's policy file: one HCL file
// (github.com/hashicorp/hcl/v2, native syntax) that configures the whole
// gateway: its identity in both worlds (RFC 2156 §4.3.1, §4.3.2), the P1,
// SMTP and admin listeners, the X.400 peers (X.411 §12.1 MTA bind) and
// SMTP relays it sends to, the routes, the MIXER mapping tables (RFC 2156
// §4.2 and Appendix F), the precedence model (STANAG 4406 Annex A
// precedences, RFC 6710 MT-PRIORITY policies), limits, the spool and the
// audit database. ../policy.hcl documents every setting by example.
//
// Load checks the whole file and reports every problem at once, each with
// its file:line:column (Errors), like a compiler; it has no side effect,
// so that a SIGHUP reload can call it and keep the running policy when it
// fails. A loaded *Policy is read-only and safe for concurrent use.
package policy
