package schema

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/scalefit/scalefit/internal/quote"
)

// A run file is untrusted input: it may come from anyone, and arrow-go v18.8.0 trusts what a file declares. Reading
// therefore (1) checks every size a file declares that can be checked before arrow-go acts on it against the file's
// length, (2) gives arrow-go an allocator that refuses to hand out more than a file of that length can need, and (3)
// turns a panic inside arrow-go (flatbuffers slice bounds, fieldFromFB, a nil DataPageHeader, …) into an error that
// names the file. A run file row holds a dozen distinct numbers, so it takes several bytes even compressed: a file
// that declares more rows than it has bytes is refused before any row is read.

// maxExpansion bounds how much larger than the file the memory arrow-go allocates while reading it may grow: zstd
// compresses a run file 3 to 5 times, and decoding holds a page, a dictionary and a batch at once.
const maxExpansion = 64

// minReadBudget is the allocation budget of a small file.
const minReadBudget = 64 << 20

// maxPageBytes bounds one Parquet page, compressed or not; arrow-go's writer makes 1 MiB pages.
const maxPageBytes = 64 << 20

// Read reads a run file written by Write (or by any tool that wrote the same columns), with Go's allocator.
func Read(path string) (*Run, error) {
	return ReadWith(path, memory.NewGoAllocator())
}

// ReadWith is Read with the Arrow allocator mem, which a test can make a memory.CheckedAllocator to check that every
// buffer is released.
func ReadWith(path string, mem memory.Allocator) (*Run, error) {
	format, err := FormatOf(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read run: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read run: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file", path)
	}
	return Decode(f, st.Size(), format, path, mem)
}

// Decode reads a run file of size bytes in format from r; name labels errors. It never panics, and never lets arrow-go
// allocate much more than the file could need (see the guards above).
func Decode(r io.ReaderAt, size int64, format Format, name string, mem memory.Allocator) (run *Run, err error) {
	guard := &boundedAllocator{mem: mem, limit: max(minReadBudget, maxExpansion*size)}
	defer func() {
		if p := recover(); p != nil {
			if e, ok := p.(errTooLarge); ok {
				run, err = nil, fmt.Errorf("read %s: corrupt file: %s", name, e)
				return
			}
			run, err = nil, fmt.Errorf("read %s: corrupt file: the Arrow library failed on it (%s)", name, quote.Line(fmt.Sprint(p), 400))
		}
	}()
	sr := io.NewSectionReader(r, 0, size)
	switch format {
	case Parquet:
		run, err = decodeParquet(sr, size, guard)
	default:
		run, err = decodeIPC(sr, size, guard)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %s", name, quote.Line(err.Error(), 0))
	}
	return run, nil
}

