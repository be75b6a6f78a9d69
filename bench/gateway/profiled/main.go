// Command profiled is `mixerd serve -policy FILE` with a CPU profile: the
// gateway benchmarks (bench/gateway, flag -cpuprofile) build it in place
// of mixerd to see where mixerd's time goes. It runs package daemon as
// cmd/mixerd's serve does (no SIGHUP reload) and writes the profile
// (runtime/pprof) to $MIXERD_CPUPROFILE when SIGTERM or SIGINT stops it.
// Read it with `go tool pprof -top FILE`.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"mixerd/daemon"
	"mixerd/policy"
)

func main() {
	os.Exit(run())
}

func run() int {
	if len(os.Args) < 2 || os.Args[1] != "serve" {
		fmt.Fprintln(os.Stderr, "usage: profiled serve -policy FILE")
		return 2
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	file := fs.String("policy", "policy.hcl", "the policy file")
	if err := fs.Parse(os.Args[2:]); err != nil {
		return 2
	}
	daemon.TuneGC() // as mixerd serve
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if path := os.Getenv("MIXERD_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			log.Error("cpu profile", "err", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Error("cpu profile", "err", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	p, err := policy.Load(*file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", *file, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	d, err := daemon.New(p, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	if err := d.Run(ctx); err != nil {
		log.Error("stopped", "err", err)
		return 1
	}
	return 0
}
