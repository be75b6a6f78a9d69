package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"mixerd/daemon"
	"mixerd/policy"
)

func init() {
	register(command{name: "serve", summary: "run the gateway (listeners, spool, delivery)", run: serveCmd})
}

// serveCmd is "mixerd serve [-policy FILE] [-log-json]": it runs the
// gateway until SIGTERM or SIGINT; SIGHUP reloads the policy (a bad one is
// refused and logged, the running one stays).
func serveCmd(args []string, _ io.Reader, _, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return serve(ctx, args, stderr, hup)
}

// serve is serveCmd with its context and reload signal given (tests).
func serve(ctx context.Context, args []string, stderr io.Writer, hup <-chan os.Signal) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("policy", "policy.hcl", "the policy file")
	logJSON := fs.Bool("log-json", false, "log in JSON rather than text")
	var level slog.Level
	fs.TextVar(&level, "log-level", slog.LevelInfo, "the least level logged: debug (a line for each message spooled and relayed; the audit log records them in any case), info, warn, error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mixerd serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(stderr, opts)
	if *logJSON {
		h = slog.NewJSONHandler(stderr, opts)
	}
	log := slog.New(h)
	daemon.TuneGC()
	p, ok := loadPolicy(*file, stderr)
	if !ok {
		return 1
	}
	d, err := daemon.New(p, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	for {
		select {
		case <-hup:
			log.Info("SIGHUP: reloading", "policy", *file)
			if np, ok := loadPolicy(*file, stderr); ok {
				d.Reload(np)
			} else {
				log.Error("reload refused, the running policy stays", "policy", *file)
			}
		case err := <-done:
			if err != nil {
				log.Error("stopped", "err", err)
				return 1
			}
			return 0
		}
	}
}

// loadPolicy loads file, printing every problem as "mixerd config test"
// does.
func loadPolicy(file string, stderr io.Writer) (*policy.Policy, bool) {
	p, err := policy.Load(file)
	if err != nil {
		var es policy.Errors
		if errors.As(err, &es) {
			for _, e := range es {
				fmt.Fprintln(stderr, e.Error())
			}
			fmt.Fprintf(stderr, "%s: %d problem(s)\n", file, len(es))
		} else {
			fmt.Fprintf(stderr, "%s: %v\n", file, err)
		}
		return nil, false
	}
	return p, true
}
