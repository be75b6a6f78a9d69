package osi

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mixerd/ber"
	"mixerd/internal/tshark"
	"mixerd/osi/presentation"
	"mixerd/osi/session"
	"mixerd/osi/transport"
	"mixerd/x400"
)

// strongBindArg returns an MTABindArgument (X.411 §12.1.1) of at least
// size octets, as a military MTA binds: authenticated, with strong
// credentials (X.411 §8.1.1 StrongCredentials: certificate [1], X.509
// Certificates: a user certificate and a certification path of two
// CrossCertificates) and a security context of security labels (X.411
// §8.5.9, each with a policy, a classification, a privacy mark and
// security categories), as many as size asks for (at most
// ub-security-labels, 256, of about 1 KB).
func strongBindArg(t testing.TB, size int) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mta-a.mod.example", Organization: []string{"MOD"}},
		NotBefore: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	b := ber.NewBuilder(4 * len(cert))
	strong := b.Begin(ber.Context(0)) // strong [0] StrongCredentials
	certs := b.Begin(ber.Context(1))  // certificate [1] Certificates
	b.AddRaw(cert)                    // userCertificate
	path := b.Begin(ber.Universal(ber.TagSequence))
	for range 2 {
		cross := b.Begin(ber.Universal(ber.TagSet))
		b.AddRaw(cert)
		b.End(cross)
	}
	b.End(path)
	b.End(certs)
	b.End(strong)
	arg := &x400.MTABindArgument{InitiatorName: "mta-a", Credentials: x400.Credentials{Other: x400.Raw(bytes.Clone(b.Bytes()))}}
	n := b.Len()
	for i := 0; n < size && i < 256; i++ {
		b.Reset()
		label := b.Begin(ber.Universal(ber.TagSet))
		b.AddOID(ber.Universal(ber.TagOID), ber.MustOID("1.3.6.1.4.1.99999.1."+strconv.Itoa(i)))
		b.AddInt(ber.Universal(ber.TagInteger), 3) // confidential
		b.AddString(ber.Universal(ber.TagPrintableString), "MIXERD TEST LABEL "+strconv.Itoa(i)+" - RELEASABLE TO THE TEST PEERS ONLY")
		cats := b.Begin(ber.Universal(ber.TagSet))
		for j := range 16 {
			cat := b.Begin(ber.Universal(ber.TagSequence))
			b.AddOID(ber.Context(0), ber.MustOID("1.3.6.1.4.1.99999.2."+strconv.Itoa(j)))
			v := b.Begin(ber.Context(1))
			b.AddString(ber.Universal(ber.TagPrintableString), "category "+strconv.Itoa(j)+" of label "+strconv.Itoa(i))
			b.End(v)
			b.End(cat)
		}
		b.EndSetOf(cats)
		b.EndSet(label)
		arg.SecurityContext = append(arg.SecurityContext, x400.Raw(bytes.Clone(b.Bytes())))
		n += b.Len()
	}
	enc, err := arg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if len(enc) < size {
		t.Fatalf("bind argument of %d octets, asked for %d", len(enc), size)
	}
	return enc
}

// logBuffer is a slog handler's output, read by a test.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// A bind argument of 40 KB and of 150 KB (more than two CDOs of 65528
// octets) in each mode: the CN carries the first 10240 octets with Data
// Overflow, our listener answers OA and assembles the CDOs; the bind
// completes, the responder gets the bind argument byte for byte, and a
// transfer (normal mode; X.410 mode too, where it is bare) and the release
// work after it.
func TestConnectOverflowBind(t *testing.T) {
	arg40 := strongBindArg(t, 40000)
	arg150 := strongBindArg(t, 150000)
	for _, c := range []struct {
		name string
		mode Mode
		arg  []byte
	}{
		{"1988-normal-40k", Mode1988Normal, arg40},
		{"1988-normal-150k", Mode1988Normal, arg150},
		{"1988-x410-40k", Mode1988X410, arg40},
		{"1984-150k", Mode1984, arg150},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			l := listen(t)
			apdu := testAPDU(5000)
			type result struct {
				in  *Incoming
				got []byte
				err error
			}
			ch := make(chan result, 1)
			go func() {
				var r result
				defer func() { ch <- r }()
				if r.in, r.err = l.Accept(ctx); r.err != nil {
					return
				}
				a, err := r.in.Accept(ctx, testBindResult)
				if r.err = err; err != nil {
					return
				}
				got, confirm, err := a.Receive(ctx)
				if r.err = err; err != nil {
					return
				}
				r.got = got
				if r.err = confirm(); r.err != nil {
					return
				}
				if _, _, err := a.Receive(ctx); !errors.Is(err, ErrReleased) {
					r.err = err
				}
			}()
			a, res, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Mode: c.mode, CheckpointSize: 1,
				Logger: testLogger(t), Timeouts: testTimeouts()}, c.arg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(res, testBindResult) || a.SessionVersion != session.Version2 {
				t.Errorf("bind result %x, session version %d", res, a.SessionVersion)
			}
			if err := a.Transfer(ctx, apdu); err != nil {
				t.Fatalf("transfer: %v", err)
			}
			if err := a.Close(ctx); err != nil {
				t.Fatalf("close: %v", err)
			}
			r := <-ch
			if r.err != nil {
				t.Fatalf("server: %v", r.err)
			}
			if !bytes.Equal(r.in.BindArgument, c.arg) || r.in.Mode != c.mode {
				t.Errorf("responder got a bind argument of %d octets (want %d), mode %v", len(r.in.BindArgument), len(c.arg), r.in.Mode)
			}
			if _, err := x400.DecodeMTABindArgument(r.in.BindArgument, nil); err != nil {
				t.Errorf("bind argument: %v", err)
			}
			if !bytes.Equal(r.got, apdu) {
				t.Errorf("APDU of %d octets received, want %d", len(r.got), len(apdu))
			}
		})
	}
}

