// Many tenants behind one app in one simulator process: each tenant has its own seed, size, state and fault engine;
// they share the servers, the app registration (client id, secret, certificate) and the realistic profile's per-app
// buckets. Requests are routed by the tenant in the identity URL, or by the `tid` of the bearer token on Graph.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimContext } from './context';
import { decodeJwt } from './jwt';
import { createRunner } from './request-pipeline';
import { downloadListener, mainListener } from './routes';

export interface TenantSize {
  users: number;
  /** Own seed (default: the first tenant's seed + its position). */
  seed?: number;
}

export class TenantsSpecError extends Error {
  override name = 'TenantsSpecError';
}

/**
 * `N` (N tenants of `users` each) or a size distribution `COUNTxUSERS,...` (e.g. `1000x300,20x50000`), in that
 * order; seeds follow the first tenant's seed.
 */
export function parseTenants(spec: string | number | TenantSize[] | undefined, users: number, seed: number): TenantSize[] {
  if (spec === undefined) return [{ users, seed }];
  if (Array.isArray(spec)) return spec.map((t, i) => ({ users: t.users, seed: t.seed ?? seed + i }));
  const text = String(spec).trim();
  const groups: Array<[number, number]> = /^\d+$/.test(text)
    ? [[Number(text), users]]
    : text.split(',').map((g) => {
        const m = /^\s*(\d+)\s*x\s*(\d+)\s*$/.exec(g);
        if (!m) throw new TenantsSpecError(`tenants "${g}": expected COUNTxUSERS (e.g. 1000x300) or a plain count`);
        return [Number(m[1]), Number(m[2])];
      });
  const out: TenantSize[] = [];
  for (const [count, size] of groups) for (let i = 0; i < count; i++) out.push({ users: size, seed: seed + out.length });
  if (out.length === 0) throw new TenantsSpecError('tenants: at least one tenant');
  return out;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** The request listeners of both origins for a fleet; the first context answers what names no known tenant. */
export function fleetListeners(contexts: SimContext[]): { main: Listener; download: Listener } {
  const byTenant = new Map<string, number>();
  contexts.forEach((c, i) => {
    byTenant.set(c.tenantId, i);
    byTenant.set(c.tenantDomain, i);
  });
  const mains = contexts.map((c) => mainListener(c, createRunner(c.state, c.authorityHost)));
  const downloads = contexts.map((c) => downloadListener(c, createRunner(c.state, c.authorityHost)));
  if (contexts.length === 1) return { main: mains[0]!, download: downloads[0]! };
  const graphTenant = (req: IncomingMessage): number => {
    const h = req.headers.authorization;
    const tid = h && /^Bearer /i.test(h) ? decodeJwt(h.slice(7).trim())?.payload.tid : undefined;
    return typeof tid === 'string' ? (byTenant.get(tid) ?? 0) : 0;
  };
  return {
    main: (req, res) => {
      const seg = decodeURIComponent((req.url ?? '/').split('?')[0]!.split('/').filter(Boolean)[0] ?? '').toLowerCase();
      const i = seg === 'v1.0' || seg === 'beta' ? graphTenant(req) : (byTenant.get(seg) ?? 0);
      mains[i]!(req, res);
    },
    download: (req, res) => {
      const token = /\/data\/download\/([A-Za-z0-9_-]+)/.exec(req.url ?? '')?.[1] ?? '';
      const i = contexts.findIndex((c) => c.downloads.has(token));
      (i < 0 ? downloads[0]! : downloads[i]!)(req, res);
    },
  };
}
