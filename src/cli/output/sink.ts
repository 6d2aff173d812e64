// Buffered writes to stdout (or any stream) that wait for 'drain': a 1M-row CSV never sits in memory as one
// string, and a reader that goes away (`| head`) ends the output quietly instead of crashing with EPIPE.
import { Writable } from 'node:stream';

const FLUSH_AT = 64 * 1024;

export class OutputSink {
  private buffer: string[] = [];
  private size = 0;
  /** Set once the reader closed the pipe: producers stop early. */
  closed = false;

  constructor(private readonly out: Writable = process.stdout) {
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') this.closed = true;
      else throw err;
    });
  }

  async write(text: string): Promise<void> {
    if (this.closed) return;
    this.buffer.push(text);
    this.size += text.length;
    if (this.size >= FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0 || this.closed) return;
    const text = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    if (!this.out.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.out.off('drain', done);
          this.out.off('close', done);
          resolve();
        };
        this.out.on('drain', done);
        this.out.on('close', done);
      });
    }
  }
}

/** Collects output in memory: tests, and callers that want the text. */
export class StringSink extends OutputSink {
  private readonly parts: string[];
  constructor() {
    const parts: string[] = [];
    super(
      new Writable({
        write(chunk: Buffer, _enc, done) {
          parts.push(chunk.toString());
          done();
        },
      }),
    );
    this.parts = parts;
  }
  async text(): Promise<string> {
    await this.flush();
    return this.parts.join('');
  }
}