// A connect data over Limits.MaxConnectData: the listener reads it to its
// end, refuses it with an RF (SPM implementation restriction) and logs
// it; Dial gets a *RefusedError; Accept an error.
func TestConnectOverflowLimit(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var logs logBuffer
	l, err := Listen("127.0.0.1:0", ListenConfig{Limits: Limits{MaxConnectData: 64 << 10},
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Timeouts: testTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	errc := acceptErr(ctx, l)
	_, _, err = Dial(ctx, DialConfig{Address: l.Addr().String(), Logger: testLogger(t), Timeouts: testTimeouts()}, strongBindArg(t, 100000))
	var re *RefusedError
	if !errors.As(err, &re) || re.Layer != LayerSession || re.Reason != int(session.RefuseSPMImplementation) {
		t.Fatalf("dial: %v", err)
	}
	var ae *AbortError
	if err := <-errc; !errors.As(err, &ae) || !strings.Contains(err.Error(), "MaxConnectData") {
		t.Errorf("accept: %v", err)
	}
	if s := logs.String(); !strings.Contains(s, "osi connect data over the limit") || !strings.Contains(s, "max=65536") ||
		!strings.Contains(s, "osi association refused") {
		t.Errorf("log:\n%s", s)
	}
	// Within the limit, the same listener takes it.
	go func() {
		if in, err := l.Accept(ctx); err == nil {
			if a, err := in.Accept(ctx, testBindResult); err == nil {
				a.Close(ctx)
			}
		}
	}()
	a, _, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Logger: testLogger(t), Timeouts: testTimeouts()}, strongBindArg(t, 50000))
	if err != nil {
		t.Fatal(err)
	}
	a.Close(ctx)
}

// rawEnd is one end of a connection played by a test: TPKTs, DTs and
// SPDUs by hand.
type rawEnd struct {
	t   *testing.T
	nc  net.Conn
	seg transport.Segmenter
	re  *transport.Reassembler
}

func newRawEnd(t *testing.T, nc net.Conn) *rawEnd {
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	seg, _ := transport.NewSegmenter(2048)
	return &rawEnd{t: t, nc: nc, seg: seg, re: transport.NewReassembler(1 << 20)}
}

// rawResponder accepts one connection on a fresh port and answers its CR.
func rawResponder(t *testing.T) (addr string, end <-chan *rawEnd) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan *rawEnd, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			close(ch)
			return
		}
		r := newRawEnd(t, nc)
		pkt, err := transport.ReadTPKT(nc, nil, transport.MaxTPKTLen)
		if err != nil {
			close(ch)
			return
		}
		cr, err := transport.ParseCR(pkt[4:])
		if err != nil {
			close(ch)
			return
		}
		cc, err := transport.NegotiateCC(&cr, 77, 2048)
		if err != nil {
			close(ch)
			return
		}
		r.sendTPDU(&cc)
		ch <- r
	}()
	return ln.Addr().String(), ch
}

// rawInitiator connects to l and exchanges CR and CC.
func rawInitiator(t *testing.T, l *Listener) *rawEnd {
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := newRawEnd(t, nc)
	r.sendTPDU(&transport.CR{SrcRef: 1, TPDUSize: 2048})
	if pkt, err := transport.ReadTPKT(nc, nil, transport.MaxTPKTLen); err != nil || pkt[5] != 0xd0 {
		t.Fatalf("no CC: %x %v", pkt, err)
	}
	return r
}

func (r *rawEnd) sendTPDU(tp transport.TPDU) {
	b, start := transport.BeginTPKT(nil)
	b, err := tp.Append(b)
	if err == nil {
		b, err = transport.EndTPKT(b, start)
	}
	if err == nil {
		_, err = r.nc.Write(b)
	}
	if err != nil {
		r.t.Errorf("send %T: %v", tp, err)
	}
}

func (r *rawEnd) send(spdus ...session.SPDU) {
	tsdu, err := session.AppendTSDU(nil, spdus...)
	if err != nil {
		r.t.Fatal(err)
	}
	r.sendTSDU(tsdu)
}

func (r *rawEnd) sendTSDU(tsdu []byte) {
	b, err := r.seg.AppendTPKTs(nil, tsdu)
	if err == nil {
		_, err = r.nc.Write(b)
	}
	if err != nil {
		r.t.Errorf("send: %v", err)
	}
}

// recv returns the next TSDU and its SPDUs, or nil at a DR or the end of
// the stream, where it closes the connection, as a peer does.
func (r *rawEnd) recv() ([]byte, []session.SPDU) {
	for {
		pkt, err := transport.ReadTPKT(r.nc, nil, transport.MaxTPKTLen)
		if err != nil || pkt[5] != 0xf0 {
			r.nc.Close()
			return nil, nil
		}
		data, eot, err := transport.ParseDT(pkt[4:])
		if err != nil {
			r.t.Errorf("DT: %v", err)
			return nil, nil
		}
		tsdu, done, err := r.re.Add(data, eot)
		if err != nil {
			r.t.Errorf("TSDU: %v", err)
			return nil, nil
		}
		if done {
			tsdu = bytes.Clone(tsdu)
			ss, err := session.DecodeTSDU(tsdu)
			if err != nil {
				r.t.Errorf("TSDU %x: %v", tsdu[:min(len(tsdu), 32)], err)
				return tsdu, nil
			}
			return tsdu, ss
		}
	}
}

// expectEnd reads to the end of the stream and returns the kinds of the
// SPDUs read on the way.
func (r *rawEnd) expectEnd() []session.Kind {
	var kinds []session.Kind
	for {
		tsdu, ss := r.recv()
		if tsdu == nil {
			return kinds
		}
		for _, s := range ss {
			kinds = append(kinds, s.Kind)
		}
	}
}

