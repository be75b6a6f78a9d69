package policy

import (
	"log/slog"

	"mixerd/osi"
	"mixerd/p1"
	"mixerd/x400"
)

// P1ServerConfig returns the p1.ServerConfig of the P1 listener l: our
// MTAName and credentials in the bind result (X.411 §12.1.1.1.2), the
// x400_peers allowed to bind with their passwords and accept_from
// networks, the modes, the association limit, recovery, idle timeout and
// the largest PDU (limits.pdu_size).
func (p *Policy) P1ServerConfig(l *P1Listener, logger *slog.Logger) *p1.ServerConfig {
	cfg := &p1.ServerConfig{
		Name: p.Gateway.MTAName, Password: p.Gateway.Password,
		AcceptAny: l.AcceptAny, DialogueModes: l.DialogueModes, Modes: l.Modes,
		MaxAssociations: l.MaxAssociations, Logger: logger,
	}
	for _, pe := range p.Peers {
		cfg.Peers = append(cfg.Peers, p1.Peer{Name: pe.Name, Password: pe.Password, Addr: pe.AcceptFrom})
	}
	cfg.ListenConfig.Recovery.Timeout = l.RecoveryTimeout
	cfg.ListenConfig.Timeouts.Idle = l.IdleTimeout
	cfg.ListenConfig.Limits.MaxAPDU = int(p.Limits.PDUSize)
	cfg.ListenConfig.Logger = logger
	return cfg
}

// P1PoolConfig returns the p1.PoolConfig of the associations to peer pe:
// its address, selectors, mode and dialogue mode, our name and
// bind_password, its name and password checked in the bind result, the
// permanent and maximum associations, and the connections the lanes keep:
// Reserve is the sum of the lanes' connections and ReservePriority the
// lowest precedence with some, so Pool.Get must be given the message's
// x400.Precedence.Rank() as its priority.
func (p *Policy) P1PoolConfig(pe *Peer, logger *slog.Logger) p1.PoolConfig {
	dc := p1.DialConfig{
		DialConfig: osi.DialConfig{
			Address:    pe.Address,
			CalledTSAP: pe.TSelector, CalledSSAP: pe.SSelector, CalledPSAP: pe.PSelector,
			Mode: pe.Mode, DialogueMode: pe.DialogueMode,
			Recovery: osi.RecoveryConfig{Attempts: pe.RecoveryAttempts},
			Limits:   osi.Limits{MaxAPDU: int(p.Limits.PDUSize)},
			Logger:   logger,
		},
		Name: p.Gateway.MTAName, Password: pe.BindPassword,
		PeerName: pe.Name, PeerPassword: pe.Password,
	}
	cfg := p1.PoolConfig{Dial: dc, MaxAssociations: pe.MaxAssociations, Permanent: pe.Permanent, Logger: logger}
	for pr := x400.PrecedenceOverride; pr >= x400.PrecedenceDeferred; pr-- {
		if c := p.Precedence.Lanes[pr].Connections; c > 0 {
			cfg.Reserve += c
			cfg.ReservePriority = pr.Rank()
		}
	}
	return cfg
}
