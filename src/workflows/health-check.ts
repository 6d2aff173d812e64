// A round trip through the server, a worker and an activity: what `dev` and the tests use to prove the plumbing.
import { proxyActivities } from '@temporalio/workflow';
import type { HealthActivities } from '../activities/health';

const { echo } = proxyActivities<HealthActivities>({ startToCloseTimeout: '30 seconds' });

export async function healthCheck(message: string): Promise<string> {
  const reply = await echo(message);
  return `workflow saw: ${reply}`;
}