// Our Dial against a responder that answers the overflowing CN with an OA
// limiting the TSDUs to 1024 octets: the CN proposes version 2 alone, has
// Data Overflow and the first 10240 octets of the CP; each CDO is within
// 1024 octets, the last ends the SS-user data, and they carry the rest
// of the CP. The responder then refuses: a *RefusedError.
func TestConnectOverflowDialOA(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	addr, ends := rawResponder(t)
	arg := strongBindArg(t, 20000)
	done := make(chan []byte, 1)
	go func() {
		var ud []byte
		defer func() { done <- ud }()
		r := <-ends
		if r == nil {
			return
		}
		_, ss := r.recv()
		if len(ss) != 1 || ss[0].Kind != session.KindCN {
			t.Errorf("not a CN: %+v", ss)
			return
		}
		cn := ss[0]
		if cn.ConnAccept == nil || cn.ConnAccept.Version != session.Some(session.Version2) || cn.DataOverflow != session.Some(session.DataOverflowMore) ||
			!cn.Extended || len(cn.UserData) != 10240 {
			t.Errorf("CN %+v %+v, %d octets of user data", cn, cn.ConnAccept, len(cn.UserData))
		}
		ud = bytes.Clone(cn.UserData)
		r.send(session.SPDU{Kind: session.KindOA, TSDUMaxSize: session.Some(session.TSDUMaxSize{InitToResp: 1024}), Version: session.Some(session.Version2)})
		for {
			tsdu, ss := r.recv()
			if len(ss) != 1 || ss[0].Kind != session.KindCDO || !ss[0].Enclosure.Ok || ss[0].Enclosure.V&^session.EnclosureEnd != 0 {
				t.Errorf("not a CDO: %+v", ss)
				return
			}
			if len(tsdu) > 1024 {
				t.Errorf("CDO in a TSDU of %d octets, more than the OA's 1024", len(tsdu))
			}
			ud = append(ud, ss[0].UserData...)
			if ss[0].Enclosure.V == session.EnclosureEnd {
				break
			}
		}
		r.send(session.SPDU{Kind: session.KindRF, Disconnect: session.Some(session.TDRelease), Reason: session.Some(session.RefuseUserCongestion)})
		r.expectEnd()
	}()
	_, _, err := Dial(ctx, DialConfig{Address: addr, Logger: testLogger(t), Timeouts: testTimeouts()}, arg)
	var re *RefusedError
	if !errors.As(err, &re) || re.Layer != LayerSession || re.Reason != int(session.RefuseUserCongestion) || !strings.Contains(re.Msg, "congestion") {
		t.Errorf("dial: %v", err)
	}
	ud := <-done
	cp, err := presentation.DecodeCP(ud)
	if err != nil {
		t.Fatalf("CP of %d octets: %v", len(ud), err)
	}
	if cp.Normal == nil || !bytes.Contains(ud, arg) {
		t.Errorf("the CP assembled from the CN and the CDOs does not carry the bind argument")
	}
}

// Our Dial against a responder that answers the overflowing CN (or the
// CDOs) out of state: an AB from us and an *AbortError; a refusal of the
// version (a version 1 peer) is a *RefusedError saying why.
func TestConnectOverflowDialErrors(t *testing.T) {
	big := strongBindArg(t, 20000)
	small := strongBindArg(t, 2000) // over 512, under 10240: no overflow, version 2 alone
	ac := func(v byte) session.SPDU {
		return session.SPDU{Kind: session.KindAC, ConnAccept: &session.ConnectAcceptItem{Version: session.Some(v)}, UserData: []byte{0x31, 0}}
	}
	for _, c := range []struct {
		name   string
		arg    []byte
		answer []session.SPDU // to the CN
		ab     bool           // we abort
		check  func(error) bool
	}{
		{"ac-before-cdo", big, []session.SPDU{ac(session.Version2)}, true, func(err error) bool {
			var ae *AbortError
			return errors.As(err, &ae) && !ae.Peer && strings.Contains(err.Error(), "an OA is due")
		}},
		{"oa-version-1", big, []session.SPDU{{Kind: session.KindOA, Version: session.Some(session.Version1)}}, true, func(err error) bool {
			return strings.Contains(err.Error(), "OA without version 2")
		}},
		{"oa-tsdu-too-small", big, []session.SPDU{{Kind: session.KindOA, Version: session.Some(session.Version2), TSDUMaxSize: session.Some(session.TSDUMaxSize{InitToResp: 11})}}, true, func(err error) bool {
			return strings.Contains(err.Error(), "no room for a CDO")
		}},
		{"version-1-peer", big, []session.SPDU{{Kind: session.KindRF, Disconnect: session.Some(session.TDRelease), Reason: session.Some(session.RefuseVersions)}}, false, func(err error) bool {
			var re *RefusedError
			return errors.As(err, &re) && re.Reason == int(session.RefuseVersions) && strings.Contains(re.Msg, "need version 2")
		}},
		{"version-1-peer-no-overflow", small, []session.SPDU{{Kind: session.KindRF, Disconnect: session.Some(session.TDRelease), Reason: session.Some(session.RefuseVersions)}}, false, func(err error) bool {
			var re *RefusedError
			return errors.As(err, &re) && strings.Contains(re.Msg, "need version 2")
		}},
		{"ac-version-1", small, []session.SPDU{ac(session.Version1)}, true, func(err error) bool {
			var ae *AbortError
			return errors.As(err, &ae) && strings.Contains(err.Error(), "AC selects session version 1")
		}},
		{"abort-instead-of-oa", big, []session.SPDU{{Kind: session.KindAB, Disconnect: session.Some(session.TDRelease)}}, false, func(err error) bool {
			var ae *AbortError
			return errors.As(err, &ae) && ae.Peer
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			addr, ends := rawResponder(t)
			kinds := make(chan []session.Kind, 1)
			go func() {
				r := <-ends
				if r == nil {
					kinds <- nil
					return
				}
				if _, ss := r.recv(); len(ss) != 1 || ss[0].Kind != session.KindCN {
					t.Errorf("not a CN: %+v", ss)
				} else if v := ss[0].ConnAccept.Version; v != session.Some(session.Version2) {
					t.Errorf("CN proposes versions %+v, want 2 alone", v)
				}
				r.send(c.answer...)
				kinds <- r.expectEnd()
			}()
			_, _, err := Dial(ctx, DialConfig{Address: addr, Logger: testLogger(t), Timeouts: testTimeouts()}, c.arg)
			if err == nil || !c.check(err) {
				t.Errorf("dial: %v", err)
			}
			k := <-kinds
			if gotAB := len(k) == 1 && k[0] == session.KindAB; gotAB != c.ab {
				t.Errorf("we sent %v", k)
			}
		})
	}
}

// cnOverflow is the start of an overflowing CN as a peer sends it: PP's
// parameters, Data Overflow, 10240 octets of (not yet decodable) CP.
func cnOverflow(versions byte) session.SPDU {
	return session.SPDU{Kind: session.KindCN,
		ConnAccept:   &session.ConnectAcceptItem{ProtocolOptions: session.Some(byte(0)), Version: session.Some(versions), TokenSetting: session.Some(session.TokenSetting(0))},
		Requirements: session.Some(ourFUs), DataOverflow: session.Some(session.DataOverflowMore),
		UserData: bytes.Repeat([]byte{0x31}, 10240), Extended: true}
}

