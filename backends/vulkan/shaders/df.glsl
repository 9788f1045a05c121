// Double-float arithmetic: a value is the unevaluated sum hi + lo of two float32s (a vec2), which carries about 48
// bits of significand. Vulkan rounds float32 addition and multiplication correctly, so Knuth's two-sum and Veltkamp's
// split give exact error terms; `precise` keeps the compiler from reassociating or fusing them.

// twoSum returns (s, e) with s + e = a + b exactly and s = fl(a + b).
vec2 twoSum(float a, float b) {
	precise float s = a + b;
	precise float bb = s - a;
	precise float e = (a - (s - bb)) + (b - bb);
	return vec2(s, e);
}

// twoSquare returns (p, e) with p + e = a·a exactly and p = fl(a·a), splitting a into halves of 12 bits.
vec2 twoSquare(float a) {
	precise float c = 4097.0 * a;
	precise float hi = c - (c - a);
	precise float lo = a - hi;
	precise float p = a * a;
	precise float e = ((hi * hi - p) + 2.0 * hi * lo) + lo * lo;
	return vec2(p, e);
}

// dfAdd returns a + b, renormalised so that |lo| ≤ ulp(hi)/2.
vec2 dfAdd(vec2 a, vec2 b) {
	vec2 s = twoSum(a.x, b.x);
	precise float e = s.y + (a.y + b.y);
	precise float hi = s.x + e;
	precise float lo = e - (hi - s.x);
	return vec2(hi, lo);
}
