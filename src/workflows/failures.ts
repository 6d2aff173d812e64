// Failures in workflow code: which errors no retry can fix, the retry presets built on that list, the root
// message of a failure, and running cleanup in a catch block so that it always runs and never hides the error.
import { CancellationScope, log } from '@temporalio/workflow';
import { NON_RETRYABLE, rootMessage } from '../shared/errors';

/** The daily sync's retries: Graph throttling and outages can last minutes. */
export const DAILY_RETRY = { nonRetryableErrorTypes: NON_RETRYABLE, initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes' };
/** A reclamation's retries: someone is waiting on the answer, so the waits stay short. */
export const RECLAIM_RETRY = { nonRetryableErrorTypes: NON_RETRYABLE, initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' };

export { rootMessage };

/**
 * Runs a catch block's cleanup (a failed-run row, a `failed` audit row) even when the workflow is being
 * cancelled, then rethrows `original`. A cleanup that fails itself is logged and the original error surfaces.
 */
export async function cleanupThenRethrow(original: unknown, cleanup: () => Promise<unknown>): Promise<never> {
  try {
    await CancellationScope.nonCancellable(cleanup);
  } catch (cleanupErr) {
    log.warn('cleanup after a failure failed; the original error follows', { cleanupError: rootMessage(cleanupErr) });
  }
  throw original;
}
