package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"mixerd/admin"
	"mixerd/internal/termsafe"
	"mixerd/policy"
)

func init() {
	register(command{
		name:    "queue",
		summary: "list the running daemon's queue, hold, release, retry or delete messages (like postqueue)",
		run:     runQueue,
	})
}

const queueUsage = `usage: mixerd queue [-admin ADDR | -policy FILE] [-token-file FILE] [-json] [-timeout D] COMMAND
commands:
  list [-lane L] [-state S] [-min-age D] [-held] [-limit N]
                              what is queued, highest lane first (the default command)
  show ID                     one message with every attempt of every recipient
  hold ID...                  stop attempts until release
  release ID...               attempt again
  retry ID...                 make every waiting recipient due now
  delete -reason TEXT ID...   remove without a report (the reason is logged)
The daemon's admin address is -admin, or the policy's admin_listener.
The bearer token, when the daemon needs one, is read from -token-file,
$MIXERD_ADMIN_TOKEN, or the policy's admin_listener token_file.
Exit status: 0 done, 1 error (daemon not reachable, unknown message), 2 usage.`

// Bounds on what the command reads from the daemon.
const (
	maxListAnswer  = 256 << 20
	maxOtherAnswer = 16 << 20
)

// queueClient talks to the daemon's admin interface.
type queueClient struct {
	base    string // http://host:port
	token   string
	timeout time.Duration
	http    *http.Client
}

// runQueue is "mixerd queue": it talks to the running daemon over its
// admin HTTP interface (package admin), since the daemon holds the
// spool's lock.
func runQueue(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("queue", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, queueUsage) }
	adminAddr := fs.String("admin", "", "the daemon's admin address, host:port")
	policyFile := fs.String("policy", "policy.hcl", "the policy file whose admin_listener to use")
	tokenFile := fs.String("token-file", "", "a file holding the admin bearer token")
	asJSON := fs.Bool("json", false, "print the daemon's JSON answer as it is")
	timeout := fs.Duration("timeout", 15*time.Second, "how long to wait for the daemon")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["admin"] && set["policy"] {
		fmt.Fprintln(stderr, "mixerd queue: give -admin or -policy, not both")
		return 2
	}
	if *timeout <= 0 {
		fmt.Fprintln(stderr, "mixerd queue: -timeout must be positive")
		return 2
	}
	rest := fs.Args()
	cmd := "list"
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}

	// Check the command's own arguments before reaching for the daemon.
	var (
		listQuery url.Values
		reason    string
	)
	switch cmd {
	case "list":
		q, code := parseListArgs(rest, stderr)
		if code >= 0 {
			return code
		}
		listQuery, rest = q, nil
	case "show":
		if len(rest) != 1 {
			fmt.Fprintln(stderr, "usage: mixerd queue show ID")
			return 2
		}
	case "hold", "release", "retry":
		if len(rest) == 0 {
			fmt.Fprintf(stderr, "usage: mixerd queue %s ID...\n", cmd)
			return 2
		}
	case "delete":
		dfs := flag.NewFlagSet("queue delete", flag.ContinueOnError)
		dfs.SetOutput(stderr)
		r := dfs.String("reason", "", "why the message is deleted (required; logged and journalled)")
		if err := dfs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		reason, rest = strings.TrimSpace(*r), dfs.Args()
		if reason == "" || len(rest) == 0 {
			fmt.Fprintln(stderr, "usage: mixerd queue delete -reason TEXT ID...")
			return 2
		}
	default:
		fmt.Fprintf(stderr, "mixerd queue: unknown command %q\n%s\n", cmd, queueUsage)
		return 2
	}

	addr, policyToken := *adminAddr, ""
	if addr == "" {
		p, err := policy.Load(*policyFile)
		if err != nil {
			fmt.Fprintf(stderr, "mixerd queue: %s: %v\n", *policyFile, err)
			return 1
		}
		if p.Admin == nil {
			fmt.Fprintf(stderr, "mixerd queue: %s has no admin_listener block: the daemon has no admin interface (or give -admin)\n", *policyFile)
			return 1
		}
		addr, policyToken = p.Admin.Address, p.Admin.Token
	}
	token := os.Getenv("MIXERD_ADMIN_TOKEN")
	if token == "" {
		// The policy's token_file: loading the policy reads it (and
		// the TLS keys), so an operator who may not read them gives
		// -admin with MIXERD_ADMIN_TOKEN or -token-file instead.
		token = policyToken
	}
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			fmt.Fprintf(stderr, "mixerd queue: %v\n", err)
			return 1
		}
		token = strings.TrimSpace(string(b))
	}
	base := addr
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		base = "http://" + base
	}
	c := &queueClient{base: strings.TrimSuffix(base, "/"), token: token, timeout: *timeout, http: &http.Client{Timeout: *timeout}}

	switch cmd {
	case "list":
		b, err := c.do("GET", "/queue?"+listQuery.Encode(), maxListAnswer)
		if err != nil {
			fmt.Fprintf(stderr, "mixerd queue: %v\n", err)
			return 1
		}
		if *asJSON {
			stdout.Write(b)
			return 0
		}
		var l admin.QueueList
		if err := json.Unmarshal(b, &l); err != nil {
			fmt.Fprintf(stderr, "mixerd queue: the daemon's answer is not a queue list: %v\n", err)
			return 1
		}
		printList(stdout, &l)
		return 0
	case "show":
		b, err := c.do("GET", "/queue/"+url.PathEscape(rest[0]), maxOtherAnswer)
		if err != nil {
			fmt.Fprintf(stderr, "mixerd queue: %v\n", err)
			return 1
		}
		if *asJSON {
			stdout.Write(b)
			return 0
		}
		var m admin.Message
		if err := json.Unmarshal(b, &m); err != nil {
			fmt.Fprintf(stderr, "mixerd queue: the daemon's answer is not a message: %v\n", err)
			return 1
		}
		printMessage(stdout, &m, true)
		return 0
	}
	// hold, release, retry, delete: each id in turn; exit 1 if any failed.
	code := 0
	for _, id := range rest {
		method, path := "POST", "/queue/"+url.PathEscape(id)+"/"+cmd
		if cmd == "delete" {
			method, path = "DELETE", "/queue/"+url.PathEscape(id)+"?reason="+url.QueryEscape(reason)
		}
		b, err := c.do(method, path, maxOtherAnswer)
		if err != nil {
			fmt.Fprintf(stderr, "mixerd queue: %s %s: %v\n", cmd, termsafe.Clean(id), err)
			code = 1
			if errors.Is(err, errUnreachable) {
				return 1 // the next ones will not fare better
			}
			continue
		}
		if *asJSON {
			stdout.Write(b)
			continue
		}
		fmt.Fprintf(stdout, "%s: %s\n", termsafe.Clean(id), pastTense[cmd])
	}
	return code
}

