package schema

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/scalefit/scalefit/internal/fuzzcorpus"
)

// TestReadReleasesEverything writes and reads both formats with a CheckedAllocator: every buffer arrow-go allocated
// through it must have been released when WriteWith and ReadWith return.
func TestReadReleasesEverything(t *testing.T) {
	for _, ext := range []string{".parquet", ".arrow"} {
		path := filepath.Join(t.TempDir(), "run"+ext)
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		if err := WriteWith(path, sampleRun(), mem); err != nil {
			t.Fatal(err)
		}
		mem.AssertSize(t, 0)
		run, err := ReadWith(path, mem)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(run.Rows, sampleRun().Rows) {
			t.Errorf("%s: rows differ", ext)
		}
		mem.AssertSize(t, 0)
	}
}

// patchIPCFooter returns the .arrow sample with its footer flatbuffer edited by edit.
func patchIPCFooter(t *testing.T, edit func(f *fbuf, root int)) []byte {
	t.Helper()
	b := encodeSample(t, ".arrow")
	n := int(binary.LittleEndian.Uint32(b[len(b)-10:]))
	f := &fbuf{b: b[len(b)-10-n : len(b)-10]}
	root, err := f.deref(0)
	if err != nil {
		t.Fatal(err)
	}
	edit(f, root)
	return b
}

// ipcWithSchema returns an Arrow IPC file with no record batches whose footer holds a schema of the fields that
// fields builds (it returns the offset of the fields vector).
func ipcWithSchema(fields func(b *flatbuffers.Builder) flatbuffers.UOffsetT) []byte {
	b := flatbuffers.NewBuilder(256)
	vec := fields(b)
	b.StartObject(4) // Schema
	b.PrependUOffsetTSlot(1, vec, 0)
	sc := b.EndObject()
	b.StartObject(5) // Footer
	b.PrependInt16Slot(0, 4, 0)
	b.PrependUOffsetTSlot(1, sc, 0)
	b.Finish(b.EndObject())
	footer := b.FinishedBytes()
	out := append([]byte("ARROW1\x00\x00"), footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(footer)))
	return append(out, "ARROW1"...)
}

// nullField builds Field { name, type_type Null, type Null {}, children }.
func nullField(b *flatbuffers.Builder, children flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	name := b.CreateString("f")
	b.StartObject(0) // Null {}
	typ := b.EndObject()
	b.StartObject(7)
	b.PrependUOffsetTSlot(0, name, 0)
	b.PrependByteSlot(2, 1, 0) // Type.Null
	b.PrependUOffsetTSlot(3, typ, 0)
	if children != 0 {
		b.PrependUOffsetTSlot(5, children, 0)
	}
	return b.EndObject()
}

func vectorOf(b *flatbuffers.Builder, items ...flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	b.StartVector(4, len(items), 4)
	for i := len(items) - 1; i >= 0; i-- {
		b.PrependUOffsetT(items[i])
	}
	return b.EndVector(len(items))
}

// hostile is a corrupt run file, its extension and what its error must say.
type hostile struct {
	name, ext string
	data      []byte
	want      string
}

// bloatStreamFields sets the length of the fields vector in the schema message that opens the IPC stream b to 2^30.
func bloatStreamFields(b []byte) {
	n := int(binary.LittleEndian.Uint32(b[4:]))
	f := &fbuf{b: b[8 : 8+n]}
	root, _ := f.deref(0)
	sc, _ := f.table(root, 2)
	start, _, _ := f.vector(sc, 1, 4)
	binary.LittleEndian.PutUint32(f.b[start-4:], 1<<30)
}

