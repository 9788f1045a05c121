package tokenizer

import (
	"bytes"
	"container/heap"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// MaxSynthMerges bounds the merges ByteLevelJSON learns, whatever the vocabulary size: the embedded corpus
// supports a few thousand merges that occur at least twice, and more would only memorise it.
const MaxSynthMerges = 4000

// EndOfText is the special token of GPT-2 and GPT-NeoX, which ByteLevelJSON adds after the learned tokens.
const EndOfText = "<|endoftext|>"

// ByteLevelJSON trains a byte-level BPE tokenizer on corpus and returns it as a GPT-NeoX-style tokenizer.json:
// NFC normalizer, ByteLevel pre-tokenizer with GPT-2's regex and no prefix space, ByteLevel decoder, and
// EndOfText as a special added token.
//
// Ids 0–255 are the single bytes in GPT-2's order ('!' is 0, 'Ġ' — the space — is 220). Then come the learned
// tokens, in the order their merges were learned, then EndOfText. Training is classic BPE over the corpus's
// pre-tokenized words: repeatedly merge the most frequent adjacent pair (ties broken by the pair's strings, so
// the result is deterministic), stopping at min(vocabSize−257, MaxSynthMerges) new tokens or when no pair occurs
// twice. Every id is below vocabSize, which must be at least 257.
func ByteLevelJSON(vocabSize int, corpus string) ([]byte, error) {
	if vocabSize < 257 {
		return nil, fmt.Errorf("synth tokenizer: vocab size %d is below 257 (256 bytes and %s)", vocabSize, EndOfText)
	}
	tr := newTrainer(corpus)
	tr.train(min(vocabSize-257, MaxSynthMerges))
	return tr.json()
}

// trainer holds the state of BPE training: the distinct words as token-id sequences with their counts, the count
// of every adjacent pair, and which words contain each pair.
type trainer struct {
	tokens []string // id → token string in the byte-level alphabet
	ids    map[string]int32
	merges [][2]int32

	words  [][]int32
	counts []int
	pairs  map[uint64]int
	where  map[uint64][]int32 // pair → indices of words that contained it when it was counted (may repeat)
	queue  pairHeap
}

func newTrainer(corpus string) *trainer {
	tr := &trainer{ids: make(map[string]int32), pairs: make(map[uint64]int), where: make(map[uint64][]int32)}
	var byteID [256]int32
	for id, b := range byteOrder {
		tok := string(byteToRune[b])
		tr.tokens = append(tr.tokens, tok)
		tr.ids[tok] = int32(id)
		byteID[b] = int32(id)
	}
	// Pre-tokenize as the resulting tokenizer will: NFC, then GPT-2's split, with EndOfText cut out first.
	freq := make(map[string]int)
	split := gpt2Split()
	for _, part := range strings.Split(norm.NFC.String(corpus), EndOfText) {
		words, err := split.appendSplit(nil, word{text: part})
		if err != nil {
			continue // cannot happen: the GPT-2 regex has no backtracking limit
		}
		for _, w := range words {
			freq[w.text]++
		}
	}
	distinct := make([]string, 0, len(freq))
	for w := range freq {
		distinct = append(distinct, w)
	}
	sort.Strings(distinct)
	for i, w := range distinct {
		seq := make([]int32, len(w))
		for k := 0; k < len(w); k++ {
			seq[k] = byteID[w[k]]
		}
		tr.words = append(tr.words, seq)
		tr.counts = append(tr.counts, freq[w])
		tr.addPairs(int32(i), +1)
	}
	tr.queue.tr = tr
	for key, c := range tr.pairs {
		tr.queue.items = append(tr.queue.items, pairItem{key, c})
	}
	heap.Init(&tr.queue)
	return tr
}

// addPairs adds sign × the word's count to the count of each adjacent pair of word i.
func (tr *trainer) addPairs(i int32, sign int) {
	w := tr.words[i]
	for k := 0; k+1 < len(w); k++ {
		key := pairKey(w[k], w[k+1])
		tr.pairs[key] += sign * tr.counts[i]
		if sign > 0 {
			tr.where[key] = append(tr.where[key], i)
		}
	}
}

// train learns merges until n new tokens exist or no pair occurs twice.
func (tr *trainer) train(n int) {
	added := 0
	for added < n && tr.queue.Len() > 0 {
		it := heap.Pop(&tr.queue).(pairItem)
		cur := tr.pairs[it.key]
		if cur != it.count {
			if cur > 0 {
				heap.Push(&tr.queue, pairItem{it.key, cur})
			}
			continue // stale entry
		}
		if cur < 2 {
			break
		}
		a, b := int32(it.key>>32), int32(uint32(it.key))
		tok := tr.tokens[a] + tr.tokens[b]
		id, ok := tr.ids[tok]
		if !ok {
			id = int32(len(tr.tokens))
			tr.tokens = append(tr.tokens, tok)
			tr.ids[tok] = id
			added++
		}
		tr.merges = append(tr.merges, [2]int32{a, b})
		tr.apply(it.key, a, b, id)
	}
}

// apply replaces every occurrence of the pair (a, b) by id in the words that contain it, left to right, and
// updates the pair counts.
func (tr *trainer) apply(key uint64, a, b, id int32) {
	seen := make(map[int32]bool)
	for _, i := range tr.where[key] {
		if seen[i] {
			continue
		}
		seen[i] = true
		w := tr.words[i]
		found := false
		for k := 0; k+1 < len(w); k++ {
			if w[k] == a && w[k+1] == b {
				found = true
				break
			}
		}
		if !found {
			continue
		}
		tr.addPairs(i, -1)
		out := w[:0:0]
		for k := 0; k < len(w); k++ {
			if k+1 < len(w) && w[k] == a && w[k+1] == b {
				out = append(out, id)
				k++
			} else {
				out = append(out, w[k])
			}
		}
		tr.words[i] = out
		tr.addPairs(i, +1)
		// Queue the pairs the merge created, with their new counts; older entries for them go stale.
		for k := 0; k+1 < len(out); k++ {
			if out[k] == id || out[k+1] == id {
				pk := pairKey(out[k], out[k+1])
				heap.Push(&tr.queue, pairItem{pk, tr.pairs[pk]})
			}
		}
	}
	delete(tr.where, key)
}

// json writes the trained tokenizer as tokenizer.json.
func (tr *trainer) json() ([]byte, error) {
	eot := int32(len(tr.tokens))
	var buf bytes.Buffer
	str := func(s string) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // keep "<|endoftext|>" readable
		_ = enc.Encode(s)        // a string always encodes
		return strings.TrimSuffix(b.String(), "\n")
	}
	buf.WriteString("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n")
	fmt.Fprintf(&buf, "  \"added_tokens\": [\n    {\"id\": %d, \"content\": %s, \"single_word\": false, \"lstrip\": false, "+
		"\"rstrip\": false, \"normalized\": false, \"special\": true}\n  ],\n", eot, str(EndOfText))
	const byteLevelJSON = `{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}`
	buf.WriteString("  \"normalizer\": {\"type\": \"NFC\"},\n")
	buf.WriteString("  \"pre_tokenizer\": " + byteLevelJSON + ",\n")
	buf.WriteString("  \"post_processor\": " + byteLevelJSON + ",\n")
	buf.WriteString("  \"decoder\": " + byteLevelJSON + ",\n")
	buf.WriteString("  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n" +
		"    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n    \"fuse_unk\": false,\n" +
		"    \"byte_fallback\": false,\n    \"ignore_merges\": false,\n    \"vocab\": {\n")
	for id, tok := range tr.tokens {
		fmt.Fprintf(&buf, "      %s: %d,\n", str(tok), id)
	}
	fmt.Fprintf(&buf, "      %s: %d\n    },\n    \"merges\": [", str(EndOfText), eot)
	for i, m := range tr.merges {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n      " + str(tr.tokens[m[0]]+" "+tr.tokens[m[1]]))
	}
	buf.WriteString("\n    ]\n  }\n}\n")
	return buf.Bytes(), nil
}

// pairItem is a queued pair with the count it had when queued.
type pairItem struct {
	key   uint64
	count int
}

// pairHeap orders pairs by count, highest first, then by the pair's token strings, so training is deterministic.
type pairHeap struct {
	items []pairItem
	tr    *trainer
}

func (h *pairHeap) Len() int { return len(h.items) }
func (h *pairHeap) Less(i, j int) bool {
	x, y := h.items[i], h.items[j]
	if x.count != y.count {
		return x.count > y.count
	}
	t := h.tr.tokens
	xa, xb := t[int32(x.key>>32)], t[int32(uint32(x.key))]
	ya, yb := t[int32(y.key>>32)], t[int32(uint32(y.key))]
	if xa != ya {
		return xa < ya
	}
	return xb < yb
}
func (h *pairHeap) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *pairHeap) Push(x any)    { h.items = append(h.items, x.(pairItem)) }
func (h *pairHeap) Pop() any {
	it := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return it
}
