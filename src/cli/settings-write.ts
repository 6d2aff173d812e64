// How `settings set|unset` validates a change and gets it written. Validation: day ranges, SKU part numbers the
// tenant holds (or Microsoft's licensing reference knows), groups resolved to ids through Graph. Writing: a
// running warehouse worker owns (locks) the working database, so the change goes to it as an applySettings
// workflow; when nothing holds the file the command writes and publishes itself, as `import` does. Either way the
// process that writes checks the person's sealed sign-in first (activities/settings.ts).
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { createGraphFactory } from '../activities/graph-context';
import { createPersonVerifier } from '../activities/reclaim/approvals';
import { applySettingsRequest, writeSettingsRequest, type SettingsRequest } from '../activities/settings';
import { readApprovalPrivateKey } from '../identity/approval-key';
import type { AppConfig } from '../config';
import { GraphNotFoundError } from '../graph/errors';
import { rootMessage } from '../shared/errors';
import { settingsWorkflowId } from '../shared/names';
import { closeWarehouse, openReadOnly, WarehouseLockedError } from '../warehouse/index';
import type { WarehouseSettings } from '../warehouse/index';
import { applySettings } from '../workflows';
import { withTemporalClient } from './temporal-connection';
import { UsageError } from './usage-error';
import { SETTINGS_SCHEMA, type NumericSettingKey } from '../warehouse/rules/settings-schema';
import { hasGraphCredentials } from './known-tenant';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A number of days or hours for `flag`, checked against the setting's range; usage error (exit 2) outside it. */
export function parseDays(flag: string, key: NumericSettingKey, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  const [min, max] = SETTINGS_SCHEMA[key].range;
  const unit = SETTINGS_SCHEMA[key].kind;
  if (!/^\d+$/.test(v.trim()) || n < min || n > max) throw new UsageError(`${flag} must be a whole number of ${unit} from ${min} to ${max}, got ${v}`);
  return n;
}

export function parseUpnPatterns(list: string[] | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  for (const p of list) {
    if (!p.trim() || /\s/.test(p) || p.length > 256) throw new UsageError(`--exclude-upn takes UPN globs such as 'admin-*@contoso.com' (no spaces), got '${p}'`);
  }
  return [...new Set(list.map((p) => p.trim()))];
}

/** SKU part numbers, checked case-insensitively against the tenant's SKUs and the licensing reference; returns their canonical spelling. */
export async function resolveSkus(config: AppConfig, tenantId: string, list: string[] | undefined): Promise<string[] | undefined> {
  if (list === undefined) return undefined;
  if (!existsSync(config.dbPath)) throw new UsageError(`--exclude-sku needs the published warehouse (${config.dbPath}) to check SKU names: run a daily sync first.`);
  const db = await openReadOnly(config.dbPath);
  let known: string[];
  let tenants: string[];
  try {
    const r = await db.query(
      `SELECT DISTINCT sku_part_number AS part, true AS held FROM skus WHERE tenant_id = $1 AND sku_part_number IS NOT NULL
       UNION ALL SELECT DISTINCT sku_part_number, false FROM sku_reference WHERE sku_part_number IS NOT NULL`,
      [tenantId],
    );
    known = r.rows.map((row) => String(row.part));
    tenants = r.rows.filter((row) => row.held).map((row) => String(row.part));
  } finally {
    db.close();
  }
  const byLower = new Map(known.map((k) => [k.toLowerCase(), k]));
  const unknown = list.filter((s) => !byLower.has(s.trim().toLowerCase()));
  // A SKU the warehouse has not seen yet (bought since the last sync) may still be the tenant's: ask Graph, when it can.
  if (unknown.length > 0 && hasGraphCredentials(config, tenantId)) for (const part of await subscribedParts(config, tenantId)) byLower.set(part.toLowerCase(), part);
  return [
    ...new Set(
      list.map((s) => {
        const hit = byLower.get(s.trim().toLowerCase());
        if (!hit)
          throw new UsageError(`--exclude-sku: ${s} is not a SKU part number this tenant holds or Microsoft lists; the tenant holds ${[...new Set(tenants)].sort().join(', ')}`);
        return hit;
      }),
    ),
  ];
}

/** The part numbers of the tenant's subscribed SKUs, from Graph. */
async function subscribedParts(config: AppConfig, tenantId: string): Promise<string[]> {
  const tenant = createGraphFactory(config)(tenantId);
  const graph = tenant.client();
  try {
    return (await graph.getJson<{ value: { skuPartNumber?: string }[] }>('/v1.0/subscribedSkus?$select=skuPartNumber')).value.flatMap((k) =>
      k.skuPartNumber ? [k.skuPartNumber] : [],
    );
  } finally {
    await graph.close();
    await tenant.tokens.close();
  }
}

/** Group ids that assign licences in the tenant's latest snapshot: known without asking Graph. */
async function licensingGroupIds(dbPath: string, tenantId: string): Promise<Set<string>> {
  if (!existsSync(dbPath)) return new Set();
  const db = await openReadOnly(dbPath);
  try {
    const r = await db.query('SELECT DISTINCT lower(assigned_by_group) AS g FROM current_license_assignments WHERE tenant_id = $1 AND assigned_by_group IS NOT NULL', [tenantId]);
    return new Set(r.rows.map((row) => String(row.g)));
  } finally {
    db.close();
  }
}

