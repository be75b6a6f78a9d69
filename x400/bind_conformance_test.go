package x400

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"mixerd/internal/tshark"
)

// TestTsharkDecodesBinds puts our encodings of an MTABindArgument and an
// MTABindResult into PP's captured associations in place of PP's own (the
// OSI layers around them are PP's bytes; our values have the same lengths
// so that no enclosing length changes) and has tshark's p1 dissector decode
// them, in each mode the vectors hold: 1988 normal mode (monologue and
// two-way alternate), X.410 mode, and 1984.
func TestTsharkDecodesBinds(t *testing.T) {
	path := tshark.Require(t)
	captures := map[string]string{
		"pp-ping-1988-normal-mon.pcapng": "normal_mon",
		"pp-ping-loop88twa.pcapng":       "twa",
		"pp-ping-loop88x410.pcapng":      "x410",
		"pp-ping-loop84.pcapng":          "loop84",
	}
	for capture, short := range captures {
		t.Run(short, func(t *testing.T) {
			pcap, err := os.ReadFile(filepath.Join("..", "..", "shared", "vectors", "pp-captures", capture))
			if os.IsNotExist(err) {
				t.Skip("../shared/vectors is not beside the repository")
			}
			if err != nil {
				t.Fatal(err)
			}
			ppArg, err := os.ReadFile("testdata/p1_bindarg_" + short + ".ber")
			if err != nil {
				t.Fatal(err)
			}
			ppRes, err := os.ReadFile("testdata/p1_bindres_" + short + ".ber")
			if err != nil {
				t.Fatal(err)
			}
			pa, err := DecodeMTABindArgument(ppArg, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Same lengths as PP's values, other contents.
			arg := &MTABindArgument{
				InitiatorName: "mta-z.nato.example"[:len(pa.InitiatorName)],
				Credentials:   Credentials{Password: "Zz9!Zz9!Zz9!Zz9!"[:len(pa.Credentials.Password)], PasswordIA5: pa.Credentials.PasswordIA5},
			}
			res := &MTABindResult{
				ResponderName: "mta-y.nato.example"[:len(pa.InitiatorName)],
				Credentials:   Credentials{Password: "Yy8?Yy8?Yy8?Yy8?"[:len(pa.Credentials.Password)], PasswordIA5: pa.Credentials.PasswordIA5},
			}
			ourArg, err := arg.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			ourRes, err := res.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if len(ourArg) != len(ppArg) || len(ourRes) != len(ppRes) {
				t.Fatalf("our encodings are %d and %d octets, PP's %d and %d", len(ourArg), len(ourRes), len(ppArg), len(ppRes))
			}
			// The argument travels first (AARQ or session CN), the result
			// second (AARE or AC).
			i := bytes.Index(pcap, ppArg)
			if i < 0 {
				t.Fatal("PP's bind argument is not in the capture")
			}
			copy(pcap[i:], ourArg)
			j := bytes.Index(pcap[i+len(ppArg):], ppRes)
			if j < 0 {
				t.Fatal("PP's bind result is not in the capture")
			}
			copy(pcap[i+len(ppArg)+j:], ourRes)
			f := filepath.Join(t.TempDir(), capture)
			if err := os.WriteFile(f, pcap, 0o644); err != nil {
				t.Fatal(err)
			}
			problems, err := tshark.Problems(path, f, "", tshark.Check{
				Ports:   []int{20001},
				Require: []string{"p1.MTABindArgument", "p1.MTABindResult", "p1.initiator_credentials", "p1.responder_credentials"},
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Error(p)
			}
			for field, want := range map[string]string{"p1.authenticated.initiator-name": arg.InitiatorName, "p1.authenticated.responder-name": res.ResponderName} {
				got, err := tshark.Fields(path, f, "", field, 20001)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 || got[0] != want {
					t.Errorf("tshark shows %s = %q, want %q", field, got, want)
				}
			}
		})
	}
}
