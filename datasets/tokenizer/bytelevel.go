package tokenizer

import (
	"unicode/utf8"
)

// byteToRune and runeToByte are GPT-2's reversible map between the 256 byte values and 256 printable Unicode
// characters (bytes_to_unicode in GPT-2's encoder.py). The printable bytes '!'..'~', '¡'..'¬' and '®'..'ÿ' map to
// themselves; the remaining 68 bytes map, in increasing byte order, to U+0100, U+0101, …, so that the space 0x20
// becomes 'Ġ' (U+0120) and the newline 0x0A becomes 'Ċ' (U+010A).
var (
	byteToRune [256]rune
	runeToByte map[rune]byte
	// byteOrder lists the bytes in GPT-2's vocabulary order: the printable bytes first, then the others. GPT-2's
	// token id i < 256 is the byte byteOrder[i].
	byteOrder [256]byte
)

func init() {
	runeToByte = make(map[rune]byte, 256)
	printable := func(b int) bool {
		return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
	}
	i, n := 0, 0
	for b := 0; b < 256; b++ {
		if printable(b) {
			byteToRune[b] = rune(b)
			byteOrder[i] = byte(b)
			i++
		}
	}
	for b := 0; b < 256; b++ {
		if !printable(b) {
			byteToRune[b] = rune(256 + n)
			byteOrder[i] = byte(b)
			i++
			n++
		}
	}
	for b, r := range byteToRune {
		runeToByte[r] = byte(b)
	}
}

// byteLevelEncode maps every byte of s to its GPT-2 character, so that any byte string becomes a string over a
// 256-character alphabet without whitespace or control characters.
func byteLevelEncode(s string) string {
	buf := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		buf = utf8.AppendRune(buf, byteToRune[s[i]])
	}
	return string(buf)
}

// byteLevelDecodeToken appends the bytes that token stands for to dst. A token with a character outside the
// byte-level alphabet (an added token such as "<|endoftext|>" is inside it, "▁" is not) is appended verbatim, as
// the Hugging Face ByteLevel decoder does.
func byteLevelDecodeToken(dst []byte, token string) []byte {
	start := len(dst)
	for _, r := range token {
		b, ok := runeToByte[r]
		if !ok {
			return append(dst[:start], token...)
		}
		dst = append(dst, b)
	}
	return dst
}

// gpt2Pattern is the pre-tokenization regex of GPT-2, which the ByteLevel pre-tokenizer uses when use_regex is
// true: contractions, letter runs, digit runs and punctuation runs, each optionally led by one space, then
// whitespace. `\s+(?!\S)` leaves the last space of a run to lead the next word.
const gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

// byteLevel is the ByteLevel pre-tokenizer: an optional leading space, an optional split with gpt2Pattern, then
// the byte-to-character map on every piece.
type byteLevel struct {
	addPrefixSpace bool
	split          *regexSplit // nil when use_regex is false
}

func (b *byteLevel) preTokenize(words []word) ([]word, error) {
	out := make([]word, 0, len(words))
	for _, w := range words {
		if b.addPrefixSpace && (len(w.text) == 0 || w.text[0] != ' ') {
			w.text = " " + w.text
		}
		if b.split == nil {
			out = append(out, w)
			continue
		}
		var err error
		out, err = b.split.appendSplit(out, w)
		if err != nil {
			return nil, err
		}
	}
	for i := range out {
		out[i].text = byteLevelEncode(out[i].text)
	}
	return out, nil
}

// appendLossyUTF8 appends b to dst as text, replacing every maximal ill-formed subsequence with U+FFFD, which is
// what Rust's String::from_utf8_lossy (and so Hugging Face's decoders) and the WHATWG TextDecoder do. Go's
// strings.ToValidUTF8 differs: it replaces a whole run of invalid bytes with a single U+FFFD.
func appendLossyUTF8(dst []byte, b []byte) []byte {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r != utf8.RuneError || size > 1 {
			dst = append(dst, b[:size]...)
			b = b[size:]
			continue
		}
		// b[0] starts no valid character. Skip the longest prefix of b that could still begin one (a lead byte
		// followed by valid continuation bytes), as one maximal subpart.
		dst = utf8.AppendRune(dst, utf8.RuneError)
		b = b[maximalSubpart(b):]
	}
	return dst
}

// maximalSubpart returns the length of the maximal subpart of an ill-formed sequence at the start of b, following
// Unicode §3.9 (Table 3-7 gives the valid second-byte ranges).
func maximalSubpart(b []byte) int {
	c := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		need = 2
	case c == 0xED:
		need, hi = 2, 0x9F
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(b); k++ {
		x := b[n]
		if k == 0 && (x < lo || x > hi) || k > 0 && (x < 0x80 || x > 0xBF) {
			break
		}
		n++
	}
	return n
}
