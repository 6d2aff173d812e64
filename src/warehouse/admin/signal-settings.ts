// Per-tenant usage-signal settings (`signal_settings`): which signal decides inactivity (reports, sign_in, or both =
// the later of the two; default both when sign-ins are there) and after how many idle days a Copilot seat counts.
import { withWriter } from '../db/handles';
import { markMartsDue } from '../models/build';
import { inTransaction } from '../db/transaction';

export const INACTIVITY_SIGNALS = ['reports', 'sign_in', 'both'] as const;
export type InactivitySignal = (typeof INACTIVITY_SIGNALS)[number];

export interface SignalSettings {
  inactivitySignal?: InactivitySignal;
  /** Days without Copilot activity before a Copilot seat is idle (default 30). */
  copilotIdleDays?: number;
}

/** Merges `partial` into the tenant's signal settings (unset fields keep their value). */
export async function updateSignalSettings(workDbPath: string, tenantId: string, partial: SignalSettings): Promise<void> {
  if (partial.inactivitySignal !== undefined && !INACTIVITY_SIGNALS.includes(partial.inactivitySignal)) {
    throw new RangeError(`inactivitySignal must be one of ${INACTIVITY_SIGNALS.join(', ')}, got ${String(partial.inactivitySignal)}`);
  }
  const days = partial.copilotIdleDays;
  if (days !== undefined && (!Number.isInteger(days) || days < 0)) throw new RangeError(`copilotIdleDays must be a whole number of days >= 0, got ${days}`);
  await withWriter(workDbPath, async (conn) => {
    await inTransaction(conn, async () => {
      await conn.run(
        `INSERT INTO signal_settings VALUES ($1, $2, $3, now())
         ON CONFLICT (tenant_id) DO UPDATE SET inactivity_signal = coalesce(excluded.inactivity_signal, signal_settings.inactivity_signal),
           copilot_idle_days = coalesce(excluded.copilot_idle_days, signal_settings.copilot_idle_days), updated_at = now()`,
        [tenantId, partial.inactivitySignal ?? null, days ?? null],
      );
      // user_last_activity and the candidate marts are tables: this tenant's rows are recomputed at publish.
      await markMartsDue(conn, tenantId);
    });
  });
}
