package osi

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"mixerd/osi/session"
)

// Large SS-user data in the session (version 2 only): connect data
// overflow for a large P-CONNECT (below) and segmenting for large S-DATA
// (further down).
//
// Connect data overflow, X.225 §7.1 to §7.3. A CN carries at most 10240 octets of SS-user data (the Extended User
// Data PGI, §8.3.1). A larger P-CONNECT (a bind with strong credentials:
// certificates, security contexts) goes as follows:
//
//	initiator                                responder
//	CN  (version 2 only, Data Overflow 1,
//	     the first 10240 octets)        ---->
//	                                    <----  OA (version 2 [, TSDU maximum size])
//	CDO (Enclosure 0, user data)        ---->
//	...
//	CDO (Enclosure end, user data)      ---->
//	                                    <----  AC, RF or AB
//
// The initiator may get an RF or AB instead of the OA; it sends no CDO
// before the OA. Each CDO is alone in its TSDU and, when the OA carries a
// TSDU maximum size for the initiator-to-responder direction, within it.
// The responder assembles the SS-user data and goes on as with a whole
// CN, within Limits.MaxConnectData.

// Bounds of the connect data overflow.
const (
	// maxCDOUserData is the most user data in one CDO: an SPDU's
	// parameters are at most 65535 octets (X.225 §8.2), and the
	// Enclosure Item (3) and the User Data PGI header (code and long LI,
	// 4) take 7.
	maxCDOUserData = 0xFFFF - 3 - 4
	// cdoOverhead is what a CDO adds to its user data in a TSDU: SI, a
	// long LI (3), the Enclosure Item (3), the User Data PGI header (4).
	cdoOverhead = 1 + 3 + 3 + 4
	// defaultMaxConnectData is Limits.MaxConnectData's default.
	defaultMaxConnectData = 256 << 10
	// maxCDOs bounds the CDOs of one CN (an empty CDO is legal).
	maxCDOs = 1 << 16
	// discardFactor bounds what a responder reads and drops of a
	// connect data over Limits.MaxConnectData, so as to refuse it with
	// an RF once the initiator waits for the answer: that many times
	// the limit; beyond, it aborts.
	discardFactor = 16
)

// connectOverflow is the initiator's side (Dial), once the CN with Data
// Overflow has gone: it reads the answer to the CN and, on an OA (X.225
// §7.2), sends rest (the SS-user data after the CN's 10240 octets) in CDO
// SPDUs (§7.3), then reads the answer to them. It returns the SPDUs of
// that answer (or of an RF or AB that came instead of the OA) for dial to
// handle as the answer to a CN. An AC before the CDOs, or any other SPDU,
// is out of state: it is answered with an AB.
func (a *Association) connectOverflow(ctx context.Context, rest []byte) ([]session.SPDU, error) {
	c := a.c
	spdus, err := c.readSPDUs(ctx, c.to.Read)
	if err != nil {
		return nil, err
	}
	s := &spdus[0]
	if len(spdus) == 1 && (s.Kind == session.KindRF || s.Kind == session.KindAB) {
		return spdus, nil
	}
	chunk := maxCDOUserData
	var serr error
	switch {
	case len(spdus) != 1:
		serr = &stateError{LayerSession, fmt.Sprintf("%d SPDUs in answer to a CN with Data Overflow", len(spdus))}
	case s.Kind != session.KindOA:
		serr = &stateError{LayerSession, s.Kind.String() + " in answer to a CN with Data Overflow (an OA is due, X.225 §7.2)"}
	case !s.Version.Ok || s.Version.V&session.Version2 == 0:
		serr = &stateError{LayerSession, "OA without version 2 (X.225 §8.3.2)"}
	case s.TSDUMaxSize.Ok && s.TSDUMaxSize.V.InitToResp != 0:
		m := int(s.TSDUMaxSize.V.InitToResp)
		if m-cdoOverhead < 1 {
			serr = &stateError{LayerSession, fmt.Sprintf("OA TSDU maximum size %d leaves no room for a CDO", m)}
			break
		}
		chunk = min(chunk, m-cdoOverhead)
	}
	if serr != nil {
		c.protocolError(ctx, LayerSession, serr)
		return nil, &AbortError{Layer: LayerSession, Err: serr}
	}
	n, total := 0, len(rest)
	for len(rest) > 0 {
		k := min(len(rest), chunk)
		cdo := session.SPDU{Kind: session.KindCDO, Enclosure: session.Some(byte(0)), UserData: rest[:k]}
		if k == len(rest) {
			cdo.Enclosure.V = session.EnclosureEnd
		}
		if err := c.writeSPDUs(ctx, cdo); err != nil {
			return nil, err
		}
		rest = rest[k:]
		n++
	}
	c.log.Debug("osi connect data overflow sent", "octets", total, "cdo", n)
	return c.readSPDUs(ctx, c.to.Read)
}

