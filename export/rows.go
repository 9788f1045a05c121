package export

import (
	"maps"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/scalefit/scalefit/schema"
)

// batchRows is the number of rows per record batch (and Parquet row group).
const batchRows = 64 * 1024

// RunsTable returns the rows of runs, concatenated in order, with the run-file columns of docs/run-file.md; the model
// column tells the runs apart. The schema metadata is the runs' metadata where they all agree (a single run keeps
// all of its own, so a Parquet or Arrow export of one run is again a valid run file).
func RunsTable(runs []*schema.Run) *Table {
	var meta map[string]string
	for i, r := range runs {
		if i == 0 {
			meta = maps.Clone(r.Meta)
			continue
		}
		for k, v := range meta {
			if r.Meta[k] != v {
				delete(meta, k)
			}
		}
	}
	sc := schema.Arrow(meta)
	mem := memory.NewGoAllocator()
	t := &Table{Schema: sc}
	for _, r := range runs {
		for start := 0; start < len(r.Rows); start += batchRows {
			end := min(start+batchRows, len(r.Rows))
			t.Batches = append(t.Batches, schema.NewRecordBatch(mem, sc, r.Rows[start:end]))
		}
	}
	return t
}
