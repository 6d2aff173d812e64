// An attacker's own workflow code: run by their worker on their own task queue, under the names and workflow ids
// of ours, it schedules activities straight onto the deployment's queues, which the real workers then execute.
import { proxyActivities } from '@temporalio/workflow';

export interface ForgedCalls {
  mainQueue: string;
  warehouseQueue: string;
  rows?: unknown[];
  removal?: unknown;
  restore?: unknown;
}

type Any = Record<string, (input: unknown) => Promise<unknown>>;

async function call(fn: () => Promise<unknown>): Promise<string> {
  try {
    return JSON.stringify(await fn());
  } catch (err) {
    let e: unknown = err;
    while (e instanceof Error && e.cause instanceof Error) e = e.cause;
    return `refused: ${e instanceof Error ? e.message : String(e)}`;
  }
}

async function forge(input: ForgedCalls): Promise<string[]> {
  const once = { startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } } as const;
  const warehouse = proxyActivities<Any>({ ...once, taskQueue: input.warehouseQueue });
  const main = proxyActivities<Any>({ ...once, taskQueue: input.mainQueue });
  const out: string[] = [];
  for (const row of input.rows ?? []) out.push(await call(() => warehouse.recordReclamation!(row)));
  if (input.removal) out.push(await call(() => main.removeLicenses!(input.removal)));
  if (input.restore) out.push(await call(() => main.assignBack!(input.restore)));
  return out;
}

/** Registered under our workflow types' names, so a check of the type alone would not tell them apart. */
export const reclaimLicenses = forge;
export const restoreLicenses = forge;
