package tokenizer_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/scalefit/scalefit/datasets/tokenizer"
)

func ExampleByteLevelJSON() {
	js, err := tokenizer.ByteLevelJSON(1000, "the cat sat on the mat, the cat ate the rat")
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := tokenizer.FromJSON(js)
	if err != nil {
		fmt.Println(err)
		return
	}
	ids := tok.Encode("the cat<|endoftext|>")
	for _, id := range ids {
		s, _ := tok.Token(id)
		fmt.Printf("%d %q\n", id, s)
	}
	fmt.Printf("%q\n", tok.Decode(ids))
	// The merges learned, most frequent pair first: a t (6 times), h e (4, tied with t h; "h" < "t"), t he (4),
	// Ġ the (3), c at (2, tied with Ġ c; "c" < "Ġ"), Ġ cat (2). Then every pair occurs once.
	// Output:
	// 258 "the"
	// 261 "Ġcat"
	// 262 "<|endoftext|>"
	// "the cat<|endoftext|>"
}

// TestConcurrentEncode encodes from several goroutines at once, sharing the word cache (run with -race).
func TestConcurrentEncode(t *testing.T) {
	js, err := tokenizer.ByteLevelJSON(2000, "one two three four five six seven eight nine ten one two three")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	text := "one two three, four five six; seven eight nine ten."
	want := fmt.Sprint(tok.Encode(text))
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				tok.Encode(fmt.Sprintf("word%d %d", g, i)) // fills the cache concurrently
				if got := fmt.Sprint(tok.Encode(text)); got != want {
					t.Errorf("goroutine %d: %s, want %s", g, got, want)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}
