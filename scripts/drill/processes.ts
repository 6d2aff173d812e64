// The project's processes as compose runs them: each replica of each project service, started with the image's
// entry point (node bin/m365-license.mjs) and its compose command, logs kept in a file per replica.
// `restart: unless-stopped` is what brings a killed replica back; the drill does that itself, when it chooses.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { minimalChildEnv } from '../../src/temporal/child-env';
import { REPO_ROOT } from './topology';

export class Replica {
  private child: ChildProcess | undefined;
  private log: WriteStream;
  private lines: string[] = [];
  private listeners: Array<(line: string) => void> = [];
  starts = 0;

  constructor(
    readonly name: string,
    readonly service: string,
    private readonly command: string[],
    private readonly env: Record<string, string>,
    logDir: string,
    private readonly say: (line: string) => void = () => {},
  ) {
    this.log = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  /** The identity Temporal records for the replica's polls (the SDK's default: pid@hostname). */
  get identity(): string {
    return `${this.pid}@${os.hostname()}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Starts the replica and waits for its "worker started" line. A process that exits before that is started again,
   * as compose's `restart: unless-stopped` would, a few times, each exit said with its last line.
   */
  async start(timeoutMs = 180_000): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startOnce(timeoutMs);
      } catch (err) {
        if (!(err instanceof ReplicaExited) || attempt >= 4) throw err;
        this.say(`  ${this.name} exited before it was up (${err.lastLine}); started again, as compose would`);
        await new Promise((r) => setTimeout(r, 2_000 * attempt));
      }
    }
  }

  private async startOnce(timeoutMs: number): Promise<void> {
    this.starts++;
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'm365-license.mjs'), ...this.command], {
      cwd: REPO_ROOT,
      env: minimalChildEnv([], this.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let partial = '';
    const onData = (b: Buffer) => {
      this.log.write(b);
      const text = partial + b.toString();
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        this.lines.push(line);
        if (this.lines.length > 2_000) this.lines.shift();
        for (const l of this.listeners) l(line);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    await this.waitForLine((l) => l.startsWith('worker started'), timeoutMs, child);
  }

  /** Resolves on the first line (from now on) that matches. */
  waitForLine(pred: (line: string) => boolean, timeoutMs: number, child = this.child): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`${this.name}: no matching line within ${timeoutMs / 1000} s; last lines:\n${this.lines.slice(-15).join('\n')}`)), timeoutMs);
      const onExit = (code: number | null) => done(new ReplicaExited(this.name, code, this.lines.slice(-15)));
      const listener = (line: string) => {
        if (pred(line)) done(undefined, line);
      };
      const done = (err?: Error, line?: string) => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
        child?.off('exit', onExit);
        if (err) reject(err);
        else resolve(line!);
      };
      this.listeners.push(listener);
      child?.once('exit', onExit);
    });
  }

  onLine(listener: (line: string) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    await this.kill('SIGTERM');
    await new Promise((r) => this.log.end(r));
  }
}

/** The process ended while the drill waited for one of its lines. */
export class ReplicaExited extends Error {
  override name = 'ReplicaExited';
  readonly lastLine: string;
  constructor(replica: string, code: number | null, lines: string[]) {
    super(`${replica} exited (${code}) while waited for; last lines:\n${lines.join('\n')}`);
    this.lastLine = (lines.at(-1) ?? '').slice(0, 300);
  }
}
