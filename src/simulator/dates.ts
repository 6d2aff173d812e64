// Day numbers (days since 1970-01-01, UTC) and their ISO forms: the simulator counts dates as integers.
export const DAY_MS = 86_400_000;
export const dayOf = (isoDate: string): number => Math.floor(Date.parse(`${isoDate.slice(0, 10)}T00:00:00Z`) / DAY_MS);

const dayCache = new Map<number, string>();
/** YYYY-MM-DD of a day number (cached: report rows format the same few hundred days millions of times). */
export function formatDay(day: number): string {
  let s = dayCache.get(day);
  if (s === undefined) {
    s = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dayCache.set(day, s);
  }
  return s;
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));
/** `THH:MM:SSZ` from a hash, to append to formatDay. */
export const timeOf = (h: number): string => `T${two(h % 24)}:${two((h >>> 5) % 60)}:${two((h >>> 11) % 60)}Z`;
