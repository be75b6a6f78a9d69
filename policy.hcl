# mixerd policy: the whole configuration of the gateway, in HCL
# (https://github.com/hashicorp/hcl, native syntax).
#
# This file runs as is on one machine: every listener is on loopback, and
# the X.400 peer and the SMTP relay it names are expected on loopback too.
# Check it with
#
#     mixerd config test -policy policy.hcl
#
# which lists every problem at once as FILE:LINE:COL: message.
#
# Conventions:
#   * durations are "90s", "15m", "1h30m" or a number of days "2d";
#   * sizes are octets: "65536", "10MB" (10^6), "64MiB" (2^20);
#   * addresses are host:port ("127.0.0.1:25", "[::1]:25"); a listener may
#     leave the host out (":25", every interface);
#   * relative paths are relative to the directory of this file;
#   * O/R addresses are RFC 2156 §4.1 text: "/C=GB/ADMD= /PRMD=MOD/O=HQ/".
# A setting marked "default" may be left out.

# --- Identity (required) ---------------------------------------------------
gateway {
  # Our MTAName in the X.411 MTA bind and in trace (1 to 32 characters).
  mta_name = "MIXERD"
  # Our simple credentials in the MTA bind (up to 62 characters); peers may
  # override it with bind_password.
  password = "mixerd-secret"
  # Global domain identifier of our management domain (RFC 2156 §5.3.3.2
  # global-id: C, ADMD, PRMD): in MTS identifiers and trace we generate.
  global_domain = "/C=GB/ADMD= /PRMD=MIXERD/"
  # Our own O/R address (RFC 2156 §4.3.2): the originator of reports we
  # generate and the context of RFC-822 domain-defined attributes.
  or_address = "/C=GB/ADMD= /PRMD=MIXERD/O=Gateway/"
  # Our RFC 822 domain (RFC 2156 §4.3.1): X.400 addresses with no mapping
  # become "/C=.../S=.../"@this domain.
  domain = "gateway.localhost"
  # Name in the SMTP greeting and EHLO (default: domain).
  smtp_hostname = "gateway.localhost"
}

# --- Listeners ---------------------------------------------------------------
# P1 (X.411 over RFC 1006); any number, each with a name.
p1_listener "main" {
  address = "127.0.0.1:10102"
  # P1 modes accepted: "1988" (normal mode), "x410" (1988 in X.410 mode),
  # "1984" (default: all three).
  modes = ["1988", "x410", "1984"]
  # RTSE dialogue modes accepted: "monologue", "twa" (default: both).
  dialogue_modes = ["monologue", "twa"]
  # How long an association whose connection is lost waits for its peer to
  # recover it (X.228 RTSE recovery; default "0s": recovery off).
  recovery_timeout = "2m"
  # Release an association idle this long (default "30m").
  idle_timeout = "30m"
  # Most associations at once; more are refused with busy
  # (default limits.p1_associations).
  max_associations = 64
  # Accept an MTA that is no x400_peer, unauthenticated (default false).
  accept_any = false
}

# SMTP; any number, each with a name.
smtp_listener "mx" {
  address = "127.0.0.1:10025"
  # PEM certificate chain and key for STARTTLS (both or neither).
  # tls_cert = "tls/gateway.crt"
  # tls_key  = "tls/gateway.key"
  # STARTTLS (RFC 3207): "off", "optional" or "required" (default
  # "optional" with a certificate, "off" without).
  starttls = "off"
  # A submission listener (RFC 6409) requires AUTH (an smtp_user) before
  # MAIL (default false).
  submission = false
  # Clients that may relay to any domain and raise MT-PRIORITY (RFC 6710
  # §5); others may only send to routing.local_domains (default none).
  trusted_networks = ["127.0.0.0/8", "::1/128"]
  # Hold the reply to DATA until the next hop has accepted the message, at
  # most this long; past it the reply is given from the durable spool
  # (default "0s": reply once the message is durable; at most "5m").
  delayed_ack_max = "30s"
  # Most sessions at once (default limits.smtp_connections).
  max_connections = 100
}

