// Timing knobs that tests (and only tests) turn: they travel in the workflow's memo, set by whoever starts it,
// never in the workflow input a production caller fills. A workflow reads them with readTuning(workflowInfo().memo);
// production starts set no memo and get the defaults. Pure module: workflow code imports it.

export interface WorkflowTuning {
  /** How soon a dead worker's long activity (extract, load) is retried elsewhere; default 120 s. */
  heartbeatTimeoutSeconds?: number;
}

const KEY = 'tuning';

/** The `memo` start option carrying the knobs. */
export const tuningMemo = (t: WorkflowTuning): Record<string, unknown> => ({ [KEY]: t });

/** The knobs from a memo; anything malformed counts as unset (the defaults apply). */
export function readTuning(memo: Record<string, unknown> | undefined): WorkflowTuning {
  const t = memo?.[KEY] as WorkflowTuning | undefined;
  const s = t?.heartbeatTimeoutSeconds;
  return typeof s === 'number' && Number.isFinite(s) && s >= 1 ? { heartbeatTimeoutSeconds: s } : {};
}
