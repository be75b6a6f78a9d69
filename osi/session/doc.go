// Package session encodes and decodes the SPDUs of the OSI connection-oriented
// session protocol, ITU-T X.225 (11/1995) | ISO/IEC 8327-1, versions 1 and 2,
// as RFC 1006 peers (ISODE and PP) use it under X.400 P1 with RTSE.
//
// It is a pure codec: no sockets, no state. DecodeTSDU splits one TSDU (the
// user data of one transport data unit, as the transport layer delivers it)
// into its SPDUs; AppendTSDU writes SPDUs into one TSDU. The association
// layer keeps the state (tokens, serial numbers, negotiated functional units)
// and reads the SPDUs in order.
//
// # Structure (X.225 §8.2)
//
// An SPDU is an SI octet, an LI (one octet for 0..254, or 0xFF then two
// octets for 255..65535, §8.2), then LI octets of parameters: PI units
// (code, LI, value) and PGI units (code, LI, PI units), then, for DT, EX and
// TD only, a user information field that is not counted in LI and runs to
// the end of the TSDU (§8.2). Every other SPDU carries its user data in
// the User Data PGI (193) or, in version 2, the Extended User Data PGI (194).
//
// Parameters are written in ascending code order, which is PP's order and,
// as far as we know, that of the tables of §8.3; the decoder accepts any
// order. Parameters this package does not
// decode (the second and large serial numbers 53..58, ...) are kept raw in
// Unknown and written back. The Linking Information PGI (33) of an AR
// (§8.3.30) is decoded into SPDU.Linking.
//
// # SPDU codes (X.225 §8.3, Table 11) and shared SI values
//
//	SI  SPDU (category)
//	 0  ER  exception report (2)
//	 1  GT  give tokens (0)             DT data transfer (2)
//	 2  PT  please tokens (0)
//	 5  EX  expedited (1)
//	 7  PR  prepare (1)
//	 8  NF  not finished (1)
//	 9  FN  finish (1)
//	10  DN  disconnect (1)
//	12  RF  refuse (1)
//	13  CN  connect (1)
//	14  AC  accept (1)
//	15  CDO connect data overflow (1)
//	16  OA  overflow accept (1)
//	21  GTC give tokens confirm (1)
//	22  GTA give tokens ack (1)
//	25  AB  abort (1)                   AI  activity interrupt (2)
//	26  AA  abort accept (1)            AIA activity interrupt ack (2)
//	29  AR  activity resume (2)
//	33  TD  typed data (1)
//	34  RA  resynchronize ack (2)
//	41  MAP major sync point (2)        AE  activity end (2)
//	42  MAA major sync ack (2)          AEA activity end ack (2)
//	45  AS  activity start (2)
//	48  ED  exception data (2)
//	49  MIP minor sync point (2)
//	50  MIA minor sync ack (2)
//	53  RS  resynchronize (2)
//	57  AD  activity discard (2)
//	58  ADA activity discard ack (2)
//	61  CD  capability data (2)
//	62  CDA capability data ack (2)
//
// Where two SPDUs share an SI they are told apart as follows:
//
//   - GT/DT, AB/AI, AA/AIA: by position (§6.3.7). The first SPDU of a TSDU
//     is of category 0 or 1 (GT, AB, AA); an SPDU that follows a category 0
//     SPDU is of category 2 (DT, AI, AIA). A category 2 SPDU never starts a
//     TSDU: it is always preceded by a GT or PT, empty if no token moves.
//   - MAP/AE: by the Sync Type Item (PI 15). A MAP carries it with bit 1
//     ("activity not ended", ISODE's MAP_SYNC_NOEND); an SPDU 41 without it,
//     or with that bit clear, is an AE. This is how ISODE tells them apart;
//     tshark labels both "MAJOR SYNC POINT". PP closes the activity of an
//     RTSE transfer with such an SPDU 41 (serial number only): an AE.
//     Without the activity management functional unit there is no AE: the
//     association layer then takes a KindAE as a MAP.
//   - MAA/AEA: identical bytes. The codec decodes both as KindMAA; an MAA
//     that answers an AE is the AEA, which only the association state knows.
//
// # Concatenation (§6.3.7)
//
// Basic concatenation: a category 1 SPDU alone, or a category 0 SPDU (GT,
// PT) alone or followed by one category 2 SPDU. Extended concatenation (when
// both sides set the Protocol Options bit): further category 2 and category
// 1 SPDUs may follow. DecodeTSDU accepts both (at most MaxSPDUs per TSDU);
// the association layer checks that extended concatenation was agreed
// before it accepts more than two SPDUs in a TSDU. An SPDU with a user
// information field (DT, EX, TD) is always the last of its TSDU.
//
// # Connect data overflow (X.225 §7.1 to §7.3, version 2)
//
// SS-user data of a CN beyond MaxCNExtendedUserData octets is sent as
// follows (see MaxCNExtendedUserData): a CN proposing version 2 only, with
// Data Overflow (PI 60, DataOverflowMore) and the first 10240 octets in
// its Extended User Data (PGI 194); an OA (SI 16: Version Number PI 22,
// and TSDU Maximum Size PI 21 when the CN proposed one, as single PIs, not
// in a Connect/Accept Item) from the responder; then CDO SPDUs (SI 15),
// each alone in its TSDU, with an Enclosure Item (PI 25: 0, and
// EnclosureEnd on the last) and User Data (PGI 193); then the AC, RF or
// AB. The codec encodes and decodes each of these parameters; the order
// of the exchange and its bounds are the association layer's.
//
// # Errors
//
// Every decoding error is an *Error naming the SPDU, the parameter and the
// byte offset in the TSDU, with the Transport Disconnect flags of the AB
// SPDU the peer should receive (§8.3.9: protocol error, or implementation
// restriction when a bound of this package is passed); Error.Abort builds
// that AB.
package session
