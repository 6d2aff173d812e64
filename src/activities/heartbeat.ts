// Heartbeats on a timer while long work runs (a report download, a DuckDB load), so the server notices a
// dead worker within the heartbeat timeout instead of waiting out the whole start-to-close timeout.
import { Context } from '@temporalio/activity';

export async function withHeartbeat<T>(work: () => Promise<T>, details?: () => unknown, everyMs = 10_000): Promise<T> {
  const ctx = Context.current();
  const beat = () => ctx.heartbeat(details?.());
  const timer = setInterval(beat, everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
