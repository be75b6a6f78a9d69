package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"strings"

	"mixerd/policy"
)

func init() {
	register(command{
		name:    "password",
		summary: "hash a password for an smtp_user block of the policy",
		run:     runPassword,
	})
}

const passwordUsage = `usage: mixerd password [-iterations N] < PASSWORD
Reads a password (the first line of standard input) and prints its PBKDF2
hash (HMAC-SHA-256, a random salt), the form an smtp_user's password takes
in the policy:

    smtp_user "operator" {
      password = "pbkdf2-sha256$600000$..."
    }

so that the policy file does not hold the password itself. -iterations is
the PBKDF2 iteration count (default 600000; 10000 to 10000000): each AUTH
costs that many, and so does each guess.
Exit status: 0 printed, 1 no password, 2 usage.`

func runPassword(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("password", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, passwordUsage) }
	iter := fs.Int("iterations", policy.DefaultHashIterations, "PBKDF2 iterations")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mixerd password: the password is read from standard input, not given as %q\n", fs.Arg(0))
		return 2
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4097)).ReadString('\n')
	if err != nil && err != io.EOF {
		fmt.Fprintf(stderr, "mixerd password: %v\n", err)
		return 1
	}
	if len(line) > 4096 {
		fmt.Fprintln(stderr, "mixerd password: a password of more than 4096 bytes")
		return 2
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		fmt.Fprintln(stderr, "mixerd password: no password on standard input")
		return 1
	}
	h, err := policy.HashPassword(pw, *iter)
	if err != nil {
		fmt.Fprintf(stderr, "mixerd password: %v\n", err)
		return 2
	}
	fmt.Fprintln(stdout, h)
	return 0
}
