// Which days a snapshot may be dated. A day that has not happened would become the tenant's newest snapshot: every
// real day would look old next to it. One day of slack past today (UTC) lets a tenant east of UTC load its own
// today. The oldest day worth loading is the one history retention (M365_HISTORY_DAYS, counted back from the wall
// clock) still keeps: anything older would be loaded and pruned in the same run.
const DAY_MS = 86_400_000;

/** Days after today (UTC) a snapshot date may still name. */
export const FUTURE_SLACK_DAYS = 1;

/** Today's date in UTC, YYYY-MM-DD. */
export const todayUtc = (now: Date = new Date()): string => now.toISOString().slice(0, 10);

/** `date` moved by `days` (negative: back). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The newest snapshot date accepted now. */
export const latestAcceptedDate = (now: Date = new Date()): string => addDays(todayUtc(now), FUTURE_SLACK_DAYS);

/** Whether `date` (YYYY-MM-DD) lies beyond today plus the slack. */
export const isFutureSnapshotDate = (date: string, now: Date = new Date()): boolean => date > latestAcceptedDate(now);

/** Why `date` cannot be a snapshot date, or undefined when it can; `what` names where the date came from. */
export function futureDateProblem(date: string, what = 'The snapshot date', now: Date = new Date()): string | undefined {
  if (!isFutureSnapshotDate(date, now)) return undefined;
  return (
    `${what} ${date} is in the future (today is ${todayUtc(now)} UTC; the latest day accepted is ${latestAcceptedDate(now)}). ` +
    'A future day would become the newest snapshot and make every real day look old: give the day the data is for, or leave the date out for today.'
  );
}

/** The newest day history retention prunes now (keeping `historyDays` days back from today); null when it keeps all. */
export const retentionCutoff = (historyDays: number, now: Date = new Date()): string | null => (historyDays > 0 ? addDays(todayUtc(now), -historyDays) : null);
