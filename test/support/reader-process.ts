// Child process for the warehouse tests: an "analyst" holding a DuckDB file open.
// argv: <file> <mode: ro|rw> <sql>. Prints the query result as one JSON line, then again each time a line
// arrives on stdin; exits when stdin closes.
import { createInterface } from 'node:readline';
import { DuckDBInstance } from '@duckdb/node-api';

const [file, mode, sql] = process.argv.slice(2);
const instance = await DuckDBInstance.create(file!, mode === 'rw' ? {} : { access_mode: 'READ_ONLY' });
const conn = await instance.connect();
const run = async () => {
  const r = await conn.runAndReadAll(sql!);
  process.stdout.write(`${JSON.stringify(r.getRowsJson())}\n`);
};
await run();
for await (const _line of createInterface({ input: process.stdin })) await run();
conn.closeSync();
instance.closeSync();