// connectOverflow is the responder's side: the CN had Data Overflow and
// ud is its SS-user data (a copy). It answers with an OA (X.225 §7.2) and
// reads the CDOs (§7.3) up to the one with the end of the SS-user data,
// and returns ud with their user data appended. Over
// Limits.MaxConnectData the rest is read and dropped, and the CN refused
// with an RF (reason: SPM implementation restriction). An SPDU other than
// a CDO, a CDO without its Enclosure Item or with its beginning bit, an
// initiator that proposed no version 2, get an AB; so does more than
// discardFactor times the limit, or maxCDOs CDOs. On error the answer
// has been sent (or the peer's AB received) and logged.
func (in *Incoming) connectOverflow(ctx context.Context, ud []byte) ([]byte, error) {
	c := in.c
	fail := func(err error) ([]byte, error) {
		c.protocolError(ctx, LayerSession, err)
		return nil, &AbortError{Layer: LayerSession, Err: err}
	}
	if in.version != session.Version2 {
		return fail(&stateError{LayerSession, "Data Overflow in a CN that does not propose version 2 (X.225 §7.1)"})
	}
	oa := session.SPDU{Kind: session.KindOA, TSDUMaxSize: in.tsdu, Version: session.Some(session.Version2)}
	if err := c.writeSPDUs(ctx, oa); err != nil {
		return nil, err
	}
	if in.tsdu.Ok {
		c.tsduIn = int(in.tsdu.V.InitToResp) // the CDOs are within it
	}
	limit := c.lim.MaxConnectData
	total, n := len(ud), 0
	for {
		spdus, err := c.readSPDUs(ctx, c.to.Read)
		if err != nil {
			return nil, err
		}
		s := &spdus[0]
		n++
		switch {
		case len(spdus) == 1 && s.Kind == session.KindAB:
			c.close()
			msg := "session abort during the connect data overflow"
			if s.Disconnect.Ok {
				msg += fmt.Sprintf(", disconnect %#x", s.Disconnect.V)
			}
			c.log.Info("osi association request aborted by the peer", "layer", LayerSession)
			return nil, &AbortError{Layer: LayerSession, Peer: true, Msg: msg}
		case len(spdus) != 1 || s.Kind != session.KindCDO:
			return fail(&stateError{LayerSession, s.Kind.String() + " during the connect data overflow (a CDO is due, X.225 §7.3)"})
		case !s.Enclosure.Ok:
			return fail(&session.Error{SPDU: session.KindCDO, SI: s.Kind.SI(), Param: 25, Msg: "CDO without its Enclosure Item",
				Disconnect: session.TDRelease | session.TDProtocolError})
		case s.Enclosure.V&session.EnclosureBegin != 0:
			return fail(&session.Error{SPDU: session.KindCDO, SI: s.Kind.SI(), Param: 25, Msg: "CDO marks the beginning of the SS-user data, which the CN began",
				Disconnect: session.TDRelease | session.TDProtocolError})
		case n > maxCDOs || total+len(s.UserData) > discardFactor*limit:
			return fail(&session.Error{SPDU: session.KindCDO, SI: s.Kind.SI(), Msg: fmt.Sprintf("connect data overflow of more than %d octets or %d CDOs", discardFactor*limit, maxCDOs),
				Disconnect: session.TDRelease | session.TDImplementationRestriction})
		}
		total += len(s.UserData)
		if total <= limit {
			ud = append(ud, s.UserData...)
		}
		if s.Enclosure.V&session.EnclosureEnd != 0 {
			break
		}
	}
	if total > limit {
		c.log.Warn("osi connect data over the limit", "octets", total, "max", limit, "cdo", n)
		return nil, in.refuseSession(ctx, session.RefuseSPMImplementation,
			fmt.Sprintf("connect data of %d octets is more than Limits.MaxConnectData (%d)", total, limit))
	}
	c.log.Debug("osi connect data overflow read", "octets", total, "cdo", n)
	return ud, nil
}

