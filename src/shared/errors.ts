// Error helpers shared by workflow code and Node code alike: pure functions and constants, no I/O, safe in the
// workflow sandbox. The error-name lists live here because workflow code may not import the Graph module.

/** Graph's failures no retry can fix (the names of classes in src/graph/errors.ts). */
export const NON_RETRYABLE_GRAPH_ERRORS: string[] = [
  'GraphAuthError',
  'GraphPermissionError',
  'GraphBadRequestError',
  'GraphNotFoundError',
  'GraphTlsError',
  'SkipTokenExpiredError',
];

/** Error types no retry can fix: a Temporal retry policy lists them in `nonRetryableErrorTypes` and fails at once. */
export const NON_RETRYABLE: string[] = [
  ...NON_RETRYABLE_GRAPH_ERRORS,
  'ConfigError',
  'MalformedReportError',
  'MalformedRowError',
  'StagingError',
  'WarehouseOutOfMemoryError',
  // An effect or an audit claim whose authorisation does not verify: a retry would be refused the same way.
  'NotAuthorisedError',
];

/** The innermost cause's message: the activity's own error (which says what to do), not the failures around it. */
export function rootMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
