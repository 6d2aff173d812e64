// `--date YYYY-MM-DD` everywhere a date is accepted: a real calendar day (2024-02-31 is refused), else exit 2.
import { futureDateProblem } from '../shared/snapshot-date';
import { UsageError } from './usage-error';

/** True when `s` is YYYY-MM-DD and names a day that exists (leap years included). */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  // Date.UTC rolls 2024-02-31 over to 2024-03-02; only a real day survives the round trip.
  return d.toISOString().slice(0, 10) === s;
}

/** Returns the date, or throws UsageError naming the flag. */
export function parseDateOption(value: string, flag = '--date'): string {
  if (!isCalendarDate(value)) throw new UsageError(`${flag} must be a real date in the form YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return value;
}

/** A snapshot date: a real day, and not beyond today (UTC) plus a day of slack; else UsageError (exit 2). */
export function parseSnapshotDateOption(value: string, flag = '--date'): string {
  const date = parseDateOption(value, flag);
  const future = futureDateProblem(date, flag);
  if (future) throw new UsageError(future);
  return date;
}
