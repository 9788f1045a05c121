package quote

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	long := strings.Repeat("a", 1<<20)
	tests := []struct{ in, want string }{
		{"gpt_neox.embed_in.weight", `"gpt_neox.embed_in.weight"`},
		{"key\x1b[2K\rowned", `"key\x1b[2K\rowned"`},
		{"rtl\u202eevil", `"rtl\u202eevil"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{long, `"` + strings.Repeat("a", MaxQuoted) + `"… (1048576 bytes)`},
		{strings.Repeat("é", 50), `"` + strings.Repeat("é", MaxQuoted/2) + `"… (100 bytes)`},
	}
	for _, tt := range tests {
		if got := String(tt.in); got != tt.want {
			t.Errorf("String(%.20q) = %s, want %s", tt.in, got, tt.want)
		}
		if got := Bytes([]byte(tt.in)); got != tt.want {
			t.Errorf("Bytes(%.20q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if got := Bytes([]byte(strings.Repeat("b", MaxQuoted+1))); got != `"`+strings.Repeat("b", MaxQuoted)+`"… (81 bytes)` {
		t.Errorf("Bytes of MaxQuoted+1 bytes: %s", got)
	}
}

func TestLine(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"plain message", 0, "plain message"},
		{"first\nsecond\r\n\nthird\n", 0, "first; second; third"},
		{"a\r\n  b  \n\n c\n", 0, "a; b; c"},
		{"", 0, ""},
		{"\n\nleading", 0, "leading"},
		{"esc \x1b]0;title\x07 here", 0, `esc \x1b]0;title\a here`},
		{"tab\there", 0, "tab here"},
		{"bad \xfe byte", 0, `bad \xfe byte`},
		{strings.Repeat("x", 30), 10, strings.Repeat("x", 10) + "…"},
		{"panic: boom\n\ngoroutine 1 [running]:\nmain.main()", 0, "panic: boom; goroutine 1 [running]:; main.main()"},
	}
	for _, tt := range tests {
		if got := Line(tt.in, tt.max); got != tt.want {
			t.Errorf("Line(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
	if got := Line(strings.Repeat("y", 1<<24), 0); len(got) > MaxLine+len("…") {
		t.Errorf("Line of 16 MB: %d bytes", len(got))
	}
}
