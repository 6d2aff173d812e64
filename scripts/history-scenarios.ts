/* eslint-disable max-lines -- the recorder's scenarios are one table, read side by side; their steps are the functions above it */
// Scenarios that scripts/record-history.ts records for the replay test (test/workflows/replay.test.ts): one per
// state a workflow can be in when new code is deployed. A `parked` scenario returns while its workflow is still
// open (waiting for approval, mid-removal, mid-extract); the recorder saves the history so far, then terminates it.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { simulatorEnv } from '../src/cli/dev-job';
import { parseConfig } from '../src/config';
import { ensureApprovalKey } from '../src/identity/approval-key';
import { sealProof, type ProofBinding } from '../src/identity/proof';
import { seal } from '../src/identity/seal';
import { startReclamation, startRestore } from '../src/cli/reclaim/command';
import { createDailySchedule } from '../src/cli/schedule';
import { writeSettingsRequest } from '../src/activities/settings';
import { startDailySync } from '../src/cli/start-daily';
import { dailyScheduleId, reclaimWorkflowId, restoreWorkflowId, scheduledDailyWorkflowId, settingsWorkflowId, TASK_QUEUE } from '../src/shared/names';
import { DEFAULT_ROLES, startSimulator, type SimulatorHandle } from '../src/simulator';
import { SKU_INDEX } from '../src/simulator/skus';
import { applySettings, healthCheck, type reclaimLicenses, type restoreLicenses } from '../src/workflows';
import { dailySyncStatusQuery } from '../src/workflows/daily-sync-messages';
import { approveSignal, reclaimStatusQuery, rejectSignal, type DecisionInput, type ReclaimInput, type ReclaimState, type RestoreState } from '../src/workflows/reclaim/messages';

export interface Recorded {
  workflowId: string;
  /** Still open: save the history so far, then terminate the workflow. */
  parked?: boolean;
}

export interface Scenario {
  /** Simulator options; none: the scenario needs no tenant. */
  sim?: Parameters<typeof startSimulator>[0];
  /** Workflow code other than src/workflows (the code as it was before a patch, to record that side of it). */
  workflowsPath?: string;
  /** Extra environment for the scenario's worker (e.g. the lab identity mode), or one made from its tenant. */
  env?: NodeJS.ProcessEnv | ((sim: SimulatorHandle) => NodeJS.ProcessEnv);
  run(client: Client, sim: SimulatorHandle | undefined, env: NodeJS.ProcessEnv): Promise<Recorded>;
}

export interface Prepared {
  env: NodeJS.ProcessEnv;
  sim?: SimulatorHandle;
  close(): Promise<void>;
}

/** The workflows as they were before `snapshot-date-from-scheduled-start` (scripts/workflows-before-patches.ts). */
const BEFORE_PATCHES = fileURLToPath(new URL('./workflows-before-patches.ts', import.meta.url));

// The approval key of the scenario being recorded: people's sign-ins are sealed with it, as the CLI seals them.
let approvalKey: KeyObject | undefined;

export async function prepare(s: Scenario): Promise<Prepared> {
  if (!s.sim) return { env: {}, close: async () => {} };
  const sim = await startSimulator(s.sim);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'record-history-'));
  const env = { ...simulatorEnv(sim, dataDir), ...(typeof s.env === 'function' ? s.env(sim) : s.env) };
  approvalKey = createPublicKey(ensureApprovalKey(parseConfig(env)));
  return { env, sim, close: () => sim.close() };
}

/** A simulated admin's sign-in sealed as a proof for `binding`: [0] requests, [1] and [2] approve. */
const signIn = (sim: SimulatorHandle, admin: number, binding: ProofBinding): string => sealProof(sim.idToken(sim.state.directory.admins[admin]!), binding, approvalKey!);

