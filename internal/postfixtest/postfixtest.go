// Package postfixtest starts a private Postfix instance for end-to-end tests:
// Debian's Postfix (>= 3.4), with its own configuration, queue, data
// directory, log file and mailboxes under the test's t.TempDir(), an SMTP
// server (RFC 5321) on 127.0.0.1 and a free port, no DNS, and local delivery
// of every recipient in its domains into one Maildir, from which a test reads
// what Postfix delivered, with the Return-Path, Delivered-To and
// X-Original-To header fields Postfix adds.
//
// The instance is isolated from the system's Postfix, which may or may not
// run: it shares only the installed programs and the 'postfix' user and
// 'postdrop' group. The test owns the master process (it is not detached)
// and the instance is stopped, with every process it started, when the test
// ends; if the test failed, Postfix's log is printed.
//
// Postfix's master must run as root. Start skips the test when Postfix is
// not installed, is older than 3.4, or the test does not run as root, unless
// the environment variable CI is set, where it fails: CI installs the Debian
// package "postfix" and runs the tests as root.
package postfixtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Options configures an instance. The zero value is valid.
type Options struct {
	// Domains are the domains whose every address Postfix accepts and
	// delivers into the instance's Maildir (virtual_mailbox_domains).
	// Default: "example.test".
	Domains []string
	// Reject maps a recipient (an address, a domain, or "localpart@", as in
	// access(5)) to the reply Postfix gives to its RCPT TO, for example
	// "550 5.1.1 no such user" (check_recipient_access; Postfix sends
	// "550 5.1.1 <x@example.test>: Recipient address rejected: no such user").
	Reject map[string]string
	// Bounce maps a recipient address to an enhanced status code and text,
	// for example "5.1.1 mailbox unavailable": Postfix accepts the
	// recipient, fails its delivery with a pipe(8) transport and sends a
	// delivery status notification (RFC 3464) to the envelope sender. The
	// failure is made by pipe(8), run as the user nobody; a "4.x.y" code
	// defers the recipient (retried every second) instead.
	Bounce map[string]string
	// Relayhost is "host:port" (an IP literal, 127.0.0.1 in tests) where
	// Postfix sends mail for any other domain, its DSNs included. Empty:
	// such mail fails with "5.4.4" (a DSN to a sender in Domains lands in
	// the Maildir).
	Relayhost string
	// Main are extra main.cf parameters, written after (and so overriding)
	// the package's.
	Main map[string]string
}

// Instance is a running Postfix instance.
type Instance struct {
	// Addr is the SMTP server's address, "127.0.0.1:PORT".
	Addr string
	// Dir is the instance's root directory (etc, spool, data, mail,
	// maillog beneath it).
	Dir string
	// Maildir is the Maildir into which Postfix delivers every recipient.
	Maildir string

	cmd     *exec.Cmd
	exited  chan struct{} // closed when the master has exited
	waitErr error         // the master's exit status, set before exited closes
	stderr  *bytes.Buffer // the master's stderr (written only by os/exec until exited)
	logFile string
	stopped bool
	stopErr error
}

// Delivered is one message as Postfix delivered it.
type Delivered struct {
	// Recipient is the address of the first Delivered-To header field.
	Recipient string
	// Path is the message's file in the Maildir.
	Path string
	// Raw is the message as delivered, header fields added by Postfix first,
	// with LF line endings (Maildir's).
	Raw []byte
}

// masterName is the master daemon, in Postfix's daemon_directory.
const masterName = "master"

// required skips the test for a missing prerequisite, or fails it under CI.
func required(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		t.Fatalf("postfixtest: %s (CI must install the Debian package postfix and run tests as root: see .ci/run)", msg)
	}
	t.Skipf("postfixtest: %s", msg)
}

