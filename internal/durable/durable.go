// Package durable holds the file-system calls that make the spool and the
// audit log durable: a directory's fsync (a file's creation, rename or
// removal) and a file's fdatasync.
package durable

import (
	"os"
	"syscall"
)

// SyncDir fsyncs directory dir, making the creation, renaming or removal
// of a file in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Fdatasync flushes f's data (and the metadata needed to read it back),
// retrying when interrupted.
func Fdatasync(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		for {
			if serr = syscall.Fdatasync(int(fd)); serr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return serr
}
