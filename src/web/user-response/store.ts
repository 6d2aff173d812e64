// Single use of "I still need it" links: the answer page claims a link's random id once, atomically (a file created
// with O_EXCL), so a second click or a replayed form is refused even across restarts of the page's server.
import { mkdirSync, openSync, closeSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';

export interface ResponseStore {
  /** True the first time an id is claimed; false ever after. */
  claim(id: string): Promise<boolean>;
  isClaimed(id: string): Promise<boolean>;
  /** Gives a claim back when the answer could not be delivered, so that the user can try again. */
  release(id: string): Promise<void>;
}

const SAFE_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** Claims kept as empty files in `dir` (created 0700), e.g. <data>/user-responses. */
export function fileResponseStore(dir: string): ResponseStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (id: string): string => {
    if (!SAFE_ID.test(id)) throw new Error('not a link id');
    return path.join(dir, id);
  };
  return {
    async claim(id) {
      try {
        closeSync(openSync(file(id), 'wx', 0o600));
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw err;
      }
    },
    async isClaimed(id) {
      return existsSync(file(id));
    },
    async release(id) {
      rmSync(file(id), { force: true });
    },
  };
}
