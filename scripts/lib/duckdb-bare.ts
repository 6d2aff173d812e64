// The physical limit of the load step: DuckDB alone reading a run's staged files into plain tables
// (read_json glob + unnest for the users, typed read_csv for the reports), with nothing else done.
import { rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { REPORTS } from '../../src/shared/staging-contract';
import { reportSelect, validateReport } from '../../src/warehouse/staging/reports';
import { readUsers } from '../../src/warehouse/staging/stage';

/** Milliseconds DuckDB needs to read the staging directory `dir` into a fresh database file. */
export async function physicalLimit(dir: string, dbFile: string): Promise<number> {
  rmSync(dbFile, { force: true });
  const instance = await DuckDBInstance.create(dbFile, { autoinstall_known_extensions: 'false' });
  const conn = await instance.connect();
  const [a, e] = await Promise.all(REPORTS.map((s) => validateReport(dir, s)));
  const t0 = performance.now();
  // The same typed read of the user pages as the load (every property it selects, signInActivity included).
  await conn.run(`CREATE TABLE users AS SELECT u.* FROM (SELECT unnest(value) AS u FROM ${readUsers(dir)})`);
  await conn.run(`CREATE TABLE active AS ${reportSelect(a!)}`);
  await conn.run(`CREATE TABLE email AS ${reportSelect(e!)}`);
  await conn.run('CHECKPOINT');
  const ms = performance.now() - t0;
  conn.closeSync();
  instance.closeSync();
  return ms;
}
