// The reclamation's public names in one file, like the Temporal samples' api.go: its task queues, workflow ids and
// their parsers, inputs, results, the status queries, the approve/reject updates and signals, and the inbox's
// search attributes. Only re-exports: each name keeps its home (messages.ts, shared/names.ts,
// shared/search-attributes.ts), so importing from here or from there is the same thing.
export * from './messages';
export { TASK_QUEUE, WAREHOUSE_TASK_QUEUE, warehouseTaskQueueFor, reclaimWorkflowId, parseReclaimWorkflowId, restoreWorkflowId, parseRestoreWorkflowId } from '../../shared/names';
export { CUSTOM_SEARCH_ATTRIBUTES, TENANT_ATTR, RECLAIM_STATE_ATTR, REQUESTER_ATTR, SCOPE_ATTR } from '../../shared/search-attributes';
