// `m365-license reclaim request`: one reclamation per user, for one user (UPN or object id) or the warehouse's
// candidates. A UPN given on the command line is resolved to the object id here, so only ids reach workflow history.
import { existsSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { parseConfig, type AppConfig } from '../../config';
import { createGraphFactory } from '../../activities/graph-context';
import { resolveUserId } from '../../activities/reclaim/licences';
import { reclaimWorkflowId } from '../../shared/names';
import { pickTenant } from '../../tenants';
import { openReadOnly } from '../../warehouse/index';
import type { ReclaimInput } from '../../workflows/reclaim/messages';
import { personProofs, sealText, TOKEN_FILE_OPTION_HELP, TOKEN_OPTION_HELP } from './proof';
import { ensureSearchAttributes } from './list';
import { withTemporalClient } from '../temporal-connection';
import { parseNoticeDays, peopleSteps } from './people-steps';
import { ReclamationOpenError, startReclamation } from './start';
import { UsageError } from '../usage-error';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseSkus(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const list = v
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((s) => s.toLowerCase());
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
  noticeDays?: string;
  json?: boolean;
}

/** What every request of one `reclaim request` run shares. */
interface RequestPlan {
  config: AppConfig;
  tenantId: string;
  userIds: string[];
  skus: string[] | undefined;
  reason: string | undefined;
  steps: Awaited<ReturnType<typeof peopleSteps>>;
  proofs: ReturnType<typeof personProofs>;
  opts: RequestOptions;
}

/** Starts one user's reclamation and prints its id; false when one is already open for that user. */
async function requestOne(client: Client, plan: RequestPlan, userId: string): Promise<boolean> {
  const { config, tenantId, userIds, skus, reason, steps, proofs, opts } = plan;
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
    ...steps,
  };
  try {
    const h = await startReclamation(client, input, { taskQueue: config.taskQueue });
    process.stdout.write(opts.json ? `${JSON.stringify({ workflowId: h.workflowId, started: true })}\n` : `${h.workflowId}\n`);
    return true;
  } catch (err) {
    if (!(err instanceof ReclamationOpenError)) throw err;
    if (opts.json) process.stdout.write(`${JSON.stringify({ workflowId: reclaimWorkflowId(tenantId, userId), started: false, reason: 'already_open' })}\n`);
    else process.stderr.write(`${err.message}\n`);
    return false;
  }
}

async function requestReclamations(opts: RequestOptions): Promise<void> {
  if (Boolean(opts.user) === Boolean(opts.fromCandidates)) throw new UsageError('give either --user UPN_OR_ID or --from-candidates');
  if (!opts.fromCandidates && (opts.inactiveDays !== undefined || opts.limit !== undefined)) throw new UsageError('--inactive-days and --limit go with --from-candidates');
  const days = parseWhole('--inactive-days', opts.inactiveDays, 0);
  const limit = parseWhole('--limit', opts.limit, 1);
  const skus = parseSkus(opts.skus);
  const noticeDays = parseNoticeDays(opts.noticeDays);
  if (!/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(opts.approvalTimeout ?? '')) throw new UsageError(`--approval-timeout must look like 7d, 12h, 30m or 45s, got ${opts.approvalTimeout}`);
  const config = parseConfig();
  const tenantId = pickTenant(config, opts.tenant);
  // A given proof is bound to one workflow by `auth token <id>`: many requests need a sign-in here instead.
  if (opts.fromCandidates && (opts.token !== undefined || opts.tokenFile !== undefined))
    throw new UsageError('--from-candidates signs you in here (one proof per request): omit --token/--token-file');
  const proofs = personProofs(config, { token: opts.token, tokenFile: opts.tokenFile, by: opts.by, tenant: tenantId });
  const userIds = opts.fromCandidates ? await candidateIds(config, tenantId, days, limit) : [await resolveUser(config, tenantId, opts.user!)];
  const reason = sealText(config, opts.reason);
  const steps = await peopleSteps(config, tenantId, noticeDays);
  const plan: RequestPlan = { config, tenantId, userIds, skus, reason, steps, proofs, opts };
  let refused = 0;
  await withTemporalClient(config, async (client) => {
    await ensureSearchAttributes(client, config.temporalNamespace);
    for (const userId of userIds) if (!(await requestOne(client, plan, userId))) refused++;
  });
  if (opts.fromCandidates) process.stderr.write(`${userIds.length - refused} requested, ${refused} already open, of ${userIds.length} candidates\n`);
  if (refused > 0 && !opts.fromCandidates) process.exitCode = 1;
}

export function registerRequest(reclaim: Command): void {
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
    .option('--notice-days <n>', 'after approval, mail the user and wait N days for "I still need it" (0: remove at once; default: the tenant setting)')
    .option('--json', 'one JSON line per request')
    .action((opts: RequestOptions) => requestReclamations(opts));
}
