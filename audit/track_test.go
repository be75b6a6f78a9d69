package audit

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"mixerd/queue"
)

// trackLog writes the lives of a few messages at gateway GW1 and returns
// the log's directory:
//
//   - Q1, X.400 to SMTP: arrived by P1, converted (one drop), departed to
//     relay-a for two recipients; a DSN (spooled as Q2) and an MDN (Q4)
//     came back and were matched to it; the DSN was forwarded as report Q3.
//   - Q5, SMTP to X.400: arrived by SMTP, converted, deferred, failed; the
//     gateway made a non-delivery report (Q8).
//   - Q6, a DSN that matched nothing.
//   - Q7, a message a day later.
func trackLog(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	l := openIdxLog(t, dir)
	defer l.Close()
	x400bob := "/C=GB/ADMD=TEST/PRMD=PTEST/O=Beta/S=Bob/"
	q1keys := Keys{MTSID: "[c=GB;a=TEST;p=PTEST;peer.1]", IPMID: "<ipm.1@peer>", ContentCorrelator: "corr-1",
		Originator: "/C=GB/ADMD=TEST/PRMD=PTEST/O=Alpha/S=Alice/", OriginatorSMTP: "alice@alpha.example"}
	depKeys := q1keys
	depKeys.EnvID, depKeys.MessageID = "peer.1", "<ipm.1@peer>"
	bob := Recipient{Index: 0, Number: 1, X400: x400bob, SMTP: "bob@beta.example", Reports: "all", ReadReports: "all", Notify: "SUCCESS,FAILURE"}
	carol := Recipient{Index: 1, Number: 2, X400: "/C=GB/ADMD=TEST/PRMD=PTEST/O=Beta/S=Carol/", SMTP: "carol@beta.example", Reports: "failure"}
	accepted := func(r Recipient) Recipient {
		r.Attempt = &queue.Attempt{Time: idxT0.Add(2 * time.Second), NextHop: "relay-a", Stage: queue.StageData, Result: queue.ResultAccepted, Code: 250, Enhanced: "2.0.0", Text: "queued as ABC\x1b[2J"}
		return r
	}
	reason, diag := 1, 0
	recs := []*Record{
		{Time: idxT0, Event: EventArrived, ID: "Q1", Kind: "message", Precedence: "FLASH", Protocol: "p1", Peer: "PEER-MTA", Keys: q1keys, Recipients: []Recipient{bob, carol}},
		{Time: idxT0.Add(time.Second), Event: EventConverted, ID: "Q1", Kind: "message", Keys: depKeys, Recipients: []Recipient{bob, carol},
			Conversion: &Conversion{Direction: "x400-to-smtp", Mapped: 12, Carried: 2, Dropped: 1, Drops: []string{"P772 acp127-message-identifier: no mapping"}}},
		{Time: idxT0.Add(2 * time.Second), Event: EventDeparted, ID: "Q1", Kind: "message", Precedence: "FLASH", Protocol: "smtp", Peer: "relay-a", Keys: depKeys, Recipients: []Recipient{accepted(bob), accepted(carol)}},
		{Time: idxT0.Add(time.Minute), Event: EventArrived, ID: "Q5", Kind: "message", Precedence: "ROUTINE", Protocol: "smtp", Peer: "192.0.2.7",
			Keys:       Keys{MessageID: "<m5@delta.example>", OriginatorSMTP: "dave@delta.example", DispositionTo: "dave@delta.example"},
			Recipients: []Recipient{{Index: 0, SMTP: "erin@x400.example", X400: "/C=GB/ADMD=TEST/PRMD=PTEST/O=Gamma/S=Erin/", Notify: "FAILURE"}}},
		{Time: idxT0.Add(2 * time.Minute), Event: EventDeliveryReport, ID: "Q2", Kind: "dsn", Protocol: "smtp", Peer: "192.0.2.9",
			Keys: Keys{MessageID: "<dsn.2@mx.beta.example>"}, Recipients: []Recipient{{Index: 0, SMTP: "bob@beta.example"}},
			Ack: &Ack{Type: "dsn", Positive: true, Matched: true, SubjectID: "Q1", SubjectGateway: "GW1", SubjectSeq: 3,
				Subject: Keys{EnvID: "peer.1"}, Action: "delivered", Status: "2.0.0", By: "mx.beta.example", Forwarded: "Q3"}},
		{Time: idxT0.Add(3 * time.Minute), Event: EventDeferred, ID: "Q5", Kind: "message", Protocol: "p1", Peer: "PEER-MTA",
			Recipients: []Recipient{{Index: 0, X400: "/C=GB/ADMD=TEST/PRMD=PTEST/O=Gamma/S=Erin/", Attempt: &queue.Attempt{Result: queue.ResultTimeout, Stage: queue.StageBind, NextHop: "PEER-MTA"}}}},
		{Time: idxT0.Add(4 * time.Minute), Event: EventFailed, ID: "Q5", Kind: "message",
			Recipients: []Recipient{{Index: 0, X400: "/C=GB/ADMD=TEST/PRMD=PTEST/O=Gamma/S=Erin/", Attempt: &queue.Attempt{Result: queue.ResultError, Stage: queue.StageTransfer, NextHop: "PEER-MTA",
				X411: &queue.X411{Reason: 1, Diagnostic: 0, HasDiag: true}}}}},
		{Time: idxT0.Add(4 * time.Minute), Event: EventReportSent, ID: "Q8", Kind: "dsn", Protocol: "smtp", Peer: "dave@delta.example",
			Recipients: []Recipient{{Index: 0, SMTP: "erin@x400.example"}},
			Ack:        &Ack{Type: "dsn", Positive: false, Matched: true, SubjectID: "Q5", Action: "failed", Status: "5.4.4", Reason: &reason, Diagnostic: &diag}},
		{Time: idxT0.Add(5 * time.Minute), Event: EventReadReport, ID: "Q4", Kind: "mdn", Protocol: "smtp", Peer: "192.0.2.9",
			Recipients: []Recipient{{Index: 0, SMTP: "bob@beta.example"}},
			Ack: &Ack{Type: "mdn", Positive: true, Matched: true, SubjectID: "Q1", SubjectGateway: "GW1", Subject: Keys{MessageID: "<ipm.1@peer>"},
				Action: "manual-action/MDN-sent-manually; displayed", By: "bob@beta.example", Forwarded: "Q9"}},
		{Time: idxT0.Add(6 * time.Minute), Event: EventDeliveryReport, ID: "Q6", Kind: "dsn", Protocol: "smtp", Peer: "192.0.2.66",
			Ack: &Ack{Type: "dsn", Positive: false, Subject: Keys{EnvID: "env-unknown"}, Action: "failed", Status: "5.1.1",
				Problems: []string{"no departed message carries envid \"env-unknown\""}}},
		{Time: idxT0.Add(24 * time.Hour), Event: EventArrived, ID: "Q7", Kind: "message", Protocol: "smtp", Peer: "192.0.2.7",
			Keys: Keys{MessageID: "<m7@delta.example>", OriginatorSMTP: "dave@delta.example"}, Recipients: []Recipient{{Index: 0, SMTP: "bob@beta.example"}}},
	}
	if _, err := l.Append(recs...); err != nil {
		t.Fatal(err)
	}
	return dir
}

