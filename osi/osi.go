// Package osi runs the OSI upper layers over TCP for X.400 P1 and P3: the
// RFC 1006 transport (ISO 8073 / X.224 class 0), the ISO 8327 / X.225
// session, the ISO 8823 / X.226 presentation, ACSE (X.227), RTSE (X.228)
// and the ROS bind and data transfer of X.880 / X.881, association
// establishment and release, as an initiator (Dial) and as a responder
// (Listen, Accept). P1 (id-ac-mts-transfer, the default) runs in two
// modes:
//
//   - 1988 normal mode (X.410-1984 mode is X.228 §7's name for the other):
//     presentation normal mode with the contexts ACSE 2.2.1.0.1 (1),
//     id-as-mta-rtse 2.6.0.2.12 (3) and id-as-mtse 2.6.0.2.7 (5), all BER
//     2.1.1, as PP proposes them; ACSE AARQ/AARE with the application context
//     id-ac-mts-transfer 2.6.0.1.6 whose user information is the RTSE
//     RTORQ/RTOAC/RTORJ; the bind argument and result inside the ROS
//     bind-invoke [16] / bind-result [17] / bind-error [18] (X.880 §9.1), as
//     PP sends them.
//   - X.410-1984 mode (Mode1988X410 and Mode1984): no ACSE; the CP-type and
//     CPA-PPDU in x410-1984-mode carry the RTORQ/RTOAC as their
//     x410-mode-parameters (X.226 §8.2), the CPR-PPDU the RTORJ, and the
//     bind argument and result are bare, as PP's loop88x410 and loop84
//     captures show. Release is session FN/DN without user data.
//
// Other application contexts (AppContext, DialConfig.Application,
// ListenConfig.Applications; X.419's P3 contexts are MTSAccess88 ...
// MTSForcedReliableAccess94) run in normal mode with their own name and
// abstract syntaxes (ACSE 1, then 3, 5, 7, ...; a listener accepts those
// of the context the AARQ names, rejects the other contexts, and rejects
// an AARQ of a context it does not serve with
// application-context-name-not-supported). With RTSE (the reliable
// access contexts) everything is as for P1: the ROS bind-invoke in the
// RTORQ, RT-TRANSFER of each APDU, whose presentation context TransferIn
// names and Received.Context reports. Without RTSE (mts-access,
// mts-forced-access: ROS over presentation, X.881 §9.1; ros.go) the ROS
// bind-invoke [16], bind-result [17] or bind-error [18] is the AARQ's or
// AARE's user information itself, the session runs in duplex with no
// token, and each ROS PDU is a P-DATA (SendData, ReceiveData: a GT+DT
// whose TD-PPDU holds one PDV of the operation's context, at most
// Limits.MaxAPDU octets) which either side sends when it likes; the
// initiator releases (RLRQ/RLRE over FN/DN), and an abort is an ABRT
// from the service user. Incoming reports the context named, the
// contexts proposed and accepted, whether RTSE is used and the bind
// argument. The ROS PDUs themselves are the caller's (osi/rose).
//
// The PDUs are encoded and decoded by the codecs of the subpackages
// (transport, session, presentation, acse, rtse, rose); this package holds
// the state. An Association is used by one goroutine at a time: every PDU
// is read in order in the goroutine that calls Close, Transfer or Receive
// (there is no goroutine per PDU and no background reader). Every read and
// write has a deadline (the earlier of the context's and the configured
// timeout, set by one helper, conn.deadline); every TPKT length, TSDU size
// and segment count is bounded by Limits. A PDU that cannot be decoded, or
// that is not allowed in the current state, is answered with the abort of its
// layer carrying the reason the codec gives (X.224 ER, X.225 AB, X.226 ARP,
// X.227 ABRT, X.228 RTAB), and a log line naming the peer, the layer and the
// cause.
//
// Transfer (RT-TRANSFER, X.228 §7.3) works in every mode (Transfer,
// ReceiveTransfer / Receive): an activity per APDU, minor synchronization
// points every checkpoint (the receiver acknowledges them as they come,
// the sender waits when its window is full), the activity end
// acknowledged only when the receiver confirms (Received.Confirm). In
// normal mode each S-DATA is a TD-PPDU with an RTTR holding a piece of
// the EXTERNAL of the APDU; in X.410-1984 mode it is a piece of the APDU
// itself, as ISODE's RTS (and PP) sends it. The sender builds each TSDU in
// a reused buffer and the receiver sizes its APDU buffer once from the
// length the first piece announces, so a transfer allocates about one copy
// of the APDU (the receiver's, handed to the caller). A receiver refuses
// an APDU without ending the association (Received.Refuse, and an APDU
// above Limits.MaxAPDU): an S-U-EXCEPTION-REPORT (ED), which the sender
// answers with an S-ACTIVITY-INTERRUPT (reason "receiving ability
// jeopardized") or S-ACTIVITY-DISCARD and its acknowledgement; the
// sender's Transfer returns a *TransferRefusedError. In two-way alternate
// dialogue mode the turn moves (X.228 §7.4, §7.5): GiveTurn
// (S-CONTROL-GIVE, GTC/GTA), PleaseTurn (S-TOKEN-PLEASE of the data token
// with the RTTP), ErrTurnGiven and ErrTurnRequested from ReceiveTransfer,
// TurnRequested; Close takes the turn back for the initiator's release.
// In monologue the turn stays with the initiator. A listener agrees to the
// initiator's checkpoint size up to 64 KiB unless ListenConfig says less.
//
// RTSE recovery (X.228 §7.8, recover.go; off unless DialConfig.Recovery
// and ListenConfig.Recovery turn it on): when the connection under an
// association is lost in the middle of a transfer (EOF, reset, timeout,
// transport disconnect; not an abort), the initiator dials again with the
// same DialConfig and an RTORQ whose connectionDataRQ is recover (the
// SessionConnectionIdentifier of the connection lost, no bind), the
// listener hands that connection to the association it names (matched by
// identifier and the initiator's IP address; never to Accept; an unknown
// one is refused with an RTORJ), which answers with connectionDataAC
// recover; the sender then resumes the activity (S-ACTIVITY-RESUME, the
// AR of X.225 §8.3.30 with its Linking Information) from the last minor
// sync point the receiver acknowledged, and the receiver completes it, or,
// if it had already confirmed it, acknowledges its end again without
// returning the APDU twice. The Association value stays the same. Only
// transfers from the initiator to the responder are recovered, as only
// the initiator re-establishes (X.228 §7.8). A peer that cannot recover
// (PP refuses the recovering connection) leaves the transfer failed as
// without recovery.
//
// Connect data overflow (X.225 §7.1 to §7.3, session version 2,
// overflow.go): a CP (the bind, with strong credentials or a security
// context) over the 10240 octets of a CN's Extended User Data goes as a CN
// proposing version 2 alone with Data Overflow and the first 10240
// octets, then, once the responder's OVERFLOW ACCEPT (OA) came, CONNECT
// DATA OVERFLOW (CDO) SPDUs with the rest, each within the TSDU maximum
// size the OA gives, the last with the end of the SS-user data in its
// Enclosure Item. A listener answers such a CN with an OA and assembles
// the CDOs, up to Limits.MaxConnectData (default 256 KiB; over it the
// request is refused with an RF and a log line). A CP over 512 octets
// needs version 2 (a version 1 peer refuses it: a *RefusedError). The
// accepting direction has no overflow: a CPA over what an AC carries is
// refused (Accept returns why) rather than sent.
//
// Segmenting (X.225 §7.11, session version 2, overflow.go): Dial
// proposes DialConfig.TSDUMaxSize in the CN (0: none, as before); a
// listener with ListenConfig.TSDUMaxSize answers a CN that proposes sizes
// with the smaller of its own and the initiator's for what it receives
// and the initiator's for what it sends, and without it declines, as PP
// does (no PI 21 in the AC). Each side then sends every SSDU of an S-DATA
// over its direction's size in segments (GT+DT TSDUs with the Enclosure
// Item) and aborts a peer whose TSDU is over the size agreed for what it
// receives; segmented SSDUs are reassembled whenever a peer sends them,
// within Limits.MaxTSDU and Limits.MaxSegments.
//
// Not done yet: segmenting covers S-DATA only (RTSE sends nothing else
// that large); the other SPDUs cannot be segmented and go whole. The ROS
// unbind PDUs ([19] to [21] in the RLRQ/RLRE) are not sent: the release
// carries none, as X.411's MTS unbind has no argument; WaitIdle and the
// turn services are RTSE's. Without RTSE an association is still used by
// one goroutine at a time: the caller alternates SendData and ReceiveData
// (the peer's invokes come between its answers).
package osi

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"mixerd/ber"
	"mixerd/osi/acse"
	"mixerd/osi/rtse"
)

