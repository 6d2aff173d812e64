// Microsoft Graph for the pipeline: app-only tokens (MSAL), the permissions table and preflights, and a resilient
// client (timeouts, retries, typed errors, streamed report downloads). Activities reach Graph only through here.
export * from './errors';
export * from './permissions';
export * from './credentials';
export * from './roles';
export * from './preflight';
export * from './token-provider';
export * from './client';
export { parseRetryAfter, backoffDelay, classifyNetworkError, parseGraphError, loggablePath, createAgent } from './http';
