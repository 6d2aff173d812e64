// What a new reclamation asks of its people steps: notice days for the user (`--notice-days`, else the tenant's
// setting) and the reminder and escalation delays (the tenant's settings), read from the published warehouse.
import type { AppConfig } from '../../config';
import type { ReclaimInput } from '../../workflows/reclaim/messages';
import { readShownSettings } from '../settings';
import { UsageError } from '../usage-error';

export const MAX_NOTICE_DAYS = 90;

export function parseNoticeDays(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim()) || Number(v) > MAX_NOTICE_DAYS)
    throw new UsageError(`--notice-days must be a whole number of days from 0 (remove at once) to ${MAX_NOTICE_DAYS}, got ${v}`);
  return Number(v);
}

/** The input fields of the people steps; absent fields keep the workflow's old behaviour (no notice, no reminders). */
export async function peopleSteps(config: AppConfig, tenantId: string, noticeDays: number | undefined): Promise<Pick<ReclaimInput, 'noticeDays' | 'reminders'>> {
  const s = (await readShownSettings(config.dbPath, tenantId)).effective;
  const days = noticeDays ?? s.noticeDays;
  const hours = (h: number) => (h > 0 ? { remindAfter: `${h}h` } : {});
  const reminders = { ...hours(s.remindAfterHours), ...(s.escalateAfterHours > 0 ? { escalateAfter: `${s.escalateAfterHours}h` } : {}) };
  return { ...(days > 0 ? { noticeDays: days } : {}), ...(Object.keys(reminders).length ? { reminders } : {}) };
}
