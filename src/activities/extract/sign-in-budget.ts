// Whether this run can afford to read every user's signInActivity. Graph allows 10 such pages a minute per app
// across all tenants, so a large tenant's read takes hours (1M users: 2,000 pages, over 3 hours): past the budget the
// walk leaves sign-ins out, the run says why, and inactivity comes from the usage reports.
import type { GraphClient } from '../../graph/client';
import { countUsers, type RunCount, type WalkMemory } from './users-sharding';

/** Graph's own pace for signInActivity pages when the worker sets none. */
const GRAPH_SIGN_IN_PAGES_PER_MINUTE = 10;

export interface SignInBudget {
  /** Longest sign-in read a run may start, in minutes (the caller skips the check when 0: no budget). */
  maxMinutes: number;
  /** Sign-in pages a minute the workers send together (0 = no pace of their own: Graph's 10 then). */
  perMinute: number;
}

/** Minutes a read of `users` users' sign-ins takes at `perMinute` pages of `pageSize`. */
export function signInReadMinutes(users: number, pageSize: number, perMinute: number): number {
  return Math.ceil(users / Math.max(1, pageSize)) / (perMinute > 0 ? perMinute : GRAPH_SIGN_IN_PAGES_PER_MINUTE);
}

type Log = { info(msg: string, meta?: Record<string, unknown>): void; warn(msg: string, meta?: Record<string, unknown>): void };

/**
 * True when reading this tenant's sign-ins would take longer than the budget. The size is the last walk's, else
 * Graph's count; when neither is known the read goes ahead (the pace still holds it under Graph's limit).
 */
export async function overSignInBudget(graph: GraphClient, budget: SignInBudget, pageSize: number, memory: WalkMemory | null, log: Log, counted?: RunCount): Promise<boolean> {
  let users = memory?.users;
  if (!users) {
    try {
      users = await countUsers(graph, counted);
    } catch (err) {
      log.warn('could not count the users before reading sign-ins: reading them', { error: (err as Error).name });
      return false;
    }
  }
  const minutes = signInReadMinutes(users, pageSize, budget.perMinute);
  if (minutes <= budget.maxMinutes) return false;
  log.warn('reading every sign-in would take longer than the budget: the users are walked without signInActivity', {
    users,
    minutes: Math.round(minutes),
    budgetMinutes: budget.maxMinutes,
  });
  return true;
}
