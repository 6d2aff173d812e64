// Roster tables as changes: a day's partition holds only the rows that are new or changed since the previous
// loaded day (`upsert`) and tombstones for keys that are gone (`delete`); the first day (or a retention base)
// holds the whole roster. The roster as of a day is the newest change per key on or before it.
import { sqlString } from '../db/sql';
import { attributeColumns, currentPartitions, HISTORY_TABLES, type RosterTable } from './layout';

const keyOf = (t: RosterTable): readonly string[] => HISTORY_TABLES[t].key;
const typeOf = (t: RosterTable, col: string): string => HISTORY_TABLES[t].columns.find(([c]) => c === col)![1];

/** Key and attribute columns in file order, without `change`: the shape of a roster relation. */
export const rosterColumns = (t: RosterTable): string[] => HISTORY_TABLES[t].columns.map(([c]) => c).filter((c) => c !== 'change');

/** Key equality; a NULL group (direct assignment) is a key value like any other. */
const keyEquals = (t: RosterTable, a: string, b: string): string =>
  keyOf(t)
    .map((k) => `${a}.${k} IS NOT DISTINCT FROM ${b}.${k}`)
    .join(' AND ');

/** The changes that turn relation `prev` into relation `cur` (both shaped like rosterColumns(t)), in file column order. */
export function changesSql(t: RosterTable, cur: string, prev: string): string {
  const attrs = attributeColumns(t);
  const upsertCols = HISTORY_TABLES[t].columns.map(([c]) => (c === 'change' ? `'upsert' AS change` : `c.${c}`)).join(', ');
  const deleteCols = HISTORY_TABLES[t].columns.map(([c]) => (c === 'change' ? `'delete' AS change` : keyOf(t).includes(c) ? `p.${c}` : `NULL::${typeOf(t, c)} AS ${c}`)).join(', ');
  // The previous day as key + a 64-bit hash of its attributes: the join's build side stays narrow (at 1M users the
  // whole previous rows did not fit the writer's memory limit). A change whose hash collides (2^-64) is missed.
  const rowHash = (alias: string) => `hash(row(${attrs.map((a) => `${alias}.${a}${typeOf(t, a) === 'JSON' ? '::VARCHAR' : ''}`).join(', ')}))`;
  const prevKeys = keyOf(t)
    .map((k) => `p.${k}`)
    .join(', ');
  return `SELECT ${upsertCols} FROM ${cur} c
          LEFT JOIN (SELECT ${prevKeys}, ${rowHash('p')} AS hash__ FROM ${prev} p) p ON ${keyEquals(t, 'c', 'p')}
          WHERE p.hash__ IS NULL OR ${rowHash('c')} <> p.hash__
          UNION ALL
          SELECT ${deleteCols} FROM ${prev} p ANTI JOIN ${cur} c ON ${keyEquals(t, 'c', 'p')}`;
}

/** The roster of `tenantId` as of `date`, rebuilt from the table's current partitions. */
export function rosterAsOfSql(root: string, t: RosterTable, tenantId: string, date: string): string {
  const cols = rosterColumns(t);
  return `SELECT ${cols.join(', ')} FROM (
            SELECT *, row_number() OVER (PARTITION BY ${keyOf(t).join(', ')} ORDER BY snapshot_date DESC) AS rn__
            FROM ${currentPartitions(root, t)} WHERE tenant_id = ${sqlString(tenantId)} AND snapshot_date <= DATE ${sqlString(date)})
          WHERE rn__ = 1 AND change = 'upsert'`;
}

/** A whole roster as a base partition: every row an `upsert`, in file column order. */
export const baseSql = (t: RosterTable, roster: string): string =>
  `SELECT ${HISTORY_TABLES[t].columns.map(([c]) => (c === 'change' ? `'upsert' AS change` : c)).join(', ')} FROM (${roster})`;

/** An empty relation shaped like the roster (the day before a tenant's first load). */
export const emptyRoster = (t: RosterTable): string =>
  `(SELECT ${HISTORY_TABLES[t].columns
    .filter(([c]) => c !== 'change')
    .map(([c, type]) => `NULL::${type} AS ${c}`)
    .join(', ')} LIMIT 0)`;

/** The current-state table that holds each tenant's latest roster of `t`. */
export const currentTable = (t: RosterTable): string => `current_${t}`;
