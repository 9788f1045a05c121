package measure

import "github.com/scalefit/scalefit/backends/arch"

// Batch is a group of whole sequences that run through each block together: their tokens laid end to end (IDs), the
// arch.Batch that describes them to the ops, and the index of each in the request (Seqs).
type Batch struct {
	arch.Batch
	IDs  []int32
	Seqs []int
}

// Batches groups seqs, in order, into batches of at most budget tokens (DefaultBatchTokens when budget ≤ 0). A
// sequence longer than the budget is a batch of its own. The grouping depends only on the lengths, never on the
// backend or the thread count, so that results do not either.
func Batches(seqs [][]int32, budget int) []Batch {
	if budget <= 0 {
		budget = DefaultBatchTokens
	}
	var out []Batch
	var cur *Batch
	for i, s := range seqs {
		if cur == nil || (len(cur.IDs) > 0 && len(cur.IDs)+len(s) > budget) {
			out = append(out, Batch{})
			cur = &out[len(out)-1]
		}
		cur.IDs = append(cur.IDs, s...)
		cur.Lens = append(cur.Lens, len(s))
		cur.Seqs = append(cur.Seqs, i)
	}
	return out
}
