// `m365-license reclaim request|approve|reject|status|restore`: human-approved licence reclamation.
// A UPN given on the command line is resolved to the object id here, so only ids reach workflow history.
import { existsSync } from 'node:fs';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Command } from 'commander';
import { parseConfig, type AppConfig } from '../../config';
import { createGraphFactory } from '../../activities/graph-context';
import { resolveUserId } from '../../activities/reclaim/licences';
import { parseReclaimWorkflowId, reclaimWorkflowId, restoreWorkflowId, TASK_QUEUE } from '../../shared/names';
import { pickTenant } from '../../tenants';
import { openReadOnly } from '../../warehouse/index';
import { reclaimLicenses, restoreLicenses } from '../../workflows';
import type { ReclaimInput, RestoreInput } from '../../workflows/reclaim/messages';
import { safeInline, safeJson } from '../output/sanitize';
import { requestTexts } from './audit';
import { lookUpStatusNames, namesJson, statusLines } from './status-view';
import { registerDecisions, tenantOfDecisionId } from './decide';
import { personProofs, sealText, TOKEN_FILE_OPTION_HELP, TOKEN_OPTION_HELP } from './proof';
import { closedFailureLines, ensureSearchAttributes, readReclamation, reclaimStartAttributes, registerReclaimList } from './list';
import { withTemporalClient } from '../temporal-connection';
import { UsageError } from '../usage-error';

