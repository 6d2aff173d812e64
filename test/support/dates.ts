// Calendar days for tests that meet the code's own clock. The simulator's default today, the reclamation's
// freshness check and history retention all read the real UTC date, so a test that pins a calendar day passes only
// until that day is old enough; tests derive their days from the same clock instead.
const DAY_MS = 86_400_000;

/** Today's date in UTC, 'YYYY-MM-DD', as the code under test computes it. */
export const todayUtc = (): string => new Date().toISOString().slice(0, 10);

/** The date `days` days before `date` ('YYYY-MM-DD'); negative counts forward. */
export function daysBefore(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`);
  if (!Number.isFinite(t)) throw new RangeError(`not a date: ${date}`);
  return new Date(t - days * DAY_MS).toISOString().slice(0, 10);
}