// acUserDataMax returns the most SS-user data the AC ac can carry in
// session version v (X.225 §8.3.4): 512 octets in the User Data PGI of
// version 1; in version 2, the Extended User Data PGI fills what the
// other parameters leave of an SPDU's 65535 octets.
func acUserDataMax(ac session.SPDU, v byte) (int, error) {
	if v != session.Version2 {
		return session.MaxUserDataV1, nil
	}
	ac.UserData, ac.Extended = nil, false
	b, err := session.AppendTSDU(nil, ac)
	if err != nil {
		return 0, err
	}
	li := 1
	if b[1] == 0xFF {
		li = 3
	}
	return 0xFFFF - (len(b) - 1 - li) - 4, nil // PGI 194: code and long LI
}

// refuseReasonText names the Reason Code of an RF, X.225 §8.3.5.
func refuseReasonText(r byte) string {
	switch r {
	case session.RefuseUserNotSpecified:
		return "rejected by the called SS-user"
	case session.RefuseUserCongestion:
		return "rejected by the called SS-user: temporary congestion"
	case session.RefuseUserData:
		return "rejected by the called SS-user, with user data"
	case session.RefuseSelectorUnknown:
		return "session selector unknown"
	case session.RefuseUserNotAttached:
		return "SS-user not attached to the SSAP"
	case session.RefuseSPMCongestion:
		return "SPM congestion at connect time"
	case session.RefuseVersions:
		return "proposed protocol versions not supported"
	case session.RefuseSPMNotSpecified:
		return "rejected by the SPM, reason not specified"
	case session.RefuseSPMImplementation:
		return "rejected by the SPM: implementation restriction"
	}
	return fmt.Sprintf("reason %d", r)
}

// Segmenting, X.225 §7.11 (version 2): when the TSDU Maximum Size
// parameter (PI 21: initiator-to-responder, then responder-to-initiator,
// 0 for no limit) is agreed in the AC, an SSDU of a DATA TRANSFER goes in
// as many TSDUs as that direction's size needs, each a GT and a DT whose
// Enclosure Item marks the beginning and the end of the SSDU (both on an
// SSDU in one TSDU). Every TSDU in that direction is within the size.
//
// The initiator proposes DialConfig.TSDUMaxSize for both directions; the
// AC's values are what each side sends (a responder's AC without PI 21
// declines: no segmenting). A listener with ListenConfig.TSDUMaxSize
// answers a CN that proposes sizes with the smaller of its own and the
// initiator's for what it receives and the initiator's for what it sends
// (in the OA of a connect data overflow too); without it, it declines, as
// PP does (the AC carries no PI 21). Other SPDUs (FN, AB, ...) cannot be
// segmented: with a size under minTSDUSize they might not fit, which is
// why a smaller size is not accepted.

// minTSDUSize is the smallest TSDU maximum size we propose or accept:
// the smallest TPDU size of X.224, and room enough for every SPDU RTSE
// sends unsegmented (GT+MIP, GT+AE, an FN with its RLRQ, an AB with its
// ABRT or RTAB).
const minTSDUSize = 128

// segHeader is the size of the session header of a segment: GT (2
// octets) and DT with its Enclosure Item (5).
const segHeader = 2 + 5

// checkTSDUMaxSize checks a TSDU maximum size from our configuration.
func checkTSDUMaxSize(n int) error {
	if n != 0 && (n < minTSDUSize || n > 0xFFFF) {
		return fmt.Errorf("osi: session TSDU maximum size %d outside %d..65535 (0: none)", n, minTSDUSize)
	}
	return nil
}

