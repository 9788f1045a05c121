// Reads a scalefit run file with DuckDB and prints the layer-level gains as JSON:
// [{layer, component, gain, n_tokens, n_rows}], gain being the token-weighted mean of gain_mean over sequences.
// Usage: node duckdb_layers.mjs RUN.parquet
import { DuckDBInstance } from '@duckdb/node-api';

const path = process.argv[2];
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const reader = await conn.runAndReadAll(`
  select layer, component,
         sum(gain_mean * n_tokens) / sum(n_tokens) as gain,
         sum(n_tokens)::BIGINT as n_tokens,
         count(*)::BIGINT as n_rows,
         any_value(model) as model,
         any_value(n_params)::BIGINT as n_params
  from read_parquet('${path.replaceAll("'", "''")}')
  group by layer, component
  order by layer, component`);
const rows = reader.getRowObjectsJson();
process.stdout.write(JSON.stringify(rows));
