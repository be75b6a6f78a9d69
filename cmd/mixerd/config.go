package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"mixerd/policy"
)

func init() {
	register(command{
		name:    "config",
		summary: "check a policy file: 'config test -policy FILE' lists every problem as FILE:LINE:COL",
		run:     runConfig,
	})
}

// runConfig is "mixerd config test [-policy FILE]": it loads the policy
// as "mixerd serve" would and prints "FILE: ok" and a one-line summary
// (exit 0), or every problem as FILE:LINE:COL: message on stderr (exit 1).
// Exit 2 is a usage error.
func runConfig(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "test" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprintln(stdout, "usage: mixerd config test [-policy FILE]")
			return 0
		}
		fmt.Fprintln(stderr, "usage: mixerd config test [-policy FILE]")
		return 2
	}
	fs := flag.NewFlagSet("config test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("policy", "policy.hcl", "the policy file")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "mixerd config test: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	p, err := policy.Load(*file)
	if err != nil {
		var es policy.Errors
		if errors.As(err, &es) {
			for _, e := range es {
				fmt.Fprintln(stderr, e.Error())
			}
			fmt.Fprintf(stderr, "%s: %d problem(s)\n", *file, len(es))
		} else {
			fmt.Fprintf(stderr, "%s: %v\n", *file, err)
		}
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok\n%s\n", *file, p.Summary())
	return 0
}
