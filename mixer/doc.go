// Package mixer converts between X.400 and Internet mail, following MIXER:
// RFC 2156 (addresses, identifiers, the P1 envelope and the IPM heading),
// RFC 2157 (body parts and MIME), RFC 6477 (the MMHS-* header fields of
// military messaging, the P772 heading extensions) and RFC 6710 (precedence
// and MT-PRIORITY). It is a library on the types of package x400, with no
// I/O of its own beyond reading the mapping tables it is handed: the daemon
// and the `mixerd convert` command call it.
//
// What exists so far:
//
//   - The address mapping tables of RFC 2156 §4.2 and Appendix F (table.go):
//     the four text tables of MIXER Conformant Global Address Mappings
//     (MCGAMs) and preferred gateways, loaded with every bad line reported
//     as file:line:column, written back, and looked up by longest match in
//     both directions (domain -> O/R address prefix, O/R address -> domain).
//     The §4.3.4 and §4.3.5 address mappings that use these lookups build
//     on them.
//   - RFC 5322 addresses and header fields as RFC 2156 meets them
//     (rfc822.go): mailboxes, groups and address lists keeping the local
//     part's text and quoting, source routes (§4.4.2) and comments (which
//     §4.7.1 carries into the free-form name); header blocks split into
//     ordered, unfolded fields with bounded sizes; formatting back that
//     parses to the same value.
//   - The MMHS-* header fields of RFC 6477 §3-§4, each formatted from and
//     parsed to its x400 P772 value, and precedence <-> MT-PRIORITY under
//     RFC 6710's STANAG4406 and MIXER policies (mmhs.go).
//
// The other conversions of RFC 2156 (§4.3 to §5), RFC 2157, RFC 6477 and
// RFC 6710 are added file by file.
package mixer
