// Activities are plain async functions built from their dependencies; the worker registers them.
import type { KeyObject } from 'node:crypto';
import type { AppConfig } from '../config';
import { ensureApprovalKey } from '../identity/approval-key';
import { createAuthoriser } from '../identity/authorisation';
import { createApprovalActivities, createPersonVerifier } from './reclaim/approvals';
import { createExtractActivities } from './extract';
import { RequestRate, signInPaceFile } from '../graph/request-rate';
import { createSpendExtractActivities } from './extract-spend';
import { createGraphFactory, type GraphFactory } from './graph-context';
import { createHealthActivities } from './health';
import { createNotifyActivities, webhookTarget } from './notify';
import { createReclaimActivities } from './reclaim/licences';
import { createUserNoticeActivities } from './reclaim/user-notice';
import { ensureNoticeKeyFile } from '../identity/notice-token';
import { createSettingsActivities } from './settings';
import { createReclaimOutcomeActivities } from './reclaim/outcome';
import { createRunFileActivities } from './run-files';
import { createWarehouseWriteActivities } from './warehouse';
import type { Logger } from '../logger';
import { Slots } from '../shared/slots';

export interface ActivityDeps {
  config: AppConfig;
  /** Injected by tests that need a special client; defaults to one built from the configuration. */
  graphFor?: GraphFactory;
  /** The worker's logger (JSON lines); the Graph client and token provider log retries and failures through it. */
  logger?: Logger;
}

/** The workers' approval key, created on first use when missing (approval-key.ts). */
const approvalKeyOf = (config: AppConfig): (() => KeyObject) => {
  let key: KeyObject | undefined;
  return () => (key ??= ensureApprovalKey(config));
};

/** Activities served on the main task queue (Graph calls, staging files). */
export function createMainActivities(deps: ActivityDeps) {
  const graphFor = deps.graphFor ?? createGraphFactory(deps.config, deps.logger);
  const approvalKey = approvalKeyOf(deps.config);
  // At start-up, so the public key is on disk before anyone seals with it (and the answer page's key beside it).
  ensureNoticeKeyFile(deps.config.approvalKeyFile, approvalKey());
  const authoriser = createAuthoriser({ config: deps.config, approvalKey, graphFor });
  return {
    ...createApprovalActivities({ config: deps.config, graphFor, approvalKey }),
    ...createHealthActivities(),
    ...createExtractActivities({
      dataDir: deps.config.dataDir,
      graphFor,
      pageSizes: { users: deps.config.usersPageSize, signIn: deps.config.signInPageSize },
      delta: { mode: deps.config.usersDelta, fullWalkEvery: deps.config.fullWalkEvery },
      signInRate: new RequestRate(signInPaceFile(deps.config.dataDir), deps.config.signInPerMinute),
      shards: { shards: deps.config.usersShards, minUsers: deps.config.usersShardMin },
      signInBudgetMinutes: deps.config.signInMaxMinutes,
      pageSlots: new Slots(deps.config.graphPagesInFlight),
    }),
    ...createSpendExtractActivities({ dataDir: deps.config.dataDir, graphFor }),
    ...createRunFileActivities({ dataDir: deps.config.dataDir }),
    ...createReclaimActivities({ graphFor, dbPath: deps.config.dbPath, approvalKey, authoriser }),
    ...createUserNoticeActivities({ config: deps.config, graphFor, dbPath: deps.config.dbPath, approvalKey, authoriser }),
    ...createNotifyActivities({ webhook: webhookTarget(deps.config), approvalKey }),
    ...createReclaimOutcomeActivities(),
  };
}

/** Activities served on the warehouse queue (every DuckDB write; the writes themselves run one at a time). */
export function createWarehouseActivities(deps: ActivityDeps) {
  const approvalKey = approvalKeyOf(deps.config);
  // Graph only to check an approver's group membership before an audit row records their approval.
  const graphFor = deps.graphFor ?? createGraphFactory(deps.config, deps.logger);
  return {
    ...createWarehouseWriteActivities({
      workDbPath: deps.config.workDbPath,
      dbPath: deps.config.dbPath,
      approvalKey,
      authoriser: createAuthoriser({ config: deps.config, approvalKey, graphFor }),
      historyDays: deps.config.historyDays,
    }),
    // Settings changes are checked by the writer that applies them: the same sign-in check as approvals.
    ...createSettingsActivities(
      { workDbPath: deps.config.workDbPath, dbPath: deps.config.dbPath, dataDir: deps.config.dataDir },
      createPersonVerifier({ config: deps.config, graphFor, approvalKey }),
    ),
  };
}

export type MainActivities = ReturnType<typeof createMainActivities>;
export type WarehouseActivities = ReturnType<typeof createWarehouseActivities>;
