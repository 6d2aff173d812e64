// Calendar days for tests that meet the code's own clock. The simulator's default today, the reclamation's
// freshness check and history retention all read the real UTC date, so a test that pins a calendar day passes only
// until that day is old enough; tests derive their days from the same clock, through the code's own date functions.
import { addDays, todayUtc } from '../../src/shared/snapshot-date';

export { todayUtc };

/** The date `days` days before `date` ('YYYY-MM-DD'); negative counts forward. */
export const daysBefore = (date: string, days: number): string => addDays(date, -days);
