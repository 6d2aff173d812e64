// Heartbeats on a timer while long work runs (a report download, a DuckDB load), so the server notices a
// dead worker within the heartbeat timeout instead of waiting out the whole start-to-close timeout.
import { Context } from '@temporalio/activity';

export async function withHeartbeat<T>(work: () => Promise<T>, details?: () => unknown): Promise<T> {
  const ctx = Context.current();
  // Three beats per heartbeat timeout, at most every 10 s (the SDK throttles what it sends anyway).
  const timeoutMs = ctx.info.heartbeatTimeoutMs ?? 0;
  const everyMs = timeoutMs > 0 ? Math.min(10_000, Math.max(200, Math.floor(timeoutMs / 3))) : 10_000;
  const beat = () => ctx.heartbeat(details?.());
  const timer = setInterval(beat, everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
