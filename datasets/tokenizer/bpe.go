package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/scalefit/scalefit/internal/quote"
	"math"
	"strings"
	"sync"
	"unicode/utf8"
)

// bpe is the BPE model of Hugging Face tokenizers: a vocabulary and a ranked list of merges. A word starts as one
// symbol per character and the adjacent pair with the lowest merge rank is merged, leftmost first, until no pair
// has a merge.
type bpe struct {
	vocab  map[string]int32
	merges map[uint64]merge // key pairKey(left, right)

	unk          int32 // −1 when there is no unk_token
	fuseUnk      bool
	byteFallback bool
	ignoreMerges bool
	prefix       string     // continuing_subword_prefix
	suffix       string     // end_of_word_suffix
	byteIDs      [256]int32 // with byte_fallback, the id of the token "<0xNN>" for byte NN, −1 where there is none

	mu    sync.RWMutex
	cache map[string][]int32
}

// merge is the rank of a pair (its index in the merges list) and the id of the token it makes.
type merge struct{ rank, id int32 }

// cacheCapacity bounds the word cache; words past it are encoded without being cached, like Hugging Face's cache.
// Words of cacheMaxLen bytes or more are never cached (Hugging Face's MAX_LENGTH): SentencePiece-style tokenizers
// without a pre-tokenizer make a whole paragraph one word.
const (
	cacheCapacity = 1 << 16
	cacheMaxLen   = 256
)

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

type bpeJSON struct {
	Type         string           `json:"type"`
	Dropout      *float64         `json:"dropout"`
	UnkToken     *string          `json:"unk_token"`
	Prefix       *string          `json:"continuing_subword_prefix"`
	Suffix       *string          `json:"end_of_word_suffix"`
	FuseUnk      bool             `json:"fuse_unk"`
	ByteFallback bool             `json:"byte_fallback"`
	IgnoreMerges bool             `json:"ignore_merges"`
	Vocab        map[string]int64 `json:"vocab"`
	Merges       json.RawMessage  `json:"merges"`
}

// parseBPE builds the model from tokenizer.json's "model" object.
func parseBPE(raw json.RawMessage) (*bpe, error) {
	if isNull(raw) {
		return nil, errors.New("no model")
	}
	var mj bpeJSON
	if err := json.Unmarshal(raw, &mj); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if mj.Type != "BPE" && !(mj.Type == "" && mj.Merges != nil) {
		return nil, fmt.Errorf("unsupported model type %s (only BPE)", quoteCap(mj.Type))
	}
	if mj.Dropout != nil && *mj.Dropout > 0 {
		return nil, fmt.Errorf("model BPE: dropout %g is random at encode time; only a null or zero dropout is supported", *mj.Dropout)
	}
	m := &bpe{
		vocab:        make(map[string]int32, len(mj.Vocab)),
		unk:          -1,
		fuseUnk:      mj.FuseUnk,
		byteFallback: mj.ByteFallback,
		ignoreMerges: mj.IgnoreMerges,
		cache:        make(map[string][]int32),
	}
	if mj.Prefix != nil {
		m.prefix = *mj.Prefix
	}
	if mj.Suffix != nil {
		m.suffix = *mj.Suffix
	}
	for tok, id := range mj.Vocab {
		if id < 0 || id > math.MaxInt32 {
			return nil, fmt.Errorf("model BPE: vocab token %s has id %d outside [0, 2³¹)", quoteCap(tok), id)
		}
		m.vocab[tok] = int32(id)
	}
	if mj.UnkToken != nil {
		id, ok := m.vocab[*mj.UnkToken]
		if !ok {
			return nil, fmt.Errorf("model BPE: unk_token %s is not in the vocab", quoteCap(*mj.UnkToken))
		}
		m.unk = id
	}
	for b := range m.byteIDs {
		m.byteIDs[b] = -1
		if id, ok := m.vocab[fmt.Sprintf("<0x%02X>", b)]; ok && m.byteFallback {
			m.byteIDs[b] = id
		}
	}
	pairs, err := parseMerges(mj.Merges)
	if err != nil {
		return nil, fmt.Errorf("model BPE: %w", err)
	}
	m.merges = make(map[uint64]merge, len(pairs))
	for rank, p := range pairs {
		a, ok := m.vocab[p[0]]
		if !ok {
			return nil, fmt.Errorf("model BPE: merge %d (%s %s): %s is not in the vocab", rank, quoteCap(p[0]), quoteCap(p[1]), quoteCap(p[0]))
		}
		b, ok := m.vocab[p[1]]
		if !ok {
			return nil, fmt.Errorf("model BPE: merge %d (%s %s): %s is not in the vocab", rank, quoteCap(p[0]), quoteCap(p[1]), quoteCap(p[1]))
		}
		joined := p[0] + strings.TrimPrefix(p[1], m.prefix)
		id, ok := m.vocab[joined]
		if !ok {
			return nil, fmt.Errorf("model BPE: merge %d (%s %s): %s is not in the vocab", rank, quoteCap(p[0]), quoteCap(p[1]), quoteCap(joined))
		}
		// A repeated pair keeps its last rank, as in Hugging Face's merge map.
		m.merges[pairKey(a, b)] = merge{int32(rank), id}
	}
	return m, nil
}

