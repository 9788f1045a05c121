// Elementwise functions shared by the kernels, accurate to a few float32 ulps (relative) wherever their value is not
// tiny, without relying on the driver's tanh, whose accuracy Vulkan leaves open.

const float SQRT1_2 = 0.70710678118654752;

// tanh_ is tanh(u): an odd Taylor polynomial where |u| < 0.3 (error below 1e-8 relative), (1 − e)/(1 + e) with
// e = exp(−2|u|) elsewhere, which cannot overflow.
float tanh_(float u) {
	float a = abs(u);
	if (a < 0.3) {
		float u2 = u * u;
		return u * (1.0 + u2 * (-1.0 / 3.0 + u2 * (2.0 / 15.0 + u2 * (-17.0 / 315.0 + u2 * (62.0 / 2835.0)))));
	}
	float e = exp(-2.0 * a);
	return sign(u) * (1.0 - e) / (1.0 + e);
}

// erfc_ is erfc(z) for z ≥ 0 (Numerical Recipes' erfcc: fractional error below 1.2e-7 everywhere).
float erfc_(float z) {
	float t = 1.0 / (1.0 + 0.5 * z);
	return t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
		t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
}

// gelu is the exact GELU, ½x(1 + erf(x/√2)) = ½x·erfc(−x/√2), with erfc(−z) = 2 − erfc(z) for z ≥ 0.
float gelu(float x) {
	float z = abs(x) * SQRT1_2;
	float c = erfc_(z);
	return x >= 0.0 ? 0.5 * x * (2.0 - c) : 0.5 * x * c;
}

// geluTanh is ½x(1 + tanh(√(2/π)(x + 0.044715x³))), written as x·σ(2u) so that no cancellation occurs for x < 0.
float geluTanh(float x) {
	float u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
	return x / (1.0 + exp(-2.0 * u));
}

// silu is x·σ(x).
float silu(float x) {
	return x / (1.0 + exp(-x));
}
