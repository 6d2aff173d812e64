// Decodes every payload of a workflow history, so tests can check what crossed into it.
import type { Client } from '@temporalio/client';

export async function historyText(client: Client, workflowId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const decoded: string[] = [];
  const walk = (v: unknown): void => {
    if (v instanceof Uint8Array) {
      decoded.push(Buffer.from(v).toString('utf8'));
    } else if (Array.isArray(v)) {
      v.forEach(walk);
    } else if (v && typeof v === 'object') {
      Object.values(v).forEach(walk);
    } else if (typeof v === 'string') {
      decoded.push(v);
    }
  };
  walk(history);
  return decoded.join('\n');
}

/**
 * A JWT in text: a header and claims that both start `{"` (eyJ), at a segment start. Sealed values are random
 * base64url and contain `eyJ` now and then, so a looser pattern would flag them.
 */
export const JWT_IN_TEXT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\./;