# Operators' HTTP interface: the queue (mixerd queue) and health (default:
# none).
admin_listener {
  address = "127.0.0.1:10080"
  # A file holding the bearer token (at least 16 characters) that requests
  # must carry (mixerd queue reads it with -token-file or
  # $MIXERD_ADMIN_TOKEN); required when the address is not loopback.
  # token_file = "/etc/mixerd/admin.token"
}

# Accounts that may AUTH on a submission listener (RFC 4954). The password
# is best kept hashed: `echo 'operator-secret' | mixerd password` prints
# the "pbkdf2-sha256$600000$SALT$HASH" form to put here; a password written
# as it is works too (this example's, for the walkthrough).
smtp_user "operator" {
  password = "operator-secret"
}

# --- Next hops ---------------------------------------------------------------
# An X.400 MTA that may bind to us and that we send to; the label is its
# MTAName. Peer and relay names are unique, "mx" is kept for MX delivery.
x400_peer "PEER-MTA" {
  # Its credentials: checked when it binds to us, and in its bind result
  # when we bind to it.
  password = "peer-secret"
  # Ours when we bind to it (default gateway.password).
  bind_password = "mixerd-secret"
  # Where we dial it.
  address = "127.0.0.1:10103"
  # Where its binds must come from: address or CIDR (default anywhere).
  accept_from = "127.0.0.1"
  # Its transport, session and presentation selectors: text, or hex after
  # "0x" (default absent).
  t_selector = "mts"
  s_selector = "0x0001"
  p_selector = ""
  # P1 mode we dial in: "1988", "x410", "1984" (default "1988").
  mode = "1988"
  # RTSE dialogue mode we propose: "monologue" or "twa" (default
  # "monologue").
  dialogue_mode = "monologue"
  # Associations kept open at all times (default 0: on demand).
  permanent = 1
  # Most associations open to it at once (default 4).
  max_associations = 4
  # RTSE recovery attempts after a lost connection (default 0: off).
  recovery_attempts = 0
}

# An SMTP relay (smarthost).
smtp_relay "smarthost" {
  address = "127.0.0.1:10026"
  # STARTTLS: "opportunistic" (used when offered, not verified),
  # "required" (offered and verified) or "off" (default "opportunistic").
  starttls = "opportunistic"
  # AUTH PLAIN over TLS (both or neither; default no AUTH).
  # auth_username = "mixerd"
  # auth_password = "relay-secret"
}

# --- Routing -----------------------------------------------------------------
routing {
  # Domains accepted from any SMTP client, delivered into X.400; mail to
  # any other domain only from trusted or authenticated clients: never an
  # open relay. "*.example" is every subdomain (default [gateway.domain]).
  local_domains = ["gateway.localhost", "*.x400.localhost"]
  # Deliver by MX lookup to the next hop "mx" (default false).
  mx_delivery = false
  # Next hop of an O/R address, and of a domain, that no route matches: a
  # peer, a relay, or "mx" (default none: non-delivery).
  x400_default = "PEER-MTA"
  smtp_default = "smarthost"

  # A route has either an O/R address pattern (C, ADMD, PRMD, O, OU
  # only) or a domain ("*.example" for subdomains), and the next hop. The
  # longest match wins; an exact domain beats a wildcard.
  route {
    or_address = "/C=GB/ADMD= /PRMD=PEER/"
    via        = "PEER-MTA"
  }
  route {
    domain = "*.example.org"
    via    = "smarthost"
  }
}

# --- MIXER mapping tables (RFC 2156 Appendix F) ------------------------------
# Each optional; file errors are reported with the file's own line:column.
# tables {
#   domain_to_or      = "tables/domain-or.mcgam"    # Appendix F §5
#   or_to_domain      = "tables/or-domain.mcgam"    # Appendix F §6
#   domain_to_gateway = "tables/domain-gateway.tab" # Appendix F §7
#   or_to_gateway     = "tables/or-gateway.tab"     # Appendix F §8
# }

