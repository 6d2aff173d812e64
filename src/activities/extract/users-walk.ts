// The full walk of /users, one page file at a time, resumable from the cursor file, restarting when Graph
// refuses signInActivity, the page size, or an expired page link.
import { mkdir, rm } from 'node:fs/promises';
import type { Context } from '@temporalio/activity';
import { GraphPageSizeError, SkipTokenExpiredError } from '../../graph/errors';
import type { GraphClient } from '../../graph/client';
import type { RequestRate } from '../../graph/request-rate';
import type { Slots } from '../../shared/slots';
import { writeFileAtomic } from '../staging-files';
import { lowerPageSize, signInRefusal } from './page-size';
import type { UsersCursor, UsersProgress } from './users-cursor';
import type { PageSizes } from './types';

/** One users walk: where it is (mutable, read by the heartbeat) and where it goes when it starts over. */
export interface UsersWalk {
  ctx: Context;
  runDir: string;
  /** Where its page files go (the run's users directory, or a shard's own directory), and their names. */
  dir: string;
  pageFile: (page: number) => string;
  cursorFile: string;
  sizes: PageSizes;
  urlFor: (signIn: boolean) => string;
  firstUrl: string;
  progress: UsersCursor;
  signInRate?: RequestRate;
  /** What each page's heartbeat says (default: this walk's page and count). */
  beat?: () => UsersProgress;
  /** Set when a sibling shard failed: the walk stops after its current page. */
  stop?: { requested: boolean };
  /** The worker's bound on users pages held at once (from the request until the page is on disk). */
  pageSlots?: Slots;
}

export const beatOf = (walk: UsersWalk) => (): UsersProgress => ({ page: walk.progress.page, count: walk.progress.count });

/** The `$top` of a users link (NaN without one). */
const topOf = (link: string | null): number => Number(new URL(link ?? '', 'https://graph.invalid').searchParams.get('$top'));

/** After a refusal: true when the walk starts over (pages and cursor dropped), false when the error stands. */
async function restartAfter(walk: UsersWalk, err: unknown): Promise<boolean> {
  const { ctx, sizes } = walk;
  const deniedCode = walk.progress.signIn ? signInRefusal(err) : null;
  const signIn = walk.progress.signIn ?? false;
  // Shards walk at once: a sibling may have lowered the size already since this link was made.
  const lowered = topOf(walk.progress.nextLink) > (signIn ? Math.min(sizes.signIn, sizes.users) : sizes.users);
  const tooLarge = err instanceof GraphPageSizeError ? lowered || lowerPageSize(sizes, signIn, err.maxTop) : false;
  if (!(err instanceof SkipTokenExpiredError) && !deniedCode && !tooLarge) return false;
  if (tooLarge) {
    ctx.log.warn('Graph refused the page size: walking again with smaller pages', { users: sizes.users, signIn: sizes.signIn });
    walk.firstUrl = walk.urlFor(walk.progress.signIn ?? false);
  } else if (deniedCode) {
    // No premium licence or no AuditLog.Read.All: the roster still loads, from reports only.
    ctx.log.warn('signInActivity refused: reading the users again without it', { code: deniedCode });
    walk.firstUrl = walk.urlFor(false);
  } else ctx.log.warn('the users page link expired: starting the walk over', { page: walk.progress.page });
  // The cursor goes with the pages: a crash before the next page must not resume past deleted pages.
  await rm(walk.cursorFile, { force: true });
  await rm(walk.dir, { recursive: true, force: true });
  await mkdir(walk.dir, { recursive: true, mode: 0o700 });
  const p = walk.progress;
  walk.progress = { page: 0, nextLink: walk.firstUrl, count: 0, signIn: deniedCode ? false : p.signIn, deniedCode: deniedCode ?? p.deniedCode };
  return true;
}

/** Walks every page still to come: each page file, then the cursor that points past it, then a heartbeat. */
export async function walkUserPages(graph: GraphClient, walk: UsersWalk): Promise<void> {
  const beat = walk.beat ?? beatOf(walk);
  while (walk.progress.nextLink && !walk.stop?.requested) {
    // Pages with signInActivity count against Graph's 10 a minute per app: this worker keeps under it.
    if (walk.progress.signIn) await walk.signInRate?.take();
    const stepped = walk.pageSlots ? await walk.pageSlots.run(() => nextPage(graph, walk)) : await nextPage(graph, walk);
    if (!stepped) continue;
    await writeFileAtomic(walk.cursorFile, JSON.stringify(walk.progress));
    walk.ctx.heartbeat(beat());
  }
}

/** Requests the next page and writes it to its file (false when the walk started over instead); the body goes with it. */
async function nextPage(graph: GraphClient, walk: UsersWalk): Promise<boolean> {
  let body: string;
  try {
    body = await graph.getJsonText(walk.progress.nextLink!);
  } catch (err) {
    if (!(await restartAfter(walk, err))) throw err;
    return false;
  }
  const parsed = JSON.parse(body) as { value?: unknown[]; '@odata.nextLink'?: string };
  const page = walk.progress.page + 1;
  await writeFileAtomic(walk.pageFile(page), body);
  walk.progress = { ...walk.progress, page, nextLink: parsed['@odata.nextLink'] ?? null, count: walk.progress.count + (parsed.value?.length ?? 0) };
  return true;
}
