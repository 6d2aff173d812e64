// The people steps of `reclaim request` and their settings: bad values are usage errors (exit 2) that say what is
// allowed, checked before any sign-in, server or tenant is needed.
import { describe, expect, it } from 'vitest';
import { parseNoticeDays } from '../../src/cli/reclaim/people-steps';
import { parseDays } from '../../src/cli/settings-write';
import { UsageError } from '../../src/cli/usage-error';
import { cli } from '../support/security-helpers';

describe('notice and reminder options', () => {
  it('--notice-days takes 0 to 90 whole days', () => {
    expect(parseNoticeDays('0')).toBe(0);
    expect(parseNoticeDays('14')).toBe(14);
    expect(parseNoticeDays(undefined)).toBeUndefined();
    for (const bad of ['-1', '91', '2.5', 'two', '']) expect(() => parseNoticeDays(bad), bad).toThrow(UsageError);
  });

  it('settings: notice days 0-90, reminder and escalation delays 0-720 hours, in the words of their unit', () => {
    expect(parseDays('--remind-after-hours', 'remindAfterHours', '0')).toBe(0);
    expect(() => parseDays('--remind-after-hours', 'remindAfterHours', '721')).toThrow(/whole number of hours from 0 to 720/);
    expect(() => parseDays('--notice-days', 'noticeDays', '91')).toThrow(/whole number of days from 0 to 90/);
  });

  it('reclaim request --notice-days 120 exits 2 before anything is asked', async () => {
    const r = await cli(['reclaim', 'request', '--user', 'someone@contoso.com', '--notice-days', '120'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--notice-days must be a whole number of days from 0 \(remove at once\) to 90, got 120/);
  });
});