// Start starts a Postfix instance for the test and registers its Stop with
// t.Cleanup. It fails the test when Postfix does not start in 30 s.
func Start(t testing.TB, opts Options) *Instance {
	t.Helper()
	postfixCmd, err := exec.LookPath("postfix")
	if err != nil {
		for _, p := range []string{"/usr/sbin/postfix", "/usr/local/sbin/postfix"} {
			if _, e := os.Stat(p); e == nil {
				postfixCmd, err = p, nil
				break
			}
		}
	}
	if err != nil {
		required(t, "Postfix is not installed (apt-get install postfix)")
	}
	postconf := filepath.Join(filepath.Dir(postfixCmd), "postconf")
	out, err := exec.Command(postconf, "-dh", "mail_version", "daemon_directory").Output()
	if err != nil {
		required(t, "%s -d: %v", postconf, err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != 2 {
		t.Fatalf("postfixtest: postconf -dh: unexpected output %q", out)
	}
	version, daemonDir := lines[0], lines[1]
	major, minor := parseVersion(version)
	if major < 3 || major == 3 && minor < 4 {
		required(t, "Postfix %s is older than 3.4 (maillog_file)", version)
	}
	if os.Geteuid() != 0 {
		required(t, "Postfix's master must run as root; this test runs as uid %d", os.Geteuid())
	}
	pfUser, err := user.Lookup("postfix")
	if err != nil {
		required(t, "no 'postfix' user: %v", err)
	}
	if _, err := user.LookupGroup("postdrop"); err != nil {
		required(t, "no 'postdrop' group: %v", err)
	}
	if len(opts.Bounce) > 0 {
		// The Bounce transport is pipe(8), which runs its command as nobody.
		if _, err := user.Lookup("nobody"); err != nil {
			required(t, "no 'nobody' user for Options.Bounce: %v", err)
		}
	}
	uid, _ := strconv.Atoi(pfUser.Uid)
	gid, _ := strconv.Atoi(pfUser.Gid)

	if len(opts.Domains) == 0 {
		opts.Domains = []string{"example.test"}
	}
	if err := opts.check(); err != nil {
		t.Fatalf("postfixtest: %v", err)
	}

	dir := t.TempDir()
	if err := makeTraversable(dir); err != nil {
		t.Fatalf("postfixtest: %v", err)
	}
	in := &Instance{
		Dir:     dir,
		Maildir: filepath.Join(dir, "mail", "Maildir"),
		logFile: filepath.Join(dir, "maillog"),
	}
	for _, d := range []string{"etc", "spool"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatalf("postfixtest: %v", err)
		}
	}
	mail := filepath.Join(dir, "mail")
	if err := os.Mkdir(mail, 0o755); err != nil {
		t.Fatalf("postfixtest: %v", err)
	}
	if err := os.Chown(mail, uid, gid); err != nil {
		t.Fatalf("postfixtest: %v", err)
	}
	t.Cleanup(func() {
		if !in.stopped { // a test that called Stop saw its error
			if err := in.Stop(); err != nil {
				t.Errorf("postfixtest: %v", err)
			}
		}
		if t.Failed() {
			t.Logf("postfixtest: Postfix log (%s):\n%s", in.logFile, in.Log())
		}
	})

	compat := "2"
	if major > 3 || major == 3 && minor >= 6 {
		compat = "3.6"
	}
	const attempts = 3
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("postfixtest: %v", err)
		}
		in.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err := in.writeConfig(opts, compat, uid, gid); err != nil {
			t.Fatalf("postfixtest: %v", err)
		}
		if attempt == 1 {
			// "postfix check" creates the queue's and data directory's
			// subdirectories with their owners (post-install
			// create-missing) and checks the configuration.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			out, err := exec.CommandContext(ctx, postfixCmd, "-c", filepath.Join(dir, "etc"), "check").CombinedOutput()
			cancel()
			if err != nil {
				t.Fatalf("postfixtest: postfix check: %v\n%s\nlog:\n%s", err, out, in.Log())
			}
		}
		err = in.startMaster(filepath.Join(daemonDir, masterName))
		if err == nil {
			return in
		}
		// Another process may have taken the free port between freePort
		// and the master's bind: try another.
		if attempt < attempts && strings.Contains(in.Log()+in.stderr.String(), "in use") {
			t.Logf("postfixtest: port %d taken, retrying: %v", port, err)
			continue
		}
		t.Fatalf("postfixtest: %v\nlog:\n%s", err, in.Log())
	}
}

