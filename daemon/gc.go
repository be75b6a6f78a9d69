package daemon

import (
	"os"
	"runtime/debug"
)

// TuneGC sets the Go collector's target for a gateway process: the
// daemon's live heap is small (tens of MB) and every message allocates, and
// at the default target (GOGC=100) the collector took about a fifth of
// the CPU at a few thousand messages a second. 400 trades memory (the heap
// may grow to five times the live data) for about a fifth less CPU per
// message (docs/BENCHMARKS.md). GOGC in the environment, and GOMEMLIMIT,
// still decide.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
