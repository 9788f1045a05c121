// Package resample holds the two primitives that every bootstrap in scalefit shares, so that the layer bootstrap
// (package layers) and the scaling-law bootstraps (package fit) draw their resamples and read their quantiles the
// same way: the seeding of one independent random stream per resample, and numpy's default percentile.
package resample

import "math"

// Mix is the SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijection of 64-bit words whose output bits each
// depend on every input bit, used to turn structured seeds (a user's --seed, a resample index) into unrelated ones.
func Mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// StreamSeed returns the two PCG seed words of random stream r drawn from seed: Mix of (seed, r), so neighbouring
// streams start from unrelated states. A bootstrap seeds resample r with StreamSeed(seed, r), which makes its result a
// function of seed alone, whatever the number of goroutines or their scheduling.
func StreamSeed(seed, r uint64) (uint64, uint64) {
	s1 := Mix(seed ^ Mix(r+0x9e3779b97f4a7c15))
	return s1, Mix(s1 + 0x9e3779b97f4a7c15)
}

// Percentile is numpy.percentile(sorted, 100·q) with the default "linear" method (type 7 of Hyndman and Fan): the
// order statistics x_(0) ≤ … ≤ x_(B−1) are interpolated at position h = q·(B − 1),
//
//	q(p) = x_(⌊h⌋) + (h − ⌊h⌋)·(x_(⌊h⌋+1) − x_(⌊h⌋)),
//
// with numpy's two-sided lerp so that results agree to the last bit. sorted must be in ascending order. It returns NaN
// for an empty slice or a NaN q.
func Percentile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 || math.IsNaN(q) {
		return math.NaN()
	}
	h := q * float64(n-1)
	if h <= 0 {
		return sorted[0]
	}
	if h >= float64(n-1) {
		return sorted[n-1]
	}
	i := int(math.Floor(h))
	t := h - float64(i)
	a, b := sorted[i], sorted[i+1]
	d := b - a
	if t >= 0.5 {
		return b - d*(1-t)
	}
	return a + d*t
}
