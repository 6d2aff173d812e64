// The smallest activity: proves a worker is polling and can answer.
import { Context } from '@temporalio/activity';

export function createHealthActivities() {
  return {
    async echo(message: string): Promise<string> {
      Context.current().log.info('echo', { length: message.length });
      return `activity echoed ${message}`;
    },
  };
}
export type HealthActivities = ReturnType<typeof createHealthActivities>;