// minNZ is the smaller of two sizes where 0 is no limit.
func minNZ(a, b uint32) uint32 {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

// agreeTSDU is the responder's answer to the CN's TSDU Maximum Size
// proposal cn with our own size ours (ListenConfig.TSDUMaxSize): the PI
// 21 of the OA and the AC, absent when the CN proposed none or ours is
// 0 (declined). An answer whose size for what we send is under
// minTSDUSize is an error.
func agreeTSDU(cn session.Opt[session.TSDUMaxSize], ours int) (session.Opt[session.TSDUMaxSize], error) {
	if !cn.Ok || ours == 0 {
		return session.Opt[session.TSDUMaxSize]{}, nil
	}
	t := session.TSDUMaxSize{InitToResp: minNZ(cn.V.InitToResp, uint32(ours)), RespToInit: cn.V.RespToInit, Wide: cn.V.Wide}
	if t.RespToInit != 0 && t.RespToInit < minTSDUSize {
		return session.Opt[session.TSDUMaxSize]{}, fmt.Errorf("the initiator's TSDU maximum size %d is under the %d we support", t.RespToInit, minTSDUSize)
	}
	return session.Some(t), nil
}

// readSegments reads the rest of the segmented SSDU whose first TSDU is
// first (its last SPDU a DT with an Enclosure Item), X.225 §7.11: TSDUs
// of a DT (after a GT) each, up to the one with the end of the SSDU. It
// returns that last TSDU's SPDUs with the whole SSDU as the DT's user
// information and both enclosure bits. An AB alone in its TSDU is
// returned as it is, for the caller; any other SPDU, a DT without its
// Enclosure Item or beginning a new SSDU, a first DT that does not begin
// one, get an AB. The SSDU is bounded by Limits.MaxTSDU, its segments by
// Limits.MaxSegments.
func (c *conn) readSegments(ctx context.Context, d time.Duration, first []session.SPDU) ([]session.SPDU, error) {
	fail := func(err error) ([]session.SPDU, error) {
		c.protocolError(ctx, LayerSession, err)
		return nil, &AbortError{Layer: LayerSession, Err: err}
	}
	s := &first[len(first)-1]
	if s.Enclosure.V&session.EnclosureBegin == 0 {
		return fail(&stateError{LayerSession, "DT segment without the beginning of its SSDU (X.225 §7.11)"})
	}
	c.ssdu = append(c.ssdu[:0], s.Info...)
	for n := 1; ; n++ {
		spdus, err := c.readTSDUSPDUs(ctx, d)
		if err != nil {
			return nil, err
		}
		s := &spdus[len(spdus)-1]
		switch {
		case len(spdus) == 1 && s.Kind == session.KindAB:
			return spdus, nil
		case s.Kind != session.KindDT || len(spdus) != 2:
			return fail(&stateError{LayerSession, s.Kind.String() + " in the middle of a segmented SSDU (a DT is due, X.225 §7.11)"})
		case !s.Enclosure.Ok:
			return fail(&stateError{LayerSession, "DT without its Enclosure Item in the middle of a segmented SSDU"})
		case s.Enclosure.V&session.EnclosureBegin != 0:
			return fail(&stateError{LayerSession, "DT beginning an SSDU before the end of the last (X.225 §7.11)"})
		case n >= c.lim.MaxSegments || len(c.ssdu)+len(s.Info) > c.lim.MaxTSDU:
			return fail(&session.Error{SPDU: session.KindDT, SI: s.Kind.SI(), Param: 25,
				Msg:        fmt.Sprintf("segmented SSDU of more than %d octets or %d segments", c.lim.MaxTSDU, c.lim.MaxSegments),
				Disconnect: session.TDRelease | session.TDImplementationRestriction})
		}
		c.ssdu = append(c.ssdu, s.Info...)
		if s.Enclosure.V&session.EnclosureEnd != 0 {
			s.Info, s.Enclosure.V = c.ssdu, session.EnclosureBegin|session.EnclosureEnd
			if c.log.Enabled(ctx, slog.LevelDebug) {
				c.log.Debug("osi recv segmented SSDU", "layer", LayerSession, "octets", len(c.ssdu), "segments", n+1)
			}
			return spdus, nil
		}
	}
}

// writeSegments sends one S-DATA SSDU whose user information is info
// (X.225 §7.11): in TSDUs of a GT and a DT with its Enclosure Item, each
// within the TSDU maximum size agreed for what we send, all in one write.
func (c *conn) writeSegments(ctx context.Context, info []byte) error {
	max := c.tsduOut - segHeader
	buf := c.wbuf[:0]
	n := 0
	for off := 0; ; n++ {
		k := min(len(info)-off, max)
		var enc byte
		if off == 0 {
			enc |= session.EnclosureBegin
		}
		if off+k == len(info) {
			enc |= session.EnclosureEnd
		}
		tsdu, err := session.AppendTSDU(c.segbuf[:0], session.SPDU{Kind: session.KindGT},
			session.SPDU{Kind: session.KindDT, Enclosure: session.Some(enc), Info: info[off : off+k]})
		if err != nil {
			return err
		}
		c.segbuf = tsdu
		if buf, err = c.seg.AppendTPKTs(buf, tsdu); err != nil {
			return err
		}
		if off += k; off == len(info) {
			break
		}
	}
	c.wbuf = buf
	if c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.Debug("osi send segmented SSDU", "layer", LayerSession, "octets", len(info), "segments", n+1)
	}
	return c.write(ctx, buf)
}
