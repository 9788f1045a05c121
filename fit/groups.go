package fit

import (
	"encoding/json"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// GroupOptions configures ByGroup: the options of every group's law, and how points fall into groups.
type GroupOptions struct {
	Options
	// By names what the groups are ("model" for the laws in training steps); it heads the group column of the
	// tables and the JSON.
	By string
	// Group names the group of a point.
	Group func(Point) string
}

// LeftOut is a point that a grouped fit could not use, and why.
type LeftOut struct {
	Model  string `json:"model"`
	Reason string `json:"reason"`
}

// GroupLaw is the law of one group. Fit is nil when the group's points cannot carry a law (fewer than two, all at
// one x, a y ≤ 0); NoFit then says why.
type GroupLaw struct {
	Group string
	Fit   *Result
	NoFit string
	Left  []LeftOut // points of this group left out before the fit
}

// Grouped is one power law per group of points, each fitted on its own as PowerLaw fits all of them.
type Grouped struct {
	By, X, Y string
	Laws     []GroupLaw
}

// ByGroup fits the power law of opts separately to the points of each group (opts.Group), groups in the order of
// their first point; with BootstrapAuto, each group runs the bootstraps its own points allow. Data that cannot carry a law make that group's NoFit, not an error; invalid options are an
// error.
func ByGroup(pts []Point, opts GroupOptions) (*Grouped, error) {
	o, err := opts.Options.withDefaults()
	if err != nil {
		return nil, err
	}
	if opts.Group == nil {
		return nil, fmt.Errorf("grouped fit: no grouping")
	}
	g := &Grouped{By: opts.By, X: o.X, Y: o.Y}
	var order []string
	members := map[string][]Point{}
	for _, p := range pts {
		k := opts.Group(p)
		if _, ok := members[k]; !ok {
			order = append(order, k)
		}
		members[k] = append(members[k], p)
	}
	for _, k := range order {
		law := GroupLaw{Group: k}
		if law.Fit, err = PowerLaw(members[k], opts.Options); err != nil {
			law.Fit, law.NoFit = nil, err.Error()
		}
		g.Laws = append(g.Laws, law)
	}
	return g, nil
}

// Fitted counts the groups that have a law.
func (g *Grouped) Fitted() int {
	n := 0
	for _, l := range g.Laws {
		if l.Fit != nil {
			n++
		}
	}
	return n
}

type groupJSON struct {
	Group string    `json:"group"`
	Fit   *Result   `json:"fit"`
	NoFit string    `json:"no_fit,omitempty"`
	Left  []LeftOut `json:"left_out"`
}

// MarshalJSON writes {"by", "x", "y", "laws": [{"group", "fit", "no_fit", "left_out"}]}, each fit as Result's JSON
// (null without a law).
func (g *Grouped) MarshalJSON() ([]byte, error) {
	laws := make([]groupJSON, len(g.Laws))
	for i, l := range g.Laws {
		laws[i] = groupJSON{Group: l.Group, Fit: l.Fit, NoFit: l.NoFit, Left: l.Left}
		if laws[i].Left == nil {
			laws[i].Left = []LeftOut{}
		}
	}
	return json.Marshal(struct {
		By   string      `json:"by"`
		X    string      `json:"x"`
		Y    string      `json:"y"`
		Laws []groupJSON `json:"laws"`
	}{g.By, g.X, g.Y, laws})
}

// WriteTables writes the laws' parameters and predictions tables as Result.WriteTables does, one table each with
// a leading column named g.By that says whose law a row belongs to. Groups without a law have no rows.
func (g *Grouped) WriteTables(path string, meta map[string]string) error {
	mem := memory.NewGoAllocator()
	params := g.record(mem, paramsSchema, (*Result).appendParameters)
	defer params.Release()
	preds := g.record(mem, predsSchema, (*Result).appendPredictions)
	defer preds.Release()
	return writeTablePair(path, params, preds, meta)
}

// record builds one table of every law: base's columns, filled by appendRows from field 1 on, after a column named
// g.By. The caller releases it.
func (g *Grouped) record(mem memory.Allocator, base *arrow.Schema, appendRows func(*Result, *array.RecordBuilder, int)) arrow.RecordBatch {
	sc := arrow.NewSchema(append([]arrow.Field{{Name: g.By, Type: arrow.BinaryTypes.String}}, base.Fields()...), nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	for _, l := range g.Laws {
		if l.Fit != nil {
			appendLabelled(b, l.Group, l.Fit, appendRows)
		}
	}
	return b.NewRecordBatch()
}

// appendLabelled appends r's rows to b with appendRows, from field 1 on, and label in field 0 of each; it returns
// how many rows it appended.
func appendLabelled(b *array.RecordBuilder, label string, r *Result, appendRows func(*Result, *array.RecordBuilder, int)) int {
	col := b.Field(0).(*array.StringBuilder)
	appendRows(r, b, 1)
	n := b.Field(1).Len() - col.Len()
	for range n {
		col.Append(label)
	}
	return n
}
