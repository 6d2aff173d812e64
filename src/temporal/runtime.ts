// The Temporal SDK logs through its Runtime, installed once per process. A worker installs it with the process's
// pino logger (installTemporalRuntimeLogger), so the SDK's lines, its native core's, and the activity and workflow
// loggers (which add workflowId, run id, activity type and attempt) all come out as the same JSON lines.
// Interactive commands and tests keep the SDK's human-readable stderr output at a chosen level.
import { DefaultLogger, Runtime, type LogEntry, type LogLevel, type Logger as TemporalLogger, type LogMetadata } from '@temporalio/worker';
import type { Logger } from '../logger';

let installed = false;

// Expected on the warehouse queue, which serves activities only: not worth a warning to an operator.
const EXPECTED = ['No workflows registered, not polling for workflow tasks'];

export function installTemporalRuntime(level: LogLevel): void {
  if (installed) return;
  installed = true;
  const console = new DefaultLogger(level);
  const logger = new DefaultLogger(level, (entry: LogEntry) => {
    if (EXPECTED.some((m) => entry.message.startsWith(m))) return;
    console.log(entry.level, entry.message, entry.meta);
  });
  Runtime.install({ logger });
}

/** Routes every Temporal log line, the native core's included, into `logger`. Once per process. */
export function installTemporalRuntimeLogger(logger: Logger): void {
  if (installed) return;
  installed = true;
  Runtime.install({
    logger: temporalLoggerFor(logger),
    // Core's INFO is connection chatter; its warnings matter. Forwarded, so stdout stays JSON only.
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
  });
}

const METHOD = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** Temporal's Logger interface (message, meta) on top of pino (meta, message). */
export function temporalLoggerFor(logger: Logger): TemporalLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const method = METHOD[level];
    if (!logger.isLevelEnabled(method) || EXPECTED.some((m) => message.startsWith(m))) return;
    logger[method](safeMeta(meta), message);
  };
  return {
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}

/**
 * The SDK's metadata, made safe to print: the activity task token (it can complete the activity) is dropped,
 * and an error becomes its name, type and message plus the names of its causes. Cause messages are left out:
 * a library's message may quote the data it choked on (a CSV field, a user), while this project's own error
 * messages say what to do without personal data.
 */
export function safeMeta(meta: LogMetadata | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (key === 'taskToken') continue;
    out[key] = value instanceof Error ? describeError(value) : value;
  }
  return out;
}

export function describeError(err: Error): Record<string, unknown> {
  const causes: string[] = [];
  for (let e: unknown = err.cause; e !== undefined && causes.length < 8; e = e instanceof Error ? e.cause : undefined) {
    causes.push(e instanceof Error ? errorName(e) : typeof e);
  }
  const failure = err as Error & { type?: unknown; nonRetryable?: unknown };
  return {
    name: err.name,
    ...(typeof failure.type === 'string' ? { type: failure.type } : {}),
    ...(typeof failure.nonRetryable === 'boolean' ? { nonRetryable: failure.nonRetryable } : {}),
    message: err.message,
    ...(causes.length > 0 ? { causes } : {}),
  };
}

/** ApplicationFailure carries the original class name in `type`; show that rather than the wrapper's. */
function errorName(e: Error): string {
  const type = (e as Error & { type?: unknown }).type;
  return typeof type === 'string' && type !== '' ? type : e.name;
}