// Our listener against initiators that misbehave during the connect data
// overflow: each gets an AB (then a DR), Accept an *AbortError, and the
// log a line; a peer's own AB ends the request quietly.
func TestConnectOverflowListenErrors(t *testing.T) {
	cdo := func(enc byte) session.SPDU {
		return session.SPDU{Kind: session.KindCDO, Enclosure: session.Some(enc), UserData: []byte{1, 2, 3}}
	}
	for _, c := range []struct {
		name  string
		cn    session.SPDU
		after [][]session.SPDU // after the OA
		oa    bool             // an OA is due
		peer  bool             // the peer aborts
		msg   string
	}{
		{"version-1-only", cnOverflow(session.Version1), nil, false, false, "does not propose version 2"},
		{"data-instead-of-cdo", cnOverflow(session.Version1 | session.Version2), [][]session.SPDU{{{Kind: session.KindGT}, {Kind: session.KindDT, Info: []byte{1}}}}, true, false, "a CDO is due"},
		{"cn-again", cnOverflow(session.Version2), [][]session.SPDU{{cdo(0)}, {cnOverflow(session.Version2)}}, true, false, "a CDO is due"},
		{"cdo-no-enclosure", cnOverflow(session.Version2), [][]session.SPDU{{{Kind: session.KindCDO, UserData: []byte{1}}}}, true, false, "without its Enclosure Item"},
		{"cdo-begin", cnOverflow(session.Version2), [][]session.SPDU{{cdo(session.EnclosureBegin)}}, true, false, "beginning"},
		{"peer-abort", cnOverflow(session.Version2), [][]session.SPDU{{cdo(0)}, {{Kind: session.KindAB, Disconnect: session.Some(session.TDRelease | session.TDUserAbort)}}}, true, true, "session abort"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := t.Context()
			var logs logBuffer
			l, err := Listen("127.0.0.1:0", ListenConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Timeouts: testTimeouts()})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			errc := acceptErr(ctx, l)
			r := rawInitiator(t, l)
			r.send(c.cn)
			if c.oa {
				_, ss := r.recv()
				if len(ss) != 1 || ss[0].Kind != session.KindOA || ss[0].Version != session.Some(session.Version2) || ss[0].TSDUMaxSize.Ok {
					t.Fatalf("not our OA: %+v", ss)
				}
			}
			for _, s := range c.after {
				r.send(s...)
			}
			kinds := r.expectEnd()
			err = <-errc
			var ae *AbortError
			if !errors.As(err, &ae) || ae.Peer != c.peer || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("accept: %v", err)
			}
			if c.peer {
				if len(kinds) != 0 {
					t.Errorf("answer to the peer's AB: %v", kinds)
				}
				return
			}
			if len(kinds) != 1 || kinds[0] != session.KindAB {
				t.Errorf("answer %v, want AB", kinds)
			}
			if !strings.Contains(logs.String(), "osi protocol error") {
				t.Errorf("log:\n%s", logs.String())
			}
		})
	}
}

// A CPA too large for the AC (X.225 §8.3.4: no overflow in that
// direction) is refused with an RF, and Accept says why; in version 2
// the limit is what the AC's other parameters leave of 65535 octets, in
// version 1 (a CN proposing version 1 alone) 512 octets.
func TestAcceptBindResultTooLarge(t *testing.T) {
	t.Run("version-2", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		l := listen(t)
		errc := make(chan error, 1)
		go func() {
			in, err := l.Accept(ctx)
			if err == nil {
				_, err = in.Accept(ctx, strongBindArg(t, 70000))
			}
			errc <- err
		}()
		_, _, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Logger: testLogger(t), Timeouts: testTimeouts()}, testBindArg)
		var re *RefusedError
		if !errors.As(err, &re) || re.Layer != LayerSession || re.Reason != int(session.RefuseSPMImplementation) {
			t.Errorf("dial: %v", err)
		}
		if err := <-errc; err == nil || !strings.Contains(err.Error(), "an AC carries in session version 2") {
			t.Errorf("accept: %v", err)
		}
	})
	t.Run("version-1", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		l := listen(t)
		errc := make(chan error, 1)
		go func() {
			in, err := l.Accept(ctx)
			if err == nil {
				_, err = in.Accept(ctx, strongBindArg(t, 600))
			}
			errc <- err
		}()
		// PP's CN, proposing version 1 alone.
		cn, err := os.ReadFile("testdata/ping88mon-f08-init.bin")
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(cn, []byte{22, 1, 3})
		if i < 0 {
			t.Fatal("no version PI in PP's CN")
		}
		cn[i+2] = session.Version1
		r := rawInitiator(t, l)
		r.nc.Write(cn)
		_, ss := r.recv()
		if len(ss) != 1 || ss[0].Kind != session.KindRF || ss[0].Reason != session.Some(session.RefuseSPMImplementation) {
			t.Errorf("answer %+v", ss)
		}
		r.expectEnd()
		if err := <-errc; err == nil || !strings.Contains(err.Error(), "more than the 512 octets") {
			t.Errorf("accept: %v", err)
		}
	})
}