// craftedHostile builds the corrupt files that were made by hand rather than found by fuzzing; TestFuzzCorpus keeps
// them as seeds of FuzzDecode too.
func craftedHostile(t *testing.T) []hostile {
	var tests []hostile
	// fieldFromFB and schemaFromFB allocate a slice as long as the flatbuffer vector says: 2^30 fields ask for 80 GB,
	// a fatal out-of-memory error that no recover catches.
	tests = append(tests, hostile{"fields vector of 2^30", ".arrow", patchIPCFooter(t, func(f *fbuf, root int) {
		sc, _ := f.table(root, 1)
		start, _, _ := f.vector(sc, 1, 4)
		binary.LittleEndian.PutUint32(f.b[start-4:], 1<<30)
	}), "flatbuffer points outside itself"})
	// A field whose children fan out to a shared child, 40 levels deep: 2^40 fields for arrow-go to visit.
	tests = append(tests, hostile{"fields fanning out", ".arrow", ipcWithSchema(func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		f := nullField(b, 0)
		for range 40 {
			f = nullField(b, vectorOf(b, f, f))
		}
		return vectorOf(b, f)
	}), "more than 4096 fields"})
	// A child offset that wraps around 2^32 to point at its own parent: arrow-go recursed until the stack overflowed,
	// another fatal error.
	cycle := ipcWithSchema(func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		ch := vectorOf(b, 0) // patched below to point at the field
		return vectorOf(b, nullField(b, ch))
	})
	func() {
		n := int(binary.LittleEndian.Uint32(cycle[len(cycle)-10:]))
		f := &fbuf{b: cycle[len(cycle)-10-n : len(cycle)-10]}
		root, _ := f.deref(0)
		sc, _ := f.table(root, 1)
		fields, _, _ := f.vector(sc, 1, 4)
		field, _ := f.deref(fields)
		chPos, _ := f.field(field, 5)
		ch, _ := f.deref(chPos)
		binary.LittleEndian.PutUint32(f.b[ch+4:], uint32(field-(ch+4))) // wraps: ch+4+off ≡ field (mod 2^32)
	}()
	tests = append(tests, hostile{"child pointing back at its parent", ".arrow", cycle, "flatbuffer points outside itself"})

	// The same in the schema message of a stream, which a backend plugin sends.
	stream := encodeSample(t, ".stream")
	bloatStreamFields(stream)
	tests = append(tests, hostile{"stream: fields vector of 2^30", ".stream", stream, "flatbuffer points outside itself"})

	// A footer that declares a billion rows, or a column chunk beyond the end of the file.
	pq := encodeSample(t, ".parquet")
	patchParquet := func(edit func(pf *file.Reader)) []byte {
		pf, err := file.NewParquetReader(bytes.NewReader(pq))
		if err != nil {
			t.Fatal(err)
		}
		md := pf.MetaData()
		edit(pf)
		var footer bytes.Buffer
		if _, err := md.WriteTo(&footer, nil); err != nil {
			t.Fatal(err)
		}
		n := int(binary.LittleEndian.Uint32(pq[len(pq)-8:]))
		out := append(bytes.Clone(pq[:len(pq)-8-n]), footer.Bytes()...)
		out = binary.LittleEndian.AppendUint32(out, uint32(footer.Len()))
		return append(out, "PAR1"...)
	}
	tests = append(tests,
		hostile{"a billion rows", ".parquet", patchParquet(func(pf *file.Reader) {
			pf.MetaData().NumRows = 1e9
			pf.MetaData().RowGroups[0].NumRows = 1e9
		}), "the footer declares 1000000000 rows in a file of"},
		hostile{"stored Arrow schema with a fields vector of 2^30", ".parquet", patchParquet(func(pf *file.Reader) {
			for _, kv := range pf.MetaData().FileMetaData.KeyValueMetadata {
				if kv.Key != "ARROW:schema" {
					continue
				}
				st, err := base64.StdEncoding.DecodeString(*kv.Value)
				if err != nil {
					t.Fatal(err)
				}
				bloatStreamFields(st)
				v := base64.StdEncoding.EncodeToString(st)
				kv.Value = &v
			}
		}), "stored Arrow schema: corrupt schema: its flatbuffer points outside itself"},
		hostile{"column chunk past the end", ".parquet", patchParquet(func(pf *file.Reader) {
			pf.MetaData().RowGroups[0].Columns[3].MetaData.TotalCompressedSize = 1 << 40
		}), "row group 0, column 3: 1099511627776 bytes at offset"},
	)

	return tests
}

// TestDecodeHostile reads corrupt run files: each read must end in one error line that names the file, with no
// panic and no allocation beyond what the file's size allows. The arrow-go v18.8.0 failures they reproduce are in the
// comments; the files found by fuzzing are in testdata/fuzz/FuzzDecode.
func TestDecodeHostile(t *testing.T) {
	tests := craftedHostile(t)

	// What fuzzing found (a nil DataPageHeader, flatbuffers slice bounds, makeslice out of range, …), and the crafted
	// files again as TestFuzzCorpus wrote them.
	ents, err := os.ReadDir("testdata/fuzz/FuzzDecode")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("testdata/fuzz/FuzzDecode", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		data := corpusBytes(t, b)
		ext := []string{".parquet", ".arrow", ".stream"}[data[0]%3]
		tests = append(tests, hostile{e.Name(), ext, data[1:], ""})
	}

	for _, tt := range tests {
		if tt.ext == ".stream" {
			_, err := DecodeStream(tt.data, memory.NewGoAllocator())
			if err == nil || !strings.HasPrefix(err.Error(), "arrow ipc: ") || !strings.Contains(err.Error(), tt.want) || strings.ContainsAny(err.Error(), "\n\r\x1b") {
				t.Errorf("%s: error %q, want one line containing %q", tt.name, err, tt.want)
			}
			continue
		}
		path := filepath.Join(t.TempDir(), "hostile"+tt.ext)
		if err := os.WriteFile(path, tt.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadWith(path, memory.NewGoAllocator())
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "read "+path+": ") || !strings.Contains(msg, tt.want) || strings.ContainsAny(msg, "\n\r\x1b") || len(msg) > 600 {
			t.Errorf("%s: error %q, want one line naming the file and containing %q", tt.name, msg, tt.want)
		}
	}
}

// corpusBytes decodes a corpus file of Go's fuzzing engine holding one []byte value.
func corpusBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	_, lit, ok := strings.Cut(string(b), "[]byte(")
	if !ok {
		t.Fatalf("not a []byte corpus entry: %.40q", b)
	}
	lit = strings.TrimSpace(lit)
	lit = strings.TrimSuffix(lit, ")")
	s, err := strconv.Unquote(lit)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(s)
}

// TestFuzzCorpus writes the crafted files of craftedHostile into the seed corpus of FuzzDecode (with
// SCALEFIT_WRITE_FUZZ_CORPUS set; scripts/fuzz corpus). The other seeds there are what fuzzing found.
func TestFuzzCorpus(t *testing.T) {
	if !fuzzcorpus.Enabled() {
		t.Skip("set " + fuzzcorpus.EnvWrite + " to rewrite the seed corpora")
	}
	for _, h := range craftedHostile(t) {
		format := map[string]byte{".parquet": 0, ".arrow": 1, ".stream": 2}[h.ext]
		name := "crafted-" + strings.NewReplacer(" ", "-", "^", "", ",", "", ":", "").Replace(h.name)
		if err := fuzzcorpus.Write("FuzzDecode", name, append([]byte{format}, h.data...)); err != nil {
			t.Fatal(err)
		}
	}
}
