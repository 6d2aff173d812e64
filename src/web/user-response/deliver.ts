// Delivery of a user's answer to its reclamation: the `userResponse` signal to the exact run the link names,
// carrying the token as the user presented it. The workflow does not take the page's word for it: an activity
// opens the token again (Temporal is not a trust boundary).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { NoticeClaims } from '../../identity/notice-token';
import { userResponseSignal } from '../../workflows/reclaim/user-notice';

/** The reclamation has ended (removed, rejected, expired): there is nothing left to answer. */
export class ReclamationClosedError extends Error {
  override name = 'ReclamationClosedError';
}

export type DeliverAnswer = (claims: NoticeClaims, token: string) => Promise<void>;

export function temporalDelivery(client: Client): DeliverAnswer {
  return async (claims, token) => {
    try {
      await client.workflow.getHandle(claims.workflowId, claims.runId).signal(userResponseSignal, { token });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ReclamationClosedError('the reclamation has ended', { cause: err });
      throw err;
    }
  };
}