// A capture of overflowing binds (40 KB of strong credentials): in 1988
// normal mode with a message transferred after the bind, in X.410-1984
// mode (bind and release: Wireshark cannot decode X.410 mode's data, see
// cmd/mixerd's TestCaptureModes), and in 1988 normal mode with segmenting
// (TSDU maximum sizes 1024 proposed, 512 agreed for what the listener
// receives: the OA carries it, the CDOs and the message's DT segments
// keep within it, and Wireshark reassembles the segments).
//
// Wireshark (4.0) decodes the session layer of the connect data overflow
// (the CN's Data Overflow, the OA, the CDOs' Enclosure Items) but has no
// reassembly for it: it hands the CN's first 10240 octets, and each CDO's
// user data, to its presentation dissector as if each were a whole PDU,
// which marks them malformed (and, in normal mode, then knows no
// presentation context for what follows). So the capture is checked in
// two steps: in the capture itself, the overflow SPDUs are decoded and
// the only malformed frames are the CN and the CDOs; then the capture is
// rewritten with each overflow collapsed into the CN Wireshark can read
// (the whole CP in its Extended User Data, no OA, no CDO; every other
// TPKT as it was), which must decode without a malformed packet, an
// expert warning or undecoded bytes, with the P1 bind argument and
// result and the message.
func TestConnectOverflowCapture(t *testing.T) {
	if testing.Short() {
		t.Skip("capture test in -short mode")
	}
	path := tshark.Require(t)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	l, err := Listen("127.0.0.1:0", ListenConfig{TSDUMaxSize: 512, Logger: testLogger(t), Timeouts: testTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	file, stop := tshark.Capture(t, path, port)
	arg := strongBindArg(t, 40000)
	msg, err := x400.SampleMessage().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		mode Mode
		tsdu int
	}{{Mode1988Normal, 0}, {Mode1988X410, 0}, {Mode1988Normal, 1024}} {
		mode := c.mode
		ch := make(chan error, 1)
		go func() {
			in, err := l.Accept(ctx)
			if err != nil {
				ch <- err
				return
			}
			a, err := in.Accept(ctx, testBindResult)
			if err != nil {
				ch <- err
				return
			}
			for {
				_, confirm, err := a.Receive(ctx)
				if err != nil {
					if errors.Is(err, ErrReleased) {
						err = nil
					}
					ch <- err
					return
				}
				if err := confirm(); err != nil {
					ch <- err
					return
				}
			}
		}()
		a, _, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Mode: mode, TSDUMaxSize: c.tsdu, Logger: testLogger(t), Timeouts: testTimeouts()}, arg)
		if err != nil {
			t.Fatal(err)
		}
		if mode == Mode1988Normal {
			if err := a.Transfer(ctx, msg); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := <-ch; err != nil {
			t.Fatalf("server: %v", err)
		}
	}
	stop()
	defer func() {
		if dir := os.Getenv("MIXERD_KEEP_CAPTURES"); t.Failed() && dir != "" {
			b, _ := os.ReadFile(file)
			os.WriteFile(filepath.Join(dir, "overflow.pcapng"), b, 0o644)
		}
	}()

	// The capture itself: the overflow's SPDUs decoded, and malformed
	// only where Wireshark lacks the reassembly.
	run := func(args ...string) string {
		cmd := exec.Command(path, append([]string{"-r", file, "-n", "-d", "tcp.port==" + strconv.Itoa(port) + ",tpkt"}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tshark %v: %v", args, err)
		}
		return string(out)
	}
	frames := func(filter string) []string {
		return strings.Fields(run("-Y", filter, "-T", "fields", "-e", "frame.number"))
	}
	for filter, want := range map[string]int{
		"ses.type == 13 && ses.parameter_type == 60 && ses.protocol_version2 == 1 && ses.protocol_version1 == 0": 3, // CN
		"ses.type == 16 && ses.protocol_version2 == 1":                                                           3, // OA
		"ses.type == 16 && ses.proposed_tsdu_maximum_size_i2r == 512":                                            1, // OA with segmenting
		"ses.type == 15 && ses.end_of_SSDU == 1":                                                                 3, // the last CDO of each
		"ses.bad_length || ses.bad_parameter_length":                                                             0,
	} {
		if got := len(frames(filter)); got != want {
			t.Errorf("%d frames match %q, want %d", got, filter, want)
		}
	}
	overflow := map[string]bool{}
	for _, f := range frames("ses.type == 13 || ses.type == 15") {
		overflow[f] = true
	}
	for _, f := range frames("_ws.malformed") {
		if !overflow[f] {
			t.Errorf("frame %s is malformed and is neither a CN nor a CDO", f)
		}
	}

	// The capture with the overflows collapsed.
	collapsed := collapseOverflow(t, run, port)
	defer func() {
		if dir := os.Getenv("MIXERD_KEEP_CAPTURES"); t.Failed() && dir != "" {
			b, _ := os.ReadFile(collapsed)
			os.WriteFile(filepath.Join(dir, "overflow-collapsed.pcap"), b, 0o644)
		}
	}()
	problems, err := tshark.Problems(path, collapsed, "", tshark.Check{Ports: []int{port},
		Require: []string{"ses.type == 13:3", "p1.MTABindArgument:3", "p1.MTABindResult:3", "p1.message_element:2",
			"acse.aarq_element && pres.normal_mode_parameters_element:2", "pres.x410_mode_parameters_element && !acse:1",
			"x509af.signedCertificate_element", "ses.type == 14 && ses.proposed_tsdu_maximum_size_i2r == 512",
			"ses.segment.count > 1"},
		Allow: []string{`^Unknown standard-extension$`, `^BER: Dissector for OID not implemented`}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("tshark (overflow collapsed): %s", p)
	}
}

// collapseOverflow reads the TCP payloads of a capture (with run, tshark
// on it) and writes a pcap of the same associations in which each CN with
// Data Overflow and its CDOs are one CN carrying the whole SS-user data
// (in DT TPDUs of 2048 octets) and the OAs are left out; every other TPKT
// is as captured, in the order captured, one per packet.
func collapseOverflow(t *testing.T, run func(...string) string, port int) string {
	t.Helper()
	type packet struct {
		stream string
		toResp bool
		data   []byte
	}
	var out []packet
	type dir struct {
		buf   []byte                 // TCP payload not yet split into TPKTs
		tpkts [][]byte               // TPKTs of the TSDU being read
		re    *transport.Reassembler // its user data
		cn    *session.SPDU          // the overflowing CN being collapsed
	}
	dirs := map[string]*dir{}
	seg, _ := transport.NewSegmenter(2048)
	for _, line := range strings.Split(strings.TrimSpace(run("-Y", "tcp.len > 0", "-T", "fields", "-e", "tcp.stream", "-e", "tcp.dstport", "-e", "tcp.payload")), "\n") {
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			t.Fatalf("tshark line %q", line)
		}
		payload, err := hex.DecodeString(strings.ReplaceAll(cols[2], ":", ""))
		if err != nil {
			t.Fatal(err)
		}
		toResp := cols[1] == strconv.Itoa(port)
		key := cols[0] + "/" + strconv.FormatBool(toResp)
		d := dirs[key]
		if d == nil {
			d = &dir{re: transport.NewReassembler(1 << 20)}
			dirs[key] = d
		}
		d.buf = append(d.buf, payload...)
		for {
			pkt, rest, err := transport.SplitTPKT(d.buf, transport.MaxTPKTLen)
			if err != nil {
				break // the rest of the TPKT is in the next segment
			}
			d.buf = rest
			emit := func(b []byte) { out = append(out, packet{cols[0], toResp, b}) }
			if pkt[5] != 0xf0 {
				emit(pkt)
				continue
			}
			data, eot, err := transport.ParseDT(pkt[4:])
			if err != nil {
				t.Fatal(err)
			}
			d.tpkts = append(d.tpkts, pkt)
			tsdu, done, err := d.re.Add(data, eot)
			if err != nil {
				t.Fatal(err)
			}
			if !done {
				continue
			}
			tpkts := d.tpkts
			d.tpkts = nil
			ss, err := session.DecodeTSDU(tsdu)
			if err != nil {
				t.Fatalf("TSDU: %v", err)
			}
			s := ss[0]
			switch {
			case s.Kind == session.KindCN && s.DataOverflow.Ok:
				s.UserData, s.DataOverflow = bytes.Clone(s.UserData), session.Opt[byte]{}
				d.cn = &s
				continue
			case s.Kind == session.KindCDO && d.cn != nil:
				d.cn.UserData = append(d.cn.UserData, s.UserData...)
				if s.Enclosure.V&session.EnclosureEnd == 0 {
					continue
				}
				b, err := session.AppendTSDU(nil, *d.cn)
				if err != nil {
					t.Fatal(err)
				}
				d.cn = nil
				for p, eot := range seg.Segments(b) {
					buf, start := transport.BeginTPKT(nil)
					buf = append(transport.AppendDTHeader(buf, eot), p...)
					buf, _ = transport.EndTPKT(buf, start)
					emit(buf)
				}
				continue
			case s.Kind == session.KindOA:
				continue
			}
			for _, p := range tpkts {
				emit(p)
			}
		}
	}
	// A pcap (LINKTYPE_RAW: IPv4) with one TCP segment per TPKT, the
	// sequence numbers following each direction.
	var w bytes.Buffer
	le := binary.LittleEndian
	w.Write(le.AppendUint32(nil, 0xa1b2c3d4))
	w.Write(le.AppendUint16(le.AppendUint16(nil, 2), 4))
	w.Write(make([]byte, 8))
	w.Write(le.AppendUint32(le.AppendUint32(nil, 65535), 101))
	seq := map[string]uint32{}
	for i, p := range out {
		src, dst := 40000+len(p.stream), port
		if n, err := strconv.Atoi(p.stream); err == nil {
			src = 40000 + n
		}
		if !p.toResp {
			src, dst = dst, src
		}
		me, peer := p.stream+"/"+strconv.FormatBool(p.toResp), p.stream+"/"+strconv.FormatBool(!p.toResp)
		if seq[me] == 0 {
			seq[me] = 1
		}
		if seq[peer] == 0 {
			seq[peer] = 1
		}
		ip := make([]byte, 40, 40+len(p.data))
		ip[0], ip[8], ip[9] = 0x45, 64, 6
		binary.BigEndian.PutUint16(ip[2:], uint16(40+len(p.data)))
		copy(ip[12:], []byte{127, 0, 0, 1, 127, 0, 0, 1})
		var sum uint32
		for j := 0; j < 20; j += 2 {
			sum += uint32(binary.BigEndian.Uint16(ip[j:]))
		}
		for sum > 0xffff {
			sum = sum&0xffff + sum>>16
		}
		binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
		binary.BigEndian.PutUint16(ip[20:], uint16(src))
		binary.BigEndian.PutUint16(ip[22:], uint16(dst))
		binary.BigEndian.PutUint32(ip[24:], seq[me])
		binary.BigEndian.PutUint32(ip[28:], seq[peer])
		ip[32], ip[33] = 5<<4, 0x18 // data offset, PSH|ACK
		binary.BigEndian.PutUint16(ip[34:], 65535)
		ip = append(ip, p.data...)
		seq[me] += uint32(len(p.data))
		rec := le.AppendUint32(le.AppendUint32(nil, uint32(i)), 0)
		rec = le.AppendUint32(le.AppendUint32(rec, uint32(len(ip))), uint32(len(ip)))
		w.Write(rec)
		w.Write(ip)
	}
	f := filepath.Join(t.TempDir(), "collapsed.pcap")
	if err := os.WriteFile(f, w.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// tsduStats is what tsduProxy saw in each direction ([0]: from the
// initiator, [1]: from the responder).
type tsduStats struct {
	max      [2]int // the largest TSDU after the CN and the AC
	segments [2]int // DT SPDUs that carry part of an SSDU only
}

// tsduProxy relays one connection to target and records the TSDUs each
// way (stats waits for the connection to end).
func tsduProxy(t *testing.T, target string) (addr string, stats func() tsduStats) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var st tsduStats
	done := make(chan struct{})
	go func() {
		defer close(done)
		in, err := ln.Accept()
		if err != nil {
			return
		}
		defer in.Close()
		out, err := net.Dial("tcp", target)
		if err != nil {
			return
		}
		defer out.Close()
		var wg sync.WaitGroup
		relay := func(dir int, src, dst net.Conn) {
			defer wg.Done()
			defer dst.Close()
			defer src.Close()
			re := transport.NewReassembler(1 << 20)
			for n := 0; ; {
				pkt, err := transport.ReadTPKT(src, nil, transport.MaxTPKTLen)
				if err != nil {
					return
				}
				if _, err := dst.Write(pkt); err != nil {
					return
				}
				if pkt[5] != 0xf0 {
					continue
				}
				data, eot, _ := transport.ParseDT(pkt[4:])
				tsdu, ok, err := re.Add(data, eot)
				if err != nil || !ok {
					continue
				}
				if n++; n == 1 {
					continue // the CN or the AC
				}
				st.max[dir] = max(st.max[dir], len(tsdu))
				if ss, err := session.DecodeTSDU(tsdu); err == nil {
					if s := ss[len(ss)-1]; s.Kind == session.KindDT && s.Enclosure.Ok && s.Enclosure.V != session.EnclosureBegin|session.EnclosureEnd {
						st.segments[dir]++
					}
				}
			}
		}
		wg.Add(2)
		go relay(0, in, out)
		go relay(1, out, in)
		wg.Wait()
	}()
	return ln.Addr().String(), func() tsduStats { <-done; return st }
}

// Transfers both ways (two-way alternate) between our Dial and Listen with
// small TSDU maximum sizes, with and without checkpoints, in both modes:
// the AC agrees the sizes (the listener's for what it receives, the
// initiator's for what it sends), every TSDU after it is within the size
// of its direction, the APDUs go in segments and arrive intact. When
// either side proposes nothing there is no segmenting.
func TestSegmentedTransfer(t *testing.T) {
	for _, c := range []struct {
		name                  string
		mode                  Mode
		checkpoint            int
		dialSize, listenSize  int
		wantSend, wantReceive int // the initiator's
	}{
		{"normal-1024-512", Mode1988Normal, 0, 1024, 512, 512, 1024},
		{"normal-checkpoint-512-1024", Mode1988Normal, 1, 512, 1024, 512, 512},
		{"1984-checkpoint-1024-512", Mode1984, 1, 1024, 512, 512, 1024},
		{"x410-128-65535", Mode1988X410, 0, 128, 65535, 128, 128},
		{"listener-declines", Mode1988Normal, 1, 512, 0, 0, 0},
		{"initiator-proposes-none", Mode1988Normal, 0, 0, 512, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			l, err := Listen("127.0.0.1:0", ListenConfig{TSDUMaxSize: c.listenSize, Logger: testLogger(t), Timeouts: testTimeouts()})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			addr, stats := tsduProxy(t, l.Addr().String())
			up, back := testAPDU(20000), testAPDU(9000)
			done := make(chan error, 1)
			var rs *Association
			go func() {
				done <- func() error {
					in, err := l.Accept(ctx)
					if err != nil {
						return err
					}
					r, err := in.Accept(ctx, testBindResult)
					if err != nil {
						return err
					}
					rs = r
					for _, want := range [][]byte{up, testAPDU(300)} {
						apdu, confirm, err := r.Receive(ctx)
						if err != nil || !bytes.Equal(apdu, want) {
							return errors.Join(fmt.Errorf("APDU of %d octets received, want %d", len(apdu), len(want)), err)
						}
						if err := confirm(); err != nil {
							return err
						}
					}
					if _, _, err := r.Receive(ctx); !errors.Is(err, ErrTurnGiven) {
						return errors.Join(errors.New("turn not given"), err)
					}
					if err := r.Transfer(ctx, back); err != nil {
						return err
					}
					return r.Close(ctx)
				}()
			}()
			a, _, err := Dial(ctx, DialConfig{Address: addr, Mode: c.mode, DialogueMode: TwoWayAlternate, CheckpointSize: c.checkpoint,
				TSDUMaxSize: c.dialSize, Logger: testLogger(t), Timeouts: testTimeouts()}, testBindArg)
			if err != nil {
				t.Fatal(err)
			}
			if a.c.tsduOut != c.wantSend || a.c.tsduIn != c.wantReceive {
				t.Errorf("initiator sends within %d, receives within %d; want %d, %d", a.c.tsduOut, a.c.tsduIn, c.wantSend, c.wantReceive)
			}
			for _, apdu := range [][]byte{up, testAPDU(300)} {
				if err := a.Transfer(ctx, apdu); err != nil {
					t.Fatalf("transfer: %v", err)
				}
			}
			if err := a.GiveTurn(ctx); err != nil {
				t.Fatal(err)
			}
			apdu, confirm, err := a.Receive(ctx)
			if err != nil || !bytes.Equal(apdu, back) {
				t.Fatalf("receive: %d octets, %v", len(apdu), err)
			}
			if err := confirm(); err != nil {
				t.Fatal(err)
			}
			if err := a.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatalf("responder: %v", err)
			}
			if rs.c.tsduOut != c.wantReceive || rs.c.tsduIn != c.wantSend {
				t.Errorf("responder sends within %d, receives within %d", rs.c.tsduOut, rs.c.tsduIn)
			}
			st := stats()
			for dir, size := range []int{c.wantSend, c.wantReceive} {
				switch {
				case size == 0 && st.segments[dir] != 0:
					t.Errorf("direction %d: %d segments without segmenting", dir, st.segments[dir])
				case size == 0:
				case st.max[dir] > size:
					t.Errorf("direction %d: a TSDU of %d octets, more than %d", dir, st.max[dir], size)
				case st.segments[dir] == 0:
					t.Errorf("direction %d: no segment", dir)
				}
			}
		})
	}
}

