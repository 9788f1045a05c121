package layers

import (
	"sort"
	"strconv"
)

// SizeOrder returns the indices of ps ordered by total parameter count, then by revision in natural order (step1000
// before step143000, a numbered revision before a named one such as main), then as given. Tables that compare each
// model with the one before it need this order: a shell glob puts pythia-1.4b before pythia-160m.
func SizeOrder(ps []*Profile) []int {
	order := make([]int, len(ps))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		pa, pb := ps[order[a]], ps[order[b]]
		if pa.NParams != pb.NParams {
			return pa.NParams < pb.NParams
		}
		return naturalLess(pa.Revision, pb.Revision)
	})
	return order
}

// naturalLess orders strings with their digit runs compared as numbers: "step2" < "step10" < "step1000". The empty
// string comes first, and a string with digits before one without ("step1000" < "main").
func naturalLess(a, b string) bool {
	if a == "" || b == "" {
		return a == "" && b != ""
	}
	da, db := hasDigit(a), hasDigit(b)
	if da != db {
		return da
	}
	for a != "" && b != "" {
		ca, ra := chunk(a)
		cb, rb := chunk(b)
		if ca != cb {
			na, ea := strconv.ParseUint(ca, 10, 64)
			nb, eb := strconv.ParseUint(cb, 10, 64)
			if ea == nil && eb == nil && na != nb {
				return na < nb
			}
			return ca < cb
		}
		a, b = ra, rb
	}
	return len(a) < len(b)
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// chunk splits off the leading run of digits, or of non-digits, of s.
func chunk(s string) (head, rest string) {
	digit := s[0] >= '0' && s[0] <= '9'
	i := 1
	for i < len(s) && (s[i] >= '0' && s[i] <= '9') == digit {
		i++
	}
	return s[:i], s[i:]
}
