package export

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/scalefit/scalefit/internal/arrowio"
	"github.com/scalefit/scalefit/schema"
)

// Table is a table ready to write: a schema and record batches that follow it.
type Table struct {
	Schema  *arrow.Schema
	Batches []arrow.RecordBatch
}

// Release releases the record batches.
func (t *Table) Release() {
	for _, b := range t.Batches {
		b.Release()
	}
	t.Batches = nil
}

// NumRows is the number of rows over all batches.
func (t *Table) NumRows() int64 {
	var n int64
	for _, b := range t.Batches {
		n += b.NumRows()
	}
	return n
}

// Write writes t to w in format.
func (t *Table) Write(w io.Writer, format Format) error {
	switch format {
	case Parquet:
		return arrowio.WriteParquet(w, t.Schema, t.Batches...)
	case Arrow:
		return arrowio.WriteIPC(w, t.Schema, t.Batches...)
	case CSV:
		return t.writeCSV(w)
	case JSONL:
		return t.writeJSONL(w)
	}
	return fmt.Errorf("unknown export format %d", int(format))
}

// WriteFile writes t to path in format: atomically through a temporary file (schema.WriteAtomic), or to stdout when
// path is "-", which only the text formats allow.
func (t *Table) WriteFile(path string, stdout io.Writer, format Format) error {
	if path == "-" {
		if format.Binary() {
			return fmt.Errorf("%s is a binary format: write it to a file, not to stdout (or use --format csv or jsonl)", format)
		}
		return t.Write(stdout, format)
	}
	return schema.WriteAtomic(path, func(w io.Writer) error { return t.Write(w, format) })
}

// formatter returns a function that prints row i of column c as CSV text.
// Floats use the shortest representation that reads back as the same float64.
func formatter(c arrow.Array) (func(i int) string, error) {
	switch a := c.(type) {
	case *array.String:
		return a.Value, nil
	case *array.Int32:
		return func(i int) string { return strconv.FormatInt(int64(a.Value(i)), 10) }, nil
	case *array.Int64:
		return func(i int) string { return strconv.FormatInt(a.Value(i), 10) }, nil
	case *array.Float64:
		return func(i int) string { return strconv.FormatFloat(a.Value(i), 'g', -1, 64) }, nil
	}
	return nil, fmt.Errorf("column of type %s cannot be exported", c.DataType())
}

func (t *Table) writeCSV(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := csv.NewWriter(bw)
	names := make([]string, t.Schema.NumFields())
	for i, f := range t.Schema.Fields() {
		names[i] = f.Name
	}
	if err := cw.Write(names); err != nil {
		return err
	}
	rec := make([]string, len(names))
	for _, b := range t.Batches {
		fmts := make([]func(int) string, len(names))
		for j := range fmts {
			var err error
			if fmts[j], err = formatter(b.Column(j)); err != nil {
				return fmt.Errorf("csv: column %q: %w", names[j], err)
			}
		}
		for i := 0; i < int(b.NumRows()); i++ {
			for j, f := range fmts {
				if b.Column(j).IsNull(i) {
					rec[j] = ""
				} else {
					rec[j] = f(i)
				}
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

func (t *Table) writeJSONL(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	keys := make([][]byte, t.Schema.NumFields())
	for i, f := range t.Schema.Fields() {
		k, err := json.Marshal(f.Name)
		if err != nil {
			return err
		}
		keys[i] = k
	}
	var line []byte
	for _, b := range t.Batches {
		for i := 0; i < int(b.NumRows()); i++ {
			line = append(line[:0], '{')
			for j, key := range keys {
				if j > 0 {
					line = append(line, ',')
				}
				line = append(line, key...)
				line = append(line, ':')
				var err error
				if line, err = appendJSON(line, b.Column(j), i); err != nil {
					return fmt.Errorf("jsonl: column %s: %w", key, err)
				}
			}
			line = append(line, '}', '\n')
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// appendJSON appends row i of c as a JSON value: null for a null or a non-finite float.
func appendJSON(dst []byte, c arrow.Array, i int) ([]byte, error) {
	if c.IsNull(i) {
		return append(dst, "null"...), nil
	}
	switch a := c.(type) {
	case *array.String:
		s, err := json.Marshal(a.Value(i))
		return append(dst, s...), err
	case *array.Int32:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10), nil
	case *array.Int64:
		return strconv.AppendInt(dst, a.Value(i), 10), nil
	case *array.Float64:
		v := a.Value(i)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return append(dst, "null"...), nil
		}
		s, err := json.Marshal(v) // shortest round-trip form, as encoding/json prints every float64
		return append(dst, s...), err
	}
	return dst, fmt.Errorf("type %s cannot be exported", c.DataType())
}
