package schema

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/scalefit/scalefit/internal/cleanup"
)

// Format is a run-file container format, chosen by the file extension.
type Format int

const (
	Parquet  Format = iota // .parquet: Parquet with zstd compression
	ArrowIPC               // .arrow, .feather: Arrow IPC file format
)

// FormatOf returns the format for path's extension, or an error naming the extensions scalefit knows.
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet":
		return Parquet, nil
	case ".arrow", ".feather", ".ipc":
		return ArrowIPC, nil
	}
	return 0, fmt.Errorf("%s: unknown extension %q (want .parquet, .arrow or .feather)", path, filepath.Ext(path))
}

// batchRows is how many rows go into one record batch or Parquet row group.
const batchRows = 64 * 1024

// Write writes run to path as Parquet or Arrow IPC according to the extension. It writes a temporary file in the same
// directory and renames it over path only when everything succeeded, so a failed write never damages an existing file.
func Write(path string, run *Run) error {
	return WriteWith(path, run, memory.NewGoAllocator())
}

// WriteWith is Write with the Arrow allocator mem.
func WriteWith(path string, run *Run, mem memory.Allocator) error {
	return WriteAtomic(path, func(w io.Writer) error { return EncodeWith(w, path, run, mem) })
}

// Encode writes run to w in the format that path's extension names.
func Encode(w io.Writer, path string, run *Run) error {
	return EncodeWith(w, path, run, memory.NewGoAllocator())
}

// EncodeWith is Encode with the Arrow allocator mem.
func EncodeWith(w io.Writer, path string, run *Run, mem memory.Allocator) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	sc := Arrow(run.Meta)
	var fw batchWriter
	switch format {
	case Parquet:
		props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithAllocator(mem))
		pw, err := pqarrow.NewFileWriter(sc, w, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		if err != nil {
			return fmt.Errorf("parquet writer: %w", err)
		}
		fw = pw
	default:
		aw, err := ipc.NewFileWriter(w, ipc.WithSchema(sc), ipc.WithAllocator(mem))
		if err != nil {
			return fmt.Errorf("arrow writer: %w", err)
		}
		fw = aw
	}
	if err := writeBatches(sc, mem, run.Rows, fw); err != nil {
		fw.Close()
		return err
	}
	return fw.Close()
}

// batchWriter is what Encode needs of the Parquet and Arrow IPC file writers.
type batchWriter interface {
	Write(arrow.RecordBatch) error
	Close() error
}

// writeBatches writes rows to fw in record batches of batchRows rows; no rows still make one empty batch.
func writeBatches(sc *arrow.Schema, mem memory.Allocator, rows []Row, fw batchWriter) error {
	for start := 0; ; start += batchRows {
		end := min(start+batchRows, len(rows))
		rec := NewRecordBatch(mem, sc, rows[start:end])
		err := fw.Write(rec)
		rec.Release()
		if err != nil {
			return fmt.Errorf("write rows %d-%d: %w", start, end, err)
		}
		if end == len(rows) {
			return nil
		}
	}
}

// WriteAtomic creates path through a temporary file in the same directory: write fills it, and it is synced and
// renamed over path only when write returned nil. On any error, and when the process is interrupted (package
// cleanup), the temporary file is removed and path is untouched. A new file gets the permissions 0666 less the umask;
// a file that is replaced keeps its own.
func WriteAtomic(path string, write func(io.Writer) error) (err error) {
	var keep *os.FileMode // the permissions of the file replaced
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		perm := st.Mode().Perm()
		keep = &perm
	}
	tmp, err := createTemp(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	forget := cleanup.Register(func() { os.Remove(tmp.Name()) })
	defer forget()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// Hide Close from write: some encoders (pqarrow) close a writer that has one, before it is synced.
	if err = write(struct{ io.Writer }{tmp}); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if keep != nil {
		if err = os.Chmod(tmp.Name(), *keep); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// createTemp creates a new file .<base>.tmp-<random> beside path with the permissions 0666, which the kernel reduces by
// the umask (os.CreateTemp would give 0600 whatever the umask).
func createTemp(path string) (*os.File, error) {
	dir, base := filepath.Split(path)
	for range 100 {
		name := filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64()%1e10, 10))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("cannot create a temporary file beside %s", path)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
