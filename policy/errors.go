package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Error is one problem in a policy file, or in a table file it names:
// where it is (1-based line and column; Column 0 when the whole line is
// at fault) and what is wrong.
type Error struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Column == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// Errors are every problem Load found, in file and position order; its
// Error is one "file:line:column: message" per line.
type Errors []*Error

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// maxErrors bounds the problems kept: past it, one more says so.
const maxErrors = 500

// errList collects the problems of one Load.
type errList struct {
	file string
	errs Errors
}

func (l *errList) add(e *Error) {
	if len(l.errs) < maxErrors {
		l.errs = append(l.errs, e)
	} else if len(l.errs) == maxErrors {
		l.errs = append(l.errs, &Error{File: l.file, Msg: "too many errors, giving up"})
	}
}

// at records a problem at r.
func (l *errList) at(r hcl.Range, format string, args ...any) {
	f := r.Filename
	if f == "" {
		f = l.file
	}
	l.add(&Error{File: f, Line: r.Start.Line, Column: r.Start.Column, Msg: fmt.Sprintf(format, args...)})
}

// diags records HCL's error diagnostics (warnings are not problems).
func (l *errList) diags(ds hcl.Diagnostics) {
	for _, d := range ds {
		if d.Severity != hcl.DiagError {
			continue
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		if d.Subject != nil {
			l.at(*d.Subject, "%s", msg)
		} else {
			l.add(&Error{File: l.file, Msg: msg})
		}
	}
}

// sorted returns the problems in file, line and column order (the policy
// file's own first), nil when there are none.
func (l *errList) sorted() error {
	if len(l.errs) == 0 {
		return nil
	}
	sort.SliceStable(l.errs, func(i, j int) bool {
		a, b := l.errs[i], l.errs[j]
		if a.File != b.File {
			if a.File == l.file || b.File == l.file {
				return a.File == l.file
			}
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return l.errs
}
