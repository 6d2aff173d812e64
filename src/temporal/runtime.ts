// The Temporal SDK logs through its Runtime; install it once per process at the level the command wants.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

export function installTemporalRuntime(level: LogLevel): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger(level) });
}
