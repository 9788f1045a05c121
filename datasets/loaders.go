package datasets

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"unicode/utf8"
)

// MinWindow is the shortest sequence that Windows and CapTokens keep: a tail shorter than this is dropped. One
// token has no context to attend to, so it says little about the gains.
const MinWindow = 2

// LoadTokens reads token ids from a JSON Lines file: one JSON array of non-negative integers per line, one
// sequence per array. Blank lines are skipped. Errors name the file and the 1-based line: malformed JSON, an
// element that is not an integer, a negative id, an empty array, a file with no sequences.
func LoadTokens(path string) ([][]int32, error) { return LoadTokensVocab(path, 0) }

// LoadTokensVocab is LoadTokens that also checks every id against a vocabulary of vocab tokens (no check when
// vocab ≤ 0), so that an out-of-range id is reported with its line number.
func LoadTokensVocab(path string, vocab int) ([][]int32, error) {
	return LoadTokensLimits(path, vocab, 0)
}

// TooLongError is the error of LoadTokensLimits for a sequence longer than its limit.
type TooLongError struct {
	Path           string
	Line, Len, Max int
}

func (e *TooLongError) Error() string {
	return fmt.Sprintf("load tokens %s: line %d: a sequence of %d tokens, more than %d", e.Path, e.Line, e.Len, e.Max)
}

// LoadTokensLimits is LoadTokensVocab that also refuses a sequence of more than maxLen tokens (no limit when
// maxLen ≤ 0) with a *TooLongError, which names its line.
func LoadTokensLimits(path string, vocab, maxLen int) ([][]int32, error) {
	var seqs [][]int32
	err := eachLine(path, func(line int, text []byte) error {
		ids, err := parseIDs(text)
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if maxLen > 0 && len(ids) > maxLen {
			return &TooLongError{Path: path, Line: line, Len: len(ids), Max: maxLen}
		}
		if vocab > 0 {
			for j, id := range ids {
				if int(id) >= vocab {
					return fmt.Errorf("line %d: element %d: token id %d is outside the model's vocabulary of %d tokens", line, j, id, vocab)
				}
			}
		}
		seqs = append(seqs, ids)
		return nil
	})
	if err == nil && len(seqs) == 0 {
		err = errors.New("no sequences")
	}
	var tooLong *TooLongError
	if err != nil && !errors.As(err, &tooLong) {
		return nil, fmt.Errorf("load tokens %s: %w", path, err)
	}
	return seqs, err
}

// parseIDs parses one JSON array of token ids.
func parseIDs(text []byte) ([]int32, error) {
	if text[0] != '[' {
		return nil, fmt.Errorf("want a JSON array of token ids, got %s", snippet(text))
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(text, &elems); err != nil {
		return nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if len(elems) == 0 {
		return nil, errors.New("empty sequence")
	}
	ids := make([]int32, len(elems))
	for i, e := range elems {
		v, err := strconv.ParseInt(string(e), 10, 64)
		if err != nil {
			var ne *strconv.NumError
			if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
				return nil, fmt.Errorf("element %d: %s is out of range", i, e)
			}
			return nil, fmt.Errorf("element %d: %s is not an integer token id", i, snippet(e))
		}
		if v < 0 {
			return nil, fmt.Errorf("element %d: negative token id %d", i, v)
		}
		if v > math.MaxInt32 {
			return nil, fmt.Errorf("element %d: token id %d is out of range", i, v)
		}
		ids[i] = int32(v)
	}
	return ids, nil
}

// LoadText reads a UTF-8 text file (a leading byte-order mark is dropped). Invalid UTF-8 is an error that names
// the line and the byte within it; so is a file with nothing but whitespace.
func LoadText(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("load text: %w", err)
	}
	b = bytes.TrimPrefix(b, []byte("\uFEFF"))
	if !utf8.Valid(b) {
		off := firstInvalid(b)
		line := bytes.Count(b[:off], []byte("\n")) + 1
		col := off - (bytes.LastIndexByte(b[:off], '\n') + 1) + 1
		return "", fmt.Errorf("load text %s: line %d, byte %d: invalid UTF-8 (0x%02x)", path, line, col, b[off])
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return "", fmt.Errorf("load text %s: no text", path)
	}
	return string(b), nil
}

// firstInvalid returns the offset of the first byte of b that does not start a valid UTF-8 character.
func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// LoadJSONL reads the string field of every record of a JSON Lines file, one JSON object per line ({"text": …}).
// Blank lines are skipped; empty strings are returned as they are. Errors name the file and the line: malformed
// JSON, a line that is not an object, a missing field, a field that is not a string, a file with no records.
func LoadJSONL(path, field string) ([]string, error) {
	var texts []string
	err := eachLine(path, func(line int, text []byte) error {
		var rec map[string]json.RawMessage
		if text[0] != '{' {
			return fmt.Errorf("line %d: want a JSON object, got %s", line, snippet(text))
		}
		if err := json.Unmarshal(text, &rec); err != nil {
			return fmt.Errorf("line %d: malformed JSON: %w", line, err)
		}
		raw, ok := rec[field]
		if !ok {
			return fmt.Errorf("line %d: no field %q", line, field)
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("line %d: field %q is %s, not a string", line, field, snippet(raw))
		}
		texts = append(texts, s)
		return nil
	})
	if err == nil && len(texts) == 0 {
		err = errors.New("no records")
	}
	if err != nil {
		return nil, fmt.Errorf("load jsonl %s: %w", path, err)
	}
	return texts, nil
}

