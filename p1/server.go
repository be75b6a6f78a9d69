package p1

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"mixerd/osi"
	"mixerd/osi/rtse"
	"mixerd/x400"
)

// Peer is an MTA allowed to bind to us.
type Peer struct {
	// Name is the peer's MTAName (initiator-name, X.411 §12.1.1), compared
	// exactly.
	Name string
	// Password is the peer's simple credentials (initiator-credentials),
	// whether it sends them as IA5String or OCTET STRING.
	Password string
	// Addr, when valid, is the prefix the peer's source IP address must be
	// in (a single host is a /32 or /128 prefix).
	Addr netip.Prefix
}

// ServerConfig is what Serve needs to answer MTA binds.
type ServerConfig struct {
	// Name and Password are our MTAName and simple credentials, sent in the
	// MTABindResult (responder-name, responder-credentials).
	Name, Password string
	// Peers are the MTAs allowed to bind.
	Peers []Peer
	// AcceptAny accepts an initiator that is not in Peers, whatever its
	// name and password (or an unauthenticated bind). A listed peer must
	// still give its password.
	AcceptAny bool
	// DialogueModes are the RTSE dialogue modes accepted; another is refused
	// with unacceptable-dialogue-mode. Nil: monologue and two-way alternate.
	DialogueModes []rtse.DialogueMode
	// Modes are the P1 modes accepted; another is refused with
	// unacceptable-dialogue-mode, the nearest MTABindError (X.411 has none
	// for the mode). Nil: every mode.
	Modes []osi.Mode
	// MaxAssociations is the most associations served at once; a bind over
	// it is refused with busy (0: 64).
	MaxAssociations int

	// ListenConfig is used by Listen to open the listener.
	osi.ListenConfig
	// Logger gets a line per association, refusal and APDU (nil:
	// slog.Default()).
	Logger *slog.Logger
}

// Sink takes the APDUs transferred to us.
type Sink interface {
	// Deliver returns only once the APDU is durable: the transfer is then
	// confirmed to the sender. An error refuses the APDU: the transfer is
	// not confirmed (an exception report "receiving ability jeopardized":
	// the sender keeps the APDU and sends it again later) and the
	// association goes on.
	// apdu is the decoded raw (it refers to raw); raw is the MTS-APDU's
	// encoding as received, which Deliver may keep. from is the peer's MTA
	// name, as it bound.
	Deliver(ctx context.Context, apdu *x400.MTSAPDU, raw []byte, from string) error
}

// Listen opens an osi.Listener on addr with cfg.ListenConfig (its Logger
// defaulting to cfg.Logger).
func Listen(addr string, cfg *ServerConfig) (*osi.Listener, error) {
	lc := cfg.ListenConfig
	if lc.Logger == nil {
		lc.Logger = cfg.Logger
	}
	return osi.Listen(addr, lc)
}

// Serve answers the associations of l until ctx is done or l fails, then
// waits for the associations it serves to end (they end when ctx is done)
// and returns the reason it stopped.
func Serve(ctx context.Context, l *osi.Listener, cfg *ServerConfig, sink Sink) error {
	s := &server{cfg: cfg, sink: sink, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.max = cfg.MaxAssociations
	if s.max <= 0 {
		s.max = 64
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		in, err := l.Accept(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			var oe *net.OpError
			if errors.As(err, &oe) && oe.Op == "accept" {
				// The listener's own error (such as too many open
				// files): wait a little, as net/http does.
				s.log.Warn("p1 accept failed", "err", err)
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(100 * time.Millisecond):
				}
				continue
			}
			// A handshake that failed below P1: osi answered and logged it.
			continue
		}
		if ctx.Err() != nil {
			// Stopping: an association request that was already
			// queued is refused as busy rather than served.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			in.Refuse(rctx, mustMarshal(x400.BindBusy))
			cancel()
			return ctx.Err()
		}
		id := s.ids.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serve(ctx, in, id)
		}()
	}
}

type server struct {
	cfg    *ServerConfig
	sink   Sink
	log    *slog.Logger
	max    int
	active atomic.Int64
	ids    atomic.Uint64
}

