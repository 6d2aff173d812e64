// Error types no retry can fix: Temporal matches these names and fails the activity at once.
export const NON_RETRYABLE = [
  'GraphAuthError',
  'GraphPermissionError',
  'GraphBadRequestError',
  'GraphNotFoundError',
  'GraphTlsError',
  'ConfigError',
  'MalformedReportError',
  'StagingError',
];
