package admin

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"mixerd/queue"
	"mixerd/x400"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fixture is a real spool with three messages: FLASH (one recipient,
// leased and failed transiently), ROUTINE (two recipients on two hops)
// and DEFERRED.
type fixture struct {
	q                      *queue.Queue
	clk                    *clock
	flash, routine, defrrd string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	q, err := queue.Open(queue.Config{Dir: t.TempDir(), Now: clk.Now, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	put := func(p x400.Precedence, mtsid string, rcpts ...string) string {
		m := &queue.Message{Kind: queue.KindP1, Source: queue.Source{Protocol: "p1", Peer: "PEER-MTA"}, Precedence: p, MTSID: mtsid}
		for i := 0; i+1 < len(rcpts); i += 2 {
			m.Recipients = append(m.Recipients, queue.Recipient{Address: rcpts[i], NextHop: rcpts[i+1]})
		}
		id, dup, err := q.Put(context.Background(), m, []byte("body of "+mtsid))
		if err != nil || dup {
			t.Fatalf("Put %s: %v dup %v", mtsid, err, dup)
		}
		return id
	}
	f := &fixture{q: q, clk: clk}
	f.routine = put(x400.PrecedenceRoutine, "r1", "bob@example.org", "relay-a", "/C=GB/ADMD=TEST/S=eve/", "PEER-MTA")
	clk.Advance(time.Minute)
	f.flash = put(x400.PrecedenceFlash, "f1", "alice@example.org", "relay-a")
	f.defrrd = put(x400.PrecedenceDeferred, "d1", "carol@example.org", "relay-b")
	l, _, _, err := q.TryNext(x400.PrecedenceDeferred)
	if err != nil || l == nil || l.Message.ID != f.flash {
		t.Fatalf("TryNext: %v %+v", err, l)
	}
	err = q.Report(l, queue.RecipientResult{Index: 0, Disposition: queue.Transient, Attempt: queue.Attempt{
		Time: clk.Now(), NextHop: "relay-a", Stage: queue.StageRecipient, Result: queue.ResultError,
		Code: 451, Enhanced: "4.4.1", Text: "try again later"}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) server(t *testing.T, token string) *httptest.Server {
	srv := httptest.NewServer(New(Config{Queue: f.q, Logger: quiet(), Token: token, Now: f.clk.Now}))
	t.Cleanup(srv.Close)
	return srv
}

// do sends a request and decodes the JSON answer into out (if not nil),
// checking the status and that the answer is JSON.
func do(t *testing.T, method, url, token string, want int, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, url, resp.StatusCode, want, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: content type %q", method, url, ct)
	}
	if want >= 400 {
		var e Error
		if err := json.Unmarshal(b, &e); err != nil || e.Error == "" {
			t.Fatalf("%s %s: error answer %q is not {\"error\":...}", method, url, b)
		}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, url, err, b)
		}
	}
}

func ids(l QueueList) []string {
	var out []string
	for _, m := range l.Messages {
		out = append(out, m.ID)
	}
	return out
}

func TestList(t *testing.T) {
	f := newFixture(t)
	srv := f.server(t, "")
	f.clk.Advance(30 * time.Second)

	var l QueueList
	do(t, "GET", srv.URL+"/queue", "", 200, &l)
	if got, want := strings.Join(ids(l), ","), f.flash+","+f.routine+","+f.defrrd; got != want || l.Total != 3 {
		t.Fatalf("list order %s (total %d), want %s", got, l.Total, want)
	}
	if l.Stats.Messages != 3 || l.Stats.ByLane["FLASH"] != 1 || l.Stats.ByLane["ROUTINE"] != 1 || l.Stats.Bytes <= 0 {
		t.Errorf("stats %+v", l.Stats)
	}
	fm := l.Messages[0]
	if fm.Lane != "FLASH" || fm.Precedence != 4 || fm.Kind != "p1" || fm.Peer != "PEER-MTA" || fm.Size != int64(len("body of f1")) || fm.AgeSeconds != 30 || fm.MTSID != "f1" {
		t.Errorf("flash message %+v", fm)
	}
	r := fm.Recipients[0]
	if r.Address != "alice@example.org" || r.NextHop != "relay-a" || r.State != "transient" || r.Attempts != 1 || r.NextTry == nil || !r.NextTry.After(f.clk.Now().Add(-30*time.Second)) {
		t.Errorf("flash recipient %+v", r)
	}
	if r.Last == nil || r.Last.Code != 451 || r.Last.Enhanced != "4.4.1" || r.Last.Result != "error" || r.Last.Text != "try again later" || r.Last.Stage != "recipient" {
		t.Errorf("last attempt %+v", r.Last)
	}
	if r.History != nil {
		t.Errorf("list carries the history: %+v", r.History)
	}
	rm := l.Messages[1]
	if len(rm.Recipients) != 2 || rm.Recipients[1].Address != "/C=GB/ADMD=TEST/S=eve/" || rm.Recipients[1].State != "pending" || rm.Recipients[1].Last != nil || rm.AgeSeconds != 90 {
		t.Errorf("routine message %+v", rm)
	}

	for _, c := range []struct {
		query string
		want  []string
	}{
		{"lane=ROUTINE", []string{f.routine}},
		{"lane=flash,M", []string{f.flash, f.defrrd}},
		{"lane=Z&lane=R", []string{f.flash, f.routine}},
		{"state=transient", []string{f.flash}},
		{"state=pending", []string{f.routine, f.defrrd}},
		{"state=dead", nil},
		{"min_age=80s", []string{f.routine}},
		{"min_age=0s", []string{f.flash, f.routine, f.defrrd}},
		{"held=true", nil},
		{"held=false", []string{f.flash, f.routine, f.defrrd}},
		{"limit=1", []string{f.flash}},
	} {
		var l QueueList
		do(t, "GET", srv.URL+"/queue?"+c.query, "", 200, &l)
		if strings.Join(ids(l), ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: got %v, want %v", c.query, ids(l), c.want)
		}
		if c.query == "limit=1" && (!l.Truncated || l.Total != 3) {
			t.Errorf("limit=1: truncated %v total %d", l.Truncated, l.Total)
		}
	}
	for _, bad := range []string{"lane=urgent", "lane=20", "state=busy", "min_age=soon", "min_age=-1h", "held=maybe", "limit=0", "limit=x", "lanes=FLASH", "held=true&held=false"} {
		do(t, "GET", srv.URL+"/queue?"+bad, "", 400, nil)
	}
}

func TestShowAndActions(t *testing.T) {
	f := newFixture(t)
	srv := f.server(t, "")
	u := srv.URL + "/queue/"

	var m Message
	do(t, "GET", u+f.flash, "", 200, &m)
	if m.ID != f.flash || len(m.Recipients) != 1 || len(m.Recipients[0].History) != 1 || m.Recipients[0].History[0].Code != 451 {
		t.Fatalf("show %+v", m)
	}
	do(t, "GET", u+"ffffff", "", 404, nil)
	do(t, "GET", u+"a%20b", "", 400, nil)
	do(t, "GET", u+strings.Repeat("a", 200), "", 400, nil)
	do(t, "POST", u+f.flash+"/explode", "", 404, nil)
	do(t, "GET", u+f.flash+"/hold", "", 405, nil)
	do(t, "PUT", srv.URL+"/queue", "", 405, nil)
	do(t, "GET", srv.URL+"/nothing", "", 404, nil)

	// Hold: the message is held and no worker gets it.
	var res ActionResult
	do(t, "POST", u+f.routine+"/hold", "", 200, &res)
	if res.Action != "hold" || res.Message == nil || !res.Message.Held {
		t.Fatalf("hold: %+v", res)
	}
	var l QueueList
	do(t, "GET", srv.URL+"/queue?held=true", "", 200, &l)
	if len(l.Messages) != 1 || l.Messages[0].ID != f.routine {
		t.Fatalf("held list %v", ids(l))
	}
	if ls, _, _, err := f.q.TryNext(x400.PrecedenceRoutine); err != nil || ls != nil {
		t.Fatalf("a held message was leased: %+v %v", ls, err)
	}
	do(t, "POST", u+f.routine+"/release", "", 200, &res)
	if res.Message == nil || res.Message.Held {
		t.Fatalf("release: %+v", res)
	}
	do(t, "POST", u+"ffffff/hold", "", 404, nil)

	// Retry: the transiently failed FLASH recipient is due now.
	if ls, _, _, err := f.q.TryNext(x400.PrecedenceFlash); err != nil || ls != nil {
		t.Fatalf("FLASH leased before its retry time: %+v %v", ls, err)
	}
	do(t, "POST", u+f.flash+"/retry", "", 200, &res)
	ls, _, _, err := f.q.TryNext(x400.PrecedenceFlash)
	if err != nil || ls == nil || ls.Message.ID != f.flash {
		t.Fatalf("after retry: %+v %v", ls, err)
	}
	f.q.Abandon(ls)

	// Delete needs a reason.
	do(t, "DELETE", u+f.defrrd, "", 400, nil)
	do(t, "DELETE", u+f.defrrd+"?reason=%20", "", 400, nil)
	do(t, "DELETE", u+f.defrrd+"?reason=a%0Ab", "", 400, nil)
	do(t, "DELETE", u+f.defrrd+"?reason="+strings.Repeat("x", MaxReason+1), "", 400, nil)
	do(t, "DELETE", u+f.defrrd+"?reason=duplicate+sent+by+hand", "", 200, &res)
	if res.Action != "delete" || res.Reason != "duplicate sent by hand" {
		t.Fatalf("delete: %+v", res)
	}
	do(t, "GET", u+f.defrrd, "", 404, nil)
	do(t, "DELETE", u+f.defrrd+"?reason=again", "", 404, nil)
	do(t, "GET", srv.URL+"/queue", "", 200, &l)
	if l.Total != 2 {
		t.Fatalf("after delete: %v", ids(l))
	}
}

func TestToken(t *testing.T) {
	f := newFixture(t)
	srv := f.server(t, "s3cret-token")
	do(t, "GET", srv.URL+"/health", "", 200, nil)
	do(t, "GET", srv.URL+"/queue", "", 401, nil)
	do(t, "GET", srv.URL+"/queue", "wrong", 401, nil)
	do(t, "GET", srv.URL+"/queue", "s3cret-token-and-more", 401, nil)
	do(t, "POST", srv.URL+"/queue/"+f.flash+"/hold", "", 401, nil)
	do(t, "GET", srv.URL+"/queue", "s3cret-token", 200, nil)
	do(t, "POST", srv.URL+"/queue/"+f.flash+"/hold", "s3cret-token", 200, nil)

	resp, err := http.Get(srv.URL + "/queue")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("401 without WWW-Authenticate: %q", resp.Header.Get("WWW-Authenticate"))
	}
}

// Without a token only loopback is served, and a browser's cross-site
// request is refused.
func TestOrigin(t *testing.T) {
	f := newFixture(t)
	h := New(Config{Queue: f.q, Logger: quiet()})
	for _, c := range []struct {
		remote, host, method, site string
		want                       int
	}{
		{"127.0.0.1:5000", "127.0.0.1:10080", "GET", "", 200},
		{"[::1]:5000", "localhost:10080", "GET", "", 200},
		{"192.0.2.7:5000", "127.0.0.1:10080", "GET", "", 403},
		{"127.0.0.1:5000", "evil.example:10080", "GET", "", 403}, // DNS rebinding
		{"127.0.0.1:5000", "127.0.0.1:10080", "POST", "cross-site", 403},
		{"127.0.0.1:5000", "127.0.0.1:10080", "POST", "same-origin", 200},
	} {
		path := "/queue"
		if c.method == "POST" {
			path = "/queue/" + f.flash + "/retry"
		}
		r := httptest.NewRequest(c.method, "http://"+c.host+path, nil)
		r.RemoteAddr = c.remote
		if c.site != "" {
			r.Header.Set("Sec-Fetch-Site", c.site)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.want {
			t.Errorf("%+v: status %d: %s", c, w.Code, w.Body)
		}
	}
}

func TestHealth(t *testing.T) {
	f := newFixture(t)
	fail := false
	h := New(Config{Queue: f.q, Logger: quiet(), Health: func(context.Context) error {
		if fail {
			return io.ErrUnexpectedEOF
		}
		return nil
	}})
	for _, c := range []struct {
		fail bool
		want int
	}{{false, 200}, {true, 503}} {
		fail = c.fail
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "http://127.0.0.1/health", nil))
		if w.Code != c.want {
			t.Errorf("fail %v: status %d", c.fail, w.Code)
		}
		if strings.Contains(w.Body.String(), io.ErrUnexpectedEOF.Error()) {
			t.Errorf("fail %v: the health answer, open to anyone, holds the error: %s", c.fail, w.Body.String())
		}
	}
}

func TestServe(t *testing.T) {
	f := newFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, NewHandler(f.q, quiet(), ""), quiet()) }()
	do(t, "GET", "http://"+ln.Addr().String()+"/queue", "", 200, nil)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}
