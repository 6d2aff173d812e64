// Small file helpers for the staging area: atomic writes and the checksums the manifest records.
import { rename, writeFile } from 'node:fs/promises';

/** Writes via a temp file and a rename, so a crash never leaves half a file under the final name. */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data, { mode: 0o600 });
  await rename(tmp, file);
}

/** The manifest's checksums are computed the way the load verifies them. */
export { sha256OfFiles } from '../warehouse/verify';