// check validates the options: values go into main.cf and lookup tables,
// where whitespace, commas and newlines would change their meaning.
func (o *Options) check() error {
	for _, d := range o.Domains {
		if !tableKey.MatchString(d) {
			return fmt.Errorf("bad domain %q", d)
		}
	}
	for k, v := range o.Reject {
		if !tableKey.MatchString(k) || strings.ContainsAny(v, "\r\n") || v == "" {
			return fmt.Errorf("bad Reject entry %q: %q", k, v)
		}
	}
	for k, v := range o.Bounce {
		if !tableKey.MatchString(k) || strings.ContainsAny(v, "\r\n") || !bounceValue.MatchString(v) {
			return fmt.Errorf("bad Bounce entry %q: %q (want an address and \"5.x.y text\")", k, v)
		}
	}
	if o.Relayhost != "" {
		host, port, err := net.SplitHostPort(o.Relayhost)
		if err != nil || net.ParseIP(host) == nil || port == "" {
			return fmt.Errorf("bad Relayhost %q (want IP:port)", o.Relayhost)
		}
	}
	for k, v := range o.Main {
		if !paramName.MatchString(k) || strings.ContainsAny(v, "\r\n") {
			return fmt.Errorf("bad main.cf parameter %q = %q", k, v)
		}
	}
	return nil
}

var (
	tableKey    = regexp.MustCompile(`^[^\s,#]+$`)
	bounceValue = regexp.MustCompile(`^[45]\.[0-9]{1,3}\.[0-9]{1,3}( .*)?$`)
	paramName   = regexp.MustCompile(`^[a-z0-9_]+$`)
)

// parseVersion returns the major and minor numbers of a mail_version such
// as "3.7.11".
func parseVersion(v string) (major, minor int) {
	f := strings.SplitN(v, ".", 3)
	major, _ = strconv.Atoi(f[0])
	if len(f) > 1 {
		minor, _ = strconv.Atoi(f[1])
	}
	return major, minor
}

// makeTraversable lets Postfix's unprivileged daemons reach dir:
// t.TempDir() creates its directories with mode 0700.
func makeTraversable(dir string) error {
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			return err
		}
	}
	for d := filepath.Dir(filepath.Dir(dir)); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("%s is not searchable by others: Postfix's daemons (user postfix) cannot reach %s; set TMPDIR", d, dir)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// writeConfig writes main.cf, master.cf and the lookup tables.
