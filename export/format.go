package export

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format is an export file format.
type Format int

const (
	Parquet Format = iota // Parquet, zstd-compressed
	Arrow                 // Arrow IPC file (Feather v2)
	CSV                   // comma-separated values with a header row
	JSONL                 // JSON Lines: one object per row
)

var formatNames = [...]string{"parquet", "arrow", "csv", "jsonl"}

// String returns the format's name: parquet, arrow, csv or jsonl.
func (f Format) String() string {
	if f < 0 || int(f) >= len(formatNames) {
		return fmt.Sprintf("Format(%d)", int(f))
	}
	return formatNames[f]
}

// Binary reports whether the format is binary (Parquet, Arrow), which scalefit never writes to a terminal or pipe.
func (f Format) Binary() bool { return f == Parquet || f == Arrow }

// ParseFormat returns the format named s: parquet, arrow (or ipc, feather), csv, or jsonl (or ndjson).
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "parquet":
		return Parquet, nil
	case "arrow", "ipc", "feather":
		return Arrow, nil
	case "csv":
		return CSV, nil
	case "jsonl", "ndjson":
		return JSONL, nil
	}
	return 0, fmt.Errorf("unknown format %q (want parquet, arrow, csv or jsonl)", s)
}

// FormatOf returns the format that path's extension names: .parquet, .arrow/.feather/.ipc, .csv, .jsonl/.ndjson.
func FormatOf(path string) (Format, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if f, err := ParseFormat(strings.TrimPrefix(ext, ".")); err == nil {
		return f, nil
	}
	return 0, fmt.Errorf("%s: cannot tell the format from the extension %q (want .parquet, .arrow, .feather, .csv or .jsonl, or name one with --format)", path, ext)
}
