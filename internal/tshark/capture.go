package tshark

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Capture runs tshark (at path, from Require) on the loopback interface
// for TCP port port until stop is called (or the test ends), and returns
// the capture file. It skips the test when tshark cannot capture here (no
// permission for the loopback interface).
func Capture(t testing.TB, path string, port int) (file string, stop func()) {
	t.Helper()
	file = filepath.Join(t.TempDir(), "capture.pcapng")
	cmd := exec.Command(path, "-i", "lo", "-f", "tcp port "+strconv.Itoa(port), "-w", file)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Skipf("tshark cannot run: %v", err)
	}
	started := make(chan bool, 1)
	var mu sync.Mutex
	var msgs strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		ok := false
		for sc.Scan() {
			mu.Lock()
			msgs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if !ok && strings.Contains(sc.Text(), "Capture started") {
				ok = true
				started <- true
			}
		}
		if !ok {
			started <- false
		}
	}()
	var ok bool
	select {
	case ok = <-started:
	case <-time.After(15 * time.Second):
	}
	if !ok {
		cmd.Process.Kill()
		cmd.Wait()
		mu.Lock()
		defer mu.Unlock()
		t.Skipf("tshark cannot capture on lo: %s", msgs.String())
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			time.Sleep(300 * time.Millisecond) // let the last packets reach the file
			cmd.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		})
	}
	t.Cleanup(stop)
	return file, stop
}