// track returns the lives a query selects, as "ID:event,event,..." each.
func trackAll(t *testing.T, dir string, q TrackQuery) ([]*Life, []string) {
	t.Helper()
	var lives []*Life
	var sums []string
	err := Track(dir, q, func(l *Life) error {
		lives = append(lives, l)
		var evs []string
		for _, r := range l.Records {
			evs = append(evs, string(r.Event))
		}
		sums = append(sums, l.ID+":"+strings.Join(evs, ","))
		return nil
	})
	if err != nil {
		t.Fatalf("Track(%+v): %v", q, err)
	}
	return lives, sums
}

func TestTrackByKey(t *testing.T) {
	dir := trackLog(t)
	q1 := "Q1:arrived,converted,departed,delivery-report,read-report"
	q5 := "Q5:arrived,deferred,failed,report-sent"
	for key, want := range map[string]string{
		"Q1":                           q1,
		"[c=GB;a=TEST;p=PTEST;peer.1]": q1, // MTS identifier
		"peer.1":                       q1, // ENVID
		"<ipm.1@peer>":                 q1, // Message-ID and IPM identifier
		"ipm.1@peer":                   q1,
		"corr-1":                       q1,
		"CAROL@beta.example":           q1, // a recipient, any case
		"alice@alpha.example":          q1, // the originator
		"S=Alice":                      q1, // part of an O/R address
		"s=carol/":                     q1,
		"S=Carol; O=Beta; PRMD=PTEST; ADMD=TEST; C=GB": q1, // a whole O/R address, another order
		"Q5":                      q5,
		"<m5@delta.example>":      q5,
		"erin@x400.example":       q5 + "|Q8:report-sent",
		"Q2":                      "Q2:delivery-report",
		"<dsn.2@mx.beta.example>": "Q2:delivery-report",
		"env-unknown":             "Q6:delivery-report", // an unmatched DSN, by the key it named
		"dave@delta.example":      q5 + "|Q7:arrived",
		"bob@beta.example":        q1 + "|Q2:delivery-report|Q4:read-report|Q7:arrived",
	} {
		_, got := trackAll(t, dir, TrackQuery{Key: key})
		if strings.Join(got, "|") != want {
			t.Errorf("%q:\n got %s\nwant %s", key, strings.Join(got, "|"), want)
		}
	}
	for _, key := range []string{"Q404", "nobody@example.org", "S=Nobody", "peer", "Q"} {
		if _, got := trackAll(t, dir, TrackQuery{Key: key}); len(got) != 0 {
			t.Errorf("%q matched %v", key, got)
		}
	}
}

