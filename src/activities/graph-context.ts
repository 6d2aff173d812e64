// One token provider per tenant per worker process, so MSAL's token cache is reused across activities;
// a Graph client per activity, so retries can report to that activity's heartbeat. Both log through the worker's
// logger, which stamps each line with the running activity's ids (src/logger.ts).
import { Context } from '@temporalio/activity';
import type { AppConfig } from '../config';
import { GraphClient, type GraphClientOptions } from '../graph/client';
import { TokenProvider } from '../graph/token-provider';
import { silentLogger, type Logger } from '../logger';
import { resolveTenant, type TenantConnection } from '../tenants';
import { withHeartbeat } from './heartbeat';

export interface TenantGraph {
  tenant: TenantConnection;
  tokens: TokenProvider;
  /** A new client for one activity; close it when done. */
  client(overrides?: Partial<GraphClientOptions>): GraphClient;
}

export type GraphFactory = (tenantId: string) => TenantGraph;

export function createGraphFactory(config: AppConfig, logger: Logger = silentLogger): GraphFactory {
  const cache = new Map<string, TenantGraph>();
  return (tenantId) => {
    const hit = cache.get(tenantId);
    if (hit) return hit;
    const tenant = resolveTenant(config, tenantId);
    const tokens = new TokenProvider(tenant, { logger });
    const made: TenantGraph = {
      tenant,
      tokens,
      client: (overrides) => new GraphClient({ graphUrl: tenant.graphUrl, tokens, caPem: tenant.caPem, logger, paceMs: config.graphPaceMs, ...overrides }),
    };
    cache.set(tenantId, made);
    return made;
  };
}

/**
 * Runs `fn` with a Graph client for one activity: every in-process retry wait and a timer heartbeat the activity
 * (with `details`, e.g. page counts), so a dead worker is noticed while Graph throttles; the client is always closed.
 */
export async function withActivityGraph<T>(graphFor: GraphFactory, tenantId: string, fn: (graph: GraphClient) => Promise<T>, details?: () => unknown): Promise<T> {
  const ctx = Context.current();
  const graph = graphFor(tenantId).client({ onRetry: () => ctx.heartbeat(details?.()) });
  try {
    return await withHeartbeat(() => fn(graph), details);
  } finally {
    await graph.close();
  }
}
