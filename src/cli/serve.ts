// `m365-license serve`: the approver's web inbox (src/web/). Reads Temporal (as `reclaim list|status`) and the
// published warehouse, signs people in on the approval app (authorization code flow with PKCE) and sends their
// decisions sealed for the workers, exactly as `reclaim approve|reject`. It needs no secret: the public key only.
import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { parseConfig, type AppConfig } from '../config';
import { readApprovalPublicKey } from '../identity/approval-key';
import { approvalSettings, requireVerifiable } from '../identity/approval-settings';
import { createLogger, type Logger } from '../logger';
import { reasonOf, temporalConnectionOptions } from '../temporal/tls';
import { pickTenant } from '../tenants';
import { parseServeOptions, ServeOptionError, type ServeOptions } from '../web/options';
import type { Mount } from '../web/routes';
import { startWebServer, type RunningWebServer } from '../web/server';
import { UsageError } from './usage-error';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createUserResponseHandler, fileResponseStore, noticeKeyFile, readNoticeKeyFile, temporalDelivery, USER_RESPONSE_PREFIX } from '../web/user-response';

/** Starts the inbox for one tenant of `config` on `client` (the caller owns the client's connection). */
export function startInbox(config: AppConfig, client: Client, opts: ServeOptions, extra: { tenant?: string; logger: Logger; mounts?: Mount[] }): Promise<RunningWebServer> {
  const tenantId = pickTenant(config, extra.tenant);
  const s = requireVerifiable(approvalSettings(config, tenantId));
  return startWebServer(opts, {
    client,
    tenantId,
    taskQueue: config.taskQueue,
    dbPath: config.dbPath,
    publicKey: readApprovalPublicKey(config),
    maxAgeSeconds: s.maxAgeSeconds,
    authorityHost: s.authorityHost,
    clientId: s.clientId,
    ...(s.caPem ? { caPem: s.caPem } : {}),
    logger: extra.logger,
    ...(extra.mounts ? { mounts: extra.mounts } : {}),
  });
}

/**
 * The users' "I still need it" page, when the workers' derived notice key is here (they write it beside their
 * approval key; on another host copy that file, never the approval key). Without it the page is not served.
 */
export function userResponseMounts(cfg: AppConfig, client: Client, logger: Logger): Mount[] {
  const keyFile = noticeKeyFile(cfg.approvalKeyFile);
  if (!existsSync(keyFile)) {
    logger.warn({ keyFile }, 'the "I still need it" page is off: no notice key (start a worker once, or copy its notice-key file)');
    return [];
  }
  const handler = createUserResponseHandler({
    noticeKey: readNoticeKeyFile(keyFile),
    store: fileResponseStore(path.join(cfg.dataDir, 'user-responses')),
    deliver: temporalDelivery(client),
    log: (message, fields) => logger.warn(fields, message),
  });
  return [{ prefix: USER_RESPONSE_PREFIX, handler }];
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description("the approver's web inbox: sign in with Entra ID, review waiting reclamations with names and costs, approve or reject")
    .option('--host <address>', 'address to listen on; anything but loopback needs --tls-cert and --tls-key', '127.0.0.1')
    .option('--port <n>', 'port to listen on', '8400')
    .option('--tls-cert <file>', 'TLS certificate chain (PEM)')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--public-url <url>', 'the address people open, when a proxy stands in front (the sign-in redirect URI is <url>/auth/callback)')
    .option('--tenant <tenant>', 'tenant id or name (default: the one configured)')
    .action(async (o: { host: string; port: string; tlsCert?: string; tlsKey?: string; publicUrl?: string; tenant?: string }) => {
      let opts: ServeOptions;
      try {
        opts = parseServeOptions(o);
      } catch (err) {
        if (err instanceof ServeOptionError) throw new UsageError(err.message, { cause: err });
        throw err;
      }
      const cfg = parseConfig();
      if (cfg.approvalIdentity === 'unverified') throw new UsageError('The web inbox signs people in: it does not run in the lab mode (M365_APPROVAL_IDENTITY=unverified).');
      const logger = createLogger({ level: cfg.logLevel });
      const address = cfg.temporalAddress ?? '127.0.0.1:7233';
      const connection = await Connection.connect({ address, connectTimeout: 5_000, ...temporalConnectionOptions(cfg) }).catch((err: unknown) => {
        throw new Error(`Cannot reach a Temporal server at ${address} (${reasonOf(err)}): start one (\`m365-license dev --keep-running\`) or set TEMPORAL_ADDRESS.`, {
          cause: err,
        });
      });
      const client = new Client({ connection, namespace: cfg.temporalNamespace });
      const mounts = userResponseMounts(cfg, client, logger);
      const web = await startInbox(cfg, client, opts, { ...(o.tenant ? { tenant: o.tenant } : {}), logger, mounts });
      process.stderr.write(`web inbox: ${web.url} (sign-in redirect URI: ${web.url}/auth/callback)\n`);
      await new Promise<void>((resolve) => {
        for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
      });
      await web.close();
      await connection.close();
    });
}
