// Starts test/support/worker-process.ts as a child process and waits until it polls.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { inject } from 'vitest';
import { temporalAddress } from './temporal';

export async function spawnWorker(env: NodeJS.ProcessEnv, queues: { taskQueue: string }): Promise<ChildProcess> {
  const script = path.join(import.meta.dirname, 'worker-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      ...env,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEST_TASK_QUEUE: queues.taskQueue,
      TEST_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes('worker ready')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    child.once('exit', (code) => reject(new Error(`worker process exited with ${code}: ${output}`)));
  });
  child.removeAllListeners('exit');
  return child;
}

export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}