// parseMerges reads merges in either of tokenizer.json's formats: "a b" strings (older files) or ["a", "b"] pairs
// (newer files, which allow spaces inside tokens).
func parseMerges(raw json.RawMessage) ([][2]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	// The fast paths: a list of strings, or a list of pairs, told apart by the first element.
	first := bytes.TrimLeft(bytes.TrimPrefix(bytes.TrimSpace(raw), []byte("[")), " \t\r\n")
	var strs []string
	if len(first) > 0 && first[0] == '"' && json.Unmarshal(raw, &strs) == nil {
		out := make([][2]string, len(strs))
		for i, s := range strs {
			a, b, ok := strings.Cut(s, " ")
			if !ok || strings.Contains(b, " ") {
				return nil, fmt.Errorf("merges[%d] = %s: want two tokens separated by one space", i, quoteCap(s))
			}
			out[i] = [2]string{a, b}
		}
		return out, nil
	}
	var pairs [][]string
	if len(first) > 0 && first[0] == '[' && json.Unmarshal(raw, &pairs) == nil {
		out := make([][2]string, len(pairs))
		for i, p := range pairs {
			if len(p) != 2 {
				return nil, fmt.Errorf("merges[%d] = %s: want a pair of tokens", i, capRunes(fmt.Sprintf("%q", p), 60))
			}
			out[i] = [2]string{p[0], p[1]}
		}
		return out, nil
	}
	// A mixed or malformed list: find the first bad entry.
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("merges: %w", err)
	}
	out := make([][2]string, len(items))
	for i, it := range items {
		var s string
		if err := json.Unmarshal(it, &s); err == nil {
			a, b, ok := strings.Cut(s, " ")
			if !ok || strings.Contains(b, " ") {
				return nil, fmt.Errorf("merges[%d] = %s: want two tokens separated by one space", i, quoteCap(s))
			}
			out[i] = [2]string{a, b}
			continue
		}
		var p []string
		if err := json.Unmarshal(it, &p); err != nil || len(p) != 2 {
			return nil, fmt.Errorf("merges[%d] = %s: want \"a b\" or [\"a\", \"b\"]", i, quote.Bytes(it))
		}
		out[i] = [2]string{p[0], p[1]}
	}
	return out, nil
}

// encodeWord appends the ids of one pre-tokenized word to dst.
func (m *bpe) encodeWord(dst []int32, w string) []int32 {
	if w == "" {
		return dst
	}
	if m.ignoreMerges {
		if id, ok := m.vocab[w]; ok {
			return append(dst, id)
		}
	}
	m.mu.RLock()
	ids, ok := m.cache[w]
	m.mu.RUnlock()
	if ok {
		return append(dst, ids...)
	}
	ids = m.mergeWord(w)
	if len(w) < cacheMaxLen {
		m.mu.Lock()
		if len(m.cache) < cacheCapacity {
			m.cache[w] = ids
		}
		m.mu.Unlock()
	}
	return append(dst, ids...)
}

// hasByteTokens reports whether every byte of s has a "<0xNN>" token.
func (m *bpe) hasByteTokens(s string) bool {
	for k := 0; k < len(s); k++ {
		if m.byteIDs[s[k]] < 0 {
			return false
		}
	}
	return true
}

