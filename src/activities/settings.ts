// Settings changes on the warehouse queue: the writer process owns the working database, so `settings set` hands
// it the change through a request file (0600, in the data directory; the workflow's history holds only the
// file's path, never a UPN pattern), and this activity applies it, publishes, and removes the file.
// Who made the change comes from their Entra sign-in, sealed and bound to exactly this change, and checked here,
// by whichever process applies it (the worker, or `settings` itself when no worker runs): a member of the tenant's
// settings-admins group, recorded by object id. The request file alone proves nothing.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { z } from 'zod';
import { publishCovering, SETTING_KEYS, updateSettings, type SettingKey } from '../warehouse';
import { SETTINGS_SCHEMA, type SettingSpec } from '../warehouse/rules/settings-schema';
import type { WarehouseSettings } from '../warehouse/index';
import type { ProofBinding } from '../identity/proof';
import type { IdentityVerdict, PersonVerifier, VerifyHooks } from './reclaim/approvals';

/** Each setting as a change may carry it: numbers within the setting's range, lists of strings. */
const settingShape = Object.fromEntries(
  SETTING_KEYS.map((k) => {
    const spec: SettingSpec = SETTINGS_SCHEMA[k];
    return [k, spec.range ? z.number().int().min(spec.range[0]).max(spec.range[1]).optional() : z.array(z.string()).optional()];
  }),
) as { [K in SettingKey]-?: z.ZodOptional<WarehouseSettings[K] extends number | undefined ? z.ZodNumber : z.ZodArray<z.ZodString>> };

const requestSchema = z.object({
  tenantId: z.string().min(1),
  /** A sealed sign-in bound to this change (settingsBinding), or a name in the lab mode only. */
  proof: z.object({ idToken: z.string().optional(), by: z.string().optional() }).strict(),
  set: z.object(settingShape).strict(),
  unset: z.array(z.enum(SETTING_KEYS as [SettingKey, ...SettingKey[]])),
});
export type SettingsRequest = z.infer<typeof requestSchema>;

/** The change is not where the workflow says: it was written on another machine, or tampered with. */
export class SettingsRequestError extends Error {
  override name = 'SettingsRequestError';
}

export const requestsDirOf = (dataDir: string): string => path.join(dataDir, 'requests');

/** The change a proof is bound to: the tenant and exactly these keys and values (order aside). */
export function settingsBinding(r: Pick<SettingsRequest, 'tenantId' | 'set' | 'unset'>): ProofBinding {
  const set = Object.fromEntries(
    Object.entries(r.set)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  const change = JSON.stringify({ tenantId: r.tenantId, set, unset: [...r.unset].sort() });
  return { purpose: 'settings', workflowId: `settings-${r.tenantId}`, scopeHash: createHash('sha256').update(change).digest('hex') };
}

/** The verdict as the one who changes settings, or SettingsRequestError naming the problem and what to do. */
async function settingsAdmin(verifier: PersonVerifier, r: SettingsRequest, hooks?: VerifyHooks): Promise<Extract<IdentityVerdict, { ok: true }>> {
  const v = await verifier.verify({ tenantId: r.tenantId, proof: r.proof, role: 'settings_admin', expect: settingsBinding(r) }, hooks);
  if (!v.ok) {
    throw new SettingsRequestError(`Settings not changed: the sign-in was refused (${v.problem}). Run settings set|unset again and sign in as a settings admin.`);
  }
  if (!v.approver) {
    throw new SettingsRequestError(
      `Settings not changed: ${v.objectId} is not a member of the tenant's settings-admins group (M365_SETTINGS_ADMINS_GROUP_ID, default the approvers group).`,
    );
  }
  return v;
}

/** Writes a request for the warehouse writer; returns its path. */
export function writeSettingsRequest(dataDir: string, request: SettingsRequest): string {
  const dir = requestsDirOf(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `settings-${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(request), { mode: 0o600 });
  return file;
}

/**
 * Checks who asks, applies one request to the working database and publishes; the single place both write paths go
 * through. Returns the effective settings and the actor recorded (an object id).
 */
export async function applySettingsRequest(
  paths: { workDbPath: string; dbPath: string },
  r: SettingsRequest,
  verifier: PersonVerifier,
  hooks?: VerifyHooks,
): Promise<{ effective: Required<WarehouseSettings>; actor: string }> {
  const who = await settingsAdmin(verifier, r, hooks);
  const effective = await updateSettings(paths.workDbPath, r.tenantId, r.set, { unset: r.unset, actor: who.objectId });
  // Through the writer's one publisher: in the warehouse worker, a load's publish may be running at this moment.
  await publishCovering(paths.workDbPath, paths.dbPath);
  return { effective, actor: who.objectId };
}

export function createSettingsActivities(paths: { workDbPath: string; dbPath: string; dataDir: string }, verifier: PersonVerifier) {
  const dir = path.resolve(requestsDirOf(paths.dataDir));
  return {
    /** Applies the request file's change and publishes. A retry that finds the file gone did the work already. */
    async applySettings(input: { requestFile: string }): Promise<{ applied: boolean; keys: string[] }> {
      const file = path.resolve(input.requestFile);
      if (path.dirname(file) !== dir)
        throw new SettingsRequestError(`Settings requests are read from ${dir} only, not ${file}: run settings set where the warehouse worker's data directory is.`);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { applied: false, keys: [] };
        throw err;
      }
      const ctx = Context.current();
      try {
        const request = parseRequest(file, text);
        await applySettingsRequest(paths, request, verifier, { logError: (m, f) => ctx.log.error(m, f), heartbeat: () => ctx.heartbeat() });
        rmSync(file, { force: true });
        return { applied: true, keys: [...Object.keys(request.set), ...request.unset] };
      } catch (err) {
        // A refused or malformed request is spent: it cannot become valid, and must not wait there for a later attempt.
        if (err instanceof SettingsRequestError) rmSync(file, { force: true });
        throw err;
      }
    },
  };
}

/** The request file's change, or a SettingsRequestError saying what is wrong with it. */
function parseRequest(file: string, text: string): z.infer<typeof requestSchema> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new SettingsRequestError(`The settings request ${file} is not JSON: run settings set again.`, { cause });
  }
  const parsed = requestSchema.safeParse(raw);
  if (!parsed.success) throw new SettingsRequestError(`The settings request ${file} is malformed: run settings set again.`, { cause: parsed.error });
  return parsed.data;
}
