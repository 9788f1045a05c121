package schema

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// encodeSample returns sampleRun encoded in the format of ext, or as an Arrow IPC stream for ".stream".
func encodeSample(t testing.TB, ext string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if ext == ".stream" {
		mem := memory.NewGoAllocator()
		sc := Arrow(nil)
		rec := NewRecordBatch(mem, sc, sampleRun().Rows)
		defer rec.Release()
		w := ipc.NewWriter(&buf, ipc.WithSchema(sc), ipc.WithAllocator(mem))
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	if err := Encode(&buf, "run"+ext, sampleRun()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzDecode feeds corrupted run files to the reader, which must return rows or an error, and never panic or
// allocate without bound. The first byte of the input picks the format: 0 Parquet, 1 an Arrow IPC file, 2 an Arrow
// IPC stream (what a backend plugin sends). Its seed corpus (testdata/fuzz/FuzzDecode) holds the reproducers of
// TestDecodeHostile.
func FuzzDecode(f *testing.F) {
	f.Add(append([]byte{0}, encodeSample(f, ".parquet")...))
	f.Add(append([]byte{1}, encodeSample(f, ".arrow")...))
	f.Add(append([]byte{2}, encodeSample(f, ".stream")...))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		data := b[1:]
		var rows []Row
		var err error
		if b[0]%3 == 2 {
			rows, err = DecodeStream(data, memory.NewGoAllocator())
		} else {
			var run *Run
			if run, err = Decode(bytes.NewReader(data), int64(len(data)), Format(b[0]%3), filepath.Join("fuzz", "run"), memory.NewGoAllocator()); err == nil {
				rows = run.Rows
			}
		}
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r\x1b") {
				t.Fatalf("error is not one clean line: %q", err)
			}
			return
		}
		if int64(len(rows)) > int64(len(data)) {
			t.Fatalf("%d rows from %d bytes", len(rows), len(data))
		}
	})
}
