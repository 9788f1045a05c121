package vulkan

import "math"

// Naive float64 references of the ops, written from the definitions in package arch, for the tests.

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// refLinear is y = x·Wᵀ + b for w [N, K] (outIn) or y = x·W + b for w [K, N].
func refLinear(x, w, b []float32, M, K, N int, outIn bool) []float64 {
	y := make([]float64, M*N)
	for m := 0; m < M; m++ {
		for n := 0; n < N; n++ {
			s := 0.0
			for k := 0; k < K; k++ {
				wk := w[k*N+n]
				if outIn {
					wk = w[n*K+k]
				}
				s += float64(x[m*K+k]) * float64(wk)
			}
			if b != nil {
				s += float64(b[n])
			}
			y[m*N+n] = s
		}
	}
	return y
}

// refNorm is LayerNorm (mode 0), RMSNorm (1) or RMSNorm with unit offset (2) per row.
func refNorm(x, w, b []float32, rows, d int, eps float64, mode int) []float64 {
	y := make([]float64, rows*d)
	for r := 0; r < rows; r++ {
		row := x[r*d : (r+1)*d]
		mean := 0.0
		if mode == 0 {
			for _, v := range row {
				mean += float64(v)
			}
			mean /= float64(d)
		}
		ss := 0.0
		for _, v := range row {
			ss += (float64(v) - mean) * (float64(v) - mean)
		}
		rstd := 1 / math.Sqrt(ss/float64(d)+eps)
		for i, v := range row {
			wi := float64(w[i])
			if mode == 2 {
				wi++
			}
			o := (float64(v) - mean) * rstd * wi
			if b != nil {
				o += float64(b[i])
			}
			y[r*d+i] = o
		}
	}
	return y
}

func refGELU(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }
func refGELUTanh(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
}
func refSiLU(x float64) float64 { return x / (1 + math.Exp(-x)) }

// refRoPE rotates the first dims of each head of x [T, heads·hd] in place, positions restarting at every sequence.
func refRoPE(x []float64, lens []int, heads, hd, dims int, inv []float32, scaling float32) {
	half := dims / 2
	row := 0
	for _, l := range lens {
		for t := 0; t < l; t++ {
			for h := 0; h < heads; h++ {
				o := (row+t)*heads*hd + h*hd
				for i := 0; i < half; i++ {
					theta := float64(float32(t) * inv[i])
					c := float64(float32(math.Cos(theta)) * scaling)
					s := float64(float32(math.Sin(theta)) * scaling)
					a, b := x[o+i], x[o+half+i]
					x[o+i] = a*c - b*s
					x[o+half+i] = b*c + a*s
				}
			}
		}
		row += l
	}
}

// refAttention is causal attention within each sequence, with GQA, soft-capping and a window.
func refAttention(q, k, v []float32, lens []int, H, KV, hd int, scale, softcap float64, window int) []float64 {
	out := make([]float64, len(q))
	s0 := 0
	for _, l := range lens {
		for h := 0; h < H; h++ {
			kh := h / (H / KV)
			for i := 0; i < l; i++ {
				qo := (s0+i)*H*hd + h*hd
				var keys []int
				var scores []float64
				for j := 0; j <= i; j++ {
					if window > 0 && i-window >= j {
						continue
					}
					ko := (s0+j)*KV*hd + kh*hd
					s := 0.0
					for c := 0; c < hd; c++ {
						s += float64(q[qo+c]) * float64(k[ko+c])
					}
					s *= scale
					if softcap > 0 {
						s = softcap * math.Tanh(s/softcap)
					}
					keys, scores = append(keys, j), append(scores, s)
				}
				m := math.Inf(-1)
				for _, s := range scores {
					m = math.Max(m, s)
				}
				sum := 0.0
				for i := range scores {
					scores[i] = math.Exp(scores[i] - m)
					sum += scores[i]
				}
				for c := 0; c < hd; c++ {
					acc := 0.0
					for n, j := range keys {
						acc += scores[n] * float64(v[(s0+j)*KV*hd+kh*hd+c])
					}
					out[qo+c] = acc / sum
				}
			}
		}
		s0 += l
	}
	return out
}

// refNLL is −log softmax(x[t])[targets[t]] per row.
func refNLL(x []float32, rows, vocab int, targets []int32) []float64 {
	out := make([]float64, rows)
	for r := 0; r < rows; r++ {
		row := x[r*vocab : (r+1)*vocab]
		m := math.Inf(-1)
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		s := 0.0
		for _, v := range row {
			s += math.Exp(float64(v) - m)
		}
		out[r] = math.Log(s) + m - float64(row[targets[r]])
	}
	return out
}
