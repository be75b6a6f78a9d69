package policy

import (
	"crypto/tls"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"mixerd/mixer"
	"mixerd/osi"
	"mixerd/osi/rtse"
	"mixerd/x400"
)

// Policy is a loaded policy file. Every field is filled in: what the file
// leaves out has the default documented on the field. It is read-only
// once returned by Load.
type Policy struct {
	// File is the path the policy was loaded from; Dir the directory that
	// relative paths in it (tables, TLS files, spool, audit) are relative
	// to, already applied to the fields below.
	File, Dir string

	Gateway Gateway
	// P1Listeners are the p1_listener blocks, in file order (none: the
	// gateway accepts no X.400 association).
	P1Listeners []P1Listener
	// SMTPListeners are the smtp_listener blocks, in file order.
	SMTPListeners []SMTPListener
	// Admin is the admin_listener block; nil when absent (no admin
	// interface).
	Admin *AdminListener
	// Peers are the x400_peer blocks and Relays the smtp_relay blocks,
	// in file order; names are unique across both.
	Peers  []*Peer
	Relays []*Relay
	// SMTPUsers are the smtp_user blocks: the accounts that may AUTH on a
	// submission listener (RFC 4954), name -> password as the policy
	// keeps it, a PBKDF2 hash or the password itself (CheckPassword).
	SMTPUsers map[string]string
	Routing   Routing
	Tables    Tables
	// Precedence is the precedence model; the built-in one
	// (DefaultPrecedence) when the file has no precedence block.
	Precedence Precedence
	Limits     Limits
	Queue      Queue
	Audit      Audit

	peers  map[string]*Peer
	relays map[string]*Relay
}

// Gateway is the gateway's identity in both worlds.
type Gateway struct {
	// MTAName and Password are the gateway's MTAName and simple
	// credentials in the MTA bind (X.411 §12.1.1.1.1), and its name in
	// trace (mta_name, password: required).
	MTAName, Password string
	// GDI is the global domain identifier of the gateway's management
	// domain (X.411 §12.2.1.1.1.9), written as an RFC 2156 §5.3.3.2
	// global-id: "/C=GB/ADMD= /PRMD=MOD/" (global_domain: required). An
	// ADMD left out is the single space.
	GDI x400.GlobalDomainIdentifier
	// ORAddress is the gateway's own O/R address (RFC 2156 §4.3.2), in
	// RFC 2156 §4.1 text (or_address: required).
	ORAddress x400.ORAddress
	// Domain is the gateway's RFC 822 domain (RFC 2156 §4.3.1; domain:
	// required).
	Domain string
	// SMTPHostname is the name in EHLO and in the SMTP greeting
	// (smtp_hostname; default Domain).
	SMTPHostname string
}

// P1Listener is a p1_listener block: where P1 associations are answered
// (X.411 §12, over RFC 1006 transport).
type P1Listener struct {
	Name    string // the block's label
	Address string // host:port (address: required)
	// Modes are the P1 modes accepted: "1988" (normal mode), "x410"
	// (1988 in X.410-1984 mode), "1984" (modes; default all three).
	Modes []osi.Mode
	// DialogueModes are the RTSE dialogue modes accepted: "monologue",
	// "twa" (dialogue_modes; default both).
	DialogueModes []rtse.DialogueMode
	// RecoveryTimeout is how long an association whose connection is lost
	// waits for its initiator to recover it (X.228 §7.4; recovery_timeout;
	// default "0s": recovery off).
	RecoveryTimeout time.Duration
	// IdleTimeout releases an association idle that long
	// (idle_timeout; default "30m").
	IdleTimeout time.Duration
	// MaxAssociations is the most associations served at once; over it a
	// bind is refused with busy (max_associations; default
	// limits.p1_associations).
	MaxAssociations int
	// AcceptAny accepts an MTA that is not an x400_peer, unauthenticated
	// (accept_any; default false). A listed peer must still give its
	// password.
	AcceptAny bool
}

// StartTLS is whether a listener offers STARTTLS (RFC 3207) and whether a
// client must use it before MAIL.
type StartTLS uint8

// The STARTTLS settings of a listener (starttls).
const (
	StartTLSOff      StartTLS = iota // "off": not offered
	StartTLSOptional                 // "optional": offered (needs tls_cert and tls_key)
	StartTLSRequired                 // "required": MAIL refused before STARTTLS (530 5.7.0)
)