/** A decision bound to the run and scope the status shows, signed in as an admin. */
async function decisionBy(client: Client, sim: SimulatorHandle, id: string, admin: number, extra: Partial<DecisionInput> = {}): Promise<DecisionInput> {
  const st = (await client.workflow.getHandle(id).query(reclaimStatusQuery)) as ReclaimState | RestoreState;
  const purpose = extra.reason !== undefined ? 'reject' : 'approve';
  return { idToken: signIn(sim, admin, { purpose, workflowId: id, runId: st.runId, scopeHash: st.scopeHash }), runId: st.runId, scopeHash: st.scopeHash, ...extra };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, read: () => Promise<T | undefined>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await read().catch(() => undefined);
    if (v !== undefined && ok(v)) return v;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A user who holds licences only directly (nothing inherited from a group), so the removal goes through; with
 * `restorable`, only SKUs with a unit to spare once freed, so putting them back goes through too.
 */
function directlyLicensedUser(sim: SimulatorHandle, restorable = false): string {
  const consumed = sim.state.tenant.consumed();
  const spare = (skuId: string) => {
    const k = SKU_INDEX.get(skuId)!;
    return consumed[k]! <= sim.state.tenant.prepaid(k).enabled;
  };
  for (let i = 0; i < sim.state.userCount; i++) {
    const u = sim.state.userAt(i);
    const a = sim.state.assignments(i) as Array<{ skuId: string; assignedByGroup: string | null; state: string }>;
    if (!u.accountEnabled || u.kind !== 'member' || !u.usageLocation || a.length === 0) continue;
    if (a.every((x) => x.assignedByGroup === null && x.state === 'Active' && (!restorable || spare(x.skuId)))) return u.id;
  }
  throw new Error('no directly licensed user in the simulated tenant');
}

type ReclaimHandle = WorkflowHandle<typeof reclaimLicenses>;

async function requestAndWait(client: Client, sim: SimulatorHandle, extra: Partial<ReclaimInput> = {}, restorable = false): Promise<ReclaimHandle> {
  // A fresh published snapshot: the re-check refuses to act without one.
  await (await startDailySync(client, { tenantId: sim.tenantId, snapshotDate: new Date().toISOString().slice(0, 10) }, { force: true })).result();
  const userId = directlyLicensedUser(sim, restorable);
  const input: ReclaimInput = {
    tenantId: sim.tenantId,
    userId,
    requester: { idToken: signIn(sim, 0, { purpose: 'request', workflowId: reclaimWorkflowId(sim.tenantId, userId) }) },
    reason: seal('inactive', approvalKey!),
    approvalTimeout: '1 hour',
    ...extra,
  };
  const handle = await startReclamation(client, input);
  await until(
    'awaiting_approval',
    () => handle.query(reclaimStatusQuery),
    (s) => s.status === 'awaiting_approval',
  );
  return handle;
}

async function ended(handle: ReclaimHandle, status: ReclaimState['status']): Promise<Recorded> {
  const result = await handle.result();
  if (result.status !== status) throw new Error(`expected ${status}, got ${result.status}`);
  return { workflowId: handle.workflowId };
}

const reclaimSim = { users: 200, seed: 4 };

/** An executed reclamation and a restore of it, waiting for its approval. */
async function restoreAwaiting(client: Client, sim: SimulatorHandle): Promise<WorkflowHandle<typeof restoreLicenses>> {
  const reclaim = await requestAndWait(client, sim, {}, true);
  await reclaim.signal(approveSignal, await decisionBy(client, sim, reclaim.workflowId, 1));
  await ended(reclaim, 'executed');
  const handle = await startRestore(client, {
    tenantId: sim.tenantId,
    reclaimWorkflowId: reclaim.workflowId,
    requester: { idToken: signIn(sim, 0, { purpose: 'request', workflowId: restoreWorkflowId(reclaim.workflowId) }) },
  });
  await until(
    'awaiting_approval',
    () => handle.query(reclaimStatusQuery),
    (st) => st.status === 'awaiting_approval',
  );
  return handle;
}

/**
 * The daily schedule fired once (triggered now): the scheduledDailySync it starts runs the day's dailySync as a
 * child. Returns when that execution has closed; the schedule is deleted.
 */
async function scheduledOnce(client: Client, sim: SimulatorHandle, env: NodeJS.ProcessEnv): Promise<Recorded> {
  const config = parseConfig(env);
  await createDailySchedule(client, config, sim.tenantId, '02:00');
  const schedule = client.schedule.getHandle(dailyScheduleId(sim.tenantId));
  try {
    await schedule.trigger();
    const prefix = scheduledDailyWorkflowId(sim.tenantId);
    const started = await until(
      'the scheduled run',
      async () => (await schedule.describe()).info.recentActions.at(0),
      () => true,
    );
    const workflowId = started.action.workflow.workflowId;
    if (!workflowId.startsWith(prefix)) throw new Error(`unexpected scheduled workflow ${workflowId}`);
    const r = (await client.workflow.getHandle(workflowId).result()) as { outcome: string };
    if (r.outcome !== 'ran') throw new Error(`expected ran, got ${r.outcome}`);
    return { workflowId };
  } finally {
    await schedule.delete();
  }
}

export const scenarios: Record<string, Scenario> = {
  healthCheck: {
    run: async (client) => {
      const workflowId = 'health-check-recorded';
      await client.workflow.execute(healthCheck, { taskQueue: TASK_QUEUE, workflowId, args: ['recorded'] });
      return { workflowId };
    },
  },
  dailySync: {
    sim: { users: 500, seed: 3 },
    run: async (client, sim) => {
      const handle = await startDailySync(client, { tenantId: sim!.tenantId, snapshotDate: '2026-11-27' }, { force: true });
      await handle.result();
      return { workflowId: handle.workflowId };
    },
  },
  /** Parked inside the extract: the users walk is slowed so its activity is running when the history is taken. */
  dailySyncMidExtract: {
    sim: { users: 2000, seed: 5 },
    run: async (client, sim) => {
      sim!.state.setFaults('users:slow:ms=1500');
      const handle = await startDailySync(client, { tenantId: sim!.tenantId, snapshotDate: '2026-11-27' }, { force: true });
      await until(
        'the extract stage',
        () => handle.query(dailySyncStatusQuery),
        (s) => s.stage === 'extract' && s.staged.skus !== undefined,
      );
      return { workflowId: handle.workflowId, parked: true };
    },
  },
  /** Approved and executed; a duplicate approval recorded and ignored. */
  reclaimLicenses: {
    sim: reclaimSim,
    run: async (client, sim) => {
      const handle = await requestAndWait(client, sim!);
      await handle.signal(approveSignal, await decisionBy(client, sim!, handle.workflowId, 1, { comment: seal('ok', approvalKey!) }));
      await handle.signal(approveSignal, await decisionBy(client, sim!, handle.workflowId, 2));
      return ended(handle, 'executed');
    },
  },
  /** Parked waiting for a decision: the state most likely to be open at any deploy. */
  reclaimAwaitingApproval: {
    sim: reclaimSim,
    run: async (client, sim) => {
      const handle = await requestAndWait(client, sim!);
      await handle.signal(approveSignal, await decisionBy(client, sim!, handle.workflowId, 0)); // the requester: refused, noted
      await until(
        'the ignored approval',
        () => handle.query(reclaimStatusQuery),
        (s) => s.events.some((e) => e.kind === 'ignored_approve'),
      );
      return { workflowId: handle.workflowId, parked: true };
    },
  },
  /** Parked after approval, while assignLicense is in flight (the simulator holds the POST). */
  reclaimApprovedMidRemoval: {
    sim: reclaimSim,
    run: async (client, sim) => {
      const handle = await requestAndWait(client, sim!);
      sim!.state.setFaults('assignLicense:slow:ms=20000:times=1');
      await handle.signal(approveSignal, await decisionBy(client, sim!, handle.workflowId, 1));
      await until(
        'removing',
        () => handle.query(reclaimStatusQuery),
        (s) => s.status === 'removing',
      );
      await sleep(1_000);
      return { workflowId: handle.workflowId, parked: true };
    },
  },
  /** Parked in the notice period: reminded while it waited, approved, the user mailed (patches reclaim-reminders-and-escalation, reclaim-user-notice). */
  reclaimNoticeGiven: {
    sim: { ...reclaimSim, roles: [...DEFAULT_ROLES, 'Mail.Send'] },
    env: (sim) => ({ M365_MAIL_SENDER: sim.state.userAt(10).userPrincipalName, M365_INBOX_URL: 'https://inbox.example' }),
    run: async (client, sim) => {
      const handle = await requestAndWait(client, sim!, { noticeDays: 3, reminders: { remindAfter: '2 seconds', escalateAfter: '1 hour' } });
      await until(
        'the reminder',
        () => handle.query(reclaimStatusQuery),
        (s) => s.remindedAt !== undefined,
      );
      await handle.signal(approveSignal, await decisionBy(client, sim!, handle.workflowId, 1));
      await until(
        'notice_given',
        () => handle.query(reclaimStatusQuery),
        (s) => s.status === 'notice_given',
      );
      return { workflowId: handle.workflowId, parked: true };
    },
  },
  reclaimRejected: {
    sim: reclaimSim,
    run: async (client, sim) => {
      const handle = await requestAndWait(client, sim!);
      await handle.signal(rejectSignal, await decisionBy(client, sim!, handle.workflowId, 1, { reason: seal('still needed', approvalKey!) }));
      return ended(handle, 'rejected');
    },
  },
  reclaimExpired: {
    sim: reclaimSim,
    run: async (client, sim) => {
      const handle = await requestAndWait(client, sim!, { approvalTimeout: '2 seconds' });
      return ended(handle, 'expired');
    },
  },
  reclaimDryRun: {
    sim: reclaimSim,
    run: async (client, sim) => {
      const handle = await requestAndWait(client, sim!, { dryRun: true });
      await handle.signal(approveSignal, await decisionBy(client, sim!, handle.workflowId, 1));
      return ended(handle, 'dry_run');
    },
  },
  /** A removal undone: the restore reads the executed reclamation's result, is approved, and assigns the licences back. */
  restoreLicenses: {
    sim: reclaimSim,
    run: async (client, sim) => {
      const handle = await restoreAwaiting(client, sim!);
      await handle.signal(approveSignal, await decisionBy(client, sim!, handle.workflowId, 2));
      const r = await handle.result();
      if (r.outcome !== 'restored') throw new Error(`expected restored, got ${r.outcome}: ${r.detail ?? ''}`);
      return { workflowId: handle.workflowId };
    },
  },
  /** Parked: a restore requested after an executed reclamation, waiting for its approval. */
  restoreAwaitingApproval: {
    sim: reclaimSim,
    run: async (client, sim) => ({ workflowId: (await restoreAwaiting(client, sim!)).workflowId, parked: true }),
  },
  /** Started by the daily schedule: the day comes from the schedule's intended start (the patched path). */
  scheduledDailySync: {
    sim: { users: 300, seed: 6 },
    run: (client, sim, env) => scheduledOnce(client, sim!, env),
  },
  /** The same, on the code before `snapshot-date-from-scheduled-start`: no patch marker, the day of the start. */
  'scheduledDailySync.before-scheduled-start-patch': {
    sim: { users: 300, seed: 8 },
    workflowsPath: BEFORE_PATCHES,
    run: (client, sim, env) => scheduledOnce(client, sim!, env),
  },
  /** One `settings set` handed to the warehouse writer through a request file, as the CLI does while a worker runs. */
  applySettings: {
    sim: { users: 100, seed: 7 },
    // Recorded in the lab identity mode: a name stands in for the settings admin's sign-in.
    env: { M365_APPROVAL_IDENTITY: 'unverified' },
    run: async (client, sim, env) => {
      const config = parseConfig(env);
      const requestFile = writeSettingsRequest(config.dataDir, {
        tenantId: sim!.tenantId,
        proof: { by: 'recorder' },
        set: { inactivityDays: 45, excludeUpnPatterns: ['admin-*@*'] },
        unset: [],
      });
      const workflowId = settingsWorkflowId(sim!.tenantId, 'recorded');
      const r = await client.workflow.execute(applySettings, {
        taskQueue: TASK_QUEUE,
        workflowId,
        args: [{ tenantId: sim!.tenantId, requestFile }],
        workflowExecutionTimeout: '2 minutes',
      });
      if (!r.applied) throw new Error('the settings request was not applied');
      return { workflowId };
    },
  },
};
