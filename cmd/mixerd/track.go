package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"mixerd/audit"
	"mixerd/internal/termsafe"
	"mixerd/policy"
)

func init() {
	register(command{
		name:    "track",
		summary: "print the life of a message from the audit log: arrival, conversion, departure, reports",
		run:     runTrack,
	})
}

const trackUsage = `usage: mixerd track [-policy FILE | -dir DIR] [-from T] [-to T] [-limit N] [-json] [KEY]
Prints the life of each message KEY names, read from the local audit log:
when it arrived and from whom, what the conversion dropped, when and where
it left, which delivery and read reports came back, from whom.
KEY is a queue ID, a correlation key (MTS identifier, ENVID, Message-ID,
IPM identifier, content correlator), an SMTP address, or O/R address text
(a part such as S=Smith matches every address that contains it).
Without KEY, -from or -to selects every message with a record in the range.
T is 2006-01-02, 2006-01-02T15:04[:05] (UTC), RFC 3339, or a duration
meaning that long ago (2h, 30m). A -to date alone means the end of that day.
The log is -dir, or the policy's audit log_directory (loading the policy
reads its token and TLS key files too: -dir needs only the log).
Exit status: 0 found, 1 nothing matched or the log cannot be read, 2 usage.`

// runTrack is "mixerd track": it reads the audit log directly (read-only,
// safe while the daemon appends), so it works when the daemon is down.
func runTrack(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	return trackAt(args, stdout, stderr, time.Now())
}

func trackAt(args []string, stdout, stderr io.Writer, now time.Time) int {
	fs := flag.NewFlagSet("track", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, trackUsage) }
	policyFile := fs.String("policy", "policy.hcl", "the policy file whose audit log_directory to read")
	dir := fs.String("dir", "", "the audit log directory")
	from := fs.String("from", "", "only messages with a record at or after this time")
	to := fs.String("to", "", "only messages with a record at or before this time")
	limit := fs.Int("limit", audit.DefaultTrackLimit, "at most this many messages")
	asJSON := fs.Bool("json", false, "print the records as JSON lines, one message after another")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["dir"] && set["policy"] {
		fmt.Fprintln(stderr, "mixerd track: give -dir or -policy, not both")
		return 2
	}
	q := audit.TrackQuery{Limit: *limit}
	if *limit <= 0 {
		fmt.Fprintln(stderr, "mixerd track: -limit must be positive")
		return 2
	}
	var err error
	if q.From, err = parseWhen(*from, now, false); err != nil {
		fmt.Fprintf(stderr, "mixerd track: -from: %v\n", err)
		return 2
	}
	if q.To, err = parseWhen(*to, now, true); err != nil {
		fmt.Fprintf(stderr, "mixerd track: -to: %v\n", err)
		return 2
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		fmt.Fprintln(stderr, "mixerd track: -to is before -from")
		return 2
	}
	switch fs.NArg() {
	case 0:
		if q.From.IsZero() && q.To.IsZero() {
			fmt.Fprintln(stderr, "mixerd track: give a KEY, or a time range with -from/-to")
			fmt.Fprintln(stderr, trackUsage)
			return 2
		}
	case 1:
		q.Key = strings.TrimSpace(fs.Arg(0))
		if q.Key == "" {
			fmt.Fprintln(stderr, "mixerd track: KEY is empty")
			return 2
		}
	default:
		fmt.Fprintf(stderr, "mixerd track: one KEY at a time (got %d arguments; quote an O/R address with spaces)\n", fs.NArg())
		return 2
	}

	logDir := *dir
	if logDir == "" {
		p, err := policy.Load(*policyFile)
		if err != nil {
			fmt.Fprintf(stderr, "mixerd track: %s: %v\n", *policyFile, err)
			return 1
		}
		logDir = p.Audit.LogDirectory
	}

	out := bufio.NewWriter(stdout)
	n := 0
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	err = audit.Track(logDir, q, func(l *audit.Life) error {
		n++
		if *asJSON {
			for _, r := range l.Records {
				if err := enc.Encode(r); err != nil {
					return err
				}
			}
			return nil
		}
		l.Format(out)
		return nil
	})
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	switch {
	case errors.Is(err, audit.ErrTruncated):
		fmt.Fprintf(stderr, "mixerd track: more than %d messages match; showed the first %d (narrow the range or raise -limit)\n", q.Limit, n)
	case err != nil:
		fmt.Fprintf(stderr, "mixerd track: %v\n", err)
		return 1
	}
	if n == 0 {
		what := fmt.Sprintf("%q", q.Key)
		if q.Key == "" {
			what = "a record"
		}
		fmt.Fprintf(stderr, "mixerd track: no message in %s matches %s%s\n", logDir, termsafe.Clean(what), rangeText(q.From, q.To))
		return 1
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "-- %d message(s).\n", n)
	}
	return 0
}

func rangeText(from, to time.Time) string {
	const f = "2006-01-02 15:04:05Z"
	switch {
	case !from.IsZero() && !to.IsZero():
		return " between " + from.UTC().Format(f) + " and " + to.UTC().Format(f)
	case !from.IsZero():
		return " since " + from.UTC().Format(f)
	case !to.IsZero():
		return " until " + to.UTC().Format(f)
	}
	return ""
}

// parseWhen reads a -from or -to time: RFC 3339, a UTC date and time, a
// date (for -to, the end of that day), or a duration before now. "" is
// the zero time (no bound).
func parseWhen(s string, now time.Time, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("%q: a duration means that long ago, give it without a sign", s)
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, time.UTC); err == nil {
		if end {
			t = t.Add(24*time.Hour - time.Nanosecond)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time (2006-01-02, 2006-01-02T15:04, RFC 3339, or a duration such as 2h)", s)
}