// ppAC returns PP's AC (ping88mon) with the TSDU Maximum Size t.
func ppAC(t *testing.T, ts session.TSDUMaxSize) []byte {
	b, err := os.ReadFile("testdata/ping88mon-f09-resp.bin")
	if err != nil {
		t.Fatal(err)
	}
	ss, err := session.DecodeTSDU(b[7:])
	if err != nil {
		t.Fatal(err)
	}
	ss[0].ConnAccept.TSDUMaxSize = session.Some(ts)
	tsdu, err := session.AppendTSDU(nil, ss...)
	if err != nil {
		t.Fatal(err)
	}
	return tsdu
}

// A peer that sends a TSDU over the size agreed for what we receive gets
// an AB: our listener (its AC agreed 512 to PP's CN proposing 2041), and
// our Dial (proposing 512, agreed by the peer's AC).
func TestSegmentedOversize(t *testing.T) {
	big := append(session.AppendDataHeader(nil), make([]byte, 600)...)
	t.Run("listener", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		l, err := Listen("127.0.0.1:0", ListenConfig{TSDUMaxSize: 512, Logger: testLogger(t), Timeouts: testTimeouts()})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		errc := make(chan error, 1)
		go func() {
			in, err := l.Accept(ctx)
			if err == nil {
				var a *Association
				if a, err = in.Accept(ctx, ppPingBindResult); err == nil {
					_, _, err = a.Receive(ctx)
				}
			}
			errc <- err
		}()
		r := rawInitiator(t, l)
		cn, err := os.ReadFile("testdata/ping88mon-f08-init.bin")
		if err != nil {
			t.Fatal(err)
		}
		r.nc.Write(cn)
		_, ss := r.recv()
		if len(ss) != 1 || ss[0].Kind != session.KindAC || ss[0].ConnAccept.TSDUMaxSize != session.Some(session.TSDUMaxSize{InitToResp: 512, RespToInit: 2041}) {
			t.Fatalf("AC %+v", ss)
		}
		r.send(session.SPDU{Kind: session.KindGT}, session.SPDU{Kind: session.KindAS, ActivityID: []byte{2, 1, 1}})
		r.sendTSDU(big)
		if k := r.expectEnd(); len(k) != 1 || k[0] != session.KindAB {
			t.Errorf("answer %v, want AB", k)
		}
		var ae *AbortError
		if err := <-errc; !errors.As(err, &ae) || ae.Peer || !strings.Contains(err.Error(), "more than the maximum size 512") {
			t.Errorf("receive: %v", err)
		}
	})
	t.Run("dial", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		addr, ends := rawResponder(t)
		kinds := make(chan []session.Kind, 1)
		go func() {
			r := <-ends
			if r == nil {
				kinds <- nil
				return
			}
			if _, ss := r.recv(); len(ss) != 1 || ss[0].ConnAccept.TSDUMaxSize != session.Some(session.TSDUMaxSize{InitToResp: 512, RespToInit: 512}) {
				t.Errorf("CN %+v", ss)
			}
			r.sendTSDU(ppAC(t, session.TSDUMaxSize{InitToResp: 512, RespToInit: 512}))
			for {
				_, ss := r.recv()
				if ss == nil {
					kinds <- nil
					return
				}
				if s := ss[len(ss)-1]; s.Kind == session.KindAE {
					break
				} else if s.Kind == session.KindDT && (!s.Enclosure.Ok || s.Enclosure.V != session.EnclosureBegin|session.EnclosureEnd) {
					t.Errorf("DT %+v: not one whole SSDU with its Enclosure Item", s)
				}
			}
			r.sendTSDU(big)
			kinds <- r.expectEnd()
		}()
		a, _, err := Dial(ctx, DialConfig{Address: addr, TSDUMaxSize: 512, Logger: testLogger(t), Timeouts: testTimeouts()}, ppPingBindArg)
		if err != nil {
			t.Fatal(err)
		}
		err = a.Transfer(ctx, testAPDU(100))
		var ae *AbortError
		if !errors.As(err, &ae) || ae.Peer || !strings.Contains(err.Error(), "more than the maximum size 512") {
			t.Errorf("transfer: %v", err)
		}
		if k := <-kinds; len(k) != 1 || k[0] != session.KindAB {
			t.Errorf("answer %v, want AB", k)
		}
	})
}

