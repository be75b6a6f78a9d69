// Package admin is mixerd's operators' HTTP interface: for now the queue
// (what `mixerd queue` shows and does, like Postfix's postqueue and
// postsuper) and a health check. Later: the acknowledgement view, message
// tracking, the SLA report and metrics.
//
// Every answer is JSON (RFC 8259), errors included: {"error": "..."} with
// the HTTP status that fits (RFC 9110 §15): 400 for a bad filter or
// argument, 401 without the bearer token (RFC 6750 §3), 403 for a request
// refused on where it comes from, 404 for an unknown message, 405 for a
// wrong method, 500 for a spool error (whose detail goes to the log only).
//
// Endpoints:
//
//	GET    /health                 {"status":"ok"} (no token needed)
//	GET    /queue                  the queue; filters lane, state, min_age, held, limit
//	GET    /queue/{id}             one message, every attempt of every recipient
//	POST   /queue/{id}/hold        stop attempts until release
//	POST   /queue/{id}/release     attempt again
//	POST   /queue/{id}/retry       make every waiting recipient due now
//	DELETE /queue/{id}?reason=...  remove without a report (reason required)
//
// Authentication: when a token is configured, every endpoint but /health
// needs "Authorization: Bearer TOKEN" (RFC 6750 §2.1), compared in constant
// time. Without a token, only loopback peers addressing a loopback host are
// served (so that a web page cannot reach the interface through DNS
// rebinding), and every unsafe method is refused when a browser marks it
// cross-origin (net/http's CrossOriginProtection, Sec-Fetch-Site/Origin).
package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"mixerd/queue"
	"mixerd/x400"
)

// Bounds on what a request may ask for.
const (
	// DefaultLimit is the number of messages GET /queue returns without
	// a limit parameter; MaxLimit the most it returns at all.
	DefaultLimit = 1000
	MaxLimit     = 100000
	// MaxReason bounds a deletion's reason (bytes).
	MaxReason = 1000
	// maxID bounds a message id in a path.
	maxID = 128
)

// Config configures the handler. Queue is required; zero fields take the
// defaults documented on them.
type Config struct {
	Queue *queue.Queue
	// Logger (default slog.Default()).
	Logger *slog.Logger
	// Token is the bearer token; empty: no token, loopback only.
	Token string
	// Now is the clock for ages (default time.Now).
	Now func() time.Time
	// Health, if set, is called by GET /health; an error makes it answer
	// 503 with the error's text.
	Health func(ctx context.Context) error
}

// Server is the admin HTTP handler.
type Server struct {
	cfg   Config
	log   *slog.Logger
	token [sha256.Size]byte // SHA-256 of the token, if any
	mux   *http.ServeMux
	cop   *http.CrossOriginProtection
}

// NewHandler returns the admin handler for a queue, requiring the bearer
// token when token is not empty.
func NewHandler(q *queue.Queue, logger *slog.Logger, token string) http.Handler {
	return New(Config{Queue: q, Logger: logger, Token: token})
}

// New returns the admin handler.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), cop: http.NewCrossOriginProtection()}
	if cfg.Token != "" {
		s.token = sha256.Sum256([]byte(cfg.Token))
	}
	s.mux.HandleFunc("/health", s.methods(map[string]http.HandlerFunc{"GET": s.health}))
	s.mux.HandleFunc("/queue", s.methods(map[string]http.HandlerFunc{"GET": s.list}))
	s.mux.HandleFunc("/queue/{id}", s.methods(map[string]http.HandlerFunc{"GET": s.show, "DELETE": s.delete}))
	s.mux.HandleFunc("/queue/{id}/{action}", s.methods(map[string]http.HandlerFunc{"POST": s.action}))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint")
	})
	return s
}

