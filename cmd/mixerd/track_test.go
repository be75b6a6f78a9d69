package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mixerd/audit"
	"mixerd/queue"
)

var trackT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// trackDir writes an audit log: message Q1 arrived by P1, departed by
// SMTP, and its DSN (Q2) was matched to it; Q3 arrived the next day.
func trackDir(t *testing.T, dir string) {
	t.Helper()
	l, err := audit.Open(audit.Config{Dir: dir, Gateway: "GW"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	bob := audit.Recipient{Index: 0, X400: "/C=GB/ADMD=TEST/PRMD=PTEST/O=Beta/S=Bob/", SMTP: "bob@beta.example"}
	left := bob
	left.Attempt = &queue.Attempt{NextHop: "relay-a", Stage: queue.StageData, Result: queue.ResultAccepted, Code: 250, Enhanced: "2.0.0", Text: "ok"}
	keys := audit.Keys{MTSID: "[c=GB;a=TEST;p=PTEST;peer.1]", EnvID: "peer.1", MessageID: "<ipm.1@peer>"}
	if _, err := l.Append(
		&audit.Record{Time: trackT0, Event: audit.EventArrived, ID: "Q1", Kind: "message", Precedence: "FLASH", Protocol: "p1", Peer: "PEER-MTA", Keys: keys, Recipients: []audit.Recipient{bob}},
		&audit.Record{Time: trackT0.Add(time.Second), Event: audit.EventDeparted, ID: "Q1", Kind: "message", Protocol: "smtp", Peer: "relay-a", Keys: keys, Recipients: []audit.Recipient{left}},
		&audit.Record{Time: trackT0.Add(time.Minute), Event: audit.EventDeliveryReport, ID: "Q2", Kind: "dsn", Protocol: "smtp", Peer: "192.0.2.9",
			Recipients: []audit.Recipient{{Index: 0, SMTP: "bob@beta.example"}},
			Ack:        &audit.Ack{Type: "dsn", Positive: true, Matched: true, SubjectID: "Q1", SubjectGateway: "GW", Subject: audit.Keys{EnvID: "peer.1"}, Action: "delivered", Status: "2.0.0", By: "mx.beta.example"}},
		&audit.Record{Time: trackT0.Add(24 * time.Hour), Event: audit.EventArrived, ID: "Q3", Kind: "message", Protocol: "smtp", Peer: "192.0.2.7",
			Keys: audit.Keys{MessageID: "<m3@delta.example>"}, Recipients: []audit.Recipient{{Index: 0, SMTP: "carol@beta.example"}}},
	); err != nil {
		t.Fatal(err)
	}
}

func TestTrackCommand(t *testing.T) {
	dir := t.TempDir()
	trackDir(t, dir)
	for _, key := range []string{"Q1", "peer.1", "ipm.1@peer", "BOB@beta.example", "S=bob"} {
		code, out, errs := runCmd(t, nil, "track", "-dir", dir, key)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", key, code, errs)
		}
		for _, want := range []string{
			"Q1 GW (message, FLASH)\n",
			"    mts-id: [c=GB;a=TEST;p=PTEST;peer.1]\n",
			"  2026-03-01 12:00:00Z  arrived         p1 from PEER-MTA\n",
			"  2026-03-01 12:00:01Z  departed        smtp to relay-a\n",
			"        bob@beta.example (/C=GB/ADMD=TEST/PRMD=PTEST/O=Beta/S=Bob/): accepted at data via relay-a 250 2.0.0 ok\n",
			"  2026-03-01 12:01:00Z  delivery-report [dsn Q2] smtp from 192.0.2.9 dsn positive delivered 2.0.0 by mx.beta.example\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %q:\n%s", key, want, out)
			}
		}
		if !strings.HasSuffix(out, "-- 1 message(s).\n") && !strings.HasSuffix(out, "-- 2 message(s).\n") {
			t.Errorf("%s: no summary:\n%s", key, out)
		}
	}

	// -json: the records of the life, one JSON object a line.
	code, out, errs := runCmd(t, nil, "track", "-dir", dir, "-json", "Q1")
	if code != 0 {
		t.Fatalf("-json: exit %d: %s", code, errs)
	}
	var events []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var r audit.Record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("-json line %q: %v", line, err)
		}
		events = append(events, r.ID+":"+string(r.Event))
	}
	if strings.Join(events, ",") != "Q1:arrived,Q1:departed,Q2:delivery-report" {
		t.Errorf("-json: %v", events)
	}

	// A time range without a key.
	code, out, errs = runCmd(t, nil, "track", "-dir", dir, "-from", "2026-03-02", "-to", "2026-03-02")
	if code != 0 || !strings.Contains(out, "Q3 GW (message)") || strings.Contains(out, "Q1 ") || !strings.HasSuffix(out, "-- 1 message(s).\n") {
		t.Errorf("-from/-to a day: exit %d %s\n%s", code, errs, out)
	}
	code, out, _ = runCmd(t, nil, "track", "-dir", dir, "-to", "2026-03-01T12:00:30Z")
	if code != 0 || !strings.Contains(out, "Q1 GW") || strings.Contains(out, "Q3 GW") {
		t.Errorf("-to: exit %d\n%s", code, out)
	}
	code, out, errs = runCmd(t, nil, "track", "-dir", dir, "-limit", "1", "-from", "2026-03-01")
	if code != 0 || strings.Count(out, " GW (") != 1 || !strings.Contains(errs, "showed the first 1") {
		t.Errorf("-limit 1: exit %d %s\n%s", code, errs, out)
	}

	// Nothing matched: exit 1.
	code, out, errs = runCmd(t, nil, "track", "-dir", dir, "nobody@example.org")
	if code != 1 || out != "" || !strings.Contains(errs, `no message in `+dir+` matches "nobody@example.org"`) {
		t.Errorf("unmatched: exit %d %q %s", code, out, errs)
	}
	code, _, errs = runCmd(t, nil, "track", "-dir", dir, "-from", "2027-01-01")
	if code != 1 || !strings.Contains(errs, "matches a record since 2027-01-01 00:00:00Z") {
		t.Errorf("empty range: exit %d %s", code, errs)
	}
	code, _, errs = runCmd(t, nil, "track", "-dir", filepath.Join(dir, "missing"), "Q1")
	if code != 1 || !strings.Contains(errs, "no such file") {
		t.Errorf("missing dir: exit %d %s", code, errs)
	}
}

