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