// eachLine calls f with every non-blank line of the file (trimmed of surrounding whitespace) and its 1-based line
// number. Lines may be of any length.
func eachLine(path string, f func(line int, text []byte) error) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	r := bufio.NewReaderSize(file, 1<<16)
	for line := 1; ; line++ {
		b, err := r.ReadBytes('\n')
		if t := bytes.TrimSpace(b); len(t) > 0 {
			if line == 1 {
				t = bytes.TrimPrefix(t, []byte("\uFEFF"))
			}
			if ferr := f(line, t); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
}

// snippet quotes the start of b for an error message.
func snippet(b []byte) string {
	const n = 40
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "…"
	}
	return strconv.Quote(string(b))
}

// Windows cuts ids into consecutive, non-overlapping windows of seqLen tokens. The last window may be shorter; it
// is kept if it has at least MinWindow tokens and dropped otherwise. seqLen ≤ 0 means no cutting: one window of
// all the ids. The windows share ids' backing array but cannot grow into each other.
func Windows(ids []int32, seqLen int) [][]int32 {
	if seqLen <= 0 {
		seqLen = len(ids)
	}
	var out [][]int32
	for start := 0; start < len(ids); start += seqLen {
		end := min(start+seqLen, len(ids))
		if end-start < MinWindow {
			break
		}
		out = append(out, ids[start:end:end])
	}
	return out
}

// SpecialWindows cuts ids, the tokens of one text, into windows of at most seqLen tokens that each read as the
// tokenizer encodes a text of its own: prefix (Llama's or Gemma's BOS), the next seqLen − len(prefix) − len(suffix)
// ids, then suffix (an EOS, for the few tokenizers that add one). The special tokens count inside seqLen. A last
// window with fewer than MinWindow ids of text is dropped. seqLen ≤ 0 means one window of all the ids. Without
// special tokens it is Windows. It fails when seqLen leaves no room for MinWindow ids beside the special tokens.
func SpecialWindows(ids []int32, seqLen int, prefix, suffix []int32) ([][]int32, error) {
	if len(prefix)+len(suffix) == 0 {
		return Windows(ids, seqLen), nil
	}
	n := seqLen - len(prefix) - len(suffix) // ids of text per window
	if seqLen <= 0 {
		n = len(ids)
	} else if n < MinWindow {
		return nil, fmt.Errorf("a window of %d tokens leaves no room for %d tokens of text beside the %d special tokens the tokenizer adds",
			seqLen, MinWindow, len(prefix)+len(suffix))
	}
	var out [][]int32
	for start := 0; start < len(ids); start += n {
		end := min(start+n, len(ids))
		if end-start < MinWindow {
			break
		}
		w := make([]int32, 0, len(prefix)+end-start+len(suffix))
		w = append(append(append(w, prefix...), ids[start:end]...), suffix...)
		out = append(out, w)
	}
	return out, nil
}

// CapTokens keeps whole sequences from the front of seqs until their tokens add up to maxTokens, cutting the
// sequence that crosses the cap short (and dropping that cut piece if it is shorter than MinWindow). maxTokens ≤ 0
// means no cap. The result shares the sequences' backing arrays.
func CapTokens(seqs [][]int32, maxTokens int) [][]int32 {
	if maxTokens <= 0 {
		return seqs
	}
	var out [][]int32
	left := maxTokens
	for _, s := range seqs {
		if left <= 0 {
			break
		}
		if len(s) > left {
			if left >= MinWindow {
				out = append(out, s[:left:left])
			}
			break
		}
		out = append(out, s)
		left -= len(s)
	}
	return out
}

// CheckVocab returns an error naming the first token id that is not below vocab: its 0-based sequence (the
// sequence index is the line index of a token file without blank lines) and its 0-based position.
func CheckVocab(seqs [][]int32, vocab int) error {
	if vocab <= 0 {
		return fmt.Errorf("check vocab: vocabulary size %d is not positive", vocab)
	}
	for i, s := range seqs {
		for j, id := range s {
			if id < 0 || int(id) >= vocab {
				return fmt.Errorf("sequence %d, position %d: token id %d is outside the vocabulary of %d tokens", i, j, id, vocab)
			}
		}
	}
	return nil
}

// Count returns the total number of tokens in seqs.
func Count(seqs [][]int32) int {
	n := 0
	for _, s := range seqs {
		n += len(s)
	}
	return n
}
