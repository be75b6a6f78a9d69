// Package x400 holds Go types and BER codecs for X.400 content:
//
//   - the MTS abstract service and the MTA abstract service of ITU-T X.411
//     (P1; the MTS types are shared with P3): O/R names and addresses, MTS
//     identifiers, message, probe and report transfer envelopes, report
//     content, trace information, extensions, and the MTA bind;
//   - interpersonal messaging, ITU-T X.420 (P22): the IPM heading and body
//     parts, and IPNs;
//   - military messaging, STANAG 4406 Annex A / ACP 123 (P772): the MM
//     heading extensions, precedence, and the MM notification extensions;
//   - the text form of O/R addresses (RFC 2156 §4.1 and RFC 1685) and the
//     character sets of X.400's string types (T.61, X.680 §41).
//
// Every decoder reads BER as peers send it (through package ber) and every
// encoder writes DER. Decoded values refer to the bytes they were decoded
// from (strings and byte slices alias the input, without copying): do not
// modify an input buffer while a value decoded from it is in use.
//
// Fields and extensions the code does not know are kept as their encoding,
// byte for byte, and written back by the encoders, so that a relayed
// message carries them on. An unknown extension marked critical is reported
// (see Extension.Critical and the Unsupported methods) so that a higher
// layer can refuse the message with the right non-delivery diagnostic.
package x400
