// Bundle entry for the worker: every function exported here is registered as a workflow type, so export
// workflow functions only (their inputs, signals and queries live in *-messages.ts; ids in src/shared/names.ts).
//
// Changing a workflow that may have open executions (a reclamation waits up to 7 days for approval; a daily
// run takes hours): open executions replay their history on the new code, and any change in the commands
// they issue (activities, timers, child workflows, their order or their ids) fails them with a
// non-determinism error. So either
//   - guard the change with `patched('<name>')` (new path) and keep the old path for histories without the
//     marker; once no execution started before the deploy is open, switch to `deprecatePatch('<name>')`, and
//     in a later release drop the old path and the call; or
//   - give the new behaviour a new workflow type (e.g. reclaimLicensesV2) and leave the old one until its last
//     execution closes.
// Changes that issue the same commands (messages, query output, activity arguments) need neither.
// test/workflows/replay.test.ts replays a recorded history of every parked state on the current code; after
// a deliberate, patched change re-record them (see README.md in this folder).
export { healthCheck } from './health-check';
export { dailySync } from './daily-sync';
export { scheduledDailySync } from './scheduled-daily-sync';
export { reclaimLicenses } from './reclaim/reclaim-licenses';
export { restoreLicenses } from './reclaim/restore-licenses';
export { applySettings } from './apply-settings';
