package sweep

import (
	"fmt"
	"strconv"
	"strings"
)

// maxExpansion bounds how many names one revisions entry may expand to, so that a typo such as {1..1000000000}
// fails with a message instead of exhausting memory.
const maxExpansion = 100_000

// Expand expands the brace patterns in s the way a shell does, for writing many checkpoint revisions at once:
//
//	{a..b}      the integers a, a+1, …, b
//	{a..b..k}   the integers a, a+k, a+2k, … up to b (k > 0)
//	{x,y,z}     each of the comma-separated words
//
// "step{1000..143000..1000}" gives step1000, step2000, …, step143000. Several patterns in one string multiply out,
// left to right: "{a,b}{1..2}" gives a1, a2, b1, b2. A string without braces is returned as it is. A range whose end
// is below its start, a step that is not positive, unbalanced or nested braces, and an expansion of more than
// 100,000 names are errors.
func Expand(s string) ([]string, error) {
	open := strings.IndexByte(s, '{')
	if open < 0 {
		if strings.IndexByte(s, '}') >= 0 {
			return nil, fmt.Errorf("%q: '}' without '{'", s)
		}
		return []string{s}, nil
	}
	if i := strings.IndexByte(s[:open], '}'); i >= 0 {
		return nil, fmt.Errorf("%q: '}' without '{'", s)
	}
	end := strings.IndexByte(s[open:], '}')
	if end < 0 {
		return nil, fmt.Errorf("%q: '{' without '}'", s)
	}
	end += open
	body := s[open+1 : end]
	if strings.IndexByte(body, '{') >= 0 {
		return nil, fmt.Errorf("%q: nested braces", s)
	}
	words, err := expandBody(body)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", s, err)
	}
	rest, err := Expand(s[end+1:])
	if err != nil {
		return nil, err
	}
	if len(words)*len(rest) > maxExpansion {
		return nil, fmt.Errorf("%q: expands to %d names, more than %d", s, len(words)*len(rest), maxExpansion)
	}
	out := make([]string, 0, len(words)*len(rest))
	for _, w := range words {
		for _, r := range rest {
			out = append(out, s[:open]+w+r)
		}
	}
	return out, nil
}

// expandBody expands what is between one pair of braces: a range a..b or a..b..k, or a comma list.
func expandBody(body string) ([]string, error) {
	if strings.Contains(body, "..") {
		parts := strings.Split(body, "..")
		if len(parts) != 2 && len(parts) != 3 {
			return nil, fmt.Errorf("{%s}: want {a..b} or {a..b..step}", body)
		}
		var n [3]int64
		n[2] = 1
		for i, p := range parts {
			v, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("{%s}: %q is not an integer", body, p)
			}
			n[i] = v
		}
		a, b, k := n[0], n[1], n[2]
		switch {
		case k <= 0:
			return nil, fmt.Errorf("{%s}: the step must be positive", body)
		case b < a:
			return nil, fmt.Errorf("{%s}: empty range (the end is below the start)", body)
		}
		steps := (uint64(b) - uint64(a)) / uint64(k) // b ≥ a, so the unsigned difference is exact even where b-a overflows
		if steps >= maxExpansion {
			return nil, fmt.Errorf("{%s}: more than %d names", body, maxExpansion)
		}
		out := make([]string, 0, steps+1)
		for v := a; v <= b; v += k {
			out = append(out, strconv.FormatInt(v, 10))
			if v > b-k { // the next v would pass b, or overflow
				break
			}
		}
		return out, nil
	}
	if !strings.Contains(body, ",") {
		return nil, fmt.Errorf("{%s}: want {a..b}, {a..b..step} or {x,y,…}", body)
	}
	return strings.Split(body, ","), nil
}
