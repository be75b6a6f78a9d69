package p1

import (
	"context"
	"errors"
	"fmt"

	"mixerd/osi"
	"mixerd/osi/rtse"
	"mixerd/x400"
)

// DialConfig is what Bind needs to open an association to a peer MTA.
type DialConfig struct {
	// DialConfig is the peer's address, selectors, P1 mode, dialogue mode
	// and the OSI limits and timeouts.
	osi.DialConfig
	// Name and Password are our MTAName and simple credentials, sent in
	// the MTABindArgument; PasswordIA5 sends the password as an IA5String
	// rather than an OCTET STRING (as PP does).
	Name, Password string
	PasswordIA5    bool
	// PeerName and PeerPassword, when set, must be the responder-name and
	// responder-credentials of the MTABindResult; otherwise the
	// association is aborted and Bind fails with a *PeerAuthError.
	PeerName, PeerPassword string
}

// BindError is a bind the peer MTA refused with an MTABindError.
type BindError struct {
	Reason  x400.MTABindError
	Refused *osi.RefusedError
}

func (e *BindError) Error() string { return "p1: bind refused: " + e.Reason.String() }

// Unwrap gives the osi refusal.
func (e *BindError) Unwrap() error { return e.Refused }

// PeerAuthError is a bind result whose responder name or password is not
// the one configured.
type PeerAuthError struct {
	Name string // the responder-name received
	Msg  string
}

func (e *PeerAuthError) Error() string {
	return fmt.Sprintf("p1: peer MTA %q not authenticated: %s", e.Name, e.Msg)
}

// Client is one outgoing P1 association.
type Client struct {
	a *osi.Association
	// Result is the peer's MTABindResult.
	Result *x400.MTABindResult
}

// Bind opens an association to cfg.Address and binds as cfg.Name. A bind
// the peer refused with an MTABindError is a *BindError; another refusal an
// *osi.RefusedError; a responder that is not cfg.PeerName/PeerPassword a
// *PeerAuthError.
func Bind(ctx context.Context, cfg *DialConfig) (*Client, *x400.MTABindResult, error) {
	arg := &x400.MTABindArgument{
		InitiatorName: cfg.Name,
		Credentials:   x400.Credentials{Password: cfg.Password, PasswordIA5: cfg.PasswordIA5},
	}
	enc, err := arg.Marshal()
	if err != nil {
		return nil, nil, fmt.Errorf("p1: bind argument: %w", err)
	}
	a, resEnc, err := osi.Dial(ctx, cfg.DialConfig, enc)
	if err != nil {
		var re *osi.RefusedError
		if errors.As(err, &re) && len(re.BindError) > 0 {
			if be, derr := x400.DecodeMTABindError(re.BindError, nil); derr == nil {
				return nil, nil, &BindError{Reason: be, Refused: re}
			}
		}
		return nil, nil, err
	}
	res, err := x400.DecodeMTABindResult(resEnc, nil)
	if err != nil {
		abort(a, permanent(a.Mode))
		return nil, nil, fmt.Errorf("p1: bind result: %w", err)
	}
	if cfg.PeerName != "" || cfg.PeerPassword != "" {
		msg := ""
		switch {
		case res.Unauthenticated:
			msg = "unauthenticated bind result"
		case cfg.PeerName != "" && res.ResponderName != cfg.PeerName:
			msg = "name is not " + fmt.Sprintf("%q", cfg.PeerName)
		case cfg.PeerPassword != "" && (res.Credentials.Other != nil || res.Credentials.Password != cfg.PeerPassword):
			msg = "wrong password"
		}
		if msg != "" {
			abort(a, permanent(a.Mode))
			return nil, nil, &PeerAuthError{Name: res.ResponderName, Msg: msg}
		}
	}
	return &Client{a: a, Result: res}, res, nil
}

// Association is the OSI association, for what each layer agreed.
func (c *Client) Association() *osi.Association { return c.a }

// Transfer sends one MTS-APDU (its complete encoding) and returns once the
// peer confirmed it (it is then the peer's). On an error the APDU was not
// confirmed and stays the caller's: a *osi.TransferRefusedError is the
// peer's refusal of this APDU, after which the association can carry the
// next one; any other error leaves the association unusable.
func (c *Client) Transfer(ctx context.Context, apdu []byte) error {
	return c.a.Transfer(ctx, apdu)
}

// Close releases the association in order.
func (c *Client) Close(ctx context.Context) error { return c.a.Close(ctx) }

// Abort aborts the association (RTSE abort reason r).
func (c *Client) Abort(ctx context.Context, r rtse.AbortReason) error { return c.a.Abort(ctx, r) }
