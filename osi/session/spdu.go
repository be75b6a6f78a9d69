package session

import "strconv"

// Kind names an SPDU type, X.225 §8.3. Two kinds may share an SI (see the
// package doc): Kind tells them apart, SI gives the code on the wire.
type Kind uint8

// The SPDU kinds, X.225 §8.3.
const (
	KindUnknown Kind = iota
	KindCN           // CONNECT, §8.3.1, SI 13
	KindOA           // OVERFLOW ACCEPT, §8.3.2, SI 16
	KindCDO          // CONNECT DATA OVERFLOW, §8.3.3, SI 15
	KindAC           // ACCEPT, §8.3.4, SI 14
	KindRF           // REFUSE, §8.3.5, SI 12
	KindFN           // FINISH, §8.3.6, SI 9
	KindDN           // DISCONNECT, §8.3.7, SI 10
	KindNF           // NOT FINISHED, §8.3.8, SI 8
	KindAB           // ABORT, §8.3.9, SI 25, category 1
	KindAA           // ABORT ACCEPT, §8.3.10, SI 26, category 1
	KindDT           // DATA TRANSFER, §8.3.11, SI 1, category 2
	KindEX           // EXPEDITED, §8.3.12, SI 5
	KindTD           // TYPED DATA, §8.3.13, SI 33
	KindCD           // CAPABILITY DATA, §8.3.14, SI 61
	KindCDA          // CAPABILITY DATA ACK, §8.3.15, SI 62
	KindGT           // GIVE TOKENS, §8.3.16, SI 1, category 0
	KindPT           // PLEASE TOKENS, §8.3.17, SI 2, category 0
	KindGTC          // GIVE TOKENS CONFIRM, §8.3.18, SI 21
	KindGTA          // GIVE TOKENS ACK, §8.3.19, SI 22
	KindMIP          // MINOR SYNC POINT, §8.3.20, SI 49
	KindMIA          // MINOR SYNC ACK, §8.3.21, SI 50
	KindMAP          // MAJOR SYNC POINT, §8.3.22, SI 41 with Sync Type bit 1
	KindMAA          // MAJOR SYNC ACK, §8.3.23, SI 42 (also ACTIVITY END ACK, §8.3.36)
	KindRS           // RESYNCHRONIZE, §8.3.24, SI 53
	KindRA           // RESYNCHRONIZE ACK, §8.3.25, SI 34
	KindPR           // PREPARE, §8.3.26, SI 7
	KindER           // EXCEPTION REPORT, §8.3.27, SI 0
	KindED           // EXCEPTION DATA, §8.3.28, SI 48
	KindAS           // ACTIVITY START, §8.3.29, SI 45
	KindAR           // ACTIVITY RESUME, §8.3.30, SI 29
	KindAI           // ACTIVITY INTERRUPT, §8.3.31, SI 25, category 2
	KindAIA          // ACTIVITY INTERRUPT ACK, §8.3.32, SI 26, category 2
	KindAD           // ACTIVITY DISCARD, §8.3.33, SI 57
	KindADA          // ACTIVITY DISCARD ACK, §8.3.34, SI 58
	KindAE           // ACTIVITY END, §8.3.35, SI 41 without Sync Type bit 1
	kindCount
)

// Category of an SPDU for concatenation, X.225 §6.3.7.
type Category uint8

// The three categories.
const (
	Category0 Category = 0 // GT, PT: may be sent alone or before a category 2 SPDU
	Category1 Category = 1 // sent alone in basic concatenation
	Category2 Category = 2 // always after a category 0 SPDU
)

type kindInfo struct {
	name string
	si   byte
	cat  Category
	info bool // has a user information field after the parameters (§8.2)
}

var kinds = [kindCount]kindInfo{
	KindUnknown: {"unknown", 0xFF, Category1, false},
	KindCN:      {"CN", 13, Category1, false},
	KindOA:      {"OA", 16, Category1, false},
	KindCDO:     {"CDO", 15, Category1, false},
	KindAC:      {"AC", 14, Category1, false},
	KindRF:      {"RF", 12, Category1, false},
	KindFN:      {"FN", 9, Category1, false},
	KindDN:      {"DN", 10, Category1, false},
	KindNF:      {"NF", 8, Category1, false},
	KindAB:      {"AB", 25, Category1, false},
	KindAA:      {"AA", 26, Category1, false},
	KindDT:      {"DT", 1, Category2, true},
	KindEX:      {"EX", 5, Category1, true},
	KindTD:      {"TD", 33, Category1, true},
	KindCD:      {"CD", 61, Category2, false},
	KindCDA:     {"CDA", 62, Category2, false},
	KindGT:      {"GT", 1, Category0, false},
	KindPT:      {"PT", 2, Category0, false},
	KindGTC:     {"GTC", 21, Category1, false},
	KindGTA:     {"GTA", 22, Category1, false},
	KindMIP:     {"MIP", 49, Category2, false},
	KindMIA:     {"MIA", 50, Category2, false},
	KindMAP:     {"MAP", 41, Category2, false},
	KindMAA:     {"MAA", 42, Category2, false},
	KindRS:      {"RS", 53, Category2, false},
	KindRA:      {"RA", 34, Category2, false},
	KindPR:      {"PR", 7, Category1, false},
	KindER:      {"ER", 0, Category2, false},
	KindED:      {"ED", 48, Category2, false},
	KindAS:      {"AS", 45, Category2, false},
	KindAR:      {"AR", 29, Category2, false},
	KindAI:      {"AI", 25, Category2, false},
	KindAIA:     {"AIA", 26, Category2, false},
	KindAD:      {"AD", 57, Category2, false},
	KindADA:     {"ADA", 58, Category2, false},
	KindAE:      {"AE", 41, Category2, false},
}