// ServeHTTP checks where the request comes from and its token, then
// serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if err := s.cop.Check(r); err != nil {
		s.log.Warn("admin: cross-origin request refused", "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path)
		writeError(w, http.StatusForbidden, "cross-origin request refused")
		return
	}
	if r.URL.Path != "/health" {
		if s.cfg.Token != "" {
			if !s.authorized(r) {
				s.log.Warn("admin: request without a valid token", "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path)
				w.Header().Set("WWW-Authenticate", `Bearer realm="mixerd"`)
				writeError(w, http.StatusUnauthorized, "a valid bearer token is required")
				return
			}
		} else if !loopbackPeer(r.RemoteAddr) || !loopbackHost(r.Host) {
			s.log.Warn("admin: non-loopback request refused (no token configured)", "remote", r.RemoteAddr, "host", r.Host, "path", r.URL.Path)
			writeError(w, http.StatusForbidden, "without a token the admin interface serves loopback only")
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

// authorized checks the bearer token (RFC 6750 §2.1) in constant time.
func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(h[len(prefix):])))
	return subtle.ConstantTimeCompare(got[:], s.token[:]) == 1
}

func loopbackPeer(remote string) bool {
	ap, err := netip.ParseAddrPort(remote)
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// methods dispatches on the method, answering 405 with Allow otherwise
// (RFC 9110 §15.5.6).
func (s *Server) methods(m map[string]http.HandlerFunc) http.HandlerFunc {
	allow := make([]string, 0, len(m))
	for k := range m {
		allow = append(allow, k)
	}
	if _, ok := m["GET"]; ok {
		allow = append(allow, "HEAD")
	}
	allowed := strings.Join(allow, ", ")
	return func(w http.ResponseWriter, r *http.Request) {
		method := r.Method
		if method == "HEAD" {
			method = "GET"
		}
		h, ok := m[method]
		if !ok {
			w.Header().Set("Allow", allowed)
			writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed here")
			return
		}
		h(w, r)
	}
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Health != nil {
		if err := s.cfg.Health(r.Context()); err != nil {
			// /health needs no token: the detail (file names) goes to
			// the log only.
			s.log.Warn("admin: health check failed", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "failing"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// parseFilter reads GET /queue's parameters: lane (a precedence name or
// prosign, repeated or comma-separated), state (a recipient state name,
// likewise), min_age (a Go duration, "90m"), held (a boolean), limit.
// Unknown parameters are refused so that a typing mistake does not list
// everything.
func parseFilter(q map[string][]string) (f queue.Filter, limit int, err error) {
	limit = DefaultLimit
	for k, vs := range q {
		var items []string
		for _, v := range vs {
			items = append(items, strings.Split(v, ",")...)
		}
		switch k {
		case "lane":
			for _, it := range items {
				p, err := x400.ParsePrecedence(it)
				if err != nil || p < x400.PrecedenceDeferred || p > x400.PrecedenceOverride {
					return f, 0, fmt.Errorf("lane %q: want one of DEFERRED, ROUTINE, PRIORITY, IMMEDIATE, FLASH, OVERRIDE", it)
				}
				f.Lanes = append(f.Lanes, p)
			}
		case "state":
			for _, it := range items {
				st, ok := ParseState(it)
				if !ok {
					return f, 0, fmt.Errorf("state %q: want one of %s", it, strings.Join(stateNames(), ", "))
				}
				f.States = append(f.States, st)
			}
		case "min_age":
			if len(vs) != 1 {
				return f, 0, errors.New("min_age given more than once")
			}
			d, err := time.ParseDuration(vs[0])
			if err != nil || d < 0 {
				return f, 0, fmt.Errorf("min_age %q: want a duration such as 90s, 15m or 2h", vs[0])
			}
			f.MinAge = d
		case "held":
			if len(vs) != 1 {
				return f, 0, errors.New("held given more than once")
			}
			b, err := strconv.ParseBool(vs[0])
			if err != nil {
				return f, 0, fmt.Errorf("held %q: want true or false", vs[0])
			}
			f.Held = b
		case "limit":
			if len(vs) != 1 {
				return f, 0, errors.New("limit given more than once")
			}
			n, err := strconv.Atoi(vs[0])
			if err != nil || n < 1 || n > MaxLimit {
				return f, 0, fmt.Errorf("limit %q: want 1 to %d", vs[0], MaxLimit)
			}
			limit = n
		default:
			return f, 0, fmt.Errorf("unknown parameter %q (want lane, state, min_age, held, limit)", k)
		}
	}
	return f, limit, nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	f, limit, err := parseFilter(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ms, total := s.cfg.Queue.ListN(f, limit)
	now := s.cfg.Now()
	st := s.cfg.Queue.Stats()
	out := QueueList{Total: total, Truncated: total > len(ms), Stats: Stats{Messages: st.Messages, Bytes: st.Bytes, Leases: st.Leases, ByLane: map[string]int{}}}
	for p := x400.PrecedenceDeferred; p <= x400.PrecedenceOverride; p++ {
		if int(p) < len(st.ByLane) && st.ByLane[p] > 0 {
			out.Stats.ByLane[p.String()] = st.ByLane[p]
		}
	}
	out.Messages = make([]Message, len(ms))
	for i := range ms {
		out.Messages[i] = view(&ms[i], now, false)
	}
	writeJSON(w, http.StatusOK, out)
}

// messageID reads and checks the {id} path value.
func messageID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if id == "" || len(id) > maxID {
		writeError(w, http.StatusBadRequest, "bad message id")
		return "", false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_' || c == '.') {
			writeError(w, http.StatusBadRequest, "bad message id")
			return "", false
		}
	}
	return id, true
}

func (s *Server) show(w http.ResponseWriter, r *http.Request) {
	id, ok := messageID(w, r)
	if !ok {
		return
	}
	m, _, err := s.cfg.Queue.Inspect(id)
	if err != nil {
		s.queueError(w, "show", id, err)
		return
	}
	writeJSON(w, http.StatusOK, view(&m, s.cfg.Now(), true))
}

func (s *Server) action(w http.ResponseWriter, r *http.Request) {
	id, ok := messageID(w, r)
	if !ok {
		return
	}
	act := r.PathValue("action")
	var op func(string) error
	switch act {
	case "hold":
		op = s.cfg.Queue.Hold
	case "release":
		op = s.cfg.Queue.Release
	case "retry":
		op = s.cfg.Queue.RetryNow
	default:
		writeError(w, http.StatusNotFound, "no such action (want hold, release or retry)")
		return
	}
	if err := op(id); err != nil {
		s.queueError(w, act, id, err)
		return
	}
	s.log.Info("admin: queue operation", "op", act, "id", id, "remote", r.RemoteAddr)
	res := ActionResult{ID: id, Action: act}
	if m, err := s.cfg.Queue.Get(id); err == nil {
		v := view(&m, s.cfg.Now(), false)
		res.Message = &v
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	id, ok := messageID(w, r)
	if !ok {
		return
	}
	reason := strings.TrimSpace(r.URL.Query().Get("reason"))
	switch {
	case reason == "":
		writeError(w, http.StatusBadRequest, "a deletion needs a reason (?reason=...)")
		return
	case len(reason) > MaxReason:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("reason longer than %d bytes", MaxReason))
		return
	case strings.ContainsFunc(reason, func(c rune) bool { return c < 0x20 || c == 0x7f }):
		writeError(w, http.StatusBadRequest, "reason holds control characters")
		return
	}
	if err := s.cfg.Queue.Delete(id, reason); err != nil {
		s.queueError(w, "delete", id, err)
		return
	}
	s.log.Warn("admin: message deleted", "id", id, "reason", reason, "remote", r.RemoteAddr)
	writeJSON(w, http.StatusOK, ActionResult{ID: id, Action: "delete", Reason: reason})
}

// queueError answers a queue error: 404 for an unknown message, 400 for
// an invalid request, 503 for a closed queue, 500 otherwise (the detail,
// which may name spool paths, goes to the log only).
func (s *Server) queueError(w http.ResponseWriter, op, id string, err error) {
	switch {
	case errors.Is(err, queue.ErrNotFound):
		writeError(w, http.StatusNotFound, "no such message "+id)
	case errors.Is(err, queue.ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, queue.ErrClosed):
		writeError(w, http.StatusServiceUnavailable, "the queue is closed")
	default:
		s.log.Error("admin: queue operation failed", "op", op, "id", id, "err", err)
		writeError(w, http.StatusInternalServerError, op+" "+id+" failed: spool error (see the daemon's log)")
	}
}

// Error is the body of every error answer.
type Error struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, Error{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away: nothing to do
}