func TestTrackTimeRange(t *testing.T) {
	dir := trackLog(t)
	day2 := idxT0.Add(24 * time.Hour)
	_, got := trackAll(t, dir, TrackQuery{From: day2.Add(-time.Hour)})
	if strings.Join(got, "|") != "Q7:arrived" {
		t.Errorf("from day 2: %v", got)
	}
	// Every message with a record in the range, its life whole.
	_, got = trackAll(t, dir, TrackQuery{From: idxT0.Add(90 * time.Second), To: idxT0.Add(3 * time.Minute)})
	if strings.Join(got, "|") != "Q2:delivery-report|Q5:arrived,deferred,failed,report-sent" {
		t.Errorf("idxT0+90s..idxT0+3m: %v", got)
	}
	// A key and a range.
	if _, got = trackAll(t, dir, TrackQuery{Key: "bob@beta.example", From: day2}); strings.Join(got, "|") != "Q7:arrived" {
		t.Errorf("bob on day 2: %v", got)
	}
	if _, got = trackAll(t, dir, TrackQuery{Key: "Q1", To: idxT0.Add(-time.Second)}); len(got) != 0 {
		t.Errorf("Q1 before it arrived: %v", got)
	}
	if _, got = trackAll(t, dir, TrackQuery{Key: "Q1", To: idxT0}); len(got) != 1 {
		t.Errorf("To is inclusive: %v", got)
	}
}

func TestTrackLimits(t *testing.T) {
	dir := t.TempDir()
	l := openIdxLog(t, dir)
	// More messages than one pass collects, and one life longer than
	// MaxLifeRecords.
	var recs []*Record
	for i := range trackBatch + 44 {
		recs = append(recs, &Record{Time: idxT0, Event: EventArrived, ID: fmt.Sprintf("M%03d", i)})
	}
	for range MaxLifeRecords + 5 {
		recs = append(recs, &Record{Time: idxT0, Event: EventDeferred, ID: "M000"})
	}
	if _, err := l.Append(recs...); err != nil {
		t.Fatal(err)
	}
	l.Close()
	lives, _ := trackAll(t, dir, TrackQuery{})
	if len(lives) != trackBatch+44 {
		t.Fatalf("%d lives", len(lives))
	}
	for i, l := range lives {
		if l.ID != fmt.Sprintf("M%03d", i) {
			t.Fatalf("life %d is %s", i, l.ID)
		}
	}
	if n := len(lives[0].Records); n != MaxLifeRecords || lives[0].Omitted != 6 || len(lives[1].Records) != 1 {
		t.Errorf("M000 kept %d records, omitted %d", n, lives[0].Omitted)
	}
	var b bytes.Buffer
	lives[0].Format(&b)
	if !strings.Contains(b.String(), "... 6 more record(s) not shown") {
		t.Errorf("Format does not say records were left out")
	}

	n := 0
	err := Track(dir, TrackQuery{Limit: 3}, func(*Life) error { n++; return nil })
	if !errors.Is(err, ErrTruncated) || n != 3 {
		t.Errorf("Limit 3: %d lives, %v", n, err)
	}
	stop := errors.New("stop")
	n = 0
	err = Track(dir, TrackQuery{}, func(*Life) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("fn's error: %d lives, %v", n, err)
	}
	// An empty or missing directory: nothing, not a crash.
	if err := Track(t.TempDir(), TrackQuery{Key: "x"}, func(*Life) error { t.Error("called"); return nil }); err != nil {
		t.Errorf("empty dir: %v", err)
	}
}

