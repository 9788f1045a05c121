package report

import (
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/internal/textfmt"
)

// page writes one piece of content either as GitHub-flavoured markdown (report.md) or as plain text for a terminal
// (the output of compare and fit), so that each section is written once. In text, paragraphs and lists wrap at width
// and tables wider than width are split (textfmt.Table.TextWidth); width 0 means no limit.
type page struct {
	b     strings.Builder
	md    bool
	width int
}

// heading writes a heading of level 1, 2 or 3: "#"s in markdown, an underline of = or - for levels 1 and 2 in text.
func (p *page) heading(level int, s string) {
	if p.md {
		fmt.Fprintf(&p.b, "%s %s\n\n", strings.Repeat("#", level), s)
		return
	}
	switch level {
	case 1:
		fmt.Fprintf(&p.b, "%s\n%s\n\n", s, strings.Repeat("=", len([]rune(s))))
	case 2:
		fmt.Fprintf(&p.b, "%s\n%s\n\n", s, strings.Repeat("-", len([]rune(s))))
	default:
		fmt.Fprintf(&p.b, "%s\n\n", s)
	}
}

// para writes a paragraph; format and args as fmt.Sprintf.
func (p *page) para(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	if !p.md {
		s = textfmt.Wrap(s, p.width, 0)
	}
	p.b.WriteString(s + "\n\n")
}

// bold marks s as strong in markdown; text shows it as it is.
func (p *page) bold(s string) string {
	if p.md {
		return "**" + s + "**"
	}
	return s
}

// code marks s as code in markdown; text shows it as it is.
func (p *page) code(s string) string {
	if p.md {
		return "`" + s + "`"
	}
	return s
}

// table writes t and a blank line.
func (p *page) table(t textfmt.Table) {
	if p.md {
		p.b.WriteString(t.Markdown())
	} else {
		p.b.WriteString(t.TextWidth(p.width))
	}
	p.b.WriteString("\n")
}

// list writes items as a bulleted list and a blank line; nothing for no items.
func (p *page) list(items []string) {
	if len(items) == 0 {
		return
	}
	for _, it := range items {
		if p.md {
			p.b.WriteString("- " + it + "\n")
		} else {
			p.b.WriteString("  - " + textfmt.Wrap(it, p.width-4, 4) + "\n")
		}
	}
	p.b.WriteString("\n")
}

func (p *page) String() string { return p.b.String() }
