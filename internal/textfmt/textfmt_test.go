package textfmt

import (
	"math"
	"strings"
	"testing"
)

func TestFormats(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, tc := range []struct {
		got, want string
	}{
		{GroupDigits(0), "0"}, {GroupDigits(999), "999"}, {GroupDigits(1000), "1,000"}, {GroupDigits(70426624), "70,426,624"},
		{GroupDigits(-1234567), "-1,234,567"}, {GroupDigits(11846072320), "11,846,072,320"},

		{Gain(6.2431), "6.24"}, {Gain(0.0831), "0.083"}, {Gain(0.527), "0.527"}, {Gain(12.44), "12.4"},
		{Gain(153.2), "153"}, {Gain(0.0042), "0.0042"}, {Gain(0), "0.000"}, {Gain(nan), "—"}, {Gain(inf), "—"},

		{Num(7), "7.00"}, {Num(14.63), "14.6"}, {Num(0.012849), "0.0128"}, {Num(405.4), "405"}, {Num(0), "0"},
		{Num(123456), "1.23e+05"}, {Num(0.00012), "0.00012"}, {Num(9999.7), "1e+04"}, {Num(-0.5), "-0.500"}, {Num(nan), "—"},
		{Signed(0.0123), "+0.0123"}, {Signed(-2), "-2.00"}, {Signed(nan), "—"},

		{Interval(0.312, 0.351, Gain), "[0.312, 0.351]"}, {Interval(1, 2, Num), "[1.00, 2.00]"}, {Interval(nan, 1, Num), "—"},
		{X(70426624), "70,426,624"}, {X(24), "24"}, {X(0.5), "0.500"},
		{Params(6857302016), "6.86B"}, {Params(70426624), "70.4M"}, {Params(164352), "164k"}, {Params(1.2e13), "12T"}, {Params(950), "950"},

		{Percent(22.0 / 24), "92 %"}, {Percent(1), "100 %"}, {Percent(0), "0 %"}, {Percent(nan), "—"},
		{Level(0.95), "95 %"}, {Level(0.995), "99.5 %"}, {Level(0.9), "90 %"}, {Level(0.99999), "100 %"},
		{Share(22, 24), "22/24 (92 %)"}, {Share(0, 3), "0/3 (0 %)"}, {Share(1, 0), "—"},
		{Change(0.0769, 1), "+7.7 %"}, {Change(-0.0004, 1), "0.0 %"}, {Change(0.0004, 1), "0.0 %"}, {Change(-0.27, 0), "-27 %"},
		{Change(0.004, 0), "0 %"}, {Change(nan, 1), "—"},

		{Plural(1, "sequence"), "1 sequence"}, {Plural(3, "sequence"), "3 sequences"}, {Plural(0, "layer"), "0 layers"},
		{Plural(2, "model", "models"), "2 models"}, {Plural(2, "was", "were"), "2 were"},
		{Layers(0, 6), "L0–6"}, {Layers(4, 4), "L4"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
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

func TestTextWidth(t *testing.T) {
	tab := Table{Header: []string{"Metric", "model-a", "model-b", "model-c"}}
	tab.Add("Contracting", "24/24 (100 %)", "32/32 (100 %)", "36/36 (100 %)")
	tab.Add("Last", "3.60", "6.24", "7.00")
	if got := tab.TextWidth(200); got != tab.Text() {
		t.Errorf("a table that fits changed:\n%s", got)
	}
	got := tab.TextWidth(44)
	want := "Metric       model-a        model-b\n" +
		"-----------------------------------------\n" +
		"Contracting  24/24 (100 %)  32/32 (100 %)\n" +
		"Last         3.60           6.24\n" +
		"\n" +
		"Metric       model-c\n" +
		"--------------------------\n" +
		"Contracting  36/36 (100 %)\n" +
		"Last         7.00\n"
	if got != want {
		t.Errorf("wrapped:\n%s\nwant\n%s", got, want)
	}
	for _, line := range strings.Split(got, "\n") {
		if len([]rune(line)) > 44 {
			t.Errorf("line %q is wider than 44", line)
		}
	}
}

func TestWrap(t *testing.T) {
	got := Wrap("one two three four five six", 10, 2)
	if want := "one two\n  three\n  four\n  five six"; got != want {
		t.Errorf("Wrap = %q, want %q", got, want)
	}
	if got := Wrap("a verylongwordthatdoesnotfit b", 8, 0); got != "a\nverylongwordthatdoesnotfit\nb" {
		t.Errorf("Wrap of a long word = %q", got)
	}
	if got := Wrap("x  y", 0, 0); got != "x  y" {
		t.Errorf("Wrap without width = %q", got)
	}
}