// serve answers one association request and receives its APDUs.
func (s *server) serve(ctx context.Context, in *osi.Incoming, id uint64) {
	log := s.log.With("assoc", id, "remote", addrString(in.RemoteAddr))
	n := s.active.Add(1)
	defer s.active.Add(-1)

	arg, bindErr, why := s.check(in, n)
	if bindErr != nil {
		name := ""
		if arg != nil {
			name = arg.InitiatorName
		}
		log.Warn("p1 bind refused", "mta", name, "mode", in.Mode.String(),
			"bind_error", bindErr.String(), "cause", why)
		enc, _ := bindErr.Marshal()
		if err := in.Refuse(ctx, enc); err != nil {
			log.Info("p1 refusal not sent", "err", err)
		}
		return
	}
	res := &x400.MTABindResult{
		ResponderName: s.cfg.Name,
		Credentials:   x400.Credentials{Password: s.cfg.Password, PasswordIA5: arg.Credentials.PasswordIA5},
	}
	enc, err := res.Marshal()
	if err != nil {
		log.Error("p1 bind result not encoded", "err", err)
		in.Refuse(ctx, mustMarshal(x400.BindBusy))
		return
	}
	a, err := in.Accept(ctx, enc)
	if err != nil {
		log.Warn("p1 accept failed", "mta", arg.InitiatorName, "err", err)
		return
	}
	from := arg.InitiatorName
	log = log.With("mta", from)
	log.Info("p1 association accepted", "mode", a.Mode.String(), "dialogue", dialogueName(a.DialogueMode),
		"checkpoint", a.CheckpointSize, "window", a.WindowSize)
	s.receive(ctx, a, from, log)
}

// check decides on the bind: a nil *x400.MTABindError accepts it; otherwise
// why says why, for the log.
func (s *server) check(in *osi.Incoming, active int64) (arg *x400.MTABindArgument, refuse *x400.MTABindError, why string) {
	e := func(b x400.MTABindError, why string, args ...any) (*x400.MTABindArgument, *x400.MTABindError, string) {
		return arg, &b, fmt.Sprintf(why, args...)
	}
	arg, err := x400.DecodeMTABindArgument(in.BindArgument, nil)
	if err != nil {
		arg = nil
		return e(x400.BindAuthenticationError, "bind argument not decoded: %v", err)
	}
	if active > int64(s.max) {
		return e(x400.BindBusy, "%d associations already (limit %d)", active-1, s.max)
	}
	modes := s.cfg.DialogueModes
	if modes == nil {
		modes = []rtse.DialogueMode{osi.Monologue, osi.TwoWayAlternate}
	}
	if s.cfg.Modes != nil && !slices.Contains(s.cfg.Modes, in.Mode) {
		return e(x400.BindUnacceptableDialogueMode, "mode %s not accepted", in.Mode)
	}
	if !slices.Contains(modes, in.DialogueMode) {
		return e(x400.BindUnacceptableDialogueMode, "dialogue mode %s not accepted", dialogueName(in.DialogueMode))
	}
	if len(arg.SecurityContext) > 0 {
		return e(x400.BindUnacceptableSecurityContext, "security context not supported")
	}
	var peer *Peer
	if !arg.Unauthenticated {
		for i := range s.cfg.Peers {
			if s.cfg.Peers[i].Name == arg.InitiatorName {
				peer = &s.cfg.Peers[i]
				break
			}
		}
	}
	if peer == nil {
		if s.cfg.AcceptAny {
			return arg, nil, ""
		}
		if arg.Unauthenticated {
			return e(x400.BindAuthenticationError, "unauthenticated bind")
		}
		return e(x400.BindAuthenticationError, "unknown peer %q", arg.InitiatorName)
	}
	if arg.Credentials.Other != nil {
		return e(x400.BindAuthenticationError, "strong or protected credentials not supported")
	}
	if subtle.ConstantTimeCompare([]byte(arg.Credentials.Password), []byte(peer.Password)) != 1 {
		return e(x400.BindAuthenticationError, "wrong password for %q", arg.InitiatorName)
	}
	if peer.Addr.IsValid() {
		ip, ok := remoteIP(in.RemoteAddr)
		if !ok || !peer.Addr.Contains(ip) {
			return e(x400.BindAuthenticationError, "%q from %s, not in %s", arg.InitiatorName, addrString(in.RemoteAddr), peer.Addr)
		}
	}
	return arg, nil, ""
}

