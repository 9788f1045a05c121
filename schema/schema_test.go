package schema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/scalefit/scalefit/internal/cleanup"
)

func sampleRun() *Run {
	var rows []Row
	for l := int32(0); l < 3; l++ {
		for _, c := range Components {
			for s := int32(0); s < 2; s++ {
				g := 0.5 + float64(l) + 0.01*float64(s)
				rows = append(rows, Row{
					Model: "pythia-70m", Revision: "step1000", Architecture: "gpt_neox", Backend: "cpu",
					NParams: 70426624, NParamsNonembed: 18915328, NLayers: 3, HiddenSize: 512,
					Layer: l, Depth: float64(l) / 2, Component: c, Seq: s, NTokens: 511,
					GainMean: g, GainStd: 0.1, GainMin: g - 0.3, GainMax: g + 1.0/3, NormInMean: 12.5, NormOutMean: 12.5 * g,
				})
			}
		}
	}
	return &Run{Meta: map[string]string{MetaGELU: "erf", MetaSkipFirst: "1", MetaConfig: `{"model_type":"gpt_neox"}`}, Rows: rows}
}

func TestRoundTrip(t *testing.T) {
	for _, ext := range []string{".parquet", ".arrow", ".feather"} {
		t.Run(ext, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "run"+ext)
			want := sampleRun()
			if err := Write(path, want); err != nil {
				t.Fatal(err)
			}
			got, err := Read(path)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Rows, want.Rows) {
				t.Errorf("rows differ after round trip: got %d rows, first %+v", len(got.Rows), got.Rows[0])
			}
			if !reflect.DeepEqual(got.Meta, want.Meta) {
				t.Errorf("meta = %v, want %v", got.Meta, want.Meta)
			}
		})
	}
}

func TestParquetIsZstd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.parquet")
	if err := Write(path, sampleRun()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data[:4]) != "PAR1" || string(data[len(data)-4:]) != "PAR1" {
		t.Fatalf("not a Parquet file")
	}
	// The zstd frame magic 28 B5 2F FD appears in every compressed page.
	if !bytes.Contains(data, []byte{0x28, 0xB5, 0x2F, 0xFD}) {
		t.Errorf("no zstd frame in the Parquet file")
	}
}

func TestFailedWriteKeepsExistingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.parquet")
	if err := os.WriteFile(path, []byte("earlier results"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := WriteAtomic(path, func(w io.Writer) error {
		w.Write([]byte("half a file"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "earlier results" {
		t.Errorf("existing file changed to %q", data)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary file left behind: %v", entries)
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.parquet")
	os.WriteFile(garbage, []byte("not parquet at all"), 0o644)
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.parquet"), "no such file"},
		{garbage, "garbage.parquet"},
		{filepath.Join(dir, "run.csv"), "unknown extension"},
	} {
		_, err := Read(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Read(%s) error = %v, want it to mention %q", tc.path, err, tc.want)
		}
	}
}

// TestWriteAtomicPermissions checks that a new file gets 0666 less the umask (os.CreateTemp alone would give 0600, and
// the writer used to force 0644 whatever the umask), and that a replaced file keeps its permissions.
func TestWriteAtomicPermissions(t *testing.T) {
	dir := t.TempDir()
	write := func(path string) {
		if err := WriteAtomic(path, func(w io.Writer) error { _, err := w.Write([]byte("x")); return err }); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o644}, {0o077, 0o600}, {0o002, 0o664}} {
		old := syscall.Umask(tt.umask)
		path := filepath.Join(dir, fmt.Sprintf("new-%o", tt.umask))
		write(path)
		syscall.Umask(old)
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != tt.want {
			t.Errorf("umask %03o: mode %v, want %v", tt.umask, st.Mode().Perm(), tt.want)
		}
	}
	path := filepath.Join(dir, "kept")
	write(path)
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	write(path)
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("replaced file: mode %v, want 0640", st.Mode().Perm())
	}
}

// TestWriteAtomicRegistersCleanup: while WriteAtomic writes, the removal of its temporary file is registered with
// package cleanup, which the signal handler runs, so that an interrupt leaves no partial file.
func TestWriteAtomicRegistersCleanup(t *testing.T) {
	before := cleanup.Len()
	path := filepath.Join(t.TempDir(), "out.parquet")
	err := WriteAtomic(path, func(w io.Writer) error {
		if cleanup.Len() != before+1 {
			t.Errorf("during the write %d cleanups are registered, want %d", cleanup.Len(), before+1)
		}
		_, err := w.Write([]byte("x"))
		return err
	})
	if err != nil || cleanup.Len() != before {
		t.Errorf("after the write: %v, %d cleanups registered, want %d", err, cleanup.Len(), before)
	}
}