func decodeParquet(r *io.SectionReader, size int64, mem memory.Allocator) (*Run, error) {
	props := parquet.NewReaderProperties(mem)
	props.MaxCompressedPageSize = min(maxPageBytes, size)
	props.MaxUncompressedPageSize = maxPageBytes
	pf, err := file.NewParquetReader(r, file.WithReadProps(props))
	if err != nil {
		return nil, fmt.Errorf("not a Parquet file: %w", err)
	}
	defer pf.Close()
	if err := checkParquetSizes(pf.MetaData(), size); err != nil {
		return nil, err
	}
	if err := checkStoredArrowSchema(pf.MetaData().KeyValueMetadata()); err != nil {
		return nil, err
	}
	// The reader reserves BatchSize values of every column up front: a batch no larger than the file keeps a small
	// run from allocating for 64K rows (reading a sweep's 1,000 files, docs/sweep.md).
	batch := min(int64(batchRows), max(pf.NumRows(), 1))
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: batch}, mem)
	if err != nil {
		return nil, err
	}
	sc, err := fr.Schema()
	if err != nil {
		return nil, err
	}
	cols, err := runColumns(sc)
	if err != nil {
		return nil, err
	}
	rr, err := fr.GetRecordReader(context.Background(), cols, nil)
	if err != nil {
		return nil, err
	}
	defer rr.Release()
	rows := make([]Row, 0, min(pf.NumRows(), batchRows))
	for rr.Next() {
		if rows, err = rowsFromChecked(rows, rr.RecordBatch()); err != nil {
			return nil, err
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if int64(len(rows)) != pf.NumRows() {
		return nil, fmt.Errorf("corrupt file: %d rows read, but the footer declares %d", len(rows), pf.NumRows())
	}
	return &Run{Meta: runMeta(sc), Rows: rows}, nil
}

// checkParquetSizes checks what a Parquet footer declares against the file's length: the row count (a run-file row
// takes at least a byte), the row groups (each holds at least one byte), and every column chunk's place in the file.
func checkParquetSizes(md *metadata.FileMetaData, size int64) error {
	if n := md.NumRows; n < 0 || n > size {
		return fmt.Errorf("corrupt file: the footer declares %d rows in a file of %d bytes", n, size)
	}
	if int64(md.NumRowGroups()) > size {
		return fmt.Errorf("corrupt file: the footer declares %d row groups in a file of %d bytes", md.NumRowGroups(), size)
	}
	var rows int64
	for g := range md.NumRowGroups() {
		rg := md.RowGroup(g)
		if rg.NumRows() < 0 || rg.NumRows() > size {
			return fmt.Errorf("corrupt file: row group %d declares %d rows", g, rg.NumRows())
		}
		rows += rg.NumRows()
		for c := range rg.NumColumns() {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				return fmt.Errorf("row group %d, column %d: %w", g, c, err)
			}
			start := cc.DataPageOffset()
			if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 {
				start = min(start, cc.DictionaryPageOffset())
			}
			n := cc.TotalCompressedSize()
			if start < 0 || n < 0 || start > size || n > size-start {
				return fmt.Errorf("corrupt file: row group %d, column %d: %d bytes at offset %d lie outside the file of %d bytes", g, c, n, start, size)
			}
			if v := cc.NumValues(); v < 0 || v > size {
				return fmt.Errorf("corrupt file: row group %d, column %d declares %d values", g, c, v)
			}
		}
	}
	if rows != md.NumRows {
		return fmt.Errorf("corrupt file: the row groups hold %d rows, the footer declares %d", rows, md.NumRows)
	}
	return nil
}

// checkStoredArrowSchema checks the Arrow schema that a Parquet file written from Arrow stores, base64-encoded, under
// the key ARROW:schema, and that pqarrow decodes as an IPC stream, in the two spellings of base64 that pqarrow tries.
func checkStoredArrowSchema(kv metadata.KeyValueMetadata) error {
	v := kv.FindValue("ARROW:schema")
	if v == nil {
		return nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(*v); err == nil {
			if err := checkIPCStreamSchema(b); err != nil {
				return fmt.Errorf("stored Arrow schema: %w", err)
			}
		}
	}
	return nil
}

func decodeIPC(r *io.SectionReader, size int64, mem memory.Allocator) (*Run, error) {
	if err := checkIPCFileSchema(r, size); err != nil {
		return nil, err
	}
	fr, err := ipc.NewFileReader(r, ipc.WithAllocator(mem), ipc.WithMetadataSizeLimit(size), ipc.WithBodySizeLimit(size))
	if err != nil {
		return nil, fmt.Errorf("not an Arrow IPC file: %w", err)
	}
	defer fr.Close()
	sc := fr.Schema()
	if _, err := runColumns(sc); err != nil {
		return nil, err
	}
	if n := fr.NumRecords(); int64(n) > size {
		return nil, fmt.Errorf("corrupt file: %d record batches in %d bytes", n, size)
	}
	var rows []Row
	for i := 0; i < fr.NumRecords(); i++ {
		rec, err := fr.RecordBatch(i)
		if err != nil {
			return nil, fmt.Errorf("batch %d: %w", i, err)
		}
		if int64(len(rows))+rec.NumRows() > size {
			return nil, fmt.Errorf("corrupt file: batch %d brings the rows to %d, more than the file has bytes (%d)", i, int64(len(rows))+rec.NumRows(), size)
		}
		if rows, err = rowsFromChecked(rows, rec); err != nil {
			return nil, fmt.Errorf("batch %d: %w", i, err)
		}
	}
	return &Run{Meta: runMeta(sc), Rows: rows}, nil
}