/**
 * Group ids or display names, each resolved to exactly one group id: through Graph when the tenant's credentials
 * are configured; otherwise only ids of groups the warehouse knows (those that assign licences) are accepted.
 */
export async function resolveGroups(config: AppConfig, tenantId: string, list: string[] | undefined): Promise<string[] | undefined> {
  if (list === undefined) return undefined;
  if (list.length === 0) return [];
  if (!hasGraphCredentials(config, tenantId)) {
    const known = await licensingGroupIds(config.dbPath, tenantId);
    return [
      ...new Set(
        list.map((g) => {
          const id = g.trim().toLowerCase();
          if (known.has(id)) return id;
          throw new UsageError(
            GUID.test(id)
              ? `--exclude-group: ${g} assigns no licence in tenant ${tenantId} as the warehouse has it, and without the tenant's Graph credentials it cannot be checked: give a licensing group's id, or configure the tenant.`
              : `--exclude-group: resolving the group name '${g}' needs tenant ${tenantId}'s Graph credentials (not configured here): give the group's object id instead.`,
          );
        }),
      ),
    ];
  }
  return resolveGroupsThroughGraph(config, tenantId, list);
}

async function resolveGroupsThroughGraph(config: AppConfig, tenantId: string, list: string[]): Promise<string[]> {
  const tenant = createGraphFactory(config)(tenantId);
  const graph = tenant.client();
  try {
    const ids: string[] = [];
    for (const g of list) {
      if (GUID.test(g.trim())) {
        try {
          ids.push((await graph.getJson<{ id: string }>(`/v1.0/groups/${g.trim().toLowerCase()}?$select=id,displayName`)).id.toLowerCase());
        } catch (err) {
          if (err instanceof GraphNotFoundError) throw new UsageError(`--exclude-group: no group ${g} in tenant ${tenantId}`, { cause: err });
          throw err;
        }
        continue;
      }
      const filter = encodeURIComponent(`displayName eq '${g.trim().replaceAll("'", "''")}'`);
      const found = (await graph.getJson<{ value: { id: string }[] }>(`/v1.0/groups?$filter=${filter}&$select=id,displayName`)).value;
      if (found.length === 0) throw new UsageError(`--exclude-group: no group named '${g}' in tenant ${tenantId} (give its object id or exact display name)`);
      if (found.length > 1) throw new UsageError(`--exclude-group: ${found.length} groups are named '${g}': give the object id (${found.map((f) => f.id).join(', ')})`);
      ids.push(found[0]!.id.toLowerCase());
    }
    return [...new Set(ids)];
  } finally {
    await graph.close();
    await tenant.tokens.close();
  }
}

export type WritePath = 'worker' | 'direct';

/** Closes the tenant's token provider if the check created one (its connections would keep the CLI alive). */
async function closeTokens(graphFor: ReturnType<typeof createGraphFactory>, tenantId: string): Promise<void> {
  try {
    await graphFor(tenantId).tokens.close();
  } catch {
    /* nothing was opened */
  }
}

/**
 * Writes the change and publishes. While another process (a warehouse worker) owns the working database, the
 * change goes to that worker as an applySettings workflow; otherwise this process writes it, as `import` does.
 */
export async function writeSettings(config: AppConfig, request: SettingsRequest): Promise<{ via: WritePath; effective?: Required<WarehouseSettings> }> {
  // Writing itself, this process is the one that checks the sign-in: it needs the workers' approval key, as they do.
  const graphFor = createGraphFactory(config);
  const verifier = createPersonVerifier({ config, graphFor, approvalKey: () => readApprovalPrivateKey(config) });
  try {
    return { via: 'direct', effective: (await applySettingsRequest({ workDbPath: config.workDbPath, dbPath: config.dbPath }, request, verifier)).effective };
  } catch (err) {
    if (!(err instanceof WarehouseLockedError)) throw err;
  } finally {
    await verifier.close();
    await closeTokens(graphFor, request.tenantId);
    await closeWarehouse();
  }
  await withTemporalClient(config, async (client) => {
    const requestFile = writeSettingsRequest(config.dataDir, request);
    const handle = await client.workflow.start(applySettings, {
      taskQueue: config.taskQueue,
      workflowId: settingsWorkflowId(request.tenantId, randomUUID().slice(0, 8)),
      args: [{ tenantId: request.tenantId, requestFile }],
      // A worker that holds the database but no longer polls: fail instead of waiting for ever.
      workflowExecutionTimeout: '2 minutes',
    });
    const r = await handle.result().catch((err: unknown) => {
      // The worker's refusal (not a settings admin, a bad sign-in) is the message to show, not Temporal's wrapper.
      throw new Error(rootMessage(err), { cause: err });
    });
    if (!r.applied)
      throw new Error(`The warehouse worker did not find the settings request ${requestFile}: run settings set where the worker's data directory (${config.dataDir}) is.`);
  });
  return { via: 'worker' };
}
