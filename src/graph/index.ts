// Microsoft Graph access for the pipeline: app-only tokens (MSAL), permission preflight, and a resilient
// client (timeouts, retries, typed errors, streamed report downloads). Activities call Graph only through here.
export * from './errors';
export * from './auth';
export * from './client';
export { parseRetryAfter, backoffDelay, classifyNetworkError, parseGraphError, loggablePath, createAgent } from './http';
