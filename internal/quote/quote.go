// Package quote makes untrusted text safe to put into an error message. Names, keys and messages that come from a
// file or from a plugin are capped in length and have their control bytes escaped, so that a hostile input can
// neither flood the user's terminal with a megabyte-long line nor rewrite it with escape sequences.
package quote

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxQuoted is how many bytes of a string String keeps.
const MaxQuoted = 80

// MaxLine is how many bytes of a message Line keeps.
const MaxLine = 2000

// String returns s quoted with Go's escapes (control bytes, invalid UTF-8 and non-printing runes become \x1b, \u202e
// and so on) and cut to MaxQuoted bytes on a rune boundary. A cut string ends in "…" outside the quotes and says how
// long it was:
//
//	"gpt_neox.layers.0.attention.dense.weight"
//	"aaaaaaaa…aaaa"… (1048576 bytes)
func String(s string) string {
	if len(s) <= MaxQuoted {
		return strconv.Quote(s)
	}
	return strconv.Quote(cut(s, MaxQuoted)) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

// Bytes is String for a byte slice.
func Bytes(b []byte) string {
	if len(b) > MaxQuoted {
		return strconv.Quote(cut(string(b[:min(len(b), MaxQuoted+utf8.UTFMax)]), MaxQuoted)) + "… (" + strconv.Itoa(len(b)) + " bytes)"
	}
	return strconv.Quote(string(b))
}

// Line returns msg as one line fit for a terminal: line breaks, with the spaces around them, become "; ", every other
// control byte (ESC included) and invalid UTF-8 becomes an escape such as \x1b, and the result is cut to max bytes
// (MaxLine when max ≤ 0), ending in "…" when it was cut. Text that is already clean comes back unchanged.
func Line(msg string, max int) string {
	if max <= 0 {
		max = MaxLine
	}
	if clean(msg) && len(msg) <= max {
		return msg
	}
	var b []byte
	lineBreak := false
	for i := 0; i < len(msg) && len(b) <= max; {
		r, size := utf8.DecodeRuneInString(msg[i:])
		i += size
		switch {
		case r == '\n' || r == '\r':
			lineBreak = true
			continue
		case lineBreak && (r == ' ' || r == '\t'):
			continue
		case lineBreak:
			b = bytes.TrimRight(b, " \t")
			if len(b) > 0 {
				b = append(b, "; "...)
			}
			lineBreak = false
		}
		switch {
		case r == utf8.RuneError && size == 1:
			b = fmt.Appendf(b, `\x%02x`, msg[i-1])
		case r == '\t':
			b = append(b, ' ')
		case !unicode.IsPrint(r) && r != ' ':
			q := strconv.QuoteRune(r)
			b = append(b, q[1:len(q)-1]...)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	out := strings.TrimRight(string(b), " ")
	if len(out) > max {
		out = cut(out, max) + "…"
	}
	return out
}

// clean reports whether s is valid UTF-8 without control characters or other non-printing runes.
func clean(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || (!unicode.IsPrint(r) && r != ' ') {
			return false
		}
	}
	return true
}

// cut returns the longest prefix of s of at most n bytes that ends on a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
