// The Temporal SDK logs through its Runtime; install it once per process at the level the command wants.
import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

let installed = false;

// Expected on the warehouse queue, which serves activities only: not worth a warning to an operator.
const EXPECTED = ['No workflows registered, not polling for workflow tasks'];

export function installTemporalRuntime(level: LogLevel): void {
  if (installed) return;
  installed = true;
  const console = new DefaultLogger(level);
  const logger = new DefaultLogger(level, (entry: LogEntry) => {
    if (EXPECTED.some((m) => entry.message.startsWith(m))) return;
    console.log(entry.level, entry.message, entry.meta);
  });
  Runtime.install({ logger });
}
