// The process's one structured logger: JSON lines (pino), level from the validated configuration. The worker
// routes Temporal's runtime, activity and workflow loggers into it (src/temporal/runtime.ts) and hands it to the
// Graph client, so every line of a worker is one JSON object on stdout.
//
// Privacy is a discipline first: log ids, counts, durations and error names, never a user's UPN or name, a token
// or a secret. Redaction of known keys below is the safety net for an object logged by mistake.
import { asyncLocalStorage } from '@temporalio/activity';
import pino, { type DestinationStream } from 'pino';
import type { AppConfig } from './config';

export type Logger = pino.Logger;
export type LogLevelName = AppConfig['logLevel'];

const SENSITIVE_KEYS = [
  'clientSecret',
  'client_secret',
  'secret',
  'password',
  'authorization',
  'Authorization',
  'access_token',
  'accessToken',
  'refresh_token',
  'token',
  'client_assertion',
  'assertion',
  'privateKey',
  'privateKeyPem',
  'taskToken',
  'userPrincipalName',
  'upn',
  'displayName',
  'mail',
  'givenName',
  'surname',
];
/** Keys censored at the top level and one or two objects deep. */
export const REDACTED_PATHS = SENSITIVE_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export interface LoggerOptions {
  level: LogLevelName;
  /** Where lines go; default stdout (fd 1, written synchronously so a crash loses nothing). */
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Any line written while an activity runs (Graph retries, token failures) names that activity.
      mixin: activityContext,
      mixinMergeStrategy: keepActivityContext,
    },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** For code paths where nobody asked for logs (tests building workers in-process, one-shot CLI commands). */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * The running activity's ids, with the same keys Temporal's own activity log lines carry; empty outside an
 * activity. Temporal keeps the activity context in an AsyncLocalStorage, so this works in nested callbacks.
 */
export function activityContext(): Record<string, unknown> {
  const info = asyncLocalStorage.getStore()?.info;
  if (!info) return {};
  return {
    workflowId: info.workflowExecution?.workflowId,
    workflowRunId: info.workflowExecution?.runId,
    workflowType: info.workflowType,
    activityId: info.activityId,
    activityType: info.activityType,
    attempt: info.attempt,
  };
}

/**
 * Adds the activity's ids to a line. Temporal's own activity lines already carry them and pass unchanged. On other
 * lines the activity's ids win, so `attempt` always means the activity attempt; a field of the line with the same
 * name is kept as `request<Key>` (the Graph client's HTTP attempt becomes `requestAttempt`).
 */
export function keepActivityContext(line: object, context: object): object {
  if ('activityId' in line) return line;
  const merged: Record<string, unknown> = { ...line };
  for (const [key, value] of Object.entries(context)) {
    if (merged[key] !== undefined) merged[`request${key[0]!.toUpperCase()}${key.slice(1)}`] = merged[key];
    merged[key] = value;
  }
  return merged;
}
