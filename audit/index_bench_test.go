package audit

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"mixerd/queue"
)

// The benchmark's log: benchRecords departed records of benchRcpts
// recipients each (1,000,000 message-recipients), a day's traffic.
const (
	benchRecords = 250_000
	benchRcpts   = 4
	benchBatch   = 5_000
)

// benchDeparted is the i-th departed record: every message has an MTS
// identifier, an ENVID and a Message-ID, half an IPM identifier (they came
// from X.400) and a quarter a content correlator; each recipient has its
// address in both worlds, a quarter an ORCPT, and the attempt that left.
func benchDeparted(i int) *Record {
	at := idxT0.Add(time.Duration(i) * (24 * time.Hour / benchRecords))
	r := &Record{
		Time: at, Event: EventDeparted, Gateway: "GW1", ID: fmt.Sprintf("0%011X", i*7919), Kind: "message",
		Precedence: "ROUTINE", Protocol: "smtp", Peer: "relay-a",
		Keys: Keys{
			MTSID:          fmt.Sprintf("[c=GB;a=TEST;p=PTEST;gw1.mil.example.%08d.20260301]", i),
			EnvID:          fmt.Sprintf("gw1.mil.example.%08d.20260301", i),
			MessageID:      fmt.Sprintf("<%08d.20260301120000@gw1.mil.example>", i),
			Originator:     fmt.Sprintf("/C=GB/ADMD=TEST/PRMD=PTEST/O=Unit%d/S=Sender%d/", i%97, i%1013),
			OriginatorSMTP: fmt.Sprintf("sender%d@unit%d.mil.example", i%1013, i%97),
			Ret:            "HDRS",
		},
	}
	if i%2 == 0 {
		r.Keys.IPMID = fmt.Sprintf("<%08d.ipm@ptest.test.gb>", i)
	}
	if i%4 == 0 {
		r.Keys.ContentCorrelator = fmt.Sprintf("CORR-%06d", i)
	}
	for j := range benchRcpts {
		u := i*benchRcpts + j
		rc := Recipient{
			Index: j, Number: j + 1,
			X400:    fmt.Sprintf("/C=GB/ADMD=TEST/PRMD=PTEST/O=Unit%d/S=User%d/", u%89, u),
			SMTP:    fmt.Sprintf("user%d@unit%d.mil.example", u, u%89),
			Notify:  "SUCCESS,FAILURE",
			Reports: "all", ReadReports: "all",
			Attempt: &queue.Attempt{Time: at, NextHop: "relay-a", Stage: queue.StageData, Result: queue.ResultAccepted, Code: 250, Enhanced: "2.0.0", Text: "2.0.0 Ok: queued as 4ZxYw1"},
		}
		if u%4 == 1 {
			rc.ORcptType, rc.ORcpt = "rfc822", fmt.Sprintf("alias%d@mil.example", u)
		}
		r.Recipients = append(r.Recipients, rc)
	}
	return r
}

// BenchmarkIndexLookup correlates acknowledgements with 1,000,000
// recorded message-recipients: a real log (250,000 departed records of 4
// recipients, written in batches of 5,000 in b.TempDir, about 470 MB),
// indexed at start-up by BuildIndex. DSN looks up by ENVID and
// Final-Recipient, MDN by Original-Message-ID and Final-Recipient (each a
// pread and a decode of the candidate record); both report the index's
// heap (index-MB, B/recipient, from runtime.ReadMemStats around
// BuildIndex) and BuildIndex's time at start-up (build-s, once per run:
// it reads the whole log).
func BenchmarkIndexLookup(b *testing.B) {
	dir := b.TempDir()
	l := openIdxLog(b, dir)
	defer l.Close()
	start := time.Now()
	recs := make([]*Record, 0, benchBatch)
	for i := 0; i < benchRecords; i += benchBatch {
		recs = recs[:0]
		for j := i; j < i+benchBatch; j++ {
			recs = append(recs, benchDeparted(j))
		}
		if _, err := l.Append(recs...); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("set-up: %d departed records, %d message-recipients written in %v", benchRecords, benchRecords*benchRcpts, time.Since(start).Round(time.Millisecond))
	recs = nil

	now := idxT0.Add(24 * time.Hour)
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	start = time.Now()
	x, err := BuildIndex(l, 7*24*time.Hour, now)
	build := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	heap := float64(int64(m1.HeapAlloc) - int64(m0.HeapAlloc))
	if x.Len() != benchRecords {
		b.Fatalf("indexed %d records", x.Len())
	}
	b.Logf("BuildIndex: %v, heap %.1f MB (%d postings)", build.Round(time.Millisecond), heap/1e6, len(x.slot))
	metrics := func(b *testing.B) {
		b.ReportMetric(heap/1e6, "index-MB")
		b.ReportMetric(heap/(benchRecords*benchRcpts), "B/recipient")
		b.ReportMetric(build.Seconds(), "build-s")
	}

	lookup := func(b *testing.B, q func(i, j int) Query) {
		rng := rand.New(rand.NewPCG(1, 2))
		for b.Loop() {
			i, j := rng.IntN(benchRecords), rng.IntN(benchRcpts)
			m, err := x.Lookup(q(i, j))
			if err != nil {
				b.Fatal(err)
			}
			if m.Recipient.Index != j || m.Record.Keys.EnvID != fmt.Sprintf("gw1.mil.example.%08d.20260301", i) {
				b.Fatalf("record %d recipient %d: matched %s recipient %d", i, j, m.Record.ID, m.Recipient.Index)
			}
		}
		metrics(b)
	}
	b.Run("DSN", func(b *testing.B) {
		lookup(b, func(i, j int) Query {
			u := i*benchRcpts + j
			return Query{EnvID: fmt.Sprintf("gw1.mil.example.%08d.20260301", i), Recipient: fmt.Sprintf("rfc822;user%d@unit%d.mil.example", u, u%89)}
		})
	})
	b.Run("MDN", func(b *testing.B) {
		lookup(b, func(i, j int) Query {
			u := i*benchRcpts + j
			return Query{MessageID: fmt.Sprintf("<%08d.20260301120000@gw1.mil.example>", i), Recipient: fmt.Sprintf("user%d@unit%d.mil.example", u, u%89)}
		})
	})
	b.Run("X400Report", func(b *testing.B) {
		// An X.400 delivery report: subject MTS identifier and the
		// originally-specified-recipient-number.
		lookup(b, func(i, j int) Query {
			return Query{MTSID: fmt.Sprintf("[c=GB;a=TEST;p=PTEST;gw1.mil.example.%08d.20260301]", i), Number: j + 1}
		})
	})
	b.Run("Unmatched", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(3, 4))
		for b.Loop() {
			if _, err := x.Lookup(Query{EnvID: fmt.Sprintf("gw9.example.%08d", rng.IntN(benchRecords)), Recipient: "someone@example.org"}); err == nil {
				b.Fatal("matched")
			}
		}
		metrics(b)
	})
	runtime.KeepAlive(x)
}
