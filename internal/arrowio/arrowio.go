// Package arrowio writes record batches as one Parquet or Arrow IPC file, the two binary table formats that scalefit's
// fit tables and exports share.
package arrowio

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// WriteParquet writes batches, which follow sc, to w as one zstd-compressed Parquet file that stores the Arrow schema
// (and so its metadata).
func WriteParquet(w io.Writer, sc *arrow.Schema, batches ...arrow.RecordBatch) error {
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithAllocator(memory.NewGoAllocator()))
	fw, err := pqarrow.NewFileWriter(sc, w, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return fmt.Errorf("parquet writer: %w", err)
	}
	for i, b := range batches {
		if err := fw.Write(b); err != nil {
			fw.Close()
			return fmt.Errorf("parquet: batch %d: %w", i, err)
		}
	}
	return fw.Close()
}

// WriteIPC writes batches, which follow sc, to w as one Arrow IPC file.
func WriteIPC(w io.Writer, sc *arrow.Schema, batches ...arrow.RecordBatch) error {
	fw, err := ipc.NewFileWriter(w, ipc.WithSchema(sc), ipc.WithAllocator(memory.NewGoAllocator()))
	if err != nil {
		return fmt.Errorf("arrow writer: %w", err)
	}
	for i, b := range batches {
		if err := fw.Write(b); err != nil {
			fw.Close()
			return fmt.Errorf("arrow: batch %d: %w", i, err)
		}
	}
	return fw.Close()
}