func TestTrackFormat(t *testing.T) {
	dir := trackLog(t)
	lives, _ := trackAll(t, dir, TrackQuery{Key: "Q1"})
	var b bytes.Buffer
	lives[0].Format(&b)
	out := b.String()
	for _, want := range []string{
		"Q1 GW1 (message, FLASH)\n",
		"    mts-id: [c=GB;a=TEST;p=PTEST;peer.1]\n",
		"    envid: peer.1\n",
		"    originator: /C=GB/ADMD=TEST/PRMD=PTEST/O=Alpha/S=Alice/ <alice@alpha.example>\n",
		"  2026-03-01 12:00:00Z  arrived         p1 from PEER-MTA 2 recipients\n",
		"        bob@beta.example (/C=GB/ADMD=TEST/PRMD=PTEST/O=Beta/S=Bob/): notify SUCCESS,FAILURE, reports all, read-reports all\n",
		"  2026-03-01 12:00:01Z  converted       x400-to-smtp: 12 mapped, 2 carried, 1 dropped\n",
		"        dropped: P772 acp127-message-identifier: no mapping\n",
		"  2026-03-01 12:00:02Z  departed        smtp to relay-a\n",
		`accepted at data via relay-a 250 2.0.0 queued as ABC\x1b[2J`,
		"  2026-03-01 12:02:00Z  delivery-report [dsn Q2] smtp from 192.0.2.9 dsn positive delivered 2.0.0 by mx.beta.example, forwarded as Q3\n",
		"  2026-03-01 12:05:00Z  read-report     [mdn Q4] smtp from 192.0.2.9 mdn positive manual-action/MDN-sent-manually; displayed by bob@beta.example, forwarded as Q9\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Format lacks %q", want)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("a peer's escape sequence reached the output")
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("Format:\n%s", out)
	}

	lives, _ = trackAll(t, dir, TrackQuery{Key: "Q5"})
	b.Reset()
	lives[0].Format(&b)
	out = b.String()
	for _, want := range []string{
		"deferred        p1 to PEER-MTA\n        /C=GB/ADMD=TEST/PRMD=PTEST/O=Gamma/S=Erin/: timeout at bind via PEER-MTA\n",
		"error at transfer via PEER-MTA X.411 reason 1 diagnostic 0",
		"report-sent     [dsn Q8] smtp to dave@delta.example dsn negative failed 5.4.4 reason 1 diagnostic 0\n",
		"  2026-03-01 12:04:00Z  failed\n",
		"    disposition-to: dave@delta.example\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Format lacks %q", want)
		}
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("Format:\n%s", out)
	}

	lives, _ = trackAll(t, dir, TrackQuery{Key: "env-unknown"})
	b.Reset()
	lives[0].Format(&b)
	out = b.String()
	for _, want := range []string{"dsn negative failed 5.1.1, UNMATCHED\n", `problem: no departed message carries envid "env-unknown"`} {
		if !strings.Contains(out, want) {
			t.Errorf("Format lacks %q:\n%s", want, out)
		}
	}

	// In its own life, an acknowledgement names its subject.
	lives, _ = trackAll(t, dir, TrackQuery{Key: "Q2"})
	b.Reset()
	lives[0].Format(&b)
	if out = b.String(); !strings.Contains(out, "Q2 GW1 (dsn)\n") || !strings.Contains(out, "delivery-report smtp from 192.0.2.9 dsn positive delivered 2.0.0 by mx.beta.example, for Q1 (GW1), forwarded as Q3\n") {
		t.Errorf("the DSN's own life:\n%s", out)
	}
}
