// The benchmarks' child processes: the project's own command line (bin/m365-license.mjs) started as the user runs it,
// its output kept line by line, stopped with SIGTERM, and its peak memory read from the kernel.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const BIN = path.join(import.meta.dirname, '..', '..', 'bin', 'm365-license.mjs');

export interface CliProcess {
  child: ChildProcess;
  /** The first line that matched `readyWhen`. */
  firstLine: string;
  /** Every line the process wrote so far (the warehouse writer's JSON log lines carry the load's steps). */
  lines: string[];
}

/** Starts `m365-license <argv>` and resolves once a line of its stdout or stderr matches `readyWhen`. */
export function startCli(argv: string[], env: NodeJS.ProcessEnv, readyWhen: RegExp): Promise<CliProcess> {
  const child = spawn(process.execPath, [BIN, ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  return new Promise((resolve, reject) => {
    const check = (b: Buffer) => {
      const parts = (partial + b.toString()).split('\n');
      partial = parts.pop()!;
      lines.push(...parts);
      const line = lines.find((l) => readyWhen.test(l));
      if (line) resolve({ child, firstLine: line, lines });
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`${argv[0]} exited with ${code}: ${lines.slice(-20).join('\n')}`)));
  });
}

/** SIGTERM, then wait for the exit (at once when it has exited already). */
export async function stopCli(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** A memory figure of a live process's /proc status in MB (NaN when unreadable). */
function statusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** Peak resident set of a live process since its start or last resetPeak, from the kernel's high-water mark. */
export const peakRssMb = (pid: number): number => statusMb(pid, 'VmHWM');

/** Resident set of a live process now. */
export const rssMb = (pid: number): number => statusMb(pid, 'VmRSS');

/** Resets a process's high-water mark to its current RSS (Linux clear_refs), so each day reports its own peak. */
export const resetPeak = (pid: number): void => writeFileSync(`/proc/${pid}/clear_refs`, '5');

/** The date `n` days after `date` (YYYY-MM-DD). */
export const addDays = (date: string, n: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