func (s StartTLS) String() string {
	return [...]string{"off", "optional", "required"}[s]
}

// SMTPListener is an smtp_listener block.
type SMTPListener struct {
	Name    string // the block's label
	Address string // host:port (address: required)
	// TLSCert and TLSKey are the PEM files (tls_cert, tls_key; both or
	// neither), relative to the policy file; Certificate is the pair
	// loaded (nil without them).
	TLSCert, TLSKey string
	Certificate     *tls.Certificate
	// StartTLS (starttls: "off", "optional", "required"; default
	// "optional" with a certificate, "off" without).
	StartTLS StartTLS
	// Submission makes it a submission listener (RFC 6409): every client
	// must AUTH (RFC 4954, an smtp_user) before MAIL, and an
	// authenticated client may relay anywhere and raise MT-PRIORITY
	// (submission; default false). AUTH is offered only after STARTTLS
	// unless the client is in TrustedNetworks.
	Submission bool
	// TrustedNetworks are the client networks that may relay to any
	// domain and raise MT-PRIORITY (RFC 6710 §5: a raised priority from
	// anyone else is lowered); the others may only send to
	// Routing.LocalDomains (trusted_networks: CIDRs; default none).
	TrustedNetworks []netip.Prefix
	// DelayedAckMax is how long the reply to DATA may be held until the
	// next hop has accepted the message; past it the reply is given from
	// the durable spool (delayed_ack_max; default "0s": reply once
	// durable).
	DelayedAckMax time.Duration
	// MaxConnections is the most SMTP sessions at once on this listener
	// (max_connections; default limits.smtp_connections).
	MaxConnections int
}

