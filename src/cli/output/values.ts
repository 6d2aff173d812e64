// The one place DuckDB values become output values. Two renderings:
// - JSON for scripts, like `duckdb -json`: numbers as JSON numbers (BIGINT/HUGEINT/DECIMAL as strings only beyond 2^53,
//   where a double would silently change them), dates and timestamps ISO-8601, NULL as null, lists/structs nested.
// - text for table and CSV cells: DuckDB's own rendering (what the CLI always printed).
import {
  DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBValueConverter,
  type Json,
} from '@duckdb/node-api';

const MAX_EXACT = 2 ** 53;

/** An integer as a JSON number when a double holds it exactly, else its decimal string. */
export function exactNumber(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
}

function decimalNumber(v: DuckDBDecimalValue): number | string {
  const s = v.toString();
  const n = Number(s);
  return Math.abs(n) < MAX_EXACT ? n : s;
}

const pad = (n: bigint, width: number): string => n.toString().padStart(width, '0');

/** ISO-8601 from a count of `unit`s since the epoch; keeps sub-millisecond digits that Date would drop. */
function isoFromEpoch(count: bigint, unitsPerSecond: bigint, zone: 'Z' | ''): string {
  let seconds = count / unitsPerSecond;
  let fraction = count % unitsPerSecond;
  if (fraction < 0n) {
    fraction += unitsPerSecond;
    seconds -= 1n;
  }
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, -5); // drop ".000Z"
  const digits = unitsPerSecond.toString().length - 1;
  const frac = fraction === 0n ? '' : `.${pad(fraction, digits).replace(/0+$/, '')}`;
  return `${base}${frac}${zone}`;
}

function isoTimestamp(value: DuckDBValue): string {
  if (value instanceof DuckDBTimestampTZValue) return value.isFinite ? isoFromEpoch(value.micros, 1_000_000n, 'Z') : value.toString();
  if (value instanceof DuckDBTimestampValue) return value.isFinite ? isoFromEpoch(value.micros, 1_000_000n, '') : value.toString();
  if (value instanceof DuckDBTimestampSecondsValue) return value.isFinite ? isoFromEpoch(value.seconds, 1n, '') : value.toString();
  if (value instanceof DuckDBTimestampMillisecondsValue) return value.isFinite ? isoFromEpoch(value.millis, 1000n, '') : value.toString();
  if (value instanceof DuckDBTimestampNanosecondsValue) return value.isFinite ? isoFromEpoch(value.nanos, 1_000_000_000n, '') : value.toString();
  return String(value);
}

/** DuckDB value -> JSON value for scripts. Nested lists, structs and maps recurse through this same converter. */
export const scriptJson: DuckDBValueConverter<Json> = (value: DuckDBValue, type: DuckDBType, self: DuckDBValueConverter<Json>): Json | null => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return typeof value === 'bigint' ? exactNumber(value) : String(value);
    case DuckDBTypeId.DECIMAL:
      return value instanceof DuckDBDecimalValue ? decimalNumber(value) : String(value);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return isoTimestamp(value);
    default:
      return JsonDuckDBValueConverter(value, type, self);
  }
};

/** Types whose cells are text: CSV neutralises formulas only in these (a negative number stays a number). */
const TEXTUAL = new Set<DuckDBTypeId>([
  DuckDBTypeId.VARCHAR,
  DuckDBTypeId.ENUM,
  DuckDBTypeId.BLOB,
  DuckDBTypeId.LIST,
  DuckDBTypeId.ARRAY,
  DuckDBTypeId.STRUCT,
  DuckDBTypeId.MAP,
  DuckDBTypeId.UNION,
  DuckDBTypeId.UUID,
  DuckDBTypeId.VARIANT,
]);
export const isTextual = (type: DuckDBType): boolean => TEXTUAL.has(type.typeId);

/** Cell text for table and CSV output, as the CLI printed it before (DuckDB's JSON rendering, objects as JSON). */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Plain JS values (a command's own result objects) -> JSON text: bigint exact, Date ISO-8601, undefined dropped. */
export function jsonStringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? exactNumber(v) : v));
}
