// The operator's command line against a running pipeline fixture: `m365-license <args>` in a child process with the
// pipeline's environment, its Temporal server and task queue, run from its data directory as an operator would.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { PipelineFixture } from './pipeline';
import { BIN, type CliResult } from './security-helpers';
import { temporalAddress } from './temporal';

const exec = promisify(execFile);

/** Runs `m365-license <args>` for pipeline `p`; a non-zero exit is returned with its output, not thrown. */
export async function operatorCli(p: PipelineFixture, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...p.env, TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: p.taskQueue, ...extra };
  try {
    const r = await exec(process.execPath, [BIN, ...args], { env, cwd: p.dataDir });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