# --- Precedence model --------------------------------------------------------
# Leave the block out for the built-in model (the values below). When
# present, all six lanes must be given, each with retry, max_age,
# delivery_ack_timeout and read_ack_timeout.
precedence {
  # RFC 6710 MT-PRIORITY policy: "STANAG4406" (Appendix A) or "MIXER"
  # (Appendix B) (default "STANAG4406").
  mt_priority_policy = "STANAG4406"

  # Lanes of civil (X.411 priority) messages (default as below).
  civil {
    non_urgent = "DEFERRED"
    normal     = "ROUTINE"
    urgent     = "IMMEDIATE"
  }

  # One lane per precedence. retry: delays between attempts after a
  # transient failure, the last repeating; max_age: then a non-delivery
  # report; workers, connections: kept for this lane, never used by lower
  # ones (default 0); *_ack_timeout: how long a requested delivery report
  # or receipt notification will be awaited before operators are alerted
  # (checked and kept; the alerting itself is not built yet).
  lane "OVERRIDE" {
    retry                = ["30s", "1m", "2m", "5m"]
    max_age              = "1h"
    workers              = 1
    connections          = 1
    delivery_ack_timeout = "5m"
    read_ack_timeout     = "15m"
  }
  lane "FLASH" {
    retry                = ["1m", "2m", "5m", "10m"]
    max_age              = "2h"
    workers              = 1
    connections          = 0
    delivery_ack_timeout = "10m"
    read_ack_timeout     = "30m"
  }
  lane "IMMEDIATE" {
    retry                = ["2m", "5m", "10m", "15m"]
    max_age              = "8h"
    workers              = 1
    delivery_ack_timeout = "30m"
    read_ack_timeout     = "1h"
  }
  lane "PRIORITY" {
    retry                = ["5m", "10m", "30m"]
    max_age              = "1d"
    delivery_ack_timeout = "2h"
    read_ack_timeout     = "6h"
  }
  lane "ROUTINE" {
    retry                = ["10m", "30m", "1h"]
    max_age              = "3d"
    delivery_ack_timeout = "8h"
    read_ack_timeout     = "1d"
  }
  lane "DEFERRED" {
    retry                = ["30m", "1h", "2h"]
    max_age              = "5d"
    delivery_ack_timeout = "1d"
    read_ack_timeout     = "3d"
  }
}

# --- Limits ------------------------------------------------------------------
limits {
  # Largest message (SMTP SIZE, RFC 1870; the P1 content) (default "64MiB").
  message_size = "64MiB"
  # Default max_connections of SMTP listeners (default 200) and
  # max_associations of P1 listeners (default 64).
  smtp_connections = 200
  p1_associations  = 64
  # Longest SMTP text line, CRLF included; at least 1000 (RFC 5321
  # §4.5.3.1.6) (default 1000).
  line_length = 1000
  # Largest P1 PDU, at least message_size (default "80MiB").
  pdu_size = "80MiB"
}

# --- Queue -------------------------------------------------------------------
queue {
  # Spool directory (default "spool").
  directory = "spool"
  # Delivery workers, the lanes' reserved ones included (default 16).
  workers = 16
}

# --- Audit -------------------------------------------------------------------
# The local audit log records every message's arrival, conversion, departure
# and acknowledgements, one JSON record per line with a sequence number
# (docs/AUDIT.md); `mixerd track` reads it. The audit database it will
# feed (checked and kept; the loader is not built yet): at most one of
# embedded (a file) and postgres (a DSN) (default embedded = "audit.db").
audit {
  embedded = "audit.db"
  # postgres = "postgres://mixerd@localhost/mixerd?sslmode=verify-full"
  # The log's directory (default "audit-log").
  log_directory = "audit-log"
  # A new log file past this size or age (defaults 64MiB, 24h).
  rotate_size = "64MiB"
  rotate_age  = "24h"
  # Remove rotated files older than this (default 0: keep them all).
  # keep = "90d"
  # How long a departed message waits for its delivery and read reports:
  # its correlation keys are kept this long (default 30d).
  correlation_window = "30d"
}
