package osi

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"mixerd/osi/transport"
)

// PP's MTABindArguments, as tshark shows them in frame 8 of the captures
// (x411.MTABindArgument, authenticated, simple octet-string credentials).
var (
	ppPingBindArg = mustHex("a11f80126d74612d612e746573742e6578616d706c65a109040773656372657441") // mta-a.test.example / secretA
	ppXferBindArg = mustHex("a11080054d54412d41a10704057061737341")                               // MTA-A / passA
	// PP's MTABindResults (frame 9): the ping captures answer with the
	// same name and password, the transfer with MTA-B / passB.
	ppPingBindResult = ppPingBindArg
	ppXferBindResult = mustHex("a11080054d54412d42a10704057061737342")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// frames returns the testdata files of one capture in frame order.
func frames(t *testing.T, capture string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", capture+"-f*.bin"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no frames for %s: %v", capture, err)
	}
	sort.Strings(names)
	return names
}

// replay plays PP's initiator bytes of capture against our listener: each
// init frame is sent as PP sent it, and for each resp frame of PP's
// responder one TPKT of ours is read and compared with it: when the
// server answers the bind with PP's bind result, our bytes are PP's (but
// for the CC's SRC-REF, which is ours).
func replay(t *testing.T, capture string, wantArg []byte, server func(ctx context.Context, in *Incoming) error) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	// PP answers checkpoint size 1 (KiB) to PP's 63: our default takes
	// 63, so the replay asks for PP's answer.
	l, err := Listen("127.0.0.1:0", ListenConfig{CheckpointSize: 1, Logger: testLogger(t), Timeouts: testTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan error, 1)
	go func() {
		in, err := l.Accept(ctx)
		if err != nil {
			done <- err
			return
		}
		if !bytes.Equal(in.BindArgument, wantArg) {
			t.Errorf("bind argument %x, want PP's %x", in.BindArgument, wantArg)
		}
		done <- server(ctx, in)
	}()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	for _, name := range frames(t, capture) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(name, "-init.bin") {
			if _, err := nc.Write(b); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			continue
		}
		pkt, err := transport.ReadTPKT(nc, nil, transport.MaxTPKTLen)
		if err != nil {
			t.Fatalf("answer to %s: %v", name, err)
		}
		// PP's answer, octet for octet, but for our SRC-REF in the CC.
		want := bytes.Clone(b)
		if pkt[5] == 0xd0 && len(pkt) == len(want) {
			copy(want[8:10], pkt[8:10])
		}
		if !bytes.Equal(pkt, want) {
			t.Errorf("%s:\n ours %x\n PP's %x", name, pkt, b)
		}
	}
	// After PP's DR the responder closes.
	if _, err := nc.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("after the DR: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("server: %v", err)
	}
}

func TestReplayPPBind(t *testing.T) {
	for _, c := range []struct {
		capture string
		mode    Mode
		dm      int
		arg     []byte
	}{
		{"ping88mon", Mode1988Normal, 0, ppPingBindArg},
		{"ping88twa", Mode1988Normal, 1, ppPingBindArg},
		{"ping88x410", Mode1988X410, 0, ppPingBindArg},
		{"ping84", Mode1984, 0, ppPingBindArg},
	} {
		t.Run(c.capture, func(t *testing.T) {
			replay(t, c.capture, c.arg, func(ctx context.Context, in *Incoming) error {
				if in.Mode != c.mode || int(in.DialogueMode) != c.dm || in.CheckpointSize != 63 {
					t.Errorf("request %+v", in)
				}
				a, err := in.Accept(ctx, ppPingBindResult)
				if err != nil {
					return err
				}
				return a.Close(ctx)
			})
		})
	}
}

// PP's whole message transfer (pp-p1-1988-message-transfer.pcap): bind,
// GT+AS, GT+DT (the RTTR), GT+AE; we answer PT+MAA only once the APDU is
// confirmed, then the release.
func TestReplayPPTransfer(t *testing.T) {
	frame12, err := os.ReadFile("testdata/xfer88-f12-init.bin")
	if err != nil {
		t.Fatal(err)
	}
	replay(t, "xfer88", ppXferBindArg, func(ctx context.Context, in *Incoming) error {
		if in.Mode != Mode1988Normal || in.CheckpointSize != 63 || string(in.CalledTSAP) != "x400in88" {
			t.Errorf("request %+v", in)
		}
		a, err := in.Accept(ctx, ppXferBindResult)
		if err != nil {
			return err
		}
		apdu, confirm, err := a.Receive(ctx)
		if err != nil {
			return err
		}
		// The MTS-APDU is the single-ASN1-type of the EXTERNAL in the
		// RTTR: a message ([APPLICATION 1]... as PP encodes it) of the
		// octets PP sent.
		if len(apdu) < 700 || !bytes.Contains(frame12, apdu) {
			t.Errorf("APDU %d octets: %x", len(apdu), apdu)
		}
		if err := confirm(); err != nil {
			return err
		}
		if _, _, err := a.Receive(ctx); !errors.Is(err, ErrReleased) {
			return fmt.Errorf("after the transfer: %v", err)
		}
		return nil
	})
}
