package textfmt

import "testing"

func TestGroupDigits(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {70426624, "70,426,624"}, {-1234567, "-1,234,567"},
		{11846072320, "11,846,072,320"},
	} {
		if got := GroupDigits(tc.n); got != tc.want {
			t.Errorf("GroupDigits(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
