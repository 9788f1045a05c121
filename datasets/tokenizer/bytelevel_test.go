package tokenizer

import (
	"testing"
)

func TestByteMap(t *testing.T) {
	tests := []struct {
		b  byte
		r  rune
		id int // position in GPT-2's vocabulary order
	}{
		{'!', '!', 0},
		{'a', 'a', 64},
		{'~', '~', 93},
		{0xA1, '¡', 94},
		{0xAE, '®', 106},
		{0xFF, 'ÿ', 187},
		{0x00, 'Ā', 188},
		{'\n', 'Ċ', 198},
		{' ', 'Ġ', 220},
		{0x7F, 'ġ', 221},
		{0xAD, 'Ń', 255},
	}
	for _, tt := range tests {
		if got := byteToRune[tt.b]; got != tt.r {
			t.Errorf("byteToRune[%#x] = %q, want %q", tt.b, got, tt.r)
		}
		if got := runeToByte[tt.r]; got != tt.b {
			t.Errorf("runeToByte[%q] = %#x, want %#x", tt.r, got, tt.b)
		}
		if got := byteOrder[tt.id]; got != tt.b {
			t.Errorf("byteOrder[%d] = %#x, want %#x", tt.id, got, tt.b)
		}
	}
	if len(runeToByte) != 256 {
		t.Errorf("runeToByte has %d entries, want 256", len(runeToByte))
	}
}

func TestLossyUTF8(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"plain", "plain"},
		{"\xf0\x9f\xa4", "\uFFFD"},                       // 🤗 cut after three bytes: one maximal subpart
		{"\xa4\x97", "\uFFFD\uFFFD"},                     // two lone continuation bytes
		{"a\xe6\x97b", "a\uFFFDb"},                       // 日 cut after two bytes
		{"\xe0\x80\x80", "\uFFFD\uFFFD\uFFFD"},           // overlong: E0 needs A0–BF next
		{"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"},           // surrogate: ED needs 80–9F next
		{"\xf4\x90\x80\x80", "\uFFFD\uFFFD\uFFFD\uFFFD"}, // above U+10FFFF
		{"\xff", "\uFFFD"},
		{"\xc3\xa9\xc3", "é\uFFFD"},
	}
	for _, tt := range tests {
		if got := string(appendLossyUTF8(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("appendLossyUTF8(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