// receive takes the APDUs of a until it is released or fails.
func (s *server) receive(ctx context.Context, a *osi.Association, from string, log *slog.Logger) {
	for {
		r, err := a.ReceiveTransfer(ctx)
		switch {
		case errors.Is(err, osi.ErrReleased):
			log.Info("p1 association released")
			return
		case errors.Is(err, osi.ErrTurnGiven):
			// Two-way alternate: the initiator gave us the turn. We have
			// nothing of our own to send on an incoming association (the
			// queue sends on associations it opens), so give it back and
			// go on receiving.
			if err := a.GiveTurn(ctx); err != nil {
				log.Warn("p1 association ended while giving the turn back", "err", err)
				return
			}
			continue
		case errors.Is(err, osi.ErrIdleTimeout):
			log.Info("p1 association closed: idle", "err", err)
			return
		case err != nil:
			var ae *osi.AbortError
			if !errors.As(err, &ae) {
				abort(a, rtse.LocalSystemProblem)
			}
			log.Warn("p1 association ended", "err", err)
			return
		}
		raw := r.APDU
		apdu, err := x400.DecodeMTSAPDU(raw, nil)
		if err == nil {
			err = checkAPDU(apdu)
		}
		if err != nil {
			// Refused, not aborted: the sender keeps the APDU and the
			// association goes on for the next one.
			log.Warn("p1 APDU refused", "octets", len(raw), "err", err)
			if err := r.Refuse(osi.ExceptionLocalError); err != nil {
				log.Warn("p1 association ended while refusing an APDU", "err", err)
				return
			}
			continue
		}
		if err := s.sink.Deliver(ctx, apdu, raw, from); err != nil {
			log.Warn("p1 APDU not stored, refused", "kind", Kind(apdu), "octets", len(raw), "err", err)
			if err := r.Refuse(osi.ExceptionJeopardized); err != nil {
				log.Warn("p1 association ended while refusing an APDU", "err", err)
				return
			}
			continue
		}
		if err := r.Confirm(); err != nil {
			// Stored but not confirmed, and the association cannot be
			// recovered (a recoverable loss is not an error: the
			// confirmation then goes on the recovered connection): the
			// sender will send it again (duplicates are the sink's to
			// detect by MTS identifier).
			log.Warn("p1 APDU stored but confirmation failed", "kind", Kind(apdu), "err", err)
			return
		}
		log.Info("p1 APDU received", "kind", Kind(apdu), "octets", len(raw))
	}
}

// checkAPDU refuses what the decoder leaves to us: an envelope without
// recipients or trace, and per-message extensions critical for transfer
// that we do not know (X.411 §9).
func checkAPDU(a *x400.MTSAPDU) error {
	var crit []x400.Extension
	switch {
	case a.Message != nil:
		if err := a.Message.Envelope.Validate(); err != nil {
			return err
		}
		crit = a.Message.Envelope.CriticalUnsupported()
	case a.Probe != nil:
		if err := a.Probe.Validate(); err != nil {
			return err
		}
		crit = a.Probe.CriticalUnsupported()
	case a.Report != nil:
		crit = a.Report.Envelope.CriticalUnsupported()
	default:
		return errors.New("p1: empty MTS-APDU")
	}
	if len(crit) > 0 {
		return fmt.Errorf("p1: %d unsupported extension(s) critical for transfer (first: %v)", len(crit), crit[0].Type)
	}
	return nil
}

// Kind names the alternative of an MTS-APDU: message, probe or report.
func Kind(a *x400.MTSAPDU) string {
	switch {
	case a.Message != nil:
		return "message"
	case a.Probe != nil:
		return "probe"
	case a.Report != nil:
		return "report"
	}
	return "none"
}

// permanent is the RTSE abort reason for an APDU that sending again cannot
// fix: permanentProblem exists in normal mode only (X.228 §8).
func permanent(m osi.Mode) rtse.AbortReason {
	if m == osi.Mode1988Normal {
		return rtse.PermanentProblem
	}
	return rtse.LocalSystemProblem
}

func abort(a *osi.Association, r rtse.AbortReason) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a.Abort(ctx, r)
}

func mustMarshal(e x400.MTABindError) []byte {
	b, _ := e.Marshal()
	return b
}

func remoteIP(a net.Addr) (netip.Addr, bool) {
	if ta, ok := a.(*net.TCPAddr); ok {
		ip, ok := netip.AddrFromSlice(ta.IP)
		return ip.Unmap(), ok
	}
	ap, err := netip.ParseAddrPort(addrString(a))
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

func dialogueName(m rtse.DialogueMode) string {
	switch m {
	case osi.Monologue:
		return "monologue"
	case osi.TwoWayAlternate:
		return "two-way-alternate"
	}
	return fmt.Sprintf("dialogue-mode(%d)", int(m))
}

// DialogueName is the name of an RTSE dialogue mode (X.228 §8).
func DialogueName(m rtse.DialogueMode) string { return dialogueName(m) }
