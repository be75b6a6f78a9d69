package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mixerd/admin"
	"mixerd/queue"
	"mixerd/x400"
)

// queueDaemon is a real spool behind the admin handler on loopback: a
// FLASH message whose one recipient failed transiently (its peer's text
// carries a terminal escape) and a ROUTINE message with two recipients.
type queueDaemon struct {
	q              *queue.Queue
	srv            *httptest.Server
	flash, routine string
}

func newQueueDaemon(t *testing.T, token string) *queueDaemon {
	t.Helper()
	lg := slog.New(slog.NewTextHandler(io.Discard, nil))
	q, err := queue.Open(queue.Config{Dir: t.TempDir(), Logger: lg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	put := func(p x400.Precedence, mtsid string, rcpts ...string) string {
		m := &queue.Message{Kind: queue.KindSMTP, Source: queue.Source{Protocol: "smtp", Peer: "192.0.2.5"}, Precedence: p, MTSID: mtsid,
			Originator: "<j3-" + mtsid + "@hq.example.org>"}
		for i := 0; i+1 < len(rcpts); i += 2 {
			m.Recipients = append(m.Recipients, queue.Recipient{Address: rcpts[i], NextHop: rcpts[i+1]})
		}
		id, _, err := q.Put(context.Background(), m, []byte("Subject: "+mtsid+"\r\n\r\nbody\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	d := &queueDaemon{q: q}
	d.routine = put(x400.PrecedenceRoutine, "r1", "bob@example.org", "relay-a", "/C=GB/ADMD=TEST/S=eve/", "PEER-MTA")
	d.flash = put(x400.PrecedenceFlash, "f1", "alice@example.org", "relay-a")
	l, _, _, err := q.TryNext(x400.PrecedenceFlash)
	if err != nil || l == nil || l.Message.ID != d.flash {
		t.Fatalf("TryNext: %v %+v", err, l)
	}
	if err := q.Report(l, queue.RecipientResult{Index: 0, Disposition: queue.Transient, Attempt: queue.Attempt{
		Time: time.Now(), NextHop: "relay-a", Stage: queue.StageRecipient, Result: queue.ResultError,
		Code: 451, Enhanced: "4.4.1", Text: "busy \x1b[2J now"}}); err != nil {
		t.Fatal(err)
	}
	d.srv = httptest.NewServer(admin.NewHandler(q, lg, token))
	t.Cleanup(d.srv.Close)
	return d
}

func (d *queueDaemon) addr() string { return strings.TrimPrefix(d.srv.URL, "http://") }

func TestQueueList(t *testing.T) {
	d := newQueueDaemon(t, "")
	code, out, errs := runCmd(t, nil, "queue", "-admin", d.addr(), "list")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	fi, ri := strings.Index(out, d.flash+" "), strings.Index(out, d.routine+" ")
	if fi < 0 || ri < 0 || fi > ri {
		t.Fatalf("FLASH %s must come before ROUTINE %s:\n%s", d.flash, d.routine, out)
	}
	for _, want := range []string{
		"-Queue ID-", "FLASH", "ROUTINE", "smtp 192.0.2.5", "    from: <j3-",
		"alice@example.org via relay-a: transient, 1 attempt(s), next ",
		`(error at recipient to relay-a 451 4.4.1 busy \x1b[2J now)`,
		"/C=GB/ADMD=TEST/S=eve/ via PEER-MTA: pending",
		"-- 2 message(s), ", "(FLASH 1, ROUTINE 1).",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("a peer's escape sequence reached the terminal:\n%q", out)
	}

	// The default command is list; filters go to the daemon.
	code, out, errs = runCmd(t, nil, "queue", "-admin", d.addr(), "list", "-lane", "Z", "-state", "transient")
	if code != 0 || !strings.Contains(out, d.flash+" ") || strings.Contains(out, d.routine+" ") || !strings.Contains(out, "1 shown of 1 matching") {
		t.Errorf("filtered list: exit %d %s\n%s", code, errs, out)
	}
	code, out, _ = runCmd(t, nil, "queue", "-admin", d.addr(), "list", "-held")
	if code != 0 || !strings.Contains(out, "Queue is empty") {
		t.Errorf("held list: exit %d\n%s", code, out)
	}
	code, _, errs = runCmd(t, nil, "queue", "-admin", d.addr(), "list", "-state", "asleep")
	if code != 1 || !strings.Contains(errs, `state "asleep"`) || !strings.Contains(errs, "HTTP 400") {
		t.Errorf("bad filter: exit %d: %s", code, errs)
	}

	code, out, errs = runCmd(t, nil, "queue", "-admin", d.addr(), "-json")
	var l admin.QueueList
	if code != 0 || json.Unmarshal([]byte(out), &l) != nil || l.Total != 2 || l.Messages[0].Recipients[0].Last.Code != 451 {
		t.Errorf("-json: exit %d %s\n%s", code, errs, out)
	}
}

func TestQueueShowAndActions(t *testing.T) {
	d := newQueueDaemon(t, "")
	a := d.addr()
	code, out, errs := runCmd(t, nil, "queue", "-admin", a, "show", d.flash)
	if code != 0 || !strings.Contains(out, "mts-id: f1") || !strings.Contains(out, "error at recipient to relay-a 451 4.4.1") {
		t.Errorf("show: exit %d %s\n%s", code, errs, out)
	}
	code, _, errs = runCmd(t, nil, "queue", "-admin", a, "show", "ffff")
	if code != 1 || !strings.Contains(errs, "no such message ffff") {
		t.Errorf("show unknown: exit %d: %s", code, errs)
	}

	code, out, errs = runCmd(t, nil, "queue", "-admin", a, "hold", d.flash, d.routine)
	if code != 0 || out != d.flash+": held\n"+d.routine+": held\n" {
		t.Fatalf("hold: exit %d %s\n%s", code, errs, out)
	}
	for _, id := range []string{d.flash, d.routine} {
		if m, err := d.q.Get(id); err != nil || !m.Held {
			t.Errorf("%s not held: %+v %v", id, m, err)
		}
	}
	code, out, _ = runCmd(t, nil, "queue", "-admin", a, "list")
	if code != 0 || strings.Count(out, "HELD") != 2 {
		t.Errorf("list of held:\n%s", out)
	}
	// One unknown id among good ones: the others are done, exit 1.
	code, out, errs = runCmd(t, nil, "queue", "-admin", a, "release", "ffff", d.flash)
	if code != 1 || out != d.flash+": released\n" || !strings.Contains(errs, "release ffff: no such message") {
		t.Errorf("release: exit %d %s\n%s", code, errs, out)
	}
	if m, _ := d.q.Get(d.flash); m.Held {
		t.Error("release did not release")
	}
	code, _, errs = runCmd(t, nil, "queue", "-admin", a, "retry", d.flash)
	if code != 0 {
		t.Fatalf("retry: exit %d: %s", code, errs)
	}
	if l, _, _, err := d.q.TryNext(x400.PrecedenceFlash); err != nil || l == nil || l.Message.ID != d.flash {
		t.Errorf("after retry FLASH is not due: %+v %v", l, err)
	} else {
		d.q.Abandon(l)
	}

	code, _, _ = runCmd(t, nil, "queue", "-admin", a, "delete", d.routine)
	if code != 2 {
		t.Errorf("delete without reason: exit %d", code)
	}
	code, out, errs = runCmd(t, nil, "queue", "-admin", a, "delete", "-reason", "sent twice", d.routine)
	if code != 0 || out != d.routine+": deleted\n" {
		t.Fatalf("delete: exit %d %s\n%s", code, errs, out)
	}
	if _, err := d.q.Get(d.routine); err == nil {
		t.Error("deleted message still queued")
	}
}

func TestQueueToken(t *testing.T) {
	d := newQueueDaemon(t, "tok-123")
	t.Setenv("MIXERD_ADMIN_TOKEN", "")
	code, _, errs := runCmd(t, nil, "queue", "-admin", d.addr(), "list")
	if code != 1 || !strings.Contains(errs, "bearer token") {
		t.Errorf("no token: exit %d: %s", code, errs)
	}
	f := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(f, []byte("tok-123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCmd(t, nil, "queue", "-admin", d.addr(), "-token-file", f, "list"); code != 0 {
		t.Errorf("-token-file: exit %d: %s", code, errs)
	}
	t.Setenv("MIXERD_ADMIN_TOKEN", "tok-123")
	if code, _, errs := runCmd(t, nil, "queue", "-admin", d.addr(), "list"); code != 0 {
		t.Errorf("$MIXERD_ADMIN_TOKEN: exit %d: %s", code, errs)
	}
}

// The admin address comes from the policy's admin_listener.
func TestQueuePolicy(t *testing.T) {
	d := newQueueDaemon(t, "")
	dir := t.TempDir()
	gw := `gateway {
  mta_name      = "GW"
  password      = "secret"
  global_domain = "/C=GB/ADMD= /PRMD=MOD/"
  or_address    = "/C=GB/ADMD= /PRMD=MOD/O=Gateway/"
  domain        = "gw.example.mil"
}
`
	with := filepath.Join(dir, "with.hcl")
	without := filepath.Join(dir, "without.hcl")
	os.WriteFile(with, []byte(gw+"admin_listener {\n  address = \""+d.addr()+"\"\n}\n"), 0o600)
	os.WriteFile(without, []byte(gw), 0o600)
	code, out, errs := runCmd(t, nil, "queue", "-policy", with, "list")
	if code != 0 || !strings.Contains(out, d.flash+" ") {
		t.Errorf("-policy: exit %d %s\n%s", code, errs, out)
	}
	code, _, errs = runCmd(t, nil, "queue", "-policy", without, "list")
	if code != 1 || !strings.Contains(errs, "no admin_listener") {
		t.Errorf("policy without admin: exit %d: %s", code, errs)
	}
}

func TestQueueUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, _, errs := runCmd(t, nil, "queue", "-admin", addr, "hold", "1", "2")
	if code != 1 || !strings.Contains(errs, "cannot reach the daemon's admin interface at http://"+addr) || strings.Count(errs, "cannot reach") != 1 {
		t.Errorf("exit %d: %s", code, errs)
	}
}

func TestQueueUsage(t *testing.T) {
	for _, args := range [][]string{
		{"queue", "-admin", "127.0.0.1:1", "-policy", "p.hcl", "list"},
		{"queue", "-admin", "127.0.0.1:1", "frobnicate"},
		{"queue", "-admin", "127.0.0.1:1", "show"},
		{"queue", "-admin", "127.0.0.1:1", "show", "a", "b"},
		{"queue", "-admin", "127.0.0.1:1", "hold"},
		{"queue", "-admin", "127.0.0.1:1", "delete", "-reason", "x"},
		{"queue", "-admin", "127.0.0.1:1", "list", "extra"},
		{"queue", "-admin", "127.0.0.1:1", "list", "-min-age", "-1h"},
		{"queue", "-nosuchflag"},
	} {
		if code, _, _ := runCmd(t, nil, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

func TestQueueAge(t *testing.T) {
	for s, want := range map[int64]string{0: "0s", 59: "59s", 60: "1m", 3599: "59m", 3600: "1h00m", 3*3600 + 5*60: "3h05m", 86400 + 4*3600: "1d04h"} {
		if got := age(s); got != want {
			t.Errorf("age(%d) = %q, want %q", s, got, want)
		}
	}
}