var pastTense = map[string]string{"hold": "held", "release": "released", "retry": "due now", "delete": "deleted"}

// parseListArgs reads list's flags into the query of GET /queue; code is
// -1 when they are good.
func parseListArgs(args []string, stderr io.Writer) (q url.Values, code int) {
	fs := flag.NewFlagSet("queue list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lane := fs.String("lane", "", "only these lanes, comma-separated (FLASH,OVERRIDE or Z,Y)")
	state := fs.String("state", "", "only messages with a recipient in these states (pending, in-transfer, transient, failed, dead, delivered)")
	minAge := fs.Duration("min-age", 0, "only messages at least this old")
	held := fs.Bool("held", false, "only held messages")
	limit := fs.Int("limit", 0, "at most this many messages (the daemon's default when 0)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0
		}
		return nil, 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "mixerd queue list: unexpected argument %q\n", fs.Arg(0))
		return nil, 2
	}
	if *minAge < 0 || *limit < 0 {
		fmt.Fprintln(stderr, "mixerd queue list: -min-age and -limit cannot be negative")
		return nil, 2
	}
	q = url.Values{}
	if *lane != "" {
		q.Set("lane", *lane)
	}
	if *state != "" {
		q.Set("state", *state)
	}
	if *minAge > 0 {
		q.Set("min_age", minAge.String())
	}
	if *held {
		q.Set("held", "true")
	}
	if *limit > 0 {
		q.Set("limit", fmt.Sprint(*limit))
	}
	return q, -1
}

// errUnreachable marks a failure to reach the daemon at all.
var errUnreachable = errors.New("cannot reach the daemon's admin interface")

// do sends one request and returns the answer's body, or an error with
// the daemon's own error text.
func (c *queueClient) do(method, path string, max int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w at %s (is mixerd serve running?): %v", errUnreachable, c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("reading the daemon's answer: %v", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("the daemon's answer is longer than %d bytes (use list -limit)", max)
	}
	if resp.StatusCode != http.StatusOK {
		var e admin.Error
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("%s (HTTP %d)", termsafe.Clean(e.Error), resp.StatusCode)
		}
		return nil, fmt.Errorf("the daemon answered HTTP %s", termsafe.Clean(resp.Status))
	}
	return b, nil
}

