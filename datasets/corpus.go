package datasets

import (
	"embed"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed corpus/*.txt
var corpusFS embed.FS

// DefaultCorpus is the corpus that commands use when none is named: every genre, interleaved.
const DefaultCorpus = "mixed"

// corpusProvenance is where the embedded text comes from; see corpus/README.md.
const corpusProvenance = "original text written for scalefit in 2026, dedicated to the public domain (CC0 1.0); see datasets/corpus/README.md"

// CorpusInfo describes one embedded corpus.
type CorpusInfo struct {
	Name        string
	Description string
	Genres      []string // the genre files it is made of
	Bytes       int      // length of the text in bytes
	Provenance  string
}

// genre is one file of the embedded corpus.
type genre struct {
	name, description string
}

// genres lists the genre files in the order in which "mixed" interleaves them.
var genres = []genre{
	{"prose", "short stories, essays and letters"},
	{"dialogue", "conversations, an interview, phone calls"},
	{"technical", "explanations of hash tables, gears, measurement error, compilers, floating point, tides"},
	{"code", "Go, Python, shell, SQL, JSON and a Makefile, with comments"},
	{"lists", "recipes, checklists, timetables, tables, a glossary, meeting notes"},
}

// mixedChunk is the size, in bytes, from which the mixed corpus starts a new chunk at the next paragraph break.
const mixedChunk = 1500

// Corpus returns the text of the embedded corpus name: "mixed" (the default) or one genre, "prose", "dialogue",
// "technical", "code" or "lists". Names are case-insensitive.
func Corpus(name string) (string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == DefaultCorpus {
		return mixed(), nil
	}
	for _, g := range genres {
		if g.name == name {
			return genreText(g.name), nil
		}
	}
	return "", fmt.Errorf("corpus %q: unknown; available: %s", name, strings.Join(corpusNames(), ", "))
}

// Corpora describes every embedded corpus, "mixed" first.
func Corpora() []CorpusInfo {
	names := make([]string, len(genres))
	for i, g := range genres {
		names[i] = g.name
	}
	out := []CorpusInfo{{
		Name:        DefaultCorpus,
		Description: "all genres, interleaved in chunks of about 1.5 kB so that any prefix mixes them",
		Genres:      names,
		Bytes:       len(mixed()),
		Provenance:  corpusProvenance,
	}}
	for _, g := range genres {
		out = append(out, CorpusInfo{
			Name:        g.name,
			Description: g.description,
			Genres:      []string{g.name},
			Bytes:       len(genreText(g.name)),
			Provenance:  corpusProvenance,
		})
	}
	return out
}

func corpusNames() []string {
	var names []string
	for _, c := range Corpora() {
		names = append(names, c.Name)
	}
	sort.Strings(names)
	return names
}

func genreText(name string) string {
	b, err := corpusFS.ReadFile("corpus/" + name + ".txt")
	if err != nil {
		// The files are embedded at build time; a missing one is a build defect, not a user error.
		panic(fmt.Sprintf("datasets: embedded corpus %s missing: %v", name, err))
	}
	return string(b)
}

// mixed interleaves the genres: each genre is cut into chunks of whole paragraphs of at least mixedChunk bytes,
// and the chunks are taken round-robin, one from each genre in turn, joined by blank lines. A prefix of any
// length therefore samples every genre, which matters when a run caps its token count.
var mixed = sync.OnceValue(func() string {
	chunks := make([][]string, len(genres))
	longest := 0
	for i, g := range genres {
		chunks[i] = paragraphChunks(genreText(g.name), mixedChunk)
		longest = max(longest, len(chunks[i]))
	}
	var parts []string
	for k := 0; k < longest; k++ {
		for i := range genres {
			if k < len(chunks[i]) {
				parts = append(parts, chunks[i][k])
			}
		}
	}
	return strings.Join(parts, "\n\n") + "\n"
})

// paragraphChunks splits text at blank lines into chunks of at least size bytes (the last may be shorter).
func paragraphChunks(text string, size int) []string {
	paras := strings.Split(strings.TrimSpace(text), "\n\n")
	var out []string
	var cur []string
	n := 0
	for _, p := range paras {
		cur = append(cur, p)
		n += len(p) + 2
		if n >= size {
			out = append(out, strings.Join(cur, "\n\n"))
			cur, n = nil, 0
		}
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, "\n\n"))
	}
	return out
}
