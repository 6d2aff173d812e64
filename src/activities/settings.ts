// Settings changes on the warehouse queue: the writer process owns the working database, so `settings set` hands
// it the change through a request file (0600, in the data directory; the workflow's history holds only the
// file's path, never a UPN pattern), and this activity applies it, publishes, and removes the file.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { publish, SETTING_KEYS, updateSettings, type SettingKey } from '../warehouse';
import type { WarehouseSettings } from '../warehouse/types';

const requestSchema = z.object({
  tenantId: z.string().min(1),
  actor: z.string().min(1),
  set: z
    .object({
      inactivityDays: z.number().int().optional(),
      graceDays: z.number().int().optional(),
      freshnessDays: z.number().int().optional(),
      excludeUpnPatterns: z.array(z.string()).optional(),
      excludeGroupIds: z.array(z.string()).optional(),
      excludeSkuPartNumbers: z.array(z.string()).optional(),
    })
    .strict(),
  unset: z.array(z.enum(SETTING_KEYS as [SettingKey, ...SettingKey[]])),
});
export type SettingsRequest = z.infer<typeof requestSchema>;

/** The change is not where the workflow says: it was written on another machine, or tampered with. */
export class SettingsRequestError extends Error {
  override name = 'SettingsRequestError';
}

export const requestsDirOf = (dataDir: string): string => path.join(dataDir, 'requests');

/** Writes a request for the warehouse writer; returns its path. */
export function writeSettingsRequest(dataDir: string, request: SettingsRequest): string {
  const dir = requestsDirOf(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `settings-${randomUUID()}.json`);
  writeFileSync(file, JSON.stringify(request), { mode: 0o600 });
  return file;
}

/** Applies one request to the working database and publishes; the single place both write paths go through. */
export async function applySettingsRequest(paths: { workDbPath: string; dbPath: string }, r: SettingsRequest): Promise<Required<WarehouseSettings>> {
  const effective = await updateSettings(paths.workDbPath, r.tenantId, r.set, { unset: r.unset, actor: r.actor });
  await publish(paths.workDbPath, paths.dbPath);
  return effective;
}

export function createSettingsActivities(paths: { workDbPath: string; dbPath: string; dataDir: string }) {
  const dir = path.resolve(requestsDirOf(paths.dataDir));
  return {
    /** Applies the request file's change and publishes. A retry that finds the file gone did the work already. */
    async applySettings(input: { requestFile: string }): Promise<{ applied: boolean; keys: string[] }> {
      const file = path.resolve(input.requestFile);
      if (path.dirname(file) !== dir) throw new SettingsRequestError(`Settings requests are read from ${dir} only, not ${file}: run settings set where the warehouse worker's data directory is.`);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { applied: false, keys: [] };
        throw err;
      }
      const parsed = requestSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new SettingsRequestError(`The settings request ${file} is malformed: run settings set again.`, { cause: parsed.error });
      await applySettingsRequest(paths, parsed.data);
      rmSync(file, { force: true });
      return { applied: true, keys: [...Object.keys(parsed.data.set), ...parsed.data.unset] };
    },
  };
}
