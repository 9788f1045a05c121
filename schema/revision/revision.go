// Package revision reads training progress out of checkpoint revision names, so that runs of one model at several
// checkpoints can be ordered and plotted against training step.
//
// Hub repositories that publish training checkpoints name them after the optimiser step: Pythia's revisions are
// step0, step1, step2, step4 … step512, step1000 … step143000; OLMo's add the tokens seen (step1000-tokens4B);
// DeepSpeed's checkpoints are global_stepN. Parse recognises these and nothing else: a branch such as main, or a
// commit hash, has no step.
package revision

import (
	"cmp"
	"strconv"
	"strings"
)

// Info is what a revision name says about training progress.
type Info struct {
	// Step is the optimiser step; valid only when HasStep.
	Step    int64
	HasStep bool
}

// Parse reads the training step of a revision name. It accepts, case-insensitively,
//
//	stepN, step-N, step_N, global_stepN, global_step-N
//
// optionally followed by "-" or "_" and anything else (OLMo's "-tokens4B"). N is a decimal number without sign that
// fits an int64. Every other name has no step.
func Parse(rev string) Info {
	s := strings.ToLower(rev)
	s = strings.TrimPrefix(s, "global_")
	if !strings.HasPrefix(s, "step") {
		return Info{}
	}
	s = s[len("step"):]
	if len(s) > 0 && (s[0] == '-' || s[0] == '_') {
		s = s[1:]
	}
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == 0 || (end < len(s) && s[end] != '-' && s[end] != '_') {
		return Info{}
	}
	n, err := strconv.ParseInt(s[:end], 10, 64)
	if err != nil {
		return Info{}
	}
	return Info{Step: n, HasStep: true}
}

// Step returns the training step of rev and whether it has one; see Parse.
func Step(rev string) (int64, bool) {
	i := Parse(rev)
	return i.Step, i.HasStep
}

// Compare orders revisions for a training curve: revisions with a step first, by step, then the others by name.
// Equal steps fall back to the names, so the order is total and stable. It returns -1, 0 or +1 like cmp.Compare.
func Compare(a, b string) int {
	sa, oka := Step(a)
	sb, okb := Step(b)
	switch {
	case oka && okb:
		if c := cmp.Compare(sa, sb); c != 0 {
			return c
		}
	case oka:
		return -1
	case okb:
		return 1
	}
	return strings.Compare(a, b)
}