// Segmented SSDUs out of order (X.225 §7.11), and one over Limits.MaxTSDU:
// an AB; the peer's AB in the middle of one: its abort.
func TestSegmentedMalformed(t *testing.T) {
	gt := session.SPDU{Kind: session.KindGT}
	dt := func(enc byte, n int) []session.SPDU {
		s := session.SPDU{Kind: session.KindDT, Info: make([]byte, n)}
		if enc != 0xff {
			s.Enclosure = session.Some(enc)
		}
		return []session.SPDU{gt, s}
	}
	const begin, end, none = session.EnclosureBegin, session.EnclosureEnd, 0xff
	for _, c := range []struct {
		name string
		send [][]session.SPDU
		peer bool
		msg  string
	}{
		{"end-without-begin", [][]session.SPDU{dt(end, 10)}, false, "without the beginning"},
		{"middle-without-begin", [][]session.SPDU{dt(0, 10)}, false, "without the beginning"},
		{"mip-in-the-middle", [][]session.SPDU{dt(begin, 10), {gt, {Kind: session.KindMIP, Serial: session.Some[uint32](1)}}}, false, "in the middle of a segmented SSDU"},
		{"begin-twice", [][]session.SPDU{dt(begin, 10), dt(begin, 10)}, false, "before the end of the last"},
		{"no-enclosure", [][]session.SPDU{dt(begin, 10), dt(none, 10)}, false, "without its Enclosure Item"},
		{"too-big", [][]session.SPDU{dt(begin, 1000), dt(0, 1000), dt(0, 1000), dt(0, 1000), dt(0, 1000)}, false, "more than 4096 octets"},
		{"peer-abort", [][]session.SPDU{dt(begin, 10), {{Kind: session.KindAB, Disconnect: session.Some(session.TDRelease)}}}, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			l, err := Listen("127.0.0.1:0", ListenConfig{Limits: Limits{MaxTSDU: 4096}, Logger: testLogger(t), Timeouts: testTimeouts()})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			errc := make(chan error, 1)
			go func() {
				in, err := l.Accept(ctx)
				if err == nil {
					var a *Association
					if a, err = in.Accept(ctx, ppPingBindResult); err == nil {
						_, _, err = a.Receive(ctx)
					}
				}
				errc <- err
			}()
			r := rawInitiator(t, l)
			cn, err := os.ReadFile("testdata/ping88mon-f08-init.bin")
			if err != nil {
				t.Fatal(err)
			}
			r.nc.Write(cn)
			if _, ss := r.recv(); len(ss) != 1 || ss[0].Kind != session.KindAC {
				t.Fatalf("AC %+v", ss)
			}
			r.send(gt, session.SPDU{Kind: session.KindAS, ActivityID: []byte{2, 1, 1}})
			for _, s := range c.send {
				r.send(s...)
			}
			k := r.expectEnd()
			err = <-errc
			var ae *AbortError
			if !errors.As(err, &ae) || ae.Peer != c.peer || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("receive: %v", err)
			}
			if c.peer {
				return
			}
			if len(k) != 1 || k[0] != session.KindAB {
				t.Errorf("answer %v, want AB", k)
			}
		})
	}
}

