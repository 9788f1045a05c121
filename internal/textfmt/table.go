package textfmt

import "strings"

// Table is a small table that renders as GitHub-flavoured markdown or as aligned plain text. Every row has at most
// as many cells as Header; missing cells are empty, extra ones are dropped.
type Table struct {
	Header []string
	Align  []byte // per column, for markdown: 'l' or 'r'; missing columns are left-aligned
	Rows   [][]string
}

// Add appends a row.
func (t *Table) Add(cells ...string) { t.Rows = append(t.Rows, cells) }

// cell returns cell i of row, or "" when the row is shorter.
func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

// Markdown renders the table in GitHub-flavoured markdown. Pipes inside cells are escaped.
func (t *Table) Markdown() string {
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for i := range t.Header {
			b.WriteString(" " + strings.ReplaceAll(cell(cells, i), "|", `\|`) + " |")
		}
		b.WriteString("\n")
	}
	line(t.Header)
	b.WriteString("|")
	for i := range t.Header {
		if i < len(t.Align) && t.Align[i] == 'r' {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		line(r)
	}
	return b.String()
}

// Text renders the table as left-aligned plain text: columns two spaces apart, measured in runes, and a rule of
// dashes under the header.
func (t *Table) Text() string {
	n := len(t.Header)
	if n == 0 {
		return ""
	}
	width := make([]int, n)
	all := append([][]string{t.Header}, t.Rows...)
	for _, r := range all {
		for i := range width {
			width[i] = max(width[i], len([]rune(cell(r, i))))
		}
	}
	var b strings.Builder
	for ri, r := range all {
		for i := range n {
			c := cell(r, i)
			if i == n-1 {
				b.WriteString(c)
				break
			}
			b.WriteString(c + strings.Repeat(" ", width[i]-len([]rune(c))+2))
		}
		b.WriteString("\n")
		if ri == 0 {
			total := 0
			for _, w := range width {
				total += w + 2
			}
			b.WriteString(strings.Repeat("-", total-2) + "\n")
		}
	}
	return b.String()
}

// TextWidth renders the table as Text does, fitted to width columns of a terminal. When it is wider, its columns are
// split into several tables, one under the other, each repeating the first column (the row labels) and holding as many
// of the next columns as fit; a cell that alone is too wide for a line wraps onto more lines within its column (the
// first column gets at most a third of the width). width ≤ 0 means no limit.
func (t *Table) TextWidth(width int) string {
	n := len(t.Header)
	if n == 0 {
		return ""
	}
	natural := make([]int, n)
	for _, r := range append([][]string{t.Header}, t.Rows...) {
		for i := range natural {
			natural[i] = max(natural[i], len([]rune(cell(r, i))))
		}
	}
	total := -2
	for _, w := range natural {
		total += w + 2
	}
	if width <= 0 || total <= width {
		return t.Text()
	}
	w0 := min(natural[0], max(width/3, 8))
	capw := max(width-w0-2, 8)
	var parts []string
	for start := 1; start < n || start == 1 && n == 1; {
		used, end := w0, start
		for end < n && (end == start || used+2+min(natural[end], capw) <= width) {
			used += 2 + min(natural[end], capw)
			end++
		}
		cols := append([]int{0}, seq(start, end)...)
		widths := []int{w0}
		for _, c := range cols[1:] {
			widths = append(widths, min(natural[c], capw))
		}
		parts = append(parts, wrappedText(t, cols, widths))
		if end == start {
			break
		}
		start = end
	}
	return strings.Join(parts, "\n")
}

// wrappedText renders columns cols of t at the given widths, wrapping longer cells onto more lines, with a rule of
// dashes under the header.
func wrappedText(t *Table, cols, widths []int) string {
	var b strings.Builder
	line := func(cells []string) {
		lines := make([][]string, len(cols))
		height := 1
		for j, c := range cols {
			lines[j] = strings.Split(Wrap(cell(cells, c), widths[j], 0), "\n")
			height = max(height, len(lines[j]))
		}
		for k := 0; k < height; k++ {
			var sb strings.Builder
			for j := range cols {
				s := ""
				if k < len(lines[j]) {
					s = lines[j][k]
				}
				sb.WriteString(s)
				if j < len(cols)-1 {
					sb.WriteString(strings.Repeat(" ", max(widths[j]-len([]rune(s)), 0)+2))
				}
			}
			b.WriteString(strings.TrimRight(sb.String(), " ") + "\n")
		}
	}
	line(t.Header)
	total := -2
	for _, w := range widths {
		total += w + 2
	}
	b.WriteString(strings.Repeat("-", total) + "\n")
	for _, r := range t.Rows {
		line(r)
	}
	return b.String()
}

func seq(a, b int) []int {
	out := make([]int, 0, b-a)
	for i := a; i < b; i++ {
		out = append(out, i)
	}
	return out
}

func pick(row []string, cols []int) []string {
	out := make([]string, len(cols))
	for j, i := range cols {
		out[j] = cell(row, i)
	}
	return out
}

// Wrap breaks text into lines of at most width runes at spaces, indenting every line after the first by indent spaces.
// A word longer than a line stays whole. width ≤ 0 returns text unchanged.
func Wrap(text string, width, indent int) string {
	if width <= 0 {
		return text
	}
	var b strings.Builder
	for pi, para := range strings.Split(text, "\n") {
		if pi > 0 {
			b.WriteString("\n")
		}
		col := 0
		for i, w := range strings.Fields(para) {
			n := len([]rune(w))
			switch {
			case i == 0:
			case col+1+n > width:
				b.WriteString("\n" + strings.Repeat(" ", indent))
				col = indent
			default:
				b.WriteString(" ")
				col++
			}
			b.WriteString(w)
			col += n
		}
	}
	return b.String()
}