// The log directory comes from the policy's audit block.
func TestTrackPolicy(t *testing.T) {
	dir := t.TempDir()
	trackDir(t, filepath.Join(dir, "auditlog"))
	file := filepath.Join(dir, "p.hcl")
	src := `gateway {
  mta_name      = "GW"
  password      = "secret"
  global_domain = "/C=GB/ADMD= /PRMD=MOD/"
  or_address    = "/C=GB/ADMD= /PRMD=MOD/O=Gateway/"
  domain        = "gw.example.mil"
}
audit {
  log_directory = "auditlog"
}
`
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, nil, "track", "-policy", file, "Q1")
	if code != 0 || !strings.Contains(out, "Q1 GW (message, FLASH)") {
		t.Errorf("-policy: exit %d %s\n%s", code, errs, out)
	}
	code, _, errs = runCmd(t, nil, "track", "-policy", filepath.Join(dir, "none.hcl"), "Q1")
	if code != 1 || !strings.Contains(errs, "none.hcl") {
		t.Errorf("missing policy: exit %d %s", code, errs)
	}
}

func TestTrackUsage(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "give a KEY, or a time range"},
		{[]string{"-dir", dir, "a", "b"}, "one KEY at a time"},
		{[]string{"-dir", dir, "-policy", "p.hcl", "Q1"}, "not both"},
		{[]string{"-dir", dir, "-from", "yesterday", "Q1"}, `-from: "yesterday" is not a time`},
		{[]string{"-dir", dir, "-from", "-2h", "Q1"}, "without a sign"},
		{[]string{"-dir", dir, "-from", "2026-03-02", "-to", "2026-03-01"}, "-to is before -from"},
		{[]string{"-dir", dir, "-limit", "0", "Q1"}, "-limit must be positive"},
		{[]string{"-dir", dir, " "}, "KEY is empty"},
		{[]string{"-bogus"}, "flag provided but not defined"},
	} {
		code, _, errs := runCmd(t, nil, append([]string{"track"}, c.args...)...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%q: exit %d, want 2 and %q:\n%s", c.args, code, c.want, errs)
		}
	}
	if code, _, errs := runCmd(t, nil, "track", "-h"); code != 0 || !strings.Contains(errs, "usage: mixerd track") {
		t.Errorf("-h: exit %d: %s", code, errs)
	}
}

func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		s    string
		end  bool
		want time.Time
	}{
		{"2026-03-01", false, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-03-01", true, time.Date(2026, 3, 1, 23, 59, 59, 999999999, time.UTC)},
		{"2026-03-01T12:30", false, time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)},
		{"2026-03-01 12:30:15", true, time.Date(2026, 3, 1, 12, 30, 15, 0, time.UTC)},
		{"2026-03-01T12:30:15+01:00", false, time.Date(2026, 3, 1, 11, 30, 15, 0, time.UTC)},
		{"2h", false, now.Add(-2 * time.Hour)},
		{"", false, time.Time{}},
	} {
		got, err := parseWhen(c.s, now, c.end)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("parseWhen(%q, %v) = %v, %v; want %v", c.s, c.end, got, err, c.want)
		}
	}
	var b bytes.Buffer
	if code := trackAt([]string{"-dir", t.TempDir(), "-from", "1h"}, &b, &b, now); code != 1 || !strings.Contains(b.String(), "since 2026-03-05 09:00:00Z") {
		t.Errorf("-from 1h: exit %d %s", code, b.String())
	}
}