// Trusted reports whether ip is in one of l's trusted networks.
func (l *SMTPListener) Trusted(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range l.TrustedNetworks {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// AdminListener is the admin_listener block: the operators' HTTP
// interface (queue, metrics, health).
type AdminListener struct {
	Address string // host:port (address: required)
	// TokenFile (token_file) holds the bearer token that every request
	// but /health must carry (at least 16 characters); Token is its
	// content. Without one the address must be loopback.
	TokenFile, Token string
}

// Peer is an x400_peer block: an MTA that may bind to us and that we
// send to (X.411 §12.1.1).
type Peer struct {
	Name string // the block's label: the peer's MTAName
	// Password is the peer's credentials: what it must send when it
	// binds to us and what its bind result must carry when we bind to it
	// (password: required).
	Password string
	// BindPassword is ours when we bind to it (bind_password; default
	// gateway.password).
	BindPassword string
	// Address is where we dial it, host:port (address: required).
	Address string
	// AcceptFrom, when valid, is the network its binds must come from
	// (accept_from: an address or CIDR; default anywhere).
	AcceptFrom netip.Prefix
	// TSelector, SSelector and PSelector are its transport, session and
	// presentation selectors (t_selector, s_selector, p_selector: text,
	// or hexadecimal after "0x"; default absent).
	TSelector, SSelector, PSelector []byte
	// Mode is the P1 mode we dial in (mode: "1988", "x410", "1984";
	// default "1988").
	Mode osi.Mode
	// DialogueMode is the RTSE dialogue mode we propose (dialogue_mode:
	// "monologue" or "twa"; default "monologue").
	DialogueMode rtse.DialogueMode
	// Permanent is how many associations are kept open at all times
	// (permanent; default 0: opened on demand).
	Permanent int
	// MaxAssociations is the most associations open to it at once
	// (max_associations; default 4).
	MaxAssociations int
	// RecoveryAttempts turns RTSE recovery on when we dial (X.228 §7.4;
	// recovery_attempts; default 0: off).
	RecoveryAttempts int
}

// ClientTLS is how an SMTP client uses STARTTLS with a relay.
type ClientTLS uint8

// The STARTTLS policies of a relay (starttls).
const (
	ClientTLSOpportunistic ClientTLS = iota // "opportunistic": when offered, certificate not verified
	ClientTLSRequired                       // "required": offered and verified, or the attempt fails
	ClientTLSOff                            // "off": never
)

func (c ClientTLS) String() string {
	return [...]string{"opportunistic", "required", "off"}[c]
}

// Relay is an smtp_relay block: a smarthost we send SMTP mail to.
type Relay struct {
	Name    string // the block's label
	Address string // host:port (address: required)
	// StartTLS (starttls; default "opportunistic").
	StartTLS ClientTLS
	// Username and Password are for AUTH PLAIN or LOGIN (RFC 4954), only over TLS
	// (auth_username, auth_password: both or neither; default no AUTH).
	Username, Password string
}

// Routing is the routing block.
type Routing struct {
	// LocalDomains are the domains accepted from any SMTP client: those
	// the gateway delivers into X.400 (RFC 2156 §4.3.4). Mail to any
	// other domain is relayed only for trusted or authenticated clients:
	// never an open relay. "*.example.mil" is every subdomain of
	// example.mil (local_domains; default [gateway.domain]).
	LocalDomains []string
	// MX enables delivery by MX lookup (RFC 5321 §5.1) to the next hop
	// named "mx" (mx_delivery; default false).
	MX bool
	// Routes are the route blocks, in file order.
	Routes []Route
	// X400Default is the next hop of an O/R address no route matches,
	// SMTPDefault that of a domain no route matches (x400_default,
	// smtp_default: a peer or relay name, or "mx"; default none: no
	// route, a non-delivery report).
	X400Default, SMTPDefault *NextHop
}

// Route is a route block: an O/R address pattern or a domain, and its
// next hop.
type Route struct {
	// ORPattern is an O/R address prefix in RFC 2156 §4.1 text, of C,
	// ADMD, PRMD, O and OU attributes (or_address); an address matches
	// when it has each of them with the same value (case-insensitive), its
	// OUs beginning with the pattern's. Nil for a domain route.
	ORPattern *x400.ORAddress
	// Domain is a domain, or "*.domain" for its subdomains (domain);
	// "" for an O/R address route. A route has exactly one of the two.
	Domain string
	// Via is the next hop (via: a peer or relay name, or "mx").
	Via NextHop
}

// HopKind says what a next hop is.
type HopKind uint8

// The kinds of next hop.
const (
	HopPeer  HopKind = iota + 1 // an x400_peer
	HopRelay                    // an smtp_relay
	HopMX                       // SMTP by MX lookup
)

// NextHop is where a message goes next.
type NextHop struct {
	Kind  HopKind
	Name  string // the peer's or relay's name, "mx"
	Peer  *Peer  // for HopPeer
	Relay *Relay // for HopRelay
}

// Tables are the MIXER mapping tables (RFC 2156 Appendix F), each nil
// when not configured (tables block: domain_to_or, or_to_domain,
// domain_to_gateway, or_to_gateway, file paths relative to the policy
// file).
type Tables struct {
	DomainToOR, ORToDomain, DomainToGateway, ORToGateway *mixer.Table
}

// Precedence is the precedence model: the queue lanes and how messages
// are put in them.
type Precedence struct {
	// MTPriority is the RFC 6710 §9.2 priority assignment policy of the
	// SMTP side (mt_priority_policy: "STANAG4406" (Appendix A) or "MIXER"
	// (Appendix B); default "STANAG4406").
	MTPriority mixer.MTPriorityPolicy
	// Civil places civil (X.411 priority) messages in lanes (civil block:
	// non_urgent, normal, urgent; default x400.DefaultPriorityMap).
	Civil x400.PriorityMap
	// Lanes are the six lanes, indexed by precedence
	// (x400.PrecedenceDeferred .. x400.PrecedenceOverride).
	Lanes [6]Lane
}

// Lane returns the lane of precedence p: a national precedence above
// OVERRIDE goes in the OVERRIDE lane, an invalid negative one in DEFERRED.
func (m *Precedence) Lane(p x400.Precedence) *Lane {
	switch {
	case p < 0:
		p = x400.PrecedenceDeferred
	case p > x400.PrecedenceOverride:
		p = x400.PrecedenceOverride
	}
	return &m.Lanes[p]
}

// Lane is a lane block: the queue of one precedence.
type Lane struct {
	Precedence x400.Precedence
	// Retry is the delays between delivery attempts after a transient
	// failure; the last repeats until MaxAge (retry: required, durations).
	Retry []time.Duration
	// MaxAge is how long a message may stay queued before a
	// non-delivery report (max_age: required).
	MaxAge time.Duration
	// Workers and Connections are the delivery workers and the
	// associations/connections per next hop kept for this lane: lower
	// lanes never use them (workers, connections; default 0).
	Workers, Connections int
	// DeliveryAckTimeout and ReadAckTimeout are how long after a message
	// leaves a delivery report and a receipt notification it asked for
	// will be awaited before operators are alerted (delivery_ack_timeout,
	// read_ack_timeout: required; nothing acts on them yet).
	DeliveryAckTimeout, ReadAckTimeout time.Duration
}

// Limits bound what peers may send (limits block).
type Limits struct {
	// MessageSize is the largest message accepted, in octets (SMTP SIZE,
	// RFC 1870; the P1 content) (message_size: "64MiB", "10MB", "1048576";
	// default 64 MiB).
	MessageSize int64
	// SMTPConnections and P1Associations are the default connection
	// limits of the listeners (smtp_connections default 200,
	// p1_associations default 64).
	SMTPConnections, P1Associations int
	// LineLength is the longest SMTP text line accepted, CRLF included
	// (RFC 5321 §4.5.3.1.6: at least 1000; line_length; default 1000).
	LineLength int
	// PDUSize is the largest P1 PDU accepted, in octets, at least
	// MessageSize (pdu_size; default 80 MiB).
	PDUSize int64
}

// Queue is the queue block.
type Queue struct {
	// Directory is the spool (directory; default "spool", relative to the
	// policy file).
	Directory string
	// Workers is the number of delivery workers, of which the lanes'
	// reserved ones are a part (workers; default 16).
	Workers int
}

// Audit is the audit block: the local audit log (package audit) and the
// audit database it will feed (no loader yet): at most one of embedded (a
// database file path, relative to the policy file) and postgres (a DSN);
// default embedded "audit.db".
type Audit struct {
	Embedded string
	Postgres string
	// LogDirectory holds the local audit log (log_directory; default
	// "audit-log", relative to the policy file): one JSON record per line,
	// docs/AUDIT.md.
	LogDirectory string
	// RotateSize and RotateAge start a new log file (rotate_size,
	// default 64MiB; rotate_age, default 24h).
	RotateSize int64
	RotateAge  time.Duration
	// Keep removes rotated log files older than this (keep; default 0:
	// keep them all, for the database loader and mixerd track).
	Keep time.Duration
	// CorrelationWindow is how long a departed message's correlation
	// keys are kept for the acknowledgements that come back
	// (correlation_window; default 30 days): rebuilt from the log at
	// start-up.
	CorrelationWindow time.Duration
}

// PeerByName returns the peer named name, nil if none.
func (p *Policy) PeerByName(name string) *Peer { return p.peers[name] }

// RelayByName returns the relay named name, nil if none.
func (p *Policy) RelayByName(name string) *Relay { return p.relays[name] }

// MixerGateway builds the mixer.Gateway of the policy: identity, tables
// and MT-PRIORITY policy (RFC 2156 §4.3, RFC 6710 §9.2). The tables were
// loaded by Load; it does no I/O.
func (p *Policy) MixerGateway() (*mixer.Gateway, error) {
	if p.Gateway.Domain == "" || p.Gateway.MTAName == "" {
		return nil, fmt.Errorf("policy: %s: no gateway identity", p.File)
	}
	return &mixer.Gateway{
		Domain:          p.Gateway.Domain,
		ORAddress:       p.Gateway.ORAddress,
		DomainToOR:      p.Tables.DomainToOR,
		ORToDomain:      p.Tables.ORToDomain,
		DomainToGateway: p.Tables.DomainToGateway,
		ORToGateway:     p.Tables.ORToGateway,
		GDI:             p.Gateway.GDI,
		MTAName:         p.Gateway.MTAName,
		Priority:        p.Precedence.MTPriority,
	}, nil
}

// Summary is a one-line description of the policy, for logs and
// "mixerd config test".
func (p *Policy) Summary() string {
	var tables []string
	for _, t := range []*mixer.Table{p.Tables.DomainToOR, p.Tables.ORToDomain, p.Tables.DomainToGateway, p.Tables.ORToGateway} {
		if t != nil {
			tables = append(tables, fmt.Sprintf("%d", len(t.Entries)))
		}
	}
	ts := "no tables"
	if len(tables) > 0 {
		ts = "table entries " + strings.Join(tables, "+")
	}
	audit := "embedded audit"
	if p.Audit.Postgres != "" {
		audit = "postgres audit"
	}
	return fmt.Sprintf("gateway %s (%s), %d p1 and %d smtp listeners, %d peers, %d relays, %d routes, %s, MT-PRIORITY %s, %s",
		p.Gateway.MTAName, p.Gateway.Domain, len(p.P1Listeners), len(p.SMTPListeners), len(p.Peers), len(p.Relays),
		len(p.Routing.Routes), ts, p.Precedence.MTPriority, audit)
}
