package queue

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// The free-file pool: a finished message's spool file is renamed into
// DIR/free instead of being unlinked, and a later Put overwrites it in
// place (write, truncate to the new length, fsync) before renaming it into
// DIR/msg. No inode is allocated or freed per message.
//
// Why: on ext4, and above all without a journal, every inode creation scans
// the inodes freed in the last seconds (ext4's recently_deleted check), so
// with messages finishing as fast as they arrive a create cost about 0.7 ms
// of CPU in the gateway benchmark (perf: find_inode_bit, recently_deleted,
// find_get_block), over half of mixerd's CPU on the P1 -> SMTP path.
//
// Safety: a file in DIR/free is never a message. Its content is whatever
// it held (an old finished message, or a new one half-written when a crash
// came); Open never reads it as a message. A Put overwrites it completely
// and cuts it to its new length before the fsync, so no old record can
// survive past the new ones. The rename into DIR/msg and the directory
// fsync are as for a new file: a message is durable in DIR/msg or was
// never acknowledged. On a file system where a crash can leave one inode
// linked under both DIR/msg and DIR/free, Open keeps such a free name out
// of the pool (and leaves it alone: removing a name of a wrongly counted
// inode is fsck's work, not ours).
const (
	maxFreeFiles     = 512       // files kept in DIR/free
	maxFreeFileBytes = 256 << 10 // larger files are unlinked, not kept
)

// freePool holds the names of reusable files in DIR/free.
type freePool struct {
	mu       sync.Mutex
	dir      string
	names    []string // LIFO: the most recently finished file is warmest
	renaming int      // files being renamed into the pool
	next     uint64   // the next free file's name is "f" and its hex
	created  int      // spool files created (not reused), for Stats
}

// take returns the path of a free file, or "" if none.
func (p *freePool) take() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.names) == 0 {
		return ""
	}
	n := p.names[len(p.names)-1]
	p.names = p.names[:len(p.names)-1]
	return filepath.Join(p.dir, n)
}

// give moves a finished spool file into the pool if there is room and it
// is small enough, and removes it otherwise. A file already gone is not an
// error (a concurrent finish of the same message). The caller holds the
// entry's fileMu: no append or read of the file is in flight.
func (p *freePool) give(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	size := fi.Size() // header and journal included
	var name string
	p.mu.Lock()
	room := len(p.names)+p.renaming < maxFreeFiles && size <= maxFreeFileBytes
	if room {
		p.renaming++ // counted against the bound during the rename
		// A name of our own: a rename never replaces a pooled file.
		name = "f" + strconv.FormatUint(p.next, 16)
		p.next++
	}
	p.mu.Unlock()
	if room {
		err := os.Rename(path, filepath.Join(p.dir, name))
		p.mu.Lock()
		p.renaming--
		if err == nil {
			p.names = append(p.names, name)
		}
		p.mu.Unlock()
		if err == nil || errors.Is(err, os.ErrNotExist) {
			return nil
		}
		// Fall through: unlink instead.
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// add puts a file found in DIR/free by Open into the pool. Open only.
func (p *freePool) add(name string) {
	if n, err := strconv.ParseUint(strings.TrimPrefix(name, "f"), 16, 64); err == nil && strings.HasPrefix(name, "f") && n >= p.next {
		p.next = n + 1
	}
	p.names = append(p.names, name)
}

// noteCreated counts a spool file created because no free file was
// usable.
func (p *freePool) noteCreated() {
	p.mu.Lock()
	p.created++
	p.mu.Unlock()
}

// count returns the files in the pool.
func (p *freePool) count() (free, created int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.names), p.created
}

// fileID returns a file's device and inode numbers.
func fileID(fi os.FileInfo) (dev, ino uint64, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return uint64(st.Dev), st.Ino, true
}