// firstBySI and laterBySI map an SI to its kind, for the first SPDU of a TSDU (categories
// 0 and 1) and for the SPDUs after it (category 2, then category 1).
var firstBySI, laterBySI [256]Kind

func init() {
	for k := KindCN; k < kindCount; k++ {
		ki := kinds[k]
		switch ki.cat {
		case Category0, Category1:
			if k != KindAE {
				firstBySI[ki.si] = k
			}
		case Category2:
			if k != KindAE {
				laterBySI[ki.si] = k
			}
		}
	}
	// A category 1 SPDU may follow a category 2 one in extended
	// concatenation, where its SI does not clash with a category 2 one.
	for k := KindCN; k < kindCount; k++ {
		ki := kinds[k]
		if ki.cat == Category1 && laterBySI[ki.si] == KindUnknown {
			laterBySI[ki.si] = k
		}
	}
}

// String returns the abbreviation X.225 uses (CN, AC, DT, ...).
func (k Kind) String() string {
	if k < kindCount {
		return kinds[k].name
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// SI returns the SPDU identifier octet of k, X.225 §8.3 Table 11.
func (k Kind) SI() byte {
	if k < kindCount {
		return kinds[k].si
	}
	return 0xFF
}

// Category returns the concatenation category of k, X.225 §6.3.7.
func (k Kind) Category() Category {
	if k < kindCount {
		return kinds[k].cat
	}
	return Category1
}

// HasUserInfo reports whether k carries a user information field after its
// parameters, not counted in LI (DT, EX, TD; X.225 §8.2).
func (k Kind) HasUserInfo() bool { return k < kindCount && kinds[k].info }

// Opt is an optional parameter value: Ok reports whether the parameter is
// present.
type Opt[T any] struct {
	V  T
	Ok bool
}

// Some returns a present Opt.
func Some[T any](v T) Opt[T] { return Opt[T]{V: v, Ok: true} }

// FunctionalUnits is the Session User Requirements parameter (PI 20), X.225
// §8.3.1: one bit per functional unit.
type FunctionalUnits uint16

// The functional unit bits of PI 20.
const (
	FUHalfDuplex     FunctionalUnits = 0x0001
	FUDuplex         FunctionalUnits = 0x0002
	FUExpedited      FunctionalUnits = 0x0004
	FUMinorSync      FunctionalUnits = 0x0008
	FUMajorSync      FunctionalUnits = 0x0010
	FUResync         FunctionalUnits = 0x0020
	FUActivity       FunctionalUnits = 0x0040
	FUNegRelease     FunctionalUnits = 0x0080
	FUCapabilityData FunctionalUnits = 0x0100
	FUExceptions     FunctionalUnits = 0x0200
	FUTypedData      FunctionalUnits = 0x0400
	FUSymmetricSync  FunctionalUnits = 0x0800
	FUDataSeparation FunctionalUnits = 0x1000
)

// Tokens is a token bitmap as in the Token Item (PI 16) of GT and PT, X.225
// §8.3.16.
type Tokens uint8

// The token bits of PI 16.
const (
	TokenData    Tokens = 0x01
	TokenMinor   Tokens = 0x04
	TokenMajor   Tokens = 0x10 // major/activity token
	TokenRelease Tokens = 0x40
)

// TokenSetting is the Token Setting Item (PI 26) of the Connect/Accept Item,
// X.225 §8.3.1: two bits per token, release in bits 8-7, major/activity
// in 6-5, minor sync in 4-3, data in 2-1.
type TokenSetting uint8

// The values of each two-bit field of a TokenSetting.
const (
	TokenInitiator byte = 0 // initiator's side
	TokenResponder byte = 1 // responder's side
	TokenChoice    byte = 2 // called SS-user's choice (CN only)
)

// Data, Minor, Major and Release return the setting of each token.
func (t TokenSetting) Data() byte    { return byte(t) & 3 }
func (t TokenSetting) Minor() byte   { return byte(t) >> 2 & 3 }
func (t TokenSetting) Major() byte   { return byte(t) >> 4 & 3 }
func (t TokenSetting) Release() byte { return byte(t) >> 6 & 3 }

// MakeTokenSetting builds a TokenSetting from the four settings.
func MakeTokenSetting(data, minor, major, release byte) TokenSetting {
	return TokenSetting(data&3 | (minor&3)<<2 | (major&3)<<4 | (release&3)<<6)
}

// The bits of the Transport Disconnect parameter (PI 17), X.225 §8.3.6.
const (
	TDRelease                   byte = 0x01 // transport connection released (else kept)
	TDUserAbort                 byte = 0x02
	TDProtocolError             byte = 0x04
	TDNoReason                  byte = 0x08
	TDImplementationRestriction byte = 0x10
)

// The bits of the Protocol Options parameter (PI 19), X.225 §8.3.1.
const OptionExtendedConcatenation byte = 0x01

// The bits of the Version Number parameter (PI 22), X.225 §8.3.1.
const (
	Version1 byte = 0x01
	Version2 byte = 0x02
)

// SyncNoEnd is the bit of the Sync Type Item (PI 15) of a MAP that says the
// activity does not end: it tells MAP from AE (see the package doc).
const SyncNoEnd byte = 0x01

// The bits of the Enclosure Item (PI 25), X.225 §8.3.11 (version 2
// segmenting) and §8.3.3 (CDO: EnclosureEnd on the last CDO, never
// EnclosureBegin, the CN having begun the SS-user data).
const (
	EnclosureBegin byte = 0x01
	EnclosureEnd   byte = 0x02
)

// Sizes of the SS-user data of a CN, X.225 §8.3.1: at most MaxUserDataV1
// octets in the User Data PGI (193), the only one of version 1; at most
// MaxCNExtendedUserData in the Extended User Data PGI (194, version 2
// only). Beyond that (version 2 only) the CN carries the first
// MaxCNExtendedUserData octets with the Data Overflow parameter (PI 60)
// set to DataOverflowMore, the responder answers with an OVERFLOW ACCEPT
// (OA, §8.3.2: Version Number 2, and the TSDU Maximum Size when
// segmenting was proposed), and CONNECT DATA OVERFLOW SPDUs (CDO, §8.3.3)
// carry the rest in their User Data PGI, the last with EnclosureEnd in
// its Enclosure Item (PI 25).
const (
	MaxUserDataV1         = 512
	MaxCNExtendedUserData = 10240
)

// DataOverflowMore is the Data Overflow parameter (PI 60) of a CN whose
// SS-user data goes on in CDO SPDUs, X.225 §8.3.1.
const DataOverflowMore byte = 0x01

// Refuse reason codes (PI 50, first octet), X.225 §8.3.5.
const (
	RefuseUserNotSpecified  byte = 0
	RefuseUserCongestion    byte = 1
	RefuseUserData          byte = 2 // followed by SS-user data
	RefuseSelectorUnknown   byte = 128 + 1
	RefuseUserNotAttached   byte = 128 + 2
	RefuseSPMCongestion     byte = 128 + 3
	RefuseVersions          byte = 128 + 4
	RefuseSPMNotSpecified   byte = 128 + 5
	RefuseSPMImplementation byte = 128 + 6
)

// ConnectionID is the Connection Identifier PGI (1), X.225 §8.3.1. A nil
// field is absent; a non-nil empty one is present with length 0.
type ConnectionID struct {
	CalledRef     []byte // PI 9, called SS-user reference, at most 64 octets
	CallingRef    []byte // PI 10, calling SS-user reference, at most 64 octets
	CommonRef     []byte // PI 11, common reference, at most 64 octets; PP sends a BER UTCTime (0x17 ...) with a two- or three-digit year
	AdditionalRef []byte // PI 12, additional reference information, at most 4 octets
	Unknown       []Param
}

// LinkingInfo is the Linking Information PGI (33) of an ACTIVITY RESUME
// SPDU, X.225 §8.3.30: which activity, on which session connection, is
// resumed, and from which synchronization point. A nil slice field is
// absent; a non-nil empty one is present with length 0.
//
// The references name the session connection on which the activity was
// started or last interrupted (its Connection Identifier, §8.3.1: the
// called and calling SS-user references, the common reference and the
// additional reference information); OldActivityID is that activity's
// identifier and Serial the serial number of the synchronization point
// from which it resumes (§7.24: the next minor synchronization point is
// numbered Serial+1). X.225 makes OldActivityID and Serial mandatory in an
// AR; the codec decodes and writes them when present and leaves that check
// to the association layer. ISODE writes the units in this order.
type LinkingInfo struct {
	CalledRef     []byte      // PI 9, called SS-user reference, at most 64 octets
	CallingRef    []byte      // PI 10, calling SS-user reference, at most 64 octets
	CommonRef     []byte      // PI 11, common reference, at most 64 octets
	AdditionalRef []byte      // PI 12, additional reference information, at most 4 octets
	OldActivityID []byte      // PI 41, old activity identifier, at most 6 octets
	Serial        Opt[uint32] // PI 42, serial number, 0..999999 in ASCII digits
	Unknown       []Param
}

// TSDUMaxSize is the TSDU Maximum Size parameter (PI 21), X.225 §8.3.1:
// the largest TSDU each side accepts, 0 meaning no limit. X.225 and PP use
// 4 octets (two 2-octet values); an 8-octet form (two 4-octet values) is
// also accepted, and Wide records it so that it is written back alike.
type TSDUMaxSize struct {
	InitToResp uint32
	RespToInit uint32
	Wide       bool
}

// ConnectAcceptItem is the Connect/Accept Item PGI (5), X.225 §8.3.1.
type ConnectAcceptItem struct {
	ProtocolOptions Opt[byte]         // PI 19, OptionExtendedConcatenation
	TSDUMaxSize     Opt[TSDUMaxSize]  // PI 21
	Version         Opt[byte]         // PI 22, Version1 | Version2
	InitialSerial   Opt[uint32]       // PI 23, 0..999999
	TokenSetting    Opt[TokenSetting] // PI 26
	Unknown         []Param           // PIs 55..58 (second, upper limit, large serial numbers) and others
}

// Param is a PI or PGI unit this package does not decode, kept as it came
// (the decoder keeps them in ascending code order, the order they are written)
// (Value of a PGI holds its PI units).
type Param struct {
	Code  byte
	Value []byte
}

// SPDU is one session protocol data unit, X.225 §8.3. Which fields are
// present depends on Kind; the codec decodes every parameter it knows into
// its field whatever the kind, and writes back every present field.
type SPDU struct {
	Kind Kind

	ConnID       *ConnectionID        // PGI 1 (CN, AC, RF)
	ConnAccept   *ConnectAcceptItem   // PGI 5 (CN, AC)
	Linking      *LinkingInfo         // PGI 33 Linking Information (AR)
	SyncType     Opt[byte]            // PI 15 (MIP, MAP, RS: SyncNoEnd tells MAP from AE)
	Tokens       Opt[Tokens]          // PI 16 Token Item (GT, PT, AC, RS ...)
	Disconnect   Opt[byte]            // PI 17 Transport Disconnect (FN, RF, AB): TD* bits
	Requirements Opt[FunctionalUnits] // PI 20 Session User Requirements (CN, AC, RF)
	TSDUMaxSize  Opt[TSDUMaxSize]     // PI 21 outside PGI 5 (OA)
	Version      Opt[byte]            // PI 22 outside PGI 5 (RF, OA)
	PrepareType  Opt[byte]            // PI 24 (PR)
	Enclosure    Opt[byte]            // PI 25 Enclosure Item (version 2 segmenting; CDO)
	ResyncType   Opt[byte]            // PI 27 (RS)
	ActivityID   []byte               // PI 41 Activity Identifier (AS, AR), at most 6 octets; nil if absent
	Serial       Opt[uint32]          // PI 42 Serial Number, 0..999999 in ASCII digits
	Reflect      []byte               // PI 49 Reflect Parameter Values (AB); nil if absent
	Reason       Opt[byte]            // PI 50 Reason Code, first octet (RF, ER, AD, AI)
	ReasonData   []byte               // PI 50, octets after the reason (RF reason 2: SS-user data)
	CallingSSAP  []byte               // PI 51 Calling Session Selector, at most 16 octets; nil if absent
	CalledSSAP   []byte               // PI 52 Called Session Selector, at most 16 octets; nil if absent
	DataOverflow Opt[byte]            // PI 60 Data Overflow (CN): DataOverflowMore = more connect data in CDO SPDUs

	Unknown []Param // PIs and PGIs not decoded, written back in code order

	// UserData is the User Data PGI (193), or the Extended User Data PGI
	// (194, version 2, up to MaxCNExtendedUserData octets in CN) when
	// Extended is set; nil if absent. The codec bounds it only by the
	// 65535 octets of an SPDU's parameters; the association layer applies
	// the limits of X.225.
	UserData []byte
	Extended bool

	// Info is the user information field of DT, EX and TD (X.225 §8.2):
	// the octets after the parameters, to the end of the TSDU.
	Info []byte
}
