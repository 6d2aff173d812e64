// Error types no retry can fix: Temporal matches these names and fails the activity at once.
// Graph's list is kept in src/graph/errors.ts (NON_RETRYABLE_GRAPH_ERRORS); it is repeated here because
// workflow code must not import the Graph module (it pulls in I/O libraries), and a test keeps the two equal.
export const NON_RETRYABLE = [
  'GraphAuthError',
  'GraphPermissionError',
  'GraphBadRequestError',
  'GraphNotFoundError',
  'GraphTlsError',
  'SkipTokenExpiredError',
  'ConfigError',
  'MalformedReportError',
  'MalformedRowError',
  'StagingError',
  'WarehouseOutOfMemoryError',
];
