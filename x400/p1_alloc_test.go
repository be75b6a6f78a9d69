package x400

import (
	"reflect"
	"testing"
)

// Allocation bounds of DecodeMTSAPDU, pinned by TestP1DecodeAllocs so that
// they cannot silently come back. They are the counts measured when the
// test was written (before the allocation work: 13 for the typical
// message of the benchmarks, now 6 for its envelope):
//
//   - 1: the ber.Reader's state (ber.NewReader);
//   - 1: the MTS-APDU together with its message, probe or report and the
//     spare storage of the decode (EncodedInformationTypes, a report's
//     ContentType, a probe's content length);
//   - 1 per list, sized exactly with ber.Reader.Count (per-recipient
//     fields, trace information, each extensions list);
//   - 1 for the organizational unit names of all the O/R names (see
//     oraddrTake);
//   - for a report, 1 per delivery or non-delivery report.
const (
	p1AllocsPP     = 6  // testdata/p1_message_pp1988.ber, PP's vector
	p1AllocsSample = 7  // SampleMessage
	p1AllocsReport = 11 // SampleReport
	p1AllocsProbe  = 6  // SampleProbe
)

func TestP1DecodeAllocs(t *testing.T) {
	enc := func(a *MTSAPDU) []byte {
		b, err := a.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, c := range []struct {
		name string
		b    []byte
		max  float64
	}{
		{"pp1988", p1Read(t, "p1_message_pp1988.ber"), p1AllocsPP},
		{"sample", enc(SampleMessage()), p1AllocsSample},
		{"report", enc(SampleReport()), p1AllocsReport},
		{"probe", enc(SampleProbe()), p1AllocsProbe},
	} {
		if _, err := DecodeMTSAPDU(c.b, nil); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		n := testing.AllocsPerRun(100, func() {
			if _, err := DecodeMTSAPDU(c.b, nil); err != nil {
				panic(err)
			}
		})
		if n > c.max {
			t.Errorf("%s: DecodeMTSAPDU makes %v allocations, want at most %v", c.name, n, c.max)
		}
	}
}

// TestP1MarshalAllocs checks that MTSAPDU.Marshal's size hint is large
// enough and that the builder stays on the stack: one allocation (the
// buffer returned). SampleMessage lists its extensions out of DER SET OF
// order: sorting them costs one more.
func TestP1MarshalAllocs(t *testing.T) {
	for _, c := range []struct {
		name string
		a    *MTSAPDU
		max  float64
	}{
		{"sample", SampleMessage(), 2},
		{"report", SampleReport(), 1},
		{"probe", SampleProbe(), 1},
		{"typical", newBenchTypical(t).Message, 1},
	} {
		n := testing.AllocsPerRun(100, func() {
			if _, err := c.a.Marshal(); err != nil {
				panic(err)
			}
		})
		if n > c.max {
			t.Errorf("%s: MTSAPDU.Marshal makes %v allocations, want at most %v", c.name, n, c.max)
		}
	}
}

// TestP1DecodeSharedStorage checks that the lists cut from storage shared
// within one decode do not overlap: appending to one leaves the others
// unchanged.
func TestP1DecodeSharedStorage(t *testing.T) {
	most := 0
	for _, b := range [][]byte{p1Read(t, "p1_message_pp1988.ber"), p1MustMarshal(t, SampleMessage()), p1MustMarshal(t, SampleReport())} {
		a, err := DecodeMTSAPDU(b, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := DecodeMTSAPDU(b, nil)
		var names []*ORName
		if m := a.Message; m != nil {
			names = append(names, &m.Envelope.OriginatorName)
			for i := range m.Envelope.PerRecipientFields {
				names = append(names, &m.Envelope.PerRecipientFields[i].RecipientName)
			}
		}
		if r := a.Report; r != nil {
			names = append(names, &r.Envelope.ReportDestinationName)
			for i := range r.Content.PerRecipientFields {
				names = append(names, &r.Content.PerRecipientFields[i].ActualRecipientName)
			}
		}
		ous := 0
		for _, n := range names {
			if len(n.OrganizationalUnits) > 0 {
				ous++
				_ = append(n.OrganizationalUnits, "CLOBBER", "CLOBBER")
			}
		}
		most = max(most, ous)
		if !reflect.DeepEqual(a, want) {
			t.Errorf("appending to one O/R name's organizational units changed another")
		}
		if m := a.Message; m != nil && m.Envelope.OriginalEITs != nil {
			for _, el := range m.Envelope.TraceInformation {
				if el.DomainSuppliedInformation.ConvertedEITs == m.Envelope.OriginalEITs {
					t.Errorf("converted and original EITs share storage")
				}
			}
		}
	}
	if most < 2 {
		t.Errorf("no sample has two O/R names with organizational units: the test needs them")
	}
}

func p1MustMarshal(t *testing.T, a *MTSAPDU) []byte {
	t.Helper()
	b, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