// Mode is the P1 mode of an association (X.411 §12.1, X.228 §7).
type Mode int

const (
	// Mode1988Normal is 1988 normal mode: presentation normal mode, ACSE
	// with id-ac-mts-transfer, RTSE normal mode.
	Mode1988Normal Mode = iota
	// Mode1988X410 is 1988 in X.410-1984 mode: no ACSE, RTORQ with
	// applicationProtocol mts-transfer-protocol (12).
	Mode1988X410
	// Mode1984 is a 1984 P1 association: X.410-1984 mode with
	// applicationProtocol mts-transfer-protocol-1984 (1).
	Mode1984
)

func (m Mode) String() string {
	switch m {
	case Mode1988Normal:
		return "1988-normal"
	case Mode1988X410:
		return "1988-x410"
	case Mode1984:
		return "1984"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// x410 reports whether m is an X.410-1984 mode (no ACSE).
func (m Mode) x410() bool { return m == Mode1988X410 || m == Mode1984 }

// Dialogue modes of RTSE (RTORQapdu dialogueMode).
const (
	Monologue       = rtse.Monologue
	TwoWayAlternate = rtse.TwoWayAlternate
)

// Object identifiers of the MHS application contexts and abstract
// syntaxes (X.419 Annex A, module MHSProtocolObjectIdentifiers: id-ac is
// 2.6.0.1, id-as 2.6.0.2).
var (
	IDAsMSSE     = ber.MustOID("2.6.0.2.1")  // id-as-msse: message submission operations (ROS)
	IDAsMDSE88   = ber.MustOID("2.6.0.2.2")  // id-as-mdse-88: message delivery operations, 1988
	IDAsMASE88   = ber.MustOID("2.6.0.2.6")  // id-as-mase-88: message administration operations, 1988
	IDAsMTSE     = ber.MustOID("2.6.0.2.7")  // id-as-mtse: the MTS-APDUs of P1
	IDAsMTSRTSE  = ber.MustOID("2.6.0.2.8")  // id-as-mts-rtse: RTSE-apdus with the MTS bind (P3 over RTSE)
	IDAsMTS      = ber.MustOID("2.6.0.2.11") // id-as-mts: the MTS bind and unbind (ROS bind PDUs, P3 without RTSE)
	IDAsMTARTSE  = ber.MustOID("2.6.0.2.12") // id-as-mta-rtse: RTSE-apdus with the MTA bind (P1)
	IDAsMDSE94   = ber.MustOID("2.6.0.2.14") // id-as-mdse-94: message delivery operations, 1994
	IDAsMASE94   = ber.MustOID("2.6.0.2.16") // id-as-mase-94: message administration operations, 1994
	oidMTARTSE   = IDAsMTARTSE
	oidMTSE      = IDAsMTSE
	p1Syntaxes   = []ber.OID{IDAsMTARTSE, IDAsMTSE}
	p3Syntaxes88 = []ber.OID{IDAsMTS, IDAsMSSE, IDAsMDSE88, IDAsMASE88}
	p3Syntaxes94 = []ber.OID{IDAsMTS, IDAsMSSE, IDAsMDSE94, IDAsMASE94}
	p3RTSE88     = []ber.OID{IDAsMTSRTSE, IDAsMSSE, IDAsMDSE88, IDAsMASE88}
	p3RTSE94     = []ber.OID{IDAsMTSRTSE, IDAsMSSE, IDAsMDSE94, IDAsMASE94}
)

// AppContext is the application context of a normal mode association
// (X.227 §7.1.4.1 application context name; X.880 §11 / X.881: how it
// is established and how its information is transferred): its name, the
// abstract syntaxes it uses besides ACSE's, the one of its bind, and
// whether it transfers by RTSE.
//
// With RTSE ("ESTABLISHED BY association-by-RTSE, INFORMATION TRANSFER
// BY transfer-by-RTSE", X.881 §9.2): the bind argument travels in a ROS
// bind-invoke [16] as the connectionDataRQ of the RTORQ in the AARQ (the
// result in the RTOAC, the error in the RTORJ), each APDU as an
// RT-TRANSFER (Transfer, TransferIn), in session half-duplex with the
// minor synchronize, activity management and exceptions functional
// units; this is P1's id-ac-mts-transfer and P3's reliable access
// contexts. Without RTSE ("ESTABLISHED BY acse, INFORMATION TRANSFER BY
// pData", X.881 §9.1): the ROS bind-invoke [16], bind-result [17] or
// bind-error [18] is itself the user information of the AARQ or AARE,
// in the presentation context of Bind, and each ROS PDU is a P-DATA
// (SendData, ReceiveData) in session duplex, with no token (ros.go);
// this is P3's mts-access and mts-forced-access contexts.
//
// The zero value stands for P1's id-ac-mts-transfer (MTSTransfer).
type AppContext struct {
	// Name is the application context name of the AARQ and AARE.
	Name ber.OID
	// AbstractSyntaxes are the abstract syntaxes of the presentation
	// contexts besides ACSE's: Dial proposes ACSE as context 1 and
	// these as 3, 5, 7, ... in this order, each with BER; a listener
	// accepts those of the context the AARQ names and rejects the
	// others (abstract-syntax-not-supported).
	AbstractSyntaxes []ber.OID
	// Bind is the abstract syntax of the bind, one of AbstractSyntaxes:
	// the RTSE APDUs' with RTSE (id-as-mta-rtse, id-as-mts-rtse), the
	// ROS bind PDUs' without (id-as-mts). Its context must be accepted.
	Bind ber.OID
	// RTSE is set when the context establishes and transfers by RTSE.
	RTSE bool
}

// The application contexts of X.419: P1 (X.419 §A.1, module
// MTSTransferProtocol) and the MTS access contexts of P3 (module
// MTSAccessProtocol): mts-access-88/94 and mts-forced-access-88/94 (the
// MTS-user or the MTS initiates) without RTSE, and their reliable
// variants with RTSE in normal mode.
var (
	MTSTransfer = AppContext{Name: acse.MTSTransfer, AbstractSyntaxes: p1Syntaxes, Bind: IDAsMTARTSE, RTSE: true}

	MTSAccess88               = AppContext{Name: ber.MustOID("2.6.0.1.0"), AbstractSyntaxes: p3Syntaxes88, Bind: IDAsMTS}
	MTSForcedAccess88         = AppContext{Name: ber.MustOID("2.6.0.1.1"), AbstractSyntaxes: p3Syntaxes88, Bind: IDAsMTS}
	MTSReliableAccess88       = AppContext{Name: ber.MustOID("2.6.0.1.2"), AbstractSyntaxes: p3RTSE88, Bind: IDAsMTSRTSE, RTSE: true}
	MTSForcedReliableAccess88 = AppContext{Name: ber.MustOID("2.6.0.1.3"), AbstractSyntaxes: p3RTSE88, Bind: IDAsMTSRTSE, RTSE: true}
	MTSAccess94               = AppContext{Name: ber.MustOID("2.6.0.1.7"), AbstractSyntaxes: p3Syntaxes94, Bind: IDAsMTS}
	MTSForcedAccess94         = AppContext{Name: ber.MustOID("2.6.0.1.8"), AbstractSyntaxes: p3Syntaxes94, Bind: IDAsMTS}
	MTSReliableAccess94       = AppContext{Name: ber.MustOID("2.6.0.1.9"), AbstractSyntaxes: p3RTSE94, Bind: IDAsMTSRTSE, RTSE: true}
	MTSForcedReliableAccess94 = AppContext{Name: ber.MustOID("2.6.0.1.10"), AbstractSyntaxes: p3RTSE94, Bind: IDAsMTSRTSE, RTSE: true}
)

// orP1 returns x, or MTSTransfer when x is the zero value.
func (x AppContext) orP1() AppContext {
	if x.Name == nil {
		return MTSTransfer
	}
	return x
}

// isP1 reports whether x is P1's id-ac-mts-transfer, all of whose
// contexts a CPA must accept.
func (x AppContext) isP1() bool { return x.Name.Equal(acse.MTSTransfer) }

// check reports what is wrong with x as a configured context.
func (x AppContext) check() error {
	if x.Name == nil {
		return nil
	}
	if len(x.AbstractSyntaxes) == 0 || len(x.AbstractSyntaxes) > 60 {
		return fmt.Errorf("osi: application context %v: %d abstract syntaxes (1 to 60)", x.Name, len(x.AbstractSyntaxes))
	}
	found := false
	for i, s := range x.AbstractSyntaxes {
		if s.Equal(acse.AbstractSyntax) {
			return fmt.Errorf("osi: application context %v: the ACSE abstract syntax is always proposed, not listed", x.Name)
		}
		for _, t := range x.AbstractSyntaxes[:i] {
			if s.Equal(t) {
				return fmt.Errorf("osi: application context %v: abstract syntax %v listed twice", x.Name, s)
			}
		}
		found = found || s.Equal(x.Bind)
	}
	if !found {
		return fmt.Errorf("osi: application context %v: bind abstract syntax %v is not one of its abstract syntaxes", x.Name, x.Bind)
	}
	return nil
}

// PresentationContext is a presentation context of an association: its
// identifier and abstract syntax (the transfer syntax is always BER).
type PresentationContext struct {
	ID             int
	AbstractSyntax ber.OID
}

// proposedContexts are the contexts Dial proposes, all of which a CPA
// must accept.
func proposedContexts() []PresentationContext {
	return append([]PresentationContext{{ctxACSE, acse.AbstractSyntax}}, contextsOf(MTSTransfer)...)
}

// contextsOf returns the presentation contexts Dial proposes for app's
// abstract syntaxes: 3, 5, 7, ... in order (ACSE's, 1, is not among them).
func contextsOf(app AppContext) []PresentationContext {
	pcs := make([]PresentationContext, len(app.AbstractSyntaxes))
	for i, as := range app.AbstractSyntaxes {
		pcs[i] = PresentationContext{ID: ctxACSE + 2*(i+1), AbstractSyntax: as}
	}
	return pcs
}

// PP's presentation context identifiers, used when we propose the contexts.
const (
	ctxACSE = 1
	ctxRTSE = 3
	ctxMTSE = 5
)

// Limits bounds what a peer can make us hold. Zero fields take the default.
type Limits struct {
	// MaxTPKT is the largest TPKT accepted, packet-header included
	// (default and maximum 65535, RFC 1006 §6).
	MaxTPKT int
	// MaxTSDU is the largest reassembled TSDU, the SPDUs of one
	// T-DATA, and the largest SSDU reassembled from session segments
	// (default MaxAPDU plus 64 KiB: without checkpointing, the whole
	// APDU travels in one TSDU).
	MaxTSDU int
	// MaxSegments is the most DT TPDUs in one TSDU, and the most session
	// segments of one SSDU (default enough for MaxTSDU in 128-octet
	// TPDUs, the smallest size).
	MaxSegments int
	// MaxAPDU is the largest APDU assembled from the RTTRs of one
	// transfer (default 64 MiB).
	MaxAPDU int
	// MaxConnectData is the largest SS-user data (the CP-type with the
	// bind argument) a listener assembles from a CN and the CONNECT DATA
	// OVERFLOW SPDUs that follow it (X.225 §7.3; default 256 KiB, at
	// least the 10240 octets a CN carries). A request over it is read to
	// its end, dropped and refused with an RF (reason: SPM
	// implementation restriction) and a log line.
	MaxConnectData int
}

func (l Limits) withDefaults() Limits {
	if l.MaxTPKT <= 0 || l.MaxTPKT > 65535 {
		l.MaxTPKT = 65535
	}
	if l.MaxAPDU <= 0 {
		l.MaxAPDU = 64 << 20
	}
	if l.MaxTSDU <= 0 {
		l.MaxTSDU = l.MaxAPDU + 64<<10
	}
	if l.MaxSegments <= 0 {
		l.MaxSegments = l.MaxTSDU/128 + 1
	}
	if l.MaxConnectData <= 0 {
		l.MaxConnectData = defaultMaxConnectData
	}
	l.MaxConnectData = max(l.MaxConnectData, maxCNUserData)
	return l
}

// Timeouts bounds every wait. Zero fields take the default. A context
// deadline earlier than the timeout wins.
type Timeouts struct {
	Connect time.Duration // TCP connect and the whole establishment (default 30 s)
	Read    time.Duration // each read of a TPKT (default 60 s)
	Write   time.Duration // each write (default 30 s)
	Release time.Duration // waiting for the peer's side of a release or a disconnect (default 10 s)
	// Idle bounds the wait of ReceiveTransfer for the peer's next
	// transfer (or release, or turn please) between transfers (default
	// 30 min). When it passes the connection is closed and
	// ReceiveTransfer returns ErrIdleTimeout. Only the initiator may
	// release an association (X.228 §7.2): a responder that never hears
	// from it again ends it this way.
	Idle time.Duration
}

func (t Timeouts) withDefaults() Timeouts {
	if t.Connect <= 0 {
		t.Connect = 30 * time.Second
	}
	if t.Read <= 0 {
		t.Read = 60 * time.Second
	}
	if t.Write <= 0 {
		t.Write = 30 * time.Second
	}
	if t.Release <= 0 {
		t.Release = 10 * time.Second
	}
	if t.Idle <= 0 {
		t.Idle = 30 * time.Minute
	}
	return t
}

// DialConfig is what Dial needs to open an association.
type DialConfig struct {
	Address string // host:port of the peer (IPv4 or IPv6)
	// SourceIP is the local address to dial from (a peer MTA may accept
	// us only from a known address); the zero value lets the system
	// choose.
	SourceIP netip.Addr

	CalledTSAP, CallingTSAP []byte // transport selectors (CR parameters 0xC2, 0xC1); nil: absent
	CalledSSAP, CallingSSAP []byte // session selectors (CN PIs 52, 51); nil: absent
	CalledPSAP, CallingPSAP []byte // presentation selectors (CP, normal mode only); nil: absent

	Mode         Mode
	DialogueMode rtse.DialogueMode

	// Application is the application context proposed in normal mode
	// (Mode1988Normal): its name in the AARQ, its abstract syntaxes as
	// the presentation contexts, whether RTSE carries the bind and the
	// data (see AppContext). The zero value is P1's id-ac-mts-transfer,
	// as PP proposes it. Without RTSE, DialogueMode, CheckpointSize,
	// WindowSize and Recovery do not apply.
	Application AppContext

	// CheckpointSize is the RTSE checkpoint size proposed, in units of
	// 1024 octets (0: no checkpointing; PP proposes 63).
	CheckpointSize int
	// WindowSize is the RTSE window size proposed (0: the default, 3).
	WindowSize int
	// TPDUSize is the maximum TPDU size proposed in the CR, a power of
	// two from 128 to 8192 (0: 2048, as PP).
	TPDUSize int
	// TSDUMaxSize is the session TSDU maximum size proposed in the CN
	// for both directions (X.225 §8.3.1 PI 21; segmenting, version 2;
	// 128 to 65535, 0: none proposed, as today). What the AC answers is
	// what each side sends: SSDUs over it go in segments (overflow.go).
	TSDUMaxSize int

	// Recovery turns RTSE recovery on (Attempts > 0): a transfer whose
	// connection is lost re-establishes it and resumes (see
	// RecoveryConfig). Off by default.
	Recovery RecoveryConfig

	Limits   Limits
	Timeouts Timeouts
	Logger   *slog.Logger // nil: slog.Default()
}

// ListenConfig is what a Listener needs to answer associations.
type ListenConfig struct {
	// TPDUSize is the largest TPDU size accepted in a CR (0: 8192).
	TPDUSize int
	// TSDUMaxSize is the largest session TSDU we receive when the
	// initiator proposes segmenting (X.225 §8.3.1 PI 21, version 2; 128
	// to 65535): the AC (and the OA of a connect data overflow) answers
	// with the smaller of it and the initiator's size for what we
	// receive, and the initiator's for what we send, which we then
	// honour. 0: segmenting declined (the AC has no PI 21, as PP's);
	// SSDUs go whole both ways.
	TSDUMaxSize int
	// CheckpointSize and WindowSize are the largest RTSE checkpoint (in
	// KiB) and window sizes accepted; the RTOAC answers with the smaller
	// of these and the initiator's (0: 64 and 3, so that PP's proposal of
	// 63 is taken; PP itself answers 1, which ListenConfig{CheckpointSize:
	// 1} reproduces).
	CheckpointSize int
	WindowSize     int
	// Applications are the application contexts accepted in normal
	// mode (nil: MTSTransfer alone, P1). An AARQ naming another is
	// rejected with the ACSE diagnostic
	// application-context-name-not-supported; the presentation
	// contexts whose abstract syntax the named one does not list are
	// rejected (abstract-syntax-not-supported). The session functional
	// units must suit it: half-duplex with RTSE, duplex without.
	Applications []AppContext
	// MaxHandshakes is the most association requests being read (CR ...
	// RTORQ) or waiting for Accept at a time; a TCP connection beyond it
	// is closed at once with a log line (0: 64).
	MaxHandshakes int
	// Recovery turns RTSE recovery on (Timeout > 0): an association whose
	// connection is lost waits that long for its initiator to recover it
	// (see RecoveryConfig). Off by default.
	Recovery RecoveryConfig

	Limits   Limits
	Timeouts Timeouts
	Logger   *slog.Logger // nil: slog.Default()
}

// deadline returns the earlier of ctx's deadline and now+d.
func deadline(ctx context.Context, d time.Duration) time.Time {
	t := time.Now().Add(d)
	if cd, ok := ctx.Deadline(); ok && cd.Before(t) {
		return cd
	}
	return t
}