// printList prints a postqueue -p like listing: one block per message.
func printList(w io.Writer, l *admin.QueueList) {
	if len(l.Messages) == 0 {
		fmt.Fprintln(w, "Queue is empty (for this filter).")
	} else {
		fmt.Fprintf(w, "%-17s %-9s %7s %10s  %-20s  %s\n", "-Queue ID-", "-Lane-", "-Age-", "-Size-", "-Arrival-", "-Source-")
	}
	for i := range l.Messages {
		printMessage(w, &l.Messages[i], false)
	}
	var lanes []string
	for _, n := range []string{"OVERRIDE", "FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE", "DEFERRED"} {
		if c := l.Stats.ByLane[n]; c > 0 {
			lanes = append(lanes, fmt.Sprintf("%s %d", n, c))
		}
	}
	shown := ""
	if l.Truncated || l.Total != l.Stats.Messages {
		shown = fmt.Sprintf("%d shown of %d matching; ", len(l.Messages), l.Total)
	}
	fmt.Fprintf(w, "-- %s%d message(s), %d bytes in the queue", shown, l.Stats.Messages, l.Stats.Bytes)
	if len(lanes) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(lanes, ", "))
	}
	fmt.Fprintln(w, ".")
}

func printMessage(w io.Writer, m *admin.Message, full bool) {
	held := ""
	if m.Held {
		held = "  HELD"
	}
	src := strings.TrimSpace(m.Protocol + " " + m.Peer)
	fmt.Fprintf(w, "%-17s %-9s %7s %10d  %-20s  %s%s\n", termsafe.Clean(m.ID), termsafe.Clean(m.Lane), age(m.AgeSeconds), m.Size,
		m.Arrival.UTC().Format("2006-01-02 15:04:05Z"), termsafe.Clean(src), held)
	if m.Originator != "" {
		fmt.Fprintf(w, "    from: %s\n", termsafe.Clean(m.Originator))
	}
	if full {
		if m.MTSID != "" {
			fmt.Fprintf(w, "    mts-id: %s\n", termsafe.Clean(m.MTSID))
		}
		if m.MessageID != "" {
			fmt.Fprintf(w, "    message-id: %s\n", termsafe.Clean(m.MessageID))
		}
		if m.Deferred != nil {
			fmt.Fprintf(w, "    deferred until: %s\n", m.Deferred.UTC().Format(time.RFC3339))
		}
		if m.Latest != nil {
			fmt.Fprintf(w, "    latest delivery: %s\n", m.Latest.UTC().Format(time.RFC3339))
		}
	}
	for _, r := range m.Recipients {
		line := fmt.Sprintf("    %s via %s: %s", termsafe.Clean(r.Address), termsafe.Clean(r.NextHop), termsafe.Clean(r.State))
		if r.Attempts > 0 {
			line += fmt.Sprintf(", %d attempt(s)", r.Attempts)
		}
		if r.NextTry != nil && (r.Attempts > 0 || r.NextTry.After(m.Arrival)) {
			line += ", next " + r.NextTry.UTC().Format("2006-01-02 15:04:05Z")
		}
		if r.Reason != "" {
			line += ", " + termsafe.Clean(r.Reason)
		}
		fmt.Fprintln(w, line)
		if full {
			for _, a := range r.History {
				fmt.Fprintf(w, "        %s %s\n", a.Time.UTC().Format("2006-01-02 15:04:05Z"), attemptText(&a))
			}
		} else if r.Last != nil {
			fmt.Fprintf(w, "        (%s)\n", attemptText(r.Last))
		}
	}
	fmt.Fprintln(w)
}

func attemptText(a *admin.Attempt) string {
	parts := []string{termsafe.Clean(a.Result)}
	if a.Stage != "" {
		parts = append(parts, "at "+termsafe.Clean(a.Stage))
	}
	if a.NextHop != "" {
		parts = append(parts, "to "+termsafe.Clean(a.NextHop))
	}
	if a.Code != 0 {
		parts = append(parts, fmt.Sprint(a.Code))
	}
	if a.Enhanced != "" {
		parts = append(parts, termsafe.Clean(a.Enhanced))
	}
	if a.X411Reason != nil {
		x := fmt.Sprintf("X.411 reason %d", *a.X411Reason)
		if a.X411Diagnostic != nil {
			x += fmt.Sprintf(" diagnostic %d", *a.X411Diagnostic)
		}
		parts = append(parts, x)
	}
	if a.Text != "" {
		parts = append(parts, termsafe.Clean(a.Text))
	}
	return strings.Join(parts, " ")
}

// age writes seconds as postqueue-like short text: 45s, 12m, 3h05m, 2d04h.
func age(s int64) string {
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm", s/60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}