// A size under the 128 octets we support, for what we send: the
// listener refuses the CN (RF, SPM implementation restriction), Dial
// aborts on the AC.
func TestSegmentedTooSmall(t *testing.T) {
	t.Run("listener", func(t *testing.T) {
		l, err := Listen("127.0.0.1:0", ListenConfig{TSDUMaxSize: 512, Logger: testLogger(t), Timeouts: testTimeouts()})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		errc := acceptErr(t.Context(), l)
		b, err := os.ReadFile("testdata/ping88mon-f08-init.bin")
		if err != nil {
			t.Fatal(err)
		}
		ss, err := session.DecodeTSDU(b[7:])
		if err != nil {
			t.Fatal(err)
		}
		ss[0].ConnAccept.TSDUMaxSize = session.Some(session.TSDUMaxSize{InitToResp: 2041, RespToInit: 100})
		r := rawInitiator(t, l)
		r.send(ss...)
		if _, ss := r.recv(); len(ss) != 1 || ss[0].Kind != session.KindRF || ss[0].Reason != session.Some(session.RefuseSPMImplementation) {
			t.Errorf("answer %+v", ss)
		}
		r.expectEnd()
		if err := <-errc; err == nil || !strings.Contains(err.Error(), "under the 128") {
			t.Errorf("accept: %v", err)
		}
	})
	t.Run("dial", func(t *testing.T) {
		addr, ends := rawResponder(t)
		kinds := make(chan []session.Kind, 1)
		go func() {
			r := <-ends
			if r == nil {
				kinds <- nil
				return
			}
			r.recv()
			r.sendTSDU(ppAC(t, session.TSDUMaxSize{InitToResp: 100, RespToInit: 512}))
			kinds <- r.expectEnd()
		}()
		_, _, err := Dial(t.Context(), DialConfig{Address: addr, TSDUMaxSize: 512, Logger: testLogger(t), Timeouts: testTimeouts()}, ppPingBindArg)
		var ae *AbortError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), "under the 128") {
			t.Errorf("dial: %v", err)
		}
		if k := <-kinds; len(k) != 1 || k[0] != session.KindAB {
			t.Errorf("answer %v, want AB", k)
		}
	})
	for _, n := range []int{1, 127, 65536, -1} {
		if _, err := Listen("127.0.0.1:0", ListenConfig{TSDUMaxSize: n}); err == nil {
			t.Errorf("Listen with TSDUMaxSize %d", n)
		}
		if _, _, err := Dial(t.Context(), DialConfig{Address: "127.0.0.1:1", TSDUMaxSize: n}, testBindArg); err == nil || !strings.Contains(err.Error(), "TSDU maximum size") {
			t.Errorf("Dial with TSDUMaxSize %d: %v", n, err)
		}
	}
}