func (in *Instance) writeConfig(o Options, compat string, uid, gid int) error {
	etc := filepath.Join(in.Dir, "etc")
	table := func(name string) string {
		return "texthash:" + filepath.Join(etc, name)
	}
	var vmailbox, reject, transport strings.Builder
	for _, d := range o.Domains {
		fmt.Fprintf(&vmailbox, "@%s Maildir/\n", d)
	}
	for _, k := range sortedKeys(o.Reject) {
		fmt.Fprintf(&reject, "%s %s\n", k, o.Reject[k])
	}
	for _, k := range sortedKeys(o.Bounce) {
		fmt.Fprintf(&transport, "%s bouncer:%s\n", k, o.Bounce[k])
	}
	p := [][2]string{
		{"compatibility_level", compat},
		{"queue_directory", filepath.Join(in.Dir, "spool")},
		{"data_directory", filepath.Join(in.Dir, "data")},
		{"mail_owner", "postfix"},
		{"setgid_group", "postdrop"},
		{"maillog_file_prefixes", in.Dir},
		{"maillog_file", in.logFile},
		{"syslog_name", "postfixtest"},
		{"myhostname", "postfixtest.localdomain"},
		{"myorigin", "$myhostname"},
		{"mydestination", ""},
		{"local_recipient_maps", ""},
		{"local_transport", "error:5.1.1 local delivery disabled"},
		{"alias_maps", ""},
		{"alias_database", ""},
		{"inet_interfaces", "127.0.0.1"},
		{"inet_protocols", "ipv4"},
		{"mynetworks", "127.0.0.0/8"},
		{"smtp_dns_support_level", "disabled"},
		{"lmtp_dns_support_level", "disabled"},
		{"smtp_host_lookup", "native"},
		{"smtpd_peername_lookup", "no"},
		{"smtpd_banner", "$myhostname ESMTP postfixtest"},
		{"smtpd_error_sleep_time", "0s"},
		{"smtpd_soft_error_limit", "100"},
		{"smtpd_hard_error_limit", "200"},
		{"smtpd_recipient_restrictions", "check_recipient_access " + table("reject") + ", permit_mynetworks, reject_unauth_destination"},
		{"transport_maps", table("transport")},
		{"virtual_mailbox_domains", strings.Join(o.Domains, ", ")},
		{"virtual_mailbox_base", filepath.Join(in.Dir, "mail")},
		{"virtual_mailbox_maps", table("vmailbox")},
		{"virtual_minimum_uid", "1"},
		{"virtual_uid_maps", "static:" + strconv.Itoa(uid)},
		{"virtual_gid_maps", "static:" + strconv.Itoa(gid)},
		{"biff", "no"},
		{"append_dot_mydomain", "no"},
		// Retry soon: a relay (mixerd under test) that failed once is
		// tried again within seconds, not minutes.
		{"queue_run_delay", "1s"},
		{"minimal_backoff_time", "1s"},
		{"maximal_backoff_time", "2s"},
		{"smtp_connect_timeout", "5s"},
	}
	if o.Relayhost != "" {
		host, port, _ := net.SplitHostPort(o.Relayhost)
		p = append(p, [2]string{"relayhost", "[" + host + "]:" + port})
	} else {
		p = append(p, [2]string{"default_transport", "error:5.4.4 no relayhost in this test instance"})
	}
	for _, k := range sortedKeys(o.Main) {
		p = append(p, [2]string{k, o.Main[k]})
	}
	var main strings.Builder
	main.WriteString("# Written by mixerd/internal/postfixtest.\n")
	for _, kv := range p {
		fmt.Fprintf(&main, "%s = %s\n", kv[0], kv[1])
	}
	// master(5): service type private unpriv chroot wakeup maxproc command.
	master := in.Addr + " inet n - n - - smtpd\n" + `cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
bouncer   unix  - n n - - pipe flags=q user=nobody argv=/bin/sh -c { printf %s "$$0"; exit 69 } ${nexthop}
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
`
	files := map[string]string{
		"main.cf":   main.String(),
		"master.cf": master,
		"vmailbox":  vmailbox.String(),
		"reject":    reject.String(),
		"transport": transport.String(),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(etc, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// startMaster runs the master daemon in the foreground (it makes itself a
// session leader, so its pid is its children's session id) and waits until
// the SMTP server answers with a 220 greeting (RFC 5321 §4.2).
func (in *Instance) startMaster(master string) error {
	cmd := exec.Command(master, "-c", filepath.Join(in.Dir, "etc"), "-s")
	// If the test binary dies without its cleanups (a test timeout), the
	// master gets SIGTERM and stops its children.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	in.stderr = new(bytes.Buffer)
	cmd.Stdout = in.stderr
	cmd.Stderr = in.stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", master, err)
	}
	in.cmd = cmd
	in.exited = make(chan struct{})
	in.stopped = false
	go func() {
		in.waitErr = cmd.Wait()
		close(in.exited)
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var lastErr error
	for {
		select {
		case <-in.exited:
			return fmt.Errorf("postfix master exited at start-up (%v): %s", in.waitErr, in.stderr.String())
		default:
		}
		if lastErr = greeting(ctx, in.Addr); lastErr == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			in.Stop()
			return fmt.Errorf("postfix did not answer on %s in 30 s: %v", in.Addr, lastErr)
		case <-in.exited:
		case <-time.After(20 * time.Millisecond): // poll interval
		}
	}
}

// greeting connects to addr, reads the 220 greeting and says QUIT.
func greeting(ctx context.Context, addr string) error {
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	dl, _ := ctx.Deadline()
	c.SetDeadline(dl)
	line, err := bufio.NewReader(io.LimitReader(c, 1024)).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "220") {
		return fmt.Errorf("greeting %q", strings.TrimSpace(line))
	}
	_, err = c.Write([]byte("QUIT\r\n"))
	return err
}

// MasterPID returns the process id of the instance's master daemon.
func (in *Instance) MasterPID() int { return in.cmd.Process.Pid }

// Log returns Postfix's log (maillog_file) so far.
func (in *Instance) Log() string {
	b, err := os.ReadFile(in.logFile)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	return string(b)
}

// Stop stops the instance: SIGTERM to the master, which terminates its
// children, and after 10 s SIGKILL to every process of its session. It
// returns an error if the master did not exit cleanly or a process of the
// instance remains. Stop is called by t.Cleanup; calling it again is
// harmless.
func (in *Instance) Stop() error {
	if in.cmd == nil || in.stopped {
		return in.stopErr
	}
	in.stopped = true
	pid := in.cmd.Process.Pid
	var errs []error
	select {
	case <-in.exited:
		errs = append(errs, fmt.Errorf("postfix master had exited: %v", in.waitErr))
	default:
		in.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-in.exited:
			// The master re-raises the signal that stopped it.
			if !terminated(in.waitErr) {
				errs = append(errs, fmt.Errorf("postfix master: %v", in.waitErr))
			}
		case <-time.After(10 * time.Second):
			syscall.Kill(-pid, syscall.SIGKILL)
			<-in.exited
			errs = append(errs, errors.New("postfix master did not stop in 10 s: killed"))
		}
	}
	// The master signalled its process group; wait for the children to go.
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := sessionProcesses(pid)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			for _, p := range left {
				syscall.Kill(p, syscall.SIGKILL)
			}
			errs = append(errs, fmt.Errorf("postfix processes %v outlived the master: killed", left))
			break
		}
		time.Sleep(20 * time.Millisecond) // poll interval
	}
	in.stopErr = errors.Join(errs...)
	return in.stopErr
}