// DecodeStream reads the rows of the Arrow IPC stream b, under the same guards as Decode: what a backend plugin sends
// is as untrusted as a file. Errors begin with "arrow ipc: ".
func DecodeStream(b []byte, mem memory.Allocator) (rows []Row, err error) {
	size := int64(len(b))
	guard := &boundedAllocator{mem: mem, limit: max(minReadBudget, maxExpansion*size)}
	defer func() {
		if p := recover(); p != nil {
			rows, err = nil, fmt.Errorf("the Arrow library failed on it (%s)", fmt.Sprint(p))
		}
		if err != nil {
			rows, err = nil, fmt.Errorf("arrow ipc: %s", quote.Line(err.Error(), 400))
		}
	}()
	if err := checkIPCStreamSchema(b); err != nil {
		return nil, err
	}
	r, err := ipc.NewReader(bytes.NewReader(b), ipc.WithAllocator(guard), ipc.WithMetadataSizeLimit(size), ipc.WithBodySizeLimit(size))
	if err != nil {
		return nil, err
	}
	defer r.Release()
	if _, err := runColumns(r.Schema()); err != nil {
		return nil, err
	}
	for r.Next() {
		rec := r.RecordBatch()
		if int64(len(rows))+rec.NumRows() > size {
			return nil, fmt.Errorf("corrupt stream: %d rows in %d bytes", int64(len(rows))+rec.NumRows(), size)
		}
		if rows, err = rowsFromChecked(rows, rec); err != nil {
			return nil, err
		}
	}
	return rows, r.Err()
}

// runColumns returns the index of each run-file column in sc, checking that every one is there with its type.
func runColumns(sc *arrow.Schema) ([]int, error) {
	idx := make([]int, len(fields))
	for i, f := range fields {
		at := sc.FieldIndices(f.Name)
		if len(at) == 0 {
			return nil, fmt.Errorf("missing column %q", f.Name)
		}
		if t := sc.Field(at[0]).Type; !arrow.TypeEqual(t, f.Type) {
			return nil, fmt.Errorf("column %q has type %s, want %s", f.Name, t, f.Type)
		}
		idx[i] = at[0]
	}
	return idx, nil
}

// rowsFromChecked validates every column of rec (offsets, lengths, UTF-8) before RowsFromRecord reads it.
func rowsFromChecked(dst []Row, rec arrow.RecordBatch) ([]Row, error) {
	for i, c := range rec.Columns() {
		if int64(c.Len()) != rec.NumRows() {
			return dst, fmt.Errorf("column %d has %d rows, the batch %d", i, c.Len(), rec.NumRows())
		}
		if v, ok := c.(interface{ ValidateFull() error }); ok {
			if err := v.ValidateFull(); err != nil {
				return dst, fmt.Errorf("column %q: %w", rec.ColumnName(i), err)
			}
		}
	}
	return RowsFromRecord(dst, rec)
}

// runMeta returns the scalefit.* entries of sc's metadata.
func runMeta(sc *arrow.Schema) map[string]string {
	meta := map[string]string{}
	md := sc.Metadata()
	for i, k := range md.Keys() {
		if strings.HasPrefix(k, "scalefit.") {
			meta[k] = md.Values()[i]
		}
	}
	return meta
}

// errTooLarge is the panic of a boundedAllocator asked for more than its budget.
type errTooLarge string

// boundedAllocator passes allocations to mem while the bytes it has handed out stay within limit, and panics with
// errTooLarge past it: arrow-go allocates what a file declares, and has no error path from its allocator.
type boundedAllocator struct {
	mem   memory.Allocator
	limit int64
	used  int64
}

func (a *boundedAllocator) check(more int64) {
	if more > 0 && a.used+more > a.limit {
		panic(errTooLarge(fmt.Sprintf("it declares a buffer of %d bytes, more than a file of its size can need", more)))
	}
	a.used += more
}

func (a *boundedAllocator) Allocate(size int) []byte {
	a.check(int64(size))
	return a.mem.Allocate(size)
}

func (a *boundedAllocator) Reallocate(size int, b []byte) []byte {
	a.check(int64(size) - int64(len(b)))
	return a.mem.Reallocate(size, b)
}

func (a *boundedAllocator) Free(b []byte) {
	a.used -= int64(len(b))
	a.mem.Free(b)
}
