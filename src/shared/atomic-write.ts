// Writing a file whole under its final name, safely in a directory others can write to: the temporary file gets an
// unpredictable name and is created exclusively (O_EXCL; a planted file or symlink makes it fail, never followed),
// then renamed over the target (rename replaces a link at the target itself, it does not write through it).
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A hidden, unguessable name beside `file` for its temporary copy. */
export const tempNameBeside = (file: string): string => path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(8).toString('hex')}.tmp`);

/** Writes `data` to `file` via an exclusively created temporary file and a rename. */
export async function writeFileAtomic(file: string, data: string | Buffer, mode = 0o600): Promise<void> {
  const tmp = tempNameBeside(file);
  try {
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
}