// terminated reports whether err, from exec.Cmd.Wait, is a clean exit or
// one by SIGTERM.
func terminated(err error) bool {
	var ee *exec.ExitError
	if err == nil {
		return true
	}
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM
}

// sessionProcesses returns the live (not zombie) processes whose session
// id is sid, from /proc.
func sessionProcesses(sid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp session ...; comm may hold spaces.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 4 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if s, _ := strconv.Atoi(f[3]); s == sid {
			pids = append(pids, pid)
		}
	}
	return pids
}

// Messages returns the messages delivered so far, oldest first.
func (in *Instance) Messages() ([]Delivered, error) {
	var msgs []Delivered
	type file struct {
		path string
		mod  time.Time
	}
	var files []file
	for _, sub := range []string{"new", "cur"} {
		ents, err := os.ReadDir(filepath.Join(in.Maildir, sub))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if !e.Type().IsRegular() {
				continue
			}
			fi, err := e.Info()
			if err != nil {
				return nil, err
			}
			files = append(files, file{filepath.Join(in.Maildir, sub, e.Name()), fi.ModTime()})
		}
	}
	sort.Slice(files, func(i, j int) bool {
		if !files[i].mod.Equal(files[j].mod) {
			return files[i].mod.Before(files[j].mod)
		}
		return files[i].path < files[j].path
	})
	for _, f := range files {
		raw, err := os.ReadFile(f.path)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, Delivered{Recipient: deliveredTo(raw), Path: f.path, Raw: raw})
	}
	return msgs, nil
}

// WaitMessages waits until at least n messages were delivered and returns
// them all, oldest first. It polls the Maildir (Postfix's virtual(8) moves a
// complete message into new/ with one rename) until ctx is done, when it
// returns what was delivered and an error that quotes the end of Postfix's
// log.
func (in *Instance) WaitMessages(ctx context.Context, n int) ([]Delivered, error) {
	tick := time.NewTicker(20 * time.Millisecond) // poll interval
	defer tick.Stop()
	for {
		msgs, err := in.Messages()
		if err != nil {
			return msgs, err
		}
		if len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-ctx.Done():
			return msgs, fmt.Errorf("postfixtest: %d of %d messages delivered: %w; log ends:\n%s", len(msgs), n, ctx.Err(), tail(in.Log(), 20))
		case <-tick.C:
		}
	}
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.SplitAfter(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}

// deliveredTo returns the address of the first Delivered-To header field of
// the message's header, or "".
func deliveredTo(raw []byte) string {
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Delivered-To") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