export class ReclamationOpenError extends Error {
  override name = 'ReclamationOpenError';
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Starts one reclamation; a second start for the same user while one is open is refused. */
export async function startReclamation(
  client: Client,
  input: ReclaimInput,
  opts: { taskQueue?: string } = {},
): Promise<WorkflowHandle<typeof reclaimLicenses>> {
  const workflowId = reclaimWorkflowId(input.tenantId, input.userId);
  try {
    return await client.workflow.start(reclaimLicenses, {
      taskQueue: opts.taskQueue ?? TASK_QUEUE,
      workflowId,
      args: [input],
      // The approver's inbox (`reclaim list`) filters on these; the workflow keeps state, scope and requester current.
      typedSearchAttributes: reclaimStartAttributes(input.tenantId),
      // A closed reclamation (rejected, expired, executed) may be requested again; an open one is never doubled.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new ReclamationOpenError(`A reclamation for this user is already open (${workflowId}): decide it first (reclaim approve|reject ${workflowId}).`, { cause: err });
    }
    throw err;
  }
}

/** Starts the undo of one reclamation's removal. */
export async function startRestore(
  client: Client,
  input: RestoreInput,
  opts: { taskQueue?: string } = {},
): Promise<WorkflowHandle<typeof restoreLicenses>> {
  return client.workflow.start(restoreLicenses, {
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    workflowId: restoreWorkflowId(input.reclaimWorkflowId),
    args: [input],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    workflowIdConflictPolicy: 'FAIL',
  });
}

/** The tenant id inside a reclamation id; a usage error for anything else. */
export function tenantOfWorkflowId(id: string): string {
  const parsed = parseReclaimWorkflowId(id);
  if (!parsed) throw new UsageError(`Not a reclamation id: ${id} (expected reclaim-<tenant>-<userObjectId>, as printed by reclaim request)`);
  return parsed.tenantId;
}

function parseSkus(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const list = v.split(/[\s,]+/).filter(Boolean).map((s) => s.toLowerCase());
  const bad = list.find((s) => !GUID.test(s));
  if (bad) throw new UsageError(`--skus takes SKU ids (GUIDs), got ${bad}`);
  if (list.length === 0) throw new UsageError('--skus needs at least one SKU id');
  return list;
}

function parseWhole(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${name} must be a whole number >= ${min}, got ${v}`);
  return n;
}

async function resolveUser(config: AppConfig, tenantId: string, upnOrId: string): Promise<string> {
  const tenant = createGraphFactory(config)(tenantId);
  const graph = tenant.client();
  try {
    const id = await resolveUserId(graph, upnOrId);
    if (!id) throw new Error(`No user ${GUID.test(upnOrId) ? upnOrId : 'with that name'} in tenant ${tenantId}.`);
    return id;
  } finally {
    await graph.close();
    await tenant.tokens.close();
  }
}

async function candidateIds(config: AppConfig, tenantId: string, days: number | undefined, limit: number | undefined): Promise<string[]> {
  if (!existsSync(config.dbPath)) throw new Error(`No published warehouse at ${config.dbPath}: run a daily sync first.`);
  const db = await openReadOnly(config.dbPath);
  try {
    const r = await db.query(
      `SELECT user_id FROM inactive_licensed_users
       WHERE tenant_id = $1 AND has_direct AND ($2::INTEGER IS NULL OR days_inactive IS NULL OR days_inactive >= $2::INTEGER)
       ORDER BY days_inactive DESC NULLS FIRST, user_id LIMIT $3`,
      [tenantId, days ?? null, limit ?? 1_000_000],
    );
    return r.rows.map((row) => row.user_id as string);
  } finally {
    db.close();
  }
}

interface RequestOptions {
  user?: string;
  fromCandidates?: boolean;
  inactiveDays?: string;
  limit?: string;
  reason?: string;
  skus?: string;
  dryRun?: boolean;
  by?: string;
  token?: string;
  tokenFile?: string;
  tenant?: string;
  approvalTimeout?: string;
  json?: boolean;
}

export function registerReclaim(program: Command): void {
  const reclaim = program.command('reclaim').description('take licences back from inactive users, with human approval, audit and undo');

  reclaim
    .command('request')
    .description('start a reclamation (one workflow per user) and print its id')
    .option('--user <upnOrId>', 'the user, by UPN or object id')
    .option('--from-candidates', 'one request per user of inactive_licensed_users (published warehouse)')
    .option('--inactive-days <n>', 'with --from-candidates: only users inactive at least N days')
    .option('--limit <k>', 'with --from-candidates: at most K requests')
    .option('--reason <text>', 'why (stored in the audit trail only, sealed on the way)')
    .option('--skus <ids>', 'only these SKU ids (comma-separated); default: every directly assigned licence')
    .option('--dry-run', 'go through approval and checks, record what would be removed, remove nothing')
    .option('--token <sealed>', `${TOKEN_OPTION_HELP} (default: sign in now)`)
    .option('--token-file <path>', TOKEN_FILE_OPTION_HELP)
    .option('--by <name>', 'lab mode only (M365_APPROVAL_IDENTITY=unverified): a name instead of a sign-in')
    .option('--tenant <tenant>', 'tenant id or name (default: the only one configured)')
    .option('--approval-timeout <duration>', 'how long to wait for a decision, e.g. 7d, 12h, 30m', '7d')
    .option('--json', 'one JSON line per request')
    .action(async (opts: RequestOptions) => {
      if (Boolean(opts.user) === Boolean(opts.fromCandidates)) throw new UsageError('give either --user UPN_OR_ID or --from-candidates');
      if (!opts.fromCandidates && (opts.inactiveDays !== undefined || opts.limit !== undefined)) throw new UsageError('--inactive-days and --limit go with --from-candidates');
      const days = parseWhole('--inactive-days', opts.inactiveDays, 0);
      const limit = parseWhole('--limit', opts.limit, 1);
      const skus = parseSkus(opts.skus);
      if (!/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(opts.approvalTimeout ?? '')) throw new UsageError(`--approval-timeout must look like 7d, 12h, 30m or 45s, got ${opts.approvalTimeout}`);
      const config = parseConfig();
      const tenantId = pickTenant(config, opts.tenant);
      // A given proof is bound to one workflow by `auth token <id>`: many requests need a sign-in here instead.
      if (opts.fromCandidates && (opts.token !== undefined || opts.tokenFile !== undefined)) throw new UsageError('--from-candidates signs you in here (one proof per request): omit --token/--token-file');
      const proofs = personProofs(config, { token: opts.token, tokenFile: opts.tokenFile, by: opts.by, tenant: tenantId });
      const userIds = opts.fromCandidates ? await candidateIds(config, tenantId, days, limit) : [await resolveUser(config, tenantId, opts.user!)];
      const reason = sealText(config, opts.reason);
      let refused = 0;
      await withTemporalClient(config, async (client) => {
        await ensureSearchAttributes(client, config.temporalNamespace);
        for (const userId of userIds) {
          const input: ReclaimInput = {
            tenantId,
            userId,
            requester: await proofs(
              { purpose: 'request', workflowId: reclaimWorkflowId(tenantId, userId) },
              opts.fromCandidates
                ? `request reclamations for ${userIds.length} candidate users of tenant ${tenantId}${opts.dryRun ? ' (DRY RUN)' : ''}`
                : `request the removal of ${skus ? skus.join(', ') : 'every directly assigned licence'} from user ${userId}${opts.dryRun ? ' (DRY RUN)' : ''}`,
            ),
            ...(reason ? { reason } : {}),
            ...(skus ? { skus } : {}),
            ...(opts.dryRun ? { dryRun: true } : {}),
            approvalTimeout: opts.approvalTimeout!.replace(/\s+/g, ''),
          };
          try {
            const h = await startReclamation(client, input, { taskQueue: config.taskQueue });
            process.stdout.write(opts.json ? `${JSON.stringify({ workflowId: h.workflowId, started: true })}\n` : `${h.workflowId}\n`);
          } catch (err) {
            if (!(err instanceof ReclamationOpenError)) throw err;
            refused++;
            if (opts.json) process.stdout.write(`${JSON.stringify({ workflowId: reclaimWorkflowId(tenantId, userId), started: false, reason: 'already_open' })}\n`);
            else process.stderr.write(`${err.message}\n`);
          }
        }
      });
      if (opts.fromCandidates) process.stderr.write(`${userIds.length - refused} requested, ${refused} already open, of ${userIds.length} candidates\n`);
      if (refused > 0 && !opts.fromCandidates) process.exitCode = 1;
    });

  registerDecisions(reclaim);
  registerReclaimList(reclaim);

  reclaim
    .command('status <id>')
    .description('what a reclamation will do or did: SKUs, group-inherited licences, mailbox warning, decisions')
    .option('--json', 'the state as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      tenantOfDecisionId(id);
      const config = parseConfig();
      await withTemporalClient(config, async (client) => {
        // Running: the status query; closed: the result, so a finished one needs no worker.
        const r = await readReclamation(client, id);
        if (r.kind === 'ended') {
          process.stdout.write(opts.json ? `${JSON.stringify(r.failure)}\n` : `${closedFailureLines(r.failure).join('\n')}\n`);
          process.exitCode = 1;
          return;
        }
        if (r.kind === 'restore_result') {
          const x = r.result;
          process.stdout.write(opts.json ? `${JSON.stringify(x)}\n` : `${id}: ${x.outcome}${x.skus.length ? ` (${x.skus.join(', ')})` : ''}${x.detail ? `: ${safeInline(x.detail)}` : ''}\n`);
          if (x.outcome !== 'restored') process.exitCode = 1;
          return;
        }
        const s = r.state;
        // Names and prices are looked up now, in the published warehouse: the workflow's state holds ids only.
        if (opts.json) process.stdout.write(`${safeJson(JSON.stringify({ ...s, names: namesJson(await lookUpStatusNames(config.dbPath, s)) }))}\n`);
        else process.stdout.write(`${statusLines(s, await requestTexts(config.dbPath, s), await lookUpStatusNames(config.dbPath, s)).join('\n')}\n`);
        if (s.status === 'failed') process.exitCode = 1;
      });
    });

  reclaim
    .command('restore <id>')
    .description('ask to assign back exactly what a reclamation removed (as its result in Temporal records); another approver approves')
    .option('--reason <text>', 'why (stored in the audit trail only)')
    .option('--token <sealed>', `${TOKEN_OPTION_HELP} (default: sign in now)`)
    .option('--token-file <path>', TOKEN_FILE_OPTION_HELP)
    .option('--by <name>', 'lab mode only (M365_APPROVAL_IDENTITY=unverified): a name instead of a sign-in')
    .option('--approval-timeout <duration>', 'how long to wait for a decision, e.g. 7d, 12h, 30m', '7d')
    .action(async (id: string, opts: { reason?: string; token?: string; tokenFile?: string; by?: string; approvalTimeout: string }) => {
      const config = parseConfig();
      const tenantId = pickTenant(config, tenantOfWorkflowId(id));
      if (!/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(opts.approvalTimeout)) throw new UsageError(`--approval-timeout must look like 7d, 12h, 30m or 45s, got ${opts.approvalTimeout}`);
      // Bound to the restore's own workflow id: a proof for the reclamation (or another restore) does not count.
      const requester = await personProofs(config, { token: opts.token, tokenFile: opts.tokenFile, by: opts.by, tenant: tenantId })({ purpose: 'request', workflowId: restoreWorkflowId(id) }, `request restoring the licences ${id} removed`);
      const reason = sealText(config, opts.reason);
      await withTemporalClient(config, async (client) => {
        const h = await startRestore(client, { tenantId, reclaimWorkflowId: id, requester, ...(reason ? { reason } : {}), approvalTimeout: opts.approvalTimeout.replace(/\s+/g, '') }, { taskQueue: config.taskQueue });
        process.stdout.write(`${h.workflowId}\n`);
        process.stderr.write(`waiting for another approver: reclaim status ${h.workflowId}, then reclaim approve ${h.workflowId}\n`);
      });
    });
}
