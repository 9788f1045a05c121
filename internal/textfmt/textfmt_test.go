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

func TestPercent(t *testing.T) {
	for _, tc := range []struct {
		c    float64
		want string
	}{{0.95, "95 %"}, {0.995, "99.5 %"}, {0.9, "90 %"}, {0.99999, "100 %"}} {
		if got := Percent(tc.c); got != tc.want {
			t.Errorf("Percent(%v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestTable(t *testing.T) {
	tab := Table{Header: []string{"Model", "gain"}, Align: []byte{'l', 'r'}}
	tab.Add("a|b", "1.00")
	tab.Add("Ġthe") // a short row: the missing cell is empty
	wantMD := "| Model | gain |\n|---|---:|\n| a\\|b | 1.00 |\n| Ġthe |  |\n"
	if got := tab.Markdown(); got != wantMD {
		t.Errorf("Markdown:\n%q\nwant\n%q", got, wantMD)
	}
	// Widths are in runes: "Ġthe" is four wide, like "gain".
	wantText := "Model  gain\n-----------\na|b    1.00\nĠthe   \n"
	if got := tab.Text(); got != wantText {
		t.Errorf("Text:\n%q\nwant\n%q", got, wantText)
	}
	if got := (&Table{}).Text(); got != "" {
		t.Errorf("Text of a table without columns = %q, want empty", got)
	}
}