// symbol is a node of the doubly linked list of a word's current tokens; size 0 marks a node merged into its left
// neighbour.
type symbol struct {
	id         int32
	prev, next int32
	size       int32
}

// mergeWord runs BPE on one word, following BPE::merge_word and Word::merge_all of Hugging Face tokenizers.
func (m *bpe) mergeWord(w string) []int32 {
	syms := make([]symbol, 0, utf8.RuneCountInString(w))
	add := func(id int32, size int) {
		n := int32(len(syms))
		syms = append(syms, symbol{id: id, prev: n - 1, next: -1, size: int32(size)})
		if n > 0 {
			syms[n-1].next = n
		}
	}
	unkID, unkSize := int32(-1), 0
	for i := 0; i < len(w); {
		_, n := utf8.DecodeRuneInString(w[i:])
		s := w[i : i+n]
		if i > 0 && m.prefix != "" {
			s = m.prefix + s
		}
		if i+n == len(w) && m.suffix != "" {
			s += m.suffix
		}
		i += n
		if id, ok := m.vocab[s]; ok {
			if unkID >= 0 {
				add(unkID, unkSize)
				unkID = -1
			}
			add(id, n)
			continue
		}
		if m.byteFallback && m.hasByteTokens(s) {
			// A pending unk is not flushed first: Hugging Face adds it after these bytes.
			for k := 0; k < len(s); k++ {
				add(m.byteIDs[s[k]], 1)
			}
			continue
		}
		if m.unk >= 0 {
			switch {
			case unkID >= 0 && m.fuseUnk:
				unkSize += n
			case unkID >= 0:
				add(unkID, unkSize)
				unkID, unkSize = m.unk, n
			default:
				unkID, unkSize = m.unk, n
			}
		}
		// Without unk_token or byte fallback an unknown character is dropped, as in Hugging Face.
	}
	if unkID >= 0 {
		add(unkID, unkSize)
	}

	var q mergeQueue
	for i := 0; i+1 < len(syms); i++ {
		if mg, ok := m.merges[pairKey(syms[i].id, syms[i+1].id)]; ok {
			q.push(queued{mg.rank, int32(i), mg.id})
		}
	}
	for q.len() > 0 {
		top := q.pop()
		cur := &syms[top.pos]
		if cur.size == 0 || cur.next < 0 {
			continue
		}
		right := syms[cur.next]
		if mg, ok := m.merges[pairKey(cur.id, right.id)]; !ok || mg.id != top.id {
			continue // stale: one side has changed since the pair was queued
		}
		cur.id = top.id
		cur.size += right.size
		syms[cur.next].size = 0
		cur.next = right.next
		if cur.next >= 0 {
			syms[cur.next].prev = top.pos
		}
		if cur.prev >= 0 {
			if mg, ok := m.merges[pairKey(syms[cur.prev].id, cur.id)]; ok {
				q.push(queued{mg.rank, cur.prev, mg.id})
			}
		}
		if cur.next >= 0 {
			if mg, ok := m.merges[pairKey(cur.id, syms[cur.next].id)]; ok {
				q.push(queued{mg.rank, top.pos, mg.id})
			}
		}
	}
	ids := make([]int32, 0, len(syms))
	for i := 0; i < len(syms); i++ {
		if syms[i].size > 0 {
			ids = append(ids, syms[i].id)
		}
	}
	return ids
}

// queued is a candidate merge of the symbol at pos with its right neighbour into id.
type queued struct{ rank, pos, id int32 }

// mergeQueue is a binary min-heap on (rank, pos): the lowest rank first and, among equal ranks, the leftmost.
type mergeQueue []queued

func (q mergeQueue) len() int { return len(q) }

func (q mergeQueue) less(i, j int) bool {
	return q[i].rank < q[j].rank || q[i].rank == q[j].rank && q[i].pos < q[j].pos
}

func (q *mergeQueue) push(x queued) {
	*q = append(*q, x)
	h := *q
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (q *mergeQueue) pop() queued {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		l, r, s := 2*i+1, 2*i+2, i
		if l < n && h.less(l, s) {
			s = l
		}
		if r < n && h.less(r, s) {
			s = r
		}
		if s == i {
			break
		}
		h[i], h[s] = h[s], h[i]
		i = s
	}
	*q = h
	return top
}
