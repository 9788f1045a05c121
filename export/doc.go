// Package export writes scalefit's tables for other tools: the per-sequence rows of run files, as they are, and a
// per-layer summary with bootstrap intervals, as Parquet, Arrow IPC, CSV or JSON Lines.
//
// Every table is first built as Arrow record batches, and every format is written from them, so the columns, their
// order and their types are the same in all four. In CSV a float is printed with strconv's shortest round-trip form
// ('g', −1), so reading it back gives the same float64; a null (an undefined interval bound) is an empty field. In JSON
// Lines each row is one object with the columns in table order; nulls and NaN are written as null.
//
// Loading the files elsewhere:
//
//	pandas:  pd.read_parquet("s.parquet"), pd.read_csv("s.csv"), pd.read_json("s.jsonl", lines=True)
//	polars:  pl.read_parquet("s.parquet"), pl.read_ipc("s.arrow"), pl.read_ndjson("s.jsonl")
//	DuckDB:  select * from read_parquet('s.parquet'); select * from read_json_auto('s.jsonl')
package export
