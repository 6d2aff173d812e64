// Configuration: read once at the edge (environment, optional .env), validated with one message per bad value.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TASK_QUEUE } from './shared/names';

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const urlText = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .refine((v) => /^https:\/\//.test(v), { message: 'must be an https:// URL' })
    .transform((v) => v.replace(/\/+$/, ''));

/** https anywhere; plain http only to this machine (a local relay), where nothing crosses a network. */
function isWebhookUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || (u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname));
  } catch {
    return false;
  }
}

const envSchema = z.object({
  M365_TENANT_ID: optionalText,
  M365_CLIENT_ID: optionalText,
  M365_CLIENT_SECRET: optionalText,
  M365_CLIENT_CERT_PATH: optionalText,
  M365_CLIENT_CERT_THUMBPRINT: optionalText,
  M365_CA_FILE: optionalText,
  M365_AUTHORITY_HOST: urlText('https://login.microsoftonline.com'),
  M365_GRAPH_URL: urlText('https://graph.microsoft.com'),
  M365_DATA_DIR: z.string().trim().default('data'),
  M365_DB: optionalText,
  M365_TENANTS_FILE: optionalText,
  M365_KEEP_RUNS: z.coerce.number().int().min(1).default(7),
  M365_USERS_PAGE_SIZE: z.coerce.number().int().min(1).max(999).default(999),
  M365_SIGNIN_PAGE_SIZE: z.coerce.number().int().min(1).max(999).default(500),
  M365_GRAPH_PACE_MS: z.coerce.number().int().min(0).default(1000),
  M365_SIGNIN_PER_MINUTE: z.coerce.number().min(0).default(10),
  M365_SIGNIN_MAX_MINUTES: z.coerce.number().min(0).default(120),
  M365_USERS_DELTA: z.enum(['off', 'auto', 'always']).default('off'),
  M365_FULL_WALK_EVERY: z.coerce.number().int().min(1).default(7),
  M365_USERS_SHARDS: z.coerce.number().int().min(1).max(36).default(8),
  M365_USERS_SHARD_MIN: z.coerce.number().int().min(0).default(25_000),
  M365_GRAPH_ACTIVITY_SLOTS: z.coerce.number().int().min(1).max(1000).default(40),
  M365_GRAPH_PAGES_IN_FLIGHT: z.coerce.number().int().min(1).max(1000).default(32),
  M365_WAREHOUSE_ACTIVITY_SLOTS: z.coerce.number().int().min(1).max(1000).default(20),
  M365_SCHEDULE_JITTER_MINUTES: z.coerce.number().int().min(0).max(1440).default(30),
  M365_HISTORY_DAYS: z.coerce.number().int().min(0).default(730),
  M365_DUCKDB_MEMORY_LIMIT: z
    .string()
    .trim()
    .regex(/^(\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB))?$/i, { message: 'must be a size such as 512MB or 2GB' })
    .optional(),
  M365_RECLAIM_ENABLED: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  M365_NOTIFY_WEBHOOK: optionalText.refine((v) => v === undefined || isWebhookUrl(v), {
    message: 'must be an https:// URL (http:// only for localhost or 127.0.0.1)',
  }),
  M365_NOTIFY_SECRET: optionalText,
  M365_NOTIFY_FORMAT: z.enum(['json', 'teams', 'slack']).default('json'),
  M365_INBOX_URL: optionalText.refine((v) => v === undefined || isWebhookUrl(v), { message: 'must be an https:// URL (http:// only for localhost or 127.0.0.1)' }),
  M365_MAIL_SENDER: optionalText,
  M365_ESCALATION_GROUP_ID: optionalText,
  M365_APPROVAL_CLIENT_ID: optionalText,
  M365_APPROVERS_GROUP_ID: optionalText,
  M365_SETTINGS_ADMINS_GROUP_ID: optionalText,
  M365_APPROVAL_IDENTITY: z.enum(['verified', 'unverified']).default('verified'),
  M365_APPROVAL_KEY_FILE: optionalText,
  M365_APPROVAL_PUBLIC_KEY_FILE: optionalText,
  M365_APPROVAL_MAX_AGE_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  M365_PUBLISHED_MODE: z
    .string()
    .trim()
    .regex(/^(0?[0-7]{3})?$/, { message: 'must be an octal mode such as 0640' })
    .refine((v) => v === '' || (parseInt(v, 8) & 0o133) === 0, { message: 'must not let group or others write or execute (use 0640 or 0600)' })
    .optional(),
  M365_PUBLISHED_GROUP: optionalText,
  TEMPORAL_ADDRESS: optionalText,
  TEMPORAL_TLS_CERT: optionalText,
  TEMPORAL_TLS_KEY: optionalText,
  TEMPORAL_TLS_CA: optionalText,
  TEMPORAL_TLS_SERVER_NAME: optionalText,
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_NAMESPACE: z.string().trim().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default(TASK_QUEUE),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface AppConfig {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  clientCertPath?: string;
  clientCertThumbprint?: string;
  /** Extra CA to trust for the authority and Graph hosts (the simulator's CA). Never disables verification. */
  caFile?: string;
  authorityHost: string;
  graphUrl: string;
  dataDir: string;
  /** The published warehouse file analysts open read-only. */
  dbPath: string;
  /** The pipeline's private working database. */
  workDbPath: string;
  tenantsFile?: string;
  keepRuns: number;
  /** $top of the users walk, and with signInActivity selected (Graph's limits have moved: 120, 999, 500; an error lowers them). */
  usersPageSize: number;
  signInPageSize: number;
  /** Pause before the next Graph call when Graph reports 100% of a limit used (x-ms-throttle-limit-percentage); scaled by use above 80%. */
  graphPaceMs: number;
  /** Users from users/delta between full walks: off, auto (when sign-ins are not read), always; a full walk every N runs. */
  usersDelta: 'off' | 'auto' | 'always';
  /** Users pages with signInActivity a worker process sends a minute (Graph: 10 per app across tenants); 0 = no limit. */
  signInPerMinute: number;
  /** Longest sign-in read a run starts (minutes at that pace); larger tenants are walked without signInActivity. 0 = no budget. */
  signInMaxMinutes: number;
  fullWalkEvery: number;
  /** Shards of a full users walk walked at once (1 = one sequence), and the tenant size from which a walk is sharded. */
  usersShards: number;
  usersShardMin: number;
  /** Activities one worker runs at once on the main queue (Graph extracts above all); more wait in Temporal's queue. */
  graphActivitySlots: number;
  /** Users pages one worker holds at once (requested, not yet on disk), over every tenant and shard. */
  graphPagesInFlight: number;
  /** Warehouse activities the writer holds at once: loads still run one at a time, and one publish covers those that committed together. */
  warehouseActivitySlots: number;
  /** Daily schedules start at a random moment this many minutes after their time (`schedule create --jitter`). */
  scheduleJitterMinutes: number;
  /** Days of warehouse history kept per tenant; 0 keeps everything. */
  historyDays: number;
  reclaimEnabled: boolean;
  /** Where workflow notifications go (M365_NOTIFY_WEBHOOK), signed with notifySecret; none when unset. */
  notifyWebhook?: string;
  notifySecret?: string;
  /** The body's shape: signed JSON (default), a Teams Adaptive Card or Slack blocks (notify/formats.ts). */
  notifyFormat: 'json' | 'teams' | 'slack';
  /** The base URL of `m365-license serve` (the approver's inbox and the users' answer page), for links in messages. */
  inboxUrl?: string;
  /** The mailbox (UPN or object id) mail to users and approvers is sent from (Graph sendMail, Mail.Send); none when unset. */
  mailSender?: string;
  /** The group told when a request has waited past the escalation delay (per tenant: `escalationGroupId`). */
  escalationGroupId?: string;
  /** Approvals (src/identity): the public client app people sign in with, the approvers group, and the mode. */
  approvalClientId?: string;
  approversGroupId?: string;
  /** Who may change settings (`settings set|unset`): members of this group; default the approvers group. */
  settingsAdminsGroupId?: string;
  /** `unverified` is a lab mode: approvals carry a name, not a sign-in; shown in status and every audit row. */
  approvalIdentity: 'verified' | 'unverified';
  /** The workers' approval private key (seal.ts) and the public key the CLI seals with. */
  approvalKeyFile: string;
  approvalPublicKeyFile: string;
  /** How old a sign-in (ID token `iat`) may be when it is presented. */
  approvalMaxAgeMinutes: number;
  /** Published file's mode (octal text, default 0640) and group (name or gid); applied by publish (warehouse/publish/file-modes.ts). */
  publishedMode?: string;
  publishedGroup?: string;
  temporalAddress?: string;
  /** mTLS to Temporal: client certificate and key, the CA that signed the server's certificate, its name. */
  temporalTls?: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string };
  /** Sent as `Authorization: Bearer …` over TLS (Temporal Cloud API keys); a secret, never logged or passed on. */
  temporalApiKey?: string;
  temporalNamespace: string;
  /** The main task queue (default m365-license; its warehouse queue is warehouseTaskQueueFor(it)); another name isolates a deployment. */
  taskQueue: string;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Loads `.env` from the working directory if present; real environment variables win. */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

export function parseConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `- ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.M365_CLIENT_SECRET && e.M365_CLIENT_CERT_PATH) {
    throw new ConfigError('Invalid configuration:\n- set either M365_CLIENT_SECRET or M365_CLIENT_CERT_PATH, not both');
  }
  if (Boolean(e.TEMPORAL_TLS_CERT) !== Boolean(e.TEMPORAL_TLS_KEY)) {
    throw new ConfigError("Invalid configuration:\n- TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (the worker's client certificate and its key)");
  }
  if (e.M365_CLIENT_CERT_PATH && !e.M365_CLIENT_CERT_THUMBPRINT) {
    throw new ConfigError('Invalid configuration:\n- M365_CLIENT_CERT_THUMBPRINT is required with M365_CLIENT_CERT_PATH');
  }
  if (e.M365_NOTIFY_WEBHOOK && !e.M365_NOTIFY_SECRET && e.M365_NOTIFY_FORMAT === 'json') {
    throw new ConfigError('Invalid configuration:\n- M365_NOTIFY_SECRET is required with M365_NOTIFY_WEBHOOK (receivers check the HMAC signature made with it)');
  }
  const dataDir = path.resolve(e.M365_DATA_DIR);
  const approvalKeyFile = path.resolve(e.M365_APPROVAL_KEY_FILE ?? path.join(dataDir, 'keys', 'approval-key.pem'));
  return {
    tenantId: e.M365_TENANT_ID,
    clientId: e.M365_CLIENT_ID,
    clientSecret: e.M365_CLIENT_SECRET,
    clientCertPath: e.M365_CLIENT_CERT_PATH,
    clientCertThumbprint: e.M365_CLIENT_CERT_THUMBPRINT,
    caFile: e.M365_CA_FILE,
    authorityHost: e.M365_AUTHORITY_HOST,
    graphUrl: e.M365_GRAPH_URL,
    dataDir,
    dbPath: path.resolve(e.M365_DB ?? path.join(dataDir, 'm365.duckdb')),
    workDbPath: path.join(dataDir, 'work', 'm365.duckdb'),
    tenantsFile: e.M365_TENANTS_FILE,
    keepRuns: e.M365_KEEP_RUNS,
    usersPageSize: e.M365_USERS_PAGE_SIZE,
    signInPageSize: e.M365_SIGNIN_PAGE_SIZE,
    graphPaceMs: e.M365_GRAPH_PACE_MS,
    usersDelta: e.M365_USERS_DELTA,
    signInPerMinute: e.M365_SIGNIN_PER_MINUTE,
    signInMaxMinutes: e.M365_SIGNIN_MAX_MINUTES,
    fullWalkEvery: e.M365_FULL_WALK_EVERY,
    usersShards: e.M365_USERS_SHARDS,
    usersShardMin: e.M365_USERS_SHARD_MIN,
    scheduleJitterMinutes: e.M365_SCHEDULE_JITTER_MINUTES,
    graphActivitySlots: e.M365_GRAPH_ACTIVITY_SLOTS,
    graphPagesInFlight: e.M365_GRAPH_PAGES_IN_FLIGHT,
    warehouseActivitySlots: e.M365_WAREHOUSE_ACTIVITY_SLOTS,
    historyDays: e.M365_HISTORY_DAYS,
    reclaimEnabled: e.M365_RECLAIM_ENABLED,
    notifyWebhook: e.M365_NOTIFY_WEBHOOK,
    notifySecret: e.M365_NOTIFY_SECRET,
    notifyFormat: e.M365_NOTIFY_FORMAT,
    inboxUrl: e.M365_INBOX_URL?.replace(/\/+$/, ''),
    mailSender: e.M365_MAIL_SENDER,
    escalationGroupId: e.M365_ESCALATION_GROUP_ID,
    approvalClientId: e.M365_APPROVAL_CLIENT_ID,
    approversGroupId: e.M365_APPROVERS_GROUP_ID,
    settingsAdminsGroupId: e.M365_SETTINGS_ADMINS_GROUP_ID,
    approvalIdentity: e.M365_APPROVAL_IDENTITY,
    approvalKeyFile,
    approvalPublicKeyFile: path.resolve(e.M365_APPROVAL_PUBLIC_KEY_FILE ?? `${approvalKeyFile}.pub`),
    approvalMaxAgeMinutes: e.M365_APPROVAL_MAX_AGE_MINUTES,
    publishedMode: e.M365_PUBLISHED_MODE || undefined,
    publishedGroup: e.M365_PUBLISHED_GROUP,
    temporalAddress: e.TEMPORAL_ADDRESS,
    temporalTls:
      e.TEMPORAL_TLS_CERT || e.TEMPORAL_TLS_CA || e.TEMPORAL_TLS_SERVER_NAME
        ? { certPath: e.TEMPORAL_TLS_CERT, keyPath: e.TEMPORAL_TLS_KEY, caPath: e.TEMPORAL_TLS_CA, serverName: e.TEMPORAL_TLS_SERVER_NAME }
        : undefined,
    temporalApiKey: e.TEMPORAL_API_KEY,
    temporalNamespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    logLevel: e.LOG_LEVEL,
  };
}

/** True when a real tenant is configured; otherwise `dev` runs against the simulator. */
export const hasTenant = (c: AppConfig): boolean => Boolean(c.tenantId && c.clientId && (c.clientSecret || c.clientCertPath));
