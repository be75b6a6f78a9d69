package osi

import (
	"bytes"
	"context"
	"net"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"mixerd/osi/presentation"
	"mixerd/osi/rtse"
	"mixerd/osi/session"
	"mixerd/osi/transport"
)

// ppResponder plays PP's responder bytes of capture to our Dial: each
// TPKT we send is read and kept, and after each of PP's init frames
// comes PP's answer (the CC with its DST-REF set to our SRC-REF).
func ppResponder(t *testing.T, capture string) (addr string, sent <-chan [][]byte) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan [][]byte, 1)
	names := frames(t, capture)
	go func() {
		var got [][]byte
		defer func() { ch <- got }()
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		var ref [2]byte
		for _, name := range names {
			b, err := os.ReadFile(name)
			if err != nil {
				return
			}
			if strings.HasSuffix(name, "-init.bin") {
				// One of our TPKTs (PP's frame may hold several).
				for rest := b; len(rest) > 0; {
					_, r, err := transport.SplitTPKT(rest, transport.MaxTPKTLen)
					if err != nil {
						return
					}
					rest = r
					ours, err := transport.ReadTPKT(nc, nil, transport.MaxTPKTLen)
					if err != nil {
						return
					}
					if ours[5]&0xf0 == 0xe0 {
						copy(ref[:], ours[8:10])
					}
					got = append(got, ours)
				}
				continue
			}
			if b[5] == 0xd0 {
				b = bytes.Clone(b)
				copy(b[6:8], ref[:])
			}
			nc.Write(b)
		}
	}()
	return ln.Addr().String(), ch
}

// Our Dial against PP's responder bytes: it reads PP's CC, AC (CPA, AARE,
// RTOAC, bind-result) and DN, and what it sends carries what PP's
// initiator sent: the same CR parameters, the same CN requirements and
// CP (octet for octet), the same FN.
func TestDialPPResponder(t *testing.T) {
	for _, c := range []struct {
		capture string
		mode    Mode
		dm      int
	}{
		{"ping88mon", Mode1988Normal, 0},
		{"ping88twa", Mode1988Normal, 1},
		{"ping88x410", Mode1988X410, 0},
		{"ping84", Mode1984, 0},
	} {
		t.Run(c.capture, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			addr, sent := ppResponder(t, c.capture)
			pcr, _ := os.ReadFile("testdata/" + c.capture + "-f04-init.bin")
			cr, err := transport.ParseCR(pcr[4:])
			if err != nil {
				t.Fatal(err)
			}
			a, res, err := Dial(ctx, DialConfig{Address: addr, CallingTSAP: cr.CallingTSAP, CalledTSAP: cr.CalledTSAP,
				Mode: c.mode, DialogueMode: rtse.DialogueMode(c.dm), CheckpointSize: 63,
				Logger: testLogger(t), Timeouts: testTimeouts()}, ppPingBindArg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(res, ppPingBindResult) || a.CheckpointSize != 1 || a.WindowSize != 3 || a.TPDUSize != 2048 ||
				a.SessionVersion != session.Version2 || a.Requirements != ourFUs {
				t.Errorf("agreed %+v, bind result %x", a, res)
			}
			if err := a.Close(ctx); err != nil {
				t.Fatal(err)
			}
			got := <-sent
			if len(got) != 4 {
				t.Fatalf("%d TPKTs sent", len(got))
			}
			// CR: PP's but for SRC-REF.
			want := bytes.Clone(pcr)
			copy(want[8:10], got[0][8:10])
			if !bytes.Equal(got[0], want) {
				t.Errorf("CR\n ours %x\n PP's %x", got[0], pcr)
			}
			// CN: PP's CP (the same values; PP uses indefinite lengths in
			// the CP of normal mode, we write DER) and requirements (the connection references,
			// the common reference time and PP's TSDU sizes differ).
			pcn, _ := os.ReadFile("testdata/" + c.capture + "-f08-init.bin")
			ours, err1 := session.DecodeTSDU(got[1][7:])
			theirs, err2 := session.DecodeTSDU(pcn[7:])
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			o, p := ours[0], theirs[0]
			if !sameCP(t, o.UserData, p.UserData) || o.Requirements != p.Requirements ||
				o.ConnAccept.Version != p.ConnAccept.Version || o.ConnAccept.TokenSetting != p.ConnAccept.TokenSetting {
				t.Errorf("CN\n ours %x\n PP's %x", got[1], pcn)
			}
			// FN: PP's octets.
			pfn, _ := os.ReadFile("testdata/" + c.capture + "-f10-init.bin")
			if !bytes.Equal(got[2], pfn) {
				t.Errorf("FN\n ours %x\n PP's %x", got[2], pfn)
			}
			if got[3][5] != 0x80 || got[3][10] != 128 {
				t.Errorf("DR %x", got[3])
			}
		})
	}
}

// sameCP reports whether two CP-types carry the same mode, contexts and
// user data (the X.410 parameters or the AARQ octet for octet).
func sameCP(t *testing.T, a, b []byte) bool {
	x, err1 := presentation.DecodeCP(a)
	y, err2 := presentation.DecodeCP(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if x.Mode != y.Mode || !bytes.Equal(x.X410, y.X410) || (x.Normal == nil) != (y.Normal == nil) {
		return false
	}
	if x.Normal == nil {
		return true
	}
	return reflect.DeepEqual(x.Normal.Contexts, y.Normal.Contexts) &&
		bytes.Equal(x.Normal.UserData.PDV(ctxACSE).Value, y.Normal.UserData.PDV(ctxACSE).Value) &&
		bytes.Equal(x.Normal.CallingSelector, y.Normal.CallingSelector) && bytes.Equal(x.Normal.CalledSelector, y.Normal.CalledSelector)
}
