// Package termsafe makes text from peers safe to print on an operator's
// terminal: control characters (C0, DEL, C1), which could move the cursor
// or rewrite the screen, are written as \xNN.
package termsafe

import (
	"fmt"
	"strings"
)

// Clean returns s with its control characters written as \xNN.
func Clean(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var sb strings.Builder
	for _, r := range s {
		if isControl(r) {
			fmt.Fprintf(&sb, `\x%02x`, r)
		} else {
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
